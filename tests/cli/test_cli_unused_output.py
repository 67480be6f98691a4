"""The [output] keys that ``brainnet-cb sweep`` and ``brainnet-cb fit`` do not use (the run's ``path`` and
``regions``; a fit's ``figure``): not written by their ``--print-config``, named when a file sets them (a warning
for the value an earlier ``--print-config`` wrote, a refusal for any other); and blank paths, refused as blank."""

import re

import pytest

from brainnet_cb import cli
from brainnet_cb.cli import config
from brainnet_cb.cli.config_schema import ConfigError, FitConfig, SweepConfig

#: The [output] table that ``--print-config`` of sweep and fit wrote before (the run's, brainnet_cb 0.1.0).
OLD_OUTPUT = """[output]  # Files
# NetCDF output, relative to the working folder (.nc, .nc4, .netcdf or .cdf; .nc is added to a name without suffix).
#   API: bn.write_netcdf(ds, path)
path = "brainnet_cb_run.nc"
# Write a summary PNG beside the NetCDF (needs matplotlib).
#   API: brainnet_cb.plots.summary
figure = true
# How many regions the figure's activity panel shows.
#   range: 1 <= regions <= 1000
regions = 4
"""

IGNORED = ("is the value an earlier --print-config wrote, so it is ignored; remove it (brainnet-cb {command} "
           "--print-config writes the configuration without it).")


def _old_print_config(cls) -> str:
    """What ``--print-config`` wrote for ``cls`` before: today's text with the run's [output] table."""
    text = config.dumps(cls())
    if cls is SweepConfig:
        return re.sub(r"\[output\].*?\n\n(?=\[sweep\])", OLD_OUTPUT + "\n", text, flags=re.S)
    return text.replace("\n[fit]", "\n" + OLD_OUTPUT + "\n[fit]")


def _main(capsys, *argv):
    status = cli.main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_print_config_of_sweep_and_fit_writes_only_the_output_keys_they_use():
    sweep, fit = config.dumps(SweepConfig()), config.dumps(FitConfig())
    assert re.search(r"\n\[output\]  # The heat map \(the NetCDF file: sweep.path\)\n(#.*\n)*figure = true\n\n\[sweep\]",
                     sweep)
    assert "[output]" not in fit
    for text in (sweep, fit):
        assert "brainnet_cb_run.nc" not in text and "regions =" not in text
    assert config.loads(sweep, SweepConfig) == SweepConfig() and config.loads(fit, FitConfig) == FitConfig()


@pytest.mark.parametrize("command, cls, lines", [
    ("sweep", SweepConfig, [
        (123, 'output.path is not used by brainnet-cb sweep: its result goes to sweep.path (now '
              '"brainnet_cb_sweep.nc"). output.path = "brainnet_cb_run.nc" '),
        (129, "output.regions is not used by brainnet-cb sweep: its figure is the heat map of the scores, not "
              "regions' activity. output.regions = 4 ")]),
    ("fit", FitConfig, [
        (123, 'output.path is not used by brainnet-cb fit: its result goes to fit.path (now "brainnet_cb_fit.nc"). '
              'output.path = "brainnet_cb_run.nc" '),
        (126, 'output.figure is not used by brainnet-cb fit: it writes no figure, only its result to fit.path (now '
              '"brainnet_cb_fit.nc"). output.figure = true '),
        (129, 'output.regions is not used by brainnet-cb fit: it writes no figure, only its result to fit.path (now '
              '"brainnet_cb_fit.nc"). output.regions = 4 ')]),
])
def test_a_file_of_an_earlier_print_config_runs_as_before_with_a_warning_per_unused_key(tmp_path, capsys, command,
                                                                                       cls, lines):
    path = tmp_path / "old.toml"
    path.write_text(_old_print_config(cls))
    status, out, err = _main(capsys, command, str(path), "--print-config")
    assert status == 0
    assert err.splitlines() == [f"brainnet-cb: warning: {path}:{line}: {said}{IGNORED.format(command=command)}"
                                for line, said in lines]
    assert out == config.dumps(cls())  # the file rewritten without them, the configuration the same


@pytest.mark.parametrize("command, argv, goes", [
    ("sweep", ["--out", "elsewhere.nc"], '--out (now "elsewhere.nc")'),
    ("fit", ["--set", "fit.path=other.nc", "--out", "elsewhere"], '--out (now "elsewhere")'),
    ("fit", ["--set", "fit.path=set.nc"], 'fit.path (now "set.nc")'),
    ("sweep", ["--set", "sweep.path='a b.nc'", "--set", "coupling.G=0.5"], 'sweep.path (now "a b.nc")'),
])
def test_an_unused_output_key_names_where_the_command_line_sends_the_result(tmp_path, capsys, command, argv, goes):
    path = tmp_path / "old.toml"
    path.write_text(_old_print_config(FitConfig if command == "fit" else SweepConfig))
    status, out, err = _main(capsys, command, str(path), *argv, "--print-config")
    assert status == 0
    assert err.splitlines()[0] == (f"brainnet-cb: warning: {path}:123: output.path is not used by brainnet-cb "
                                   f"{command}: its result goes to {goes}. output.path = \"brainnet_cb_run.nc\" "
                                   + IGNORED.format(command=command))
    path.write_text('[sweep]\npath = "s.nc"\n[output]\npath = "mine.nc"\n' if command == "sweep"
                    else '[fit]\npath = "s.nc"\n[output]\npath = "mine.nc"\n')
    status, out, err = _main(capsys, command, str(path), *argv, "--print-config")
    assert (status, out) == (2, "")
    assert err.startswith(f"brainnet-cb: error: {path}:4: output.path is not used by brainnet-cb {command}: its "
                          f"result goes to {goes}. output.path = \"mine.nc\" has no effect here: ")


