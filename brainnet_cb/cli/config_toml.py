"""A configuration written out: commented TOML (``--print-config``) and the rows of the CLI reference.

:func:`dumps` writes every key with its documentation, unit, range or
choices and the Python API it maps onto as comments; :func:`reference_rows`
gives the same as ``(key, default, unit, allowed, API, doc)`` rows for
``docs/cli.md``.
"""

from __future__ import annotations

import dataclasses
import json
import math
import re

from .config_schema import FitConfig, RunConfig, SweepConfig, range_text

__all__ = ["dumps", "reference_rows"]


def toml_string(text: str) -> str:
    r"""``text`` as a TOML basic string, in ASCII: ``"``, ``\`` and control characters escaped as JSON escapes them,
    any other non-ASCII character as ``\uXXXX``, or ``\UXXXXXXXX`` beyond the Basic Multilingual Plane (JSON's
    surrogate pair, ``\ud83e\udde0``, is no Unicode scalar value, which TOML refuses). ASCII, so that the text
    reads back whatever encoding the terminal or ``>`` writes in.

    >>> print(toml_string('C:\\Users\\\u0141ukasz\\\U0001f9e0.nc'))
    "C:\\Users\\\u0141ukasz\\\U0001f9e0.nc"
    """
    return re.sub(r"[^\x20-\x7e]", _escaped, json.dumps(text, ensure_ascii=False))


def _escaped(match) -> str:
    code = ord(match.group())
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def toml_value(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return toml_string(value)
    if isinstance(value, int):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
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
        out.append(f"{f.name} = {toml_value(getattr(obj, f.name))}")
    for f in tables:
        name = prefix + f.name
        value = getattr(obj, f.name)
        if f.metadata.get("section") and not dataclasses.fields(value):
            continue  # a table of no keys (a fit's [output]): not written
        out.append("")
        if f.metadata.get("section"):
            if any(not g.metadata.get("section") for g in dataclasses.fields(value)):
                out.append(f"[{name}]  # {f.metadata['doc']}")
            _dump(value, name + ".", out)
        else:
            out.extend(_comment(f))
            out.append(f"[{name}]")
            for k, v in value.items():
                out.append(f"{k} = {toml_value(v)}")
            if name == "model.parameters" and not value:
                out.extend(_model_defaults(obj.name))


def _model_defaults(model_name) -> list:
    """Commented ``name = default`` lines of a model's parameters (an empty [model.parameters] keeps them)."""
    from ..nodes import get_model  # noqa: PLC0415 - only for a model without parameters of its own

    try:
        fields = dataclasses.fields(get_model(model_name))
    except Exception:  # noqa: BLE001 - an unknown model is refused by the checks, not here
        return []
    lines = [f"# {f.name} = {toml_value(f.default)}" for f in fields
             if isinstance(f.default, (int, float)) and not isinstance(f.default, bool)]
    return ["# the model's defaults (a number, or a list of one value per region):", *lines] if lines else []


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
        rows.append((key, toml_value(getattr(obj, f.name)) if not isinstance(getattr(obj, f.name), dict)
                     else "{" + ", ".join(f"{k} = {toml_value(v)}" for k, v in getattr(obj, f.name).items()) + "}",
                     meta.get("unit") or "", allowed, meta.get("api") or "", meta["doc"]))
    return rows

