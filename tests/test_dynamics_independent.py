"""Independent checks of documented claims of brainnet_cb.dynamics, against references written from first principles."""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import scipy.linalg
import scipy.optimize
import scipy.signal

import brainnet_cb as bn
from brainnet_cb.dynamics import (
    critical_coupling,
    delayed_leading_eigenvalue,
    delayed_unstable_roots,
    linear_covariance,
    network_fixed_point,
    network_fixed_points,
)
from brainnet_cb.monitors.hemodynamics import balloon_rhs, bold_signal


def _cb_rhs(x, W, G, p):
    """Coombes–Byrne network (node docstring), state-major x = [r, v], W[target, source], bn.Linear into v."""
    n = W.shape[0]
    r, v = x[:n], x[n:]
    g = p["k"] * np.pi * r
    dr = p["Delta"] / np.pi + 2 * v * r - g * r
    dv = v**2 - (np.pi * r) ** 2 + p["eta"] + (p["v_syn"] - v) * g + G * (W @ r)
    return np.concatenate([dr, dv])


def _fd_jacobian(f, x, h=1e-6):
    return np.stack([(f(x + e) - f(x - e)) / (2 * h) for e in np.eye(x.size) * h], axis=1)


def _balloon(c):
    """Rest of the balloon (z = 0) and its linearisation by finite differences of the monitor's equations."""
    cj = {k: jnp.asarray(v, jnp.float64) for k, v in c.items()}
    rhs = lambda h, z: np.asarray(balloon_rhs(jnp.asarray(h).reshape(4, 1), jnp.asarray([z]), cj)).ravel()  # noqa: E731
    y = lambda h: float(np.asarray(bold_signal(jnp.asarray(h).reshape(4, 1), cj))[0])  # noqa: E731
    h0 = scipy.optimize.root(lambda h: rhs(h, 0.0), np.array([0.1, 1.1, 1.1, 1.1]), tol=1e-14).x
    F = _fd_jacobian(lambda h: rhs(h, 0.0), h0, 1e-7)
    b = (rhs(h0, 1e-6) - rhs(h0, -1e-6)) / 2e-6
    cy = np.array([(y(h0 + e) - y(h0 - e)) / 2e-7 for e in np.eye(4) * 1e-7])
    return F, b, cy


def _sampled_filtered_bold_covariance(M, Q, C, tr, h, m, band, lags=4000):
    """Zero-lag covariance of y filtered as the monitor and bn.fc do, in the time domain (no spectra).

    The sample at t_k is the mean of y at m sub-step ends t_k - j h (j < m); the TR series is then filtered
    forward and backward by the Butterworth band-pass: for an infinite series, a convolution with the
    autocorrelation g of the causal impulse response, so the output covariance is sum_d rho(d) R(d) with rho
    the autocorrelation of g and R(d) = Cov(Y_{k+d}, Y_k) = (1/m^2) sum_{j,l} C e^{M (d tr - j h + l h)} S C^T.
    """
    S = scipy.linalg.solve_continuous_lyapunov(M, -Q)
    Eh = scipy.linalg.expm(M * h)
    P = [np.eye(M.shape[0])]
    for _ in range(1, m):
        P.append(Eh @ P[-1])
    R0 = m * (C @ S @ C.T)
    for d in range(1, m):
        X = C @ P[d] @ S @ C.T
        R0 = R0 + (m - d) * (X + X.T)
    R0 /= m * m
    S1 = sum(P)
    K = scipy.linalg.expm(M * (tr - (m - 1) * h)) @ S1 @ S1 @ S / (m * m)
    ET = scipy.linalg.expm(M * tr)
    sos = scipy.signal.butter(2, list(band), btype="bandpass", fs=1 / tr, output="sos")
    imp = np.zeros(20000)
    imp[0] = 1.0
    g = np.correlate(*(2 * [scipy.signal.sosfilt(sos, imp)]), "full")
    gf = np.fft.rfft(np.r_[g, np.zeros(g.size)])
    rho = np.fft.irfft(gf * np.conj(gf))[:lags + 1]
    out = rho[0] * R0
    for d in range(1, lags + 1):
        X = C @ K @ C.T
        out = out + rho[d] * (X + X.T)
        K = ET @ K
    return out


