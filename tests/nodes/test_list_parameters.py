"""Per-region parameters given as lists or tuples behave as arrays outside a run too (dfun, sent, pytrees).

Was: ``bn.CoombesByrne(eta=[-5.0, -4.0, -3.0]).dfun(x, {})`` raised "TypeError: unsupported operand type(s)
for +: 'ArrayImpl' and 'list'"; ``bn.simulate`` worked, because a run converts the parameters when it checks them.
"""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import brainnet_cb as bn

ETA = [-5.0, -4.0, -3.0]


@pytest.mark.parametrize("given", [ETA, tuple(ETA), np.array(ETA), [-5, -4, -3]], ids=["list", "tuple", "numpy", "ints"])
def test_coombes_byrne_dfun_with_per_region_eta_called_directly(given):
    model = bn.CoombesByrne(eta=given)
    x = model.initial_state(3, jnp.float64)  # r = 0.1, v = 0
    dx = np.asarray(model.dfun(x, {}))
    g = math.pi * 0.1  # k pi r
    dr = 1.0 / math.pi - g * 0.1
    dv = [-(math.pi * 0.1) ** 2 + eta - 4.0 * g for eta in ETA]
    np.testing.assert_allclose(dx, [[dr] * 3, dv], rtol=0, atol=1e-14)
    assert isinstance(model.eta, np.ndarray) and model.eta.dtype == np.float64
    assert len(jax.tree_util.tree_leaves(model)) == 4  # eta is one leaf, not three


@pytest.mark.parametrize("model_class, name", [(bn.CoombesByrne, "v_syn"), (bn.CoombesByrne4D, "alpha"),
                                               (bn.MontbrioPazoRoxin, "J"), (bn.JansenRit, "p")])
def test_every_built_in_model_takes_a_list_as_it_takes_an_array(model_class, name):
    values = [0.5, 0.7, 0.9]
    from_list = model_class(**{name: values})
    from_array = model_class(**{name: jnp.asarray(values)})
    x = from_array.initial_state(3, jnp.float64) + 0.01 * jnp.arange(3.0)
    np.testing.assert_array_equal(from_list.dfun(x, {}), from_array.dfun(x, {}))
    np.testing.assert_array_equal(from_list.sent(x), from_array.sent(x))
    assert from_list == from_array


def test_a_list_of_the_wrong_length_or_of_booleans_is_refused_by_a_run_as_before():
    with pytest.raises(bn.ModelError, match=r"CoombesByrne.eta must be a scalar or have shape \(3,\) \(one value "
                                            r"per region\); got shape \(2,\)"):
        bn.CoombesByrne(eta=[1.0, 2.0]).validated(3, jnp.float64)
    with pytest.raises(bn.ModelError, match=r"CoombesByrne.eta must be a number or one number per region; "
                                            r"got \[True, False, True\]"):
        bn.CoombesByrne(eta=[True, False, True]).validated(3, jnp.float64)
