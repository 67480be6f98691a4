"""``brainnet-cb fit``: its default is the working-point recipe on the bundled HCP data."""

import numpy as np
import pytest
import xarray as xr

import brainnet_cb as bn
from brainnet_cb import cli
from brainnet_cb.cli import config
from brainnet_cb.fitting.working_point import (
    DEFAULT_COUPLING_FRACTIONS,
    DEFAULT_EXCITABILITY,
    DEFAULT_HOMOTOPIC_WEIGHTS,
    DEFAULT_WEIGHT_EXPONENTS,
    EXPONENT_STEP,
    MAX_EXPONENT_EXTENSIONS,
)


def test_fit_default_is_the_working_point_on_the_bundled_hcp_groups():
    cfg = config.FitConfig()
    assert cfg.fit.method == "working_point"
    assert cfg.connectome.atlas == "hcp80" and cfg.fit.empirical == "hcp80" and cfg.fit.test == "hcp80"
    assert cfg.noise == {"v": 0.02} and cfg.run.duration == 288_000.0
    # the scanned grid is the recipe's own default, written out so --print-config shows it
    assert cfg.fit.excitability == list(DEFAULT_EXCITABILITY)
    np.testing.assert_allclose(cfg.fit.fractions, DEFAULT_COUPLING_FRACTIONS, rtol=0, atol=1e-12)
    assert cfg.fit.weight_exponents == list(DEFAULT_WEIGHT_EXPONENTS)
    assert cfg.fit.extend_exponents is True
    doc = type(cfg.fit).__dataclass_fields__["extend_exponents"].metadata["doc"]  # its help states the constants
    assert f"{EXPONENT_STEP:g} times larger" in doc and f"at most {MAX_EXPONENT_EXTENSIONS} more" in doc
    assert cfg.fit.homotopic_weights == list(DEFAULT_HOMOTOPIC_WEIGHTS)
    assert cfg.fit.workers == 0  # all the CPUs the process may use
    assert cfg.fit.seeds == 2 and cfg.fit.control_variate is True and cfg.fit.candidates == 1
    # 400 volumes of the data's TR: a gradient fit of the same config needs whole TRs
    assert cfg.run.duration % cfg.monitors.bold.tr == 0
    conn = config.build_connectome(cfg.connectome)
    assert conn.n_regions == 80
    np.testing.assert_array_equal(conn.weights, bn.load_empirical("hcp80").connectome.weights)


@pytest.mark.slow
def test_fit_command_short_mode_scores_fit_and_held_out_groups_beside_the_baseline(tmp_path, capsys):
    out = tmp_path / "fit.nc"
    args = ["fit", "--set", "fit.excitability=[-2.0]", "--set", "fit.fractions=[1.0]", "--set", "fit.seeds=1",
            "--set", "fit.workers=1",
            "--set", "fit.candidates=1", "--set", "fit.bandpass=false", "--set", "monitors.bold.discard=5000.0",
            "--set", "fit.effective_connectivity=false",  # its own test below, on 20 regions
            "--duration", "36000", "--out", str(out), "--quiet"]
    assert cli.main(args) == 0
    text = capsys.readouterr().out
    with xr.open_dataset(out) as res:
        a = dict(res.attrs)
        res_scale = res["noise_scale"].values
        assert "[fit]" in a["config"]
        fc_runs = res["fc_runs"].values
    # the file runs the chosen point again: its one realisation, bit for bit
    ds = bn.fitted_simulation(out).run(progress=False)
    np.testing.assert_array_equal(bn.fc(ds.bold, discard=a["discard_s"]).values, fc_runs)
    assert f"run it again  bn.fitted_simulation({str(out)!r}).run()" in text
    hcp = bn.load_empirical("hcp80")
    assert a["value"] == -2.0 and a["G_over_G_ref"] == 1.0 and a["weight_exponent"] == 1.0  # HCP as given
    assert a["sc_baseline_test"] == pytest.approx(hcp.sc_baseline("test"), abs=1e-12)
    # the linearised working point generalises beyond the structural baseline on the held-out group
    assert a["test_corr_linear"] > a["sc_baseline_test"] + 0.1
    assert np.isfinite(a["test_corr"]) and a["test_corr"] > 0.2
    assert f"held-out FC   corr {a['test_corr']:.3f}" in text and "SC baseline" in text
    assert a["homotopic_pairs"] == 40 and a["homotopic_weight"] in (0.0, 0.5, 1.0, 2.0)
    assert f"homotopic connections {a['homotopic_weight']:g} x max(W) between 40 pairs of regions" in text
    assert a["control_variate"] == 1 and 0 < a["correction_rms"] < 0.05
    assert a["regional_noise"] == 1 and res_scale.max() == 1.0
    assert a["effective_connectivity"] == 0 and "connection weights" not in text
    assert (f"noise of each region fitted to the fit FC: amplitudes {res_scale.min():.3g} to 1 x the given (median "
            f"{np.median(res_scale):.3g}), shrinkage {a['noise_shrinkage']:g} (cross-validated)") in text
    assert ("simulated     1 realisation, each beside its linearised twin: nonlinear and delay correction to the "
            f"linear FC {a['correction_rms']:.4f} RMS") in text
    assert (f"within / between hemispheres {a['test_corr_within']:.3f} / {a['test_corr_between']:.3f} "
            f"(SC baseline {a['sc_baseline_test_within']:.3f} / {a['sc_baseline_test_between']:.3f})") in text


