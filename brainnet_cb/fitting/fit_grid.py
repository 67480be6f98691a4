r"""Fitting without derivatives: a vectorised sweep over a coarse grid, then a local refinement.

For non-smooth objectives such as the FCD KS distance :math:`D_{KS}` (piecewise
constant in the parameters). Losses as in :mod:`brainnet_cb.fitting.fit`; the result
Dataset has the same layout as :func:`~brainnet_cb.fit_gradient`'s.

References
----------
Nelder, J. A., Mead, R. (1965). A simplex method for function minimization.
Comput. J. 7, 308–313.
"""

from __future__ import annotations

import json
import time

import numpy as np
import xarray as xr

from ..errors import FitError
from ..simulation.parameters import ParameterBook
from ..simulation.spec import Simulation, simulation
from .fit_results import OBJECTIVES, check_choice, loss_value, result_dataset
from .sweep import sweep
from .sweep_summaries import target_fc

__all__ = ["fit_grid"]

#: The run options among ``fit_grid``'s keywords (the fields of a Simulation).
FIELDS = ("duration",) + Simulation.option_names()


def bounded(p, values):
    """Refinement points of parameter ``p`` kept inside its bounds (clipped, deduplicated)."""
    lo, hi = p.bounds
    values = np.unique(np.clip(values, lo, hi))
    return values[p.inside(values)]


# ----------------------------------------------------------------------------- derivative-free
def _objective_surface(res, objective):
    if callable(objective):
        surf = objective(res)
        if not isinstance(surf, xr.DataArray) or set(surf.dims) != set(res.diverged.dims):
            raise FitError(f"objective(result) must return a DataArray with dims {res.diverged.dims} "
                           "(lower is better).")
        vals = surf.transpose(*res.diverged.dims).values.astype(float)
    else:
        corr = res["fc_corr"].values if "fc_corr" in res else None
        rmse = res["fc_rmse"].values if "fc_rmse" in res else None
        ks = res["fcd_ks"].values if "fcd_ks" in res else None
        vals = np.asarray(loss_value(objective, corr, rmse, ks), dtype=float)
    return np.where(np.isfinite(vals) & ~res.diverged.values, vals, np.inf)


