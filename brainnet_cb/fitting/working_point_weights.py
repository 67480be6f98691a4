r"""The weights of :func:`~brainnet_cb.fitting.working_point.fit_working_point`'s linear scan (step 2).

The linear scan of every branch (:func:`~brainnet_cb.fitting.working_point_scan.scan_network`)
runs once per network: on the normalised weights raised to each exponent
:math:`W^\gamma`, then, at the exponent of the best linear fit score, with
homotopic connections of each weight :math:`h` added; where that score is
best at the largest exponent, on past it by :data:`EXPONENT_STEP` while the
score rises; then, at the kept weight, every exponent again, and at a better
exponent its weights, until the kept pair is the best of its exponent's
weights and of its weight's exponents (:func:`scan_weights`). The scans that may be simulated are then
taken best first (:func:`ranked_scans`).
"""

from __future__ import annotations

import contextlib
from typing import NamedTuple

import numpy as np

from ..dynamics.system import one_blas_thread
from ..errors import FitError
from ..homotopic import add_homotopic
from .working_point_inputs import Inputs
from .working_point_scan import scan_network

__all__ = ["Weights", "scan_weights", "ranked_scans", "best_score", "scanned_exponents", "best_per_exponent",
           "best_per_weight", "extends", "why_branches_failed", "EXPONENT_STEP", "MAX_EXPONENT_EXTENSIONS"]

#: Where the best linear fit score of the weight exponents lies at the largest of them, the scan goes on to
#: that exponent times this factor, while the score rises...
EXPONENT_STEP = 1.5
#: ... adding at most this many exponents (up to 3 * 1.5^4 ~ 15 from the default range).
MAX_EXPONENT_EXTENSIONS = 4


class Weights(NamedTuple):
    """The linear scans of every network scanned, and the one kept."""

    scans: dict  # (exponent, homotopic weight) -> Scan, in the order scanned (one Scan under several keys: one network)
    exponent: float  # the kept weight exponent
    homotopic_weight: float  # the kept homotopic weight
    allowed: set  # the homotopic weights a scan may be kept at


