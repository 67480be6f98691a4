"""Floating-point precision of runs.

JAX computes in float32 unless ``jax_enable_x64`` is on, and importing
brainstate can switch it off again; :func:`enable_float64` imports brainstate and
sets both JAX's and brainstate's switches (so a later ``import brainstate`` keeps
float64). A run that asks for float64 while it is off is refused rather than
silently computed in float32. Runs in float32 do not import brainstate.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
from jax.typing import DTypeLike

from .errors import SimulationError

__all__ = ["enable_float64", "resolve_dtype"]


def enable_float64() -> None:
    """Compute in float64 from now on (JAX ``jax_enable_x64`` and brainstate precision 64).

    Call it once, before building arrays or running: runs whose ``dtype`` is
    not given are float64 afterwards (float32 before). Both switches are set
    because importing brainstate can reset ``jax_enable_x64``; setting only
    JAX's would leave a run silently in float32. A run can also ask for
    ``dtype="float64"`` itself.

    Returns
    -------
    None

    Examples
    --------
    >>> import jax.numpy as jnp, brainnet_cb as bn
    >>> bn.enable_float64()  # doctest: +SKIP
    >>> jnp.asarray(1.0).dtype  # doctest: +SKIP
    dtype('float64')
    """
    import brainstate  # noqa: PLC0415 - only a float64 session needs its switch

    brainstate.environ.set(precision=64)
    jax.config.update("jax_enable_x64", True)


def resolve_dtype(dtype: DTypeLike | None) -> jnp.dtype:
    """The float dtype of a run: ``None`` means float64 if enabled, else float32."""
    if dtype is None:
        return jnp.dtype(jnp.result_type(float))
    try:
        dt = jnp.dtype(dtype)
    except TypeError:
        raise SimulationError(f"dtype must be 'float32' or 'float64'; got {dtype!r}.") from None
    if dt not in (jnp.dtype("float32"), jnp.dtype("float64")):
        raise SimulationError(f"dtype must be 'float32' or 'float64'; got {dtype!r}.")
    if dt == jnp.dtype("float64") and not jax.config.jax_enable_x64:
        raise SimulationError(
            "dtype float64 was asked for but JAX is in float32 mode (jax_enable_x64 is off; "
            "importing brainstate can switch it off). Call bn.enable_float64() first."
        )
    return dt
