r"""The delay-free network vector field, its Jacobian and its fixed-point solvers.

With the delays at steady state (a fixed point does not depend on them), the
network of ``n`` regions with ``n_s`` state variables each is the autonomous
system

.. math::

   \dot x_i = f(x_i, c_i), \qquad
   c_i = \mathrm{post}\Big(\sum_j W_{ij}\, s(x_j),\; s(x_i),\; \sum_j W_{ij}\Big),

with ``W[target, source]``, :math:`s` the sent quantity (``model.sent``,
``r`` for Coombes–Byrne) and ``post`` the coupling's map (``G S`` for
:class:`~brainnet_cb.Linear`), the input entering the coupling's port
(``v`` for Coombes–Byrne). Everything here is generic over node models and
couplings: it only calls ``model.dfun``, ``model.sent`` and ``coupling.post``,
as the simulation engine does.

Flattening convention: the state array ``x`` has shape ``(n_s, n)``; flat
vectors and Jacobians are ordered **state-major**, index ``s * n + i``
(``r_1 .. r_n, v_1 .. v_n`` for Coombes–Byrne).
"""

from __future__ import annotations

import dataclasses
import functools
import math
from functools import partial
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from threadpoolctl import ThreadpoolController

from ..connectome import require_connectome
from ..coupling import Coupling, Linear
from ..errors import DynamicsError
from ..nodes import CoombesByrne, CoombesByrne4D, MontbrioPazoRoxin
from ..nodes.base import NodeModel
from .structured import STRUCTURED_MIN_REGIONS, solve_checked, structured_operator, structured_slogdet

__all__ = [
    "NetworkArrays",
    "Network",
    "build_network",
    "network_rhs",
    "JacobianParts",
    "jacobian_parts",
    "assemble_jacobian",
    "jacobian_slogdet",
    "rhs_and_jacobian",
    "full_jacobian",
    "newton",
    "relax",
    "integrate",
    "state_bounds",
    "in_float64",
]

#: Physical ranges of the states of the built-in models whose rate must stay >= 0
#: (a model may declare its own ``state_ranges`` class attribute instead).
_RATE_MODELS = (CoombesByrne, CoombesByrne4D, MontbrioPazoRoxin)


class NetworkArrays(NamedTuple):
    """The numeric pieces of a network (a pytree: new values reuse compiled code)."""

    model: object  # node model validated to (n,) parameters
    coupling: object  # coupling validated to (n,) parameters
    weights: jnp.ndarray  # (n, n), [target, source], normalised as in bn.simulate
    strength: jnp.ndarray  # (n,), in-strength sum_j W[i, j]


@dataclasses.dataclass(frozen=True)
class Network:
    """A network ready for working-point analysis (see :func:`build_network`)."""

    arrays: NetworkArrays
    port: str
    states: tuple
    labels: tuple
    lengths: np.ndarray
    name: str
    normalize: str
    bounds: dict

    @property
    def n(self) -> int:
        """Number of regions."""
        return len(self.labels)

    @property
    def shape(self) -> tuple:
        """Shape ``(n_states, n)`` of the state array."""
        return (len(self.states), self.n)

    def with_strength(self, G) -> Network:
        """A copy with the coupling strength ``G`` (scalar or one value per region)."""
        c = self.arrays.coupling
        G = jnp.broadcast_to(jnp.asarray(G, jnp.float64), (self.n,))
        arrays = self.arrays._replace(coupling=dataclasses.replace(c, G=G))
        return dataclasses.replace(self, arrays=arrays)

    def in_bounds(self, x) -> bool:
        """True if the state ``x`` (``(n_s, n)``) lies inside :attr:`bounds`."""
        x = np.asarray(x)
        for name, (lo, hi) in self.bounds.items():
            row = x[self.states.index(name)]
            if np.any(row < lo) or np.any(row > hi):
                return False
        return bool(np.all(np.isfinite(x)))


