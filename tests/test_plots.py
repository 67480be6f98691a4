"""Plots take the xarray outputs and return labelled figures."""

import sys

import numpy as np
import pytest
import xarray as xr

pytest.importorskip("matplotlib")

import brainnet_cb as bn
from brainnet_cb import plots


@pytest.fixture(scope="module")
def ds():
    conn = bn.load_atlas("tvb76")
    return bn.simulate(bn.CoombesByrne(), conn, duration=2880.0, dt=0.1, coupling=bn.Linear(G=0.5),
                       noise=bn.Additive(v=0.1), monitors=[bn.TemporalAverage(1.0), bn.Bold(tr=720.0),
                                                           bn.EEG.from_atlas("tvb76")], key=0)


def test_timeseries_draws_the_chosen_regions_with_units(ds):
    fig = plots.timeseries(ds.r, regions=["rA1", "lV1"])
    ax = fig.axes[0]
    assert [line.get_label() for line in ax.get_lines()] == ["rA1", "lV1"]
    np.testing.assert_array_equal(ax.get_lines()[1].get_ydata(), ds.r.sel(region="lV1").values)
    assert ax.get_xlabel() == "time (ms)" and ax.get_ylabel() == "population firing rate (1/ms)"


def test_fc_matrix_labels_every_region_and_scatter_reports_pearson(ds):
    fc = bn.fc(ds.r)
    fig = plots.fc_matrix(fc)
    ticks = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert ticks[:3] == list(ds.region.values[[0, 2, 4]]) and len(ticks) == 38
    other = bn.fc(ds.v)
    fig = plots.fc_scatter(fc, other)
    iu = np.triu_indices(76, 1)
    r = np.corrcoef(other.values[iu], fc.values[iu])[0, 1]
    assert fig.axes[0].get_title() == f"FC fit: r = {r:.3f} (2850 pairs)"


def test_bold_and_eeg_panels(ds):
    fig = plots.bold(ds, regions=3)
    lines = fig.axes[0].get_lines()
    assert len(lines) == 3
    assert abs(lines[0].get_ydata().mean()) < 1e-6  # region mean removed
    fig = plots.eeg(ds, sensors=["Cz", "Fp1"])
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["Cz", "Fp1"]


def test_sweep_heatmap_is_a_map_over_two_swept_dims():
    res = xr.Dataset({"fc_corr": (("G", "speed"), np.arange(6.0).reshape(2, 3))},
                     coords={"G": [0.1, 0.2], "speed": [1.0, 2.0, 3.0]})
    fig = plots.sweep_heatmap(res)
    ax = fig.axes[0]
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("G", "speed")
    np.testing.assert_array_equal(ax.collections[0].get_array().reshape(3, 2), res.fc_corr.values.T)


def test_summary_has_activity_bold_eeg_and_fc_panels(ds):
    fig = plots.summary(ds)
    titles = [ax.get_title() for ax in fig.axes]
    assert any(t.startswith("population firing rate") for t in titles)
    assert any(t.startswith("BOLD") for t in titles)
    assert any(t.startswith("EEG, 6 of 63 sensors") for t in titles)
    assert "FC of BOLD (76 regions, 4 volumes)" in titles


def test_a_missing_matplotlib_is_named_before_anything_is_drawn(monkeypatch):
    """check_matplotlib looks for the package without importing it; absent, it names the install."""
    plots.check_matplotlib()  # installed here: no error
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # what the import system reports for a missing one
    with pytest.raises(bn.BrainnetError, match=r"needs matplotlib, a dependency of brainnet-cb that is missing here; install it with pip install matplotlib\."):
        plots.check_matplotlib()


def test_fc_scatter_pairs_labelled_matrices_by_region_not_by_position():
    rng = np.random.default_rng(0)
    labels = [f"r{k}" for k in range(6)]
    x = bn.as_timeseries(rng.standard_normal((300, 6)) + rng.standard_normal((300, 1)), dt=0.72, labels=labels)
    fc = bn.fc(x)
    shuffled = fc.isel(region_i=[5, 3, 1, 0, 2, 4], region_j=[5, 3, 1, 0, 2, 4])  # same matrix, other order
    fig = plots.fc_scatter(fc, shuffled)
    assert fig.axes[0].get_title() == "FC fit: r = 1.000 (15 pairs)"
    assert float(bn.fc_fit(fc, shuffled).corr) == pytest.approx(1.0)
    with pytest.raises(bn.BrainnetError, match=r"empirical is labelled by region, but its labels are not the "
                                                r"simulated FC's 6 regions once each \(6 labels; unknown \['a', "):
        plots.fc_scatter(fc, shuffled.assign_coords(region_i=list("abcdef"), region_j=list("abcdef")))
    missing = fc.values.copy()
    missing[0, 1] = missing[1, 0] = np.nan  # a missing pair (bn.read_fc(missing=True))
    assert plots.fc_scatter(fc, missing).axes[0].get_title() == "FC fit: r = 1.000 (14 pairs)"