def _twenty_regions(tmp_path, **fcs):
    """The first 20 hcp80 regions as files (weights, lengths, labels, and each of ``fcs`` as ``<name>.npy``) and
    the ``--set`` pairs that read them."""
    hcp = bn.load_empirical("hcp80")
    labels = list(hcp.connectome.labels[:20])
    sub = hcp.connectome.subset(labels)
    np.save(tmp_path / "w.npy", np.asarray(sub.weights))
    np.save(tmp_path / "l.npy", np.asarray(sub.lengths))
    (tmp_path / "labels.txt").write_text("\n".join(labels) + "\n")
    for name, fc in fcs.items():
        np.save(tmp_path / f"{name}.npy", fc.sel(region_i=labels, region_j=labels).values)
    (tmp_path / "fit.toml").write_text("")
    return {"connectome.atlas": '""', "connectome.weights": '"w.npy"', "connectome.lengths": '"l.npy"',
            "connectome.labels": '"labels.txt"', "fit.excitability": "[-2.0]", "fit.fractions": "[1.0, 1.05]",
            "fit.weight_exponents": "[1.0]", "fit.seeds": "1", "fit.workers": "1", "fit.bandpass": "false",
            "monitors.bold.discard": "5000.0"}


def _fit_args(tmp_path, sets, out):
    return ["fit", str(tmp_path / "fit.toml"), *[x for k, v in sets.items() for x in ("--set", f"{k}={v}")],
            "--duration", "36000", "--out", str(out), "--quiet"]


def test_fit_command_refines_the_connection_weights_and_scores_held_out_connections(tmp_path, capsys):
    """20 hcp80 regions from files, half of the connections held out: the refined weights are said and written."""
    hcp = bn.load_empirical("hcp80")
    out = tmp_path / "fit.nc"
    sets = {**_twenty_regions(tmp_path, fc=hcp.fc_fit), "fit.empirical": '"fc.npy"', "fit.test": '""',
            "fit.holdout": '"edges"', "fit.homotopic_weights": "[1.0]"}
    assert cli.main(_fit_args(tmp_path, sets, out)) == 0
    text = capsys.readouterr().out
    with xr.open_dataset(out) as res:
        a = dict(res.attrs)
        w, w0 = res["weights"].values, res["structural_weights"].values
    assert a["effective_connectivity"] == 1 and np.isfinite(a["connection_shrinkage"])
    ratio = w[w0 > 0] / w0[w0 > 0]
    assert (f"{ratio.size} connection weights refined to the fit FC: x {ratio.min():.3g} to {ratio.max():.3g} of "
            f"the tracts' (median {np.median(ratio):.3g}), shrinkage {a['connection_shrinkage']:g} "
            f"(half the cross-validated {2 * a['connection_shrinkage']:g}, refitted on all connections)") in text
    # the held-out connections (never fitted) are predicted well beyond the structural baseline
    assert a["test_corr_linear"] > a["test_corr_linear_structural"] + 0.1 > a["sc_baseline_test"] + 0.2


