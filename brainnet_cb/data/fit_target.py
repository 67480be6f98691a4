"""The FC a fit compares with: :func:`target_fc`, in the connectome's region order, on a correlation's scale.

A matrix that looks like a covariance or Fisher z values warns
(:class:`FCScaleWarning`); a target with too few pairs, or all of them
equal, is refused before any run when the fit scores a correlation.
"""

from __future__ import annotations

import warnings

import numpy as np
import xarray as xr

from .._checks import caller_stacklevel
from ..analysis.common import check_correlatable, labelled_matrix
from ..connectome import Connectome
from ..errors import DataError
from .alignment import align
from .fc_matrices import fc_matrix, fc_matrix_with_hint


class FCScaleWarning(UserWarning):
    """An FC to fit that is not on the scale of a correlation: a covariance (or another unnormalised matrix), or
    Fisher z values, where simulated FC is a correlation."""


#: Off the diagonal, a correlation's Fisher z stays below this (r = 0.9999); beyond it an FC is not a correlation.
LARGEST_FISHER_Z = 5.0


def _warn_if_not_correlation(m, name):
    r"""Warn (:class:`FCScaleWarning`) where ``m`` is not on a correlation's scale.

    A covariance: a finite diagonal that differs between regions, or entries
    off it beyond :data:`LARGEST_FISHER_Z` in size. Fisher z values
    (:math:`\operatorname{artanh} r`): an infinite diagonal, or entries off
    it beyond 1 in size (by more than round-off, 1e-6).
    """
    d = np.diagonal(m)
    finite = d[np.isfinite(d) & ~_silent(m)]  # a region without signal may have 0 there, the others 1
    off = m[~np.eye(m.shape[0], dtype=bool)]
    largest = float(np.max(np.abs(off[~np.isnan(off)]), initial=0.0))  # NaN: a missing pair
    if finite.size and np.ptp(finite) > 1e-6 * max(1.0, float(np.max(np.abs(finite)))):
        what = f"a diagonal from {finite.min():.4g} to {finite.max():.4g}, where a correlation matrix has 1"
        looks, fix = "a covariance", " (np.corrcoef of the series, or bn.fc)"
    elif largest > LARGEST_FISHER_Z:
        what = (f"entries up to {largest:.4g} in size off the diagonal, where a correlation is within [-1, 1] and "
                f"its Fisher z within +-{LARGEST_FISHER_Z:g}")
        looks, fix = "a covariance", " (np.corrcoef of the series, or bn.fc)"
    elif np.all(np.isposinf(d)) or largest > 1.0 + 1e-6:
        what = "an infinite diagonal" if np.all(np.isposinf(d)) else f"entries up to {largest:.4g} in size"
        looks, fix = "Fisher z values (artanh of correlations)", ", np.tanh of these"
    else:
        return
    warnings.warn(FCScaleWarning(
        f"{name} has {what}: it looks like {looks}. Simulated FC is a correlation, and fits compare their values, "
        f"means and spreads: pass the correlation matrix{fix}."), stacklevel=caller_stacklevel())


def _silent(m):
    """Regions whose pairs (off the diagonal) are all missing (NaN) or all exactly 0: no signal."""
    off = np.where(np.eye(m.shape[0], dtype=bool), np.nan, m)
    with np.errstate(invalid="ignore"):
        return np.all(np.isnan(off) | (off == 0), axis=1)


def _check_no_zero_rows(m, labels, name, error, missing):
    """Raise ``error`` where a region's FC with every other region is exactly 0 (NaN pairs aside): the row and
    column a pipeline fills with 0 for a region without signal, which a fit would take as data."""
    with np.errstate(invalid="ignore"):
        zero = _silent(m) & (np.sum(m == 0, axis=1) - (np.diagonal(m) == 0) >= 2)
    if m.shape[0] < 3 or not zero.any() or zero.all():  # every row 0: no spread, refused as such
        return
    names = [str(labels[i]) for i in np.flatnonzero(zero)]
    one = len(names) == 1
    which = (f"region {names[0]!r}" if one else
             f"each of the {len(names)} regions {', '.join(map(repr, names[:5]))}{' ...' if len(names) > 5 else ''}")
    its, it = ("its", "it") if one else ("their", "them")
    fix = (f"Mark {its} pairs missing (fc[i, :] = fc[:, i] = np.nan; the fit leaves missing pairs out), or drop {it}"
           if missing else f"Drop {it}")
    raise error(f"{name} is exactly 0 between {which} and every other region: a region without signal whose row and "
                "column were filled with 0, which the fit would take as data (a correlation of measured signals is "
                "never exactly 0; a sparse estimate that zeroed all of a region's pairs leaves nothing there to fit "
                "either). "
                f"{fix} from the FC and the connectome (connectome.subset(labels)).")


