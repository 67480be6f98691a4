"""Sweeps and fits without monitors record BOLD of 'r': a model without that state is told which Bold to pass."""

from typing import ClassVar

import numpy as np
import pytest

import brainnet_cb as bn

CONN = bn.Connectome([[0, 1], [1, 0]], [[0, 30], [30, 0]])


@bn.node_model
class Leaky(bn.NodeModel):
    tau: float = 10.0
    states: ClassVar[tuple] = ("x",)
    initial: ClassVar[dict] = {"x": 0.0}
    sends: ClassVar[str] = "x"
    receives: ClassVar[str] = "x"
    input_ports: ClassVar[tuple] = ("x",)

    def dfun(self, x, inputs):
        return (1.0 - x + inputs.get("x", 0.0)) / self.tau


MESSAGE = (r"^without monitors, sweeps and fits record BOLD of 'r' \(monitors=\[bn.Bold\(\)\]\), but Leaky has no "
           r"state 'r' \(its states are \('x',\)\); pass monitors=\[bn.Bold\(variable='x'\)\] \(or another state "
           r"of Leaky\)\.$")


@pytest.mark.parametrize("call", [
    lambda: bn.sweep(Leaky(), CONN, {"tau": [5.0, 10.0]}, duration=10.0),
    lambda: bn.fit_grid(Leaky(), CONN, grid={"tau": [5.0, 10.0]}, empirical_fc=np.eye(2), duration=10.0),
    lambda: bn.sweep(bn.Simulation(Leaky(), CONN, 10.0), {"tau": [5.0, 10.0]}),
])
def test_the_default_bold_of_r_names_the_fix_for_a_model_without_r(call):
    # was "Bold cannot use the source 'r' with Leaky; choose one of ('x', 'coupling')": a Bold the user never made
    with pytest.raises(bn.MonitorError, match=MESSAGE):
        call()


def test_jansen_rit_is_pointed_at_its_eeg_source():
    with pytest.raises(bn.MonitorError, match=r"JansenRit has no state 'r' \(its states are \('y0', .*pass "
                                              r"monitors=\[bn.Bold\(variable='eeg_source'\)\]"):
        bn.sweep(bn.JansenRit(), CONN, {"G": [0.0, 0.1]}, duration=10.0)


def test_with_a_bold_of_its_state_the_sweep_runs():
    res = bn.sweep(Leaky(), CONN, {"tau": [5.0, 10.0]}, duration=400.0, band=None,
                   monitors=[bn.Bold(tr=100.0, variable="x", baseline="initial")])
    assert res.fc_mean.dims == ("tau",) and not bool(res.diverged.any())
