"""The boundary of the analysis functions: a labelled time series in, checked arrays out.

A time series is an :class:`xarray.DataArray` with one *time* dimension (its
name starts with ``"time"``: ``time`` for neural monitors, ``time_bold`` for
BOLD) and one *space* dimension (``region``, or ``sensor``/``channel`` for
EEG; else the one dimension named ``region_...``, ``sensor_...`` or
``channel_...``, the own axis of a named monitor such as MEG's
``sensor_meg``), plus any number of leading batch dimensions (subjects,
sweep members).
The time coordinate carries its unit in ``attrs["units"]``: ``"ms"`` for
neural outputs, ``"s"`` for empirical BOLD; both are read, and every duration
an analysis takes (transient, window, step) is given in seconds or as a
:mod:`brainunit` quantity.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import xarray as xr

from ..errors import AnalysisError
from ..units import as_plain

__all__ = ["Series", "as_series", "to_seconds", "seconds_per_unit", "SPACE_DIMS"]

# seconds per unit of a time coordinate, by its ``units`` attribute
_SECONDS_PER = {
    "ms": 1e-3,
    "msec": 1e-3,
    "millisecond": 1e-3,
    "milliseconds": 1e-3,
    "s": 1.0,
    "sec": 1.0,
    "second": 1.0,
    "seconds": 1.0,
}
SPACE_DIMS = ("region", "sensor", "channel")


def seconds_per_unit(units, where, error=AnalysisError) -> float:
    """Seconds per unit of a time coordinate whose ``attrs["units"]`` is ``units``."""
    key = str(units).strip().lower()
    if key not in _SECONDS_PER:
        raise error(
            f"the time coordinate {where!r} has units {units!r}; expected 'ms' or 's'. "
            f"Set x[{where!r}].attrs['units'] to the unit of its values."
        )
    return _SECONDS_PER[key]


def to_seconds(value, name, *, allow_zero=True, error=AnalysisError) -> float:
    """A duration in seconds: a plain number (in s) or a brainunit time quantity."""
    if value is None:
        raise error(f"{name} must be a duration in s (or a brainunit quantity); got None.")
    out = as_plain(value, "second", name, "second", error)
    if np.ndim(out) != 0:
        raise error(f"{name} must be one duration; got an array of shape {np.shape(out)}.")
    out = float(out)
    if not np.isfinite(out) or out < 0 or (out == 0 and not allow_zero):
        need = "non-negative" if allow_zero else "positive"
        raise error(f"{name} must be a finite, {need} duration in s; got {out!r}.")
    return out


@dataclass(frozen=True)
class Series:
    """A checked time series: ``values`` of shape ``(..., time, space)``."""

    data: xr.DataArray  # transposed to (..., time, space)
    values: np.ndarray
    tdim: str
    sdim: str
    dt: float | None  # sampling interval in seconds (None: no usable time coordinate)
    seconds_per: float | None  # seconds per unit of the time coordinate

    @property
    def fs(self) -> float:
        """Sampling rate in Hz."""
        return 1.0 / self.dt

    @property
    def n_time(self) -> int:
        return self.values.shape[-2]

    @property
    def labels(self):
        """The space coordinate (a DataArray) or None."""
        return self.data[self.sdim] if self.sdim in self.data.coords else None


def _find_time_dim(x, name, time_dim):
    if time_dim is not None:
        if time_dim not in x.dims:
            raise AnalysisError(
                f"{name} has no dimension {time_dim!r}; its dims are {x.dims}. "
                "Pass time_dim= one of them."
            )
        return time_dim
    found = [d for d in x.dims if str(d).startswith("time")]
    if len(found) != 1:
        what = "no dimension" if not found else f"several dimensions {tuple(found)}"
        raise AnalysisError(
            f"{name} has {what} whose name starts with 'time' (dims {x.dims}); "
            "expected exactly one. Pass time_dim=<name of the time dimension>."
        )
    return found[0]


def _find_space_dim(x, name, space_dim, tdim):
    if space_dim is not None:
        if space_dim not in x.dims or space_dim == tdim:
            raise AnalysisError(
                f"{name} has no space dimension {space_dim!r}; its dims are {x.dims}. "
                "Pass space_dim= the dimension that holds regions (or sensors)."
            )
        return space_dim
    for d in SPACE_DIMS:
        if d in x.dims:
            return d
    # a named monitor's own axis: "sensor_meg" (bn.MEG), "sensor_<name>" (bn.EEG(..., name=...))
    found = [d for d in x.dims if d != tdim and any(str(d).startswith(f"{s}_") for s in SPACE_DIMS)]
    if len(found) == 1:
        return found[0]
    if found:
        raise AnalysisError(
            f"{name} has several space dimensions {tuple(found)} (dims {x.dims}); expected one. "
            "Pass space_dim=<name of the region or sensor dimension>."
        )
    raise AnalysisError(
        f"{name} has dims {x.dims} but none of {SPACE_DIMS}, nor one named '<one of them>_...' (a named monitor's "
        "'sensor_meg'); expected a time series with dims (..., time, region). Pass space_dim=<name of the region "
        "dimension>."
    )


def as_series(x, name="x", *, time_dim=None, space_dim=None, need_time=False, discard=0.0,
              min_time=2) -> Series:
    """Check a time series and return it as a :class:`Series`.

    Parameters
    ----------
    x : xarray.DataArray
        Dims ``(..., time, space)`` in any order; see the module docstring.
    name : str
        The argument's name, for messages.
    time_dim, space_dim : str, optional
        Override the detection of the time and space dimensions.
    need_time : bool
        Require a uniform time coordinate with ``units`` (for filters, windows,
        spectra and ``discard``).
    discard : float or brainunit.Quantity
        Drop the samples within this duration (s) of the first sample: the
        transient. A sample at ``t`` is kept when ``t - t[0] >= discard``.
    min_time : int
        The fewest samples that must remain.
    """
    if isinstance(x, xr.Dataset):
        raise AnalysisError(
            f"{name} must be an xarray.DataArray; got a Dataset with variables "
            f"{sorted(map(str, x.data_vars))}. Pass one of them, e.g. ds.bold."
        )
    if not isinstance(x, xr.DataArray):
        raise AnalysisError(
            f"{name} must be an xarray.DataArray with dims (..., time, region); got "
            f"{type(x).__name__}. Wrap a plain array with bn.as_timeseries(values, dt=..., labels=...)."
        )
    tdim = _find_time_dim(x, name, time_dim)
    sdim = _find_space_dim(x, name, space_dim, tdim)
    x = x.transpose(..., tdim, sdim)
    if not (np.issubdtype(x.dtype, np.number) or x.dtype == bool) or np.iscomplexobj(x.values):
        raise AnalysisError(f"{name} must hold real numbers; got dtype {x.dtype}.")
    discard = to_seconds(discard, "discard")
    need_time = need_time or discard > 0
    dt = per = None
    if need_time:
        if tdim not in x.coords:
            raise AnalysisError(
                f"{name} has no coordinate for its time dimension {tdim!r}; filters, windows, "
                "spectra and discard need the sampling times. Assign one with "
                f"x.assign_coords({tdim}=(({tdim!r},), times, {{'units': 's'}})) or use bn.as_timeseries."
            )
        coord = x[tdim]
        if "units" not in coord.attrs:
            raise AnalysisError(
                f"the time coordinate {tdim!r} of {name} has no 'units' attribute; expected "
                f"'ms' or 's'. Set x[{tdim!r}].attrs['units'] = 's' (or 'ms')."
            )
        per = seconds_per_unit(coord.attrs["units"], tdim)
        t = np.asarray(coord.values, dtype=float) * per
        if t.size < 2:
            raise AnalysisError(
                f"{name} has {t.size} sample(s) along {tdim!r}; at least 2 are needed to "
                "know the sampling interval."
            )
        steps = np.diff(t)
        dt = float(steps.mean())
        if not (dt > 0 and np.allclose(steps, dt, rtol=1e-6, atol=0)):
            raise AnalysisError(
                f"{name} must be sampled uniformly along {tdim!r} with increasing times; got "
                f"intervals from {steps.min():g} s to {steps.max():g} s."
            )
        if discard > 0:
            keep = (t - t[0]) >= discard - 1e-9 * dt
            if not keep.any():
                raise AnalysisError(
                    f"discard={discard:g} s leaves no samples: {name} spans "
                    f"{t[-1] - t[0]:g} s ({t.size} samples). Use a shorter transient or a longer run."
                )
            x = x.isel({tdim: np.flatnonzero(keep)})
    values = np.asarray(x.values, dtype=float)
    if values.shape[-2] < min_time:
        raise AnalysisError(
            f"{name} has {values.shape[-2]} samples along {tdim!r} (after discarding the "
            f"transient); at least {min_time} are needed."
        )
    if values.shape[-1] < 1:
        raise AnalysisError(f"{name} has no {sdim}s (dimension {sdim!r} is empty).")
    bad = ~np.isfinite(values)
    if bad.any():
        idx = np.argwhere(bad)[0]
        where = ", ".join(f"{d}={i}" for d, i in zip(x.dims, idx))
        raise AnalysisError(
            f"{name} must be finite; got {values[tuple(idx)]} at [{where}] "
            f"({int(bad.sum())} non-finite values). Remove or interpolate them first."
        )
    return Series(x, values, tdim, sdim, dt, per)


def space_label(series: Series, k: int) -> str:
    """A readable name of the ``k``-th region (or sensor) of a series."""
    lab = series.labels
    return f"{series.sdim} {str(lab.values[k])!r}" if lab is not None else f"{series.sdim} {k}"
