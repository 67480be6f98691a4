"""bn.read_bold_image: region means of a 4-D NIfTI image over a parcellation, against independent references."""

import nibabel as nib
import nibabel.processing
import numpy as np
import pytest
from nibabel.cifti2 import cifti2_axes

import brainnet_cb as bn
from brainnet_cb.data import bold_image
from brainnet_cb.errors import DataError
from brainnet_cb.io import Parcellation, read_parcellation

AFFINE_2MM = np.array([[2.0, 0, 0, -10.0], [0, 2.0, 0, -20.0], [0, 0, 2.0, 4.0], [0, 0, 0, 1]])
NAMES = {3: "ctx-lh-A", 5: "ctx-rh-A", 9: "Thalamus"}


def _atlas_2mm():
    ids = np.zeros((6, 5, 4), np.int16)
    ids[:3, :, :2] = 3
    ids[3:, :, :2] = 5
    ids[1:5, 1:4, 2:] = 9
    return ids


def _bold_image(ids, signals, rng, tr=0.72):
    """Voxel values: the region's signal plus a pattern with zero mean over the region; background noise."""
    x = rng.normal(scale=50.0, size=ids.shape + (signals.shape[0],))
    for k, i in enumerate(sorted(NAMES)):
        inside = ids == i
        pattern = rng.normal(size=(int(inside.sum()), signals.shape[0]))
        x[inside] = signals[:, k] + pattern - pattern.mean(axis=0)
    img = nib.Nifti1Image(x, AFFINE_2MM)
    img.header.set_zooms((2.0, 2.0, 2.0, tr))
    img.header.set_xyzt_units("mm", "sec")
    return img


def test_region_means_of_a_written_image_are_the_regions_signals(tmp_path):
    rng = np.random.default_rng(0)
    ids = _atlas_2mm()
    signals = rng.normal(size=(40, 3))
    nib.save(_bold_image(ids, signals, rng), tmp_path / "bold.nii.gz")
    nib.save(nib.Nifti1Image(ids, AFFINE_2MM), tmp_path / "atlas.nii.gz")
    y = bn.read_bold_image(tmp_path / "bold.nii.gz", tmp_path / "atlas.nii.gz", NAMES)
    assert y.dims == ("time", "region") and y.region.values.tolist() == ["ctx-lh-A", "ctx-rh-A", "Thalamus"]
    np.testing.assert_allclose(y.values, signals, rtol=0, atol=1e-12)  # background (sd 50) does not leak in
    np.testing.assert_allclose(y.time.values, 0.72 * np.arange(40), rtol=1e-12)
    assert y.time.attrs["units"] == "s" and y.attrs["averaged"].tolist() == [int((ids == i).sum()) for i in (3, 5, 9)]


def test_an_atlas_on_a_finer_grid_gives_the_means_of_nibabels_nearest_resampling():
    rng = np.random.default_rng(1)
    fine = np.zeros((12, 10, 8), np.int16)  # 1 mm, same origin: every 2-mm voxel centre is a 1-mm voxel centre
    fine[:6, :, :4], fine[6:, :, :4], fine[2:10, 2:8, 4:] = 3, 5, 9
    fine[rng.random(fine.shape) < 0.2] = 0  # ragged edges: which coarse voxel a region keeps is not trivial
    affine_1mm = AFFINE_2MM.copy()
    affine_1mm[:3, :3] = np.eye(3)
    atlas = nib.Nifti1Image(fine, affine_1mm)
    x = rng.normal(size=(6, 5, 4, 12))
    img = nib.Nifti1Image(x, AFFINE_2MM)
    img.header.set_zooms((2.0, 2.0, 2.0, 2.0))
    y = bn.read_bold_image(img, read_parcellation(atlas, NAMES))
    coarse = np.asarray(nibabel.processing.resample_from_to(atlas, (x.shape[:3], AFFINE_2MM), order=0).dataobj)
    expected = np.stack([x[coarse == i].mean(axis=0) for i in sorted(NAMES)], axis=1)
    np.testing.assert_allclose(y.values, expected, rtol=0, atol=1e-12)


