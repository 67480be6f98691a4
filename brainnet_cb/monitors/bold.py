r"""The BOLD monitor: Balloon–Windkessel haemodynamics inside the compiled scan.

Integration rule (stated once, used in the scan and offline alike):

1. The source signal (``r`` by default) is summed over ``k`` consecutive
   integration steps, ``k = dt_bold / dt``; its mean :math:`\bar x` over that
   sub-step, normalised, is the drive :math:`z`, held constant over the
   sub-step (zero-order hold of the local mean, an O(h^2) rule). By default
   (``baseline="rest"``) :math:`z` is the **relative change of the source from
   its resting level** :math:`b`,

   .. math:: z = \mathrm{scale}\,\frac{\bar x - b}{|b|},

   with :math:`b` the running mean of the sub-step means after ``rest_after``
   (1 s: the initial transient is left out; the balloon rests before it), as
   fMRI expresses BOLD in per cent of each voxel's mean. So a region whose rate
   rises by 10 % drives :math:`z = 0.1` whatever its resting rate; with the
   ``revised_3T`` constants a 20-s step of +5 % (+10 %) gives a 1.7 % (3.1 %)
   BOLD response, and the haemodynamics rest at :math:`f = v = q = 1` (a raw
   rate of 0.44 would hold the inflow at 2.4 times rest). Other rules:
   ``baseline=None`` drives the balloon with the source itself,
   :math:`z = \mathrm{scale}\,\bar x` (the convention of the published impulse
   responses); a number or array subtracts it,
   :math:`z = \mathrm{scale}\,(\bar x - \mathrm{baseline})`; ``"initial"``
   subtracts the source at :math:`t = 0`.
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

The output names its source in the attribute ``source_variable`` (``"r"``);
files of brainnet_cb 0.1.0 called it ``source``, CF's name for how the data
were made, and :func:`~brainnet_cb.monitors.source_variable` reads both.

This module holds :class:`Bold` (its fields, host checks, description,
binding to a run and output); the methods the scan calls are in
:mod:`brainnet_cb.monitors.bold_scan` (:class:`~brainnet_cb.monitors.bold_scan.BoldScan`,
a base of Bold), the host-side helpers (:data:`DEFAULT_DT_BOLD`,
:class:`ShortTRWarning`, quantities) in :mod:`brainnet_cb.monitors.bold_inputs`.
"""

from __future__ import annotations

import dataclasses
import json
import math
import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from .._checks import caller_stacklevel
from .._pytree import pytree_dataclass, static_field
from .._types import Parameter, Time
from ..errors import MonitorError
from ..units import as_plain, is_quantity, to_ms
from .base import Monitor
from .bold_inputs import (
    DEFAULT_DT_BOLD,
    SAMPLING,
    SHORT_TR_MS,
    ShortTRWarning,
    constant_in_unit,
    is_concrete,
    made_by_copy,
)
from .bold_scan import BoldScan
from .hemodynamics import (
    HEMODYNAMIC_CONSTANTS,
    check_constants,
    check_preset,
    resolve_constants,
)
from .sources import SOURCE_ATTR, check_source

if TYPE_CHECKING:
    import xarray as xr

    from ..nodes.base import NodeModel

__all__ = ["Bold", "ShortTRWarning", "DEFAULT_DT_BOLD", "SHORT_TR_MS"]


