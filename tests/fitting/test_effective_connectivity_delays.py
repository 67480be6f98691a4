"""A refit of the connection weights kept stable with the tract delays
(brainnet_cb.fitting.effective_connectivity_delays).

Ten Coombes–Byrne regions (eta = 2, no synaptic reversal: a lightly damped
focus at r ~ 0.8) on random weights with tracts of 20-120 mm at 3 mm/ms. A
"true" network scales every connection by e^{e_ij} (e ~ N(0.5, 0.3)) at the
same fixed point: without delays it is stable (slowest mode -0.37 /ms), with
them 18 roots of the delayed characteristic equation grow. Refitting the
weights to its slow-limit FC recovers it, growing roots and all; the
delay-stable refit must leave no root in the right half-plane (counted by the
argument principle, independently of the roots it tracked) at the same
fixed point, and keep most of the fit that the structural weights lack.
"""

import re

import jax.numpy as jnp
import numpy as np
import pytest

import brainnet_cb as bn
from brainnet_cb.coupling import Linear
from brainnet_cb.dynamics import delayed_roots as roots
from brainnet_cb.dynamics import delayed_unstable_roots
from brainnet_cb.dynamics.fixed_points import fixed_point_at, fixed_point_of
from brainnet_cb.dynamics.spectrum import network_delays
from brainnet_cb.dynamics.system import build_network, in_float64, jacobian_parts
from brainnet_cb.fitting.effective_connectivity import choose_connection_shrinkage
from brainnet_cb.fitting.effective_connectivity_delays import fit_delay_stable
from brainnet_cb.fitting.effective_connectivity_fit import (
    SLOWEST_DECAY,
    connected_pairs,
    fit_effective_connectivity,
    modulated_arrays,
    root_real_parts,
)
from brainnet_cb.fitting.regional_noise import FOLD_SHARE, regional_fc, slow_limit_response

N, ETA, G, SPEED = 10, 2.0, 1.0, 3.0
ROW = 0
IU = np.triu_indices(N, 1)
ALL = np.ones(IU[0].size, bool)


def _model(eta):
    return bn.CoombesByrne(eta=eta, k=0.0, v_syn=0.0)  # no synaptic reversal: a lightly damped focus


def _network(weights, lengths, eta=ETA):
    return build_network(_model(eta), bn.Connectome(weights, lengths), Linear(), normalize="none").with_strength(G)


def _growing(weights, eta, case):
    """Roots of the delayed equation right of the imaginary axis (the argument principle) at the structural state."""
    return delayed_unstable_roots(_model(eta), bn.Connectome(weights, case["L"]),
                                  bn.Linear(G=G), speed=SPEED, at=case["fp"].values, normalize="none")


@pytest.fixture(scope="module")
def case():
    rng = np.random.default_rng(0)
    A = rng.uniform(size=(N, N))
    A = (A + A.T) / 2
    np.fill_diagonal(A, 0.0)
    A[A < 0.3] = 0.0
    A /= A.max()
    L = rng.uniform(20.0, 120.0, size=(N, N))
    L = (L + L.T) / 2
    np.fill_diagonal(L, 0.0)
    e = np.triu(np.random.default_rng(1).normal(0.5, 0.3, size=(N, N)), 1)
    e = e + e.T
    e[A + A.T == 0] = 0.0
    network = _network(A, L)
    fp = fixed_point_of(network)
    W_true = A * np.exp(e)
    eta_true = ETA - G * ((W_true - A) @ fp.values[0])  # Linear coupling: c = G W r
    fp_true = fixed_point_at(_network(W_true, L, eta_true), fp.values)
    sigma = np.zeros((2, N))
    sigma[1] = 0.02
    target = regional_fc(*slow_limit_response(fp_true, sigma, ROW), np.ones(N))
    case = dict(A=A, L=L, network=network, fp=fp, sigma=sigma, target=target, delays=L / SPEED)
    assert fp.stable and fp_true.stable and fp_true.max_real < -0.3
    assert _growing(A, np.full(N, ETA), case) == 0 and _growing(W_true, eta_true, case) > 10
    refit = fit_effective_connectivity(network, fp, "eta", sigma, ROW, target, ALL, noise_shrinkage=None,
                                       shrinkage=1e-3)
    return {**case, "refit": refit}


def _score(case, u, fp):
    fc = regional_fc(*slow_limit_response(fp, case["sigma"], ROW), np.exp(u))
    return float(np.corrcoef(fc[IU], case["target"][IU])[0, 1])


