"""Whether a run's outputs fit where they go: host memory or the destination's disk, checked before it compiles.

A run keeps every monitor's samples in host memory until its end (or streams
them to a Zarr store or a NetCDF file). The bytes they take are known before the
run starts, from its schedule:

.. math::

    \\text{bytes} = B \\sum_k S_k \\, \\prod \\text{shape}_k \\, \\text{itemsize},

with ``B`` the batch size (1 for one run), ``S_k`` the samples monitor ``k``
emits and ``shape_k`` the shape of one sample (variables x regions, or sensors).
A run whose outputs cannot fit is refused before its scan is compiled, instead
of being killed by the system (or failing to write) when its end comes: the
outputs of ten hours of 76 regions sampled every millisecond take 21.9 GB in
float32.

Running takes more than the outputs (:func:`working_bytes`): the chunk just
run stays in memory while the next one is compiled and run, and compiling a
run's programs takes XLA :data:`XLA_WORKING_BYTES` of transient memory. Across
tvb76, tvb192 and 400- and 1,000-region networks with TemporalAverage, BOLD and
EEG, float32 and float64, single runs and a batch of 8, the peak resident set
rose by the outputs plus one chunk's outputs plus 67-116 MiB
(``benchmarks/bench_memory_estimates.py``); :func:`needed_bytes` is what
:func:`check_memory` compares with the memory available.

Available memory is read from the system (``MemAvailable`` and ``SwapFree`` of
``/proc/meminfo``, bounded by the room under the cgroup's limit where one is
set: v2 ``memory.max`` or v1 ``memory.limit_in_bytes``, its parents' included,
reclaimable page cache counted as room); where the system does not say,
nothing is checked.
"""

from __future__ import annotations

import math
import os
import pathlib
import shutil
import warnings

import numpy as np

from .._checks import caller_stacklevel
from ..errors import BrainnetError, SimulationError

__all__ = ["output_bytes", "working_bytes", "needed_bytes", "available_memory", "check_memory", "check_disk",
           "XLA_WORKING_BYTES"]

#: Transient memory of XLA compiling and loading a run's programs (and the runtime's buffers) beyond the outputs
#: and one chunk's outputs: 67-116 MiB measured on a CPU (``benchmarks/bench_memory_estimates.py``, tvb76 to
#: 1,000 regions), counted as 128 MiB.
XLA_WORKING_BYTES = 128 * 2**20


def output_bytes(run, pieces=None, start=0) -> int:
    """Bytes of the samples ``run`` emits in ``pieces[start:]`` of its schedule (default: the whole run), all members.

    ``pieces`` and ``start`` are a schedule and a position in it (a resumed run's); every member of a batch counts.
    """
    if pieces is None:  # the totals do not depend on the chunking: one chunk (and the tail) counts them
        pieces, start = run.schedule(max(run.n_steps, 1)), 0
    itemsize = np.dtype(run.dyn.table.weights.dtype).itemsize
    members = run.batch_size if run.batched else 1
    n = run.connectome.n_regions
    samples = [sum(c) for c in zip(*(run.samples_per_piece(p) for p in pieces[start:]))] or [0] * len(run.monitors)
    return members * itemsize * sum(
        s * math.prod(m.sample_shape(run.model, n)) for s, m in zip(samples, run.monitors)
    )


def working_bytes(run, chunk_steps=None) -> int:
    """Bytes running ``run`` takes on top of its kept outputs: one chunk's outputs and XLA compiling its programs.

    The largest piece of ``run.schedule(chunk_steps)`` (its outputs, every member of a batch: at most
    :data:`~brainnet_cb.simulation.run.CHUNK_OUTPUT_BYTES` by default) stays in memory while the next piece is
    compiled and run, and compiling takes :data:`XLA_WORKING_BYTES`. A run streamed to disk (``out=``) holds this
    and not its outputs.
    """
    pieces = dict.fromkeys(run.schedule(chunk_steps))
    chunk = max((output_bytes(run, (piece,)) for piece in pieces), default=0)
    return chunk + XLA_WORKING_BYTES


