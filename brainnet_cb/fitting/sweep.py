r"""Parameter sweeps: a grid of runs, batched into compiled programs, summarised.

:func:`sweep` takes the cartesian product of a grid of parameter values, cuts
it into batches of a fixed size (from a memory budget), runs each batch as one
vmapped compiled program (:func:`~brainnet_cb.simulate_batch`), reduces each
run to a few numbers on the spot, and returns an :class:`xarray.Dataset` with
one dimension per swept parameter. Batches run in this process or, given a
``dask.distributed`` client, on its workers; the numbers are the same.

Summaries of run :math:`m` (signal :math:`x_{ti}`, e.g. BOLD, after the
transient; FC as :func:`brainnet_cb.fc`):

- ``fc_corr``, ``fc_rmse``: :func:`brainnet_cb.fc_fit` against an empirical FC;
- ``fcd_ks``: :func:`brainnet_cb.ks_distance` between the run's FCD and an
  empirical FCD (Hansen et al. 2015);
- ``fc_mean``: mean off-diagonal FC, :math:`\frac{2}{n(n-1)}\sum_{i<j} FC_{ij}`
  (0 for independent regions, 1 for a synchronised network);
- ``gs_var``: variance of the global signal :math:`g_t = \frac1n \sum_i x_{ti}`;
- ``gs_fraction``: :math:`\mathrm{var}(g) / \frac1n\sum_i \mathrm{var}(x_i)`,
  between :math:`\approx 1/n` (independent regions) and 1 (synchrony) — where the
  network actually interacts (Deco et al. 2017);
- ``diverged``, ``diverged_at``: whether the run produced NaN/inf and the time
  of its first non-finite sample (the other members of the batch are kept).

References
----------
Hansen, E. C. A., Battaglia, D., Spiegler, A., Deco, G., Jirsa, V. K. (2015).
Functional connectivity dynamics: modeling the switching behavior of the resting
state. NeuroImage 105, 525–535.
Deco, G., Kringelbach, M. L., Jirsa, V. K., Ritter, P. (2017). The dynamics of
resting fluctuations in the brain: metastability and its dynamical cortical core.
Sci. Rep. 7, 3095.
"""

from __future__ import annotations

import contextlib
import json
import math
import re
import time

import jax
import numpy as np
import xarray as xr

from .. import analysis
from .._progress import progress_bar
from ..analysis.timeseries import to_seconds
from ..data.empirical import target_fc
from ..delays import compute_lags
from ..errors import SweepError
from ..precision import enable_float64
from ..simulation import capacity
from ..simulation.batch import simulate_batch
from ..simulation.capacity import XLA_WORKING_BYTES, _size, output_bytes
from ..simulation.checkpoint import float_count_hash, float_count_results_hash
from ..simulation.parameters import GRID, ParameterBook
from ..simulation.run import CHUNK_OUTPUT_BYTES
from ..simulation.spec import Simulation, check_flag, simulation
from ..simulation.step_stability import check_batch_stability, one_call
from .batch_size import choose_batch_size
from .fit_results import check_options
from .sweep_checkpoint import SweepCheckpoint, sweep_fingerprint
from .sweep_summaries import (
    ATTRS,
    SUMMARIES,
    analysis_attrs,
    check_band_fits,
    check_fcd_target,
    monitor_discard_ms,
    of_the_run,
    signal_samples,
    summarize,
    too_few_samples,
    warn_if_no_fc,
)

__all__ = ["sweep", "DEFAULT_MEMORY", "SUMMARIES"]

#: Default memory budget of one batch (bytes).
DEFAULT_MEMORY = 2 * 2**30
#: Seconds each dask worker has, in the check before any batch is submitted, to load the sweep's task (its first
#: import of brainnet_cb and JAX takes about a second); one that takes longer (an import or a summary's unpickling
#: that hangs) is named and the sweep refused, as is a cluster that has not answered this much later.
WORKER_CHECK_TIMEOUT_S = 120.0

_UNITS = {"b": 1, "kb": 1e3, "mb": 1e6, "gb": 1e9, "tb": 1e12, "kib": 2**10, "mib": 2**20, "gib": 2**30,
          "tib": 2**40}


# ----------------------------------------------------------------------------- validation
def parse_bytes(value, error=SweepError, name="memory"):
    """Bytes from an int/float or a string such as ``"2 GiB"`` / ``"500MB"``."""
    if isinstance(value, str):
        m = re.fullmatch(r"\s*([0-9.eE+]+)\s*([kKmMgGtT]?i?[bB])?\s*", value)
        if m is None:
            raise error(f"{name} must be a number of bytes or a string such as '2 GiB'; got {value!r}.")
        number, unit = float(m.group(1)), (m.group(2) or "b").lower()
        value = number * _UNITS[unit]
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) \
            or not math.isfinite(value) or value <= 0:
        raise error(f"{name} must be a positive number of bytes or a string such as '2 GiB'; got {value!r}.")
    return int(value)



