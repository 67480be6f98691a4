r"""Functional connectivity and its dynamics: the NumPy/SciPy path, xarray in and out.

Every function takes a time series as an :class:`xarray.DataArray` with dims
``(..., time, region)`` — simulated ``ds.bold`` (time in ms), ``ds.r``, EEG
(``sensor``), or empirical BOLD (time in s) — and returns a labelled
DataArray. Leading dims (subjects, sweep members) are kept. Durations are in
seconds or :mod:`brainunit` quantities. The differentiable twin of the pieces a
fit needs is :mod:`brainnet_cb.analysis_jax`.

Definitions (``science.md`` §6):

- FC: :math:`FC_{ij} = \mathrm{corr}(x_i, x_j)` (Pearson) over the samples left
  after the transient, optionally band-passed (zero phase) first.
- FCD (Hansen et al. 2015): FC in sliding windows; :math:`FCD_{ab}` is the
  Pearson correlation of the upper triangles (``k = 1``) of the FCs of windows
  ``a`` and ``b``.
- FC fit: Pearson correlation (and RMSE) of the upper triangles of simulated
  and empirical FC, optionally after the Fisher transform :math:`z = \operatorname{artanh} r`.
- KS distance: the two-sample Kolmogorov–Smirnov statistic
  :math:`\sup_x |F_1(x) - F_2(x)|` of the upper-triangle values of two FCDs.

References
----------
Hansen, E. C. A., Battaglia, D., Spiegler, A., Deco, G., Jirsa, V. K. (2015).
Functional connectivity dynamics: modeling the switching behavior of the resting
state. NeuroImage 105, 525–535.
Deco, G., Kringelbach, M. L., Jirsa, V. K., Ritter, P. (2017). The dynamics of
resting fluctuations in the brain: metastability and its dynamical cortical core.
Sci. Rep. 7, 3095.
Welch, P. D. (1967). The use of fast Fourier transform for the estimation of
power spectra. IEEE Trans. Audio Electroacoust. 15, 70–73.
"""

from __future__ import annotations

import numpy as np
import xarray as xr
from scipy import signal, stats

from ._filters import BOLD_BAND, check_band, check_length, design_bandpass
from ._timeseries import as_series, space_label, to_seconds
from .errors import AnalysisError

__all__ = [
    "BOLD_BAND",
    "bandpass",
    "fc",
    "fcd",
    "fc_fit",
    "fisher_z",
    "ks_distance",
    "spectrum",
    "peak_frequency",
]


# ----------------------------------------------------------------------------- helpers
def _leading(series):
    """Dims and coords of the leading (batch) dims of a series' DataArray."""
    x = series.data
    dims = x.dims[:-2]
    coords = {d: x[d] for d in dims if d in x.coords}
    return dims, coords


def _corr_last(values, series=None, what="x"):
    """Pearson correlation of the columns of ``values[..., T, N]`` -> ``[..., N, N]``."""
    xc = values - values.mean(axis=-2, keepdims=True)
    # a contiguous transpose keeps stacked matmuls on the BLAS path
    cov = np.ascontiguousarray(np.swapaxes(xc, -1, -2)) @ xc
    var = np.diagonal(cov, axis1=-2, axis2=-1)
    scale = np.max(np.abs(values), axis=-2)
    flat = var <= (1e-12 * scale) ** 2 * values.shape[-2]
    if flat.any():
        idx = np.argwhere(flat)[0]
        name = space_label(series, idx[-1]) if series is not None else f"column {idx[-1]}"
        raise AnalysisError(
            f"{name} of {what} is constant over the samples used, so its correlation is "
            f"undefined ({int(flat.sum())} constant series). Drop it, or check that the "
            "simulation is not at a fixed point (add noise)."
        )
    sd = np.sqrt(var)
    r = cov / (sd[..., :, None] * sd[..., None, :])
    r = np.clip(r, -1.0, 1.0)
    n = r.shape[-1]
    r[..., np.arange(n), np.arange(n)] = 1.0
    return r


def _pair_coords(series, suffixes=("_i", "_j")):
    """Dims and coords for an (N, N) matrix over the space dimension of a series."""
    s = series.sdim
    di, dj = s + suffixes[0], s + suffixes[1]
    coords = {}
    lab = series.labels
    if lab is not None:
        attrs = dict(lab.attrs)
        coords[di] = (di, lab.values, attrs)
        coords[dj] = (dj, lab.values, attrs)
    return (di, dj), coords


