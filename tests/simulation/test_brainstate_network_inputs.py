"""NetworkModule's own inputs: a trainable name as a string, stepping before init, a mis-shaped input."""

import brainstate
import jax.numpy as jnp
import numpy as np
import pytest

import brainnet_cb as bn
from brainnet_cb.simulation.brainstate_network import NetworkModule

CONN = bn.Connectome(weights=[[0, 1, 0], [1, 0, 1], [0, 1, 0]], lengths=[[0, 30, 0], [30, 0, 10], [0, 10, 0]])


def test_a_single_trainable_name_is_one_parameter_not_its_letters():
    net = NetworkModule(bn.CoombesByrne(), CONN, trainable="eta")  # was: "unknown parameter 'e'"
    assert list(net.params) == ["eta"]
    ref = NetworkModule(bn.CoombesByrne(), CONN, trainable=("eta",))
    for m in (net, ref):
        brainstate.nn.init_all_states(m)
    a = brainstate.transform.for_loop(lambda i: net.update(), jnp.arange(20))
    b = brainstate.transform.for_loop(lambda i: ref.update(), jnp.arange(20))
    np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


def test_stepping_or_reading_before_init_says_to_init():
    net = NetworkModule(bn.CoombesByrne(), CONN)
    for call in (net.update, lambda: net.t, lambda: net.state("v")):
        with pytest.raises(bn.SimulationError, match=r"no state yet; call brainstate.nn.init_all_states\(net\)"):
            call()  # was: AttributeError 'NetworkModule' object has no attribute 'noise_state' / 'step'


def test_an_input_of_the_wrong_length_is_refused_by_message():
    net = NetworkModule(bn.CoombesByrne(), CONN)
    brainstate.nn.init_all_states(net)
    with pytest.raises(bn.SimulationError, match=r"scalar or one value per region \(3\); got shape \(5,\)"):
        net.update(jnp.ones(5))  # was: ValueError "Incompatible types for broadcasting"
    vector, scalar, none = (NetworkModule(bn.CoombesByrne(), CONN) for _ in range(3))
    for m in (vector, scalar, none):
        brainstate.nn.init_all_states(m)
    np.testing.assert_array_equal(np.asarray(vector.update(jnp.full(3, 0.5))), np.asarray(scalar.update(0.5)))
    none.update()
    np.testing.assert_array_equal(np.asarray(vector.state("v")), np.asarray(scalar.state("v")))
    # the input enters v: one step moves v by inp * dt more, to first order in dt (measured 1.0 % less)
    np.testing.assert_allclose(np.asarray(scalar.state("v") - none.state("v")), 0.5 * scalar.dt, rtol=0.02)
