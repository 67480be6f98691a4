"""Inputs that were once read into wrong numbers or labels without an error, and are now refused or read right."""

import warnings
import zipfile

import networkx as nx
import numpy as np
import pytest
import scipy.io
import scipy.sparse

import brainnet_cb as bn
from brainnet_cb import io as bio
from brainnet_cb.data.io.parcellation import read_label_table
from brainnet_cb.errors import ConnectomeError


def _graph_with_hemispheres(values):
    g = nx.DiGraph()
    for node, value in zip("ab", values):
        g.add_node(node, hemisphere=value)
    g.add_edge("a", "b", weight=1.0, length=10.0)
    return g


@pytest.mark.parametrize("values, shown", [(("L", "R"), r"\['L', 'R'\]"), (("false", "true"), r"\['false', 'true'\]"),
                                           ((0, 2), r"\[0, 2\]")])
def test_graphml_hemispheres_that_are_not_booleans_are_refused(values, shown, tmp_path):
    """bool("L") and bool("false") are True: every region was read as right-hemisphere."""
    nx.write_graphml(_graph_with_hemispheres(values), tmp_path / "g.graphml")
    with pytest.raises(ConnectomeError, match=r"hemispheres must be booleans or 0/1 \(True = right hemisphere\); "
                                              rf"got values such as {shown}"):
        bio.read_graphml(tmp_path / "g.graphml")


def test_graphml_boolean_hemispheres_still_read(tmp_path):
    nx.write_graphml(_graph_with_hemispheres((False, True)), tmp_path / "g.graphml")
    assert bio.read_graphml(tmp_path / "g.graphml").hemispheres.tolist() == [False, True]


def test_graphml_attributes_on_some_nodes_only_are_refused_not_dropped(tmp_path):
    """Centres on two of three nodes (or a node with x and y but no z) gave a connectome without centres."""
    g = nx.DiGraph()
    g.add_node("a", x=1.0, y=2.0, z=3.0, area=10.0)
    g.add_node("b", x=4.0, y=5.0, area=20.0)
    g.add_node("c", x=7.0, y=8.0, z=9.0, area=30.0)
    g.add_edge("a", "b", weight=1.0, length=10.0)
    nx.write_graphml(g, tmp_path / "g.graphml")
    with pytest.raises(ConnectomeError, match=r"node attribute 'centre' \(GraphML: x, y and z\) is on 2 of the 3 nodes; "
                                              r"nodes without it: \['b'\]"):
        bio.read_graphml(tmp_path / "g.graphml")
    g.nodes["b"]["z"] = 6.0
    del g.nodes["c"]["area"]
    with pytest.raises(ConnectomeError, match=r"node attribute 'area' is on 2 of the 3 nodes; nodes without it: "
                                              r"\['c'\]\. A connectome holds it for every region or none"):
        bn.Connectome.from_networkx(g)
    del g.nodes["a"]["area"], g.nodes["b"]["area"]
    nx.write_graphml(g, tmp_path / "g.graphml")
    assert bio.read_graphml(tmp_path / "g.graphml").centres.tolist() == [[1, 2, 3], [4, 5, 6], [7, 8, 9]]


def test_graphml_parallel_edges_are_refused(tmp_path):
    """A multigraph's second edge a -> b replaced the first one's weight."""
    g = nx.MultiDiGraph()
    g.add_edge("a", "b", weight=1.0, length=10.0)
    g.add_edge("a", "b", weight=2.0, length=20.0)
    nx.write_graphml(g, tmp_path / "m.graphml")
    with pytest.raises(ConnectomeError, match=r"'.*m\.graphml': the graph has 2 parallel edges a -> b \(a multigraph\)"):
        bio.read_graphml(tmp_path / "m.graphml")


def test_multigraph_without_parallel_edges_still_reads():
    g = nx.MultiDiGraph()
    g.add_edge("a", "b", weight=1.0, length=10.0)
    assert bn.Connectome.from_networkx(g).weights.tolist() == [[0.0, 0.0], [1.0, 0.0]]


W = np.array([[0.0, 1.0, 2.0], [3.0, 0.0, 4.0], [5.0, 6.0, 0.0]])
L = 10.0 * W


@pytest.mark.parametrize("variables, what, names", [
    ({"SC": W, "W": W.T, "lengths": L}, "weights", r"\['W', 'SC'\]"),
    ({"SC": W, "tract_lengths": L, "dist": 2 * L}, "lengths", r"\['tract_lengths', 'dist'\]"),
])
def test_mat_with_two_differing_candidate_variables_is_refused(variables, what, names, tmp_path):
    """'W' was taken over 'SC' (the first of the names tried) without a word, whichever the user meant."""
    scipy.io.savemat(tmp_path / "sc.mat", variables)
    with pytest.raises(ConnectomeError, match=rf"holds several {what} variables that differ, {names}; name the one "
                                              rf"to read: read_mat\(path, {what}="):
        bio.read_mat(tmp_path / "sc.mat")
    second = names.split("'")[3]
    chosen = bio.read_mat(tmp_path / "sc.mat", **{what: second})
    assert np.array_equal(chosen.weights if what == "weights" else chosen.lengths, variables[second])


