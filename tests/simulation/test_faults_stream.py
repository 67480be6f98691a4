"""Faults of streamed runs (issue 14): kill -9 mid-stream, metadata order, overwrite while another run writes.

A streamed run holds a lock on its store while it writes, so ``overwrite=True``
from another process (or another run of the same process) is refused before
anything compiles instead of deleting the store underneath it; a run killed
with ``kill -9`` leaves a readable store whose progress attribute never
announces more chunks than the store holds, and its lock goes with it.
"""

import errno
import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest
import xarray as xr

import brainnet_cb as bn
from brainnet_cb._destinations import publish_folder
from brainnet_cb.simulation import streaming
from brainnet_cb.simulation.cf import unstamp
from brainnet_cb.simulation.run import Run
from brainnet_cb.simulation.streaming import PROGRESS_ATTR, ZarrSink

pytest.importorskip("zarr")

SETUP = """
import os, signal, sys, time
import brainnet_cb as bn
from brainnet_cb.simulation import streaming
bn.enable_float64()
conn = bn.Connectome([[0, 1], [1, 0]], [[0, 30], [30, 0]], labels=["L", "R"], name="pair")
kw = dict(duration=40.0, dt=0.1, coupling=bn.Linear(G=0.3), noise=bn.Additive(v=0.1), key=5, chunk_steps=50)
"""
N_CHUNKS, PER_CHUNK = 8, 5  # 40 ms in chunks of 50 steps; 1-ms samples


def pair():
    return bn.Connectome([[0, 1], [1, 0]], [[0, 30], [30, 0]], labels=["L", "R"], name="pair")


KW = dict(duration=40.0, dt=0.1, coupling=bn.Linear(G=0.3), noise=bn.Additive(v=0.1), key=5, chunk_steps=50)

# killed in chunk K after its data and their consolidated metadata are written and the progress attribute of
# chunk K is in .zattrs, before the consolidation that announces it (the moment the old order got wrong)
KILL = SETUP + """
K = int(sys.argv[2])
consolidate = streaming.ZarrSink._consolidate
calls = []
def killing(self):
    calls.append(1)
    if len(calls) == 2 * K:  # two consolidations per chunk: after the data, after the progress
        os.kill(os.getpid(), signal.SIGKILL)
    consolidate(self)
streaming.ZarrSink._consolidate = killing
bn.simulate(bn.CoombesByrne(), conn, out=sys.argv[1], **kw)
"""


def _views(path):
    """(progress chunks and time length) as the consolidated metadata and as the plain .zattrs/.zarray say."""
    meta = json.loads((path / ".zmetadata").read_text())["metadata"]
    plain_attrs = json.loads((path / ".zattrs").read_text())
    plain_shape = json.loads((path / "r" / ".zarray").read_text())["shape"]

    def chunks(attrs):
        return int(attrs[PROGRESS_ATTR].split(" of ")[0]) if PROGRESS_ATTR in attrs else 0

    return ((chunks(meta[".zattrs"]), meta["r/.zarray"]["shape"][0]),
            (chunks(plain_attrs), plain_shape[0]))


def test_kill_9_mid_stream_leaves_a_store_that_never_claims_more_than_it_holds(tmp_path):
    path, K = tmp_path / "run.zarr", 3
    res = subprocess.run([sys.executable, "-c", textwrap.dedent(KILL), str(path), str(K)], capture_output=True,
                         text=True, timeout=240)
    assert res.returncode == -signal.SIGKILL, res.stderr[-3000:]
    consolidated, plain = _views(path)
    assert consolidated == (K - 1, K * PER_CHUNK)  # data of chunk K announced, its progress not yet
    assert plain == (K, K * PER_CHUNK)
    full = bn.simulate(bn.CoombesByrne(), pair(), **KW)
    killed = xr.open_zarr(path, chunks=None).load()
    claimed = int(killed.attrs[PROGRESS_ATTR].split(" of ")[0])  # xarray may read either view's attrs
    assert claimed in (K - 1, K) and claimed * PER_CHUNK <= killed.sizes["time"] == K * PER_CHUNK
    np.testing.assert_array_equal(killed.r.values, full.r.values[: K * PER_CHUNK])
    # the lock died with the process: the store is refused as an interrupted run's, replaced with overwrite=True
    with pytest.raises(bn.SimulationError, match=r"run\.zarr' holds the store of an interrupted run \([0-9]+ of [0-9]+ "
                                                 r"chunks, t = [0-9.]+ ms\); to continue that run, pass resume_from="):
        bn.simulate(bn.CoombesByrne(), pair(), out=path, **KW)
    again = bn.simulate(bn.CoombesByrne(), pair(), out=path, overwrite=True, **KW)
    xr.testing.assert_identical(unstamp(again.load()), full)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.zarr"]  # no lock, temporary or old store left


