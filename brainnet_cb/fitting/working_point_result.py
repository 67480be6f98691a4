"""The records of :func:`~brainnet_cb.fitting.working_point.fit_working_point`, its scores, and the Dataset it returns.

The recipe (:mod:`brainnet_cb.fitting.working_point`) passes what it chose and
measured here as records; :func:`result_dataset` scores the kept FC against
the fit and held-out targets beside the structural baseline and labels every
array (the variables and attributes documented by ``fit_working_point``).
"""

from __future__ import annotations

import json
import time
from typing import NamedTuple

import numpy as np
import xarray as xr

from .. import analysis
from ..analysis.common import has_spread
from ..connectome import Connectome
from ..dynamics.fixed_points import FixedPoint
from ..homotopic import hemispheres_from_labels
from ..nodes.base import NodeModel
from ..noise import Additive
from .effective_connectivity import EffectiveConnectivity
from .regional_noise import RegionalNoise

__all__ = ["score_fc", "has_spread", "hemisphere_pairs", "sc_baseline", "ScanPoint", "Scan", "Candidate", "Setup",
           "Options", "Targets", "LinearStage", "Outcome", "result_dataset"]


# ----------------------------------------------------------------------------- scores
def score_fc(model_fc, target, mask=None) -> dict:
    r"""Scores of a model FC against a target FC over the upper triangle (or a mask of it).

    :math:`\rho = \mathrm{corr}(u^{model}, u^{target})` (Pearson, as
    :func:`brainnet_cb.fc_fit`), :math:`\mathrm{RMSE}` of the same entries,
    and the mean of each. The correlation is NaN where either FC is the
    same at every pair up to round-off (a relative 1e-9).

    Parameters
    ----------
    model_fc, target : array_like, shape (n, n)
    mask : array of bool, shape (n (n - 1) / 2,), optional
        Which upper-triangle entries (row-major ``numpy.triu_indices(n, 1)``
        order) to score; default all.

    Returns
    -------
    dict
        ``corr``, ``rmse``, ``mean_model``, ``mean_target``.
    """
    a, b = np.asarray(model_fc, dtype=float), np.asarray(target, dtype=float)
    iu = np.triu_indices(a.shape[-1], 1)
    u, w = a[iu], b[iu]
    if mask is not None:
        u, w = u[mask], w[mask]
    ok = np.isfinite(u) & np.isfinite(w)
    u, w = u[ok], w[ok]
    corr = float(np.corrcoef(u, w)[0, 1]) if u.size > 2 and has_spread(u) and has_spread(w) else float("nan")
    return {"corr": corr, "rmse": float(np.sqrt(np.mean((u - w) ** 2))) if u.size else float("nan"),
            "mean_model": float(np.mean(u)) if u.size else float("nan"),
            "mean_target": float(np.mean(w)) if w.size else float("nan")}


def hemisphere_pairs(connectome) -> dict:
    """Masks over the upper triangle: pairs within one hemisphere, pairs across; empty without hemispheres.

    Interhemispheric FC is nearly as strong as within-hemisphere FC while the
    SC between hemispheres is an order of magnitude weaker, so the two parts
    are scored apart. Without ``connectome.hemispheres``, from the labels'
    hemisphere tokens when every label has one
    (:func:`~brainnet_cb.homotopic.hemispheres_from_labels`).
    """
    h = getattr(connectome, "hemispheres", None)
    if h is None:  # e.g. read from a matrix file: the labels may still say it
        h = hemispheres_from_labels(connectome.labels)
    if h is None:
        return {}
    h = np.asarray(h, dtype=bool)
    i, j = np.triu_indices(h.size, 1)
    same = h[i] == h[j]
    return {"within": same, "between": ~same} if same.any() and (~same).any() else {}


def sc_baseline(connectome, target, mask):
    """corr(W, FC) over the scored entries: the structure-function baseline (Honey et al. 2009)."""
    w = np.asarray(connectome.weights, dtype=float)
    return score_fc((w + w.T) / 2.0, target, mask)["corr"]


