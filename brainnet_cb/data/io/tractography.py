"""Tractography (``.trk``/``.tck`` through ``nibabel.streamlines``) + a parcellation -> connectome.

Each streamline whose two end points fall in two different labelled regions
adds 1 to ``weights[a, b]`` and ``weights[b, a]`` (streamlines have no
direction, so the result is symmetric) and its length (sum of segment
lengths, mm) to the mean length of that pair. End points are mapped from world
mm (nibabel's RAS+ mm, where both formats are read) through the inverse of the
parcellation's affine to the nearest voxel.
"""

from __future__ import annotations

import pathlib
from collections.abc import Mapping, Sequence

import nibabel as nib
import numpy as np

from ..._types import ArrayLike, PathLike
from ...connectome import Connectome, read_from
from ...errors import ConnectomeError
from ..files import existing_path
from .parcellation import Parcellation, read_parcellation

__all__ = ["read_tractography"]


def _load_streamlines(streamlines):
    """Streamlines as a list of (k, 3) arrays in RAS+ mm, and the trk header if any."""
    if isinstance(streamlines, (str, pathlib.Path)):
        p = existing_path(streamlines, "tractography")
        if p.suffix.lower() not in (".trk", ".tck"):
            raise ConnectomeError(
                f"'{p}': unsupported tractography format {p.suffix!r}; expected .trk or .tck."
            )
        try:
            tfile = nib.streamlines.load(str(p))  # nibabel 5.2 tells the format of a str only
        except Exception as e:  # noqa: BLE001 - nibabel raises several header/format errors
            raise ConnectomeError(
                f"'{p}' is not a readable {p.suffix} file ({type(e).__name__}: {e})."
            ) from None
        header = tfile.header if isinstance(tfile, nib.streamlines.TrkFile) else None
        return list(tfile.streamlines), header, f"'{p}'"
    if isinstance(streamlines, nib.streamlines.Tractogram):
        streamlines = streamlines.streamlines
    return [np.asarray(s, dtype=float) for s in streamlines], None, "streamlines"


def read_tractography(streamlines: PathLike | Sequence[ArrayLike], parcellation: Parcellation | PathLike, *,
                      labels: Mapping[int, str] | PathLike | None = None, name: str | None = None,
                      check_space: bool = True, return_summary: bool = False) -> Connectome | tuple[Connectome, dict]:
    """Streamline-count weights and mean streamline lengths between parcels.

    Parameters
    ----------
    streamlines : path or sequence of (k, 3) arrays
        A ``.trk`` or ``.tck`` file, a :class:`nibabel.streamlines.Tractogram`,
        or point arrays in world (RAS+) mm.
    parcellation : Parcellation or path
        The parcellation (or its NIfTI file; then ``labels`` is its label table).
    name : str, optional
        Default: the streamlines file name without suffix.
    check_space : bool
        Refuse streamlines that do not live in the parcellation's space: a
        ``.trk`` whose voxel grid (``voxel_to_rasmm``, dimensions) differs from
        the parcellation's, or streamlines of which fewer than half of the end
        points fall inside the parcellation's grid.
    return_summary : bool
        Also return a dict with the numbers of streamlines in total, assigned
        to a pair, with an end in background, outside the grid, or with both
        ends in one region (those are not counted: no self-connections).

    Returns
    -------
    Connectome
        ``weights[target, source]`` = streamline counts (symmetric), lengths =
        mean streamline length in mm (0 where no streamline), labels and
        centres (mm) of the parcellation. Regions that no streamline reaches
        are kept (see :meth:`Connectome.disconnected`).
    """
    given_parcellation = parcellation
    if not isinstance(parcellation, Parcellation):
        parcellation = read_parcellation(parcellation, labels)
    lines, header, source = _load_streamlines(streamlines)
    if check_space and header is not None:
        trk_affine = np.asarray(header["voxel_to_rasmm"], dtype=float)
        trk_shape = tuple(int(x) for x in header["dimensions"])
        if trk_shape != parcellation.shape or not np.allclose(trk_affine, parcellation.affine, atol=1e-3):
            raise ConnectomeError(
                f"{source} was made on a different image grid than the parcellation "
                f"{parcellation.source}: trk dimensions {trk_shape} and voxel_to_rasmm "
                f"{np.round(trk_affine, 3).tolist()} vs parcellation shape {parcellation.shape} "
                f"and affine {np.round(parcellation.affine, 3).tolist()}. Register both to one "
                "space, or pass check_space=False if the coordinates already match."
            )
    n = len(parcellation.ids)
    counts = np.zeros((n, n))
    total_length = np.zeros((n, n))
    summary = {"streamlines": len(lines), "assigned": 0, "background": 0, "outside": 0, "self": 0}
    if lines:
        empty = [k for k, s in enumerate(lines) if len(s) < 2]
        if empty:
            raise ConnectomeError(
                f"{source}: streamline {empty[0]} has {len(lines[empty[0]])} point(s); every "
                "streamline needs at least 2 points (a start and an end)."
            )
        ends = np.array([[s[0], s[-1]] for s in lines], dtype=float)  # (m, 2, 3)
        where = parcellation.lookup(ends.reshape(-1, 3)).reshape(-1, 2)
        inside = where > -2
        if check_space and inside.mean() < 0.5:
            raise ConnectomeError(
                f"{source}: only {int(inside.sum())} of {inside.size} streamline end points fall "
                f"inside the parcellation's grid {parcellation.shape} ({parcellation.source}); "
                "the streamlines seem to be in a different space (voxel vs world mm, or another "
                "subject/template). Transform them to the parcellation's world space first."
            )
        lengths = np.array([np.linalg.norm(np.diff(np.asarray(s, dtype=float), axis=0), axis=1).sum()
                            for s in lines])
        a, b = where[:, 0], where[:, 1]
        summary["outside"] = int(np.sum((a == -2) | (b == -2)))
        summary["background"] = int(np.sum(((a == -1) | (b == -1)) & (a != -2) & (b != -2)))
        ok = (a >= 0) & (b >= 0)
        summary["self"] = int(np.sum(ok & (a == b)))
        ok &= a != b
        summary["assigned"] = int(ok.sum())
        for x, y in ((a, b), (b, a)):
            np.add.at(counts, (x[ok], y[ok]), 1.0)
            np.add.at(total_length, (x[ok], y[ok]), lengths[ok])
    mean_length = np.divide(total_length, counts, out=np.zeros_like(total_length), where=counts > 0)
    if name is None:
        name = pathlib.Path(streamlines).stem if isinstance(streamlines, (str, pathlib.Path)) else "tractography"
    conn = Connectome(counts, mean_length, parcellation.labels, parcellation.centroids, name)
    if isinstance(streamlines, (str, pathlib.Path)):  # the files read again make it again (not arrays given)
        as_path = (lambda v: pathlib.Path(v) if isinstance(v, str) else v)  # noqa: E731
        conn = read_from(conn, "read_tractography", as_path(streamlines), parcellation=as_path(given_parcellation),
                         labels=as_path(labels), name=name, check_space=check_space)
    return (conn, summary) if return_summary else conn
