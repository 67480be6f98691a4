"""A plug-in model whose vector field has the wrong shape is refused before compiling, by message."""

from typing import ClassVar

import jax.numpy as jnp
import numpy as np
import pytest

import brainnet_cb as bn

N3 = np.ones((3, 3)) - np.eye(3)
CONN = bn.Connectome(N3, 20 * N3)


def two_states(field):
    @bn.node_model
    class Two(bn.NodeModel):
        tau: float = 10.0
        states: ClassVar[tuple] = ("x", "y")
        initial: ClassVar[dict] = {"x": 0.1, "y": 0.2}
        sends: ClassVar[str] = "x"
        receives: ClassVar[str] = "x"
        input_ports: ClassVar[tuple] = ("x",)

        def dfun(self, x, inputs):
            return field(self, x, inputs)

    return Two()


@pytest.mark.parametrize("dfun, got", [
    (lambda self, x, inputs: -x[0] / self.tau, r"returns an array of shape \(3,\)"),  # was broadcast over x and y
    (lambda self, x, inputs: (-x[0], -x[1]), "returns tuple"),  # was a TypeError inside the integrator
    (lambda self, x, inputs: -x[:1], r"returns an array of shape \(1, 3\)"),
])
def test_a_dfun_of_the_wrong_shape_is_refused_when_the_spec_is_built(dfun, got):
    with pytest.raises(bn.ModelError, match=got + r".* for 3 regions; it must return one float64 array of shape "
                       r"\(2, 3\), one row per state \('x', 'y'\)"):
        bn.Simulation(two_states(dfun), CONN, 1.0)


def test_a_dfun_of_the_right_shape_runs_and_a_one_state_model_may_return_a_vector():
    ds = bn.simulate(two_states(lambda self, x, inputs: jnp.stack([-x[0], -2 * x[1]]) / self.tau), CONN, 1.0,
                     monitors=[bn.Raw()])
    np.testing.assert_allclose(ds.y.values[-1], 0.2 * (1 - 0.02 + 0.02**2 / 2) ** 10, rtol=1e-12)  # Heun

    @bn.node_model
    class One(bn.NodeModel):
        states: ClassVar[tuple] = ("x",)
        initial: ClassVar[dict] = {"x": 1.0}
        sends: ClassVar[str] = "x"
        receives: ClassVar[str] = "x"
        input_ports: ClassVar[tuple] = ("x",)

        def dfun(self, x, inputs):
            return -x[0]  # (n,): broadcasts to the one row

    ds = bn.simulate(One(), CONN, 1.0, monitors=[bn.Raw()], coupling=bn.Linear(G=0.0))
    np.testing.assert_allclose(ds.x.values[-1], (1 - 0.1 + 0.1**2 / 2) ** 10, rtol=1e-12)  # Heun, not x - x


def test_a_node_model_subclass_without_the_decorator_is_refused_by_name():
    class Plain(bn.NodeModel):
        states: ClassVar[tuple] = ("x",)
        initial: ClassVar[dict] = {"x": 0.0}
        sends: ClassVar[str] = "x"
        receives: ClassVar[str] = "x"
        input_ports: ClassVar[tuple] = ("x",)

        def dfun(self, x, inputs):
            return -x

    with pytest.raises(bn.ModelError, match="Plain subclasses bn.NodeModel but is not a node model class: "
                                            "decorate it with @bn.node_model"):
        bn.Simulation(Plain(), CONN, 1.0)


@pytest.mark.parametrize("state", [np.zeros((2, 3)), [0.1, -2.0]])
def test_an_initial_state_that_is_not_a_dict_is_refused_by_message(state):
    with pytest.raises(bn.ModelError, match=r"initial_state must be a dict \{state: a scalar or one value per "
                                            r"region\} over the states \('r', 'v'\).*got (ndarray of shape \(2, 3\)|list)"):
        bn.Simulation(bn.CoombesByrne(), CONN, 1.0, initial_state=state)


def test_a_vector_of_a_multi_state_model_is_refused_when_regions_equal_states():
    # With 2 regions and 2 states, dfun's (2,) vector broadcast over both rows (y got x's derivative) and ran.
    pair = bn.Connectome([[0, 1], [1, 0]], [[0, 30], [30, 0]])
    with pytest.raises(bn.ModelError, match=r"returns an array of shape \(2,\) and dtype float64 for 2 regions; it "
                       r"must return one float64 array of shape \(2, 2\), one row per state \('x', 'y'\)"):
        bn.Simulation(two_states(lambda self, x, inputs: -x[0] / self.tau), pair, 1.0)


def test_a_parameter_without_annotation_is_named_as_a_constant_when_given():
    @bn.node_model
    class Gain(bn.NodeModel):
        tau: float = 10.0
        gain = 2.0  # no annotation: a class constant, not a dataclass field
        states: ClassVar[tuple] = ("x",)
        initial: ClassVar[dict] = {"x": 0.0}
        sends: ClassVar[str] = "x"
        receives: ClassVar[str] = "x"
        input_ports: ClassVar[tuple] = ("x",)

        def dfun(self, x, inputs):
            return (-x + self.gain) / self.tau

    # was "Gain has no field 'gain'; its fields are ['tau']", with nothing on why
    with pytest.raises(TypeError, match=r"^Gain has no field 'gain' \(Gain.gain = 2.0 is a class attribute without "
                       r"a type annotation, so a constant, not a field: write gain: float = 2.0 to make it a "
                       r"parameter\); its fields are \['tau'\].$"):
        Gain(gain=3.0)
    with pytest.raises(TypeError, match=r"^Gain has no field 'taux' \(did you mean 'tau'\?\)"):
        Gain(taux=3.0)


def test_a_model_that_does_not_declare_sends_is_told_to():
    # was "NoSends.sends is '', which is not one of its states ('x', 'y')": an empty string the user never wrote
    with pytest.raises(bn.ModelError, match=r"^NoSends declares no sends, what its edges carry to the other regions; "
                       r"add sends: ClassVar\[str\] = 'x' \(a state of \('x', 'y'\)\), or name a derived quantity "
                       r"and override sent\(x\).$"):
        @bn.node_model
        class NoSends(bn.NodeModel):
            states: ClassVar[tuple] = ("x", "y")
            initial: ClassVar[dict] = {"x": 0.0, "y": 0.0}
            receives: ClassVar[str] = "x"
            input_ports: ClassVar[tuple] = ("x",)

            def dfun(self, x, inputs):
                return -x
