"""The band-pass design shared by the NumPy/SciPy and the JAX paths.

A Butterworth band-pass of order ``order`` (``order`` second-order sections,
``2 * order`` poles) designed by :func:`scipy.signal.butter`, applied forward
and backward (zero phase). Its magnitude response is ``|H(f)|^2`` where ``H``
is the Butterworth response: 1 at the geometric centre of the band, exactly
``1/2`` (-6 dB) at both edges, falling as ``f^(2 * order)`` below the band and
``f^(-2 * order)`` above it.
"""

from __future__ import annotations

import numpy as np
from scipy import signal

from ..errors import AnalysisError

__all__ = ["BOLD_BAND", "design_bandpass", "pad_length", "check_band"]

BOLD_BAND = (0.01, 0.1)  # Hz: the resting-state BOLD band


def check_band(band, fs, order):
    """Return ``(low, high)`` in Hz after checking it against the Nyquist frequency."""
    if band is True:
        band = BOLD_BAND
    try:
        low, high = (float(v) for v in band)
    except (TypeError, ValueError):
        raise AnalysisError(
            f"band must be a pair (low, high) in Hz, e.g. {BOLD_BAND}; got {band!r}."
        ) from None
    nyq = fs / 2
    if not (0 < low < high < nyq):
        raise AnalysisError(
            f"band must satisfy 0 < low < high < Nyquist frequency; got band=({low:g}, {high:g}) Hz "
            f"and Nyquist = {nyq:g} Hz (sampling interval {1 / fs:g} s). Choose a band inside "
            "(0, Nyquist) or sample more often."
        )
    if isinstance(order, bool) or not isinstance(order, (int, np.integer)) or order < 1:
        raise AnalysisError(f"order must be a positive integer (sections of the Butterworth); got {order!r}.")
    return low, high


def design_bandpass(band, fs, order=2) -> np.ndarray:
    """Second-order sections (``(order, 6)``) of a Butterworth band-pass.

    Parameters
    ----------
    band : (float, float) or True
        Pass band ``(low, high)`` in Hz; ``True`` means :data:`BOLD_BAND`.
    fs : float
        Sampling rate in Hz.
    order : int
        Butterworth order per edge; the band-pass has ``2 * order`` poles.
    """
    low, high = check_band(band, fs, order)
    return signal.butter(int(order), [low, high], btype="bandpass", fs=fs, output="sos")


def pad_length(sos) -> int:
    """The odd-extension length :func:`scipy.signal.sosfiltfilt` uses by default."""
    sos = np.asarray(sos)
    ntaps = 2 * len(sos) + 1
    ntaps -= min(int((sos[:, 2] == 0).sum()), int((sos[:, 5] == 0).sum()))
    return 3 * ntaps


def check_length(n_time, sos, name="x"):
    """Refuse a series too short for the zero-phase filter's edge padding."""
    pad = pad_length(sos)
    if n_time <= pad:
        raise AnalysisError(
            f"{name} has {n_time} samples, too few for the zero-phase band-pass: it pads "
            f"{pad} samples at each end and needs more than {pad}. Use a longer series or a "
            "lower order."
        )
