"""The linearised FC predictor: Lyapunov covariance, linearised BOLD, and agreement with long simulations."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import scipy.linalg

import brainnet_cb as bn
from brainnet_cb.dynamics import critical_coupling, network_fixed_point
from brainnet_cb.dynamics.bold_linear import balloon_linearisation, operating_point, window_weights
from brainnet_cb.dynamics.linear import linear_covariance, linear_fc, lyapunov_covariance, noise_intensity
from brainnet_cb.dynamics.system import build_network, rhs_and_jacobian
from brainnet_cb.errors import BrainnetError, DynamicsError


def small_network(n=4, seed=0):
    rng = np.random.default_rng(seed)
    w = rng.uniform(0, 1, (n, n))
    np.fill_diagonal(w, 0)
    return bn.Connectome(weights=w, lengths=np.where(w > 0, 20.0, 0.0)), rng


def modular_network(n=16, seed=3):
    """Two modules of n/2 regions: dense strong weights inside, sparse weak ones between."""
    rng = np.random.default_rng(seed)
    mod = np.arange(n) // (n // 2)
    same = mod[:, None] == mod[None, :]
    w = np.where(same, rng.uniform(0.3, 1, (n, n)) * (rng.uniform(size=(n, n)) < 0.6),
                 rng.uniform(0, 0.3, (n, n)) * (rng.uniform(size=(n, n)) < 0.2))
    w = (w + w.T) / 2
    np.fill_diagonal(w, 0)
    L = rng.uniform(20, 80, (n, n))
    L = (L + L.T) / 2
    return bn.Connectome(weights=w, lengths=np.where(w > 0, L, 0.0))


def upper_corr(a, b):
    iu = np.triu_indices(a.shape[0], 1)
    return np.corrcoef(a[iu], b[iu])[0, 1]


def jacobian_and_q(model, conn, coupling, noise):
    with jax.enable_x64(True):
        net = build_network(model, conn, coupling)
        fp = network_fixed_point(model, conn, coupling)
        _, A = rhs_and_jacobian(jnp.asarray(fp.values), net.arrays, net.port)
    return np.asarray(A), noise_intensity(noise, net.arrays.model, net.n), fp


def test_lyapunov_solution_solves_the_equation():
    conn, rng = small_network(5)
    model = bn.CoombesByrne(eta=rng.uniform(-2, 2, 5))
    A, q, _ = jacobian_and_q(model, conn, bn.Linear(G=1.0), bn.Additive(v=0.1, r=0.01))
    S = lyapunov_covariance(A, q)
    assert np.abs(A @ S + S @ A.T + np.diag(q)).max() < 1e-12 * np.abs(S).max() * np.abs(A).max()
    assert np.all(np.linalg.eigvalsh(S) > 0)


@pytest.mark.slow
def test_single_node_lyapunov_covariance_matches_a_long_stochastic_run():
    conn = bn.Connectome(weights=[[0.0]], lengths=[[0.0]], labels=["x"])
    model, noise = bn.CoombesByrne(), bn.Additive(r=0.01, v=0.05)
    A, q, fp = jacobian_and_q(model, conn, bn.Linear(G=0.0), noise)
    S = lyapunov_covariance(A, q)
    ds = bn.simulate(model, conn, 20000.0, 0.01, coupling=bn.Linear(G=0.0), noise=noise, normalize="none",
                     initial_state=fp.as_initial_state(), monitors=[bn.SubSample(period=0.1)], key=7)
    x = np.stack([ds.r.values[:, 0], ds.v.values[:, 0]])
    C = np.cov(x)
    np.testing.assert_allclose(np.diag(C), np.diag(S), rtol=0.03)
    assert abs(C[0, 1] - S[0, 1]) < 0.03 * np.sqrt(S[0, 0] * S[1, 1])
    # the predictor's own answer for r is the same Lyapunov block
    cov = linear_covariance(model, conn, bn.Linear(G=0.0), noise, normalize="none")
    assert cov.values[0, 0] == pytest.approx(S[0, 0], rel=1e-12)


def test_noise_scale_changes_covariance_not_fc():
    conn, _ = small_network(5)
    model, coupling = bn.CoombesByrne(eta=-2.0), bn.Linear(G=1.0)
    c1 = linear_covariance(model, conn, coupling, bn.Additive(v=0.05))
    c2 = linear_covariance(model, conn, coupling, bn.Additive(v=0.1))
    np.testing.assert_allclose(c2.values, 4 * c1.values, rtol=1e-10)
    f1 = linear_fc(model, conn, coupling, bn.Additive(v=0.05), observable="bold", bold=bn.Bold(tr=720.0), band=True)
    f2 = linear_fc(model, conn, coupling, bn.Additive(v=0.1), observable="bold", bold=bn.Bold(tr=720.0), band=True)
    np.testing.assert_allclose(f1.values, f2.values, atol=1e-10)
    assert f1.dims == ("region_i", "region_j") and list(f1.region_i.values) == list(conn.labels)
    np.testing.assert_allclose(np.diag(f1.values), 1.0)


def _augmented(model, conn, coupling, noise, bold, x0_r):
    """The neural + Balloon-Windkessel linear system (seconds), built by hand."""
    A, q, fp = jacobian_and_q(model, conn, coupling, noise)
    n = conn.n_regions
    c = {k: float(v) for k, v in bold.constants().items()}
    z = fp.values[0] - x0_r
    F, b, cy = balloon_linearisation(operating_point(z, c), z, c)
    N = 2 * n
    Aug = np.zeros((N + 4 * n, N + 4 * n))
    Aug[:N, :N] = 1000 * A
    C = np.zeros((n, N + 4 * n))
    for i in range(n):
        sl = slice(N + 4 * i, N + 4 * i + 4)
        Aug[sl, sl], Aug[sl, i], C[i, sl] = F[i], b[i], cy[i]
    Q = np.zeros(N + 4 * n)
    Q[:N] = 1000 * q
    return Aug, np.diag(Q), C


@pytest.mark.parametrize("baseline", [None, "initial"])
def test_bold_covariance_equals_the_augmented_lyapunov_solution(baseline):
    conn, rng = small_network(4)
    model = bn.CoombesByrne(eta=-2.0 + rng.uniform(-0.5, 0.5, 4))
    coupling, noise = bn.Linear(G=1.0), bn.Additive(v=0.05)
    bold = bn.Bold(tr=720.0, sampling="point", baseline=baseline)
    cov = linear_covariance(model, conn, coupling, noise, observable="bold", bold=bold).values
    Aug, Q, C = _augmented(model, conn, coupling, noise, bold, 0.0 if baseline is None else 0.1)
    ref = C @ scipy.linalg.solve_continuous_lyapunov(Aug, -Q) @ C.T
    np.testing.assert_allclose(cov, ref, rtol=1e-8, atol=1e-10 * np.abs(ref).max())


def test_filtered_bold_covariance_equals_frequency_integration():
    conn, rng = small_network(3, seed=1)
    model, coupling, noise = bn.CoombesByrne(eta=-2.0), bn.Linear(G=1.0), bn.Additive(v=0.05)
    bold = bn.Bold(tr=720.0, baseline="initial")
    start = network_fixed_point(model, conn, coupling)
    cov = linear_covariance(model, conn, coupling, noise, observable="bold", bold=bold, band=(0.01, 0.1),
                            initial_state=start).values
    Aug, Q, C = _augmented(model, conn, coupling, noise, bold, start.values[0])
    lam, V = np.linalg.eig(Aug)
    CV, B = C @ V, np.linalg.solve(V, np.sqrt(Q))
    om = np.linspace(0.0, 2 * np.pi * 0.4, 16001)[1:]  # the band-pass leaves nothing of note above 0.4 Hz
    w = window_weights(om, 0.72, bold.bind(0.1).dt_bold / 1000, "mean", (0.01, 0.1), 2)
    G = CV[None] / (1j * om[:, None, None] - lam[None, None, :])  # (freq, n, modes)
    H = G @ B
    ref = np.trapezoid(w[:, None, None] * (H @ np.conj(np.swapaxes(H, 1, 2))).real, om, axis=0) / np.pi
    np.testing.assert_allclose(cov, ref, rtol=2e-3, atol=2e-3 * np.abs(ref).max())


@pytest.mark.slow
def test_r_fc_agrees_with_a_long_delay_free_simulation():
    conn = modular_network()
    model, noise = bn.CoombesByrne(eta=-2.0), bn.Additive(v=0.05)
    G = 0.9 * critical_coupling(model, conn).G_ref
    pred = linear_fc(model, conn, bn.Linear(G=G), noise).values
    fp = network_fixed_point(model, conn, bn.Linear(G=G))
    ds = bn.simulate(model, conn, 20000.0, 0.05, coupling=bn.Linear(G=G), noise=noise, speed=1e6,
                     initial_state=fp.as_initial_state(), monitors=[bn.SubSample(period=0.5)], key=1)
    assert upper_corr(np.corrcoef(ds.r.values.T), pred) >= 0.95


@pytest.mark.slow
def test_bold_fc_agrees_with_a_long_simulation():
    conn = modular_network()
    model, noise = bn.CoombesByrne(eta=-2.0), bn.Additive(v=0.05)
    G = 0.97 * critical_coupling(model, conn).G_ref
    fp = network_fixed_point(model, conn, bn.Linear(G=G))
    bold = bn.Bold(tr=720.0, baseline="initial")
    pred = linear_fc(model, conn, bn.Linear(G=G), noise, observable="bold", bold=bold, band=True, initial_state=fp)
    ds = bn.simulate(model, conn, 20 * 60000.0, 0.2, coupling=bn.Linear(G=G), noise=noise, speed=3.0,
                     initial_state=fp.as_initial_state(), monitors=[bold], key=2)
    sim = bn.fc(ds.bold, band=True, discard=20.0)
    assert upper_corr(sim.values, pred.values) >= 0.95
    iu = np.triu_indices(conn.n_regions, 1)
    assert abs(sim.values[iu].mean() - pred.values[iu].mean()) < 0.1


# ------------------------------------------------------------------------------ bad input
@pytest.fixture(scope="module")
def conn4():
    return small_network(4)[0]


def test_noise_is_required(conn4):
    with pytest.raises(DynamicsError, match=r"^noise must be bn\.Additive\(\.\.\.\), the white noise that drives "
                                            r"the fluctuations \(e\.g\. bn\.Additive\(v=0\.05\)\); got None\.$"):
        linear_fc(bn.CoombesByrne(), conn4, bn.Linear(G=1.0))


def test_unknown_observable(conn4):
    with pytest.raises(DynamicsError, match=r"^observable must be a state variable of CoombesByrne \('r', 'v'\) or "
                                            r"'bold'; got 'x'\.$"):
        linear_fc(bn.CoombesByrne(), conn4, noise=bn.Additive(v=0.1), observable="x")


def test_band_needs_bold(conn4):
    with pytest.raises(DynamicsError, match=r"^band and bold apply to observable='bold'; got observable='r' with "
                                            r"band=True, bold=None\. Drop them, or ask for observable='bold'\.$"):
        linear_fc(bn.CoombesByrne(), conn4, noise=bn.Additive(v=0.1), band=True)


def test_band_beyond_nyquist(conn4):
    with pytest.raises(DynamicsError, match=r"^band must satisfy 0 < low < high < Nyquist frequency; got "
                                            r"band=\(0\.01, 0\.3\) Hz and Nyquist = 0\.25 Hz \(sampling interval 2 "
                                            r"s\)\. Choose a band inside \(0, Nyquist\) or sample more often\.$"):
        linear_fc(bn.CoombesByrne(), conn4, noise=bn.Additive(v=0.1), observable="bold", band=(0.01, 0.3))


def test_band_not_a_pair(conn4):
    with pytest.raises(DynamicsError, match=r"^band must be a pair \(low, high\) in Hz, e\.g\. \(0\.01, 0\.1\), or "
                                            r"True; got 'bold'\.$"):
        linear_fc(bn.CoombesByrne(), conn4, noise=bn.Additive(v=0.1), observable="bold", band="bold")


def test_bad_filter_order(conn4):
    with pytest.raises(DynamicsError, match=r"^order must be a positive integer \(Butterworth sections\); got 0\.$"):
        linear_fc(bn.CoombesByrne(), conn4, noise=bn.Additive(v=0.1), observable="bold", band=True, order=0)


def test_bold_not_a_monitor(conn4):
    with pytest.raises(DynamicsError, match=r"^bold must be a bn\.Bold\(\.\.\.\) monitor \(e\.g\. "
                                            r"bn\.Bold\(tr=720\.0\)\); got 'revised_3T'\.$"):
        linear_fc(bn.CoombesByrne(), conn4, noise=bn.Additive(v=0.1), observable="bold", bold="revised_3T")


def test_bad_dt(conn4):
    with pytest.raises(DynamicsError, match=r"^dt must be the run's time step > 0 \(ms\); got 0\.$"):
        linear_fc(bn.CoombesByrne(), conn4, noise=bn.Additive(v=0.1), dt=0)


def test_noise_on_unknown_state(conn4):
    with pytest.raises(BrainnetError, match=r"^noise on 'x', but CoombesByrne has states \('r', 'v'\)\. Put the "
                                            r"amplitude on one of them, e\.g\. v=0\.1 in place of x=0\.1\.$"):
        linear_fc(bn.CoombesByrne(), conn4, noise=bn.Additive(x=0.1))


def test_misspelt_noise_state_names_the_close_state(conn4):
    """A close spelling is named (V -> v, rr -> r); a per-region list is shown as '...'; a model whose input port
    is not a state (Jansen-Rit receives p) gets its first state as the example."""
    with pytest.raises(BrainnetError, match=r"e\.g\. r=\.\.\. in place of rr=\.\.\.\.$"):
        linear_fc(bn.CoombesByrne(), conn4, noise=bn.Additive(rr=[0.1] * 4))
    with pytest.raises(BrainnetError, match=r"e\.g\. v=0\.05 in place of V=0\.05\.$"):
        linear_fc(bn.CoombesByrne(), conn4, noise=bn.Additive(V=0.05))
    with pytest.raises(BrainnetError, match=r"has states \('y0', 'y1', 'y2', 'y3', 'y4', 'y5'\)\. Put the amplitude "
                                            r"on one of them, e\.g\. y0=2 in place of p=2\.$"):
        bn.simulate(bn.JansenRit(), conn4, duration=1.0, noise=bn.Additive(p=2))


def test_bold_drive_below_minus_gamma(conn4):
    with pytest.raises(DynamicsError, match=r"^the BOLD drive at the fixed point is -1\.812 in region 0, below "
                                            r"-gamma = -0\.32: the balloon has no steady state \(inflow f <= 0\)\. "
                                            r"Use a Bold baseline nearer the fixed point \(e\.g\. "
                                            r"baseline='initial' with initial_state at the fixed point\)\.$"):
        linear_fc(bn.CoombesByrne(), conn4, noise=bn.Additive(v=0.1), observable="bold", bold=bn.Bold(baseline=2.0))


def test_unstable_fixed_point_is_refused():
    conn = bn.load_atlas("tvb76")
    model = bn.CoombesByrne(Delta=0.7, eta=-4.6, v_syn=5.0)
    from brainnet_cb.dynamics import network_fixed_points

    saddle = [p for p in network_fixed_points(model, conn, bn.Linear(G=0.0), n_random=0) if not p.stable][0]
    with pytest.raises(DynamicsError, match=r"^the fixed point is not stable \(largest real eigenvalue 1\.13 /ms\): "
                                            r"the linear predictor needs a stable fixed point\. Lower G \(see "
                                            r"critical_coupling\) or pick another at=\.$"):
        linear_fc(model, conn, bn.Linear(G=0.0), bn.Additive(v=0.1), at=saddle)


def test_region_without_noise_has_no_fc():
    conn = bn.Connectome(weights=[[0, 0, 0], [1, 0, 0], [0, 0, 0]], lengths=[[0, 0, 0], [10, 0, 0], [0, 0, 0]],
                         labels=["a", "b", "c"])
    with pytest.raises(DynamicsError, match=r"^region 'c' has no fluctuations of r \(variance 0\): no noise reaches "
                                            r"it\. Put noise on a state that drives it, e\.g\. "
                                            r"bn\.Additive\(v=0\.05\)\.$"):
        linear_fc(bn.CoombesByrne(), conn, bn.Linear(G=1.0), bn.Additive(v=[0.1, 0.1, 0.0]))


def test_noise_fix_never_names_a_state_twice(conn4):
    """The fix for a misnamed amplitude beside a state's own never gives that state a second one: it was
    'e.g. v=0.2 in place of x=0.2' for Additive(v=0.1, x=0.2), i.e. Additive(v=0.1, v=0.2)."""
    with pytest.raises(BrainnetError, match=r"has states \('r', 'v'\)\. Put the amplitude on one of them, e\.g\. "
                                            r"r=0\.2 in place of x=0\.2\.$"):
        linear_fc(bn.CoombesByrne(), conn4, noise=bn.Additive(v=0.1, x=0.2))
    with pytest.raises(BrainnetError, match=r"has states \('r', 'v'\)\. v has an amplitude already: remove "
                                            r"vv=0\.05\.$"):
        linear_fc(bn.CoombesByrne(), conn4, noise=bn.Additive(v=0.1, vv=0.05))
    with pytest.raises(BrainnetError, match=r"\. v has an amplitude already: remove x=0\.3\.$"):
        linear_fc(bn.CoombesByrne(), conn4, noise=bn.Additive(r=0.1, v=0.2, x=0.3))
