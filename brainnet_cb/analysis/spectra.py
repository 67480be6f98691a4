r"""Power spectra (Welch 1967) and their peak frequency, xarray in and out."""

from __future__ import annotations

import numpy as np
import xarray as xr

from ..errors import AnalysisError
from .common import leading, n_samples
from .filters import band_pair
from .timeseries import as_series

__all__ = ["spectrum", "peak_frequency"]


# ----------------------------------------------------------------------------- spectra
def spectrum(x, *, segment=None, segment_samples=None, discard=0.0, detrend="constant",
             time_dim=None, space_dim=None) -> xr.DataArray:
    r"""Power spectral density by Welch's method (:func:`scipy.signal.welch`).

    Hann-windowed segments of ``L`` samples with 50 % overlap; the PSD is
    one-sided, ``"density"`` scaled, so :math:`\int_0^{f_s/2} S(f)\,df` is the
    variance (a sinusoid of amplitude ``A`` has power ``A^2 / 2``). The
    frequency resolution is :math:`f_s / L`.

    Parameters
    ----------
    x : xarray.DataArray
        Dims ``(..., time, region)`` with a time coordinate with ``units``.
    segment : float or brainunit.Quantity, optional
        Segment length in s; default 256 samples (or the whole series if shorter).
    segment_samples : int, optional
        The segment length in samples (exclusive with ``segment``).
    discard, time_dim, space_dim
        As in :func:`fc`.
    detrend : {"constant", "linear", False}
        Per-segment detrending (:func:`scipy.signal.welch`).

    Returns
    -------
    xarray.DataArray
        Dims ``(..., frequency, region)``, frequency in Hz, units
        ``"(<units of x>)^2/Hz"``.

    Examples
    --------
    >>> import numpy as np, brainnet_cb as bn
    >>> t = np.arange(4000) * 1e-3                                   # 1 kHz sampling
    >>> x = bn.as_timeseries(np.sin(2 * np.pi * 12 * t)[:, None], dt=1e-3)
    >>> float(bn.peak_frequency(x, segment=1.0).squeeze())
    12.0
    """
    s = as_series(x, time_dim=time_dim, space_dim=space_dim, need_time=True, discard=discard)
    if segment is None and segment_samples is None:
        L = min(256, s.n_time)
    else:
        L = n_samples(segment, segment_samples, s.dt, "segment")
        if L < 2 or L > s.n_time:
            raise AnalysisError(
                f"segment of {L} samples must be between 2 and the series length {s.n_time} "
                f"samples ({s.n_time * s.dt:g} s)."
            )
    if detrend not in ("constant", "linear", False):
        raise AnalysisError(f"detrend must be 'constant', 'linear' or False; got {detrend!r}.")
    from scipy import signal  # noqa: PLC0415 - SciPy loads on first use (~44 MB)

    f, p = signal.welch(s.values, fs=s.fs, nperseg=L, detrend=detrend, axis=-2)
    lead_dims, lead_coords = leading(s)
    coords = {**lead_coords, "frequency": ("frequency", f, {"units": "Hz", "long_name": "frequency"})}
    if s.labels is not None:
        coords[s.sdim] = s.labels
    xu = s.data.attrs.get("units", "1")
    return xr.DataArray(
        p, dims=lead_dims + ("frequency", s.sdim), coords=coords,
        attrs={"long_name": f"power spectral density of {s.data.attrs.get('long_name', s.data.name or 'x')}",
               "units": f"({xu})^2/Hz", "segment_samples": int(L), "resolution_hz": s.fs / L},
    )


def peak_frequency(x, *, band=None, **spectrum_kwargs) -> xr.DataArray:
    """Frequency of the largest spectral power, per region.

    Parameters
    ----------
    x : xarray.DataArray
        A time series (its :func:`spectrum` is computed with
        ``spectrum_kwargs``) or a spectrum with a ``frequency`` dim.
    band : (float, float), optional
        Search only ``low <= f <= high`` (Hz, or brainunit frequencies).
        Default: every frequency above 0.

    Returns
    -------
    xarray.DataArray
        Dims ``(..., region)``, in Hz; accurate to the resolution ``fs / L``
        (``attrs["resolution_hz"]``).

    Raises
    ------
    AnalysisError
        No frequency in ``band``, or a region with no power there (a
        constant region), whose peak is undefined.
    """
    if isinstance(x, xr.DataArray) and "frequency" in x.dims:
        if spectrum_kwargs:
            raise AnalysisError(
                f"x is already a spectrum; spectrum options {sorted(spectrum_kwargs)} do not apply."
            )
        psd = x
    else:
        psd = spectrum(x, **spectrum_kwargs)
    f = np.asarray(psd["frequency"].values, dtype=float)
    if band is None:
        mask = f > 0
    else:
        low, high = band_pair(band, true_is_bold=False)
        mask = (f >= low) & (f <= high)
    if not mask.any():
        raise AnalysisError(
            f"no frequency of the spectrum lies in band={band!r}; it spans {f.min():g} to "
            f"{f.max():g} Hz in steps of {f[1] - f[0] if f.size > 1 else 0:g} Hz."
        )
    sub = psd.isel(frequency=np.flatnonzero(mask))
    top = sub.max("frequency")
    dead = np.asarray(top <= 1e-20 * float(psd.max()))  # all 0 (a constant region): idxmax would pick the first f
    if dead.any():
        k = np.argwhere(dead)[0]
        last = top.dims[-1] if top.dims else None
        who = (f"{last} {top[last].values[k[-1]]}" if last in top.coords else f"{last} {k[-1]}") if last else "x"
        where = "above 0 Hz" if band is None else f"in band=({low:g}, {high:g}) Hz"
        raise AnalysisError(
            f"{who} has no power {where} (a constant region's spectrum is 0), so its peak frequency is undefined "
            f"({int(dead.sum())} such series). Drop it, or check that the simulation is not at a fixed point "
            "(add noise)."
        )
    peak = sub.idxmax("frequency")
    peak.attrs = {"long_name": "peak frequency", "units": "Hz",
                  "resolution_hz": float(psd.attrs.get("resolution_hz", f[1] - f[0]))}
    return peak.drop_vars("frequency", errors="ignore")
