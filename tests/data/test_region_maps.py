"""Region values painted back onto a parcellation (bn.io.region_map / region_image): the inverse of the region
means that read_bold_image and nilearn's NiftiLabelsMasker take."""

import warnings

import nibabel as nib
import numpy as np
import pytest
import xarray as xr

import brainnet_cb as bn
from brainnet_cb.errors import ConnectomeError

AFFINE = np.diag([2.0, 2.0, 2.0, 1.0])
AFFINE[:3, 3] = [-10.0, -12.0, -8.0]
NAMES = {3: "A", 7: "B", 9: "C"}


def _parcellation():
    ids = np.zeros((6, 5, 4), dtype=np.int16)
    ids[:2, :, :2], ids[2:5, :3], ids[5, 1:, 1:] = 3, 7, 9  # uneven sizes; background around them
    return bn.io.read_parcellation(nib.Nifti1Image(ids, AFFINE), NAMES), ids


def test_every_voxel_of_a_region_takes_its_value_and_the_rest_the_background():
    parc, ids = _parcellation()
    img = bn.io.region_image([0.5, -1.25, 3.0], parc, background=np.nan)
    data = img.get_fdata()
    assert img.shape == ids.shape and np.array_equal(img.affine, AFFINE)
    for value, key in zip([0.5, -1.25, 3.0], [3, 7, 9]):
        assert np.all(data[ids == key] == value)
    assert np.isnan(data[ids == 0]).all() and (ids == 0).sum() > 0
    assert img.header.get_xyzt_units() == ("mm", "sec")


def test_a_series_goes_back_through_read_bold_image_exactly_with_its_sampling_period():
    parc, _ = _parcellation()
    rng = np.random.default_rng(0)
    series = xr.DataArray(rng.normal(size=(7, 3)), dims=("time_bold", "region"),
                          coords={"time_bold": ("time_bold", 720.0 * np.arange(1, 8), {"units": "ms"}),
                                  "region": ["A", "B", "C"]})
    img = bn.io.region_image(series, parc)
    assert img.shape == (6, 5, 4, 7) and img.header.get_zooms() == (2.0, 2.0, 2.0, 0.72)
    back = bn.read_bold_image(img, parc)
    # the mean of a region's equal values: exact but for the rounding of the sum
    np.testing.assert_allclose(back.transpose(..., "region").values, series.values, rtol=4e-15, atol=0)
    assert list(back["region"].values) == ["A", "B", "C"]


def test_labels_are_aligned_and_disagreements_named():
    parc, ids = _parcellation()
    shuffled = xr.DataArray([3.0, 1.0, 2.0], dims="region", coords={"region": ["C", "A", "B"]})
    np.testing.assert_array_equal(bn.io.region_map(shuffled, parc), bn.io.region_map([1.0, 2.0, 3.0], parc))
    other = xr.DataArray([1.0, 2.0, 5.0], dims="region", coords={"region": ["A", "B", "D"]})
    with pytest.raises(ConnectomeError, match=r"^region values and parcellation disagree: 1 region\(s\) of the "
                                              r"parcellation have no value \(\['C'\]\); 1 value\(s\) name no region of "
                                              r"it \(\['D'\]\)\. Give one value per region of the Nifti1Image, e\.g\. "
                                              r"da\.reindex\(region=list\(parcellation\.labels\), fill_value=0\.0\)"):
        bn.io.region_map(other, parc)


def test_a_surface_parcellation_gives_one_value_per_vertex_and_no_image():
    parc, ids = _parcellation()
    surface = bn.io.Parcellation(ids=parc.ids, labels=parc.labels, centroids=parc.centroids, volumes=None,
                                 affine=None, data=ids.ravel(), source="lh.label.gii")
    values = bn.io.region_map([1.0, 2.0, 3.0], surface)
    np.testing.assert_array_equal(values, bn.io.region_map([1.0, 2.0, 3.0], parc).ravel())
    with pytest.raises(ConnectomeError, match=r"^lh\.label\.gii is a surface parcellation: it has no voxel grid "
                                              r"for a NIfTI image\. Use bn\.io\.region_map\(values, parcellation\)"):
        bn.io.region_image([1.0, 2.0, 3.0], surface)


@pytest.mark.parametrize("values, message", [
    ([1.0, 2.0], r"^region values must have shape \(3,\) \(one per region of the Nifti1Image, in its order: "
                 r"parcellation\.labels\) or \(samples, 3\); got shape \(2,\)\.$"),
    (np.ones((2, 2, 3)), r"got shape \(2, 2, 3\)\.$"),
    (["a", "b", "c"], r"^region values must be numbers, one per region \(3\); got list\.$"),
    (xr.DataArray(np.ones((2, 3)), dims=("time", "sensor")),
     r"^region values as a DataArray need a region dimension \(and at most a time one\); got dims "
     r"\('time', 'sensor'\)\."),
])
def test_bad_values_are_named(values, message):
    with pytest.raises(ConnectomeError, match=message):
        bn.io.region_map(values, _parcellation()[0])


def test_a_quantity_and_a_bad_tr_are_refused():
    import brainunit as u

    parc, _ = _parcellation()
    with pytest.raises(ConnectomeError, match=r"^region values must be plain numbers \(an image holds no unit\); "
                                              r"got a quantity in .*Pass values\.mantissa"):
        bn.io.region_image([1.0, 2.0, 3.0] * u.mV, parc)
    with pytest.raises(ConnectomeError, match=r"^tr must be a positive number of seconds; got -1\.0\.$"):
        bn.io.region_image(np.ones((4, 3)), parc, tr=-1.0)
    assert bn.io.region_image(np.ones((4, 3)), parc, tr=2.0).header.get_zooms()[3] == 2.0


def test_nilearns_masker_reads_the_map_back():
    maskers = pytest.importorskip("nilearn.maskers")
    parc, ids = _parcellation()
    img = bn.io.region_image(np.arange(12.0).reshape(4, 3), parc, tr=0.72)
    masker = maskers.NiftiLabelsMasker(nib.Nifti1Image(ids, AFFINE), strategy="mean")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # nilearn's notes on the image's grid and dtype
        np.testing.assert_allclose(masker.fit_transform(img), np.arange(12.0).reshape(4, 3), rtol=0, atol=1e-12)