@in_float64
def _parts_at(case, e):
    network, x = case["network"], jnp.asarray(case["fp"].values, jnp.float64)
    pi, pj = (jnp.asarray(k) for k in connected_pairs(case["A"]))
    arrays = modulated_arrays(network.arrays, "eta", x, pi, pj, jnp.asarray(e))
    return jacobian_parts(x, arrays, network.port), arrays.weights


def test_the_tracked_real_parts_are_exact_at_the_root_and_first_order_off_it(case):
    """root_real_parts gives Re lambda where the root was found, and off it an error of second order in the step:
    halving the step quarters it."""
    e0 = case["refit"][4][N:]
    parts, weights = _parts_at(case, e0)
    found, count = roots.roots_right_of(parts, weights, case["delays"], 0.0, SLOWEST_DECAY)
    assert count > 10 and found
    root = found[0]
    stacked = tuple(jnp.asarray(np.array([getattr(root, k)])) for k in ("value", "right", "left", "slope"))
    assert float(root_real_parts(parts, weights, jnp.asarray(case["delays"]), stacked)[0]) == pytest.approx(
        root.value.real, abs=1e-12)
    direction = np.random.default_rng(2).normal(size=e0.size)
    errors = []
    for step in (1e-2, 5e-3, 2.5e-3):
        parts, weights = _parts_at(case, e0 + step * direction)
        exact = roots._newton(roots._numpy_parts(parts), np.asarray(weights), case["delays"], root.value, root.right,
                              1e-13, 50)
        first = float(root_real_parts(parts, weights, jnp.asarray(case["delays"]), stacked)[0])
        assert abs(exact - root.value) > 1e-5  # the root did move
        errors.append(abs(first - exact.real))
    assert errors[0] / errors[1] == pytest.approx(4.0, rel=0.15)
    assert errors[1] / errors[2] == pytest.approx(4.0, rel=0.15)


def test_a_refit_growing_with_the_delays_is_moved_left_at_the_same_state(case):
    u, E, values, fp, params = case["refit"]
    assert _growing(case["A"] * np.exp(E), values, case) > 10  # the refit recovers the true network's instability
    steered = fit_delay_stable(case["network"], case["fp"], "eta", case["sigma"], ROW, case["target"], ALL,
                               noise_shrinkage=None, shrinkage=1e-3, start=params, delays=case["delays"])
    u2, E2, values2, fp2, params2, rounds = steered
    W2 = case["A"] * np.exp(E2)
    assert rounds >= 1 and _growing(W2, values2, case) == 0
    # the state held: a network built afresh from the steered weights and eta rests at the structural state
    assert np.array_equal(fp2.values, case["fp"].values) and fp2.stable
    assert fixed_point_at(_network(W2, case["L"], values2), case["fp"].values).residual <= 1e-10
    assert np.allclose(E2, E2.T) and not E2[case["A"] + case["A"].T == 0].any()
    structural = _score(case, np.zeros(N), case["fp"])
    refit, kept = _score(case, u, fp), _score(case, u2, fp2)
    assert structural + 0.02 < kept < refit  # 0.883, 0.921, 1.000
    lam, _ = roots.rightmost_root(*_parts_at(case, params2[N:]), case["delays"])
    assert lam.real < 0


def test_a_start_without_growing_roots_is_not_refitted(case):
    start = np.zeros(N + connected_pairs(case["A"])[0].size)
    assert fit_delay_stable(case["network"], case["fp"], "eta", case["sigma"], ROW, case["target"], ALL,
                            noise_shrinkage=None, shrinkage=1e-3, start=start, delays=case["delays"]) is None


def _choose(case, accept, **kw):
    return choose_connection_shrinkage(case["network"], case["fp"], "eta", case["sigma"], ROW, case["target"], ALL,
                                       None, key=0, shrinkages=(0.1, 0.01), accept=accept, **kw)  # uniform noise


