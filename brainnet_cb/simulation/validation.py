r"""Host-side validation of a :class:`~brainnet_cb.Simulation`: every check, once, then its ``Run``.

:func:`prepare_run` checks each field (model, connectome, time, speed,
method, coupling, noise, dtype, key, monitors, initial state, history),
normalises the weights, validates the parameters (scalars broadcast to one
value per region, so homogeneous and heterogeneous runs share one compiled
program), rounds the delays ``lag_ij = round(L_ij / (speed dt))`` and builds
the static plan, the dynamic arguments and the initial carry of the engine.
Every error is a :class:`~brainnet_cb.BrainnetError` subclass raised before
anything is compiled.
"""

from __future__ import annotations

import dataclasses
import json
import math
import sys
import types
from collections.abc import Mapping

import jax
import jax.numpy as jnp
import numpy as np

from .._checks import refuse_tracers
from .._pytree import static_names
from .._version import __version__
from ..connectome import require_connectome
from ..coupling import Coupling, Linear
from ..delays import EdgeTable, build_delay_table, compute_lags, init_history
from ..errors import (
    BrainnetError,
    ConnectomeError,
    CouplingError,
    ModelError,
    MonitorError,
    NoiseError,
    SimulationError,
)
from ..integrators import get_integrator
from ..monitors import Bold, Monitor, TemporalAverage
from ..nodes.base import NodeModel
from ..noise import Noise
from ..precision import resolve_dtype
from ..stimulus import as_given, on_step_grid, validate_stimuli
from ..units import is_quantity, to_mm_per_ms, to_ms
from . import engine, provenance
from .cf import cf_global_attrs, decimal_times
from .labelled import align_by_label
from .run import Run
from .step_stability import check_step_stability

__all__ = ["prepare_run", "default_monitors", "check_positive_time", "make_key", "seed_keys", "validate_monitors",
           "check_monitor_outputs", "validate_history", "PURPOSES"]

#: What the FC workflows (sweeps, fits) record when the spec names no monitors.
PURPOSES = ("run", "fc")
#: Most integration steps of one run: the engine's step counter is an int32 (59.7 hours at dt = 0.1 ms).
MAX_STEPS = 2**31 - 1


def default_monitors(purpose: str = "run", model=None) -> tuple:
    """The monitors of a :class:`Simulation` whose ``monitors`` is ``None``: the one default.

    ``"run"`` (:func:`~brainnet_cb.simulate`, :func:`~brainnet_cb.prepare`,
    :func:`~brainnet_cb.simulate_batch`, :meth:`Simulation.run`): node
    activity averaged over 1 ms, ``(TemporalAverage(1 ms),)``. ``"fc"`` (the FC
    workflows :func:`~brainnet_cb.sweep`, :func:`~brainnet_cb.fit_grid`,
    :func:`~brainnet_cb.fit_gradient`, whose summaries and losses read
    ``"bold"`` by default): ``(Bold(),)`` (TR 2 s), BOLD of ``r``; with a
    ``model`` that has no state ``r`` (a plug-in model, ``bn.JansenRit``) a
    :class:`MonitorError` says which ``Bold(variable=...)`` to pass. Pass
    ``monitors=`` to choose.
    """
    if purpose == "run":
        return (TemporalAverage(period=1.0),)
    if purpose == "fc":
        bold = Bold()
        states = tuple(model.states) if isinstance(model, NodeModel) else ()
        if states and bold.variable not in states:  # anything else: the spec's own checks name it
            name = type(model).__name__
            example = (model.sends if model.sends in states  # the sent state, else the declared EEG observable
                       else "eeg_source" if getattr(model, "eeg_source", None) else states[0])
            raise MonitorError(
                f"without monitors, sweeps and fits record BOLD of {bold.variable!r} (monitors=[bn.Bold()]), but "
                f"{name} has no state {bold.variable!r} (its states are {states}); pass "
                f"monitors=[bn.Bold(variable={example!r})] (or another state of {name}).")
        return (bold,)
    raise SimulationError(f"purpose must be one of {list(PURPOSES)}; got {purpose!r}.")


# ----------------------------------------------------------------------------- host checks
def check_positive_time(value, name):
    """``value`` (float ms or a brainunit time) as a finite float > 0 in ms."""
    t = to_ms(value, name, SimulationError)
    if not isinstance(t, float) or not math.isfinite(t) or t <= 0:
        raise SimulationError(f"{name} must be a finite time > 0 (ms); got {value!r}.")
    return t


