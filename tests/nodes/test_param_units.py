"""Node parameters given as brainunit quantities: converted to the model's unit when the model is made, or refused."""

from typing import ClassVar

import brainunit as u
import jax
import numpy as np
import pytest

import brainnet_cb as bn

CONN = bn.Connectome(weights=[[0, 1], [1, 0]], lengths=[[0, 10], [10, 0]])


def test_quantities_become_numbers_in_the_documented_units():
    """The run refused them ("JansenRit.a must be a number or one number per region"), and
    CoombesByrne(Delta=1 * u.mV).fixed_point() raised brainunit's TypeError."""
    jr = bn.JansenRit(a=100 / u.second, A=3.25e-3 * u.volt, r_s=560 / u.volt, p=220 * u.Hz, v0=6 * u.mV)
    assert jr == bn.JansenRit(a=0.1, A=3.25, r_s=0.56, p=0.22)
    assert isinstance(jr.a, float)
    assert bn.MontbrioPazoRoxin(tau=0.02 * u.second).tau == pytest.approx(20.0, rel=1e-12)
    assert bn.CoombesByrne4D(alpha=950 * u.Hz).alpha == pytest.approx(0.95, rel=1e-12)
    per_region = bn.JansenRit(b=u.math.asarray([50.0, 25.0]) / u.second).b
    np.testing.assert_allclose(per_region, [0.05, 0.025], rtol=1e-6)
    assert bn.CoombesByrne(eta=u.Quantity(2000.0, unit=u.ms / u.second)).eta == pytest.approx(2.0)  # dimensionless
    a = bn.simulate(bn.JansenRit(p=220 * u.Hz), CONN, duration=20.0)
    b = bn.simulate(bn.JansenRit(p=0.22), CONN, duration=20.0)
    np.testing.assert_array_equal(a.y1.values, b.y1.values)
    assert bn.CoombesByrne(eta=2 * u.UNITLESS).fixed_point() == bn.CoombesByrne(eta=2.0).fixed_point()


@pytest.mark.parametrize("make, message", [
    (lambda: bn.CoombesByrne(Delta=1 * u.mV), r"CoombesByrne.Delta is dimensionless; got 1 mV \(unit mV\). "
                                              r"Pass a plain number\."),
    (lambda: bn.JansenRit(a=0.1 * u.mV), r"JansenRit.a is in 1/ms; got 0.1 mV \(unit mV\). Pass a quantity with "
                                         r"the dimension of 1/ms, or a plain number in 1/ms\."),
    (lambda: bn.MontbrioPazoRoxin(tau=1 * u.mV), r"MontbrioPazoRoxin.tau is in ms; got 1 mV"),
])
def test_a_quantity_of_another_dimension_is_refused_when_the_model_is_made(make, message):
    with pytest.raises(bn.ModelError, match=message):
        make()


def test_a_constant_input_given_as_a_quantity_is_refused_by_name():
    with pytest.raises(bn.ModelError, match=r"CoombesByrne.fixed_points\(\) needs the input v_ext as a plain number "
                                            r"\(it is dimensionless\); got 1 mV"):
        bn.CoombesByrne().fixed_point(v_ext=1 * u.mV)
    assert bn.CoombesByrne().fixed_point(v_ext=0.5 * u.UNITLESS) == bn.CoombesByrne().fixed_point(v_ext=0.5)


def test_a_plug_in_model_declares_its_units_or_takes_dimensionless_values():
    @bn.node_model
    class Leaky(bn.NodeModel):
        tau: float = 10.0
        gain: float = 1.0
        states: ClassVar[tuple] = ("x",)
        initial: ClassVar[dict] = {"x": 0.0}
        sends: ClassVar[str] = "x"
        receives: ClassVar[str] = "x"
        input_ports: ClassVar[tuple] = ("x",)
        param_units: ClassVar[dict] = {"tau": "ms"}

        def dfun(self, x, inputs):
            return (-x + self.gain + inputs.get("x", 0.0)) / self.tau

    assert Leaky(tau=0.01 * u.second).tau == pytest.approx(10.0)
    with pytest.raises(bn.ModelError, match=r"Leaky.gain is dimensionless; got 2 mV \(unit mV\). Pass a plain "
                                            r"number \(its class declares no unit in param_units\)\."):
        Leaky(gain=2 * u.mV)
    leaves, tree = jax.tree_util.tree_flatten(Leaky(tau=0.01 * u.second))
    assert jax.tree_util.tree_unflatten(tree, leaves).tau == pytest.approx(10.0)


def test_a_brainmass_node_model_converts_to_the_module_units():
    brainmass = pytest.importorskip("brainmass")
    from brainnet_cb.nodes.brainmass_adapter import brainstate_node_model

    wilson_cowan = brainstate_node_model(brainmass.WilsonCowanStep, sends="rE", receives="E_ext")
    assert wilson_cowan(tau_E=1 * u.second).tau_E == pytest.approx(1000.0)
    with pytest.raises(bn.ModelError, match=r"^WilsonCowan\.tau_E is in ms; got 1 mV \(unit mV\)\. Pass a quantity "
                                            r"with the dimension of ms, or a plain number in ms\.$"):
        wilson_cowan(tau_E=1 * u.mV)
