r"""The summaries of a sweep's runs: each run reduced to a few numbers as soon as its batch ends.

Summaries of run :math:`m` (signal :math:`x_{ti}`, e.g. BOLD, after the
transient; FC as :func:`brainnet_cb.fc`):

- ``fc_corr``, ``fc_rmse``: :func:`brainnet_cb.fc_fit` against an empirical FC;
- ``fcd_ks``: :func:`brainnet_cb.ks_distance` between the run's FCD and an
  empirical FCD (Hansen et al. 2015);
- ``fc_mean``: mean off-diagonal FC, :math:`\frac{2}{n(n-1)}\sum_{i<j} FC_{ij}`;
- ``gs_var``: variance of the global signal :math:`g_t = \frac1n \sum_i x_{ti}`;
- ``gs_fraction``: :math:`\mathrm{var}(g) / \frac1n\sum_i \mathrm{var}(x_i)`
  (Deco et al. 2017);
- ``diverged``, ``diverged_at``: whether the run produced NaN/inf and the time
  of its first non-finite sample.

See :mod:`brainnet_cb.fitting.sweep` for the references.
"""

from __future__ import annotations

import warnings

import numpy as np
import xarray as xr

from .. import analysis
from .._checks import caller_stacklevel
from ..analysis.filters import ShortRecordWarning, check_band, design_bandpass, pad_length
from ..errors import AnalysisError, SweepError

__all__ = ["SUMMARIES", "ATTRS", "MONITOR_DISCARD", "monitor_discard_ms", "signal_samples", "of_the_run",
           "too_few_samples", "check_band_fits", "warn_if_no_fc", "summarize", "check_fcd_target", "analysis_attrs"]

#: The built-in summaries (data variables of a sweep's result).
SUMMARIES = ("fc_corr", "fc_rmse", "fcd_ks", "fc_mean", "gs_var", "gs_fraction", "diverged", "diverged_at")

