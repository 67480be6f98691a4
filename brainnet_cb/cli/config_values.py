"""Configuration values checked against the schema: types, ranges, choices, unknown keys.

:func:`build_config` turns a (TOML-parsed) dict into a configuration class of
:mod:`brainnet_cb.cli.config_schema`, checking every value against its
field's metadata; a refusal names the key, the value, its type and what is
allowed (an unknown key: the closest allowed one and the list). Used by
:mod:`brainnet_cb.cli.config` (reading) and :mod:`brainnet_cb.cli.config_tables`.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import math
import re

from .config_schema import ConfigError, range_text
from .config_toml import toml_string


def type_name(value):
    return {bool: "boolean", int: "integer", float: "number", str: "string", list: "list",
            dict: "table"}.get(type(value), type(value).__name__)


def show_value(value):
    """``value`` as TOML writes it (``"text"``, ``true``, ``[1.0, nan]``, ``{a = 1}``), as the file has it."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k if re.fullmatch(r'[A-Za-z0-9_-]+', k) else json.dumps(k)} = {show_value(v)}"
                               for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(map(show_value, value)) + "]"
    if isinstance(value, str):
        return toml_string(value)  # an emoji as \U0001f9e0, which TOML reads (not JSON's surrogate pair)
    return json.dumps(value) if isinstance(value, bool) else repr(value)


def bounds(lo=None, hi=None, lo_open=False, hi_open=False, unit=None, **_) -> dict:
    """A range as :func:`range_text` writes it, a missing (or infinite) bound as an open infinite one: every
    configured number is finite (TOML's ``inf`` and ``nan`` are refused), so ``-inf < eta < inf``."""
    lo, hi = (-math.inf if lo is None else lo), (math.inf if hi is None else hi)
    return dict(lo=lo, hi=hi, lo_open=lo_open or math.isinf(lo), hi_open=hi_open or math.isinf(hi), unit=unit)


def outside(value: float, meta: dict) -> bool:
    """Whether ``value`` is not a finite number within the range ``meta`` (:func:`bounds`)."""
    return (not math.isfinite(value) or value < meta["lo"] or (meta["lo_open"] and value == meta["lo"])
            or value > meta["hi"] or (meta["hi_open"] and value == meta["hi"]))


def _is_number(value, integer=False) -> bool:
    return not isinstance(value, bool) and isinstance(value, int if integer else (int, float))


def check_number(key, value, name, meta=None, integer=False):
    """The one check of a configured number: its type (an integer where ``integer``; a boolean, which Python
    counts as an integer, refused), finite and within the range ``meta`` (``lo``, ``hi``, ``lo_open``, ``hi_open``,
    ``unit``; a missing bound: any finite number). ``name`` is the range's variable (``dt`` in ``0 < dt <= 10``).
    Returns the number (a float unless ``integer``)."""
    meta = bounds(**(meta or {}))
    if not _is_number(value, integer):
        want = "an integer" if integer else "a number"
        unit = f" ({meta['unit']})" if meta.get("unit") else ""
        raise ConfigError(f"{key} = {show_value(value)} has the wrong type ({type_name(value)}); "
                          f"expected {want}{unit}.")
    value = value if integer else float(value)
    if outside(value, meta):
        raise ConfigError(f"{key} = {show_value(value)} is out of range; allowed: {range_text(name, meta)}.")
    return value


def check_items(key, values, name, meta=None, integer=False, rows=False, distinct=False):
    """A list of configured numbers (``rows``: a number or a list of them per item, one value per region), each
    checked as :func:`check_number` checks one; ``distinct``: no value twice (a grid's). The refusal shows the
    list and names the item that is wrong."""
    kind = "integers" if integer else "numbers"
    want = f"a non-empty list of {kind}" + (" (or of per-region lists)" if rows else "")
    if not isinstance(values, list) or not values:
        if values == []:
            example = "[1, 2]" if integer else "[0.5, 1.0]"
            raise ConfigError(f"{key} = [] is empty; expected {want}, e.g. {key} = {example}.")
        raise ConfigError(f"{key} = {show_value(values)} has the wrong type ({type_name(values)}); expected {want}.")
    flat = [w for v in values for w in (v if rows and isinstance(v, list) and v else [v])]
    if not all(_is_number(v, integer) for v in flat):
        wrong = next(v for v in flat if not _is_number(v, integer))
        raise ConfigError(f"{key} = {show_value(values)} holds {show_value(wrong)} ({type_name(wrong)}); "
                          f"expected {want}.")
    meta = bounds(**(meta or {}))
    for v in flat:
        if outside(v, meta):
            what = "out of range" if math.isfinite(v) else "not a finite number"
            raise ConfigError(f"{key} = {show_value(values)} holds {show_value(v)}, which is {what}; allowed: "
                              f"{range_text(name, meta)}.")
    if distinct:  # as numbers: 1 and 1.0 are one value (seeds as integers, which floats would round)
        same = [json.dumps(v if integer else [float(w) for w in v] if isinstance(v, list) else float(v))
                for v in values]
        twice = next((v for i, v in enumerate(values) if same[i] in same[:i]), None)
        if twice is not None:
            raise ConfigError(f"{key} = {show_value(values)} holds {show_value(twice)} twice; give each value once.")
    return values


