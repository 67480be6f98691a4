r"""A structural connectome from region centres alone: the exponential distance rule.

Where no tractography is at hand (a parcellation with an FC but no SC), or as
the null model that asks what geometry alone explains, the weight of a
connection falls off exponentially with the distance between the regions,

.. math:: W_{ij} = e^{-d_{ij} / \ell}, \qquad W_{ii} = 0,

with :math:`d_{ij}` the Euclidean distance between the centres of regions
:math:`i` and :math:`j` (mm) and :math:`\ell` the decay length. Tract-tracing
in the macaque fits this rule with :math:`\ell \approx 5` mm (Ercsey-Ravasz et
al. 2013), and it reproduces much of the human connectome's geometry
(Roberts et al. 2016). The tract lengths are the distances themselves, a lower
bound of the lengths of curved tracts.

Changing :math:`\ell` raises the weights to a power,
:math:`e^{-d / (\ell / \gamma)} = W^\gamma`, so the weight exponents that
:func:`brainnet_cb.fit_working_point` scans also scan the decay length: the
fit does not hinge on the value given.

References
----------
Ercsey-Ravasz, M. et al. (2013). A predictive network model of cerebral
cortical connectivity based on a distance rule. Neuron 80, 184–197.
Roberts, J. A. et al. (2016). The contribution of geometry to the human
connectome. NeuroImage 124, 379–393.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .connectome import Connectome
from .errors import ConnectomeError
from .units import to_mm

__all__ = ["distance_rule_connectome"]


def distance_rule_connectome(centres, decay, *, labels: Sequence[str] | None = None, hemispheres=None,
                             name: str | None = None) -> Connectome:
    r"""The connectome of the exponential distance rule, :math:`W_{ij} = e^{-d_{ij} / \ell}`, from region centres.

    Parameters
    ----------
    centres : array_like or brainunit.Quantity, shape (n, 3)
        Region centres in mm (e.g. the ``centroids`` of
        :func:`brainnet_cb.io.read_parcellation`); at least two, no two the
        same.
    decay : float or brainunit.Quantity
        Decay length :math:`\ell` (mm), finite and positive.
    labels : sequence of str, optional
        One unique name per region (default ``"r0", "r1", ...``).
    hemispheres : array_like of bool, shape (n,), optional
        ``True`` for a right-hemisphere region; with the centres, it lets
        :func:`brainnet_cb.homotopic_pairs` pair mirrored regions.
    name : str, optional
        Default ``"distance rule (<decay> mm)"``.

    Returns
    -------
    Connectome
        Symmetric weights :math:`e^{-d_{ij}/\ell}` (largest below 1, zero
        diagonal), lengths :math:`d_{ij}` (mm), and the centres.

    Raises
    ------
    ConnectomeError
        Centres not of shape (n, 3) with n >= 2, not finite, or two regions
        at the same centre (a connection of weight 1 without delay); a decay
        that is not a finite positive length.

    Examples
    --------
    >>> import brainnet_cb as bn
    >>> conn = bn.distance_rule_connectome([[-30, 0, 0], [30, 0, 0], [0, 40, 0]], decay=20.0)
    >>> round(float(conn.weights[0, 1]), 4), float(conn.lengths[0, 1])  # exp(-60 / 20)
    (0.0498, 60.0)
    """
    c = to_mm(centres, "centres", ConnectomeError)
    c = np.asarray(c, dtype=float)
    if c.ndim != 2 or c.shape[1] != 3 or c.shape[0] < 2:
        raise ConnectomeError(f"centres must have shape (n, 3) with n >= 2 regions; got shape {c.shape}.")
    if not np.all(np.isfinite(c)):
        bad = int(np.nonzero(~np.isfinite(c).all(axis=1))[0][0])
        raise ConnectomeError(f"centres must be finite; region {bad} has {c[bad].tolist()}.")
    length = to_mm(decay, "decay", ConnectomeError)
    if not (np.ndim(length) == 0 and np.isfinite(length) and length > 0):
        raise ConnectomeError(f"decay must be a finite length > 0 (mm); got {decay!r}.")
    d = np.linalg.norm(c[:, None, :] - c[None, :, :], axis=-1)
    same = np.argwhere(np.triu(d == 0.0, 1))
    if same.size:
        i, j = (int(x) for x in same[0])
        raise ConnectomeError(f"regions {i} and {j} share the centre {c[i].tolist()}: their connection would have "
                              "weight 1 and no delay. Give every region its own centre (or merge the two).")
    w = np.exp(-d / float(length))
    np.fill_diagonal(w, 0.0)
    return Connectome(w, d, labels, c, f"distance rule ({float(length):g} mm)" if name is None else name,
                      hemispheres=hemispheres)
