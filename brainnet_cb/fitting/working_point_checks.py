"""What :func:`~brainnet_cb.fitting.working_point.fit_working_point` checks of its inputs, and the warnings it gives.

Refused before any work (:class:`~brainnet_cb.errors.FitError`): a target FC
without spread, a connectome with no closed loop of connections or every
pair alike. Warned: weights that do not correlate with the FC
(:class:`UnrelatedTargetWarning`), a working point at an edge of the scan
(:class:`ScanEdgeWarning`), a model FC whose level is far from the data's
(:class:`FCLevelWarning`), regions that no connection reaches at the
working point, or groups of regions that none joins (:class:`IsolatedRegionWarning`), a ``test_fc`` equal to
the fitted FC (:class:`NotHeldOutWarning`), a held-out score (or, without a held-out FC, a fit score) below the
structural baseline (:class:`BelowBaselineWarning`).
"""

from __future__ import annotations

import warnings

import numpy as np
import xarray as xr
from scipy.sparse.csgraph import connected_components

from .._checks import caller_stacklevel
from ..analysis.common import check_correlatable, labelled_matrix
from ..data.empirical import target_fc
from ..errors import FitError
from .working_point_result import has_spread, sc_baseline

__all__ = ["UnrelatedTargetWarning", "ScanEdgeWarning", "FCLevelWarning", "IsolatedRegionWarning", "NotHeldOutWarning",
           "BelowBaselineWarning", "SelfConnectionWarning"]


#: Pairs of regions below which even corr(W, FC) = 0.5 lies within chance (2 / sqrt(n) > 0.5): a correlation at
#: or below 0 there is not laid to the FC's region order or the weights.
FEW_PAIRS = 16


class UnrelatedTargetWarning(UserWarning):
    """The structural weights do not correlate positively with the FC to fit: usually an FC in another region
    order than the connectome (an unlabelled array), or weights that are distances."""


def fc_target(fc, connectome, name):
    """An empirical FC as an (n, n) array in the connectome's region order, NaN at missing pairs
    (:func:`~brainnet_cb.data.empirical.target_fc`)."""
    return np.asarray(target_fc(fc, connectome, name=name, error=FitError, missing=True).values, dtype=float)


def present_pairs(fc):
    """Upper-triangle mask (``numpy.triu_indices`` order) of the pairs ``fc`` has: not missing (NaN)."""
    return np.isfinite(fc[np.triu_indices(fc.shape[0], 1)])


def check_spread(fc, mask, name, role):
    """Raise FitError where the ``mask`` entries of ``fc`` (upper triangle) are fewer than 3 or all equal: no
    correlation with them (the whole matrix is checked by :func:`fc_target`; this checks the half of ``holdout``)."""
    check_correlatable(fc[np.triu_indices(fc.shape[0], 1)][mask], name, FitError,
                       pairs=f"{role} pair(s) of regions", every=f"{role} pair of regions",
                       fix=" (holdout='edges' fits one half of the pairs present and scores the other: pass a larger "
                           "network, or test_fc without holdout)")


def labelled_fc(fc, name="empirical_fc"):
    """Whether ``fc`` carries region labels, so that :func:`fc_target` aligns it to the connectome by label."""
    m = labelled_matrix(fc, name, FitError)
    return isinstance(m, xr.DataArray) and m.dims == ("region_i", "region_j") and "region_i" in m.coords


