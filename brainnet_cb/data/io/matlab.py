"""MATLAB ``.mat`` files (v4 to v7.2, through :func:`scipy.io.loadmat`)."""

from __future__ import annotations

import numpy as np
import scipy.io
import scipy.sparse

from ..._safe_read import reading
from ..._types import PathLike
from ...connectome import Connectome, read_from
from ...errors import ConnectomeError
from ..files import existing_path, lengths_or_zero

__all__ = ["read_mat", "MAT_DAMAGE_ERRORS"]

#: What :func:`scipy.io.loadmat` raises on a damaged, truncated or foreign file besides the shared
#: :data:`brainnet_cb._safe_read.DAMAGE_ERRORS` (an empty file: ``MatReadError``; garbage after a MATLAB
#: header: ``IndexError`` or ``TypeError``); caught around ``loadmat`` alone.
MAT_DAMAGE_ERRORS = (scipy.io.matlab.MatReadError, IndexError, TypeError, UnboundLocalError)

WEIGHT_KEYS = ("weights", "W", "SC", "sc", "connectivity", "conn")
LENGTH_KEYS = ("tract_lengths", "lengths", "L", "distances", "dist", "tract_length")
LABEL_KEYS = ("labels", "region_labels", "names", "roi_names")
CENTRE_KEYS = ("centres", "centers", "coords")


def cell_strings(value):
    """A MATLAB cell array or char matrix of labels as a list of str."""
    arr = np.asarray(value)
    if arr.dtype.kind in "US" and arr.ndim <= 1:
        return [str(x).strip() for x in np.atleast_1d(arr)]
    if arr.dtype.kind in "US":  # char matrix: one label per row
        return ["".join(row).strip() for row in arr.reshape(arr.shape[0], -1)]
    out = []
    for item in arr.ravel():
        item = np.asarray(item).ravel()
        out.append("".join(str(x) for x in item).strip() if item.size else "")
    return out


def _dense(value):
    """A MATLAB sparse matrix (``sparse(W)``, read by scipy as a sparse array) as a dense one; others unchanged."""
    return value.toarray() if scipy.sparse.issparse(value) else value


def _same(a, b) -> bool:
    """Whether two variables hold the same values (the same matrix saved under two names)."""
    a, b = _dense(a), _dense(b)
    try:
        return np.shape(a) == np.shape(b) and bool(np.array_equal(np.asarray(a), np.asarray(b)))
    except (TypeError, ValueError):
        return False


def read_mat(path: PathLike, *, weights: str | None = None, lengths: str | None = None, labels: str | None = None,
             centres: str | None = None, name: str | None = None, missing_lengths: str = "raise") -> Connectome:
    """Read a connectome from a MATLAB file.

    Parameters
    ----------
    path : str or os.PathLike
        A ``.mat`` file (MATLAB v7.2 or older; v7.3 files are HDF5).
    weights, lengths, labels, centres : str, optional
        The variable names. Default: the one present of
        ``weights/W/SC/sc/connectivity/conn``,
        ``tract_lengths/lengths/L/distances/dist``, ``labels/region_labels/names``
        and ``centres/centers/coords``; where several of one list are present and differ (``SC`` and
        ``W``), the file is refused until the name is given. A sparse matrix (MATLAB ``sparse``) is
        read as the full matrix.
    name : str, optional
        Default: the file name without suffix.
    missing_lengths : {"raise", "zero"}
        Without lengths: refuse (delays need them) or use zeros (no delays).

    Notes
    -----
    The weights variable must be ``[target, source]`` (row ``i`` = inputs of
    region ``i``); transpose it first if your lab stores ``[source, target]``.
    """
    p = existing_path(path, "MATLAB")
    try:
        with reading(p, "the MATLAB file", ConnectomeError,
                     fix="Save it again (MATLAB: save(path, 'weights', 'tract_lengths', '-v7')) or export the "
                         "matrices to .npy/.csv.", also=MAT_DAMAGE_ERRORS):
            data = scipy.io.loadmat(p)
    except NotImplementedError:
        raise ConnectomeError(
            f"'{p}' is a MATLAB v7.3 (HDF5) file, which scipy cannot read; re-save it in "
            "MATLAB with save(..., '-v7') or export the matrices to .npy/.csv."
        ) from None
    keys = sorted(k for k in data if not k.startswith("__"))

    def pick(explicit, options, what, required):
        if explicit is not None:
            if explicit not in data:
                raise ConnectomeError(
                    f"'{p}' has no variable {explicit!r} for the {what}; variables: {keys}."
                )
            return _dense(data[explicit])
        found = [k for k in options if k in data]
        same = (lambda a, b: cell_strings(a) == cell_strings(b)) if what == "labels" else _same
        if len(found) > 1 and not all(same(data[found[0]], data[k]) for k in found[1:]):
            raise ConnectomeError(
                f"'{p}' holds several {what} variables that differ, {found}; name the one to read: "
                f"read_mat(path, {what}='{found[0]}') or {what}='{found[1]}' (the command line reads a .mat file "
                "by these names only: export the right matrix to .npy and set connectome.weights/lengths)."
            )
        if found:
            return _dense(data[found[0]])
        if required:
            raise ConnectomeError(
                f"'{p}': no {what} variable found (tried {list(options)}); variables: {keys}. "
                f"Name it with read_mat(path, {what}='...')."
            )
        return None

    w = pick(weights, WEIGHT_KEYS, "weights", True)
    L = pick(lengths, LENGTH_KEYS, "lengths", False)
    looked_for = f"variables {list(LENGTH_KEYS)}"
    if L is None and lengths is None and len(keys) > 1:  # the lengths may be there under another name: say the file's
        looked_for += (f" among {keys}; name the lengths variable with read_mat(path, lengths='...') (the command "
                       "line reads a .mat file by these names only: export the matrices to .npy and set "
                       "connectome.weights and connectome.lengths)")
    L = lengths_or_zero(L, np.shape(w), f"'{p}'", looked_for, missing_lengths)
    lab = pick(labels, LABEL_KEYS, "labels", False)
    cen = pick(centres, CENTRE_KEYS, "centres", False)
    try:
        conn = Connectome(w, L, None if lab is None else cell_strings(lab), cen,
                          p.stem if name is None else name)
    except ConnectomeError as e:
        raise ConnectomeError(f"'{p}': {e}") from None
    return read_from(conn, "read_mat", p, weights=weights, lengths=lengths, labels=labels, centres=centres,
                     name=name, missing_lengths=missing_lengths)
