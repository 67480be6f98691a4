"""NumPy and text matrices: ``.npz`` (named fields or plain ``np.savez``), ``.npy``, ``.csv``, ``.tsv``, ``.txt``.

Every matrix is ``[target, source]``: row ``i`` holds the inputs of region ``i``.
Text tables may carry a header row of labels (and then a first column of the
same labels).
"""

from __future__ import annotations

import pathlib

import numpy as np

from .._safe_read import DAMAGE_ERRORS, damage
from ..connectome import Connectome, read_from
from ..errors import ConnectomeError
from .files import atomic_write, existing_path, lengths_or_zero, read_label_lines, read_text
from .tables import parse_table

__all__ = ["read_npz", "write_npz", "read_matrix", "load_matrix", "MATRIX_SUFFIXES"]

MATRIX_SUFFIXES = (".npy", ".csv", ".tsv", ".txt")
_NPZ_KEYS = {
    "weights": ("weights",),
    "lengths": ("lengths", "tract_lengths"),
    "labels": ("labels", "region_labels"),
    "centres": ("centres", "centers"),
    "hemispheres": ("hemispheres",),
    "cortical": ("cortical",),
    "areas": ("areas",),
    "orientations": ("orientations", "average_orientations"),
}


def load_matrix(path, what="weights"):
    """Read one matrix file; return ``(array, labels or None)``.

    ``.npy``: a plain (non-pickled) array. ``.csv`` (comma), ``.tsv`` (tab),
    ``.txt`` (whitespace): numbers, optionally with a header row and/or a
    first column of labels, read by :func:`brainnet_cb.data.tables.parse_table`
    (a table split by another delimiter, e.g. a semicolon "CSV", is detected).
    The labels are the header's, else the first column's.
    """
    p = existing_path(path, what)
    suffix = p.suffix.lower()
    if suffix == ".npy":
        try:
            return np.load(p, allow_pickle=False), None
        except DAMAGE_ERRORS as e:  # numpy's advice to load "unsafely using allow_pickle" is not passed on
            raise ConnectomeError(
                f"'{p}' cannot be read as a plain .npy array: {damage(e, p)}. Save numbers with "
                "np.save(path, array)."
            ) from None
    if suffix not in MATRIX_SUFFIXES:
        raise ConnectomeError(
            f"'{p}': unsupported {what} file type {p.suffix!r}; expected one of {MATRIX_SUFFIXES}."
        )
    m, header, row_labels = parse_table(read_text(p), f"'{p}'", what=what, suffix=suffix)
    return m, header if header is not None else row_labels


def _centres_file(path, labels):
    """``(centres, labels)`` from a centres file: ``x y z`` rows, or rows of a label and ``x y z`` (TVB's
    centres.txt, or a table with a header such as ``label,x,y,z``). Its labels name the regions where nothing
    else does; where the weights' labels are known, they must be the same, in the same order."""
    p = existing_path(path, "centres")
    if p.suffix.lower() == ".npy":
        return load_matrix(p, "centres")[0], labels
    if p.suffix.lower() not in MATRIX_SUFFIXES:
        raise ConnectomeError(
            f"'{p}': unsupported centres file type {p.suffix!r}; expected one of {MATRIX_SUFFIXES}."
        )
    centres, _, rows = parse_table(read_text(p), f"'{p}'", what="centres", suffix=p.suffix.lower(), square=False)
    if rows is None:
        return centres, labels
    known = None if labels is None else [str(v).strip() for v in np.asarray(labels, dtype=object).ravel()]
    if known is not None and known != list(rows):
        differ = next((k for k, (a, b) in enumerate(zip(known, rows)) if a != b), min(len(known), len(rows)))
        raise ConnectomeError(
            f"'{p}' lists its centres for regions {list(rows)[:5]}..., but the weights' regions are "
            f"{known[:5]}... (first difference at position {differ}); the centres file must list the same "
            "regions in the weights' order."
        )
    return centres, (list(rows) if labels is None else labels)


def _labels_arg(labels):
    if labels is None or isinstance(labels, (list, tuple, np.ndarray)):
        return labels
    p = existing_path(labels, "labels")
    return read_label_lines(read_text(p), f"'{p}'")


