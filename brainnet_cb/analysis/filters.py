"""The band-pass design shared by the NumPy/SciPy and the JAX paths.

A Butterworth band-pass of order ``order`` (``order`` second-order sections,
``2 * order`` poles) designed by :func:`scipy.signal.butter`, applied forward
and backward (zero phase). Its magnitude response is ``|H(f)|^2`` where ``H``
is the Butterworth response: 1 at the geometric centre of the band, exactly
``1/2`` (-6 dB) at both edges, falling as ``f^(2 * order)`` below the band and
``f^(-2 * order)`` above it.
"""

from __future__ import annotations

import warnings

import numpy as np

from .._checks import caller_stacklevel
from ..errors import AnalysisError
from ..units import as_plain, is_quantity

__all__ = ["BOLD_BAND", "ShortRecordWarning", "design_bandpass", "pad_length", "band_pair", "check_band",
           "check_length", "check_record"]

BOLD_BAND = (0.01, 0.1)  # Hz: the resting-state BOLD band


class ShortRecordWarning(UserWarning):
    """A record is too short for the analysis asked: e.g. a series shorter than the slowest period
    of its band-pass, whose filtered values are then mostly the filter's edge transients."""


def band_pair(band, error=AnalysisError, true_is_bold=True):
    """``(low, high)`` as floats in Hz: a pair of numbers (Hz) or of brainunit frequencies (``0.01 * u.Hz``), or
    a frequency quantity of two values; ``True`` is :data:`BOLD_BAND` when ``true_is_bold``."""
    if band is True and true_is_bold:
        band = BOLD_BAND
    try:
        if is_quantity(band):
            band = as_plain(band, "Hz", "band", "Hz", error)
        low, high = (as_plain(v, "Hz", "band", "Hz", error) if is_quantity(v) else _number(v) for v in band)
    except error:  # a quantity of another dimension: as_plain's message
        raise
    except (TypeError, ValueError):
        no_filter = " (band=None: no band-pass)" if band is False else ""
        raise error(
            f"band must be a pair (low, high) in Hz, e.g. {BOLD_BAND}{', or True' if true_is_bold else ''}; "
            f"got {band!r}{no_filter}."
        ) from None
    return low, high


def _number(v) -> float:
    """``v`` as a float; text and bools are no frequencies (``float("0.01")`` would read one)."""
    if isinstance(v, (str, bytes, bool, np.bool_)):
        raise TypeError(v)
    return float(v)


def check_band(band, fs, order, error=AnalysisError):
    """Return ``(low, high)`` in Hz after checking it against the Nyquist frequency.

    ``band`` is as :func:`band_pair` takes it; ``error`` is the exception
    class raised (the caller's ``BrainnetError``).
    """
    low, high = band_pair(band, error)
    nyq = fs / 2
    if not (0 < low < high < nyq):
        raise error(
            f"band must satisfy 0 < low < high < Nyquist frequency; got band=({low:g}, {high:g}) Hz "
            f"and Nyquist = {nyq:g} Hz (sampling interval {1 / fs:g} s). Choose a band inside "
            "(0, Nyquist) or sample more often."
        )
    if isinstance(order, bool) or not isinstance(order, (int, np.integer)) or order < 1:
        raise error(f"order must be a positive integer (Butterworth sections); got {order!r}.")
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
    from scipy import signal  # noqa: PLC0415 - SciPy loads on first use (~44 MB)

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


def check_record(n_time, fs, band, order=2, name="x") -> np.ndarray:
    r"""Design the band-pass for a series of ``n_time`` samples at ``fs`` Hz and check the series fits it.

    A series of :math:`T = n_\mathrm{time} / f_s` seconds cannot hold one cycle
    of the band's lower edge :math:`f_l` when :math:`T < 1 / f_l`; its
    zero-phase filtered values are then mostly the filter's response to the
    series' ends (odd extension): a transient of the same shape in every
    region, its size and sign set by each region's own end values. An FC of it
    has spuriously large correlations of either sign, not a bias towards +1:
    independent noise signals band-passed to 0.01-0.1 Hz at TR 0.72 s
    correlate by a median :math:`|r| \approx 0.5` at 20 s, 0.28 at 100 s,
    0.13 at 400 s, with a mean :math:`r \approx 0` (windows of the same
    lengths cut from a long filtered record, without the edge transients:
    0.41, 0.16, 0.08). Such a series gives a :class:`ShortRecordWarning`; one
    no longer than the filter's edge padding is refused (:func:`check_length`).

    Parameters
    ----------
    n_time : int
        Number of samples.
    fs : float
        Sampling rate in Hz.
    band : (float, float) or True
        Pass band in Hz (``True``: :data:`BOLD_BAND`).
    order : int
        Butterworth order per edge.
    name : str
        The series' name in messages.

    Returns
    -------
    numpy.ndarray
        The second-order sections (:func:`design_bandpass`).

    Raises
    ------
    AnalysisError
        A bad band or order, or a series too short for the edge padding.
    """
    sos = design_bandpass(band, fs, order)
    check_length(n_time, sos, name)
    low, _ = check_band(band, fs, order)
    span = n_time / fs
    if span * low < 1.0:
        warnings.warn(
            f"{name} spans {span:g} s ({n_time} samples), shorter than the slowest period of the band-pass "
            f"(1 / {low:g} Hz = {1 / low:g} s): the filtered series is mostly the filter's edge transients and "
            f"an FC of it has spuriously large correlations of either sign. Record at least {1 / low:g} s "
            "(several times longer for a stable FC), or raise the band's lower edge, or do not band-pass "
            "(band=None).",
            ShortRecordWarning,
            stacklevel=caller_stacklevel(),  # the user's line, however deep (a fixed 4 pointed into bn.sweep)
        )
    return sos
