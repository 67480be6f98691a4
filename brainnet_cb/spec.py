r"""``Simulation``: one frozen, validated description of a run, declared once.

Every entry point — :func:`~brainnet_cb.simulate`, :func:`~brainnet_cb.prepare`,
:func:`~brainnet_cb.simulate_batch`, :func:`~brainnet_cb.sweep`,
:func:`~brainnet_cb.fit_grid`, :func:`~brainnet_cb.fit_gradient`, the
differentiable path and the CLI configuration — consumes a
:class:`Simulation`. The run options (``dt``, ``coupling``, ``speed``,
``noise``, ``monitors``, ``key``, ``method``, ``initial_state``,
``history``, ``normalize``, ``dtype``, ``edges``) are the fields of that one
dataclass, with their one set of defaults; the entry points forward their
keywords into it instead of re-declaring them. How a run is *executed*
(chunking, progress bar, Zarr streaming, checkpoints) does not change its
numbers and lives in the separate :class:`Execution`.

A :class:`Simulation` is validated on the host when it is built (every error
is a :class:`~brainnet_cb.BrainnetError` raised before anything is compiled)
and never again; :meth:`Simulation.replace` makes an edited, re-validated copy.

>>> import brainnet_cb as bn
>>> from brainnet_cb.spec import Simulation
>>> conn = bn.Connectome([[0, 1], [1, 0]], [[0, 30], [30, 0]])
>>> spec = Simulation(bn.CoombesByrne(), conn, duration=100.0, coupling=bn.Linear(G=0.5))
>>> ds = spec.run()
>>> ds.r.dims, spec.replace(duration=50.0).run().sizes["time"]
(('time', 'region'), 50)
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import math
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import xarray as xr

from . import _engine
from ._version import __version__
from .checkpoint import Checkpointer, load_checkpoint
from .connectome import Connectome
from .coupling import Coupling, Linear
from .delays import EdgeTable, build_delay_table, compute_lags, init_history
from .errors import ConnectomeError, CouplingError, ModelError, MonitorError, NoiseError, SimulationError
from .integrators import get_integrator
from .monitors import Bold, Monitor, TemporalAverage
from .noise import Additive
from .nodes.base import NodeModel
from .precision import resolve_dtype
from .run import Run
from .streaming import ZarrSink
from .units import to_mm_per_ms, to_ms

__all__ = ["Simulation", "Execution", "default_monitors", "simulation"]

#: What the FC workflows (sweeps, fits) record when the spec names no monitors.
PURPOSES = ("run", "fc")


def default_monitors(purpose: str = "run") -> tuple:
    """The monitors of a :class:`Simulation` whose ``monitors`` is ``None``: the one default.

    ``"run"`` (:func:`~brainnet_cb.simulate`, :func:`~brainnet_cb.prepare`,
    :func:`~brainnet_cb.simulate_batch`, :meth:`Simulation.run`): node
    activity averaged over 1 ms, ``(TemporalAverage(1 ms),)``. ``"fc"`` (the FC
    workflows :func:`~brainnet_cb.sweep`, :func:`~brainnet_cb.fit_grid`,
    :func:`~brainnet_cb.fit_gradient`, whose summaries and losses read
    ``"bold"`` by default): ``(Bold(),)`` (TR 2 s). Pass ``monitors=`` to choose.
    """
    if purpose == "run":
        return (TemporalAverage(period=1.0),)
    if purpose == "fc":
        return (Bold(),)
    raise SimulationError(f"purpose must be one of {list(PURPOSES)}; got {purpose!r}.")


# ----------------------------------------------------------------------------- host checks
def check_positive_time(value, name):
    """``value`` (float ms or a brainunit time) as a finite float > 0 in ms."""
    t = to_ms(value, name, SimulationError)
    if not isinstance(t, float) or not math.isfinite(t) or t <= 0:
        raise SimulationError(f"{name} must be a finite time > 0 (ms); got {value!r}.")
    return t


def make_key(key):
    """``(jax key, provenance)`` from an int seed, a typed key or raw ``uint32[2]`` key data."""
    if isinstance(key, (int, np.integer)) and not isinstance(key, bool):
        return jax.random.key(int(key)), int(key)
    if isinstance(key, jax.Array) and jnp.issubdtype(key.dtype, jax.dtypes.prng_key):
        return key, np.asarray(jax.random.key_data(key)).tolist()
    if isinstance(key, (jax.Array, np.ndarray)) and key.shape == (2,) and key.dtype == np.uint32:
        return jax.random.wrap_key_data(jnp.asarray(key)), np.asarray(key).tolist()
    raise SimulationError(
        f"key must be an int seed or a jax.random.key; got {key!r}. "
        "Pass e.g. key=0 for a reproducible run."
    )


def validate_monitors(monitors, model, dt):
    """Bound monitors and their levels ``((period_steps, indices), ...)``, shortest period first."""
    if monitors is None:
        monitors = default_monitors("run")
    if isinstance(monitors, Monitor):
        monitors = (monitors,)
    monitors = tuple(monitors)
    bound, periods, names = [], [], {}
    for m in monitors:
        if not isinstance(m, Monitor):
            raise MonitorError(
                f"monitors must be Monitor instances (e.g. bn.TemporalAverage(1.0)); got {m!r}."
            )
        steps = m.period_steps(dt)
        m.observables(model)
        if "period" in m.__dataclass_fields__ and m.period is not None:
            m = dataclasses.replace(m, period=steps * dt)
        m = m.bind(dt)
        for name in m.output_names(model):
            if name in names:
                raise MonitorError(
                    f"two monitors write the output {name!r} ({names[name]} and "
                    f"{m.describe()}); give one of them a name, e.g. name='tavg'."
                )
            names[name] = m.describe()
        bound.append(m)
        periods.append(steps)
    levels = []
    for p in sorted(set(periods)):
        if levels and p % levels[-1][0]:
            raise MonitorError(
                f"monitor periods must each be a whole multiple of the next shorter one; "
                f"{p * dt:g} ms is not a multiple of {levels[-1][0] * dt:g} ms."
            )
        levels.append((p, tuple(k for k, q in enumerate(periods) if q == p)))
    return tuple(bound), tuple(levels)


def validate_history(history, model, n, max_lag, x0, send_row, initial_given, dtype):
    """``(history buffer, x0)``: the user's ``history`` (or ``x0`` held constant) for ``max_lag``."""
    L = max_lag + 1
    if history is None:
        return jnp.broadcast_to(model.sent(x0), (L, n)).astype(dtype), x0
    h = np.asarray(history, dtype=float)
    if h.ndim != 2 or h.shape[1] != n or h.shape[0] < L:
        raise SimulationError(
            f"history must have shape (>= {L}, {n}): the sent variable {model.sends!r} at the "
            f"{L} steps up to t = 0 (oldest first, max_lag = {max_lag}); got shape {h.shape}."
        )
    if not np.all(np.isfinite(h)):
        raise SimulationError("history must be finite.")
    h = h[-L:]
    if send_row is None:  # a derived sent quantity (model.sent): the history is used as given
        return init_history(jnp.asarray(h, dtype), max_lag), x0
    if initial_given and not np.allclose(h[-1], np.asarray(x0[send_row])):
        raise SimulationError(
            f"history[-1] is {model.sends!r} at t = 0 and must equal initial_state[{model.sends!r}]; "
            "pass only one of them, or make them agree."
        )
    x0 = x0.at[send_row].set(jnp.asarray(h[-1], dtype))
    return init_history(jnp.asarray(h, dtype), max_lag), x0


