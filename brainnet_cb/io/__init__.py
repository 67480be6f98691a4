"""Moved to :mod:`brainnet_cb.data.io` (connectome readers and writers); this module re-exports it so that
``brainnet_cb.io`` and ``bn.io`` keep working."""

from ..data.io import (
    Parcellation,
    PlaceholderCentresWarning,
    read_connectome,
    read_graphml,
    read_label_table,
    read_mat,
    read_matrix,
    read_npz,
    read_parcellation,
    read_surface_parcellation,
    read_tractography,
    read_tvb,
    region_image,
    region_map,
    write_graphml,
    write_npz,
    write_tvb,
)

__all__ = [
    "read_connectome",
    "read_tvb",
    "write_tvb",
    "PlaceholderCentresWarning",
    "read_npz",
    "write_npz",
    "read_matrix",
    "read_mat",
    "read_graphml",
    "write_graphml",
    "Parcellation",
    "read_parcellation",
    "read_surface_parcellation",
    "read_label_table",
    "region_map",
    "region_image",
    "read_tractography",
]
