"""side_by_side: independent jobs of a fit on a few threads, results in order, errors raised."""

import os
import threading

import pytest

from brainnet_cb.fitting.side_by_side import default_workers, side_by_side


def _who(job):
    return job, threading.current_thread().name


def test_results_come_in_the_order_of_the_jobs_from_the_named_threads():
    out = side_by_side(_who, range(7), 3, "fold")
    assert [job for job, _ in out] == list(range(7))
    names = {name for _, name in out}
    assert all(name.startswith("fold") for name in names) and 1 <= len(names) <= 3


@pytest.mark.parametrize("workers", [0, 1])
def test_one_worker_or_one_job_is_a_plain_loop_on_the_calling_thread(workers):
    me = threading.current_thread().name
    assert side_by_side(_who, [4, 5], workers) == [(4, me), (5, me)]
    assert side_by_side(_who, [9], 8) == [(9, me)]


def test_an_error_in_a_job_is_raised_to_the_caller():
    def job(k):
        if k == 2:
            raise ValueError("job 2 failed")
        return k

    with pytest.raises(ValueError, match=r"^job 2 failed$"):
        side_by_side(job, range(4), 2)


@pytest.mark.skipif(not hasattr(os, "sched_setaffinity"), reason="CPU affinity is a Linux call")
def test_default_workers_follows_the_cpus_this_process_may_use_not_the_machine():
    """Under a CPU set narrower than the machine (a batch scheduler, taskset) the fit must not oversubscribe it."""
    mine = os.sched_getaffinity(0)
    try:
        os.sched_setaffinity(0, {min(mine)})
        assert default_workers() == 1
    finally:
        os.sched_setaffinity(0, mine)
    assert default_workers() == len(mine)
