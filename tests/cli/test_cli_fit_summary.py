"""The summary `brainnet-cb fit` prints of a working-point fit: scores beside RMSE and mean FC (a correlation
alone can be gamed), and why no homotopic connections were scanned."""

import warnings

import numpy as np
import pytest

import brainnet_cb as bn
from brainnet_cb.cli.sweep_fit import print_working_point_summary


@pytest.fixture(scope="module")
def unpaired_fit():
    """8 hcp80 regions renamed n0..n7 (no hemisphere token, no centres): no homotopic pairs."""
    data = bn.load_empirical("hcp80")
    labels = list(data.connectome.labels[:8])
    sub = data.connectome.subset(labels)
    conn = bn.Connectome(sub.weights, sub.lengths, labels=[f"n{k}" for k in range(8)])
    fit, test = (np.asarray(fc.sel(region_i=labels, region_j=labels).values) for fc in (data.fc_fit, data.fc_test))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the scan's edge and few-pairs notes
        return bn.fit_working_point(conn, fit, test_fc=test, values=[-2.0], fractions=[0.9, 1.0],
                                    weight_exponents=[1.0], regional_noise=False, effective_connectivity=False,
                                    simulate=False, workers=1, progress=False)


def test_rmse_and_mean_fc_are_printed_beside_each_correlation(unpaired_fit, capsys):
    print_working_point_summary(unpaired_fit, "fit.nc")
    text = capsys.readouterr().out
    a = unpaired_fit.attrs
    for tag, name in (("fit", "fit FC"), ("test", "held-out FC")):
        assert (f"{name:<13} corr {a[f'{tag}_corr']:.3f} (linear {a[f'{tag}_corr_linear']:.3f}; SC baseline "
                f"{a[f'sc_baseline_{tag}']:.3f})\n{'':<13} RMSE {a[f'{tag}_rmse']:.3f}; mean FC model "
                f"{a[f'{tag}_fc_mean_model']:.3f}, data {a[f'{tag}_fc_mean_empirical']:.3f}\n") in text
    # the RMSE is that of the off-diagonal pairs of the scored FC
    assert 0 < a["test_rmse"] < 1 and abs(a["test_fc_mean_model"] - a["fit_fc_mean_model"]) < 1e-12


def test_no_homotopic_pairs_is_said_with_how_to_give_them(unpaired_fit, capsys):
    assert unpaired_fit.attrs["homotopic_pairs"] == 0
    print_working_point_summary(unpaired_fit, "fit.nc")
    assert (" " * 14 + "homotopic connections: not scanned, no homotopic pairs found (labels with hemisphere tokens "
            "such as _L/_R, or connectome centres and hemispheres, pair them: bn.homotopic_pairs)\n"
            ) in capsys.readouterr().out


@pytest.fixture(scope="module")
def refined_fit():
    """20 hcp80 regions, the edges split, the weights refined (the linear stage only: no delay checks)."""
    data = bn.load_empirical("hcp80")
    labels = list(data.connectome.labels[:20])
    fit = data.fc_fit.sel(region_i=labels, region_j=labels)
    return bn.fit_working_point(data.connectome.subset(labels), fit, values=[-2.0], fractions=[1.0, 1.05],
                                weight_exponents=[1.0], homotopic_weights=[1.0], holdout="edges", key=3,
                                simulate=False, workers=1, progress=False)


def test_refits_made_stable_with_the_delays_are_counted_in_the_summary(refined_fit, capsys):
    a = refined_fit.attrs
    assert np.isfinite(a["connection_shrinkage"]) and a["connection_delay_rounds"] == 0  # nothing checked, none moved
    print_working_point_summary(refined_fit, "fit.nc")
    shown = capsys.readouterr().out
    assert f"shrinkage {a['connection_shrinkage']:g} (half the cross-validated " in shown
    assert "with the delays" not in shown
    steered = refined_fit.copy()
    steered.attrs = {**a, "connection_delay_rounds": 3}
    print_working_point_summary(steered, "fit.nc")
    assert "refitted on all connections), refitted 3 times with the delays (the refit grew with them)\n" in \
        capsys.readouterr().out
