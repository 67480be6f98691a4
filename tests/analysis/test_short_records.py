"""Records too short for the analysis asked: a warning (band-pass slower than the record) or an error."""

import warnings

import numpy as np
import pytest
import xarray as xr
from scipy import signal

import brainnet_cb as bn
from brainnet_cb.analysis.filters import ShortRecordWarning


def _bold(n, seed=0, tr=0.72):
    rng = np.random.default_rng(seed)
    return bn.as_timeseries(rng.standard_normal((n, 4)).cumsum(0), dt=tr, labels=list("abcd"))


def test_band_pass_fc_of_20_s_warns_with_the_numbers_and_the_fix():
    x = _bold(28)  # 20.16 s at TR 0.72 s
    with pytest.warns(ShortRecordWarning, match=r"x spans 20\.16 s \(28 samples\), shorter than the slowest period "
                                                r"of the band-pass \(1 / 0\.01 Hz = 100 s\).*spuriously large correlations of either sign\. "
                                                r"Record at least 100 s"):
        bn.fc(x, band=True)
    with pytest.warns(ShortRecordWarning, match=r"^x spans 20\.16 s \(28 samples\), shorter than the slowest period "
                                                r"of the band-pass \(1 / 0\.02 Hz = 50 s\): the filtered series is "
                                                r"mostly the filter's edge transients and an FC of it has "
                                                r"spuriously large correlations of either sign\. Record at least 50 "
                                                r"s \(several times longer for a stable FC\), or raise the band's "
                                                r"lower edge, or do not band-pass \(band=None\)\.$"):
        bn.bandpass(x, (0.02, 0.1))
    with pytest.warns(ShortRecordWarning, match=r"^'bold' spans 20\.16 s \(28 samples\), shorter"):  # its own name
        bn.fc(x.rename("bold"), band=True)



@pytest.mark.parametrize("seconds, median_abs_r", [(20, 0.5), (100, 0.28), (400, 0.13)])
def test_short_band_passed_noise_correlates_as_check_record_says_in_magnitude_not_towards_1(seconds, median_abs_r):
    # check_record's numbers: independent white noise, band-passed 0.01-0.1 Hz (order 2) at TR 0.72 s, gives
    # a median |r| of 0.5 / 0.28 / 0.13 at 20 / 100 / 400 s, and a mean r of 0 (either sign, no bias towards +1;
    # the warning said "biased towards 1"). 8 subjects x 435 pairs; the pooled median varies between seed sets
    # by a standard deviation of 0.025 / 0.012 / 0.007 (measured over 6 sets), the tolerances are ~2.5 of them.
    # The reference is SciPy's own design and filter, not the package's.
    n_time, n = round(seconds / 0.72), 30
    v = np.random.default_rng([7, seconds]).standard_normal((8, n_time, n))
    x = xr.DataArray(v, dims=("subject", "time", "region"),
                     coords={"time": ("time", 0.72 * np.arange(n_time), {"units": "s"})})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ShortRecordWarning)
        got = bn.fc(x, band=True).values
    sos = signal.butter(2, (0.01, 0.1), btype="bandpass", fs=1 / 0.72, output="sos")
    want = np.stack([np.corrcoef(signal.sosfiltfilt(sos, s, axis=0).T) for s in v])
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-12)
    iu = np.triu_indices(n, 1)
    r = want[:, iu[0], iu[1]]
    assert abs(np.median(np.abs(r)) - median_abs_r) < {20: 0.06, 100: 0.03, 400: 0.02}[seconds]
    assert abs(r.mean()) < 0.03

def test_a_record_longer_than_the_slowest_period_gives_no_warning():
    x = _bold(140)  # 100.8 s
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        bn.fc(x, band=True)
        bn.fc(_bold(28))  # no band-pass: nothing to warn about


def test_too_few_volumes_for_the_filter_padding_is_an_error():
    with pytest.raises(bn.AnalysisError, match=r"x has 15 samples, too few for the zero-phase band-pass: it pads "
                                               r"15 samples at each end"):
        bn.fc(_bold(15), band=True)


def test_the_jax_band_pass_warns_like_the_numpy_one():
    import jax.numpy as jnp

    from brainnet_cb.analysis import jax_twins

    with pytest.warns(ShortRecordWarning, match=r"^x spans 20\.16 s \(28 samples\), shorter than the slowest period "
                                                r"of the band-pass \(1 / 0\.01 Hz = 100 s\): the filtered series is "
                                                r"mostly the filter's edge transients and an FC of it has "
                                                r"spuriously large correlations of either sign\. Record at least "
                                                r"100 s \(several times longer for a stable FC\), or raise the "
                                                r"band's lower edge, or do not band-pass \(band=None\)\.$"):
        jax_twins.bandpass(jnp.asarray(_bold(28).values), 0.72)
