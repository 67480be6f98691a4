"""Connection weights refined to an FC in the slow limit with the fixed point held
(brainnet_cb.fitting.effective_connectivity).

A "true" network differs from the structural one by a known symmetric log
modulation of its connections, with the excitability eta of every region
moved so that its fixed point is the structural one (as the refinement
itself does), and by regional noise factors; its slow-limit FC is the
target. Fitting the modulation from the structural weights must bring the
FC back and point the modulation (and eta) the right way, keep the structure
(no connection created, the modulation symmetric), hold the state exactly
(the network rebuilt from the returned weights and eta is at rest there),
and reduce to the regional noise alone at an infinite shrinkage.
"""

import dataclasses
import pickle
import re
from types import SimpleNamespace

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import scipy.optimize

import brainnet_cb as bn
from brainnet_cb.coupling import Linear
from brainnet_cb.dynamics.fixed_points import fixed_point_at, fixed_point_of
from brainnet_cb.dynamics.system import build_network
from brainnet_cb.fitting import effective_connectivity_fit
from brainnet_cb.fitting.effective_connectivity import (
    BACKOFF_FRACTIONS,
    DEFAULT_CONNECTION_SHARES,
    DEFAULT_CONNECTION_SHRINKAGES,
    Objective,
    check_input_parameter,
    choose_connection_shrinkage,
    connected_pairs,
    fit_effective_connectivity,
    modulated_arrays,
)
from brainnet_cb.fitting.regional_noise import (
    FOLD_SHARE,
    RegionalNoise,
    fit_regional_noise,
    regional_fc,
    slow_limit_response,
)

N = 10
G = 3.0  # the low branch of CoombesByrne(eta=-2) on these weights is stable up to G ~ 4 (a fold near 4.2)
ETA = -2.0
ROW = 0  # r is sent
IU = np.triu_indices(N, 1)
ALL = np.ones(IU[0].size, bool)
NOISE = RegionalNoise(np.ones(N), 0.0, {})  # the noise "fitted alone": its shrinkage 0 is kept


def _network(weights, lengths, eta=ETA):
    return build_network(bn.CoombesByrne(eta=eta), bn.Connectome(weights, lengths), Linear(),
                         normalize="none").with_strength(G)


def _held(W, W_new, r):
    """eta of every region that keeps the state with the weights ``W_new`` (Linear coupling: c = G W r)."""
    return ETA - G * ((W_new - W) @ r)


@pytest.fixture(scope="module")
def case():
    """A sparse structural network (absent pairs, one-way connections), a modulated "true" one at the same
    fixed point, and its FC."""
    rng = np.random.default_rng(0)
    A = rng.uniform(size=(N, N))
    A = (A + A.T) / 2
    np.fill_diagonal(A, 0.0)
    A[A < 0.3] = 0.0  # 7 pairs without a connection either way
    A /= A.max()
    A[1, 0] = A[3, 2] = A[7, 4] = 0.0  # connections one way only (still modulated: W_ij + W_ji > 0)
    assert A[0, 1] > 0 and A[2, 3] > 0 and A[4, 7] > 0
    assert np.sum((A + A.T)[IU] == 0) == 7
    L = np.full((N, N), 10.0)
    np.fill_diagonal(L, 0.0)
    e_true = np.triu(rng.normal(scale=0.5, size=(N, N)), 1)
    e_true = e_true + e_true.T
    e_true[A + A.T == 0] = 0.0
    f_true = np.exp(rng.normal(scale=0.5, size=N))
    network = _network(A, L)
    fp = fixed_point_of(network)
    W_true = A * np.exp(e_true)
    eta_true = _held(A, W_true, fp.values[0])
    fp_true = fixed_point_at(_network(W_true, L, eta_true), fp.values)  # the true network rests at the same state
    assert fp.stable and fp_true.stable
    assert fp_true.residual <= 1e-12
    assert np.ptp(eta_true) > 1.0  # eta moved, by region
    sigma = np.zeros((2, N))
    sigma[1] = 0.02  # noise on v only
    target = regional_fc(*slow_limit_response(fp_true, sigma, ROW), f_true)
    return dict(A=A, L=L, e_true=e_true, eta_true=eta_true, f_true=f_true, network=network, fp=fp, sigma=sigma,
                target=target)


@pytest.fixture(scope="module")
def fits(case):
    """(u, E, values, fixed point, params) at shrinkage inf (the structural weights) and 1e-3, no noise shrinkage."""
    args = (case["network"], case["fp"], "eta", case["sigma"], ROW, case["target"], ALL)
    return {lam: fit_effective_connectivity(*args, noise_shrinkage=0.0, shrinkage=lam) for lam in (np.inf, 1e-3)}


@pytest.fixture(scope="module")
def chosen(case):
    return choose_connection_shrinkage(case["network"], case["fp"], "eta", case["sigma"], ROW, case["target"], ALL,
                                       NOISE, key=0, shrinkages=(0.01, 1.0))


def _fc(case, u, fp):
    return regional_fc(*slow_limit_response(fp, case["sigma"], ROW), np.exp(u))[IU]


def _corr(x, y):
    return float(np.corrcoef(x, y)[0, 1])


def _check_search(cv, shrinkages):
    """``cv`` scores inf and the finite shrinkages from the largest down, up to the first (after the first
    finite one) whose score does not rise above the one before."""
    order = [np.inf, *sorted(shrinkages, reverse=True)]
    tried = order[:len(cv)]
    assert len(cv) >= 2 and set(cv) == set(tried)
    scores = [cv[lam] for lam in tried[1:]]
    assert all(b > a for a, b in zip(scores[:-2], scores[1:-1]))  # the search went on while the scores rose
    if len(tried) < len(order):  # and stopped at the first that did not
        assert len(scores) >= 2 and not scores[-1] > scores[-2]


