"""NetworkModule under brainstate's transforms: a compiled loop after a restart, states after a
differentiated loss, a vmap over a trainable parameter (each against bn.simulate, bit for bit)."""

import functools

import brainstate
import jax.numpy as jnp
import numpy as np
import pytest

import brainnet_cb as bn
from brainnet_cb.simulation.brainstate_network import NetworkModule

PAIR = bn.Connectome(weights=[[0, 1], [0.5, 0]], lengths=[[0, 30], [30, 0]])
OPTIONS = dict(coupling=bn.Linear(G=0.5), noise=bn.Additive(v=0.05), key=3)


@functools.lru_cache
def _reference(G=0.5, duration=5.0):
    options = dict(OPTIONS, coupling=bn.Linear(G=G))
    return bn.simulate(bn.CoombesByrne(eta=-4.6), PAIR, duration=duration, monitors=[bn.Raw()], **options)


def test_a_loop_compiled_before_a_restart_steps_the_restarted_states():
    net = NetworkModule(bn.CoombesByrne(eta=-4.6), PAIR, **OPTIONS)
    brainstate.nn.init_all_states(net)
    run = brainstate.transform.jit(lambda: brainstate.transform.for_loop(lambda i: net.update(), jnp.arange(50)))
    ref = _reference().r.values
    np.testing.assert_array_equal(np.asarray(run()), ref)
    for restart in (lambda: brainstate.nn.init_all_states(net), net.reset_state,
                    lambda: brainstate.nn.reset_all_states(net)):
        restart()
        # was: init_state made new State objects, so the compiled loop went on from step 100 (other numbers)
        # and net.t read the new, never-stepped states (0.0)
        np.testing.assert_array_equal(np.asarray(run()), ref)
        assert net.t == 5.0


def test_the_states_are_live_after_a_loss_that_restarts_them_is_differentiated():
    net = NetworkModule(bn.CoombesByrne(eta=-4.6), PAIR, trainable=("G",), **OPTIONS)
    params = net.states(brainstate.ParamState)

    def loss():
        net.init_state()
        rates = brainstate.transform.for_loop(lambda i: net.update(), jnp.arange(50))
        return jnp.mean(rates[-20:] ** 2)

    grads, value = brainstate.transform.jit(brainstate.transform.grad(loss, params, return_value=True))()
    assert float(grads[("param_G", "val")]) != 0.0
    # was: TraceContextError, the states were created inside the trace and held dead tracers
    assert net.t == 5.0
    ref = _reference()
    np.testing.assert_array_equal(np.asarray(net.state("v")), ref.v.values[-1])
    assert float(value) == pytest.approx(float(np.mean(ref.r.values[-20:] ** 2)), rel=1e-14)


def test_vmap_over_a_trainable_parameter_equals_one_run_per_value():
    net = NetworkModule(bn.CoombesByrne(eta=-4.6), PAIR, trainable=("G",), **OPTIONS)
    brainstate.nn.init_all_states(net)

    def run(G):
        net.param_G.set_value(G)
        net.init_state()
        return brainstate.transform.for_loop(lambda i: net.update(), jnp.arange(50))

    Gs = [0.2, 0.9]
    out = brainstate.transform.vmap(run, out_states=net.states())(jnp.asarray(Gs))
    for j, G in enumerate(Gs):
        np.testing.assert_array_equal(np.asarray(out[j]), _reference(G).r.values)
    assert net.x.value.shape == (2, 2, 2)  # (member, state, region): each member's last state
    np.testing.assert_array_equal(np.asarray(net.x.value[1, 1]), _reference(0.9).v.values[-1])
    # was: net.state("v") returned x[1], the whole state of member 1
    np.testing.assert_array_equal(np.asarray(net.state("v")), [_reference(G).v.values[-1] for G in Gs])
