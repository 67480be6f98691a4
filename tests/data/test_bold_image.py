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
    with pytest.warns(bn.SamplingIntervalWarning, match=r"^a sampling interval of 720 s: the times of an empirical "
                                                        r"series are in s\. If 720 is in ms, pass 0\.72 \(or 720 \* "
                                                        r"u\.ms, brainunit\)\.$"):
        bn.read_bold_image(img, parc, tr=720.0)
    img.header.set_zooms((2.0, 2.0, 2.0, 0.0))
    with pytest.raises(DataError, match=r"^the BOLD Nifti1Image's header gives no repetition time \(pixdim\[4\] = "
                                        r"0\); pass tr=\.\.\. in s \(e\.g\. tr=0\.72\)\.$"):
        bn.read_bold_image(img, parc)
    img.header.set_xyzt_units("mm", "hz")
    img.header.set_zooms((2.0, 2.0, 2.0, 1.0))
    with pytest.raises(DataError, match=r"^the BOLD Nifti1Image's fourth axis is in 'hz', not time; pass tr=\.\.\. "
                                        r"\(s\) if its volumes are a time series\.$"):
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
    with pytest.raises(DataError, match=r"^the BOLD Nifti1Image must be a 4-D image \(x, y, z, time\) with two or "
                                        r"more volumes; got shape \(6, 5, 4\)\. A single volume has no time "
                                        r"series\.$"):
        bn.read_bold_image(nib.Nifti1Image(np.zeros(ids.shape), AFFINE_2MM), parc)
    with pytest.raises(DataError, match=r"BOLD image file not found: '.*missing\.nii\.gz'"):
        bn.read_bold_image(tmp_path / "missing.nii.gz", parc)
    with pytest.raises(DataError, match=r"bold must be a NIfTI or CIFTI-2 file or a nibabel image; got ndarray"):
        bn.read_bold_image(np.zeros((2, 2, 2, 3)), parc)
    with pytest.raises(DataError, match=r"^labels name the regions of a parcellation read here; a Parcellation has "
                                        r"its own\. Pass labels to bn\.io\.read_parcellation instead\.$"):
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


# ----------------------------------------------------------------------------- GIFTI
LH_TABLE = {0: "???", 1: "A", 2: "B", 7: "Medial_Wall", 9: "unused"}  # 9: in the table, on no vertex
RH_TABLE = {0: "Unknown", 1: "A", 3: "C"}
LH_KEYS = np.array([1, 1, 1, 1, 2, 2, 2, 2, 2, 0, 0, 7])  # 12 vertices, 3 of them medial wall
RH_KEYS = np.array([3, 3, 1, 1, 1, 3, 3, 0, 1, 3])  # 10 vertices


def _label_gii(keys, table, structure=None):
    labels = nib.gifti.GiftiLabelTable()
    for key, name in table.items():
        label = nib.gifti.GiftiLabel(key=key, red=0.5, green=0.5, blue=0.5, alpha=1.0)
        label.label = name
        labels.labels.append(label)
    meta = nib.gifti.GiftiMetaData(AnatomicalStructurePrimary=structure) if structure else None
    return nib.gifti.GiftiImage(labeltable=labels, meta=meta, darrays=[nib.gifti.GiftiDataArray(
        keys.astype(np.int32), intent="NIFTI_INTENT_LABEL", datatype="NIFTI_TYPE_INT32")])


def _func_gii(x, time_step=None, two_d=False, structure=None):
    """x (vertex, time) as one 1-D float32 array per time point (or one 2-D array), TimeStep (ms) on the first."""
    meta = {} if time_step is None else {"TimeStep": time_step}
    x = np.asarray(x, np.float32)  # GIFTI's one float type
    cols = [x] if two_d else [x[:, t] for t in range(x.shape[1])]
    arrays = [nib.gifti.GiftiDataArray(c, intent="NIFTI_INTENT_TIME_SERIES", datatype="NIFTI_TYPE_FLOAT32",
                                       meta=nib.gifti.GiftiMetaData(**(meta if k == 0 else {})))
              for k, c in enumerate(cols)]
    file_meta = nib.gifti.GiftiMetaData(AnatomicalStructurePrimary=structure) if structure else None
    return nib.gifti.GiftiImage(darrays=arrays, meta=file_meta)


def _vertex_series(keys, signals, rng):
    """Each region's vertices: its signal plus a pattern with zero mean over the region; elsewhere NaN and noise."""
    x = rng.normal(scale=50.0, size=(keys.size, signals.shape[0]))
    x[keys == 0, 0] = np.nan  # the medial wall's NaN must not reach any region
    for k, key in enumerate(sorted(set(keys.tolist()) - {0, 7})):
        inside = keys == key
        pattern = rng.normal(size=(int(inside.sum()), signals.shape[0]))
        x[inside] = signals[:, k] + pattern - pattern.mean(axis=0)
    return x


