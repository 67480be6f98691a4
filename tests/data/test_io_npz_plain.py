"""Plain ``np.savez`` files (``arr_0``, ``arr_1``) and ``key=`` in the connectome and empirical readers."""

import numpy as np
import pytest

import brainnet_cb as bn
from brainnet_cb import io as bio

W = np.array([[0.0, 1.0, 2.0], [1.5, 0.0, 3.0], [2.0, 0.5, 0.0]])  # [target, source], asymmetric
L = np.array([[0.0, 10.0, 20.0], [10.0, 0.0, 30.0], [20.0, 30.0, 0.0]])


def _fc_and_series(n=4, t=300):
    x = np.random.default_rng(0).standard_normal((t, n))
    return np.corrcoef(x.T), x


# ----------------------------------------------------------------------------- connectomes
def test_plain_savez_weights_and_lengths(tmp_path):
    np.savez(tmp_path / "wl.npz", W, L)
    for conn in (bio.read_npz(tmp_path / "wl.npz"), bio.read_connectome(tmp_path / "wl.npz")):
        np.testing.assert_array_equal(conn.weights, W)        # not transposed: [target, source]
        np.testing.assert_array_equal(conn.lengths, L)
        assert conn.name == "wl"


def test_plain_savez_weights_only_needs_lengths_or_zero(tmp_path):
    np.savez(tmp_path / "w.npz", W)
    with pytest.raises(bn.ConnectomeError, match=r"w\.npz': no tract lengths found \(looked for arr_1 "
                                                  r"\(np\.savez\(path, weights, lengths\)\)\)"):
        bio.read_npz(tmp_path / "w.npz")
    conn = bio.read_npz(tmp_path / "w.npz", missing_lengths="zero")
    np.testing.assert_array_equal(conn.weights, W)
    assert not conn.lengths.any()


def test_key_names_the_arrays(tmp_path):
    np.savez(tmp_path / "n.npz", SC=W, D=L, other=np.ones(3))
    conn = bio.read_connectome(tmp_path / "n.npz", key="SC", lengths_key="D")
    np.testing.assert_array_equal(conn.weights, W)
    np.testing.assert_array_equal(conn.lengths, L)
    # key= picks one of several positional arrays; lengths_key= overrides the arr_1 default
    np.savez(tmp_path / "p.npz", L, W)
    conn = bio.read_npz(tmp_path / "p.npz", key="arr_1", lengths_key="arr_0")
    np.testing.assert_array_equal(conn.weights, W)
    np.testing.assert_array_equal(conn.lengths, L)
    # named weights with a key= for the lengths of another name
    np.savez(tmp_path / "m.npz", weights=W, dist=L)
    np.testing.assert_array_equal(bio.read_npz(tmp_path / "m.npz", lengths_key="dist").lengths, L)


@pytest.mark.parametrize("make, kwargs, message", [
    (lambda p: np.savez(p, SC=W, D=L), {},
     r"has no 'weights' array \(keys: \['D', 'SC'\]\); pass key=<name of the weights array>"),
    (lambda p: np.savez(p, SC=W, D=L), {"key": "X"},
     r"has no array 'X' \(key=\); its keys are \['D', 'SC'\]\. Pass one of them\."),
    (lambda p: np.savez(p, SC=W, D=L), {"key": "SC", "lengths_key": "len"},
     r"has no array 'len' \(lengths_key=\); its keys are \['D', 'SC'\]"),
    (lambda p: np.savez(p, SC=W, D=L), {"key": "SC"},
     r"no tract lengths found \(looked for keys 'lengths', 'tract_lengths' among \['D', 'SC'\]; name the "
     r"lengths array with lengths_key="),
    (lambda p: np.savez(p, W, L, W), {},
     r"holds 3 unnamed arrays \['arr_0', 'arr_1', 'arr_2'\]; only arr_0 \(weights\) and arr_1 \(lengths\)"),
    (lambda p: np.savez(p, W, L), {"key": 0}, r"key must be the name \(str\) of an array in 'x\.npz'; got 0"),
    (lambda p: np.savez(p, W, L), {"sep": ","},
     r"'x\.npz' is read by read_npz, which takes no \['sep'\]; its keywords are \['key', 'lengths_key'"),
    (lambda p: p.write_bytes(b"PK\x03\x04 truncated"), {},
     r"x\.npz' is not a readable \.npz file \(BadZipFile: .*\); it may be truncated or damaged"),
    (lambda p: np.savez(p, weights=W, lengths=L, labels=np.array(["a", 1, None], dtype=object)), {},
     r"holds pickled object arrays"),
])
def test_npz_errors_name_the_keys_and_the_fix(tmp_path, make, kwargs, message):
    path = tmp_path / "x.npz"
    make(path)
    with pytest.raises(bn.ConnectomeError, match=message):
        bio.read_connectome(path, **kwargs)


