"""The integration step of a simulated working-point candidate, chosen from its Jacobian (Heun's stability)."""

import jax
import numpy as np
import pytest

import brainnet_cb as bn
from brainnet_cb.data.empirical_data import load_empirical
from brainnet_cb.errors import FitError
from brainnet_cb.fitting.working_point_scan import DAMPING_KEPT, scan_branch, stable_step


class _Point:
    """Only the eigenvalues of a fixed point (1/ms)."""

    def __init__(self, eigenvalues):
        self.eigenvalues = np.asarray(eigenvalues, dtype=complex)


def _heun_factor(z):
    return np.abs(1 + z + z * z / 2)


def test_stable_step_keeps_half_of_every_modes_damping():
    lam = np.array([-1.71 + 8.02j, -1.71 - 8.02j, -0.44])
    h = stable_step(_Point(lam), 0.2, tr=720.0)
    # 0.2 ms amplifies the oscillatory mode (|R| = 1.20 > 1), 0.16 ms damps it by 0.933 per step where the
    # exact flow damps by 0.760 (less than half the damping kept); 0.125 ms: 0.846 (exact 0.807)
    assert _heun_factor(0.2 * lam[0]) > 1.0 and h == 0.125
    assert 1 - _heun_factor(0.16 * lam[0]) < DAMPING_KEPT * (1 - np.exp(0.16 * lam[0].real))
    # a TR that 0.125 ms does not divide (0.6 ms / 0.125 ms = 4.8) skips it
    assert stable_step(_Point(lam), 0.2, tr=0.6) == 0.1
    kept = 1 - _heun_factor(h * lam)
    assert np.all(kept >= DAMPING_KEPT * (1 - np.exp(h * lam.real)))
    # a slow real mode alone never forces a smaller step
    assert stable_step(_Point([-0.44]), 0.2) == 0.2


def test_stable_step_refuses_a_mode_no_step_can_hold():
    with pytest.raises(FitError, match=r"^no integration step down to 0\.002 ms keeps Heun's scheme stable at this "
                                       r"working point \(fastest mode [-+.e0-9]+j /ms\); check the model's "
                                       r"parameters\.$"):
        stable_step(_Point([-1.0 + 2e4j]), 0.2)


@pytest.mark.slow
def test_the_step_it_refuses_is_the_one_that_blows_up_near_the_working_point():
    """HCP at eta = -2, G = 1.05 G_ref: dt = 0.2 ms diverges within tens of ms, the chosen 0.125 ms does not."""
    hcp = load_empirical("hcp80")
    model = bn.CoombesByrne(eta=-2.0)
    _, _, walk = scan_branch(model, hcp.connectome, "max", np.array([1.0, 1.05]), 20)
    (G1, fp1), (G2, fp2) = walk
    assert stable_step(fp1, 0.2, 720.0) == 0.2 and stable_step(fp2, 0.2, 720.0) == 0.125
    diverged = {}
    for dt in (0.2, 0.125):
        with jax.enable_x64(True):
            ds = bn.simulate_batch(model, hcp.connectome, 300.0, dt, batch={"seed": [1]}, coupling=bn.Linear(G=G2),
                                   noise=bn.Additive(v=0.02), monitors=[bn.TemporalAverage(period=1.0)],
                                   initial_state=fp2.as_initial_state(), on_divergence="keep", progress=False,
                                   dtype="float64")
        diverged[dt] = float(ds["diverged_at"].values[0])
    assert np.isfinite(diverged[0.2]) and np.isnan(diverged[0.125])


PAIR = bn.Connectome(weights=[[0, 1], [1, 0]], lengths=[[0, 30], [30, 0]])
RINGING = bn.CoombesByrne(Delta=0.1, eta=1.0)  # a lightly damped node


def _envelope_run(decay, growth, share, n=4000, horizon=10_000.0):
    t = np.linspace(0.0, horizon, n)
    return np.exp(-decay * t) + share * np.exp(growth * t)


