r"""FC and its fit to empirical FC (the NumPy/SciPy path): band-pass, Pearson FC, Fisher z,
correlation and RMSE of upper triangles. See :mod:`brainnet_cb.analysis` for the definitions."""

from __future__ import annotations

import numpy as np
import xarray as xr

from .._checks import label_order
from ..errors import AnalysisError
from .common import as_matrix_array, check_fc_matrix, corr_last, filtered, leading, pair_coords_of, upper
from .filters import BOLD_BAND, check_band
from .global_signal import regress_global_signal_checked
from .timeseries import as_series, space_label, to_seconds

__all__ = ["bandpass", "fisher_z", "fc", "fc_fit"]


def bandpass(x, band=BOLD_BAND, *, order=2, time_dim=None, space_dim=None) -> xr.DataArray:
    r"""Zero-phase Butterworth band-pass of a time series.

    The filter (:func:`scipy.signal.butter`, ``order`` second-order sections)
    runs forward and backward (:func:`scipy.signal.sosfiltfilt`, odd extension
    of ``3 * (2 * order + 1)`` samples at each end), so it shifts no phase and
    its magnitude response is

    .. math:: |H_{ff}(f)| = |H(f)|^2 = \frac{1}{1 + \left(\frac{f^2 - f_l f_h}{f (f_h - f_l)}\right)^{2\,\mathrm{order}}}

    for the analogue prototype (``H`` the Butterworth band-pass with edges
    ``f_l``, ``f_h``; the digital design is its bilinear transform): 1 at the
    centre :math:`\sqrt{f_l f_h}`, exactly 1/2 (-6 dB) at both edges.

    Parameters
    ----------
    x : xarray.DataArray
        Dims ``(..., time, region)`` with a uniform time coordinate carrying
        ``units`` (``"ms"`` or ``"s"``).
    band : (float, float)
        Pass band ``(low, high)`` in Hz (or brainunit frequencies); default
        :data:`BOLD_BAND` = (0.01, 0.1).
    order : int
        Butterworth order (per edge).
    time_dim, space_dim : str, optional
        Names of the time and region dimensions when they cannot be detected.

    Returns
    -------
    xarray.DataArray
        Same dims, coords and attrs as ``x`` (time last but one), with
        ``attrs["band_hz"]`` and ``attrs["filter_order"]`` added.

    Examples
    --------
    >>> import numpy as np, brainnet_cb as bn
    >>> t = np.arange(2000) * 0.5                                  # s, TR = 0.5 s
    >>> x = bn.as_timeseries(np.stack([np.sin(2 * np.pi * 0.0316 * t),   # band centre
    ...                                np.sin(2 * np.pi * 0.4 * t)], axis=1), dt=0.5)
    >>> y = bn.bandpass(x, (0.01, 0.1))
    >>> np.round(y.isel(time=slice(500, 1500)).std("time").values / np.sqrt(0.5), 2)
    array([1., 0.])
    """  # noqa: E501 - the magnitude response formula is one line of LaTeX
    s = as_series(x, time_dim=time_dim, space_dim=space_dim, need_time=True)
    out = s.data.copy(data=filtered(s, band, order))
    low, high = check_band(band, s.fs, order)
    out.attrs.update(band_hz=[float(low), float(high)], filter_order=int(order))
    return out


# ----------------------------------------------------------------------------- FC
def fisher_z(r):
    r"""Fisher transform :math:`z = \operatorname{artanh}(r)` of a correlation matrix.

    Off-diagonal entries are transformed; the diagonal (``r = 1``, ``z = inf``)
    becomes NaN, so that plots and ``nanmean`` ignore it. Off-diagonal entries
    of exactly ±1 become ±inf.

    Parameters
    ----------
    r : xarray.DataArray or array_like, shape (..., n, n)

    Returns
    -------
    Same type as ``r``; a DataArray keeps its dims, coords and attrs
    (``long_name`` updated).
    """
    values, da = as_matrix_array(r, "r")
    _not_z_already(da, "r", "fisher_z")
    if values.ndim < 2 or values.shape[-1] != values.shape[-2]:
        raise AnalysisError(f"fisher_z needs square matrices (..., n, n); got shape {values.shape}.")
    if np.any(np.abs(values[np.isfinite(values)]) > 1 + 1e-12):
        raise AnalysisError(
            f"fisher_z needs correlations in [-1, 1]; got values up to {np.nanmax(np.abs(values)):.4g}."
        )
    with np.errstate(divide="ignore"):
        z = np.arctanh(np.clip(values, -1.0, 1.0))
    n = values.shape[-1]
    z[..., np.arange(n), np.arange(n)] = np.nan
    if da is None:
        return z
    out = da.copy(data=z)
    out.attrs["long_name"] = "Fisher z of " + da.attrs.get("long_name", "correlation")
    out.attrs["fisher_z"] = 1
    return out


