"""Homotopic pairs (labels, then mirrored centres) and homotopic connections (add_homotopic)."""

import re

import numpy as np
import pytest

import brainnet_cb as bn
from brainnet_cb.errors import ConnectomeError
from brainnet_cb.homotopic import add_homotopic, homotopic_pairs

TVB = ("tvb66", "tvb68", "tvb76", "tvb96", "tvb192")


def _tvb_stem(name, label):
    """The label without its hemisphere token, read independently of the module's rules (one convention per atlas)."""
    if name in ("tvb66", "tvb76", "tvb192"):  # lA1 / rA1, lPUL.L / rPUL.L
        return label[1:]
    if name == "tvb68":  # l_frontalpole / r_frontalpole
        return label[2:]
    return label[:-2]  # tvb96 RM-TCpol_L / RM-TCpol_R, hcp80 Precentral_L / Precentral_R


def _true_pairs(name, conn):
    """(left, right) index pairs with equal stems and opposite connectome.hemispheres, sorted by left index."""
    right = {_tvb_stem(name, label): k for k, label in enumerate(conn.labels) if conn.hemispheres[k]}
    pairs = [
        (k, right[_tvb_stem(name, label)])
        for k, label in enumerate(conn.labels)
        if not conn.hemispheres[k] and _tvb_stem(name, label) in right
    ]
    return np.array(sorted(pairs), dtype=int).reshape(-1, 2)


def _load(name):
    return bn.load_empirical(name).connectome if name == "hcp80" else bn.load_atlas(name)


def _meaningless(conn, seed=0):
    """The connectome with labels that carry no hemisphere (region<k> in a shuffled order); centres kept."""
    names = [f"region{k}" for k in np.random.default_rng(seed).permutation(conn.n_regions)]
    return conn.replace(labels=names)


def _tiny(labels, hemispheres=None, centres=None):
    n = len(labels)
    w = np.ones((n, n)) - np.eye(n)
    return bn.Connectome(w, 10.0 * w, labels, centres, "tiny", hemispheres=hemispheres)


# --- pairs from labels -------------------------------------------------------------------------------------------

COUNTS = [
    ("tvb66", 33),
    ("tvb68", 34),
    ("tvb76", 38),
    ("tvb96", 48),
    ("hcp80", 40),
    ("tvb192", 96),
]


@pytest.mark.parametrize(("name", "count"), COUNTS)
def test_bundled_labels_pair_each_left_region_with_its_right_homologue(name, count):
    conn = _load(name)
    pairs = homotopic_pairs(conn)
    i, j = pairs.T
    assert not conn.hemispheres[i].any() and conn.hemispheres[j].all()  # (left, right) in every row
    assert [_tvb_stem(name, conn.labels[a]) for a in i] == [_tvb_stem(name, conn.labels[b]) for b in j]
    assert len(set(pairs.ravel())) == pairs.size  # one to one: no region twice
    assert list(i) == sorted(i)
    np.testing.assert_array_equal(pairs, _true_pairs(name, conn))
    assert len(pairs) == count


def test_a_label_read_two_ways_takes_the_reading_that_pairs():
    """tvb192's lPUL.L / rPUL.L (lateral pulvinar): read by the '.L' suffix, both would be left and unpaired."""
    conn = bn.load_atlas("tvb192")
    pairs = homotopic_pairs(conn)
    assert sorted(set(range(conn.n_regions)) - set(pairs.ravel())) == []  # every region has its homologue
    left, right = conn.labels.index("lPUL.L"), conn.labels.index("rPUL.L")
    assert [left, right] in pairs.tolist()
    # without hemispheres the suffix reading of rPUL.L ('rPUL', left) is kept beside the right one; still paired
    assert [left, right] in homotopic_pairs(conn.replace(hemispheres=None)).tolist()


@pytest.mark.parametrize(
    "labels",
    [
        ["ctx-rh-precuneus", "ctx-lh-precuneus", "ctx-lh-cuneus", "ctx-rh-cuneus"],
        ["7Networks_RH_Vis_1", "7Networks_LH_Vis_1", "7Networks_LH_Vis_2", "7Networks_RH_Vis_2"],
        ["Right-Thalamus", "Left-Thalamus", "Left-Putamen", "Right-Putamen"],
        ["rh.insula", "lh.insula", "lh.cuneus", "rh.cuneus"],
        ["Precentral_R", "Precentral_L", "Cuneus_L", "Cuneus_R"],
        ["r_insula", "l_insula", "L_V1", "R_V1"],
        ["rA1", "lA1", "lV2", "rV2"],
    ],
)
def test_label_conventions_pair_without_hemispheres_or_centres(labels):
    pairs = homotopic_pairs(_tiny(labels))
    np.testing.assert_array_equal(pairs, [[1, 0], [2, 3]])  # left first, whichever comes first in the connectome


