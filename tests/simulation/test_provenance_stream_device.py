"""A streamed run resumed on another device continues its store (the checkpoint warns of the other device).

The store records the ``device`` that ran it (``brainnet_cb.simulation.provenance``); resuming compares the store's
provenance with the run's, and the device alone must not make it "another run".
"""

import numpy as np
import pytest
import xarray as xr

import brainnet_cb as bn
from brainnet_cb.simulation import checkpoint as ck
from brainnet_cb.simulation import provenance

pytest.importorskip("zarr")

PAIR = bn.Connectome(weights=[[0, 1], [1, 0]], lengths=[[0, 30], [30, 0]])
KW = dict(duration=20.0, noise=bn.Additive(v=0.1), chunk_steps=50, key=2, progress=False)


class _Stop(Exception):
    pass


def test_a_streamed_run_resumed_on_another_device_continues_its_store(tmp_path, monkeypatch):
    straight = bn.simulate(bn.CoombesByrne(), PAIR, **KW)
    save = ck.Checkpointer.save

    def stopping_save(self, carry, piece, *args, **kwargs):
        save(self, carry, piece, *args, **kwargs)
        if piece == 2:
            raise _Stop

    monkeypatch.setattr(ck.Checkpointer, "save", stopping_save)
    out, path = tmp_path / "run.zarr", tmp_path / "run.npz"
    with pytest.raises(_Stop):
        bn.simulate(bn.CoombesByrne(), PAIR, out=out, checkpoint=path, **KW)
    monkeypatch.setattr(ck.Checkpointer, "save", save)
    first_device = provenance.device_name()
    monkeypatch.setattr(provenance, "device_name", lambda: "gpu Another Device")
    resumed = bn.simulate(bn.CoombesByrne(), PAIR, out=out, resume_from=path, **KW)
    np.testing.assert_array_equal(resumed.r.values, straight.r.values)
    with xr.open_zarr(out) as store:
        assert store.attrs["device"] == first_device  # the store keeps the device that began it
    other = dict(KW, key=3)  # another run is still refused
    with pytest.raises(bn.CheckpointError):
        bn.simulate(bn.CoombesByrne(), PAIR, out=out, resume_from=path, **other)


def test_a_streamed_run_resumed_with_its_connectome_read_from_elsewhere_continues_its_store(tmp_path, monkeypatch):
    """connectome_source names the file the connectome was read from; the same matrices read from a copy (or
    passed as arrays) are the same run: its sha256 is compared, not its path."""
    np.savez(tmp_path / "pair.npz", weights=PAIR.weights, lengths=PAIR.lengths)
    read = bn.io.read_npz(tmp_path / "pair.npz")
    straight = bn.simulate(bn.CoombesByrne(), PAIR, **KW)
    save = ck.Checkpointer.save

    def stopping_save(self, carry, piece, *args, **kwargs):
        save(self, carry, piece, *args, **kwargs)
        if piece == 2:
            raise _Stop

    monkeypatch.setattr(ck.Checkpointer, "save", stopping_save)
    out, path = tmp_path / "run.zarr", tmp_path / "run.npz"
    with pytest.raises(_Stop):
        bn.simulate(bn.CoombesByrne(), read, out=out, checkpoint=path, **KW)
    monkeypatch.setattr(ck.Checkpointer, "save", save)
    (tmp_path / "copy").mkdir()
    (tmp_path / "pair.npz").rename(tmp_path / "copy" / "pair.npz")
    resumed = bn.simulate(bn.CoombesByrne(), bn.io.read_npz(tmp_path / "copy" / "pair.npz"), out=out,
                          resume_from=path, **KW)
    np.testing.assert_array_equal(resumed.r.values, straight.r.values)
    with xr.open_zarr(out) as store:
        assert store.attrs["connectome_source"] == resumed.attrs["connectome_source"]
        assert str(tmp_path / "pair.npz") in store.attrs["connectome_source"]  # where the run began reading
    with pytest.raises(bn.CheckpointError):  # other matrices are still another run
        bn.simulate(bn.CoombesByrne(), PAIR.replace(weights=PAIR.weights * 2), out=out, resume_from=path, **KW)