def _not_z_already(da, name, what):
    """Refuse a matrix that :func:`fisher_z` made (``attrs["fisher_z"] == 1``) where it would be transformed again."""
    if da is not None and da.attrs.get("fisher_z") == 1:
        raise AnalysisError(f"{name} is already Fisher z (attrs['fisher_z'] = 1, from bn.fc(..., fisher_z=True) or "
                            f"bn.fisher_z); {what} would transform it twice. Pass the correlations (bn.fc(...)), or "
                            "use fisher_z=False with two Fisher-z matrices.")


#: How far an off-diagonal entry of an FC may lie outside [-1, 1] before it is refused: the round-off of a
#: correlation computed in float32 (~1e-7), far below what a covariance or a structural matrix gives.
CORRELATION_TOLERANCE = 1e-6


def check_correlations(values, name, *, fisher_z=False, check_range=True):
    """Refuse off-diagonal entries of the FC matrices ``values`` (``(..., n, n)``, NaN = a missing pair) outside
    [-1, 1] beyond :data:`CORRELATION_TOLERANCE`, and, with ``fisher_z``, entries of ±1 (their z is infinite).

    An entry outside the range is not a correlation: most likely a covariance (``np.cov``,
    ``bn.linear_covariance``) or a structural matrix passed where an FC was wanted. The message
    names the argument ``name``, the first offending value and its position, and the fix.
    ``check_range=False`` keeps only the ±1 check of ``fisher_z``.
    """
    values = np.asarray(values)
    n = values.shape[-1]
    off = ~np.eye(n, dtype=bool)
    with np.errstate(invalid="ignore"):
        size = np.where(off & ~np.isnan(values), np.abs(values), 0.0)
    outside = size > 1.0 + CORRELATION_TOLERANCE
    if check_range and outside.any():
        idx = tuple(int(k) for k in np.argwhere(outside)[0])
        raise AnalysisError(
            f"{name} must be a correlation matrix (off-diagonal entries in [-1, 1]); got {values[idx]:.8g} at "
            f"{list(idx)} ({int(outside.sum())} entries outside, the largest |x| = {size.max():.8g}). A covariance "
            "(np.cov, bn.linear_covariance)? Pass correlations: bn.fc(timeseries), bn.linear_fc(...). Fisher z "
            "values? Pass the correlations with fisher_z=True. A structural matrix as a baseline, or a matrix "
            "on another scale on purpose? Pass check_range=False."
        )
    if fisher_z:
        one = size >= 1.0
        if one.any():
            idx = tuple(int(k) for k in np.argwhere(one)[0])
            raise AnalysisError(
                f"{name} FC has off-diagonal correlations of ±1 ({values[idx]:.8g} at {list(idx)}, "
                f"{int(one.sum())} entries), whose Fisher z is infinite; use fisher_z=False or remove "
                "duplicated regions."
            )


