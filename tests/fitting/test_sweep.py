"""Sweeps: every member equals its own run, batches share one compiled program, Dask equals local."""

import numpy as np
import pytest
import xarray as xr

import brainnet_cb as bn
from brainnet_cb import _engine


@pytest.fixture(scope="module")
def conn():
    rng = np.random.default_rng(3)
    n = 6
    w = rng.random((n, n)) * (rng.random((n, n)) < 0.6)
    np.fill_diagonal(w, 0)
    return bn.Connectome((w + w.T) / 2, rng.uniform(5, 60, (n, n)), name="rand6")


@pytest.fixture(scope="module")
def emp(conn):
    rng = np.random.default_rng(0)
    return bn.fc_matrix(np.corrcoef(rng.standard_normal((40, conn.n_regions)).T), conn.labels)


RUN = dict(duration=300.0, dt=0.1, monitors=[bn.TemporalAverage(2.0)], signal="r", band=None, discard=0.02)


def _single(conn, G=1.0, eta=2.0, noise_v=0.1, seed=0):
    return bn.simulate(bn.CoombesByrne(eta=eta), conn, duration=RUN["duration"], dt=RUN["dt"],
                       monitors=RUN["monitors"], coupling=bn.Linear(G=G), noise=bn.Additive(v=noise_v), key=seed)


def test_members_equal_individual_runs_and_summaries(conn, emp, tmp_path):
    grid = {"G": [0.2, 0.9], "eta": [1.0, 2.0], "noise_v": [0.05, 0.1]}
    before = _engine.TRACE_COUNT["advance_batched"]
    res = bn.sweep(bn.CoombesByrne(), conn, grid, empirical_fc=emp, keep=("r", "fc"), batch_size=3,
                   progress=False, **RUN)
    assert _engine.TRACE_COUNT["advance_batched"] - before <= 1  # 3 batches (last padded), one program
    assert res.attrs["batch_size"] == 3 and res.attrs["n_batches"] == 3 and res.attrs["n_runs"] == 8
    assert res.fc_corr.dims == ("G", "eta", "noise_v") and res.raw_r.dims == ("G", "eta", "noise_v", "time", "region")
    for G in grid["G"]:
        for eta in grid["eta"]:
            for s in grid["noise_v"]:
                one = _single(conn, G, eta, s)
                member = res.sel(G=G, eta=eta, noise_v=s)
                np.testing.assert_array_equal(member.raw_r.values, one.r.values)
                f = bn.fc(one.r, discard=RUN["discard"])
                np.testing.assert_allclose(member.fc.values, f.values, rtol=0, atol=1e-12)
                fit = bn.fc_fit(f, emp)
                assert float(member.fc_corr) == pytest.approx(float(fit.corr), abs=1e-12)
                assert float(member.fc_rmse) == pytest.approx(float(fit.rmse), abs=1e-12)
                iu = np.triu_indices(conn.n_regions, 1)
                assert float(member.fc_mean) == pytest.approx(f.values[iu].mean(), abs=1e-12)
                x = one.r.where(one.r.time - one.r.time[0] >= RUN["discard"] * 1000 - 1e-9, drop=True)
                g = x.mean("region")
                assert float(member.gs_var) == pytest.approx(float(g.var()), rel=1e-12)
                assert float(member.gs_fraction) == pytest.approx(float(g.var() / x.var("time").mean()), rel=1e-12)
    assert not res.diverged.any()
    res.to_netcdf(tmp_path / "sweep.nc")
    xr.testing.assert_identical(res, xr.load_dataset(tmp_path / "sweep.nc"))


def test_32_G_on_tvb76_one_program_equal_to_32_runs():
    conn = bn.load_atlas("tvb76")
    G = np.linspace(0.0, 1.5, 32)
    kw = dict(duration=10.0, dt=0.1, monitors=[bn.TemporalAverage(1.0)], noise=bn.Additive(v=0.2))
    before = _engine.TRACE_COUNT["advance_batched"]
    res = bn.sweep(bn.CoombesByrne(), conn, {"G": G}, signal="r", band=None, keep=("r",), progress=False, **kw)
    assert res.attrs["n_batches"] == 1 and res.attrs["batch_size"] == 32
    assert _engine.TRACE_COUNT["advance_batched"] - before <= 1
    for k, g in enumerate(G):
        one = bn.simulate(bn.CoombesByrne(), conn, coupling=bn.Linear(G=g), **kw)
        # equal to rounding: XLA contracts multiply-adds differently in batched and single code
        # (a few ulp on 76 regions; bit for bit on the 6-region network above)
        np.testing.assert_allclose(res.raw_r.values[k], one.r.values, rtol=1e-13, atol=0)


