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
    cross_validation_folds,
    fc_corr,
    fit_regional_noise,
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


def test_a_time_split_sees_sampling_noise_organised_by_region_that_the_pairs_split_fits(response):
    """Uniform truth; each half's FC adds a random offset per region to every pair of it (a region that correlated
    with the rest by chance) and a little independent noise. The pairs' folds share the offsets and fit them
    (shrinkage 0.01, log factors of SD 1.07, the fitted FC 0.834 from the truth); fitting one half and scoring the
    other, they do not transfer: the largest shrinkage, factors near uniform (SD 0.09), the fitted FC 0.999 from
    the truth."""
    _, _, (B, q) = response
    truth = regional_fc(B, q, np.ones(24))
    rng = np.random.default_rng(9)

    def half():
        offset = rng.normal(scale=0.03, size=24)
        e = rng.normal(scale=0.01, size=(24, 24))
        m = truth + offset[:, None] + offset[None, :] + (e + e.T) / 2
        np.fill_diagonal(m, 1.0)
        return m

    a, b = half(), half()
    mask = np.ones(24 * 23 // 2, bool)
    iu = np.triu_indices(24, 1)
    pairs = choose_shrinkage(B, q, (a + b) / 2, mask, key=0)
    time = choose_shrinkage(B, q, (a + b) / 2, mask, key=0, halves=(a, b))
    assert pairs.shrinkage <= 0.01 and np.std(np.log(pairs.factors)) > 0.5
    assert time.shrinkage == 1.0 and np.std(np.log(time.factors)) < 0.15
    assert time.cv_corr[1.0] == max(time.cv_corr.values())
    fit = {k: np.corrcoef(regional_fc(B, q, r.factors)[iu], truth[iu])[0, 1] for k, r in (("p", pairs), ("t", time))}
    assert fit["t"] > 0.99 > fit["p"] + 0.1


def test_the_time_split_fits_each_half_and_scores_the_other_where_all_three_are_finite():
    target, a, b = (np.random.default_rng(k).normal(size=(5, 5)) for k in range(3))
    a[0, 2] = a[2, 0] = np.nan
    mask = np.ones(10, bool)
    mask[9] = False
    folds = cross_validation_folds(target, mask, halves=(a, b))
    both = mask.copy()
    both[1] = False  # (0, 2) in the upper triangle's order
    assert folds[0][0] is a and folds[0][2] is b and folds[1][0] is b and folds[1][2] is a
    assert all(np.array_equal(f[1], both) and np.array_equal(f[3], both) for f in folds)
    pairs = cross_validation_folds(target, mask, key=3)
    expected = two_folds(np.nonzero(mask)[0], 10, 3)
    assert all(f[0] is target and f[2] is target for f in pairs)
    assert all(np.array_equal(f[1], e[0]) and np.array_equal(f[3], e[1]) for f, e in zip(pairs, expected))


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
