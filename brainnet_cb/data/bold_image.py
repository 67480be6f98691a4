r"""Region time series from a 4-D BOLD image and a parcellation, through nibabel.

The empirical side of a fit starts from a preprocessed fMRI run (a 4-D NIfTI
image) and the atlas the connectome was built on. :func:`read_bold_image`
averages the image's voxels over each region of the parcellation,

.. math::

    y_k(t) = \frac{1}{|R_k|} \sum_{v \in R_k} x_v(t),

where :math:`R_k` is the set of the image's voxels whose centres lie in
region :math:`k` (nearest voxel of the parcellation, so an atlas on another
grid needs no resampling beforehand), and labels the result with the
parcellation's region names and the image's repetition time. The series is
ready for :func:`brainnet_cb.fc` and is aligned by label to a connectome made
from the same parcellation (:func:`brainnet_cb.io.read_tractography`).

Cleaning (confound regression, detrending, band-pass) is the preprocessing
pipeline's job, or nilearn's (``nilearn.signal.clean(y.values, t_r=...)``);
the fits band-pass the series themselves (``band=``).
"""

from __future__ import annotations

import os

import nibabel as nib
import numpy as np
import scipy.sparse
import xarray as xr

from .._types import PathLike
from ..errors import DataError
from .empirical import as_timeseries
from .files import existing_path
from .io.parcellation import _SPATIAL_SCALE, Parcellation, read_parcellation

__all__ = ["read_bold_image"]

#: Seconds per unit of NIfTI's time code (``xyzt_units``); "unknown" is read as s, as nibabel and nilearn do.
_TIME_SCALE = {"sec": 1.0, "msec": 1e-3, "usec": 1e-6, "unknown": 1.0}

#: Bytes of float64 voxel values read per block of volumes.
_BLOCK_BYTES = 256 * 2**20


def read_bold_image(bold: PathLike | nib.spatialimages.SpatialImage,
                    parcellation: Parcellation | PathLike | nib.spatialimages.SpatialImage,
                    labels=None, *, tr=None, background: int = 0) -> xr.DataArray:
    r"""The mean BOLD signal of every region of a parcellation, from a 4-D image.

    :math:`y_k(t) = |R_k|^{-1} \sum_{v \in R_k} x_v(t)`, with :math:`R_k` the
    image's voxels whose centres fall in region :math:`k` (the parcellation's
    nearest voxel, in world mm through both affines: the atlas may be on
    another grid than the image, e.g. 1 mm against 2 mm).

    Parameters
    ----------
    bold : str, os.PathLike or nibabel image
        A 4-D image ``(x, y, z, time)``: a ``.nii``/``.nii.gz`` file or an
        image object (nilearn's ``Nifti1Image``). It is read in blocks of
        volumes, so a long run need not fit in memory as float64.
    parcellation : Parcellation, str, os.PathLike or nibabel image
        The regions: a :class:`~brainnet_cb.io.Parcellation` from
        :func:`brainnet_cb.io.read_parcellation`, or what that function reads
        (a 3-D label image), with ``labels`` and ``background`` passed to it.
    labels : dict, list of str, table or path, optional
        The label table of a ``parcellation`` given as an image or a file (see
        :func:`brainnet_cb.io.read_parcellation`); a ``Parcellation`` has its own.
    tr : float or brainunit.Quantity, optional
        Repetition time in s. Default: the image header's (``pixdim[4]`` in
        the unit of its ``xyzt_units``; "unknown" is read as s).
    background : int, default 0
        The id of unlabelled voxels of a ``parcellation`` image.

    Returns
    -------
    xarray.DataArray
        Dims ``(time, region)``, time in s from 0, the regions in the order of
        the parcellation's ids with its labels (``attrs["source"]`` names the
        image, ``attrs["voxels"]`` the number of voxels averaged per region).

    Raises
    ------
    DataError
        An image that is not 4-D (or has one volume), a header without a
        repetition time and no ``tr``, a surface parcellation, regions with no
        voxel of the image's grid (smaller than its voxels, or outside its
        field of view), or non-finite voxel values in a region.

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
    img, source = _image(bold)
    if len(img.shape) != 4 or img.shape[3] < 2:
        raise DataError(f"{source} must be a 4-D image (x, y, z, time) with two or more volumes; got shape "
                        f"{img.shape}. A single volume has no time series.")
    parc = _parcellation(parcellation, labels, background)
    step = _repetition_time(img, tr, source)
    grid = img.shape[:3]
    region = _regions_of_voxels(parc, grid, _affine_mm(img))
    voxels = np.bincount(region[region >= 0], minlength=len(parc.ids))
    empty = np.flatnonzero(voxels == 0)
    if empty.size:
        names = [parc.labels[k] for k in empty]
        raise DataError(f"{len(names)} region(s) of {parc.source} have no voxel in the grid {grid} of {source}: "
                        f"{names[:10]}{' ...' if len(names) > 10 else ''} (smaller than its voxels, or outside its "
                        "field of view). Set their voxels to the background in the parcellation, or use an image "
                        "on a finer grid.")
    inside = np.flatnonzero(region >= 0)
    average = scipy.sparse.csr_matrix((1.0 / voxels[region[inside]], (region[inside], inside)),
                                      shape=(len(parc.ids), region.size))
    n_time = img.shape[3]
    per_block = max(1, _BLOCK_BYTES // (8 * region.size))
    series = np.empty((n_time, len(parc.ids)))
    for start in range(0, n_time, per_block):
        stop = min(n_time, start + per_block)
        block = np.asarray(img.dataobj[..., start:stop], dtype=float)
        series[start:stop] = (average @ block.reshape(region.size, stop - start, order="C")).T
    bad = ~np.isfinite(series).all(axis=0)
    if bad.any():
        names = [parc.labels[k] for k in np.flatnonzero(bad)]
        raise DataError(f"{source} has non-finite values (NaN or inf) in voxels of {len(names)} region(s): "
                        f"{names[:10]}{' ...' if len(names) > 10 else ''}. Mask or fill them in the image first.")
    out = as_timeseries(series, dt=step, labels=list(parc.labels), long_name="BOLD signal (mean over the region)")
    out.attrs.update(source=source, voxels=voxels.astype(np.int64))
    return out


def _image(bold):
    """The image and how to name it in messages."""
    if isinstance(bold, nib.spatialimages.SpatialImage):
        return bold, f"the BOLD {type(bold).__name__}"
    if not isinstance(bold, str | os.PathLike):
        raise DataError(f"bold must be a 4-D NIfTI file or a nibabel image; got {type(bold).__name__}.")
    p = existing_path(bold, "BOLD image", DataError)
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
