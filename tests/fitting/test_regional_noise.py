"""Per-region noise fitted in the slow limit (brainnet_cb.fitting.regional_noise): gradient, recovery, shrinkage."""

import warnings

import jax
import numpy as np
import pytest

import brainnet_cb as bn
from brainnet_cb.dynamics import network_fixed_point
from brainnet_cb.fitting.regional_noise import (
    _loss,
    _loss_and_grad,
    choose_shrinkage,
    fc_corr,
    fit_regional_noise,
    noise_ceiling,
    regional_fc,
    regional_slow_limit_fc,
    slow_limit_response,
    two_folds,
)
from brainnet_cb.fitting.working_point_scan import slow_limit_fc


@pytest.fixture(scope="module")
def response():
    """``B``, ``q`` of 24 tvb76 regions at a stable fixed point near the working point (noise on v)."""
    conn = bn.load_atlas("tvb76")
    conn = conn.subset(list(conn.labels[:24]))
    fp = network_fixed_point(bn.CoombesByrne(eta=-2.0), conn, bn.Linear(G=1.5))
    assert fp.stable
    sigma = np.zeros((2, 24))
    sigma[1] = 0.02
    return fp, sigma, slow_limit_response(fp, sigma, row=0)


def _upper(a):
    return a[np.triu_indices(a.shape[0], 1)]


def test_regional_fc_is_the_correlation_of_the_slow_limit_covariance(response):
    """corr(J^-1 Q' J^-T) with every amplitude of region i scaled by sqrt(f_i), solved without the explicit inverse."""
    fp, sigma, (B, q) = response
    J = np.asarray(fp.jacobian)
    f = np.exp(np.random.default_rng(0).normal(size=24))
    for factors in (np.ones(24), f):
        amplitude = sigma * np.sqrt(factors)[None, :]  # (states, regions): the noise of each region scaled
        X = np.linalg.solve(J, np.diag(amplitude.reshape(-1)))[:24]  # rows of r
        S = X @ X.T
        expected = S / np.sqrt(np.outer(np.diag(S), np.diag(S)))
        assert np.allclose(regional_fc(B, q, factors), expected, rtol=0, atol=1e-10)
        assert np.allclose(regional_slow_limit_fc(fp, sigma, 0, factors), expected, rtol=0, atol=1e-10)
        assert np.allclose(regional_slow_limit_fc(fp, sigma, 0, factors, global_signal=True),
                           regional_fc(B, q, factors, global_signal=True), rtol=0, atol=1e-14)
    assert np.array_equal(regional_fc(B, q, np.ones(24)), slow_limit_fc(fp, sigma, 0))  # the scan's uniform case
    # a common scale of the factors leaves the FC as it is; a regional one does not
    assert np.allclose(regional_fc(B, q, 7.0 * f), regional_fc(B, q, f), atol=1e-13)
    assert np.max(np.abs(regional_fc(B, q, f) - regional_fc(B, q, np.ones(24)))) > 0.05


