"""critical_coupling: no coupling is refused; a crossing past G_max is never reported as G_c."""

import math

import numpy as np
import pytest

import brainnet_cb as bn
from brainnet_cb.dynamics import CouplingRangeWarning, CriticalCoupling, critical_coupling
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


def test_a_branch_most_susceptible_at_G_0_gives_no_reference_coupling():
    # G_ref = G_slowest = 0 (coupling only stabilises the branch): relative(G) was G / 0 = inf with a NumPy warning
    cc = CriticalCoupling(math.inf, "none", math.nan, complex(-1.0), None, None, "max", 0.0, -1.0, 5.0)
    message = (r"^no reference coupling: the branch is stable up to G=5 and its slowest point is G_slowest=0 "
               r"\(coupling only stabilises it\), so G / G_ref is undefined\. Scan a higher G_max, or compare raw "
               r"couplings\.$")
    with pytest.raises(DynamicsError, match=message):
        cc.relative(0.5)
    with pytest.raises(DynamicsError, match=message):
        cc.coupling_at(0.9)