def grid_values(grid, book, n, dtype, labels=None):
    """``{name: (kind, values)}``: each value array ``(k,)`` or ``(k, n)``, checked by the parameter book
    (rows labelled by region put in the order of the connectome's ``labels``)."""
    if not isinstance(grid, dict) or not grid:
        raise SweepError(
            f"grid must be a non-empty dict {{name: values}}, e.g. grid={{'G': np.linspace(0, 2, 32)}}; "
            f"got {grid!r}."
        )
    out = {}
    for name, vals in grid.items():
        p = book.lookup(name, SweepError, GRID.unknown)
        out[name] = (p.kind, book.rows(p, vals, n, dtype, GRID, labels))
    return out


#: Float64 copies of a batch's signal that summarising it holds at its peak (:func:`summarize`: the signal in float64,
#: the zero-phase band-pass's padded passes, the centred series of the correlations): 5.0 with the band-pass and 4.0
#: without, measured (``tracemalloc``) on 76 and 400 regions, float32 and float64 outputs, 1 to 8 members.
SUMMARY_COPIES = 5


def _variable_values(run, monitor):
    """How many values one variable of ``monitor``'s series holds over the whole of ``run``."""
    k = next(i for i, m in enumerate(run.monitors) if m is monitor)
    samples = sum(run.samples_per_piece(p)[k] for p in run.schedule(max(run.n_steps, 1)))
    n = run.connectome.n_regions
    return samples * math.prod(monitor.sample_shape(run.model, n)) // len(monitor.output_names(run.model))


def _member_bytes(run, max_lag, monitor=None):
    """Bytes one batch member adds to a batch's peak: its outputs (kept in host memory until the batch ends), the
    :data:`SUMMARY_COPIES` float64 copies of its signal (``monitor``'s series of one variable) that the summaries
    make, and its carry (the delay history and states, a few copies on the device)."""
    itemsize = np.dtype(run.dyn.table.weights.dtype).itemsize
    n = run.connectome.n_regions
    signal = 0 if monitor is None else _variable_values(run, monitor)
    carry = (max_lag + 1 + 2 * len(run.model.states) + 16) * n
    return output_bytes(run) + SUMMARY_COPIES * 8 * signal + 4 * itemsize * carry


#: A batch's own working memory beside its members': one chunk's outputs (at most CHUNK_OUTPUT_BYTES, every member
#: together) and XLA compiling its programs.
BATCH_WORKING_BYTES = CHUNK_OUTPUT_BYTES + XLA_WORKING_BYTES


def _kept_bytes(run, keep):
    """Bytes one run adds to the sweep's result through ``keep``: each kept output's series (as returned) and, for
    ``"fc"``, its ``n x n`` float64 FC."""
    n = run.connectome.n_regions
    itemsize = np.dtype(run.dyn.table.weights.dtype).itemsize
    monitors = run.outputs()
    return sum(8 * n * n if name == "fc" else _variable_values(run, monitors[name]) * itemsize for name in keep)


