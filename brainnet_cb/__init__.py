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
from . import analysis, analysis_jax
from .analysis import BOLD_BAND, bandpass, fc, fc_fit, fcd, fisher_z, ks_distance, peak_frequency, spectrum
from .empirical import HCP_LABELS, HCP_TR, align, as_timeseries, fc_matrix, hcp_connectome, hcp_data_dir, load_hcp, read_fc, read_timeseries
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
    AnalysisError,
    DataError,
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
    "analysis",
    "analysis_jax",
    "BOLD_BAND",
    "bandpass",
    "fc",
    "fc_fit",
    "fcd",
    "fisher_z",
    "ks_distance",
    "peak_frequency",
    "spectrum",
    "HCP_LABELS",
    "HCP_TR",
    "align",
    "as_timeseries",
    "fc_matrix",
    "hcp_connectome",
    "hcp_data_dir",
    "load_hcp",
    "read_fc",
    "read_timeseries",
    "AnalysisError",
    "DataError",
]
from .sweep import sweep
from .fit import fit_gradient, fit_grid
from .errors import FitError, SweepError

__all__ += ["sweep", "fit_gradient", "fit_grid", "FitError", "SweepError"]
from .errors import CheckpointError

__all__ += ["CheckpointError"]
