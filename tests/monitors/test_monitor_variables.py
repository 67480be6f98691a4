"""A monitor's variables naming one observable twice is refused as such (not as two monitors)."""

import pytest

import brainnet_cb as bn

CONN = bn.Connectome(weights=[[0, 1], [1, 0]], lengths=[[0, 30], [30, 0]])


@pytest.mark.parametrize("monitor", [bn.TemporalAverage(1.0, variables=("r", "r")),
                                     bn.Raw(variables=["v", "r", "v"])])
def test_a_variable_named_twice_is_refused_by_message(monitor):
    # was: "two monitors write the output 'r' (X and X)" naming the same monitor twice
    with pytest.raises(bn.MonitorError, match=r"variables name \[.*\] more than once .*list each observable once"):
        bn.simulate(bn.CoombesByrne(), CONN, duration=5.0, monitors=[monitor])


def test_distinct_variables_still_record():
    ds = bn.simulate(bn.CoombesByrne(), CONN, duration=5.0, monitors=[bn.TemporalAverage(1.0, variables=("v", "r"))])
    assert sorted(ds.data_vars) == ["r", "v"]
