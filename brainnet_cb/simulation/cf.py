"""CF global attributes and time units of the outputs.

Every Dataset a run returns carries the CF-1.8 global attributes that do not
depend on the clock: ``Conventions``, ``source`` (the versions of the package
and of its numerical stack) and ``history``. A written file adds
``date_created`` (ISO 8601, UTC) and a timestamped ``history`` line
(:func:`stamp`): a NetCDF file of :func:`~brainnet_cb.write_netcdf` and the
finished Zarr store of a streamed run (``bn.simulate(..., out="run.zarr")``)
alike. The clock stays out of in-memory results so that two runs of one
specification are identical, attributes included; :func:`unstamp` takes the
stamp off again, so that a file compares with the run that wrote it
(``xarray.testing.assert_identical(unstamp(xr.open_zarr(path)), ds)``), as a
resumed stream is compared with its store. A NetCDF file (written or streamed
by ``brainnet-cb run``) has no ``_FillValue`` on its coordinate variables, which
CF forbids there (:func:`without_coordinate_fill`).

Time is in **ms** in every simulated output (the neural model's unit), with
``units = "ms"`` on each time coordinate. :func:`time_in_seconds` returns a
copy whose time coordinates are in s, so that ``ds.sel(time=slice(20, None))``
means 20 s; every analysis function reads ``attrs["units"]`` and gives the
same result on either.
"""

from __future__ import annotations

import datetime
import functools
import importlib.metadata
import re
from typing import TYPE_CHECKING

import numpy as np

from .._version import __version__
from ..errors import BrainnetError

if TYPE_CHECKING:
    import xarray as xr

__all__ = ["CONVENTIONS", "cf_global_attrs", "stamp", "unstamp", "time_in_seconds", "without_coordinate_fill",
           "sample_times", "decimal_times"]

#: The CF version whose attribute conventions the outputs follow.
CONVENTIONS = "CF-1.8"

_STACK = ("jax", "numpy", "xarray", "brainstate")
#: A ``history`` line written by :func:`stamp`: it starts with an ISO 8601 UTC time.
_STAMPED_LINE = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z: ")


