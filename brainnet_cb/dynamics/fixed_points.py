r"""Fixed points of a whole network, from several initial states (multistability).

A fixed point :math:`x^*` of the delay-free network (see
:mod:`brainnet_cb.dynamics.system`) is also a constant solution of the delayed
network: with every history constant, :math:`r_j(t - \tau_{ij}) = r_j^*`. It is
found by damped Newton iteration with the exact Jacobian (``jax.jacfwd``), from
each initial state directly and, to reach the basins of the attractors, after
integrating the delay-free network towards rest. Distinct solutions are kept
with their spectrum; several stable ones mean multistability (e.g. the
bistable Montbrió–Pazó–Roxin regime, Montbrió, Pazó & Roxin 2015; Rabuffo et
al. 2021).
"""

from __future__ import annotations

import dataclasses
import functools
import itertools

import jax
import jax.numpy as jnp
import numpy as np
import xarray as xr

from ..errors import DynamicsError
from ..units import to_ms
from .system import Network, build_network, in_float64, integrate, newton, one_blas_thread, relax, rhs_and_jacobian

__all__ = [
    "FixedPoint",
    "network_fixed_points",
    "network_fixed_point",
    "fixed_point_at",
    "fixed_points_of",
    "fixed_point_of",
    "fixed_point_near",
    "as_state",
]

ACCEPT = 1e-8  # largest residual max|F| (1/ms) accepted as a fixed point
#: Default number of low/high "corner" starts (:func:`default_starts`): every mix of up to 6 regions (2^6 - 2).
N_CORNERS = 62


@dataclasses.dataclass(frozen=True, repr=False)
class FixedPoint:
    """One fixed point of a network with its linear stability.

    Attributes
    ----------
    values : ndarray, shape (n_states, n)
        The state :math:`x^*` (rows in the model's ``states`` order).
    states, labels : tuple of str
        State names and region labels.
    eigenvalues : ndarray of complex
        Eigenvalues of the delay-free Jacobian (1/ms), by decreasing real part
        (computed from ``jacobian`` when first read: an eigenvalue problem of
        ``n_states n``, the costliest part of a point on large networks).
    jacobian : ndarray, shape (n_states n, n_states n)
        The delay-free Jacobian, state-major (see :mod:`brainnet_cb.dynamics.system`).
    residual : float
        :math:`\\max |F(x^*)|` (1/ms).
    start : str
        The initial state that first reached it (``"default"``, ``"low"``,
        ``"high"``, ``"random-3"``, ``"start-0"``, ...).
    """

    values: np.ndarray
    states: tuple
    labels: tuple
    jacobian: np.ndarray
    residual: float
    start: str

    @functools.cached_property
    def eigenvalues(self) -> np.ndarray:
        with one_blas_thread():  # as the dynamics' functions compute (:func:`~.system.in_float64`)
            ev = np.linalg.eigvals(self.jacobian)
        return ev[np.lexsort((-ev.imag, -ev.real))]

    @property
    def max_real(self) -> float:
        """Largest real part of the spectrum (1/ms); < 0 means linearly stable."""
        return float(self.eigenvalues[0].real)

    @property
    def stable(self) -> bool:
        """Linearly stable (every eigenvalue has a negative real part), delays neglected."""
        return self.max_real < 0

    @property
    def n_unstable(self) -> int:
        """Number of eigenvalues with a positive real part (the unstable dimension)."""
        return int(np.sum(self.eigenvalues.real > 0))

    @property
    def leading(self) -> complex:
        """The eigenvalue of largest real part (1/ms)."""
        return complex(self.eigenvalues[0])

    @property
    def state(self) -> xr.DataArray:
        """The fixed point as a labelled DataArray ``(state, region)``."""
        return xr.DataArray(
            self.values,
            dims=("state", "region"),
            coords={"state": list(self.states), "region": list(self.labels)},
            attrs={"long_name": "network fixed point", "stable": int(self.stable),
                   "max_real_eigenvalue_per_ms": self.max_real},
        )

    def as_initial_state(self) -> dict:
        """``{state: array}`` for ``bn.simulate(..., initial_state=...)``: start at rest."""
        return {s: np.array(self.values[k]) for k, s in enumerate(self.states)}

    def __repr__(self):
        kind = "stable" if self.stable else f"unstable (dim {self.n_unstable})"
        means = ", ".join(f"{s}~{self.values[k].mean():.4g}" for k, s in enumerate(self.states))
        return (f"FixedPoint({kind}, {means}, leading eigenvalue {self.leading:.4g} /ms, "
                f"start={self.start!r})")


