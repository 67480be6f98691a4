"""The structural connectome: who connects to whom, how strongly, how far.

Orientation: ``weights[i, j]`` is the connection *from source region j to target
region i*, so the long-range input of region ``i`` is
``c_i = G * sum_j weights[i, j] * r_j(t - tau_ij)``. networkx graphs are directed
source -> target; the conversion happens in :meth:`Connectome.to_networkx` and
:meth:`Connectome.from_networkx` only.
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
import numpy as np

from .errors import ConnectomeError
from .units import to_mm

__all__ = ["Connectome", "NORMALIZATIONS"]

NORMALIZATIONS = ("max", "row_sum", "none")


def _square_matrix(name, value, n=None):
    try:
        m = np.array(value, dtype=float)
    except (TypeError, ValueError):
        raise ConnectomeError(
            f"{name} must be a numeric (n, n) matrix; got {type(value).__name__}."
        ) from None
    if m.ndim != 2 or m.shape[0] != m.shape[1]:
        raise ConnectomeError(
            f"{name} must be square (n, n); got shape {m.shape}. Pass the full "
            "matrix [target, source], not an edge list (see Connectome.from_networkx)."
        )
    if n is not None and m.shape[0] != n:
        raise ConnectomeError(
            f"{name} has shape {m.shape} but weights have shape ({n}, {n}); "
            "weights and lengths must describe the same regions."
        )
    bad = ~np.isfinite(m)
    if bad.any():
        i, j = np.argwhere(bad)[0]
        raise ConnectomeError(
            f"{name} must be finite; got {m[i, j]} at [target={i}, source={j}] "
            f"({int(bad.sum())} non-finite entries). Replace missing entries by 0."
        )
    neg = m < 0
    if neg.any():
        i, j = np.argwhere(neg)[0]
        raise ConnectomeError(
            f"{name} must be non-negative; got {m[i, j]} at [target={i}, source={j}] "
            f"({int(neg.sum())} negative entries)."
        )
    m.setflags(write=False)
    return m


@dataclass(frozen=True, eq=False)
class Connectome:
    """A validated structural connectome.

    Parameters
    ----------
    weights : array_like, shape (n, n)
        Connection strengths, ``weights[target, source]``; finite, non-negative.
    lengths : array_like or brainunit.Quantity, shape (n, n)
        Tract lengths in mm (``lengths[target, source]``); finite, non-negative.
        Conduction delays are ``lengths / speed``.
    labels : sequence of str, optional
        One unique name per region. Default ``"r0", "r1", ...``.
    centres : array_like, shape (n, 3), optional
        Region centres in mm.
    name : str, optional
        A name kept in the provenance of every run.

    Raises
    ------
    ConnectomeError
        On a non-square, non-finite or negative matrix, mismatched shapes,
        wrong label count, duplicate labels or wrong centre shape.

    Examples
    --------
    >>> import numpy as np, brainnet_cb as bn
    >>> conn = bn.Connectome(weights=[[0, 1], [0, 0]], lengths=[[0, 30], [30, 0]],
    ...                      labels=["src_target", "src"])
    >>> conn.n_regions
    2
    """

    weights: np.ndarray
    lengths: np.ndarray
    labels: tuple = None
    centres: np.ndarray = None
    name: str = "unnamed"

    def __post_init__(self):
        w = _square_matrix("weights", self.weights)
        n = w.shape[0]
        if n == 0:
            raise ConnectomeError("weights must describe at least one region; got shape (0, 0).")
        lengths = to_mm(self.lengths, "lengths", ConnectomeError)
        length = _square_matrix("lengths", lengths, n)
        labels = self.labels
        if labels is None:
            labels = tuple(f"r{i}" for i in range(n))
        elif isinstance(labels, str):
            raise ConnectomeError(
                f"labels must be a sequence of {n} strings, not a single string {labels!r}."
            )
        else:
            labels = tuple(str(x) for x in np.asarray(labels, dtype=object).ravel())
        if len(labels) != n:
            raise ConnectomeError(
                f"labels must have one entry per region: got {len(labels)} labels for "
                f"{n} regions (weights shape {w.shape})."
            )
        if len(set(labels)) != n:
            repeated = sorted({x for x in labels if labels.count(x) > 1})
            raise ConnectomeError(f"labels must be unique; repeated: {repeated}.")
        centres = self.centres
        if centres is not None:
            centres = np.array(to_mm(centres, "centres", ConnectomeError), dtype=float)
            if centres.shape != (n, 3):
                raise ConnectomeError(
                    f"centres must have shape ({n}, 3) (x, y, z in mm per region); "
                    f"got {centres.shape}."
                )
            if not np.all(np.isfinite(centres)):
                raise ConnectomeError("centres must be finite.")
            centres.setflags(write=False)
        object.__setattr__(self, "weights", w)
        object.__setattr__(self, "lengths", length)
        object.__setattr__(self, "labels", labels)
        object.__setattr__(self, "centres", centres)
        object.__setattr__(self, "name", str(self.name))

    @property
    def n_regions(self) -> int:
        """Number of regions ``n``."""
        return self.weights.shape[0]

    @property
    def n_edges(self) -> int:
        """Number of non-zero weights (directed edges)."""
        return int(np.count_nonzero(self.weights))

    def __eq__(self, other):
        if not isinstance(other, Connectome):
            return NotImplemented
        same_centres = (self.centres is None and other.centres is None) or (
            self.centres is not None
            and other.centres is not None
            and np.array_equal(self.centres, other.centres)
        )
        return (
            self.labels == other.labels
            and np.array_equal(self.weights, other.weights)
            and np.array_equal(self.lengths, other.lengths)
            and same_centres
        )

    __hash__ = None

    def normalized(self, method: str = "max") -> "Connectome":
        """Return a copy with rescaled weights.

        Parameters
        ----------
        method : {"max", "row_sum", "none"}
            ``"max"``: ``W / max(W)`` (TVB's and the field's usual choice);
            ``"row_sum"``: each target's in-strength ``sum_j W[i, j]`` becomes 1
            (rows with no input stay zero); ``"none"``: unchanged.
        """
        if method not in NORMALIZATIONS:
            raise ConnectomeError(
                f"unknown normalization {method!r}; choose one of {NORMALIZATIONS}."
            )
        w = self.weights
        if method == "max":
            top = w.max()
            w = w / top if top > 0 else w.copy()
        elif method == "row_sum":
            s = w.sum(axis=1, keepdims=True)
            w = np.divide(w, s, out=np.zeros_like(w), where=s > 0)
        return Connectome(w, self.lengths, self.labels, self.centres, self.name)

    def to_networkx(self) -> nx.DiGraph:
        """Directed graph with edges *source -> target* for every non-zero weight.

        Edge attributes ``weight`` and ``length`` (mm); node attributes ``label``
        and, when known, ``centre`` (mm). Nodes are numbered ``0..n-1`` in the
        order of :attr:`labels`; the graph attribute ``name`` is kept.
        """
        g = nx.DiGraph(name=self.name)
        for i, label in enumerate(self.labels):
            attrs = {"label": label}
            if self.centres is not None:
                attrs["centre"] = tuple(float(c) for c in self.centres[i])
            g.add_node(i, **attrs)
        targets, sources = np.nonzero(self.weights)
        g.add_edges_from(
            (int(j), int(i), {"weight": float(self.weights[i, j]), "length": float(self.lengths[i, j])})
            for i, j in zip(targets, sources)
        )
        return g

    @classmethod
    def from_networkx(cls, graph: nx.Graph, weight="weight", length="length") -> "Connectome":
        """Build a connectome from a graph whose edges go *source -> target*.

        An undirected graph gives a symmetric connectome. Nodes are taken in
        ``graph.nodes`` order; a node attribute ``label`` names the region (else
        the node itself), ``centre`` gives its centre in mm. Edges without a
        ``length`` attribute get length 0 (no delay).
        """
        nodes = list(graph.nodes)
        index = {node: k for k, node in enumerate(nodes)}
        n = len(nodes)
        w = np.zeros((n, n))
        lengths = np.zeros((n, n))
        for src, dst, data in graph.edges(data=True):
            pairs = [(src, dst)] if graph.is_directed() else [(src, dst), (dst, src)]
            for s, t in pairs:
                w[index[t], index[s]] = data.get(weight, 1.0)
                lengths[index[t], index[s]] = data.get(length, 0.0)
        labels = [graph.nodes[node].get("label", str(node)) for node in nodes]
        centres = None
        if n and all("centre" in graph.nodes[node] for node in nodes):
            centres = np.array([graph.nodes[node]["centre"] for node in nodes], dtype=float)
        return cls(w, lengths, labels, centres, graph.graph.get("name", "unnamed"))

    def __repr__(self):
        return (
            f"Connectome(name={self.name!r}, n_regions={self.n_regions}, "
            f"n_edges={self.n_edges}, max_length={self.lengths.max():.4g} mm)"
        )
