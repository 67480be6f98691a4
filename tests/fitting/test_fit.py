"""Fitting: exact differentiable runs, gradients against finite differences, recovery of a known G."""

import jax
import numpy as np
import pytest
import xarray as xr

import brainnet_cb as bn
from brainnet_cb.fitting.fit import fc_loss
from brainnet_cb.simulation import differentiable as _differentiable


@pytest.fixture(scope="module")
def conn():
    w = np.array([[0, 1, 0, 0.5], [1, 0, 1, 0], [0, 1, 0, 1], [0.5, 0, 1, 0]], float)
    return bn.Connectome(w, np.full((4, 4), 20.0), name="ring4")


RUN = dict(duration=2000.0, dt=0.1, noise=bn.Additive(v=0.1), monitors=[bn.TemporalAverage(5.0)])
FIT = dict(signal="r", discard=0.1, band=None)
G_TRUE = 1.0


@pytest.fixture(scope="module")
def target(conn):
    ds = bn.simulate(bn.CoombesByrne(), conn, coupling=bn.Linear(G=G_TRUE), **RUN)
    return bn.fc(ds.r, discard=0.1)


def test_differentiable_run_equals_simulate(conn):
    mon = [bn.Bold(tr=100.0, baseline="initial", discard=200.0), bn.TemporalAverage(5.0)]
    kw = dict(duration=1000.0, dt=0.1, noise=bn.Additive(v=0.1), monitors=mon, key=3)
    run = bn.prepare(bn.CoombesByrne(), conn, coupling=bn.Linear(G=0.3), **kw)
    sim, times = _differentiable.build(run, {"G": "coupling", "eta": "model"}, "bold")
    x, bad = jax.jit(sim)({"G": 0.7, "eta": np.linspace(1.5, 2.5, 4)})
    one = bn.simulate(bn.CoombesByrne(eta=np.linspace(1.5, 2.5, 4)), conn, coupling=bn.Linear(G=0.7), **kw)
    assert x.dtype == np.float64 and int(bad) == -1
    np.testing.assert_array_equal(np.asarray(x), one.bold.values)
    np.testing.assert_array_equal(times, one.time_bold.values)


@pytest.mark.parametrize("loss", ["corr+rmse", "corr", "rmse"])
def test_gradient_matches_central_difference(conn, target, loss):
    f, p, _ = fc_loss(bn.CoombesByrne(), conn, target, init={"G": 0.6}, loss=loss, **RUN, **FIT)
    value_and_grad = jax.jit(jax.value_and_grad(lambda q: f(q)[0]))
    _, g = value_and_grad(p)
    h = 1e-5
    lo, _ = value_and_grad({"G": p["G"] - h})
    hi, _ = value_and_grad({"G": p["G"] + h})
    fd = (float(hi) - float(lo)) / (2 * h)
    assert float(g["G"]) == pytest.approx(fd, rel=1e-3)
    assert abs(fd) > 1e-4  # a gradient worth checking


def test_checkpointing_gives_the_same_gradient(conn, target):
    grads = []
    for checkpoint in (True, False):
        f, p, _ = fc_loss(bn.CoombesByrne(), conn, target, init={"G": 0.6, "eta": np.full(4, 2.0)},
                          checkpoint=checkpoint, **RUN, **FIT)
        grads.append(jax.jit(jax.grad(lambda q, f=f: f(q)[0]))(p))
    for k in ("G", "eta"):
        np.testing.assert_allclose(grads[0][k], grads[1][k], rtol=1e-10)


def test_gradient_fit_recovers_known_G(conn, target, tmp_path):
    res = bn.fit_gradient(bn.CoombesByrne(), conn, target, init={"G": 0.6}, steps=8, learning_rate=0.1,
                          progress=False, **RUN, **FIT)
    assert float(res.G) == pytest.approx(G_TRUE, rel=0.1)
    assert res.loss.values[res.attrs["best_iteration"]] < 0.2 * res.loss.values[0]
    assert np.all(np.diff(res.loss.values[:4]) < 0)  # it descends
    assert res.G_path.values[0] == 0.6 and res.fc.dims == ("region_i", "region_j")
    best = bn.simulate(bn.CoombesByrne(), conn, coupling=bn.Linear(G=float(res.G)), **RUN)
    np.testing.assert_allclose(res.fc.values, bn.fc(best.r, discard=0.1).values, atol=1e-10)
    assert float(res.corr[res.attrs["best_iteration"]]) > 0.99
    res.to_netcdf(tmp_path / "fit.nc")
    xr.testing.assert_identical(res, xr.load_dataset(tmp_path / "fit.nc"))


