"""Edge layouts of the delayed read: padded per target vs a flat edge list (issue 8)."""

import jax.numpy as jnp
import numpy as np
import pytest

import brainnet_cb as bn
from brainnet_cb.delays import DelayTable, EdgeTable, build_delay_table, choose_layout, compute_lags, read_delayed


def synthetic(n, density, hubs=0, seed=0):
    """Random ``weights[target, source]`` of the given density; tract lengths from random centres.

    ``hubs`` targets receive from every source (very unequal in-degrees).
    """
    rng = np.random.default_rng(seed)
    w = rng.random((n, n)) * (rng.random((n, n)) < density)
    w[:hubs] = rng.random((hubs, n)) * density  # every source, at weights giving an ordinary row sum
    np.fill_diagonal(w, 0.0)
    centres = rng.uniform(-70, 70, (n, 3))  # mm: a brain-sized box
    lengths = np.linalg.norm(centres[:, None] - centres[None], axis=-1) * 1.2  # tracts ~20 % longer than straight
    return bn.Connectome(w, lengths, name=f"synthetic{n}")


def dense_read(w, lags, hist, step):
    """The definition: ``sum_j W[i, j] r_j(step - lag_ij)`` with a dense loop over sources."""
    L, n = hist.shape
    rows = (step - lags) % L
    return np.sum(w * hist[rows, np.arange(n)[None, :]], axis=1)


@pytest.mark.parametrize("name", bn.list_atlases())
def test_both_layouts_equal_the_dense_definition_on_the_bundled_atlases(name):
    conn = bn.load_atlas(name).normalized("max")
    lags = compute_lags(conn.lengths, 3.0, 0.1)
    padded, max_lag = build_delay_table(conn.weights, lags, jnp.float64, "padded")
    segment, max_lag2 = build_delay_table(conn.weights, lags, jnp.float64, "segment")
    assert isinstance(padded, DelayTable) and isinstance(segment, EdgeTable) and max_lag == max_lag2
    assert segment.offsets.shape == (conn.n_edges,)
    hist = np.random.default_rng(1).random((max_lag + 1, conn.n_regions))
    for step in (0, 7, max_lag, 3 * max_lag + 5):
        want = dense_read(conn.weights, lags, hist, step)
        for table in (padded, segment):
            np.testing.assert_allclose(read_delayed(jnp.asarray(hist), step, table), want, rtol=1e-13, atol=1e-14)


def test_auto_takes_the_edge_list_when_padding_more_than_doubles_the_work():
    balanced = synthetic(300, 0.05)
    hubby = synthetic(300, 0.05, hubs=3)
    assert choose_layout(balanced.weights) == "padded"
    assert choose_layout(hubby.weights) == "segment"
    assert choose_layout(hubby.weights, "padded") == "padded"
    assert choose_layout(bn.load_atlas("tvb76").weights) == "padded"
    assert choose_layout(bn.load_atlas("tvb192").weights) == "segment"
    with pytest.raises(bn.SimulationError, match=r"edges must be one of \('auto', 'padded', 'segment'\).*'dense'"):
        bn.simulate(bn.CoombesByrne(), balanced, 1.0, edges="dense")


def _run(conn, edges, **kw):
    return bn.simulate(bn.CoombesByrne(), conn, kw.pop("duration", 20.0), 0.1, coupling=bn.Linear(G=0.5),
                       noise=bn.Additive(v=0.05), monitors=[bn.SubSample(1.0, variables=("r", "coupling"))],
                       edges=edges, **kw)


def test_synthetic_2000_regions_2_percent_dense_same_result_on_both_paths():
    conn = synthetic(2000, 0.02)
    assert 75_000 < conn.n_edges < 85_000
    padded = _run(conn, "padded", duration=10.0)
    segment = _run(conn, "segment", duration=10.0)
    assert padded.attrs["edges"] == "padded" and segment.attrs["edges"] == "segment"
    assert padded.attrs["max_lag_steps"] > 500  # realistic delays: tracts up to ~25 cm at 3 m/s
    assert np.abs(padded.coupling).max() > 0.1
    np.testing.assert_allclose(segment.coupling, padded.coupling, rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(segment.r, padded.r, rtol=1e-12, atol=1e-13)


def test_a_hub_graph_runs_on_the_edge_list_with_the_padded_result():
    conn = synthetic(400, 0.02, hubs=4)
    auto = _run(conn, "auto")
    padded = _run(conn, "padded")
    assert auto.attrs["edges"] == "segment"
    np.testing.assert_allclose(auto.coupling, padded.coupling, rtol=1e-12, atol=1e-13)


@pytest.mark.parametrize("vectorize", [True, False])
def test_batched_speeds_on_the_edge_list_equal_single_runs(vectorize):
    conn = synthetic(60, 0.1, hubs=2)
    ds = bn.simulate_batch(bn.CoombesByrne(), conn, 20.0, batch={"speed": [2.0, 6.0]}, edges="segment",
                           coupling=bn.Linear(G=0.5), vectorize=vectorize)
    for b, s in enumerate([2.0, 6.0]):
        one = bn.simulate(bn.CoombesByrne(), conn, 20.0, speed=s, edges="segment", coupling=bn.Linear(G=0.5))
        np.testing.assert_array_equal(ds.r.isel(batch=b).values, one.r.values)
