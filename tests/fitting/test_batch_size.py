"""A sweep's batch size from memory and the measured cost of a batch (issue 13)."""

import jax
import numpy as np
import pytest

import brainnet_cb as bn
from brainnet_cb.fitting.batch_size import CPU_RELATIVE_COST, choose_batch_size, relative_cost


def test_on_a_cpu_a_sweep_runs_in_the_cheapest_measured_batch():
    assert relative_cost(1) == 1.0 and relative_cost(2) == CPU_RELATIVE_COST[2] > 1 > relative_cost(4)
    # linear in log2 B between the measured 2 and 4
    assert relative_cost(3) == pytest.approx(1.21 + (0.79 - 1.21) * (np.log2(3) - 1))
    assert [choose_batch_size(k, 10**6, "cpu") for k in (1, 2, 3, 4, 7, 8, 32, 64)] == [1, 1, 3, 4, 7, 8, 32, 32]
    assert choose_batch_size(33, 10**6, "cpu") == 17  # two batches of 17 (one padded run) beat 32 + 1
    assert choose_batch_size(64, 5, "cpu") == 5  # memory caps B at 5


def test_the_rule_picks_the_minimum_of_the_estimated_time():
    for k in range(1, 70):
        for cap in (1, 3, 8, 1000):
            b = choose_batch_size(k, cap, "cpu")
            cost = {m: -(-k // m) * m * relative_cost(m) for m in range(1, min(k, cap, 32) + 1)}
            assert cost[b] == min(cost.values()) and b == max(m for m, c in cost.items() if c == cost[b])


def test_on_an_accelerator_the_largest_batch_that_fits():
    assert relative_cost(64, "gpu") == pytest.approx(1 / 64)
    assert choose_batch_size(1024, 10**6, "gpu") == 1024
    assert choose_batch_size(1024, 300, "gpu") == 300


@pytest.mark.skipif(jax.default_backend() != "cpu", reason="the CPU's batch rule")
def test_a_sweep_of_four_on_the_cpu_is_one_batch_equal_to_simulate():
    conn = bn.Connectome([[0, 1, 0.5], [1, 0, 1], [0.2, 1, 0]], np.full((3, 3), 20.0))
    kw = dict(duration=50.0, dt=0.1, monitors=[bn.TemporalAverage(1.0)], noise=bn.Additive(v=0.1), key=2)
    G = [0.0, 0.3, 0.6, 0.9]
    res = bn.sweep(bn.CoombesByrne(), conn, {"G": G}, signal="r", band=None, keep=("r",), progress=False, **kw)
    assert res.attrs["batch_size"] == 4 and res.attrs["n_batches"] == 1
    for k, g in enumerate(G):
        one = bn.simulate(bn.CoombesByrne(), conn, coupling=bn.Linear(G=g), **kw)
        # the vectorised program, to rounding (measured: <= 1 ulp; XLA may contract the batched G's
        # multiply-adds differently); its members run one by one are bit for bit (test_batch_one_by_one)
        np.testing.assert_allclose(res.raw_r.values[k], one.r.values, rtol=1e-14, atol=0)
