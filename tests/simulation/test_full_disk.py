"""A NetCDF result that cannot be written (a full disk, a quota, a file-size limit) is named, with the free space.

HDF5 reports a full disk as ``RuntimeError('NetCDF: HDF error')``, which said
neither which file nor why (``brainnet-cb run`` printed a traceback after the
whole run). ``bn.write_netcdf`` and the command's streamed file now raise a
BrainnetError naming the file, the free space of its file system and the
likely cause; the partly written temporary file is removed, so nothing is
left under the name.
"""

import re

import numpy as np
import pytest
import xarray as xr

import brainnet_cb as bn
from brainnet_cb import _destinations
from brainnet_cb.cli import run_output
from brainnet_cb.simulation.spec import Simulation


def test_a_netcdf_file_the_system_refuses_to_grow_is_named_and_nothing_is_left(tmp_path):
    resource = pytest.importorskip("resource")
    import signal

    path = tmp_path / "big.nc"
    ds = xr.Dataset({"x": ("t", np.random.default_rng(0).random(1_000_000))})  # 8 MB that zlib cannot shrink much
    limit = resource.getrlimit(resource.RLIMIT_FSIZE)
    handler = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (200_000, limit[1]))  # writes beyond 200 kB fail (EFBIG), as on a
    try:                                                             # full disk
        with pytest.raises(bn.BrainnetError) as err:
            bn.write_netcdf(ds, path)
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, limit)
        signal.signal(signal.SIGXFSZ, handler)
    assert re.fullmatch(
        rf"cannot write '{re.escape(str(path))}': NetCDF failed with 'NetCDF: HDF error' while writing it; nothing "
        rf"was left under that name\. Why: the file system of '{re.escape(str(tmp_path))}' has [0-9.]+ [GM]iB free"
        r"(, so a disk quota, a file-size limit \(ulimit -f\) or a folder removed meanwhile may be the cause; check "
        r"them or write elsewhere|: the disk is full \(or your quota is used up\); free some space or write to "
        r"another disk)\.", str(err.value)), str(err.value)
    assert list(tmp_path.iterdir()) == []


def _spec():
    conn = bn.Connectome([[0.0, 1.0], [1.0, 0.0]], [[0.0, 30.0], [30.0, 0.0]])
    return Simulation(bn.CoombesByrne(), conn, duration=50.0, dt=0.1, coupling=bn.Linear(G=0.5), key=3)


def _failing_append(monkeypatch, error):
    """The streamed file's first chunk fails with ``error``; the file system has 1.5 MiB free."""
    def failing(self, chunk, done, total, t_ms):
        raise error

    monkeypatch.setattr(run_output.NetCDFSink, "append", failing)
    monkeypatch.setattr(_destinations.shutil, "disk_usage", lambda path: type("Usage", (), {"free": 1536 * 1024})())


def test_the_commands_streamed_file_on_a_full_disk_says_the_disk_is_full(tmp_path, monkeypatch, capsys):
    _failing_append(monkeypatch, RuntimeError("NetCDF: HDF error"))  # what HDF5 raises on a full disk
    path = tmp_path / "run.nc"
    with pytest.raises(bn.BrainnetError) as err:
        run_output.run_to_netcdf(_spec(), path)
    assert str(err.value) == (
        f"cannot write '{path}': NetCDF failed with 'NetCDF: HDF error' while writing it; nothing was left under "
        f"that name. Why: the file system of '{tmp_path}' has 1.5 MiB free: the disk is full (or your quota is used "
        "up); free some space or write to another disk.")
    assert list(tmp_path.iterdir()) == []  # the partial temporary file and the lock are gone