def test_divergence_is_marked_per_member_without_killing_the_batch(conn):
    res = bn.sweep(bn.CoombesByrne(), conn, {"noise_r": [0.0, 1e3], "G": [0.5]}, progress=False, **RUN)
    assert res.diverged.values.ravel().tolist() == [False, True]
    assert np.isnan(res.diverged_at.values[0, 0]) and 0 < res.diverged_at.values[1, 0] <= RUN["duration"]
    assert np.isfinite(res.fc_mean.values[0, 0]) and np.isnan(res.fc_mean.values[1, 0])


def test_a_vector_summary_survives_a_batch_whose_runs_all_diverged(conn):
    """A batch of diverged runs only held NaN of no shape for a vector summary: np.concatenate failed in the
    assembly ('all the input array dimensions ... must match'). It is NaN of the summary's shape, in both orders."""
    summaries = {"r_mean": lambda d: d.r.mean("time"), "r_last": lambda d: d.r.isel(time=-1).values}
    for noise_r in ([1e3, 0.0], [0.0, 1e3]):
        res = bn.sweep(bn.CoombesByrne(), conn, {"noise_r": noise_r}, summaries=summaries, batch_size=1,
                       progress=False, **RUN)
        bad, good = (0, 1) if noise_r[0] else (1, 0)
        assert res.diverged.values.tolist() == [bool(bad == 0), bool(bad == 1)]
        assert res.r_mean.dims == ("noise_r", "region") and res.r_last.dims == ("noise_r", "r_last_dim0")
        assert np.isnan(res.r_mean.values[bad]).all() and np.isnan(res.r_last.values[bad]).all()
        one = bn.simulate(bn.CoombesByrne(), conn, duration=RUN["duration"], dt=RUN["dt"], monitors=RUN["monitors"],
                          noise=bn.Additive(r=0.0))
        np.testing.assert_array_equal(res.r_mean.values[good], one.r.mean("time").values)
        np.testing.assert_array_equal(res.r_last.values[good], one.r.isel(time=-1).values)


def test_user_summaries_per_region_grid_seeds_and_memory(conn):
    n = conn.n_regions
    eta = np.stack([np.full(n, 1.5), np.linspace(1.0, 2.0, n)])
    summaries = {"r_mean": lambda d: d.r.mean("time"), "v_max": lambda d: float(d.v.max())}
    res = bn.sweep(bn.CoombesByrne(), conn, {"eta": eta, "seed": [1, 2]}, summaries=summaries,
                   noise=bn.Additive(v=0.1), memory="1 KiB", progress=False, **RUN)
    assert res.attrs["batch_size"] == 1 and res.attrs["n_batches"] == 4  # 1 KiB holds less than one run
    assert res.eta_value.dims == ("eta", "region") and res.r_mean.dims == ("eta", "seed", "region")
    one = bn.simulate(bn.CoombesByrne(eta=eta[1]), conn, duration=RUN["duration"], monitors=RUN["monitors"],
                      noise=bn.Additive(v=0.1), key=2)
    np.testing.assert_array_equal(res.r_mean.sel(eta=1, seed=2).values, one.r.mean("time").values)
    assert float(res.v_max.sel(eta=1, seed=2)) == float(one.v.max())
    assert bn.sweep.__module__ == "brainnet_cb.fitting.sweep"