def test_bold_window_aliasing_and_band_pass_equal_a_time_domain_computation():
    sampling = "mean"
    # claim (docs/working_point.md, bold_linear): the TR window mean, the TR sampling (aliasing included) and the
    # zero-phase band-pass (power |H|^4) are applied exactly. Reference: autocovariances of the augmented linear
    # system sampled as the monitor samples, filtered by the impulse response of the filter (no window_weights).
    rng = np.random.default_rng(5)
    n = 3
    w = rng.uniform(0, 1, (n, n)) ** 2
    np.fill_diagonal(w, 0)
    w[0, 2] = 2.0  # asymmetric: W[target, source]
    conn = bn.Connectome(weights=w, lengths=np.zeros((n, n)))
    p = dict(Delta=1.0, eta=-2.0, k=1.0, v_syn=-4.0)
    model, G, sig = bn.CoombesByrne(**p), 4.0, 0.05
    fp = network_fixed_point(model, conn, bn.Linear(G=G))
    bold = bn.Bold(tr=720.0, baseline="initial", sampling=sampling)
    band = (0.01, 0.1)
    cov = linear_covariance(model, conn, bn.Linear(G=G), bn.Additive(v=sig), observable="bold", bold=bold,
                            band=band, at=fp, initial_state=fp, dt=0.1).values
    with jax.enable_x64(True):
        c = {k: float(np.asarray(v)) for k, v in bold.bind(0.1).constants().items()}
        F, b, cy = _balloon(c)
    A = _fd_jacobian(lambda x: _cb_rhs(x, w / w.max(), G, p), fp.values.ravel())
    N = 2 * n  # seconds: A_s = 1000 A, Q_s = 1000 sigma^2 (one step adds sigma sqrt(dt) xi, dt in ms)
    M = np.zeros((N + 4 * n, N + 4 * n))
    M[:N, :N] = 1000.0 * A
    Q = np.zeros_like(M)
    Q[n:N, n:N] = 1000.0 * sig**2 * np.eye(n)
    C = np.zeros((n, N + 4 * n))
    for i in range(n):
        s = slice(N + 4 * i, N + 4 * i + 4)
        M[s, s] = F
        M[s, i] = b  # drive z = r - r(0) (baseline "initial", started at the fixed point)
        C[i, s] = cy
    h = bold.bind(0.1).dt_bold / 1000.0
    m = int(round(0.72 / h)) if sampling == "mean" else 1
    ref = _sampled_filtered_bold_covariance(M, Q, C, 0.72, h, m, band)
    # the predictor integrates the filter's power on a grid (piecewise linear): 1e-4 of the covariance
    np.testing.assert_allclose(cov, ref, rtol=0, atol=2e-4 * np.abs(ref).max())
    assert np.abs(ref - ref.T).max() < 1e-12 * np.abs(ref).max()


