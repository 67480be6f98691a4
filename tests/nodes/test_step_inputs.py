"""CoombesByrneStep: parameters, noise amplitudes and update inputs checked before the step, by message."""

import re

import brainstate
import brainunit as u
import jax.numpy as jnp
import numpy as np
import pytest

import brainnet_cb as bn


def _steps(node, n=3, **inputs):
    brainstate.nn.init_all_states(node)
    with brainstate.environ.context(dt=0.1 * u.ms):
        for _ in range(n):
            r = node.update(**inputs)
    return np.asarray(r)


def test_a_dimensionless_quantity_parameter_is_its_number():
    """eta = 2000 ms/s passed the check and failed in update ("stack requires ndarray or scalar arguments")."""
    scaled = _steps(bn.CoombesByrneStep(2, eta=u.Quantity(2000.0, unit=u.ms / u.second)))
    np.testing.assert_allclose(scaled, _steps(bn.CoombesByrneStep(2, eta=2.0)), rtol=1e-6)


@pytest.mark.parametrize("shape", [(2, 1), (1, 2), (3,)])
def test_a_parameter_that_would_enlarge_the_population_is_refused(shape):
    """(2, 1) with in_size 2 broadcast to (2, 2) and failed in update ("Cannot stack arrays ...")."""
    with pytest.raises(bn.ModelError, match=rf"CoombesByrneStep eta has shape {re.escape(str(shape))}, "
                                            r"which does not broadcast to the population shape \(2,\) \(in_size\)"):
        bn.CoombesByrneStep(2, eta=np.ones(shape))


def test_noise_amplitudes_of_the_wrong_shape_are_refused():
    """They failed in update with jax's "mul got incompatible shapes for broadcasting"."""
    with pytest.raises(bn.NoiseError, match=r"noise_v has amplitudes of shape \(3,\), which does not broadcast to the "
                                            r"population shape \(2,\) \(in_size\); pass a scalar or one amplitude"):
        bn.CoombesByrneStep(2, noise_v=np.array([0.1, 0.2, 0.3]))
    bn.CoombesByrneStep(2, noise_v=np.array([0.1, 0.2]))


@pytest.mark.parametrize("value, message", [
    (jnp.ones((2, 1)), r"v_inp has shape \(2, 1\), which does not broadcast to the state shape \(2,\)"),
    (jnp.ones(3), r"v_inp has shape \(3,\), which does not broadcast to the state shape \(2,\)"),
    (1 * u.mV, r"v_inp is a plain number \(added to the derivative, per ms\); got 1 mV with unit mV"),
    ("1.0", r"v_inp must be a number or an array; got '1.0'"),
])
@pytest.mark.parametrize("method", ["exp_euler", "rk4"])
def test_an_update_input_of_the_wrong_shape_or_unit_is_refused(value, message, method):
    with pytest.raises(bn.ModelError, match="CoombesByrneStep.update " + message):
        _steps(bn.CoombesByrneStep(2, method=method), v_inp=value)


def test_update_inputs_broadcast_over_a_batch_and_may_be_lists():
    node = bn.CoombesByrneStep(2)
    brainstate.nn.init_all_states(node, batch_size=3)
    with brainstate.environ.context(dt=0.1 * u.ms):
        for _ in range(3):
            r = node.update(v_inp=[0.5, 1.0], r_inp=0.0 * u.UNITLESS)
    assert r.shape == (3, 2) and r[0, 0] < r[0, 1]