# ----------------------------------------------------------------------------- records of the recipe
class ScanPoint(NamedTuple):
    """A stable point of the linear scan."""

    model: NodeModel  # with the scanned excitability (and heterogeneity scale)
    G: float  # global coupling
    fixed_point: FixedPoint
    fc: np.ndarray  # slow-limit FC with the same noise in every region


class Scan(NamedTuple):
    """The linear scan of one network (one weight exponent and homotopic weight) over ``(value, scale, fraction)``."""

    lin_corr: np.ndarray  # (values, scales, fractions): linear fit score, NaN where no stable point
    lin_mean: np.ndarray  # mean slow-limit FC of the model
    G_grid: np.ndarray  # couplings
    G_ref: np.ndarray  # (values, scales): reference coupling of each branch
    kinds: np.ndarray  # (values, scales): how the reference coupling was found
    points: dict  # (i, j, k) -> ScanPoint, the stable points
    connectome: Connectome  # the scanned network (its weights raised, homotopic connections added)
    normalize: str  # its normalisation


class Candidate(NamedTuple):
    """A point of the linear scan simulated (or reported without simulation) by the simulation stage."""

    point: tuple  # (i, j, k) of the linear scan
    fc: np.ndarray | None  # simulated FC (with the control variate), None where it was not simulated
    fit_score: dict  # score_fc against the fit FC ("corr" NaN where not simulated or diverged)
    seeds_kept: int  # realisations that did not diverge
    dt: float  # integration step, NaN where not simulated
    refined: bool  # with refined weights (else on the structural ones)
    tracked: bool  # the runs stayed in the linear regime that chose the point (they tracked their twin)


class Setup(NamedTuple):
    """What a point runs with once its noise (and weights) are fitted to the fit FC."""

    model: NodeModel  # with the excitability of every region that holds the fixed point under refined weights
    connectome: Connectome  # with the refined weights (already normalised: normalize "none") or as scanned
    normalize: str
    fixed_point: FixedPoint  # of the refined weights
    noise: Additive  # with the regional amplitudes
    fitted_noise: RegionalNoise | None  # None: the same noise everywhere
    ec: EffectiveConnectivity | None  # None: not fitted
    step: float | None  # the step its refinement's delay checks passed at (runs_near); None: not checked yet
    fc_structural: np.ndarray  # the slow-limit FC of the structural weights with the noise fitted alone
    delays_grow: bool = False  # its structural weights grow with the delays (counted before refining: no scale-back)


class Options(NamedTuple):
    """The settings a fit ran with, checked (recorded in the result's attributes and coordinates)."""

    model: NodeModel
    parameter: str
    values: np.ndarray  # excitabilities scanned
    scales: np.ndarray  # heterogeneity scales scanned ([0] without a map)
    fractions: np.ndarray  # G / G_ref scanned
    exponents: np.ndarray  # weight exponents scanned (the extensions included)
    homotopic: np.ndarray  # homotopic weights asked for
    heterogeneity: str  # "none", the map's name or "user map"
    noise: Additive
    regional_noise: bool
    effective_connectivity: bool
    global_signal: bool  # every model FC regressed as the data
    normalize: str
    speed: float
    dt: float
    duration_ms: float
    tr_ms: float
    seeds: int
    discard_s: float
    band: object  # None, True or (low, high) in Hz
    holdout: str | None
    key: int
    control_variate: bool
    time_split: bool = False  # the refinements' shrinkages chosen on the halves' FCs (fc_halves), not on pairs


class Targets(NamedTuple):
    """The connectome and the FCs a fit was given, and which entries it fitted and scored."""

    connectome: Connectome  # as given (its labels and hemispheres)
    baseline: Connectome  # normalised as given: the structure-function baseline
    fit_fc: np.ndarray
    fit_mask: np.ndarray  # upper-triangle entries fitted
    test_fc: np.ndarray | None  # held-out FC (the fit FC itself with holdout="edges"), None without
    test_mask: np.ndarray  # upper-triangle entries scored on test_fc


