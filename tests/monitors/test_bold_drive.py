"""The default BOLD drive: the relative change of the source from its resting level."""

import numpy as np
import pytest

import brainnet_cb as bn
from brainnet_cb.dynamics import linear_covariance, network_fixed_point


def _step(level, rise, rest_s=200.0, step_s=20.0, after_s=40.0):
    """A source at ``level`` that rises by the fraction ``rise`` for ``step_s`` (dt = 10 ms)."""
    n0, n1, n2 = int(rest_s * 100), int(step_s * 100), int(after_s * 100)
    x = np.full((n0 + n1 + n2, 1), float(level))
    x[n0:n0 + n1] *= 1.0 + rise
    return x


def test_a_step_of_activity_gives_a_response_of_a_few_per_cent_whatever_the_resting_level():
    peaks = {}
    for level in (0.05, 0.44, 3.0):
        for rise in (0.05, 0.10):
            y = bn.bold_from_activity(_step(level, rise), tr=720.0, dt=10.0, baseline="rest")
            peaks[level, rise] = float(y.max())
    # revised 3 T: +5 % -> 1.6 %, +10 % -> 3.0 % (the running resting level rises a little during the step)
    for level in (0.05, 0.44, 3.0):
        assert 0.015 < peaks[level, 0.05] < 0.018 and 0.028 < peaks[level, 0.10] < 0.032
        assert peaks[level, 0.10] == pytest.approx(peaks[0.44, 0.10], rel=1e-9)  # scale-free
    # the raw source (baseline=None) would instead sit the balloon far from rest: 0.44 -> inflow 2.4x
    raw = bn.bold_from_activity(_step(0.44, 0.0), tr=720.0, dt=10.0)
    assert float(raw.values[-1, 0]) > 0.05


def test_rest_is_quiet_and_the_transient_is_left_out():
    x = np.full((30_000, 2), 0.3)
    x[:50] = [[0.1, 5.0]]  # an initial transient inside rest_after (1 s)
    y = bn.bold_from_activity(x, tr=500.0, dt=1.0, baseline="rest")
    assert np.abs(y.values).max() < 1e-12
    early = bn.bold_from_activity(x, tr=500.0, dt=1.0, baseline="rest", rest_after=0.0)
    assert np.abs(early.values).max() > 1e-3  # with the transient in the resting level


def test_in_scan_default_equals_offline_and_says_what_drives_it():
    conn = bn.Connectome(weights=[[0, 1], [0.5, 0]], lengths=[[0, 30], [30, 0]])
    ds = bn.simulate(bn.CoombesByrne(eta=[-1.0, 2.0]), conn, duration=3000.0, dt=0.1, coupling=bn.Linear(G=0.8),
                     noise=bn.Additive(v=0.3), key=3, monitors=[bn.Raw(variables=("r",)), bn.Bold(tr=200.0)])
    off = bn.bold_from_activity(ds, variable="r", tr=200.0, baseline="rest")
    np.testing.assert_allclose(off.values, ds.bold.values, rtol=1e-11, atol=1e-15)
    assert ds.bold.attrs["drive"] == "scale * (r - rest) / |rest|, rest = running mean of r after 1000 ms"
    assert "baseline='rest'" in ds.bold.attrs["monitor"]
    assert np.abs(ds.bold.values).max() > 1e-5  # a real signal, not zeros


def test_the_linearised_bold_uses_the_same_relative_drive():
    conn = bn.Connectome(weights=[[0, 1, 0.2], [0.5, 0, 1], [0.3, 0.4, 0]], lengths=np.full((3, 3), 20.0))
    model, coupling, noise = bn.CoombesByrne(eta=-2.0), bn.Linear(G=0.5), bn.Additive(v=0.05)
    rest = linear_covariance(model, conn, coupling, noise, observable="bold", bold=bn.Bold(tr=720.0))
    r_star = np.asarray(network_fixed_point(model, conn, coupling).values)[0]
    same = bn.Bold(tr=720.0, baseline=r_star, scale=1.0 / r_star)  # z = (r - r*) / r*, written out
    np.testing.assert_allclose(rest.values, linear_covariance(model, conn, coupling, noise, observable="bold",
                                                              bold=same).values, rtol=1e-10)


def test_bad_rest_after_is_refused():
    with pytest.raises(bn.MonitorError, match=r"rest_after must be a finite time >= 0 \(ms\); got -1.0"):
        bn.Bold(rest_after=-1.0)


@pytest.mark.float32
def test_a_constant_source_rests_exactly_in_float32_over_a_long_run():
    x = np.full((200_000, 2), 0.44, dtype=np.float32)  # 10 min at dt = 3 ms: 40,000 sub-steps of 15 ms
    y = bn.bold_from_activity(x, tr=3000.0, dt=3.0, dt_bold=15.0, baseline="rest")
    assert y.dtype == np.float32 and np.all(y.values == 0.0)