def test_lower_case_l_before_lower_case_is_not_a_hemisphere():
    conn = _tiny(["lingual", "ringual", "rA1", "lA1"])
    np.testing.assert_array_equal(homotopic_pairs(conn), [[3, 2]])
    conn = _tiny(["lingual", "ringual"], hemispheres=[False, True])
    assert homotopic_pairs(conn).shape == (0, 2)


def test_token_that_contradicts_hemispheres_is_ignored():
    labels = ["Precentral_L", "Precentral_R", "Cuneus_L", "Cuneus_R"]
    np.testing.assert_array_equal(homotopic_pairs(_tiny(labels)), [[0, 1], [2, 3]])
    flagged = _tiny(labels, hemispheres=[False, True, True, True])  # Cuneus_L lies in the right hemisphere
    np.testing.assert_array_equal(homotopic_pairs(flagged), [[0, 1]])
    flagged = _tiny(["X_L", "X_R", "Y_L", "Y_R"], hemispheres=[True, False, False, True])  # X's tokens swapped
    np.testing.assert_array_equal(homotopic_pairs(flagged), [[2, 3]])


# --- pairs from centres ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", TVB)
def test_mirrored_centres_find_the_anatomical_pairs(name):
    """With labels that say nothing, the centres mirrored across the midline give the labelled pairs (tvb76's
    left-right axis is y, not x)."""
    conn = bn.load_atlas(name)
    truth = _true_pairs(name, conn)
    pairs = homotopic_pairs(_meaningless(conn))
    np.testing.assert_array_equal(pairs, truth)
    if name != "tvb192":  # tvb192: the labels miss lPUL.L / rPUL.L (the xfail above)
        np.testing.assert_array_equal(pairs, homotopic_pairs(conn))


def test_tvb76_left_right_axis_is_y():
    conn = bn.load_atlas("tvb76")
    h = conn.hemispheres
    gap = np.abs(conn.centres[h].mean(axis=0) - conn.centres[~h].mean(axis=0))
    assert np.argmax(gap) == 1  # the geometric test above on tvb76 is the one that fails with x hard-coded


def test_labels_win_over_centres_when_they_pair_enough_regions():
    conn = bn.load_atlas("tvb76")
    scrambled = conn.replace(centres=conn.centres[np.random.default_rng(1).permutation(conn.n_regions)])
    np.testing.assert_array_equal(homotopic_pairs(scrambled), _true_pairs("tvb76", conn))


def test_few_label_pairs_fall_back_to_the_centres():
    conn = bn.load_atlas("tvb76")
    truth = _true_pairs("tvb76", conn)
    labels = [f"region{k}" for k in range(conn.n_regions)]
    for i, j in truth[:5]:  # 5 of 38 pairs labelled: fewer than half of a hemisphere's 38 regions
        labels[i], labels[j] = conn.labels[i], conn.labels[j]
    np.testing.assert_array_equal(homotopic_pairs(conn.replace(labels=labels)), truth)


def test_no_pairs_without_hemisphere_information():
    conn = _meaningless(bn.load_atlas("tvb76"))
    assert homotopic_pairs(conn.replace(centres=None)).shape == (0, 2)
    assert homotopic_pairs(conn.replace(hemispheres=None)).shape == (0, 2)
    assert homotopic_pairs(_meaningless(_load("hcp80"))).shape == (0, 2)  # hemispheres, but no centres


def test_one_hemisphere_has_no_pairs():
    conn = bn.load_atlas("tvb76")
    left = conn.subset([label for label, right in zip(conn.labels, conn.hemispheres) if not right])
    for c in (left, _meaningless(left)):
        pairs = homotopic_pairs(c)
        assert pairs.shape == (0, 2) and pairs.dtype.kind == "i"
    all_left = _tiny(["X_L", "X_R"], hemispheres=[False, False], centres=[[-30.0, 0, 0], [30.0, 0, 0]])
    assert homotopic_pairs(all_left).shape == (0, 2)


# --- add_homotopic -----------------------------------------------------------------------------------------------


def test_zero_weight_returns_the_same_connectome():
    conn = bn.load_atlas("tvb76")
    assert add_homotopic(conn, 0.0) is conn
    assert add_homotopic(conn, 0.3, pairs=np.empty((0, 2), dtype=int)) is conn


