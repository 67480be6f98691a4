"""The working-point recipe (bn.fit_working_point): scores, the linear stage, the held-out protocol, bad input."""

import functools
import json
import warnings
from typing import ClassVar

import jax.numpy as jnp
import numpy as np
import pytest

import brainnet_cb as bn
from brainnet_cb.data.empirical_data import load_empirical
from brainnet_cb.dynamics import critical_coupling, linear_fc, network_fixed_point
from brainnet_cb.errors import FitError
from brainnet_cb.fitting.working_point import (
    EXPONENT_STEP,
    MAX_EXPONENT_EXTENSIONS,
    UnrelatedTargetWarning,
    fit_working_point,
    score_fc,
    warn_if_at_an_edge,
)
from brainnet_cb.fitting.working_point_inputs import edge_masks
from brainnet_cb.fitting.working_point_result import hemisphere_pairs
from brainnet_cb.fitting.working_point_scan import heterogeneity_map, scan_branch, slow_limit_fc
from brainnet_cb.fitting.working_point_weights import extends as extends_past_the_largest
from brainnet_cb.fitting.working_point_weights import why_branches_failed

#: fit_working_point's refusal of a 60-s run with its default band-pass and 30-s discard (the tests below use it to
#: stop a fit after its input checks and warnings, before any work)
SHORT_RUN = (r"^duration 60 s leaves 41 BOLD samples \(29\.52 s\) after the 30-s discard, shorter than one period of "
             r"the band's low edge \(100 s\); FC would be dominated by the filter\. Simulate longer \(duration >= "
             r"130320 ms\), or pass band=None\.$")
BISTABLE = dict(Delta=0.7, eta=-4.6, k=1.0, v_syn=5.0)


@pytest.fixture(scope="module")
def hcp():
    return load_empirical("hcp80")


def _upper(a):
    return a[np.triu_indices(a.shape[0], 1)]


def test_score_fc_is_pearson_and_rmse_of_the_upper_triangle():
    rng = np.random.default_rng(3)
    a, b = rng.normal(size=(6, 6)), rng.normal(size=(6, 6))
    a, b = (a + a.T) / 2, (b + b.T) / 2
    s = score_fc(a, b)
    assert s["corr"] == pytest.approx(np.corrcoef(_upper(a), _upper(b))[0, 1], abs=1e-14)
    assert s["rmse"] == pytest.approx(np.sqrt(np.mean((_upper(a) - _upper(b)) ** 2)), abs=1e-14)
    mask = np.arange(15) % 2 == 0
    assert score_fc(a, b, mask)["corr"] == pytest.approx(
        np.corrcoef(_upper(a)[mask], _upper(b)[mask])[0, 1], abs=1e-14)
    # an FC the same at every pair up to round-off has no correlation (not one of round-off noise)
    flat = np.full((6, 6), 0.027) + 1e-16 * rng.normal(size=(6, 6))
    assert np.ptp(_upper(flat)) > 0 and np.isnan(score_fc(flat, b)["corr"]) and np.isnan(score_fc(b, flat)["corr"])
    assert np.isfinite(score_fc(np.full((6, 6), 0.027) + 1e-6 * a, b)["corr"])


def test_slow_limit_fc_equals_the_linearised_bold_fc_with_band_pass():
    """S(0) = J^-1 Q J^-T against the full linearised Balloon-Windkessel model with TR mean and band-pass."""
    conn = bn.load_atlas("tvb76")
    model, noise = bn.CoombesByrne(eta=-2.0), bn.Additive(v=0.02)
    cc = critical_coupling(model, conn)
    G = 0.9 * cc.G_ref
    fp = network_fixed_point(model, conn, bn.Linear(G=G))
    sigma = np.zeros((2, conn.n_regions))
    sigma[1] = 0.02
    slow = slow_limit_fc(fp, sigma, row=0)
    full = linear_fc(model, conn, bn.Linear(G=G), noise, observable="bold", bold=bn.Bold(tr=720.0, baseline="initial"),
                     band=True, at=fp).values
    assert np.allclose(np.diag(slow), 1.0)
    assert np.corrcoef(_upper(slow), _upper(full))[0, 1] > 0.999


def test_scan_branch_finds_the_saddle_node_of_the_bistable_down_state():
    """Natural continuation + bisection agrees with pseudo-arclength continuation on G_c."""
    conn = bn.load_atlas("tvb76")
    model = bn.CoombesByrne(**BISTABLE)
    cc = critical_coupling(model, conn)
    assert cc.kind == "saddle-node"
    G_ref, kind, walk = scan_branch(model, conn, "max", np.array([0.5, 0.9, 1.2]), coarse=20)
    assert kind == "lost"
    assert G_ref == pytest.approx(cc.G_c, rel=2e-3)
    assert walk[0][1] is not None and walk[0][1].stable  # below G_c: the down state
    assert walk[1][1] is not None and walk[1][1].stable


def test_scan_branch_reference_is_where_the_mean_rate_rises_fastest(hcp):
    model = bn.CoombesByrne(eta=-2.0)
    fractions = np.array([0.96, 0.98, 1.0, 1.02, 1.04])
    G_ref, kind, walk = scan_branch(model, hcp.connectome, "max", fractions, coarse=20)
    assert kind == "steepest"
    rates = np.array([fp.values[0].mean() for _, fp in walk])
    Gs = np.array([G for G, _ in walk])
    slopes = np.diff(rates) / np.diff(Gs)
    assert np.argmax(slopes) in (1, 2)  # the steepest segment touches G_ref
    assert np.all(np.diff(rates) > 0)


def test_linearised_recipe_beats_the_structural_baseline_out_of_sample(hcp):
    res = fit_working_point(hcp.connectome, hcp.fc_fit, test_fc=hcp.fc_test, values=[-3.0, -2.0],
                            fractions=[0.9, 0.95, 1.0, 1.05, 1.1], homotopic_weights=[0.0], simulate=False,
                            effective_connectivity=False, progress=False)
    a = res.attrs
    assert a["sc_baseline_test"] == pytest.approx(0.3388, abs=1e-3)
    assert a["test_corr"] > a["sc_baseline_test"] + 0.15
    assert a["fit_corr"] > a["test_corr"]  # the fit group is the one tuned on
    assert 0.05 < a["test_fc_mean_model"] < 0.6  # not a near rank-one FC
    assert res.linear_corr.dims == ("value", "scale", "fraction")
    best = float(res.linear_corr.max())
    # the chosen point is the best of the scan (with the uniform noise of the scan); its regional noise fits better
    assert a["fit_corr_linear_uniform_noise"] == pytest.approx(best, abs=1e-12)
    assert a["fit_corr"] > best + 0.1
    # across the hemispheres (strong FC over weak SC) the model beats the baseline too
    iu = np.triu_indices(80, 1)
    right = np.asarray(hcp.connectome.hemispheres)
    across = right[iu[0]] != right[iu[1]]
    w = np.asarray(hcp.connectome.normalized("max").weights)
    target, model = np.asarray(hcp.fc_test)[iu], res.fc.values[iu]
    for part, pairs in (("within", ~across), ("between", across)):
        assert a[f"test_corr_{part}"] == pytest.approx(np.corrcoef(model[pairs], target[pairs])[0, 1], abs=1e-12)
        assert a[f"sc_baseline_test_{part}"] == pytest.approx(
            np.corrcoef(((w + w.T) / 2)[iu][pairs], target[pairs])[0, 1], abs=1e-12)
    assert a["sc_baseline_test_between"] == pytest.approx(0.2542, abs=1e-3)
    assert a["test_corr_between"] > a["sc_baseline_test_between"] + 0.15
    left = [lab for lab, r in zip(hcp.connectome.labels, right) if not r]
    assert hemisphere_pairs(hcp.connectome.subset(left)) == {}  # one hemisphere: nothing to split
    # a connectome without hemispheres (read from a matrix file) whose labels say them: the same split
    unlabelled = hcp.connectome.replace(hemispheres=None)
    for part, pairs in hemisphere_pairs(unlabelled).items():
        assert np.array_equal(pairs, ~across if part == "within" else across)
    assert hemisphere_pairs(unlabelled.replace(labels=[f"r{k}" for k in range(80)])) == {}


def test_fc_halves_choose_the_noise_shrinkage_on_a_time_split(hcp):
    """hcp80's fit group with the mean FCs of the first and the second half of each subject's series: the regional
    noise's shrinkage is cross-validated on them (each half's FC fitted, the other's scored), the scan is not."""
    kw = dict(test_fc=hcp.fc_test, values=[-2.0], fractions=[0.95, 1.0, 1.05], weight_exponents=[1.0],
              homotopic_weights=[0.0], simulate=False, effective_connectivity=False, progress=False)
    pairs = fit_working_point(hcp.connectome, hcp.fc_fit, **kw)
    halves = [hcp.fc_half(part, "fit") for part in ("first", "second")]
    res = fit_working_point(hcp.connectome, hcp.fc_fit, fc_halves=halves, **kw)
    a, b = res.attrs, pairs.attrs
    assert (a["shrinkage_folds"], b["shrinkage_folds"]) == ("time halves", "pairs")
    assert (a["value"], a["G"]) == (b["value"], b["G"])
    # a half's FC is noisier than the whole: each shrinkage scores lower on the other half than on held-out pairs
    assert np.all(res.noise_shrinkage_cv.values < pairs.noise_shrinkage_cv.values)
    # the same FC as both halves: each fold fits and scores it; the least shrinkage fits it best
    same = fit_working_point(hcp.connectome, hcp.fc_fit, fc_halves=(hcp.fc_fit, hcp.fc_fit), **kw)
    cv = same.noise_shrinkage_cv.sortby("shrinkage").values
    assert np.all(np.diff(cv) < 0) and same.attrs["noise_shrinkage"] == 0.0


