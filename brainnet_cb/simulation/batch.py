"""Many runs of one network: one compiled program (``vmap`` over a batch axis), or the members one by one
through the single-run engine where that is faster (small batches on a CPU), with the same result Dataset."""

from __future__ import annotations

import dataclasses
import json
from functools import partial

import jax
import jax.numpy as jnp
import numpy as np
import xarray as xr

from .._progress import progress_bar
from ..errors import SimulationError
from . import engine
from .batch_cost import run_one_by_one
from .capacity import check_memory
from .parameters import BATCH, NOISE_PREFIX, ParameterBook
from .spec import Execution, simulation, split_options
from .step_stability import check_batch_stability, one_call
from .validation import validate_history

__all__ = ["simulate_batch", "execute_one_by_one", "VECTORIZE"]

#: The execution options a batch takes (it neither streams nor checkpoints).
BATCH_EXECUTION = ("chunk_steps", "progress")
#: The values of ``simulate_batch(vectorize=...)``.
VECTORIZE = (True, False, "auto")


def batch_values(batch, book, n, dtype, labels=None):
    """``({name: (B,) or (B, n) array}, B)``: the checked values of a batch
    (:data:`~brainnet_cb.simulation.parameters.BATCH`; rows labelled by region put in the order of
    ``labels``)."""
    if not isinstance(batch, dict) or not batch:
        raise SimulationError(
            "batch must be a non-empty dict {name: values}, e.g. batch={'G': np.linspace(0, 1, 32)}."
        )
    values, size = {}, None
    for name, vals in batch.items():
        p = book.lookup(name, SimulationError, BATCH.unknown)
        arr = book.rows(p, vals, n, dtype, BATCH, labels)
        if size is not None and arr.shape[0] != size:
            raise SimulationError(
                f"every batch entry must have the same length (the batch size); "
                f"batch[{name!r}] has {arr.shape[0]}, the others {size}."
            )
        size = arr.shape[0]
        values[name] = arr
    return values, size