def _as_matrix_array(m, name):
    """``(values, dataarray_or_None)`` of a matrix argument (DataArray or array-like)."""
    if isinstance(m, xr.Dataset):
        raise AnalysisError(
            f"{name} must be a matrix (DataArray or array); got a Dataset with variables "
            f"{sorted(map(str, m.data_vars))}."
        )
    da = m if isinstance(m, xr.DataArray) else None
    try:
        values = np.asarray(m.values if da is not None else m, dtype=float)
    except (TypeError, ValueError):
        raise AnalysisError(f"{name} must be numeric; got {type(m).__name__}.") from None
    return values, da


def _check_fc_matrix(values, name, *, batch=True):
    """Square (over the last two axes), finite and symmetric."""
    if values.ndim < 2 or values.shape[-1] != values.shape[-2] or (not batch and values.ndim != 2):
        want = "(..., n, n)" if batch else "(n, n)"
        raise AnalysisError(
            f"{name} must be a square FC matrix of shape {want}; got shape {values.shape}. "
            "Pass the full correlation matrix, not its upper triangle."
        )
    if values.shape[-1] < 3:
        raise AnalysisError(
            f"{name} has {values.shape[-1]} regions; an FC fit needs at least 3 "
            "(at least 3 distinct region pairs)."
        )
    bad = ~np.isfinite(values)
    if bad.any():
        idx = tuple(np.argwhere(bad)[0])
        raise AnalysisError(
            f"{name} must be finite; got {values[idx]} at {idx} ({int(bad.sum())} non-finite "
            "entries)."
        )
    asym = np.abs(values - np.swapaxes(values, -1, -2))
    if asym.max() > 1e-6 * max(1.0, np.abs(values).max()):
        idx = tuple(int(v) for v in np.unravel_index(np.argmax(asym), asym.shape))
        raise AnalysisError(
            f"{name} must be symmetric (FC[i, j] == FC[j, i]); the largest difference is "
            f"{asym.max():.3g} at {idx}. Pass a correlation matrix, or symmetrize it with "
            "(m + m.T) / 2 if the asymmetry is rounding."
        )


def _upper(values, k=1):
    n = values.shape[-1]
    iu = np.triu_indices(n, k=k)
    return values[..., iu[0], iu[1]]


# ----------------------------------------------------------------------------- filters
def _filtered(series, band, order, name="x"):
    sos = design_bandpass(band, series.fs, order)
    check_length(series.n_time, sos, name)
    return signal.sosfiltfilt(sos, series.values, axis=-2)


def bandpass(x, band=BOLD_BAND, *, order=2, time_dim=None, space_dim=None) -> xr.DataArray:
    r"""Zero-phase Butterworth band-pass of a time series.

    The filter (:func:`scipy.signal.butter`, ``order`` second-order sections)
    runs forward and backward (:func:`scipy.signal.sosfiltfilt`, odd extension
    of ``3 * (2 * order + 1)`` samples at each end), so it shifts no phase and
    its magnitude response is

    .. math:: |H_{ff}(f)| = |H(f)|^2 = \frac{1}{1 + \left(\frac{f^2 - f_l f_h}{f (f_h - f_l)}\right)^{2\,\mathrm{order}}}

    for the analogue prototype (``H`` the Butterworth band-pass with edges
    ``f_l``, ``f_h``; the digital design is its bilinear transform): 1 at the
    centre :math:`\sqrt{f_l f_h}`, exactly 1/2 (-6 dB) at both edges.

    Parameters
    ----------
    x : xarray.DataArray
        Dims ``(..., time, region)`` with a uniform time coordinate carrying
        ``units`` (``"ms"`` or ``"s"``).
    band : (float, float)
        Pass band ``(low, high)`` in Hz; default :data:`BOLD_BAND` = (0.01, 0.1).
    order : int
        Butterworth order (per edge).
    time_dim, space_dim : str, optional
        Names of the time and region dimensions when they cannot be detected.

    Returns
    -------
    xarray.DataArray
        Same dims, coords and attrs as ``x`` (time last but one), with
        ``attrs["band_hz"]`` and ``attrs["filter_order"]`` added.

    Examples
    --------
    >>> import numpy as np, brainnet_cb as bn
    >>> t = np.arange(2000) * 0.5                                  # s, TR = 0.5 s
    >>> x = bn.as_timeseries(np.stack([np.sin(2 * np.pi * 0.0316 * t),   # band centre
    ...                                np.sin(2 * np.pi * 0.4 * t)], axis=1), dt=0.5)
    >>> y = bn.bandpass(x, (0.01, 0.1))
    >>> np.round(y.isel(time=slice(500, 1500)).std("time").values / np.sqrt(0.5), 2)
    array([1., 0.])
    """
    s = as_series(x, time_dim=time_dim, space_dim=space_dim, need_time=True)
    out = s.data.copy(data=_filtered(s, band, order))
    low, high = check_band(band, s.fs, order)
    out.attrs.update(band_hz=[float(low), float(high)], filter_order=int(order))
    return out