def test_gradient_fit_of_per_region_eta_lowers_the_loss(conn, target):
    res = bn.fit_gradient(bn.CoombesByrne(), conn, target, init={"G": 0.8, "eta": np.full(4, 1.8)}, steps=4,
                          learning_rate=0.05, bounds={"eta": (0.0, 4.0)}, progress=False, **RUN, **FIT)
    assert res.eta.dims == ("region",) and res.eta_path.dims == ("iteration", "region")
    assert res.loss.values[-1] < res.loss.values[0]


def test_grid_fit_then_refinement(conn, target):
    kw = dict(RUN, **FIT, empirical_fc=target)
    res = bn.fit_grid(bn.CoombesByrne(), conn, grid={"G": [0.0, 0.7, 1.4]}, objective="rmse",
                      refine="grid", refine_points=4, refine_rounds=2, **kw)
    assert res.stage.values[:3].tolist() == ["grid"] * 3 and res.grid_loss.dims == ("grid_G",)
    assert float(res.G) == pytest.approx(G_TRUE, rel=0.1)
    assert res.loss.min() < res.grid_loss.min()
    nm = bn.fit_grid(bn.CoombesByrne(), conn, grid={"G": [0.0, 0.7, 1.4]}, objective="corr+rmse",
                     refine="nelder-mead", maxfev=8, **kw)
    assert float(nm.G) == pytest.approx(G_TRUE, rel=0.1)
    assert nm.loss.min() <= nm.grid_loss.min()


def test_grid_fit_on_fcd_ks(conn):
    mon = [bn.TemporalAverage(20.0)]
    run = dict(duration=4000.0, dt=0.1, monitors=mon, noise=bn.Additive(v=0.2))
    one = bn.simulate(bn.CoombesByrne(), conn, coupling=bn.Linear(G=2.0), **run)
    target = bn.fcd(one.r, window=0.4, step=0.1)
    res = bn.fit_grid(bn.CoombesByrne(), conn, grid={"G": [0.0, 2.0, 6.0]}, empirical_fcd=target,
                      objective="fcd_ks", refine=None, fcd_window=0.4, fcd_step=0.1, signal="r", band=None, **run)
    assert float(res.G) == 2.0 and float(res.loss.min()) == 0.0


