"""Connection weights refined to an FC in the slow limit (brainnet_cb.fitting.effective_connectivity).

A "true" network differs from the structural one by a known symmetric log
modulation of its connections (and regional noise factors); its slow-limit FC
is the target. Fitting the modulation from the structural weights must bring
the FC back and point the modulation the right way, keep the structure (no
connection created, the modulation symmetric), follow the fixed point, and
reduce to the regional noise alone at an infinite shrinkage.
"""

import jax.numpy as jnp
import numpy as np
import pytest

import brainnet_cb as bn
from brainnet_cb.coupling import Linear
from brainnet_cb.dynamics.fixed_points import fixed_point_at, fixed_point_of
from brainnet_cb.dynamics.system import build_network
from brainnet_cb.fitting.effective_connectivity import (
    DEFAULT_CONNECTION_SHRINKAGES,
    _modulated,
    _Objective,
    _pairs,
    choose_connection_shrinkage,
    fit_effective_connectivity,
)
from brainnet_cb.fitting.regional_noise import RegionalNoise, fit_regional_noise, regional_fc, slow_limit_response

N = 10
G = 3.0  # the low branch of CoombesByrne(eta=-2) on these weights is stable up to G ~ 4 (a fold near 4.2)
ROW = 0  # r is sent
IU = np.triu_indices(N, 1)
ALL = np.ones(IU[0].size, bool)


def _network(weights, lengths):
    return build_network(bn.CoombesByrne(eta=-2.0), bn.Connectome(weights, lengths), Linear(),
                         normalize="none").with_strength(G)


@pytest.fixture(scope="module")
def case():
    """A sparse structural network (absent pairs, one-way connections), a modulated "true" one, and its FC."""
    rng = np.random.default_rng(0)
    A = rng.uniform(size=(N, N))
    A = (A + A.T) / 2
    np.fill_diagonal(A, 0.0)
    A[A < 0.3] = 0.0  # 7 pairs without a connection either way
    A /= A.max()
    A[1, 0] = A[3, 2] = A[7, 4] = 0.0  # connections one way only (still modulated: W_ij + W_ji > 0)
    assert A[0, 1] > 0 and A[2, 3] > 0 and A[4, 7] > 0
    L = np.full((N, N), 10.0)
    np.fill_diagonal(L, 0.0)
    e_true = np.triu(rng.normal(scale=0.5, size=(N, N)), 1)
    e_true = e_true + e_true.T
    e_true[A + A.T == 0] = 0.0
    f_true = np.exp(rng.normal(scale=0.5, size=N))
    network = _network(A, L)
    fp = fixed_point_of(network)
    fp_true = fixed_point_of(_network(A * np.exp(e_true), L), fp.values)
    assert fp.stable and fp_true.stable
    sigma = np.zeros((2, N))
    sigma[1] = 0.02  # noise on v only
    target = regional_fc(*slow_limit_response(fp_true, sigma, ROW), f_true)
    return dict(A=A, L=L, e_true=e_true, network=network, fp=fp, sigma=sigma, target=target)


@pytest.fixture(scope="module")
def fits(case):
    """(u, E, fixed point, params) at shrinkage inf (the structural weights) and 1e-3, no noise shrinkage."""
    args = (case["network"], case["fp"], case["sigma"], ROW, case["target"], ALL)
    return {lam: fit_effective_connectivity(*args, noise_shrinkage=0.0, shrinkage=lam) for lam in (np.inf, 1e-3)}


def _fc(case, u, fp):
    return regional_fc(*slow_limit_response(fp, case["sigma"], ROW), np.exp(u))[IU]


def _corr(x, y):
    return float(np.corrcoef(x, y)[0, 1])


def _check_search(cv, shrinkages):
    """``cv`` scores inf and the finite shrinkages from the largest down, up to the first (after the second)
    whose score does not rise above the one before."""
    order = [np.inf, *sorted(shrinkages, reverse=True)]
    tried = order[:len(cv)]
    assert len(cv) >= 2 and set(cv) == set(tried)
    scores = [cv[lam] for lam in tried[1:]]
    assert all(b > a for a, b in zip(scores[:-2], scores[1:-1]))  # the search went on while the scores rose
    if len(tried) < len(order):  # and stopped at the first that did not
        assert len(scores) >= 2 and not scores[-1] > scores[-2]