def test_mat_with_one_matrix_under_two_names_reads(tmp_path):
    scipy.io.savemat(tmp_path / "sc.mat", {"SC": W, "W": W, "lengths": L})
    assert np.array_equal(bio.read_mat(tmp_path / "sc.mat").weights, W)


def test_mat_sparse_weights_read_as_the_full_matrix(tmp_path):
    scipy.io.savemat(tmp_path / "sc.mat", {"SC": scipy.sparse.csc_matrix(W), "lengths": scipy.sparse.csc_matrix(L)})
    conn = bio.read_mat(tmp_path / "sc.mat")
    assert np.array_equal(conn.weights, W) and np.array_equal(conn.lengths, L)


def test_complex_weights_are_refused_not_cast_to_their_real_part(tmp_path):
    scipy.io.savemat(tmp_path / "sc.mat", {"SC": W + 1j * W, "lengths": L})
    with pytest.raises(ConnectomeError, match=r"weights holds complex numbers \(e\.g\. \(1\+1j\)\), whose imaginary part would be dropped"):
        bio.read_mat(tmp_path / "sc.mat")
    with pytest.raises(ConnectomeError, match=r"lengths holds complex numbers \(e\.g\. 10j\)"):
        bn.Connectome(W, L + 1j * np.eye(3) * 10)
    assert np.array_equal(bn.Connectome(W + 0j, L).weights, W)  # a zero imaginary part loses nothing
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # NumPy's ComplexWarning for the cast of a zero imaginary part
        assert np.array_equal(bn.fc_matrix(np.array([[1.0, 0.2], [0.2, 1.0]]) + 0j).values,
                              [[1.0, 0.2], [0.2, 1.0]])


def test_complex_fc_and_time_series_are_refused(tmp_path):
    fc = np.array([[1.0, 0.2], [0.2, 1.0]])
    with pytest.raises(bn.DataError, match=r"^the array holds complex numbers \(e\.g\. \(1\+1j\)\), whose imaginary "
                                           r"part would be dropped; an FC matrix must hold real numbers\. Pass its "
                                           r"real part or modulus \(m\.real, np\.abs\(m\)\), whichever the data "
                                           r"mean\.$"):
        bn.fc_matrix(fc + 1j * fc)
    np.save(tmp_path / "fc.npy", fc + 1j * fc)
    with pytest.raises(bn.DataError, match=r"^'fc\.npy' holds complex numbers \(e\.g\. \(1\+1j\)\), whose imaginary "
                                           r"part would be dropped; an FC matrix must hold real numbers\. Pass its "
                                           r"real part or modulus \(m\.real, np\.abs\(m\)\), whichever the data "
                                           r"mean\.$"):
        bn.read_fc(tmp_path / "fc.npy")
    with pytest.raises(bn.DataError, match=r"values holds complex numbers .*a time series must hold real numbers"):
        bn.as_timeseries(np.exp(1j * np.arange(8.0))[:, None], dt=0.72)


def _csv(path, m):
    path.write_text("".join(",".join(repr(float(x)) for x in row) + "\n" for row in m))
    return path


def test_read_matrix_centres_file_in_another_order_than_the_weights_is_refused(tmp_path):
    """The labels of a 'label x y z' centres file were dropped: a file in another order gave every region another
    region's centre."""
    (tmp_path / "w.csv").write_text("a,b,c\n" + "".join(",".join(map(str, r)) + "\n" for r in W))
    _csv(tmp_path / "l.csv", L)
    (tmp_path / "centres.txt").write_text("c 7 8 9\nb 4 5 6\na 1 2 3\n")
    with pytest.raises(ConnectomeError, match=r"'.*centres\.txt' lists its centres for regions \['c', 'b', 'a'\]\.\.\., "
                                              r"but the weights' regions are \['a', 'b', 'c'\]\.\.\. \(first difference "
                                              r"at position 0\)"):
        bio.read_matrix(tmp_path / "w.csv", tmp_path / "l.csv", centres=tmp_path / "centres.txt")


