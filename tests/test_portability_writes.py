"""Writes on Windows and macOS, emulated on Linux: binary descriptors, file systems without hard links, a
destination another program holds open.

- ``os.open`` gives a text-mode descriptor on Windows unless ``O_BINARY`` is passed: every byte 10 written
  through it becomes 13, 10, which corrupts a NetCDF, ``.npz`` or checkpoint file. Here ``os.O_BINARY`` is
  given a bit no Linux flag uses, and each descriptor opened for writing must carry it.
- FAT and exFAT drives and some network shares have no hard links; Windows says ``EINVAL`` there
  (``ERROR_INVALID_FUNCTION``), where Linux says ``EPERM`` or ``EXDEV``.
- Windows refuses to replace a file that a program holds open (``PermissionError``); the result must be kept
  and the message must say what to close.
"""

import errno
import os
import subprocess
import sys

import numpy as np
import pytest
import xarray as xr

import brainnet_cb as bn
from brainnet_cb.errors import ConnectomeError
from brainnet_cb.fitting import sweep_checkpoint
from brainnet_cb.simulation.checkpoint import write_checkpoint_file

FAKE_BINARY = 0x4000_0000  # no Linux open flag


def _connectome(scale=1.0):
    w = scale * np.array([[0.0, 1.0, 2.0], [1.0, 0.0, 0.5], [2.0, 0.5, 0.0]])
    return bn.Connectome(weights=w, lengths=10 * (w > 0), labels=["Präcuneus", "Insula", "Gyrus cinguli"])


@pytest.fixture
def opened(monkeypatch):
    """The flags of every ``os.open`` for writing, with ``os.O_BINARY`` defined as on Windows."""
    real, flags = os.open, []

    def fake_open(path, flag, *args, **kwargs):
        if flag & (os.O_WRONLY | os.O_RDWR):
            flags.append((os.fspath(path), flag))
        return real(path, flag & ~FAKE_BINARY, *args, **kwargs)

    monkeypatch.setattr(os, "O_BINARY", FAKE_BINARY, raising=False)
    monkeypatch.setattr(os, "open", fake_open)
    return flags


def test_connectome_file_is_written_through_a_binary_descriptor(tmp_path, opened):
    bn.io.write_npz(_connectome(), tmp_path / "sc.npz")
    written = [f for p, f in opened if ".sc.npz." in p and p.endswith(".tmp")]
    assert len(written) == 1 and written[0] & FAKE_BINARY
    assert bn.io.read_npz(tmp_path / "sc.npz").labels == ("Präcuneus", "Insula", "Gyrus cinguli")


def test_checkpoint_file_and_sweep_append_use_binary_descriptors(tmp_path, opened):
    path = tmp_path / "run.ckpt.npz"
    write_checkpoint_file(path, {"x": np.arange(10, dtype=np.uint8)}, replace=False, kept="nothing")
    assert [f & FAKE_BINARY for p, f in opened if p.endswith(".tmp")] == [FAKE_BINARY]
    with np.load(path) as z:
        np.testing.assert_array_equal(z["x"], np.arange(10))  # byte 10 among them, unchanged
    opened.clear()
    records = tmp_path / "sweep.ckpt"
    records.write_bytes(b"head")
    assert sweep_checkpoint._append(records, 4, b"\n\n", "nothing", sync=False) == 6
    assert records.read_bytes() == b"head\n\n"
    assert [f & FAKE_BINARY for p, f in opened] == [FAKE_BINARY]


def test_a_drive_without_hard_links_still_takes_the_file(tmp_path, monkeypatch):
    def no_links(src, dst, **kwargs):
        raise OSError(errno.EINVAL, "Incorrect function")  # Windows, exFAT drive: ERROR_INVALID_FUNCTION

    monkeypatch.setattr(os, "link", no_links)
    bn.io.write_npz(_connectome(), tmp_path / "sc.npz")
    assert bn.io.read_npz(tmp_path / "sc.npz").labels[0] == "Präcuneus"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sc.npz"]  # no temporary left
    with pytest.raises(ConnectomeError, match=r"already exists; pass overwrite=True"):
        bn.io.write_npz(_connectome(), tmp_path / "sc.npz")


def _hold_open(monkeypatch, path):
    """Fault injection on the OS call: replacing ``path`` is refused, as Windows refuses a file held open."""
    real = os.replace

    def held_open(src, dst, **kwargs):
        if os.fspath(dst) == os.fspath(path):
            raise PermissionError(errno.EACCES, "Access is denied")
        return real(src, dst, **kwargs)

    monkeypatch.setattr(os, "replace", held_open)