def test_a_kick_dies_out_only_if_its_late_envelope_shrinks():
    from brainnet_cb.fitting.working_point_simulation import kick_dies_out

    assert kick_dies_out(_envelope_run(2.5e-3, 0.0, 0.0))
    # a mode growing at 0.46 /s with a thousandth of the kick: 10 s end below the start (0.1 vs 1), yet it grows
    # from about 1.5 s on; the old test (last tenth below the first) passed it
    slow = _envelope_run(2.5e-3, 4.6e-4, 1e-3)
    assert slow[-1] < slow[0] and not kick_dies_out(slow)
    assert not kick_dies_out(_envelope_run(2.5e-3, 4.6e-4, 1.0))  # ends above the start
    # gone down to the round-off floor: the floor's trend is noise, not growth
    floor = np.maximum(_envelope_run(0.05, 0.0, 0.0), 1e-16 * (1 + np.random.default_rng(0).random(4000)))
    assert kick_dies_out(floor) and kick_dies_out(np.where(floor > 1e-12, floor, 0.0))
    assert not kick_dies_out(np.append(_envelope_run(2.5e-3, 0.0, 0.0)[:-1], np.nan))
    assert not kick_dies_out(np.ones(10))  # fewer samples than windows


def test_a_step_that_amplifies_a_mode_the_continuous_count_calls_stable_is_made_finer():
    """A pair of ringing nodes at G = 7 with 3-ms delays: no root of the delayed equation grows and Heun's step of
    0.4 ms keeps half the damping of every delay-free mode, yet at that step a kick that differs between the two
    regions grows (the odd mode; a kick the same in both leaves it at rest and dies out). 0.32 ms damps it."""
    from brainnet_cb.dynamics import delayed_unstable_roots, network_fixed_point
    from brainnet_cb.fitting import working_point_simulation as stage

    with jax.enable_x64(True):
        fp = network_fixed_point(RINGING, PAIR, bn.Linear(G=7.0))
        assert delayed_unstable_roots(RINGING, PAIR, bn.Linear(G=7.0), speed=10.0, dt=0.4, at=fp,
                                      normalize="max") == 0
        assert stable_step(fp, 0.4) == 0.4
        even = bn.simulate(RINGING, PAIR, 3000.0, 0.4, coupling=bn.Linear(G=7.0), speed=10.0,
                           initial_state={s: v * 1.001 for s, v in fp.as_initial_state().items()},
                           monitors=[bn.SubSample(0.4)], progress=False, dtype="float64")
    assert np.max(np.abs(even["r"].values[-100:] - fp.values[0])) < 1e-12
    kw = dict(normalize="max", speed=10.0)
    assert not stage.kick_decays(RINGING, PAIR, 7.0, fp, dt=0.4, **kw)
    assert stage.kick_decays(RINGING, PAIR, 7.0, fp, dt=0.32, **kw)
    assert stage.delay_stable_step(RINGING, PAIR, 7.0, fp, dt=0.4, **kw) == 0.32
    # a TR that 0.32 ms does not divide (1.2 / 0.32 = 3.75, 1.2 / 0.25 = 4.8): the next finer one that does
    assert stage.delay_stable_step(RINGING, PAIR, 7.0, fp, dt=0.4, tr=1.2, **kw) == 0.2
    # the search starts at the delay-free step (0.8 ms asked, 0.4 ms stable without delays)
    assert stable_step(fp, 0.8) == 0.4 and stage.delay_stable_step(RINGING, PAIR, 7.0, fp, dt=0.8, **kw) == 0.32


def test_no_step_finer_than_the_ratio_is_tried(monkeypatch):
    from brainnet_cb.dynamics import network_fixed_point
    from brainnet_cb.fitting import working_point_simulation as stage

    with jax.enable_x64(True):
        fp = network_fixed_point(RINGING, PAIR, bn.Linear(G=7.0))
    monkeypatch.setattr(stage, "FINEST_STEP_RATIO", 1.25)
    assert stage.delay_stable_step(RINGING, PAIR, 7.0, fp, dt=0.4, normalize="max", speed=10.0) == 0.32
    monkeypatch.setattr(stage, "FINEST_STEP_RATIO", 1.2)
    assert stage.delay_stable_step(RINGING, PAIR, 7.0, fp, dt=0.4, normalize="max", speed=10.0) is None


