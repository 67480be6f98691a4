"""fc_fit (and its JAX twin) take correlation matrices: an off-diagonal entry outside [-1, 1] is refused by name.

Was: a covariance passed by mistake was scored without a word (``bn.fc_fit(COV, OTHER)`` below gave corr 0.9006,
rmse 1.156), and with ``fisher_z=True`` it was refused as "simulated FC has off-diagonal correlations of ±1" (it
has none; nor did the message say where). The JAX twin scored it too.
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import xarray as xr

import brainnet_cb as bn
from brainnet_cb.analysis import jax_twins as aj

R = np.array([[1.0, 0.5, 0.2], [0.5, 1.0, 0.1], [0.2, 0.1, 1.0]])
SD = np.array([2.0, 2.0, 3.0])
COV = R * np.outer(SD, SD)  # [0, 1] = 2.0, [0, 2] = 1.2, [1, 2] = 0.6: 4 entries outside [-1, 1]
OTHER = np.array([[1.0, 0.4, 0.3], [0.4, 1.0, -0.2], [0.3, -0.2, 1.0]])
OUTSIDE = (r"must be a correlation matrix \(off-diagonal entries in \[-1, 1\]\); got 2 at {where} \(4 entries "
           r"outside, the largest \|x\| = 2\)\. A covariance \(np\.cov, bn\.linear_covariance\)\? Pass correlations: "
           r"bn\.fc\(timeseries\), bn\.linear_fc\(\.\.\.\)")


@pytest.mark.parametrize("fisher_z", [False, True])
def test_a_covariance_is_refused_naming_the_argument_the_value_and_its_position(fisher_z):
    with pytest.raises(bn.AnalysisError, match="^simulated " + OUTSIDE.format(where=r"\[0, 1\]")):
        bn.fc_fit(COV, R, fisher_z=fisher_z)
    with pytest.raises(bn.AnalysisError, match="^empirical " + OUTSIDE.format(where=r"\[0, 1\]")):
        bn.fc_fit(R, COV, fisher_z=fisher_z)
    with pytest.raises(bn.AnalysisError, match="^simulated " + OUTSIDE.format(where=r"\[1, 0, 1\]")):
        bn.fc_fit(np.stack([R, COV]), OTHER, fisher_z=fisher_z)  # the second member of a batch
    labelled = xr.DataArray(COV, dims=("region_i", "region_j"),
                            coords={"region_i": list("abc"), "region_j": list("abc")})
    with pytest.raises(bn.AnalysisError, match="^empirical " + OUTSIDE.format(where=r"\[0, 1\]")):
        bn.fc_fit(R, labelled, fisher_z=fisher_z)


def test_round_off_above_1_is_accepted_and_a_correlation_of_1_is_refused_with_fisher_z():
    near = R.copy()
    near[0, 1] = near[1, 0] = 1.0 + 5e-7  # float32 round-off of a correlation of 1
    one = R.copy()
    one[0, 1] = one[1, 0] = 1.0
    assert float(bn.fc_fit(near, OTHER).corr) == pytest.approx(float(bn.fc_fit(one, OTHER).corr), abs=1e-6)
    with pytest.raises(bn.AnalysisError, match=r"^empirical FC has off-diagonal correlations of ±1 \(1 at \[0, 1\], "
                                               r"2 entries\), whose Fisher z is infinite"):
        bn.fc_fit(OTHER, one, fisher_z=True)
    with pytest.raises(bn.AnalysisError, match=r"^simulated FC has off-diagonal correlations of ±1 \(1\.0000005 at "
                                               r"\[0, 1\], 2 entries\)"):
        bn.fc_fit(near, OTHER, fisher_z=True)


def test_fisher_z_matrices_made_by_bn_fisher_z_are_still_compared_as_they_are():
    """|z| > 1 for r > 0.76: a matrix marked by bn.fisher_z is not a correlation matrix and is not refused."""
    strong = R.copy()
    strong[0, 1] = strong[1, 0] = 0.9  # z = 1.472
    dims = {"dims": ("region_i", "region_j"), "coords": {"region_i": list("abc"), "region_j": list("abc")}}
    zs, ze = bn.fisher_z(xr.DataArray(strong, **dims)), bn.fisher_z(xr.DataArray(OTHER, **dims))
    assert float(zs[0, 1]) == pytest.approx(np.arctanh(0.9), abs=1e-15) and float(zs[0, 1]) > 1
    by_z, by_flag = bn.fc_fit(zs, ze), bn.fc_fit(strong, OTHER, fisher_z=True)
    assert float(by_z.corr) == pytest.approx(float(by_flag.corr), abs=1e-12)
    assert float(by_z.rmse) == pytest.approx(float(by_flag.rmse), abs=1e-12)


def test_the_jax_twin_refuses_a_concrete_covariance_and_leaves_a_traced_simulated_fc_alone():
    with pytest.raises(bn.AnalysisError, match="^simulated " + OUTSIDE.format(where=r"\[0, 1\]")):
        aj.fc_fit(jnp.asarray(COV), R)
    with pytest.raises(bn.AnalysisError, match="^empirical " + OUTSIDE.format(where=r"\[0, 1\]")):
        jax.jit(lambda s: aj.fc_fit(s, COV))(jnp.asarray(R))  # the target is a constant: checked at trace time
    corr, rmse = jax.jit(aj.fc_fit)(jnp.asarray(R), jnp.asarray(OTHER))  # both traced: not checked, same numbers
    want = bn.fc_fit(R, OTHER)
    assert float(corr) == pytest.approx(float(want.corr), abs=1e-12)
    assert float(rmse) == pytest.approx(float(want.rmse), abs=1e-12)
    grad = jax.grad(lambda s: aj.fc_fit(s, OTHER)[0])(jnp.asarray(R))
    assert grad.shape == (3, 3) and bool(jnp.all(jnp.isfinite(grad)))


def test_check_range_false_scores_the_matrices_as_they_are():
    got = bn.fc_fit(COV, OTHER, check_range=False)
    iu = np.triu_indices(3, 1)
    assert float(got.corr) == pytest.approx(np.corrcoef(COV[iu], OTHER[iu])[0, 1], abs=1e-14)
    assert float(got.rmse) == pytest.approx(np.sqrt(np.mean((COV[iu] - OTHER[iu]) ** 2)), abs=1e-14)
    corr, rmse = aj.fc_fit(jnp.asarray(COV), OTHER, check_range=False)
    assert float(corr) == pytest.approx(float(got.corr), abs=1e-12)
    with pytest.raises(bn.AnalysisError, match=r"^check_range must be True or False; got 'no'\.$"):
        bn.fc_fit(R, OTHER, check_range="no")
