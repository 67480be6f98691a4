"""The fixed-point helpers against the vector fields they solve, and their messages."""

import jax.numpy as jnp
import numpy as np
import pytest

import brainnet_cb as bn


@pytest.mark.parametrize("model, inputs", [
    (bn.CoombesByrne(), {}),
    (bn.CoombesByrne(Delta=0.3, eta=-2.0, k=2.0, v_syn=1.0), {"v_ext": 0.7, "r_ext": -0.05}),
    (bn.CoombesByrne(Delta=0.0, eta=2.0), {}),
    (bn.CoombesByrne(Delta=0.3, eta=-2.79, k=3.0, v_syn=2.0), {}),  # three fixed points
    (bn.MontbrioPazoRoxin(), {"v_ext": 0.5}),  # three fixed points
    (bn.MontbrioPazoRoxin(tau=2.5, J=-3.0, eta=1.0), {}),
])
def test_every_fixed_point_zeroes_the_vector_field(model, inputs):
    ports = {"v": np.atleast_1d(inputs.get("v_ext", 0.0))}
    if "r_ext" in inputs:
        ports["r"] = np.atleast_1d(inputs["r_ext"])
    points = model.fixed_points(**inputs)
    assert points and all(r > 0 for r, _ in points)
    for point in points:
        field = np.asarray(model.dfun(jnp.asarray(np.array(point, dtype=np.float32)[:, None]), ports))
        scale = 1 + abs(point[1]) ** 2
        assert np.abs(field).max() < 1e-4 * scale, (point, field)


@pytest.mark.parametrize("model", [bn.CoombesByrne(Delta=0.0, eta=-2.0), bn.MontbrioPazoRoxin(Delta=0.0, eta=-2.0, J=0.0),
                                   bn.CoombesByrne4D(Delta=0.0, eta=-2.0)])
def test_no_fixed_point_with_a_positive_rate_is_not_called_bistable(model):
    """It said "0 fixed points for these parameters (bistable regime): []"."""
    with pytest.raises(bn.ModelError, match=r"no fixed point with r\* > 0 for these parameters: with Delta.* = 0 the "
                                            r"rate r = 0 is invariant.*give Delta > 0"):
        model.fixed_point()
