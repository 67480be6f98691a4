"""What the command line refuses before any run: outputs it would lose or cannot name, config files that are not
TOML text, seeds a random key cannot hold, and the fixes it suggests name configuration keys."""

import argparse
import re

import networkx as nx
import numpy as np
import pytest

from brainnet_cb import cli
from brainnet_cb.cli import common, config, sweep_fit
from brainnet_cb.cli.config_schema import ConfigError

HOW = "`brainnet-cb run --print-config > run.toml`"


def _error(capsys):
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1
    return captured.err.removeprefix("brainnet-cb: error: ").rstrip("\n")


@pytest.mark.parametrize("command, name, fix, beside", [
    ("run", "result.txt", "result.nc", " (its summary figure goes beside it as .png)"),
    ("run", "same.png", "same.nc", " (its summary figure goes beside it as .png)"),
    ("run", "same.PNG", "same.nc", " (its summary figure goes beside it as .png)"),
    ("run", "run.v2", "run.v2.nc", " (its summary figure goes beside it as .png)"),
    ("sweep", "result.csv", "result.nc", " (its heat map goes beside it as .png)"),
    ("fit", "result.txt", "result.nc", ""),
])
def test_an_output_with_another_suffix_than_netcdf_is_refused_before_the_run(tmp_path, capsys, command, name, fix,
                                                                             beside):
    """--out x.txt wrote NetCDF under that name (and --out x.png, without the figure, a NetCDF file named .png)."""
    out = tmp_path / name
    assert cli.main([command, "--out", str(out), "--quiet"]) == 2
    assert _error(capsys) == (f"the output path (--out) {str(out)!r} ends in {out.suffix}, but brainnet-cb {command} "
                              f"writes a NetCDF file{beside}; give a name ending in .nc (or .nc4, .netcdf, .cdf), "
                              f"e.g. --out {tmp_path / fix}.")
    assert list(tmp_path.iterdir()) == []


def test_a_png_output_is_refused_without_the_figure_too_and_the_figure_goes_beside_a_nc_output(tmp_path):
    args = argparse.Namespace(out=None, out_key="output.path", command="run")
    assert common.output_paths(str(tmp_path / "a.nc"), args, figure=True) == [tmp_path / "a.nc",
                                                                                 tmp_path / "a.png"]
    assert common.output_paths(str(tmp_path / "a.NC4"), args, figure=False) == [tmp_path / "a.NC4"]
    png, nc = re.escape(repr(str(tmp_path / "a.png"))), re.escape(str(tmp_path / "a.nc"))
    with pytest.raises(ConfigError, match=rf"^the output path \(output\.path\) {png} ends in \.png, but brainnet-cb "
                                          rf"run writes a NetCDF file; give a name ending in \.nc \(or \.nc4, \.netcdf, "
                                          rf"\.cdf\), e\.g\. --out {nc}\.$"):
        common.output_paths(str(tmp_path / "a.png"), args, figure=False)


@pytest.mark.parametrize("name", ["result", "result."])
def test_a_name_without_suffix_gets_nc_and_its_figure_png(tmp_path, name):
    args = argparse.Namespace(out=str(tmp_path / name), out_key="output.path", command="run")
    assert common.output_paths(str(tmp_path / name), args, figure=True) == [tmp_path / "result.nc",
                                                                             tmp_path / "result.png"]
    args = argparse.Namespace(out=str(tmp_path / name), out_key="fit.path", command="fit")
    assert common.output_paths(str(tmp_path / name), args, figure=False) == [tmp_path / "result.nc"]


@pytest.mark.parametrize("command", ["run", "sweep", "fit"])
def test_out_without_suffix_writes_name_nc_so_an_existing_name_nc_is_refused(tmp_path, capsys, command):
    """--out result names result.nc end to end: the file it would replace is result.nc (checked before the run)."""
    (tmp_path / "result.nc").write_bytes(b"an earlier result")
    assert cli.main([command, "--out", str(tmp_path / "result"), "--quiet"]) == 2
    assert _error(capsys) == f"{tmp_path / 'result.nc'} exists; pass --overwrite to replace it, or choose another --out."
    assert (tmp_path / "result.nc").read_bytes() == b"an earlier result"


