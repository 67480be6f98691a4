"""The simulation and the choice of :func:`~brainnet_cb.fitting.working_point.fit_working_point` (steps 3 and 4).

:func:`choose_point` simulates the best candidates of the kept linear scan
(:func:`~brainnet_cb.fitting.working_point_simulation.simulate_candidates`,
each with its fitted noise and weights,
:func:`~brainnet_cb.fitting.working_point_setup.setups_for`) and keeps the
one with the best simulated fit score; where the tract delays destabilise
every candidate of the scan (or leave it no usable step) down to where the
next best scan's best point comes first in the linear order, that scan takes
its place. Without simulation the best linear point is kept, with its
slow-limit FC. :func:`outcome` adds the chosen point's linearised FC.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..errors import FitError
from .regional_noise import regional_slow_limit_fc
from .working_point_inputs import Inputs
from .working_point_result import Candidate, Outcome, Scan, Setup
from .working_point_scan import stable_step
from .working_point_setup import setups_for
from .working_point_simulation import Simulated, exact_fc, simulate_candidates
from .working_point_weights import Weights, best_score, ranked_scans

__all__ = ["Choice", "choose_point", "outcome"]


class Choice(NamedTuple):
    """The point chosen, and the scan and simulations it was chosen from."""

    exponent: float  # the weight exponent of the scan simulated
    homotopic_weight: float  # its homotopic weight
    scan: Scan
    passed_over: tuple  # (exponent, homotopic weight) of the better scans whose candidates the delays destabilised
    simulated: Simulated
    best: Candidate | None  # the best simulated candidate (None without simulation)
    chosen: tuple  # (point, refined) of the point chosen
    fc: np.ndarray  # its model FC: simulated, or the slow limit without simulation
    setup: Setup


def choose_point(weights: Weights, inp: Inputs, bar=None) -> Choice:
    """The candidate with the best simulated fit score, of the first scan of :func:`ranked_scans` whose candidates
    the tract delays do not all destabilise, down to where the next scan's best point comes first in the linear
    order (without simulation: the best linear point of the kept scan).

    Raises :class:`FitError` where no candidate gave a fit score (:func:`_all_failed` says why).
    """
    ranked = ranked_scans(weights)
    passed_over = []  # (exponent, homotopic weight) of the scans whose candidates the delays destabilised
    for rank, (e_best, h_best) in enumerate(ranked):
        kept_scan = weights.scans[(e_best, h_best)]
        lin_corr, points = kept_scan.lin_corr, kept_scan.points
        order = sorted(points, key=lambda p: -np.nan_to_num(lin_corr[p], nan=-2.0))
        # the walk past points the delays destabilise stops where the next scan's best point comes first (on cuBNM's
        # HCP subject 100206 fitted to the group FC of 303 others it passed over the kept scan's 80 best points and
        # ended at one scoring 0.491 held out)
        limit = None
        if rank + 1 < len(ranked):
            floor = best_score(weights.scans[ranked[rank + 1]])
            limit = sum(np.nan_to_num(lin_corr[p], nan=-2.0) >= floor for p in order)
        setup_at, structure_at = setups_for(kept_scan, inp, bar)
        if passed_over and bar is not None:
            bar.total += inp.candidates * inp.run.runs
        if inp.simulate:
            sim = simulate_candidates(order, points, setup_at, inp.targets.fit_fc, inp.targets.fit_mask, inp.run,
                                      candidates=inp.candidates, effective_connectivity=inp.effective_connectivity,
                                      workers=inp.workers, bar=bar, structure_at=structure_at, walk_limit=limit)
        else:
            sim = Simulated([], {}, {}, {}, {})
        cands = sim.candidates
        best = None
        if cands:
            best = max(cands, key=lambda c: np.nan_to_num(c.fit_score["corr"], nan=-2.0))
            if not np.isfinite(best.fit_score["corr"]):
                if _delays_only(cands, sim) and (e_best, h_best) != ranked[-1]:
                    passed_over.append((e_best, h_best))
                    continue
                raise FitError(_all_failed(cands, sim.delay_stable, sim.no_step, passed_over, (e_best, h_best)))
            c_best, fc_best = (best.point, best.refined), best.fc
        else:
            c_best = (order[0], bool(inp.effective_connectivity))
            su = setup_at(c_best)  # the slow limit of the linear scan, with the point's fitted noise (and weights)
            fc_best = regional_slow_limit_fc(su.fixed_point, inp.sigma, inp.row,
                                             np.ones(inp.n) if su.fitted_noise is None else su.fitted_noise.factors,
                                             inp.run.global_signal)
        break
    return Choice(e_best, h_best, kept_scan, tuple(passed_over), sim, best, c_best, fc_best, setup_at(c_best))


def outcome(choice: Choice, inp: Inputs) -> Outcome:
    """The chosen point and what was measured there, with its linearised network's BOLD FC (computed here without
    simulation)."""
    sim, setup, run = choice.simulated, choice.setup, inp.run
    p_best = choice.chosen[0]
    dt_best = choice.best.dt if sim.candidates else stable_step(setup.fixed_point, run.dt, run.tr_ms)
    fc_lin = sim.exact[choice.chosen] if choice.chosen in sim.exact else exact_fc(
        setup.model, setup.connectome, choice.scan.points[p_best].G, setup.fixed_point, setup.noise, run.tr_ms,
        run.band, setup.normalize, dt_best, run.global_signal)
    return Outcome(p_best, setup, dt_best, choice.fc, fc_lin, sim.runs_mean.get(choice.chosen),
                   sim.corrections.get(choice.chosen), sim.candidates, sim.delay_stable)


def _delays_only(cands, sim):
    """Whether every candidate was passed over without a run (the tract delays destabilise it, or it has no
    usable integration step): a property of the scan's points, which another scan may not share."""
    return not any(sim.delay_stable[(c.point, c.refined)] for c in cands)


def _all_failed(cands, delay_stable, no_step, passed_over=(), last=None):
    """Why no simulated candidate gave a fit score: diverged runs, points the tract delays destabilise, or points
    without a usable integration step (and the scans passed over before this one for the delays)."""
    keys = [(c.point, c.refined) for c in cands]
    stepless = sum(c in no_step for c in keys)
    unstable = sum(not delay_stable[c] for c in keys) - stepless
    ran = len(cands) - unstable - stepless
    head = f"every simulated candidate ({len(cands)}: the best points of the linear scan) "
    if passed_over:  # (weight exponent, homotopic weight) of each scan
        head = (f"every candidate of the better scans ({', '.join(f'({e:g}, {h:g})' for e, h in passed_over)}: "
                "weight exponent, homotopic weight) was unstable with the tract delays or had no usable "
                "integration step; of the next, "
                f"({last[0]:g}, {last[1]:g}), every simulated candidate ({len(cands)}) ")
    why = [(ran, "diverged or gave an undefined FC", "use a smaller dt or weaker noise"),
           (unstable, "is unstable with the tract delays (a mode grows through them at that coupling, which the "
                      "linear stage does not see)",
            "scan weaker couplings (fractions= below the kept ones), or check that the tract lengths are in mm"),
           (stepless, "has no integration step down to dt / 100 that keeps Heun's scheme stable",
            "check the model's parameters")]
    for count, what, advice in why:
        if count == len(cands):
            return f"{head}{what}; {advice}."
    return head + "failed: " + "; ".join(f"{count} {what}: {advice}" for count, what, advice in why if count) + "."
