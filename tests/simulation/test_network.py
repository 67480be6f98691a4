"""The network engine: delays, coupling, independence, agreement with CoombesByrneStep."""

import brainstate
import brainunit as u
import numpy as np
import pytest
import xarray as xr

import brainnet_cb as bn
from brainnet_cb import _engine
from brainnet_cb.nodes.braintools_methods import ENGINE_EQUIVALENT


def two_regions(length=30.0, weight=1.0):
    """Region "src" (0) projects to "tgt" (1) only: W[target=1, source=0]."""
    w = np.array([[0.0, 0.0], [weight, 0.0]])
    lengths = np.array([[0.0, 0.0], [length, 0.0]])
    return bn.Connectome(w, lengths, labels=["src", "tgt"], name="pair")


def raw(ds, var):
    return ds[var].values


def test_delayed_input_equals_source_rate_exactly_lag_steps_earlier():
    conn = two_regions(length=30.0)  # 30 mm at 3 mm/ms = 10 ms = 100 steps of 0.1 ms
    ds = bn.simulate(
        bn.CoombesByrne(), conn, duration=30.0, dt=0.1, coupling=bn.Linear(G=1.0), speed=3.0,
        monitors=[bn.Raw(variables=("r", "coupling"))], method="euler",
    )
    assert ds.attrs["max_lag_steps"] == 100
    r_src = raw(ds, "r")[:, 0]  # step s = 1 .. 300 at index s - 1
    c_tgt = raw(ds, "coupling")[:, 1]
    lag = 100
    r_by_step = np.concatenate([[0.1], r_src])  # step 0 is the initial state (= the history)
    steps = np.arange(1, 301)
    expected = np.where(steps - lag >= 0, r_by_step[np.maximum(steps - lag, 0)], 0.1)
    np.testing.assert_array_equal(c_tgt, expected)
    # the target never drives the source
    np.testing.assert_array_equal(raw(ds, "coupling")[:, 0], 0.0)


def test_a_step_in_the_history_arrives_exactly_lag_steps_later():
    conn = two_regions(length=30.0)
    hist = np.zeros((101, 2))
    hist[-50:, 0] = 1.0  # source r jumps to 1 at step -49
    hist[:, 1] = 0.1
    ds = bn.simulate(
        bn.CoombesByrne(), conn, duration=10.0, dt=0.1, coupling=bn.Linear(G=1.0), speed=3.0,
        monitors=[bn.Raw(variables=("coupling",))], history=hist,
    )
    c = raw(ds, "coupling")[:, 1]  # steps 1..100
    steps = np.arange(1, 101)
    np.testing.assert_array_equal(c, np.where(steps - 100 >= -49, 1.0, 0.0))


def test_asymmetric_weights_drive_only_their_target():
    conn = two_regions()
    kw = dict(duration=50.0, dt=0.1, speed=3.0, monitors=[bn.Raw()], method="heun")
    coupled = bn.simulate(bn.CoombesByrne(), conn, coupling=bn.Linear(G=2.0), **kw)
    alone = bn.simulate(bn.CoombesByrne(), conn, coupling=bn.Linear(G=0.0), **kw)
    np.testing.assert_array_equal(coupled.r.values[:, 0], alone.r.values[:, 0])
    assert np.max(np.abs(coupled.r.values[:, 1] - alone.r.values[:, 1])) > 1e-3


@pytest.mark.parametrize("method", ["euler", "heun", "rk4", "exp_euler"])
def test_zero_coupling_reproduces_independent_single_nodes(method):
    """G = 0: bit for bit the same nodes side by side with no connectome at all,
    and the same as N single-region runs up to XLA's vector-vs-scalar rounding
    (fused multiply-adds differ by at most a few ulp)."""
    rng = np.random.default_rng(1)
    n = 5
    w = rng.random((n, n)) * (1 - np.eye(n))
    conn = bn.Connectome(w, rng.uniform(10, 100, (n, n)) * (1 - np.eye(n)))
    empty = bn.Connectome(np.zeros((n, n)), np.zeros((n, n)))
    eta = np.linspace(-1.0, 3.0, n)
    kw = dict(duration=20.0, dt=0.05, speed=2.0, monitors=[bn.Raw()], method=method)
    net = bn.simulate(bn.CoombesByrne(eta=eta), conn, coupling=bn.Linear(G=0.0), **kw)
    apart = bn.simulate(bn.CoombesByrne(eta=eta), empty, coupling=bn.Linear(G=1.0), **kw)
    np.testing.assert_array_equal(net.r.values, apart.r.values)
    np.testing.assert_array_equal(net.v.values, apart.v.values)
    one = bn.Connectome(np.zeros((1, 1)), np.zeros((1, 1)))
    for i in range(n):
        single = bn.simulate(bn.CoombesByrne(eta=eta[i]), one, **kw)
        np.testing.assert_allclose(net.r.values[:, i], single.r.values[:, 0], rtol=4e-15, atol=0)
        np.testing.assert_allclose(net.v.values[:, i], single.v.values[:, 0], rtol=0, atol=4e-15)


