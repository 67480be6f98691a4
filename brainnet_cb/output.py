"""Moved to :mod:`brainnet_cb.simulation.output` (NetCDF output); this module re-exports it so that
``brainnet_cb.output`` keeps working."""

from .simulation.output import (
    write_netcdf,
)

__all__ = [
    "write_netcdf",
]
