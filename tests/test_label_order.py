"""The one reordering by label (``_checks.label_order``) behind labelled per-region values, connectome matrices,
empirical FC and glass-brain matrices."""

import numpy as np
import pandas as pd
import pytest

from brainnet_cb._checks import by_label, label_order, same_regions
from brainnet_cb.errors import ConnectomeError, ModelError


def test_positions_put_the_labels_found_in_the_wanted_order():
    assert label_order(["c", "a", "b"], ["a", "b", "c"], "x", ModelError, "fix it") == [1, 2, 0]
    assert label_order(["a", "b"], ["a", "b"], "x", ModelError, "fix it") == [0, 1]
    assert same_regions(["b", "a"], ["a", "b"]) and not same_regions(["a", "a"], ["a", "a"])


@pytest.mark.parametrize("found, wanted, detail", [
    (["a", "b", "x"], ["a", "b", "c"], r"\(3 labels; unknown \['x'\], missing \['c'\], repeated \[\]\)"),
    (["a", "a", "b"], ["a", "b", "c"], r"\(3 labels; unknown \[\], missing \['c'\], repeated \['a'\]\)"),
    (["a", "b"], ["a", "b", "c"], r"\(2 labels; unknown \[\], missing \['c'\], repeated \[\]\)"),
    ([f"x{k}" for k in range(7)], ["a"],
     r"\(7 labels; unknown \['x0', 'x1', 'x2', 'x3', 'x4'\] \.\.\., missing \['a'\], repeated \[\]\)"),
])
def test_other_labels_are_refused_naming_them_and_the_fix(found, wanted, detail):
    with pytest.raises(ConnectomeError, match=rf"^lengths is labelled by region, but its labels are not the "
                                              rf"connectome's {len(wanted)} regions once each {detail}; pass it\.$"):
        label_order(found, wanted, "lengths", ConnectomeError, "pass it")


def test_by_label_keeps_its_rules_for_numbers():
    labels = ["A", "B", "C"]
    assert by_label(pd.Series([3.0, 1.0, 2.0], index=["C", "A", "B"]), labels, "eta", ModelError).tolist() == [1, 2, 3]
    rows = pd.Series([1.0, 2.0, 3.0], index=[4, 7, 9])  # row numbers of a filtered table: by position
    assert by_label(rows, labels, "eta", ModelError) is rows
    ids = pd.Series([3.0, 1.0, 2.0], index=[3, 1, 2])  # numbers that are the regions' labels: by label
    np.testing.assert_array_equal(by_label(ids, ["1", "2", "3"], "eta", ModelError), [1.0, 2.0, 3.0])
    with pytest.raises(ModelError, match=r"^eta is labelled by region, .*unknown \['D'\], missing \['C'\]"):
        by_label(pd.Series([1.0, 2.0, 3.0], index=["A", "B", "D"]), labels, "eta", ModelError)
