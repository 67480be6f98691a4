"""The differentiable JAX path agrees with the NumPy/SciPy path, and its gradients are right."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy import signal

import brainnet_cb as bn
from brainnet_cb import analysis_jax as aj
from brainnet_cb.analysis.filters import design_bandpass


def _series(seed, shape):
    rng = np.random.default_rng(seed)
    return np.cumsum(rng.standard_normal(shape), axis=-2) + rng.standard_normal(shape)


def test_jax_fc_equals_numpy_fc_with_batch_dims():
    v = _series(0, (3, 400, 6))
    got = np.asarray(aj.fc(jnp.asarray(v)))
    assert got.dtype == np.float64
    for k in range(3):
        np.testing.assert_allclose(got[k], np.corrcoef(v[k].T), atol=1e-12)


@pytest.mark.parametrize("order, axis", [(1, 0), (2, 1), (4, -2)])
def test_jax_bandpass_reproduces_scipy_sosfiltfilt(order, axis):
    v = _series(1, (500, 5))
    v = np.moveaxis(np.stack([v, 2 * v + 1]), 1, axis if axis >= 0 else 1)  # time at `axis`
    sos = design_bandpass((0.01, 0.1), 1 / 0.72, order)
    want = signal.sosfiltfilt(sos, v, axis=axis)
    got = np.asarray(aj.bandpass(jnp.asarray(v), 0.72, (0.01, 0.1), order=order, axis=axis))
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-10 * np.abs(want).max())


def test_jax_bandpass_equals_the_xarray_bandpass():
    v = _series(2, (300, 3))
    x = bn.as_timeseries(v, dt=0.72)
    np.testing.assert_allclose(np.asarray(aj.bandpass(v, 0.72)), bn.bandpass(x).values, atol=1e-10)


@pytest.mark.parametrize("fisher_z", [False, True])
def test_jax_fc_fit_equals_numpy_fc_fit(fisher_z):
    sims = np.stack([np.corrcoef(_series(s, (200, 8)).T) for s in range(3, 6)])
    emp = np.corrcoef(_series(9, (200, 8)).T)
    corr, rmse = aj.fc_fit(jnp.asarray(sims), jnp.asarray(emp), fisher_z=fisher_z)
    ref = bn.fc_fit(sims, emp, fisher_z=fisher_z)
    np.testing.assert_allclose(np.asarray(corr), ref.corr.values, atol=1e-13)
    np.testing.assert_allclose(np.asarray(rmse), ref.rmse.values, atol=1e-13)


def _loss(emp, dt=0.72):
    def loss(x):
        y = aj.bandpass(x, dt)[20:]                  # filter, drop the edge, correlate, compare
        return 1.0 - aj.fc_fit(aj.fc(y), emp)[0]
    return loss


def test_grad_of_fc_fit_through_bandpass_and_fc_matches_finite_differences():
    x = jnp.asarray(_series(11, (300, 6)))
    emp = jnp.asarray(np.corrcoef(_series(12, (300, 6)).T))
    loss = jax.jit(_loss(emp))
    g = jax.jit(jax.grad(_loss(emp)))(x)
    assert g.shape == x.shape and bool(jnp.all(jnp.isfinite(g)))
    for seed in range(3):                           # directional derivatives, central differences
        d = jnp.asarray(np.random.default_rng(100 + seed).standard_normal(x.shape))
        h = 1e-5
        fd = (loss(x + h * d) - loss(x - h * d)) / (2 * h)
        assert float(jnp.vdot(g, d)) == pytest.approx(float(fd), rel=1e-6)
    # a single entry, too
    e = jnp.zeros_like(x).at[150, 2].set(1.0)
    fd = (loss(x + 1e-5 * e) - loss(x - 1e-5 * e)) / 2e-5
    assert float(g[150, 2]) == pytest.approx(float(fd), rel=1e-5, abs=1e-9)


def test_jax_path_vmaps_over_a_batch():
    xs = jnp.asarray(_series(13, (4, 300, 5)))
    emp = jnp.asarray(np.corrcoef(_series(14, (300, 5)).T))
    batched = jax.jit(jax.vmap(_loss(emp)))(xs)
    loss = jax.jit(_loss(emp))
    single = jnp.stack([loss(x) for x in xs])
    np.testing.assert_allclose(np.asarray(batched), np.asarray(single), atol=1e-12)


def test_jax_bandpass_refuses_bad_input_like_the_numpy_path():
    with pytest.raises(bn.AnalysisError, match=r"x has 10 samples, too few for the zero-phase band-pass"):
        aj.bandpass(jnp.ones((10, 2)), 0.72)
    with pytest.raises(bn.AnalysisError, match=r"^band must satisfy 0 < low < high < Nyquist frequency; got "
                                               r"band=\(0\.01, 1\) Hz and Nyquist = 0\.694444 Hz \(sampling "
                                               r"interval 0\.72 s\)\. Choose a band inside \(0, Nyquist\) or sample "
                                               r"more often\.$"):
        aj.bandpass(jnp.ones((100, 2)), 0.72, band=(0.01, 1.0))
    with pytest.raises(bn.AnalysisError, match=r"dt must be a finite, positive duration in s; got 0.0"):
        aj.bandpass(jnp.ones((100, 2)), 0.0)
