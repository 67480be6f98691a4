"""BOLD from a recorded activity series, by exactly the in-scan rule of :class:`~brainnet_cb.monitors.bold.Bold`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import jax
import jax.numpy as jnp
import numpy as np

from .._types import ArrayLike, Time
from ..errors import MonitorError
from ..simulation.cf import decimal_times
from ..units import to_ms
from .bold import Bold

if TYPE_CHECKING:
    import xarray as xr

__all__ = ["bold_from_activity"]


def _as_signal(activity, variable, dt):
    """``(signal (T, n), dt_ms, t0_ms, regions)`` from a Dataset, DataArray or array."""
    import xarray as xr  # noqa: PLC0415 - loaded on first use (start-up, memory)

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
        Repetition time (ms); a plain number under 100 ms warns
        (:class:`~brainnet_cb.ShortTRWarning`), a quantity never does.
    dt : float or brainunit.Quantity, optional
        Sampling step (ms); inferred from the time coordinate when possible.
    variable : str, default "r"
        Which data variable of a Dataset to use.
    initial : array of shape (n,), optional
        The source at ``t = 0`` for ``baseline="initial"`` (default: the first sample).
    **bold_options
        Any other :class:`Bold` argument (``preset``, ``dt_bold``, ``sampling``,
        ``baseline``, ``scale``, ``discard``, constants...). Unlike the
        monitor, ``baseline`` defaults to ``None`` here: a record is often a
        designed drive (a box, a task regressor) that drives the balloon as
        it is; pass ``baseline="rest"`` for the monitor's relative-change
        rule (``rest_after`` then counts from the record's first sample).

    Returns
    -------
    xarray.DataArray
        ``bold`` with dims ``(time_bold, region)``; incomplete final windows are dropped.

    Examples
    --------
    >>> import numpy as np, brainunit as u, brainnet_cb as bn
    >>> box = np.zeros((30000, 1)); box[:1000] = 1.0        # 1 s unit box, dt = 1 ms
    >>> y = bn.bold_from_activity(box, tr=1 * u.ms, dt=1.0, preset="classic", sampling="point")  # every ms
    >>> round(float(y.time_bold[y.argmax("time_bold")].item()), 1)  # peak at 3.376 s
    3376.0
    """
    import xarray as xr  # noqa: PLC0415 - loaded on first use (start-up, memory)

    data, dt, t0, regions = _as_signal(activity, variable, dt)
    bold_options.setdefault("baseline", None)
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
    times = decimal_times(t0 + (np.arange(n_windows) + 1) * steps * dt, dt, t0)  # as a run's (sample_times)
    return m.to_dataarrays(samples, times, None, regions)[m.label]


@jax.jit
def _offline(m, windows, x0):
    steps = windows.shape[1]

    def window(state, xs):
        state = jax.lax.fori_loop(0, steps, lambda i, s: m.update(s, {"x": xs[i]}, None), state)
        return m.emit(state, None, None, steps)

    _, samples = jax.lax.scan(window, m.init({"x": x0}, None), windows)
    return samples