@pytest.mark.parametrize("method", sorted(bn.INTEGRATORS))
def test_engine_agrees_with_coombes_byrne_step_on_one_region(method):
    """The engine's heun is the step module's (braintools') rk2, its rk2 the step's midpoint."""
    one = bn.Connectome(np.zeros((1, 1)), np.zeros((1, 1)))
    ds = bn.simulate(bn.CoombesByrne(eta=1.3), one, duration=5.0, dt=0.05, monitors=[bn.Raw()], method=method)
    node = bn.CoombesByrneStep(in_size=1, eta=1.3, method=ENGINE_EQUIVALENT[method])
    brainstate.nn.init_all_states(node)
    rs, vs = [], []
    with brainstate.environ.context(dt=0.05 * u.ms):
        for _ in range(100):
            rs.append(float(node.update()[0]))
            vs.append(float(node.v.value[0]))
    np.testing.assert_allclose(ds.r.values[:, 0], rs, rtol=0, atol=1e-13)
    np.testing.assert_allclose(ds.v.values[:, 0], vs, rtol=0, atol=1e-13)


def test_diffusive_input_is_weighted_difference():
    rng = np.random.default_rng(2)
    n = 4
    w = rng.random((n, n)) * (1 - np.eye(n))
    conn = bn.Connectome(w, np.zeros((n, n)), name="instant")
    ds = bn.simulate(
        bn.CoombesByrne(eta=np.array([1.0, 2.0, 3.0, 0.5])), conn, duration=5.0, dt=0.1,
        coupling=bn.Diffusive(G=0.7), monitors=[bn.Raw(variables=("r", "coupling"))], normalize="none",
    )
    r = ds.r.values
    expected = 0.7 * (r @ w.T - w.sum(axis=1) * r)  # zero lengths: no delay
    np.testing.assert_allclose(ds.coupling.values, expected, rtol=0, atol=1e-14)


def test_diffusive_coupling_vanishes_for_synchronous_regions():
    n = 3
    w = np.ones((n, n)) - np.eye(n)
    conn = bn.Connectome(w, np.zeros((n, n)))
    ds = bn.simulate(bn.CoombesByrne(), conn, duration=20.0, dt=0.1, coupling=bn.Diffusive(G=5.0),
                     monitors=[bn.Raw(variables=("coupling",))])
    np.testing.assert_array_equal(ds.coupling.values, 0.0)


def test_conductance_coupling_on_an_instant_self_loop_is_a_larger_k():
    """g = k pi r + G r  <=>  k' = k + G / pi (exact for Euler: input held over the step)."""
    G = 0.6
    loop = bn.Connectome(np.ones((1, 1)), np.zeros((1, 1)))
    ds = bn.simulate(bn.CoombesByrne(), loop, duration=10.0, dt=0.01, coupling=bn.Conductance(G=G),
                     monitors=[bn.Raw()], method="euler")
    one = bn.Connectome(np.zeros((1, 1)), np.zeros((1, 1)))
    ref = bn.simulate(bn.CoombesByrne(k=1.0 + G / np.pi), one, duration=10.0, dt=0.01,
                      coupling=bn.Linear(G=0.0), monitors=[bn.Raw()], method="euler")
    np.testing.assert_allclose(ds.r.values, ref.r.values, rtol=0, atol=1e-13)
    np.testing.assert_allclose(ds.v.values, ref.v.values, rtol=0, atol=1e-13)


def test_per_region_coupling_strength():
    conn = two_regions(length=0.0)
    ds = bn.simulate(bn.CoombesByrne(), conn, duration=2.0, dt=0.1, coupling=bn.Linear(G=np.array([0.0, 3.0])),
                     monitors=[bn.Raw(variables=("r", "coupling"))])
    np.testing.assert_allclose(ds.coupling.values[:, 1], 3.0 * ds.r.values[:, 0], rtol=0, atol=1e-15)


