"""What a configuration's refusals name: the file and line of the key, the key of a missing file or of an
empirical FC that does not fit the connectome, a swept or fitted name no run parameter has, a default noise
table left beside another model; and what ``--help`` and ``atlases`` show."""

import dataclasses
import subprocess
import sys
from typing import ClassVar

import numpy as np
import pytest

import brainnet_cb as bn
from brainnet_cb import cli
from brainnet_cb.cli import config, sweep_fit
from brainnet_cb.cli.config_schema import ConfigError, ConnectomeSection, FitConfig, RunConfig, SweepConfig
from brainnet_cb.cli.config_toml import toml_value

PARAMETERS = "Delta, eta, k, v_syn, G, speed, seed, noise_r, noise_v"


def _error(capsys):
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1
    return captured.err.removeprefix("brainnet-cb: error: ").rstrip("\n")


@pytest.fixture
def matrices(tmp_path):
    """A 4-region connectome's weights, lengths and labels in ``tmp_path/data``; its config goes in ``tmp_path/cfg``."""
    (tmp_path / "data").mkdir()
    (tmp_path / "cfg").mkdir()
    w = np.ones((4, 4)) - np.eye(4)
    np.save(tmp_path / "data" / "w.npy", w)
    np.save(tmp_path / "data" / "l.npy", 20.0 * w)
    (tmp_path / "data" / "labels.txt").write_text("a\nb\nc\nd\n")
    return tmp_path


@pytest.mark.parametrize("command, text, line, message", [
    ("run", "# a comment\n[run]\ndt = 0.1\nduration = -1.0\n", 4,
     "run.duration = -1.0 is out of range; allowed: 0 < duration <= 1e+08 (ms)."),
    ("run", "[rnu]\nduration = 5.0\n", 1,
     "unknown key 'rnu' (did you mean 'run'?); allowed keys in the top level: run, connectome, model, coupling, "
     "noise, monitors, output."),
    ("run", 'run.seed = 1\n[connectome]\natlas = "tvb77"\n', 3,
     'connectome.atlas = "tvb77" is not allowed (did you mean "tvb76"?); allowed: "", "tvb66", "tvb68", "tvb76", "tvb96", "tvb192", "hcp", '
     '"hcp80".'),
    ("run", "[model.parameters]\neta = 1.0\netaa = 1.0\n", 3,
     "unknown key 'model.parameters.etaa' (did you mean 'eta'?); allowed keys in [model.parameters] (parameters of "
     "CoombesByrne): Delta, eta, k, v_syn."),
    ("run", '[monitors.activity]\nvariables = ["x", "r"]\n', 2,
     'monitors.activity.variables = ["x", "r"] names \'x\', not a state variable of CoombesByrne; choose from "r", '
     '"v", "coupling" (or [] for all).'),
    ("sweep", "[sweep.grid]\neta = [\n  [1.0, 2.0, 3.0],\n  [1.0]\n]\n[run]\nduration = -1.0\n", 7,  # rows: no tables
     "run.duration = -1.0 is out of range; allowed: 0 < duration <= 1e+08 (ms)."),
    ("sweep", "[sweep]\nbandpass = false\ngrid = {G = [1.0], GG = [2.0]}\n", 3,
     "sweep.grid.GG is not a parameter of the run (did you mean 'G'?); choose a parameter of CoombesByrne, of the "
     f"Linear coupling, speed, seed or noise_<state>: {PARAMETERS}."),
    ("sweep", "[sweep.grid]\nG = [1.0]\ndt = [0.1, 0.2]\n", 3,
     "sweep.grid.dt: run.dt is one setting of the whole sweep, not a parameter it can vary; set run.dt instead and "
     f"run once per value. Parameters: {PARAMETERS}."),
    ("sweep", "[sweep]\ngrid = {}\n", 2, "sweep.grid is empty; name at least one parameter, e.g. G = [0.5, 1.0]."),
    ("fit", '[fit]\nmethod = "grid"\nparameter = "etaa"\n', 3,
     'fit.parameter = "etaa" is not a parameter of the run (did you mean \'eta\'?); choose a parameter of '
     f"CoombesByrne, of the Linear coupling, speed, seed or noise_<state>: {PARAMETERS}."),
])
def test_a_refused_key_is_named_with_its_file_and_line(tmp_path, capsys, command, text, line, message):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    assert cli.main([command, str(path), "--print-config"]) == 2
    assert _error(capsys) == f"{path}:{line}: {message}"