def _check_correlatable(fc, name, error):
    """Raise ``error`` where the pairs ``fc`` has (upper triangle, NaN missing) are fewer than 3 or all equal."""
    pairs = fc[np.triu_indices(fc.shape[0], 1)]
    present = pairs[~np.isnan(pairs)]
    if present.size < pairs.size:
        check_correlatable(present, name, error, pairs="pair(s) of regions present (the others missing: NaN)",
                           every="pair present (the others missing: NaN)")
    else:
        check_correlatable(present, name, error)


#: How a refused missing pair is explained by the fits that need every pair.
EVERY_PAIR = ("; this fit needs every pair (bn.fit_working_point, bn.sweep, bn.fit_grid and bn.fit_nelder_mead "
              "leave missing pairs out)")


def target_fc(fc, connectome: Connectome, *, name="empirical_fc", error=DataError, missing=False,
              correlated=True) -> xr.DataArray:
    """An FC to fit or score, in the connectome's region order and labelled with its labels.

    Labelled input is aligned by label (:func:`align`; regions the
    connectome lacks are left out): an xarray.DataArray with dims
    ``(region_i, region_j)`` and their labels, a 2-D DataArray with labels
    on dims of other names, or a pandas DataFrame with region labels as its
    columns and/or index. Unlabelled input (an array, a
    DataFrame indexed 0..n-1) must list the connectome's regions in its
    order. A matrix not on a correlation's scale (a covariance, Fisher z
    values) is warned about (:class:`FCScaleWarning`) and kept as it is.

    Parameters
    ----------
    fc : xarray.DataArray, pandas.DataFrame, array_like (n, n) or None
        None: None is returned.
    connectome : Connectome
    name : str
        The argument's name in messages.
    error : type
        The exception raised where the number of regions differs from the connectome's.
    missing : bool
        Keep NaN off the diagonal as missing pairs (:func:`fc_matrix`);
        ``False``: refused, saying that the fit needs every pair.
    correlated : bool
        The fit scores its correlation with the model's FC: refused (``error``)
        where it has fewer than 3 pairs of regions (present) or the same
        value at all of them, before any run. ``False`` (a fit of the
        RMSE alone) takes such a target.

    Raises
    ------
    DataError
        A matrix that is not square, symmetric and finite off the diagonal
        (but for missing pairs, with ``missing``), or labels that do not
        match the connectome's (:func:`align`).
    error
        A region whose FC with every other region is exactly 0 (a region
        without signal filled with 0: mark its pairs NaN, with ``missing``,
        or drop it).
    """
    if fc is None:
        return None
    fc = labelled_matrix(fc, name, DataError)
    if isinstance(fc, xr.DataArray) and fc.dims == ("region_i", "region_j") and "region_i" in fc.coords:
        fc = align(fc, connectome, extra="drop")
    given = np.asarray(fc, dtype=float)
    m = fc_matrix_with_hint(given, None, name, missing, EVERY_PAIR)
    if m.shape[0] != connectome.n_regions:
        raise error(
            f"{name} has {m.shape[0]} regions but the connectome {connectome.name!r} has "
            f"{connectome.n_regions}; pass the FC of the simulated regions (labelled, to align by label)."
        )
    _check_no_zero_rows(m.values, connectome.labels, name, error, missing)
    _warn_if_not_correlation(given, name)
    if correlated:
        _check_correlatable(m.values, name, error)
    return fc_matrix(m.values, connectome.labels, source=name, missing=missing)
