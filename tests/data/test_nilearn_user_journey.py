"""What a nilearn user does with a run's BOLD (docs/observations.md, "nilearn"); skipped without nilearn.

The masker's columns are the parcellation's (ascending label id), not the connectome's; nilearn's
ConnectivityMeasure(kind="correlation") is Pearson's r (bn.fc) only with the sample covariance.
"""

import warnings

import nibabel as nib
import numpy as np
import pytest
import xarray as xr

import brainnet_cb as bn

maskers = pytest.importorskip("nilearn.maskers")
connectome = pytest.importorskip("nilearn.connectome")
covariance = pytest.importorskip("sklearn.covariance")

AFFINE = np.diag([4.0, 4.0, 4.0, 1.0])
AFFINE[:3, 3] = [-8.0, -8.0, -8.0]


def _bold(n_time=60):
    """A float64 (time_bold, region) series in the connectome's order A, B, C, D with a shared slow part."""
    rng = np.random.default_rng(3)
    shared = np.cumsum(rng.standard_normal(n_time))
    x = 0.004 * (np.outer(shared, [1.0, 0.6, -0.3, 0.8]) + rng.standard_normal((n_time, 4)))
    return xr.DataArray(x, dims=("time_bold", "region"),
                        coords={"time_bold": ("time_bold", 720.0 * np.arange(1, n_time + 1), {"units": "ms"}),
                                "region": ["A", "B", "C", "D"]}, attrs={"units": "1"})


def test_the_masker_gives_the_regions_in_label_id_order_and_read_bold_image_the_same():
    ids = np.zeros((5, 4, 3), dtype=np.int16)
    ids[:2, :2], ids[:2, 2:], ids[2:4], ids[4, 1:] = 9, 3, 7, 5  # A = 9, B = 3, C = 7, D = 5: not the connectome's
    labels_img = nib.Nifti1Image(ids, AFFINE)
    parc = bn.io.read_parcellation(labels_img, {9: "A", 3: "B", 7: "C", 5: "D"})
    assert parc.labels == ("B", "D", "C", "A")
    bold = _bold()
    img = bn.io.region_image(bold, parc)
    assert img.header.get_zooms() == (4.0, 4.0, 4.0, 0.72)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # nilearn's notes on the grid and dtype
        columns = maskers.NiftiLabelsMasker(labels_img).fit_transform(img)
    np.testing.assert_allclose(columns, bold.sel(region=list(parc.labels)).values, rtol=0, atol=1e-17)
    assert np.abs(columns - bold.values).max() > 1e-3  # not the connectome's order
    back = bn.read_bold_image(img, parc)
    assert list(back["region"].values) == ["B", "D", "C", "A"]
    np.testing.assert_allclose(back["time"].values[:3], [0.0, 0.72, 1.44])  # numbered from 0 (the run: 0.72 s on)


def test_connectivity_measure_is_bn_fc_with_the_sample_covariance_and_shrinks_by_default():
    bold = _bold()
    fc = bn.fc(bold).values
    exact = connectome.ConnectivityMeasure(kind="correlation", cov_estimator=covariance.EmpiricalCovariance())
    np.testing.assert_allclose(exact.fit_transform([bold.values])[0], fc, rtol=0, atol=1e-12)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        shrunk = connectome.ConnectivityMeasure(kind="correlation").fit_transform([bold.values])[0]
    assert np.abs(shrunk - fc).max() > 1e-3  # Ledoit-Wolf: not Pearson's r
