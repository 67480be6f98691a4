"""A batch of runs in one compiled program equals the runs one by one."""

import numpy as np
import pytest

import brainnet_cb as bn
from brainnet_cb import _engine


@pytest.fixture(scope="module")
def conn():
    rng = np.random.default_rng(3)
    n = 6
    w = rng.random((n, n)) * (rng.random((n, n)) < 0.5)
    return bn.Connectome(w, rng.uniform(5, 60, (n, n)), name="rand6")


KW = dict(duration=23.7, dt=0.1, monitors=[bn.TemporalAverage(1.0), bn.Raw(name="raw")])


@pytest.mark.parametrize("vectorize", [True, False])
def test_batch_equals_individual_runs_bit_for_bit(conn, vectorize):
    batch = {"G": [0.1, 0.5, 0.9], "eta": [1.0, 2.0, -1.0], "speed": [2.0, 3.0, 5.0], "seed": [1, 2, 3],
             "noise_v": [0.1, 0.2, 0.0]}
    noise = bn.Additive(v=0.3, r=0.01)
    ds = bn.simulate_batch(bn.CoombesByrne(), conn, batch=batch, noise=noise, chunk_steps=40, vectorize=vectorize,
                           **KW)
    assert ds.raw_r.dims == ("batch", "time_raw", "region")
    np.testing.assert_array_equal(ds.G.values, batch["G"])
    assert ds.attrs["coupling"] == "Linear(G=batch)" and ds.attrs["noise"] == "Additive(v=batch, r=0.01)"
    for b in range(3):
        one = bn.simulate(bn.CoombesByrne(eta=batch["eta"][b]), conn, coupling=bn.Linear(G=batch["G"][b]),
                          speed=batch["speed"][b], key=batch["seed"][b],
                          noise=bn.Additive(v=batch["noise_v"][b], r=0.01), **KW)
        for name in ("r", "v", "raw_r", "raw_v"):
            np.testing.assert_array_equal(ds[name].values[b], one[name].values)


def test_per_region_values_and_no_recompile_for_new_values(conn):
    n = conn.n_regions
    eta = np.stack([np.linspace(0, 1, n), np.linspace(1, 2, n)])
    a = bn.simulate_batch(bn.CoombesByrne(), conn, batch={"eta": eta, "G": [0.2, 0.4]}, vectorize=True, **KW)
    assert a.eta.dims == ("batch", "region")
    before = _engine.TRACE_COUNT["advance_batched"]
    b = bn.simulate_batch(bn.CoombesByrne(), conn, batch={"eta": eta + 0.5, "G": [0.3, 0.1]}, vectorize=True, **KW)
    assert _engine.TRACE_COUNT["advance_batched"] == before
    one = bn.simulate(bn.CoombesByrne(eta=eta[1] + 0.5), conn, coupling=bn.Linear(G=0.1), **KW)
    np.testing.assert_array_equal(b.r.values[1], one.r.values)


@pytest.mark.parametrize(
    "batch,message",
    [
        ({}, r"batch must be a non-empty dict"),
        ({"J": [1.0, 2.0]}, r"cannot batch over 'J'; choose parameters of CoombesByrne \['Delta', 'eta', 'k', 'v_syn'\]"),
        ({"G": [0.1, 0.2], "eta": [1.0]}, r"batch\['eta'\] has 1, the others 2"),
        ({"G": np.ones((2, 4))}, r"batch\['G'\] must have shape \(B,\) or \(B, 6\).*got shape \(2, 4\)"),
        ({"speed": [3.0, -1.0]}, r"batch\['speed'\] must be finite speeds > 0"),
        ({"noise_v": [0.1, -0.1]}, r"batch\['noise_v'\] noise amplitudes must be finite and >= 0"),
    ],
)
def test_bad_batches_are_refused(conn, batch, message):
    with pytest.raises(bn.SimulationError, match=message):
        bn.simulate_batch(bn.CoombesByrne(), conn, batch=batch, **KW)


def test_an_invalid_item_is_refused_by_the_model_check(conn):
    with pytest.raises(bn.ModelError, match=r"CoombesByrne.Delta must lie in \[0.0, inf\]"):
        bn.simulate_batch(bn.CoombesByrne(), conn, batch={"Delta": [1.0, -1.0]}, **KW)


@pytest.mark.parametrize("vectorize", [True, False])
def test_diverging_members_can_be_kept(conn, vectorize):
    kw = dict(KW, duration=200.0, monitors=[bn.TemporalAverage(1.0)], method="euler")
    batch = {"noise_r": [0.0, 3.0, 0.0], "seed": [1, 2, 3]}
    with pytest.raises(bn.DivergenceError, match=r"batch item 1: a state variable of region 'r\d'"):
        bn.simulate_batch(bn.CoombesByrne(), conn, batch=batch, vectorize=vectorize, **kw)
    ds = bn.simulate_batch(bn.CoombesByrne(), conn, batch=batch, on_divergence="keep", vectorize=vectorize, **kw)
    at = ds.diverged_at.values
    assert np.isnan(at[0]) and np.isnan(at[2]) and 0 < at[1] <= 200.0
    assert ds.diverged_region.values[1] in conn.labels and ds.diverged_region.values[0] == ""
    assert np.isfinite(ds.r.values[[0, 2]]).all()
    one = bn.simulate(bn.CoombesByrne(), conn, key=3, **kw)
    np.testing.assert_array_equal(ds.r.values[2], one.r.values)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_vmapped_members_equal_single_runs_to_rounding_on_tvb76(dtype):
    """The 26 %-dense tvb76 with noise and BOLD: XLA's YNNPACK reduce fusion sums the delayed coupling of
    the batch program in another order than the single run's (engine.CPU_BATCH_OPTIONS keeps it for its
    speed), so vmapped members agree to rounding; run one by one they are the single runs bit for bit."""
    tvb = bn.load_atlas("tvb76")
    kw = dict(duration=1440.0, dt=0.1, dtype=dtype, noise=bn.Additive(v=0.1), key=0,
              monitors=[bn.TemporalAverage(1.0), bn.Bold(tr=720.0, discard=0.0)])
    gs = [0.3, 0.6]
    model = bn.CoombesByrne(eta=-4.6)
    vmapped = bn.simulate_batch(model, tvb, coupling=bn.Linear(), batch={"G": gs}, vectorize=True, **kw)
    singly = bn.simulate_batch(model, tvb, coupling=bn.Linear(), batch={"G": gs}, vectorize=False, **kw)
    eps = float(np.finfo(dtype).eps)
    for b, g in enumerate(gs):
        one = bn.simulate(model, tvb, coupling=bn.Linear(G=g), **kw)
        for name in ("r", "v", "bold"):
            np.testing.assert_array_equal(singly[name].values[b], one[name].values)
            np.testing.assert_allclose(vmapped[name].values[b], one[name].values, rtol=64 * eps,
                                       atol=4 * eps * float(np.abs(one[name].values).max()))
