"""The public plug-in contract: your own node models, couplings and monitors.

brainnet_cb has three extension points, each a base class with a small
required surface and a decorator:

- :class:`NodeModel` (decorator :func:`node_model`): class data (``states``,
  ``initial``, ``sends``, ``receives``, ``input_ports``, ...) and the pure
  vector field ``dfun(x, inputs)``;
- :class:`Coupling` (decorator :func:`coupling`): the pure map
  ``post(S, local, strength)``;
- :class:`Monitor` (decorator :func:`monitor`): the pure methods ``init``,
  ``update`` and ``emit``.

The decorator turns the subclass into a frozen dataclass that is also a JAX
pytree: numeric fields are *arguments* of the compiled program (new values
reuse it; ``vmap`` batches over them), fields declared with
:func:`static_field` are part of the compilation key. It checks the class
against its base when the class is defined, so an inconsistent declaration
fails at once, with a message that says what to fix.

A node model can also be registered by name (``register=True``, or
:func:`register_model`), so that :func:`~brainnet_cb.get_model`, configuration
files and the command line find it; a package registers its models for every
session through the entry-point group ``brainnet_cb.nodes`` (see
:mod:`brainnet_cb.nodes.registry`).

Examples
--------
>>> from typing import ClassVar
>>> import brainnet_cb as bn
>>> @bn.node_model
... class Leaky(bn.NodeModel):
...     '''Leaky rate unit tau dx/dt = -x + I + c, time in ms.'''
...     tau: float = 10.0
...     I: float = 1.0
...     states: ClassVar[tuple] = ("x",)
...     initial: ClassVar[dict] = {"x": 0.0}
...     sends: ClassVar[str] = "x"
...     receives: ClassVar[str] = "x"
...     input_ports: ClassVar[tuple] = ("x",)
...
...     def dfun(self, x, inputs):
...         return (-x + self.I + inputs.get("x", 0.0)) / self.tau
>>> Leaky(tau=5.0)
Leaky(tau=5.0, I=1.0)
"""

# No ``from __future__ import annotations`` here: the doctest above is compiled with
# this module's future flags, and dataclasses must see its ClassVar annotations as types.
import dataclasses
import inspect
from collections.abc import Callable
from typing import TypeVar, overload

from ._pytree import pytree_dataclass, static_field, static_names
from .coupling import Coupling
from .errors import CouplingError, ModelError, MonitorError
from .monitors.base import Monitor
from .nodes.base import NodeModel
from .nodes.registry import register_model, unregister_model

__all__ = [
    "NodeModel",
    "Coupling",
    "Monitor",
    "node_model",
    "coupling",
    "monitor",
    "register_model",
    "unregister_model",
    "pytree_dataclass",
    "static_field",
]

ModelT = TypeVar("ModelT", bound=NodeModel)
CouplingT = TypeVar("CouplingT", bound=Coupling)
MonitorT = TypeVar("MonitorT", bound=Monitor)


def _check_subclass(cls: object, base: type, decorator: str, error: type[Exception]) -> None:
    if not (isinstance(cls, type) and issubclass(cls, base)):
        raise error(
            f"@{decorator} decorates a subclass of brainnet_cb.{base.__name__}; got {cls!r}. "
            f"Write `class MyClass(bn.{base.__name__}): ...` under the decorator."
        )


def _check_methods(cls: type, names: tuple[str, ...], base: type, error: type[Exception]) -> None:
    missing = [n for n in names if getattr(cls, n, None) is getattr(base, n, None)]
    if missing:
        raise error(
            f"{cls.__name__} does not define {missing}; a {base.__name__} needs the pure methods {list(names)}."
        )


def _check_signatures(cls: type, signatures: dict[str, tuple[str, ...]], error: type[Exception]) -> None:
    """Each method in ``signatures`` must accept the arguments the engine passes it, by position."""
    for name, args in signatures.items():
        method = getattr(cls, name)
        try:
            sig = inspect.signature(method)
        except (TypeError, ValueError):  # a builtin or C callable: nothing to check
            continue
        try:
            sig.bind(None, *args)  # None: the instance
        except TypeError:
            raise error(
                f"{cls.__name__}.{name}{sig} cannot take the arguments the engine passes it; "
                f"define it as `def {name}(self, {', '.join(args)}):`."
            ) from None


def _check_static_fields(cls: type, names: tuple[str, ...], error: type[Exception]) -> None:
    """Fields in ``names`` must be declared with :func:`static_field` (they are part of the compilation key)."""
    plain = [f for f in dataclasses.fields(cls) if f.name in names and f.name not in static_names(cls)]
    if plain:
        examples = "; ".join(
            f"{f.name} = bn.plugins.static_field(default={f.default!r})" if f.default is not dataclasses.MISSING
            else f"{f.name} = bn.plugins.static_field()" for f in plain)
        plain = [f.name for f in plain]
        raise error(
            f"{cls.__name__} declares {plain} as plain fields; {list(names)} "
            f"are static (part of the compilation key, not arrays): write `{examples}`."
        )


