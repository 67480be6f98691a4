"""Checkpoints: the full state of a run at a chunk boundary, and resuming from it.

``bn.simulate(..., checkpoint="run.ckpt.npz")`` saves, after every finished
chunk, everything the rest of the run depends on:

- the scan carry (node state, the delay ring buffer, the step counter, the
  coupling input, every monitor's accumulator, BOLD's haemodynamic state and
  sums, the divergence tracker);
- the chunk schedule and how many chunks are done;
- the outputs so far (in-memory runs), or the lengths written to the ``out=``
  store (streamed runs);
- a fingerprint of everything that defines the run: the model class and its
  parameter values, the connectome (weights, lengths, labels after
  normalisation), the edge table (lags: ``dt`` and speed), ``dt``, speed,
  duration, method, dtype, coupling, noise (class, amplitudes, parameters and
  the block size of its draws), stimuli, monitors, random key and initial
  state / history.

``bn.simulate(<the same arguments>, resume_from="run.ckpt.npz")`` rebuilds the
run, refuses a checkpoint whose fingerprint differs (naming what differs), and
continues with the same compiled chunk programs, so the result equals the
uninterrupted run bit for bit (on the same machine and software: another
brainnet_cb, JAX or device gives a warning). Noise does not get in the way:
the increments of steps ``10 b .. 10 b + 9`` come from one draw of
``fold_in(key, b)`` (:data:`brainnet_cb.noise.NOISE_BLOCK` = 10), a function of the
key and the absolute step only.

A checkpoint is one ``.npz`` file (NumPy arrays and a JSON header, no pickle),
written to a temporary file in the same folder, flushed to disk and renamed
over the old one, so a kill at any time leaves the previous or the new
checkpoint, never a torn one. The path is checked before the run starts
(:func:`brainnet_cb._destinations.check_destination`): an existing file that
is not a brainnet_cb checkpoint is never replaced, an earlier run's checkpoint
only with ``overwrite=True`` (or when it is the one being resumed), and a run
holds a lock on its checkpoint while it writes it. A damaged file given to
``resume_from=`` is refused with a :class:`~brainnet_cb.errors.CheckpointError`
saying what is wrong (:func:`brainnet_cb._safe_read.reading`).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import pathlib
import re
import warnings
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from .._checks import caller_stacklevel
from .._destinations import (
    WriteLock,
    as_path,
    check_destination,
    open_new_binary,
    publish,
    temporary_path,
    write_failure,
)
from .._safe_read import DAMAGE_ERRORS, reading
from .._version import __version__
from ..errors import CheckpointError
from ..monitors.bold_scan import BoldScan
from ..noise import NOISE_BLOCK

__all__ = ["Checkpointer", "ResumeState", "fingerprint", "load_checkpoint", "is_checkpoint", "resume_path",
           "CHECKPOINT_FORMAT"]

#: Version of the checkpoint file layout.
CHECKPOINT_FORMAT = 1


def _impl_name(spec) -> str:
    """The name of a generator as :func:`jax.random.key_impl` gives it, whatever JAX's version.

    JAX 0.10 gives the name itself (``"threefry2x32"``); earlier versions a ``PRNGSpec`` whose
    ``str`` is the generator's short tag (``"fry"``) and whose ``PRNGImpl`` has a ``name``.
    """
    if isinstance(spec, str):
        return spec
    name = getattr(getattr(spec, "_impl", spec), "name", None)
    return name if isinstance(name, str) else str(spec)


def _is_threefry(name) -> bool:
    """Whether ``name`` is JAX's default Threefry generator (its ``PRNGImpl.name``, or this JAX's name of it)."""
    return name == "threefry2x32" or name == _impl_name(jax.random.key_impl(jax.random.key(0, impl="threefry2x32")))


def _key_impl(leaf) -> str | None:
    """The generator of a typed key other than JAX's default Threefry (``"rbg"``, ...); None otherwise.

    Keys of two generators can hold the same data (``rbg`` and ``unsafe_rbg``: ``[0, 5, 0, 5]`` for
    seed 5) and draw other numbers; Threefry keys are named by their data alone, as in files written
    before the generator was recorded. The generator is known by its name (:func:`_impl_name`), not
    by the ``str`` of what :func:`jax.random.key_impl` returns, which differs between JAX versions.
    """
    if isinstance(leaf, jax.Array) and jnp.issubdtype(leaf.dtype, jax.dtypes.prng_key):
        impl = _impl_name(jax.random.key_impl(leaf))
        return None if _is_threefry(impl) else impl
    return None


def _leaf_bytes(leaf):
    impl = _key_impl(leaf)
    if isinstance(leaf, jax.Array) and jnp.issubdtype(leaf.dtype, jax.dtypes.prng_key):
        leaf = jax.random.key_data(leaf)
    arr = np.asarray(leaf)
    name = f"key<{impl}>" if impl else ""
    return f"{name}{arr.dtype.str}{arr.shape}".encode() + np.ascontiguousarray(arr).tobytes()


def _digest(*trees) -> str:
    h = hashlib.sha256()
    for tree in trees:
        for leaf in jax.tree_util.tree_leaves(tree):
            h.update(_leaf_bytes(leaf))
    return h.hexdigest()[:16]


def fingerprint(run) -> dict:
    """``{component: {"describe": str, "hash": str}}`` of everything that defines ``run``.

    Computed from a freshly prepared :class:`~brainnet_cb.simulation.run.Run`
    (its ``carry`` is the initial one).
    """
    dyn, conn = run.dyn, run.connectome
    attrs = run.attrs
    labels = np.asarray([str(x) for x in conn.labels])
    comps = {
        "model": (f"{type(run.model).__name__}({attrs.get('model_parameters', '')})", _digest(dyn.model)),
        "connectome": (
            f"{conn.name!r}: {conn.n_regions} regions, {conn.n_edges} edges, "
            f"normalisation {attrs.get('weights_normalization')!r}",
            _digest(np.asarray(conn.weights), np.asarray(conn.lengths), labels.astype("U")),
        ),
        "edges": (f"{type(dyn.table).__name__}, max lag {run.max_lag} steps", _digest(dyn.table)),
        "dt": (f"{run.dt!r} ms", _digest(dyn.dt)),
        "speed": (f"{attrs.get('speed')!r} mm/ms", ""),
        "duration": (f"{run.n_steps} steps ({run.n_steps * run.dt:g} ms)", ""),
        "method": (run.plan.method, ""),
        "dtype": (str(jnp.dtype(dyn.table.weights.dtype)), ""),
        "coupling": (str(attrs.get("coupling")), _digest(dyn.coupling)),
        "noise": (f"{attrs.get('noise')} on rows {list(run.plan.noise_rows)}, drawn in blocks of {NOISE_BLOCK} "
                  "steps", _digest(dyn.sigma, dyn.noise)),
        "stimulus": (str(attrs.get("stimulus", "none")), _digest(dyn.stimuli)),
        "monitors": ("; ".join(m.describe() for m in run.monitors), _digest(dyn.monitors)),
        "key": (f"seed {attrs.get('seed')}" + (f" ({impl} key)" if (impl := _key_impl(dyn.key)) else ""),
                _digest(dyn.key)),
        "initial state": ("initial state and delay history", _digest(run.carry)),
        "batch": (f"batch size {run.batch_size}" if run.batched else "no batch", str(run.axes)),
    }
    return {k: {"describe": d, "hash": h} for k, (d, h) in comps.items()}


class ResumeState(NamedTuple):
    """What :meth:`Run.execute` needs to continue a checkpointed run."""

    carry: object
    piece: int
    schedule: tuple
    samples: tuple  # per monitor: the samples so far (in-memory runs), or None (streamed)
    sink_state: dict  # what the sink recorded (streamed runs), or None


_NUMBER = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?")


def _same_summary(a: str, b: str) -> bool:
    """Two summaries alike but for numbers within 1e-12 of each other: a checkpoint written before periods
    were stamped as decimals reads ``TemporalAverage(period=0.30000000000000004)`` where a run now reads 0.3."""
    if a == b:
        return True
    if _NUMBER.split(a) != _NUMBER.split(b):
        return False
    x, y = (np.array([float(v) for v in _NUMBER.findall(t)]) for t in (a, b))
    return x.shape == y.shape and bool(np.all(np.abs(x - y) <= 1e-12 * np.maximum(np.abs(x), np.abs(y))))


def _describe_mismatch(saved, now):
    lines = []
    # another dtype changes every array's bytes: name it alone, not every component as "different values"
    dtype_differs = "dtype" in saved and "dtype" in now and saved["dtype"]["describe"] != now["dtype"]["describe"]
    for name in now:
        a, b = saved.get(name), now[name]
        if a is None or a["hash"] != b["hash"] or not _same_summary(a["describe"], b["describe"]):
            before = a["describe"] if a else "(absent)"
            line = f"  {name}: checkpoint {_short(before)}; this run {_short(b['describe'])}"
            if a is not None and a["describe"] == b["describe"]:  # same summary: say what else it covers
                if dtype_differs:
                    continue
                line += f" (same summary, different values: {_HIDDEN.get(name, 'its arrays')} differ)"
            elif name == "dtype":
                line += " (the arrays are compared once the dtype is the same)"
            lines.append(line)
    return lines


#: What a component's hash covers beyond its summary, for a mismatch whose summaries read the same.
_HIDDEN = {
    "model": "per-region parameter values",
    "connectome": "weights, tract lengths or region labels",
    "edges": "the edge table (lags)",
    "coupling": "per-region coupling values",
    "noise": "per-region noise amplitudes",
    "stimulus": "the stimulus arrays",
    "monitors": "the monitors' arrays (e.g. an EEG gain or a BOLD baseline)",
    "key": "the random key",
    "grid": "grid values (those the summary leaves out, or per-region values)",
    "targets": "the empirical FC or FCD values",
    "summaries": "the functions' bytecode (an edited summary, or another Python version)",
    "initial state": "the initial state (initial_state=), the delay history (history=) or the monitors' start",
}


def _short(text, width=160):
    text = str(text)
    return text if len(text) <= width else text[: width - 3] + "..."


#: A float32 count stops at 2**24: ``2**24 + 1`` rounds back to it.
_FLOAT32_COUNT_LIMIT = 2**24


def _rest_counts(run) -> dict:
    """``{k: (monitor, dtype, nsub)}``: the carry leaves ``k`` that are a ``Bold(baseline="rest")`` count
    (``bcount``, an int32), the dtype brainnet_cb 0.1.0 held it in before it became an integer (2026-12-06: its
    running mean's, the run's dtype), and the position of the monitor's ``nsub`` (its sub-steps, an int32).

    Only this leaf: a checkpoint names its leaves by position alone, so a float leaf where this version holds
    an integer is known to be the same counter only where the change that made it one is known; any other
    float-for-integer leaf is another layout, refused.
    """
    paths = [tuple(p) for p, _ in jax.tree_util.tree_flatten_with_path(run.carry)[0]]
    leaves = jax.tree_util.tree_leaves(run.carry)
    where = {p: k for k, p in enumerate(paths)}
    found = {}
    for k, path in enumerate(paths):
        if not (len(path) == 3 and getattr(path[0], "name", None) == "monitors"
                and getattr(path[2], "key", None) == "bcount"):
            continue
        i = getattr(path[1], "idx", None)
        monitor = run.monitors[i] if isinstance(i, int) and i < len(run.monitors) else None
        mean = where.get((*path[:2], jax.tree_util.DictKey("bmean")))
        nsub = where.get((*path[:2], jax.tree_util.DictKey("nsub")))
        if (isinstance(monitor, BoldScan) and monitor.baseline_mode == "rest" and mean is not None
                and nsub is not None and np.asarray(leaves[k]).dtype == np.int32):
            found[k] = (monitor, np.asarray(leaves[mean]).dtype, nsub)
    return found


def float_count_hash(run, counts=None) -> str | None:
    """The ``"initial state"`` hash of ``run``'s :func:`fingerprint` as brainnet_cb wrote it while its
    ``Bold(baseline="rest")`` counts were floats of the run's dtype (before 2026-12-06); None if it has none.
    ``counts``: :func:`_rest_counts` of ``run``."""
    counts = _rest_counts(run) if counts is None else counts
    if not counts:
        return None
    leaves = jax.tree_util.tree_leaves(run.carry)
    return _digest([np.asarray(v).astype(counts[k][1]) if k in counts else v for k, v in enumerate(leaves)])


def float_count_results_hash(run) -> str | None:
    """:func:`float_count_hash` where a float count gave this version's results (a sweep's finished batches): not
    where a float32 count would have stopped at 2**24 within the run (then None)."""
    counts = _rest_counts(run)
    for monitor, dtype, _ in counts.values():
        if dtype == np.float32 and run.n_steps // monitor.substeps - monitor._rest_substeps() > _FLOAT32_COUNT_LIMIT:
            return None
    return float_count_hash(run, counts)


def _as_count(arr, dtype):
    """``arr`` (a float count) as ``dtype``, or None unless its values are finite non-negative integers that
    ``dtype`` holds exactly."""
    values = arr.astype(np.float64)
    if not (np.all(np.isfinite(values)) and np.all(values >= 0) and np.all(values == np.floor(values))
            and np.all(values <= np.iinfo(dtype).max)):
        return None
    return values.astype(dtype)


class Checkpoint:
    """A checkpoint file read from disk (see :func:`load_checkpoint`)."""

    def __init__(self, path, header, arrays):
        self.path = pathlib.Path(path)
        self.header = header
        self.arrays = arrays

    @property
    def piece(self) -> int:
        """Number of chunks done."""
        return int(self.header["piece"])

    @property
    def streamed(self) -> bool:
        return self.header.get("sink_state") is not None

    def restore(self, run, streamed: bool) -> ResumeState:
        """Check this checkpoint against ``run`` and return its state.

        Raises
        ------
        CheckpointError
            If the checkpoint belongs to another run (the message lists what
            differs), or to a streamed run resumed without its store (or
            the other way round).
        """
        now = fingerprint(run)
        saved = self.header["fingerprint"]
        # a Bold(baseline="rest") count saved as a float (brainnet_cb 0.1.0 before 2026-12-06): the initial state
        # was hashed with that float; the checkpoint is that run's if the hash of the float layout matches
        leaves = jax.tree_util.tree_leaves(run.carry)
        counts = _rest_counts(run)
        floats = {k: (monitor, nsub) for k, (monitor, dtype, nsub) in counts.items()
                  if (arr := self.arrays.get(f"carry_{k}")) is not None and arr.dtype == dtype
                  and arr.shape == np.shape(leaves[k])}
        if floats and saved.get("initial state", {}).get("hash") == (old := float_count_hash(run, counts)):
            now = dict(now, **{"initial state": dict(now["initial state"], hash=old)})
        else:
            floats = {}
        diff = _describe_mismatch(saved, now)
        if diff:
            raise CheckpointError(
                f"the checkpoint {str(self.path)!r} was written by another run; these differ:\n"
                + "\n".join(diff)
                + "\nResume with exactly the arguments of the interrupted run (model, connectome, dt, "
                "speed, duration, coupling, noise, monitors, key, method, dtype, initial state), or start "
                "a new run without resume_from."
            )
        saved_env = self.header.get("software", {})
        here = _software()
        if saved_env != here:
            warnings.warn(
                f"the checkpoint {str(self.path)!r} was written with {saved_env}, this process runs {here}; "
                "the resumed run continues correctly but may differ from an uninterrupted run in the last "
                "bits.",
                RuntimeWarning,
                stacklevel=caller_stacklevel(),
            )
        if self.streamed != streamed:
            where = self.header.get("sink_state") or {}
            raise CheckpointError(
                f"the checkpoint {str(self.path)!r} belongs to a "
                + (
                    f"run streamed to out={where.get('path')!r}; pass that out= path to resume it."
                    if self.streamed
                    else "run kept in memory (no out=); resume it without out=, or start a new streamed run."
                )
            )
        leaves, treedef = jax.tree_util.tree_flatten(run.carry)
        n_saved = int(self.header["n_carry"])
        restored = []
        for k, ref in enumerate(leaves):
            name = f"carry_{k}"
            arr = self.arrays.get(name) if k < n_saved else None
            ref = np.asarray(ref)
            if k in floats and n_saved == len(leaves) and (count := _as_count(arr, ref.dtype)) is not None:
                arr = count  # the float count of an earlier layout, exact as an integer
            if arr is None or arr.shape != ref.shape or arr.dtype != ref.dtype or n_saved != len(leaves):
                written = self.header.get("software", {}).get("brainnet_cb")
                version = ("" if written in (None, __version__) else
                           f" It was written by brainnet_cb {written}, whose run state differs from this version's "
                           f"({__version__}): resume it with brainnet_cb {written}, or run again from the start.")
                what = (f"{n_saved} arrays saved, {len(leaves)} in this run's state" if n_saved != len(leaves) else
                        f"state {k}: saved {None if arr is None else (arr.shape, str(arr.dtype))}, "
                        f"expected {(ref.shape, str(ref.dtype))}")
                raise CheckpointError(
                    f"the checkpoint {str(self.path)!r} holds a run state of another layout ({what}); it cannot "
                    f"resume this run.{version}"
                )
            restored.append(jnp.asarray(arr))
        carry = jax.tree_util.tree_unflatten(treedef, restored)
        self._warn_stopped_counts(floats, restored)
        samples = None
        if not self.streamed:
            missing = [f"samples_{k}" for k in range(len(run.monitors)) if f"samples_{k}" not in self.arrays]
            if missing:
                raise CheckpointError(
                    f"the checkpoint {str(self.path)!r} lacks the outputs {missing} of this run's monitors; "
                    "it is damaged or was written by another program. Start the run again without resume_from."
                )
            samples = tuple(self.arrays[f"samples_{k}"] for k in range(len(run.monitors)))
        schedule = tuple(tuple(int(v) for v in p) for p in self.header["schedule"])
        return ResumeState(carry, self.piece, schedule, samples, self.header.get("sink_state"))

    def _warn_stopped_counts(self, floats, restored) -> None:
        """Warn where a float32 count of an earlier layout had stopped at 2**24 sub-steps (``floats``: see
        :func:`_float_rest_counts`): the resting level it holds is a moving average of about the last 2**24
        sub-steps, not their mean. Its ``nsub``, an integer, says how many sub-steps ran."""
        for k, (monitor, nsub) in floats.items():
            if self.arrays[f"carry_{k}"].dtype != np.float32:
                continue
            past = np.asarray(restored[nsub]).astype(np.int64) - monitor._rest_substeps() - _FLOAT32_COUNT_LIMIT
            if np.any(past > 0):
                warnings.warn(
                    f"the checkpoint {str(self.path)!r} was written by a brainnet_cb whose Bold(baseline='rest') "
                    "counted the sub-steps of its resting level in float32, a count that stops at 2**24: it stayed "
                    f"at 2**24 for the last {int(np.max(past))} sub-steps before the checkpoint, so the resting level "
                    "it holds is a moving average of about the last 2**24 sub-steps, not their mean. The run "
                    "resumes and counts on from 2**24; for a resting level that is the mean of every sub-step, run "
                    "again from the start.",
                    RuntimeWarning,
                    stacklevel=caller_stacklevel(),
                )


def _software() -> dict:
    dev = jax.devices()[0]
    return {"brainnet_cb": __version__, "jax": jax.__version__, "device": f"{dev.platform} {dev.device_kind}"}


#: What a checkpoint's header must hold.
HEADER_KEYS = ("format", "piece", "schedule", "fingerprint", "n_carry")
_DAMAGED = (
    "resume_from needs a brainnet_cb checkpoint (the .npz that checkpoint= writes); a checkpoint is written to "
    "a temporary file and renamed, so a killed run never leaves a torn one: this file was damaged afterwards or "
    "is not a brainnet_cb checkpoint. Resume from an intact copy, or start the run again without resume_from."
)


def _read_header(z, path) -> dict:
    """The JSON header of an open ``.npz``; CheckpointError if it has none."""
    if "header" not in z.files:
        raise CheckpointError(
            f"resume_from={str(path)!r} is not a brainnet_cb checkpoint: it holds the arrays "
            f"{sorted(z.files)[:8]} and no 'header'. Pass the .npz that checkpoint= wrote."
        )
    header = json.loads(str(z["header"]))
    if not isinstance(header, dict):
        raise ValueError(f"the header is a {type(header).__name__}, not a JSON object")
    return header


#: How a sweep checkpoint of format 2 starts (a sequence of records, each an ``.npz``; see
#: :mod:`brainnet_cb.fitting.sweep_checkpoint`). Format 1 of a sweep, and every run checkpoint, is one ``.npz``.
SWEEP_MAGIC = b"\x93BRAINNET_CB sweep checkpoint\n"


def is_sweep_records(path) -> bool:
    """Whether ``path`` starts as a sweep checkpoint of records (format 2) does."""
    try:
        with open(path, "rb") as fh:
            return fh.read(len(SWEEP_MAGIC)) == SWEEP_MAGIC
    except OSError:
        return False


def is_checkpoint(path) -> bool:
    """Whether ``path`` is a readable brainnet_cb checkpoint (its header is read, not its arrays)."""
    if is_sweep_records(path):
        return True
    try:
        with np.load(path, allow_pickle=False) as z:
            return "format" in _read_header(z, path)
    except (CheckpointError, *DAMAGE_ERRORS):
        return False


def resume_path(value) -> pathlib.Path:
    """``resume_from`` as a path (str, bytes or os.PathLike), else CheckpointError (another type, empty)."""
    return as_path(value, "resume_from", CheckpointError, "pass the checkpoint= path of the interrupted run")


def _resumable(path) -> pathlib.Path:
    """``resume_from`` as a path to a file, else CheckpointError (a folder, nothing there)."""
    path = resume_path(path)
    if path.is_dir():
        raise CheckpointError(
            f"resume_from={str(path)!r} is a folder; pass the checkpoint file (.npz) that checkpoint= wrote "
            "(a Zarr store goes to out=)."
        )
    if not path.is_file():
        raise CheckpointError(
            f"resume_from={str(path)!r} does not exist; pass the checkpoint= path of the interrupted run."
        )
    return path


def load_checkpoint(path) -> Checkpoint:
    """Read a checkpoint written by :class:`Checkpointer`.

    Raises
    ------
    CheckpointError
        If the file does not exist, is a folder, is damaged (truncated,
        corrupted, pickled) or is not a brainnet_cb checkpoint; the message says
        which.
    """
    path = _resumable(path)
    with reading(path, error=CheckpointError, fix=_DAMAGED, name="resume_from"):
        with np.load(path, allow_pickle=False) if not is_sweep_records(path) else contextlib.nullcontext() as z:
            header = _read_header(z, path) if z is not None else {"kind": "sweep"}  # a foreign file: unread
            if header.get("kind") == "sweep":
                raise CheckpointError(
                    f"resume_from={str(path)!r} is the checkpoint of a sweep (bn.sweep(checkpoint=)); resume it "
                    "with bn.sweep(..., resume_from=). bn.simulate resumes the .npz that bn.simulate(checkpoint=) "
                    "wrote."
                )
            missing = [k for k in HEADER_KEYS if k not in header]
            if missing:
                raise CheckpointError(
                    f"resume_from={str(path)!r} is not a brainnet_cb checkpoint: its header lacks {missing}. "
                    "Pass the .npz that checkpoint= wrote."
                )
            if header.get("format") != CHECKPOINT_FORMAT:
                raise CheckpointError(
                    f"resume_from={str(path)!r} has checkpoint format {header.get('format')!r}; this brainnet_cb "
                    f"reads format {CHECKPOINT_FORMAT}. Resume it with the version that wrote it "
                    f"({header.get('software', {}).get('brainnet_cb')!r})."
                )
            arrays = {k: z[k] for k in z.files if k != "header"}
    return Checkpoint(path, header, arrays)


class Checkpointer:
    """Writes a run's checkpoint atomically after every finished chunk.

    The destination is checked when the object is made (before the run
    compiles anything) and locked from :meth:`bind` to :meth:`close`.

    Parameters
    ----------
    path : str or path-like
        The checkpoint file (``.npz``; the suffix is added if missing).
    overwrite : bool, default False
        Replace an existing checkpoint of an earlier run. A file that is not a
        brainnet_cb checkpoint is never replaced.
    resume_from : str or path-like, optional
        The checkpoint being resumed: when it is ``path``, the run goes on
        updating it.

    Raises
    ------
    CheckpointError
        A missing or read-only folder, a symbolic link, an existing file that is
        not a checkpoint, an earlier run's checkpoint without ``overwrite``, or
        a checkpoint another run is writing.
    """

    def __init__(self, path, overwrite: bool = False, resume_from=None):
        path = as_path(path, "checkpoint", CheckpointError, "give the name of the file to write, e.g. 'run.npz'")
        if resume_from is not None and path == resume_path(resume_from):
            _resumable(path)  # the resumed file, kept up to date: named as resume_from where it is no file
        self.path, self._replace, resuming = checkpoint_destination(path, "run.npz", overwrite, resume_from)
        self._saved = 0  # the chunk of the last checkpoint this object wrote
        self._resuming = resuming
        self._fingerprint = None
        self._lock = WriteLock(self.path, "checkpoint", CheckpointError)

    def bind(self, run) -> None:
        """Lock the file and fingerprint ``run`` (call before it advances: its carry must be the initial one)."""
        self._lock.acquire()
        self._fingerprint = fingerprint(run)

    def close(self) -> None:
        """Release the lock (the checkpoint stays)."""
        self._lock.release()

    def save(self, carry, piece, schedule, samples=None, sink_state=None) -> None:
        """Write the state after ``piece`` chunks (``samples``: per monitor, in-memory runs)."""
        self._lock.acquire()
        leaves = jax.tree_util.tree_leaves(carry)
        header = {
            "format": CHECKPOINT_FORMAT,
            "piece": int(piece),
            "n_pieces": len(schedule),
            "schedule": [list(map(int, p)) for p in schedule],
            "fingerprint": self._fingerprint,
            "n_carry": len(leaves),
            "sink_state": sink_state,
            "software": _software(),
        }
        arrays = {f"carry_{k}": np.asarray(leaf) for k, leaf in enumerate(leaves)}
        if samples is not None:
            arrays.update({f"samples_{k}": np.asarray(s) for k, s in enumerate(samples)})
        arrays["header"] = np.asarray(json.dumps(header))
        kept = (f"the checkpoint of chunk {self._saved} is kept, and resume_from= continues from it"
                if self._saved else "the checkpoint being resumed is kept, and resume_from= continues from it"
                if self._resuming else "no checkpoint of this run was written yet")
        write_checkpoint_file(self.path, arrays, replace=self._replace, kept=kept)
        self._replace = True
        self._saved = int(piece)


def checkpoint_destination(path: pathlib.Path, example: str, overwrite: bool, resume_from):
    """``(path, replace, resuming)``: the ``.npz`` a checkpoint writer may write (``path`` with the suffix added,
    checked as an output), whether a file is there to replace (the resumed checkpoint, or ``overwrite=True``)
    and whether it is the checkpoint being resumed. ``example`` names a file in a folder given as ``path``."""
    if path.name in ("", ".", "..") or path.is_dir():  # not <folder>.npz beside the folder
        raise CheckpointError(f"checkpoint={str(path)!r} is a folder; a checkpoint is one file: pass its path, "
                              f"e.g. {str(path / example)!r}.")
    if path.suffix != ".npz":
        path = path.with_name(path.name + ".npz")
    resuming = resume_from is not None and _same_file(path, resume_from)
    checked = check_destination(path, name="checkpoint", overwrite=overwrite, error=CheckpointError,
                                refuse_existing=lambda p: _refuse_existing(p, overwrite), existing_ok=resuming)
    return checked, path.exists(), resuming


def write_checkpoint_file(path: pathlib.Path, arrays, *, replace: bool, kept: str) -> None:
    """Write ``arrays`` as the ``.npz`` ``path`` atomically (a temporary of its own, fsync, rename; the caller
    holds its lock); a write the file system refuses (a full disk) names the file, its free space and ``kept``,
    what still stands. ``arrays`` given as ``bytes`` are written as they are (a sweep checkpoint's records)."""
    tmp = temporary_path(path)
    try:
        with os.fdopen(open_new_binary(tmp), "wb") as fh:  # a normal file's mode (umask)
            if isinstance(arrays, bytes):
                fh.write(arrays)
            else:
                np.savez(fh, **arrays)
            fh.flush()
            os.fsync(fh.fileno())
        publish(tmp, path, overwrite=replace, name="checkpoint", error=CheckpointError)
    except OSError as err:
        failure = write_failure(err, path, "checkpoint", CheckpointError, left=kept)
        if failure is None:
            raise
        raise failure from err
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


def _same_file(a, b) -> bool:
    try:
        return os.path.samefile(a, b)
    except (OSError, TypeError):
        return False


def _refuse_existing(path, overwrite):
    """Why an existing ``checkpoint=`` path must not be replaced (None: it may be)."""
    if path.is_dir():
        return "is a folder; a checkpoint is one .npz file. Choose a file path."
    if not is_checkpoint(path):
        return ("exists and is not a brainnet_cb checkpoint; it is never replaced, not even with overwrite=True. "
                "Choose another checkpoint path (e.g. 'run.ckpt.npz').")
    if not overwrite:
        return ("holds the checkpoint of an earlier run; pass resume_from= with this path to continue that run, "
                "overwrite=True to start again and replace it, or choose another path.")
    return None
