"""Host-side checks shared by models, couplings, noise and fits."""

from __future__ import annotations

import dataclasses
import os
import sys

import numpy as np

__all__ = ["per_region", "caller_stacklevel"]


def per_region(value, n, what, error, per="region", scalar="a scalar"):
    """``value`` as a float array that is a scalar or has shape ``(n,)``, all finite.

    Raises ``error`` naming ``what`` (e.g. ``"CoombesByrne.eta"``) with what was
    received and what is expected: one value, or one value per ``per``.
    """
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise error(f"{what} must be a number or one number per {per}; got {value!r}.") from None
    if arr.ndim > 1 or (arr.ndim == 1 and arr.shape[0] != n):
        raise error(
            f"{what} must be {scalar} or have shape ({n},) (one value per {per}); got shape {arr.shape}."
        )
    if not np.all(np.isfinite(arr)):
        raise error(f"{what} must be finite; got {value!r}.")
    return arr


_INTERNAL = (os.path.dirname(os.path.abspath(__file__)), os.path.dirname(dataclasses.__file__))


def caller_stacklevel():
    """The ``stacklevel`` of the first frame outside brainnet_cb and the standard library's dataclasses (whose
    generated ``__init__`` is compiled from ``"<string>"``)."""
    frame, level = sys._getframe(1), 1
    while frame is not None and (os.path.abspath(frame.f_code.co_filename).startswith(_INTERNAL)
                                 or (frame.f_code.co_filename, frame.f_code.co_name) == ("<string>", "__init__")):
        frame, level = frame.f_back, level + 1
    return level
