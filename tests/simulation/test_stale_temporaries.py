"""What a writer killed outright leaves beside its output, and who removes it.

Every writer (``bn.write_netcdf``, ``brainnet-cb run``'s NetCDF stream, the
``checkpoint=`` file, the ``out=`` Zarr store) makes its temporary file or
folder, ``.<name>.<id>.tmp``, only while it holds the output's lock. A
``kill -9`` (a job's time limit, the out-of-memory killer) leaves it behind,
partly written: the next writer of that output, once it holds the lock,
deletes it, so repeated kills do not fill the disk. A live writer's temporary
is never touched; nor is anything else beside the output (another output's
temporary, a store moved aside by ``overwrite=True``, files of the user).
"""

import os
import signal
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import xarray as xr

import brainnet_cb as bn
from brainnet_cb._destinations import stale_temporaries, temporary_path

PAIR = bn.Connectome([[0, 1], [1, 0]], [[0, 30], [30, 0]], labels=["L", "R"], name="pair")
KW = dict(duration=20.0, dt=0.1, coupling=bn.Linear(G=0.3), noise=bn.Additive(v=0.1), key=5, chunk_steps=50)

# a writer of `path` that holds its lock and has written half of its temporary file when it is killed
WRITER = """
import sys, time
from brainnet_cb._destinations import WriteLock, temporary_path
from brainnet_cb.errors import BrainnetError
path = sys.argv[1]
lock = WriteLock(path, None, BrainnetError).acquire()
tmp = temporary_path(path)
tmp.write_bytes(b"\\x89HDF" + bytes(4096))
print(tmp, flush=True)
time.sleep(120)
"""

#: Beside the output and not the killed writer's: kept by every writer.
NOT_OURS = [".other.nc.0123456789ab.tmp", ".out.nc.notes.tmp", "out.nc.0123456789ab.tmp", ".out.nc.0123456789ab.old",
            ".out.nc.0123456789AB.tmp", ".out.nc.0123456789abc.tmp", "notes.txt"]


def _beside(folder):
    for name in NOT_OURS:
        (folder / name).write_text("not a temporary of out.nc")


def test_a_killed_writers_temporary_is_kept_while_it_lives_and_deleted_by_the_next_writer(tmp_path):
    path = tmp_path / "out.nc"
    _beside(tmp_path)
    proc = subprocess.Popen([sys.executable, "-c", textwrap.dedent(WRITER), str(path)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline().strip()
        assert line, proc.stderr.read()[-3000:]
        tmp = tmp_path / os.path.basename(line)
        assert stale_temporaries(path) == [tmp]
        ds = xr.Dataset({"x": ("t", np.arange(3.0))})
        with pytest.raises(bn.BrainnetError, match=rf"'{path}' is being written by another run \(process "
                                                   rf"{proc.pid}\); wait until it finishes or choose another path"):
            bn.write_netcdf(ds, path)
        assert tmp.read_bytes()[:4] == b"\x89HDF"  # the live writer's temporary is untouched
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    assert tmp.exists()  # kill -9 runs no clean-up: the partial file stays ...
    bn.write_netcdf(ds, path)  # ... until the next writer of out.nc holds the lock
    assert not tmp.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["out.nc", *NOT_OURS])
    with xr.open_dataset(path) as back:
        np.testing.assert_array_equal(back.x.values, ds.x.values)


def _stale(path, folder=False):
    tmp = temporary_path(path)
    if folder:  # the Zarr store a killed run was building (its template, before it is renamed into place)
        tmp = tmp.with_name(tmp.name[: -len(".tmp") - 4] + ".tmp")  # ZarrSink's 8 hex digits
        (tmp / "r").mkdir(parents=True)
        (tmp / ".zgroup").write_text("{}")
    else:
        tmp.write_bytes(bytes(100))
    return tmp


def test_every_writer_deletes_its_outputs_stale_temporaries(tmp_path):
    from brainnet_cb.cli.run_output import run_to_netcdf

    pytest.importorskip("zarr")
    ckpt, store, cli, nc = (tmp_path / n for n in ("run.ckpt.npz", "run.zarr", "cli.nc", "ds.nc"))
    left = [_stale(ckpt), _stale(ckpt), _stale(store, folder=True), _stale(cli), _stale(nc)]
    ds = bn.simulate(bn.CoombesByrne(), PAIR, checkpoint=ckpt, out=store, **KW)
    result, _ = run_to_netcdf(bn.Simulation(bn.CoombesByrne(), PAIR, **{k: v for k, v in KW.items()
                                                                        if k != "chunk_steps"}), cli)
    result.close()
    bn.write_netcdf(xr.Dataset({"x": ("t", [1.0])}), nc)
    assert [p.exists() for p in left] == [False] * 5
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cli.nc", "ds.nc", "run.ckpt.npz", "run.zarr"]
    mem = bn.simulate(bn.CoombesByrne(), PAIR, **KW)
    xr.testing.assert_identical(bn.unstamp(ds.load()), mem)  # values as without the clean-up