def scan_weights(inp: Inputs, bar) -> Weights:
    """The linear scans over the weight exponents and homotopic weights of ``inp``, and the best of them.

    Raises :class:`FitError` where no scan found a stable point (or the kept
    one found none), with why the branches failed.
    """
    exponents, added, homotopic = inp.exponents, inp.added, inp.homotopic
    connectome, normalize = inp.targets.connectome, inp.normalize
    n_branches = inp.values.size * inp.scales.size
    # dense linear algebra on (n_s n)-square matrices: below ~500 one BLAS thread is faster (no thrashing); with
    # branches side by side, one each
    blas = (one_blas_thread() if len(inp.model.states) * inp.n <= 512 or inp.workers > 1
            else contextlib.nullcontext())
    scans = {}  # per (exponent, homotopic weight): its Scan
    failures = []  # why branches of the scans failed: (i, j, branch, reason, (exponent, h))
    allowed = {0.0, *added.tolist()} if (0.0 in homotopic or not added.size) else set(added.tolist())

    def weights_scan(exponent, h, extra=False):  # the scan of W ** exponent, homotopic weight h (once)
        if (exponent, h) not in scans:
            if extra and bar is not None:  # a scan the progress bar did not count on
                bar.total += n_branches
                bar.refresh()
            conn_w, norm_w = _weighted(connectome, normalize, exponent)
            if h > 0:
                conn_w, norm_w = _with_homotopic(conn_w, norm_w, h, inp.homologues)
            same = _same_weights(conn_w, norm_w, [sc for k, sc in scans.items() if k[1] == h])
            if same is not None:  # e.g. binary weights: every exponent gives the same network
                if bar is not None:
                    bar.update(n_branches)
                scans[(exponent, h)] = same
            else:
                failed = []
                scans[(exponent, h)] = scan_network(inp.model, inp.parameter, inp.values, inp.scales, inp.m_map,
                                                    inp.fractions, conn_w, norm_w, inp.coarse, inp.sigma, inp.row,
                                                    inp.targets.fit_fc, inp.targets.fit_mask, bar, inp.workers,
                                                    inp.run.global_signal, failed)
                failures.extend((*f, (exponent, h)) for f in failed)
        return best_score(scans[(exponent, h)])

    def kept():  # the best scanned (exponent, homotopic weight); ties to the first scanned
        keys = [k for k in scans if k[1] in allowed]
        return keys[int(np.argmax([np.nan_to_num(best_score(scans[k]), nan=-2.0) for k in keys]))]

    with blas:
        for exponent in exponents:  # the weight exponents, without homotopic connections
            weights_scan(float(exponent), 0.0)
        if not any(sc.points for sc in scans.values()):
            why = why_branches_failed(failures) + _past_the_loss(scans, inp.fractions)
            raise FitError("no stable working point was found for any value; try other values= or "
                           f"fractions=.{why}")
        e_best = max(scans, key=lambda k: np.nan_to_num(best_score(scans[k]), nan=-2.0))[0]
        for h in added:  # at the kept exponent: homotopic connections of each weight
            weights_scan(e_best, float(h))
        e_best, h_best = kept()
        if inp.extend_exponents and extends(exponents, e_best):  # follow the score up at the kept h
            e_new = e_best
            for _ in range(MAX_EXPONENT_EXTENSIONS):
                if not weights_scan(e_new * EXPONENT_STEP, h_best, extra=True) > weights_scan(e_new, h_best):
                    break
                e_new *= EXPONENT_STEP
            e_best, h_best = kept()
        while True:  # the pair is chosen together: the best of its exponent's weights and of its weight's exponents
            for h in sorted(allowed):  # the weights at the kept exponent (after an extension, at the new one)
                weights_scan(e_best, h, extra=True)
            e_best, h_best = kept()
            for exponent in scanned_exponents(scans):  # the exponents at the kept weight
                weights_scan(float(exponent), h_best, extra=True)
            if kept() == (e_best, h_best):
                break
            e_best, h_best = kept()
    if not scans[(e_best, h_best)].points:
        raise FitError("no stable working point was found for any value; try other values= or "
                       f"fractions=.{why_branches_failed(failures)}"
                       f"{_past_the_loss({0: scans[(e_best, h_best)]}, inp.fractions)}")
    return Weights(scans, e_best, h_best, allowed)


def ranked_scans(weights: Weights) -> list:
    """The ``(exponent, homotopic weight)`` of the scans to simulate, in turn: the kept one, then the others with a
    stable point best first (one per network), where the tract delays destabilise every candidate of those before."""
    scans = weights.scans
    ranked = [(weights.exponent, weights.homotopic_weight)]
    for k in sorted((k for k in scans if k[1] in weights.allowed and scans[k].points),
                    key=lambda k: -np.nan_to_num(best_score(scans[k]), nan=-2.0)):
        if all(scans[k] is not scans[r] for r in ranked):  # one network under several keys (binary weights)
            ranked.append(k)
    return ranked


def best_score(scan):
    """The best linear fit score of one scan (NaN where it found no stable point)."""
    return float(np.nanmax(scan.lin_corr)) if scan.points else float("nan")


def scanned_exponents(scans) -> np.ndarray:
    """The weight exponents scanned (the extensions included), sorted."""
    return np.array(sorted({k[0] for k in scans}))


def best_per_exponent(scans) -> np.ndarray:
    """The best linear fit score of each exponent scanned (:func:`scanned_exponents`), over its homotopic weights."""
    return np.array([max((best_score(sc) for k, sc in scans.items() if k[0] == e),
                         key=lambda v: np.nan_to_num(v, nan=-2.0)) for e in scanned_exponents(scans)])


def best_per_weight(scans, exponent, homotopic) -> np.ndarray:
    """The best linear fit score of each homotopic weight of ``homotopic`` at ``exponent`` (NaN where not scanned)."""
    return np.array([best_score(scans[(exponent, float(h))]) if (exponent, float(h)) in scans else np.nan
                     for h in homotopic])


