"""A store that a killed overwrite=True run moved aside (.<name>.<id>.old) is named by the next run, and kept."""

import errno
import json
import os
import re
import shutil
import subprocess
import sys
import warnings

import pytest
import xarray as xr

import brainnet_cb as bn
from brainnet_cb import _destinations
from brainnet_cb.simulation import streaming
from brainnet_cb.simulation.cf import unstamp
from brainnet_cb.simulation.streaming import LeftoverStoreWarning, ZarrSink, leftover_stores

pytest.importorskip("zarr")

CONN = bn.Connectome([[0, 1], [1, 0]], [[0, 30], [30, 0]], labels=["L", "R"], name="pair")
KW = dict(duration=4.0, dt=0.1, chunk_steps=20)


def _killed_in_its_first_chunk(path, monkeypatch):
    """The state a SIGKILL during the first chunk of an overwrite=True run leaves: the old store moved aside
    (nothing put it back), the new, empty store at ``path``."""
    def killed(self, *args):
        raise KeyboardInterrupt

    with monkeypatch.context() as m:
        m.setattr(ZarrSink, "append", killed)
        m.setattr(ZarrSink, "_restore_old", lambda self: None)  # a killed process runs no clean-up
        with pytest.raises(KeyboardInterrupt):
            bn.simulate(bn.CoombesByrne(eta=-4.0), CONN, out=path, overwrite=True, **KW)


def test_the_store_a_killed_overwrite_moved_aside_is_named_and_kept(tmp_path, monkeypatch):
    path = tmp_path / "run.zarr"
    previous = bn.simulate(bn.CoombesByrne(), CONN, out=path, **KW).load()
    _killed_in_its_first_chunk(path, monkeypatch)
    [old] = leftover_stores(path)
    assert re.fullmatch(r"\.run\.zarr\.[0-9a-f]{8}\.old", old.name)
    assert xr.open_zarr(path, chunks=None).sizes["time"] == 0  # the killed run's empty store
    message = (f"{str(old)!r} holds the store that was at out={str(path)!r} before a run with overwrite=True "
               f"replaced it and did not delete or restore it (the run was killed, or the system refused to delete "
               f"it; the previous result: it is kept, and 'run.zarr' is there). To put it back: remove 'run.zarr', then rename {old.name!r} to "
               f"'run.zarr'; if you no longer need it, delete {old.name!r}.")
    with pytest.warns(LeftoverStoreWarning) as record:  # was: not a word, and the folder stayed hidden
        again = bn.simulate(bn.CoombesByrne(), CONN, out=path, overwrite=True, **KW)
    assert [str(w.message) for w in record] == [message]
    xr.testing.assert_identical(unstamp(again.load()), unstamp(previous))
    assert leftover_stores(path) == [old]  # never deleted: it holds the previous result
    xr.testing.assert_identical(xr.open_zarr(old, chunks=None).load(), previous)
    path_gone = tmp_path / "gone.zarr"  # killed between moving the old store aside and renaming the new one in
    (tmp_path / ".gone.zarr.0123abcd.old").mkdir()
    with pytest.warns(LeftoverStoreWarning, match=r"and 'gone\.zarr' does not exist\)\. To put it back"):
        bn.simulate(bn.CoombesByrne(), CONN, out=path_gone, **KW)


def test_a_run_without_leftovers_warns_nothing(tmp_path, recwarn):
    path = tmp_path / "run.zarr"
    (tmp_path / ".run.zarr.lock").touch()
    (tmp_path / ".other.zarr.0123abcd.old").mkdir()  # another store's
    (tmp_path / ".run.zarr.old").mkdir()  # no id: not written by a run
    bn.simulate(bn.CoombesByrne(), CONN, out=path, **KW)
    bn.simulate(bn.CoombesByrne(), CONN, out=path, overwrite=True, **KW)
    assert leftover_stores(path) == [] and not [w for w in recwarn if w.category is LeftoverStoreWarning]


def test_an_interrupt_before_the_old_store_is_moved_aside_keeps_it(tmp_path, monkeypatch):
    """Ctrl-C (KeyboardInterrupt) between naming the old store's place and renaming it there: the clean-up put
    back an old store that was never moved, deleting the one at out= first (nothing was left, and the error was
    a FileNotFoundError of the rename). The previous store stays, and the interrupt is what is raised."""
    path = tmp_path / "run.zarr"
    previous = bn.simulate(bn.CoombesByrne(), CONN, out=path, **KW).load()
    rename = streaming.os.rename

    def interrupted(src, dst, *args, **kwargs):
        if str(dst).endswith(".old"):
            raise KeyboardInterrupt  # arrives before the rename runs
        return rename(src, dst, *args, **kwargs)

    with monkeypatch.context() as m:
        m.setattr(streaming.os, "rename", interrupted)
        with pytest.raises(KeyboardInterrupt):
            bn.simulate(bn.CoombesByrne(eta=-4.0), CONN, out=path, overwrite=True, **KW)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.zarr"]
    xr.testing.assert_identical(xr.open_zarr(path, chunks=None).load(), previous)


