"""A Fisher-z matrix (attrs["fisher_z"] = 1) is not transformed a second time."""

import numpy as np
import pytest

import brainnet_cb as bn
from brainnet_cb.errors import AnalysisError


def _x():
    rng = np.random.default_rng(0)
    return bn.as_timeseries(rng.standard_normal((600, 4)) + rng.standard_normal((600, 1)), dt=0.72,
                            labels=list("abcd"))


def test_a_fisher_z_matrix_is_not_transformed_a_second_time():
    r = bn.fc(_x())
    z = bn.fisher_z(r)
    with pytest.raises(AnalysisError, match=r"r is already Fisher z \(attrs\['fisher_z'\] = 1"):
        bn.fisher_z(z)
    with pytest.raises(AnalysisError, match=r"simulated is already Fisher z .* fisher_z=True would transform it twice"):
        bn.fc_fit(bn.fc(_x(), fisher_z=True), r, fisher_z=True)
    assert float(bn.fc_fit(z, z).corr) == pytest.approx(1.0)  # two z matrices compared as they are
    np.testing.assert_array_equal(bn.fisher_z(r.values), z.values)  # a plain array carries no mark
