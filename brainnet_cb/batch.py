"""Many runs of one network in one compiled program (``vmap`` over a batch axis)."""

from __future__ import annotations

import dataclasses
import json
from functools import partial

import jax
import jax.numpy as jnp
import numpy as np
import xarray as xr

from . import _engine
from .delays import build_delay_table, compute_lags
from .errors import SimulationError
from .noise import Additive
from .simulate import _validate_history, prepare

__all__ = ["simulate_batch"]

NOISE_PREFIX = "noise_"


def _batch_values(batch, n_regions):
    if not isinstance(batch, dict) or not batch:
        raise SimulationError(
            "batch must be a non-empty dict {name: values}, e.g. batch={'G': np.linspace(0, 1, 32)}."
        )
    values, size = {}, None
    for name, vals in batch.items():
        try:
            arr = np.asarray(vals, dtype=float) if name != "seed" else np.asarray(vals)
        except (TypeError, ValueError):
            raise SimulationError(f"batch[{name!r}] must be numbers; got {vals!r}.") from None
        if arr.ndim not in (1, 2) or (arr.ndim == 2 and arr.shape[1] != n_regions):
            raise SimulationError(
                f"batch[{name!r}] must have shape (B,) or (B, {n_regions}) (one value, or one per "
                f"region, for each run); got shape {arr.shape}."
            )
        if size is not None and arr.shape[0] != size:
            raise SimulationError(
                f"every batch entry must have the same length (the batch size); "
                f"batch[{name!r}] has {arr.shape[0]}, the others {size}."
            )
        size = arr.shape[0]
        values[name] = arr
    if size == 0:
        raise SimulationError("batch entries are empty; give at least one value per entry.")
    return values, size


def _classify(name, model, coupling):
    params = [f.name for f in dataclasses.fields(model)]
    cfields = [f.name for f in dataclasses.fields(coupling)]
    kinds = [k for k, ok in (("model", name in params), ("coupling", name in cfields)) if ok]
    if name in ("speed", "seed") or name.startswith(NOISE_PREFIX):
        kinds.append(name.split("_")[0] if name.startswith(NOISE_PREFIX) else name)
    if not kinds:
        raise SimulationError(
            f"cannot batch over {name!r}; choose parameters of {type(model).__name__} {params}, "
            f"of {type(coupling).__name__} {cfields}, 'speed', 'seed', or 'noise_<state>' "
            f"(e.g. 'noise_v')."
        )
    if len(kinds) > 1:
        raise SimulationError(f"{name!r} names both a {kinds[0]} and a {kinds[1]} parameter.")
    return kinds[0]


