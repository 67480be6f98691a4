r"""EEG montages on a sphere, generated from the 10–20 / 10–10 construction rules.

No third-party position file is bundled: the positions are *computed* here
from the geometric definition of the systems on an ideal spherical head
(Jasper 1958; Chatrian, Lettich & Nelson 1985; Oostenveld & Praamstra 2001),
so they carry this package's licence (Apache-2.0) and need no attribution
beyond these references.

Head frame (RAS): ``x`` towards the right pre-auricular point, ``y`` towards
the nasion, ``z`` towards the vertex. On the unit sphere nasion, inion and
pre-auricular points lie on the equator ``z = 0`` and Cz at the pole.

1. Midline (nasion–Cz–inion great circle), at 10 % steps of its 180°:
   Fpz 10 %, AFz 20 %, Fz 30 %, FCz 40 %, Cz 50 %, CPz 60 %, Pz 70 %, POz 80 %, Oz 90 %.
2. Circumference through Fpz, T7, Oz, T8 (the circle at elevation 18°), in
   steps of 18° of azimuth from Fpz: Fp1/2, AF7/8, F7/8, FT7/8, T7/8, TP7/8,
   P7/8, PO7/8, O1/2.
3. Coronal rows: the circle on the sphere through the row's left
   circumference point, its midline point and its right circumference point
   (the C row is the pre-auricular–Cz–pre-auricular great circle); the
   intermediate electrodes divide each half-arc into equal parts (quarters:
   ``*5, *3, *1``; halves for AF3/4 and PO3/4).

``"10-20"``: the 21 positions Fp1 Fpz Fp2 F7 F3 Fz F4 F8 T7 C3 Cz C4 T8 P7 P3
Pz P4 P8 O1 Oz O2 (T7/T8/P7/P8 are the old T3/T4/T5/T6). ``"10-10"``: 61
positions on and above the circumference.

References
----------
.. [1] H. H. Jasper (1958). The ten-twenty electrode system of the
   International Federation. Electroencephalogr. Clin. Neurophysiol. 10, 371-375.
.. [2] G. E. Chatrian, E. Lettich, P. L. Nelson (1985). Ten percent electrode
   system for topographic studies of spontaneous and evoked EEG activity.
   Am. J. EEG Technol. 25, 83-92.
.. [3] R. Oostenveld, P. Praamstra (2001). The five percent electrode system for
   high-resolution EEG and ERP measurements. Clin. Neurophysiol. 112, 713-719.
"""

from __future__ import annotations

import numpy as np

from ..errors import MonitorError
from ..units import to_mm

__all__ = ["montage", "project_to_sphere", "MONTAGES", "to_ras"]

_EL = np.deg2rad(18.0)
_MIDLINE = {"Fpz": 0.1, "AFz": 0.2, "Fz": 0.3, "FCz": 0.4, "Cz": 0.5, "CPz": 0.6, "Pz": 0.7, "POz": 0.8, "Oz": 0.9}
_CIRCUMFERENCE = {
    ("Fp1", "Fp2"): 18, ("AF7", "AF8"): 36, ("F7", "F8"): 54, ("FT7", "FT8"): 72, ("T7", "T8"): 90,
    ("TP7", "TP8"): 108, ("P7", "P8"): 126, ("PO7", "PO8"): 144, ("O1", "O2"): 162,
}  # fmt: skip
# row: (left circumference point, midline point, [(left name, right name, fraction of the half-arc)])
_ROWS = {
    "AF": ("AF7", "AFz", [("AF3", "AF4", 0.5)]),
    "F": ("F7", "Fz", [("F5", "F6", 0.25), ("F3", "F4", 0.5), ("F1", "F2", 0.75)]),
    "FC": ("FT7", "FCz", [("FC5", "FC6", 0.25), ("FC3", "FC4", 0.5), ("FC1", "FC2", 0.75)]),
    "C": ("T7", "Cz", [("C5", "C6", 0.25), ("C3", "C4", 0.5), ("C1", "C2", 0.75)]),
    "CP": ("TP7", "CPz", [("CP5", "CP6", 0.25), ("CP3", "CP4", 0.5), ("CP1", "CP2", 0.75)]),
    "P": ("P7", "Pz", [("P5", "P6", 0.25), ("P3", "P4", 0.5), ("P1", "P2", 0.75)]),
    "PO": ("PO7", "POz", [("PO3", "PO4", 0.5)]),
}