def test_truncated_write_npz_file_is_refused(tmp_path):
    path = bio.write_npz(bn.Connectome(W, L, name="toy"), tmp_path / "c.npz")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(bn.ConnectomeError, match=r"c\.npz' is not a readable \.npz file"):
        bio.read_npz(path)


# ----------------------------------------------------------------------------- empirical FC / BOLD
def test_read_fc_plain_savez_and_key(tmp_path):
    fc, x = _fc_and_series()
    np.savez(tmp_path / "one.npz", fc)
    np.testing.assert_array_equal(bn.read_fc(tmp_path / "one.npz").values, fc)
    np.savez(tmp_path / "two.npz", fc, x)
    got = bn.read_fc(tmp_path / "two.npz", key="arr_0", labels=list("abcd"))
    np.testing.assert_array_equal(got.values, fc)
    assert list(got.region_i.values) == list("abcd")
    np.savez(tmp_path / "named.npz", fc=fc, ts=x)
    np.testing.assert_array_equal(bn.read_fc(tmp_path / "named.npz", key="fc").values, fc)


def test_read_timeseries_plain_savez_and_key(tmp_path):
    fc, x = _fc_and_series()
    np.savez(tmp_path / "ts.npz", x)
    ts = bn.read_timeseries(tmp_path / "ts.npz", 0.72, layout="time_region")
    np.testing.assert_array_equal(ts.values, x)
    np.testing.assert_allclose(ts.time.values[:3], [0.0, 0.72, 1.44])
    np.savez(tmp_path / "both.npz", fc, x.T)
    ts = bn.read_timeseries(tmp_path / "both.npz", 0.72, key="arr_1", labels=list("abcd"))
    np.testing.assert_array_equal(ts.values, x)                 # layout found from the labels
    np.testing.assert_allclose(bn.fc(ts).values, fc, atol=1e-12)


@pytest.mark.parametrize("reader", [lambda p, **k: bn.read_fc(p, **k),
                                    lambda p, **k: bn.read_timeseries(p, 0.72, layout="time_region", **k)],
                         ids=["read_fc", "read_timeseries"])
def test_empirical_npz_errors(tmp_path, reader):
    fc, x = _fc_and_series()
    np.savez(tmp_path / "two.npz", fc, x)
    with pytest.raises(bn.DataError, match=r"'two\.npz' holds 2 2-D numeric variables among \['arr_0', 'arr_1'\]; "
                                           r"pass key=<name> .*shapes: 'arr_0' \(4, 4\), 'arr_1' \(300, 4\)"):
        reader(tmp_path / "two.npz")
    with pytest.raises(bn.DataError, match=r"'two\.npz' has no variable 'fc'; its variables are "
                                           r"\['arr_0', 'arr_1'\]"):
        reader(tmp_path / "two.npz", key="fc")
    (tmp_path / "bad.npz").write_bytes((tmp_path / "two.npz").read_bytes()[:150])
    with pytest.raises(bn.DataError, match=r"cannot read 'bad\.npz' as a \.npz file \(BadZipFile: .*truncated "
                                           r"or damaged"):
        reader(tmp_path / "bad.npz")
    np.savez(tmp_path / "obj.npz", np.array([[1, "a"], [None, 2]], dtype=object))
    with pytest.raises(bn.DataError, match=r"holds pickled object arrays, which are refused"):
        reader(tmp_path / "obj.npz")
