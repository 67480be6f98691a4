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

A first line that starts with an empty cell over a first column of the
integers 0, 1, ..., N-1 is pandas' ``df.to_csv(path)`` with its default
index: that column is dropped. A first line and first column that hold the
same distinct integers in ascending order under an empty corner cell are
region ids (``pd.DataFrame(fc, index=ids, columns=ids).to_csv(path)``) and
become the labels. Empty labels are refused.
"""

from __future__ import annotations

import codecs
import pathlib
import re

import numpy as np

from ..errors import ConnectomeError

__all__ = ["DELIMITER_NAMES", "is_number", "split_rows", "sniff_delimiter", "parse_table"]

#: Names of the delimiters the reader detects (``None`` is any run of whitespace).
DELIMITER_NAMES = {",": "comma", "\t": "tab", ";": "semicolon", "|": "vertical bar", None: "whitespace"}
_BY_SUFFIX = {".csv": ",", ".tsv": "\t"}
_DECIMAL_COMMA = re.compile(r"^[-+]?\d+,\d+([eE][-+]?\d+)?$")
_INTEGER = re.compile(r"^[-+]?\d+$")


#: How to fix a text file that is not UTF-8 (Windows programs save tables in the system's code page or UTF-16).
SAVE_AS_UTF8 = ("save it again as UTF-8 text (Excel: Save As 'CSV UTF-8'; a text editor: the encoding UTF-8), the "
                "encoding brainnet_cb reads on every system")


def read_utf8(path) -> str:
    """The text of the UTF-8 file ``path``, whatever the system's own encoding (Windows: cp1252).

    A leading byte-order mark (Excel's 'CSV UTF-8', Notepad) is dropped and line ends are ``\\n`` (Windows'
    ``\\r\\n`` and old Mac ``\\r`` too). Raises :class:`UnicodeDecodeError` for other bytes
    (:func:`not_utf8` says where) and :class:`OSError` where the file cannot be read.
    """
    raw = pathlib.Path(path).read_bytes()
    text = raw[len(codecs.BOM_UTF8):].decode("utf-8") if raw.startswith(codecs.BOM_UTF8) else raw.decode("utf-8")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def not_utf8(err: UnicodeDecodeError) -> str:
    """Where a file is not UTF-8: ``"byte 0xe4 on line 2"`` (the first byte that does not decode)."""
    raw = err.object
    line = raw[:err.start].count(b"\n") + 1
    return f"byte 0x{raw[err.start]:02x} on line {line}"


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
    if '"' in s or "'" in s:
        return [t.strip().strip('"').strip("'") for t in tokens]
    return [t.strip() for t in tokens] if delimiter else tokens  # no quotes to strip (split() leaves no blanks)


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
    lines = [s for _, s in _lines(text)][:200]
    sample = "\n".join(lines)  # a delimiter absent from every line splits none of them: not tried
    candidates = [sep for sep in dict.fromkeys([own, ",", "\t", ";", "|", None])
                  if sep is None or sep == own or sep in sample]
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


def _is_positions(cells) -> bool:
    """Whether ``cells`` are the integers 0, 1, ..., n-1 in order, as pandas writes its default index."""
    return bool(cells) and all(t == str(k) for k, t in enumerate(cells))


def _index_column(rows):
    """A first column that is an index, not data: ``(header, row_labels, rows, found)``.

    Two layouts whose first line starts with an empty cell (or lacks that
    cell, whitespace-separated), over a first column of numbers:

    - pandas' default index, the integers 0..N-1 (``df.to_csv(path)``): the
      column is dropped, the first line is the header (no labels where it
      is itself 0, 1, ...);
    - numeric region ids, the same in the header and the first column (an FC
      ``pd.DataFrame(fc, index=ids, columns=ids).to_csv(path)``): they are
      the labels.

    Otherwise ``found`` is false and the rows come back as they are.
    """
    if len(rows) < 2:
        return None, None, rows, False
    first, body = rows[0][1], rows[1:]
    width = len(body[0][1])
    if width < 2 or any(len(r) != width for _, r in body):
        return None, None, rows, False
    if first[0] == "" and len(first) == width:
        cells = first[1:]
    elif len(first) == width - 1 and _mostly_text(first):  # whitespace-separated: the empty corner is lost
        cells = first
    else:
        return None, None, rows, False
    column = [r[0] for _, r in body]
    data = [(k, r[1:]) for k, r in body]
    if _is_positions(column):
        return (None if _is_positions(cells) else cells), None, data, True
    if cells == column and _ascending_ids(cells):
        return cells, column, data, True
    return None, None, rows, False


def _ascending_ids(cells) -> bool:
    """Distinct integers in ascending order, as region ids are listed (an atlas's 1, 2, ... or 11101, ...)."""
    if not all(_INTEGER.match(t) for t in cells):
        return False
    ids = [int(t) for t in cells]
    return all(a < b for a, b in zip(ids, ids[1:]))


def _how(delimiter) -> str:
    return f"read as a {DELIMITER_NAMES.get(delimiter, repr(delimiter))}-separated table"


def parse_table(text: str, source: str, delimiter=None, what="matrix", *, error=ConnectomeError,
                suffix: str | None = None, sniff: bool = True, square: bool = True, empty=None):
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
    square : bool
        Whether rows and columns are the same regions (a matrix of regions), so
        that row labels must equal the column labels; ``False`` for a table of
        one row per region (centres: a first column of labels under a header
        such as ``label,x,y,z``).
    empty : float, optional
        The value of an empty data cell (NaN for an FC read with missing
        pairs: pandas writes NaN as an empty cell); ``None``: refused.

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
    header, row_labels, rows, done = _index_column(rows)
    if not done and _mostly_text(rows[0][1]):
        header = rows[0][1]
        rows = rows[1:]
        if not rows:
            raise error(f"{source}: the {what} file has a header but no data rows; add the rows of numbers "
                        "below the header.")
    if not done and _mostly_text([r[0] for _, r in rows]):
        row_labels = [r[0] for _, r in rows]
        rows = [(k, r[1:]) for k, r in rows]
    if header is not None and row_labels is not None and len(header) == len(rows[0][1]) + 1:
        header = header[1:]  # the corner cell above the row labels
    if header is not None and row_labels is None and header[0] == "" and len(header) == len(rows[0][1]):
        column = [r[0] for _, r in rows]
        raise error(
            f"{source}: the header's first cell is empty, as above an index column, but the first column holds "
            f"{column[:3]}..., neither region labels nor the row numbers 0, 1, 2, ... of a pandas index; remove "
            "that column (pandas: df.to_csv(path, index=False)) or give it a label."
        )
    for labels, where in ((header, "header"), (row_labels, "first column")):
        unnamed = [j for j, t in enumerate(labels or (), start=1) if t == ""]
        if unnamed:
            raise error(f"{source}: the {what} file's {where} has an empty label at position {unnamed[0]}; give "
                        "every region a label.")
    width = len(rows[0][1])
    for k, tokens in rows:
        if len(tokens) != width:
            raise error(
                f"{source}: ragged rows in the {what}: line {k} has {len(tokens)} values, the first data "
                f"row has {width} ({_how(delimiter)}). Every row needs the same number of columns."
            )
    try:  # every cell a number (the usual table): one float() per cell, nothing to check cell by cell
        matrix = np.array([[float(t) for t in r] for _, r in rows], dtype=float).reshape(len(rows), width)
    except ValueError:  # a cell that is not a number: an empty one read as missing, or one named below
        matrix = None
    if matrix is not None:
        return _checked_table(matrix, header, row_labels, source, delimiter, square, error)
    for i, (k, tokens) in enumerate(rows, start=1):
        for j, t in enumerate(tokens, start=1):
            # an empty corner: above region ids in the first column, beside them in the first row; with the
            # rest of both empty too, the row and column of a region without signal (pandas writes NaN as "")
            corner = (i == j == 1 and header is None and row_labels is None and len(rows) > 1
                      and (any(rows[0][1][1:]) or any(r[0] for _, r in rows[1:])))
            if is_number(t) or (t == "" and empty is not None and not corner):  # a corner: numeric ids, below
                continue
            if _DECIMAL_COMMA.match(t):
                raise error(
                    f"{source}: the {what} file uses decimal commas ({t!r} at row {i}, column {j}, line {k}; "
                    f"{_how(delimiter)}); write numbers with a decimal point, e.g. in pandas "
                    "pd.read_csv(path, sep=';', decimal=',').to_csv(new_path, index=False)."
                )
            cell = "an empty cell" if t == "" else f"a non-numeric cell {t!r}"
            fix = ("fix or remove that cell (labels belong in a header row, a first column or a separate labels "
                   "file)")
            if t == "" and corner:
                fix = ("if the first row and column are region ids, they are read as labels only when they are the "
                       "same distinct integers in ascending order in both, else write them as text (e.g. "
                       "'r10') or remove them and pass labels=; if not, fill that cell")
            raise error(
                f"{source}: the {what} file has {cell} at row {i}, column {j} (line {k} of the file; "
                f"{_how(delimiter)}); expected numbers only: {fix}."
            )
    matrix = np.array([[float(t) if t != "" else empty for t in r] for _, r in rows],
                      dtype=float).reshape(len(rows), width)
    return _checked_table(matrix, header, row_labels, source, delimiter, square, error)


def _checked_table(matrix, header, row_labels, source, delimiter, square, error):
    """``(matrix, header, row_labels)`` of :func:`parse_table`, its labels checked against the matrix."""
    width = matrix.shape[1]
    if header is not None and len(header) != width:
        raise error(
            f"{source}: the header has {len(header)} labels but the rows have {width} values "
            f"({_how(delimiter)}); give one label per column."
        )
    if square and header is not None and row_labels is not None and list(header) != list(row_labels):
        raise error(
            f"{source}: row labels differ from column labels (first rows {row_labels[:3]}, "
            f"columns {header[:3]}); a matrix of regions uses one ordering for rows and columns: write both in "
            "the same order, or keep only the header row."
        )
    return matrix, header, row_labels
