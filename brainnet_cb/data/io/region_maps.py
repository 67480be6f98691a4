r"""Region values painted back onto a parcellation: maps and images for nilearn and other viewers.

The inverse of reading regional signals from an image (``read_bold_image``,
nilearn's ``NiftiLabelsMasker``): every voxel (or surface vertex) of region
``k`` of a :class:`~brainnet_cb.io.Parcellation` takes the region's value,

.. math:: m(\mathbf x) = v_k \quad \text{for } \mathbf x \in R_k, \qquad
          m(\mathbf x) = b \quad \text{outside every region},

with ``b`` the ``background``. A vector of ``n`` values gives one map; a
``(time, region)`` series one map per sample. :func:`region_map` returns the
array (a volume's voxel grid, or one value per vertex of a surface
parcellation, for ``nilearn.plotting.plot_surf_stat_map``); :func:`region_image`
returns a NIfTI image on the parcellation's grid and affine (3-D, or 4-D with
the sampling period in seconds as the time step), for
``nilearn.plotting.plot_stat_map`` or ``image.to_filename(path)``.

Examples
--------
>>> import numpy as np
>>> import nibabel as nib
>>> import brainnet_cb as bn
>>> labels = np.zeros((4, 4, 4), dtype=np.int16)
>>> labels[:2], labels[2:] = 1, 2
>>> parc = bn.io.read_parcellation(nib.Nifti1Image(labels, np.eye(4)), {1: "left", 2: "right"})
>>> img = bn.io.region_image([0.2, 0.7], parc)
>>> img.shape, float(img.get_fdata()[0, 0, 0]), float(img.get_fdata()[3, 0, 0])
((4, 4, 4), 0.2, 0.7)
"""

from __future__ import annotations

from typing import Any

import nibabel as nib
import numpy as np

from ...errors import ConnectomeError
from ...units import is_quantity
from .parcellation import Parcellation

__all__ = ["region_map", "region_image"]


def _region_values(values: Any, parcellation: Parcellation) -> tuple[np.ndarray, float | None]:
    """``(values (n,) or (T, n) in the parcellation's order, sampling period in s or None)``."""
    n = len(parcellation.labels)
    period = None
    if is_quantity(values):
        raise ConnectomeError(
            f"region values must be plain numbers (an image holds no unit); got a quantity in {values.unit}. "
            "Pass values.mantissa, or values.to_decimal(unit) in the unit you want.")
    if hasattr(values, "dims") and hasattr(values, "coords"):  # an xarray DataArray: align by label
        rdim = next((d for d in values.dims if str(d).startswith("region")), None)
        if rdim is None or values.ndim > 2:
            raise ConnectomeError(
                f"region values as a DataArray need a region dimension (and at most a time one); got dims "
                f"{values.dims}. Select one sample or member first (e.g. da.isel(trial=0)).")
        tdim = next((d for d in values.dims if d != rdim), None)
        have = [str(x) for x in values[rdim].values] if rdim in values.coords else None
        if have is not None:
            missing = [lab for lab in parcellation.labels if lab not in have]
            extra = [lab for lab in have if lab not in parcellation.labels]
            if missing or extra:
                parts = ([f"{len(missing)} region(s) of the parcellation have no value ({missing[:5]})"]
                         if missing else []) + \
                        ([f"{len(extra)} value(s) name no region of it ({extra[:5]})"] if extra else [])
                raise ConnectomeError(
                    f"region values and parcellation disagree: {'; '.join(parts)}. Give one value per region of "
                    f"{parcellation.source}, e.g. da.reindex({rdim}=list(parcellation.labels), fill_value=0.0), "
                    "or read the parcellation with the connectome's labels.")
            values = values.sel({rdim: list(parcellation.labels)})
        if tdim is not None:
            period = _sampling_period(values[tdim]) if tdim in values.coords else None
            values = values.transpose(tdim, rdim)
        values = values.values
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise ConnectomeError(f"region values must be numbers, one per region ({n}); got "
                              f"{type(values).__name__}.") from None
    if arr.ndim not in (1, 2) or arr.shape[-1] != n:
        raise ConnectomeError(
            f"region values must have shape ({n},) (one per region of {parcellation.source}, in its order: "
            f"parcellation.labels) or (samples, {n}); got shape {arr.shape}.")
    return arr, period


