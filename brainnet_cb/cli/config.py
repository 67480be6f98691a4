"""Run configurations: one schema for TOML files, the CLI and the Python API.

The schema (:mod:`brainnet_cb.cli.config_schema`) is a tree of frozen
dataclasses. Each field carries, as metadata, its documentation, unit,
allowed range or choices and the Python API argument it maps onto, so that
validation (here), ``brainnet-cb run --print-config`` and the reference in
``docs/cli.md`` all come from one place. A validated configuration becomes a
:class:`~brainnet_cb.Simulation` in :mod:`brainnet_cb.cli.config_build`.

>>> import brainnet_cb as bn
>>> from brainnet_cb.cli.config import RunConfig, loads, dumps
>>> cfg = loads('[coupling]\\nG = 0.8\\n[run]\\nduration = 1000.0')
>>> cfg.coupling.G, cfg.run.duration, cfg.run.dt
(0.8, 1000.0, 0.2)
>>> loads(dumps(cfg)) == cfg
True
>>> loads('[run]\\ndt = -1.0')
Traceback (most recent call last):
...
brainnet_cb.cli.config_schema.ConfigError: run.dt = -1.0 is out of range; allowed: 0 < dt <= 10 (ms)
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import math
import pathlib
import re
import sys

from .config_build import (
    build_connectome,
    build_monitors,
    build_noise,
    build_run,
    build_simulation,
    check_per_region,
    existing_path,
    resolve_path,
)
from .config_schema import (
    NOISE_KEYS,
    NOISE_KINDS,
    ActivitySection,
    BoldSection,
    ConfigError,
    ConnectomeSection,
    CouplingSection,
    EEGSection,
    FitConfig,
    FitSection,
    ModelSection,
    MonitorsSection,
    OutputSection,
    RunConfig,
    RunSection,
    SweepConfig,
    SweepSection,
    range_text,
)

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

__all__ = [
    "ConfigError",
    "RunConfig",
    "SweepConfig",
    "FitConfig",
    "load",
    "loads",
    "dumps",
    "apply_overrides",
    "build_run",
    "build_simulation",
    "build_connectome",
    "build_monitors",
    "build_noise",
    "resolve_path",
    "existing_path",
    "check_per_region",
    "ActivitySection",
    "BoldSection",
    "ConnectomeSection",
    "CouplingSection",
    "EEGSection",
    "FitSection",
    "ModelSection",
    "MonitorsSection",
    "OutputSection",
    "RunSection",
    "SweepSection",
    "range_text",
]


# --- validation ------------------------------------------------------------------------


def _type_name(value):
    return {bool: "boolean", int: "integer", float: "number", str: "string", list: "list",
            dict: "table"}.get(type(value), type(value).__name__)


def _show(value):
    return json.dumps(value) if isinstance(value, (str, bool)) else repr(value)


def _check_number(key, value, meta, name, integer=False):
    ok = isinstance(value, int) if integer else isinstance(value, (int, float))
    if isinstance(value, bool) or not ok:
        want = "an integer" if integer else "a number"
        unit = f" ({meta['unit']})" if meta.get("unit") else ""
        raise ConfigError(f"{key} = {_show(value)} has the wrong type ({_type_name(value)}); "
                          f"expected {want}{unit}")
    value = value if integer else float(value)
    lo, hi = meta.get("lo"), meta.get("hi")
    bad = (not integer and math.isnan(value)) \
        or (lo is not None and (value < lo or (meta["lo_open"] and value == lo))) \
        or (hi is not None and (value > hi or (meta["hi_open"] and value == hi)))
    if bad:
        raise ConfigError(f"{key} = {_show(value)} is out of range; allowed: {range_text(name, meta)}")
    return value


def _check_value(key, value, f):
    meta, name = f.metadata, f.name
    if f.type in ("float", float):
        return _check_number(key, value, meta, name)
    if f.type in ("int", int):
        return _check_number(key, value, meta, name, integer=True)
    if f.type in ("bool", bool):
        if not isinstance(value, bool):
            raise ConfigError(f"{key} = {_show(value)} has the wrong type ({_type_name(value)}); "
                              "expected true or false")
        return value
    if f.type in ("str", str):
        if not isinstance(value, str):
            raise ConfigError(f"{key} = {_show(value)} has the wrong type ({_type_name(value)}); "
                              "expected a string")
        choices = meta.get("choices")
        choices = choices() if callable(choices) else choices
        if choices is not None and value not in choices:
            shown = ", ".join(json.dumps(c) for c in choices)
            raise ConfigError(f"{key} = {_show(value)} is not allowed; allowed: {shown}")
        return value
    if f.type in ("list", list):
        if meta["items"] == "number":
            if not isinstance(value, list) or not value or not all(
                    isinstance(v, (int, float)) and not isinstance(v, bool) for v in value):
                raise ConfigError(f"{key} = {_show(value)} has the wrong type ({_type_name(value)}); "
                                  "expected a non-empty list of numbers")
            return [float(v) for v in value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{key} = {_show(value)} has the wrong type ({_type_name(value)}); "
                              "expected a list of strings")
        return list(value)
    if f.type in ("dict", dict):
        if not isinstance(value, dict):
            raise ConfigError(f"{key} = {_show(value)} has the wrong type ({_type_name(value)}); "
                              "expected a table")
        return dict(value)
    raise TypeError(f"unsupported config field type {f.type!r}")  # pragma: no cover


def _unknown(key, allowed, section):
    close = difflib.get_close_matches(key.rsplit(".", 1)[-1], allowed, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    where = section if section.startswith("[") else (f"[{section}]" if section else "the top level")
    return ConfigError(f"unknown key {key!r}{hint}; allowed keys in {where}: {', '.join(allowed)}")


def _build(cls, data, prefix=""):
    if not isinstance(data, dict):
        raise ConfigError(f"{prefix.rstrip('.')} = {_show(data)} has the wrong type "
                          f"({_type_name(data)}); expected a table")
    fields = {f.name: f for f in dataclasses.fields(cls)}
    for key in data:
        if key not in fields:
            raise _unknown(prefix + key, list(fields), prefix.rstrip("."))
    values = {}
    for key, value in data.items():
        f = fields[key]
        if f.metadata.get("section"):
            values[key] = _build(f.metadata["section"], value, prefix + key + ".")
        else:
            values[key] = _check_value(prefix + key, value, f)
    return cls(**values)


def _number_or_list(key, value):
    if isinstance(value, list):
        if not value or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value):
            raise ConfigError(f"{key} = {_show(value)} has the wrong type (list); expected a number "
                              "or a non-empty list of numbers (one per region)")
        return [float(v) for v in value]
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConfigError(f"{key} = {_show(value)} has the wrong type ({_type_name(value)}); "
                          "expected a number or a list of numbers (one per region)")
    return float(value)


def _check_noise(table: dict, cls, model_name: str, default=None) -> dict:
    """The [noise] table checked: amplitudes per state variable, ``kind`` and (OrnsteinUhlenbeck) ``tau``.

    ``default`` is the configuration's default table (``(model name, table)``): one that names a state
    variable of that model only, left as it was beside another model, is refused as the default it is.
    """
    kind = table.get("kind", "Additive")
    if kind not in NOISE_KINDS:
        raise ConfigError(f"noise.kind = {_show(kind)} is not one of {', '.join(map(json.dumps, NOISE_KINDS))}")
    noise = {"kind": kind} if "kind" in table else {}
    if "tau" in table:
        if kind != "OrnsteinUhlenbeck":
            raise ConfigError('noise.tau is the correlation time of coloured noise; set noise.kind = '
                              '"OrnsteinUhlenbeck" to use it, or remove it for white (Additive) noise')
        tau = table["tau"]
        if isinstance(tau, bool) or not isinstance(tau, (int, float)):
            raise ConfigError(f"noise.tau = {_show(tau)} has the wrong type ({_type_name(tau)}); expected a number")
        if not (0 < tau < math.inf):
            raise ConfigError(f"noise.tau = {_show(tau)} is out of range; allowed: 0 < tau < inf (ms)")
        noise["tau"] = float(tau)
    elif kind == "OrnsteinUhlenbeck":
        raise ConfigError('noise.kind = "OrnsteinUhlenbeck" needs its correlation time: set noise.tau (ms), '
                          "e.g. tau = 2000.0")
    for key, value in table.items():
        if key in NOISE_KEYS:
            continue
        full = f"noise.{key}"
        if key not in cls.states and default is not None and table == default[1]:
            shown = ", ".join(f"{k} = {_toml_value(v)}" for k, v in table.items())
            raise ConfigError(f"the default [noise] table ({shown}) is {default[0]}'s: {key!r} is not a state "
                              f"variable of {model_name} ({', '.join(cls.states)}). Give {model_name} a [noise] "
                              f"table of sigma per state variable (e.g. noise = {{{cls.states[0]} = 0.01}}), or an "
                              "empty one for no noise (noise = {})")
        if key not in cls.states:
            raise _unknown(full, [*NOISE_KEYS, *cls.states],
                           f"[noise] (kind, tau and the state variables of {model_name})")
        value = _number_or_list(full, value)
        arr = value if isinstance(value, list) else [value]
        if any(not (v >= 0) or math.isinf(v) for v in arr):
            raise ConfigError(f"{full} = {_show(value)} is out of range; allowed: 0 <= {key} < inf")
        noise[key] = value
    if kind == "Additive" or any(key not in NOISE_KEYS for key in noise):
        return noise
    raise ConfigError(f'noise.kind = "{kind}" with no amplitude; give sigma per state variable '
                      f"(e.g. v = 0.003), or leave the [noise] table empty for no noise")


def _check_tables(cfg: RunConfig) -> RunConfig:
    """Validate the open tables (model parameters, noise) against the chosen model."""
    from ..nodes import get_model  # noqa: PLC0415 - the engine is not imported by --print-config

    cls = get_model(cfg.model.name)
    params = [f.name for f in dataclasses.fields(cls)]
    checked = {}
    for key, value in cfg.model.parameters.items():
        full = f"model.parameters.{key}"
        if key not in params:
            raise _unknown(full, params, f"[model.parameters] (parameters of {cfg.model.name})")
        value = _number_or_list(full, value)
        lo, hi = cls.param_ranges.get(key, (-math.inf, math.inf))
        arr = value if isinstance(value, list) else [value]
        if any(not (lo <= v <= hi) or math.isnan(v) for v in arr):
            meta = dict(lo=None if lo == -math.inf else lo, hi=None if hi == math.inf else hi,
                        lo_open=False, hi_open=False, unit=None)
            raise ConfigError(f"{full} = {_show(value)} is out of range; allowed: {range_text(key, meta)}")
        checked[key] = value
    default = type(cfg)()
    noise = _check_noise(cfg.noise, cls, cfg.model.name, (default.model.name, default.noise))
    activity = cfg.monitors.activity
    unknown = [v for v in activity.variables if v not in (*cls.states, "coupling")]
    if unknown:
        raise ConfigError(f"monitors.activity.variables = {_toml_value(activity.variables)} names "
                          f"{', '.join(map(repr, unknown))}, not a state variable of {cfg.model.name}; choose from "
                          f"{', '.join(map(json.dumps, (*cls.states, 'coupling')))} (or [] for all)")
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
    if isinstance(cfg, SweepConfig):
        grid = {}
        for key, value in cfg.sweep.grid.items():
            ok = isinstance(value, list) and value and all(
                isinstance(v, (int, float)) and not isinstance(v, bool)
                or isinstance(v, list) and all(isinstance(w, (int, float)) and not isinstance(w, bool) for w in v)
                for v in value)
            if not ok:
                raise ConfigError(f"sweep.grid.{key} = {_show(value)} has the wrong type ({_type_name(value)}); "
                                  "expected a non-empty list of numbers (or of per-region lists)")
            grid[key] = value
        if not grid:
            raise ConfigError("sweep.grid is empty; name at least one parameter, e.g. G = [0.5, 1.0]")
        cfg = dataclasses.replace(cfg, sweep=dataclasses.replace(cfg.sweep, grid=grid))
    return cfg


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
                               f"{', '.join(names)}")
    close = difflib.get_close_matches(name, names, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return ConfigError(f"{shown} is not a parameter of the run{hint}; choose a parameter of {cfg.model.name}, of "
                       f"the {cfg.coupling.kind} coupling, speed, seed or noise_<state>: {', '.join(names)}")


def from_dict(data: dict, cls=RunConfig):
    """Build and validate a configuration from a (TOML-parsed) dict."""
    command = {SweepConfig: "sweep", FitConfig: "fit"}.get(cls, "run")
    for table in ("sweep", "fit"):
        if isinstance(data, dict) and table in data and table != command:
            raise ConfigError(f"unknown key {table!r}: a [{table}] table is read by `brainnet-cb {table}`, not "
                              f"`brainnet-cb {command}`; give this file to `brainnet-cb {table}`, or remove the "
                              f"[{table}] table")
    model = data.get("model")
    if isinstance(model, dict) and "name" in model and "parameters" not in model:
        # Another model without its own table: that model's defaults, not Coombes-Byrne's.
        data = {**data, "model": {**model, "parameters": {}}}
    return _check_tables(_build(cls, data))


def loads(text: str, cls=RunConfig, source: str = "config"):
    """Parse and validate TOML text."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"{source} is not valid TOML: {err}") from None
    return from_dict(data, cls)


