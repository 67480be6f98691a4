r"""Fitting model parameters to empirical functional connectivity.

Two paths, one result format:

- :func:`fit_gradient`: gradient descent with :func:`jax.grad` through the
  whole chain simulation → BOLD → band-pass → FC → loss (the scan is
  checkpointed, so memory stays bounded), an :mod:`optax` optimiser, for
  smooth objectives of global coupling ``G``, per-region ``eta`` or any other
  model / coupling parameter or noise amplitude. The noise realisation is
  fixed by ``key``, so the loss is a deterministic, differentiable function of
  the parameters.
- :func:`fit_grid`: derivative-free — a vectorised :func:`~brainnet_cb.sweep`
  over a coarse grid, then a local refinement (a finer grid around the best
  point, or Nelder–Mead), for non-smooth objectives such as the FCD KS
  distance.

Losses (:math:`\rho`, RMSE of the upper triangles of simulated and empirical
FC as in :func:`brainnet_cb.fc_fit`; :math:`D_{KS}` the FCD KS distance):
``"corr"``: :math:`1 - \rho`; ``"rmse"``; ``"corr+rmse"``: :math:`1 - \rho + \mathrm{RMSE}`
(the pattern and the magnitude of FC; the default); ``"fcd_ks"``: :math:`D_{KS}`;
``"corr+fcd_ks"``: :math:`1 - \rho + D_{KS}`.

Both return an :class:`xarray.Dataset`: the best parameters (data variables
named as the parameters), ``loss`` and the parameter path over ``iteration``
(``<name>_path``), the simulated FC at the best parameters ``fc`` (and the
target ``empirical_fc``), with ``best_loss``, ``best_iteration`` and the run's
provenance in ``attrs``.

References
----------
Deco, G., Jirsa, V. K. (2012). Ongoing cortical activity at rest: criticality,
multistability, and ghost attractors. J. Neurosci. 32, 3366–3375.
Hansen, E. C. A. et al. (2015). Functional connectivity dynamics: modeling the
switching behavior of the resting state. NeuroImage 105, 525–535.
Griewank, A., Walther, A. (2000). Algorithm 799: revolve — checkpointing for
the reverse mode of automatic differentiation. ACM TOMS 26, 19–45.
Nelder, J. A., Mead, R. (1965). A simplex method for function minimization.
Comput. J. 7, 308–313.
"""

from __future__ import annotations

import json
import sys
import time

import jax
import jax.numpy as jnp
import numpy as np
import xarray as xr

from . import _differentiable, analysis_jax
from ._checks import per_region
from ._filters import BOLD_BAND, check_length, design_bandpass
from .coupling import Linear
from .errors import FitError
from .simulate import prepare
from .sweep import _target_fc, parameter_kind, sweep

__all__ = ["fit_gradient", "fit_grid", "fc_loss", "LOSSES"]

#: Losses of :func:`fit_gradient` (and the FC ones of :func:`fit_grid`).
LOSSES = ("corr", "rmse", "corr+rmse")
#: Objectives of :func:`fit_grid`.
OBJECTIVES = ("corr", "rmse", "corr+rmse", "fcd_ks", "corr+fcd_ks")


def _loss_value(name, corr, rmse, ks=None):
    return {"corr": lambda: 1 - corr, "rmse": lambda: rmse, "corr+rmse": lambda: 1 - corr + rmse,
            "fcd_ks": lambda: ks, "corr+fcd_ks": lambda: 1 - corr + ks}[name]()


def _check_choice(value, options, name):
    if not isinstance(value, str) or value not in options:
        raise FitError(f"{name} must be one of {list(options)}; got {value!r}.")


