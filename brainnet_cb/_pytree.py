"""Frozen dataclasses that are also JAX pytrees.

Numeric fields are pytree leaves, so a model, a coupling or a monitor can be
passed *as an argument* to a compiled function: new parameter values reuse the
compiled program, and ``vmap`` can batch over them. Fields declared with
``static_field()`` are part of the compilation key instead.

A numeric field given as a list or tuple of numbers (one value per region,
``Linear(G=[0.5, 0.8])``) becomes a float NumPy array when the object is made,
before its ``__post_init__`` runs: the methods then compute with it outside a
run too, and it is one leaf, not one per entry.

The classes are registered as custom pytree nodes, not through
``jax.tree_util.register_dataclass``: JAX (0.10) compares the structures of two
registered dataclasses without their types, so ``tree_structure(A()) ==
tree_structure(B())`` for two classes with the same number of leaves and equal
static fields (``Linear`` and ``Diffusive``, say). Their hashes differ, so
``jax.jit`` finds the other class's program only when the two hashes meet in
its cache's table, and then runs it without an error. A custom node's
structure includes its type.
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
from typing import Any, TypeVar

import jax
import numpy as np
from jax.tree_util import GetAttrKey

from .units import is_quantity

T = TypeVar("T", bound=type)

__all__ = ["pytree_dataclass", "static_field", "static_names"]


def static_field(**kwargs: Any) -> Any:
    """A dataclass field that is static (hashable, part of the jit cache key)."""
    return dataclasses.field(metadata={"static": True}, **kwargs)


def static_names(obj) -> frozenset[str]:
    """The names of the fields of the dataclass (or dataclass type) ``obj`` declared with :func:`static_field`."""
    return frozenset(f.name for f in dataclasses.fields(obj) if f.metadata.get("static", False))


def pytree_dataclass(cls: T) -> T:
    """Make ``cls`` a frozen dataclass registered as a JAX pytree.

    Fields are leaves (children) unless declared with :func:`static_field`,
    which makes them part of the tree structure (the "aux data"). The structure
    also holds the class itself, so two classes never share a compiled program.
    Lists and tuples of numbers given to the other fields become float arrays
    (see :func:`numbers_as_array`) before the class's own ``__post_init__``.
    """
    own_eq = "__eq__" in cls.__dict__
    own_repr = "__repr__" in cls.__dict__
    _convert_numbers_first(cls)
    cls = dataclasses.dataclass(frozen=True)(cls)
    fields = dataclasses.fields(cls)
    if not own_repr:  # the dataclass's repr printed every entry of a per-region array (76 lines in a notebook)
        cls.__repr__ = _fields_repr
    if not own_eq:  # the dataclass's == compared field tuples: an array field raised "truth value ... ambiguous"
        cls.__eq__ = _fields_equal
    _name_unknown_fields(cls, tuple(f.name for f in fields if f.init))
    static = static_names(cls)
    data = tuple(f.name for f in fields if f.name not in static)
    meta = tuple(f.name for f in fields if f.name in static)
    keys = tuple(GetAttrKey(name) for name in data)

    def flatten(x):
        return tuple(getattr(x, name) for name in data), tuple(getattr(x, name) for name in meta)

    def flatten_with_keys(x):
        leaves, static = flatten(x)
        return tuple(zip(keys, leaves)), static

    def unflatten(static, leaves):
        return cls(**dict(zip(meta, static)), **dict(zip(data, leaves)))

    jax.tree_util.register_pytree_with_keys(cls, flatten_with_keys, unflatten, flatten)
    return cls


def _convert_numbers_first(cls) -> None:
    """Give ``cls`` a ``__post_init__`` that turns its non-static fields holding lists or tuples of numbers
    into float arrays, then runs the ``__post_init__`` it had (its own or inherited), if any.

    Without it, ``bn.Linear(G=[0.5, 0.8]).post(S, local, strength)`` failed with "unsupported operand type(s)
    for *: 'list' and 'ArrayImpl'" (a run worked: it converts the parameters when it checks them), and the
    list was one pytree leaf per entry.
    """
    before = getattr(cls, "__post_init__", None)

    def __post_init__(self) -> None:
        """Lists and tuples of numbers in non-static fields become float arrays; then the class's own step."""
        static = static_names(self)
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if isinstance(value, (list, tuple)) and f.name not in static:
                object.__setattr__(self, f.name, numbers_as_array(value))
        if before is not None:
            before(self)

    cls.__post_init__ = __post_init__


def numbers_as_array(value):
    """A list or tuple of real numbers (possibly nested) as a float NumPy array; anything else as it is.

    Booleans, strings, quantities, traced values and ragged lists are left for the host checks of a run
    (:func:`~brainnet_cb._checks.per_region`), which name the parameter and what it must be.
    """
    try:
        arr = np.asarray(value)
    except (TypeError, ValueError):  # ragged, or traced values (TracerArrayConversionError is a TypeError)
        return value
    return arr.astype(float) if arr.dtype.kind in "iuf" else value


def _fields_repr(self) -> str:
    """``Class(name=value, ...)`` as the dataclass writes it, but an array of more than a few values summarised."""
    shown = ", ".join(f"{f.name}={short_repr(getattr(self, f.name))}" for f in dataclasses.fields(self) if f.repr)
    return f"{type(self).__qualname__}({shown})"


