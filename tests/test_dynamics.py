"""Working-point analysis: fixed points, Jacobian, spectrum and the critical coupling (science checks)."""

import math

import jax.numpy as jnp
import numpy as np
import pytest

import brainnet_cb as bn
from brainnet_cb.dynamics import (
    critical_coupling,
    delayed_leading_eigenvalue,
    network_fixed_point,
    network_fixed_points,
    network_jacobian,
    network_spectrum,
    relative_coupling,
)
from brainnet_cb.dynamics.system import build_network, full_jacobian, network_rhs

BISTABLE = dict(Delta=0.7, eta=-4.6, v_syn=5.0)
DOWN = {"r": 0.06, "v": -1.8}


def pair(w=1.0):
    return bn.Connectome(weights=[[0, w], [w, 0]], lengths=[[0, 30], [30, 0]], labels=["a", "b"])


def test_single_node_fixed_point_equals_golden(golden):
    conn = bn.Connectome(weights=[[0.0]], lengths=[[0.0]], labels=["x"])
    (fp,) = network_fixed_points(bn.CoombesByrne(), conn, bn.Linear(G=0.0), normalize="none")
    g = golden["fixed_point_vext0"]
    assert fp.values.dtype == np.float64
    assert abs(fp.values[0, 0] - g["r"]) < 1e-9
    assert abs(fp.values[1, 0] - g["v"]) < 1e-9
    assert fp.stable and fp.residual < 1e-12


def test_single_node_eigenvalues_equal_golden():
    conn = bn.Connectome(weights=[[0.0]], lengths=[[0.0]], labels=["x"])
    ev = network_spectrum(bn.CoombesByrne(), conn, bn.Linear(G=0.0), normalize="none").values
    np.testing.assert_allclose(sorted(ev, key=lambda z: z.imag), [-2.01331656 - 2.28962692j, -2.01331656 + 2.28962692j],
                               atol=1e-8)


def test_uncoupled_network_is_each_node_alone():
    eta = np.array([2.0, 0.5, -1.0, -2.0, 3.0])
    conn = bn.Connectome(weights=np.ones((5, 5)) - np.eye(5), lengths=np.full((5, 5), 10.0) - 10 * np.eye(5))
    fp = network_fixed_point(bn.CoombesByrne(eta=eta), conn, bn.Linear(G=0.0))
    for i, e in enumerate(eta):
        r, v = bn.CoombesByrne(eta=float(e)).fixed_point()
        assert abs(fp.values[0, i] - r) < 1e-10 and abs(fp.values[1, i] - v) < 1e-10


@pytest.mark.parametrize("G", [0.3, 1.5])
def test_two_node_symmetric_fixed_point_obeys_the_quartic(G):
    Delta, eta, k, v_syn = 1.0, 2.0, 1.0, -4.0
    fp = network_fixed_point(bn.CoombesByrne(), pair(), bn.Linear(G=G))
    r, v = fp.values[:, 0]
    assert np.allclose(fp.values[:, 0], fp.values[:, 1], atol=1e-12)
    v_ext = G * 1.0 * r  # W / max W = [[0, 1], [1, 0]]
    pi = math.pi
    quartic = pi**4 * (k**2 + 4) * r**4 - 4 * k * pi**3 * v_syn * r**3 - 4 * pi**2 * (eta + v_ext) * r**2 - Delta**2
    assert abs(quartic) < 1e-9
    assert abs(v - (k * pi * r / 2 - Delta / (2 * pi * r))) < 1e-10