def as_state(network: Network, value, what="start"):
    """A state array ``(n_s, n)`` from a dict, an array or a :class:`FixedPoint`."""
    model = network.arrays.model
    if isinstance(value, FixedPoint):
        value = value.values
    if isinstance(value, dict):
        return np.asarray(model.initial_state(network.n, jnp.float64, value), dtype=float)
    try:
        raw = np.asarray(value)
    except (TypeError, ValueError):
        raw = None
    # real numbers only: a complex start is refused, not cut to its real part
    arr = raw.astype(float) if raw is not None and raw.dtype.kind in "biuf" else None
    if arr is None or arr.shape != network.shape or not np.all(np.isfinite(arr)):
        if arr is None:
            got = f"{type(value).__name__} of dtype {raw.dtype}" if raw is not None else type(value).__name__
        else:
            got = repr(arr.shape) if arr.shape != network.shape else "non-finite values (NaN or inf)"
        raise DynamicsError(
            f"{what} must be a dict {{state: value}}, a FixedPoint or a finite real array of shape "
            f"{network.shape} (states {network.states} x regions); got {got}."
        )
    return arr


def _corners(n: int, budget: int, rng) -> list:
    """Low (0) / high (1) patterns across ``n`` regions, at most ``budget``, none all low or all high.

    All :math:`2^n - 2` in order where they fit; otherwise the ``n`` with one
    region high, the ``n`` with one region low, then distinct random patterns
    (``rng``) until ``budget``.
    """
    if n < 2 or budget <= 0:
        return []
    if n <= 30 and 2**n - 2 <= budget:
        return [bits for bits in itertools.product((0, 1), repeat=n) if 0 < sum(bits) < n]
    eye = np.eye(n, dtype=int)
    out = [tuple(int(b) for b in row) for row in np.concatenate([eye, 1 - eye])][:budget]
    seen = set(out)
    for _ in range(50 * budget):
        if len(out) >= budget:
            break
        bits = tuple(int(b) for b in rng.integers(0, 2, n))
        if 0 < sum(bits) < n and bits not in seen:
            seen.add(bits)
            out.append(bits)
    return out


def default_starts(network: Network, n_random: int, key, n_corners: int = N_CORNERS) -> list:
    r"""Initial states: the model's default, low and high activity, low/high corners, and random draws.

    ``"low"``/``"high"``: the default with the sent state variable (``r``)
    multiplied by 0.1 / 10 (set to 0 / 1 where it is 0). ``"mixed-011"``:
    each region low (``0``) or high (``1``), the mixed states of bistable
    nodes, which random draws reach rarely (4 of the 8 stable states of 3
    bistable regions from the 11 other starts): every mix where
    :math:`2^n - 2 \le` ``n_corners`` (networks of up to 6 regions by
    default), else ``n_corners`` of them: each region alone high, each alone
    low, then distinct random mixes drawn from ``key``. ``"random-k"``: per
    region, states with a lower bound (``r >= 0``) are the default times a
    log-uniform factor in [0.1, 10]; the others are the default plus
    ``U(-1, 1) * max(1, |default|)``. The same ``key`` gives the same starts.
    """
    model = network.arrays.model
    base = np.asarray(model.initial_state(network.n, jnp.float64), dtype=float)
    starts = [("default", base)]
    rng = np.random.default_rng(_seed(key))
    randoms = []
    for j in range(n_random):
        x = base.copy()
        for k, s in enumerate(network.states):
            if s in network.bounds and np.isfinite(network.bounds[s][0]):
                lo = network.bounds[s][0]
                gap = np.where(base[k] - lo > 0, base[k] - lo, 1.0)
                x[k] = lo + gap * 10.0 ** rng.uniform(-1, 1, network.n)
            else:
                x[k] = base[k] + rng.uniform(-1, 1, network.n) * np.maximum(1.0, np.abs(base[k]))
        randoms.append((f"random-{j}", x))
    sends = type(model).sends
    if sends in network.states:
        k = network.states.index(sends)
        levels = {}
        for name, factor, fallback in (("low", 0.1, 0.0), ("high", 10.0, 1.0)):
            x = base.copy()
            x[k] = np.where(base[k] != 0, base[k] * factor, fallback)
            levels[name] = x[k]
            starts.append((name, x))
        for bits in _corners(network.n, n_corners, rng):  # drawn after the random starts: those keep their values
            x = base.copy()
            x[k] = np.where(np.array(bits) == 1, levels["high"], levels["low"])
            starts.append(("mixed-" + "".join(map(str, bits)), x))
    return starts + randoms


