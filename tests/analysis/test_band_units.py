"""A band-pass band given as brainunit frequencies is read in Hz; a band of the wrong kind says what to pass."""

import brainunit as u
import numpy as np
import pytest

import brainnet_cb as bn
from brainnet_cb.dynamics import linear_fc
from brainnet_cb.errors import AnalysisError, DynamicsError


def _x():
    rng = np.random.default_rng(0)
    return bn.as_timeseries(rng.standard_normal((600, 4)) + rng.standard_normal((600, 1)), dt=0.72,
                            labels=list("abcd"))


@pytest.mark.parametrize("band", [(0.01 * u.Hz, 0.1 * u.Hz), [0.01, 0.1] * u.Hz, (1 / (100 * u.second), 0.1)])
def test_a_band_in_brainunit_frequencies_is_the_band_in_hz(band):
    x = _x()
    plain = bn.fc(x, band=(0.01, 0.1))
    got = bn.fc(x, band=band)
    np.testing.assert_array_equal(got.values, plain.values)
    assert got.attrs["band_hz"] == [0.01, 0.1]
    np.testing.assert_array_equal(bn.bandpass(x, band).values, bn.bandpass(x, (0.01, 0.1)).values)
    d = bn.fcd(x, window=60, step=30, band=band)
    np.testing.assert_array_equal(d.values, bn.fcd(x, window=60, step=30, band=(0.01, 0.1)).values)
    assert d.attrs["band_hz"] == [0.01, 0.1]
    assert float(bn.peak_frequency(x, band=band).max()) <= 0.1


def test_the_linear_prediction_takes_the_same_band():
    conn = bn.Connectome(weights=[[0, 1, 0], [1, 0, 1], [0, 1, 0]], lengths=np.full((3, 3), 10.0))
    args = (bn.CoombesByrne(eta=-2.0), conn, bn.Linear(G=0.5), bn.Additive(v=0.05))
    kw = dict(observable="bold", bold=bn.Bold(tr=720.0))
    np.testing.assert_array_equal(linear_fc(*args, band=(0.01 * u.Hz, 0.1 * u.Hz), **kw).values,
                                  linear_fc(*args, band=(0.01, 0.1), **kw).values)
    with pytest.raises(DynamicsError, match=r"band must be a quantity with the dimension of Hz; got 100\.? s"):
        linear_fc(*args, band=(100 * u.second, 10 * u.second), **kw)


def test_a_band_of_periods_or_false_says_what_to_pass():
    with pytest.raises(AnalysisError, match=r"band must be a quantity with the dimension of Hz; got 100\.? s"):
        bn.fc(_x(), band=(100 * u.second, 10 * u.second))
    with pytest.raises(AnalysisError, match=r"band must be a pair \(low, high\) in Hz, .* got False \(band=None: no "
                                            r"band-pass\)"):
        bn.fc(_x(), band=False)



@pytest.mark.parametrize("band", [("0.01", 0.1), (True, 0.1), (0.01, b"0.1")])
def test_a_band_of_text_or_bools_is_refused(band):
    """float("0.01") read text as a frequency and True as 1 Hz."""
    from brainnet_cb.analysis.filters import band_pair

    with pytest.raises(bn.AnalysisError, match=r"^band must be a pair \(low, high\) in Hz, e\.g\. \(0\.01, 0\.1\), "
                                               r"or True; got"):
        band_pair(band)