def test_the_weight_exponent_restores_the_contrast_of_log_compressed_weights(hcp):
    """log(1 + counts) squeezes strong and weak connections together; the fit FC alone picks W ** gamma, gamma > 1.

    On HCP weights as given, the scan keeps gamma = 1 (its best linear fit,
    0.648 against 0.589 at 0.5 and 0.474 at 2, with the full default grid).
    """
    c = hcp.connectome
    logged = bn.Connectome(np.log1p(np.asarray(c.weights) * 1e4), c.lengths, labels=c.labels)
    kw = dict(test_fc=hcp.fc_test, values=[-2.0], fractions=[0.9, 0.95, 1.0, 1.05, 1.1], homotopic_weights=[0.0],
              regional_noise=False, effective_connectivity=False, simulate=False, progress=False)
    scanned = fit_working_point(logged, hcp.fc_fit, weight_exponents=[1.0, 2.0, 3.0], extend_exponents=False, **kw)
    as_given = fit_working_point(logged, hcp.fc_fit, weight_exponents=[1.0], **kw)
    a, b = scanned.attrs, as_given.attrs
    assert a["weight_exponent"] == 3.0 and b["weight_exponent"] == 1.0
    per_exponent = scanned.exponent_linear_corr
    assert per_exponent.dims == ("weight_exponent",) and list(per_exponent.weight_exponent) == [1.0, 2.0, 3.0]
    assert float(per_exponent.sel(weight_exponent=1.0)) == pytest.approx(float(as_given.linear_corr.max()), abs=1e-12)
    assert float(per_exponent.max()) == pytest.approx(float(scanned.linear_corr.max()), abs=1e-12)
    assert a["sc_baseline_test"] == b["sc_baseline_test"]  # the baseline uses the weights as given
    assert a["test_corr"] > b["test_corr"] + 0.03  # chosen on the fit group, better on the held-out one
    assert a["test_corr"] > a["sc_baseline_test"] + 0.05


def test_the_default_exponent_scan_goes_on_past_its_end_until_the_fit_score_peaks(hcp):
    """Log counts need gamma > 3; the scan (largest 3) follows its best score up by 1.5 at a time.

    On hcp80 at eta -2 the linear fit score of log(1 + 10^4 W) ** gamma is
    best at 3 (0.606 at h = 1); at the kept homotopic weight it rises to
    0.697 at 6.75 and falls at 10.125; at 6.75 the other homotopic weight is
    scanned too (0.648 at h = 0). The kept pair scores 0.61 on the held-out
    group, against 0.49 at 3.
    """
    c = hcp.connectome
    logged = bn.Connectome(np.log1p(np.asarray(c.weights) * 1e4), c.lengths, labels=c.labels)
    kw = dict(test_fc=hcp.fc_test, values=[-2.0], fractions=[0.9, 0.95, 1.0, 1.05, 1.1],
              homotopic_weights=[0.0, 1.0], regional_noise=False, effective_connectivity=False, simulate=False,
              progress=False)
    extended = fit_working_point(logged, hcp.fc_fit, **kw)
    at_three = fit_working_point(logged, hcp.fc_fit, extend_exponents=False, **kw)
    assert at_three.weight_exponent.values.tolist() == [0.5, 1.0, 2.0, 3.0]
    assert at_three.attrs["weight_exponent"] == 3.0 and at_three.attrs["homotopic_weight"] == 1.0
    scanned = extended.weight_exponent.values
    assert scanned[:4].tolist() == [0.5, 1.0, 2.0, 3.0]
    assert np.allclose(scanned[4:], 3.0 * EXPONENT_STEP ** np.arange(1, scanned.size - 3))
    assert 1 <= scanned.size - 4 <= MAX_EXPONENT_EXTENSIONS
    scores = extended.exponent_linear_corr.values
    assert np.array_equal(scores[:4], at_three.exponent_linear_corr.values)  # the same scans, bit for bit
    best = int(np.argmax(scores))
    assert 3 < best < scanned.size - 1  # past 3, and a peak inside: the last one added scores lower
    a = extended.attrs
    assert a["weight_exponent"] == scanned[best] and a["homotopic_weight"] == 1.0
    per_weight = extended.homotopic_linear_corr.values  # both weights scanned at the new exponent
    assert np.all(np.isfinite(per_weight)) and per_weight[1] == scores[best] > per_weight[0]
    assert float(extended.linear_corr.max()) == scores[best]
    assert a["test_corr"] > at_three.attrs["test_corr"] + 0.05


def test_binary_weights_are_scanned_once_for_every_exponent(hcp, monkeypatch):
    """W ** gamma of 0/1 weights is the same network: one linear scan serves all exponents, bit for bit."""
    import brainnet_cb.fitting.working_point_weights as weights_stage

    c = hcp.connectome
    w = np.asarray(c.weights)
    binary = c.replace(weights=(w >= np.quantile(w[w > 0], 0.7)).astype(float))
    kw = dict(test_fc=hcp.fc_test, values=[-2.0], fractions=[0.95, 1.0, 1.05], homotopic_weights=[0.0],
              regional_noise=False, effective_connectivity=False, simulate=False, progress=False)
    calls = []
    real = weights_stage.scan_network
    monkeypatch.setattr(weights_stage, "scan_network", lambda *a, **k: calls.append(a[6]) or real(*a, **k))
    every = fit_working_point(binary, hcp.fc_fit, **kw)
    assert len(calls) == 1  # 0.5, 1, 2, 3: one network
    one = fit_working_point(binary, hcp.fc_fit, weight_exponents=[0.5], **kw)
    assert np.all(every.exponent_linear_corr.values == one.exponent_linear_corr.values[0])
    assert every.attrs["weight_exponent"] == 0.5 and every.attrs["test_corr"] == one.attrs["test_corr"]
    np.testing.assert_array_equal(every.linear_corr.values, one.linear_corr.values)


@pytest.mark.parametrize("exponents, best, extends", [
    ([0.5, 1.0, 2.0, 3.0], 3.0, True),  # best at the largest: scan larger ones
    ([0.5, 1.0, 2.0, 3.0], 0.5, False),  # at the smallest: not below (W ** gamma -> the binary graph)
    ([0.5, 1.0, 2.0, 3.0], 1.0, False),  # inside: the range holds the peak
    ([1.0], 1.0, False),  # one exponent: the weights as given, nothing to follow
])
def test_the_scan_is_extended_only_past_the_largest_exponent_where_the_best_score_lies(exponents, best, extends):
    assert extends_past_the_largest(np.array(exponents), best) is extends


def test_edge_holdout_fits_half_the_connections_and_scores_the_rest(hcp):
    res = fit_working_point(hcp.connectome, hcp.fc_fit, holdout="edges", values=[-2.0],
                            fractions=[0.95, 1.0, 1.05], weight_exponents=[1.0], homotopic_weights=[0.0],
                            simulate=False, effective_connectivity=False, progress=False, key=7)
    a = res.attrs
    assert a["holdout"] == "edges"
    assert np.isfinite(a["test_corr"]) and a["test_corr"] > a["sc_baseline_test"]
    fit, test = edge_masks(80, "edges", 7)
    assert not np.any(fit & test) and np.all(fit | test) and abs(fit.sum() - test.sum()) <= 1


def test_the_weight_exponent_and_the_homotopic_weight_are_chosen_together(hcp):
    """An FC made by the model at a known pair (gamma 2, h 0.5) is fitted by that pair, exactly.

    Without homotopic connections gamma = 3 fits that FC best (the scan goes
    on to 4.5): scanning the homotopic weights at 3 alone kept (3, 0.5) (fit
    0.969, held-out group 0.320).
    At h = 0.5 every exponent is scanned again, and 2 is better there; its
    homotopic weights then keep 0.5.
    """
    kw = dict(values=[-2.0], regional_noise=False, effective_connectivity=False, simulate=False, progress=False)
    truth = fit_working_point(hcp.connectome, hcp.fc_fit, weight_exponents=[2.0], homotopic_weights=[0.5],
                              fractions=[0.95], **kw)
    res = fit_working_point(hcp.connectome, truth.fc, test_fc=hcp.fc_test, fractions=[0.9, 0.95, 1.0, 1.05], **kw)
    a = res.attrs
    assert (a["weight_exponent"], a["homotopic_weight"], a["G_over_G_ref"]) == (2.0, 0.5, 0.95)
    assert a["fit_corr"] == pytest.approx(1.0, abs=1e-9)
    per_exponent = res.exponent_linear_corr  # every exponent scanned at h = 0.5 (4.5: 3 led at h = 0): 2 the best
    assert list(per_exponent.weight_exponent) == [0.5, 1.0, 2.0, 3.0, 4.5]
    assert float(per_exponent.idxmax()) == 2.0
    per_weight = res.homotopic_linear_corr.values  # every weight scanned at gamma = 2: 0.5 the best
    assert np.all(np.isfinite(per_weight)) and int(np.argmax(per_weight)) == 1