@pytest.mark.parametrize(
    "kwargs,message",
    [
        (dict(init={}), r"^init must be a non-empty dict \{name: starting value\} of the parameters to fit, e\.g\. "
                        r"init=\{'G': 0\.5\} or init=\{'G': 0\.5, 'eta': np\.full\(n, -4\.6\)\} \(per region\); got "
                        r"\{\}\.$"),
        (dict(init={"J": 1.0}), r"^unknown parameter 'J' in init; choose from the parameters of CoombesByrne "
                                r"\['Delta', 'eta', 'k', 'v_syn'\], of Linear \['G'\], 'speed', 'seed', or "
                                r"'noise_<state>' with a state of \['r', 'v'\] \(e\.g\. 'noise_v'\)\.$"),
        (dict(init={"speed": 3.0}), r"^'speed' cannot be fitted by gradient \(it changes integer delays or the random "
                                    r"key\); sweep it with bn\.sweep or fit it with bn\.fit_grid\.$"),
        (dict(init={"G": np.ones(3)}), r"^init\['G'\] must be a scalar \(one global value\) or have shape \(4,\) "
                                       r"\(one value per region\); got shape \(3,\)\.$"),
        (dict(init={"G": np.nan}), r"^init\['G'\] must be finite; got nan\.$"),
        (dict(init={"noise_r": 0.1}), r"^init\['noise_r'\]: the run has no noise on 'r'; pass e\.g\. "
                                      r"noise=bn\.Additive\(r=0\.1\) to fit its amplitude\.$"),
        (dict(bounds={"G": (2.0, 1.0)}), r"^bounds\['G'\] must have low < high; got \(2\.0, 1\.0\)\.$"),
        (dict(bounds={"G": (1.0, 2.0)}), r"^init\['G'\] = 0\.6 lies outside bounds \(1\.0, 2\.0\)\.$"),
        (dict(bounds={"G": (-1.0, 2.0)}), r"^bounds\['G'\] = \(-1\.0, 2\.0\) reach outside the domain of 'G' "
                                          r"\(coupling\.G\), \[0, inf\), the values a fit searches\. Give bounds "
                                          r"inside it, e\.g\. bounds=\{'G': \(0\.0, 2\.0\)\} \(None for the domain's "
                                          r"own end\)\.$"),
        (dict(bounds={"eta": (0, 1)}), r"^bounds given for 'eta', which is not fitted; fitted: \['G'\]\.$"),
        (dict(bounds={"G": 1.0}), r"^bounds\['G'\] must be \(low, high\) \(None for no bound\); got 1\.0\.$"),
        (dict(loss="mse"), r"^loss must be one of \['corr', 'rmse', 'corr\+rmse'\]; got 'mse'\.$"),
        (dict(steps=0), r"^steps must be a positive integer; got 0\.$"),
        (dict(learning_rate=-1.0), r"^learning_rate must be a number > 0; got -1\.0\.$"),
        (dict(optimizer="adam"), r"^optimizer must be an optax\.GradientTransformation \(e\.g\. "
                                 r"optax\.adam\(0\.05\)\); got 'adam'\.$"),
        (dict(duration=2002.0), r"^duration 2002 ms must be a whole multiple of the longest monitor period \(5 ms\) "
                                r"for a gradient fit; use e\.g\. duration=2005\.$"),
        (dict(signal="bold"), r"^signal 'bold' is not an output of the monitors \['TemporalAverage\(period=5\.0\)'\]; "
                              r"choose one of \['r', 'v'\] \(add e\.g\. bn\.Bold\(tr=720\.0\) to monitors for "
                              r"'bold'\)\.$"),
        (dict(discard=1.999), r"^'r' has 0 samples \(one every 5 ms\) after discarding 1\.999 s of the 2-s run; an FC "
                              r"needs at least 3: simulate longer or discard less\.$"),
        (dict(duration=500.0, monitors=[bn.Bold(tr=100.0, discard=200.0)], signal="bold", discard=0.1),
         r"^'bold' has 2 samples \(one every 100 ms\) after discarding 0\.3 s of the 0\.5-s run \(0\.2 s of them the "
         r"BOLD monitor's discard\); an FC needs at least 3: simulate longer or discard less\.$"),
        (dict(empirical_fc=np.eye(3)), r"^empirical_fc has 3 regions but the connectome 'ring4' has 4; pass the FC of "
                                       r"the simulated regions \(labelled, to align by label\)\.$"),
        (dict(empirical_fc=np.where(np.eye(4, dtype=bool), 1.0, 0.3)),
         r"^empirical_fc has the same value \(0\.3\) at every pair of regions, so its correlation with any model FC "
         r"is undefined; pass the FC matrix of the data \(e\.g\. bn\.read_fc or bn\.fc_matrix of a correlation "
         r"matrix\)\.$"),
    ],
)
def test_bad_gradient_fits_are_refused(conn, target, kwargs, message):
    kw = dict(RUN, **FIT, init={"G": 0.6}, empirical_fc=target)
    kw.update(kwargs)
    emp = kw.pop("empirical_fc")
    with pytest.raises(bn.FitError, match=message):
        bn.fit_gradient(bn.CoombesByrne(), conn, emp, progress=False, **kw)


def test_an_rmse_fit_takes_a_target_with_one_value_at_every_pair(conn):
    """No correlation to score, but the RMSE to a uniform FC level is defined: loss="rmse" fits it."""
    flat = np.where(np.eye(4, dtype=bool), 1.0, 0.3)
    res = bn.fit_gradient(bn.CoombesByrne(), conn, flat, init={"G": 0.6}, steps=1, loss="rmse", progress=False,
                          **RUN, **FIT)
    upper = res.fc.values[np.triu_indices(4, 1)]
    assert np.isnan(float(res.corr[0]))
    assert float(res.rmse[0]) == pytest.approx(np.sqrt(np.mean((upper - 0.3) ** 2)), rel=1e-5)
    assert float(res.loss[0]) == float(res.rmse[0])


def test_a_target_on_another_scale_is_warned_about_and_fitted_not_refused_at_trace_time(conn):
    """target_fc warns (FCScaleWarning) and keeps a covariance-like target; the JAX twin of fc_fit, which
    refuses a concrete covariance, must not then refuse it when the objective is traced."""
    base = np.where(np.eye(4, dtype=bool), 1.0, 0.3) + np.triu(np.full((4, 4), 0.1), 1) * np.arange(4)
    base = np.triu(base) + np.triu(base, 1).T
    with pytest.warns(bn.FCScaleWarning, match=r"^empirical_fc has entries up to 150 in size off the diagonal, where "
                                               r"a correlation is within \[-1, 1\] and its Fisher z within \+-5: it "
                                               r"looks like a covariance\. Simulated FC is a correlation, and fits "
                                               r"compare their values, means and spreads: pass the correlation matrix "
                                               r"\(np\.corrcoef of the series, or bn\.fc\)\.$"):
        res = bn.fit_gradient(bn.CoombesByrne(), conn, 250.0 * base, init={"G": 0.6}, steps=1, loss="corr",
                              progress=False, **RUN, **FIT)
    upper = res.fc.values[np.triu_indices(4, 1)]
    assert float(res.corr[0]) == pytest.approx(np.corrcoef(upper, base[np.triu_indices(4, 1)])[0, 1], abs=1e-5)


