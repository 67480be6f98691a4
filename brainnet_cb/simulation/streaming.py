"""Streaming a run's outputs to a Zarr store, chunk by chunk, while it runs.

``bn.simulate(..., out="run.zarr")`` writes every compiled chunk's monitor
samples to the store as soon as the chunk is done, so a long run never holds
its outputs in memory. The store is valid after every chunk:

- it is created complete but empty (every variable with a zero-length time
  axis, the coordinates and the provenance ``attrs``) in a temporary folder
  that is then renamed into place, so it either does not exist or is readable;
- each chunk appends along the time dimensions (one Zarr chunk per simulation
  chunk, so an append never rewrites earlier data), then rewrites the
  consolidated metadata. Zarr writes each file atomically (temporary file +
  rename), and readers (``xarray.open_zarr``) take shapes from the consolidated
  metadata, so a process killed mid-append leaves the store as it was after
  the last finished chunk;
- while the run goes on, ``attrs["stream_progress"]`` says how far it got
  (``"37 of 100 chunks, t = 3700 ms"``). It is written only after the chunk's
  data and the consolidated metadata that announces them (then consolidated
  again), so no reader, through the consolidated metadata or the plain
  ``.zattrs``, ever sees a progress beyond the samples the store holds;
- the finished store has no such attribute and carries the CF global
  attributes of a file written by :func:`~brainnet_cb.write_netcdf`
  (:func:`~brainnet_cb.simulation.cf.stamp`: ``date_created`` and a
  timestamped ``history`` line, ``"... written to run.zarr by brainnet_cb
  (streamed with out=)"``), set in the same metadata write that removes the
  progress. Without that stamp it equals the in-memory result:
  ``xarray.testing.assert_identical(cf.unstamp(store), ds)``. A resumed run
  compares the store with its own provenance the same way, and its finishing
  line says ``"(streamed with out=, resumed)"``;
- the destination is checked before the run compiles anything (folder exists
  and is writable, not a symbolic link, an existing path replaced only with
  ``overwrite=True`` and only if it is a Zarr store), and the run holds a lock
  on the store (``.<name>.lock`` beside it) while it writes, so
  ``overwrite=True`` from another process is refused instead of deleting the
  store underneath the run. A replaced store is moved aside and the new one
  renamed into place; the old one is deleted once the new one holds the run's
  first chunk, and put back if the run fails before (a model that diverges at
  once, an interrupt): a failed ``overwrite=True`` never loses the old result
  to an empty store. Where the system refuses to move the old store aside
  (Windows: a program holds a file in it open), the run stops before its
  first chunk with an error naming the store and what to close, and the store
  stays as it was. A process killed outright (``kill -9``, out of memory) in
  that window cannot put it back: the previous store stays in the hidden
  folder ``.<name>.<id>.old`` beside the path. Nothing deletes or moves it; the
  next run writing to that path warns (:class:`LeftoverStoreWarning`, naming
  the folder and what it holds) until the user restores or deletes it. Where
  the system refuses to delete the replaced store once the new one holds a
  chunk (Windows: a program holds a file in it open), the run goes on and
  warns (:class:`LeftoverStoreWarning`) naming what is left: the store kept
  whole as ``.<name>.<id>.old`` where it could not even be moved, else what is
  left of it as ``.<name>.<id>.tmp``, no result any more, which the next run
  writing to that path deletes (Windows has no locks, so there no run does:
  the warning says to delete it). Where the system refuses that run too (a
  read-only folder in it), it goes on and warns, naming it, and each later
  run tries again.

The store uses the Zarr v2 format (consolidated metadata is part of that
specification), readable by zarr-python 2 and 3 and by xarray. Zarr is an
optional dependency: ``pip install 'brainnet-cb[stream]'``.
"""

from __future__ import annotations

import json
import os
import pathlib
import shutil
import uuid
import warnings

import numpy as np