class LinearStage(NamedTuple):
    """The linear stage: the scan of the kept network and how it was chosen."""

    scan: Scan  # at the kept weight exponent and homotopic weight
    exponent: float  # kept weight exponent
    homotopic_weight: float  # kept homotopic weight
    homotopic_pairs: int  # pairs of homotopic regions found
    best_per_exponent: np.ndarray  # best linear fit score per exponent scanned
    best_per_weight: np.ndarray  # best linear fit score per homotopic weight at the kept exponent
    wall_s: float
    passed_over: tuple = ()  # (exponent, homotopic weight) of better scans whose candidates the delays destabilised


class Outcome(NamedTuple):
    """The kept point and what was measured there."""

    point: tuple  # (i, j, k) of the linear scan
    setup: Setup
    dt: float  # the step its runs took (or would take)
    fc: np.ndarray  # the model FC: simulated with the control variate, or the slow limit without simulation
    fc_linear: np.ndarray  # the linearised network's BOLD FC
    fc_runs: np.ndarray | None  # mean FC of the realisations (None without simulation)
    correction: np.ndarray | None  # mean simulated minus linearised FC of the realisations (control variate)
    candidates: list  # every Candidate, in the order simulated
    delay_stable: dict  # (point, refined) -> bool, for every candidate


def _software(connectome) -> dict:
    """What the result was made with: CF attributes (``source``: the versions), the connectome's name,
    :meth:`~brainnet_cb.Connectome.sha256` and file (``connectome_source``, JSON, where it was read from one), the
    dtype of the runs, the brainnet_cb and JAX versions and the device."""
    import json  # noqa: PLC0415

    import jax  # noqa: PLC0415

    from .._version import __version__  # noqa: PLC0415
    from ..simulation.cf import cf_global_attrs  # noqa: PLC0415
    from ..simulation.provenance import device_name  # noqa: PLC0415

    return {**cf_global_attrs("working-point fit"), "connectome": connectome.name,
            "connectome_sha256": connectome.sha256(), "dtype": "float64", "brainnet_cb_version": __version__,
            "jax_version": jax.__version__, "device": device_name(),
            **({} if connectome.source is None else {"connectome_source": json.dumps(connectome.source)})}


