"""Moved to :mod:`brainnet_cb.data.atlases` (the bundled connectomes); this module re-exports it so that
``brainnet_cb.atlases`` keeps working."""

from .data.atlases import (
    DEFAULT_ATLAS,
    AtlasInfo,
    atlas_info,
    atlas_path,
    list_atlases,
    load_atlas,
)

__all__ = [
    "AtlasInfo",
    "list_atlases",
    "atlas_info",
    "load_atlas",
    "atlas_path",
    "DEFAULT_ATLAS",
]