from .._checks import caller_stacklevel
from .._destinations import (
    WriteLock,
    check_destination,
    drop_moved_aside,
    move_aside,
    publish_folder,
    suffix_problem,
    write_failure,
)
from ..errors import CheckpointError, SimulationError
from .cf import stamp, unstamp

__all__ = ["Sink", "ZarrSink", "PROGRESS_ATTR", "LeftoverStoreWarning", "leftover_stores"]

#: Store attribute present while a streamed run is unfinished.
PROGRESS_ATTR = "stream_progress"
#: Upper bound on the bytes of one Zarr chunk.
ZARR_CHUNK_BYTES = 16 * 2**20
#: What a store that cannot be replaced leaves of the run (:func:`~brainnet_cb._destinations.move_aside`).
_NOTHING_RUN = "; the run stopped before its first chunk, so nothing was simulated"

def _zarr():
    try:
        import zarr  # noqa: PLC0415 - optional dependency (the stream extra)
    except ImportError:
        raise SimulationError(
            "out= streams the run to a Zarr store, which needs the zarr package; "
            "install it with `pip install 'brainnet-cb[stream]'` (or `pip install zarr`), "
            "or leave out= unset to keep the outputs in memory."
        ) from None
    return zarr


def _zarr_major(zarr) -> int:
    return int(zarr.__version__.split(".")[0])


class LeftoverStoreWarning(UserWarning):
    """A store that an ``overwrite=True`` run moved aside (``.<name>.<id>.old``), or what is left of it, lies beside
    ``out=``: the run was killed before it could delete or restore it, or the system refused to delete it."""


def leftover_stores(path) -> list:
    """The hidden folders ``.<name>.<id>.old`` beside ``path``: stores moved aside by an ``overwrite=True`` run.

    A run puts its moved-aside store back or deletes it itself; one found while no run holds the path's lock
    was left by a process killed in between, or by a run that the system refused to move it for deletion (a
    program held a file in it open), and holds the store that run was replacing.
    """
    path = pathlib.Path(path)
    head = f".{path.name}."
    try:
        entries = list(path.parent.iterdir())
    except OSError:
        return []
    return sorted(p for p in entries if p.name.startswith(head) and p.name.endswith(".old")
                  and len(p.name) > len(head) + len(".old") and p.is_dir() and not p.is_symlink())


def _warn_leftovers(path):
    for old in leftover_stores(path):
        state = "does not exist" if not path.exists() else "is there"
        warnings.warn(
            f"{str(old)!r} holds the store that was at out={str(path)!r} before a run with overwrite=True "
            f"replaced it and did not delete or restore it (the run was killed, or the system refused to delete "
            f"it; the previous result: it is kept, and {path.name!r} {state}). To put it back: remove "
            f"{path.name!r}, then rename {old.name!r} to {path.name!r}; if you no longer need it, delete "
            f"{old.name!r}.", LeftoverStoreWarning,
            stacklevel=caller_stacklevel())


def _is_zarr_store(path: pathlib.Path) -> bool:
    return path.is_dir() and any((path / name).exists() for name in (".zgroup", ".zmetadata", "zarr.json"))


class Sink:
    """Where a run's chunks go instead of host memory (the hook of :meth:`Run.execute`).

    The engine calls :meth:`start` once, :meth:`append` after every finished
    chunk (with that chunk's samples as a Dataset, time stamped as in the
    in-memory result), :meth:`state` when it writes a checkpoint, and
    :meth:`finish` at the end, whose return value the run returns.
    """

    def start(self, template, chunk_samples, append_dims, resume_state=None):
        """Prepare for a run whose outputs look like ``template`` (zero-length time axes).

        ``chunk_samples`` maps each time dimension to its number of samples in
        a full chunk; ``append_dims`` lists the time dimensions;
        ``resume_state`` is what :meth:`state` returned when the checkpoint
        being resumed was written (None for a fresh run).
        """
        raise NotImplementedError

    def append(self, chunk, done, total, t_ms):
        """Store the samples of finished chunk ``done`` (of ``total``), ending at ``t_ms``."""
        raise NotImplementedError

    def state(self) -> dict:
        """JSON-able description of what is stored (saved in checkpoints)."""
        return {}

    def finish(self):
        """Close the sink at the end of the run; returns the run's result."""
        raise NotImplementedError


