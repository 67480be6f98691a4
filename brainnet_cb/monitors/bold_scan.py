"""The BOLD monitor inside the compiled scan: the sub-step sum, the drive, the Balloon step and the window mean.

:class:`BoldScan` holds the pure methods of :class:`~brainnet_cb.monitors.bold.Bold`
that the engine calls every step (``init``, ``accumulate``, ``settle``,
``update``, ``emit``); Bold inherits them. The integration rule they follow is
stated in the docstring of :mod:`brainnet_cb.monitors.bold`.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import jax
import jax.numpy as jnp
import numpy as np

from ..errors import MonitorError
from .base import Observables
from .hemodynamics import balloon_rk4_step, bold_signal, rest_state
from .sources import source_signal

if TYPE_CHECKING:
    from ..nodes.base import NodeModel

__all__ = ["BoldScan"]


class BoldScan:
    """The scan of :class:`~brainnet_cb.monitors.bold.Bold` (a base of it): the methods the engine calls.

    They read Bold's fields (``variable``, ``scale``, ``baseline``, ``baseline_mode``,
    ``sampling``, ``substeps``, ``dt_bold``, ``rest_after``) and its ``constants()``.
    """

    def _constants_as(self, dtype) -> dict:
        """``constants()`` with per-region arrays in the run's ``dtype``; scalars as they are (bit for bit).

        A float64 array (``kappa=[0.65, 0.6]``) promoted a float32 run's Balloon state to float64, and the
        sub-step's ``lax.cond`` refused its branches ("cond branches must have equal output types").
        """
        return {k: v if np.ndim(v) == 0 else jnp.asarray(v, dtype) for k, v in self.constants().items()}

    # --- the scan --------------------------------------------------------------------
    def init(self, obs: Observables, model: NodeModel) -> Any:
        x = source_signal(self.variable, obs, model)
        n = x.shape[-1]
        dtype = jnp.result_type(x.dtype, float)
        if self.baseline_mode == "initial":
            base = jnp.asarray(x, dtype)
        elif self.baseline_mode == "value":
            b = jnp.asarray(self.baseline, dtype)
            if b.ndim > 1 or (b.ndim == 1 and b.shape[0] != n):
                raise MonitorError(
                    f"Bold baseline must be a scalar or have shape ({n},) (one value per region); "
                    f"got shape {b.shape}."
                )
            base = jnp.broadcast_to(b, (n,))
        else:
            base = jnp.zeros((n,), dtype)
        s = jnp.asarray(self.scale, dtype)
        if s.ndim > 1 or (s.ndim == 1 and s.shape[0] != n):
            raise MonitorError(
                f"Bold scale must be a scalar or have shape ({n},); got shape {s.shape}."
            )
        state = {
            "acc": jnp.zeros((n,), dtype),
            "count": jnp.asarray(0, jnp.int32),
            "x": rest_state(n, dtype),
            "ysum": jnp.zeros((n,), dtype),
            "base": base,
        }
        if self.baseline_mode == "rest":  # running mean and count of the sub-step means after rest_after
            # the counts are integers: a float32 count stops at 2**24 (2**24 + 1 rounds back), and the mean
            # became a moving average of the last 2**24 sub-steps (after 23.3 h at dt_bold = 5 ms)
            zero = jnp.asarray(0, jnp.int32)
            state.update(bmean=jnp.zeros((n,), dtype), bcount=zero, nsub=zero)
            if dtype == jnp.float32:  # the rounding of the running mean, carried to its next update (Kahan)
                state["bcomp"] = jnp.zeros((n,), dtype)
        return state

    @property
    def settle_steps(self) -> int | None:
        """Steps per Balloon sub-step (``k``): :meth:`settle` runs after every ``k`` steps."""
        return self.substeps

    def accumulate(self, state: Any, obs: Observables, model: NodeModel) -> Any:
        """The branch-free part of :meth:`update`: add this step's source to the sub-step sum."""
        return dict(state, acc=state["acc"] + source_signal(self.variable, obs, model), count=state["count"] + 1)

    def settle(self, state: Any, obs: Observables, model: NodeModel) -> Any:
        """The Balloon sub-step, once ``k`` steps are summed (a ``lax.cond`` on the count)."""
        k = self.substeps
        h = self._h_seconds()
        c = self._constants_as(state["ysum"].dtype)

        def substep(st):
            st = dict(st)
            xbar = st["acc"] / k
            if self.baseline_mode == "rest":
                z, st = self._relative_drive(xbar, st)
            else:
                z = jnp.asarray(self.scale, xbar.dtype) * (xbar - st["base"])  # a float64 array: no promotion
            st["x"] = balloon_rk4_step(st["x"], z, h, c)
            if self.sampling == "mean":
                st["ysum"] = st["ysum"] + bold_signal(st["x"], c)
            st["acc"] = jnp.zeros_like(st["acc"])
            st["count"] = jnp.zeros_like(st["count"])
            return st

        return jax.lax.cond(state["count"] == k, substep, lambda st: st, state)

    def update(self, state: Any, obs: Observables, model: NodeModel) -> Any:
        """:meth:`accumulate`, then :meth:`settle` (the engine calls them apart where it can)."""
        return self.settle(self.accumulate(state, obs, model), obs, model)

    def _drive_text(self):
        mode, v = self.baseline_mode, self.variable
        if mode == "rest":
            return f"scale * ({v} - rest) / |rest|, rest = running mean of {v} after {self.rest_after:g} ms"
        return {"initial": f"scale * ({v} - {v}(t=0))", "value": f"scale * ({v} - baseline)"}.get(mode, f"scale * {v}")

    def _rest_substeps(self) -> int:
        """The sub-steps that end within ``rest_after``: the resting level is the mean of the sub-steps after them."""
        return int(math.floor(self.rest_after / self.dt_bold + 1e-9))

    def _relative_drive(self, xbar, st):
        """``z = scale (xbar - b) / |b|``, ``b`` the running mean of the sub-step means after ``rest_after``."""
        nsub = st["nsub"] + 1
        on = nsub > self._rest_substeps()  # this sub-step ends after rest_after
        bcount = st["bcount"] + on.astype(st["bcount"].dtype)
        # running mean updated in place (b += (x - b) / count): no large sum to round in float32,
        # and a constant source keeps b exactly equal to it; the count in the run's dtype is exact below
        # 2**24, rounded to 6e-8 of itself above (float32), never stuck
        step = jnp.where(on, (xbar - st["bmean"]) / jnp.maximum(bcount, 1).astype(st["bmean"].dtype), 0.0)
        if "bcomp" in st:
            # float32: once (x - b) / count falls under half a unit in the last place of b (after ~1e5
            # sub-steps, ~10 min at 5 ms), each update rounds; b wandered 1.4e-4 off the mean within an hour
            # and the BOLD signal 1 % of its sd off float64. Compensated (Kahan), b stays within a few ulp.
            y = step - st["bcomp"]
            b = st["bmean"] + y
            st = dict(st, bcomp=(b - st["bmean"]) - y)
        else:
            b = st["bmean"] + step
        ok = (bcount > 0) & (b != 0)
        z = jnp.where(ok, jnp.asarray(self.scale, xbar.dtype) * (xbar - b) / jnp.where(ok, jnp.abs(b), 1.0), 0.0)
        return z, dict(st, nsub=nsub, bmean=b, bcount=bcount)

    def emit(self, state: Any, obs: Observables, model: NodeModel, steps: int) -> tuple[Any, jax.Array]:
        c = self._constants_as(state["ysum"].dtype)
        if self.sampling == "mean":
            y = state["ysum"] / (steps // self.substeps)
        else:
            y = bold_signal(state["x"], c)
        return dict(state, ysum=jnp.zeros_like(state["ysum"])), y[None, :]