def test_homotopic_connections_restore_the_fc_across_hemispheres(hcp):
    """Tractography misses most homotopic tracts; the fit FC alone picks their weight, and the held-out FC agrees.

    On HCP (eta0 = -2, the linear stage) adding h * max(W) between the 40
    homotopic pairs raises the held-out score across hemispheres well beyond
    the homogeneous network's, within one hemisphere a little.
    """
    kw = dict(test_fc=hcp.fc_test, values=[-2.0], fractions=[0.95, 1.0, 1.05, 1.1], weight_exponents=[1.0],
              regional_noise=False, effective_connectivity=False, simulate=False, progress=False)
    scanned = fit_working_point(hcp.connectome, hcp.fc_fit, homotopic_weights=[0.0, 0.5, 1.0, 4.0], **kw)
    none = fit_working_point(hcp.connectome, hcp.fc_fit, homotopic_weights=[0.0], **kw)
    a, b = scanned.attrs, none.attrs
    assert a["homotopic_pairs"] == 40 and b["homotopic_pairs"] == 40
    per_weight = scanned.homotopic_linear_corr
    assert list(per_weight.homotopic_weight) == [0.0, 0.5, 1.0, 4.0]
    assert float(per_weight.sel(homotopic_weight=0.0)) == pytest.approx(float(none.linear_corr.max()), abs=1e-12)
    # the score rises from none to a tract as strong as the strongest, then falls: an interior optimum
    assert per_weight.values[0] < per_weight.values[1] < per_weight.values[2] > per_weight.values[3]
    assert a["homotopic_weight"] == 1.0 and b["homotopic_weight"] == 0.0
    assert a["sc_baseline_test"] == b["sc_baseline_test"]  # the baseline uses the weights as given
    assert a["test_corr"] > b["test_corr"] + 0.05
    assert a["test_corr_between"] > b["test_corr_between"] + 0.08
    assert a["test_corr_within"] > b["test_corr_within"]
    # the result carries the structure of its point: simulating it reproduces the linear prediction
    pairs = bn.homotopic_pairs(hcp.connectome)
    w0 = np.asarray(hcp.connectome.normalized("max").weights)
    expected = w0.copy()
    expected[pairs[:, 0], pairs[:, 1]] += 1.0  # h = 1: as strong as the strongest tract, both directions
    expected[pairs[:, 1], pairs[:, 0]] += 1.0
    assert np.allclose(scanned.weights.values, expected / expected.max(), rtol=0, atol=1e-15)  # then normalised
    w = scanned.weights.values
    fitted = hcp.connectome.replace(weights=w, lengths=scanned.lengths.values)
    model = bn.CoombesByrne(eta=a["value"])
    rest = network_fixed_point(model, fitted, bn.Linear(G=a["G"]), normalize="none")  # where the runs start
    fc = linear_fc(model, fitted, bn.Linear(G=a["G"]), bn.Additive(v=0.02), observable="bold",
                   bold=bn.Bold(tr=720.0, baseline="initial"), band=True, normalize="none", at=rest,
                   initial_state=rest, dt=a["dt_chosen"]).values
    assert np.allclose(fc, scanned.fc_linear.values, atol=1e-10)


def test_regional_noise_raises_the_held_out_score_and_the_result_reproduces_its_fc(hcp):
    """Per-region noise variances fitted to the fit group at the chosen point score higher on the held-out group.

    On hcp80 (eta0 = -2, homotopic weight 1, the linear stage) the held-out
    score rises from 0.61 to 0.72 and the model's mean FC moves from half
    the data's to near it (the fit keeps the means together).
    """
    kw = dict(test_fc=hcp.fc_test, values=[-2.0], fractions=[1.0, 1.05], weight_exponents=[1.0],
              homotopic_weights=[1.0], simulate=False, effective_connectivity=False, progress=False)
    regional = fit_working_point(hcp.connectome, hcp.fc_fit, **kw)
    uniform = fit_working_point(hcp.connectome, hcp.fc_fit, regional_noise=False, **kw)
    a, b = regional.attrs, uniform.attrs
    assert a["regional_noise"] == 1 and b["regional_noise"] == 0 and "noise_scale" not in uniform
    # the same point, to round-off (measured: 2e-16 apart in one CI run on the structured solves, equal in others)
    assert a["G"] == b["G"] and a["fit_corr_linear_uniform_noise"] == pytest.approx(b["fit_corr"], abs=1e-12)
    assert a["test_corr_linear_uniform_noise"] == pytest.approx(b["test_corr"], abs=1e-12)
    assert a["test_corr"] > b["test_corr"] + 0.08
    assert a["test_corr_between"] > b["test_corr_between"] + 0.08
    assert abs(a["test_fc_mean_model"] - a["test_fc_mean_empirical"]) < 0.1 < abs(
        b["test_fc_mean_model"] - b["test_fc_mean_empirical"])
    assert a["test_rmse"] < b["test_rmse"] - 0.05
    scale = regional.noise_scale.values
    assert scale.max() == 1.0 and scale.min() > 0 and np.std(np.log(scale)) > 0.2
    cv = regional.noise_shrinkage_cv
    kept = max(range(cv.size), key=lambda k: (np.nan_to_num(cv.values[k], nan=-2.0), float(cv.shrinkage[k])))
    assert a["noise_shrinkage"] == float(cv.shrinkage[kept])  # the best cross-validated score; on a tie the larger
    # the documented reproduction: the point's structure with the fitted amplitudes
    fitted = hcp.connectome.replace(weights=regional.weights.values, lengths=regional.lengths.values)
    model = bn.CoombesByrne(eta=a["value"])
    rest = network_fixed_point(model, fitted, bn.Linear(G=a["G"]), normalize="none")  # where the runs start
    fc = linear_fc(model, fitted, bn.Linear(G=a["G"]), bn.Additive(v=0.02 * scale), observable="bold",
                   bold=bn.Bold(tr=720.0, baseline="initial"), band=True, normalize="none", at=rest,
                   initial_state=rest, dt=a["dt_chosen"]).values
    assert np.allclose(fc, regional.fc_linear.values, atol=1e-10)
    assert score_fc(fc, hcp.fc_test)["corr"] == pytest.approx(a["test_corr_linear"], abs=1e-12)


def test_effective_connectivity_raises_the_score_of_held_out_connections_and_reproduces_its_fc(hcp, capsys):
    """Weights refined to half the connections predict the other half (never fitted) better than the tracts.

    On 20 hcp80 regions (eta0 = -2, homotopic weight 1, the linear stage),
    the held-out edges' score rises from 0.70 (regional noise on the
    structural weights) to 0.89, and the RMSE falls from 0.195 to 0.105.
    The excitability of every region moves to hold the fixed point.
    """
    labels = list(hcp.connectome.labels[:20])
    sub = hcp.connectome.subset(labels)
    fit = hcp.fc_fit.sel(region_i=labels, region_j=labels)
    kw = dict(values=[-2.0], fractions=[1.0, 1.05], weight_exponents=[1.0], homotopic_weights=[1.0],
              holdout="edges", key=3, simulate=False, progress=False)
    refined = fit_working_point(sub, fit, **{**kw, "progress": True})
    shown = capsys.readouterr().err  # the bar stays open through the refinement and shows its path
    plain = fit_working_point(sub, fit, effective_connectivity=False, **kw)
    a, b = refined.attrs, plain.attrs
    assert a["effective_connectivity"] == 1 and b["effective_connectivity"] == 0 and "structural_weights" not in plain
    # the same point and noise fit (to round-off)
    assert a["G"] == b["G"] and a["test_corr_linear_structural"] == pytest.approx(b["test_corr"], abs=1e-12)
    assert a["test_corr"] > b["test_corr"] + 0.15
    assert a["test_rmse"] < b["test_rmse"] - 0.05
    assert abs(a["test_fc_mean_model"] - a["test_fc_mean_empirical"]) < 0.05
    cv = refined.connection_shrinkage_cv
    kept = max(range(cv.size), key=lambda k: (cv.values[k], float(cv.connection_shrinkage[k])))
    # refitted on all the fitted entries at half the shrinkage the folds (half of them each) chose
    assert np.isfinite(a["connection_shrinkage"]) and a["connection_shrinkage"] == float(cv.connection_shrinkage[kept]) / 2
    path = ", ".join(f"{lam:g}: {score:.3f}" for lam, score in zip(cv.connection_shrinkage.values, cv.values))
    # the share of the connections refined: the one whose path reached the better best score (here all of them)
    shares = refined.connection_share_cv
    assert list(shares.connection_share.values) == [1.0, 0.5] and a["connection_share"] == 1.0
    assert shares.values[0] == np.max(cv.values[np.isfinite(cv.connection_shrinkage.values)])
    assert shares.values[0] > shares.values[1]
    assert f"refitting all connections at lambda_e={a['connection_shrinkage']:g}, half the folds' " \
           f"(held-out corr by lambda_e: {path})" in shown
    # symmetric modulations of the existing connections only
    w, w0 = refined.weights.values, refined.structural_weights.values
    assert np.array_equal(w > 0, w0 > 0)
    ratio = np.where(w0 > 0, w / np.where(w0 > 0, w0, 1.0), 1.0)
    assert np.allclose(ratio, ratio.T, rtol=1e-12) and np.std(np.log(ratio[w0 > 0])) > 0.1
    assert np.array_equal(w0, plain.weights.values)
    # the documented reproduction: the refined weights, excitabilities and noise amplitudes, normalize="none"
    fitted = sub.replace(weights=w, lengths=refined.lengths.values)
    eta = refined.excitability.values
    assert np.ptp(eta) > 0.5 and "excitability" not in plain
    model = bn.CoombesByrne(eta=eta)
    held = network_fixed_point(model, fitted, bn.Linear(G=a["G"]), normalize="none")
    scanned = network_fixed_point(bn.CoombesByrne(eta=a["value"]), sub.replace(weights=w0), bn.Linear(G=a["G"]),
                                  normalize="none")
    assert np.allclose(held.values, scanned.values, rtol=0, atol=1e-9)  # the same working point
    fc = linear_fc(model, fitted, bn.Linear(G=a["G"]),
                   bn.Additive(v=0.02 * refined.noise_scale.values), observable="bold",
                   bold=bn.Bold(tr=720.0, baseline="initial"), band=True, normalize="none", at=held,
                   initial_state=held, dt=a["dt_chosen"]).values  # the runs start at the fixed point
    assert np.allclose(fc, refined.fc_linear.values, atol=1e-10)


