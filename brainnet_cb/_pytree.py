"""Frozen dataclasses that are also JAX pytrees.

Numeric fields are pytree leaves, so a model, a coupling or a monitor can be
passed *as an argument* to a compiled function: new parameter values reuse the
compiled program, and ``vmap`` can batch over them. Fields declared with
``static_field()`` are part of the compilation key instead.
"""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

import jax

T = TypeVar("T", bound=type)

__all__ = ["pytree_dataclass", "static_field"]


def static_field(**kwargs: Any) -> Any:
    """A dataclass field that is static (hashable, part of the jit cache key)."""
    return dataclasses.field(metadata={"static": True}, **kwargs)


def pytree_dataclass(cls: T) -> T:
    """Make ``cls`` a frozen dataclass registered as a JAX pytree."""
    cls = dataclasses.dataclass(frozen=True)(cls)
    return jax.tree_util.register_dataclass(cls)
