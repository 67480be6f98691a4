"""The Virtual Brain's connectivity layout: a zip file or a folder of text files.

Files (each may also be ``.bz2``-compressed, and may sit in one sub-folder):
``weights.txt`` (required), ``tract_lengths.txt`` (mm), ``centres.txt`` or
``centers.txt`` (``label x y z`` per line, mm), and optional ``cortical.txt``,
``hemispheres.txt`` (1 = right), ``areas.txt`` (mm^2) and
``average_orientations.txt``.

Orientation: TVB's coupling sums ``weights[i, j] * x_j`` over the source ``j``,
so its matrices are ``[target, source]`` like ours; nothing is transposed.

Centres: TVB opens a connectivity only with ``label x y z`` lines. For a
connectome without centres, :func:`write_tvb` writes ``0 0 0`` placeholders
(with a :class:`PlaceholderCentresWarning`) and says so in ``info.txt``;
:func:`read_tvb` then reads no centres.
"""

from __future__ import annotations

import bz2
import pathlib
import warnings
import zipfile

import numpy as np

from ..._checks import caller_stacklevel
from ..._safe_read import DAMAGE_ERRORS, damage
from ..._types import PathLike
from ...connectome import Connectome, read_from
from ...errors import ConnectomeError
from ..files import (
    SAVE_AS_UTF8,
    atomic_write,
    existing_path,
    format_matrix,
    is_number,
    lengths_or_zero,
    not_utf8,
    parse_table,
    split_rows,
)

__all__ = ["PlaceholderCentresWarning", "read_tvb", "read_tvb_labels", "write_tvb"]


class PlaceholderCentresWarning(UserWarning):
    """:func:`write_tvb` of a connectome without centres wrote ``0 0 0`` placeholders in ``centres.txt``.

    TVB refuses a connectivity without centres, so the zip holds placeholders:
    TVB opens it, but what uses region positions there (region-level EEG/MEG
    projections, 3-D views) is meaningless. :func:`read_tvb` reads the
    placeholders back as no centres. Pass real centres (mm) with
    ``conn.replace(centres=...)`` before writing.
    """


#: The line of info.txt that marks centres.txt's 0 0 0 lines as placeholders (read_tvb reads them as None).
_PLACEHOLDER_LINE = 'centres = "unknown: centres.txt holds 0 0 0 placeholders, which TVB requires"'

_FILES = {
    "weights": ("weights.txt",),
    "lengths": ("tract_lengths.txt", "tract_lengths_mm.txt"),
    "centres": ("centres.txt", "centers.txt"),
    "cortical": ("cortical.txt",),
    "hemispheres": ("hemispheres.txt",),
    "areas": ("areas.txt",),
    "orientations": ("average_orientations.txt", "orientations.txt"),
}