def test_gifti_series_of_both_hemispheres_are_averaged_over_each_labels_vertices(tmp_path):
    rng = np.random.default_rng(9)
    lh_signals, rh_signals = rng.normal(size=(25, 2)), rng.normal(size=(25, 2))
    lh, rh = _vertex_series(LH_KEYS, lh_signals, rng), _vertex_series(RH_KEYS, rh_signals, rng)
    nib.save(_func_gii(lh, "720.000000", structure="CortexLeft"), tmp_path / "lh.func.gii")
    nib.save(_func_gii(rh, "720.000000"), tmp_path / "rh.func.gii")
    nib.save(_label_gii(LH_KEYS, LH_TABLE, "CortexLeft"), tmp_path / "lh.label.gii")
    nib.save(_label_gii(RH_KEYS, RH_TABLE), tmp_path / "rh.label.gii")
    y = bn.read_bold_image({"left": tmp_path / "lh.func.gii", "right": tmp_path / "rh.func.gii"},
                           {"right": tmp_path / "rh.label.gii", "left": tmp_path / "lh.label.gii"})
    # "A" is in both hemispheres, so every region takes FreeSurfer's hemisphere prefix; key 7 is the medial wall
    assert y.region.values.tolist() == ["ctx-lh-A", "ctx-lh-B", "ctx-rh-A", "ctx-rh-C"]
    lh32, rh32 = lh.astype(np.float32).astype(float), rh.astype(np.float32).astype(float)  # the values in the files
    expected = np.stack([x[keys == k].mean(axis=0) for x, keys, k in
                         ((lh32, LH_KEYS, 1), (lh32, LH_KEYS, 2), (rh32, RH_KEYS, 1), (rh32, RH_KEYS, 3))], axis=1)
    np.testing.assert_allclose(y.values, expected, rtol=0, atol=1e-12)
    np.testing.assert_allclose(y.values, np.hstack([lh_signals, rh_signals]), rtol=0, atol=1e-5)
    assert float(y.time[1]) == 0.72 and y.time.attrs["units"] == "s"
    assert y.attrs["averaged"].tolist() == [4, 5, 4, 5]


def test_a_2d_gifti_array_and_distinct_names_are_read_as_they_are(tmp_path, monkeypatch):
    rng = np.random.default_rng(10)
    signals = rng.normal(size=(8, 2))
    lh = _vertex_series(LH_KEYS, signals, rng)
    table = {0: "???", 1: "L_A", 2: "L_B", 7: "Medial_Wall"}
    rh_table = {0: "???", 1: "R_A", 3: "R_C"}
    data = {"left": _func_gii(lh, two_d=True), "right": _func_gii(rng.normal(size=(10, 8)), two_d=True)}
    parc = {"left": _label_gii(LH_KEYS, table), "right": _label_gii(RH_KEYS, rh_table)}
    y = bn.read_bold_image(data, parc, tr=2.0)
    assert y.region.values.tolist() == ["L_A", "L_B", "R_A", "R_C"] and float(y.time[1]) == 2.0
    lh32 = lh.astype(np.float32).astype(float)
    np.testing.assert_allclose(y.values[:, :2], np.stack([lh32[LH_KEYS == k].mean(axis=0) for k in (1, 2)], axis=1),
                               rtol=0, atol=1e-12)
    np.testing.assert_allclose(y.values[:, :2], signals, rtol=0, atol=1e-5)
    assert y.attrs["source"] == "the left BOLD GiftiImage and the right BOLD GiftiImage"
    left = bn.read_bold_image({"left": data["left"]}, {"left": parc["left"]}, tr=2.0)  # one hemisphere
    assert left.region.values.tolist() == ["L_A", "L_B"] and np.array_equal(left.values, y.values[:, :2])
    monkeypatch.setattr(bold_image, "_BLOCK_BYTES", 1)  # one time point per block
    assert np.array_equal(bn.read_bold_image(data, parc, tr=2.0).values, y.values)
    per_time = {"left": _func_gii(lh), "right": _func_gii(data["right"].darrays[0].data)}
    assert np.array_equal(bn.read_bold_image(per_time, parc, tr=2.0).values, y.values)


