"""Sweep checkpoints: an interrupted sweep resumed equals the uninterrupted one; other sweeps' files are refused."""

import hashlib
import json
import re
import types

import numpy as np
import pytest
import xarray as xr

import brainnet_cb as bn
from brainnet_cb.fitting import sweep_checkpoint

CONN = bn.Connectome([[0, 1, 0.5], [1, 0, 1], [0.5, 1, 0]], np.full((3, 3), 20.0), name="tri")
GRID = {"G": [0.2, 0.9, 1.5], "noise_v": [0.05, 0.1]}  # 6 runs in 3 batches of 2
RUN = dict(duration=300.0, dt=0.1, monitors=[bn.TemporalAverage(2.0)], signal="r", band=None, discard=0.02,
           batch_size=2, progress=False)


class Probe:
    """A user summary that counts the runs it sees and, like a job's time limit, stops the sweep after ``limit``."""

    def __init__(self, limit=None):
        self.calls, self.limit = 0, limit

    def __call__(self, member):
        self.calls += 1
        if self.limit is not None and self.calls > self.limit:
            raise KeyboardInterrupt("time limit")
        return float(member.r.values.mean())


def _sweep(probe, **kw):
    return bn.sweep(bn.CoombesByrne(), CONN, GRID, summaries={"probe": probe}, keep=("r", "fc"),
                    **dict(RUN, **kw))


def _interrupted(path, after_batches):
    probe = Probe(limit=2 * after_batches)  # the run after that many batches raises
    with pytest.raises(KeyboardInterrupt):
        _sweep(probe, checkpoint=path)
    return probe


@pytest.fixture(scope="module")
def uninterrupted():
    res = _sweep(Probe())
    res.attrs.pop("wall_s")
    return res


def test_a_resumed_sweep_equals_the_uninterrupted_one_and_skips_finished_batches(uninterrupted, tmp_path):
    path = tmp_path / "grid.npz"
    _interrupted(path, after_batches=2)
    probe = Probe()
    res = _sweep(probe, resume_from=path)
    assert probe.calls == 2  # only the third batch ran again
    res.attrs.pop("wall_s")
    xr.testing.assert_identical(res, uninterrupted)  # summaries, kept r and FC, coords and attrs, bit for bit
    again = Probe()  # the checkpoint now holds every batch: nothing runs
    res = _sweep(again, resume_from=path)
    assert again.calls == 0
    res.attrs.pop("wall_s")
    xr.testing.assert_identical(res, uninterrupted)


def test_resume_after_the_first_batch_into_another_checkpoint(uninterrupted, tmp_path):
    _interrupted(tmp_path / "a.npz", after_batches=1)
    probe = Probe(limit=2)  # interrupted again after one more batch, saved to b.npz
    with pytest.raises(KeyboardInterrupt):
        _sweep(probe, resume_from=tmp_path / "a", checkpoint=tmp_path / "b.npz")  # the .npz suffix is found
    probe = Probe()
    res = _sweep(probe, resume_from=tmp_path / "b.npz")
    assert probe.calls == 2
    res.attrs.pop("wall_s")
    xr.testing.assert_identical(res, uninterrupted)


