"""The one table reader of the connectome and empirical-data readers: delimiters, labels, cells."""

import numpy as np
import pandas as pd
import pytest

import brainnet_cb as bn
from brainnet_cb import io as bio
from brainnet_cb.data.tables import parse_table, sniff_delimiter
from brainnet_cb.errors import ConnectomeError, DataError

LABELS = ["a", "b", "c", "d", "e", "f"]


def _fc(n=6):
    x = np.random.default_rng(3).standard_normal((40, n))
    return np.round(np.corrcoef(x.T), 6)


def _table(m, sep=",", labels=None, corner=True):
    lines = []
    if labels is not None:
        lines.append(sep.join(([""] if corner else []) + labels))
    for i, row in enumerate(m):
        cells = [repr(float(v)) for v in row]
        lines.append(sep.join(([labels[i]] if labels is not None else []) + cells))
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("sep, suffix", [(";", ".csv"), ("\t", ".csv"), ("|", ".txt"), (",", ".txt"),
                                         ("\t", ".tsv"), (" ", ".txt")])
def test_any_common_delimiter_is_detected_and_read_exactly(tmp_path, sep, suffix):
    m = _fc()
    path = tmp_path / f"fc{suffix}"
    path.write_text(_table(m, sep, LABELS))
    fc = bn.read_fc(path)
    np.testing.assert_array_equal(fc.values, m)
    assert list(fc.region_i.values) == LABELS
    w = np.abs(m) * (1 - np.eye(6))
    path.write_text(_table(w, sep, LABELS))
    conn = bio.read_matrix(path, missing_lengths="zero")  # the connectome reader: the same table reader
    np.testing.assert_array_equal(conn.weights, w)
    assert list(conn.labels) == LABELS


def test_a_semicolon_csv_gives_the_same_connectome_as_a_comma_csv(tmp_path):
    w = np.abs(_fc())
    np.fill_diagonal(w, 0)
    (tmp_path / "comma.csv").write_text(_table(w, ",", LABELS))
    (tmp_path / "semi.csv").write_text(_table(w, ";", LABELS))
    a = bio.read_matrix(tmp_path / "comma.csv", missing_lengths="zero")
    b = bio.read_matrix(tmp_path / "semi.csv", missing_lengths="zero")
    np.testing.assert_array_equal(a.weights, w)
    np.testing.assert_array_equal(b.weights, w)
    assert a.labels == b.labels == tuple(LABELS)


def test_sniffing_prefers_the_file_types_delimiter_and_cells_that_are_numbers():
    assert sniff_delimiter("1,2\n3,4\n", ".csv") == ","
    assert sniff_delimiter("1;2\n3;4\n", ".csv") == ";"
    assert sniff_delimiter("1\t2\n3\t4\n", ".csv") == "\t"
    assert sniff_delimiter("1 2\n3 4\n", ".txt") is None
    assert sniff_delimiter("1, 2\n3, 4\n", ".txt") == ","  # whitespace splits too, into '1,' cells
    assert sniff_delimiter("0,5;1,25\n2,5;0,75\n", ".csv") == ";"  # decimal commas: the columns are ';'
    assert sniff_delimiter("1,2\n3,4,5\n6,7\n", ".tsv") == ","  # no fit: the one splitting most lines
    assert sniff_delimiter("1\n2\n", ".tsv") == "\t"  # none splits: the type's own


@pytest.mark.parametrize("row, col", [(0, 3), (2, 0), (5, 5), (0, 0)])
def test_a_text_cell_is_named_by_row_column_and_value_not_taken_for_a_header(tmp_path, row, col):
    m = _fc()
    cells = [[repr(float(v)) for v in r] for r in m]
    cells[row][col] = "n/a"
    (tmp_path / "fc.csv").write_text("\n".join(",".join(r) for r in cells) + "\n")
    where = rf"at row {row + 1}, column {col + 1} \(line {row + 1} of the file; read as a comma-separated table\)"
    with pytest.raises(DataError, match=rf"'fc.csv': the FC matrix file has a non-numeric cell 'n/a' {where}"):
        bn.read_fc(tmp_path / "fc.csv")
    with pytest.raises(ConnectomeError, match=rf"fc.csv': the weights file has a non-numeric cell 'n/a' {where}"):
        bio.read_matrix(tmp_path / "fc.csv", missing_lengths="zero")


