"""Montbrió–Pazó–Roxin: equal to Coombes–Byrne at k = 0 (J = 0, tau = 1); analytic fixed points."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import brainnet_cb as bn
from brainnet_cb.integrators import INTEGRATORS


def _settle(model, v_ext=0.0, t=200.0, dt=0.01, x0=(0.1, 0.0)):
    """One node integrated by RK4 to time t (ms) under a constant current."""
    def f(x):
        return model.dfun(x, {"v": v_ext})

    step = INTEGRATORS["rk4"]
    run = jax.jit(lambda x: jax.lax.fori_loop(0, int(round(t / dt)), lambda i, y: step(f, y, dt), x))
    x = run(jnp.array([[x0[0]], [x0[1]]]))
    assert x.dtype == jnp.float64
    return np.asarray(x).ravel()


def test_mpr_with_j0_tau1_equals_coombes_byrne_k0_on_a_noisy_delayed_network():
    rng = np.random.default_rng(7)
    n = 4
    w = rng.random((n, n)) * (1 - np.eye(n))
    lengths = rng.uniform(5, 60, (n, n)) * (1 - np.eye(n))
    conn = bn.Connectome(w, lengths)
    eta = np.linspace(-1.0, 2.0, n)
    kw = dict(duration=60.0, dt=0.05, coupling=bn.Linear(G=0.7), speed=2.5,
              noise=bn.Additive(v=0.1), monitors=[bn.Raw()], method="heun", key=3)
    mpr = bn.simulate(bn.MontbrioPazoRoxin(tau=1.0, Delta=0.8, eta=eta, J=0.0), conn, **kw)
    cb = bn.simulate(bn.CoombesByrne(Delta=0.8, eta=eta, k=0.0, v_syn=-4.0), conn, **kw)
    assert mpr.r.dtype == np.float64 and mpr.attrs["dtype"] == "float64"
    assert mpr.r.std() > 1e-3  # it moves: the comparison is not trivial
    np.testing.assert_allclose(mpr.r.values, cb.r.values, atol=1e-12, rtol=0)
    np.testing.assert_allclose(mpr.v.values, cb.v.values, atol=1e-12, rtol=0)


@pytest.mark.parametrize("eta,Delta,tau,I", [(2.0, 1.0, 1.0, 0.0), (-1.0, 0.5, 1.0, 0.3), (0.5, 2.0, 3.0, 0.0)])
def test_j0_fixed_point_is_the_closed_form(eta, Delta, tau, I):
    model = bn.MontbrioPazoRoxin(tau=tau, Delta=Delta, eta=eta, J=0.0)
    e = eta + I
    r_star = np.sqrt((e + np.sqrt(e**2 + Delta**2)) / 2) / (np.pi * tau)
    r, v = model.fixed_point(v_ext=I)
    assert abs(r - r_star) < 1e-13
    assert abs(v + Delta / (2 * np.pi * tau * r_star)) < 1e-13
    np.testing.assert_allclose(_settle(model, I, t=60.0 * tau), [r, v], atol=1e-9, rtol=0)


def test_default_k0_rate_is_the_reference_value():
    r, v = bn.MontbrioPazoRoxin(J=0.0, eta=2.0).fixed_point()
    assert abs(r - 0.463251) < 1e-6 and abs(v - (-0.343561)) < 1e-6


@pytest.mark.parametrize("J,eta", [(5.0, 1.0), (-8.0, 3.0), (15.0, 0.0)])
def test_fixed_point_with_recurrence_solves_the_parametric_form(J, eta):
    """eta = R^2 - Delta^2 / (4 R^2) - J R / pi with R = pi tau r* (MPR 2015)."""
    tau, Delta = 2.0, 1.0
    model = bn.MontbrioPazoRoxin(tau=tau, Delta=Delta, eta=eta, J=J)
    r, v = model.fixed_point()
    R = np.pi * tau * r
    assert abs(R**2 - Delta**2 / (4 * R**2) - J * R / np.pi - eta) < 1e-12
    np.testing.assert_allclose(_settle(model, t=400.0), [r, v], atol=1e-9, rtol=0)


def test_paper_defaults_are_bistable():
    """Delta = 1, eta = -5, J = 15: a low-rate node and a high-rate focus (MPR 2015, Fig. 1)."""
    model = bn.MontbrioPazoRoxin()
    points = model.fixed_points()
    assert len(points) == 3
    with pytest.raises(bn.ModelError, match=r"^3 fixed points for these parameters \(bistable regime\): "
                                            r"\[\(0\.0811344419\d*, -1\.961619988\d*\), \(0\.472980340\d*, "
                                            r"-0\.336493780\d*\), \(1\.030596798\d*, -0\.154429883\d*\)\]; use "
                                            r"fixed_points\(\) to get all of them\.$"):
        model.fixed_point()
    low = _settle(model, t=200.0, x0=(0.05, -2.0))
    high = _settle(model, t=200.0, x0=(1.5, 0.0))
    np.testing.assert_allclose(low, points[0], atol=1e-9)
    np.testing.assert_allclose(high, points[2], atol=1e-9)
