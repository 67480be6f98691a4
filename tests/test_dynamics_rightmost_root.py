"""delayed_leading_eigenvalue returns the rightmost root of the delayed characteristic equation.

References written from first principles: the Lambert W roots of the scalar DDE x' = a x + b x(t - tau), the full
pseudospectral matrix of Breda, Maset & Vermiglio (2005) with every state at every Chebyshev node, and the growth
rate of a linear delayed simulation (Heun, method of steps).
"""

import warnings

import jax.numpy as jnp
import numpy as np
import pytest
import scipy.special

import brainnet_cb as bn
from brainnet_cb.dynamics import delayed_leading_eigenvalue, delayed_unstable_roots, network_fixed_point
from brainnet_cb.dynamics import delayed_roots as roots
from brainnet_cb.dynamics.system import JacobianParts, build_network, in_float64, jacobian_parts
from brainnet_cb.errors import DynamicsError

W3 = np.array([[0, 1, 0.5], [0.8, 0, 0.2], [0.3, 0.4, 0]])  # [target, source]
L3 = np.array([[0, 30, 60], [30, 0, 45], [60, 45, 0]])  # mm: delays 10, 15, 20 ms at 3 mm/ms
LIGHT = {"Delta": 0.1, "eta": 1.0, "k": 1.0, "v_syn": -4.0}  # a lightly damped node


def _scalar(a, b, tau):
    """x' = a x + b x(t - tau) as one region with one state, its own delayed input (a = local, b = coupling)."""
    parts = JacobianParts(local=np.array([[[a]]]), port=np.ones((1, 1)), a=np.array([b]), b=np.zeros(1),
                          sent=np.ones((1, 1)))
    return parts, np.ones((1, 1)), np.array([[tau]])


@pytest.mark.parametrize("a, b, tau", [(-1.0, -3.0, 1.0), (-1.0, 0.5, 2.0), (0.2, -1.0, 1.5), (-2.0, -1.5, 0.3),
                                       (-0.5, -2.0, 5.0), (1.0, -4.0, 0.2)])
def test_scalar_dde_root_is_the_principal_lambert_w_branch(a, b, tau):
    """lambda = a + W_0(b tau e^{-a tau}) / tau is the rightmost root for real a, b (Shinozaki & Mori 2006)."""
    parts, W, T = _scalar(a, b, tau)
    lam, info = roots.rightmost_root(parts, W, T)
    ref = a + complex(scipy.special.lambertw(b * tau * np.exp(-a * tau), 0)) / tau
    assert abs(lam - complex(ref.real, abs(ref.imag))) < 1e-12
    assert info["missed"] == 0 and info["confirmed"] == "rightmost"


def test_a_complex_rightmost_root_is_found_where_the_delay_free_start_is_real():
    """x' = -x - 3 x(t - 1): delay-free -4 (real). Newton from there stays real and finds nothing (no real root);
    the rightmost root is the unstable pair 0.2140 +- 2.0958i."""
    parts, W, T = _scalar(-1.0, -3.0, 1.0)
    np_parts = tuple(np.asarray(p, dtype=float) for p in parts)
    assert roots._newton(np_parts, W, T, complex(-4.0), np.ones(1), 1e-12, 50) is None
    lam, _ = roots.rightmost_root(parts, W, T)
    assert lam.real == pytest.approx(0.214004, abs=1e-6) and lam.imag == pytest.approx(2.095819, abs=1e-6)


def _by_hand(fp, G, speed=3.0):
    """The pair (A, [(B_k, tau_k)]) of x' = A x + sum_k B_k x(t - tau_k), Coombes–Byrne written out, state-major
    [r, v], bn.Linear into v, weights normalised by their maximum."""
    r, v = fp.values
    A = np.block([[np.diag(2 * v - 2 * np.pi * r), np.diag(2 * r)],
                  [np.diag(-2 * np.pi**2 * r + (LIGHT["v_syn"] - v) * np.pi), np.diag(2 * v - np.pi * r)]])
    Wn, tau = W3 / W3.max(), L3 / speed
    terms = []
    for t in np.unique(tau[Wn > 0]):
        B = np.zeros((6, 6))
        B[3:, :3] = G * Wn * (tau == t)
        terms.append((B, float(t)))
    return A, terms


