r"""The critical coupling :math:`G_c`: where the network's fixed point loses stability.

The fixed-point branch :math:`F(x, G) = 0` is followed from :math:`G = 0`
(or ``G_start``) by pseudo-arclength continuation (Keller 1977): tangent
predictor, Newton corrector on

.. math:: F(x, G) = 0, \qquad t^\top \big((x, G) - (x, G)_\mathrm{pred}\big) = 0,

which passes folds, where :math:`G` turns back. Along the branch the largest
real part :math:`\mu` of the delay-free spectrum is monitored
(:mod:`brainnet_cb.dynamics.spectrum`); when it changes sign the crossing is
located by bisection in arclength. How stability is lost:

- ``"saddle-node"``: a real eigenvalue crosses 0 where the branch folds
  (:math:`G` stops increasing); past :math:`G_c` the fixed point is gone and
  the network jumps (to another state or diverges);
- ``"branch-point"``: a real eigenvalue crosses 0 without a fold
  (transcritical or pitchfork, e.g. symmetry breaking);
- ``"hopf"``: a complex pair crosses; ``frequency`` is
  :math:`|\mathrm{Im}\,\lambda| / 2\pi` in Hz (delays shift it, see
  :func:`~brainnet_cb.dynamics.delayed_leading_eigenvalue`);
- ``"none"``: stable up to ``G_max``.

:math:`G / G_c` places a network at the same distance from its instability
on any connectome (the working point near criticality of Deco et al. 2013),
so a recipe stated as a fraction of :math:`G_c` transfers between
connectomes where a raw :math:`G` does not.
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from functools import partial

import jax
import jax.numpy as jnp
import numpy as np
import xarray as xr

from .._checks import caller_stacklevel
from ..coupling import Linear
from ..errors import DynamicsError
from .fixed_points import FixedPoint, fixed_point_at, fixed_point_of
from .system import NetworkArrays, build_network, in_float64, network_rhs, newton, rhs_and_jacobian

__all__ = ["CouplingRangeWarning", "CriticalCoupling", "critical_coupling", "relative_coupling"]

#: The residual (/ms) to which :func:`~brainnet_cb.dynamics.system.newton` converges here: its default, passed
#: as a value so that every caller shares one compilation.
_NEWTON_TOL = 1e-12


class CouplingRangeWarning(UserWarning):
    """:func:`critical_coupling` found a loss of stability just past ``G_max``, outside the scanned range."""


@dataclasses.dataclass(frozen=True, repr=False)
class CriticalCoupling:
    """Where and how a network's fixed point loses stability as ``G`` grows.

    Attributes
    ----------
    G_c : float
        The critical coupling (``inf`` if stable up to ``G_max``).
    kind : {"saddle-node", "branch-point", "hopf", "none"}
    frequency : float
        Hz, for ``"hopf"`` (NaN otherwise); delay-free.
    eigenvalue : complex
        The leading eigenvalue at ``G_c`` (1/ms; real part ~0).
    fixed_point : FixedPoint
        The last stable point of the branch (at ``G_c`` to the tolerance).
    branch : xarray.Dataset
        Along the continuation, dim ``point``: ``G``, ``max_real`` (1/ms),
        ``mean_sent`` (mean ``r``).
    normalize : str
        Weight normalisation used (as in :func:`brainnet_cb.simulate`).
    G_slowest, slowest_rate : float
        Where along the stable branch the leading eigenvalue comes closest to
        0, and its real part there (1/ms): the point of largest susceptibility.
        For ``"none"`` (a smooth, steep transition from a low- to a high-rate
        state with no bifurcation, as in the ``eta = -2`` regime) it is the
        reference that :meth:`relative` uses instead of ``G_c``.
    G_reached : float
        The last ``G`` of the continuation.
    """

    G_c: float
    kind: str
    frequency: float
    eigenvalue: complex
    fixed_point: FixedPoint
    branch: xr.Dataset
    normalize: str
    G_slowest: float
    slowest_rate: float
    G_reached: float

    @property
    def G_ref(self) -> float:
        """The reference coupling: ``G_c``, or ``G_slowest`` when the branch never loses stability."""
        return self.G_c if math.isfinite(self.G_c) else self.G_slowest

    def relative(self, G):
        """``G / G_ref``: the coupling as a fraction of the critical one (see :attr:`G_ref`)."""
        try:  # numbers, lists, NumPy / JAX arrays, a DataArray such as a sweep's G coordinate
            g = np.asarray(None if isinstance(G, (str, bytes)) else G)
        except (TypeError, ValueError):
            g = np.asarray(None)
        if g.dtype.kind not in "iuf" or not np.all(np.isfinite(g)):
            raise DynamicsError(
                f"G must be a finite coupling strength (a number or an array of numbers); got {G!r}. "
                "Pass the G of bn.Linear(G=...), e.g. relative_coupling(0.8, cc)."
            )
        return g.astype(float) / self._nonzero_ref()

    def _nonzero_ref(self):
        if self.G_ref == 0:
            raise DynamicsError(
                f"no reference coupling: the branch is stable up to G={self.G_reached:.6g} and its slowest point "
                "is G_slowest=0 (coupling only stabilises it), so G / G_ref is undefined. Scan a higher G_max, "
                "or compare raw couplings."
            )
        return self.G_ref

    def coupling_at(self, fraction):
        """``fraction * G_ref``: the ``G`` at a given fraction of the critical coupling."""
        number = isinstance(fraction, (int, float, np.floating, np.integer)) and not isinstance(fraction, bool)
        if not number or not np.isfinite(fraction):
            raise DynamicsError(f"fraction must be a finite number (G / G_c); got {fraction!r}.")
        return float(fraction) * self._nonzero_ref()

    def __repr__(self):
        freq = f", frequency={self.frequency:.4g} Hz" if self.kind == "hopf" else ""
        slow = (f", G_slowest={self.G_slowest:.6g} (max_real {self.slowest_rate:.3g} /ms)"
                if self.kind == "none" else "")
        return (f"CriticalCoupling(G_c={self.G_c:.6g}, kind={self.kind!r}{freq}{slow}, "
                f"normalize={self.normalize!r})")


def relative_coupling(G, critical: CriticalCoupling):
    """``G / G_ref``: a coupling as a fraction of the critical (reference) one.

    Parameters
    ----------
    G : float or array_like
        Coupling strength(s), the ``G`` of ``bn.Linear(G=...)``.
    critical : CriticalCoupling
        The result of :func:`critical_coupling` for the same model and connectome.

    Returns
    -------
    float or numpy.ndarray
        ``G / critical.G_ref`` (same shape as ``G``); 1 is the instability
        (or the steepest rise, where the branch stays stable).

    Raises
    ------
    DynamicsError
        If ``critical`` is not a :class:`CriticalCoupling` or ``G`` is not finite.
    """
    if not isinstance(critical, CriticalCoupling):
        raise DynamicsError(
            f"critical must be the result of critical_coupling(); got {type(critical).__name__}."
        )
    return critical.relative(G)


def _with_G(arrays: NetworkArrays, G):
    c = arrays.coupling
    return arrays._replace(coupling=dataclasses.replace(c, G=jnp.broadcast_to(G, c.G.shape)))


def _aug_rhs(u, arrays, port, shape):
    x, G = u[:-1].reshape(shape), u[-1]
    return network_rhs(x, _with_G(arrays, G), port).ravel()


@partial(jax.jit, static_argnames=("port", "shape"))
def _aug_jacobian(u, arrays, port, shape):
    """``[J_x, dF/dG]`` at ``u = (x, G)``: shape ``(N, N + 1)``."""
    x, G = u[:-1].reshape(shape), u[-1]
    a = _with_G(arrays, G)
    _, Jx = rhs_and_jacobian(x, a, port)
    dG = jax.jvp(lambda g: network_rhs(x, _with_G(arrays, g), port).ravel(), (G,), (jnp.ones_like(G),))[1]
    return jnp.concatenate([Jx, dG[:, None]], axis=1)


def _weights(u):
    """Arclength weights: the state enters as its root mean square, ``G`` as itself."""
    return jnp.ones(u.shape).at[:-1].set(1.0 / (u.shape[0] - 1))


def _tangent(u, t_prev, arrays, port, shape):
    """Unit tangent (weighted norm) of the branch at ``u``, oriented along ``t_prev``."""
    w = _weights(u)
    JG = _aug_jacobian(u, arrays, port, shape)
    M = jnp.concatenate([JG, (w * t_prev)[None, :]], axis=0)
    rhs = jnp.zeros(u.shape).at[-1].set(1.0)
    t = jnp.linalg.solve(M, rhs)
    return t / jnp.sqrt(jnp.sum(w * t * t))


@partial(jax.jit, static_argnames=("port", "shape"))
def _correct(u_pred, t, arrays, port, shape, tol=1e-12):
    """Newton on ``[F(u); (w t).(u - u_pred)] = 0``; returns ``(u, residual, iterations)``."""

    wt = _weights(u_pred) * t

    def resid(u):
        return jnp.concatenate([_aug_rhs(u, arrays, port, shape), (wt @ (u - u_pred))[None]])

    def cond(c):
        it, _, nr = c
        return (it < 12) & (nr > tol) & jnp.isfinite(nr)

    def body(c):
        it, u, _ = c
        M = jnp.concatenate([_aug_jacobian(u, arrays, port, shape), wt[None, :]], axis=0)
        u = u - jnp.linalg.solve(M, resid(u))
        return it + 1, u, jnp.max(jnp.abs(resid(u)))

    it, u, nr = jax.lax.while_loop(cond, body, (0, u_pred, jnp.max(jnp.abs(resid(u_pred)))))
    return u, nr, it


def _accept(u):
    """Residual accepted from the corrector: 1e-9 relative to the square of the state's scale."""
    return 1e-9 * (1.0 + float(jnp.max(jnp.abs(u[:-1])))) ** 2


