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

import dataclasses
import json
import time
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import xarray as xr

from .._checks import refuse_tracers
from .._progress import progress_bar
from ..analysis import jax_twins as analysis_jax
from ..analysis.filters import BOLD_BAND, band_pair
from ..analysis.timeseries import to_seconds
from ..data.empirical import target_fc
from ..errors import FitError
from ..simulation import differentiable
from ..simulation.parameters import ParameterBook, expand_point
from ..simulation.spec import Simulation, simulation
from ..simulation.step_stability import one_call
from ..units import is_quantity
from .fit_grid import fit_grid
from .fit_results import LOSSES, OBJECTIVES, check_choice, check_options, loss_value, result_dataset
from .objective import check_seeds, describe_seeds, heterogeneity_maps
from .sweep_summaries import check_band_fits, monitor_discard_ms, too_few_samples

__all__ = ["fit_gradient", "fit_grid", "fc_loss", "LOSSES", "OBJECTIVES"]

#: How an unknown name in ``init`` is refused.
INIT_UNKNOWN = "unknown parameter {name!r} in init; choose from the {choices}."
#: What to do instead of calling fc_loss (or fit_gradient) inside a JAX transformation.
TRACED_FIT_FIX = (
    "fc_loss (and bn.fit_gradient) check and build the run on the host, so they cannot be called inside jax.jit, "
    "jax.grad or jax.vmap; every argument must be a concrete value. Call fc_loss once, outside, and transform the "
    "objective it returns: f, params, _ = fc_loss(..., init={'G': 0.5}); jax.grad(lambda p: f(p)[0])(params). "
    "What is differentiated goes in init (a model or coupling field, 'noise_<state>'); speed (it sets the integer "
    "delays and the size of the delay buffer), dt, duration, key and the connectome are fixed per objective: "
    "build one objective per value.")


def fit_parameters(init, book, run):
    """``({name: Parameter}, {name: value})`` of a gradient fit's ``init``, checked by the parameter book.

    Every name must be differentiable (a model or coupling field, or the
    amplitude of noise the run has); a value is a scalar or one per region.
    """
    n = run.connectome.n_regions
    if not isinstance(init, dict) or not init:
        raise FitError(
            f"init must be a non-empty dict {{name: starting value}} of the parameters to fit, e.g. "
            f"init={{'G': 0.5}} or init={{'G': 0.5, 'eta': np.full(n, -4.6)}} (per region); got {init!r}."
        )
    params, values = {}, {}
    for name, v in init.items():
        p = book.lookup(name, FitError, INIT_UNKNOWN)
        book.check_not_static(p, f"init[{name!r}]", FitError)
        if not p.differentiable:
            raise FitError(
                f"{name!r} cannot be fitted by gradient (it changes integer delays or the random "
                "key); sweep it with bn.sweep or fit it with bn.fit_grid."
            )
        if not p.per_region and np.ndim(v) != 0:
            raise FitError(f"init[{name!r}] must be a scalar (one global value); got shape {np.shape(v)}.")
        params[name], values[name] = p, book.point(p, v, n, FitError, f"init[{name!r}]", run.connectome.labels)
    for name, p in params.items():
        book.check_noise_row(p, run, FitError, f"init[{name!r}]")
    return params, values


