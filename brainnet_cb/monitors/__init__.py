"""Monitors: what a run records, inside the compiled scan."""

from .base import COUPLING, Monitor
from .bold import Bold, ShortTRWarning
from .bold_offline import bold_from_activity
from .eeg import EEG
from .meg import MEG
from .neural import Raw, SubSample, TemporalAverage
from .sources import source_variable

__all__ = ["Monitor", "Raw", "SubSample", "TemporalAverage", "COUPLING", "Bold", "ShortTRWarning", "bold_from_activity",
           "EEG", "MEG", "source_variable"]
