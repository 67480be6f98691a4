"""Run configurations: one schema for TOML files, the CLI and the Python API.

The schema (:mod:`brainnet_cb.cli.config_schema`) is a tree of frozen
dataclasses. Each field carries, as metadata, its documentation, unit,
allowed range or choices and the Python API argument it maps onto, so that
validation, ``brainnet-cb run --print-config`` and the reference in
``docs/cli.md`` all come from one place. A validated configuration becomes a
:class:`~brainnet_cb.Simulation` in :mod:`brainnet_cb.cli.config_build`.

This module reads a configuration (a TOML file or text, a dict, ``--set``
overrides) and points a refusal at its line; the checks are in
:mod:`brainnet_cb.cli.config_values` (values against the schema) and
:mod:`brainnet_cb.cli.config_tables` (the tables that depend on the model),
the TOML output in :mod:`brainnet_cb.cli.config_toml`. Their public names are
importable from here.

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
brainnet_cb.cli.config_schema.ConfigError: run.dt = -1.0 is out of range; allowed: 0 < dt <= 10 (ms).
"""

from __future__ import annotations

import codecs
import dataclasses
import json
import pathlib
import re
import shlex
import tomllib
import warnings

from .config_build import (
    BACKSLASH_FIX,
    build_connectome,
    build_monitors,
    build_noise,
    build_run,
    build_simulation,
    check_path_text,
    check_per_region,
    existing_path,
    resolve_path,
    with_absolute_paths,
)
from .config_schema import (
    PRINTED_OUTPUT,
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
    UnusedKeyWarning,
    range_text,
)
from .config_tables import check_tables
from .config_toml import dumps, reference_rows  # noqa: F401 - reference_rows: importable from here as before
from .config_values import build_config, show_value

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
    "with_absolute_paths",
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



def from_dict(data: dict, cls=RunConfig, *, out=None):
    """Build and validate a configuration from a (TOML-parsed) dict; ``out``: as :func:`load` takes it."""
    command = {SweepConfig: "sweep", FitConfig: "fit"}.get(cls, "run")
    for table in ("sweep", "fit"):
        if isinstance(data, dict) and table in data and table != command:
            raise ConfigError(f"unknown key {table!r}: a [{table}] table is read by `brainnet-cb {table}`, not "
                              f"`brainnet-cb {command}`; give this file to `brainnet-cb {table}`, or remove the "
                              f"[{table}] table.")
    data = _without_unused_output(data, cls, command, out)
    model = data.get("model")
    if isinstance(model, dict) and "name" in model and "parameters" not in model:
        # Another model without its own table: that model's defaults, not Coombes-Byrne's.
        data = {**data, "model": {**model, "parameters": {}}}
    return check_path_text(check_tables(build_config(cls, data)))


def _without_unused_output(data, cls, command, out=None):
    """``data`` without the keys of its [output] table that ``command`` (sweep, fit) does not use: the run's
    ``path``, ``regions`` (and a fit's ``figure``), which ``--print-config`` wrote in every sweep and fit
    configuration before this change (brainnet_cb 0.1.0). Each is named: a warning (:class:`UnusedKeyWarning`)
    where it holds the value printed then (:data:`PRINTED_OUTPUT`; a fit's ``figure = false`` too, which asks for
    what the fit does), a :class:`ConfigError` otherwise (the user meant it: a sweep's result does not go to
    ``output.path``). Each names where the result goes: ``out`` (``(where, path)``, the command line's) where given,
    else the ``{command}.path`` of ``data``."""
    output = data.get("output") if isinstance(data, dict) else None
    if command == "run" or not isinstance(output, dict):
        return data
    used = {f.name for f in dataclasses.fields(next(f for f in dataclasses.fields(cls) if f.name == "output")
                                               .metadata["section"])}
    table = data.get(command)
    path = table.get("path") if isinstance(table, dict) and "path" in table else getattr(cls(), command).path
    where, path = out or (f"{command}.path", path)
    goes = f"{where} (now {show_value(path)})"
    kept = {}
    for key, value in output.items():
        full = f"output.{key}"
        if key in used or (used and key not in PRINTED_OUTPUT):
            kept[key] = value  # used, or misspelt (refused by build_config, which names the closest key)
        elif key not in PRINTED_OUTPUT:
            raise ConfigError(f"unknown key {full!r}: brainnet-cb {command} reads no [output] table, and its "
                              f"result goes to {goes}; remove {full}.")
        else:
            _unused_output_key(command, key, value, goes)
    return {**data, "output": kept}


