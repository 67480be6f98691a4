"""The batch path of issue 13: members equal single runs bit for bit with noise and BOLD,
a batch of one is the single run, the outputs are labelled as before."""

import brainunit as u
import numpy as np
import pytest
import xarray as xr

import brainnet_cb as bn
from brainnet_cb.simulation import engine


@pytest.fixture(scope="module")
def conn():
    rng = np.random.default_rng(21)
    n = 5
    w = rng.random((n, n)) * (rng.random((n, n)) < 0.7)
    np.fill_diagonal(w, 0.0)
    return bn.Connectome(w, rng.uniform(5, 40, (n, n)), name="rand5")


# BOLD every 50 ms from sub-steps of 1 ms (a counter in the monitor state), the first
# TR discarded, resting level after 20 ms; TemporalAverage every 1 ms; noise drawn in blocks of 10 steps.
KW = dict(duration=300.0, dt=0.1, noise=bn.Additive(v=0.2, r=0.005),
          monitors=[bn.TemporalAverage(1.0), bn.Bold(tr=50.0 * u.ms, dt_bold=1.0, discard=50.0, rest_after=20.0)])


def _single(conn, G, seed):
    return bn.simulate(bn.CoombesByrne(eta=-1.0), conn, coupling=bn.Linear(G=G), key=seed, **KW)


@pytest.mark.parametrize("vectorize", [True, False])
def test_members_with_noise_and_bold_equal_single_runs_bit_for_bit(conn, vectorize):
    gs, seeds = [0.2, 0.9, 0.5], [4, 4, 9]
    ds = bn.simulate_batch(bn.CoombesByrne(eta=-1.0), conn, batch={"G": gs, "seed": seeds}, vectorize=vectorize, **KW)
    assert ds.bold.dims == ("batch", "time_bold", "region") and ds.sizes["time_bold"] == 5
    for b in range(3):
        one = _single(conn, gs[b], seeds[b])
        for name in ("r", "v", "bold"):
            np.testing.assert_array_equal(ds[name].values[b], one[name].values)
    assert not np.array_equal(ds.bold.values[0], ds.bold.values[1])  # G differs, same noise


@pytest.mark.parametrize("vectorize", [True, False, "auto"])
def test_a_batch_of_one_is_the_single_run(conn, vectorize):
    ds = bn.simulate_batch(bn.CoombesByrne(eta=-1.0), conn, coupling=bn.Linear(), batch={"G": [0.7]},
                           key=3, vectorize=vectorize, **KW)
    one = _single(conn, 0.7, 3)
    for name in one.data_vars:
        xr.testing.assert_identical(ds[name].isel(batch=0).drop_vars("G"), one[name])


def test_the_batch_shares_the_step_counter_and_the_monitors_integer_counters(conn):
    run = bn.prepare(bn.CoombesByrne(), conn, **KW)
    axes = engine.carry_axes(run.carry)
    assert axes.step is None and axes.x == 0 and axes.hist == 0 and axes.bad_step == 0
    average, bold = axes.monitors
    assert average == 0
    assert bold["count"] is None and bold["nsub"] is None and bold["acc"] == 0 and bold["bmean"] == 0
