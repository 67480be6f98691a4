"""Convergence orders of the integrators, fitted from the log-error slope."""

import numpy as np
import pytest

import brainnet_cb as bn

DTS = (0.2, 0.1, 0.05, 0.025)
ORDERS = {"euler": 1, "exp_euler": 1, "heun": 2, "rk2": 2, "rk4": 4}
# science.md §2: sup error over [0, 100] ms at dt = 0.2, 0.1, 0.05 (defaults)
TABLE = {
    "euler": (2.03e-1, 7.72e-2, 3.40e-2),
    "exp_euler": (1.51e-1, 6.85e-2, 3.21e-2),
    "heun": (3.16e-2, 6.91e-3, 1.59e-3),
    "rk4": (4.81e-4, 2.84e-5, 1.70e-6),
}
ONE = bn.Connectome(np.zeros((1, 1)), np.zeros((1, 1)))


@pytest.fixture(scope="module")
def reference():
    ds = bn.simulate(bn.CoombesByrne(), ONE, duration=100.0, dt=0.0025, method="rk4", monitors=[bn.Raw()])
    return ds


def sup_error(ds, ref, dt):
    """Sup over [0, 100] ms of |x - x_ref| over both variables, at the run's own steps."""
    stride = round(dt / 0.0025)
    err = 0.0
    for var in ("r", "v"):
        err = max(err, np.max(np.abs(ds[var].values[:, 0] - ref[var].values[stride - 1 :: stride, 0])))
    return err


@pytest.mark.parametrize("method", sorted(ORDERS))
def test_observed_order(method, reference):
    errors = []
    for dt in DTS:
        ds = bn.simulate(bn.CoombesByrne(), ONE, duration=100.0, dt=dt, method=method, monitors=[bn.Raw()])
        errors.append(sup_error(ds, reference, dt))
    slope = np.polyfit(np.log(DTS), np.log(errors), 1)[0]
    assert abs(slope - ORDERS[method]) < 0.3, (method, errors, slope)
    if method in TABLE:
        # the absolute errors match the independently measured table within 2 %
        np.testing.assert_allclose(errors[:3], TABLE[method], rtol=0.02)
