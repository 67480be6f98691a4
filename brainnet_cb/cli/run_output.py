"""``brainnet-cb run`` streams its outputs into the NetCDF file chunk by chunk.

The default run (600 s of tvb76, activity every 10 ms, EEG every 5 ms, BOLD)
produces ~66 MB of samples; held in memory, written with ``to_netcdf`` and then
summarised, they cost ~110 MB of peak memory on top of the engine. Here every
finished chunk of the run (:meth:`brainnet_cb.simulation.run.Run.execute` with a
sink) is appended to the file, so the host holds one chunk at a time; the
summary and the figure then read what they need from the written file.

The file holds the same variables, coordinates, attributes and values as
``bn.write_netcdf`` of the in-memory Dataset (the time axes are unlimited
dimensions, stored in chunks of one run chunk), and is published the same way:
checked first, written to a temporary file beside it under the destination's
lock, given its name only when complete (:mod:`brainnet_cb.simulation.output`).
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import os
import pathlib
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np

from .._destinations import WriteLock, publish, temporary_path, write_failure
from ..errors import BrainnetError
from ..simulation.cf import without_coordinate_fill
from ..simulation.output import check_netcdf_destination, netcdf_attr_problem
from ..simulation.streaming import Sink

if TYPE_CHECKING:
    import xarray as xr

__all__ = ["NetCDFSink", "open_result", "release_free_memory", "run_to_netcdf"]


@functools.cache
def _malloc_trim():
    try:
        return ctypes.CDLL(None).malloc_trim  # glibc
    except (OSError, AttributeError):  # another C library (macOS, musl): nothing to call
        return None


def release_free_memory() -> None:
    """Hand the C heap's free pages back to the system (glibc's ``malloc_trim(0)``; a no-op elsewhere).

    Compiling (or loading) the run's programs allocates and frees ~100-150 MB in small
    pieces; glibc keeps the freed pages mapped, so they count in the resident set until
    reused. The command calls this once the run's programs are compiled (before the file
    and its buffers exist), after every chunk and after the run, so that each phase starts
    from what is live. No value changes.
    """
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


class NetCDFSink(Sink):
    """Append a run's chunks to a NetCDF file whose time dimensions are unlimited.

    Parameters
    ----------
    path : path-like
        The file to create (replaced if it exists; :func:`run_to_netcdf` passes a
        fresh temporary path).
    """

    def __init__(self, path):
        self.path = pathlib.Path(path)
        self._nc = None
        self._dims = ()
        self._count = {}

    def start(self, template, chunk_samples, append_dims, resume_state=None):
        if resume_state is not None:  # pragma: no cover - the command does not resume
            raise BrainnetError("a NetCDF run file cannot be resumed; stream to Zarr (Execution(out=...)).")
        import netCDF4  # noqa: PLC0415 - xarray's netcdf4 engine needs it too
        import xarray as xr  # noqa: PLC0415 - loaded on first use (start-up, memory)

        self._dims = tuple(append_dims)
        self.attrs = dict(template.attrs)
        template = without_coordinate_fill(template)  # no _FillValue on time, time_bold, ... (CF), as write_netcdf
        encoding = {}
        for name, var in template.variables.items():
            tdim = self._time_dim(var)
            if tdim is not None:
                encoding[name] = {"chunksizes": tuple(max(1, chunk_samples[tdim]) if d == tdim else var.sizes[d]
                                                      for d in var.dims)}
            if "_FillValue" in var.encoding:  # an encoding given here replaces the variable's
                encoding.setdefault(name, {})["_FillValue"] = var.encoding["_FillValue"]
        # what template.to_netcdf(engine="netcdf4") writes, through a store on our own handle: to_netcdf
        # looks for a dask scheduler (importing dask and distributed, ~20 MB, where they are installed)
        self._nc = netCDF4.Dataset(self.path, "w", format="NETCDF4")
        template.dump_to_store(xr.backends.NetCDF4DataStore(self._nc), encoding=encoding,
                               unlimited_dims=list(self._dims))
        self._nc.sync()
        self._nc.set_auto_maskandscale(False)  # raw values, as to_netcdf writes them
        for var in self._nc.variables.values():
            # every write is whole HDF5 chunks: no chunk cache (by default 64 MiB per variable,
            # which held ~100 MB of written chunks by the end of the default run)
            var.set_var_chunk_cache(size=0, nelems=0, preemption=1.0)
        self._count = dict.fromkeys(self._dims, 0)
        release_free_memory()  # what building the file freed, before the first chunk

    def _time_dim(self, var):
        return next((d for d in var.dims if d in self._dims), None)

    def append(self, chunk, done, total, t_ms):
        grown = {}
        for name, var in chunk.variables.items():
            tdim = self._time_dim(var)
            if tdim is None or var.sizes[tdim] == 0:
                continue
            first, m = self._count[tdim], var.sizes[tdim]
            axis = var.dims.index(tdim)
            index = (slice(None),) * axis + (slice(first, first + m),)
            self._nc.variables[name][index] = np.asarray(var.values)
            grown[tdim] = m
        for tdim, m in grown.items():
            self._count[tdim] += m
        release_free_memory()  # what the chunk's samples and their Dataset held (~1 ms)

    def set_attrs(self, attrs: dict):
        """Set the global attributes that differ from the run's (after the run: wall time, configuration)."""
        for key, value in attrs.items():
            if key not in self.attrs or not np.array_equal(self.attrs[key], value):
                self._nc.setncattr(key, value)

    def close(self):
        if self._nc is not None:
            self._nc.close()
            self._nc = None

    def finish(self):
        return None