def simulate_batch(model, connectome=None, duration=None, dt=None, *, batch, on_divergence="raise",
                   vectorize="auto", **options) -> xr.Dataset:
    """Simulate a batch of ``B`` variants of one network, in one compiled program or one by one.

    ``simulate_batch(spec, batch=...)`` or ``simulate_batch(model, connectome,
    duration, dt, batch=..., **options)``: every member is the run
    :func:`~brainnet_cb.simulate` would make with its values substituted.

    Parameters
    ----------
    model : NodeModel or Simulation
        The node model (e.g. ``bn.CoombesByrne()``), or a whole spec.
    connectome : Connectome
        Weights ``[target, source]`` and tract lengths (mm).
    duration, dt : float or brainunit.Quantity
        Simulated time and step (ms), as for :func:`~brainnet_cb.simulate`.
    batch : dict of str to sequence
        Names mapped to ``B`` values each (zipped, not crossed: use a sweep
        for a grid). Batchable names are those of the parameter book
        (:mod:`brainnet_cb.simulation.parameters`): any parameter of the
        model (``"eta"``, ..., a plug-in model's own), any field of the
        coupling (``"G"``), ``"speed"`` (mm/ms; delays are rounded per run
        and share one history buffer sized for the longest), ``"seed"`` (an
        int key per run) and ``"noise_<state>"`` (the noise amplitude on that
        state). A value may be a scalar or one value per region for each run.
    on_divergence : {"raise", "keep"}, default "raise"
        ``"keep"`` lets the other members finish when one becomes NaN or inf
        (``"raise"`` stops with :class:`DivergenceError`); the result then
        holds ``diverged_at`` (ms, NaN for finite runs) and
        ``diverged_region`` per member.
    vectorize : bool or "auto", default "auto"
        How the members run. ``True``: one compiled program for the whole
        batch (``jax.vmap`` over the members). ``False``: one member after
        another through the single-run engine of :func:`~brainnet_cb.simulate`
        (advanced in lockstep, chunk by chunk, so a divergence stops the batch
        at the same chunk as the vectorised program). ``"auto"``: one by one
        where that is measured to be faster, the rule by which a sweep picks
        its batch size (:func:`~brainnet_cb.simulation.batch_cost.run_one_by_one`;
        with the costs measured on a 2-core CPU, batches of 3 or more
        vectorised there, of 2 or more on an accelerator); a batch of one
        always runs as the single run. The result has the same dims, coords
        and attrs either way; run one by one, every member equals
        :func:`~brainnet_cb.simulate` of that member bit for bit. The
        vectorised program agrees to rounding (a few ulp): XLA compiles the
        batched delayed-coupling sum and the multiply-adds of batched values
        into other code than the single run's (see
        :data:`~brainnet_cb.simulation.engine.CPU_BATCH_OPTIONS`).
    **options
        The run options of :class:`~brainnet_cb.Simulation` (``coupling``,
        ``speed``, ``noise``, ``monitors``, ``key``, ...) and the execution
        options ``chunk_steps`` and ``progress`` (a batch neither streams nor
        checkpoints).

    Returns
    -------
    xarray.Dataset
        The outputs of :func:`~brainnet_cb.simulate` with a leading ``batch``
        dimension, and one coordinate along it per batched name.

    Examples
    --------
    >>> import numpy as np, brainnet_cb as bn
    >>> conn = bn.Connectome([[0, 1], [1, 0]], [[0, 30], [30, 0]])
    >>> ds = bn.simulate_batch(bn.CoombesByrne(), conn, duration=20.0, batch={"G": [0.0, 0.5, 1.0]})
    >>> ds.r.dims, ds.G.values.tolist()
    (('batch', 'time', 'region'), [0.0, 0.5, 1.0])
    """
    sim_options, exe = split_options(options)
    unsupported = [k for k in exe if k not in BATCH_EXECUTION]
    if unsupported:
        raise SimulationError(f"simulate_batch does not take {unsupported} (it neither streams nor "
                              f"checkpoints); its execution options are {list(BATCH_EXECUTION)}. To stream or "
                              "checkpoint, run the members one by one with bn.simulate(..., out=..., checkpoint=...); "
                              "to keep only summaries of many runs, use bn.sweep(..., checkpoint=...).")
    Execution(**exe)  # chunk_steps, progress: checked as for a single run
    if on_divergence not in ("raise", "keep"):
        raise SimulationError(f"on_divergence must be 'raise' or 'keep'; got {on_divergence!r}.")
    if not any(vectorize is v for v in VECTORIZE):
        raise SimulationError(f"vectorize must be True (one vmapped program), False (the members one by one) "
                              f"or 'auto' (the faster on this backend); got {vectorize!r}.")
    with one_call():  # one StepSizeWarning for the batch, about its members (not the values they replace)
        with one_call(quiet=True):
            spec = simulation(model, connectome, duration, dt, **sim_options)
        book = ParameterBook.of(spec)
        n = spec.connectome.n_regions
        values, size = batch_values(batch, book, n, spec.prepare().dyn.table.weights.dtype, spec.connectome.labels)
        check_batch_stability(spec.model, spec.method, spec.prepare().dt, values)

        # The first item, through the ordinary validation; then every value stacked along a batch axis.
        first_spec = book.apply(spec, {name: v[0] for name, v in values.items()})
        run = first_spec.prepare()
    dyn, batched, max_lag = book.stack(run, values, size)
    dtype = run.dyn.table.weights.dtype
    hist0, x0 = run.carry.hist, run.carry.x
    if max_lag != run.max_lag:
        x_init = run.model.initial_state(n, dtype, spec.initial_state)
        hist0, x0 = validate_history(spec.history, run.model, n, max_lag, x_init, run.plan.send_row,
                                     spec.initial_state is not None, dtype)

    leaves = jax.tree_util.tree_leaves(dyn)
    ids = {id(x) for x in batched}
    axes = tuple(0 if id(leaf) in ids else None for leaf in leaves)
    attrs = _batch_attrs(run.attrs, values, book, spec, first_spec, max_lag)
    brun = dataclasses.replace(run, dyn=dyn, max_lag=max_lag, attrs=attrs, axes=axes, batch_size=size,
                               on_divergence=on_divergence)
    check_memory(brun, stream_hint="run fewer members at a time (bn.sweep sizes its batches to a memory budget)",
                 chunk_steps=exe.get("chunk_steps"))
    if vectorize == "auto":
        vectorize = not run_one_by_one(size, jax.default_backend())
    if vectorize:
        brun.carry = jax.vmap(partial(engine.initial_carry, x0, hist0, plan=run.plan),
                              in_axes=(engine.dyn_axes(dyn, axes),), out_axes=engine.carry_axes(run.carry))(dyn)
        ds = brun.execute(chunk_steps=exe.get("chunk_steps"), progress=exe.get("progress"))
    else:
        ds = execute_one_by_one(brun, x0, hist0, chunk_steps=exe.get("chunk_steps"), progress=exe.get("progress"))
    if on_divergence == "keep":
        bad = np.asarray(brun.carry.bad_step)
        regions = np.asarray(brun.carry.bad_region)
        ds["diverged_at"] = xr.DataArray(np.where(bad >= 0, bad * run.dt, np.nan), dims="batch",
                                         attrs={"units": "ms", "long_name": "time of the first NaN/inf state"})
        ds["diverged_region"] = xr.DataArray(
            np.array([run.connectome.labels[r] if b >= 0 else "" for b, r in zip(bad, regions)], dtype=object),
            dims="batch", attrs={"long_name": "region of the first NaN/inf state"})
    for name, v in values.items():
        dims = ("batch",) if v.ndim == 1 else ("batch", "region")
        ds = ds.assign_coords({name: (dims, v, book.coordinate_attrs(name, "batched"))})
    return ds


