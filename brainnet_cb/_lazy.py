"""Module attributes imported on first access (PEP 562), shared by the lazy sub-packages."""

from __future__ import annotations

import importlib
import sys


def lazy_getattr(package: str, table: dict):
    """A module ``__getattr__`` that imports ``table[name]`` (a module relative to ``package``) on first use.

    The value is then bound in the package's namespace, so later lookups are plain attribute reads.
    """

    def __getattr__(name: str):
        if name in table:
            value = getattr(importlib.import_module(table[name], package), name)
            setattr(sys.modules[package], name, value)
            return value
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    return __getattr__
