r"""GIFTI time series by hemisphere (``.func.gii``) averaged over per-hemisphere label files (``.label.gii``).

The GIFTI branch of :func:`brainnet_cb.read_bold_image`: the vertices of each
hemisphere carrying a region's key in its label file are averaged,
:math:`y_k(t) = \frac{1}{|R_k|} \sum_{v \in R_k} x_v(t)`, the medial wall and
unlabelled vertices left out; the repetition time is ``tr=`` or the data's
``TimeStep`` metadata (ms).
"""

from __future__ import annotations

import os
from collections.abc import Mapping

import nibabel as nib
import numpy as np

from ..errors import DataError
from .bold_image import labelled_bold, region_means
from .files import existing_path
from .io.parcellation import Parcellation, gifti_labels

__all__ = ["read_gifti"]

#: The hemispheres of a GIFTI time series, the prefix of their region names where the two share names
#: (FreeSurfer's for the cortex in aparc+aseg volumes) and their ``AnatomicalStructurePrimary``.
_HEMISPHERES = {"left": ("ctx-lh-", "CortexLeft"), "right": ("ctx-rh-", "CortexRight")}

#: Label names that are no region (compared case-blind): the medial wall and unlabelled vertices.
_NOT_REGIONS = ("???", "unknown", "medial_wall")

#: GIFTI ``TimeStep`` (FreeSurfer's key) is in ms; one under this is taken for a value in s and refused.
_MIN_TIMESTEP_MS = 50.0


def read_gifti(bold, parcellation, labels, tr, background):
    """Region means of per-hemisphere GIFTI time series (``.func.gii``) over per-hemisphere label files."""
    hemis = list(bold)
    if not hemis or any(h not in _HEMISPHERES for h in hemis):
        raise DataError(f"a GIFTI time series is given by hemisphere, {{'left': ..., 'right': ...}} (one or both); "
                        f"got the keys {hemis}.")
    if not isinstance(parcellation, Mapping) or set(parcellation) != set(hemis):
        got = f"the keys {list(parcellation)}" if isinstance(parcellation, Mapping) else type(parcellation).__name__
        raise DataError(f"a GIFTI time series of {hemis} is parcellated by one label file (.label.gii) per "
                        f"hemisphere, {{{', '.join(f'{h!r}: ...' for h in hemis)}}}; got {got}.")
    if labels is not None:
        raise DataError("labels name the regions of a NIfTI parcellation; a GIFTI label file (.label.gii) names "
                        "its own.")
    hemis = [h for h in _HEMISPHERES if h in bold]  # left, then right
    parts = {h: _gifti_hemisphere(h, bold[h], parcellation[h], background) for h in hemis}
    n_time = {h: part["n_time"] for h, part in parts.items()}
    if len(set(n_time.values())) > 1:
        raise DataError(f"the hemispheres' time series have different lengths: {n_time} time points; pass the two "
                        "halves of one run.")
    step = tr if tr is not None else _gifti_step(parts)
    shared = set(parts[hemis[0]]["names"]) & set(parts[hemis[-1]]["names"]) if len(hemis) == 2 else set()
    names, region, offset = [], [], 0
    for h in hemis:
        part = parts[h]
        names += [_HEMISPHERES[h][0] + n if shared else n for n in part["names"]]
        region.append(np.where(part["region"] >= 0, part["region"] + offset, -1))
        offset += len(part["names"])
    region = np.concatenate(region)

    def read(start, stop):
        return np.concatenate([parts[h]["read"](start, stop) for h in hemis])

    sources = " and ".join(parts[h]["source"] for h in hemis)
    label_sources = " and ".join(parts[h]["label_source"] for h in hemis)
    where = ("no vertex", "their keys are not on the meshes", "Use the label files of the series' meshes")
    subject = sources if len(hemis) == 1 else f"the time series ({', '.join(parts[h]['source'] for h in hemis)})"
    series, averaged = region_means(read, n_time[hemis[0]], region, names, label_sources, where, subject)
    return labelled_bold(series, step, names, sources, averaged)


