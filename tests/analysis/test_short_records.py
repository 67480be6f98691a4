"""Records too short for the analysis asked: a warning (band-pass slower than the record) or an error."""

import warnings

import numpy as np
import pytest

import brainnet_cb as bn
from brainnet_cb.analysis.filters import ShortRecordWarning


def _bold(n, seed=0, tr=0.72):
    rng = np.random.default_rng(seed)
    return bn.as_timeseries(rng.standard_normal((n, 4)).cumsum(0), dt=tr, labels=list("abcd"))


def test_band_pass_fc_of_20_s_warns_with_the_numbers_and_the_fix():
    x = _bold(28)  # 20.16 s at TR 0.72 s
    with pytest.warns(ShortRecordWarning, match=r"x spans 20\.16 s \(28 samples\), shorter than the slowest period "
                                                r"of the band-pass \(1 / 0\.01 Hz = 100 s\).*biased towards 1\. "
                                                r"Record at least 100 s"):
        bn.fc(x, band=True)
    with pytest.warns(ShortRecordWarning, match=r"1 / 0\.02 Hz = 50 s"):
        bn.bandpass(x, (0.02, 0.1))


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

    with pytest.warns(ShortRecordWarning, match=r"x spans 20\.16 s \(28 samples\)"):
        jax_twins.bandpass(jnp.asarray(_bold(28).values), 0.72)
