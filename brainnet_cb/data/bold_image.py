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
from ..analysis.timeseries import to_seconds
from ..errors import DataError
from ..units import is_quantity
from .empirical import as_timeseries
from .files import existing_path
from .io.parcellation import SPATIAL_SCALE, Parcellation, read_parcellation

__all__ = ["read_bold_image"]

#: Seconds per unit of NIfTI's time code (``xyzt_units``); "unknown" is read as s, as nibabel and nilearn do.
_TIME_SCALE = {"sec": 1.0, "msec": 1e-3, "usec": 1e-6, "unknown": 1.0}

#: Bytes of float64 voxel values read per block of volumes.
_BLOCK_BYTES = 256 * 2**20

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
    if is_quantity(tr):  # a quantity of another dimension is named tr here (as_timeseries calls it dt)
        to_seconds(tr, "tr", allow_zero=False, error=DataError)
    if isinstance(bold, Mapping):
        from .bold_gifti import read_gifti  # noqa: PLC0415 - shares this module's block reader

        return read_gifti(bold, parcellation, labels, tr, background)
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

    series, averaged = region_means(volumes, n_time, region, parc.labels, f"{parc.source}", where, source)
    return labelled_bold(series, step, parc.labels, source, averaged)


def region_means(read, n_time, region, names, parc_source, where, source):
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


def labelled_bold(series, step, names, source, averaged=None):
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
        series, _ = region_means(lambda start, stop: np.asarray(img.dataobj[start:stop], dtype=float).T,
                                  img.shape[0], np.arange(len(names)), names, source, None, source)
        return labelled_bold(series, step, names, source)
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

    series, averaged = region_means(lambda start, stop: np.asarray(img.dataobj[start:stop], dtype=float).T,
                                     img.shape[0], region, names, parc_source, where, source)
    return labelled_bold(series, step, names, source, averaged)


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
    affine[:3, :] *= SPATIAL_SCALE.get(unit, 1.0)
    return affine


def _regions_of_voxels(parc, grid, affine):
    """The region position (0..n-1) of every voxel of ``grid`` (C order), -1 outside every region."""
    ijk = np.indices(grid).reshape(3, -1).T
    return np.maximum(parc.lookup(nib.affines.apply_affine(affine, ijk)), -1)


# ----------------------------------------------------------------------------- GIFTI