class _Source:
    """Uniform access to the members of a zip file or a folder, by base name."""

    def __init__(self, path: pathlib.Path):
        self.path = path
        self.members = {}
        if path.is_dir():
            names = [p for p in sorted(path.rglob("*")) if p.is_file()]
            entries = [(str(p.relative_to(path)), p) for p in names]
        else:
            try:
                self.zip = zipfile.ZipFile(path)
            except DAMAGE_ERRORS as e:
                raise ConnectomeError(
                    f"'{path}' is not a readable zip archive (truncated or corrupt?): {damage(e, path)}; "
                    "expected a TVB connectivity zip with weights.txt. Download or "
                    "re-create the file."
                ) from None
            entries = [(n, n) for n in self.zip.namelist()
                       if not n.endswith("/") and not n.startswith("__MACOSX")]
        for rel, handle in entries:
            base = pathlib.PurePosixPath(rel.replace("\\", "/")).name
            if base.endswith(".bz2"):
                base = base[:-4]
            if base in self.members:
                raise ConnectomeError(
                    f"'{path}' holds {base} twice ({self.members[base][0]} and {rel}); "
                    "keep one connectivity per zip or folder."
                )
            self.members[base] = (rel, handle)

    def listing(self):
        return sorted(rel for rel, _ in self.members.values())

    def find(self, names):
        """The first of the alternative names present; two that differ are refused (which one is meant?)."""
        present = [n for n in names if n in self.members]
        for other in present[1:]:
            if self.text(other) != self.text(present[0]):
                raise ConnectomeError(
                    f"'{self.path}' holds both {present[0]} and {other}, which differ; they are two names for one "
                    "file: keep the one that belongs to this connectivity.")
        return present[0] if present else None

    def text(self, base) -> str:
        rel, handle = self.members[base]
        where = f"'{self.path}' member {rel}" if not self.path.is_dir() else f"'{handle}'"
        try:
            raw = handle.read_bytes() if self.path.is_dir() else self.zip.read(handle)
            if rel.endswith(".bz2"):
                raw = bz2.decompress(raw)
            return raw.decode("utf-8-sig")  # a byte-order mark (a file saved by a Windows editor) is dropped
        except UnicodeDecodeError as err:
            raise ConnectomeError(f"{where} is not a UTF-8 text file ({not_utf8(err)}); {SAVE_AS_UTF8}.") from None
        except DAMAGE_ERRORS as e:
            raise ConnectomeError(
                f"{where} cannot be read: {damage(e, None)}; the file is truncated or corrupt. "
                "Download or re-create it."
            ) from None

    def where(self, base):
        rel, handle = self.members[base]
        return f"'{handle}'" if self.path.is_dir() else f"'{self.path}' member {rel}"


#: What the values of TVB's per-region files mean, for messages.
_MEANING = {"hemispheres.txt": "1 = right hemisphere, 0 = left", "cortical.txt": "1 = cortical region, 0 = not",
            "areas.txt": "area in mm^2", "average_orientations.txt": "x y z of a unit vector",
            "orientations.txt": "x y z of a unit vector"}


def _vector(src, base, n, width=None):
    text = src.text(base)
    for k, tokens in split_rows(text):
        word = next((t for t in tokens if not is_number(t)), None)
        if word is not None:  # "L"/"R", "True"/"False": numbers only, one line per region
            raise ConnectomeError(
                f"{src.where(base)}: line {k} holds {word!r}; expected numbers only, one line per region in the "
                f"order of weights.txt ({_MEANING.get(base, 'numbers')})."
            )
    m, header, _ = parse_table(text, src.where(base), what=base)
    if header is not None:
        raise ConnectomeError(f"{src.where(base)}: expected numbers only, got a header {header[:3]}.")
    m = m.ravel() if width is None else m
    expect = (n,) if width is None else (n, width)
    if m.shape != expect:
        raise ConnectomeError(
            f"{src.where(base)} has {m.shape} values but weights.txt describes {n} regions; "
            f"expected shape {expect}."
        )
    return m


def _centres(src, base, n):
    rows = split_rows(src.text(base))
    labels, xyz = [], []
    for k, tokens in rows:
        if len(tokens) >= 4 and all(is_number(t) for t in tokens[1:4]):  # tvb66 ends its lines with 'None'
            labels.append(tokens[0])
            xyz.append([float(t) for t in tokens[1:4]])
        elif len(tokens) == 3 and all(is_number(t) for t in tokens):
            labels.append(None)
            xyz.append([float(t) for t in tokens])
        elif len(tokens) == 1:
            labels.append(tokens[0])
        else:
            raise ConnectomeError(
                f"{src.where(base)}: line {k} is {' '.join(tokens)!r}; expected "
                "'label x y z' (centre in mm), 'x y z' or a label alone."
            )
    if len(rows) != n:
        raise ConnectomeError(
            f"{src.where(base)} lists {len(rows)} regions but weights.txt has {n}; "
            "one line per region is expected."
        )
    if xyz and len(xyz) != n:
        raise ConnectomeError(f"{src.where(base)}: some lines have coordinates and some do not.")
    if any(x is None for x in labels):
        labels = None if all(x is None for x in labels) else labels
        if labels is not None:
            raise ConnectomeError(f"{src.where(base)}: some lines have a label and some do not.")
    return labels, (np.array(xyz) if xyz else None)