def _seed(key):
    """A NumPy seed from an int or a JAX key."""
    if isinstance(key, (int, np.integer)) and not isinstance(key, bool) and key >= 0:
        return int(key)
    try:
        return np.asarray(jax.random.key_data(key)).ravel().tolist()
    except (TypeError, ValueError, AttributeError):
        raise DynamicsError(f"key must be an int seed >= 0 or a jax.random.key; got {key!r}.") from None


@in_float64
def fixed_point_at(network: Network, x, start="start") -> FixedPoint:
    """The :class:`FixedPoint` record of a solution ``x`` (its spectrum computed when first read)."""
    F, J = rhs_and_jacobian(jnp.asarray(x, jnp.float64), network.arrays, network.port)
    return FixedPoint(np.asarray(x, dtype=float), network.states, network.labels, np.asarray(J),
                      float(np.max(np.abs(np.asarray(F)))), start)


def _solve(network, x0, tol, how="newton"):
    """Newton (``how="newton"``) or pseudo-transient continuation then Newton (``"relax"``)."""
    x0 = jnp.asarray(x0, jnp.float64)
    if how == "relax":
        x0, _, _ = relax(x0, network.arrays, network.port)
        if not bool(jnp.all(jnp.isfinite(x0))):
            return None, float("inf")
    x, res, _ = newton(x0, network.arrays, network.port, tol)
    x, res = np.asarray(x), float(res)
    return (x if res <= ACCEPT and network.in_bounds(x) else None), res


def _relaxed(network, xs, t_rest, dt_rest):
    steps = int(round(t_rest / dt_rest))
    out = integrate(jnp.asarray(np.stack(xs), jnp.float64), network.arrays, network.port,
                    float(dt_rest), steps)
    return list(np.asarray(out))


def _check_rest(t_rest, dt_rest):
    """``(t_rest, dt_rest)`` in ms: plain numbers, or brainunit times (``50 * u.ms``) converted once."""
    out = []
    for name, value, lo in (("t_rest", t_rest, 0.0), ("dt_rest", dt_rest, 1e-300)):
        ms = None if isinstance(value, (bool, np.bool_)) else to_ms(value, name, DynamicsError)
        if not (isinstance(ms, float) and np.isfinite(ms) and ms >= lo):
            raise DynamicsError(
                f"{name} must be a finite number of ms ({'>= 0' if lo == 0 else '> 0'}); got {value!r}."
            )
        out.append(ms)
    return out


