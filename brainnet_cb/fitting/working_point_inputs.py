"""The arguments of :func:`~brainnet_cb.fitting.working_point.fit_working_point`, checked and resolved before any work.

:func:`checked_inputs` refuses a bad argument with a
:class:`~brainnet_cb.errors.FitError` that names it, before anything is
solved or compiled; gives the warnings about the targets
(:mod:`~brainnet_cb.fitting.working_point_checks`); and returns every setting
resolved (defaults filled in, units converted, the targets aligned to the
connectome with their fitted and scored pairs) as one :class:`Inputs`, which
the stages of the recipe read.
"""

from __future__ import annotations

import dataclasses
from typing import NamedTuple

import jax
import numpy as np

from .. import analysis
from .._checks import at_least_text
from ..analysis.filters import band_pair, check_band, design_bandpass, pad_length
from ..analysis.global_signal import looks_global_signal_regressed
from ..connectome import require_connectome
from ..coupling import Linear
from ..dynamics.system import build_network
from ..errors import FitError
from ..homotopic import homotopic_pairs
from ..monitors import Bold
from ..nodes import CoombesByrne
from ..nodes.base import NodeModel
from ..noise import Additive
from ..simulation.spec import Simulation
from ..units import to_mm_per_ms, to_ms
from .effective_connectivity import check_input_parameter
from .fit_results import check_int
from .side_by_side import default_workers
from .working_point_checks import (
    check_spread,
    check_structure,
    fc_target,
    labelled_fc,
    present_pairs,
    warn_if_not_held_out,
    warn_if_self_connected,
    warn_if_unrelated,
)
from .working_point_result import Options, Targets
from .working_point_scan import heterogeneity_map, noise_matrix
from .working_point_simulation import RunSettings

__all__ = ["Inputs", "checked_inputs", "check_values", "check_series_length", "edge_masks", "fitted_only",
           "DEFAULT_EXCITABILITY", "DEFAULT_COUPLING_FRACTIONS", "DEFAULT_WEIGHT_EXPONENTS",
           "DEFAULT_HOMOTOPIC_WEIGHTS"]

#: Excitabilities scanned by default (eta of Coombes-Byrne / Montbrio-Pazo-Roxin): the node's
#: low-rate regime, where the network has a stable low-activity state whose susceptibility to
#: coupling can be tuned, up to the default node (eta = 2). A property of the model, not of a
#: dataset.
DEFAULT_EXCITABILITY = (-3.0, -2.0, -1.0, 0.0, 1.0, 2.0)
#: Couplings scanned, as fractions of each branch's reference coupling G_ref.
DEFAULT_COUPLING_FRACTIONS = tuple(np.round(np.linspace(0.5, 1.5, 21), 3))
#: Exponents gamma of the normalised weights scanned (W ** gamma): from compressed (0.5) to
#: sharpened (3) contrast between strong and weak connections, whatever the data's weight convention.
DEFAULT_WEIGHT_EXPONENTS = (0.5, 1.0, 2.0, 3.0)
#: Weights h of the connections added between homotopic regions, as fractions of the largest
#: (normalised, exponentiated) weight: none, up to twice the strongest tract.
DEFAULT_HOMOTOPIC_WEIGHTS = (0.0, 0.5, 1.0, 2.0)


class Inputs(NamedTuple):
    """The arguments of a fit, checked and resolved (the defaults filled in, in ms and mm/ms)."""

    model: NodeModel
    parameter: str  # the excitability scanned
    values: np.ndarray  # its values
    scales: np.ndarray  # heterogeneity scales ([0] without a map)
    m_map: np.ndarray | None  # the z-scored heterogeneity map, None without
    heterogeneity: str  # "none", the map's name or "user map"
    fractions: np.ndarray  # G / G_ref, sorted
    exponents: np.ndarray  # weight exponents asked for, sorted
    extend_exponents: bool
    homotopic: np.ndarray  # homotopic weights asked for, sorted
    homologues: list  # pairs of homotopic regions of the connectome
    added: np.ndarray  # the homotopic weights > 0 that add connections (none without pairs)
    noise: Additive  # resolved: amplitudes as numbers
    sigma: np.ndarray  # (n_s, n): noise amplitude of every state of every region
    row: int  # index of the state the regions send
    regional_noise: bool
    effective_connectivity: bool
    normalize: str
    coarse: int
    workers: int
    candidates: int
    simulate: bool
    holdout: str | None
    targets: Targets
    run: RunSettings
    halves: tuple | None = None  # the FCs of the halves of the fit FC's series (the folds' time split); None: none

    @property
    def n(self) -> int:
        """Regions of the connectome."""
        return self.targets.connectome.n_regions

    def options(self, exponents) -> Options:
        """The settings recorded in the result, with the weight ``exponents`` scanned (the extensions included)."""
        r = self.run
        return Options(self.model, self.parameter, self.values, self.scales, self.fractions, exponents,
                       self.homotopic, self.heterogeneity, self.noise, self.regional_noise,
                       self.effective_connectivity, r.global_signal, self.normalize, r.speed, r.dt, r.duration_ms,
                       r.tr_ms, r.seeds, r.discard_s, r.band, self.holdout, r.key, r.control_variate,
                       self.halves is not None)


