"""Bundled atlases: equal to tvb-data's files up to the documented cleaning."""

import bz2
import hashlib
import importlib.util
import io
import pathlib
import zipfile

import numpy as np
import pytest

import brainnet_cb as bn
from brainnet_cb.data.atlases import atlas_path

SIZES = {"tvb66": 66, "tvb68": 68, "tvb76": 76, "tvb96": 96, "tvb192": 192}


def _tvb_data_zip(n):
    spec = importlib.util.find_spec("tvb_data")
    if spec is None:
        return None
    path = pathlib.Path(spec.origin).parent / "connectivity" / f"connectivity_{n}.zip"
    return path if path.exists() else None


def _independent_read(path):
    """Parse a TVB zip with zipfile + numpy only (not with brainnet_cb's reader)."""
    out = {}
    with zipfile.ZipFile(path) as z:
        for member in z.namelist():
            raw = z.read(member)
            base = pathlib.PurePosixPath(member).name
            if base.endswith(".bz2"):
                raw, base = bz2.decompress(raw), base[:-4]
            out[base] = raw.decode()
    weights = np.loadtxt(io.StringIO(out["weights.txt"]))
    lengths = np.loadtxt(io.StringIO(out["tract_lengths.txt"]))
    labels = [line.split()[0] for line in out["centres.txt"].splitlines() if line.strip()]
    centres = np.array([[float(v) for v in line.split()[1:4]]
                        for line in out["centres.txt"].splitlines() if line.strip()])
    return weights, lengths, labels, centres


def test_list_atlases_and_default():
    assert bn.list_atlases() == tuple(SIZES)
    assert bn.load_atlas().name == "tvb76"


@pytest.mark.parametrize("name", list(SIZES))
def test_atlas_equals_tvb_data_up_to_documented_cleaning(name):
    n = SIZES[name]
    bundled = atlas_path(name)
    info = bn.atlas_info(name)
    assert hashlib.sha256(bundled.read_bytes()).hexdigest() == info.sha256
    reference = _tvb_data_zip(n) or bundled  # tvb-data when installed (pip install .[test])
    if reference != bundled:
        assert hashlib.sha256(reference.read_bytes()).hexdigest() == info.sha256
    w, L, labels, centres = _independent_read(reference)

    raw = bn.load_atlas(name, clean=False)
    assert raw.n_regions == n and list(raw.labels) == labels
    np.testing.assert_array_equal(raw.weights, w)
    np.testing.assert_array_equal(raw.lengths, L)
    np.testing.assert_array_equal(raw.centres, centres)

    conn = bn.load_atlas(name)
    w_clean, L_clean = w.copy(), L.copy()
    np.fill_diagonal(w_clean, 0)
    np.fill_diagonal(L_clean, 0)
    L_clean[w_clean == 0] = 0
    np.testing.assert_array_equal(conn.weights, w_clean)
    np.testing.assert_array_equal(conn.lengths, L_clean)
    assert conn.labels == raw.labels and conn.name == name
    assert conn.hemispheres.sum() == n // 2
    # the documented diagonal count is what cleaning removed
    assert f"({np.count_nonzero(np.diag(w))} self-weights removed)" in info.cleaning
    assert f"({int(np.sum((L > 0) & (w == 0)))} entries)" in info.cleaning


def test_tvb76_details_are_reported_not_dropped():
    conn = bn.load_atlas("tvb76")
    assert conn.disconnected() == ("rCC", "lCC")
    assert any("rCC, lCC" in note for note in bn.atlas_info("tvb76").notes)
    assert conn.cortical is not None and conn.areas is not None and conn.orientations.shape == (76, 3)
    assert not np.array_equal(conn.weights, conn.weights.T)  # orientation kept
    assert conn.hemispheres[conn.labels.index("rA1")] and not conn.hemispheres[conn.labels.index("lA1")]


