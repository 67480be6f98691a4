"""The Coombes–Byrne node against the golden values of shared/reference."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import brainnet_cb as bn
from brainnet_cb.integrators import INTEGRATORS


def _trajectory(method, dt, times, v_ext=0.0, model=None):
    """States at ``times`` (ms) of one node from (0.1, 0), with a constant v input."""
    model = model or bn.CoombesByrne()
    step = INTEGRATORS[method]
    def f(x):
        return model.dfun(x, {"v": v_ext})

    @jax.jit
    def run(x, n):
        return jax.lax.fori_loop(0, n, lambda i, y: step(f, y, dt), x)

    x0 = jnp.array([[0.1], [0.0]])
    out = {}
    for t in times:
        x = run(x0, int(round(t / dt)))
        assert x.dtype == jnp.float64
        out[t] = np.asarray(x).ravel()
    return out


@pytest.mark.parametrize("case,v_ext", [("trajectory_vext0", 0.0), ("trajectory_vext1", 1.0)])
def test_rk4_matches_golden_trajectory(golden, case, v_ext):
    got = _trajectory("rk4", 0.01, (1, 5), v_ext)
    for t in (1, 5):
        np.testing.assert_allclose(got[t], golden[case][str(t)], atol=1e-8, rtol=0)


@pytest.mark.parametrize("dt", [0.1, 0.01])
def test_exp_euler_matches_the_seed_scheme(golden, dt):
    got = _trajectory("exp_euler", dt, (1, 5, 10))
    for t in (1, 5, 10):
        np.testing.assert_allclose(got[t], golden["exp_euler_brainmass_vext0"][f"dt{dt}"][str(t)], atol=1e-9, rtol=0)


@pytest.mark.parametrize(
    "case,v_ext", [("fixed_point_vext0", 0.0), ("fixed_point_vext1", 1.0)]
)
def test_fixed_points_match_golden(golden, case, v_ext):
    r, v = bn.CoombesByrne().fixed_point(v_ext=v_ext)
    assert abs(r - golden[case]["r"]) < 1e-9
    assert abs(v - golden[case]["v"]) < 1e-9
    # and the simulated node settles there (RK4, 100 ms)
    end = _trajectory("rk4", 0.01, (100,), v_ext)[100]
    np.testing.assert_allclose(end, [golden[case]["r"], golden[case]["v"]], atol=1e-9, rtol=0)


def test_k0_is_mpr_with_analytic_rate():
    Delta, eta = 1.0, 2.0
    r_star = np.sqrt((eta + np.sqrt(eta**2 + Delta**2)) / 2) / np.pi
    model = bn.CoombesByrne(k=0.0)
    r, v = model.fixed_point()
    assert abs(r - r_star) < 1e-12
    assert abs(v - (-Delta / (2 * np.pi * r_star))) < 1e-12
    end = _trajectory("rk4", 0.01, (100,), model=model)[100]
    np.testing.assert_allclose(end, [r_star, -Delta / (2 * np.pi * r_star)], atol=1e-9, rtol=0)


def test_bistable_regime_has_three_fixed_points():
    # science.md: k = 1, v_syn = 4 is bistable for eta in (-3.3010, -2.6427)
    assert len(bn.CoombesByrne(eta=-3.0, v_syn=4.0).fixed_points()) == 3
    assert len(bn.CoombesByrne(eta=-3.4, v_syn=4.0).fixed_points()) == 1
    with pytest.raises(bn.ModelError, match=r"^3 fixed points for these parameters \(bistable regime\): "
                                            r"\[\(0\.1249495818\d*, -1\.077482962\d*\), \(0\.3183098861\d*, -?[\d.e-]+\), "
                                            r"\(0\.654238113\d*, 0\.784407214\d*\)\]; use fixed_points\(\) to get all "
                                            r"of them\.$"):
        bn.CoombesByrne(eta=-3.0, v_syn=4.0).fixed_point()
    # the middle (saddle) point is exact: r = 1 / pi, v = k pi r / 2 - Delta / (2 pi r) = 0, and the quartic
    # 5 pi^4 r^4 - 16 pi^3 r^3 + 12 pi^2 r^2 - 1 = 5 - 16 + 12 - 1 = 0 there
    np.testing.assert_allclose(bn.CoombesByrne(eta=-3.0, v_syn=4.0).fixed_points()[1], [1 / np.pi, 0.0],
                               rtol=0, atol=1e-12)


def _extrema(t, y):
    """Times and values of the local extrema of y, refined by a parabola."""
    k = np.nonzero((np.diff(np.sign(np.diff(y)))) != 0)[0] + 1
    times, values = [], []
    for i in k:
        y0, y1, y2 = y[i - 1], y[i], y[i + 1]
        denom = y0 - 2 * y1 + y2
        s = 0.5 * (y0 - y2) / denom
        times.append(t[i] + s * (t[1] - t[0]))
        values.append(y1 - 0.25 * (y0 - y2) * s)
    return np.array(times), np.array(values)


@pytest.mark.parametrize("case,v_ext", [("fixed_point_vext0", 0.0), ("fixed_point_vext1", 1.0)])
def test_damped_ringing_period_and_decay(golden, case, v_ext):
    """Successive extrema of r are pi/omega apart and shrink by exp(pi * Re/omega)."""
    dt = 0.001
    model = bn.CoombesByrne()
    def f(x):
        return model.dfun(x, {"v": v_ext})

    @jax.jit
    def run(x):
        return jax.lax.scan(lambda y, _: (INTEGRATORS["rk4"](f, y, dt),) * 2, x, None, length=12000)[1]

    xs = np.asarray(run(jnp.array([[0.1], [0.0]])))[:, 0, 0]
    t = (np.arange(xs.size) + 1) * dt
    r_star = golden[case]["r"]
    times, values = _extrema(t, xs)
    # skip the first extremum (transient), keep extrema well above round-off
    amp = np.abs(values - r_star)
    keep = slice(3, 7)
    gaps = np.diff(times[keep])
    ratios = amp[keep][1:] / amp[keep][:-1]
    np.testing.assert_allclose(gaps, golden[case]["half_period_ms"], rtol=2e-3)
    np.testing.assert_allclose(ratios, golden[case]["amp_ratio_per_half_period"], rtol=1e-2)