@in_float64
def fixed_points_of(network: Network, starts, *, t_rest=0.0, dt_rest=0.02, tol=1e-12) -> list:
    """Distinct fixed points reached from ``starts`` (a list of ``(name, x0)``).

    From each start: Newton directly; pseudo-transient continuation
    (:func:`~brainnet_cb.dynamics.system.relax`: implicit-Euler pseudo-time
    steps that follow the flow into a basin) then Newton; and, if ``t_rest``
    > 0, Newton after ``t_rest`` ms of delay-free RK4 integration (step
    ``dt_rest``). Solutions outside ``network.bounds`` or with a residual
    above 1e-8 /ms are dropped; two solutions closer than
    ``1e-6 (1 + max|x|)`` are one.
    """
    t_rest, dt_rest = _check_rest(t_rest, dt_rest)
    candidates = [(name, x, how) for name, x in starts for how in ("newton", "relax")]
    if t_rest > 0:
        relaxed = _relaxed(network, [x for _, x in starts], t_rest, dt_rest)
        candidates += [(name, x, "newton") for (name, _), x in zip(starts, relaxed) if np.all(np.isfinite(x))]
    found = []
    for name, x0, how in candidates:
        x, _ = _solve(network, x0, tol, how)
        if x is None:
            continue
        scale = 1e-6 * (1.0 + np.max(np.abs(x)))
        if any(np.max(np.abs(x - fp)) <= scale for fp, _ in found):
            continue
        found.append((x, name))
    points = [fixed_point_at(network, x, name) for x, name in found]
    sends = type(network.arrays.model).sends
    k = network.states.index(sends) if sends in network.states else 0
    return sorted(points, key=lambda p: (not p.stable, float(np.mean(p.values[k]))))


@in_float64
def fixed_point_of(network: Network, start=None, *, tol=1e-12) -> FixedPoint:
    """One fixed point from ``start`` (default: the model's initial state).

    Newton from ``start``; if that fails, leaves the bounds or gives an
    unstable point, pseudo-transient continuation from ``start`` (it follows
    the flow, mostly to the stable fixed point a run from ``start`` would
    settle in; its growing pseudo-time step can cross into a neighbouring
    basin: 2 of 30 random starts of a bistable 4-region network ended on
    another stable point than a long delay-free run), then Newton; then
    200 ms of delay-free RK4 at 0.01 ms. Raises :class:`DynamicsError` if
    nothing converges.
    """
    x0 = as_state(network, {} if start is None else start)
    fp = None
    for how in ("newton", "relax", "integrate"):
        x1 = x0
        if how == "integrate":
            (x1,) = _relaxed(network, [x0], 200.0, 0.01)
            if not np.all(np.isfinite(x1)):
                continue
        x, res = _solve(network, x1, tol, "relax" if how == "relax" else "newton")
        if x is not None:
            fp = fixed_point_at(network, x, "start" if how == "newton" else f"start+{how}")
            if fp.stable:
                break
    if fp is None:
        raise DynamicsError(
            f"no fixed point found from the start (last Newton residual {res:.3g} /ms) by Newton, "
            "pseudo-transient continuation or 200 ms of integration: the network may oscillate or "
            "diverge at these parameters, or sit at a saddle-node where its fixed point is lost (a "
            "coupling at or past critical_coupling(...).G_c). Try another start=, a smaller coupling, or "
            "network_fixed_points()."
        )
    return fp


@in_float64
def fixed_point_near(network: Network, at, what="at") -> FixedPoint:
    """The fixed point of ``network`` that ``at`` names or leads to.

    A :class:`FixedPoint` that is one of this network (``max |F| <= 1e-8`` /ms)
    is returned as it is; any other ``at`` (a :class:`FixedPoint` of a
    neighbouring parameter set, a dict, an array; ``None``: the model's
    initial state) is a start for :func:`fixed_point_of`, so that a
    linearisation never sits at a point that is not at rest.
    """
    if at is not None:
        x = as_state(network, at, what)  # wrong shape / non-finite: refused, naming ``what``
        if isinstance(at, FixedPoint):
            F, _ = rhs_and_jacobian(jnp.asarray(x, jnp.float64), network.arrays, network.port)
            if float(np.max(np.abs(np.asarray(F)))) <= ACCEPT:
                return at
        return fixed_point_of(network, x)
    return fixed_point_of(network)


