"""Command-line conventions: help, --version, one-line errors with status 2, progress only on a terminal,
one-line warnings, ``atlases`` lists every name the configuration accepts, default configurations run."""

import ast
import pathlib
import subprocess
import sys
import warnings

import pytest
import xarray as xr

import brainnet_cb as bn
from brainnet_cb import cli
from brainnet_cb.cli import commands, common
from brainnet_cb.cli.config_schema import ConnectomeSection


def test_a_bare_command_prints_the_help_and_succeeds(capsys):
    assert cli.main([]) == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: brainnet-cb [-h] [--version] {run,sweep,fit,atlases,info}")


def test_version(capsys):
    assert cli.main(["--version"]) == 0
    assert capsys.readouterr().out == f"brainnet-cb {bn.__version__}\n"


def test_the_installed_command_prints_help_and_version_without_a_traceback():
    bare = subprocess.run([sys.executable, "-m", "brainnet_cb"], capture_output=True, text=True)
    assert bare.returncode == 0 and bare.stdout.startswith("usage: brainnet-cb") and bare.stderr == ""
    bad = subprocess.run([sys.executable, "-m", "brainnet_cb", "rnu"], capture_output=True, text=True)
    assert bad.returncode == 2 and bad.stdout == ""
    assert bad.stderr == ("brainnet-cb: error: argument {run,sweep,fit,atlases,info}: invalid choice: 'rnu' "
                          "(choose from 'run', 'sweep', 'fit', 'atlases', 'info') (see brainnet-cb --help)\n")


@pytest.mark.parametrize("argv, message", [
    (["run", "--durashun"],
     "brainnet-cb: error: unrecognized arguments: --durashun (did you mean --duration?) (see brainnet-cb run --help)\n"),
    (["--sett", "coupling.G=1"],  # options without a command are run's (coupling.G=1 is taken as its CONFIG)
     "brainnet-cb: error: unrecognized arguments: --sett (did you mean --set?) (see brainnet-cb run --help)\n"),
    (["run", "--duration", "long"],
     "brainnet-cb: error: argument --duration: invalid float value: 'long' (see brainnet-cb run --help)\n"),
    (["sweep", "--seed", "1.5"],
     "brainnet-cb: error: argument --seed: invalid int value: '1.5' (see brainnet-cb sweep --help)\n"),
    (["info", "extra"], "brainnet-cb: error: unrecognized arguments: extra (see brainnet-cb info --help)\n"),
])
def test_usage_errors_are_one_line_with_status_2(capsys, argv, message):
    assert cli.main(argv) == 2
    captured = capsys.readouterr()
    assert captured.err == message and captured.out == ""


@pytest.mark.parametrize("command, says", [
    ("run", "Simulate a whole-brain network"), ("sweep", "Run a grid of simulations"),
    ("fit", "Fit the model to empirical functional connectivity"), ("atlases", "List every name connectome.atlas"),
    ("info", "Print the versions of brainnet_cb"),
])
def test_every_command_help_says_what_it_does_and_gives_an_example(capsys, command, says):
    assert cli.main([command, "--help"]) == 0
    text = capsys.readouterr().out
    description = text.split("\n\n")[1]
    assert " ".join(description.split()).startswith(says)
    examples = text[text.index("\nexample") + 1:].splitlines()[1:]
    assert examples and all(line.startswith("  brainnet-cb ") for line in examples)


def test_an_unreadable_config_is_one_line_with_status_2(tmp_path, capsys):
    assert cli.main(["run", str(tmp_path), "--print-config"]) == 2  # a folder, not a TOML file
    err = capsys.readouterr().err
    assert err.startswith("brainnet-cb: error: ") and err.count("\n") == 1 and str(tmp_path) in err


class _Args:
    def __init__(self, quiet=False, progress=False):
        self.quiet, self.progress = quiet, progress


@pytest.mark.parametrize("tty, quiet, progress, shown", [
    (False, False, False, False), (True, False, False, True), (False, False, True, True),
    (True, True, False, False), (True, True, True, False),
])
def test_progress_bar_only_on_a_terminal_or_when_asked(monkeypatch, tty, quiet, progress, shown):
    monkeypatch.setattr(sys.stderr, "isatty", lambda: tty)
    assert common.show_progress(_Args(quiet, progress)) is shown


def test_progress_flag_reaches_the_commands():
    args = cli.parser().parse_args(["run", "--progress"])
    assert args.progress and not args.quiet
    assert not cli.parser().parse_args(["sweep"]).progress