@pytest.mark.parametrize("name", ["tvb68", "tvb76"])
def test_adds_weight_times_max_on_both_directions_of_each_pair_only(name):
    conn = bn.load_atlas(name)  # raw weights: max(W) != 1, so h * max(W) differs from h
    h = 0.37
    pairs = homotopic_pairs(conn)
    out = add_homotopic(conn, h)
    i, j = pairs.T
    added = h * conn.weights.max()
    assert conn.weights.max() != 1.0
    np.testing.assert_allclose(out.weights[i, j] - conn.weights[i, j], added, rtol=1e-12)
    np.testing.assert_allclose(out.weights[j, i] - conn.weights[j, i], added, rtol=1e-12)
    diff = out.weights - conn.weights
    np.testing.assert_allclose(diff, diff.T, rtol=0, atol=1e-12 * added)  # symmetric addition
    if name == "tvb68":  # a symmetric connectome stays symmetric
        np.testing.assert_array_equal(out.weights, out.weights.T)
    other = np.ones(conn.weights.shape, dtype=bool)
    other[i, j] = other[j, i] = False
    np.testing.assert_array_equal(out.weights[other], conn.weights[other])
    np.testing.assert_array_equal(out.lengths[other], conn.lengths[other])
    assert out.labels == conn.labels and np.array_equal(out.centres, conn.centres)


def test_missing_tract_lengths_become_centre_distances():
    conn = bn.load_atlas("tvb76")
    i, j = homotopic_pairs(conn).T
    had = conn.lengths[i, j] > 0
    assert had.any() and (~had).any()  # tvb76 has homotopic pairs with and without a tract
    out = add_homotopic(conn, 0.5)
    np.testing.assert_array_equal(out.lengths[i[had], j[had]], conn.lengths[i[had], j[had]])  # kept
    np.testing.assert_array_equal(out.lengths[j[had], i[had]], conn.lengths[j[had], i[had]])
    distance = np.linalg.norm(conn.centres[i[~had]] - conn.centres[j[~had]], axis=1)
    np.testing.assert_allclose(out.lengths[i[~had], j[~had]], distance, rtol=1e-12)
    np.testing.assert_allclose(out.lengths[j[~had], i[~had]], distance, rtol=1e-12)


def test_missing_tract_lengths_without_centres_take_the_median_between_hemispheres():
    conn = _load("hcp80")
    assert conn.centres is None
    pairs = homotopic_pairs(conn)
    i, j = pairs[:10].T
    w, L = np.array(conn.weights), np.array(conn.lengths)
    w[i, j] = w[j, i] = L[i, j] = L[j, i] = 0.0  # 10 homotopic pairs without a tract
    conn = conn.replace(weights=w, lengths=L)
    h = conn.hemispheres
    between = float(np.median(L[(L > 0) & (h[:, None] != h[None, :])]))
    assert abs(between - float(np.median(L[L > 0]))) > 1.0  # the two medians differ: the test tells them apart
    out = add_homotopic(conn, 0.5)
    np.testing.assert_array_equal(out.lengths[i, j], between)
    np.testing.assert_array_equal(out.lengths[j, i], between)
    k, m = pairs[10:].T
    np.testing.assert_array_equal(out.lengths[k, m], L[k, m])  # the other pairs keep their tracts


def test_one_directional_tract_length_is_kept_and_serves_both_directions():
    labels = ["A_L", "A_R"]
    w = np.array([[0.0, 1.0], [0.0, 0.0]])
    L = np.array([[0.0, 50.0], [0.0, 0.0]])
    conn = bn.Connectome(w, L, labels, [[-30.0, 0, 0], [30.0, 0, 0]], hemispheres=[False, True])
    out = add_homotopic(conn, 0.5)
    assert out.lengths[0, 1] == 50.0 and out.lengths[1, 0] == 50.0  # the tract, not the 60-mm centre distance
    np.testing.assert_array_equal(out.weights, [[0.0, 1.5], [0.5, 0.0]])


def test_a_pair_given_twice_or_both_ways_is_added_once():
    conn = _tiny(["A_L", "A_R", "B_L", "B_R"])
    once = add_homotopic(conn, 0.5, pairs=[[0, 1]])
    for pairs in ([[0, 1], [0, 1]], [[0, 1], [1, 0]]):
        np.testing.assert_array_equal(add_homotopic(conn, 0.5, pairs=pairs).weights, once.weights)
    assert once.weights[0, 1] == once.weights[1, 0] == 1.5


