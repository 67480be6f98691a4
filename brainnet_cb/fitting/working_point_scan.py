r"""The linear stage of :func:`brainnet_cb.fit_working_point`: branches, reference couplings, slow-limit FC.

For one parameter set of a node model on a connectome, :func:`scan_branch`
walks the coupling ``G`` up from 0 along the stable fixed point (each Newton
solve started at the previous point, as a slowly ramped run would follow it),
finds the branch's reference coupling ``G_ref`` and returns the fixed points at
chosen fractions of it; :func:`slow_limit_fc` gives the FC of BOLD-like slow
signals of the linearised network at each, in about a millisecond for 80
regions; :func:`scan_network` scores them against the fit FC over every
branch of one network, the branches side by side.
"""

from __future__ import annotations

import dataclasses
import functools
import math
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from .._checks import by_label
from ..coupling import Linear
from ..dynamics.fixed_points import ACCEPT, fixed_point_at, fixed_point_of
from ..dynamics.linear import noise_intensity
from ..dynamics.structured import STRUCTURED_MIN_REGIONS, structured_inverse_rows
from ..dynamics.system import build_network, in_float64, jacobian_parts, jacobian_slogdet, newton
from ..errors import DynamicsError, FitError
from .regional_noise import regional_fc, slow_limit_response
from .side_by_side import side_by_side
from .working_point_result import Scan, score_fc

__all__ = ["scan_network", "scan_branch", "slow_limit_fc", "heterogeneity_map", "noise_matrix", "stable_step",
           "candidate_steps", "MAX_CHANGE", "DAMPING_KEPT", "STEP_DIVISORS"]

#: Largest relative change of the state in one continuation step (larger steps are halved).
MAX_CHANGE = 0.05
#: Share of each linear mode's true damping per step that Heun's step must keep (see :func:`stable_step`).
DAMPING_KEPT = 0.5
#: A candidate's step is the largest ``dt / k`` over these ``k`` that leaves TR a whole multiple of it.
STEP_DIVISORS = (1, 1.25, 1.6, 2, 2.5, 4, 5, 8, 10, 20, 50, 100)


def slow_limit_fc(fixed_point, sigma, row, global_signal=False, network=None) -> np.ndarray:
    r"""FC of slow signals (BOLD) driven by noise around a stable fixed point, in the slow limit.

    For the linearised network :math:`\dot{\delta x} = J\,\delta x + \Sigma\,\xi`
    the cross-spectral density is
    :math:`S(\omega) = (i\omega - J)^{-1} Q (-i\omega - J)^{-\top}`,
    :math:`Q = \Sigma\Sigma^\top`. A haemodynamic filter :math:`H(\omega)`,
    the same in every region, passes only :math:`\omega \ll |\mathrm{Re}\,\lambda(J)|`
    (BOLD below 0.1 Hz against neural rates of 10-1000 /s), where
    :math:`S(\omega) \approx S(0) = J^{-1} Q J^{-\top}`; so the BOLD FC is the
    correlation matrix of the block of :math:`S(0)` of the sent variable.

    Parameters
    ----------
    fixed_point : FixedPoint
        With its delay-free Jacobian (state-major, ``n_s * n`` square).
    sigma : array, shape (n_s, n)
        Noise amplitude of every state of every region (0 where none).
    row : int
        Index of the observed state (``r``).
    global_signal : bool
        The FC after global signal regression
        (:func:`~brainnet_cb.fitting.regional_noise.regional_fc`).
    network : Network, optional
        The point's network at its coupling (``with_strength(G)``): from
        :data:`~brainnet_cb.dynamics.structured.STRUCTURED_MIN_REGIONS` regions the rows of :math:`J^{-1}` then
        come from the Jacobian's structure (:func:`inverse_rows`, one ``n x n`` LU) instead of the dense inverse
        of ``fixed_point.jacobian`` (``n_s n`` square; the same to ~2e-15 relative, 4.5x faster at 200
        regions, 7.5x at 400).

    Returns
    -------
    ndarray, shape (n, n)
    """
    if network is not None and fixed_point.values.shape[1] >= STRUCTURED_MIN_REGIONS:
        B = inverse_rows(network, fixed_point.values, row)
        q = np.asarray(sigma, dtype=float).reshape(-1) ** 2
    else:
        B, q = slow_limit_response(fixed_point, sigma, row)
    return regional_fc(B, q, np.ones(B.shape[0]), global_signal)  # the same noise in every region