def _unused_output_key(command, key, value, goes) -> None:
    """Warn of, or refuse, the [output] key ``key = value`` that ``command`` does not use
    (:func:`_without_unused_output`); ``goes``: where its result goes, in words."""
    full = f"output.{key}"
    said = (f"{full} is not used by brainnet-cb {command}: " + (
        f"its result goes to {goes}" if key == "path" else
        f"it writes no figure, only its result to {goes}" if command == "fit" else
        "its figure is the heat map of the scores, not regions' activity"))
    printed = PRINTED_OUTPUT[key]
    if (value == printed and type(value) is type(printed)) or (command == "fit" and key == "figure"
                                                               and value is False):
        why = ("is the value an earlier --print-config wrote" if value == printed
               else "asks for no figure, and the fit writes none")
        warnings.warn(f"{said}. {full} = {show_value(value)} {why}, so it is ignored; remove it (brainnet-cb "
                      f"{command} --print-config writes the configuration without it).", UnusedKeyWarning,
                      stacklevel=4)
        return
    if key == "path" and isinstance(value, str) and value.strip():
        fix = (f"to write {show_value(value)}, set {command}.path = {show_value(value)} (or give --out "
               f"{shlex.quote(value)}) "
               f"and remove {full}")
    elif key == "path":
        fix = f"set {command}.path to the NetCDF file to write, and remove {full}"
    else:
        fix = f"remove {full}"
    raise ConfigError(f"{said}. {full} = {show_value(value)} has no effect here: {fix}.")


def loads(text: str, cls=RunConfig, source: str = "config"):
    """Parse and validate TOML text."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        twice = _twice(text, err, source)
        if twice:
            raise twice from None
        raise ConfigError(f"{source} is not valid TOML: {err}.") from None
    return from_dict(data, cls)


def load(path, cls=RunConfig, *, out=None):
    """Read and validate a TOML configuration file.

    Parameters
    ----------
    path : str or pathlib.Path
        The TOML file: UTF-8 text, as TOML requires (a leading byte-order mark is dropped), or UTF-16 with its
        byte-order mark (:func:`config_text`).
    cls : type, optional
        The configuration class: :class:`RunConfig`, :class:`SweepConfig` or :class:`FitConfig`.
    out : tuple of (str, object), optional
        Where the command line sends a sweep's or fit's result instead of the file's ``sweep.path`` or
        ``fit.path``: ``("--out", "x.nc")``, or ``("sweep.path", "x.nc")`` for ``--set sweep.path=x.nc``. The
        warning or refusal of an [output] key the command does not use names it as where the result goes.

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
        raise ConfigError(f"config file {str(p)!r} is a folder; give a TOML file, e.g. one written by {how}.")
    if not p.is_file():
        raise ConfigError(f"config file {str(p)!r} does not exist; write one with {how}.")
    try:
        text = config_text(p.read_bytes())
    except UnicodeDecodeError as err:
        raise ConfigError(f"config file {str(p)!r} is not UTF-8 text (byte {err.start}), so not a TOML file; "
                          f"give a TOML file, e.g. one written by {how}.") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        twice = _twice(text, err, p)
        if twice:
            raise twice from None
        other = {".json": "JSON", ".yaml": "YAML", ".yml": "YAML", ".ini": "INI", ".cfg": "INI"}.get(p.suffix.lower())
        hint = (f"; {p.name} looks like {other}, but a configuration is TOML, e.g. one written by {how}" if other
                else _backslash_hint(text, str(err)))
        raise ConfigError(f"{p}: not valid TOML: {err}{hint}.") from None
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", UnusedKeyWarning)
            cfg = from_dict(data, cls, out=out)
    except ConfigError as err:
        line = key_line(text, _key_of(str(err)))
        raise ConfigError(f"{p}:{line}: {err}" if line else f"{p}: {err}") from None
    finally:
        for w in caught:  # an unused key's warning at its line, as a refusal is; any other as it was
            if issubclass(w.category, UnusedKeyWarning):
                line = key_line(text, _key_of(str(w.message)))
                warnings.warn(f"{p}:{line}: {w.message}" if line else f"{p}: {w.message}", UnusedKeyWarning,
                              stacklevel=2)
            else:
                warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    return cfg