def test_chunking_and_tails_do_not_change_the_result():
    rng = np.random.default_rng(3)
    n = 6
    w = rng.random((n, n)) * (rng.random((n, n)) < 0.5)
    conn = bn.Connectome(w, rng.uniform(5, 60, (n, n)))
    kw = dict(duration=23.7, dt=0.1, coupling=bn.Linear(G=0.4), noise=bn.Additive(v=0.3), key=7,
              monitors=[bn.TemporalAverage(1.0), bn.SubSample(5.0, name="slow"), bn.Raw(name="raw")])
    a = bn.simulate(bn.CoombesByrne(), conn, **kw)
    b = bn.simulate(bn.CoombesByrne(), conn, chunk_steps=30, **kw)
    assert a.sizes["time"] == 23 and a.sizes["time_slow"] == 4 and a.sizes["time_raw"] == 237
    for name in a.data_vars:
        np.testing.assert_array_equal(a[name].values, b[name].values)
    # the averaged and subsampled monitors agree with the raw trajectory
    raw_r = a.raw_r.values
    np.testing.assert_allclose(a.r.values, raw_r[:230].reshape(23, 10, n).mean(axis=1), rtol=1e-13, atol=1e-15)
    np.testing.assert_array_equal(a.slow_r.values, raw_r[49:200:50])
    np.testing.assert_allclose(a.time_raw.values, 0.1 * np.arange(1, 238))


def test_new_parameter_values_do_not_recompile():
    rng = np.random.default_rng(4)
    n = 7
    conn = bn.Connectome(rng.random((n, n)), rng.uniform(3, 30, (n, n)))
    kw = dict(duration=13.0, dt=0.1, speed=3.0, monitors=[bn.TemporalAverage(1.0)])
    first = bn.simulate(bn.CoombesByrne(), conn, coupling=bn.Linear(G=0.1), noise=bn.Additive(v=0.1), key=1, **kw)
    before = _engine.TRACE_COUNT["advance"]
    out = bn.simulate(bn.CoombesByrne(eta=np.linspace(0, 1, n), Delta=0.8), conn, coupling=bn.Linear(G=0.9),
                      noise=bn.Additive(v=0.2), key=2, **kw)
    again = bn.simulate(bn.CoombesByrne(), conn, coupling=bn.Linear(G=0.1), noise=bn.Additive(v=0.1), key=1, **kw)
    assert _engine.TRACE_COUNT["advance"] == before
    # the one program takes the values it is given: the new ones change the run, the old ones give it back exactly
    assert np.abs(out.r.values - first.r.values).max() > 1e-3
    xr.testing.assert_identical(again, first)


def test_same_key_same_run_and_different_key_different_run():
    rng = np.random.default_rng(5)
    n = 4
    conn = bn.Connectome(rng.random((n, n)), rng.uniform(3, 30, (n, n)))
    kw = dict(duration=10.0, dt=0.1, noise=bn.Additive(r=0.01, v=0.2), coupling=bn.Linear(G=0.5))
    a = bn.simulate(bn.CoombesByrne(), conn, key=11, **kw)
    b = bn.simulate(bn.CoombesByrne(), conn, key=11, **kw)
    c = bn.simulate(bn.CoombesByrne(), conn, key=12, **kw)
    np.testing.assert_array_equal(a.r.values, b.r.values)
    assert np.max(np.abs(a.r.values - c.r.values)) > 1e-4


def test_quantities_are_accepted_at_the_boundary():
    conn = two_regions(length=30.0)
    a = bn.simulate(bn.CoombesByrne(), conn, duration=0.02 * u.second, dt=0.1 * u.ms, speed=3 * u.meter / u.second,
                    monitors=[bn.TemporalAverage(1 * u.ms)])
    b = bn.simulate(bn.CoombesByrne(), conn, duration=20.0, dt=0.1, speed=3.0, monitors=[bn.TemporalAverage(1.0)])
    assert a.attrs["max_lag_steps"] == 100
    np.testing.assert_array_equal(a.r.values, b.r.values)


def test_divergence_names_region_and_time():
    conn = two_regions()
    with pytest.raises(bn.DivergenceError, match=r"region '(src|tgt)' \(index \d\) became NaN or inf at t = [0-9.]+ ms"):
        bn.simulate(bn.CoombesByrne(), conn, duration=200.0, dt=0.1, noise=bn.Additive(r=3.0), method="euler")


def test_netcdf_round_trip_is_exact(tmp_path):
    import xarray as xr

    conn = two_regions()
    ds = bn.simulate(bn.CoombesByrne(eta=[1.0, 2.0]), conn, duration=5.0, dt=0.1, noise=bn.Additive(v=0.1),
                     monitors=[bn.TemporalAverage(1.0), bn.Raw(name="raw", variables=("r", "coupling"))])
    path = tmp_path / "run.nc"
    ds.to_netcdf(path)
    with xr.open_dataset(path) as back:
        xr.testing.assert_identical(back.load(), ds)
    assert ds.r.attrs["units"] == "1/ms" and ds.time.attrs["units"] == "ms"
    assert ds.attrs["model"] == "CoombesByrne" and ds.attrs["connectome"] == "pair"
