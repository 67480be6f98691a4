r"""Neural source signals that drive the observation models (BOLD, EEG, MEG).

A source is a per-region signal computed from the observables of one step:
any state variable of the model (``"r"``, ``"v"``), the long-range input
``"coupling"``, or a derived quantity:

- ``"synaptic_current"``: :math:`I_\mathrm{syn} = k \pi r (v_\mathrm{syn} - v)`,
  the conductance-based synaptic current of the Coombes–Byrne model (needs a
  model with states ``r``, ``v`` and parameters ``k``, ``v_syn``);
- ``"eeg_source"``: the linear combination of states a model declares in
  ``NodeModel.eeg_source`` (e.g. ``y1 - y2`` for Jansen–Rit).

A BOLD, EEG or MEG output names its source in the variable attribute
``source_variable`` (EEG/MEG also ``source_units``). Older files (brainnet_cb
0.1.0) called it ``source``, the name CF gives to the method of production of
the data (the global ``source``, ``"brainnet_cb 0.1.0 (jax ...)"``);
:func:`source_variable` reads both.
"""

from __future__ import annotations

import jax.numpy as jnp

from ..errors import MonitorError
from .base import COUPLING

__all__ = ["DERIVED_SOURCES", "SOURCE_ATTR", "check_source", "default_eeg_source", "source_signal", "source_units",
           "source_variable"]

#: The output attribute naming a BOLD / EEG / MEG output's source (``source`` in files of brainnet_cb 0.1.0).
SOURCE_ATTR = "source_variable"


def source_variable(da):
    """The source (``"r"``, ``"v"``, ``"eeg_source"``, ...) a BOLD, EEG or MEG output was computed from.

    Reads the ``source_variable`` attribute, or in a file written before it was so named (brainnet_cb 0.1.0)
    the ``source`` attribute of a variable a monitor wrote (it has a ``monitor`` attribute; ``source`` elsewhere,
    e.g. on an empirical FC, is where the data came from, as in CF). None when neither is there.

    Parameters
    ----------
    da : xarray.DataArray or xarray.Dataset
        A variable of a run's Dataset (``ds.bold``, ``ds.eeg``), or anything
        with ``attrs``.

    Returns
    -------
    str or None
        The source: a state variable, ``"coupling"``, ``"synaptic_current"``
        or ``"eeg_source"`` (see the module docstring for their equations).

    Examples
    --------
    >>> import xarray as xr
    >>> source_variable(xr.DataArray(0.0, attrs={"source_variable": "r"}))
    'r'
    >>> source_variable(xr.DataArray(0.0, attrs={"monitor": "Bold(...)", "source": "v"}))  # an old file
    'v'
    """
    attrs = getattr(da, "attrs", {})
    if SOURCE_ATTR in attrs:
        return attrs[SOURCE_ATTR]
    return attrs.get("source") if "monitor" in attrs else None


def _synaptic_current(obs, model):
    return model.k * jnp.pi * obs["r"] * (model.v_syn - obs["v"])


def _has_synaptic_current(model):
    return all(v in model.states for v in ("r", "v")) and all(hasattr(model, p) for p in ("k", "v_syn"))


def _declared_eeg_source(obs, model):
    return sum(c * obs[s] for s, c in model.eeg_source.items())


#: Derived sources: name -> (function(obs, model), available(model), long name)
DERIVED_SOURCES = {
    "synaptic_current": (_synaptic_current, _has_synaptic_current, "synaptic current k pi r (v_syn - v)"),
    "eeg_source": (
        _declared_eeg_source,
        lambda model: bool(getattr(model, "eeg_source", None)),
        "the model's declared EEG source (sum of eeg_source[s] * s)",
    ),
}


def _available(model):
    names = list(model.states) + [COUPLING]
    names += [name for name, (_, available, _) in DERIVED_SOURCES.items() if available(model)]
    return tuple(names)


def default_eeg_source(model) -> str:
    """``"eeg_source"`` if the model declares one (``NodeModel.eeg_source``), else ``"v"``."""
    return "eeg_source" if getattr(model, "eeg_source", None) else "v"


def check_source(name, model, owner: str) -> str:
    """Return ``name`` if ``model`` provides that source, else raise :class:`MonitorError`."""
    valid = _available(model)
    if name not in valid:
        raise MonitorError(
            f"{owner} cannot use the source {name!r} with {type(model).__name__}; "
            f"choose one of {valid}."
        )
    return name


def source_signal(name, obs, model):
    """The source ``name`` (shape ``(n,)``) from one step's observables."""
    if name in obs:
        return obs[name]
    return DERIVED_SOURCES[name][0](obs, model)


def _state_unit(model, name) -> str:
    return str(getattr(model, "state_units", {}).get(name, "1"))


def source_units(name, model) -> tuple:
    r"""``(units, long_name)`` of a source, for output attributes.

    ``"synaptic_current"`` (:math:`k \pi r (v_\mathrm{syn} - v)`, ``k`` dimensionless) has the
    units of ``r`` times those of ``v`` (Coombes–Byrne: ``"1/ms"``, a rate of change of ``v``);
    ``"eeg_source"`` those of its states when they share one, else ``"a.u."``.
    """
    if name == "synaptic_current":
        r, v = _state_unit(model, "r"), _state_unit(model, "v")
        return (r if v == "1" else f"({r}) ({v})"), DERIVED_SOURCES[name][2]
    if name == "eeg_source":
        units = {_state_unit(model, s) for s in getattr(model, "eeg_source", {})}
        return (units.pop() if len(units) == 1 else "a.u."), DERIVED_SOURCES[name][2]
    if name == COUPLING:
        return "1", "long-range coupling input"
    return _state_unit(model, name), getattr(model, "long_names", {}).get(name, name)
