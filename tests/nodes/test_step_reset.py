"""CoombesByrneStep.reset_state: brainstate.nn.reset_all_states restarts the module in place (it did nothing),
so a compiled loop and a differentiated loss see the restart."""

import brainstate
import brainunit as u
import jax.numpy as jnp
import numpy as np
import pytest

import brainnet_cb as bn


def _loop(node, steps=20):
    def run():
        with brainstate.environ.context(dt=0.1 * u.ms):
            return brainstate.transform.for_loop(lambda i: node.update(), jnp.arange(steps))
    return run


def test_reset_all_states_restarts_a_compiled_loop_and_keeps_the_batch_axis():
    node = bn.CoombesByrneStep(in_size=2, eta=[1.0, -1.0], method="rk4")  # a list: was brainstate's TypeError
    np.testing.assert_array_equal(np.asarray(node.eta.value()), [1.0, -1.0])
    brainstate.nn.init_all_states(node, batch_size=3)
    run = brainstate.transform.jit(_loop(node))
    first = np.asarray(run())
    assert first.shape == (20, 3, 2) and float(node.r.value[0, 0]) != 0.1
    brainstate.nn.reset_all_states(node)  # was: a no-op, r stayed at its last value
    np.testing.assert_array_equal(np.asarray(node.r.value), np.full((3, 2), 0.1))
    np.testing.assert_array_equal(np.asarray(node.v.value), np.zeros((3, 2)))
    np.testing.assert_array_equal(np.asarray(run()), first)


def test_a_loss_that_resets_the_module_is_differentiated_and_leaves_live_states():
    node = bn.CoombesByrneStep(in_size=2, eta=brainstate.nn.Param(jnp.array([1.0, -1.0])), method="rk4")
    brainstate.nn.init_all_states(node)
    params = node.states(brainstate.ParamState)
    loop = _loop(node, 50)

    def loss():
        brainstate.nn.reset_all_states(node)
        return jnp.sum(loop()[-1] ** 2)

    grads = brainstate.transform.jit(brainstate.transform.grad(loss, params))()
    last = np.asarray(node.r.value)  # readable: the states were reset in place, not created in the trace
    value = float(loss())
    np.testing.assert_array_equal(np.asarray(node.r.value), last)
    h, eta = 1e-6, node.eta.value()
    node.eta.set_value(eta + jnp.array([h, 0.0]))
    up = float(loss())
    node.eta.set_value(eta - jnp.array([h, 0.0]))
    down = float(loss())
    assert float(grads[("eta", "val")][0]) == pytest.approx((up - down) / (2 * h), rel=1e-6)
    assert value > 0
