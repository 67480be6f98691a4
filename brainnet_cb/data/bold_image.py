r"""Region time series from a BOLD image (4-D NIfTI, CIFTI-2 or GIFTI) and a parcellation, through nibabel.

The empirical side of a fit starts from a preprocessed fMRI run (a 4-D NIfTI
image, HCP's CIFTI-2 grayordinates, or a GIFTI time series per hemisphere)
and the atlas the connectome was built on. :func:`read_bold_image` averages the image's voxels (grayordinates) over
each region of the parcellation,

.. math::

    y_k(t) = \frac{1}{|R_k|} \sum_{v \in R_k} x_v(t),

where :math:`R_k` is the set of the image's voxels whose centres lie in
region :math:`k` (nearest voxel of the parcellation, so an atlas on another
grid needs no resampling beforehand; for CIFTI, the grayordinates carrying
the region's key in a ``.dlabel.nii``; for GIFTI, the vertices carrying it
in the hemisphere's ``.label.gii``), and labels the result with the
parcellation's region names and the image's repetition time. The series is
ready for :func:`brainnet_cb.fc` and is aligned by label to a connectome made
from the same parcellation (:func:`brainnet_cb.io.read_tractography`).

Cleaning (confound regression, detrending, band-pass) is the preprocessing
pipeline's job, or nilearn's (``nilearn.signal.clean(y.values, t_r=...)``);
the fits band-pass the series themselves (``band=``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping

import nibabel as nib
import numpy as np
import scipy.sparse
import xarray as xr
from nibabel.cifti2 import cifti2_axes

from .._types import PathLike
from ..errors import DataError
from .empirical import as_timeseries
from .files import existing_path
from .io.parcellation import _SPATIAL_SCALE, Parcellation, _gifti_labels, read_parcellation

__all__ = ["read_bold_image"]

#: Seconds per unit of NIfTI's time code (``xyzt_units``); "unknown" is read as s, as nibabel and nilearn do.
_TIME_SCALE = {"sec": 1.0, "msec": 1e-3, "usec": 1e-6, "unknown": 1.0}

#: Bytes of float64 voxel values read per block of volumes.
_BLOCK_BYTES = 256 * 2**20

#: The hemispheres of a GIFTI time series, the prefix of their region names where the two share names
#: (FreeSurfer's for the cortex in aparc+aseg volumes) and their ``AnatomicalStructurePrimary``.
_HEMISPHERES = {"left": ("ctx-lh-", "CortexLeft"), "right": ("ctx-rh-", "CortexRight")}

#: Label names that are no region (compared case-blind): the medial wall and unlabelled vertices.
_NOT_REGIONS = ("???", "unknown", "medial_wall")

#: GIFTI ``TimeStep`` (FreeSurfer's key) is in ms; one under this is taken for a value in s and refused.
_MIN_TIMESTEP_MS = 50.0


def read_bold_image(bold: PathLike | nib.spatialimages.SpatialImage | nib.Cifti2Image | Mapping,
                    parcellation: Parcellation | PathLike | nib.spatialimages.SpatialImage | nib.Cifti2Image
                    | Mapping = None,
                    labels=None, *, tr=None, background: int = 0) -> xr.DataArray:
    r"""The mean BOLD signal of every region of a parcellation, from a 4-D NIfTI, CIFTI-2 or GIFTI time series.

    :math:`y_k(t) = |R_k|^{-1} \sum_{v \in R_k} x_v(t)`, with :math:`R_k` the
    image's voxels (or grayordinates) in region :math:`k`:

    - a 4-D NIfTI image with a volume parcellation: the voxels whose centres
      fall in the region (the parcellation's nearest voxel, in world mm
      through both affines: the atlas may be on another grid than the image,
      e.g. 1 mm against 2 mm);
    - a CIFTI-2 dense time series (``.dtseries.nii``, HCP's grayordinates)
      with a dense label file (``.dlabel.nii``): the grayordinates (surface
      vertices and subcortical voxels, matched by structure and vertex or
      voxel) that carry the region's key;
    - a CIFTI-2 parcellated time series (``.ptseries.nii``): its parcels are
      the regions already (no ``parcellation``);
    - GIFTI time series by hemisphere, ``{"left": "lh.func.gii", "right":
      "rh.func.gii"}`` (one or both), with a label file per hemisphere,
      ``{"left": "lh.label.gii", "right": "rh.label.gii"}``: the vertices
      that carry the region's key. Label keys ``background`` and those named
      ``???``, ``Unknown`` or ``Medial_Wall`` (any case) are no region; keys
      of the label table that no vertex carries are ignored. The regions
      keep their label-table names (HCP's ``L_V1_ROI``, Schaefer's
      ``7Networks_LH_Vis_1``, as a ``.dlabel.nii`` gives them) unless a name
      is in both hemispheres (FreeSurfer's ``aparc`` converted to GIFTI):
      then every region is named with FreeSurfer's cortical prefix,
      ``ctx-lh-``/``ctx-rh-`` (``ctx-lh-bankssts``, as FreeSurferColorLUT
      names them in ``aparc+aseg`` volumes). Left regions come first, each
      hemisphere's in ascending key order. FreeSurfer ``.annot`` files are
      not read: convert them (``mris_convert --annot lh.aparc.annot lh.white
      lh.aparc.label.gii``).

    Parameters
    ----------
    bold : str, os.PathLike, nibabel image or dict
        A 4-D ``.nii``/``.nii.gz`` image ``(x, y, z, time)``, a
        ``.dtseries.nii`` or ``.ptseries.nii`` file, or such an image object
        (nilearn's ``Nifti1Image``, a ``Cifti2Image``). It is read in blocks
        of volumes, so a long run need not fit in memory as float64. Or
        ``{"left": ..., "right": ...}``: a ``.func.gii`` file or
        ``GiftiImage`` per hemisphere, holding one 1-D data array (a value
        per vertex) per time point, or one 2-D array ``(vertex, time)``.
        nibabel decodes a GIFTI file (XML) whole, in its stored type; the
        float64 conversion goes in blocks of time points.
    parcellation : Parcellation, str, os.PathLike or nibabel image
        For a NIfTI image: a :class:`~brainnet_cb.io.Parcellation` from
        :func:`brainnet_cb.io.read_parcellation`, or what that function reads
        (a 3-D label image), with ``labels`` and ``background`` passed to it.
        For a dense CIFTI image: a ``.dlabel.nii`` file or ``Cifti2Image``
        with one label map (its label table names the regions). None for a
        parcellated one. For GIFTI: ``{"left": ..., "right": ...}`` with the
        keys of ``bold``, each a ``.label.gii`` file or ``GiftiImage`` with
        one label array on the series' mesh, or a surface ``Parcellation``
        (:func:`brainnet_cb.io.read_surface_parcellation`).
    labels : dict, list of str, table or path, optional
        The label table of a NIfTI ``parcellation`` given as an image or a file
        (see :func:`brainnet_cb.io.read_parcellation`); a ``Parcellation``, a
        ``.dlabel.nii`` and a ``.label.gii`` have their own.
    tr : float or brainunit.Quantity, optional
        Repetition time in s. Default: the image's (NIfTI: ``pixdim[4]`` in the
        unit of its ``xyzt_units``, "unknown" read as s; CIFTI: the series
        axis' step; GIFTI, whose time step is not standardised: the
        ``TimeStep`` metadata of the first data array, else of the file, read
        in ms as FreeSurfer's ``mri_vol2surf`` writes it (fMRIPrep's
        ``.func.gii``); without it, or with 0, ``tr`` is required; one under
        50 ms (a value in s?) is refused).
    background : int, default 0
        The id (NIfTI) or key (CIFTI, GIFTI) of unlabelled voxels,
        grayordinates or vertices.

    Returns
    -------
    xarray.DataArray
        Dims ``(time, region)``, time in s from 0, the regions in the order of
        the parcellation's ids (keys) with its labels. ``attrs["source"]``
        names the image, ``attrs["averaged"]`` counts the voxels or
        grayordinates averaged per region.

    Raises
    ------
    DataError
        An image that is not a time series (a 3-D image, one volume, a CIFTI
        file of another kind), a header without a repetition time and no
        ``tr``, a surface or multi-map parcellation, regions with no voxel or
        grayordinate of the image (smaller than its voxels, or outside its
        field of view), or non-finite values in a region. For GIFTI also:
        hemisphere keys other than ``"left"``/``"right"``, data and labels on
        meshes of different vertex counts, time series of different lengths
        or ``TimeStep`` values in the two hemispheres, a file whose
        ``AnatomicalStructurePrimary`` names the other hemisphere, a label
        table that names two keys alike or lacks a key on the mesh.
    ConnectomeError
        A label file (NIfTI or GIFTI) that cannot be read, holds several
        maps, or non-integer keys.

    Examples
    --------
    >>> import numpy as np, nibabel as nib, brainnet_cb as bn
    >>> atlas = np.zeros((4, 4, 4), np.int16); atlas[:2] = 1; atlas[2:] = 2
    >>> parc = bn.io.read_parcellation(nib.Nifti1Image(atlas, np.eye(4)), {1: "A", 2: "B"})
    >>> x = np.zeros((4, 4, 4, 3)); x[:2] = [1.0, 2.0, 3.0]
    >>> img = nib.Nifti1Image(x, np.eye(4)); img.header.set_zooms((1, 1, 1, 0.72))
    >>> y = bn.read_bold_image(img, parc)
    >>> y.region.values.tolist(), y.sel(region="A").values.tolist(), float(y.time[1])
    (['A', 'B'], [1.0, 2.0, 3.0], 0.72)
    """
    if isinstance(bold, Mapping):
        return _read_gifti(bold, parcellation, labels, tr, background)
    img, source = _image(bold)
    if isinstance(img, nib.Cifti2Image):
        return _read_cifti(img, source, parcellation, labels, tr, background)
    if len(img.shape) != 4 or img.shape[3] < 2:
        raise DataError(f"{source} must be a 4-D image (x, y, z, time) with two or more volumes; got shape "
                        f"{img.shape}. A single volume has no time series.")
    parc = _parcellation(parcellation, labels, background)
    step = _repetition_time(img, tr, source)
    grid = img.shape[:3]
    region = _regions_of_voxels(parc, grid, _affine_mm(img))
    where = (f"no voxel in the grid {grid} of {source}", "smaller than its voxels, or outside its field of view",
             "Set their voxels to the background in the parcellation, or use an image on a finer grid")
    n_time = img.shape[3]

    def volumes(start, stop):
        return np.asarray(img.dataobj[..., start:stop], dtype=float).reshape(region.size, stop - start, order="C")

    series, averaged = _region_means(volumes, n_time, region, parc.labels, f"{parc.source}", where, source)
    return _labelled(series, step, parc.labels, source, averaged)


def _region_means(read, n_time, region, names, parc_source, where, source):
    """The mean of the samples (voxels, grayordinates) of each region at every time, read in blocks.

    ``read(start, stop)`` gives the samples ``(n_samples, stop - start)``;
    ``region`` is the region position of each sample, -1 for none.
    """
    averaged = np.bincount(region[region >= 0], minlength=len(names))
    empty = np.flatnonzero(averaged == 0)
    if empty.size:
        lost = [names[k] for k in empty]
        raise DataError(f"{len(lost)} region(s) of {parc_source} have {where[0]}: {lost[:10]}"
                        f"{' ...' if len(lost) > 10 else ''} ({where[1]}). {where[2]}.")
    inside = np.flatnonzero(region >= 0)
    average = scipy.sparse.csr_matrix((1.0 / averaged[region[inside]], (region[inside], inside)),
                                      shape=(len(names), region.size))
    per_block = max(1, _BLOCK_BYTES // (8 * region.size))
    series = np.empty((n_time, len(names)))
    for start in range(0, n_time, per_block):
        stop = min(n_time, start + per_block)
        series[start:stop] = (average @ read(start, stop)).T
    bad = ~np.isfinite(series).all(axis=0)
    if bad.any():
        named = [names[k] for k in np.flatnonzero(bad)]
        raise DataError(f"{source} has non-finite values (NaN or inf) in {len(named)} region(s): "
                        f"{named[:10]}{' ...' if len(named) > 10 else ''}. Mask or fill them in the image first.")
    return series, averaged


def _labelled(series, step, names, source, averaged=None):
    out = as_timeseries(series, dt=step, labels=list(names), long_name="BOLD signal (mean over the region)")
    out.attrs["source"] = source
    if averaged is not None:
        out.attrs["averaged"] = averaged.astype(np.int64)
    return out


def _read_cifti(img, source, parcellation, labels, tr, background):
    """Region means of a CIFTI-2 dense time series over a dense label file, or a parcellated series as it is."""
    series_axis, columns = img.header.get_axis(0), img.header.get_axis(1)
    if not isinstance(series_axis, cifti2_axes.SeriesAxis) or img.shape[0] < 2:
        raise DataError(f"{source} is a CIFTI-2 {type(series_axis).__name__} file, not a time series of two or more "
                        "samples; pass a dense (.dtseries.nii) or parcellated (.ptseries.nii) time series.")
    if labels is not None:
        raise DataError("labels name the regions of a NIfTI parcellation; a CIFTI label file (.dlabel.nii) names "
                        "its own.")
    step = _cifti_step(series_axis, tr, source)
    if isinstance(columns, cifti2_axes.ParcelsAxis):
        if parcellation is not None:
            raise DataError(f"{source} is parcellated already (.ptseries.nii: one column per parcel); pass no "
                            "parcellation.")
        names = [str(n) for n in columns.name]
        series, _ = _region_means(lambda start, stop: np.asarray(img.dataobj[start:stop], dtype=float).T,
                                  img.shape[0], np.arange(len(names)), names, source, None, source)
        return _labelled(series, step, names, source)
    if not isinstance(columns, cifti2_axes.BrainModelAxis):
        raise DataError(f"{source}'s columns are a {type(columns).__name__}, not grayordinates or parcels.")
    if parcellation is None:
        raise DataError(f"{source} is a dense time series (grayordinates); pass the parcellation as a dense label "
                        "file (.dlabel.nii).")
    label_img, parc_source = _image(parcellation, "parcellation")
    if not isinstance(label_img, nib.Cifti2Image) or not isinstance(label_img.header.get_axis(0),
                                                                    cifti2_axes.LabelAxis):
        raise DataError(f"a CIFTI dense time series is parcellated by a CIFTI dense label file (.dlabel.nii); got "
                        f"{parc_source}.")
    maps = label_img.header.get_axis(0)
    if len(maps) != 1:
        raise DataError(f"{parc_source} holds {len(maps)} label maps ({[str(n) for n in maps.name]}); pass a file "
                        "with the one map to use.")
    keys = np.asarray(label_img.dataobj, dtype=float)[0]
    if not np.array_equal(keys, np.round(keys)):
        raise DataError(f"{parc_source}: label keys must be whole numbers.")
    keys = keys.astype(np.int64)
    all_keys = np.unique(keys[keys != background])  # the regions: every key the label file uses, ascending
    table = maps.label[0]
    unnamed = [int(k) for k in all_keys if int(k) not in table]
    if unnamed:
        raise DataError(f"{parc_source}: keys {unnamed[:10]} are in the map but not in its label table.")
    names = [str(table[int(k)][0]) for k in all_keys]
    keys = _keys_on(columns, label_img.header.get_axis(1), keys, background, parc_source, source)
    region = np.full(keys.size, -1, np.int64)
    member = keys != background
    region[member] = np.searchsorted(all_keys, keys[member])
    where = (f"no grayordinate of {source}", "their structures or vertices are not in the time series",
             "Use the label file of the series' grayordinates (e.g. 91k for HCP's)")

    series, averaged = _region_means(lambda start, stop: np.asarray(img.dataobj[start:stop], dtype=float).T,
                                     img.shape[0], region, names, parc_source, where, source)
    return _labelled(series, step, names, source, averaged)


def _cifti_step(axis, tr, source):
    if tr is not None:
        return tr
    if str(axis.unit).upper() != "SECOND":
        raise DataError(f"{source}'s series axis is in {axis.unit}, not time; pass tr=... (s) if its samples are a "
                        "time series.")
    if not np.isfinite(axis.step) or axis.step <= 0:
        raise DataError(f"{source}'s series axis gives no repetition time (step {axis.step:g}); pass tr=... in s.")
    return float(axis.step)


def _keys_on(series_models, label_models, keys, background, parc_source, source):
    """The label key of every grayordinate of the series (``background`` where the label file has none).

    Grayordinates are matched by structure and vertex (surfaces) or voxel
    (volumes), whatever their order in the two files.
    """
    out = np.full(len(series_models), background, np.int64)
    label_names = np.asarray(label_models.name)
    series_names = np.asarray(series_models.name)
    for structure in np.unique(series_names):
        theirs, ours = label_names == structure, series_names == structure
        if not theirs.any():
            continue
        if series_models.surface_mask[ours].all():
            n_theirs, n_ours = label_models.nvertices[structure], series_models.nvertices[structure]
            if n_theirs != n_ours:
                raise DataError(f"{parc_source}'s {structure} has {n_theirs} vertices, {source}'s {n_ours}: they "
                                "are on different meshes.")
            on_mesh = np.full(n_ours, background, np.int64)
            on_mesh[label_models.vertex[theirs]] = keys[theirs]
            out[ours] = on_mesh[series_models.vertex[ours]]
        else:
            if not np.allclose(series_models.affine, label_models.affine) or \
                    tuple(series_models.volume_shape) != tuple(label_models.volume_shape):
                raise DataError(f"{parc_source}'s {structure} voxels are on another grid than {source}'s.")
            shape = tuple(series_models.volume_shape)
            in_volume = np.full(int(np.prod(shape)), background, np.int64)
            in_volume[np.ravel_multi_index(label_models.voxel[theirs].T, shape)] = keys[theirs]
            out[ours] = in_volume[np.ravel_multi_index(series_models.voxel[ours].T, shape)]
    return out


def _image(image, what="bold"):
    """The image (NIfTI, CIFTI-2, ...) and how to name it in messages."""
    if isinstance(image, nib.gifti.GiftiImage) or (
            isinstance(image, str | os.PathLike) and os.fspath(image).lower().endswith(".gii")):
        named = "a GiftiImage" if isinstance(image, nib.gifti.GiftiImage) else f"'{os.fspath(image)}'"
        raise DataError(f"{what} is {named}, a GIFTI file of one hemisphere; pass a GIFTI time series and its label "
                        "files by hemisphere: bn.read_bold_image({'left': 'lh.func.gii', 'right': 'rh.func.gii'}, "
                        "{'left': 'lh.label.gii', 'right': 'rh.label.gii'}, tr=...).")
    if isinstance(image, nib.spatialimages.SpatialImage | nib.Cifti2Image):
        return image, f"the {'BOLD ' if what == 'bold' else ''}{type(image).__name__}"
    if not isinstance(image, str | os.PathLike):
        raise DataError(f"{what} must be a NIfTI or CIFTI-2 file or a nibabel image; got {type(image).__name__}.")
    p = existing_path(image, "BOLD image" if what == "bold" else what, DataError)
    try:
        return nib.load(p, keep_file_open=True), f"'{p}'"  # blocks read on, not from the start of a .gz
    except Exception as e:  # noqa: BLE001 - nibabel raises ImageFileError, OSError, ...
        raise DataError(f"'{p}' is not a readable image ({type(e).__name__}: {e}).") from None


def _parcellation(parcellation, labels, background) -> Parcellation:
    if isinstance(parcellation, Parcellation):
        if labels is not None:
            raise DataError("labels name the regions of a parcellation read here; a Parcellation has its own. "
                            "Pass labels to bn.io.read_parcellation instead.")
        parc = parcellation
    else:
        parc = read_parcellation(parcellation, labels, background=background)
    if parc.affine is None:
        raise DataError(f"{parc.source} is a surface parcellation; a BOLD volume needs a volume (NIfTI) "
                        "parcellation.")
    return parc


def _repetition_time(img, tr, source):
    """``tr`` as given (checked by :func:`as_timeseries`), else the header's in s."""
    if tr is not None:
        return tr
    header = img.header
    zooms = header.get_zooms()
    unit = header.get_xyzt_units()[1] if hasattr(header, "get_xyzt_units") else "unknown"
    step = float(zooms[3]) if len(zooms) > 3 else 0.0
    if len(zooms) > 3 and isinstance(zooms[3], np.float32):  # NIfTI-1 stores 0.72 as 0.72000003
        step = float(np.format_float_positional(zooms[3], unique=True))
    if unit not in _TIME_SCALE:
        raise DataError(f"{source}'s fourth axis is in {unit!r}, not time; pass tr=... (s) if its volumes are a "
                        "time series.")
    if not np.isfinite(step) or step <= 0:
        raise DataError(f"{source}'s header gives no repetition time (pixdim[4] = {step:g}); pass tr=... in s "
                        "(e.g. tr=0.72).")
    return step * _TIME_SCALE[unit]


def _affine_mm(img):
    """The image's voxel -> world affine in mm (its ``xyzt_units`` of metres or microns converted)."""
    affine = np.array(img.affine, dtype=float)
    unit = img.header.get_xyzt_units()[0] if hasattr(img.header, "get_xyzt_units") else "mm"
    affine[:3, :] *= _SPATIAL_SCALE.get(unit, 1.0)
    return affine


def _regions_of_voxels(parc, grid, affine):
    """The region position (0..n-1) of every voxel of ``grid`` (C order), -1 outside every region."""
    ijk = np.indices(grid).reshape(3, -1).T
    return np.maximum(parc.lookup(nib.affines.apply_affine(affine, ijk)), -1)


# ----------------------------------------------------------------------------- GIFTI
def _read_gifti(bold, parcellation, labels, tr, background):
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
    series, averaged = _region_means(read, n_time[hemis[0]], region, names, label_sources, where, subject)
    return _labelled(series, step, names, sources, averaged)


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
        keys, table, label_source, label_img = _gifti_labels(labels, f"{hemi} GIFTI label")
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