def test_fcd_ks_against_an_empirical_fcd(conn):
    mon = [bn.TemporalAverage(20.0)]
    kw = dict(duration=4000.0, dt=0.1, monitors=mon, noise=bn.Additive(v=0.2), signal="r", band=None)
    one = bn.simulate(bn.CoombesByrne(), conn, coupling=bn.Linear(G=0.5), duration=4000.0, monitors=mon,
                      noise=bn.Additive(v=0.2))
    target = bn.fcd(one.r, window=0.4, step=0.1)
    res = bn.sweep(bn.CoombesByrne(), conn, {"G": [0.5, 3.0]}, empirical_fcd=target, fcd_window=0.4,
                   fcd_step=0.1, progress=False, **kw)
    assert float(res.fcd_ks.sel(G=0.5)) == 0.0  # the same run
    assert float(res.fcd_ks.sel(G=3.0)) == pytest.approx(float(bn.ks_distance(bn.fcd(
        bn.simulate(bn.CoombesByrne(), conn, coupling=bn.Linear(G=3.0), duration=4000.0, monitors=mon,
                    noise=bn.Additive(v=0.2)).r, window=0.4, step=0.1), target)), abs=1e-12)


def test_missing_pairs_of_the_target_are_not_scored(conn, emp):
    """A region without signal (NaN row and column): each member's fc_corr and fc_rmse are bn.fc_fit's over the
    other regions' pairs, in the sweep and in fit_grid's objective."""
    missing = emp.values.copy()
    missing[2, :] = missing[:, 2] = np.nan
    target = bn.fc_matrix(missing, conn.labels, missing=True)
    grid = {"G": [0.2, 0.9]}
    res = bn.sweep(bn.CoombesByrne(), conn, grid, empirical_fc=target, keep=("fc",), progress=False, **RUN)
    others = [k for k in range(conn.n_regions) if k != 2]
    for G in grid["G"]:
        member = res.sel(G=G)
        alone = bn.fc_fit(member.fc.values[np.ix_(others, others)], emp.values[np.ix_(others, others)])
        assert alone.attrs["n_pairs"] == 10
        assert float(member.fc_corr) == pytest.approx(float(alone.corr), abs=1e-12)
        assert float(member.fc_rmse) == pytest.approx(float(alone.rmse), abs=1e-12)
    fit = bn.fit_grid(bn.CoombesByrne(), conn, grid=grid, empirical_fc=target, progress=False, **RUN)
    alone = bn.fc_fit(fit.fc.values[np.ix_(others, others)], emp.values[np.ix_(others, others)])
    best = fit.attrs["best_iteration"]
    assert float(fit.corr[best]) == pytest.approx(float(alone.corr), abs=1e-12)
    assert fit.attrs["best_loss"] == pytest.approx(1 - float(alone.corr), abs=1e-12)
    # too few pairs present, or one value at all of them: refused before any run (a SweepError, not the
    # AnalysisError of the summaries after the first batch)
    sparse = np.full((6, 6), np.nan)
    sparse[0, 1] = sparse[1, 0] = 0.2
    sparse[2, 3] = sparse[3, 2] = 0.4
    np.fill_diagonal(sparse, 1.0)
    flat = np.where(np.isnan(missing), np.nan, 0.3)
    for target_fc, message in ((sparse, r"^empirical_fc has 2 pair\(s\) of regions present \(the others missing: "
                                        r"NaN\); a correlation needs at least 3\.$"),
                               (flat, r"^empirical_fc has the same value \(0\.3\) at every pair present \(the others "
                                      r"missing: NaN\), so its correlation with any model FC is undefined; pass the "
                                      r"FC matrix of the data \(e\.g\. bn\.read_fc or bn\.fc_matrix of a correlation "
                                      r"matrix\)\.$"),
                               (np.where(np.eye(6, dtype=bool), 1.0, 0.3), r"^empirical_fc has the same value "
                                                                           r"\(0\.3\) at every pair of regions, so "
                                                                           r"its correlation with any model FC is "
                                                                           r"undefined; pass the FC matrix of the "
                                                                           r"data \(e\.g\. bn\.read_fc or "
                                                                           r"bn\.fc_matrix of a correlation "
                                                                           r"matrix\)\.$")):
        with pytest.raises(bn.SweepError, match=message):
            bn.sweep(bn.CoombesByrne(), conn, {"G": [0.5]}, empirical_fc=target_fc, progress=False, **RUN)
    with pytest.raises(bn.DataError, match=r"^empirical FC must be finite off the diagonal; got nan at \[0, 2\] from "
                                           r"empirical_fc \(10 non-finite entries\)\. Drop the regions without data "
                                           r"from the FC and the connectome \(Connectome\.subset\), or fill them; "
                                           r"this fit needs every pair \(bn\.fit_working_point, bn\.sweep, "
                                           r"bn\.fit_grid and bn\.fit_nelder_mead leave missing pairs out\)\.$"):
        bn.fit_gradient(bn.CoombesByrne(), conn, target, init={"G": 0.5}, steps=1, progress=False, **RUN)


