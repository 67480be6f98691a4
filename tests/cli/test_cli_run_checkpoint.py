"""``brainnet-cb run --checkpoint/--resume``: a run stopped after a chunk continues where it stopped."""

import json

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
def setup(tmp_path, monkeypatch):
    w = np.array([[0, 1, 0.5], [1, 0, 1], [0.5, 1, 0]])
    bn.io.write_npz(bn.Connectome(w, np.full((3, 3), 30.0), labels=list("abc")), tmp_path / "c.npz")
    (tmp_path / "r.toml").write_text(CONFIG)
    monkeypatch.setattr(run_module, "MAX_CHUNK_STEPS", 2000)  # 400 ms a chunk: 5 chunks
    chunks, limit = [], []
    append = run_output.NetCDFSink.append

    def counted(self, chunk, done, total, t_ms):  # the real append, counted; a job's time limit after ``limit``
        append(self, chunk, done, total, t_ms)
        chunks.append(done)
        if limit and done == limit[0]:
            raise KeyboardInterrupt  # chunk 2 is in the file, its checkpoint not written: the resume writes it again

    monkeypatch.setattr(run_output.NetCDFSink, "append", counted)
    return tmp_path, chunks, limit


def test_a_stopped_run_resumes_with_its_checkpoint(setup, capsys):
    tmp_path, chunks, limit = setup
    cfg, ckpt, part = str(tmp_path / "r.toml"), str(tmp_path / "run.npz"), tmp_path / "part.nc"
    assert cli.main(["run", cfg, "--out", str(tmp_path / "whole.nc"), "--quiet"]) == 0
    assert chunks == [1, 2, 3, 4, 5]
    chunks.clear()
    limit.append(2)
    assert cli.main(["run", cfg, "--out", str(part), "--quiet", "--checkpoint", ckpt]) == 130
    assert chunks == [1, 2] and not part.exists() and (tmp_path / ".part.nc.partial").is_file()
    chunks.clear()
    limit.clear()
    capsys.readouterr()
    # another configuration, an earlier checkpoint or partial output without --overwrite: refused in the options' words
    assert cli.main(["run", cfg, "--out", str(part), "--quiet", "--resume", ckpt, "--seed", "7"]) == 2
    assert capsys.readouterr().err.splitlines()[-1] == (
        f"brainnet-cb: error: the checkpoint '{ckpt}' was written by another run; these differ: key: checkpoint "
        "seed 0; this run seed 7 / initial state: checkpoint initial state and delay history; this run initial "
        "state and delay history (same summary, different values: the initial state (initial_state=), the delay "
        "history (history=) or the monitors' start differ). Resume with exactly the arguments of the interrupted "
        "run (the same configuration), or start a new run without --resume.")
    assert cli.main(["run", cfg, "--out", str(part), "--quiet", "--checkpoint", ckpt]) == 2
    assert capsys.readouterr().err.splitlines()[-1] == (
        f"brainnet-cb: error: --checkpoint '{ckpt}' holds the checkpoint of an earlier run; pass --resume with this "
        "path to continue that run, --overwrite to start again and replace it, or choose another path.")
    assert cli.main(["run", cfg, "--out", str(part), "--quiet", "--checkpoint", str(tmp_path / "other.npz")]) == 2
    assert capsys.readouterr().err.splitlines()[-1] == (
        f"brainnet-cb: error: '{tmp_path / '.part.nc.partial'}' holds the partial output of an interrupted run "
        "(--checkpoint); pass --resume with its checkpoint to continue that run, --overwrite to start again and "
        "replace it, or choose another --out.")
    partial = tmp_path / ".part.nc.partial"
    partial.rename(tmp_path / "moved")
    assert cli.main(["run", cfg, "--out", str(part), "--quiet", "--resume", ckpt]) == 2
    assert capsys.readouterr().err.splitlines()[-1] == (
        f"brainnet-cb: error: the partial output '{partial}' of the interrupted run does not exist (moved or "
        "deleted); --resume continues that file. Start the run again without --resume.")
    (tmp_path / "moved").rename(partial)
    assert chunks == []  # nothing ran
    assert cli.main(["run", cfg, "--out", str(part), "--quiet", "--resume", ckpt]) == 0
    assert chunks == [2, 3, 4, 5]  # only the chunks the checkpoint lacked
    assert not (tmp_path / ".part.nc.partial").exists()
    with xr.open_dataset(tmp_path / "whole.nc") as a, xr.open_dataset(part) as b:
        a, b = bn.unstamp(a.load()), bn.unstamp(b.load())  # date_created, history
    assert a.attrs.pop("config").replace("whole.nc", "part.nc") == b.attrs.pop("config")
    a.attrs.pop("wall_time_s"), b.attrs.pop("wall_time_s")
    assert a.sizes["time"] == 200 and a.sizes["time_bold"] == 10
    xr.testing.assert_identical(a, b)


