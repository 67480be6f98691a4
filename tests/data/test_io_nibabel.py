"""nibabel routes on real files written here: NIfTI parcellation, GIFTI labels, .trk and .tck."""

import nibabel as nib
import numpy as np
import pytest

import brainnet_cb as bn
from brainnet_cb import io as bio

# a non-identity affine with a rotation (x <- -j, y <- i) and anisotropic voxels
AFFINE = np.array([[0.0, -2.0, 0.0, 10.0],
                   [3.0, 0.0, 0.0, -20.0],
                   [0.0, 0.0, 1.5, 5.0],
                   [0.0, 0.0, 0.0, 1.0]])


def test_parcellation_centroids_and_volumes(tmp_path):
    data = np.zeros((4, 5, 6), dtype=np.int16)
    data[0, 0, 0] = data[1, 0, 0] = 3          # mean voxel (0.5, 0, 0)
    data[2, 4, 2:6] = 7                        # mean voxel (2, 4, 3.5)
    nib.save(nib.Nifti1Image(data, AFFINE), tmp_path / "parc.nii.gz")
    (tmp_path / "lut.txt").write_text("# FreeSurfer-style LUT\n0 Unknown 0 0 0 0\n3 left_thing 1 2 3 0\n"
                                      "7 right_thing 4 5 6 0\n9 not_in_image 0 0 0 0\n")
    parc = bio.read_parcellation(tmp_path / "parc.nii.gz", tmp_path / "lut.txt")
    assert parc.labels == ("left_thing", "right_thing")
    assert parc.ids.tolist() == [3, 7]
    # x = -2 j + 10, y = 3 i - 20, z = 1.5 k + 5
    np.testing.assert_allclose(parc.centroids, [[10.0, -18.5, 5.0], [2.0, -14.0, 10.25]], atol=1e-12)
    np.testing.assert_allclose(parc.volumes, [2 * 9.0, 4 * 9.0])  # |det| = 2 * 3 * 1.5


def test_parcellation_in_metres_is_converted(tmp_path):
    img = nib.Nifti1Image(np.ones((2, 2, 2), dtype=np.uint8), np.diag([0.002, 0.002, 0.002, 1.0]))
    img.header.set_xyzt_units("meter")
    nib.save(img, tmp_path / "m.nii")
    parc = bio.read_parcellation(tmp_path / "m.nii", {1: "all"})
    # the header stores the affine in float32: 0.002 m is exact to ~1e-7 relative
    np.testing.assert_allclose(parc.centroids, [[1.0, 1.0, 1.0]], rtol=1e-6)
    np.testing.assert_allclose(parc.volumes, [8 * 8.0], rtol=1e-6)


def test_surface_parcellation(tmp_path):
    coords = np.array([[0, 0, 0], [2, 0, 0], [0, 2, 0], [10, 0, 0], [12, 0, 0], [10, 2, 0]], np.float32)
    faces = np.array([[0, 1, 2], [3, 4, 5]], np.int32)
    surf = nib.gifti.GiftiImage(darrays=[
        nib.gifti.GiftiDataArray(coords, intent="NIFTI_INTENT_POINTSET"),
        nib.gifti.GiftiDataArray(faces, intent="NIFTI_INTENT_TRIANGLE")])
    nib.save(surf, tmp_path / "s.surf.gii")
    table = nib.gifti.GiftiLabelTable()
    for key, name in ((0, "???"), (1, "A"), (2, "B")):
        lab = nib.gifti.GiftiLabel(key=key)
        lab.label = name
        table.labels.append(lab)
    labels = nib.gifti.GiftiImage(labeltable=table, darrays=[
        nib.gifti.GiftiDataArray(np.array([1, 1, 1, 2, 2, 2], np.int32), intent="NIFTI_INTENT_LABEL")])
    nib.save(labels, tmp_path / "l.label.gii")
    parc = bio.read_surface_parcellation(tmp_path / "l.label.gii", tmp_path / "s.surf.gii")
    assert parc.labels == ("A", "B")
    np.testing.assert_allclose(parc.centroids, [[2 / 3, 2 / 3, 0], [32 / 3, 2 / 3, 0]], atol=1e-6)
    np.testing.assert_allclose(parc.areas, [2.0, 2.0])
    labels.darrays.append(nib.gifti.GiftiDataArray(np.array([2, 2, 2, 1, 1, 1], np.int32), intent="NIFTI_INTENT_LABEL"))
    nib.save(labels, tmp_path / "two.label.gii")  # the second map was ignored
    with pytest.raises(bn.ConnectomeError, match=r"two\.label\.gii' holds 2 label arrays; a parcellation is one"):
        bio.read_surface_parcellation(tmp_path / "two.label.gii", tmp_path / "s.surf.gii")


# tractography: 10^3 voxels of 2 mm, voxel (i, j, k) centre at 2 * ijk - 10 mm
TRACT_AFFINE = np.array([[2.0, 0, 0, -10], [0, 2.0, 0, -10], [0, 0, 2.0, -10], [0, 0, 0, 1]])


def _tract_parcellation(tmp_path):
    data = np.zeros((10, 10, 10), dtype=np.int32)
    data[0:3] = 1        # x in [-10, -6] mm
    data[7:10] = 2       # x in [4, 8] mm
    data[4, 0:2] = 5     # x = -2, y in [-10, -8]
    path = tmp_path / "parc.nii.gz"
    nib.save(nib.Nifti1Image(data, TRACT_AFFINE), path)
    return bio.read_parcellation(path, {1: "A", 2: "B", 5: "C"})