def execute_one_by_one(brun, x0, hist0, chunk_steps=None, progress=None) -> xr.Dataset:
    """Execute a batched :class:`~brainnet_cb.simulation.run.Run` member by member with the single-run engine.

    Member ``b`` takes row ``b`` of every batched leaf of ``brun.dyn`` (the
    others are shared), starts from :func:`~brainnet_cb.simulation.engine.initial_carry`
    of ``(x0, hist0)`` and is advanced by :func:`~brainnet_cb.simulation.engine.advance`,
    the compiled program of :func:`~brainnet_cb.simulate`. The members go in
    lockstep over ``brun.schedule(chunk_steps)``; after every chunk the batch
    is checked for divergence as the vectorised batch is. The outputs fill
    ``(B, time, ...)`` buffers and are labelled as the vectorised batch's;
    ``brun.carry`` ends as the batched carry (members stacked as
    :func:`~brainnet_cb.simulation.engine.carry_axes` says).
    """
    plan, size = brun.plan, brun.batch_size
    leaves, treedef = jax.tree_util.tree_flatten(brun.dyn)
    dyns = [jax.tree_util.tree_unflatten(treedef, [leaf[b] if ax == 0 else leaf for leaf, ax in zip(leaves, brun.axes)])
            for b in range(size)]
    carries = [engine.initial_carry(x0, hist0, d, plan=plan) for d in dyns]
    pieces = brun.schedule(chunk_steps)
    per_piece = [brun.samples_per_piece(p) for p in pieces]
    total = [sum(c) for c in zip(*per_piece)] or [0] * len(brun.monitors)
    buffers, counts = [None] * len(brun.monitors), [0] * len(brun.monitors)
    period = [1] + [p for p, _ in plan.levels]
    bar = progress_bar(progress, size * brun.n_steps, "brainnet_cb batch", unit="step",  # member-steps
                       default=size * len(pieces) > 1)
    try:
        for (n_blocks, level), got in zip(pieces, per_piece):
            outputs = []
            for b in range(size):  # dispatch every member, then copy (the copies overlap the later members)
                carries[b], ys = engine.advance(carries[b], dyns[b], plan, n_blocks, level)
                outputs.append(ys)
            for b, ys in enumerate(outputs):
                for lvl, outs in enumerate(ys):
                    for k, arr in zip(plan.levels[lvl][1], outs):
                        arr = np.asarray(arr)
                        arr = arr.reshape((-1,) + arr.shape[-2:])
                        if buffers[k] is None:
                            buffers[k] = np.empty((size, total[k]) + arr.shape[1:], arr.dtype)
                        buffers[k][b, counts[k]: counts[k] + arr.shape[0]] = arr
                if bar is not None:
                    bar.update(n_blocks * period[level + 1])
            counts = [c + g for c, g in zip(counts, got)]
            brun.check_finite(carries[0]._replace(bad_step=np.stack([np.asarray(c.bad_step) for c in carries]),
                                                   bad_region=np.stack([np.asarray(c.bad_region) for c in carries])))
    finally:  # the stop button too: a bar left open pushed every later bar a line down
        if bar is not None:
            bar.close()
    brun.carry = _stack(carries)
    return brun.to_dataset(brun.empty_samples(buffers))


