"""bn.fit_working_point on unusual but legitimate inputs: what the recipe says where its score cannot be trusted."""

import warnings

import numpy as np
import pytest

import brainnet_cb as bn
from brainnet_cb.data.empirical_data import load_empirical
from brainnet_cb.fitting.working_point import (
    BelowBaselineWarning,
    NotHeldOutWarning,
    UnrelatedTargetWarning,
    fit_working_point,
)

QUICK = dict(values=[-2.0], fractions=[1.0], weight_exponents=[1.0], regional_noise=False,
             effective_connectivity=False, simulate=False, progress=False)


@pytest.fixture(scope="module")
def hcp():
    return load_empirical("hcp80")


def _in_two_groups(conn):
    """``conn`` (ten regions) with no connection between regions 0-4 and 5-9."""
    w = conn.weights.copy()
    w[:5, 5:] = w[5:, :5] = 0.0
    return conn.replace(weights=w)


@pytest.fixture(scope="module")
def ten(hcp):
    labels = list(hcp.connectome.labels[:10])  # left and right alternate: homotopic pairs (0, 1), ..., (8, 9)
    return (hcp.connectome.subset(labels), hcp.fc_fit.sel(region_i=labels, region_j=labels),
            hcp.fc_test.sel(region_i=labels, region_j=labels))


