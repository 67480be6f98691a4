"""The open tables of a configuration checked against the chosen model: parameters, noise, grid, fit.

:func:`check_tables` checks ``[model.parameters]`` against the model's
fields and ``param_ranges``, the ``[noise]`` table (kind, tau, one amplitude
per state variable), the recorded variables, and the names a sweep's grid or
a fit varies. It imports the node registry (and, for a sweep or a fit, the
couplings) on first use, so ``--print-config`` loads no engine.
"""

from __future__ import annotations

import dataclasses
import json
import math

from .config_schema import NOISE_KEYS, NOISE_KINDS, ConfigError, FitConfig, RunConfig, SweepConfig
from .config_toml import toml_value
from .config_values import check_items, check_number, closest, closest_names, per_region, show_value, unknown_key


def _amplitudes(table: dict, cls) -> str:
    """The amplitudes of ``table`` that ``cls`` can take (those of its state variables, as set), for a [noise] table
    that replaces one left from the default; ``<first state> = 0.01`` where it has none."""
    kept = [f"{k} = {toml_value(v)}" for k, v in table.items() if k in cls.states]
    return ", ".join(kept) or f"{cls.states[0]} = 0.01"


def _check_noise(table: dict, cls, model_name: str, default=None) -> dict:
    """The [noise] table checked: amplitudes per state variable, ``kind`` and (OrnsteinUhlenbeck) ``tau``.

    ``default`` is the configuration's default table (``(model name, table)``): one that names a state
    variable of that model only, left as it was beside another model, is refused as the default it is.
    """
    kind = table.get("kind", "Additive")
    if kind not in NOISE_KINDS:
        hint = closest_names(kind, NOISE_KINDS) if isinstance(kind, str) else ""
        raise ConfigError(f"noise.kind = {show_value(kind)} is not allowed{hint}; allowed: "
                          f"{', '.join(map(json.dumps, NOISE_KINDS))}.")
    noise = {"kind": kind} if "kind" in table else {}
    if "tau" in table:
        if (kind != "OrnsteinUhlenbeck" and default is not None and "tau" in default[1]
                and set(default[1]) <= set(table) and table["tau"] == default[1]["tau"]):
            raise ConfigError(f"noise.tau = {toml_value(table['tau'])} is left from the default [noise] table "
                              f"(coloured noise; a --set noise.kind adds to it) and has no meaning for "
                              f"kind = {toml_value(kind)}. Replace the whole table, e.g. --set "
                              f"'noise={{kind = {toml_value(kind)}, {_amplitudes(table, cls)}}}' (or a [noise] "
                              "table in the file).")
        if kind != "OrnsteinUhlenbeck":
            raise ConfigError('noise.tau is the correlation time of coloured noise; set noise.kind = '
                              '"OrnsteinUhlenbeck" to use it, or remove it for white (Additive) noise.')
        noise["tau"] = check_number("noise.tau", table["tau"], "tau", {"lo": 0, "lo_open": True, "unit": "ms"})
    elif kind == "OrnsteinUhlenbeck":
        raise ConfigError('noise.kind = "OrnsteinUhlenbeck" needs its correlation time: set noise.tau (ms), '
                          "e.g. tau = 2000.0.")
    for key, value in table.items():
        if key in NOISE_KEYS:
            continue
        full = f"noise.{key}"
        if key not in cls.states and default is not None and table == default[1]:
            shown = ", ".join(f"{k} = {toml_value(v)}" for k, v in table.items())
            raise ConfigError(f"the default [noise] table ({shown}) is {default[0]}'s: {key!r} is not a state "
                              f"variable of {model_name} ({', '.join(cls.states)}). Give {model_name} a [noise] "
                              f"table of sigma per state variable (e.g. noise = {{{cls.states[0]} = 0.01}}), or an "
                              "empty one for no noise (noise = {}).")
        if (key not in cls.states and default is not None and key in default[1]
                and all(table.get(k, math.nan) == v for k, v in default[1].items())):  # the default, added to
            example = ", ".join([*(f"{k} = {toml_value(v)}" for k, v in table.items() if k in NOISE_KEYS),
                                 _amplitudes(table, cls)])
            raise ConfigError(f"{full} = {toml_value(value)} is left from the default [noise] table, which is "
                              f"{default[0]}'s (a --set noise.<state> adds to it): {key!r} is not a state variable "
                              f"of {model_name} ({', '.join(cls.states)}). Replace the whole table, e.g. "
                              f"--set 'noise={{{example}}}' (or a [noise] table in the file).")
        if key not in cls.states:
            raise unknown_key(full, [*NOISE_KEYS, *cls.states],
                           f"[noise] (kind, tau and the state variables of {model_name})")
        noise[key] = per_region(full, value, key, {"lo": 0})
    if kind == "Additive" or any(key not in NOISE_KEYS for key in noise):
        return noise
    raise ConfigError(f'noise.kind = "{kind}" with no amplitude; give sigma per state variable '
                      f"(e.g. v = 0.003), or leave the [noise] table empty for no noise.")