def test_working_point_fit_refuses_a_coupling_it_cannot_scan(tmp_path, capsys):
    assert cli.main(["fit", "--set", 'coupling.kind="Diffusive"', "--out", str(tmp_path / "f.nc")]) == 2
    err = capsys.readouterr().err
    assert 'coupling.kind = \'Diffusive\'' in err and 'method = "grid"' in err
    assert not (tmp_path / "f.nc").exists()


@pytest.mark.parametrize("table, message", [
    ('kind = "OrnsteinUhlenbeck"\ntau = 2000.0\nv = 0.02\n',
     'fit.method = "working_point" predicts FC for white noise (its linear stage); got noise.kind = '
     "'OrnsteinUhlenbeck'. Remove noise.kind and noise.tau, or use method = \"grid\"."),
    ("", 'fit.method = "working_point" needs noise (an empty [noise] table has none); set e.g. noise.v = 0.02.'),
])
def test_fit_working_point_refuses_noise_its_linear_stage_cannot_predict(tmp_path, capsys, table, message):
    path = tmp_path / "fit.toml"
    path.write_text("[noise]\n" + table)
    assert cli.main(["fit", str(path), "--out", str(tmp_path / "fit.nc"), "--quiet"]) == 2
    assert capsys.readouterr().err == f"brainnet-cb: error: {message}\n"
    assert not (tmp_path / "fit.nc").exists()


def test_fit_command_cross_validates_on_the_halves_it_is_given(tmp_path, capsys):
    """fit.empirical_halves: the 20 regions' FCs of the first and second half of the fit group's series; the
    regional noise's shrinkage is chosen on them (a time split: its own cv curve and choice, not the pairs'), and
    one file alone is refused by the recipe's own check of fc_halves, naming the key."""
    hcp = bn.load_empirical("hcp80")
    halves = {part: hcp.fc_half(part, "fit") for part in ("first", "second")}
    sets = {**_twenty_regions(tmp_path, fc=hcp.fc_fit, test=hcp.fc_test, **halves), "fit.empirical": '"fc.npy"',
            "fit.test": '"test.npy"', "fit.empirical_halves": '["first.npy", "second.npy"]',
            "fit.homotopic_weights": "[0.0]", "fit.effective_connectivity": "false"}
    assert cli.main(_fit_args(tmp_path, sets, tmp_path / "fit.nc")) == 0
    assert cli.main(_fit_args(tmp_path, {**sets, "fit.empirical_halves": "[]"}, tmp_path / "pairs.nc")) == 0
    with xr.open_dataset(tmp_path / "fit.nc") as res, xr.open_dataset(tmp_path / "pairs.nc") as pairs:
        assert res.attrs["shrinkage_folds"] == "time halves" and pairs.attrs["shrinkage_folds"] == "pairs"
        chosen = [float(r.shrinkage.values[np.argmax(r.noise_shrinkage_cv.values)]) for r in (res, pairs)]
        assert [res.attrs["noise_shrinkage"], pairs.attrs["noise_shrinkage"]] == chosen == [0.0, 0.01]
        # the halves' folds score every pair of the other half's FC: a curve of their own (0.665 vs 0.602 at 0)
        assert np.max(np.abs(res.noise_shrinkage_cv.values - pairs.noise_shrinkage_cv.values)) > 0.05
    sets["fit.empirical_halves"] = '["first.npy"]'
    capsys.readouterr()
    assert cli.main(_fit_args(tmp_path, sets, tmp_path / "other.nc")) == 2
    assert capsys.readouterr().err == ("brainnet-cb: error: fit.empirical_halves must be two FCs, of the first and "
                                       "of the second half of each series behind fit.empirical "
                                       "(bn.fc_halves(series)); got list of length 1.\n")
    assert not (tmp_path / "other.nc").exists()