def test_out_without_suffix_naming_a_folder_with_nc_is_refused(tmp_path, capsys):
    (tmp_path / "result.nc").mkdir()
    assert cli.main(["run", "--out", str(tmp_path / "result"), "--quiet"]) == 2
    assert _error(capsys) == (f"the output path (--out) {str(tmp_path / 'result')!r} is written as "
                              f"{str(tmp_path / 'result.nc')!r}, which is a folder; give a NetCDF file name, e.g. "
                              f"--out {tmp_path / 'result.nc' / 'run.nc'}.")


@pytest.mark.parametrize("command, example", [("run", "run.nc"), ("sweep", "sweep.nc"), ("fit", "fit.nc")])
def test_an_empty_or_folder_output_is_refused_before_the_run(tmp_path, capsys, command, example):
    assert cli.main([command, "--out", "", "--quiet"]) == 2
    assert _error(capsys) == f"the output path (--out) is empty; give a NetCDF file name, e.g. --out {example}."
    assert cli.main([command, "--out", str(tmp_path), "--overwrite", "--quiet"]) == 2
    assert _error(capsys) == (f"the output path (--out) {str(tmp_path)!r} is a folder; give a NetCDF file name, "
                              f"e.g. --out {tmp_path / example}.")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("command", ["run", "sweep", "fit"])
def test_a_zarr_store_name_is_refused_before_the_run(tmp_path, capsys, command):
    out = tmp_path / "result.zarr"
    assert cli.main([command, "--out", str(out), "--quiet"]) == 2
    assert _error(capsys) == (f"the output path (--out) {str(out)!r} ends in .zarr, the suffix of a Zarr store (a "
                              f"folder), but a NetCDF result is one file; name it {str(tmp_path / 'result.nc')!r}.")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("command, cls, key", [("run", config.RunConfig, "output"), ("sweep", config.SweepConfig,
                                                                                      "sweep"),
                                               ("fit", config.FitConfig, "fit")])
def test_the_printed_config_writes_where_out_says(capsys, command, cls, key):
    assert cli.main([command, "--out", "elsewhere.nc", "--print-config"]) == 0
    printed = config.loads(capsys.readouterr().out, cls)
    assert getattr(printed, key).path == "elsewhere.nc"
    assert printed == config.apply_overrides(cls(), [f'{key}.path="elsewhere.nc"'])


def test_a_config_that_is_not_utf8_text_or_is_a_folder_is_named(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "bin.toml").write_bytes(b"\xff\xff")
    assert cli.main(["run", "bin.toml", "--print-config"]) == 2
    assert _error(capsys) == ("config file 'bin.toml' is not UTF-8 text (byte 0), so not a TOML file; give a TOML "
                              f"file, e.g. one written by {HOW}.")
    (tmp_path / "somedir").mkdir()
    assert cli.main(["sweep", "somedir"]) == 2
    assert _error(capsys) == f"config file 'somedir' is a folder; give a TOML file, e.g. one written by {HOW}."
    (tmp_path / "bom.toml").write_bytes(b"\xef\xbb\xbf[run]\nseed = 3\n")  # a byte-order mark: still the file
    assert config.load("bom.toml").run.seed == 3


@pytest.mark.parametrize("seed", ["99999999999999999999999", "9223372036854775808"])
def test_a_seed_the_random_key_cannot_hold_is_refused(capsys, seed):
    assert cli.main(["run", "--seed", seed, "--print-config"]) == 2
    assert _error(capsys) == f"run.seed = {seed} is out of range; allowed: 0 <= seed <= 9223372036854775807."
    assert config.loads("[run]\nseed = 4294967296\n").run.seed == 2**32  # its own key (seed 0's before)


def _matrices(folder):
    rng = np.random.default_rng(0)
    w = rng.random((4, 4))
    np.fill_diagonal(w, 0)
    np.save(folder / "w.npy", w)
    np.savez(folder / "w.npz", weights=w)
    np.save(folder / "l.npy", np.full((4, 4), 30.0))


