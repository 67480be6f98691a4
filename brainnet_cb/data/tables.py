"""One reader of text tables of numbers, shared by the connectome readers and the empirical-data readers.

A table is a matrix of numbers, optionally with a header row of column
labels and/or a first column of row labels (an FC matrix or a connectome
labelled on both axes, a time series with region names as column headers).
Lines that are empty or start with ``#`` are skipped.

The column delimiter is the one given, else detected
(:func:`sniff_delimiter`): of the file type's own (comma for ``.csv``, tab
for ``.tsv``, whitespace otherwise), comma, tab, semicolon, vertical bar and
whitespace, the one that splits every line into the same number (> 1) of
cells, mostly numbers. A semicolon-delimited "CSV", as spreadsheets
write it in locales with decimal commas, is therefore read as it is; decimal
commas themselves are refused with a message saying so.

A row (column) is a header (labels) when more than half of its non-empty
cells are not numbers. A table of numbers with one stray text cell is
therefore still a table of numbers, and the error names that cell (row,
column, value and file line) instead of mistaking its row for a header.
"""

from __future__ import annotations

import re

import numpy as np

from ..errors import ConnectomeError

__all__ = ["DELIMITER_NAMES", "is_number", "split_rows", "sniff_delimiter", "parse_table"]

#: Names of the delimiters the reader detects (``None`` is any run of whitespace).
DELIMITER_NAMES = {",": "comma", "\t": "tab", ";": "semicolon", "|": "vertical bar", None: "whitespace"}
_BY_SUFFIX = {".csv": ",", ".tsv": "\t"}
_DECIMAL_COMMA = re.compile(r"^[-+]?\d+,\d+([eE][-+]?\d+)?$")


def is_number(token: str) -> bool:
    """Whether ``token`` reads as a float (``"nan"`` and ``"inf"`` included)."""
    try:
        float(token)
    except ValueError:
        return False
    return True


def _lines(text: str):
    for k, line in enumerate(text.splitlines(), start=1):
        s = line.strip()
        if s and not s.startswith("#"):
            yield k, s


def _split(s: str, delimiter):
    tokens = s.split(delimiter) if delimiter else s.split()
    return [t.strip().strip('"').strip("'") for t in tokens]


def split_rows(text: str, delimiter=None):
    """Non-empty, non-comment lines split into cells, with their 1-based line numbers.

    ``delimiter=None`` splits at any run of whitespace. Cells are stripped of
    surrounding blanks and quotes.
    """
    return [(k, _split(s, delimiter)) for k, s in _lines(text)]


def sniff_delimiter(text: str, suffix: str | None = None):
    """The column delimiter of a table: the candidate that splits every line into one width.

    Candidates, in order: the file type's own (``","`` for ``.csv``, ``"\\t"``
    for ``.tsv``; whitespace otherwise), then ``","``, ``"\\t"``, ``";"``,
    ``"|"`` and whitespace (``None``). A candidate fits when every data line
    splits into the same number (> 1) of cells and the first line into that
    number or one fewer (a header without the corner cell). Of the fitting
    candidates the one whose cells (the first line left out) are most often
    numbers wins, the earlier on a tie; without a fit, the one that splits
    the most lines (so that a ragged table is reported with its own
    delimiter), else the file type's own.
    """
    own = _BY_SUFFIX.get(suffix.lower() if suffix else None)
    candidates = list(dict.fromkeys([own, ",", "\t", ";", "|", None]))
    lines = [s for _, s in _lines(text)][:200]
    best, best_score = _most_splitting(lines, candidates, own), -1.0
    for sep in candidates:
        split = [_split(s, sep) for s in lines]
        widths = [len(c) for c in split]
        data = widths[1:] or widths
        if not data or data[0] < 2 or len(set(data)) != 1 or widths[0] not in (data[0], data[0] - 1):
            continue
        cells = [t for c in (split[1:] or split) for t in c]
        score = sum(_numeric(t) for t in cells) / max(len(cells), 1)
        if score > best_score:
            best, best_score = sep, score
    return best


def _most_splitting(lines, candidates, own):
    """Without an even split: the candidate that splits the most lines (a ragged table is then reported
    with the delimiter its author used); the file type's own on a tie."""
    counts = {sep: sum(len(_split(s, sep)) > 1 for s in lines) for sep in candidates}
    top = max(counts.values(), default=0)
    return own if top == 0 or counts[own] == top else next(sep for sep in candidates if counts[sep] == top)


