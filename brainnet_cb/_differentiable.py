"""A run as a pure, differentiable function of chosen parameters (for gradient fits).

:func:`build` validates everything on the host once (:func:`brainnet_cb.prepare`)
and returns ``simulate(params) -> samples of one monitor output``: a pure JAX
function that substitutes ``params`` into the run's dynamic arguments
(``dataclasses.replace`` of the model / coupling pytrees, or the noise
amplitudes), recomputes the initial carry, and scans the engine's block
(:func:`brainnet_cb._engine._block`) over the top-level monitor periods. The
scan body is wrapped in :func:`jax.checkpoint`, so reverse-mode memory is one
carry per top-level period (e.g. per TR) plus one period's residuals, not one
per integration step.

It reuses the engine's step unchanged: the values equal those of
:func:`brainnet_cb.simulate` with the same parameters and key.
"""

from __future__ import annotations

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np

from . import _engine
from .batch import NOISE_PREFIX
from .simulate import prepare

__all__ = ["build"]


def _substitute(run, params, kinds):
    dyn = run.dyn
    n = run.connectome.n_regions
    dtype = dyn.table.weights.dtype
    model_new = {k: jnp.broadcast_to(jnp.asarray(v, dtype), (n,)) for k, v in params.items() if kinds[k] == "model"}
    coup_new = {k: jnp.broadcast_to(jnp.asarray(v, dtype), (n,)) for k, v in params.items() if kinds[k] == "coupling"}
    if model_new:
        dyn = dyn._replace(model=dataclasses.replace(dyn.model, **model_new))
    if coup_new:
        dyn = dyn._replace(coupling=dataclasses.replace(dyn.coupling, **coup_new))
    sigma = dyn.sigma
    rows = [run.model.states[r] for r in run.plan.noise_rows]
    for k, v in params.items():
        if kinds[k] == "noise":
            sigma = sigma.at[rows.index(k[len(NOISE_PREFIX):])].set(jnp.broadcast_to(jnp.asarray(v, dtype), (n,)))
    return dyn._replace(sigma=sigma)


def output_location(run, signal):
    """``(level, position, monitor)`` of the output named ``signal`` in the engine's samples."""
    for level, (_, indices) in enumerate(run.plan.levels):
        for pos, i in enumerate(indices):
            m = run.monitors[i]
            names = m.output_names(run.model)
            if signal in names:
                return level, pos, m, names.index(signal)
    raise KeyError(signal)


def build(run, kinds, signal, checkpoint=True):
    """``simulate(params) -> (T, n)`` samples of ``signal`` for a prepared ``run``.

    ``kinds`` maps each parameter name to ``"model"``, ``"coupling"`` or
    ``"noise"``. The run's duration must be a whole number of the longest
    monitor period (checked by the caller). Samples the monitor would discard
    (e.g. ``Bold(discard=...)``) are dropped, as in the Dataset.
    """
    plan = run.plan
    top = len(plan.levels) - 1
    p_top = plan.levels[top][0]
    n_top = run.n_steps // p_top
    level, pos, monitor, row = output_location(run, signal)
    period_steps = plan.levels[level][0]
    times = (np.arange(run.n_steps // period_steps) + 1) * period_steps * run.dt
    keep = np.ones(times.size, bool)
    if hasattr(monitor, "tr") and getattr(monitor, "discard", 0.0):
        keep = times > monitor.discard + 1e-9 * monitor.tr
    first = int(np.argmax(keep)) if keep.any() else times.size
    x0, hist0 = run.carry.x, run.carry.hist

    def simulate(params):
        dyn = _substitute(run, params, kinds)
        carry = _engine.initial_carry(x0, hist0, dyn, plan)

        def body(c, _):
            return _engine._block(c, dyn, plan, top)

        if checkpoint:
            body = jax.checkpoint(body)
        carry, ys = jax.lax.scan(body, carry, None, length=n_top)
        samples = ys[level][pos]
        samples = samples.reshape((-1,) + samples.shape[-2:])[:, row, :]
        return samples[first:], carry.bad_step

    return simulate, times[first:]


def prepared(model, connectome, duration, dt, **kwargs):
    """:func:`brainnet_cb.prepare` (re-exported for the fitting module)."""
    return prepare(model, connectome, duration, dt, **kwargs)
