"""read_parcellation takes what nilearn's atlas fetchers return: an image object and a list of names."""

import nibabel as nib
import numpy as np
import pandas as pd
import pytest

import brainnet_cb as bn
from brainnet_cb.data.io.parcellation import read_parcellation


def _image():
    data = np.zeros((6, 5, 4), dtype=np.int16)
    data[:2, :, :] = 1
    data[2:4, :2, :] = 2
    data[4:, 3:, 1:] = 5
    return nib.Nifti1Image(data, np.diag([2.0, 2.0, 2.0, 1.0]))


def test_an_image_object_reads_as_its_file(tmp_path):
    img = _image()
    nib.save(img, tmp_path / "atlas.nii.gz")
    a, b = read_parcellation(img), read_parcellation(tmp_path / "atlas.nii.gz")
    assert a.labels == b.labels == ("region_1", "region_2", "region_5")
    np.testing.assert_array_equal(a.centroids, b.centroids)
    np.testing.assert_allclose(a.volumes, [320.0, 128.0, 96.0], rtol=1e-12)  # voxels x 8 mm^3
    assert a.source == "the Nifti1Image"


def test_a_list_of_names_one_per_id_from_background_or_one_per_region():
    img = _image()
    harvard_oxford = ["Background", "a", "b", "c", "d", b"e"]  # labels[i] names id i (bytes decoded)
    assert read_parcellation(img, harvard_oxford).labels == ("a", "b", "e")
    schaefer_old = ["x", "y", "z"]  # one per region, ascending ids
    assert read_parcellation(img, schaefer_old).labels == ("x", "y", "z")
    lut = pd.DataFrame({"index": [0, 1, 2, 5], "name": ["Background", "p", "q", "r"]})  # nilearn's lut
    assert read_parcellation(img, lut).labels == ("p", "q", "r")
    twice = pd.DataFrame({"index": [0, 1, 2, 2, 5], "name": ["Background", "p", "q", "q2", "r"]})  # took the last
    with pytest.raises(bn.ConnectomeError, match=r"the Nifti1Image: the label table lists ids \[2\] more than once"):
        read_parcellation(img, twice)
    assert read_parcellation(img, {1: "u", 2: "v", 5: "w"}).labels == ("u", "v", "w")
    with pytest.raises(bn.ConnectomeError, match=r"the Nifti1Image: 4 label names for 3 regions with ids up to 5; "
                                                 r"give one name per id from 0 \(background first, 6 names\)"):
        read_parcellation(img, ["a", "b", "c", "d"])
