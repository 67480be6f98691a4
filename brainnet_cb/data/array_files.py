"""Reading one array of numbers from a data file: ``.npy``, ``.npz``, ``.csv``/``.tsv``/``.txt`` and MATLAB ``.mat``.

The file layer of :func:`~brainnet_cb.read_fc` and
:func:`~brainnet_cb.read_timeseries`: which file types are read, which
variable of a ``.npz`` / ``.mat`` file holds the data, the region labels a
file stores beside it, and a clear :class:`~brainnet_cb.DataError` for a
file that is missing, damaged, pickled or not numbers.
"""

from __future__ import annotations

import os
import pathlib
import zipfile
import zlib

import numpy as np
import scipy.io

from .._checks import real_numbers
from .._safe_read import damage, reading
from ..analysis.common import is_number
from ..errors import DataError
from .io.matlab import MAT_DAMAGE_ERRORS
from .tables import SAVE_AS_UTF8, not_utf8, parse_table, read_utf8

#: What a file holds, with its article (for messages).
ARTICLES = {"FC matrix": "an FC matrix"}
#: The file types read.
SUFFIXES = (".npy", ".npz", ".csv", ".tsv", ".txt", ".mat")


def numeric_values(values, source, what, fix="Convert it to numbers first."):
    """``values`` as a float array (a copy); refused (:class:`DataError`) where they are not numbers.

    ``source`` names them in the message, ``what`` says what they should be
    (``"an FC matrix"``) and ``fix`` ends it.
    """
    values = real_numbers(values, source, DataError, what)
    try:
        return np.array(values, dtype=float)
    except (TypeError, ValueError):
        pass
    try:
        raw = np.asarray(values, dtype=object)
    except (TypeError, ValueError):  # ragged nested sequences
        raise DataError(f"{source} is not a table of numbers (rows of different lengths?); {what} must hold "
                        "numbers in rows of one length.") from None
    example = next((v for v in raw.ravel() if not is_number(v)), None)
    held = "text" if isinstance(example, str) else "entries that are not numbers"
    if isinstance(example, np.ndarray):
        held, example = "arrays as entries (a MATLAB cell array or struct?)", example.tolist()
    raise DataError(f"{source} holds {held}, not numbers (e.g. {example!r}); {what} must hold numbers. {fix}")



def data_file(path):
    try:
        p = pathlib.Path(os.fspath(path)).expanduser()  # ~/data/sc.csv, as pandas and the CLI read it
    except TypeError:
        raise DataError(f"path must be a str or os.PathLike; got {type(path).__name__}.") from None
    if p.is_dir():
        raise DataError(f"'{p}' is a folder, not a file; pass the data file itself.")
    if not p.is_file():
        raise DataError(f"file not found: '{p}'. Check the path and the working directory.")
    suffix = p.suffix.lower()
    if suffix not in SUFFIXES:
        raise DataError(f"cannot read '{p.name}': unknown file type {suffix!r}; expected one of {SUFFIXES}.")
    return p, suffix


def pick_array(arrays, key, p, kind):
    """One array from a dict of named arrays (npz / mat)."""
    names = sorted(k for k in arrays if not k.startswith("__"))
    if key is not None:
        if key not in arrays:
            raise DataError(f"'{p.name}' has no variable {key!r}; its variables are {names}. Pass one of them "
                            "as key=.")
        return arrays[key]
    numeric = [k for k in names if np.asarray(arrays[k]).dtype.kind in "fiub" and np.ndim(arrays[k]) == 2]
    if len(numeric) != 1:
        shapes = ", ".join(f"{k!r} {np.shape(arrays[k])}" for k in names)
        raise DataError(
            f"'{p.name}' holds {len(numeric)} 2-D numeric variables among {names}; pass key=<name> "
            f"to say which one is the {kind} (shapes: {shapes}; a plain np.savez(path, a, b) names "
            "them 'arr_0', 'arr_1', ...)."
        )
    return arrays[numeric[0]]


