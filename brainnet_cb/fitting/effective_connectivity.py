r"""Connection weights refined to an empirical FC in the slow limit of the linearised network (effective connectivity).

Tractography measures the existence of a connection better than its
strength: streamline counts depend on tract length, curvature and
crossing fibres, and the weights a recipe can tune globally (an exponent,
homotopic connections) leave every connection's own error in place. Around a
stable fixed point the slow-limit FC of the linearised network
(:mod:`brainnet_cb.fitting.regional_noise`) is a smooth function of the
weights, so each existing connection can be scaled to the FC, as the
optimal structural connectivity of Deco et al. (2014) and the effective
connectivity of the MOU model (Gilson et al. 2016) do:

.. math::

   W'_{ij} = W_{ij}\,e^{e_{ij}}, \qquad e_{ij} = e_{ji},

on the connections of the structural connectome only (:math:`W_{ij} + W_{ji}
> 0`: none is created), jointly with the log variance factors :math:`u` of
the regional noise. A zero-lag FC is symmetric, so only the symmetric part
of the weights is identifiable from it: the modulation is symmetric.

**The working point is held.** New weights change every region's mean input
:math:`c_i` at the fixed point; the excitability :math:`\eta_i` of each region
(a parameter that adds to the coupling input, as :math:`\eta` of
Coombes–Byrne and Montbrió–Pazó–Roxin) takes up the change,
:math:`\eta'_i = \eta_i - (c'_i - c_i)`, so the fixed point, and with it every
region's own dynamics, stays exactly the one the scan chose: the weights
redistribute the fluctuations, not the operating point. (Letting the rates
move instead brings some regions to where their fast ringing, amplified by
the transmission delays that the slow limit ignores, grows: on hcp80 every
such refinement was unstable with the delays, every held one stable.)

The fit maximises

.. math::

   \rho\big(FC(u, e),\,FC^\mathrm{emp}\big)
   - \big|\overline{FC(u, e)} - \overline{FC^\mathrm{emp}}\big|
   - \lambda_u\,\overline{(u - \bar u)^2} - \lambda_e\,\overline{e^2},

with :math:`\lambda_u` the regional noise's own and :math:`\lambda_e` (how
far the weights may leave the structural ones) chosen by two-fold
cross-validation over the fitted connections, :math:`\lambda_e = \infty` (the
structural weights kept) among the choices, and the weights refitted on all
of them at half the :math:`\lambda_e` chosen on the folds' halves
(:func:`choose_connection_shrinkage`).
The same cross-validation chooses whether every connection is refined or
only the strongest half by :math:`W_{ij} + W_{ji}` (the others keep their
structural weights): where the weights come dense and smooth (a distance
rule), the weak connections' errors cannot be told from the FC's noise.
A step whose Jacobian changes the sign of its determinant (a real
eigenvalue crossing zero) is refused and the line search backs off; the
result's spectrum is confirmed to lie left of :math:`-\kappa`,
:math:`\kappa = 2\pi \cdot 1\,\mathrm{Hz}` (where a pair crossed unseen,
or a mode came slower than that, the fit is redone with the spectrum at every
step). A fit that keeps meeting that wall (more than 1 % of its evaluations
refused: it then stalls a few iterations from its start, as fits of an FC
after global signal regression do) is refitted from the same start with a
smooth barrier added to its loss,
:math:`\sum_k \max(0,\, 1 + \mathrm{Re}\,\lambda_k / 5\kappa)^2` over the
slow eigenvalues of the delay-free Jacobian (those within :math:`50\kappa`
of the origin, by shift-invert Arnoldi at every step), which lets it go on
with its slowest mode held near :math:`-5\kappa`, and without the stop of
L-BFGS-B on a small relative reduction of the loss (which ended refits
starting beside the wall after their first backed-off steps).
The slow limit holds for modes much faster than the haemodynamics
(below 0.2 Hz): a mode at :math:`-\kappa` keeps 96 % of its slow-limit power
up to 0.2 Hz, while a mode brought near zero is overrated there (after
global signal regression on hcp80, a refinement with a mode at
:math:`-1.6 \cdot 10^{-4}` /ms scored 0.75 in the slow limit and 0.62 with
its linearised BOLD FC).

One fit at a given :math:`\lambda_e` (the loss, L-BFGS-B, the held fixed
point: :func:`fit_effective_connectivity`, :func:`check_input_parameter`) is
in :mod:`brainnet_cb.fitting.effective_connectivity_fit`, importable from
here; this module chooses :math:`\lambda_e` and the share of the pairs.

References
----------
Deco, G. et al. (2014). Identification of optimal structural connectivity
using functional connectivity and neural modeling. J. Neurosci. 34,
7910–7916.
Gilson, M. et al. (2016). Estimation of directed effective connectivity from
fMRI functional connectivity hints at asymmetries of cortical connectome.
PLoS Comput. Biol. 12, e1004762.
"""

