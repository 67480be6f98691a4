"""The engine module (brainnet_cb.simulation.engine): its old path and its public period step."""

import importlib

import jax
import numpy as np

import brainnet_cb as bn
from brainnet_cb.simulation import engine


def _conn(n=4, seed=3):
    rng = np.random.default_rng(seed)
    w = rng.random((n, n))
    np.fill_diagonal(w, 0.0)
    return bn.Connectome(w, rng.uniform(4, 30, (n, n)))


def test_the_old_module_path_is_the_engine_itself():
    old = importlib.import_module("brainnet_cb._engine")
    assert old is engine
    assert old.TRACE_COUNT is engine.TRACE_COUNT and old.advance is engine.advance


def test_scanning_advance_period_gives_the_compiled_run_bit_for_bit():
    """Periods of 7 steps (TemporalAverage 0.7 ms) straddle the noise blocks of 10 steps."""
    kw = dict(duration=14.0, dt=0.1, coupling=bn.Linear(G=0.6), noise=bn.Additive(v=0.2), key=11,
              monitors=[bn.TemporalAverage(0.7)])
    conn = _conn()
    ds = bn.simulate(bn.CoombesByrne(eta=-1.0), conn, **kw)
    run = bn.prepare(bn.CoombesByrne(eta=-1.0), conn, **kw)

    def body(carry, _):
        return engine.advance_period(carry, run.dyn, run.plan, 0)

    carry, ys = jax.jit(lambda c: jax.lax.scan(body, c, None, length=20))(run.carry)
    assert int(carry.step) == 140
    samples = np.asarray(ys[0][0])  # (periods, variables, regions)
    np.testing.assert_array_equal(samples[:, 0, :], ds.r.values)
    np.testing.assert_array_equal(samples[:, 1, :], ds.v.values)
    assert np.std(ds.r.values) > 0
