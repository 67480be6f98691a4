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


def _saddle_node(k, v_syn):
    """CoombesByrne with Delta = 0 at its saddle-node: the quartic is r^2 (a r^2 + b r + c) with b^2 = 4ac."""
    eta = -(k**2) * v_syn**2 / (k**2 + 4)
    return bn.CoombesByrne(Delta=0.0, eta=eta, k=k, v_syn=v_syn), 2 * k * v_syn / (np.pi * (k**2 + 4))


@pytest.mark.parametrize("k, v_syn", [(1.0, 4.0), (0.5, 2.0), (2.0, 3.0), (3.0, 1.5)])
def test_a_double_root_is_one_fixed_point_where_the_field_vanishes(k, v_syn):
    """At eta = -k^2 v_syn^2 / (k^2 + 4) (Delta = 0) the double root r* = 2 k v_syn / (pi (k^2 + 4)).

    Newton steps with p'(r) ~ 0 moved it to r = 1.743 (k = 1, v_syn = 4), listed twice, where dv/dt = -18.8;
    other cases lost it, numpy.roots returning a complex pair.
    """
    model, r_star = _saddle_node(k, v_syn)
    points = model.fixed_points()
    assert len(points) == 1
    r, v = points[0]
    assert r == pytest.approx(r_star, rel=1e-7)
    assert v == pytest.approx(k * np.pi * r_star / 2, rel=1e-7)  # v* = k pi r / 2 - Delta / (2 pi r)


def test_two_close_roots_beside_the_saddle_node_stay_two():
    """Delta = 1e-6 splits the double root into two roots 1.8e-7 apart: both found, each zeroing the field."""
    model = bn.CoombesByrne(Delta=1e-6, eta=-3.2, k=1.0, v_syn=4.0)
    points = model.fixed_points()
    assert len(points) == 3 and 1.5e-7 < points[2][0] - points[1][0] < 2.1e-7
    for r, v in points:
        rv = np.array([r, v])
        field = np.array([1e-6 / np.pi + 2 * v * r - np.pi * r * r,
                          v * v - (np.pi * r) ** 2 - 3.2 + (4.0 - v) * np.pi * r])  # the vector field in float64
        assert np.abs(field).max() < 1e-12 * (1 + np.abs(rv).max() ** 2)


def test_the_montbrio_saddle_node_is_one_fixed_point():
    """MPR (Delta = 0): 4R^2 - 4 J R / pi - 4 eta = 0 has the double root R = J / (2 pi) at eta = -(J / 2 pi)^2."""
    J, tau = 2 * np.pi, 1.5
    points = bn.MontbrioPazoRoxin(Delta=0.0, eta=-1.0, J=J, tau=tau).fixed_points()
    assert len(points) == 1
    assert points[0][0] == pytest.approx(J / (2 * np.pi) / (np.pi * tau), rel=1e-7) and points[0][1] == 0.0
