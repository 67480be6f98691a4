"""The structural connectome: who connects to whom, how strongly, how far.

Orientation: ``weights[i, j]`` is the connection *from source region j to target
region i*, so the long-range input of region ``i`` is
``c_i = G * sum_j weights[i, j] * r_j(t - tau_ij)``. networkx graphs are directed
source -> target; the conversion happens in :meth:`Connectome.to_networkx` and
:meth:`Connectome.from_networkx` only.
"""

from __future__ import annotations

import contextvars
import dataclasses
import os
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ._checks import caller_stacklevel, real_numbers
from ._matrix_labels import in_one_order
from .errors import ConnectomeError
from .units import is_quantity, to_mm

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["Connectome", "TractLengthWarning", "NORMALIZATIONS", "SYMMETRIZATIONS"]


class TractLengthWarning(UserWarning):
    """Tract lengths given as plain numbers whose longest is under 1 mm: most likely metres, read as mm.

    Tract lengths are in mm; the longest tracts of a human brain run
    100-250 mm (0.1-0.25 m), and the conduction delays are
    ``lengths / speed``, so lengths in metres read as mm make every delay a
    thousand times too short. A :mod:`brainunit` quantity (``lengths *
    u.meter``) is converted and never warns.
    """


#: Set while a copy is derived from a connectome whose lengths were already under 1 mm (checked at its making).
_COPY_OF_SHORT = contextvars.ContextVar("copy_of_short", default=False)
def _warn_if_metres(lengths):
    """Warn (:class:`TractLengthWarning`) where the longest of plain-number tract lengths is in (0, 1) mm."""
    longest = float(np.max(lengths))
    if 0.0 < longest < 1.0 and not _COPY_OF_SHORT.get():
        warnings.warn(TractLengthWarning(
            f"the longest tract length is {longest:.4g} mm, shorter than any tract between brain regions: lengths "
            "are read in mm. If they are in metres, pass lengths * 1000, or lengths * u.meter (brainunit) to have "
            "them converted."), stacklevel=caller_stacklevel())

NORMALIZATIONS = ("max", "row_sum", "log1p_max", "none")
SYMMETRIZATIONS = ("mean", "max", "min")
# TVB's names for its weight scalings (Connectivity.scaled_weights), refused with their equivalent here
_TVB_WEIGHTS = "TVB's simulator itself uses the weights as given, which is 'none' (see docs/concepts.md)."
_TVB_MODES = {
    **dict.fromkeys(("tract", "edge"), f" TVB's scaled_weights(mode='tract') is 'max' (W / max W); {_TVB_WEIGHTS}"),
    **dict.fromkeys(("region", "node"), " TVB's scaled_weights(mode='region') divides by the largest in-strength: "
                    "pass conn.replace(weights=conn.weights / conn.weights.sum(axis=1).max()) with 'none'; "
                    f"{_TVB_WEIGHTS}"),
}

# optional per-region fields: name -> (shape suffix, kind, unit for messages)
_REGION_FIELDS = {
    "hemispheres": ((), "bool", "True = right hemisphere"),
    "cortical": ((), "bool", "True = cortical region"),
    "areas": ((), "float", "mm^2"),
    "orientations": ((3,), "float", "unit vector (x, y, z)"),
}


def _square_matrix(name, value, n=None):
    value = real_numbers(value, name, ConnectomeError)
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


