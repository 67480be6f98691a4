"""Exception hierarchy: every user-facing error is a :class:`BrainnetError`.

Each error is raised on the host, before any compilation, with a message that
says what was received, what was expected and how to fix it.
"""

__all__ = [
    "BrainnetError",
    "ConnectomeError",
    "ModelError",
    "IntegratorError",
    "CouplingError",
    "NoiseError",
    "MonitorError",
    "SimulationError",
    "DivergenceError",
    "AnalysisError",
    "DataError",
    "SweepError",
    "FitError",
    "CheckpointError",
    "DynamicsError",
]


class BrainnetError(ValueError):
    """Base class of every error raised by brainnet_cb for bad input."""


class ConnectomeError(BrainnetError):
    """A structural connectivity (weights, lengths, labels, centres) is invalid."""


class ModelError(BrainnetError):
    """A node model, its parameters or its initial state is invalid."""


class IntegratorError(BrainnetError):
    """An unknown integration method or an invalid time step."""


class CouplingError(BrainnetError):
    """A long-range coupling is invalid or does not fit the node model."""


class NoiseError(BrainnetError):
    """A noise specification is invalid."""


class MonitorError(BrainnetError):
    """A monitor is invalid or does not fit the run (period, variables, names)."""


class SimulationError(BrainnetError):
    """Run-level arguments (duration, dt, speed, key, history) are invalid."""


class DivergenceError(SimulationError, FloatingPointError):
    """A run produced NaN or inf; the message names the first region and time."""


class AnalysisError(BrainnetError):
    """An analysis (FC, FCD, KS distance, FC fit, spectra) got invalid input."""


class DataError(BrainnetError):
    """Empirical data (FC, time series) cannot be read or aligned to a connectome."""


class SweepError(BrainnetError):
    """A parameter sweep is invalid (grid names, shapes, memory budget, summaries, client)."""


class FitError(BrainnetError):
    """A parameter fit is invalid (parameters, bounds, optimiser, objective, target)."""


class CheckpointError(BrainnetError):
    """A checkpoint cannot be read, or belongs to another run (model, connectome, dt, ...)."""


class DynamicsError(BrainnetError):
    """A working-point analysis (fixed points, spectrum, critical coupling, linear FC) is invalid or failed."""