def _numeric(token: str) -> bool:
    """A number, or a number written with a decimal comma (refused later, with its own message)."""
    return is_number(token) or bool(_DECIMAL_COMMA.match(token))


def _mostly_text(cells) -> bool:
    cells = [t for t in cells if t != ""]
    return bool(cells) and 2 * sum(not _numeric(t) for t in cells) > len(cells)


def _how(delimiter) -> str:
    return f"read as a {DELIMITER_NAMES.get(delimiter, repr(delimiter))}-separated table"


def parse_table(text: str, source: str, delimiter=None, what="matrix", *, error=ConnectomeError,
                suffix: str | None = None, sniff: bool = True):
    """Parse a numeric table; return ``(array, column_labels, row_labels)``.

    Parameters
    ----------
    text : str
        The file's content.
    source : str
        How messages name the file, e.g. ``"'weights.csv'"``.
    delimiter : str, optional
        Column separator; ``None``: detected (:func:`sniff_delimiter`) when
        ``sniff`` is true, else any whitespace.
    what : str
        What the table holds, for messages ("weights", "FC matrix", ...).
    error : type
        The :class:`~brainnet_cb.errors.BrainnetError` subclass to raise.
    suffix : str, optional
        The file's suffix; it decides the preferred delimiter.
    sniff : bool
        Detect the delimiter when none is given.

    Returns
    -------
    array : numpy.ndarray, shape (rows, columns)
    column_labels, row_labels : list of str or None

    Raises
    ------
    error
        An empty table, a header without data, ragged rows, a non-numeric or
        empty cell (named by row, column, value and line), decimal commas,
        a header of the wrong length, or row labels that differ from the
        column labels.
    """
    if delimiter is None and sniff:
        delimiter = sniff_delimiter(text, suffix)
    rows = split_rows(text, delimiter)
    if not rows:
        raise error(f"{source}: the {what} file is empty (no numeric rows); write the matrix into it, one row "
                    "per line.")
    header = None
    if _mostly_text(rows[0][1]):
        header = rows[0][1]
        rows = rows[1:]
        if not rows:
            raise error(f"{source}: the {what} file has a header but no data rows; add the rows of numbers "
                        "below the header.")
    row_labels = None
    if _mostly_text([r[0] for _, r in rows]):
        row_labels = [r[0] for _, r in rows]
        rows = [(k, r[1:]) for k, r in rows]
    if header is not None and row_labels is not None and len(header) == len(rows[0][1]) + 1:
        header = header[1:]  # the corner cell above the row labels
    width = len(rows[0][1])
    for k, tokens in rows:
        if len(tokens) != width:
            raise error(
                f"{source}: ragged rows in the {what}: line {k} has {len(tokens)} values, the first data "
                f"row has {width} ({_how(delimiter)}). Every row needs the same number of columns."
            )
    for i, (k, tokens) in enumerate(rows, start=1):
        for j, t in enumerate(tokens, start=1):
            if is_number(t):
                continue
            if _DECIMAL_COMMA.match(t):
                raise error(
                    f"{source}: the {what} file uses decimal commas ({t!r} at row {i}, column {j}, line {k}; "
                    f"{_how(delimiter)}); write numbers with a decimal point, e.g. in pandas "
                    "pd.read_csv(path, sep=';', decimal=',').to_csv(new_path, index=False)."
                )
            cell = "an empty cell" if t == "" else f"a non-numeric cell {t!r}"
            raise error(
                f"{source}: the {what} file has {cell} at row {i}, column {j} (line {k} of the file; "
                f"{_how(delimiter)}); expected numbers only: fix or remove that cell (labels belong in a "
                "header row, a first column or a separate labels file)."
            )
    matrix = np.array([[float(t) for t in r] for _, r in rows], dtype=float).reshape(len(rows), width)
    if header is not None and len(header) != width:
        raise error(
            f"{source}: the header has {len(header)} labels but the rows have {width} values "
            f"({_how(delimiter)}); give one label per column."
        )
    if header is not None and row_labels is not None and list(header) != list(row_labels):
        raise error(
            f"{source}: row labels differ from column labels (first rows {row_labels[:3]}, "
            f"columns {header[:3]}); a matrix of regions uses one ordering for rows and columns: write both in "
            "the same order, or keep only the header row."
        )
    return matrix, header, row_labels
