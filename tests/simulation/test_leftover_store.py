"""A store that a killed overwrite=True run moved aside (.<name>.<id>.old) is named by the next run, and kept."""

import errno
import os
import re
import warnings

import pytest
import xarray as xr

import brainnet_cb as bn
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


def test_a_replaced_store_the_system_refuses_to_delete_is_named_and_the_next_run_deletes_it(tmp_path, monkeypatch):
    """Fault injection on the OS call: deleting one file of the replaced store is refused, as Windows refuses a
    file a program holds open. It was deleted with ignore_errors: half a store stayed as .<name>.<id>.old without a
    word, and the next run named it as the previous result, to be renamed back."""
    path = tmp_path / "run.zarr"
    _previous_store_with_a_held_file(path)
    unlink = os.unlink

    def held_open(target, *args, **kwargs):
        if os.path.basename(os.fsdecode(target)) == "held.bin":
            raise PermissionError(errno.EACCES, "Access is denied", os.fsdecode(target))
        return unlink(target, *args, **kwargs)

    with monkeypatch.context() as m:
        m.setattr(os, "unlink", held_open)
        with pytest.warns(LeftoverStoreWarning) as record:
            bn.simulate(bn.CoombesByrne(eta=-4.0), CONN, out=path, overwrite=True, **KW)
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
    unlink = os.unlink

    def held_open(target, *args, **kwargs):
        if os.path.basename(os.fsdecode(target)) == "held.bin":
            raise PermissionError(errno.EACCES, "Access is denied", os.fsdecode(target))
        return unlink(target, *args, **kwargs)

    with monkeypatch.context() as m:
        m.setattr(os, "unlink", held_open)
        with pytest.warns(LeftoverStoreWarning) as record:
            bn.simulate(bn.CoombesByrne(eta=-4.0), CONN, out=path, overwrite=True, **KW)
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
