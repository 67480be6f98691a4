"""The pure, compiled core of a network run.

One integration step is a pure function of a small carry (node state, delay
ring buffer, current coupling input, monitor accumulators, divergence
tracker). Steps are nested in ``lax.scan`` s, one level per distinct monitor
period (each a multiple of the one below), so every monitor emits at its own
rate and no full-resolution trajectory is ever stored. With noise, the scans
carry the increments of the current noise block (:data:`~brainnet_cb.noise.NOISE_BLOCK`
steps, aligned to absolute step numbers) beside the :class:`Carry`; a new
block is drawn when the step counter crosses a block boundary and at the start
of every compiled call, from ``(key, step // NOISE_BLOCK)`` alone, so chunks
and resumed runs see the same numbers. ``advance`` is
compiled once per (model class, coupling class, monitors, shapes, plan) and
reused: parameter values, weights, lags and keys are arguments, not constants.
"""

from __future__ import annotations

from functools import partial
from typing import NamedTuple

import jax
import jax.numpy as jnp

from ..delays import push, push_read, read_delayed
from ..integrators import INTEGRATORS
from ..monitors.base import COUPLING
from ..noise import NOISE_BLOCK, block_increments
from ..stimulus import add_stimuli

__all__ = [
    "Plan", "Dynamic", "Carry", "advance", "advance_batched", "advance_period", "initial_carry", "dyn_axes",
    "carry_axes", "TRACE_COUNT", "CPU_BATCH_OPTIONS", "compile_advance",
]

# Number of times ``advance`` has been traced (i.e. compiled); read by tests.
TRACE_COUNT = {"advance": 0, "advance_batched": 0}


class Plan(NamedTuple):
    """Static structure of a run (hashable; part of the compilation key).

    ``levels`` is a tuple of ``(period_steps, monitor_indices)``, periods
    ascending, each a multiple of the previous one.
    """

    method: str
    send_row: object  # row of the sent state variable, or None if the model derives it (sent(x))
    port: str
    noise_rows: tuple
    levels: tuple
    noise_scheme: object = None  # the noise class's step hook (brainnet_cb.noise), None: additive
    # True: push and read the delays as one delays.push_read (the same values; its transpose scatters in
    # place, so reverse mode costs a few forward runs, not ~20): the differentiable path sets it.
    fused_delays: bool = False


class Dynamic(NamedTuple):
    """Everything numeric a run needs (a pytree of arrays; traced, not static)."""

    model: object
    coupling: object
    monitors: tuple
    table: object
    sigma: object
    key: object
    dt: object
    noise: object = ()  # traced parameters of the noise scheme (e.g. OU tau)
    stimuli: tuple = ()  # external inputs (brainnet_cb.stimulus), each added to its port


class Carry(NamedTuple):
    """The scan carry: small, O(n * max_lag)."""

    x: jnp.ndarray  # node state (n_states, n)
    hist: jnp.ndarray  # ring buffer of the sent variable (max_lag + 1, n)
    step: jnp.ndarray  # index of the current step (int32)
    c: jnp.ndarray  # coupling input at the current step (n,)
    monitors: tuple  # one accumulator per monitor
    bad_step: jnp.ndarray  # first step with a non-finite state, or -1
    bad_region: jnp.ndarray  # its first non-finite region
    aux: object = ()  # state of the noise scheme (e.g. the OU process), () for additive noise


def _observables(model, x, c):
    obs = {name: x[k] for k, name in enumerate(model.states)}
    obs[COUPLING] = c
    return obs


def _coupling_input(hist, step, sent, dyn):
    """The coupling input at ``step``: delayed weighted sum, then the coupling's ``post``."""
    S = read_delayed(hist, step, dyn.table)
    return dyn.coupling.post(S, sent, dyn.table.strength)


@partial(jax.jit, static_argnames=("plan",))
def initial_carry(x0, hist0, dyn, plan):
    """The carry at step 0: coupling read from the initial history (one compiled call)."""
    step = jnp.asarray(0, jnp.int32)
    c = _coupling_input(hist0, step, dyn.model.sent(x0), dyn)
    obs = _observables(dyn.model, x0, c)
    mon = tuple(m.init(obs, dyn.model) for m in dyn.monitors)
    minus1 = jnp.asarray(-1, jnp.int32)
    aux = () if plan.noise_scheme is None else plan.noise_scheme.init(x0, dyn, plan.noise_rows)
    return Carry(x0, hist0, step, c, mon, minus1, minus1, aux)


