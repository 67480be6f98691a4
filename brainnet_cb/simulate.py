"""``simulate``: one call from a model and a connectome to a labelled Dataset."""

from __future__ import annotations

import dataclasses
import json
import math
import sys

import jax
import jax.numpy as jnp
import numpy as np
import xarray as xr

from . import _engine
from ._version import __version__
from .connectome import Connectome
from .coupling import Coupling, Linear
from .delays import EdgeTable, build_delay_table, compute_lags, init_history
from .errors import (
    ConnectomeError,
    CouplingError,
    DivergenceError,
    ModelError,
    MonitorError,
    NoiseError,
    SimulationError,
)
from .integrators import get_integrator
from .monitors import Monitor, TemporalAverage
from .noise import Additive
from .nodes.base import NodeModel
from .precision import resolve_dtype
from .units import to_mm_per_ms, to_ms

__all__ = ["simulate", "Run"]

#: Soft cap on the host memory of one chunk's outputs (bytes).
CHUNK_OUTPUT_BYTES = 64 * 2**20
#: Upper bound on integration steps per compiled chunk.
MAX_CHUNK_STEPS = 200_000


def _check_positive_time(value, name):
    t = to_ms(value, name, SimulationError)
    if not isinstance(t, float) or not math.isfinite(t) or t <= 0:
        raise SimulationError(f"{name} must be a finite time > 0 (ms); got {value!r}.")
    return t


def _make_key(key):
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


