r"""The rightmost root of a delayed network's characteristic equation (pure functions of its linearisation).

:math:`T(\lambda) = \lambda I - \mathrm{blockdiag}(L_i) - P (a \circ W \circ e^{-\lambda\tau}
+ \mathrm{diag}\, b) D` (see :mod:`brainnet_cb.dynamics.spectrum`); the method is described in
:func:`~brainnet_cb.dynamics.delayed_leading_eigenvalue`, which calls :func:`rightmost_root`: candidates from
:func:`pseudospectral_generator`, Newton's method on the equation itself, the argument-principle count of
:mod:`~brainnet_cb.dynamics.delay_stability` on a shifted line to confirm them, and, far left of the axis with long
delays, a search right of the root found (:func:`_walk_right`).

References
----------
D. Breda, S. Maset, R. Vermiglio (2005). Pseudospectral differencing methods for characteristic roots of delay
differential equations. SIAM J. Sci. Comput. 27(2), 482-495.
L. N. Trefethen (2000). Spectral Methods in MATLAB. SIAM (``cheb``).
W. Michiels, S.-I. Niculescu (2014). Stability, Control, and Computation for Time-Delay Systems, 2nd ed. SIAM
(the argument principle for retarded equations; roots in chains that bend left like :math:`-\ln|\lambda| / \tau`).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from ..errors import DynamicsError
from .system import JacobianParts

__all__ = ["DelayedRootWarning", "DelayedRoot", "pseudospectral_generator", "rightmost_root", "roots_right_of",
           "root_near", "same_root"]


class DelayedRootWarning(UserWarning):
    """The rightmost root of the delayed characteristic equation could not be confirmed as rightmost."""


class DelayedRoot(NamedTuple):
    r"""A root :math:`\lambda` of :math:`\det T(\lambda) = 0` with its null vectors (:func:`roots_right_of`).

    ``right`` :math:`v` and ``left`` :math:`w` (unit norm, state-major as
    :func:`~brainnet_cb.dynamics.system.assemble_jacobian`) solve
    :math:`T(\lambda) v = 0` and :math:`w^H T(\lambda) = 0`; ``slope`` is
    :math:`w^H T'(\lambda) v`. To first order, a change :math:`\delta T` of the
    characteristic matrix moves the root by
    :math:`\delta\lambda = -w^H \delta T(\lambda)\, v / (w^H T'(\lambda) v)`
    (the eigenvalue perturbation of a nonlinear eigenvalue problem; Michiels &
    Niculescu 2014, ch. 1).
    """

    value: complex
    right: np.ndarray
    left: np.ndarray
    slope: complex


#: Largest order of the pseudospectral discretisation matrix on a first try, and on the one retry.
_PS_DIM = (800, 2400)
#: Newton starts taken from the rightmost pseudospectral and delay-free eigenvalues (upper half-plane).
_PS_STARTS, _FREE_STARTS = 12, 4
#: Largest :math:`|\sigma|\,\tau_{max}` for which roots right of a line :math:`\mathrm{Re}\,\lambda = \sigma < 0` are
#: counted at once (the shifted weights grow like :math:`e^{|\sigma|\tau}`, and with them the count's cost); beyond
#: it the roots with :math:`\mathrm{Re}\,\lambda > 0` are counted first (the verdict), then :func:`_walk_right`
#: searches right of the root within :data:`_COUNT_BUDGET`.
_SHIFT_BUDGET = math.log(4.0)
#: Rounds of Newton starts from the minima of the loop determinant along the line counted, and starts per round.
_LINE_ROUNDS, _LINE_STARTS = 3, 64
#: Largest cost of one count in the search right of a far-left root (:func:`_walk_right`): the frequencies of the
#: count's grid times :math:`n^2 + 20` (hcp80 at 3 mm/ms, Re = -0.14 /ms: 1600 frequencies, 1.0e7, 0.7 s of one
#: CPU core; more where many roots lie near the line and the grid is refined), or, where larger, a multiple of the
#: cost of the count on the imaginary axis (the verdict, always made; it grows with :math:`\tau_{max}`).
_COUNT_BUDGET, _VERDICT_MULTIPLE = 2.0e7, 4.0
#: Width of the strip, times :math:`\tau_{max}`, to which that search brackets the rightmost real part by bisection.
_WALK_WIDTH = 1.0


def _numpy_parts(parts):
    return tuple(np.asarray(p, dtype=float) for p in parts)


def _char_matrix(parts, weights, lam, tau):
    """``T(lam)`` and ``T'(lam)`` (NumPy, complex), state-major as :func:`assemble_jacobian`."""
    L, P, a, b, D = parts
    ns, _, n = L.shape
    E = weights * np.exp(-lam * tau)

    def assemble(local, coup):
        blocks = local[:, :, :, None] * np.eye(n) + P[:, None, :, None] * coup[None, None] * D[None, :, None, :]
        return blocks.transpose(0, 2, 1, 3).reshape(ns * n, ns * n)

    eye = np.eye(ns * n)
    T = lam * eye - assemble(L, a[:, None] * E + np.diag(b))
    dT = eye + assemble(np.zeros_like(L), a[:, None] * E * tau)
    return T, dT