def test_a_planted_modulation_is_recovered(case, fits):
    """The fitted weights bring the FC of the true network back (0.999994 against 0.914 with the structural
    weights) and the fitted log modulation follows the true one (correlation 0.95 over the connections)."""
    target = case["target"][IU]
    u_s, _, fp_s, _ = fits[np.inf]
    u, E, fp, _ = fits[1e-3]
    structural, refined = _corr(_fc(case, u_s, fp_s), target), _corr(_fc(case, u, fp), target)
    assert structural < 0.95
    assert refined > 0.9999
    on = (case["A"] + case["A"].T)[IU] > 0
    assert _corr(E[IU][on], case["e_true"][IU][on]) > 0.8


def test_modulation_is_symmetric_on_connections_only_and_the_fixed_point_is_followed(case, fits):
    u, E, fp, p = fits[1e-3]
    A = case["A"]
    assert np.array_equal(E, E.T)
    assert np.all(np.diag(E) == 0.0)
    assert np.all(E[A + A.T == 0] == 0.0)
    assert np.all(E[A + A.T > 0] != 0.0)  # every connection moved, one-way ones included
    assert np.max(u) == 0.0
    assert np.array_equal(p[N:], E[IU][(A + A.T)[IU] > 0])  # the raw parameters are the modulations
    assert fp.stable and fp.residual <= 1e-8
    assert np.max(np.abs(fp.values - case["fp"].values)) > 0.05  # the fixed point moved with the weights
    # the arrays the fit solves with: the refined weights and their in-strengths (which Diffusive coupling uses)
    arrays = case["network"].arrays
    a = _modulated(arrays, arrays.weights, *(jnp.asarray(k) for k in _pairs(A)), jnp.asarray(p[N:]))
    assert np.allclose(a.weights, A * np.exp(E), rtol=1e-15, atol=0)
    assert np.allclose(a.strength, np.sum(A * np.exp(E), axis=1), rtol=1e-14, atol=0)
    # a network built afresh from the refined weights (no connection created) is at rest at fp, with its spectrum
    W = A * np.exp(E)
    assert np.all(W[A == 0] == 0.0)
    again = fixed_point_at(_network(W, case["L"]), fp.values)
    assert again.residual <= 1e-8
    assert np.allclose(again.eigenvalues, fp.eigenvalues, rtol=0, atol=1e-10)


def test_the_gradient_follows_the_fixed_point(case, fits):
    """The loss's gradient (implicit derivative of the fixed point) matches central differences of the loss
    with the fixed point solved anew at every point."""
    _, _, _, p0 = fits[1e-3]
    target = case["target"][IU]
    w = ALL / ALL.sum()
    q = slow_limit_response(case["fp"], case["sigma"], ROW)[1]
    obj = _Objective(case["network"], case["fp"], ROW, q, target, w, 0.0, 0.01, False)
    p = 0.5 * p0  # away from the optimum, where the gradient is not ~0
    _, grad = obj(p)
    h = 1e-6
    for k in (2, N + 0, N + 5, N + 20):
        d = np.zeros_like(p)
        d[k] = h
        fd = (obj(p + d)[0] - obj(p - d)[0]) / (2 * h)
        obj(p)  # back to the fixed point of p
        assert grad[k] == pytest.approx(fd, rel=1e-5, abs=1e-9)
    assert np.max(np.abs(grad[N:])) > 1e-3


def test_infinite_shrinkage_keeps_the_weights_and_fits_the_noise_alone(case, fits):
    u, E, fp, p = fits[np.inf]
    assert np.array_equal(E, np.zeros((N, N)))
    assert fp is case["fp"]
    B, q = slow_limit_response(case["fp"], case["sigma"], ROW)
    assert np.array_equal(u, fit_regional_noise(B, q, case["target"], ALL, 0.0))
    # with a noise shrinkage, part of the entries masked and a non-finite target entry
    target = case["target"].copy()
    target[0, 5] = np.nan
    mask = ALL.copy()
    mask[::3] = False
    u, E, fp, _ = fit_effective_connectivity(case["network"], case["fp"], case["sigma"], ROW, target, mask,
                                             noise_shrinkage=0.1, shrinkage=np.inf)
    assert np.array_equal(u, fit_regional_noise(B, q, target, mask, 0.1))
    assert np.array_equal(E, np.zeros((N, N))) and fp is case["fp"]