def _leading(u, arrays, port, shape):
    J = np.asarray(_aug_jacobian(jnp.asarray(u), arrays, port, shape))[:, :-1]
    ev = np.linalg.eigvals(J)
    k = int(np.lexsort((-ev.imag, -ev.real))[0])
    return complex(ev[k])


def _newton_only(network, x0):
    """Newton from ``x0``; refuse if it does not converge or moves far (x0 is not a fixed point here)."""
    # tol passed (as fixed_point_of and the working-point scan do), not defaulted: jit keys a call that leaves a
    # default out apart from one that passes it, and compiled newton a second time (1.5 s from 32 regions)
    x, res, _ = newton(jnp.asarray(x0, jnp.float64), network.arrays, network.port, _NEWTON_TOL)
    x = np.asarray(x)
    moved = float(np.max(np.abs(x - x0))) if np.all(np.isfinite(x)) else np.inf
    if not float(res) <= 1e-8 or moved > 0.05 * (1.0 + float(np.max(np.abs(x0)))):
        raise DynamicsError(
            f"start is not a fixed point at G_start (Newton residual {float(res):.3g} /ms, moved by "
            f"{moved:.3g}); pass a FixedPoint computed at G_start, or a dict/array to search from."
        )
    return x


def _check_number(name, value, lo=None):
    number = isinstance(value, (int, float, np.floating, np.integer)) and not isinstance(value, bool)
    if not number or not np.isfinite(value):
        raise DynamicsError(f"{name} must be a finite number; got {value!r}.")
    if lo is not None and value <= lo:
        raise DynamicsError(f"{name} must be > {lo:g}; got {value!r}.")
    return float(value)


