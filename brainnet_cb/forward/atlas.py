r"""Region-level EEG gains bundled beside the atlases.

``tvb76``: the 63 x 76 EEG gain of TVB's default 76-region connectivity,
derived from tvb-data 3.0.0 (GPL-3.0-or-later, see the bundled atlases' ``tvb/README.md``):

- ``projectionMatrix/projection_eeg_65_surface_16k.npy``: 65 sensors x 16384
  vertices of the cortical surface ``cortex_16384`` (unit dipoles normal to
  the surface; TVB's arbitrary units);
- ``regionMapping/regionMapping_16k_76.txt``: the region (0..75, the order of
  ``connectivity_76``) of each vertex;
- ``sensors/eeg_brainstorm_65.txt``: sensor labels and positions (mm, TVB's
  frame: x anterior, y left, z superior).

The region gain sums the projection over each region's vertices,
:math:`G_{ij} = \sum_{k \in \mathrm{region}\ j} P_{ik}` (TVB's rule for
region-level projection monitors), and drops the sensors whose projection is
all NaN (IO1 and IO2, the infra-orbital EOG channels), leaving 63 sensors.

**Physical units.** TVB's projection has no documented unit, and its sensor
positions are not in the frame of the region centres. :func:`calibrated_gain`
gives it one: the least-squares factor that maps the (average-referenced)
bundled gain onto the homogeneous-sphere lead field (V per A·m; radius 90 mm,
sigma 0.33 S/m, centred on the region centres, TVB's axes ``"ALS"``) of the
same regions, at the electrodes the two share by name (TVB's ``T8/T4``,
``T7/T3``, ``P8/T6``, ``P7/T5`` are the 10–10 ``T8``, ``T7``, ``P8``, ``P7``).
For ``tvb76``: 52 shared electrodes, factor 0.0294 V/(A·m) per unit, pattern
correlation 0.63 (median per region 0.83). The spatial pattern stays TVB's.
"""

from __future__ import annotations

import pathlib

import numpy as np

from ..data.atlases import data_dir, load_atlas
from ..errors import MonitorError
from .leadfield import lead_field_sphere
from .montage import montage

__all__ = ["ATLAS_GAINS", "load_gain", "region_gain", "derive_tvb_gain", "calibrated_gain", "standard_name"]

#: TVB's double names of the renamed 10-20 electrodes -> their 10-10 names (Oostenveld & Praamstra 2001).
TVB_ALIASES = {"T8/T4": "T8", "T7/T3": "T7", "P8/T6": "P8", "P7/T5": "P7"}


def standard_name(label: str) -> str:
    """The 10–10 name of a sensor label (``"T8/T4"`` -> ``"T8"``; others unchanged)."""
    return TVB_ALIASES.get(label, label)

#: Bundled gains: atlas name -> file under the atlases folder.
ATLAS_GAINS = {"tvb76": "tvb/eeg_gain_76.npz"}


def region_gain(projection, region_mapping, n_regions):
    """Sum a (sensors x vertices) projection over each region's vertices.

    Returns ``(gain (kept sensors, n_regions), kept)``, where ``kept`` is the
    boolean mask of sensors that are not all-NaN. Remaining NaNs are an error.
    """
    P = np.asarray(projection, dtype=float)
    rm = np.asarray(region_mapping, dtype=int)
    if P.ndim != 2 or rm.shape != (P.shape[1],):
        raise MonitorError(
            f"projection must be (sensors, vertices) and the region mapping one region per vertex; "
            f"got {P.shape} and {rm.shape}."
        )
    if rm.min() < 0 or rm.max() >= n_regions:
        raise MonitorError(f"region mapping values must lie in [0, {n_regions - 1}]; got [{rm.min()}, {rm.max()}].")
    kept = ~np.all(np.isnan(P), axis=1)
    P = P[kept]
    if np.isnan(P).any():
        raise MonitorError("the projection has NaNs in sensors that are not all-NaN; cannot sum regions.")
    G = np.zeros((P.shape[0], n_regions))
    np.add.at(G.T, rm, P.T)
    return G, kept


def derive_tvb_gain(tvb_data_dir=None):
    """Derive the tvb76 gain from an installed tvb-data (see the module docstring).

    Returns a dict with ``gain``, ``sensors``, ``positions`` (mm) and ``regions``.
    """
    if tvb_data_dir is None:
        import tvb_data  # noqa: PLC0415 (optional dependency)

        tvb_data_dir = pathlib.Path(tvb_data.__file__).parent
    d = pathlib.Path(tvb_data_dir)
    P = np.load(d / "projectionMatrix" / "projection_eeg_65_surface_16k.npy")
    rm = np.loadtxt(d / "regionMapping" / "regionMapping_16k_76.txt", dtype=int)
    sensors = (d / "sensors" / "eeg_brainstorm_65.txt").read_text(encoding="utf-8")
    rows = [line.split() for line in sensors.splitlines() if line.strip()]
    labels = np.array([r[0] for r in rows])
    positions = np.array([[float(v) for v in r[1:4]] for r in rows])
    import zipfile  # noqa: PLC0415

    with zipfile.ZipFile(d / "connectivity" / "connectivity_76.zip") as z:
        name = next(n for n in z.namelist() if n.endswith("centres.txt"))
        regions = np.array([line.split()[0] for line in z.read(name).decode().splitlines() if line.strip()])
    G, kept = region_gain(P, rm, len(regions))
    return {"gain": G, "sensors": labels[kept], "positions": positions[kept], "regions": regions}


def load_gain(name="tvb76"):
    """The bundled gain of atlas ``name``: ``(gain, sensors, positions_mm, regions)``."""
    if name not in ATLAS_GAINS:
        raise MonitorError(f"no bundled EEG gain for {name!r}; available: {sorted(ATLAS_GAINS)}.")
    path = data_dir() / ATLAS_GAINS[name]
    if not path.exists():
        raise MonitorError(f"the bundled EEG gain file {path} is missing; reinstall brainnet_cb.")
    with np.load(path, allow_pickle=False) as f:
        return f["gain"], tuple(f["sensors"].tolist()), f["positions"], tuple(f["regions"].tolist())


def calibrated_gain(name="tvb76"):
    """The bundled gain in V per A·m (see the module docstring): ``(gain, factor, correlation)``.

    Examples
    --------
    >>> from brainnet_cb.forward.atlas import calibrated_gain
    >>> gain, factor, corr = calibrated_gain("tvb76")
    >>> gain.shape, round(factor, 4), round(corr, 2)
    ((63, 76), 0.0294, 0.63)
    """
    gain, sensors, _, regions = load_gain(name)
    conn = load_atlas(name)
    if tuple(str(x) for x in conn.labels) != tuple(regions):
        raise MonitorError(f"the bundled gain of {name!r} does not follow the atlas's region order.")
    labels, pos = montage("10-10", 90.0, np.asarray(conn.centres).mean(axis=0), "ALS")
    sphere = lead_field_sphere(pos, conn.centres, conn.orientations, radius=90.0, sigma=0.33,
                               centre=np.asarray(conn.centres).mean(axis=0))
    pairs = [(i, labels.index(standard_name(s))) for i, s in enumerate(sensors) if standard_name(s) in labels]
    rows, cols = (list(x) for x in zip(*pairs))
    a = gain[rows] - gain[rows].mean(axis=0)
    b = sphere[cols] - sphere[cols].mean(axis=0)
    factor = float((a * b).sum() / (a * a).sum())
    corr = float(np.corrcoef(a.ravel(), b.ravel())[0, 1])
    return factor * np.asarray(gain, dtype=float), factor, corr
