"""brainnet_cb: whole-brain networks of Coombes–Byrne neural masses in JAX.

Conventions: ``weights[target, source]``; time in ms (neural model), lengths in
mm, speeds in mm/ms; additive noise is an SDE term; random keys are explicit.

The public names are listed once, in ``__all__`` below, grouped by topic.
The sub-modules :mod:`brainnet_cb.io` (connectome readers and writers; needs
nibabel) and :mod:`brainnet_cb.plots` (matplotlib figures) are attributes
imported on first use, so ``import brainnet_cb`` stays light.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from . import analysis, analysis_jax, dynamics, forward, plugins
from ._version import __version__
from .analysis import BOLD_BAND, bandpass, fc, fc_fit, fcd, fisher_z, ks_distance, peak_frequency, spectrum
from .analysis.graph import graph_metrics, shortest_path_lengths
from .connectome import Connectome
from .coupling import Conductance, Coupling, Diffusive, Linear
from .data.atlases import atlas_info, list_atlases, load_atlas
from .data.empirical import (
    HCP_LABELS,
    HCP_TR,
    align,
    as_timeseries,
    fc_matrix,
    hcp_connectome,
    hcp_data_dir,
    load_hcp,
    read_fc,
    read_timeseries,
)
from .data.empirical_data import EmpiricalData, list_empirical, load_empirical
from .dynamics import (
    CriticalCoupling,
    FixedPoint,
    critical_coupling,
    delayed_leading_eigenvalue,
    linear_covariance,
    linear_fc,
    lyapunov_covariance,
    network_fixed_point,
    network_fixed_points,
    network_jacobian,
    network_spectrum,
    relative_coupling,
)
from .errors import (
    AnalysisError,
    BrainnetError,
    CheckpointError,
    ConnectomeError,
    CouplingError,
    DataError,
    DivergenceError,
    DynamicsError,
    FitError,
    IntegratorError,
    ModelError,
    MonitorError,
    NoiseError,
    SimulationError,
    SweepError,
)
from .fitting.fit import fit_gradient
from .fitting.fit_grid import fit_grid
from .fitting.working_point import fit_working_point
from .integrators import INTEGRATORS
from .monitors import EEG, MEG, Bold, Monitor, Raw, SubSample, TemporalAverage, bold_from_activity
from .nodes import (
    CoombesByrne,
    CoombesByrne4D,
    CoombesByrneStep,
    JansenRit,
    MontbrioPazoRoxin,
    NodeModel,
    WhiteNoise,
    get_model,
    list_models,
    register_model,
    unregister_model,
)
from .nodes.brainmass_adapter import brainstate_node_model
from .noise import Additive
from .plugins import node_model
from .precision import enable_float64

# bn.simulate and bn.sweep come through the modules that re-export them (simulate.py,
# sweep.py, named like the functions), so a later `import brainnet_cb.simulate` cannot
# rebind bn.simulate to the module
from .simulate import prepare, simulate
from .simulation.batch import simulate_batch
from .simulation.output import write_netcdf
from .simulation.parameters import Parameter, ParameterBook
from .simulation.spec import Execution, Simulation
from .sweep import sweep

if TYPE_CHECKING:  # the lazy sub-modules, for type checkers and IDEs
    from . import io, plots

__all__ = [
    "__version__",
    # --- running a network (run specification, simulate, batches, precision) ---
    "Simulation",
    "Execution",
    "simulate",
    "prepare",
    "simulate_batch",
    "write_netcdf",
    "enable_float64",
    "INTEGRATORS",
    # --- parameters by name (kind, bounds, substitution: batches, sweeps, fits) ---
    "ParameterBook",
    "Parameter",
    # --- connectomes, atlases, graphs ---
    "Connectome",
    "list_atlases",
    "load_atlas",
    "atlas_info",
    "graph_metrics",
    "shortest_path_lengths",
    # --- node models and the plug-in contract ---
    "NodeModel",
    "node_model",
    "register_model",
    "unregister_model",
    "get_model",
    "list_models",
    "CoombesByrne",
    "CoombesByrne4D",
    "MontbrioPazoRoxin",
    "JansenRit",
    "CoombesByrneStep",
    "WhiteNoise",
    "brainstate_node_model",
    # --- coupling and noise ---
    "Coupling",
    "Linear",
    "Diffusive",
    "Conductance",
    "Additive",
    # --- monitors and observation models (BOLD, EEG, MEG) ---
    "Monitor",
    "Raw",
    "SubSample",
    "TemporalAverage",
    "Bold",
    "bold_from_activity",
    "EEG",
    "MEG",
    # --- dynamics of a node or network (fixed points, stability) ---
    "network_fixed_points",
    "network_fixed_point",
    "FixedPoint",
    "network_jacobian",
    "network_spectrum",
    "delayed_leading_eigenvalue",
    "critical_coupling",
    "CriticalCoupling",
    "relative_coupling",
    "linear_fc",
    "linear_covariance",
    "lyapunov_covariance",
    # --- analysis ---
    "BOLD_BAND",
    "bandpass",
    "fc",
    "fc_fit",
    "fcd",
    "fisher_z",
    "ks_distance",
    "peak_frequency",
    "spectrum",
    # --- empirical data ---
    "load_empirical",
    "list_empirical",
    "EmpiricalData",
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
    # --- sweeps and fits ---
    "sweep",
    "fit_gradient",
    "fit_grid",
    "fit_working_point",
    # --- errors (all subclasses of BrainnetError, itself a ValueError) ---
    "BrainnetError",
    "AnalysisError",
    "CheckpointError",
    "ConnectomeError",
    "CouplingError",
    "DataError",
    "DivergenceError",
    "DynamicsError",
    "FitError",
    "IntegratorError",
    "ModelError",
    "MonitorError",
    "NoiseError",
    "SimulationError",
    "SweepError",
    # --- sub-modules (io and plots are imported on first use) ---
    "analysis",
    "analysis_jax",
    "dynamics",
    "forward",
    "io",
    "plots",
    "plugins",
]

#: Sub-modules imported on first attribute access (PEP 562): they pull in
#: nibabel (io) and matplotlib (plots), which a run does not need.
_LAZY_SUBMODULES = ("io", "plots")


def __getattr__(name: str):
    if name in _LAZY_SUBMODULES:
        module = importlib.import_module(f".{name}", __name__)
        globals()[name] = module
        return module
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
