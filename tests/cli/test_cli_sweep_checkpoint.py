"""``brainnet-cb sweep --checkpoint/--resume``: a sweep stopped after a batch continues where it stopped."""

import numpy as np
import pytest
import xarray as xr

import brainnet_cb as bn
from brainnet_cb import cli
from brainnet_cb.fitting import sweep as sweep_module

CONFIG = ('[connectome]\nfile = "c.npz"\n[run]\nduration = 2000.0\n[monitors.bold]\ntr = 200.0\ndiscard = 0.0\n'
          '[sweep]\ngrid = { G = [0.0, 0.5, 1.0] }\nbatch_size = 2\nbandpass = false\n')


@pytest.fixture
def setup(tmp_path, monkeypatch):
    w = np.array([[0, 1, 0.5], [1, 0, 1], [0.5, 1, 0]])
    bn.io.write_npz(bn.Connectome(w, np.full((3, 3), 30.0), labels=list("abc")), tmp_path / "c.npz")
    (tmp_path / "s.toml").write_text(CONFIG)
    batches, limit = [], []
    run_batch = sweep_module.run_batch

    def counted(task):  # the real batch, counted; a job's time limit once ``limit`` batches ran
        if limit and len(batches) >= limit[0]:
            raise KeyboardInterrupt
        batches.append(task["index"])
        return run_batch(task)

    monkeypatch.setattr(sweep_module, "run_batch", counted)
    return tmp_path, batches, limit


def test_a_stopped_sweep_resumes_with_its_checkpoint(setup, capsys):
    tmp_path, batches, limit = setup
    cfg, ckpt = str(tmp_path / "s.toml"), str(tmp_path / "grid.npz")
    assert cli.main(["sweep", cfg, "--out", str(tmp_path / "whole.nc"), "--quiet"]) == 0
    batches.clear()
    limit.append(1)
    assert cli.main(["sweep", cfg, "--out", str(tmp_path / "part.nc"), "--quiet", "--checkpoint", ckpt]) == 130
    assert batches == [0] and not (tmp_path / "part.nc").exists()
    batches.clear()
    limit.clear()
    assert cli.main(["sweep", cfg, "--out", str(tmp_path / "part.nc"), "--quiet", "--resume", ckpt]) == 0
    assert batches == [1]  # only the batch the checkpoint lacked
    with xr.open_dataset(tmp_path / "whole.nc") as a, xr.open_dataset(tmp_path / "part.nc") as b:
        a, b = bn.unstamp(a.load()), bn.unstamp(b.load())  # date_created, history
    assert a.attrs.pop("config").replace("whole.nc", "part.nc") == b.attrs.pop("config")
    a.attrs.pop("wall_s"), b.attrs.pop("wall_s")
    xr.testing.assert_identical(a, b)
    capsys.readouterr()
    # another configuration, and an earlier checkpoint without --overwrite: refused in the options' words
    assert cli.main(["sweep", cfg, "--out", str(tmp_path / "x.nc"), "--quiet", "--resume", ckpt, "--seed", "7"]) == 2
    assert capsys.readouterr().err == (
        f"brainnet-cb: error: the checkpoint '{ckpt}' was written by another sweep; these differ: key: checkpoint "
        "seed 0; this sweep seed 7. Resume with exactly the arguments of the interrupted sweep (the same "
        "configuration), or start a new sweep without --resume.\n")
    assert cli.main(["sweep", cfg, "--out", str(tmp_path / "x.nc"), "--quiet", "--checkpoint", ckpt]) == 2
    assert capsys.readouterr().err == (
        f"brainnet-cb: error: --checkpoint '{ckpt}' holds the checkpoint of an earlier run; pass --resume with this "
        "path to continue that run, --overwrite to start again and replace it, or choose another path.\n")


def test_a_damaged_resume_file_is_refused_in_the_options_words(setup, capsys):
    tmp_path, _, _ = setup
    bad = tmp_path / "grid.npz"
    bad.write_bytes(b"PK\x03\x04 half a checkpoint")
    assert cli.main(["sweep", str(tmp_path / "s.toml"), "--out", str(tmp_path / "x.nc"), "--quiet",
                     "--resume", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"brainnet-cb: error: --resume '{bad}' cannot be read: ")
    assert err.endswith(" --resume needs a brainnet_cb checkpoint (the .npz that --checkpoint writes); a checkpoint "
                        "is written to a temporary file and renamed, so a killed run never leaves a torn one: this "
                        "file was damaged afterwards or is not a brainnet_cb checkpoint. Resume from an intact copy, "
                        "or start the run again without --resume.\n")
    assert "resume_from" not in err and "checkpoint=" not in err