def _breda(A, terms, M):
    """Eigenvalues of the full pseudospectral matrix (Breda, Maset & Vermiglio 2005), several delays."""
    d, tmax = A.shape[0], max(t for _, t in terms)
    x = np.cos(np.pi * np.arange(M + 1) / M)
    c = np.r_[2.0, np.ones(M - 1), 2.0] * (-1.0) ** np.arange(M + 1)
    Dm = np.outer(c, 1 / c) / (x[:, None] - x[None, :] + np.eye(M + 1))
    Dm = (Dm - np.diag(Dm.sum(axis=1))) * 2 / tmax
    theta = tmax * (x - 1) / 2
    gen = np.zeros(((M + 1) * d, (M + 1) * d))
    gen[d:] = np.kron(Dm[1:], np.eye(d))
    gen[:d, :d] = A
    for B, t in terms:
        ell = [np.prod([(-t - theta[m]) / (theta[k] - theta[m]) for m in range(M + 1) if m != k])
               for k in range(M + 1)]
        gen[:d] += np.kron(np.array(ell)[None], B)
    ev = np.linalg.eigvals(gen)
    return ev[np.lexsort((-ev.imag, -ev.real))]


def _growth_rate(A, terms, dt=0.05, duration=1100.0, fit=(600.0, 1100.0)):
    """Growth rate of a kick in the linear delayed system: Heun with whole-step lags, the log of the envelope
    (maximum over 50 ms windows) fitted by a line."""
    lags = [int(round(t / dt)) for _, t in terms]
    top, steps = max(lags), int(round(duration / dt))
    X = np.zeros((top + steps + 1, A.shape[0]))
    X[: top + 1, 0] = 1e-6
    for k in range(top, top + steps):
        f0 = A @ X[k] + sum(B @ X[k - lag] for (B, _), lag in zip(terms, lags))
        xp = X[k] + dt * f0
        f1 = A @ xp + sum(B @ X[k + 1 - lag] for (B, _), lag in zip(terms, lags))
        X[k + 1] = X[k] + 0.5 * dt * (f0 + f1)
    w = int(round(50.0 / dt))
    env = np.log([np.abs(X[top + i: top + i + w]).max() for i in range(0, steps - w + 1, w)])
    t = np.arange(env.size) * 50.0
    keep = (t >= fit[0]) & (t < fit[1])
    return np.polyfit(t[keep], env[keep], 1)[0]


def test_three_regions_three_delays_unstable_where_the_continued_root_said_stable():
    """Three regions, delays 10, 15 and 20 ms, G = 8. Following the delay-free focus (-0.4506 + 2.2835i) by Newton,
    as delayed_leading_eigenvalue did, gives -0.0426 + 2.300i: stable. The rightmost root is +0.01476 + 2.3909i
    (6 roots in the right half-plane): equal to the pseudospectral reference and to the growth rate of a run."""
    model, G = bn.CoombesByrne(Delta=LIGHT["Delta"], eta=LIGHT["eta"]), 8.0
    conn = bn.Connectome(weights=W3, lengths=L3)
    fp = network_fixed_point(model, conn, bn.Linear(G=G))
    A, terms = _by_hand(fp, G)
    assert [t for _, t in terms] == [10.0, 15.0, 20.0]
    lam = delayed_leading_eigenvalue(model, conn, bn.Linear(G=G), speed=3.0, at=fp)
    T = lam * np.eye(6) - A - sum(B * np.exp(-lam * t) for B, t in terms)
    assert np.linalg.svd(T, compute_uv=False)[-1] < 1e-10
    ref = _breda(A, terms, 60)
    assert abs(lam - ref[0]) < 1e-7 and ref[0].imag > 0
    assert lam.real == pytest.approx(0.014760, abs=1e-6) and lam.imag == pytest.approx(2.390916, abs=1e-6)
    assert int(np.sum(ref.real > 0)) == 6 == delayed_unstable_roots(model, conn, bn.Linear(G=G), at=fp)
    assert _growth_rate(A, terms) == pytest.approx(lam.real, abs=3e-4)
    # the former method: Newton from the leading delay-free eigenpair converges to a stable root
    free, vecs = np.linalg.eig(A + sum(B for B, _ in terms))
    k = int(np.lexsort((-free.imag, -free.real))[0])
    old = roots._newton(tuple(np.asarray(p, dtype=float) for p in _parts(model, conn, G, fp)),
                           W3 / W3.max(), L3 / 3.0, complex(free[k]), vecs[:, k], 1e-12, 50)
    assert old.real == pytest.approx(-0.04260, abs=1e-4) and np.abs(old - ref).min() < 1e-7


