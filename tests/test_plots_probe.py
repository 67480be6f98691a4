"""The figures refuse unclear requests with a project error, label only what they know, and say what they leave out."""

import numpy as np
import pytest
import xarray as xr

pytest.importorskip("matplotlib")

import brainnet_cb as bn
from brainnet_cb import plots


@pytest.fixture(scope="module")
def ds():
    conn = bn.load_atlas("tvb76")
    return bn.simulate(bn.CoombesByrne(), conn, duration=1440.0, dt=0.1, coupling=bn.Linear(G=0.5),
                       noise=bn.Additive(v=0.1), monitors=[bn.TemporalAverage(1.0), bn.Bold(tr=360.0),
                                                           bn.EEG.from_atlas("tvb76")], key=0)


@pytest.fixture(scope="module")
def batch():
    return bn.simulate_batch(bn.CoombesByrne(), bn.load_atlas("tvb76"), 100.0, 0.1, batch={"G": [0.1, 0.5]},
                             coupling=bn.Linear(G=0.5), monitors=[bn.TemporalAverage(1.0)])


def _labels(fig):
    return [line.get_label() for line in fig.axes[0].get_lines()]


def test_regions_by_one_label_by_positions_and_a_numpy_count(ds):
    assert _labels(plots.timeseries(ds.r, regions="lV1")) == ["lV1"]  # not the labels 'l', 'V', '1'
    assert _labels(plots.timeseries(ds.r, regions=[0, 75])) == [str(ds.region.values[0]), str(ds.region.values[75])]
    assert len(_labels(plots.timeseries(ds.r, regions=np.int64(3)))) == 3


@pytest.mark.parametrize("regions, words", [(["rV9", "lV1"], ["['rV9']", "rV1"]), (["V1"], ["lV1", "rV1"]),
                                            ([], ["empty"]), (0, ["at least 1"]), (-2, ["at least 1"]),
                                            ([0, 76], ["[76]", "out of range"]), (True, ["count"])])
def test_an_unclear_region_selection_is_refused_naming_it(ds, regions, words):
    with pytest.raises(bn.BrainnetError) as err:
        plots.timeseries(ds.r, regions=regions)
    assert all(w in str(err.value) for w in words), str(err.value)


@pytest.mark.parametrize("draw", [plots.timeseries, plots.bold, plots.eeg, plots.summary])
def test_a_batch_is_refused_with_how_to_pick_a_member(batch, draw):
    with pytest.raises(bn.BrainnetError, match=r"^expected dims \(time, region or sensor\); got \('batch', 'time', "
                                               r"'region'\)\. Draw one member at a time: pass da\.isel\(batch=0\) "
                                               r"\(or \.sel by its coordinate\)\.$"):
        draw(batch if draw is plots.summary else batch.r)
    with pytest.raises(bn.BrainnetError, match=r"^fc_matrix expects a square 2-d FC matrix; got dims \('batch', "
                                               r"'region_i', 'region_j'\), shape \(2, 76, 76\)\. Draw one member: "
                                               r"fc\.isel\(batch=0\)\.$"):
        plots.fc_matrix(bn.fc(batch.r))


def test_a_dataset_without_the_monitor_names_it(batch):
    with pytest.raises(bn.BrainnetError, match=r"^the Dataset has no 'bold' variable \(it holds \['r', 'v'\]\); run "
                                               r"with the bn\.Bold\(tr=\.\.\.\) monitor, or pass the DataArray to "
                                               r"draw\.$"):
        plots.bold(batch.isel(batch=0))
    with pytest.raises(bn.BrainnetError, match=r"^the Dataset has no 'eeg' variable \(it holds \['r', 'v'\]\); run "
                                               r"with the bn\.EEG\.from_atlas\(\.\.\.\) monitor, or pass the "
                                               r"DataArray to draw\.$"):
        plots.eeg(batch.isel(batch=0))
    with pytest.raises(bn.BrainnetError, match=r"^summary has nothing to draw: the Dataset holds no time series of "
                                               r"at least 2 samples by region or sensor \(variables \[\]\); pass "
                                               r"the output of bn\.simulate, or fc= to draw an FC alone\.$"):
        plots.summary(batch.isel(batch=0)[[]])


