"""Connectome: optional per-region fields, normalisation, symmetrisation, subsets, repr, units of lengths."""

import warnings

import brainunit as u
import numpy as np
import pytest

import brainnet_cb as bn
from brainnet_cb import ConnectomeError


def small():
    w = np.array([[0.0, 2.0, 0.0], [1.0, 0.0, 4.0], [0.0, 3.0, 0.0]])  # [target, source]
    L = np.array([[0.0, 10.0, 0.0], [20.0, 0.0, 30.0], [0.0, 40.0, 0.0]])
    return bn.Connectome(w, L, ["a", "b", "c"], np.arange(9.0).reshape(3, 3), "small",
                         hemispheres=[True, False, True], cortical=[1, 0, 1],
                         areas=[1.0, 2.0, 3.0], orientations=np.eye(3))


def test_positional_signature_is_unchanged():
    conn = bn.Connectome([[0, 1], [0, 0]], [[0, 3], [3, 0]], ["x", "y"], None, "two")
    assert conn.name == "two" and conn.hemispheres is None and conn.areas is None


def test_normalizations():
    conn = small()
    assert conn.normalized("max").weights.max() == 1.0
    np.testing.assert_allclose(conn.normalized("row_sum").weights.sum(axis=1), [1, 1, 1])
    np.testing.assert_allclose(conn.normalized("log1p_max").weights, np.log1p(conn.weights) / np.log(5))
    assert conn.normalized("none") == conn
    assert np.array_equal(conn.normalized("max").areas, conn.areas)  # fields kept
    with pytest.raises(ConnectomeError, match=r"unknown normalization 'l2'; choose one of \('max', "
                       r"'row_sum', 'log1p_max', 'none'\)"):
        conn.normalized("l2")


def test_symmetrized_keeps_single_direction_lengths():
    s = small().symmetrized("mean")
    np.testing.assert_array_equal(s.weights, s.weights.T)
    assert s.weights[0, 1] == 1.5 and s.lengths[0, 1] == 15.0
    m = small().symmetrized("max")
    assert m.weights[1, 2] == 4.0 and m.lengths[2, 1] == 40.0
    with pytest.raises(ConnectomeError, match=r"^unknown symmetrization 'avg'; choose one of \('mean', 'max', "
                                              r"'min'\)\.$"):
        small().symmetrized("avg")


def test_subset_and_reorder_keep_orientation():
    conn = small()
    sub = conn.subset(["c", "b"])
    assert sub.labels == ("c", "b")
    assert sub.weights[1, 0] == conn.weights[1, 2] == 4.0  # source c -> target b
    np.testing.assert_array_equal(sub.centres, conn.centres[[2, 1]])
    assert list(sub.hemispheres) == [True, False]
    back = conn.reordered(["c", "a", "b"]).reordered(["a", "b", "c"])
    assert back == conn
    with pytest.raises(ConnectomeError, match=r"^unknown region labels \['z'\] for connectome 'small'; valid labels "
                                              r"are \['a', 'b', 'c'\] \(3 regions; see conn\.labels\)\.$"):
        conn.subset(["a", "z"])
    with pytest.raises(ConnectomeError, match=r"reordered needs a permutation of all 3 labels; missing \['c'\]"):
        conn.reordered(["a", "b"])
    with pytest.raises(ConnectomeError, match=r"subset labels must be unique; repeated: \['a'\]"):
        conn.subset(["a", "a"])


def test_equality_sees_every_field():
    conn = small()
    assert conn == small()
    assert conn != conn.replace(areas=[1.0, 2.0, 3.5])
    assert conn != conn.replace(hemispheres=None)
    assert conn != conn.replace(weights=conn.weights.T)


def test_repr_is_readable():
    text = repr(small())
    assert "n_regions=3" in text and "n_edges=4" in text and "density=0.667" in text
    assert "weights[target, source] 1..4" in text and "lengths 10..40 mm" in text


def test_disconnected_regions_are_reported():
    w = np.zeros((3, 3))
    w[0, 1] = 1.0
    w[2, 2] = 5.0  # a self-loop does not connect a region
    assert bn.Connectome(w, w).disconnected() == ("r2",)


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("hemispheres", [0, 2, 1],
         r"hemispheres must be booleans or 0/1 \(True = right hemisphere\); got values such as \[0, 2, 1\]"),
        ("cortical", [1, 0],
         r"cortical must have shape \(3,\) \(one entry per region: True = cortical region\); got shape \(2,\)"),
        ("areas", [1.0, -2.0, 3.0], r"areas must be non-negative \(mm\^2\); got -2.0 for region 1"),
        ("areas", [1.0, np.nan, 3.0], r"areas must be finite; got nan"),
        ("orientations", np.ones((3, 2)), r"orientations must have shape \(3, 3\)"),
    ],
)
def test_bad_region_fields(field, value, message):
    with pytest.raises(ConnectomeError, match=message):
        small().replace(**{field: value})


