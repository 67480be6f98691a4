r"""Parameter sweeps: a grid of runs, batched into compiled programs, summarised.

:func:`sweep` takes the cartesian product of a grid of parameter values, cuts
it into batches of a fixed size (from a memory budget), runs each batch as one
vmapped compiled program (:func:`~brainnet_cb.simulate_batch`), reduces each
run to a few numbers on the spot, and returns an :class:`xarray.Dataset` with
one dimension per swept parameter. Batches run in this process or, given a
``dask.distributed`` client, on its workers; the numbers are the same.

Summaries of run :math:`m` (signal :math:`x_{ti}`, e.g. BOLD, after the
transient; FC as :func:`brainnet_cb.fc`):

- ``fc_corr``, ``fc_rmse``: :func:`brainnet_cb.fc_fit` against an empirical FC;
- ``fcd_ks``: :func:`brainnet_cb.ks_distance` between the run's FCD and an
  empirical FCD (Hansen et al. 2015);
- ``fc_mean``: mean off-diagonal FC, :math:`\frac{2}{n(n-1)}\sum_{i<j} FC_{ij}`
  (0 for independent regions, 1 for a synchronised network);
- ``gs_var``: variance of the global signal :math:`g_t = \frac1n \sum_i x_{ti}`;
- ``gs_fraction``: :math:`\mathrm{var}(g) / \frac1n\sum_i \mathrm{var}(x_i)`,
  between :math:`\approx 1/n` (independent regions) and 1 (synchrony) — where the
  network actually interacts (Deco et al. 2017);
- ``diverged``, ``diverged_at``: whether the run produced NaN/inf and the time
  of its first non-finite sample (the other members of the batch are kept).

References
----------
Hansen, E. C. A., Battaglia, D., Spiegler, A., Deco, G., Jirsa, V. K. (2015).
Functional connectivity dynamics: modeling the switching behavior of the resting
state. NeuroImage 105, 525–535.
Deco, G., Kringelbach, M. L., Jirsa, V. K., Ritter, P. (2017). The dynamics of
resting fluctuations in the brain: metastability and its dynamical cortical core.
Sci. Rep. 7, 3095.
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
import sys
import time

import numpy as np
import xarray as xr

from . import analysis
from .batch import NOISE_PREFIX, simulate_batch
from .coupling import Linear
from .delays import compute_lags
from .empirical import align, fc_matrix
from .errors import AnalysisError, SweepError
from .precision import enable_float64
from .simulate import prepare

__all__ = ["sweep", "DEFAULT_MEMORY", "SUMMARIES"]

#: Default memory budget of one batch (bytes).
DEFAULT_MEMORY = 2 * 2**30

#: The built-in summaries (data variables of a sweep's result).
SUMMARIES = ("fc_corr", "fc_rmse", "fcd_ks", "fc_mean", "gs_var", "gs_fraction", "diverged", "diverged_at")

_UNITS = {"b": 1, "kb": 1e3, "mb": 1e6, "gb": 1e9, "tb": 1e12, "kib": 2**10, "mib": 2**20, "gib": 2**30,
          "tib": 2**40}

_ATTRS = {
    "fc_corr": ("FC fit: Pearson r of upper triangles (simulated vs empirical)", "1"),
    "fc_rmse": ("FC fit: RMSE of upper triangles (simulated vs empirical)", "1"),
    "fcd_ks": ("Kolmogorov-Smirnov distance of simulated and empirical FCD", "1"),
    "fc_mean": ("mean off-diagonal simulated FC", "1"),
    "gs_var": ("variance of the global (region-mean) signal", "1"),
    "gs_fraction": ("global-signal variance / mean regional variance", "1"),
    "diverged": ("run produced NaN or inf", "1"),
    "diverged_at": ("time of the first non-finite sample", "ms"),
    "fc": ("simulated functional connectivity (Pearson r)", "1"),
}


# ----------------------------------------------------------------------------- validation
def parse_bytes(value, error=SweepError, name="memory"):
    """Bytes from an int/float or a string such as ``"2 GiB"`` / ``"500MB"``."""
    if isinstance(value, str):
        m = re.fullmatch(r"\s*([0-9.eE+]+)\s*([kKmMgGtT]?i?[bB])?\s*", value)
        if m is None:
            raise error(f"{name} must be a number of bytes or a string such as '2 GiB'; got {value!r}.")
        number, unit = float(m.group(1)), (m.group(2) or "b").lower()
        value = number * _UNITS[unit]
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) \
            or not math.isfinite(value) or value <= 0:
        raise error(f"{name} must be a positive number of bytes or a string such as '2 GiB'; got {value!r}.")
    return int(value)


def parameter_kind(name, model, coupling, error=SweepError, what="grid"):
    """``"model"``, ``"coupling"``, ``"speed"``, ``"seed"`` or ``"noise"`` for a swept name."""
    params = [f.name for f in dataclasses.fields(model)]
    cfields = [f.name for f in dataclasses.fields(coupling)]
    if name in params:
        return "model"
    if name in cfields:
        return "coupling"
    if name in ("speed", "seed"):
        return name
    if isinstance(name, str) and name.startswith(NOISE_PREFIX) and name[len(NOISE_PREFIX):] in model.states:
        return "noise"
    raise error(
        f"unknown parameter {name!r} in {what}; choose from the parameters of {type(model).__name__} "
        f"{params}, of {type(coupling).__name__} {cfields}, 'speed', 'seed', or 'noise_<state>' with a "
        f"state of {list(model.states)} (e.g. 'noise_{model.states[-1]}')."
    )


def _grid_values(grid, model, coupling, n, dtype):
    """``{name: (kind, values)}``: each value array ``(k,)`` or ``(k, n)``, checked on the host."""
    if not isinstance(grid, dict) or not grid:
        raise SweepError(
            f"grid must be a non-empty dict {{name: values}}, e.g. grid={{'G': np.linspace(0, 2, 32)}}; "
            f"got {grid!r}."
        )
    out = {}
    for name, vals in grid.items():
        kind = parameter_kind(name, model, coupling)
        try:
            arr = np.asarray(vals) if kind == "seed" else np.asarray(vals, dtype=float)
        except (TypeError, ValueError):
            raise SweepError(f"grid[{name!r}] must be numbers; got {vals!r}.") from None
        per_region = kind in ("model", "coupling", "noise")
        if arr.ndim == 0 or arr.ndim > 2 or (arr.ndim == 2 and (not per_region or arr.shape[1] != n)) \
                or arr.shape[0] == 0:
            want = f"(k,) (k values) or (k, {n}) (k rows of one value per region)" if per_region else "(k,) (k values)"
            raise SweepError(f"grid[{name!r}] must have shape {want}, k >= 1; got shape {arr.shape}.")
        if kind == "seed":
            if not np.issubdtype(arr.dtype, np.integer):
                raise SweepError(f"grid['seed'] must be integers (one random key per run); got {vals!r}.")
        elif not np.all(np.isfinite(arr)):
            raise SweepError(f"grid[{name!r}] must be finite; got {vals!r}.")
        if kind == "speed" and np.any(arr <= 0):
            raise SweepError(f"grid['speed'] must be conduction speeds > 0 (mm/ms); got {vals!r}.")
        if kind == "noise" and np.any(arr < 0):
            raise SweepError(f"grid[{name!r}] noise amplitudes must be >= 0; got {vals!r}.")
        if kind in ("model", "coupling"):  # the object's own checks, value by value
            obj = model if kind == "model" else coupling
            for v in arr:
                dataclasses.replace(obj, **{name: v}).validated(n, dtype)
        out[name] = (kind, arr)
    return out


def _target_fc(empirical_fc, connectome, error):
    """The empirical FC as a labelled DataArray in the connectome's region order (or None)."""
    if empirical_fc is None:
        return None
    if isinstance(empirical_fc, xr.DataArray) and {"region_i", "region_j"} <= set(empirical_fc.dims) \
            and "region_i" in empirical_fc.coords:
        aligned = align(empirical_fc, connectome)
        return fc_matrix(aligned.values, connectome.labels, source="empirical_fc")
    m = fc_matrix(np.asarray(empirical_fc, dtype=float), source="empirical_fc")
    if m.shape[0] != connectome.n_regions:
        raise error(
            f"empirical_fc has {m.shape[0]} regions but the connectome {connectome.name!r} has "
            f"{connectome.n_regions}; pass the FC of the simulated regions (labelled, to align by "
            "label with bn.align)."
        )
    return fc_matrix(m.values, connectome.labels, source="empirical_fc")