def _sampling_period(coord) -> float | None:
    """The time step of ``coord`` in seconds (its ``units`` attribute: ms by default), None if not uniform."""
    from ...analysis.timeseries import seconds_per_unit  # noqa: PLC0415 - analysis loads on a time series only

    t = np.asarray(coord.values, dtype=float) * seconds_per_unit(coord.attrs.get("units", "ms"), coord.name,
                                                                   ConnectomeError)
    steps = np.diff(t)
    if steps.size == 0 or not np.allclose(steps, steps[0], rtol=1e-6, atol=0):
        return None
    return float(steps[0])


def region_map(values: Any, parcellation: Parcellation, *, background: float = 0.0) -> np.ndarray:
    """Region values as an array over the parcellation's voxels (or vertices).

    Parameters
    ----------
    values : array_like, shape (n,) or (samples, n), or xarray.DataArray
        One value per region, in the order of ``parcellation.labels``, or a
        series of them (e.g. ``ds.bold``, ``ds.r.mean("time")``). A
        DataArray with a ``region`` dimension is aligned by label; every
        region of the parcellation needs a value and every value a region.
    parcellation : Parcellation
        From :func:`~brainnet_cb.io.read_parcellation` (a volume) or
        :func:`~brainnet_cb.io.read_surface_parcellation` (a surface).
    background : float, default 0.0
        The value outside every region (``np.nan`` leaves it transparent in
        most viewers).

    Returns
    -------
    numpy.ndarray
        ``parcellation.shape`` (a volume's grid, or one value per vertex) for
        a vector; the samples along a last axis for a series.

    Raises
    ------
    ConnectomeError
        Values of the wrong shape, unaligned labels, a quantity, or text.
    """
    return _painted(_region_values(values, parcellation)[0], parcellation, background)


def _painted(arr: np.ndarray, parcellation: Parcellation, background: float) -> np.ndarray:
    """:func:`region_map` of values already checked and ordered (``(n,)`` or ``(samples, n)``)."""
    data = np.asarray(parcellation.data)
    position = np.searchsorted(parcellation.ids, data)
    position = np.clip(position, 0, len(parcellation.ids) - 1)
    inside = parcellation.ids[position] == data
    table = np.atleast_2d(arr)  # (samples, n)
    painted = np.where(inside[..., None], np.moveaxis(table[:, position], 0, -1), background)
    return painted[..., 0] if arr.ndim == 1 else painted


def region_image(values: Any, parcellation: Parcellation, *, background: float = 0.0,
                 tr: float | None = None) -> nib.Nifti1Image:
    """Region values as a NIfTI image on the parcellation's grid (:func:`region_map`, with its affine).

    Parameters
    ----------
    values, parcellation, background
        As :func:`region_map`; ``parcellation`` must be a volume.
    tr : float, optional
        Seconds between samples of a series, written as the image's time
        step (``pixdim[4]``, ``xyzt_units`` mm and s). Default: from the
        DataArray's time coordinate (ms unless its ``units`` say s), else 1.

    Returns
    -------
    nibabel.Nifti1Image
        3-D for a vector, 4-D for a series (``float64``; a series of ``T``
        samples holds ``8 T`` bytes per voxel of the grid).

    Raises
    ------
    ConnectomeError
        A surface parcellation (use :func:`region_map`), or bad values.
    """
    if parcellation.affine is None:
        raise ConnectomeError(
            f"{parcellation.source} is a surface parcellation: it has no voxel grid for a NIfTI image. Use "
            "bn.io.region_map(values, parcellation), one value per vertex (nilearn.plotting.plot_surf_stat_map "
            "takes it).")
    arr, period = _region_values(values, parcellation)
    step = tr if tr is not None else (period if period is not None else 1.0)
    if arr.ndim == 2 and not (np.isfinite(step) and step > 0):  # checked before the image is painted
        raise ConnectomeError(f"tr must be a positive number of seconds; got {tr!r}.")
    img = nib.Nifti1Image(_painted(arr, parcellation, background), parcellation.affine)
    img.header.set_xyzt_units("mm", "sec")
    if img.ndim == 4:
        zooms = img.header.get_zooms()
        img.header.set_zooms((*zooms[:3], float(step)))
    return img
