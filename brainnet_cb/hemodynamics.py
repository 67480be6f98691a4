"""Moved to :mod:`brainnet_cb.monitors.hemodynamics` (the Balloon–Windkessel equations beside
the ``Bold`` monitor); this module re-exports it so that ``brainnet_cb.hemodynamics`` keeps
working."""

from .monitors.hemodynamics import (
    HEMODYNAMIC_CONSTANTS,
    PRESETS,
    balloon_rhs,
    balloon_rk4_step,
    bold_signal,
    check_constants,
    check_preset,
    resolve_constants,
    rest_state,
)

__all__ = [
    "PRESETS",
    "check_preset",
    "check_constants",
    "HEMODYNAMIC_CONSTANTS",
    "resolve_constants",
    "balloon_rhs",
    "balloon_rk4_step",
    "bold_signal",
    "rest_state",
]