def test_without_homotopic_pairs_nothing_is_added(hcp):
    c = hcp.connectome
    left = [lab for lab, r in zip(c.labels, np.asarray(c.hemispheres)) if not r]
    sub = c.subset(left)
    keep = c.index(left)
    fit = hcp.fc_fit.isel(region_i=keep, region_j=keep)
    kw = dict(values=[-2.0], fractions=[1.0, 1.05], weight_exponents=[1.0], regional_noise=False,
              effective_connectivity=False, simulate=False, progress=False)
    res = fit_working_point(sub, fit, **kw)
    plain = fit_working_point(sub, fit, homotopic_weights=[0.0], **kw)
    assert res.attrs["homotopic_pairs"] == 0 and res.attrs["homotopic_weight"] == 0.0
    assert np.isnan(res.homotopic_linear_corr.sel(homotopic_weight=1.0))
    assert np.array_equal(res.linear_corr.values, plain.linear_corr.values, equal_nan=True)
    assert np.array_equal(res.weights.values, sub.normalized("max").weights)


def test_branches_and_realisations_side_by_side_give_the_same_result(hcp):
    """workers= only changes how many threads run the independent branches and realisations."""
    labels = list(hcp.connectome.labels[:20])  # 10 homotopic pairs (Precentral_L, Precentral_R, ...): quick
    sub = hcp.connectome.subset(labels)
    fit, test = (fc.sel(region_i=labels, region_j=labels) for fc in (hcp.fc_fit, hcp.fc_test))
    kw = dict(test_fc=test, values=[-3.0, -2.0], fractions=[0.95, 1.0], weight_exponents=[1.0],
              homotopic_weights=[0.0, 1.0], candidates=2, seeds=2, duration=10_000.0, discard=2.0, band=None,
              control_variate=False, regional_noise=False, effective_connectivity=False,
              progress=False)  # the twins' determinism: the control-variate test; the noise fit: its own tests
    one = fit_working_point(sub, fit, workers=1, **kw)
    two = fit_working_point(sub, fit, workers=2, **kw)
    assert one.attrs["homotopic_pairs"] == 10
    for name in ("linear_corr", "G", "G_ref", "fc", "fc_linear", "candidate_fit_corr", "candidate_seeds_kept",
                 "homotopic_linear_corr", "weights"):
        np.testing.assert_array_equal(one[name].values, two[name].values, err_msg=name)
    assert int(one.candidate_seeds_kept[0]) == 2  # the first candidate's two realisations, averaged


def test_control_variate_is_the_linear_fc_plus_the_measured_correction(hcp):
    """Each realisation is paired with the linearised twin on the same noise: the model's FC is FC_lin plus the mean
    difference of the pairs. The model's own runs are the same bit for bit with and without the twin."""
    labels = list(hcp.connectome.labels[:20])
    sub = hcp.connectome.subset(labels)
    fit = hcp.fc_fit.sel(region_i=labels, region_j=labels)
    kw = dict(values=[-2.0], fractions=[1.0], weight_exponents=[1.0], homotopic_weights=[0.0], seeds=2,
              duration=80_000.0, discard=2.0, band=None, regional_noise=False, effective_connectivity=False,
              progress=False)
    cv = fit_working_point(sub, fit, **kw)
    plain = fit_working_point(sub, fit, control_variate=False, **kw)
    np.testing.assert_array_equal(cv.fc_runs.values, plain.fc_runs.values)
    np.testing.assert_array_equal(plain.fc.values, plain.fc_runs.values)
    assert cv.attrs["control_variate"] == 1 and plain.attrs["control_variate"] == 0
    assert np.isnan(plain.attrs["correction_rms"])
    u = _upper
    # 78 s of BOLD per run: the runs scatter around FC_lin, the corrected FC does not (measured 0.903 and 0.9998)
    assert np.corrcoef(u(cv.fc_runs.values), u(cv.fc_linear.values))[0, 1] < 0.95
    assert np.corrcoef(u(cv.fc.values), u(cv.fc_linear.values))[0, 1] > 0.999
    rms = np.sqrt(np.mean((u(cv.fc.values) - u(cv.fc_linear.values)) ** 2))
    np.testing.assert_allclose(cv.attrs["correction_rms"], rms, rtol=1e-12)
    assert rms < 0.02  # measured 0.0076


def test_runs_outside_the_linear_regime_send_the_fit_to_the_next_points_and_the_best_simulated_fit_is_kept(
        hcp, monkeypatch):
    """Near a stable fixed point each run tracks its linearised twin (the same noise); where the runs of the
    chosen point do not, the next linear points and the structural weights are simulated as well, and the best
    simulated fit of all of them is kept, with the records of its own setup."""
    import brainnet_cb.fitting.working_point_setup as setup_stage
    import brainnet_cb.fitting.working_point_simulation as stage

    # each refinement walks the shrinkages down to 0.1 on all pairs: what the default walk (both shares, down to
    # 0.03) chooses at the first candidate, whose refinement is then the default's; the choice itself is
    # tests/fitting/test_effective_connectivity.py's
    monkeypatch.setattr(setup_stage, "choose_connection_shrinkage",
                        functools.partial(setup_stage.choose_connection_shrinkage, shrinkages=(1.0, 0.3, 0.1), shares=(1.0,)))
    labels = list(hcp.connectome.labels[:20])
    sub = hcp.connectome.subset(labels)
    fit = hcp.fc_fit.sel(region_i=labels, region_j=labels)
    kw = dict(values=[-2.0], fractions=[1.0, 1.05, 1.1], weight_exponents=[1.0], homotopic_weights=[0.0], seeds=1,
              duration=30_000.0, discard=2.0, band=None, progress=False)
    default = fit_working_point(sub, fit, **kw)
    assert default.candidate_linear_regime.values.tolist() == [True]  # one point simulated: its runs tracked
    monkeypatch.setattr(stage, "LINEAR_REGIME_CORR", 1.5)  # no run can pass: every attempt is simulated
    res = fit_working_point(sub, fit, **kw)
    assert res.candidate_linear_regime.values.tolist() == [False] * 4
    assert res.candidate_refined.values.tolist() == [True, True, True, False]  # the last: the best point again
    assert res.candidate_fraction.values[3] == res.candidate_fraction.values[0]
    scores = res.candidate_fit_corr.values
    assert np.all(np.isfinite(scores)) and np.ptp(scores) > 0
    best = int(np.argmax(scores))
    assert res.attrs["fit_corr"] == scores[best] and res.attrs["G_over_G_ref"] == res.candidate_fraction.values[best]
    assert np.isfinite(res.attrs["connection_shrinkage"])
    # the refined best point is kept (fit 0.94 against 0.67 on the structural weights, simulated after it at the
    # same point): its FC is its own linearised FC plus its own correction, not the structural one's
    assert best == 0 and scores[0] > scores[3] + 0.2
    rms = np.sqrt(np.mean((_upper(res.fc.values) - _upper(res.fc_linear.values)) ** 2))
    np.testing.assert_allclose(res.attrs["correction_rms"], rms, rtol=1e-12)
    assert rms < 0.05  # measured 0.023
    # the first candidate is the default fit's own point and runs: the same scores
    assert scores[0] == default.candidate_fit_corr.values[0]


@pytest.mark.slow
def test_simulated_working_point_tracks_the_linear_prediction(hcp):
    res = fit_working_point(hcp.connectome, hcp.fc_fit, test_fc=hcp.fc_test, values=[-2.0],
                            fractions=[1.0, 1.05], weight_exponents=[1.0], homotopic_weights=[0.0], candidates=1,
                            seeds=2, control_variate=False, regional_noise=False, effective_connectivity=False,
                            duration=200_000.0, discard=20.0, progress=False)
    a = res.attrs
    assert a["simulated"] == 1 and int(res.candidate_seeds_kept[0]) == 2
    # the plain realisations themselves follow the linear prediction
    assert np.corrcoef(_upper(res.fc.values), _upper(res.fc_linear.values))[0, 1] > 0.8
    assert a["test_corr"] > a["sc_baseline_test"]


def test_a_candidate_that_the_delays_destabilise_is_not_simulated_and_the_next_linear_point_is(hcp):
    """On 20 hcp80 regions with homotopic connections, eta0 = -2 at 1.05 G_ref is stable without delays (the
    linear stage's Jacobian) but a 0.1 % kick grows with the tract delays; the next linear point is taken."""
    keep = list(hcp.connectome.labels[:20])
    res = fit_working_point(hcp.connectome.subset(keep), hcp.fc_fit.sel(region_i=keep, region_j=keep),
                            values=[-2.0], fractions=[1.0, 1.05], weight_exponents=[1.0], homotopic_weights=[1.0],
                            seeds=1, candidates=1, duration=10_000.0, discard=2.0, band=None,
                            effective_connectivity=False, progress=False)
    lin = res.linear_corr.values[0, 0]
    assert lin[1] > lin[0]  # the linear stage prefers 1.05 G_ref
    assert res.candidate_fraction.values.tolist() == [1.05, 1.0]
    assert res.candidate_delay_stable.values.tolist() == [False, True]
    assert res.candidate_seeds_kept.values.tolist() == [0, 1]
    assert res.attrs["G_over_G_ref"] == 1.0 and np.isfinite(res.attrs["fit_corr"])
    # the noise of every region was fitted at the point simulated (20 regions: 190 connections, enough)
    assert res.attrs["regional_noise"] == 1 and np.isfinite(res.attrs["noise_shrinkage"])
    # without the next point, the error says what stopped the candidate
    with pytest.raises(FitError, match=r"^every simulated candidate \(1: the best points of the linear scan\) is "
                                       r"unstable with the tract delays \(a mode grows through them at that coupling, "
                                       r"which the linear stage does not see\); scan weaker couplings \(fractions= "
                                       r"below the kept ones\), or check that the tract lengths are in mm\.$"):
        fit_working_point(hcp.connectome.subset(keep), hcp.fc_fit.sel(region_i=keep, region_j=keep),
                          values=[-2.0], fractions=[1.05], weight_exponents=[1.0], homotopic_weights=[1.0],
                          seeds=1, candidates=1, duration=10_000.0, discard=2.0, band=None,
                          effective_connectivity=False, progress=False)


