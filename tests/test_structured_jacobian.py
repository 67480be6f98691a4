"""The delay-free Jacobian as block diagonal plus low rank: structured solve, det J and rows of J^{-1}.

J = blockdiag_i(L_i) + U K V^T (``JacobianParts``); the structured results must equal the dense LAPACK
ones to round-off on stable networks of every node model and coupling kind, and fall back to the dense
path exactly where the local blocks make the reduction unsound.
"""

from functools import partial

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import brainnet_cb as bn
from brainnet_cb.dynamics.fixed_points import as_state, fixed_point_at, fixed_point_of
from brainnet_cb.dynamics.structured import (
    STRUCTURED_MIN_REGIONS,
    STRUCTURED_TOL,
    _backward_error,
    _dense,
    _factor,
    _factored_solve,
    _inverse_rows_checked,
    _slogdet_checked,
    solve_checked,
    structured_inverse_rows,
    structured_inverse_rows_slogdet,
    structured_operator,
    structured_slogdet,
    structured_solve,
)
from brainnet_cb.dynamics.system import (
    assemble_jacobian,
    build_network,
    in_float64,
    integrate,
    jacobian_parts,
    jacobian_slogdet,
    newton,
    relax,
    rhs_and_jacobian,
)

RTOL = 1e-10
CASES = {
    "cb-linear": (lambda: bn.CoombesByrne(eta=-5.0), lambda: bn.Linear(G=0.6)),
    "cb-diffusive": (lambda: bn.CoombesByrne(eta=-5.0), lambda: bn.Diffusive(G=0.6)),
    "mpr-linear": (lambda: bn.MontbrioPazoRoxin(), lambda: bn.Linear(G=0.4)),
    "cb4d-linear": (lambda: bn.CoombesByrne4D(eta=0.0), lambda: bn.Linear(G=0.3)),  # n_s = 4
    # n_s = 6, the sent rate a function of two states (y1 - y2), the input on its own port p: the structure
    # holds at any state; this network oscillates (its fixed point is unstable), which the algebra does not mind
    "jr-linear": (lambda: bn.JansenRit(), lambda: bn.Linear(G=0.1)),
}
UNSTABLE_OK = {"jr-linear"}


def _connectome(n, seed):
    rng = np.random.default_rng(seed)
    w = rng.lognormal(0.0, 1.0, (n, n)) * (rng.random((n, n)) < 0.3)
    w = (w + w.T) / 2
    np.fill_diagonal(w, 0.0)
    return bn.Connectome(w, rng.uniform(10.0, 100.0, (n, n)))


def _stable_case(name, n=40, seed=0):
    """(network, parts, dense J) at the stable fixed point of a seeded random network."""
    model, coupling = CASES[name]
    network = build_network(model(), _connectome(n, seed), coupling())
    if name in UNSTABLE_OK:
        # fixed_point_of's last stage, 200 ms of delay-free RK4 at 0.01 ms then Newton, directly (the same point):
        # its Newton and pseudo-transient continuation from the start fail on this oscillating network, and the
        # latter costs a compilation of its own (~10 s at 40 regions)
        x1 = integrate(jnp.asarray(as_state(network, {}), jnp.float64)[None], network.arrays, network.port,
                       0.01, 20_000)[0]
        x, _, _ = newton(x1, network.arrays, network.port, 1e-12)
        fp = fixed_point_at(network, x, "start+integrate")
    else:
        fp = fixed_point_of(network)
    assert (fp.stable or name in UNSTABLE_OK) and fp.residual < 1e-10
    x = jnp.asarray(fp.values, jnp.float64)
    parts = jacobian_parts(x, network.arrays, network.port)
    J = np.asarray(assemble_jacobian(parts, network.arrays.weights))
    np.testing.assert_allclose(J, fp.jacobian, rtol=0, atol=1e-14 * np.max(np.abs(J)))
    return network, parts, J