# ----------------------------------------------------------------------------- FC
def fisher_z(r):
    r"""Fisher transform :math:`z = \operatorname{artanh}(r)` of a correlation matrix.

    Off-diagonal entries are transformed; the diagonal (``r = 1``, ``z = inf``)
    becomes NaN, so that plots and ``nanmean`` ignore it. Off-diagonal entries
    of exactly ±1 become ±inf.

    Parameters
    ----------
    r : xarray.DataArray or array_like, shape (..., n, n)

    Returns
    -------
    Same type as ``r``; a DataArray keeps its dims, coords and attrs
    (``long_name`` updated).
    """
    values, da = _as_matrix_array(r, "r")
    if values.ndim < 2 or values.shape[-1] != values.shape[-2]:
        raise AnalysisError(f"fisher_z needs square matrices (..., n, n); got shape {values.shape}.")
    if np.any(np.abs(values[np.isfinite(values)]) > 1 + 1e-12):
        raise AnalysisError(
            f"fisher_z needs correlations in [-1, 1]; got values up to {np.nanmax(np.abs(values)):.4g}."
        )
    with np.errstate(divide="ignore"):
        z = np.arctanh(np.clip(values, -1.0, 1.0))
    n = values.shape[-1]
    z[..., np.arange(n), np.arange(n)] = np.nan
    if da is None:
        return z
    out = da.copy(data=z)
    out.attrs["long_name"] = "Fisher z of " + da.attrs.get("long_name", "correlation")
    out.attrs["fisher_z"] = 1
    return out


def fc(x, *, discard=0.0, band=None, order=2, fisher_z: bool = False, time_dim=None,
       space_dim=None) -> xr.DataArray:
    r"""Functional connectivity: the Pearson correlation matrix of a time series.

    .. math:: FC_{ij} = \frac{\sum_t (x_{ti} - \bar x_i)(x_{tj} - \bar x_j)}
              {\sqrt{\sum_t (x_{ti} - \bar x_i)^2 \sum_t (x_{tj} - \bar x_j)^2}}

    over the samples left after dropping the first ``discard`` seconds (the
    transient) and, if ``band`` is given, after a zero-phase band-pass
    (:func:`bandpass`; the transient is dropped *before* filtering).

    Parameters
    ----------
    x : xarray.DataArray
        Dims ``(..., time, region)``; leading dims are kept (one FC each).
    discard : float or brainunit.Quantity
        Transient to drop, in s (default 0). Samples with
        ``t - t[0] < discard`` are dropped.
    band : (float, float) or True, optional
        Band-pass ``(low, high)`` in Hz before correlating; ``True`` means
        (0.01, 0.1) Hz. Default: no filter.
    order : int
        Butterworth order of the band-pass.
    fisher_z : bool
        Return :func:`fisher_z` of the matrix (diagonal NaN).
    time_dim, space_dim : str, optional
        Names of the time and region dimensions when they cannot be detected.

    Returns
    -------
    xarray.DataArray
        Dims ``(..., region_i, region_j)``, both coordinates the region labels;
        symmetric, diagonal 1 (NaN with ``fisher_z``).

    Raises
    ------
    AnalysisError
        On a non-DataArray, a missing or non-uniform time coordinate (when
        ``discard``/``band`` need it), non-finite values, a constant region, a
        series too short for the filter, or a band outside (0, Nyquist).

    Examples
    --------
    >>> import numpy as np, brainnet_cb as bn
    >>> rng = np.random.default_rng(0)
    >>> x = bn.as_timeseries(rng.standard_normal((500, 3)), dt=0.72, labels=["a", "b", "c"])
    >>> m = bn.fc(x)
    >>> m.dims, bool(np.allclose(m.values, np.corrcoef(x.values.T)))
    (('region_i', 'region_j'), True)
    """
    if not isinstance(fisher_z, (bool, np.bool_)):
        raise AnalysisError(f"fisher_z must be True or False; got {fisher_z!r}.")
    s = as_series(x, time_dim=time_dim, space_dim=space_dim, need_time=band is not None,
                  discard=discard, min_time=3)
    values = s.values if band is None else _filtered(s, band, order)
    r = _corr_last(values, s)
    lead_dims, lead_coords = _leading(s)
    pair_dims, pair_coords = _pair_coords(s)
    attrs = {"long_name": "functional connectivity (Pearson r)", "units": "1",
             "n_samples": int(s.n_time), "discard_s": to_seconds(discard, "discard")}
    if band is not None:
        low, high = BOLD_BAND if band is True else (float(b) for b in band)
        attrs.update(band_hz=[float(low), float(high)], filter_order=int(order))
    out = xr.DataArray(r, dims=lead_dims + pair_dims, coords={**lead_coords, **pair_coords},
                       attrs=attrs)
    return globals()["fisher_z"](out) if fisher_z else out


