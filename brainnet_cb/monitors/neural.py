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
    r"""The observables at the end of every ``period`` (no averaging): :math:`x(t_k)`, :math:`t_k = k\,T`.

    Output: one variable per recorded observable (``r``, ``v``, ...), dims
    ``(time, region)``, time in ms at the end of each period.

    Parameters
    ----------
    period : float or brainunit.Quantity, default 1.0
        Sampling period ``T`` (ms), a whole multiple of ``dt``.
    variables : tuple of str, optional
        What to record: state names and/or ``"coupling"`` (the input the
        coupling delivers). Default: all states.
    name : str, optional
        Prefix of the output variables and of their time dimension
        (``"{name}_r"``, ``"time_{name}"``); needed only to tell two monitors apart.

    Examples
    --------
    >>> import brainnet_cb as bn
    >>> conn = bn.Connectome(weights=[[0, 1], [1, 0]], lengths=[[0, 30], [30, 0]])
    >>> ds = bn.simulate(bn.CoombesByrne(), conn, duration=1.0, dt=0.1,
    ...                  monitors=[bn.SubSample(0.5, name="sub")])
    >>> list(ds.data_vars), ds.time_sub.values.tolist()
    (['sub_r', 'sub_v'], [0.5, 1.0])
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
    """Every integration step (``SubSample`` with ``period = dt``): a sample per ``dt``.

    Memory grows with ``duration / dt``; prefer :class:`TemporalAverage` or
    :class:`SubSample` for long runs.

    Parameters
    ----------
    variables : tuple of str, optional
        What to record: state names and/or ``"coupling"``. Default: all states.
    name : str, optional
        Prefix of the output variables and of their time dimension, as for
        :class:`SubSample`.

    Examples
    --------
    >>> import brainnet_cb as bn
    >>> conn = bn.Connectome(weights=[[0, 1], [1, 0]], lengths=[[0, 30], [30, 0]])
    >>> ds = bn.simulate(bn.CoombesByrne(), conn, duration=1.0, dt=0.1,
    ...                  monitors=[bn.Raw(variables=("v",))])
    >>> ds.v.dims, ds.sizes["time"]
    (('time', 'region'), 10)
    """

    period: Time | None = static_field(default=None)
    variables: tuple[str, ...] | None = static_field(default=None)
    name: str | None = static_field(default=None)


@pytree_dataclass
class TemporalAverage(Monitor):
    r"""The mean of the observables over each ``period`` (the default monitor of :func:`~brainnet_cb.simulate`).

    .. math:: \bar x(t_k) = \frac{1}{n} \sum_{m=0}^{n-1} x(t_k - m\,dt),
              \qquad n = T / dt, \quad t_k = k\,T,

    i.e. the steps ``t - period + dt .. t``; the time coordinate (ms) is the
    end of each period.

    Parameters
    ----------
    period : float or brainunit.Quantity, default 1.0
        Averaging and sampling period ``T`` (ms), a whole multiple of ``dt``.
    variables : tuple of str, optional
        What to record: state names and/or ``"coupling"``. Default: all states.
    name : str, optional
        Prefix of the output variables and of their time dimension, as for
        :class:`SubSample`.

    Examples
    --------
    >>> import brainnet_cb as bn, brainunit as u
    >>> conn = bn.Connectome(weights=[[0, 1], [1, 0]], lengths=[[0, 30], [30, 0]])
    >>> ds = bn.simulate(bn.CoombesByrne(), conn, duration=20.0, dt=0.1,
    ...                  monitors=[bn.TemporalAverage(5 * u.ms, variables=("r",))])
    >>> list(ds.data_vars), ds.time.values.tolist()
    (['r'], [5.0, 10.0, 15.0, 20.0])
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