@jax.jit
def _checked_results(parts, W, f):
    """Every checked result of one Jacobian and every public wrapper of them, in one compiled call (outside jit
    each call compiles its lax.cond anew, ~2 s a call): the solve of ``f`` ``(n_s, n)`` (private, public, public
    with ``f`` flat), the slogdet (private, public) and, at every row, the inverse rows (private, public, public
    with the slogdet)."""
    ns = parts.port.shape[0]
    op = structured_operator(parts, W)
    return {
        "solve": solve_checked(op, f),
        "solve_public": structured_solve(parts, W, f),
        "solve_flat": structured_solve(parts, W, f.ravel()),
        "slogdet": _slogdet_checked(op),
        "slogdet_public": structured_slogdet(parts, W),
        "rows": [_inverse_rows_checked(op, row) for row in range(ns)],
        "rows_public": [structured_inverse_rows(parts, W, row) for row in range(ns)],
        "rows_slogdet_public": [structured_inverse_rows_slogdet(parts, W, row) for row in range(ns)],
    }


def _rel(a, b):
    return float(np.max(np.abs(np.asarray(a) - b)) / np.max(np.abs(b)))


@pytest.mark.parametrize("name", sorted(CASES))
@in_float64
def test_structured_results_equal_dense_lapack_on_stable_networks(name):
    network, parts, J = _stable_case(name)
    W = network.arrays.weights
    ns, n = parts.port.shape
    rng = np.random.default_rng(1)
    f = rng.normal(size=ns * n)
    r = _checked_results(parts, W, jnp.asarray(f.reshape(ns, n)))
    x, structured = r["solve"]
    assert bool(structured)  # the n x n path, not the fallback
    x_ref = np.linalg.solve(J, f)
    assert _rel(x.ravel(), x_ref) < RTOL
    assert _rel(r["solve_flat"], x_ref) < RTOL  # flat right-hand side
    assert np.array_equal(np.asarray(r["solve_public"]), np.asarray(x))
    sign, logdet, structured = r["slogdet"]
    sign_ref, logdet_ref = np.linalg.slogdet(J)
    assert bool(structured) and float(sign) == sign_ref
    assert abs(float(logdet) - logdet_ref) < RTOL * abs(logdet_ref)
    assert tuple(map(float, r["slogdet_public"])) == (float(sign), float(logdet))
    inv = np.linalg.inv(J)
    for row in range(ns):
        B, s, ld, structured = r["rows"][row]
        assert bool(structured) and float(s) == sign_ref and abs(float(ld) - logdet_ref) < RTOL * abs(logdet_ref)
        assert _rel(B, inv[row * n:(row + 1) * n]) < RTOL
        assert _rel(r["rows_public"][row], inv[row * n:(row + 1) * n]) < RTOL
        B_pub, s_pub, ld_pub = r["rows_slogdet_public"][row]  # the same factorisation
        assert np.array_equal(np.asarray(B_pub), np.asarray(B))
        assert (float(s_pub), float(ld_pub)) == (float(s), float(ld))


@in_float64
def test_jacobian_slogdet_is_the_sign_and_log_det_of_the_assembled_jacobian():
    network, _, _ = _stable_case("cb-linear", n=30, seed=3)
    x = jnp.asarray(fixed_point_of(network).values) * 1.1  # away from the fixed point: any state
    _, J = rhs_and_jacobian(x, network.arrays, network.port)
    sign, logdet = jacobian_slogdet(x, network.arrays, network.port)
    sign_ref, logdet_ref = np.linalg.slogdet(np.asarray(J))
    assert float(sign) == sign_ref and abs(float(logdet) - logdet_ref) < RTOL * abs(logdet_ref)


def _singular_block(parts, k, scale=1.0, eps=0.0):
    """``parts`` with the local block of region ``k`` rank one (plus ``eps`` times the identity)."""
    ns = parts.port.shape[0]
    u = np.linspace(1.0, 2.0, ns)
    w = np.linspace(-1.0, 0.5, ns)
    block = scale * (np.outer(u, w) + eps * np.eye(ns))
    return parts._replace(local=parts.local.at[:, :, k].set(jnp.asarray(block)))


