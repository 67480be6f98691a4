"""The count of growing modes of the delayed network (argument principle along the imaginary axis)."""

import jax.numpy as jnp
import numpy as np
import pytest

import brainnet_cb as bn
from brainnet_cb.dynamics import delayed_unstable_roots, network_fixed_point, network_jacobian
from brainnet_cb.dynamics.delay_stability import unstable_root_count
from brainnet_cb.dynamics.system import build_network, jacobian_parts
from brainnet_cb.errors import DynamicsError
from brainnet_cb.simulation.simulate import simulate

PAIR = bn.Connectome(weights=[[0, 1], [1, 0]], lengths=[[0, 30], [30, 0]])
LOW_DISPERSION = dict(Delta=0.1, eta=1.0)  # a lightly damped node: its ringing can grow through the delays


def _tvb(n=16):
    conn = bn.load_atlas("tvb76")
    return conn.subset(list(conn.labels[:n]))


@pytest.mark.parametrize("coupling", [bn.Linear(G=0.5), bn.Linear(G=5.0), bn.Linear(G=40.0),
                                      bn.Diffusive(G=3.0)])
@pytest.mark.parametrize("seed", [0, 1])
def test_without_delays_the_count_is_the_delay_free_spectrum(coupling, seed):
    """tau = 0: the count equals the unstable eigenvalues of the delay-free Jacobian, at any state."""
    conn = _tvb()
    rng = np.random.default_rng(seed)
    x = np.stack([rng.uniform(0.01, 2.0, 16), rng.normal(-1.0, 1.5, 16)])
    J = network_jacobian(bn.CoombesByrne(), conn, coupling, at=x).values
    expected = int(np.sum(np.linalg.eigvals(J).real > 0))
    flat = conn.replace(lengths=np.zeros((16, 16)))
    assert delayed_unstable_roots(bn.CoombesByrne(), flat, coupling, at=x) == expected


def _contour_count(parts, W, tau, R, n_side=200_000):
    """Roots of det T(lambda) in (0, R] x [-R, R], counted along the rectangle's boundary (an independent route:
    the full characteristic matrix, no transfer functions, no tail formula)."""
    L, P, a, b, D = (np.asarray(p) for p in parts)
    ns, _, n = L.shape
    eps = 1e-9
    sides = [np.linspace(eps - 1j * R, R - 1j * R, n_side), np.linspace(R - 1j * R, R + 1j * R, n_side),
             np.linspace(R + 1j * R, eps + 1j * R, n_side), np.linspace(eps + 1j * R, eps - 1j * R, n_side)]
    lam = np.concatenate(sides)
    coup = a[None, :, None] * W[None] * np.exp(-lam[:, None, None] * tau[None]) + np.diag(b)[None]
    blocks = (np.einsum("ij,abi->abij", np.eye(n), L)[None]
              + P[None, :, None, :, None] * coup[:, None, None, :, :] * D[None, None, :, None, :])
    T = lam[:, None, None] * np.eye(ns * n) - blocks.transpose(0, 1, 3, 2, 4).reshape(-1, ns * n, ns * n)
    sign, _ = np.linalg.slogdet(T)
    turns = np.sum(np.angle(sign[1:] / sign[:-1])) / (2 * np.pi)
    assert abs(turns - round(turns)) < 1e-6
    return int(round(turns))


@pytest.mark.parametrize("G, speed", [(4.0, 10.0), (8.0, 10.0), (8.0, 3.0), (16.0, 3.0)])
def test_count_agrees_with_the_argument_principle_on_a_rectangle(G, speed):
    model = bn.CoombesByrne(**LOW_DISPERSION)
    fp = network_fixed_point(model, PAIR, bn.Linear(G=G))
    network = build_network(model, PAIR, bn.Linear(G=G))
    parts = jacobian_parts(jnp.asarray(fp.values, jnp.float64), network.arrays, network.port)
    W, tau = np.asarray(network.arrays.weights), network.lengths / speed
    J = network_jacobian(model, PAIR, bn.Linear(G=G), at=fp).values
    radius = np.linalg.norm(J - np.diag(np.diag(J)), 2) + np.max(np.abs(np.diag(J))) + 1.0
    count = unstable_root_count(parts, W, tau)
    assert count == _contour_count(parts, W, tau, radius)
    assert count == delayed_unstable_roots(model, PAIR, bn.Linear(G=G), speed=speed, at=fp)