def warn_if_unrelated(connectome, fit_fc, mask, name="empirical_fc", role="fitted", by_label=False):
    r"""Warn where the structural weights do not correlate positively with the fitted FC (``name``: the FC, ``role``:
    its pairs; ``"test_fc"``, ``"scored"`` for the held-out FC; ``by_label``: it was aligned by its labels).

    Stronger tracts go with stronger FC: :math:`\mathrm{corr}(W, FC)` is
    about 0.2-0.5 in published connectomes (Honey et al. 2009), also after
    global signal regression (0.37 on hcp80's fit group). A correlation at
    or below zero usually means the FC lists its regions in another order
    than the connectome (an unlabelled array), or that the weights are
    distances. A labelled FC was aligned by label: its order is not named.
    Over fewer than :data:`FEW_PAIRS` pairs even 0.5 is within chance
    (:math:`|r| < 2/\sqrt{n}`), and a correlation within chance is said to
    be so, not laid to either cause. Weights without spread (an undefined
    correlation) are not flagged.
    """
    rho = sc_baseline(connectome, fit_fc, mask)
    if not (np.isfinite(rho) and rho <= 0):
        return
    head = f"the structural weights correlate {rho:.3f} with {name} over the {role} pairs (<= 0; usually 0.2-0.5)"
    pairs = int(np.count_nonzero(mask))
    if not beyond_chance(rho, pairs):
        text = (f"{head}, within chance over {pairs} pairs (|r| < 2/sqrt({pairs}) = {2.0 / np.sqrt(pairs):.3f}): too "
                "few pairs for it to say anything of the FC or the weights.")
    elif by_label:
        text = (f"{head}; {name} was aligned to the connectome by its labels, so its region order is not the cause: "
                "check that the weights are tract strengths, not distances.")
    else:
        text = (f"{head}: is the FC in the connectome's region order? Pass it labelled (bn.read_fc(path, labels=...) "
                "or bn.fc_matrix(m, labels)) to align it by label, and check that the weights are tract strengths, "
                "not distances.")
    warnings.warn(text, UnrelatedTargetWarning, stacklevel=caller_stacklevel())


def beyond_chance(rho, pairs) -> bool:
    r"""Whether a correlation ``rho`` over ``pairs`` pairs says anything: :data:`FEW_PAIRS` pairs or more, or
    :math:`|\rho| \ge 2/\sqrt{n}`."""
    return pairs >= FEW_PAIRS or abs(rho) >= 2.0 / np.sqrt(pairs)


def unrelated(attrs, fit_mask) -> bool:
    """Whether a result's structural baseline over the fitted pairs (``attrs["sc_baseline_fit"]``) is at or below
    0 beyond chance: :class:`UnrelatedTargetWarning` then named the cause (the FC's region order, weights that are
    distances), and the scan's edge and its FC level say nothing of the fit until that is fixed."""
    rho = attrs["sc_baseline_fit"]
    return bool(np.isfinite(rho) and rho <= 0 and beyond_chance(rho, int(np.count_nonzero(fit_mask))))


class SelfConnectionWarning(UserWarning):
    """The connectome has self-connections (weights on its diagonal): the coupling feeds each region's own rate back
    to it, and the largest weight, to which the weights are normalised and the homotopic weights scaled, may be one
    of them."""


def warn_if_self_connected(connectome):
    """Warn (:class:`SelfConnectionWarning`) where ``connectome`` has weights on its diagonal.

    Tractography counts streamlines within a region too, and a matrix of
    raw counts keeps them, often as its largest entries; they are no
    long-range coupling, and the bundled atlases are cleaned of them. Kept,
    they shift each region's excitability by its own coupling and set the
    scale of the others (on the first 40 regions of hcp80, a diagonal of 5
    times the largest weight lowered the held-out score of the linear stage,
    default settings, from 0.778 to 0.745; the structural baseline, off the
    diagonal, stayed 0.377).
    """
    w = np.asarray(connectome.weights, dtype=float)
    d = np.diagonal(w)
    if not d.any():
        return
    off = float(np.max(w[~np.eye(w.shape[0], dtype=bool)], initial=0.0))
    scale = f", {d.max() / off:.3g} times its largest weight between two regions" if off > 0 else ""
    warnings.warn(SelfConnectionWarning(
        f"the connectome {connectome.name!r} has {int(np.count_nonzero(d))} self-connections (weights on its diagonal "
        f"up to {d.max():.4g}{scale}): the coupling feeds each region's own rate back to it, and the weights are "
        "scaled by the largest. Streamlines within a region are no long-range coupling: drop them (w = "
        "np.array(conn.weights); np.fill_diagonal(w, 0); conn.replace(weights=w)), as the bundled atlases are, "
        "unless the model is meant to have them."), stacklevel=caller_stacklevel())


