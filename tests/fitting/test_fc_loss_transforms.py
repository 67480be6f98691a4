"""JAX transformations around the public functional API: fc_loss's objective under jax.jit / jax.vmap /
jax.grad equals the plain call; a parameter of the wrong shape, and a run built inside a transformation, are
refused by message."""

import functools

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import brainnet_cb as bn
from brainnet_cb.fitting.fit import fc_loss

CONN = bn.Connectome([[0, 1, 0], [1, 0, 1], [0, 1, 0]], np.full((3, 3), 20.0))
TARGET = np.array([[1.0, 0.6, 0.3], [0.6, 1.0, 0.5], [0.3, 0.5, 1.0]])


@functools.lru_cache
def _objective():
    f, p, _ = fc_loss(bn.CoombesByrne(), CONN, TARGET, init={"G": 1.0, "eta": -4.0}, duration=100.0,
                      noise=bn.Additive(v=0.1), signal="r", monitors=[bn.TemporalAverage(5.0)], band=None)
    return f, p


@functools.lru_cache
def _jitted():
    return jax.jit(_objective()[0])


def test_the_jitted_objective_equals_the_plain_call():
    f, p = _objective()
    loss, (corr, rmse, fc, bad) = f(p)  # the plain call, traced op by op
    assert loss.dtype == jnp.float64 and int(bad) == -1
    jloss, (jcorr, _, jfc, _) = _jitted()(p)
    # XLA may fuse the compiled program differently from the op-by-op call: equal to rounding
    np.testing.assert_allclose([float(jloss), float(jcorr)], [float(loss), float(corr)], rtol=1e-14, atol=0)
    np.testing.assert_allclose(np.asarray(jfc), np.asarray(fc), rtol=0, atol=1e-14)


def test_the_vmapped_objective_equals_one_call_per_value():
    f, p = _objective()
    Gs = [0.5, 1.5]
    batched = jax.jit(jax.vmap(lambda G: f({**p, "G": G})[0]))(jnp.asarray(Gs))
    singles = [float(_jitted()({**p, "G": jnp.asarray(G)})[0]) for G in Gs]
    np.testing.assert_allclose(np.asarray(batched), singles, rtol=1e-12, atol=0)
    assert abs(singles[0] - singles[1]) > 1e-5  # the values differ: the batch axis reached G


def test_the_gradient_of_the_objective_equals_central_differences():
    f, p = _objective()
    g = jax.jit(jax.grad(lambda q: f(q)[0]))(p)
    h = 1e-6
    for name in ("G", "eta"):
        fd = (float(_jitted()({**p, name: p[name] + h})[0]) - float(_jitted()({**p, name: p[name] - h})[0])) / (2 * h)
        assert float(g[name]) == pytest.approx(fd, rel=1e-3), name


# a refusal raised under a JAX transformation carries JAX's note on its filtered traceback (absent where
# JAX_TRACEBACK_FILTERING=off)
JAX_NOTE = (r"(\n-+\nFor simplicity, JAX has removed its internal frames from the traceback of the following "
            r"exception\. Set JAX_TRACEBACK_FILTERING=off to include these\.)?$")


@pytest.mark.parametrize("params, message", [
    ({"G": jnp.ones(2)}, r"^objective\(params\): 'G' has shape \(2,\); it takes a scalar or one value per region "
                         r"\(3,\)\." + JAX_NOTE),  # was: JAX's ValueError 'Incompatible types for broadcasting'
    ({"eta": jnp.ones((3, 1))}, r"^objective\(params\): 'eta' has shape \(3, 1\); it takes a scalar or one value per "
                                r"region \(3,\)\." + JAX_NOTE),
    ({"Gain": 1.0}, r"^objective\(params\): unknown parameter 'Gain'; choose from the parameters of CoombesByrne "
                    r"\['Delta', 'eta', 'k', 'v_syn'\], of Linear \['G'\], 'speed', 'seed', or 'noise_<state>' with a "
                    r"state of \['r', 'v'\] \(e\.g\. 'noise_v'\)\." + JAX_NOTE),
])
def test_a_parameter_the_objective_cannot_take_is_refused_under_jit(params, message):
    f, _ = _objective()
    with pytest.raises(bn.FitError, match=message):
        jax.jit(f)(params)


# the tracer's class (\w+) is JAX's own: DynamicJaxprTracer under jit, LinearizeTracer under grad
FIX = (r"a run is checked, compiled and labelled on the host, so bn\.simulate, bn\.Simulation and "
       r"bn\.simulate_batch cannot be called inside jax\.jit, jax\.grad or jax\.vmap\. Differentiate with "
       r"brainnet_cb\.fitting\.fit\.fc_loss \(a pure JAX objective of the parameters\) or "
       r"NetworkModule\(\.\.\., trainable=\.\.\.\) under brainstate\.transform\.grad; run a batch of values with "
       r"bn\.simulate_batch\(\.\.\., batch=\{\.\.\.\}\) called outside the transformation\." + JAX_NOTE)


@pytest.mark.parametrize("transform, build, where", [
    (jax.jit, lambda x: bn.simulate(bn.CoombesByrne(eta=x), CONN, duration=1.0), "model.eta"),
    (jax.grad, lambda x: bn.simulate(bn.CoombesByrne(), CONN, duration=1.0, coupling=bn.Linear(G=x)), "coupling.G"),
    (jax.jit, lambda x: bn.Simulation(bn.CoombesByrne(), CONN, duration=x), "duration"),
])
def test_a_run_built_inside_a_transformation_is_refused_with_the_way_out(transform, build, where):
    # was: 'CoombesByrne.eta must be a number or one number per region; got JitTracer(~float64[])'
    pattern = "^" + where.replace(".", r"\.") + r" is a JAX tracer \(\w+ of shape \(\)\): " + FIX
    with pytest.raises(bn.SimulationError, match=pattern):
        transform(lambda x: jnp.sum(jnp.asarray(build(x).r.values)))(0.5)


def test_a_batch_of_traced_values_is_refused_with_the_way_out():
    with pytest.raises(bn.SimulationError, match=r"^batch\['G'\] is a JAX tracer \(\w+ of shape \(2,\)\): " + FIX):
        jax.jit(lambda G: bn.simulate_batch(bn.CoombesByrne(), CONN, duration=1.0, batch={"G": G}).r.values)(
            jnp.ones(2))