def fit_bounds(bounds, values, params, book=None):
    """``{name: (low, high)}``: the parameter book's bounds, replaced by the user's ``bounds``.

    A user's bound of ``None`` is the parameter's own (its domain's end); bounds reaching outside the
    parameter's domain (e.g. ``G`` below 0, where every point scores ``+inf``) are refused. Every starting
    value must lie inside its bounds. With the parameter ``book``, an end given as a brainunit quantity is
    converted as the parameter's values are (``(1 * u.ms, 2 * u.ms)`` for a ``tau`` in ms).
    """
    given = {} if bounds is None else bounds
    if not isinstance(given, dict):
        raise FitError(f"bounds must be a dict {{name: (low, high)}}; got {bounds!r}.")
    out = {}
    for name, b in given.items():
        if name not in values:
            raise FitError(f"bounds given for {name!r}, which is not fitted; fitted: {list(values)}.")
        low, high = params[name].bounds
        try:
            ends = [book.plain(params[name], e, f"bounds[{name!r}]", FitError)
                    if book is not None and is_quantity(e) else e for e in b[:2]] + list(b[2:])
            lo, hi = (low if ends[0] is None else float(ends[0])), (high if ends[1] is None else float(ends[1]))
        except FitError:  # a quantity of the wrong dimension: the book's message
            raise
        except (TypeError, ValueError, IndexError):
            raise FitError(f"bounds[{name!r}] must be (low, high) (None for no bound); got {b!r}.") from None
        if not lo < hi:
            raise FitError(f"bounds[{name!r}] must have low < high; got {b!r}.")
        if lo < low or hi > high:
            inside = tuple(float(v) if np.isfinite(v) else None for v in (max(lo, low), min(hi, high)))
            where = "" if params[name].location == name else f" ({params[name].location})"
            raise FitError(
                f"bounds[{name!r}] = {b!r} reach outside the domain of {name!r}{where}, {_interval(params[name])}, "
                f"the values a fit searches. Give bounds inside it, e.g. "
                f"bounds={{{name!r}: {inside!r}}} (None for the domain's own end).")
        out[name] = (lo, hi)
    for name, init in values.items():
        lo, hi = out.get(name, params[name].bounds)
        if np.any(init < lo) or np.any(init > hi):
            shown = given[name] if name in given else (lo, hi)
            raise FitError(f"init[{name!r}] = {init.tolist()} lies outside bounds {shown!r}.")
        out[name] = (lo, hi)
    return {name: out[name] for name in values}


def _interval(p) -> str:
    """The domain of parameter ``p`` in interval notation, e.g. ``[0, inf)``, ``(0, inf)``."""
    lo, hi = p.bounds
    left = "(" if p.low_open or not np.isfinite(lo) else "["
    return f"{left}{lo:g}, {hi:g}{']' if np.isfinite(hi) else ')'}"