def test_a_checkpoint_of_bn_simulate_is_refused_before_the_run(setup, capsys):
    tmp_path, chunks, _ = setup
    conn = bn.io.read_npz(tmp_path / "c.npz")
    bn.simulate(bn.CoombesByrne(), conn, 10.0, checkpoint=tmp_path / "mem.npz")
    assert cli.main(["run", str(tmp_path / "r.toml"), "--out", str(tmp_path / "m.nc"), "--quiet", "--resume", str(tmp_path / "mem.npz")]) == 2
    assert capsys.readouterr().err.splitlines()[-1] == (
        f"brainnet-cb: error: the checkpoint '{tmp_path / 'mem.npz'}' belongs to a run kept in memory "
        "(bn.simulate(checkpoint=) without out=); resume it in Python with bn.simulate(..., resume_from=).")
    assert chunks == [] and not (tmp_path / "m.nc").exists()
    junk, sweep = tmp_path / "junk.npz", tmp_path / "sweep.npz"
    junk.write_bytes(b"not a checkpoint")
    np.savez(sweep, header=json.dumps({"kind": "sweep"}))
    assert cli.main(["run", str(tmp_path / "r.toml"), "--out", str(tmp_path / "m.nc"), "--quiet", "--resume",
                     str(junk)]) == 2
    assert capsys.readouterr().err.splitlines()[-1] == (
        f"brainnet-cb: error: --resume '{junk}' cannot be read: it is not a NumPy file (.npz or .npy): it starts with "
        "b'not a checkpoint'. --resume needs a brainnet_cb checkpoint (the .npz that --checkpoint writes); a "
        "checkpoint is written to a temporary file and renamed, so a killed run never leaves a torn one: this file "
        "was damaged afterwards or is not a brainnet_cb checkpoint. Resume from an intact copy, or start the run "
        "again without --resume.")
    assert cli.main(["run", str(tmp_path / "r.toml"), "--out", str(tmp_path / "m.nc"), "--quiet", "--resume",
                     str(sweep)]) == 2
    assert capsys.readouterr().err.splitlines()[-1] == (
        f"brainnet-cb: error: --resume '{sweep}' is the checkpoint of a sweep (bn.sweep(checkpoint=)); resume it "
        "with brainnet-cb sweep --resume; brainnet-cb run resumes the .npz that its --checkpoint wrote.")
    assert chunks == []


def test_the_checkpoint_of_a_finished_run_is_refused_as_finished(setup, capsys):
    tmp_path, chunks, limit = setup
    cfg, ckpt, out = str(tmp_path / "r.toml"), str(tmp_path / "run.npz"), tmp_path / "o.nc"
    assert cli.main(["run", cfg, "--out", str(out), "--quiet", "--checkpoint", ckpt]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.npz", "o.nc", "r.toml", "run.npz"]  # no .partial
    chunks.clear()
    capsys.readouterr()
    finished = (f"brainnet-cb: error: --resume '{ckpt}' is the checkpoint of a run that finished: all its 5 chunks "
                f"ran and its output was written to '{out}' (its partial file renamed to that name); nothing is left "
                "to resume. Start the run again without --resume to compute it again.")
    # before: 'o.nc exists; pass --overwrite', then with --overwrite 'the partial output ... does not exist (moved
    # or deleted)'
    for extra in ([], ["--overwrite"], ["--out", str(tmp_path / "other.nc")]):
        assert cli.main(["run", cfg, "--out", str(out), "--quiet", "--resume", ckpt, *extra]) == 2
        assert capsys.readouterr().err.splitlines()[-1] == finished
    assert chunks == [] and not (tmp_path / "other.nc").exists()


def test_a_link_or_folder_at_the_partial_path_is_refused_with_or_without_overwrite(setup, capsys):
    tmp_path, chunks, _ = setup
    cfg, out = str(tmp_path / "r.toml"), tmp_path / "o.nc"
    partial, precious, nowhere = tmp_path / ".o.nc.partial", tmp_path / "precious.txt", tmp_path / "nowhere.nc"
    precious.write_text("keep me")
    # before: written through the link (precious.txt replaced by the NetCDF file, --out left a link to it); a
    # dangling link was not even refused without --overwrite (nowhere.nc created, --out a link to it)
    for target, extra in ((precious, ["--overwrite"]), (nowhere, [])):
        partial.symlink_to(target)
        assert cli.main(["run", cfg, "--out", str(out), "--quiet", "--checkpoint", str(tmp_path / "k.npz"),
                         *extra]) == 2
        assert capsys.readouterr().err.splitlines()[-1] == (
            f"brainnet-cb: error: '{partial}', where a checkpointed run writes its partial output, is a symbolic "
            f"link to '{target}'; brainnet_cb neither writes through it nor replaces it (with --overwrite neither). "
            "Remove it, or choose another --out.")
        partial.unlink()
    partial.mkdir()
    assert cli.main(["run", cfg, "--out", str(out), "--quiet", "--checkpoint", str(tmp_path / "k.npz"),
                     "--overwrite"]) == 2
    assert "is a folder; brainnet_cb neither writes" in capsys.readouterr().err
    assert precious.read_text() == "keep me" and not nowhere.exists() and not out.exists() and chunks == []
