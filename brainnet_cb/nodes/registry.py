"""Node models by name: the built-in ones and third-party plug-ins.

A third-party package registers a node model (a :class:`NodeModel` subclass)
under the entry-point group ``brainnet_cb.nodes`` in its ``pyproject.toml``::

    [project.entry-points."brainnet_cb.nodes"]
    my_model = "my_package.module:MyModel"

After ``pip install`` of that package, :func:`get_model` ``("my_model")``
returns the class and :func:`list_models` lists it. Built-in names take
precedence over plug-ins of the same name. Entry points are looked up with
:mod:`importlib.metadata` at each call (no cache, so a package installed in a
running session is found); a plug-in is imported only when it is asked for.
"""

from __future__ import annotations

from importlib.metadata import entry_points

from ..errors import ModelError
from .base import NodeModel
from .coombes_byrne import CoombesByrne
from .coombes_byrne_4d import CoombesByrne4D
from .jansen_rit import JansenRit
from .mpr import MontbrioPazoRoxin

__all__ = ["ENTRY_POINT_GROUP", "BUILTIN_MODELS", "get_model", "list_models"]

#: The entry-point group third-party node models register under.
ENTRY_POINT_GROUP = "brainnet_cb.nodes"

#: Built-in node models by name.
BUILTIN_MODELS = {
    "CoombesByrne": CoombesByrne,
    "CoombesByrne4D": CoombesByrne4D,
    "MontbrioPazoRoxin": MontbrioPazoRoxin,
    "JansenRit": JansenRit,
}


def _plugin_entry_points() -> dict:
    return {ep.name: ep for ep in entry_points(group=ENTRY_POINT_GROUP)}


def list_models() -> dict:
    """All known node models: ``{name: "builtin" or "module:Class" of the plug-in}``.

    Examples
    --------
    >>> import brainnet_cb as bn
    >>> sorted(bn.list_models())[:2]
    ['CoombesByrne', 'CoombesByrne4D']
    """
    out = {name: "builtin" for name in BUILTIN_MODELS}
    for name, ep in sorted(_plugin_entry_points().items()):
        out.setdefault(name, ep.value)
    return out


def get_model(name: str) -> type:
    """The node-model class registered as ``name`` (built-in or plug-in).

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
    plugins = _plugin_entry_points()
    if name not in plugins:
        known = sorted(set(BUILTIN_MODELS) | set(plugins))
        raise ModelError(
            f"unknown node model {name!r}; known models are {known}. Third-party models "
            f"are found through the entry-point group {ENTRY_POINT_GROUP!r}: install the "
            "package that provides it (pip install ...)."
        )
    ep = plugins[name]
    try:
        cls = ep.load()
    except Exception as err:  # noqa: BLE001 - report any import failure of the plug-in
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