@pytest.mark.parametrize("command, text, line, message", [
    ("sweep", '[sweep]\npath = "s.nc"\n[output]\npath = "mine.nc"\n', 4,
     'output.path is not used by brainnet-cb sweep: its result goes to sweep.path (now "s.nc"). output.path = '
     '"mine.nc" has no effect here: to write "mine.nc", set sweep.path = "mine.nc" (or give --out mine.nc) and '
     "remove output.path."),
    ("sweep", "[output]\npath = 1\n", 2,
     'output.path is not used by brainnet-cb sweep: its result goes to sweep.path (now "brainnet_cb_sweep.nc"). '
     "output.path = 1 has no effect here: set sweep.path to the NetCDF file to write, and remove output.path."),
    ("sweep", "[output]\nregions = 8\n", 2,
     "output.regions is not used by brainnet-cb sweep: its figure is the heat map of the scores, not regions' "
     "activity. output.regions = 8 has no effect here: remove output.regions."),
    ("fit", '[output]\npath = ""\n', 2,
     'output.path is not used by brainnet-cb fit: its result goes to fit.path (now "brainnet_cb_fit.nc"). '
     'output.path = "" has no effect here: set fit.path to the NetCDF file to write, and remove output.path.'),
    ("fit", "[output]\nfigure = 1\n", 2,
     'output.figure is not used by brainnet-cb fit: it writes no figure, only its result to fit.path (now '
     '"brainnet_cb_fit.nc"). output.figure = 1 has no effect here: remove output.figure.'),
    ("fit", '[output]\npth = "x.nc"\n', 2,
     "unknown key 'output.pth': brainnet-cb fit reads no [output] table, and its result goes to fit.path (now "
     '"brainnet_cb_fit.nc"); remove output.pth.'),
    ("sweep", "[output]\nfigur = false\n", 2,
     "unknown key 'output.figur' (did you mean 'figure'?); allowed keys in [output]: figure."),
    ("fit", '[connectome]\nfile = "  "\n', 2,
     'connectome.file = "  " is blank (spaces only), which names no file; give the path of a file, or "" to use '
     "connectome.atlas."),
    ("sweep", '[sweep]\nempirical = " "\n', 2,
     'sweep.empirical = " " is blank (spaces only), which names no file; give the path of a file, or "" to score '
     "none."),
    ("fit", '[fit]\nempirical = "\t"\n', 2,
     'fit.empirical = "\\t" is blank (spaces only), which names no file; give the path of a file, or "hcp80", the '
     "bundled FC."),
    ("fit", '[fit]\ntest = "  "\n', 2,
     'fit.test = "  " is blank (spaces only), which names no file; give the path of a file, or "" for none.'),
])
def test_an_unused_output_key_set_by_the_user_or_a_blank_path_is_refused_by_key(tmp_path, capsys, command, text, line,
                                                                                  message):
    path = tmp_path / "c.toml"
    path.write_text(text)
    status, out, err = _main(capsys, command, str(path), "--print-config")
    assert (status, out, err) == (2, "", f"brainnet-cb: error: {path}:{line}: {message}\n")


def test_a_fit_asked_for_no_figure_is_told_it_writes_none(tmp_path, capsys):
    path = tmp_path / "c.toml"
    path.write_text("[output]\nfigure = false\n")
    status, out, err = _main(capsys, "fit", str(path), "--print-config")
    assert status == 0 and out == config.dumps(FitConfig())
    assert err == (f"brainnet-cb: warning: {path}:2: output.figure is not used by brainnet-cb fit: it writes no "
                   'figure, only its result to fit.path (now "brainnet_cb_fit.nc"). output.figure = false asks for '
                   "no figure, and the fit writes none, so it is ignored; remove it (brainnet-cb fit --print-config "
                   "writes the configuration without it).\n")


def test_set_of_an_unused_output_key_is_refused_and_the_run_keeps_its_own():
    with pytest.raises(ConfigError, match=r'^output\.path is not used by brainnet-cb sweep: its result goes to '
                                          r'sweep\.path \(now "brainnet_cb_sweep\.nc"\)\. output\.path = "x\.nc" '):
        config.apply_overrides(SweepConfig(), ["output.path=x.nc"])
    run = config.loads('[output]\npath = "x.nc"\nregions = 8\n')
    assert (run.output.path, run.output.regions) == ("x.nc", 8)
    assert config.apply_overrides(SweepConfig(), ["output.figure=false"]).output.figure is False


@pytest.mark.parametrize("command, argv, where", [("sweep", ["--set", "sweep.path=' '"], "sweep.path"),
                                                  ("fit", ["--out", "  "], "--out")])
def test_a_blank_output_path_is_refused_as_blank(tmp_path, capsys, monkeypatch, command, argv, where):
    monkeypatch.chdir(tmp_path)
    status, out, err = _main(capsys, command, *argv, "--quiet")
    blank = "' '" if where == "sweep.path" else "'  '"
    assert (status, out, err) == (2, "", f"brainnet-cb: error: the output path ({where}) {blank} is blank (spaces "
                                         f"only); give a NetCDF file name, e.g. --out {command}.nc.\n")
