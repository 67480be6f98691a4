"""Moved to :mod:`brainnet_cb.simulation.batch` (batched runs); this module re-exports it so that
``brainnet_cb.batch`` keeps working."""

from .simulation.batch import (
    simulate_batch,
)

__all__ = [
    "simulate_batch",
]