def _newton(parts, weights, tau, lam, v, tol, max_iter):
    r"""Newton on ``T(lam) v = 0, u^H v = 1`` (``u = v`` at the start); the root or None.

    Where the full steps fail, damped steps from the same start: long delays pack the roots in chains
    :math:`2\pi/\tau_{max}` apart, and a full step from a coarse start jumps far left, where :math:`e^{-\lambda\tau}`
    overflows (hcp80 at 3 mm/ms: delays to 83 ms; a start -0.052 + 0.624i /ms stepped to -3.26 + 0.87i).
    """
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):  # a diverging start is dropped, not reported
        root = _newton_steps(parts, weights, tau, lam, v, tol, max_iter)
        if root is None and np.max(tau) > 0:
            root = _newton_steps(parts, weights, tau, lam, v, tol, 4 * max_iter, cap=np.pi / float(np.max(tau)))
        return root


def _relative_residual(parts, weights, tau, lam, v):
    r""":math:`\|T(\lambda) v\| / (\|T(\lambda)\|_F \|v\|)`."""
    T, _ = _char_matrix(parts, weights, lam, tau)
    return np.linalg.norm(T @ v) / (np.linalg.norm(T) * np.linalg.norm(v))


def _newton_steps(parts, weights, tau, lam, v, tol, max_iter, cap=None):
    r"""Full Newton steps, or with ``cap``: steps of at most ``cap`` in :math:`\lambda`, halved until the relative
    residual falls (at most 14 halvings)."""
    v = np.asarray(v, dtype=complex)
    v = v / np.linalg.norm(v)
    u = v.copy()
    N = v.size
    res = _relative_residual(parts, weights, tau, lam, v) if cap is not None else None
    for _ in range(max_iter):
        T, dT = _char_matrix(parts, weights, lam, tau)
        r = np.concatenate([T @ v, [np.vdot(u, v) - 1.0]])
        M = np.block([[T, (dT @ v)[:, None]], [u.conj()[None, :], np.zeros((1, 1))]])
        try:
            step = np.linalg.solve(M, -r)
        except np.linalg.LinAlgError:
            return None
        if not np.all(np.isfinite(step)):
            return None
        if cap is not None:
            t = min(1.0, cap / max(abs(step[N]), 1e-300))
            for _ in range(14):
                trial = _relative_residual(parts, weights, tau, lam + t * step[N], v + t * step[:N])
                if trial < res:
                    break
                t /= 2
            else:
                return None
            step, res = t * step, trial
        v, lam = v + step[:N], lam + step[N]
        if abs(step[N]) <= tol * max(1.0, abs(lam)):
            T, _ = _char_matrix(parts, weights, lam, tau)
            ok = np.linalg.norm(T @ v) <= 1e-8 * max(1.0, np.linalg.norm(T)) * np.linalg.norm(v)  # Frobenius: no SVD
            return complex(lam) if ok else None
    return None