def test_every_reader_view_lags_the_data_at_every_metadata_write(tmp_path, monkeypatch):
    seen = []
    consolidate = ZarrSink._consolidate

    def checking(self):
        (c_progress, c_len), (p_progress, p_len) = _views(self.path)
        seen.append((c_progress, c_len, p_progress, p_len))
        # whichever view a reader takes the progress from and whichever the shapes
        assert max(c_progress, p_progress) * PER_CHUNK <= min(c_len, p_len), seen[-1]
        consolidate(self)

    monkeypatch.setattr(ZarrSink, "_consolidate", checking)
    bn.simulate(bn.CoombesByrne(), pair(), out=tmp_path / "run.zarr", **KW)
    assert len(seen) == 2 * N_CHUNKS + 1
    # before the 2nd consolidation of chunk k: the plain .zattrs already says k, the data hold k chunks
    assert seen[1] == (0, PER_CHUNK, 1, PER_CHUNK) and seen[-2] == (N_CHUNKS - 1, 40, N_CHUNKS, 40)


# ----------------------------------------------------------------------------- overwrite while another run writes
HOLD = SETUP + """
out, started, go = sys.argv[1], sys.argv[2], sys.argv[3]
append = streaming.ZarrSink.append
def waiting(self, chunk, done, total, t_ms):
    append(self, chunk, done, total, t_ms)
    if done == 1:
        open(started, "w").write(str(os.getpid()))
        deadline = time.time() + 120
        while not os.path.exists(go) and time.time() < deadline:
            time.sleep(0.01)
streaming.ZarrSink.append = waiting
ds = bn.simulate(bn.CoombesByrne(), conn, out=out, checkpoint=out + ".ckpt.npz", **kw)
print(ds.sizes["time"], ds.attrs.get(streaming.PROGRESS_ATTR, "finished"))
"""


