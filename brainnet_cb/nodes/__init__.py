"""Node models: the protocol, the built-in models and the registry of models by name."""

from .base import NodeModel
from .coombes_byrne import CoombesByrne
from .coombes_byrne_4d import CoombesByrne4D
from .jansen_rit import JansenRit
from .mpr import MontbrioPazoRoxin
from .registry import get_model, list_models, register_model, unregister_model
from .step import CoombesByrneStep, WhiteNoise

__all__ = [
    # the protocol (the plug-in point)
    "NodeModel",
    # built-in models
    "CoombesByrne",
    "CoombesByrne4D",
    "JansenRit",
    "MontbrioPazoRoxin",
    # the brainstate face of the reference implementation
    "CoombesByrneStep",
    "WhiteNoise",
    # models by name
    "get_model",
    "list_models",
    "register_model",
    "unregister_model",
]