@in_float64
def critical_coupling(model, connectome, coupling=None, *, normalize="max", G_start=0.0, G_max=None,
                      start=None, step=None, max_points=2000, tol=1e-9) -> CriticalCoupling:
    r"""The critical global coupling :math:`G_c` of a network and how it loses stability.

    Continues the fixed point from ``G_start`` in ``G`` (pseudo-arclength,
    see the module docstring), monitoring the largest real part of the
    delay-free spectrum, and bisects its sign change to ``tol``.

    Parameters
    ----------
    model : NodeModel
    connectome : Connectome
        Weights ``[target, source]``, normalised by ``normalize`` exactly as
        :func:`brainnet_cb.simulate` does (:meth:`Connectome.normalized`), so
        ``G_c`` is on the scale of ``bn.simulate(..., coupling=bn.Linear(G))``.
    coupling : Coupling, default ``Linear()``
        Its type is kept; its ``G`` is replaced by the continuation parameter
        (a scalar ``G`` is required).
    G_start : float, default 0
    G_max : float, optional
        Where to stop; default :math:`50 / \rho(W)` with :math:`\rho` the
        spectral radius of the normalised weights (the coupling matrix
        :math:`G W` then has spectral radius 50).
    start : FixedPoint, dict or array, optional
        Where the branch begins at ``G_start``: a dict or array is a state to
        search from (e.g. the down state ``{"r": 0.06, "v": -1.8}`` of a
        bistable regime; default the model's initial state), a
        :class:`FixedPoint` is continued as it is. It must be stable.
    step : float, optional
        Initial arclength step (default ``max(G_max - G_start, 1) / 200``);
        arclength measures ``G`` and the root mean square of the state.
    max_points : int, default 2000
    tol : float, default 1e-9
        Relative tolerance on ``G_c``.

    Returns
    -------
    CriticalCoupling
        ``.G_c``, ``.kind``, ``.frequency`` (Hz), ``.eigenvalue``,
        ``.fixed_point``, ``.branch``; ``.relative(G)`` = ``G / G_c``.
        ``G_c`` always lies in ``[G_start, G_max]``; a branch stable up to
        ``G_max`` gives ``G_c = inf`` and ``kind = "none"``.

    Raises
    ------
    DynamicsError
        When the normalised weights are all zero: ``G`` multiplies nothing,
        so no ``G_c`` exists (before, ``G_c = inf`` and ``G_slowest = 0``
        came back without a word); and for bad arguments.

    Warns
    -----
    CouplingRangeWarning
        When the continuation step that passes ``G_max`` also crosses into
        instability and the crossing lies past ``G_max``: the result is then
        that of the scanned range (stable up to ``G_max``, ``G_c = inf``) and
        the warning names the crossing's ``G`` and asks for a larger ``G_max``.

    References
    ----------
    .. [1] G. Deco, A. Ponce-Alvarez, D. Mantini, G. L. Romani, P. Hagmann,
       M. Corbetta (2013). Resting-state functional connectivity emerges from
       structurally and dynamically shaped slow linear fluctuations.
       J. Neurosci. 33, 11239-11252.
    .. [2] H. B. Keller (1977). Numerical solution of bifurcation and nonlinear
       eigenvalue problems. In *Applications of Bifurcation Theory*, 359-384.

    Examples
    --------
    >>> import brainnet_cb as bn
    >>> from brainnet_cb.dynamics import critical_coupling
    >>> conn = bn.Connectome(weights=[[0, 1], [1, 0]], lengths=[[0, 30], [30, 0]])
    >>> bistable = bn.CoombesByrne(Delta=0.7, eta=-4.6, v_syn=5.0)
    >>> cc = critical_coupling(bistable, conn, start={"r": 0.06, "v": -1.8})  # the down state
    >>> cc.kind, round(cc.G_c, 4)
    ('saddle-node', 19.4935)
    """
    coupling = Linear() if coupling is None else coupling
    G0 = getattr(coupling, "G", None)
    if G0 is None or np.ndim(G0) != 0:
        raise DynamicsError(
            f"critical_coupling continues a scalar global coupling G; got {coupling!r}. "
            "Pass a coupling with a scalar G (its value is replaced), e.g. bn.Linear()."
        )
    G_start = _check_number("G_start", G_start)
    w = np.asarray(build_network(model, connectome, coupling, normalize=normalize).arrays.weights)
    if not np.any(w):
        raise DynamicsError(
            f"critical_coupling needs a connectome with connections; all {w.shape[0]}x{w.shape[-1]} "
            "weights are zero, so G multiplies nothing and no G_c exists. Pass a connectome with "
            "non-zero weights (bn.load_atlas(...)), or study the uncoupled node with network_fixed_points()."
        )
    if G_max is None:
        rho = float(np.max(np.abs(np.linalg.eigvals(w))))
        G_max = G_start + 50.0 / rho if rho > 0 else G_start + 50.0
    G_max = _check_number("G_max", G_max, lo=G_start)
    tol = _check_number("tol", tol, lo=0.0)
    h = (max(G_max - G_start, 1.0) / 200.0) if step is None else _check_number("step", step, lo=0.0)
    if isinstance(max_points, bool) or not isinstance(max_points, (int, np.integer)) or max_points < 2:
        raise DynamicsError(f"max_points must be an integer >= 2; got {max_points!r}.")
    network = build_network(model, connectome, dataclasses.replace(coupling, G=float(G_start)), normalize=normalize)
    if isinstance(start, FixedPoint):  # continue this very point (Newton only), stable or not
        fp0 = fixed_point_at(network, _newton_only(network, start.values), "start")
    else:
        fp0 = fixed_point_of(network, start)
    if not fp0.stable:
        raise DynamicsError(
            f"the fixed point at G_start={G_start:g} is already unstable (leading eigenvalue "
            f"{fp0.leading:.4g} /ms); start from a stable state (start=) or a lower G_start."
        )
    arrays, port, shape = network.arrays, network.port, network.shape
    sends = type(network.arrays.model).sends
    k_sent = network.states.index(sends) if sends in network.states else 0
    mean_sent = lambda u: float(np.asarray(u[:-1]).reshape(shape)[k_sent].mean())  # noqa: E731
    u = jnp.concatenate([jnp.asarray(fp0.values).ravel(), jnp.asarray([G_start])])
    t = _tangent(u, jnp.zeros(u.shape).at[-1].set(1.0), arrays, port, shape)
    lam = fp0.leading
    h_max, h_floor = 20 * h, 1e-6 * h
    rec = [(G_start, lam.real, mean_sent(u))]
    prev = None  # (u, t, lam, h) of the point before u, for locating maxima of max_real
    slowest = (lam.real, G_start, u)
    past = False  # whether the step over G_max crossed (the crossing lies past the scanned range)
    while len(rec) < max_points:
        u_new, res, it = _correct(u + h * t, t, arrays, port, shape)
        ok = float(res) <= _accept(u_new)
        lam_new = _leading(u_new, arrays, port, shape) if ok else None
        # small steps where the leading eigenvalue moves fast: no crossing is stepped over
        if (not ok or (lam_new.real < 0 and abs(lam_new.real - lam.real) > 0.25 * abs(lam.real))) and h > h_floor:
            h /= 2
            continue
        if not ok:
            raise DynamicsError(
                f"the continuation stalled at G={float(u[-1]):.6g} (Newton does not converge even "
                "for tiny steps); the branch may end there. Try a smaller step= or another start=."
            )
        t_new = _tangent(u_new, t, arrays, port, shape)
        rec.append((float(u_new[-1]), lam_new.real, mean_sent(u_new)))
        if lam_new.real >= 0:
            found = _bisect(network, u, t, h, lam, t_new, tol, rec, normalize, slowest)
            if found.G_c <= G_max:
                return found
            past = _warn_past(found, G_max)  # the step over G_max crossed: stable up to G_max
            break
        if prev is not None and lam.real > prev[2].real and lam.real > lam_new.real:
            # a local maximum of max_real around u: refine it; it may touch 0
            s_best, lam_best, u_best = _golden(prev[0], prev[1], prev[3] + h, arrays, port, shape)
            if lam_best.real >= 0:
                found = _bisect(network, prev[0], prev[1], s_best, prev[2], t, tol, rec, normalize, slowest)
                if found.G_c <= G_max:
                    return found
                past = _warn_past(found, G_max)
                break
            if lam_best.real > slowest[0] and float(u_best[-1]) <= G_max:
                slowest = (lam_best.real, float(u_best[-1]), u_best)
        prev = (u, t, lam, h)
        u, t, lam = u_new, t_new, lam_new
        if lam.real > slowest[0] and float(u[-1]) <= G_max:
            slowest = (lam.real, float(u[-1]), u)
        if float(u[-1]) > G_max or float(u[-1]) < G_start - 1e-12:
            break
        h = min(h * (1.5 if int(it) <= 3 else 1.0 if int(it) <= 6 else 0.5), h_max)
    if past or float(u[-1]) > G_max:
        # the last step passed G_max: end the branch there (stable up to G_max, so no fold to pass;
        # when the step crossed past G_max, u is the last stable point before G_max)
        end = network.with_strength(G_max)
        x, res, _ = newton(jnp.asarray(u[:-1]).reshape(shape), end.arrays, end.port, _NEWTON_TOL)
        if float(res) <= _accept(u):
            u = jnp.concatenate([jnp.asarray(x).ravel(), jnp.asarray([G_max])])
            lam = _leading(u, arrays, port, shape)
            rec[-1] = (G_max, lam.real, mean_sent(u))
            if lam.real > slowest[0]:
                slowest = (lam.real, G_max, u)
        elif past:
            rec.pop()  # the unstable point past G_max is no part of the scanned branch
    fp = fixed_point_at(network.with_strength(float(u[-1])), np.asarray(u[:-1]).reshape(shape), "continuation")
    return CriticalCoupling(math.inf, "none", math.nan, lam, fp, _branch(rec), normalize,
                            slowest[1], slowest[0], float(u[-1]))