def test_key_line_finds_the_deepest_table_or_assignment_holding_the_key():
    text = '[sweep]\npath = "a.nc"\n[sweep.grid]\n"G" = [1.0]\n[noise]\nv = 1.0\n'
    assert [config.key_line(text, k) for k in ("sweep.grid.G", "sweep.path", "sweep.grid", "noise.v", "run.dt",
                                               "")] == [4, 2, 3, 6, 0, 0]
    assert config.key_line("run.dt = 1.0\n", "run.dt") == 1


def test_a_default_noise_table_beside_another_model_is_refused_as_the_default(tmp_path, capsys):
    path = tmp_path / "jr.toml"
    path.write_text('[model]\nname = "JansenRit"\n')
    assert cli.main(["run", str(path), "--print-config"]) == 2
    assert _error(capsys) == (
        f"{path}: the default [noise] table (kind = \"OrnsteinUhlenbeck\", tau = 2000.0, v = 0.003) is "
        "CoombesByrne's: 'v' is not a state variable of JansenRit (y0, y1, y2, y3, y4, y5). Give JansenRit a [noise] "
        "table of sigma per state variable (e.g. noise = {y0 = 0.01}), or an empty one for no noise (noise = {}).")
    assert cli.main(["run", "--set", "model.name=JansenRit", "--print-config"]) == 2
    assert "the default [noise] table" in _error(capsys)
    assert cli.main(["run", "--set", "model.name=JansenRit", "--set", "noise={y1 = 0.01}", "--print-config"]) == 0
    assert "[noise]\ny1 = 0.01\n" in capsys.readouterr().out
    # a table the user wrote is refused as theirs, not as the default
    with pytest.raises(ConfigError) as err:
        config.loads('[model]\nname = "JansenRit"\n[noise]\nv = 0.5\n')
    assert str(err.value) == ("unknown key 'noise.v'; allowed keys in [noise] (kind, tau and the state variables of "
                              "JansenRit): kind, tau, y0, y1, y2, y3, y4, y5.")


def test_relative_connectome_paths_are_read_from_the_config_folder_and_a_missing_one_is_named(matrices, capsys,
                                                                                              monkeypatch):
    monkeypatch.chdir(matrices / "data")  # the working folder holds w.npy too: it must not be the one read
    np.save(matrices / "data" / "w.npy", np.zeros((3, 3)))
    np.save(matrices / "w.npy", np.ones((4, 4)) - np.eye(4))
    section = ConnectomeSection(weights="../w.npy", lengths="../data/l.npy", labels="../data/labels.txt")
    conn = config.build_connectome(section, matrices / "cfg")
    assert conn.n_regions == 4 and list(conn.labels) == ["a", "b", "c", "d"]
    missing = ConnectomeSection(weights="../w.npy", lengths="../data/nope.npy")
    with pytest.raises(ConfigError) as err:
        config.build_connectome(missing, matrices / "cfg")
    assert str(err.value) == (f"connectome.lengths = '../data/nope.npy': no such file "
                              f"{str(matrices / 'cfg' / '../data/nope.npy')!r} (relative paths are read from the "
                              f"config file's folder, {matrices / 'cfg'}); give the path of an existing file.")
    with pytest.raises(ConfigError) as err:
        config.build_connectome(ConnectomeSection(file="/no/such.zip"))
    assert str(err.value) == ("connectome.file = '/no/such.zip': no such file '/no/such.zip'; give the path of an "
                              "existing file.")
    with pytest.raises(ConfigError) as err:
        config.build_connectome(ConnectomeSection(weights="x.npy", missing_lengths="zero"))
    assert str(err.value) == ("connectome.weights = 'x.npy': no such file 'x.npy' (relative paths are read from the "
                              f"working folder, {matrices / 'data'}); give the path of an existing file.")


