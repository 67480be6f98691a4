"""Rerunning an interrupted streamed run without ``resume_from``: the refusal says how to continue it.

The store of a run killed mid-way (``kill -9``, a job's time limit) was
refused as "already exists; pass overwrite=True to replace it": a user who
followed it threw away every finished chunk, where ``resume_from=`` with the
run's checkpoint continues from the last one. The refusal now names the
store's progress and ``resume_from=`` first; a finished store keeps the plain
refusal, and ``overwrite=True`` still starts again.
"""

import pytest
import xarray as xr

import brainnet_cb as bn
from brainnet_cb.simulation.run import Run

PAIR = bn.Connectome([[0, 1], [1, 0]], [[0, 30], [30, 0]], labels=["L", "R"], name="pair")
KW = dict(duration=20.0, dt=0.1, coupling=bn.Linear(G=0.3), noise=bn.Additive(v=0.1), key=5, chunk_steps=50)


def test_an_interrupted_store_is_refused_naming_resume_from(tmp_path, stop_after_chunk, monkeypatch):
    pytest.importorskip("zarr")
    store, ckpt = tmp_path / "run.zarr", tmp_path / "run.ckpt.npz"
    model = bn.CoombesByrne()
    with stop_after_chunk(2):  # the job is stopped after 2 of its 4 chunks
        bn.simulate(model, PAIR, out=store, checkpoint=ckpt, **KW)
    execute = Run.execute

    def advanced(self, *args, **kwargs):
        raise AssertionError("the run advanced before the refusal")

    monkeypatch.setattr(Run, "execute", advanced)
    with pytest.raises(bn.SimulationError) as err:  # the same job again, as a requeued job script runs it
        bn.simulate(model, PAIR, out=store, checkpoint=ckpt, **KW)
    assert str(err.value) == (
        f"out='{store}' holds the store of an interrupted run (2 of 4 chunks, t = 10 ms); to continue that run, "
        "pass resume_from= with its checkpoint= file (and the same arguments), or overwrite=True to start again "
        "and replace it, or choose another path.")
    monkeypatch.setattr(Run, "execute", execute)
    resumed = bn.simulate(model, PAIR, out=store, resume_from=ckpt, **KW)
    xr.testing.assert_identical(bn.unstamp(resumed.load()), bn.simulate(model, PAIR, **KW))
    with pytest.raises(bn.SimulationError) as err:  # finished: nothing to continue
        bn.simulate(model, PAIR, out=store, **KW)
    assert str(err.value) == (f"out='{store}' already exists; pass overwrite=True to replace it, or choose another "
                              "path.")


def test_overwrite_still_starts_an_interrupted_store_again(tmp_path, stop_after_chunk):
    pytest.importorskip("zarr")
    store = tmp_path / "run.zarr"
    model = bn.CoombesByrne()
    with stop_after_chunk(1):
        bn.simulate(model, PAIR, out=store, checkpoint=tmp_path / "c.npz", **KW)
    again = bn.simulate(model, PAIR, out=store, overwrite=True, **KW)
    xr.testing.assert_identical(bn.unstamp(again.load()), bn.simulate(model, PAIR, **KW))