def test_a_surface_parcellation_object_parcellates_a_gifti_series(tmp_path):
    rng = np.random.default_rng(11)
    signals = rng.normal(size=(6, 2))
    lh = _vertex_series(LH_KEYS, signals, rng)
    coords = rng.normal(size=(12, 3)).astype(np.float32)
    faces = np.array([[k, k + 1, k + 2] for k in range(10)], np.int32)
    nib.save(nib.gifti.GiftiImage(darrays=[nib.gifti.GiftiDataArray(coords, intent="NIFTI_INTENT_POINTSET"),
                                           nib.gifti.GiftiDataArray(faces, intent="NIFTI_INTENT_TRIANGLE")]),
             tmp_path / "lh.surf.gii")
    nib.save(_label_gii(LH_KEYS, {0: "???", 1: "A", 2: "B", 7: "Medial_Wall"}), tmp_path / "lh.label.gii")
    parc = bn.io.read_surface_parcellation(tmp_path / "lh.label.gii", tmp_path / "lh.surf.gii")
    y = bn.read_bold_image({"left": _func_gii(lh)}, {"left": parc}, tr=0.8)
    assert y.region.values.tolist() == ["A", "B"]
    lh32 = lh.astype(np.float32).astype(float)
    np.testing.assert_allclose(y.values, np.stack([lh32[LH_KEYS == k].mean(axis=0) for k in (1, 2)], axis=1),
                               rtol=0, atol=1e-12)