def _noise_block(carry: Carry, dyn: Dynamic, plan: Plan, before: tuple | None = None):
    """Increments ``(NOISE_BLOCK, n_states, n)`` of the noise block holding ``carry.step`` (None without noise).

    ``before``: ``(steps, blocks)`` counted before ``carry.step``'s 0 (a
    :class:`~brainnet_cb.simulation.brainstate_network.NetworkModule` past its
    ``steps_per_epoch``); the block drawn is the absolute one. None: none.
    """
    if not plan.noise_rows:
        return None
    block = carry.step // NOISE_BLOCK if before is None else carry.step // NOISE_BLOCK + before[1]
    return block_increments(dyn.key, block, plan.noise_rows, dyn.sigma, carry.x.shape[0], dyn.dt)


def _settled(dyn: Dynamic, plan: Plan, level: int) -> tuple:
    """``(monitor index, level)`` of the monitors whose ``settle`` runs at the end of that level's periods.

    A monitor with ``settle_steps`` equal to the period of a level ``<= level``
    (the first such level) is settled there; its per-step call is then
    ``accumulate`` alone, without ``update``'s branch (see
    :mod:`brainnet_cb.monitors.base`). Level periods start at multiples of
    their length (the run schedules whole periods from step 0), so the
    settles fall on the steps where ``update`` would have branched.
    """
    out = []
    periods = [p for p, _ in plan.levels[: level + 1]]
    for i, m in enumerate(dyn.monitors):
        k = getattr(m, "settle_steps", None)
        if k and k in periods:
            out.append((i, periods.index(k)))
    return tuple(out)


def _one_step(carry: Carry, dyn: Dynamic, plan: Plan, dW=None, settled: tuple = (), before=None) -> Carry:
    """One integration step; ``dW`` the step's noise increment ``(n_states, n)`` or None.

    ``settled``: :func:`_settled` of the enclosing loop (those monitors only ``accumulate``).
    ``before``: as for :func:`_noise_block`; stimuli and ``bad_step`` see the absolute step.
    """
    model = dyn.model
    inputs = add_stimuli({plan.port: carry.c}, dyn.stimuli, carry.step if before is None else carry.step + before[0],
                         dyn.dt)

    def f(y):
        return model.dfun(y, inputs)

    aux = carry.aux
    if plan.noise_scheme is not None:  # e.g. OU forcing in f, multiplicative dW (brainnet_cb.noise)
        f, dW, aux = plan.noise_scheme.step(f, carry.x, aux, dW, dyn, plan.noise_rows)
    x = INTEGRATORS[plan.method](f, carry.x, dyn.dt, dW)
    step = carry.step + 1
    sent = model.sent(x)  # default: x[send_row]
    if plan.fused_delays:
        hist, S = push_read(carry.hist, step, sent, dyn.table)
        c = dyn.coupling.post(S, sent, dyn.table.strength)
    else:
        hist = push(carry.hist, step, sent)
        c = _coupling_input(hist, step, sent, dyn)
    obs = _observables(model, x, c)
    quiet = {i for i, _ in settled}
    mon = tuple(m.accumulate(s, obs, model) if i in quiet else m.update(s, obs, model)
                for i, (m, s) in enumerate(zip(dyn.monitors, carry.monitors)))
    # One reduction per step: a sum of finite states is finite (short of overflow,
    # which is a divergence too); the region is looked up only when it happens.
    newly_bad = (carry.bad_step < 0) & ~jnp.isfinite(jnp.sum(x))
    bad_step = jnp.where(newly_bad, step if before is None else step + before[0], carry.bad_step)
    bad_region = jax.lax.cond(
        newly_bad,
        lambda: jnp.argmin(jnp.all(jnp.isfinite(x), axis=0)).astype(jnp.int32),
        lambda: carry.bad_region,
    )
    return Carry(x, hist, step, c, mon, bad_step, bad_region, aux)


def _emit(carry: Carry, dyn: Dynamic, indices, steps):
    obs = _observables(dyn.model, carry.x, carry.c)
    mon = list(carry.monitors)
    samples = []
    for i in indices:
        mon[i], sample = dyn.monitors[i].emit(mon[i], obs, dyn.model, steps)
        samples.append(sample)
    return carry._replace(monitors=tuple(mon)), tuple(samples)