# ----------------------------------------------------------------------------- FCD
def _n_samples(value, value_samples, dt, name, default=None):
    if value is not None and value_samples is not None:
        raise AnalysisError(
            f"give {name} either in seconds ({name}=) or in samples ({name}_samples=), not both; "
            f"got {name}={value!r} and {name}_samples={value_samples!r}."
        )
    if value_samples is not None:
        if isinstance(value_samples, bool) or not isinstance(value_samples, (int, np.integer)) \
                or value_samples < 1:
            raise AnalysisError(
                f"{name}_samples must be a positive integer number of samples (TRs for BOLD); "
                f"got {value_samples!r}."
            )
        return int(value_samples)
    if value is None:
        value = default
    sec = to_seconds(value, name, allow_zero=False)
    n = int(np.rint(sec / dt))
    if n < 1:
        raise AnalysisError(
            f"{name}={sec:g} s is shorter than one sample (dt = {dt:g} s); use at least {dt:g} s."
        )
    return n


def fcd(x, window=None, step=None, *, window_samples=None, step_samples=None, discard=0.0,
        band=None, order=2, time_dim=None, space_dim=None) -> xr.DataArray:
    r"""Functional connectivity dynamics (Hansen et al. 2015).

    Windows of ``w`` samples start every ``s`` samples (starts ``0, s, 2s, ...``
    while the window fits; the last samples that do not fill a step are not
    used). With :math:`u_a` the upper triangle (``k = 1``) of the FC of window
    ``a``,

    .. math:: FCD_{ab} = \mathrm{corr}(u_a, u_b).

    Overlapping windows correlate by construction; to compare FCD
    distributions use :func:`ks_distance` with ``k >= w / s`` to skip them.

    Parameters
    ----------
    x : xarray.DataArray
        Dims ``(..., time, region)`` with a time coordinate with ``units``.
    window, step : float or brainunit.Quantity, optional
        Window length and step in s, rounded to whole samples. Default window
        60 s, default step one sample.
    window_samples, step_samples : int, optional
        The same in samples (TRs for BOLD); exclusive with ``window``/``step``.
    discard, band, order, time_dim, space_dim
        As in :func:`fc` (discard and filter apply to the whole series first).

    Returns
    -------
    xarray.DataArray
        Dims ``(..., window_i, window_j)``; both coordinates are the window
        centre times in the unit of ``x``'s time coordinate.
        ``attrs`` record ``window_samples``, ``step_samples``, ``window_s``,
        ``step_s``.

    Raises
    ------
    AnalysisError
        A window longer than the series, fewer than 2 windows, fewer than 3
        regions, a window in which a region is constant, or the errors of
        :func:`fc`.

    Examples
    --------
    >>> import numpy as np, brainnet_cb as bn
    >>> x = bn.as_timeseries(np.random.default_rng(1).standard_normal((400, 5)), dt=1.0)
    >>> d = bn.fcd(x, window=60, step=20)
    >>> d.sizes["window_i"], float(d[0, 0])
    (18, 1.0)
    """
    s = as_series(x, time_dim=time_dim, space_dim=space_dim, need_time=True, discard=discard,
                  min_time=2)
    w = _n_samples(window, window_samples, s.dt, "window", default=60.0)
    st = _n_samples(step, step_samples, s.dt, "step", default=s.dt)
    T, n = s.n_time, s.values.shape[-1]
    if n < 3:
        raise AnalysisError(
            f"FCD needs at least 3 {s.sdim}s (the upper triangle of a window's FC must hold at "
            f"least 3 pairs to be correlated); got {n}."
        )
    if w < 3:
        raise AnalysisError(
            f"window must cover at least 3 samples to give a correlation; got {w} "
            f"(dt = {s.dt:g} s). Use a longer window."
        )
    if w > T:
        raise AnalysisError(
            f"window of {w} samples ({w * s.dt:g} s) is longer than the series: {T} samples "
            f"({T * s.dt:g} s) after discarding {to_seconds(discard, 'discard'):g} s. Use a "
            "shorter window or a longer series."
        )
    starts = np.arange(0, T - w + 1, st)
    if starts.size < 2:
        raise AnalysisError(
            f"window {w} samples and step {st} samples give {starts.size} window on a series "
            f"of {T} samples; FCD needs at least 2. Use a shorter window or step."
        )
    values = s.values if band is None else _filtered(s, band, order)
    lead = values.shape[:-2]
    flat = values.reshape((-1, T, n))
    iu = np.triu_indices(n, k=1)
    out = np.empty((flat.shape[0], starts.size, starts.size))
    for b in range(flat.shape[0]):
        ups = np.empty((starts.size, iu[0].size))
        for c0 in range(0, starts.size, 256):
            idx = starts[c0:c0 + 256, None] + np.arange(w)[None, :]
            win = flat[b][idx]                      # (chunk, w, n)
            ups[c0:c0 + 256] = _corr_last(win, s, "a window of x")[:, iu[0], iu[1]]
        out[b] = _corr_last(ups.T, None, "the windows' FC")
    out = out.reshape(lead + (starts.size, starts.size))
    tcoord = s.data[s.tdim]
    if s.tdim in s.data.coords:
        centres = np.asarray(tcoord.values, dtype=float)[starts] + (w - 1) / 2 * s.dt / s.seconds_per
        cattrs = {"units": tcoord.attrs["units"], "long_name": "window centre time"}
    else:  # pragma: no cover - need_time guarantees a coordinate
        centres, cattrs = starts.astype(float), {}
    lead_dims, lead_coords = _leading(s)
    coords = {**lead_coords, "window_i": ("window_i", centres, cattrs),
              "window_j": ("window_j", centres, cattrs)}
    attrs = {"long_name": "functional connectivity dynamics (corr. of window FCs)", "units": "1",
             "window_samples": int(w), "step_samples": int(st), "window_s": w * s.dt,
             "step_s": st * s.dt, "discard_s": to_seconds(discard, "discard")}
    if band is not None:
        low, high = BOLD_BAND if band is True else (float(b) for b in band)
        attrs.update(band_hz=[float(low), float(high)], filter_order=int(order))
    return xr.DataArray(out, dims=lead_dims + ("window_i", "window_j"), coords=coords, attrs=attrs)


