"""``brainnet-cb run`` streams its outputs into the NetCDF file chunk by chunk.

The default run (600 s of tvb76, activity every 10 ms, EEG every 5 ms, BOLD)
produces ~66 MB of samples; held in memory, written with ``to_netcdf`` and then
summarised, they cost ~110 MB of peak memory on top of the engine. Here every
finished chunk of the run (:meth:`brainnet_cb.simulation.run.Run.execute` with a
sink) is appended to the file, so the host holds one chunk at a time; the
summary and the figure then read what they need from the written file.

The file holds the same variables, coordinates, attributes and values as
``bn.write_netcdf`` of the in-memory Dataset (the time axes are unlimited
dimensions, stored in chunks of one run chunk, compressed as ``bn.write_netcdf`` compresses its series:
zlib level 1 after the byte shuffle, lossless), and is published the same way:
checked first, written to a temporary file beside it under the destination's
lock, given its name only when complete (:mod:`brainnet_cb.simulation.output`).

With a checkpoint (``brainnet-cb run --checkpoint``), the file is streamed into
:func:`partial_path` instead, flushed to disk after every chunk and before the
chunk's checkpoint, and kept when the run stops; ``--resume`` reopens it and
writes from the lengths the checkpoint recorded (samples written after the
checkpoint are written again, the same), so the published file equals an
uninterrupted run's.
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

from .._destinations import WriteLock, lock_holder, publish, temporary_path, write_failure
from ..errors import BrainnetError, CheckpointError
from ..simulation.capacity import check_disk
from ..simulation.cf import without_coordinate_fill
from ..simulation.output import NETCDF_COMPRESSION, check_netcdf_destination, netcdf_attr_problem
from ..simulation.streaming import Sink

if TYPE_CHECKING:
    import xarray as xr

__all__ = ["NetCDFSink", "open_result", "release_free_memory", "run_to_netcdf", "partial_path", "refuse_finished"]

#: ``format`` of the sink state a checkpoint of ``brainnet-cb run`` records.
PARTIAL_FORMAT = "brainnet-cb run netcdf"


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

    def __init__(self, path, synced=False):
        self.path = pathlib.Path(path)
        self.synced = synced
        self._nc = None
        self._dims = ()
        self._count = {}
        self.out = None  # the output the finished file becomes (recorded in the checkpoint's state)

    def start(self, template, chunk_samples, append_dims, resume_state=None):
        import netCDF4  # noqa: PLC0415 - xarray's netcdf4 engine needs it too
        import xarray as xr  # noqa: PLC0415 - loaded on first use (start-up, memory)

        self._dims = tuple(append_dims)
        self.attrs = dict(template.attrs)
        if resume_state is not None:
            self._reopen(template, resume_state)
            return
        template = without_coordinate_fill(template)  # no _FillValue on time, time_bold, ... (CF), as write_netcdf
        encoding = {}
        for name, var in template.variables.items():
            tdim = self._time_dim(var)
            if tdim is not None:
                encoding[name] = {"chunksizes": tuple(max(1, chunk_samples[tdim]) if d == tdim else var.sizes[d]
                                                      for d in var.dims)}
                if var.dtype.kind in "biuf":  # lossless, as write_netcdf stores its series
                    encoding[name].update(NETCDF_COMPRESSION)
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

    def _reopen(self, template, resume_state):
        """Open the partial file of the interrupted run, as its checkpoint recorded it, to go on writing."""
        import netCDF4  # noqa: PLC0415

        lengths = {d: int(n) for d, n in resume_state["lengths"].items()}
        try:
            self._nc = netCDF4.Dataset(self.path, "a")
        except OSError as err:
            raise CheckpointError(
                f"the partial output {str(self.path)!r} of the interrupted run cannot be read ({err}); a run "
                "killed outright (kill -9) while writing can leave it damaged. Start the run again without "
                "--resume.") from err
        short = {d: len(self._nc.dimensions[d]) for d in lengths if d in self._nc.dimensions}
        if set(self._nc.variables) != set(template.variables) or any(
                short.get(d, -1) < n for d, n in lengths.items()):
            self.close()
            raise CheckpointError(
                f"the partial output {str(self.path)!r} holds other variables or fewer samples than the "
                "checkpoint recorded; it is not the file of the interrupted run. Start the run again without "
                "--resume.")
        self._nc.set_auto_maskandscale(False)
        for var in self._nc.variables.values():
            var.set_var_chunk_cache(size=0, nelems=0, preemption=1.0)
        # samples written after the checkpoint (if any) are written again, the same, by the chunks that follow
        self._count = {d: lengths.get(d, 0) for d in self._dims}
        release_free_memory()

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
        if self.synced:  # on disk before the checkpoint that counts it is written
            self._nc.sync()
        release_free_memory()  # what the chunk's samples and their Dataset held (~1 ms)

    def set_attrs(self, attrs: dict):
        """Set the global attributes that differ from the run's (after the run: wall time, configuration)."""
        for key, value in attrs.items():
            if key not in self.attrs or not np.array_equal(self.attrs[key], value):
                self._nc.setncattr(key, value)

    def state(self) -> dict:
        """What the checkpoint records: this file and its samples per time dimension."""
        state = {"format": PARTIAL_FORMAT, "path": str(self.path.resolve()), "lengths": dict(self._count)}
        return state if self.out is None else dict(state, out=str(self.out.resolve()))

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