@in_float64
def inverse_rows(network, x, row):
    r"""The rows of :math:`J^{-1}` of state ``row`` (``(n, n_s n)``) at the state ``x`` of ``network``, from the
    Jacobian's structure (:func:`~brainnet_cb.dynamics.structured.structured_inverse_rows`: checked, the dense
    inverse where the check fails): what :func:`~brainnet_cb.fitting.regional_noise.slow_limit_response` takes
    from the dense inverse of the assembled Jacobian."""
    return np.asarray(_inverse_rows(jnp.asarray(x, jnp.float64), network.arrays, network.port, row))


@functools.partial(jax.jit, static_argnames=("port", "row"))
def _inverse_rows(x, arrays, port, row):
    return structured_inverse_rows(jacobian_parts(x, arrays, port), arrays.weights, row)


def heterogeneity_map(heterogeneity, connectome):
    """A z-scored map (n,) from ``"strength"`` (log in-strength of W) or a user vector (a labelled one, a pandas
    Series or a DataArray, in the connectome's region order by label); None for none."""
    n = connectome.n_regions
    if heterogeneity is None:
        return None
    if isinstance(heterogeneity, str):
        if heterogeneity != "strength":
            raise FitError(f"heterogeneity must be None, 'strength' or an array of {n} values (one per region); "
                           f"got {heterogeneity!r}.")
        s = np.asarray(connectome.weights, dtype=float).sum(axis=1)
        values = np.log(np.clip(s, np.min(s[s > 0]) if np.any(s > 0) else 1.0, None))
    else:
        values = np.asarray(by_label(heterogeneity, connectome.labels, "the heterogeneity map", FitError),
                            dtype=float)
        if values.shape != (n,) or not np.all(np.isfinite(values)):
            raise FitError(f"heterogeneity must be None, 'strength' or a finite array of shape ({n},) "
                           f"(one value per region); got shape {values.shape}.")
    sd = values.std()
    if not sd > 0:
        raise FitError("the heterogeneity map is constant; give a map that varies across regions.")
    return (values - values.mean()) / sd


def candidate_steps(dt_max, tr=None) -> list[float]:
    """The steps ``dt_max / k`` for ``k`` in :data:`STEP_DIVISORS`, largest first, that leave ``tr`` (ms; None: any)
    a whole multiple of the step."""
    return [dt_max / k for k in STEP_DIVISORS
            if tr is None or abs(tr * k / dt_max - round(tr * k / dt_max)) <= 1e-9 * tr * k / dt_max]