def _parts(model, conn, G, fp):
    network = build_network(model, conn, bn.Linear(G=G))
    return in_float64(jacobian_parts)(jnp.asarray(fp.values, jnp.float64), network.arrays, network.port)


def test_zero_delays_give_the_delay_free_leading_eigenvalue():
    model, conn = bn.CoombesByrne(**{k: v for k, v in LIGHT.items() if k != "k"}), bn.Connectome(weights=W3,
                                                                                                   lengths=0 * L3)
    A, _ = _by_hand(network_fixed_point(model, conn, bn.Linear(G=2.0)), 2.0)
    ev = np.linalg.eigvals(A + 2.0 * np.block([[np.zeros((3, 6))], [W3 / W3.max(), np.zeros((3, 3))]]))
    lead = ev[np.lexsort((-ev.imag, -ev.real))][0]
    assert abs(delayed_leading_eigenvalue(model, conn, bn.Linear(G=2.0)) - lead) < 1e-10


def test_a_root_that_cannot_be_confirmed_as_rightmost_warns(monkeypatch):
    """Newton started from the leading delay-free eigenvalue alone (the former method): the argument principle
    counts the roots right of the one found and a DelayedRootWarning names how many."""
    monkeypatch.setattr(roots, "_PS_STARTS", 0)
    monkeypatch.setattr(roots, "_LINE_STARTS", 0)
    monkeypatch.setattr(roots, "_FREE_STARTS", 1)
    model, G = bn.CoombesByrne(Delta=LIGHT["Delta"], eta=LIGHT["eta"]), 8.0
    conn = bn.Connectome(weights=W3, lengths=L3)
    ref = _breda(*_by_hand(network_fixed_point(model, conn, bn.Linear(G=G)), G), 60)
    assert int(np.sum(ref.real > -0.0425985 + 1e-6)) == 18  # the roots right of the continued one
    with pytest.warns(roots.DelayedRootWarning, match=r"-0.0425985\+2.30015j /ms, is not confirmed: 18 root"):
        lam = delayed_leading_eigenvalue(model, conn, bn.Linear(G=G))
    assert lam.real == pytest.approx(-0.04260, abs=1e-4)


@pytest.mark.parametrize("kw, msg", [({"tol": 0}, "tol must be a number > 0; got 0"),
                                     ({"max_iter": 2.5}, "max_iter must be an integer >= 1; got 2.5"),
                                     ({"max_iter": True}, "max_iter must be an integer >= 1; got True")])
def test_bad_newton_settings_are_refused(kw, msg):
    conn = bn.Connectome(weights=W3, lengths=L3)
    with pytest.raises(DynamicsError, match=msg):
        delayed_leading_eigenvalue(bn.CoombesByrne(), conn, **kw)


@pytest.mark.parametrize("model, coupling", [(bn.CoombesByrne(Delta=0.1, eta=1.0), bn.Diffusive(G=6.0)),
                                             (bn.CoombesByrne(Delta=0.1, eta=1.0), bn.Conductance(G=2.0)),
                                             (bn.CoombesByrne4D(), bn.Linear(G=2.0)),
                                             (bn.MontbrioPazoRoxin(), bn.Linear(G=3.0)),
                                             (bn.JansenRit(), bn.Linear(G=1.0))])
def test_other_models_and_couplings_equal_the_full_pseudospectral_reference(model, coupling):
    """The history of the sent variable alone (pseudospectral_generator) loses nothing: the rightmost root equals
    that of the full discretisation (every state at every node) of x' = A0 x + sum_k B_k x(t - tau_k), A0 and B_k
    the delay-free Jacobian's local and coupling parts (a coupling's local term, Diffusive's -G r_i, undelayed)."""
    conn = bn.Connectome(weights=W3, lengths=L3)
    network = build_network(model, conn, coupling)
    fp = network_fixed_point(model, conn, coupling)
    parts = in_float64(jacobian_parts)(jnp.asarray(fp.values, jnp.float64), network.arrays, network.port)
    Wn = np.asarray(network.arrays.weights)
    A0 = -roots._char_matrix(roots._numpy_parts(parts), np.zeros_like(Wn), 0.0, 0 * Wn)[0]
    coupled = roots._numpy_parts(parts._replace(local=0 * parts.local, b=0 * parts.b))
    terms = [(-roots._char_matrix(coupled, Wn * (L3 / 3.0 == t), 0.0, 0 * Wn)[0], float(t))
             for t in np.unique(L3[Wn != 0] / 3.0)]
    ref = _breda(A0, terms, 80)[0]
    lam = delayed_leading_eigenvalue(model, conn, coupling, at=fp)
    assert abs(lam - complex(ref.real, abs(ref.imag))) < 1e-9