def _region_field(name, value, n):
    """Validate an optional per-region vector (or (n, 3) array); None passes."""
    if value is None:
        return None
    suffix, kind, meaning = _REGION_FIELDS[name]
    raw = np.asarray(value)
    if raw.shape != (n, *suffix):
        raise ConnectomeError(
            f"{name} must have shape {(n, *suffix)} (one entry per region: {meaning}); "
            f"got shape {raw.shape}."
        )
    if kind == "bool":
        if raw.dtype == bool:
            out = raw.copy()
        else:
            try:
                num = raw.astype(float)
            except (TypeError, ValueError):
                num = None
            if num is None or not np.all((num == 0) | (num == 1)):
                bad = raw.ravel()[:5].tolist()
                raise ConnectomeError(
                    f"{name} must be booleans or 0/1 ({meaning}); got values such as "
                    f"{bad} (dtype {raw.dtype})."
                )
            out = num.astype(bool)
    else:
        try:
            out = raw.astype(float)
        except (TypeError, ValueError):
            raise ConnectomeError(
                f"{name} must be numeric ({meaning}); got dtype {raw.dtype}."
            ) from None
        if not np.all(np.isfinite(out)):
            raise ConnectomeError(f"{name} must be finite; got {out[~np.isfinite(out)][0]}.")
        if name == "areas" and np.any(out < 0):
            raise ConnectomeError(
                f"areas must be non-negative (mm^2); got {out[out < 0][0]} "
                f"for region {int(np.argmax(out < 0))}."
            )
    out.setflags(write=False)
    return out


def _same(a, b):
    if a is None or b is None:
        return a is None and b is None
    return a.shape == b.shape and np.array_equal(a, b)


def _edge_number(data, key, default, src, dst) -> float:
    """The number an edge holds under ``key`` (``default`` without it); a value that is not one is refused."""
    value = data.get(key, default)
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ConnectomeError(f"edge {src} -> {dst} has {key}={value!r}, which is not a number; every edge's "
                              f"{key!r} must be a number.") from None


