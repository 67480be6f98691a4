"""Convert public arguments to the internal units, once, at the boundary.

Inside the package time is in ms (neural model), lengths in mm and speeds in
mm/ms (= m/s). Public arguments accept :mod:`brainunit` quantities
(``60 * u.second``, ``3 * u.mm / u.ms``) or plain numbers in the documented unit.
"""

import sys

import numpy as np

from .errors import BrainnetError

__all__ = ["to_ms", "to_mm", "to_mm_per_ms", "as_plain", "port_unit", "to_port_unit", "environ_dt_ms"]


def as_plain(value, unit, name, unit_name, error=BrainnetError, example=None):
    """Return ``value`` as a plain float (or array) expressed in ``unit``.

    Parameters
    ----------
    value : float, array-like or brainunit.Quantity
        A plain number is taken to be in ``unit`` already.
    unit : str or callable
        The internal unit, as brainunit names it: ``"ms"``, or a quotient
        ``"mm / ms"``; or, for products and powers, a function of the
        :mod:`brainunit` module returning the unit (``lambda u: u.mm**2``),
        called only when ``value`` is a quantity.
    name : str
        The argument's name, for the error message.
    unit_name : str
        How to spell ``unit`` in the message (e.g. ``"ms"``).
    error : type
        The :class:`BrainnetError` subclass to raise.
    example : str, optional
        The quantity the message suggests (default ``1.0 * u.<unit_name>``).
    """
    if is_quantity(value):
        try:
            value = value.to_decimal(_unit(unit) if isinstance(unit, str) else unit(brainunit_module()))
        except Exception:  # noqa: BLE001 - brainunit raises several kinds on a dimension mismatch
            raise error(
                f"{name} must be a quantity with the dimension of {unit_name}; got "
                f"{value}. Pass e.g. {_call(name, example or '1.0 * u.' + unit_name.replace('/', ' / u.'))} "
                f"or a plain number in {unit_name}."
            ) from None
    if isinstance(value, (str, bytes, bool, np.bool_)):  # NumPy would read "0.1" as 0.1 and True as 1
        raise error(
            f"{name} must be a number in {unit_name} or a brainunit quantity; got {value!r} of type "
            f"{type(value).__name__}."
        )
    if isinstance(value, (list, tuple, np.ndarray)):
        kind = np.asarray(value).dtype.kind if not isinstance(value, np.ndarray) else value.dtype.kind
        if kind in "USb":  # text or bools in a list: NumPy would read ["1", "2"] as numbers and True as 1
            what = {"U": "text", "S": "bytes", "b": "bools"}[kind]
            raise error(f"{name} must be numbers in {unit_name} or a brainunit quantity; got {what}: "
                        f"{np.asarray(value).ravel()[:3].tolist()}.")
    try:
        out = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise error(
            f"{name} must be a number in {unit_name} or a brainunit quantity; got "
            f"{value!r} of type {type(value).__name__}."
        ) from None
    return float(out) if out.ndim == 0 else out


def _call(name: str, example: str) -> str:
    """How to pass ``example`` as ``name``: ``dt=...``; ``Bold(tr=...)`` for the names ``"Bold tr"`` and
    ``"Bold.tr"`` (a class and its argument), which ``Bold tr=...`` would not write."""
    for sep in (" ", "."):
        head, found, arg = name.rpartition(sep)
        if found and head.isidentifier() and arg.isidentifier():
            return f"{head}({arg}={example})"
    return f"{name}={example}"


def is_quantity(value) -> bool:
    """Whether ``value`` is a brainunit quantity; only an imported brainunit can have made one."""
    return any(mod is not None and isinstance(value, mod.Quantity)
               for mod in (sys.modules.get("brainunit"), sys.modules.get("saiunit")))


def brainunit_module():
    import brainunit as u  # noqa: PLC0415 - loaded only to convert a quantity

    return u