def _stamped(attrs: dict, path: pathlib.Path) -> dict:
    """The global attributes as ``bn.write_netcdf`` writes them (its CF stamp, where it has one)."""
    import xarray as xr  # noqa: PLC0415 - loaded on first use (start-up, memory)

    try:
        from ..simulation.cf import stamp  # noqa: PLC0415
    except ImportError:  # a version whose write_netcdf adds nothing
        return attrs
    return stamp(xr.Dataset(attrs=attrs), f"written to {path.name} by brainnet-cb run").attrs


def _forget_programs():
    """Drop JAX's in-memory caches of compiled programs and hand the freed heap back."""
    import jax  # noqa: PLC0415

    jax.clear_caches()
    release_free_memory()


def run_to_netcdf(spec, path, *, overwrite=False, progress=None, attrs=None, forget_programs=False,
                  overwrite_hint="overwrite=True"):
    """Run ``spec`` with its outputs streamed into the NetCDF file ``path``.

    Parameters
    ----------
    spec : brainnet_cb.Simulation
    path : path-like
        The NetCDF result (checked before the run, as :func:`brainnet_cb.write_netcdf` checks it).
    overwrite : bool, default False
    progress : bool, optional
        Progress bar between chunks.
    attrs : dict, optional
        Global attributes added after the run, after ``wall_time_s`` (the run's wall time in
        seconds, preparation included).
    forget_programs : bool, default False
        For a process that runs nothing else (the command): drop JAX's in-memory caches of
        compiled programs once the run is prepared (the small programs of its preparation,
        ~20 MB) and once it is over (its scan programs, ~50 MB), handing the freed heap back
        each time. Values do not change; a later run in the same process compiles (or loads)
        its programs again.
    overwrite_hint : str, default "overwrite=True"
        How the refusals name the option that replaces a file (the command: ``"--overwrite"``).

    The destination's lock is taken before the run is prepared: a second run of the same
    ``path`` started meanwhile is refused before it compiles anything.

    Returns
    -------
    ds : xarray.Dataset
        The written file, opened lazily (values are read from the file each time they are
        used, not kept; close it when done).
    wall : float
        The run's wall time in seconds.
    """
    path = check_netcdf_destination(path, overwrite, overwrite_hint=overwrite_hint)
    _check_attrs(attrs)  # before the run: NetCDF must be able to hold them at its end
    # the lock first: a second run started at the same time on the same --out is refused before it compiles
    with WriteLock(path, None, BrainnetError, overwrite_hint=overwrite_hint):
        start = time.perf_counter()
        run = spec.prepare()
        if forget_programs:
            _forget_programs()
        run.compile()  # every program of the run, before the file, its buffers and xarray exist
        release_free_memory()  # what compiling freed (~100 MB), before they are allocated
        tmp = temporary_path(path)
        sink = NetCDFSink(tmp)
        try:
            run.execute(progress=progress, sink=sink)
            wall = time.perf_counter() - start
            sink.set_attrs(_stamped({**sink.attrs, "wall_time_s": round(wall, 3), **(attrs or {})}, path))
            sink.close()
            publish(tmp, path, overwrite=overwrite, error=BrainnetError)
        except (RuntimeError, OSError) as err:  # a full disk: HDF5 says 'NetCDF: HDF error', after the run
            failure = write_failure(err, path)  # the free space measured before the temporary file goes
            if failure is None:
                raise
            raise failure from err
        finally:
            sink.close()
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
    del run
    if forget_programs:
        _forget_programs()
    else:
        release_free_memory()  # what the run's buffers held
    return open_result(path), wall


def _check_attrs(attrs) -> None:
    if attrs is None:
        return
    if not isinstance(attrs, Mapping):
        raise BrainnetError(f"attrs must be a dict of global attributes (name -> str or number); got "
                            f"{type(attrs).__name__}. Nothing was run.")
    for key, value in attrs.items():
        reason = (f"has a name of type {type(key).__name__}; attribute names are strings" if not isinstance(key, str)
                  else netcdf_attr_problem(key, value))
        if reason:
            raise BrainnetError(f"attrs[{key!r}] {reason}. Nothing was run.")


def open_result(path) -> xr.Dataset:
    """The written file as a lazily read Dataset that keeps nothing it has read.

    ``cache=False``: values read for the summary are not kept by xarray while the
    figure is drawn; no HDF5 chunk cache (by default up to 64 MiB per variable, which
    kept every chunk of ``r`` the summary read). Closing the Dataset closes the file.
    """
    import netCDF4  # noqa: PLC0415
    import xarray as xr  # noqa: PLC0415 - loaded on first use (start-up, memory)

    nc = netCDF4.Dataset(path, "r")
    try:
        for var in nc.variables.values():
            var.set_var_chunk_cache(size=0, nelems=0, preemption=1.0)
        return xr.open_dataset(xr.backends.NetCDF4DataStore(nc), cache=False)
    except BaseException:
        nc.close()
        raise
