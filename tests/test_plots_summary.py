"""The summary figure names the signal its FC came from and leaves out empty panels, silently."""

import warnings

import numpy as np
import pytest
import xarray as xr

pytest.importorskip("matplotlib")

from brainnet_cb import plots

LABELS = ["a", "b", "c", "d"]


def _ds(n_bold):
    rng = np.random.default_rng(1)
    r = xr.DataArray(rng.random((50, 4)), dims=("time", "region"),
                     coords={"time": ("time", np.arange(1.0, 51.0), {"units": "ms"}), "region": LABELS},
                     attrs={"long_name": "population firing rate", "units": "1"}, name="r")
    bold = xr.DataArray(rng.random((n_bold, 4)), dims=("time_bold", "region"),
                        coords={"time_bold": ("time_bold", 720.0 * np.arange(1, n_bold + 1), {"units": "ms"}),
                                "region": LABELS},
                        attrs={"long_name": "BOLD signal", "units": "1", "tr_ms": 720.0}, name="bold")
    return xr.Dataset({"r": r, "bold": bold}, attrs={"model": "CoombesByrne", "connectome": "toy"})


@pytest.mark.parametrize("n_bold", [0, 1, 2])
def test_without_3_bold_volumes_the_fc_is_of_r_and_an_empty_bold_panel_is_left_out_silently(n_bold):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "Mean of empty slice" and the like
        fig = plots.summary(_ds(n_bold))
    titles = [ax.get_title() for ax in fig.axes]
    assert "FC of r (4 regions, 50 samples)" in titles
    assert not any(t.startswith("FC of BOLD") for t in titles)
    assert any(t.startswith("BOLD") for t in titles) == (n_bold >= 2)  # a panel needs 2 volumes


def test_with_bold_volumes_the_fc_is_of_bold():
    titles = [ax.get_title() for ax in plots.summary(_ds(5)).axes]
    assert "FC of BOLD (4 regions, 5 volumes)" in titles
    assert "BOLD of the same regions (TR 720 ms)" in titles


def test_a_given_fc_is_titled_by_its_own_source_only():
    ds = _ds(0)
    fc = xr.DataArray(np.eye(4), dims=("region_i", "region_j"),
                      coords={"region_i": LABELS, "region_j": LABELS})
    assert "FC (4 regions)" in [ax.get_title() for ax in plots.summary(ds, fc=fc).axes]
    fc.attrs["source"] = "v"
    assert "FC of v (4 regions)" in [ax.get_title() for ax in plots.summary(ds, fc=fc).axes]


def test_a_one_region_run_has_no_fc_matrix_but_a_panel_saying_why():
    one = _ds(5).isel(region=[0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fig = plots.summary(one)
    titles = [ax.get_title() for ax in fig.axes]
    assert titles == ["population firing rate (dimensionless) of 1 region (last 50 samples)",
                      "BOLD of the same regions (TR 720 ms)", "No FC: one region"]
    assert not any(ax.images for ax in fig.axes)  # no 1 x 1 heat map, no colour bar
    assert [t.get_text() for t in fig.axes[-1].texts] == [
        "Functional connectivity correlates pairs of regions;\nthis run has one region, so it has none\n(its 1 x 1 FC "
        "is 1 by definition)."]
    fc = xr.DataArray(np.ones((1, 1)), dims=("region_i", "region_j"), coords={"region_i": ["a"], "region_j": ["a"]})
    assert [ax.get_title() for ax in plots.summary(one, fc=fc).axes][-1] == "No FC: one region"  # a given one too