def _prepare(spec) -> Run:
    """Validate every field of ``spec`` on the host and build its :class:`Run` (no compilation)."""
    model, connectome, normalize = spec.model, spec.connectome, spec.normalize
    if not isinstance(model, NodeModel):
        raise ModelError(f"model must be a node model such as bn.CoombesByrne(); got {model!r}.")
    if not isinstance(connectome, Connectome):
        raise ConnectomeError(
            f"connectome must be a bn.Connectome (e.g. bn.Connectome(weights, lengths)); "
            f"got {type(connectome).__name__}."
        )
    if spec.duration is None:
        raise SimulationError("duration is required: the simulated time (ms, or a brainunit time), "
                              "e.g. duration=1000.0.")
    dt = check_positive_time(spec.dt, "dt")
    duration = check_positive_time(spec.duration, "duration")
    n_steps = round(duration / dt)
    if n_steps < 1 or abs(n_steps * dt - duration) > 1e-9 * duration:
        raise SimulationError(
            f"duration {duration:g} ms is not a whole multiple of dt = {dt:g} ms; "
            f"use e.g. duration={max(n_steps, 1) * dt:g} ms."
        )
    speed = to_mm_per_ms(spec.speed, "speed", SimulationError)
    if not isinstance(speed, float) or not math.isfinite(speed) or speed <= 0:
        raise SimulationError(f"speed must be a finite conduction speed > 0 (mm/ms); got {speed!r}.")
    method = spec.method
    get_integrator(method)
    coupling = Linear() if spec.coupling is None else spec.coupling
    if not isinstance(coupling, Coupling):
        raise CouplingError(
            f"coupling must be a coupling object such as bn.Linear(G=0.5); got {coupling!r}."
        )
    noise = spec.noise
    if noise is not None and not isinstance(noise, Additive):
        raise NoiseError(f"noise must be bn.Additive(...) or None; got {noise!r}.")
    dtype = resolve_dtype(spec.dtype)
    jkey, seed = make_key(spec.key)

    conn = connectome.normalized(normalize if normalize is not None else "none")
    n = conn.n_regions
    model_v = model.validated(n, dtype)
    port = coupling.port(model)
    coupling_v = coupling.validated(n, dtype)
    model.check_protocol()
    send_row = model.state_index(model.sends) if model.sends_state else None
    if noise is not None:
        noise_rows, sigma = noise.amplitudes(model, n, dtype)
    else:
        noise_rows, sigma = (), jnp.zeros((0, n), dtype)
    bound_monitors, levels = validate_monitors(spec.monitors, model, dt)

    lags = compute_lags(conn.lengths, speed, dt)
    table, max_lag = build_delay_table(conn.weights, lags, dtype, spec.edges)
    x0 = model.initial_state(n, dtype, spec.initial_state)
    hist0, x0 = validate_history(spec.history, model_v, n, max_lag, x0, send_row,
                                 spec.initial_state is not None, dtype)

    plan = _engine.Plan(method, send_row, port, noise_rows, levels)
    dyn = _engine.Dynamic(
        model_v, coupling_v, bound_monitors, table, sigma, jkey, jnp.asarray(dt, dtype)
    )
    carry = _engine.initial_carry(x0, hist0, dyn, plan)
    attrs = {
        "title": "brainnet_cb network simulation",
        "model": type(model).__name__,
        "model_parameters": json.dumps(model.describe()),
        "coupling": coupling.describe(),
        "noise": repr(noise) if noise is not None else "none",
        "method": method,
        "dt": dt,
        "dt_units": "ms",
        "duration": n_steps * dt,
        "duration_units": "ms",
        "speed": speed,
        "speed_units": "mm/ms",
        "max_lag_steps": max_lag,
        "edges": "segment" if isinstance(table, EdgeTable) else "padded",
        "seed": json.dumps(seed),
        "connectome": conn.name,
        "weights_normalization": normalize if normalize is not None else "none",
        "dtype": str(jnp.dtype(dtype)),
        "brainnet_cb_version": __version__,
    }
    return Run(model_v, conn, coupling_v, bound_monitors, plan, dyn, carry, n_steps, dt, speed, max_lag, attrs)


