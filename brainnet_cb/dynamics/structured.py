r"""The delay-free Jacobian as block diagonal plus low rank: structured solves, determinants and inverse rows.

The Jacobian of :mod:`brainnet_cb.dynamics.system` (its
:class:`~brainnet_cb.dynamics.system.JacobianParts`) is

.. math::

   J = \mathrm{blockdiag}_i(L_i) + U K V^\top, \qquad
   K = \mathrm{diag}(a)\,W + \mathrm{diag}(b),

``n`` local ``n_s x n_s`` blocks and a rank-``n`` coupling term. The Woodbury
identity and the matrix determinant lemma turn its solves, determinant and
inverse rows into one ``n x n`` LU factorisation instead of one of
``n_s n``. Every result is checked (its backward error against
:data:`STRUCTURED_TOL`, the local blocks' conditioning, finiteness) and the
dense computation of the assembled matrix is used where the check fails.
State-major flattening (index ``s * n + i``), as in the system module.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, NamedTuple

import jax
import jax.numpy as jnp

if TYPE_CHECKING:
    from .system import JacobianParts

__all__ = [
    "STRUCTURED_TOL",
    "structured_solve",
    "structured_slogdet",
    "structured_inverse_rows",
    "structured_inverse_rows_slogdet",
]


#: Largest normwise backward error :math:`\|A x - f\|_\infty / \|\,|A|\,|x| + |f|\,\|_\infty` accepted from a
#: structured solve (a dense LU with partial pivoting reaches ~1e-16 to 1e-14 on these matrices): above it, or
#: where anything is not finite, the dense factorisation is used instead.
STRUCTURED_TOL = 1e-12
#: Fewest regions for which :func:`newton` and :func:`relax` solve structurally: below, the dense solve is as
#: fast (``n_s n`` <= 64) and compiling the structured path with its fallback would cost more than it saves.
STRUCTURED_MIN_REGIONS = 32
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


def structured_operator(parts: JacobianParts, weights) -> _Structured:
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


def solve_checked(op: _Structured, f):
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
    op = structured_operator(parts, weights)
    x, _ = solve_checked(op, jnp.reshape(f, parts.port.shape))
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
    sign, logdet, _ = _slogdet_checked(structured_operator(parts, weights))
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
    B, sign, logdet, _ = _inverse_rows_checked(structured_operator(parts, weights), row)
    return B, sign, logdet