def test_weights_without_lengths_name_the_key_that_runs_without_delays(tmp_path, capsys):
    _matrices(tmp_path)
    (tmp_path / "s.toml").write_text('[connectome]\nweights = "w.npy"\n[sweep]\ngrid = { G = [0.5] }\n')
    assert cli.main(["sweep", str(tmp_path / "s.toml"), "--out", str(tmp_path / "s.nc")]) == 2
    assert _error(capsys) == ("connectome.weights is set without connectome.lengths; delays need tract lengths (mm). "
                              'Set connectome.lengths to their file, or connectome.missing_lengths = "zero" to run '
                              "without conduction delays.")
    (tmp_path / "f.toml").write_text('[connectome]\nfile = "w.npz"\n')
    assert cli.main(["run", str(tmp_path / "f.toml"), "--out", str(tmp_path / "r.nc")]) == 2
    assert _error(capsys) == (f"'{tmp_path / 'w.npz'}': no tract lengths found (looked for keys 'lengths', "
                              "'tract_lengths'); delays need lengths in mm. Add them, or set "
                              'connectome.missing_lengths = "zero" to build a network without conduction delays.')
    for table in ('weights = "w.npy"', 'file = "w.npz"'):
        section = config.loads(f'[connectome]\n{table}\nmissing_lengths = "zero"\n').connectome
        conn = config.build_connectome(section, tmp_path)
        assert conn.n_regions == 4 and not np.any(conn.lengths)
    with pytest.raises(ConfigError, match=r'^connectome\.missing_lengths = "none" is not allowed; allowed: "raise", '
                                          r'"zero"\.$'):
        config.loads('[connectome]\nmissing_lengths = "none"\n')


def test_a_graphml_without_lengths_names_the_key_too(tmp_path, capsys):
    g = nx.DiGraph()
    g.add_edge("a", "b", weight=1.0)
    g.add_edge("b", "a", weight=0.5)
    nx.write_graphml(g, tmp_path / "g.graphml")
    (tmp_path / "g.toml").write_text('[connectome]\nfile = "g.graphml"\n')
    assert cli.main(["run", str(tmp_path / "g.toml"), "--out", str(tmp_path / "r.nc")]) == 2
    assert _error(capsys) == (f"'{tmp_path / 'g.graphml'}': no tract lengths found (no edge has a 'length' "
                              "attribute); delays need lengths in mm. Add them, or set "
                              'connectome.missing_lengths = "zero" to build a network without conduction delays.')


def test_a_weights_matrix_as_connectome_file_reads_its_lengths_and_labels(tmp_path):
    _matrices(tmp_path)
    (tmp_path / "labels.txt").write_text("a\nb\nc\nd\n")
    section = config.loads('[connectome]\nfile = "w.npy"\nlengths = "l.npy"\nlabels = "labels.txt"\n').connectome
    conn = config.build_connectome(section, tmp_path)
    np.testing.assert_array_equal(conn.weights, np.load(tmp_path / "w.npy"))
    np.testing.assert_array_equal(conn.lengths, np.load(tmp_path / "l.npy"))
    assert list(conn.labels) == ["a", "b", "c", "d"]
    section = config.loads('[connectome]\nfile = "w.npy"\n').connectome
    with pytest.raises(ConfigError, match=r"^connectome\.file is set without connectome\.lengths; delays need tract "
                                          r"lengths \(mm\)\. Set connectome\.lengths to their file, or "
                                          r'connectome\.missing_lengths = "zero" to run without conduction delays\.$'):
        config.build_connectome(section, tmp_path)


@pytest.mark.parametrize("table, message", [
    ('file = "w.npz"\nlabels = "labels.txt"',
     "connectome.labels is read beside a weights matrix only; connectome.file = 'w.npz' holds its own tract "
     "lengths and labels. Remove connectome.labels, or give the matrices as connectome.weights, "
     "connectome.lengths and connectome.labels."),
    ('file = "w.npz"\nlengths = "l.npy"\nlabels = "labels.txt"',
     "connectome.lengths and connectome.labels are read beside a weights matrix only; connectome.file = 'w.npz' "
     "holds its own tract lengths and labels. Remove connectome.lengths and connectome.labels, or give the "
     "matrices as connectome.weights, connectome.lengths and connectome.labels."),
    ('lengths = "l.npy"',
     "connectome.lengths is read beside a weights matrix only, and neither connectome.weights nor connectome.file "
     "is set (the atlas 'tvb76' has its own). Set connectome.weights to the weights file, or remove "
     "connectome.lengths."),
])
def test_lengths_or_labels_that_would_be_ignored_are_refused(tmp_path, capsys, table, message):
    _matrices(tmp_path)
    (tmp_path / "labels.txt").write_text("a\nb\nc\nd\n")
    (tmp_path / "c.toml").write_text(f"[connectome]\n{table}\n")
    assert cli.main(["run", str(tmp_path / "c.toml"), "--out", str(tmp_path / "r.nc")]) == 2
    assert _error(capsys) == message
    assert not (tmp_path / "r.nc").exists()


