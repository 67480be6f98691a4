"""The slow-limit FC of the linear scan from the Jacobian's structure (rows of J^-1 from one n x n LU).

``scan_network`` passes each point's network to ``slow_limit_fc``; from
``STRUCTURED_MIN_REGIONS`` regions the rows of ``J^-1`` then come from
``structured_inverse_rows`` instead of the dense inverse of the assembled
``n_s n`` Jacobian. The FC must be the dense one to round-off.
"""

import numpy as np

import brainnet_cb as bn
from brainnet_cb.coupling import Linear
from brainnet_cb.data.empirical_data import load_empirical
from brainnet_cb.dynamics.fixed_points import fixed_point_of
from brainnet_cb.dynamics.structured import STRUCTURED_MIN_REGIONS
from brainnet_cb.dynamics.system import build_network
from brainnet_cb.fitting.working_point_scan import LazyScanPoint, inverse_rows, scan_branch, slow_limit_fc


def _points(model, conn, fractions):
    G_ref, kind, walk = scan_branch(model, conn, "max", np.asarray(fractions), coarse=12)
    net = build_network(model, conn, Linear(), normalize="max")
    return [(fp, net.with_strength(G)) for G, fp in walk if fp is not None]


def _sigma(n_states, n, port_row):
    sigma = np.zeros((n_states, n))
    sigma[port_row] = 0.02 * (1.0 + 0.5 * np.sin(np.arange(n)))  # regional amplitudes: every column of B counts
    return sigma


def test_structured_slow_limit_fc_is_the_dense_one_on_hcp80():
    conn = load_empirical("hcp80").connectome
    model = bn.CoombesByrne(eta=-2.0)
    points = _points(model, conn, [0.4, 0.98])
    assert len(points) == 2 and conn.n_regions >= STRUCTURED_MIN_REGIONS
    sigma = _sigma(2, conn.n_regions, 1)
    for fp, net in points:
        n = conn.n_regions
        B_dense = np.linalg.inv(fp.jacobian)[:n]
        B = inverse_rows(net, fp.values, 0)
        assert np.max(np.abs(B - B_dense)) <= 1e-12 * np.max(np.abs(B_dense))
        for gsr in (False, True):
            dense = slow_limit_fc(fp, sigma, 0, gsr)
            fc = slow_limit_fc(fp, sigma, 0, gsr, net)
            assert np.max(np.abs(fc - dense)) < 1e-12
        fc = slow_limit_fc(fp, sigma, 0, network=net)
        assert 0.001 < np.mean(fc[~np.eye(n, dtype=bool)]) < 0.99  # coupled regions: correlated, not identical


def test_structured_rows_of_a_four_state_model_and_the_dense_path_below_the_threshold():
    conn = bn.load_atlas("tvb76")
    model = bn.CoombesByrne4D(eta=3.0, Delta=0.5, alpha=0.95, v_syn=-10.0, k=1.0)
    net = build_network(model, conn, Linear(), normalize="max").with_strength(0.1)
    fp = fixed_point_of(net)
    assert fp.stable
    sigma = _sigma(4, conn.n_regions, model.state_index("v"))
    r = model.state_index("r")
    assert np.max(np.abs(slow_limit_fc(fp, sigma, r, network=net) - slow_limit_fc(fp, sigma, r))) < 1e-12
    small = conn.subset(list(conn.labels[:STRUCTURED_MIN_REGIONS - 8]))
    net = build_network(model, small, Linear(), normalize="max").with_strength(0.5)
    fp = fixed_point_of(net)
    sigma = _sigma(4, small.n_regions, model.state_index("v"))
    # fewer regions than the structured solves start at: the dense inverse, bit for bit
    assert np.array_equal(slow_limit_fc(fp, sigma, r, network=net), slow_limit_fc(fp, sigma, r))


def test_a_scanned_point_rebuilds_its_fixed_point_and_fc_bit_for_bit():
    """The scan keeps only the state of each point; what a candidate reads later is what the walk computed."""
    conn = load_empirical("hcp80").connectome
    model = bn.CoombesByrne(eta=-2.0)
    (fp, net), = _points(model, conn, [0.9])
    G = float(net.arrays.coupling.G[0])
    sigma = _sigma(2, conn.n_regions, 1)
    fc = slow_limit_fc(fp, sigma, 0, network=net)
    point = LazyScanPoint(model, G, fp, fc, net, (sigma, 0, False))
    assert "fixed_point" not in point.__dict__ and "fc" not in point.__dict__  # 80 regions: dropped
    m, G_point, rebuilt, fc_again = point
    assert m is model and G_point == G > 0
    assert np.array_equal(rebuilt.jacobian, fp.jacobian) and np.array_equal(rebuilt.values, fp.values)
    assert rebuilt.residual == fp.residual and np.array_equal(rebuilt.eigenvalues, fp.eigenvalues)
    assert fp.max_real < 0 and np.array_equal(fc_again, fc)
    small = conn.subset(list(conn.labels[:STRUCTURED_MIN_REGIONS - 8]))
    (fp, net), = _points(model, small, [0.9])
    kept = LazyScanPoint(model, G, fp, "fc", net, (sigma[:, :small.n_regions], 0, False))
    assert kept.fixed_point is fp and kept.fc == "fc"  # below the structured path: kept as given