def _previous_store_with_a_held_file(path):
    """A finished store at ``path`` holding one more file, ``held.bin``: the file a program holds open."""
    previous = bn.simulate(bn.CoombesByrne(), CONN, out=path, **KW).load()
    (path / "held.bin").write_bytes(b"open elsewhere")
    return previous


def _replace_refusing_held_file(path, monkeypatch):
    """Overwrite the store at ``path`` while deleting its ``held.bin`` is refused (fault injection on the OS call,
    as Windows refuses a file a program holds open); the warnings recorded."""
    unlink = os.unlink

    def held_open(target, *args, **kwargs):
        if os.path.basename(os.fsdecode(target)) == "held.bin":
            raise PermissionError(errno.EACCES, "Access is denied", os.fsdecode(target))
        return unlink(target, *args, **kwargs)

    with monkeypatch.context() as m:
        m.setattr(os, "unlink", held_open)
        with pytest.warns(LeftoverStoreWarning) as record:
            bn.simulate(bn.CoombesByrne(eta=-4.0), CONN, out=path, overwrite=True, **KW)
    return record


def test_a_replaced_store_the_system_refuses_to_delete_is_named_and_the_next_run_deletes_it(tmp_path, monkeypatch):
    """Fault injection on the OS call: deleting one file of the replaced store is refused, as Windows refuses a
    file a program holds open. It was deleted with ignore_errors: half a store stayed as .<name>.<id>.old without a
    word, and the next run named it as the previous result, to be renamed back."""
    path = tmp_path / "run.zarr"
    _previous_store_with_a_held_file(path)
    record = _replace_refusing_held_file(path, monkeypatch)
    [left] = [p for p in tmp_path.iterdir() if p.name != "run.zarr"]
    assert re.fullmatch(r"\.run\.zarr\.[0-9a-f]{8}\.tmp", left.name)
    assert [str(w.message) for w in record] == [
        f"out={str(path)!r} holds the new output, but what is left of the one it replaced, {str(left)!r}, could not "
        f"be deleted: the system refused (Access is denied); on Windows a file that a program holds open cannot be "
        f"deleted. It is no output any more: the next write to out={str(path)!r} deletes it, or delete it yourself."]
    assert [p.name for p in left.rglob("*")] == ["held.bin"]  # all the rest went
    assert leftover_stores(path) == []  # not named as a previous result to put back
    expected = bn.simulate(bn.CoombesByrne(eta=-4.0), CONN, **KW)
    xr.testing.assert_identical(unstamp(xr.open_zarr(path, chunks=None).load()), unstamp(expected))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the next run says nothing, and deletes what was left
        bn.simulate(bn.CoombesByrne(), CONN, out=path, overwrite=True, **KW)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.zarr"]


def test_without_locks_what_is_left_of_a_replaced_store_is_for_the_user_to_delete(tmp_path, monkeypatch):
    """Windows (no fcntl): no lock tells a writer that the one who left a .tmp is gone, so no write deletes it
    (docs/install.md). The warning said the next write would, and the next write left it."""
    from brainnet_cb import _destinations

    path = tmp_path / "run.zarr"
    _previous_store_with_a_held_file(path)
    monkeypatch.setattr(_destinations, "fcntl", None)
    record = _replace_refusing_held_file(path, monkeypatch)
    [left] = [p for p in tmp_path.iterdir() if p.name != "run.zarr"]
    assert [str(w.message) for w in record] == [
        f"out={str(path)!r} holds the new output, but what is left of the one it replaced, {str(left)!r}, could not "
        f"be deleted: the system refused (Access is denied); on Windows a file that a program holds open cannot be "
        f"deleted. It is no output any more: delete it yourself once the program closes it (on this system no lock "
        f"tells a later write that its writer is gone, so none deletes it)."]
    bn.simulate(bn.CoombesByrne(), CONN, out=path, overwrite=True, **KW)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["run.zarr", left.name])  # still there


