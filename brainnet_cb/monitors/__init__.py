"""Monitors: what a run records, inside the compiled scan."""

from .base import COUPLING, Monitor
from .neural import Raw, SubSample, TemporalAverage
from .bold import Bold, bold_from_activity
from .eeg import EEG, MEG

__all__ = ["Monitor", "Raw", "SubSample", "TemporalAverage", "COUPLING", "Bold", "bold_from_activity", "EEG", "MEG"]
