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
import datetime
import os
import pathlib
import re
from typing import TYPE_CHECKING

import numpy as np

from .._destinations import (
    ZARR_SUFFIXES,
    WriteLock,
    check_destination,
    label,
    publish,
    suffix_problem,
    temporary_path,
    write_failure,
)
from .._types import PathLike
from ..errors import BrainnetError
from .capacity import check_disk, check_memory
from .cf import stamp, without_coordinate_fill
from .checkpoint import Checkpointer, load_checkpoint, resume_path
from .streaming import ZarrSink

if TYPE_CHECKING:
    import xarray as xr

__all__ = ["write_netcdf", "write_netcdf_holding", "check_netcdf_destination", "check_netcdf_attrs",
           "netcdf_attr_problem", "execute", "NETCDF_COMPRESSION", "compressed"]


def execute(execution, run) -> xr.Dataset:
    """Advance ``run`` with the options of ``execution`` (a :class:`~brainnet_cb.Execution`).

    In this order: the destinations (``out`` store, ``checkpoint`` file) are
    checked (nothing is read, created or compiled before), then
    ``resume_from`` is read and checked against the run, then the room its
    outputs need (:mod:`~brainnet_cb.simulation.capacity`: host memory, or the
    store's disk), then the run
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
        if execution.out is None:
            check_memory(run, chunk_steps=execution.chunk_steps)
        elif resume is None:
            check_disk(run, execution.out, compressed=True)
        else:
            check_disk(run, execution.out, resume.schedule, resume.piece, compressed=True)
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
    path = resume_path(resume_from)  # refuses another type, or an empty path, naming resume_from
    if path.suffix != ".npz" and path.name and not path.exists() and path.with_name(path.name + ".npz").is_file():
        return path.with_name(path.name + ".npz")
    return resume_from


def check_netcdf_destination(path: PathLike, overwrite: bool = False, name=None,
                             overwrite_hint="overwrite=True", held=None) -> pathlib.Path:
    """Check, before a run, that :func:`write_netcdf` may write ``path`` (nothing is created).

    Raises
    ------
    BrainnetError
        An empty path, one ending in ``.zarr`` (a Zarr store's name) or in
        any other suffix than a NetCDF one (``.nc``, ``.nc4``, ``.netcdf``,
        ``.cdf``, any case; a name without a suffix is written as it is), a
        missing or read-only folder, a symbolic link, a folder at ``path``, an
        existing file without ``overwrite``, or a file another run is writing.
    """
    problem = suffix_problem(path, "netcdf")  # the command line's --out rule (brainnet_cb.cli.common)
    if problem:
        text = os.fsdecode(path)
        zarr = (f", or write a Zarr store with ds.to_zarr({text!r}) (a run streams into one with "
                f"bn.simulate(..., out={text!r}))" if pathlib.Path(text).suffix.lower() in ZARR_SUFFIXES else "")
        raise BrainnetError(f"{label(text, name)} {problem}{zarr}.")
    return check_destination(path, name=name, overwrite=overwrite, error=BrainnetError,
                             refuse_existing=_not_a_file, overwrite_hint=overwrite_hint, held=held)


def _not_a_file(path):
    return "is a folder; a NetCDF result is one file. Choose a file path." if path.is_dir() else None


#: How the NetCDF outputs store their larger variables: zlib level 1 after HDF5's byte shuffle, lossless (the
#: values read back bit for bit); every netCDF-4 reader decompresses it (netCDF-C, so MATLAB and R, HDF5, h5py).
NETCDF_COMPRESSION = {"zlib": True, "complevel": 1, "shuffle": True}
#: Variables smaller than this stay contiguous and uncompressed: a chunk index costs more than it saves.
_COMPRESS_MIN_BYTES = 64 * 2**10
#: Upper bound on one HDF5 chunk of a compressed variable (whole rows of its first dimension, e.g. time).
_CHUNK_BYTES = 4 * 2**20


def compressed(ds: xr.Dataset) -> xr.Dataset:
    """A shallow copy of ``ds`` whose numeric variables of 64 KiB or more are written with :data:`NETCDF_COMPRESSION`.

    Each such variable is stored in chunks of whole rows of its first dimension (``time`` for a series), at most
    4 MiB each, so that a time window reads a few chunks and ``xr.open_dataset(path, chunks={})`` gives dask
    chunks of that size. A variable whose encoding already says how to store it (``zlib``, ``compression`` or
    ``contiguous``, as a Dataset read from a file carries) keeps it; strings and small variables are left as
    they are. The values do not change; ``ds`` itself is not modified.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> from brainnet_cb.simulation.output import compressed
    >>> ds = xr.Dataset({"r": (("time", "region"), np.zeros((1000, 76), np.float32))})
    >>> enc = compressed(ds).r.encoding
    >>> enc["zlib"], enc["complevel"], enc["shuffle"], enc["chunksizes"], ds.r.encoding
    (True, 1, True, (1000, 76), {})
    """
    out = ds.copy(deep=False)
    for var in out.variables.values():
        enc = var.encoding
        if (var.dtype.kind not in "biuf" or var.ndim == 0 or var.nbytes < _COMPRESS_MIN_BYTES
                or any(k in enc for k in ("zlib", "compression", "contiguous"))):
            continue
        enc.update(NETCDF_COMPRESSION)
        if enc.get("chunksizes") is None:
            row = max(1, var.nbytes // max(1, var.shape[0]))
            enc["chunksizes"] = (max(1, min(var.shape[0], _CHUNK_BYTES // row)), *var.shape[1:])
    return out


_INT64 = (-(2**63), 2**63 - 1)
#: A name netCDF-C accepts (its NC_check_name), but for the trailing space: a NUL would cut it short silently.
_NETCDF_NAME = re.compile(r"[A-Za-z0-9_\x80-\U0010ffff][^\x00-\x1f\x7f/]*")


def _short(value) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _item_problem(item):
    """Why one element of a list attribute cannot be stored (None when it can)."""
    if item is None:
        return "None"
    if isinstance(item, (bool, np.bool_, dict, list, tuple, np.ndarray)):
        return type(item).__name__
    if isinstance(item, (str, bytes)):
        return None
    if isinstance(item, (int, float, np.integer, np.floating)) and not isinstance(item, np.timedelta64):
        return "int beyond 64 bits" if isinstance(item, int) and not _INT64[0] <= item <= _INT64[1] else None
    return type(item).__name__


def netcdf_attr_problem(key, value) -> str | None:
    """Why NetCDF cannot hold ``value`` as the attribute ``key``, with the fix; None when it can.

    NetCDF attributes are a string, a number, or a 1-D list/array of numbers or
    of strings. Refused, each with its fix: a dict (``json.dumps``), None, a
    bool (NetCDF has no boolean), a quantity (a number in a stated unit, the unit
    in ``<key>_units``), a date or time (ISO 8601 text), text holding a NUL
    character, a name netCDF refuses (empty, starting with other than a letter,
    digit or ``_``, holding a ``/`` or a control character, ending in a space), a complex number, an
    integer beyond 64 bits, an array of more than one dimension or of bools,
    objects or complex numbers, and a list that nests, holds such items or mixes
    numbers with strings (NetCDF would store every item as text).
    """
    if isinstance(key, str) and not (_NETCDF_NAME.fullmatch(key) and not key.endswith(" ")):
        fix = re.sub(r"[^A-Za-z0-9_\x80-\U0010ffff]+", "_", key).strip("_") or "note"
        return ("has a name NetCDF refuses (a name starts with a letter, digit or '_' and holds no '/', its group "
                f"separator, no control character and no trailing space): rename it, e.g. {fix!r}")
    if isinstance(value, (str, bytes)):
        if (b"\x00" if isinstance(value, bytes) else "\x00") in value:
            return (f"holds a NUL character ({_short(value)}), where NetCDF would cut the text short: remove it, "
                    "e.g. value.replace('\\x00', '')")
        return None
    shown = _short(value)
    if isinstance(value, dict):
        return f"is a dict ({shown}); store it as JSON text: json.dumps(value)"
    if value is None:
        return "is None; NetCDF has no empty attribute: drop it, or store a string such as 'none'"
    if isinstance(value, (bool, np.bool_)):
        return (f"is a bool ({value}); NetCDF has no boolean attribute: store int(value) (1 or 0) or "
                "str(value)")
    if type(value).__module__.split(".")[0] in ("brainunit", "saiunit", "pint") or hasattr(value, "mantissa"):
        return (f"is a quantity ({value}); NetCDF attributes are plain numbers: store the number in a stated unit "
                f"and the unit beside it, e.g. {key}=float(value / u.ms), {key}_units='ms' (as dt and dt_units)")
    if isinstance(value, (datetime.date, datetime.time, np.datetime64, np.timedelta64, datetime.timedelta)):
        return f"is a date or time ({shown}); store it as ISO 8601 text: str(value)"
    if isinstance(value, (complex, np.complexfloating)):
        return f"is complex ({shown}); store value.real and value.imag as two attributes"
    if isinstance(value, (int, np.integer)):
        if isinstance(value, int) and not _INT64[0] <= value <= _INT64[1]:
            return f"is an integer beyond 64 bits ({shown}); store it as text: str(value)"
        return None
    if isinstance(value, (float, np.floating)):
        return None
    if isinstance(value, np.ndarray):
        if value.ndim > 1:
            return (f"is a {value.ndim}-D array of shape {value.shape}; NetCDF attributes are 1-D: store "
                    "json.dumps(value.tolist()), or a data variable")
        if value.dtype.kind not in "iufSU":
            return (f"is an array of {value.dtype} ({shown}); NetCDF attributes hold numbers or strings: store "
                    "json.dumps(value.tolist()) or value.astype(int)")
        return None
    if isinstance(value, (list, tuple)):
        kinds = {_item_problem(item) for item in value}
        bad = sorted(k for k in kinds if k is not None)
        if bad:
            return (f"is a {type(value).__name__} holding {', '.join(bad)} items ({shown}); NetCDF attributes are "
                    "1-D lists of numbers or of strings: store json.dumps(value)")
        if any(isinstance(v, (str, bytes)) for v in value) and not all(isinstance(v, (str, bytes)) for v in value):
            return (f"is a {type(value).__name__} mixing numbers and strings ({shown}); NetCDF would store every "
                    "item as text: store one kind, or json.dumps(value)")
        return None
    return (f"is a {type(value).__name__} ({shown}); NetCDF attributes are strings, numbers or 1-D lists of them: "
            "store str(value) or json.dumps(...)")


def check_netcdf_attrs(ds: xr.Dataset, what: str) -> None:
    """Raise :class:`BrainnetError` naming every attribute of ``ds`` (global, coordinate, variable) NetCDF cannot
    hold, and every variable of a type it has no type for (complex, float16); ``what`` starts the message."""
    def problem(key, value):
        if not isinstance(key, str):
            return f"has a name of type {type(key).__name__}; attribute names are strings"
        return None if key.startswith("_") else netcdf_attr_problem(key, value)  # _FillValue & co.: xarray's

    problems = []
    for key, value in ds.attrs.items():
        reason = problem(key, value)
        if reason:
            problems.append(f"the attribute {key!r} of the Dataset {reason}")
    for name, var in ds.variables.items():
        kind = "coordinate" if name in ds.coords else "variable"
        if var.dtype.kind == "c":
            problems.append(f"the {kind} {name!r} is complex ({var.dtype}), which NetCDF has no type for: write its "
                            f"real and imaginary parts as two variables ({name}_real, {name}_imag) or np.abs")
        elif var.dtype == np.float16:
            problems.append(f"the {kind} {name!r} is float16, which NetCDF has no type for: cast it with "
                            f".astype('float32')")
        for key, value in var.attrs.items():
            reason = problem(key, value)
            if reason:
                problems.append(f"the attribute {key!r} of the {kind} {name!r} {reason}")
    if problems:
        more = f" ({len(problems) - 1} more: {'; '.join(problems[1:])})" if len(problems) > 1 else ""
        raise BrainnetError(f"{what}: {problems[0]}.{more}")


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
        What to write, e.g. the result of :func:`~brainnet_cb.simulate`
        (a DataArray such as an FC: ``da.to_dataset(name="fc")``).
    path : str or path-like
        The NetCDF file: a name ending in ``.nc`` (or ``.nc4``, ``.netcdf``,
        ``.cdf``, any case), as ``brainnet-cb --out`` takes; its folder must
        exist. A name without a suffix is written as it is.
    overwrite : bool, default False
        Replace an existing file. Without it an existing file is refused.

    Returns
    -------
    pathlib.Path
        The path written. ``xarray.load_dataset(path)`` reads it back, bit for bit: the series (numeric
        variables of 64 KiB or more) are stored compressed, losslessly (:func:`compressed`: zlib level 1
        after the byte shuffle, in chunks of whole time rows of at most 4 MiB), which every netCDF-4
        reader decompresses (netCDF-C and so MATLAB's ``ncread`` and R's ncdf4, h5py, xarray's
        ``netcdf4`` and ``h5netcdf`` engines).

    Raises
    ------
    BrainnetError
        If ``ds`` is not a Dataset, ``path`` ends in another suffix than a
        NetCDF one (``x.txt``, ``x.png``, ``x.zarr``: the message names the
        accepted ones), ``path`` exists and ``overwrite`` is False,
        its folder does not exist or is not writable, it is a symbolic link,
        another run writes it, NetCDF cannot hold an attribute or variable
        of ``ds``, or the file system refuses the data (a full disk, a quota,
        a file-size limit, which HDF5 reports as ``NetCDF: HDF error``: the
        message gives the free space) (nothing is left at ``path`` then). Attributes and variable
        types are checked before anything is written
        (:func:`check_netcdf_attrs`): the message names each attribute (of the
        Dataset, a coordinate or a variable) and its fix, e.g. ``json.dumps``
        a dict, drop a None, ``int`` a bool, a quantity as a number plus
        ``<name>_units``.
    """
    return _write_netcdf(ds, path, overwrite, None)


def write_netcdf_holding(ds: xr.Dataset, lock: WriteLock, overwrite: bool = False) -> pathlib.Path:
    """:func:`write_netcdf` of ``ds`` to ``lock.path`` under ``lock``, already held by the caller (released at the end).

    For a command that reserved its output before computing the result (``brainnet-cb sweep``, ``fit``): the
    lock passes to the writer without being dropped, so no command started meanwhile can take the output and
    refuse the finished result.
    """
    return _write_netcdf(ds, lock.path, overwrite, lock)


def _write_netcdf(ds, path, overwrite, lock):
    import xarray as xr  # noqa: PLC0415 - loaded on first use (start-up, memory)

    if not isinstance(ds, xr.Dataset):
        fix = (f"; pass da.to_dataset(name={ds.name or 'fc'!r})" if isinstance(ds, xr.DataArray) else "")
        raise BrainnetError(f"write_netcdf takes an xarray.Dataset; got {type(ds).__name__}{fix}.")
    if not isinstance(overwrite, (bool, np.bool_)):  # a string such as "no" is truthy
        raise BrainnetError(f"overwrite must be True or False (True replaces an existing file); got {overwrite!r}.")
    path = check_netcdf_destination(path, overwrite, held=lock)
    check_netcdf_attrs(ds, f"cannot write {str(path)!r} as NetCDF (nothing was written)")
    with WriteLock(path, None, BrainnetError) if lock is None else lock:  # a held lock: kept, then released
        tmp = temporary_path(path)
        try:
            try:
                stamped = stamp(ds, f"written to {path.name} by brainnet_cb.write_netcdf")
                compressed(without_coordinate_fill(stamped)).to_netcdf(tmp, engine="netcdf4")
            except (TypeError, ValueError) as err:
                raise BrainnetError(
                    f"cannot write {str(path)!r} as NetCDF: {err} (NetCDF attributes are strings, numbers or "
                    "arrays of them: json.dumps a dict, drop a None; variables hold numbers, strings or times)."
                ) from err
            except (RuntimeError, OSError) as err:  # a full disk: HDF5 says 'NetCDF: HDF error'
                failure = write_failure(err, path)
                if failure is None:
                    raise
                raise failure from err
            return publish(tmp, path, overwrite=overwrite, error=BrainnetError)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
