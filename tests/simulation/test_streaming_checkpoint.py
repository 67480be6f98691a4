"""Streaming to Zarr, checkpoints and resume (issue 8).

The runs happen in child processes: the first one runs each integrator
straight through, then stopped after a few chunks (in memory, checkpointed),
then SIGKILLs itself in the middle of a streamed run; a *new* process resumes
them all; the parent compares, bit for bit. The children share a persistent
JAX compilation cache so that the second one does not compile again (the
compiled programs are the same either way; only the time differs).
"""

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import textwrap

import brainunit as u
import numpy as np
import pytest
import xarray as xr

import brainnet_cb as bn
from brainnet_cb.simulation.cf import unstamp
from brainnet_cb.simulation.checkpoint import load_checkpoint
from brainnet_cb.simulation.streaming import PROGRESS_ATTR, ZarrSink

pytest.importorskip("zarr")

METHODS = sorted(bn.INTEGRATORS)
K = 3  # chunks finished before the interruption
N_CHUNKS = 8

# The run of the resume tests: noise, delays (tvb76 at 3 mm/ms) and BOLD on.
SETUP = """
import brainunit as u
import brainnet_cb as bn
conn = bn.load_atlas("tvb76")

def kwargs(method):
    return dict(duration=400.0, dt=0.1, coupling=bn.Linear(G=0.5), speed=3.0, method=method,
                noise=bn.Additive(r=0.002, v=0.05), key=7, chunk_steps=500,
                monitors=[bn.TemporalAverage(1.0), bn.Bold(tr=50.0 * u.ms, baseline="initial")])
"""

STOP = SETUP + """
import os, signal, sys
import numpy as np
from brainnet_cb.simulation import checkpoint as ck, streaming
bn.enable_float64()
d, K = sys.argv[1], int(sys.argv[2])
for method in sys.argv[3:]:
    ds = bn.simulate(bn.CoombesByrne(), conn, **kwargs(method))
    ds.to_netcdf(f"{d}/straight_{method}.nc")

class Stop(Exception):
    pass

save = ck.Checkpointer.save
def stopping_save(self, *args, **kw):
    save(self, *args, **kw)
    if args[1] == K:  # args: carry, piece, ...
        raise Stop
ck.Checkpointer.save = stopping_save
for method in sys.argv[3:]:
    try:
        bn.simulate(bn.CoombesByrne(), conn, checkpoint=f"{d}/{method}.npz", **kwargs(method))
    except Stop:
        pass
ck.Checkpointer.save = save

# a streamed run, killed for real right after its K-th chunk reached the store
# (before that chunk's checkpoint: the resume must cut the store back)
append = streaming.ZarrSink.append
def killing_append(self, chunk, done, total, t_ms):
    append(self, chunk, done, total, t_ms)
    if done == K:
        os.kill(os.getpid(), signal.SIGKILL)
streaming.ZarrSink.append = killing_append
bn.simulate(bn.CoombesByrne(), conn, out=f"{d}/run.zarr", checkpoint=f"{d}/stream.npz", **kwargs("heun"))
"""

RESUME = SETUP + """
import sys
import numpy as np
bn.enable_float64()
d = sys.argv[1]
out = {}
for method in sys.argv[2:]:
    ds = bn.simulate(bn.CoombesByrne(), conn, resume_from=f"{d}/{method}.npz", **kwargs(method))
    out.update({f"{method}/{v}": ds[v].values for v in ds.data_vars})
np.savez(f"{d}/resumed.npz", **out)
bn.simulate(bn.CoombesByrne(), conn, out=f"{d}/run.zarr", resume_from=f"{d}/stream.npz", **kwargs("heun"))
"""


def _child(code, d, *args):
    env = dict(os.environ, JAX_COMPILATION_CACHE_DIR=str(d / "jax_cache"),
               JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS="0", JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES="0")
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code), str(d), *map(str, args)],
                          capture_output=True, text=True, env=env, timeout=300)


@pytest.fixture(scope="module")
def interrupted(tmp_path_factory):
    d = tmp_path_factory.mktemp("interrupted")
    stop = _child(STOP, d, K, *METHODS)
    assert stop.returncode == -signal.SIGKILL, stop.stderr[-3000:]
    shutil.copytree(d / "run.zarr", d / "killed.zarr")  # as the kill left it
    shutil.copy(d / "stream.npz", d / "killed.npz")
    resume = _child(RESUME, d, *METHODS)
    assert resume.returncode == 0, resume.stderr[-3000:]
    return d


@pytest.fixture(scope="module")
def straight(interrupted):
    return {m: xr.load_dataset(interrupted / f"straight_{m}.nc") for m in METHODS}