def test_read_matrix_centres_file_labels_name_unlabelled_weights(tmp_path):
    _csv(tmp_path / "w.csv", W)
    _csv(tmp_path / "l.csv", L)
    (tmp_path / "centres.csv").write_text("label,x,y,z\nc,7,8,9\nb,4,5,6\na,1,2,3\n")  # was refused: 'row labels differ'
    conn = bio.read_matrix(tmp_path / "w.csv", tmp_path / "l.csv", centres=tmp_path / "centres.csv")
    assert conn.labels == ("c", "b", "a") and conn.centres[0].tolist() == [7.0, 8.0, 9.0]
    (tmp_path / "xyz.csv").write_text("x,y,z\n1,2,3\n4,5,6\n7,8,9\n")
    conn = bio.read_matrix(tmp_path / "w.csv", tmp_path / "l.csv", labels=["p", "q", "r"], centres=tmp_path / "xyz.csv")
    assert conn.labels == ("p", "q", "r") and conn.centres[2].tolist() == [7.0, 8.0, 9.0]


def _tvb(path, members):
    with zipfile.ZipFile(path, "w") as z:
        for name, text in members.items():
            z.writestr(name, text)
    return path


_W_TXT = "0 1 2\n3 0 4\n5 6 0\n"
_L_TXT = "0 10 20\n30 0 40\n50 60 0\n"
_C_TXT = "a 1 2 3\nb 4 5 6\nc 7 8 9\n"


def test_tvb_weights_header_in_another_order_than_centres_is_refused(tmp_path):
    """The header of weights.txt was dropped and centres.txt's labels were used, whatever order the matrix was in."""
    z = _tvb(tmp_path / "c.zip", {"weights.txt": "b a c\n" + _W_TXT, "tract_lengths.txt": _L_TXT,
                                  "centres.txt": _C_TXT})
    with pytest.raises(ConnectomeError, match=r"member weights\.txt names its regions \['b', 'a', 'c'\]\.\.\., but "
                                              r"'.*c\.zip' member centres\.txt lists \['a', 'b', 'c'\]\.\.\.; every file "
                                              r"of a connectivity must list the regions in one order"):
        bio.read_tvb(z)
    z = _tvb(tmp_path / "l.zip", {"weights.txt": _W_TXT, "tract_lengths.txt": "c b a\n" + _L_TXT,
                                  "centres.txt": _C_TXT})
    with pytest.raises(ConnectomeError, match=r"member tract_lengths\.txt names its regions \['c', 'b', 'a'\]"):
        bio.read_tvb(z)


def test_tvb_weights_header_names_regions_without_centres(tmp_path):
    z = _tvb(tmp_path / "c.zip", {"weights.txt": "b a c\n" + _W_TXT, "tract_lengths.txt": _L_TXT})
    assert bio.read_tvb(z).labels == ("b", "a", "c")
    z = _tvb(tmp_path / "s.zip", {"weights.txt": "a b c\n" + _W_TXT, "tract_lengths.txt": _L_TXT,
                                  "centres.txt": _C_TXT})
    assert bio.read_tvb(z).labels == ("a", "b", "c")


@pytest.mark.parametrize("member, text, word, meaning", [
    ("hemispheres.txt", "L\nR\nL\n", "L", r"1 = right hemisphere, 0 = left"),
    ("cortical.txt", "True\nFalse\nTrue\n", "True", r"1 = cortical region, 0 = not"),
])
def test_tvb_per_region_file_with_words_names_the_word(member, text, word, meaning, tmp_path):
    """Was 'row labels differ from column labels (first rows ['R', 'L'], columns [])'."""
    z = _tvb(tmp_path / "c.zip", {"weights.txt": _W_TXT, "tract_lengths.txt": _L_TXT, "centres.txt": _C_TXT,
                                  member: text})
    with pytest.raises(ConnectomeError, match=rf"member {member}: line 1 holds '{word}'; expected numbers only, one "
                                              rf"line per region in the order of weights\.txt \({meaning}\)"):
        bio.read_tvb(z)


_FC = np.array([[1.0, 0.2, 0.3], [0.2, 1.0, 0.4], [0.3, 0.4, 1.0]])


def test_read_fc_takes_the_labels_an_npz_or_mat_file_stores(tmp_path):
    """A 'labels' variable beside the FC was ignored: the FC came back unlabelled and was taken in the connectome's
    order, whatever order the file's regions were in."""
    conn = bn.Connectome(np.ones((3, 3)) - np.eye(3), np.full((3, 3), 10.0), ["a", "b", "c"])
    np.savez(tmp_path / "fc.npz", fc=_FC, labels=np.array(["c", "a", "b"]))
    scipy.io.savemat(tmp_path / "fc.mat", {"FC": _FC, "names": np.array(["c", "a", "b"], dtype=object)})
    for name in ("fc.npz", "fc.mat"):
        fc = bn.read_fc(tmp_path / name)
        assert fc.region_i.values.tolist() == ["c", "a", "b"]
        assert bn.align(fc, conn).sel(region_i="a", region_j="b").item() == 0.4
    with pytest.raises(bn.DataError, match=r"^'fc\.npz' names its regions \['c', 'a', 'b'\]\.\.\.; labels= gives "
                                           r"\['a', 'b', 'c'\]\.\.\.\. Pass one or the other\.$"):
        bn.read_fc(tmp_path / "fc.npz", labels=["a", "b", "c"])
    np.savez(tmp_path / "short.npz", fc=_FC, labels=np.array(["c", "a"]))
    with pytest.raises(bn.DataError, match=r"'short\.npz' stores 2 region labels in its variable 'labels' for 3 "
                                           r"regions"):
        bn.read_fc(tmp_path / "short.npz")