def test_another_sweep_is_refused_before_it_runs_naming_what_differs(tmp_path):
    path = tmp_path / "grid.npz"
    _interrupted(path, after_batches=1)
    probe = Probe()
    message = (f"the checkpoint '{path}' was written by another sweep; these differ:\n"
               "  key: checkpoint seed 0; this sweep seed 1\n"
               "  grid: checkpoint G: [0.2, 0.9, 1.5]; noise_v: [0.05, 0.1]; this sweep G: [0.2, 0.9, 1.6]; "
               "noise_v: [0.05, 0.1]\n"
               "  batch size: checkpoint 2; this sweep 3\n"
               "Resume with exactly the arguments of the interrupted sweep (model, connectome, grid, run options, "
               "analysis, targets, batch_size), or start a new sweep without resume_from.")
    with pytest.raises(bn.CheckpointError, match="^" + re.escape(message) + "$"):
        bn.sweep(bn.CoombesByrne(), CONN, {"G": [0.2, 0.9, 1.6], "noise_v": [0.05, 0.1]},
                 summaries={"probe": probe}, keep=("r", "fc"), resume_from=path, key=1, **dict(RUN, batch_size=3))
    assert probe.calls == 0
    with pytest.raises(bn.CheckpointError, match=r"  analysis: checkpoint signal 'r', discard 0\.02 s, band None, "
                       r"fisher_z False, fcd_window 60\.0, fcd_step None, fcd_k 1, summaries \['probe'\], "
                       r"keep \['r', 'fc'\]; this sweep signal 'r', discard 0\.02 s, band None, fisher_z False, "
                       r"fcd_window 60\.0, fcd_step None, fcd_k 1, summaries \['probe'\], keep \['fc'\]\n"):
        bn.sweep(bn.CoombesByrne(), CONN, GRID, summaries={"probe": probe}, keep=("fc",), resume_from=path, **RUN)
    assert probe.calls == 0


def test_files_that_are_not_this_sweeps_checkpoint_are_refused(tmp_path):
    single = tmp_path / "run.npz"
    bn.simulate(bn.CoombesByrne(), CONN, duration=20.0, chunk_steps=100, checkpoint=single, progress=False)
    with pytest.raises(bn.CheckpointError, match="^" + re.escape(
            f"resume_from='{single}' is the checkpoint of a single run (bn.simulate(checkpoint=)); resume it with "
            "bn.simulate(..., resume_from=). bn.sweep resumes the .npz that bn.sweep(checkpoint=) wrote.") + "$"):
        _sweep(Probe(), resume_from=single)
    mine = tmp_path / "mine.npz"
    np.savez(mine, x=np.arange(3))
    with pytest.raises(bn.CheckpointError, match=re.escape(
            f"checkpoint='{mine}' exists and is not a brainnet_cb checkpoint; it is never replaced, not even with "
            "overwrite=True.")):
        _sweep(Probe(), checkpoint=mine, overwrite=True)
    with pytest.raises(bn.CheckpointError, match=re.escape(
            f"resume_from='{tmp_path / 'none.npz'}' does not exist; pass the checkpoint= path of the interrupted run.")):
        _sweep(Probe(), resume_from=tmp_path / "none.npz")


def test_an_earlier_checkpoint_is_replaced_only_with_overwrite(tmp_path):
    path = tmp_path / "grid.npz"
    _interrupted(path, after_batches=1)
    with pytest.raises(bn.CheckpointError, match=re.escape(
            f"checkpoint='{path}' holds the checkpoint of an earlier run; pass resume_from= with this path")):
        _sweep(Probe(), checkpoint=path)
    probe = Probe(limit=2)
    with pytest.raises(KeyboardInterrupt):
        _sweep(probe, checkpoint=path, overwrite=True)  # starts again: the first batch runs again
    assert probe.calls == 3


def test_a_fit_does_not_take_a_sweeps_checkpoint():
    with pytest.raises(bn.FitError, match=r"^unknown bn\.fit_grid option 'checkpoint'"):
        bn.fit_grid(bn.CoombesByrne(), CONN, grid={"G": [0.2]}, empirical_fc=np.eye(3), checkpoint="x.npz", **RUN)


def test_a_single_run_does_not_resume_a_sweeps_checkpoint(tmp_path):
    path = tmp_path / "grid.npz"
    _interrupted(path, after_batches=1)
    with pytest.raises(bn.CheckpointError, match="^" + re.escape(
            f"resume_from='{path}' is the checkpoint of a sweep (bn.sweep(checkpoint=)); resume it with "
            "bn.sweep(..., resume_from=). bn.simulate resumes the .npz that bn.simulate(checkpoint=) wrote.") + "$"):
        bn.simulate(bn.CoombesByrne(), CONN, duration=20.0, resume_from=path, progress=False)


