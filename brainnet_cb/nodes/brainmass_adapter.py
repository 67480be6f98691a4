r"""brainstate / brainmass node modules as node models of the network engine.

A brainmass node (``brainmass.WilsonCowanStep``, ``HopfStep``, ``JansenRitStep``,
...) is a :class:`brainstate.nn.Dynamics` whose parameters are
:class:`brainstate.nn.Param` attributes, whose state variables are
:class:`brainstate.HiddenState` attributes allocated by ``init_state``, and whose
vector field is the method ``derivative(state, t, *inputs)`` (the tuple of
states, in the order ``init_state`` allocates them; one argument per input;
derivatives carrying ``unit(state) / time``). :func:`brainstate_node_model`
turns such a module into a :class:`~brainnet_cb.NodeModel` class built with the
public contract (:func:`brainnet_cb.node_model`):

- its **parameters** are the module's ``Param`` attributes (their current
  values are the defaults, as plain numbers in the unit of that value: a
  ``tau_E`` of ``1 * u.ms`` is the field ``tau_E = 1.0``, in ms, see
  ``param_units``); being dataclass fields, they are batched, swept and fitted
  like the built-in models' parameters (the parameter book,
  :mod:`brainnet_cb.simulation.parameters`), scalars or one value per region;
  attributes that are not ``Param`` (plain numbers, quantities or
  ``braintools.init.param`` arrays, the brainpy habit) stay constants of the
  module: the model runs with their values and has no field for them (wrap one
  in ``brainstate.nn.Param.init`` to batch, sweep or fit it);
- its **states** are the module's hidden states (numbers in each state's unit,
  ``state_units``), its **input ports** the arguments of ``derivative`` after
  ``(state, t)``; absent ports are zero;
- ``sends`` (a state) is the observable that travels along the edges and
  ``receives`` (a port) the input that long-range coupling enters;
- ``dfun(x, inputs)`` calls the module's own ``derivative`` purely: on a view
  of the module whose parameters are the model's fields (the module itself is
  never written), at ``t = 0`` (brainmass nodes are autonomous), and returns
  the derivatives per ms.

So the engine integrates the module's vector field with its own integrators
(``method='rk4'`` of :func:`brainnet_cb.simulate` is ``method='rk4'`` of the
module), with delays, coupling, noise and monitors.

Examples
--------
>>> import brainmass                                          # doctest: +SKIP
>>> import brainnet_cb as bn                                  # doctest: +SKIP
>>> from brainnet_cb.nodes.brainmass_adapter import brainstate_node_model  # doctest: +SKIP
>>> WilsonCowan = brainstate_node_model(                      # doctest: +SKIP
...     brainmass.WilsonCowanStep, sends="rE", receives="E_ext")
>>> ds = bn.simulate(WilsonCowan(wEE=14.0), conn, coupling=bn.Linear(G=0.1))  # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Mapping
from typing import Any

import brainstate
import brainunit as u
import jax
import jax.numpy as jnp
import numpy as np
from brainstate.nn import Param

from ..errors import ModelError
from ..plugins import node_model, register_model
from .base import NodeModel

__all__ = ["brainstate_node_model"]

_RESERVED = set(dir(NodeModel)) | {"self"}


class _Fixed:
    """Stands in for a ``Param`` in the view of a module: ``value()`` returns a given value."""

    __slots__ = ("_v",)

    def __init__(self, v):
        self._v = v

    def value(self):
        return self._v


def _unitless(unit) -> bool:
    return unit == u.UNITLESS or getattr(unit, "is_unitless", False)


def _with_unit(value, unit):
    return value if _unitless(unit) else u.Quantity(value, unit)


def _mantissa_in(value, unit, what):
    """``value`` as a plain number in ``unit``; plain numbers are taken to be in it already."""
    if isinstance(value, u.Quantity):
        try:
            return value.to_decimal(unit)
        except (u.UnitMismatchError, TypeError, ValueError) as err:
            raise ModelError(
                f"{what} has unit {u.get_unit(value)}, which does not convert to {unit}: {err}"
            ) from None
    return value


def _scalar_or_array(value):
    arr = np.asarray(value, dtype=float)
    if arr.ndim and np.all(arr == arr.flat[0]):
        return float(arr.flat[0])
    return float(arr) if arr.ndim == 0 else arr


def brainstate_node_model(
    module: Any,
    *,
    sends: str | None = None,
    receives: str | None = None,
    name: str | None = None,
    states: tuple[str, ...] | None = None,
    initial: Mapping[str, float] | None = None,
    port_units: Mapping[str, Any] | None = None,
    param_ranges: Mapping[str, tuple[float, float]] | None = None,
    rename: Mapping[str, str] | None = None,
    register: bool | str = False,
) -> type[NodeModel]:
    r"""A node-model class whose vector field is a brainstate module's ``derivative``.

    Parameters
    ----------
    module : brainstate.nn.Dynamics subclass or instance
        The node module, e.g. ``brainmass.HopfStep`` or
        ``brainmass.HopfStep(1, a=0.2)``. A class is instantiated with
        ``in_size=1`` and its defaults; an instance's parameter values become
        the model's defaults. Its states are allocated on a private copy
        (``brainstate.nn.init_all_states``) to read their names, units and
        initial values.
    sends : str, optional
        The state sent along the edges (the coupling observable). Default: the
        first state.
    receives : str, optional
        The input port long-range coupling enters (an argument of
        ``derivative`` after ``state, t``). Default: the first one.
    name : str, optional
        Class name. Default: the module's class name without a ``Step`` suffix.
    states : tuple of str, optional
        State names in the order of ``derivative``'s ``state`` tuple. Default:
        the order in which ``init_state`` allocates the hidden states.
    initial : mapping, optional
        Default initial values (numbers in the states' units). Default: the
        module's initialisers, read on one node (a random initialiser gives one
        draw: pass ``initial`` or ``initial_state=`` to the run instead).
    port_units : mapping, optional
        Unit of each input port's values (a ``brainunit`` unit). Default: the
        unit of the port's default in ``update``'s signature when it has one
        (``JansenRitStep``'s ``M_inp=0 * u.mV``), else dimensionless.
    param_ranges : mapping, optional
        Valid closed interval of parameters (by field name), checked before a run.
    rename : mapping, optional
        Field names for module parameters, ``{module_name: field_name}``: a
        parameter that shares a name with a coupling's (``G`` of
        ``WongWangExcInhStep``) must be renamed to be swept or fitted
        (``rename={"G": "G_node"}``).
    register : bool or str, default False
        Register the class by name (:func:`brainnet_cb.register_model`).

    Returns
    -------
    type
        A :class:`~brainnet_cb.NodeModel` subclass made with
        :func:`brainnet_cb.node_model`; its class attribute ``module`` is the
        template module, ``param_units`` and ``port_units`` the units,
        ``param_attr`` maps each field to the module's parameter.

    Raises
    ------
    ModelError
        If the module has no ``derivative(state, t, ...)``, no hidden states, or ``sends``/``receives``/``states``
        name something it does not have; if building it (a class, with
        ``in_size=1``) or its ``init_state`` fails, or a hidden state is more
        than one number per node; or if its ``derivative``, traced once on the
        initial state of one node with an input at ``receives`` (as the engine
        traces it), fails (an input unit other than ``port_units`` says, a
        Python branch on a value), returns other than one derivative per state
        in the unit of that state per time, reads or writes a brainstate
        state itself (the compiled run would keep the value it had when traced),
        or depends on ``t`` (the engine calls it at ``t = 0``).
    """
    if isinstance(module, type):
        try:
            template = module(1)
        except Exception as err:
            raise ModelError(
                f"brainstate_node_model builds {module.__name__}(1) to read its contract, and that failed: "
                f"{_first_line(err)}. Pass an instance built as it needs (brainstate_node_model({module.__name__}"
                "(1, ...)))."
            ) from err
    else:
        template = module
    cls_name = name or type(template).__name__.removesuffix("Step")
    derivative = getattr(template, "derivative", None)
    if not callable(derivative):
        raise ModelError(
            f"{type(template).__name__} has no derivative(state, t, *inputs) method; "
            "brainstate_node_model needs the module's vector field. Add one that takes the tuple of hidden-state "
            "values (in the order init_state allocates them) and one argument per input, and returns a tuple of "
            "one derivative per state, each in the state's unit per time (as brainmass's nodes do); update may "
            "then step with it."
        )
    args = list(inspect.signature(derivative).parameters.values())
    if len(args) < 2 or any(a.kind in (a.VAR_POSITIONAL, a.VAR_KEYWORD) for a in args):
        raise ModelError(
            f"{type(template).__name__}.derivative must take (state, t, *inputs) with named inputs; "
            f"got {inspect.signature(derivative)}."
        )
    ports = tuple(a.name for a in args[2:])
    if not ports:
        raise ModelError(f"{type(template).__name__}.derivative takes no input; a node model needs an input port.")

    # parameters: the Param attributes, as plain numbers in the unit of their value
    params, param_units, param_attr = {}, {}, {}
    rename = dict(rename or {})
    for attr, value in vars(template).items():
        if isinstance(value, Param):
            v = value.value()
            field = rename.pop(attr, attr)
            param_attr[field] = attr
            param_units[field] = u.get_unit(v)
            params[field] = _scalar_or_array(u.get_mantissa(v))
    if rename:
        raise ModelError(f"rename names {sorted(rename)}, which are not parameters of {type(template).__name__}: "
                         f"{sorted(param_attr.values())}.")
    # no Param at all (plain attributes, the brainpy habit) is a model without fields: its constants stay in the
    # module (it was refused as "has no brainstate.nn.Param parameters", a module the engine integrates)
    clash = sorted(set(params) & _RESERVED)
    if clash:
        raise ModelError(f"parameters {clash} of {type(template).__name__} clash with NodeModel attributes.")

    # states: allocated on a private copy of one node
    probe = type(template).__new__(type(template))
    probe.__dict__.update(template.__dict__)
    try:
        brainstate.nn.init_all_states(probe)
    except Exception as err:
        raise ModelError(f"{type(template).__name__}.init_state fails on one node: {_first_line(err)}.") from err
    hidden = {k: v.value for k, v in vars(probe).items() if isinstance(v, brainstate.HiddenState)}
    if not hidden:
        raise ModelError(f"{type(template).__name__}.init_state allocates no brainstate.HiddenState.")
    node_shape = tuple(getattr(template, "varshape", ()))
    for k, v in hidden.items():  # one number per node: a vector state was read as its first entry
        if tuple(np.shape(v)) != node_shape:
            raise ModelError(
                f"hidden state {k!r} of {type(template).__name__} has shape {tuple(np.shape(v))} for a population "
                f"of shape {node_shape}; a node model's state is one number per node (split a vector state into "
                "one HiddenState per component).")
    order = tuple(states) if states is not None else tuple(hidden)
    unknown = [s for s in order if s not in hidden]
    if unknown or len(order) != len(hidden):
        raise ModelError(f"states {list(order)} must name each hidden state of {type(template).__name__} "
                         f"once: {list(hidden)}.")
    state_units = {s: u.get_unit(hidden[s]) for s in order}
    init = {s: float(np.asarray(u.get_mantissa(hidden[s])).reshape(-1)[0]) for s in order}
    init.update({k: float(v) for k, v in (initial or {}).items()})

    # input ports and their units
    defaults = {}
    if callable(getattr(template, "update", None)):
        for p in inspect.signature(template.update).parameters.values():
            if isinstance(p.default, u.Quantity):
                defaults[p.name] = u.get_unit(p.default)
    units_in = {p: defaults.get(p, u.UNITLESS) for p in ports}
    units_in.update(dict(port_units or {}))

    sends = sends or order[0]
    receives = receives or ports[0]
    if sends not in order:
        raise ModelError(f"sends={sends!r} is not a state of {type(template).__name__}: {list(order)}.")
    if receives not in ports:
        raise ModelError(f"receives={receives!r} is not an input of {type(template).__name__}.derivative: "
                         f"{list(ports)}.")

    per_ms = {s: state_units[s] / u.ms for s in order}

    def dfun(self, x, inputs):
        """The module's ``derivative`` at ``x`` (rows: ``states``), per ms."""
        return derivative_at(self, x, inputs, 0.0)

    def derivative_at(self, x, inputs, t_ms):
        """The module's ``derivative`` at ``x`` and time ``t_ms`` (ms), per ms."""
        view = type(template).__new__(type(template))
        view.__dict__.update(template.__dict__)
        for p, unit in self.param_units.items():
            view.__dict__[param_attr[p]] = _Fixed(_with_unit(getattr(self, p), unit))
        state = tuple(_with_unit(x[i], state_units[s]) for i, s in enumerate(order))
        ins = [_with_unit(inputs.get(p, 0.0), units_in[p]) for p in ports]
        out = derivative.__func__(view, state, t_ms * u.ms, *ins)
        if not isinstance(out, (tuple, list)) or len(out) != len(order):
            got = f"{len(out)} values" if isinstance(out, (tuple, list)) else type(out).__name__
            raise ModelError(
                f"{type(template).__name__}.derivative returns {got}; it must return a tuple of one derivative per "
                f"state, in the order of {order}.")
        rows = [_mantissa_in(d, per_ms[s], f"{type(template).__name__}.derivative's d{s}/dt")
                for d, s in zip(out, order, strict=True)]
        return jnp.stack(jnp.broadcast_arrays(*[jnp.asarray(r, dtype=x.dtype) for r in rows]))

    namespace = {
        "__doc__": f"Node model of {type(template).__module__}.{type(template).__qualname__} "
                   f"(brainnet_cb.brainstate_node_model): its derivative(), parameters and states.",
        "__annotations__": {p: Any for p in params},
        **{p: (v if np.ndim(v) == 0 else dataclasses.field(default_factory=lambda v=v: v)) for p, v in params.items()},
        "states": order,
        "state_units": {s: str(unit) for s, unit in state_units.items()},
        "initial": init,
        "sends": sends,
        "receives": receives,
        "input_ports": ports,
        "param_ranges": dict(param_ranges or {}),
        "module": template,
        "param_units": param_units,
        "param_attr": param_attr,
        "port_units": units_in,
        "dfun": dfun,
        "__module__": __name__,
    }
    cls = type(cls_name, (NodeModel,), namespace)
    cls.__qualname__ = cls_name
    cls = node_model(cls, register=False)
    _probe(cls, template, receives, units_in[receives], derivative_at)
    if register:
        register_model(cls, None if register is True else register)
    return cls