def _warn_past(found, G_max):
    """Warn that the crossing found by the step over ``G_max`` lies outside the scanned range."""
    warnings.warn(
        f"the fixed point loses stability ({found.kind}) at G={found.G_c:.6g}, past G_max={G_max:.6g}: "
        f"reported as stable up to G_max (G_c=inf, kind='none'). Raise G_max above {found.G_c:.6g} "
        "to have it reported as G_c.", CouplingRangeWarning, stacklevel=caller_stacklevel())
    return True


def _golden(u0, t0, span, arrays, port, shape, iters=40):
    """Maximise the leading real part on the points ``u0 + s t0`` (corrected), ``s`` in ``(0, span)``."""
    g = (math.sqrt(5) - 1) / 2

    def value(s):
        u, res, _ = _correct(u0 + s * t0, t0, arrays, port, shape)
        if not float(res) <= _accept(u):
            return -math.inf, None, u
        lam = _leading(u, arrays, port, shape)
        return lam.real, lam, u

    a, b = 0.0, span
    c, d = b - g * (b - a), a + g * (b - a)
    fc, fd = value(c), value(d)
    for _ in range(iters):
        if fc[0] >= 0 or fd[0] >= 0:
            break
        if fc[0] > fd[0]:
            b, d, fd = d, c, fc
            c = b - g * (b - a)
            fc = value(c)
        else:
            a, c, fc = c, d, fd
            d = a + g * (b - a)
            fd = value(d)
        if b - a <= 1e-9 * span:
            break
    s, best = (c, fc) if fc[0] >= fd[0] else (d, fd)
    lam = best[1] if best[1] is not None else complex(-math.inf)
    return s, lam, best[2]