# ----------------------------------------------------------------------------- gradient
def fc_loss(model, connectome=None, empirical_fc=None, *, init, loss="corr+rmse", signal="bold", discard=0.0,
            band=True, fisher_z=False, checkpoint=True, seeds=None, heterogeneity=None, **options):
    r"""The FC loss as a pure, differentiable function of parameters (what :func:`fit_gradient` descends).

    Arguments as in :func:`fit_gradient` (``fc_loss(spec, empirical_fc, init=...)``
    or ``fc_loss(model, connectome, empirical_fc, init=..., **options)``).
    Returns ``(objective, params, problem)``:
    ``objective(params) -> (loss, (corr, rmse, fc, bad_step))`` is a pure JAX
    function (``jax.grad``, ``jax.jit`` and ``jax.vmap`` through it; a name it
    cannot take, or a value that is not a scalar or one per region, is a
    :class:`~brainnet_cb.FitError` even under ``jit``). ``params`` may hold any
    differentiable name of the book, not only those of ``init`` (a name left
    out keeps the run's own value, not its ``init``); ``speed`` and
    ``seed`` are refused (they are fixed per objective: call ``fc_loss`` once
    per value). ``fc`` is the simulated FC, for a loss of your own
    (``jax.grad(lambda q: my_loss(f(q)[1][2]))``); ``bad_step`` is the first
    integration step whose state is not finite (at ``t = bad_step * dt`` ms),
    ``-1`` for a finite run: a run that diverges gives a NaN loss and NaN
    gradients and raises nothing (it is traced), so check ``bad_step`` or the
    loss, as :func:`fit_gradient` does. ``fc_loss`` itself checks its
    arguments on the host: call it outside ``jit``/``grad``/``vmap`` (a traced
    argument is refused, named). ``params`` the starting values
    from ``init`` as arrays, and ``problem`` a dict with the ``spec``, the
    prepared ``run``, the parameter ``kinds`` and ``parameters`` (the book's
    :class:`~brainnet_cb.simulation.parameters.Parameter` entries), the checked
    ``values``, the aligned ``empirical_fc`` and the ``book``.

    The objective runs one compiled program per structure of the run (model
    and coupling class, connectome size, delays, monitors, ``dt``,
    ``duration``, ``signal``, ``discard``, ``band``, ``loss``, the number of
    seeds), kept in JAX's jit cache: the run's values, the target FC and the
    noise key are its arguments, so another ``fc_loss`` (or
    :func:`fit_gradient`) of the same structure with other starting values,
    another target or another key compiles nothing.

    With ``seeds`` the loss is that of the mean FC over the realisations,
    :math:`\overline{FC} = \frac1S\sum_s FC^{(s)}` (one differentiable run per
    seed, in one compiled program); with ``heterogeneity`` the book has the
    map and ``"<field>_scale"`` is fittable (:math:`f_i = f_0 + a\,m_i`).

    Examples
    --------
    >>> import jax, numpy as np, brainnet_cb as bn
    >>> conn = bn.Connectome([[0, 1, 0], [1, 0, 1], [0, 1, 0]], np.full((3, 3), 20.0))
    >>> from brainnet_cb.fitting.fit import fc_loss
    >>> target = np.array([[1.0, 0.6, 0.3], [0.6, 1.0, 0.5], [0.3, 0.5, 1.0]])
    >>> f, p, _ = fc_loss(bn.CoombesByrne(), conn, target, init={"G": 1.0},
    ...                   duration=500.0, noise=bn.Additive(v=0.1), signal="r",
    ...                   monitors=[bn.TemporalAverage(5.0)], band=None)
    >>> g = jax.grad(lambda q: f(q)[0])(p)
    >>> sorted(g)
    ['G']
    """
    objective, params, problem, _ = _fc_loss(
        model, connectome, empirical_fc, init=init, loss=loss, signal=signal, discard=discard, band=band,
        fisher_z=fisher_z, checkpoint=checkpoint, seeds=seeds, heterogeneity=heterogeneity, **options)
    return objective, params, problem