def _signal_monitor(run, signal, error):
    names = {}
    for m in run.monitors:
        for out in m.output_names(run.model):
            names[out] = m
    if signal not in names:
        raise error(
            f"signal {signal!r} is not an output of the monitors {[m.describe() for m in run.monitors]}; "
            f"choose one of {sorted(names)} (add e.g. bn.Bold(tr=720.0) to monitors for 'bold')."
        )
    return names[signal]


def _signal_samples(run, monitor, discard_s):
    """Samples of the signal left after the monitor's and the analysis' discards."""
    period = monitor.period_steps(run.dt) * run.dt
    total = run.n_steps // round(period / run.dt)
    dropped = int(np.floor(getattr(monitor, "discard", 0.0) / period + 1e-9)) if hasattr(monitor, "tr") else 0
    left = max(total - dropped, 0)
    return max(left - int(np.ceil(discard_s * 1000.0 / period - 1e-9)), 0), period


def _member_bytes(run, max_lag):
    """Host + device bytes one batch member needs (outputs kept until the end, carry)."""
    itemsize = np.dtype(run.dyn.table.weights.dtype).itemsize
    n = run.connectome.n_regions
    outputs = sum(
        (run.n_steps // p) * len(run.monitors[i].observables(run.model)) * n
        for p, idx in run.plan.levels for i in idx
    )
    carry = (max_lag + 1 + 2 * len(run.model.states) + 16) * n
    return itemsize * (4 * outputs + 4 * carry)


# ----------------------------------------------------------------------------- one batch
def _simulate(task):
    kwargs = dict(task["sim"], batch=task["batch"], progress=False)
    return simulate_batch(task["model"], task["connectome"], on_divergence="keep", **kwargs)


def _first_bad(ds):
    """Per member: finite or not, and the time (ms) of the first non-finite sample."""
    B = ds.sizes["batch"]
    at = np.full(B, np.inf)
    for var in ds.data_vars.values():
        tdims = [d for d in var.dims if d.startswith("time")]
        if not tdims:
            continue
        v = var.transpose("batch", tdims[0], ...).values.reshape(B, var.sizes[tdims[0]], -1)
        bad = ~np.all(np.isfinite(v), axis=-1)  # (B, T)
        times = np.asarray(var[tdims[0]].values, dtype=float)
        for b in np.nonzero(bad.any(axis=1))[0]:
            at[b] = min(at[b], times[np.argmax(bad[b])])
    diverged = np.isfinite(at)
    return diverged, np.where(diverged, at, np.nan)


def _discarded(x, discard_s):
    tdim = [d for d in x.dims if d.startswith("time")][0]
    t = np.asarray(x[tdim].values, dtype=float) / 1000.0  # simulated time is in ms
    return x.isel({tdim: np.nonzero(t - t[0] >= discard_s - 1e-12)[0]}), tdim


def _per_member(fn, x, B):
    """``fn`` on the whole batch, else member by member (NaN where it fails)."""
    try:
        return [np.asarray(v) for v in fn(x)]
    except AnalysisError:
        outs = None
        for b in range(B):
            try:
                vals = [np.asarray(v) for v in fn(x.isel(batch=[b]))]
            except AnalysisError:
                continue
            if outs is None:
                outs = [np.full((B,) + v.shape[1:], np.nan) for v in vals]
            for o, v in zip(outs, vals):
                o[b] = v[0]
        return outs


def _summarize(ds, spec):
    """Reduce a batch Dataset to ``{name: array (B, ...)}`` (NaN for diverged members)."""
    B = ds.sizes["batch"]
    diverged, at = _first_bad(ds)
    out = {"diverged": diverged, "diverged_at": at}
    good = np.nonzero(~diverged)[0]

    def put(name, values, shape=()):
        arr = np.full((B,) + tuple(shape), np.nan)
        if values is not None:
            arr[good] = values
        out[name] = arr

    n = ds.sizes["region"]
    x = ds[spec["signal"]].isel(batch=good)
    if good.size:
        x_d, tdim = _discarded(x, spec["discard"])
        g = x_d.mean("region")
        put("gs_var", g.var(tdim).values)
        put("gs_fraction", (g.var(tdim) / x_d.var(tdim).mean("region")).values)

        def fcs(xx):
            return (analysis.fc(xx, discard=spec["discard"], band=spec["band"]),)

        fc_vals = _per_member(fcs, x, good.size)
        fc_b = fc_vals[0] if fc_vals is not None else None
        iu = np.triu_indices(n, 1)
        put("fc_mean", None if fc_b is None else fc_b[:, iu[0], iu[1]].mean(-1))
        if spec["keep_fc"]:
            put("fc", fc_b, (n, n))
        if spec["empirical_fc"] is not None:
            emp = spec["empirical_fc"]
            corr = rmse = None
            if fc_b is not None:
                ok = np.all(np.isfinite(fc_b), axis=(-1, -2)) & (np.ptp(fc_b[:, iu[0], iu[1]], axis=-1) > 0)
                corr, rmse = np.full(good.size, np.nan), np.full(good.size, np.nan)
                if ok.any():
                    fit = analysis.fc_fit(fc_b[ok], emp.values, fisher_z=spec["fisher_z"])
                    corr[ok], rmse[ok] = fit.corr.values, fit.rmse.values
            put("fc_corr", corr)
            put("fc_rmse", rmse)
        if spec["empirical_fcd"] is not None:
            def ks(xx):
                d = analysis.fcd(xx, window=spec["fcd_window"], step=spec["fcd_step"],
                                 discard=spec["discard"], band=spec["band"])
                return (analysis.ks_distance(d, spec["empirical_fcd"], k=spec["fcd_k"]).values,)

            res = _per_member(ks, x, good.size)
            put("fcd_ks", None if res is None else res[0])
    else:
        for name in ("gs_var", "gs_fraction", "fc_mean") + (("fc_corr", "fc_rmse") if spec["empirical_fc"] is not None else ()) \
                + (("fcd_ks",) if spec["empirical_fcd"] is not None else ()):
            put(name, None)
        if spec["keep_fc"]:
            put("fc", None, (n, n))
    extra = {}
    for name, fn in spec["summaries"].items():
        rows, meta = [], None
        for b in good:
            value = fn(ds.isel(batch=b))
            if isinstance(value, xr.DataArray):
                meta = meta or (value.dims, {d: value[d].values for d in value.dims if d in value.coords},
                                dict(value.attrs))
            arr = np.asarray(value, dtype=float)
            if rows and arr.shape != rows[0].shape:
                raise SweepError(
                    f"summary {name!r} returned shape {arr.shape} for one run and {rows[0].shape} for another; "
                    "a summary must return the same shape for every run."
                )
            rows.append(arr)
        shape = rows[0].shape if rows else ()
        put(name, np.stack(rows) if rows else None, shape)
        extra[name] = meta if meta is not None else (tuple(f"{name}_dim{k}" for k in range(len(shape))), {}, {})
        extra[name] = extra[name] + (shape,)
    for name in spec["keep"]:
        var = ds[name]
        out["raw_" + name] = var.values  # every member, diverged ones included
        extra["raw_" + name] = (var.dims[1:], {d: var[d].values for d in var.dims[1:] if d in var.coords},
                                dict(var.attrs), var.shape[1:])
    return out, extra


def run_batch(task):
    """Run one batch of a sweep and summarise it (in this process or on a dask worker).

    ``task`` is built by :func:`sweep`; this is a top-level function so that a
    ``dask.distributed`` worker imports it by name. Returns
    ``(index, summaries, extra, attrs)``.
    """
    if task["dtype"] == "float64":
        enable_float64()  # a fresh worker process starts in float32
    ds = _simulate(task)
    out, extra = _summarize(ds, task["spec"])
    return task["index"], out, extra, dict(ds.attrs)


# ----------------------------------------------------------------------------- the sweep
def _progress(total, progress):
    if progress is None:
        progress = sys.stderr.isatty()
    if not progress:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, unit="run", desc="sweep", leave=False)