class ZarrSink(Sink):
    """Append a run's outputs to a Zarr store chunk by chunk (see the module docstring).

    Parameters
    ----------
    path : str or path-like
        The store (a folder, conventionally ``*.zarr``).
    overwrite : bool, default False
        Replace an existing store. Without it an existing path is refused.
        A path that exists and is not a Zarr store is never deleted. A
        store moved aside by an earlier ``overwrite=True`` run that was killed
        (``.<name>.<id>.old``) is kept and named in a
        :class:`LeftoverStoreWarning`.
    resume : bool, default False
        Continue an existing store (used by ``resume_from=``): it is cut back
        to the lengths recorded in the checkpoint and appended to.
    """

    def __init__(self, path, overwrite: bool = False, resume: bool = False):
        self.zarr = _zarr()
        self.overwrite = bool(overwrite)
        self.resume = bool(resume)
        self.path = self._check(path)
        _warn_leftovers(self.path)  # before the run: the store a killed overwrite=True run moved aside
        self._lock = WriteLock(self.path, "out", SimulationError)
        self._arrays = {}
        self._lengths = {}
        self._group = None
        self._append_dims = ()
        self._old = None  # the store overwrite=True replaces, until the new one holds a chunk

    # --- opening -------------------------------------------------------------------
    def _open_group(self):
        zarr = self.zarr
        if _zarr_major(zarr) >= 3:
            # never through the consolidated metadata: it is stale between appends
            return zarr.open_group(str(self.path), mode="r+", use_consolidated=False)
        return zarr.open_group(str(self.path), mode="r+")

    def _consolidate(self):
        self.zarr.consolidate_metadata(str(self.path))

    def _check(self, path) -> pathlib.Path:
        """:func:`~brainnet_cb._destinations.check_destination` of the store (nothing is created)."""
        problem = suffix_problem(path, "zarr")  # the one check write_netcdf makes too (with "netcdf")
        if problem:
            raise SimulationError(f"out={os.fsdecode(path)!r} {problem}.")
        refuse = None if self.resume else (_refuse_existing if self.overwrite else _refuse_existing_or_unfinished)
        return check_destination(path, name="out", overwrite=self.overwrite, error=SimulationError,
                                 refuse_existing=refuse, existing_ok=self.resume)

    def close(self) -> None:
        """Release the store's lock (idempotent; :meth:`finish` does it too).

        Closed before the run stored its first chunk (it failed), a store that
        ``overwrite=True`` was replacing is put back as it was.
        """
        try:
            self._restore_old()
        finally:
            self._lock.release()

    def _create(self, template, chunk_samples):
        path = self.path
        encoding = {}
        for name, var in template.variables.items():
            dims = [d for d in var.dims if d in chunk_samples]
            if not dims:
                continue
            per_sample = int(np.prod([s for d, s in zip(var.dims, var.shape) if d != dims[0]], dtype=np.int64))
            length = _chunk_length(chunk_samples[dims[0]], per_sample * var.dtype.itemsize)
            encoding[name] = {"chunks": tuple(length if d == dims[0] else s for d, s in zip(var.dims, var.shape))}
        tmp = path.parent / f".{path.name}.{uuid.uuid4().hex[:8]}.tmp"
        kwargs = {"zarr_format": 2} if _zarr_major(self.zarr) >= 3 else {}
        try:
            template.to_zarr(str(tmp), mode="w-", encoding=encoding, consolidated=True, **kwargs)
            if self.overwrite and path.exists():  # kept aside until the new store holds a chunk (_drop_old)
                # only once it is there: an interrupt before the rename leaves path as it was
                self._old = move_aside(path, name="out", error=SimulationError, left=_NOTHING_RUN)
            try:
                publish_folder(tmp, path, overwrite=self.overwrite, name="out", error=SimulationError,
                               left=_NOTHING_RUN, category=LeftoverStoreWarning)
            except BaseException:
                self._restore_old()
                raise
        finally:
            if tmp.exists():
                shutil.rmtree(tmp)

    def _drop_old(self):
        """Delete the replaced store (the new one holds a finished chunk); what the system refuses to delete is
        named in a :class:`LeftoverStoreWarning` (:func:`~brainnet_cb._destinations.drop_moved_aside`)."""
        old, self._old = self._old, None
        if old is not None:
            drop_moved_aside(old, self.path, name="out", category=LeftoverStoreWarning)

    def _restore_old(self):
        """Put the replaced store back (the run failed before its first chunk was stored)."""
        old, self._old = self._old, None
        if old is not None and old.exists():  # never delete path without the old store to put in its place
            if self.path.exists():
                shutil.rmtree(self.path)
            os.rename(old, self.path)

    def _reopen(self, template, resume_state):
        import xarray as xr  # noqa: PLC0415 - loaded on first use (start-up, memory)

        path = self.path
        if not _is_zarr_store(path):
            raise CheckpointError(
                f"resuming a streamed run needs its store, but out={str(path)!r} "
                f"{'is not a Zarr store' if path.exists() else 'does not exist'}. Pass the out= "
                f"path of the interrupted run (the checkpoint recorded {resume_state.get('path')!r})."
            )
        stored = xr.open_zarr(str(path), chunks=None)
        attrs = {k: v for k, v in unstamp(stored).attrs.items() if k != PROGRESS_ATTR}  # a finished store's stamp
        # another device: the checkpoint warns; the connectome's file: the same matrices (their sha256 is compared)
        # may be read from a copy elsewhere, or passed as arrays
        mine = {k: v for k, v in template.attrs.items() if k not in ("device", "connectome_source")}
        attrs.pop("device", None)
        attrs.pop("connectome_source", None)
        if _canonical(attrs) != _canonical(mine) or set(stored.variables) != set(template.variables):
            raise CheckpointError(
                f"out={str(path)!r} holds another run (its variables or provenance attrs differ from this "
                "run's); pass the store written by the run that wrote the checkpoint."
            )
        lengths = resume_state.get("lengths", {})
        for dim, length in lengths.items():
            if stored.sizes.get(dim, 0) < length:
                raise CheckpointError(
                    f"out={str(path)!r} has {stored.sizes.get(dim, 0)} samples along {dim!r}, fewer than the "
                    f"{length} the checkpoint recorded; the store is not the one the checkpoint was made with."
                )
        stored.close()
        group = self._open_group()
        for name, var in template.variables.items():
            dims = [d for d in var.dims if d in lengths]
            if dims:
                arr = group[name]
                axis = var.dims.index(dims[0])
                shape = list(arr.shape)
                shape[axis] = lengths[dims[0]]
                arr.resize(tuple(shape))  # drop samples written after the checkpoint
        self._consolidate()

    # --- the Sink interface ---------------------------------------------------------
    def start(self, template, chunk_samples, append_dims, resume_state=None):
        self._check(self.path)  # again: the run may start long after the sink was made
        self._lock.acquire()
        self._append_dims = tuple(append_dims)
        if self.resume:
            self._reopen(template, resume_state or {})
            self._lengths = dict((resume_state or {}).get("lengths", {}))
        else:
            self._create(template, chunk_samples)
            self._lengths = {d: 0 for d in self._append_dims}
        self._group = self._open_group()
        self._arrays = {}
        for name, var in template.variables.items():
            dims = [d for d in var.dims if d in self._append_dims]
            if dims:
                self._arrays[name] = (self._group[name], var.dims.index(dims[0]), dims[0])

    def append(self, chunk, done, total, t_ms):
        try:
            for name, var in chunk.variables.items():
                if name not in self._arrays:
                    continue
                arr, axis, dim = self._arrays[name]
                if var.shape[axis]:
                    arr.append(np.asarray(var.values), axis=axis)
        except OSError as err:  # a full disk: which store, how much space, and what it still holds
            kept = done - 1
            failure = write_failure(err, self.path, "out", SimulationError, left=(
                f"the store keeps the {kept} chunk{'' if kept == 1 else 's'} finished before (a run with checkpoint= "
                "continues from its last checkpoint with resume_from=)" if kept else "the store holds no chunk yet"))
            if failure is None:
                raise
            raise failure from err
        for dim in self._append_dims:
            self._lengths[dim] = self._lengths.get(dim, 0) + int(chunk.sizes.get(dim, 0))
        self._consolidate()  # the data first; the progress that announces them after
        self._group.attrs[PROGRESS_ATTR] = f"{done} of {total} chunks, t = {t_ms:g} ms"
        self._consolidate()
        self._drop_old()

    def state(self) -> dict:
        return {"path": str(self.path.resolve()), "lengths": dict(self._lengths)}

    def finish(self):
        import xarray as xr  # noqa: PLC0415 - loaded on first use (start-up, memory)

        attrs = {k: v for k, v in self._group.attrs.asdict().items() if k != PROGRESS_ATTR}
        how = "streamed with out=, resumed" if self.resume else "streamed with out="
        attrs = stamp(xr.Dataset(attrs=attrs), f"written to {self.path.name} by brainnet_cb ({how})").attrs
        self._group.attrs.put(attrs)  # one write: the progress goes as the CF stamp comes
        self._consolidate()
        self._drop_old()
        self.close()
        return xr.open_zarr(str(self.path), chunks=None)


