"""Helpers shared by the xarray analysis modules: correlation of columns, matrix checks,
pair coordinates, upper triangles, the zero-phase band-pass of a series, durations in samples."""

from __future__ import annotations

import numpy as np
import pandas as pd  # imported by xarray in any case
import xarray as xr

from ..errors import AnalysisError
from .filters import check_record
from .timeseries import space_label, to_seconds

__all__ = [
    "leading",
    "corr_last",
    "pair_coords_of",
    "as_matrix_array",
    "has_spread",
    "labelled_matrix",
    "check_fc_matrix",
    "upper",
    "filtered",
    "n_samples",
]


def leading(series):
    """Dims and coords of the leading (batch) dims of a series' DataArray."""
    x = series.data
    dims = x.dims[:-2]
    coords = {d: x[d] for d in dims if d in x.coords}
    return dims, coords


def corr_last(values, series=None, what="x", scale=None):
    """Pearson correlation of the columns of ``values[..., T, N]`` -> ``[..., N, N]``.

    A column whose spread is below ``1e-12`` of ``scale`` (``[..., N]``; default its own largest absolute
    value) is refused as constant: pass the unfiltered series' ``max |x|`` where ``values`` is band-passed,
    whose output of a constant region is round-off (~1e-28) with a spread of its own."""
    xc = values - values.mean(axis=-2, keepdims=True)
    # a contiguous transpose keeps stacked matmuls on the BLAS path
    cov = np.ascontiguousarray(np.swapaxes(xc, -1, -2)) @ xc
    var = np.diagonal(cov, axis1=-2, axis2=-1)
    if scale is None:
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


def pair_coords_of(series, suffixes=("_i", "_j")):
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


def _frame_labels(frame, name, error, kind="an FC matrix"):
    """The region labels of a DataFrame: its columns, its index, or both where they agree; None where both are
    the positions 0..n-1 (``pandas.DataFrame(array)``, also written to CSV and read back)."""

    rows, cols = [str(v) for v in frame.index], [str(v) for v in frame.columns]
    positions = [str(k) for k in range(len(rows))]  # the frame is square
    if positions != rows and positions != cols and rows != cols:
        raise error(f"{name}: the row labels {rows[:3]}... differ from the column labels {cols[:3]}...; {kind} "
                    "lists the same regions in the same order on both axes.")
    return cols if cols != positions else rows if rows != positions else None


def has_spread(u) -> bool:
    """Whether the entries ``u`` differ by more than round-off (a relative 1e-9): else a correlation is undefined."""
    return bool(np.ptp(u) > 1e-9 * np.max(np.abs(u)))


def check_correlatable(entries, name, error, *, pairs="pair(s) of regions", every="pair of regions", fix=""):
    """Raise ``error`` where the FC ``entries`` (pairs of regions) are fewer than 3 or all equal.

    No correlation with them is defined. ``name`` names the FC, ``pairs`` and
    ``every`` say which pairs were counted (``"fitted pair(s) of regions"``),
    and ``fix`` ends the message on too few pairs.
    """
    entries = np.asarray(entries)
    if entries.size < 3:
        raise error(f"{name} has {entries.size} {pairs}; a correlation needs at least 3{fix}.")
    if not has_spread(entries):
        raise error(f"{name} has the same value ({entries[0]:.6g}) at every {every}, so its correlation with any "
                    "model FC is undefined; pass the FC matrix of the data (e.g. bn.read_fc or bn.fc_matrix of a "
                    "correlation matrix).")


def is_number(v) -> bool:
    try:
        float(v)
    except (TypeError, ValueError):
        return False
    return True