def test_a_replaced_store_the_system_refuses_to_move_for_deletion_is_kept_whole_and_named(tmp_path, monkeypatch):
    path = tmp_path / "run.zarr"
    previous = _previous_store_with_a_held_file(path)
    rename = os.rename

    def held_open(src, dst, *args, **kwargs):
        if os.fspath(src).endswith(".old") and os.fspath(dst).endswith(".tmp"):
            raise PermissionError(errno.EACCES, "Access is denied")
        return rename(src, dst, *args, **kwargs)

    with monkeypatch.context() as m:
        m.setattr(os, "rename", held_open)
        with pytest.warns(LeftoverStoreWarning) as record:
            bn.simulate(bn.CoombesByrne(eta=-4.0), CONN, out=path, overwrite=True, **KW)
    [old] = leftover_stores(path)
    assert sorted(p.name for p in tmp_path.iterdir()) == [old.name, "run.zarr"]
    assert [str(w.message) for w in record] == [
        f"out={str(path)!r} holds the new output, but the one it replaced, moved aside to {str(old)!r}, could not be "
        "deleted: the system refused to move it (Access is denied). It is kept whole; on Windows a folder cannot be "
        "moved or deleted while a program holds a file in it open (a Dataset opened from it: ds.close()): close it "
        f"there, then delete {old.name!r}."]
    xr.testing.assert_identical(xr.open_zarr(old, chunks=None).load(), previous)  # not half deleted
    assert (old / "held.bin").read_bytes() == b"open elsewhere"
    expected = bn.simulate(bn.CoombesByrne(eta=-4.0), CONN, **KW)
    xr.testing.assert_identical(unstamp(xr.open_zarr(path, chunks=None).load()), unstamp(expected))
    with pytest.warns(LeftoverStoreWarning, match=r"the system refused to delete it; the previous result: it is kept"):
        bn.simulate(bn.CoombesByrne(), CONN, out=path, overwrite=True, **KW)  # named until the user deletes it


def _stale_store(path):
    """What a replaced store the system refused to delete leaves beside ``path`` for the next writer: a
    ``.<name>.<id>.tmp`` folder holding a folder ``c`` with a chunk in it."""
    left = path.parent / f".{path.name}.0123abcd.tmp"
    (left / "c").mkdir(parents=True)
    (left / "c" / "0.0").write_bytes(b"a chunk")
    return left


def _refused_leftover(path, left, strerror):
    return (f"what an earlier write to out={str(path)!r} left beside it, {str(left)!r}, could not be deleted: the "
            f"system refused ({strerror}). It is no output (what is left of a replaced store, or one that a killed "
            f"run did not finish): delete it yourself, once made writable where it is read-only (chmod -R u+w "
            f"{str(left)!r}); until then each write to out={str(path)!r} tries again.")


def _writes_and_then_deletes_it(path, left, message):
    """A run writing ``path`` warns ``message`` (once) and writes its store; ``left`` keeps what was refused."""
    with pytest.warns(LeftoverStoreWarning) as record:
        bn.simulate(bn.CoombesByrne(eta=-4.0), CONN, out=path, **KW)
    assert [str(w.message) for w in record] == [message]
    expected = bn.simulate(bn.CoombesByrne(eta=-4.0), CONN, **KW)
    xr.testing.assert_identical(unstamp(xr.open_zarr(path, chunks=None).load()), unstamp(expected))
    return sorted(str(p.relative_to(left)) for p in left.rglob("*"))


#: Writes ``out=sys.argv[1]`` (the leftover ``sys.argv[2]`` beside it) unless this process deletes the file in the
#: read-only folder ``sys.argv[3]``; prints the LeftoverStoreWarnings, or why it did not run.
READ_ONLY_CHILD = """
import json, os, sys, warnings
import brainnet_cb as bn
from brainnet_cb.simulation.streaming import LeftoverStoreWarning
try:
    os.unlink(os.path.join(sys.argv[3], "f"))
    print(json.dumps({"skip": os.geteuid()}))
    sys.exit()
except PermissionError:
    pass
bn.enable_float64()  # as the tests
conn = bn.Connectome([[0, 1], [1, 0]], [[0, 30], [30, 0]], labels=["L", "R"], name="pair")
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    bn.simulate(bn.CoombesByrne(eta=-4.0), conn, out=sys.argv[1], duration=4.0, dt=0.1, chunk_steps=20)
print(json.dumps({"warnings": [str(w.message) for w in caught if w.category is LeftoverStoreWarning]}))
"""


