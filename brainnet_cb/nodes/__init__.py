"""Node models: the protocol and the built-in models."""

from .base import NodeModel
from .coombes_byrne import CoombesByrne
from .step import CoombesByrneStep, WhiteNoise

__all__ = ["NodeModel", "CoombesByrne", "CoombesByrneStep", "WhiteNoise"]
from .coombes_byrne_4d import CoombesByrne4D
from .jansen_rit import JansenRit
from .mpr import MontbrioPazoRoxin
from .registry import get_model, list_models

__all__ += ["CoombesByrne4D", "JansenRit", "MontbrioPazoRoxin", "get_model", "list_models"]