_ORDER_1010 = (
    "Fp1 Fpz Fp2 AF7 AF3 AFz AF4 AF8 F7 F5 F3 F1 Fz F2 F4 F6 F8 "
    "FT7 FC5 FC3 FC1 FCz FC2 FC4 FC6 FT8 T7 C5 C3 C1 Cz C2 C4 C6 T8 "
    "TP7 CP5 CP3 CP1 CPz CP2 CP4 CP6 TP8 P7 P5 P3 P1 Pz P2 P4 P6 P8 "
    "PO7 PO3 POz PO4 PO8 O1 Oz O2"
).split()
_ORDER_1020 = "Fp1 Fpz Fp2 F7 F3 Fz F4 F8 T7 C3 Cz C4 T8 P7 P3 Pz P4 P8 O1 Oz O2".split()

#: Montage names and their electrode labels, in order.
MONTAGES = {"10-20": tuple(_ORDER_1020), "10-10": tuple(_ORDER_1010)}


def _arc_point(a, m, b, frac):
    """Point at ``frac`` of the arc from ``a`` to ``m`` on the circle through a, m, b."""
    # circle centre: the point of the plane (a, m, b) equidistant from all three
    u, v = m - a, b - a
    w = np.cross(u, v)
    centre = a + (np.dot(u, u) * np.cross(v, w) + np.dot(v, v) * np.cross(w, u)) / (2 * np.dot(w, w))
    p, q = a - centre, m - centre
    rho = np.linalg.norm(p)
    e1 = p / rho
    e2 = q - np.dot(q, e1) * e1
    e2 /= np.linalg.norm(e2)
    angle = np.arctan2(np.dot(q, e2), np.dot(q, e1))
    t = frac * angle
    return centre + rho * (np.cos(t) * e1 + np.sin(t) * e2)


def _unit_positions():
    pos = {}
    for name, f in _MIDLINE.items():
        pos[name] = np.array([0.0, np.cos(f * np.pi), np.sin(f * np.pi)])
    for (left, right), az in _CIRCUMFERENCE.items():
        a = np.deg2rad(az)
        pos[left] = np.array([-np.cos(_EL) * np.sin(a), np.cos(_EL) * np.cos(a), np.sin(_EL)])
        pos[right] = pos[left] * np.array([-1.0, 1.0, 1.0])
    for lname, mname, members in _ROWS.values():
        a, m = pos[lname], pos[mname]
        b = a * np.array([-1.0, 1.0, 1.0])
        for left, right, frac in members:
            p = _arc_point(a, m, b, frac)
            p /= np.linalg.norm(p)  # on the sphere already; remove rounding
            pos[left] = p
            pos[right] = p * np.array([-1.0, 1.0, 1.0])
    return pos


_UNIT = _unit_positions()


def _axes_matrix(axes):
    """Rows map RAS unit vectors to the frame ``axes`` (e.g. "RAS", "ALS", "LPS")."""
    rows = {"R": (0, 1.0), "L": (0, -1.0), "A": (1, 1.0), "P": (1, -1.0), "S": (2, 1.0), "I": (2, -1.0)}
    if not isinstance(axes, str) or len(axes) != 3 or any(a not in rows for a in axes) or len(
        {rows[a][0] for a in axes}
    ) != 3:
        raise MonitorError(
            f"axes must name the direction of +x, +y, +z with one letter each from R/L, A/P, S/I "
            f"(e.g. 'RAS' for MNI, 'ALS' for TVB's default connectivities); got {axes!r}."
        )
    M = np.zeros((3, 3))
    for i, a in enumerate(axes):
        k, sign = rows[a]
        M[i, k] = sign
    return M


