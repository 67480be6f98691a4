"""A batch's default chunk holds the outputs of all its members under the chunk cap, not each member's."""

import dataclasses

import numpy as np
import pytest

import brainnet_cb as bn
from brainnet_cb.simulation import run as run_module


def network(n=6, seed=0):
    rng = np.random.default_rng(seed)
    w = rng.uniform(0, 1, (n, n))
    np.fill_diagonal(w, 0)
    return bn.Connectome(weights=w, lengths=np.where(w > 0, rng.uniform(20, 60, (n, n)), 0.0))


NET = network()
CB = bn.CoombesByrne(eta=-4.6)


def chunk_bytes(run, piece):
    """Bytes of the samples of one piece, every member of a batch counted."""
    members = run.batch_size if run.batched else 1
    itemsize = np.dtype(run.dyn.table.weights.dtype).itemsize
    return members * itemsize * sum(s * int(np.prod(m.sample_shape(run.model, 6)))
                                    for s, m in zip(run.samples_per_piece(piece), run.monitors))


def test_a_batch_of_16_gets_chunks_a_sixteenth_as_long_under_the_64_mib_cap():
    """tvb76-sized outputs: r and v of 76 regions every 1 ms at dt = 0.1 ms (60.8 bytes a step in float32).

    A single 600-s run is cut at MAX_CHUNK_STEPS (200,000 steps: 11.6 MiB of outputs); a batch of 16 at
    62,500 steps (16 x 6,250 samples x 2 x 76 x 4 bytes = 60.8 MB < 64 MiB). Before, every batch got the single
    run's chunks, 16 x 11.6 MiB here (and B x 64 MiB for longer monitor periods).
    """
    conn = bn.load_atlas("tvb76")
    run = bn.Simulation(CB, conn, duration=600_000.0, dtype="float32").prepare()
    assert run.schedule()[0] == (20_000, 0)  # blocks of one 10-step period
    batch = dataclasses.replace(run, axes=(), batch_size=16)
    pieces = batch.schedule()
    assert pieces[0] == (6_250, 0) and len(pieces) == 96
    itemsize = 4
    assert 16 * 6_250 * 2 * 76 * itemsize == 60_800_000 <= run_module.CHUNK_OUTPUT_BYTES


@pytest.mark.parametrize("vectorize", [True, False])
def test_a_batch_chunked_by_its_members_outputs_equals_one_chunk_bit_for_bit(monkeypatch, vectorize):
    # 6 regions x (r, v) x 8 bytes every 10 steps: 9.6 bytes a step per member; the cap fits 100 steps of 3 members
    monkeypatch.setattr(run_module, "CHUNK_OUTPUT_BYTES", 2_880)
    kw = dict(duration=50.0, dt=0.1, coupling=bn.Linear(G=0.5), noise=bn.Additive(v=0.05), key=3,
              dtype="float64", batch={"G": [0.2, 0.4, 0.6]}, vectorize=vectorize)
    spec = bn.Simulation(CB, NET, duration=50.0, dt=0.1, coupling=bn.Linear(G=0.5), dtype="float64")
    single = spec.prepare()
    assert len(single.schedule()) == 2  # 300 steps fit: two chunks of 250, a divisor of the 500 steps
    batched = dataclasses.replace(single, axes=(), batch_size=3)
    assert batched.schedule() == ((10, 0),) * 5  # 100 steps of 3 members
    assert all(chunk_bytes(batched, p) <= run_module.CHUNK_OUTPUT_BYTES for p in batched.schedule())
    chunked = bn.simulate_batch(CB, NET, **kw)
    whole = bn.simulate_batch(CB, NET, chunk_steps=500, **kw)
    assert chunked.r.dtype == np.float64
    np.testing.assert_array_equal(chunked.r.values, whole.r.values)
    np.testing.assert_array_equal(chunked.v.values, whole.v.values)