# ----------------------------------------------------------------------------- execution
@dataclasses.dataclass(frozen=True)
class Execution:
    """How a run is executed: chunking, progress, streaming and checkpoints (never its numbers).

    Kept apart from :class:`Simulation` because none of these options changes
    a single output value (a run chunked, streamed or resumed equals the plain
    run bit for bit), and because only a single run executes this way: sweeps
    and fits batch and summarise their runs themselves.

    Parameters
    ----------
    chunk_steps : int, optional
        Steps per compiled chunk (default: sized so that one chunk's outputs
        stay under 64 MiB).
    progress : bool, optional
        Show a progress bar between chunks (default: when on a terminal and
        there is more than one chunk).
    out : str or path-like, optional
        Stream the outputs to this Zarr store chunk by chunk while the run
        goes (:mod:`brainnet_cb.streaming`; needs ``pip install
        brainnet-cb[stream]``); the store is readable after every chunk and
        the returned Dataset reads from it lazily.
    overwrite : bool, default False
        Replace an existing ``out`` store; without it an existing one is refused.
    checkpoint : str or path-like, optional
        Save the full state of the run to this ``.npz`` file after every chunk
        (:mod:`brainnet_cb.checkpoint`).
    resume_from : str or path-like, optional
        Continue the run saved in this checkpoint: pass the *same* simulation
        as the interrupted run (and its ``out``); a checkpoint of another run
        is refused. The result equals the uninterrupted run bit for bit. The
        checkpoint keeps being updated unless ``checkpoint`` names another file.
    """

    chunk_steps: int | None = None
    progress: bool | None = None
    out: Any = None
    overwrite: bool = False
    checkpoint: Any = None
    resume_from: Any = None

    def execute(self, run: Run) -> xr.Dataset:
        """Advance the prepared ``run`` to its end with these options; return its Dataset."""
        checkpoint, resume = self.checkpoint, None
        if self.resume_from is not None:
            resume = load_checkpoint(self.resume_from).restore(run, streamed=self.out is not None)
            if checkpoint is None:
                checkpoint = self.resume_from
        sink = ZarrSink(self.out, overwrite=self.overwrite, resume=resume is not None) if self.out is not None else None
        saver = Checkpointer(checkpoint) if checkpoint is not None else None
        return run.execute(chunk_steps=self.chunk_steps, progress=self.progress, sink=sink, checkpoint=saver,
                           resume=resume)


