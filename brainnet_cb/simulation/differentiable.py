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

:func:`build` keeps the run's values as constants of ``simulate``. A compiled
loss that should serve every run of one structure (:func:`brainnet_cb.fit_gradient`,
``fc_loss``) splits it instead: :func:`layout` is the static part (hashable,
with the shapes the key of the compiled program), :func:`substitute` and
:func:`samples` take the run's dynamic arguments, initial state and history as
arguments.
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import numpy as np

from . import engine
from .cf import sample_times
from .parameters import ParameterBook

__all__ = ["build", "output_location", "Layout", "layout", "substitute", "samples"]


def output_location(run, signal):
    """``(level, position, monitor)`` of the output named ``signal`` in the engine's samples."""
    for level, (_, indices) in enumerate(run.plan.levels):
        for pos, i in enumerate(indices):
            m = run.monitors[i]
            names = m.output_names(run.model)
            if signal in names:
                return level, pos, m, names.index(signal)
    raise KeyError(signal)


class Layout(NamedTuple):
    """The static structure of a differentiable run (hashable: part of the key of its compiled program).

    ``plan`` the engine's plan (delays pushed and read as one :func:`~brainnet_cb.delays.push_read`),
    ``n_top`` the number of top-level periods scanned, ``level``/``pos``/``row`` where the output sits in the
    engine's samples, ``first`` the first sample kept, ``checkpoint`` whether the scan body is rematerialised,
    ``n_regions`` the number of regions.
    """

    plan: engine.Plan
    n_top: int
    level: int
    pos: int
    row: int
    first: int
    checkpoint: bool
    n_regions: int


class _RunView(NamedTuple):
    """What :meth:`ParameterBook.substitute` reads of a run, with the run's dynamic arguments given."""

    dyn: engine.Dynamic
    connectome: object  # .n_regions
    model: object  # .states
    plan: engine.Plan  # .noise_rows


class _Regions(NamedTuple):
    n_regions: int


def layout(run, signal, checkpoint=True):
    """``(Layout, times)`` of the output ``signal`` of a prepared ``run``: what :func:`samples` needs besides
    the run's values, and the time stamps (ms) of the samples it keeps."""
    plan = run.plan._replace(fused_delays=True)  # the delays' transpose in place (delays.push_read)
    top = len(plan.levels) - 1
    p_top = plan.levels[top][0]
    level, pos, monitor, row = output_location(run, signal)
    period_steps = plan.levels[level][0]
    times = sample_times(0, run.n_steps // period_steps, period_steps, run.dt)  # the Dataset's stamps
    keep = np.ones(times.size, bool)
    if hasattr(monitor, "tr") and getattr(monitor, "discard", 0.0):
        keep = times > monitor.discard + 1e-9 * monitor.tr
    first = int(np.argmax(keep)) if keep.any() else times.size
    lay = Layout(plan, run.n_steps // p_top, level, pos, row, first, bool(checkpoint), run.connectome.n_regions)
    return lay, times[first:]


def substitute(lay, dyn, params):
    """Traced: ``dyn`` (a run's dynamic arguments) with ``params`` substituted, as
    :meth:`ParameterBook.substitute` does for the run itself (heterogeneity scales already expanded)."""
    view = _RunView(dyn, _Regions(lay.n_regions), dyn.model, lay.plan)
    return ParameterBook(dyn.model, dyn.coupling).substitute(view, params)


def samples(lay, dyn, x0, hist0):
    """Traced: ``(samples (T, n), bad_step)`` of the output of :func:`layout` for the dynamic arguments ``dyn``
    and the initial state ``x0`` and history ``hist0``."""
    plan = lay.plan
    top = len(plan.levels) - 1
    carry = engine.initial_carry(x0, hist0, dyn, plan)

    def body(c, _):
        return engine.advance_period(c, dyn, plan, top)

    if lay.checkpoint:
        body = jax.checkpoint(body)
    carry, ys = jax.lax.scan(body, carry, None, length=lay.n_top)
    out = ys[lay.level][lay.pos]
    out = out.reshape((-1,) + out.shape[-2:])[:, lay.row, :]
    return out[lay.first:], carry.bad_step


def build(run, names, signal, checkpoint=True):
    """``simulate(params) -> (T, n)`` samples of ``signal`` for a prepared ``run``.

    ``names``: the parameters ``params`` will hold (any differentiable name of
    the parameter book, :mod:`brainnet_cb.simulation.parameters`: model and coupling
    fields, ``noise_<state>``), substituted by
    :meth:`~brainnet_cb.simulation.parameters.ParameterBook.substitute`. The run's duration must be a whole
    number of the longest
    monitor period (checked by the caller). Samples the monitor would discard
    (e.g. ``Bold(discard=...)``) are dropped, as in the Dataset. The run's values are constants of the
    function (behind an ``optimization_barrier``, :func:`_opaque`, so that the samples are ``bn.simulate``'s
    bit for bit); :func:`layout`, :func:`substitute` and :func:`samples` take them as arguments (one compiled
    program for every run of the same structure).
    """
    lay, times = layout(run, signal, checkpoint)
    x0, hist0 = run.carry.x, run.carry.hist
    book = ParameterBook(run.model, run.coupling)
    for name in names:
        book.lookup(name)

    def simulate(params):
        return samples(lay, substitute(lay, _opaque(run.dyn), params), x0, hist0)

    return simulate, times


def _opaque(dyn):
    """``dyn`` with its floating-point arrays passed through one ``optimization_barrier``.

    As constants of the traced program XLA (jax 0.12.1) folds them into the step, and a noisy run's
    samples differed from ``bn.simulate``'s (where they are arguments) in the last bit: 58 of 800 samples
    in tests/simulation/test_parameters.py, none with the model's ``tau`` among the traced parameters.
    Behind the barrier the program computes as the engine's does. Integer and key arrays stay constants.
    """
    leaves, tree = jax.tree_util.tree_flatten(dyn)
    floats = [i for i, leaf in enumerate(leaves)
              if isinstance(leaf, (jax.Array, np.ndarray)) and jax.numpy.issubdtype(leaf.dtype, jax.numpy.inexact)]
    kept = jax.lax.optimization_barrier([leaves[i] for i in floats])
    for i, leaf in zip(floats, kept):
        leaves[i] = leaf
    return jax.tree_util.tree_unflatten(tree, leaves)