# ----------------------------------------------------------------------------- comparisons
def _samples_of(m, name, k):
    """``(values (batch, m), lead dims, lead coords)`` of a matrix or sample argument."""
    values, da = _as_matrix_array(m, name)
    if values.ndim == 1:
        vals, dims, coords = values[None, :], (), {}
    elif values.ndim >= 2 and values.shape[-1] == values.shape[-2]:
        ups = _upper(values, k)
        vals = ups.reshape((int(np.prod(values.shape[:-2])), ups.shape[-1]))
        dims = da.dims[:-2] if da is not None else tuple(f"dim_{k}" for k in range(values.ndim - 2))
        coords = {d: da[d] for d in dims if d in da.coords} if da is not None else {}
    else:
        raise AnalysisError(
            f"{name} must be a square matrix (..., n, n) such as an FCD, or a 1-D array of "
            f"values; got shape {values.shape}."
        )
    if vals.shape[-1] == 0:
        raise AnalysisError(
            f"{name} gives no values: shape {values.shape} with k={k} leaves an empty upper "
            "triangle. Use a larger matrix or a smaller k."
        )
    if not np.all(np.isfinite(vals)):
        raise AnalysisError(f"{name} must be finite; it holds {int((~np.isfinite(vals)).sum())} NaN/inf values.")
    return vals, dims, coords, values.shape[:-2] if values.ndim >= 2 else ()


