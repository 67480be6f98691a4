"""Checkpoints of a sweep: the finished batches' results, and resuming from them.

``bn.sweep(..., checkpoint="grid.ckpt.npz")`` saves, after every finished
batch, the summaries (and kept outputs) of every batch finished so far and a
fingerprint of everything the sweep's numbers depend on: the run's (as a
single run's checkpoint, :func:`brainnet_cb.simulation.checkpoint.fingerprint`:
model, connectome, edges, ``dt``, speed, duration, method, dtype, coupling,
noise, stimulus, monitors, key, initial state), the grid (names, order and
values), the analysis (signal, discard, band, Fisher z, FCD window, step and
offset, the kept outputs), the user summaries (their names and code), the targets
(empirical FC and FCD values) and the batch size.

``bn.sweep(<the same arguments>, resume_from="grid.ckpt.npz")`` refuses a
checkpoint whose fingerprint differs (naming what differs) before anything is
compiled, runs only the batches the checkpoint lacks, and returns the Dataset
an uninterrupted sweep returns, bit for bit (but ``wall_s``).

The file (format 2) is :data:`~brainnet_cb.simulation.checkpoint.SWEEP_MAGIC`
and then records: a header (the fingerprint, the batch size, the number of
batches), then one record per finished batch, each its arrays (a JSON list of
their names, dtypes and shapes, then their bytes; no pickle) preceded by its
length and followed by its SHA-256. The
first save of a sweep writes the file whole (to a temporary file beside it,
flushed to disk and renamed over the old one); later saves append the new
batch's record alone, so a sweep of ``n`` batches writes ``O(n)`` bytes, not
``O(n^2)`` as format 1 did (one ``.npz`` of every finished batch, rewritten
after each; still read, and rewritten as records at the first save of a
resume into it). A kill while appending leaves a record cut short, which a
resume leaves out (its batch runs again) and overwrites. A record that fails
its checksum, or whose length runs past the end of the file where the arrays
it lists do not (a changed length field), is named in a ``RuntimeWarning``
(the file, the record's index and byte); the records before it are kept, it
and those after it run again. All under the sweep's lock (taken before a
resumed checkpoint is read, so that no other sweep appends to it in between),
with the destination rules of single-run checkpoints
(:class:`~brainnet_cb.simulation.checkpoint.Checkpointer`).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import math
import os
import struct
import time
import types
import warnings

import numpy as np

from .._checks import caller_stacklevel
from .._destinations import WriteLock, as_path, write_failure
from .._safe_read import reading
from ..errors import CheckpointError
from ..simulation.checkpoint import (
    _DAMAGED,
    CHECKPOINT_FORMAT,
    SWEEP_MAGIC,
    _describe_mismatch,
    _digest,
    _read_header,
    _resumable,
    _short,
    _software,
    checkpoint_destination,
    fingerprint,
    is_sweep_records,
    write_checkpoint_file,
)
from ..simulation.output import _with_suffix

__all__ = ["SweepCheckpoint", "sweep_fingerprint"]


def sweep_fingerprint(run, values, settings, empirical_fcd) -> dict:
    """``{component: {"describe", "hash"}}`` of what a sweep's result depends on (but the batch size)."""
    fp = fingerprint(run)
    fp.pop("batch", None)  # the sweep's batches are its own component
    names = list(values)

    def show(arr):
        if arr.ndim > 1:
            return f"{arr.shape[0]} x {arr.shape[1]} per-region values"
        vals = [repr(v) for v in np.asarray(arr).tolist()]
        return "[" + ", ".join(vals if len(vals) <= 8 else vals[:3] + ["..."] + vals[-3:]) + "]"

    fp["grid"] = {"describe": "; ".join(f"{k}: {show(values[k][1])}" for k in names),
                  "hash": _digest(np.asarray(names), *[np.asarray(values[k][1]) for k in names])}
    keep = list(settings["keep"]) + (["fc"] if settings["keep_fc"] else [])
    fp["analysis"] = {"describe": (
        f"signal {settings['signal']!r}, discard {settings['discard']!r} s, band {settings['band']!r}, "
        f"fisher_z {settings['fisher_z']!r}, fcd_window {settings['fcd_window']!s}, fcd_step "
        f"{settings['fcd_step']!s}, fcd_k {settings['fcd_k']!r}, summaries {list(settings['summaries'])}, "
        f"keep {keep}"), "hash": ""}
    emp = settings["empirical_fc"]
    targets = [np.asarray(emp.values) if emp is not None else np.zeros(0),
               np.asarray(empirical_fcd, dtype=float) if empirical_fcd is not None else np.zeros(0)]
    fp["targets"] = {"describe": (f"empirical_fc {'none' if emp is None else 'x'.join(map(str, emp.shape))}, "
                                  f"empirical_fcd {'none' if empirical_fcd is None else np.shape(empirical_fcd)}"),
                     "hash": _digest(*targets)}
    fp["summaries"] = _summaries_component(settings["summaries"])
    return fp


