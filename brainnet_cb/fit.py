"""Moved to :mod:`brainnet_cb.fitting.fit` (gradient and grid fits); this module re-exports it so that
``brainnet_cb.fit`` keeps working."""

from .fitting.fit import (
    LOSSES,
    OBJECTIVES,
    fc_loss,
    fit_bounds,
    fit_gradient,
    fit_grid,
)

__all__ = [
    "fit_gradient",
    "fit_grid",
    "fc_loss",
    "fit_bounds",
    "LOSSES",
    "OBJECTIVES",
]