def test_the_delay_stable_refit_is_kept_where_it_fits_better_than_what_is_accepted(case):
    """With ``delays``, the best refit that ``accept`` refuses (its delayed roots grow) is also refitted stable with
    the delays; it is kept unless an accepted alternative fits the target better. Where the scale-backs toward the
    structural weights are refused too, it is used (without delays: the structural weights)."""
    seen = []

    def no_scale_back(candidate):
        seen.append(candidate.delay_rounds)
        return candidate.modulation_fraction == 1.0 and _growing(candidate.weights, candidate.values, case) == 0

    steered = _choose(case, no_scale_back, delays=case["delays"])
    best = max((lam for lam in steered.cv_corr if np.isfinite(lam)), key=lambda lam: steered.cv_corr[lam])
    assert steered.cv_corr[best] > steered.cv_corr[np.inf] + 0.03  # 0.933 against 0.880
    assert steered.shrinkage == best * FOLD_SHARE and steered.refused == () and steered.delay_rounds >= 1
    assert seen[:2] == [0, steered.delay_rounds]  # the refused refit, then its delay-stable refit
    assert "delayed roots moved left" in repr(steered)
    assert _growing(steered.weights, steered.values, case) == 0
    assert _score(case, np.zeros(N), steered.fixed_point) > _score(case, np.zeros(N), case["fp"])  # 0.921, 0.883
    plain = _choose(case, no_scale_back)
    assert plain.shrinkage == np.inf and plain.refused[0] == best  # every refit refused: the structural weights


def test_an_accepted_alternative_that_fits_better_is_kept(case):
    """Here the refused refit scaled back toward the structural weights (x0.3, the first fraction whose roots do
    not grow) fits 0.948 and the delay-stable refit 0.921: the scale-back is kept, as without delays."""
    seen = []

    def stable(candidate):
        seen.append(candidate.delay_rounds)
        return _growing(candidate.weights, candidate.values, case) == 0

    res = _choose(case, stable, delays=case["delays"])
    assert any(seen) and res.delay_rounds == 0 and res.modulation_fraction == pytest.approx(0.3)
    plain = _choose(case, stable)
    assert np.array_equal(res.weights, plain.weights) and res.refused == plain.refused
    assert _score(case, np.zeros(N), res.fixed_point) > 0.94


def test_roots_without_their_delays_are_refused_before_the_fit(case):
    """Roots are steered through the delayed characteristic matrix, so they need the delays: an exact FitError."""
    root = roots.DelayedRoot(0.1 + 1.0j, np.ones(2 * N, complex), np.ones(2 * N, complex), 1.0 + 0j)
    for delays, got in ((None, "None"), (np.ones((N - 1, N - 1)), f"({N - 1}, {N - 1})")):
        with pytest.raises(bn.FitError, match=(rf"^roots are steered with the tract delays: pass delays as an "
                                               rf"\({N}, {N}\) array in ms \[target, source\]; got {re.escape(got)}\.$")):
            fit_effective_connectivity(case["network"], case["fp"], "eta", case["sigma"], ROW, case["target"], ALL,
                                       noise_shrinkage=None, shrinkage=1e-3, delays=delays, roots=[root])


def test_delays_that_follow_the_fixed_point_are_taken_afresh_each_round(case):
    """Where the delays are a function of the weights' fixed point (the step a network runs at follows its
    Jacobian, and the delays are rounded to it), each round counts and steers with the delays of the weights it
    starts from: the last fixed point asked is the result's, and with its delays no root grows."""
    asked = []

    def step_of(fp):  # a step that follows the fastest mode of fp's Jacobian (as Heun's stable step does)
        return 2.0 / np.max(np.abs(fp.eigenvalues))

    def rounded(fp):  # the tract delays rounded to it, as simulated
        asked.append(fp)
        return np.asarray(network_delays(case["network"], SPEED, step_of(fp)))

    params = case["refit"][4]
    steered = fit_delay_stable(case["network"], case["fp"], "eta", case["sigma"], ROW, case["target"], ALL,
                               noise_shrinkage=None, shrinkage=1e-3, start=params, delays=rounded)
    u2, E2, values2, fp2, params2, rounds = steered
    assert len(asked) == rounds + 1 and asked[-1] is fp2
    assert np.allclose(asked[0].jacobian, case["refit"][3].jacobian, atol=1e-12)  # the start's own fixed point
    assert delayed_unstable_roots(_model(values2), bn.Connectome(case["A"] * np.exp(E2), case["L"]), bn.Linear(G=G),
                                  speed=SPEED, dt=step_of(fp2), at=fp2.values, normalize="none") == 0
    assert fit_delay_stable(case["network"], case["fp"], "eta", case["sigma"], ROW, case["target"], ALL,
                            noise_shrinkage=None, shrinkage=1e-3, start=params, delays=lambda fp: None) is None