def _code(f):
    """The code object a user summary runs (a function's, a partial's function's, a callable object's
    ``__call__``), or None (a builtin)."""
    while isinstance(f, functools.partial):
        f = f.func
    code = getattr(f, "__code__", None)
    if code is None:
        code = getattr(getattr(type(f), "__call__", None), "__code__", None)  # noqa: B004 - the method, not callable()
    return code


def _code_bytes(code) -> bytes:
    """``code``'s bytecode, names and constants (nested functions' too), the same in every process."""
    parts = [code.co_code, repr(code.co_names).encode()]
    for c in code.co_consts:
        if isinstance(c, types.CodeType):
            parts.append(_code_bytes(c))
        elif isinstance(c, frozenset):  # ``x in {"a", "b"}``: its order varies with the string hash seed
            parts.append(repr(sorted(map(repr, c))).encode())
        else:
            parts.append(repr(c).encode())
    return b"\0".join(parts)


def _summaries_component(summaries) -> dict:
    """The user summaries: their names, and a hash of their names and code (an edited summary differs, a renamed
    function does not; what it reads from outside its code, a closure's or an object's values, is not covered)."""
    h = hashlib.sha256()
    for name, f in summaries.items():
        code = _code(f)
        name_of = getattr(f, "__qualname__", None) or getattr(f, "__name__", None) or type(f).__qualname__
        what = _code_bytes(code) if code is not None else str(name_of).encode()  # a builtin: its name
        h.update(repr(name).encode() + b"\1" + what + b"\2")
    return {"describe": ", ".join(summaries) if summaries else "none", "hash": h.hexdigest()[:16]}


# ----------------------------------------------------------------------------- exact JSON + arrays
def _encode(obj, arrays, seen):
    """``obj`` (what a batch returns) as JSON, its arrays put in ``arrays`` (once per distinct content)."""
    if isinstance(obj, (np.ndarray, np.generic)):
        arr = np.asarray(obj)
        if arr.dtype == object:
            return {"__objects__": [_encode(v, arrays, seen) for v in arr.ravel().tolist()],
                    "shape": list(arr.shape)}
        key = (arr.dtype.str, arr.shape, hashlib.sha256(np.ascontiguousarray(arr).tobytes()).hexdigest())
        if key not in seen:
            seen[key] = f"a{len(seen)}"
            arrays[seen[key]] = arr
        return {"__array__": seen[key], "scalar": isinstance(obj, np.generic)}
    if isinstance(obj, dict):
        return {"__dict__": [[_encode(k, arrays, seen), _encode(v, arrays, seen)] for k, v in obj.items()]}
    if isinstance(obj, tuple):
        return {"__tuple__": [_encode(v, arrays, seen) for v in obj]}
    if isinstance(obj, list):
        return [_encode(v, arrays, seen) for v in obj]
    if obj is None or isinstance(obj, (str, bool, int, float)):
        return obj
    raise CheckpointError(f"a sweep checkpoint cannot hold a value of type {type(obj).__name__} ({_short(obj, 80)}) "
                          "in a batch's results (an attribute of a user summary?); return numbers, strings or "
                          "arrays, or sweep without checkpoint=.")


def _decode(obj, arrays):
    if isinstance(obj, list):
        return [_decode(v, arrays) for v in obj]
    if isinstance(obj, dict):
        if "__array__" in obj:
            arr = arrays[obj["__array__"]]
            return arr[()] if obj["scalar"] else arr
        if "__objects__" in obj:
            out = np.empty(len(obj["__objects__"]), dtype=object)
            out[:] = [_decode(v, arrays) for v in obj["__objects__"]]
            return out.reshape(obj["shape"])
        if "__tuple__" in obj:
            return tuple(_decode(v, arrays) for v in obj["__tuple__"])
        return {_decode(k, arrays): _decode(v, arrays) for k, v in obj["__dict__"]}
    return obj


