r"""Homotopic region pairs (a region and its mirror image in the other hemisphere) and homotopic connections.

The functional connectivity between homotopic regions is among the strongest
of the whole brain (Stark et al. 2008), yet the structural connection that
diffusion tractography finds between them is often weak or absent: callosal
fibres fan out laterally past crossing fibres that streamlines rarely follow
(Jbabdi & Johansen-Berg 2011). A homogeneous network model on such a
connectome underestimates the FC across hemispheres. :func:`add_homotopic`
adds a connection of a given weight between every homotopic pair,

.. math:: W'_{ij} = W_{ij} + h \max(W) \quad \text{for each homotopic pair } \{i, j\},

and :func:`brainnet_cb.fit_working_point` scans :math:`h` against the fit FC.

:func:`homotopic_pairs` finds the pairs from the region labels (the names of
the two hemispheres' regions differ only by a hemisphere token: ``Precentral_L``
/ ``Precentral_R``, ``lA1`` / ``rA1``, ``r_insula`` / ``l_insula``,
``ctx-lh-precuneus`` / ``ctx-rh-precuneus``, ``7Networks_LH_Vis_1`` /
``7Networks_RH_Vis_1``) or, where the labels do not pair the regions, from the
region centres mirrored across the midline (an optimal one-to-one assignment).

References
----------
Stark, D. E. et al. (2008). Regional variation in interhemispheric
coordination of intrinsic hemodynamic fluctuations. J. Neurosci. 28,
13754–13764.
Jbabdi, S., Johansen-Berg, H. (2011). Tractography: where do we go from
here? Brain Connect. 1, 169–183.
"""

from __future__ import annotations

import re

import numpy as np

from .connectome import Connectome
from .errors import ConnectomeError

__all__ = ["homotopic_pairs", "add_homotopic", "hemispheres_from_labels"]

_TOKENS = {"l": False, "lh": False, "left": False, "r": True, "rh": True, "right": True}
_SEP = r"[_\-. ]"
# Where a label may carry its hemisphere token, in order of preference (one label can be read several ways:
# TVB's "rPUL.L" is the right lateral pulvinar, not a left "rPUL").
_RULES = (
    re.compile(rf"^(?P<stem>.+?){_SEP}(?P<tok>l|r|lh|rh|left|right)$", re.IGNORECASE),  # Precentral_L
    re.compile(rf"^(?P<tok>l|r|lh|rh|left|right){_SEP}(?P<stem>.+)$", re.IGNORECASE),  # r_insula, Left-Thalamus
    re.compile(rf"^(?P<pre>.+?{_SEP})(?P<tok>lh|rh|left|right|l|r)(?P<post>{_SEP}.+)$",
               re.IGNORECASE),  # ctx-lh-precuneus, 7Networks_LH_Vis_1
    re.compile(r"^(?P<tok>[lr])(?P<stem>[A-Z0-9].*)$"),  # lA1, rBSTS (TVB)
)
#: Fewer label pairs than this fraction of the smaller hemisphere: the centres are tried instead.
MIN_LABEL_COVERAGE = 0.5


def _readings(label):
    """Every ``(rule rank, True for right, stem)`` reading of a label with a hemisphere token."""
    out = []
    for rank, pattern in enumerate(_RULES):
        m = pattern.match(label)
        if m is None:
            continue
        groups = m.groupdict()
        stem = groups["stem"] if "stem" in groups else f"{groups['pre']}\0{groups['post']}"
        out.append((rank, _TOKENS[m.group("tok").lower()], stem.lower()))
    return out


def _pairs_from_labels(labels, hemispheres):
    """Pairs of labels that read as the same stem, one left and one right (a stem with more is ambiguous)."""
    by_stem = {}  # stem -> [best rule rank that read it, left region indices, right region indices]
    for k, label in enumerate(labels):
        for rank, side, stem in _readings(label):
            if hemispheres is not None and bool(hemispheres[k]) != side:
                continue  # this reading disagrees with the connectome's own hemisphere
            entry = by_stem.setdefault(stem, [rank, set(), set()])
            entry[0] = min(entry[0], rank)
            entry[2 if side else 1].add(k)
    candidates = sorted((rank, min(left), min(right)) for rank, left, right in by_stem.values()
                        if len(left) == 1 and len(right) == 1)
    pairs, used = [], set()
    for _, i, j in candidates:  # each region in one pair at most, the preferred reading first
        if i not in used and j not in used:
            pairs.append((i, j))
            used.update((i, j))
    return pairs


