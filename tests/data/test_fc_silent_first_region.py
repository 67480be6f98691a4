"""An FC CSV without header or index whose first region has no signal: its row and column are empty cells.

pandas writes NaN as an empty cell, so ``fc.to_csv(path, header=False, index=False)`` of an FC whose first region
is silent starts with a line of commas. With ``missing=True`` those are missing pairs; the empty corner cell was
taken for the corner above unrecognised region ids (refused, "if the first row and column are region ids ...").
"""

import numpy as np
import pandas as pd
import pytest

import brainnet_cb as bn
from brainnet_cb.errors import DataError


def _fc_first_silent():
    x = np.random.default_rng(0).normal(size=(200, 5))
    x[:, 0] = 0.0  # no signal: pandas' corr gives NaN in its row and column, its diagonal too
    return pd.DataFrame(x).corr()


def test_an_fc_without_header_whose_first_region_is_silent_reads_as_missing_pairs(tmp_path):
    fc = _fc_first_silent()
    fc.to_csv(tmp_path / "fc.csv", header=False, index=False)
    assert (tmp_path / "fc.csv").read_text().startswith(",,,,\n,1.0,")
    m = bn.read_fc(tmp_path / "fc.csv", missing=True).values
    missing = np.zeros((5, 5), dtype=bool)
    missing[0, 1:] = missing[1:, 0] = True  # the first region's pairs; its diagonal is 1, as every FC's
    assert np.array_equal(np.isnan(m), missing) and m[0, 0] == 1.0
    np.testing.assert_array_equal(m[1:, 1:], fc.values[1:, 1:])


def test_an_empty_corner_beside_region_ids_is_still_refused_as_such(tmp_path):
    m = _fc_first_silent().values[1:, 1:]
    pd.DataFrame(m, index=[3, 1, 2, 4], columns=[3, 1, 2, 4]).to_csv(tmp_path / "ids.csv")
    with pytest.raises(DataError, match=r"an empty cell at row 1, column 1 \(line 1 of the file; read as a "
                                        r"comma-separated table\); expected numbers only: if the first row and "
                                        r"column are region ids, they are read as labels only when"):
        bn.read_fc(tmp_path / "ids.csv", missing=True)