def stable_step(fixed_point, dt_max, tr=None) -> float:
    r"""The largest step ``dt_max / k`` at which Heun's scheme damps every linear mode of a fixed point.

    For a mode :math:`\dot x = \lambda x` one Heun step multiplies :math:`x` by
    :math:`R(h\lambda) = 1 + h\lambda + (h\lambda)^2 / 2`, the exact flow by
    :math:`e^{h\lambda}`. The step is accepted when, for every eigenvalue of the
    Jacobian,

    .. math:: 1 - |R(h\lambda)| \ge \kappa\,\bigl(1 - e^{h\,\mathrm{Re}\,\lambda}\bigr),
              \qquad \kappa = 0.5,

    i.e. the scheme keeps at least half of the true damping of the mode. Near a
    working point the fast modes are nearly oscillatory (large imaginary parts),
    where Heun's stability region is narrow: a step that is safe at one
    coupling can blow up at a slightly stronger one. The FC of slow signals
    does not depend on the step otherwise: for additive noise, Heun's
    zero-frequency response :math:`(I - A)^{-1} B` is exactly :math:`-J^{-1}\Sigma
    / \sqrt{h}`, the continuous one.

    Parameters
    ----------
    fixed_point : FixedPoint
        A stable fixed point (its ``eigenvalues``, 1/ms).
    dt_max : float
        The largest step (ms); the result is ``dt_max / k``, ``k`` in :data:`STEP_DIVISORS`.
    tr : float, optional
        A sampling period (ms) the step must divide (the BOLD TR); ``k`` that
        would not leave it a whole multiple of the step are skipped.

    Raises
    ------
    FitError
        No step down to ``dt_max / 100`` is accepted.
    """
    lam = np.asarray(fixed_point.eigenvalues, dtype=complex)
    for step in candidate_steps(dt_max, tr):
        z = step * lam
        kept = 1.0 - np.abs(1.0 + z + z * z / 2.0)
        if np.all(kept >= DAMPING_KEPT * (1.0 - np.exp(z.real))):
            return step
    raise FitError(f"no integration step down to {dt_max / STEP_DIVISORS[-1]:g} ms keeps Heun's scheme stable at "
                   f"this working point (fastest mode {lam[np.argmax(np.abs(lam))]:.3g} /ms); check the model's "
                   "parameters.")


def noise_matrix(model, noise, n):
    """Noise amplitude of every state of every region, ``(n_s, n)`` (0 where none)."""
    with jax.enable_x64(True):  # float64 amplitudes without JAX's truncation warning
        intensity = noise_intensity(noise, model, n)  # sigma^2, state-major
    return np.sqrt(intensity).reshape(len(model.states), n)  # sqrt(x^2) == |x| exactly in IEEE arithmetic


def _open_loop_scale(network, model):
    r"""A coupling scale from the connectome and the uncoupled node: :math:`1 / \rho(\mathrm{diag}(\chi) W)`.

    :math:`\chi_i = -[J_0^{-1}]_{s_i, p_i}` is the static gain from the coupling
    port to the sent variable of the uncoupled node at rest, and :math:`\rho` the
    spectral radius. Above it the linearised network at ``G = 0`` would be
    unstable; the gain grows with activity, so the real transition comes earlier.
    It bounds the scan of :func:`scan_branch`.
    """
    fp0 = fixed_point_of(network.with_strength(0.0))
    n = network.n
    inv = np.linalg.inv(np.asarray(fp0.jacobian))
    s, p = model.state_index(model.sends), model.state_index(network.port)
    chi = -np.diag(inv[s * n:(s + 1) * n, p * n:(p + 1) * n])
    w = np.asarray(network.arrays.weights, dtype=float)
    rho = float(np.max(np.abs(np.linalg.eigvals(chi[:, None] * w))))
    return 1.0 / rho if rho > 0 else float("inf"), fp0


@dataclasses.dataclass(frozen=True, repr=False)
class _Provisional:
    r"""A point of a walk accepted on the sign of :math:`\det J` alone; its spectrum is not computed.

    A stable Jacobian has :math:`\mathrm{sign}\det J = (-1)^{m}`, ``m`` its
    number of real eigenvalues; along a stable branch that sign is constant
    (real eigenvalues merge into complex pairs two at a time). A real
    eigenvalue crossing zero (a fold) flips it; a complex pair crossing the
    imaginary axis (a Hopf bifurcation) does not, so walks confirm their
    provisional points with the spectrum at checkpoints (:func:`_walk`).
    """

    values: np.ndarray
    G: float
    sign: float


