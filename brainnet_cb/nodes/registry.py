"""Node models by name: the built-in ones, models registered in this session, and plug-ins.

A model defined in a script or notebook is registered by name with
:func:`register_model` (or ``@bn.node_model(register=True)``). A third-party
package registers a node model (a :class:`NodeModel` subclass) under the
entry-point group ``brainnet_cb.nodes`` in its ``pyproject.toml``::

    [project.entry-points."brainnet_cb.nodes"]
    my_model = "my_package.module:MyModel"

After ``pip install`` of that package, :func:`get_model` ``("my_model")``
returns the class and :func:`list_models` lists it. Built-in names take
precedence, then models registered in the session, then entry points. Entry points are looked up with
:mod:`importlib.metadata` at each call (no cache, so a package installed in a
running session is found); a plug-in is imported only when it is asked for.
"""

from __future__ import annotations

import dataclasses
from importlib.metadata import EntryPoint, entry_points

from ..errors import ModelError
from .base import NodeModel
from .coombes_byrne import CoombesByrne
from .coombes_byrne_4d import CoombesByrne4D
from .jansen_rit import JansenRit
from .mpr import MontbrioPazoRoxin

__all__ = ["ENTRY_POINT_GROUP", "BUILTIN_MODELS", "get_model", "list_models", "register_model", "unregister_model"]

#: The entry-point group third-party node models register under.
ENTRY_POINT_GROUP = "brainnet_cb.nodes"

#: Built-in node models by name.
BUILTIN_MODELS = {
    "CoombesByrne": CoombesByrne,
    "CoombesByrne4D": CoombesByrne4D,
    "MontbrioPazoRoxin": MontbrioPazoRoxin,
    "JansenRit": JansenRit,
}


#: Models registered in this session (:func:`register_model`), by name.
_REGISTERED: dict[str, type[NodeModel]] = {}


def _plugin_entry_points() -> dict[str, EntryPoint]:
    return {ep.name: ep for ep in entry_points(group=ENTRY_POINT_GROUP)}


def _where(cls: type) -> str:
    return f"{cls.__module__}:{cls.__qualname__}"


def register_model(cls: type[NodeModel], name: str | None = None) -> type[NodeModel]:
    """Register the node-model class ``cls`` under ``name`` for this session.

    :func:`get_model` then returns it and :func:`list_models` lists it, so
    configuration files and the command line find it by name. A package that
    should provide models to every session registers them by entry point
    instead (see the module docstring).

    Parameters
    ----------
    cls : type
        A :class:`NodeModel` subclass made with :func:`brainnet_cb.node_model`.
    name : str, optional
        The name to register; default the class name. Built-in names are refused.
        Registering a name again with the same class (the same module and
        qualified name, e.g. a notebook cell run twice) replaces it.

    Returns
    -------
    type
        ``cls`` unchanged, so that ``register_model`` can be used as a decorator.

    Raises
    ------
    ModelError
        If ``cls`` is not a node-model dataclass, the name is a built-in one, or
        the name is taken by another class (:func:`unregister_model` frees it).
    """
    if not (isinstance(cls, type) and issubclass(cls, NodeModel)):
        raise ModelError(f"register_model takes a brainnet_cb.NodeModel subclass; got {cls!r}.")
    if not dataclasses.is_dataclass(cls):
        raise ModelError(
            f"{cls.__name__} is not a dataclass; decorate it with @bn.node_model before registering it."
        )
    name = cls.__name__ if name is None else name
    if not isinstance(name, str) or not name:
        raise ModelError(f"a model name must be a non-empty string such as {cls.__name__!r}; got {name!r}.")
    if name in BUILTIN_MODELS:
        raise ModelError(
            f"{name!r} is the name of a built-in model; register {cls.__name__} under another name "
            f"(register_model(cls, name=...))."
        )
    old = _REGISTERED.get(name)
    if old is not None and _where(old) != _where(cls):
        raise ModelError(
            f"the model name {name!r} is already registered to {_where(old)}; call "
            f"bn.unregister_model({name!r}) first, or register {cls.__name__} under another name."
        )
    _REGISTERED[name] = cls
    return cls


