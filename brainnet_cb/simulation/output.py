"""Writing results: atomic, and never over an existing file unless asked."""

from __future__ import annotations

import os
import pathlib
import tempfile

import xarray as xr

from .._types import PathLike
from ..errors import BrainnetError

__all__ = ["write_netcdf"]


def write_netcdf(ds: xr.Dataset, path: PathLike, overwrite: bool = False) -> pathlib.Path:
    """Write ``ds`` to NetCDF at ``path`` atomically.

    The data go to a temporary file in the same folder, which then replaces
    ``path`` in one step, so an interrupted write never leaves a partial file.

    Parameters
    ----------
    ds : xarray.Dataset
    path : str or path-like
    overwrite : bool, default False
        Replace an existing file. Without it an existing file is refused.

    Raises
    ------
    BrainnetError
        If ``path`` exists and ``overwrite`` is False, or its folder does not exist.
    """
    path = pathlib.Path(path)
    if path.exists() and not overwrite:
        raise BrainnetError(f"{path} exists; pass overwrite=True (or --overwrite) to replace it.")
    if not path.parent.is_dir():
        raise BrainnetError(f"cannot write {path}: the folder {path.parent} does not exist.")
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        ds.to_netcdf(tmp, engine="netcdf4")
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes it owner-only; give it a normal file's mode
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path
