"""Moved to :mod:`brainnet_cb.analysis.graph` (graph metrics of a connectome); this module
re-exports it so that ``brainnet_cb.graph`` keeps working."""

from .analysis.graph import PATH_WEIGHTS, graph_metrics, shortest_path_lengths

__all__ = ["graph_metrics", "shortest_path_lengths", "PATH_WEIGHTS"]