def test_killed_streamed_run_leaves_a_readable_store_with_every_finished_chunk(interrupted, straight):
    killed = xr.open_zarr(interrupted / "killed.zarr", chunks=None).load()
    full = straight["heun"]
    per_chunk = full.sizes["time"] // N_CHUNKS
    assert killed.sizes["time"] == K * per_chunk
    assert killed.sizes["time_bold"] == K * full.sizes["time_bold"] // N_CHUNKS
    assert killed.attrs[PROGRESS_ATTR].startswith(f"{K} of {N_CHUNKS} chunks")
    for name in full.data_vars:
        dim = full[name].dims[0]
        part = full[name].isel({dim: slice(0, killed.sizes[dim])})
        np.testing.assert_array_equal(killed[name].values, part.values)
        np.testing.assert_array_equal(killed[dim].values, part[dim].values)
    # the kill came after the store got chunk K but before its checkpoint
    assert load_checkpoint(interrupted / "killed.npz").piece == K - 1


@pytest.mark.parametrize("method", METHODS)
def test_resumed_in_a_new_process_equals_the_straight_run_bit_for_bit(interrupted, straight, method):
    assert load_checkpoint(interrupted / f"{method}.npz").piece == N_CHUNKS  # updated by the resumed run
    resumed = np.load(interrupted / "resumed.npz")
    ds = straight[method]
    assert ds.r.dtype == np.float64 and ds.sizes["time_bold"] == 8
    for name in ds.data_vars:
        a, b = ds[name].values, resumed[f"{method}/{name}"]
        assert a.shape == b.shape and np.all(np.isfinite(a))
        assert a.tobytes() == b.tobytes(), f"{method} {name}: max diff {np.max(np.abs(a - b))}"


def test_resumed_stream_is_complete_and_identical_to_the_in_memory_run(interrupted, straight):
    stored = xr.open_zarr(interrupted / "run.zarr", chunks=None)
    assert PROGRESS_ATTR not in stored.attrs
    # the finished store carries the CF stamp of a written file, once, from the run that finished it
    assert stored.attrs["date_created"].endswith("Z") and stored.attrs["history"].count("\n") == 1
    assert stored.attrs["history"].endswith("Z: written to run.zarr by brainnet_cb (streamed with out=, resumed)")
    xr.testing.assert_identical(unstamp(stored.load()), straight["heun"])


def test_a_hundred_streamed_chunks_equal_the_in_memory_run_and_the_store_is_readable_after_each(tmp_path):
    conn = bn.load_atlas("tvb68")
    kw = dict(duration=500.3, dt=0.1, coupling=bn.Linear(G=0.4), noise=bn.Additive(v=0.05), key=3,
              monitors=[bn.TemporalAverage(1.0, variables=("r", "coupling")), bn.SubSample(5.0, name="sub"),
                        bn.Bold(tr=5.0 * u.ms, baseline="initial", discard=20.0)])
    memory = bn.simulate(bn.CoombesByrne(), conn, **kw)

    seen = []

    class CheckingSink(ZarrSink):
        def append(self, chunk, done, total, t_ms):
            super().append(chunk, done, total, t_ms)
            if done % 10 == 0 or done == total:  # a reader sees every finished chunk
                now = xr.open_zarr(self.path, chunks=None)
                seen.append((done, total, now.sizes["time"], now.attrs[PROGRESS_ATTR]))
                np.testing.assert_array_equal(now.r.values, memory.r.values[: now.sizes["time"]])

    run = bn.prepare(bn.CoombesByrne(), conn, **kw)
    assert len(run.schedule(50)) >= 100
    streamed = run.execute(chunk_steps=50, sink=CheckingSink(tmp_path / "run.zarr"))
    assert seen[0] == (10, seen[0][1], 50, f"10 of {seen[0][1]} chunks, t = 50 ms")
    assert seen[-1][0] == seen[-1][1] >= 100  # 100 whole chunks and the tail pieces
    xr.testing.assert_identical(unstamp(streamed.load()), memory)  # identical but for the CF stamp of a file
    assert memory.sizes["time_bold"] == 96  # samples at t <= discard are dropped in both


def test_streamed_simulate_returns_a_lazy_dataset_and_refuses_an_existing_store(tmp_path):
    conn = bn.Connectome([[0, 1], [1, 0]], [[0, 30], [30, 0]])
    path = tmp_path / "a.zarr"
    ds = bn.simulate(bn.CoombesByrne(), conn, 20.0, out=path)
    assert ds.r.variable._in_memory is False
    with pytest.raises(bn.SimulationError, match="^" + re.escape(f"out='{path}' already exists; pass overwrite=True to "
                                                                 "replace it, or choose another path.") + "$"):
        bn.simulate(bn.CoombesByrne(), conn, 20.0, out=path)
    again = bn.simulate(bn.CoombesByrne(), conn, 10.0, out=path, overwrite=True)
    assert again.sizes["time"] == 10
    other = tmp_path / "not_a_store"
    other.mkdir()
    (other / "keep.txt").write_text("mine")
    with pytest.raises(bn.SimulationError, match="^" + re.escape(f"out='{other}' exists and is not a Zarr store; it is "
                                                                 "not deleted even with overwrite=True. Remove it "
                                                                 "yourself or choose another path.") + "$"):
        bn.simulate(bn.CoombesByrne(), conn, 20.0, out=other, overwrite=True)
    assert (other / "keep.txt").exists()
    with pytest.raises(bn.SimulationError, match="^" + re.escape(
            f"cannot write out='{tmp_path / 'no' / 'such.zarr'}': the folder '{tmp_path / 'no'}' does not exist; "
            "create it first or choose another path.") + "$"):
        bn.simulate(bn.CoombesByrne(), conn, 20.0, out=tmp_path / "no" / "such.zarr")


