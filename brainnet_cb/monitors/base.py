"""The monitor interface: what a run records, computed inside the compiled scan.

A monitor is a pytree dataclass with three pure methods, called by the engine:

- ``init(obs) -> state``: its accumulator, from the observables at ``t = 0``;
- ``update(state, obs) -> state``: after every integration step;
- ``emit(state, obs, steps) -> (state, sample)``: at the end of every period
  of ``steps`` integration steps; the sample has shape
  ``(len(variables), n_regions)`` (:meth:`Monitor.sample_shape`).

``update`` and ``emit`` return a state of the structure, shapes and dtypes
``init`` made. A run traces the three methods once on the host, before
compiling, and refuses a monitor that breaks either rule, naming the method,
the shape it returned and the one expected.

``obs`` maps observable names to arrays of shape ``(n_regions,)``: every state
variable of the model, and ``"coupling"`` (the long-range input the node
receives at that time). Samples are stamped with the time at the end of
their period. A monitor also describes its output (:meth:`to_dataarrays`).

A monitor whose ``update`` branches every few steps (e.g. :class:`~brainnet_cb.Bold`'s
Balloon sub-step, a ``lax.cond`` on a step count) may split it into two more
pure methods and say how often the second one is due:

- ``settle_steps``: the branch's period in steps (``None``: no split);
- ``accumulate(state, obs) -> state``: the per-step, branch-free part;
- ``settle(state, obs) -> state``: the rest, due after every ``settle_steps``
  steps counted from step 0;

with ``update = settle(accumulate(...))``. Where ``settle_steps`` equals the
period of a monitor level of the run, the engine calls ``accumulate`` every
step and ``settle`` at the end of every period of that level (no per-step
branch); elsewhere it calls ``update``. Both give the same numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import jax
import jax.numpy as jnp
import numpy as np

from ..errors import MonitorError
from ..units import to_ms

if TYPE_CHECKING:
    import xarray as xr

    from ..nodes.base import NodeModel

__all__ = ["Monitor", "COUPLING", "Observables"]

COUPLING = "coupling"

#: What a monitor sees after each step: ``{state name or "coupling": array of shape (n,)}``.
Observables = dict[str, jax.Array]


class Monitor:
    """Base class of monitors (subclass and decorate with :func:`brainnet_cb.plugins.monitor`).

    A subclass defines the pure methods ``init``, ``update`` and ``emit``
    (see the module docstring); its period, variables and name are static
    fields (:func:`brainnet_cb.plugins.static_field`).
    """

    default_name: str | None = None

    def period_ms(self, dt: float) -> float:
        """Sampling period in ms (``dt`` when the monitor has no ``period``)."""
        period = getattr(self, "period", None)
        return dt if period is None else to_ms(period, f"{type(self).__name__} period", MonitorError)

    def period_steps(self, dt: float) -> int:
        """Sampling period in integration steps; must be a whole multiple of ``dt``."""
        period = self.period_ms(dt)
        if not period > 0:
            raise MonitorError(f"{type(self).__name__} period must be > 0 ms; got {period} ms.")
        steps = round(period / dt)
        if steps < 1 or abs(steps * dt - period) > 1e-9 * max(period, dt):
            field = getattr(self, "period_field", "period")
            longer = (f", or a smaller dt: dt = {dt:g} ms is longer than the {field} (dt is in ms: dt=0.1 or "
                      f"dt=0.1 * u.ms; 0.1 * u.second is 100 ms)") if period < dt else ""
            raise MonitorError(
                f"{type(self).__name__} {field} {period} ms is not a whole multiple of "
                f"dt = {dt} ms; use e.g. {field}={max(steps, 1) * dt:g} ms{longer}{self._period_hint(period)}."
            )
        return steps

    def _period_hint(self, period: float) -> str:
        """More advice for a period that is not a multiple of ``dt`` (e.g. one given in seconds)."""
        return ""

    def aligned_to(self, labels: Sequence[str]) -> Monitor:
        """This monitor with what it holds per region in the order of the connectome's region ``labels``.

        Called on the host before a run is validated, with the other inputs
        labelled by region (:func:`~brainnet_cb.simulation.labelled.align_by_label`).
        The default returns ``self``; a monitor that holds labelled per-region
        data (:class:`~brainnet_cb.EEG`'s ``regions``) reorders it by label, or
        refuses labels that name other regions.
        """
        return self

    def bind(self, dt: float) -> Monitor:
        """This monitor bound to the run's step ``dt`` (ms), before compilation.

        Called once per run on the host, after :meth:`period_steps`. The
        default returns ``self``; monitors whose ``update`` needs ``dt``
        (e.g. :class:`~brainnet_cb.Bold`, which integrates its own ODE in
        seconds) return a copy holding what they derived from it.
        """
        return self

    def observables(self, model: NodeModel) -> tuple[str, ...]:
        """Names of the observables this monitor records, checked against ``model``."""
        variables = getattr(self, "variables", None)
        valid = tuple(model.states) + (COUPLING,)
        if variables is None:
            return tuple(model.states)
        if isinstance(variables, str):
            variables = (variables,)
        bad = [v for v in variables if v not in valid]
        if bad or not variables:
            raise MonitorError(
                f"{type(self).__name__} cannot record {bad or variables!r}; "
                f"choose from {valid}."
            )
        twice = sorted({v for v in variables if list(variables).count(v) > 1})
        if twice:
            raise MonitorError(
                f"{type(self).__name__} variables name {twice} more than once ({tuple(variables)!r}); "
                f"list each observable once, e.g. variables={tuple(dict.fromkeys(variables))!r}."
            )
        return tuple(variables)

    @property
    def label(self) -> str | None:
        """The monitor's name in the output (``None``: plain variable names)."""
        return getattr(self, "name", None) or self.default_name

    def output_names(self, model: NodeModel) -> list[str]:
        """Names of the data variables this monitor contributes."""
        prefix = f"{self.label}_" if self.label else ""
        return [prefix + v for v in self.observables(model)]

    def time_dim(self) -> str:
        return f"time_{self.label}" if self.label else "time"

    def sample_shape(self, model: NodeModel, n_regions: int) -> tuple[int, ...]:
        """Shape of the sample ``emit`` returns: ``(len(observables), n_regions)``, one row per observable.

        A monitor whose samples are laid out otherwise (e.g. :class:`~brainnet_cb.EEG`: one row of
        sensors) overrides it together with :meth:`to_dataarrays`. Every run checks ``emit``
        against it before compiling (:func:`~brainnet_cb.simulation.validation.check_monitor_outputs`).
        """
        return (len(self.observables(model)), n_regions)

    def _select(self, obs, model):
        return jnp.stack([obs[v] for v in self.observables(model)])

    def to_dataarrays(self, samples: np.ndarray, times_ms: np.ndarray, model: NodeModel,
                      regions: Sequence[str]) -> dict[str, xr.DataArray]:
        """``{name: DataArray}`` from ``samples`` of shape ``(time, variable, region)``."""
        import xarray as xr  # noqa: PLC0415 - loaded on first use (start-up, memory)

        dim = self.time_dim()
        out = {}
        units = dict(model.state_units, **{COUPLING: "1"})
        long_names = dict(getattr(model, "long_names", {}), **{COUPLING: "long-range coupling input"})
        for k, (var, name) in enumerate(zip(self.observables(model), self.output_names(model))):
            out[name] = xr.DataArray(
                samples[:, k, :],
                dims=(dim, "region"),
                coords={dim: (dim, times_ms, {"units": "ms", "long_name": "time"}), "region": regions},
                attrs={
                    "units": units.get(var, "1"),
                    "long_name": long_names.get(var, var),
                    "monitor": self.describe(),
                },
            )
        return out

    def describe(self) -> str:
        fields = ", ".join(
            f"{k}={getattr(self, k)!r}" for k in self.__dataclass_fields__ if getattr(self, k) is not None
        )
        return f"{type(self).__name__}({fields})"