def test_an_empirical_fc_that_does_not_fit_the_connectome_is_named_by_its_key(matrices):
    conn = config.build_connectome(ConnectomeSection(weights="w.npy", lengths="l.npy", labels="labels.txt"),
                                   matrices / "data")
    np.save(matrices / "cfg" / "fc5.npy", np.eye(5))
    with pytest.raises(ConfigError) as err:
        sweep_fit.empirical_fc("fc5.npy", conn, matrices / "cfg", key="sweep.empirical")
    assert str(err.value) == (
        "sweep.empirical = 'fc5.npy' is an FC of 5 regions without region labels, and the connectome 'w' has 4: give "
        "the FC of its 4 regions in the connectome's order, or an FC with region labels (e.g. a .csv with a header "
        "row of labels) to be matched by label.")
    with pytest.raises(ConfigError) as err:
        sweep_fit.empirical_fc("none.npy", conn, matrices / "cfg", key="fit.test")
    assert str(err.value).startswith(f"fit.test = 'none.npy': no such file {str(matrices / 'cfg' / 'none.npy')!r} "
                                     "(relative paths are read from the config file's folder")
    fc = np.full((4, 4), 0.3) + 0.7 * np.eye(4)
    fc[0, 1] = fc[1, 0] = 0.6
    (matrices / "cfg" / "fc.csv").write_text(",a,b,c,x\n" + "".join(
        f"{name}," + ",".join(map(str, row)) + "\n" for name, row in zip("abcx", fc)))
    with pytest.raises(ConfigError, match=r"^fit\.empirical = 'fc\.csv': data \(4 regions\) does not match connectome "
                                          r"'w' \(4 regions\): 1 connectome region is missing from the data: "
                                          r"\['d'\]; 1 data region is not in the connectome: \['x'\]\. Give "
                                          r"fit\.empirical the FC of the connectome's regions, with its labels\.$"):
        sweep_fit.empirical_fc("fc.csv", conn, matrices / "cfg")
    np.save(matrices / "cfg" / "fc4.npy", fc)  # unlabelled, the connectome's size: taken in its order
    assert sweep_fit.empirical_fc("fc4.npy", conn, matrices / "cfg").values[0, 1] == pytest.approx(0.6)


def test_a_bundled_fc_of_other_regions_names_its_key_and_atlas(matrices):
    """bn.align's advice ('Restrict the connectome with conn.subset(labels)', 'Use extra='drop'') named Python
    calls; the command line gives another FC or the connectome the bundled one was computed on."""
    hcp = bn.load_empirical("hcp80")
    conn = config.build_connectome(ConnectomeSection(weights="w.npy", lengths="l.npy", labels="labels.txt"),
                                   matrices / "data")
    with pytest.raises(ConfigError) as err:
        sweep_fit.empirical_fc("hcp80", conn, matrices / "cfg", group="test", key="fit.test")
    assert str(err.value).startswith("fit.test = \"hcp80\": data (80 regions) does not match connectome 'w' (4 "
                                     "regions): 4 connectome regions are missing from the data: ['a', 'b', 'c', 'd'];")
    assert str(err.value).endswith(". Give fit.test the FC of the connectome's regions, with its labels, or "
                                   "connectome.atlas = \"hcp80\", the connectome this FC was computed on.")
    sub = hcp.connectome.subset(list(hcp.connectome.labels[:78]))
    with pytest.raises(ConfigError) as err:
        sweep_fit.empirical_fc("hcp80", sub, matrices / "cfg")
    extra = hcp.connectome.labels[78:]
    assert str(err.value) == (
        f"fit.empirical = \"hcp80\": data (80 regions) does not match connectome {sub.name!r} (78 regions): 2 data "
        f"regions are not in the connectome: {list(extra)}. Give fit.empirical the FC of the connectome's regions "
        "only, or connectome.atlas = \"hcp80\", the connectome this FC was computed on.")