def test_overwrite_of_a_store_another_process_is_writing_is_refused(tmp_path, monkeypatch):
    out, started, go = tmp_path / "run.zarr", tmp_path / "started", tmp_path / "go"
    proc = subprocess.Popen([sys.executable, "-c", textwrap.dedent(HOLD), str(out), str(started), str(go)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.time() + 180
        while not started.exists() and time.time() < deadline and proc.poll() is None:
            time.sleep(0.05)
        assert started.exists(), proc.communicate()[1][-3000:]
        pid = int(started.read_text())
        with monkeypatch.context() as m:
            m.setattr(Run, "execute", lambda *a, **k: pytest.fail("advanced"))
            with pytest.raises(bn.SimulationError, match=rf"out='.*run\.zarr' is being written by another run "
                                                         rf"\(process {pid}\); wait until it finishes or choose "
                                                         r"another path\. overwrite=True never replaces an output "
                                                         r"that a run is still writing\."):
                bn.simulate(bn.CoombesByrne(), pair(), out=out, overwrite=True, **KW)
            with pytest.raises(bn.CheckpointError, match=rf"checkpoint='.*run\.zarr\.ckpt\.npz' is being written by "
                                                         rf"another run \(process {pid}\)"):
                bn.simulate(bn.CoombesByrne(), pair(), checkpoint=f"{out}.ckpt.npz", overwrite=True, **KW)
        assert xr.open_zarr(out, chunks=None).attrs[PROGRESS_ATTR].startswith("1 of 8 chunks")
    finally:
        go.touch()
        stdout, stderr = proc.communicate(timeout=180)
    assert proc.returncode == 0, stderr[-3000:]
    assert stdout.split() == ["40", "finished"]  # the writer finished with all its data
    stored = xr.open_zarr(out, chunks=None).load()
    xr.testing.assert_identical(unstamp(stored), bn.simulate(bn.CoombesByrne(), pair(), **KW))


def test_a_second_run_of_this_process_cannot_overwrite_the_store_being_written(tmp_path, monkeypatch):
    out = tmp_path / "run.zarr"
    refused = []
    append = ZarrSink.append

    def intruding(self, chunk, done, total, t_ms):
        append(self, chunk, done, total, t_ms)
        if done == 2:
            with pytest.raises(bn.SimulationError, match=r"is being written by another run \(this process\)"):
                bn.simulate(bn.CoombesByrne(), pair(), out=out, overwrite=True, **KW)
            refused.append(done)

    monkeypatch.setattr(ZarrSink, "append", intruding)
    ds = bn.simulate(bn.CoombesByrne(), pair(), out=out, **KW)
    assert refused == [2] and ds.sizes["time"] == 40
    assert not (tmp_path / ".run.zarr.lock").exists()


def test_a_failed_run_releases_its_locks(tmp_path, monkeypatch):
    class Stop(Exception):
        pass

    def stopping(self, chunk, done, total, t_ms):
        raise Stop

    out = tmp_path / "run.zarr"
    with monkeypatch.context() as m:
        m.setattr(ZarrSink, "append", stopping)
        with pytest.raises(Stop):
            bn.simulate(bn.CoombesByrne(), pair(), out=out, checkpoint=tmp_path / "ck.npz", **KW)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.zarr"]  # no lock left, no checkpoint yet
    ds = bn.simulate(bn.CoombesByrne(), pair(), out=out, overwrite=True, checkpoint=tmp_path / "ck.npz", **KW)
    assert ds.sizes["time"] == 40 and streaming.PROGRESS_ATTR not in ds.attrs
    assert os.path.exists(tmp_path / "ck.npz")


def test_a_run_that_fails_before_its_first_chunk_leaves_the_replaced_store_as_it_was(tmp_path):
    out = tmp_path / "run.zarr"
    first = bn.simulate(bn.CoombesByrne(), pair(), out=out, **KW).load()
    with pytest.raises(bn.DivergenceError, match=r"^the run diverged: a state variable of region 'L' \(index 0\) "
                                                 r"became NaN or inf at t = 0\.4 ms \(step 4\)\. Lower the coupling "
                                                 r"strength G \(the usual cause: a runaway excitation\), or use a "
                                                 r"smaller dt \(now 0\.1 ms\), weaker noise, or a more stable "
                                                 r"method \(e\.g\. 'heun' or 'rk4'\)\.$"):  # was: an empty store left
        bn.simulate(bn.CoombesByrne(eta=1e6), pair(), out=out, overwrite=True, **KW)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.zarr"]  # no lock, no store kept aside
    with xr.open_zarr(out, chunks=None) as back:
        xr.testing.assert_identical(back.load(), first)


def test_the_replaced_store_goes_once_the_new_one_holds_a_chunk(tmp_path, monkeypatch):
    out = tmp_path / "run.zarr"
    bn.simulate(bn.CoombesByrne(), pair(), out=out, **KW)
    append = ZarrSink.append

    class Stop(Exception):
        pass

    def second_fails(self, chunk, done, total, t_ms):
        if done == 2:
            raise Stop
        append(self, chunk, done, total, t_ms)

    monkeypatch.setattr(ZarrSink, "append", second_fails)
    with pytest.raises(Stop):
        bn.simulate(bn.CoombesByrne(), pair(), out=out, overwrite=True, **dict(KW, key=9))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.zarr"]
    with xr.open_zarr(out, chunks=None) as back:  # the new run's first chunk: the old store is gone
        assert back.sizes["time"] == KW["chunk_steps"] // 10 and back.attrs["seed"] == "9"
        assert back.attrs[PROGRESS_ATTR].startswith("1 of ")


def test_a_store_held_open_is_kept_and_the_refusal_says_what_to_close(tmp_path, monkeypatch):
    out = tmp_path / "run.zarr"
    first = bn.simulate(bn.CoombesByrne(), pair(), out=out, **KW).load()
    real = os.rename

    def held_open(src, dst, *args, **kwargs):
        if os.fspath(src) == os.fspath(out):
            raise PermissionError(errno.EACCES, "Access is denied")  # Windows: a file in the store is open elsewhere
        return real(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "rename", held_open)
    with pytest.raises(bn.SimulationError, match=(
            rf"^cannot replace out='{out}': the system refused to move it aside \(Access is denied\)\. On Windows "
            r"a folder cannot be moved or deleted while a program holds a file in it open \(a Dataset opened from "
            r"it: ds\.close\(\)\) or has it as its folder \(a terminal, an Explorer window\): close it there and "
            rf"write again, or choose another path\. '{out}' is kept as it was; the run stopped before its first "
            r"chunk, so nothing was simulated\.$")):  # was: a bare PermissionError
        bn.simulate(bn.CoombesByrne(), pair(), out=out, overwrite=True, **dict(KW, key=9))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.zarr"]  # no lock, no new store, none kept aside
    with xr.open_zarr(out, chunks=None) as back:
        xr.testing.assert_identical(back.load(), first)
    monkeypatch.setattr(os, "rename", real)
    again = bn.simulate(bn.CoombesByrne(), pair(), out=out, overwrite=True, **dict(KW, key=9))  # closed: replaced
    assert again.attrs["seed"] == "9" and sorted(p.name for p in tmp_path.iterdir()) == ["run.zarr"]


def test_a_folder_that_appeared_meanwhile_and_is_held_open_is_kept(tmp_path, monkeypatch):
    new, path = tmp_path / ".new.tmp", tmp_path / "run.zarr"
    for folder, text in ((new, "new"), (path, "old")):
        folder.mkdir()
        (folder / ".zgroup").write_text(text)
    real = os.rename

    def held_open(src, dst, *args, **kwargs):
        if os.fspath(src) == os.fspath(path):
            raise PermissionError(errno.EACCES, "Access is denied")
        return real(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "rename", held_open)
    with pytest.raises(bn.SimulationError, match=rf"^cannot replace out='{path}': the system refused to move it "
                                                 rf"aside \(Access is denied\)\. .* '{path}' is kept as it was\.$"):
        publish_folder(new, path, overwrite=True, name="out", error=bn.SimulationError)
    assert [(p.name, (p / ".zgroup").read_text()) for p in sorted(tmp_path.iterdir())] == [(".new.tmp", "new"),
                                                                                         ("run.zarr", "old")]
