"""bn.align's refusal of data whose region labels are not the connectome's: counted, a few named, the fix said."""

import numpy as np
import pytest
import xarray as xr

import brainnet_cb as bn
from brainnet_cb.data import empirical


@pytest.fixture(scope="module")
def hcp():
    return bn.load_empirical("hcp80")


def _labelled_fc(labels):
    return empirical.fc_matrix(np.eye(len(labels)), list(labels))


def test_the_hcp80_fc_on_a_tvb_connectome_names_a_few_labels_and_the_connectome_of_its_own(hcp):
    """Printed all 146 labels (66 of tvb66, 80 of hcp80), 2161 characters, and advised conn.subset."""
    fc = hcp.fc()
    tvb66 = bn.load_atlas("tvb66")
    with pytest.raises(bn.DataError) as err:
        bn.align(fc, tvb66)
    assert str(err.value) == (
        "data (80 regions) does not match connectome 'tvb66' (66 regions): 66 connectome regions are missing from "
        "the data: ['rBSTS', 'rCAC', 'rCMF', 'rCUN', 'rENT', ... and 61 more]; 80 data regions are not in the "
        "connectome: ['Precentral_L', 'Precentral_R', 'Frontal_Sup_2_L', 'Frontal_Sup_2_R', 'Frontal_Mid_2_L', ... "
        "and 75 more]. The data and the connectome share no region label: they are different parcellations. The "
        "data has the regions of bn.load_empirical('hcp80').connectome: simulate on that connectome instead, or use "
        "data computed on this connectome's 66 regions.")
    with pytest.raises(bn.DataError) as target:  # the fit's target (extra="drop") is refused the same way
        empirical.target_fc(fc, tvb66)
    assert str(target.value) == str(err.value)
    assert bn.align(fc, hcp.connectome).shape == (80, 80)  # the fix named


@pytest.mark.parametrize("name", bn.list_atlases())
def test_data_with_the_labels_of_a_bundled_atlas_is_told_to_load_it(hcp, name):
    atlas = bn.load_atlas(name)
    with pytest.raises(bn.DataError) as err:
        bn.align(_labelled_fc(atlas.labels[::-1]), hcp.connectome)  # any order: the same regions
    assert f"The data has the regions of bn.load_atlas({name!r}): simulate on that connectome instead" in str(err.value)
    assert bn.align(_labelled_fc(atlas.labels[::-1]), atlas).shape == (atlas.n_regions,) * 2


def test_another_parcellation_of_as_many_regions_is_told_how_to_relabel(hcp):
    conn = hcp.connectome
    roi = [f"roi{k}" for k in range(80)]  # not a bundled parcellation
    fc = hcp.fc().assign_coords(region_i=roi, region_j=roi)
    tail = ("The data and the connectome share no region label: they are different parcellations. Use data computed "
            "on this connectome's 80 regions, or the connectome of the data's parcellation; if the data's regions are "
            "the connectome's under other names, in its order, relabel the data: ")
    with pytest.raises(bn.DataError) as err:
        bn.align(fc, conn)
    assert str(err.value).endswith(tail + "data.assign_coords(region_i=list(conn.labels), region_j=list(conn.labels)).")
    relabelled = fc.assign_coords(region_i=list(conn.labels), region_j=list(conn.labels))  # the fix, as written
    xr.testing.assert_equal(bn.align(relabelled, conn), hcp.fc())
    frame = fc.to_pandas()
    with pytest.raises(bn.DataError) as err:
        bn.align(frame, conn)
    assert str(err.value).endswith(
        tail + "frame.set_axis(list(conn.labels), axis=0).set_axis(list(conn.labels), axis=1).")
    relabelled = frame.set_axis(list(conn.labels), axis=0).set_axis(list(conn.labels), axis=1)
    np.testing.assert_array_equal(bn.align(relabelled, conn).values, fc.values)
    series = xr.DataArray(np.zeros((3, 80)), dims=("time", "region"), coords={"region": roi})
    with pytest.raises(bn.DataError) as err:
        bn.align(series, conn)
    assert str(err.value).endswith(tail + "data.assign_coords(region=list(conn.labels)).")


def test_an_fc_whose_dims_have_other_names_is_told_to_relabel_its_own_dims():
    # was data.assign_coords(region_i=..., region_j=...), which xarray refuses on dims ('roi', 'roi2')
    conn = bn.Connectome(weights=np.ones((3, 3)) - np.eye(3), lengths=np.zeros((3, 3)), labels=["a", "b", "c"])
    fc = xr.DataArray(np.eye(3), dims=("roi", "roi2"), coords={"roi": list("xyz"), "roi2": list("xyz")})
    with pytest.raises(bn.DataError) as err:
        bn.align(fc, conn)
    assert str(err.value).endswith("relabel the data: data.assign_coords(roi=list(conn.labels), "
                                   "roi2=list(conn.labels)).")
    relabelled = fc.assign_coords(roi=list(conn.labels), roi2=list(conn.labels))  # the fix, as written
    np.testing.assert_array_equal(bn.align(relabelled, conn).values, np.eye(3))


def test_another_parcellation_of_other_size_is_not_told_to_relabel():
    conn = bn.Connectome(weights=np.ones((3, 3)) - np.eye(3), lengths=np.zeros((3, 3)), labels=["a", "b", "c"],
                         name="abc")
    with pytest.raises(bn.DataError) as err:
        bn.align(_labelled_fc(["w", "x", "y", "z"]), conn)
    assert str(err.value) == (
        "data (4 regions) does not match connectome 'abc' (3 regions): 3 connectome regions are missing from the "
        "data: ['a', 'b', 'c']; 4 data regions are not in the connectome: ['w', 'x', 'y', 'z']. The data and the "
        "connectome share no region label: they are different parcellations. Use data computed on this connectome's "
        "3 regions, or the connectome of the data's parcellation.")


def test_a_partial_mismatch_counts_and_names_a_few(hcp):
    """tvb192 is tvb76 plus 116 thalamic nuclei: its FC on tvb76 lists 5 of the 116, not all."""
    tvb76 = bn.load_atlas("tvb76")
    fc = _labelled_fc(bn.load_atlas("tvb192").labels)
    with pytest.raises(bn.DataError) as err:
        bn.align(fc, tvb76)
    assert str(err.value) == (
        "data (192 regions) does not match connectome 'tvb76' (76 regions): 116 data regions are not in the "
        "connectome: ['lAD', 'lAM', 'lAN', 'lAV', 'lCAUD', ... and 111 more]. Use extra='drop' to ignore data regions "
        "the connectome lacks.")
    assert list(bn.align(fc, tvb76, extra="drop").region_i.values) == list(tvb76.labels)
    partial = _labelled_fc(list(tvb76.labels[:70]) + [f"x{k}" for k in range(6)])
    with pytest.raises(bn.DataError) as err:
        bn.align(partial, tvb76)
    assert str(err.value) == (
        "data (76 regions) does not match connectome 'tvb76' (76 regions): 6 connectome regions are missing from the "
        "data: ['lTCPOL', 'lTCS', 'lTCV', 'lV1', 'lV2', ... and 1 more]; 6 data regions are not in the connectome: "
        "['x0', 'x1', 'x2', 'x3', 'x4', ... and 1 more]. Restrict the connectome with conn.subset(labels) or fix the "
        "labels.")
