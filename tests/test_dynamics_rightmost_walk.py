"""Far left of the axis with long delays, delayed_leading_eigenvalue returns the rightmost root, not any stable one.

There (|Re lambda| tau_max > ln 4) the discretisation's starts are poor and the line just right of the root found
was not counted: only the verdict (stable) was confirmed. References from first principles: the Lambert W roots of
networks whose regions are scalar and whose delays are one tau (every root, counted branch by branch), and the
Perron bound on the loop matrix (no root right of a line where the spectral radius of its modulus stays below 1).
"""

import jax.numpy as jnp
import numpy as np
import pytest
import scipy.special

import brainnet_cb as bn
from brainnet_cb.dynamics import delayed_leading_eigenvalue, network_fixed_point
from brainnet_cb.dynamics import delayed_roots as roots
from brainnet_cb.dynamics.delay_stability import local_blocks, region_gains
from brainnet_cb.dynamics.system import JacobianParts, build_network, jacobian_parts_compiled

W3 = np.array([[0, 1, 0.5], [0.8, 0, 0.2], [0.3, 0.4, 0]])  # [target, source]


def _scalar_network(a, K, tau):
    """x_i' = a x_i + sum_j K_ij x_j(t - tau): one state per region, one delay."""
    n = K.shape[0]
    parts = JacobianParts(local=np.full((1, 1, n), a), port=np.ones((1, n)), a=np.ones(n), b=np.zeros(n),
                          sent=np.ones((1, n)))
    return roots._numpy_parts(parts), K, np.where(K != 0, tau, 0.0)


def _lambert_roots(a, K, tau, branches):
    """Every root with branch |k| <= branches: lambda = a + W_k(mu tau e^{-a tau}) / tau, mu an eigenvalue of K
    (the network splits into the scalar equations lambda = a + mu e^{-lambda tau} along K's eigenvectors)."""
    k = np.arange(-branches, branches + 1)
    return np.concatenate([a + scipy.special.lambertw(mu * tau * np.exp(-a * tau), k) / tau
                           for mu in np.linalg.eigvals(K)])


@pytest.mark.parametrize("sigma, expected", [(-0.1, 39), (-0.15, 637), (-0.2, 7773)])
def test_the_count_far_left_equals_the_lambert_w_count(sigma, expected):
    """Regions x' = -x + 0.01 W3 x(t - 50 ms): right of Re = sigma (|sigma| tau_max = 5, 7.5, 10; the shifted
    weights 150, 1800 and 22000 times W) the argument principle counts every root, as the Lambert W branches do."""
    parts, K, tau = _scalar_network(-1.0, 0.01 * W3, 50.0)
    every = _lambert_roots(-1.0, K, 50.0, 3000)
    tails = np.r_[every.real[::6001], every.real[6000::6001]]  # branches -3000 and 3000 of each mode
    assert np.all(tails < sigma)  # no root right of sigma beyond the branches taken
    assert int(np.sum(every.real > sigma)) == expected
    assert roots._missed_roots(parts, K, tau, sigma) == expected


def test_a_coarse_discretisation_far_left_still_gives_the_lambert_w_rightmost_root(monkeypatch):
    """x' = -x - 0.001 W3 x(t - 50 ms): the rightmost roots are -0.133286 +- 0.061417i (|Re| tau = 6.7 > ln 4; K has
    a negative eigenvalue, whose principal Lambert W branch is complex). With a Chebyshev order of 4 and one
    delay-free start the root found before was -0.1344 + 0.3073i, confirmed only as stable; the search right of it
    (bisection of the count, then Newton along the line that brackets the rightmost real part) reaches the
    rightmost, equal to the Lambert W root to 1e-10, with no root counted right of it."""
    parts, K, tau = _scalar_network(-1.0, -0.001 * W3, 50.0)
    every = _lambert_roots(-1.0, K, 50.0, 5)
    ref = every[np.argmax(every.real)]
    ref = complex(ref.real, abs(ref.imag))
    monkeypatch.setattr(roots, "_PS_DIM", (15, 15))
    monkeypatch.setattr(roots, "_FREE_STARTS", 1)
    lam, info = roots.rightmost_root(parts, K, tau)
    assert abs(lam - ref) < 1e-10 and abs(lam - complex(-0.1332864084, 0.0614169799)) < 1e-9
    assert info["confirmed"] == "rightmost" and info["missed"] == 0 and info["sigma"] > ref.real
    assert -ref.real * 50.0 > np.log(4.0)
    monkeypatch.setattr(roots, "_walk_right", lambda *args: (0.0, 0, "stability"))  # the former method
    old, info = roots.rightmost_root(parts, K, tau)
    assert old.real < ref.real - 1e-3 and info["confirmed"] == "stability"


@pytest.fixture(scope="module")
def hcp20():
    return _hcp(20)


def _hcp(n_regions):
    hcp = bn.load_empirical("hcp80").connectome
    conn = hcp if n_regions == 80 else hcp.subset(list(hcp.labels[:n_regions]))
    model, coupling = bn.CoombesByrne(eta=-2.0), bn.Linear(G=0.3)
    network = build_network(model, conn, coupling)
    x = network_fixed_point(model, conn, coupling).values
    parts = roots._numpy_parts(jacobian_parts_compiled(jnp.asarray(x, jnp.float64), network.arrays, network.port))
    weights = np.asarray(network.arrays.weights)
    return (model, conn, coupling), parts, weights, np.where(weights != 0, np.asarray(conn.lengths) / 3.0, 0.0)


