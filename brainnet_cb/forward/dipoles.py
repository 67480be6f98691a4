r"""Region dipole moments in physical units: current dipole moment density times area.

A region whose neural source is :math:`s_j(t)` is one current dipole of moment

.. math:: p_j(t) = Q\,A_j\,s_j(t),

with :math:`A_j` the region's cortical area (mm², ``Connectome.areas``) and
:math:`Q` the current dipole moment density of active cortex. Murakami & Okada
(2015) found :math:`Q` nearly invariant across brain structures and species, at
about 0.16–0.77 nA·m/mm² and with an upper limit of 1–2 nA·m/mm²; the default
here is ``Q = 1 nA·m/mm²`` per unit of the source. With a lead field ``L`` in
V (or T) per A·m the EEG (MEG) is then in volts (tesla):
:math:`\mathrm{EEG} = L\,\mathrm{diag}(Q A)\,\bar s`.

Regions without an area (``areas`` missing) get the mean cortical area
``CORTEX_AREA_MM2 / n`` (about 2 x 10^5 mm² of cortex in both hemispheres;
Van Essen et al. 2018); a region of area 0 (e.g. a corpus callosum entry) is
silent.

References
----------
.. [1] S. Murakami, Y. Okada (2015). Invariance in current dipole moment density
   across brain structures and species: physiological constraint for
   neuroimaging. NeuroImage 111, 49-58.
.. [2] D. C. Van Essen, C. J. Donahue, M. F. Glasser (2018). Development and
   evolution of cerebral and cerebellar cortex. Brain Behav. Evol. 91, 158-169.
"""

from __future__ import annotations

import numpy as np

from ..errors import MonitorError
from ..units import as_plain

__all__ = ["CURRENT_DENSITY", "CORTEX_AREA_MM2", "region_moments"]

#: Default current dipole moment density, nA·m per mm² of active cortex (Murakami & Okada 2015).
CURRENT_DENSITY = 1.0

#: Cortical surface area of both hemispheres (mm²), used when a connectome gives no areas.
CORTEX_AREA_MM2 = 2.0e5


def region_moments(n: int, areas=None, current_density: float = CURRENT_DENSITY, moment=None) -> np.ndarray:
    """Dipole moment (A·m) of each region per unit of its source, shape ``(n,)``.

    Parameters
    ----------
    n : int
        Number of regions.
    areas : array_like, shape (n,), optional
        Region areas (mm², >= 0, or a brainunit quantity of area); default
        ``CORTEX_AREA_MM2 / n`` each.
    current_density : float, default 1.0
        Current dipole moment density (nA·m/mm², > 0, or a quantity).
    moment : float or array_like, optional
        The moment itself (A·m per unit source, or a quantity), overriding the rule.

    Examples
    --------
    >>> from brainnet_cb.forward.dipoles import region_moments
    >>> region_moments(2, areas=[1000.0, 0.0]).tolist()   # 1 nA m/mm^2 x 1000 mm^2 = 1 uA m
    [1e-06, 0.0]
    """
    if moment is not None:
        m = np.asarray(as_plain(moment, lambda u: u.amp * u.meter, "moment", "A·m", MonitorError,
                                "1e-6 * u.amp * u.meter"), dtype=float)
        if m.ndim > 1 or (m.ndim == 1 and m.shape[0] != n) or not np.all(np.isfinite(m)):
            raise MonitorError(
                f"moment must be a finite number or one value per region (shape ({n},)), in A·m per unit "
                f"source; got {moment!r}."
            )
        return np.broadcast_to(m, (n,)).astype(float)
    q = np.asarray(as_plain(current_density, lambda u: u.nA * u.meter / u.mm**2, "current_density", "nA·m/mm²",
                            MonitorError, "1.0 * u.nA * u.meter / u.mm**2"), dtype=float)
    if q.ndim or not np.isfinite(q) or q <= 0:
        raise MonitorError(
            f"current_density must be a number > 0 (nA·m/mm²; Murakami & Okada 2015: about 1); "
            f"got {current_density!r}."
        )
    if areas is None:
        a = np.full(n, CORTEX_AREA_MM2 / n)
    else:
        a = np.asarray(as_plain(areas, lambda u: u.mm**2, "areas", "mm²", MonitorError, "areas * u.mm**2"),
                       dtype=float)
        if a.shape != (n,) or not np.all(np.isfinite(a)) or np.any(a < 0):
            raise MonitorError(
                f"areas must be {n} finite values >= 0 (mm², one per region); got shape {a.shape}."
            )
    return a * float(q) / 1e9
