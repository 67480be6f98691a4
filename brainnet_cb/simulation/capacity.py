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

Available memory is read from the system (``MemAvailable`` and ``SwapFree`` of
``/proc/meminfo``, bounded by the cgroup's ``memory.max`` where one is set);
where the system does not say, nothing is checked.
"""

from __future__ import annotations

import math
import os
import pathlib
import shutil
import warnings

import numpy as np

from ..errors import BrainnetError, SimulationError

__all__ = ["output_bytes", "available_memory", "check_memory", "check_disk"]


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


def _meminfo() -> dict:
    out = {}
    with open("/proc/meminfo") as f:
        for line in f:
            name, _, rest = line.partition(":")
            parts = rest.split()
            if parts and parts[0].isdigit():
                out[name] = int(parts[0]) * (1024 if parts[1:2] == ["kB"] else 1)
    return out


def _cgroup_room() -> int | None:
    """Bytes the process's cgroup (v2) may still take, or None when it sets no limit."""
    try:
        with open("/proc/self/cgroup") as f:
            rel = next((line.split(":", 2)[2].strip() for line in f if line.startswith("0::")), None)
        if rel is None:
            return None
        folder = pathlib.Path("/sys/fs/cgroup") / rel.lstrip("/")
        limit = (folder / "memory.max").read_text().strip()
        if limit == "max":
            return None
        return max(int(limit) - int((folder / "memory.current").read_text().strip()), 0)
    except (OSError, ValueError, IndexError):
        return None


def available_memory() -> int | None:
    """Bytes of memory a new allocation can still get (RAM the system can free, and free swap), or None."""
    try:
        info = _meminfo()
    except OSError:
        info = {}
    if "MemAvailable" in info:
        room = info["MemAvailable"] + info.get("SwapFree", 0)
    else:
        try:
            room = os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        except (ValueError, OSError, AttributeError):
            return None
    cgroup = _cgroup_room()
    return room if cgroup is None else min(room, cgroup)


def _size(n) -> str:
    for unit, scale in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n / 1e3:.1f} kB"


def _duration(ms) -> str:
    return f"{ms / 1e3:,.6g} s" if ms < 1e9 else f"{ms / 3.6e6:,.0f} hours"


def check_memory(run, error=SimulationError, stream_hint="stream them to disk with out='run.zarr'") -> None:
    """Refuse ``run`` when the outputs it keeps in host memory exceed the memory available.

    Raises
    ------
    SimulationError
        Naming both sizes and the ways out: stream the outputs to disk, record
        fewer samples (a longer monitor period, fewer monitors or variables),
        run a shorter time (or fewer batch members).
    """
    need = output_bytes(run)
    if need < 2**30:  # below a gigabyte there is nothing to check
        return
    room = available_memory()
    if room is None or need <= room:
        return
    members = f" for its {run.batch_size} members" if run.batched else ""
    raise error(
        f"the outputs of this run need {_size(need)} of memory{members} ({_duration(run.n_steps * run.dt)} of "
        f"{run.connectome.n_regions} regions), more than the {_size(room)} this machine has available, so it would "
        f"fail (or be killed by the system) before its end. {stream_hint[0].upper() + stream_hint[1:]}, record fewer "
        "samples (a longer monitor period, fewer monitors or variables), or run a shorter time."
    )


def _existing(path) -> pathlib.Path:
    path = pathlib.Path(os.path.abspath(os.fsdecode(path)))
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def check_disk(run, path, pieces=None, start=0, compressed=False, error=BrainnetError) -> None:
    """Refuse (or warn, for a compressed store) when the outputs left to write exceed the free space at ``path``.

    ``compressed``: the destination compresses its chunks (a Zarr store), so the uncompressed size is an upper
    bound (a noisy run's series take about 75 % of it) and an excess only warns. Otherwise (a NetCDF file, written
    uncompressed) the run is refused, naming both sizes.
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
                      "fails.", UserWarning, stacklevel=4)
        return
    raise error(f"{text}, so writing {str(path)!r} would fail at the run's end. Write it to another disk, free some "
                "space, record fewer samples (a longer monitor period, fewer monitors or variables), or run a shorter "
                "time.")