def needed_bytes(run, chunk_steps=None) -> int:
    """Bytes of memory ``run`` takes at its peak beyond what the process holds before it: its outputs, kept in
    memory, and :func:`working_bytes`."""
    return output_bytes(run) + working_bytes(run, chunk_steps)


def _meminfo() -> dict:
    out = {}
    with open("/proc/meminfo", encoding="utf-8") as f:
        for line in f:
            name, _, rest = line.partition(":")
            parts = rest.split()
            if parts and parts[0].isdigit():
                out[name] = int(parts[0]) * (1024 if parts[1:2] == ["kB"] else 1)
    return out


#: Where the cgroup file systems are mounted (v2: the unified hierarchy; v1: one folder per controller).
CGROUP_ROOT = pathlib.Path("/sys/fs/cgroup")
#: A v1 memory limit at or above this is "no limit" (the kernel writes 2**63 - 4096, rounded to its page size).
_V1_UNLIMITED = 2**60


def _stat(folder, *names) -> dict:
    out = {}
    for line in (folder / "memory.stat").read_text(encoding="utf-8").splitlines():
        key, _, value = line.partition(" ")
        if key in names:
            out[key] = int(value)
    return out


def _own_folder(base: pathlib.Path, rel: str) -> pathlib.Path:
    """The process's cgroup folder under ``base``; ``base`` itself where the path is not visible (a container
    whose cgroup namespace makes its own cgroup the root)."""
    folder = base / rel.lstrip("/")
    return folder if folder.is_dir() else base


def _v2_room(folder: pathlib.Path, root: pathlib.Path) -> int | None:
    """The least room left under ``memory.max`` of ``folder`` and its ancestors up to ``root`` (a parent's limit
    binds the child), counting reclaimable page cache (``inactive_file``) as room."""
    rooms = []
    while True:
        limit = folder / "memory.max"
        if limit.is_file() and limit.read_text(encoding="utf-8").strip() != "max":
            used = (int((folder / "memory.current").read_text(encoding="utf-8"))
                    - _stat(folder, "inactive_file").get("inactive_file", 0))
            rooms.append(max(int(limit.read_text(encoding="utf-8")) - used, 0))
        if folder == root or folder == folder.parent:
            return min(rooms) if rooms else None
        folder = folder.parent


def _v1_room(folder: pathlib.Path) -> int | None:
    """Room under the v1 limit of ``folder`` (``hierarchical_memory_limit``: the least of it and its ancestors')."""
    stat = _stat(folder, "hierarchical_memory_limit", "total_inactive_file")
    limit = stat.get("hierarchical_memory_limit", int((folder / "memory.limit_in_bytes").read_text(encoding="utf-8")))
    if limit >= _V1_UNLIMITED:
        return None
    used = int((folder / "memory.usage_in_bytes").read_text(encoding="utf-8")) - stat.get("total_inactive_file", 0)
    return max(limit - used, 0)


def _cgroup_room(root: pathlib.Path = CGROUP_ROOT, proc: str = "/proc/self/cgroup") -> int | None:
    """Bytes the process's cgroup (v2, else v1) may still take, or None when it sets no limit (or says nothing).

    Page cache the kernel can drop (``inactive_file``) counts as room, as it does in ``MemAvailable``: a
    container that has read large files is not full.
    """
    try:
        with open(proc, encoding="utf-8") as f:
            entries = [line.rstrip("\n").split(":", 2) for line in f if line.count(":") >= 2]
        for hierarchy, controllers, rel in entries:
            if hierarchy == "0" and controllers == "" and (root / "cgroup.controllers").is_file():
                return _v2_room(_own_folder(root, rel), root)
        for _hierarchy, controllers, rel in entries:
            if "memory" in controllers.split(","):
                base = root / "memory"
                return _v1_room(_own_folder(base, rel)) if base.is_dir() else None
        return None
    except (OSError, ValueError):
        return None