# ----------------------------------------------------------------------------- the file
#: The layout of a sweep checkpoint written now: records appended, one per batch (format 1: one .npz, rewritten).
SWEEP_FORMAT = 2
#: At most one ``fsync`` of appended records per this many seconds (and one when the sweep ends).
SYNC_EVERY_S = 1.0
_LENGTH = struct.Struct("<Q")  # a record: its payload's length, the payload, the payload's SHA-256
_DIGEST = hashlib.sha256().digest_size


def _record(arrays: dict) -> bytes:
    """A record of ``arrays``: its payload is the JSON list of their names, dtypes and shapes (after its length),
    then their bytes, in that order (C order; no pickle: an array of Python objects is refused). An ``.npz``
    took ~10 times longer to build (a zip member per array) and was ~4 times larger."""
    arrs = {k: np.ascontiguousarray(v) for k, v in arrays.items()}
    bad = [k for k, a in arrs.items() if a.dtype.hasobject or a.dtype.names is not None]
    if bad:
        raise CheckpointError(f"a sweep checkpoint holds plain arrays; {bad} hold Python objects or fields.")
    meta = json.dumps([[k, a.dtype.str, list(a.shape)] for k, a in arrs.items()]).encode()
    payload = b"".join([_LENGTH.pack(len(meta)), meta, *(a.tobytes() for a in arrs.values())])
    return _LENGTH.pack(len(payload)) + payload + hashlib.sha256(payload).digest()


def _arrays(payload: bytes) -> dict:
    """The arrays of a record's payload (:func:`_record`); ValueError where it does not hold what it lists."""
    (n,) = _LENGTH.unpack_from(payload, 0)
    pos = _LENGTH.size + n
    out = {}
    for name, dtype, shape in json.loads(payload[_LENGTH.size:pos]):
        dt = np.dtype(dtype)
        if dt.hasobject:
            raise ValueError(f"its array {name!r} is of dtype {dtype!r}, which holds Python objects")
        count = math.prod(shape)
        if pos + count * dt.itemsize > len(payload):
            raise ValueError(f"its array {name!r} runs past the end of its record")
        out[name] = np.frombuffer(payload, dt, count=count, offset=pos).reshape(shape).copy()
        pos += count * dt.itemsize
    if pos != len(payload):
        raise ValueError(f"a record holds {len(payload) - pos} bytes after its arrays")
    return out


def _json(arr) -> object:
    return json.loads(arr.tobytes().decode())


def _batch_record(b: int, result) -> bytes:
    """Batch ``b``'s record: its outputs, its extras and (batch 0: the sweep's attributes come from it) attrs."""
    out, extra, attrs = result
    arrays, seen = {f"out/{k}": np.asarray(v) for k, v in out.items()}, {}
    meta = {"batch": int(b), "keys": list(out), "extra": _encode(extra, arrays, seen),
            "attrs": _encode(attrs, arrays, seen) if b == 0 else None, "software": _software()}
    arrays["record"] = np.frombuffer(json.dumps(meta).encode(), np.uint8)  # UTF-8 (a str array: 4 bytes a letter)
    return _record(arrays)


def _past_the_end(data: bytes, pos: int, n: int, index: int) -> str | None:
    """Why record ``index`` at byte ``pos``, whose length ``n`` runs past the end of ``data``, is damaged, or
    None where the bytes after its length can be that record cut short by a kill (its list of arrays, when
    there, gives the payload's length: a length field that differs was changed since, and would hide the
    records after it)."""
    rest = memoryview(data)[pos + _LENGTH.size:]
    if len(rest) < _LENGTH.size:
        return None
    (m,) = _LENGTH.unpack_from(rest, 0)
    where = (f"its record {index} (at byte {pos}) gives its length as {n} bytes, past the end of the file "
             f"({len(data)} bytes)")
    if _LENGTH.size + m > n:
        return f"{where}, less than its list of arrays alone ({m} bytes): its length is damaged"
    if _LENGTH.size + m > len(rest):
        return None  # cut within its list of arrays
    try:
        listed = json.loads(bytes(rest[_LENGTH.size:_LENGTH.size + m]))
        size = _LENGTH.size + m + sum(math.prod(shape) * np.dtype(dtype).itemsize for _, dtype, shape in listed)
    except (ValueError, TypeError):
        return f"{where}, and its list of arrays does not read: it is damaged"
    if size != n:
        return f"{where}, but the arrays it lists fill {size}: its length is damaged"
    return None


