r"""Several parameters fitted together by the Nelder–Mead simplex on a seed-averaged objective.

:func:`fit_nelder_mead` minimises the loss of :func:`~brainnet_cb.fit_grid`
(FC correlation, RMSE, FCD KS distance, or FC and FCD together) over any
scalar parameters of the parameter book at once — ``G``, ``eta``,
``noise_v``, ``speed``, a heterogeneity scale ``eta_scale`` — with
:func:`scipy.optimize.minimize` (``method="Nelder-Mead"``, bounded by the
book's bounds). Every evaluation is one small sweep: the point run with each
of ``seeds`` in one compiled batch, the mean FC over the realisations scored
(:mod:`brainnet_cb.fitting.objective`). With a fixed set of seeds the
objective is a deterministic function of the parameters (common random
numbers), which the simplex needs; the FCD KS distance is piecewise constant,
which is why no gradient is used.

References
----------
Nelder, J. A., Mead, R. (1965). A simplex method for function minimization.
Comput. J. 7, 308–313.
Gao, F., Han, L. (2012). Implementing the Nelder-Mead simplex algorithm with
adaptive parameters. Comput. Optim. Appl. 51, 259–277.
"""

from __future__ import annotations

import time

import numpy as np

from .._progress import progress_bar
from ..errors import FitError
from ..units import is_quantity
from .fit import INIT_UNKNOWN, fit_bounds
from .fit_grid import Records, setup
from .fit_results import check_int
from .simplex import simplex_search

__all__ = ["fit_nelder_mead", "simplex_search"]


