"""The reliability of an FC from its own series (brainnet_cb.analysis.reliability): Spearman-Brown of split halves."""

import numpy as np
import pytest
import xarray as xr

import brainnet_cb as bn
from brainnet_cb.analysis.reliability import spearman_brown
from brainnet_cb.errors import AnalysisError

N = 20


def _mixing():
    return np.random.default_rng(0).standard_normal((N, N)) * 0.4 + np.eye(N)


def test_spearman_brown_steps_a_correlation_up_to_k_times_the_length():
    assert spearman_brown(0.5) == pytest.approx(2 / 3, abs=1e-15)
    assert spearman_brown(0.5, k=1.0) == 0.5
    assert spearman_brown(0.5, k=4.0) == pytest.approx(0.8, abs=1e-15)
    assert spearman_brown(1.0) == 1.0


def test_it_is_spearman_brown_of_the_correlation_of_the_halves_fcs_after_the_discard():
    x = bn.as_timeseries(np.random.default_rng(1).standard_normal((211, N)) @ _mixing().T, dt=0.5)
    kept = x.values[20:]  # 10 s at 0.5 s
    half = kept.shape[0] // 2  # 95: the last odd sample is left out
    iu = np.triu_indices(N, 1)
    r = np.corrcoef(np.corrcoef(kept[:half].T)[iu], np.corrcoef(kept[half:2 * half].T)[iu])[0, 1]
    assert bn.fc_reliability(x, discard=10.0) == pytest.approx(2 * r / (1 + r), abs=1e-12)


def test_the_halves_fcs_are_those_of_the_two_halves_after_the_discard_band_passed_alone():
    x = bn.as_timeseries(np.random.default_rng(3).standard_normal((301, N)) @ _mixing().T, dt=0.72,
                         labels=[f"r{k}" for k in range(N)])
    first, second = bn.fc_halves(x, discard=7.2, band=True)  # 10 samples dropped, halves of 145
    for got, part in ((first, slice(10, 155)), (second, slice(155, 300))):
        assert np.allclose(got.values, bn.fc(x.isel(time=part), band=True).values, atol=1e-12)
        assert list(got.region_i.values) == [f"r{k}" for k in range(N)]
    assert not np.allclose(first.values, second.values, atol=0.05)


def test_on_white_noise_it_estimates_the_correlation_of_two_independent_repeats():
    """For a series without autocorrelation the halves are independent repeats of half the length: the estimate
    from one series matches, on average over 12 seeds, the correlation between the FCs of two independent series of
    the whole length (0.936 vs 0.937), where the halves' own correlation falls short of it."""
    L, iu, T = _mixing(), np.triu_indices(N, 1), 300
    estimated, halves, repeats = [], [], []
    for seed in range(12):
        rng = np.random.default_rng(100 + seed)
        a, b = rng.standard_normal((T, N)) @ L.T, rng.standard_normal((T, N)) @ L.T
        R = bn.fc_reliability(bn.as_timeseries(a, dt=0.72))
        estimated.append(R)
        halves.append(R / (2 - R))  # the halves' correlation r, from R = 2r / (1 + r)
        repeats.append(np.corrcoef(np.corrcoef(a.T)[iu], np.corrcoef(b.T)[iu])[0, 1])
    assert abs(np.mean(estimated) - np.mean(repeats)) < 0.005
    assert np.mean(halves) < np.mean(repeats) - 0.03


def test_more_than_one_series_is_refused_with_the_way_out():
    x = xr.DataArray(np.random.default_rng(2).standard_normal((2, 50, 4)), dims=("subject", "time", "region"))
    for f in (bn.fc_halves, bn.fc_reliability):
        with pytest.raises(AnalysisError, match=r"^x must be one series with dims \(time, region\); got the leading "
                                                r"dims \('subject',\)\. Pass one of them \(x\.isel\(subject=0\)\); "
                                                r"for a group, the mean over the subjects of each half's FC\.$"):
            f(x)
    with pytest.raises(AnalysisError, match=r"x has 7 samples along 'time'"):
        bn.fc_reliability(x.isel(subject=0, time=slice(0, 7)))
