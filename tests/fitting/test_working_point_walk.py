"""The continuation of fit_working_point's linear stage: stability by sign(det J), confirmed by the spectrum.

Along a stable branch the walk accepts points on the sign of det J (an LU
factorisation) and computes the spectrum only at checkpoints. A fold flips the
sign; a Hopf bifurcation does not, so a checkpoint past it must send the walk
back over the stretch with the spectrum at every step. The walks must be the
same, bit for bit, as walks that compute the spectrum at every step.
"""

import numpy as np
import pytest

import brainnet_cb as bn
from brainnet_cb.coupling import Linear
from brainnet_cb.data.empirical_data import load_empirical
from brainnet_cb.dynamics import critical_coupling
from brainnet_cb.dynamics.fixed_points import fixed_point_of
from brainnet_cb.dynamics.system import build_network, in_float64
from brainnet_cb.fitting.working_point_scan import _det_sign, _open_loop_scale, _walk, scan_branch, slow_limit_fc

BISTABLE = dict(Delta=0.7, eta=-4.6, k=1.0, v_syn=5.0)
HOPF_4D = dict(eta=3.0, Delta=0.5, alpha=0.95, v_syn=-10.0, k=1.0)  # below the node's own Hopf at eta 3.93


def _tvb24():
    conn = bn.load_atlas("tvb76")
    return conn.subset(list(conn.labels[:24]))


def _branch(which):
    if which == "steepest":
        return bn.CoombesByrne(eta=-2.0), load_empirical("hcp80").connectome
    if which == "fold":
        return bn.CoombesByrne(**BISTABLE), bn.load_atlas("tvb76")
    return bn.CoombesByrne4D(**HOPF_4D), _tvb24()


def test_scan_branch_stops_at_a_hopf_bifurcation_that_the_determinant_cannot_see():
    """A complex pair crossing the imaginary axis keeps sign(det J); the spectrum at the checkpoints finds it."""
    model, conn = _branch("hopf")
    cc = critical_coupling(model, conn)
    assert cc.kind == "hopf"
    G_ref, kind, walk = scan_branch(model, conn, "max", np.array([0.5, 0.99, 1.01]), coarse=20)
    assert kind == "lost"
    assert G_ref == pytest.approx(cc.G_c, rel=2e-3)
    assert walk[1][1] is not None and walk[1][1].stable and walk[1][1].leading.imag != 0
    assert walk[2][1] is None


@pytest.mark.parametrize("which", ["steepest", "fold", "hopf"])
@in_float64
def test_walks_with_checkpoints_are_the_walks_with_the_spectrum_at_every_step(which):
    model, conn = _branch(which)
    network = build_network(model, conn, Linear(), normalize="max")
    g_open, fp0 = _open_loop_scale(network, model)
    Gs = np.linspace(0.0, 1.2 * g_open, 21)[1:]
    every, G_every = _walk(network, Gs, fp0, 0.0, confirm="every step")
    if which != "steepest":
        assert every[-1] is None  # the branch is lost before 1.2 x the open-loop scale
    for confirm in ("each", "end"):
        walk, G_last = _walk(network, Gs, fp0, 0.0, confirm=confirm)
        assert G_last == G_every
        assert [p is None for p in walk] == [p is None for p in every]
        for p, q in zip(walk, every):
            if q is not None:
                assert np.array_equal(p.values, q.values)
                if confirm == "each":
                    assert np.array_equal(p.eigenvalues, q.eigenvalues)