def test_read_timeseries_takes_the_labels_an_npz_file_stores(tmp_path):
    np.savez(tmp_path / "ts.npz", bold=np.arange(30.0).reshape(10, 3), labels=np.array(["c", "a", "b"]))
    ts = bn.read_timeseries(tmp_path / "ts.npz", 0.72)
    assert ts.region.values.tolist() == ["c", "a", "b"] and ts.sel(region="a").values[1] == 4.0
    with pytest.raises(bn.DataError, match=r"^'ts\.npz' stores its region labels \['c', 'a', 'b'\]\.\.\. in its "
                                           r"variable 'labels'; labels= gives \['a', 'b', 'c'\]\.\.\.\. Pass one or "
                                           r"the other\.$"):
        bn.read_timeseries(tmp_path / "ts.npz", 0.72, labels=["a", "b", "c"])


def test_empty_fc_is_refused_by_name():
    """Was numpy's 'zero-size array to reduction operation maximum which has no identity'."""
    with pytest.raises(bn.DataError, match=r"^empirical FC must describe at least one region; got an empty matrix, "
                                           r"shape \(0, 0\), from the array\.$"):
        bn.fc_matrix(np.zeros((0, 0)))


def test_label_table_as_csv_reads(tmp_path):
    """A comma-separated table (pandas' lut.to_csv(path, index=False)) was 'holds no 'id name' lines'."""
    (tmp_path / "lut.csv").write_text("index,name,color\n0,Background,#000000\n1,Left A,#ff0000\n5,C,#00ff00\n")
    assert bio.read_label_table(tmp_path / "lut.csv") == {0: "Background", 1: "Left A", 5: "C"}
    (tmp_path / "fs.txt").write_text("1 Left,A 0 0 0 0\n2 B 0 0 0 0\n")  # FreeSurfer's layout is kept
    assert bio.read_label_table(tmp_path / "fs.txt") == {1: "Left,A", 2: "B"}


def test_label_table_with_rgb_colours_and_no_alpha_reads_the_names(tmp_path):
    """'id name R G B' lines (no alpha) named region 1 'Left A 255 0 0': the colours became part of the name."""
    (tmp_path / "rgb.txt").write_text("# id name R G B\n0 Unknown 0 0 0\n1 Left A 255 0 0\n2 B 0 255 0\n")
    assert read_label_table(tmp_path / "rgb.txt") == {0: "Unknown", 1: "Left A", 2: "B"}
    (tmp_path / "rgba.txt").write_text("0 Unknown 0 0 0 0\n1 Left A 255 0 0 0\n2 B 0 255 0 0\n")
    assert read_label_table(tmp_path / "rgba.txt") == {0: "Unknown", 1: "Left A", 2: "B"}
    (tmp_path / "names.txt").write_text("1 Area 3 4 5\n2 B\n")  # not every line ends in three colours: names
    assert read_label_table(tmp_path / "names.txt") == {1: "Area 3 4 5", 2: "B"}
    (tmp_path / "big.txt").write_text("1 A 300 0 0\n2 B 1 2 3\n")  # 300 is no colour
    assert read_label_table(tmp_path / "big.txt") == {1: "A 300 0 0", 2: "B 1 2 3"}


def test_a_labels_file_of_another_length_is_named(tmp_path):
    """A header line in labels.txt gave 'labels must have one entry per region: got 4 labels for 3 regions'."""
    np.savetxt(tmp_path / "w.csv", np.ones((3, 3)) - np.eye(3), delimiter=",")
    (tmp_path / "labels.txt").write_text("name\nA\nB\nC\n")
    with pytest.raises(ConnectomeError, match=r"labels.txt' holds 4 labels \(one per line: \['name', 'A', 'B'\]\.\.\.\) "
                                              r"for the 3 regions of '.*w.csv'; .* \(a header line is read as a "
                                              r"label: remove it\)\.$"):
        bio.read_matrix(tmp_path / "w.csv", labels=tmp_path / "labels.txt", missing_lengths="zero")
    (tmp_path / "labels.txt").write_text("A\nB\nC\n")
    assert bio.read_matrix(tmp_path / "w.csv", labels=tmp_path / "labels.txt", missing_lengths="zero").labels == (
        "A", "B", "C")