def _det_sign(point, network):
    r"""The sign of :math:`\det J` at an accepted point (a :class:`FixedPoint` or :class:`_Provisional`).

    ``network`` is the point's network at its coupling: the sign of a
    :class:`FixedPoint` comes from the structure of the Jacobian
    (:func:`~brainnet_cb.dynamics.system.jacobian_slogdet`, an ``n x n`` LU).
    """
    if isinstance(point, _Provisional):
        return point.sign
    return _sign_at(network, point.values)


def _sign_at(network, x):
    r"""The sign of :math:`\det J` at the state ``x`` of ``network`` (structured, the dense LU where that fails)."""
    return float(jacobian_slogdet(jnp.asarray(x, jnp.float64), network.arrays, network.port)[0])


def _solve_near(network, G, x_prev, max_change, sign=None):
    r"""The stable fixed point at ``G`` reached by Newton from ``x_prev`` within ``max_change`` of it, or None.

    With ``sign=None`` stability is decided by the spectrum and a
    :class:`FixedPoint` is returned; with the ``sign`` of :math:`\det J` at the
    previous point, a point whose determinant keeps that sign is returned as a
    :class:`_Provisional` (an ``n x n`` LU factorisation instead of an eigenvalue problem of
    ``n_s n``; :func:`~brainnet_cb.dynamics.system.jacobian_slogdet`). The change is checked first (cheaper
    than either).
    """
    net = network.with_strength(float(G))
    x, res, _ = newton(jnp.asarray(x_prev, jnp.float64), net.arrays, net.port, 1e-12)
    x = np.asarray(x)
    if not (float(res) <= ACCEPT and net.in_bounds(x)):
        return None
    if np.max(np.abs(x - x_prev)) > max_change * (1.0 + np.max(np.abs(x_prev))):
        return None
    if sign is None:
        fp = fixed_point_at(net, x, "continuation")
        return fp if fp.stable else None
    s = _sign_at(net, x)
    return _Provisional(x, float(G), s) if s == sign else None


def _confirmed(network, point):
    """``point`` as a :class:`FixedPoint` if its spectrum says it is stable, else None."""
    if not isinstance(point, _Provisional):
        return point
    fp = _fixed_point(network, point)
    return fp if fp.stable else None


def _advance(network, G, G_cur, fp_cur, min_step, max_change, cheap):
    r"""Follow the branch from ``(G_cur, fp_cur)`` up to ``G``: ``(G_reached, point, lost)``.

    A step that fails is halved, a step that succeeds grows by 1.5; the branch
    is lost when a step below ``min_step`` fails. ``cheap``: points are
    accepted on the sign of :math:`\det J` (:class:`_Provisional`).
    """
    step, lost = G - G_cur, False
    sign = _det_sign(fp_cur, network.with_strength(G_cur)) if cheap else None  # kept by every accepted point
    while G_cur < G:
        target = min(G, G_cur + step)
        fp = _solve_near(network, target, fp_cur.values, max_change, sign)
        if fp is not None:
            G_cur, fp_cur = target, fp
            step *= 1.5
        elif step > min_step:
            step /= 2
        else:
            lost = True
            break
    return G_cur, fp_cur, lost


