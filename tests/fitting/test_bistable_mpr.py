"""The bistable Montbrio-Pazo-Roxin regime (Rabuffo et al. 2021): two stable node states, noise-driven switching."""

import numpy as np
import pytest

import brainnet_cb as bn
from brainnet_cb.dynamics import network_fixed_points

BISTABLE = dict(Delta=0.7, eta=-4.6, J=14.5)


def test_the_node_is_bistable():
    one = bn.Connectome(np.zeros((1, 1)), np.zeros((1, 1)), name="node")
    fps = network_fixed_points(bn.MontbrioPazoRoxin(**BISTABLE), one, bn.Linear(G=0.0))
    stable = sorted(float(fp.values[0, 0]) for fp in fps if fp.stable)
    saddles = [fp for fp in fps if not fp.stable]
    assert stable == pytest.approx([0.0571217, 1.0080122], abs=1e-6)  # down node, up focus
    assert len(saddles) == 1 and saddles[0].n_unstable == 1 and float(saddles[0].values[0, 0]) == pytest.approx(
        0.4523105, abs=1e-6)
    up = next(fp for fp in fps if fp.stable and fp.values[0, 0] > 0.5)
    assert abs(up.leading.imag) > 0  # the up state is a focus (damped oscillation)
    assert len(bn.MontbrioPazoRoxin(**dict(BISTABLE, eta=-6.0)).fixed_points()) == 1  # the monostable control


def test_noise_switches_a_bistable_network_and_its_windowed_fc_moves():
    w = np.full((6, 6), 0.1)
    w[:3, :3] = w[3:, 3:] = 1.0
    np.fill_diagonal(w, 0.0)
    conn = bn.Connectome(w, 20.0 * (w > 0), name="modules6")
    ds = bn.simulate_batch(bn.MontbrioPazoRoxin(**BISTABLE), conn, duration=3000.0, dt=0.01,
                           batch={"eta": [-4.6, -6.0]}, coupling=bn.Linear(G=1.8), speed=2.0,
                           noise=bn.Additive(v=1.2), monitors=[bn.TemporalAverage(10.0)], key=1,
                           initial_state={"r": 0.0571, "v": -1.95})
    r = ds.r.values  # (batch, time, region)
    assert r.min() > 0  # r >= 0 at dt = 0.01 ms
    up = r > 0.4523  # above the saddle
    switches = np.abs(np.diff(up.astype(int), axis=1)).sum(axis=1)
    assert np.all(switches[0] >= 1) and np.all(up[0].mean(0) > 0.1) and np.all(up[0].mean(0) < 0.95)
    assert switches[1].sum() == 0 and not up[1].any()  # the monostable control stays down
    # windowed FC (20-sample windows of the 10-ms rate): switching makes the mean window FC jump, the control's
    # stays near 0. (The FCD of these fast rates does not separate the two regimes: FCD needs BOLD, minutes
    # long; see examples/bistable_mpr.py.)
    iu = np.triu_indices(6, 1)
    means = [[np.corrcoef(run[s:s + 20].T)[iu].mean() for s in range(0, run.shape[0] - 20, 5)] for run in r]
    assert np.std(means[0]) > 2 * np.std(means[1]) and max(means[0]) > 0.6