def test_a_text_cell_in_a_labelled_table_counts_rows_and_columns_of_numbers(tmp_path):
    m = _fc()
    text = _table(m, ",", LABELS).splitlines()
    cells = text[3].split(",")
    cells[4] = "x"  # data row 3 (file line 4), number column 4 (after the label column)
    text[3] = ",".join(cells)
    (tmp_path / "fc.csv").write_text("\n".join(text) + "\n")
    with pytest.raises(DataError, match=r"^'fc\.csv': the FC matrix file has a non-numeric cell 'x' at row 3, "
                                        r"column 4 \(line 4 of the file; read as a comma-separated table\); "
                                        r"expected numbers only: fix or remove that cell \(labels belong in a "
                                        r"header row, a first column or a separate labels file\)\.$"):
        bn.read_fc(tmp_path / "fc.csv")


def test_empty_cells_and_decimal_commas_have_their_own_messages(tmp_path):
    (tmp_path / "gap.csv").write_text("1,0.5,0.2\n0.5,,0.1\n0.2,0.1,1\n")
    with pytest.raises(DataError, match=r"^'gap\.csv': the FC matrix file has an empty cell at row 2, column 2 "
                                        r"\(line 2 of the file; read as a comma-separated table\); expected numbers "
                                        r"only: fix or remove that cell \(labels belong in a header row, a first "
                                        r"column or a separate labels file\)\.$"):
        bn.read_fc(tmp_path / "gap.csv")
    (tmp_path / "dc.csv").write_text("1,0;0,5\n0,5;1,0\n")
    with pytest.raises(DataError, match=r"'dc.csv': the FC matrix file uses decimal commas \('1,0' at row 1, "
                                        r"column 1, line 1; read as a semicolon-separated table\); write numbers "
                                        r"with a decimal point"):
        bn.read_fc(tmp_path / "dc.csv")


def test_a_ragged_table_is_reported_with_the_delimiter_its_author_used(tmp_path):
    (tmp_path / "fc.txt").write_text("1;0.5;0.2\n0.5;1\n0.2;0.1;1\n")
    with pytest.raises(DataError, match=r"^'fc\.txt': ragged rows in the FC matrix: line 2 has 2 values, the first "
                                        r"data row has 3 \(read as a semicolon-separated table\)\. Every row needs "
                                        r"the same number of columns\.$"):
        bn.read_fc(tmp_path / "fc.txt")


def test_ragged_rows_and_header_width_name_the_delimiter_used():
    with pytest.raises(DataError, match=r"^'x': ragged rows in the series: line 3 has 1 values, the first data row "
                                        r"has 2 \(read as a semicolon-separated table\)\. Every row needs the same "
                                        r"number of columns\.$"):
        parse_table("1;2\n3;4\n5\n", "'x'", ";", "series", error=DataError)
    with pytest.raises(ConnectomeError, match=r"the header has 3 labels but the rows have 2 values "
                                              r"\(read as a whitespace-separated table\)"):
        parse_table("a b c\n1 2\n3 4\n", "'x'", sniff=False)


def test_row_labels_alone_label_a_connectome(tmp_path):
    (tmp_path / "w.csv").write_text("a,0,1\nb,1,0\n")
    conn = bio.read_matrix(tmp_path / "w.csv", missing_lengths="zero")
    assert conn.labels == ("a", "b") and conn.weights[0, 1] == 1.0


# ----------------------------------------------------------------------------- pandas' index column
@pytest.mark.parametrize("sep, suffix", [(",", ".csv"), ("\t", ".tsv"), (" ", ".txt")])
def test_pandas_default_index_column_is_dropped_from_a_time_series(tmp_path, sep, suffix):
    x = np.random.default_rng(4).standard_normal((50, 3))
    pd.DataFrame(x, columns=["a", "b", "c"]).to_csv(tmp_path / f"ts{suffix}", sep=sep)
    ts = bn.read_timeseries(tmp_path / f"ts{suffix}", 0.72)
    assert ts.shape == (50, 3) and list(ts.region.values) == ["a", "b", "c"]
    np.testing.assert_allclose(ts.values, x)