def test_gradient_matches_central_differences(response):
    _, _, (B, q) = response
    rng = np.random.default_rng(1)
    target = regional_fc(B, q, np.exp(rng.normal(size=24)))
    w = np.full(24 * 23 // 2, 1.0 / (24 * 23 // 2))
    with jax.enable_x64(True):
        u = rng.normal(scale=0.5, size=24)
        args = (B, q, _upper(target), w, 0.05)
        _, grad = _loss_and_grad(u, *args)
        h = 1e-6
        for i in (0, 7, 23):
            e = np.zeros(24)
            e[i] = h
            fd = (float(_loss(u + e, *args)) - float(_loss(u - e, *args))) / (2 * h)
            assert float(grad[i]) == pytest.approx(fd, rel=1e-6, abs=1e-10)


def test_planted_factors_are_recovered_up_to_their_scale(response):
    """A target made by known factors is fitted exactly (corr 1), and the factors come back (largest 1)."""
    _, _, (B, q) = response
    f_true = np.exp(np.random.default_rng(2).normal(scale=0.8, size=24))
    target = regional_fc(B, q, f_true)
    u = fit_regional_noise(B, q, target, np.ones(24 * 23 // 2, bool), shrinkage=0.0)
    assert np.max(u) == 0.0
    fitted = regional_fc(B, q, np.exp(u))
    assert np.corrcoef(_upper(fitted), _upper(target))[0, 1] > 1 - 1e-8
    assert np.max(np.abs(u - np.log(f_true / f_true.max()))) < 1e-2


def test_shrinkage_pulls_the_factors_together(response):
    _, _, (B, q) = response
    target = regional_fc(B, q, np.exp(np.random.default_rng(3).normal(scale=0.8, size=24)))
    mask = np.ones(24 * 23 // 2, bool)
    spread = [np.std(fit_regional_noise(B, q, target, mask, lam)) for lam in (0.0, 0.01, 0.1, 1.0, 10.0)]
    assert all(a > b for a, b in zip(spread, spread[1:])), spread
    assert spread[-1] < 0.05 * spread[0]


def test_cross_validation_keeps_the_planted_factors_and_shrinks_noise(response):
    """An exact regional target keeps no shrinkage; a uniform FC plus independent noise keeps the largest."""
    _, _, (B, q) = response
    mask = np.ones(24 * 23 // 2, bool)
    planted = regional_fc(B, q, np.exp(np.random.default_rng(4).normal(scale=0.8, size=24)))
    res = choose_shrinkage(B, q, planted, mask, key=0)
    assert res.shrinkage <= 1e-3  # 0 and 1e-3 differ by the optimiser's tolerance there
    assert res.cv_corr[0.0] > 1 - 1e-6 and res.cv_corr[0.0] >= max(res.cv_corr.values()) - 1e-5
    assert res.factors.max() == 1.0
    uniform = regional_fc(B, q, np.ones(24))
    rng = np.random.default_rng(5)
    e = rng.normal(scale=0.03, size=(24, 24))  # as large as the spread of the uniform FC (0.032)
    res = choose_shrinkage(B, q, uniform + (e + e.T) / 2, mask, key=0)
    assert res.shrinkage == 1.0
    assert np.std(np.log(res.factors)) < 0.1


def _in_sample(B, q, target, mask, lam):
    """The mean over the two folds of each fit's correlation with the entries it was fitted to."""
    iu = np.triu_indices(B.shape[0], 1)
    scores = []
    for train, _ in two_folds(np.nonzero(mask)[0], mask.size, 0):
        x = regional_fc(B, q, np.exp(fit_regional_noise(B, q, target, train, lam)))[iu]
        scores.append(np.corrcoef(x[train], target[iu][train])[0, 1])
    return float(np.mean(scores))


def test_a_noise_ceiling_rules_out_the_shrinkages_that_fit_above_it(response):
    """Of the shrinkages whose folds fit their own entries at or below the ceiling, the best cross-validated one is
    kept; above every one, the noise stays uniform; a ceiling of 1 changes nothing."""
    _, _, (B, q) = response
    mask = np.ones(24 * 23 // 2, bool)
    rng = np.random.default_rng(8)
    e = rng.normal(scale=0.03, size=(24, 24))
    target = regional_fc(B, q, np.exp(rng.normal(scale=0.5, size=24))) + (e + e.T) / 2
    free = choose_shrinkage(B, q, target, mask, key=0)
    assert free.shrinkage == 0.1  # the best cross-validated score
    same = choose_shrinkage(B, q, target, mask, key=0, ceiling=1.0)
    assert same.shrinkage == free.shrinkage and np.array_equal(same.factors, free.factors)
    fitted = {lam: _in_sample(B, q, target, mask, lam) for lam in free.cv_corr}
    assert fitted[0.0] > fitted[0.1] > fitted[1.0]  # less shrinkage fits the fitted entries more closely
    ceiling = (fitted[0.1] + fitted[1.0]) / 2
    capped = choose_shrinkage(B, q, target, mask, key=0, ceiling=ceiling)
    assert [lam for lam in free.cv_corr if fitted[lam] <= ceiling] == [1.0]
    assert capped.shrinkage == 1.0 and capped.cv_corr == free.cv_corr
    assert np.allclose(capped.factors, np.exp(fit_regional_noise(B, q, target, mask, 1.0)))
    uniform = choose_shrinkage(B, q, target, mask, key=0, ceiling=min(fitted.values()) - 1e-3)
    assert uniform.shrinkage == np.inf and np.array_equal(uniform.factors, np.ones(24))


def test_the_noise_ceiling_is_the_square_root_of_a_reliability_in_0_1():
    assert noise_ceiling(0.64) == pytest.approx(0.8, abs=1e-15) and noise_ceiling(1) == 1.0
    for bad in (0.0, -0.2, 1.01, np.nan, "x", None):
        with pytest.raises(bn.FitError, match=r"^fc_reliability must be a number in \(0, 1\]"):
            noise_ceiling(bad)


def test_fc_corr_is_pearson_and_nan_without_a_warning_for_a_constant_model():
    rng = np.random.default_rng(6)
    x, y = rng.normal(size=40), rng.normal(size=40)
    xc, yc = x - x.mean(), y - y.mean()
    assert fc_corr(x, y) == pytest.approx(xc @ yc / np.sqrt((xc @ xc) * (yc @ yc)), abs=1e-14)
    assert fc_corr(2.0 * x + 3.0, y) == pytest.approx(fc_corr(x, y), abs=1e-14)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.isnan(fc_corr(np.full(40, 0.3), y))


def test_apply_scales_every_amplitude_of_a_region():
    from brainnet_cb.fitting.regional_noise import RegionalNoise

    rn = RegionalNoise(np.array([1.0, 0.25, 0.04]), 0.0, {})
    noise = rn.apply(bn.Additive(r=0.01, v=np.array([0.2, 0.2, 0.1])), 3)
    assert np.allclose(noise.sigma["v"], [0.2, 0.1, 0.02])
    assert np.allclose(noise.sigma["r"], [0.01, 0.005, 0.002])


def test_too_few_connections_to_validate_keep_the_noise_uniform():
    """4 regions give 6 connections, fewer than twice the 4 factors: nothing to cross-validate them on."""
    conn = bn.load_atlas("tvb76")
    conn = conn.subset(list(conn.labels[:4]))
    fp = network_fixed_point(bn.CoombesByrne(eta=-2.0), conn, bn.Linear(G=1.0))
    sigma = np.zeros((2, 4))
    sigma[1] = 0.02
    B, q = slow_limit_response(fp, sigma, row=0)
    target = regional_fc(B, q, np.array([1.0, 0.1, 0.5, 0.2]))
    res = choose_shrinkage(B, q, target, np.ones(6, bool))
    assert np.array_equal(res.factors, np.ones(4)) and res.shrinkage == np.inf and res.cv_corr == {}
    with pytest.raises(bn.FitError, match=r"^mask leaves no finite entry of target to fit the regional noise to\.$"):
        fit_regional_noise(B, q, target, np.zeros(6, bool), 0.0)