def _fc_loss(model, connectome, empirical_fc, *, init, loss, signal, discard, band, fisher_z, checkpoint, seeds,
             heterogeneity, **options):
    """:func:`fc_loss`'s ``(objective, params, problem)`` and ``(data, structure)``, the arguments of the
    compiled loss (:data:`_loss_program`, :data:`_value_and_grad_program`)."""
    given = ({f.name: getattr(model, f.name) for f in dataclasses.fields(model)} if isinstance(model, Simulation)
             else {"model": model})
    refuse_tracers({**given, "init": init, "empirical_fc": empirical_fc, **options}, FitError, TRACED_FIT_FIX)
    check_choice(loss, LOSSES, "loss")
    check_options(options, (fit_gradient, fc_loss))  # a misspelt keyword of the fit, named as such
    if isinstance(model, Simulation) and empirical_fc is None:
        model, connectome, empirical_fc = model, None, connectome  # fc_loss(spec, empirical_fc)
    spec = simulation(model, connectome, purpose="fc", **options)
    run = spec.prepare()
    book = ParameterBook.of(spec, heterogeneity_maps(heterogeneity, spec.model, spec.connectome))
    params, values = fit_parameters(init, book, run)
    seeds = check_seeds(seeds)
    kinds = {name: p.kind for name, p in params.items()}
    p_top = run.plan.levels[-1][0]
    if run.n_steps % p_top:
        raise FitError(
            f"duration {run.n_steps * run.dt:g} ms must be a whole multiple of the longest monitor period "
            f"({p_top * run.dt:g} ms) for a gradient fit; use e.g. "
            f"duration={(run.n_steps // p_top + 1) * p_top * run.dt:g}."
        )
    run.signal_monitor(signal, FitError)
    emp = target_fc(empirical_fc, run.connectome, error=FitError, correlated=loss != "rmse")
    if not isinstance(fisher_z, (bool, np.bool_)):
        raise FitError(f"fisher_z must be True or False; got {fisher_z!r}.")
    discard_s = to_seconds(discard, "discard")
    with one_call(quiet=True):  # the seeds' copies of the spec: checked above, as spec (one StepSizeWarning)
        runs = [run] if seeds is None else [spec.replace(key=s).prepare() for s in seeds]
    lay, times = differentiable.layout(run, signal, checkpoint)
    _, _, monitor, _ = differentiable.output_location(run, signal)
    tr = monitor.period_steps(run.dt) * run.dt / 1000.0
    n_drop = int(np.sum((times - times[0]) / 1000.0 < discard_s - 1e-12))
    T = times.size - n_drop
    duration_s, monitor_discard_s = run.n_steps * run.dt / 1000.0, monitor_discard_ms(monitor) / 1000.0
    if T < 3:
        raise FitError(too_few_samples(T, tr * 1000.0, signal, discard_s, duration_s,
                                       monitor_discard_s=monitor_discard_s))
    check_band_fits(band, T, tr * 1000.0, signal, discard_s, duration_s, FitError,
                    monitor_discard_s=monitor_discard_s)
    _check_bold_moves(monitor, signal, times[n_drop:], tr * 1000.0)
    dtype = run.dyn.table.weights.dtype
    # What the compiled loss takes as arguments (one program for every call of the same structure) ...
    data = dict(runs=tuple((r.dyn, r.carry.x, r.carry.hist) for r in runs), target=jnp.asarray(emp.values, dtype),
                scales={f: (getattr(book.model, f), m) for f, m in book.maps.items()})
    # ... and what it is compiled for (its key in JAX's jit cache).
    structure = _Structure(lay, n_drop, None if band is None else band_pair(band, FitError), tr, loss,
                           bool(fisher_z))

    def objective(params):
        _check_point(params, book, run)
        return _loss_program(params, data, structure)

    return objective, {k: jnp.asarray(v, dtype) for k, v in values.items()}, \
        dict(spec=spec, run=run, kinds=kinds, parameters=params, empirical_fc=emp, values=values, book=book,
             seeds=seeds), (data, structure)


class _Structure(NamedTuple):
    """What an FC loss is compiled for besides the shapes and pytree structures of its arguments (hashable: with
    them, the key of its program in JAX's jit cache, as the engine's :class:`~brainnet_cb.simulation.engine.Plan`
    is for a run). Everything numeric (the run's dynamic arguments, its initial state and history, the noise key,
    the target FC, heterogeneity maps) is an argument: a call with other values runs the compiled program."""

    layout: differentiable.Layout
    n_drop: int  # samples dropped (discard)
    band: tuple | None  # band-pass (low, high) in Hz, None: none
    tr: float  # sampling interval of the signal, s
    loss: str
    fisher_z: bool


def _loss(params, data, structure):
    """The FC loss of ``params`` (traced): ``(loss, (corr, rmse, fc, bad_step))``; ``data`` the arguments of
    :func:`fc_loss`'s run (per noise realisation its dynamic arguments, initial state and history), its target
    and heterogeneity maps."""
    s = structure
    params = expand_point(params, data["scales"], xp=jnp)

    def one_fc(dyn, x0, hist0):
        x, bad = differentiable.samples(s.layout, differentiable.substitute(s.layout, dyn, params), x0, hist0)
        x = x[s.n_drop:]
        if s.band is not None:
            x = analysis_jax.bandpass(x, s.tr, s.band)
        return analysis_jax.fc(x), bad

    if len(data["runs"]) == 1:
        F, bad = one_fc(*data["runs"][0])
    else:  # the mean FC over noise realisations, then the score
        out = [one_fc(*r) for r in data["runs"]]
        F = jnp.mean(jnp.stack([o[0] for o in out]), axis=0)
        bad = jnp.max(jnp.stack([o[1] for o in out]))
    corr, rmse = analysis_jax.fc_fit(F, data["target"], fisher_z=s.fisher_z, check_range=False)  # target_fc warned
    return loss_value(s.loss, corr, rmse), (corr, rmse, F, bad)