def fit_nelder_mead(model, connectome=None, *, init, step=None, bounds=None, empirical_fc=None, empirical_fcd=None,
                    objective="corr", seeds=None, heterogeneity=None, maxfev=60, xatol=1e-3, fatol=1e-4,
                    keep_fc=False, progress=None, client=None, **sweep_kwargs):
    r"""Fit several scalar parameters together with the Nelder–Mead simplex on a seed-averaged objective.

    Minimises :math:`L(\theta)` over :math:`\theta` = the names of ``init``
    with :func:`scipy.optimize.minimize` (``method="Nelder-Mead"``, at most
    ``maxfev`` evaluations, bounded). :math:`L` is the loss of
    :func:`~brainnet_cb.fit_grid` (``objective``) of the mean FC over the
    ``seeds`` (the FCD values pooled over them); a diverged realisation
    scores :math:`+\infty`.

    Parameters
    ----------
    model, connectome
        As in :func:`~brainnet_cb.sweep` (a spec, or a model and a connectome).
    init : dict
        ``{name: starting value}``, scalars, of any parameter of the book but
        ``seed``: ``"G"``, ``"eta"``, ``"noise_v"``, ``"speed"``, and the
        heterogeneity scale ``"<field>_scale"`` with ``heterogeneity``.
    step : dict, optional
        ``{name: width}`` of the first simplex (default :math:`0.2\,|x_0|`,
        or 0.1 where :math:`x_0 = 0`).
    bounds : dict, optional
        ``{name: (low, high)}``; default the parameter book's bounds (the
        model's ``param_ranges``, ``G >= 0``, noise ``>= 0``, speed ``> 0``),
        which are also the domain: bounds reaching outside it (where every
        point would score :math:`+\infty`) are refused; ``None`` for an end is
        the domain's own.
    empirical_fc, empirical_fcd, objective, seeds, heterogeneity, keep_fc, client
        As in :func:`~brainnet_cb.fit_grid`.
    maxfev : int, default 60
    xatol, fatol : float
        Convergence tolerances of the simplex (parameters, loss).
    progress : bool, optional
        A progress bar over evaluations (default: on a terminal or in a Jupyter notebook).
    **sweep_kwargs
        Run options (fields of :class:`~brainnet_cb.Simulation`) and the
        analysis options of :func:`~brainnet_cb.sweep`.

    Returns
    -------
    xarray.Dataset
        As :func:`~brainnet_cb.fit_grid` (``stage`` is ``"nelder-mead"``);
        ``attrs`` ``converged``, ``message``.

    Examples
    --------
    >>> import numpy as np, brainnet_cb as bn
    >>> from brainnet_cb.fitting.nelder_mead import fit_nelder_mead
    >>> conn = bn.Connectome([[0, 1, 0], [1, 0, 1], [0, 1, 0]], np.full((3, 3), 20.0))
    >>> run = dict(duration=2000.0, noise=bn.Additive(v=0.1), monitors=[bn.TemporalAverage(5.0)])
    >>> target = bn.fc(bn.simulate(bn.CoombesByrne(), conn, coupling=bn.Linear(G=1.0), **run).r, discard=0.1)
    >>> res = fit_nelder_mead(bn.CoombesByrne(), conn, init={"G": 0.6}, empirical_fc=target, objective="rmse",
    ...                       maxfev=12, signal="r", discard=0.1, band=None, **run)
    >>> bool(abs(float(res.G) - 1.0) < 0.1), str(res.stage.values[0])
    (True, 'nelder-mead')
    """
    t0 = time.perf_counter()
    check_int("maxfev", maxfev, 1)
    if not isinstance(init, dict) or not init:
        raise FitError(f"init must be a non-empty dict {{name: starting value}} of the parameters to fit, e.g. "
                       f"init={{'G': 0.5, 'eta': -2.0}}; got {init!r}.")
    spec, book, scorer = setup(model, connectome, objective, empirical_fc, empirical_fcd, seeds, heterogeneity,
                               client, sweep_kwargs, caller=fit_nelder_mead)
    params, values = {}, {}
    for name, v in init.items():
        p = book.lookup(name, FitError, INIT_UNKNOWN)
        if p.kind == "seed":
            raise FitError("'seed' cannot be fitted; average over realisations with seeds=[...] instead.")
        v = book.plain(p, v, f"init[{name!r}]", FitError)  # a brainunit speed in mm/ms; no strings, booleans
        try:
            arr = np.asarray(v, dtype=float)
        except (TypeError, ValueError):
            arr = np.asarray(np.nan)
        if arr.ndim != 0 or not np.isfinite(arr):
            raise FitError(f"init[{name!r}] must be a finite scalar (Nelder-Mead fits global values; fit "
                           f"per-region values with bn.fit_gradient or a heterogeneity scale); got {v!r}.")
        params[name], values[name] = p, arr
    limits = fit_bounds(bounds, values, params, book)
    for name, v in values.items():
        if not params[name].inside(v):
            raise FitError(f"init[{name!r}] = {float(v)!r} lies outside the parameter's domain {params[name].bounds}.")
    steps = {k: float(0.2 * abs(v) if v != 0 else 0.1) for k, v in values.items()}
    for k, w in (step or {}).items():
        if k in values and is_quantity(w):  # a width in the parameter's unit, as init takes it
            w = book.plain(params[k], w, f"step[{k!r}]", FitError)
        if k not in values or not (np.isscalar(w) and float(w) > 0):
            raise FitError(f"step must map fitted names {list(values)} to widths > 0; got {step!r}.")
        steps[k] = float(w)
    names = list(init)
    scorer.check({k: [float(values[k])] for k in names})
    records = Records(names)
    bar = progress_bar(progress, maxfev, "nelder-mead")
    try:
        opt = simplex_search(scorer, records, names, {}, names, {k: float(v) for k, v in values.items()}, steps,
                             book, maxfev, bar, xatol, fatol, limits, stage="nelder-mead")
    finally:
        if bar is not None:
            bar.close()
    attrs = {k: v for k, v in spec.prepare().attrs.items() if k != "title"}
    attrs.update(converged=int(bool(opt.success)), message=str(opt.message), maxfev=int(maxfev),
                 bounds=str({k: tuple(float(b) for b in lim) for k, lim in limits.items()}))
    ds = records.dataset(spec, book, scorer, "brainnet_cb Nelder-Mead fit", attrs, keep_fc)
    ds.attrs["wall_s"] = time.perf_counter() - t0
    return ds
