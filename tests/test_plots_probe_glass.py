"""glass_brain refuses a matrix with no edge to draw with a project error (nilearn's own fails obscurely)."""

import numpy as np
import pytest
import xarray as xr

pytest.importorskip("matplotlib")
pytest.importorskip("nilearn")

import brainnet_cb as bn
from brainnet_cb.glass_brain import glass_brain


def _fc(conn):
    x = np.random.default_rng(0).standard_normal((300, conn.n_regions))
    return bn.fc(bn.as_timeseries(x, dt=1.0, labels=list(conn.labels)))

@pytest.mark.parametrize("blank", [np.nan, 0.0])
def test_a_matrix_without_any_edge_is_refused_naming_why(blank):
    conn = bn.load_atlas("tvb76")
    fc = _fc(conn)
    with pytest.raises(bn.BrainnetError, match=r"^glass_brain has no edge to draw: every off-diagonal value is 0 or "
                                               r"missing \(NaN\); pass a matrix with at least one finite, non-zero "
                                               r"pair\.$"):
        glass_brain(fc * blank, conn, axes="ALS")

def test_missing_pairs_are_left_undrawn_and_the_users_matrix_is_kept():
    conn = bn.load_atlas("tvb76")
    fc = _fc(conn)
    fc[3, :] = fc[:, 3] = np.nan
    before = fc.copy(deep=True)
    weights = np.array(conn.weights, copy=True)
    glass_brain(fc, conn, axes="ALS")
    glass_brain(conn, axes="ALS")
    xr.testing.assert_identical(fc, before)
    np.testing.assert_array_equal(conn.weights, weights)