def test_where_the_delays_destabilise_every_candidate_tried_the_scan_is_walked_on_to_a_stable_point(hcp):
    """On the 20 regions above, 1.02-1.14 G_ref are all unstable with the tract delays (measured at 1.02, 1.04,
    ..., 1.14) and the linear stage ranks them first: the three batches tried are passed over without a run, and
    the walk goes on down the linear order to 0.95 G_ref, which passes and runs (the old plan gave up)."""
    keep = list(hcp.connectome.labels[:20])
    res = fit_working_point(hcp.connectome.subset(keep), hcp.fc_fit.sel(region_i=keep, region_j=keep),
                            values=[-2.0], fractions=[0.95, 1.04, 1.06, 1.08], weight_exponents=[1.0],
                            homotopic_weights=[1.0], seeds=1, candidates=1, duration=10_000.0, discard=2.0,
                            band=None, effective_connectivity=False, progress=False)
    lin = res.linear_corr.values[0, 0]
    assert np.all(np.diff(lin) > 0)  # the linear order: 1.08, 1.06, 1.04, 0.95
    assert res.candidate_fraction.values.tolist() == [1.08, 1.06, 1.04, 0.95]
    assert res.candidate_delay_stable.values.tolist() == [False, False, False, True]
    assert res.candidate_seeds_kept.values.tolist() == [0, 0, 0, 1]
    assert res.attrs["G_over_G_ref"] == 0.95 and res.attrs["fit_corr"] == res.candidate_fit_corr.values[3]
    assert res.attrs["scans_passed_over"] == "[]"


def test_where_the_delays_destabilise_every_candidate_of_the_kept_scan_the_next_best_scan_is_simulated(hcp):
    """At 1.05 G_ref the homotopic connections (h = 1) fit better in the linear stage, but that point is unstable
    with the delays (above); the scan without them (h = 0) is simulated instead, and the result says so."""
    keep = list(hcp.connectome.labels[:20])
    res = fit_working_point(hcp.connectome.subset(keep), hcp.fc_fit.sel(region_i=keep, region_j=keep),
                            values=[-2.0], fractions=[1.05], weight_exponents=[1.0], homotopic_weights=[0.0, 1.0],
                            seeds=1, candidates=1, duration=10_000.0, discard=2.0, band=None,
                            effective_connectivity=False, progress=False)
    assert res.homotopic_linear_corr.values[1] > res.homotopic_linear_corr.values[0]
    assert res.attrs["homotopic_weight"] == 0.0 and json.loads(res.attrs["scans_passed_over"]) == [[1.0, 1.0]]
    assert res.candidate_delay_stable.values.tolist() == [True]
    assert np.isfinite(res.attrs["fit_corr"]) and res.attrs["fit_corr"] == res.candidate_fit_corr.values[0]
    # its linear scan (h = 0) is the one reported
    assert np.nanmax(res.linear_corr.values) == res.homotopic_linear_corr.values[0]
    assert res.attrs["G"] == res.G.values[0, 0, 0]
    # with homotopic connections of weight 1 or 2, both unstable there: the error names the scans
    with pytest.raises(FitError, match=r"^every candidate of the better scans \(\(1, 2\): weight exponent, homotopic "
                                       r"weight\) was unstable with the tract delays or had no usable integration "
                                       r"step; of the next, \(1, 1\), every simulated candidate \(1\) is unstable "
                                       r"with the tract delays \(a mode grows through them at that coupling, which "
                                       r"the linear stage does not see\); scan weaker couplings \(fractions= below "
                                       r"the kept ones\), or check that the tract lengths are in mm\.$"):
        fit_working_point(hcp.connectome.subset(keep), hcp.fc_fit.sel(region_i=keep, region_j=keep),
                          values=[-2.0], fractions=[1.05], weight_exponents=[1.0], homotopic_weights=[1.0, 2.0],
                          seeds=1, candidates=1, duration=10_000.0, discard=2.0, band=None,
                          effective_connectivity=False, progress=False)


def test_the_walk_past_points_the_delays_destabilise_stops_where_the_next_scans_best_comes_first(hcp):
    """With homotopic connections (h = 1) the linear stage ranks 1.05 G_ref first (0.575), unstable with the delays
    (above), then 0.95 G_ref (0.497), below the best point without them (h = 0, 1.05 G_ref: 0.515): that one is
    simulated next, not the scan's second point (the walk used to go down the kept scan first: on cuBNM's HCP
    subject 100206 past 80 points, to one scoring 0.491 held out against 0.701 in the linear stage)."""
    keep = list(hcp.connectome.labels[:20])
    res = fit_working_point(hcp.connectome.subset(keep), hcp.fc_fit.sel(region_i=keep, region_j=keep),
                            values=[-2.0], fractions=[0.95, 1.05], weight_exponents=[1.0],
                            homotopic_weights=[0.0, 1.0], seeds=1, candidates=1, duration=10_000.0, discard=2.0,
                            band=None, effective_connectivity=False, progress=False)
    lin_h = res.homotopic_linear_corr.values
    assert lin_h[1] > lin_h[0] > 0.497  # h = 1 first; h = 0's best above h = 1's 0.95 G_ref
    assert res.attrs["homotopic_weight"] == 0.0 and json.loads(res.attrs["scans_passed_over"]) == [[1.0, 1.0]]
    assert res.attrs["G_over_G_ref"] == 1.05 and res.candidate_delay_stable.values.tolist() == [True]
    assert np.isfinite(res.attrs["fit_corr"])


@pytest.mark.parametrize("refined, tried", [(False, 3), (True, 4)])
def test_where_every_candidate_diverges_the_next_linear_points_are_simulated_then_the_error_says_so(hcp, refined,
                                                                                                   tried, monkeypatch):
    """Noise far outside the linear regime blows every run up: the best point, then the next two, then (with
    refined weights) the best point on the structural weights, then an error.

    Every refinement diverges in its 10-s check too, and is then scaled back toward the structural weights: one
    fraction here, not the nine of BACKOFF_FRACTIONS (each a 10-s run; the whole sequence is
    tests/fitting/test_effective_connectivity.py's), to the same structural weights and the same candidates; and
    each refinement walks one share of the connections and two shrinkages, not the default two shares and up to
    five (the choice of share and shrinkage is that file's; here every refinement only has to diverge)."""
    import brainnet_cb.fitting.effective_connectivity as ec
    import brainnet_cb.fitting.working_point_setup as setup_stage

    monkeypatch.setattr(ec, "BACKOFF_FRACTIONS", (0.5,))
    monkeypatch.setattr(setup_stage, "choose_connection_shrinkage",
                        functools.partial(setup_stage.choose_connection_shrinkage, shrinkages=(0.3, 0.1), shares=(1.0,)))
    keep = list(hcp.connectome.labels[:20])
    with pytest.raises(FitError, match=rf"^every simulated candidate \({tried}: the best points of the linear scan\) "
                                       r"diverged or gave an undefined FC; use a smaller dt or weaker noise\.$"):
        fit_working_point(hcp.connectome.subset(keep), hcp.fc_fit.sel(region_i=keep, region_j=keep), values=[-2.0],
                          fractions=[1.0, 1.05, 1.1, 1.15], weight_exponents=[1.0], homotopic_weights=[0.0],
                          seeds=1, candidates=1, duration=40_000.0, discard=5.0, band=None,
                          noise=bn.Additive(v=1e3), control_variate=False, regional_noise=False,
                          effective_connectivity=refined, progress=False)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(parameter="nope"), r"^parameter 'nope' is not a parameter of CoombesByrne; choose from \['Delta', "
                                 r"'eta', 'k', 'v_syn'\]\.$"),
        (dict(values=[]), r"^values must be a non-empty 1-D sequence of finite numbers; got \[\]\.$"),
        (dict(fractions=[0.0, 1.0]), r"^fractions must be > 0 \(G / G_ref\); got \[0\.0, 1\.0\]\.$"),
        (dict(weight_exponents=[1.0, 0.0]), r"^weight_exponents must be > 0 \(W \*\* gamma of the normalised "
                                            r"weights\); got \[0\.0, 1\.0\]\.$"),
        (dict(weight_exponents=[np.nan]), r"^weight_exponents must be a non-empty 1-D sequence of finite numbers; got "
                                          r"\[nan\]\.$"),
        (dict(extend_exponents="yes"), r"^extend_exponents must be True or False; got 'yes'\.$"),
        (dict(homotopic_weights=[0.0, -0.5]), r"^homotopic_weights must be >= 0 \(fractions of the largest weight\); "
                                              r"got \[-0\.5, 0\.0\]\.$"),
        (dict(homotopic_weights=[np.inf]), r"^homotopic_weights must be a non-empty 1-D sequence of finite numbers; "
                                           r"got \[inf\]\.$"),
        (dict(heterogeneity="degree"), r"^heterogeneity must be None, 'strength' or an array of 80 values \(one per "
                                       r"region\); got 'degree'\.$"),
        (dict(heterogeneity=np.ones(80)), r"^the heterogeneity map is constant; give a map that varies across "
                                          r"regions\.$"),
        (dict(heterogeneity=np.ones(3)), r"^heterogeneity must be None, 'strength' or a finite array of shape \(80,\) "
                                         r"\(one value per region\); got shape \(3,\)\.$"),
        (dict(noise=0.1), r"^noise must be bn\.Additive\(\.\.\.\); got 0\.1\.$"),
        (dict(seeds=0), r"^seeds must be an integer >= 1; got 0\.$"),
        (dict(control_variate="yes"), r"^control_variate must be True or False; got 'yes'\.$"),
        (dict(regional_noise=1), r"^regional_noise must be True or False; got 1\.$"),
        (dict(effective_connectivity="no"), r"^effective_connectivity must be True or False; got 'no'\.$"),
        (dict(simulate="no"), r"^simulate must be True or False \(False: the linear stage only\); got 'no'\.$"),
        (dict(parameter="k", values=[0.5, 1.0]), r"^effective_connectivity=True: CoombesByrne's 'k' does not add to "
                                                 r"its coupling input \('v'\), so it cannot hold the fixed point "
                                                 r"while the weights change; scan a parameter that does \(eta of "
                                                 r"CoombesByrne or MontbrioPazoRoxin\), or keep the structural "
                                                 r"weights \(effective_connectivity=False\)\.$"),
        (dict(workers=0), r"^workers must be an integer >= 1; got 0\.$"),
        (dict(workers=2.0), r"^workers must be an integer >= 1; got 2\.0\.$"),
        (dict(holdout="time"), r"^holdout must be None or 'edges'; got 'time'\.$"),
        *[(dict(fc_halves=h), r"^fc_halves must be two FCs, of the first and of the second half of each series "
                              rf"behind empirical_fc \(bn\.fc_halves\(series\)\); got {text}\.$")
          for h, text in ((np.eye(80), "ndarray of length 80"), ("ab", "str of length 2"), (0.5, "float"),
                          ([np.eye(80)], "list of length 1"))],
        (dict(fc_halves=(load_empirical("hcp80").fc_fit, np.eye(3))),
         r"^fc_halves\[1\] has 3 regions but the connectome 'hcp80 "),
        (dict(duration=60_000.0), SHORT_RUN),
        # was: "duration 288 s is too short for the band-pass"
        (dict(band=(0.01, 1.0)), r"^band must satisfy 0 < low < high < Nyquist frequency; got band=\(0\.01, 1\) Hz "
                                 r"and Nyquist = 0\.694444 Hz \(sampling interval 0\.72 s\)\. Choose a band inside "
                                 r"\(0, Nyquist\) or sample more often\.$"),
        (dict(model="CB"), r"^model must be a node model such as bn\.CoombesByrne\(\); got 'CB'\.$"),
    ],
)
def test_bad_input_is_refused_before_any_work(hcp, kwargs, message):
    with pytest.raises(FitError, match=message):
        fit_working_point(hcp.connectome, hcp.fc_fit, progress=False, **kwargs)