def test_groups_of_regions_that_no_connection_joins_are_named(ten):
    """Regions 0-4 and 5-9 with no connection between them: the model's FC between the groups is exactly 0 at every
    working point (25 of the 45 fitted pairs), and the fit said nothing. The homotopic pair (4, 5) joins them."""
    conn, fc = _in_two_groups(ten[0]), ten[1]
    with pytest.warns(bn.IsolatedRegionWarning, match=r"^the regions of 'hcp80 \(HCP group SC, mean of 7 subjects, "
                                                      r"AAL2 80 cortical regions\)' fall into 2 groups with no "
                                                      r"connection between them \(5, 5 regions; the groups of "
                                                      r"'Precentral_L', 'Frontal_Mid_2_R'\): the model's FC between "
                                                      r"the groups is 0 at every working point, and 25 of the fitted "
                                                      r"pairs are between them\. Connect them \(homotopic_weights= "
                                                      r"with labels that pair the hemispheres, or the tracts the "
                                                      r"connectome lacks\), or fit each group on its own "
                                                      r"\(connectome\.subset\(labels\) and the FC of those "
                                                      r"labels\)\.$") as caught:
        res = fit_working_point(conn, fc, homotopic_weights=[0.0], **QUICK)
    assert caught[0].filename == __file__
    np.testing.assert_array_equal(res["fc"].values[:5, 5:], 0.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", bn.IsolatedRegionWarning)
        res = fit_working_point(conn, fc, homotopic_weights=[1.0], **QUICK)
    assert np.all(np.abs(res["fc"].values[:5, 5:]) > 1e-3)


def test_after_global_signal_regression_the_groups_fc_is_called_the_regressions_negative_artefact(ten):
    """With global_signal=True the model FC is regressed as the data: between two groups that no connection joins
    it is not 0 but -(C1)_i (C1)_j / 1'C1 over the variances (mean -0.393 here); the warning said it was 0."""
    conn, fc = _in_two_groups(ten[0]), ten[1]
    with pytest.warns(bn.IsolatedRegionWarning, match=r"^the regions of 'hcp80 \(HCP group SC, mean of 7 subjects, "
                                                      r"AAL2 80 cortical regions\)' fall into 2 groups with no "
                                                      r"connection between them \(5, 5 regions; the groups of "
                                                      r"'Precentral_L', 'Frontal_Mid_2_R'\): the model's fluctuations "
                                                      r"in different groups are uncorrelated at every working point; "
                                                      r"after the global signal regression \(global_signal\) their FC "
                                                      r"is not 0 but the regression's negative artefact \(mean "
                                                      r"-0\.393, from -0\.691 to -0\.029 at the chosen point\)\. 25 "
                                                      r"of the fitted pairs are between them\. Connect them "
                                                      r"\(homotopic_weights= with labels that pair the hemispheres, "
                                                      r"or the tracts the connectome lacks\), or fit each group on "
                                                      r"its own \(connectome\.subset\(labels\) and the FC of those "
                                                      r"labels\)\.$") as caught:
        res = fit_working_point(conn, fc, homotopic_weights=[0.0], global_signal=True, **QUICK)
    assert caught[0].filename == __file__ and res.attrs["global_signal_regression"] == 1
    between = res["fc"].values[:5, 5:]
    assert np.all(between < 0) and f"{between.mean():.3f}, from {between.min():.3f} to {between.max():.3f}" in str(
        caught[0].message)


def test_after_global_signal_regression_an_isolated_regions_fc_is_called_the_regressions_negative_artefact(ten):
    """One region without connections among 10, global_signal=True: its model FC is -0.033 on average, not 0."""
    conn, fc, _ = ten
    w = conn.weights.copy()
    w[2, :] = w[:, 2] = 0.0
    with pytest.warns(bn.IsolatedRegionWarning, match=r"^region 'Frontal_Sup_2_L' has no connection to another region "
                                                      r"of 'hcp80 \(HCP group SC, mean of 7 subjects, AAL2 80 "
                                                      r"cortical regions\)': the model's fluctuations of this region "
                                                      r"are uncorrelated with every other region's at every working "
                                                      r"point; after the global signal regression \(global_signal\) "
                                                      r"the FC of its pairs is not 0 but the regression's negative "
                                                      r"artefact \(mean -0\.033, from -0\.078 to -0\.006 at the "
                                                      r"chosen point\)\. 9 of the fitted pairs are among them\. Drop "
                                                      r"such regions from the connectome and the FC "
                                                      r"\(connectome\.subset\(labels\) and the FC of those labels\), "
                                                      r"or give them connections \(homotopic_weights= with labels "
                                                      r"that pair the hemispheres\)\.$") as caught:
        res = fit_working_point(conn.replace(weights=w), fc, homotopic_weights=[0.0], global_signal=True, **QUICK)
    others = np.delete(res["fc"].values[2], 2)
    assert np.all(others < 0) and f"mean {others.mean():.3f}, from {others.min():.3f}" in str(caught[0].message)


def test_a_test_fc_equal_to_the_fitted_one_is_not_called_held_out(ten):
    """The same FC (or its float32 copy) as empirical_fc and test_fc: test_corr equals fit_corr, a fit score."""
    conn, fc, fc_test = ten
    for test in (fc, fc.values.astype(np.float32)):
        with pytest.warns(NotHeldOutWarning, match=r"^test_fc equals empirical_fc on every pair it scores: test_corr "
                                                   r"is then the fit score, not a held-out one\. Pass the FC of other "
                                                   r"subjects \(or of the other half of each time series\) as "
                                                   r"test_fc, or holdout='edges' to score connections never "
                                                   r"fitted\.$") as caught:
            res = fit_working_point(conn, fc, test_fc=test, homotopic_weights=[0.0], **QUICK)
        assert caught[0].filename == __file__
        assert res.attrs["test_corr"] == pytest.approx(res.attrs["fit_corr"], abs=1e-6)
    with warnings.catch_warnings():
        warnings.simplefilter("error", NotHeldOutWarning)
        fit_working_point(conn, fc, test_fc=fc_test, homotopic_weights=[0.0], **QUICK)


def test_where_refinements_diverge_at_points_the_delays_destabilise_the_scan_is_walked_on(monkeypatch):
    """On a directed SC (10 hcp80 regions, upper triangle x2, lower x0.5) the linear stage ranks 1.3-1.5 G_ref first;
    the delays destabilise them on the structural weights, their refined weights pass the delay checks but diverge,
    and the fit stopped with 'every simulated candidate (4) failed' although 0.5 G_ref runs (held out 0.682 against
    the baseline's 0.511). Where none gave a score and the delays stopped some, the walk goes on down the order.
    The stage's control flow, with the checks and runs stubbed: p0-p2 as above, p3 runs."""
    from types import SimpleNamespace

    import brainnet_cb.fitting.working_point_simulation as ws

    fit_fc = np.array([[1.0, 0.5, 0.2, 0.1], [0.5, 1.0, 0.3, 0.2], [0.2, 0.3, 1.0, 0.6], [0.1, 0.2, 0.6, 1.0]])
    order = [(0, 0, k) for k in range(5)]
    points = {p: SimpleNamespace(G=1.0) for p in order}

    def setup_at(c):
        return SimpleNamespace(fixed_point=c, step=None, model=None, connectome=None, normalize="none", noise=None,
                               delays_grow=False)

    # the structural weights of p0-p2 are unstable with the delays, their refinements and every p3+ pass
    monkeypatch.setattr(ws, "delay_stable_step",
                        lambda model, conn, G, fp, **kw: kw["dt"] if fp[1] or fp[0][2] >= 3 else None)
    # the refinements of p0-p2 diverge, p3 runs
    monkeypatch.setattr(ws, "simulate_seed", lambda model, conn, G, fp, **kw: fit_fc if fp[0][2] >= 3 else None)
    run = ws.RunSettings(3.0, 0.2, 720.0, 144_000.0, 30.0, True, False, 0, 1, False)
    sim = ws.simulate_candidates(order, points, setup_at, fit_fc, np.ones(6, bool), run, candidates=1,
                                 effective_connectivity=True, workers=1)
    tried = [(c.point[2], c.refined) for c in sim.candidates]
    assert tried == [(0, True), (1, True), (2, True), (0, False), (3, True)]
    assert [c.seeds_kept for c in sim.candidates] == [0, 0, 0, 0, 1]
    assert sim.candidates[-1].fit_score["corr"] == pytest.approx(1.0)
    # every candidate delay-stable and diverged (the noise's doing): no walk
    monkeypatch.setattr(ws, "delay_stable_step", lambda *a, **kw: kw["dt"])
    sim = ws.simulate_candidates(order, points, setup_at, fit_fc, np.ones(6, bool), run, candidates=1,
                                 effective_connectivity=True, workers=1)
    assert [(c.point[2], c.refined) for c in sim.candidates] == [(0, True), (1, True), (2, True), (0, False)]


def test_a_score_below_the_structural_baseline_is_said(hcp):
    """On 6 hcp80 regions a scan restricted to eta0 = 2 at 0.5 G_ref scores 0.446 held out against corr(SC, FC) =
    0.518 (fit 0.252 against 0.321), reported without a word; with homotopic connections of weight 1, 0.845."""
    labels = list(hcp.connectome.labels[:6])
    conn = hcp.connectome.subset(labels)
    fc, fc_test = (f.sel(region_i=labels, region_j=labels) for f in (hcp.fc_fit, hcp.fc_test))
    quick = dict(QUICK, values=[2.0], fractions=[0.5], homotopic_weights=[0.0])
    with pytest.warns(BelowBaselineWarning,
                      match=r"^the working point's FC correlates 0\.446 with the held-out FC \(test_corr\), below the "
                            r"structural baseline corr\(SC, FC\) of 0\.518 on the same pairs: the model predicts it "
                            r"less well than the weights themselves\. Widen the scan \(values=, fractions=, "
                            r"weight_exponents=, homotopic_weights=\), keep regional_noise= and "
                            r"effective_connectivity= on, and check that the weights are tract strengths in the FC's "
                            r"region order\.$") as caught:
        fit_working_point(conn, fc, test_fc=fc_test, **quick)
    assert caught[0].filename == __file__
    with pytest.warns(BelowBaselineWarning,
                      match=r"^the working point's FC correlates 0\.252 with the fitted FC \(fit_corr; no held-out FC "
                            r"given\), below the structural baseline corr\(SC, FC\) of 0\.321 on the same pairs: the "
                            r"model predicts it less well than the weights themselves\. Widen the scan \(values=, "
                            r"fractions=, weight_exponents=, homotopic_weights=\), keep regional_noise= and "
                            r"effective_connectivity= on, and check that the weights are tract strengths in the FC's "
                            r"region order\.$"):
        fit_working_point(conn, fc, **quick)
    with warnings.catch_warnings():
        warnings.simplefilter("error", BelowBaselineWarning)
        res = fit_working_point(conn, fc, test_fc=fc_test, **dict(quick, homotopic_weights=[1.0]))
    assert res.attrs["test_corr"] > res.attrs["sc_baseline_test"]


def test_a_held_out_fc_in_another_region_order_is_named(ten):
    """test_fc as a plain array in another order than the connectome (the .values of a permuted DataArray): only the
    fitted FC was checked, and a test_corr below a baseline of -0.137 came with no word of the order."""
    conn, fc, fc_test = ten
    perm = np.random.default_rng(1).permutation(conn.n_regions)
    shuffled = fc_test.isel(region_i=perm, region_j=perm).values
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = fit_working_point(conn, fc, test_fc=shuffled, homotopic_weights=[0.0], **QUICK)
    assert res.attrs["sc_baseline_test"] == pytest.approx(-0.137, abs=5e-4)
    ours = [w for w in caught if issubclass(w.category, (UnrelatedTargetWarning, BelowBaselineWarning))]
    assert [(w.category, w.filename) for w in ours] == [(UnrelatedTargetWarning, __file__)]
    assert str(ours[0].message).startswith("the structural weights correlate -0.137 with test_fc over the scored pairs "
                                           "(<= 0; usually 0.2-0.5): is the FC in the connectome's region order?")