def _walk(network, Gs, start, G_start, max_change=MAX_CHANGE, max_halvings=14, confirm="each",
          recheck="every step", min_step=None):
    r"""Stable fixed points along increasing ``Gs``, followed continuously; None where the branch is lost.

    Natural-parameter continuation: from the current point, Newton at the next
    ``G``; a step that fails, ends on an unstable point, or moves the state by
    more than ``max_change`` (relative, :math:`\|\Delta x\|_\infty / (1 + \|x\|_\infty)`)
    is halved. A branch that ends in a fold (saddle-node) cannot be followed
    past it: the halvings run out and every later point is None. A steep but
    smooth rise is followed in small steps. Returns the points (None past a
    lost branch) and the largest ``G`` the branch was followed to.

    Stability is first judged by the sign of :math:`\det J`
    (:class:`_Provisional`) and confirmed by the spectrum at checkpoints: every
    point of ``Gs`` (``confirm="each"``; they are returned as
    :class:`FixedPoint`) or only the last point reached (``"end"``; the others
    may be returned provisional). Where a checkpoint is unstable, a complex
    pair crossed the imaginary axis unseen: the stretch since the previous
    checkpoint is walked again with the spectrum at every step (as
    ``confirm="every step"`` does throughout), so the result is the same;
    where the end is, the whole walk again with ``confirm=recheck``.
    """
    if min_step is None:
        min_step = _min_step(Gs, G_start, max_halvings)
    cheap = confirm != "every step"
    out, G_cur, fp_cur, lost = [], float(G_start), start, False
    for n_done, G in enumerate(Gs, 1):
        if not lost and G_cur < G:
            G_new, fp_new, lost_new = _advance(network, G, G_cur, fp_cur, min_step, max_change, cheap)
            if cheap and (confirm == "each" or lost_new or n_done == len(Gs)):
                fp_ok = _confirmed(network, fp_new)
                if fp_ok is None:  # unstable unseen: walk again with the spectrum at every step
                    if confirm != "each":
                        return _walk(network, Gs, start, G_start, max_change, max_halvings, recheck, min_step=min_step)
                    G_new, fp_new, lost_new = _advance(network, G, G_cur, fp_cur, min_step, max_change, False)
                else:
                    fp_new = fp_ok
            G_cur, fp_cur, lost = G_new, fp_new, lost_new
        out.append(None if lost else fp_cur)
    # the last point reached, where the last couplings did not move the walk (repeated): confirmed too
    if cheap and confirm != "each" and isinstance(fp_cur, _Provisional) and _confirmed(network, fp_cur) is None:
        return _walk(network, Gs, start, G_start, max_change, max_halvings, recheck, min_step=min_step)
    return out, G_cur


def _min_step(Gs, G_start, max_halvings=14):
    """The smallest step of a walk over ``Gs`` from ``G_start``: a fold is approached geometrically, stop there."""
    span = max(float(np.max(Gs)) - float(G_start), 1e-9 * max(1.0, abs(float(G_start))))
    return 2.0**-max_halvings * span / len(Gs)


@in_float64
def scan_branch(model, connectome, normalize, fractions, coarse):
    """Reference coupling of one parameter set and the fixed points at ``fractions * G_ref``.

    The coupling is first walked on ``coarse`` points up to 1.2 times the
    open-loop scale (:func:`_open_loop_scale`); ``G_ref`` is where the stable
    branch is lost or, where it never is, where the mean sent variable rises
    fastest with ``G`` (largest susceptibility, :func:`_steepest`). Returns ``(G_ref, kind, points)``
    with ``points`` a list of ``(G, FixedPoint or None)``.

    Where the branch is lost, the points at ``G >= G_ref`` are None: the last
    stable point lies within the walk's resolution of the bifurcation, where
    the linearisation has an eigenvalue near zero. Its predicted FC is
    dominated by that slow mode's shape (on the bistable regime on tvb76, the
    top eigenvalue of the FC carries 68 % of its trace at the fold, 3 % at
    0.9 ``G_ref``), which can still correlate with an empirical FC, while a
    noisy run there escapes from the branch.
    """
    network = build_network(model, connectome, Linear(), normalize=normalize)
    g_open, fp0 = _open_loop_scale(network, model)
    if not math.isfinite(g_open):
        raise FitError(f"{type(model).__name__} at these parameters has no positive feedback through the "
                       "coupling (open-loop gain <= 0): there is no working point to find.")
    G_coarse = np.linspace(0.0, 1.2 * g_open, coarse + 1)[1:]
    walk, G_last = _walk(network, G_coarse, fp0, 0.0, confirm="end")
    if walk[-1] is None:  # the branch ends in a fold (or another loss of stability) at G_last
        G_ref, kind = float(G_last), "lost"
    else:
        G_ref, kind = _steepest(network, G_coarse, walk, fp0), "steepest"
    Gs = np.asarray(fractions, dtype=float) * G_ref
    below = [(g, fp) for g, fp in zip(G_coarse, walk) if fp is not None and g <= Gs[0]]
    g0, fp_start = below[-1] if below else (0.0, fp0)
    # at and past a lost branch's end (the fold itself: a zero eigenvalue, fluctuations without bound) no working
    # point; the rest is confirmed by the spectrum at its end (the walk again, point by point, where that fails)
    walked = Gs < G_ref if kind == "lost" else np.ones(Gs.size, dtype=bool)
    fine = iter(_walk(network, Gs[walked], fp_start, g0, confirm="end", recheck="each",
                      min_step=_min_step(Gs, g0))[0] if walked.any() else [])
    return G_ref, kind, [(G, _fixed_point(network, next(fine)) if w else None) for G, w in zip(Gs.tolist(), walked)]