@pytest.mark.parametrize("eps", [0.0, 1e-15])
@in_float64
def test_a_singular_local_block_falls_back_to_the_dense_factorisation(eps):
    """L_k singular (or singular to round-off): the reduction divides by det L_k, so every structured function
    must return the dense result; J itself stays well conditioned (the coupling fills the null direction)."""
    network, parts, _ = _stable_case("cb-diffusive", n=30, seed=2)
    W = network.arrays.weights
    ns, n = parts.port.shape
    bad = _singular_block(parts, 7, scale=float(np.max(np.abs(parts.local))), eps=eps)
    J = np.asarray(assemble_jacobian(bad, W))
    assert np.linalg.cond(J) < 1e8
    f = np.random.default_rng(4).normal(size=(ns, n))
    r = _checked_results(bad, W, jnp.asarray(f))
    x, structured = r["solve"]
    assert not bool(structured)
    assert _rel(x.ravel(), np.linalg.solve(J, f.ravel())) < 1e-12
    assert np.array_equal(np.asarray(r["solve_public"]), np.asarray(x))
    sign, logdet, structured = r["slogdet"]
    sign_ref, logdet_ref = np.linalg.slogdet(J)
    assert not bool(structured)
    assert float(sign) == sign_ref and abs(float(logdet) - logdet_ref) < 1e-12 * abs(logdet_ref)
    assert tuple(map(float, r["slogdet_public"])) == (float(sign), float(logdet))
    inv = np.linalg.inv(J)
    for row in range(ns):
        B, s, _, structured = r["rows"][row]
        assert not bool(structured) and float(s) == sign_ref
        assert _rel(B, inv[row * n:(row + 1) * n]) < 1e-12
        B_pub, s_pub, ld_pub = r["rows_slogdet_public"][row]  # the dense fallback, sign included
        assert float(s_pub) == sign_ref and abs(float(ld_pub) - logdet_ref) < 1e-12 * abs(logdet_ref)
        assert _rel(B_pub, inv[row * n:(row + 1) * n]) < 1e-12
        assert np.array_equal(np.asarray(r["rows_public"][row]), np.asarray(B_pub))


@in_float64
def test_an_ill_conditioned_local_block_is_caught_by_the_backward_error():
    """L_k with rcond ~1e-12 passes the local guard but loses ~1e-9 of accuracy in the Woodbury reduction
    (the local inverse is ~1e12): the structured backward error (not the guard) sends it to the dense path."""
    network, parts, _ = _stable_case("cb-linear", n=30, seed=5)
    W = network.arrays.weights
    ns, n = parts.port.shape
    bad = _singular_block(parts, 3, scale=float(np.max(np.abs(parts.local))), eps=1e-6)  # det ~ (1e-6)^2 scale^2
    op = structured_operator(bad, W)
    fac = _factor(op)
    assert bool(fac.local_ok)
    f = jnp.asarray(np.random.default_rng(6).normal(size=(ns, n)))
    assert float(_backward_error(op, _factored_solve(op, fac, f), f)) > 1e3 * STRUCTURED_TOL
    r = _checked_results(bad, W, f)
    x, structured = r["solve"]
    J = np.asarray(assemble_jacobian(bad, W))
    assert not bool(structured)
    assert _rel(x.ravel(), np.linalg.solve(J, np.asarray(f).ravel())) < 1e-12
    assert not bool(r["slogdet"][2]) and not any(bool(rows[3]) for rows in r["rows"])


@in_float64
def test_a_local_block_whose_determinant_underflows_falls_back():
    """A block scaled by 1e-200 has det L_k = 0 in floating point (the reduction's sign and log det would be
    meaningless); the dense LU, which pivots on the entries, still solves the system."""
    network, parts, _ = _stable_case("mpr-linear", n=20, seed=7)
    W = network.arrays.weights
    ns, n = parts.port.shape
    tiny = parts._replace(local=parts.local.at[:, :, 4].multiply(1e-200))
    J = np.asarray(assemble_jacobian(tiny, W))
    r = _checked_results(tiny, W, jnp.ones((ns, n)))
    x, structured = r["solve"]
    assert not bool(structured)
    assert np.all(np.isfinite(np.asarray(x)))
    assert _rel(x.ravel(), np.linalg.solve(J, np.ones(ns * n))) < 1e-12
    sign, logdet, structured = r["slogdet"]
    sign_ref, logdet_ref = np.linalg.slogdet(J)
    assert not bool(structured) and float(sign) == sign_ref
    assert abs(float(logdet) - logdet_ref) < 1e-12 * abs(logdet_ref)


