"""``simulate_batch(vectorize=...)``: the members one by one through the single-run engine give
the vectorised batch's Dataset (dims, coords, attrs) with every member equal to its single run;
``"auto"`` takes the path the measured batch cost says is faster."""

import brainunit as u
import numpy as np
import pytest
import xarray as xr

import brainnet_cb as bn
from brainnet_cb.simulation import batch_cost, engine


@pytest.fixture(scope="module")
def conn():
    rng = np.random.default_rng(8)
    n = 4
    w = rng.random((n, n)) * (rng.random((n, n)) < 0.8)
    np.fill_diagonal(w, 0.0)
    return bn.Connectome(w, rng.uniform(5, 40, (n, n)), name="rand4")


# Two monitor levels (1 ms averages, BOLD every 40 ms from 1-ms sub-steps), noise, batched speed
# (one history buffer sized for the slowest member) and seeds; chunks of 200 steps (4 chunks + a tail).
KW = dict(duration=170.3, dt=0.1, noise=bn.Additive(v=0.2), chunk_steps=200,
          monitors=[bn.TemporalAverage(1.0), bn.Bold(tr=40.0 * u.ms, dt_bold=1.0, rest_after=10.0)])
BATCH = {"G": [0.2, 0.9, 0.5], "speed": [2.0, 6.0, 3.0], "seed": [4, 5, 9]}
_vmapped = engine.advance_batched


def test_one_by_one_is_the_vectorised_dataset_with_single_run_members(conn):
    fast = bn.simulate_batch(bn.CoombesByrne(eta=-1.0), conn, batch=BATCH, vectorize=False, **KW)
    vmapped = bn.simulate_batch(bn.CoombesByrne(eta=-1.0), conn, batch=BATCH, vectorize=True, **KW)
    xr.testing.assert_identical(fast, vmapped)  # same dims, coords, attrs and (on this network) values
    assert fast.attrs["speed"] == "batch" and fast.sizes["time_bold"] == 4
    for b in range(3):
        one = bn.simulate(bn.CoombesByrne(eta=-1.0), conn, coupling=bn.Linear(G=BATCH["G"][b]),
                          speed=BATCH["speed"][b], key=BATCH["seed"][b], **KW)
        for name in ("r", "v", "bold"):
            np.testing.assert_array_equal(fast[name].values[b], one[name].values)


def test_auto_follows_the_measured_cost(conn, monkeypatch):
    kw = dict(KW, duration=20.0, monitors=[bn.TemporalAverage(1.0)])
    calls = []
    monkeypatch.setattr(engine, "advance_batched", lambda *a, **k: calls.append("vmap") or _vmapped(*a, **k))
    bn.simulate_batch(bn.CoombesByrne(), conn, batch={"G": [0.5, 0.7]}, **kw)
    assert calls == []  # 2 members on a CPU: one by one (rho(2) = 1.21)
    bn.simulate_batch(bn.CoombesByrne(), conn, batch={"G": np.linspace(0, 1, 3)}, **kw)
    assert calls == ["vmap"]  # 3 members: one vectorised program (rho(3) = 0.96 < 1 on a CPU)
    monkeypatch.setitem(batch_cost.CPU_RELATIVE_COST, 4, 1.3)
    bn.simulate_batch(bn.CoombesByrne(), conn, batch={"G": np.linspace(0, 1, 3)}, **kw)
    assert calls == ["vmap"]  # where batches are measured dearer (rho(3) = 1.25): one by one


def test_the_auto_rule_is_the_sweeps_batch_size_rule():
    for size in range(1, 40):
        assert batch_cost.run_one_by_one(size, "cpu") == (batch_cost.choose_batch_size(size, size, "cpu") == 1)
    assert batch_cost.run_one_by_one(1, "cpu") and not batch_cost.run_one_by_one(32, "cpu")
    assert batch_cost.run_one_by_one(1, "gpu") and not batch_cost.run_one_by_one(2, "gpu")


def test_a_bad_vectorize_is_refused_before_anything_runs(conn):
    with pytest.raises(bn.SimulationError, match=r"vectorize must be True .* or 'auto'.*got 'yes'"):
        bn.simulate_batch(bn.CoombesByrne(), conn, batch={"G": [0.1]}, vectorize="yes", **KW)
    with pytest.raises(bn.SimulationError, match=r"^vectorize must be True \(one vmapped program\), False \(the "
                                                 r"members one by one\) or 'auto' \(the faster on this backend\); "
                                                 r"got 1\.$"):
        bn.simulate_batch(bn.CoombesByrne(), conn, batch={"G": [0.1]}, vectorize=1, **KW)