def test_explicit_pairs_are_used_as_given():
    conn = bn.load_atlas("tvb76")
    a, b = 0, 5  # two left regions: not a homotopic pair
    for pairs in ([[a, b]], [(b, a)], np.array([[a, b]], dtype=np.int32)):
        out = add_homotopic(conn, 0.25, pairs=pairs)
        diff = out.weights - conn.weights
        expected = np.zeros_like(diff)
        expected[a, b] = expected[b, a] = 0.25 * conn.weights.max()
        np.testing.assert_allclose(diff, expected, rtol=1e-12, atol=0)


# --- bad input ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("weight", "shown"),
    [(-0.1, "-0.1"), (np.nan, "nan"), (np.inf, "inf"), ([0.5], "[0.5]"), (np.array([0.1, 0.2]), "array([0.1, 0.2])")],
)
def test_bad_weight(weight, shown):
    message = f"the homotopic weight must be a finite number >= 0 (a fraction of the largest weight); got {shown}."
    with pytest.raises(ConnectomeError, match=f"^{re.escape(message)}$"):
        add_homotopic(_tiny(["A_L", "A_R", "B_L", "B_R"]), weight)


@pytest.mark.parametrize(
    ("pairs", "shown"),
    [
        ([[0, 4]], "array([[0, 4]])"),  # out of range
        ([[-1, 2]], "array([[-1,  2]])"),
        ([[2, 2]], "array([[2, 2]])"),  # a region with itself
        ([0, 1], "array([0, 1])"),  # wrong shape
        ([[0, 1, 2]], "array([[0, 1, 2]])"),
        ([[0.0, 1.0]], "array([[0., 1.]])"),  # not integers
    ],
)
def test_bad_pairs(pairs, shown):
    message = f"pairs must be a (k, 2) array of distinct region indices in 0..3; got {shown}."
    conn = _tiny(["A_L", "A_R", "B_L", "B_R"])
    with pytest.raises(ConnectomeError, match=f"^{re.escape(message)}$"):
        add_homotopic(conn, 0.5, pairs=pairs)


def test_homotopic_pairs_needs_a_connectome():
    with pytest.raises(ConnectomeError, match=r"^homotopic_pairs needs a bn\.Connectome; got ndarray\.$"):
        homotopic_pairs(np.eye(4))


@pytest.mark.parametrize(("weight", "shown"), [("abc", "'abc'"), (None, "None"), ("0.5", "'0.5'"), (True, "True")])
def test_a_weight_that_is_not_a_number_is_refused(weight, shown):
    message = f"the homotopic weight must be a finite number >= 0 (a fraction of the largest weight); got {shown}."
    with pytest.raises(ConnectomeError, match=f"^{re.escape(message)}$"):
        add_homotopic(_tiny(["A_L", "A_R", "B_L", "B_R"]), weight)


def test_add_homotopic_needs_a_connectome():
    with pytest.raises(ConnectomeError, match=r"^add_homotopic needs a bn\.Connectome; got ndarray\.$"):
        add_homotopic(np.eye(4), 0.5)


def test_an_empty_pairs_array_of_the_wrong_shape_is_refused():
    message = (
        "pairs must be a (k, 2) array of distinct region indices in 0..3; got array([], shape=(0, 3), dtype=int64)."
    )
    with pytest.raises(ConnectomeError, match=f"^{re.escape(message)}$"):
        add_homotopic(_tiny(["A_L", "A_R", "B_L", "B_R"]), 0.5, pairs=np.zeros((0, 3), int))


def test_hemispheres_from_labels_reads_every_token_or_nothing():
    from brainnet_cb.homotopic import hemispheres_from_labels

    for name in ("tvb66", "tvb68", "tvb76", "tvb96", "hcp80"):
        conn = _load(name)
        np.testing.assert_array_equal(hemispheres_from_labels(conn.labels), conn.hemispheres)
    # tvb192's rPUL.L reads both ways (a right 'PUL.L', a left 'rPUL'): not said by its labels
    assert hemispheres_from_labels(bn.load_atlas("tvb192").labels) is None
    assert hemispheres_from_labels(["A_L", "B_L", "thalamus"]) is None  # a label without a token
    assert hemispheres_from_labels(["A_L", "B_L"]) is None  # one side only
    np.testing.assert_array_equal(hemispheres_from_labels(["ctx-rh-x", "Left-Thalamus"]), [True, False])
