"""bn.read_bold_image against nilearn's NiftiLabelsMasker on the same synthetic images (skipped without nilearn)."""

import warnings

import nibabel as nib
import numpy as np
import pytest

import brainnet_cb as bn
from brainnet_cb.errors import DataError

maskers = pytest.importorskip("nilearn.maskers")

AFFINE = np.array([[2.0, 0, 0, -10.0], [0, 2.0, 0, -12.0], [0, 0, 2.0, -8.0], [0, 0, 0, 1]])
NAMES = {1: "A", 2: "B", 3: "C", 7: "D"}


def _images():
    ids = np.zeros((10, 12, 8), np.int16)
    ids[:5, :6], ids[5:, :6], ids[:, 6:, :4], ids[2:4, 8:10, 5:7] = 1, 3, 2, 7
    x = np.random.default_rng(0).normal(size=ids.shape + (6,)) * 10 + 100
    img = nib.Nifti1Image(x, AFFINE)
    img.header.set_zooms((2.0, 2.0, 2.0, 800.0))
    img.header.set_xyzt_units("mm", "msec")
    return img, ids


def _nilearn_means(img, atlas):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # nilearn's notes on resampling and on its own defaults
        return maskers.NiftiLabelsMasker(atlas, strategy="mean").fit_transform(img)


def test_region_means_are_nilearns_on_the_images_grid_and_on_a_finer_atlas():
    img, ids = _images()
    y = bn.read_bold_image(img, nib.Nifti1Image(ids, AFFINE), NAMES)
    assert y.region.values.tolist() == ["A", "B", "C", "D"]  # ascending ids, as nilearn's columns
    np.testing.assert_allclose(y.values, _nilearn_means(img, nib.Nifti1Image(ids, AFFINE)), rtol=0, atol=1e-10)
    # the atlas at 1 mm, voxel centres half a millimetre inside the 2 mm voxels: nilearn resamples it to the
    # image (nearest), read_bold_image takes the atlas' voxel nearest each image voxel; the same voxels
    fine = np.repeat(np.repeat(np.repeat(ids, 2, 0), 2, 1), 2, 2)
    affine_1mm = np.diag([1.0, 1.0, 1.0, 1.0])
    affine_1mm[:3, 3] = AFFINE[:3, 3] - 0.5
    y1 = bn.read_bold_image(img, nib.Nifti1Image(fine, affine_1mm), NAMES)
    np.testing.assert_allclose(y1.values, _nilearn_means(img, nib.Nifti1Image(fine, affine_1mm)), rtol=0, atol=1e-10)
    assert y1.attrs["averaged"].tolist() == [240, 240, 240, 8]


def test_the_repetition_time_is_the_headers_in_its_unit_unless_tr_is_given():
    img, ids = _images()  # pixdim[4] = 800 in msec
    atlas = nib.Nifti1Image(ids, AFFINE)
    np.testing.assert_allclose(bn.read_bold_image(img, atlas, NAMES).time.values, 0.8 * np.arange(6), rtol=1e-15)
    np.testing.assert_allclose(bn.read_bold_image(img, atlas, NAMES, tr=2.0).time.values, 2.0 * np.arange(6))


def test_an_atlas_outside_the_images_field_of_view_is_refused_naming_the_regions():
    img, ids = _images()
    far = AFFINE.copy()
    far[:3, 3] += 500.0  # the same grid 500 mm away: no image voxel falls in any region
    with pytest.raises(DataError, match=r"^4 region\(s\) of the Nifti1Image have no voxel in the grid \(10, 12, 8\) of "
                                        r"the BOLD Nifti1Image: \['A', 'B', 'C', 'D'\] \(smaller than its voxels, or "
                                        r"outside its field of view\)\."):
        bn.read_bold_image(img, nib.Nifti1Image(ids, far), NAMES)