@in_float64
def test_gradients_through_the_structured_inverse_rows_equal_the_dense_ones():
    """The effective-connectivity fit differentiates the rows of J^{-1} with respect to the weights."""
    network, parts, _ = _stable_case("cb-linear", n=25, seed=8)
    W = network.arrays.weights
    n = W.shape[0]
    probe = jnp.asarray(np.random.default_rng(9).normal(size=(n, 2 * n)))
    bad = _singular_block(parts, 2, scale=float(np.max(np.abs(parts.local))))

    @jax.jit  # the four derivatives in one compiled call (outside jit each lax.cond compiles anew)
    def grads(parts, bad, W, probe):
        def structured(p, scale):
            return jnp.sum(probe * structured_inverse_rows(p, W * scale, 0) ** 2)

        def dense(p, scale):
            return jnp.sum(probe * jnp.linalg.inv(assemble_jacobian(p, W * scale))[:n] ** 2)

        return tuple(jax.grad(partial(fn, p))(1.0) for p in (parts, bad) for fn in (structured, dense))

    g, g_ref, g_bad, g_bad_ref = grads(parts, bad, W, probe)
    assert abs(float(g) - float(g_ref)) < 1e-9 * abs(float(g_ref))
    assert abs(float(g_bad) - float(g_bad_ref)) < 1e-8 * abs(float(g_bad_ref))


@pytest.mark.parametrize(("name", "structured"),
                         [("cb-linear", True), ("cb4d-linear", True), ("jr-linear", True), ("cb-linear", False)])
@in_float64
def test_the_derivative_of_the_inverse_rows_by_every_part_equals_the_dense_one(name, structured):
    """The hand-written derivative of B = rows of J^{-1} (by the local blocks, ports, coupling and sent rates;
    n_s = 2, 4 and 6; the first and last row) equals JAX's derivative of the dense inverse, on the structured path
    and on the dense fallback (a singular local block, n_s = 2: J itself stays regular)."""
    network, parts, _ = _stable_case(name, n=12, seed=12)
    ns, n = parts.port.shape
    if not structured:
        parts = _singular_block(parts, 3, scale=float(np.max(np.abs(parts.local))))
    op = structured_operator(parts, network.arrays.weights)
    probe = jnp.asarray(np.random.default_rng(13).normal(size=(n, ns * n)))

    @jax.jit  # every derivative in one compiled call (outside jit each lax.cond compiles anew)
    def grads(op, probe):
        out = {}
        for row in (0, ns - 1):
            g = jax.grad(lambda o, row=row: jnp.sum(probe * _inverse_rows_checked(o, row)[0] ** 2))(op)
            g_ref = jax.grad(lambda o, row=row: jnp.sum(probe * jnp.linalg.inv(_dense(o))[row * n:(row + 1) * n]
                                                        ** 2))(op)
            out[row] = (g, g_ref)
        return _inverse_rows_checked(op, ns - 1)[3], out

    flag, out = grads(op, probe)
    assert bool(flag) is structured
    for g, g_ref in out.values():
        for part, ref in zip(g, g_ref, strict=True):  # (a part may have no derivative at all: 0 == 0)
            assert np.max(np.abs(part - ref)) <= 1e-9 * np.max(np.abs(ref))


@pytest.mark.parametrize("name", ["cb-linear", "cb-diffusive", "mpr-linear"])
@in_float64
def test_newton_and_relax_reach_the_fixed_point_from_a_perturbed_state(name):
    assert 40 >= STRUCTURED_MIN_REGIONS
    network, _, _ = _stable_case(name, n=40, seed=10)  # >= STRUCTURED_MIN_REGIONS: the structured steps
    fp = fixed_point_of(network)
    x0 = jnp.asarray(fp.values * (1.0 + 0.05 * np.random.default_rng(11).normal(size=fp.values.shape)))
    x, res, _ = newton(x0, network.arrays, network.port, 1e-13)
    assert float(res) <= 1e-13
    np.testing.assert_allclose(np.asarray(x), fp.values, rtol=0, atol=1e-10 * np.max(np.abs(fp.values)))
    x, res, _ = relax(x0, network.arrays, network.port)
    assert float(res) <= 1e-10
    np.testing.assert_allclose(np.asarray(x), fp.values, rtol=0, atol=1e-7 * np.max(np.abs(fp.values)))


def test_the_tolerance_is_far_above_the_round_off_of_a_good_factorisation():
    assert 1e-14 < STRUCTURED_TOL <= 1e-11