def test_replacing_a_file_held_open_keeps_the_result_and_says_what_to_close(tmp_path, monkeypatch):
    path = tmp_path / "sc.npz"
    bn.io.write_npz(_connectome(), path)
    _hold_open(monkeypatch, path)
    kept = tmp_path / f"sc.pid{os.getpid()}.npz"
    with pytest.raises(ConnectomeError, match=(
            rf"cannot replace '{path}': the system refused it \(Access is denied\)\. On Windows a file that a "
            r"program holds open cannot be replaced: close it there \(a Dataset read from it: ds\.close\(\)\) and "
            rf"write again, or choose another path\. This result is kept in '{kept}'\.")):
        bn.io.write_npz(_connectome(2.0), path, overwrite=True)
    assert bn.io.read_npz(path).weights.max() == 2.0  # the old file, untouched
    assert bn.io.read_npz(kept).weights.max() == 4.0  # the new result, kept
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sc.npz", kept.name]


def test_write_netcdf_over_a_file_held_open_keeps_the_result_and_says_what_to_close(tmp_path, monkeypatch):
    path = tmp_path / "run.nc"
    kw = dict(duration=10.0, dt=0.1, noise=bn.Additive(v=0.1), monitors=[bn.TemporalAverage(1.0)])
    first = bn.simulate(bn.CoombesByrne(), _connectome(), key=1, **kw)
    second = bn.simulate(bn.CoombesByrne(), _connectome(), key=2, **kw)
    bn.write_netcdf(first, path)
    _hold_open(monkeypatch, path)
    kept = tmp_path / f"run.pid{os.getpid()}.nc"
    with pytest.raises(bn.BrainnetError, match=(
            rf"^cannot replace '{path}': the system refused it \(Access is denied\)\. On Windows a file that a "
            r"program holds open cannot be replaced: close it there \(a Dataset read from it: ds\.close\(\)\) and "
            rf"write again, or choose another path\. This result is kept in '{kept}'\.$")):
        bn.write_netcdf(second, path, overwrite=True)
    with xr.open_dataset(path) as old, xr.open_dataset(kept) as new:  # the old file untouched, the result kept
        np.testing.assert_array_equal(old.r.values, first.r.values)
        np.testing.assert_array_equal(new.r.values, second.r.values)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.nc", kept.name]

WINDOWS_LIKE = """
import os, sys
for name in ("fcntl", "resource", "termios", "pwd", "grp"):
    sys.modules[name] = None  # `import fcntl` raises ImportError, as on Windows
for name in ("pread", "pwrite", "statvfs", "sched_getaffinity", "getuid", "geteuid", "getloadavg", "fork"):
    if hasattr(os, name):
        delattr(os, name)  # absent on Windows (sched_getaffinity, /proc: macOS too)
import numpy as np
import brainnet_cb as bn
from brainnet_cb import _destinations
from brainnet_cb.cli.commands import main
from brainnet_cb.fitting.side_by_side import default_workers
from brainnet_cb.simulation.capacity import available_memory

assert _destinations.fcntl is None and default_workers() >= 1
conn = bn.Connectome(weights=np.array([[0, 1.0], [1.0, 0]]), lengths=np.array([[0, 10.0], [10.0, 0]]),
                     labels=["Präcuneus", "Insula"])
bn.io.write_npz(conn, "sc.npz")
assert _destinations.lock_holder("sc.npz") is None  # no lock to ask: nothing is refused as being written
ds = bn.simulate(bn.CoombesByrne(), bn.io.read_npz("sc.npz"), duration=20.0, dt=0.1, key=0, checkpoint="ck.npz")
bn.write_netcdf(ds, "run.nc")
assert main(["run", "--print-config"]) == 0
print(sorted(os.listdir(".")), ds.r.shape)
"""


def test_the_package_imports_and_writes_without_fcntl_and_other_posix_calls(tmp_path):
    """Windows has no fcntl (no output locks), os.pread/pwrite/statvfs or sched_getaffinity; macOS no
    sched_getaffinity nor /proc. `import brainnet_cb`, a run with a checkpoint and the writers must not need them."""
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", JAX_PLATFORMS="cpu")
    out = subprocess.run([sys.executable, "-c", WINDOWS_LIKE], capture_output=True, text=True, cwd=tmp_path, env=env,
                         timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    assert out.stdout.splitlines()[-1] == "['ck.npz', 'run.nc', 'sc.npz'] (20, 2)"  # 20 ms of 1 ms averages


@pytest.mark.parametrize("locks", [True, False])  # False: Windows, no fcntl
def test_a_sweep_checkpoint_is_synced_at_its_end_through_a_writable_descriptor(tmp_path, monkeypatch, locks):
    import fcntl

    from brainnet_cb import _destinations

    if not locks:
        monkeypatch.setattr(_destinations, "fcntl", None)
    synced, fsync = [], os.fsync
    monkeypatch.setattr(sweep_checkpoint.os, "fsync", lambda fd: (
        synced.append(fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_ACCMODE), fsync(fd)))
    ckpt = sweep_checkpoint.SweepCheckpoint(checkpoint=tmp_path / "grid.npz")
    ckpt.acquire()
    (tmp_path / "grid.npz").write_bytes(sweep_checkpoint.SWEEP_MAGIC)
    ckpt._unsynced = True  # a record appended since the last fsync
    ckpt.close()
    assert synced == [os.O_RDWR]  # Windows' FlushFileBuffers needs write access; "rb" was silently not synced
    assert not ckpt._lock.held and not ckpt._unsynced