def fit_grid(model, connectome=None, *, grid, empirical_fc=None, empirical_fcd=None, objective="corr",
             refine="grid", refine_points=4, refine_rounds=2, maxfev=40, client=None, **sweep_kwargs) -> xr.Dataset:
    r"""Fit parameters without derivatives: a coarse grid, then a local refinement.

    1. :func:`~brainnet_cb.sweep` over ``grid`` (vectorised, optionally on a
       dask cluster); the loss of every run from its summaries.
    2. ``refine="grid"``: ``refine_rounds`` times, a grid of ``refine_points``
       values per swept scalar parameter, evenly spaced strictly between the
       neighbours of the best point (so none is evaluated twice; each round
       one more sweep, one compiled batch program), or
       ``refine="nelder-mead"``: :func:`scipy.optimize.minimize` (Nelder–Mead,
       at most ``maxfev`` runs, the first simplex one grid step wide), or
       ``None``.

    Diverged runs and runs with an undefined FC score :math:`+\infty`. The
    noise realisation is fixed by ``key`` (or swept as ``"seed"``), so the
    objective is deterministic; the FCD KS distance is piecewise constant,
    which is why this path exists.

    ``fit_grid(spec, grid=...)`` with a :class:`~brainnet_cb.Simulation`, or
    ``fit_grid(model, connectome, grid=..., duration=..., **options)``. The
    refinement stays inside each parameter's bounds (the parameter book,
    :mod:`brainnet_cb.simulation.parameters`: the model's ``param_ranges``, ``G >= 0``,
    noise ``>= 0``, speed ``> 0``).

    Parameters
    ----------
    model, connectome, grid
        As in :func:`~brainnet_cb.sweep` (a spec, or a model and a connectome).
    empirical_fc, empirical_fcd
        Targets (as in :func:`~brainnet_cb.sweep`); the objective decides
        which are needed.
    objective : {"corr", "rmse", "corr+rmse", "fcd_ks", "corr+fcd_ks"} or callable
        Loss per run (lower is better), or ``fn(sweep_result) -> DataArray``
        over the grid dims.
    refine : {"grid", "nelder-mead", None}
    refine_points, refine_rounds, maxfev : int
    client : dask.distributed.Client, optional
        Passed to every sweep.
    **sweep_kwargs
        The run options (fields of :class:`~brainnet_cb.Simulation`:
        ``duration``, ``dt``, ``noise``, ``monitors``, ...; default monitors
        ``[Bold()]``) and any other argument of :func:`~brainnet_cb.sweep`
        (``discard``, ``band``, ``signal``, ...).

    Returns
    -------
    xarray.Dataset
        As :func:`fit_gradient`: the best parameters, ``loss`` and
        ``<name>_path`` over ``iteration`` (every run evaluated; ``stage`` says
        ``grid`` or ``refine``), ``fc`` at the best run, plus ``grid_loss``
        over the coarse grid.

    Examples
    --------
    >>> import numpy as np, brainnet_cb as bn
    >>> conn = bn.Connectome([[0, 1, 0], [1, 0, 1], [0, 1, 0]], np.full((3, 3), 20.0))
    >>> run = dict(duration=2000.0, noise=bn.Additive(v=0.1), monitors=[bn.TemporalAverage(5.0)])
    >>> target = bn.fc(bn.simulate(bn.CoombesByrne(), conn, coupling=bn.Linear(G=1.0), **run).r,
    ...                discard=0.1)
    >>> res = bn.fit_grid(bn.CoombesByrne(), conn, grid={"G": [0.0, 0.5, 1.0, 1.5]}, empirical_fc=target,
    ...                   objective="rmse", refine=None, signal="r", discard=0.1, band=None, **run)
    >>> float(res.G), bool(res.loss.min() < 1e-6)
    (1.0, True)
    """
    t0 = time.perf_counter()
    if not callable(objective):
        check_choice(objective, OBJECTIVES, "objective")
        if "corr" in objective or "rmse" in objective:
            if empirical_fc is None:
                raise FitError(f"objective {objective!r} needs empirical_fc.")
        if "fcd_ks" in objective and empirical_fcd is None:
            raise FitError(f"objective {objective!r} needs empirical_fcd.")
    if refine not in ("grid", "nelder-mead", None):
        raise FitError(f"refine must be 'grid', 'nelder-mead' or None; got {refine!r}.")
    for name, v in (("refine_points", refine_points), ("refine_rounds", refine_rounds), ("maxfev", maxfev)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < (2 if name == "refine_points" else 1):
            raise FitError(f"{name} must be an integer >= {2 if name == 'refine_points' else 1}; got {v!r}.")
    keep = tuple(sweep_kwargs.pop("keep", ())) + ("fc",)
    sweep_kwargs.pop("progress", None)
    run_options = {k: sweep_kwargs.pop(k) for k in list(sweep_kwargs) if k in FIELDS}
    spec = simulation(model, connectome, purpose="fc", **run_options)  # validated once for every sweep
    book = ParameterBook.of(spec)
    common = dict(empirical_fc=empirical_fc, empirical_fcd=empirical_fcd, client=client, keep=keep, progress=False,
                  **sweep_kwargs)
    res = sweep(spec, grid, **common)
    names = json.loads(res.attrs["swept"])
    surf = _objective_surface(res, objective)
    records = []  # (loss, {name: value}, fc, stage, corr, rmse)

    def collect(r, stage):
        s = _objective_surface(r, objective)
        for idx in np.ndindex(s.shape):
            point = {k: np.asarray(r[f"{k}_value"].values[idx[d]] if f"{k}_value" in r.coords else r[k].values[idx[d]])
                     for d, k in enumerate(names)}
            corr = float(r.fc_corr.values[idx]) if "fc_corr" in r else np.nan
            rmse = float(r.fc_rmse.values[idx]) if "fc_rmse" in r else np.nan
            records.append((float(s[idx]), point, r.fc.values[idx], stage, corr, rmse))

    collect(res, "grid")
    refinable = [k for k in names if k != "seed" and res[k].ndim == 1 and f"{k}_value" not in res.coords
                 and res.sizes[k] > 1]
    if refine is not None and refinable and np.isfinite(surf).any():
        best_idx = np.unravel_index(np.argmin(surf), surf.shape)
        center = {k: float(res[k].values[best_idx[d]]) for d, k in enumerate(names)}
        steps = {k: float(np.min(np.diff(np.sort(res[k].values)))) for k in refinable}
        if refine == "grid":
            for _ in range(refine_rounds):
                g = {}
                for d, k in enumerate(names):
                    if k in refinable:
                        # points strictly between the neighbours, none already evaluated
                        g[k] = np.linspace(center[k] - steps[k], center[k] + steps[k], refine_points + 2)[1:-1]
                        g[k] = bounded(book.lookup(k), g[k])
                    else:
                        g[k] = res[k].values[[best_idx[d]]] if f"{k}_value" not in res.coords \
                            else res[f"{k}_value"].values[[best_idx[d]]]
                r = sweep(spec, g, **common)
                collect(r, "refine")
                i = int(np.argmin([rec[0] for rec in records]))
                center.update({k: float(records[i][1][k]) for k in refinable})
                steps = {k: 2 * steps[k] / (refine_points + 1) for k in refinable}
        else:
            from scipy.optimize import minimize  # noqa: PLC0415 - only for refine='nelder-mead'

            fixed = {k: (res[k].values[[best_idx[d]]] if f"{k}_value" not in res.coords
                         else res[f"{k}_value"].values[[best_idx[d]]])
                     for d, k in enumerate(names) if k not in refinable}
            x0 = np.array([center[k] for k in refinable])
            simplex = np.vstack([x0] + [x0 + np.eye(len(x0))[i] * steps[k] for i, k in enumerate(refinable)])

            def f(x):
                g = dict(fixed)
                for k, v in zip(refinable, x):
                    if not book.lookup(k).inside(v):
                        return np.inf
                    g[k] = np.array([v])
                r = sweep(spec, g, **common)
                collect(r, "refine")
                return records[-1][0]

            minimize(f, x0, method="Nelder-Mead",
                     options=dict(maxfev=int(maxfev), initial_simplex=simplex, xatol=1e-3, fatol=1e-4))
    losses = np.array([r[0] for r in records])
    if not np.isfinite(losses).any():
        raise FitError("every run diverged or gave an undefined FC; widen the grid towards weaker coupling or noise.")
    i = int(np.argmin(losses))
    path = {k: [r[1][k] for r in records] for k in names}
    kinds = {k: book.lookup(k).kind for k in names}
    emp = target_fc(empirical_fc, spec.connectome, FitError)
    attrs = {k: v for k, v in res.attrs.items() if k not in ("title", "wall_s", "batch_size", "n_batches", "n_runs")}
    attrs.update(title="brainnet_cb grid fit", fitted=json.dumps(names),
                 objective=objective if isinstance(objective, str) else getattr(objective, "__name__", "callable"),
                 refine=str(refine), best_loss=float(losses[i]), best_iteration=i, n_evaluations=len(records),
                 wall_s=time.perf_counter() - t0)
    gdims = tuple(f"grid_{k}" for k in names)
    extra = {"stage": ("iteration", np.array([r[3] for r in records]), {"long_name": "grid or refine"}),
             "grid_loss": (gdims, surf, {"long_name": "loss over the coarse grid (inf: diverged)"})}
    ds = result_dataset(names, kinds, path, losses, [r[4] for r in records], [r[5] for r in records],
                 records[i][1], records[i][2], emp, _RunLabels(spec.connectome), attrs, extra)
    return ds.assign_coords({g: (g, res[k].values) for g, k in zip(gdims, names)})


class _RunLabels:
    """The bit of a Run that :func:`~brainnet_cb.fitting.fit_results.result_dataset` reads (labels)."""

    def __init__(self, connectome):
        self.connectome = connectome