def test_blocks_of_volumes_give_the_same_series(monkeypatch):
    rng = np.random.default_rng(2)
    ids = _atlas_2mm()
    img = _bold_image(ids, rng.normal(size=(9, 3)), rng)
    parc = read_parcellation(nib.Nifti1Image(ids, AFFINE_2MM), NAMES)
    whole = bn.read_bold_image(img, parc)
    monkeypatch.setattr(bold_image, "_BLOCK_BYTES", 1)  # one volume per block
    assert np.array_equal(bn.read_bold_image(img, parc).values, whole.values)


def test_the_repetition_time_comes_from_the_header_in_its_unit_or_from_tr():
    rng = np.random.default_rng(3)
    ids = _atlas_2mm()
    parc = read_parcellation(nib.Nifti1Image(ids, AFFINE_2MM), NAMES)
    img = _bold_image(ids, rng.normal(size=(5, 3)), rng)
    img.header.set_xyzt_units("mm", "msec")
    img.header.set_zooms((2.0, 2.0, 2.0, 720.0))
    assert float(bn.read_bold_image(img, parc).time[1]) == 0.72
    assert float(bn.read_bold_image(img, parc, tr=2.0).time[1]) == 2.0
    with pytest.warns(bn.SamplingIntervalWarning, match="720"):
        bn.read_bold_image(img, parc, tr=720.0)
    img.header.set_zooms((2.0, 2.0, 2.0, 0.0))
    with pytest.raises(DataError, match=r"header gives no repetition time \(pixdim\[4\] = 0\); pass tr=\.\.\. in s"):
        bn.read_bold_image(img, parc)
    img.header.set_xyzt_units("mm", "hz")
    img.header.set_zooms((2.0, 2.0, 2.0, 1.0))
    with pytest.raises(DataError, match=r"fourth axis is in 'hz', not time"):
        bn.read_bold_image(img, parc)


def test_fc_of_the_series_aligns_with_a_connectome_of_the_same_parcellation():
    rng = np.random.default_rng(4)
    ids = _atlas_2mm()
    y = bn.read_bold_image(_bold_image(ids, rng.normal(size=(60, 3)), rng), nib.Nifti1Image(ids, AFFINE_2MM), NAMES)
    fc = bn.fc(y)
    conn = bn.Connectome(np.ones((3, 3)) - np.eye(3), np.full((3, 3), 10.0), labels=["Thalamus", "ctx-lh-A", "ctx-rh-A"])
    aligned = bn.align(fc, conn)
    assert float(aligned.sel(region_i="Thalamus", region_j="ctx-lh-A")) == pytest.approx(
        np.corrcoef(y.sel(region="Thalamus"), y.sel(region="ctx-lh-A"))[0, 1], abs=1e-12)


def test_bad_inputs_are_named(tmp_path):
    rng = np.random.default_rng(5)
    ids = _atlas_2mm()
    parc = read_parcellation(nib.Nifti1Image(ids, AFFINE_2MM), NAMES)
    img = _bold_image(ids, rng.normal(size=(4, 3)), rng)
    with pytest.raises(DataError, match=r"must be a 4-D image \(x, y, z, time\) with two or more volumes; got shape "
                                        r"\(6, 5, 4\)"):
        bn.read_bold_image(nib.Nifti1Image(np.zeros(ids.shape), AFFINE_2MM), parc)
    with pytest.raises(DataError, match=r"BOLD image file not found: '.*missing\.nii\.gz'"):
        bn.read_bold_image(tmp_path / "missing.nii.gz", parc)
    with pytest.raises(DataError, match=r"bold must be a NIfTI or CIFTI-2 file or a nibabel image; got ndarray"):
        bn.read_bold_image(np.zeros((2, 2, 2, 3)), parc)
    with pytest.raises(DataError, match=r"a Parcellation has its own"):
        bn.read_bold_image(img, parc, NAMES)
    surface = Parcellation(parc.ids, parc.labels, parc.centroids, None, None, np.array([3, 5, 9]), "'lh.label.gii'")
    with pytest.raises(DataError, match=r"'lh.label.gii' is a surface parcellation"):
        bn.read_bold_image(img, surface)
    small = np.zeros((12, 10, 8), np.int16)  # 1 mm; region 9 is one voxel between the 2-mm voxel centres
    small[:6], small[6:], small[5, 5, 5] = 3, 5, 9
    affine_1mm = AFFINE_2MM.copy()
    affine_1mm[:3, :3] = np.eye(3)
    with pytest.raises(DataError, match=r"1 region\(s\) of the Nifti1Image have no voxel in the grid \(6, 5, 4\) of "
                                        r"the BOLD Nifti1Image: \['Thalamus'\] \(smaller than its voxels"):
        bn.read_bold_image(img, nib.Nifti1Image(small, affine_1mm), NAMES)
    data = np.asarray(img.dataobj).copy()
    data[np.argwhere(ids == 5)[0][0], np.argwhere(ids == 5)[0][1], np.argwhere(ids == 5)[0][2], 2] = np.nan
    with pytest.raises(DataError, match=r"non-finite values \(NaN or inf\) in 1 region\(s\): \['ctx-rh-A'\]"):
        bn.read_bold_image(nib.Nifti1Image(data, AFFINE_2MM), parc)