@functools.lru_cache(maxsize=1)
def _versions() -> str:
    parts = []
    for name in _STACK:
        try:
            parts.append(f"{name} {importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:  # pragma: no cover - all are dependencies
            continue
    return ", ".join(parts)


def cf_global_attrs(what: str = "network simulation") -> dict:
    """The CF global attributes that do not depend on the clock.

    Parameters
    ----------
    what : str
        What produced the data, for ``history``.

    Returns
    -------
    dict
        ``Conventions`` (``"CF-1.8"``), ``source`` (``"brainnet_cb <version> (jax ..., numpy ...,
        xarray ..., brainstate ...)"``) and ``history`` (``"brainnet_cb <version>: <what>"``).

    Examples
    --------
    >>> from brainnet_cb.simulation.cf import cf_global_attrs
    >>> a = cf_global_attrs()
    >>> a["Conventions"], a["source"].startswith("brainnet_cb ")
    ('CF-1.8', True)
    """
    return {
        "Conventions": CONVENTIONS,
        "source": f"brainnet_cb {__version__} ({_versions()})",
        "history": f"brainnet_cb {__version__}: {what}",
    }


def _now() -> str:
    return datetime.datetime.now(datetime.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def stamp(ds: xr.Dataset, action: str) -> xr.Dataset:
    """A shallow copy of ``ds`` with ``date_created`` and a timestamped ``history`` line.

    CF ``history`` is an audit trail, one line per action, newest last; each
    line added here starts with an ISO 8601 UTC time. ``date_created`` is set
    only if absent; missing ``Conventions``/``source`` are added (Datasets
    built by sweeps, fits or by hand). ``ds`` itself is not modified.

    Examples
    --------
    >>> import xarray as xr
    >>> from brainnet_cb.simulation.cf import stamp
    >>> out = stamp(xr.Dataset(), "written to run.nc")
    >>> out.attrs["Conventions"], out.attrs["history"].endswith("Z: written to run.nc")
    ('CF-1.8', True)
    """
    import xarray as xr  # noqa: PLC0415 - loaded on first use (start-up, memory)

    if not isinstance(ds, xr.Dataset):
        raise BrainnetError(f"stamp takes an xarray Dataset; got {type(ds).__name__}.")
    now = _now()
    out = ds.copy(deep=False)
    attrs = dict(out.attrs)
    base = cf_global_attrs()
    attrs.setdefault("Conventions", base["Conventions"])
    attrs.setdefault("source", base["source"])
    attrs.setdefault("date_created", now)
    line = f"{now}: {action}"
    attrs["history"] = f"{attrs['history']}\n{line}" if attrs.get("history") else line
    out.attrs = attrs
    return out


def unstamp(ds: xr.Dataset) -> xr.Dataset:
    """A shallow copy of ``ds`` without what :func:`stamp` added: the Dataset as the run returned it.

    Drops ``date_created`` and every ``history`` line that starts with an ISO
    8601 UTC time (``history`` itself if no line is left). ``Conventions`` and
    ``source``, which every run's Dataset carries, are kept. Use it to compare
    a written file or a finished Zarr store with the in-memory result.
    ``ds`` itself is not modified.

    Parameters
    ----------
    ds : xarray.Dataset
        A Dataset, stamped by :func:`stamp` or not (a file opened with
        ``xr.open_dataset``, a store opened with ``xr.open_zarr``).

    Returns
    -------
    xarray.Dataset
        A shallow copy (the data are shared) with the attributes above removed.

    Raises
    ------
    BrainnetError
        If ``ds`` is not an xarray Dataset.

    Examples
    --------
    >>> import xarray as xr
    >>> from brainnet_cb.simulation.cf import cf_global_attrs, stamp, unstamp
    >>> ds = xr.Dataset(attrs=cf_global_attrs())
    >>> xr.testing.assert_identical(unstamp(stamp(ds, "written to run.nc")), ds)
    """
    import xarray as xr  # noqa: PLC0415 - loaded on first use (start-up, memory)

    if not isinstance(ds, xr.Dataset):
        raise BrainnetError(f"unstamp takes an xarray Dataset; got {type(ds).__name__}.")
    out = ds.copy(deep=False)
    attrs = {k: v for k, v in out.attrs.items() if k != "date_created"}
    if isinstance(attrs.get("history"), str):
        kept = [line for line in attrs["history"].split("\n") if not _STAMPED_LINE.match(line)]
        if kept:
            attrs["history"] = "\n".join(kept)
        else:
            del attrs["history"]
    out.attrs = attrs
    return out


def sample_times(first: int, count: int, period_steps: int, dt: float) -> np.ndarray:
    """Time stamps in ms of samples ``first .. first + count - 1`` of a monitor (each at the end of its period).

    ``(k + 1) * period_steps * dt``, rounded to 1e-9 ms (:func:`decimal_times`): the product carries
    the binary error of ``dt`` (3 steps of 0.1 ms are 0.30000000000000004 ms),
    which made ``ds.sel(time=0.3)`` a KeyError; rounded, each stamp is the float
    nearest the decimal time (exact products, such as 10 x 0.1 = 1.0, are
    unchanged). The coordinate is a label: the integration uses ``dt`` itself.

    Examples
    --------
    >>> from brainnet_cb.simulation.cf import sample_times
    >>> sample_times(0, 4, 3, 0.1).tolist()
    [0.3, 0.6, 0.9, 1.2]
    """
    k = np.arange(first, first + count, dtype=np.float64) + 1
    return decimal_times(k * period_steps * dt, dt)


def decimal_times(times, step: float, *more: float) -> np.ndarray:
    """``times`` made of a decimal ``step`` (and offsets ``more``), rounded to 1e-9 (of their unit); else as given.

    A product such as ``3 * 0.1`` carries the binary error of the step
    (0.30000000000000004), which made ``ds.sel(time=0.3)`` a KeyError: where
    ``step`` and every value of ``more`` are decimals to 1e-9 (within 1e-12
    of the largest of them), each time is rounded to the float nearest its decimal
    value (up to about 7e6, 2 hours in ms). Other steps (``dt = 1/30`` ms, a
    sampling rate of 2048 Hz) keep their exact multiples: rounded, a
    monitor's period would no longer be a whole multiple of ``dt`` and the
    intervals of a series no longer equal. The decision rests on the step
    alone, so a run's stamps do not depend on how it is chunked.

    Examples
    --------
    >>> from brainnet_cb.simulation.cf import decimal_times
    >>> decimal_times([3 * 0.1, 12 * 0.1], 0.1).tolist(), decimal_times([2 / 30], 1 / 30).tolist()
    ([0.3, 1.2], [0.06666666666666667])
    """
    times = np.asarray(times, dtype=np.float64)
    values = [float(x) for x in (step, *more)]
    scale = max(abs(x) for x in values)  # an offset of -1e-17 (0.7 - 0.7000000000000001) is 0
    decimal = all(abs(round(x, 9) - x) <= 1e-12 * scale for x in values)
    return np.round(times, 9) if decimal else times


def without_coordinate_fill(ds: xr.Dataset) -> xr.Dataset:
    """A shallow copy of ``ds`` whose float coordinate variables are written without ``_FillValue``.

    CF 1.8 (section 2.5.1 and Appendix A) allows no missing data in a
    coordinate variable (a 1-D variable named after its dimension: ``time``,
    ``time_bold``, a swept parameter, ...) and no ``_FillValue`` attribute on
    it; xarray writes ``_FillValue = NaN`` on every float variable unless its
    encoding says ``None``. This sets that encoding on the coordinate
    variables only; auxiliary coordinates (``sensor_x``, ...) and data
    variables keep their fill value, the values do not change. ``ds`` itself
    is not modified.

    Examples
    --------
    >>> import xarray as xr
    >>> from brainnet_cb.simulation.cf import without_coordinate_fill
    >>> ds = xr.Dataset({"r": ("time", [0.1, 0.2])}, coords={"time": ("time", [1.0, 2.0], {"units": "ms"})})
    >>> without_coordinate_fill(ds).time.encoding, ds.time.encoding
    ({'_FillValue': None}, {})
    """
    out = ds.copy(deep=False)
    for name in out.dims:
        var = out.variables.get(name)
        if var is not None and var.dims == (name,) and var.dtype.kind == "f":
            var.encoding["_FillValue"] = None
    return out


def time_in_seconds(data: xr.Dataset | xr.DataArray) -> xr.Dataset | xr.DataArray:
    """A copy whose time coordinates in ms are in seconds.

    Every coordinate whose name starts with ``time`` (``time``, ``time_bold``,
    ``time_eeg``, ...) and whose ``units`` is ``"ms"`` is divided by 1000 and
    labelled ``"s"``; the data, other coordinates and the attributes are
    unchanged. The neural model keeps time in ms (design convention); BOLD
    and empirical series are usually read in s (a TR of 0.72 s).

    Parameters
    ----------
    data : xarray.Dataset or xarray.DataArray
        E.g. the result of :func:`brainnet_cb.simulate`, time coordinates in ms.

    Returns
    -------
    xarray.Dataset or xarray.DataArray
        The same type; time coordinates in ms replaced by :math:`t / 1000`
        in s. A shallow copy when no coordinate is in ms.

    Raises
    ------
    BrainnetError
        If ``data`` is neither a Dataset nor a DataArray.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> from brainnet_cb.simulation.cf import time_in_seconds
    >>> x = xr.DataArray(np.zeros(3), dims="time",
    ...                  coords={"time": ("time", [500.0, 1000.0, 1500.0], {"units": "ms"})})
    >>> s = time_in_seconds(x)
    >>> s.time.values.tolist(), s.time.attrs["units"]
    ([0.5, 1.0, 1.5], 's')
    """
    import xarray as xr  # noqa: PLC0415 - loaded on first use (start-up, memory)

    if not isinstance(data, (xr.Dataset, xr.DataArray)):
        raise BrainnetError(
            f"time_in_seconds takes an xarray Dataset or DataArray; got {type(data).__name__}."
        )
    changes = {}
    for name, coord in data.coords.items():
        if str(name).startswith("time") and coord.attrs.get("units") == "ms":
            changes[name] = (coord.dims, coord.values / 1000.0, dict(coord.attrs, units="s"))
    return data.assign_coords(changes) if changes else data.copy(deep=False)