@in_float64
def network_fixed_points(model, connectome, coupling=None, *, normalize="max", starts=None,
                         n_random=8, key=0, t_rest=0.0, dt_rest=0.02, bounds=None,
                         n_corners=N_CORNERS) -> list:
    r"""The fixed points of a network reached from a set of initial states (a multi-start search).

    Solves :math:`F(x) = 0` for the delay-free network (delays do not move a
    fixed point; see :mod:`brainnet_cb.dynamics.system`) by damped Newton with
    the exact Jacobian from each initial state, directly and after
    pseudo-transient continuation (implicit-Euler pseudo-time steps that
    follow the flow into a basin of attraction; optionally also after
    ``t_rest`` ms of delay-free RK4 integration), and returns the distinct
    solutions with their spectrum. Two or more stable points mean
    multistability.

    **Not a guarantee of completeness.** Only the points reached from the
    starts are found, and a network of :math:`n` bistable regions can have up
    to :math:`3^n` fixed points (:math:`2^n` of them stable when uncoupled).
    The starts (:func:`default_starts`) are: the model's default state,
    "low" and "high" activity, ``min(2^n - 2, n_corners)`` low/high mixes
    across regions (all of them up to 6 regions by default; beyond, each
    region alone high, each alone low, then random mixes), ``n_random``
    random states and ``starts``: :math:`3 + \min(2^n - 2, n_{corners}) +
    n_{random}` + ``len(starts)`` starts, two solves each (three with
    ``t_rest``). On the 76-region TVB connectome in the bistable regime
    (``Delta 0.7, eta -4.6, v_syn 5``, ``G = 0.3``) the 8 random starts
    alone find 9 stable points, with the default 62 mixes 71 (0.6 s -> 4 s),
    with ``n_corners=152`` (every region alone high or low) 95: the count
    grows with the starts.
    For more, raise ``n_corners`` and ``n_random``, call again with other
    keys, pass ``starts=`` (e.g. the end states of runs) or set ``t_rest``.
    The result is deterministic: the same arguments and ``key`` give the same
    points in the same order.

    Parameters
    ----------
    model : NodeModel
        Parameters scalars or one value per region.
    connectome : Connectome
        Weights ``[target, source]``, normalised by ``normalize`` as in
        :func:`brainnet_cb.simulate`.
    coupling : Coupling, default ``Linear(G=1.0)``
    normalize : {"max", "row_sum", "log1p_max", "none"}, default "max"
    starts : list of dict or array, optional
        Extra initial states (``{state: value}`` or ``(n_states, n)`` arrays).
    n_random : int, default 8
        Random initial states (see :func:`default_starts`), seeded by ``key``.
    key : int or jax.random.key, default 0
        Seeds the random starts and, beyond 6 regions, the random low/high mixes.
    t_rest, dt_rest : float or brainunit.Quantity, default 0, 0.02
        Optional delay-free RK4 relaxation before Newton (time and step, ms).
    bounds : dict, optional
        ``{state: (lo, hi)}`` physical ranges; default ``r >= 0`` for the
        Coombes–Byrne family.
    n_corners : int, default 62
        Most low/high mixes across regions used as starts (0: none).

    Returns
    -------
    list of FixedPoint
        Stable ones first, then by increasing mean sent quantity (``r``).

    References
    ----------
    .. [1] E. Montbrió, D. Pazó, A. Roxin (2015). Macroscopic description for
       networks of spiking neurons. Phys. Rev. X 5, 021028.
    .. [2] G. Rabuffo et al. (2021). Neuronal cascades shape whole-brain
       functional dynamics at rest. eNeuro 8(5).

    Examples
    --------
    >>> import brainnet_cb as bn
    >>> from brainnet_cb.dynamics import network_fixed_points
    >>> conn = bn.Connectome(weights=[[0, 1], [1, 0]], lengths=[[0, 30], [30, 0]])
    >>> fps = network_fixed_points(bn.CoombesByrne(), conn, bn.Linear(G=0.0))
    >>> len(fps), fps[0].stable, round(float(fps[0].values[0, 0]), 6)
    (1, True, 0.184726)
    """
    network = build_network(model, connectome, coupling, normalize=normalize, bounds=bounds)
    if isinstance(n_random, bool) or not isinstance(n_random, (int, np.integer)) or n_random < 0:
        raise DynamicsError(f"n_random must be an integer >= 0; got {n_random!r}.")
    if isinstance(n_corners, bool) or not isinstance(n_corners, (int, np.integer)) or n_corners < 0:
        raise DynamicsError(f"n_corners must be an integer >= 0 (low/high mixes used as starts); got {n_corners!r}.")
    extra = [] if starts is None else starts
    if not isinstance(extra, (list, tuple)):
        raise DynamicsError(
            f"starts must be a list of initial states (dicts or arrays); got {type(extra).__name__}. "
            "Wrap a single state in a list."
        )
    pts = default_starts(network, int(n_random), key, int(n_corners))
    pts += [(f"start-{j}", as_state(network, s, f"starts[{j}]")) for j, s in enumerate(extra)]
    return fixed_points_of(network, pts, t_rest=t_rest, dt_rest=dt_rest)