def partial_path(path) -> pathlib.Path:
    """The file a checkpointed run streams into until it is complete (``.<name>.partial`` beside ``path``).

    Not a temporary name (:func:`~brainnet_cb._destinations.temporary_path`): those are deleted as stale by the
    next writer of ``path``, and this one is kept when the run is stopped, for ``--resume``.
    """
    path = pathlib.Path(path)
    return path.parent / f".{path.name}.partial"


def run_to_netcdf(spec, path, *, overwrite=False, progress=None, attrs=None, forget_programs=False,
                  overwrite_hint="overwrite=True", checkpoint=None, resume_from=None):
    """Run ``spec`` with its outputs streamed into the NetCDF file ``path``.

    Parameters
    ----------
    spec : brainnet_cb.Simulation
    path : path-like
        The NetCDF result (checked before the run, as :func:`brainnet_cb.write_netcdf` checks it).
    overwrite : bool, default False
        Also replaces an earlier run's checkpoint and partial file.
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
    checkpoint : path-like, optional
        Save the run's state after every chunk (:class:`~brainnet_cb.simulation.checkpoint.Checkpointer`).
        The file is then streamed into :func:`partial_path` (flushed to disk before each checkpoint),
        which is kept, with the checkpoint, when the run stops before its end.
    resume_from : path-like, optional
        Continue the run of this checkpoint (refused before anything compiles if it is another run's) in
        the partial file it recorded; the checkpoint keeps being updated unless ``checkpoint`` names
        another file. The result equals the uninterrupted run's, bit for bit (but its wall time and
        time stamps).

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
    if resume_from is not None:
        refuse_finished(resume_from)  # before the destination: its --out exists, and that is why
    path = check_netcdf_destination(path, overwrite, overwrite_hint=overwrite_hint)
    _check_attrs(attrs)  # before the run: NetCDF must be able to hold them at its end
    saver = partial_lock = None
    if checkpoint is not None or resume_from is not None:
        from ..simulation.checkpoint import Checkpointer  # noqa: PLC0415

        saver = Checkpointer(resume_from if checkpoint is None else checkpoint, overwrite=overwrite,
                             resume_from=resume_from)
        if resume_from is None:
            _check_partial(partial_path(path), overwrite)
        partial = partial_path(path) if resume_from is None else _partial_of(resume_from)
        partial_lock = _PartialLock(partial) if partial is not None else None
    # the lock first: a second run started at the same time on the same --out is refused before it compiles
    try:
        with WriteLock(path, None, BrainnetError, overwrite_hint=overwrite_hint):
            if partial_lock is not None:
                partial_lock.acquire()
            start = time.perf_counter()
            run = spec.prepare()
            resume = None if resume_from is None else _restore(resume_from, run)
            if resume is None:
                check_disk(run, path)
            else:
                check_disk(run, path, resume.schedule, resume.piece)
            if forget_programs:
                _forget_programs()
            run.compile()  # every program of the run, before the file, its buffers and xarray exist
            release_free_memory()  # what compiling freed (~100 MB), before they are allocated
            if resume is not None:
                tmp = pathlib.Path(resume.sink_state["path"])
            else:
                tmp = temporary_path(path) if saver is None else partial_path(path)
            sink = NetCDFSink(tmp, synced=saver is not None)
            sink.out = path  # where it goes: a resume may name another --out than the run that began it
            keep = False  # the partial file a checkpoint counts on stays for --resume
            try:
                run.execute(progress=progress, sink=sink, checkpoint=saver, resume=resume)
                wall = time.perf_counter() - start
                sink.set_attrs(_stamped({**sink.attrs, "wall_time_s": round(wall, 3), **(attrs or {})}, path))
                sink.close()
                publish(tmp, path, overwrite=overwrite, error=BrainnetError)
            except (RuntimeError, OSError) as err:  # a full disk: HDF5 says 'NetCDF: HDF error', after the run
                keep = _checkpointed(saver, resume)
                failure = write_failure(err, path)  # the free space measured before the temporary file goes
                if failure is None:
                    raise
                raise failure from err
            except BaseException:
                keep = _checkpointed(saver, resume)
                raise
            finally:
                sink.close()
                if not keep:
                    with contextlib.suppress(FileNotFoundError):
                        os.unlink(tmp)
    finally:
        if saver is not None:
            saver.close()
        if partial_lock is not None:
            partial_lock.release()
    del run
    if forget_programs:
        _forget_programs()
    else:
        release_free_memory()  # what the run's buffers held
    return open_result(path), wall


def _checkpointed(saver, resume) -> bool:
    """Whether a checkpoint counts on the partial file (one was written by this run, or is being resumed)."""
    return saver is not None and (resume is not None or bool(getattr(saver, "_saved", 0)))


def _partial_of(resume_from):
    """The partial output the checkpoint ``resume_from`` continues (None: not known; the resume names why)."""
    from ..simulation.checkpoint import load_checkpoint  # noqa: PLC0415

    try:
        state = load_checkpoint(resume_from).header.get("sink_state") or {}
    except CheckpointError:
        return None
    return pathlib.Path(state["path"]) if state.get("format") == PARTIAL_FORMAT else None


class _PartialLock(WriteLock):
    """The lock of a checkpointed run's partial output, held by the run that writes it (the first run, or a
    ``--resume`` of its checkpoint, whatever ``--out`` it names): two writers of one partial file are refused."""

    def __init__(self, partial):
        super().__init__(partial, None, CheckpointError)

    def acquire(self):
        if not self.held and (pid := lock_holder(self.path)) is not None:
            who = "this process" if pid == os.getpid() else f"process {pid}"
            raise CheckpointError(
                f"the partial output {str(self.path)!r} of a checkpointed run is being written by another run "
                f"({who}): the run that started it, or a --resume of its checkpoint. Two runs cannot write one "
                "partial output; wait until that run stops (if it stops before its end, --resume continues it).")
        return super().acquire()  # (a writer that came in between: the general message)


def _check_partial(partial: pathlib.Path, overwrite: bool) -> None:
    if partial.is_symlink() or (partial.exists() and not partial.is_file()):  # NetCDF would write through a link
        kind = (f"a symbolic link to {os.readlink(partial)!r}" if partial.is_symlink()
                else "a folder" if partial.is_dir() else "not a file")
        raise CheckpointError(
            f"{str(partial)!r}, where a checkpointed run writes its partial output, is {kind}; brainnet_cb neither "
            "writes through it nor replaces it (with --overwrite neither). Remove it, or choose another --out.")
    if partial.exists() and not overwrite:
        raise CheckpointError(
            f"{str(partial)!r} holds the partial output of an interrupted run (--checkpoint); pass --resume with "
            "its checkpoint to continue that run, --overwrite to start again and replace it, or choose another "
            "--out.")


def refuse_finished(resume_from) -> None:
    """Refuse the checkpoint of a run that ran to its end and published its output: nothing is left to resume.

    Its partial file was renamed to the output, so the refusal says that, not that the file was moved or deleted.
    A run stopped after its last chunk but before publishing (its partial file is there) is resumed as usual.
    Any other problem of the file is left to the resume, which names it.
    """
    from ..simulation.checkpoint import load_checkpoint  # noqa: PLC0415

    try:
        ckpt = load_checkpoint(resume_from)
    except CheckpointError:
        return
    state = ckpt.header.get("sink_state") or {}
    partial = pathlib.Path(str(state.get("path", "")))
    if (state.get("format") != PARTIAL_FORMAT or ckpt.piece < len(ckpt.header["schedule"]) or partial.exists()
            or not partial.name.endswith(".partial")):
        return
    out = pathlib.Path(state.get("out") or partial.parent / partial.name[1:-len(".partial")])  # (before 2026-12-06)
    raise CheckpointError(
        f"resume_from={str(ckpt.path)!r} is the checkpoint of a run that finished: all its {ckpt.piece} chunks ran "
        f"and its output was written to {str(out)!r} (its partial file renamed to that name); nothing is left to "
        "resume. Start the run again without resume_from to compute it again.")


def _restore(resume_from, run):
    """The state of checkpoint ``resume_from`` for ``run`` (checked against it), whose partial file exists."""
    from ..simulation.checkpoint import load_checkpoint  # noqa: PLC0415

    ckpt = load_checkpoint(resume_from)
    state = ckpt.header.get("sink_state") or {}
    if ckpt.streamed and state.get("format") != PARTIAL_FORMAT:
        raise CheckpointError(
            f"the checkpoint {str(ckpt.path)!r} belongs to a run streamed to the Zarr store "
            f"{state.get('path')!r} (bn.simulate(out=, checkpoint=)); resume it in Python with "
            "bn.simulate(..., out=, resume_from=).")
    if not ckpt.streamed:
        raise CheckpointError(
            f"the checkpoint {str(ckpt.path)!r} belongs to a run kept in memory (bn.simulate(checkpoint=) "
            "without out=); resume it in Python with bn.simulate(..., resume_from=).")
    resume = ckpt.restore(run, streamed=True)
    if not pathlib.Path(state.get("path", "")).is_file():
        raise CheckpointError(
            f"the partial output {state.get('path')!r} of the interrupted run does not exist (moved or deleted); "
            "--resume continues that file. Start the run again without --resume.")
    return resume


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