@pytest.mark.parametrize("coupling", [bn.Linear(G=0.7), bn.Diffusive(G=0.4), bn.Conductance(G=0.3)])
def test_network_jacobian_matches_finite_differences(coupling):
    rng = np.random.default_rng(1)
    n = 5
    w = rng.uniform(0, 1, (n, n)) * (rng.uniform(size=(n, n)) < 0.7)
    np.fill_diagonal(w, 0)
    conn = bn.Connectome(weights=w, lengths=np.where(w > 0, 20.0, 0.0))
    model = bn.CoombesByrne(eta=rng.uniform(-3, 2, n), v_syn=-2.0)
    x = np.stack([rng.uniform(0.05, 0.5, n), rng.uniform(-1, 1, n)])
    J = network_jacobian(model, conn, coupling, at=x)
    net = build_network(model, conn, coupling)
    f = lambda y: np.asarray(network_rhs(jnp.asarray(y.reshape(2, n)), net.arrays, net.port)).ravel()  # noqa: E731
    eps = 1e-6
    fd = np.stack([(f(x.ravel() + eps * e) - f(x.ravel() - eps * e)) / (2 * eps) for e in np.eye(2 * n)], axis=1)
    np.testing.assert_allclose(J.values, fd, atol=1e-7)
    np.testing.assert_allclose(J.values, np.asarray(full_jacobian(jnp.asarray(x), net.arrays, net.port)), atol=1e-12)
    assert J.dims == ("row", "col") and list(J.state_row.values[:n]) == ["r"] * n


def test_multistability_detected_in_the_bistable_regime():
    fps = network_fixed_points(bn.CoombesByrne(**BISTABLE), pair(), bn.Linear(G=0.3), n_random=6, key=1)
    stable = [p for p in fps if p.stable]
    assert len(stable) >= 2
    means = sorted(p.values[0].mean() for p in stable)
    assert means[0] < 0.1 and means[-1] > 0.5  # a down and an up state
    assert any(not p.stable for p in fps)  # the saddles between them
    for p in fps:
        assert p.residual < 1e-8 and np.all(p.values[0] >= 0)


def test_monostable_regime_has_one_fixed_point(golden):
    conn = bn.load_atlas("tvb76")
    fps = network_fixed_points(bn.CoombesByrne(), conn, bn.Linear(G=1.0), n_random=4)
    assert len(fps) == 1 and fps[0].stable
    # each region sits on the node's analytic fixed point for its own input v_ext = G (W / max W) r* (r_ext = 0):
    # v* = k pi r / 2 - Delta / (2 pi r) and pi^4 (k^2 + 4) r^4 - 4 k pi^3 v_syn r^3 - 4 pi^2 (eta + v_ext) r^2
    # - Delta^2 = 0 (defaults Delta = 1, eta = 2, k = 1, v_syn = -4)
    r, v = fps[0].values
    v_ext = 1.0 * (conn.weights / conn.weights.max()) @ r
    quartic = 5 * np.pi**4 * r**4 + 16 * np.pi**3 * r**3 - 4 * np.pi**2 * (2.0 + v_ext) * r**2 - 1.0
    np.testing.assert_allclose(quartic, 0.0, rtol=0, atol=1e-10)
    np.testing.assert_allclose(v, np.pi * r / 2 - 1 / (2 * np.pi * r), rtol=0, atol=1e-12)
    unreached = np.flatnonzero(conn.weights.sum(axis=1) == 0)  # no input: the lone node's golden point
    np.testing.assert_allclose(r[unreached], golden["fixed_point_vext0"]["r"], rtol=0, atol=1e-9)


def test_fixed_point_record_is_labelled_and_restartable():
    conn = bn.load_atlas("tvb76")
    fp = network_fixed_point(bn.CoombesByrne(eta=-2.0), conn, bn.Linear(G=1.0))
    da = fp.state
    assert da.dims == ("state", "region") and list(da.region.values) == list(conn.labels)
    init = fp.as_initial_state()
    again = network_fixed_point(bn.CoombesByrne(eta=-2.0), conn, bn.Linear(G=1.0), start=init)
    np.testing.assert_allclose(again.values, fp.values, atol=1e-12)
    assert "stable" in repr(fp)


@pytest.fixture(scope="module")
def bistable_tvb_critical():
    conn = bn.load_atlas("tvb76")
    return conn, critical_coupling(bn.CoombesByrne(**BISTABLE), conn, start=DOWN, G_max=3.0)