def short_repr(value, most: int = 4) -> str:
    """``repr(value)``, except an array (or array quantity) of more than ``most`` values: its shape and range.

    ``short_repr(np.linspace(1, 2, 76))`` is ``'<76 values in [1, 2]>'``; a 76 x 76 matrix
    ``'<76x76 values in [0, 3]>'``; a quantity adds its unit, and NaN or inf entries are counted
    (``'<76 values in [1, 2], 1 NaN>'``). Tuples, lists and dicts are summarised entry by entry.
    """
    if type(value) in (tuple, list):  # not a subclass (a namedtuple): its own repr names it
        inner = ", ".join(short_repr(v, most) for v in value)
        return f"({inner}{',' if len(value) == 1 else ''})" if isinstance(value, tuple) else f"[{inner}]"
    if type(value) is dict:
        return "{" + ", ".join(f"{k!r}: {short_repr(v, most)}" for k, v in value.items()) + "}"
    unit = ""
    mantissa = value
    if is_quantity(value):
        mantissa, unit = value.mantissa, f" {value.unit}"
    if isinstance(mantissa, jax.core.Tracer) or not hasattr(mantissa, "shape") or np.size(mantissa) <= most:
        return repr(value)
    arr = np.asarray(mantissa)
    shape = "x".join(map(str, arr.shape))
    if arr.dtype.kind not in "iuf":
        return f"<{shape} values{unit}>" if unit else f"<{shape} {arr.dtype} values>"
    finite = np.isfinite(arr)
    n_nan = int(np.isnan(arr).sum())
    bad = "".join(f", {n} {what}" for n, what in ((n_nan, "NaN"), (arr.size - int(finite.sum()) - n_nan, "inf")) if n)
    if not finite.any():  # all NaN or inf: said, not hidden behind the dtype
        return f"<{shape} values{unit}{bad}>"
    lo, hi = arr[finite].min(), arr[finite].max()
    return f"<{shape} values in [{lo:.4g}, {hi:.4g}]{unit}{bad}>"


def _fields_equal(self, other):
    """``self == other``: the same class and every field equal (arrays by shape and values)."""
    if other.__class__ is not self.__class__:
        return NotImplemented
    return all(values_equal(getattr(self, f.name), getattr(other, f.name))
               for f in dataclasses.fields(self) if f.compare)


def values_equal(a, b) -> bool:
    """Whether two field values are equal: numbers, arrays (same shape and values), tuples, lists, dicts."""
    if a is b:
        return True
    if isinstance(a, jax.core.Tracer) or isinstance(b, jax.core.Tracer):
        return False  # no concrete value to compare
    if isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)) and not (
            _numeric(a) and _numeric(b)):
        return type(a) is type(b) and len(a) == len(b) and all(map(values_equal, a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(values_equal(a[k], b[k]) for k in a)
    try:
        same = a == b
        if isinstance(same, bool):
            return same
        return np.shape(a) == np.shape(b) and bool(np.all(same))
    except Exception:  # noqa: BLE001 - values that do not compare are not equal
        return False


def _numeric(seq) -> bool:
    """Whether a list or tuple holds numbers only (one value per region, compared as an array)."""
    return all(isinstance(v, (int, float, np.number)) and not isinstance(v, bool) for v in seq)


def _in_size_hint(cls) -> str:
    """Where a brainstate user's ``Step(in_size)`` goes: a node model is one region's equations."""
    step = (", or a population of this model as bn.CoombesByrneStep(in_size=...)"
            if cls.__name__ == "CoombesByrne" and cls.__module__.startswith("brainnet_cb.") else "")
    return (f" ({cls.__name__} is the equations of one region, a node model of the network engine: the connectome "
            f"sets the number of regions. As a brainstate module, step a network of it with "
            f"bn.NetworkModule({cls.__name__}(), connectome){step})")


def _name_unknown_fields(cls, names):
    """Make ``cls(...)`` with a keyword that is none of its fields say which fields it has, and the closest one
    (the dataclass said only "unexpected keyword argument")."""
    init = cls.__init__

    @functools.wraps(init)
    def __init__(self, *args, **kwargs):
        unknown = [k for k in kwargs if k not in names]
        if unknown:
            close = [n for n in names if n.lower() == unknown[0].lower()] or difflib.get_close_matches(
                unknown[0], names, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            plain = getattr(cls, unknown[0], None)
            if not close and isinstance(plain, (int, float)) and not isinstance(plain, bool):
                hint = (f" ({cls.__name__}.{unknown[0]} = {plain!r} is a class attribute without a type annotation, "
                        f"so a constant, not a field: write {unknown[0]}: float = {plain!r} to make it a parameter)")
            if unknown[0] == "in_size" and callable(getattr(cls, "dfun", None)):  # a brainstate habit: Step(in_size)
                hint = _in_size_hint(cls)
            raise TypeError(f"{cls.__name__} has no field {unknown[0]!r}{hint}; its fields are {list(names)}.")
        if args and callable(getattr(cls, "dfun", None)):
            _refuse_positional(cls, names, args)
        init(self, *args, **kwargs)

    cls.__init__ = __init__


def _refuse_positional(cls, names, args):
    """A node model takes its parameters by name: ``CoombesByrne(76)`` silently meant ``Delta=76`` (a brainstate
    habit: ``Step(in_size)``)."""
    spelled = ", ".join(f"{n}={a!r}" for n, a in zip(names, args))
    count = f"{len(args)} positional argument{'s' if len(args) > 1 else ''}"
    hint = ""
    if len(args) == 1 and isinstance(args[0], (int, np.integer)) and not isinstance(args[0], bool):
        hint = _in_size_hint(cls)
    raise TypeError(f"{cls.__name__} takes its parameters by name, e.g. {cls.__name__}({spelled}); got "
                    f"{count}{hint}.")
