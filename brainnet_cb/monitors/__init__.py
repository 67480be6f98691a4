"""Monitors: what a run records, inside the compiled scan."""

from .base import COUPLING, Monitor
from .neural import Raw, SubSample, TemporalAverage

__all__ = ["Monitor", "Raw", "SubSample", "TemporalAverage", "COUPLING"]