from __future__ import annotations

import dataclasses

import jax.numpy as jnp
import numpy as np

from ..dynamics.fixed_points import FixedPoint, fixed_point_at
from ..dynamics.system import Network, in_float64
from ..errors import FitError
from .effective_connectivity_delays import fit_delay_stable, fit_score
from .effective_connectivity_fit import (  # noqa: F401 - SLOWEST_DECAY, Objective: importable from here as before
    SLOWEST_DECAY,
    Objective,
    check_input_parameter,
    connected_pairs,
    fit_effective_connectivity,
    modulated_arrays,
    scanned_values,
    usable_fixed_point,
)
from .regional_noise import (
    FOLD_SHARE,
    RegionalNoise,
    cross_validation_folds,
    fc_corr,
    fit_regional_noise,
    regional_slow_limit_fc,
    slow_limit_response,
)
from .side_by_side import side_by_side

__all__ = ["EffectiveConnectivity", "fit_effective_connectivity", "choose_connection_shrinkage",
           "check_input_parameter", "DEFAULT_CONNECTION_SHRINKAGES", "DEFAULT_CONNECTION_SHARES",
           "BACKOFF_FRACTIONS"]

#: Shrinkages :math:`\lambda_e` of the log modulations of the weights tried by
#: :func:`choose_connection_shrinkage` (from the largest down, beside infinity: the structural weights kept).
DEFAULT_CONNECTION_SHRINKAGES = (1.0, 0.3, 0.1, 0.03, 0.01)
#: Shares of the connected pairs refined (the strongest by :math:`W_{ij} + W_{ji}`, the others kept structural)
#: tried by :func:`choose_connection_shrinkage`: all of them, and the strongest half.
DEFAULT_CONNECTION_SHARES = (1.0, 0.5)
#: Fractions of the best refused refit's log modulation tried, largest first, where ``accept`` refused every refit.
BACKOFF_FRACTIONS = (0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1)


@dataclasses.dataclass(frozen=True, repr=False)
class EffectiveConnectivity:
    """Weights, excitabilities and regional noise fitted jointly to an FC, and how far the weights were let move.

    Attributes
    ----------
    weights : ndarray (n, n)
        :math:`W'` ``[target, source]``, in the units of the network's
        (normalised) weights.
    log_modulation : ndarray (n, n)
        :math:`e_{ij}` (symmetric; 0 where there is no connection).
    values : ndarray (n,)
        The input parameter of every region (:math:`\\eta'_i`) that keeps the
        fixed point where it was.
    noise : RegionalNoise or None
        The regional noise refitted with the weights (its shrinkage as given);
        None where the noise is the same in every region.
    fixed_point : FixedPoint
        The fixed point (the same state) with its Jacobian for :math:`W'`.
    shrinkage : float
        The :math:`\\lambda_e` of the weights (``inf``: the structural weights
        kept): the cross-validated one times
        :data:`~brainnet_cb.fitting.regional_noise.FOLD_SHARE` (1/2), as they
        are refitted on all the fitted connections where the folds fit half.
    cv_corr : dict
        Cross-validated fit score (mean over the two folds) per shrinkage
        tried on the folds at ``share``, ``inf`` included.
    refused : tuple of float
        Shrinkages (of ``cv_corr``) of better scores whose refit on all
        connections was not stable or was refused by ``accept`` (see
        :func:`choose_connection_shrinkage`).
    modulation_fraction : float
        The fraction of the refit's log modulation kept: 1, or less where
        ``accept`` refused every refit and the best one was scaled back
        toward the structural weights.
    share : float
        The share of the connected pairs whose weights were free to move
        (the strongest, by :math:`W_{ij} + W_{ji}`; 1: all of them); the
        others keep their structural weights.
    share_cv_corr : dict
        Best cross-validated fit score over the finite shrinkages, per share
        tried (the share of the best is ``share``).
    delay_rounds : int
        The refits that left no growing root of the delayed characteristic
        equation after ``accept`` refused the refit
        (:func:`~brainnet_cb.fitting.effective_connectivity_delays.fit_delay_stable`);
        0: the refit as fitted.
    """

    weights: np.ndarray
    log_modulation: np.ndarray
    values: np.ndarray
    noise: RegionalNoise | None
    fixed_point: FixedPoint
    shrinkage: float
    cv_corr: dict
    refused: tuple = ()
    modulation_fraction: float = 1.0
    share: float = 1.0
    share_cv_corr: dict = dataclasses.field(default_factory=dict)
    delay_rounds: int = 0

    def __repr__(self):
        on = self.weights > 0
        spread = float(np.std(self.log_modulation[on])) if on.any() else 0.0
        noise = "none (uniform)" if self.noise is None else format(self.noise.shrinkage, "g")
        kept = "" if self.modulation_fraction == 1.0 else f" (x{self.modulation_fraction:g} of the refit)"
        if self.delay_rounds:
            kept += f" (delayed roots moved left in {self.delay_rounds} refits)"
        refined = np.isfinite(self.shrinkage) and self.share != 1.0
        share = f", the strongest {self.share:g} of the pairs refined" if refined else ""
        return (f"EffectiveConnectivity(shrinkage={self.shrinkage:g}, {int(on.sum())} connections{share}, "
                f"sd of log modulation {spread:.3g}{kept}, noise shrinkage {noise})")