def test_networkx_round_trip_keeps_every_field():
    conn = small()
    assert bn.Connectome.from_networkx(conn.to_networkx()) == conn


def test_weights_without_lengths_are_refused_with_the_zero_lengths_fix():
    """No tract lengths (None) or one number in their place: the refusal says what to pass, zeros for no delays
    (as read_connectome's missing lengths do), not that a scalar of shape () is not square."""
    w = small().weights
    with pytest.raises(ConnectomeError) as none:
        bn.Connectome(w, None)
    assert str(none.value) == ("lengths is None: no tract lengths given; delays need lengths in mm. Pass them, or "
                               "lengths=np.zeros_like(weights) to build a network without conduction delays.")
    for number, shown in ((0, "0.0"), (30.0, "30.0"), (3 * u.cmeter, "30.0")):  # a quantity: shown in mm
        with pytest.raises(ConnectomeError) as scalar:
            bn.Connectome(w, number)
        assert str(scalar.value) == (
            f"lengths must be the (3, 3) matrix of tract lengths in mm; got the single number {shown}. "
            "For one length L on every edge pass np.full_like(weights, L); for no conduction delays "
            "np.zeros_like(weights).")
    assert bn.Connectome(w, np.zeros_like(w)).lengths.max() == 0.0  # the fix the message gives is accepted


def test_tract_lengths_in_metres_are_flagged_and_a_quantity_is_converted():
    """Tract lengths are read in mm: plain numbers whose longest is under 1 mm are metres, most likely (hcp80's
    longest tract, 248 mm, is 0.248 m), and warn; the same numbers as a quantity in metres are converted."""
    conn = small()
    metres = conn.lengths / 1000.0
    message = ("the longest tract length is 0.04 mm, shorter than any tract between brain regions: lengths are read "
               "in mm. If they are in metres, pass lengths * 1000, or lengths * u.meter (brainunit) to have them "
               "converted.")
    with pytest.warns(bn.TractLengthWarning, match=r"^the longest tract length is 0\.04 mm, shorter than any tract "
                                                   r"between brain regions: lengths are read in mm\. If they are in "
                                                   r"metres, pass lengths \* 1000, or lengths \* u\.meter "
                                                   r"\(brainunit\) to have them converted\.$") as caught:
        read_as_mm = bn.Connectome(conn.weights, metres)
    assert [str(w.message) for w in caught] == [message]
    assert caught[0].filename == __file__  # the warning points at the caller's line
    assert np.array_equal(read_as_mm.lengths, metres)  # warned, not changed
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        converted = bn.Connectome(conn.weights, metres * u.meter)
        bn.Connectome(conn.weights, conn.lengths)  # mm
        bn.Connectome(conn.weights, np.zeros((3, 3)))  # no delays at all
        bn.Connectome(conn.weights, np.where(conn.lengths > 0, 1.0, 0.0))  # 1 mm: not flagged
    np.testing.assert_allclose(converted.lengths, conn.lengths, rtol=1e-12)
    # copies of a connectome already flagged (or made from a quantity) stay quiet; metres put into a copy of one in
    # mm are flagged at the caller's line
    short = bn.Connectome(conn.weights, conn.lengths / 1000.0 * u.mm)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        short.normalized(), short.subset(["r0", "r1"]), short.symmetrized(), read_as_mm.replace(name="again")
    with pytest.warns(bn.TractLengthWarning, match=r"^the longest tract length is 0\.04 mm, shorter than any tract "
                                                   r"between brain regions: lengths are read in mm\. If they are in "
                                                   r"metres, pass lengths \* 1000, or lengths \* u\.meter "
                                                   r"\(brainunit\) to have them converted\.$") as caught:
        conn.replace(lengths=metres)
    assert [str(w.message) for w in caught] == [message] and caught[0].filename == __file__


