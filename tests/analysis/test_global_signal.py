"""Global signal regression: on series, on covariances, and how FC after it is recognised."""

import numpy as np
import pytest
import xarray as xr

import brainnet_cb as bn
from brainnet_cb.analysis.global_signal import (
    looks_global_signal_regressed,
    regress_global_signal,
    remove_global_covariance,
)
from brainnet_cb.errors import AnalysisError


def _series(seed=0, n=6, t=400):
    rng = np.random.default_rng(seed)
    common = rng.standard_normal((t, 1))
    x = 0.8 * common * rng.uniform(0.5, 2.0, n) + rng.standard_normal((t, n)) * rng.uniform(0.2, 3.0, n)
    return bn.as_timeseries(x, dt=0.72, labels=[f"r{i}" for i in range(n)])


def test_regressing_series_is_the_covariance_formula():
    x = _series().values
    y = regress_global_signal(x)
    xc = x - x.mean(0)
    C = xc.T @ xc
    np.testing.assert_allclose(y.T @ y, remove_global_covariance(C), atol=1e-9 * np.abs(C).max())
    np.testing.assert_allclose(remove_global_covariance(C).sum(axis=1), 0.0, atol=1e-9 * np.abs(C).max())


def test_fc_after_gsr_is_the_correlation_of_the_residuals_and_its_weighted_mean_is_negative():
    s = _series(1)
    m = bn.fc(s, global_signal=True).values
    np.testing.assert_allclose(m, np.corrcoef(regress_global_signal(s.values).T), atol=1e-12)
    sd = regress_global_signal(s.values).std(0)
    off = ~np.eye(len(sd), dtype=bool)
    # rows of the residual covariance sum to zero: sum_{i != j} sd_i sd_j r_ij = -sum_i sd_i^2
    np.testing.assert_allclose((np.outer(sd, sd) * m)[off].sum(), -(sd**2).sum(), rtol=1e-10)
    assert bn.fc(s, global_signal=True).attrs["global_signal_regression"] == 1


def test_gsr_comes_after_the_band_pass():
    s = _series(2)
    filtered = bn.bandpass(s, (0.01, 0.1))
    expected = np.corrcoef(regress_global_signal(filtered.values).T)
    np.testing.assert_allclose(bn.fc(s, band=(0.01, 0.1), global_signal=True).values, expected, atol=1e-10)


def test_fc_after_gsr_is_recognised_and_fc_without_it_is_not():
    hcp = bn.load_empirical("hcp80")
    bold = hcp.bold.isel(subject=0)
    raw = bn.fc(bold, band=(0.01, 0.1))
    gsr = bn.fc(bold, band=(0.01, 0.1), global_signal=True)
    assert not looks_global_signal_regressed(raw) and looks_global_signal_regressed(gsr)
    with_nan = gsr.values.copy()
    np.fill_diagonal(with_nan, np.nan)
    assert looks_global_signal_regressed(with_nan)
    assert not looks_global_signal_regressed(hcp.fc_fit)


def test_bad_flag_is_refused():
    with pytest.raises(AnalysisError, match=r"^global_signal must be True or False; got 'yes'\.$"):
        bn.fc(_series(), global_signal="yes")


def test_gsr_of_regions_that_cancel_is_refused_not_an_fc_of_nan():
    v = _series(2, n=4).values.copy()
    v[:, 1], v[:, 3] = -v[:, 0], -v[:, 2]  # the mean of the regions is 0 at every sample
    x = bn.as_timeseries(v, dt=0.72)
    with pytest.raises(AnalysisError, match=r"^the global signal of x \(the mean of its 4 regions\) is 0 at every "
                                            r"sample: the regions cancel out \(e\.g\. one is the negative of "
                                            r"another\), so global signal regression is undefined \(0 / 0\)\. Use "
                                            r"global_signal=False\.$"):
        bn.fc(x, global_signal=True)
    both = xr.concat([_series(3, n=4), x.assign_coords(region=_series(3, n=4).region)], dim="subject")
    with pytest.raises(AnalysisError, match=r"regression is undefined .*\(1 of 2 series\.\)"):
        bn.fc(both, global_signal=True)


def test_gsr_of_one_region_or_of_copies_of_the_global_signal_says_why():
    with pytest.raises(AnalysisError, match=r"^global signal regression needs at least 2 regions; x has 1, which is "
                                            r"its own global signal \(nothing is left after regressing it out\)\. "
                                            r"Use global_signal=False\.$"):
        bn.fc(_series(n=1), global_signal=True)
    v = _series(n=3).values.copy()
    v[:, 1] = 2.0 * v[:, 0]
    v[:, 2] = 3.0 * v[:, 0]  # every region a multiple of the mean: only round-off is left
    with pytest.raises(AnalysisError, match=r"region 'r0' of x is a multiple of the global signal .*\(3 such series\)"):
        bn.fc(bn.as_timeseries(v, dt=0.72, labels=["r0", "r1", "r2"]), global_signal=True)