def test_a_quota_refusal_is_named_too_and_other_errors_pass_unchanged(tmp_path, monkeypatch):
    import errno

    path = tmp_path / "run.nc"
    _failing_append(monkeypatch, OSError(errno.EDQUOT, "Disk quota exceeded"))
    with pytest.raises(bn.BrainnetError, match=r"^cannot write '.*run\.nc': the system refused it \(Disk quota "
                                               r"exceeded\) while writing it; nothing was left under that name\. Why: "
                                               r"the file system of '.*' has 1\.5 MiB free: the disk is full"):
        run_output.run_to_netcdf(_spec(), path)
    _failing_append(monkeypatch, RuntimeError("a bug"))
    with pytest.raises(RuntimeError, match="^a bug$"):
        run_output.run_to_netcdf(_spec(), path)
    assert list(tmp_path.iterdir()) == []


def test_a_folder_removed_during_the_run_is_named(tmp_path, monkeypatch):
    """A scratch folder cleaned while the command runs: HDF5 or the final rename failed with 'Permission denied'
    or 'No such file or directory' on a hidden temporary name."""
    import shutil

    scratch = tmp_path / "scratch"
    scratch.mkdir()
    append = run_output.NetCDFSink.append

    def append_after_cleaning(self, *args):
        shutil.rmtree(scratch)  # the open file goes on; the final rename finds no folder
        return append(self, *args)

    monkeypatch.setattr(run_output.NetCDFSink, "append", append_after_cleaning)
    with pytest.raises(bn.BrainnetError) as err:
        run_output.run_to_netcdf(_spec(), scratch / "run.nc")
    assert str(err.value) == (f"cannot write '{scratch}/run.nc': its folder '{scratch}' was removed (or renamed) "
                              "while the run was writing it, and the result with it. Run it again into a folder "
                              "that stays.")
    assert list(tmp_path.iterdir()) == []


PAIR = bn.Connectome([[0, 1], [1, 0]], [[0, 30], [30, 0]], labels=["L", "R"], name="pair")
KW = dict(duration=20.0, dt=0.1, coupling=bn.Linear(G=0.3), noise=bn.Additive(v=0.1), key=5, chunk_steps=50)


def test_a_checkpoint_on_a_full_disk_names_the_file_and_the_checkpoint_kept(tmp_path, monkeypatch):
    """np.savez raised a bare '[Errno 28] No space left on device' in the middle of the run."""
    import errno

    from brainnet_cb.simulation import checkpoint as ck

    ckpt = tmp_path / "run.ckpt.npz"
    savez, calls = ck.np.savez, []

    def filling(fh, **arrays):  # the disk fills while the third checkpoint is written
        calls.append(1)
        if len(calls) == 3:
            fh.write(b"PK\x03\x04 part")
            raise OSError(errno.ENOSPC, "No space left on device")
        return savez(fh, **arrays)

    monkeypatch.setattr(ck.np, "savez", filling)
    monkeypatch.setattr(_destinations.shutil, "disk_usage", lambda path: type("Usage", (), {"free": 0})())
    with pytest.raises(bn.CheckpointError) as err:
        bn.simulate(bn.CoombesByrne(), PAIR, checkpoint=ckpt, **KW)
    assert str(err.value) == (
        f"cannot write checkpoint='{ckpt}': the system refused it (No space left on device) while writing it; the "
        f"checkpoint of chunk 2 is kept, and resume_from= continues from it. Why: the file system of '{tmp_path}' "
        "has 0.0 MiB free: the disk is full (or your quota is used up); free some space or write to another disk.")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.ckpt.npz"]
    monkeypatch.undo()
    resumed = bn.simulate(bn.CoombesByrne(), PAIR, resume_from=ckpt, **KW)
    xr.testing.assert_identical(resumed, bn.simulate(bn.CoombesByrne(), PAIR, **KW))


