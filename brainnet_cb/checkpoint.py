"""Moved to :mod:`brainnet_cb.simulation.checkpoint` (checkpoints and resume); this module re-exports it so that
``brainnet_cb.checkpoint`` keeps working."""

from .simulation.checkpoint import (
    CHECKPOINT_FORMAT,
    Checkpointer,
    ResumeState,
    fingerprint,
    load_checkpoint,
)

__all__ = [
    "Checkpointer",
    "ResumeState",
    "fingerprint",
    "load_checkpoint",
    "CHECKPOINT_FORMAT",
]
