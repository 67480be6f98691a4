"""A sweep's batch size from memory and the measured cost of a batch (issue 13)."""

import jax
import numpy as np
import pytest

import brainnet_cb as bn
from brainnet_cb.fitting.batch_size import CPU_RELATIVE_COST, choose_batch_size, relative_cost


def test_on_a_cpu_small_sweeps_run_singly_and_large_ones_in_the_cheapest_measured_batch():
    assert relative_cost(1) == 1.0 and relative_cost(4) == CPU_RELATIVE_COST[4] > 1
    assert [choose_batch_size(k, 10**6, "cpu") for k in (1, 4, 7, 8, 32, 64)] == [1, 1, 1, 8, 32, 32]
    assert choose_batch_size(33, 10**6, "cpu") == 17  # two batches of 17 (one padded run) beat 32 + 1
    assert choose_batch_size(64, 5, "cpu") == 1  # memory caps B at 5, where batches cost more than runs


def test_on_an_accelerator_the_largest_batch_that_fits():
    assert relative_cost(64, "gpu") == pytest.approx(1 / 64)
    assert choose_batch_size(1024, 10**6, "gpu") == 1024
    assert choose_batch_size(1024, 300, "gpu") == 300


@pytest.mark.skipif(jax.default_backend() != "cpu", reason="the CPU's batch rule")
def test_a_sweep_of_four_on_the_cpu_runs_four_single_runs_equal_to_simulate():
    conn = bn.Connectome([[0, 1, 0.5], [1, 0, 1], [0.2, 1, 0]], np.full((3, 3), 20.0))
    kw = dict(duration=50.0, dt=0.1, monitors=[bn.TemporalAverage(1.0)], noise=bn.Additive(v=0.1), key=2)
    G = [0.0, 0.3, 0.6, 0.9]
    res = bn.sweep(bn.CoombesByrne(), conn, {"G": G}, signal="r", band=None, keep=("r",), progress=False, **kw)
    assert res.attrs["batch_size"] == 1 and res.attrs["n_batches"] == 4
    for k, g in enumerate(G):
        one = bn.simulate(bn.CoombesByrne(), conn, coupling=bn.Linear(G=g), **kw)
        np.testing.assert_array_equal(res.raw_r.values[k], one.r.values)
