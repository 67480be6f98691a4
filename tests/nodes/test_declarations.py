"""A node model's class declarations are checked when the class is defined: a typo is refused, not ignored."""

import math
import re
from typing import ClassVar

import numpy as np
import pytest

import brainnet_cb as bn

CONN = bn.Connectome(weights=[[0, 1], [1, 0]], lengths=[[0, 10], [10, 0]])


def _leaky(**declarations):
    namespace = dict(
        __annotations__={"tau": float, "I": float},
        tau=10.0,
        I=1.0,
        states=("x",),
        initial={"x": 0.0},
        sends="x",
        receives="x",
        input_ports=("x",),
        dfun=lambda self, x, inputs: (-x + self.I + inputs.get("x", 0.0)) / self.tau,
    )
    namespace.update(declarations)
    for k in declarations:
        namespace["__annotations__"][k] = ClassVar
    return bn.node_model(type("Leaky", (bn.NodeModel,), namespace))


def test_a_misspelt_param_ranges_name_is_refused_when_the_class_is_defined():
    """It was ignored: tau = -5 ran (the range named 'tua')."""
    with pytest.raises(bn.ModelError, match=r"^Leaky\.param_ranges names 'tua', which is not a parameter of the "
                                            r"model \['tau', 'I'\]; a misspelt name would leave its parameter "
                                            r"unchecked\.$"):
        _leaky(param_ranges={"tua": (1e-9, math.inf)})
    with pytest.raises(bn.ModelError, match=r"Leaky.tau must lie in \[1e-09, inf\]; got -5.0"):
        bn.simulate(_leaky(param_ranges={"tau": (1e-9, math.inf)})(tau=-5.0), CONN, duration=1.0)


@pytest.mark.parametrize("bounds", [0.0, (math.inf, 0.0), (0.0, "high"), (0.0, 1.0, 2.0), (math.nan, 1.0)])
def test_a_param_range_that_is_not_a_low_high_pair_is_refused(bounds):
    with pytest.raises(bn.ModelError, match=r"^Leaky\.param_ranges\['tau'\] must be a pair \(low, high\) of numbers "
                                            r"with low <= high \(math\.inf for no bound\); got " + re.escape(repr(bounds)) + r"\.$"):
        _leaky(param_ranges={"tau": bounds})


@pytest.mark.parametrize("attr, value", [
    ("state_units", {"X": "mV"}),  # the output was labelled "1"
    ("long_names", {"X": "activity"}),
    ("initial", {"x": 0.0, "xx": 1.0}),
])
def test_declarations_naming_an_unknown_state_are_refused(attr, value):
    with pytest.raises(bn.ModelError, match=rf"Leaky.{attr} names \['{sorted(set(value) - {'x'})[0]}'\], which are "
                                            r"not states of the model \('x',\)"):
        _leaky(**{attr: value})


def test_a_name_without_its_tuple_comma_is_refused():
    """``("v_ext")`` is the string "v_ext": receives "v" was found in it as a substring."""
    with pytest.raises(bn.ModelError, match=r"^Leaky\.input_ports must be a tuple of names; got 'x_ext' \(a "
                                            r"one-name tuple needs a comma: \('x_ext',\)\)\.$"):
        _leaky(input_ports="x_ext")
    with pytest.raises(bn.ModelError, match=r"Leaky.states must be a tuple of names; got 'x'"):
        _leaky(states="x")
    with pytest.raises(bn.ModelError, match=r"Leaky.states must be a tuple of names; got \(1,\)"):
        _leaky(states=(1,))


def test_valid_declarations_still_run():
    model = _leaky(param_ranges={"tau": (1e-9, math.inf)}, state_units={"x": "mV"}, long_names={"x": "activity"},
                   states=["x"])(tau=5.0)
    ds = bn.simulate(model, CONN, duration=1.0, coupling=bn.Linear(G=0.0), monitors=[bn.Raw()])
    assert ds.x.attrs["units"] == "mV" and np.all(ds.x.values > 0)


def test_a_static_field_stays_a_python_value_in_runs_and_batches(poly_model):
    """validated() made it a float array: range(order) failed, and a batch raised jax's "arrays cannot be
    passed as metadata fields"."""
    assert poly_model(order=1).validated(2, np.float32).order == 1
    ds = bn.simulate(poly_model(order=1), CONN, duration=5.0, coupling=bn.Linear(G=0.0), monitors=[bn.Raw()],
                     method="rk4")
    np.testing.assert_allclose(ds.x.values[-1], 0.5 * np.exp(-0.5), rtol=1e-5)
    ds = bn.simulate_batch(poly_model(order=1), CONN, duration=5.0, batch={"tau": [5.0, 10.0]},
                           coupling=bn.Linear(G=0.0), monitors=[bn.Raw()], method="rk4")
    np.testing.assert_allclose(ds.x.values[:, -1, 0], 0.5 * np.exp([-1.0, -0.5]), rtol=1e-5)