def read_matrix(weights, lengths=None, *, labels=None, centres=None, name=None,
                missing_lengths="raise") -> Connectome:
    """Build a connectome from matrix files (or arrays) and an optional labels file.

    Parameters
    ----------
    weights : path or array_like, shape (n, n)
        ``weights[target, source]``: ``.npy``, ``.csv``, ``.tsv`` or ``.txt``.
    lengths : path or array_like, shape (n, n), optional
        Tract lengths in mm, same orientation and order.
    labels : path or sequence of str, optional
        A text file with one label per line (a ``label x y z`` line, a label
        and exactly three numbers, gives its label; ``"Area 1"`` is kept
        whole), or the labels themselves. A weights file with a header names
        its regions itself: ``labels=`` that differ from it are refused. Default: the weights file's header,
        else ``r0, r1, ...``.
    centres : path or array_like, shape (n, 3), optional
        Region centres in mm: ``x y z`` rows, or rows ``label x y z`` (TVB's
        ``centres.txt``; a header such as ``label,x,y,z`` is allowed), whose
        labels name the regions when nothing else does and must otherwise
        equal the weights' labels, in order.
    name : str, optional
        Default: the weights file name without suffix.
    missing_lengths : {"raise", "zero"}
        Without ``lengths``: refuse (delays need lengths) or use zeros (no delays).
    """
    as_path = (lambda v: pathlib.Path(v) if isinstance(v, str) else v)  # noqa: E731 - a file by its path
    files = {"weights": as_path(weights), "lengths": as_path(lengths), "centres": as_path(centres),
             "labels": [str(x) for x in labels] if isinstance(labels, (list, tuple, np.ndarray)) else as_path(labels)}
    source = "weights array"
    labels_file = None if labels is None or isinstance(labels, (list, tuple, np.ndarray)) else labels
    labels = _labels_arg(labels)
    if isinstance(weights, (str, pathlib.Path)):
        source = f"'{weights}'"
        name = pathlib.Path(weights).stem if name is None else name
        weights, header = load_matrix(weights, "weights")
        given = None if labels is None else [str(v).strip() for v in np.asarray(labels, dtype=object).ravel()]
        if header is not None and given is not None and given != list(header):
            raise ConnectomeError(
                f"{source} names its regions {list(header)[:5]}...; labels= gives {given[:5]}.... Pass one or "
                "the other (the file's header, or labels= with a file without one)."
            )
        labels = header if labels is None else labels
    if isinstance(lengths, (str, pathlib.Path)):
        lengths, lheader = load_matrix(lengths, "tract lengths")
        if lheader is not None and labels is not None and list(lheader) != list(labels):
            raise ConnectomeError(
                f"the lengths header {list(lheader)[:3]}... differs from the weights labels "
                f"{list(labels)[:3]}...; both matrices must use one region order."
            )
    lengths = lengths_or_zero(lengths, np.shape(weights), source, "the lengths argument",
                              missing_lengths)
    if isinstance(centres, (str, pathlib.Path)):
        centres, labels = _centres_file(centres, labels)
    if labels_file is not None and labels is not None and len(labels) != np.shape(weights)[0]:
        raise ConnectomeError(
            f"'{labels_file}' holds {len(labels)} labels (one per line: {list(labels)[:3]}...) for the "
            f"{np.shape(weights)[0]} regions of {source}; give one label per line, one line per region in the "
            "weights' order (a header line is read as a label: remove it)."
        )
    conn = Connectome(weights, lengths, labels, centres,
                      "unnamed" if name is None else name)
    if not isinstance(files["weights"], pathlib.Path):  # arrays given: no file makes it again
        return conn
    return read_from(conn, "read_matrix", files.pop("weights"), **files, name=name, missing_lengths=missing_lengths)


def _npz_error(p, e):
    # numpy's own text advises loading "unsafely using allow_pickle": never passed on
    what = damage(e, p)
    if isinstance(e, ValueError) and "pickle" in str(e):
        if "pickled" in what:
            return ConnectomeError(
                f"'{p}' holds pickled object arrays, which brainnet_cb never loads (loading them can run "
                "arbitrary code); it reads plain arrays only. Store labels as a string array "
                "(np.array(labels, dtype=str))."
            )
        return ConnectomeError(f"'{p}' is not a readable .npz file: {what}. Save the arrays with np.savez / "
                               "bn.io.write_npz, or read a text table with read_matrix.")
    return ConnectomeError(
        f"'{p}' is not a readable .npz file ({type(e).__name__}: {e}); it may be truncated or "
        "damaged. Save it again with np.savez / bn.io.write_npz."
    )


def _positional(keys):
    """The ``arr_0, arr_1, ...`` names of a plain ``np.savez(path, a, b)`` file, in order."""
    pos = sorted((k for k in keys if k.startswith("arr_") and k[4:].isdigit()), key=lambda k: int(k[4:]))
    return pos if pos and len(pos) == len(keys) else []