def hemispheres_from_labels(labels) -> np.ndarray | None:
    """``True`` for a right-hemisphere label, from its hemisphere token; None unless every label reads one way.

    A connectome read from a plain matrix file has labels but no hemispheres;
    labels such as ``Precentral_L`` or ``lA1`` still say them. Every label must
    carry a token, every reading of a label must name the same side (TVB's
    ``rPUL.L`` reads both ways), and both sides must occur.
    """
    sides = []
    for label in labels:
        read = {side for _, side, _ in _readings(str(label))}
        if len(read) != 1:
            return None
        sides.append(read.pop())
    out = np.array(sides, dtype=bool)
    return out if out.any() and not out.all() else None


def _pairs_from_centres(centres, hemispheres):
    from scipy.optimize import linear_sum_assignment  # noqa: PLC0415 (SciPy's optimiser, only on this path)

    h = np.asarray(hemispheres, dtype=bool)
    left, right = np.nonzero(~h)[0], np.nonzero(h)[0]
    if left.size == 0 or right.size == 0:
        return []
    c = np.asarray(centres, dtype=float)
    # the left-right axis: where the two hemispheres' mean centres lie furthest apart (not always x)
    axis = int(np.argmax(np.abs(c[right].mean(axis=0) - c[left].mean(axis=0))))
    midline = 0.5 * (c[left, axis].mean() + c[right, axis].mean())
    mirrored = c[left].copy()
    mirrored[:, axis] = 2.0 * midline - mirrored[:, axis]
    cost = np.linalg.norm(mirrored[:, None, :] - c[None, right, :], axis=-1)
    rows, cols = linear_sum_assignment(cost)
    return [(int(left[a]), int(right[b])) for a, b in zip(rows, cols)]


def homotopic_pairs(connectome: Connectome) -> np.ndarray:
    """The homotopic pairs of a connectome: ``(left index, right index)`` per pair.

    Parameters
    ----------
    connectome : Connectome
        Its labels, and where the labels do not pair the regions, its
        ``centres`` (mm) and ``hemispheres``.

    Returns
    -------
    numpy.ndarray of int, shape (k, 2)
        Row ``p`` is ``(i, j)``: region ``i`` of the left hemisphere and its
        homologue ``j`` of the right, ordered by ``i``. Empty (shape ``(0, 2)``)
        when neither the labels nor the centres pair any regions (one
        hemisphere only, or no hemisphere information).

    Notes
    -----
    Labels pair two regions whose names are equal once a hemisphere token is
    removed: a suffix (``_L``, ``-rh``, ``.left``), a prefix (``R_``, ``lh.``,
    ``Left-``), a token between separators (``ctx-lh-``, ``_LH_``) or a lower-case
    ``l`` / ``r`` before a capital or digit (``lA1``); tokens are read case-blind
    except the last. A token that contradicts ``connectome.hemispheres`` is
    ignored. When the labels pair fewer than half of the smaller hemisphere's
    regions and the connectome has centres and hemispheres, the left centres
    are mirrored across the midline (along the axis where the two hemispheres'
    mean centres lie furthest apart, half-way between them) and matched one
    to one with the right centres, minimising the summed distance
    (:func:`scipy.optimize.linear_sum_assignment`). A label that reads two
    ways (TVB's ``rPUL.L``: the right lateral pulvinar) takes the reading that
    pairs it.

    Examples
    --------
    >>> import brainnet_cb as bn
    >>> conn = bn.load_atlas("tvb76")
    >>> pairs = bn.homotopic_pairs(conn)
    >>> len(pairs), conn.labels[pairs[0][0]], conn.labels[pairs[0][1]]
    (38, 'lA1', 'rA1')
    """
    if not isinstance(connectome, Connectome):
        raise ConnectomeError(f"homotopic_pairs needs a bn.Connectome; got {type(connectome).__name__}.")
    hemispheres = connectome.hemispheres
    pairs = _pairs_from_labels(connectome.labels, hemispheres)
    if hemispheres is not None and connectome.centres is not None:
        h = np.asarray(hemispheres, dtype=bool)
        smaller = min(int(h.sum()), int((~h).sum()))
        if len(pairs) < MIN_LABEL_COVERAGE * smaller:
            pairs = _pairs_from_centres(connectome.centres, h)
    return np.array(sorted(pairs), dtype=int).reshape(-1, 2)