def seed_keys(seeds):
    """The JAX keys of int seeds (1-D), the same with 64-bit integers on or off.

    ``jax.random.key(seed)`` keeps only the low 32 bits of a seed where 64-bit
    integers are off (float32 runs): 2**32 gave seed 0's key, -1 that of
    2**32 - 1. Made with them on, every 64-bit seed has its own key, and a
    seed in 0 .. 2**32 - 1 the key it always had.
    """
    with jax.enable_x64(True):
        return jax.vmap(jax.random.key)(jnp.asarray(np.asarray(seeds, dtype=np.int64)))


def make_key(key):
    """``(jax key, provenance)`` from an int seed, a typed key or raw ``uint32[2]`` key data.

    An int seed is a 64-bit integer, ``-2**63 <= key < 2**63`` (what ``jax.random.key`` takes); one outside
    is refused (JAX raised an OverflowError). Its key does not depend on the precision (:func:`seed_keys`).
    """
    if isinstance(key, (int, np.integer)) and not isinstance(key, bool):
        if not -(2**63) <= int(key) < 2**63:
            raise SimulationError(
                f"key must be an int seed of 64 bits (-2**63 <= key < 2**63) or a jax.random.key; got {key!r}. "
                "Pass e.g. key=0 for a reproducible run."
            )
        return seed_keys([int(key)])[0], int(key)
    if isinstance(key, jax.Array) and jnp.issubdtype(key.dtype, jax.dtypes.prng_key):
        if key.shape != ():
            raise SimulationError(
                f"key must be one jax.random.key (shape ()); got an array of {key.size} keys, shape {key.shape}. "
                "Pass one of them (e.g. keys[0]) for one run, or int seeds to simulate_batch or sweep as "
                "batch={'seed': [...]} for one run per seed."
            )
        return key, np.asarray(jax.random.key_data(key)).tolist()
    if isinstance(key, (jax.Array, np.ndarray)) and key.shape == (2,) and key.dtype == np.uint32:
        return jax.random.wrap_key_data(jnp.asarray(key)), np.asarray(key).tolist()
    brainstate = sys.modules.get("brainstate")
    if brainstate is not None and isinstance(key, brainstate.random.RandomState):  # its repr is its key, on 2 lines
        raise SimulationError(
            "key must be an int seed or a jax.random.key; got a brainstate.random.RandomState (a generator, whose "
            "key changes as it draws; brainstate.random.seed does not reach a run). Pass key=rng.split_key() for a "
            "key drawn from it (brainstate.random.split_key() from the global generator), or key=0 for a "
            "reproducible run."
        )
    raise SimulationError(
        f"key must be an int seed or a jax.random.key; got {key!r}. "
        "Pass e.g. key=0 for a reproducible run."
    )


def validate_monitors(monitors, model, dt):
    """Bound monitors and their levels ``((period_steps, indices), ...)``, shortest period first.

    ``None`` is the default (:func:`default_monitors` ``("run")``); an empty sequence is refused (the run
    would record nothing).
    """
    if monitors is None:
        monitors = default_monitors("run")
    if isinstance(monitors, Monitor):
        monitors = (monitors,)
    monitors = tuple(monitors)
    if not monitors:
        raise MonitorError(
            "monitors is empty: a run records nothing without at least one monitor. Pass one, e.g. "
            "monitors=[bn.TemporalAverage(1.0)], or omit monitors for the default."
        )
    bound, periods, names = [], [], {}
    for m in monitors:
        if not isinstance(m, Monitor):
            raise MonitorError(
                f"monitors must be Monitor instances (e.g. bn.TemporalAverage(1.0)); got {m!r}."
            )
        steps = m.period_steps(dt)
        m.observables(model)
        if "period" in m.__dataclass_fields__ and m.period is not None:
            m = dataclasses.replace(m, period=float(decimal_times(steps * dt, dt)))  # 0.3, not 0.30000000000000004
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


def check_monitor_samples(monitors, n_steps, dt):
    """Refuse monitors that would record nothing in a run of ``n_steps`` steps (a period longer
    than the run; a monitor's own ``check_duration``, e.g. a Bold discard longer than the run).

    A run shorter than one period that the same number in seconds would sample (``duration=60`` with a TR
    of 720 ms: most likely 60 s meant) is told how to say that, in the refusal only: a short run that
    records is never warned about."""
    duration = n_steps * dt
    for m in monitors:
        steps = m.period_steps(dt)
        period = steps * dt
        if steps > n_steps:
            seconds = (f" duration is in ms: {duration:.10g} s is duration={duration * 1000:.10g}."
                       if period <= duration * 1000 else "")
            raise MonitorError(
                f"{m.describe()} samples every {period:g} ms, longer than the run ({duration:g} ms): "
                f"it would record nothing. Run at least {period:g} ms or choose a shorter period.{seconds}"
            )
        check = getattr(m, "check_duration", None)
        if check is not None:
            check(duration)