def _fixed_point(network, point):
    """An accepted point of a walk as a :class:`FixedPoint` (spectrum computed when first read); None as None."""
    if not isinstance(point, _Provisional):
        return point
    return fixed_point_at(network.with_strength(point.G), point.values, "continuation")


def _mean_sent(fp, network):
    return float(np.mean(np.asarray(network.arrays.model.sent(fp.values))))


def _steepest(network, Gs, walk, fp0, levels=3):
    r"""The coupling of largest susceptibility :math:`d\langle s^*\rangle / dG` along a stable walk.

    The steepest segment of the walk is resolved ``levels`` times by a walk of
    12 points over it and its two neighbours (each level ~4x finer); the
    midpoint of the steepest final segment is returned.
    """
    G = np.concatenate([[0.0], Gs])
    fps = [fp0, *walk]
    for _ in range(levels):
        m = np.array([_mean_sent(fp, network) for fp in fps])
        k = int(np.argmax(np.diff(m) / np.diff(G)))  # steepest segment [G[k], G[k + 1]]
        lo, hi = max(k - 1, 0), min(k + 2, G.size - 1)
        G_loc = np.linspace(G[lo], G[hi], 13)[1:]
        local, _ = _walk(network, G_loc, fps[lo], G[lo], confirm="end")
        if any(fp is None for fp in local):
            break
        G, fps = np.concatenate([[G[lo]], G_loc]), [fps[lo], *local]
    m = np.array([_mean_sent(fp, network) for fp in fps])
    k = int(np.argmax(np.diff(m) / np.diff(G)))
    return float(G[k] + G[k + 1]) / 2


# ----------------------------------------------------------------------------- one network: every branch
def scan_network(model, parameter, values, scales, m_map, fractions, connectome, normalize, coarse, sigma, row,
                 fit_fc, fit_mask, bar, workers, global_signal, failures) -> Scan:
    """The linear scan of one network over ``(value, scale, fraction)``: scores, couplings, reference couplings,
    points.

    The branches of the ``(value, scale)`` pairs are independent and run side by side. Why a branch failed is
    appended to ``failures`` (a list, ``(i, j, branch, message)``).
    """
    shape = (values.size, scales.size, fractions.size)
    lin_corr, lin_mean, G_grid = np.full(shape, np.nan), np.full(shape, np.nan), np.full(shape, np.nan)
    G_ref, kinds = np.full(shape[:2], np.nan), np.full(shape[:2], "failed", dtype=object)
    points = {}

    def branch(ij):
        i, j = ij
        v, a = values[i], scales[j]
        m = dataclasses.replace(model, **{parameter: v if m_map is None else v + a * m_map})
        try:
            G_r, kind, walk = scan_branch(m, connectome, normalize, fractions, coarse)
        except (DynamicsError, FitError) as err:
            G_r, kind, walk = np.nan, "failed", []
            failures.append((i, j, f"{parameter}={v:g}" + ("" if m_map is None else f" (scale {a:g})"), str(err)))
        scored = _scored(m, connectome, normalize, walk, (sigma, row, global_signal), fit_fc, fit_mask)
        if bar is not None:
            bar.update(1)
        return G_r, kind, scored

    jobs = [(i, j) for i in range(values.size) for j in range(scales.size)]
    for (i, j), (G_r, kind, scored) in zip(jobs, side_by_side(branch, jobs, workers, "fit_working_point")):
        G_ref[i, j], kinds[i, j] = G_r, kind
        for k, (G, point, sc) in enumerate(scored):
            G_grid[i, j, k] = G
            if point is None:
                continue
            lin_corr[i, j, k], lin_mean[i, j, k] = sc["corr"], sc["mean_model"]
            points[(i, j, k)] = point
    return Scan(lin_corr, lin_mean, G_grid, G_ref, kinds, points, connectome, normalize)


