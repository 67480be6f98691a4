"""The dask workers' check before a sweep's first batch cannot hang: a worker that does not load the task in
WORKER_CHECK_TIMEOUT_S is named and the sweep refused (before, a summary whose unpickling hung on a worker, like an
import waiting on a lock, left bn.sweep waiting for ever in client.run)."""

import re
import time

import numpy as np
import pytest

import brainnet_cb as bn
from brainnet_cb.fitting import sweep as sweep_module

distributed = pytest.importorskip("distributed")

CONN = bn.Connectome([[0, 1, 0.5], [1, 0, 1], [0.5, 1, 0]], np.full((3, 3), 20.0), name="tri")


def _hang():
    time.sleep(30.0)  # on the worker only: the host pickles, never unpickles, the summary
    return SlowToLoad()


class SlowToLoad:
    """A summary whose unpickling does not finish on the workers."""

    def __reduce__(self):
        return _hang, ()

    def __call__(self, member):
        return 0.0


def test_a_worker_that_does_not_load_the_task_in_time_is_named_and_nothing_is_submitted(monkeypatch):
    monkeypatch.setattr(sweep_module, "WORKER_CHECK_TIMEOUT_S", 2.0)
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        (worker,) = client.nthreads()
        with pytest.raises(bn.SweepError, match="^" + re.escape(
                f"1 of 1 dask workers cannot load the sweep's task ({worker}: did not load it within 2 s (an import "
                "or a summary's unpickling that hangs?)).")):
            bn.sweep(bn.CoombesByrne(), CONN, {"G": [0.2, 0.9]}, duration=50.0, dt=0.1,
                     monitors=[bn.TemporalAverage(2.0)], signal="r", band=None, discard=0.02, progress=False,
                     summaries={"s": SlowToLoad()}, client=client)
        assert not client.processing()[worker]  # no batch was submitted