def _check_held(case, W, values, fp):
    """The state is the structural one exactly, and a network built afresh from ``W`` and ``values`` is at rest
    there with the spectrum of ``fp``."""
    assert np.array_equal(fp.values, case["fp"].values)
    assert fp.stable and fp.residual <= 1e-10
    again = fixed_point_at(_network(W, case["L"], values), case["fp"].values)
    assert again.residual <= 1e-10
    assert np.allclose(again.eigenvalues, fp.eigenvalues, rtol=0, atol=1e-10)


def test_a_planted_modulation_is_recovered(case, fits):
    """The fitted weights bring the FC of the true network back (0.999993 against 0.960 with the structural
    weights); the fitted log modulation follows the true one (correlation 0.96 over the connections), and so
    do eta (0.98) and the noise factors (0.89)."""
    target = case["target"][IU]
    u_s, _, _, fp_s, _ = fits[np.inf]
    u, E, values, fp, _ = fits[1e-3]
    structural, refined = _corr(_fc(case, u_s, fp_s), target), _corr(_fc(case, u, fp), target)
    assert structural < 0.97
    assert refined > 0.9999
    on = (case["A"] + case["A"].T)[IU] > 0
    assert _corr(E[IU][on], case["e_true"][IU][on]) > 0.85
    assert _corr(values, case["eta_true"]) > 0.9
    assert _corr(u, np.log(case["f_true"])) > 0.7


def test_modulation_is_symmetric_on_connections_only_and_the_fixed_point_is_held(case, fits):
    u, E, values, fp, p = fits[1e-3]
    A = case["A"]
    assert np.array_equal(E, E.T)
    assert np.all(np.diag(E) == 0.0)
    assert np.all(E[A + A.T == 0] == 0.0)
    assert np.all(E[A + A.T > 0] != 0.0)  # every connection moved, one-way ones included
    assert np.max(u) == 0.0
    assert np.array_equal(p[N:], E[IU][(A + A.T)[IU] > 0])  # the raw parameters are the modulations
    W = A * np.exp(E)
    assert np.all(W[A == 0] == 0.0)  # no connection created
    # eta takes up the change of every region's input: eta' = eta - G (W' - W) r*
    assert values.shape == (N,)
    assert np.allclose(values, _held(A, W, case["fp"].values[0]), rtol=0, atol=1e-12)
    assert np.ptp(values) > 0.5
    _check_held(case, W, values, fp)
    # the Jacobian is the new network's: the spectrum moved with the weights
    assert np.max(np.abs(fp.eigenvalues - case["fp"].eigenvalues)) > 0.05
    # the arrays the fit uses: the refined weights, their in-strengths (which Diffusive coupling uses), and eta
    arrays = case["network"].arrays
    a = modulated_arrays(arrays, "eta", jnp.asarray(case["fp"].values), *(jnp.asarray(k) for k in connected_pairs(A)),
                   jnp.asarray(p[N:]))
    assert np.allclose(a.weights, W, rtol=1e-15, atol=0)
    assert np.allclose(a.strength, np.sum(W, axis=1), rtol=1e-14, atol=0)
    assert np.array_equal(np.asarray(a.model.eta), values)


def test_the_gradient_is_that_of_the_loss_at_the_held_state(case, fits):
    """The loss's gradient matches central differences of the loss (the state held: nothing to re-solve)."""
    *_, p0 = fits[1e-3]
    target = case["target"][IU]
    w = ALL / ALL.sum()
    q = slow_limit_response(case["fp"], case["sigma"], ROW)[1]
    obj = Objective(case["network"], case["fp"], "eta", ROW, connected_pairs(case["A"]), q, target, w, 0.1, 0.01, False)
    p = 0.5 * p0  # away from the optimum, where the gradient is not ~0
    value, grad = obj(p)
    assert value < 1.0  # not a refused step
    h = 1e-6
    for k in (2, 7, N + 0, N + 5, N + 20, N + 37):
        d = np.zeros_like(p)
        d[k] = h
        fd = (obj(p + d)[0] - obj(p - d)[0]) / (2 * h)
        assert grad[k] == pytest.approx(fd, rel=1e-5, abs=1e-9)
    assert np.max(np.abs(grad[N:])) > 1e-3


def test_the_barrier_adds_the_penalty_of_the_slow_modes_with_its_gradient(case):
    """Near the fold of the low branch (G = 4.374, its slowest mode at -0.027/ms, inside the barrier's band
    -5 kappa = -0.031/ms): the barrier objective is the plain one plus ROOT_PENALTY sum max(0, 1 + Re lambda /
    (5 kappa))^2 over the eigenvalues of the network rebuilt from the modulated weights and held eta, and its
    gradient matches central differences of that."""
    network = _network(case["A"], case["L"]).with_strength(4.374)
    fp = fixed_point_of(network)
    kappa = effective_connectivity_fit.SLOWEST_DECAY
    band = effective_connectivity_fit.WALL_BAND * kappa
    assert -band < np.max(fp.eigenvalues.real) < -kappa
    pairs = connected_pairs(case["A"])
    q = slow_limit_response(fp, case["sigma"], ROW)[1]
    args = (network, fp, "eta", ROW, pairs, q, case["target"][IU], ALL / ALL.sum(), 0.1, 0.01, False)
    plain, barrier = Objective(*args), Objective(*args, barrier=True)
    p = np.concatenate([np.zeros(N), 0.02 * np.random.default_rng(1).normal(size=pairs[0].size)])

    def penalty(p):
        E = np.zeros((N, N))
        E[pairs] = p[N:]
        W = case["A"] * np.exp(E + E.T)
        rebuilt = fixed_point_at(_network(W, case["L"], ETA - 4.374 * ((W - case["A"]) @ fp.values[0])).with_strength(
            4.374), fp.values)
        assert rebuilt.residual <= 1e-10
        ev = np.linalg.eigvals(np.asarray(rebuilt.jacobian)).real
        return effective_connectivity_fit.ROOT_PENALTY * np.sum(np.maximum(0.0, 1.0 + ev / band) ** 2)

    (value, grad), (value0, grad0) = barrier(p), plain(p)
    assert penalty(p) > 1e-3  # a mode inside the band
    assert value - value0 == pytest.approx(penalty(p), rel=1e-9)
    h = 1e-6
    for k in (N + 0, N + 5, N + 20, N + 37):
        d = np.zeros_like(p)
        d[k] = h
        fd = (penalty(p + d) - penalty(p - d)) / (2 * h)
        assert grad[k] - grad0[k] == pytest.approx(fd, rel=1e-5, abs=1e-9)
    assert np.array_equal(grad[:N], grad0[:N])  # the noise factors do not move the Jacobian
    assert (barrier.calls, barrier.refused) == (1, 0)