def test_a_labelled_fc_against_a_connectome_without_labels_names_the_labels_key(tmp_path, capsys):
    _matrices(tmp_path)
    fc = np.corrcoef(np.random.default_rng(1).random((4, 50)))
    (tmp_path / "fc.csv").write_text(",a,b,c,d\n" + "".join(
        f"{name}," + ",".join(f"{v:.6f}" for v in row) + "\n" for name, row in zip("abcd", fc)))
    (tmp_path / "s.toml").write_text('[connectome]\nweights = "w.npy"\nlengths = "l.npy"\n'
                                     '[sweep]\ngrid = { G = [0.5] }\nempirical = "fc.csv"\n')
    assert cli.main(["sweep", str(tmp_path / "s.toml"), "--out", str(tmp_path / "s.nc")]) == 2
    assert _error(capsys).endswith(
        "The connectome has the default labels r0, r1, ... (connectome.labels is empty): set connectome.labels to "
        "a file of the FC's region labels, one per line, or give the FC without labels (e.g. a .npy file) in the "
        "connectome's region order.")
    (tmp_path / "labels.txt").write_text("a\nb\nc\nd\n")
    section = config.loads('[connectome]\nweights = "w.npy"\nlengths = "l.npy"\nlabels = "labels.txt"\n').connectome
    aligned = sweep_fit.empirical_fc("fc.csv", config.build_connectome(section, tmp_path), tmp_path)
    np.testing.assert_allclose(aligned.values, fc, atol=1e-6)
    assert not (tmp_path / "s.nc").exists()


def test_a_config_with_every_monitor_disabled_is_refused_before_the_run(tmp_path, capsys):
    off = "[monitors.activity]\nenabled = false\n[monitors.bold]\nenabled = false\n[monitors.eeg]\nenabled = false\n"
    (tmp_path / "c.toml").write_text(off)
    assert cli.main(["run", str(tmp_path / "c.toml"), "--out", str(tmp_path / "r.nc")]) == 2
    assert _error(capsys) == ("[monitors] records nothing: monitors.activity, monitors.bold and monitors.eeg are all "
                              "disabled (or EEG has no lead field); enable one, e.g. monitors.activity.enabled = true.")
    assert not (tmp_path / "r.nc").exists()


@pytest.mark.parametrize("table, message", [
    ('file = "empty"', "connectome.file = 'empty': '{empty}' contains no weights.txt (found: []); a TVB "
                       "connectivity needs weights.txt, tract_lengths.txt and centres.txt."),
    ('weights = "empty"\nmissing_lengths = "zero"', "connectome.weights = 'empty' is a folder ('{empty}'); give the "
                                                    "path of a file in it."),
    ('weights = "w.npy"\nlengths = "empty"', "connectome.lengths = 'empty' is a folder ('{empty}'); give the path of "
                                             "a file in it."),
    # the missing weights file is named first, not the lengths the user has not got to yet
    ('weights = "nothere.npy"', "connectome.weights = 'nothere.npy': no such file '{folder}/nothere.npy' (relative "
                                "paths are read from the config file's folder, {folder}); give the path of an "
                                "existing file."),
])
def test_a_connectome_path_that_is_a_folder_or_missing_is_refused_naming_its_key(tmp_path, capsys, table, message):
    _matrices(tmp_path)
    (tmp_path / "empty").mkdir()
    (tmp_path / "c.toml").write_text(f"[connectome]\n{table}\n")
    assert cli.main(["run", str(tmp_path / "c.toml"), "--out", str(tmp_path / "r.nc")]) == 2
    assert _error(capsys) == message.format(empty=tmp_path / "empty", folder=tmp_path)