def _chebyshev(M):
    """Chebyshev points ``x_k = cos(k pi / M)`` and their differentiation matrix (Trefethen 2000, ``cheb``)."""
    x = np.cos(np.pi * np.arange(M + 1) / M)
    c = np.r_[2.0, np.ones(M - 1), 2.0] * (-1.0) ** np.arange(M + 1)
    dx = x[:, None] - x[None, :]
    Dm = np.outer(c, 1.0 / c) / (dx + np.eye(M + 1))
    return x, Dm - np.diag(Dm.sum(axis=1))


def _interpolation_rows(x, t):
    """Values at ``t`` of the Lagrange basis on the Chebyshev points ``x`` (barycentric), ``(len(t), M + 1)``."""
    M = x.size - 1
    w = (-1.0) ** np.arange(M + 1)
    w[0] *= 0.5
    w[-1] *= 0.5
    d = t[:, None] - x[None, :]
    hit = np.isclose(d, 0.0, rtol=0.0, atol=1e-14)
    d = np.where(hit, 1.0, d)
    rows = (w / d) / np.sum(w / d, axis=1, keepdims=True)
    on = hit.any(axis=1)
    rows[on] = hit[on].astype(float)
    return rows


def pseudospectral_generator(parts, weights, tau, M):
    r"""The pseudospectral discretisation of the delayed network's infinitesimal generator (order ``N + n M``).

    State: :math:`\xi(t)` (``N = n_s n``) and the history of what each region
    sends, :math:`s_j(t + \theta)`, at the Chebyshev points
    :math:`\theta_k = \tfrac{\tau_{max}}{2}(\cos(k\pi/M) - 1)`, ``k = 1..M``
    (:math:`\theta_0 = 0`, :math:`s(t) = D\xi(t)`); the delayed input
    :math:`\sum_j a_i W_{ij} s_j(t - \tau_{ij})` is the interpolating
    polynomial at :math:`-\tau_{ij}`, and :math:`\partial_t s = \partial_\theta s`
    is the polynomial's derivative at the nodes (Breda, Maset & Vermiglio
    2005, with only the sent variables carried in the history: the delays act
    on them alone). Its eigenvalues approximate the roots of the
    characteristic equation, the rightmost first and with spectral accuracy
    in ``M``.
    """
    L, P, a, b, D = parts
    ns, _, n = L.shape
    N = ns * n
    tmax = float(np.max(tau))
    x, Dm = _chebyshev(M)
    Dm = Dm * (2.0 / tmax)  # theta = tmax (x - 1) / 2
    A0 = _char_matrix(parts, np.zeros_like(weights), 0.0, tau)[0] * -1.0  # blockdiag(L) + P diag(b) D
    Pm = np.zeros((N, n))
    Dsent = np.zeros((n, N))
    idx = np.arange(n)
    for s in range(ns):
        Pm[s * n + idx, idx] = P[s]
        Dsent[idx, s * n + idx] = D[s]
    ell = _interpolation_rows(x, (1.0 - 2.0 * tau.ravel() / tmax)).reshape(n, n, M + 1)
    C = (a[:, None] * weights)[:, :, None] * ell  # C[i, j, k] = a_i W_ij l_k(-tau_ij)
    G = np.zeros((N + n * M, N + n * M))
    G[:N, :N] = A0 + Pm @ C[:, :, 0] @ Dsent
    G[:N, N:] = np.concatenate([Pm @ C[:, :, k] for k in range(1, M + 1)], axis=1)
    G[N:, :N] = np.kron(Dm[1:, :1], Dsent)
    G[N:, N:] = np.kron(Dm[1:, 1:], np.eye(n))
    return G


