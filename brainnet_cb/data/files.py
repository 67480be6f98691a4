"""Shared helpers of the readers and writers: paths, labels files, atomic writes (text tables: :mod:`.tables`)."""

from __future__ import annotations

import os
import pathlib

import numpy as np

from .._destinations import write_new_file
from .._safe_read import damage
from ..errors import ConnectomeError

# is_number, parse_table, split_rows: the readers import them from here
from .tables import SAVE_AS_UTF8, is_number, not_utf8, parse_table, read_utf8, split_rows  # noqa: F401

MISSING_LENGTHS = ("raise", "zero")


def existing_path(path, what="connectome", error: type = ConnectomeError, *, folder: bool = False) -> pathlib.Path:
    """``path`` as a :class:`pathlib.Path` that exists, else a clear ``error`` naming ``what`` it should be.

    Parameters
    ----------
    path : str or os.PathLike
    what : str
        What the file is, for messages (``"labels"``, ``"MATLAB"``).
    error : type
        The :class:`~brainnet_cb.errors.BrainnetError` subclass to raise.
    folder : bool, default False
        Whether a folder is accepted (TVB's layout); else a folder is refused
        as one.
    """
    try:
        p = pathlib.Path(os.fspath(path)).expanduser()  # ~/data/sc.csv, as pandas and the CLI read it
    except TypeError:
        raise error(
            f"{what} path must be a str or os.PathLike; got {type(path).__name__}."
        ) from None
    if not p.exists():
        raise error(f"{what} file not found: '{p}'. Check the path and the working directory.")
    if p.is_dir() and not folder:
        raise error(f"{what} path '{p}' is a folder, not a file; pass the file itself.")
    return p


def check_missing_lengths(missing_lengths):
    if missing_lengths not in MISSING_LENGTHS:
        raise ConnectomeError(
            f"missing_lengths must be one of {MISSING_LENGTHS}; got {missing_lengths!r}."
        )


def lengths_or_zero(lengths, weights_shape, source, looked_for, missing_lengths):
    """Return ``lengths``, or zeros when they are absent and the caller allows it.

    Delays are ``lengths / speed``: a connectome without lengths cannot carry
    delays, so the default is to refuse rather than silently run without them.
    """
    check_missing_lengths(missing_lengths)
    if lengths is not None:
        return lengths
    if missing_lengths == "zero":
        return np.zeros(weights_shape)
    raise MissingLengthsError.at(source, f"looked for {looked_for}")


class MissingLengthsError(ConnectomeError):
    """A connectome file without tract lengths, read with ``missing_lengths="raise"``.

    ``source`` (the file) and ``what`` (where the lengths were looked for) are
    kept, so a caller with another way to allow a network without delays (the
    command line's ``connectome.missing_lengths`` key) can say so in its own
    words with :meth:`at` and ``fix=``.
    """

    source: str = ""
    what: str = ""

    @classmethod
    def at(cls, source: str, what: str, fix: str = "pass missing_lengths='zero'") -> MissingLengthsError:
        err = cls(f"{source}: no tract lengths found ({what}); delays need lengths in mm. Add them, "
                  f"or {fix} to build a network without conduction delays.")
        err.source, err.what = source, what
        return err


def read_text(path: pathlib.Path) -> str:
    """The text of ``path`` (UTF-8 on every system, :func:`~brainnet_cb.data.tables.read_utf8`); a file that is not
    UTF-8 text, or cannot be read, is refused (:class:`ConnectomeError`)."""
    try:
        return read_utf8(path)
    except UnicodeDecodeError as err:
        raise ConnectomeError(
            f"'{path}' is not a text file (it does not decode as UTF-8): {not_utf8(err)}; expected a "
            f"whitespace-, comma- or tab-separated table. A table in another encoding: {SAVE_AS_UTF8}."
        ) from None
    except OSError as e:  # a folder, no permission
        raise ConnectomeError(f"'{path}' cannot be read: {damage(e, path)}.") from None


def _label_of(tokens) -> str:
    """The label of one line: a TVB-style centre line ``label x y z`` (a label, then exactly three numbers) gives
    the words before the numbers; any other line is the label itself (``"Area 1"``, ``"Area 1 2"``)."""
    numbers = len(tokens) - next((k for k in range(len(tokens), 0, -1) if not is_number(tokens[k - 1])), 0)
    if numbers == 3 and len(tokens) > 3:
        return " ".join(tokens[:-3])
    return " ".join(tokens)


def read_label_lines(text: str, source: str) -> list:
    """One label per non-empty line, its words joined by one space.

    A line of a label and then exactly three numbers is a TVB-style centre
    line ``label x y z`` and gives the label (the words before the numbers);
    a label ending in one or two numbers (``"Area 1"``) is kept whole.
    """
    labels = [_label_of(tokens) for _, tokens in split_rows(text)]
    if not labels:
        raise ConnectomeError(f"{source}: the labels file is empty; write one region label per line.")
    return labels


def atomic_write(path, write, overwrite: bool, mode="wb") -> pathlib.Path:
    """Write through ``write(fileobj)`` into a temporary file, then give it the name ``path``.

    The shared writer of :mod:`brainnet_cb._destinations` (``write_new_file``):
    the destination is checked first (folder exists and is writable, not a
    symbolic link, not being written), the file gets mode ``0o666`` less the
    umask like any new file, a crash never leaves a half-written file at
    ``path``, and an existing file is only replaced with ``overwrite=True``
    (two writers of one new path cannot both succeed). ``mode`` is binary.
    """
    return write_new_file(path, write, overwrite=overwrite, error=ConnectomeError)


def format_matrix(m) -> str:
    """Rows of shortest round-trip floats (``repr``), one line per row: exact on re-reading."""
    m = np.atleast_2d(np.asarray(m, dtype=float))
    return "".join(" ".join(repr(float(x)) for x in row) + "\n" for row in m)
