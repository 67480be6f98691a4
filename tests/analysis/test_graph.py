"""Graph metrics come from networkx and keep the [target, source] orientation."""

import networkx as nx
import numpy as np
import pytest

import brainnet_cb as bn


def chain():
    # 0 -> 1 (w 2, 10 mm), 1 -> 2 (w 4, 20 mm), 0 -> 2 (w 1, 50 mm); weights[target, source]
    w = np.zeros((3, 3))
    L = np.zeros((3, 3))
    w[1, 0], L[1, 0] = 2.0, 10.0
    w[2, 1], L[2, 1] = 4.0, 20.0
    w[2, 0], L[2, 0] = 1.0, 50.0
    return bn.Connectome(w, L, ["a", "b", "c"], name="chain")


def test_strength_and_degree_follow_orientation():
    m = bn.graph_metrics(chain())
    np.testing.assert_array_equal(m.in_strength, [0, 2, 5])    # row sums
    np.testing.assert_array_equal(m.out_strength, [3, 4, 0])   # column sums
    np.testing.assert_array_equal(m.in_degree, [0, 1, 2])
    np.testing.assert_array_equal(m.out_degree, [2, 1, 0])
    assert m.in_strength.attrs["units"] == "weights" and list(m.region.values) == ["a", "b", "c"]



def test_a_self_connection_is_no_edge_for_degree_strength_or_clustering():
    # The module doc's sums run over j != i; references: the off-diagonal sums and counts, and the metrics
    # of the same connectome without its diagonal.
    rng = np.random.default_rng(4)
    w = rng.random((6, 6)) * (rng.random((6, 6)) < 0.5)
    np.fill_diagonal(w, 0.0)
    L = np.full((6, 6), 30.0)
    loops = w.copy()
    loops[[1, 3], [1, 3]] = [0.7, 5.0]            # 5.0: also the largest weight, which clustering divides by
    m, ref = bn.graph_metrics(bn.Connectome(loops, L)), bn.graph_metrics(bn.Connectome(w, L))
    # to rounding: the order of summation differs between NumPy builds
    np.testing.assert_allclose(m.in_strength, w.sum(1), rtol=1e-15, atol=0)
    np.testing.assert_allclose(m.out_strength, w.sum(0), rtol=1e-15, atol=0)
    np.testing.assert_array_equal(m.in_degree, (w > 0).sum(1))
    np.testing.assert_array_equal(m.out_degree, (w > 0).sum(0))
    np.testing.assert_allclose(m.clustering, ref.clustering, rtol=1e-12)

def test_clustering_is_networkx():
    conn = bn.load_atlas("tvb76")
    expected = nx.clustering(conn.to_networkx(), weight="weight")
    np.testing.assert_allclose(bn.graph_metrics(conn).clustering, [expected[k] for k in range(76)])


def test_shortest_paths_are_target_source():
    conn = chain()
    d = bn.shortest_path_lengths(conn)
    assert float(d.sel(target="c", source="a")) == 30.0   # a -> b -> c beats the 50 mm edge
    assert np.isinf(float(d.sel(target="a", source="c")))  # no way back
    assert d.attrs["units"] == "mm"
    hops = bn.shortest_path_lengths(conn, weight="hops")
    assert float(hops.sel(target="c", source="a")) == 1
    inv = bn.shortest_path_lengths(conn, weight="inverse_weight")
    assert float(inv.sel(target="c", source="a")) == 0.75  # 1/2 + 1/4 < 1/1
    with pytest.raises(bn.ConnectomeError, match=r"unknown path weight 'cost'; choose one of \('length', "
                       r"'inverse_weight', 'hops'\)"):
        bn.shortest_path_lengths(conn, weight="cost")