def labelled_matrix(m, name, error=AnalysisError, kind="an FC matrix"):
    """A square matrix argument as a DataArray ``(region_i, region_j)`` carrying its region labels, or ``m``
    unchanged where it carries none.

    Labels come from a pandas DataFrame (its columns, or its index; where
    both are given they must agree; the positions 0..n-1 are no labels) or
    from the coordinates of a 2-D DataArray whatever its dims are called (an
    FC from another toolbox, e.g. dims ``("roi", "roi2")``; where one dim
    has them, both axes take them). A DataArray with dims
    ``(region_i, region_j)`` labelled on both, and a matrix that is not
    square, are returned as they are (a DataFrame as its array). A DataFrame of n rows and n + 1
    columns whose first column holds names (a CSV read without
    ``index_col=0``) raises ``error``. ``kind`` names the matrix in messages.
    """
    if isinstance(m, pd.DataFrame):
        rows, cols = m.shape
        if cols == rows + 1 and rows and not pd.api.types.is_numeric_dtype(m.iloc[:, 0]):
            raise error(f"{name}: a DataFrame of {rows} rows and {cols} columns whose first column holds names "
                        f"({m.iloc[0, 0]!r}, ...): read the file with pandas.read_csv(path, index_col=0).")
        if rows != cols:  # not a matrix over regions (a time series?): refused as such downstream
            return m.to_numpy()
        labels = _frame_labels(m, name, error, kind)
        if labels is None:
            return m.to_numpy()
        values = m.to_numpy()
    elif isinstance(m, xr.DataArray) and m.ndim == 2 and m.shape[0] == m.shape[1]:
        found = [[str(v) for v in m[d].values] for d in m.dims if d in m.coords]
        if not found or (m.dims == ("region_i", "region_j") and len(found) == 2):
            return m
        if len(found) == 2 and found[0] != found[1]:
            raise error(f"{name}: the labels of its dims {m.dims[0]!r} and {m.dims[1]!r} differ; {kind} "
                        "lists the same regions in the same order on both axes.")
        labels, values = found[0], m.values
    else:
        return m
    try:  # an object-dtype frame (e.g. numbers read as text) becomes numbers
        values = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise error(f"{name} must hold numbers; its entries include "
                    f"{next(v for v in np.ravel(values) if not is_number(v))!r}.") from None
    return xr.DataArray(values, dims=("region_i", "region_j"),
                        coords={"region_i": labels, "region_j": labels}, attrs=getattr(m, "attrs", {}))


def as_matrix_array(m, name):
    """``(values, dataarray_or_None)`` of a matrix argument (DataArray, DataFrame or array-like)."""
    if isinstance(m, pd.DataFrame):
        m = labelled_matrix(m, name)
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


def check_fc_matrix(values, name, *, batch=True, missing=False):
    """Square (over the last two axes), finite and symmetric off the diagonal (the diagonal is not data);
    ``missing``: NaN allowed off the diagonal in symmetric pairs (a missing pair)."""
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
    off = ~np.eye(values.shape[-1], dtype=bool)
    gap = np.isnan(values) & off if missing else np.zeros(values.shape, bool)
    bad = ~np.isfinite(values) & off & ~gap
    if bad.any():
        idx = tuple(int(k) for k in np.argwhere(bad)[0])
        raise AnalysisError(
            f"{name} must be finite off the diagonal; got {values[idx]} at {idx} ({int(bad.sum())} non-finite "
            "entries)."
        )
    one_way = gap != np.swapaxes(gap, -1, -2)
    if one_way.any():
        idx = tuple(int(k) for k in np.argwhere(one_way)[0])
        raise AnalysisError(f"{name} has a missing pair (NaN) one way only, at {idx}: a missing pair is NaN at "
                            "[i, j] and [j, i].")
    with np.errstate(invalid="ignore"):  # inf - inf on a diagonal of inf
        asym = np.where(off & ~gap, np.abs(values - np.swapaxes(values, -1, -2)), 0.0)
    if asym.max() > 1e-6 * max(1.0, np.abs(np.where(off & ~gap, values, 0.0)).max()):
        idx = tuple(int(v) for v in np.unravel_index(np.argmax(asym), asym.shape))
        raise AnalysisError(
            f"{name} must be symmetric (FC[i, j] == FC[j, i]); the largest difference is "
            f"{asym.max():.3g} at {idx}. Pass a correlation matrix, or symmetrize it with "
            "(m + m.T) / 2 if the asymmetry is rounding."
        )


def upper(values, k=1):
    n = values.shape[-1]
    iu = np.triu_indices(n, k=k)
    return values[..., iu[0], iu[1]]


# ----------------------------------------------------------------------------- filters
def filtered(series, band, order, name=None):
    """``series`` band-passed (zero phase), checked first (:func:`~brainnet_cb.analysis.filters.check_record`);
    messages name it ``name``, by default its DataArray's name (``'bold'``), else ``x``."""
    if name is None:
        name = "x" if series.data.name is None else repr(series.data.name)
    sos = check_record(series.n_time, series.fs, band, order, name)
    from scipy import signal  # noqa: PLC0415 - SciPy loads on first use (~44 MB)

    return signal.sosfiltfilt(sos, series.values, axis=-2)


def n_samples(value, value_samples, dt, name, default=None):
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