def test_critical_coupling_down_state_saddle_node(bistable_tvb_critical):
    conn, cc = bistable_tvb_critical
    assert cc.kind == "saddle-node" and math.isnan(cc.frequency)
    assert 1.0 < cc.G_c < 1.3  # science.md: the TVB-76 down state loses stability near G = 1.1
    assert abs(cc.eigenvalue.real) < 1e-6 and cc.eigenvalue.imag == 0
    # the leading eigenvalue crosses 0 at G_c: just below, the down state is stable and slow
    below = network_fixed_point(bn.CoombesByrne(**BISTABLE), conn, bn.Linear(G=0.999 * cc.G_c), start=cc.fixed_point)
    assert below.stable and -0.2 < below.max_real < 0 and below.values[0].mean() < 0.1
    # just above, the down branch is gone: from there Newton/relaxation lands in an up state
    above = network_fixed_point(bn.CoombesByrne(**BISTABLE), conn, bn.Linear(G=1.001 * cc.G_c), start=cc.fixed_point)
    assert above.values[0].mean() > 0.5
    # the branch record is monotone in G up to the fold and ends at G_c
    assert cc.branch.G.values[-2] <= cc.G_c + 1e-6
    assert cc.relative(cc.G_c) == pytest.approx(1.0) and cc.coupling_at(0.9) == pytest.approx(0.9 * cc.G_c)
    assert relative_coupling(2 * cc.G_c, cc) == pytest.approx(2.0)


def test_simulation_stays_below_and_leaves_above_critical_coupling(bistable_tvb_critical):
    conn, cc = bistable_tvb_critical
    model = bn.CoombesByrne(**BISTABLE)
    start = cc.fixed_point.as_initial_state()
    start["r"] = start["r"] + 0.002  # a small kick off the last stable down state
    out = {}
    for frac in (0.95, 1.05):
        ds = bn.simulate(model, conn, 400.0, 0.01, coupling=bn.Linear(G=frac * cc.G_c), initial_state=start,
                         speed=3.0, monitors=[bn.TemporalAverage(10.0)])
        out[frac] = np.asarray(ds.r.values)
    rest = network_fixed_point(model, conn, bn.Linear(G=0.95 * cc.G_c), start=cc.fixed_point)
    assert np.abs(out[0.95][-1] - rest.values[0]).max() < 1e-3  # relaxes back to its fixed point
    assert out[0.95].mean(axis=1).max() < 0.1  # and never leaves the down state
    assert out[1.05][-1].mean() > 0.5  # the down state is gone: the network jumps up


def test_delays_do_not_move_a_real_crossing(bistable_tvb_critical):
    conn, cc = bistable_tvb_critical
    lam = delayed_leading_eigenvalue(bn.CoombesByrne(**BISTABLE), conn, bn.Linear(G=cc.G_c), speed=3.0,
                                     at=cc.fixed_point)
    assert abs(lam) < 1e-6  # lambda = 0 solves the delayed equation too (e^0 = 1)


def test_delayed_eigenvalue_tends_to_the_delay_free_one_at_high_speed():
    conn = pair()
    model, coupling = bn.CoombesByrne(), bn.Linear(G=0.8)
    ev = np.asarray(network_spectrum(model, conn, coupling).values)
    # The pair's two complex modes share their real part (to the last bits, which order them differently under
    # other NumPy/LAPACK builds): the delayed root is either of them, and as far right as the leading one.
    lam = delayed_leading_eigenvalue(model, conn, coupling, speed=1e6)
    assert np.min(np.abs(lam - ev)) < 1e-4 and abs(lam.real - ev[0].real) < 1e-4
    slow = delayed_leading_eigenvalue(model, conn, coupling, speed=3.0, dt=0.1)
    assert np.min(np.abs(slow - ev)) > 1e-3  # a complex mode moves with 10 ms delays


def test_no_instability_in_the_default_regime():
    cc = critical_coupling(bn.CoombesByrne(), pair(), G_max=5.0)
    assert cc.kind == "none" and cc.G_c == math.inf
    assert cc.G_reached >= 5.0 and cc.G_ref == cc.G_slowest
