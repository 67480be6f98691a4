"""Empirical data from files: :func:`read_fc` and :func:`read_timeseries`.

``.npy``, ``.npz``, ``.csv``/``.tsv``/``.txt`` and MATLAB ``.mat`` (v5/v7),
region labels from the file (a header row, a first column, a variable of
labels) or from ``labels=``, the two checked against each other.
"""

from __future__ import annotations

import os
import pathlib

import numpy as np
import xarray as xr

from ..analysis.timeseries import to_seconds
from ..errors import ConnectomeError, DataError
from ..units import is_quantity
from .array_files import checked_stored_labels, data_file, numeric_values, read_array
from .fc_matrices import check_square_symmetric, fc_matrix
from .files import read_label_lines, read_text
from .region_labels import checked_labels, label_strings
from .timeseries import LAYOUTS, as_timeseries


def _labels_file(labels, n, p):
    """``labels=`` as given, or read from the labels file it names (one label per line, as
    :func:`brainnet_cb.io.read_matrix` reads it), checked to hold one label for each of the ``n`` regions of
    ``p``."""
    if not isinstance(labels, (str, os.PathLike)):
        return labels
    f = pathlib.Path(os.fspath(labels)).expanduser()
    if not f.is_file():
        raise DataError(f"labels must be a sequence of {n} strings or the path of a labels file (one label per "
                        f"line); {os.fspath(labels)!r} is not a file. Check the path and the working directory.")
    try:
        given = read_label_lines(read_text(f), f"'{f}'")
    except ConnectomeError as e:
        raise DataError(str(e)) from None
    if len(given) != n:
        raise DataError(f"'{f}' holds {len(given)} labels (one per line: {given[:3]}...) for the {n} regions of "
                        f"'{p.name}'; give one label per line, one line per region in the file's order (a header "
                        "line is read as a label: remove it).")
    return given


def _file_labels(given, cols, rows, n, p):
    found = cols if cols is not None else rows
    if cols is not None and rows is not None and list(cols) != list(rows):
        raise DataError(f"'{p.name}': the row labels differ from the column labels; an FC matrix "
                        "lists the same regions in the same order on both axes.")
    if given is not None and found is not None and list(label_strings(given)) != list(found):
        raise DataError(f"'{p.name}' names its regions {list(found)[:5]}...; labels= gives "
                        f"{list(label_strings(given))[:5]}.... Pass one or the other.")
    return checked_labels(given if given is not None else found, n, f"'{p.name}'")


def read_fc(path, *, labels=None, key=None, delimiter=None, missing=False) -> xr.DataArray:
    """Read an empirical FC matrix.

    Parameters
    ----------
    path : str or os.PathLike
        ``.npy``; ``.npz`` or ``.mat`` (``key`` names the variable when there
        are several); ``.csv``/``.tsv``/``.txt`` (comma, tab or whitespace
        separated; an optional header row and/or first column of region names).
    labels : sequence of str or path, optional
        Region labels in row order (when the file has none), or a text file
        of them, one per line (as :func:`brainnet_cb.io.read_matrix` reads
        it).
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
        the sweeps and grid fits leave them out. An empty cell of a text
        table is such a NaN (pandas' ``to_csv`` writes NaN as one).
        ``False``: refused.

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
    m, cols, rows, (variable, stored) = read_array(p, suffix, key, delimiter, "FC matrix",
                                                   np.nan if missing else None)  # pandas writes NaN as ""
    m = numeric_values(m, f"'{p.name}'", "an FC matrix")
    check_square_symmetric(m, f"'{p.name}'", missing)
    if stored is not None:
        cols = checked_stored_labels(stored, m.shape[0], p, variable)
    lab = _file_labels(_labels_file(labels, m.shape[0], p), cols, rows, m.shape[0], p)
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
    if is_quantity(tr):  # a quantity of another dimension is named tr here (as_timeseries calls it dt)
        to_seconds(tr, "tr", allow_zero=False, error=DataError)
    p, suffix = data_file(path)
    v, cols, rows, (variable, stored) = read_array(p, suffix, key, delimiter, "time series")
    v = numeric_values(v, f"'{p.name}'", "a time series")
    if v.ndim != 2:
        raise DataError(f"a time series must be 2-D (time, region); got shape {v.shape} from '{p.name}'.")
    if stored is not None:  # a variable of region labels beside the series: the labels= the file gives itself
        if labels is not None and list(label_strings(labels)) != stored:
            raise DataError(f"'{p.name}' stores its region labels {stored[:5]}... in its variable {variable!r}; "
                            f"labels= gives {list(label_strings(labels))[:5]}.... Pass one or the other.")
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
    if labels is not None and found is not None and list(label_strings(labels)) != list(found):
        raise DataError(f"'{p.name}' names its regions {list(found)[:5]}...; labels= gives "
                        f"{list(label_strings(labels))[:5]}.... Pass one or the other.")
    lab = checked_labels(labels if labels is not None else found, n, f"'{p.name}'")
    bad = ~np.isfinite(v)
    if bad.any():
        raise DataError(f"'{p.name}' holds {int(bad.sum())} non-finite values; a time series must be finite.")
    out = as_timeseries(v, tr, labels=lab, layout=layout, long_name=long_name)
    out.attrs["source"] = str(p)
    return out