def test_dask_local_cluster_equals_local(conn, emp):
    distributed = pytest.importorskip("distributed")
    grid = {"G": [0.1, 0.6, 1.2], "noise_v": [0.05, 0.2]}
    kw = dict(empirical_fc=emp, keep=("fc",), batch_size=2, progress=False, **RUN)
    local = bn.sweep(bn.CoombesByrne(), conn, grid, **kw)
    with distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        remote = bn.sweep(bn.CoombesByrne(), conn, grid, client=client, **kw)
        workers = client.run(lambda: __import__("jax").config.jax_enable_x64)
    assert all(workers.values())  # every worker ran in float64
    assert remote.attrs["distributed"] == 1 and local.attrs["distributed"] == 0
    assert remote.attrs["dtype"] == "float64" and remote.fc_corr.dtype == np.float64
    drop = ("wall_s", "distributed")
    xr.testing.assert_identical(local.drop_attrs(), remote.drop_attrs())
    assert {k: v for k, v in local.attrs.items() if k not in drop} == \
        {k: v for k, v in remote.attrs.items() if k not in drop}


N6 = r"\(6,\)"


@pytest.mark.parametrize(
    "kwargs,error,message",
    [
        (dict(grid={}), bn.SweepError, r"^grid must be a non-empty dict \{name: values\}, e\.g\. "
                                        r"grid=\{'G': np\.linspace\(0, 2, 32\)\}; got \{\}\.$"),
        (dict(grid=[0.1, 0.2]), bn.SweepError, r"^grid must be a non-empty dict \{name: values\}, e\.g\. "
                                                r"grid=\{'G': np\.linspace\(0, 2, 32\)\}; got \[0\.1, 0\.2\]\.$"),
        (dict(grid={"J": [1.0]}), bn.SweepError,
         r"^unknown parameter 'J' in grid; choose from the parameters of CoombesByrne \['Delta', 'eta', 'k', "
         r"'v_syn'\], of Linear \['G'\], 'speed', 'seed', or 'noise_<state>' with a state of \['r', 'v'\] \(e\.g\. "
         r"'noise_v'\)\.$"),
        (dict(grid={"noise_w": [1.0]}), bn.SweepError, r"^unknown parameter 'noise_w' in grid; choose from the "
                                                       r"parameters of CoombesByrne \['Delta', 'eta', 'k', 'v_syn'\], "
                                                       r"of Linear \['G'\], 'speed', 'seed', or 'noise_<state>' with "
                                                       r"a state of \['r', 'v'\] \(e\.g\. 'noise_v'\)\.$"),
        (dict(grid={"G": np.ones((2, 4))}), bn.SweepError,
         r"^grid\['G'\] must have shape \(k,\) \(k values\) or \(k, 6\) \(k rows of one value per region\), k >= 1; "
         r"got shape \(2, 4\)\.$"),
        (dict(grid={"G": 0.5}), bn.SweepError, r"^grid\['G'\] must have shape \(k,\) \(k values\) or \(k, 6\) \(k "
                                               r"rows of one value per region\), k >= 1; got shape \(\)\.$"),
        (dict(grid={"G": []}), bn.SweepError, r"^grid\['G'\] must have shape \(k,\) \(k values\) or \(k, 6\) \(k rows "
                                              r"of one value per region\), k >= 1; got shape \(0,\)\.$"),
        (dict(grid={"G": np.ones((2, 6, 1))}), bn.SweepError, r"^grid\['G'\] must have shape \(k,\) \(k values\) or "
                                                              r"\(k, 6\) \(k rows of one value per region\), k >= 1; "
                                                              r"got shape \(2, 6, 1\)\.$"),
        (dict(grid={"speed": np.ones((2, 6))}), bn.SweepError, r"^grid\['speed'\] must have shape \(k,\) \(k "
                                                               r"values\), k >= 1; got shape \(2, 6\)\.$"),
        (dict(grid={"speed": [3.0, 0.0]}), bn.SweepError, r"^grid\['speed'\] must be conduction speeds > 0 \(mm/ms\); "
                                                          r"got \[3\.0, 0\.0\]\.$"),
        (dict(grid={"seed": [0.5]}), bn.SweepError, r"^grid\['seed'\] must be integers \(one random key per run\); "
                                                    r"got \[0\.5\]\.$"),
        (dict(grid={"G": [0.1, np.nan]}), bn.SweepError, r"^grid\['G'\] must be finite; got \[0\.1, nan\]\.$"),
        (dict(grid={"G": [0.1, 0.1, 0.2]}), bn.SweepError,
         r"^grid\['G'\] repeats 0\.1 \(2 times\): each value of a grid is one coordinate of the result \(a repeat "
         r"is run again for nothing, and \.sel cannot pick it\)\. Give each value once, e\.g\. grid\['G'\] = "
         r"\[0\.1, 0\.2\]\.$"),
        (dict(grid={"seed": [3, 1, 3]}), bn.SweepError, r"^grid\['seed'\] repeats 3 \(2 times\): each value of a grid "
                                                        r"is one coordinate of the result \(a repeat is run again for "
                                                        r"nothing, and \.sel cannot pick it\)\. Give each value once, "
                                                        r"e\.g\. grid\['seed'\] = \[3, 1\]\.$"),
        (dict(grid={"G": ["a"]}), bn.SweepError, r"^grid\['G'\] must be numbers; got \['a'\]\.$"),
        (dict(grid={"noise_v": [-0.1]}), bn.SweepError, r"^grid\['noise_v'\] noise amplitudes must be >= 0; got "
                                                        r"\[-0\.1\]\.$"),
        (dict(grid={"Delta": [-1.0]}), bn.ModelError,
         r"^CoombesByrne\.Delta must lie in \[0\.0, inf\]; got np\.float64\(-1\.0\)\.$"),
        (dict(memory="lots"), bn.SweepError, r"^memory must be a number of bytes or a string such as '2 GiB'; got "
                                             r"'lots'\.$"),
        (dict(memory=-5), bn.SweepError, r"^memory must be a positive number of bytes or a string such as '2 GiB'; "
                                         r"got -5\.$"),
        (dict(batch_size=0), bn.SweepError, r"^batch_size must be a positive integer; got 0\.$"),
        (dict(client="tcp://x"), bn.SweepError, r"^client must be a dask\.distributed\.Client \(e\.g\. "
                                                r"Client\(LocalCluster\(n_workers=2\)\)\) or None to run here; got "
                                                r"str\.$"),
        (dict(signal="bold"), bn.SweepError, r"^signal 'bold' is not an output of the monitors "
                                             r"\['TemporalAverage\(period=2\.0\)'\]; choose one of \['r', 'v'\] \(add "
                                             r"e\.g\. bn\.Bold\(tr=720\.0\) to monitors for 'bold'\)\.$"),
        (dict(keep=("eeg",)), bn.SweepError, r"^keep=\['eeg'\]: \['eeg'\] are not outputs of the monitors; choose "
                                             r"from \['r', 'v', 'fc'\]\.$"),
        (dict(summaries={"m": 3}), bn.SweepError, r"^summaries must be a dict \{name: function\(run_dataset\)\}; got "
                                                  r"\{'m': 3\}\.$"),
        (dict(summaries={"fc_corr": len}), bn.SweepError, r"^summary names \['fc_corr'\] clash with built-in "
                                                          r"summaries \['fc_corr', 'fc_rmse', 'fcd_ks', 'fc_mean', "
                                                          r"'gs_var', 'gs_fraction', 'diverged', 'diverged_at'\] or "
                                                          r"grid names; rename them\.$"),
        (dict(empirical_fc=np.ones((6, 5))), bn.DataError, r"^empirical FC must be a square \(n, n\) matrix; got "
                                                           r"shape \(6, 5\) from empirical_fc\. Pass the full matrix, "
                                                           r"not an upper triangle or a time series \(see "
                                                           r"read_timeseries\)\.$"),
        (dict(empirical_fc=np.triu(np.ones((6, 6)))), bn.DataError, r"^empirical FC must be symmetric; FC\[0, 1\] = 1 "
                                                                    r"but FC\[1, 0\] = 0 \(from empirical_fc\)\. "
                                                                    r"Check that the file holds a correlation matrix; "
                                                                    r"symmetrize with \(m \+ m\.T\) / 2 only if the "
                                                                    r"difference is rounding\.$"),
        (dict(empirical_fc=np.eye(5)), bn.SweepError,
         r"^empirical_fc has 5 regions but the connectome 'rand6' has 6; pass the FC of the simulated regions "
         r"\(labelled, to align by label\)\.$"),
        (dict(empirical_fc=bn.fc_matrix(np.eye(6), list("abcdef"))), bn.DataError,
         r"^data \(6 regions\) does not match connectome 'rand6' \(6 regions\): 6 connectome regions are missing from "
         r"the data: \['r0', 'r1', 'r2', 'r3', 'r4', \.\.\. and 1 more\]; 6 data regions are not in the connectome: "
         r"\['a', 'b', 'c', 'd', 'e', \.\.\. and 1 more\]\. The connectome has the default labels r0, r1, \.\.\. \(it "
         r"was made without labels=\): give it the data's region labels, "
         r"conn\.replace\(labels=data\.region_i\.values\), or, if the data is already in the connectome's region "
         r"order, pass it without labels \(data\.values\)\.$"),
        (dict(empirical_fcd=np.eye(30), fcd_window=1.0), bn.SweepError,
         r"^fcd_window = 1 s \(500 samples of 'r'\) is longer than the simulated series: 140 samples \(0\.28 s\) "
         r"after discarding 0\.02 s of the 0\.3-s run\. Use a shorter window or a longer duration\.$"),
        (dict(dt=-1.0), bn.SimulationError, r"^dt must be a finite time > 0 \(ms\); got -1\.0\.$"),
        (dict(monitors=[]), bn.MonitorError, r"^monitors is empty: a run records nothing without at least one "
                                             r"monitor\. Pass one, e\.g\. monitors=\[bn\.TemporalAverage\(1\.0\)\], "
                                             r"or omit monitors for the default\.$"),
    ],
)
def test_bad_sweeps_are_refused(conn, kwargs, error, message):
    kw = dict(RUN, grid={"G": [0.1, 0.2]})
    kw.update(kwargs)
    grid = kw.pop("grid")
    with pytest.raises(error, match=message):
        bn.sweep(bn.CoombesByrne(), conn, grid, progress=False, **kw)


