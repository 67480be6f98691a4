"""SIGTERM (a job's time limit, ``kill``, ``docker stop``) stops ``brainnet-cb`` as Ctrl-C does: cleanly.

Python's default for SIGTERM ends the process at once: the command left its
partly written ``.<name>.<id>.tmp`` and its lock file beside ``--out`` and said
nothing. The console script (``main()`` without arguments) now turns SIGTERM
into :class:`brainnet_cb.cli.commands.Terminated`, raised between two chunks:
the temporary file is deleted, the lock released, one line says what happened,
and the exit status is 143 (128 + SIGTERM). A Python caller's handlers
(``main(argv)``) are left alone.
"""

import os
import signal
import sys

import pytest

import brainnet_cb as bn
from brainnet_cb.cli import cache, commands, run_output
from brainnet_cb.simulation.spec import Simulation


def _spec():
    conn = bn.Connectome([[0.0, 1.0], [1.0, 0.0]], [[0.0, 30.0], [30.0, 0.0]])
    return Simulation(bn.CoombesByrne(), conn, duration=50.0, dt=0.1, coupling=bn.Linear(G=0.5), key=3)


@pytest.fixture
def guard():
    """The test's own SIGTERM handler: reached only if the command did not take SIGTERM (instead of ending pytest)."""
    def reached(signum, frame):
        raise AssertionError("SIGTERM reached the caller's handler: the command did not handle it")

    previous = signal.signal(signal.SIGTERM, reached)
    yield reached
    signal.signal(signal.SIGTERM, previous)


def _terminated_while_writing(tmp_path, monkeypatch):
    """``brainnet-cb run`` whose run gets SIGTERM right after its first chunk is in the temporary file."""
    out = tmp_path / "run.nc"
    append = run_output.NetCDFSink.append

    def append_then_sigterm(self, *args):
        append(self, *args)
        assert sorted(p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")) != []
        os.kill(os.getpid(), signal.SIGTERM)

    monkeypatch.setattr(run_output.NetCDFSink, "append", append_then_sigterm)
    monkeypatch.setattr(commands, "_run", lambda args: run_output.run_to_netcdf(_spec(), out))
    monkeypatch.setattr(cache, "compilation_cache", lambda: None)  # JAX's process-wide cache settings stay
    monkeypatch.setattr(sys, "argv", ["brainnet-cb", "run", "--out", str(out)])


def test_sigterm_deletes_the_partial_output_and_exits_143(tmp_path, monkeypatch, capsys, guard):
    _terminated_while_writing(tmp_path, monkeypatch)
    assert commands.main() == 143
    assert capsys.readouterr().err == "brainnet-cb: terminated (SIGTERM)\n"
    assert list(tmp_path.iterdir()) == []  # no temporary file, no lock file, nothing under the name
    assert signal.getsignal(signal.SIGTERM) is guard  # the handler before the command is back


def test_a_python_caller_keeps_its_own_sigterm_handler(tmp_path, monkeypatch, guard):
    _terminated_while_writing(tmp_path, monkeypatch)
    with pytest.raises(AssertionError, match="SIGTERM reached the caller's handler"):
        commands.main(sys.argv[1:])  # main(argv): not the console script's process
    assert signal.getsignal(signal.SIGTERM) is guard
    assert list(tmp_path.iterdir()) == []  # the caller's exception cleaned up as any exception does