def simulate_batch(model, connectome, duration, dt=0.1, *, batch, coupling=None, speed=3.0, noise=None,
                   monitors=None, key=0, method="heun", initial_state=None, history=None, normalize="max",
                   dtype=None, chunk_steps=None, progress=None, edges="auto", on_divergence="raise"):
    """Simulate a batch of ``B`` variants of one network in one compiled program.

    All arguments are those of :func:`~brainnet_cb.simulate`; ``batch`` maps
    names to ``B`` values each (zipped, not crossed: use a sweep for a grid).
    Batchable names: any parameter of the model (``"eta"``, ...), any field of
    the coupling (``"G"``), ``"speed"`` (mm/ms; delays are rounded per run and
    share one history buffer sized for the longest), ``"seed"`` (an int key
    per run) and ``"noise_<state>"`` (the noise amplitude on that state). A
    value may be a scalar or one value per region for each run.

    ``on_divergence="keep"`` lets the other members finish when one becomes
    NaN or inf (the default, ``"raise"``, stops with :class:`DivergenceError`);
    the result then holds ``diverged_at`` (ms, NaN for finite runs) and
    ``diverged_region`` per member.

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
    from .coupling import Linear

    coupling = Linear() if coupling is None else coupling
    if not hasattr(connectome, "n_regions"):
        prepare(model, connectome, duration, dt)  # raises the connectome error
    n = connectome.n_regions
    values, size = _batch_values(batch, n)
    kinds = {name: _classify(name, model, coupling) for name in values}

    # The first item, through the ordinary validation.
    first = {name: v[0] for name, v in values.items()}
    m0 = dataclasses.replace(model, **{k: first[k] for k in first if kinds[k] == "model"})
    c0 = dataclasses.replace(coupling, **{k: first[k] for k in first if kinds[k] == "coupling"})
    noise_names = [k for k in values if kinds[k] == "noise"]
    if noise_names:
        sigma0 = dict(noise.sigma) if noise is not None else {}
        sigma0.update({k[len(NOISE_PREFIX):]: first[k] for k in noise_names})
        noise = Additive(**sigma0)
    run = prepare(
        m0, connectome, duration, dt, coupling=c0, speed=first.get("speed", speed), noise=noise,
        monitors=monitors, key=int(first["seed"]) if "seed" in first else key, method=method,
        initial_state=initial_state, history=history, normalize=normalize, dtype=dtype, edges=edges,
    )
    dtype = run.dyn.table.weights.dtype
    dyn = run.dyn
    batched = []

    def stack_validated(obj, kind):
        names = [k for k in values if kinds[k] == kind]
        if not names:
            return obj
        items = [
            dataclasses.replace(obj, **{k: values[k][b] for k in names}).validated(n, dtype) for b in range(size)
        ]
        new = {k: jnp.stack([getattr(it, k) for it in items]) for k in names}
        batched.extend(new.values())
        return dataclasses.replace(obj, **new)

    dyn = dyn._replace(model=stack_validated(dyn.model, "model"), coupling=stack_validated(dyn.coupling, "coupling"))
    if noise_names:
        rows = [run.model.states[r] for r in run.plan.noise_rows]
        sigma = np.repeat(np.asarray(dyn.sigma)[None], size, axis=0)
        for k in noise_names:
            arr = np.broadcast_to(values[k].reshape(size, -1), (size, n))
            if np.any(~np.isfinite(arr)) or np.any(arr < 0):
                raise SimulationError(f"batch[{k!r}] noise amplitudes must be finite and >= 0.")
            sigma[:, rows.index(k[len(NOISE_PREFIX):])] = arr
        dyn = dyn._replace(sigma=jnp.asarray(sigma, dtype))
        batched.append(dyn.sigma)
    if "seed" in values:
        keys = jax.vmap(jax.random.key)(jnp.asarray(values["seed"].astype(np.int64)))
        dyn = dyn._replace(key=keys)
        batched.append(dyn.key)
    max_lag = run.max_lag
    if "speed" in values:
        if values["speed"].ndim != 1 or np.any(~(values["speed"] > 0)) or np.any(~np.isfinite(values["speed"])):
            raise SimulationError(f"batch['speed'] must be finite speeds > 0 (mm/ms), one per run; got {values['speed']}.")
        tables = []
        for s in values["speed"]:
            table, lag = build_delay_table(run.connectome.weights, compute_lags(run.connectome.lengths, float(s), run.dt),
                                           dtype, run.attrs["edges"])
            tables.append(table)
            max_lag = max(max_lag, lag)
        offsets = jnp.stack([t.offsets for t in tables])
        dyn = dyn._replace(table=dyn.table._replace(offsets=offsets))
        batched.append(offsets)
    hist0, x0 = run.carry.hist, run.carry.x
    if max_lag != run.max_lag:
        x_init = run.model.initial_state(n, dtype, initial_state)
        hist0, x0 = _validate_history(history, run.model, n, max_lag, x_init, run.plan.send_row,
                                      initial_state is not None, dtype)

    leaves = jax.tree_util.tree_leaves(dyn)
    ids = {id(x) for x in batched}
    axes = tuple(0 if id(leaf) in ids else None for leaf in leaves)
    in_axes = _engine.dyn_axes(dyn, axes)
    carry = jax.vmap(partial(_engine.initial_carry, x0, hist0, plan=run.plan), in_axes=(in_axes,),
                     out_axes=_engine.CARRY_AXES)(dyn)

    attrs = dict(run.attrs, batch=json.dumps(sorted(values)), max_lag_steps=max_lag)
    described = model.describe()
    described.update({k: "batch" for k in values if kinds[k] == "model"})
    attrs["model_parameters"] = json.dumps(described)
    cfields = ", ".join(
        f"{f.name}=batch" if f.name in values else f"{f.name}={np.asarray(getattr(coupling, f.name)).tolist()}"
        for f in dataclasses.fields(coupling)
    )
    attrs["coupling"] = f"{type(coupling).__name__}({cfields})"
    for name in ("speed", "seed"):
        if name in values:
            attrs[name] = "batch"
    if noise_names:
        attrs["noise"] = "Additive(" + ", ".join(
            f"{k}=batch" if NOISE_PREFIX + k in values else f"{k}={np.asarray(v).tolist()}" for k, v in noise.sigma.items()
        ) + ")"
    if on_divergence not in ("raise", "keep"):
        raise SimulationError(f"on_divergence must be 'raise' or 'keep'; got {on_divergence!r}.")
    brun = dataclasses.replace(run, dyn=dyn, carry=carry, max_lag=max_lag, attrs=attrs, axes=axes, batch_size=size,
                               on_divergence=on_divergence)
    ds = brun.execute(chunk_steps=chunk_steps, progress=progress)
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
        ds = ds.assign_coords({name: (dims, v)})
    return ds