def in_float64(fn):
    """Run ``fn`` with JAX in float64 (``jax.enable_x64``), whatever the global setting.

    Newton to 1e-12, eigenvalues near 0 and Lyapunov solves need float64; the
    public functions of :mod:`brainnet_cb.dynamics` compute in it even when a
    session runs its simulations in float32. BLAS is held to one thread meanwhile.
    """

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        # one BLAS thread: the dense solves and eigenproblems here are small, and several
        # threads on them run 10-25x slower on a busy 2-core machine
        with jax.enable_x64(True), one_blas_thread():
            return fn(*args, **kwargs)

    return wrapper


@functools.cache
def _blas_controller() -> ThreadpoolController:
    """threadpoolctl's view of the BLAS libraries, found once (a new view reads the process's maps: ~2 ms)."""
    import scipy.linalg  # noqa: F401, PLC0415 (SciPy's own BLAS loaded first, so that the view holds it)

    return ThreadpoolController()


def one_blas_thread():
    """A context in which NumPy's and SciPy's BLAS run one thread (``threadpoolctl``)."""
    return _blas_controller().limit(limits=1, user_api="blas")


def state_bounds(model) -> dict:
    """Physical ranges ``{state: (lo, hi)}`` of a model's states.

    A model class may declare ``state_ranges``; the built-in Coombes–Byrne,
    Coombes–Byrne 4D and Montbrió–Pazó–Roxin models keep ``r >= 0`` (the
    rate of a population; their quartic also has negative, unphysical roots).
    Other models: no bounds.
    """
    declared = getattr(type(model), "state_ranges", None)
    if declared:
        return {k: (float(lo), float(hi)) for k, (lo, hi) in dict(declared).items()}
    if isinstance(model, _RATE_MODELS):
        return {"r": (0.0, math.inf)}
    return {}


@in_float64
def build_network(model, connectome, coupling=None, *, normalize="max", bounds=None) -> Network:
    """Validate a model, a connectome and a coupling into a :class:`Network`.

    Parameters
    ----------
    model : NodeModel
        E.g. ``bn.CoombesByrne(eta=-2.0)``; parameters scalars or per region.
    connectome : Connectome
        Weights ``[target, source]``; normalised by ``normalize`` exactly as
        :func:`brainnet_cb.simulate` does (:meth:`Connectome.normalized`).
    coupling : Coupling, default ``Linear(G=1.0)``
        As in :func:`brainnet_cb.simulate`.
    normalize : {"max", "row_sum", "log1p_max", "none"}, default "max"
    bounds : dict, optional
        ``{state: (lo, hi)}``: fixed points outside are discarded; default
        :func:`state_bounds`.
    """
    if not isinstance(model, NodeModel):
        raise DynamicsError(
            f"model must be a node model such as bn.CoombesByrne(eta=-2.0); got {model!r}. "
            "Pass an instance, not the class."
        )
    require_connectome(connectome, DynamicsError)
    coupling = Linear() if coupling is None else coupling
    if not isinstance(coupling, Coupling):
        raise DynamicsError(
            f"coupling must be a coupling object such as bn.Linear(G=0.5); got {coupling!r}."
        )
    type(model).check_protocol()
    conn = connectome.normalized("none" if normalize is None else normalize)
    n = conn.n_regions
    port = coupling.port(model)
    model_v = model.validated(n, jnp.float64)
    coupling_v = coupling.validated(n, jnp.float64)
    if bounds is None:
        bounds = state_bounds(model)
    elif not isinstance(bounds, dict) or any(k not in model.states for k in bounds):
        raise DynamicsError(
            f"bounds must be a dict {{state: (lo, hi)}} over the states {model.states}; got {bounds!r}."
        )
    w = np.asarray(conn.weights, dtype=float)
    arrays = NetworkArrays(model_v, coupling_v, jnp.asarray(w, jnp.float64), jnp.asarray(w.sum(axis=1), jnp.float64))
    return Network(
        arrays=arrays,
        port=port,
        states=tuple(model.states),
        labels=tuple(str(x) for x in conn.labels),
        lengths=np.asarray(conn.lengths, dtype=float),
        name=str(conn.name),
        normalize="none" if normalize is None else normalize,
        bounds=dict(bounds),
    )