@pytest.mark.parametrize("override, message", [
    ("coupling.kind=linear", 'coupling.kind = "linear" is not allowed (did you mean "Linear"?); allowed: "Linear", '
                             '"Diffusive", "Conductance".'),
    ("connectome.atlas=tvb67", 'connectome.atlas = "tvb67" is not allowed (did you mean "tvb66" or "tvb68"?); '
                               'allowed: "", "tvb66", "tvb68", "tvb76", "tvb96", "tvb192", "hcp", "hcp80".'),
    ("model.name=CoomesByrne", 'model.name = "CoomesByrne" is not allowed (did you mean "CoombesByrne"?); allowed: '
                               '"CoombesByrne", "CoombesByrne4D", "MontbrioPazoRoxin", "JansenRit".'),
    ("noise.kind=additive", 'noise.kind = "additive" is not allowed (did you mean "Additive"?); allowed: '
                            '"Additive", "OrnsteinUhlenbeck".'),
    ("model.parameters.eta=[]", "model.parameters.eta = [] is empty; expected a number or a non-empty list of numbers "
                                "(one per region)."),
])
def test_a_misspelt_choice_or_an_empty_list_is_named_with_the_fix(capsys, override, message):
    assert cli.main(["run", "--set", override, "--print-config"]) == 2
    assert _error(capsys) == message


@pytest.mark.parametrize("command, override, message", [
    ("sweep", "sweep.grid.G=[]", "sweep.grid.G = [] is empty; give the values to sweep, e.g. sweep.grid.G = [0.5, 1.0]."),
    ("fit", "fit.values=[]", "fit.values = [] is empty; expected a non-empty list of numbers, e.g. fit.values = [0.5, "
                             "1.0]."),
])
def test_an_empty_list_of_values_is_called_empty(capsys, command, override, message):
    assert cli.main([command, "--set", override, "--print-config"]) == 2
    assert _error(capsys) == message


@pytest.mark.parametrize("command, fix", [("run", "--no-figure"), ("sweep", "--set output.figure=false")])
def test_an_existing_summary_figure_is_named_as_the_figure_with_the_switch_that_leaves_it_out(tmp_path, capsys,
                                                                                               command, fix):
    (tmp_path / "x.png").write_text("keep")
    assert cli.main([command, "--out", str(tmp_path / "x.nc"), "--quiet"]) == 2
    assert _error(capsys) == (f"{tmp_path / 'x.png'} exists; pass --overwrite to replace it, choose another --out, "
                              f"or pass {fix} (it is the summary figure of {tmp_path / 'x.nc'}).")
    assert (tmp_path / "x.png").read_text() == "keep" and not (tmp_path / "x.nc").exists()


def test_a_json_config_is_told_that_configurations_are_toml(tmp_path, capsys):
    path = tmp_path / "c.json"
    path.write_text('{"run": {"duration": 100}}\n')
    assert cli.main(["run", str(path), "--print-config"]) == 2
    assert _error(capsys) == (f"{path}: not valid TOML: Invalid statement (at line 1, column 1); c.json looks like "
                              f"JSON, but a configuration is TOML, e.g. one written by {HOW}.")


def test_lengths_in_metres_are_warned_about_naming_the_key_and_a_fix_the_configuration_can_make(tmp_path, capsys):
    """The reader's advice ('pass lengths * 1000, or lengths * u.meter') is Python's; a configuration's user can
    only rescale the file."""
    _matrices(tmp_path)
    np.save(tmp_path / "l_m.npy", np.full((4, 4), 0.03))
    (tmp_path / "r.toml").write_text('[connectome]\nweights = "w.npy"\nlengths = "l_m.npy"\n'
                                     "[model.parameters]\neta = [1.0, 2.0]\n")  # refused after the connectome
    assert cli.main(["run", str(tmp_path / "r.toml"), "--out", str(tmp_path / "r.nc")]) == 2
    warning, error = capsys.readouterr().err.splitlines()
    assert warning == ("brainnet-cb: warning: connectome.lengths = 'l_m.npy': the longest tract length is 0.03 mm, "
                       "shorter than any tract between brain regions: lengths are read in mm. If they are in metres, "
                       "multiply the file's values by 1000 (the command line reads lengths in mm only).")
    assert error.startswith("brainnet-cb: error: ") and "model.parameters.eta" in error