def test_time_axis_units_are_those_of_the_coordinate_never_invented(ds):
    bare = xr.DataArray(ds.r.values, dims=("time", "region"))
    ax = plots.timeseries(bare, regions=[2]).axes[0]
    assert ax.get_xlabel() == "time (samples)" and ax.get_title() == "signal"
    np.testing.assert_array_equal(ax.get_lines()[0].get_xdata(), np.arange(ds.sizes["time"]))
    no_units = ds.r.copy()
    no_units["time"].attrs = {}
    assert plots.timeseries(no_units).axes[0].get_xlabel() == "time"
    seconds = ds.bold.assign_coords(time_bold=ds.time_bold.values / 1000.0)
    seconds["time_bold"].attrs["units"] = "s"
    assert plots.bold(seconds).axes[0].get_xlabel() == "time (s)"
    assert plots.bold(ds).axes[0].get_xlabel() == "time (ms)"


def test_missing_fc_pairs_are_counted_and_a_fisher_z_fc_is_not_labelled_pearson_r(ds, tmp_path):
    fc = bn.fc(ds.r)
    m = fc.values.copy()
    m[3, :] = m[:, 3] = np.nan
    m[3, 3] = 1.0
    np.save(tmp_path / "fc.npy", m)
    emp = bn.read_fc(tmp_path / "fc.npy", labels=list(ds.region.values), missing=True)
    assert "75 of 2850 pairs missing" in plots.fc_matrix(emp).axes[0].get_title()
    fig = plots.fc_matrix(emp * np.nan)  # all missing: drawn (blank) and said, not a NaN colour scale
    assert "2850 of 2850" in fig.axes[0].get_title() and fig.axes[0].images[0].get_clim() == (-1.0, 1.0)
    assert fig.axes[0].get_title().startswith("Functional connectivity")
    ax = plots.fc_scatter(fc, emp).axes[0]
    assert ax.get_title().endswith("(2775 pairs)") and [t.get_text() for t in ax.texts] == [
        "75 of 2850 pairs missing (NaN), left out"]
    assert len(plots.fc_scatter(fc, fc).axes[0].texts) == 0
    with pytest.raises(bn.AnalysisError, match=r"^fc_scatter needs at least 3 region pairs present \(finite\) in "
                                               r"both FCs; got 0 of 2850 \(2850 missing, NaN, in either\)\.$"):
        plots.fc_scatter(fc, emp * np.nan)
    z = bn.fc(ds.r, fisher_z=True)
    assert plots.fc_matrix(z).axes[1].get_ylabel() == "Fisher z"
    assert plots.fc_scatter(z, z).axes[0].get_ylabel() == "simulated FC (Fisher z)"
    assert plots.fc_matrix(fc).axes[1].get_ylabel() == "Pearson r"


def test_fc_matrix_takes_an_array_and_refuses_a_non_square_one(ds):
    fc = bn.fc(ds.r)
    fig = plots.fc_matrix(fc.values)
    np.testing.assert_array_equal(fig.axes[0].images[0].get_array(), fc.values)
    with pytest.raises(bn.BrainnetError, match=r"^fc_matrix expects a square 2-d FC matrix; got dims \('region_i', "
                                               r"'region_j'\), shape \(76, 10\)\.$"):
        plots.fc_matrix(fc.isel(region_j=slice(0, 10)))


def _sweep3():
    return xr.Dataset({"fc_corr": (("G", "speed", "eta"), np.arange(24.0).reshape(2, 3, 4))},
                      coords={"G": [0.1, 0.2], "speed": [1.0, 2.0, 3.0], "eta": [0.0, 1.0, 2.0, 3.0]})


