"""GraphML through networkx: directed edges *source -> target* with ``weight`` and ``length``.

Node attributes: ``label``, centre as ``x``, ``y``, ``z`` (mm), ``hemisphere``
(True = right), ``cortical``, ``area`` (mm^2), orientation as ``ox``, ``oy``, ``oz``.
"""

from __future__ import annotations

import pathlib

import networkx as nx

from ..._types import PathLike
from ...connectome import Connectome, read_from
from ...errors import ConnectomeError
from ..files import MissingLengthsError, atomic_write, check_missing_lengths, existing_path

__all__ = ["read_graphml", "write_graphml"]


def write_graphml(conn: Connectome, path: PathLike, *, overwrite: bool = False) -> pathlib.Path:
    """Write ``conn`` as GraphML; :func:`read_graphml` reads it back equal.

    Only edges with a non-zero weight are written, so lengths of absent
    connections are not kept (load_atlas already sets them to 0).
    """
    if not isinstance(conn, Connectome):
        raise ConnectomeError(f"write_graphml needs a Connectome; got {type(conn).__name__}.")
    g = conn.to_networkx()
    for _, attrs in g.nodes(data=True):  # GraphML holds scalars only
        if "centre" in attrs:
            attrs["x"], attrs["y"], attrs["z"] = attrs.pop("centre")
        if "orientation" in attrs:
            attrs["ox"], attrs["oy"], attrs["oz"] = attrs.pop("orientation")
    return atomic_write(path, lambda f: nx.write_graphml(g, f), overwrite)


def read_graphml(path: PathLike, *, name: str | None = None, missing_lengths: str = "raise") -> Connectome:
    """Read a GraphML graph (edges *source -> target*) as a connectome.

    Nodes keep their document order. Edge attribute ``weight`` (default 1)
    and ``length`` in mm. An undirected graph gives a symmetric connectome.

    Parameters
    ----------
    missing_lengths : {"raise", "zero"}
        When no edge has a ``length``: refuse (delays need lengths) or use 0
        (no delays). Some edges with and some without a length is always an error.
    """
    check_missing_lengths(missing_lengths)
    p = existing_path(path, "GraphML")
    try:
        g = nx.read_graphml(p)
    except Exception as e:  # noqa: BLE001 - networkx raises several parser errors
        raise ConnectomeError(f"'{p}' is not a readable GraphML file ({type(e).__name__}: {e}).") from None
    if g.number_of_nodes() == 0:
        raise ConnectomeError(f"'{p}' holds a graph without nodes; a connectome needs regions.")
    edges = list(g.edges(data=True))
    without = [(s, t) for s, t, d in edges if "length" not in d]
    if edges and without:
        if len(without) < len(edges):
            raise ConnectomeError(
                f"'{p}': {len(without)} of {len(edges)} edges have no 'length' attribute "
                f"(first: {without[0][0]} -> {without[0][1]}); give every edge a length in mm."
            )
        if missing_lengths == "raise":
            raise MissingLengthsError.at(f"'{p}'", "no edge has a 'length' attribute")
    for _, attrs in g.nodes(data=True):
        if all(k in attrs for k in "xyz"):
            attrs["centre"] = (attrs.pop("x"), attrs.pop("y"), attrs.pop("z"))
        if all(k in attrs for k in ("ox", "oy", "oz")):
            attrs["orientation"] = (attrs.pop("ox"), attrs.pop("oy"), attrs.pop("oz"))
    if name is not None:
        g.graph["name"] = name
    elif "name" not in g.graph:
        g.graph["name"] = p.stem
    try:
        conn = Connectome.from_networkx(g)
    except ConnectomeError as e:
        raise ConnectomeError(f"'{p}': {e}") from None
    return read_from(conn, "read_graphml", p, name=name, missing_lengths=missing_lengths)