def test_a_progress_flag_that_is_no_bool_is_refused(hcp):
    """progress="no" is truthy: it showed a bar; None (a bar on a terminal), True and False are the choices."""
    with pytest.raises(FitError, match=r"^progress must be True, False or None \(None: a bar on a terminal\); "
                                       r"got 'no'\.$"):
        fit_working_point(hcp.connectome, hcp.fc_fit, progress="no")


def test_targets_must_match_the_connectome(hcp):
    with pytest.raises(FitError, match=r"^empirical_fc has 3 regions but the connectome 'hcp80 \(HCP group SC, mean "
                                       r"of 7 subjects, AAL2 80 cortical regions\)' has 80; pass the FC of the "
                                       r"simulated regions \(labelled, to align by label\)\.$"):
        fit_working_point(hcp.connectome, np.eye(3), progress=False)
    with pytest.raises(FitError, match=r"^holdout='edges' scores the held-out edges of empirical_fc; pass it without "
                                       r"test_fc \(or drop holdout to score test_fc\)\.$"):
        fit_working_point(hcp.connectome, hcp.fc_fit, test_fc=hcp.fc_test, holdout="edges", progress=False)
    with pytest.raises(FitError, match=r"^connectome must be a bn\.Connectome; got ndarray: make one from a weights "
                                       r"matrix with bn\.Connectome\(weights, lengths\)\.$"):
        fit_working_point(np.eye(80), hcp.fc_fit, progress=False)


def _constant(n, value=0.3):
    m = np.full((n, n), value)
    np.fill_diagonal(m, 1.0)
    return m


def test_a_target_without_spread_over_its_pairs_is_refused(hcp):
    with pytest.raises(FitError, match=r"^empirical_fc has the same value \(0\.3\) at every pair of regions, so its "
                                       r"correlation with any model FC is undefined; pass the FC matrix of the data "
                                       r"\(e\.g\. bn\.read_fc or bn\.fc_matrix of a correlation matrix\)\.$"):
        fit_working_point(hcp.connectome, _constant(80), test_fc=hcp.fc_test, progress=False)
    with pytest.raises(FitError, match=r"^test_fc has the same value \(0\.3\) at every pair of regions, so its "
                                       r"correlation with any model FC is undefined; pass the FC matrix of the data "
                                       r"\(e\.g\. bn\.read_fc or bn\.fc_matrix of a correlation matrix\)\.$"):
        fit_working_point(hcp.connectome, hcp.fc_fit, test_fc=_constant(80), progress=False)
    # held-out edges: the fitted half alone is checked (here constant, the other half not)
    fit_mask, _ = edge_masks(80, "edges", 0)
    fc = np.asarray(hcp.fc_fit, dtype=float).copy()
    iu = np.triu_indices(80, 1)
    fc[iu[0][fit_mask], iu[1][fit_mask]] = fc[iu[1][fit_mask], iu[0][fit_mask]] = 0.25
    with pytest.raises(FitError, match=r"^empirical_fc has the same value \(0\.25\) at every fitted pair of regions, "
                                       r"so its correlation with any model FC is undefined; pass the FC matrix of the "
                                       r"data \(e\.g\. bn\.read_fc or bn\.fc_matrix of a correlation matrix\)\.$"):
        fit_working_point(hcp.connectome, fc, holdout="edges", progress=False)
    fc = np.asarray(hcp.fc_fit, dtype=float).copy()
    fc[iu[0][~fit_mask], iu[1][~fit_mask]] = fc[iu[1][~fit_mask], iu[0][~fit_mask]] = 0.25
    with pytest.raises(FitError, match=r"^empirical_fc has the same value \(0\.25\) at every scored pair of regions, "
                                       r"so its correlation with any model FC is undefined; pass the FC matrix of the "
                                       r"data \(e\.g\. bn\.read_fc or bn\.fc_matrix of a correlation matrix\)\.$"):
        fit_working_point(hcp.connectome, fc, holdout="edges", progress=False)
    three = bn.Connectome(weights=1.0 - np.eye(3), lengths=30.0 * (1.0 - np.eye(3)))
    with pytest.raises(FitError, match=r"^empirical_fc has 1 fitted pair\(s\) of regions; a correlation needs at "
                                       r"least 3 \(holdout='edges' fits one half of the pairs present and scores the "
                                       r"other: pass a larger network, or test_fc without holdout\)\.$"):
        fit_working_point(three, [[1.0, 0.4, 0.2], [0.4, 1.0, 0.3], [0.2, 0.3, 1.0]], holdout="edges", progress=False)
    two = bn.Connectome(weights=[[0.0, 1.0], [1.0, 0.0]], lengths=[[0.0, 30.0], [30.0, 0.0]])
    with pytest.raises(FitError, match=r"^empirical_fc has 1 pair\(s\) of regions; a correlation needs at least 3\.$"):
        fit_working_point(two, [[1.0, 0.4], [0.4, 1.0]], progress=False)


def test_missing_pairs_are_neither_fitted_nor_scored_and_their_region_is_still_simulated(hcp):
    """A region without signal in the fit FC (a row and column of NaN) and one pair missing from the test FC: the
    scores and the structural baseline are those of the pairs present (computed here with numpy); the region
    keeps its place in the network and its model FC."""
    keep = list(hcp.connectome.labels[:20])
    conn = hcp.connectome.subset(keep)
    fit = hcp.fc_fit.sel(region_i=keep, region_j=keep).values.copy()
    test = hcp.fc_test.sel(region_i=keep, region_j=keep).values.copy()
    fit[4, :] = fit[:, 4] = np.nan
    test[7, 9] = test[9, 7] = np.nan
    res = fit_working_point(conn, fit, test_fc=test, values=[-2.0], fractions=[0.9, 1.0], weight_exponents=[1.0],
                            homotopic_weights=[0.0], simulate=False, progress=False)
    iu = np.triu_indices(20, 1)
    model = res.fc.values[iu]
    assert np.isfinite(res.fc.values).all()
    sc = np.asarray(conn.weights)
    sc = (sc + sc.T)[iu]
    for tag, target in (("fit", fit[iu]), ("test", test[iu])):
        present = np.isfinite(target)
        assert present.sum() == (171 if tag == "fit" else 189)
        np.testing.assert_allclose(res.attrs[f"{tag}_corr"], np.corrcoef(model[present], target[present])[0, 1],
                                   rtol=1e-12)
        np.testing.assert_allclose(res.attrs[f"sc_baseline_{tag}"],
                                   np.corrcoef(sc[present], target[present])[0, 1], rtol=1e-12)
    assert np.isnan(res.empirical_fc.values[4, np.arange(20) != 4]).all()