def result_dataset(o: Options, t: Targets, lin: LinearStage, out: Outcome, linear_regime_corr: float,
                   started: float) -> xr.Dataset:
    """The labelled result of a fit (variables, coordinates and attributes of ``fit_working_point``), its wall
    time counted from ``started`` (``time.perf_counter()``)."""
    scan, cands, best_setup = lin.scan, out.candidates, out.setup
    i, j, k = out.point
    n = t.fit_fc.shape[0]
    iu = np.triu_indices(n, 1)
    attrs = {"title": "brainnet_cb working-point fit", "model": type(o.model).__name__, "parameter": o.parameter,
             "weight_exponent": float(lin.exponent), "homotopic_weight": lin.homotopic_weight,
             "homotopic_pairs": lin.homotopic_pairs, "value": float(o.values[i]), "scale": float(o.scales[j]),
             "G": float(scan.points[out.point].G),
             "G_ref": float(scan.G_ref[i, j]), "G_ref_kind": str(scan.kinds[i, j]),
             "G_over_G_ref": float(o.fractions[k]),
             "heterogeneity": o.heterogeneity,
             "noise": o.noise._full_repr(), "regional_noise": int(bool(o.regional_noise)),
             "noise_shrinkage": best_setup.fitted_noise.shrinkage if o.regional_noise else float("nan"),
             "shrinkage_folds": "time halves" if o.time_split else "pairs",
             "effective_connectivity": int(bool(o.effective_connectivity)),
             "global_signal_regression": int(o.global_signal),
             "connection_shrinkage": (best_setup.ec.shrinkage if best_setup.ec is not None
                                      else float("inf") if o.effective_connectivity else float("nan")),
             "connection_delay_rounds": (best_setup.ec.delay_rounds if best_setup.ec is not None
                                         and np.isfinite(best_setup.ec.shrinkage) else 0),
             "connection_modulation_fraction": (best_setup.ec.modulation_fraction if best_setup.ec is not None
                                                and np.isfinite(best_setup.ec.shrinkage) else float("nan")),
             "connection_share": (best_setup.ec.share if best_setup.ec is not None
                                  and np.isfinite(best_setup.ec.shrinkage) else float("nan")),
             "normalize": o.normalize, "speed": float(o.speed), "dt": float(o.dt),
             "dt_chosen": float(out.dt),
             "duration_ms": float(o.duration_ms), "tr_ms": float(o.tr_ms), "seeds": o.seeds,
             "discard_s": float(o.discard_s),
             "band_hz": json.dumps(None if o.band is None else list(analysis.BOLD_BAND if o.band is True else o.band)),
             "holdout": "none" if o.holdout is None else o.holdout, "key": o.key, "simulated": int(bool(cands)),
             "control_variate": int(bool(cands) and o.control_variate),
             "sim_linear_corr": score_fc(out.fc_runs, out.fc_linear)["corr"] if cands else float("nan"),
             "correction_rms": (float(np.sqrt(np.mean(out.correction[iu] ** 2)))
                                if cands and out.correction is not None else float("nan")),
             "wall_linear_s": lin.wall_s,
             "scans_passed_over": json.dumps([[float(e), float(h)] for e, h in lin.passed_over]),
             "model_parameters": _json_values(best_setup.model.parameters),
             "noise_amplitudes": _json_values(best_setup.noise.sigma),
             **_software(t.connectome)}
    halves = hemisphere_pairs(t.connectome)
    for tag, target, mask in (("fit", t.fit_fc, t.fit_mask), ("test", t.test_fc, t.test_mask)):
        if target is None:
            continue
        s = score_fc(out.fc, target, mask)
        s_lin = score_fc(out.fc_linear, target, mask)
        attrs.update({f"{tag}_corr": s["corr"], f"{tag}_rmse": s["rmse"], f"{tag}_fc_mean_model": s["mean_model"],
                      f"{tag}_fc_mean_empirical": s["mean_target"], f"{tag}_corr_linear": s_lin["corr"],
                      f"{tag}_corr_linear_uniform_noise": score_fc(scan.points[out.point].fc, target, mask)["corr"],
                      f"{tag}_corr_linear_structural": score_fc(best_setup.fc_structural, target, mask)["corr"],
                      f"sc_baseline_{tag}": sc_baseline(t.baseline, target, mask)})
        for part, in_part in halves.items():
            attrs.update({f"{tag}_corr_{part}": score_fc(out.fc, target, mask & in_part)["corr"],
                          f"sc_baseline_{tag}_{part}": sc_baseline(t.baseline, target, mask & in_part)})
    attrs["wall_s"] = time.perf_counter() - started

    labels = [str(s) for s in t.connectome.labels]
    mat = ("region_i", "region_j")
    fitted = best_setup.connectome.normalized(best_setup.normalize)
    grid = ("value", "scale", "fraction")
    data = {
        "linear_corr": (grid, scan.lin_corr,
                        {"long_name": "FC fit (Pearson r) of the linearised network, fit target", "units": "1"}),
        "linear_fc_mean": (grid, scan.lin_mean, {"long_name": "mean FC of the linearised network", "units": "1"}),
        "G": (grid, scan.G_grid, {"long_name": "global coupling", "units": "1"}),
        "G_ref": (("value", "scale"), scan.G_ref, {"long_name": "reference coupling of the branch", "units": "1"}),
        "G_ref_kind": (("value", "scale"), scan.kinds.astype(str),
                       {"long_name": "'lost': the stable branch ends; 'steepest': largest susceptibility"}),
        "fc": (mat, np.asarray(out.fc), {"long_name": "model FC at the chosen point" + (
            " (linearised FC + mean over seeds of simulated minus linearised twin)" if attrs["control_variate"]
            else " (simulated, mean over seeds)" if cands else " (linearised)"), "units": "1"}),
        "fc_linear": (mat, out.fc_linear,
                      {"long_name": "FC of the linearised network at the chosen point", "units": "1"}),
        "empirical_fc": (mat, t.fit_fc, {"long_name": "fit target FC", "units": "1"}),
        "weights": (mat, np.asarray(fitted.weights), {
            "long_name": "structural weights of the chosen point [target, source]: normalised, raised to the "
                         "weight exponent, with the homotopic connections (simulate them with normalize='none')",
            "units": "1"}),
        "lengths": (mat, np.asarray(fitted.lengths), {"long_name": "tract lengths of the chosen point "
                                                                   "[target, source]", "units": "mm"}),
        "fixed_point": (("state", "region"), np.asarray(best_setup.fixed_point.values, dtype=float), {
            "long_name": "the network's fixed point at the chosen point (each state in the model's units): every run "
                         "of the fit starts there"}),
    }
    if best_setup.ec is not None:
        data["excitability"] = ("region", np.asarray(best_setup.ec.values), {
            "long_name": f"{o.parameter} of each region at the chosen point: with refined weights, the value that "
                         "holds its fixed point (the scanned value otherwise)", "units": "1"})
        data["structural_weights"] = (mat, np.asarray(scan.connectome.normalized(scan.normalize).weights), {
            "long_name": "structural weights of the chosen point before the effective-connectivity fit: normalised, "
                         "raised to the weight exponent, with the homotopic connections", "units": "1"})
        data["connection_shrinkage_cv"] = ("connection_shrinkage", list(best_setup.ec.cv_corr.values()), {
            "long_name": "two-fold cross-validated linear fit score of the effective connectivity per shrinkage "
                         "(inf: the structural weights), fit target, at the share of the connections refined",
            "units": "1"})
        if best_setup.ec.share_cv_corr:
            data["connection_share_cv"] = ("connection_share", list(best_setup.ec.share_cv_corr.values()), {
                "long_name": "best two-fold cross-validated linear fit score of the effective connectivity over the "
                             "finite shrinkages, per share of the connections refined (the strongest by "
                             "W_ij + W_ji; 1: all), fit target", "units": "1"})
    if o.regional_noise:
        data["noise_scale"] = ("region", best_setup.fitted_noise.amplitude_scale, {
            "long_name": "factor of every noise amplitude of the region at the chosen point, fitted to the fit FC "
                         "(largest 1): bn.Additive(v=sigma * noise_scale)", "units": "1"})
        data["noise_shrinkage_cv"] = ("shrinkage", list(best_setup.fitted_noise.cv_corr.values()), {
            "long_name": "two-fold cross-validated linear fit score of the regional noise per shrinkage, fit target",
            "units": "1"})
    if cands:
        data["fc_runs"] = (mat, np.asarray(out.fc_runs), {"long_name": "mean FC of the simulated realisations at "
                                                                       "the chosen point", "units": "1"})
    if t.test_fc is not None and o.holdout is None:
        data["test_fc"] = (mat, t.test_fc, {"long_name": "held-out FC", "units": "1"})
    if cands:
        data.update(_candidate_variables(o, t, scan, cands, out.delay_stable, linear_regime_corr))
    data["exponent_linear_corr"] = ("weight_exponent", lin.best_per_exponent,
                                    {"long_name": "best FC fit of the linearised network at each weight exponent "
                                                  "(over the homotopic weights scanned at it), fit target",
                                     "units": "1"})
    data["homotopic_linear_corr"] = ("homotopic_weight", lin.best_per_weight,
                                     {"long_name": "best FC fit of the linearised network with homotopic connections "
                                                   "of each weight, at the kept exponent, fit target", "units": "1"})
    coords = {"value": o.values, "scale": o.scales, "fraction": o.fractions, "weight_exponent": o.exponents,
              "homotopic_weight": o.homotopic,
              "region_i": labels, "region_j": labels, "region": labels,
              "state": list(best_setup.fixed_point.states)}
    if o.regional_noise:
        coords["shrinkage"] = list(best_setup.fitted_noise.cv_corr)
    if best_setup.ec is not None:
        coords["connection_shrinkage"] = list(best_setup.ec.cv_corr)
        if best_setup.ec.share_cv_corr:
            coords["connection_share"] = list(best_setup.ec.share_cv_corr)
    if cands:
        coords["candidate"] = np.arange(len(cands))
    names = _coordinate_names(o.parameter)  # what a CF reader (ncdump, Panoply, MATLAB's ncinfo) shows for each
    coords = {k: (k, v, {"long_name": names[k]}) for k, v in coords.items()}
    return xr.Dataset(data, coords=coords, attrs=attrs)