@pytest.mark.parametrize("which", ["steepest", "fold", "hopf"])
@in_float64
def test_scan_branch_computes_a_spectrum_only_where_read_and_finds_the_points_of_the_fully_checked_walk(which):
    """The couplings of a branch are confirmed by the spectrum at the last one below a lost branch's end (the walk
    again, point by point, where that fails): the points, and their spectra once read, are those of a walk with the
    spectrum at every step; only the last point's spectrum has been computed."""
    model, conn = _branch(which)
    fractions = np.round(np.linspace(0.5, 1.5, 21), 3)
    G_ref, kind, points = scan_branch(model, conn, "max", fractions, coarse=20)
    assert kind == ("steepest" if which == "steepest" else "lost")
    network = build_network(model, conn, Linear(), normalize="max")
    g_open, fp0 = _open_loop_scale(network, model)
    G_coarse = np.linspace(0.0, 1.2 * g_open, 21)[1:]
    coarse, _ = _walk(network, G_coarse, fp0, 0.0, confirm="every step")
    Gs = fractions * G_ref
    g0, start = ([(0.0, fp0)] + [(g, fp) for g, fp in zip(G_coarse, coarse) if fp is not None and g <= Gs[0]])[-1]
    every, _ = _walk(network, Gs, start, g0, confirm="every step", min_step=2.0**-14 * (Gs[-1] - g0) / Gs.size)
    kept = [(G, fp) for (G, fp), q in zip(points, every) if fp is not None]
    assert len(kept) == sum(q is not None and (G < G_ref or kind == "steepest") for G, q in zip(Gs, every)) >= 10
    assert [G for G, _ in points] == Gs.tolist()
    for (G, fp), q in zip(points, every):
        if fp is None:
            continue
        assert np.array_equal(fp.values, q.values) and np.array_equal(fp.jacobian, q.jacobian)
        assert ("eigenvalues" in vars(fp)) == (G == kept[-1][0])  # not computed before it is read
        assert np.array_equal(fp.eigenvalues, q.eigenvalues) and fp.stable


@in_float64
def test_a_walk_confirmed_at_its_end_confirms_the_last_point_reached_when_the_last_couplings_repeat():
    """Past a Hopf bifurcation with the last coupling repeated, the end was never walked to, so never confirmed:
    the points past it came back unstable (max Re 0.0076 /ms), not None."""
    model, conn = _branch("hopf")
    network = build_network(model, conn, Linear(), normalize="max")
    _, fp0 = _open_loop_scale(network, model)
    Gs = np.array([0.5, 1.05, 1.05]) * critical_coupling(model, conn).G_c
    every, _ = _walk(network, Gs, fp0, 0.0, confirm="every step")
    end, _ = _walk(network, Gs, fp0, 0.0, confirm="end", recheck="each")
    assert [p is None for p in end] == [p is None for p in every] == [False, True, True]
    assert np.array_equal(end[0].values, every[0].values)


@in_float64
def test_the_sign_of_det_j_at_a_stable_point_counts_its_real_eigenvalues():
    """sign det J = (-1)^m for a stable J with m real eigenvalues: the invariant the walk relies on."""
    network = build_network(bn.CoombesByrne(eta=-2.0), bn.load_atlas("tvb76"), Linear(), normalize="max")
    for G in (0.0, 0.5, 1.0):
        fp = fixed_point_of(network.with_strength(G))
        assert fp.stable
        m = int(np.sum(np.abs(fp.eigenvalues.imag) == 0))
        assert _det_sign(fp, network.with_strength(G)) == (-1.0) ** m  # structured, as the walk uses it


@in_float64
def test_the_fold_itself_is_not_offered_as_a_working_point():
    """At the last stable point before a fold one slow mode carries the slow-limit FC (the trap of a
    near-zero eigenvalue); scan_branch returns None there and keeps the points below it."""
    model, conn = _branch("fold")
    G_ref, kind, walk = scan_branch(model, conn, "max", np.array([0.9, 1.0]), coarse=20)
    assert kind == "lost"
    below, at = walk[0][1], walk[1][1]
    assert below is not None and below.stable and at is None
    network = build_network(model, conn, Linear(), normalize="max")
    last, G_last = _walk(network, np.array([G_ref]), below, 0.9 * G_ref)
    assert G_last == pytest.approx(G_ref, rel=1e-9) and last[0] is not None and last[0].stable
    assert abs(last[0].max_real) < 0.02 * abs(below.max_real)  # critical slowing down at the fold
    sigma = np.zeros((2, conn.n_regions))
    sigma[1] = 0.02
    share = [np.linalg.eigvalsh(slow_limit_fc(fp, sigma, 0))[-1] / conn.n_regions for fp in (below, last[0])]
    assert share[1] > 0.5 and share[0] < 0.05  # measured 0.68 at the fold, 0.03 at 0.9 G_ref