@in_float64
def network_fixed_point(model, connectome, coupling=None, *, normalize="max", start=None,
                        bounds=None) -> FixedPoint:
    r"""The network fixed point reached from ``start`` (default: the model's initial state).

    Solves :math:`F(x^*) = 0` for the delay-free network
    :math:`\dot x_i = f(x_i, c_i)`, :math:`c_i = G \sum_j W_{ij}\, r_j`
    (``W[target, source]``; delays do not move a fixed point) as
    :func:`fixed_point_of` does: damped Newton from ``start`` with the exact
    Jacobian; if that fails, leaves ``bounds`` or gives an unstable point,
    pseudo-transient continuation (which follows the flow into the basin a
    run from ``start`` would settle in), then 200 ms of delay-free RK4. For
    every fixed point reached from many starts (multistability), use
    :func:`network_fixed_points`.

    Parameters
    ----------
    model : NodeModel
        Parameters scalars or one value per region.
    connectome : Connectome
        Weights ``[target, source]``, normalised by ``normalize`` as in
        :func:`brainnet_cb.simulate`.
    coupling : Coupling, default ``Linear(G=1.0)``
    normalize : {"max", "row_sum", "log1p_max", "none"}, default "max"
    start : dict, array or FixedPoint, optional
        The initial state (``{state: value}``, one value or one per region,
        or an ``(n_states, n)`` array); default the model's initial state.
    bounds : dict, optional
        ``{state: (lo, hi)}`` physical ranges; default ``r >= 0`` for the
        Coombes–Byrne family.

    Returns
    -------
    FixedPoint
        The state :math:`x^*` (``values``, ``(n_states, n)``; ``state`` as a
        labelled DataArray), the residual :math:`\max|F(x^*)|` (1/ms), the
        delay-free Jacobian and its eigenvalues (1/ms), and ``stable``
        (every eigenvalue with a negative real part).

    Raises
    ------
    DynamicsError
        On bad input, or when nothing converges (the network may oscillate,
        or the coupling be past ``critical_coupling``); the message says what
        to try.

    References
    ----------
    .. [1] C. T. Kelley, D. E. Keyes (1998). Convergence analysis of
       pseudo-transient continuation. *SIAM J. Numer. Anal.* 35, 508-523.

    Examples
    --------
    >>> import brainnet_cb as bn
    >>> from brainnet_cb.dynamics import network_fixed_point
    >>> fp = network_fixed_point(bn.CoombesByrne(eta=-2.0), bn.load_atlas("tvb76"), bn.Linear(G=1.0))
    >>> fp.stable, fp.state.dims
    (True, ('state', 'region'))
    """
    network = build_network(model, connectome, coupling, normalize=normalize, bounds=bounds)
    return fixed_point_of(network, start)