def test_a_connectome_without_a_working_point_or_with_every_pair_alike_is_refused_before_any_work(hcp):
    conn = hcp.connectome
    w = np.asarray(conn.weights)
    triangle = conn.replace(weights=np.triu(w))  # one triangle of a symmetric matrix: no closed loop
    hcp80 = r"^the connectome 'hcp80 \(HCP group SC, mean of 7 subjects, AAL2 80 cortical regions\)' "
    no_loop = hcp80 + (r"has no closed loop of connections \({}\): the coupling feeds nothing back, so there is no "
                       r"working point to find\. Pass the full weight matrix \(conn\.symmetrized\('max'\) fills the "
                       r"other triangle of a stored triangle\)\.$")
    cases = [
        (conn.replace(weights=np.zeros((80, 80))), no_loop.format("every weight is 0")),
        (triangle, no_loop.format("its connections form a directed acyclic graph, e\\.g\\. one triangle of a "
                                  "symmetric matrix")),
        (conn.replace(weights=1.0 - np.eye(80)),  # hcp80 binarised: 98.75 % dense, here the complete graph
         hcp80 + r"has the same weight \(1\) between every pair of regions \(a complete graph with equal weights, "
                 r"e\.g\. a dense SC binarised\): every region is alike, and so is the model's FC at every pair\. "
                 r"Pass the weighted SC\.$"),
    ]
    for connectome, message in cases:  # before the run's own checks (a series too short), so before any work
        with pytest.raises(FitError, match=message):
            fit_working_point(connectome, hcp.fc_fit, duration=60_000.0, homotopic_weights=[0.0], progress=False)
    # regions made unlike by a heterogeneity map or by homotopic connections (the default weights): not refused
    complete = conn.replace(weights=1.0 - np.eye(80))
    for options in (dict(heterogeneity=np.arange(80.0), homotopic_weights=[0.0]), {}):
        with pytest.raises(FitError, match=SHORT_RUN):
            fit_working_point(complete, hcp.fc_fit, duration=60_000.0, progress=False, **options)
    # self-connections only: regions alike
    with pytest.raises(FitError, match=r"^the connectome 'hcp80 \(HCP group SC, mean of 7 subjects, AAL2 80 cortical "
                                       r"regions\)' has the same weight \(0\) between every pair of regions \(no "
                                       r"connection between two regions\): every region is alike, and so is the "
                                       r"model's FC at every pair\. Pass the weighted SC\.$"):
        fit_working_point(conn.replace(weights=np.eye(80)), hcp.fc_fit, homotopic_weights=[0.0],
                          duration=60_000.0, progress=False)
    # the triangle filled in is the SC again; one closed loop (a connection back) is enough
    back = np.triu(w)
    back[1, 0] = back[0, 1]
    for connectome in (triangle.symmetrized("max"), conn.replace(weights=back)):
        with pytest.raises(FitError, match=SHORT_RUN):
            fit_working_point(connectome, hcp.fc_fit, duration=60_000.0, progress=False)
    assert np.array_equal(triangle.symmetrized("max").weights, np.maximum(w, w.T))


def test_an_fc_in_another_region_order_warns_before_any_work(hcp):
    order = np.random.default_rng(0).permutation(80)
    shuffled = np.asarray(hcp.fc_fit, dtype=float)[np.ix_(order, order)]  # unlabelled: cannot be aligned
    # the warning comes before the run's own checks (here a series too short to band-pass), so before any work
    with pytest.warns(UnrelatedTargetWarning, match=r"^the structural weights correlate -0\.025 with empirical_fc "
                                                    r"over the fitted pairs \(<= 0; usually 0\.2-0\.5\): is the FC in "
                                                    r"the connectome's region order\? Pass it labelled "
                                                    r"\(bn\.read_fc\(path, labels=\.\.\.\) or bn\.fc_matrix\(m, "
                                                    r"labels\)\) to align it by label, and check that the weights are "
                                                    r"tract strengths, not distances\.$"):
        with pytest.raises(FitError, match=SHORT_RUN):
            fit_working_point(hcp.connectome, shuffled, duration=60_000.0, progress=False)
    with warnings.catch_warnings():  # the FC in its own order (SC-FC 0.30): no warning
        warnings.simplefilter("error", UnrelatedTargetWarning)
        with pytest.raises(FitError, match=SHORT_RUN):
            fit_working_point(hcp.connectome, hcp.fc_fit, duration=60_000.0, progress=False)


def test_a_labelled_fc_or_a_few_pairs_are_not_blamed_on_the_region_order(hcp):
    """A labelled FC is aligned by label, so its order cannot be wrong; over 4 regions (6 pairs) corr(SC, FC) of
    -0.178 is within chance (2/sqrt(6) = 0.816): both were met with 'is the FC in the connectome's region order?'."""
    order = np.random.default_rng(0).permutation(80)
    mislabelled = hcp.fc_fit.copy(data=np.asarray(hcp.fc_fit, dtype=float)[np.ix_(order, order)])  # labels kept
    with pytest.warns(UnrelatedTargetWarning, match=r"^the structural weights correlate -0\.025 with empirical_fc over "
                                                    r"the fitted pairs \(<= 0; usually 0\.2-0\.5\); empirical_fc was "
                                                    r"aligned to the connectome by its labels, so its region order is "
                                                    r"not the cause: check that the weights are tract strengths, not "
                                                    r"distances\.$"):
        with pytest.raises(FitError, match=SHORT_RUN):
            fit_working_point(hcp.connectome, mislabelled, duration=60_000.0, progress=False)
    labels = list(hcp.connectome.labels[:4])
    conn, fc = hcp.connectome.subset(labels), hcp.fc_fit.sel(region_i=labels, region_j=labels)
    for given in (fc, fc.values):  # labelled or not: within chance, no cause named
        with pytest.warns(UnrelatedTargetWarning, match=r"^the structural weights correlate -0\.178 with empirical_fc "
                                                        r"over the fitted pairs \(<= 0; usually 0\.2-0\.5\), within "
                                                        r"chance over 6 pairs \(\|r\| < 2/sqrt\(6\) = 0\.816\): too few "
                                                        r"pairs for it to say anything of the FC or the weights\.$"):
            with pytest.raises(FitError, match=SHORT_RUN):
                fit_working_point(conn, given, duration=60_000.0, progress=False)


def test_fractions_at_the_end_of_a_lost_branch_are_said_to_be_past_it(hcp):
    """fractions=[1.0] where the branch loses stability at G_ref: no stable point by construction, and the error
    only said 'try other fractions='."""
    labels = list(hcp.connectome.labels[:4])
    conn, fc = hcp.connectome.subset(labels), hcp.fc_fit.sel(region_i=labels, region_j=labels)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UnrelatedTargetWarning)  # over 6 pairs: within chance
        warnings.simplefilter("ignore", bn.ScanEdgeWarning)  # 0.7, the lowest fraction, is the best
        with pytest.raises(FitError, match=r"^no stable working point was found for any value; try other values= or "
                                           r"fractions=\. G_ref is where the branch loses stability: fractions at or "
                                           r"above 1 \(here 1\) are past it, so pass fractions below 1 for a stable "
                                           r"working point, e\.g\. fractions=\[0\.7, 0\.8, 0\.9\]\.$"):
            fit_working_point(conn, fc, values=[-2.0], fractions=[1.0], weight_exponents=[1.0],
                              homotopic_weights=[0.0], regional_noise=False, effective_connectivity=False,
                              simulate=False, progress=False)
        res = fit_working_point(conn, fc, values=[-2.0], fractions=[0.7, 0.8, 0.9], weight_exponents=[1.0],
                                homotopic_weights=[0.0], regional_noise=False, effective_connectivity=False,
                                simulate=False, progress=False)  # the suggested fractions have a working point
    assert res.attrs["G_over_G_ref"] < 1


@bn.node_model
class _Unreached(bn.NodeModel):
    """Two relaxing variables: the input drives y, x is sent and never feels it (dx/dt = b - x, dy/dt = input - y)."""

    b: float = 0.5
    states: ClassVar[tuple] = ("x", "y")
    state_units: ClassVar[dict] = {"x": "1", "y": "1"}
    long_names: ClassVar[dict] = {"x": "sent", "y": "driven"}
    initial: ClassVar[dict] = {"x": 0.5, "y": 0.0}
    sends: ClassVar[str] = "x"
    receives: ClassVar[str] = "y"
    input_ports: ClassVar[tuple] = ("y",)

    def dfun(self, x, inputs):
        return jnp.stack([self.b - x[0], inputs.get("y", 0.0) - x[1]])


def test_where_no_branch_has_a_working_point_the_error_says_why(hcp):
    with pytest.raises(FitError, match=r"^the default noise is on 'v', which _Unreached does not have \(its states: "
                                       r"x, y\); pass noise=bn\.Additive\(<state>=0\.02\) on the state that receives "
                                       r"the coupling\.$"):
        fit_working_point(hcp.connectome, hcp.fc_fit, model=_Unreached(), parameter="b", progress=False)
    with pytest.raises(FitError, match=r"^no stable working point was found for any value; try other values= or "
                                       r"fractions=\. b=0\.5, b=1: _Unreached at these parameters has no positive "
                                       r"feedback through the coupling \(open-loop gain <= 0\): there is no working "
                                       r"point to find\.$"):
        fit_working_point(hcp.connectome, hcp.fc_fit, model=_Unreached(), parameter="b", values=[0.5, 1.0],
                          noise=bn.Additive(y=0.01),
                          weight_exponents=[1.0, 2.0], homotopic_weights=[0.0], effective_connectivity=False,
                          simulate=False, progress=False)  # the same at both exponents: said once, unqualified