def _step(state, dyn: Dynamic, plan: Plan, settled: tuple = (), before=None):
    """One step of ``state = (carry, noise block)``; draws the next block at a block boundary.

    ``before``: as for :func:`_noise_block` (None in a run).
    """
    carry, nz = state
    if nz is None:
        return _one_step(carry, dyn, plan, settled=settled, before=before), None
    dW = jax.lax.dynamic_index_in_dim(nz, carry.step % NOISE_BLOCK, keepdims=False)
    carry = _one_step(carry, dyn, plan, dW, settled, before)
    nz = jax.lax.cond(carry.step % NOISE_BLOCK == 0, lambda: _noise_block(carry, dyn, plan, before), lambda: nz)
    return carry, nz


def _settle(carry: Carry, dyn: Dynamic, indices):
    """Call ``settle`` of the monitors ``indices`` (the end of a period of their level)."""
    if not indices:
        return carry
    obs = _observables(dyn.model, carry.x, carry.c)
    mon = list(carry.monitors)
    for i in indices:
        mon[i] = dyn.monitors[i].settle(mon[i], obs, dyn.model)
    return carry._replace(monitors=tuple(mon))


def _block_state(state, dyn, plan, level, settled=None):
    """Advance ``state = (carry, noise block)`` one period of ``level`` (-1: one step).

    ``settled``: :func:`_settled` of the outermost call (computed there when None).
    """
    if settled is None:
        settled = _settled(dyn, plan, level)
    if level < 0:
        return _step(state, dyn, plan, settled), ()
    steps, indices = plan.levels[level]
    reps = steps // (plan.levels[level - 1][0] if level > 0 else 1)
    state, ys = jax.lax.scan(lambda s, _: _block_state(s, dyn, plan, level - 1, settled), state, None, length=reps)
    carry = _settle(state[0], dyn, [i for i, lv in settled if lv == level])
    carry, samples = _emit(carry, dyn, indices, steps)
    return (carry, state[1]), ys + (samples,)


def advance_period(carry: Carry, dyn: Dynamic, plan: Plan, level: int):
    """Advance one period of monitor level ``level`` and emit that level's monitors.

    Not compiled by itself: the body of a scan that the caller writes (the
    differentiable path, :mod:`brainnet_cb.simulation.differentiable`, scans it
    under :func:`jax.checkpoint` over the top-level periods, so reverse-mode
    memory is one carry per period).

    Parameters
    ----------
    carry : Carry
        The state at the start of the period (step counter ``s``).
    dyn : Dynamic
        The numeric arguments of the run (model, coupling, monitors, edge
        table, noise amplitudes, key, ``dt``).
    plan : Plan
        The static structure; ``plan.levels[level]`` is ``(P, monitor indices)``.
    level : int
        Index into ``plan.levels``; the period is ``P = plan.levels[level][0]``
        steps (``-1``: one step, no monitor emits).

    Returns
    -------
    carry : Carry
        The state after ``P`` steps (step counter ``s + P``).
    samples : tuple
        Per level ``0 .. level``, a tuple with one sample array per monitor of
        that level, leading axes ``(P / P_level, ...)`` (the last level's: one
        sample each).

    Notes
    -----
    A pure function of the :class:`Carry`: the noise increments of step ``s``
    are row ``s mod K`` of the block drawn from ``fold_in(key, s // K)``
    (``K`` = :data:`~brainnet_cb.noise.NOISE_BLOCK`), so any sequence of calls
    gives the values of one long run, bit for bit.
    """
    state, ys = _block_state((carry, _noise_block(carry, dyn, plan)), dyn, plan, level)
    return state[0], ys


def _scan_blocks(carry, dyn, plan, n_blocks, level):
    """``n_blocks`` periods of ``level`` in one scan (one noise draw per block of steps)."""
    state, ys = jax.lax.scan(lambda s, _: _block_state(s, dyn, plan, level),
                             (carry, _noise_block(carry, dyn, plan)), None, length=n_blocks)
    return state[0], ys


@partial(jax.jit, static_argnames=("plan", "n_blocks", "level"))
def advance(carry: Carry, dyn: Dynamic, plan: Plan, n_blocks: int, level: int):
    """Run ``n_blocks`` periods of ``level``; returns the carry and the samples.

    The samples are nested per level and monitor with leading axes
    ``(n_blocks, reps, ...)``; flatten them to ``(time, variable, region)``.
    """
    TRACE_COUNT["advance"] += 1
    return _scan_blocks(carry, dyn, plan, n_blocks, level)


