"""The step-size check: its amplification matrices are the engine's steps linearised, its Jacobians exact, and a
batch warns once, about its members."""

import warnings

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import brainnet_cb as bn
from brainnet_cb.integrators import INTEGRATORS
from brainnet_cb.simulation import step_stability
from brainnet_cb.simulation.step_stability import amplification, check_step_stability, one_call

ONE = bn.Connectome(np.zeros((1, 1)), np.zeros((1, 1)))
TWO = bn.Connectome([[0.0, 1.0], [1.0, 0.0]], [[0.0, 30.0], [30.0, 0.0]])
MODELS = [bn.CoombesByrne(eta=10.0), bn.CoombesByrne(eta=-4.6, v_syn=4.0), bn.MontbrioPazoRoxin(eta=-2.0),
          bn.CoombesByrne4D(eta=3.0)]


def _point(model):
    return np.asarray(model.fixed_points()[0], dtype=float)


@pytest.mark.parametrize("method", sorted(INTEGRATORS))
@pytest.mark.parametrize("model", MODELS, ids=lambda m: f"{type(m).__name__}({m.eta})")
def test_the_amplification_matrix_is_the_engine_step_linearised_at_the_fixed_point(model, method):
    """Every method the engine accepts has an amplification matrix, and it is d(step)/dx of the engine's own
    scheme (integrators.py) at the fixed point: exp_euler's phi1 of the diagonal included."""
    x0, dt = _point(model), 0.07
    n = x0.size

    def step(x):
        f = lambda y: model.dfun(y.reshape(n, 1), {}).reshape(n, 1)  # noqa: E731
        return INTEGRATORS[method](f, x.reshape(n, 1), dt).reshape(n)

    engine = np.asarray(jax.jit(jax.jacfwd(step))(jnp.asarray(x0)))
    np.testing.assert_allclose(amplification(method, model._jacobian_at(x0), dt), engine, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("model", MODELS, ids=lambda m: type(m).__name__)
def test_the_closed_form_jacobians_are_those_of_dfun(model):
    rng = np.random.default_rng(0)
    for _ in range(3):
        x = _point(model) + rng.normal(scale=0.3, size=len(model.states))
        auto = jax.jit(jax.jacfwd(lambda y: model.dfun(y.reshape(-1, 1), {}).reshape(-1)))(jnp.asarray(x))
        np.testing.assert_allclose(model._jacobian_at(x), np.asarray(auto), rtol=1e-13, atol=1e-13)


def test_the_check_of_a_built_in_model_compiles_nothing():
    """The check runs in every prepare_run: for the built-in models it is numpy (it compiled one jax.jacfwd,
    0.4 s of a default run, before)."""
    calls = step_stability._jacobian_fn.cache_info()
    check_step_stability(bn.MontbrioPazoRoxin(eta=-2.123456), "heun", 0.1)
    check_step_stability(bn.CoombesByrne4D(eta=2.123456), "heun", 0.1)
    after = step_stability._jacobian_fn.cache_info()
    assert (after.hits, after.misses) == (calls.hits, calls.misses)


def test_rk4_is_suggested_only_where_it_is_stable():
    """At eta = 10, euler is stable to dt = 0.104 ms and rk4 to 0.548 ms: at dt = 0.6 rk4 is no way out."""
    with pytest.warns(bn.StepSizeWarning, match=r"largest stable dt is 0\.104 ms\. The run can diverge, or oscillate "
                                                r"where the model rests; use dt <= 0\.1 ms\.$"):
        check_step_stability(bn.CoombesByrne(eta=10.0), "euler", 0.6)


def test_a_batch_warns_once_about_its_members_not_the_values_they_replace():
    """The base model (eta = 10, past the limit at dt = 0.12) is not what runs: its eta is replaced; three of the
    four members are past the limit, and one warning says so."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        bn.simulate_batch(bn.CoombesByrne(eta=10.0), TWO, 1.2, 0.12, method="exp_euler",
                          batch={"eta": [-5.0, 10.0, 10.0, 9.5]}, monitors=[bn.TemporalAverage(1.2)])
    texts = [str(w.message) for w in caught if issubclass(w.category, bn.StepSizeWarning)]
    assert texts == [
        "dt = 0.12 ms is past the stability limit of method 'exp_euler' at the stable fixed point of one uncoupled "
        "CoombesByrne node for 3 of the 4 members of this batch; the tightest limit at eta = 10 (r* = 0.5286, "
        "v* = 0.5293): there the largest stable dt is 0.11 ms. The run can diverge, or oscillate where the model "
        "rests; use dt <= 0.1 ms; or method='rk4' (stable up to 0.548 ms there)."
    ]
    assert caught[0].filename == __file__  # the user's line, not brainnet_cb's
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        step_stability.check_batch_stability(bn.CoombesByrne(eta=10.0), "exp_euler", 0.12,
                                             {"eta": np.array([-5.0, -4.0]), "G": np.array([0.1, 0.2])})
        step_stability.check_batch_stability(bn.CoombesByrne(), "exp_euler", 0.12,  # per-region: not checked
                                             {"eta": np.array([[10.0, 10.0], [9.5, 9.5]])})


def test_within_one_call_each_parameter_set_warns_once_and_quiet_checks_nothing():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with one_call():
            for _ in range(3):
                check_step_stability(bn.CoombesByrne(eta=10.0), "exp_euler", 0.12)
            check_step_stability(bn.CoombesByrne(eta=9.5), "exp_euler", 0.12)
        with one_call(quiet=True):
            check_step_stability(bn.CoombesByrne(eta=10.0), "euler", 0.12)
    assert [str(w.message).split("(stable up to ")[1] for w in caught] == ["0.548 ms there).", "0.561 ms there)."]


def test_a_fit_over_seeds_warns_once():
    """fc_loss with three seeds rebuilds the spec per seed; the model and dt are the same: one warning."""
    from brainnet_cb.fitting.fit import fc_loss

    target = np.array([[1.0, 0.5], [0.5, 1.0]])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fc_loss(bn.CoombesByrne(eta=10.0), TWO, target, init={"G": 0.5}, seeds=[0, 1, 2], signal="r", band=None, loss="rmse",
                duration=12.0, dt=0.12, method="exp_euler", monitors=[bn.TemporalAverage(1.2)])
    assert [w.category for w in caught if issubclass(w.category, bn.StepSizeWarning)] == [bn.StepSizeWarning]


def test_a_sweep_warns_once_about_its_grid():
    """Four batches of three; eta = 9.5 and 10 (two of the grid's six values, crossed with two G) are past the
    limit: one warning from the sweep, none from its batches (each warned about its own members before)."""
    grid = {"eta": [-5.0, 2.0, 5.0, 8.0, 9.5, 10.0], "G": [0.0, 0.1]}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        bn.sweep(bn.CoombesByrne(eta=10.0), TWO, grid, duration=2.4, dt=0.12, method="exp_euler",
                 monitors=[bn.TemporalAverage(1.2)], signal="r", band=None, batch_size=3, keep=("r",))
    texts = [str(w.message) for w in caught if issubclass(w.category, bn.StepSizeWarning)]
    assert texts == [
        "dt = 0.12 ms is past the stability limit of method 'exp_euler' at the stable fixed point of one uncoupled "
        "CoombesByrne node for 4 of the 12 members of this sweep; the tightest limit at eta = 10 (r* = 0.5286, "
        "v* = 0.5293): there the largest stable dt is 0.11 ms. The run can diverge, or oscillate where the model "
        "rests; use dt <= 0.1 ms; or method='rk4' (stable up to 0.548 ms there)."
    ]


def test_the_uncoupled_divergence_advice_does_not_promise_rk4_a_fixed_gain():
    """rk4's limit is 5.3x Euler's at eta = 10 but 1.4x at eta = -5 (0.558 / 0.390 ms): no 'about 5x'."""
    J = bn.CoombesByrne(eta=-5.0)._jacobian_at(bn.CoombesByrne(eta=-5.0).fixed_point())
    ratio = step_stability.largest_stable_dt("rk4", J) / step_stability.largest_stable_dt("euler", J)
    assert 1.4 < ratio < 1.45
    with pytest.raises(bn.DivergenceError, match=r"stays small\), a method with a larger stability region \('rk4'\), "
                                                 r"or weaker noise\.$"), pytest.warns(bn.StepSizeWarning):
        bn.simulate(bn.CoombesByrne(eta=10.0), ONE, duration=100.0, dt=0.5)
