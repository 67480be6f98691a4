r"""The FCs of a series' two halves (:func:`fc_halves`), and how reliable its FC is (:func:`fc_reliability`).

:func:`fc_halves` gives ``fit_working_point(fc_halves=...)`` its time split.

An FC measured from a finite series carries sampling noise. Its reliability
:math:`R` is the expected correlation (over the region pairs) of the FC with
an independent repeat of the same measurement; where each entry is the true
FC plus independent noise, :math:`R = v_t / (v_t + v_n)` and the true FC
correlates :math:`\sqrt{R}` with the measured one: the noise ceiling of any
model fitted to it. :func:`fc_reliability` estimates :math:`R` from the series
itself: the FCs of its two halves correlate :math:`r`, and the
Spearman-Brown formula steps that up to the whole length,

.. math:: R = \frac{2r}{1 + r}.

For the mean FC of a group, split the subjects instead: :func:`spearman_brown`
of the correlation between the mean FCs of two halves of them.

References
----------
Spearman, C. (1910). Correlation calculated from faulty data. Br. J. Psychol. 3, 271-295.
Brown, W. (1910). Some experimental results in the correlation of mental abilities. Br. J. Psychol. 3, 296-322.
Lage-Castellanos, A., Valente, G., Formisano, E., De Martino, F. (2019). Methods for computing the maximum
performance of computational models of fMRI responses. PLoS Comput. Biol. 15, e1006397.
"""

from __future__ import annotations

import xarray as xr

from ..errors import AnalysisError
from .connectivity import fc, fc_fit
from .timeseries import as_series

__all__ = ["fc_halves", "fc_reliability", "spearman_brown"]


def spearman_brown(r, k=2.0):
    r"""The reliability of a measurement ``k`` times as long as one whose repeats correlate ``r``:
    :math:`k r / (1 + (k - 1) r)`.

    Examples
    --------
    >>> from brainnet_cb.analysis.reliability import spearman_brown
    >>> round(spearman_brown(0.5), 4)
    0.6667
    """
    r = float(r)
    return k * r / (1.0 + (k - 1.0) * r)


def fc_halves(x, *, discard=0.0, band=None, order=2, global_signal: bool = False, time_dim=None,
              space_dim=None) -> tuple[xr.DataArray, xr.DataArray]:
    """The FCs of the first and of the second half of the series ``x``.

    The first ``discard`` seconds of the whole series are dropped, the rest
    cut at its middle sample (an odd last sample is left out) and each half's
    FC is :func:`~brainnet_cb.analysis.fc` with ``band``, ``order`` and
    ``global_signal``: the time split of
    ``bn.fit_working_point(connectome, bn.fc(x, ...), fc_halves=bn.fc_halves(x, ...))``.

    Parameters
    ----------
    x : xarray.DataArray
        One series, dims ``(time, region)`` (as :func:`~brainnet_cb.analysis.fc`).
    discard, band, order, global_signal, time_dim, space_dim
        As in :func:`~brainnet_cb.analysis.fc`.

    Returns
    -------
    (xarray.DataArray, xarray.DataArray)
        The two FCs, labelled as :func:`~brainnet_cb.analysis.fc`'s.

    Raises
    ------
    AnalysisError
        ``x`` is not one series (leading dims), too short to split (fewer
        than 4 samples per half), or as :func:`~brainnet_cb.analysis.fc`.

    Examples
    --------
    >>> import numpy as np, brainnet_cb as bn
    >>> x = bn.as_timeseries(np.random.default_rng(0).standard_normal((400, 3)), dt=0.72)
    >>> first, second = bn.fc_halves(x)
    >>> bool(np.allclose(first.values, np.corrcoef(x.values[:200].T)))
    True
    """
    s = as_series(x, time_dim=time_dim, space_dim=space_dim, need_time=band is not None, discard=discard,
                  min_time=8)
    if s.values.ndim != 2:
        lead = [d for d in s.data.dims if d not in (s.tdim, s.sdim)]
        raise AnalysisError(f"x must be one series with dims (time, region); got the leading dims {tuple(lead)}. "
                            f"Pass one of them (x.isel({lead[0]}=0)); for a group, the mean over the subjects of "
                            "each half's FC.")
    half = s.n_time // 2
    return tuple(fc(s.data.isel({s.tdim: part}), band=band, order=order, global_signal=global_signal,
                    time_dim=s.tdim, space_dim=s.sdim) for part in (slice(0, half), slice(half, 2 * half)))


def fc_reliability(x, *, discard=0.0, band=None, order=2, global_signal: bool = False, time_dim=None,
                   space_dim=None) -> float:
    r"""The reliability of the FC of the series ``x``: :math:`2r / (1 + r)` for the correlation :math:`r`
    between the FCs of its first and second half (module doc).

    The halves' FCs are :func:`fc_halves`'s; :math:`r` is the Pearson
    correlation of their upper triangles (:func:`~brainnet_cb.analysis.fc_fit`). :math:`\sqrt R` is the noise
    ceiling of a model of the series' FC: what the true FC would score
    against it.

    The formula assumes that the halves are independent repeats; against
    the BOLD signal's slow autocorrelation and the band-pass's edges they are
    not quite. On six simulated 600-s runs of the model (synthetic points of
    the working-point guide, from the halves' FCs) it gave 0.67-0.83 and was
    within 0.07 of the correlation between two independent runs (0.67-0.87),
    either way.

    Parameters
    ----------
    x, discard, band, order, global_signal, time_dim, space_dim
        As in :func:`fc_halves`.

    Returns
    -------
    float
        :math:`R`, at most 1; at or below 0 where the halves' FCs do not
        correlate positively.

    Raises
    ------
    AnalysisError
        As :func:`fc_halves`.

    Examples
    --------
    >>> import numpy as np, brainnet_cb as bn
    >>> rng = np.random.default_rng(0)
    >>> mixing = rng.standard_normal((6, 6))
    >>> x = bn.as_timeseries(rng.standard_normal((2000, 6)) @ mixing, dt=0.72)
    >>> bool(bn.fc_reliability(x) > 0.95)
    True
    """
    first, second = fc_halves(x, discard=discard, band=band, order=order, global_signal=global_signal,
                              time_dim=time_dim, space_dim=space_dim)
    return spearman_brown(fc_fit(first, second).corr)
