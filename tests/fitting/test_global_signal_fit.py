"""The working-point fit of an FC computed after global signal regression (GSR)."""

import numpy as np
import pytest

import brainnet_cb as bn
from brainnet_cb.errors import FitError
from brainnet_cb.fitting.working_point import fit_working_point


@pytest.fixture(scope="module")
def gsr_data():
    """20 hcp80 regions: the group FCs after GSR of each subject's band-passed BOLD."""
    hcp = bn.load_empirical("hcp80")
    labels = list(hcp.connectome.labels[:20])
    bold = hcp.bold.sel(region=labels)

    def group(subjects):
        return bn.fc_matrix(np.mean([bn.fc(bold.sel(subject=s), band=(0.01, 0.1), global_signal=True).values
                                     for s in subjects], axis=0), labels)

    return hcp.connectome.subset(labels), group(hcp.subjects_fit), group(hcp.subjects_test)


KW = dict(values=[-2.0], fractions=[0.9, 1.0, 1.05], weight_exponents=[1.0], homotopic_weights=[1.0],
          effective_connectivity=False, simulate=False, progress=False)


def test_fc_after_gsr_is_recognised_and_modelled_the_same_way(gsr_data):
    """On 20 hcp80 regions after GSR (mean FC -0.04; SC baseline 0.45): the model regressed the same way scores
    0.64 held out (its linearised BOLD FC agrees with its slow limit), the unregressed model 0.33."""
    conn, fit, test = gsr_data
    assert np.mean(fit.values[np.triu_indices(20, 1)]) < 0
    auto = fit_working_point(conn, fit, test_fc=test, **KW)  # "auto", the default
    plain = fit_working_point(conn, fit, test_fc=test, global_signal=False, **KW)
    a, b = auto.attrs, plain.attrs
    assert a["global_signal_regression"] == 1 and b["global_signal_regression"] == 0
    assert a["test_corr"] > b["test_corr"] + 0.2
    # the linearised BOLD FC of a run (balloon at rest at the fixed point) and the slow limit agree after GSR too
    assert a["test_corr_linear"] == pytest.approx(a["test_corr"], abs=0.01)
    fc_model = auto.fc.values
    assert abs(np.mean(fc_model[np.triu_indices(20, 1)]) - a["fit_fc_mean_empirical"]) < 0.05


def test_fc_without_gsr_is_fitted_as_it_is_by_default():
    """The default "auto" leaves an FC with a positive mean alone: bit for bit the fit with global_signal=False."""
    hcp = bn.load_empirical("hcp80")
    labels = list(hcp.connectome.labels[:20])
    conn, fit = hcp.connectome.subset(labels), hcp.fc_fit.sel(region_i=labels, region_j=labels)
    assert np.mean(fit.values[np.triu_indices(20, 1)]) > 0.2
    auto = fit_working_point(conn, fit, **KW)
    plain = fit_working_point(conn, fit, global_signal=False, **KW)
    assert auto.attrs["global_signal_regression"] == 0
    assert np.array_equal(auto.fc.values, plain.fc.values)
    assert auto.attrs["fit_corr"] == plain.attrs["fit_corr"]


def test_bad_global_signal_is_refused(gsr_data):
    conn, fit, _ = gsr_data
    with pytest.raises(FitError, match=r"^global_signal must be True, False or 'auto'; got 'maybe'\.$"):
        fit_working_point(conn, fit, global_signal="maybe", **KW)


def test_refined_weights_after_gsr_keep_the_slow_limit_valid(gsr_data):
    """Refined after GSR, every mode stays faster than 1 Hz, so the slow limit and the linearised BOLD FC agree.

    (Without that bound, a mode came near zero: 0.668 held out in the slow limit, 0.565 with the linearised
    BOLD FC; with it, 0.666 and 0.666.)
    """
    conn, fit, test = gsr_data
    res = fit_working_point(conn, fit, test_fc=test, **{**KW, "effective_connectivity": True, "global_signal": True})
    a = res.attrs
    assert a["global_signal_regression"] == 1 and a["effective_connectivity"] == 1
    assert a["test_corr_linear"] == pytest.approx(a["test_corr"], abs=0.01)
