"""Per-region inputs labelled by region, put in the connectome's order before a run is validated.

A model or coupling parameter, a noise amplitude, an initial state or a
stimulus field given as a pandas Series or a 1-D xarray DataArray labelled by
region (e.g. a map read from a table in another region order), a TimeSeries
or a history given as a 2-D DataArray with a labelled ``region`` dimension,
and an EEG/MEG gain whose columns are labelled (``regions=``), are reordered
by label to the connectome's regions (:func:`brainnet_cb._checks.by_label`,
:meth:`brainnet_cb.Monitor.aligned_to`); labels naming other regions are
refused. Unlabelled values (numbers, lists, NumPy arrays, a Series with
pandas' default positions) are used by position, as before.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

import numpy as np

from .._checks import by_label
from .._pytree import static_names
from ..errors import CouplingError, ModelError, NoiseError, SimulationError
from ..monitors.base import Monitor

__all__ = ["align_by_label"]


def align_by_label(spec, labels) -> dict:
    """``{field: value}``: the fields of ``spec`` with a labelled per-region value, put in ``labels``' order.

    Only the fields that hold a labelled value are returned (``model``,
    ``coupling``, ``noise``, ``initial_state``, ``stimulus``, ``history``, ``monitors``); an empty dict
    when there is none.
    """
    out = {}
    model = _fields(spec.model, labels, ModelError)
    if model is not None:
        out["model"] = model
    if spec.coupling is not None and dataclasses.is_dataclass(spec.coupling):
        coupling = _fields(spec.coupling, labels, CouplingError)
        if coupling is not None:
            out["coupling"] = coupling
    sigma = getattr(spec.noise, "sigma", None)
    if isinstance(sigma, dict):
        new = _mapping(sigma, labels, "noise amplitude {}", NoiseError)
        if new is not None:
            out["noise"] = spec.noise.replace_sigma(**new)
    if isinstance(spec.initial_state, Mapping):
        new = _mapping(spec.initial_state, labels, "initial_state[{!r}]", ModelError)
        if new is not None:
            out["initial_state"] = new
    stimulus = _stimuli(spec.stimulus, labels)
    if stimulus is not None:
        out["stimulus"] = stimulus
    history = _series_by_label(spec.history, labels, "history")
    if history is not spec.history:
        out["history"] = history
    monitors = _monitors(spec.monitors, labels)
    if monitors is not None:
        out["monitors"] = monitors
    return out


def _monitors(monitors, labels):
    """The monitors with their labelled per-region data in ``labels``' order (:meth:`Monitor.aligned_to`);
    None when none changes."""
    items = (monitors,) if isinstance(monitors, Monitor) else monitors
    if not isinstance(items, (list, tuple)):
        return None  # validate_monitors says what is wrong
    new = [m.aligned_to(labels) if isinstance(m, Monitor) else m for m in items]
    if all(a is b for a, b in zip(new, items)):
        return None
    return new[0] if isinstance(monitors, Monitor) else type(items)(new)


def _mapping(values, labels, what, error):
    new = {k: by_label(v, labels, what.format(k), error) for k, v in values.items()}
    return new if any(new[k] is not values[k] for k in values) else None


def _fields(obj, labels, error, skip=()):
    """``obj`` with its labelled dataclass fields reordered; None when none is labelled."""
    changes, static = {}, static_names(obj)
    for f in dataclasses.fields(obj):
        if f.name in skip or f.name in static:
            continue
        value = getattr(obj, f.name)
        new = by_label(value, labels, f"{type(obj).__name__}.{f.name}", error)
        if new is not value:
            changes[f.name] = new
    return dataclasses.replace(obj, **changes) if changes else None


def _stimuli(stimulus, labels):
    from ..stimulus import Stimulus, TimeSeries  # noqa: PLC0415 - the stimulus classes, only when given

    items = (stimulus,) if isinstance(stimulus, Stimulus) else stimulus
    if not isinstance(items, (list, tuple)) or not all(isinstance(s, Stimulus) for s in items):
        return None  # validate_stimuli says what is wrong
    new = []
    for s in items:
        if isinstance(s, TimeSeries):
            values = _series_by_label(s.values, labels, "TimeSeries values")
            new.append(s if values is s.values else dataclasses.replace(s, values=values))
        elif dataclasses.is_dataclass(s):
            new.append(_fields(s, labels, SimulationError, skip=("port",)) or s)
        else:
            new.append(s)
    if all(a is b for a, b in zip(new, items)):
        return None
    return new[0] if isinstance(stimulus, Stimulus) else type(items)(new)


def _series_by_label(values, labels, what):
    """A series (TimeSeries values, a history): a 2-D DataArray with a labelled ``region`` dimension as
    ``(time, region)`` in the connectome's order; anything else unchanged."""
    dims = getattr(values, "dims", None)
    if type(values).__module__.split(".")[0] != "xarray" or not dims or "region" not in dims:
        return values
    if len(dims) != 2 or "region" not in values.coords:
        return values
    order = by_label(values["region"].copy(data=np.arange(values.sizes["region"])), labels, what, SimulationError)
    return np.asarray(values.transpose(..., "region"), dtype=float)[:, np.asarray(order, dtype=int)]
