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

The file is one ``.npz`` (NumPy arrays and a JSON header, no pickle), written
to a temporary file beside it, flushed to disk and renamed over the old one
under the sweep's lock, with the destination rules of single-run checkpoints
(:class:`~brainnet_cb.simulation.checkpoint.Checkpointer`).
"""

from __future__ import annotations

import functools
import hashlib
import json
import types
import warnings

import numpy as np

from .._destinations import WriteLock, as_path
from .._safe_read import reading
from ..errors import CheckpointError
from ..simulation.checkpoint import (
    _DAMAGED,
    CHECKPOINT_FORMAT,
    _describe_mismatch,
    _digest,
    _read_header,
    _resumable,
    _short,
    _software,
    checkpoint_destination,
    fingerprint,
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
        self.saved = _load(resume_from) if resume_from is not None else None
        self.n_saved = 0

    def restore(self, fp, batch_size, given):
        """Check the resumed checkpoint against this sweep; ``(B, {batch: results})``.

        ``batch_size``: the sweep's ``B``; ``given``: whether the caller forced it (a saved ``B`` that
        differs is then refused; otherwise the saved one is kept, so the batches are the same).
        """
        self._fingerprint = fp
        if self.saved is None:
            self._batch_size = batch_size
            return batch_size, {}
        header, path = self.saved["header"], self.saved["path"]
        diff = [line.replace("; this run ", "; this sweep ") for line in _describe_mismatch(header["fingerprint"], fp)]
        saved_b = int(header["batch_size"])
        if given and saved_b != batch_size:
            diff.append(f"  batch size: checkpoint {saved_b}; this sweep {batch_size}")
        if diff:
            raise CheckpointError(
                f"the checkpoint {str(path)!r} was written by another sweep; these differ:\n" + "\n".join(diff)
                + "\nResume with exactly the arguments of the interrupted sweep (model, connectome, grid, run "
                "options, analysis, targets, batch_size), or start a new sweep without resume_from."
            )
        if header.get("software") != _software():
            warnings.warn(
                f"the checkpoint {str(path)!r} was written with {header.get('software')}, this process runs "
                f"{_software()}; the resumed sweep is correct but its new batches may differ from an uninterrupted "
                "sweep in the last bits.", RuntimeWarning, stacklevel=3)
        self._batch_size = saved_b
        return saved_b, self.saved["results"]

    def acquire(self):
        self._lock.acquire()

    def close(self):
        self._lock.release()

    def save(self, results, n_batches, n_runs):
        """Write every finished batch (``results[b]``: ``(out, extra, attrs)`` or None)."""
        self._lock.acquire()
        done = [b for b, r in enumerate(results) if r is not None]
        arrays, seen, extras, extra_of, stacked = {}, {}, [], [], {}
        for key in dict.fromkeys(k for b in done for k in results[b][0]):
            pieces = [np.asarray(results[b][0][key]) for b in done]
            if all(p.shape == pieces[0].shape and p.dtype == pieces[0].dtype for p in pieces):
                arrays[f"out/{key}"] = np.stack(pieces)
                stacked[key] = True
            else:  # a user summary of no good run in a batch: its shape differs; kept per batch
                for b, p in zip(done, pieces):
                    arrays[f"out/{key}/{b}"] = p
                stacked[key] = False
        for b in done:
            text = json.dumps(_encode(results[b][1], arrays, seen))
            if text not in extras:
                extras.append(text)
            extra_of.append(extras.index(text))
        first = results[done[0]][2] if done and done[0] == 0 else None  # the sweep's attrs come from batch 0
        header = {"format": CHECKPOINT_FORMAT, "kind": "sweep", "fingerprint": self._fingerprint,
                  "batch_size": self._batch_size, "n_batches": n_batches, "n_runs": n_runs, "done": done,
                  "keys": stacked,
                  "key_order": [list(results[b][0]) for b in done],
                  "extras": extras, "extra_of": extra_of,
                  "attrs0": None if first is None else json.dumps(_encode(first, arrays, seen)),
                  "software": _software()}
        arrays["header"] = np.asarray(json.dumps(header))
        kept = (f"the checkpoint of {self.n_saved} finished batches is kept, and resume_from= continues from it"
                if self.n_saved or self.saved is not None else "no checkpoint of this sweep was written yet")
        write_checkpoint_file(self.path, arrays, replace=self._replace, kept=kept)
        self._replace = True
        self.n_saved = len(done)


def _load(resume_from) -> dict:
    """``{"path", "header", "results": {batch: (out, extra, attrs)}}`` of a sweep checkpoint."""
    path = _resumable(resume_from)
    with reading(path, error=CheckpointError, fix=_DAMAGED.replace("checkpoint= writes", "bn.sweep(checkpoint=) "
                                                                   "writes"), name="resume_from",
                 also=(IndexError, TypeError)):  # a header whose lists do not match the arrays
        with np.load(path, allow_pickle=False) as z:
            header = _read_header(z, path)
            if header.get("kind") != "sweep":
                what = ("the checkpoint of a single run (bn.simulate(checkpoint=)); resume it with "
                        "bn.simulate(..., resume_from=)" if "piece" in header else "not a sweep checkpoint")
                raise CheckpointError(f"resume_from={str(path)!r} is {what}. bn.sweep resumes the .npz that "
                                      "bn.sweep(checkpoint=) wrote.")
            if header.get("format") != CHECKPOINT_FORMAT:
                raise CheckpointError(
                    f"resume_from={str(path)!r} has checkpoint format {header.get('format')!r}; this brainnet_cb "
                    f"reads format {CHECKPOINT_FORMAT}. Resume it with the version that wrote it "
                    f"({header.get('software', {}).get('brainnet_cb')!r}).")
            arrays = {k: z[k] for k in z.files if k != "header"}
            results = {}
            for j, b in enumerate(header["done"]):
                out = {}
                for key in header["key_order"][j]:
                    out[key] = arrays[f"out/{key}"][j] if header["keys"][key] else arrays[f"out/{key}/{b}"]
                extra = _decode(json.loads(header["extras"][header["extra_of"][j]]), arrays)
                attrs = _decode(json.loads(header["attrs0"]), arrays) if b == 0 and header["attrs0"] else None
                results[b] = (out, extra, attrs)
    return {"path": path, "header": header, "results": results}
