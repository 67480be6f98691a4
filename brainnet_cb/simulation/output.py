"""Writing results: checked first, atomic, exclusive, and never over an existing file unless asked.

The shared mechanism is :mod:`brainnet_cb._destinations`: the destination is
checked before anything is written (folder exists and is writable, not a
symbolic link, not being written by another run), the data go to a temporary
file in the same folder that takes the final name only when complete (with
``os.link`` for a new file, so two writers of one new path cannot both
succeed), and a lock beside the file is held while it is written.
"""

from __future__ import annotations

import contextlib
import os
import pathlib
from typing import TYPE_CHECKING

import numpy as np

from .._destinations import WriteLock, check_destination, publish, temporary_path
from .._types import PathLike
from ..errors import BrainnetError
from .cf import stamp, without_coordinate_fill
from .checkpoint import Checkpointer, load_checkpoint
from .streaming import ZarrSink

if TYPE_CHECKING:
    import xarray as xr

__all__ = ["write_netcdf", "check_netcdf_destination", "execute"]


def execute(execution, run) -> xr.Dataset:
    """Advance ``run`` with the options of ``execution`` (a :class:`~brainnet_cb.Execution`).

    In this order: the destinations (``out`` store, ``checkpoint`` file) are
    checked (nothing is read, created or compiled before), then
    ``resume_from`` is read and checked against the run, then the run
    advances holding the locks of its store and checkpoint, which are released
    however it ends (finished, failed, interrupted).
    """
    checkpoint = execution.checkpoint
    resume_from = _with_suffix(execution.resume_from)
    if resume_from is not None and checkpoint is None:
        checkpoint = resume_from  # the resumed checkpoint keeps being updated
    sink = saver = None
    try:
        if execution.out is not None:
            sink = ZarrSink(execution.out, overwrite=execution.overwrite, resume=execution.resume_from is not None)
        if checkpoint is not None:
            saver = Checkpointer(checkpoint, overwrite=execution.overwrite, resume_from=resume_from)
        resume = None
        if resume_from is not None:
            resume = load_checkpoint(resume_from).restore(run, streamed=execution.out is not None)
        return run.execute(chunk_steps=execution.chunk_steps, progress=execution.progress, sink=sink,
                           checkpoint=saver, resume=resume)
    finally:
        for held in (sink, saver):
            if held is not None:
                held.close()


def _with_suffix(resume_from):
    """``resume_from``, or its ``.npz`` file when only that exists (``checkpoint=`` adds the suffix when missing)."""
    if resume_from is None:
        return None
    try:
        path = pathlib.Path(os.fspath(resume_from))
    except TypeError:
        return resume_from  # load_checkpoint says what is wrong
    if path.suffix != ".npz" and path.name and not path.exists() and path.with_name(path.name + ".npz").is_file():
        return path.with_name(path.name + ".npz")
    return resume_from


def check_netcdf_destination(path: PathLike, overwrite: bool = False, name=None,
                             overwrite_hint="overwrite=True") -> pathlib.Path:
    """Check, before a run, that :func:`write_netcdf` may write ``path`` (nothing is created).

    Raises
    ------
    BrainnetError
        A missing or read-only folder, a symbolic link, a folder at ``path``,
        an existing file without ``overwrite``, or a file another run is writing.
    """
    return check_destination(path, name=name, overwrite=overwrite, error=BrainnetError,
                             refuse_existing=_not_a_file, overwrite_hint=overwrite_hint)


def _not_a_file(path):
    return "is a folder; a NetCDF result is one file. Choose a file path." if path.is_dir() else None


def write_netcdf(ds: xr.Dataset, path: PathLike, overwrite: bool = False) -> pathlib.Path:
    """Write ``ds`` to NetCDF at ``path`` atomically and exclusively.

    The data go to a temporary file in the same folder (mode ``0o666`` less
    the umask), which then takes the name ``path`` in one step: with
    ``os.link`` for a new file (if another writer created ``path`` meanwhile,
    nothing is replaced, this result is kept beside it as
    ``<stem>.pid<N>.nc`` and the error says so), with ``os.replace`` when
    ``overwrite=True``. An interrupted write never leaves a partial file.

    Parameters
    ----------
    ds : xarray.Dataset
    path : str or path-like
    overwrite : bool, default False
        Replace an existing file. Without it an existing file is refused.

    Raises
    ------
    BrainnetError
        If ``ds`` is not a Dataset, ``path`` exists and ``overwrite`` is False,
        its folder does not exist or is not writable, it is a symbolic link,
        another run writes it, or NetCDF cannot hold an attribute or variable
        of ``ds`` (nothing is left at ``path`` then).
    """
    import xarray as xr  # noqa: PLC0415 - loaded on first use (start-up, memory)

    if not isinstance(ds, xr.Dataset):
        fix = (f"; pass da.to_dataset(name={ds.name or 'fc'!r})" if isinstance(ds, xr.DataArray) else "")
        raise BrainnetError(f"write_netcdf takes an xarray.Dataset; got {type(ds).__name__}{fix}.")
    if not isinstance(overwrite, (bool, np.bool_)):  # a string such as "no" is truthy
        raise BrainnetError(f"overwrite must be True or False (True replaces an existing file); got {overwrite!r}.")
    path = check_netcdf_destination(path, overwrite)
    with WriteLock(path, None, BrainnetError):
        tmp = temporary_path(path)
        try:
            try:
                stamped = stamp(ds, f"written to {path.name} by brainnet_cb.write_netcdf")
                without_coordinate_fill(stamped).to_netcdf(tmp, engine="netcdf4")
            except (TypeError, ValueError) as err:
                raise BrainnetError(
                    f"cannot write {str(path)!r} as NetCDF: {err} (NetCDF attributes are strings, numbers or "
                    "arrays of them: json.dumps a dict, drop a None; variables hold numbers, strings or times)."
                ) from err
            return publish(tmp, path, overwrite=overwrite, error=BrainnetError)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