def read_npz(path, *, key=None, lengths_key=None, name=None, missing_lengths="raise") -> Connectome:
    """Read a connectome from a NumPy ``.npz`` file.

    Three layouts are understood:

    - named fields, as :func:`write_npz` saves them: ``weights`` (required,
      ``[target, source]``), ``lengths`` or ``tract_lengths`` (mm),
      ``labels``, ``centres`` (mm), ``hemispheres``, ``cortical``, ``areas``
      (mm^2), ``orientations``, ``name``; other keys are ignored;
    - a plain ``np.savez(path, weights)`` or ``np.savez(path, weights, lengths)``:
      ``arr_0`` is the weights, ``arr_1`` (if present) the lengths in mm;
    - any other names: ``key=`` names the weights array and ``lengths_key=``
      the lengths array.

    Parameters
    ----------
    path : str or os.PathLike
        The ``.npz`` file.
    key : str, optional
        Name of the weights array ``[target, source]`` inside the file
        (default: ``weights``, else ``arr_0`` of a positional file).
    lengths_key : str, optional
        Name of the tract-lengths array (mm). Default: ``lengths`` or
        ``tract_lengths``, else ``arr_1`` of a positional file.
    name : str, optional
        Default: the stored ``name``, else the file name without suffix.
    missing_lengths : {"raise", "zero"}
        Without lengths: refuse (delays need them) or use zeros (no delays).

    Returns
    -------
    Connectome

    Raises
    ------
    ConnectomeError
        A missing, damaged or pickled file; a ``key``/``lengths_key`` the file
        lacks or no recognisable weights (the message lists the keys found);
        missing lengths with ``missing_lengths="raise"``.

    Examples
    --------
    >>> import numpy as np, tempfile, pathlib
    >>> from brainnet_cb.io import read_npz
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "sc.npz"
    >>> np.savez(path, np.array([[0, 1.0], [2.0, 0]]), np.array([[0, 10.0], [10.0, 0]]))
    >>> conn = read_npz(path)
    >>> float(conn.weights[1, 0]), float(conn.lengths[0, 1])
    (2.0, 10.0)
    """
    p = existing_path(path, "npz connectome")
    for arg, value in (("key", key), ("lengths_key", lengths_key)):
        if value is not None and not isinstance(value, str):
            raise ConnectomeError(f"{arg} must be the name (str) of an array in '{p.name}'; got {value!r}.")
    try:
        with np.load(p, allow_pickle=False) as z:
            keys = list(z.files)
            for arg, value in (("key", key), ("lengths_key", lengths_key)):
                if value is not None and value not in keys:
                    raise ConnectomeError(
                        f"'{p}' has no array {value!r} ({arg}=); its keys are {sorted(keys)}. "
                        "Pass one of them."
                    )
            positional = _positional(keys)
            data = {}
            for field, options in _NPZ_KEYS.items():
                for k in options:
                    if k in keys:
                        data[field] = z[k]
                        break
            looked_for = "keys 'lengths', 'tract_lengths'"
            if key is not None:
                data["weights"] = z[key]
                looked_for = (f"keys 'lengths', 'tract_lengths' among {sorted(keys)}; name the lengths "
                              "array with lengths_key=")
            elif "weights" not in data and positional:
                if len(positional) > 2:
                    raise ConnectomeError(
                        f"'{p}' holds {len(positional)} unnamed arrays {positional}; only arr_0 "
                        "(weights) and arr_1 (lengths) are understood. Pass key='arr_k' (and "
                        "lengths_key=) to say which is which."
                    )
                data["weights"] = z["arr_0"]
                if len(positional) == 2 and lengths_key is None:
                    data["lengths"] = z["arr_1"]
                looked_for = "arr_1 (np.savez(path, weights, lengths))"
            if lengths_key is not None:
                data["lengths"] = z[lengths_key]
            stored_name = str(z["name"]) if "name" in keys else None
    except ConnectomeError:
        raise
    except DAMAGE_ERRORS as e:  # the shared list of what a damaged file raises (brainnet_cb._safe_read)
        raise _npz_error(p, e) from None
    if "weights" not in data:
        raise ConnectomeError(
            f"'{p}' has no 'weights' array (keys: {sorted(keys)}); pass key=<name of the weights "
            "array> (and lengths_key=<name of the lengths array>), or save the matrix under the key "
            "'weights' ([target, source]) and tract lengths under 'lengths' (mm)."
        )
    lengths = lengths_or_zero(data.pop("lengths", None), np.shape(data["weights"]), f"'{p}'",
                              looked_for, missing_lengths)
    weights = data.pop("weights")
    labels = data.pop("labels", None)
    centres = data.pop("centres", None)
    if name is None:
        name = stored_name if stored_name is not None else p.stem
    try:
        conn = Connectome(weights, lengths, None if labels is None else labels.tolist(),
                          centres, name, **data)
    except ConnectomeError as e:
        raise ConnectomeError(f"'{p}': {e}") from None
    return read_from(conn, "read_npz", p, key=key, lengths_key=lengths_key, name=name,
                     missing_lengths=missing_lengths)


def write_npz(conn: Connectome, path, *, overwrite=False) -> pathlib.Path:
    """Save every field of ``conn`` in one compressed ``.npz``; :func:`read_npz` reads it back equal."""
    if not isinstance(conn, Connectome):
        raise ConnectomeError(f"write_npz needs a Connectome; got {type(conn).__name__}.")
    arrays = {"weights": conn.weights, "lengths": conn.lengths,
              "labels": np.array(conn.labels, dtype=str), "name": np.array(conn.name)}
    for field in ("centres", "hemispheres", "cortical", "areas", "orientations"):
        value = getattr(conn, field)
        if value is not None:
            arrays[field] = value
    return atomic_write(path, lambda f: np.savez_compressed(f, **arrays), overwrite)
