"""Times, lengths and speeds given as lists of text or bools are refused (NumPy read ["1", "2"] as 1.0, 2.0 and
True as 1.0), as single strings and bools already were; lists and tuples of numbers are arrays as before."""

import numpy as np
import pytest

import brainnet_cb as bn
from brainnet_cb.units import to_mm, to_mm_per_ms, to_ms

PAIR = bn.Connectome([[0, 1], [1, 0]], [[0, 30], [30, 0]])


@pytest.mark.parametrize("convert, value, message", [
    (to_ms, ["1", "2"], r"^onset must be numbers in ms or a brainunit quantity; got text: \['1', '2'\]\.$"),
    (to_ms, [True, False], r"^onset must be numbers in ms or a brainunit quantity; got bools: \[True, False\]\.$"),
    (to_mm, np.array([b"3"]), r"^onset must be numbers in mm or a brainunit quantity; got bytes: \[b'3'\]\.$"),
    (to_mm_per_ms, ("3",), r"^onset must be numbers in mm/ms or a brainunit quantity; got text: \['3'\]\.$"),
])
def test_lists_of_text_or_bools_are_refused(convert, value, message):
    with pytest.raises(bn.BrainnetError, match=message):
        convert(value, "onset")


def test_lists_and_tuples_of_numbers_are_arrays_in_the_unit():
    np.testing.assert_array_equal(to_ms([1, 2.5], "t"), [1.0, 2.5])
    np.testing.assert_array_equal(to_mm((3, 4), "x"), [3.0, 4.0])


def test_a_per_region_onset_of_text_is_refused_before_the_run():
    stim = bn.stimulus.Step(amplitude=1.0, onset=["5", "10"])
    with pytest.raises(bn.SimulationError, match=r"^Step\.onset must be numbers in ms or a brainunit quantity; got "
                                                 r"text: \['5', '10'\]\.$"):
        bn.simulate(bn.CoombesByrne(), PAIR, duration=20.0, stimulus=stim)
    ran = bn.simulate(bn.CoombesByrne(), PAIR, duration=20.0, stimulus=bn.stimulus.Step(amplitude=1.0, onset=[5, 10]))
    same = bn.simulate(bn.CoombesByrne(), PAIR, duration=20.0,
                       stimulus=bn.stimulus.Step(amplitude=1.0, onset=np.array([5.0, 10.0])))
    np.testing.assert_array_equal(ran.r.values, same.r.values)