def check_structure(connectome, alike=True):
    """Raise FitError where the weights leave no working point to find, or (``alike``: no heterogeneity map and
    no homotopic connections added) every pair of regions alike.

    Without a closed loop of connections (every weight 0, or one triangle of
    a symmetric matrix: a directed acyclic graph) the coupling feeds nothing
    back and the network's fixed point never loses stability. With the same
    weight on every pair (a binarised complete graph) every region is
    alike, and so is the model's FC at every pair: no correlation with an
    empirical FC.
    """
    w = np.asarray(connectome.weights, dtype=float)
    n_strong, _ = connected_components(w != 0, directed=True, connection="strong")
    if n_strong == w.shape[0] and not np.diagonal(w).any():  # no cycle: every region a component of its own
        what = "every weight is 0" if not w.any() else (
            "its connections form a directed acyclic graph, e.g. one triangle of a symmetric matrix")
        raise FitError(f"the connectome {connectome.name!r} has no closed loop of connections ({what}): the "
                       "coupling feeds nothing back, so there is no working point to find. Pass the full weight "
                       "matrix (conn.symmetrized('max') fills the other triangle of a stored triangle).")
    off = w[~np.eye(w.shape[0], dtype=bool)]
    if alike and not has_spread(off) and not has_spread(np.diagonal(w)):
        what = ("no connection between two regions" if off[0] == 0 else
                "a complete graph with equal weights, e.g. a dense SC binarised")
        raise FitError(f"the connectome {connectome.name!r} has the same weight ({off[0]:.6g}) between every pair "
                       f"of regions ({what}): every region is alike, and so is the model's FC at every pair. Pass "
                       "the weighted SC.")


class ScanEdgeWarning(UserWarning):
    """The working point chosen lies at an edge of the scanned excitabilities, heterogeneity scales or couplings:
    the best may lie beyond them."""


def warn_if_at_an_edge(point, parameter, values, scales, fractions):
    """Warn (:class:`ScanEdgeWarning`) where the chosen ``(value, scale, fraction)`` indices ``point`` lie at the
    lowest or highest of a scanned range of two or more (``scales``: None without a heterogeneity map)."""
    edges = []
    for index, grid, what, option in ((point[0], values, parameter, "values"),
                                      (point[1], scales, "the heterogeneity scale", "heterogeneity_scales"),
                                      (point[2], fractions, "G / G_ref", "fractions")):
        if grid is not None and len(grid) > 1 and grid[index] in (np.min(grid), np.max(grid)):
            side = "lowest" if grid[index] == np.min(grid) else "highest"
            edges.append((f"{what} = {grid[index]:g} (the {side} of {option}=)", option))
    if edges:
        warnings.warn(ScanEdgeWarning(
            f"the working point chosen lies at an edge of the scan: {', '.join(e for e, _ in edges)}; the best may "
            f"lie beyond it: widen {' and '.join(o + '=' for _, o in edges)} to see."), stacklevel=caller_stacklevel())


class FCLevelWarning(UserWarning):
    """The model FC of the working point chosen has a mean far from the fitted FC's: its correlation may come
    from a regime whose pattern, but not level, matches the data."""


#: The model's mean FC over the fitted pairs may differ from the data's by up to this factor either way before
#: :class:`FCLevelWarning` (data with a mean FC of at least :data:`LEVEL_MIN_MEAN`: not after GSR).
LEVEL_FACTOR = 2.0
LEVEL_MIN_MEAN = 0.1


def warn_if_level_off(attrs):
    """Warn (:class:`FCLevelWarning`) where a result's model FC has a mean over the fitted pairs (its ``attrs``
    ``fit_fc_mean_model``) below 1 / :data:`LEVEL_FACTOR` or above :data:`LEVEL_FACTOR` times the fitted FC's
    (a mean of at least :data:`LEVEL_MIN_MEAN`, and at most 1: beyond, the FC is no correlation, a covariance or Fisher
    z values, which :class:`~brainnet_cb.FCScaleWarning` names, and "a regime of weak coupling" would mislead)."""
    model, data, corr = attrs["fit_fc_mean_model"], attrs["fit_fc_mean_empirical"], attrs["fit_corr"]
    if not (data >= LEVEL_MIN_MEAN and np.isfinite(model)) or data / LEVEL_FACTOR <= model <= data * LEVEL_FACTOR:
        return
    if data > 1.0:  # no correlation's mean: a covariance or Fisher z values, which FCScaleWarning named
        return
    regime = "weak" if model < data else "strong"
    warnings.warn(FCLevelWarning(
        f"the working point chosen has a model FC of mean {model:.3f} over the fitted pairs against the data's "
        f"{data:.3f}: its correlation ({corr:.3f}) may come from a regime of {regime} coupling whose pattern, "
        "but not level, matches the data. Compare the scan's linear_corr with its linear_fc_mean, and where a "
        "point with a closer mean scores nearly as well, fit around it (values=, fractions=)."),
        stacklevel=caller_stacklevel())