def load(path, cls=RunConfig):
    """Read and validate a TOML configuration file.

    Parameters
    ----------
    path : str or pathlib.Path
        The TOML file (UTF-8 text, as TOML requires; a leading byte-order mark is dropped).
    cls : type, optional
        The configuration class: :class:`RunConfig`, :class:`SweepConfig` or :class:`FitConfig`.

    Returns
    -------
    RunConfig, SweepConfig or FitConfig
        The validated configuration.

    Raises
    ------
    ConfigError
        The path is missing or a folder, the file is not UTF-8 text or not valid TOML, or a key or value is
        refused (the message starts with the file's path).
    """
    p = pathlib.Path(path)
    how = "`brainnet-cb run --print-config > run.toml`"
    if p.is_dir():
        raise ConfigError(f"config file {str(p)!r} is a folder; give a TOML file, e.g. one written by {how}")
    if not p.is_file():
        raise ConfigError(f"config file {str(p)!r} does not exist; write one with {how}")
    try:
        text = p.read_bytes().decode("utf-8-sig")  # a byte-order mark (Windows editors) is dropped
    except UnicodeDecodeError as err:
        raise ConfigError(f"config file {str(p)!r} is not UTF-8 text (byte {err.start}), so not a TOML file; "
                          f"give a TOML file, e.g. one written by {how}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"{p}: not valid TOML: {err}") from None
    try:
        return from_dict(data, cls)
    except ConfigError as err:
        line = key_line(text, _key_of(str(err)))
        raise ConfigError(f"{p}:{line}: {err}" if line else f"{p}: {err}") from None


def _key_of(message: str) -> str:
    """The configuration key a refusal starts with (``unknown key 'run.dt'``, ``run.dt = ...``), or ``""``."""
    match = re.match(r"unknown key '([^']*)'|([A-Za-z_][\w.-]*)(?: =|:| is | has )", message)
    return (match.group(1) or match.group(2) or "") if match else ""


def key_line(text: str, key: str) -> int:
    """The line (from 1) of TOML ``text`` that sets dotted ``key``, or 0 where none does.

    The line of the deepest table header or ``name = value`` whose full dotted
    name is ``key`` or holds it (``grid = {G = [...]}`` holds ``sweep.grid.G``;
    a key the file does not set, e.g. a default, has no line).

    >>> key_line('[run]\\nduration = 5.0\\n[sweep]\\ngrid = {G = [1.0]}\\n', 'sweep.grid.G')
    4
    """
    if not key:
        return 0
    best, depth, table = 0, 0, ""
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        header = re.fullmatch(r"\[\[?\s*([A-Za-z_\"'][\w\-.\"' ]*?)\s*\]\]?\s*(#.*)?", line)  # not an array's row
        if header:
            table = _dotted(header.group(1))
            name = table
        else:
            assign = re.match(r"([A-Za-z0-9_\-.\"' ]+?)\s*=", line)
            if not assign:
                continue
            name = ".".join(filter(None, (table, _dotted(assign.group(1)))))
        if (name == key or key.startswith(name + ".")) and name.count(".") + 1 > depth:
            best, depth = number, name.count(".") + 1
    return best


def _dotted(name: str) -> str:
    """A TOML key as written (``a . "b"``) as a plain dotted name (``a.b``)."""
    return ".".join(part.strip().strip("\"'") for part in name.split("."))


def _parse_value(text):
    try:
        return tomllib.loads(f"x = {text}")["x"]
    except tomllib.TOMLDecodeError:
        return text  # a bare word is a string


def apply_overrides(cfg, overrides, cls=None):
    """Apply ``KEY=VALUE`` overrides (``coupling.G=0.8``; values in TOML syntax) and revalidate."""
    cls = cls or type(cfg)
    data = as_dict(cfg)
    for item in overrides:
        if "=" not in item:
            raise ConfigError(f"--set {item!r}: expected KEY=VALUE, e.g. --set coupling.G=0.8")
        key, text = item.split("=", 1)
        parts = key.strip().split(".")
        node = data
        for part in parts[:-1]:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise ConfigError(f"--set {item!r}: {part!r} is not a table")
        node[parts[-1]] = _parse_value(text.strip())
        if parts[:2] == ["model", "name"] and len(parts) == 2:
            data["model"]["parameters"] = {}
    return from_dict(data, cls)


def as_dict(cfg) -> dict:
    """The configuration as plain nested dicts (what TOML holds)."""
    return json.loads(json.dumps(dataclasses.asdict(cfg)))


# --- TOML output -----------------------------------------------------------------------


def _toml_value(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, (int, str)):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise TypeError(f"cannot write {value!r} as TOML")  # pragma: no cover


def _comment(f):
    meta = f.metadata
    text = meta["doc"]
    extra = []
    if meta.get("unit"):
        extra.append(f"unit: {meta['unit']}")
    if meta.get("lo") is not None or meta.get("hi") is not None:
        extra.append("range: " + range_text(f.name, {**meta, "unit": None}))
    choices = meta.get("choices")
    if meta.get("shown"):
        extra.append(("one of: " if choices is not None else "allowed: ") + meta["shown"])
    elif choices is not None:
        choices = choices() if callable(choices) else choices
        extra.append("one of: " + ", ".join(json.dumps(c) for c in choices))
    if meta.get("api"):
        extra.append(f"API: {meta['api']}")
    lines = [f"# {text}"]
    if extra:
        lines.append("#   " + "; ".join(extra))
    return lines


def _dump(obj, prefix, out):
    scalars = [f for f in dataclasses.fields(obj) if not f.metadata.get("section") and f.type not in ("dict", dict)]
    tables = [f for f in dataclasses.fields(obj) if f.metadata.get("section") or f.type in ("dict", dict)]
    for f in scalars:
        out.extend(_comment(f))
        out.append(f"{f.name} = {_toml_value(getattr(obj, f.name))}")
    for f in tables:
        name = prefix + f.name
        value = getattr(obj, f.name)
        out.append("")
        if f.metadata.get("section"):
            if any(not g.metadata.get("section") for g in dataclasses.fields(value)):
                out.append(f"[{name}]  # {f.metadata['doc']}")
            _dump(value, name + ".", out)
        else:
            out.extend(_comment(f))
            out.append(f"[{name}]")
            for k, v in value.items():
                out.append(f"{k} = {_toml_value(v)}")


def dumps(cfg) -> str:
    """The configuration as commented TOML (what ``--print-config`` writes)."""
    from .._version import __version__  # noqa: PLC0415

    command = {RunConfig: "run", SweepConfig: "sweep", FitConfig: "fit"}.get(type(cfg), "run")
    out = [f"# brainnet-cb {command} configuration (brainnet_cb {__version__}).",
           "# Every key maps onto the Python API named in its comment; times in ms, lengths in mm.",
           f"# Use it with: brainnet-cb {command} THIS_FILE.toml"]
    _dump(cfg, "", out)
    return "\n".join(out) + "\n"


def reference_rows(cls=RunConfig, prefix="") -> list:
    """``(key, default, unit, allowed, API, doc)`` rows of every key (the CLI reference)."""
    rows = []
    obj = cls()
    for f in dataclasses.fields(obj):
        key = prefix + f.name
        if f.metadata.get("section"):
            rows.extend(reference_rows(type(getattr(obj, f.name)), key + "."))
            continue
        meta = f.metadata
        allowed = ""
        if meta.get("lo") is not None or meta.get("hi") is not None:
            allowed = range_text(f.name, {**meta, "unit": None})
        elif meta.get("shown"):
            allowed = meta["shown"]
        elif meta.get("choices") is not None:
            ch = meta["choices"]
            allowed = ", ".join(json.dumps(c) for c in (ch() if callable(ch) else ch))
        rows.append((key, _toml_value(getattr(obj, f.name)) if not isinstance(getattr(obj, f.name), dict)
                     else "{" + ", ".join(f"{k} = {_toml_value(v)}" for k, v in getattr(obj, f.name).items()) + "}",
                     meta.get("unit") or "", allowed, meta.get("api") or "", meta["doc"]))
    return rows