#: The loss and its value and gradient, compiled once per :class:`_Structure` (and shapes) and kept in JAX's
#: jit cache, as the engine's ``advance`` is: a second fit of the same structure, with other starting values,
#: another target FC or another noise key, compiles nothing.
_loss_program = jax.jit(_loss, static_argnames="structure")
_value_and_grad_program = jax.jit(jax.value_and_grad(_loss, has_aux=True), static_argnames="structure")


def _check_bold_moves(monitor, signal, used_ms, period_ms):
    """Refuse a BOLD signal that is zero at all but fewer than 3 of the samples the loss uses.

    ``Bold(baseline="rest")`` drives the balloon with nothing until ``rest_after`` (it learns the resting level
    first), so every sample stamped at or before it is exactly 0: a run that ends there has a NaN FC, a NaN loss
    and a gradient of exactly 0 (the samples do not depend on the parameters), which a descent does not leave.
    """
    if getattr(monitor, "baseline_mode", None) != "rest":
        return
    rest = float(monitor.rest_after)
    moving = int(np.sum(used_ms > rest * (1 + 1e-12)))
    if moving < 3:
        raise FitError(
            f"{signal!r} is 0 until rest_after = {rest:g} ms (Bold(baseline='rest') drives the balloon only once "
            f"it knows the source's resting level), and {moving} of the {used_ms.size} samples the loss uses are "
            f"stamped after it; an FC needs at least 3 that move (all zero: a NaN loss and a gradient of 0). "
            f"Simulate longer (duration >= {rest + 3 * period_ms:g} ms), or pass an earlier "
            f"Bold(rest_after=...) or baseline='initial'.")


def _check_point(params, book, run):
    """The names and shapes of ``objective(params)`` (known under ``jit``/``vmap`` too), checked before the
    engine substitutes them: a value of another length failed inside with JAX's 'Incompatible types for
    broadcasting', a name the objective cannot substitute ('speed', 'seed') was silently ignored (its gradient
    0), and a noise amplitude on a state without noise failed with "'r' is not in list"."""
    if not isinstance(params, dict):
        raise FitError(f"objective(params) takes a dict {{name: value}} like the params fc_loss returns; got "
                       f"{type(params).__name__}.")
    n = run.connectome.n_regions
    for name, value in params.items():
        p = book.lookup(name, FitError, "objective(params): unknown parameter {name!r}; choose from the {choices}.")
        label = f"objective(params)[{name!r}]"
        book.check_not_static(p, label, FitError)
        if not p.differentiable:
            fix = "key=..." if name == "seed" else f"{name}=..."
            raise FitError(
                f"{label}: {name!r} is not a differentiable parameter (it changes integer delays or the random "
                f"key), and the objective would ignore its value. Build one objective per value, "
                f"fc_loss(..., {fix}), or sweep it with bn.sweep / fit it with bn.fit_grid.")
        book.check_noise_row(p, run, FitError, label)
        shape = tuple(jnp.shape(value))
        if shape not in (((), (n,)) if p.per_region else ((),)):
            takes = f"a scalar or one value per region ({n},)" if p.per_region else "a scalar"
            raise FitError(f"objective(params): {name!r} has shape {shape}; it takes {takes}.")