def add_homotopic(connectome: Connectome, weight: float, pairs=None) -> Connectome:
    r"""The connectome with a connection of ``weight * max(W)`` added in both directions between homotopic regions.

    Parameters
    ----------
    connectome : Connectome
        The structural connectome (its weights as they are: normalise first
        if the scale matters).
    weight : float
        :math:`h \ge 0`, as a fraction of the largest weight;
        :math:`W'_{ij} = W_{ij} + h \max(W)` for ``i``, ``j`` a homotopic pair
        (both directions). ``0`` returns the connectome unchanged.
    pairs : array_like of int, shape (k, 2), optional
        The pairs; default :func:`homotopic_pairs`. A pair listed twice (or
        both ways round) is added once.

    Returns
    -------
    Connectome
        Where a pair has a tract length in one direction only, the other
        direction gets it too; where it has none (0 both ways), the new
        connection's length is the distance between the two centres when
        known, else the median length of the connectome's connections across
        hemispheres (or of all its connections).

    Raises
    ------
    ConnectomeError
        Not a connectome, a ``weight`` that is not a finite number >= 0, or
        pairs that are not distinct region indices of this connectome.

    Examples
    --------
    >>> import brainnet_cb as bn
    >>> conn = bn.load_atlas("tvb76").normalized("max")
    >>> more = bn.add_homotopic(conn, 0.5)
    >>> i, j = bn.homotopic_pairs(conn)[0]
    >>> bool(more.weights[i, j] - conn.weights[i, j] == 0.5)
    True
    """
    if not isinstance(connectome, Connectome):
        raise ConnectomeError(f"add_homotopic needs a bn.Connectome; got {type(connectome).__name__}.")
    number = np.ndim(weight) == 0 and not isinstance(weight, (bool, np.bool_)) and \
        np.issubdtype(np.asarray(weight).dtype, np.number)
    h = float(weight) if number else np.nan
    if not np.isfinite(h) or h < 0:
        raise ConnectomeError(f"the homotopic weight must be a finite number >= 0 (a fraction of the largest "
                              f"weight); got {weight!r}.")
    n = connectome.n_regions
    pairs = homotopic_pairs(connectome) if pairs is None else np.asarray(pairs)
    if pairs.ndim != 2 or pairs.shape[1] != 2 or (pairs.size and (
            not np.issubdtype(pairs.dtype, np.integer) or pairs.min() < 0 or pairs.max() >= n
            or np.any(pairs[:, 0] == pairs[:, 1]))):
        raise ConnectomeError(f"pairs must be a (k, 2) array of distinct region indices in 0..{n - 1}; "
                              f"got {pairs!r}.")
    if h == 0 or pairs.size == 0:
        return connectome
    pairs = np.unique(np.sort(pairs, axis=1), axis=0)  # a pair given twice, or both ways, is one pair
    i, j = pairs[:, 0], pairs[:, 1]
    w = np.array(connectome.weights, dtype=float)
    added = h * w.max() if w.max() > 0 else h
    w[i, j] += added
    w[j, i] += added
    lengths = np.array(connectome.lengths, dtype=float)
    forward, backward = lengths[i, j], lengths[j, i]
    # a tract known in one direction is the tract of the other; a pair with none gets a new length
    known = np.where(forward > 0, forward, backward)
    missing = known <= 0
    if np.any(missing):
        known[missing] = _fill_lengths(connectome, i[missing], j[missing])
    lengths[i, j] = np.where(forward > 0, forward, known)
    lengths[j, i] = np.where(backward > 0, backward, known)
    return connectome.replace(weights=w, lengths=lengths)


def _fill_lengths(connectome, i, j):
    """Lengths for new connections ``i <-> j``: centre distances, else a median of the existing lengths."""
    if connectome.centres is not None:
        c = np.asarray(connectome.centres, dtype=float)
        return np.linalg.norm(c[i] - c[j], axis=-1)
    L = np.asarray(connectome.lengths, dtype=float)
    across = L > 0
    if connectome.hemispheres is not None:
        h = np.asarray(connectome.hemispheres, dtype=bool)
        between = across & (h[:, None] != h[None, :])
        across = between if between.any() else across
    return np.full(i.shape, float(np.median(L[across])) if across.any() else 0.0)