def test_a_very_large_shrinkage_keeps_the_modulations_near_zero(case, fits):
    u, E, fp, _ = fit_effective_connectivity(case["network"], case["fp"], case["sigma"], ROW, case["target"], ALL,
                                             noise_shrinkage=0.0, shrinkage=1e6)
    assert np.max(np.abs(E)) < 1e-3
    assert fp.stable and np.max(np.abs(fp.values - case["fp"].values)) < 1e-3
    u_s, _, fp_s, _ = fits[np.inf]
    assert _corr(_fc(case, u, fp), case["target"][IU]) == pytest.approx(_corr(_fc(case, u_s, fp_s),
                                                                               case["target"][IU]), abs=1e-3)


@pytest.fixture(scope="module")
def chosen(case):
    noise = RegionalNoise(np.ones(N), 0.0, {})
    return choose_connection_shrinkage(case["network"], case["fp"], case["sigma"], ROW, case["target"], ALL, noise,
                                       key=0, shrinkages=(0.01, 1.0))


def test_cross_validation_chooses_to_refine_the_weights_of_a_modulated_network(case, chosen):
    """Held-out FC entries: 0.937 with lambda_e = 0.01 against 0.720 with the structural weights (0.731 at 1)."""
    res = chosen
    assert set(res.cv_corr) == {np.inf, 0.01, 1.0}  # 0.01 scores above 1.0: both tried
    _check_search(res.cv_corr, (0.01, 1.0))
    assert res.shrinkage == 0.01
    assert res.cv_corr[0.01] > res.cv_corr[np.inf] + 0.1
    assert np.array_equal(res.weights, case["A"] * np.exp(res.log_modulation))
    assert res.noise.shrinkage == 0.0 and res.noise.factors.max() == 1.0
    assert res.fixed_point.stable and res.fixed_point.residual <= 1e-8
    assert _corr(_fc(case, np.log(res.noise.factors), res.fixed_point), case["target"][IU]) > 0.999


def test_cross_validation_is_deterministic_in_its_key(case, chosen):
    noise = RegionalNoise(np.ones(N), 0.0, {})
    args = (case["network"], case["fp"], case["sigma"], ROW, case["target"], ALL, noise)
    again = choose_connection_shrinkage(*args, key=0, shrinkages=(0.01, 1.0))
    assert np.array_equal(again.weights, chosen.weights)
    assert np.array_equal(again.noise.factors, chosen.noise.factors)
    assert np.array_equal(again.fixed_point.values, chosen.fixed_point.values)
    assert again.cv_corr == chosen.cv_corr
    other = choose_connection_shrinkage(*args, key=1)  # another split, other scores; the default shrinkages
    _check_search(other.cv_corr, DEFAULT_CONNECTION_SHRINKAGES)
    assert other.cv_corr[np.inf] != chosen.cv_corr[np.inf]


def test_too_little_to_validate_or_nothing_to_modulate_keeps_the_weights(case):
    noise = RegionalNoise(np.ones(N), 0.0, {})
    network, fp, sigma, target = case["network"], case["fp"], case["sigma"], case["target"]
    few = np.zeros(IU[0].size, bool)
    few[: 2 * N - 1] = True
    nan_target = target.copy()
    nan_target[IU[0][2 * N - 1:], IU[1][2 * N - 1:]] = np.nan  # all entries masked, 2n - 1 of them finite
    for tgt, mask in ((target, few), (nan_target, ALL)):
        res = choose_connection_shrinkage(network, fp, sigma, ROW, tgt, mask, noise)
        assert res.shrinkage == np.inf and res.cv_corr == {}
        assert np.array_equal(res.weights, case["A"]) and np.array_equal(res.log_modulation, np.zeros((N, N)))
        assert res.fixed_point is fp and res.noise is noise
    # no connection at all: nothing to modulate
    empty = _network(np.zeros((N, N)), case["L"])
    fp0 = fixed_point_of(empty)
    res = choose_connection_shrinkage(empty, fp0, sigma, ROW, target, ALL, noise)
    assert res.shrinkage == np.inf and res.cv_corr == {}
    assert np.array_equal(res.weights, np.zeros((N, N))) and res.fixed_point is fp0


def test_a_mask_without_finite_entries_is_refused(case):
    args = (case["network"], case["fp"], case["sigma"], ROW)
    all_nan = np.full((N, N), np.nan)
    for target, mask in ((case["target"], np.zeros(IU[0].size, bool)), (all_nan, ALL)):
        for lam in (0.01, np.inf):
            with pytest.raises(ValueError, match="mask leaves no finite entry of target"):
                fit_effective_connectivity(*args, target, mask, noise_shrinkage=0.0, shrinkage=lam)
