"""NetworkModule.update's input is checked before it enters the step (and CoombesByrne4D names the method called).

A string raised brainunit's TypeError, a NaN or inf ran silently (every region NaN from then on), and a
quantity with a unit was read as its number (``1 mV`` as 1 on a dimensionless port). Each is now a
SimulationError naming the input and the fix; a tracer (the input of a for_loop body) keeps its shape and
unit checks, its values are not read.
"""

import dataclasses

import brainstate
import brainunit as u
import jax.numpy as jnp
import numpy as np
import pytest

import brainnet_cb as bn
from brainnet_cb.simulation.brainstate_network import NetworkModule

CONN = bn.Connectome(weights=[[0, 1, 0], [1, 0, 1], [0, 1, 0]], lengths=[[0, 30, 0], [30, 0, 10], [0, 10, 0]])


def _net(model=None, **opts):
    net = NetworkModule(bn.CoombesByrne(eta=-4.6) if model is None else model, CONN, coupling=bn.Linear(G=0.3),
                        **opts)
    brainstate.nn.init_all_states(net)
    return net


@pytest.mark.parametrize("inp, match", [
    ("1", r"update\(inp\) must be a number or an array \(one value per region, 3\); got '1'. Convert it first"),
    (float("nan"), r"update\(inp\) must be finite; got nan. A NaN or inf input makes every region non-finite"),
    (np.array([0.1, np.inf, 0.0]), r"must be finite; got inf at region index \[1\]"),
    (1 * u.mV, r"added to CoombesByrne's coupling port 'v', which is dimensionless; got 1 mV with unit mV. "
               r"Pass a plain number"),
    (1 + 2j, r"must be real numbers \(one value per region, 3\); got \(1\+2j\) \(dtype complex128\)"),
    ([0.1, "a", 0.0], r"must be real numbers"),
])
def test_a_bad_input_is_refused_and_the_state_is_untouched(inp, match):
    net = _net()
    before = np.asarray(net.x.value).copy()
    with pytest.raises(bn.SimulationError, match=match):
        net.update(inp)  # was: TypeError ("1"), NaN everywhere (nan, inf), read as 1 (1 mV), ComplexWarning
    np.testing.assert_array_equal(np.asarray(net.x.value), before)
    assert net.t == 0.0


def test_good_inputs_are_unchanged_and_a_dimensionless_quantity_is_its_number():
    """0.5, [0.5]*3 and 0.5 (unitless quantity) step alike, bit for bit; the input moves the rates."""
    runs = [_net() for _ in range(4)]
    out = [np.asarray(net.update(inp)) for net, inp in zip(runs, (0.5, [0.5, 0.5, 0.5], 0.5 * u.UNITLESS, 0.0))]
    np.testing.assert_array_equal(out[0], out[1])
    np.testing.assert_array_equal(out[0], out[2])
    assert np.all(out[0] > out[3])  # a positive drive on v raises r


def test_a_quantity_is_read_in_the_unit_of_the_port():
    """Jansen-Rit's port p is in 1/ms: 100 Hz is 0.1 (it was read as 100), and mV is refused."""
    a, b = _net(bn.JansenRit()), _net(bn.JansenRit())
    np.testing.assert_array_equal(np.asarray(a.update(100 * u.Hz)), np.asarray(b.update(0.1)))
    with pytest.raises(bn.SimulationError, match=r"coupling port 'p', which is in 1/ms; got 1 mV with unit mV. Pass "
                                                 r"a plain number in 1/ms or a quantity of that dimension"):
        a.update(1 * u.mV)


def test_traced_inputs_in_a_for_loop_keep_their_shape_and_unit_checks():
    net, ref = _net(), _net()
    drive = brainstate.transform.for_loop(lambda i: net.update(0.01 * i * u.UNITLESS), jnp.arange(50))
    plain = brainstate.transform.for_loop(lambda i: ref.update(0.01 * i), jnp.arange(50))
    np.testing.assert_array_equal(np.asarray(drive), np.asarray(plain))
    with pytest.raises(bn.SimulationError, match=r"dimensionless; got a traced value with unit mV"):
        brainstate.transform.for_loop(lambda i: net.update(0.01 * i * u.mV), jnp.arange(5))
    with pytest.raises(bn.SimulationError, match=r"scalar or one value per region \(3\); got shape \(5,\)"):
        brainstate.transform.for_loop(lambda i: net.update(jnp.ones(5) * i), jnp.arange(5))
    # a constant in the body: concrete (JAX may append its note on filtered frames)
    with pytest.raises(bn.SimulationError, match=r"(?s)^update\(inp\) must be finite; got nan\. A NaN or inf input "
                                                 r"makes every region non-finite from this step on; pass finite "
                                                 r"values \(0 for no input\)\.(\n-+\nFor simplicity, JAX .*)?$"):
        brainstate.transform.for_loop(lambda i: net.update(jnp.nan), jnp.arange(5))
    jitted = brainstate.transform.jit(lambda x: net.update(x))  # a traced argument: values not read, no error
    assert np.isfinite(np.asarray(jitted(jnp.full(3, 0.1)))).all()


