"""brainnet_cb: whole-brain networks of Coombes–Byrne neural masses in JAX.

Conventions: ``weights[target, source]``; time in ms (neural model), lengths in
mm, speeds in mm/ms; additive noise is an SDE term; random keys are explicit.

The public names are listed once, in ``__all__`` below, grouped by topic.
Each is imported on first use (PEP 562): ``import brainnet_cb`` loads only the
version and the error classes, and ``bn.simulate`` imports JAX and the engine
when it is first touched, so the command line's ``--help`` and scripts that use
one corner of the package (say ``bn.load_atlas`` or ``bn.io``) do not pay for
JAX, SciPy, xarray, matplotlib or nibabel they do not use.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import TYPE_CHECKING

from ._version import __version__
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

if TYPE_CHECKING:  # the same names, spelled out for type checkers, IDEs and the API docs (mkdocstrings)
    from . import (
        analysis,
        analysis_jax,
        cli,
        data,
        dynamics,
        fitting,
        forward,
        io,
        monitors,
        nodes,
        plots,
        plugins,
        simulation,
        stimulus,
    )
    from .analysis import (
        BOLD_BAND,
        bandpass,
        fc,
        fc_fit,
        fc_halves,
        fc_reliability,
        fcd,
        fisher_z,
        ks_distance,
        peak_frequency,
        spectrum,
    )
    from .analysis.filters import ShortRecordWarning
    from .analysis.graph import graph_metrics, shortest_path_lengths
    from .connectome import Connectome, TractLengthWarning
    from .coupling import Conductance, Coupling, Diffusive, Linear
    from .data.atlases import atlas_info, list_atlases, load_atlas
    from .data.bold_image import read_bold_image
    from .data.empirical import (
        HCP_LABELS,
        HCP_TR,
        FCScaleWarning,
        SamplingIntervalWarning,
        TimeseriesLayoutWarning,
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
    from .distance_rule import distance_rule_connectome
    from .dynamics import (
        CriticalCoupling,
        FixedPoint,
        critical_coupling,
        delayed_leading_eigenvalue,
        delayed_unstable_roots,
        linear_covariance,
        linear_fc,
        linearised_model,
        lyapunov_covariance,
        network_fixed_point,
        network_fixed_points,
        network_jacobian,
        network_spectrum,
        node_diagram,
        relative_coupling,
    )
    from .fitting.fit import fit_gradient
    from .fitting.fit_grid import fit_grid
    from .fitting.fitted_simulation import fitted_simulation
    from .fitting.nelder_mead import fit_nelder_mead
    from .fitting.working_point import (
        BelowBaselineWarning,
        FCLevelWarning,
        IsolatedRegionWarning,
        NotHeldOutWarning,
        ScanEdgeWarning,
        SelfConnectionWarning,
        UnrelatedTargetWarning,
        fit_working_point,
    )
    from .forward.mne_bridge import to_mne
    from .glass_brain import glass_brain
    from .homotopic import add_homotopic, homotopic_pairs
    from .integrators import INTEGRATORS
    from .monitors import EEG, MEG, Bold, Monitor, Raw, ShortTRWarning, SubSample, TemporalAverage, bold_from_activity
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
    from .noise import Additive, Multiplicative, Noise, OrnsteinUhlenbeck
    from .plugins import node_model
    from .precision import enable_float64
    from .simulate import prepare, simulate
    from .simulation.batch import simulate_batch
    from .simulation.brainstate_network import NetworkModule
    from .simulation.cf import time_in_seconds, unstamp
    from .simulation.output import write_netcdf
    from .simulation.parameters import Parameter, ParameterBook
    from .simulation.spec import Execution, Simulation
    from .simulation.step_stability import StepSizeWarning
    from .sweep import sweep

__all__ = [
    "__version__",
    # --- running a network (run specification, simulate, batches, precision) ---
    "Simulation",
    "Execution",
    "simulate",
    "prepare",
    "simulate_batch",
    "StepSizeWarning",
    "NetworkModule",
    "write_netcdf",
    "time_in_seconds",
    "unstamp",
    "enable_float64",
    "INTEGRATORS",
    # --- parameters by name (kind, bounds, substitution: batches, sweeps, fits) ---
    "ParameterBook",
    "Parameter",
    # --- connectomes, atlases, graphs ---
    "Connectome",
    "TractLengthWarning",
    "list_atlases",
    "load_atlas",
    "atlas_info",
    "graph_metrics",
    "glass_brain",
    "shortest_path_lengths",
    "homotopic_pairs",
    "add_homotopic",
    "distance_rule_connectome",
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
    "Noise",
    "Additive",
    "OrnsteinUhlenbeck",
    "Multiplicative",
    # --- monitors and observation models (BOLD, EEG, MEG) ---
    "Monitor",
    "Raw",
    "SubSample",
    "TemporalAverage",
    "Bold",
    "ShortTRWarning",
    "bold_from_activity",
    "EEG",
    "MEG",
    "to_mne",
    # --- dynamics of a node or network (fixed points, stability) ---
    "network_fixed_points",
    "network_fixed_point",
    "FixedPoint",
    "network_jacobian",
    "network_spectrum",
    "delayed_leading_eigenvalue",
    "delayed_unstable_roots",
    "critical_coupling",
    "CriticalCoupling",
    "relative_coupling",
    "linear_fc",
    "linear_covariance",
    "lyapunov_covariance",
    "linearised_model",
    "node_diagram",
    # --- analysis ---
    "BOLD_BAND",
    "bandpass",
    "fc",
    "fc_fit",
    "fc_halves",
    "fc_reliability",
    "fcd",
    "fisher_z",
    "ks_distance",
    "peak_frequency",
    "spectrum",
    "ShortRecordWarning",
    # --- empirical data ---
    "load_empirical",
    "list_empirical",
    "EmpiricalData",
    "HCP_LABELS",
    "HCP_TR",
    "FCScaleWarning",
    "SamplingIntervalWarning",
    "TimeseriesLayoutWarning",
    "align",
    "as_timeseries",
    "fc_matrix",
    "hcp_connectome",
    "hcp_data_dir",
    "load_hcp",
    "read_fc",
    "read_timeseries",
    "read_bold_image",
    # --- sweeps and fits ---
    "sweep",
    "fit_gradient",
    "fit_grid",
    "fit_working_point",
    "UnrelatedTargetWarning",
    "ScanEdgeWarning",
    "IsolatedRegionWarning",
    "FCLevelWarning",
    "NotHeldOutWarning",
    "BelowBaselineWarning",
    "SelfConnectionWarning",
    "fitted_simulation",
    "fit_nelder_mead",
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
    # --- sub-packages and sub-modules (imported on first use) ---
    "analysis",
    "analysis_jax",
    "cli",
    "data",
    "dynamics",
    "fitting",
    "forward",
    "io",
    "monitors",
    "nodes",
    "plots",
    "plugins",
    "simulation",
    "stimulus",
]

#: Where each lazily imported public name lives: module (relative to this package)
#: -> the names it provides. To export a new name, add it to ``__all__`` above, to
#: its module's tuple here (a new module gets a new line) and to the
#: ``TYPE_CHECKING`` imports above (tests/test_startup.py checks that the three agree).
_LAZY_NAMES: dict[str, tuple[str, ...]] = {
    ".analysis": ("BOLD_BAND", "bandpass", "fc", "fc_fit", "fc_halves", "fc_reliability", "fcd", "fisher_z",
                  "ks_distance", "peak_frequency", "spectrum"),
    ".analysis.filters": ("ShortRecordWarning",),
    ".analysis.graph": ("graph_metrics", "shortest_path_lengths"),
    ".connectome": ("Connectome", "TractLengthWarning"),
    ".coupling": ("Conductance", "Coupling", "Diffusive", "Linear"),
    ".data.atlases": ("atlas_info", "list_atlases", "load_atlas"),
    ".data.empirical": ("HCP_LABELS", "HCP_TR", "FCScaleWarning", "SamplingIntervalWarning", "TimeseriesLayoutWarning",
                        "align", "as_timeseries", "fc_matrix", "hcp_connectome", "hcp_data_dir", "load_hcp", "read_fc",
                        "read_timeseries"),
    ".data.bold_image": ("read_bold_image",),
    ".data.empirical_data": ("EmpiricalData", "list_empirical", "load_empirical"),
    ".dynamics": ("CriticalCoupling", "FixedPoint", "critical_coupling", "delayed_leading_eigenvalue",
                  "delayed_unstable_roots",
                  "linear_covariance", "linear_fc", "linearised_model", "lyapunov_covariance",
                  "network_fixed_point",
                  "network_fixed_points", "network_jacobian", "network_spectrum", "node_diagram",
                  "relative_coupling"),
    ".fitting.fit": ("fit_gradient",),
    ".fitting.fit_grid": ("fit_grid",),
    ".fitting.nelder_mead": ("fit_nelder_mead",),
    ".fitting.working_point": ("fit_working_point", "UnrelatedTargetWarning", "ScanEdgeWarning", "FCLevelWarning",
                              "IsolatedRegionWarning", "NotHeldOutWarning", "BelowBaselineWarning",
                              "SelfConnectionWarning"),
    ".fitting.fitted_simulation": ("fitted_simulation",),
    ".forward.mne_bridge": ("to_mne",),
    ".distance_rule": ("distance_rule_connectome",),
    ".glass_brain": ("glass_brain",),
    ".homotopic": ("add_homotopic", "homotopic_pairs"),
    ".integrators": ("INTEGRATORS",),
    ".monitors": ("EEG", "MEG", "Bold", "Monitor", "Raw", "ShortTRWarning", "SubSample", "TemporalAverage",
                  "bold_from_activity"),
    ".nodes": ("CoombesByrne", "CoombesByrne4D", "CoombesByrneStep", "JansenRit", "MontbrioPazoRoxin", "NodeModel",
               "WhiteNoise", "get_model", "list_models", "register_model", "unregister_model"),
    ".nodes.brainmass_adapter": ("brainstate_node_model",),
    ".noise": ("Additive", "Multiplicative", "Noise", "OrnsteinUhlenbeck"),
    ".plugins": ("node_model",),
    ".precision": ("enable_float64",),
    # bn.simulate and bn.sweep are the functions of the modules brainnet_cb.simulate and
    # brainnet_cb.sweep (old paths that re-export them); see _Face.__setattr__
    ".simulate": ("prepare", "simulate"),
    ".simulation.batch": ("simulate_batch",),
    ".simulation.brainstate_network": ("NetworkModule",),
    ".simulation.cf": ("time_in_seconds", "unstamp"),
    ".simulation.output": ("write_netcdf",),
    ".simulation.parameters": ("Parameter", "ParameterBook"),
    ".simulation.spec": ("Execution", "Simulation"),
    ".simulation.step_stability": ("StepSizeWarning",),
    ".sweep": ("sweep",),
}

#: Public sub-packages and sub-modules, imported on first attribute access (``bn.monitors``,
#: ``bn.nodes``, ...), so that they do not depend on what happened to be imported before.
#: Every sub-package belongs here (tests/test_startup.py checks it); the old import paths
#: (``brainnet_cb.atlases``, ``brainnet_cb.batch``, ...) do not.
_LAZY_SUBMODULES = ("analysis", "analysis_jax", "cli", "data", "dynamics", "fitting", "forward", "io", "monitors",
                    "nodes", "plots", "plugins", "simulation", "stimulus")

_WHERE = {name: module for module, names in _LAZY_NAMES.items() for name in names}

#: Public functions named like the sub-module that defines them.
_SHADOWED = ("simulate", "sweep", "glass_brain")


def _x64():
    """JAX's float64 switch, or None while JAX is not loaded."""
    return sys.modules["jax"].config.jax_enable_x64 if "jax" in sys.modules else None