def _gifti_hemisphere(hemi, data, labels, background):
    """One hemisphere: its samples reader, time points, the region of each vertex and the regions' names."""
    img, source = _gifti(data, hemi)
    arrays = img.darrays
    if any(a.intent == nib.nifti1.intent_codes["NIFTI_INTENT_LABEL"] for a in arrays):
        raise DataError(f"{source} is a label file (NIFTI_INTENT_LABEL), not a time series; pass the .func.gii "
                        "as the series and the .label.gii as the parcellation.")
    shapes = [tuple(a.data.shape) for a in arrays]
    if len(arrays) == 1 and len(shapes[0]) == 2:  # one 2-D array: (vertex, time), as GIFTI orders it
        n_vertices, n_time = shapes[0]
        matrix = arrays[0].data

        def read(start, stop):
            return np.asarray(matrix[:, start:stop], dtype=float)
    elif shapes and all(len(sh) == 1 for sh in shapes) and len(set(shapes)) == 1:  # one array per time point
        n_vertices, n_time = shapes[0][0], len(arrays)

        def read(start, stop):
            return np.stack([np.asarray(a.data, dtype=float) for a in arrays[start:stop]], axis=1)
    else:
        raise DataError(f"{source} holds {len(arrays)} data arrays of shapes {shapes[:5]}"
                        f"{' ...' if len(shapes) > 5 else ''}; a GIFTI time series is one 1-D array (a value per "
                        "vertex) per time point, or one 2-D array (vertex, time).")
    if n_time < 2:
        raise DataError(f"{source} holds {n_time} time point; a time series needs two or more.")
    if isinstance(labels, Parcellation):
        if labels.affine is not None:
            raise DataError(f"{labels.source} is a volume parcellation; a GIFTI time series needs a surface one "
                            "(.label.gii, or bn.io.read_surface_parcellation).")
        keys, table, label_source = labels.data, dict(zip(labels.ids.tolist(), labels.labels)), labels.source
        label_meta = {}
    elif isinstance(labels, str | os.PathLike) and os.fspath(labels).lower().endswith(".annot"):
        raise DataError(f"'{os.fspath(labels)}' is a FreeSurfer .annot file, which is not read here; convert it to "
                        "GIFTI first (mris_convert --annot lh.aparc.annot lh.white lh.aparc.label.gii).")
    elif isinstance(labels, str | os.PathLike | nib.gifti.GiftiImage):
        keys, table, label_source, label_img = gifti_labels(labels, f"{hemi} GIFTI label")
        if isinstance(labels, nib.gifti.GiftiImage):
            label_source = f"the {hemi} label GiftiImage"
        label_meta = _meta(label_img)
    else:
        raise DataError(f"the {hemi} parcellation must be a GIFTI label file (.label.gii), a GiftiImage or a "
                        f"surface Parcellation; got {type(labels).__name__}.")
    _same_hemisphere(hemi, {source: _meta(img), label_source: label_meta})
    if keys.size != n_vertices:
        raise DataError(f"{source} has {n_vertices} vertices and its labels, {label_source}, {keys.size}: they are on "
                        "different meshes (e.g. fsaverage5 against fsaverage); use the label file of the series' "
                        "mesh.")
    used = np.unique(keys[keys != background])  # the regions: every key on the mesh, ascending
    unnamed = [int(k) for k in used if int(k) not in table]
    if unnamed:
        raise DataError(f"{label_source}: keys {unnamed[:10]} are on the mesh but not in its label table.")
    regions = np.array([k for k in used if table[int(k)].strip().casefold() not in _NOT_REGIONS], np.int64)
    if not regions.size:
        raise DataError(f"{label_source}: every vertex is background (key {background}) or medial wall; no "
                        "regions.")
    names = [table[int(k)] for k in regions]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise DataError(f"{label_source}: the label table gives one name to several keys: {repeated[:10]}; each "
                        "region needs its own name.")
    pos = np.clip(np.searchsorted(regions, keys), 0, regions.size - 1)
    return {"read": read, "n_time": n_time, "region": np.where(regions[pos] == keys, pos, -1), "names": names,
            "source": source, "label_source": label_source, "image": img}


def _gifti(image, hemi):
    """A GIFTI image (from a file or as given) and how to name it in messages."""
    if isinstance(image, nib.gifti.GiftiImage):
        return image, f"the {hemi} BOLD GiftiImage"
    if not isinstance(image, str | os.PathLike):
        raise DataError(f"the {hemi} BOLD series must be a GIFTI file (.func.gii) or a GiftiImage; got "
                        f"{type(image).__name__}.")
    p = existing_path(image, f"{hemi} BOLD GIFTI", DataError)
    try:
        img = nib.load(p)
    except Exception as e:  # noqa: BLE001 - nibabel raises ImageFileError, ExpatError, ...
        raise DataError(f"'{p}' is not a readable GIFTI file ({type(e).__name__}: {e}).") from None
    if not isinstance(img, nib.gifti.GiftiImage):
        raise DataError(f"'{p}' is a {type(img).__name__}, not a GIFTI time series (.func.gii).")
    return img, f"'{p}'"


def _meta(img):
    return dict(img.meta) if img.meta is not None else {}


def _same_hemisphere(hemi, metas):
    """Refuse a file whose ``AnatomicalStructurePrimary`` names the other hemisphere."""
    other = next(h for h in _HEMISPHERES if h != hemi)
    for source, meta in metas.items():
        if meta.get("AnatomicalStructurePrimary") == _HEMISPHERES[other][1]:
            raise DataError(f"{source} is given as the {hemi} hemisphere but its AnatomicalStructurePrimary is "
                            f"{_HEMISPHERES[other][1]}; swap the files.")


def _time_step(img, source):
    """The file's ``TimeStep`` (first data array's metadata, else the file's) in ms, or None (absent or 0)."""
    metas = ([_meta(img.darrays[0])] if img.darrays else []) + [_meta(img)]
    for meta in metas:
        if "TimeStep" in meta:
            text = meta["TimeStep"]
            try:
                value = float(text)
            except ValueError:
                raise DataError(f"{source}'s TimeStep metadata is {text!r}, not a number; pass tr=... in s.") from None
            if value == 0:
                return None
            if not np.isfinite(value) or value < _MIN_TIMESTEP_MS:
                raise DataError(f"{source}'s TimeStep metadata is {text!r}: read in ms (FreeSurfer's unit) that is "
                                f"no repetition time of BOLD (under {_MIN_TIMESTEP_MS:g} ms; a value in s?); pass "
                                "tr=... in s.")
            return value
    return None


def _gifti_step(parts):
    """The repetition time in s from the hemispheres' TimeStep (ms), which must agree (read only without ``tr``)."""
    steps = {part["source"]: _time_step(part["image"], part["source"]) for part in parts.values()}
    if all(v is None for v in steps.values()):
        raise DataError(f"no repetition time in {' or '.join(steps)} (no TimeStep metadata, or 0); pass tr=... in "
                        "s (e.g. tr=0.72).")
    known = {v for v in steps.values() if v is not None}
    if len(known) > 1:
        raise DataError(f"the hemispheres' TimeStep metadata disagree ({steps}, ms); pass tr=... in s.")
    return float(np.round(known.pop() / 1000.0, 12))