def test_a_working_point_whose_mean_fc_is_far_from_the_datas_is_warned_about(hcp):
    """10 hcp80 regions, one excitability and one exponent: the scan keeps 0.5 G_ref (the linear stage's corr 0.626
    with uniform noise; 0.620 at 1.5 G_ref) with a mean FC a tenth of the data's."""
    labels = list(hcp.connectome.labels[:10])
    fc = hcp.fc_fit.sel(region_i=labels, region_j=labels)
    quick = dict(weight_exponents=[1.0], homotopic_weights=[0.0], effective_connectivity=False, simulate=False,
                 progress=False)
    with pytest.warns(bn.FCLevelWarning, match=r"^the working point chosen has a model FC of mean 0\.04\d over the "
                                               r"fitted pairs against the data's 0\.525: its correlation \(0\.\d+\) "
                                               r"may come from a regime of weak coupling whose pattern, but not level, "
                                               r"matches the data\. Compare the scan's linear_corr with its "
                                               r"linear_fc_mean, and where a point with a closer mean scores nearly as "
                                               r"well, fit around it \(values=, fractions=\)\.$") as caught:
        res = fit_working_point(hcp.connectome.subset(labels), fc, values=[-2.0], **quick)
    assert res.attrs["fit_fc_mean_model"] < res.attrs["fit_fc_mean_empirical"] / 2
    assert caught[0].filename == __file__
    with warnings.catch_warnings():  # hcp80 (0.37 against 0.41 in the docs' table): no warning
        warnings.simplefilter("error", bn.FCLevelWarning)
        res = fit_working_point(hcp.connectome, hcp.fc_fit, values=[-2.0], fractions=[1.05], **quick)
    assert res.attrs["fit_fc_mean_empirical"] / 2 <= res.attrs["fit_fc_mean_model"]


def test_a_region_without_connections_is_named_unless_a_homotopic_one_reaches_it(hcp):
    """An uncoupled region's model FC is exactly 0 with every other region (its fluctuations are its own); the fit
    said nothing. Its homotopic connection (Frontal_Sup_2_R is among the 10 regions) couples it again."""
    labels = list(hcp.connectome.labels[:10])
    w = hcp.connectome.subset(labels).weights.copy()
    w[2, :] = w[:, 2] = 0.0
    conn = hcp.connectome.subset(labels).replace(weights=w)
    fc = hcp.fc_fit.sel(region_i=labels, region_j=labels)
    quick = dict(values=[-2.0], weight_exponents=[1.0], effective_connectivity=False, simulate=False,
                 progress=False)
    with pytest.warns(bn.IsolatedRegionWarning, match=r"^region 'Frontal_Sup_2_L' has no connection to another region "
                                                      r"of 'hcp80 \(HCP group SC, mean of 7 subjects, AAL2 80 "
                                                      r"cortical regions\)': the model's FC of its pairs is 0 at "
                                                      r"every working point, and 9 of the fitted pairs are among "
                                                      r"them\. Drop such regions from the connectome and the FC "
                                                      r"\(connectome\.subset\(labels\) and the FC of those labels\), "
                                                      r"or give them connections \(homotopic_weights= with labels "
                                                      r"that pair the hemispheres\)\.$") as caught:
        res = fit_working_point(conn, fc, homotopic_weights=[0.0], **quick)
    assert caught[0].filename == __file__
    i = labels.index("Frontal_Sup_2_L")
    np.testing.assert_array_equal(np.delete(res["fc"].values[i], i), 0.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", bn.IsolatedRegionWarning)
        res = fit_working_point(conn, fc, homotopic_weights=[1.0], **quick)
    assert res.attrs["homotopic_weight"] == 1.0
    assert abs(res["fc"].values[i, labels.index("Frontal_Sup_2_R")]) > 0.01


def test_a_labelled_heterogeneity_map_is_put_in_the_connectomes_order_by_label(hcp):
    """A map as a pandas Series or DataArray labelled by region, in another order, was used by position."""
    import pandas as pd
    import xarray as xr

    conn = hcp.connectome.subset(list(hcp.connectome.labels[:6]))
    values = np.array([1.0, 2.0, 4.0, 8.0, 16.0, 32.0])
    expected = (values - values.mean()) / values.std()
    shuffled = pd.Series(values, index=list(conn.labels)).iloc[[3, 0, 5, 1, 4, 2]]
    np.testing.assert_allclose(heterogeneity_map(shuffled, conn), expected, rtol=1e-15)
    as_xr = xr.DataArray(shuffled.to_numpy(), dims="region", coords={"region": list(shuffled.index)})
    np.testing.assert_allclose(heterogeneity_map(as_xr, conn), expected, rtol=1e-15)
    np.testing.assert_allclose(heterogeneity_map(pd.Series(values), conn), expected, rtol=1e-15)  # positions
    other = pd.Series(values, index=[f"x{k}" for k in range(6)])
    with pytest.raises(FitError, match=r"^the heterogeneity map is labelled by region, but its labels are not the "
                                       r"connectome's 6 regions once each \(6 labels; unknown \['x0', 'x1', 'x2', "
                                       r"'x3', 'x4'\] \.\.\., missing \['Precentral_L', 'Precentral_R', "
                                       r"'Frontal_Sup_2_L', 'Frontal_Sup_2_R', 'Frontal_Mid_2_L'\] \.\.\., repeated "
                                       r"\[\]\); label it with connectome\.labels, or pass a plain array in the "
                                       r"connectome's region order\.$"):
        heterogeneity_map(other, conn)


def test_speed_and_step_as_quantities_equal_plain_numbers(hcp):
    """speed in m/s and dt in ms as brainunit quantities: the same fit as 3.0 mm/ms and 0.2 ms (they failed after
    the linear stage: a quantity reached the result's attributes and the step's stability bound)."""
    import brainunit as u

    labels = list(hcp.connectome.labels[:10])
    fc = hcp.fc_fit.sel(region_i=labels, region_j=labels)
    quick = dict(values=[-2.0], weight_exponents=[1.0], homotopic_weights=[0.0], effective_connectivity=False,
                 simulate=False, progress=False)
    plain = fit_working_point(hcp.connectome.subset(labels), fc, speed=3.0, dt=0.2, **quick)
    units = fit_working_point(hcp.connectome.subset(labels), fc, speed=3 * u.meter / u.second, dt=200 * u.usecond,
                              **quick)
    assert plain.attrs["speed"] == units.attrs["speed"] == 3.0 and units.attrs["dt"] == plain.attrs["dt"]
    for name in plain.data_vars:
        np.testing.assert_array_equal(units[name].values, plain[name].values, err_msg=name)
    with pytest.raises(FitError, match=r"^speed must be a quantity with the dimension of mm/ms; got 3 ms\. Pass "
                                       r"e\.g\. speed=1\.0 \* u\.mm / u\.ms or a plain number in mm/ms\.$"):
        fit_working_point(hcp.connectome.subset(labels), fc, speed=3 * u.ms, **quick)


def test_a_branch_that_failed_at_some_scanned_weights_only_names_them():
    fold, lost = "the branch ends in a fold", "lost"
    failures = [(0, 0, "eta=-2", fold, (1.0, 0.0)), (0, 0, "eta=-2", fold, (2.0, 0.0)),
                (1, 0, "eta=-1", fold, (2.0, 0.0)), (1, 0, "eta=-1", lost, (1.0, 0.0)),
                (0, 0, "eta=-2", fold, (2.0, 1.0)), (1, 0, "eta=-1", fold, (2.0, 1.0))]
    assert why_branches_failed(failures) == (" eta=-2, eta=-1 (weight exponent 2; weight exponent 2, homotopic weight 1): "
                                             "the branch ends in a fold eta=-1 (weight exponent 1): lost")


def test_a_working_point_at_an_edge_of_the_scan_is_warned_about(hcp):
    """hcp80's linear fit peaks at eta0 = -2, 1.05 G_ref (docs' table): inside (-3, -2, -1) x (0.95, 1.05, 1.1),
    at the edges of (-2, -1) x (1.0, 1.05)."""
    quick = dict(weight_exponents=[1.0], homotopic_weights=[1.0], regional_noise=False,
                 effective_connectivity=False, simulate=False, progress=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error", bn.ScanEdgeWarning)
        res = fit_working_point(hcp.connectome, hcp.fc_fit, values=[-3.0, -2.0, -1.0], fractions=[0.95, 1.05, 1.1],
                                **quick)
    assert (res.attrs["value"], res.attrs["G_over_G_ref"]) == (-2.0, 1.05)
    with pytest.warns(bn.ScanEdgeWarning, match=r"^the working point chosen lies at an edge of the scan: eta = -2 "
                                                r"\(the lowest of values=\), G / G_ref = 1.05 \(the highest of "
                                                r"fractions=\); the best may lie beyond it: widen values= and "
                                                r"fractions= to see\.$") as caught:
        fit_working_point(hcp.connectome, hcp.fc_fit, values=[-2.0, -1.0], fractions=[1.0, 1.05], **quick)
    assert caught[0].filename == __file__
    # by value, in whatever order the values come
    with pytest.warns(bn.ScanEdgeWarning, match=r"^the working point chosen lies at an edge of the scan: eta = -3 "
                                                r"\(the lowest of values=\); the best may lie beyond it: widen "
                                                r"values= to see\.$"):
        warn_if_at_an_edge((1, 0, 1), "eta", np.array([-1.0, -3.0, -2.0]), None, np.array([0.9, 1.0, 1.1]))
    with warnings.catch_warnings():
        warnings.simplefilter("error", bn.ScanEdgeWarning)
        warn_if_at_an_edge((2, 0, 1), "eta", np.array([-1.0, -3.0, -2.0]), None, np.array([0.9, 1.0, 1.1]))
    with warnings.catch_warnings():  # one value, one fraction: nothing to widen that the caller did not fix
        warnings.simplefilter("error", bn.ScanEdgeWarning)
        fit_working_point(hcp.connectome, hcp.fc_fit, values=[-2.0], fractions=[1.05], **quick)
