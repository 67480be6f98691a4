"""Forward models: from region sources to EEG/MEG sensors (lead fields, montages)."""

from .atlas import ATLAS_GAINS, load_gain, region_gain
from .leadfield import (
    lead_field_infinite,
    lead_field_meg_sphere,
    lead_field_sphere,
    orientations_radial,
)
from .montage import MONTAGES, montage, project_to_sphere

__all__ = [
    "lead_field_infinite",
    "lead_field_sphere",
    "lead_field_meg_sphere",
    "orientations_radial",
    "montage",
    "MONTAGES",
    "project_to_sphere",
    "ATLAS_GAINS",
    "load_gain",
    "region_gain",
]
