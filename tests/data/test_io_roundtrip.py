"""Readers and writers reproduce a connectome exactly: labels, order, orientation."""

import networkx as nx
import numpy as np
import pytest
import scipy.io

import brainnet_cb as bn
from brainnet_cb import io as bio


@pytest.fixture
def conn():
    """Asymmetric, with every optional field; lengths only where there is an edge."""
    rng = np.random.default_rng(3)
    n = 6
    w = rng.random((n, n)) * (rng.random((n, n)) < 0.5)
    np.fill_diagonal(w, 0)
    w[0, 1], w[1, 0] = 0.7, 0.0  # source 1 -> target 0 only
    lengths = np.where(w > 0, rng.uniform(5, 150, (n, n)), 0.0)
    return bn.Connectome(
        w, lengths, [f"reg{i}" for i in range(n)], rng.normal(0, 50, (n, 3)), "toy",
        hemispheres=[True, True, True, False, False, False], cortical=[1, 1, 0, 1, 1, 0],
        areas=rng.uniform(100, 900, n), orientations=rng.normal(size=(n, 3)),
    )


def _check_orientation(back):
    assert back.weights[0, 1] == 0.7 and back.weights[1, 0] == 0.0


def test_tvb_zip_round_trip(conn, tmp_path):
    path = bio.write_tvb(conn, tmp_path / "toy.zip")
    back = bio.read_tvb(path)
    assert back == conn and back.name == "toy"
    _check_orientation(back)


def test_tvb_zip_keeps_lengths_of_absent_edges(conn, tmp_path):
    full = conn.replace(lengths=np.full((6, 6), 42.5))
    assert bio.read_tvb(bio.write_tvb(full, tmp_path / "full.zip")) == full


def test_tvb_folder_layout_and_centers_spelling(conn, tmp_path):
    import zipfile

    with zipfile.ZipFile(bio.write_tvb(conn, tmp_path / "c.zip")) as z:
        z.extractall(tmp_path / "folder" / "inner")
    (tmp_path / "folder" / "inner" / "centres.txt").rename(tmp_path / "folder" / "inner" / "centers.txt")
    assert bio.read_connectome(tmp_path / "folder") == conn
    centers = (tmp_path / "folder" / "inner" / "centers.txt").read_text()
    (tmp_path / "folder" / "inner" / "centres.txt").write_text(centers)  # both spellings, the same: read
    assert bio.read_connectome(tmp_path / "folder") == conn
    (tmp_path / "folder" / "inner" / "centres.txt").write_text(centers.replace(" ", " 1", 1))  # another centre
    with pytest.raises(bn.ConnectomeError, match=r"holds both centres\.txt and centers\.txt, which differ"):
        bio.read_connectome(tmp_path / "folder")  # centres.txt was read, centers.txt ignored


def test_tvb_zip_without_centres_has_placeholders_tvb_opens_and_reads_back_no_centres(tmp_path):
    """hcp80 has no centres; TVB's reader (Connectivity._read) takes columns 1-3 of centres.txt, so labels alone
    failed there ("Could not read from centres.txt"). The placeholders are 0 0 0, marked in info.txt, announced by a
    warning at write time, and read back as None; the zip opens in tvb-library 2.10.0 (weights bit for bit)."""
    import zipfile

    conn = bn.load_empirical("hcp80").connectome
    assert conn.centres is None
    with pytest.warns(bio.PlaceholderCentresWarning, match=r"^'hcp80 \(HCP group SC, .*\)' has no region centres, "
                      r"which TVB requires: h80\.zip's centres\.txt holds 0 0 0 placeholders, so that TVB opens it, "
                      r"but whatever uses region positions there \(region-level EEG/MEG projections, 3-D views\) is "
                      r"meaningless; bn\.io\.read_tvb reads them back as no centres\. For real ones, write "
                      r"conn\.replace\(centres=\.\.\.\) \(x y z per region, mm\)\.$"):
        path = bio.write_tvb(conn, tmp_path / "h80.zip")
    with zipfile.ZipFile(path) as z:
        centres = z.read("centres.txt").decode()
    assert centres.splitlines()[:2] == ["Precentral_L 0.0 0.0 0.0", "Precentral_R 0.0 0.0 0.0"]
    xyz = np.loadtxt(centres.splitlines(), usecols=(1, 2, 3))  # as TVB's reader parses it
    np.testing.assert_array_equal(xyz, np.zeros((80, 3)))
    back = bio.read_tvb(path, name=conn.name)
    assert back == conn and back.centres is None and back.labels == conn.labels
    np.testing.assert_array_equal(back.weights, conn.weights)
    np.testing.assert_array_equal(back.lengths, conn.lengths)


def test_tvb_placeholder_marker_reads_none_only_for_all_zero_centres(tmp_path):
    """Centres filled into a placeholder zip are read (the marker does not hide them); 0 0 0 centres of a zip that
    write_tvb did not mark (another tool's) are the file's, read as they are."""
    import zipfile

    conn = bn.Connectome([[0, 1], [2, 0]], [[0, 30], [30, 0]], labels=["a", "b"], name="two")
    with pytest.warns(bio.PlaceholderCentresWarning):
        path = bio.write_tvb(conn, tmp_path / "two.zip")
    with zipfile.ZipFile(path) as z:
        members = {m: z.read(m).decode() for m in z.namelist()}
    for info, centres, expect in ((members["info.txt"], "a 0.0 0.0 0.0\nb 1.5 0.0 -2.0\n", [[0, 0, 0], [1.5, 0, -2]]),
                                  ("", members["centres.txt"], [[0, 0, 0], [0, 0, 0]])):
        with zipfile.ZipFile(tmp_path / "edited.zip", "w") as z:
            for m, text in {**members, "info.txt": info, "centres.txt": centres}.items():
                z.writestr(m, text)
        np.testing.assert_array_equal(bio.read_tvb(tmp_path / "edited.zip").centres, expect)