def _first_line(err) -> str:
    """``err`` as ``"Type: message"`` on one line (whitespace collapsed, at most 300 characters)."""
    text = err.args[0] if isinstance(err, KeyError) and err.args else err
    text = " ".join(str(text).split())
    text = text if len(text) <= 300 else text[:297] + "..."
    return f"{type(err).__name__}: {text}" if text else type(err).__name__


def _probe(cls, template, receives, port_unit, derivative_at):
    """Refuse, before any run, a module whose ``derivative`` fails on its initial state or is not pure.

    ``dfun`` is traced abstractly (:func:`jax.eval_shape`, as the engine traces
    it) on the default initial state of one node with an input at ``receives``.
    A failure (brainunit's unit mismatch of an input whose unit differs from the
    declared one, a Python branch on a state value) is a :class:`ModelError`
    naming the module, and so is a ``derivative`` that reads or writes a
    brainstate state other than its arguments (a hidden state read as
    ``self.x.value``, a delay buffer): the engine would take the value it had
    when the program was traced as a constant. So is a ``derivative`` that
    depends on ``t`` (evaluated at 0 and 7.3 ms): the engine integrates an
    autonomous vector field and calls it at ``t = 0``.
    """
    name, model = type(template).__name__, cls()
    x0 = jnp.asarray([[model.initial[s]] for s in model.states], dtype=float)
    with brainstate.StateTraceStack() as trace:
        try:
            jax.eval_shape(lambda x, c: model.dfun(x, {receives: c}), x0, jnp.zeros(1, x0.dtype))
        except ModelError:
            raise
        except Exception as err:
            unit = "dimensionless" if _unitless(port_unit) else f"in {port_unit}"
            kind = type(err).__name__
            if "Unit" in kind or "Dimension" in kind:
                fix = (f"if the port carries a unit, pass port_units={{{receives!r}: <unit>}}; each derivative "
                       "must be in the unit of its state per time")
            elif isinstance(err, jax.errors.JAXTypeError):
                fix = "a Python branch on a state or input value must be jnp.where (the engine traces derivative)"
            else:
                fix = "derivative must take its states from the `state` argument and its inputs from its arguments"
            raise ModelError(
                f"{name}.derivative fails on its initial state {dict(model.initial)} with an input at "
                f"{receives!r} ({unit}): {_first_line(err)}. Fix: {fix}."
            ) from err
        finally:
            touched = list(trace.get_read_states()) + list(trace.get_write_states())
            if trace.get_write_states():
                trace.recovery_original_values()
    if touched:
        owners = {id(v): k for k, v in vars(template).items()}
        names = sorted({owners.get(id(st), type(st).__name__) for st in touched})
        raise ModelError(
            f"{name}.derivative reads brainstate state {names} itself: the engine would keep the value it had "
            "when the run was compiled. A node's vector field takes its states from the `state` argument, its "
            "parameters from brainstate.nn.Param attributes and its inputs from its arguments.")
    drive = {receives: jnp.zeros(1, x0.dtype)}
    at0, later = (np.asarray(derivative_at(model, x0, drive, t)) for t in (0.0, 7.3))
    if not np.array_equal(at0, later, equal_nan=True):
        raise ModelError(
            f"{name}.derivative depends on t (on the initial state it gives {at0.ravel().tolist()} at t = 0 and "
            f"{later.ravel().tolist()} at t = 7.3 ms); the engine integrates an autonomous vector field and calls it "
            "at t = 0. Give a time-varying drive as a stimulus instead (brainnet_cb.stimulus, e.g. "
            f"Sinusoid(..., port={receives!r})).")