def test_hopf_of_a_symmetric_pair_with_conductance_coupling():
    # claim (continuation): kind "hopf" where a complex pair crosses, frequency |Im lambda| / 2 pi in Hz (time in
    # ms). Reference: the synchronous state of the pair is one node with g_ext = G r (scalar root), and the
    # pair's Jacobian splits into the in-phase (+) and anti-phase (-) 2x2 blocks; G_c is the first zero of the
    # largest real part, found by brentq.
    p = dict(Delta=0.8440761010035063, eta=6.244389632076677, k=1.063198855426843, v_syn=2.4637428937208483)
    model = bn.CoombesByrne(**p)
    conn = bn.Connectome(weights=[[0, 1], [1, 0]], lengths=[[0, 30], [30, 0]])
    cc = critical_coupling(model, conn, bn.Conductance())

    def node(y, G):  # one node of the synchronous state: g = k pi r + G r
        r, v = y
        g = (p["k"] * np.pi + G) * r
        return np.array([p["Delta"] / np.pi + 2 * v * r - g * r,
                         v**2 - (np.pi * r) ** 2 + p["eta"] + (p["v_syn"] - v) * g])

    state = {"y": np.array(model.fixed_point())}

    def leading(G):
        y = scipy.optimize.fsolve(node, state["y"], args=(G,), xtol=1e-12)
        state["y"] = y
        r, v = y
        g = (p["k"] * np.pi + G) * r
        local = np.array([[2 * v - 2 * p["k"] * np.pi * r - G * r, 2 * r],
                          [-2 * np.pi**2 * r + (p["v_syn"] - v) * p["k"] * np.pi, 2 * v - g]])
        coupling = G * np.array([-r, p["v_syn"] - v])  # d f / d r_other through g
        ev = np.concatenate([np.linalg.eigvals(local + sign * np.c_[coupling, [0, 0]]) for sign in (1, -1)])
        return ev[np.argmax(ev.real)]

    grid = np.arange(0.0, 6.0, 0.05)
    mu = [leading(G).real for G in grid]
    k = int(np.argmax(np.asarray(mu) >= 0))
    assert k > 0
    state["y"] = np.array(model.fixed_point())
    for G in grid[:k]:
        leading(G)
    G_c = scipy.optimize.brentq(lambda G: leading(G).real, grid[k - 1], grid[k], xtol=1e-13)
    lam = leading(G_c)
    assert cc.kind == "hopf"
    assert cc.G_c == pytest.approx(G_c, rel=1e-7)
    assert cc.frequency == pytest.approx(abs(lam.imag) / (2 * math.pi) * 1000.0, rel=1e-6)


def test_a_fixed_point_of_other_parameters_is_a_start_not_the_point():
    """at=FixedPoint of G = 0.5 for a network at G = 1 (the docs' 'neighbouring parameter set') was used as it was:
    the covariance linearised 0.025 away from rest (1 % off) and the delayed root there."""
    W = np.array([[0, 1, 0.5, 0.2], [0.8, 0, 0.3, 0.6], [0.4, 0.9, 0, 0.7], [0.1, 0.5, 1, 0]])
    conn = bn.Connectome(weights=W, lengths=30 * (W > 0))
    model, p = bn.CoombesByrne(eta=-2.0), {"Delta": 1.0, "eta": -2.0, "k": 1.0, "v_syn": -4.0}
    near = network_fixed_point(model, conn, bn.Linear(G=0.5))
    f = lambda x: _cb_rhs(x, W, 1.0, p)  # noqa: E731
    x = scipy.optimize.fsolve(f, near.values.ravel(), xtol=1e-14)
    assert np.max(np.abs(f(x))) < 1e-12 and np.max(np.abs(x - near.values.ravel())) > 0.02
    q = np.r_[np.zeros(4), np.full(4, 0.05**2)]
    ref = scipy.linalg.solve_continuous_lyapunov(_fd_jacobian(f, x), -np.diag(q))[:4, :4]
    got = linear_covariance(model, conn, bn.Linear(G=1.0), bn.Additive(v=0.05), at=near).values
    np.testing.assert_allclose(got, ref, rtol=1e-7, atol=1e-7 * np.max(np.abs(ref)))
    here = network_fixed_point(model, conn, bn.Linear(G=1.0))
    assert delayed_leading_eigenvalue(model, conn, bn.Linear(G=1.0), speed=100.0, at=near) == pytest.approx(
        delayed_leading_eigenvalue(model, conn, bn.Linear(G=1.0), speed=100.0, at=here), abs=1e-10)
    pair = network_fixed_point(model, bn.Connectome(weights=[[0, 1], [1, 0]], lengths=[[0, 30], [30, 0]]))
    with pytest.raises(bn.DynamicsError, match=r"at must be .* shape \(2, 4\) .*; got \(2, 2\)"):
        delayed_unstable_roots(model, conn, bn.Linear(G=1.0), at=pair)