def test_a_target_on_another_scale_is_warned_about_once_and_scored_not_refused_after_the_runs(conn, emp):
    # fc_fit refuses a covariance it is given directly; a sweep's target went through target_fc, which warns
    # (FCScaleWarning) and keeps it: the runs' scores must not then fail at the end (a correlation's score does
    # not see the scale; the RMSE does)
    kw = dict(RUN, duration=60.0)
    scaled = emp * 250.0
    with pytest.warns(bn.FCScaleWarning, match=r"^empirical_fc has entries up to 82 in size off the diagonal, where a "
                                               r"correlation is within \[-1, 1\] and its Fisher z within \+-5: it "
                                               r"looks like a covariance\. Simulated FC is a correlation, and fits "
                                               r"compare their values, means and spreads: pass the correlation matrix "
                                               r"\(np\.corrcoef of the series, or bn\.fc\)\.$"):
        res = bn.sweep(bn.CoombesByrne(), conn, {"G": [0.5]}, empirical_fc=scaled, keep=("fc",), progress=False,
                       **kw)
    f = res.fc.isel(G=0)
    want = bn.fc_fit(f, scaled, check_range=False)
    assert float(res.fc_corr.isel(G=0)) == pytest.approx(float(bn.fc_fit(f, emp).corr), abs=1e-12)
    assert float(res.fc_rmse.isel(G=0)) == pytest.approx(float(want.rmse), abs=1e-12)
