"""Every built-in node class: repr, ==, and the pytree round trip (flatten/unflatten, jit, vmap), per-region too."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import brainnet_cb as bn

MODELS = [bn.CoombesByrne, bn.CoombesByrne4D, bn.JansenRit, bn.MontbrioPazoRoxin]


@pytest.mark.parametrize("cls", MODELS)
@pytest.mark.parametrize("per_region", [False, True])
def test_repr_eq_and_the_pytree_round_trip(cls, per_region):
    """== raised "The truth value of an array with more than one element is ambiguous" on per-region arrays."""
    first = next(iter(cls().parameters))
    value = np.array([1.0, 2.0, 3.0]) if per_region else 1.5
    model = cls(**{first: value})
    same = cls(**{first: jnp.asarray(value) if per_region else value})
    other = cls(**{first: value * 2})
    assert model == same and not model != same
    assert model != other and model != cls()
    twin = bn.MontbrioPazoRoxin if cls is bn.CoombesByrne else bn.CoombesByrne  # compared where the first field is Delta, which both have
    assert first != "Delta" or model != twin(**{first: value})
    # a list becomes a float array when the model is made, so its repr shows array([...]) as for NumPy input
    given = cls(**{first: value.tolist() if per_region else value})
    assert eval(repr(given), {cls.__name__: cls, "array": np.array}) == model
    assert isinstance(getattr(given, first), np.ndarray if per_region else float)
    leaves, tree = jax.tree_util.tree_flatten(model)
    assert jax.tree_util.tree_unflatten(tree, leaves) == model
    assert len(leaves) == len(model.parameters)
    x = jnp.full((len(cls.states), 3), 0.1)
    out = jax.jit(lambda m, y: m.dfun(y, {}))(model, x)
    np.testing.assert_allclose(out, model.dfun(x, {}), rtol=1e-6)
    doubled = jax.jit(lambda m: jax.tree_util.tree_map(lambda p: p * 2, m))(model)
    assert type(doubled) is cls and doubled == jax.tree_util.tree_map(lambda p: jnp.asarray(p) * 2, model)


def test_eq_compares_shapes_and_values():
    cb = bn.CoombesByrne
    assert cb(eta=[1.0, 2.0]) == cb(eta=np.array([1.0, 2.0]))
    assert cb(eta=np.array([1.0, 1.0])) != cb(eta=1.0)  # same values, other shape
    assert cb(eta=np.array([1.0, 2.0])) != cb(eta=np.array([1.0, 2.0, 3.0]))
    assert cb(eta=2) == cb(eta=2.0)
    assert bn.Linear(G=np.array([0.1, 0.2])) == bn.Linear(G=[0.1, 0.2])