def extends(exponents, best) -> bool:
    r"""Whether the scan goes on past the largest of ``exponents``: where it is the ``best`` (two or more scanned).

    Weights given in a convention that compresses the contrast between
    strong and weak connections need exponents beyond any fixed range: log
    counts of hcp80, best at 3 (fit score 0.631 with homotopic weight 2), score
    0.688 at 4.5. The scan does not go below the smallest exponent: as
    :math:`\gamma \to 0`, :math:`W^\gamma` tends to the binary graph, and 0.5
    already takes the square root of the contrast; on FC after global signal
    regression, best at 0.5 in all four variants of the generalisation
    benchmark, 0.333 tied (0.476 against 0.475 on gw swapped) and lowered
    the held-out score of the linear stage from 0.646 to 0.580.
    """
    return len(exponents) >= 2 and best == float(np.max(exponents))


def why_branches_failed(failures):
    """Why the branches failed, each reason once with the branches it stopped (in the order of the scan).

    ``failures``: ``(i, j, branch, reason, (exponent, h))`` of every scan. A
    branch that failed for a reason at some of the scanned weights only
    names them (``eta=-2 (weight exponent 3)``).
    """
    scans = {f[4] for f in failures}
    by_reason = {}
    for _, _, branch, reason, scan in sorted(failures):
        by_reason.setdefault(reason, {}).setdefault(branch, []).append(scan)

    def where(branch, at):
        if len(at) == len(scans):
            return branch
        scanned = (f"weight exponent {e:g}" + (f", homotopic weight {h:g}" if h else "") for e, h in at)
        return f"{branch} ({'; '.join(scanned)})"

    return "".join(f" {', '.join(where(b, at) for b, at in branches.items())}: {reason}"
                   for reason, branches in by_reason.items())


def _past_the_loss(scans, fractions):
    """Why ``fractions`` at or above 1 gave no point: a branch that loses stability does so at its ``G_ref``
    (``kind`` "lost"), so its fixed point is unstable at ``G >= G_ref`` by construction; "" where none did."""
    if not (fractions >= 1).any() or not any((sc.kinds == "lost").any() for sc in scans.values()):
        return ""
    at = ", ".join(f"{f:g}" for f in fractions[fractions >= 1])
    return (f" G_ref is where the branch loses stability: fractions at or above 1 (here {at}) are past it, so pass "
            "fractions below 1 for a stable working point, e.g. fractions=[0.7, 0.8, 0.9].")


def _same_weights(connectome, normalize, scans):
    """The scan among ``scans`` of a network with the same normalised weights as ``connectome``, else None.

    Binary weights (or weights with one value per row, normalised by row sums)
    are the same network at every exponent: scanned once.
    """
    w = np.asarray(connectome.normalized(normalize).weights)
    for sc in scans:
        if np.array_equal(np.asarray(sc.connectome.normalized(sc.normalize).weights), w):
            return sc
    return None


def _weighted(connectome, normalize, exponent):
    """The connectome whose normalised weights are raised to ``exponent``, and the normalisation to pass on.

    ``exponent == 1`` returns the connectome as given. Otherwise the weights
    are normalised by ``normalize`` first, raised to the power, and then
    renormalised the same way downstream (a maximum stays 1, rows sum to 1).
    """
    if exponent == 1.0:
        return connectome, normalize
    w = np.asarray(connectome.normalized(normalize).weights, dtype=float) ** exponent
    return connectome.replace(weights=w), _renormalisation(normalize)


def _with_homotopic(connectome, normalize, weight, pairs):
    """The connectome with homotopic connections of ``weight > 0`` added to its normalised weights; its normalisation.

    The weights are normalised first (so that ``weight`` is a fraction of the
    largest), then renormalised the same way downstream (:func:`_renormalisation`).
    """
    return add_homotopic(connectome.normalized(normalize), weight, pairs), _renormalisation(normalize)


def _renormalisation(normalize):
    """The normalisation that keeps already normalised weights as they are scaled: rows sum to 1, or a maximum."""
    return "row_sum" if normalize == "row_sum" else "none" if normalize in ("none", None) else "max"
