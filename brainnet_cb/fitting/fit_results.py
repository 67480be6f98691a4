"""What both fits share: the losses, their choices, and the result Dataset."""

from __future__ import annotations

import dataclasses
import inspect

import numpy as np
import xarray as xr

from ..errors import FitError
from ..simulation.batch import marked_provenance
from ..simulation.spec import Execution, Simulation, check_names

__all__ = ["LOSSES", "OBJECTIVES", "loss_value", "check_choice", "check_options", "result_dataset"]

#: Losses of :func:`~brainnet_cb.fit_gradient` (and the FC ones of :func:`~brainnet_cb.fit_grid`).
LOSSES = ("corr", "rmse", "corr+rmse")
#: Objectives of :func:`~brainnet_cb.fit_grid`.
OBJECTIVES = ("corr", "rmse", "corr+rmse", "fcd_ks", "corr+fcd_ks")


def loss_value(name, corr, rmse, ks=None):
    """The loss ``name`` of FC fit numbers (:math:`1 - \\rho`, RMSE, their sum; the FCD KS distance)."""
    return {"corr": lambda: 1 - corr, "rmse": lambda: rmse, "corr+rmse": lambda: 1 - corr + rmse,
            "fcd_ks": lambda: ks, "corr+fcd_ks": lambda: 1 - corr + ks}[name]()


def check_choice(value, options, name):
    """Refuse ``value`` unless it is one of ``options`` (a :class:`FitError` naming ``name``)."""
    if not isinstance(value, str) or value not in options:
        raise FitError(f"{name} must be one of {list(options)}; got {value!r}.")


def check_options(options, functions, error=FitError, exclude=()):
    """Refuse a keyword that is neither a run option (a field of :class:`~brainnet_cb.Simulation`) nor a
    parameter of ``functions`` (the entry point first; but ``exclude``), with a close match when there is one.

    A misspelt parameter of a sweep or a fit lands in its ``**options``; refused here, it is named as an
    option of that entry point, not as an unknown field of the simulation.
    """
    own = [name for f in functions for name, p in inspect.signature(f).parameters.items()
           if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY) and name not in ("model", "connectome", *exclude)]
    allowed = list(dict.fromkeys(own + ["duration", *Simulation.option_names()]))
    entry = f"bn.{functions[0].__name__}"
    runs = dict.fromkeys((f.name for f in dataclasses.fields(Execution)), "bn.simulate")
    runs.update(dict.fromkeys(("chunk_steps", "progress"), "bn.simulate and bn.simulate_batch"),
                vectorize="bn.simulate_batch", on_divergence="bn.simulate_batch")
    for name in options:  # a knob of a single run or batch: say so, rather than suggest a similar name
        if name in runs and name not in allowed and name not in exclude:
            sizing = " (set the size of its batches with memory= or batch_size=)" if "batch_size" in own else ""
            raise error(f"{entry} does not take {name!r}, an option of {runs[name]}: {entry} runs and summarises "
                        f"its simulations itself{sizing}.")
    check_names(options, allowed, f"{entry} option", error)


def check_int(name, value, low) -> int:
    """``value`` as an int, refused (a :class:`FitError` naming ``name``) unless an integer ``>= low``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        raise FitError(f"{name} must be an integer >= {low}; got {value!r}.")
    return int(value)


def result_dataset(names, kinds, path, losses, corr, rmse, best, fc_best, emp, run, attrs, extra=None, book=None,
                   spec=None):
    """The Dataset both fits return: best parameters, loss/corr/rmse and parameter paths over ``iteration``.

    With the fit's ``spec`` (and ``book``), the provenance attributes (``model_parameters``, ``coupling``,
    ``noise``, ``speed``) give the fitted parameters as ``fitted``, not the starting spec's value or ``batch``.

    With the parameter ``book``, a fitted parameter and its path carry its ``units`` where one is declared
    (:meth:`~brainnet_cb.simulation.parameters.ParameterBook.coordinate_attrs`: ``ms`` for MPR's ``tau``,
    ``1/sqrt(ms)`` for ``noise_v``).
    """
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
        unit = {} if book is None else {u: v for u, v in book.coordinate_attrs(k, "").items() if u == "units"}
        p = np.asarray(path[k])
        data[f"{k}_path"] = (("iteration",) if p.ndim == 1 else ("iteration", "region"), p,
                             {"long_name": f"{k} at each evaluation", **unit})
        b = np.asarray(best[k])
        data[k] = ((), b) if b.ndim == 0 else (("region",), b)
        data[k] = data[k] + ({"long_name": f"best {kinds[k]} parameter {k}", **unit},)
    data.update(extra or {})
    if spec is not None and book is not None:
        attrs = marked_provenance(attrs, names, book, spec, spec.noise, "fitted")
    coords = {"iteration": ("iteration", np.arange(len(losses)), {"long_name": "evaluation of the fit, in order"}),
              "region": ("region", labels, {"long_name": "brain region"}),
              "region_i": ("region_i", labels, {"long_name": "brain region (FC row)"}),
              "region_j": ("region_j", labels, {"long_name": "brain region (FC column)"})}
    return xr.Dataset(data, coords=coords, attrs=attrs)
