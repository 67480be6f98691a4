"""Moved to :mod:`brainnet_cb.data.empirical_data` (the bundled empirical data); this module re-exports it so that
``brainnet_cb.empirical_data`` keeps working."""

from .data.empirical_data import (
    GROUPS,
    EmpiricalData,
    empirical_path,
    list_empirical,
    load_empirical,
)

__all__ = [
    "EmpiricalData",
    "list_empirical",
    "load_empirical",
    "empirical_path",
    "GROUPS",
]