def test_empirical_fc_errors_are_data_errors(conn):
    with pytest.raises(bn.DataError, match=r"^empirical FC must be symmetric; FC\[0, 1\] = 1 but FC\[1, 0\] = 0 "
                                           r"\(from empirical_fc\)\. Check that the file holds a correlation matrix; "
                                           r"symmetrize with \(m \+ m\.T\) / 2 only if the difference is rounding\.$"):
        bn.fit_gradient(bn.CoombesByrne(), conn, np.triu(np.ones((4, 4))), init={"G": 0.5}, **RUN, **FIT)
    with pytest.raises(bn.DataError, match=r"^data \(4 regions\) does not match connectome 'ring4' \(4 regions\): 4 "
                                           r"connectome regions are missing from the data: \['r0', 'r1', 'r2', "
                                           r"'r3'\]; 4 data regions are not in the connectome: \['a', 'b', 'c', "
                                           r"'d'\]\. The connectome has the default labels r0, r1, \.\.\. \(it was "
                                           r"made without labels=\): give it the data's region labels, "
                                           r"conn\.replace\(labels=data\.region_i\.values\), or, if the data is "
                                           r"already in the connectome's region order, pass it without labels "
                                           r"\(data\.values\)\.$"):
        bn.fit_gradient(bn.CoombesByrne(), conn, bn.fc_matrix(np.eye(4), list("abcd")), init={"G": 0.5},
                        **RUN, **FIT)


@pytest.mark.parametrize(
    "kwargs,message",
    [
        (dict(objective="ks"), r"^objective must be one of \['corr', 'rmse', 'corr\+rmse', 'fcd_ks', "
                               r"'corr\+fcd_ks'\]; got 'ks'\.$"),
        (dict(objective="fcd_ks"), r"^objective 'fcd_ks' needs empirical_fcd\.$"),
        (dict(objective="corr", empirical_fc=None), r"^objective 'corr' needs empirical_fc\.$"),
        (dict(refine="bfgs"), r"^refine must be 'grid', 'nelder-mead' or None; got 'bfgs'\.$"),
        (dict(refine_points=1), r"^refine_points must be an integer >= 2; got 1\.$"),
        (dict(maxfev=0), r"^maxfev must be an integer >= 1; got 0\.$"),
    ],
)
def test_bad_grid_fits_are_refused(conn, target, kwargs, message):
    kw = dict(RUN, **FIT, grid={"G": [0.5, 1.0]}, empirical_fc=target)
    kw.update(kwargs)
    with pytest.raises(bn.FitError, match=message):
        bn.fit_grid(bn.CoombesByrne(), conn, **kw)


@pytest.mark.slow
def test_fits_recover_G_from_an_independent_noise_realisation(conn):
    """Synthetic ground truth with *other* noise than the fits use: both paths find G* within 10 %."""
    run = dict(duration=30000.0, dt=0.1, noise=bn.Additive(v=0.1), monitors=[bn.TemporalAverage(5.0)])
    target = bn.fc(bn.simulate(bn.CoombesByrne(), conn, coupling=bn.Linear(G=7.0), key=7, **run).r, discard=0.1)
    grid = bn.fit_grid(bn.CoombesByrne(), conn, grid={"G": [4.0, 5.0, 6.0, 8.0]}, empirical_fc=target,
                       objective="rmse", refine_rounds=1, key=1, **run, **FIT)
    assert float(grid.G) == pytest.approx(7.0, rel=0.1)
    grad = bn.fit_gradient(bn.CoombesByrne(), conn, target, init={"G": 5.5}, steps=8, learning_rate=0.25,
                           loss="rmse", bounds={"G": (0.0, 8.0)}, key=1, progress=False, **run, **FIT)
    assert float(grad.G) == pytest.approx(7.0, rel=0.1)
    assert grad.attrs["best_loss"] < 0.5 * grad.loss.values[0]
