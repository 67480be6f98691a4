"""Without matplotlib (a dependency, missing from a broken environment) the commands that draw a summary figure
refuse before they run, naming both fixes: `brainnet-cb sweep` ran its whole sweep and then failed at the heat map."""

import sys

import pytest

from brainnet_cb import cli
from brainnet_cb.fitting import sweep as sweep_module

MISSING = ("brainnet_cb.plots needs matplotlib, a dependency of brainnet-cb that is missing here; install it with "
           "pip install matplotlib. Or write no figure: {}.")


@pytest.fixture
def no_matplotlib(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # what the import system reports for a missing package

    def ran(*args, **kwargs):
        raise AssertionError("the sweep ran")

    monkeypatch.setattr(sweep_module, "sweep", ran)


@pytest.mark.parametrize("command, switch", [("run", "--no-figure"), ("sweep", "--set output.figure=false")])
def test_a_figure_without_matplotlib_is_refused_before_the_run(tmp_path, capsys, no_matplotlib, command, switch):
    out = tmp_path / "out.nc"
    assert cli.main([command, "--out", str(out), "--quiet", "--duration", "21000"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == f"brainnet-cb: error: {MISSING.format(switch)}\n"
    assert list(tmp_path.iterdir()) == []


def test_without_a_figure_matplotlib_is_not_asked_for(tmp_path, capsys, no_matplotlib):
    """--set output.figure=false: the sweep goes on to run (here: its stand-in, which says so)."""
    with pytest.raises(AssertionError, match="the sweep ran"):
        cli.main(["sweep", "--out", str(tmp_path / "out.nc"), "--quiet", "--duration", "21000",
                  "--set", "output.figure=false", "--set", "monitors.bold.discard=0"])
