r"""The BOLD monitor: Balloon–Windkessel haemodynamics inside the compiled scan.

Integration rule (stated once, used in the scan and offline alike):

1. The source signal (``r`` by default) is summed over ``k`` consecutive
   integration steps, ``k = dt_bold / dt``; its mean over that sub-step,
   mean-removed and scaled, is the drive
   :math:`z = \mathrm{scale}\,(\bar x - \mathrm{baseline})`, held constant
   over the sub-step (zero-order hold of the local mean, an O(h^2) rule).
2. The Balloon–Windkessel ODE (:mod:`brainnet_cb.monitors.hemodynamics`, seconds) then
   advances by one classical RK4 step of :math:`h = k\,dt / 1000` s.
3. Anti-aliasing: the sample stamped at :math:`t` is the **mean of the BOLD
   signal over the repetition window** :math:`(t - T_R, t]`, evaluated at the
   end of every sub-step (``sampling="mean"``: a boxcar low-pass whose first
   zero is at :math:`1/T_R`, as a scanner integrates over its acquisition
   window). ``sampling="point"`` returns the instantaneous value at :math:`t`
   (bare picking; for impulse responses and comparisons only).

Only the sub-step accumulator, the four haemodynamic states and the window
sum are carried: memory is O(n), independent of the run length.
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import jax
import jax.numpy as jnp
import numpy as np
import xarray as xr

from .._pytree import pytree_dataclass, static_field
from .._types import ArrayLike, Parameter, Time
from ..errors import MonitorError
from ..units import to_ms
from .base import Monitor, Observables
from .hemodynamics import (
    HEMODYNAMIC_CONSTANTS,
    balloon_rk4_step,
    bold_signal,
    check_constants,
    check_preset,
    resolve_constants,
    rest_state,
)
from .sources import check_source, source_signal

if TYPE_CHECKING:
    from ..nodes.base import NodeModel

__all__ = ["Bold", "bold_from_activity", "DEFAULT_DT_BOLD"]

#: Default upper bound of the BOLD integration step (ms); see :meth:`Bold.bind`.
DEFAULT_DT_BOLD = 5.0

_SAMPLING = ("mean", "point")


def _concrete(value):
    """True for host numbers/arrays (not tracers nor placeholders)."""
    return isinstance(value, (int, float, np.ndarray, np.number, list, tuple)) and not isinstance(value, bool)


@pytree_dataclass
class Bold(Monitor):
    r"""BOLD signal from the Balloon–Windkessel model, sampled every ``tr``.

    The neural source (``variable``) drives the haemodynamic model of
    :mod:`brainnet_cb.monitors.hemodynamics` (time in seconds inside). See the module
    docstring of :mod:`brainnet_cb.monitors.bold` for the integration and
    anti-aliasing rules. Output: one variable ``bold`` with dims
    ``(time_bold, region)``, dimensionless (fractional signal change), time
    stamped at the end of each repetition window (ms).

    Parameters
    ----------
    tr : float or brainunit.Quantity, default 2000.0
        Repetition time (ms; e.g. ``0.72 * u.second``). A whole multiple of
        ``dt`` and of ``dt_bold``.
    variable : str, default "r"
        Source: a state variable, ``"coupling"`` or ``"synaptic_current"``.
    preset : {"revised_3T", "revised_1.5T", "classic"}
        Parameter set (Stephan et al. 2007 at 3 T / 1.5 T; Friston et al. 2003).
    dt_bold : float or brainunit.Quantity, optional
        Step of the haemodynamic integration (ms), a multiple of ``dt`` that
        divides ``tr``. Default: the largest such step <= 5 ms.
    sampling : {"mean", "point"}, default "mean"
        ``"mean"``: window mean over the TR (anti-aliasing); ``"point"``:
        instantaneous value at the sample time.
    discard : float or brainunit.Quantity, default 0
        Initial transient (ms): samples stamped at ``t <= discard`` are dropped
        from the output (the model still integrates through it).
    baseline : float, array of shape (n,), or "initial", optional
        Subtracted from the source before scaling; ``"initial"`` uses its value
        at ``t = 0`` (a run started at a fixed point then rests exactly).
    scale : float or array, default 1.0
        Multiplies the mean-removed source: :math:`z = \mathrm{scale}\,(x - \mathrm{baseline})`.
    kappa, gamma, tau, alpha, E0, V0, k1, k2, k3, theta0, r0, TE, eps : float, optional
        Override single constants of the preset (units in
        :data:`~brainnet_cb.monitors.hemodynamics.HEMODYNAMIC_CONSTANTS`; seconds).
        ``k1..k3`` not given follow from the preset's rule. These are traced
        leaves: new values reuse the compiled program.
    name : str, optional
        Output name (default ``"bold"``) and time dimension ``time_{name}``.

    References
    ----------
    .. [1] K. J. Friston, L. Harrison, W. Penny (2003). Dynamic causal
       modelling. NeuroImage 19, 1273-1302.
    .. [2] K. E. Stephan et al. (2007). Comparing hemodynamic models with DCM.
       NeuroImage 38, 387-401.

    Examples
    --------
    >>> import brainnet_cb as bn
    >>> conn = bn.Connectome(weights=[[0, 1], [1, 0]], lengths=[[0, 30], [30, 0]])
    >>> ds = bn.simulate(bn.CoombesByrne(), conn, duration=2000.0, dt=0.1,
    ...                  monitors=[bn.Bold(tr=500.0, baseline="initial")])
    >>> ds.bold.dims, ds.sizes["time_bold"]
    (('time_bold', 'region'), 4)
    """

    tr: Time = static_field(default=2000.0)
    variable: str = static_field(default="r")
    preset: str = static_field(default="revised_3T")
    dt_bold: Time | None = static_field(default=None)
    sampling: str = static_field(default="mean")
    discard: Time = static_field(default=0.0)
    baseline: Parameter | None = None
    scale: Parameter = 1.0
    kappa: Parameter | None = None
    gamma: Parameter | None = None
    tau: Parameter | None = None
    alpha: Parameter | None = None
    E0: Parameter | None = None
    V0: Parameter | None = None
    k1: Parameter | None = None
    k2: Parameter | None = None
    k3: Parameter | None = None
    theta0: Parameter | None = None
    r0: Parameter | None = None
    TE: Parameter | None = None
    eps: Parameter | None = None
    name: str | None = static_field(default=None)
    baseline_mode: str = static_field(default=None)
    substeps: int = static_field(default=None)

    default_name = "bold"

    def __post_init__(self):
        set_ = lambda k, v: object.__setattr__(self, k, v)  # noqa: E731 (frozen dataclass)
        set_("tr", to_ms(self.tr, "Bold tr", MonitorError))
        if not (isinstance(self.tr, float) and math.isfinite(self.tr) and self.tr > 0):
            raise MonitorError(f"Bold tr must be a finite time > 0 (ms); got {self.tr!r}.")
        if self.dt_bold is not None:
            set_("dt_bold", to_ms(self.dt_bold, "Bold dt_bold", MonitorError))
            if not (isinstance(self.dt_bold, float) and self.dt_bold > 0):
                raise MonitorError(f"Bold dt_bold must be a time > 0 (ms); got {self.dt_bold!r}.")
        set_("discard", to_ms(self.discard, "Bold discard", MonitorError))
        if not (isinstance(self.discard, float) and self.discard >= 0):
            raise MonitorError(f"Bold discard must be a time >= 0 (ms); got {self.discard!r}.")
        check_preset(self.preset)
        if self.sampling not in _SAMPLING:
            raise MonitorError(
                f"Bold sampling must be one of {_SAMPLING} ('mean' = window mean over the TR, "
                f"the anti-aliased default); got {self.sampling!r}."
            )
        if not isinstance(self.variable, str):
            raise MonitorError(f"Bold variable must be a source name such as 'r'; got {self.variable!r}.")
        if isinstance(self.baseline, str):
            if self.baseline != "initial":
                raise MonitorError(
                    f"Bold baseline must be a number, an array of one value per region, "
                    f"'initial' or None; got {self.baseline!r}."
                )
            set_("baseline", None)
            set_("baseline_mode", "initial")
        elif self.baseline_mode is None:
            set_("baseline_mode", "none" if self.baseline is None else "value")
        for field in ("baseline", "scale"):
            value = getattr(self, field)
            if _concrete(value) and not np.all(np.isfinite(np.asarray(value, dtype=float))):
                raise MonitorError(f"Bold {field} must be finite; got {value!r}.")
        overrides = {k: getattr(self, k) for k in HEMODYNAMIC_CONSTANTS}
        check_constants({k: v for k, v in overrides.items() if _concrete(v)})
        resolve_constants(self.preset, {k: v for k, v in overrides.items() if v is not None})

    # --- description -----------------------------------------------------------------
    def constants(self) -> dict:
        """The nine model constants in use (preset + overrides); see :func:`resolve_constants`."""
        return resolve_constants(self.preset, {k: getattr(self, k) for k in HEMODYNAMIC_CONSTANTS})

    def period_ms(self, dt: float) -> float:
        return self.tr

    def observables(self, model: NodeModel) -> tuple[str, ...]:
        return (check_source(self.variable, model, "Bold"),)

    def output_names(self, model: NodeModel) -> list[str]:
        return [self.label]

    def time_dim(self) -> str:
        return f"time_{self.label}"

    def describe(self) -> str:
        keep = [k for k in self.__dataclass_fields__ if k not in ("baseline_mode", "substeps")]
        fields = []
        for k in keep:
            v = getattr(self, k)
            if v is None:
                continue
            if k == "baseline" and np.ndim(v):
                v = "<array>"
            fields.append(f"{k}={v!r}")
        if self.baseline_mode == "initial":
            fields.append("baseline='initial'")
        return f"Bold({', '.join(fields)})"

    def __repr__(self):
        return self.describe()

    # --- binding to the run ----------------------------------------------------------
    def check_duration(self, duration: float) -> None:
        """Refuse a run of ``duration`` ms in which this monitor keeps no volume (before compilation).

        Volumes are stamped at ``k * tr`` for ``k = 1 .. floor(duration / tr)``
        and those at ``t <= discard`` are dropped; a run that keeps none
        raises :class:`MonitorError` naming the numbers and the fix.
        """
        n = int(math.floor(duration / self.tr + 1e-9))
        if n == 0:
            raise MonitorError(
                f"Bold tr = {self.tr:g} ms is longer than the run ({duration:g} ms): no volume would be "
                f"recorded. Run at least one TR (duration >= {self.tr:g} ms) or choose a shorter tr."
            )
        dropped = min(n, int(math.floor(self.discard / self.tr + 1e-9)))
        if dropped == n:
            raise MonitorError(
                f"Bold discard = {self.discard:g} ms drops every volume of a {duration:g} ms run ({n} volumes "
                f"at TR = {self.tr:g} ms, the last at {n * self.tr:g} ms): no BOLD would be recorded. Lower "
                f"discard below {n * self.tr:g} ms, or run at least {(dropped + 1) * self.tr:g} ms."
            )

    def bind(self, dt: float) -> Bold:
        """Fix the sub-step ``k = dt_bold / dt`` (steps) for a run with step ``dt`` (ms).

        With ``dt_bold`` unset, ``k`` is the largest divisor of the TR (in
        steps) with ``k dt <= 5 ms``. Raises :class:`MonitorError` if
        ``dt_bold`` is not a multiple of ``dt`` or does not divide ``tr``.
        """
        tr_steps = self.period_steps(dt)
        if self.dt_bold is None:
            k_max = max(1, int(math.floor(DEFAULT_DT_BOLD / dt + 1e-9)))
            k = max(d for d in range(1, min(k_max, tr_steps) + 1) if tr_steps % d == 0)
        else:
            k = round(self.dt_bold / dt)
            if k < 1 or abs(k * dt - self.dt_bold) > 1e-9 * max(self.dt_bold, dt):
                raise MonitorError(
                    f"Bold dt_bold = {self.dt_bold:g} ms is not a whole multiple of dt = {dt:g} ms; "
                    f"use e.g. dt_bold={max(k, 1) * dt:g} ms, or leave it unset."
                )
            if tr_steps % k:
                raise MonitorError(
                    f"Bold tr = {self.tr:g} ms is not a whole multiple of the BOLD sampling step "
                    f"dt_bold = {self.dt_bold:g} ms; choose dt_bold dividing the TR "
                    f"(e.g. {math.gcd(tr_steps, k) * dt:g} ms) or leave it unset."
                )
        return dataclasses.replace(self, dt_bold=k * dt, substeps=k)

    def _h_seconds(self):
        if self.substeps is None:
            raise MonitorError("Bold must be bound to a run's dt first (Bold.bind(dt)).")
        return self.dt_bold / 1000.0

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
        return {
            "acc": jnp.zeros((n,), dtype),
            "count": jnp.asarray(0, jnp.int32),
            "x": rest_state(n, dtype),
            "ysum": jnp.zeros((n,), dtype),
            "base": base,
        }

    def update(self, state: Any, obs: Observables, model: NodeModel) -> Any:
        k = self.substeps
        h = self._h_seconds()
        c = self.constants()
        acc = state["acc"] + source_signal(self.variable, obs, model)
        count = state["count"] + 1

        def substep(args):
            acc, x, ysum = args
            z = self.scale * (acc / k - state["base"])
            x = balloon_rk4_step(x, z, h, c)
            if self.sampling == "mean":
                ysum = ysum + bold_signal(x, c)
            return jnp.zeros_like(acc), x, ysum

        acc, x, ysum = jax.lax.cond(count == k, substep, lambda a: a, (acc, state["x"], state["ysum"]))
        count = jnp.where(count == k, 0, count)
        return dict(state, acc=acc, count=count, x=x, ysum=ysum)

    def emit(self, state: Any, obs: Observables, model: NodeModel, steps: int) -> tuple[Any, jax.Array]:
        c = self.constants()
        if self.sampling == "mean":
            y = state["ysum"] / (steps // self.substeps)
        else:
            y = bold_signal(state["x"], c)
        return dict(state, ysum=jnp.zeros_like(state["ysum"])), y[None, :]

    # --- output ----------------------------------------------------------------------
    def to_dataarrays(self, samples: np.ndarray, times_ms: np.ndarray, model: NodeModel,
                      regions: Sequence[str]) -> dict[str, xr.DataArray]:
        samples = np.asarray(samples)
        samples = samples.reshape(len(times_ms), samples.shape[-1])  # (time, 1, n) -> (time, n), also when empty
        keep = np.asarray(times_ms) > self.discard + 1e-9 * self.tr
        dim = self.time_dim()
        c = {k: float(np.asarray(v)) if np.ndim(v) == 0 else np.asarray(v).tolist()
             for k, v in self.constants().items()}
        arr = xr.DataArray(
            samples[keep],
            dims=(dim, "region"),
            coords={
                dim: (dim, np.asarray(times_ms)[keep], {"units": "ms", "long_name": "time (end of TR window)"}),
                "region": regions,
            },
            attrs={
                "units": "1",
                "long_name": "BOLD signal (fractional change)",
                "monitor": self.describe(),
                "source": self.variable,
                "preset": self.preset,
                "constants": json.dumps(c),
                "tr_ms": self.tr,
                "dt_bold_ms": float(self.dt_bold) if self.dt_bold is not None else float("nan"),
                "sampling": (
                    "mean over the TR window (anti-aliasing boxcar)" if self.sampling == "mean" else "point"
                ),
                "discard_ms": self.discard,
            },
        )
        return {self.label: arr}


def _as_signal(activity, variable, dt):
    """``(signal (T, n), dt_ms, t0_ms, regions)`` from a Dataset, DataArray or array."""
    if isinstance(activity, xr.Dataset):
        if variable not in activity.data_vars:
            raise MonitorError(
                f"the Dataset has no variable {variable!r}; its variables are "
                f"{sorted(activity.data_vars)}. Pass variable=<name>."
            )
        activity = activity[variable]
    if isinstance(activity, xr.DataArray):
        if activity.ndim != 2 or "region" not in activity.dims:
            raise MonitorError(
                f"activity must have dims (time, region); got {activity.dims}."
            )
        activity = activity.transpose(..., "region")
        tdim = activity.dims[0]
        regions = activity["region"] if "region" in activity.coords else None
        times = np.asarray(activity[tdim].values, dtype=float) if tdim in activity.coords else None
        if times is not None:
            units = activity[tdim].attrs.get("units", "ms")
            factor = {"ms": 1.0, "s": 1000.0}.get(units)
            if factor is None:
                raise MonitorError(f"time coordinate units must be 'ms' or 's'; got {units!r}.")
            times = times * factor
            if times.size < 2 and dt is None:
                raise MonitorError("cannot infer dt from fewer than 2 samples; pass dt=.")
            if dt is None:
                steps = np.diff(times)
                dt = float(steps.mean())
                if not np.allclose(steps, dt, rtol=1e-6, atol=0):
                    raise MonitorError("activity must be sampled uniformly in time (constant dt).")
            t0 = float(times[0]) - dt
        else:
            t0 = 0.0
        data = np.asarray(activity.values)
    else:
        data = np.asarray(activity)
        regions, t0 = None, 0.0
        if data.ndim != 2:
            raise MonitorError(f"activity must be an array of shape (time, region); got {data.shape}.")
    if dt is None:
        raise MonitorError("pass dt= (ms) for activity given as a plain array.")
    dt = to_ms(dt, "dt", MonitorError)
    return data, float(dt), t0, regions


def bold_from_activity(activity: xr.DataArray | xr.Dataset | ArrayLike, tr: Time = 2000.0, *, dt: Time | None = None,
                       variable: str = "r", initial: ArrayLike | None = None, **bold_options: Any) -> xr.DataArray:
    """BOLD from an existing activity record, by exactly the in-scan rule.

    The same :class:`Bold` ``update``/``emit`` functions run over the samples,
    so the result equals the in-scan monitor on the same activity to float
    tolerance. A record of step ``dt`` holds the source averaged over each
    step (a ``Raw`` record at the run's ``dt``, or a ``TemporalAverage`` whose
    period divides ``dt_bold``); sample ``j`` covers ``(t_j - dt, t_j]``.

    Parameters
    ----------
    activity : xarray.Dataset, xarray.DataArray or array of shape (time, region)
        The source signal; from a Dataset the data variable ``variable``.
    tr : float or brainunit.Quantity, default 2000.0
        Repetition time (ms).
    dt : float or brainunit.Quantity, optional
        Sampling step (ms); inferred from the time coordinate when possible.
    variable : str, default "r"
        Which data variable of a Dataset to use.
    initial : array of shape (n,), optional
        The source at ``t = 0`` for ``baseline="initial"`` (default: the first sample).
    **bold_options
        Any other :class:`Bold` argument (``preset``, ``dt_bold``, ``sampling``,
        ``baseline``, ``scale``, ``discard``, constants...).

    Returns
    -------
    xarray.DataArray
        ``bold`` with dims ``(time_bold, region)``; incomplete final windows are dropped.

    Examples
    --------
    >>> import numpy as np, brainnet_cb as bn
    >>> box = np.zeros((30000, 1)); box[:1000] = 1.0        # 1 s unit box, dt = 1 ms
    >>> y = bn.bold_from_activity(box, tr=1.0, dt=1.0, preset="classic", sampling="point")
    >>> round(float(y.time_bold[y.argmax("time_bold")].item()), 1)  # peak at 3.376 s
    3376.0
    """
    data, dt, t0, regions = _as_signal(activity, variable, dt)
    m = Bold(tr=tr, variable="x", **bold_options).bind(dt)
    steps = m.period_steps(dt)
    n_windows = data.shape[0] // steps
    n = data.shape[1]
    if regions is None:
        regions = xr.DataArray([str(i) for i in range(n)], dims="region")
    if n_windows == 0:
        samples = np.zeros((0, 1, n))
    else:
        x = jnp.asarray(data[: n_windows * steps], dtype=jnp.result_type(float))
        x0 = x[0] if initial is None else jnp.asarray(initial, x.dtype)
        samples = np.asarray(_offline(m, x.reshape(n_windows, steps, n), x0))
    times = t0 + (np.arange(n_windows) + 1) * steps * dt
    return m.to_dataarrays(samples, times, None, regions)[m.label]


@jax.jit
def _offline(m, windows, x0):
    steps = windows.shape[1]

    def window(state, xs):
        state = jax.lax.fori_loop(0, steps, lambda i, s: m.update(s, {"x": xs[i]}, None), state)
        return m.emit(state, None, None, steps)

    _, samples = jax.lax.scan(window, m.init({"x": x0}, None), windows)
    return samples