def _one_order(src, named, reference=None):
    """The region labels the files give (``named``: file -> labels or None), refused where two files differ (a
    matrix whose header lists the regions in another order than centres.txt); ``reference`` first."""
    given = [(f, list(v)) for f, v in named.items() if v is not None]
    given.sort(key=lambda item: item[0] != reference)
    for f, labels in given[1:]:
        if labels != given[0][1]:
            first, ref = given[0]
            raise ConnectomeError(
                f"{src.where(f)} names its regions {labels[:5]}..., but {src.where(first)} lists "
                f"{ref[:5]}...; every file of a connectivity must list the regions in one order."
            )
    return tuple(given[0][1]) if given else None


def read_tvb(path: PathLike, *, name: str | None = None, missing_lengths: str = "raise") -> Connectome:
    """Read a TVB connectivity zip file or folder.

    Parameters
    ----------
    path : str or os.PathLike
        A ``.zip`` (e.g. tvb-data's ``connectivity_76.zip``) or a folder.
    name : str, optional
        The connectome's name; default the file or folder name without suffix.
    missing_lengths : {"raise", "zero"}
        Without ``tract_lengths.txt``: refuse (default; delays need lengths),
        or use zero lengths (no delays).

    Returns
    -------
    Connectome
        ``weights[target, source]`` (TVB's own orientation), lengths in mm,
        labels and centres (mm) from ``centres.txt``, and cortical,
        hemispheres, areas (mm^2) and orientations when present. Nothing is
        cleaned: the values are the file's. Centres are ``None`` where the
        file has none, and where they are the ``0 0 0`` placeholders that
        :func:`write_tvb` writes for unknown centres (its ``info.txt`` says
        so; centres edited into such a file are read).

    Raises
    ------
    ConnectomeError
        Missing file, unreadable or truncated zip, no ``weights.txt``, ragged or
        non-numeric rows, counts that do not match, invalid values.
    """
    p = existing_path(path, "TVB connectivity", folder=True)
    src = _Source(p)
    if "weights.txt" not in src.members:
        raise ConnectomeError(
            f"'{p}' contains no weights.txt (found: {src.listing()}); a TVB connectivity "
            "needs weights.txt, tract_lengths.txt and centres.txt."
        )
    w, header, rows = parse_table(src.text("weights.txt"), src.where("weights.txt"), what="weights")
    named = {"weights.txt": header if header is not None else rows}  # region labels a matrix file gives itself
    n = w.shape[0]
    found = src.find(_FILES["lengths"])
    lengths = None
    if found:
        lengths, header, rows = parse_table(src.text(found), src.where(found), what="tract lengths")
        named[found] = header if header is not None else rows
    lengths = lengths_or_zero(lengths, w.shape, f"'{p}'", "tract_lengths.txt", missing_lengths)
    if w.shape != (n, n):
        raise ConnectomeError(
            f"{src.where('weights.txt')}: weights must be square (n, n); got shape {w.shape}."
        )
    labels, centres = None, None
    found = src.find(_FILES["centres"])
    if found:
        labels, centres = _centres(src, found, n)
        named[found] = labels
        if centres is not None and not centres.any() and _placeholders(src):
            centres = None  # write_tvb's placeholders for unknown centres, not positions
    labels = _one_order(src, named) if labels is None else _one_order(src, named, found)
    extra = {}
    for field, kind in (("cortical", None), ("hemispheres", None), ("areas", None), ("orientations", 3)):
        found = src.find(_FILES[field])
        if found:
            extra[field] = _vector(src, found, n, kind)
    if name is None:
        name = p.name[:-4] if p.name.lower().endswith(".zip") else p.name
    try:
        conn = Connectome(w, lengths, labels, centres, name, **extra)
    except ConnectomeError as e:
        raise ConnectomeError(f"'{p}': {e}") from None
    return read_from(conn, "read_tvb", p, name=name, missing_lengths=missing_lengths)