def fit_gradient(model, connectome=None, empirical_fc=None, *, init, steps=30, learning_rate=0.05, optimizer=None,
                 loss="corr+rmse", bounds=None, signal="bold", discard=0.0, band=True, fisher_z=False,
                 checkpoint=True, seeds=None, heterogeneity=None, progress=None, **options) -> xr.Dataset:
    r"""Fit parameters to an empirical FC by gradient descent through the simulation.

    The loss :math:`L(\theta)` of the FC of ``signal`` (after dropping
    ``discard`` s and band-passing, :mod:`brainnet_cb.analysis.jax_twins`) against
    the target is differentiated with :func:`jax.value_and_grad` through the
    compiled scan (checkpointed per top-level monitor period), and ``optax``
    updates :math:`\theta`, which is then projected onto ``bounds``:

    .. math:: \theta_{k+1} = \Pi_{[l, h]}\big(\theta_k + \mathrm{opt}(\nabla_\theta L(\theta_k))\big).

    ``fit_gradient(spec, empirical_fc, init=...)`` with a
    :class:`~brainnet_cb.Simulation`, or ``fit_gradient(model, connectome,
    empirical_fc, init=..., duration=..., **options)`` with its fields as options.

    Parameters
    ----------
    model, connectome
        As in :func:`~brainnet_cb.simulate` (or a whole spec as ``model``;
        then ``empirical_fc`` is the second argument).
    empirical_fc : xarray.DataArray, pandas.DataFrame or array_like (n, n)
        The target FC (aligned to the connectome by label when labelled:
        a DataArray with labelled dims, a DataFrame with region labels),
        every pair present (:func:`~brainnet_cb.fit_grid` and
        :func:`~brainnet_cb.fit_working_point` take missing pairs, NaN).
    init : dict
        Parameters to fit and their starting values: any differentiable name
        of the parameter book (:mod:`brainnet_cb.simulation.parameters`): a field of the
        coupling (``"G"``), a model parameter (``"eta"``, a plug-in model's
        own), ``"noise_<state>"`` or a heterogeneity scale ``"<field>_scale"``
        (with ``heterogeneity``); a scalar fits one global value, an ``(n,)``
        array one value per region. Several names are fitted together.
    **options
        The run options, fields of :class:`~brainnet_cb.Simulation`
        (``duration``, ``dt``, ``coupling``, ``noise``, ``key``, ...);
        ``duration`` a whole multiple of the longest monitor period. Without
        ``monitors``: ``[Bold(tr=2000 ms)]``
        (:func:`~brainnet_cb.simulation.spec.default_monitors` ``("fc")``).
    steps : int, default 30
        Gradient evaluations (the last one is not followed by an update).
    learning_rate : float, default 0.05
        Of the default optimiser ``optax.adam``.
    optimizer : optax.GradientTransformation, optional
        Any optax optimiser (overrides ``learning_rate``).
    loss : {"corr+rmse", "corr", "rmse"}
        :math:`1 - \rho + \mathrm{RMSE}`, :math:`1 - \rho` or RMSE.
    bounds : dict, optional
        ``{name: (low, high)}``; default the parameter book's bounds (the
        model's ``param_ranges``, ``G >= 0``, noise ``>= 0``), which are also
        the domain: bounds reaching outside it are refused; ``None`` for an
        end is the domain's own.
    signal, discard, band, fisher_z
        The output to correlate, the transient to drop (s), the band-pass
        (Hz; ``True`` = 0.01–0.1) and the Fisher transform, as in
        :func:`~brainnet_cb.fc` / :func:`~brainnet_cb.fc_fit`.
    checkpoint : bool, default True
        Rematerialise each top-level period in the backward pass.
    seeds : sequence of int, optional
        Noise realisations: the loss is that of the mean FC over them (each
        one differentiable run; compile time and cost grow with their number).
        Default: the one realisation of ``key``.
    heterogeneity : {None, "strength"}, array (n,) or dict, optional
        A per-region map for ``eta`` (or ``{field: map}``), z-scored, as in
        :func:`~brainnet_cb.fit_grid`: ``"<field>_scale"`` :math:`a` becomes
        fittable, :math:`f_i = f_0 + a\,m_i`.
    progress : bool, optional
        Progress bar over steps (default: on a terminal or in a Jupyter notebook).

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
        optimiser or steps; a target whose correlation is undefined (one
        value at every pair) with a loss that scores it (``loss="rmse"``
        takes it); a run that diverges during the fit.

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
    import optax  # noqa: PLC0415 - imported when a fit runs, not with the package

    t0 = time.perf_counter()
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 1:
        raise FitError(f"steps must be a positive integer; got {steps!r}.")
    _, params, problem, (data, structure) = _fc_loss(
        model, connectome, empirical_fc, init=init, loss=loss, signal=signal, discard=discard, band=band,
        fisher_z=fisher_z, checkpoint=checkpoint, seeds=seeds, heterogeneity=heterogeneity, **options)
    run, kinds, emp, values = problem["run"], problem["kinds"], problem["empirical_fc"], problem["values"]
    discard_s = to_seconds(discard, "discard")
    lims = fit_bounds(bounds, values, problem["parameters"], problem["book"])
    opt_name = f"optax.adam({learning_rate!r})" if optimizer is None else type(optimizer).__name__
    if optimizer is None:
        if not (isinstance(learning_rate, (int, float, np.floating)) and learning_rate > 0):
            raise FitError(f"learning_rate must be a number > 0; got {learning_rate!r}.")
        optimizer = optax.adam(float(learning_rate))
    if not (hasattr(optimizer, "init") and hasattr(optimizer, "update")):
        raise FitError(f"optimizer must be an optax.GradientTransformation (e.g. optax.adam(0.05)); got {optimizer!r}.")
    def grad_fn(params):
        return _value_and_grad_program(params, data, structure=structure)

    opt_state = optimizer.init(params)
    path = {k: [] for k in params}
    losses, corrs, rmses = [], [], []
    best = (np.inf, None, None, -1)
    bar = progress_bar(progress, steps, "fit")
    try:
        for it in range(steps):
            (value, (corr, rmse, F, bad)), grads = grad_fn(params)
            value = float(value)
            for k in params:
                path[k].append(np.asarray(params[k]))
            if not np.isfinite(value) or int(bad) >= 0 or not all(np.all(np.isfinite(g)) for g in grads.values()):
                where = ", ".join(f"{k}={np.asarray(v).round(6).tolist()}" for k, v in params.items())
                when = (f" (its state is not finite from t = {int(bad) * run.dt:g} ms, step {int(bad)})"
                        if int(bad) >= 0 else " (its state stayed finite: the FC is undefined, e.g. a region's "
                        "signal is constant, or the gradient is not finite)")
                raise FitError(
                    f"the run diverged (or its FC is undefined) at iteration {it} with {where}{when}; loss={value}. "
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
    finally:  # the stop button too: a bar left open pushed every later bar a line down
        if bar is not None:
            bar.close()
    attrs = {k: v for k, v in run.attrs.items() if k != "title"}
    attrs.update(title="brainnet_cb gradient fit", fitted=json.dumps(list(params)), loss=loss,
                 seeds=describe_seeds(problem["seeds"]),
                 optimizer=opt_name, steps=int(steps),
                 best_loss=best[0], best_iteration=int(best[3]), signal=signal, discard_s=discard_s,
                 band_hz=json.dumps(None if band is None else list(BOLD_BAND if band is True else band)),
                 checkpoint=int(bool(checkpoint)), wall_s=time.perf_counter() - t0)
    extra = {}
    for field, m in problem["book"].maps.items():
        extra[f"{field}_map"] = ("region", m, {"long_name": f"heterogeneity map of {field} (z-scored)"})
        eff = problem["book"].expand(best[1])
        if field in eff:
            extra[f"{field}_effective"] = ("region", np.broadcast_to(np.asarray(eff[field]), (m.size,)),
                                           {"long_name": f"best per-region {field} = {field} + {field}_scale * map"})
    return result_dataset(list(params), kinds, path, losses, corrs, rmses, best[1], best[2], emp, run, attrs, extra,
                          problem["book"], problem["spec"])