def ks_distance(a, b, *, k: int = 1) -> xr.DataArray:
    r"""Kolmogorov–Smirnov distance between two FCDs (or two samples).

    .. math:: D = \sup_x |F_a(x) - F_b(x)|

    with :math:`F` the empirical distribution functions of the upper-triangle
    values (diagonal offset ``k``) of each matrix; the statistic of
    :func:`scipy.stats.ks_2samp`. 0 for identical distributions, 1 for
    disjoint ones. Matrices of different sizes (runs of different lengths)
    compare fine.

    Parameters
    ----------
    a : xarray.DataArray or array_like, shape (..., m, m) or (p,)
        An FCD (leading dims give one distance each) or 1-D values.
    b : xarray.DataArray or array_like, shape (q, q) or (p,)
        One FCD (typically the empirical one) or 1-D values.
    k : int
        Diagonal offset of the upper triangles (``k = 1`` drops the diagonal;
        ``k >= window / step`` also drops overlapping windows).

    Returns
    -------
    xarray.DataArray
        The distance, with ``a``'s leading dims.

    Examples
    --------
    >>> import numpy as np, brainnet_cb as bn
    >>> rng = np.random.default_rng(0)
    >>> float(bn.ks_distance(rng.normal(size=500), rng.normal(size=800) + 10))
    1.0
    """
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise AnalysisError(f"k must be a positive integer diagonal offset; got {k!r}.")
    va, dims, coords, lead = _samples_of(a, "a", k)
    vb, _, _, lead_b = _samples_of(b, "b", k)
    if vb.shape[0] != 1:
        raise AnalysisError(
            f"b must be one matrix (q, q) or one 1-D sample; got leading dims {lead_b}. "
            "Compare against one reference at a time."
        )
    d = np.array([stats.ks_2samp(row, vb[0]).statistic for row in va]).reshape(lead)
    return xr.DataArray(d, dims=dims, coords=coords,
                        attrs={"long_name": "Kolmogorov-Smirnov distance", "units": "1", "k": int(k)})


def _aligned_pair(sim_da, emp_da, emp):
    """Reorder the empirical matrix to the simulated labels where both are labelled."""
    if sim_da is None or emp_da is None:
        return emp
    sd, ed = sim_da.dims[-2:], emp_da.dims[-2:]
    if not all(d in sim_da.coords for d in sd) or not all(d in emp_da.coords for d in ed):
        return emp
    sl = [str(v) for v in sim_da[sd[0]].values]
    el = [str(v) for v in emp_da[ed[0]].values]
    if [str(v) for v in emp_da[ed[1]].values] != el:
        raise AnalysisError(
            f"empirical's row and column labels differ ({ed[0]} vs {ed[1]}); an FC matrix has "
            "the same regions in the same order on both axes."
        )
    if sl == el:
        return emp
    missing = [v for v in sl if v not in el]
    extra = [v for v in el if v not in sl]
    if missing or extra or len(set(el)) != len(el):
        dup = sorted({v for v in el if el.count(v) > 1})
        raise AnalysisError(
            f"the region labels of simulated and empirical FC differ: missing from empirical "
            f"{missing[:10]}{' ...' if len(missing) > 10 else ''}, not in simulated "
            f"{extra[:10]}{' ...' if len(extra) > 10 else ''}"
            f"{f', repeated in empirical {dup}' if dup else ''}. Align them first "
            "(bn.align(empirical, connectome)) or simulate on the empirical regions."
        )
    pos = {v: i for i, v in enumerate(el)}
    order = np.array([pos[v] for v in sl])
    return emp[np.ix_(order, order)]