W3 = np.array([[0.0, 1.0, 0.4], [0.7, 0.0, 0.9], [0.3, 0.6, 0.0]])


def test_every_stable_mixed_state_of_three_bistable_regions_is_found():
    """Three bistable regions (Delta 0.7, eta -4.6, v_syn 5) at G = 0.3 have 2^3 stable states (each region down or
    up); the default starts found 4 of them (down, up, two mixes). Reference: SciPy's root from each mix of the
    node's closed-form down/up states (CoombesByrne.fixed_points), stability from finite differences."""
    p = {"Delta": 0.7, "eta": -4.6, "k": 1.0, "v_syn": 5.0}
    model = bn.CoombesByrne(**{k: v for k, v in p.items() if k != "k"})
    (r_lo, v_lo), _, (r_hi, v_hi) = model.fixed_points()
    f = lambda x: _cb_rhs(x, W3, 0.3, p)  # noqa: E731
    ref = []
    for bits in np.ndindex(2, 2, 2):
        b = np.array(bits)
        sol = scipy.optimize.root(f, np.r_[np.where(b, r_hi, r_lo), np.where(b, v_hi, v_lo)], tol=1e-13)
        assert sol.success and np.max(np.abs(f(sol.x))) < 1e-12
        assert np.max(np.linalg.eigvals(_fd_jacobian(f, sol.x)).real) < 0
        ref.append(sol.x)
    conn = bn.Connectome(weights=W3, lengths=30 * (W3 > 0))
    fps = network_fixed_points(model, conn, bn.Linear(G=0.3))
    stable = [fp.values.ravel() for fp in fps if fp.stable]
    assert len(stable) == 8
    for x in ref:
        assert min(np.max(np.abs(s - x)) for s in stable) < 1e-9


def _mode_winding(Lm, g, tau, s, R=40.0):
    """Roots with Re > 0 of (lam - L11)(lam - L22) - L12 (L21 + s g e^{-lam tau}) (a symmetric pair's mode s = +-1,
    written out by hand), by the winding of that function along the half disc of radius R."""
    arc = R * np.exp(1j * np.linspace(-np.pi / 2, np.pi / 2, 20001))
    axis = 1j * np.linspace(R, -R, int(400 * R * tau))
    lam = np.concatenate([arc, axis])
    f = (lam - Lm[0, 0]) * (lam - Lm[1, 1]) - Lm[0, 1] * (Lm[1, 0] + s * g * np.exp(-lam * tau))
    turns = np.diff(np.unwrap(np.angle(f))).sum() / (2 * np.pi)
    assert abs(turns - round(turns)) < 1e-6
    return int(round(turns))


def _breda_rightmost(A, B, tau, M=200):
    """Rightmost eigenvalue of x' = A x + B x(t - tau) from the full pseudospectral matrix of Breda, Maset &
    Vermiglio (2005): every state at M + 1 Chebyshev points of [-tau, 0], Lagrange interpolation written out."""
    d = A.shape[0]
    x = np.cos(np.pi * np.arange(M + 1) / M)
    c = np.r_[2.0, np.ones(M - 1), 2.0] * (-1.0) ** np.arange(M + 1)
    Dm = np.outer(c, 1 / c) / (x[:, None] - x[None, :] + np.eye(M + 1))
    Dm = (Dm - np.diag(Dm.sum(axis=1))) * 2 / tau
    gen = np.zeros(((M + 1) * d, (M + 1) * d))
    gen[d:] = np.kron(Dm[1:], np.eye(d))
    gen[:d, :d] = A
    gen[:d, -d:] += B  # x(t - tau) is the last node
    ev = np.linalg.eigvals(gen)
    return ev[np.lexsort((-ev.imag, -ev.real))][0]