# ----------------------------------------------------------------------------- the spec
@dataclasses.dataclass(frozen=True, eq=False)
class Simulation:
    r"""A network run, declared once: node model, connectome, time, coupling, noise, monitors, ...

    Region ``i`` receives, at the model's coupling port (``v`` for
    Coombes–Byrne), :math:`c_i(t) = G \sum_j W_{ij}\, r_j(t - \tau_{ij})` with
    ``W[target, source]`` and :math:`\tau_{ij} = L_{ij} / \mathrm{speed}`,
    rounded to whole steps (see :mod:`brainnet_cb.delays`). The input is held
    fixed over the stages of one step. With noise, each step adds the SDE
    term :math:`\sigma \sqrt{dt}\,\xi`.

    The spec is frozen and validated on the host when it is built (errors
    are :class:`~brainnet_cb.BrainnetError` subclasses, raised before anything
    is compiled); :meth:`replace` returns an edited, re-validated copy;
    :meth:`run` executes it. These fields are the run options of every entry
    point (``bn.simulate(model, conn, duration, **options)`` builds one).

    Parameters
    ----------
    model : NodeModel
        The node model, e.g. ``bn.CoombesByrne(eta=-4.6)``; parameters may be
        per-region arrays.
    connectome : Connectome
        Weights ``[target, source]`` and tract lengths (mm).
    duration, dt : float or brainunit.Quantity
        Simulated time and step (ms, default ``dt`` 0.1 ms); ``duration`` a
        whole multiple of ``dt``.
    coupling : Coupling, default ``Linear(G=1.0)``
        ``Linear``, ``Diffusive`` or ``Conductance``.
    speed : float or brainunit.Quantity, default 3.0
        Conduction speed (mm/ms = m/s).
    noise : Additive, optional
        Additive white noise, an SDE term ``sigma sqrt(dt) xi`` per step.
    monitors : sequence of Monitor, optional
        What to record; each period a multiple of ``dt`` and of the next
        shorter period. ``None``: :func:`default_monitors` of the entry point
        (``TemporalAverage(1 ms)`` for a run, ``Bold()`` for sweeps and fits).
    key : int or jax.random.key, default 0
        Random key; the same key gives the same run, bit for bit.
    method : {"heun", "euler", "rk2", "rk4", "exp_euler"}, default "heun"
        Integration scheme (stochastic Heun / Euler–Maruyama with noise).
    initial_state : dict, optional
        ``{state: scalar or (n,) array}``; default the model's ``initial``.
    history : array, shape (>= max_lag + 1, n), optional
        The sent variable at the steps up to ``t = 0``, oldest first; default
        the initial state held constant.
    normalize : {"max", "row_sum", "none"}, default "max"
        Weight normalisation applied before the run (:meth:`Connectome.normalized`).
    dtype : {"float32", "float64"}, optional
        Float type; default float64 when ``jax_enable_x64`` is on, else float32.
    edges : {"auto", "padded", "segment"}, default "auto"
        Layout of the delayed read (:mod:`brainnet_cb.delays`): edges padded
        per target row, or a flat edge list summed per target (for very
        unequal in-degrees); ``"auto"`` picks by the padding overhead. Both
        give the same result up to the order of a floating-point sum.

    Raises
    ------
    BrainnetError
        A subclass naming the bad field (``ModelError``, ``ConnectomeError``,
        ``SimulationError``, ``CouplingError``, ``NoiseError``,
        ``MonitorError``, ``IntegratorError``), when the spec is built.

    Examples
    --------
    >>> import brainnet_cb as bn
    >>> from brainnet_cb.spec import Simulation
    >>> conn = bn.Connectome([[0, 1], [1, 0]], [[0, 30], [30, 0]])
    >>> spec = Simulation(bn.CoombesByrne(), conn, duration=100.0, noise=bn.Additive(v=0.1))
    >>> spec.dt, spec.coupling
    (0.1, Linear(G=1.0))
    >>> spec.replace(speed=-1.0)
    Traceback (most recent call last):
    ...
    brainnet_cb.errors.SimulationError: speed must be a finite conduction speed > 0 (mm/ms); got -1.0.
    """

    model: NodeModel
    connectome: Connectome
    duration: Any
    dt: Any = 0.1
    coupling: Coupling | None = None
    speed: Any = 3.0
    noise: Additive | None = None
    monitors: Any = None
    key: Any = 0
    method: str = "heun"
    initial_state: dict | None = None
    history: Any = None
    normalize: str | None = "max"
    dtype: Any = None
    edges: str = "auto"

    def __post_init__(self):
        run = _prepare(self)  # every check, once, on the host
        if self.coupling is None:
            object.__setattr__(self, "coupling", Linear())
        if isinstance(self.monitors, Monitor):
            object.__setattr__(self, "monitors", (self.monitors,))
        elif self.monitors is not None:
            object.__setattr__(self, "monitors", tuple(self.monitors))
        object.__setattr__(self, "_run", run)

    def __repr__(self):
        shown = ", ".join(f"{f.name}={getattr(self, f.name)!r}" for f in dataclasses.fields(self)
                          if f.name not in ("model", "connectome", "duration")
                          and getattr(self, f.name) is not f.default)
        head = f"{self.model!r}, <Connectome {self.connectome.name!r}, {self.connectome.n_regions} regions>, " \
               f"duration={self.duration!r}"
        return f"Simulation({head}{', ' + shown if shown else ''})"

    def __getstate__(self):  # the prepared run (device arrays) is rebuilt, not pickled
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}

    def __setstate__(self, state):
        for k, v in state.items():
            object.__setattr__(self, k, v)

    @classmethod
    def option_names(cls) -> tuple:
        """The run options: every field but ``model``, ``connectome`` and ``duration``."""
        return tuple(f.name for f in dataclasses.fields(cls))[3:]

    def as_kwargs(self) -> dict:
        """Every field as a dict (``bn.Simulation(**spec.as_kwargs())`` rebuilds the spec)."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}

    def replace(self, **changes) -> "Simulation":
        """A copy with ``changes`` applied, validated again (the spec itself never changes)."""
        check_names(changes, [f.name for f in dataclasses.fields(self)], "Simulation field")
        return dataclasses.replace(self, **changes)

    def with_default_monitors(self, purpose: str = "run") -> "Simulation":
        """This spec, with :func:`default_monitors` of ``purpose`` when it names no monitors."""
        return self if self.monitors is not None else self.replace(monitors=default_monitors(purpose))

    def prepare(self) -> Run:
        """A fresh :class:`~brainnet_cb.run.Run` of this spec (validated pieces, plan, initial carry)."""
        run = self.__dict__.get("_run")
        if run is None:  # unpickled: validate again
            run = _prepare(self)
            object.__setattr__(self, "_run", run)
        return dataclasses.replace(run, attrs=dict(run.attrs))

    def run(self, execution: Execution | None = None, **options) -> xr.Dataset:
        """Simulate and return the Dataset (as :func:`~brainnet_cb.simulate` documents it).

        ``options`` are the fields of :class:`Execution` (``chunk_steps``,
        ``progress``, ``out``, ``overwrite``, ``checkpoint``, ``resume_from``),
        or pass an ``execution`` object.
        """
        execution = _execution(execution, options)
        return execution.execute(self.prepare())


def check_names(given, allowed, what, error=SimulationError):
    """Refuse a name of ``given`` that is not in ``allowed`` (with a close match when there is one)."""
    for name in given:
        if name not in allowed:
            close = difflib.get_close_matches(str(name), list(allowed), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise error(f"unknown {what} {name!r}{hint}; choose from {list(allowed)}.")


def _execution(execution, options):
    names = [f.name for f in dataclasses.fields(Execution)]
    check_names(options, names, "execution option")
    if execution is None:
        return Execution(**options)
    if not isinstance(execution, Execution):
        raise SimulationError(f"execution must be a bn.Execution(...) or None; got {execution!r}.")
    return dataclasses.replace(execution, **options)


def split_options(options) -> tuple:
    """``(simulation fields, execution options)`` of keyword ``options``; an unknown name is refused."""
    sim_names = Simulation.option_names()
    exe_names = [f.name for f in dataclasses.fields(Execution)]
    check_names(options, sim_names + tuple(exe_names), "option")
    return ({k: v for k, v in options.items() if k in sim_names},
            {k: v for k, v in options.items() if k in exe_names})


def simulation(model, connectome=None, duration=None, dt=None, *, purpose="run", **options) -> Simulation:
    """The :class:`Simulation` an entry point is called with: a spec, or a model, connectome and options.

    ``simulation(spec, **changes)`` is ``spec.replace(**changes)``;
    ``simulation(model, connectome, duration, dt, **options)`` builds one.
    Without monitors, the spec gets :func:`default_monitors` of ``purpose``
    (``"run"`` or ``"fc"``). Every option is a field of :class:`Simulation`
    (its defaults are the only ones).
    """
    if dt is not None:
        options["dt"] = dt
    check_names(options, Simulation.option_names(), "option")
    if isinstance(model, Simulation):
        if connectome is not None or duration is not None:
            raise SimulationError(
                "a bn.Simulation already holds its connectome and duration; pass changes as keywords "
                "(e.g. duration=...) or call spec.replace(...)."
            )
        spec = model.replace(**options) if options else model
        return spec.with_default_monitors(purpose)
    if options.get("monitors") is None:
        options["monitors"] = None if purpose == "run" else default_monitors(purpose)
    return Simulation(model, connectome, duration, **options)
