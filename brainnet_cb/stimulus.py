r"""External input: time-varying stimuli per region, added to a node model's input port.

A stimulus is a function :math:`I_i(t)` per region ``i`` that is added to
one input port of the node model (``port``, default the port the coupling
enters, ``v`` for Coombes–Byrne; any port of ``model.input_ports``, e.g. ``r``):

.. math:: \dot x = f\big(x;\ \mathrm{port} = c_i(t) + I_i(t)\big).

The stimulus is in the unit of the port's input, the unit of the coupling
input it is added to: dimensionless for the ``v`` port of Coombes–Byrne,
where it adds to the excitability :math:`\eta` (the model is written with a
membrane time constant of 1 ms; ``fixed_point(v_ext=...)`` reads it the same
way), and in the unit a plug-in model's ``port_units`` declares (or the
model's ``param_units`` entry of that name: ``1/ms`` for Jansen–Rit's ``p``).
Plain numbers are read in that unit; amplitudes and :class:`TimeSeries`
values may also be brainunit quantities of its dimension, converted once
(``Step(amplitude=120 * u.Hz)`` is 0.12 per ms on Jansen–Rit's ``p``); a
quantity of another dimension is refused before anything is compiled.

Like the coupling input, the stimulus of step ``n`` is evaluated at the start
of the step, :math:`t_n = n\,dt` (ms), and held fixed over the stages of the
scheme. Stimuli are pytrees: amplitudes, onsets, frequencies and sampled
values are arguments of the compiled run (a new value reuses it, a fit can
differentiate through them), only the port and the class are static. They are
computed inside the scan from the step number (:class:`TimeSeries` reads its
own array), so a stimulus costs no memory per step, and chunked, resumed,
batched and fitted runs see the same input.

In a float32 run, ``t = n dt`` is spaced 0.125 ms apart from 17.5 min on (0.25 ms from 35 min on),
more than a step; the run times :class:`Step`, :class:`Sinusoid` and :class:`PulseTrain` by step
numbers computed on the host in float64 (:func:`on_step_grid`), so that they are on at the steps
of the float64 run at any time of a run, and a sinusoid keeps its phase to 1e-6.

Pass one stimulus or a list to ``stimulus=`` of :func:`brainnet_cb.simulate`
(any entry point taking a :class:`~brainnet_cb.Simulation`: batches, sweeps,
fits, :class:`~brainnet_cb.simulation.brainstate_network.NetworkModule`).

=====================  ===============================================================
class                  :math:`I_i(t)` (zero outside ``onset <= t < offset``)
=====================  ===============================================================
:class:`Step`          :math:`a_i`
:class:`Sinusoid`      :math:`a_i \sin(2\pi f (t - t_\mathrm{on}) / 1000 + \phi_i)` (``f`` in Hz)
:class:`PulseTrain`    :math:`a_i` while :math:`(t - t_\mathrm{on}) \bmod T < w`
:class:`TimeSeries`    ``values[n, i]`` at step ``n`` (an array on the run's time grid)
=====================  ===============================================================

Examples
--------
>>> import brainnet_cb as bn
>>> from brainnet_cb.stimulus import PulseTrain, Sinusoid
>>> conn = bn.Connectome([[0, 1], [1, 0]], [[0, 30], [30, 0]])
>>> drive = PulseTrain(amplitude=[2.0, 0.0], period=50.0, width=5.0, onset=100.0)
>>> ds = bn.simulate(bn.CoombesByrne(eta=-4.6), conn, duration=300.0, stimulus=drive)
>>> late = ds.r.sel(time=slice(100.0, None)).max("time")  # the pulses start at 100 ms
>>> bool(late.isel(region=0) > late.isel(region=1))
True
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import jax.numpy as jnp
import numpy as np

from ._checks import per_region
from ._pytree import pytree_dataclass, static_field, static_names
from .errors import SimulationError
from .units import as_plain, to_ms, to_port_unit

__all__ = ["Stimulus", "Step", "Sinusoid", "PulseTrain", "TimeSeries", "validate_stimuli"]


class Stimulus:
    """Base class: ``at(step, dt) -> (n,)``, the input of every region at step ``step``.

    Subclasses are :func:`~brainnet_cb.plugins.pytree_dataclass` es with a
    static ``port`` field; :meth:`validated` checks and broadcasts their
    fields on the host.
    """

    port: str | None = None

    def window(self, t):
        """1 where ``onset <= t < offset``, else 0."""
        return ((t >= self.onset) & (t < self.offset)).astype(t.dtype)

    def at(self, step, dt):  # pragma: no cover - abstract
        raise NotImplementedError

    def _times(self, name, value, n, dtype):
        what = f"{type(self).__name__}.{name}"
        value = to_ms(value, what, SimulationError)
        if name == "offset":  # +inf (never) allowed
            arr = np.asarray(value, dtype=float)
            per_region(np.where(arr == np.inf, 0.0, arr), n, what, SimulationError)
        else:
            arr = per_region(value, n, what, SimulationError)
        return jnp.asarray(np.broadcast_to(arr, (n,)), dtype)

    def validated(self, model, n: int, dtype) -> Stimulus:
        """Checked on the host: the port exists, fields finite, scalars broadcast to ``(n,)``."""
        port = self.port or model.receives
        if port not in model.input_ports:
            raise SimulationError(
                f"{type(self).__name__} enters the port {port!r}, which {type(model).__name__} does not have; "
                f"its input ports are {model.input_ports}. Pass port= one of them.")
        values = {"port": port}
        static = static_names(self)
        for f in dataclasses.fields(self):
            if f.name == "port" or f.name in static:
                continue
            value = getattr(self, f.name)
            if f.name in ("onset", "offset", "period", "width"):
                values[f.name] = self._times(f.name, value, n, dtype)
            elif f.name == "frequency":  # Hz, or a brainunit frequency
                what = f"{type(self).__name__}.frequency"
                arr = per_region(as_plain(value, "Hz", what, "Hz", SimulationError), n, what, SimulationError)
                values[f.name] = jnp.asarray(np.broadcast_to(arr, (n,)), dtype)
            else:
                what = f"{type(self).__name__}.{f.name}"
                if f.name == "amplitude":
                    value = to_port_unit(value, model, port, what, SimulationError)
                arr = per_region(value, n, what, SimulationError)
                values[f.name] = jnp.asarray(np.broadcast_to(arr, (n,)), dtype)
        if not bool(jnp.all(values["offset"] > values["onset"])):
            raise SimulationError(f"{type(self).__name__}: offset must be later than onset; got onset="
                                  f"{self.onset!r}, offset={self.offset!r}.")
        return self._checked(dataclasses.replace(self, **values))

    def _checked(self, stim):
        return stim


@pytree_dataclass
class Step(Stimulus):
    r"""A constant input :math:`a_i` from ``onset`` until ``offset`` (ms).

    Parameters
    ----------
    amplitude : float, array or brainunit quantity
        One value, or one per region, in the unit of the port's input
        (dimensionless for Coombes–Byrne's ``v``, like ``eta``; module doc),
        or a quantity of that dimension.
    onset, offset : float or brainunit time
        The window (ms); ``offset`` default: never.
    port : str, optional
        The input port (default: the model's coupling port).
    """

    amplitude: Any = 1.0
    onset: Any = 0.0
    offset: Any = math.inf
    port: str | None = static_field(default=None)

    def at(self, step, dt):
        t = step * dt
        return self.amplitude * self.window(t)


@pytree_dataclass
class Sinusoid(Stimulus):
    r"""A sinusoid :math:`a_i \sin(2\pi f (t - t_\mathrm{on}) / 1000 + \phi_i)`, ``f`` in Hz, ``t`` in ms.

    Parameters
    ----------
    amplitude : float, array or brainunit quantity
        As :class:`Step`'s.
    frequency : float, array or brainunit frequency
        Hz (cycles per second).
    phase : float or array, default 0
        Radians at the onset.
    onset, offset : float or brainunit time
        The window (ms).
    port : str, optional
    """

    amplitude: Any = 1.0
    frequency: Any = 10.0
    phase: Any = 0.0
    onset: Any = 0.0
    offset: Any = math.inf
    port: str | None = static_field(default=None)

    def at(self, step, dt):
        t = step * dt
        arg = 2.0 * jnp.pi * self.frequency * (t - self.onset) / 1000.0 + self.phase
        return self.amplitude * jnp.sin(arg) * self.window(t)


@pytree_dataclass
class PulseTrain(Stimulus):
    r"""Rectangular pulses of height :math:`a_i`, width ``width`` every ``period`` (ms) from ``onset``.

    Parameters
    ----------
    amplitude : float, array or brainunit quantity
        As :class:`Step`'s.
    period, width : float or brainunit time
        Pulse period and width (ms), ``0 < width <= period``.
    onset, offset : float or brainunit time
        The window (ms); the first pulse starts at ``onset``.
    port : str, optional
    """

    amplitude: Any = 1.0
    period: Any = 100.0
    width: Any = 10.0
    onset: Any = 0.0
    offset: Any = math.inf
    port: str | None = static_field(default=None)

    def _checked(self, stim):
        if not bool(jnp.all((stim.width > 0) & (stim.width <= stim.period))):
            raise SimulationError(f"PulseTrain needs 0 < width <= period (ms); got width={self.width!r}, "
                                  f"period={self.period!r}.")
        return stim

    def at(self, step, dt):
        t = step * dt
        # phase in steps, rounded, so that pulses land on the same steps however t is rounded
        phase = jnp.round(jnp.mod(t - self.onset, self.period) / dt)
        return self.amplitude * (phase < jnp.round(self.width / dt)).astype(t.dtype) * self.window(t)


@pytree_dataclass
class TimeSeries(Stimulus):
    r"""An input sampled on the run's time grid: ``values[n]`` during step ``n`` (``t = n dt``).

    Parameters
    ----------
    values : array or brainunit quantity, shape (T,) or (T, n_regions)
        One value per step (the same for every region), or one per step and
        region, in the unit of the port's input (as :class:`Step`'s
        amplitude); zero after step ``T - 1``. Build it with
        ``np.arange(T) * dt`` as the time of row ``n``.
    port : str, optional
    """

    values: Any = None
    port: str | None = static_field(default=None)

    def validated(self, model, n, dtype):
        port = Step(port=self.port).validated(model, n, dtype).port
        values = to_port_unit(self.values, model, port, "TimeSeries.values", SimulationError)
        try:
            v = np.asarray(values, dtype=float) if values is not None else np.zeros((0,))
        except (TypeError, ValueError):  # text, or objects
            raise SimulationError(
                f"TimeSeries values must be numbers in the unit of the port {port!r} (as Step.amplitude) or a "
                f"brainunit quantity of that dimension; got {type(self.values).__name__} {_head(self.values)}."
            ) from None
        if v.ndim == 1:
            v = np.repeat(v[:, None], n, axis=1)
        if v.ndim != 2 or v.shape[1] != n or v.shape[0] == 0:
            raise SimulationError(
                f"TimeSeries values must have shape (T,) or (T, {n}) (one value per step, or per step and "
                f"region), T >= 1; got shape {np.shape(self.values)}.")
        if not np.all(np.isfinite(v)):
            raise SimulationError("TimeSeries values must be finite.")
        return TimeSeries(values=jnp.asarray(v, dtype), port=port)

    def at(self, step, dt):
        T = self.values.shape[0]
        row = self.values[jnp.minimum(step, T - 1)]
        return jnp.where(step < T, row, jnp.zeros_like(row))


def _head(values) -> str:
    """A short view of ``values`` for a message: its unit if it is a quantity, else its first items."""
    unit = getattr(values, "unit", None)
    if unit is not None:
        return f"in {unit}"
    return repr(np.asarray(values, dtype=object).ravel()[:3].tolist())


def _items(stimulus) -> tuple:
    """``stimulus`` (None, one object or a sequence) as a tuple."""
    if stimulus is None:
        return ()
    items = (stimulus,) if isinstance(stimulus, (Stimulus, str, bytes, dict)) else stimulus
    try:
        return tuple(items)
    except TypeError:
        return (items,)


def validate_stimuli(stimulus, model, n: int, dtype) -> tuple:
    """``stimulus`` (None, one :class:`Stimulus` or a sequence) as a tuple of validated stimuli."""
    items = _items(stimulus)
    for s in items:
        if not isinstance(s, Stimulus):
            raise SimulationError(
                f"stimulus must be a brainnet_cb.stimulus object (Step, Sinusoid, PulseTrain, TimeSeries) or a "
                f"list of them; got {s!r}.")
    return tuple(s.validated(model, n, dtype) for s in items)


#: Largest step number of a run (the engine's step counter is an int32); an offset of +inf is this step.
_LAST_STEP = 2**31 - 1


def on_step_grid(stimulus, stimuli: tuple, dt: float, dtype) -> tuple:
    """Float32 runs: the built-in ``stimuli`` (validated) timed by step numbers computed on the host.

    ``stimulus`` is what the run was given (the times as the user wrote them: a float32 field
    rounds an onset of 1,800,000.3 ms to 1,800,000.25 ms).

    In float32, ``t = step * dt`` has a spacing of 0.125 ms from 2**20 ms (17.5 min) on and 0.25 ms
    from 2**21 ms (35 min) on, more than a step of 0.1 ms; an onset on the grid then fired up to 3 steps
    early or late (measured: 152 of 200 onsets near 60 min). :class:`Step`, :class:`Sinusoid` and
    :class:`PulseTrain` are wrapped in a :class:`OnStepGrid` that holds their first and last step
    (integers computed in float64, exact) and computes the time since the onset from integers:
    they are on at the steps of the float64 run. Float64 runs and other stimuli are returned as
    they are (bit for bit).
    """
    if jnp.dtype(dtype) != jnp.dtype("float32"):
        return stimuli
    return tuple(OnStepGrid.of(raw, s, dt, dtype) if type(s) in (Step, Sinusoid, PulseTrain) else s
                 for raw, s in zip(_items(stimulus), stimuli))


#: The fields of the built-in stimuli that :func:`on_step_grid` reads as given (float64).
_GRID_FIELDS = ("onset", "offset", "period", "frequency")


def _given(raw, name: str, n: int) -> np.ndarray:
    """Field ``name`` of the stimulus ``raw`` as given, in ms (Hz for ``frequency``), float64, shape ``(n,)``."""
    value = getattr(raw, name)
    plain = (as_plain(value, "Hz", "frequency", "Hz", SimulationError) if name == "frequency"
             else to_ms(value, name, SimulationError))
    return np.broadcast_to(np.asarray(plain, np.float64), (n,))


def as_given(stimulus, stimuli: tuple, dtype) -> tuple:
    """The record of a float32 run's ``stimuli`` (validated): the fields :func:`on_step_grid` reads as given.

    A float32 field rounds them (an onset of 57.7 ms is 57.70000076 ms); recorded so, a rerun from
    the result's attributes (``Simulation.from_result``) put the onset a step later. Float64 runs
    and other stimuli are returned as they are.
    """
    if jnp.dtype(dtype) != jnp.dtype("float32"):
        return stimuli
    out = []
    for raw, s in zip(_items(stimulus), stimuli):
        if type(s) in (Step, Sinusoid, PulseTrain):
            n = s.amplitude.shape[0]
            s = dataclasses.replace(s, **{f.name: _given(raw, f.name, n) for f in dataclasses.fields(s)
                                          if f.name in _GRID_FIELDS})
        out.append(s)
    return tuple(out)


def _first_step(t: np.ndarray, dt: float) -> np.ndarray:
    """The first step ``n`` with ``n dt >= t`` (to 1e-6 of a step; +inf: past the last step), as int32."""
    n = np.ceil(np.asarray(t, dtype=np.float64) / dt - 1e-6)
    return np.clip(np.nan_to_num(n, posinf=_LAST_STEP), -_LAST_STEP, _LAST_STEP).astype(np.int32)


def _before_start(onset: np.ndarray, period: np.ndarray) -> np.ndarray:
    """``onset`` (ms, float64) moved forward by whole periods to the last one at or before ``t = 0`` where it lies
    earlier (0 for an infinite period: a Step), so that the step count since it stays within an int32: an onset
    far before the run (``onset=-1e9``, a stimulus on from the start) clipped ``first`` to ``-(2**31 - 1)`` and
    ``step - first`` wrapped around to negative, switching the stimulus off. A negative period (a Sinusoid of
    negative frequency) is a period of its size: moving the onset to 0 shifted that sine's phase."""
    period = np.abs(period)
    periodic = np.isfinite(period) & (period > 0)
    with np.errstate(invalid="ignore"):
        moved = np.where(periodic, onset + np.floor(-onset / np.where(periodic, period, 1.0)) * period, 0.0)
    return np.where(onset < 0, np.minimum(moved, 0.0), onset)


def _split(c: np.ndarray, dtype) -> tuple:
    """``c`` (float64) as ``(c1, c2, c_lo)`` in ``dtype``: ``c1 + c2`` is ``c`` rounded to ``dtype``, each of
    ``c1`` and ``c2`` with at most 12 significant bits (Veltkamp's split), ``c_lo`` the rest."""
    f = np.dtype(dtype).type
    c_hi = np.asarray(c, dtype)
    t = np.asarray(f(2**12 + 1) * c_hi, dtype)
    c1 = np.asarray(t - np.asarray(t - c_hi, dtype), dtype)
    c2 = np.asarray(c_hi - c1, dtype)
    return c1, c2, np.asarray(c - c_hi.astype(np.float64), dtype)


def _frac(x):
    return x - jnp.floor(x)


@pytree_dataclass
class OnStepGrid:
    """A float32 run's :class:`Step`, :class:`Sinusoid` or :class:`PulseTrain`, timed by step numbers.

    Fields, computed on the host in float64 from the times as given (:func:`on_step_grid`):
    ``first`` / ``stop``, the first step at or after the onset and the offset (int32); ``lead``,
    ``first dt - onset`` (ms, in ``[0, dt)``); for a :class:`PulseTrain` whose period is a whole
    number of steps for every region, ``period_steps``; else, for a :class:`Sinusoid` or
    :class:`PulseTrain`, the cycles per step ``c = dt / T`` (``T`` the period: ``1000 / f`` ms) in
    three parts (``cycles``, :func:`_split`) and the cycles at ``first``, ``lead / T``. :meth:`at`
    gives the stimulus's formula with the phase since the onset from the int32 step count
    ``k = step - first``: ``(k mod period_steps)`` exactly, or the fraction of ``k c`` summed from
    exact float32 products of 11-bit pieces of ``k`` and 12-bit pieces of ``c`` (error ~1e-7 cycles
    at any ``k``; ``sin(2 pi f t)`` with ``t = step * dt`` in float32 was off by 0.17 at 40 Hz after
    an hour). The frequency and the period enter through these host values: the float32 program
    does not differentiate with respect to them (amplitude and phase it does).
    """

    stimulus: Any
    first: Any
    stop: Any
    lead: Any
    period_steps: Any = None
    cycles: Any = None  # rows c1, c2, c_lo of c = dt / period, shape (3, n)
    cycles0: Any = None  # lead / period

    @property
    def port(self):
        return self.stimulus.port

    @classmethod
    def of(cls, raw, stim, dt: float, dtype) -> OnStepGrid:
        """``stim`` (validated) on the grid of ``dt``, its times read from ``raw`` (as given) in float64."""
        n = stim.amplitude.shape[0]

        def ms(name):
            return _given(raw, name, n)

        period = np.full(n, np.inf)  # a Step: no cycles
        if isinstance(stim, Sinusoid):
            with np.errstate(divide="ignore"):
                period = 1000.0 / _given(raw, "frequency", n)  # 0 Hz: an infinite period, no cycles
        elif isinstance(stim, PulseTrain):
            period = ms("period")
        onset = _before_start(ms("onset"), period)
        first = _first_step(onset, dt)
        lead = first.astype(np.float64) * dt - onset
        fields = {}
        if isinstance(stim, (Sinusoid, PulseTrain)):
            p = period / dt
            if isinstance(stim, PulseTrain) and np.all(np.abs(p - np.round(p)) <= 1e-6 * np.maximum(p, 1.0)):
                fields["period_steps"] = jnp.asarray(np.round(p), jnp.int32)
            else:
                fields["cycles"] = jnp.asarray(np.stack(_split(dt / period, dtype)), dtype)
                fields["cycles0"] = jnp.asarray(lead / period, dtype)
        return cls(stim, jnp.asarray(first), jnp.asarray(_first_step(ms("offset"), dt)), jnp.asarray(lead, dtype),
                   **fields)

    def _cycles(self, k, dtype):
        """The fraction of a period since the onset at step count ``k``: ``frac(k c + cycles0)``."""
        c1, c2, c_lo = self.cycles
        total = _frac(self.cycles0 + k.astype(dtype) * c_lo)
        for shift in (22, 11, 0):  # k = a 2**22 + b 2**11 + e: each piece times c1, c2 is exact in float32
            piece = ((k >> shift) if shift == 22 else ((k >> shift) & 2047)).astype(dtype) * (2.0 ** shift)
            total = _frac(total + _frac(piece * c1))
            total = _frac(total + _frac(piece * c2))
        return total

    def at(self, step, dt):
        s = self.stimulus
        f = dt.dtype
        k = step - self.first
        window = ((k >= 0) & (step < self.stop)).astype(f)
        if isinstance(s, Step):
            return s.amplitude * window
        if isinstance(s, Sinusoid):
            return s.amplitude * jnp.sin(2.0 * jnp.pi * self._cycles(k, f) + s.phase) * window
        if self.period_steps is not None:  # (k mod period) in steps, exact
            phase = jnp.round(jnp.mod(k, self.period_steps).astype(f) + self.lead / dt)
        else:
            phase = jnp.round(self._cycles(k, f) * s.period / dt)
        return s.amplitude * (phase < jnp.round(s.width / dt)).astype(f) * window


def add_stimuli(inputs: dict, stimuli: tuple, step, dt) -> dict:
    """``inputs`` with every stimulus added to its port (the engine's hook; ``()``: unchanged)."""
    if not stimuli:
        return inputs
    inputs = dict(inputs)
    for s in stimuli:
        value = s.at(step, dt)
        inputs[s.port] = inputs[s.port] + value if s.port in inputs else value
    return inputs