def _records(data: bytes):
    """``(payloads, length, damage)``: the whole records after the magic, the bytes they fill, and what is wrong
    with the bytes after them (None: nothing, or a record cut short at the end by a kill while it was appended).
    A record whose checksum fails ends the reading too: a crash of the system can leave the records appended
    since the last ``fsync`` filled with anything; it and those after it are left out (their batches run again).
    So does a record whose length runs past the end of the file where the arrays it lists do not (a changed
    length field, not a record cut short: :func:`_past_the_end`)."""
    pos, payloads = len(SWEEP_MAGIC), []
    while pos + _LENGTH.size <= len(data):
        (n,) = _LENGTH.unpack_from(data, pos)
        stop = pos + _LENGTH.size + n + _DIGEST
        if stop > len(data):
            damage = _past_the_end(data, pos, n, len(payloads))
            if damage is not None:
                return payloads, pos, damage
            break
        payload = data[pos + _LENGTH.size: stop - _DIGEST]
        if hashlib.sha256(payload).digest() != data[stop - _DIGEST: stop]:
            return payloads, pos, f"its record {len(payloads)} (at byte {pos}) does not match its checksum"
        payloads.append(payload)
        pos = stop
    return payloads, pos, None


class SweepCheckpoint:
    """The checkpoint a sweep writes (``checkpoint``) and the one it resumes (``resume_from``).

    Made before anything is compiled: ``checkpoint`` is checked as a
    destination (the rules of single-run checkpoints), ``resume_from`` is read.
    Without ``checkpoint``, a resumed sweep keeps updating ``resume_from``.
    """

    def __init__(self, checkpoint=None, resume_from=None, overwrite=False):
        resume_from = _with_suffix(resume_from)
        if resume_from is not None and checkpoint is None:
            checkpoint = resume_from
        path = as_path(checkpoint, "checkpoint", CheckpointError, "give the name of the file to write, e.g. 'grid.npz'")
        if resume_from is not None and path == as_path(resume_from, "resume_from", CheckpointError):
            _resumable(path)
        self.path, self._replace, self.resuming = checkpoint_destination(path, "grid.npz", overwrite, resume_from)
        self._lock = WriteLock(self.path, "checkpoint", CheckpointError)
        self._fingerprint = self._batch_size = None
        self.saved = None
        self._synced, self._unsynced = time.monotonic(), False
        if resume_from is not None:  # the lock first: a sweep that appended to it after the reading would have its
            self._lock.acquire()     # records overwritten by this one's, appended after what was read
            with self.closed_on_error():
                self.saved = _load(resume_from)
        self.n_saved = 0
        # bytes of whole records in the file being appended to; None: the next save writes the file whole (a new
        # file, another sweep's replaced, or a resumed one of format 1, rewritten once as records)
        self._length = self.saved["length"] if self.resuming and self.saved["format"] == SWEEP_FORMAT else None

    def restore(self, fp, batch_size, given, float_count=None, stopped_count=None):
        """Check the resumed checkpoint against this sweep; ``(B, {batch: results})``.

        ``batch_size``: the sweep's ``B``; ``given``: whether the caller forced it (a saved ``B`` that
        differs is then refused; otherwise the saved one is kept, so the batches are the same).
        ``float_count``: the ``"initial state"`` hash a sweep of the same results had while ``Bold(baseline=
        "rest")`` counted in floats (:func:`~brainnet_cb.simulation.checkpoint.float_count_results_hash`), or None.
        ``stopped_count``: that hash where a float32 count would have stopped at 2**24 sub-steps within a run of
        the sweep (:func:`~brainnet_cb.simulation.checkpoint.float_count_hash`; then ``float_count`` is None): a
        checkpoint of it holds batches this version does not give, refused as such.
        """
        self._fingerprint = fp
        if self.saved is None:
            self._batch_size = batch_size
            return batch_size, {}
        header, path = self.saved["header"], self.saved["path"]
        saved = header["fingerprint"]
        old = saved.get("initial state", {}).get("hash")
        stopped = stopped_count is not None and old == stopped_count
        if (float_count is not None and old == float_count) or stopped:
            fp = dict(fp, **{"initial state": dict(fp["initial state"], hash=old)})  # the same runs
        diff = [line.replace("; this run ", "; this sweep ") for line in _describe_mismatch(saved, fp)]
        saved_b = int(header["batch_size"])
        if given and saved_b != batch_size:
            diff.append(f"  batch size: checkpoint {saved_b}; this sweep {batch_size}")
        if stopped and not diff:
            raise CheckpointError(
                f"the checkpoint {str(path)!r} was written by an earlier brainnet_cb, whose Bold(baseline='rest') "
                "counted the sub-steps of its resting level in float32, a count that stops at 2**24: the runs of "
                "this sweep count past 2**24 sub-steps, so its finished batches hold numbers this version does not "
                "give, and they cannot be continued bit for bit. Run the sweep again from the start: without "
                "resume_from, with overwrite=True to replace this checkpoint or with another checkpoint path."
            )
        if diff:
            raise CheckpointError(
                f"the checkpoint {str(path)!r} was written by another sweep; these differ:\n" + "\n".join(diff)
                + "\nResume with exactly the arguments of the interrupted sweep (model, connectome, grid, run "
                "options, analysis, targets, batch_size), or start a new sweep without resume_from."
            )
        others = [s for s in self.saved["software"] if s != _software()]
        if others:
            warnings.warn(
                f"the checkpoint {str(path)!r} was written with {others[0]}, this process runs "
                f"{_software()}; the resumed sweep is correct but its new batches may differ from an uninterrupted "
                "sweep in the last bits.", RuntimeWarning, stacklevel=caller_stacklevel())
        self._batch_size = saved_b
        self.n_saved = len(self.saved["results"]) if self.resuming else 0
        return saved_b, self.saved["results"]

    def acquire(self):
        self._lock.acquire()

    @contextlib.contextmanager
    def closed_on_error(self):
        """Release the lock where the block raises (the sweep has not begun: its ``finally`` does not close)."""
        try:
            yield
        except BaseException:
            self.close()
            raise

    def close(self):
        """``fsync`` what was appended since the last one, and release the lock.

        Through a descriptor open for writing: Windows flushes no file through a read-only one (and has no lock
        to hold, so the sync does not ask for it)."""
        try:
            if self._unsynced:
                with contextlib.suppress(OSError), open(self.path, "r+b") as fh:
                    os.fsync(fh.fileno())
        finally:
            self._unsynced = False
            self._lock.release()

    def save(self, results, n_batches, n_runs, batch=None):
        """Save finished batch ``batch`` (``results[b]``: ``(out, extra, attrs)`` or None).

        The first save of this object writes the file whole (a header and every finished batch, to a temporary
        file, ``fsync``, renamed over the old one); later ones append ``batch``'s record alone, with an ``fsync``
        at most every :data:`SYNC_EVERY_S` seconds and at :meth:`close` (an ``fsync`` costs milliseconds, as much
        as a small batch). A kill while appending leaves a record cut short, which :func:`_load` leaves out (that
        batch runs again); a crash of the system can lose the batches appended since the last ``fsync``.
        """
        self._lock.acquire()
        kept = (f"the checkpoint of {self.n_saved} finished batches is kept, and resume_from= continues from it"
                if self.n_saved or self.saved is not None else "no checkpoint of this sweep was written yet")
        if self._length is not None and _size(self.path) < self._length:  # removed or cut meanwhile: write it anew
            self._length, self._replace = None, self.path.exists()
        if self._length is None:
            header = {"format": SWEEP_FORMAT, "kind": "sweep", "fingerprint": self._fingerprint,
                      "batch_size": self._batch_size, "n_batches": n_batches, "n_runs": n_runs,
                      "software": _software()}
            data = SWEEP_MAGIC + _record({"header": np.frombuffer(json.dumps(header).encode(), np.uint8)}) + b"".join(
                _batch_record(b, r) for b, r in enumerate(results) if r is not None)
            write_checkpoint_file(self.path, data, replace=self._replace, kept=kept)
            self._replace, self._length = True, len(data)
        elif batch is not None:
            sync = time.monotonic() - self._synced >= SYNC_EVERY_S
            self._length = _append(self.path, self._length, _batch_record(batch, results[batch]), kept, sync)
            self._synced, self._unsynced = (time.monotonic(), False) if sync else (self._synced, True)
        self.n_saved = sum(r is not None for r in results)


