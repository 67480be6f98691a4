"""Bold(baseline="rest") past 2**24 sub-steps: its resting level stays the mean of every sub-step.

The resting level ``b`` is a running mean, ``b += (x - b) / count``, over the sub-steps after
``rest_after``. A float32 count stops at 2**24 (``2**24 + 1`` rounds back to ``2**24``), after
which ``b`` became a moving average of the last ~2**24 sub-steps (23.3 h of simulated time at
the default 5-ms sub-step, 28 min at ``dt_bold = 0.1`` ms) instead of the mean. The count is an
integer: these tests start the monitor's state just below the limit (2**24 sub-steps of a source
at 1) and step its pure ``update`` on (2**18 more sub-steps at 1.1), instead of running 23 h.
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import brainnet_cb as bn

N, M = 2**24 - 1, 2**18  # sub-steps before, and after, the state the test starts from
MEAN = 1.0 + 0.1 * M / (N + M)  # the resting level: the mean of N sub-steps at 1 and M at 1.1
EMA = 1.0 + 0.1 * -np.expm1(M * np.log1p(-1.0 / 2**24))  # what a count stuck at 2**24 gave


def _stepped(dtype, dt_bold=5.0):
    """The state after N sub-steps at 1 (set) and M at 1.1 (stepped), and the source's observables."""
    model = bn.CoombesByrne()
    bold = bn.Bold(tr=1000.0, dt_bold=dt_bold, rest_after=0.0, sampling="point").bind(dt_bold)  # a step per sub-step
    obs = {"r": jnp.ones(1, dtype), "v": jnp.zeros(1, dtype), "coupling": jnp.zeros(1, dtype)}
    state = bold.init(obs, model)
    state = dict(state, bmean=jnp.ones(1, dtype), bcount=jnp.asarray(N, state["bcount"].dtype),
                 nsub=jnp.asarray(N, state["nsub"].dtype))
    obs = dict(obs, r=jnp.full(1, 1.1, dtype))
    run = jax.jit(lambda s: jax.lax.fori_loop(0, M, lambda i, s: bold.update(s, obs, model), s))
    return bold, run(state), obs, model


def _drive(bold, state, x):
    """The drive ``z = (x - b) / |b|`` of the next sub-step of mean ``x`` (its running mean updated first)."""
    return float(bold._relative_drive(jnp.full(1, x, state["bmean"].dtype), state)[0][0])


@pytest.mark.parametrize("dtype", [jnp.float32, jnp.float64])
def test_the_counts_are_integers(dtype):
    bold = bn.Bold(tr=1000.0, rest_after=0.0).bind(5.0)
    state = bold.init({"r": jnp.ones(1, dtype)}, bn.CoombesByrne())
    assert state["bcount"].dtype == jnp.int32 and state["nsub"].dtype == jnp.int32
    assert state["bmean"].dtype == dtype


def _check_float32_past_the_limit():
    bold, state, _, _ = _stepped(jnp.float32)
    assert state["bmean"].dtype == jnp.float32
    assert int(state["bcount"]) == N + M and int(state["nsub"]) == N + M
    b = float(state["bmean"][0])
    assert abs(EMA - MEAN) > 90 * np.spacing(np.float32(MEAN))  # what a stuck count gave: 100 ulp of b off
    assert abs(b - MEAN) <= np.spacing(np.float32(MEAN))
    z = (1.1 - MEAN) / MEAN  # the drive of a further sub-step at 1.1 (its own weight in b: 2e-9)
    assert _drive(bold, state, 1.1) == pytest.approx(z, rel=2e-6)  # a stuck count: 1.3e-4 off


@pytest.mark.float32
def test_float32_resting_level_is_the_mean_past_2_to_the_24_sub_steps():
    """float32 as a user who never enables float64 runs it (jax_enable_x64 off)."""
    _check_float32_past_the_limit()


def test_float32_run_with_x64_on_counts_past_2_to_the_24_sub_steps():
    """bn.simulate(dtype="float32") after bn.enable_float64(): the count's cast keeps the state float32."""
    _check_float32_past_the_limit()


def test_float64_resting_level_past_2_to_the_24_sub_steps_is_unchanged():
    bold, state, _, _ = _stepped(jnp.float64)
    assert int(state["bcount"]) == N + M
    assert float(state["bmean"][0]) == pytest.approx(MEAN, rel=1e-15)
