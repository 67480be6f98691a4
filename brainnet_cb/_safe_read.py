"""Reading files that may be damaged: one wrapper that names the file and what is wrong.

Every reader of the package opens its files inside :func:`reading`. A damaged
file surfaces from the libraries underneath as one of a handful of raw errors:

=============================  ==============================================
raised by the library          what it means
=============================  ==============================================
``zipfile.BadZipFile``          not a zip archive (``.npz``, TVB zip): truncated,
                                or another kind of file; "Bad CRC-32": a bit of it
                                changed
``zlib.error``                  compressed data damaged
``EOFError``                    the file ends early (truncated)
``ValueError`` ("pickle")       pickled Python objects, which are never loaded
                                (loading them can run arbitrary code)
``ValueError`` / ``KeyError``   a member missing or of the wrong size
``OSError``                     an unreadable file (permissions), or a truncated
                                or damaged NetCDF/HDF5 file
=============================  ==============================================

:func:`reading` turns each of them into the caller's
:class:`~brainnet_cb.errors.BrainnetError` subclass, with the file, what is
wrong in plain words, and the caller's advice on how to fix it. It never
passes on library advice that does not apply (numpy's "load it unsafely using
allow_pickle").
"""

from __future__ import annotations

import contextlib
import errno
import os
import struct
import zipfile
import zlib

from .errors import BrainnetError

__all__ = ["reading", "damage", "DAMAGE_ERRORS"]

#: The exceptions that a damaged or foreign file raises from the readers underneath.
DAMAGE_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, KeyError, struct.error)


def _head(path, n=16) -> bytes:
    try:
        with open(path, "rb") as fh:
            return fh.read(n)
    except (OSError, TypeError):
        return b""


#: How NumPy's files and pickles start: a zip (``.npz``), a ``.npy``, a pickle (protocol >= 2).
_NUMPY_MAGIC = (b"PK\x03\x04", b"\x93NUMPY", b"\x80")


def damage(exc: BaseException, path=None) -> str:
    """What a raw reading error says about the file, in plain words.

    Examples
    --------
    >>> import zipfile
    >>> damage(zipfile.BadZipFile("Bad CRC-32 for file 'weights.npy'"))
    "it is corrupted: a checksum does not match (Bad CRC-32 for file 'weights.npy')"
    """
    text = str(exc)
    if isinstance(exc, zipfile.BadZipFile):
        if "CRC" in text:
            return f"it is corrupted: a checksum does not match ({text})"
        return f"it is not a complete zip archive: truncated, or another kind of file ({text})"
    if isinstance(exc, zlib.error):
        return f"its compressed data are corrupted ({text})"
    if isinstance(exc, EOFError):
        return "it ends early: the file is truncated"
    if isinstance(exc, ValueError) and "pickle" in text:
        head = _head(path) if path is not None else b"\x80"
        if head and not head.startswith(_NUMPY_MAGIC):  # numpy tries a pickle when the magic is unknown
            return f"it is not a NumPy file (.npz or .npy): it starts with {head!r}"
        return ("it holds pickled Python objects, which brainnet_cb never loads "
                "(loading them can run arbitrary code)")
    if isinstance(exc, PermissionError):
        return "this user may not read it (permission denied)"
    if isinstance(exc, IsADirectoryError):
        return "it is a folder, not a file"
    if isinstance(exc, OSError):
        if exc.errno == errno.ENOENT:
            return "it does not exist"
        return f"it is truncated, damaged or of another format ({text})"
    if isinstance(exc, KeyError):
        return f"a part it must hold is missing ({text})"
    return f"its contents are damaged or of another layout ({type(exc).__name__}: {text})"


@contextlib.contextmanager
def reading(path, what: str = "", error: type = BrainnetError, fix: str = "", name=None, also: tuple = ()):
    """Context manager: a raw error of a damaged file becomes ``error`` naming ``path``.

    Parameters
    ----------
    path : str or path-like
        The file being read (named in the message).
    what : str
        What the file should be, e.g. ``"the .npz connectome"`` (before the path).
    name : str, optional
        The argument that named the file (``"resume_from"``): the message says
        ``resume_from='<path>'`` instead of ``<what> '<path>'``.
    error : type, default BrainnetError
        The :class:`~brainnet_cb.errors.BrainnetError` subclass to raise.
    fix : str
        The advice appended to the message (how to get a good file).
    also : tuple of exception types
        What the library reading this kind of file raises on a damaged one
        besides :data:`DAMAGE_ERRORS` (e.g. ``scipy.io.loadmat``'s
        ``MatReadError`` and ``IndexError``); reported as "it is damaged or
        truncated". Wrap the library call alone, so that these errors from
        other code are not taken for damage.

    Raises
    ------
    BrainnetError
        ``error("<what> '<path>' cannot be read: <what is wrong>. <fix>")``; a
        :class:`~brainnet_cb.errors.BrainnetError` raised inside passes unchanged.

    Examples
    --------
    >>> import numpy as np, tempfile, pathlib
    >>> bad = pathlib.Path(tempfile.mkdtemp()) / "x.npz"
    >>> _ = bad.write_bytes(b"PK\\x03\\x04 truncated")
    >>> try:
    ...     with reading(bad, "the connectome", fix="Save it again."):
    ...         np.load(bad)
    ... except BrainnetError as e:
    ...     print(str(e).split(": ", 1)[1][:35])
    it is not a complete zip archive: t
    """
    try:
        yield
    except BrainnetError:
        raise
    except DAMAGE_ERRORS + tuple(also) as exc:
        where = f"{name}={str(os.fspath(path))!r}" if name else f"{what} {str(os.fspath(path))!r}".strip()
        said = (damage(exc, path) if isinstance(exc, DAMAGE_ERRORS) else
                f"it is damaged or truncated ({type(exc).__name__}: {exc})")
        raise error(f"{where} cannot be read: {said}." + (f" {fix}" if fix else "")) from None
