"""Every bad input of the readers and writers raises its own clear ConnectomeError."""

import zipfile

import networkx as nx
import nibabel as nib
import numpy as np
import pytest
import scipy.io

import brainnet_cb as bn
from brainnet_cb import io as bio
from brainnet_cb.errors import ConnectomeError

W = np.array([[0.0, 1.0, 0.0], [2.0, 0.0, 3.0], [0.0, 4.0, 0.0]])
L = np.where(W > 0, 10.0, 0.0)


def _zip(path, members):
    with zipfile.ZipFile(path, "w") as z:
        for name, text in members.items():
            z.writestr(name, text)
    return path


def _text(m):
    return "\n".join(" ".join(map(str, row)) for row in m) + "\n"


def case_zip_without_weights(tmp):
    return lambda: bio.read_tvb(_zip(tmp / "c.zip", {"tract_lengths.txt": _text(L), "centres.txt": "a 0 0 0\n"}))


def case_truncated_zip(tmp):
    good = bio.write_tvb(bn.Connectome(W, L), tmp / "good.zip").read_bytes()
    (tmp / "cut.zip").write_bytes(good[: len(good) // 2])
    return lambda: bio.read_tvb(tmp / "cut.zip")


def case_ragged_rows(tmp):
    (tmp / "w.txt").write_text("0 1 0\n2 0\n0 4 0\n")
    return lambda: bio.read_matrix(tmp / "w.txt", L)


def case_non_numeric_cell(tmp):
    (tmp / "w.csv").write_text("0,1,0\n2,x,3\n0,4,0\n")
    return lambda: bio.read_matrix(tmp / "w.csv", L)


def case_missing_lengths(tmp):
    np.savez(tmp / "w.npz", weights=W)
    return lambda: bio.read_npz(tmp / "w.npz")


def case_missing_lengths_in_tvb_zip(tmp):
    return lambda: bio.read_tvb(_zip(tmp / "c.zip", {"weights.txt": _text(W)}))


def case_non_square_file(tmp):
    np.save(tmp / "w.npy", np.ones((3, 4)))
    return lambda: bio.read_matrix(tmp / "w.npy", L)


def case_nan_in_file(tmp):
    w = W.copy()
    w[1, 2] = np.nan
    np.save(tmp / "w.npy", w)
    return lambda: bio.read_matrix(tmp / "w.npy", L)


def case_negative_length_in_zip(tmp):
    bad = L.copy()
    bad[0, 1] = -5
    return lambda: bio.read_tvb(_zip(tmp / "c.zip", {"weights.txt": _text(W), "tract_lengths.txt": _text(bad)}))


def case_label_count_mismatch(tmp):
    (tmp / "labels.txt").write_text("a\nb\n")
    return lambda: bio.read_matrix(W, L, labels=tmp / "labels.txt")


def case_duplicate_labels_in_zip(tmp):
    members = {"weights.txt": _text(W), "tract_lengths.txt": _text(L), "centres.txt": "a 0 0 0\nb 1 1 1\na 2 2 2\n"}
    return lambda: bio.read_tvb(_zip(tmp / "c.zip", members))


def case_centres_count_mismatch(tmp):
    members = {"weights.txt": _text(W), "tract_lengths.txt": _text(L), "centres.txt": "a 0 0 0\nb 1 1 1\n"}
    return lambda: bio.read_tvb(_zip(tmp / "c.zip", members))


def case_header_differs_from_row_labels(tmp):
    (tmp / "w.csv").write_text(",a,b,c\na,0,1,0\nb,2,0,3\nz,0,4,0\n")
    return lambda: bio.read_matrix(tmp / "w.csv", L)


def case_pickled_npz(tmp):
    np.savez(tmp / "p.npz", weights=W, lengths=L, labels=np.array(["a", 1, None], dtype=object))
    return lambda: bio.read_npz(tmp / "p.npz")


def case_mat_without_weights(tmp):
    scipy.io.savemat(tmp / "x.mat", {"foo": W, "bar": L})
    return lambda: bio.read_mat(tmp / "x.mat")


def case_mat_named_variable_missing(tmp):
    scipy.io.savemat(tmp / "x.mat", {"SC": W, "lengths": L})
    return lambda: bio.read_mat(tmp / "x.mat", weights="conn_matrix")


def case_mat_lengths_under_another_name(tmp):
    scipy.io.savemat(tmp / "x.mat", {"SC": W, "D": L})
    return lambda: bio.read_mat(tmp / "x.mat")


def case_graphml_some_lengths(tmp):
    g = nx.DiGraph()
    g.add_edge("a", "b", weight=1.0, length=3.0)
    g.add_edge("b", "c", weight=1.0)
    nx.write_graphml(g, tmp / "g.graphml")
    return lambda: bio.read_graphml(tmp / "g.graphml")


def case_graphml_no_lengths(tmp):
    g = nx.DiGraph()
    g.add_edge("a", "b", weight=1.0)
    nx.write_graphml(g, tmp / "g.graphml")
    return lambda: bio.read_graphml(tmp / "g.graphml")


def case_graphml_weight_not_a_number(tmp):
    g = nx.DiGraph()
    g.add_edge("a", "b", weight="x", length=3.0)
    nx.write_graphml(g, tmp / "g.graphml")
    return lambda: bio.read_connectome(tmp / "g.graphml")


def case_weights_path_is_a_folder(tmp):
    (tmp / "w.csv").mkdir()
    (tmp / "l.csv").write_text(_text(L))
    return lambda: bio.read_matrix(tmp / "w.csv", tmp / "l.csv")


def case_labels_path_is_a_folder(tmp):
    (tmp / "labels").mkdir()
    return lambda: bio.read_matrix(W, L, labels=tmp / "labels")


def case_label_table_is_a_folder(tmp):
    nib.save(nib.Nifti1Image(np.ones((2, 2, 2), np.int16), np.eye(4)), tmp / "p.nii.gz")
    (tmp / "lut").mkdir()
    return lambda: bio.read_parcellation(tmp / "p.nii.gz", tmp / "lut")


def case_labels_contradict_the_header(tmp):
    (tmp / "w.csv").write_text("a,b,c\n" + _text(W).replace(" ", ","))
    return lambda: bio.read_matrix(tmp / "w.csv", L, labels=["x", "y", "z"])


def case_unknown_suffix(tmp):
    (tmp / "c.xlsx").write_text("")
    return lambda: bio.read_connectome(tmp / "c.xlsx")


def case_file_not_found(tmp):
    return lambda: bio.read_connectome(tmp / "nope.zip")


def case_overwrite_refused(tmp):
    (tmp / "c.npz").write_bytes(b"keep me")
    return lambda: bio.write_npz(bn.Connectome(W, L), tmp / "c.npz")


def case_write_to_missing_folder(tmp):
    return lambda: bio.write_graphml(bn.Connectome(W, L), tmp / "no" / "c.graphml")


def case_tvb_labels_with_spaces(tmp):
    return lambda: bio.write_tvb(bn.Connectome(W, L, ["left a", "b", "c"]), tmp / "c.zip")


def case_non_integer_parcellation(tmp):
    data = np.zeros((3, 3, 3), np.float32)
    data[1, 1, 1] = 1.5
    nib.save(nib.Nifti1Image(data, np.eye(4)), tmp / "p.nii")
    return lambda: bio.read_parcellation(tmp / "p.nii")


def case_parcellation_4d(tmp):
    nib.save(nib.Nifti1Image(np.ones((2, 2, 2, 3), np.int16), np.eye(4)), tmp / "p.nii")
    return lambda: bio.read_parcellation(tmp / "p.nii")


def case_label_table_misses_ids(tmp):
    data = np.zeros((3, 3, 3), np.int16)
    data[0, 0, 0], data[2, 2, 2] = 1, 4
    nib.save(nib.Nifti1Image(data, np.eye(4)), tmp / "p.nii")
    return lambda: bio.read_parcellation(tmp / "p.nii", {1: "one"})


def case_background_only(tmp):
    nib.save(nib.Nifti1Image(np.zeros((2, 2, 2), np.int16), np.eye(4)), tmp / "p.nii")
    return lambda: bio.read_parcellation(tmp / "p.nii")


def case_single_point_streamline(tmp):
    data = np.ones((3, 3, 3), np.int16)
    nib.save(nib.Nifti1Image(data, np.eye(4)), tmp / "p.nii")
    return lambda: bio.read_tractography([np.zeros((1, 3))], tmp / "p.nii")


def case_unsupported_tractography(tmp):
    nib.save(nib.Nifti1Image(np.ones((2, 2, 2), np.int16), np.eye(4)), tmp / "p.nii")
    (tmp / "s.vtk").write_text("")
    return lambda: bio.read_tractography(tmp / "s.vtk", tmp / "p.nii")


def case_bad_missing_lengths_option(tmp):
    np.save(tmp / "w.npy", W)
    return lambda: bio.read_matrix(tmp / "w.npy", missing_lengths="ignore")


CASES = [
    (case_zip_without_weights, r"c\.zip' contains no weights\.txt \(found: \['centres\.txt', 'tract_lengths\.txt'\]\)"),
    (case_truncated_zip, r"cut\.zip' is not a readable zip archive \(truncated or corrupt\?\)"),
    (case_ragged_rows, r"w\.txt': ragged rows in the weights: line 2 has 2 values, the first data row has 3"),
    (case_non_numeric_cell, r"w\.csv': the weights file has a non-numeric cell 'x' at row 2, column 2 \(line 2 of the file; "
                            r"read as a comma-separated table\); expected numbers only: fix or remove that cell"),
    (case_missing_lengths, r"w\.npz': no tract lengths found \(looked for keys 'lengths', 'tract_lengths'\); "
                           r"delays need lengths in mm\. Add them, or pass missing_lengths='zero'"),
    (case_missing_lengths_in_tvb_zip, r"c\.zip': no tract lengths found \(looked for tract_lengths\.txt\)"),
    (case_non_square_file, r"weights must be square \(n, n\); got shape \(3, 4\)"),
    (case_nan_in_file, r"weights must be finite; got nan at \[target=1, source=2\]"),
    (case_negative_length_in_zip, r"c\.zip': lengths must be non-negative; got -5\.0 at \[target=0, source=1\]"),
    (case_label_count_mismatch, r"labels\.txt' holds 2 labels \(one per line: \['a', 'b'\]\.\.\.\) for the 3 "
                                r"regions of weights array; give one label per line"),
    (case_duplicate_labels_in_zip, r"c\.zip': labels must be unique; repeated: \['a'\]"),
    (case_centres_count_mismatch, r"member centres\.txt lists 2 regions but weights\.txt has 3"),
    (case_header_differs_from_row_labels, r"row labels differ from column labels"),
    (case_pickled_npz, r"p\.npz' holds pickled object arrays"),
    (case_mat_without_weights, r"x\.mat': no weights variable found \(tried \['weights', 'W', 'SC', 'sc', "
                               r"'connectivity', 'conn'\]\); variables: \['bar', 'foo'\]"),
    (case_mat_named_variable_missing,
     r"x\.mat' has no variable 'conn_matrix' for the weights; variables: \['SC', 'lengths'\]"),
    (case_mat_lengths_under_another_name,
     r"x\.mat': no tract lengths found \(looked for variables \['tract_lengths', 'lengths', 'L', 'distances', 'dist', "
     r"'tract_length'\] among \['D', 'SC'\]; name the lengths variable with read_mat\(path, lengths='\.\.\.'\) \(the "
     r"command line reads a \.mat file by these names only: export the matrices to \.npy and set connectome\.weights "
     r"and connectome\.lengths\)\); delays need lengths in mm\. Add them, or pass missing_lengths='zero'"),
    (case_graphml_some_lengths, r"g\.graphml': 1 of 2 edges have no 'length' attribute \(first: b -> c\)"),
    (case_graphml_no_lengths, r"g\.graphml': no tract lengths found \(no edge has a 'length' attribute\); delays need "
                             r"lengths in mm\. Add them, or pass missing_lengths='zero'"),
    (case_graphml_weight_not_a_number, r"g\.graphml': edge a -> b has weight='x', which is not a number; every "
                                       r"edge's 'weight' must be a number"),
    (case_weights_path_is_a_folder, r"^weights path '.*w\.csv' is a folder, not a file; pass the file itself\.$"),
    (case_labels_path_is_a_folder, r"^labels path '.*labels' is a folder, not a file; pass the file itself\.$"),
    (case_label_table_is_a_folder, r"^label table path '.*lut' is a folder, not a file; pass the file itself\.$"),
    (case_labels_contradict_the_header, r"w\.csv' names its regions \['a', 'b', 'c'\]\.\.\.; labels= gives "
                                        r"\['x', 'y', 'z'\]\.\.\.\. Pass one or the other"),
    (case_unknown_suffix, r"c\.xlsx': unknown connectome file type '\.xlsx'; supported: a folder or"),
    (case_file_not_found, r"connectome file not found: '.*nope\.zip'"),
    (case_overwrite_refused, r"c\.npz' already exists; pass overwrite=True to replace it"),
    (case_write_to_missing_folder, r"the folder '.*no' does not exist"),
    (case_tvb_labels_with_spaces, r"labels cannot contain spaces or be empty; got \['left a'\]"),
    (case_non_integer_parcellation, r"p\.nii': a parcellation needs integer region ids, but 1 values are not "
                                    r"integers \(e\.g\. 1\.5 at voxel \(1, 1, 1\)\)"),
    (case_parcellation_4d, r"a parcellation must be a 3-D label volume; got shape \(2, 2, 2, 3\)"),
    (case_label_table_misses_ids, r"region ids \[4\] are in the image but not in the label table"),
    (case_background_only, r"the image holds only background \(0\); no regions"),
    (case_single_point_streamline, r"streamlines: streamline 0 has 1 point\(s\); every streamline needs at least 2"),
    (case_unsupported_tractography, r"s\.vtk': unsupported tractography format '\.vtk'; expected \.trk or \.tck"),
    (case_bad_missing_lengths_option, r"missing_lengths must be one of \('raise', 'zero'\); got 'ignore'"),
]


@pytest.mark.parametrize("make, message", CASES, ids=[c[0].__name__[5:] for c in CASES])
def test_bad_input_message(make, message, tmp_path):
    action = make(tmp_path)
    with pytest.raises(ConnectomeError, match=message):
        action()


def test_there_are_many_distinct_messages():
    messages = [m for _, m in CASES]
    assert len(messages) >= 15 and len(set(messages)) == len(messages)  # every case pins its own message