def test_diverging_newton_starts_are_dropped_silently():
    """Starts whose Newton iterates run far left (e^{-lambda tau} overflows) are dropped without NumPy warnings."""
    parts, W, T = _scalar(-1.0, -3.0, 1.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert roots._newton(tuple(np.asarray(p, dtype=float) for p in parts), W, 100.0 * T, complex(-40.0),
                                np.ones(1), 1e-12, 50) is None


def test_a_high_frequency_root_missed_by_the_discretisation_is_found_along_the_counted_line(monkeypatch):
    """16 TVB regions of a lightly damped node, G = 16, delays 3.3-34 ms: the rightmost root -0.02937 + 35.958i /ms
    lies beyond what a Chebyshev order of 48 resolves; the argument principle counts roots right of the candidates'
    best, and Newton from the minima of |F| along that line finds it (a simple zero of det T: winding 1 on a small
    circle). Without those line starts a DelayedRootWarning is raised."""
    conn = bn.load_atlas("tvb76")
    conn = conn.subset(list(conn.labels[:16]))
    model, coupling = bn.CoombesByrne(Delta=0.1, eta=1.0), bn.Linear(G=16.0)
    fp = network_fixed_point(model, conn, coupling)
    lam = delayed_leading_eigenvalue(model, conn, coupling, at=fp)
    assert lam.real == pytest.approx(-0.0293712, abs=1e-6) and lam.imag == pytest.approx(35.958279, abs=1e-5)
    network = build_network(model, conn, coupling)
    parts = roots._numpy_parts(in_float64(jacobian_parts)(jnp.asarray(fp.values), network.arrays, network.port))
    W = np.asarray(network.arrays.weights)
    tau = np.where(W != 0, np.asarray(network.lengths) / 3.0, 0.0)
    z = lam + 1e-3 * np.exp(1j * np.linspace(0, 2 * np.pi, 801))
    sign = np.array([np.linalg.slogdet(roots._char_matrix(parts, W, x, tau)[0])[0] for x in z])
    assert np.sum(np.angle(sign[1:] / sign[:-1])) / (2 * np.pi) == pytest.approx(1.0, abs=1e-9)
    assert delayed_unstable_roots(model, conn, coupling, at=fp) == 0
    monkeypatch.setattr(roots, "_LINE_STARTS", 0)
    monkeypatch.setattr(roots, "_PS_DIM", (800, 800))  # no finer retry
    with pytest.warns(roots.DelayedRootWarning, match=r"is not confirmed: \d+ root\(s\) lie further right"):
        delayed_leading_eigenvalue(model, conn, coupling, at=fp)


def test_long_delays_far_from_the_axis_give_a_root_not_an_error():
    """12 hcp80 regions at 3 mm/ms (delays to 61 ms), a strongly damped node: every full Newton step from the
    discretisation's starts jumped far left, where e^{-lambda tau} overflows, and the call raised DynamicsError
    ('converged from none of 16 starts'); damped steps from the same starts converge, and the search right of
    that root (tests/test_dynamics_rightmost_walk.py) returns the rightmost one, -0.207619."""
    hcp = bn.load_empirical("hcp80").connectome
    conn = hcp.subset(list(hcp.labels[:12]))
    model, coupling = bn.CoombesByrne(eta=-2.0), bn.Linear(G=0.3)
    lam = delayed_leading_eigenvalue(model, conn, coupling, speed=3.0)
    network = build_network(model, conn, coupling)
    x = network_fixed_point(model, conn, coupling).values
    parts = roots._numpy_parts(in_float64(jacobian_parts)(jnp.asarray(x, jnp.float64), network.arrays, network.port))
    weights = np.asarray(network.arrays.weights)
    tau = np.where(weights != 0, np.asarray(conn.lengths) / 3.0, 0.0)
    T, _ = roots._char_matrix(parts, weights, lam, tau)
    s = np.linalg.svd(T, compute_uv=False)
    assert s[-1] < 1e-12 * s[0]  # an exact root of det T(lambda) = 0
    assert -0.3 < lam.real < 0 and delayed_unstable_roots(model, conn, coupling, speed=3.0) == 0
    assert lam == pytest.approx(-0.207619, abs=1e-6)  # the rightmost (a real root), not -0.22083+2.03251i
