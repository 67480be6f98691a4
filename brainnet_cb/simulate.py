"""Moved to :mod:`brainnet_cb.simulation.simulate` (the run conveniences); this module re-exports it so that
``brainnet_cb.simulate`` keeps working."""

from .simulation.simulate import (
    Execution,
    Run,
    Simulation,
    prepare,
    simulate,
)

__all__ = [
    "simulate",
    "prepare",
    "Run",
    "Simulation",
    "Execution",
]