def _centre_mm(centre):
    """The sphere centre (mm) as a ``(3,)`` array; the origin for None."""
    if centre is None:
        return np.zeros(3)
    c = np.asarray(to_mm(centre, "centre", MonitorError), dtype=float)
    if c.size != 3 or c.ndim > 2 or not np.all(np.isfinite(c)):
        raise MonitorError(f"centre must be one finite point (x, y, z) in mm; got {centre!r} (shape {c.shape}).")
    return c.reshape(3)


def _radius_mm(radius):
    R = to_mm(radius, "radius", MonitorError)
    if not (np.ndim(R) == 0 and np.isfinite(R) and R > 0):
        raise MonitorError(f"radius must be a finite length > 0 (mm); got {radius!r}.")
    return float(R)


def montage(name="10-20", radius=90.0, centre=None, axes="RAS"):
    """Electrode labels and positions (mm) of a standard montage on a sphere.

    Parameters
    ----------
    name : {"10-20", "10-10"}
        The electrode system (see the module docstring for the construction).
    radius : float or brainunit.Quantity, default 90.0
        Sphere radius (mm).
    centre : array_like, shape (3,), optional
        Sphere centre (mm; default the origin).
    axes : str, default "RAS"
        Where +x, +y, +z point in the frame of your region centres: one
        letter each from R/L, A/P, S/I ("RAS": MNI/Talairach; "ALS": TVB's
        default connectivities, whose x is anterior and y left).

    Returns
    -------
    labels : tuple of str
    positions : numpy.ndarray, shape (m, 3)
        In the frame ``axes`` (mm).

    Examples
    --------
    >>> import brainnet_cb as bn
    >>> labels, pos = bn.forward.montage("10-20", radius=90)
    >>> len(labels), labels[10], pos[10].round(6).tolist()
    (21, 'Cz', [0.0, 0.0, 90.0])
    """
    if name not in MONTAGES:
        raise MonitorError(f"unknown montage {name!r}; choose one of {sorted(MONTAGES)}.")
    R = _radius_mm(radius)
    c = _centre_mm(centre)
    M = _axes_matrix(axes)
    labels = MONTAGES[name]
    return labels, c + R * np.stack([M @ _UNIT[k] for k in labels])


def project_to_sphere(positions, radius=90.0, centre=None):
    """Project positions (mm) radially onto the sphere of ``radius`` around ``centre``.

    Positions that span less than 1 % of the radius (e.g. an MNE montage in
    metres read as mm) are refused: they would project to almost one point.
    """
    x = np.asarray(to_mm(positions, "positions", MonitorError), dtype=float)
    if x.ndim != 2 or x.shape[1] != 3 or not np.all(np.isfinite(x)):
        raise MonitorError(f"positions must be a finite array of shape (m, 3) in mm; got shape {x.shape}.")
    c = _centre_mm(centre)
    R = _radius_mm(radius)
    spread = 2 * np.linalg.norm(x - x.mean(axis=0), axis=1).max() if len(x) > 1 else np.inf
    if spread < 0.01 * R:
        raise MonitorError(
            f"the {len(x)} positions span only {spread:.3g} mm, on a sphere of radius {R:g} mm: they would all "
            "project to almost one point. Positions are in mm; multiply positions in metres (MNE's montages) "
            "by 1000, or pass brainunit quantities."
        )
    d = x - c
    norm = np.linalg.norm(d, axis=1, keepdims=True)
    if np.any(norm == 0):
        raise MonitorError("a position coincides with the sphere centre and cannot be projected.")
    return c + R * d / norm


def to_ras(positions, axes="RAS"):
    """Positions given in the frame ``axes`` (e.g. TVB's ``"ALS"``) expressed in RAS (same unit).

    Examples
    --------
    >>> from brainnet_cb.forward.montage import to_ras
    >>> to_ras([[10.0, 20.0, 30.0]], "ALS").tolist()    # x anterior, y left -> x right, y anterior
    [[-20.0, 10.0, 30.0]]
    """
    x = np.asarray(positions, dtype=float)
    if x.ndim not in (1, 2) or x.shape[-1] != 3:
        raise MonitorError(f"positions must be points (x, y, z), shape (3,) or (m, 3); got shape {x.shape}.")
    return x @ _axes_matrix(axes)
