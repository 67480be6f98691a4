"""Damaged data files (issue 14): one wrapper (brainnet_cb._safe_read) names the file and what is wrong.

No message passes on numpy's advice to load a file "unsafely using allow_pickle".
"""

import zipfile

import numpy as np
import pytest
import scipy.io

import brainnet_cb as bn
from brainnet_cb._safe_read import damage, reading
from brainnet_cb.data import io as bio


def _npy(tmp):
    np.save(tmp / "w.npy", np.eye(40))
    raw = (tmp / "w.npy").read_bytes()
    (tmp / "cut.npy").write_bytes(raw[: len(raw) // 2])
    (tmp / "empty.npy").write_bytes(b"")
    (tmp / "text.npy").write_text("1 2\n3 4\n")
    np.save(tmp / "objects.npy", np.array([{"a": 1}], dtype=object))


CASES = [
    ("cut.npy", r"cut\.npy' cannot be read as a plain \.npy array: its contents are damaged or of another layout "
                # numpy's own words: numpy 2.4 / numpy 2.0
                r"\(ValueError: (Failed to read all data for array\. Expected \(40, 40\) = 1600 elements|cannot "
                r"reshape array of size 792 into shape \(40,40\))"),
    ("empty.npy", r"empty\.npy' cannot be read as a plain \.npy array: it ends early: the file is truncated\. Save "
                  r"numbers with np\.save\(path, array\)\.$"),
    ("text.npy", r"text\.npy' cannot be read as a plain \.npy array: it is not a NumPy file \(\.npz or \.npy\): it "
                 r"starts with b'1 2\\n3 4\\n'\."),
    ("objects.npy", r"objects\.npy' cannot be read as a plain \.npy array: it holds pickled Python objects, which "
                    r"brainnet_cb never loads \(loading them can run arbitrary code\)\."),
]


@pytest.mark.parametrize("name, message", CASES, ids=[c[0] for c in CASES])
def test_a_damaged_npy_matrix_is_refused_naming_what_is_wrong(tmp_path, name, message):
    _npy(tmp_path)
    with pytest.raises(bn.ConnectomeError, match=message) as info:
        bio.read_matrix(tmp_path / name, missing_lengths="zero")
    assert "allow_pickle" not in str(info.value)


def test_a_text_file_named_npz_is_not_called_pickled(tmp_path):
    path = tmp_path / "sc.npz"
    path.write_text("weights,lengths\n1,2\n")
    with pytest.raises(bn.ConnectomeError, match=r"sc\.npz' is not a readable \.npz file: it is not a NumPy file "
                                                 r"\(\.npz or \.npy\): it starts with b'weights,lengths\\n'\. Save "
                                                 r"the arrays with np\.savez"):
        bio.read_npz(path)
    np.savez(path, weights=np.eye(2), labels=np.array([{"a": 1}], dtype=object))
    with pytest.raises(bn.ConnectomeError, match=r"sc\.npz' holds pickled object arrays, which brainnet_cb never "
                                                 r"loads") as info:
        bio.read_npz(path)
    assert "allow_pickle" not in str(info.value)


def test_a_corrupted_compressed_mat_file_is_refused(tmp_path):
    path = tmp_path / "sc.mat"
    scipy.io.savemat(path, {"weights": np.eye(30), "tract_lengths": np.ones((30, 30))}, do_compression=True)
    raw = bytearray(path.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    path.write_bytes(bytes(raw))
    with pytest.raises(bn.ConnectomeError, match=r"the MATLAB file '.*sc\.mat' cannot be read: its compressed data "
                                                 r"are corrupted \(Error -3 while decompressing data"):
        bio.read_mat(path)


def test_a_truncated_netcdf_file_is_named_with_what_is_wrong(tmp_path):
    import xarray as xr

    path = tmp_path / "r.nc"
    bn.write_netcdf(xr.Dataset({"x": ("t", np.arange(1000.0))}), path)
    path.write_bytes(path.read_bytes()[:300])
    with pytest.raises(bn.DataError, match=r"the simulated result '.*r\.nc' cannot be read: it is truncated, damaged "
                                           r"or of another format \(.*\)\. Write it again\.$"):
        with reading(path, "the simulated result", bn.DataError, fix="Write it again."):
            xr.load_dataset(path, engine="netcdf4")


def test_damage_describes_each_raw_error():
    import zlib

    assert damage(zipfile.BadZipFile("Bad CRC-32 for file 'a.npy'")).startswith("it is corrupted: a checksum")
    assert damage(zlib.error("Error -3")) == "its compressed data are corrupted (Error -3)"
    assert damage(EOFError()) == "it ends early: the file is truncated"
    assert damage(PermissionError(13, "Permission denied")) == "this user may not read it (permission denied)"
    assert damage(KeyError("header")) == "a part it must hold is missing ('header')"


def test_a_damaged_tvb_zip_names_the_member_and_what_is_wrong(tmp_path):
    conn = bn.Connectome([[0, 1], [1, 0]], [[0, 30], [30, 0]], labels=["L", "R"], name="pair")
    path = bio.write_tvb(conn, tmp_path / "c.zip")
    with zipfile.ZipFile(path) as z:
        info = z.getinfo("weights.txt")
    raw = bytearray(path.read_bytes())
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    raw[start + info.compress_size // 2] ^= 0xFF
    path.write_bytes(bytes(raw))
    with pytest.raises(bn.ConnectomeError, match=r"c\.zip' member weights\.txt cannot be read: (its compressed data "
                                                 r"are corrupted|it is corrupted: a checksum does not match)"):
        bio.read_tvb(path)
    path.write_bytes(b"")
    with pytest.raises(bn.ConnectomeError, match=r"c\.zip' is not a readable zip archive \(truncated or corrupt\?\): "
                                                 r"it is not a complete zip archive"):
        bio.read_tvb(path)


# scipy's own words for an empty file: scipy 1.17 / scipy 1.13
@pytest.mark.parametrize("raw, said", [(b"", r"MatReadError: Mat file appears to be (truncated|empty)"),
                                       (b"MATLAB 5.0 garbage" * 3, r"IndexError: index out of range")])
def test_an_empty_or_garbled_mat_file_is_refused_as_damaged(tmp_path, raw, said):
    path = tmp_path / "x.mat"
    path.write_bytes(raw)
    with pytest.raises(bn.DataError, match=rf"the MATLAB file '.*x\.mat' cannot be read: it is damaged or truncated "
                                           rf"\({said}\)\. Save it again in MATLAB"):
        bn.read_fc(path)
    with pytest.raises(bn.ConnectomeError, match=rf"the MATLAB file '.*x\.mat' cannot be read: it is damaged or "
                                                 rf"truncated \({said}\)\. Save it again"):
        bio.read_connectome(path)