def test_tvb192_zero_length_edges_are_kept_and_counted():
    conn = bn.load_atlas("tvb192")
    off = ~np.eye(192, dtype=bool)
    assert int(np.sum((conn.weights > 0) & (conn.lengths == 0) & off)) == 22
    assert conn.disconnected() == ("lCC", "rCC")


def test_tvb96_hemispheres_from_suffix():
    conn = bn.load_atlas("tvb96")
    assert conn.hemispheres[conn.labels.index("RM-V1_R")]
    assert not conn.hemispheres[conn.labels.index("RM-V1_L")]
    suffix = [label[-2:] for label in conn.labels]
    assert sorted(set(suffix)) == ["_L", "_R"] and suffix.count("_R") == 48  # every label, 48 per side
    np.testing.assert_array_equal(conn.hemispheres, [s == "_R" for s in suffix])  # True = right


def test_unknown_atlas_lists_valid_names():
    with pytest.raises(bn.ConnectomeError, match=r"unknown atlas 'tvb77'; valid names are \('tvb66', 'tvb68', "
                       r"'tvb76', 'tvb96', 'tvb192'\)\. Did you mean 'tvb76'\?"):
        bn.load_atlas("tvb77")
    with pytest.raises(bn.ConnectomeError, match=r"^unknown atlas \['x'\]; valid names are \('tvb66', 'tvb68', "
                                                 r"'tvb76', 'tvb96', 'tvb192'\)\. To read your own file use "
                                                 r"brainnet_cb\.io\.read_connectome\(path\)\.$"):
        bn.load_atlas(["x"])


@pytest.mark.parametrize("name, meant", [
    ("tvb67", "'tvb66' or 'tvb68'"),  # names count regions: the nearest counts, not the closest spelling (tvb96)
    ("TVB76", "'tvb76'"), ("tvb_76", "'tvb76'"), ("76", "'tvb76'"), ("tvb19", "'tvb192'"),
])
def test_a_misspelt_atlas_is_matched_by_its_count_of_regions(name, meant):
    with pytest.raises(bn.ConnectomeError) as err:
        bn.load_atlas(name)
    assert str(err.value) == (f"unknown atlas {name!r}; valid names are ('tvb66', 'tvb68', 'tvb76', 'tvb96', "
                              f"'tvb192'). Did you mean {meant}? To read your own file use "
                              "brainnet_cb.io.read_connectome(path).")


def test_the_hcp_names_of_the_command_line_say_how_python_loads_them():
    with pytest.raises(bn.ConnectomeError) as err:
        bn.load_atlas("hcp80")
    assert str(err.value) == ("'hcp80' is not an atlas of load_atlas (those are ('tvb66', 'tvb68', 'tvb76', 'tvb96', "
                              "'tvb192')): the bundled 80-region HCP connectome comes with its empirical FC; load it "
                              "with bn.load_empirical('hcp80').connectome.")
    with pytest.raises(bn.ConnectomeError, match=r"^'hcp' is not an atlas of load_atlas .*bn\.hcp_connectome\(\)"):
        bn.load_atlas("hcp")


def test_atlas_round_trips_through_networkx():
    conn = bn.load_atlas("tvb76")
    assert bn.Connectome.from_networkx(conn.to_networkx()) == conn


@pytest.mark.parametrize("name", list(SIZES))
def test_the_licence_names_the_installed_gpl3_text(name):
    """licence named 'atlases/tvb/LICENSE', a path of the repository: a pip-installed package has the file at
    brainnet_cb/atlases_data/tvb/LICENSE. It names the absolute path, found where the atlas files are."""
    info = bn.atlas_info(name)
    path = info.licence_file
    assert path.is_absolute() and path == atlas_path(name).parent / "LICENSE"
    assert info.licence == f"GPL-3.0-or-later; full text: {path}"
    text = path.read_text()
    assert "GNU GENERAL PUBLIC LICENSE\n                       Version 3, 29 June 2007" in text
    assert "either\nversion 3 of the License, or (at your option) any later version." in text  # "-or-later"
