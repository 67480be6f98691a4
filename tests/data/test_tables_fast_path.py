"""parse_table reads an all-numeric table in one pass (one float() per cell) and checks cell by cell only a
table with a cell that is not a number: both give the values the file holds, and the messages stay."""

import numpy as np
import pytest

from brainnet_cb.data.tables import parse_table
from brainnet_cb.errors import ConnectomeError

M = np.array([[0.0, 0.25, 1e-3], [0.5, 0.0, 3.0], [-2.5e-7, 7.0, 0.0]])


@pytest.mark.parametrize("text, suffix", [
    ("0,0.25,0.001\n0.5, 0 ,3\n-2.5e-7,7,0\n", ".csv"),                       # blanks around cells
    ('"0","0.25",\'0.001\'\n0.5,"0",3\n-2.5e-7,7,0\n', ".csv"),               # quoted cells
    ("0 0.25 0.001\n0.5\t0   3\n  -2.5e-7 7 0  \n", ".txt"),                  # any whitespace
    ("# a comment\na,b,c\n0,0.25,0.001\n0.5,0,3\n-2.5e-7,7,0\n", ".csv"),     # header and comment
])
def test_numeric_tables_read_the_values_they_hold(text, suffix):
    m, header, rows = parse_table(text, "'t'", suffix=suffix)
    assert np.array_equal(m, M) and rows is None
    assert header == (["a", "b", "c"] if "a,b,c" in text else None)


def test_a_missing_cell_goes_the_checked_way_and_the_others_keep_their_values():
    m, _, _ = parse_table("0,0.25,0.001\n0.5,,3\n-2.5e-7,7,0\n", "'t'", suffix=".csv", empty=np.nan)
    assert np.isnan(m[1, 1]) and np.array_equal(np.delete(m.ravel(), 4), np.delete(M.ravel(), 4))


def test_a_text_cell_is_still_named_by_row_column_and_line():
    with pytest.raises(ConnectomeError, match=r"a non-numeric cell 'x' at row 2, column 3 \(line 2 of the file"):
        parse_table("0,0.25,0.001\n0.5,0,x\n-2.5e-7,7,0\n", "'t'", suffix=".csv")
