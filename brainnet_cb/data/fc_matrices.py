"""An empirical FC matrix: checked square, symmetric and finite off the diagonal, and labelled (:func:`fc_matrix`).

A missing pair (NaN at ``[i, j]`` and ``[j, i]``) is kept only where the
caller asks (``missing=True``); a labelled input (a pandas DataFrame, an
xarray.DataArray) keeps its labels.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from ..analysis.common import labelled_matrix
from ..errors import DataError
from .array_files import numeric_values
from .region_labels import checked_labels, label_strings

#: How a refused missing pair is explained where the caller can keep missing pairs (``missing=True``).
KEEP_MISSING = ("; or pass missing=True to keep them as missing pairs (NaN), which bn.fit_working_point, "
                "bn.sweep, bn.fit_grid, bn.fit_nelder_mead and bn.fc_fit leave out")


#: Decimals a text file may round an FC to (a step of 10**-d) whose rounding may differ between [i, j] and [j, i].
ROUNDED_DECIMALS = range(2, 7)


def _rounding_step(values) -> float:
    """The step 10**-d of the fewest decimals d in :data:`ROUNDED_DECIMALS` that every one of ``values`` is written
    with (a CSV of rounded numbers; one unit of the last decimal, plus round-off, is then the asymmetry that rounding
    an asymmetric float32 copy gives), else 0."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    for d in ROUNDED_DECIMALS:
        scaled = v * 10.0**d
        if v.size and np.all(np.abs(scaled - np.round(scaled)) <= 1e-6 * np.maximum(1.0, np.abs(scaled)) + 1e-9):
            return 10.0**-d * (1 + 1e-6)
    return 0.0


def check_square_symmetric(m, source, missing=False, hint=KEEP_MISSING):
    """Refuse a matrix that is not square, symmetric and finite off the diagonal (``missing``: NaN allowed off it
    in symmetric pairs, a missing pair; ``hint`` ends the message of a refused NaN)."""
    if m.ndim == 3 and m.shape[1] == m.shape[2]:
        raise DataError(
            f"empirical FC must be a square (n, n) matrix; got shape {m.shape} from {source}, a stack of "
            f"{m.shape[0]} FCs (one per subject?). Pass their group mean (e.g. fc.mean(axis=0), or "
            "fc.mean('subject') of a DataArray), or fit each one."
        )
    if m.ndim == 2 and max(m.shape) >= 2 * min(m.shape) >= 4:  # many more samples than regions: a series
        regions, layout = min(m.shape), "" if m.shape[0] > m.shape[1] else ", layout='region_time'"
        raise DataError(
            f"empirical FC must be a square (n, n) matrix; got shape {m.shape} from {source}, a time series of "
            f"{regions} regions? Pass its FC: bn.fc(bn.as_timeseries(series, tr{layout})) (band=True to band-pass "
            "it first; bn.read_timeseries(path, tr) reads a file of one)."
        )
    if m.ndim != 2 or m.shape[0] != m.shape[1]:
        raise DataError(
            f"empirical FC must be a square (n, n) matrix; got shape {m.shape} from {source}. "
            "Pass the full matrix, not an upper triangle or a time series (see read_timeseries)."
        )
    if m.shape[0] == 0:
        raise DataError(f"empirical FC must describe at least one region; got an empty matrix, shape {m.shape}, "
                        f"from {source}.")
    off = ~np.eye(len(m), dtype=bool)  # the diagonal is not data (NaN or, after Fisher's z, inf in some toolboxes)
    gap = np.isnan(m) & off
    bad = ~np.isfinite(m) & off
    if missing:  # (not ``~False``: Python 3.12 deprecates ~ on a bool, and the warning reached the CLI's output)
        bad &= ~gap
    if bad.any():
        i, j = np.argwhere(bad)[0]
        pairs = np.array_equal(bad, np.isnan(m) & off) and np.array_equal(bad, bad.T)  # missing=True would take them
        raise DataError(f"empirical FC must be finite off the diagonal; got {m[i, j]} at [{i}, {j}] from {source} "
                        f"({int(bad.sum())} non-finite entries). Drop the regions without data from the FC "
                        f"and the connectome (Connectome.subset), or fill them{hint if pairs else ''}.")
    if (gap != gap.T).any():
        i, j = np.argwhere(gap != gap.T)[0]
        raise DataError(f"empirical FC must be symmetric; FC[{i}, {j}] = {m[i, j]:.6g} but FC[{j}, {i}] = "
                        f"{m[j, i]:.6g} (from {source}): a missing pair is missing both ways (NaN at [i, j] and "
                        "[j, i]).")
    with np.errstate(invalid="ignore"):  # inf - inf on a diagonal of inf
        diff = np.abs(m - m.T)
    diff[~off | gap] = 0.0
    if diff.max() > max(1e-6 * max(1.0, np.abs(np.where(~off | gap, 0.0, m)).max()), _rounding_step(m[off & ~gap])):
        i, j = np.unravel_index(np.argmax(diff), diff.shape)
        raise DataError(
            f"empirical FC must be symmetric; FC[{i}, {j}] = {m[i, j]:.6g} but FC[{j}, {i}] = "
            f"{m[j, i]:.6g} (from {source}). Check that the file holds a correlation matrix; "
            "symmetrize with (m + m.T) / 2 only if the difference is rounding."
        )


