"""Moved to :mod:`brainnet_cb.fitting.sweep` (parameter sweeps); this module re-exports it so that
``brainnet_cb.sweep`` keeps working."""

from .fitting.sweep import (
    DEFAULT_MEMORY,
    SUMMARIES,
    run_batch,
    sweep,
)

__all__ = [
    "sweep",
    "run_batch",
    "DEFAULT_MEMORY",
    "SUMMARIES",
]
