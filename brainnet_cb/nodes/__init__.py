"""Node models: the protocol, the built-in models and the registry of models by name.

``CoombesByrneStep`` and ``WhiteNoise`` (the brainstate face, :mod:`brainnet_cb.nodes.step`)
are imported on first use: they need braintools, which the network engine does not.
"""

from typing import TYPE_CHECKING

from .._lazy import lazy_getattr
from .base import NodeModel
from .coombes_byrne import CoombesByrne
from .coombes_byrne_4d import CoombesByrne4D
from .jansen_rit import JansenRit
from .mpr import MontbrioPazoRoxin
from .registry import get_model, list_models, register_model, unregister_model

if TYPE_CHECKING:  # for type checkers, IDEs and the API docs
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

#: Names of :mod:`.step` imported on first attribute access (PEP 562).
_LAZY = {"CoombesByrneStep": ".step", "WhiteNoise": ".step"}


__getattr__ = lazy_getattr(__name__, _LAZY)


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
