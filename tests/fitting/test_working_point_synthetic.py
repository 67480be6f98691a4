"""The working-point recipe on synthetic ground truth: an FC that the model itself makes at a known point.

benchmarks/fit_synthetic.py fits FCs simulated at known points (two noise realisations: one fitted, one held out);
this test checks the noise-free half of it: fed the expected BOLD FC of a known point (the linearised network's, no
sampling noise), the recipe finds that point again, and the regional noise it fits stays uniform where the truth's
noise is.
"""

import numpy as np
import pytest

import brainnet_cb as bn
from brainnet_cb.data.empirical_data import load_empirical
from brainnet_cb.dynamics import linear_fc
from brainnet_cb.fitting.working_point_scan import scan_branch


@pytest.mark.slow
def test_recipe_recovers_a_known_point_from_its_own_noise_free_fc():
    conn = load_empirical("hcp80").connectome
    conn = conn.subset([lab for lab, right in zip(conn.labels, conn.hemispheres) if not right])  # 40 regions
    model = bn.CoombesByrne(eta=-2.0)
    G_ref, kind, ((G, fp),) = scan_branch(model, conn, "max", [1.1], 20)  # past G_ref: the recipe's default range
    assert kind == "steepest"
    truth = linear_fc(model, conn, bn.Linear(G=G), bn.Additive(v=0.02), observable="bold",
                      bold=bn.Bold(tr=720.0, baseline="initial"), band=True, at=fp, initial_state=fp).values
    res = bn.fit_working_point(conn, truth, effective_connectivity=False, simulate=False, progress=False)
    a = res.attrs
    # every choice of the scan is the truth's: excitability, coupling relative to G_ref, the weights as given
    assert (a["value"], a["G_over_G_ref"], a["weight_exponent"], a["homotopic_weight"]) == (-2.0, 1.1, 1.0, 0.0)
    assert a["G"] == pytest.approx(G, rel=1e-9)
    assert a["fit_corr"] > 0.9999
    # the truth's noise is the same in every region, and so is the fitted one (on FCs simulated from the same truth,
    # whose sampling noise the two-fold split over connections cannot tell apart, it is not: benchmarks/fit_synthetic)
    assert np.ptp(np.log(res.noise_scale.values)) < 1e-3
