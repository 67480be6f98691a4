"""Moved to :mod:`brainnet_cb.analysis.jax_twins` (the differentiable FC); this module re-exports
it so that ``brainnet_cb.analysis_jax`` keeps working."""

from .analysis.jax_twins import bandpass, fc, fc_fit, fisher_z, sosfiltfilt, upper_triangle

__all__ = ["fc", "upper_triangle", "fisher_z", "fc_fit", "bandpass", "sosfiltfilt"]
