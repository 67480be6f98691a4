r"""How many roots of the delayed characteristic equation lie in the right half-plane.

The network linearised at a state :math:`x^*` with transmission delays
:math:`\tau_{ij}` has the characteristic matrix (see
:mod:`brainnet_cb.dynamics.spectrum`)

.. math::

   T(\lambda) = \lambda I - \mathrm{blockdiag}_i(A_i) - P\,(a \circ W \circ e^{-\lambda\tau})\,D,
   \qquad A_i = L_i + b_i P_i D_i^\top ,

with each region's local block :math:`A_i` (its own dynamics and the
coupling's local term). Every region receives its input through one port and
sends one variable, so the transfer function of region :math:`i` from its
input to what it sends is the scalar
:math:`h_i(\lambda) = D_i^\top (\lambda I - A_i)^{-1} P_i`, and

.. math::

   \det T(\lambda) = \prod_i \det(\lambda I - A_i)\;
   F(\lambda), \qquad F(\lambda) = \det\big(I - \mathrm{diag}(h(\lambda))\,
   (a \circ W \circ e^{-\lambda\tau})\big).

The roots of :math:`\det T` with :math:`\mathrm{Re}\,\lambda > 0` are the
growing modes of the delayed network. By the argument principle along the
imaginary axis (:math:`F \to 1` as :math:`|\lambda| \to \infty` in the right
half-plane, the system being of retarded type), their number is

.. math::

   N = \#\{\mathrm{Re}\,\mathrm{eig}(A_i) > 0\} - \frac{1}{\pi}
   \Big[\arg F(i\omega)\Big]_{\omega = 0}^{\omega = \infty},

the phase followed continuously (:math:`F(-i\omega) = \overline{F(i\omega)}`
gives the negative half of the axis). Where
:func:`~brainnet_cb.dynamics.delayed_leading_eigenvalue` locates the
rightmost root (and uses this count, on a shifted line, to confirm it), this
counts every mode, however slowly it grows: a delay-destabilised mode that a
short kicked run would miss is counted as well.

The phase is sampled on a grid fine enough that no delay turns by more than
:math:`\pi/8` between samples and refined wherever it jumps by more than
:math:`\pi/4`, up to a frequency :math:`\omega_c` beyond which
:math:`\max_i |h_i(i\omega)|\,\| |a \circ W| \|_2 < 1/2`, so that every
eigenvalue :math:`\mu_k` of the loop matrix stays inside the disc
:math:`|\mu| < 1/2` and the remaining phase is
:math:`-\sum_k \operatorname{Arg}(1 - \mu_k(i\omega_c))` exactly. A root
closer to the imaginary axis than the grid resolves (a marginal mode) may be
missed or double counted.

References
----------
Michiels, W., Niculescu, S.-I. (2014). Stability, Control, and Computation for
Time-Delay Systems, 2nd ed. SIAM (ch. 1-2: the characteristic quasi-polynomial;
argument principle and Nyquist criteria for retarded systems).
"""

from __future__ import annotations

import math

import jax.numpy as jnp
import numpy as np

from ..errors import DynamicsError
from .fixed_points import FixedPoint, fixed_point_near
from .spectrum import delay_args, network_delays, point_of
from .system import JacobianParts, build_network, in_float64, jacobian_parts_compiled

__all__ = ["delayed_unstable_roots", "unstable_root_count"]

#: Largest phase turn of one delay between two grid frequencies (rad).
_DELAY_TURN = math.pi / 8
#: A phase step of F larger than this (rad) between two grid frequencies is refined by bisection.
_MAX_PHASE_STEP = math.pi / 4
_MAX_BISECTIONS = 14
#: Loop gain bound beyond the cut-off frequency.
_TAIL_GAIN = 0.5


def local_blocks(parts: JacobianParts):
    """Each region's local block ``A_i`` ``(n, n_s, n_s)``, port ``P_i`` and sent row ``D_i`` ``(n, n_s)``."""
    L = np.moveaxis(np.asarray(parts.local, dtype=float), 2, 0)
    P = np.asarray(parts.port, dtype=float).T
    D = np.asarray(parts.sent, dtype=float).T
    A = L + np.asarray(parts.b, dtype=float)[:, None, None] * P[:, :, None] * D[:, None, :]
    return A, P, D