def test_a_streamed_store_on_a_full_disk_names_the_store_and_what_it_keeps(tmp_path, monkeypatch):
    """zarr raised a bare '[Errno 28] No space left on device' in the middle of the run."""
    import errno

    zarr = pytest.importorskip("zarr")
    store, ckpt = tmp_path / "run.zarr", tmp_path / "run.ckpt.npz"
    append = zarr.Array.append

    def filling(self, data, axis=0):  # the disk fills in chunk 3 (5 samples of 1 ms per chunk of 50 steps)
        if self.shape[axis] >= 2 * 5:
            raise OSError(errno.ENOSPC, "No space left on device")
        return append(self, data, axis=axis)

    monkeypatch.setattr(zarr.Array, "append", filling)
    monkeypatch.setattr(_destinations.shutil, "disk_usage", lambda path: type("Usage", (), {"free": 0})())
    with pytest.raises(bn.SimulationError) as err:
        bn.simulate(bn.CoombesByrne(), PAIR, out=store, checkpoint=ckpt, **KW)
    assert str(err.value) == (
        f"cannot write out='{store}': the system refused it (No space left on device) while writing it; the store "
        "keeps the 2 chunks finished before (a run with checkpoint= continues from its last checkpoint with "
        f"resume_from=). Why: the file system of '{tmp_path}' has 0.0 MiB free: the disk is full (or your quota is "
        "used up); free some space or write to another disk.")
    monkeypatch.undo()
    resumed = bn.simulate(bn.CoombesByrne(), PAIR, out=store, resume_from=ckpt, **KW)
    xr.testing.assert_identical(bn.unstamp(resumed.load()), bn.simulate(bn.CoombesByrne(), PAIR, **KW))


@pytest.mark.parametrize("full_at, kept", [(5, "the store keeps the 1 chunk finished before (a run with checkpoint= "
                                                "continues from its last checkpoint with resume_from=)"),
                                           (0, "the store holds no chunk yet")])
def test_what_a_full_store_keeps_is_counted_in_words(tmp_path, monkeypatch, full_at, kept):
    # was: "the store keeps the 1 chunks finished before", and "the 0 chunks finished before (... resume_from=)"
    # where the disk filled in the first chunk, which no checkpoint can continue
    import errno

    zarr = pytest.importorskip("zarr")
    append = zarr.Array.append

    def filling(self, data, axis=0):
        if self.shape[axis] >= full_at:
            raise OSError(errno.ENOSPC, "No space left on device")
        return append(self, data, axis=axis)

    monkeypatch.setattr(zarr.Array, "append", filling)
    monkeypatch.setattr(_destinations.shutil, "disk_usage", lambda path: type("Usage", (), {"free": 0})())
    with pytest.raises(bn.SimulationError, match=rf"while writing it; {re.escape(kept)}\. Why: "):
        bn.simulate(bn.CoombesByrne(), PAIR, out=tmp_path / "run.zarr", **KW)


def test_a_file_system_out_of_inodes_is_named(tmp_path, monkeypatch):
    # was: "has 10.0 GiB free, so a disk quota, a file-size limit (ulimit -f) or a folder removed meanwhile may be
    # the cause": ENOSPC with space left is a file system that holds as many files as it can (Zarr: one per chunk)
    import errno

    monkeypatch.setattr(_destinations.shutil, "disk_usage", lambda path: type("Usage", (), {"free": 10 * 2**30})())
    inodes = {"f_files": 1000, "f_favail": 0}
    monkeypatch.setattr(_destinations.os, "statvfs", lambda path: type("Stat", (), inodes)())
    full = OSError(errno.ENOSPC, "No space left on device")
    err = _destinations.write_failure(full, tmp_path / "run.zarr", "out", bn.SimulationError, left="it keeps 2")
    assert str(err) == (
        f"cannot write out='{tmp_path}/run.zarr': the system refused it (No space left on device) while writing it; "
        f"it keeps 2. Why: the file system of '{tmp_path}' has 10.0 GiB free but no free inodes: it holds as many "
        "files as it can (a Zarr store makes one per chunk); delete files there or write to another disk.")
    inodes["f_favail"] = 5  # inodes left: the other causes, as before
    assert "a disk quota, a file-size limit" in str(_destinations.write_failure(full, tmp_path / "run.nc"))
    inodes["f_files"] = inodes["f_favail"] = 0  # a file system that does not count inodes (btrfs)
    assert "a disk quota, a file-size limit" in str(_destinations.write_failure(full, tmp_path / "run.nc"))