def _placeholders(src) -> bool:
    """Whether ``info.txt`` says that the centres are :func:`write_tvb`'s placeholders."""
    return "info.txt" in src.members and _PLACEHOLDER_LINE in src.text("info.txt").splitlines()


def read_tvb_labels(path: PathLike) -> tuple:
    """The region labels of a TVB connectivity (zip or folder), read from its centres file alone (the matrices are
    not read; ``()`` where it has no labels). Checked as :func:`read_tvb` checks them."""
    src = _Source(existing_path(path, "TVB connectivity", folder=True))  # ~ expanded, a missing path named
    found = src.find(_FILES["centres"])
    if not found:
        return ()
    labels, _ = _centres(src, found, len(split_rows(src.text(found))))
    return tuple(labels or ())


def write_tvb(conn: Connectome, path: PathLike, *, overwrite: bool = False) -> pathlib.Path:
    """Write ``conn`` as a TVB connectivity zip; :func:`read_tvb` reads it back equal.

    Matrices are written ``[target, source]`` with shortest round-trip decimals
    (exact). ``centres.txt`` holds ``label x y z`` lines (mm). TVB opens a
    connectivity only with centres, so a connectome without them (e.g.
    ``bn.load_empirical("hcp80").connectome``) gets ``0 0 0`` placeholders,
    marked as such in ``info.txt``, and a :class:`PlaceholderCentresWarning`:
    TVB opens the zip (what uses positions there is meaningless), and
    :func:`read_tvb` reads the centres back as ``None``. Pass real ones with
    ``conn.replace(centres=...)``. Labels must not contain whitespace. The
    file is written atomically; an existing file is replaced only with
    ``overwrite=True``.
    """
    if not isinstance(conn, Connectome):
        raise ConnectomeError(f"write_tvb needs a Connectome; got {type(conn).__name__}.")
    spaced = [x for x in conn.labels if len(x.split()) != 1]
    if spaced:
        raise ConnectomeError(
            f"TVB's centres.txt separates fields by whitespace, so labels cannot contain "
            f"spaces or be empty; got {spaced[:5]}. Rename them (conn.replace(labels=...))."
        )
    files = {
        "weights.txt": format_matrix(conn.weights),
        "tract_lengths.txt": format_matrix(conn.lengths),
        "info.txt": 'weights_unit = "au"\nlength_unit = "mm"\narea_unit = "mm^2"\n'
                    "orientation = \"weights[target, source]\"\n",
    }
    if conn.centres is None:
        files["centres.txt"] = "".join(f"{x} 0.0 0.0 0.0\n" for x in conn.labels)
        files["info.txt"] += _PLACEHOLDER_LINE + "\n"
    else:
        files["centres.txt"] = "".join(
            f"{x} {' '.join(repr(float(c)) for c in xyz)}\n" for x, xyz in zip(conn.labels, conn.centres)
        )
    if conn.cortical is not None:
        files["cortical.txt"] = "".join(f"{int(b)}\n" for b in conn.cortical)
    if conn.hemispheres is not None:
        files["hemispheres.txt"] = "".join(f"{int(b)}\n" for b in conn.hemispheres)
    if conn.areas is not None:
        files["areas.txt"] = format_matrix(conn.areas[:, None])
    if conn.orientations is not None:
        files["average_orientations.txt"] = format_matrix(conn.orientations)

    def write(f):
        with zipfile.ZipFile(f, "w", compression=zipfile.ZIP_DEFLATED) as z:
            for member, text in files.items():
                z.writestr(member, text)

    written = atomic_write(path, write, overwrite)
    if conn.centres is None:
        warnings.warn(PlaceholderCentresWarning(
            f"{conn.name!r} has no region centres, which TVB requires: {written.name}'s centres.txt holds 0 0 0 "
            "placeholders, so that TVB opens it, but whatever uses region positions there (region-level EEG/MEG "
            "projections, 3-D views) is meaningless; bn.io.read_tvb reads them back as no centres. For real ones, "
            "write conn.replace(centres=...) (x y z per region, mm)."), stacklevel=caller_stacklevel())
    return written
