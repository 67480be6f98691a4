"""Monitors of the neural state: raw, subsampled and temporally averaged."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import jax
import jax.numpy as jnp

from .._pytree import pytree_dataclass, static_field
from .._types import Time
from .base import Monitor, Observables

if TYPE_CHECKING:
    from ..nodes.base import NodeModel

__all__ = ["Raw", "SubSample", "TemporalAverage"]


@pytree_dataclass
class SubSample(Monitor):
    """The observables at the end of every ``period`` (no averaging).

    Parameters
    ----------
    period : float or brainunit.Quantity
        Sampling period (ms), a whole multiple of ``dt``.
    variables : tuple of str, optional
        What to record: state names and/or ``"coupling"``. Default: all states.
    name : str, optional
        Prefix of the output variables and of their time dimension
        (``"{name}_r"``, ``"time_{name}"``); needed only to tell two monitors apart.
    """

    period: Time | None = static_field(default=1.0)
    variables: tuple[str, ...] | None = static_field(default=None)
    name: str | None = static_field(default=None)

    def init(self, obs: Observables, model: NodeModel) -> Any:
        return ()

    def update(self, state: Any, obs: Observables, model: NodeModel) -> Any:
        return state

    def emit(self, state: Any, obs: Observables, model: NodeModel, steps: int) -> tuple[Any, jax.Array]:
        return state, self._select(obs, model)


@pytree_dataclass
class Raw(SubSample):
    """Every integration step (``SubSample`` with ``period = dt``)."""

    period: Time | None = static_field(default=None)
    variables: tuple[str, ...] | None = static_field(default=None)
    name: str | None = static_field(default=None)


@pytree_dataclass
class TemporalAverage(Monitor):
    """The mean of the observables over each ``period`` (steps ``t - period + dt .. t``).

    Parameters are those of :class:`SubSample`.
    """

    period: Time | None = static_field(default=1.0)
    variables: tuple[str, ...] | None = static_field(default=None)
    name: str | None = static_field(default=None)

    def init(self, obs: Observables, model: NodeModel) -> Any:
        return jnp.zeros_like(self._select(obs, model))

    def update(self, state: Any, obs: Observables, model: NodeModel) -> Any:
        return state + self._select(obs, model)

    def emit(self, state: Any, obs: Observables, model: NodeModel, steps: int) -> tuple[Any, jax.Array]:
        return jnp.zeros_like(state), state / steps