def test_gifti_inputs_that_do_not_fit_are_named(tmp_path):
    rng = np.random.default_rng(12)
    lh, rh = rng.normal(size=(12, 4)), rng.normal(size=(10, 4))
    lh_labels, rh_labels = _label_gii(LH_KEYS, LH_TABLE), _label_gii(RH_KEYS, RH_TABLE)
    both = {"left": lh_labels, "right": rh_labels}
    series = {"left": _func_gii(lh, "2000"), "right": _func_gii(rh, "2000")}

    def refused(match, data=series, parc=both, **kw):
        with pytest.raises(DataError, match=match):
            bn.read_bold_image(data, parc, **kw)

    refused(r"a GIFTI time series is given by hemisphere, \{'left': \.\.\., 'right': \.\.\.\} \(one or both\); got "
            r"the keys \['lh'\]", {"lh": series["left"]})
    refused(r"a GIFTI time series of \['left', 'right'\] is parcellated by one label file \(\.label\.gii\) per "
            r"hemisphere, \{'left': \.\.\., 'right': \.\.\.\}; got the keys \['left'\]", parc={"left": lh_labels})
    refused(r"a GIFTI time series of \['left', 'right'\] is parcellated by one label file \(\.label\.gii\) per "
            r"hemisphere, \{'left': \.\.\., 'right': \.\.\.\}; got str", parc="lh.label.gii")
    refused(r"labels name the regions of a NIfTI parcellation; a GIFTI label file \(\.label\.gii\) names its own",
            labels={1: "A"})
    nib.save(series["left"], tmp_path / "lh.func.gii")
    with pytest.raises(DataError, match=r"bold is '.*lh\.func\.gii', a GIFTI file of one hemisphere; pass a GIFTI "
                                        r"time series and its label files by hemisphere: bn\.read_bold_image\("):
        bn.read_bold_image(tmp_path / "lh.func.gii", tmp_path / "lh.label.gii")
    with pytest.raises(DataError, match=r"bold is a GiftiImage, a GIFTI file of one hemisphere"):
        bn.read_bold_image(series["left"], lh_labels)
    refused(r"'lh\.aparc\.annot' is a FreeSurfer \.annot file, which is not read here; convert it to GIFTI first "
            r"\(mris_convert --annot", parc={"left": "lh.aparc.annot", "right": rh_labels})
    refused(r"the right parcellation must be a GIFTI label file \(\.label\.gii\), a GiftiImage or a surface "
            r"Parcellation; got ndarray", parc={"left": lh_labels, "right": RH_KEYS})
    refused(r"the left BOLD series must be a GIFTI file \(\.func\.gii\) or a GiftiImage; got ndarray",
            {"left": lh, "right": series["right"]})
    refused(r"left BOLD GIFTI file not found: '.*missing\.func\.gii'",
            {"left": tmp_path / "missing.func.gii", "right": series["right"]})
    refused(r"the left BOLD GiftiImage has 12 vertices and its labels, the left label GiftiImage, 10: they are on "
            r"different meshes "
            r"\(e\.g\. fsaverage5 against fsaverage\)", parc={"left": rh_labels, "right": rh_labels})
    refused(r"the left BOLD GiftiImage is a label file \(NIFTI_INTENT_LABEL\), not a time series",
            {"left": lh_labels, "right": series["right"]})
    refused(r"the right BOLD GiftiImage holds 1 time point; a time series needs two or more",
            {"left": series["left"], "right": _func_gii(rh[:, :1])})
    ragged = nib.gifti.GiftiImage(darrays=[nib.gifti.GiftiDataArray(lh[:, 0].astype(np.float32)),
                                          nib.gifti.GiftiDataArray(lh[:5, 1].astype(np.float32))])
    refused(r"the left BOLD GiftiImage holds 2 data arrays of shapes \[\(12,\), \(5,\)\]; a GIFTI time series is one "
            r"1-D array \(a value per vertex\) per time point, or one 2-D array \(vertex, time\)",
            {"left": ragged, "right": series["right"]})
    refused(r"the hemispheres' time series have different lengths: \{'left': 4, 'right': 3\} time points",
            {"left": series["left"], "right": _func_gii(rh[:, :3], "2000")})
    refused(r"no repetition time in the left BOLD GiftiImage or the right BOLD GiftiImage \(no TimeStep "
            r"metadata, or 0\); pass tr=\.\.\. in s \(e\.g\. tr=0\.72\)", {"left": _func_gii(lh, "0.000000"),
                                                                            "right": _func_gii(rh)})
    refused(r"the left BOLD GiftiImage's TimeStep metadata is '0\.72': read in ms \(FreeSurfer's unit\) that is no "
            r"repetition time of BOLD \(under 50 ms; a value in s\?\); pass tr=\.\.\. in s",
            {"left": _func_gii(lh, "0.72"), "right": series["right"]})
    refused(r"the right BOLD GiftiImage's TimeStep metadata is 'two', not a number; pass tr=\.\.\. in s",
            {"left": series["left"], "right": _func_gii(rh, "two")})
    refused(r"the hemispheres' TimeStep metadata disagree \(\{'the left BOLD GiftiImage': 2000\.0, 'the right BOLD "
            r"GiftiImage': 720\.0\}, ms\); pass tr=\.\.\. in s", {"left": series["left"], "right": _func_gii(rh, "720")})
    assert float(bn.read_bold_image({"left": series["left"], "right": _func_gii(rh, "720")}, both, tr=1.0).time[1]) \
        == 1.0  # tr overrides the files' TimeStep
    for bad in ("0.72", "two"):  # tr= is the fix those refusals name: it was refused again by the same message
        assert float(bn.read_bold_image({"left": _func_gii(lh, bad), "right": series["right"]}, both, tr=0.72)
                     .time[1]) == 0.72
    refused(r"the right BOLD GiftiImage is given as the right hemisphere but its AnatomicalStructurePrimary is "
            r"CortexLeft; swap the files", {"left": series["left"], "right": _func_gii(rh, "2000", structure="CortexLeft")})
    refused(r"the left label GiftiImage is given as the left hemisphere but its AnatomicalStructurePrimary is CortexRight",
            parc={"left": _label_gii(LH_KEYS, LH_TABLE, "CortexRight"), "right": rh_labels})
    refused(r"the left label GiftiImage: keys \[2, 7\] are on the mesh but not in its label table",
            parc={"left": _label_gii(LH_KEYS, {0: "???", 1: "A"}), "right": rh_labels})
    refused(r"the left label GiftiImage: the label table gives one name to several keys: \['A'\]; each region needs its own",
            parc={"left": _label_gii(LH_KEYS, {0: "???", 1: "A", 2: "A", 7: "x"}), "right": rh_labels})
    refused(r"the left label GiftiImage: every vertex is background \(key 0\) or medial wall; no regions",
            parc={"left": _label_gii(np.where(LH_KEYS > 0, 7, 0), LH_TABLE), "right": rh_labels})
    with pytest.raises(bn.ConnectomeError, match=r"the GiftiImage holds 2 label arrays; a parcellation is one"):
        two = _label_gii(LH_KEYS, LH_TABLE)
        two.add_gifti_data_array(two.darrays[0])
        bn.read_bold_image(series, {"left": two, "right": rh_labels})
    with pytest.raises(bn.ConnectomeError, match=r"left GIFTI label file not found: '.*lh\.label\.gii'"):
        bn.read_bold_image(series, {"left": tmp_path / "lh.label.gii", "right": rh_labels})
    nan = lh.copy()
    nan[5, 2] = np.nan  # a vertex of region B
    refused(r"the time series \(the left BOLD GiftiImage, the right BOLD GiftiImage\) has non-finite values \(NaN or "
            r"inf\) in 1 "
            r"region\(s\): \['ctx-lh-B'\]\. Mask or fill them", {"left": _func_gii(nan, "2000"),
                                                                 "right": series["right"]})