def test_sweep_heatmap_draws_a_third_swept_dimension_as_panels_and_refuses_to_hide_a_fourth():
    res = _sweep3()
    fig = plots.sweep_heatmap(res)  # was: only eta = 0, silently, under the title "over G, speed, eta"
    maps = [ax for ax in fig.axes if ax.get_title()]  # not the colour bar
    assert [ax.get_title() for ax in maps] == ["eta = 0", "eta = 1", "eta = 2", "eta = 3"]
    for k, ax in enumerate(maps):
        np.testing.assert_array_equal(ax.collections[0].get_array().reshape(3, 2), res.fc_corr.isel(eta=k).values.T)
        assert ax.collections[0].get_clim() == (0.0, 23.0)  # one colour scale
    res4 = res.expand_dims(seed=[0, 1])
    with pytest.raises(bn.SweepError, match=r"^sweep_heatmap draws up to 3 swept dimensions \(the third as one "
                                            r"panel per value, at most 12\); fc_corr varies over \['seed', 'G', "
                                            r"'speed', 'eta'\] \(seed: 2, G: 2, speed: 3, eta: 4\), and \['seed', "
                                            r"'eta'\] would be hidden\. Pick a value, e\.g\. "
                                            r"result\.sel\(eta=\.\.\.\) or \.isel\(eta=0\), or one figure per "
                                            r"value\.$"):
        plots.sweep_heatmap(res4, x="G", y="speed")
    many = xr.Dataset({"fc_corr": (("G", "speed", "eta"), np.zeros((2, 2, 13)))})
    with pytest.raises(bn.SweepError, match=r"^sweep_heatmap draws up to 3 swept dimensions \(the third as one "
                                            r"panel per value, at most 12\); fc_corr varies over \['G', 'speed', "
                                            r"'eta'\] \(G: 2, speed: 2, eta: 13\), and \['eta'\] would be hidden\. "
                                            r"Pick a value, e\.g\. result\.sel\(eta=\.\.\.\) or \.isel\(eta=0\), or "
                                            r"one figure per value\.$"):
        plots.sweep_heatmap(many)
    fig = plots.sweep_heatmap(res.sel(eta=2.0))
    np.testing.assert_array_equal(fig.axes[0].collections[0].get_array().reshape(3, 2),
                                  res.fc_corr.sel(eta=2.0).values.T)
    fig = plots.sweep_heatmap(res.sel(eta=2.0), y="G")  # y alone: x is the other swept dimension
    assert (fig.axes[0].get_xlabel(), fig.axes[0].get_ylabel()) == ("speed", "G")
    fig = plots.sweep_heatmap(res.sel(eta=2.0, speed=3.0))
    np.testing.assert_array_equal(fig.axes[0].get_lines()[0].get_ydata(), res.fc_corr.sel(eta=2.0, speed=3.0))


def test_sweep_heatmap_draws_the_fit_score_by_default_not_the_first_variable():
    """A sweep's first variable is ``diverged`` (all False): the default map was a flat field of zeros."""
    score = np.arange(6.0).reshape(2, 3)
    res = xr.Dataset({"diverged": (("G", "speed"), np.zeros((2, 3), bool)), "fc_mean": (("G", "speed"), -score),
                      "fc_corr": (("G", "speed"), score)}, coords={"G": [0.1, 0.2], "speed": [1.0, 2.0, 3.0]})
    for data, expected in ((res, score), (res.drop_vars("fc_corr"), -score)):
        fig = plots.sweep_heatmap(data)
        np.testing.assert_array_equal(fig.axes[0].collections[0].get_array().reshape(3, 2), expected.T)


@pytest.mark.parametrize("kwargs, words", [({"variable": "nope"}, "no variable 'nope'"),
                                           ({"x": "nope"}, "x='nope' is not a dimension"),
                                           ({"x": "G", "y": "G"}, "both 'G'")])
def test_sweep_heatmap_names_a_wrong_variable_or_dimension(kwargs, words):
    with pytest.raises(bn.SweepError, match=words):
        plots.sweep_heatmap(_sweep3().isel(eta=0), **kwargs)


def test_no_plot_changes_the_users_data(ds):
    before = ds.copy(deep=True)
    fc = bn.fc(ds.r)
    fc_before = fc.copy(deep=True)
    plots.timeseries(ds.r, regions=["lV1", "rV1"])
    plots.bold(ds)
    plots.eeg(ds, window=(100.0, 400.0))
    plots.summary(ds)
    plots.fc_matrix(fc)
    plots.fc_scatter(fc, fc.isel(region_i=slice(None, None, -1), region_j=slice(None, None, -1)))
    xr.testing.assert_identical(ds, before)
    xr.testing.assert_identical(fc, fc_before)
