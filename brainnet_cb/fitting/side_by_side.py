"""Independent jobs of a fit run by a few threads (JAX and LAPACK release the GIL while they compute)."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

__all__ = ["side_by_side", "default_workers"]


def side_by_side(fn, jobs, workers, name="fit"):
    """``[fn(job) for job in jobs]``, run by at most ``workers`` threads, in order.

    Every job must be independent of the others: each result is then the
    same, bit for bit, whatever ``workers`` is (one thread: a plain loop).
    """
    jobs = list(jobs)
    if workers <= 1 or len(jobs) <= 1:
        return [fn(job) for job in jobs]
    with ThreadPoolExecutor(max_workers=min(workers, len(jobs)), thread_name_prefix=name) as pool:
        return list(pool.map(fn, jobs))


def default_workers() -> int:
    """The CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1