@in_float64
def choose_connection_shrinkage(network: Network, fixed_point: FixedPoint, parameter, sigma, row, target, mask,
                                noise: RegionalNoise | None, key=0, shrinkages=DEFAULT_CONNECTION_SHRINKAGES,
                                accept=None, global_signal=False, workers=1, report=None,
                                shares=DEFAULT_CONNECTION_SHARES, scale_back=True,
                                delays=None, halves=None) -> EffectiveConnectivity:
    r"""Weights and regional noise fitted to ``target`` over ``mask``; :math:`\lambda_e` and the share of the
    connections refined chosen by two-fold CV.

    The fitted connections are split at random (seeded by ``key``, the same
    split as :func:`~brainnet_cb.fitting.regional_noise.choose_shrinkage`)
    into two halves; for each :math:`\lambda_e` the weights and noise are
    fitted on one half and scored (Pearson correlation) on the other, both
    ways, starting from :math:`\lambda_e = \infty` (the structural weights,
    the noise alone fitted) and going down, each fit started from the
    previous one. From the second finite shrinkage on, the first whose mean
    score is not above the previous one's ends the search (the smaller ones
    fit the noise of the folds, and take longest). With ``halves``,
    the two folds are a time split instead (the FC of each half of the
    series fitted and the other's scored, over all of ``mask``;
    :func:`~brainnet_cb.fitting.regional_noise.cross_validation_folds`).

    This path is walked for each share of the connected pairs in ``shares``
    (all of them, and the strongest half by :math:`W_{ij} + W_{ji}` by
    default; the same split, the same :math:`\lambda_e = \infty`), and the
    share whose path reaches the best mean score at a finite shrinkage is
    kept (on a tie, the larger share). A share that selects the same pairs
    as a larger one (tied weights, as in a binary SC) shares its path
    rather than walking it again. On a dense connectome the weak
    connections' own errors are the ones the folds cannot tell from the
    FC's noise: on Schaefer's 200 regions with an SC from the distance rule
    and half of the connections held out, refining the strongest half
    scored 0.821 on the held-out half against 0.768 with all pairs. On
    hcp80's tractography the folds keep all pairs on seven variants (among
    them one hemisphere, a thresholded SC and FC after global signal
    regression, where the half scored lower held out) and pick the half on
    five by 0.001-0.009 of two-fold score. On that share, the shrinkage of the
    best mean score (on a tie, the larger) is refitted on all of ``mask``,
    started from its fit on the first fold, at
    :data:`~brainnet_cb.fitting.regional_noise.FOLD_SHARE` (1/2) times that
    shrinkage: each fold fits half of the entries, and the loss's data term
    is a mean over them while its shrinkage term is not (on eleven variants
    of the fit benchmark the held-out score of the linear stage rose on ten,
    by 0.004 on average). Where the refit is not stable or ``accept`` refuses it,
    the shrinkage of the next best score is refitted. Where ``accept``
    refuses a refit and ``delays`` are given, that refit is also refitted
    with no growing root of the delayed characteristic equation
    (:func:`~brainnet_cb.fitting.effective_connectivity_delays.fit_delay_stable`),
    until ``accept`` takes one; that one is kept unless the candidate
    accepted in the end (a refit at a shrinkage of lower score, or a
    scale-back below) fits ``target`` over ``mask`` better, and used where
    none is. (On cuBNM's group of 706, Schaefer 100, the refits at
    :math:`\lambda_e` 0.1 and 0.03 had 116 and 262 growing roots; the first
    made stable did not pass the time-stepped checks of ``accept``, the
    second did: the whole recipe scored 0.937 held out, against 0.910
    with the refit at 0.3 that it kept before.) Where ``accept``
    refused every refit, the best refused one is scaled back toward the
    structural weights, :math:`e \to f\,e` for :math:`f` in
    :data:`BACKOFF_FRACTIONS` (largest first; the fixed point held, the
    regional noise refitted alone), and the first that is stable and
    accepted is used (``modulation_fraction = f``; not with
    ``scale_back=False``); else the structural weights are kept. Refits
    and scale-backs stay within the chosen share. (On hcp80's group FC after global signal
    regression, each raw series regressed before the band-pass, every refit
    pushed its slowest mode to the bound and had 44 modes growing with the
    delays; nine tenths of it had none and scored 0.686 held out against
    0.575 with the structural weights.) Without connections, or with fewer
    usable fitted connections than twice the number of regions, the weights
    are kept (``shrinkage = inf``).

    Parameters
    ----------
    network, fixed_point, parameter, sigma, row, target, mask
        As in :func:`fit_effective_connectivity`.
    noise : RegionalNoise or None
        The noise fitted alone (:func:`~brainnet_cb.fitting.regional_noise.choose_shrinkage`):
        its shrinkage :math:`\lambda_u` is kept and the factors are refitted
        with the weights. ``None``: the same noise in every region.
    key : int
        Seed of the split.
    shrinkages : sequence of float
        The finite :math:`\lambda_e > 0` tried (from the largest down).
    accept : callable, optional
        ``accept(candidate: EffectiveConnectivity) -> bool``: whether a refit
        on all of ``mask`` may be used (default: every stable refit).
    global_signal : bool
        Fit and score the FC after global signal regression.
    workers : int
        Threads fitting the two folds side by side (1: one after the
        other); from 4 on, the paths of the shares (of those selecting
        pairs of their own) are walked side by side too, ``workers // 2`` at
        a time, each with its folds side by side. The folds and the paths are
        independent, so the result is the same bit for bit. On a 2-core CPU
        two threads took a quarter off the refinement of hcp80 (one fold's
        linear algebra already keeps part of the second core busy); there
        the half's path took 0.6 times as long as the path of all pairs,
        which, with 4 threads, it runs beside.
    report : callable, optional
        ``report(share, shrinkage, cv_score)``, called after the two folds of
        each :math:`\lambda_e` of each path walked (``inf`` first) with its
        mean held-out score, and ``report(share, shrinkage, None)``
        before each refit on all of ``mask`` (with the refit's shrinkage,
        half the folds'): a progress bar's hook (on 400
        regions a fold of one :math:`\lambda_e` takes minutes). Each path
        reports in its order; paths walked side by side (``workers >= 4``)
        report from their threads, their calls interleaved.
    shares : sequence of float in (0, 1]
        The shares of the connected pairs tried (1: all of them; see
        :func:`fit_effective_connectivity`).
    scale_back : bool
        Whether the best refused refit is scaled back toward the structural
        weights where ``accept`` refused every refit (False where those
        weights themselves would be refused: the scale-backs lead toward them).
    delays : array (n, n) or callable, optional
        The tract delays (ms) ``[target, source]`` as simulated (rounded to
        the step), or a function of a refit's :class:`FixedPoint` returning
        those it runs with (the step can follow the refit's Jacobian;
        :func:`~brainnet_cb.fitting.effective_connectivity_delays.fit_delay_stable`).
        Where given, each refit that ``accept`` refuses is
        refitted at its shrinkage with no growing root of the delayed
        characteristic equation, and that refit offered to ``accept``, until
        it takes one (see above).
    halves : (array (n, n), array (n, n)), optional
        The FCs of the first and the second half of the series behind
        ``target``: the folds' time split (above).

    Returns
    -------
    EffectiveConnectivity

    Raises
    ------
    FitError
        ``parameter`` does not add to the coupling input or the network is not
        in float64 (:func:`check_input_parameter`), or a share is not in (0, 1].
    """
    given, shares = shares, sorted({float(f) for f in shares}, reverse=True)
    if not shares or not all(0.0 < f <= 1.0 for f in shares):
        raise FitError(f"shares must be one or more shares of the connected pairs in (0, 1]; got {given!r}.")
    check_input_parameter(network, parameter, fixed_point.values)
    n = fixed_point.values.shape[1]
    iu = np.triu_indices(n, 1)
    y = np.asarray(target, dtype=float)[iu]
    mask = np.asarray(mask, bool) & np.isfinite(y)
    idx = np.nonzero(mask)[0]
    weights = np.asarray(network.arrays.weights, dtype=float)
    values0 = scanned_values(network, parameter)
    lam_u = None if noise is None else noise.shrinkage

    def kept(cv, refused=(), share=1.0, share_cv=None):
        return EffectiveConnectivity(weights, np.zeros((n, n)), values0, noise, fixed_point, float("inf"), cv,
                                     tuple(refused), share=share, share_cv_corr=share_cv or {})

    if idx.size < 2 * n or connected_pairs(weights)[0].size == 0 or not (noise is None or np.isfinite(noise.shrinkage)):
        return kept({})
    splits = cross_validation_folds(target, mask, key, halves)
    walked, same = {}, {}  # per set of pairs, the first (largest) share selecting it; per share, whose path it takes
    for share in shares:  # tied pair weights (a binary SC): the same pairs as a larger share, the same path
        same[share] = walked.setdefault(tuple(map(tuple, connected_pairs(weights, share))), share)
    distinct = list(walked.values())
    side = min(len(distinct), max(1, workers // 2))  # paths walked side by side, each with its folds side by side

    def walk(share):
        return _shrinkage_path(network, fixed_point, parameter, sigma, row, splits, lam_u, shrinkages, share,
                               global_signal, max(1, workers // side), report)

    walks = dict(zip(distinct, side_by_side(walk, distinct, side, "effective_connectivity_paths")))
    cvs = {share: walks[same[share]][0] for share in shares}
    paths = {share: walks[same[share]][1] for share in shares}
    share_cv = {f: max((v for lam, v in cvs[f].items() if np.isfinite(lam) and np.isfinite(v)), default=float("nan"))
                for f in shares}
    share = max(shares, key=lambda f: (np.nan_to_num(share_cv[f], nan=-2.0), f))  # the best; on a tie the larger
    cv, path = cvs[share], paths[share]
    refused, best_refused, steered = [], None, None

    def fits_better(a, b):  # a's slow-limit FC correlates with target over mask at least as well as b's
        def score(c):
            u = np.zeros(n) if c.noise is None else np.log(c.noise.factors)
            return fit_score(u, c.fixed_point, sigma, row, target, mask, global_signal)

        return score(a) >= score(b)

    def chosen(candidate):  # an accepted candidate, or the delay-stable refit where that fits better
        return steered if steered is not None and fits_better(steered, candidate) else candidate

    for best in sorted(cv, key=lambda lam: (np.nan_to_num(cv[lam], nan=-2.0), lam), reverse=True):
        if not np.isfinite(best):
            break
        refit = best * FOLD_SHARE  # each fold fitted half the entries, or an FC of half the series
        if report is not None:
            report(share, refit, None)
        u, E, values, fp, params = fit_effective_connectivity(network, fixed_point, parameter, sigma, row, target,
                                                              mask, noise_shrinkage=lam_u, shrinkage=refit,
                                                              start=path[best],  # from the first fold's fit
                                                              global_signal=global_signal, share=share)
        if E.any():
            refined = None if noise is None else RegionalNoise(np.exp(u), noise.shrinkage, noise.cv_corr)
            candidate = EffectiveConnectivity(weights * np.exp(E), E, values, refined, fp, refit, cv, tuple(refused),
                                              share=share, share_cv_corr=share_cv)
            if accept is None or accept(candidate):
                return chosen(candidate)
            if delays is not None and steered is None:  # the refused refit, made stable with the delays
                steered = _delay_stable(network, fixed_point, parameter, sigma, row, target, mask, candidate, params,
                                        delays, global_signal, accept)
            best_refused = best_refused or candidate
        refused.append(best)
    if best_refused is not None and scale_back:  # every refit refused: the best one, scaled back toward the weights
        for fraction in BACKOFF_FRACTIONS:
            candidate = _scaled_back(network, fixed_point, parameter, sigma, row, target, mask, best_refused,
                                     fraction, global_signal, tuple(refused))
            if candidate is not None and accept(candidate):
                return chosen(candidate)
    return steered if steered is not None else kept(cv, refused, share, share_cv)


def _delay_stable(network, fixed_point, parameter, sigma, row, target, mask, refused_refit, params, delays,
                  global_signal, accept):
    """``refused_refit`` refitted with no growing root of the delayed equation (:func:`fit_delay_stable`, from its
    raw parameters ``params``), where that succeeds and ``accept`` takes it; else None."""
    noise = refused_refit.noise
    steered = fit_delay_stable(network, fixed_point, parameter, sigma, row, target, mask,
                               noise_shrinkage=None if noise is None else noise.shrinkage,
                               shrinkage=refused_refit.shrinkage, start=params, delays=delays,
                               global_signal=global_signal, share=refused_refit.share)
    if steered is None:
        return None
    u, E, values, fp, _, rounds = steered
    weights = np.asarray(network.arrays.weights, dtype=float)
    refined = None if noise is None else RegionalNoise(np.exp(u), noise.shrinkage, noise.cv_corr)
    candidate = dataclasses.replace(refused_refit, weights=weights * np.exp(E), log_modulation=E, values=values,
                                    noise=refined, fixed_point=fp, delay_rounds=rounds)
    return candidate if accept(candidate) else None


def _shrinkage_path(network, fixed_point, parameter, sigma, row, splits, lam_u, shrinkages, share, global_signal,
                    workers, report):
    """The two-fold scores ``{lambda_e: score}`` and first-fold fits ``{lambda_e: params}`` of the path of one
    share of the connected pairs (:func:`choose_connection_shrinkage`) over the folds ``splits``
    (:func:`~brainnet_cb.fitting.regional_noise.cross_validation_folds`)."""
    iu = np.triu_indices(fixed_point.values.shape[1], 1)
    starts, cv, path = [None, None], {}, {}
    for lam in [float("inf"), *sorted((float(s) for s in shrinkages), reverse=True)]:

        def fold(f, lam=lam):  # fit one fold from its previous fit; score the other
            fit_target, fit_mask, score_target, score_mask = splits[f]
            u, _, _, fp, p = fit_effective_connectivity(network, fixed_point, parameter, sigma, row, fit_target,
                                                        fit_mask, noise_shrinkage=lam_u, shrinkage=lam,
                                                        start=starts[f], global_signal=global_signal, share=share)
            x = regional_slow_limit_fc(fp, sigma, row, np.exp(u), global_signal)[iu]
            return p, fc_corr(x[score_mask], np.asarray(score_target, dtype=float)[iu][score_mask])

        (starts[0], score0), (starts[1], score1) = side_by_side(fold, (0, 1), workers, "effective_connectivity")
        path[lam] = starts[0]
        cv[lam] = float(np.mean([score0, score1]))
        if report is not None:
            report(share, lam, cv[lam])
        if len(cv) > 2 and not cv[lam] > list(cv.values())[-2]:  # past the best: smaller ones fit the folds' noise
            break
    return cv, path


def _scaled_back(network, fixed_point, parameter, sigma, row, target, mask, refit, fraction, global_signal,
                 refused):
    r"""``refit`` with its log modulation scaled by ``fraction`` (the fixed point held, the regional noise refitted
    alone to the new weights), or None where that network is not stable with every mode faster than
    :data:`SLOWEST_DECAY`."""
    E = fraction * refit.log_modulation
    pi, pj = connected_pairs(np.asarray(network.arrays.weights), refit.share)
    x = jnp.asarray(fixed_point.values, jnp.float64)
    arrays = modulated_arrays(network.arrays, parameter, x, jnp.asarray(pi), jnp.asarray(pj), jnp.asarray(E[pi, pj]))
    fp = fixed_point_at(dataclasses.replace(network, arrays=arrays), fixed_point.values, "effective connectivity")
    if not usable_fixed_point(fp):
        return None
    noise = refit.noise
    if noise is not None:
        u = fit_regional_noise(*slow_limit_response(fp, sigma, row), target, mask, noise.shrinkage, global_signal)
        noise = RegionalNoise(np.exp(u), noise.shrinkage, noise.cv_corr)
    return dataclasses.replace(refit, weights=np.asarray(network.arrays.weights, dtype=float) * np.exp(E),
                               log_modulation=E, values=np.asarray(getattr(arrays.model, parameter), dtype=float),
                               noise=noise, fixed_point=fp, refused=refused, modulation_fraction=float(fraction))

