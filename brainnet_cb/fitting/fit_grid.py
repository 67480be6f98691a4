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

from .._progress import progress_bar
from ..errors import FitError
from ..simulation.parameters import ParameterBook
from ..simulation.spec import Simulation, simulation
from .fit_results import OBJECTIVES, check_choice, check_int, check_options, result_dataset
from .objective import Scorer, check_seeds, describe_seeds, heterogeneity_maps
from .simplex import simplex_search
from .sweep import sweep

__all__ = ["fit_grid"]

#: The run options among ``fit_grid``'s keywords (the fields of a Simulation).
FIELDS = ("duration",) + Simulation.option_names()


def bounded(p, values):
    """Refinement points of parameter ``p`` kept inside its bounds (clipped, deduplicated)."""
    lo, hi = p.bounds
    values = np.unique(np.clip(values, lo, hi))
    return values[p.inside(values)]


# ----------------------------------------------------------------------------- shared by the derivative-free fits
def check_objective(objective, empirical_fc, empirical_fcd):
    """Refuse an unknown objective, or one whose target is missing."""
    if callable(objective):
        return
    check_choice(objective, OBJECTIVES, "objective")
    if ("corr" in objective or "rmse" in objective) and empirical_fc is None:
        raise FitError(f"objective {objective!r} needs empirical_fc.")
    if "fcd_ks" in objective and empirical_fcd is None:
        raise FitError(f"objective {objective!r} needs empirical_fcd.")


def setup(model, connectome, objective, empirical_fc, empirical_fcd, seeds, heterogeneity, client, sweep_kwargs,
          grid=None, caller=None):
    """``(spec, book, scorer)`` of a derivative-free fit: every argument checked before anything runs.

    ``caller``: the entry point (``fit_grid``, ``fit_nelder_mead``), whose name and parameters an unknown
    keyword is checked against (beside the run options and the sweep's).
    """
    check_options(sweep_kwargs, (caller or fit_grid, sweep), FitError,  # a sweep's checkpoint is not a fit's
                  exclude=("checkpoint", "resume_from", "overwrite") + (() if caller is None else ("grid",)))
    check_objective(objective, empirical_fc, empirical_fcd)
    seeds = check_seeds(seeds, grid)
    sweep_kwargs = dict(sweep_kwargs)
    sweep_kwargs.pop("progress", None)
    run_options = {k: sweep_kwargs.pop(k) for k in list(sweep_kwargs) if k in FIELDS}
    spec = simulation(model, connectome, purpose="fc", **run_options)  # validated once for every sweep
    book = ParameterBook.of(spec, heterogeneity_maps(heterogeneity, spec.model, spec.connectome))
    scorer = Scorer(spec, book, objective, empirical_fc, empirical_fcd, seeds, sweep_kwargs, client)
    return spec, book, scorer


class Records:
    """Every evaluated point of a fit, in order: loss, parameters, scores, seed-mean FC, stage."""

    def __init__(self, names):
        self.names, self.rows = list(names), []

    def add(self, ev, stage):
        """Append every point of a :meth:`Scorer.evaluate` result."""
        for idx in np.ndindex(ev["loss"].shape):
            point = {k: np.asarray(ev["values"][k][idx[d]]) for d, k in enumerate(self.names)}
            self.rows.append(dict(loss=float(ev["loss"][idx]), point=point, fc=ev["fc"][idx], stage=stage,
                                  corr=float(ev["corr"][idx]), rmse=float(ev["rmse"][idx]),
                                  ks=float(ev["ks"][idx]), fc_mean=float(ev["fc_mean"][idx])))
        return self.rows[-1]["loss"]

    def best(self):
        losses = np.array([r["loss"] for r in self.rows])
        if not np.isfinite(losses).any():
            raise FitError("every run diverged or gave an undefined FC; widen the grid towards weaker coupling "
                           "or noise.")
        return int(np.argmin(losses))

    def dataset(self, spec, book, scorer, title, attrs, keep_fc, extra=None):
        """The result Dataset (the layout of :func:`~brainnet_cb.fit_gradient`'s) with the fit's extras."""
        i = self.best()
        rows = self.rows
        kinds = {k: book.lookup(k).kind for k in self.names}
        path = {k: [r["point"][k] for r in rows] for k in self.names}
        attrs = dict(attrs, title=title, fitted=json.dumps(self.names), best_loss=rows[i]["loss"],
                     best_iteration=i, n_evaluations=len(rows), seeds=describe_seeds(scorer.seeds),
                     seed_average="mean FC over seeds, then scored; FCD values pooled" if scorer.seeds else "none",
                     objective=scorer.objective if isinstance(scorer.objective, str)
                     else getattr(scorer.objective, "__name__", "callable"))
        data = {
            "stage": ("iteration", np.array([r["stage"] for r in rows]), {"long_name": "stage of the fit"}),
            "fcd_ks": ("iteration", np.array([r["ks"] for r in rows]),
                       {"long_name": "KS distance of simulated (pooled over seeds) and empirical FCD", "units": "1"}),
            "fc_mean": ("iteration", np.array([r["fc_mean"] for r in rows]),
                        {"long_name": "mean off-diagonal simulated FC", "units": "1"}),
        }
        if keep_fc:
            data["fc_all"] = (("iteration", "region_i", "region_j"), np.stack([r["fc"] for r in rows]),
                              {"long_name": "simulated FC (mean over seeds) at each evaluation", "units": "1"})
        for field, m in book.maps.items():
            data[f"{field}_map"] = ("region", m, {"long_name": f"heterogeneity map of {field} (z-scored)"})
            best = book.expand({k: rows[i]["point"][k] for k in self.names})
            if field in best:
                data[f"{field}_effective"] = ("region", np.broadcast_to(best[field], (m.size,)),
                                              {"long_name": f"best per-region {field} = {field} + {field}_scale * map"})
        data.update(extra or {})
        return result_dataset(self.names, kinds, path, [r["loss"] for r in rows], [r["corr"] for r in rows],
                              [r["rmse"] for r in rows], rows[i]["point"], rows[i]["fc"], scorer.emp,
                              _RunLabels(spec.connectome), attrs, data, book, spec)