class IsolatedRegionWarning(UserWarning):
    """Regions that no connection reaches at the working point chosen, or groups of regions with no connection
    between them: the model's FC of their pairs (between the groups) is 0; after global signal regression it is
    the regression's negative artefact instead, whatever the parameters make of its size."""


def _groups(connectome, homotopic_weight, pairs):
    """The connected components of the working point's network (weakly connected: a connection either way couples
    two regions), homotopic connections included where ``homotopic_weight > 0``: a label per region."""
    w = np.array(connectome.weights, dtype=float) != 0
    np.fill_diagonal(w, False)
    if homotopic_weight > 0 and len(pairs):
        p = np.asarray(pairs)
        w[p[:, 0], p[:, 1]] = w[p[:, 1], p[:, 0]] = True
    return connected_components(w, directed=True, connection="weak")[1]


def _named(names, show=repr):
    return ", ".join(show(x) for x in names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")


def warn_if_isolated(connectome, homotopic_weight, pairs, fit_mask, fc_after_gsr=None):
    r"""Warn (:class:`IsolatedRegionWarning`) where regions of ``connectome`` have no connection to another region,
    in or out, and no homotopic one (``homotopic_weight > 0`` connects each region of ``pairs``), or where the
    other regions fall into two or more groups with no connection between them.

    An uncoupled region's fluctuations are its own: the model's FC between it
    and any other region is 0 at every working point, whatever its
    parameters, while the data's is usually not. So is the model's FC
    between two groups of regions that no connection joins (a connectome
    whose hemispheres lost every callosal tract, with no homotopic
    connection added).

    After global signal regression (``fc_after_gsr``: the model FC of the
    working point chosen, regressed as the data) those pairs are not 0: the
    regression, :math:`C - (C\mathbf 1)(C\mathbf 1)^\top / \mathbf 1^\top C \mathbf 1`,
    gives the pair ``(i, j)`` of uncorrelated regions the covariance
    :math:`-(C\mathbf 1)_i (C\mathbf 1)_j / \mathbf 1^\top C \mathbf 1`,
    negative where the regions' covariances are positive. The message then
    gives the mean and range of those FC values at the chosen point
    (hcp80, hemispheres without callosal tracts: mean -0.26 between them,
    -0.70 to -0.003; 10 regions in two groups of 5: -0.39; one region
    without connections among 10: -0.033).
    """
    group = _groups(connectome, homotopic_weight, pairs)
    size = np.bincount(group)
    alone = size[group] == 1
    n = alone.size
    i, j = np.triu_indices(n, 1)
    labels = [str(label) for label in np.asarray(connectome.labels)]
    if alone.any():
        fitted = int(np.count_nonzero(fit_mask & (alone[i] | alone[j])))
        names = [x for x, a in zip(labels, alone) if a]
        one = len(names) == 1
        which = f"region {_named(names)} has" if one else f"{len(names)} regions ({_named(names)}) have"
        if fc_after_gsr is None:
            what = f"the model's FC of {'its' if one else 'their'} pairs is 0 at every working point, and"
        else:
            what = (f"the model's fluctuations of {'this region' if one else 'these regions'} are uncorrelated "
                    f"with every other region's at every working point; after the global signal regression "
                    f"(global_signal) the FC of {'its' if one else 'their'} pairs is not 0 but the regression's "
                    f"negative artefact ({_spread(fc_after_gsr, alone[i] | alone[j])} at the chosen point).")
        warnings.warn(IsolatedRegionWarning(
            f"{which} no connection to another region of {connectome.name!r}: {what} {fitted} of the fitted "
            "pairs are among them. Drop such regions from the connectome and the FC (connectome.subset(labels) and "
            "the FC of those labels), or give them connections (homotopic_weights= with labels that pair the "
            "hemispheres)."), stacklevel=caller_stacklevel())
    big = np.flatnonzero(size > 1)
    if big.size > 1:
        between = ~alone[i] & ~alone[j] & (group[i] != group[j])
        fitted = int(np.count_nonzero(fit_mask & between))
        first = [labels[int(np.flatnonzero(group == g)[0])] for g in big]
        if fc_after_gsr is None:
            what = "the model's FC between the groups is 0 at every working point, and"
        else:
            what = ("the model's fluctuations in different groups are uncorrelated at every working point; after the "
                    "global signal regression (global_signal) their FC is not 0 but the regression's negative "
                    f"artefact ({_spread(fc_after_gsr, between)} at the chosen point).")
        warnings.warn(IsolatedRegionWarning(
            f"the regions of {connectome.name!r} fall into {big.size} groups with no connection between them "
            f"({_named(sorted(size[big].tolist(), reverse=True), str)} regions; the groups of {_named(first)}): "
            f"{what} {fitted} of the fitted pairs are between them. "
            "Connect them (homotopic_weights= with labels that pair the hemispheres, or the tracts the "
            "connectome lacks), or fit each group on its own (connectome.subset(labels) and the FC of those "
            "labels)."), stacklevel=caller_stacklevel())


def _spread(fc, pairs) -> str:
    """``"mean -0.393, from -0.691 to -0.029"``: the FC of the upper-triangle ``pairs`` (a mask over
    ``triu_indices``)."""
    values = np.asarray(fc, dtype=float)[np.triu_indices(len(fc), 1)][pairs]
    return f"mean {values.mean():.3f}, from {values.min():.3f} to {values.max():.3f}"


class NotHeldOutWarning(UserWarning):
    """``test_fc`` equals the FC fitted on the pairs it scores: its score (``test_corr``) is a fit score, not a
    held-out one."""


def warn_if_not_held_out(fit_fc, test_fc, test_mask):
    """Warn (:class:`NotHeldOutWarning`) where ``test_fc`` equals ``fit_fc`` (to 1e-6, float32 copies included)
    on every pair it scores: the held-out score would be the fit score, and its lead over the structural baseline
    no evidence of generalisation."""
    iu = np.triu_indices(fit_fc.shape[0], 1)
    a, b = fit_fc[iu][test_mask], test_fc[iu][test_mask]
    if a.size and np.allclose(a, b, rtol=0.0, atol=1e-6, equal_nan=True):
        warnings.warn(NotHeldOutWarning(
            "test_fc equals empirical_fc on every pair it scores: test_corr is then the fit score, not a held-out "
            "one. Pass the FC of other subjects (or of the other half of each time series) as test_fc, or "
            "holdout='edges' to score connections never fitted."), stacklevel=caller_stacklevel())


class BelowBaselineWarning(UserWarning):
    """The working point's FC correlates less with the held-out FC (without one: the fitted FC) than the structural
    weights themselves do: the fit adds nothing to corr(SC, FC)."""


def warn_if_below_baseline(attrs):
    r"""Warn (:class:`BelowBaselineWarning`) where a result's held-out score ``test_corr`` (without a held-out FC:
    its ``fit_corr``) lies below the structural baseline :math:`\mathrm{corr}(W, FC)` of the same pairs.

    A fit is worth reporting where it clearly exceeds that baseline; one below it (a scan restricted to a weak
    regime, the weights in another convention or region order than the FC) was reported without a word.
    """
    tag = "test" if "test_corr" in attrs else "fit"
    score, baseline = attrs[f"{tag}_corr"], attrs[f"sc_baseline_{tag}"]
    if not (np.isfinite(score) and np.isfinite(baseline)) or score >= baseline or baseline <= 0:
        return  # a baseline at or below 0: UnrelatedTargetWarning said so
    what = "the held-out FC (test_corr)" if tag == "test" else "the fitted FC (fit_corr; no held-out FC given)"
    warnings.warn(BelowBaselineWarning(
        f"the working point's FC correlates {score:.3f} with {what}, below the structural baseline corr(SC, FC) of "
        f"{baseline:.3f} on the same pairs: the model predicts it less well than the weights themselves. Widen the "
        "scan (values=, fractions=, weight_exponents=, homotopic_weights=), keep regional_noise= and "
        "effective_connectivity= on, and check that the weights are tract strengths in the FC's region order."),
        stacklevel=caller_stacklevel())
