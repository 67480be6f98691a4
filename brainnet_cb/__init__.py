"""brainnet_cb: whole-brain networks of Coombes–Byrne neural masses in JAX.

Conventions: ``weights[target, source]``; time in ms (neural model), lengths in
mm, speeds in mm/ms; additive noise is an SDE term; random keys are explicit.
"""

from ._version import __version__
from .atlases import atlas_info, list_atlases, load_atlas
from .batch import simulate_batch
from .connectome import Connectome
from .graph import graph_metrics, shortest_path_lengths
from .coupling import Conductance, Coupling, Diffusive, Linear
from .errors import (
    BrainnetError,
    ConnectomeError,
    CouplingError,
    DivergenceError,
    IntegratorError,
    ModelError,
    MonitorError,
    NoiseError,
    SimulationError,
)
from .integrators import INTEGRATORS
from .monitors import Monitor, Raw, SubSample, TemporalAverage
from .monitors import Bold, bold_from_activity
from .monitors import EEG, MEG
from . import forward
from .noise import Additive
from .nodes import CoombesByrne, CoombesByrneStep, NodeModel, WhiteNoise
from .nodes import CoombesByrne4D, JansenRit, MontbrioPazoRoxin, get_model, list_models
from .output import write_netcdf
from .precision import enable_float64
from .simulate import prepare, simulate

__all__ = [
    "__version__",
    "Connectome",
    "list_atlases",
    "load_atlas",
    "atlas_info",
    "graph_metrics",
    "shortest_path_lengths",
    "Coupling",
    "Linear",
    "Diffusive",
    "Conductance",
    "BrainnetError",
    "ConnectomeError",
    "CouplingError",
    "DivergenceError",
    "IntegratorError",
    "ModelError",
    "MonitorError",
    "NoiseError",
    "SimulationError",
    "INTEGRATORS",
    "Monitor",
    "Raw",
    "SubSample",
    "TemporalAverage",
    "Bold",
    "bold_from_activity",
    "EEG",
    "MEG",
    "forward",
    "Additive",
    "NodeModel",
    "CoombesByrne",
    "CoombesByrneStep",
    "WhiteNoise",
    "CoombesByrne4D",
    "MontbrioPazoRoxin",
    "JansenRit",
    "get_model",
    "list_models",
    "prepare",
    "simulate",
    "simulate_batch",
    "write_netcdf",
    "enable_float64",
]