def _order(parts, weights, tau, dim, floor=0):
    r"""Chebyshev order ``M``: enough points to resolve :math:`e^{\lambda\theta}` on :math:`[-\tau_{max}, 0]`
    for every root with :math:`\mathrm{Re}\,\lambda \ge 0`, for which
    :math:`|\lambda| \le \|A_0\| + \|P\|\,\||K|\|\,\|D\|`, within a matrix of order ``dim``; at least
    ``floor`` (a retry doubles the order) where that fits."""
    L, P, a, b, D = parts
    ns, _, n = L.shape
    A0 = -_char_matrix(parts, np.zeros_like(weights), 0.0, tau)[0]
    K = np.abs(a[:, None] * weights)
    R = (np.linalg.norm(A0, 2) + np.max(np.linalg.norm(P, axis=0)) * np.linalg.norm(K, 2)
         * np.max(np.linalg.norm(D, axis=0)))
    want = int(np.ceil(0.5 * R * float(np.max(tau)))) + 16
    return max(4, min(max(want, floor), (dim - ns * n) // n))


def _right_of(z):
    r"""The line :math:`\mathrm{Re}\,\lambda = \mathrm{Re}\,z + 10^{-6}\max(1, |z|)` just right of a root ``z``, on
    which the roots right of it are counted."""
    return z.real + 1e-6 * max(1.0, abs(z))


def _shifted(parts, sigma):
    r"""The parts of :math:`T(\sigma + \mu)` as a function of :math:`\mu`: local blocks :math:`L_i - \sigma I` (the
    weights become :math:`W \circ e^{-\sigma\tau}`)."""
    L, P, a, b, D = parts
    return JacobianParts(L - sigma * np.eye(L.shape[0])[:, :, None], P, a, b, D)


def _shifted_loop(parts, weights, tau, sigma):
    r"""The shifted equation's region blocks ``(A, P, D)`` (:func:`~brainnet_cb.dynamics.delay_stability.local_blocks`),
    its loop weights :math:`K = a \circ W \circ e^{-\sigma\tau}` and the frequency beyond which no root lies
    (:func:`~brainnet_cb.dynamics.delay_stability.gain_cutoff`); None where :math:`K` overflows or the regions' gains
    do not decay."""
    from .delay_stability import gain_cutoff, local_blocks  # noqa: PLC0415  (it imports this module)

    A, Pi, Di = local_blocks(_shifted(parts, sigma))
    with np.errstate(over="ignore", invalid="ignore"):
        K = parts[2][:, None] * weights * np.exp(-sigma * tau)
        K_norm = float(np.linalg.norm(np.abs(K), 2))
    if not np.isfinite(K_norm):
        return None
    try:
        return A, Pi, Di, K, gain_cutoff(A, Pi, Di, K_norm, np.linalg.eigvals(A))
    except DynamicsError:
        return None


def _missed_roots(parts, weights, tau, sigma):
    """How many roots have ``Re > sigma`` (argument principle of the shifted equation), or None if unresolved."""
    from .delay_stability import unstable_root_count  # noqa: PLC0415  (it imports this module)

    try:
        return unstable_root_count(_shifted(parts, sigma), weights * np.exp(-sigma * tau), tau)
    except DynamicsError:
        return None


def rightmost_root(parts, weights, tau, *, tol=1e-12, max_iter=50):
    r"""The rightmost root of :math:`\det T(\lambda) = 0` and how it was confirmed.

    Pure function of the linearisation (``parts``: :class:`~brainnet_cb.dynamics.system.JacobianParts`,
    ``weights`` :math:`W` ``[target, source]`` as simulated, ``tau`` delays in ms ``[target, source]``).
    See :func:`delayed_leading_eigenvalue` for the method.

    Returns
    -------
    (complex, dict)
        The root (``Im >= 0`` of a pair) and
        ``{"order": M, "starts": s, "missed": k, "confirmed": c, "sigma": sigma}``: ``M`` the last Chebyshev
        order (0: no delays), ``s`` the Newton starts, ``k`` the roots that the argument principle counts to
        the right of the line :math:`\mathrm{Re}\,\lambda = \sigma` checked last (0: none; None: the count
        did not resolve), ``c`` which line that was: ``"rightmost"`` just right of the root, ``"stability"``
        a line between the root and the imaginary axis (a stable root far left with long delays, where
        counting right of the root would cost more than :data:`_COUNT_BUDGET`, or :data:`_VERDICT_MULTIPLE` times
        the count on the imaginary axis: only the verdict, and that no
        root lies right of :math:`\sigma`, is confirmed).
    """
    parts = _numpy_parts(parts)
    weights = np.asarray(weights, dtype=float)
    tau = np.where(weights != 0, np.asarray(tau, dtype=float), 0.0)
    L, P, a, b, D = parts
    ns, _, n = L.shape
    A0 = -_char_matrix(parts, weights, 0.0, tau)[0]  # the delay-free Jacobian
    ev, vecs = np.linalg.eig(A0)
    free = [(complex(ev[k]), vecs[:, k]) for k in np.lexsort((-ev.imag, -ev.real)) if ev[k].imag >= 0]
    if not np.any(tau > 0):
        lam = free[0][0]
        return lam, {"order": 0, "starts": 1, "missed": 0, "confirmed": "rightmost", "sigma": 0.0}
    state = {"roots": [], "starts": 0, "order": 0, "missed": None, "confirmed": "rightmost", "sigma": 0.0}

    def converge(cands):
        for lam0, v0 in cands:
            if np.linalg.norm(v0) == 0:
                continue
            state["starts"] += 1
            lam = _newton(parts, weights, tau, lam0, v0, tol, max_iter)
            if lam is not None:
                state["roots"].append(complex(lam.real, abs(lam.imag)))
        return max(state["roots"], key=lambda z: (z.real, z.imag)) if state["roots"] else None

    def refine(cands):
        best = converge(cands)
        if best is None:
            return False
        sigma = _right_of(best)
        state["confirmed"] = "rightmost"
        if -sigma * float(np.max(tau)) > _SHIFT_BUDGET:  # W e^{-sigma tau} too strong to count cheaply
            sigma, state["confirmed"] = 0.0, "stability"
        state["sigma"] = sigma
        state["missed"] = _missed_roots(parts, weights, tau, sigma)
        return state["missed"] == 0

    def pseudospectral(dim, with_free):
        M = _order(parts, weights, tau, dim, floor=2 * state["order"])
        if M <= state["order"]:
            return False
        state["order"] = M
        mu, Z = np.linalg.eig(pseudospectral_generator(parts, weights, tau, M))
        keep = [k for k in np.argsort(-mu.real) if mu[k].imag >= -1e-12 * max(1.0, abs(mu[k]))][:_PS_STARTS]
        cands = [(complex(mu[k].real, abs(mu[k].imag)), Z[: ns * n, k]) for k in keep]
        return refine(cands + (free[:_FREE_STARTS] if with_free else []))

    def line_scans(rounds):
        for _ in range(rounds):
            if not state["missed"]:  # 0: confirmed; None: unresolved, no line to scan
                return state["missed"] == 0
            if refine(_line_candidates(parts, weights, tau, state["sigma"])):
                return True
        return state["missed"] == 0

    done = pseudospectral(_PS_DIM[0], True) or line_scans(_LINE_ROUNDS)
    if not done:  # also when no start converged: a finer discretisation gives better starts
        done = pseudospectral(_PS_DIM[1], not state["roots"]) or line_scans(1)
    if not state["roots"]:
        raise DynamicsError(
            f"Newton's method on the delayed characteristic equation converged from none of {state['starts']} "
            f"starts (the rightmost eigenvalues of a Chebyshev discretisation of order {state['order']} and of the "
            "delay-free Jacobian). delayed_unstable_roots(...) still counts the growing modes (the stability "
            "verdict); a higher speed (shorter delays) shows the trend."
        )
    if state["confirmed"] == "stability" and state["missed"] == 0:  # stable, far left: is it the rightmost?
        best = max(state["roots"], key=lambda z: (z.real, z.imag))
        state["sigma"], state["missed"], state["confirmed"] = _walk_right(parts, weights, tau, best, converge)
    best = max(state["roots"], key=lambda z: (z.real, z.imag))
    return best, {k: state[k] for k in ("order", "starts", "missed", "confirmed", "sigma")}


def _count_cost(parts, weights, tau, sigma):
    """What counting the roots right of ``sigma`` costs: the frequencies of the count's first grid
    (:func:`~brainnet_cb.dynamics.delay_stability.unstable_root_count` of the shifted equation) times
    :math:`n^2 + 20`; inf where the shifted weights overflow or the regions' gains do not decay."""
    from .delay_stability import count_step  # noqa: PLC0415  (it imports this module)

    loop = _shifted_loop(parts, weights, tau, sigma)
    if loop is None:
        return math.inf
    w_c, n = loop[-1], weights.shape[0]
    return (w_c / count_step(w_c, float(np.max(tau))) + 1.0) * (n * n + 20.0)


def _walk_right(parts, weights, tau, best, converge):
    r"""The search right of a stable root ``best`` far left of the axis (:math:`|\sigma|\,\tau_{max} > \ln 4`)
    whose line just right of it was not counted; ``(sigma, missed, confirmed)`` of the last line counted.

    0. Newton from the rightmost real sign change of :math:`\det T` right of ``best`` (:func:`_real_candidates`);
       ``best`` becomes the root found there if it lies further right.
    1. Count the roots right of :math:`\sigma = \mathrm{Re}\,\lambda^* + 10^{-6}\max(1, |\lambda^*|)` or, where
       that count would cost more than the budget (:data:`_COUNT_BUDGET`, or :data:`_VERDICT_MULTIPLE` times the
       cost of the count on the imaginary axis where that is larger), right of the leftmost line within it (bisection
       on :func:`_count_cost`, to :data:`_WALK_WIDTH` / :math:`\tau_{max}`). None: ``best`` is the rightmost
       (``"rightmost"``) or, on the line within the budget, only the verdict stands (``"stability"``).
    2. Otherwise bisect the rightmost real part with the count (0 right of the imaginary axis) down to a strip
       :math:`\sigma_{lo} < \mathrm{Re}\,\lambda < \sigma_{hi}` of width :data:`_WALK_WIDTH` /
       :math:`\tau_{max}` that holds every root right of :math:`\sigma_{lo}` (a count that does not resolve, a
       root on the line, counts as roots right of it).
    3. Newton (``converge``) from the minima of :math:`|F|` along the left edge of the strip, then its middle,
       then its right edge (:func:`_line_candidates`), each line moved right of the best root so far; after
       each, count the roots just right of the best root; none: confirmed.
    """
    width = _WALK_WIDTH / float(np.max(tau))
    budget = max(_COUNT_BUDGET, _VERDICT_MULTIPLE * _count_cost(parts, weights, tau, 0.0))

    def affordable(s):
        return _count_cost(parts, weights, tau, s) <= budget

    real = converge(_real_candidates(parts, weights, tau, _right_of(best)))
    best = real if _right_of(real) > _right_of(best) else best
    lo, hi = _right_of(best), 0.0
    if affordable(lo):
        missed = _missed_roots(parts, weights, tau, lo)
        if missed == 0:
            return lo, 0, "rightmost"
    else:  # the leftmost line within the budget, counted only if no line right of it counts a root
        if not affordable(hi):
            return 0.0, 0, "stability"
        while hi - lo > width:
            mid = 0.5 * (lo + hi)
            lo, hi = (lo, mid) if affordable(mid) else (mid, hi)
        lo, hi, missed = hi, 0.0, -1  # -1: not counted yet
    while hi - lo > width:
        mid = 0.5 * (lo + hi)
        count = _missed_roots(parts, weights, tau, mid)
        lo, hi, missed = (lo, mid, missed) if count == 0 else (mid, hi, count)
    if missed == -1:  # no line right of the budget's counted a root: count that one
        missed = _missed_roots(parts, weights, tau, lo)
        if missed == 0:
            return lo, 0, "stability"
    sigma = lo
    for edge in (lo, 0.5 * (lo + hi), hi):
        best = converge(_line_candidates(parts, weights, tau, max(edge, sigma)))
        if _right_of(best) > sigma:
            sigma = _right_of(best)
            missed = _missed_roots(parts, weights, tau, sigma)
            if missed == 0:
                return sigma, 0, "rightmost"
    return sigma, missed, "rightmost"


def _real_candidates(parts, weights, tau, left, points=512):
    r"""A Newton start at the rightmost real root in ``(left, 0)``: the rightmost sign change of the real
    :math:`\det T(s)` on a grid of real ``s`` from 0 to ``left`` (no further left than :math:`-600 / \tau_{max}`),
    :data:`_WALK_WIDTH` / :math:`\tau_{max}` apart or closer where ``points`` suffice, else ``points`` evenly
    spaced; narrowed by 40 bisections; with the right singular vector of :math:`T` of least singular value
    there. (With excitatory coupling, :math:`a \circ W \ge 0`, and regions whose gains :math:`h_i` peak at
    :math:`\omega = 0`, the rightmost root is real: the Perron root of the loop matrix reaches 1 there first.)"""
    def sign(s):
        with np.errstate(over="ignore", invalid="ignore"):  # a far-left s whose determinant overflows: no sign
            return np.linalg.slogdet(_char_matrix(parts, weights, s, tau)[0].real)[0]

    tmax = float(np.max(tau))
    left = max(left, -600.0 / tmax)  # e^{-s tau} finite; left < 0: a root far left of the axis (_walk_right)
    grid = np.linspace(0.0, left, int(min(points, np.ceil(-left * tmax / _WALK_WIDTH) + 1)))
    signs = np.array([sign(s) for s in grid])
    change = np.flatnonzero(signs[1:] * signs[:-1] < 0)
    if change.size == 0:
        return []
    hi, lo = grid[change[0]], grid[change[0] + 1]
    for _ in range(40):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if sign(mid) == signs[change[0] + 1] else (lo, mid)
    s0 = 0.5 * (lo + hi)
    T, _ = _char_matrix(parts, weights, s0, tau)
    return [(complex(s0), np.linalg.svd(T)[2][-1].conj())]


def _line_candidates(parts, weights, tau, sigma):
    r"""Newton starts near the roots just right of the line :math:`\mathrm{Re}\,\lambda = \sigma`: the deepest
    local minima over :math:`\omega \ge 0` of :math:`|F(\sigma + i\omega)|` (the loop determinant of
    :mod:`~brainnet_cb.dynamics.delay_stability`), sampled as its count samples the phase, twice as finely, up to
    the frequency beyond which no root lies; each with the right singular vector of :math:`T` of least singular
    value there."""
    from .delay_stability import count_step, region_gains  # noqa: PLC0415  (it imports this module)

    loop = _shifted_loop(parts, weights, tau, sigma)
    if loop is None:
        return []
    A, Pi, Di, K, w_c = loop
    n = weights.shape[0]
    step = count_step(w_c, float(np.max(tau))) / 2.0
    omega = np.arange(0.0, w_c + step, step)
    logabs = []
    chunk = max(1, int(2_000_000 // (n * n)))
    for s in range(0, omega.size, chunk):
        w = omega[s:s + chunk]
        m = -region_gains(A, Pi, Di, w)[:, :, None] * K[None] * np.exp(-1j * w[:, None, None] * tau[None])
        m[:, np.arange(n), np.arange(n)] += 1.0
        logabs.append(np.linalg.slogdet(m)[1])
    g = np.concatenate(logabs)
    g = np.where(np.isfinite(g), g, -np.inf)
    inner = np.flatnonzero((g[1:-1] <= g[:-2]) & (g[1:-1] <= g[2:])) + 1
    ends = [0] if g.size > 1 and g[0] <= g[1] else []
    minima = np.array(ends + list(inner), dtype=int)
    minima = minima[np.argsort(g[minima], kind="stable")][:_LINE_STARTS]
    cands = []
    for k in minima:
        lam0 = complex(sigma, omega[k])
        T, _ = _char_matrix(parts, weights, lam0, tau)
        v0 = np.linalg.svd(T)[2][-1].conj()
        cands.append((lam0, v0))
    return cands


#: Newton starts of :func:`roots_right_of` taken from the rightmost eigenvalues of the pseudospectral generator, and
#: the most lines along which it takes starts.
_RIGHT_OF_STARTS, _RIGHT_OF_LINES = 24, 8


def roots_right_of(parts, weights, tau, sigma, spacing, *, tol=1e-12, max_iter=50):
    r"""The roots of :math:`\det T(\lambda) = 0` with :math:`\mathrm{Re}\,\lambda > \sigma` that Newton's method
    finds, and how many the argument principle counts there.

    Newton (:func:`_newton`) from the deepest minima of the loop determinant
    along the lines :math:`\mathrm{Re}\,\lambda = \sigma + k\,\Delta`,
    :math:`k = 0, 1, \dots` (:func:`_line_candidates`; ``spacing``
    :math:`\Delta`), up to the first line right of which no root is counted
    (at most :data:`_RIGHT_OF_LINES` lines), and from the
    :data:`_RIGHT_OF_STARTS` rightmost eigenvalues of the pseudospectral
    generator (:func:`pseudospectral_generator`, a matrix of order 800).
    Lightly damped modes crowd near the axis (a refined Schaefer 100 network
    at 3 mm/ms: 113 roots within 0.0063 /ms of it, at 4-5 rad/ms), and a
    line finds the roots just right of it best: on a ten-region network with
    46 roots right of :math:`-0.0063` /ms, the line there found 8 of the 23
    pairs, the lines at 0 and 0.0063 /ms 15 and 17. The roots found may
    still be fewer than counted: a caller that moves them counts again.

    Parameters
    ----------
    parts, weights, tau
        As in :func:`rightmost_root`.
    sigma : float
        The line (1/ms).
    spacing : float
        :math:`\Delta > 0` (1/ms), the distance between the lines searched.

    Returns
    -------
    (list of DelayedRoot, int or None)
        The roots found (one of each conjugate pair, ``Im >= 0``; rightmost
        first) and the count right of the line, conjugates included (None:
        the count did not resolve).
    """
    parts = _numpy_parts(parts)
    weights = np.asarray(weights, dtype=float)
    tau = np.where(weights != 0, np.asarray(tau, dtype=float), 0.0)
    count = _missed_roots(parts, weights, tau, sigma)
    if count == 0:
        return [], 0
    starts, line, right = [], sigma, count
    for _ in range(_RIGHT_OF_LINES):
        if right == 0:
            break
        starts += _line_candidates(parts, weights, tau, line)
        line += spacing
        right = _missed_roots(parts, weights, tau, line)
    if np.any(tau > 0):
        mu, Z = np.linalg.eig(pseudospectral_generator(parts, weights, tau, _order(parts, weights, tau, _PS_DIM[0])))
        N = parts[0].shape[0] * weights.shape[0]  # the state's rows; the history's follow
        keep = [k for k in np.argsort(-mu.real) if mu[k].imag >= -1e-12 * max(1.0, abs(mu[k]))][:_RIGHT_OF_STARTS]
        starts += [(complex(mu[k].real, abs(mu[k].imag)), Z[:N, k]) for k in keep]
    roots = []
    for lam0, v0 in starts:
        root = root_near(parts, weights, tau, lam0, v0, tol=tol, max_iter=max_iter)
        if root is None or not root.value.real > sigma:
            continue
        if any(same_root(root, r) for r in roots):
            continue
        roots.append(root)
    return sorted(roots, key=lambda r: (-r.value.real, r.value.imag)), count


def same_root(a: DelayedRoot, b: DelayedRoot) -> bool:
    """Whether two roots found by Newton's method are the same (within :math:`10^{-7}` relative)."""
    return abs(a.value - b.value) <= 1e-7 * max(1.0, abs(a.value))


def root_near(parts, weights, tau, value, right, *, tol=1e-12, max_iter=50):
    """The root that Newton's method (:func:`_newton`) reaches from ``value`` and the vector ``right``, with its null
    vectors and slope (:class:`DelayedRoot`, ``Im >= 0``), or None where it does not converge."""
    parts = _numpy_parts(parts)
    weights = np.asarray(weights, dtype=float)
    tau = np.where(weights != 0, np.asarray(tau, dtype=float), 0.0)
    if np.linalg.norm(right) == 0:
        return None
    lam = _newton(parts, weights, tau, complex(value), right, tol, max_iter)
    if lam is None:
        return None
    lam = complex(lam.real, abs(lam.imag))
    T, dT = _char_matrix(parts, weights, lam, tau)
    U, _, Vh = np.linalg.svd(T)
    v, w = Vh[-1].conj(), U[:, -1]
    return DelayedRoot(lam, v, w, complex(np.vdot(w, dT @ v)))