def _check_value(key, value, f):
    meta, name = f.metadata, f.name
    if f.type in ("float", float):
        return check_number(key, value, name, meta)
    if f.type in ("int", int):
        return check_number(key, value, name, meta, integer=True)
    if f.type in ("bool", bool):
        if not isinstance(value, bool):
            raise ConfigError(f"{key} = {show_value(value)} has the wrong type ({type_name(value)}); "
                              "expected true or false.")
        return value
    if f.type in ("str", str):
        if not isinstance(value, str):
            raise ConfigError(f"{key} = {show_value(value)} has the wrong type ({type_name(value)}); "
                              "expected a string.")
        choices = meta.get("choices")
        choices = choices() if callable(choices) else choices
        if choices is not None and value not in choices:
            shown = ", ".join(json.dumps(c) for c in choices)
            hint = _closest_atlas(value, choices) if name == "atlas" else closest_names(value, choices)
            raise ConfigError(f"{key} = {show_value(value)} is not allowed{hint}; allowed: {shown}.")
        return value
    if f.type in ("list", list):
        if meta["items"] == "number":
            if value == []:
                raise ConfigError(f"{key} = [] is empty; expected a non-empty list of numbers, e.g. "
                                  f"{key} = [0.5, 1.0].")
            if not isinstance(value, list) or not all(
                    isinstance(v, (int, float)) and not isinstance(v, bool) for v in value):
                raise ConfigError(f"{key} = {show_value(value)} has the wrong type ({type_name(value)}); "
                                  "expected a non-empty list of numbers.")
            bad = [v for v in value if not math.isfinite(v)]  # TOML's nan, inf
            if bad:
                raise ConfigError(f"{key} = {show_value(value)} holds {show_value(bad[0])}, which is not a finite "
                                  "number; expected a non-empty list of finite numbers.")
            return [float(v) for v in value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{key} = {show_value(value)} has the wrong type ({type_name(value)}); "
                              "expected a list of strings.")
        return list(value)
    if f.type in ("dict", dict):
        if not isinstance(value, dict):
            raise ConfigError(f"{key} = {show_value(value)} has the wrong type ({type_name(value)}); "
                              "expected a table.")
        return dict(value)
    raise TypeError(f"unsupported config field type {f.type!r}")  # pragma: no cover


def closest(value, choices):
    """The allowed name ``value`` most likely misspells (another case first, then the closest spelling), or None."""
    same = [c for c in choices if c and c.lower() == value.lower()]
    close = same or difflib.get_close_matches(value, [c for c in choices if c], n=1)
    return close[0] if close else None


def closest_names(value, choices) -> str:
    """`` (did you mean "X"?)`` for a misspelt choice (:func:`closest`), else ``""``."""
    close = closest(value, choices)
    return f" (did you mean {json.dumps(close)}?)" if close else ""


def _closest_atlas(value, choices) -> str:
    """:func:`closest_names` for an atlas name: names count regions, so ``"tvb67"`` means ``tvb66`` or ``tvb68``."""
    from ..data.atlases import closest_atlases  # noqa: PLC0415 - the data layer, on a refusal only

    close = closest_atlases(value, choices)
    return f" (did you mean {' or '.join(json.dumps(c) for c in close)}?)" if close else ""


def unknown_key(key, allowed, section):
    close = closest(key.rsplit(".", 1)[-1], allowed)
    hint = f" (did you mean {close!r}?)" if close else ""
    where = section if section.startswith("[") else (f"[{section}]" if section else "the top level")
    return ConfigError(f"unknown key {key!r}{hint}; allowed keys in {where}: {', '.join(allowed)}.")


def build_config(cls, data, prefix=""):
    if not isinstance(data, dict):
        raise ConfigError(f"{prefix.rstrip('.')} = {show_value(data)} has the wrong type "
                          f"({type_name(data)}); expected a table.")
    fields = {f.name: f for f in dataclasses.fields(cls)}
    for key in data:
        if key not in fields:
            raise unknown_key(prefix + key, list(fields), prefix.rstrip("."))
    values = {}
    for key, value in data.items():
        f = fields[key]
        if f.metadata.get("section"):
            values[key] = build_config(f.metadata["section"], value, prefix + key + ".")
        else:
            values[key] = _check_value(prefix + key, value, f)
    return cls(**values)


def per_region(key, value, name, meta=None):
    """A number or a list of one per region (a model parameter, a noise amplitude), each finite and within the
    range ``meta`` (:func:`check_number`'s); a list as :func:`check_items` refuses it."""
    value = number_or_list(key, value)
    if isinstance(value, list):
        return [float(v) for v in check_items(key, value, name, meta)]
    return check_number(key, value, name, meta)


def number_or_list(key, value):
    if isinstance(value, list):
        if not value:
            raise ConfigError(f"{key} = [] is empty; expected a number or a non-empty list of numbers (one per "
                              "region).")
        if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value):
            raise ConfigError(f"{key} = {show_value(value)} has the wrong type (list); expected a number "
                              "or a non-empty list of numbers (one per region).")
        return [float(v) for v in value]
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConfigError(f"{key} = {show_value(value)} has the wrong type ({type_name(value)}); "
                          "expected a number or a list of numbers (one per region).")
    return float(value)