def fc_matrix(values, labels=None, *, source="the array", missing=False) -> xr.DataArray:
    r"""Wrap a square, symmetric matrix as a labelled DataArray ``(region_i, region_j)``.

    For an empirical FC held in memory, or the structural weights when they
    serve as the structure-function baseline (``bn.fc_fit(bn.fc_matrix(
    conn.weights, conn.labels), empirical_fc, check_range=False)``: weights
    are not correlations and may exceed 1). Raises :class:`DataError` on a non-square,
    non-finite or non-symmetric matrix or bad labels. The diagonal is not
    data: a non-finite one (NaN from some toolboxes, ``inf`` after Fisher's
    z) is set to 1 in the returned matrix; off-diagonal entries must be
    finite, except that with ``missing=True`` NaN marks a missing pair (NaN
    at ``[i, j]`` and ``[j, i]``: a region without signal, a pair a study
    left out), kept as NaN for the fits that leave missing pairs out
    (:func:`brainnet_cb.fit_working_point`, ``sweep``, ``fit_grid``,
    ``fit_nelder_mead``, ``fc_fit``).

    A labelled input keeps its labels: a pandas DataFrame's columns and/or
    index (not the positions 0..n-1), a DataArray's coordinates (dims
    ``(region_i, region_j)`` or any others). With ``labels=`` too, the
    matrix is reordered to them where they are the same regions, and
    refused (naming the difference) where they are not.

    Parameters
    ----------
    values : array_like, pandas.DataFrame or xarray.DataArray
        An ``(n, n)`` matrix, symmetric to rounding, e.g. Pearson
        correlations :math:`FC_{ij} = \mathrm{corr}(x_i, x_j)` (unit 1).
    labels : sequence of str, optional
        ``n`` unique region labels (``region_i`` and ``region_j``
        coordinates); default the input's own labels, else none.
    source : str, default "the array"
        Where the matrix came from, for the messages and ``attrs["source"]``.
    missing : bool, default False
        Keep NaN off the diagonal as missing pairs (in symmetric pairs).

    Returns
    -------
    xarray.DataArray
        Dims ``(region_i, region_j)``, float64, diagonal 1 where it was not
        finite; ``attrs``: ``long_name``, ``units = "1"``, ``source``.

    Raises
    ------
    DataError
        On a non-square, non-finite (without ``missing``) or non-symmetric
        matrix, or labels that are not ``n`` unique strings or name other
        regions than the input's own.

    Examples
    --------
    >>> import numpy as np, pandas as pd, brainnet_cb as bn
    >>> fc = bn.fc_matrix(np.array([[np.nan, 0.3], [0.3, np.nan]]), ["L", "R"], source="study.csv")
    >>> fc.values.tolist(), fc.attrs["source"]
    ([[1.0, 0.3], [0.3, 1.0]], 'study.csv')
    >>> df = pd.DataFrame([[1.0, 0.2], [0.2, 1.0]], index=["L", "R"], columns=["L", "R"])
    >>> bn.fc_matrix(df, ["R", "L"]).region_i.values.tolist()
    ['R', 'L']
    """
    values, labels = _own_labels(values, labels, source)
    return fc_matrix_with_hint(values, labels, source, missing, KEEP_MISSING)


def _own_labels(values, labels, source):
    """``(values, labels)``: a labelled matrix's own labels, the matrix reordered to ``labels`` where both are
    given (the same regions), refused where they differ."""
    if not isinstance(values, (pd.DataFrame, xr.DataArray)):
        return values, labels
    m = labelled_matrix(values, source, DataError)
    if (not isinstance(m, xr.DataArray) or m.ndim != 2 or m.shape[0] != m.shape[1]
            or not all(d in m.coords for d in m.dims)):  # no labels, or not a matrix (refused as such below)
        return (m.values if isinstance(m, xr.DataArray) else m), labels
    rows, cols = (label_strings(m[d].values) for d in m.dims)
    if rows != cols:
        raise DataError(f"{source}: its row labels {list(rows[:3])}... differ from its column labels "
                        f"{list(cols[:3])}...; an FC matrix lists the same regions in the same order on both axes.")
    own = checked_labels(rows, len(rows), source)
    if labels is None:
        return m.values, own
    given = checked_labels(labels, len(own), source)
    if given == own:
        return m.values, own
    if set(given) != set(own):
        lacking = [v for v in own if v not in set(given)]
        extra = [v for v in given if v not in set(own)]
        raise DataError(f"{source} carries its own region labels, and labels= names other regions: its "
                        f"{lacking} are not in labels=, and labels= has {extra}, which it lacks. Pass labels= with "
                        "its regions (in any order, to reorder it), or leave labels= out.")
    idx = [own.index(v) for v in given]
    return m.values[np.ix_(idx, idx)], given


def fc_matrix_with_hint(values, labels, source, missing, hint):
    """:func:`fc_matrix`, a refused NaN explained by ``hint``."""
    m = numeric_values(values, source, "an FC matrix")
    check_square_symmetric(m, source, missing, hint)
    diagonal = np.diagonal(m)
    if not np.all(np.isfinite(diagonal)):
        np.fill_diagonal(m, np.where(np.isfinite(diagonal), diagonal, 1.0))
    lab = checked_labels(labels, m.shape[0], source)
    coords = {}
    if lab is not None:
        coords = {d: (d, list(lab), {"long_name": "brain region"}) for d in ("region_i", "region_j")}
    return xr.DataArray(m, dims=("region_i", "region_j"), coords=coords,
                        attrs={"long_name": "empirical functional connectivity", "units": "1",
                               "source": str(source)})
