"""The float32 path: the default precision of a user who never calls ``bn.enable_float64``.

The rest of the suite runs in float64 (tests/conftest.py). These tests run with x64
off (marker ``float32``) or ask for ``dtype="float32"`` explicitly, and check the
science at float32 tolerance: the Coombes-Byrne fixed point against the golden
values, float32 outputs, and agreement with the same run in float64.
"""

import brainstate
import jax
import numpy as np
import pytest

import brainnet_cb as bn

F32_TOL = 1e-5  # absolute, on O(1) states: ~100 float32 ulps


def _two_free_nodes():
    """Two unconnected regions: eta = 2 (golden v_ext = 0) and eta = 3 (= eta 2 with v_ext = 1)."""
    conn = bn.Connectome(np.zeros((2, 2)), np.zeros((2, 2)), labels=["vext0", "vext1"])
    return bn.CoombesByrne(eta=[2.0, 3.0]), conn


def _network_run(**kw):
    """tvb76, delayed linear coupling, no noise: deterministic, so both precisions follow one trajectory."""
    conn = bn.load_atlas("tvb76")
    return bn.simulate(bn.CoombesByrne(), conn, duration=200.0, dt=0.1, coupling=bn.Linear(G=0.5), speed=3.0,
                       method="heun", monitors=[bn.TemporalAverage(1.0), bn.EEG.from_atlas("tvb76", period=1.0)],
                       **kw)


@pytest.mark.float32
def test_default_dtype_is_float32_without_x64():
    assert not jax.config.jax_enable_x64 and brainstate.environ.get_precision() == 32
    model, conn = _two_free_nodes()
    ds = bn.simulate(model, conn, duration=10.0, dt=0.1, monitors=[bn.Raw()])
    assert ds.r.dtype == np.float32 and ds.v.dtype == np.float32
    assert ds.attrs["dtype"] == "float32"
    with pytest.raises(bn.SimulationError, match=r"dtype float64 was asked for but JAX is in float32 mode.*"
                                                 r"bn.enable_float64\(\)"):
        bn.simulate(model, conn, duration=1.0, dt=0.1, dtype="float64")


@pytest.mark.float32
@pytest.mark.parametrize("method", ["euler", "heun", "rk4"])
def test_float32_run_settles_at_the_golden_fixed_point(golden, method):
    model, conn = _two_free_nodes()
    ds = bn.simulate(model, conn, duration=100.0, dt=0.05, method=method, monitors=[bn.TemporalAverage(1.0)])
    assert ds.r.dtype == np.float32
    for region, case in enumerate(["fixed_point_vext0", "fixed_point_vext1"]):
        got = [float(ds.r[-1, region]), float(ds.v[-1, region])]
        np.testing.assert_allclose(got, [golden[case]["r"], golden[case]["v"]], atol=F32_TOL, rtol=0)


@pytest.mark.float32
def test_float32_network_agrees_with_float64():
    """The same deterministic tvb76 run, x64 off (float32 default) and in float64."""
    run32 = _network_run()
    with jax.enable_x64(True):
        run64 = _network_run(dtype="float64")
    assert run64.r.dtype == np.float64
    for name in ("r", "v", "eeg"):
        a, b = run32[name].values, run64[name].values
        assert a.dtype == np.float32, name
        scale = np.abs(b).max()
        assert np.abs(a - b).max() <= 1e-4 * scale, (name, np.abs(a - b).max() / scale)


def test_explicit_float32_dtype_with_x64_on():
    """dtype="float32" in a float64 session: float32 outputs, same science as float64."""
    assert jax.config.jax_enable_x64
    run32 = _network_run(dtype="float32")
    run64 = _network_run()
    assert run32.attrs["dtype"] == "float32" and run64.attrs["dtype"] == "float64"
    for name in ("r", "v", "eeg"):
        a, b = run32[name].values, run64[name].values
        assert a.dtype == np.float32 and b.dtype == np.float64
        assert np.abs(a - b).max() <= 1e-4 * np.abs(b).max(), name


@pytest.mark.float32
def test_float32_noise_and_bold_are_reproducible():
    """Noise and the BOLD monitor in float32: finite float32 outputs, the same key gives the same run."""
    model, conn = _two_free_nodes()

    def run():
        return bn.simulate(model, conn, duration=2000.0, dt=0.1, noise=bn.Additive(v=0.01), key=0,
                           monitors=[bn.TemporalAverage(1.0), bn.Bold(tr=500.0)])

    ds, again = run(), run()
    assert ds.v.dtype == np.float32 and ds.bold.dtype == np.float32
    assert np.isfinite(ds.bold.values).all() and ds.sizes["time_bold"] == 4
    assert float(ds.v.std("time").min()) > 1e-3  # the noise is there
    np.testing.assert_array_equal(ds.v.values, again.v.values)
    np.testing.assert_array_equal(ds.bold.values, again.bold.values)


@pytest.mark.float32
def test_every_64_bit_seed_has_its_own_noise_in_float32_as_in_float64():
    """Without 64-bit integers JAX keeps a seed's low 32 bits: key=2**32 ran seed 0's noise and key=-1 that of
    2**32 - 1, in bn.simulate and in a batch over "seed". Keys are now made as in float64: a seed has the same key
    in both precisions, and seeds below 2**32 keep the key (and the noise) they had."""
    model, conn = _two_free_nodes()
    kw = dict(duration=5.0, dt=0.1, noise=bn.Additive(v=0.3), monitors=[bn.Raw()])
    seeds = [0, 2**32, -1, 2**32 - 1, 7]
    runs = {s: bn.simulate(model, conn, key=s, **kw).v.values for s in seeds}
    assert not any(np.array_equal(runs[a], runs[b]) for a in seeds for b in seeds if a < b)
    batch = bn.simulate_batch(model, conn, batch={"seed": seeds}, **kw)
    for k, s in enumerate(seeds):
        assert np.array_equal(batch.v.isel(batch=k).values, runs[s])
    make_key = bn.simulation.validation.make_key
    for s in seeds:  # the key of float64
        with jax.enable_x64(True):
            key64 = jax.random.key_data(jax.random.key(s))
        assert np.array_equal(jax.random.key_data(make_key(s)[0]), key64)
    for s in (0, 2**32 - 1, 7):  # below 2**32: the key JAX always gave
        assert np.array_equal(jax.random.key_data(make_key(s)[0]), jax.random.key_data(jax.random.key(s)))