def _size(path) -> int:
    try:
        return os.stat(path).st_size
    except OSError:
        return -1


def _append(path, length: int, record: bytes, kept: str, sync: bool) -> int:
    """Write ``record`` at byte ``length`` of ``path`` (over a record cut short there), cut the file after it and
    ``fsync`` if ``sync``; the new length. A write the file system refuses is undone (cut back to ``length``)."""
    try:
        fd = os.open(path, os.O_WRONLY | getattr(os, "O_BINARY", 0))  # Windows: no newline translation
        try:
            try:
                os.lseek(fd, length, os.SEEK_SET)
                view = memoryview(record)
                while view:
                    view = view[os.write(fd, view):]
                os.ftruncate(fd, length + len(record))
                if sync:
                    os.fsync(fd)
            except OSError:
                with contextlib.suppress(OSError):
                    os.ftruncate(fd, length)
                raise
        finally:
            os.close(fd)
    except OSError as err:
        failure = write_failure(err, path, "checkpoint", CheckpointError, left=kept)
        if failure is None:
            raise
        raise failure from err
    return length + len(record)


def _load(resume_from) -> dict:
    """``{"path", "header", "results": {batch: (out, extra, attrs)}, "format", "length", "software"}`` of a sweep
    checkpoint (``length``: the bytes of its whole records; ``software``: what wrote them)."""
    path = _resumable(resume_from)
    with reading(path, error=CheckpointError, fix=_DAMAGED.replace("checkpoint= writes", "bn.sweep(checkpoint=) "
                                                                   "writes"), name="resume_from",
                 also=(IndexError, TypeError)):  # a header whose lists do not match the arrays
        if not is_sweep_records(path):
            return _load_format_1(path)
        payloads, length, damage = _records(path.read_bytes())
        if not payloads:
            raise EOFError
        if damage is not None:
            warnings.warn(f"resume_from={str(path)!r}: {damage} (a crash of the system while it was written, or "
                          f"damage since); it and the {_size(path) - length} bytes after it are left out, and "
                          "the batches they held run again.", RuntimeWarning, stacklevel=caller_stacklevel())
        header = _json(_arrays(payloads[0])["header"])
        if not isinstance(header, dict):
            raise ValueError(f"its header is a {type(header).__name__}, not a JSON object")
        _check_format(header, path, SWEEP_FORMAT)
        results, software = {}, [header.get("software")]
        for payload in payloads[1:]:
            arrays = _arrays(payload)
            meta = _json(arrays.pop("record"))
            b = meta["batch"]
            if not isinstance(b, int) or not 0 <= b < int(header["n_batches"]):
                raise ValueError(f"a record holds batch {b!r} of a sweep of {header['n_batches']} batches")
            out = {k: arrays[f"out/{k}"] for k in meta["keys"]}
            attrs = _decode(meta["attrs"], arrays) if meta["attrs"] is not None else None
            results[b] = (out, _decode(meta["extra"], arrays), attrs)
            software.append(meta["software"])
    return {"path": path, "header": header, "results": results, "format": SWEEP_FORMAT, "length": length,
            "software": software}