def check_tables(cfg: RunConfig) -> RunConfig:
    """Validate the open tables (model parameters, noise) against the chosen model."""
    from ..nodes import get_model  # noqa: PLC0415 - the engine is not imported by --print-config

    cls = get_model(cfg.model.name)
    params = [f.name for f in dataclasses.fields(cls)]
    checked = {}
    for key, value in cfg.model.parameters.items():
        full = f"model.parameters.{key}"
        if key not in params:
            raise unknown_key(full, params, f"[model.parameters] (parameters of {cfg.model.name})")
        lo, hi = cls.param_ranges.get(key, (-math.inf, math.inf))
        checked[key] = per_region(full, value, key, {"lo": lo, "hi": hi})
    default = type(cfg)()
    noise = _check_noise(cfg.noise, cls, cfg.model.name, (default.model.name, default.noise))
    activity = cfg.monitors.activity
    unknown = [v for v in activity.variables if v not in (*cls.states, "coupling")]
    if unknown:
        raise ConfigError(f"monitors.activity.variables = {toml_value(activity.variables)} names "
                          f"{', '.join(map(repr, unknown))}, not a state variable of {cfg.model.name}; choose from "
                          f"{', '.join(map(json.dumps, (*cls.states, 'coupling')))} (or [] for all).")
    model = dataclasses.replace(cfg.model, parameters=checked)
    cfg = dataclasses.replace(cfg, model=model, noise=noise)
    if isinstance(cfg, (SweepConfig, FitConfig)):
        from ..coupling import Conductance, Diffusive, Linear  # noqa: PLC0415

        coupling = {"Linear": Linear, "Diffusive": Diffusive, "Conductance": Conductance}[cfg.coupling.kind]
        names = [*params, *(f.name for f in dataclasses.fields(coupling)), "speed", "seed",
                 *(f"noise_{s}" for s in cls.states)]
        asked = cfg.sweep.grid if isinstance(cfg, SweepConfig) else (
            [] if cfg.fit.method == "working_point" else [cfg.fit.parameter])
        for key in asked:
            if key not in names:
                raise _parameter_unknown(cfg, key, names)
        if isinstance(cfg, FitConfig):
            _check_fitted(cfg.fit)
    if isinstance(cfg, SweepConfig):
        grid = {}
        for key, value in cfg.sweep.grid.items():
            if value == []:
                raise ConfigError(f"sweep.grid.{key} = [] is empty; give the values to sweep, e.g. "
                                  f"sweep.grid.{key} = [0.5, 1.0].")
            meta, integer = _domain(cfg, cls, key)
            grid[key] = check_items(f"sweep.grid.{key}", value, key, meta, integer=integer,
                                    rows=key not in ("speed", "seed"), distinct=True)
        if not grid:
            raise ConfigError("sweep.grid is empty; name at least one parameter, e.g. G = [0.5, 1.0].")
        cfg = dataclasses.replace(cfg, sweep=dataclasses.replace(cfg.sweep, grid=grid))
    if isinstance(cfg, FitConfig) and cfg.fit.method in ("grid", "gradient"):
        f = cfg.fit
        meta, integer = _domain(cfg, cls, f.parameter)
        if f.method == "grid":
            check_items("fit.values", f.values, f.parameter, meta, distinct=True)  # numbers, as the schema reads them
        elif not integer:  # a seed is refused by the gradient itself (it has no derivative)
            check_number("fit.initial", f.initial, f.parameter, meta)
    return cfg


def _check_fitted(f) -> None:
    """Refuse a fitted parameter the method cannot fit: the seed (by any method), the speed by gradient (they
    change the random numbers or the integer delays; the fit found it only after compiling its first program)."""
    if f.method == "working_point":
        return
    if f.parameter == "seed":
        raise ConfigError('fit.parameter = "seed" is the random seed, which no fit can choose (the best seed is the '
                          "luckiest noise, not a better model); set run.seed, or sweep seeds (sweep.grid.seed with "
                          "brainnet-cb sweep) to see how much the results vary.")
    if f.parameter == "speed" and f.method == "gradient":
        raise ConfigError('fit.parameter = "speed" cannot be fitted by gradient (it changes integer delays); set '
                          'fit.method = "grid" to fit it on fit.values.')


def _domain(cfg, model, name) -> tuple:
    """``(range, integer)`` of the values a sweep or a fit gives the run parameter ``name``: those of the key that
    sets it for one run (``coupling.G``, ``coupling.speed``, ``run.seed``), the model's ``param_ranges``, a noise
    amplitude's ``>= 0``; any finite number otherwise (:func:`~brainnet_cb.cli.config_values.check_number`)."""
    keys = {"G": cfg.coupling, "speed": cfg.coupling, "seed": cfg.run}
    if name in keys:
        f = next(f for f in dataclasses.fields(keys[name]) if f.name == name)
        return f.metadata, f.type in ("int", int)
    if name in model.param_ranges:
        lo, hi = model.param_ranges[name]
        return {"lo": lo, "hi": hi}, False
    if name.startswith("noise_"):
        return {"lo": 0}, False
    return {}, False


def _parameter_unknown(cfg, name, names) -> ConfigError:
    """A swept (``sweep.grid``) or fitted (``fit.parameter``) name that no run parameter has, refused by key."""
    key = f"sweep.grid.{name}" if isinstance(cfg, SweepConfig) else "fit.parameter"
    shown = f"{key} = {json.dumps(name)}" if key == "fit.parameter" else key
    for section in ("run", "connectome", "coupling", "monitors", "output"):
        obj = getattr(cfg, section)
        if name in {f.name for f in dataclasses.fields(obj)}:
            return ConfigError(f"{shown}: {section}.{name} is one setting of the whole "
                               f"{'sweep' if isinstance(cfg, SweepConfig) else 'fit'}, not a parameter it can "
                               f"vary; set {section}.{name} instead and run once per value. Parameters: "
                               f"{', '.join(names)}.")
    close = closest(name, names)
    hint = f" (did you mean {close!r}?)" if close else ""
    return ConfigError(f"{shown} is not a parameter of the run{hint}; choose a parameter of {cfg.model.name}, of "
                       f"the {cfg.coupling.kind} coupling, speed, seed or noise_<state>: {', '.join(names)}.")