def test_weights_labelled_by_region_give_the_labels_and_one_order():
    """A DataFrame read with index_col=0 lost its labels (r0, r1, ...); labelled lengths in another order were
    used by position. Now every labelled matrix is put in one order by label."""
    import pandas as pd
    import xarray as xr

    w = np.array([[0.0, 1.0, 2.0], [1.0, 0.0, 3.0], [2.0, 3.0, 0.0]])
    L = 10.0 * w + 5.0
    np.fill_diagonal(L, 0.0)
    names = ["A", "B", "C"]
    frame = pd.DataFrame(w, index=names, columns=names)
    conn = bn.Connectome(frame, L)
    assert conn.labels == ("A", "B", "C") and np.array_equal(conn.weights, w) and np.array_equal(conn.lengths, L)
    perm = [2, 0, 1]
    shuffled = frame.iloc[perm, perm]
    by_label = bn.Connectome(shuffled, pd.DataFrame(L, index=names, columns=names), labels=names)
    assert np.array_equal(by_label.weights, w) and np.array_equal(by_label.lengths, L)
    own = bn.Connectome(shuffled, L[np.ix_(perm, perm)])  # unlabelled lengths: in the weights' own order
    assert own.labels == ("C", "A", "B") and np.array_equal(own.reordered(names).lengths, L)
    moved = bn.Connectome(shuffled, L[np.ix_(perm, perm)], labels=names)  # and moved with them
    assert np.array_equal(moved.weights, w) and np.array_equal(moved.lengths, L)
    dims = xr.DataArray(w, dims=("target", "source"), coords={"target": names, "source": names})
    assert bn.Connectome(dims, L).labels == ("A", "B", "C")
    with pytest.raises(bn.ConnectomeError, match=r"^weights: the row labels \['A', 'B', 'C'\]\.\.\. differ from the "
                                                 r"column labels \['C', 'B', 'A'\]\.\.\.; a connectivity matrix "):
        bn.Connectome(pd.DataFrame(w, index=names, columns=names[::-1]), L)
    with pytest.raises(bn.ConnectomeError, match=r"^lengths carries region labels and weights does not: pass labels="):
        bn.Connectome(w, pd.DataFrame(L, index=names, columns=names))
    with pytest.raises(bn.ConnectomeError, match=r"^weights is labelled by region, but its labels are not the "
                                                 r"connectome's 3 regions once each \(3 labels; unknown \['C'\], missing \['X'\], "
                                                 r"repeated \[\]\); "
                                                 r".* or pass a plain array \(weights.to_numpy\(\)\)"):
        bn.Connectome(frame, L, labels=["A", "B", "X"])
    ids = pd.DataFrame(w, index=[1, 2, 3], columns=[1, 2, 3])  # region ids: labels, or positions beside labels=
    assert bn.Connectome(ids, L).labels == ("1", "2", "3")
    assert bn.Connectome(ids, L, labels=names).labels == ("A", "B", "C")
    numbered = xr.DataArray(w, coords={"dim_0": range(3), "dim_1": range(3)})  # positions, as a default index
    assert bn.Connectome(numbered, L).labels == ("r0", "r1", "r2")
    with pytest.raises(bn.ConnectomeError, match=r"^labels must be a sequence of 3 strings, not a single string"):
        bn.Connectome(frame, L, labels="ABC")
    with pytest.raises(bn.ConnectomeError, match=r"^labels must be unique; repeated: \['A'\]"):
        bn.Connectome(frame, L, labels=["A", "A", "B"])


@pytest.mark.parametrize(("given", "fix"), [
    ("tvb76", r"got str 'tvb76': load the bundled atlas with bn\.load_atlas\('tvb76'\)"),
    ("my_sc.zip", r"got str 'my_sc\.zip': read a connectome file with bn\.io\.read_connectome\('my_sc\.zip'\)"),
    (np.ones((3, 3)), r"got ndarray: make one from a weights matrix with bn\.Connectome\(weights, lengths\)"),
    ({"weights": 1}, r"got dict: build one with bn\.Connectome\(weights, lengths\), bn\.load_atlas\('tvb76'\)"),
])
def test_a_connectome_given_as_something_else_is_refused_with_the_way_to_make_one(given, fix):
    with pytest.raises(bn.ConnectomeError, match=r"connectome must be a bn\.Connectome; " + fix):
        bn.simulate(bn.CoombesByrne(), given, duration=10.0)
    with pytest.raises(bn.FitError, match=r"connectome must be a bn\.Connectome; " + fix):
        bn.fit_working_point(given, np.eye(3))
    with pytest.raises(bn.errors.DynamicsError, match=r"connectome must be a bn\.Connectome; " + fix):
        bn.critical_coupling(bn.CoombesByrne(), given)