#: ``(long_name, units)`` of every built-in summary (``gs_var``: the sweep writes the square of the signal's unit).
ATTRS = {
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


def monitor_discard_ms(monitor) -> float:
    """The initial transient (ms) the ``monitor`` itself drops: a BOLD monitor's ``discard``, else 0."""
    return float(getattr(monitor, "discard", 0.0)) if hasattr(monitor, "tr") else 0.0


def signal_samples(run, monitor, discard_s):
    """``(samples, period_ms)``: samples of the signal left after the monitor's and the analysis' discards."""
    period = monitor.period_steps(run.dt) * run.dt
    total = run.n_steps // round(period / run.dt)
    dropped = int(np.floor(monitor_discard_ms(monitor) / period + 1e-9))
    left = max(total - dropped, 0)
    return max(left - int(np.ceil(discard_s * 1000.0 / period - 1e-9)), 0), period


#: How a message names the discard of the BOLD monitor (``Bold(discard=...)``, the command line's
#: ``monitors.bold.discard``), beside the analysis' own ``discard``.
MONITOR_DISCARD = "the BOLD monitor's discard"


def of_the_run(discard_s, duration_s, monitor_discard_s=0.0) -> str:
    """What the samples counted in a message were left from: ``"after discarding 20 s of the 30.24-s run (the
    BOLD monitor's discard)"``, the analysis' ``discard_s`` and the monitor's ``monitor_discard_s`` together;
    ``"in the 2.88-s run"`` where nothing was discarded."""
    total = discard_s + monitor_discard_s
    if total <= 0:
        return f"in the {duration_s:g}-s run"
    whose = "" if monitor_discard_s <= 0 else f" ({MONITOR_DISCARD})" if discard_s <= 0 else \
        f" ({monitor_discard_s:g} s of them {MONITOR_DISCARD})"
    return f"after discarding {total:g} s of the {duration_s:g}-s run{whose}"


def too_few_samples(samples, period_ms, signal, discard_s, duration_s, *, monitor_discard_s=0.0) -> str:
    """Why fewer than 3 samples give no FC, and how to get one (a sweep's refusal or warning)."""
    return (f"{signal!r} has {samples} samples (one every {period_ms:g} ms) "
            f"{of_the_run(discard_s, duration_s, monitor_discard_s)}; an FC needs at least 3: simulate longer or "
            "discard less.")


def check_band_fits(band, samples, period_ms, signal, discard_s, duration_s, error=SweepError, *,
                    monitor_discard_s=0.0):
    """Refuse, before any run, a band-pass that the signal's series cannot take (every FC would be NaN).

    The band must lie below the Nyquist frequency of the signal's sampling
    period, and the ``samples`` left after the discards (the analysis'
    ``discard_s`` and the monitor's ``monitor_discard_s``, as the message
    says them: :func:`of_the_run`) must outnumber the zero-phase filter's
    edge padding (:func:`~brainnet_cb.analysis.filters.pad_length`);
    ``error``: the caller's exception class.
    """
    if band is None:
        return
    sos = design_bandpass(check_band(band, 1000.0 / period_ms, 2, error), 1000.0 / period_ms, 2)
    pad = pad_length(sos)
    if samples <= pad:
        raise error(f"band={band!r}: the zero-phase band-pass pads {pad} samples at each end and needs more "
                    f"than {pad} samples of {signal!r}; it has {samples} (one every {period_ms:g} ms) "
                    f"{of_the_run(discard_s, duration_s, monitor_discard_s)}. Simulate longer, discard less, "
                    "or pass band=None (no band-pass).")


def warn_if_no_fc(band, samples, period_ms, signal, discard_s, duration_s, *, monitor_discard_s=0.0):
    """Warn, before any run, where the signal's series cannot give an FC, so that ``fc_mean`` would be NaN in every
    run: fewer than 3 samples after the discards, or a band-pass it cannot take (:func:`check_band_fits`).

    A sweep without an FC target still runs (its ``diverged``, ``gs_var`` and user summaries need no FC); the
    :class:`~brainnet_cb.ShortRecordWarning` says why ``fc_mean`` is empty and how to get it.
    """
    problem = None
    if samples < 3:
        problem = too_few_samples(samples, period_ms, signal, discard_s, duration_s,
                                  monitor_discard_s=monitor_discard_s)
    else:
        try:
            check_band_fits(band, samples, period_ms, signal, discard_s, duration_s,
                            monitor_discard_s=monitor_discard_s)
        except SweepError as err:
            problem = str(err)
    if problem:
        warnings.warn(f"fc_mean will be NaN in every run: {problem}", ShortRecordWarning,
                      stacklevel=caller_stacklevel())


def check_fcd_target(empirical_fcd, window_s, sample_s):
    """Refuse an empirical FCD that is an FC, or that was computed with another window than the runs' FCDs.

    ``window_s``: the runs' FCD window (s, a whole number of samples of ``sample_s`` s). An FCD of
    :func:`brainnet_cb.fcd` records its window (``attrs["window_s"]``, ``"window_samples"``); the
    two windows must agree to within one sample of either series, since the spread of FCD
    values shrinks as the window grows: a KS distance between FCDs of other windows measures the
    windows, not the dynamics.
    """
    dims = tuple(str(d) for d in getattr(empirical_fcd, "dims", ()))
    if any(d.startswith("region") for d in dims):
        raise SweepError(f"empirical_fcd has dims {dims}: that is an FC (region by region), not an FCD (window by "
                         "window); pass bn.fcd(empirical_bold, window=..., step=...) as empirical_fcd and the FC as "
                         "empirical_fc.")
    attrs = getattr(empirical_fcd, "attrs", {})
    if "window_s" not in attrs:
        return
    emp = float(attrs["window_s"])
    emp_sample = emp / float(attrs["window_samples"]) if attrs.get("window_samples") else 0.0
    if abs(emp - window_s) > max(emp_sample, sample_s) + 1e-9:
        raise SweepError(f"empirical_fcd was computed with {emp:g}-s windows (its attrs window_s) and the runs' "
                         f"FCDs would use {window_s:g}-s windows; pass fcd_window={emp:g} (and its fcd_step) so "
                         "that the KS distance compares the dynamics, not the windows.")


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


def summarize(ds, settings):
    """Reduce a batch Dataset to ``({name: array (B, ...)}, extra)`` (NaN for diverged members).

    ``settings``: the analysis settings :func:`~brainnet_cb.sweep` checked (signal, discard,
    band, targets, user summaries, kept outputs); ``extra``: dims, coords and attrs of user
    summaries and kept outputs.
    """
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
    x = ds[settings["signal"]].isel(batch=good)
    if good.size:
        x_d, tdim = _discarded(x, settings["discard"])
        g = x_d.mean("region")
        put("gs_var", g.var(tdim).values)
        put("gs_fraction", (g.var(tdim) / x_d.var(tdim).mean("region")).values)

        def fcs(xx):
            return (analysis.fc(xx, discard=settings["discard"], band=settings["band"]),)

        fc_vals = _per_member(fcs, x, good.size)
        fc_b = fc_vals[0] if fc_vals is not None else None
        iu = np.triu_indices(n, 1)
        put("fc_mean", None if fc_b is None else fc_b[:, iu[0], iu[1]].mean(-1))
        if settings["keep_fc"]:
            put("fc", fc_b, (n, n))
        if settings["empirical_fc"] is not None:
            emp = settings["empirical_fc"]
            corr = rmse = None
            if fc_b is not None:
                ok = np.all(np.isfinite(fc_b), axis=(-1, -2)) & (np.ptp(fc_b[:, iu[0], iu[1]], axis=-1) > 0)
                corr, rmse = np.full(good.size, np.nan), np.full(good.size, np.nan)
                if ok.any():
                    fit = analysis.fc_fit(fc_b[ok], emp.values, fisher_z=settings["fisher_z"],
                                          check_range=False)  # target_fc warned (FCScaleWarning)
                    corr[ok], rmse[ok] = fit.corr.values, fit.rmse.values
            put("fc_corr", corr)
            put("fc_rmse", rmse)
        if settings["empirical_fcd"] is not None:
            def ks(xx):
                d = analysis.fcd(xx, window=settings["fcd_window"], step=settings["fcd_step"],
                                 discard=settings["discard"], band=settings["band"])
                return (analysis.ks_distance(d, settings["empirical_fcd"], k=settings["fcd_k"]).values,)

            res = _per_member(ks, x, good.size)
            put("fcd_ks", None if res is None else res[0])
    else:
        fc_names = ("fc_corr", "fc_rmse") if settings["empirical_fc"] is not None else ()
        for name in ("gs_var", "gs_fraction", "fc_mean") + fc_names \
                + (("fcd_ks",) if settings["empirical_fcd"] is not None else ()):
            put(name, None)
        if settings["keep_fc"]:
            put("fc", None, (n, n))
    extra = {}
    for name, fn in settings["summaries"].items():
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
    for name in settings["keep"]:
        var = ds[name]
        # every member, diverged ones included; a copy: a view would keep the batch's whole output buffer (all its
        # monitor's variables) alive until the sweep ends
        out["raw_" + name] = np.array(var.values)
        extra["raw_" + name] = (var.dims[1:], {d: var[d].values for d in var.dims[1:] if d in var.coords},
                                dict(var.attrs), var.shape[1:])
    return out, extra


def analysis_attrs(settings) -> dict:
    """The attributes of a sweep's result that say how its runs were scored: the FC/FCD settings, the kept
    outputs and user summaries, and the SHA-256 of each target as scored (``"none"`` without one)."""
    import json  # noqa: PLC0415

    from ..analysis.timeseries import to_seconds  # noqa: PLC0415
    from ..simulation.provenance import array_sha256  # noqa: PLC0415

    emp, emp_fcd, step = settings["empirical_fc"], settings["empirical_fcd"], settings["fcd_step"]
    return {
        "scored_fisher_z": int(bool(settings["fisher_z"])),  # not "fisher_z": an FC marked so holds z values
        "fcd": json.dumps({"window_s": to_seconds(settings["fcd_window"], "fcd_window"),
                           "step_s": None if step is None else to_seconds(step, "fcd_step"), "k": settings["fcd_k"]}),
        "keep": json.dumps(list(settings["keep"]) + (["fc"] if settings["keep_fc"] else [])),
        "summaries": json.dumps(list(settings["summaries"])),
        "empirical_fc_sha256": "none" if emp is None else array_sha256(np.asarray(emp.values, dtype=float)),
        "empirical_fcd_sha256": "none" if emp_fcd is None else array_sha256(np.asarray(emp_fcd, dtype=float)),
    }
