"""Shared helpers of the readers and writers: paths, text tables, atomic writes."""

from __future__ import annotations

import os
import pathlib

import numpy as np

from .._destinations import write_new_file
from ..errors import ConnectomeError

MISSING_LENGTHS = ("raise", "zero")


def existing_path(path, what="connectome") -> pathlib.Path:
    """``path`` as a :class:`pathlib.Path` that exists, else a clear error."""
    try:
        p = pathlib.Path(os.fspath(path))
    except TypeError:
        raise ConnectomeError(
            f"{what} path must be a str or os.PathLike; got {type(path).__name__}."
        ) from None
    if not p.exists():
        raise ConnectomeError(f"{what} file not found: '{p}'. Check the path and the working directory.")
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
    raise ConnectomeError(
        f"{source}: no tract lengths found (looked for {looked_for}); delays need "
        "lengths in mm. Add them, or pass missing_lengths='zero' to build a network "
        "without conduction delays."
    )


def is_number(token: str) -> bool:
    try:
        float(token)
    except ValueError:
        return False
    return True


def split_rows(text: str, delimiter=None):
    """Non-empty, non-comment lines split into tokens, with their 1-based line numbers."""
    rows = []
    for k, line in enumerate(text.splitlines(), start=1):
        s = line.strip()
        if not s or s.startswith("#"):
            continue
        tokens = s.split(delimiter) if delimiter else s.split()
        rows.append((k, [t.strip().strip('"').strip("'") for t in tokens]))
    return rows


def parse_table(text: str, source: str, delimiter=None, what="matrix"):
    """Parse a numeric table; return ``(array, column_labels, row_labels)``.

    A first row whose tokens are not all numbers is a header of column labels;
    then a first column of non-numbers holds row labels. Ragged rows and
    non-numeric cells raise :class:`ConnectomeError` naming the line.
    """
    rows = split_rows(text, delimiter)
    if not rows:
        raise ConnectomeError(f"{source}: the {what} file is empty (no numeric rows).")
    header = None
    if not all(is_number(t) for t in rows[0][1]):
        header = rows[0][1]
        rows = rows[1:]
        if not rows:
            raise ConnectomeError(f"{source}: the {what} file has a header but no data rows.")
    row_labels = None
    if header is not None and rows and not is_number(rows[0][1][0]):
        row_labels = [r[1][0] for r in rows]
        rows = [(k, r[1:]) for k, r in rows]
        if len(header) == len(rows[0][1]) + 1:  # a corner cell above the row labels
            header = header[1:]
    width = len(rows[0][1])
    for k, tokens in rows:
        if len(tokens) != width:
            raise ConnectomeError(
                f"{source}: ragged rows in the {what}: line {k} has {len(tokens)} values, "
                f"the first data row has {width}. Every row needs the same number of columns."
            )
    try:
        values = np.array([t for _, r in rows for t in r], dtype=float)
    except ValueError:
        for k, tokens in rows:
            for t in tokens:
                if not is_number(t):
                    raise ConnectomeError(
                        f"{source}: non-numeric value {t!r} on line {k} of the {what}; "
                        "expected numbers only (labels belong in a header row/column "
                        "or a separate labels file)."
                    ) from None
        raise
    matrix = values.reshape(len(rows), width)
    if header is not None and len(header) != width:
        raise ConnectomeError(
            f"{source}: the header has {len(header)} labels but the rows have {width} "
            "values; give one label per column."
        )
    if header is not None and row_labels is not None and list(header) != list(row_labels):
        raise ConnectomeError(
            f"{source}: row labels differ from column labels (first rows {row_labels[:3]}, "
            f"columns {header[:3]}); a connectome uses one ordering for targets and sources."
        )
    return matrix, header, row_labels


def read_text(path: pathlib.Path) -> str:
    try:
        return path.read_text()
    except UnicodeDecodeError:
        raise ConnectomeError(
            f"'{path}' is not a text file (it does not decode as UTF-8); expected a "
            "whitespace-, comma- or tab-separated table."
        ) from None


def read_label_lines(text: str, source: str) -> list:
    """One label per non-empty line (a TVB-style ``label x y z`` line gives its first token)."""
    labels = [tokens[0] if len(tokens) > 1 and all(is_number(t) for t in tokens[1:4]) else " ".join(tokens)
              for _, tokens in split_rows(text)]
    if not labels:
        raise ConnectomeError(f"{source}: the labels file is empty.")
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
