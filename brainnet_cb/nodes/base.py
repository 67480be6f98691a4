"""The node-model protocol: the plug-in point of the framework.

A node model is data plus one pure function. It declares

- ``states``: names of its state variables, in order (rows of the state array);
- ``state_units``: the unit of each state variable (``"1"`` for dimensionless);
- ``initial``: the default initial value of each state variable;
- ``sends``: the name of what travels along the edges: a state variable
  (``"r"``), or a quantity derived from the state that :meth:`NodeModel.sent`
  computes (Jansen–Rit sends the firing rate :math:`S(y_1 - y_2)`);
- ``receives``: the input port that long-range coupling enters by default (``"v"``);
- ``input_ports``: every input the vector field accepts (additive inputs to a
  state's derivative, and model-specific ports such as a conductance ``"g"``);
- ``param_ranges``: the valid closed interval of each parameter;
- ``param_units``: optional, the unit of each parameter (``"ms"``, ``"1/ms"``,
  ``"mV"``; absent: dimensionless). A parameter given as a :mod:`brainunit`
  quantity is converted to a plain number in that unit when the model is made
  (``JansenRit(a=100 / u.second).a == 0.1``); a quantity of another dimension is
  refused with a :class:`ModelError`;
- ``sent_units``: the unit of the sent quantity when it is not a state variable;
- ``eeg_source``: optional, the default EEG source observable as a linear
  combination of state variables ``{state: coefficient}`` (``{"y1": 1, "y2": -1}``
  for Jansen–Rit); empty: the EEG monitor's own default;
- its parameters, as dataclass fields (scalars or one value per region);
- ``dfun(x, inputs)``: the pure vector field, time in ms.

Everything else (delays, coupling, integration, noise, monitors) is generic.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from typing import ClassVar

import jax
import jax.numpy as jnp
import numpy as np
from jax.typing import DTypeLike

from .._checks import float_array, per_region
from .._pytree import static_names
from .._types import ArrayLike, Inputs
from ..errors import ModelError
from ..units import is_quantity

__all__ = ["NodeModel"]


class NodeModel:
    """Base class of node models (subclass and decorate with :func:`brainnet_cb.node_model`).

    The state of ``n`` regions is an array ``x`` of shape ``(len(states), n)``;
    ``dfun(x, inputs)`` returns its time derivative (1/ms) with the same shape.
    ``inputs`` maps port names (a subset of ``input_ports``) to arrays
    broadcastable to ``(n,)``; absent ports are zero.
    """

    states: ClassVar[tuple] = ()
    state_units: ClassVar[dict] = {}
    initial: ClassVar[dict] = {}
    sends: ClassVar[str] = ""
    receives: ClassVar[str] = ""
    input_ports: ClassVar[tuple] = ()
    param_ranges: ClassVar[dict] = {}
    param_units: ClassVar[dict] = {}
    sent_units: ClassVar[str] = "1"
    eeg_source: ClassVar[dict] = {}

    def __post_init__(self) -> None:
        """Parameters given as brainunit quantities become plain numbers in their ``param_units``.

        Lists and tuples of numbers (one value per region) are float arrays by now: every
        :func:`~brainnet_cb.plugins.pytree_dataclass` converts them before its ``__post_init__``.
        """
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if is_quantity(value):
                object.__setattr__(self, field.name, self._in_unit(field.name, value))

    @staticmethod
    def _unitless():
        import brainunit as u  # noqa: PLC0415 - loaded already: a quantity was given

        return u.UNITLESS

    @classmethod
    def _in_unit(cls, name: str, value):
        """The quantity ``value`` of parameter ``name`` as a number in ``param_units[name]`` (else dimensionless)."""
        import brainunit as u  # noqa: PLC0415 - loaded already: value is a quantity

        spec = cls.param_units.get(name, "1")
        unit = u.parse_unit(spec) if isinstance(spec, str) else spec
        try:
            out = value.to_decimal(unit)
        except Exception:  # noqa: BLE001 - brainunit raises several kinds on a dimension mismatch
            if name in cls.param_units and str(spec) != "1":
                fix = f"a quantity with the dimension of {spec}, or a plain number in {spec}"
            else:
                declared = "" if name in cls.param_units else " (its class declares no unit in param_units)"
                fix = f"a plain number{declared}"
            raise ModelError(
                f"{cls.__name__}.{name} is {'in ' + str(spec) if str(spec) != '1' else 'dimensionless'}; got "
                f"{value} (unit {u.get_unit(value)}). Pass {fix}."
            ) from None
        if isinstance(out, jax.core.Tracer):
            return out
        arr = np.asarray(out, dtype=float)
        return float(arr) if arr.ndim == 0 else arr

    def dfun(self, x: jax.Array, inputs: Inputs) -> jax.Array:  # pragma: no cover - abstract
        """Vector field ``dx/dt`` (1/ms) of the state ``x`` under ``inputs``."""
        raise NotImplementedError

    def sent(self, x: jax.Array) -> jax.Array:
        """The quantity that travels along the edges, shape ``(n,)``, from the state ``x``.

        The default is the state variable named by ``sends`` (the row
        ``x[states.index(sends)]``). A model whose edges carry a function of its
        state overrides this pure method and names the quantity in ``sends``
        (e.g. Jansen–Rit returns the firing rate :math:`S(y_1 - y_2)`). The
        delay buffer stores this quantity, diffusive coupling uses it as the
        local value, and a user ``history`` gives its past values.
        """
        return x[self.states.index(self.sends)]

    @property
    def sends_state(self) -> bool:
        """True if the sent quantity is a state variable (the default :meth:`sent`)."""
        return self.sends in self.states

    @classmethod
    def check_protocol(cls) -> None:
        """Check the class-level declarations on the host; :class:`ModelError` if inconsistent.

        Called on the class by :func:`brainnet_cb.node_model` when the class is
        defined, and before every run (on the class or an instance alike).
        """
        name = cls.__name__
        for attr in ("states", "input_ports"):  # ("x") is the string "x": its letters would be the names
            value = getattr(cls, attr)
            if not isinstance(value, (tuple, list)) or not all(isinstance(s, str) for s in value):
                comma = f" (a one-name tuple needs a comma: ({value!r},))" if isinstance(value, str) else ""
                raise ModelError(f"{name}.{attr} must be a tuple of names; got {value!r}{comma}.")
        if not cls.states or len(set(cls.states)) != len(cls.states):
            raise ModelError(f"{name}.states must be a non-empty tuple of distinct names; got {cls.states!r}.")
        for attr in ("initial", "state_units", "long_names"):  # a misspelt state would be silently unused
            unknown = [s for s in getattr(cls, attr, {}) if s not in cls.states]
            if unknown:
                raise ModelError(f"{name}.{attr} names {unknown}, which are not states of the model {cls.states}.")
        cls._check_param_ranges()
        missing = [s for s in cls.states if s not in cls.initial]
        if missing:
            raise ModelError(
                f"{name}.initial has no value for the states {missing}; give every state in "
                f"{cls.states} a default initial value."
            )
        overridden = cls.sent is not NodeModel.sent
        if not cls.sends:
            raise ModelError(
                f"{name} declares no sends, what its edges carry to the other regions; add "
                f"sends: ClassVar[str] = {cls.states[0]!r} (a state of {cls.states}), or name a derived quantity "
                "and override sent(x)."
            )
        if cls.sends not in cls.states and not overridden:
            raise ModelError(
                f"{name}.sends is {cls.sends!r}, which is not one of its states {cls.states}; "
                "name a state variable, or override sent(x) to send a derived quantity."
            )
        if cls.receives not in cls.input_ports:
            raise ModelError(
                f"{name}.receives is {cls.receives!r}, which is not one of its input ports "
                f"{cls.input_ports}; add it to input_ports."
            )
        bad = [s for s in cls.eeg_source if s not in cls.states]
        if bad:
            raise ModelError(
                f"{name}.eeg_source names {bad}, which are not states of the model {cls.states}."
            )

    @classmethod
    def _check_param_ranges(cls) -> None:
        """``param_ranges`` maps parameters (dataclass fields) to ``(low, high)`` numbers with ``low <= high``.

        A misspelt name would leave its parameter unchecked without a word.
        """
        name = cls.__name__
        fields = [f.name for f in dataclasses.fields(cls)] if dataclasses.is_dataclass(cls) else None
        for key, bounds in cls.param_ranges.items():
            if fields is not None and key not in fields:
                raise ModelError(
                    f"{name}.param_ranges names {key!r}, which is not a parameter of the model {fields}; "
                    "a misspelt name would leave its parameter unchecked."
                )
            try:
                lo, hi = (float(b) for b in bounds)
                ok = not (math.isnan(lo) or math.isnan(hi)) and lo <= hi
            except (TypeError, ValueError):
                ok = False
            if not ok:
                raise ModelError(
                    f"{name}.param_ranges[{key!r}] must be a pair (low, high) of numbers with low <= high "
                    f"(math.inf for no bound); got {bounds!r}."
                )

    def eeg_signal(self, x: jax.Array) -> jax.Array | None:
        """The default EEG source observable ``sum_s eeg_source[s] * x[s]``, shape ``(n,)``.

        ``None`` if the model declares no ``eeg_source``.
        """
        if not self.eeg_source:
            return None
        return sum(c * x[self.states.index(s)] for s, c in self.eeg_source.items())

    @property
    def parameters(self) -> dict:
        """The parameters as a dict ``{name: value}`` (the dataclass fields)."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}

    def state_index(self, name: str) -> int:
        """Row of the state variable ``name`` in the state array."""
        if name not in self.states:
            raise ModelError(
                f"{type(self).__name__} has no state variable {name!r}; "
                f"its states are {self.states}."
            )
        return self.states.index(name)

    def _refuse_per_region(self, method: str, hint: str = "Call it once per value.") -> None:
        """Refuse (:class:`ModelError`) per-region parameter arrays in a host analysis of one node (``method``)."""
        arrays = sorted(n for n, v in self.parameters.items() if np.ndim(v))
        if arrays:
            raise ModelError(
                f"{type(self).__name__}.{method}() analyses one node and needs scalar parameters; got per-region "
                f"arrays for {arrays}. {hint.format(first=arrays[0])}"
            )

    def _checked_scalars(self, method: str, **inputs: float) -> dict[str, float]:
        """The scalar parameters and the constant ``inputs`` as floats, checked as a run checks them.

        For the host analyses of one node (``fixed_points``, ``jacobian``): every
        value finite and each parameter inside ``param_ranges``, else
        :class:`ModelError` naming the value, the valid interval and ``method``
        (a run refuses the same model before it starts). Per-region arrays are
        refused by the caller first.
        """
        cls = type(self).__name__
        out = {}
        for name, value in {**self.parameters, **inputs}.items():
            what = f"{cls}.{name}" if name in self.parameters else f"the input {name}"
            if is_quantity(value):  # an input (parameters are plain numbers since __post_init__)
                try:
                    value = value.to_decimal(type(self)._unitless())
                except Exception:  # noqa: BLE001 - brainunit raises several kinds on a dimension mismatch
                    raise ModelError(f"{cls}.{method}() needs {what} as a plain number (it is dimensionless); "
                                     f"got {value}.") from None
            try:
                arr = float_array(value)
            except (TypeError, ValueError):
                raise ModelError(f"{cls}.{method}() needs {what} as one number; got {value!r}.") from None
            if arr.ndim:  # one node, one value: a list of inputs is several analyses
                raise ModelError(
                    f"{cls}.{method}() analyses one node: it needs {what} as one number; got {value!r} (shape "
                    f"{arr.shape}). Call it once per value, e.g. [model.{method}({name}=x) for x in values]."
                )
            x = float(arr)
            lo, hi = self.param_ranges.get(name, (-math.inf, math.inf)) if name in self.parameters else (
                -math.inf, math.inf)
            if not math.isfinite(x) or x < lo or x > hi:
                valid = f"finite and in [{lo}, {hi}]" if name in self.param_ranges else "finite"
                raise ModelError(
                    f"{cls}.{method}() needs {what} {valid} (a run refuses this model too); got {value!r}."
                )
            out[name] = x
        return out

    def validated(self, n_regions: int, dtype: DTypeLike) -> NodeModel:
        """Check every parameter on the host; return a copy holding ``(n,)`` arrays.

        Each parameter must be finite, inside ``param_ranges`` and a scalar or a
        vector of one value per region; scalars are broadcast so that
        homogeneous and heterogeneous runs share one compiled program. Fields
        declared with :func:`~brainnet_cb.plugins.static_field` are kept as
        they are (they are part of the compilation key, not arrays).
        """
        values = {}
        cls = type(self).__name__
        static = static_names(self)
        for name, value in self.parameters.items():
            if name in static:  # part of the compilation key (static_field): kept as it is, not a number per region
                values[name] = value
                continue
            try:
                arr = per_region(value, n_regions, f"{cls}.{name}", ModelError)
            except ModelError as e:
                if np.ndim(value) != 1 or "must be a scalar or have shape" not in str(e):
                    raise
                raise ModelError(  # several values for a small network: most often a scan of one parameter
                    f"{e} To run several values of {name} (one run each), give a scalar here and pass "
                    f"batch={{'{name}': [...]}} to bn.simulate_batch."
                ) from None
            lo, hi = self.param_ranges.get(name, (-math.inf, math.inf))
            if np.any(arr < lo) or np.any(arr > hi):
                raise ModelError(
                    f"{cls}.{name} must lie in [{lo}, {hi}]; got {value!r}."
                )
            # One shape for scalars and per-region values: one compiled program.
            values[name] = jnp.asarray(np.broadcast_to(arr, (n_regions,)), dtype=dtype)
        return type(self)(**values)

    def initial_state(self, n_regions: int, dtype: DTypeLike,
                      overrides: Mapping[str, ArrayLike] | None = None) -> jax.Array:
        """State array ``(len(states), n_regions)`` from ``initial`` and ``overrides``.

        ``overrides`` maps state names to a scalar or one value per region,
        plain numbers in the state's ``state_units`` or brainunit quantities
        of that dimension (``{"r": 200 * u.Hz}`` is ``{"r": 0.2}`` for a rate
        in 1/ms).
        """
        overrides = dict(overrides or {})
        unknown = set(overrides) - set(self.states)
        if unknown:
            raise ModelError(
                f"initial_state has unknown variables {sorted(unknown)}; "
                f"{type(self).__name__} has states {self.states}."
            )
        rows = []
        for name in self.states:
            value = overrides.get(name, self.initial[name])
            if is_quantity(value):
                value = self._state_in_unit(name, value)
            value = per_region(value, n_regions, f"initial_state[{name!r}]", ModelError)
            rows.append(np.broadcast_to(value, (n_regions,)))
        return jnp.asarray(np.stack(rows), dtype=dtype)

    @classmethod
    def _state_in_unit(cls, name: str, value):
        """The quantity ``value`` of state ``name`` as numbers in ``state_units[name]`` (dimensionless if none)."""
        import brainunit as u  # noqa: PLC0415 - loaded already: value is a quantity

        spec = getattr(cls, "state_units", {}).get(name, "1")
        try:
            out = np.asarray(value.to_decimal(u.parse_unit(spec) if isinstance(spec, str) else spec), dtype=float)
        except Exception:  # noqa: BLE001 - brainunit raises several kinds on a dimension mismatch
            what = "dimensionless" if str(spec) == "1" else f"in {spec}"
            fix = "a plain number" if str(spec) == "1" else f"a plain number in {spec} or a quantity of that dimension"
            raise ModelError(f"initial_state[{name!r}]: {cls.__name__}.{name} is {what}; got {value} (unit "
                             f"{u.get_unit(value)}). Pass {fix}.") from None
        return float(out) if out.ndim == 0 else out

    def describe(self) -> dict:
        """Parameters as plain Python values (lists for per-region arrays)."""
        return {k: np.asarray(v).tolist() for k, v in self.parameters.items()}

