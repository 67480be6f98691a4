"""Glass-brain views of a connectome or an FC matrix through nilearn (optional: ``pip install nilearn``).

:func:`glass_brain` draws the edges of a region-by-region matrix (structural
weights, or a functional connectivity from :func:`brainnet_cb.fc`) between the
region centres on nilearn's glass brain (:func:`nilearn.plotting.plot_connectome`).
nilearn expects MNI-like coordinates (mm; x right, y anterior, z up): centres
in another frame are converted with ``axes``. A bundled atlas's centres (or a
subset's) are drawn in its frame by default (``"ALS"``, x anterior and y left,
for tvb76 and tvb192; ``"RAS"`` for tvb96: :attr:`AtlasInfo.centres_frame
<brainnet_cb.data.atlases.AtlasInfo>`; tvb66 and tvb68 are not centred on the
brain); other centres as RAS, with a warning where their hemispheres say they
are not. The figure is a matplotlib ``Figure`` made without pyplot state, like
those of :mod:`brainnet_cb.plots`.

Examples
--------
>>> import brainnet_cb as bn                               # doctest: +SKIP
>>> from brainnet_cb.glass_brain import glass_brain        # doctest: +SKIP
>>> fig = glass_brain(bn.load_atlas("tvb76"))              # doctest: +SKIP
>>> fig.savefig("tvb76_glass_brain.png")                   # doctest: +SKIP
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import xarray as xr

from ._checks import caller_stacklevel, label_order
from .connectome import Connectome
from .errors import BrainnetError
from .forward.montage import to_ras
from .plots import figure

__all__ = ["glass_brain"]


class MissingNilearnError(BrainnetError, ImportError):
    """nilearn (or matplotlib) is not installed: a :class:`~brainnet_cb.BrainnetError` and an :class:`ImportError`."""


def _nilearn_plotting():
    try:
        from nilearn import plotting  # noqa: PLC0415 (optional dependency)
    except ImportError as e:
        raise MissingNilearnError(
            "glass_brain needs nilearn and matplotlib; install them with pip install 'brainnet-cb[nilearn]' (or "
            f"pip install nilearn matplotlib). Importing nilearn.plotting failed: {e}"
        ) from None
    return plotting


def glass_brain(data: Connectome | xr.DataArray | np.ndarray, connectome: Connectome | None = None, *,
                axes: str | None = None, edge_threshold: str | float = "95%", title: str | None = None,
                figsize=(9.0, 3.5), **options):
    """A glass-brain view of a connectome's weights or of an FC matrix (needs nilearn).

    Parameters
    ----------
    data : Connectome, xarray.DataArray or array, shape (n, n)
        A connectome (its weights, ``[target, source]``, symmetrised for the
        drawing), or a region-by-region matrix such as ``bn.fc(ds.bold)``; a
        labelled one (DataArray, DataFrame) is put in the connectome's region
        order by label (other regions are refused). Missing (NaN) pairs are
        not drawn; a matrix without any finite non-zero pair is refused.
    connectome : Connectome, optional
        Gives the region centres (mm) when ``data`` is a matrix.
    axes : str, optional
        Frame of the centres: where +x, +y, +z point, one letter each from
        R/L, A/P, S/I (``"RAS"``: MNI-like; ``"ALS"``: x anterior, y left,
        z superior, TVB's). By default, a bundled atlas's frame where the
        centres are that atlas's (``"ALS"`` for tvb76 and tvb192, ``"RAS"``
        for tvb96, also for a subset of their regions), else ``"RAS"``; then
        a connectome whose hemispheres are known and whose right-hemisphere
        regions do not lie at larger x than its left ones gets a
        ``UserWarning`` naming the axis that separates them and the fix
        (its brain would be drawn rotated or mirrored).
    edge_threshold : str or float, default "95%"
        Edges drawn: a percentile string or an absolute value (nilearn's rule).
    title : str, optional
    figsize : (float, float)
    **options
        Passed to :func:`nilearn.plotting.plot_connectome` (``node_size``, ``edge_cmap``...).

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    MissingNilearnError
        nilearn or matplotlib is not installed (an :class:`ImportError`, and a
        :class:`~brainnet_cb.BrainnetError`): the message names the extra,
        ``pip install 'brainnet-cb[nilearn]'``.
    BrainnetError
        No region centres, a matrix of another shape or of other regions, or
        no edge to draw.
    """
    plotting = _nilearn_plotting()
    conn = data if isinstance(data, Connectome) else connectome
    if conn is None or conn.centres is None:
        raise BrainnetError(
            "glass_brain needs region centres: pass a Connectome with centres (as data, or connectome= "
            "beside a matrix)."
        )
    m = conn.weights if isinstance(data, Connectome) else _in_connectome_order(data, conn)
    m = np.asarray(getattr(m, "values", m), dtype=float)
    n = conn.n_regions
    if m.shape != (n, n):
        raise BrainnetError(f"glass_brain needs an ({n}, {n}) matrix for the connectome's {n} regions; "
                            f"got shape {m.shape}.")
    m = np.where(np.isfinite(m), m, 0.0)  # a missing (NaN) pair: no edge
    m = 0.5 * (m + m.T)
    np.fill_diagonal(m, 0.0)
    if not np.any(m):
        raise BrainnetError("glass_brain has no edge to draw: every off-diagonal value is 0 or missing (NaN); "
                            "pass a matrix with at least one finite, non-zero pair.")
    if axes is None:
        axes = _atlas_frame(conn)
        if axes is None:
            axes = "RAS"
            _warn_unless_ras(conn)
    coords = to_ras(np.asarray(conn.centres, dtype=float), axes)
    threshold = _edge_threshold(m, edge_threshold)
    fig = figure(figsize)
    plotting.plot_connectome(m, coords, edge_threshold=threshold, figure=fig, title=title, **options)
    return fig


def _atlas_frame(conn):
    """The frame of the centres of ``conn`` where they are those of the bundled atlas it is named after (all its
    regions or some, by label), else None."""
    from .data.atlases import _ATLASES, load_atlas  # noqa: PLC0415 - the atlases' data on first use

    info = _ATLASES.get(conn.name)
    if info is None or info.centres_frame is None:
        return None
    atlas = load_atlas(info.name)  # cached
    where = {label: i for i, label in enumerate(atlas.labels)}
    if not all(label in where for label in conn.labels):
        return None
    ref = np.asarray(atlas.centres, dtype=float)[[where[label] for label in conn.labels]]
    return info.centres_frame if np.array_equal(ref, np.asarray(conn.centres, dtype=float)) else None


def _warn_unless_ras(conn):
    """Warn where the hemispheres of ``conn`` say that its centres are not RAS: the axis along which the mean
    centres of its right and left regions differ most (relative to the spread) is not x, or its right regions
    lie at smaller x."""
    if conn.hemispheres is None:
        return
    right = np.asarray(conn.hemispheres, dtype=bool)
    if right.all() or not right.any():
        return
    c = np.asarray(conn.centres, dtype=float)
    spread = c.std(axis=0)
    score = (c[right].mean(axis=0) - c[~right].mean(axis=0)) / np.where(spread > 0, spread, np.inf)
    d = int(np.argmax(np.abs(score)))
    if d == 0 and score[0] > 0:
        return
    side = "right" if score[d] > 0 else "left"
    warnings.warn(
        f"glass_brain draws the centres of {conn.name!r} as RAS (x right, y anterior, z superior: nilearn's "
        f"MNI-like frame), but its hemispheres say otherwise: its right-hemisphere regions lie at "
        f"{'larger' if score[d] > 0 else 'smaller'} {'xyz'[d]} than its left ones, so +{'xyz'[d]} points {side} "
        "and the brain would be drawn rotated or mirrored. Pass axes= the frame of the centres, one letter per "
        "axis for where it points (e.g. axes='ALS': x anterior, y left, z superior, the frame of TVB's "
        "connectivities).", UserWarning, stacklevel=caller_stacklevel())


def _edge_threshold(m, edge_threshold):
    r"""nilearn's edge threshold of the symmetric ``m``, keeping at least its strongest edges.

    A percentile string is nilearn's rule, the percentile of :math:`|m_{ij}|`
    over the pairs :math:`i > j` plus :math:`10^{-5}`, capped at the largest
    :math:`|m_{ij}|`: where the strongest edges are tied (a binary connectome,
    two regions), nilearn's threshold lay above all of them, and it drew no
    edge and then failed in its colour bar (``'GlassBrainAxes' object has no
    attribute 'cmap'``). A number above the largest :math:`|m_{ij}|` is refused.
    """
    top = float(np.max(np.abs(m[np.tril_indices_from(m, -1)])))
    if isinstance(edge_threshold, str) and edge_threshold.endswith("%"):
        try:
            q = float(edge_threshold[:-1])
        except ValueError:
            q = math.nan
        if not 0.0 <= q <= 100.0:
            raise BrainnetError(f"edge_threshold={edge_threshold!r} must be a percentile from '0%' to '100%' (e.g. "
                                "'95%': the strongest 5 % of the pairs) or a number.")
        values = np.abs(m[np.tril_indices_from(m, -1)])
        return min(float(np.percentile(values, q)) + 1e-5, top)
    if isinstance(edge_threshold, (bool, np.bool_)) or not isinstance(edge_threshold, (int, float, np.number)):
        raise BrainnetError(f"edge_threshold must be a percentile string such as '95%' or a number; got "
                            f"{edge_threshold!r}.")
    if not float(edge_threshold) <= top:
        raise BrainnetError(f"edge_threshold={edge_threshold!r} lies above the largest value drawn, {top:.6g}: no "
                            f"edge would be drawn. Pass a value up to {top:.6g} or a percentile such as '95%'.")
    return edge_threshold


def _in_connectome_order(data, conn):
    """A labelled matrix reordered to ``conn.labels``; an unlabelled one as it is (by position)."""
    from .analysis.common import labelled_matrix  # noqa: PLC0415 - pandas on first use

    m = labelled_matrix(data, "data", BrainnetError)
    if not isinstance(m, xr.DataArray) or m.ndim != 2 or not all(d in m.coords for d in m.dims):
        return m
    labels = [str(v) for v in m[m.dims[0]].values]
    want = [str(v) for v in conn.labels]
    if labels == want:
        return m
    order = label_order(labels, want, "glass_brain's data", BrainnetError,
                        "pass the connectome the matrix was computed on (or conn.subset(labels))")
    return m.values[np.ix_(order, order)]
