"""What the BOLD monitor checks on the host when it is made: its step bound, the short-TR warning, quantities.

:class:`~brainnet_cb.monitors.bold.Bold` uses these in ``__post_init__`` and
``bind``: :data:`DEFAULT_DT_BOLD` (the largest sub-step chosen by default),
:data:`SHORT_TR_MS` and :class:`ShortTRWarning` (a TR that reads as seconds),
the haemodynamic constants given as brainunit quantities, and whether the Bold
being made is a copy of one already checked.
"""

from __future__ import annotations

import dataclasses
import sys

import numpy as np

from ..errors import MonitorError
from ..units import brainunit_module
from .hemodynamics import PRESETS

__all__ = ["DEFAULT_DT_BOLD", "SHORT_TR_MS", "ShortTRWarning"]

#: Default upper bound of the BOLD integration step (ms); see :meth:`Bold.bind`.
DEFAULT_DT_BOLD = 5.0

#: A plain-number ``tr`` below this (ms) raises :class:`ShortTRWarning`: a TR given in seconds, most likely.
SHORT_TR_MS = 100.0


class ShortTRWarning(UserWarning):
    """A BOLD ``tr`` given as a plain number under 100 ms: most likely seconds, read as ms.

    ``tr`` is in ms; scanners sample every 0.4-3 s (400-3000 ms), and the
    haemodynamic response lasts seconds, so ``Bold(tr=0.72)`` (a TR of 0.72 s
    written in seconds) samples every 0.72 ms. Where ``dt`` divides it the run
    goes through. A :mod:`brainunit` quantity (``0.72 * u.second``) is
    converted and never warns; a short TR chosen on purpose (a test of a few
    hundred ms) can be kept quiet with ``warnings.simplefilter("ignore",
    bn.ShortTRWarning)``.
    """

SAMPLING = ("mean", "point")


def is_concrete(value):
    """True for host numbers/arrays (not tracers nor placeholders)."""
    return isinstance(value, (int, float, np.ndarray, np.number, list, tuple)) and not isinstance(value, bool)


def constant_in_unit(name, value, unit, meaning):
    """The haemodynamic constant ``name`` given as a brainunit quantity, as a number in its ``unit`` (s, 1/s, 1)."""
    u = brainunit_module()
    try:
        out = np.asarray(value.to_decimal(u.parse_unit(unit)), dtype=float)
    except Exception:  # noqa: BLE001 - brainunit raises several kinds on a dimension mismatch
        if unit == "1":
            what, fix = "dimensionless", "a plain number"
        else:
            typical = PRESETS["revised_3T"].get(name, PRESETS["classic"].get(name, 1.0))
            what = f"in {unit}"
            fix = (f"e.g. Bold({name}={typical:g} {'* u.second' if unit == 's' else '/ u.second'}) or a plain "
                   f"number in {unit}")
        raise MonitorError(f"Bold {name} ({meaning}) is {what}; got {value} (unit {u.get_unit(value)}). "
                           f"Pass {fix}.") from None
    return float(out) if out.ndim == 0 else out


def made_by_copy() -> bool:
    """Whether the Bold being made is a copy of one already checked (``dataclasses.replace``, a pytree unflatten)."""
    frame = sys._getframe(1)  # __post_init__ (and pytree_dataclass's) <- the dataclass's __init__ (and its wrapper)
    while frame is not None and frame.f_code.co_name in ("__init__", "__post_init__"):
        frame = frame.f_back
    if frame is None:
        return False
    caller = frame.f_code
    return (caller.co_name in ("replace", "_replace") and caller.co_filename == dataclasses.__file__) or (
        caller.co_name == "unflatten" and caller.co_filename.endswith("_pytree.py"))