def checked_halves(fc_halves, connectome):
    """``fc_halves`` as two (n, n) arrays in the connectome's region order (as ``empirical_fc``), or None."""
    if fc_halves is None:
        return None
    if isinstance(fc_halves, str | bytes) or not hasattr(fc_halves, "__len__") or len(fc_halves) != 2:
        raise FitError(f"fc_halves must be two FCs, of the first and of the second half of each series behind "
                       f"empirical_fc (bn.fc_halves(series)); got {type(fc_halves).__name__}"
                       f"{'' if not hasattr(fc_halves, '__len__') else f' of length {len(fc_halves)}'}.")
    return tuple(fc_target(fc_halves[k], connectome, f"fc_halves[{k}]") for k in (0, 1))


def fitted_only(fc, mask):
    """``fc`` with NaN wherever ``mask`` (over the upper triangle) leaves an entry out of the fit."""
    n = fc.shape[0]
    iu = np.triu_indices(n, 1)
    out = np.full((n, n), np.nan)
    out[iu] = np.where(mask, fc[iu], np.nan)
    return np.fmax(out, out.T)


def edge_masks(n, holdout, key):
    """Boolean masks over the upper triangle (i < j): the edges fitted and the edges scored."""
    iu = np.triu_indices(n, 1)
    fit = np.ones(iu[0].size, bool)
    if holdout == "edges":
        rng = np.random.default_rng(key)
        fit = np.zeros(iu[0].size, bool)
        fit[rng.permutation(iu[0].size)[: iu[0].size // 2]] = True
        return fit, ~fit
    return fit, fit


def check_series_length(duration_ms, tr_ms, discard_s, band):
    """Enough BOLD samples after the discard for the band-pass (and its slowest period), before any run.

    The samples are counted as the BOLD monitor records them and :func:`~brainnet_cb.fc` keeps them,
    ``floor(duration / tr) - ceil(discard / tr)``: at least 3, with a band-pass more than its edge padding and
    enough to span one period of the band's low edge (else :func:`~brainnet_cb.fc`'s
    :class:`~brainnet_cb.ShortRecordWarning`); each refusal names the shortest ``duration`` that passes them all.
    """
    dropped = int(np.ceil(discard_s * 1000.0 / tr_ms - 1e-9))
    n = int(np.floor(duration_ms / tr_ms + 1e-9)) - dropped  # the monitor's count (Bold.check), not duration // tr
    need, pad, period, low = 3, None, None, None
    if band is not None:
        low, high = check_band(analysis.BOLD_BAND if band is True else band, 1000.0 / tr_ms, 2, FitError)
        pad = pad_length(design_bandpass((low, high), 1000.0 / tr_ms, 2))
        period = int(np.ceil(1000.0 / (low * tr_ms) - 1e-9))  # samples spanning one period of the low edge
        need = max(need, pad + 1, period)
    shortest = f"duration >= {at_least_text((dropped + need) * tr_ms)} ms"  # not rounded below the limit
    if n < 3:
        raise FitError(f"duration {duration_ms / 1000:g} s leaves {max(n, 0)} BOLD samples after discarding "
                       f"{discard_s:g} s; simulate longer ({shortest}; several minutes for a stable FC).")
    if band is None:
        return
    if n <= pad:  # the recipe's band-pass has no order= to lower: a longer run, or none
        raise FitError(f"duration {duration_ms / 1000:g} s leaves {n} BOLD samples after the {discard_s:g}-s discard, "
                       f"too few for the zero-phase band-pass: it pads {pad} samples at each end and needs more than "
                       f"{pad}. Simulate longer ({shortest}), or pass band=None.")
    if n < period:
        raise FitError(f"duration {duration_ms / 1000:g} s leaves {n} BOLD samples ({n * tr_ms / 1000:g} s) "
                       f"after the {discard_s:g}-s discard, shorter than one period of the band's low edge "
                       f"({1 / low:g} s); FC would be dominated by the filter. Simulate longer ({shortest}), or pass "
                       "band=None.")


def check_values(name, values):
    """``values`` as a non-empty 1-D float array of finite numbers, else a :class:`FitError` naming ``name``."""
    arr = np.asarray(values, dtype=float) if values is not None else None
    if arr is None or arr.ndim != 1 or arr.size == 0 or not np.all(np.isfinite(arr)):
        raise FitError(f"{name} must be a non-empty 1-D sequence of finite numbers; got {values!r}.")
    return arr


def checked_inputs(connectome, empirical_fc, *, test_fc, model, parameter, values, fractions, weight_exponents,
                   extend_exponents, homotopic_weights, heterogeneity, heterogeneity_scales, noise, regional_noise,
                   effective_connectivity, global_signal, normalize, speed, dt, duration, tr, seeds, candidates,
                   control_variate, discard, band, holdout, key, coarse, simulate, workers,
                   progress=None, fc_halves=None) -> Inputs:
    """The arguments of :func:`~brainnet_cb.fitting.working_point.fit_working_point` checked in turn and resolved.

    Raises :class:`FitError` at the first bad argument; warns where the
    targets look unrelated to the weights or not held out.
    """
    model = CoombesByrne() if model is None else model
    if not isinstance(model, NodeModel):
        raise FitError(f"model must be a node model such as bn.CoombesByrne(); got {model!r}.")
    require_connectome(connectome, FitError)
    fields = [f.name for f in dataclasses.fields(model)]
    if parameter not in fields:
        raise FitError(f"parameter {parameter!r} is not a parameter of {type(model).__name__}; choose from {fields}.")
    if not model.sends_state:
        raise FitError(f"{type(model).__name__} sends a derived quantity; the linear scan needs a model that "
                       "sends one of its states (e.g. r).")
    values = check_values("values", DEFAULT_EXCITABILITY if values is None else values)
    fractions = np.sort(check_values("fractions", DEFAULT_COUPLING_FRACTIONS if fractions is None else fractions))
    if np.any(fractions <= 0):
        raise FitError(f"fractions must be > 0 (G / G_ref); got {fractions.tolist()}.")
    homotopic = np.unique(check_values("homotopic_weights", DEFAULT_HOMOTOPIC_WEIGHTS if homotopic_weights is None
                                       else homotopic_weights))
    if np.any(homotopic < 0):
        raise FitError(f"homotopic_weights must be >= 0 (fractions of the largest weight); "
                       f"got {homotopic.tolist()}.")
    exponents = np.unique(check_values("weight_exponents", DEFAULT_WEIGHT_EXPONENTS if weight_exponents is None
                                       else weight_exponents))
    if np.any(exponents <= 0):
        raise FitError(f"weight_exponents must be > 0 (W ** gamma of the normalised weights); "
                       f"got {exponents.tolist()}.")
    if not isinstance(extend_exponents, bool | np.bool_):
        raise FitError(f"extend_exponents must be True or False; got {extend_exponents!r}.")
    m_map = heterogeneity_map(heterogeneity, connectome)
    scales = np.array([0.0]) if m_map is None else check_values("heterogeneity_scales", heterogeneity_scales)
    if noise is None and "v" not in model.states:
        raise FitError(f"the default noise is on 'v', which {type(model).__name__} does not have (its states: "
                       f"{', '.join(model.states)}); pass noise=bn.Additive(<state>=0.02) on the state that "
                       "receives the coupling.")
    noise = Additive(v=0.02) if noise is None else noise
    if not isinstance(noise, Additive):
        raise FitError(f"noise must be bn.Additive(...); got {noise!r}.")
    noise = noise.resolved(model)  # quantity amplitudes as numbers (state per sqrt(ms)), before any solve
    seeds = check_int("seeds", seeds, 1)
    candidates = check_int("candidates", candidates, 1)
    if not isinstance(control_variate, bool | np.bool_):
        raise FitError(f"control_variate must be True or False; got {control_variate!r}.")
    if not isinstance(regional_noise, bool | np.bool_):
        raise FitError(f"regional_noise must be True or False; got {regional_noise!r}.")
    if not isinstance(effective_connectivity, bool | np.bool_):
        raise FitError(f"effective_connectivity must be True or False; got {effective_connectivity!r}.")
    if not isinstance(simulate, bool | np.bool_):  # "no" is truthy: it would simulate
        raise FitError(f"simulate must be True or False (False: the linear stage only); got {simulate!r}.")
    if progress is not None and not isinstance(progress, bool | np.bool_):
        raise FitError(f"progress must be True, False or None (None: a bar on a terminal); got {progress!r}.")
    coarse = check_int("coarse", coarse, 4)
    workers = default_workers() if workers is None else check_int("workers", workers, 1)
    key = check_int("key", key, 0)
    if holdout not in (None, "edges"):
        raise FitError(f"holdout must be None or 'edges'; got {holdout!r}.")
    if holdout == "edges" and test_fc is not None:
        raise FitError("holdout='edges' scores the held-out edges of empirical_fc; pass it without test_fc "
                       "(or drop holdout to score test_fc).")
    fit_fc = fc_target(empirical_fc, connectome, "empirical_fc")
    halves = checked_halves(fc_halves, connectome)
    test = fc_target(test_fc, connectome, "test_fc") if test_fc is not None else None
    n = connectome.n_regions
    fit_mask, test_mask = edge_masks(n, holdout, key)
    fit_mask = fit_mask & present_pairs(fit_fc)  # missing pairs are neither fitted nor scored
    test_mask = test_mask & present_pairs(fit_fc if test is None else test)
    check_spread(fit_fc, fit_mask, "empirical_fc", "fitted")
    for k, half in enumerate(halves or ()):
        check_spread(half, fit_mask & present_pairs(half), f"fc_halves[{k}]", "fitted")
    if test is not None or holdout == "edges":
        check_spread(fit_fc if test is None else test, test_mask, "empirical_fc" if test is None else "test_fc",
                      "scored")
    if isinstance(global_signal, bool | np.bool_):
        gsr = bool(global_signal)
    elif isinstance(global_signal, str) and global_signal == "auto":
        gsr = looks_global_signal_regressed(fitted_only(fit_fc, fit_mask))
    else:
        raise FitError(f"global_signal must be True, False or 'auto'; got {global_signal!r}.")
    if holdout == "edges":
        test = fit_fc
    duration_ms, tr_ms = to_ms(duration, "duration", FitError), to_ms(tr, "tr", FitError)
    dt, speed = to_ms(dt, "dt", FitError), to_mm_per_ms(speed, "speed", FitError)
    conn = connectome.normalized(normalize)  # the weights as given: the structural baseline
    homologues = homotopic_pairs(connectome)
    added = homotopic[homotopic > 0] if len(homologues) else np.array([])
    check_structure(conn, alike=m_map is None and not added.size)
    warn_if_self_connected(connectome)
    warn_if_unrelated(conn, fit_fc, fit_mask, by_label=labelled_fc(empirical_fc))  # reported as sc_baseline_fit
    if test_fc is not None:
        warn_if_unrelated(conn, test, test_mask, "test_fc", "scored", by_label=labelled_fc(test_fc, "test_fc"))
        warn_if_not_held_out(fit_fc, test, test_mask)
    sigma = noise_matrix(model, noise, n)
    row = model.state_index(model.sends)
    if effective_connectivity:  # the refinement holds the fixed point through the scanned parameter
        with jax.enable_x64(True):
            network0 = build_network(model, connectome, Linear(), normalize=normalize)
            try:
                check_input_parameter(network0, parameter, model.initial_state(n, jax.numpy.float64))
            except ValueError as err:
                raise FitError(f"effective_connectivity=True: {str(err).rstrip('.')} "
                               "(effective_connectivity=False).") from None
    if band is not None and band is not True:  # in Hz, as bn.fc takes it (0.01 * u.Hz too): plain numbers
        band = band_pair(band, FitError)
    if simulate:  # the BOLD series' length and the run's own checks, before any work
        check_series_length(duration_ms, tr_ms, discard, band)
        Simulation(model, connectome, duration_ms, dt, coupling=Linear(G=1.0), noise=noise, speed=speed,
                   monitors=[Bold(tr=tr_ms, baseline="initial")], normalize=normalize)
    label = "none" if m_map is None else (heterogeneity if isinstance(heterogeneity, str) else "user map")
    return Inputs(model, parameter, values, scales, m_map, label, fractions, exponents, extend_exponents, homotopic,
                  homologues, added, noise, sigma, row, regional_noise, effective_connectivity, normalize, coarse,
                  workers, candidates, simulate, holdout, Targets(connectome, conn, fit_fc, fit_mask, test, test_mask),
                  RunSettings(speed, dt, tr_ms, duration_ms, discard, band, gsr, key, seeds, control_variate), halves)