def _check_params(init, model, coupling, n, allowed=("model", "coupling", "noise")):
    if not isinstance(init, dict) or not init:
        raise FitError(
            f"init must be a non-empty dict {{name: starting value}} of the parameters to fit, e.g. "
            f"init={{'G': 0.5}} or init={{'G': 0.5, 'eta': np.full(n, -4.6)}} (per region); got {init!r}."
        )
    kinds, values = {}, {}
    for name, v in init.items():
        kind = parameter_kind(name, model, coupling, FitError, "init")
        if kind not in allowed:
            raise FitError(
                f"{name!r} cannot be fitted by gradient (it changes integer delays or the random "
                "key); sweep it with bn.sweep or fit it with bn.fit_grid."
            )
        arr = per_region(v, n, f"init[{name!r}]", FitError, scalar="a scalar (one global value)")
        kinds[name], values[name] = kind, arr
    return kinds, values


def _check_bounds(bounds, params, kinds):
    out = {}
    for name in params:
        lo, hi = (0.0 if name == "G" or kinds[name] == "noise" else -np.inf), np.inf
        out[name] = (lo, hi)
    if bounds is None:
        return out
    if not isinstance(bounds, dict):
        raise FitError(f"bounds must be a dict {{name: (low, high)}}; got {bounds!r}.")
    for name, b in bounds.items():
        if name not in params:
            raise FitError(f"bounds given for {name!r}, which is not fitted; fitted: {list(params)}.")
        try:
            lo, hi = (-np.inf if b[0] is None else float(b[0])), (np.inf if b[1] is None else float(b[1]))
        except (TypeError, ValueError, IndexError):
            raise FitError(f"bounds[{name!r}] must be (low, high) (None for no bound); got {b!r}.") from None
        if not lo < hi:
            raise FitError(f"bounds[{name!r}] must have low < high; got {b!r}.")
        init = params[name]
        if np.any(init < lo) or np.any(init > hi):
            raise FitError(f"init[{name!r}] = {init.tolist()} lies outside bounds {b!r}.")
        out[name] = (lo, hi)
    return out


def _to_seconds(value):
    from ._timeseries import to_seconds

    return to_seconds(value, "discard")


def _tr_seconds(run, signal):
    _, _, monitor, _ = _differentiable.output_location(run, signal)
    return monitor.period_steps(run.dt) * run.dt / 1000.0


def _result(names, kinds, path, losses, corr, rmse, best, fc_best, emp, run, attrs, extra=None):
    labels = [str(s) for s in run.connectome.labels]
    data = {
        "loss": ("iteration", np.asarray(losses), {"long_name": "loss", "units": "1"}),
        "corr": ("iteration", np.asarray(corr), {"long_name": "FC fit: Pearson r of upper triangles", "units": "1"}),
        "rmse": ("iteration", np.asarray(rmse), {"long_name": "FC fit: RMSE of upper triangles", "units": "1"}),
        "fc": (("region_i", "region_j"), fc_best, {"long_name": "simulated FC at the best parameters", "units": "1"}),
    }
    if emp is not None:
        data["empirical_fc"] = (("region_i", "region_j"), emp.values, {"long_name": "target FC", "units": "1"})
    for k in names:
        p = np.asarray(path[k])
        data[f"{k}_path"] = (("iteration",) if p.ndim == 1 else ("iteration", "region"), p,
                             {"long_name": f"{k} at each evaluation"})
        b = np.asarray(best[k])
        data[k] = ((), b) if b.ndim == 0 else (("region",), b)
        data[k] = data[k] + ({"long_name": f"best {kinds[k]} parameter {k}"},)
    data.update(extra or {})
    coords = {"iteration": np.arange(len(losses)), "region": labels, "region_i": labels, "region_j": labels}
    return xr.Dataset(data, coords=coords, attrs=attrs)