def test_npz_round_trip(conn, tmp_path):
    path = bio.write_npz(conn, tmp_path / "toy.npz")
    back = bio.read_connectome(path)
    assert back == conn and back.name == "toy"
    _check_orientation(back)


def test_graphml_round_trip(conn, tmp_path):
    path = bio.write_graphml(conn, tmp_path / "toy.graphml")
    back = bio.read_graphml(path)
    assert back == conn and back.name == "toy"
    _check_orientation(back)
    g = nx.read_graphml(path)
    assert g.is_directed() and g.has_edge("1", "0") and not g.has_edge("0", "1")  # source -> target


def test_networkx_round_trip(conn):
    g = conn.to_networkx()
    assert g.has_edge(1, 0) and not g.has_edge(0, 1)
    assert bn.Connectome.from_networkx(g) == conn


def test_text_matrices_with_labels_file(conn, tmp_path):
    np.savetxt(tmp_path / "w.csv", conn.weights, delimiter=",", fmt="%.17g")
    np.savetxt(tmp_path / "l.tsv", conn.lengths, delimiter="\t", fmt="%.17g")
    (tmp_path / "labels.txt").write_text("\n".join(conn.labels) + "\n")
    back = bio.read_matrix(tmp_path / "w.csv", tmp_path / "l.tsv", labels=tmp_path / "labels.txt",
                           centres=conn.centres)
    assert back.labels == conn.labels and back.name == "w"
    np.testing.assert_array_equal(back.weights, conn.weights)
    np.testing.assert_array_equal(back.lengths, conn.lengths)


def test_csv_with_header_and_index(conn, tmp_path):
    rows = [",".join(["", *conn.labels])]
    rows += [",".join([lab, *map(repr, row.tolist())]) for lab, row in zip(conn.labels, conn.weights)]
    (tmp_path / "w.csv").write_text("\n".join(rows) + "\n")
    np.save(tmp_path / "l.npy", conn.lengths)
    back = bio.read_connectome(tmp_path / "w.csv", lengths=tmp_path / "l.npy")
    assert back.labels == conn.labels
    np.testing.assert_array_equal(back.weights, conn.weights)


def test_mat_with_cell_labels(conn, tmp_path):
    labels = np.empty(6, dtype=object)
    labels[:] = list(conn.labels)
    scipy.io.savemat(tmp_path / "sc.mat", {"SC": conn.weights, "tract_lengths": conn.lengths,
                                            "names": labels, "centres": conn.centres})
    back = bio.read_connectome(tmp_path / "sc.mat")
    assert back.labels == conn.labels and back.name == "sc"
    np.testing.assert_array_equal(back.weights, conn.weights)
    np.testing.assert_array_equal(back.lengths, conn.lengths)
    np.testing.assert_array_equal(back.centres, conn.centres)


def test_missing_lengths_can_be_allowed(tmp_path):
    np.save(tmp_path / "w.npy", np.array([[0.0, 1.0], [2.0, 0.0]]))
    conn = bio.read_matrix(tmp_path / "w.npy", missing_lengths="zero")
    assert not conn.lengths.any()


def test_writers_are_atomic_and_refuse_overwrite(conn, tmp_path):
    path = bio.write_npz(conn, tmp_path / "a.npz")
    before = path.read_bytes()
    with pytest.raises(bn.ConnectomeError, match=r"already exists; pass overwrite=True"):
        bio.write_npz(conn.normalized(), path)
    assert path.read_bytes() == before
    bio.write_npz(conn.normalized(), path, overwrite=True)
    assert bio.read_npz(path) == conn.normalized()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.npz"]  # no temporary left behind


def test_a_labels_file_keeps_labels_that_end_in_numbers(tmp_path):
    w = np.ones((4, 4))
    (tmp_path / "labels.txt").write_text("Area 1\nArea 2\nOther 3 4\nR_x 1.5 -2 30\n")
    conn = bio.read_matrix(w, w, labels=tmp_path / "labels.txt")
    assert conn.labels == ("Area 1", "Area 2", "Other 3 4", "R_x")  # only 'label x y z' is a centre line


@pytest.mark.parametrize("name", bn.list_atlases())
def test_tvb_labels_alone_are_the_labels_of_the_whole_reader(name):
    from brainnet_cb.data.atlases import atlas_path
    from brainnet_cb.data.io.tvb import read_tvb_labels

    assert read_tvb_labels(atlas_path(name)) == tuple(bn.load_atlas(name).labels)


def test_tvb_labels_of_a_folder_without_labels_are_none(tmp_path):
    from brainnet_cb.data.io.tvb import read_tvb_labels

    conn = bn.Connectome([[0, 1], [1, 0]], [[0, 30], [30, 0]], labels=["a", "b"])
    with pytest.warns(bio.PlaceholderCentresWarning):
        bn.io.write_tvb(conn, tmp_path / "two.zip")
    assert read_tvb_labels(tmp_path / "two.zip") == ("a", "b")
    (tmp_path / "bare").mkdir()
    (tmp_path / "bare" / "weights.txt").write_text("0 1\n1 0\n")
    assert read_tvb_labels(tmp_path / "bare") == ()
