"""A sweep on dask workers sizes its batches for the workers' JAX backend, not the host's (a CPU login node
with GPU workers, or the reverse, chose batches for the wrong device)."""

import jax
import numpy as np
import pytest

import brainnet_cb as bn
from brainnet_cb.fitting import sweep as sweep_module
from brainnet_cb.simulation.batch_cost import choose_batch_size

distributed = pytest.importorskip("distributed")

CONN = bn.Connectome([[0, 1, 0.5], [1, 0, 1], [0.5, 1, 0]], np.full((3, 3), 20.0), name="tri")
GRID = {"G": np.linspace(0.2, 1.5, 70)}  # 70 runs on 2 workers: CPU batches of 24, GPU batches of 35
RUN = dict(duration=40.0, dt=0.1, monitors=[bn.TemporalAverage(2.0)], signal="r", band=None, discard=0.002,
           progress=False)


@pytest.fixture(scope="module")
def client():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            distributed.Client(cluster) as c:
        yield c


@pytest.mark.slow  # a cluster of two processes, 70 runs
def test_batches_follow_the_workers_backend(client, monkeypatch):
    assert client.run(lambda: __import__("jax").default_backend()) == {w: "cpu" for w in client.nthreads()}
    assert (choose_batch_size(70, 10**6, "cpu"), choose_batch_size(35, 35, "gpu")) == (24, 35)
    monkeypatch.setattr(sweep_module.jax, "default_backend", lambda: "gpu")  # the host: a GPU node
    res = bn.sweep(bn.CoombesByrne(), CONN, GRID, client=client, **RUN)
    assert (res.attrs["batch_size"], res.attrs["n_batches"]) == (24, 3)
    monkeypatch.setattr(sweep_module.jax, "default_backend", lambda: "cpu")
    here = bn.sweep(bn.CoombesByrne(), CONN, GRID, batch_size=24, **RUN)
    for name in ("fc_mean", "gs_var", "diverged"):  # the same batches, so the same numbers
        np.testing.assert_array_equal(res[name].values, here[name].values)
    assert np.unique(res.fc_mean.values).size == 70  # every run its own
    assert jax.default_backend() == "cpu"
