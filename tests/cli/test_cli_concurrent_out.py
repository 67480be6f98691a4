"""Two ``brainnet-cb run`` processes on one ``--out``: the second is refused at once, in the command's words.

The run holds the output's lock from before it prepares and compiles its
programs (not only while it writes the file), so a second run started at the
same time is refused before it spends any compilation; the refusal names
``--overwrite`` (which never replaces an output being written), not the
Python keyword.
"""

import re
import signal
import subprocess
import sys
import textwrap

import pytest

import brainnet_cb as bn
from brainnet_cb import cli
from brainnet_cb._destinations import WriteLock
from brainnet_cb.cli import run_output
from brainnet_cb.simulation.spec import Simulation

HOLDER = """
import sys, time
from brainnet_cb._destinations import WriteLock
from brainnet_cb.errors import BrainnetError
lock = WriteLock(sys.argv[1], None, BrainnetError).acquire()
print("holding", flush=True)
time.sleep(120)
"""


@pytest.fixture
def no_prepare(monkeypatch):
    def prepared(self):
        raise AssertionError("the run was prepared (and would compile) before the refusal")

    monkeypatch.setattr(Simulation, "prepare", prepared)


@pytest.mark.parametrize("existing", [False, True])
def test_an_out_another_run_is_writing_is_refused_naming_the_command_line_option(tmp_path, capsys, no_prepare,
                                                                                   existing):
    out = tmp_path / "run.nc"
    if existing:
        out.write_text("the previous result")
    proc = subprocess.Popen([sys.executable, "-c", textwrap.dedent(HOLDER), str(out)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "holding", proc.stderr.read()[-3000:]
        rc = cli.main(["run", "--out", str(out), "--quiet", "--no-figure", *(["--overwrite"] if existing else [])])
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=60)
    assert rc == 2
    assert capsys.readouterr().err == (
        f"brainnet-cb: error: '{out}' is being written by another run (process {proc.pid}); wait until it "
        "finishes or choose another path. --overwrite never replaces an output that a run is still writing.\n")
    assert out.exists() == existing and (not existing or out.read_text() == "the previous result")


def test_a_run_that_takes_the_lock_after_the_check_is_refused_before_this_one_compiles(tmp_path, monkeypatch,
                                                                                      no_prepare):
    out = tmp_path / "run.nc"
    check, held = run_output.check_netcdf_destination, []

    def racing(path, *args, **kwargs):  # another run takes the lock just after this one checked the path
        checked = check(path, *args, **kwargs)
        held.append(WriteLock(checked, None, bn.BrainnetError).acquire())
        return checked

    monkeypatch.setattr(run_output, "check_netcdf_destination", racing)
    spec = Simulation(bn.CoombesByrne(), bn.Connectome([[0, 1], [1, 0]], [[0, 30], [30, 0]]), duration=10.0)
    try:
        with pytest.raises(bn.BrainnetError, match=rf"^{re.escape(repr(str(out)))} is being written by another run "
                                                   r"\(this process\); wait until it finishes or choose another "
                                                   r"path\. --overwrite never replaces an output that a run is "
                                                   r"still writing\.$"):
            run_output.run_to_netcdf(spec, out, overwrite_hint="--overwrite")
    finally:
        held[0].release()
    assert sorted(p.name for p in tmp_path.iterdir()) == []


@pytest.mark.parametrize("command", ["sweep", "fit"])
def test_a_sweep_or_fit_holds_its_out_while_it_computes(tmp_path, monkeypatch, capsys, command):
    """A sweep or a fit runs for minutes: a second command on its --out is refused before it computes anything
    (it ran its whole sweep, then its result was kept beside the first one's as <stem>.pid<N>.nc)."""
    from brainnet_cb.cli import common, sweep_fit

    out = tmp_path / f"{command}.nc"
    check, held = sweep_fit.check_free, []

    def racing(paths, *args, **kwargs):  # another command takes the output just after this one checked it
        check(paths, *args, **kwargs)
        held.append(WriteLock(paths[0], None, bn.BrainnetError).acquire())

    def computed(*args, **kwargs):
        raise AssertionError("the command computed before the refusal")

    monkeypatch.setattr(sweep_fit, "check_free", racing)
    monkeypatch.setattr(common.configuration, "build_simulation", computed, raising=False)
    monkeypatch.setattr(sweep_fit, "check_fc_series", computed)
    try:
        assert cli.main([command, "--out", str(out), "--quiet"]) == 2
    finally:
        held[0].release()
    assert capsys.readouterr().err == (
        f"brainnet-cb: error: '{out}' is being written by another run (this process); wait until it finishes or "
        "choose another path. --overwrite never replaces an output that a run is still writing.\n")
    assert list(tmp_path.iterdir()) == []