def _perron_bound(parts, weights, tau, s):
    """The spectral radius of diag(max_w |h_i(s + i w)|) |a W| e^{-s tau}: below 1, no root has Re >= s (every
    eigenvalue of the loop matrix diag(h(lambda)) (a W e^{-lambda tau}) is smaller in modulus), and the
    frequency of each region's largest gain."""
    L, P, a, b, D = parts
    A, Pi, Di = local_blocks(JacobianParts(L - s * np.eye(L.shape[0])[:, :, None], P, a, b, D))
    omega = np.linspace(0.0, 20.0, 4001)
    gains = np.abs(region_gains(A, Pi, Di, omega))
    loop = gains.max(axis=0)[:, None] * np.abs(a[:, None] * weights) * np.exp(-s * tau)
    return float(np.max(np.abs(np.linalg.eigvals(loop)))), omega[gains.argmax(axis=0)]


def _check_rightmost(parts, weights, tau, lam):
    T, _ = roots._char_matrix(parts, weights, lam, tau)
    s = np.linalg.svd(T, compute_uv=False)
    assert s[-1] < 1e-12 * s[0]  # an exact root of det T(lambda) = 0
    assert roots._missed_roots(parts, weights, tau, lam.real + 1e-6) == 0
    rho, peak = _perron_bound(parts, weights, tau, lam.real + 1e-4)
    assert rho < 1 and np.all(peak == 0)  # no root right of Re lambda + 1e-4, shown without the count


def test_twenty_hcp80_regions_far_left_give_the_rightmost_root(hcp20):
    """20 hcp80 regions, CoombesByrne(eta=-2), Linear(G=0.3), 3 mm/ms (delays to 67 ms): the root returned before,
    -0.23153 + 1.07579i, had 451 roots counted right of it; the rightmost is real, -0.198473 (the Perron root of
    the loop matrix reaches 1 there: the regions' gains peak at w = 0)."""
    (model, conn, coupling), parts, weights, tau = hcp20
    lam = delayed_leading_eigenvalue(model, conn, coupling, speed=3.0)
    assert lam.imag == 0 and lam.real == pytest.approx(-0.1984731140, abs=1e-9)
    _check_rightmost(parts, weights, tau, lam)
    old = complex(-0.2315251835587797, 1.075791824535868)
    assert np.linalg.svd(roots._char_matrix(parts, weights, old, tau)[0], compute_uv=False)[-1] < 1e-10


@pytest.mark.slow
def test_hcp80_far_left_gives_the_rightmost_root():
    """hcp80 at 3 mm/ms (delays to 83 ms): -0.14471 + 0.17550i, an exact root found from the discretisation's starts,
    was returned, but 3 roots lie right of Re = -0.14 (the real -0.132294 and the pair -0.138763 +- 0.046151i)."""
    (model, conn, coupling), parts, weights, tau = _hcp(80)
    lam = delayed_leading_eigenvalue(model, conn, coupling, speed=3.0)
    assert lam.real > -0.14 and lam.imag == 0 and lam.real == pytest.approx(-0.1322938735, abs=1e-9)
    _check_rightmost(parts, weights, tau, lam)
    assert roots._missed_roots(parts, weights, tau, -0.14) == 3
    pair = roots._newton(parts, weights, tau, complex(-0.1388, 0.0462), np.ones(160), 1e-12, 50)
    assert pair == pytest.approx(complex(-0.1387630314, 0.0461505226), abs=1e-9)


def test_a_search_beyond_the_budget_confirms_only_the_verdict(monkeypatch, hcp20):
    """Where counting right of the root would cost more than the budget (here: no line within it), the root is
    returned with a DelayedRootWarning that says only stability is confirmed."""
    (model, conn, coupling), *_ = hcp20
    monkeypatch.setattr(roots, "_COUNT_BUDGET", 0.0)
    monkeypatch.setattr(roots, "_VERDICT_MULTIPLE", 0.0)
    with pytest.warns(roots.DelayedRootWarning, match=r"^the rightmost delayed root found, -0\.198473\+0j /ms, is "
                      r"confirmed stable \(no root right of Re = 0 /ms\) but not as the rightmost: counting the roots "
                      r"right of it, so far left with delays up to 66\.99 ms, would cost more than the search allows "
                      r"\(the count's cost grows like e\^\(\|Re lambda\| tau_max\)\)\. A higher speed \(shorter "
                      r"delays\) shows the trend\.$"):
        lam = delayed_leading_eigenvalue(model, conn, coupling, speed=3.0)
    assert lam.real == pytest.approx(-0.1984731140, abs=1e-9)  # found (the real sign change), not confirmed


def test_without_the_real_start_and_within_a_smaller_budget_the_bisection_finds_the_same_root(monkeypatch, hcp20):
    """The 20 regions again, the real sign change left out and the budget cut so that the line just right of the
    root found first (-0.23153) may not be counted: the search counts from the leftmost line within the budget,
    brackets the rightmost real part by bisection and finds -0.198473 along the bracketing line."""
    _, parts, weights, tau = hcp20
    monkeypatch.setattr(roots, "_real_candidates", lambda *args: [])
    monkeypatch.setattr(roots, "_VERDICT_MULTIPLE", 0.0)
    monkeypatch.setattr(roots, "_COUNT_BUDGET", 1.5 * roots._count_cost(parts, weights, tau, -0.21))
    cost = [roots._count_cost(parts, weights, tau, s) for s in (-0.2315, -0.22, -0.21, 0.0)]
    assert cost[0] > roots._COUNT_BUDGET and cost[1] > roots._COUNT_BUDGET and max(cost[2:]) < roots._COUNT_BUDGET
    lam, info = roots.rightmost_root(parts, weights, tau)
    assert lam.imag == 0 and lam.real == pytest.approx(-0.1984731140, abs=1e-9)
    assert info["confirmed"] == "rightmost" and info["missed"] == 0