def test_delays_destabilise_a_delay_free_stable_point_and_more_so_when_longer():
    """G = 8: stable without delays; 4 growing modes at 10 mm/ms, more as the delays lengthen (roots cross in
    conjugate pairs)."""
    model = bn.CoombesByrne(**LOW_DISPERSION)
    fp = network_fixed_point(model, PAIR, bn.Linear(G=8.0))
    assert fp.stable
    counts = [delayed_unstable_roots(model, PAIR, bn.Linear(G=8.0), speed=s, at=fp) for s in (1e6, 10.0, 3.0, 1.0)]
    assert counts[0] == 0
    assert counts[1:] == sorted(counts[1:]) and counts[1] >= 2
    assert all(c % 2 == 0 for c in counts)


@pytest.mark.parametrize("G, grows", [(4.0, False), (8.0, True)])
def test_count_predicts_whether_a_kick_grows_in_the_simulation(G, grows):
    model = bn.CoombesByrne(**LOW_DISPERSION)
    fp = network_fixed_point(model, PAIR, bn.Linear(G=G))
    assert (delayed_unstable_roots(model, PAIR, bn.Linear(G=G), speed=10.0, dt=0.01, at=fp) > 0) == grows
    start = {s: v * 1.001 for s, v in fp.as_initial_state().items()}
    ds = simulate(model, PAIR, 400.0, 0.01, coupling=bn.Linear(G=G), initial_state=start, speed=10.0,
                  monitors=[bn.SubSample(0.05)], progress=False, dtype="float64")
    gap = np.max(np.abs(np.asarray(ds.r.values) - fp.values[0][None]), axis=1)
    tenth = len(gap) // 10
    first, last = gap[:tenth].max(), gap[-tenth:].max()
    assert (last > 3 * first) if grows else (last < 1e-6 * first)


def test_uncoupled_network_counts_each_node_alone():
    # the local block [[2v - 2k pi r, 2r], [-2 pi^2 r + k pi (v_syn - v), 2v - k pi r]]: trace 4v - 3 k pi r
    x = np.array([[0.1, 0.1], [0.5, -0.5]])  # the first node's block has trace > 0 and det > 0: two unstable
    local = network_jacobian(bn.CoombesByrne(), PAIR, bn.Linear(G=0.0), at=x).values
    expected = int(np.sum(np.linalg.eigvals(local).real > 0))
    assert expected == 2
    assert delayed_unstable_roots(bn.CoombesByrne(), PAIR, bn.Linear(G=0.0), at=x) == expected


def test_bad_speed_is_refused():
    with pytest.raises(DynamicsError, match=r"speed must be a finite conduction speed > 0 \(mm/ms = m/s\); got 0"):
        delayed_unstable_roots(bn.CoombesByrne(), PAIR, bn.Linear(G=1.0), speed=0)


def test_marginal_local_block_is_refused():
    v = 3 * np.pi * 0.1 / 4  # trace 4v - 3 k pi r = 0 with det > 0: eigenvalues on the imaginary axis
    x = np.array([[0.1, 0.1], [v, v]])
    with pytest.raises(DynamicsError, match=r"^a region's local dynamics has an eigenvalue on the imaginary axis at "
                                            r"this state; the delayed stability count needs hyperbolic local "
                                            r"blocks\.$"):
        delayed_unstable_roots(bn.CoombesByrne(), PAIR, bn.Linear(G=1.0), at=x)


def test_the_working_point_fit_refuses_a_point_with_growing_delayed_modes_before_any_run(monkeypatch):
    from brainnet_cb.fitting import working_point_simulation as stage

    model = bn.CoombesByrne(**LOW_DISPERSION)
    stable = network_fixed_point(model, PAIR, bn.Linear(G=4.0))
    assert stage.decays_with_delays(model, PAIR, 4.0, stable, normalize="max", speed=10.0, dt=0.01)
    growing = network_fixed_point(model, PAIR, bn.Linear(G=8.0))
    monkeypatch.setattr(stage, "simulate", lambda *a, **k: pytest.fail("the point was simulated"))
    assert not stage.decays_with_delays(model, PAIR, 8.0, growing, normalize="max", speed=10.0, dt=0.01)
    # no finer step is tried for a mode of the continuous-time network
    assert stage.delay_stable_step(model, PAIR, 8.0, growing, normalize="max", speed=10.0, dt=0.01) is None
