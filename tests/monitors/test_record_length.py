"""A monitor that would record nothing in the run asked is refused before compilation."""

import numpy as np
import pytest

import brainnet_cb as bn
from brainnet_cb.simulation import engine

CONN = bn.Connectome([[0.0, 1.0], [1.0, 0.0]], np.full((2, 2), 10.0), labels=["a", "b"])


@pytest.mark.parametrize("duration, monitor, message", [
    (1440.0, bn.Bold(tr=720.0, discard=2000.0),
     r"Bold discard = 2000 ms drops every volume of a 1440 ms run \(2 volumes at TR = 720 ms, the last at 1440 ms\): "
     r"no BOLD would be recorded\. Lower discard below 1440 ms, or run at least 2160 ms\."),
    (1440.0, bn.Bold(tr=720.0, discard=1440.0), r"Bold discard = 1440 ms drops every volume.*2160 ms\.$"),
    (500.0, bn.Bold(tr=720.0), r"Bold\(tr=720.0.*\) samples every 720 ms, longer than the run \(500 ms\): it would "
                               r"record nothing\. Run at least 720 ms or choose a shorter period\. duration is in ms: "
                               r"500 s is duration=500000\.$"),
    (60.0, bn.TemporalAverage(100.0), r"^TemporalAverage\(period=100.0\) samples every 100 ms, longer than the run "
                                      r"\(60 ms\): it would record nothing\. Run at least 100 ms or choose a shorter "
                                      r"period\. duration is in ms: 60 s is duration=60000\.$"),
    (0.5, bn.TemporalAverage(1000.0), r"^TemporalAverage\(period=1000.0\) samples every 1000 ms, longer than the run "
                                      r"\(0\.5 ms\): it would record nothing\. Run at least 1000 ms or choose a shorter "
                                      r"period\.$"),  # 0.5 s would record nothing either: no hint of seconds
])
def test_a_monitor_that_records_nothing_is_refused_before_compiling(duration, monitor, message):
    """A run shorter than one period that the number in seconds would sample is told so (duration=60 meant as
    60 s with a TR of 720 ms), in the refusal only; a Bold discard longer than the run gets no such hint."""
    before = dict(engine.TRACE_COUNT)
    with pytest.raises(bn.MonitorError, match=message):
        bn.simulate(bn.CoombesByrne(), CONN, duration=duration, dt=0.1, monitors=[monitor])
    assert engine.TRACE_COUNT == before


def test_one_volume_after_the_discard_is_kept():
    bold = bn.Bold(tr=720.0, discard=720.0)
    bold.check_duration(1440.0)  # the volume at 1440 ms survives
    with pytest.raises(bn.MonitorError, match=r"^Bold discard = 720 ms drops every volume of a 1439 ms run \(1 "
                                              r"volumes at TR = 720 ms, the last at 720 ms\): no BOLD would be "
                                              r"recorded\. Lower discard below 720 ms, or run at least 1440 ms\.$"):
        bold.check_duration(1439.0)