def test_warnings_of_a_command_are_one_line(monkeypatch, capsys):
    def noisy(args):
        warnings.warn("a record\n   too short", UserWarning, stacklevel=2)
        return 0

    monkeypatch.setattr(commands, "_atlases", noisy)
    assert cli.main(["atlases"]) == 0
    assert capsys.readouterr().err == "brainnet-cb: warning: a record too short\n"


def test_atlases_lists_every_name_the_configuration_accepts(capsys):
    assert cli.main(["atlases"]) == 0
    listed = [line.split()[0] for line in capsys.readouterr().out.splitlines()]
    accepted = [n for n in ConnectomeSection.__dataclass_fields__["atlas"].metadata["choices"]() if n]
    assert sorted(listed) == sorted(accepted)
    assert listed[:len(bn.list_atlases())] == list(bn.list_atlases())


@pytest.mark.slow
def test_the_default_sweep_runs_in_a_short_mode(tmp_path, capsys):
    out = tmp_path / "sweep.nc"
    rc = cli.main(["sweep", "--duration", "2880", "--set", "monitors.bold.discard=0", "--set",
                   "sweep.bandpass=false", "--out", str(out), "--quiet"])
    assert rc == 0
    with xr.open_dataset(out) as res:
        assert list(res.G.values) == [0.25, 0.5, 0.75, 1.0] and "fc_mean" in res
        assert res.attrs["connectome"] == "tvb76"
    assert "swept         G (4 values): 4 runs" in capsys.readouterr().out


def test_a_sweep_whose_bold_is_too_short_for_its_band_says_so(tmp_path, capsys):
    """Four volumes cannot take the 0.01-0.1 Hz band-pass: the warning says so before the runs, and the summary
    says fc_mean is NaN in every run (it printed 'fc_mean max nan at G = 0.25')."""
    rc = cli.main(["sweep", "--duration", "2880", "--set", "monitors.bold.discard=0", "--set", "sweep.grid.G=[0.5]",
                   "--out", str(tmp_path / "sweep.nc"), "--quiet", "--set", "output.figure=false"])
    assert rc == 0
    out, err = capsys.readouterr()
    assert err == ("brainnet-cb: warning: fc_mean will be NaN in every run: sweep.bandpass=true: the zero-phase "
                   "band-pass pads 15 samples at each end and needs more than 15 samples of 'bold'; it has 4 (one "
                   "every 720 ms) in the 2.88-s run. Simulate longer, discard less, or pass "
                   "sweep.bandpass=false (no band-pass).\n")  # bn.sweep's 'band=True', 'pass band=None'
    assert "fc_mean       NaN in every run (no FC: see the warning)\n" in out


def _refusal_endings():
    """``(where, ending)`` of every error the command line's modules raise (or return to raise) with a message of
    their own: the text after the last placeholder, or the last placeholder's expression."""
    for path in sorted(pathlib.Path(cli.__file__).parent.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            call = node.exc if isinstance(node, ast.Raise) else node.value if isinstance(node, ast.Return) else None
            if not (isinstance(call, ast.Call) and call.args):
                continue
            name = getattr(call.func, "id", getattr(call.func, "attr", ""))
            if not name.endswith("Error") or name in ("TypeError", "ValueError"):  # not a user's refusal
                continue
            text = call.args[0]
            last = text.values[-1] if isinstance(text, ast.JoinedStr) else text
            last = last.value if isinstance(last, ast.FormattedValue) else last
            ending = last.value if isinstance(last, ast.Constant) else "{" + ast.unparse(last) + "}"
            yield f"{path.name}:{node.lineno}", ending


def test_every_refusal_of_the_command_line_ends_with_a_full_stop():
    """'--out x.png' and about forty configuration refusals ended without one ('... allowed: "raise", "zero"')."""
    endings = dict(_refusal_endings())
    assert len(endings) > 60  # the walk finds the refusals
    # a refusal of the library (or of the configuration) inside one of the command line's, which ends it
    wrapped = {"{err}", "{f'{p}:{line}: {err}' if line else f'{p}: {err}'}", "{align_advice(err, key, atlas)}",
               "{align_advice(err, key)}"}
    assert wrapped <= set(endings.values())  # each still wraps one: no exemption outlives its refusal
    missing = {where: ending[-40:] for where, ending in endings.items()
               if not ending.endswith(".") and ending not in wrapped}
    assert missing == {}
    assert {"common.py", "config_values.py", "config_tables.py", "config_build.py"} <= {
        where.split(":")[0] for where in endings}