STREAMLINES = [
    np.array([[-8, 0, 0], [0, 0, 0], [6, 0, 0]], np.float32),              # A-B, 14 mm
    np.array([[-8, 0, 0], [-5, 4, 0], [6, 4, 0], [6, 0, 0]], np.float32),  # A-B, 5 + 11 + 4 = 20 mm
    np.array([[6, 2, 2], [-8, 2, 2]], np.float32),                         # B-A (reversed), 14 mm
    np.array([[-8, 0, 0], [-8, -4, 0], [-2, -4, 0], [-2, -10, 0]], np.float32),  # A-C, 4 + 6 + 6 = 16 mm
    np.array([[-8, 0, 0], [-6, 0, 0]], np.float32),                        # A-A: self, not counted
    np.array([[-8, 0, 0], [0, 0, 0]], np.float32),                         # A-background: not counted
]


def _expected(conn):
    assert conn.labels == ("A", "B", "C")
    np.testing.assert_array_equal(conn.weights, [[0, 3, 1], [3, 0, 0], [1, 0, 0]])
    np.testing.assert_allclose(conn.lengths, [[0, 16, 16], [16, 0, 0], [16, 0, 0]], rtol=0, atol=1e-5)
    np.testing.assert_allclose(conn.centres[0], [-8, -1, -1])  # mean voxel (1, 4.5, 4.5)


def test_trk_streamlines_to_connectome(tmp_path):
    parc = _tract_parcellation(tmp_path)
    header = {"voxel_to_rasmm": TRACT_AFFINE, "dimensions": (10, 10, 10),
              "voxel_sizes": (2.0, 2.0, 2.0), "voxel_order": "RAS"}
    tractogram = nib.streamlines.Tractogram(STREAMLINES, affine_to_rasmm=np.eye(4))
    nib.streamlines.save(tractogram, str(tmp_path / "t.trk"), header=header)  # nibabel 5.2: a str path only
    conn, summary = bio.read_tractography(tmp_path / "t.trk", parc, return_summary=True)
    _expected(conn)
    assert conn.name == "t"
    assert summary == {"streamlines": 6, "assigned": 4, "background": 1, "outside": 0, "self": 1}


def test_tck_streamlines_to_connectome(tmp_path):
    _tract_parcellation(tmp_path)  # writes parc.nii.gz, read below by path
    tractogram = nib.streamlines.Tractogram(STREAMLINES, affine_to_rasmm=np.eye(4))
    nib.streamlines.save(tractogram, str(tmp_path / "t.tck"))
    conn = bio.read_tractography(tmp_path / "t.tck", tmp_path / "parc.nii.gz",
                                 labels={1: "A", 2: "B", 5: "C"})
    _expected(conn)


def test_trk_on_another_grid_is_refused(tmp_path):
    parc = _tract_parcellation(tmp_path)
    header = {"voxel_to_rasmm": np.diag([1.0, 1.0, 1.0, 1.0]), "dimensions": (20, 20, 20),
              "voxel_sizes": (1.0, 1.0, 1.0), "voxel_order": "RAS"}
    nib.streamlines.save(nib.streamlines.Tractogram(STREAMLINES, affine_to_rasmm=np.eye(4)),
                         str(tmp_path / "t.trk"), header=header)
    with pytest.raises(bn.ConnectomeError, match=r"t\.trk' was made on a different image grid than the "
                       r"parcellation '.*parc\.nii\.gz': trk dimensions \(20, 20, 20\)"):
        bio.read_tractography(tmp_path / "t.trk", parc)


def test_tck_in_another_space_is_refused(tmp_path):
    parc = _tract_parcellation(tmp_path)
    shifted = [s + np.float32(500) for s in STREAMLINES]
    nib.streamlines.save(nib.streamlines.Tractogram(shifted, affine_to_rasmm=np.eye(4)), str(tmp_path / "s.tck"))
    with pytest.raises(bn.ConnectomeError, match=r"only 0 of 12 streamline end points fall inside the "
                       r"parcellation's grid \(10, 10, 10\)"):
        bio.read_tractography(tmp_path / "s.tck", parc)


def test_lookup_table_names_may_hold_spaces_and_numbers(tmp_path):
    (tmp_path / "lut.txt").write_text("0 Unknown 0 0 0 0\n1 Left A 220 20 10 0\n2 Area 2 0 0 0 0\n3 Right_B\n")
    assert bio.read_label_table(tmp_path / "lut.txt") == {0: "Unknown", 1: "Left A", 2: "Area 2", 3: "Right_B"}
    (tmp_path / "lut.tsv").write_text("index\tname\n1\tLeft A\n2\tRegion 2\n")
    assert bio.read_label_table(tmp_path / "lut.tsv") == {1: "Left A", 2: "Region 2"}


def test_a_lookup_table_that_names_two_ids_alike_is_refused(tmp_path):
    (tmp_path / "lut.txt").write_text("1 Left A 0 0 0 0\n2 Left A 1 1 1 0\n3 B 0 0 0 0\n")
    with pytest.raises(bn.ConnectomeError, match=r"lut\.txt': the label table gives one name to several ids: "
                                                 r"'Left A' for ids \[1, 2\] \(lines \[1, 2\]\)\. Each region needs "
                                                 r"its own name"):
        bio.read_label_table(tmp_path / "lut.txt")