def test_delayed_leading_eigenvalue_is_the_rightmost_root_of_a_delay_destabilised_pair():
    """Two symmetric regions whose delay-free focus is stable; with 13.3 ms delays 10 roots of the characteristic
    equation (counted by hand from the two decoupled modes) have Re > 0. delayed_leading_eigenvalue followed the
    delay-free focus by Newton to -0.0213 + 8.44i /ms (a stable verdict); it now returns the rightmost root
    +0.00155 + 11.68i /ms, a root of the written-out mode equation equal to the pseudospectral reference."""
    p = {"Delta": 0.911, "eta": 2.293, "k": 1.0, "v_syn": 0.0}
    model, G, tau = bn.CoombesByrne(Delta=0.911, eta=2.293, v_syn=0.0), 20.4878, 40.0 / 3.0
    conn = bn.Connectome(weights=[[0, 1], [1, 0]], lengths=[[0, 40], [40, 0]])
    fp = network_fixed_point(model, conn, bn.Linear(G=G))
    (r, r2), (v, _) = fp.values
    assert fp.stable and r == pytest.approx(r2, abs=1e-12)
    Lm = np.array([[2 * v - 2 * np.pi * r, 2 * r],
                   [-2 * np.pi**2 * r + (p["v_syn"] - v) * np.pi, 2 * v - np.pi * r]])  # d(dr, dv)/d(r, v)
    assert sum(_mode_winding(Lm, G, tau, s) for s in (1, -1)) == 10
    assert delayed_unstable_roots(model, conn, bn.Linear(G=G), speed=3.0, at=fp) == 10
    lam = delayed_leading_eigenvalue(model, conn, bn.Linear(G=G), speed=3.0, at=fp)
    residual = min(abs((lam - Lm[0, 0]) * (lam - Lm[1, 1]) - Lm[0, 1] * (Lm[1, 0] + s * G * np.exp(-lam * tau)))
                   for s in (1, -1))
    # each mode s = +-1 is x' = Lm x + s G e_2 e_1^T x(t - tau)
    ref = max((_breda_rightmost(Lm, np.array([[0.0, 0.0], [s * G, 0.0]]), tau) for s in (1, -1)),
              key=lambda z: z.real)
    assert residual < 1e-9 and abs(lam - ref) < 1e-7
    assert lam.real == pytest.approx(0.0015526, abs=1e-6) and lam.imag == pytest.approx(11.681885, abs=1e-5)


def test_a_stable_branch_ends_at_G_max_not_past_it():
    """critical_coupling(..., G_max=5) continued to G = 5.23 and reported G_slowest = 5.23, outside the range asked
    for (2 -> 2.09, 0.5 -> 0.546); the last step now ends at G_max, where the slowest rate of this monotone branch
    is (from SciPy's root and a finite-difference spectrum there)."""
    W = np.array([[0, 1, 0.5], [1, 0, 0.2], [0.3, 0.4, 0]])
    conn = bn.Connectome(weights=W, lengths=30 * (W > 0))
    p = {"Delta": 1.0, "eta": -2.0, "k": 1.0, "v_syn": -4.0}
    cc = critical_coupling(bn.CoombesByrne(eta=-2.0), conn, G_max=5.0)
    assert cc.kind == "none" and cc.G_reached == 5.0 and float(cc.branch.G[-1]) == 5.0 and cc.G_slowest == 5.0
    f = lambda x: _cb_rhs(x, W, 5.0, p)  # noqa: E731
    x = scipy.optimize.fsolve(f, cc.fixed_point.values.ravel(), xtol=1e-14)
    assert np.max(np.abs(x - cc.fixed_point.values.ravel())) < 1e-9
    assert cc.slowest_rate == pytest.approx(np.max(np.linalg.eigvals(_fd_jacobian(f, x)).real), abs=1e-7)