def test_a_local_sweeps_checkpoint_resumes_on_dask_workers(uninterrupted, tmp_path):
    distributed = pytest.importorskip("distributed")
    path = tmp_path / "grid.npz"
    _interrupted(path, after_batches=1)
    with distributed.LocalCluster(n_workers=2, processes=False, threads_per_worker=1, dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        res = _sweep(Probe(), resume_from=path, client=client)
    assert res.attrs.pop("distributed") == 1
    res.attrs.pop("wall_s")
    expected = uninterrupted.copy()
    expected.attrs.pop("distributed")
    xr.testing.assert_identical(res, expected)
    assert sorted(sweep_checkpoint._load(path)["results"]) == [0, 1, 2]  # the workers' batches were saved


def _mean_r(member):
    return float(member.r.values.mean())


def _max_r(member):
    return float(member.r.values.max())


def test_an_edited_user_summary_of_the_same_name_is_refused(tmp_path):
    path = tmp_path / "grid.npz"
    run = dict(RUN, batch_size=6)
    bn.sweep(bn.CoombesByrne(), CONN, GRID, summaries={"s": _mean_r}, checkpoint=path, **run)
    message = (f"the checkpoint '{path}' was written by another sweep; these differ:\n"
               "  summaries: checkpoint s; this sweep s (same summary, different values: the functions' bytecode "
               "(an edited summary, or another Python version) differ)\nResume")
    with pytest.raises(bn.CheckpointError, match="^" + re.escape(message)):
        bn.sweep(bn.CoombesByrne(), CONN, GRID, summaries={"s": _max_r}, resume_from=path, **run)
    same = types.FunctionType(_mean_r.__code__, globals(), "renamed")  # another function, the same code
    bn.sweep(bn.CoombesByrne(), CONN, GRID, summaries={"s": same}, resume_from=path, **run)
    res = bn.sweep(bn.CoombesByrne(), CONN, GRID, summaries={"s": _mean_r}, resume_from=path, **run)
    assert res.s.shape == (3, 2)


def test_a_header_that_does_not_match_its_arrays_is_refused_as_damaged(tmp_path):
    path = tmp_path / "grid.npz"
    run = dict(RUN, batch_size=6)
    bn.sweep(bn.CoombesByrne(), CONN, GRID, checkpoint=path, **run)
    _as_format_1(path)
    with np.load(path) as z:
        arrays = dict(z)
    header = json.loads(str(arrays["header"]))
    header["done"] = [0, 1]  # a batch whose results the file does not hold
    arrays["header"] = np.asarray(json.dumps(header))
    np.savez(path, **arrays)
    with pytest.raises(bn.CheckpointError, match="^" + re.escape(
            f"resume_from='{path}' cannot be read: it is damaged or truncated (IndexError: list index out of range). "
            "resume_from needs a brainnet_cb checkpoint (the .npz that bn.sweep(checkpoint=) writes)")):
        bn.sweep(bn.CoombesByrne(), CONN, GRID, resume_from=path, **run)


def test_a_finished_checkpoint_resumed_into_another_file_writes_that_file(tmp_path):
    run = dict(RUN, batch_size=6)
    first = bn.sweep(bn.CoombesByrne(), CONN, GRID, checkpoint=tmp_path / "a.npz", **run)
    bn.sweep(bn.CoombesByrne(), CONN, GRID, resume_from=tmp_path / "a.npz", checkpoint=tmp_path / "b.npz", **run)
    res = bn.sweep(bn.CoombesByrne(), CONN, GRID, resume_from=tmp_path / "b.npz", **run)  # before: no b.npz
    first.attrs.pop("wall_s"), res.attrs.pop("wall_s")
    xr.testing.assert_identical(res, first)


def test_another_dtype_is_named_alone_not_as_every_array_differing(tmp_path):
    path = tmp_path / "grid.npz"
    run = dict(RUN, batch_size=6)
    bn.sweep(bn.CoombesByrne(), CONN, GRID, checkpoint=path, dtype="float32", **run)
    message = (f"the checkpoint '{path}' was written by another sweep; these differ:\n"
               "  dtype: checkpoint float32; this sweep float64 (the arrays are compared once the dtype is the "
               "same)\nResume with exactly")
    with pytest.raises(bn.CheckpointError, match="^" + re.escape(message)):
        bn.sweep(bn.CoombesByrne(), CONN, GRID, resume_from=path, dtype="float64", **run)


def _as_format_1(path):
    """Rewrite the checkpoint at ``path`` as brainnet_cb wrote sweep checkpoints before 2026-12-06 (format 1: one
    .npz of every finished batch, rewritten after each)."""
    saved = sweep_checkpoint._load(path)
    done, res = sorted(saved["results"]), saved["results"]
    arrays, seen, extras, extra_of, stacked = {}, {}, [], [], {}
    for key in dict.fromkeys(k for b in done for k in res[b][0]):
        pieces = [np.asarray(res[b][0][key]) for b in done]
        if all(p.shape == pieces[0].shape and p.dtype == pieces[0].dtype for p in pieces):
            arrays[f"out/{key}"], stacked[key] = np.stack(pieces), True
        else:
            arrays.update({f"out/{key}/{b}": p for b, p in zip(done, pieces)})
            stacked[key] = False
    for b in done:
        text = json.dumps(sweep_checkpoint._encode(res[b][1], arrays, seen))
        extras.append(text) if text not in extras else None
        extra_of.append(extras.index(text))
    header = dict(saved["header"], format=1, done=done, keys=stacked, key_order=[list(res[b][0]) for b in done],
                  extras=extras, extra_of=extra_of, attrs0=json.dumps(sweep_checkpoint._encode(
                      res[0][2], arrays, seen)) if 0 in res else None)
    np.savez(path, header=np.asarray(json.dumps(header)), **arrays)


def _saves(monkeypatch):
    """The checkpoint file's bytes after each save."""
    after, save = [], sweep_checkpoint.SweepCheckpoint.save

    def recorded(self, *args):
        save(self, *args)
        after.append(self.path.read_bytes())

    monkeypatch.setattr(sweep_checkpoint.SweepCheckpoint, "save", recorded)
    return after


def test_each_save_appends_the_new_batch_and_keeps_the_bytes_before(monkeypatch, tmp_path):
    after = _saves(monkeypatch)
    _sweep(Probe(), checkpoint=tmp_path / "grid.npz")
    assert len(after) == 3
    for before, now in zip(after, after[1:]):
        assert now.startswith(before)  # nothing written before is written again
        assert len(now) - len(before) < len(after[0])  # one batch's record, not the header and the batches again


@pytest.mark.parametrize("cut", [3, 500, -7])  # in the last record's length, its payload, its checksum
def test_a_record_cut_short_by_a_kill_is_left_out_and_its_batch_runs_again(uninterrupted, monkeypatch, tmp_path,
                                                                           cut):
    path = tmp_path / "grid.npz"
    after = _saves(monkeypatch)
    _interrupted(path, after_batches=2)
    start = len(after[0])  # where batch 1's record starts
    path.write_bytes(after[1][:start + cut] if cut > 0 else after[1][:cut])
    probe = Probe()
    res = _sweep(probe, resume_from=path)
    assert probe.calls == 4  # batches 1 and 2
    res.attrs.pop("wall_s")
    xr.testing.assert_identical(res, uninterrupted)
    assert sorted(sweep_checkpoint._load(path)["results"]) == [0, 1, 2]  # appended over the cut record


def test_a_record_that_fails_its_checksum_is_left_out_with_those_after_it_and_named(uninterrupted, monkeypatch,
                                                                                    tmp_path):
    path = tmp_path / "grid.npz"
    after = _saves(monkeypatch)
    _interrupted(path, after_batches=2)
    data = bytearray(path.read_bytes())
    data[len(after[0]) - 100] ^= 0xFF  # a byte of batch 0's record (the file's record 1) changed; batch 1's follows
    path.write_bytes(bytes(data))
    magic = sweep_checkpoint.SWEEP_MAGIC
    at = len(magic) + 8 + int.from_bytes(data[len(magic):len(magic) + 8], "little") + 32  # after the header record
    probe = Probe()
    with pytest.warns(RuntimeWarning, match="^" + re.escape(
            f"resume_from='{path}': its record 1 (at byte {at}) does not match its checksum (a crash of the system "
            f"while it was written, or damage since); it and the {len(data) - at} bytes after it are left out, and "
            "the batches they held run again.")):
        res = _sweep(probe, resume_from=path)
    assert probe.calls == 6  # every batch ran again
    res.attrs.pop("wall_s")
    xr.testing.assert_identical(res, uninterrupted)


def test_a_checkpoint_of_format_1_resumes_and_is_then_written_as_records(uninterrupted, tmp_path):
    path = tmp_path / "grid.npz"
    _interrupted(path, after_batches=2)
    _as_format_1(path)
    assert path.read_bytes().startswith(b"PK")
    probe = Probe()
    res = _sweep(probe, resume_from=path)
    assert probe.calls == 2
    res.attrs.pop("wall_s")
    xr.testing.assert_identical(res, uninterrupted)
    assert path.read_bytes().startswith(sweep_checkpoint.SWEEP_MAGIC)
    assert sorted(sweep_checkpoint._load(path)["results"]) == [0, 1, 2]


@pytest.mark.parametrize(("every", "expected"), [(0.0, 3), (1e9, 2)])
def test_appended_records_are_synced_at_most_every_second_and_when_the_sweep_ends(monkeypatch, tmp_path, every,
                                                                                   expected):
    synced, fsync = [], sweep_checkpoint.os.fsync
    monkeypatch.setattr(sweep_checkpoint.os, "fsync", lambda fd: (synced.append(fd), fsync(fd)))
    monkeypatch.setattr(sweep_checkpoint, "SYNC_EVERY_S", every)
    _sweep(Probe(), checkpoint=tmp_path / "grid.npz")
    # the file written whole after batch 0; then each append (every 0 s), or none but the one at the end
    assert len(synced) == expected


def test_an_append_the_disk_refuses_is_undone_and_named(uninterrupted, monkeypatch, tmp_path):
    import errno

    from brainnet_cb import _destinations

    path = tmp_path / "grid.npz"
    after, write = _saves(monkeypatch), sweep_checkpoint.os.write

    def filling(fd, data):  # the disk fills halfway through batch 2's record
        if len(after) == 2:
            write(fd, bytes(data)[:len(data) // 2])
            raise OSError(errno.ENOSPC, "No space left on device")
        return write(fd, data)

    monkeypatch.setattr(sweep_checkpoint.os, "write", filling)
    monkeypatch.setattr(_destinations.shutil, "disk_usage", lambda path: type("Usage", (), {"free": 0})())
    with pytest.raises(bn.CheckpointError) as err:
        _sweep(Probe(), checkpoint=path)
    assert str(err.value) == (
        f"cannot write checkpoint='{path}': the system refused it (No space left on device) while writing it; the "
        "checkpoint of 2 finished batches is kept, and resume_from= continues from it. Why: the file system of "
        f"'{tmp_path}' has 0.0 MiB free: the disk is full (or your quota is used up); free some space or write to "
        "another disk.")
    assert path.read_bytes() == after[1]  # cut back to the two batches saved
    monkeypatch.undo()
    probe = Probe()
    res = _sweep(probe, resume_from=path)
    assert probe.calls == 2
    res.attrs.pop("wall_s")
    xr.testing.assert_identical(res, uninterrupted)


@pytest.mark.parametrize(("listed", "why"), [
    (["record", "|u1", [10**6]], "its array 'record' runs past the end of its record"),
    (["record", "|O", [1]], "its array 'record' is of dtype '|O', which holds Python objects"),
])
def test_a_record_that_does_not_hold_what_it_lists_is_refused_as_damaged(tmp_path, listed, why):
    path = tmp_path / "grid.npz"
    _interrupted(path, after_batches=1)
    meta = json.dumps([listed]).encode()
    length = sweep_checkpoint._LENGTH.pack
    payload = length(len(meta)) + meta + b"{}"
    path.write_bytes(path.read_bytes() + length(len(payload)) + payload + hashlib.sha256(payload).digest())
    with pytest.raises(bn.CheckpointError, match="^" + re.escape(
            f"resume_from='{path}' cannot be read: its contents are damaged or of another layout (ValueError: {why}). "
            "resume_from needs a brainnet_cb checkpoint")):
        _sweep(Probe(), resume_from=path)


@pytest.mark.parametrize("record", [1, 2])  # batch 0's record (batch 1's follows it), batch 1's (the last)
def test_a_record_whose_length_was_changed_is_named_and_those_before_it_are_kept(uninterrupted, monkeypatch,
                                                                                 tmp_path, record):
    """A length field running past the end is not taken for a record cut short where the arrays it lists say
    otherwise: format 2 read it as the end of the file and left it and every later record out without a word."""
    path = tmp_path / "grid.npz"
    after = _saves(monkeypatch)
    _interrupted(path, after_batches=2)
    data = bytearray(path.read_bytes())
    magic = sweep_checkpoint.SWEEP_MAGIC
    at = len(magic) + 8 + int.from_bytes(data[len(magic):len(magic) + 8], "little") + 32  # after the header
    at = at if record == 1 else len(after[0])  # batch 1's record follows the first save's (header, batch 0)
    n = int.from_bytes(data[at:at + 8], "little")
    data[at + 3] ^= 0x01  # one bit: 2**24 bytes more
    path.write_bytes(bytes(data))
    probe = Probe()
    with pytest.warns(RuntimeWarning, match="^" + re.escape(
            f"resume_from='{path}': its record {record} (at byte {at}) gives its length as {n + 2**24} bytes, past "
            f"the end of the file ({len(data)} bytes), but the arrays it lists fill {n}: its length is damaged (a "
            f"crash of the system while it was written, or damage since); it and the {len(data) - at} bytes after "
            "it are left out, and the batches they held run again.")):
        res = _sweep(probe, resume_from=path)
    assert probe.calls == (6 if record == 1 else 4)  # the batches from the damaged record on ran again
    res.attrs.pop("wall_s")
    xr.testing.assert_identical(res, uninterrupted)
    assert sorted(sweep_checkpoint._load(path)["results"]) == [0, 1, 2]


def test_a_resumed_checkpoint_is_locked_before_it_is_read(uninterrupted, monkeypatch, tmp_path):
    """Another sweep that finished the file between this one's reading and its first save had its appended records
    overwritten (this one appended after what it had read): the lock is now taken before the reading."""
    path = tmp_path / "grid.npz"
    _interrupted(path, after_batches=1)
    load, others = sweep_checkpoint._load, []

    def another_sweep_meanwhile(resume_from):
        saved = load(resume_from)
        if not others:
            others.append(Probe())
            try:
                _sweep(others[0], resume_from=path)
            except bn.CheckpointError as e:
                others.append(str(e))
        return saved

    monkeypatch.setattr(sweep_checkpoint, "_load", another_sweep_meanwhile)
    probe = Probe()
    res = _sweep(probe, resume_from=path)
    assert others[1:] == [f"checkpoint={str(path)!r} is being written by another run (this process); wait until it "
                          "finishes or choose another path. overwrite=True never replaces an output that a run is "
                          "still writing."] and others[0].calls == 0
    assert probe.calls == 4
    res.attrs.pop("wall_s")
    xr.testing.assert_identical(res, uninterrupted)
    monkeypatch.setattr(sweep_checkpoint, "_load", load)
    assert sorted(sweep_checkpoint._load(path)["results"]) == [0, 1, 2]
    with pytest.raises(bn.CheckpointError, match="was written by another sweep"):  # refused, and the lock released
        bn.sweep(bn.CoombesByrne(), CONN, GRID, resume_from=path, key=1, **RUN)
    _sweep(Probe(), resume_from=path)
