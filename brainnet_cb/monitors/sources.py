r"""Neural source signals that drive the observation models (BOLD, EEG, MEG).

A source is a per-region signal computed from the observables of one step:
any state variable of the model (``"r"``, ``"v"``), the long-range input
``"coupling"``, or a derived quantity:

- ``"synaptic_current"``: :math:`I_\mathrm{syn} = k \pi r (v_\mathrm{syn} - v)`,
  the conductance-based synaptic current of the Coombes–Byrne model (needs a
  model with states ``r``, ``v`` and parameters ``k``, ``v_syn``).
"""

from __future__ import annotations

import jax.numpy as jnp

from ..errors import MonitorError
from .base import COUPLING

__all__ = ["DERIVED_SOURCES", "check_source", "source_signal", "source_units"]


def _synaptic_current(obs, model):
    return model.k * jnp.pi * obs["r"] * (model.v_syn - obs["v"])


#: Derived sources: name -> (function(obs, model), required states, required parameters, long name)
DERIVED_SOURCES = {
    "synaptic_current": (
        _synaptic_current,
        ("r", "v"),
        ("k", "v_syn"),
        "synaptic current k pi r (v_syn - v)",
    ),
}


def _available(model):
    names = list(model.states) + [COUPLING]
    for name, (_, states, params, _) in DERIVED_SOURCES.items():
        if all(s in model.states for s in states) and all(hasattr(model, p) for p in params):
            names.append(name)
    return tuple(names)


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


def source_units(name, model) -> tuple:
    """``(units, long_name)`` of a source, for output attributes."""
    if name in DERIVED_SOURCES:
        return "1", DERIVED_SOURCES[name][3]
    if name == COUPLING:
        return "1", "long-range coupling input"
    return model.state_units.get(name, "1"), getattr(model, "long_names", {}).get(name, name)