@dataclass(frozen=True, eq=False)
class Connectome:
    """A validated structural connectome.

    Parameters
    ----------
    weights : array_like, shape (n, n)
        Connection strengths, ``weights[target, source]``; finite, non-negative.
        A pandas DataFrame or 2-D DataArray labelled by region (e.g.
        ``pandas.read_csv(path, index_col=0)``) gives the labels (unless
        ``labels`` is given: then it is put in that order by label); labelled
        ``lengths`` are put in the same order.
    lengths : array_like or brainunit.Quantity, shape (n, n)
        Tract lengths in mm (``lengths[target, source]``); finite, non-negative.
        Conduction delays are ``lengths / speed``. Plain numbers whose
        longest is under 1 mm (metres, most likely) raise a
        :class:`TractLengthWarning`; a quantity is converted. Without tract
        lengths pass ``np.zeros_like(weights)``: no conduction delays.
    labels : sequence of str, optional
        One unique, non-blank name per region; surrounding blanks are
        removed (as the file readers remove them), so ``" a"`` is ``"a"``.
        Default ``"r0", "r1", ...``.
    centres : array_like, shape (n, 3), optional
        Region centres in mm.
    name : str, optional
        A name kept in the provenance of every run.
    hemispheres : array_like of bool, shape (n,), optional
        ``True`` for a region of the right hemisphere (TVB's convention).
    cortical : array_like of bool, shape (n,), optional
        ``True`` for a cortical region.
    areas : array_like, shape (n,), optional
        Region (surface) areas in mm^2.
    orientations : array_like, shape (n, 3), optional
        Average orientation of each region (unit vector, dimensionless).
    source : dict, optional
        Where the connectome was read from, set by the readers of
        :mod:`brainnet_cb.io`: ``{"reader": "read_npz", "path": "/abs/sc.npz",
        "arguments": {...}}`` (the reader, the file's absolute path and the
        other arguments it was given, as JSON). Every run records it
        (``attrs["connectome_source"]``), and
        :meth:`Simulation.from_result <brainnet_cb.Simulation.from_result>`
        reads the file again where it still has the recorded
        ``connectome_sha256``. ``None`` (default) for a connectome built from
        arrays, and for a copy whose weights, lengths or labels
        :meth:`replace` changed (``normalized``, ``subset``, ...): the file does
        not hold it.

    Raises
    ------
    ConnectomeError
        On a non-square, non-finite or negative matrix, mismatched shapes,
        wrong label count, duplicate or blank labels or a wrong shape of any per-region
        field.

    Warns
    -----
    TractLengthWarning
        Plain-number ``lengths`` whose longest is in (0, 1) mm.

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
    hemispheres: np.ndarray = None
    cortical: np.ndarray = None
    areas: np.ndarray = None
    orientations: np.ndarray = None
    source: dict = None

    def __post_init__(self):
        weights, given_lengths, labels = in_one_order(self.weights, self.lengths, self.labels)
        w = _square_matrix("weights", weights)
        n = w.shape[0]
        if n == 0:
            raise ConnectomeError("weights must describe at least one region; got shape (0, 0).")
        if given_lengths is None:  # the fix read_connectome(missing_lengths=...) gives, in this call's terms
            raise ConnectomeError(
                "lengths is None: no tract lengths given; delays need lengths in mm. Pass them, or "
                "lengths=np.zeros_like(weights) to build a network without conduction delays."
            )
        lengths = to_mm(real_numbers(given_lengths, "lengths", ConnectomeError), "lengths", ConnectomeError)
        if np.ndim(lengths) == 0:  # a number (to_mm refuses anything else that is not an array)
            raise ConnectomeError(
                f"lengths must be the ({n}, {n}) matrix of tract lengths in mm; got the single number {lengths}. "
                "For one length L on every edge pass np.full_like(weights, L); for no conduction delays "
                "np.zeros_like(weights)."
            )
        length = _square_matrix("lengths", lengths, n)
        if not is_quantity(given_lengths):
            _warn_if_metres(length)
        if labels is None:
            labels = tuple(f"r{i}" for i in range(n))
        elif isinstance(labels, str):
            raise ConnectomeError(
                f"labels must be a sequence of {n} strings, not a single string {labels!r}."
            )
        else:  # surrounding blanks removed, as the file readers remove them from a file's labels
            labels = tuple(str(x).strip() for x in np.asarray(labels, dtype=object).ravel())
        empty = [k for k, x in enumerate(labels) if not x]
        if empty:
            raise ConnectomeError(
                f"labels must not be empty or blank; got {len(empty)} at position(s) {empty[:10]}. Give every "
                "region a name."
            )
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
            centres = real_numbers(centres, "centres", ConnectomeError)
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
        for field in _REGION_FIELDS:
            object.__setattr__(self, field, _region_field(field, getattr(self, field), n))
        object.__setattr__(self, "source", _checked_source(self.source))

    @property
    def n_regions(self) -> int:
        """Number of regions ``n``."""
        return self.weights.shape[0]

    @property
    def n_edges(self) -> int:
        """Number of non-zero weights (directed edges)."""
        return int(np.count_nonzero(self.weights))

    @property
    def density(self) -> float:
        """Fraction of the ``n * (n - 1)`` off-diagonal entries that are non-zero."""
        n = self.n_regions
        if n < 2:
            return 0.0
        off = self.weights[~np.eye(n, dtype=bool)]
        return float(np.count_nonzero(off)) / (n * (n - 1))

    def __eq__(self, other):
        if not isinstance(other, Connectome):
            return NotImplemented
        return (
            self.labels == other.labels
            and np.array_equal(self.weights, other.weights)
            and np.array_equal(self.lengths, other.lengths)
            and _same(self.centres, other.centres)
            and all(_same(getattr(self, f), getattr(other, f)) for f in _REGION_FIELDS)
        )

    __hash__ = None

    def replace(self, **changes) -> Connectome:
        """Return a validated copy with some fields replaced (``dataclasses.replace``).

        The copy keeps :attr:`source` only where ``weights``, ``lengths`` and ``labels`` are not among the
        changes (or ``source=`` is): other matrices are not the file's.
        """
        if "source" not in changes and not {"weights", "lengths", "labels"}.isdisjoint(changes):
            changes["source"] = None
        token = _COPY_OF_SHORT.set(0.0 < float(np.max(self.lengths)) < 1.0)  # flagged (or a quantity) at its making
        try:
            return dataclasses.replace(self, **changes)
        finally:
            _COPY_OF_SHORT.reset(token)

    def normalized(self, method: str = "max") -> Connectome:
        """Return a copy with rescaled weights (orientation ``[target, source]`` kept).

        Parameters
        ----------
        method : {"max", "row_sum", "log1p_max", "none"}
            ``"max"``: ``W / max(W)`` (the field's usual choice; TVB's
            ``scaled_weights(mode="tract")``, whereas TVB's simulator uses the
            weights as given: ``"none"``);
            ``"row_sum"``: each target's in-strength ``sum_j W[i, j]`` becomes 1
            (rows with no input stay zero); ``"log1p_max"``: ``log(1 + W)``, then
            divided by its maximum (compresses streamline counts spanning decades);
            ``"none"``: unchanged.
        """
        if method not in NORMALIZATIONS:
            raise ConnectomeError(
                f"unknown normalization {method!r}; choose one of {NORMALIZATIONS}.{_TVB_MODES.get(method, '')}"
            )
        w = self.weights
        if method == "log1p_max":
            w = np.log1p(w)
        if method in ("max", "log1p_max"):
            top = w.max()
            w = w / top if top > 0 else w.copy()
        elif method == "row_sum":
            s = w.sum(axis=1, keepdims=True)
            w = np.divide(w, s, out=np.zeros_like(w), where=s > 0)
        return self.replace(weights=w)

    def symmetrized(self, method: str = "mean") -> Connectome:
        """Return a copy with ``weights == weights.T``.

        Parameters
        ----------
        method : {"mean", "max", "min"}
            How ``W[i, j]`` and ``W[j, i]`` combine: ``(W + W.T) / 2``,
            ``maximum`` or ``minimum``.

        Notes
        -----
        Lengths become symmetric too: where both directions have a length,
        their mean (``"mean"``), maximum or minimum; where only one has a
        non-zero length, that one (a missing direction does not halve a tract).
        """
        ops = {"mean": lambda a, b: (a + b) / 2, "max": np.maximum, "min": np.minimum}
        if method not in ops:
            raise ConnectomeError(
                f"unknown symmetrization {method!r}; choose one of {SYMMETRIZATIONS}."
            )
        w, L = self.weights, self.lengths
        both = (L > 0) & (L.T > 0)
        lengths = np.where(both, ops[method](L, L.T), np.maximum(L, L.T))
        return self.replace(weights=ops[method](w, w.T), lengths=lengths)

    def index(self, labels: Sequence[str]) -> np.ndarray:
        """Positions of ``labels`` in :attr:`labels` (raises on unknown labels)."""
        if isinstance(labels, str):
            labels = [labels]
        labels = [str(x) for x in labels]
        where = {label: k for k, label in enumerate(self.labels)}
        missing = [x for x in labels if x not in where]
        if missing:
            raise ConnectomeError(
                f"unknown region labels {missing} for connectome {self.name!r}; valid "
                f"labels are {list(self.labels[:10])}{' ...' if self.n_regions > 10 else ''} "
                f"({self.n_regions} regions; see conn.labels)."
            )
        return np.array([where[x] for x in labels], dtype=int)

    def subset(self, labels: Sequence[str]) -> Connectome:
        """The sub-network of ``labels``, in the order given (also a reorder).

        ``out.weights[a, b] == self.weights[index(labels[a]), index(labels[b])]``,
        so the ``[target, source]`` orientation is kept. Per-region fields follow.
        """
        idx = self.index(labels)
        if len(set(idx.tolist())) != len(idx):
            repeated = sorted({self.labels[k] for k in idx if (idx == k).sum() > 1})
            raise ConnectomeError(f"subset labels must be unique; repeated: {repeated}.")
        if len(idx) == 0:
            raise ConnectomeError("subset needs at least one label; got none.")
        changes = {
            "weights": self.weights[np.ix_(idx, idx)],
            "lengths": self.lengths[np.ix_(idx, idx)],
            "labels": tuple(self.labels[k] for k in idx),
            "centres": None if self.centres is None else self.centres[idx],
        }
        for f in _REGION_FIELDS:
            v = getattr(self, f)
            changes[f] = None if v is None else v[idx]
        return self.replace(**changes)

    def reordered(self, labels: Sequence[str]) -> Connectome:
        """The same connectome with its regions in the order of ``labels``.

        ``labels`` must be a permutation of :attr:`labels`.
        """
        labels = [str(x) for x in ([labels] if isinstance(labels, str) else labels)]
        if sorted(labels) != sorted(self.labels):
            missing = sorted(set(self.labels) - set(labels))
            extra = sorted(set(labels) - set(self.labels))
            raise ConnectomeError(
                f"reordered needs a permutation of all {self.n_regions} labels; "
                f"missing {missing[:10]}, unknown {extra[:10]}. Use subset() to drop regions."
            )
        return self.subset(labels)

    def disconnected(self) -> tuple:
        """Labels of regions with no incoming and no outgoing edge (self-loops ignored)."""
        w = self.weights.copy()
        np.fill_diagonal(w, 0)
        alone = (w.sum(axis=0) == 0) & (w.sum(axis=1) == 0)
        return tuple(self.labels[k] for k in np.flatnonzero(alone))

    def to_networkx(self) -> nx.DiGraph:
        """Directed graph with edges *source -> target* for every non-zero weight.

        Edge attributes ``weight`` and ``length`` (mm); node attributes ``label``
        and, when known, ``centre`` (mm), ``hemisphere`` (True = right),
        ``cortical``, ``area`` (mm^2) and ``orientation``. Nodes are numbered
        ``0..n-1`` in the order of :attr:`labels`; the graph attribute ``name``
        is kept.
        """
        import networkx as nx  # noqa: PLC0415 - only for the graph round trip (0.4 s, 13 MB)

        g = nx.DiGraph(name=self.name)
        for i, label in enumerate(self.labels):
            attrs = {"label": label}
            if self.centres is not None:
                attrs["centre"] = tuple(float(c) for c in self.centres[i])
            if self.hemispheres is not None:
                attrs["hemisphere"] = bool(self.hemispheres[i])
            if self.cortical is not None:
                attrs["cortical"] = bool(self.cortical[i])
            if self.areas is not None:
                attrs["area"] = float(self.areas[i])
            if self.orientations is not None:
                attrs["orientation"] = tuple(float(c) for c in self.orientations[i])
            g.add_node(i, **attrs)
        targets, sources = np.nonzero(self.weights)
        g.add_edges_from(
            (int(j), int(i), {"weight": float(self.weights[i, j]), "length": float(self.lengths[i, j])})
            for i, j in zip(targets, sources)
        )
        return g

    @classmethod
    def from_networkx(cls, graph: nx.Graph, weight: str = "weight", length: str = "length") -> Connectome:
        """Build a connectome from a graph whose edges go *source -> target*.

        An undirected graph gives a symmetric connectome. Nodes are taken in
        ``graph.nodes`` order; a node attribute ``label`` names the region (else
        the node itself), ``centre`` gives its centre in mm; ``centre``,
        ``hemisphere``, ``cortical``, ``area`` and ``orientation`` are read
        when every node has them, and refused when only some have them
        (``hemisphere`` and ``cortical`` as booleans or 0/1: ``"L"``/``"R"``
        are refused, not read as True). Edges without a ``length`` attribute
        get length 0 (no delay). Parallel edges of a multigraph are refused
        (merge them first).
        """
        nodes = list(graph.nodes)
        index = {node: k for k, node in enumerate(nodes)}
        n = len(nodes)
        w = np.zeros((n, n))
        lengths = np.zeros((n, n))
        if graph.is_multigraph():  # parallel edges: one matrix entry cannot hold two weights
            parallel = next(((s, t) for s, t in graph.edges() if graph.number_of_edges(s, t) > 1), None)
            if parallel is not None:
                s, t = parallel
                raise ConnectomeError(
                    f"the graph has {graph.number_of_edges(s, t)} parallel edges {s} -> {t} (a multigraph); a "
                    "connectome holds one weight and one length per pair of regions. Merge them first (e.g. sum "
                    "the weights and average the lengths) into a graph without parallel edges (nx.DiGraph).")
        for src, dst, data in graph.edges(data=True):
            pairs = [(src, dst)] if graph.is_directed() else [(src, dst), (dst, src)]
            value = {key: _edge_number(data, key, default, src, dst) for key, default in ((weight, 1.0), (length, 0.0))}
            for s, t in pairs:
                w[index[t], index[s]] = value[weight]
                lengths[index[t], index[s]] = value[length]
        labels = [graph.nodes[node].get("label", str(node)) for node in nodes]

        def node_attr(key, dtype):
            lacking = [node for node in nodes if key not in graph.nodes[node]]
            if lacking and len(lacking) < n:  # a connectome holds it for every region or none: say, not drop it
                where = {"centre": " (GraphML: x, y and z)", "orientation": " (GraphML: ox, oy and oz)"}.get(key, "")
                raise ConnectomeError(
                    f"node attribute {key!r}{where} is on {n - len(lacking)} of the {n} nodes; nodes without it: "
                    f"{lacking[:5]}{' ...' if len(lacking) > 5 else ''}. A connectome holds it for every region or "
                    f"none: give it to every node, or remove it from all (for v in g: g.nodes[v].pop({key!r}, None))."
                )
            if n and not lacking:
                values = [graph.nodes[node][key] for node in nodes]
                if dtype is bool:  # checked as booleans or 0/1 by the constructor: bool("L") or bool(2) is True
                    return np.array(values)
                try:
                    return np.array(values, dtype=dtype)
                except (TypeError, ValueError):
                    raise ConnectomeError(f"node attribute {key!r} must be numbers (one per node); got "
                                          f"{[graph.nodes[node][key] for node in nodes][:5]}.") from None
            return None

        return cls(
            w,
            lengths,
            labels,
            node_attr("centre", float),
            graph.graph.get("name", "unnamed"),
            hemispheres=node_attr("hemisphere", bool),
            cortical=node_attr("cortical", bool),
            areas=node_attr("area", float),
            orientations=node_attr("orientation", float),
        )

    def sha256(self) -> str:
        """SHA-256 hex digest of the weights and lengths (float64, C order) and the labels (UTF-8, one per line).

        Every run records it of its connectome as passed (``attrs["connectome_sha256"]``, before
        ``normalize``): compare it with the connectome you have to know whether a result was made from the
        same matrices, whatever file they were read from (the name, centres and other fields do not count).

        >>> import brainnet_cb as bn
        >>> bn.load_atlas("tvb76").sha256() == bn.load_atlas("tvb76", clean=False).sha256()
        False
        """
        import hashlib  # noqa: PLC0415 - rarely used

        h = hashlib.sha256()
        for matrix in (self.weights, self.lengths):
            h.update(np.ascontiguousarray(matrix, dtype="<f8").tobytes())
        h.update("\n".join(self.labels).encode())
        return h.hexdigest()

    def __repr__(self):
        w, L = self.weights, self.lengths
        nz = w[w > 0]
        wr = f"{nz.min():.4g}..{nz.max():.4g}" if nz.size else "all zero"
        lz = L[w > 0]
        lr = f"{lz.min():.4g}..{lz.max():.4g} mm" if lz.size else "none"
        return (
            f"Connectome(name={self.name!r}, n_regions={self.n_regions}, "
            f"n_edges={self.n_edges}, density={self.density:.3g}, "
            f"weights[target, source] {wr}, lengths {lr}, max_length={L.max():.4g} mm)"
        )


#: The readers a :attr:`Connectome.source` may name (functions of :mod:`brainnet_cb.io`).
SOURCE_READERS = ("read_tvb", "read_npz", "read_matrix", "read_mat", "read_graphml", "read_tractography")


def _checked_source(source):
    """``source`` as a plain dict ``{"reader", "path", "arguments"}`` (None stays None), or a ConnectomeError."""
    if source is None:
        return None
    import json  # noqa: PLC0415 - only for a connectome read from a file

    fix = ('source is set by the readers of bn.io: {"reader": one of ' f"{list(SOURCE_READERS)}, "
           '"path": the file\'s absolute path, "arguments": {keyword: JSON value}}; leave it out for a connectome '
           "built from arrays")
    if not isinstance(source, dict) or set(source) != {"reader", "path", "arguments"}:
        raise ConnectomeError(f"{fix}; got {source!r}.")
    if source["reader"] not in SOURCE_READERS or not isinstance(source["path"], str) \
            or not isinstance(source["arguments"], dict):
        raise ConnectomeError(f"{fix}; got {source!r}.")
    try:
        return json.loads(json.dumps(source))  # a copy, of JSON values only
    except (TypeError, ValueError):
        raise ConnectomeError(f"{fix}; got {source!r}, which is not JSON.") from None


def read_from(conn: Connectome, reader: str, path, **arguments) -> Connectome:
    """``conn`` with its :attr:`~Connectome.source`: read by ``reader`` from ``path`` with ``arguments``.

    Paths among the arguments (``os.PathLike``) are made absolute; arguments that are None are left out. Where
    an argument is not a path, a string, a number, a bool or a list of strings (an array given in place of a
    file), ``conn`` is returned without a source: the file alone does not make it again.
    """
    def plain(v):
        if isinstance(v, os.PathLike):
            return os.path.abspath(os.fspath(v))
        if v is None or isinstance(v, (str, bool, int, float)):
            return v
        if isinstance(v, (list, tuple)) and all(isinstance(x, str) for x in v):
            return list(v)
        raise TypeError(type(v).__name__)

    try:
        source = {"reader": reader, "path": os.path.abspath(os.fspath(path)),
                  "arguments": {k: plain(v) for k, v in arguments.items() if v is not None}}
    except TypeError:
        return conn
    object.__setattr__(conn, "source", _checked_source(source))
    return conn


def require_connectome(value, error, name: str = "connectome") -> Connectome:
    """``value`` if it is a :class:`Connectome`, else ``error`` saying how to make one from what was given.

    An atlas name (``"tvb76"``) points to :func:`brainnet_cb.load_atlas`, another
    string or path to :func:`brainnet_cb.io.read_connectome`, a matrix to
    ``bn.Connectome(weights, lengths)``.
    """
    if isinstance(value, Connectome):
        return value
    got = type(value).__name__
    if isinstance(value, str | os.PathLike):
        from .data.atlases import list_atlases  # noqa: PLC0415 - only on this error path (atlases import this module)

        text = os.fspath(value)
        got += f" {text!r}"
        if text in list_atlases():
            fix = f"load the bundled atlas with bn.load_atlas({text!r})"
        else:
            fix = f"read a connectome file with bn.io.read_connectome({text!r})"
    elif getattr(value, "ndim", None) == 2:
        fix = "make one from a weights matrix with bn.Connectome(weights, lengths)"
    else:
        fix = "build one with bn.Connectome(weights, lengths), bn.load_atlas('tvb76') or bn.io.read_connectome(path)"
    raise error(f"{name} must be a bn.Connectome; got {got}: {fix}.")
