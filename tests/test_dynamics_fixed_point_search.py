"""network_fixed_points: a deterministic multi-start search; every point it returns is checked by hand.

References: the Coombes–Byrne network vector field written out in NumPy, its Jacobian by central differences, and
the node's closed-form fixed points (an uncoupled network of k bistable regions has 3^k fixed points, 2^k stable).
"""

import itertools

import numpy as np
import pytest

import brainnet_cb as bn
from brainnet_cb.dynamics import network_fixed_points
from brainnet_cb.errors import DynamicsError

P = {"Delta": 0.7, "eta": -4.6, "k": 1.0, "v_syn": 5.0}  # bistable node: down, saddle, up
MODEL = bn.CoombesByrne(Delta=0.7, eta=-4.6, v_syn=5.0)


def _rhs(x, W, G):
    """Coombes–Byrne network (node docstring), state-major x = [r, v], W[target, source], bn.Linear into v."""
    n = W.shape[0]
    r, v = x[:n], x[n:]
    g = P["k"] * np.pi * r
    return np.concatenate([P["Delta"] / np.pi + 2 * v * r - g * r,
                           v**2 - (np.pi * r) ** 2 + P["eta"] + (P["v_syn"] - v) * g + G * (W @ r)])


def _leading_real(x, W, G, h=1e-6):
    J = np.stack([(_rhs(x + e, W, G) - _rhs(x - e, W, G)) / (2 * h) for e in np.eye(x.size) * h], axis=1)
    return float(np.max(np.linalg.eigvals(J).real))


def _check_points(fps, W, G):
    """Each point solves F = 0 and its stability is the sign of the leading eigenvalue of the written-out Jacobian."""
    for fp in fps:
        x = fp.values.ravel()
        assert np.max(np.abs(_rhs(x, W, G))) < 1e-8
        lead = _leading_real(x, W, G)
        assert abs(lead) > 1e-6 and fp.stable == (lead < 0) and fp.max_real == pytest.approx(lead, abs=1e-5)


def test_uncoupled_bistable_regions_have_every_stable_state_with_enough_corners():
    """Seven uncoupled bistable regions: 2^7 = 128 stable points, each region at the node's down or up state. With
    n_corners = 126 (every low/high mix) the search finds all 128; the default 62 mixes (each region alone high, each
    alone low, 48 random mixes) find at least the 64 they start from."""
    n, conn = 7, bn.Connectome(weights=np.zeros((7, 7)), lengths=np.zeros((7, 7)))
    node = MODEL.fixed_points()  # (down, saddle, up), each (r, v)
    W = np.zeros((n, n))
    every = network_fixed_points(MODEL, conn, bn.Linear(G=0.0), n_corners=126)
    stable = [fp for fp in every if fp.stable]
    assert len(stable) == 128
    found = {tuple(int(np.argmin([abs(fp.values[0, i] - s[0]) for s in node])) for i in range(n)) for fp in stable}
    assert found == set(itertools.product((0, 2), repeat=n))  # every down/up pattern, no saddle coordinate
    for fp in every:  # every point, stable or not, is a pattern of the node's own fixed points
        ref = np.array([[node[np.argmin([abs(r - s[0]) for s in node])][q] for r in fp.values[0]] for q in (0, 1)])
        assert np.max(np.abs(fp.values - ref)) < 1e-9
    _check_points(every, W, 0.0)
    default = network_fixed_points(MODEL, conn, bn.Linear(G=0.0))
    assert 64 <= sum(fp.stable for fp in default) < 128
    none = network_fixed_points(MODEL, conn, bn.Linear(G=0.0), n_corners=0)
    assert sum(fp.stable for fp in none) < 64


def test_coupled_points_solve_the_equations_and_are_classified_by_their_spectrum():
    """Seven coupled bistable regions (random weights, G = 0.3): stable and saddle points alike."""
    rng = np.random.default_rng(3)
    W = rng.uniform(0, 1, (7, 7)) * (rng.uniform(0, 1, (7, 7)) < 0.5)
    np.fill_diagonal(W, 0)
    conn = bn.Connectome(weights=W, lengths=30.0 * (W > 0))
    fps = network_fixed_points(MODEL, conn, bn.Linear(G=0.3))
    assert sum(fp.stable for fp in fps) >= 10 and sum(not fp.stable for fp in fps) >= 1
    _check_points(fps, W / W.max(), 0.3)


def test_the_same_key_gives_the_same_points_and_another_key_other_mixes():
    rng = np.random.default_rng(3)
    W = rng.uniform(0, 1, (8, 8))
    np.fill_diagonal(W, 0)
    conn = bn.Connectome(weights=W, lengths=30.0 * (W > 0))
    runs = [network_fixed_points(MODEL, conn, bn.Linear(G=0.2), key=k, n_corners=20) for k in (5, 5, 6)]
    a, b, c = ([(fp.start, fp.values.tobytes()) for fp in run] for run in runs)
    assert a == b
    assert {s for s, _ in a if s.startswith("mixed")} != {s for s, _ in c if s.startswith("mixed")}


@pytest.mark.parametrize("bad", [-1, 2.0, True])
def test_bad_n_corners_is_refused(bad):
    conn = bn.Connectome(weights=[[0, 1], [1, 0]], lengths=[[0, 30], [30, 0]])
    with pytest.raises(DynamicsError, match=rf"n_corners must be an integer >= 0 .*; got {bad!r}\."):
        network_fixed_points(MODEL, conn, n_corners=bad)