def fc(x, *, discard=0.0, band=None, order=2, fisher_z: bool = False, global_signal: bool = False,
       time_dim=None, space_dim=None) -> xr.DataArray:
    r"""Functional connectivity: the Pearson correlation matrix of a time series.

    .. math:: FC_{ij} = \frac{\sum_t (x_{ti} - \bar x_i)(x_{tj} - \bar x_j)}
              {\sqrt{\sum_t (x_{ti} - \bar x_i)^2 \sum_t (x_{tj} - \bar x_j)^2}}

    over the samples left after dropping the first ``discard`` seconds (the
    transient) and, if ``band`` is given, after a zero-phase band-pass
    (:func:`bandpass`; the transient is dropped *before* filtering); with
    ``global_signal=True``, of the residuals after global signal regression
    (:func:`~brainnet_cb.analysis.global_signal.regress_global_signal`, after
    the band-pass; refused where it is undefined: one region, regions that
    cancel, a region that is a multiple of the global signal).

    Parameters
    ----------
    x : xarray.DataArray
        Dims ``(..., time, region)``; leading dims are kept (one FC each).
    discard : float or brainunit.Quantity
        Transient to drop, in s (default 0). Samples with
        ``t - t[0] < discard`` are dropped.
    band : (float, float) or True, optional
        Band-pass ``(low, high)`` in Hz (or brainunit frequencies,
        ``(0.01 * u.Hz, 0.1 * u.Hz)``) before correlating; ``True`` means
        (0.01, 0.1) Hz. Default (None): no filter.
    order : int
        Butterworth order of the band-pass.
    fisher_z : bool
        Return :func:`fisher_z` of the matrix (diagonal NaN).
    global_signal : bool
        Regress the mean of all regions out of each region first (GSR).
    time_dim, space_dim : str, optional
        Names of the time and region dimensions when they cannot be detected.

    Returns
    -------
    xarray.DataArray
        Dims ``(..., region_i, region_j)``, both coordinates the region labels;
        symmetric, diagonal 1 (NaN with ``fisher_z``).

    Raises
    ------
    AnalysisError
        On a non-DataArray, a missing or non-uniform time coordinate (when
        ``discard``/``band`` need it), non-finite values, a constant region, a
        series too short for the filter, or a band outside (0, Nyquist).

    Examples
    --------
    >>> import numpy as np, brainnet_cb as bn
    >>> rng = np.random.default_rng(0)
    >>> x = bn.as_timeseries(rng.standard_normal((500, 3)), dt=0.72, labels=["a", "b", "c"])
    >>> m = bn.fc(x)
    >>> m.dims, bool(np.allclose(m.values, np.corrcoef(x.values.T)))
    (('region_i', 'region_j'), True)
    """
    for name, flag in (("fisher_z", fisher_z), ("global_signal", global_signal)):
        if not isinstance(flag, (bool, np.bool_)):
            raise AnalysisError(f"{name} must be True or False; got {flag!r}.")
    s = as_series(x, time_dim=time_dim, space_dim=space_dim, need_time=band is not None,
                  discard=discard, min_time=3)
    values = s.values if band is None else filtered(s, band, order)
    if global_signal:
        values = regress_global_signal_checked(values, "x", lambda k: space_label(s, k))
    # a constant region band-passes to round-off: judge its spread against the unfiltered series
    r = corr_last(values, s, scale=None if band is None else np.max(np.abs(s.values), axis=-2))
    lead_dims, lead_coords = leading(s)
    pair_dims, pair_coords = pair_coords_of(s)
    attrs = {"long_name": "functional connectivity (Pearson r)", "units": "1",
             "n_samples": int(s.n_time), "discard_s": to_seconds(discard, "discard")}
    if band is not None:
        low, high = check_band(band, s.fs, order)
        attrs.update(band_hz=[float(low), float(high)], filter_order=int(order))
    if global_signal:
        attrs["global_signal_regression"] = 1
    out = xr.DataArray(r, dims=lead_dims + pair_dims, coords={**lead_coords, **pair_coords},
                       attrs=attrs)
    return globals()["fisher_z"](out) if fisher_z else out