def unregister_model(name: str) -> None:
    """Remove the model registered as ``name`` by :func:`register_model`.

    The name is free again (for another class); the class itself, and runs
    or configurations already made with it, are not affected.

    Parameters
    ----------
    name : str
        The name given to :func:`register_model` (default there: the class name).

    Returns
    -------
    None

    Raises
    ------
    ModelError
        If no model was registered under that name in this session (built-in
        models and entry points cannot be unregistered); the message lists
        the names that are.

    Examples
    --------
    >>> import brainnet_cb as bn
    >>> _ = bn.register_model(bn.CoombesByrne, name="my_cb")
    >>> bn.list_models()["my_cb"]
    'brainnet_cb.nodes.coombes_byrne:CoombesByrne'
    >>> bn.unregister_model("my_cb")
    >>> "my_cb" in bn.list_models()
    False
    """
    if name not in _REGISTERED:
        raise ModelError(
            f"no model is registered as {name!r} in this session; registered: {sorted(_REGISTERED)}."
        )
    del _REGISTERED[name]


def list_models() -> dict[str, str]:
    """All known node models: ``{name: "builtin" or "module:Class"}``.

    Built-in models first, then the models registered in this session, then
    the entry points of installed packages (group ``brainnet_cb.nodes``, read
    at each call; a plug-in is not imported). A name found twice is listed
    once, as :func:`get_model` resolves it.

    Returns
    -------
    dict of str to str
        ``"builtin"`` for a built-in model; ``"module:Class"`` for a
        registered model or an entry point (the entry point's value).

    Examples
    --------
    >>> import brainnet_cb as bn
    >>> sorted(bn.list_models())[:2]
    ['CoombesByrne', 'CoombesByrne4D']
    """
    out = {name: "builtin" for name in BUILTIN_MODELS}
    for name, cls in sorted(_REGISTERED.items()):
        out.setdefault(name, _where(cls))
    for name, ep in sorted(_plugin_entry_points().items()):
        out.setdefault(name, ep.value)
    return out


def get_model(name: str) -> type[NodeModel]:
    """The node-model class registered as ``name`` (built-in, registered or plug-in).

    Parameters
    ----------
    name : str
        A name from :func:`list_models`, e.g. ``"MontbrioPazoRoxin"``.

    Returns
    -------
    type
        A :class:`NodeModel` subclass; instantiate it with its parameters.

    Raises
    ------
    ModelError
        If no model has that name (the message lists the known names), or if
        the plug-in registered under it fails to import or is not a node model.

    Examples
    --------
    >>> import brainnet_cb as bn
    >>> bn.get_model("JansenRit")(p=0.2).p
    0.2
    """
    if not isinstance(name, str):
        raise ModelError(f"a model name must be a string such as 'CoombesByrne'; got {name!r}.")
    if name in BUILTIN_MODELS:
        return BUILTIN_MODELS[name]
    if name in _REGISTERED:
        return _REGISTERED[name]
    plugins = _plugin_entry_points()
    if name not in plugins:
        known = sorted(set(BUILTIN_MODELS) | set(_REGISTERED) | set(plugins))
        raise ModelError(
            f"unknown node model {name!r}; known models are {known}. Third-party models "
            f"are found through the entry-point group {ENTRY_POINT_GROUP!r}: install the "
            "package that provides it (pip install ...); a model of your own is registered "
            "with bn.register_model(cls)."
        )
    ep = plugins[name]
    try:
        cls = ep.load()
    except Exception as err:
        raise ModelError(
            f"the node model {name!r} registered by entry point {ep.value!r} could not be "
            f"loaded: {type(err).__name__}: {err}. Reinstall or fix the package that provides it."
        ) from err
    if not (isinstance(cls, type) and issubclass(cls, NodeModel)):
        raise ModelError(
            f"the entry point {name!r} = {ep.value!r} gives {cls!r}, which is not a "
            "brainnet_cb.NodeModel subclass; point it at the model class."
        )
    return cls
