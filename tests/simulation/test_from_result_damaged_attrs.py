"""Simulation.from_result on a result whose attributes were edited or damaged: a SimulationError naming the attribute.

Before, each of these raised Python's own error from deep inside the rebuild (JSONDecodeError, KeyError 'kind',
TypeError "'NoneType' object is not iterable", AttributeError "'list' object has no attribute 'items'", ...).
Nothing in an attribute is evaluated: a text that looks like code is a string the coupling refuses.
"""

import re
import warnings

import numpy as np
import pytest

import brainnet_cb as bn
from brainnet_cb.errors import SimulationError

CONN = bn.Connectome(weights=[[0, 1, 0.5], [1, 0, 0.2], [0.3, 0.4, 0]],
                     lengths=[[0, 30, 12], [30, 0, 21], [12, 21, 0]], labels=["a", "b", "c"], name="trio")


@pytest.fixture(scope="module")
def result():
    return bn.simulate(bn.CoombesByrne(), CONN, duration=2.0, dt=0.1, coupling=bn.Linear(G=0.3),
                       noise=bn.Additive(v=0.1), monitors=[bn.TemporalAverage(0.5)], key=1)


def _edited(result, **attrs):
    ds = result.copy()
    ds.attrs = dict(result.attrs, **attrs)
    return ds


def _refused(ds, name, why, passed_as):
    instead = f"pass {passed_as}=... as the run had it, or " if passed_as else ""
    message = (f"this result's attribute {name} does not rebuild ({why}; recorded: {ds.attrs[name]}): it was edited "
               f"or damaged since the run was written, or written by another brainnet_cb "
               f"({ds.attrs['brainnet_cb_version']}). Either {instead}run the simulation again.")
    with warnings.catch_warnings(), pytest.raises(SimulationError, match="^" + re.escape(message) + "$"):
        warnings.simplefilter("ignore")
        bn.Simulation.from_result(ds, CONN)


@pytest.mark.parametrize(("name", "text", "why", "passed_as"), [
    ("coupling_parameters", "{bad json", "JSONDecodeError: Expecting property name enclosed in double quotes: "
     "line 1 column 2 (char 1)", "coupling"),
    ("coupling_parameters", "null", "TypeError: the coupling is recorded as a NoneType, not a JSON object",
     "coupling"),
    ("coupling_parameters", '{"G": 0.3}', "ValueError: the coupling is recorded without its kind (its class's name)",
     "coupling"),
    ("coupling_parameters", '{"kind": "Linear", "G": 0.3, "bogus": 1}',
     "TypeError: Linear has no field 'bogus'; its fields are ['G'].", "coupling"),
    ("noise_parameters", '{"kind": "Additive"}', "KeyError: 'sigma'", "noise"),
    ("monitor_parameters", '{"kind": "Raw"}', "TypeError: monitor_parameters is not a list of objects", "monitors"),
    ("stimulus_parameters", '[{"port": "r"}]', "ValueError: the stimulus 0 (kind not recorded on port 'r') is "
     "recorded without its kind (its class's name)", "stimulus"),
    ("model_parameters", "[1]", "TypeError: the model's parameters are recorded as a list, not a JSON object",
     "model"),
    ("initial_state", "[1]", "TypeError: initial_state is not an object of a number or a list of numbers per state",
     None),
    ("initial_state", '{"zz": 1}', "ValueError: it names states ['zz'] that CoombesByrne does not have (r, v)", None),
    ("seed", '"abc"', "TypeError: the seed is a str, not an int or the key's data (a list of ints)", None),
    ("dt", "abc", "ValueError: could not convert string to float: 'abc'", None),
])
def test_a_damaged_attribute_is_refused_naming_it(result, name, text, why, passed_as):
    _refused(_edited(result, **{name: text}), name, why, passed_as)


def test_text_that_looks_like_code_is_a_string_never_evaluated(result):
    ds = _edited(result, coupling_parameters='{"kind": "Linear", "G": "__import__(\'os\').getcwd()"}')
    with warnings.catch_warnings(), pytest.raises(bn.errors.CouplingError, match=re.escape(
            "Linear.G must be a number or one number per target region; got \"__import__('os').getcwd()\"")):
        warnings.simplefilter("ignore")
        bn.Simulation.from_result(ds, CONN)


def test_the_undamaged_result_still_rebuilds_bit_for_bit(result):
    again = bn.simulate(bn.Simulation.from_result(result, CONN))
    np.testing.assert_array_equal(again.r.values, result.r.values)