def _batch_cap(memory, per_run, room=None, held=0):
    """The most members whose bytes fit, once :data:`BATCH_WORKING_BYTES` is set aside, in ``memory`` (the budget of
    one batch) and in ``room`` less ``held`` (the memory available where the batches run here, less the kept outputs
    of every run that the results gather); at least 1."""
    budget = parse_bytes(memory) if room is None else min(parse_bytes(memory), room - held)
    return max(1, (budget - BATCH_WORKING_BYTES) // per_run)


def _check_batch_memory(B, per_run, room, signal, forced, held=0, total=1):
    """Refuse a batch of ``B`` that cannot fit, with the kept outputs of all ``total`` runs (``held``), in the memory
    available (``room``; None: not known), before any run (less than a gigabyte is not checked, as a single run)."""
    need = B * per_run + BATCH_WORKING_BYTES + held
    if room is None or need < 2**30 or need <= room:
        return
    runs = f"a batch of {B} runs" if B > 1 else "one run"
    parts = [f"{_size(B * per_run)} for the outputs, carries and the summaries' float64 copies of {signal!r}",
             f"{_size(BATCH_WORKING_BYTES)} for running the batch"]
    ways = "record fewer samples (a longer monitor period, fewer monitors or variables), or run a shorter time."
    if held:
        parts.append(f"{_size(held)} for what keep= holds of all {total} runs (kept, then assembled)")
        ways = f"keep fewer outputs, {ways}"
    if forced and B > 1:
        ways = f"pass a smaller batch_size= (or none: the batches are sized to the memory available), {ways}"
    raise SweepError(
        f"{runs} of this sweep needs {_size(need)} of memory: {', '.join(parts[:-1])}, and "
        f"{parts[-1]}; more than the {_size(room)} this machine has available, so it would fail (or be killed by the "
        f"system). {ways[0].upper() + ways[1:]}"
    )


# ----------------------------------------------------------------------------- one batch
def run_batch(task):
    """Run one batch of a sweep and summarise it (in this process or on a dask worker).

    ``task`` is built by :func:`sweep`; this is a top-level function so that a
    ``dask.distributed`` worker imports it by name. The simulation travels as
    its fields and is rebuilt (validated) here, after float64 is switched on.
    Returns ``(index, summaries, extra, attrs)``.
    """
    if task["dtype"] == "float64":
        enable_float64()  # a fresh worker process starts in float32
    with one_call(quiet=True):  # sweep() checked the step for every member, once
        spec = Simulation(**task["simulation"])
        ds = simulate_batch(spec, batch=task["batch"], on_divergence="keep", progress=False)
    out, extra = summarize(ds, task["settings"])
    return task["index"], out, extra, dict(ds.attrs)


def _check_steps(spec, run, values):
    """One :class:`~brainnet_cb.StepSizeWarning` for the grid's members past the step's stability limit (the
    batches check nothing: :func:`run_batch`)."""
    axes = [(d, k, v) for d, (k, (_, v)) in enumerate(values.items()) if k in spec.model.parameters]
    if any(v.ndim != 1 for _, _, v in axes):
        return  # one value per region: no single node to check
    shape = tuple(v.shape[0] for _, v in values.values())
    index = np.indices(shape).reshape(len(shape), -1)  # every member's position on each axis
    check_batch_stability(spec.model, spec.method, run.dt, {k: v[index[d]] for d, k, v in axes}, what="sweep")


# ----------------------------------------------------------------------------- the sweep
def _check_client(client):
    if client is None:
        return None
    if not all(hasattr(client, a) for a in ("submit", "gather", "nthreads", "run")):
        raise SweepError(
            f"client must be a dask.distributed.Client (e.g. Client(LocalCluster(n_workers=2))) or None "
            f"to run here; got {type(client).__name__}."
        )
    status = str(getattr(client, "status", "running"))
    if status not in ("running", "newly-created", "connecting"):
        raise SweepError(f"client is {status} (its status is {status!r}); pass a running client: create a new "
                         "Client(...) (a client cannot be reopened once closed), or client=None to run here.")
    return client


def _count_workers(client):
    """Workers of the client's cluster: all of them (``scheduler_info()["workers"]`` lists at most five in
    distributed 2025.4 to 2026.6)."""
    workers = len(client.nthreads())
    if workers == 0:
        raise SweepError("client has no workers (yet); the sweep cannot check them nor spread its batches. Start "
                         "them and wait before the sweep: cluster.scale(n) then client.wait_for_workers(n) (an "
                         "adaptive cluster: cluster.adapt(minimum=1)).")
    return workers


def _check_workers(client, task):
    """Refuse, before any batch is submitted, a task the workers cannot receive.

    A summary that cannot be pickled is named; every worker unpickles the task (``brainnet_cb``, the modules
    of the user summaries and of plug-in models must be importable there) and reports its brainnet_cb
    version, which must be this process's. Left to ``client.map``, a worker without brainnet_cb fails to read
    the task and the sweep waits for ever.

    Returns the JAX backend the workers run on (``"cpu"``, ``"gpu"``, ...) when they all report the same one,
    else None.
    """
    import cloudpickle  # noqa: PLC0415 - a dependency of distributed (the dask extra)

    for name, fn in task["settings"]["summaries"].items():
        try:
            cloudpickle.dumps(fn)
        except Exception as err:  # any pickling error, reported with the summary's name
            raise SweepError(
                f"summary {name!r} ({fn!r}) cannot be sent to the dask workers: {type(err).__name__}: {err}. "
                "A summary must be picklable: a function of an importable module, a lambda or a closure over "
                "plain values; not one that holds a lock, an open file or a connection."
            ) from err
    try:
        blob = cloudpickle.dumps((run_batch, task))
    except Exception as err:
        raise SweepError(f"the sweep's task cannot be sent to the dask workers: {type(err).__name__}: {err}. "
                         "Every part of the simulation (model, connectome, coupling, noise, monitors, stimulus) "
                         "must be picklable.") from err

    def probe(blob, timeout):  # nested: sent by value, so a worker without brainnet_cb can still run it
        import importlib  # noqa: PLC0415
        import pickle  # noqa: PLC0415
        import threading  # noqa: PLC0415

        answer = []

        def load():
            try:
                pickle.loads(blob)
                answer.append((True, (importlib.import_module("brainnet_cb").__version__,
                                      importlib.import_module("jax").default_backend())))
            except BaseException as err:  # noqa: BLE001 - reported to the host, not logged by the worker
                answer.append((False, f"{type(err).__name__}: {err}"))

        loading = threading.Thread(target=load, daemon=True)  # a load that hangs is left behind, not waited for
        loading.start()
        loading.join(timeout)
        return answer[0] if answer else (False, f"did not load it within {timeout:g} s (an import or a summary's "
                                                "unpickling that hangs?)")

    from .._version import __version__  # noqa: PLC0415

    answers = _run_with_timeout(client, probe, blob, WORKER_CHECK_TIMEOUT_S)
    bad = {w: msg for w, (ok, msg) in answers.items() if not ok}
    if bad:
        listed = "; ".join(f"{w}: {m}" for w, m in sorted(bad.items()))
        raise SweepError(
            f"{len(bad)} of {len(answers)} dask workers cannot load the sweep's task ({listed}). Install "
            f"brainnet_cb {__version__} (and the modules of the user summaries and plug-in models) in the "
            "workers' Python environment, or run them with this one."
        )
    other = {w: v for w, (_, (v, _)) in answers.items() if v != __version__}
    if other:
        listed = "; ".join(f"{w}: {v}" for w, v in sorted(other.items()))
        raise SweepError(f"dask workers run another brainnet_cb than this process ({__version__}): {listed}. "
                         f"Install brainnet_cb {__version__} on the workers.")
    backends = {backend for _, (_, backend) in answers.values()}
    return backends.pop() if len(backends) == 1 else None


def _run_with_timeout(client, probe, blob, timeout):
    """``client.run(probe, blob, timeout)``, refused when the cluster has not answered 30 s after ``timeout``
    (a worker whose event loop is blocked answers nothing: the check would wait for ever)."""
    import threading  # noqa: PLC0415

    box = {}

    def call():
        try:
            box["answers"] = client.run(probe, blob, timeout)
        except BaseException as err:  # noqa: BLE001 - raised on the caller's thread
            box["error"] = err

    caller = threading.Thread(target=call, daemon=True)
    caller.start()
    caller.join(timeout + 30.0)
    if "error" in box:
        raise box["error"]
    if "answers" not in box:
        raise SweepError(f"the dask workers did not answer the sweep's check within {timeout + 30.0:g} s (a worker "
                         "busy in its event loop, or a scheduler that lost them): nothing was submitted. Restart "
                         "the workers (client.restart()) or run here, client=None.")
    return box["answers"]


def _submit(client, tasks, finished, results):
    """Run ``tasks`` on the client's workers, passing each result to ``finished`` as it comes back.

    When a batch fails (its error, or ``KilledWorker`` when the workers running it died), the batches that
    have finished meanwhile are kept (``finished``) and the others cancelled before the error is raised.
    """
    from distributed import as_completed  # noqa: PLC0415 - optional (the dask extra)

    futures = client.map(run_batch, tasks, pure=False)
    try:
        for fut in as_completed(futures):
            try:
                res = fut.result()
            except BaseException:
                for other in futures:
                    if other.status == "finished":
                        res = other.result()
                        if results[res[0]] is None:
                            finished(*res)
                raise
            finished(*res)
    finally:
        left = [f for f in futures if not f.done()]
        if left:
            client.cancel(left)


def sweep(model, connectome=None, grid=None, *, empirical_fc=None, empirical_fcd=None, signal="bold",
          discard=0.0, band=True, fisher_z=False, fcd_window=60.0, fcd_step=None, fcd_k=1, summaries=None,
          keep=(), memory=DEFAULT_MEMORY, batch_size=None, client=None, progress=None, checkpoint=None,
          resume_from=None, overwrite=False, **options) -> xr.Dataset:
    r"""Run every combination of a grid of parameters and summarise each run.

    The cartesian product of ``grid`` (``K = \prod_p k_p`` runs) is cut into
    batches of ``B`` runs; each batch is one vmapped compiled program
    (:func:`~brainnet_cb.simulate_batch`). ``B`` is the same for every batch
    (the last one is padded with copies of its last run, which are dropped), so
    one compilation serves the whole sweep. Each run is reduced to summaries as
    soon as its batch ends; raw trajectories are not kept unless asked for.

    ``sweep(spec, grid, ...)`` with a :class:`~brainnet_cb.Simulation`, or
    ``sweep(model, connectome, grid, duration=..., **options)`` with its fields
    as options.

    Parameters
    ----------
    model : NodeModel or Simulation
        The node model (swept parameters replace its values), or the whole
        run as a spec (then the grid is the second argument).
    connectome : Connectome
        Weights ``[target, source]`` and tract lengths (mm).
    grid : dict
        ``{name: values}``. Names: those of the parameter book
        (:mod:`brainnet_cb.simulation.parameters`): a parameter of the model (``"eta"``,
        ..., a plug-in model's own), a field of the coupling (``"G"``),
        ``"speed"`` (mm/ms), ``"seed"`` (an int random key per run) or
        ``"noise_<state>"`` (noise amplitude on that state). Values: shape
        ``(k,)``, or ``(k, n)`` for per-region values (the dimension is then an
        index ``0..k-1`` and the values are in the coordinate ``<name>_value``).
        The ``k`` values of a name must be distinct (a repeat is refused).
    **options
        The run options, fields of :class:`~brainnet_cb.Simulation`
        (``duration``, ``dt``, ``coupling``, ``noise``, ``key``, ...). Without
        a swept ``"seed"``, every run uses ``key`` (common random numbers:
        differences between runs come from the parameters, not from the
        noise). Without ``monitors``: ``[Bold(tr=2000 ms)]``
        (:func:`~brainnet_cb.simulation.spec.default_monitors` ``("fc")``); ``signal``
        must be one of their outputs.
    empirical_fc : xarray.DataArray, pandas.DataFrame or array_like (n, n), optional
        Target FC: gives ``fc_corr`` and ``fc_rmse``. A labelled matrix (a
        DataArray with labelled dims, a DataFrame with region labels) is
        aligned to the connectome by label. NaN off the diagonal marks a
        missing pair (at ``[i, j]`` and ``[j, i]``), which is not scored.
    empirical_fcd : xarray.DataArray or array_like, optional
        Target FCD (a matrix or 1-D values, e.g. :func:`brainnet_cb.fcd` of
        empirical BOLD with the same window and step): gives ``fcd_ks``. One
        of :func:`brainnet_cb.fcd` records its window, which must be
        ``fcd_window`` (to within a sample); one with region dims (an FC) is
        refused.
    signal : str, default "bold"
        The output the summaries use.
    discard : float or brainunit.Quantity, default 0
        Transient dropped (s) before every summary.
    band : (float, float), True or None, default True
        Band-pass (Hz) before FC and FCD; ``True`` is (0.01, 0.1) Hz.
    fisher_z : bool
        Compare Fisher-z FCs in ``fc_corr``/``fc_rmse``.
    fcd_window, fcd_step : float, optional
        FCD window and step (s); default 60 s and one sample.
    fcd_k : int, default 1
        Diagonal offset of the FCD values compared by ``fcd_ks``.
    summaries : dict, optional
        ``{name: fn}`` with ``fn(member) -> number, array or DataArray``, called
        with one run's Dataset (as :func:`~brainnet_cb.simulate` returns it);
        the result gets the grid dims in front (NaN for diverged runs).
    keep : sequence of str, optional
        Outputs to keep whole (``raw_<name>``, grid dims + time + region), and
        ``"fc"`` to keep every run's FC (``fc``).
    memory : int or str, default 2 GiB
        Budget of one batch. ``B`` is at most the number of runs whose outputs,
        state and the summaries' float64 copies of their signal fit in it once
        the batch's own working memory (one chunk's outputs and compiling, 192
        MiB) is set aside, in ``memory`` and in the memory available (without
        a ``client``: a batch that cannot fit even so is refused before any
        run) (and at most ``K``; at least 1); within that, the
        fastest per the measured cost of a batch on the backend the runs use
        (this process's; with a ``client``, its workers' when they all report
        the same one: a CPU login node with GPU workers sizes the batches for
        the GPU) (:func:`~brainnet_cb.fitting.batch_size.choose_batch_size`: on a CPU,
        single runs for ``K <= 2``, one batch of ``K`` for ``3 <= K <= 32``,
        batches of at most 32 beyond; on a GPU the largest batch).
    batch_size : int, optional
        Force ``B`` (overrides ``memory``).
    client : dask.distributed.Client, optional
        Spread the batches over its workers (default: run here). With a client
        and no ``batch_size``, ``B`` is also capped at ``ceil(K / workers)``
        (every worker of the cluster counted). Before any batch is submitted,
        a closed client, one without workers, a summary that cannot be
        pickled and workers that cannot load the task (no brainnet_cb, or
        another version; a summary's module missing) are refused. The result
        equals the local sweep's bit for bit at the same ``B``; without
        ``batch_size`` the cap may change ``B``, and with it the last bits.
        When a batch fails, the batches finished by then are kept (saved with
        ``checkpoint``) and the others cancelled; the error's note says how
        to resume.
    progress : bool, optional
        Progress bar over runs (default: on a terminal or in a Jupyter notebook).
    checkpoint : str or path-like, optional
        Save the finished batches' results to this ``.npz`` after every batch
        (atomically: a kill leaves the previous or the new file, never a torn
        one), with a fingerprint of everything the result depends on
        (:mod:`brainnet_cb.fitting.sweep_checkpoint`). The destination rules
        of :func:`~brainnet_cb.simulate`'s ``checkpoint=`` hold: checked
        before anything runs, an earlier checkpoint replaced only with
        ``overwrite=True``, a file that is not a checkpoint never, locked
        while the sweep writes it.
    resume_from : str or path-like, optional
        Continue the sweep saved in this checkpoint: pass the *same*
        arguments as the interrupted sweep. A checkpoint of another sweep
        (model, connectome, run options, key, dtype, grid, analysis,
        targets, ``batch_size``) is refused before anything is compiled,
        naming what differs; the batches it holds are not run again, and
        the result equals the uninterrupted sweep's bit for bit (but
        ``wall_s``). Without ``batch_size`` the checkpoint's batch size is
        kept (``memory`` and the client's workers are not consulted). The
        resumed checkpoint keeps being updated unless ``checkpoint`` names
        another file.
    overwrite : bool, default False
        Replace an earlier sweep's (or run's) ``checkpoint``.

    Returns
    -------
    xarray.Dataset
        Dims: one per grid name, in grid order, with the values as
        coordinates. Data variables (``long_name`` and ``units`` in attrs):
        ``fc_mean``, ``gs_var``, ``gs_fraction``, ``diverged``,
        ``diverged_at`` always; ``fc_corr``/``fc_rmse`` with ``empirical_fc``;
        ``fcd_ks`` with ``empirical_fcd``; one per user summary and kept
        output. ``attrs``: the runs' provenance, the sweep's ``batch_size``,
        ``n_batches``, ``n_runs``, ``wall_s``, how it scored (``signal``,
        ``discard_s``, ``band_hz``, ``scored_fisher_z``, ``fcd``, ``keep``,
        ``summaries``)
        and the SHA-256 of its targets (``empirical_fc_sha256``,
        ``empirical_fcd_sha256``; ``"none"`` without one).

    Raises
    ------
    SweepError
        An unknown parameter name, a grid value of the wrong shape, a bad
        memory budget, batch size, client (closed, without workers, whose
        workers cannot load the task), signal or kept output, fewer than 3
        samples of the signal after ``discard`` where a target FC/FCD or
        ``keep=["fc"]`` needs them, an FCD window
        longer than the series or unlike the target FCD's, a misspelt keyword;
        the errors of :func:`~brainnet_cb.simulate` for the other arguments,
        before anything runs.
    CheckpointError
        A ``checkpoint`` that may not be written, a ``resume_from`` that is
        missing, damaged, not a sweep's checkpoint or another sweep's, before
        anything runs.

    Examples
    --------
    >>> import numpy as np, brainnet_cb as bn
    >>> conn = bn.Connectome([[0, 1, 0], [1, 0, 1], [0, 1, 0]], np.full((3, 3), 20.0))
    >>> res = bn.sweep(bn.CoombesByrne(), conn, {"G": [0.0, 0.5], "noise_v": [0.05, 0.1]},
    ...                duration=4000.0, monitors=[bn.Bold(tr=100.0, baseline="initial")], band=None)
    >>> res.fc_mean.dims, bool(res.diverged.any())
    (('G', 'noise_v'), False)
    """
    t_start = time.perf_counter()
    if isinstance(model, Simulation) and grid is None:
        model, connectome, grid = model, None, connectome  # sweep(spec, grid)
    check_options(options, (sweep,), SweepError)  # a misspelt keyword of the sweep, named as such
    # Everything but the grid through the ordinary validation, before anything is compiled.
    with one_call(quiet=True):  # the step is checked for the grid's members below, not the values they replace
        spec = simulation(model, connectome, purpose="fc", **options)
    run = spec.prepare()
    n = run.connectome.n_regions
    dtype_name = str(np.dtype(run.dyn.table.weights.dtype))
    book = ParameterBook.of(spec)
    values = grid_values(grid, book, n, run.dyn.table.weights.dtype, run.connectome.labels)
    names = list(values)
    _check_steps(spec, run, values)

    # Analysis settings.
    sig_mon = run.signal_monitor(signal, SweepError)
    discard_s = to_seconds(discard, "discard")
    to_seconds(fcd_window, "fcd_window", allow_zero=False, error=SweepError)  # checked even if no FCD is scored
    if fcd_step is not None:
        to_seconds(fcd_step, "fcd_step", allow_zero=False, error=SweepError)
    keep = (keep,) if isinstance(keep, str) else tuple(keep)
    outputs = list(run.outputs())
    bad_keep = [k for k in keep if k != "fc" and k not in outputs]
    if bad_keep:
        raise SweepError(f"keep={list(keep)}: {bad_keep} are not outputs of the monitors; choose from "
                         f"{outputs + ['fc']}.")
    if summaries is None:
        summaries = {}
    if not isinstance(summaries, dict) or not all(callable(f) for f in summaries.values()):
        raise SweepError(f"summaries must be a dict {{name: function(run_dataset)}}; got {summaries!r}.")
    clash = [s for s in summaries if s in SUMMARIES or s == "fc" or s in names or s.startswith("raw_")]
    if clash:
        raise SweepError(f"summary names {clash} clash with built-in summaries {list(SUMMARIES)} or grid "
                         "names; rename them.")
    emp = target_fc(empirical_fc, run.connectome, error=SweepError, missing=True)
    emp_fcd = None
    samples, period_ms = signal_samples(run, sig_mon, discard_s)
    # the series the messages describe: the monitor's discard (a BOLD monitor's) too, which samples counts
    duration_s, monitor_discard_s = run.n_steps * run.dt / 1000.0, monitor_discard_ms(sig_mon) / 1000.0
    series = (samples, period_ms, signal, discard_s, duration_s)
    if samples < 3 and (empirical_fc is not None or empirical_fcd is not None or "fc" in keep):
        # every score would be NaN (and a fit's every point +inf); a sweep of diverged / kept outputs needs none
        raise SweepError(too_few_samples(*series, monitor_discard_s=monitor_discard_s))
    if empirical_fc is not None or empirical_fcd is not None or "fc" in keep:
        check_band_fits(band, *series, monitor_discard_s=monitor_discard_s)
    else:  # fc_mean alone depends on the FC: a sweep of other outputs still runs
        warn_if_no_fc(band, *series, monitor_discard_s=monitor_discard_s)
    if empirical_fcd is not None:
        w = int(np.rint(to_seconds(fcd_window, "fcd_window") * 1000.0 / period_ms))
        check_fcd_target(empirical_fcd, w * period_ms / 1000.0, period_ms / 1000.0)
        analysis.ks_distance(empirical_fcd, empirical_fcd, k=fcd_k)  # checks it (AnalysisError)
        emp_fcd = empirical_fcd
        if w > samples:
            raise SweepError(
                f"fcd_window = {to_seconds(fcd_window, 'fcd_window'):g} s ({w} samples of {signal!r}) is "
                f"longer than the simulated series: {samples} samples ({samples * period_ms / 1000:g} s) "
                f"{of_the_run(discard_s, duration_s, monitor_discard_s)}. Use a shorter window or a longer duration."
            )
    settings = dict(signal=signal, discard=discard_s, band=band, fisher_z=fisher_z, empirical_fc=emp,
                    empirical_fcd=emp_fcd, fcd_window=fcd_window, fcd_step=fcd_step, fcd_k=fcd_k,
                    summaries=dict(summaries), keep=tuple(k for k in keep if k != "fc"), keep_fc="fc" in keep,
                    signal_units=run.to_dataset(run.empty_samples())[signal].attrs.get("units", "1"))

    # Batches.
    shape = tuple(values[k][1].shape[0] for k in names)
    total = int(np.prod(shape))
    max_lag = run.max_lag
    if "speed" in values:
        max_lag = max(max_lag, int(compute_lags(run.connectome.lengths, float(values["speed"][1].min()), run.dt).max()))
    per_run = _member_bytes(run, max_lag, sig_mon)
    client = _check_client(client)
    workers = None if client is None else _count_workers(client)
    room = capacity.available_memory() if client is None else None  # the workers' memory is theirs
    held = 2 * total * _kept_bytes(run, keep)  # the results hold every run's kept outputs; assembling copies them

    def chosen_size(backend):
        size = choose_batch_size(total, _batch_cap(memory, per_run, room, held), backend)
        return size if workers is None else min(size, math.ceil(total / workers))

    if batch_size is None:
        B = chosen_size(jax.default_backend())
    else:
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
            raise SweepError(f"batch_size must be a positive integer; got {batch_size!r}.")
        B = min(int(batch_size), total)
    _check_batch_memory(B, per_run, room, signal, batch_size is not None, held, total)
    saver, restored = None, {}
    check_flag(overwrite, "overwrite", "True replaces an earlier checkpoint", SweepError)
    if checkpoint is not None or resume_from is not None:
        saver = SweepCheckpoint(checkpoint, resume_from, overwrite)  # holds the lock of a checkpoint it resumes
        with saver.closed_on_error():
            exact = float_count_results_hash(run)  # None also where a float32 count would have stopped at 2**24
            B, restored = saver.restore(sweep_fingerprint(run, values, settings, emp_fcd), B, batch_size is not None,
                                        exact, float_count_hash(run) if exact is None else None)
    fields = dict(spec.as_kwargs(), dtype=dtype_name)  # rebuilt (validated) where the batch runs

    def batches(B):
        n_batches = math.ceil(total / B)
        flat = np.minimum(np.arange(n_batches * B), total - 1)  # pad the last batch with copies of the last run
        index = np.stack(np.unravel_index(flat, shape), axis=-1) if names else flat[:, None]
        return n_batches, [dict(index=b, simulation=fields, batch={k: values[k][1][index[b * B:(b + 1) * B, d]]
                                                                   for d, k in enumerate(names)},
                                settings=settings, dtype=dtype_name) for b in range(n_batches)]

    n_batches, tasks = batches(B)
    results = [restored.get(b) for b in range(n_batches)]
    tasks = [t for t in tasks if results[t["index"]] is None]  # a resumed sweep runs only the missing batches
    if client is not None and tasks:
        with saver.closed_on_error() if saver is not None else contextlib.nullcontext():
            backend = _check_workers(client, tasks[0])
            fresh = batch_size is None and not restored and (saver is None or saver.saved is None)
            if fresh and backend is not None and backend != jax.default_backend() and chosen_size(backend) != B:
                B = chosen_size(backend)  # batches sized for the workers' backend (a CPU login node, GPU workers)
                if saver is not None:
                    saver.restore(sweep_fingerprint(run, values, settings, emp_fcd), B, False)
                n_batches, tasks = batches(B)
                results = [None] * n_batches
    bar = progress_bar(progress, total, "sweep", unit="run")

    def finished(i, out, extra, attrs):
        results[i] = (out, extra, attrs)
        if saver is not None:
            saver.save(results, n_batches, total, i)
        if bar is not None:
            bar.update(min(B, total - i * B))

    try:
        if saver is not None:
            saver.acquire()
        if bar is not None and restored:
            bar.update(sum(min(B, total - i * B) for i in restored))
        try:
            if client is None:
                for t in tasks:
                    finished(*run_batch(t))
            elif tasks:
                _submit(client, tasks, finished, results)
        except BaseException as err:
            note = _lost_or_saved([i for i, r in enumerate(results) if r is not None], n_batches, saver)
            if note:
                err.add_note(note)
            raise
        if saver is not None and not tasks and not saver.resuming:  # a finished sweep resumed into another file
            saver.save(results, n_batches, total)
    finally:
        if saver is not None:
            saver.close()
        if bar is not None:
            bar.close()
    return _assemble(results, names, values, shape, total, n, run, dict(
        batch_size=B, n_batches=n_batches, n_runs=total, bytes_per_run=per_run,
        wall_s=time.perf_counter() - t_start, distributed=int(client is not None)), settings, book)


def _lost_or_saved(done, n_batches, saver):
    """The note an interrupted sweep's error carries: where its finished batches are, and how to resume."""
    if saver is not None:
        return (f"bn.sweep: {len(done)} of {n_batches} batches are saved in the checkpoint '{saver.path}'; "
                f"bn.sweep(<the same arguments>, resume_from='{saver.path}') runs the others.")
    if done:
        return (f"bn.sweep: {len(done)} of {n_batches} batches had finished and are lost (no checkpoint=); "
                "bn.sweep(..., checkpoint='grid.npz') saves each batch as it finishes, for resume_from=.")
    return None


def _assemble(results, names, values, shape, total, n, run, sweep_attrs, settings, book):
    merged = {}
    for out, _, _ in results:
        for k, v in out.items():
            merged.setdefault(k, []).append(v)
    # a user summary is known only from a batch with good runs: one whose runs all diverged holds NaN of no shape
    good = [ex for out, ex, _ in results if not np.all(out["diverged"])] or [results[0][1]]
    extra = dict(good[0])
    for k in settings["summaries"]:
        shapes = {ex[k][3] for ex in good}
        if len(shapes) > 1:
            raise SweepError(f"summary {k!r} returned shapes {sorted(shapes)} in different batches; a summary "
                             "must return the same shape for every run.")
        merged[k] = [np.full(np.shape(piece)[:1] + extra[k][3], np.nan) if np.all(out["diverged"]) else piece
                     for piece, (out, _, _) in zip(merged[k], results)]
    coords = {}
    region = [str(s) for s in run.connectome.labels]
    for k in names:
        kind, arr = values[k]
        attrs = book.coordinate_attrs(k, "swept")  # long_name "swept <kind> parameter <k>", units if declared
        if arr.ndim == 1:
            coords[k] = (k, arr, attrs)
        else:
            coords[k] = (k, np.arange(arr.shape[0]), {"long_name": f"index of the swept per-region {k}"})
            coords[f"{k}_value"] = ((k, "region"), arr, dict(attrs, long_name=f"swept per-region {k}"))
            coords["region"] = ("region", region)
    data = {}
    for k, pieces in merged.items():
        arr = np.concatenate(pieces, axis=0)[:total]
        arr = arr.reshape(shape + arr.shape[1:])
        if k == "fc":
            dims = tuple(names) + ("region_i", "region_j")
            coords["region_i"] = ("region_i", region)
            coords["region_j"] = ("region_j", region)
            attrs = ATTRS["fc"]
        elif k in extra:
            dims_x, c_x, a_x, _ = extra[k]
            dims = tuple(names) + tuple(dims_x)
            for d, v in c_x.items():
                coords.setdefault(d, (d, v))
            data[k] = (dims, arr, a_x)
            continue
        else:
            dims = tuple(names)
            attrs = ATTRS.get(k, (k, "1"))
            if k == "gs_var":  # the square of the signal's unit: (1/ms)^2 for r, 1 for BOLD
                u = settings["signal_units"]
                attrs = (attrs[0], "1" if u == "1" else f"({u})^2")
        if k == "diverged":
            arr = arr.astype(bool)
        data[k] = (dims, arr, {"long_name": attrs[0], "units": attrs[1]})
    run_attrs = dict(results[0][2])
    run_attrs.pop("batch", None)
    for k in names:
        run_attrs.pop(k, None)
    attrs = {"title": "brainnet_cb parameter sweep", "swept": json.dumps(names), "signal": settings["signal"],
             "discard_s": settings["discard"], "band_hz": json.dumps(
                 None if settings["band"] is None
                 else list(analysis.BOLD_BAND if settings["band"] is True else settings["band"])),
             **analysis_attrs(settings), **{k: v for k, v in run_attrs.items() if k != "title"}, **sweep_attrs}
    return xr.Dataset(data, coords=coords, attrs=attrs)