def test_pandas_default_index_and_numeric_region_ids_of_an_fc(tmp_path):
    m = _fc()
    pd.DataFrame(m).to_csv(tmp_path / "plain.csv")  # index and columns 0..n-1: positions, no labels
    fc = bn.read_fc(tmp_path / "plain.csv")
    np.testing.assert_allclose(fc.values, m)
    assert "region_i" not in fc.coords
    pd.DataFrame(m, columns=LABELS).to_csv(tmp_path / "cols.csv")  # labels above a default index
    assert list(bn.read_fc(tmp_path / "cols.csv").region_i.values) == LABELS
    pd.DataFrame(m, index=LABELS, columns=LABELS).to_csv(tmp_path / "both.csv")
    assert list(bn.read_fc(tmp_path / "both.csv").region_i.values) == LABELS
    ids = [11, 12, 21, 22, 31, 32]
    pd.DataFrame(m, index=ids, columns=ids).to_csv(tmp_path / "ids.csv")  # an atlas's region ids, both axes
    fc = bn.read_fc(tmp_path / "ids.csv")
    np.testing.assert_allclose(fc.values, m)
    assert list(fc.region_i.values) == list(fc.region_j.values) == [str(i) for i in ids]
    w = np.abs(m) * (1 - np.eye(6))
    pd.DataFrame(w, index=ids, columns=ids).to_csv(tmp_path / "w.csv")
    conn = bio.read_matrix(tmp_path / "w.csv", missing_lengths="zero")
    assert conn.labels == tuple(str(i) for i in ids)
    np.testing.assert_allclose(conn.weights, w)


def test_an_empty_corner_over_a_column_that_is_no_index_is_refused(tmp_path):
    x = np.random.default_rng(4).standard_normal((5, 3))
    pd.DataFrame(x, columns=["a", "b", "c"], index=0.72 * np.arange(1, 6)).to_csv(tmp_path / "ts.csv")
    with pytest.raises(DataError, match=r"^'ts\.csv': the header's first cell is empty, as above an index column, "
                                        r"but the first column holds \['0\.72', '1\.44', '2\.16'\]\.\.\., neither "
                                        r"region labels nor the row numbers 0, 1, 2, \.\.\. of a pandas index; "
                                        r"remove that column \(pandas: df\.to_csv\(path, index=False\)\) or give it "
                                        r"a label\.$"):
        bn.read_timeseries(tmp_path / "ts.csv", 0.72)
    (tmp_path / "gap.csv").write_text("a,,c\n1,2,3\n4,5,6\n")
    with pytest.raises(DataError, match=r"'gap.csv': the time series file's header has an empty label at "
                                        r"position 2; give every region a label"):
        bn.read_timeseries(tmp_path / "gap.csv", 0.72)
    m = _fc(4)  # ids not ascending: not taken for ids, and the message says so
    pd.DataFrame(m, index=[3, 1, 2, 4], columns=[3, 1, 2, 4]).to_csv(tmp_path / "ids.csv")
    with pytest.raises(DataError, match=r"an empty cell at row 1, column 1 \(line 1 of the file; read as a "
                                        r"comma-separated table\); expected numbers only: if the first row and "
                                        r"column are region ids, they are read as labels only when"):
        bn.read_fc(tmp_path / "ids.csv")


@pytest.mark.parametrize("bad", ["", "  "])
def test_empty_labels_are_refused_wherever_labels_are_taken(bad):
    m = _fc(3)
    with pytest.raises(DataError, match=r"^the array: region labels must not be empty or blank; got 1 at "
                                        r"position\(s\) \[1\]\. Give every region a name\.$"):
        bn.fc_matrix(m, ["a", bad, "c"])
    with pytest.raises(DataError, match=r"as_timeseries: region labels must not be empty or blank"):
        bn.as_timeseries(np.ones((4, 3)), 1.0, labels=["a", bad, "c"])
    with pytest.raises(ConnectomeError, match=r"labels must not be empty or blank; got 1 at position\(s\) \[1\]"):
        bn.Connectome(np.ones((3, 3)), np.ones((3, 3)), ["a", bad, "c"])


def test_blanks_around_labels_are_removed_as_the_file_readers_remove_them(tmp_path):
    m = _fc(3)
    assert bn.Connectome(np.ones((3, 3)), np.ones((3, 3)), [" a", "b ", "c"]).labels == ("a", "b", "c")
    assert list(bn.fc_matrix(m, [" a", "b ", "c"]).region_i.values) == ["a", "b", "c"]
    with pytest.raises(ConnectomeError, match=r"^labels must be unique; repeated: \['a'\]\.$"):
        bn.Connectome(np.ones((3, 3)), np.ones((3, 3)), ["a", " a", "c"])
    with pytest.raises(DataError, match=r"region labels must be unique; repeated: \['a'\]"):
        bn.fc_matrix(m, ["a", "a ", "c"])
    (tmp_path / "fc.csv").write_text(_table(m, ",", [" a", "b", "c"]))
    assert list(bn.read_fc(tmp_path / "fc.csv", labels=["a", " b", "c"]).region_i.values) == ["a", "b", "c"]
