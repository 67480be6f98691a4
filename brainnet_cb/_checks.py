"""Host-side checks shared by models, couplings, noise and fits."""

from __future__ import annotations

import numpy as np

__all__ = ["per_region"]


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