def test_a_kick_back_exactly_at_the_fixed_point_that_leaves_it_again_has_not_died_out():
    from brainnet_cb.fitting.working_point_simulation import kick_dies_out

    # a window exactly at the fixed point, then a growing departure that ends 1e-3 of the kick away: neither gone
    # (below 1e-6 of it) nor shrinking
    t = np.linspace(0.0, 10_000.0, 4000)
    gap = np.where(t < 6000.0, np.exp(-5e-3 * t), 0.0)
    gap[t >= 8000.0] = 1e-3 * np.exp(5e-4 * (t[t >= 8000.0] - 10_000.0))
    assert gap[-1] < gap[0] and not kick_dies_out(gap)
    gap[t >= 8000.0] = 0.0  # and staying there: gone
    assert kick_dies_out(gap)


def test_a_refined_candidate_runs_at_the_step_its_refits_checks_passed_at(monkeypatch):
    """The refit the weights' refinement keeps is the one whose checks (``runs_near``) passed, and the step they
    passed at (finer than the Jacobian's where the kick grew at that one) is the step its candidate runs at, without
    checking it again; refits refused on the way (and the structural weights) carry none. Stubbed: the refinement
    offers two refits, refuses the first and keeps the second, which passes at 0.05 ms of 0.2."""
    from types import SimpleNamespace

    from brainnet_cb.fitting import working_point_setup as setup_stage
    from brainnet_cb.fitting import working_point_simulation as stage
    from brainnet_cb.fitting.working_point_result import ScanPoint

    conn = bn.Connectome(weights=[[0, 1], [1, 0]], lengths=[[0, 30], [30, 0]])
    refits = [SimpleNamespace(values=np.array([-2.0, -2.0]), weights=np.array([[0.0, w], [w, 0.0]]), noise=None,
                              fixed_point=f"refit {w}", shrinkage=0.1) for w in (1.5, 1.2)]

    def refine(network, fp, parameter, sigma, row, fit_fc, fit_mask, alone, *, accept, **kw):
        return next(r for r in refits if accept(r))

    monkeypatch.setattr(setup_stage, "build_network", lambda *a, **kw: SimpleNamespace(with_strength=lambda G: None))
    monkeypatch.setattr(setup_stage, "slow_limit_response", lambda *a: (None, None))
    monkeypatch.setattr(setup_stage, "choose_connection_shrinkage", refine)
    monkeypatch.setattr(setup_stage, "simulated_delays", lambda *a: None)
    monkeypatch.setattr(setup_stage, "runs_near", lambda m, c, G, fp, noise, **kw: None if fp == "refit 1.5" else 0.05)
    monkeypatch.setattr(setup_stage, "grows_with_delays", lambda *a, **kw: False)
    p = (0, 0, 0)
    scan = SimpleNamespace(points={p: ScanPoint(bn.CoombesByrne(eta=-2.0), 1.0, "structural", np.eye(2))},
                           connectome=conn, normalize="max")
    run = stage.RunSettings(10.0, 0.2, 720.0, 14_400.0, 2.0, None, False, 0, 1, False)
    inp = SimpleNamespace(targets=SimpleNamespace(fit_fc=np.eye(2), fit_mask=np.ones(1, bool)), run=run, noise=None,
                          n=2, sigma=0.02, row=0, regional_noise=False, parameter="eta", simulate=True, workers=1,
                          halves=None)
    setup_at, structure_at = setup_stage.setups_for(scan, inp)
    assert setup_at((p, True)).fixed_point == "refit 1.2" and setup_at((p, True)).step == 0.05
    assert structure_at((p, False)).step is None

    def checked(model, connectome, G, fp, **kw):  # the structural weights (tried after the refit's run diverged)
        assert fp == "structural", "the refit was checked again"

    monkeypatch.setattr(stage, "delay_stable_step", checked)
    dts = []
    monkeypatch.setattr(stage, "simulate_seed", lambda *a, dt, **kw: dts.append(dt))  # None: diverged
    sim = stage.simulate_candidates([p], scan.points, setup_at, np.eye(2), np.ones(1, bool), run, candidates=1,
                                    effective_connectivity=True, workers=1, structure_at=structure_at)
    assert dts == [0.05] and (sim.candidates[0].refined, sim.candidates[0].dt) == (True, 0.05)
    assert sim.delay_stable == {(p, True): True, (p, False): False}


