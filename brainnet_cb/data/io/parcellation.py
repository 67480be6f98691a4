"""Parcellation images through nibabel: NIfTI volumes and GIFTI surface label files.

A parcellation maps every voxel (or vertex) to an integer region id; 0 is the
background. Region names come from a label table: a ``{id: name}`` mapping, a
lookup-table file (FreeSurfer ``LUT`` style ``id name [r g b a]`` lines, or a
TSV with a header ``index name``), a table with ``index`` and ``name`` columns
(nilearn's ``lut``), a list of names (nilearn's ``labels``), or the GIFTI
file's own label table.

nilearn's atlas fetchers return an image (or its path) and a list of names, and
``read_parcellation`` takes both as they come::

    atlas = nilearn.datasets.fetch_atlas_harvard_oxford("cort-maxprob-thr25-2mm")
    parc = read_parcellation(atlas.maps, atlas.labels)

A list of names is read as one name per id from 0 (``labels[i]`` names id
``i``; the background's entry, e.g. ``"Background"``, is ignored) when it has
an entry for every id up to the largest, else, when it has exactly one name
per region, in ascending order of the ids (older Schaefer lists).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import nibabel as nib
import numpy as np

from ..._types import ArrayLike, PathLike
from ...errors import ConnectomeError
from ..files import existing_path, is_number, read_text, split_rows

__all__ = ["Parcellation", "read_parcellation", "read_surface_parcellation", "read_label_table"]

SPATIAL_SCALE = {"mm": 1.0, "meter": 1000.0, "micron": 1e-3, "unknown": 1.0}


@dataclass(frozen=True, eq=False)
class Parcellation:
    """Labelled regions of a volume: ids, names, centroids (mm) and volumes (mm^3).

    Attributes
    ----------
    ids : ndarray of int, shape (n,)
        Region ids present in the image, ascending (background excluded).
    labels : tuple of str
        Region names, in the order of ``ids``.
    centroids : ndarray, shape (n, 3)
        Centre of mass of each region's voxel centres, in world mm (through
        ``affine``).
    volumes : ndarray, shape (n,) or None
        Voxel count times the voxel volume ``|det(affine[:3, :3])|``, mm^3
        (None for a surface parcellation).
    affine : ndarray, shape (4, 4) or None
        Voxel index -> world mm (None for a surface parcellation).
    data : ndarray of int
        The id of every voxel (3-D) or vertex (1-D).
    source : str
        Where it came from (for messages).
    areas : ndarray, shape (n,) or None
        Surface area of each region in mm^2 (surface parcellations only).
    """

    ids: np.ndarray
    labels: tuple
    centroids: np.ndarray
    volumes: np.ndarray
    affine: np.ndarray
    data: np.ndarray
    source: str = "parcellation"
    areas: np.ndarray = None

    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    def lookup(self, points_mm: ArrayLike) -> np.ndarray:
        """Region position (0..n-1) of world points in mm; -1 for background, -2 outside the grid.

        Points go through ``inv(affine)`` and are rounded to the nearest voxel centre.
        """
        if self.affine is None:
            raise ConnectomeError(
                f"{self.source} is a surface parcellation; mapping points in mm to regions "
                "needs a volume (NIfTI) parcellation."
            )
        pts = np.asarray(points_mm, dtype=float).reshape(-1, 3)
        ijk = np.rint(nib.affines.apply_affine(np.linalg.inv(self.affine), pts)).astype(np.int64)
        inside = np.all((ijk >= 0) & (ijk < np.array(self.data.shape)), axis=1)
        out = np.full(len(pts), -2, dtype=np.int64)
        ids = self.data[tuple(ijk[inside].T)]
        pos = np.searchsorted(self.ids, ids)
        pos = np.clip(pos, 0, len(self.ids) - 1)
        found = self.ids[pos] == ids
        out[inside] = np.where(found, pos, -1)
        return out


def read_label_table(table: Mapping[int, str] | PathLike | None) -> dict[int, str] | None:
    """A label table as ``{id: name}``: from a mapping or a lookup-table file.

    Parameters
    ----------
    table : dict, str, os.PathLike or None
        A ``{id: name}`` mapping, or a lookup-table file: FreeSurfer's
        ``id name R G B A`` lines (the name is every word between the id and
        the four colour numbers, so it may hold spaces: ``1 Left A 0 0 0 0``
        names id 1 ``"Left A"``), ``id name R G B`` lines (every line ending
        in three colour numbers 0-255), ``id name`` lines, or a tab- or
        comma-separated table (one field per cell) with an optional header
        line such as ``index<TAB>name`` or ``index,name``.

    Returns
    -------
    dict of int to str or None

    Raises
    ------
    ConnectomeError
        A missing file, a line without an integer id or a name, an id listed
        twice, or one name given to several ids (listed with their lines).
    """
    if table is None:
        return None
    if isinstance(table, dict):
        try:
            return {int(k): str(v) for k, v in table.items()}
        except (TypeError, ValueError):
            raise ConnectomeError(
                f"a label table maps integer ids to names; got keys {list(table)[:5]}."
            ) from None
    p = existing_path(table, "label table")
    text = read_text(p)
    rows = split_rows(text, "\t")
    tabbed = all(len(tokens) > 1 for _, tokens in rows)  # a TSV: one field per cell, a name may hold spaces
    if not tabbed:  # a CSV (pandas' lut.to_csv): every line "id,name[,...]" below an optional header
        cells = split_rows(text, ",")
        if cells and all(len(tokens) > 1 for _, tokens in cells) and all(
                tokens[0].lstrip("-").isdigit() for _, tokens in cells[1:]):
            rows, tabbed = cells, True
    out, line = {}, {}
    rows = rows if tabbed else split_rows(text)
    rgb = not tabbed and _rgb_table(rows)
    for k, tokens in rows:
        try:
            idx = int(tokens[0])
        except ValueError:
            if not out:  # a header line such as "index name"
                continue
            raise ConnectomeError(
                f"'{p}' line {k}: expected 'id name ...' with an integer id; got {' '.join(tokens)!r}."
            ) from None
        name = " ".join(tokens[1:-3]) if rgb else _lut_name(tokens, tabbed)
        if not name:
            raise ConnectomeError(f"'{p}' line {k}: id {idx} has no name.")
        if idx in out:
            raise ConnectomeError(f"'{p}' line {k}: id {idx} appears twice in the label table.")
        out[idx], line[idx] = name, k
    if not out:
        raise ConnectomeError(f"'{p}' holds no 'id name' lines; expected a label lookup table.")
    _refuse_repeated_names(out, f"'{p}'", line)
    return out


def _lut_name(tokens, tabbed) -> str:
    """The name of a lookup-table line ``id name [R G B A]``: the words between the id and the four colour
    numbers of FreeSurfer's format (``1 Left A 0 0 0 0`` names id 1 ``"Left A"``), else all words after the
    id; of a tab-separated line, its second field."""
    if tabbed:
        return tokens[1].strip()
    if len(tokens) >= 6 and all(is_number(t) for t in tokens[-4:]):
        return " ".join(tokens[1:-4])
    return " ".join(tokens[1:])


def _rgb_table(rows) -> bool:
    """Whether a space-separated table is ``id name R G B`` (colours without FreeSurfer's alpha): no line has
    four colour numbers, and every line with an integer id ends in three integers in 0-255 after a name."""
    lines = [tokens for _, tokens in rows if tokens[0].lstrip("-").isdigit()]
    colour = lambda t: t.isdigit() and int(t) <= 255  # noqa: E731
    return bool(lines) and not any(len(t) >= 6 and all(is_number(c) for c in t[-4:]) for t in lines) and all(
        len(t) >= 5 and all(colour(c) for c in t[-3:]) for t in lines)


def _refuse_repeated_names(table, source, line):
    """Refuse a label table that gives two ids one name (the regions could not be told apart)."""
    ids = {}
    for idx, name in table.items():
        ids.setdefault(name, []).append(idx)
    repeated = {name: found for name, found in ids.items() if len(found) > 1}
    if repeated:
        listed = "; ".join(f"{name!r} for ids {found} (lines {[line[i] for i in found]})"
                           for name, found in list(repeated.items())[:5])
        raise ConnectomeError(f"{source}: the label table gives one name to several ids: {listed}. Each region "
                              "needs its own name: fix the table.")


def _name(x) -> str:
    return x.decode() if isinstance(x, bytes) else str(x)


def _sequence_table(names: Sequence, present: np.ndarray, source: str) -> dict[int, str]:
    """``{id: name}`` from a list of names (see the module docstring for the two readings)."""
    names = [_name(x) for x in names]
    top = int(present.max())
    if len(names) > top:
        return dict(enumerate(names))
    if len(names) == present.size:
        return {int(i): n for i, n in zip(present, names)}
    raise ConnectomeError(
        f"{source}: {len(names)} label names for {present.size} regions with ids up to {top}; give one "
        f"name per id from 0 (background first, {top + 1} names) or one per region in ascending id order "
        f"({present.size} names), or a {{id: name}} mapping."
    )


def _table(labels, present, source):
    """A label table from any accepted form (mapping, file, index/name table, list of names)."""
    if hasattr(labels, "columns") and {"index", "name"} <= set(labels.columns):  # nilearn's lut DataFrame
        ids = [int(i) for i in labels["index"]]
        repeated = sorted({i for i in ids if ids.count(i) > 1})
        if repeated:
            raise ConnectomeError(f"{source}: the label table lists ids {repeated[:10]} more than once (its 'index' "
                                  "column); each id names one region: fix the table.")
        return dict(zip(ids, (_name(n) for n in labels["name"])))
    if isinstance(labels, (list, tuple, np.ndarray)):
        return _sequence_table(labels, present, source)
    return read_label_table(labels)


def _integer_ids(values, source):
    if values.dtype.kind in "iu":
        return values.astype(np.int64)
    if values.dtype.kind != "f":
        raise ConnectomeError(f"{source}: labels must be integers; got dtype {values.dtype}.")
    bad = ~np.isfinite(values) | (values != np.round(values))
    if bad.any():
        where = tuple(int(i) for i in np.argwhere(bad)[0])
        raise ConnectomeError(
            f"{source}: a parcellation needs integer region ids, but {int(bad.sum())} values "
            f"are not integers (e.g. {values[where]} at voxel {where}). This looks like a "
            "probability or intensity image, or one resampled with interpolation; resample "
            "label images with nearest-neighbour interpolation."
        )
    return values.astype(np.int64)


def read_parcellation(path: PathLike | nib.spatialimages.SpatialImage,
                      labels: Mapping[int, str] | Sequence[str] | PathLike | None = None, *,
                      background: int = 0) -> Parcellation:
    """Read a NIfTI (``.nii``/``.nii.gz``) parcellation, from a file or a nibabel image.

    Parameters
    ----------
    path : str, os.PathLike or nibabel image
        A 3-D integer label image (a trailing axis of length 1 is dropped):
        a file, or an image object such as the ``Nifti1Image`` of nilearn's
        atlas fetchers.
    labels : dict, list of str, table or path, optional
        Label table ``{id: name}``, a list of names (nilearn's ``labels``), a
        table with ``index`` and ``name`` columns (nilearn's ``lut``) or a
        lookup-table file (see module docs).
        Ids in the table but absent from the image are ignored; ids in the
        image but absent from the table are an error. Default: names
        ``"region_<id>"``.
    background : int
        The id of unlabelled voxels (default 0).

    Returns
    -------
    Parcellation
        Centroids in mm through the image affine (``xyzt_units`` of metres or
        microns are converted to mm), volumes in mm^3.
    """
    if isinstance(path, nib.spatialimages.SpatialImage):
        img, source = path, f"the {type(path).__name__}"
    else:
        p = existing_path(path, "parcellation")
        if p.name.lower().endswith(".gii"):
            raise ConnectomeError(
                f"'{p}' is a GIFTI surface file; read_parcellation reads NIfTI volumes. Use "
                "read_surface_parcellation(path, surface) for a .label.gii with its .surf.gii."
            )
        try:
            img = nib.load(p)
        except Exception as e:  # noqa: BLE001 - nibabel raises ImageFileError, OSError, ...
            raise ConnectomeError(f"'{p}' is not a readable NIfTI image ({type(e).__name__}: {e}).") from None
        source = f"'{p}'"
    data = np.asanyarray(img.dataobj)
    if data.ndim == 4 and data.shape[3] == 1:
        data = data[..., 0]
    if data.ndim != 3:
        raise ConnectomeError(
            f"{source}: a parcellation must be a 3-D label volume; got shape {data.shape}."
        )
    ids_img = _integer_ids(np.asarray(data), source)
    if (ids_img < 0).any():
        raise ConnectomeError(f"{source}: region ids must be >= 0; got {int(ids_img.min())}.")
    affine = np.array(img.affine, dtype=float)
    unit = img.header.get_xyzt_units()[0] if hasattr(img.header, "get_xyzt_units") else "mm"
    scale = SPATIAL_SCALE.get(unit, 1.0)
    affine[:3, :] *= scale
    present = np.unique(ids_img)
    present = present[present != background]
    table = None if labels is None or present.size == 0 else _table(labels, present, source)
    return _summarise(ids_img, affine, table, background, source)


def _summarise(ids_img, affine, table, background, source) -> Parcellation:
    flat = ids_img.ravel()
    present = np.unique(flat)
    present = present[present != background]
    if present.size == 0:
        raise ConnectomeError(f"{source}: the image holds only background ({background}); no regions.")
    if table is not None:
        unnamed = [int(i) for i in present if int(i) not in table]
        if unnamed:
            raise ConnectomeError(
                f"{source}: region ids {unnamed[:10]} are in the image but not in the label "
                "table; add them to the table (or set them to the background)."
            )
        names = tuple(table[int(i)] for i in present)
    else:
        names = tuple(f"region_{int(i)}" for i in present)
    pos = np.searchsorted(present, flat)
    pos = np.clip(pos, 0, len(present) - 1)
    member = present[pos] == flat
    counts = np.bincount(pos[member], minlength=len(present)).astype(float)
    ijk = np.indices(ids_img.shape).reshape(3, -1).T[member]
    sums = np.stack([np.bincount(pos[member], weights=ijk[:, d], minlength=len(present))
                     for d in range(3)], axis=1)
    mean_ijk = sums / counts[:, None]
    centroids = nib.affines.apply_affine(affine, mean_ijk)
    volumes = counts * abs(np.linalg.det(affine[:3, :3]))
    for a in (present, centroids, volumes, affine, ids_img):
        a.setflags(write=False)
    return Parcellation(present, names, centroids, volumes, affine, ids_img, source)


def gifti_labels(path: PathLike | nib.gifti.GiftiImage, what: str = "GIFTI label") -> tuple:
    """The vertex keys of a one-map GIFTI label file (``.label.gii``), its label table and its name for messages.

    Returns ``(keys, table, source, image)``: ``keys`` the integer key of
    every vertex (1-D), ``table`` the file's ``{key: name}``, ``source`` how
    to name the file in messages, ``image`` the ``GiftiImage`` (for its
    metadata). From a file or a ``GiftiImage``.
    """
    if isinstance(path, nib.gifti.GiftiImage):
        lab, source = path, "the GiftiImage"
    else:
        p = existing_path(path, what)
        try:
            lab = nib.load(p)
        except Exception as e:  # noqa: BLE001 - nibabel and malformed GIFTI raise many kinds
            raise ConnectomeError(f"'{p}' cannot be read as a GIFTI label file ({type(e).__name__}: {e}).") from None
        source = f"'{p}'"
        if not isinstance(lab, nib.gifti.GiftiImage):
            raise ConnectomeError(f"{source} is a {type(lab).__name__}, not a GIFTI label file (.label.gii).")
    maps = len(lab.darrays)
    if maps != 1:
        raise ConnectomeError(f"{source} holds {maps} label arrays; a parcellation is one: pass a file with the "
                              "one to use (e.g. nib.gifti.GiftiImage(darrays=[img.darrays[k]], "
                              "labeltable=img.labeltable)).")
    keys = _integer_ids(np.asarray(lab.darrays[0].data).ravel(), source)
    table = {int(k): str(v) for k, v in lab.labeltable.get_labels_as_dict().items()}
    return keys, table, source, lab


def read_surface_parcellation(path: PathLike, surface: PathLike, labels: Mapping[int, str] | PathLike | None = None,
                              *, background: int = 0) -> Parcellation:
    """Read a GIFTI label file (``.label.gii``) on its surface (``.surf.gii``).

    Region names come from the file's label table (or ``labels``); centroids
    are the mean vertex position per region (mm) and ``areas`` the region's
    surface area (each triangle's area split equally among its 3 vertices, mm^2).
    """
    ids, table, source, _ = gifti_labels(path)
    s = existing_path(surface, "GIFTI surface")
    try:
        coords, faces = nib.load(s).agg_data(("pointset", "triangle"))
    except Exception as e:  # noqa: BLE001 - nibabel and malformed GIFTI raise many kinds
        raise ConnectomeError(f"'{s}' cannot be read as a GIFTI surface ({type(e).__name__}: {e}).") from None
    coords = np.asarray(coords, dtype=float)
    if coords.shape != (ids.size, 3):
        raise ConnectomeError(
            f"{source} labels {ids.size} vertices but the surface '{s}' has {coords.shape[0]}; "
            "use the surface the labels were made on."
        )
    if labels is not None:
        table = read_label_table(labels)
    present = np.unique(ids)
    present = present[present != background]
    if present.size == 0:
        raise ConnectomeError(f"{source}: every vertex is background ({background}); no regions.")
    unnamed = [int(i) for i in present if int(i) not in table]
    if unnamed:
        raise ConnectomeError(
            f"{source}: region ids {unnamed[:10]} are on the surface but not in the label table."
        )
    pos = np.searchsorted(present, ids)
    pos = np.clip(pos, 0, len(present) - 1)
    member = present[pos] == ids
    counts = np.bincount(pos[member], minlength=len(present)).astype(float)
    centroids = np.stack([np.bincount(pos[member], weights=coords[member, d], minlength=len(present))
                          for d in range(3)], axis=1) / counts[:, None]
    faces = np.asarray(faces, dtype=np.int64)
    tri = coords[faces]
    tri_area = 0.5 * np.linalg.norm(np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0]), axis=1)
    vertex_area = np.zeros(len(coords))
    for k in range(3):
        np.add.at(vertex_area, faces[:, k], tri_area / 3)
    areas = np.bincount(pos[member], weights=vertex_area[member], minlength=len(present))
    names = tuple(table[int(i)] for i in present)
    return Parcellation(present, names, centroids, None, None, ids, source, areas)