@pytree_dataclass
class Bold(Monitor, BoldScan):
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
        ``dt`` and of ``dt_bold``. A plain number under 100 ms (a TR in
        seconds, most likely) warns (:class:`ShortTRWarning`); a quantity
        never does.
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
    baseline : "rest", float, array of shape (n,), "initial" or None, default "rest"
        ``"rest"``: the drive is the relative change of the source from its
        resting level, :math:`z = \mathrm{scale}\,(x - b)/|b|`, with :math:`b`
        the running mean of the source after ``rest_after`` (for a source with
        a positive resting level, such as a rate). A number or array is
        subtracted, :math:`z = \mathrm{scale}\,(x - \mathrm{baseline})`;
        ``"initial"`` subtracts the value at ``t = 0`` (a run started at a fixed
        point then rests exactly); ``None`` drives with the source as it is.
    scale : float or array, default 1.0
        Multiplies the normalised source (the neurovascular gain of the drive).
    rest_after : float or brainunit.Quantity, default 1000.0
        ``baseline="rest"`` only: the resting level is the mean of the source
        over the sub-steps that end after this time (ms); before it the drive
        is zero (the balloon rests through the initial transient).
    kappa, gamma, tau, alpha, E0, V0, k1, k2, k3, theta0, r0, TE, eps : float, optional
        Override single constants of the preset (units in
        :data:`~brainnet_cb.monitors.hemodynamics.HEMODYNAMIC_CONSTANTS`; seconds).
        ``k1..k3`` not given follow from the preset's rule. These are traced
        leaves: new values reuse the compiled program.
    name : str, optional
        Output name (default ``"bold"``) and time dimension ``time_{name}``.

    Warns
    -----
    ShortTRWarning
        A plain-number ``tr`` under 100 ms (``tr=0.72`` meant as 0.72 s).

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
    baseline: Parameter | str | None = "rest"
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
    rest_after: Time = static_field(default=1000.0)

    default_name = "bold"
    period_field = "tr"

    def _period_hint(self, period: float) -> str:
        if period < 100.0:  # a TR of a fraction of a second is one given in seconds
            return f" (tr is in ms: a TR of {period:g} s is tr={period * 1000:g} or tr={period:g} * u.second)"
        return ""

    def __post_init__(self):
        set_ = lambda k, v: object.__setattr__(self, k, v)  # noqa: E731 (frozen dataclass)
        plain = not is_quantity(self.tr)
        set_("tr", as_plain(self.tr, "ms", "Bold tr", "ms", MonitorError, "0.72 * u.second"))
        if not (isinstance(self.tr, float) and math.isfinite(self.tr) and self.tr > 0):
            raise MonitorError(f"Bold tr must be a finite time > 0 (ms); got {self.tr!r}.")
        if plain and self.tr < SHORT_TR_MS and self.substeps is None and not made_by_copy():
            warnings.warn(ShortTRWarning(
                f"Bold tr = {self.tr:g} ms is shorter than any scanner's TR: tr is in ms. If {self.tr:g} is in "
                f"seconds, write tr={self.tr * 1000:g} or tr={self.tr:g} * u.second (brainunit)."),
                stacklevel=caller_stacklevel())
        if self.dt_bold is not None:
            set_("dt_bold", to_ms(self.dt_bold, "Bold dt_bold", MonitorError))
            if not (isinstance(self.dt_bold, float) and self.dt_bold > 0):
                raise MonitorError(f"Bold dt_bold must be a time > 0 (ms); got {self.dt_bold!r}.")
        set_("discard", to_ms(self.discard, "Bold discard", MonitorError))
        if not (isinstance(self.discard, float) and self.discard >= 0):
            raise MonitorError(f"Bold discard must be a time >= 0 (ms); got {self.discard!r}.")
        check_preset(self.preset)
        if self.sampling not in SAMPLING:
            raise MonitorError(
                f"Bold sampling must be one of {SAMPLING} ('mean' = window mean over the TR, "
                f"the anti-aliased default); got {self.sampling!r}."
            )
        if not isinstance(self.variable, str):
            raise MonitorError(f"Bold variable must be a source name such as 'r'; got {self.variable!r}.")
        set_("rest_after", to_ms(self.rest_after, "Bold rest_after", MonitorError))
        if not (isinstance(self.rest_after, float) and math.isfinite(self.rest_after) and self.rest_after >= 0):
            raise MonitorError(f"Bold rest_after must be a finite time >= 0 (ms); got {self.rest_after!r}.")
        if isinstance(self.baseline, str):
            if self.baseline not in ("initial", "rest"):
                raise MonitorError(
                    f"Bold baseline must be 'rest', a number, an array of one value per region, "
                    f"'initial' or None; got {self.baseline!r}."
                )
            set_("baseline_mode", self.baseline)
            set_("baseline", None)
        elif self.baseline_mode is None:
            set_("baseline_mode", "none" if self.baseline is None else "value")
        for field in ("baseline", "scale"):
            value = getattr(self, field)
            if is_concrete(value) and not np.all(np.isfinite(np.asarray(value, dtype=float))):
                raise MonitorError(f"Bold {field} must be finite; got {value!r}.")
        for k, (unit, meaning, _) in HEMODYNAMIC_CONSTANTS.items():  # quantities as numbers in s, 1/s or 1
            if is_quantity(getattr(self, k)):
                set_(k, constant_in_unit(k, getattr(self, k), unit, meaning))
        overrides = {k: getattr(self, k) for k in HEMODYNAMIC_CONSTANTS}
        check_constants({k: v for k, v in overrides.items() if is_concrete(v)})
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
        keep = [k for k in self.__dataclass_fields__ if k not in ("baseline_mode", "substeps", "rest_after")]
        fields = []
        for k in keep:
            v = getattr(self, k)
            if v is None:
                continue
            if k == "baseline" and np.ndim(v):
                v = "<array>"
            fields.append(f"{k}={v!r}")
        if self.baseline_mode in ("initial", "rest"):
            fields.append(f"baseline={self.baseline_mode!r}")
        if self.baseline_mode == "rest":
            fields.append(f"rest_after={self.rest_after!r}")
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

    # --- output ----------------------------------------------------------------------
    def to_dataarrays(self, samples: np.ndarray, times_ms: np.ndarray, model: NodeModel,
                      regions: Sequence[str]) -> dict[str, xr.DataArray]:
        import xarray as xr  # noqa: PLC0415 - loaded on first use (start-up, memory)

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
                SOURCE_ATTR: self.variable,  # not "source": CF's name for how the data were made
                "drive": self._drive_text(),
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


def __getattr__(name):
    """``bold_from_activity`` moved to :mod:`brainnet_cb.monitors.bold_offline` (old path kept)."""
    if name == "bold_from_activity":
        from .bold_offline import bold_from_activity  # noqa: PLC0415 (bold_offline imports this module)

        return bold_from_activity
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