# ----------------------------------------------------------------------------- gradient
def fc_loss(model, connectome, empirical_fc, *, init, duration, dt=0.1, loss="corr+rmse", coupling=None,
            speed=3.0, noise=None, monitors=None, key=0, method="heun", initial_state=None, history=None,
            normalize="max", dtype=None, signal="bold", discard=0.0, band=True, fisher_z=False, checkpoint=True):
    r"""The FC loss as a pure, differentiable function of parameters (what :func:`fit_gradient` descends).

    Arguments as in :func:`fit_gradient`. Returns ``(objective, params, problem)``:
    ``objective(params) -> (loss, (corr, rmse, fc, bad_step))`` is a pure JAX
    function (``jax.grad``/``jit`` through it), ``params`` the starting values
    from ``init`` as arrays, and ``problem`` a dict with the prepared ``run``,
    the parameter ``kinds`` and the aligned ``empirical_fc``.

    Examples
    --------
    >>> import jax, numpy as np, brainnet_cb as bn
    >>> conn = bn.Connectome([[0, 1, 0], [1, 0, 1], [0, 1, 0]], np.full((3, 3), 20.0))
    >>> f, p, _ = bn.fit.fc_loss(bn.CoombesByrne(), conn, np.eye(3) * 0.5 + 0.5, init={"G": 1.0},
    ...                          duration=500.0, noise=bn.Additive(v=0.1), signal="r",
    ...                          monitors=[bn.TemporalAverage(5.0)], band=None)
    >>> g = jax.grad(lambda q: f(q)[0])(p)
    >>> sorted(g)
    ['G']
    """
    _check_choice(loss, LOSSES, "loss")
    coupling = Linear() if coupling is None else coupling
    if monitors is None:
        from .monitors import Bold

        monitors = [Bold()]
    run = prepare(model, connectome, duration, dt, coupling=coupling, speed=speed, noise=noise, monitors=monitors,
                  key=key, method=method, initial_state=initial_state, history=history, normalize=normalize,
                  dtype=dtype)
    n = run.connectome.n_regions
    kinds, values = _check_params(init, model, coupling, n)
    for name, kind in kinds.items():
        if kind == "noise" and name[len("noise_"):] not in [run.model.states[r] for r in run.plan.noise_rows]:
            raise FitError(f"init[{name!r}]: the run has no noise on {name[6:]!r}; pass e.g. "
                           f"noise=bn.Additive({name[6:]}=0.1) to fit its amplitude.")
    p_top = run.plan.levels[-1][0]
    if run.n_steps % p_top:
        raise FitError(
            f"duration {run.n_steps * run.dt:g} ms must be a whole multiple of the longest monitor period "
            f"({p_top * run.dt:g} ms) for a gradient fit; use e.g. duration={(run.n_steps // p_top + 1) * p_top * run.dt:g}."
        )
    from .sweep import _signal_monitor

    _signal_monitor(run, signal, FitError)
    emp = _target_fc(empirical_fc, run.connectome, FitError)
    if not isinstance(fisher_z, (bool, np.bool_)):
        raise FitError(f"fisher_z must be True or False; got {fisher_z!r}.")
    from ._timeseries import to_seconds

    discard_s = to_seconds(discard, "discard")
    simulate, times = _differentiable.build(run, kinds, signal, checkpoint=checkpoint)
    tr = _tr_seconds(run, signal)
    n_drop = int(np.sum((times - times[0]) / 1000.0 < discard_s - 1e-12))
    T = times.size - n_drop
    if T < 3:
        raise FitError(f"{signal!r} has {T} samples after discarding {discard_s:g} s; simulate longer.")
    if band is not None:
        low_high = BOLD_BAND if band is True else band
        check_length(T, design_bandpass(low_high, 1.0 / tr, 2), signal)
    target = jnp.asarray(emp.values, run.dyn.table.weights.dtype)

    def objective(params):
        x, bad = simulate(params)
        x = x[n_drop:]
        if band is not None:
            x = analysis_jax.bandpass(x, tr, BOLD_BAND if band is True else band)
        F = analysis_jax.fc(x)
        corr, rmse = analysis_jax.fc_fit(F, target, fisher_z=bool(fisher_z))
        return _loss_value(loss, corr, rmse), (corr, rmse, F, bad)

    return objective, {k: jnp.asarray(v, run.dyn.table.weights.dtype) for k, v in values.items()}, \
        dict(run=run, kinds=kinds, empirical_fc=emp, values=values)


