"""A run as a pure, differentiable function of chosen parameters (for gradient fits).

:func:`build` takes a run validated on the host once
(:meth:`brainnet_cb.Simulation.prepare`) and returns ``simulate(params) ->
samples of one monitor output``: a pure JAX function that substitutes
``params`` into the run's dynamic arguments
(:meth:`brainnet_cb.simulation.parameters.ParameterBook.substitute`), recomputes the
initial carry, and scans the engine's period step
(:func:`brainnet_cb.simulation.engine.advance_period`) over the top-level monitor periods. The
scan body is wrapped in :func:`jax.checkpoint`, so reverse-mode memory is one
carry per top-level period (e.g. per TR) plus one period's residuals, not one
per integration step. The push and the read of the delays are one
:func:`brainnet_cb.delays.push_read`, whose transpose touches only the rows
read (JAX's own makes three passes over the ring buffer per step).

It reuses the engine's step unchanged: the values equal those of
:func:`brainnet_cb.simulate` with the same parameters and key.
"""

from __future__ import annotations

import jax
import numpy as np

from . import engine
from .cf import sample_times
from .parameters import ParameterBook

__all__ = ["build", "output_location"]


def output_location(run, signal):
    """``(level, position, monitor)`` of the output named ``signal`` in the engine's samples."""
    for level, (_, indices) in enumerate(run.plan.levels):
        for pos, i in enumerate(indices):
            m = run.monitors[i]
            names = m.output_names(run.model)
            if signal in names:
                return level, pos, m, names.index(signal)
    raise KeyError(signal)


def build(run, names, signal, checkpoint=True):
    """``simulate(params) -> (T, n)`` samples of ``signal`` for a prepared ``run``.

    ``names``: the parameters ``params`` will hold (any differentiable name of
    the parameter book, :mod:`brainnet_cb.simulation.parameters`: model and coupling
    fields, ``noise_<state>``), substituted by
    :meth:`~brainnet_cb.simulation.parameters.ParameterBook.substitute`. The run's duration must be a whole
    number of the longest
    monitor period (checked by the caller). Samples the monitor would discard
    (e.g. ``Bold(discard=...)``) are dropped, as in the Dataset.
    """
    plan = run.plan._replace(fused_delays=True)  # the delays' transpose in place (delays.push_read)
    top = len(plan.levels) - 1
    p_top = plan.levels[top][0]
    n_top = run.n_steps // p_top
    level, pos, monitor, row = output_location(run, signal)
    period_steps = plan.levels[level][0]
    times = sample_times(0, run.n_steps // period_steps, period_steps, run.dt)  # the Dataset's stamps
    keep = np.ones(times.size, bool)
    if hasattr(monitor, "tr") and getattr(monitor, "discard", 0.0):
        keep = times > monitor.discard + 1e-9 * monitor.tr
    first = int(np.argmax(keep)) if keep.any() else times.size
    x0, hist0 = run.carry.x, run.carry.hist
    book = ParameterBook(run.model, run.coupling)
    for name in names:
        book.lookup(name)

    def simulate(params):
        dyn = book.substitute(run, params)
        carry = engine.initial_carry(x0, hist0, dyn, plan)

        def body(c, _):
            return engine.advance_period(c, dyn, plan, top)

        if checkpoint:
            body = jax.checkpoint(body)
        carry, ys = jax.lax.scan(body, carry, None, length=n_top)
        samples = ys[level][pos]
        samples = samples.reshape((-1,) + samples.shape[-2:])[:, row, :]
        return samples[first:], carry.bad_step

    return simulate, times[first:]