def validate_history(history, model, n, max_lag, x0, send_row, initial_given, dtype):
    """``(history buffer, x0)``: the user's ``history`` (or ``x0`` held constant) for ``max_lag``."""
    L = max_lag + 1
    if history is None:
        return jnp.broadcast_to(model.sent(x0), (L, n)).astype(dtype), x0
    unit = model.state_units.get(model.sends, "1") if model.sends in model.states else model.sent_units
    if is_quantity(history):  # in the unit of the sent quantity (1/ms for a rate r)
        import brainunit as u  # noqa: PLC0415 - loaded already: history is a quantity

        try:
            history = history.to_decimal(u.parse_unit(unit) if isinstance(unit, str) else unit)
        except Exception:  # noqa: BLE001 - brainunit raises several kinds on a dimension mismatch
            raise SimulationError(
                f"history holds the sent quantity {model.sends!r} of {type(model).__name__}, in {unit}; got a "
                f"quantity in {u.get_unit(history)} (shape {np.shape(history)}). Pass plain numbers in {unit} or "
                f"a quantity of that dimension.") from None
    try:
        h = np.asarray(history, dtype=float)
    except (TypeError, ValueError):
        raise SimulationError(f"history must be numbers ({model.sends!r} in {unit}, shape (steps, {n})); got "
                              f"{type(history).__name__}.") from None
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


def check_vector_field(model, x0, ports):
    """Refuse a model whose ``dfun`` or ``sent`` returns the wrong shape or dtype (traced abstractly, not compiled).

    ``dfun(x, inputs)`` (``inputs``: zeros at ``ports``, the ports the run
    feeds) must return one array of the state's shape ``(len(states), n)``
    (a one-state model may return anything that broadcasts to it, e.g.
    ``(n,)``) and a dtype the state's keeps: a vector ``(n,)`` of a
    multi-state model would be broadcast over every state variable, a tuple
    of rows fails inside the integrator. ``sent(x)`` must return ``(n,)``. The
    answer is cached per model class, static fields, state shape, dtype and ports.
    """
    statics = tuple((name, getattr(model, name)) for name in sorted(static_names(model)))
    key = (type(model), statics, tuple(x0.shape), str(x0.dtype), tuple(ports))
    try:
        if key in _CHECKED_FIELDS:
            return
    except TypeError:  # an unhashable static field: checked every time
        key = None
    name, (k, n) = type(model).__name__, x0.shape
    fix = f"it must return one {x0.dtype} array of shape {(k, n)}, one row per state {model.states}"
    try:
        out, sent = jax.eval_shape(lambda m, x: (m.dfun(x, {p: jnp.zeros(n, x.dtype) for p in ports}), m.sent(x)),
                                   model, x0)
    except TypeError as err:  # e.g. a tuple of rows multiplied by dt inside the integrator
        raise ModelError(f"{name}.dfun(x, inputs) fails on a state of shape {(k, n)} ({err}); {fix} "
                         "(e.g. jnp.stack(rows)).") from err
    rows_ok = k == 1 or (getattr(out, "ndim", 0) == 2 and out.shape[0] == k)  # (n,) with n == k is not rows
    if not _fits(out, (k, n), x0.dtype, rows_ok):
        raise ModelError(f"{name}.dfun(x, inputs) returns {_kind(out)} for {n} regions; {fix} (e.g. jnp.stack(rows)).")
    if not _fits(sent, (n,), None, getattr(sent, "ndim", 2) <= 1):
        raise ModelError(f"{name}.sent(x) returns {_kind(sent)}; it must return one array of shape ({n},), "
                         "the sent quantity of each region.")
    if key is not None:
        _CHECKED_FIELDS.add(key)


def _fits(got, shape, dtype, rows_ok) -> bool:
    """Whether the abstract value ``got`` broadcasts to ``shape`` (with ``rows_ok``) and keeps ``dtype``."""
    if not isinstance(got, jax.ShapeDtypeStruct) or not rows_ok:
        return False
    try:
        if np.broadcast_shapes(got.shape, shape) != shape:
            return False
    except ValueError:
        return False
    return dtype is None or jnp.promote_types(got.dtype, dtype) == dtype


def _kind(got) -> str:
    return f"an array of shape {got.shape} and dtype {got.dtype}" if hasattr(got, "shape") else type(got).__name__