def read_text_table(p, delimiter, kind, empty=None):
    """``(values, column_labels, row_labels)`` of a text table (:func:`brainnet_cb.data.tables.parse_table`;
    ``empty``: the value of an empty cell, else refused)."""
    try:
        text = read_utf8(p)
    except UnicodeDecodeError as err:
        raise DataError(f"'{p.name}' is not a text file (it does not decode as UTF-8): {not_utf8(err)}; expected a "
                        f"comma-, tab- or whitespace-separated table. A table in another encoding: {SAVE_AS_UTF8}."
                        ) from None
    except OSError as err:  # no permission
        raise DataError(f"'{p}' cannot be read: {damage(err, p)}.") from None
    return parse_table(text, f"'{p.name}'", delimiter, kind, error=DataError, suffix=p.suffix, empty=empty)


#: Names of a variable of region labels beside the data in a .npz or .mat file (those :func:`read_mat` reads).
LABEL_VARIABLES = ("labels", "region_labels", "names", "roi_names")


def stored_labels(arrays, p):
    """``(variable, labels)`` of the region labels a .npz / .mat file stores beside its data (a variable of
    :data:`LABEL_VARIABLES` holding text), else ``(None, None)``."""
    from .io.matlab import cell_strings  # noqa: PLC0415 - MATLAB char matrices and cell arrays as str

    for name in LABEL_VARIABLES:
        if name in arrays:
            value = np.asarray(arrays[name])
            if value.dtype.kind in "USO":
                return name, list(cell_strings(value))
    return None, None


def read_array(p, suffix, key, delimiter, kind, empty=None):
    """``(values, column_labels, row_labels, stored)`` from any supported file; ``stored`` is ``(variable,
    labels)`` of a .npz / .mat file's variable of region labels, or ``(None, None)``; ``empty``: the value of an
    empty cell of a text table, else refused."""
    if suffix == ".npy":
        try:
            return np.load(p, allow_pickle=False), None, None, (None, None)
        except (ValueError, OSError, EOFError) as err:  # numpy's advice to load "unsafely" is not passed on
            raise DataError(f"cannot read '{p.name}' as a numeric .npy array: {damage(err, p)}. Save numbers "
                            "with np.save(path, array).") from None
    if suffix == ".npz":
        try:
            with np.load(p, allow_pickle=False) as z:
                arrays = dict(z)
                return np.asarray(pick_array(arrays, key, p, kind)), None, None, stored_labels(arrays, p)
        except DataError:
            raise
        except (ValueError, OSError, EOFError, zipfile.BadZipFile, zlib.error) as err:
            what = ("holds pickled object arrays, which are refused; save plain numeric arrays"
                    if "pickle" in str(err) else "may be truncated or damaged; save it again with np.savez")
            raise DataError(f"cannot read '{p.name}' as a .npz file ({type(err).__name__}: {err}); it "
                            f"{what}.") from None
    if suffix == ".mat":
        try:
            with reading(p, "the MATLAB file", DataError, "Save it again in MATLAB with save(path, 'FC', '-v7').",
                         also=MAT_DAMAGE_ERRORS):
                arrays = scipy.io.loadmat(p)
        except NotImplementedError:
            raise DataError(
                f"'{p.name}' is a MATLAB v7.3 (HDF5) file, which scipy cannot read; re-save it in "
                "MATLAB with save(..., '-v7'), or read it with h5py and use as_timeseries / align."
            ) from None
        where = f"'{p.name}'" + (f" variable {key!r}" if key is not None else "")
        return (numeric_values(pick_array(arrays, key, p, kind), where, ARTICLES.get(kind, f"a {kind}"),
                         "Pass key= of a numeric variable, or convert this one to numbers in MATLAB."), None, None,
                stored_labels(arrays, p))
    return (*read_text_table(p, delimiter, kind, empty), (None, None))


def checked_stored_labels(stored, n, p, variable):
    """The labels of a file's variable ``variable``, refused where they are not one per region."""
    if len(stored) != n:
        raise DataError(f"'{p.name}' stores {len(stored)} region labels in its variable {variable!r} for {n} regions; "
                        "store one label per region, in the order of the data (or remove that variable and pass "
                        "labels=).")
    return stored
