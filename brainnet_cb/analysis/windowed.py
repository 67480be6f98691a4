r"""FC dynamics (Hansen et al. 2015): FC in sliding windows (FCD) and the Kolmogorov–Smirnov
distance of two FCDs. See :mod:`brainnet_cb.analysis` for the definitions."""

from __future__ import annotations

import numpy as np
import xarray as xr

from ..errors import AnalysisError
from .common import as_matrix_array, corr_last, filtered, leading, n_samples, upper
from .filters import check_band
from .timeseries import as_series, to_seconds

__all__ = ["fcd", "ks_distance"]


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

    References
    ----------
    .. [1] E. C. A. Hansen, D. Battaglia, A. Spiegler, G. Deco, V. K. Jirsa (2015).
       Functional connectivity dynamics: modeling the switching behavior of the
       resting state. *NeuroImage* 105, 525–535.

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
    w = n_samples(window, window_samples, s.dt, "window", default=60.0)
    st = n_samples(step, step_samples, s.dt, "step", default=s.dt)
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
    values = s.values if band is None else filtered(s, band, order)
    lead = values.shape[:-2]
    flat = values.reshape((-1, T, n))
    raw = s.values.reshape((-1, T, n))  # a constant region band-passes to round-off: judge spreads against x
    iu = np.triu_indices(n, k=1)
    out = np.empty((flat.shape[0], starts.size, starts.size))
    for b in range(flat.shape[0]):
        ups = np.empty((starts.size, iu[0].size))
        for c0 in range(0, starts.size, 256):
            idx = starts[c0:c0 + 256, None] + np.arange(w)[None, :]
            win = flat[b][idx]                      # (chunk, w, n)
            scale = None if band is None else np.max(np.abs(raw[b][idx]), axis=-2)
            ups[c0:c0 + 256] = corr_last(win, s, "a window of x", scale)[:, iu[0], iu[1]]
        out[b] = corr_last(ups.T, None, "the windows' FC")
    out = out.reshape(lead + (starts.size, starts.size))
    tcoord = s.data[s.tdim]
    if s.tdim in s.data.coords:
        centres = np.asarray(tcoord.values, dtype=float)[starts] + (w - 1) / 2 * s.dt / s.seconds_per
        cattrs = {"units": tcoord.attrs["units"], "long_name": "window centre time"}
    else:  # pragma: no cover - need_time guarantees a coordinate
        centres, cattrs = starts.astype(float), {}
    lead_dims, lead_coords = leading(s)
    coords = {**lead_coords, "window_i": ("window_i", centres, cattrs),
              "window_j": ("window_j", centres, cattrs)}
    attrs = {"long_name": "functional connectivity dynamics (corr. of window FCs)", "units": "1",
             "window_samples": int(w), "step_samples": int(st), "window_s": w * s.dt,
             "step_s": st * s.dt, "discard_s": to_seconds(discard, "discard")}
    if band is not None:
        low, high = check_band(band, s.fs, order)
        attrs.update(band_hz=[float(low), float(high)], filter_order=int(order))
    return xr.DataArray(out, dims=lead_dims + ("window_i", "window_j"), coords=coords, attrs=attrs)


# ----------------------------------------------------------------------------- comparisons
def _samples_of(m, name, k):
    """``(values (batch, m), lead dims, lead coords)`` of a matrix or sample argument."""
    values, da = as_matrix_array(m, name)
    if values.ndim == 1:
        vals, dims, coords = values[None, :], (), {}
    elif values.ndim >= 2 and values.shape[-1] == values.shape[-2]:
        ups = upper(values, k)
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

    References
    ----------
    .. [1] E. C. A. Hansen, D. Battaglia, A. Spiegler, G. Deco, V. K. Jirsa (2015).
       Functional connectivity dynamics: modeling the switching behavior of the
       resting state. *NeuroImage* 105, 525–535 (FCDs compared by their KS distance).

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
    from scipy import stats  # noqa: PLC0415 - SciPy loads on first use (~44 MB)

    d = np.array([stats.ks_2samp(row, vb[0]).statistic for row in va]).reshape(lead)
    return xr.DataArray(d, dims=dims, coords=coords,
                        attrs={"long_name": "Kolmogorov-Smirnov distance", "units": "1", "k": int(k)})