def regions_of_simulated(sim_da, emp_da, emp):
    """The empirical FC of the simulated regions where both are labelled and it has more regions.

    An empirical FC of a whole atlas scores a run on part of it: its rows and columns of regions the
    simulation lacks are left out, as the fits do (``bn.align(..., extra="drop")``). Anything else
    is returned unchanged (and checked by :func:`aligned_pair`).
    """
    if sim_da is None or emp_da is None or emp.shape[-1] <= sim_da.shape[-1]:
        return emp, emp_da
    sd, ed = sim_da.dims[-2:], emp_da.dims[-2:]
    if not all(d in sim_da.coords for d in sd) or not all(d in emp_da.coords for d in ed):
        return emp, emp_da
    sl = [str(v) for v in sim_da[sd[0]].values]
    el = [str(v) for v in emp_da[ed[0]].values]
    if [str(v) for v in emp_da[ed[1]].values] != el or len(set(el)) != len(el):
        return emp, emp_da
    missing = [v for v in sl if v not in set(el)]
    if missing:
        raise AnalysisError(
            f"empirical FC is labelled by region and has {len(el)} regions, more than the simulated FC's "
            f"{len(sl)}, but lacks {len(missing)} of the simulated regions: {missing[:5]}"
            f"{' ...' if len(missing) > 5 else ''}; pass an empirical FC that holds every simulated region "
            "(its other regions are left out), or simulate on regions it holds."
        )
    where = {v: k for k, v in enumerate(el)}
    order = [where[v] for v in sl]
    return emp[np.ix_(order, order)], emp_da.isel({ed[0]: order, ed[1]: order})


def aligned_pair(sim_da, emp_da, emp):
    """Reorder the empirical matrix to the simulated labels where both are labelled."""
    if sim_da is None or emp_da is None:
        return emp
    sd, ed = sim_da.dims[-2:], emp_da.dims[-2:]
    if not all(d in sim_da.coords for d in sd) or not all(d in emp_da.coords for d in ed):
        return emp
    sl = [str(v) for v in sim_da[sd[0]].values]
    el = [str(v) for v in emp_da[ed[0]].values]
    if [str(v) for v in emp_da[ed[1]].values] != el:
        raise AnalysisError(
            f"empirical's row and column labels differ ({ed[0]} vs {ed[1]}); an FC matrix has "
            "the same regions in the same order on both axes."
        )
    if sl == el:
        return emp
    order = label_order(el, sl, "empirical", AnalysisError, "align it first (bn.align(empirical, connectome)) or "
                        "simulate on the empirical regions", whose="the simulated FC's")
    return emp[np.ix_(order, order)]