#: Keys of the vector fields :func:`check_vector_field` has accepted.
_CHECKED_FIELDS = set()


def check_monitor_outputs(monitors, levels, model, x0):
    """Refuse a monitor whose ``init``/``update``/``emit`` do not fit the engine (traced abstractly, not compiled).

    Each monitor's three methods are traced once, in the order the engine calls
    them, on observables of shape ``(n,)``: ``update`` and ``emit`` must give back
    a state of the shapes and dtypes ``init`` made (it is carried through the
    scan), and the sample of ``emit`` must have the monitor's
    :meth:`~brainnet_cb.Monitor.sample_shape` exactly (``(len(variables), n)``
    by default): a sample of another shape failed, or was stored wrongly,
    only after the run. An error raised by the monitor's own checks (a
    :class:`~brainnet_cb.BrainnetError`) is passed on as it is. The answer is
    cached per monitor (class, static fields, array shapes), model class and
    static fields, region count and dtype.
    """
    n, dtype = x0.shape[1], x0.dtype
    steps = {k: p for p, idx in levels for k in idx}
    for k, m in enumerate(monitors):
        try:
            leaves = tuple((np.shape(v), str(jnp.result_type(v))) for v in jax.tree_util.tree_leaves(m))
            key = (jax.tree_util.tree_structure(m), leaves, jax.tree_util.tree_structure(model), n, str(dtype),
                   steps[k])
            if key in _CHECKED_MONITORS:
                continue
        except TypeError:  # a static field that cannot be hashed, a leaf that is no array: checked every time
            key = None
        _check_monitor(m, model, x0, steps[k])
        if key is not None:
            _CHECKED_MONITORS.add(key)


def _check_monitor(m, model, x0, steps):
    name, n = type(m).__name__, x0.shape[1]
    calls = {"init": "init(obs, model)", "update": "update(state, obs, model)",
             "emit": "emit(state, obs, model, steps)"}
    stage = ["init"]

    def trace(x):
        obs = engine._observables(model, x, x[0])  # as the engine builds them; coupling: (n,)
        state = m.init(obs, model)
        stage[0] = "update"
        updated = m.update(state, obs, model)
        stage[0] = "emit"
        emitted, sample = m.emit(updated, obs, model, steps)
        return state, updated, emitted, sample

    try:
        state, updated, emitted, sample = jax.eval_shape(trace, x0)
    except BrainnetError:
        raise
    except Exception as exc:  # the user's code failed on observables of shape (n,)
        raise MonitorError(
            f"{name}.{calls[stage[0]]} failed on observables of shape ({n},) (one value per region): "
            f"{type(exc).__name__}: {exc}"
        ) from exc
    for method, got in (("update", updated), ("emit", emitted)):
        if _layout(got) != _layout(state):
            raise MonitorError(
                f"{name}.{calls[method]} returns a state laid out as {_layout(got)}, but init made "
                f"{_layout(state)}; the state is carried from one step to the next, so {method} must return "
                "one of the same structure, shapes and dtypes (e.g. jnp.zeros_like(state) to reset it)."
            )
    want = tuple(m.sample_shape(model, n))
    layout = (f"one row per recorded observable {m.observables(model)}, one column per region"
              if type(m).sample_shape is Monitor.sample_shape else f"{name}.sample_shape")
    if getattr(sample, "shape", None) != want:
        raise MonitorError(
            f"{name}.{calls['emit']} returns as its sample {_kind(sample)}; expected shape {want} ({layout}). "
            "Return the sample in that shape (e.g. jnp.stack(rows), or x[None, :] for one row), or, for "
            "another layout, override sample_shape and to_dataarrays."
        )


def _layout(tree):
    """A state's structure with the shape and dtype of each array: what the scan's carry must keep."""
    return jax.tree_util.tree_map(lambda v: f"{getattr(v, 'dtype', type(v).__name__)}{list(getattr(v, 'shape', ()))}",
                                  tree)


#: Keys of the monitors :func:`check_monitor_outputs` has accepted.
_CHECKED_MONITORS = set()