def region_gains(A, P, D, omega):
    """``h_i(i omega)`` for every frequency and region, ``(len(omega), n)``."""
    ns = A.shape[1]
    M = 1j * np.asarray(omega)[:, None, None, None] * np.eye(ns) - A[None]
    rhs = np.broadcast_to(P[None, :, :, None], M.shape[:-1] + (1,)).astype(complex)
    return np.einsum("ns,kns->kn", D, np.linalg.solve(M, rhs)[..., 0])


def _phases(A, P, D, K, tau, omega):
    """``arg F(i omega)`` at each frequency (computed in chunks that bound the memory)."""
    n = K.shape[0]
    chunk = max(1, int(4_000_000 // (n * n)))
    out = []
    diag = np.arange(n)
    for s in range(0, len(omega), chunk):
        w = np.asarray(omega[s:s + chunk])
        turn = w[:, None, None] * tau[None]
        m = np.empty(turn.shape, dtype=complex)  # e^{-i w tau}, cos and sin in place (3x faster than exp)
        np.cos(turn, out=m.real)
        np.sin(turn, out=m.imag)
        np.negative(m.imag, out=m.imag)
        m *= -region_gains(A, P, D, w)[:, :, None] * K[None]
        m[:, diag, diag] += 1.0  # I - diag(h) (K o e^{-i w tau})
        sign, _ = np.linalg.slogdet(m)
        out.append(np.angle(sign))
    return np.concatenate(out)


def gain_cutoff(A, P, D, K_norm, eig):
    """A frequency beyond which the loop gain bound stays below :data:`_TAIL_GAIN`."""
    w = 2.0 * max(float(np.max(np.abs(eig))), 1e-3)
    for _ in range(60):
        probe = w * np.geomspace(1.0, 1e3, 64)
        if float(np.max(np.abs(region_gains(A, P, D, probe)))) * K_norm < _TAIL_GAIN:
            return w
        w *= 2.0
    raise DynamicsError("the regions' transfer functions do not decay at high frequency; the delayed stability "
                        "count needs node models whose sent variable responds to its input like a filter.")


def count_step(w_c, tau_max):
    """The spacing of the count's first frequency grid up to ``w_c``: at most ``w_c / 256``, and at most a phase turn
    of :data:`_DELAY_TURN` of the longest delay ``tau_max`` (none without delays)."""
    return min(w_c / 256.0, _DELAY_TURN / tau_max if tau_max > 0 else np.inf)


def unstable_root_count(parts: JacobianParts, weights, tau) -> int:
    r"""The number of roots of the delayed characteristic equation with positive real part.

    Pure function of the linearisation (see the module docstring).

    Parameters
    ----------
    parts : JacobianParts
        The delay-free Jacobian's pieces at the state
        (:func:`~brainnet_cb.dynamics.system.jacobian_parts`).
    weights : array (n, n)
        :math:`W` ``[target, source]``, normalised as simulated.
    tau : array (n, n)
        Delays (ms) ``[target, source]``.

    Returns
    -------
    int
        :math:`N \ge 0`; 0: every mode of the delayed linearisation decays.

    Raises
    ------
    DynamicsError
        A region's local block has an eigenvalue on the imaginary axis, or the
        phase count is not resolved (not close to a whole number of
        :math:`\pi`).
    """
    A, P, D = local_blocks(parts)
    eig = np.linalg.eigvals(A)
    scale = max(1.0, float(np.max(np.abs(eig))))
    if np.any(np.abs(eig.real) <= 1e-12 * scale):
        raise DynamicsError("a region's local dynamics has an eigenvalue on the imaginary axis at this state; "
                            "the delayed stability count needs hyperbolic local blocks.")
    n_local = int(np.sum(eig.real > 0))
    K = np.asarray(parts.a, dtype=float)[:, None] * np.asarray(weights, dtype=float)
    tau = np.asarray(tau, dtype=float)
    K_norm = float(np.linalg.norm(np.abs(K), 2))
    if K_norm == 0.0:
        return n_local
    w_c = gain_cutoff(A, P, D, K_norm, eig)
    tau_max = float(np.max(tau[K != 0])) if np.any(K != 0) else 0.0
    step = count_step(w_c, tau_max)
    omega = np.linspace(0.0, w_c, int(math.ceil(w_c / step)) + 1)
    phase = _phases(A, P, D, K, tau, omega)
    for _ in range(_MAX_BISECTIONS):
        jump = np.abs(np.angle(np.exp(1j * np.diff(phase)))) > _MAX_PHASE_STEP
        if not jump.any():
            break
        mid = 0.5 * (omega[:-1][jump] + omega[1:][jump])
        omega = np.concatenate([omega, mid])
        phase = np.concatenate([phase, _phases(A, P, D, K, tau, mid)])
        order = np.argsort(omega, kind="stable")
        omega, phase = omega[order], phase[order]
    turned = float(np.sum(np.angle(np.exp(1j * np.diff(phase)))))
    loop = region_gains(A, P, D, np.array([w_c]))[0][:, None] * K * np.exp(-1j * w_c * tau)
    turned -= float(np.sum(np.angle(1.0 - np.linalg.eigvals(loop))))
    half_turns = turned / math.pi
    count = n_local - int(round(half_turns))
    if abs(half_turns - round(half_turns)) > 0.2 or count < 0:
        raise DynamicsError(f"the phase of the delayed characteristic function turned {half_turns:.3f} pi, not a "
                            "whole number of pi: a root lies on or very near the imaginary axis at this state.")
    return count


@in_float64
def delayed_unstable_roots(model, connectome, coupling=None, *, speed=3.0, dt=None, at=None,
                           normalize="max") -> int:
    r"""The number of growing modes of the delayed network linearised at a state.

    Counts the roots of :math:`\det T(\lambda) = 0`,
    :math:`T(\lambda) = \lambda I - \mathrm{blockdiag}(L_i) - P (a \circ W \circ e^{-\lambda\tau}
    + \mathrm{diag}\, b) D`, with :math:`\mathrm{Re}\,\lambda > 0`, by the
    argument principle along the imaginary axis (module docstring). With
    zero delays it is the number of unstable eigenvalues of the delay-free
    Jacobian (:func:`~brainnet_cb.dynamics.network_spectrum`).

    Parameters
    ----------
    model, connectome, coupling, normalize
        As in :func:`brainnet_cb.simulate`.
    speed : float or brainunit.Quantity, default 3.0
        Conduction speed (mm/ms); :math:`\tau_{ij} = L_{ij} / \mathrm{speed}` (ms).
    dt : float or brainunit.Quantity, optional
        If given, delays rounded to whole steps as the simulation does.
    at : FixedPoint, dict or array, optional
        The state to linearise at (default: the fixed point reached from the
        model's initial state). A :class:`FixedPoint` of other parameters
        (``max |F| > 1e-8`` /ms here) is a start from which this network's
        fixed point is solved; a dict or an array is used as it is.

    Returns
    -------
    int
        0 when every mode of the delayed linearisation decays.

    Examples
    --------
    >>> import brainnet_cb as bn
    >>> from brainnet_cb.dynamics import delayed_unstable_roots
    >>> conn = bn.Connectome(weights=[[0, 1], [1, 0]], lengths=[[0, 30], [30, 0]])
    >>> delayed_unstable_roots(bn.CoombesByrne(), conn, bn.Linear(G=0.5))
    0
    """
    delay_args(speed, dt)  # before the fixed-point solve and its compilation
    network = build_network(model, connectome, coupling, normalize=normalize)
    x = fixed_point_near(network, at).values if isinstance(at, FixedPoint) else point_of(network, at)
    parts = jacobian_parts_compiled(jnp.asarray(x, jnp.float64), network.arrays, network.port)
    return unstable_root_count(parts, network.arrays.weights, network_delays(network, speed, dt))