def _import(module: str):
    """Import the sub-module ``module``, keeping JAX's float64 switch as the user left it.

    Importing brainstate switches ``jax_enable_x64`` off. The engine does not import
    it (runs in float32 never need it), so a user who turns float64 on with
    ``jax.config.update("jax_enable_x64", True)`` and imports brainstate later (for
    a brainstate model, brainmass) would lose the switch. So once the sub-module has
    loaded JAX, brainstate is imported here too, and the switch is put back as it was.
    """
    x64 = _x64()
    try:
        out = importlib.import_module(module, __name__)
        x64 = _x64() if x64 is None else x64  # as JAX started (JAX_ENABLE_X64)
        if "jax" in sys.modules and "brainstate" not in sys.modules:
            importlib.import_module("brainstate")
    finally:
        if x64 is not None and _x64() != x64:
            sys.modules["jax"].config.update("jax_enable_x64", x64)
    return out


def __getattr__(name: str):
    if name in _WHERE:
        value = getattr(_import(_WHERE[name]), name)
    elif name in _LAZY_SUBMODULES:
        value = _import(f".{name}")
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """The public names, the sub-modules and the module's dunders (not ``sys``, ``importlib``, ...)."""
    dunders = {n for n in globals() if n.startswith("__") and n.endswith("__")}
    return sorted(set(__all__) | set(_LAZY_SUBMODULES) | {"errors"} | dunders)


class _Face(types.ModuleType):
    """The package module: when the import system binds the sub-module ``brainnet_cb.simulate``
    (or ``.sweep``, ``.glass_brain``) to its parent on first import, ``bn.simulate`` stays the function."""

    def __setattr__(self, name, value):
        if name in _SHADOWED and isinstance(value, types.ModuleType):
            value = getattr(value, name)
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Face
