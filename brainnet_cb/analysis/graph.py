"""Graph metrics of a connectome, computed by networkx (nothing re-implemented).

The connectome becomes a directed graph with edges *source -> target*
(:meth:`Connectome.to_networkx`); results are labelled xarray objects.
With ``weights[target, source]``: the in-strength of region ``i`` is the row
sum ``sum_{j != i} W[i, j]`` and its out-strength the column sum
``sum_{j != i} W[j, i]``. A self-connection (the diagonal ``W[i, i]``) is no
edge: degrees, strengths, clustering and paths all leave it out.
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import xarray as xr

from ..connectome import Connectome
from ..errors import ConnectomeError

__all__ = ["graph_metrics", "shortest_path_lengths", "PATH_WEIGHTS"]

PATH_WEIGHTS = ("length", "inverse_weight", "hops")


def _check(conn):
    if not isinstance(conn, Connectome):
        raise ConnectomeError(f"expected a bn.Connectome; got {type(conn).__name__}.")


def graph_metrics(conn: Connectome) -> xr.Dataset:
    """Per-region degree, strength and clustering.

    Parameters
    ----------
    conn : Connectome
        Weights ``[target, source]``: ``in_*`` counts a region's row (what it
        receives), ``out_*`` its column (what it sends).

    Returns
    -------
    xarray.Dataset
        Dimension ``region``; variables ``in_degree``, ``out_degree`` (edge
        counts), ``in_strength``, ``out_strength`` (sums of weights, the
        weights' units) and ``clustering`` (networkx's weighted clustering of a
        directed graph, Fagiolo 2007, with weights divided by the largest one).
        Self-loops (the diagonal of the weights) are left out of all five.

    Examples
    --------
    >>> import brainnet_cb as bn
    >>> m = bn.graph_metrics(bn.load_atlas("tvb76"))
    >>> int(m.in_degree.sel(region="rCC"))
    0
    """
    _check(conn)
    g = conn.to_networkx()
    g.remove_edges_from(list(nx.selfloop_edges(g)))
    nodes = list(range(conn.n_regions))

    def values(view):
        d = dict(view)
        return np.array([d[k] for k in nodes], dtype=float)

    clustering = nx.clustering(g, weight="weight")
    region = xr.DataArray(list(conn.labels), dims="region", attrs={"long_name": "brain region"})
    data = {
        "in_degree": (values(g.in_degree()), "incoming edges", "1"),
        "out_degree": (values(g.out_degree()), "outgoing edges", "1"),
        "in_strength": (values(g.in_degree(weight="weight")), "sum of incoming weights", "weights"),
        "out_strength": (values(g.out_degree(weight="weight")), "sum of outgoing weights", "weights"),
        "clustering": (np.array([clustering[k] for k in nodes], dtype=float),
                       "weighted directed clustering coefficient", "1"),
    }
    return xr.Dataset(
        {k: ("region", v, {"long_name": name, "units": unit}) for k, (v, name, unit) in data.items()},
        coords={"region": region},
        attrs={"connectome": conn.name, "computed_by": f"networkx {nx.__version__}"},
    )


def shortest_path_lengths(conn: Connectome, weight: str = "length") -> xr.DataArray:
    """All-pairs shortest path lengths, oriented like the weights: ``[target, source]``.

    Parameters
    ----------
    weight : {"length", "inverse_weight", "hops"}
        The cost of an edge: its tract length in mm (the shortest conduction
        route), ``1 / weight`` (strong edges are short), or 1 per edge.

    Returns
    -------
    xarray.DataArray
        ``out[i, j]`` is the shortest path *from source j to target i*
        (networkx Dijkstra); ``inf`` where j cannot reach i, 0 on the diagonal.
    """
    _check(conn)
    if weight not in PATH_WEIGHTS:
        raise ConnectomeError(f"unknown path weight {weight!r}; choose one of {PATH_WEIGHTS}.")
    g = conn.to_networkx()
    g.remove_edges_from(list(nx.selfloop_edges(g)))
    if weight == "inverse_weight":
        for _, _, d in g.edges(data=True):
            d["cost"] = 1.0 / d["weight"]
        key, unit = "cost", "1/weights"
    elif weight == "length":
        key, unit = "length", "mm"
    else:
        key, unit = None, "1"
    n = conn.n_regions
    out = np.full((n, n), np.inf)
    lengths = nx.all_pairs_dijkstra_path_length(g, weight=key) if key else nx.all_pairs_shortest_path_length(g)
    for source, targets in lengths:
        for target, value in targets.items():
            out[target, source] = value
    labels = list(conn.labels)
    return xr.DataArray(
        out, dims=("target", "source"), coords={"target": labels, "source": labels},
        name="shortest_path_length",
        attrs={"long_name": f"shortest path length (edge cost: {weight})", "units": unit,
               "connectome": conn.name},
    )
