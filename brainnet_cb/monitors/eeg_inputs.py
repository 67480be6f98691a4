"""What the EEG and MEG monitors are given: sources, sensors, gains and their labels, checked.

Helpers of :mod:`brainnet_cb.monitors.eeg`: region centres and dipole moments
from a connectome or an array of centres, sensor positions from a montage
name or a ``(labels, positions)`` pair, the refusal of a gain that is not an
array, and the text that says what the output's volts rest on.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

import jax
import numpy as np

from ..connectome import Connectome
from ..errors import MonitorError
from ..forward.dipoles import region_moments
from ..forward.montage import MONTAGES, project_to_sphere
from ..forward.montage import montage as _montage
from ..units import to_mm


def is_concrete(value):
    """A gain given on the host (numbers, or a JAX array that is not a tracer of a transformation)."""
    if isinstance(value, jax.Array):
        return not isinstance(value, jax.core.Tracer)
    return isinstance(value, (np.ndarray, list, tuple, np.number, int, float))


def dipole_moments(sources, n, current_density, moment):
    """Dipole moment (A·m) per unit source of each region: ``current_density x area`` or ``moment``."""
    areas = getattr(sources, "areas", None) if isinstance(sources, Connectome) else None
    return region_moments(n, areas, current_density, moment)


def source_labels(sources):
    """The labels of the gain's columns: a Connectome's region labels; None for an array of centres."""
    return tuple(str(x) for x in sources.labels) if isinstance(sources, Connectome) else None


def source_positions(sources):
    """``(centres (n, 3) mm, orientations or None)`` from a Connectome or an array."""
    if isinstance(sources, Connectome):
        if sources.centres is None:
            raise MonitorError(
                f"connectome {sources.name!r} has no region centres; a lead field needs them. "
                "Pass centres=... to the Connectome, or a gain matrix to bn.EEG(gain=...)."
            )
        return np.asarray(sources.centres, float), getattr(sources, "orientations", None)
    x = np.asarray(to_mm(sources, "sources", MonitorError), dtype=float)
    if x.ndim != 2 or x.shape[1] != 3:
        raise MonitorError(
            f"sources must be a Connectome with centres or an array of shape (n, 3) (mm); got shape {x.shape}."
        )
    return x, None


def refuse_non_array_gain(gain, cls):
    """A file name, an MNE Forward or an image as ``gain``: say how to make it the array it must be."""
    if isinstance(gain, (str, bytes, os.PathLike)):
        raise MonitorError(
            f"{cls} gain must be an array (sensors, regions), not a file name ({gain!r}); load it first, "
            f"e.g. gain=np.load(path), or an MNE -fwd.fif file with bn.{cls}.from_mne(path, parcellation, connectome)."
        )
    if isinstance(gain, Mapping):  # mne.Forward is a dict
        raise MonitorError(
            f"{cls} gain must be an array (sensors, regions); got a {type(gain).__name__}. For an MNE forward "
            f"solution use bn.{cls}.from_mne(forward, parcellation, connectome) (one column per region)."
        )
    if hasattr(gain, "get_fdata"):  # a nibabel image
        raise MonitorError(
            f"{cls} gain must be an array (sensors, regions); got a {type(gain).__name__}. Pass its data, "
            "e.g. gain=np.asarray(img.dataobj).reshape(n_sensors, n_regions), in the connectome's region order."
        )


#: The monitors' name for arbitrary units (a gain of no physical unit): not a udunits string.
ARBITRARY = "a.u."


def cf_units(units):
    """The output's ``units`` attribute for a monitor's ``units``: ``"1"`` for :data:`ARBITRARY`, CF's dimensionless
    (udunits has no arbitrary unit; :func:`scale_comment` says the units are arbitrary), else ``units`` itself."""
    return "1" if units == ARBITRARY else units


def scale_comment(units, source, source_unit):
    """What the output's ``units`` mean: the gain maps one unit of the source to the sensor signal."""
    text = f"gain (sensor signal per unit of the source) x source {source!r} ({source_unit})"
    if units == ARBITRARY:
        return text + "; arbitrary units (the gain has no physical unit)."
    text += (
        f". The gain holds each region's current dipole moment per unit of {source!r} (bn.EEG.sphere, "
        ".infinite, .from_atlas, .from_mne: current dipole moment density x area, by default "
        "1 nA·m/mm², Murakami & Okada 2015)."
    )
    if source_unit == "1":
        text += (f" {source!r} has no physical unit: the moment per unit of it is an assumption, and the "
                 f"output in {units} scales linearly with it.")
    return text


def check_label_order(regions, connectome):
    """Refuse mne.Labels whose names are connectome regions at other places (columns in the wrong order)."""
    order = [str(x) for x in (connectome.labels or ())]
    where = {name: j for j, name in enumerate(order)}
    wrong = [(j, r) for j, r in enumerate(regions) if r in where and where[r] != j]
    if wrong:
        j, r = wrong[0]
        raise MonitorError(
            f"the labels are not in the connectome's region order: label {j} is {r!r}, region {where[r]} of "
            f"the connectome ({len(wrong)} label(s) out of place). Reorder them, e.g. "
            "by_name = {lab.name: lab for lab in labels}; [by_name[n] for n in connectome.labels]."
        )


def sensor_positions(montage, radius, centre, axes):
    """Labels and positions (mm) on the sphere: a montage name, or ``(labels, positions)`` projected."""
    if isinstance(montage, str):
        return _montage(montage, radius, centre, axes)
    try:
        labels, positions = montage
    except (TypeError, ValueError):
        raise MonitorError(
            f"montage must be one of {sorted(MONTAGES)} or a pair (labels, positions (m, 3) in mm); "
            f"got {type(montage).__name__}."
        ) from None
    positions = project_to_sphere(positions, radius, centre)
    labels = tuple(str(s) for s in labels)
    if len(labels) != len(positions):
        raise MonitorError(f"{len(labels)} sensor labels for {len(positions)} positions.")
    return labels, positions