def fc_fit(simulated, empirical, *, fisher_z: bool = False) -> xr.Dataset:
    r"""How well a simulated FC matches an empirical one.

    With :math:`u^{sim}`, :math:`u^{emp}` the upper triangles (``k = 1``) of the
    two matrices (after :math:`z = \operatorname{artanh} r` if ``fisher_z``),

    .. math:: \rho = \mathrm{corr}(u^{sim}, u^{emp}), \qquad
              \mathrm{RMSE} = \sqrt{\tfrac{1}{P}\textstyle\sum_p (u^{sim}_p - u^{emp}_p)^2}.

    Labelled matrices are matched by region label (the empirical one is
    reordered to the simulated order).

    Parameters
    ----------
    simulated : xarray.DataArray or array_like, shape (..., n, n)
        Simulated FC; leading dims (sweep members) give one fit each.
    empirical : xarray.DataArray or array_like, shape (n, n)
        Empirical FC; square, symmetric, finite.
    fisher_z : bool
        Compare Fisher z values instead of correlations.

    Returns
    -------
    xarray.Dataset
        ``corr`` (Pearson of upper triangles) and ``rmse``, with the leading
        dims of ``simulated``.

    Examples
    --------
    >>> import numpy as np, brainnet_cb as bn
    >>> e = np.array([[1, .5, .2], [.5, 1, .1], [.2, .1, 1]])
    >>> fit = bn.fc_fit(e, e)
    >>> float(fit.corr), float(fit.rmse)
    (1.0, 0.0)
    """
    if not isinstance(fisher_z, (bool, np.bool_)):
        raise AnalysisError(f"fisher_z must be True or False; got {fisher_z!r}.")
    sim, sim_da = _as_matrix_array(simulated, "simulated")
    emp, emp_da = _as_matrix_array(empirical, "empirical")
    _check_fc_matrix(sim, "simulated")
    _check_fc_matrix(emp, "empirical", batch=False)
    if sim.shape[-1] != emp.shape[-1]:
        raise AnalysisError(
            f"simulated FC has {sim.shape[-1]} regions but empirical FC has {emp.shape[-1]}; "
            "they must describe the same regions. Align the empirical data to the connectome "
            "(bn.align) before simulating."
        )
    emp = _aligned_pair(sim_da, emp_da, emp)
    us, ue = _upper(sim), _upper(emp)
    if fisher_z:
        for name, u_ in (("simulated", us), ("empirical", ue)):
            if np.any(np.abs(u_) >= 1):
                raise AnalysisError(
                    f"{name} FC has off-diagonal correlations of ±1, whose Fisher z is infinite; "
                    "use fisher_z=False or remove duplicated regions."
                )
        us, ue = np.arctanh(us), np.arctanh(ue)
    if np.ptp(ue) == 0:
        raise AnalysisError(
            "empirical FC has identical off-diagonal values; its correlation with anything is "
            "undefined."
        )
    flat = np.ptp(us, axis=-1) == 0
    if flat.any():
        raise AnalysisError(
            "simulated FC has identical off-diagonal values (e.g. all 0: independent regions, or "
            f"all 1: synchronised); the correlation is undefined ({int(flat.sum())} matrices)."
        )
    sc = us - us.mean(axis=-1, keepdims=True)
    ec = ue - ue.mean()
    corr = (sc @ ec) / np.sqrt((sc * sc).sum(-1) * (ec @ ec))
    rmse = np.sqrt(((us - ue) ** 2).mean(-1))
    dims = sim_da.dims[:-2] if sim_da is not None else tuple(f"dim_{k}" for k in range(sim.ndim - 2))
    coords = {d: sim_da[d] for d in dims if d in sim_da.coords} if sim_da is not None else {}
    scale = "Fisher z" if fisher_z else "correlation"
    return xr.Dataset(
        {
            "corr": (dims, corr, {"long_name": f"FC fit: Pearson r of upper triangles ({scale})",
                                  "units": "1"}),
            "rmse": (dims, rmse, {"long_name": f"FC fit: RMSE of upper triangles ({scale})",
                                  "units": "1"}),
        },
        coords=coords,
        attrs={"fisher_z": int(bool(fisher_z)), "n_pairs": int(us.shape[-1])},
    )


