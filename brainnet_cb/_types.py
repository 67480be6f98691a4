"""Type aliases of the public API (annotations only; nothing here is checked at run time)."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, Union

import jax

if TYPE_CHECKING:
    import brainunit

__all__ = ["ArrayLike", "Parameter", "Time", "Length", "PathLike", "Inputs"]

#: Anything JAX accepts as an array: a Python scalar, a NumPy or JAX array.
ArrayLike = jax.typing.ArrayLike

#: A model, coupling or monitor parameter: a scalar, or one value per region (shape ``(n,)``).
Parameter = jax.typing.ArrayLike

#: A time: a plain number in ms (the neural model's unit) or a ``brainunit`` quantity.
Time = Union[float, "brainunit.Quantity"]

#: A length: a plain number in mm or a ``brainunit`` quantity.
Length = Union[float, "brainunit.Quantity"]

#: A file-system path.
PathLike = str | os.PathLike

#: The input ports of a node model's vector field: ``{port: array of shape (n,)}``.
Inputs = dict[str, Any]