def test_a_connectome_without_centres_warns_of_no_eeg_as_a_warning(matrices, capsys):
    conn = config.build_connectome(ConnectomeSection(weights="w.npy", lengths="l.npy"), matrices / "data")
    monitors = config.build_monitors(RunConfig().monitors, conn)
    assert [type(m).__name__ for m in monitors] == ["TemporalAverage", "Bold"]
    assert capsys.readouterr().err == ("brainnet-cb: warning: no EEG: 'w' has no region centres for a sphere lead "
                                       "field (set monitors.eeg.enabled = false to silence this)\n")


@pytest.mark.parametrize("command, cls, out", [("run", RunConfig, "brainnet_cb_run.nc"),
                                               ("sweep", SweepConfig, "brainnet_cb_sweep.nc"),
                                               ("fit", FitConfig, "brainnet_cb_fit.nc")])
def test_help_shows_each_commands_defaults(capsys, command, cls, out):
    assert cli.main([command, "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    duration = {"run": "600000", "sweep": "120000", "fit": "288000"}[command]
    assert cls().run.duration == float(duration)
    assert f"simulated time in ms (= --set run.duration=...; default {duration})" in text
    assert "random seed (= --set run.seed=...; default 0)" in text
    assert f"; default {out}" in text
    for option in ("--print-config", "--set KEY=VALUE", "--overwrite", "--quiet", "--progress"):
        assert option in text


def test_atlases_lists_every_name_in_one_column_layout(capsys):
    assert cli.main(["atlases"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines[-2:]] == ["hcp", "hcp80"]
    assert len({line.index(" regions") for line in lines}) == 1  # the region counts end in one column


@pytest.mark.parametrize("command, overrides, message", [
    ("run", ["model.parameters.eta=[-1.0, -2.0]"], "model.parameters.eta has 2 values"),
    ("run", ["noise={v = [0.1, 0.2, 0.3, 0.4, 0.5]}"], "noise.v has 5 values"),
    ("sweep", ["sweep.grid={eta = [[1.0, 2.0, 3.0, 4.0], [0.0]]}"], "sweep.grid.eta (row 2) has 1 value"),
    ("fit", ["model.parameters.eta=[-1.0, -2.0]"], "model.parameters.eta has 2 values"),  # working point
])
def test_a_per_region_list_of_another_length_is_refused_by_key_before_the_run(matrices, capsys, command, overrides,
                                                                              message):
    argv = [command, "--set", f"connectome.weights={str(matrices / 'data' / 'w.npy')!r}", "--set",
            f"connectome.lengths={str(matrices / 'data' / 'l.npy')!r}", "--out", str(matrices / "out.nc"), "--quiet"]
    for item in overrides:
        argv += ["--set", item]
    assert cli.main(argv) == 2
    assert _error(capsys).endswith(f"{message}, and the connectome 'w' has 4 regions; give one number, or a list of "
                                   "one value per region (4 values).")
    assert not (matrices / "out.nc").exists()


def test_a_sweep_signal_the_run_does_not_record_is_refused_by_key(matrices, capsys):
    argv = ["sweep", "--set", f"connectome.weights={str(matrices / 'data' / 'w.npy')!r}", "--set",
            f"connectome.lengths={str(matrices / 'data' / 'l.npy')!r}", "--out", str(matrices / "out.nc"), "--quiet"]
    assert cli.main([*argv, "--set", "sweep.signal=r"]) == 2
    assert _error(capsys) == 'sweep.signal = "r" is not an output of this run; choose one of "bold".'
    assert cli.main([*argv, "--set", "sweep.signal=activity", "--set", "monitors.bold.enabled=false", "--set",
                     "monitors.activity.enabled=true"]) == 2
    assert _error(capsys) == ('sweep.signal = "activity" is not an output of this run; choose one of "r", "v"; '
                              '"bold" needs monitors.bold.enabled = true.')
    assert not (matrices / "out.nc").exists()


@pytest.mark.parametrize("command, table, other", [("run", "sweep", "[sweep]\ngrid = {G = [1.0]}\n"),
                                                   ("sweep", "fit", "[run]\nseed = 1\n\n[fit]\nsteps = 3\n"),
                                                   ("fit", "sweep", "[sweep]\nbandpass = false\n")])
def test_a_config_of_another_command_says_which_command_reads_it(tmp_path, capsys, command, table, other):
    path = tmp_path / "other.toml"
    path.write_text(other)
    assert cli.main([command, str(path), "--print-config"]) == 2
    line = other.splitlines().index(f"[{table}]") + 1
    assert _error(capsys) == (f"{path}:{line}: unknown key {table!r}: a [{table}] table is read by `brainnet-cb "
                              f"{table}`, not `brainnet-cb {command}`; give this file to `brainnet-cb {table}`, or "
                              f"remove the [{table}] table.")


def test_a_reader_that_closes_the_pipe_stops_the_command_quietly(tmp_path):
    proc = subprocess.Popen([sys.executable, "-m", "brainnet_cb", "run", "--print-config"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, cwd=tmp_path)
    proc.stdout.close()  # as `brainnet-cb run --print-config | head -0` does, before the command writes
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 141 and err == ""  # was "brainnet-cb: error: [Errno 32] Broken pipe"


@pytest.mark.parametrize("command", ["run", "sweep", "fit"])
def test_the_config_file_itself_is_no_output_even_with_overwrite(tmp_path, capsys, monkeypatch, command):
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "c.toml"
    path.write_text("[run]\nseed = 1\n")
    assert cli.main([command, "c.toml", "--out", "./c.toml", "--overwrite", "--quiet"]) == 2
    assert _error(capsys) == ("c.toml is the configuration file this command reads; writing the result there would "
                              "replace it, --overwrite or not. Choose another --out, e.g. --out c.nc.")
    assert path.read_text() == "[run]\nseed = 1\n"


def test_a_run_too_short_for_its_bold_monitor_is_refused_by_key_with_the_duration_that_keeps_a_volume(matrices,
                                                                                                     capsys):
    argv = ["run", "--set", f"connectome.weights={str(matrices / 'data' / 'w.npy')!r}", "--set",
            f"connectome.lengths={str(matrices / 'data' / 'l.npy')!r}", "--set", "monitors.eeg.enabled=false",
            "--out", str(matrices / "out.nc"), "--quiet"]
    assert cli.main([*argv, "--duration", "2000"]) == 2
    assert _error(capsys) == (
        "monitors.bold.discard = 20000 ms drops every BOLD volume of the run (run.duration = 2000 ms; 2 volumes at "
        "TR = 720 ms, the last at 1440 ms): set monitors.bold.discard below 1440 (e.g. --set "
        "monitors.bold.discard=0), or run.duration >= 20160 (--duration); or monitors.bold.enabled = false for no "
        "BOLD. run.duration is in ms: 2000 s is --duration 2000000.")
    assert cli.main([*argv, "--duration", "500"]) == 2
    assert _error(capsys) == (
        "monitors.bold.tr = 720 ms is longer than the run (run.duration = 500 ms): no BOLD volume would be "
        "recorded. Set run.duration >= 720 (--duration) or a shorter monitors.bold.tr; or monitors.bold.enabled = "
        "false for no BOLD. run.duration is in ms: 500 s is --duration 500000.")
    assert not (matrices / "out.nc").exists()
    # the duration named is the first that keeps a volume (27 volumes of 720 ms lie within the 20-s discard)
    cfg = config.apply_overrides(RunConfig(), [f"connectome.weights={str(matrices / 'data' / 'w.npy')!r}",
                                               f"connectome.lengths={str(matrices / 'data' / 'l.npy')!r}",
                                               "monitors.eeg.enabled=false"])
    with pytest.raises(ConfigError, match=r"^monitors\.bold\.discard = 20000 ms drops every BOLD volume of the "
                                          r"run \(run\.duration = 20159 ms; 27 volumes at TR = 720 ms, the last at "
                                          r"19440 ms\): set monitors\.bold\.discard below 19440 \(e\.g\. --set "
                                          r"monitors\.bold\.discard=0\), or run\.duration >= 20160 \(--duration\); or "
                                          r"monitors\.bold\.enabled = false for no BOLD\.$"):  # 20159 reads as ms
        config.build_simulation(config.apply_overrides(cfg, ["run.duration=20159.0"]))
    assert config.build_simulation(config.apply_overrides(cfg, ["run.duration=20160.0"])).duration == 20160.0


def test_a_state_set_on_top_of_the_default_noise_table_names_the_left_over_amplitude(capsys):
    # was "unknown key 'noise.v'; allowed keys in [noise] ...": the user had typed noise.y1, not noise.v
    assert cli.main(["run", "--set", "model.name=JansenRit", "--set", "noise.y1=0.01", "--print-config"]) == 2
    assert _error(capsys) == (
        "noise.v = 0.003 is left from the default [noise] table, which is CoombesByrne's (a --set noise.<state> adds "
        "to it): 'v' is not a state variable of JansenRit (y0, y1, y2, y3, y4, y5). Replace the whole table, e.g. "
        "--set 'noise={kind = \"OrnsteinUhlenbeck\", tau = 2000.0, y1 = 0.01}' (or a [noise] table in the file).")
    # the table named keeps the user's noise.y1 (it said y0 = 0.01, noise on another state than the one asked for)
    assert cli.main(["run", "--set", "model.name=JansenRit", "--set",
                     'noise={kind = "OrnsteinUhlenbeck", tau = 2000.0, y1 = 0.01}', "--print-config"]) == 0
    assert '[noise]\nkind = "OrnsteinUhlenbeck"\ntau = 2000.0\ny1 = 0.01\n' in capsys.readouterr().out
    with pytest.raises(ConfigError, match=r"^unknown key 'noise.v'"):  # a table of the user's own: theirs
        config.loads('[model]\nname = "JansenRit"\n[noise]\nv = 0.003\n')


def test_bold_of_a_model_without_r_is_chosen_by_monitors_bold_variable():
    # there was no key: BOLD of a model without 'r' (JansenRit, a plug-in) failed every run with
    # "Bold cannot use the source 'r' with JansenRit; choose one of (...)", which no configuration could choose
    cfg = config.loads('[model]\nname = "JansenRit"\n[noise]\n[monitors.eeg]\nenabled = false\n')
    with pytest.raises(ConfigError) as err:
        config.build_run(cfg)
    assert str(err.value) == (
        'monitors.bold.variable = "r" is not a source of JansenRit; choose one of "y0", "y1", "y2", "y3", "y4", '
        '"y5", "coupling", "eeg_source" (variable = "y0" in [monitors.bold], or --set monitors.bold.variable=y0), '
        "or set monitors.bold.enabled = false.")
    kwargs = config.build_run(config.apply_overrides(cfg, ["monitors.bold.variable=eeg_source"]))
    assert [m.variable for m in kwargs["monitors"] if isinstance(m, bn.Bold)] == ["eeg_source"]


def test_bold_of_a_derived_source_the_library_records_is_taken():
    # was refused: 'monitors.bold.variable = "synaptic_current" is not a source of CoombesByrne; choose one of "r",
    # "v", "coupling"', a source bn.Bold(variable="synaptic_current") records
    cfg = config.loads('[monitors.bold]\nvariable = "synaptic_current"\n')
    kwargs = config.build_run(cfg)
    assert [m.variable for m in kwargs["monitors"] if isinstance(m, bn.Bold)] == ["synaptic_current"]
    with pytest.raises(ConfigError, match=r'^monitors.bold.variable = "x" is not a source of CoombesByrne; choose one '
                                          r'of "r", "v", "coupling", "synaptic_current" \(variable = "r" in '):
        config.build_run(config.loads('[monitors.bold]\nvariable = "x"\n'))


def test_eeg_of_a_model_without_an_eeg_source_names_the_fix():
    @bn.node_model
    class Leak(bn.NodeModel):
        states: ClassVar[tuple] = ("x",)
        initial: ClassVar[dict] = {"x": 0.0}
        sends: ClassVar[str] = "x"
        receives: ClassVar[str] = "x"
        input_ports: ClassVar[tuple] = ("x",)

        def dfun(self, x, inputs):
            return -x + inputs.get("x", 0.0)

    bn.register_model(Leak)
    try:
        cfg = config.loads('[model]\nname = "Leak"\n[noise]\nx = 0.01\n[monitors.bold]\nvariable = "x"\n')
        with pytest.raises(ConfigError, match=r'^monitors.eeg: Leak declares no EEG source \(eeg_source, a class '
                           r'attribute \{state: coefficient\}\) and has no state "v", the default; declare one in the '
                           r'model \(e.g. eeg_source = \{"x": 1.0\}\), or set monitors.eeg.enabled = false.$'):
            config.build_run(cfg)
        kwargs = config.build_run(config.apply_overrides(cfg, ["monitors.eeg.enabled=false"]))
        assert [type(m).__name__ for m in kwargs["monitors"]] == ["TemporalAverage", "Bold"]
    finally:
        bn.unregister_model("Leak")


def test_print_config_of_another_model_lists_its_parameter_defaults(capsys):
    # [model.parameters] was printed empty: the parameters to edit were nowhere in the file
    assert cli.main(["run", "--set", "model.name=MontbrioPazoRoxin", "--print-config"]) == 0
    out = capsys.readouterr().out
    defaults = {f.name: f.default for f in dataclasses.fields(bn.MontbrioPazoRoxin)}
    lines = "".join(f"# {k} = {toml_value(v)}\n" for k, v in defaults.items())
    assert ("[model.parameters]\n# the model's defaults (a number, or a list of one value per region):\n" + lines
            + "\n[coupling]") in out
    assert config.loads(out) == config.loads('[model]\nname = "MontbrioPazoRoxin"\n')  # comments only


def test_white_noise_set_on_top_of_the_default_table_names_the_left_over_tau(capsys):
    # was "noise.tau is the correlation time of coloured noise; ... or remove it": no --set removes a key
    assert cli.main(["run", "--set", "noise.kind=Additive", "--set", "noise.v=0.01", "--print-config"]) == 2
    assert _error(capsys) == (
        "noise.tau = 2000.0 is left from the default [noise] table (coloured noise; a --set noise.kind adds to it) "
        "and has no meaning for kind = \"Additive\". Replace the whole table, e.g. --set "
        "'noise={kind = \"Additive\", v = 0.01}' (or a [noise] table in the file).")
    assert cli.main(["run", "--set", 'noise={kind = "Additive", v = 0.01}', "--print-config"]) == 0
    assert '[noise]\nkind = "Additive"\nv = 0.01\n' in capsys.readouterr().out
    with pytest.raises(ConfigError, match=r"^noise.tau is the correlation time of coloured noise"):  # the user's own
        config.loads('[noise]\nkind = "Additive"\ntau = 5.0\nv = 0.1\n')


def test_white_noise_of_another_model_names_a_table_of_its_own_states(capsys):
    # was --set 'noise={kind = "Additive", v = 0.003, y1 = 0.01}': the default's v, which JansenRit refuses
    assert cli.main(["run", "--set", "model.name=JansenRit", "--set", "noise.kind=Additive", "--set", "noise.y1=0.01",
                     "--print-config"]) == 2
    assert _error(capsys).endswith("Replace the whole table, e.g. --set 'noise={kind = \"Additive\", y1 = 0.01}' (or "
                                   "a [noise] table in the file).")
    assert cli.main(["run", "--set", "model.name=JansenRit", "--set", 'noise={kind = "Additive", y1 = 0.01}',
                     "--print-config"]) == 0
    assert '[noise]\nkind = "Additive"\ny1 = 0.01\n' in capsys.readouterr().out
    assert cli.main(["run", "--set", "model.name=JansenRit", "--set", "noise.kind=Additive", "--print-config"]) == 2
    assert "e.g. --set 'noise={kind = \"Additive\", y0 = 0.01}'" in _error(capsys)  # was v = 0.003


def test_connectome_clean_false_keeps_the_self_connections_of_tvb76_bit_for_bit(tmp_path, capsys):
    """connectome.clean = false is bn.load_atlas(name, clean=False): tvb76's 66 self-connections (and lengths of
    absent edges) as TVB reads the file; the default (true) is the cleaned atlas. The CLI had no way to keep them."""
    (tmp_path / "run.toml").write_text('[run]\nduration = 1000.0\n[connectome]\natlas = "tvb76"\nclean = false\n'
                                       '[monitors.bold]\nenabled = false\n')
    cfg = config.load(tmp_path / "run.toml")
    conn = config.build_simulation(cfg, tmp_path).connectome
    raw = bn.load_atlas("tvb76", clean=False)
    assert np.count_nonzero(np.diag(conn.weights)) == 66
    np.testing.assert_array_equal(conn.weights, raw.weights)
    np.testing.assert_array_equal(conn.lengths, raw.lengths)
    assert conn == raw
    cleaned = config.build_connectome(config.RunConfig().connectome)
    assert config.RunConfig().connectome.clean is True and cleaned == bn.load_atlas("tvb76")
    assert np.count_nonzero(np.diag(cleaned.weights)) == 0
    assert cli.main(["run", "--set", "connectome.clean=false", "--print-config"]) == 0
    printed = capsys.readouterr().out
    assert "\nclean = false\n" in printed and config.loads(printed).connectome.clean is False


@pytest.mark.parametrize("table, why", [
    ('file = "c.npz"', "connectome.file = 'c.npz' is read as it is, self-connections included"),
    ('weights = "w.npy"\nlengths = "l.npy"',
     "connectome.weights = 'w.npy' is read as it is, self-connections included"),
    ('atlas = "hcp80"', 'connectome.atlas = "hcp80" is read as it is and has no self-connections to keep'),
    ('atlas = "hcp"', 'connectome.atlas = "hcp" is read as it is and has no self-connections to keep'),
])
def test_connectome_clean_false_is_refused_where_nothing_is_cleaned(tmp_path, capsys, table, why):
    """The readers (bn.io.read_connectome, read_matrix) never clean; hcp and hcp80 have a zero diagonal."""
    (tmp_path / "run.toml").write_text(f"[connectome]\n{table}\nclean = false\n")
    assert cli.main(["run", str(tmp_path / "run.toml"), "--out", str(tmp_path / "r.nc")]) == 2
    assert _error(capsys) == ("connectome.clean = false keeps the self-connections of a bundled TVB atlas (tvb66, "
                              f"tvb68, tvb76, tvb96, tvb192); {why}. Remove connectome.clean.")
    assert list(tmp_path.iterdir()) == [tmp_path / "run.toml"]