# ----------------------------------------------------------------------------- CIFTI-2
CIFTI_TABLE = {0: ("???", (0, 0, 0, 0)), 1: ("L_A", (1, 0, 0, 1)), 2: ("L_B", (0, 1, 0, 1)),
               3: ("R_A", (0, 0, 1, 1)), 4: ("THAL_L", (1, 1, 0, 1))}
THALAMUS = np.array([[1, 1, 1], [1, 2, 1], [2, 1, 1]])


def _series_models():
    """The series' grayordinates: left cortex without its medial wall (vertices 10, 11), right cortex, thalamus."""
    mask = np.zeros((4, 4, 4), bool)
    mask[tuple(THALAMUS.T)] = True
    return (cifti2_axes.BrainModelAxis.from_surface(np.arange(10), 12, name="CortexLeft")
            + cifti2_axes.BrainModelAxis.from_surface(np.arange(8), 8, name="CortexRight")
            + cifti2_axes.BrainModelAxis.from_mask(mask, name="ThalamusLeft", affine=np.diag([2.0, 2, 2, 1])))


def _label_file(path, maps=1):
    """A dense label file on the whole left mesh (medial wall unlabelled) and the same right cortex and thalamus."""
    mask = np.zeros((4, 4, 4), bool)
    mask[tuple(THALAMUS.T)] = True
    models = (cifti2_axes.BrainModelAxis.from_surface(np.arange(12), 12, name="CortexLeft")
              + cifti2_axes.BrainModelAxis.from_surface(np.arange(8), 8, name="CortexRight")
              + cifti2_axes.BrainModelAxis.from_mask(mask, name="ThalamusLeft", affine=np.diag([2.0, 2, 2, 1])))
    keys = np.array([1] * 5 + [2] * 5 + [0, 0] + [3] * 8 + [4] * 3)
    axis = cifti2_axes.LabelAxis([f"map{k}" for k in range(maps)], [CIFTI_TABLE] * maps)
    img = nib.Cifti2Image(np.tile(keys, (maps, 1)).astype(np.int32), header=(axis, models))
    img.nifti_header.set_intent("ConnDenseLabel")
    nib.save(img, path)
    return keys


def test_a_dense_cifti_series_is_averaged_over_the_grayordinates_of_each_label(tmp_path):
    rng = np.random.default_rng(6)
    models = _series_models()
    keys = _label_file(tmp_path / "parc.dlabel.nii")
    series_keys = np.concatenate([keys[:10], keys[12:]])  # the series has no medial-wall vertices
    signals = rng.normal(size=(30, 4))
    x = rng.normal(size=(30, len(models)))
    for k in range(4):
        members = series_keys == k + 1
        x[:, members] = signals[:, [k]] + x[:, members] - x[:, members].mean(axis=1, keepdims=True)
    img = nib.Cifti2Image(x, header=(cifti2_axes.SeriesAxis(0.0, 0.72, 30, unit="second"), models))
    img.nifti_header.set_intent("ConnDenseSeries")
    nib.save(img, tmp_path / "rest.dtseries.nii")
    y = bn.read_bold_image(tmp_path / "rest.dtseries.nii", tmp_path / "parc.dlabel.nii")
    assert y.region.values.tolist() == ["L_A", "L_B", "R_A", "THAL_L"]
    np.testing.assert_allclose(y.values, signals, rtol=0, atol=1e-12)
    assert float(y.time[1]) == 0.72 and y.attrs["averaged"].tolist() == [5, 5, 8, 3]