@pytest.mark.parametrize("method", ["fixed_point", "jacobian", "eigenvalues", "is_stable"])
def test_coombes_byrne_4d_errors_name_the_method_called(method):
    """jacobian(), eigenvalues() and is_stable() said "CoombesByrne4D.fixed_point() needs ..."; the
    bistable case said "use fixed_points()", which CoombesByrne4D does not have."""
    with pytest.raises(bn.ModelError, match=rf"CoombesByrne4D.{method}\(\) needs CoombesByrne4D.alpha finite and in"):
        getattr(bn.CoombesByrne4D(alpha=0.0), method)()
    with pytest.raises(bn.ModelError, match=rf"CoombesByrne4D.{method}\(\) needs the input v_ext finite"):
        getattr(bn.CoombesByrne4D(), method)(float("nan"))  # was: "CoombesByrne.fixed_points() needs ..."
    bistable = bn.CoombesByrne4D(eta=-20.0, k=1.0, v_syn=10.0, Delta=0.5)
    with pytest.raises(bn.ModelError, match=rf"CoombesByrne4D.{method}\(\) needs one fixed point; these parameters "
                                            r"give 3 .*\. Use fixed_points\(\) for all of them \(g\* = k\*pi\*r\*, "
                                            r"q\* = 0\), and brainnet_cb\.dynamics\.node_diagram\(model, 'eta', "
                                            r"\[-20\.0\]\) for the eigenvalues at each\.$"):
        getattr(bistable, method)()
    assert len(bistable.fixed_points()) == 3  # the pointers in the message are working calls
    from brainnet_cb.dynamics import node_diagram
    assert node_diagram(bistable, "eta", [-20.0]).sizes["point"] == 3
    four = bn.CoombesByrne4D(eta=3.0)
    r, v, g, q = four.fixed_point()  # a valid point: the 2D model's, with g* = k pi r*, q* = 0
    assert (r, v) == bn.CoombesByrne(Delta=four.Delta, eta=3.0, k=four.k, v_syn=four.v_syn).fixed_point()
    assert g == pytest.approx(four.k * np.pi * r) and q == 0.0


def test_a_static_field_cannot_be_trainable(poly_model):
    """It was refused as "it changes integer delays or the random numbers"; it is a static field."""
    two = bn.Connectome(weights=[[0, 1], [1, 0]], lengths=[[0, 10], [10, 0]])
    with pytest.raises(bn.SimulationError, match=r"trainable 'order': _Poly.order is a static field \(declared with "
                                                 r"bn.plugins.static_field\): it is part of the compiled program"):
        NetworkModule(poly_model(order=1), two, trainable="order")
    net = NetworkModule(dataclasses.replace(poly_model(), order=1), two, trainable="tau")  # the other field trains
    brainstate.nn.init_all_states(net)
    assert float(net.update()[0]) == pytest.approx(0.5 * np.exp(-0.01), rel=1e-6)  # dx/dt = -x / tau, one 0.1 ms step


def test_trainable_none_and_a_mis_shaped_parameter_value_are_refused_by_message():
    """trainable=None raised "'NoneType' object is not iterable"; a ParamState set to 5 values on 3 regions
    raised jax's "Incompatible types for broadcasting" from inside the step."""
    assert NetworkModule(bn.CoombesByrne(), CONN, trainable=None).params == {}
    with pytest.raises(bn.SimulationError, match=r"trainable must be a parameter name or a sequence of names"):
        NetworkModule(bn.CoombesByrne(), CONN, trainable=5)
    net = _net(trainable="eta")
    before = np.asarray(net.x.value).copy()
    net.param_eta.set_value(jnp.ones(5))
    with pytest.raises(bn.SimulationError, match=r"param_eta holds shape \(5,\); eta takes a scalar \(one global "
                                                 r"value\) or one value per region \(3\)"):
        net.update()
    np.testing.assert_array_equal(np.asarray(net.x.value), before)
    net.param_eta.set_value(jnp.full(3, -4.6))  # per region, the spec's value: the same step as the scalar
    ref = _net()
    np.testing.assert_array_equal(np.asarray(net.update()), np.asarray(ref.update()))


def test_reading_t_inside_a_for_loop_says_to_use_the_traced_step():
    """It raised jax's ConcretizationTypeError from float(tracer)."""
    net = _net()
    with pytest.raises(bn.SimulationError, match=r"net.t is a host value .* use the traced time "
                                                 r"net.step.value \* net.dt"):
        brainstate.transform.for_loop(lambda i: (net.update(), net.t)[0], jnp.arange(3))
    net.init_state()
    times = brainstate.transform.for_loop(lambda i: (net.update(), net.step.value * net.dt)[1], jnp.arange(3))
    np.testing.assert_allclose(np.asarray(times), [0.1, 0.2, 0.3], rtol=1e-12)
    assert net.t == pytest.approx(0.3)
