"""The exponential distance rule: a connectome from region centres alone (Ercsey-Ravasz et al. 2013)."""

import brainunit as u
import numpy as np
import pytest

import brainnet_cb as bn

#: A right triangle of sides 30, 40 and 50 mm, and a fourth point above its right angle.
CENTRES = np.array([[0.0, 0.0, 0.0], [30.0, 0.0, 0.0], [0.0, 40.0, 0.0], [0.0, 0.0, 12.0]])


def test_weights_fall_off_exponentially_with_the_distance_between_centres():
    conn = bn.distance_rule_connectome(CENTRES, decay=10.0)
    d = {(0, 1): 30.0, (0, 2): 40.0, (1, 2): 50.0, (0, 3): 12.0, (1, 3): np.hypot(30, 12), (2, 3): np.hypot(40, 12)}
    for (i, j), dist in d.items():
        for a, b in ((i, j), (j, i)):  # symmetric: both directions of each pair
            assert conn.lengths[a, b] == pytest.approx(dist, rel=1e-15)
            assert conn.weights[a, b] == pytest.approx(np.exp(-dist / 10.0), rel=1e-14)
    assert np.all(np.diag(conn.weights) == 0.0) and np.all(np.diag(conn.lengths) == 0.0)
    np.testing.assert_array_equal(conn.centres, CENTRES)
    assert conn.name == "distance rule (10 mm)"


def test_a_shorter_decay_raises_the_weights_to_a_power():
    """exp(-d / (l / gamma)) = W ** gamma: the weight exponents a fit scans also scan the decay length."""
    centres = bn.load_atlas("tvb76").centres
    w20 = bn.distance_rule_connectome(centres, decay=20.0).weights
    for gamma in (0.5, 2.0, 3.0):
        np.testing.assert_allclose(bn.distance_rule_connectome(centres, decay=20.0 / gamma).weights, w20 ** gamma,
                                   rtol=1e-12, atol=1e-300)


def test_lengths_in_units_give_the_same_connectome():
    plain = bn.distance_rule_connectome(CENTRES, decay=20.0)
    quantity = bn.distance_rule_connectome(CENTRES / 10.0 * u.cmeter, decay=2.0 * u.cmeter)
    np.testing.assert_allclose(quantity.weights, plain.weights, rtol=1e-14)
    np.testing.assert_allclose(quantity.lengths, plain.lengths, rtol=1e-14)


def test_centres_and_hemispheres_pair_the_homotopic_regions():
    """Without labels that say the hemisphere, the centres pair each region with its mirror image (tvb76)."""
    atlas = bn.load_atlas("tvb76")
    conn = bn.distance_rule_connectome(atlas.centres, decay=20.0, labels=[f"p{k}" for k in range(76)],
                                       hemispheres=atlas.hemispheres)
    np.testing.assert_array_equal(bn.homotopic_pairs(conn), bn.homotopic_pairs(atlas))
    assert len(bn.homotopic_pairs(conn)) == 38