def _unit(spec: str):
    """The brainunit unit named ``spec`` (``"ms"``, ``"mm / ms"``)."""
    u = brainunit_module()
    num, _, den = (part.strip() for part in spec.partition("/"))
    return getattr(u, num) / getattr(u, den) if den else getattr(u, num)


def to_ms(value, name, error=BrainnetError):
    """Time in milliseconds."""
    return as_plain(value, "ms", name, "ms", error)


def to_mm(value, name, error=BrainnetError):
    """Length in millimetres."""
    return as_plain(value, "mm", name, "mm", error)


def to_mm_per_ms(value, name, error=BrainnetError):
    """Speed in mm/ms (numerically equal to m/s)."""
    return as_plain(value, "mm / ms", name, "mm/ms", error)


def port_unit(model, port: str):
    """The unit of the input to ``port`` of ``model``, as declared: a string such as ``"1/ms"``, or a unit.

    A brainstate adapter's ``port_units`` entry for the port, else the
    ``param_units`` entry of a parameter of that name (Jansen-Rit's ``p``),
    else ``"1"`` (dimensionless: Coombes-Byrne's ports, written with a
    membrane time constant of 1 ms).
    """
    declared = getattr(model, "port_units", None) or {}
    return declared.get(port, (getattr(model, "param_units", None) or {}).get(port, "1"))


def to_port_unit(value, model, port: str, what: str, error=BrainnetError):
    """``value`` (a number, array or brainunit quantity) as plain numbers in the unit of ``model``'s ``port``.

    Plain numbers are returned unchanged (already in that unit, :func:`port_unit`); a quantity is
    converted, and one of another dimension raises ``error`` naming the port's unit.
    """
    if not is_quantity(value):
        return value
    u = brainunit_module()
    spec = port_unit(model, port)
    unit = u.parse_unit(spec) if isinstance(spec, str) else spec
    try:
        return np.asarray(value.to_decimal(unit), dtype=float)
    except Exception:  # noqa: BLE001 - brainunit raises several kinds on a dimension mismatch
        plain = unit.is_unitless
        raise error(
            f"{what} is added to {type(model).__name__}'s input port {port!r}, which is "
            f"{'dimensionless' if plain else f'in {spec}'}; got {value} (unit {u.get_unit(value)}). Pass "
            f"{'a plain number' if plain else f'a plain number in {spec} or a quantity of that dimension'}."
        ) from None


def environ_dt_ms(dt, who, error=BrainnetError):
    """``brainstate.environ``'s ``dt`` in ms, for a module (``who``) that steps by it.

    A time quantity (``0.1 * u.ms``, ``1e-4 * u.second``) is converted, a plain
    number is taken to be in ms. A quantity of another dimension, text, and a
    concrete value that is not finite and > 0 raise ``error`` naming the
    environment's ``dt`` (brainunit's message named no argument: "units are mV
    and ms"). A traced ``dt`` is returned unchecked.
    """
    how = "set it as a time, brainstate.environ.set(dt=0.1 * u.ms), or a number in ms"
    if is_quantity(dt):
        u = brainunit_module()
        try:
            value = dt.to_decimal(u.ms)
        except Exception:  # noqa: BLE001 - brainunit raises several kinds on a dimension mismatch
            raise error(f"{who} steps by brainstate.environ dt, which must be a time; got {dt}: {how}.") from None
    else:
        value = dt
    if isinstance(value, (str, bytes, bool, np.bool_)):
        raise error(f"{who} steps by brainstate.environ dt, which must be a time; got {dt!r}: {how}.")
    jax = sys.modules.get("jax")
    if jax is not None and isinstance(value, jax.core.Tracer):  # a dt mapped over by a transformation
        return value
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise error(f"{who} steps by brainstate.environ dt, which must be a time; got {dt!r}: {how}.") from None
    if arr.size == 0 or not np.all(np.isfinite(arr)) or np.any(arr <= 0):
        raise error(f"{who} steps by brainstate.environ dt, which must be finite and > 0; got {dt}.")
    return value