def _backslash_hint(text: str, message: str) -> str:
    """Advice for a TOML error on a line with a backslash in a double-quoted string: a Windows path."""
    at = re.search(r"\(at line (\d+), column \d+\)", message)
    lines = text.splitlines()
    line = lines[int(at.group(1)) - 1] if at and 0 < int(at.group(1)) <= len(lines) else ""
    return f"; {BACKSLASH_FIX}" if re.search(r'"[^"]*\\', line) else ""


def config_text(raw: bytes) -> str:
    """The text of a configuration file: UTF-8, as TOML requires, a leading byte-order mark dropped (Windows
    editors); UTF-16 with its byte-order mark too, what Windows PowerShell 5's ``>`` writes
    (``brainnet-cb run --print-config > run.toml``). Raises :class:`UnicodeDecodeError` for other bytes."""
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return raw.decode("utf-16")
    return raw.decode("utf-8-sig")


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
    best, depth = 0, 0
    for number, name in _names(text):
        if (name == key or key.startswith(name + ".")) and name.count(".") + 1 > depth:
            best, depth = number, name.count(".") + 1
    return best


def _names(text: str):
    """``(line, dotted name)`` of each table header and ``name = value`` line of TOML ``text``."""
    table = ""
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        header = re.fullmatch(r"\[\[?\s*([A-Za-z_\"'][\w\-.\"' ]*?)\s*\]\]?\s*(#.*)?", line)  # not an array's row
        if header:
            table = _dotted(header.group(1))
            yield number, table
            continue
        assign = re.match(r"([A-Za-z0-9_\-.\"' ]+?)\s*=", line)
        if assign:
            yield number, ".".join(filter(None, (table, _dotted(assign.group(1)))))


def _twice(text: str, err: tomllib.TOMLDecodeError, where):
    """The refusal of TOML that sets a key or declares a table twice (tomllib says "Cannot overwrite a value (at
    line 3, column 7)"), at ``where`` (the file), naming the key, both lines and the fix; None for any other TOML
    error."""
    message = str(err)
    at = re.search(r"\(at line (\d+), column \d+\)$", message)
    if not at or not message.startswith(("Cannot overwrite a value", "Cannot declare", "Duplicate inline table key")):
        return None
    line = int(at.group(1))
    names = list(_names(text))
    key = next((name for number, name in names if number == line), "")
    inline = re.match(r"Duplicate inline table key '([^']*)'", message)
    declared = re.match(r"Cannot declare \((.*)\) twice", message)
    if inline:
        key = f"{key}.{inline.group(1)}"
    elif declared:
        key = ".".join(re.findall(r"'([^']*)'", declared.group(1))) or key
    if not key:
        return None
    first = next((number for number, name in names if number < line and (name == key or name.startswith(key + "."))),
                 line)
    lines = f"lines {first} and {line}" if first != line else f"line {line}"
    what, fix = ((f"the table [{key}] is declared", f"keep one [{key}] table, with all its keys") if declared
                 else (f"{key} is set", "keep one of them"))
    return ConfigError(f"{where}:{line}: {what} twice ({lines}); TOML allows it once: {fix}.")


def _dotted(name: str) -> str:
    """A TOML key as written (``a . "b"``) as a plain dotted name (``a.b``)."""
    return ".".join(part.strip().strip("\"'") for part in name.split("."))


def parse_value(text):
    """The value of ``--set KEY=VALUE`` (TOML syntax; a bare word is a string)."""
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
            raise ConfigError(f"--set {item!r}: expected KEY=VALUE, e.g. --set coupling.G=0.8.")
        key, text = item.split("=", 1)
        parts = key.strip().split(".")
        node = data
        for part in parts[:-1]:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise ConfigError(f"--set {item!r}: {part!r} is not a table.")
        node[parts[-1]] = parse_value(text.strip())
        if parts[:2] == ["model", "name"] and len(parts) == 2:
            data["model"]["parameters"] = {}
    return from_dict(data, cls)


def as_dict(cfg) -> dict:
    """The configuration as plain nested dicts (what TOML holds)."""
    return json.loads(json.dumps(dataclasses.asdict(cfg)))