def _stack(carries):
    """The batched carry of the members' ``carries`` (shared leaves from the first member)."""
    def stack(ax, *members):
        return members[0] if ax is None else jax.tree_util.tree_map(lambda *xs: jnp.stack(xs), *members)

    return jax.tree_util.tree_map(stack, engine.carry_axes(carries[0]), *carries, is_leaf=lambda x: x is None)


def _batch_attrs(attrs, values, book, spec, first_spec, max_lag):
    """The provenance of a batch: batched values marked ``batch``, the others as in a single run."""
    attrs = dict(attrs, batch=json.dumps(sorted(values)), max_lag_steps=max_lag)
    return marked_provenance(attrs, values, book, spec, first_spec.noise, "batch")


def marked_provenance(attrs, names, book, spec, noise, marker):
    """``attrs`` with the model, coupling, noise, speed and seed of ``spec`` described, ``names`` as ``marker``.

    A batch marks its batched values ``batch``; a fit's result marks the fitted ones ``fitted`` (their values
    are the result's data variables), so that no attribute gives a starting value as the run's.
    """
    kinds = {name: book.lookup(name).kind for name in names}
    attrs = dict(attrs)
    described = spec.model.describe()
    described.update({k: marker for k in names if kinds[k] == "model"})
    attrs["model_parameters"] = json.dumps(described)
    coupling = spec.coupling
    cfields = ", ".join(
        f"{f.name}={marker}" if f.name in names else f"{f.name}={np.asarray(getattr(coupling, f.name)).tolist()}"
        for f in dataclasses.fields(coupling)
    )
    attrs["coupling"] = f"{type(coupling).__name__}({cfields})"
    if "coupling_parameters" in attrs:  # the same as data, the marked values as the marker
        record = json.loads(attrs["coupling_parameters"])
        attrs["coupling_parameters"] = json.dumps({k: marker if k in names else v for k, v in record.items()})
    for name in ("speed", "seed"):
        if name in names:
            attrs[name] = marker
    if any(kind == "noise" for kind in kinds.values()):
        sigma = dict(noise.sigma)
        sigma.update({k[len(NOISE_PREFIX):]: None for k in names if kinds[k] == "noise"
                      and k[len(NOISE_PREFIX):] not in sigma})
        attrs["noise"] = f"{type(noise).__name__}({noise._extra()}" + ", ".join(
            f"{k}={marker}" if NOISE_PREFIX + k in names else f"{k}={np.asarray(v).tolist()}"
            for k, v in sigma.items()
        ) + ")"
        record = json.loads(attrs.get("noise_parameters", "null"))
        if record is not None:
            record["sigma"] = {k: marker if NOISE_PREFIX + k in names else v
                               for k, v in {**{k: None for k in sigma}, **record["sigma"]}.items()}
            attrs["noise_parameters"] = json.dumps(record)
    return attrs
