"""A lead field's columns labelled by region (``regions=``): put in the connectome's order by label, or refused.

Without labels, a gain whose columns follow another region order of the same size was applied to the wrong regions
without a word; with them, a run reorders the columns by label (as every input labelled by region is) and refuses a
gain of other regions before compiling. The constructors label the columns where they know the regions.
"""

import numpy as np
import pytest

import brainnet_cb as bn

CENTRES = np.array([[-30.0, 0, 40], [30.0, 0, 40], [0, 30.0, 30], [0, -30.0, 35]])
W = np.array([[0, 1.0, 0.2, 0], [0.5, 0, 0, 1.0], [0, 0.3, 0, 0.7], [1.0, 0, 0.4, 0]])  # W[target, source]
CONN = bn.Connectome(weights=W, lengths=30 * (W > 0), centres=CENTRES, labels=["A", "B", "C", "D"])
KW = dict(duration=10.0, dt=0.1, noise=bn.Additive(v=0.3), key=1, dtype="float64")


def _eeg(conn, eeg):
    return bn.simulate(bn.CoombesByrne(), conn, monitors=[eeg], **KW).eeg.values


def test_columns_labelled_in_another_order_are_used_in_the_connectomes_order_bit_for_bit():
    sphere = bn.EEG.sphere(CONN, "10-20", radius=90.0)
    assert sphere.regions == ("A", "B", "C", "D")
    plain = _eeg(CONN, bn.EEG(sphere.gain, sensors=sphere.sensors))
    np.testing.assert_array_equal(_eeg(CONN, sphere), plain)  # labels in the connectome's order: the same run
    perm = [2, 0, 3, 1]
    shuffled = bn.EEG(sphere.gain[:, perm], sensors=sphere.sensors, regions=[CONN.labels[j] for j in perm])
    np.testing.assert_array_equal(_eeg(CONN, shuffled), plain)


def test_a_reordered_connectome_of_the_same_size_gets_the_columns_of_its_regions():
    sphere = bn.EEG.sphere(CONN, "10-20", radius=90.0)
    order = ["D", "B", "A", "C"]
    moved = CONN.reordered(order)
    right = _eeg(moved, bn.EEG(sphere.gain[:, CONN.index(order)], sensors=sphere.sensors))
    np.testing.assert_array_equal(_eeg(moved, sphere), right)
    by_position = _eeg(moved, bn.EEG(sphere.gain, sensors=sphere.sensors))  # unlabelled: used as given
    assert np.abs(by_position - right).max() > 0.1 * np.abs(right).max()  # the wrong regions, before


def test_a_gain_of_other_regions_is_refused_naming_them():
    sphere = bn.EEG.sphere(CONN, "10-20", radius=90.0)
    other = CONN.replace(labels=("A", "B", "X", "D"))
    with pytest.raises(bn.MonitorError, match=r"^EEG gain is labelled by region, but its labels are not the "
                                              r"connectome's 4 regions once each \(4 labels; unknown \['C'\], "
                                              r"missing \['X'\], repeated \[\]\); build the gain of this "
                                              r"connectome's regions \(e\.g\. bn\.EEG\.sphere\(connectome\)\), or "
                                              r"pass one with regions= naming its columns\.$"):
        bn.simulate(bn.CoombesByrne(), other, duration=1.0, dt=0.1, monitors=[sphere])
    with pytest.raises(bn.MonitorError, match=r"^MEG gain is labelled by region, .*\(4 labels; unknown \['D'\], "
                                              r"missing \[\], repeated \[\]\)"):
        meg = bn.MEG.sphere(CONN, orientations=np.eye(3)[[0, 1, 2, 0]])
        bn.simulate(bn.CoombesByrne(), CONN.subset(["A", "B", "C"]), duration=1.0, dt=0.1, monitors=[meg])


@pytest.mark.parametrize(("regions", "message"), [
    ("ABCD", r"^EEG regions must be a sequence of region labels, one per gain column \(e\.g\. "
             r"regions=connectome\.labels\); got 'ABCD'\.$"),
    (["A", "B", "C"], r"^EEG: 3 region labels for a gain with 4 columns \(regions\); give one label per column, "
                      r"in the columns' order\.$"),
    (["A", "B", "A", "D"], r"^EEG region labels must be unique \(one per gain column\); \['A'\] occur more than "
                           r"once\.$"),
])
def test_region_labels_that_cannot_name_the_columns_are_refused(regions, message):
    with pytest.raises(bn.MonitorError, match=message):
        bn.EEG(np.ones((2, 4)), regions=regions)


def test_the_constructors_label_the_columns_with_the_regions_they_know():
    assert bn.EEG.infinite(CONN).regions == ("A", "B", "C", "D")
    assert bn.EEG.sphere(CENTRES).regions is None  # centres only: unlabelled
    assert bn.EEG(np.ones((2, 4)), regions=np.array(["A", "B", "C", "D"])).regions == ("A", "B", "C", "D")
    tvb = bn.load_atlas("tvb76")
    assert bn.EEG.from_atlas("tvb76", physical=False).regions == tuple(tvb.labels)