def test_the_slow_modes_of_a_large_jacobian_come_from_arnoldi_and_match_the_known_spectrum():
    """A 300 x 300 non-normal J = V diag(lambda) V^-1 of known eigenvalues (above _DENSE_SPECTRUM: shift-invert
    Arnoldi): twelve within SLOW_RADIUS of the origin (more than the first request of _MODE_BLOCK, so the request
    grows), three of them in the barrier's band, one more pair in the band but outside the disc, the rest fast.
    Every eigenvalue of the disc is found (to the Arnoldi tolerance), the barrier's modes are the three, refined to
    1e-10, with their null vectors, and the whole spectrum was not computed."""
    fit = effective_connectivity_fit
    band, radius = fit.WALL_BAND * fit.SLOWEST_DECAY, fit.SLOW_RADIUS
    assert radius == pytest.approx(0.314, abs=1e-3)
    rng = np.random.default_rng(3)
    in_band = np.array([-0.01, -0.02 + 0.2j, -0.02 - 0.2j])
    in_disc = np.concatenate([in_band, [-0.1, -0.15, -0.2, -0.25, -0.05 + 0.1j, -0.05 - 0.1j, -0.2 + 0.2j,
                                        -0.2 - 0.2j, -0.3]])
    outside = np.array([-0.01 + 1.0j, -0.01 - 1.0j])  # in the band, 1/ms from the origin
    fast = -rng.uniform(0.5, 3.0, 286 // 2) + 1j * rng.uniform(0.0, 3.0, 286 // 2)
    lam = np.concatenate([in_disc, outside, fast, fast.conj()])
    assert lam.size == 300 > fit._DENSE_SPECTRUM and np.sum(np.abs(lam) <= radius) == 12 > fit._MODE_BLOCK

    def real_block(values):  # a real matrix with these eigenvalues (conjugate pairs as 2 x 2 rotations)
        D, k = np.zeros((values.size, values.size)), 0
        for v in sorted(values, key=lambda v: (v.real, abs(v.imag))):
            if v.imag < 0:
                continue
            if v.imag == 0:
                D[k, k], k = v.real, k + 1
            else:
                D[k:k + 2, k:k + 2], k = [[v.real, v.imag], [-v.imag, v.real]], k + 2
        return D

    V = np.eye(300) + 0.3 * rng.normal(size=(300, 300)) / np.sqrt(300)
    J = V @ real_block(lam) @ np.linalg.inv(V)
    found = fit.slow_eigenvalues(J)
    assert found.size < 300 // 4  # Arnoldi, not the whole spectrum
    for value in lam[np.abs(lam) <= radius]:  # to a relative tolerance of 1 / (lambda - s)
        assert np.min(np.abs(found - value)) < 10 * fit._ARNOLDI_TOLERANCE * abs(value - band)
    values, rights, lefts, slopes = fit.slow_modes(J)
    assert values.size == fit._MODE_BLOCK and np.all(values[3:] == -1e6)
    assert np.sort_complex(values[:3]) == pytest.approx(np.sort_complex(in_band), abs=1e-10)
    eps, dJ = 1e-7, rng.normal(size=(300, 300)) / np.sqrt(300)
    moved = np.linalg.eigvals(J + eps * dJ)
    for value, right, left, slope in zip(values[:3], rights, lefts, slopes):
        assert np.linalg.norm(J @ right - value * right) < 1e-8
        assert np.linalg.norm(left.conj() @ J - value * left.conj()) < 1e-8
        # the first-order shift w^H dJ v / w^H v that the barrier's gradient uses, against the perturbed spectrum
        predicted = value + eps * np.vdot(left, dJ @ right) / slope
        assert np.min(np.abs(moved - predicted)) < 1e-3 * eps
    assert np.max(-values[:3].real) < band


def test_a_fit_stalled_at_the_wall_is_refitted_with_the_barrier(case):
    """At G = 4.2 fitted to the FC of the network at G = 4.375 (its slowest mode at -0.022/ms, mean FC 0.9997), the
    plain refinement runs into the wall: more than STALLED_SHARE of its evaluations refused, its slowest mode ends
    inside the band right of -5 kappa. The fit refits with the barrier, which holds the slowest mode at the band's
    edge, to a stationary point of the barrier objective."""
    def network(G):
        return _network(case["A"], case["L"]).with_strength(G)

    target = regional_fc(*slow_limit_response(fixed_point_of(network(4.375)), case["sigma"], ROW), np.ones(N))
    fp = fixed_point_of(network(4.2))
    band = effective_connectivity_fit.WALL_BAND * effective_connectivity_fit.SLOWEST_DECAY
    pairs = connected_pairs(case["A"])
    plain_args = (network(4.2), fp, "eta", ROW, pairs, slow_limit_response(fp, case["sigma"], ROW)[1], target[IU],
                  ALL / ALL.sum(), 0.0, 1e-3, False)
    plain = Objective(*plain_args)
    bounds = [(0.0, 0.0)] * N + [(-4.0, 4.0)] * pairs[0].size
    res = scipy.optimize.minimize(plain, np.zeros(N + pairs[0].size), jac=True, method="L-BFGS-B", bounds=bounds)
    assert plain.refused > effective_connectivity_fit.STALLED_SHARE * plain.calls
    alone = fixed_point_at(dataclasses.replace(plain.network, arrays=plain.arrays(res.x[N:])), fp.values)
    assert -band < alone.max_real < -effective_connectivity_fit.SLOWEST_DECAY
    u, E, values, refined, p = fit_effective_connectivity(network(4.2), fp, "eta", case["sigma"], ROW, target, ALL,
                                                          noise_shrinkage=None, shrinkage=1e-3)
    assert -1.001 * band < refined.max_real < -0.999 * band
    assert np.abs(E).max() > 0.1  # refined, not the structural weights kept
    # the refit ran to a stationary point of the barrier objective (projected gradient at scipy's pgtol; it stopped
    # at 1.0e-4 on L-BFGS-B's small relative reduction before _BARRIER_FTOL)
    walled = Objective(*plain_args, barrier=True)
    g = walled(p)[1][N:]
    assert np.all(np.abs(p[N:]) < 4.0)  # no modulation at its bound: the whole gradient is the projected one
    assert np.max(np.abs(g)) <= 1e-5


def test_infinite_shrinkage_keeps_the_weights_and_fits_the_noise_alone(case, fits):
    u, E, values, fp, p = fits[np.inf]
    assert np.array_equal(E, np.zeros((N, N)))
    assert np.array_equal(values, np.full(N, ETA))
    assert fp is case["fp"]
    B, q = slow_limit_response(case["fp"], case["sigma"], ROW)
    assert np.array_equal(u, fit_regional_noise(B, q, case["target"], ALL, 0.0))
    # with a noise shrinkage, part of the entries masked and a non-finite target entry
    target = case["target"].copy()
    target[0, 5] = np.nan
    mask = ALL.copy()
    mask[::3] = False
    u, E, values, fp, _ = fit_effective_connectivity(case["network"], case["fp"], "eta", case["sigma"], ROW, target,
                                                     mask, noise_shrinkage=0.1, shrinkage=np.inf)
    assert np.array_equal(u, fit_regional_noise(B, q, target, mask, 0.1))
    assert np.array_equal(E, np.zeros((N, N))) and fp is case["fp"]
    assert np.array_equal(values, np.full(N, ETA))


def test_the_noise_alone_is_fitted_once_where_no_refinement_is_usable(case, monkeypatch):
    # it was fitted twice (the start, then the structural result returned) since the fit became lazy
    import brainnet_cb.fitting.effective_connectivity_fit as module

    calls = []

    def counted(*args):
        calls.append(args)
        return fit_regional_noise(*args)

    monkeypatch.setattr(module, "fit_regional_noise", counted)
    monkeypatch.setattr(module, "usable_fixed_point", lambda fp: False)  # every refinement refused
    monkeypatch.setattr(module.scipy.optimize, "minimize", lambda f, x0, **options: SimpleNamespace(x=x0))  # fast
    u, E, values, fp, p = fit_effective_connectivity(case["network"], case["fp"], "eta", case["sigma"], ROW,
                                                     case["target"], ALL, noise_shrinkage=0.1, shrinkage=1e-3)
    assert len(calls) == 1
    B, q = slow_limit_response(case["fp"], case["sigma"], ROW)
    assert np.array_equal(u, fit_regional_noise(B, q, case["target"], ALL, 0.1))
    assert np.array_equal(E, np.zeros((N, N))) and fp is case["fp"]


def test_a_very_large_shrinkage_keeps_the_modulations_near_zero(case, fits):
    u, E, values, fp, _ = fit_effective_connectivity(case["network"], case["fp"], "eta", case["sigma"], ROW,
                                                     case["target"], ALL, noise_shrinkage=0.0, shrinkage=1e6)
    assert np.max(np.abs(E)) < 1e-3
    assert np.max(np.abs(values - ETA)) < 1e-3
    assert fp.stable and np.array_equal(fp.values, case["fp"].values)
    u_s, _, _, fp_s, _ = fits[np.inf]
    assert _corr(_fc(case, u, fp), case["target"][IU]) == pytest.approx(_corr(_fc(case, u_s, fp_s),
                                                                               case["target"][IU]), abs=1e-3)


def test_a_share_of_the_pairs_is_the_strongest_by_the_weights_both_ways(case):
    A = case["A"]
    both = (A + A.T)[IU]
    connected = both > 0
    assert np.array_equal(np.stack(connected_pairs(A, 1.0)), np.stack((IU[0][connected], IU[1][connected])))
    i, j = connected_pairs(A, 0.5)
    strong = np.zeros((N, N), bool)
    strong[i, j] = True
    strong = strong[IU]
    assert connected.sum() == 38 and strong.sum() == 19  # at or above the median of 38 distinct sums
    assert np.all(strong <= connected) and both[strong].min() > both[connected & ~strong].max()
    # a connection one way only counts by its one weight (0.42-0.60, under the median sum 1.30 of the pairs)
    one_way = [list(zip(*IU)).index(pair) for pair in ((0, 1), (2, 3), (4, 7))]
    assert np.all(connected[one_way]) and not np.any(strong[one_way])
    assert np.median(both[connected]) == pytest.approx(1.2952, abs=1e-4)


def test_a_share_of_the_pairs_is_refined_and_the_others_keep_their_weights(case, fits):
    """The strongest half modulated alone: the fit rises above the structural weights' (0.960 -> 0.994) but not
    to that of every pair modulated (0.99999), whose modulation is planted on all of them."""
    u, E, values, fp, p = fit_effective_connectivity(case["network"], case["fp"], "eta", case["sigma"], ROW,
                                                     case["target"], ALL, noise_shrinkage=0.0, shrinkage=1e-3,
                                                     share=0.5)
    i, j = connected_pairs(case["A"], 0.5)
    assert p.size == N + i.size == N + 19
    assert np.array_equal(E, E.T) and np.all(E[i, j] != 0)
    others = np.ones((N, N), bool)
    others[i, j] = others[j, i] = False
    assert not E[others].any()  # the weak pairs, the absent ones and the diagonal untouched
    W = case["A"] * np.exp(E)
    assert np.array_equal(W[others], case["A"][others])
    _check_held(case, W, values, fp)
    target = case["target"][IU]
    half = _corr(_fc(case, u, fp), target)
    u_s, _, _, fp_s, _ = fits[np.inf]
    u_a, _, _, fp_a, _ = fits[1e-3]
    assert _corr(_fc(case, u_s, fp_s), target) + 0.02 < half < _corr(_fc(case, u_a, fp_a), target) - 0.005


@pytest.mark.parametrize("shares", [(), (0.0,), (1.5,), (0.5, float("nan"))])
def test_a_share_outside_zero_to_one_is_refused(case, shares):
    with pytest.raises(bn.FitError, match="^" + re.escape("shares must be one or more shares of the connected pairs "
                                                            f"in (0, 1]; got {shares!r}.") + "$"):
        choose_connection_shrinkage(case["network"], case["fp"], "eta", case["sigma"], ROW, case["target"], ALL,
                                    NOISE, shares=shares)


def test_uniform_noise_fits_the_weights_alone(case, fits):
    """noise_shrinkage=None: u stays 0; the weights alone still bring the FC back (0.99985)."""
    u, E, values, fp, p = fit_effective_connectivity(case["network"], case["fp"], "eta", case["sigma"], ROW,
                                                     case["target"], ALL, noise_shrinkage=None, shrinkage=1e-3)
    assert np.array_equal(u, np.zeros(N)) and np.array_equal(p[:N], np.zeros(N))
    assert E.any()
    _check_held(case, case["A"] * np.exp(E), values, fp)
    u_s, _, _, fp_s, _ = fits[np.inf]
    uniform = _corr(_fc(case, u, fp), case["target"][IU])
    assert uniform > 0.999 and uniform > _corr(_fc(case, u_s, fp_s), case["target"][IU]) + 0.03
    u, E, values, fp, _ = fit_effective_connectivity(case["network"], case["fp"], "eta", case["sigma"], ROW,
                                                     case["target"], ALL, noise_shrinkage=None, shrinkage=np.inf)
    assert np.array_equal(u, np.zeros(N)) and not E.any() and fp is case["fp"]
    # and through the choice: no noise to refit
    res = choose_connection_shrinkage(case["network"], case["fp"], "eta", case["sigma"], ROW, case["target"], ALL,
                                      None, key=0, shrinkages=(0.01, 1.0))
    assert res.noise is None
    assert np.isfinite(res.shrinkage) and res.log_modulation.any()
    _check_held(case, res.weights, res.values, res.fixed_point)


def test_cross_validation_chooses_to_refine_the_weights_of_a_modulated_network(case, chosen):
    """Held-out FC entries: 0.939 with lambda_e = 0.01 against 0.745 with the structural weights (0.791 at 1);
    refining the strongest half of the pairs alone, at best 0.826."""
    res = chosen
    assert set(res.cv_corr) == {np.inf, 0.01, 1.0}  # 0.01 scores above 1.0: both tried
    _check_search(res.cv_corr, (0.01, 1.0))
    assert res.shrinkage == 0.01 * FOLD_SHARE and res.refused == ()  # refitted on all entries at half the folds'
    assert res.cv_corr[0.01] > res.cv_corr[np.inf] + 0.1
    # every connection carries its own planted modulation: refining all of them validates better than the half
    assert res.share == 1.0 and list(res.share_cv_corr) == list(DEFAULT_CONNECTION_SHARES)
    assert res.share_cv_corr[1.0] == res.cv_corr[0.01] > res.share_cv_corr[0.5] + 0.05
    assert np.array_equal(res.weights, case["A"] * np.exp(res.log_modulation))
    assert res.noise.shrinkage == 0.0 and res.noise.factors.max() == 1.0
    _check_held(case, res.weights, res.values, res.fixed_point)
    assert _corr(_fc(case, np.log(res.noise.factors), res.fixed_point), case["target"][IU]) > 0.999


def test_cross_validation_is_deterministic_in_its_key_whatever_the_threads(case, chosen):
    args = (case["network"], case["fp"], "eta", case["sigma"], ROW, case["target"], ALL, NOISE)
    again = choose_connection_shrinkage(*args, key=0, shrinkages=(0.01, 1.0), workers=2)  # the folds side by side
    assert np.array_equal(again.weights, chosen.weights)
    assert np.array_equal(again.values, chosen.values)
    assert np.array_equal(again.noise.factors, chosen.noise.factors)
    assert np.array_equal(again.fixed_point.eigenvalues, chosen.fixed_point.eigenvalues)
    assert again.cv_corr == chosen.cv_corr
    reports = []  # 4 threads: the two shares' paths side by side, each with its two folds side by side
    both = choose_connection_shrinkage(*args, key=0, shrinkages=(0.01, 1.0), workers=4,
                                       report=lambda *a: reports.append(a))
    assert np.array_equal(both.weights, chosen.weights) and np.array_equal(both.values, chosen.values)
    assert np.array_equal(both.noise.factors, chosen.noise.factors)
    assert both.cv_corr == chosen.cv_corr and both.share_cv_corr == chosen.share_cv_corr
    assert both.share == chosen.share and set(chosen.share_cv_corr) == {1.0, 0.5}
    for share in (1.0, 0.5):  # each path reported in its order, the two interleaved
        path = [r[1:] for r in reports if r[0] == share and r[2] is not None]
        assert [lam for lam, _ in path] == [np.inf, 1.0, 0.01][:len(path)] and len(path) >= 2
        assert max(score for lam, score in path if np.isfinite(lam)) == chosen.share_cv_corr[share]
    assert [r[1:] for r in reports if r[0] == chosen.share and r[2] is not None] == list(chosen.cv_corr.items())
    # another split, other scores; the default shrinkages (key 1: inf, 1, 0.3, 0.1 rising, 0.03 falls: stop)
    reports = []
    other = choose_connection_shrinkage(*args, key=1, report=lambda *a: reports.append(a))
    _check_search(other.cv_corr, DEFAULT_CONNECTION_SHRINKAGES)
    assert len(other.cv_corr) < len(DEFAULT_CONNECTION_SHRINKAGES) + 1  # the early stop happened
    assert other.cv_corr[np.inf] != chosen.cv_corr[np.inf]
    assert other.shrinkage == max(other.cv_corr, key=other.cv_corr.get) * FOLD_SHARE and other.share == 1.0
    # the hook saw each share's path as it went (share, shrinkage, score, in the order tried), then the one refit
    paths = {f: {lam: score for g, lam, score in reports[:-1] if g == f} for f in DEFAULT_CONNECTION_SHARES}
    assert reports[:len(other.cv_corr)] == [(1.0, *item) for item in other.cv_corr.items()]
    assert [r[0] for r in reports[:-1]] == [1.0] * len(paths[1.0]) + [0.5] * len(paths[0.5])
    assert reports[-1] == (1.0, other.shrinkage, None)
    _check_search(paths[0.5], DEFAULT_CONNECTION_SHRINKAGES)
    assert paths[0.5][np.inf] == paths[1.0][np.inf]  # the structural weights, whatever the share
    assert other.share_cv_corr == {f: max(v for lam, v in paths[f].items() if np.isfinite(lam)) for f in paths}


def test_fc_halves_make_the_folds_a_time_split(case, chosen):
    """The target itself as both halves: each fold fits all of its pairs and scores them (above the held-out pairs'
    0.939 at lambda_e 0.01), the least shrinkage fits best, and it is refitted at half of it (an FC of half the
    series has about twice the sampling variance of the whole)."""
    args = (case["network"], case["fp"], "eta", case["sigma"], ROW, case["target"], ALL, NOISE)
    res = choose_connection_shrinkage(*args, key=0, shrinkages=(0.01, 1.0), shares=(1.0,),
                                      halves=(case["target"], case["target"]))
    assert list(res.cv_corr) == [np.inf, 1.0, 0.01]
    assert res.cv_corr[0.01] > res.cv_corr[1.0] > res.cv_corr[np.inf]
    assert res.cv_corr[0.01] > chosen.cv_corr[0.01] + 0.05
    assert res.shrinkage == 0.01 * FOLD_SHARE
    _check_held(case, res.weights, res.values, res.fixed_point)


def test_accept_refusing_every_refit_keeps_the_structural_weights(case, chosen):
    calls = []

    def accept(candidate):
        calls.append(candidate)
        return False

    reports = []
    res = choose_connection_shrinkage(case["network"], case["fp"], "eta", case["sigma"], ROW, case["target"], ALL,
                                      NOISE, key=0, shrinkages=(0.01, 1.0), accept=accept,
                                      report=lambda *a: reports.append(a))
    assert res.cv_corr == chosen.cv_corr and res.share == 1.0 and res.share_cv_corr == chosen.share_cv_corr
    assert reports[-2:] == [(1.0, 0.005, None), (1.0, 0.5, None)]  # each refit of the chosen share announced
    assert res.refused == (0.01, 1.0)  # every finite shrinkage tried, by decreasing CV score
    assert res.shrinkage == np.inf and res.modulation_fraction == 1.0
    assert np.array_equal(res.weights, case["A"]) and not res.log_modulation.any()
    assert np.array_equal(res.values, np.full(N, ETA))
    assert res.fixed_point is case["fp"] and res.noise is NOISE
    # accept sees each refit (its weights, the eta holding the state, its fixed point, its noise and shrinkage),
    # then the best one scaled back toward the structural weights, largest fraction first
    assert len(calls) == 2 + len(BACKOFF_FRACTIONS)
    first = calls[0]
    assert np.array_equal(first.weights, chosen.weights) and np.array_equal(first.values, chosen.values)
    assert np.array_equal(first.noise.factors, chosen.noise.factors) and first.shrinkage == chosen.shrinkage
    assert [c.shrinkage for c in calls] == [0.005, 0.5] + [0.005] * len(BACKOFF_FRACTIONS)  # FOLD_SHARE x the CV's
    assert all(c.share == 1.0 for c in calls)
    assert calls[1].refused == (0.01,)
    assert [c.modulation_fraction for c in calls] == [1.0, 1.0, *BACKOFF_FRACTIONS]
    for c in calls:
        assert not np.array_equal(c.weights, case["A"])
        _check_held(case, c.weights, c.values, c.fixed_point)
    for c in calls[2:]:
        assert c.refused == (0.01, 1.0)
        assert np.allclose(c.log_modulation, c.modulation_fraction * first.log_modulation, rtol=0, atol=1e-15)


def test_accept_refusing_every_full_refit_scales_the_best_back(case, chosen):
    """Where every refit is refused (on hcp80 after global signal regression: 44 modes growing with the delays),
    the best one scaled back by the largest accepted fraction is used: the state held, the noise refitted to
    its weights, and the fit score between the structural weights' and the full refit's."""
    def accept(candidate):
        return candidate.modulation_fraction < 0.6

    res = choose_connection_shrinkage(case["network"], case["fp"], "eta", case["sigma"], ROW, case["target"], ALL,
                                      NOISE, key=0, shrinkages=(0.01, 1.0), accept=accept)
    assert res.modulation_fraction == 0.5 and res.shrinkage == chosen.shrinkage == 0.005
    assert res.refused == (0.01, 1.0) and res.cv_corr == chosen.cv_corr
    assert np.allclose(res.log_modulation, 0.5 * chosen.log_modulation, rtol=0, atol=1e-15)
    assert np.allclose(res.weights, case["A"] * np.exp(res.log_modulation), rtol=1e-14, atol=0)
    _check_held(case, res.weights, res.values, res.fixed_point)
    # eta holds the state halfway in the weights: the same as a network built with them (Linear: c = G W r)
    assert np.allclose(res.values, _held(case["A"], res.weights, case["fp"].values[0]), rtol=0, atol=1e-12)
    # the noise is the one fitted alone to the scaled-back weights, not the full refit's
    B, q = slow_limit_response(res.fixed_point, case["sigma"], ROW)
    assert np.allclose(np.log(res.noise.factors), fit_regional_noise(B, q, case["target"], ALL, 0.0), atol=1e-12)
    assert not np.allclose(res.noise.factors, chosen.noise.factors, atol=1e-3)
    assert res.noise.shrinkage == NOISE.shrinkage
    target = case["target"][IU]
    structural = _corr(_fc(case, fit_regional_noise(*slow_limit_response(case["fp"], case["sigma"], ROW),
                                                    case["target"], ALL, 0.0), case["fp"]), target)
    half = _corr(_fc(case, np.log(res.noise.factors), res.fixed_point), target)
    full = _corr(_fc(case, np.log(chosen.noise.factors), chosen.fixed_point), target)
    assert structural + 0.02 < half < full - 0.005  # 0.960, 0.989, 0.9998
    assert "x0.5 of the refit" in repr(res)
    # where the structural weights themselves would be refused (the delays destabilise them), no scale-back: kept
    seen = []
    res = choose_connection_shrinkage(case["network"], case["fp"], "eta", case["sigma"], ROW, case["target"], ALL,
                                      NOISE, key=0, shrinkages=(0.01, 1.0), scale_back=False,
                                      accept=lambda c: seen.append(c.modulation_fraction) or accept(c))
    assert seen == [1.0, 1.0] and res.shrinkage == np.inf and res.refused == (0.01, 1.0)
    assert np.array_equal(res.weights, case["A"])


def test_accept_refusing_the_best_refit_uses_the_next_best(case, chosen):
    def accept(candidate):
        return not np.array_equal(candidate.weights, chosen.weights)

    res = choose_connection_shrinkage(case["network"], case["fp"], "eta", case["sigma"], ROW, case["target"], ALL,
                                      NOISE, key=0, shrinkages=(0.01, 1.0), accept=accept)
    assert res.refused == (0.01,)
    assert res.shrinkage == 0.5 and res.cv_corr == chosen.cv_corr
    assert res.log_modulation.any() and not np.array_equal(res.weights, chosen.weights)
    assert np.max(np.abs(res.log_modulation)) < np.max(np.abs(chosen.log_modulation))  # shrunk harder
    _check_held(case, res.weights, res.values, res.fixed_point)


@pytest.fixture(scope="module")
def strong_only():
    """20 regions whose "true" network modulates the strongest half of the connected pairs only, its FC measured
    with an error (sd 0.003 per pair, against a spread of 0.038 over the pairs)."""
    n = 20
    rng = np.random.default_rng(0)
    A = rng.uniform(size=(n, n))
    A = (A + A.T) / 2
    np.fill_diagonal(A, 0.0)
    A[A < 0.3] = 0.0
    A *= 0.5 / A.max()
    L = np.full((n, n), 10.0)
    np.fill_diagonal(L, 0.0)
    strong = connected_pairs(A, 0.5)
    e_true = np.zeros((n, n))
    e_true[strong] = rng.normal(scale=0.5, size=strong[0].size)
    e_true = e_true + e_true.T
    network = _network(A, L)
    fp = fixed_point_of(network)
    W_true = A * np.exp(e_true)
    fp_true = fixed_point_at(_network(W_true, L, _held(A, W_true, fp.values[0])), fp.values)
    assert fp.stable and fp_true.stable
    sigma = np.zeros((2, n))
    sigma[1] = 0.02
    target = regional_fc(*slow_limit_response(fp_true, sigma, ROW), np.exp(rng.normal(scale=0.5, size=n)))
    error = np.triu(rng.normal(scale=0.003, size=(n, n)), 1)
    return dict(A=A, L=L, e_true=e_true, strong=strong, network=network, fp=fp, sigma=sigma,
                target=target + error + error.T, all=np.ones(n * (n - 1) // 2, bool))


def test_cross_validation_refines_the_strongest_half_where_the_weak_connections_carry_no_signal(strong_only):
    """Two-fold scores 0.896 refining the strongest half against 0.826 refining every pair (whose fit moves the
    weak connections, unmodulated in truth, by 0.10 on average in log): the half is kept, its weak connections
    keep their weights exactly, and the planted modulation is recovered more closely (mean error 0.069 in log
    against 0.081)."""
    c = strong_only
    args = (c["network"], c["fp"], "eta", c["sigma"], ROW, c["target"], c["all"], RegionalNoise(np.ones(20), 0.0, {}))
    res = choose_connection_shrinkage(*args, key=0, shrinkages=(0.01, 1.0))
    every = choose_connection_shrinkage(*args, key=0, shrinkages=(0.01, 1.0), shares=(1.0,))
    assert res.share == 0.5 and res.share_cv_corr[0.5] > res.share_cv_corr[1.0] + 0.05
    assert res.share_cv_corr[0.5] == res.cv_corr[res.shrinkage / FOLD_SHARE] and np.isfinite(res.shrinkage)
    assert every.share == 1.0 and every.share_cv_corr == {1.0: res.share_cv_corr[1.0]}  # the same folds
    strong, E = c["strong"], res.log_modulation
    weak = np.ones((20, 20), bool)
    weak[strong] = weak[strong[::-1]] = False
    assert np.all(E[strong] != 0) and not E[weak].any()
    assert np.array_equal(res.weights[weak], c["A"][weak])
    _check_held(c, res.weights, res.values, res.fixed_point)
    error = np.mean(np.abs(E[strong] - c["e_true"][strong]))
    assert error < np.mean(np.abs(every.log_modulation[strong] - c["e_true"][strong])) - 0.005
    connected = np.triu((c["A"] + c["A"].T) > 0, 1) & weak
    assert np.mean(np.abs(every.log_modulation[connected])) > 0.05
    assert "the strongest 0.5 of the pairs refined" in repr(res)
    # refused with the delays: the half's refit scaled back, its weak connections still untouched
    backed = choose_connection_shrinkage(*args, key=0, shrinkages=(0.01, 1.0),
                                         accept=lambda candidate: candidate.modulation_fraction < 0.6)
    assert backed.share == 0.5 and backed.modulation_fraction == 0.5 and backed.refused == (0.01, 1.0)
    assert np.allclose(backed.log_modulation, 0.5 * E, rtol=0, atol=1e-15) and not backed.log_modulation[weak].any()
    _check_held(c, backed.weights, backed.values, backed.fixed_point)


def test_a_share_selecting_the_same_pairs_as_a_larger_one_is_not_walked_again(case):
    """Equal weights on every connection (a binary SC): "at or above the median" selects every connected pair, so
    the half's path would repeat the all-pairs path; it is taken from it, and the result is that of all pairs."""
    network = _network(0.6 * (case["A"] + case["A"].T > 0), case["L"])
    fp = fixed_point_of(network)
    assert fp.stable
    args = (network, fp, "eta", case["sigma"], ROW, case["target"], ALL, NOISE)
    assert all(np.array_equal(a, b) for a, b in zip(connected_pairs(network.arrays.weights, 0.5),
                                                     connected_pairs(network.arrays.weights)))
    reports = []
    res = choose_connection_shrinkage(*args, key=0, shrinkages=(1.0, 0.1), report=lambda *a: reports.append(a))
    alone = choose_connection_shrinkage(*args, key=0, shrinkages=(1.0, 0.1), shares=(1.0,))
    # one path walked (inf, 1, 0.1); the structural weights validate best here (0.741, 0.719 at 0.1): no refit
    assert reports == [(1.0, lam, score) for lam, score in res.cv_corr.items()]
    assert list(res.cv_corr) == [np.inf, 1.0, 0.1] and res.shrinkage == np.inf and res.share == 1.0
    assert res.share_cv_corr == {1.0: alone.share_cv_corr[1.0], 0.5: alone.share_cv_corr[1.0]}
    assert res.cv_corr == alone.cv_corr
    assert np.array_equal(res.weights, alone.weights) and np.array_equal(res.values, alone.values)
    assert np.array_equal(res.noise.factors, alone.noise.factors)


def test_too_little_to_validate_or_nothing_to_modulate_keeps_the_weights(case):
    network, fp, sigma, target = case["network"], case["fp"], case["sigma"], case["target"]
    few = np.zeros(IU[0].size, bool)
    few[: 2 * N - 1] = True
    nan_target = target.copy()
    nan_target[IU[0][2 * N - 1:], IU[1][2 * N - 1:]] = np.nan  # all entries masked, 2n - 1 of them finite
    for tgt, mask in ((target, few), (nan_target, ALL)):
        res = choose_connection_shrinkage(network, fp, "eta", sigma, ROW, tgt, mask, NOISE)
        assert res.shrinkage == np.inf and res.cv_corr == {} and res.refused == ()
        assert res.share == 1.0 and res.share_cv_corr == {}
        assert np.array_equal(res.weights, case["A"]) and np.array_equal(res.log_modulation, np.zeros((N, N)))
        assert np.array_equal(res.values, np.full(N, ETA))
        assert res.fixed_point is fp and res.noise is NOISE
    # no connection at all: nothing to modulate
    empty = _network(np.zeros((N, N)), case["L"])
    fp0 = fixed_point_of(empty)
    res = choose_connection_shrinkage(empty, fp0, "eta", sigma, ROW, target, ALL, NOISE)
    assert res.shrinkage == np.inf and res.cv_corr == {}
    assert np.array_equal(res.weights, np.zeros((N, N))) and res.fixed_point is fp0


def test_a_mask_without_finite_entries_is_refused(case):
    args = (case["network"], case["fp"], "eta", case["sigma"], ROW)
    all_nan = np.full((N, N), np.nan)
    for target, mask in ((case["target"], np.zeros(IU[0].size, bool)), (all_nan, ALL)):
        for lam in (0.01, np.inf):
            with pytest.raises(bn.FitError, match=r"^mask leaves no finite entry of target to fit the connection "
                                                  r"weights to\.$"):
                fit_effective_connectivity(*args, target, mask, noise_shrinkage=0.0, shrinkage=lam)


K_REFUSAL = (r"^CoombesByrne's 'k' does not add to its coupling input \('v'\), so it cannot hold the fixed point "
             r"while the weights change; scan a parameter that does \(eta of CoombesByrne or MontbrioPazoRoxin\), or "
             r"keep the structural weights\.$")


def test_only_a_parameter_that_adds_to_the_input_can_hold_the_fixed_point(case):
    network, x = case["network"], case["fp"].values
    assert check_input_parameter(network, "eta", x) is None
    for parameter in ("k", "Delta"):
        with pytest.raises(bn.FitError, match=rf"^CoombesByrne's '{parameter}' does not add to its coupling input "
                                              r"\('v'\), so it cannot hold the fixed point while the weights "
                                              r"change; scan a parameter that does \(eta of CoombesByrne or "
                                              r"MontbrioPazoRoxin\), or keep the structural weights\.$"):
            check_input_parameter(network, parameter, x)
    with pytest.raises(bn.FitError, match=r"^CoombesByrne has no parameter 'G_nonexistent'\.$"):
        check_input_parameter(network, "G_nonexistent", x)
    # the fits check it themselves, before any work
    args = (case["network"], case["fp"], "k", case["sigma"], ROW, case["target"], ALL)
    with pytest.raises(bn.FitError, match=K_REFUSAL):
        fit_effective_connectivity(*args, noise_shrinkage=0.0, shrinkage=0.01)
    with pytest.raises(bn.FitError, match=K_REFUSAL):
        choose_connection_shrinkage(*args, None)


def test_a_network_in_float32_is_refused_before_any_work(case):
    """A Network unpickled with JAX in float32 (its default outside these tests) has float32 arrays: every step of
    the fit was refused by the slow spectrum check (475 s on hcp80) and the structural weights came back without
    a word."""
    with jax.enable_x64(False):
        network = pickle.loads(pickle.dumps(case["network"]))
    assert network.arrays.weights.dtype == np.float32
    message = (r"^the network's weights are float32 \(made by JAX in float32, e\.g\. a Network unpickled without "
               r"float64\), but the refinement solves in float64; build it with build_network, or load it after "
               r"jax\.config\.update\('jax_enable_x64', True\)\.$")
    args = (network, case["fp"], "eta", case["sigma"], ROW, case["target"], ALL)
    with pytest.raises(bn.FitError, match=message):
        fit_effective_connectivity(*args, noise_shrinkage=0.0, shrinkage=0.01)
    with pytest.raises(bn.FitError, match=message):
        choose_connection_shrinkage(*args, None)

