"""The integration step of a simulated working-point candidate, chosen from its Jacobian (Heun's stability)."""

import jax
import numpy as np
import pytest

import brainnet_cb as bn
from brainnet_cb.data.empirical_data import load_empirical
from brainnet_cb.errors import FitError
from brainnet_cb.fitting.working_point_scan import DAMPING_KEPT, scan_branch, stable_step


class _Point:
    """Only the eigenvalues of a fixed point (1/ms)."""

    def __init__(self, eigenvalues):
        self.eigenvalues = np.asarray(eigenvalues, dtype=complex)


def _heun_factor(z):
    return np.abs(1 + z + z * z / 2)


def test_stable_step_keeps_half_of_every_modes_damping():
    lam = np.array([-1.71 + 8.02j, -1.71 - 8.02j, -0.44])
    h = stable_step(_Point(lam), 0.2, tr=720.0)
    # 0.2 ms amplifies the oscillatory mode (|R| = 1.20 > 1), 0.16 ms damps it by 0.933 per step where the
    # exact flow damps by 0.760 (less than half the damping kept); 0.125 ms: 0.846 (exact 0.807)
    assert _heun_factor(0.2 * lam[0]) > 1.0 and h == 0.125
    assert 1 - _heun_factor(0.16 * lam[0]) < DAMPING_KEPT * (1 - np.exp(0.16 * lam[0].real))
    # a TR that 0.125 ms does not divide (0.6 ms / 0.125 ms = 4.8) skips it
    assert stable_step(_Point(lam), 0.2, tr=0.6) == 0.1
    kept = 1 - _heun_factor(h * lam)
    assert np.all(kept >= DAMPING_KEPT * (1 - np.exp(h * lam.real)))
    # a slow real mode alone never forces a smaller step
    assert stable_step(_Point([-0.44]), 0.2) == 0.2


def test_stable_step_refuses_a_mode_no_step_can_hold():
    with pytest.raises(FitError, match=r"^no integration step down to 0\.002 ms keeps Heun's scheme stable at this "
                                       r"working point \(fastest mode [-+.e0-9]+j /ms\); check the model's "
                                       r"parameters\.$"):
        stable_step(_Point([-1.0 + 2e4j]), 0.2)


@pytest.mark.slow
def test_the_step_it_refuses_is_the_one_that_blows_up_near_the_working_point():
    """HCP at eta = -2, G = 1.05 G_ref: dt = 0.2 ms diverges within tens of ms, the chosen 0.125 ms does not."""
    hcp = load_empirical("hcp80")
    model = bn.CoombesByrne(eta=-2.0)
    _, _, walk = scan_branch(model, hcp.connectome, "max", np.array([1.0, 1.05]), 20)
    (G1, fp1), (G2, fp2) = walk
    assert stable_step(fp1, 0.2, 720.0) == 0.2 and stable_step(fp2, 0.2, 720.0) == 0.125
    diverged = {}
    for dt in (0.2, 0.125):
        with jax.enable_x64(True):
            ds = bn.simulate_batch(model, hcp.connectome, 300.0, dt, batch={"seed": [1]}, coupling=bn.Linear(G=G2),
                                   noise=bn.Additive(v=0.02), monitors=[bn.TemporalAverage(period=1.0)],
                                   initial_state=fp2.as_initial_state(), on_divergence="keep", progress=False,
                                   dtype="float64")
        diverged[dt] = float(ds["diverged_at"].values[0])
    assert np.isfinite(diverged[0.2]) and np.isnan(diverged[0.125])