@overload
def node_model(cls: type[ModelT], *, register: bool | str = False) -> type[ModelT]: ...


@overload
def node_model(cls: None = None, *, register: bool | str = False) -> Callable[[type[ModelT]], type[ModelT]]: ...


def node_model(cls: type[ModelT] | None = None, *, register: bool | str = False):
    """Make a :class:`NodeModel` subclass a node model: a frozen pytree dataclass, checked.

    Use as ``@bn.node_model`` or ``@bn.node_model(register=True)``.

    Parameters
    ----------
    cls : type
        A subclass of :class:`NodeModel` whose parameters are annotated class
        attributes with defaults (scalars, or one value per region) and whose
        declarations (``states``, ``initial``, ``sends``, ``receives``,
        ``input_ports``, ...) are ``ClassVar`` s; see ``docs/nodes.md``.
    register : bool or str, default False
        Also register the model by name (:func:`register_model`): ``True``
        under the class name, a string under that name.

    Returns
    -------
    type
        The frozen dataclass, registered as a JAX pytree.

    Raises
    ------
    ModelError
        If ``cls`` is not a :class:`NodeModel` subclass, does not define
        ``dfun``, or its declarations are inconsistent
        (:meth:`NodeModel.check_protocol`); or if the name cannot be registered.
    """

    def wrap(cls: type[ModelT]) -> type[ModelT]:
        _check_subclass(cls, NodeModel, "node_model", ModelError)
        _check_methods(cls, ("dfun",), NodeModel, ModelError)
        cls = pytree_dataclass(cls)
        cls.check_protocol()
        if register:
            register_model(cls, None if register is True else register)
        return cls

    return wrap if cls is None else wrap(cls)


def coupling(cls: type[CouplingT]) -> type[CouplingT]:
    """Make a :class:`Coupling` subclass a coupling: a frozen pytree dataclass, checked.

    A coupling maps the delayed weighted sum of the sent quantity,
    ``S_i = sum_j W[i, j] sent_j(t - tau_ij)`` (``W[target, source]``), to the
    input of region ``i`` in the pure method ``post(S, local, strength)``
    (``local``: the region's own sent quantity, ``strength``: its in-strength
    ``sum_j W[i, j]``). Its fields are parameters (a scalar or one value per
    target region); ``port_name`` (a ``ClassVar``) names the input port it
    feeds, ``None`` for the model's ``receives``.

    Raises
    ------
    CouplingError
        If ``cls`` is not a :class:`Coupling` subclass, does not define
        ``post``, or its ``post`` cannot take ``(S, local, strength)``, or it
        annotates ``port_name`` as a field instead of a ``ClassVar``.
    """
    _check_subclass(cls, Coupling, "coupling", CouplingError)
    _check_methods(cls, ("post",), Coupling, CouplingError)
    _check_signatures(cls, {"post": ("S", "local", "strength")}, CouplingError)
    cls = pytree_dataclass(cls)
    port = next((f for f in dataclasses.fields(cls) if f.name == "port_name"), None)
    if port is not None:
        raise CouplingError(
            f"{cls.__name__} annotates port_name as a field (port_name: {getattr(port.type, '__name__', port.type)}), "
            f"so it would be a parameter; "
            f"it is a class declaration: write `port_name: ClassVar = {port.default!r}` "
            f"(from typing import ClassVar)."
        )
    return cls


def monitor(cls: type[MonitorT]) -> type[MonitorT]:
    """Make a :class:`Monitor` subclass a monitor: a frozen pytree dataclass, checked.

    A monitor defines three pure methods called inside the compiled scan:
    ``init(obs, model) -> state``, ``update(state, obs, model) -> state`` after
    every step and ``emit(state, obs, model, steps) -> (state, sample)`` at the
    end of each period. Its period, variables and name are static fields
    (:func:`static_field`); see :mod:`brainnet_cb.monitors.base`. The sample
    has shape ``(len(variables), n_regions)``, or what the monitor's
    ``sample_shape(model, n_regions)`` declares (override it together with
    ``to_dataarrays``); ``update`` and ``emit`` return a state laid out as
    ``init``'s. Each run checks both on the host before compiling
    (a :class:`MonitorError` naming the method, the shape returned and the
    shape expected).

    Raises
    ------
    MonitorError
        If ``cls`` is not a :class:`Monitor` subclass, lacks one of the three
        methods or one cannot take the arguments above, or it declares
        ``period``, ``variables`` or ``name`` as a plain (not static) field.
    """
    _check_subclass(cls, Monitor, "monitor", MonitorError)
    _check_methods(cls, ("init", "update", "emit"), Monitor, MonitorError)
    _check_signatures(cls, {"init": ("obs", "model"), "update": ("state", "obs", "model"),
                            "emit": ("state", "obs", "model", "steps")}, MonitorError)
    cls = pytree_dataclass(cls)
    _check_static_fields(cls, ("period", "variables", "name"), MonitorError)
    return cls
