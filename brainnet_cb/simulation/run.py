"""``Run``: a prepared simulation (validated pieces, static plan, initial carry) and its execution.

A :class:`Run` is what :meth:`brainnet_cb.Simulation.prepare` builds once on the
host. :meth:`Run.execute` advances it in compiled chunks
(:func:`brainnet_cb.simulation.engine.advance`), hands every finished chunk to host
memory or a sink (:mod:`brainnet_cb.simulation.streaming`), saves checkpoints
(:mod:`brainnet_cb.simulation.checkpoint`) and returns the labelled Dataset.
"""

from __future__ import annotations

import dataclasses
import math

import jax.numpy as jnp
import numpy as np

from .._progress import progress_bar
from ..connectome import Connectome
from ..coupling import Coupling
from ..errors import DivergenceError, SimulationError
from ..nodes.base import NodeModel
from . import engine
from .cf import sample_times

__all__ = ["Run", "CHUNK_OUTPUT_BYTES", "MAX_CHUNK_STEPS"]

#: Soft cap on the memory of one chunk's outputs (bytes; all members of a batch together).
CHUNK_OUTPUT_BYTES = 64 * 2**20
#: Upper bound on integration steps per compiled chunk.
MAX_CHUNK_STEPS = 200_000


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
    plan: engine.Plan
    dyn: engine.Dynamic
    carry: engine.Carry
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
        sized so that one chunk's outputs, those of every member of a batch
        together, stay under :data:`CHUNK_OUTPUT_BYTES` = 64 MiB, and at most
        :data:`MAX_CHUNK_STEPS` steps), then the tail at the lower levels. A
        chunk is a whole number of top-level periods (the longest monitor
        period, e.g. a ``Bold`` TR), at least one, and may be shortened (to
        no less than half) to a divisor of the run, so that one compiled
        chunk serves it.
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

    def samples_per_piece(self, piece):
        """Samples each monitor emits in one piece ``(n_blocks, level)``."""
        n_blocks, level = piece
        steps = n_blocks * ([1] + [p for p, _ in self.plan.levels])[level + 1]
        out = [0] * len(self.monitors)
        for lvl, (p, idx) in enumerate(self.plan.levels):
            for k in idx:
                out[k] = steps // p if lvl <= level else 0
        return out

    def compile(self, chunk_steps=None) -> None:
        """Compile now the programs that :meth:`execute` with the same ``chunk_steps`` will run.

        Each distinct piece ``(n_blocks, level)`` of :meth:`schedule` is one program;
        JAX's jit cache keeps it, so :meth:`execute` then neither compiles nor loads
        from the persistent cache. ``brainnet-cb run`` calls this before
        :meth:`execute` allocates the outputs (the file, its buffers, xarray):
        compiling a monitored run's program needs ~100 MB of transient memory on a
        CPU, and compiling the tail program at the end of the run, on top of what the
        run holds by then, set the command's peak.
        """
        axes = self.axes if self.batched else None
        for n_blocks, level in dict.fromkeys(self.schedule(chunk_steps)):
            engine.compile_advance(self.carry, self.dyn, self.plan, n_blocks, level, axes)

    def execute(self, chunk_steps=None, progress=None, *, sink=None, checkpoint=None, resume=None):
        """Advance the run to its end and return the outputs as a Dataset.

        Parameters
        ----------
        chunk_steps : int, optional
            Steps per compiled chunk (see :meth:`schedule`); ignored when
            resuming (the checkpoint's schedule is kept).
        progress : bool, optional
            Progress bar between chunks.
        sink : brainnet_cb.simulation.streaming.Sink, optional
            Receives every finished chunk's samples instead of host memory
            (e.g. :class:`~brainnet_cb.simulation.streaming.ZarrSink`); its ``finish()``
            is returned.
        checkpoint : brainnet_cb.simulation.checkpoint.Checkpointer, optional
            Saves the full state after every finished chunk.
        resume : brainnet_cb.simulation.checkpoint.ResumeState, optional
            Continue from a checkpoint's state (see
            :meth:`~brainnet_cb.simulation.checkpoint.Checkpoint.restore`).
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
        total = [sum(c) for c in zip(*(self.samples_per_piece(p) for p in pieces))] or [0] * len(self.monitors)
        counts = [sum(c) for c in zip(*(self.samples_per_piece(p) for p in pieces[:start]))]
        counts = counts or [0] * len(self.monitors)
        steps_done = sum(nb * period[lvl + 1] for nb, lvl in pieces[:start])
        buffers = None
        if sink is not None:
            full = self.samples_per_piece(pieces[0]) if pieces else [1] * len(self.monitors)
            chunk_samples = {}
            for k, m in enumerate(self.monitors):
                chunk_samples[m.time_dim()] = max(chunk_samples.get(m.time_dim(), 1), full[k])
            sink.start(self.to_dataset(self.empty_samples(), first=[0] * len(self.monitors)), chunk_samples,
                       tuple(chunk_samples), None if resume is None else resume.sink_state)
        else:
            buffers = [None] * len(self.monitors)
            if resume is not None and resume.samples is not None:
                for k, arr in enumerate(resume.samples):
                    buffers[k] = np.empty(arr.shape[: len(lead)] + (total[k],) + arr.shape[len(lead) + 1:], arr.dtype)
                    buffers[k][(slice(None),) * len(lead) + (slice(0, counts[k]),)] = arr
        bar = progress_bar(progress, self.n_steps, "brainnet_cb", unit="step", default=len(pieces) - start > 1)
        if bar is not None and steps_done:
            bar.update(steps_done)
        try:
            for i in range(start, len(pieces)):
                n_blocks, level = pieces[i]
                if self.batched:
                    carry, ys = engine.advance_batched(carry, self.dyn, self.plan, n_blocks, level, self.axes)
                else:
                    carry, ys = engine.advance(carry, self.dyn, self.plan, n_blocks, level)
                chunk = [None] * len(self.monitors)
                for lvl, outs in enumerate(ys):
                    for idx, arr in zip(levels[lvl][1], outs):
                        arr = np.asarray(arr)
                        chunk[idx] = arr.reshape(lead + (-1,) + arr.shape[-2:])
                self.check_finite(carry)
                steps_done += n_blocks * period[level + 1]
                if sink is not None:
                    sink.append(self.to_dataset(self.empty_samples(chunk), first=counts), i + 1, len(pieces),
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
        finally:  # the stop button too: a bar left open pushed every later bar a line down
            if bar is not None:
                bar.close()
        self.carry = carry
        if sink is not None:
            return sink.finish()
        return self.to_dataset(self.empty_samples(buffers))

    def empty_samples(self, samples=None):
        """Per monitor: ``samples[k]``, or a zero-length array where it is None."""
        lead = (self.batch_size,) if self.batched else ()
        dtype = self.dyn.table.weights.dtype
        out = []
        for k, m in enumerate(self.monitors):
            arr = None if samples is None else samples[k]
            if arr is None:
                arr = np.zeros(lead + (0, *m.sample_shape(self.model, self.connectome.n_regions)), dtype)
            out.append(arr)
        return out

    def _filled(self, k, buffer, count):
        """The first ``count`` samples of monitor ``k``'s output buffer."""
        if buffer is None:
            return self.empty_samples()[k]
        lead = (self.batch_size,) if self.batched else ()
        return buffer[(slice(None),) * len(lead) + (slice(0, count),)]

    def _chunk_blocks(self, n_top, p_top, chunk_steps):
        if chunk_steps is None:
            itemsize = jnp.dtype(self.dyn.table.weights.dtype).itemsize
            n = self.connectome.n_regions
            members = self.batch_size if self.batched else 1  # a batch's chunk holds every member's outputs
            per_step = members * sum(
                math.prod(m.sample_shape(self.model, n)) * itemsize / p
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

    def check_finite(self, carry):
        """Raise the divergence error if ``carry`` (single or batched) records a non-finite state.

        Nothing is raised with ``on_divergence="keep"`` (the batch reports it per member instead).
        """
        if self.on_divergence == "keep":
            return
        bad_steps = np.atleast_1d(np.asarray(carry.bad_step))
        bad_regions = np.atleast_1d(np.asarray(carry.bad_region))
        hit = np.nonzero(bad_steps >= 0)[0]
        if hit.size:
            b = hit[np.argmin(bad_steps[hit])]
            step, index = int(bad_steps[b]), int(bad_regions[b])
            where = f"batch item {b}: " if self.batched else ""
            head = (f"the run diverged: {where}a state variable of region {self.connectome.labels[index]!r} (index "
                    f"{index}) became NaN or inf at t = {step * self.dt:g} ms (step {step}).")
            if not np.any(np.asarray(self.connectome.weights)):  # one node, or regions without edges
                raise DivergenceError(
                    f"{head} The regions are not coupled (the connectome has no edges), so the step is the cause: "
                    f"use a smaller dt (now {self.dt:g} ms; an explicit scheme is stable only while dt times the "
                    "node's fastest rate stays small), a method with a larger stability region ('rk4'), "
                    "or weaker noise."
                )
            raise DivergenceError(
                f"{head} Lower the coupling strength G (the usual "
                f"cause: a runaway excitation), or use a smaller dt (now {self.dt:g} ms), weaker noise, or a more "
                "stable method (e.g. 'heun' or 'rk4')."
            )

    def to_dataset(self, samples, first=None):
        """The Dataset of per-monitor sample arrays ``(..., time, variable, region)``.

        ``first[k]`` is the index of monitor ``k``'s first sample (a chunk of
        a streamed run); its time stamps are those of the whole run.
        """
        import xarray as xr  # noqa: PLC0415 - loaded on first use (start-up, memory)

        regions = xr.DataArray(
            list(self.connectome.labels), dims="region", attrs={"long_name": "brain region"}
        )
        data = {}
        lead = (self.batch_size,) if self.batched else ()
        for k, (period_steps, _), m in self._monitor_periods():
            arr = samples[k]
            start = 0 if first is None else first[k]
            times = sample_times(start, arr.shape[len(lead)], period_steps, self.dt)
            if self.batched:
                data.update(_batched_dataarrays(m, arr, times, self.model, regions))
            else:
                data.update(m.to_dataarrays(arr, times, self.model, regions))
        return xr.Dataset(data, attrs=dict(self.attrs))

    def _monitor_periods(self):
        for period_steps, indices in self.plan.levels:
            for k in indices:
                yield k, (period_steps, indices), self.monitors[k]

    def outputs(self) -> dict:
        """``{output name: monitor}``: every data variable the run writes and its monitor."""
        return {name: m for m in self.monitors for name in m.output_names(self.model)}

    def signal_monitor(self, signal, error=SimulationError):
        """The monitor that writes the output ``signal``; ``error`` if none does.

        Used by the FC workflows (sweeps and fits) to check the signal they read.
        """
        names = self.outputs()
        if signal not in names:
            raise error(
                f"signal {signal!r} is not an output of the monitors {[m.describe() for m in self.monitors]}; "
                f"choose one of {sorted(names)} (add e.g. bn.Bold(tr=720.0) to monitors for 'bold')."
            )
        return names[signal]


def _batched_dataarrays(monitor, samples, times, model, regions):
    """``monitor.to_dataarrays`` of a batch ``samples (B, time, ...)``, in one call.

    The members are laid end to end along time (a view, no copy) and labelled
    as one long series with the time stamps repeated, so any monitor's own
    selection by time (e.g. ``Bold(discard=...)``) applies to each member; the
    result is cut back into ``(batch, time, ...)``. No DataArray per member, and
    the outputs exist once (``xr.concat`` of per-member arrays copied them).
    """
    import xarray as xr  # noqa: PLC0415 - loaded on first use (start-up, memory)

    size = samples.shape[0]
    flat = samples.reshape((-1,) + samples.shape[2:])
    dim = monitor.time_dim()
    out = {}
    for name, da in monitor.to_dataarrays(flat, np.tile(times, size), model, regions).items():
        per_member = da.sizes[dim] // size
        first = da.isel({dim: slice(0, per_member)})
        axis = da.dims.index(dim)
        data = da.values.reshape(da.shape[:axis] + (size, per_member) + da.shape[axis + 1:])
        out[name] = xr.DataArray(np.moveaxis(data, axis, 0), dims=("batch",) + da.dims, coords=first.coords,
                                 attrs=da.attrs, name=da.name)
    return out