@in_float64  # a branch may run in a thread of its own: JAX's float64 switch does not follow it there
def _scored(model, connectome, normalize, walk, fc_args, fit_fc, fit_mask):
    """``[(G, point, score)]`` of one branch's walk: the slow-limit FC of every stable point scored against the fit
    FC, each point a :class:`LazyScanPoint` (its Jacobian and FC dropped once scored, rebuilt when read)."""
    net = None if not walk else build_network(model, connectome, Linear(), normalize=normalize)
    scored = []
    for G, fp in walk:
        if fp is None:
            scored.append((G, None, None))
            continue
        at = net.with_strength(G)
        fc = slow_limit_fc(fp, *fc_args, network=at)
        scored.append((G, LazyScanPoint(model, G, fp, fc, at, fc_args), score_fc(fc, fit_fc, fit_mask)))
    return scored


class LazyScanPoint:
    r"""A stable point of the linear scan, as :class:`~brainnet_cb.fitting.working_point_result.ScanPoint` (its
    ``model``, ``G``, ``fixed_point``, ``fc``; unpacked as that 4-tuple), that keeps only the state.

    From :data:`~brainnet_cb.dynamics.structured.STRUCTURED_MIN_REGIONS` regions the
    :class:`~brainnet_cb.dynamics.fixed_points.FixedPoint` (its dense ``n_s n`` square Jacobian: 32 MB at 1,000
    regions) and the slow-limit FC (``n x n``) are dropped once the point is scored and rebuilt, the same bit
    for bit, when first read (by the few candidates and the chosen point): a scan keeps ~100 points per network
    scanned, which held ~40 MB each at 1,000 regions. Below, the point keeps them as given.
    """

    def __init__(self, model, G, fixed_point, fc, network, fc_args):
        self.model, self.G = model, float(G)
        self._network, self._fc_args = network, fc_args  # the point's network (with_strength(G)); (sigma, row, gsr)
        self._values, self._residual = fixed_point.values, fixed_point.residual
        if fixed_point.values.shape[1] < STRUCTURED_MIN_REGIONS:
            self.__dict__.update(fixed_point=fixed_point, fc=fc)  # small: kept (what cached_property reads first)

    @functools.cached_property
    def fixed_point(self):
        """The :class:`~brainnet_cb.dynamics.fixed_points.FixedPoint` (rebuilt by ``fixed_point_at``, as the walk
        built it)."""
        fp = fixed_point_at(self._network, self._values, "continuation")
        if fp.residual != self._residual:  # not the point scanned: a bug, never a user's input
            raise RuntimeError(f"the rebuilt fixed point at G={self.G:g} differs from the scanned one.")
        return fp

    @functools.cached_property
    def fc(self):
        """The slow-limit FC with the same noise in every region (:func:`slow_limit_fc`)."""
        sigma, row, gsr = self._fc_args
        return slow_limit_fc(_StateOnly(self._values), sigma, row, gsr, self._network)

    def __iter__(self):
        return iter((self.model, self.G, self.fixed_point, self.fc))


class _StateOnly(NamedTuple):
    """What :func:`slow_limit_fc` reads of a point on its structured path: the state."""

    values: np.ndarray
