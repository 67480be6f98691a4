r"""Functional connectivity and its dynamics: the NumPy/SciPy path, xarray in and out.

The package groups them by topic: :mod:`~brainnet_cb.analysis.connectivity` (band-pass,
FC, FC fit), :mod:`~brainnet_cb.analysis.windowed` (FCD, KS distance),
:mod:`~brainnet_cb.analysis.spectra` (spectra) and :mod:`~brainnet_cb.analysis.graph`
(graph metrics of a connectome); the helpers they share are in
:mod:`~brainnet_cb.analysis.common`, :mod:`~brainnet_cb.analysis.timeseries` and
:mod:`~brainnet_cb.analysis.filters`. Every function takes a time series as an
:class:`xarray.DataArray` with dims ``(..., time, region)`` — simulated ``ds.bold``
(time in ms), ``ds.r``, EEG (``sensor``), or empirical BOLD (time in s) — and returns a
labelled DataArray. Leading dims (subjects, sweep members) are kept. Durations are in
seconds or :mod:`brainunit` quantities. The differentiable twin of the pieces a
fit needs is :mod:`brainnet_cb.analysis.jax_twins`.

Definitions:

- FC: :math:`FC_{ij} = \mathrm{corr}(x_i, x_j)` (Pearson) over the samples left
  after the transient, optionally band-passed (zero phase) first.
- FCD (Hansen et al. 2015): FC in sliding windows; :math:`FCD_{ab}` is the
  Pearson correlation of the upper triangles (``k = 1``) of the FCs of windows
  ``a`` and ``b``.
- FC fit: Pearson correlation (and RMSE) of the upper triangles of simulated
  and empirical FC, optionally after the Fisher transform :math:`z = \operatorname{artanh} r`.
- KS distance: the two-sample Kolmogorov–Smirnov statistic
  :math:`\sup_x |F_1(x) - F_2(x)|` of the upper-triangle values of two FCDs.

References
----------
Hansen, E. C. A., Battaglia, D., Spiegler, A., Deco, G., Jirsa, V. K. (2015).
Functional connectivity dynamics: modeling the switching behavior of the resting
state. NeuroImage 105, 525–535.
Deco, G., Kringelbach, M. L., Jirsa, V. K., Ritter, P. (2017). The dynamics of
resting fluctuations in the brain: metastability and its dynamical cortical core.
Sci. Rep. 7, 3095.
Welch, P. D. (1967). The use of fast Fourier transform for the estimation of
power spectra. IEEE Trans. Audio Electroacoust. 15, 70–73.
"""


from .connectivity import bandpass, fc, fc_fit, fisher_z
from .filters import BOLD_BAND
from .reliability import fc_halves, fc_reliability
from .spectra import peak_frequency, spectrum
from .windowed import fcd, ks_distance

__all__ = [
    "BOLD_BAND",
    "bandpass",
    "fc",
    "fcd",
    "fc_fit",
    "fc_halves",
    "fc_reliability",
    "fisher_z",
    "ks_distance",
    "spectrum",
    "peak_frequency",
]
