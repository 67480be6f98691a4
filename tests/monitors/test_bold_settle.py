"""Bold's sub-step at a level boundary (engine._settled) gives the numbers of the per-step branch.

When the Balloon sub-step (``k = dt_bold / dt`` steps) equals the period of a
monitor level (here an EEG every ``dt_bold``), the engine calls
``Bold.accumulate`` every step and ``Bold.settle`` at the end of every period
of that level instead of ``Bold.update``'s per-step ``lax.cond``. Outputs and
the final state must be those of the per-step path, bit for bit.
"""

import jax
import numpy as np
import pytest

import brainnet_cb as bn
from brainnet_cb.simulation import engine


def _conn(n=5, seed=3):
    rng = np.random.default_rng(seed)
    w = rng.random((n, n)) * (rng.random((n, n)) < 0.7)
    np.fill_diagonal(w, 0.0)
    return bn.Connectome(w, rng.uniform(4, 40, (n, n)), centres=rng.uniform(-40, 40, (n, 3)))


def _monitors(baseline="rest"):
    eeg = bn.EEG.sphere(_conn(), "10-20", period=2.0)  # = dt_bold: the settle level
    return [bn.TemporalAverage(4.0), bn.Bold(tr=200.0, dt_bold=2.0, baseline=baseline, rest_after=20.0), eeg]


KW = dict(dt=0.1, coupling=bn.Linear(G=0.5), noise=bn.Additive(v=0.2), key=4)


def _per_step(monkeypatch):
    """Switch the engine to the per-step branch (and drop the programs compiled without it)."""
    monkeypatch.setattr(engine, "_settled", lambda dyn, plan, level: ())
    jax.clear_caches()
    monkeypatch.setattr(engine, "TRACE_COUNT", dict(engine.TRACE_COUNT))


def test_the_sub_step_is_settled_at_the_level_of_its_period():
    run = bn.prepare(bn.CoombesByrne(), _conn(), duration=400.0, monitors=_monitors(), **KW)
    top = len(run.plan.levels) - 1
    assert [p for p, _ in run.plan.levels] == [20, 40, 2000]
    assert engine._settled(run.dyn, run.plan, top) == ((1, 0),)
    assert engine._settled(run.dyn, run.plan, -1) == ()
    other = bn.prepare(bn.CoombesByrne(), _conn(), duration=400.0, monitors=[bn.Bold(tr=200.0)], **KW)
    assert engine._settled(other.dyn, other.plan, 0) == ()  # k = 50 steps, no level of 50 steps


# every baseline (its own settle: the rest level's running mean, the initial value, none) in one piece, the default
# one in chunks too: the chunks carry the monitors' state whatever it holds, and each case compiles both branches
# anew (in chunks, the chunk's and the tail's programs: twice the time)
@pytest.mark.parametrize(("baseline", "chunk_steps"), [("rest", None), ("initial", None), (None, None),
                                                       ("rest", 2000)])
def test_settled_runs_equal_the_per_step_branch(monkeypatch, baseline, chunk_steps):
    kw = dict(KW, duration=612.3, monitors=_monitors(baseline), chunk_steps=chunk_steps)  # a tail below every level
    fast = bn.simulate(bn.CoombesByrne(), _conn(), **kw)
    _per_step(monkeypatch)
    traced = engine.TRACE_COUNT["advance"]
    slow = bn.simulate(bn.CoombesByrne(), _conn(), **kw)
    assert engine.TRACE_COUNT["advance"] > traced  # compiled anew, per-step path
    assert fast.sizes["time_bold"] == 3
    for name in slow.data_vars:
        np.testing.assert_array_equal(fast[name].values, slow[name].values)


def test_the_final_state_equals_the_per_step_branch(monkeypatch):
    run = bn.prepare(bn.CoombesByrne(), _conn(), duration=400.0, monitors=_monitors(), **KW)
    fast, _ = engine.advance(run.carry, run.dyn, run.plan, 1, len(run.plan.levels) - 1)
    _per_step(monkeypatch)
    slow, _ = engine._scan_blocks(run.carry, run.dyn, run.plan, 1, len(run.plan.levels) - 1)
    for a, b in zip(fast.monitors[1].values(), slow.monitors[1].values()):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    np.testing.assert_array_equal(np.asarray(fast.x), np.asarray(slow.x))


@pytest.mark.parametrize("vectorize", [True, False])
def test_settled_batches_equal_the_per_step_branch(monkeypatch, vectorize):
    kw = dict(KW, duration=400.0, monitors=_monitors(), batch={"G": [0.3, 0.6], "seed": [1, 2]}, vectorize=vectorize)
    kw.pop("key")
    fast = bn.simulate_batch(bn.CoombesByrne(), _conn(), **kw)
    _per_step(monkeypatch)
    slow = bn.simulate_batch(bn.CoombesByrne(), _conn(), **kw)
    for name in slow.data_vars:
        np.testing.assert_array_equal(fast[name].values, slow[name].values)
