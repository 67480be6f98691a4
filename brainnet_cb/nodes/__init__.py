"""Node models: the protocol and the built-in models."""

from .base import NodeModel
from .coombes_byrne import CoombesByrne
from .step import CoombesByrneStep, WhiteNoise

__all__ = ["NodeModel", "CoombesByrne", "CoombesByrneStep", "WhiteNoise"]