@dataclasses.dataclass
class Run:
    """A prepared run: validated inputs, the static plan and the initial carry.

    Built by :func:`prepare`; :meth:`execute` advances it and returns the
    Dataset. Exposed so that benchmarks and sweeps can reuse the pieces.
    """

    model: NodeModel
    connectome: Connectome
    coupling: Coupling
    monitors: tuple
    plan: _engine.Plan
    dyn: _engine.Dynamic
    carry: _engine.Carry
    n_steps: int
    dt: float
    speed: float
    max_lag: int
    attrs: dict
    #: For a batch of runs: 0 / None per leaf of ``dyn`` (batched / shared).
    axes: tuple = None
    batch_size: int = None
    #: "raise": a non-finite state stops the run (DivergenceError); "keep": the
    #: run goes on (a batch keeps its other members) and the caller reads
    #: ``carry.bad_step`` / ``carry.bad_region``.
    on_divergence: str = "raise"

    @property
    def batched(self) -> bool:
        return self.axes is not None

    def schedule(self, chunk_steps=None) -> tuple:
        """The pieces ``(n_blocks, level)`` the run advances by, in order.

        Whole top-level periods in chunks of ``chunk_steps`` steps (default:
        sized so that one chunk's outputs stay under 64 MiB), then the tail
        at the lower levels.
        """
        levels = self.plan.levels
        top = len(levels) - 1
        period = [1] + [p for p, _ in levels]  # period[level + 1]
        p_top = period[top + 1]
        n_top = self.n_steps // p_top
        chunk_blocks = self._chunk_blocks(n_top, p_top, chunk_steps)
        pieces = []
        done = 0
        while done < n_top:
            nb = min(chunk_blocks, n_top - done)
            pieces.append((nb, top))
            done += nb
        tail = self.n_steps - n_top * p_top
        for level in range(top - 1, -2, -1):
            q = tail // period[level + 1]
            if q:
                pieces.append((q, level))
                tail -= q * period[level + 1]
        return tuple(pieces)

    def _samples_per_piece(self, piece):
        """Samples each monitor emits in one piece ``(n_blocks, level)``."""
        n_blocks, level = piece
        steps = n_blocks * ([1] + [p for p, _ in self.plan.levels])[level + 1]
        out = [0] * len(self.monitors)
        for lvl, (p, idx) in enumerate(self.plan.levels):
            for k in idx:
                out[k] = steps // p if lvl <= level else 0
        return out

    def execute(self, chunk_steps=None, progress=None, *, sink=None, checkpoint=None, resume=None):
        """Advance the run to its end and return the outputs as a Dataset.

        Parameters
        ----------
        chunk_steps : int, optional
            Steps per compiled chunk (see :meth:`schedule`); ignored when
            resuming (the checkpoint's schedule is kept).
        progress : bool, optional
            Progress bar between chunks.
        sink : brainnet_cb.streaming.Sink, optional
            Receives every finished chunk's samples instead of host memory
            (e.g. :class:`~brainnet_cb.streaming.ZarrSink`); its ``finish()``
            is returned.
        checkpoint : brainnet_cb.checkpoint.Checkpointer, optional
            Saves the full state after every finished chunk.
        resume : brainnet_cb.checkpoint.ResumeState, optional
            Continue from a checkpoint's state (see
            :meth:`~brainnet_cb.checkpoint.Checkpoint.restore`).
        """
        levels = self.plan.levels
        period = [1] + [p for p, _ in levels]  # period[level + 1]
        lead = (self.batch_size,) if self.batched else ()
        if resume is not None:
            pieces, start, carry = tuple(resume.schedule), resume.piece, resume.carry
        else:
            pieces, start, carry = self.schedule(chunk_steps), 0, self.carry
        if checkpoint is not None:
            checkpoint.bind(self)
        total = [sum(c) for c in zip(*(self._samples_per_piece(p) for p in pieces))] or [0] * len(self.monitors)
        counts = [sum(c) for c in zip(*(self._samples_per_piece(p) for p in pieces[:start]))]
        counts = counts or [0] * len(self.monitors)
        steps_done = sum(nb * period[lvl + 1] for nb, lvl in pieces[:start])
        buffers = None
        if sink is not None:
            full = self._samples_per_piece(pieces[0]) if pieces else [1] * len(self.monitors)
            chunk_samples = {}
            for k, m in enumerate(self.monitors):
                chunk_samples[m.time_dim()] = max(chunk_samples.get(m.time_dim(), 1), full[k])
            sink.start(self._dataset(self._empty_samples(), first=[0] * len(self.monitors)), chunk_samples,
                       tuple(chunk_samples), None if resume is None else resume.sink_state)
        else:
            buffers = [None] * len(self.monitors)
            if resume is not None and resume.samples is not None:
                for k, arr in enumerate(resume.samples):
                    buffers[k] = np.empty(arr.shape[: len(lead)] + (total[k],) + arr.shape[len(lead) + 1:], arr.dtype)
                    buffers[k][(slice(None),) * len(lead) + (slice(0, counts[k]),)] = arr
        bar = _progress_bar(self.n_steps, len(pieces) - start, progress)
        if bar is not None and steps_done:
            bar.update(steps_done)
        for i in range(start, len(pieces)):
            n_blocks, level = pieces[i]
            if self.batched:
                carry, ys = _engine.advance_batched(carry, self.dyn, self.plan, n_blocks, level, self.axes)
            else:
                carry, ys = _engine.advance(carry, self.dyn, self.plan, n_blocks, level)
            chunk = [None] * len(self.monitors)
            for lvl, outs in enumerate(ys):
                for idx, arr in zip(levels[lvl][1], outs):
                    arr = np.asarray(arr)
                    chunk[idx] = arr.reshape(lead + (-1,) + arr.shape[-2:])
            self._check_finite(carry)
            steps_done += n_blocks * period[level + 1]
            if sink is not None:
                sink.append(self._dataset(self._empty_samples(chunk), first=counts), i + 1, len(pieces),
                            steps_done * self.dt)
            else:
                for k, arr in enumerate(chunk):
                    if arr is None:
                        continue
                    if buffers[k] is None:
                        buffers[k] = np.empty(arr.shape[: len(lead)] + (total[k],) + arr.shape[len(lead) + 1:],
                                              arr.dtype)
                    m = arr.shape[len(lead)]
                    buffers[k][(slice(None),) * len(lead) + (slice(counts[k], counts[k] + m),)] = arr
            counts = [c + (0 if a is None else a.shape[len(lead)]) for c, a in zip(counts, chunk)]
            if checkpoint is not None:
                kept = None
                if sink is None:
                    kept = [self._filled(k, buffers[k], counts[k]) for k in range(len(self.monitors))]
                checkpoint.save(carry, i + 1, pieces, kept, None if sink is None else sink.state())
            if bar is not None:
                bar.update(n_blocks * period[level + 1])
        if bar is not None:
            bar.close()
        self.carry = carry
        if sink is not None:
            return sink.finish()
        return self._dataset(self._empty_samples(buffers))

    def _empty_samples(self, samples=None):
        """Per monitor: ``samples[k]``, or a zero-length array where it is None."""
        lead = (self.batch_size,) if self.batched else ()
        dtype = self.dyn.table.weights.dtype
        out = []
        for k, m in enumerate(self.monitors):
            arr = None if samples is None else samples[k]
            if arr is None:
                arr = np.zeros(lead + (0, len(m.observables(self.model)), self.connectome.n_regions), dtype)
            out.append(arr)
        return out

    def _filled(self, k, buffer, count):
        """The first ``count`` samples of monitor ``k``'s output buffer."""
        if buffer is None:
            return self._empty_samples()[k]
        lead = (self.batch_size,) if self.batched else ()
        return buffer[(slice(None),) * len(lead) + (slice(0, count),)]

    def _chunk_blocks(self, n_top, p_top, chunk_steps):
        if chunk_steps is None:
            itemsize = jnp.dtype(self.dyn.table.weights.dtype).itemsize
            n = self.connectome.n_regions
            per_step = sum(
                len(m.observables(self.model)) * n * itemsize / p
                for p, idx in self.plan.levels
                for m in (self.monitors[i] for i in idx)
            )
            chunk_steps = min(MAX_CHUNK_STEPS, CHUNK_OUTPUT_BYTES / max(per_step, 1e-9))
        target = max(1, int(chunk_steps // p_top))
        if n_top <= target:
            return max(n_top, 1)
        # Prefer a divisor of n_top (one compiled chunk size) when one is close.
        for nb in range(target, max(target // 2, 1) - 1, -1):
            if n_top % nb == 0:
                return nb
        return target

    def _check_finite(self, carry):
        if self.on_divergence == "keep":
            return
        bad_steps = np.atleast_1d(np.asarray(carry.bad_step))
        bad_regions = np.atleast_1d(np.asarray(carry.bad_region))
        hit = np.nonzero(bad_steps >= 0)[0]
        if hit.size:
            b = hit[np.argmin(bad_steps[hit])]
            step, index = int(bad_steps[b]), int(bad_regions[b])
            where = f"batch item {b}: " if self.batched else ""
            raise DivergenceError(
                f"the run diverged: {where}a state variable of region "
                f"{self.connectome.labels[index]!r} (index {index}) became NaN or inf at "
                f"t = {step * self.dt:g} ms (step {step}). Use a smaller dt (now {self.dt:g} ms), "
                "weaker noise, or a more stable method (e.g. 'heun' or 'rk4')."
            )

    def _dataset(self, samples, first=None):
        """The Dataset of per-monitor sample arrays ``(..., time, variable, region)``.

        ``first[k]`` is the index of monitor ``k``'s first sample (a chunk of
        a streamed run); its time stamps are those of the whole run.
        """
        regions = xr.DataArray(
            list(self.connectome.labels), dims="region", attrs={"long_name": "brain region"}
        )
        data = {}
        lead = (self.batch_size,) if self.batched else ()
        for k, (period_steps, _), m in self._monitor_periods():
            arr = samples[k]
            start = 0 if first is None else first[k]
            times = (np.arange(start, start + arr.shape[len(lead)]) + 1) * period_steps * self.dt
            if self.batched:
                items = [m.to_dataarrays(a, times, self.model, regions) for a in arr]
                data.update({name: xr.concat([it[name] for it in items], dim="batch") for name in items[0]})
            else:
                data.update(m.to_dataarrays(arr, times, self.model, regions))
        return xr.Dataset(data, attrs=dict(self.attrs))

    def _monitor_periods(self):
        for period_steps, indices in self.plan.levels:
            for k in indices:
                yield k, (period_steps, indices), self.monitors[k]


def _progress_bar(total, n_pieces, progress):
    if progress is None:
        progress = n_pieces > 1 and sys.stderr.isatty()
    if not progress:
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError:  # pragma: no cover - tqdm is a dependency
        return None
    return tqdm(total=total, unit="step", desc="brainnet_cb", leave=False)


def _validate_monitors(monitors, model, dt):
    if monitors is None:
        monitors = (TemporalAverage(period=1.0),)
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


def _validate_history(history, model, n, max_lag, x0, send_row, initial_given, dtype):
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


def prepare(
    model,
    connectome,
    duration,
    dt=0.1,
    *,
    coupling=None,
    speed=3.0,
    noise=None,
    monitors=None,
    key=0,
    method="heun",
    initial_state=None,
    history=None,
    normalize="max",
    dtype=None,
    edges="auto",
) -> Run:
    """Validate everything on the host and build a :class:`Run` (no compilation)."""
    if not isinstance(model, NodeModel):
        raise ModelError(f"model must be a node model such as bn.CoombesByrne(); got {model!r}.")
    if not isinstance(connectome, Connectome):
        raise ConnectomeError(
            f"connectome must be a bn.Connectome (e.g. bn.Connectome(weights, lengths)); "
            f"got {type(connectome).__name__}."
        )
    dt = _check_positive_time(dt, "dt")
    duration = _check_positive_time(duration, "duration")
    n_steps = round(duration / dt)
    if n_steps < 1 or abs(n_steps * dt - duration) > 1e-9 * duration:
        raise SimulationError(
            f"duration {duration:g} ms is not a whole multiple of dt = {dt:g} ms; "
            f"use e.g. duration={max(n_steps, 1) * dt:g} ms."
        )
    speed = to_mm_per_ms(speed, "speed", SimulationError)
    if not isinstance(speed, float) or not math.isfinite(speed) or speed <= 0:
        raise SimulationError(f"speed must be a finite conduction speed > 0 (mm/ms); got {speed!r}.")
    get_integrator(method)
    coupling = Linear() if coupling is None else coupling
    if not isinstance(coupling, Coupling):
        raise CouplingError(
            f"coupling must be a coupling object such as bn.Linear(G=0.5); got {coupling!r}."
        )
    if noise is not None and not isinstance(noise, Additive):
        raise NoiseError(f"noise must be bn.Additive(...) or None; got {noise!r}.")
    dtype = resolve_dtype(dtype)
    jkey, seed = _make_key(key)

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
    bound_monitors, levels = _validate_monitors(monitors, model, dt)

    lags = compute_lags(conn.lengths, speed, dt)
    table, max_lag = build_delay_table(conn.weights, lags, dtype, edges)
    x0 = model.initial_state(n, dtype, initial_state)
    hist0, x0 = _validate_history(history, model_v, n, max_lag, x0, send_row, initial_state is not None, dtype)

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


def simulate(
    model,
    connectome,
    duration,
    dt=0.1,
    *,
    coupling=None,
    speed=3.0,
    noise=None,
    monitors=None,
    key=0,
    method="heun",
    initial_state=None,
    history=None,
    normalize="max",
    dtype=None,
    chunk_steps=None,
    progress=None,
    edges="auto",
    out=None,
    overwrite=False,
    checkpoint=None,
    resume_from=None,
) -> xr.Dataset:
    r"""Simulate a network of node models coupled through a delayed connectome.

    Region ``i`` receives, at the model's coupling port (``v`` for
    Coombes–Byrne), :math:`c_i(t) = G \sum_j W_{ij}\, r_j(t - \tau_{ij})` with
    ``W[target, source]`` and :math:`\tau_{ij} = L_{ij} / \mathrm{speed}`,
    rounded to whole steps (see :mod:`brainnet_cb.delays`). The input is held
    fixed over the stages of one step. The whole run is a compiled
    ``lax.scan`` advanced in chunks; a new run with the same structure and new
    parameter values reuses the compiled program.

    Parameters
    ----------
    model : NodeModel
        The node model, e.g. ``bn.CoombesByrne(eta=-4.6)``; parameters may be
        per-region arrays.
    connectome : Connectome
        Weights ``[target, source]`` and tract lengths (mm).
    duration, dt : float or brainunit.Quantity
        Simulated time and step (ms); ``duration`` a whole multiple of ``dt``.
    coupling : Coupling, default ``Linear(G=1.0)``
        ``Linear``, ``Diffusive`` or ``Conductance``.
    speed : float or brainunit.Quantity, default 3.0
        Conduction speed (mm/ms = m/s).
    noise : Additive, optional
        Additive white noise, an SDE term ``sigma sqrt(dt) xi`` per step.
    monitors : sequence of Monitor, default ``[TemporalAverage(1 ms)]``
        What to record; each period a multiple of ``dt`` and of the next
        shorter period.
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
    dtype : dtype, optional
        Float type; default float64 when ``jax_enable_x64`` is on, else float32.
    chunk_steps : int, optional
        Steps per compiled chunk (default: sized so that one chunk's outputs
        stay under 64 MiB).
    progress : bool, optional
        Show a progress bar between chunks (default: when on a terminal and
        there is more than one chunk).
    edges : {"auto", "padded", "segment"}, default "auto"
        Layout of the delayed read (:mod:`brainnet_cb.delays`): edges padded
        per target row, or a flat edge list summed per target (for very
        unequal in-degrees); ``"auto"`` picks by the padding overhead. Both
        give the same result up to the order of a floating-point sum.
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
        Continue the run saved in this checkpoint: pass the *same* arguments
        as the interrupted run (and its ``out``); a checkpoint of another run
        is refused. The result equals the uninterrupted run bit for bit. The
        checkpoint keeps being updated unless ``checkpoint`` names another file.

    Returns
    -------
    xarray.Dataset
        One data variable per monitor and observable, dims ``(time, region)``
        (``time_{name}`` for a named monitor), time in ms at the end of each
        sampling period; provenance in ``attrs``. With ``out``, the Dataset
        opened (lazily) from the finished store.

    Raises
    ------
    BrainnetError
        A subclass naming the bad input, before anything is compiled.
    DivergenceError
        If the state becomes NaN or inf; names the first region and time.
    CheckpointError
        If ``resume_from`` cannot be read or belongs to another run.

    Examples
    --------
    >>> import numpy as np, brainnet_cb as bn
    >>> conn = bn.Connectome(weights=[[0, 1], [1, 0]], lengths=[[0, 30], [30, 0]])
    >>> ds = bn.simulate(bn.CoombesByrne(), conn, duration=100.0, dt=0.1,
    ...                  coupling=bn.Linear(G=0.5), speed=3.0)
    >>> ds.r.dims, ds.sizes["time"]
    (('time', 'region'), 100)
    """
    run = prepare(
        model,
        connectome,
        duration,
        dt,
        coupling=coupling,
        speed=speed,
        noise=noise,
        monitors=monitors,
        key=key,
        method=method,
        initial_state=initial_state,
        history=history,
        normalize=normalize,
        dtype=dtype,
        edges=edges,
    )
    return _execute(run, chunk_steps, progress, out, overwrite, checkpoint, resume_from)


def _execute(run, chunk_steps, progress, out, overwrite, checkpoint, resume_from):
    """Run ``run`` with the streaming and checkpoint options of :func:`simulate`."""
    from .checkpoint import Checkpointer, load_checkpoint
    from .streaming import ZarrSink

    resume = None
    if resume_from is not None:
        resume = load_checkpoint(resume_from).restore(run, streamed=out is not None)
        if checkpoint is None:
            checkpoint = resume_from
    sink = ZarrSink(out, overwrite=overwrite, resume=resume is not None) if out is not None else None
    saver = Checkpointer(checkpoint) if checkpoint is not None else None
    return run.execute(chunk_steps=chunk_steps, progress=progress, sink=sink, checkpoint=saver, resume=resume)
