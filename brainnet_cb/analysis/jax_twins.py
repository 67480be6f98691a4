r"""Differentiable FC: the JAX twin of :mod:`brainnet_cb.analysis`, for gradient fits.

Plain arrays in and out (shape ``(..., time, region)``; leading dims batch),
pure functions that ``jit``, ``vmap`` and ``grad`` through. They compute the
same numbers as the NumPy/SciPy path (tests pin the agreement):

- :func:`fc` — Pearson correlation matrix, as :func:`brainnet_cb.fc`.
- :func:`bandpass` — the same zero-phase Butterworth band-pass as
  :func:`brainnet_cb.bandpass`, reproducing :func:`scipy.signal.sosfiltfilt`
  exactly (odd extension, steady-state initial conditions, forward then
  backward second-order sections) with a :func:`jax.lax.scan` over time, so
  it is differentiable.
- :func:`fc_fit` — Pearson correlation and RMSE of upper triangles, as
  :func:`brainnet_cb.fc_fit`.

Example: the FC of a BOLD ``v`` (``(T, n)``, TR 0.72 s) after a transient of
20 s, as :func:`brainnet_cb.fc` computes it: the transient is dropped *before*
the band-pass (filtering first and then dropping gives another FC, with the
transient's edge response in it); ``1 - fc_fit(F, emp)[0]`` is then a loss for
fitting an empirical FC ``emp``.

>>> import numpy as np, jax.numpy as jnp, brainnet_cb as bn
>>> from brainnet_cb.analysis import jax_twins as aj
>>> v = np.random.default_rng(0).standard_normal((300, 4)).cumsum(0)
>>> n_discard = 28                                     # samples with t < 20 s
>>> F = aj.fc(aj.bandpass(jnp.asarray(v)[n_discard:], 0.72))
>>> want = bn.fc(bn.as_timeseries(v, dt=0.72), discard=20, band=True).values
>>> bool(np.allclose(F, want, atol=1e-4))
True
>>> bool(np.allclose(aj.fc(aj.bandpass(jnp.asarray(v), 0.72)[n_discard:]), want, atol=1e-4))
False

References
----------
Deco, G., Jirsa, V. K. (2012). Ongoing cortical activity at rest: criticality,
multistability, and ghost attractors. J. Neurosci. 32, 3366–3375.
Gustafsson, F. (1996). Determining the initial states in forward-backward
filtering. IEEE Trans. Signal Process. 44, 988–992.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from scipy import signal

from ..errors import AnalysisError
from .connectivity import check_correlations
from .filters import BOLD_BAND, check_length, check_record, pad_length
from .timeseries import to_seconds

__all__ = ["fc", "upper_triangle", "fisher_z", "fc_fit", "bandpass", "sosfiltfilt"]


def _float(x):
    x = jnp.asarray(x)
    return x if jnp.issubdtype(x.dtype, jnp.floating) else x.astype(float)


def fc(x):
    r"""Pearson correlation matrix of the columns of ``x``.

    .. math:: FC_{ij} = \frac{\sum_t \tilde x_{ti} \tilde x_{tj}}
              {\sqrt{\sum_t \tilde x_{ti}^2 \sum_t \tilde x_{tj}^2}}, \quad
              \tilde x = x - \bar x

    Parameters
    ----------
    x : array, shape (..., T, n)

    Returns
    -------
    array, shape (..., n, n)
        A constant column gives NaN (division by zero); check inputs on the host.
    """
    x = _float(x)
    xc = x - x.mean(axis=-2, keepdims=True)
    cov = jnp.swapaxes(xc, -1, -2) @ xc
    sd = jnp.sqrt(jnp.diagonal(cov, axis1=-2, axis2=-1))
    return cov / (sd[..., :, None] * sd[..., None, :])


def upper_triangle(m, k=1):
    """The entries of ``m[..., i, j]`` with ``j >= i + k`` (row-major), shape (..., P)."""
    n = m.shape[-1]
    iu = np.triu_indices(n, k=k)
    return m[..., iu[0], iu[1]]


def fisher_z(r):
    r"""Fisher transform :math:`z = \operatorname{artanh}(r)` (elementwise)."""
    return jnp.arctanh(r)


def _pearson(a, b):
    ac = a - a.mean(axis=-1, keepdims=True)
    bc = b - b.mean(axis=-1, keepdims=True)
    return (ac * bc).sum(-1) / jnp.sqrt((ac * ac).sum(-1) * (bc * bc).sum(-1))


def fc_fit(simulated, empirical, fisher_z: bool = False, check_range: bool = True):
    r"""Pearson correlation and RMSE of the upper triangles (``k = 1``) of two FCs.

    .. math:: \rho = \mathrm{corr}(u^{sim}, u^{emp}), \qquad
              \mathrm{RMSE} = \sqrt{\overline{(u^{sim} - u^{emp})^2}}

    Parameters
    ----------
    simulated : array, shape (..., n, n)
    empirical : array, shape (n, n) (or broadcastable)
    fisher_z : bool (static)
        Compare :math:`\operatorname{artanh}` of the triangles.
    check_range : bool (static)
        Refuse concrete off-diagonal entries outside [-1, 1] (default);
        ``False`` scores them as they are (a target already checked).

    Returns
    -------
    (corr, rmse) : tuple of arrays with the leading shape of ``simulated``

    A concrete (not traced) argument is checked as :func:`brainnet_cb.fc_fit`
    checks it: off-diagonal entries outside [-1, 1] (a covariance, say) raise
    :class:`~brainnet_cb.AnalysisError`, and so, with ``fisher_z``, do entries
    of ±1 in ``empirical`` (infinite z; in a simulated FC they give an infinite
    loss, traced or not). A traced argument (the simulated FC under
    ``jax.grad``) cannot be checked without a host round trip, and is not.
    """
    for name, values in (("simulated", simulated), ("empirical", empirical)):
        if not isinstance(values, jax.core.Tracer) and np.ndim(values) >= 2:
            check_correlations(values, name, fisher_z=fisher_z and name == "empirical", check_range=check_range)
    us = upper_triangle(_float(simulated))
    ue = upper_triangle(_float(empirical))
    if fisher_z:
        us, ue = jnp.arctanh(us), jnp.arctanh(ue)
    corr = _pearson(us, ue)
    rmse = jnp.sqrt(((us - ue) ** 2).mean(-1))
    return corr, rmse


def _sosfilt(sos, x, z0):
    """Direct-form II transposed sections along axis 0 of ``x``; ``z0`` (ns, 2, ...)."""
    coeffs = [tuple(float(c) for c in row) for row in np.asarray(sos)]

    def step(z, xt):
        y = xt
        new = []
        for s, (b0, b1, b2, _, a1, a2) in enumerate(coeffs):
            out = b0 * y + z[s, 0]
            new.append(jnp.stack([b1 * y - a1 * out + z[s, 1], b2 * y - a2 * out]))
            y = out
        return jnp.stack(new), y

    _, y = jax.lax.scan(step, z0, x)
    return y


def sosfiltfilt(sos, x, axis=-2):
    """:func:`scipy.signal.sosfiltfilt` (default ``padtype="odd"``) in JAX.

    Parameters
    ----------
    sos : array_like, shape (n_sections, 6)
        Second-order sections with ``a0 = 1`` (host constants).
    x : array
        Filtered along ``axis``, which must be longer than
        ``3 * (2 * n_sections + 1)`` samples.
    axis : int
        The time axis.
    """
    sos = np.asarray(sos, dtype=float)
    x = _float(x)
    edge = pad_length(sos)
    check_length(x.shape[axis], sos)
    x = jnp.moveaxis(x, axis, 0)
    ext = jnp.concatenate([2 * x[0] - x[edge:0:-1], x, 2 * x[-1] - x[-2:-(edge + 2):-1]], axis=0)
    zi = jnp.asarray(signal.sosfilt_zi(sos), dtype=x.dtype).reshape(
        (len(sos), 2) + (1,) * (x.ndim - 1))
    y = _sosfilt(sos, ext, zi * ext[0])
    y = _sosfilt(sos, y[::-1], zi * y[-1])[::-1]
    return jnp.moveaxis(y[edge:-edge], 0, axis)


def bandpass(x, dt, band=BOLD_BAND, order=2, axis=-2):
    """Zero-phase Butterworth band-pass, identical to :func:`brainnet_cb.bandpass`.

    Parameters
    ----------
    x : array, shape (..., T, n)
        Time along ``axis``.
    dt : float or brainunit.Quantity
        Sampling interval in s (a host constant, not traced).
    band : (float, float)
        Pass band in Hz; default (0.01, 0.1).
    order : int
        Butterworth order per edge.
    axis : int
        The time axis.

    A series shorter than the band's slowest period gives a
    :class:`~brainnet_cb.analysis.filters.ShortRecordWarning` (at trace time),
    as :func:`brainnet_cb.fc` does.
    """
    step = to_seconds(dt, "dt", allow_zero=False)
    if np.ndim(x) < 1:
        raise AnalysisError(f"x must have a time axis; got a scalar of shape {np.shape(x)}.")
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)) or not -np.ndim(x) <= axis < np.ndim(x):
        raise AnalysisError(f"axis={axis!r} is not an axis of x (shape {np.shape(x)}); x is (..., time, region) "
                            "with time at axis=-2 by default: pass axis=0 (or -1) for a 1-D series.")
    sos = check_record(np.shape(x)[axis], 1.0 / step, band, order)  # warns when x is shorter than 1 / low
    return sosfiltfilt(sos, x, axis=axis)