# ----------------------------------------------------------------------------- the grid fit
def fit_grid(model, connectome=None, *, grid, empirical_fc=None, empirical_fcd=None, objective="corr",
             refine="grid", refine_points=4, refine_rounds=2, maxfev=40, seeds=None, heterogeneity=None,
             keep_fc=False, progress=None, client=None, **sweep_kwargs):
    r"""Fit parameters without derivatives: a coarse grid, then a local refinement.

    1. :func:`~brainnet_cb.sweep` over the cartesian product of ``grid``
       (vectorised, in batches sized by memory, optionally on a dask
       cluster); one loss per point (averaged over ``seeds``, below).
    2. ``refine="grid"``: ``refine_rounds`` times, a grid of ``refine_points``
       values per swept scalar parameter, evenly spaced strictly between the
       neighbours of the best point (so none is evaluated twice; each round
       one more sweep, one compiled batch program), or
       ``refine="nelder-mead"``: :func:`scipy.optimize.minimize` (Nelder–Mead
       on all refinable parameters together, at most ``maxfev`` points, the
       first simplex one grid step wide, inside the bounds), or ``None``.

    Diverged runs and runs with an undefined FC score :math:`+\infty`. Without
    ``seeds`` every run uses the one noise realisation of ``key`` (common
    random numbers: the objective is deterministic, and differences come from
    the parameters). With ``seeds`` every point is run once per seed and the
    **mean FC over the realisations** is scored (the FCD values are pooled
    before the KS distance); see :mod:`brainnet_cb.fitting.objective`. One
    realisation of a few minutes of BOLD is a noisy estimate of the model's
    FC: its score moves by a few hundredths from seed to seed.

    ``fit_grid(spec, grid=...)`` with a :class:`~brainnet_cb.Simulation`, or
    ``fit_grid(model, connectome, grid=..., duration=..., **options)``. The
    refinement stays inside each parameter's bounds (the parameter book,
    :mod:`brainnet_cb.simulation.parameters`: the model's ``param_ranges``, ``G >= 0``,
    noise ``>= 0``, speed ``> 0``).

    Parameters
    ----------
    model, connectome, grid
        As in :func:`~brainnet_cb.sweep` (a spec, or a model and a
        connectome); several names are fitted together (``G``, ``eta``,
        ``noise_v``, ``speed``, ``eta_scale``, ...).
    empirical_fc, empirical_fcd
        Targets (as in :func:`~brainnet_cb.sweep`); the objective decides
        which are needed.
    objective : {"corr", "rmse", "corr+rmse", "fcd_ks", "corr+fcd_ks"} or callable
        Loss per point (lower is better): :math:`1 - \rho`, RMSE, their sum,
        the FCD KS distance :math:`D_{KS}`, or FC and FCD together
        :math:`1 - \rho + D_{KS}`; or ``fn(sweep_result) -> DataArray`` over
        the sweep's dims (averaged over ``seed`` when it has that dim).
    refine : {"grid", "nelder-mead", None}
    refine_points, refine_rounds, maxfev : int
    seeds : sequence of int, optional
        Noise realisations averaged at every point (each an int random key).
    heterogeneity : {None, "strength"}, array (n,) or dict, optional
        A per-region map :math:`m` (``"strength"``: the z-scored log
        in-strength of the connectome; an array: z-scored) for ``eta``, or
        ``{field: map}``: adds the fittable ``"<field>_scale"``
        :math:`a`, with :math:`f_i = f_0 + a\,m_i` (``f_0`` the grid's or the
        model's ``f``).
    keep_fc : bool, default False
        Keep the (seed-mean) FC of every evaluated point (``fc_all``).
    progress : bool, optional
        Progress bars: the sweep's over the grid's batches, then one over the
        refinement's evaluations (default: on a terminal).
    client : dask.distributed.Client, optional
        Passed to every sweep.
    **sweep_kwargs
        The run options (fields of :class:`~brainnet_cb.Simulation`:
        ``duration``, ``dt``, ``noise``, ``monitors``, ``edges``, ...; default
        monitors ``[Bold()]``) and any other argument of
        :func:`~brainnet_cb.sweep` (``discard``, ``band``, ``signal``,
        ``fcd_window``, ``memory``, ...).

    Returns
    -------
    xarray.Dataset
        As :func:`fit_gradient`: the best parameters, ``loss``, ``corr``,
        ``rmse``, ``fcd_ks``, ``fc_mean`` and ``<name>_path`` over
        ``iteration`` (every point evaluated; ``stage`` says ``grid`` or
        ``refine``), ``fc`` at the best point, ``grid_loss`` over the coarse
        grid, ``fc_all`` with ``keep_fc``, ``<field>_map`` and
        ``<field>_effective`` (best per-region values) with
        ``heterogeneity``; ``attrs`` ``seeds``, ``seed_average``.

    Raises
    ------
    SweepError
        A bad grid, run or signal argument (checked, like a signal too
        short for its band-pass, by :func:`~brainnet_cb.sweep` before any
        run).
    FitError
        A bad fit argument (``objective``, ``refine``, a missing target,
        ...), or every run diverged or gave an undefined FC.
    DataError
        An empirical FC of other regions than the connectome's.

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
    if refine not in ("grid", "nelder-mead", None):
        raise FitError(f"refine must be 'grid', 'nelder-mead' or None; got {refine!r}.")
    for name, v in (("refine_points", refine_points), ("refine_rounds", refine_rounds), ("maxfev", maxfev)):
        check_int(name, v, 2 if name == "refine_points" else 1)
    if not isinstance(keep_fc, (bool, np.bool_)):
        raise FitError(f"keep_fc must be True or False; got {keep_fc!r}.")
    spec, book, scorer = setup(model, connectome, objective, empirical_fc, empirical_fcd, seeds, heterogeneity,
                               client, sweep_kwargs, grid)
    grid = scorer.check(grid)  # labelled per-region rows in the connectome's order
    ev = scorer.evaluate(grid, progress=progress)
    res = ev["sweep"]
    names = list(grid)
    surf = ev["loss"]
    records = Records(names)
    records.add(ev, "grid")
    values = ev["values"]
    refinable = [k for k in names if k != "seed" and values[k].ndim == 1 and np.unique(values[k]).size > 1]
    if refine is not None and refinable and np.isfinite(surf).any():
        best_idx = np.unravel_index(np.argmin(surf), surf.shape)
        center = {k: float(values[k][best_idx[d]]) for d, k in enumerate(names) if k in refinable}
        steps = {k: float(np.min(np.diff(np.unique(values[k])))) for k in refinable}  # sorted: any order given
        fixed = {k: values[k][[best_idx[d]]] for d, k in enumerate(names) if k not in refinable}
        bar = progress_bar(progress, refine_rounds if refine == "grid" else maxfev, "refine")
        try:
            if refine == "grid":
                for _ in range(refine_rounds):
                    g = {}
                    for k in names:
                        if k in refinable:
                            # points strictly between the neighbours, none already evaluated
                            g[k] = bounded(book.lookup(k), np.linspace(center[k] - steps[k], center[k] + steps[k],
                                                                       refine_points + 2)[1:-1])
                        else:
                            g[k] = fixed[k]
                    records.add(scorer.evaluate(g), "refine")
                    i = records.best()
                    center.update({k: float(records.rows[i]["point"][k]) for k in refinable})
                    steps = {k: 2 * steps[k] / (refine_points + 1) for k in refinable}
                    if bar is not None:
                        bar.update(1)
            else:
                simplex_search(scorer, records, names, fixed, refinable, center, steps, book, maxfev, bar)
        finally:  # the stop button too: a bar left open pushed every later bar a line down
            if bar is not None:
                bar.close()
    attrs = {k: v for k, v in res.attrs.items()
             if k not in ("title", "wall_s", "batch_size", "n_batches", "n_runs", "swept")}
    attrs.update(refine=str(refine), wall_s=time.perf_counter() - t0)
    gdims = tuple(f"grid_{k}" for k in names)
    extra = {"grid_loss": (gdims, surf, {"long_name": "loss over the coarse grid (inf: diverged)", "units": "1"})}
    ds = records.dataset(spec, book, scorer, "brainnet_cb grid fit", attrs, keep_fc, extra)
    ds.attrs["wall_s"] = time.perf_counter() - t0
    return ds.assign_coords({  # a global grid's values with their unit; per-region rows by their index
        g: (g, values[k], book.coordinate_attrs(k, "coarse-grid values of the")) if values[k].ndim == 1 else
        (g, np.arange(values[k].shape[0]), {"long_name": f"row of the coarse grid of {k} (one value per region)"})
        for g, k in zip(gdims, names)})


class _RunLabels:
    """The bit of a Run that :func:`~brainnet_cb.fitting.fit_results.result_dataset` reads (labels)."""

    def __init__(self, connectome):
        self.connectome = connectome