def _refuse_existing(path):
    if not _is_zarr_store(path):
        return ("exists and is not a Zarr store; it is not deleted even with overwrite=True. Remove it yourself "
                "or choose another path.")
    return None


def unfinished_progress(path) -> str | None:
    """The ``stream_progress`` of a store whose run was interrupted (``"50 of 84 chunks, t = 35000 ms"``), else None.

    Read from the store's own attributes (``.zattrs``, Zarr v2), not through zarr: a finished store, one that
    holds no chunk yet, or anything else gives None.
    """
    try:
        attrs = json.loads((pathlib.Path(path) / ".zattrs").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    progress = attrs.get(PROGRESS_ATTR) if isinstance(attrs, dict) else None
    return progress if isinstance(progress, str) else None


def _refuse_existing_or_unfinished(path):
    """:func:`_refuse_existing`, and without ``overwrite`` the store of an interrupted run: the plain "pass
    overwrite=True" would have the user throw its finished chunks away where ``resume_from=`` continues them."""
    reason = _refuse_existing(path)
    if reason is None and (progress := unfinished_progress(path)) is not None:
        reason = (f"holds the store of an interrupted run ({progress}); to continue that run, pass resume_from= "
                  "with its checkpoint= file (and the same arguments), or overwrite=True to start again and replace "
                  "it, or choose another path.")
    return reason


def _chunk_length(samples: int, sample_bytes: int) -> int:
    """Zarr chunk length along time: a divisor of ``samples`` under :data:`ZARR_CHUNK_BYTES`."""
    samples = max(int(samples), 1)
    cap = max(1, ZARR_CHUNK_BYTES // max(int(sample_bytes), 1))
    if samples <= cap:
        return samples
    return max(d for d in range(1, cap + 1) if samples % d == 0)


def _canonical(attrs) -> dict:
    """Attributes as zarr stores them (JSON types), for comparison."""
    out = {}
    for k, v in attrs.items():
        if isinstance(v, np.ndarray):
            v = v.tolist()
        elif isinstance(v, np.generic):
            v = v.item()
        elif isinstance(v, tuple):
            v = list(v)
        out[k] = v
    return out