def network_rhs(x, arrays: NetworkArrays, port: str):
    """The delay-free network vector field ``dx/dt`` (1/ms), shape ``(n_s, n)``."""
    sent = arrays.model.sent(x)
    S = arrays.weights @ sent
    c = arrays.coupling.post(S, sent, arrays.strength)
    return arrays.model.dfun(x, {port: c})


def _flat_rhs(xf, arrays, port, shape):
    return network_rhs(xf.reshape(shape), arrays, port).ravel()


class JacobianParts(NamedTuple):
    r"""The pieces of the delay-free Jacobian at a state ``x`` (node models act region by region).

    .. math::

       \frac{\partial \dot x_{s,i}}{\partial x_{s',j}} =
       \delta_{ij}\, L_{s s' i} + P_{s i}\,\big(a_i W_{ij} + \delta_{ij} b_i\big)\, D_{s' j}

    with the local block :math:`L` (input held fixed), the port sensitivity
    :math:`P = \partial f / \partial c`, the coupling's
    :math:`a = \partial\,\mathrm{post} / \partial S` (``G`` for ``Linear``)
    and :math:`b = \partial\,\mathrm{post} / \partial\,\mathrm{local}`
    (``-G s_i`` for ``Diffusive``), and :math:`D = \partial\,\mathrm{sent} / \partial x`.
    """

    local: jnp.ndarray  # (n_s, n_s, n): L[s, s', i]
    port: jnp.ndarray  # (n_s, n): P[s, i]
    a: jnp.ndarray  # (n,)
    b: jnp.ndarray  # (n,)
    sent: jnp.ndarray  # (n_s, n): D[s', j]


def jacobian_parts(x, arrays: NetworkArrays, port: str) -> JacobianParts:
    """:class:`JacobianParts` at ``x`` (``(n_s, n)``), from ``2 n_s + 3`` forward-mode products."""
    model, coupling = arrays.model, arrays.coupling
    ns, n = x.shape
    sent = model.sent(x)
    S = arrays.weights @ sent
    c = coupling.post(S, sent, arrays.strength)
    ones = jnp.ones((n,), x.dtype)
    units = jnp.eye(ns, dtype=x.dtype)[:, :, None] * ones  # (n_s, n_s, n): unit tangent per state row
    f_x = lambda y: model.dfun(y, {port: c})  # noqa: E731
    local = jax.vmap(lambda e: jax.jvp(f_x, (x,), (e,))[1], out_axes=1)(units)
    dsent = jax.vmap(lambda e: jax.jvp(model.sent, (x,), (e,))[1])(units)
    P = jax.jvp(lambda cc: model.dfun(x, {port: cc}), (c,), (ones,))[1]
    a = jax.jvp(lambda SS: coupling.post(SS, sent, arrays.strength), (S,), (ones,))[1]
    b = jax.jvp(lambda loc: coupling.post(S, loc, arrays.strength), (sent,), (ones,))[1]
    return JacobianParts(local, P, a, b, dsent)


def assemble_jacobian(parts: JacobianParts, weights):
    r"""The dense Jacobian ``(n_s n, n_s n)`` (state-major) from :class:`JacobianParts`.

    ``weights`` is :math:`W` for the delay-free Jacobian, or
    :math:`W \circ e^{-\lambda \tau}` for the characteristic matrix of the
    delayed system (complex).
    """
    ns, _, n = parts.local.shape
    eye = jnp.eye(n, dtype=parts.local.dtype)
    coup = parts.a[:, None] * weights + jnp.diag(parts.b)  # (n, n)
    blocks = parts.local[:, :, :, None] * eye + (
        parts.port[:, None, :, None] * coup[None, None] * parts.sent[None, :, None, :]
    )  # (s, s', i, j)
    return blocks.transpose(0, 2, 1, 3).reshape(ns * n, ns * n)


