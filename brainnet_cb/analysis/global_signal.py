r"""Global signal regression (GSR): the mean signal of all regions regressed out of each region.

Many resting-state FC matrices are computed after GSR (Murphy & Fox 2017):
with the global signal :math:`g_t = \frac1n \sum_i x_{ti}` (centred series),
each region keeps the residual :math:`y_{ti} = x_{ti} - \beta_i g_t`,
:math:`\beta_i = \sum_t x_{ti} g_t / \sum_t g_t^2`. For a covariance
:math:`C` of the regions the same operation reads

.. math:: C' = C - \frac{(C\mathbf 1)(C\mathbf 1)^\top}{\mathbf 1^\top C \mathbf 1},

so that :math:`C'\mathbf 1 = 0`: every row of the residual covariance sums to
zero, and the FC after GSR has a negative mean (weighted by the regions'
standard deviations, :math:`\sum_{i \ne j} \sigma_i \sigma_j \rho_{ij} =
-\sum_i \sigma_i^2`). A network of excitatorily coupled regions driven by
independent noise has covariances that are all positive, so such an FC is
out of its reach unless the model's signals are regressed the same way:
:func:`looks_global_signal_regressed` recognises an FC with a negative mean.

References
----------
Murphy, K., Fox, M. D. (2017). Towards a consensus regarding global signal
regression for resting state functional connectivity MRI. NeuroImage 154,
169-173.
"""

from __future__ import annotations

import numpy as np

from ..errors import AnalysisError

__all__ = ["remove_global_covariance", "regress_global_signal", "regress_global_signal_checked",
           "looks_global_signal_regressed"]


def remove_global_covariance(cov, xp=np):
    r"""The covariance after GSR, :math:`C - (C\mathbf 1)(C\mathbf 1)^\top / \mathbf 1^\top C \mathbf 1`.

    ``cov`` is ``(n, n)``; ``xp`` the array module (``numpy``, or
    ``jax.numpy`` inside a traced function).
    """
    s1 = cov.sum(axis=-1)
    return cov - xp.outer(s1, s1) / s1.sum()


def regress_global_signal(values):
    """Each column of ``values[..., T, n]`` (centred) minus its regression on the mean of the columns.

    Returns the residuals, the same shape.
    """
    xc = values - values.mean(axis=-2, keepdims=True)
    g = xc.mean(axis=-1, keepdims=True)
    beta = (g * xc).sum(axis=-2, keepdims=True) / (g * g).sum(axis=-2, keepdims=True)
    return xc - g * beta


def regress_global_signal_checked(values, name="x", label=None):
    """:func:`regress_global_signal` of ``values[..., T, n]``, refusing a series where it is undefined.

    One region is its own global signal; a global signal that is 0 at every
    sample (regions that cancel, e.g. ``x`` and ``-x``) has no regression
    coefficient (0 / 0); a region that is a multiple of the global signal
    (e.g. all regions equal) leaves only round-off, whose correlations mean
    nothing. ``label(k)`` names region ``k`` in messages.
    """
    n = values.shape[-1]
    if n < 2:
        raise AnalysisError(f"global signal regression needs at least 2 regions; {name} has {n}, which is its own "
                            "global signal (nothing is left after regressing it out). Use global_signal=False.")
    xc = values - values.mean(axis=-2, keepdims=True)
    power = (xc**2).sum(axis=-2)  # (..., n): each region's power before the regression
    dead = ~((xc.mean(axis=-1) ** 2).sum(axis=-1) > 1e-24 * power.mean(axis=-1))
    if dead.any():
        raise AnalysisError(
            f"the global signal of {name} (the mean of its {n} regions) is 0 at every sample: the regions cancel "
            "out (e.g. one is the negative of another), so global signal regression is undefined (0 / 0). Use "
            f"global_signal=False.{f' ({int(dead.sum())} of {dead.size} series.)' if dead.size > 1 else ''}"
        )
    out = regress_global_signal(values)
    gone = ((out**2).sum(axis=-2) <= 1e-20 * power) & (power > 0)  # a constant region is reported downstream
    if gone.any():
        k = int(np.argwhere(gone)[0][-1])
        raise AnalysisError(
            f"{label(k) if label else f'region {k}'} of {name} is a multiple of the global signal (the mean of "
            f"the regions; e.g. all regions equal), so nothing but round-off is left of it after global signal "
            f"regression ({int(gone.sum())} such series). Drop it, or use global_signal=False."
        )
    return out


def looks_global_signal_regressed(fc) -> bool:
    """Whether an FC matrix has a negative mean off-diagonal value, as FC after GSR has (module doc).

    NaN entries (a diagonal of NaN, a Fisher-z matrix) are ignored.
    """
    m = np.asarray(fc, dtype=float)
    off = m[~np.eye(m.shape[0], dtype=bool)]
    return bool(np.nanmean(off) < 0.0)
