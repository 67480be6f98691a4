"""Moved to :mod:`brainnet_cb.simulation.streaming` (streaming to Zarr); this module re-exports it so that
``brainnet_cb.streaming`` keeps working."""

from .simulation.streaming import (
    PROGRESS_ATTR,
    Sink,
    ZarrSink,
)

__all__ = [
    "Sink",
    "ZarrSink",
    "PROGRESS_ATTR",
]