#: :func:`jacobian_parts` compiled once per network shape (called eagerly, its ~60 operations compiled one by one:
#: ~2 s of CPU on each first call of network_spectrum, delayed_unstable_roots, delayed_leading_eigenvalue).
jacobian_parts_compiled = jax.jit(jacobian_parts, static_argnames=("port",))


def _jac(x, arrays, port):
    return assemble_jacobian(jacobian_parts(x, arrays, port), arrays.weights)


@partial(jax.jit, static_argnames=("port",))
def jacobian_slogdet(x, arrays: NetworkArrays, port: str):
    """``(sign, log|det J|)`` of the delay-free Jacobian at ``x`` (:func:`structured_slogdet`), not assembled."""
    return structured_slogdet(jacobian_parts(x, arrays, port), arrays.weights)


@partial(jax.jit, static_argnames=("port",))
def rhs_and_jacobian(x, arrays: NetworkArrays, port: str):
    """``(F, J)``: the vector field ``(n_s, n)`` and its Jacobian ``(n_s n, n_s n)``, state-major."""
    return network_rhs(x, arrays, port), _jac(x, arrays, port)


@partial(jax.jit, static_argnames=("port",))
def full_jacobian(x, arrays: NetworkArrays, port: str):
    """The Jacobian by ``jax.jacfwd`` over all ``n_s n`` directions (a check of :func:`rhs_and_jacobian`)."""
    f = partial(_flat_rhs, arrays=arrays, port=port, shape=x.shape)
    return jax.jacfwd(f)(x.ravel())


@partial(jax.jit, static_argnames=("port", "max_iter"))
def newton(x0, arrays: NetworkArrays, port: str, tol=1e-12, max_iter: int = 60):
    r"""Damped Newton iteration on :math:`F(x) = 0` from ``x0`` (``(n_s, n)``).

    Each step solves :math:`J \delta = -F` (:func:`~brainnet_cb.dynamics.structured.structured_solve`: an
    ``n x n`` factorisation, the dense one where that fails or for fewer than
    32 regions) and halves the step (at most 20
    times) until :math:`\|F\|_\infty` decreases (Armijo with
    :math:`10^{-4}`); stops when :math:`\|F\|_\infty \le` ``tol``, on
    stagnation, or after ``max_iter`` steps.

    Returns
    -------
    (x, residual, iterations)
        The last iterate, its :math:`\|F\|_\infty` and the steps taken.
    """
    shape = x0.shape
    f = partial(_flat_rhs, arrays=arrays, port=port, shape=shape)
    norm = lambda v: jnp.max(jnp.abs(v))  # noqa: E731

    def cond(c):
        it, _, _, nf, moved = c
        return (it < max_iter) & (nf > tol) & jnp.isfinite(nf) & moved

    def body(c):
        it, x, fx, nf, _ = c
        dx = _jacobian_solve(jacobian_parts(x.reshape(shape), arrays, port), arrays.weights, -fx, shape)

        def bt_cond(s):
            t, _, _, nfn = s
            bad = ~jnp.isfinite(nfn) | (nfn > (1.0 - 1e-4 * t) * nf)
            return bad & (t > 2.0**-20)

        def bt_body(s):
            t = s[0] * 0.5
            xn = x + t * dx
            fn = f(xn)
            return t, xn, fn, norm(fn)

        xn = x + dx
        fn = f(xn)
        t, xn, fn, nfn = jax.lax.while_loop(bt_cond, bt_body, (1.0, xn, fn, norm(fn)))
        ok = jnp.isfinite(nfn) & (nfn < nf)
        return (it + 1, jnp.where(ok, xn, x), jnp.where(ok, fn, fx), jnp.where(ok, nfn, nf), ok)

    x0f = x0.ravel()
    f0 = f(x0f)
    init = (0, x0f, f0, norm(f0), jnp.asarray(True))
    it, x, _, nf, _ = jax.lax.while_loop(cond, body, init)
    return x.reshape(shape), nf, it


