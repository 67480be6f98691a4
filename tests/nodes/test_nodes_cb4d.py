"""Coombes–Byrne with an alpha synapse (4D): Hopf bifurcations against golden.json."""

import numpy as np
import pytest

import brainnet_cb as bn


def _params(golden):
    g = golden["cb4d_tvb_defaults_hopf"]
    return g, dict(Delta=g["Delta"], alpha=g["alpha"], v_syn=g["v_syn"], k=g["k"])


@pytest.mark.parametrize("which", ["H1", "H2"])
def test_jacobian_eigenvalues_cross_the_imaginary_axis_at_the_golden_hopf_points(golden, which):
    g, p = _params(golden)
    eta_h, period = g[f"eta_{which}"], g[f"period_{which}"]
    below = bn.CoombesByrne4D(eta=eta_h - 1e-4, **p).eigenvalues()[0]
    above = bn.CoombesByrne4D(eta=eta_h + 1e-4, **p).eigenvalues()[0]
    at = bn.CoombesByrne4D(eta=eta_h, **p).eigenvalues()[0]
    # H1: stable -> oscillating as eta grows; H2: oscillating -> stable
    assert (below.real < 0 < above.real) if which == "H1" else (above.real < 0 < below.real)
    assert abs(at.real) < 1e-6  # eta_h is given to 1e-6
    assert abs(2 * np.pi / abs(at.imag) - period) < 1e-4


def test_fixed_point_is_the_2d_one_with_instant_synapse():
    m = bn.CoombesByrne4D(eta=2.0, Delta=1.0, v_syn=-4.0, k=1.0)
    r, v, g, q = m.fixed_point()
    r2, v2 = bn.CoombesByrne().fixed_point()
    assert (r, v, q) == (r2, v2, 0.0) and abs(g - np.pi * r2) < 1e-15
    x = np.array([[r], [v], [g], [q]])
    assert np.max(np.abs(np.asarray(m.validated(1, np.float64).dfun(x, {})))) < 1e-12


def test_stable_below_oscillating_just_above_with_the_golden_period(golden):
    """One run, one region per eta, no coupling, each started beside its fixed point:
    below H1 (3.73, 3.90) and above H2 (24) the perturbation decays at the rate
    Re(lambda) of the Jacobian; at 3.93 + 0.2 a limit cycle with period within 1 % of
    5.0653 ms (5.0557 ms measured), and one at the TVB default eta = 20."""
    g, p = _params(golden)
    etas = np.array([3.73, 3.90, 3.93 + 0.2, 20.0, 24.0])
    empty = bn.Connectome(np.zeros((5, 5)), np.zeros((5, 5)))
    # start beside each fixed point (r* + 0.01): the linear analysis says what follows
    fps = np.array([bn.CoombesByrne4D(eta=e, **p).fixed_point() for e in etas]).T
    x0 = dict(zip(("r", "v", "g", "q"), fps + np.array([[0.01], [0.0], [0.0], [0.0]])))
    ds = bn.simulate(bn.CoombesByrne4D(eta=etas, **p), empty, duration=1500.0, dt=0.05, method="rk4",
                     monitors=[bn.Raw(variables=("r",))], initial_state=x0)
    assert ds.r.dtype == np.float64
    t, r = ds.time.values, ds.r.values

    def swing(lo, hi):
        s = (t > lo) & (t <= hi)
        return r[s].max(0) - r[s].min(0)

    # below H1 and above H2: the swing decays at the rate Re(lambda) of the Jacobian
    early, late = swing(500, 750), swing(750, 1000)
    for i in (0, 1, 4):
        rate = bn.CoombesByrne4D(eta=etas[i], **p).eigenvalues()[0].real
        assert rate < 0
        assert abs(np.log(late[i] / early[i]) / 250.0 - rate) < 0.05 * abs(rate)
    assert abs(r[-1, 0] - fps[0, 0]) < 1e-12
    # just above H1 and at the default eta = 20: limit cycles with a steady, finite swing
    early, late = swing(1000, 1250), swing(1250, 1500)
    for i in (2, 3):
        assert late[i] > 0.05 and abs(late[i] - early[i]) < 1e-4 * early[i]
    y = r[t > 1000, 2] - r[t > 1000, 2].mean()
    ts = t[t > 1000]
    up = np.nonzero((y[:-1] < 0) & (y[1:] >= 0))[0]
    crossings = ts[up] - y[up] * (ts[up + 1] - ts[up]) / (y[up + 1] - y[up])
    period = np.diff(crossings).mean()
    assert abs(period - g["period_H1"]) < 0.01 * g["period_H1"]
    assert abs(period - 5.0557) < 1e-3