def fit_gradient(model, connectome, empirical_fc, *, init, duration, dt=0.1, steps=30, learning_rate=0.05,
                 optimizer=None, loss="corr+rmse", bounds=None, coupling=None, speed=3.0, noise=None,
                 monitors=None, key=0, method="heun", initial_state=None, history=None, normalize="max",
                 dtype=None, signal="bold", discard=0.0, band=True, fisher_z=False, checkpoint=True,
                 progress=None) -> xr.Dataset:
    r"""Fit parameters to an empirical FC by gradient descent through the simulation.

    The loss :math:`L(\theta)` of the FC of ``signal`` (after dropping
    ``discard`` s and band-passing, :mod:`brainnet_cb.analysis_jax`) against
    the target is differentiated with :func:`jax.value_and_grad` through the
    compiled scan (checkpointed per top-level monitor period), and ``optax``
    updates :math:`\theta`, which is then projected onto ``bounds``:

    .. math:: \theta_{k+1} = \Pi_{[l, h]}\big(\theta_k + \mathrm{opt}(\nabla_\theta L(\theta_k))\big).

    Parameters
    ----------
    model, connectome
        As in :func:`~brainnet_cb.simulate`.
    empirical_fc : xarray.DataArray or array_like (n, n)
        The target FC (aligned to the connectome by label when labelled).
    init : dict
        Parameters to fit and their starting values: a field of the coupling
        (``"G"``), a model parameter (``"eta"``) or ``"noise_<state>"``; a
        scalar fits one global value, an ``(n,)`` array one value per region.
    duration, dt, coupling, speed, noise, monitors, key, method, initial_state, history, normalize, dtype
        As in :func:`~brainnet_cb.simulate`; ``duration`` a whole multiple of
        the longest monitor period. Default monitors ``[Bold(tr=2000 ms)]``.
    steps : int, default 30
        Gradient evaluations (the last one is not followed by an update).
    learning_rate : float, default 0.05
        Of the default optimiser ``optax.adam``.
    optimizer : optax.GradientTransformation, optional
        Any optax optimiser (overrides ``learning_rate``).
    loss : {"corr+rmse", "corr", "rmse"}
        :math:`1 - \rho + \mathrm{RMSE}`, :math:`1 - \rho` or RMSE.
    bounds : dict, optional
        ``{name: (low, high)}``; default ``G >= 0`` and noise ``>= 0``.
    signal, discard, band, fisher_z
        The output to correlate, the transient to drop (s), the band-pass
        (Hz; ``True`` = 0.01–0.1) and the Fisher transform, as in
        :func:`~brainnet_cb.fc` / :func:`~brainnet_cb.fc_fit`.
    checkpoint : bool, default True
        Rematerialise each top-level period in the backward pass.
    progress : bool, optional
        Progress bar over steps (default: on a terminal).

    Returns
    -------
    xarray.Dataset
        The best parameters (lowest loss seen), ``loss``, ``corr``, ``rmse``
        and ``<name>_path`` over ``iteration``, ``fc`` at the best parameters,
        ``empirical_fc``; ``attrs`` ``best_loss``, ``best_iteration``,
        ``wall_s`` and the provenance of the run.

    Raises
    ------
    FitError
        Unknown or non-differentiable parameters, bad shapes, bounds, loss,
        optimiser or steps; a run that diverges during the fit.

    Examples
    --------
    >>> import numpy as np, brainnet_cb as bn
    >>> conn = bn.Connectome([[0, 1, 0], [1, 0, 1], [0, 1, 0]], np.full((3, 3), 20.0))
    >>> run = dict(duration=2000.0, noise=bn.Additive(v=0.1), monitors=[bn.TemporalAverage(5.0)])
    >>> target = bn.fc(bn.simulate(bn.CoombesByrne(), conn, coupling=bn.Linear(G=1.0), **run).r,
    ...                discard=0.1)
    >>> res = bn.fit_gradient(bn.CoombesByrne(), conn, target, init={"G": 0.6}, steps=4,
    ...                       learning_rate=0.1, signal="r", discard=0.1, band=None, **run)
    >>> res.loss.dims, bool(res.loss[-1] < res.loss[0]), round(float(res.G), 1)
    (('iteration',), True, 0.9)
    """
    import optax

    t0 = time.perf_counter()
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 1:
        raise FitError(f"steps must be a positive integer; got {steps!r}.")
    objective, params, problem = fc_loss(
        model, connectome, empirical_fc, init=init, duration=duration, dt=dt, loss=loss, coupling=coupling,
        speed=speed, noise=noise, monitors=monitors, key=key, method=method, initial_state=initial_state,
        history=history, normalize=normalize, dtype=dtype, signal=signal, discard=discard, band=band,
        fisher_z=fisher_z, checkpoint=checkpoint)
    run, kinds, emp, values = problem["run"], problem["kinds"], problem["empirical_fc"], problem["values"]
    discard_s = _to_seconds(discard)
    lims = _check_bounds(bounds, values, kinds)
    opt_name = "optax.adam(%r)" % (learning_rate,) if optimizer is None else type(optimizer).__name__
    if optimizer is None:
        if not (isinstance(learning_rate, (int, float, np.floating)) and learning_rate > 0):
            raise FitError(f"learning_rate must be a number > 0; got {learning_rate!r}.")
        optimizer = optax.adam(float(learning_rate))
    if not (hasattr(optimizer, "init") and hasattr(optimizer, "update")):
        raise FitError(f"optimizer must be an optax.GradientTransformation (e.g. optax.adam(0.05)); got {optimizer!r}.")
    grad_fn = jax.jit(jax.value_and_grad(objective, has_aux=True))
    opt_state = optimizer.init(params)
    path = {k: [] for k in params}
    losses, corrs, rmses = [], [], []
    best = (np.inf, None, None, -1)
    bar = None
    if progress or (progress is None and sys.stderr.isatty()):
        from tqdm.auto import tqdm

        bar = tqdm(total=steps, desc="fit", leave=False)
    for it in range(steps):
        (value, (corr, rmse, F, bad)), grads = grad_fn(params)
        value = float(value)
        for k in params:
            path[k].append(np.asarray(params[k]))
        if not np.isfinite(value) or int(bad) >= 0 or not all(np.all(np.isfinite(g)) for g in grads.values()):
            where = ", ".join(f"{k}={np.asarray(v).round(6).tolist()}" for k, v in params.items())
            raise FitError(
                f"the run diverged (or its FC is undefined) at iteration {it} with {where}; loss={value}. "
                "Use tighter bounds, a smaller learning_rate, a smaller dt or weaker noise."
            )
        losses.append(value)
        corrs.append(float(corr))
        rmses.append(float(rmse))
        if value < best[0]:
            best = (value, {k: np.asarray(v) for k, v in params.items()}, np.asarray(F), it)
        if bar is not None:
            bar.update(1)
            bar.set_postfix(loss=f"{value:.4f}")
        if it == steps - 1:
            break
        updates, opt_state = optimizer.update(grads, opt_state, params)
        params = optax.apply_updates(params, updates)
        params = {k: jnp.clip(v, lims[k][0], lims[k][1]) for k, v in params.items()}
    if bar is not None:
        bar.close()
    attrs = {k: v for k, v in run.attrs.items() if k != "title"}
    attrs.update(title="brainnet_cb gradient fit", fitted=json.dumps(list(params)), loss=loss,
                 optimizer=opt_name, steps=int(steps),
                 best_loss=best[0], best_iteration=int(best[3]), signal=signal, discard_s=discard_s,
                 band_hz=json.dumps(None if band is None else list(BOLD_BAND if band is True else band)),
                 checkpoint=int(bool(checkpoint)), wall_s=time.perf_counter() - t0)
    return _result(list(params), kinds, path, losses, corrs, rmses, best[1], best[2], emp, run, attrs)


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
        vals = np.asarray(_loss_value(objective, corr, rmse, ks), dtype=float)
    return np.where(np.isfinite(vals) & ~res.diverged.values, vals, np.inf)