def _bisect(network, u, t, h, lam, t_hi, tol, rec, normalize, slowest):
    """Bisection in arclength between ``u`` (stable) and ``u + h t`` (unstable)."""
    arrays, port, shape = network.arrays, network.port, network.shape
    lo, hi = 0.0, h
    u_lo, lam_lo, G_hi = u, lam, None
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        u_mid, res, _ = _correct(u + mid * t, t, arrays, port, shape)
        if not float(res) <= _accept(u_mid):
            hi = mid
            continue
        lam_mid = _leading(u_mid, arrays, port, shape)
        if lam_mid.real < 0:
            lo, u_lo, lam_lo = mid, u_mid, lam_mid
        else:
            hi, G_hi = mid, float(u_mid[-1])
        G_lo = float(u_lo[-1])
        if G_hi is not None and abs(G_hi - G_lo) <= tol * max(1.0, abs(G_lo)) and hi - lo <= tol * max(1.0, h):
            break
    t_lo = _tangent(u_lo, t, arrays, port, shape)
    G_c = float(u_lo[-1])
    if abs(lam_lo.imag) > 1e-6:
        kind, freq = "hopf", abs(lam_lo.imag) / (2 * math.pi) * 1000.0
    else:
        folded = float(t_lo[-1]) * float(t_hi[-1]) < 0 or abs(float(t_lo[-1])) < 1e-3
        kind, freq = ("saddle-node" if folded else "branch-point"), math.nan
    fp = fixed_point_at(network.with_strength(G_c), np.asarray(u_lo[:-1]).reshape(shape), "continuation")
    return CriticalCoupling(G_c, kind, freq, lam_lo, fp, _branch(rec), normalize, G_c, lam_lo.real, G_c)


def _branch(rec):
    G, mu, m = (np.asarray(v, dtype=float) for v in zip(*rec))
    return xr.Dataset(
        {"max_real": ("point", mu, {"units": "1/ms", "long_name": "largest real part of the spectrum"}),
         "mean_sent": ("point", m, {"long_name": "mean sent quantity (r) over regions"})},
        coords={"G": ("point", G, {"long_name": "global coupling"})},
        attrs={"long_name": "fixed-point branch followed in G"},
    )