def _jacobian_solve(parts, weights, rhs, shape, h=None):
    """:math:`(J - I/h)^{-1}` ``rhs`` (``J`` alone where ``h`` is None), flat; structured from
    :data:`STRUCTURED_MIN_REGIONS` regions (:func:`solve_checked`), dense below."""
    if shape[1] < STRUCTURED_MIN_REGIONS:
        J = assemble_jacobian(parts, weights)
        return jnp.linalg.solve(J if h is None else J - jnp.eye(J.shape[0], dtype=J.dtype) / h, rhs)
    op = structured_operator(parts, weights)
    if h is not None:
        op = op._replace(local=op.local - jnp.eye(shape[0], dtype=op.local.dtype)[:, :, None] / h)
    return solve_checked(op, rhs.reshape(shape))[0].ravel()


@partial(jax.jit, static_argnames=("port", "max_iter"))
def relax(x0, arrays: NetworkArrays, port: str, h0=0.05, tol=1e-10, max_iter: int = 500):
    r"""Pseudo-transient continuation from ``x0`` towards a stable fixed point.

    Implicit-Euler steps of the delay-free flow with a growing pseudo-time
    step :math:`h` (ms), :math:`(I/h - J)\,\delta = F(x)`, :math:`x \leftarrow
    x + \delta` (:math:`I/h - J` is block diagonal plus low rank as :math:`J`
    is: solved as in :func:`~brainnet_cb.dynamics.structured.structured_solve` from 32 regions), with the
    switched-evolution-relaxation rule
    :math:`h \leftarrow h\,\|F_\mathrm{old}\| / \|F_\mathrm{new}\|` (a step that
    makes the state non-finite is refused and :math:`h` quartered). Small
    steps follow the trajectory into the basin of an attractor; as
    :math:`\|F\| \to 0`, :math:`h \to \infty` and the iteration becomes
    Newton's (Kelley & Keyes 1998, SIAM J. Numer. Anal. 35, 508).

    Returns
    -------
    (x, residual, iterations)
    """
    shape = x0.shape
    f = partial(_flat_rhs, arrays=arrays, port=port, shape=shape)
    norm = lambda v: jnp.max(jnp.abs(v))  # noqa: E731

    def cond(c):
        it, _, _, nf, h = c
        return (it < max_iter) & (nf > tol) & (h > 1e-12)

    def body(c):
        it, x, fx, nf, h = c
        # (I/h - J) step = F, solved as (J - I/h) step = -F
        step = _jacobian_solve(jacobian_parts(x.reshape(shape), arrays, port), arrays.weights, -fx, shape, h)
        xn = x + step
        fn = f(xn)
        nfn = norm(fn)
        ok = jnp.isfinite(nfn)
        h_new = jnp.where(ok, jnp.clip(h * nf / jnp.where(ok, nfn, 1.0), h / 2, 2 * h), h / 4)
        return (it + 1, jnp.where(ok, xn, x), jnp.where(ok, fn, fx), jnp.where(ok, nfn, nf), h_new)

    x0f = x0.ravel()
    f0 = f(x0f)
    it, x, _, nf, _ = jax.lax.while_loop(cond, body, (0, x0f, f0, norm(f0), jnp.asarray(h0, x0.dtype)))
    return x.reshape(shape), nf, it


@partial(jax.jit, static_argnames=("port", "steps"))
def integrate(x0, arrays: NetworkArrays, port: str, dt, steps: int):
    """Advance a batch of states ``(b, n_s, n)`` by ``steps`` RK4 steps of ``dt`` (ms), delay-free."""

    def one(x):
        def step(y, _):
            k1 = network_rhs(y, arrays, port)
            k2 = network_rhs(y + 0.5 * dt * k1, arrays, port)
            k3 = network_rhs(y + 0.5 * dt * k2, arrays, port)
            k4 = network_rhs(y + dt * k3, arrays, port)
            return y + dt / 6.0 * (k1 + 2 * k2 + 2 * k3 + k4), None

        y, _ = jax.lax.scan(step, x, None, length=steps)
        return y

    return jax.vmap(one)(x0)