def dyn_axes(dyn: Dynamic, axes: tuple):
    """The ``vmap`` axes of ``dyn``: ``axes`` holds 0 or None for each of its leaves."""
    return jax.tree_util.tree_unflatten(jax.tree_util.tree_structure(dyn), axes)


#: XLA options of the batch program on a CPU. Under ``vmap`` XLA's parallel task assigner
#: splits the step's small gather across threads from a batch of 4 on: on a 2-core CPU that
#: costs ~20 us of thread hand-off per step, and without it a batch costs less than its single
#: runs in CPU and in wall time at every measured size (``benchmarks/bench_core.py
#: --batch-cost``). XLA's YNNPACK reduce fusion, kept for its speed on large batches, sums
#: the delayed coupling in another order than the single-run program, so members agree with
#: ``simulate`` to rounding (1 ulp in float32 on tvb76); ``simulate_batch(vectorize=False)``
#: runs them bit for bit. (Also disabling it, ``xla_cpu_experimental_ynn_fusion_type=""``,
#: gives bit-identical members at 1.45x the wall time of a 32-member batch.)
CPU_BATCH_OPTIONS = {"xla_disable_hlo_passes": "cpu-parallel-task-assigner"}


def _advance_batched(carry: Carry, dyn: Dynamic, plan: Plan, n_blocks: int, level: int, axes: tuple):
    TRACE_COUNT["advance_batched"] += 1

    def one(c, d):
        return _scan_blocks(c, d, plan, n_blocks, level)

    cax = carry_axes(carry)
    return jax.vmap(one, in_axes=(cax, dyn_axes(dyn, axes)), out_axes=(cax, 0))(carry, dyn)


_BATCH_STATIC = ("plan", "n_blocks", "level", "axes")
_advance_batched_cpu = jax.jit(_advance_batched, static_argnames=_BATCH_STATIC, compiler_options=CPU_BATCH_OPTIONS)
_advance_batched_accelerator = jax.jit(_advance_batched, static_argnames=_BATCH_STATIC)


def advance_batched(carry: Carry, dyn: Dynamic, plan: Plan, n_blocks: int, level: int, axes: tuple):
    """:func:`advance` for a batch of runs in one compiled program (``vmap``).

    ``carry`` is batched as :func:`carry_axes` says; the leaves of ``dyn`` are
    batched where ``axes`` says 0 and shared where it says None. On a CPU the
    program is compiled with :data:`CPU_BATCH_OPTIONS`.
    """
    return _batched_program()(carry, dyn, plan, n_blocks, level, axes)


def _batched_program():
    """The jitted batch program of the default backend (a CPU's carries :data:`CPU_BATCH_OPTIONS`)."""
    return _advance_batched_cpu if jax.default_backend() == "cpu" else _advance_batched_accelerator


advance_batched.__wrapped__ = _advance_batched  # the traced function, as for the jitted ``advance``


def compile_advance(carry: Carry, dyn: Dynamic, plan: Plan, n_blocks: int, level: int, axes: tuple | None = None):
    """Compile :func:`advance` (or :func:`advance_batched` when ``axes`` is given) without running it.

    The program is the one the call with the same arguments runs: JAX's jit cache keeps
    it, so that call then neither traces nor compiles (or loads it from the persistent
    compilation cache) again.
    """
    if axes is None:
        advance.lower(carry, dyn, plan, n_blocks, level).compile()
    else:
        _batched_program().lower(carry, dyn, plan, n_blocks, level, axes).compile()


def carry_axes(carry: Carry) -> Carry:
    """The ``vmap`` axes of a batched :class:`Carry` (0: one value per member, None: shared).

    The step counter and the integer leaves of the monitor states (counters
    such as :class:`~brainnet_cb.Bold`'s steps since its last sub-step) depend
    on the step number alone, so the batch shares them: the ring-buffer write
    and read keep unbatched (in-place, cheap) indices, and a monitor's
    ``lax.cond`` on its counter stays a branch taken every ``k`` steps instead
    of becoming a ``select`` that computes both sides on every step (under
    ``vmap`` a batched predicate does). A monitor's integer state must
    therefore not depend on the member's values. Everything else carries a
    leading batch axis.
    """
    monitors = jax.tree_util.tree_map(
        lambda leaf: None if jnp.issubdtype(jnp.result_type(leaf), jnp.integer) else 0, carry.monitors)
    return Carry(x=0, hist=0, step=None, c=0, monitors=monitors, bad_step=0, bad_region=0, aux=0)
