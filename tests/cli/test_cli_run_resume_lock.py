"""``brainnet-cb run --resume`` into another ``--out``: one writer at a time of the interrupted run's partial output.

A checkpointed run streams into ``.<out>.partial`` beside its first ``--out``; a resume continues that file
whatever ``--out`` it names. The run (fresh or resumed) locks that file from before it prepares anything, so
a second writer (another ``--resume`` of the checkpoint, or one while the run itself still goes on) is refused
at once instead of writing the same file.
"""

import numpy as np
import pytest
import xarray as xr

import brainnet_cb as bn
from brainnet_cb import cli
from brainnet_cb.cli import run_output
from brainnet_cb.simulation import run as run_module

CONFIG = ('[connectome]\nfile = "c.npz"\n[run]\nduration = 2000.0\n[monitors.bold]\ntr = 200.0\ndiscard = 0.0\n'
          '[monitors.eeg]\nenabled = false\n[output]\nfigure = false\n')


@pytest.fixture
def setup(tmp_path, monkeypatch, capsys):
    w = np.array([[0, 1, 0.5], [1, 0, 1], [0.5, 1, 0]])
    bn.io.write_npz(bn.Connectome(w, np.full((3, 3), 30.0), labels=list("abc")), tmp_path / "c.npz")
    (tmp_path / "r.toml").write_text(CONFIG)
    monkeypatch.setattr(run_module, "MAX_CHUNK_STEPS", 2000)  # 400 ms a chunk: 5 chunks
    chunks, during, stop, halt = [], {}, [], []
    append = run_output.NetCDFSink.append

    def hooked(self, chunk, done, total, t_ms):  # the real append; then, once, a second command meanwhile
        append(self, chunk, done, total, t_ms)
        chunks.append(done)
        if done in during:
            args = during.pop(done)
            capsys.readouterr()
            stop.append((cli.main(args), capsys.readouterr().err.splitlines()[-1:]))
        if halt and done == halt[0]:
            raise KeyboardInterrupt  # a job's time limit: chunk 2 is in the file, its checkpoint not written

    monkeypatch.setattr(run_output.NetCDFSink, "append", hooked)
    cmd = ["run", str(tmp_path / "r.toml"), "--quiet"]
    return tmp_path, cmd, chunks, during, stop, halt


def _busy_checkpoint(ckpt):
    return (f"brainnet-cb: error: --checkpoint '{ckpt}' is being written by another run (this process); wait until "
            "it finishes or choose another path. --overwrite never replaces an output that a run is still writing.")


def _busy(partial):
    return (f"brainnet-cb: error: the partial output '{partial}' of a checkpointed run is being written by another "
            "run (this process): the run that started it, or a --resume of its checkpoint. Two runs cannot write "
            "one partial output; wait until that run stops (if it stops before its end, --resume continues it).")


def _whole(tmp_path, cmd):
    assert cli.main([*cmd, "--out", str(tmp_path / "whole.nc")]) == 0
    with xr.open_dataset(tmp_path / "whole.nc") as a:
        a = bn.unstamp(a.load())
    a.attrs.pop("wall_time_s"), a.attrs.pop("config")
    return a


def _same(tmp_path, name, whole):
    with xr.open_dataset(tmp_path / name) as b:
        b = bn.unstamp(b.load())
    b.attrs.pop("wall_time_s"), b.attrs.pop("config")
    xr.testing.assert_identical(b, whole)


def test_a_resume_while_the_run_still_goes_on_is_refused(setup):
    tmp_path, cmd, chunks, during, stop, _ = setup
    whole = _whole(tmp_path, cmd)
    ckpt, partial = str(tmp_path / "run.npz"), tmp_path / ".a.nc.partial"
    # the resume updating the run's checkpoint is refused by its lock; one into another checkpoint by the partial
    # file's (before: it wrote the run's partial file too and published it as b.nc, and the run, at its end, failed
    # with "No such file or directory: '.a.nc.partial' -> 'a.nc'")
    for other, refusal in (([], _busy_checkpoint(ckpt)), (["--checkpoint", str(tmp_path / "d.npz")], _busy(partial))):
        chunks.clear()
        during[2] = [*cmd, "--out", str(tmp_path / "b.nc"), "--resume", ckpt, *other]
        assert cli.main([*cmd, "--out", str(tmp_path / "a.nc"), "--checkpoint", ckpt, "--overwrite"]) == 0
        assert stop.pop() == (2, [refusal])
        assert chunks == [1, 2, 3, 4, 5]  # the resume ran no chunk
        assert not (tmp_path / "b.nc").exists() and not (tmp_path / "d.npz").exists()
        _same(tmp_path, "a.nc", whole)
        (tmp_path / "a.nc").unlink()


def test_two_resumes_of_one_checkpoint_into_two_outs_one_is_refused(setup, capsys):
    tmp_path, cmd, chunks, during, stop, halt = setup
    whole = _whole(tmp_path, cmd)
    ckpt, partial = str(tmp_path / "run.npz"), tmp_path / ".a.nc.partial"
    halt.append(2)
    assert cli.main([*cmd, "--out", str(tmp_path / "a.nc"), "--checkpoint", ckpt]) == 130
    halt.clear()
    chunks.clear()
    during[3] = [*cmd, "--out", str(tmp_path / "b2.nc"), "--resume", ckpt, "--checkpoint", str(tmp_path / "d2.npz")]
    assert cli.main([*cmd, "--out", str(tmp_path / "b1.nc"), "--resume", ckpt, "--checkpoint",
                     str(tmp_path / "d1.npz")]) == 0
    assert stop.pop() == (2, [_busy(partial)])
    assert chunks == [2, 3, 4, 5]  # the first resume's chunks alone
    assert not (tmp_path / "b2.nc").exists() and not (tmp_path / "d2.npz").exists() and not partial.exists()
    _same(tmp_path, "b1.nc", whole)
    # a fresh run of the first --out with --overwrite, while a resume writes that partial file: refused too
    halt.append(2)
    assert cli.main([*cmd, "--out", str(tmp_path / "a.nc"), "--checkpoint", ckpt, "--overwrite"]) == 130
    halt.clear()
    during[2] = [*cmd, "--out", str(tmp_path / "a.nc"), "--checkpoint", str(tmp_path / "e.npz"), "--overwrite"]
    assert cli.main([*cmd, "--out", str(tmp_path / "b3.nc"), "--resume", ckpt]) == 0
    assert stop.pop() == (2, [_busy(partial)])
    _same(tmp_path, "b3.nc", whole)
    # its checkpoint is now of a finished run, whose output is b3.nc (before: named a.nc, the first run's --out)
    capsys.readouterr()
    assert cli.main([*cmd, "--out", str(tmp_path / "b4.nc"), "--resume", ckpt]) == 2
    assert capsys.readouterr().err.splitlines()[-1] == (
        f"brainnet-cb: error: --resume '{ckpt}' is the checkpoint of a run that finished: all its 5 chunks ran and "
        f"its output was written to '{tmp_path / 'b3.nc'}' (its partial file renamed to that name); nothing is left "
        "to resume. Start the run again without --resume to compute it again.")