@pytest.mark.skipif(_destinations.fcntl is None, reason="no locks (Windows): no write deletes what others left")
def test_a_read_only_leftover_of_a_replaced_store_is_named_and_the_run_goes_on(tmp_path):
    """A real read-only folder (chmod -w) in the .tmp that the next writer deletes: it was left without a word (the
    deletion's error suppressed). The run is a child process: as root, one without the capability that ignores
    the folder's mode (as tests/simulation/test_faults.py's read-only folders)."""
    prefix = ()
    if os.geteuid() == 0:
        if shutil.which("setpriv") is None:
            pytest.skip("running as root, whom chmod -w does not stop, and setpriv (util-linux) is not installed "
                        "to drop CAP_DAC_OVERRIDE (the fault-injection test covers the refusal)")
        prefix = ("setpriv", "--bounding-set=-dac_override,-dac_read_search")
    path = tmp_path / "run.zarr"
    left = _stale_store(path)
    probe = tmp_path / "probe"
    probe.mkdir()
    (probe / "f").touch()
    for folder in (left / "c", probe):
        os.chmod(folder, 0o555)
    try:
        res = subprocess.run([*prefix, sys.executable, "-c", READ_ONLY_CHILD, str(path), str(left), str(probe)],
                             capture_output=True, text=True, timeout=240)
    finally:
        for folder in (left / "c", probe):
            os.chmod(folder, 0o755)
    assert res.returncode == 0, res.stderr[-3000:]
    got = json.loads(res.stdout.strip().splitlines()[-1])
    if "skip" in got:
        pytest.skip(f"the writer (euid {got['skip']}) deletes files in a read-only folder: chmod -w refuses it "
                    "nothing (the fault-injection test covers the refusal)")
    assert got["warnings"] == [_refused_leftover(path, left, "Permission denied")]
    expected = bn.simulate(bn.CoombesByrne(eta=-4.0), CONN, **KW)  # the run went on
    xr.testing.assert_identical(unstamp(xr.open_zarr(path, chunks=None).load()), unstamp(expected))
    assert sorted(str(p.relative_to(left)) for p in left.rglob("*")) == ["c", os.path.join("c", "0.0")]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # made writable: the next run deletes it, and says nothing
        bn.simulate(bn.CoombesByrne(), CONN, out=path, overwrite=True, **KW)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["probe", "run.zarr"]


@pytest.mark.skipif(_destinations.fcntl is None, reason="no locks (Windows): no write deletes what others left")
def test_a_leftover_the_system_refuses_to_delete_is_named_and_the_run_goes_on(tmp_path, monkeypatch):
    """Fault injection on the OS call (runs as root too, whom chmod does not stop): removing the folder ``c`` is
    refused, as for a read-only one; its chunk goes, the folders stay and are named."""
    path = tmp_path / "run.zarr"
    left = _stale_store(path)
    rmdir = os.rmdir

    def refused(target, *args, **kwargs):
        if os.path.basename(os.fsdecode(target)) == "c":
            raise PermissionError(errno.EACCES, "Permission denied", os.fsdecode(target))
        return rmdir(target, *args, **kwargs)

    with monkeypatch.context() as m:
        m.setattr(os, "rmdir", refused)
        assert _writes_and_then_deletes_it(path, left, _refused_leftover(path, left, "Permission denied")) == ["c"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        bn.simulate(bn.CoombesByrne(), CONN, out=path, overwrite=True, **KW)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.zarr"]


@pytest.mark.skipif(_destinations.fcntl is None, reason="no locks (Windows): no write deletes what others left")
def test_a_leftover_file_the_system_refuses_to_delete_is_named(tmp_path, monkeypatch):
    """A file (a NetCDF file or checkpoint a killed writer did not finish) in a UserWarning; a refusal that is no
    permission gives no chmod hint."""
    path = tmp_path / "out.nc"
    left = tmp_path / ".out.nc.0123456789ab.tmp"
    left.write_bytes(b"\x89HDF")
    unlink = os.unlink

    def busy(target, *args, **kwargs):
        if os.fsdecode(target) == str(left):
            raise OSError(errno.EBUSY, "Device or resource busy", os.fsdecode(target))
        return unlink(target, *args, **kwargs)

    with monkeypatch.context() as m:
        m.setattr(os, "unlink", busy)
        with pytest.warns(UserWarning) as record:
            _destinations.WriteLock(path, None, bn.BrainnetError).acquire().release()
    assert [(w.category, str(w.message)) for w in record] == [(UserWarning,
        f"what an earlier write to {str(path)!r} left beside it, {str(left)!r}, could not be deleted: the system "
        "refused (Device or resource busy). It is no output (a file that a killed writer did not finish): delete it "
        f"yourself; until then each write to {str(path)!r} tries again.")]
    assert left.read_bytes() == b"\x89HDF"
    _destinations.WriteLock(path, None, bn.BrainnetError).acquire().release()
    assert not left.exists()