def prepare_run(spec) -> Run:
    """Validate every field of ``spec`` on the host and build its :class:`Run` (no compilation)."""
    refuse_tracers({f.name: getattr(spec, f.name) for f in dataclasses.fields(spec) if f.name != "connectome"},
                   SimulationError)
    model, connectome, normalize = spec.model, spec.connectome, spec.normalize
    if not isinstance(model, NodeModel):
        raise ModelError(f"model must be a node model such as bn.CoombesByrne(); got {model!r}.")
    if not dataclasses.is_dataclass(model):
        raise ModelError(
            f"{type(model).__name__} subclasses bn.NodeModel but is not a node model class: decorate it with "
            "@bn.node_model (which makes it a frozen dataclass whose fields are its parameters)."
        )
    require_connectome(connectome, ConnectomeError)
    if spec.initial_state is not None and not isinstance(spec.initial_state, Mapping):
        raise ModelError(
            f"initial_state must be a dict {{state: a scalar or one value per region}} over the states "
            f"{model.states} (e.g. {{{model.states[0]!r}: 0.1}}); got {type(spec.initial_state).__name__}"
            f"{f' of shape {np.shape(spec.initial_state)}' if hasattr(spec.initial_state, 'shape') else ''}."
        )
    aligned = align_by_label(spec, connectome.labels)  # values labelled by region, in the connectome's order
    if aligned:
        spec = types.SimpleNamespace(**{**{f.name: getattr(spec, f.name) for f in dataclasses.fields(spec)},
                                        **aligned})
        model = spec.model
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
    if n_steps > MAX_STEPS:
        raise SimulationError(
            f"duration {duration:g} ms is {n_steps} steps of dt = {dt:g} ms, more than a run counts: its step "
            f"counter is an int32 (at most {MAX_STEPS} steps, {MAX_STEPS * dt / 3.6e6:.1f} hours at this dt). "
            f"Use a larger dt, or a duration of at most {int(MAX_STEPS * dt)} ms."
        )
    speed = to_mm_per_ms(spec.speed, "speed", SimulationError)
    if not isinstance(speed, float) or not math.isfinite(speed) or speed <= 0:
        raise SimulationError(f"speed must be a finite conduction speed > 0 (mm/ms); got {spec.speed!r}.")
    method = spec.method
    get_integrator(method)
    check_step_stability(model, method, dt)  # a StepSizeWarning where dt is past the method's limit at rest
    coupling = Linear() if spec.coupling is None else spec.coupling
    if not isinstance(coupling, Coupling):
        raise CouplingError(
            f"coupling must be a coupling object such as bn.Linear(G=0.5); got {coupling!r}."
        )
    noise = spec.noise
    if noise is not None and not isinstance(noise, Noise):
        raise NoiseError(f"noise must be bn.Additive(...) or None; got {noise!r}. Coloured and multiplicative "
                         "noise: bn.OrnsteinUhlenbeck(tau=..., v=...), bn.Multiplicative(r=...).")
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
    check_monitor_samples(bound_monitors, n_steps, dt)

    lags = compute_lags(conn.lengths, speed, dt)
    table, max_lag = build_delay_table(conn.weights, lags, dtype, spec.edges)
    x0 = x0_given = model.initial_state(n, dtype, spec.initial_state)
    hist0, x0 = validate_history(spec.history, model_v, n, max_lag, x0, send_row,
                                 spec.initial_state is not None, dtype)

    stimuli = validate_stimuli(spec.stimulus, model, n, dtype)
    check_vector_field(model_v, x0, dict.fromkeys((port, *(s.port for s in stimuli))))
    check_monitor_outputs(bound_monitors, levels, model_v, x0)
    plan = engine.Plan(method, send_row, port, noise_rows, levels, None if noise is None else noise.scheme())
    dyn = engine.Dynamic(
        model_v, coupling_v, bound_monitors, table, sigma, jkey, jnp.asarray(dt, dtype),
        () if noise is None else noise.parameters(n, dtype), on_step_grid(spec.stimulus, stimuli, dt, dtype),
    )
    carry = engine.initial_carry(x0, hist0, dyn, plan)
    attrs = {
        "title": "brainnet_cb network simulation",
        **cf_global_attrs(),  # Conventions, source (versions), history; date_created is added on write
        "model": type(model).__name__,
        "model_parameters": json.dumps(model.describe()),
        "coupling": coupling.describe(),
        "noise": noise._full_repr() if noise is not None else "none",  # every amplitude (a checkpoint's summary)
        "stimulus": ", ".join(f"{type(s).__name__}(port={s.port!r})" for s in stimuli) or "none",
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
        **provenance.run_inputs(connectome, as_given(spec.stimulus, stimuli, dtype), spec.initial_state, x0_given,
                                None if spec.history is None else hist0, bound_monitors, model, jkey,
                                coupling=coupling, noise=noise),
    }
    return Run(model_v, conn, coupling_v, bound_monitors, plan, dyn, carry, n_steps, dt, speed, max_lag, attrs)
