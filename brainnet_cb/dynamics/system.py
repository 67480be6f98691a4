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

__all__ = [
    "NetworkArrays",
    "Network",
    "build_network",
    "network_rhs",
    "JacobianParts",
    "jacobian_parts",
    "assemble_jacobian",
    "structured_solve",
    "structured_slogdet",
    "structured_inverse_rows",
    "structured_inverse_rows_slogdet",
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


def _jac(x, arrays, port):
    return assemble_jacobian(jacobian_parts(x, arrays, port), arrays.weights)


# --- the Jacobian as block diagonal plus low rank -------------------------------------------------------------------

#: Largest normwise backward error :math:`\|A x - f\|_\infty / \|\,|A|\,|x| + |f|\,\|_\infty` accepted from a
#: structured solve (a dense LU with partial pivoting reaches ~1e-16 to 1e-14 on these matrices): above it, or
#: where anything is not finite, the dense factorisation is used instead.
STRUCTURED_TOL = 1e-12
#: Fewest regions for which :func:`newton` and :func:`relax` solve structurally: below, the dense solve is as
#: fast (``n_s n`` <= 64) and compiling the structured path with its fallback would cost more than it saves.
_STRUCTURED_MIN_REGIONS = 32
#: Smallest :math:`|\det L_i| / \max|L_i|^{n_s}` of a local block for the structured path (a block closer to
#: singular than round-off sends the whole computation to the dense path).
_LOCAL_RCOND = 1e-13


class _Structured(NamedTuple):
    r"""The matrix :math:`A = \mathrm{blockdiag}_i(\Lambda_i) + U C V^\top` (state-major, ``n_s n`` square).

    ``local`` is :math:`\Lambda` ``(n_s, n_s, n)``, ``port`` the columns of
    :math:`U` (:math:`U_{(s,i),k} = P_{si}\delta_{ik}`), ``coupling`` :math:`C`
    ``(n, n)`` and ``sent`` those of :math:`V` (:math:`V_{(s,j),k} = D_{sj}\delta_{jk}`).
    """

    local: jnp.ndarray
    port: jnp.ndarray
    coupling: jnp.ndarray
    sent: jnp.ndarray


def _coupling_matrix(parts: JacobianParts, weights):
    r""":math:`K = \mathrm{diag}(a)\,W + \mathrm{diag}(b)`, ``(n, n)``."""
    return parts.a[:, None] * weights + jnp.diag(parts.b)


def _operator(parts: JacobianParts, weights) -> _Structured:
    """The delay-free Jacobian of :class:`JacobianParts` as a :class:`_Structured` matrix."""
    return _Structured(parts.local, parts.port, _coupling_matrix(parts, weights), parts.sent)


def _dense(op: _Structured):
    """The dense ``(n_s n, n_s n)`` matrix of a :class:`_Structured` one (as :func:`assemble_jacobian`)."""
    ns, _, n = op.local.shape
    eye = jnp.eye(n, dtype=op.local.dtype)
    blocks = op.local[:, :, :, None] * eye + (
        op.port[:, None, :, None] * op.coupling[None, None] * op.sent[None, :, None, :]
    )
    return blocks.transpose(0, 2, 1, 3).reshape(ns * n, ns * n)


def _apply(op: _Structured, x, absolute=False):
    r""":math:`A x` for ``x`` ``(n_s, n)`` in :math:`O(n^2)`; ``absolute``: :math:`|\Lambda| x + |U|\,|C|\,|V|^\top x`
    (an upper bound of :math:`|A|\,x` for ``x >= 0``, the scale of a backward error)."""
    f = jnp.abs if absolute else (lambda v: v)
    y = jnp.sum(f(op.sent) * x, axis=0)  # V^T x, (n,)
    return jnp.einsum("abi,bi->ai", f(op.local), x) + f(op.port) * (f(op.coupling) @ y)


def _backward_error(op: _Structured, x, f):
    r"""Normwise backward error of ``x`` as a solution of :math:`A x = f` (:data:`STRUCTURED_TOL`); NaN if not
    finite."""
    r = _apply(op, x) - f
    scale = jnp.max(_apply(op, jnp.abs(x), absolute=True) + jnp.abs(f))
    err = jnp.max(jnp.abs(r)) / jnp.where(scale > 0, scale, 1.0)
    return jnp.where(jnp.all(jnp.isfinite(x)), err, jnp.nan)


class _Factors(NamedTuple):
    r"""The local solves of a :class:`_Structured` matrix and the LU factors of its ``n x n`` capacitance matrix."""

    local_inv: jnp.ndarray  # (n, n_s, n_s): Lambda_i^{-1}
    p: jnp.ndarray  # (n, n_s): Lambda_i^{-1} P_i
    e: jnp.ndarray  # (n, n_s): Lambda_i^{-T} D_i
    lu: tuple  # LU factors of I + diag(m) C, m_i = D_i^T Lambda_i^{-1} P_i
    local_sign: jnp.ndarray  # prod_i sign det Lambda_i
    local_logdet: jnp.ndarray  # sum_i log |det Lambda_i|
    local_ok: jnp.ndarray  # every Lambda_i farther from singular than _LOCAL_RCOND


def _factor(op: _Structured) -> _Factors:
    """:class:`_Factors` of ``op``: ``n`` local ``n_s x n_s`` inverses and one ``n x n`` LU factorisation.

    A local block that is singular, closer to it than :data:`_LOCAL_RCOND` or not finite is replaced by the
    identity (and ``local_ok`` is False: the caller falls back to the dense path), so that nothing here is
    infinite: a derivative taken through the dense fallback then never meets ``0 * inf`` in this unused branch.
    """
    ns, _, n = op.local.shape
    Lb = jnp.moveaxis(op.local, -1, 0)  # (n, n_s, n_s)
    sign0, logdet0 = jnp.linalg.slogdet(jax.lax.stop_gradient(Lb))
    scale = jnp.max(jnp.abs(jax.lax.stop_gradient(Lb)), axis=(1, 2))
    rcond = jnp.exp(logdet0 - ns * jnp.log(jnp.where(scale > 0, scale, 1.0)))
    good = (sign0 != 0) & (rcond > _LOCAL_RCOND) & jnp.all(jnp.isfinite(jax.lax.stop_gradient(Lb)), axis=(1, 2))
    Lb = jnp.where(good[:, None, None], Lb, jnp.eye(ns, dtype=Lb.dtype))
    sign, logdet = jnp.linalg.slogdet(Lb)
    inv = jnp.linalg.inv(Lb)
    p = jnp.einsum("iab,bi->ia", inv, op.port)
    e = jnp.einsum("iba,bi->ia", inv, op.sent)
    m = jnp.sum(op.sent.T * p, axis=1)
    cap = jnp.eye(n, dtype=op.coupling.dtype) + m[:, None] * op.coupling
    return _Factors(inv, p, e, jax.scipy.linalg.lu_factor(cap), jnp.prod(sign), jnp.sum(logdet), jnp.all(good))


def _factored_solve(op: _Structured, fac: _Factors, f):
    r""":math:`A^{-1} f` for ``f`` ``(n_s, n)`` from :class:`_Factors` (Woodbury; see :func:`structured_solve`)."""
    z = jnp.einsum("iab,bi->ia", fac.local_inv, f)  # Lambda^{-1} f, (n, n_s)
    y = jax.scipy.linalg.lu_solve(fac.lu, jnp.sum(op.sent.T * z, axis=1))
    return (z - fac.p * (op.coupling @ y)[:, None]).T


def _factored_slogdet(fac: _Factors):
    """``(sign, log|det|)`` of the matrix of :class:`_Factors`: the local determinants times the capacitance's."""
    lu, piv = fac.lu
    d = jnp.diag(lu)
    swaps = jnp.sum(piv != jnp.arange(piv.shape[0], dtype=piv.dtype))
    sign = fac.local_sign * jnp.prod(jnp.sign(d)) * jnp.where(swaps % 2 == 0, 1.0, -1.0).astype(d.dtype)
    return sign, fac.local_logdet + jnp.sum(jnp.log(jnp.abs(d)))


def _probe(shape, dtype):
    """A fixed right-hand side with every entry in [0.5, 1.5] (the check of a factorisation)."""
    k = jnp.arange(shape[0] * shape[1], dtype=dtype).reshape(shape)
    return 1.0 + 0.5 * jnp.sin(0.7 * k + 0.3)


def _solve_checked(op: _Structured, f):
    """``(x, structured)``: :math:`A^{-1} f` structured where its backward error passes, else the dense solve."""
    fac = _factor(op)
    x = _factored_solve(op, fac, f)
    ok = fac.local_ok & (_backward_error(op, x, f) <= STRUCTURED_TOL)  # False for NaN
    x = jax.lax.cond(ok, lambda: x, lambda: jnp.linalg.solve(_dense(op), f.ravel()).reshape(f.shape))
    return x, ok


def _slogdet_checked(op: _Structured):
    """``(sign, log|det|, structured)``; the dense ``slogdet`` where the factorisation fails its probe solve."""
    fac = _factor(op)
    f = _probe(op.port.shape, op.coupling.dtype)
    ok = fac.local_ok & (_backward_error(op, _factored_solve(op, fac, f), f) <= STRUCTURED_TOL)
    sign, logdet = jax.lax.cond(ok, lambda: _factored_slogdet(fac), lambda: tuple(jnp.linalg.slogdet(_dense(op))))
    return sign, logdet, ok


def _inverse_rows_factored(op: _Structured, row: int):
    r"""``(B, sign, log|det|, structured)`` of :func:`_inverse_rows_checked` and the :class:`_Factors` they came from
    (computed on both paths: a derivative of ``B`` reuses them)."""
    ns, _, n = op.local.shape
    fac = _factor(op)
    # C = K (I + diag(m) K)^{-1}: C^T solves (I + diag(m) K)^T C^T = K^T
    Cm = jax.scipy.linalg.lu_solve(fac.lu, op.coupling.T, trans=1).T
    eye = jnp.eye(n, dtype=Cm.dtype)
    B = (eye[:, None, :] * fac.local_inv[:, row, :][:, :, None]
         - (fac.p[:, row][:, None] * Cm)[:, None, :] * fac.e.T[None, :, :]).reshape(n, ns * n)
    v = _probe((ns, n), Cm.dtype)
    Av = _apply(op, v)
    scale = jnp.max(jnp.abs(B) @ _apply(op, v, absolute=True).ravel())
    err = jnp.max(jnp.abs(B @ Av.ravel() - v[row])) / jnp.where(scale > 0, scale, 1.0)
    ok = fac.local_ok & jnp.all(jnp.isfinite(B)) & (err <= STRUCTURED_TOL)

    def dense():
        A = _dense(op)
        return jnp.linalg.inv(A)[row * n:(row + 1) * n], *jnp.linalg.slogdet(A)

    B, sign, logdet = jax.lax.cond(ok, lambda: (B, *_factored_slogdet(fac)), dense)
    return B, sign, logdet, ok, fac


@partial(jax.custom_vjp, nondiff_argnums=(1,))
def _inverse_rows_checked(op: _Structured, row: int):
    r"""``(B, sign, log|det|, structured)``: the rows of :math:`A^{-1}` of state ``row``, ``(n, n_s n)``, and
    :math:`\mathrm{slogdet}\,A`, from one factorisation; checked by :math:`B (A v) = v_\mathrm{row}` for the probe
    ``v`` (dense ``inv`` and ``slogdet`` where that fails).

    Differentiable in ``B`` by :func:`_inverse_rows_vjp` (the sign, the log-determinant and the flag carry no
    derivative).
    """
    return _inverse_rows_factored(op, row)[:4]


def _inverse_rows_forward(op: _Structured, row: int):
    B, sign, logdet, ok, fac = _inverse_rows_factored(op, row)
    return (B, sign, logdet, ok), (op, B, ok, fac)


def _inverse_rows_vjp(row: int, residuals, cotangents):
    r"""The derivative of :math:`B = R A^{-1}` (the rows of state ``row``) with respect to the parts of ``A``.

    From :math:`dB = -B\,dA\,A^{-1}`, the cotangent of :math:`A` is
    :math:`\bar A = -B^\top Y` with :math:`Y = \bar B A^{-\top}`, i.e. :math:`Y_k = A^{-1} \bar B_k` for every row
    ``k`` of :math:`\bar B` (``n`` solves from the forward factorisation; dense where it failed its check), and
    only the entries of :math:`\bar A` that the structure holds are formed:

    .. math::

       \bar\Lambda_{ab,i} = -\sum_k B_{k,(a,i)} Y_{k,(b,i)}, \qquad
       \bar C = -\tilde B^\top \tilde Y, \qquad
       \bar P_{ai} = -\sum_k B_{k,(a,i)}\,(\tilde Y C^\top)_{ki}, \qquad
       \bar D_{bj} = -\sum_k Y_{k,(b,j)}\,(\tilde B C)_{kj},

    with :math:`\tilde B_{ki} = \sum_a P_{ai} B_{k,(a,i)}` and :math:`\tilde Y_{kj} = \sum_b D_{bj} Y_{k,(b,j)}`:
    one ``n``-column solve and three ``n x n x n`` products, where differentiating through the LU (its
    triangular solves and pivoting) took four times the forward's time at ``n = 400``.
    """
    op, B, ok, fac = residuals
    B_bar = cotangents[0]
    ns, _, n = op.local.shape
    rhs = B_bar.reshape(n, ns, n)
    Y = jax.lax.cond(ok, lambda: jax.vmap(lambda f: _factored_solve(op, fac, f))(rhs),
                     lambda: jnp.linalg.solve(_dense(op), B_bar.T).T.reshape(n, ns, n))
    Bk = B.reshape(n, ns, n)
    B_port = jnp.einsum("ai,kai->ki", op.port, Bk)
    Y_sent = jnp.einsum("bj,kbj->kj", op.sent, Y)
    return (_Structured(local=-jnp.einsum("kai,kbi->abi", Bk, Y),
                        port=-jnp.einsum("kai,ki->ai", Bk, Y_sent @ op.coupling.T),
                        coupling=-B_port.T @ Y_sent,
                        sent=-jnp.einsum("kbj,kj->bj", Y, B_port @ op.coupling)),)


_inverse_rows_checked.defvjp(_inverse_rows_forward, _inverse_rows_vjp)


def structured_solve(parts: JacobianParts, weights, f):
    r"""Solve :math:`J x = f` for the delay-free Jacobian from its :class:`JacobianParts`, in :math:`O(n^3)` not
    :math:`O((n_s n)^3)`.

    The Jacobian is block diagonal plus a rank-``n`` term,

    .. math::

       J = \mathrm{blockdiag}_i(L_i) + U K V^\top, \qquad
       K = \mathrm{diag}(a)\,W + \mathrm{diag}(b),

    :math:`U_{(s,i),k} = P_{si}\,\delta_{ik}`, :math:`V_{(s',j),k} = D_{s'j}\,\delta_{jk}`.
    With :math:`p_i = L_i^{-1} P_i` and :math:`m_i = D_i^\top p_i` (``n`` local
    :math:`n_s \times n_s` solves), the Woodbury identity reduces the solve to
    the ``n x n`` system

    .. math::

       (I + \mathrm{diag}(m)\,K)\, y = V^\top L^{-1} f, \qquad
       x = L^{-1} (f - U K y),

    (:math:`y = V^\top x`, the sent perturbation): one ``n x n`` LU instead of
    one of :math:`n_s n`, about :math:`n_s^3` times fewer flops.

    The result is checked: where a local block is singular or ill-conditioned
    (:math:`|\det L_i| / \max|L_i|^{n_s} \le 10^{-13}`), or the normwise
    backward error :math:`\|J x - f\|_\infty / \|\,|J|\,|x| + |f|\,\|_\infty`
    (a structured :math:`O(n^2)` product) exceeds :data:`STRUCTURED_TOL`, or
    anything is not finite, the dense solve of the assembled Jacobian is
    returned instead (``jax.lax.cond``: only one branch runs). A result that
    passes is as accurate as a backward-stable dense solve. Differentiable by
    JAX.

    Parameters
    ----------
    parts : JacobianParts
        At the state of interest (:func:`jacobian_parts`).
    weights : array (n, n)
        :math:`W` (``arrays.weights``).
    f : array (n_s, n) or (n_s n,)
        Right-hand side (state-major when flat).

    Returns
    -------
    array, the shape of ``f``
    """
    op = _operator(parts, weights)
    x, _ = _solve_checked(op, jnp.reshape(f, parts.port.shape))
    return x.reshape(jnp.shape(f))


def structured_slogdet(parts: JacobianParts, weights):
    r"""``(sign, log|det J|)`` of the delay-free Jacobian from :class:`JacobianParts` (see :func:`structured_solve`).

    By the matrix determinant lemma,

    .. math::

       \det J = \prod_i \det L_i \;\cdot\; \det\big(I + \mathrm{diag}(m)\,K\big),

    ``n`` tiny local determinants and one ``n x n`` LU factorisation. The
    factorisation is checked by a structured solve of a fixed right-hand side
    (its backward error, as in :func:`structured_solve`, and the local blocks'
    conditioning); where that fails the dense ``slogdet`` of the assembled
    Jacobian is returned. The sign is what decides a fold (a real eigenvalue
    crossing zero) along a branch.

    Returns
    -------
    (sign, logabsdet)
        As :func:`jax.numpy.linalg.slogdet`.
    """
    sign, logdet, _ = _slogdet_checked(_operator(parts, weights))
    return sign, logdet


def structured_inverse_rows(parts: JacobianParts, weights, row: int):
    r"""The rows of :math:`J^{-1}` of the state ``row``, ``(n, n_s n)``, from :class:`JacobianParts`.

    From the Woodbury identity (notation of :func:`structured_solve`),

    .. math::

       J^{-1} = L^{-1} - L^{-1} U\, K (I + \mathrm{diag}(m)\,K)^{-1}\, V^\top L^{-1},

    so with :math:`C = K (I + \mathrm{diag}(m)\,K)^{-1}` (one ``n x n`` LU and
    ``n`` right-hand sides), :math:`p_i = L_i^{-1} P_i` and
    :math:`e_j = L_j^{-\top} D_j`,

    .. math::

       [J^{-1}]_{(r,i),(s,j)} = \delta_{ij}\,[L_i^{-1}]_{rs} - p_{i,r}\, C_{ij}\, e_{j,s}.

    Checked by :math:`B\,(J v) = v_r` for a fixed probe ``v`` (backward error
    against :data:`STRUCTURED_TOL`, the local blocks' conditioning,
    finiteness); where that fails the rows of the dense inverse are returned.
    Differentiable by JAX (the slow-limit FC of the effective-connectivity fit
    is).
    """
    B, _, _ = structured_inverse_rows_slogdet(parts, weights, row)
    return B


def structured_inverse_rows_slogdet(parts: JacobianParts, weights, row: int):
    r"""``(B, sign, log|det J|)``: :func:`structured_inverse_rows` and :func:`structured_slogdet` from one
    factorisation (both checked as there; dense ``inv`` and ``slogdet`` together where the check fails).

    The sign of the determinant tells a fit whether a step took a real
    eigenvalue of :math:`J` across zero. Differentiable by JAX in ``B``.
    """
    B, sign, logdet, _ = _inverse_rows_checked(_operator(parts, weights), row)
    return B, sign, logdet


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

    Each step solves :math:`J \delta = -F` (:func:`structured_solve`: an
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
    :data:`_STRUCTURED_MIN_REGIONS` regions (:func:`_solve_checked`), dense below."""
    if shape[1] < _STRUCTURED_MIN_REGIONS:
        J = assemble_jacobian(parts, weights)
        return jnp.linalg.solve(J if h is None else J - jnp.eye(J.shape[0], dtype=J.dtype) / h, rhs)
    op = _operator(parts, weights)
    if h is not None:
        op = op._replace(local=op.local - jnp.eye(shape[0], dtype=op.local.dtype)[:, :, None] / h)
    return _solve_checked(op, rhs.reshape(shape))[0].ravel()


@partial(jax.jit, static_argnames=("port", "max_iter"))
def relax(x0, arrays: NetworkArrays, port: str, h0=0.05, tol=1e-10, max_iter: int = 500):
    r"""Pseudo-transient continuation from ``x0`` towards a stable fixed point.

    Implicit-Euler steps of the delay-free flow with a growing pseudo-time
    step :math:`h` (ms), :math:`(I/h - J)\,\delta = F(x)`, :math:`x \leftarrow
    x + \delta` (:math:`I/h - J` is block diagonal plus low rank as :math:`J`
    is: solved as in :func:`structured_solve` from 32 regions), with the switched-evolution-relaxation rule
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
