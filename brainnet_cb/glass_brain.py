"""Glass-brain views of a connectome or an FC matrix through nilearn (optional: ``pip install nilearn``).

:func:`glass_brain` draws the edges of a region-by-region matrix (structural
weights, or a functional connectivity from :func:`brainnet_cb.fc`) between the
region centres on nilearn's glass brain (:func:`nilearn.plotting.plot_connectome`).
nilearn expects MNI-like coordinates (mm; x right, y anterior, z up): centres
in another frame are converted with ``axes`` (``"ALS"``, x anterior and y
left, for the bundled tvb76 and tvb192; ``"RAS"`` for tvb96; tvb66 and tvb68
are not centred on the brain). The figure is a matplotlib
``Figure`` made without pyplot state, like those of :mod:`brainnet_cb.plots`.

Examples
--------
>>> import brainnet_cb as bn                               # doctest: +SKIP
>>> from brainnet_cb.glass_brain import glass_brain        # doctest: +SKIP
>>> fig = glass_brain(bn.load_atlas("tvb76"), axes="ALS")  # doctest: +SKIP
>>> fig.savefig("tvb76_glass_brain.png")                   # doctest: +SKIP
"""

from __future__ import annotations

import math

import numpy as np
import xarray as xr

from ._checks import label_order
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
            "glass_brain needs nilearn and matplotlib; install them with pip install 'brainnet_cb[nilearn]' (or "
            f"pip install nilearn matplotlib). Importing nilearn.plotting failed: {e}"
        ) from None
    return plotting


def glass_brain(data: Connectome | xr.DataArray | np.ndarray, connectome: Connectome | None = None, *,
                axes: str = "RAS", edge_threshold: str | float = "95%", title: str | None = None,
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
    axes : str, default "RAS"
        Frame of the centres (``"ALS"`` for the bundled tvb76 and tvb192,
        ``"RAS"`` for tvb96).
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
        ``pip install 'brainnet_cb[nilearn]'``.
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
    coords = to_ras(np.asarray(conn.centres, dtype=float), axes)
    threshold = _edge_threshold(m, edge_threshold)
    fig = figure(figsize)
    plotting.plot_connectome(m, coords, edge_threshold=threshold, figure=fig, title=title, **options)
    return fig


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