def fc_fit(simulated, empirical, *, fisher_z: bool = False, check_range: bool = True) -> xr.Dataset:
    r"""How well a simulated FC matches an empirical one.

    With :math:`u^{sim}`, :math:`u^{emp}` the upper triangles (``k = 1``) of the
    two matrices (after :math:`z = \operatorname{artanh} r` if ``fisher_z``),

    .. math:: \rho = \mathrm{corr}(u^{sim}, u^{emp}), \qquad
              \mathrm{RMSE} = \sqrt{\tfrac{1}{P}\textstyle\sum_p (u^{sim}_p - u^{emp}_p)^2}.

    Labelled matrices are matched by region label (the empirical one is
    reordered to the simulated order; its regions that the simulation lacks
    are left out, as in the fits: the FC of a whole atlas scores a run on
    part of it). Both are correlation matrices:
    matrices made by :func:`fisher_z` (``attrs["fisher_z"] = 1``) are
    compared as they are with ``fisher_z=False``, and a structural matrix
    used as a baseline is scored with ``check_range=False``.

    Parameters
    ----------
    simulated : xarray.DataArray or array_like, shape (..., n, n)
        Simulated FC; leading dims (sweep members) give one fit each.
    empirical : xarray.DataArray, pandas.DataFrame or array_like, shape (n, n)
        Empirical FC; square and symmetric (a DataFrame's region labels,
        its columns and/or index, are matched like a DataArray's). NaN off
        the diagonal marks a missing pair (at ``[i, j]`` and ``[j, i]``;
        :func:`brainnet_cb.read_fc` with ``missing=True``): the scores use the
        pairs present (``n_pairs``).
    fisher_z : bool
        Compare Fisher z values instead of correlations.
    check_range : bool
        Refuse off-diagonal entries outside [-1, 1] (default). ``False``
        scores the matrices as they are: a target that a fit has already
        checked and warned about (:class:`~brainnet_cb.FCScaleWarning`), or
        a matrix on another scale on purpose.

    Returns
    -------
    xarray.Dataset
        ``corr`` (Pearson of upper triangles) and ``rmse``, with the leading
        dims of ``simulated``; attribute ``n_pairs``, the pairs scored.

    Raises
    ------
    AnalysisError
        With ``check_range``, an off-diagonal entry outside [-1, 1] beyond round-off (1e-6), naming
        the argument, the value and its position (a covariance passed by
        mistake, say); with ``fisher_z=True``, an entry of ±1 (its z is
        infinite); a matrix that is not square, finite and symmetric.

    Examples
    --------
    >>> import numpy as np, brainnet_cb as bn
    >>> e = np.array([[1, .5, .2], [.5, 1, .1], [.2, .1, 1]])
    >>> fit = bn.fc_fit(e, e)
    >>> float(fit.corr), float(fit.rmse)
    (1.0, 0.0)
    """
    for flag, value in (("fisher_z", fisher_z), ("check_range", check_range)):
        if not isinstance(value, (bool, np.bool_)):
            raise AnalysisError(f"{flag} must be True or False; got {value!r}.")
    sim, sim_da = as_matrix_array(simulated, "simulated")
    emp, emp_da = as_matrix_array(empirical, "empirical")
    check_fc_matrix(sim, "simulated")
    check_fc_matrix(emp, "empirical", batch=False, missing=True)
    for name, values, da in (("simulated", sim, sim_da), ("empirical", emp, emp_da)):
        if da is None or da.attrs.get("fisher_z") != 1:  # Fisher z values (bn.fisher_z) are compared as they are
            check_correlations(values, name, fisher_z=fisher_z, check_range=check_range)
    emp, emp_da = regions_of_simulated(sim_da, emp_da, emp)
    if sim.shape[-1] != emp.shape[-1]:
        raise AnalysisError(
            f"simulated FC has {sim.shape[-1]} regions but empirical FC has {emp.shape[-1]}; "
            "they must describe the same regions. Pass the empirical FC of the simulated regions, "
            "labelled (bn.fc_matrix(m, labels): its other regions are then left out) or in the "
            "simulated region order."
        )
    emp = aligned_pair(sim_da, emp_da, emp)
    us, ue = upper(sim), upper(emp)
    present = ~np.isnan(ue)  # missing pairs are not scored
    us, ue = us[..., present], ue[present]
    if ue.size < 3:
        raise AnalysisError(f"empirical FC has {ue.size} pair(s) of regions present (the others missing: NaN); a "
                            "correlation needs at least 3.")
    if fisher_z:
        _not_z_already(sim_da, "simulated", "fisher_z=True")
        _not_z_already(emp_da, "empirical", "fisher_z=True")
        us, ue = np.arctanh(us), np.arctanh(ue)
    if np.ptp(ue) == 0:
        raise AnalysisError(
            "empirical FC has identical off-diagonal values; its correlation with anything is "
            "undefined."
        )
    flat = np.ptp(us, axis=-1) == 0
    if flat.any():
        raise AnalysisError(
            "simulated FC has identical off-diagonal values (e.g. all 0: independent regions, or "
            f"all 1: synchronised); the correlation is undefined ({int(flat.sum())} matrices)."
        )
    sc = us - us.mean(axis=-1, keepdims=True)
    ec = ue - ue.mean()
    corr = (sc @ ec) / np.sqrt((sc * sc).sum(-1) * (ec @ ec))
    rmse = np.sqrt(((us - ue) ** 2).mean(-1))
    dims = sim_da.dims[:-2] if sim_da is not None else tuple(f"dim_{k}" for k in range(sim.ndim - 2))
    coords = {d: sim_da[d] for d in dims if d in sim_da.coords} if sim_da is not None else {}
    scale = "Fisher z" if fisher_z else "correlation"
    return xr.Dataset(
        {
            "corr": (dims, corr, {"long_name": f"FC fit: Pearson r of upper triangles ({scale})",
                                  "units": "1"}),
            "rmse": (dims, rmse, {"long_name": f"FC fit: RMSE of upper triangles ({scale})",
                                  "units": "1"}),
        },
        coords=coords,
        attrs={"fisher_z": int(bool(fisher_z)), "n_pairs": int(us.shape[-1])},
    )