def _coordinate_names(parameter):
    """The ``long_name`` of each coordinate of :func:`result_dataset`'s Dataset."""
    return {"value": f"scanned {parameter}", "scale": "heterogeneity scale", "fraction": "G / G_ref",
            "weight_exponent": "exponent of the structural weights", "homotopic_weight": "weight of the homotopic "
            "connections", "region_i": "brain region (FC row)", "region_j": "brain region (FC column)",
            "region": "brain region", "state": "state variable of the model", "shrinkage": "shrinkage of the "
            "regional noise fit", "connection_shrinkage": "shrinkage of the effective-"
            "connectivity fit (inf: the structural weights)", "connection_share": "share of the connections refined "
            "(the strongest by W_ij + W_ji; 1: all)", "candidate": "candidate working point, in order"}


def _json_values(values: dict) -> str:
    """``{name: scalar or array}`` as JSON (arrays as lists); Python's float repr makes the round trip exact."""
    return json.dumps({k: (float(v) if np.ndim(v) == 0 else np.asarray(v, dtype=float).tolist())
                       for k, v in values.items()})


def _candidate_variables(o: Options, t: Targets, scan: Scan, cands, delay_stable, linear_regime_corr) -> dict:
    """The ``candidate_*`` variables: every point simulated (or reported without simulation), in order."""
    data = {
        "candidate_value": ("candidate", [float(o.values[c.point[0]]) for c in cands], {"long_name": o.parameter}),
        "candidate_scale": ("candidate", [float(o.scales[c.point[1]]) for c in cands],
                            {"long_name": "heterogeneity scale"}),
        "candidate_fraction": ("candidate", [float(o.fractions[c.point[2]]) for c in cands],
                               {"long_name": "G / G_ref"}),
        "candidate_G": ("candidate", [float(scan.G_grid[c.point]) for c in cands], {"long_name": "global coupling"}),
        "candidate_linear_corr": ("candidate", [float(scan.lin_corr[c.point]) for c in cands],
                                  {"long_name": "linear FC fit, fit target", "units": "1"}),
        "candidate_fit_corr": ("candidate", [c.fit_score["corr"] for c in cands],
                               {"long_name": "simulated FC fit, fit target", "units": "1"}),
        "candidate_seeds_kept": ("candidate", [c.seeds_kept for c in cands],
                                 {"long_name": "realisations that stayed finite (with the control variate: "
                                               "they and their twins)"}),
        "candidate_dt": ("candidate", [c.dt for c in cands], {"long_name": "integration step", "units": "ms"}),
        "candidate_refined": ("candidate", [bool(c.refined) for c in cands],
                              {"long_name": "with the effective connectivity fitted (where it kept the "
                                            "structural weights, connection_shrinkage is inf); false: the "
                                            "last resort on the structural weights"}),
        "candidate_linear_regime": ("candidate", [bool(c.tracked) for c in cands], {
            "long_name": "the mean FC of the realisations correlates with their linearised twins' at least "
                         f"{linear_regime_corr} (else the next points are simulated too; the best simulated "
                         "fit of all is kept)"}),
        "candidate_delay_stable": ("candidate", [delay_stable[(c.point, c.refined)] for c in cands],
                                   {"long_name": "no growing mode with the delays, and a small kick off the "
                                                 "fixed point dies out at candidate_dt (else, or without a stable "
                                                 "step, not simulated)"}),
    }
    if t.test_fc is not None:
        data["candidate_test_corr"] = ("candidate", [score_fc(c.fc, t.test_fc, t.test_mask)["corr"]
                                                     if c.fc is not None else np.nan for c in cands],
                                       {"long_name": "simulated FC fit, held-out target", "units": "1"})
    return data