def available_memory() -> int | None:
    """Bytes of memory a new allocation can still get (RAM the system can free, and free swap), or None.

    ``MemAvailable + SwapFree`` of ``/proc/meminfo``, bounded by the room under the cgroup's limit (v2
    ``memory.max`` or v1 ``memory.limit_in_bytes``, and those of its parents); None where ``/proc/meminfo``
    does not say (then nothing is checked: the free pages alone would count the page cache as used).
    """
    try:
        info = _meminfo()
    except OSError:
        return None
    if "MemAvailable" not in info:
        return None
    room = info["MemAvailable"] + info.get("SwapFree", 0)
    cgroup = _cgroup_room()
    return room if cgroup is None else min(room, cgroup)


def _size(n) -> str:
    for unit, scale in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n / 1e3:.1f} kB"


def _duration(ms) -> str:
    hours = ms / 3.6e6
    if hours < 2:
        return f"{ms / 1e3:,.6g} s"
    return f"{hours:.2g} hours" if hours < 10 else f"{hours:,.0f} hours"


def check_memory(run, error=SimulationError, stream_hint="stream them to disk with out='run.zarr'",
                 chunk_steps=None) -> None:
    """Refuse ``run`` when the memory it needs at its peak (:func:`needed_bytes`: its outputs kept in host memory,
    one chunk's outputs and XLA compiling its programs) exceeds the memory available.

    Runs whose outputs take less than a gigabyte are not checked.

    Raises
    ------
    SimulationError
        Naming the sizes and the ways out: stream the outputs to disk, record
        fewer samples (a longer monitor period, fewer monitors or variables),
        run a shorter time (or fewer batch members).
    """
    outputs = output_bytes(run)
    if outputs < 2**30:  # below a gigabyte there is nothing to check
        return
    room = available_memory()
    need = outputs + working_bytes(run, chunk_steps)
    if room is None or need <= room:
        return
    members = f" for its {run.batch_size} members" if run.batched else ""
    raise error(
        f"this run needs {_size(need)} of memory{members}: its outputs take {_size(outputs)} "
        f"({_duration(run.n_steps * run.dt)} of {run.connectome.n_regions} regions), and running it "
        f"{_size(need - outputs)} more (one chunk's outputs, XLA compiling its programs). That is more than the "
        f"{_size(room)} this machine has available, so it would fail (or be killed by the system) before its end. "
        f"{stream_hint[0].upper() + stream_hint[1:]}, record fewer samples (a longer monitor period, fewer monitors "
        "or variables), or run a shorter time."
    )


def _existing(path) -> pathlib.Path:
    path = pathlib.Path(os.path.abspath(os.fsdecode(path)))
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def check_disk(run, path, pieces=None, start=0, compressed=False, error=BrainnetError) -> None:
    """Refuse (or warn, for a compressed store) when the outputs left to write exceed the free space at ``path``.

    ``compressed``: the destination compresses its chunks (a Zarr store), so the uncompressed size is an upper
    bound (a noisy run's series take about 75 % of it) and an excess only warns. Otherwise (``brainnet-cb run``'s
    NetCDF file, whose series are compressed too: the default run's take 78 % of it, 65 % with a tenth of its noise,
    87 % with additive noise v = 0.2) the run is refused, naming both sizes: how much the series compress is known
    only once they are written, and a disk that fills stops the run before its end.
    """
    need = output_bytes(run, pieces, start)
    if need < 2**20:
        return
    where = _existing(path)
    try:
        free = shutil.disk_usage(where).free
    except OSError:
        return
    if need <= free:
        return
    text = (f"the outputs of this run take {_size(need)} uncompressed, and the file system of {str(where)!r} has "
            f"{_size(free)} free")
    if compressed:
        warnings.warn(f"{text}: the store may not fit (its chunks are compressed: a noisy tvb76 run's to about "
                      "75 %, a steady one's to far less). Write it to another disk, or record fewer samples, if it "
                      "fails.", UserWarning, stacklevel=caller_stacklevel())
        return
    raise error(f"{text}, so {str(path)!r} may not fit: its series are compressed, but by how much is known only "
                "once they are written (a noisy run's take about 65-90 % of that size, a steady one's less), and a "
                "disk that fills stops the run before its end. Write it to another disk, free some space, record fewer "
                "samples (a longer monitor period, fewer monitors or variables), or run a shorter time.")