def fit_grid(model, connectome, *, grid, duration, empirical_fc=None, empirical_fcd=None, objective="corr",
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

    Parameters
    ----------
    model, connectome, grid, duration
        As in :func:`~brainnet_cb.sweep`.
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
        Any other argument of :func:`~brainnet_cb.sweep` (``dt``, ``noise``,
        ``monitors``, ``discard``, ``band``, ...).

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
        _check_choice(objective, OBJECTIVES, "objective")
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
    common = dict(duration=duration, empirical_fc=empirical_fc, empirical_fcd=empirical_fcd, client=client,
                  keep=keep, progress=False, **sweep_kwargs)
    res = sweep(model, connectome, grid, **common)
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
                        if k == "G" or k.startswith("noise_"):
                            g[k] = np.unique(np.clip(g[k], 0.0, None))
                    else:
                        g[k] = res[k].values[[best_idx[d]]] if f"{k}_value" not in res.coords \
                            else res[f"{k}_value"].values[[best_idx[d]]]
                r = sweep(model, connectome, g, **common)
                collect(r, "refine")
                i = int(np.argmin([rec[0] for rec in records]))
                center.update({k: float(records[i][1][k]) for k in refinable})
                steps = {k: 2 * steps[k] / (refine_points + 1) for k in refinable}
        else:
            from scipy.optimize import minimize

            fixed = {k: (res[k].values[[best_idx[d]]] if f"{k}_value" not in res.coords
                         else res[f"{k}_value"].values[[best_idx[d]]]) for d, k in enumerate(names) if k not in refinable}
            x0 = np.array([center[k] for k in refinable])
            simplex = np.vstack([x0] + [x0 + np.eye(len(x0))[i] * steps[k] for i, k in enumerate(refinable)])

            def f(x):
                g = dict(fixed)
                for k, v in zip(refinable, x):
                    if (k == "G" or k.startswith("noise_")) and v < 0:
                        return np.inf
                    g[k] = np.array([v])
                r = sweep(model, connectome, g, **common)
                collect(r, "refine")
                return records[-1][0]

            minimize(f, x0, method="Nelder-Mead",
                     options=dict(maxfev=int(maxfev), initial_simplex=simplex, xatol=1e-3, fatol=1e-4))
    losses = np.array([r[0] for r in records])
    if not np.isfinite(losses).any():
        raise FitError("every run diverged or gave an undefined FC; widen the grid towards weaker coupling or noise.")
    i = int(np.argmin(losses))
    path = {k: [r[1][k] for r in records] for k in names}
    kinds = {k: parameter_kind(k, model, sweep_kwargs.get("coupling") or Linear()) for k in names}
    emp = _target_fc(empirical_fc, connectome, FitError)
    attrs = {k: v for k, v in res.attrs.items() if k not in ("title", "wall_s", "batch_size", "n_batches", "n_runs")}
    attrs.update(title="brainnet_cb grid fit", fitted=json.dumps(names), objective=objective if isinstance(objective, str)
                 else getattr(objective, "__name__", "callable"), refine=str(refine), best_loss=float(losses[i]),
                 best_iteration=i, n_evaluations=len(records), wall_s=time.perf_counter() - t0)
    gdims = tuple(f"grid_{k}" for k in names)
    extra = {"stage": ("iteration", np.array([r[3] for r in records]), {"long_name": "grid or refine"}),
             "grid_loss": (gdims, surf, {"long_name": "loss over the coarse grid (inf: diverged)"})}
    ds = _result(names, kinds, path, losses, [r[4] for r in records], [r[5] for r in records],
                 records[i][1], records[i][2], emp, _RunLabels(connectome), attrs, extra)
    return ds.assign_coords({g: (g, res[k].values) for g, k in zip(gdims, names)})


class _RunLabels:
    """The bit of a Run that :func:`_result` reads (labels)."""

    def __init__(self, connectome):
        self.connectome = connectome