@pytest.mark.parametrize("G, grows", [(4.0, False), (8.0, True)])
def test_a_refused_refit_is_not_scaled_back_toward_structural_weights_the_delays_destabilise(monkeypatch, G, grows):
    """A pair of lightly damped nodes with 3-ms delays: at G = 8 the delayed equation has growing roots on the
    structural weights, so where every refit is refused none is scaled back toward them (on an HCP subject every
    scale-back was refused, ~10 s each), and the candidate left on those weights is reported as destabilised by the
    delays without counting its roots again or running it; at G = 4 a refused refit is scaled back."""
    from types import SimpleNamespace

    from brainnet_cb.dynamics import network_fixed_point
    from brainnet_cb.fitting import working_point_setup as setup_stage
    from brainnet_cb.fitting import working_point_simulation as stage
    from brainnet_cb.fitting.working_point_result import ScanPoint

    model = bn.CoombesByrne(Delta=0.1, eta=1.0)
    conn = bn.Connectome(weights=[[0, 1], [1, 0]], lengths=[[0, 30], [30, 0]])
    with jax.enable_x64(True):
        fp = network_fixed_point(model, conn, bn.Linear(G=G))
    refined = []

    def refine(*a, scale_back, **kw):  # every refit refused: the structural weights kept
        refined.append(scale_back)

    monkeypatch.setattr(setup_stage, "slow_limit_response", lambda *a: (None, None))
    monkeypatch.setattr(setup_stage, "choose_connection_shrinkage", refine)
    p = (0, 0, 0)
    scan = SimpleNamespace(points={p: ScanPoint(model, G, fp, np.eye(2))}, connectome=conn, normalize="max")
    run = stage.RunSettings(10.0, 0.01, 720.0, 14_400.0, 2.0, None, False, 0, 1, False)
    inp = SimpleNamespace(targets=SimpleNamespace(fit_fc=np.eye(2), fit_mask=np.ones(1, bool)), run=run, noise=None,
                          n=2, sigma=0.02, row=0, regional_noise=False, parameter="eta", simulate=True, workers=1,
                          halves=None)
    setup_at, structure_at = setup_stage.setups_for(scan, inp)
    assert setup_at((p, True)).delays_grow is grows and refined == [not grows]
    assert structure_at((p, False)).delays_grow is grows
    if not grows:
        return
    monkeypatch.setattr(stage, "delay_stable_step", lambda *a, **kw: pytest.fail("its roots were counted again"))
    monkeypatch.setattr(stage, "simulate_seed", lambda *a, **kw: pytest.fail("the point was run"))
    sim = stage.simulate_candidates([p], scan.points, setup_at, np.eye(2), np.ones(1, bool), run, candidates=1,
                                    effective_connectivity=True, workers=1, structure_at=structure_at)
    assert sim.delay_stable == {(p, True): False, (p, False): False} and sim.no_step == frozenset()
    assert [(c.refined, np.isnan(c.fit_score["corr"])) for c in sim.candidates] == [(True, True), (False, True)]


def test_a_node_at_rest_at_the_origin_is_kicked_too():
    """A leaky rate unit with no drive rests at x = 0 in every region; scaling the states would leave it there (a
    kick that never left, not a kick that died out). Coupled at G = 0.5 it is stable (modes -0.05 and -0.15 /ms) and
    the kick, moved by 1e-3 xi, dies out; at G = 1.5 the odd... even mode grows (+0.05 /ms) and the kick grows."""
    from typing import ClassVar

    from brainnet_cb.dynamics import network_fixed_point
    from brainnet_cb.fitting import working_point_simulation as stage

    @bn.node_model
    class _Leaky(bn.NodeModel):
        tau: float = 10.0
        I: float = 0.0
        states: ClassVar[tuple] = ("x",)
        initial: ClassVar[dict] = {"x": 0.0}
        sends: ClassVar[str] = "x"
        receives: ClassVar[str] = "x"
        input_ports: ClassVar[tuple] = ("x",)

        def dfun(self, x, inputs):
            return (-x + self.I + inputs.get("x", 0.0)) / self.tau

    model, conn = _Leaky(), bn.Connectome(weights=[[0, 1], [1, 0]], lengths=[[0, 30], [30, 0]])
    kw = dict(normalize="max", speed=10.0, dt=0.5, horizon=2000.0)
    with jax.enable_x64(True):
        rest = network_fixed_point(model, conn, bn.Linear(G=0.5))
    assert np.all(rest.values == 0.0)
    assert stage.kick_decays(model, conn, 0.5, rest, **kw)
    assert not stage.kick_decays(model, conn, 1.5, rest, **kw)
