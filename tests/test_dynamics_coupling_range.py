"""critical_coupling: no coupling is refused; a crossing past G_max is never reported as G_c."""

import math

import numpy as np
import pytest

import brainnet_cb as bn
from brainnet_cb.dynamics import CouplingRangeWarning, critical_coupling
from brainnet_cb.errors import DynamicsError

BISTABLE = bn.CoombesByrne(Delta=0.7, eta=-4.6, v_syn=5.0)
DOWN = {"r": 0.06, "v": -1.8}
PAIR = bn.Connectome(weights=[[0, 1], [1, 0]], lengths=[[0, 30], [30, 0]])


@pytest.mark.parametrize("normalize", ["max", None])
def test_a_connectome_without_weights_is_refused(normalize):
    # was: G_c=inf, kind 'none', G_slowest=0 (so relative(G) = G / 0) without a word
    conn = bn.Connectome(weights=np.zeros((2, 2)), lengths=[[0, 30], [30, 0]])
    with pytest.raises(DynamicsError, match=r"all 2x2 weights are zero, so G multiplies nothing and no G_c exists"):
        critical_coupling(BISTABLE, conn, start=DOWN, normalize=normalize)


def test_a_crossing_past_G_max_is_not_reported_as_G_c():
    # the step over G_max = 19.493 lands past the fold at G_c = 19.49345: it was reported as G_c = 19.4935
    with pytest.warns(CouplingRangeWarning, match=r"\(saddle-node\) at G=19\.4935, past G_max=19\.493: "
                      r"reported as stable up to G_max"):
        cc = critical_coupling(BISTABLE, PAIR, start=DOWN, G_max=19.493)
    assert cc.kind == "none" and math.isinf(cc.G_c)
    assert cc.G_reached == 19.493 and float(cc.branch.G.max()) == 19.493
    assert cc.G_slowest == 19.493 and cc.slowest_rate == pytest.approx(-0.0104, abs=5e-5)
    # the same range scanned with another G_max below the fold gives the same kind of answer, no warning
    assert critical_coupling(BISTABLE, PAIR, start=DOWN, G_max=19.4934).kind == "none"
    # and above the fold the crossing is G_c, inside the range
    cc = critical_coupling(BISTABLE, PAIR, start=DOWN, G_max=19.5)
    assert cc.kind == "saddle-node" and cc.G_c == pytest.approx(19.49345, abs=1e-5) and cc.G_c <= 19.5