def _check_format(header, path, expected):
    if header.get("kind") != "sweep":
        what = ("the checkpoint of a single run (bn.simulate(checkpoint=)); resume it with "
                "bn.simulate(..., resume_from=)" if "piece" in header else "not a sweep checkpoint")
        raise CheckpointError(f"resume_from={str(path)!r} is {what}. bn.sweep resumes the .npz that "
                              "bn.sweep(checkpoint=) wrote.")
    if header.get("format") != expected:
        raise CheckpointError(
            f"resume_from={str(path)!r} has checkpoint format {header.get('format')!r}; this brainnet_cb "
            f"reads formats {CHECKPOINT_FORMAT} and {SWEEP_FORMAT}. Resume it with the version that wrote it "
            f"({header.get('software', {}).get('brainnet_cb')!r}).")


def _load_format_1(path) -> dict:
    """A sweep checkpoint of format 1: one ``.npz`` of every finished batch (brainnet_cb before 2026-12-06)."""
    with np.load(path, allow_pickle=False) as z:
        header = _read_header(z, path)
        _check_format(header, path, CHECKPOINT_FORMAT)
        arrays = {k: z[k] for k in z.files if k != "header"}
    results = {}
    for j, b in enumerate(header["done"]):
        out = {}
        for key in header["key_order"][j]:
            out[key] = arrays[f"out/{key}"][j] if header["keys"][key] else arrays[f"out/{key}/{b}"]
        extra = _decode(json.loads(header["extras"][header["extra_of"][j]]), arrays)
        attrs = _decode(json.loads(header["attrs0"]), arrays) if b == 0 and header["attrs0"] else None
        results[b] = (out, extra, attrs)
    return {"path": path, "header": header, "results": results, "format": CHECKPOINT_FORMAT, "length": None,
            "software": [header.get("software")]}