def test_a_parcellated_cifti_series_is_read_as_its_parcels(tmp_path):
    rng = np.random.default_rng(7)
    models = _series_models()
    parcels = cifti2_axes.ParcelsAxis.from_brain_models([("V1_L", models[:5]), ("V1_R", models[10:18])])
    x = rng.normal(size=(12, 2))
    img = nib.Cifti2Image(x, header=(cifti2_axes.SeriesAxis(0.0, 2.0, 12, unit="second"), parcels))
    img.nifti_header.set_intent("ConnParcelSries")
    nib.save(img, tmp_path / "rest.ptseries.nii")
    y = bn.read_bold_image(tmp_path / "rest.ptseries.nii")
    assert y.region.values.tolist() == ["V1_L", "V1_R"] and float(y.time[1]) == 2.0
    assert np.array_equal(y.values, x)


def test_cifti_inputs_that_do_not_fit_are_named(tmp_path):
    rng = np.random.default_rng(8)
    models = _series_models()
    dense = nib.Cifti2Image(rng.normal(size=(5, len(models))),
                            header=(cifti2_axes.SeriesAxis(0.0, 0.72, 5, unit="second"), models))
    _label_file(tmp_path / "two.dlabel.nii", maps=2)
    with pytest.raises(DataError, match=r"holds 2 label maps \(\['map0', 'map1'\]\); pass a file with the one"):
        bn.read_bold_image(dense, tmp_path / "two.dlabel.nii")
    with pytest.raises(DataError, match=r"is a dense time series \(grayordinates\); pass the parcellation as a dense "
                                        r"label file"):
        bn.read_bold_image(dense)
    with pytest.raises(DataError, match=r"parcellated by a CIFTI dense label file \(\.dlabel\.nii\); got the "
                                        r"Nifti1Image"):
        bn.read_bold_image(dense, nib.Nifti1Image(np.ones((4, 4, 4), np.int16), np.eye(4)))
    scalars = nib.Cifti2Image(rng.normal(size=(2, len(models))), header=(cifti2_axes.ScalarAxis(["a", "b"]), models))
    with pytest.raises(DataError, match=r"is a CIFTI-2 ScalarAxis file, not a time series"):
        bn.read_bold_image(scalars, tmp_path / "two.dlabel.nii")
    other_mesh = cifti2_axes.BrainModelAxis.from_surface(np.arange(10), 32492, name="CortexLeft")
    on_other_mesh = nib.Cifti2Image(rng.normal(size=(5, 10)),
                                    header=(cifti2_axes.SeriesAxis(0.0, 0.72, 5, unit="second"), other_mesh))
    _label_file(tmp_path / "parc.dlabel.nii")
    with pytest.raises(DataError, match=r"CORTEX_LEFT has 12 vertices, the BOLD Cifti2Image's 32492: they are on "
                                        r"different meshes"):
        bn.read_bold_image(on_other_mesh, tmp_path / "parc.dlabel.nii")
    left_only = nib.Cifti2Image(rng.normal(size=(5, 10)),
                                header=(cifti2_axes.SeriesAxis(0.0, 0.72, 5, unit="second"), models[:10]))
    with pytest.raises(DataError, match=r"2 region\(s\) of '.*parc\.dlabel\.nii' have no grayordinate of the BOLD "
                                        r"Cifti2Image: \['R_A', 'THAL_L'\]"):
        bn.read_bold_image(left_only, tmp_path / "parc.dlabel.nii")
