r"""Linearised Balloon–Windkessel BOLD covariance of a noise-driven network (pure numerics).

Time is in **seconds** here, as in :mod:`brainnet_cb.monitors.hemodynamics`; the neural
Jacobian (1/ms) and noise intensity (1/ms) are converted once: :math:`A_s =
1000 A`, :math:`Q_s = 1000 Q` (a Wiener increment over 1 ms has variance 1 ms
= 1000 x that over 1 s when time is counted in seconds).

**The linear system.** Around the network fixed point :math:`x^*` and the
haemodynamic operating point :math:`h_i^*` of each region (constant drive
:math:`z_i^*`), the neural state, the four Balloon–Windkessel states per region
and the BOLD output obey

.. math::

   \dot\xi = A_s \xi + \text{noise}, \qquad
   \dot\beta_i = F_i \beta_i + b_i\, (C_z \xi)_i, \qquad
   y_i = c_i^\top \beta_i,

with :math:`C_z` the linearised drive (``scale`` times the source, ``r`` by
default), :math:`F_i = \partial\,\mathrm{rhs} / \partial h` at :math:`h_i^*`,
:math:`b_i = \partial\,\mathrm{rhs} / \partial z` and :math:`c_i` the gradient of
the BOLD signal. The augmented matrix is block lower-triangular; its
eigenvectors are built from those of :math:`A_s` (eigenvalues :math:`\lambda_k`)
and of each :math:`F_i` (:math:`\mu_{im}`), so only :math:`2n`- and
:math:`4`-dimensional eigenproblems are solved.

**Filtered covariance.** A per-sample filter applied identically to every
region, with power response :math:`w(\omega)` (the TR window mean of the
monitor, :math:`[\sin(m\omega h/2) / (m \sin(\omega h/2))]^2`; a zero-phase
Butterworth band-pass on the TR-sampled series, :math:`|H(e^{i\omega T_R})|^4`),
gives the covariance :math:`\int w(\omega)\, G(\omega) S(\omega) G(\omega)^H
d\omega / 2\pi`. In the modal basis the integral separates exactly
(:math:`\frac{1}{(i\omega - \lambda_a)(-i\omega - \bar\lambda_b)} =
\frac{1}{-\lambda_a - \bar\lambda_b}\big[\frac{1}{i\omega - \lambda_a} +
\frac{1}{-i\omega - \bar\lambda_b}\big]`):

.. math::

   \Sigma_y = P \big(M \circ I\big) P^H, \quad
   I_{ab} = \frac{J(\lambda_a) + \overline{J(\lambda_b)}}{-\lambda_a - \bar\lambda_b}, \quad
   J(\lambda) = \frac{1}{2\pi}\int_0^\infty w(\omega)\, \frac{-2\lambda}{\omega^2 + \lambda^2}\, d\omega,

with :math:`P` the output map of the modes and :math:`M` the modal noise
covariance. :math:`J` is integrated exactly for a piecewise-linear
:math:`w` on a logarithmic grid (closed-form panel integrals), so slow modes
near an instability are as accurate as fast ones. With :math:`w \equiv 1`,
:math:`J = 1/2` and :math:`\Sigma_y` is the solution of the Lyapunov equation of
the augmented system. Aliasing of the TR sampling is included (:math:`w` is
taken over all frequencies up to a cut-off past which the BOLD spectrum is
negligible); the 5-ms zero-order hold of the drive is neglected.

References
----------
.. [1] K. J. Friston, A. Mechelli, R. Turner, C. J. Price (2000). Nonlinear
   responses in fMRI: the Balloon model. NeuroImage 12, 466-477.
.. [2] K. E. Stephan et al. (2007). Comparing hemodynamic models with DCM.
   NeuroImage 38, 387-401.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from scipy import signal

from ..errors import DynamicsError
from ..monitors.hemodynamics import balloon_rhs, bold_signal

__all__ = ["operating_point", "balloon_linearisation", "window_weights", "spectral_integral", "bold_covariance"]


def operating_point(z, c):
    r"""The haemodynamic steady state ``(4, n)`` under a constant drive ``z`` (``(n,)``).

    :math:`s = 0`, :math:`f = 1 + z/\gamma`, :math:`v = f^\alpha`,
    :math:`q = v\,E(f)/E_0` with :math:`E(f) = 1 - (1 - E_0)^{1/f}`; rest
    (:math:`f = v = q = 1`) for :math:`z = 0`.
    """
    z = np.asarray(z, dtype=float)
    f = 1.0 + z / c["gamma"]
    if np.any(f <= 0):
        i = int(np.argmin(f))
        raise DynamicsError(
            f"the BOLD drive at the fixed point is {z[i]:.4g} in region {i}, below -gamma = "
            f"{-c['gamma']:.4g}: the balloon has no steady state (inflow f <= 0). Use a Bold "
            "baseline nearer the fixed point (e.g. baseline='initial' with initial_state at the fixed point)."
        )
    v = f ** c["alpha"]
    q = v * (1.0 - (1.0 - c["E0"]) ** (1.0 / f)) / c["E0"]
    return np.stack([np.zeros_like(f), f, v, q])


@jax.jit
def _balloon_derivatives(h, z, c):
    units = jnp.eye(4, dtype=h.dtype)[:, :, None] * jnp.ones_like(h[0])
    F = jax.vmap(lambda e: jax.jvp(lambda x: balloon_rhs(x, z, c), (h,), (e,))[1], out_axes=1)(units)
    b = jax.jvp(lambda zz: balloon_rhs(h, zz, c), (z,), (jnp.ones_like(z),))[1]
    cy = jax.vmap(lambda e: jax.jvp(lambda x: bold_signal(x, c), (h,), (e,))[1])(units)
    return F, b, cy, jnp.max(jnp.abs(balloon_rhs(h, z, c)))


def balloon_linearisation(h, z, c):
    """``(F, b, cy)`` at the operating point ``h`` (``(4, n)``) and drive ``z``.

    ``F`` is ``(n, 4, 4)`` (1/s), ``b = d rhs / d z`` and ``cy = d y / d h`` are ``(n, 4)``.
    """
    c = {k: jnp.asarray(v, jnp.float64) for k, v in c.items()}
    F, b, cy, residual = _balloon_derivatives(jnp.asarray(h, jnp.float64), jnp.asarray(z, jnp.float64), c)
    if float(residual) > 1e-9:  # pragma: no cover - guards the closed form of operating_point
        raise DynamicsError(f"the haemodynamic operating point is not at rest (residual {float(residual):.3g} /s).")
    return (np.moveaxis(np.asarray(F), -1, 0), np.asarray(b).T, np.asarray(cy).T)


def window_weights(omega, tr_s, substep_s, sampling, band, order):
    """Power response :math:`w(\\omega)` (``omega`` in rad/s) of the TR window and the band-pass."""
    w = np.ones_like(omega)
    if sampling == "mean":
        m = int(round(tr_s / substep_s))
        x = omega * substep_s / 2
        num, den = np.sin(m * x), m * np.sin(x)
        small = np.abs(den) < 1e-300
        w = w * np.where(small, 1.0, (num / np.where(small, 1.0, den)) ** 2)
    if band is not None:
        sos = signal.butter(int(order), list(band), btype="bandpass", fs=1.0 / tr_s, output="sos")
        _, H = signal.sosfreqz(sos, worN=np.mod(omega * tr_s, 2 * np.pi))
        w = w * np.abs(H) ** 4  # forward and backward (zero phase): |H|^2 in amplitude
    return w


def _log1p(z):
    """Complex log(1 + z), accurate for small ``|z|``."""
    small = np.abs(z) < 1e-3
    zs = np.where(small, z, 0)
    series = zs - zs**2 / 2 + zs**3 / 3 - zs**4 / 4
    return np.where(small, series, np.log(1 + np.where(small, 0, z)))


def spectral_integral(lam, omega, w, w_inf=0.0):
    r""":math:`J(\lambda) = \frac{1}{2\pi}\int_0^\infty w(\omega) \frac{-2\lambda}{\omega^2+\lambda^2} d\omega`.

    ``w`` is taken piecewise linear on the grid ``omega`` (ascending, starting at
    0) and equal to ``w_inf`` beyond its end; each panel is integrated in
    closed form (:math:`\int \frac{-2\lambda}{\omega^2+\lambda^2} = -2\arctan(\omega/\lambda)`,
    :math:`\int \frac{-2\lambda\omega}{\omega^2+\lambda^2} = -\lambda \log(\omega^2+\lambda^2)`).
    Requires :math:`\mathrm{Re}\,\lambda < 0`.
    """
    lam = np.asarray(lam, dtype=complex)
    total = np.empty(lam.shape, dtype=complex)
    a, b = omega[:-1], omega[1:]
    wa, wb = w[:-1], w[1:]
    beta = (wb - wa) / (b - a)
    alpha = wa - beta * a
    # far modes (|lam| >= 20 omega_max): -2 lam / (omega^2 + lam^2) = -(2 / lam) sum_k (-omega^2 / lam^2)^k,
    # with the exact moments int w omega^(2k) of the piecewise-linear w (truncation error < 20^-8)
    far = np.abs(lam) >= 20 * omega[-1]
    if np.any(far):
        moments = [np.sum(alpha * (b ** (2 * k + 1) - a ** (2 * k + 1)) / (2 * k + 1)
                          + beta * (b ** (2 * k + 2) - a ** (2 * k + 2)) / (2 * k + 2)) for k in range(4)]
        lf = lam[far]
        total[far] = -(2 / lf) * sum(mk * (-1 / lf**2) ** k for k, mk in enumerate(moments))
    near_modes = ~far
    if np.any(near_modes):
        lm = lam[near_modes][:, None]
        ta, tb = a[None, :] / lm, b[None, :] / lm
        small = np.abs(tb) < 0.5
        # arctan(tb) - arctan(ta): the subtraction formula where both arguments are small
        d_atan = np.where(small, np.arctan((b - a)[None, :] / lm / (1 + ta * tb)), np.arctan(tb) - np.arctan(ta))
        d_log = _log1p((b**2 - a**2)[None, :] / (a[None, :] ** 2 + lm**2))
        total[near_modes] = np.sum(-2 * alpha * d_atan - lm * beta * d_log, axis=1)
    if w_inf:
        # tail: w_inf * [-2 arctan(omega / lam)] from omega_max to infinity (Re lam < 0: -> pi/2)
        total = total + w_inf * (np.pi + 2 * np.arctan(omega[-1] / lam))
    return total / (2 * np.pi)


def bold_covariance(A_s, L_s, Cz, F, b, cy, J, eig=None):
    r"""BOLD covariance :math:`\Sigma_y` (``(n, n)``) of the augmented linear system.

    Parameters
    ----------
    A_s : (N, N)
        Neural Jacobian in 1/s (``N = n_s n``), all eigenvalues with negative real part.
    L_s : (N, p)
        Noise input in seconds (:math:`Q_s = L_s L_s^\top`).
    Cz : (n, N)
        Linearised haemodynamic drive per region.
    F, b, cy : (n, 4, 4), (n, 4), (n, 4)
        From :func:`balloon_linearisation`.
    J : callable
        ``J(lam) -> array``: the spectral integral of the filter (1/2 for none),
        evaluated once per distinct eigenvalue.
    eig : (lam, V), optional
        The eigendecomposition of ``A_s`` if already known.
    """
    lam, V = np.linalg.eig(A_s) if eig is None else eig
    N_n = np.linalg.solve(V, L_s)  # modal noise of the neural modes, (N, p)
    CzV = Cz @ V  # (n, N)
    mu, Wm = np.linalg.eig(F)  # (n, 4), (n, 4, 4)
    Winv_b = np.linalg.solve(Wm, b[..., None])[..., 0]  # (n, 4)
    cW = np.einsum("im,imk->ik", cy, Wm)  # (n, 4)
    gap = lam[None, None, :] - mu[:, :, None]  # (n, 4, N)
    if np.min(np.abs(gap)) < 1e-10 * max(1.0, np.max(np.abs(lam))):
        raise DynamicsError(
            "a neural eigenvalue coincides with a haemodynamic one: the modal BOLD formula is "
            "singular at exactly this working point. Move G (or eta) by a tiny amount."
        )
    kernel = 1.0 / gap  # (n, 4, N)
    P_neural = np.sum((cW * Winv_b)[:, :, None] * kernel, axis=1) * CzV  # g_i(lambda_k) (Cz V)_ik
    n = Cz.shape[0]
    P_bw = np.zeros((n, n * 4), dtype=complex)
    P_bw[np.repeat(np.arange(n), 4), np.arange(4 * n)] = cW.ravel()
    N_bw = -(Winv_b[:, :, None] * np.matmul(kernel * CzV[:, None, :], N_n)).reshape(4 * n, -1)
    modes = np.concatenate([lam, mu.ravel()])
    P = np.concatenate([P_neural, P_bw], axis=1)
    Nt = np.concatenate([N_n, N_bw], axis=0)
    distinct, where = np.unique(np.round(modes, 12), return_inverse=True)
    Jv = np.asarray(J(distinct))[where.ravel()]
    I = (Jv[:, None] + np.conj(Jv)[None, :]) / (-modes[:, None] - np.conj(modes)[None, :])
    M = Nt @ Nt.conj().T
    cov = (P @ (M * I) @ P.conj().T).real
    return (cov + cov.T) / 2