# ----------------------------------------------------------------------------- spectra
def spectrum(x, *, segment=None, segment_samples=None, discard=0.0, detrend="constant",
             time_dim=None, space_dim=None) -> xr.DataArray:
    r"""Power spectral density by Welch's method (:func:`scipy.signal.welch`).

    Hann-windowed segments of ``L`` samples with 50 % overlap; the PSD is
    one-sided, ``"density"`` scaled, so :math:`\int_0^{f_s/2} S(f)\,df` is the
    variance (a sinusoid of amplitude ``A`` has power ``A^2 / 2``). The
    frequency resolution is :math:`f_s / L`.

    Parameters
    ----------
    x : xarray.DataArray
        Dims ``(..., time, region)`` with a time coordinate with ``units``.
    segment : float or brainunit.Quantity, optional
        Segment length in s; default 256 samples (or the whole series if shorter).
    segment_samples : int, optional
        The segment length in samples (exclusive with ``segment``).
    discard, time_dim, space_dim
        As in :func:`fc`.
    detrend : {"constant", "linear", False}
        Per-segment detrending (:func:`scipy.signal.welch`).

    Returns
    -------
    xarray.DataArray
        Dims ``(..., frequency, region)``, frequency in Hz, units
        ``"(<units of x>)^2/Hz"``.

    Examples
    --------
    >>> import numpy as np, brainnet_cb as bn
    >>> t = np.arange(4000) * 1e-3                                   # 1 kHz sampling
    >>> x = bn.as_timeseries(np.sin(2 * np.pi * 12 * t)[:, None], dt=1e-3)
    >>> float(bn.peak_frequency(x, segment=1.0).squeeze())
    12.0
    """
    s = as_series(x, time_dim=time_dim, space_dim=space_dim, need_time=True, discard=discard)
    if segment is None and segment_samples is None:
        L = min(256, s.n_time)
    else:
        L = _n_samples(segment, segment_samples, s.dt, "segment")
        if L < 2 or L > s.n_time:
            raise AnalysisError(
                f"segment of {L} samples must be between 2 and the series length {s.n_time} "
                f"samples ({s.n_time * s.dt:g} s)."
            )
    if detrend not in ("constant", "linear", False):
        raise AnalysisError(f"detrend must be 'constant', 'linear' or False; got {detrend!r}.")
    f, p = signal.welch(s.values, fs=s.fs, nperseg=L, detrend=detrend, axis=-2)
    lead_dims, lead_coords = _leading(s)
    coords = {**lead_coords, "frequency": ("frequency", f, {"units": "Hz", "long_name": "frequency"})}
    if s.labels is not None:
        coords[s.sdim] = s.labels
    xu = s.data.attrs.get("units", "1")
    return xr.DataArray(
        p, dims=lead_dims + ("frequency", s.sdim), coords=coords,
        attrs={"long_name": f"power spectral density of {s.data.attrs.get('long_name', s.data.name or 'x')}",
               "units": f"({xu})^2/Hz", "segment_samples": int(L), "resolution_hz": s.fs / L},
    )


def peak_frequency(x, *, band=None, **spectrum_kwargs) -> xr.DataArray:
    """Frequency of the largest spectral power, per region.

    Parameters
    ----------
    x : xarray.DataArray
        A time series (its :func:`spectrum` is computed with
        ``spectrum_kwargs``) or a spectrum with a ``frequency`` dim.
    band : (float, float), optional
        Search only ``low <= f <= high`` (Hz). Default: every frequency above 0.

    Returns
    -------
    xarray.DataArray
        Dims ``(..., region)``, in Hz; accurate to the resolution ``fs / L``
        (``attrs["resolution_hz"]``).
    """
    if isinstance(x, xr.DataArray) and "frequency" in x.dims:
        if spectrum_kwargs:
            raise AnalysisError(
                f"x is already a spectrum; spectrum options {sorted(spectrum_kwargs)} do not apply."
            )
        psd = x
    else:
        psd = spectrum(x, **spectrum_kwargs)
    f = np.asarray(psd["frequency"].values, dtype=float)
    if band is None:
        mask = f > 0
    else:
        try:
            low, high = (float(v) for v in band)
        except (TypeError, ValueError):
            raise AnalysisError(f"band must be a pair (low, high) in Hz; got {band!r}.") from None
        mask = (f >= low) & (f <= high)
    if not mask.any():
        raise AnalysisError(
            f"no frequency of the spectrum lies in band={band!r}; it spans {f.min():g} to "
            f"{f.max():g} Hz in steps of {f[1] - f[0] if f.size > 1 else 0:g} Hz."
        )
    sub = psd.isel(frequency=np.flatnonzero(mask))
    peak = sub.idxmax("frequency")
    peak.attrs = {"long_name": "peak frequency", "units": "Hz",
                  "resolution_hz": float(psd.attrs.get("resolution_hz", f[1] - f[0]))}
    return peak.drop_vars("frequency", errors="ignore")