def _check_client(client):
    if client is None:
        return None
    if not all(hasattr(client, a) for a in ("submit", "gather", "scheduler_info")):
        raise SweepError(
            f"client must be a dask.distributed.Client (e.g. Client(LocalCluster(n_workers=2))) or None "
            f"to run here; got {type(client).__name__}."
        )
    return client


def sweep(model, connectome, grid, *, duration, dt=0.1, empirical_fc=None, empirical_fcd=None,
          coupling=None, speed=3.0, noise=None, monitors=None, key=0, method="heun", initial_state=None,
          history=None, normalize="max", dtype=None, signal="bold", discard=0.0, band=True,
          fisher_z=False, fcd_window=60.0, fcd_step=None, fcd_k=1, summaries=None, keep=(),
          memory=DEFAULT_MEMORY, batch_size=None, client=None, progress=None) -> xr.Dataset:
    r"""Run every combination of a grid of parameters and summarise each run.

    The cartesian product of ``grid`` (``K = \prod_p k_p`` runs) is cut into
    batches of ``B`` runs; each batch is one vmapped compiled program
    (:func:`~brainnet_cb.simulate_batch`). ``B`` is the same for every batch
    (the last one is padded with copies of its last run, which are dropped), so
    one compilation serves the whole sweep. Each run is reduced to summaries as
    soon as its batch ends; raw trajectories are not kept unless asked for.

    Parameters
    ----------
    model : NodeModel
        The node model; swept parameters replace its values.
    connectome : Connectome
        Weights ``[target, source]`` and tract lengths (mm).
    grid : dict
        ``{name: values}``. Names: a parameter of the model (``"eta"``, ...), a
        field of the coupling (``"G"``), ``"speed"`` (mm/ms), ``"seed"`` (an int
        random key per run) or ``"noise_<state>"`` (noise amplitude on that
        state). Values: shape ``(k,)``, or ``(k, n)`` for per-region values
        (the dimension is then an index ``0..k-1`` and the values are in the
        coordinate ``<name>_value``).
    duration, dt, coupling, speed, noise, key, method, initial_state, history, normalize, dtype
        As in :func:`~brainnet_cb.simulate`. Without a swept ``"seed"``, every
        run uses ``key`` (common random numbers: differences between runs come
        from the parameters, not from the noise).
    monitors : sequence of Monitor, default ``[Bold(tr=2000 ms)]``
        What the runs record; ``signal`` must be one of their outputs.
    empirical_fc : xarray.DataArray or array_like (n, n), optional
        Target FC: gives ``fc_corr`` and ``fc_rmse``. A labelled DataArray
        ``(region_i, region_j)`` is aligned to the connectome by label.
    empirical_fcd : xarray.DataArray or array_like, optional
        Target FCD (a matrix or 1-D values, e.g. :func:`brainnet_cb.fcd` of
        empirical BOLD with the same window and step): gives ``fcd_ks``.
    signal : str, default "bold"
        The output the summaries use.
    discard : float or brainunit.Quantity, default 0
        Transient dropped (s) before every summary.
    band : (float, float), True or None, default True
        Band-pass (Hz) before FC and FCD; ``True`` is (0.01, 0.1) Hz.
    fisher_z : bool
        Compare Fisher-z FCs in ``fc_corr``/``fc_rmse``.
    fcd_window, fcd_step : float, optional
        FCD window and step (s); default 60 s and one sample.
    fcd_k : int, default 1
        Diagonal offset of the FCD values compared by ``fcd_ks``.
    summaries : dict, optional
        ``{name: fn}`` with ``fn(member) -> number, array or DataArray``, called
        with one run's Dataset (as :func:`~brainnet_cb.simulate` returns it);
        the result gets the grid dims in front (NaN for diverged runs).
    keep : sequence of str, optional
        Outputs to keep whole (``raw_<name>``, grid dims + time + region), and
        ``"fc"`` to keep every run's FC (``fc``).
    memory : int or str, default 2 GiB
        Budget of one batch; ``B`` is the number of runs whose outputs and
        state fit in it (at most ``K``; at least 1).
    batch_size : int, optional
        Force ``B`` (overrides ``memory``).
    client : dask.distributed.Client, optional
        Spread the batches over its workers (default: run here). With a client
        and no ``batch_size``, ``B`` is also capped at ``ceil(K / workers)``.
    progress : bool, optional
        Progress bar over runs (default: on a terminal).

    Returns
    -------
    xarray.Dataset
        Dims: one per grid name, in grid order, with the values as
        coordinates. Data variables (``long_name`` and ``units`` in attrs):
        ``fc_mean``, ``gs_var``, ``gs_fraction``, ``diverged``,
        ``diverged_at`` always; ``fc_corr``/``fc_rmse`` with ``empirical_fc``;
        ``fcd_ks`` with ``empirical_fcd``; one per user summary and kept
        output. ``attrs``: the runs' provenance, the sweep's ``batch_size``,
        ``n_batches``, ``n_runs``, ``wall_s``.

    Raises
    ------
    SweepError
        An unknown parameter name, a grid value of the wrong shape, a bad
        memory budget, batch size, client, signal or kept output, an FCD window
        longer than the series; the errors of :func:`~brainnet_cb.simulate`
        for the other arguments, before anything runs.

    Examples
    --------
    >>> import numpy as np, brainnet_cb as bn
    >>> conn = bn.Connectome([[0, 1, 0], [1, 0, 1], [0, 1, 0]], np.full((3, 3), 20.0))
    >>> res = bn.sweep(bn.CoombesByrne(), conn, {"G": [0.0, 0.5], "noise_v": [0.05, 0.1]},
    ...                duration=4000.0, monitors=[bn.Bold(tr=100.0, baseline="initial")], band=None)
    >>> res.fc_mean.dims, bool(res.diverged.any())
    (('G', 'noise_v'), False)
    """
    t_start = time.perf_counter()
    coupling = Linear() if coupling is None else coupling
    if monitors is None:
        from .monitors import Bold

        monitors = [Bold()]
    # Everything but the grid through the ordinary validation (model, connectome, coupling, noise,
    # monitors, dtype, ...), before anything is compiled.
    run = prepare(model, connectome, duration, dt, coupling=coupling, speed=speed, noise=noise,
                  monitors=monitors, key=key, method=method, initial_state=initial_state, history=history,
                  normalize=normalize, dtype=dtype)
    n = run.connectome.n_regions
    dtype_name = str(np.dtype(run.dyn.table.weights.dtype))
    values = _grid_values(grid, model, coupling, n, run.dyn.table.weights.dtype)
    names = list(values)

    # Analysis settings.
    sig_mon = _signal_monitor(run, signal, SweepError)
    from ._timeseries import to_seconds

    discard_s = to_seconds(discard, "discard")
    keep = (keep,) if isinstance(keep, str) else tuple(keep)
    outputs = [o for m in run.monitors for o in m.output_names(run.model)]
    bad_keep = [k for k in keep if k != "fc" and k not in outputs]
    if bad_keep:
        raise SweepError(f"keep={list(keep)}: {bad_keep} are not outputs of the monitors; choose from "
                         f"{outputs + ['fc']}.")
    if summaries is None:
        summaries = {}
    if not isinstance(summaries, dict) or not all(callable(f) for f in summaries.values()):
        raise SweepError(f"summaries must be a dict {{name: function(run_dataset)}}; got {summaries!r}.")
    clash = [s for s in summaries if s in SUMMARIES or s == "fc" or s in names or s.startswith("raw_")]
    if clash:
        raise SweepError(f"summary names {clash} clash with built-in summaries {list(SUMMARIES)} or grid "
                         "names; rename them.")
    emp = _target_fc(empirical_fc, run.connectome, SweepError)
    emp_fcd = None
    samples, period_ms = _signal_samples(run, sig_mon, discard_s)
    if empirical_fcd is not None:
        analysis.ks_distance(empirical_fcd, empirical_fcd, k=fcd_k)  # checks it (AnalysisError)
        emp_fcd = empirical_fcd
        w = int(np.rint(to_seconds(fcd_window, "fcd_window") * 1000.0 / period_ms))
        if w > samples:
            raise SweepError(
                f"fcd_window = {to_seconds(fcd_window, 'fcd_window'):g} s ({w} samples of {signal!r}) is "
                f"longer than the simulated series: {samples} samples ({samples * period_ms / 1000:g} s) "
                f"after discarding {discard_s:g} s. Use a shorter window or a longer duration."
            )
    spec = dict(signal=signal, discard=discard_s, band=band, fisher_z=fisher_z, empirical_fc=emp,
                empirical_fcd=emp_fcd, fcd_window=fcd_window, fcd_step=fcd_step, fcd_k=fcd_k,
                summaries=dict(summaries), keep=tuple(k for k in keep if k != "fc"), keep_fc="fc" in keep)

    # Batches.
    shape = tuple(values[k][1].shape[0] for k in names)
    total = int(np.prod(shape))
    max_lag = run.max_lag
    if "speed" in values:
        max_lag = max(max_lag, int(compute_lags(run.connectome.lengths, float(values["speed"][1].min()), run.dt).max()))
    per_run = _member_bytes(run, max_lag)
    client = _check_client(client)
    if batch_size is None:
        budget = parse_bytes(memory)
        B = max(1, min(total, budget // per_run))
        if client is not None:
            workers = max(1, len(client.scheduler_info().get("workers", {})))
            B = min(B, math.ceil(total / workers))
    else:
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
            raise SweepError(f"batch_size must be a positive integer; got {batch_size!r}.")
        B = min(int(batch_size), total)
    n_batches = math.ceil(total / B)
    flat = np.arange(n_batches * B)
    flat = np.minimum(flat, total - 1)  # pad the last batch with copies of the last run
    index = np.stack(np.unravel_index(flat, shape), axis=-1) if names else flat[:, None]
    sim = dict(duration=duration, dt=dt, coupling=coupling, speed=speed, noise=noise, monitors=monitors,
               key=key, method=method, initial_state=initial_state, history=history, normalize=normalize,
               dtype=dtype_name)
    tasks = []
    for b in range(n_batches):
        rows = index[b * B:(b + 1) * B]
        batch = {k: values[k][1][rows[:, d]] for d, k in enumerate(names)}
        tasks.append(dict(index=b, model=model, connectome=connectome, batch=batch, sim=sim, spec=spec,
                          dtype=dtype_name))

    bar = _progress(total, progress)
    results = [None] * n_batches
    try:
        if client is None:
            for t in tasks:
                i, out, extra, attrs = run_batch(t)
                results[i] = (out, extra, attrs)
                if bar is not None:
                    bar.update(min(B, total - i * B))
        else:
            from distributed import as_completed

            futures = client.map(run_batch, tasks, pure=False)
            for _, (i, out, extra, attrs) in as_completed(futures, with_results=True):
                results[i] = (out, extra, attrs)
                if bar is not None:
                    bar.update(min(B, total - i * B))
    finally:
        if bar is not None:
            bar.close()
    return _assemble(results, names, values, shape, total, n, run, dict(
        batch_size=B, n_batches=n_batches, n_runs=total, bytes_per_run=per_run,
        wall_s=time.perf_counter() - t_start, distributed=int(client is not None)), spec)


def _assemble(results, names, values, shape, total, n, run, sweep_attrs, spec):
    merged = {}
    for out, _, _ in results:
        for k, v in out.items():
            merged.setdefault(k, []).append(v)
    extra = results[0][1]
    for out, ex, _ in results[1:]:  # a summary may be known only from a batch with good runs
        for k, v in ex.items():
            if k not in extra or (not extra[k][1] and v[1]):
                extra[k] = v
    coords = {}
    region = [str(s) for s in run.connectome.labels]
    for k in names:
        kind, arr = values[k]
        if arr.ndim == 1:
            coords[k] = (k, arr, {"long_name": f"swept {kind} parameter {k}"})
        else:
            coords[k] = (k, np.arange(arr.shape[0]), {"long_name": f"index of the swept per-region {k}"})
            coords[f"{k}_value"] = ((k, "region"), arr, {"long_name": f"swept per-region {k}"})
            coords["region"] = ("region", region)
    data = {}
    for k, pieces in merged.items():
        arr = np.concatenate(pieces, axis=0)[:total]
        arr = arr.reshape(shape + arr.shape[1:])
        if k == "fc":
            dims = tuple(names) + ("region_i", "region_j")
            coords["region_i"] = ("region_i", region)
            coords["region_j"] = ("region_j", region)
            attrs = _ATTRS["fc"]
        elif k in extra:
            dims_x, c_x, a_x, _ = extra[k]
            dims = tuple(names) + tuple(dims_x)
            for d, v in c_x.items():
                coords.setdefault(d, (d, v))
            data[k] = (dims, arr, a_x)
            continue
        else:
            dims = tuple(names)
            attrs = _ATTRS.get(k, (k, "1"))
        if k == "diverged":
            arr = arr.astype(bool)
        data[k] = (dims, arr, {"long_name": attrs[0], "units": attrs[1]})
    run_attrs = dict(results[0][2])
    run_attrs.pop("batch", None)
    for k in names:
        run_attrs.pop(k, None)
    attrs = {"title": "brainnet_cb parameter sweep", "swept": json.dumps(names), "signal": spec["signal"],
             "discard_s": spec["discard"], "band_hz": json.dumps(
                 None if spec["band"] is None else list(analysis.BOLD_BAND if spec["band"] is True else spec["band"])),
             **{k: v for k, v in run_attrs.items() if k != "title"}, **sweep_attrs}
    return xr.Dataset(data, coords=coords, attrs=attrs)