@pytest.fixture(scope="module")
def small_checkpoint(tmp_path_factory):
    d = tmp_path_factory.mktemp("small")
    conn = bn.load_atlas("tvb66")
    kw = dict(duration=20.0, dt=0.1, coupling=bn.Linear(G=0.3), noise=bn.Additive(v=0.1), chunk_steps=50)
    bn.simulate(bn.CoombesByrne(), conn, checkpoint=d / "ck.npz", **kw)
    return d / "ck.npz", conn, kw


@pytest.mark.parametrize(
    "change, component",
    [
        (dict(model=bn.CoombesByrne(eta=-4.0)), "model"),
        (dict(connectome="tvb68"), "connectome"),
        (dict(dt=0.05), "dt"),
        (dict(coupling=bn.Linear(G=0.31)), "coupling"),
        (dict(noise=bn.Additive(v=0.2)), "noise"),
        (dict(noise=bn.OrnsteinUhlenbeck(tau=3.0, v=0.1)), "noise"),
        (dict(stimulus=bn.stimulus.Step(amplitude=0.5, onset=5.0, port="v")), "stimulus"),
        (dict(key=1), "key"),
        (dict(method="rk4"), "method"),
        (dict(dtype="float32"), "dtype"),
        (dict(duration=25.0), "duration"),
    ],
)
def test_a_checkpoint_of_another_run_is_refused_by_message(small_checkpoint, change, component):
    path, conn, kw = small_checkpoint
    model = change.pop("model", bn.CoombesByrne())
    conn = bn.load_atlas(change.pop("connectome")) if "connectome" in change else conn
    kw = dict(kw, **change)
    with pytest.raises(bn.CheckpointError, match=f"(?s)was written by another run; these differ:.*\n  {component}: "):
        bn.simulate(model, conn, resume_from=path, **kw)


def test_resume_needs_the_same_kind_of_run_and_a_real_checkpoint(small_checkpoint, tmp_path):
    path, conn, kw = small_checkpoint
    with pytest.raises(bn.CheckpointError, match="^" + re.escape(
            f"the checkpoint '{path}' belongs to a run kept in memory (no out=); resume it without out=, or start a "
            "new streamed run.") + "$"):
        bn.simulate(bn.CoombesByrne(), conn, resume_from=path, out=tmp_path / "x.zarr", **kw)
    with pytest.raises(bn.CheckpointError, match="^" + re.escape(
            f"resume_from='{tmp_path / 'none.npz'}' does not exist; pass the checkpoint= path of the interrupted "
            "run.") + "$"):
        bn.simulate(bn.CoombesByrne(), conn, resume_from=tmp_path / "none.npz", **kw)
    junk = tmp_path / "junk.npz"
    junk.write_bytes(b"not a checkpoint")
    with pytest.raises(bn.CheckpointError, match="^" + re.escape(
            f"resume_from='{junk}' cannot be read: it is not a NumPy file (.npz or .npy): it starts with "
            "b'not a checkpoint'. resume_from needs a brainnet_cb checkpoint (the .npz that checkpoint= writes); a "
            "checkpoint is written to a temporary file and renamed, so a killed run never leaves a torn one: this file "
            "was damaged afterwards or is not a brainnet_cb checkpoint. Resume from an intact copy, or start the run "
            "again without resume_from.") + "$"):
        bn.simulate(bn.CoombesByrne(), conn, resume_from=junk, **kw)
    # a finished checkpoint resumes to the whole result at once
    done = bn.simulate(bn.CoombesByrne(), conn, resume_from=path, checkpoint=tmp_path / "copy.npz", **kw)
    xr.testing.assert_identical(done, bn.simulate(bn.CoombesByrne(), conn, **kw))
    header = json.loads(str(np.load(path)["header"]))
    assert header["piece"] == header["n_pieces"] == 4
    assert set(header["fingerprint"]) >= {"model", "connectome", "dt", "speed", "coupling", "noise",
                                          "monitors", "method", "dtype", "duration", "key", "edges"}
