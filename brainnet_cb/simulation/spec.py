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
>>> from brainnet_cb.simulation.spec import Simulation
>>> conn = bn.Connectome([[0, 1], [1, 0]], [[0, 30], [30, 0]])
>>> spec = Simulation(bn.CoombesByrne(), conn, duration=100.0, coupling=bn.Linear(G=0.5))
>>> ds = spec.run()
>>> ds.r.dims, spec.replace(duration=50.0).run().sizes["time"]
(('time', 'region'), 50)
"""

from __future__ import annotations

import dataclasses
import difflib
import numbers
from typing import TYPE_CHECKING, Any

import numpy as np

from .._pytree import short_repr
from ..connectome import Connectome
from ..coupling import Coupling, Linear
from ..errors import SimulationError
from ..monitors import Monitor
from ..nodes.base import NodeModel
from ..noise import Noise
from . import output
from .labelled import align_by_label
from .run import Run
from .validation import default_monitors, prepare_run

if TYPE_CHECKING:
    import xarray as xr

__all__ = ["Simulation", "Execution", "default_monitors", "simulation"]

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
        Steps per compiled chunk (default: sized so that one chunk's outputs,
        those of every member of a batch together, stay under 64 MiB, and at
        most 200,000 steps). A chunk is a whole number of periods of the
        slowest monitor (a ``Bold`` TR of 720 ms at dt = 0.1 ms: 7,200
        steps), at least one, and may be shortened (to no less than half) to
        a divisor of the run. The outputs equal those of any other chunking
        bit for bit; each distinct chunk length is one more compiled program,
        so keep it the same across runs that should share them.
    progress : bool, optional
        Show a progress bar between chunks (default: when on a terminal or in
        a Jupyter notebook, and there is more than one chunk).
    out : str or path-like, optional
        Stream the outputs to this Zarr store chunk by chunk while the run
        goes (:mod:`brainnet_cb.simulation.streaming`; needs ``pip install
        'brainnet-cb[stream]'``); the store is readable after every chunk and
        the returned Dataset reads from it lazily.
    overwrite : bool, default False
        Replace an existing ``out`` store or an earlier run's ``checkpoint``;
        without it an existing one is refused (a path that is not a store or a
        checkpoint is never replaced).
    checkpoint : str or path-like, optional
        Save the full state of the run to this ``.npz`` file after every chunk
        (:mod:`brainnet_cb.simulation.checkpoint`).
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

    def __post_init__(self):
        check_flag(self.overwrite, "overwrite", "True replaces an existing store or checkpoint")
        if self.progress is not None:
            check_flag(self.progress, "progress", "or None: shown on a terminal when the run has several chunks")
        steps = self.chunk_steps
        if steps is not None and (isinstance(steps, (bool, np.bool_)) or not isinstance(steps, numbers.Real)
                                  or not steps >= 1 or not float(steps).is_integer()):
            raise SimulationError(f"chunk_steps must be a whole number of steps >= 1 (or None: chunks sized to "
                                  f"keep one chunk's outputs under 64 MiB); got {steps!r}.")

    def execute(self, run: Run) -> xr.Dataset:
        """Advance the prepared ``run`` to its end with these options; return its Dataset."""
        return output.execute(self, run)  # destinations checked first, locks held while writing


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
    noise : Noise, optional
        ``bn.Additive`` white noise (an SDE term ``sigma sqrt(dt) xi`` per
        step), ``bn.OrnsteinUhlenbeck`` coloured noise or ``bn.Multiplicative``
        noise (:mod:`brainnet_cb.noise`).
    monitors : sequence of Monitor, optional
        What to record; each period a multiple of ``dt`` and of the next
        shorter period. ``None``: :func:`default_monitors` of the entry point
        (``TemporalAverage(1 ms)`` for a run, ``Bold()`` for sweeps and fits);
        an empty sequence is refused (the run would record nothing).
    key : int or jax.random.key, default 0
        Random key; the same key gives the same run, bit for bit.
    method : {"heun", "euler", "rk2", "rk4", "exp_euler"}, default "heun"
        Integration scheme (stochastic Heun / Euler–Maruyama with noise).
    initial_state : dict, optional
        ``{state: scalar or (n,) array}``; default the model's ``initial``.
        A per-region value given as a pandas Series or a 1-D DataArray labelled
        by region (here, in a model or coupling parameter, a noise amplitude or
        a stimulus) is put in the connectome's order by label, and the spec
        keeps it so; labels naming other regions are refused.
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
    stimulus : Stimulus or sequence of Stimulus, optional
        External input per region added to a model input port
        (:mod:`brainnet_cb.stimulus`: ``Step``, ``Sinusoid``, ``PulseTrain``,
        ``TimeSeries``), evaluated at the start of each step.

    Raises
    ------
    BrainnetError
        A subclass naming the bad field (``ModelError``, ``ConnectomeError``,
        ``SimulationError``, ``CouplingError``, ``NoiseError``,
        ``MonitorError``, ``IntegratorError``), when the spec is built.

    Examples
    --------
    >>> import brainnet_cb as bn
    >>> from brainnet_cb.simulation.spec import Simulation
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
    noise: Noise | None = None
    monitors: Any = None
    key: Any = 0
    method: str = "heun"
    initial_state: dict | None = None
    history: Any = None
    normalize: str | None = "max"
    dtype: Any = None
    edges: str = "auto"
    stimulus: Any = None

    def __post_init__(self):
        if isinstance(self.noise, Noise) and isinstance(self.model, NodeModel):  # quantity amplitudes -> numbers
            object.__setattr__(self, "noise", self.noise.resolved(self.model))
        run = prepare_run(self)  # every check, once, on the host
        for name, value in align_by_label(self, self.connectome.labels).items():
            object.__setattr__(self, name, value)  # values labelled by region, kept in the connectome's order
        if self.coupling is None:
            object.__setattr__(self, "coupling", Linear())
        if isinstance(self.monitors, Monitor):
            object.__setattr__(self, "monitors", (self.monitors,))
        elif self.monitors is not None:
            object.__setattr__(self, "monitors", tuple(self.monitors))
        object.__setattr__(self, "_run", run)

    def __repr__(self):
        shown = ", ".join(f"{f.name}={short_repr(getattr(self, f.name))}" for f in dataclasses.fields(self)
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

    @classmethod
    def from_result(cls, result, connectome=None, *, model=None, coupling=None, noise=None, monitors=None,
                    stimulus=None, history=None, lead_field=None) -> Simulation:
        """The spec of the run that made ``result``: ``bn.simulate(spec)`` is that run again, bit for bit.

        Rebuilt from the result's attributes (docs/concepts.md, Reproducibility)
        without evaluating any text: the built-in model (by its registered name),
        coupling, noise, monitors and stimuli from their recorded fields, the
        key, ``initial_state``, ``dt``, ``duration``, ``speed``, ``method``,
        ``normalize``, ``dtype`` and ``edges``. The spec is then checked: what
        it would record must equal what the result records, or it is refused.

        Parameters
        ----------
        result : xarray.Dataset or path
            What :func:`~brainnet_cb.simulate` (or ``brainnet-cb run``)
            returned, or its NetCDF file or Zarr store (the path, or the
            Dataset read back).
        connectome : Connectome or path, optional
            The run's connectome (or its file, read with
            :func:`~brainnet_cb.io.read_connectome`), checked against its recorded
            ``connectome_sha256``. Default: the file a connectome read with
            :mod:`brainnet_cb.io` was read from (its recorded
            ``connectome_source``), where it still has that digest; the
            bundled atlas the result names (:func:`~brainnet_cb.load_atlas`,
            cleaned or raw, whichever has that digest); any other connectome
            (built from arrays, or its file changed or gone) must be passed.
        model, coupling, noise, monitors, stimulus : optional
            What the run had, where the result cannot rebuild it: a plug-in
            node model or coupling (not registered here), an ``EEG``/``MEG``
            monitor (its gain matrix is recorded as a digest only: pass every
            monitor of the run, or ``lead_field``), a ``TimeSeries`` stimulus
            (its values are recorded as a digest; pass every stimulus).
            Checked like the rest.
        history : array, optional
            The ``history`` the run was given (recorded as a digest), required
            for such a run.
        lead_field : array or dict, optional
            The gain matrix ``(sensors, regions)`` of the run's ``EEG`` or
            ``MEG`` monitor (``{name: gain}`` by output name, e.g. ``"eeg"``,
            where several have one), checked against its recorded SHA-256;
            the monitor's other fields are rebuilt from the result. Not
            needed for a ``brainnet-cb run`` output whose stored
            configuration builds the gain again with that SHA-256.

        Raises
        ------
        SimulationError
            ``result`` is not a ``bn.simulate`` result, lacks the attributes
            a rerun needs (written by an older brainnet_cb: they are named),
            names a class that is not built in, holds a digest of something
            that must be passed, or the connectome or anything passed is not
            the run's (both digests, or the differing attributes, named); an
            attribute that does not parse or rebuild (edited or damaged since
            the run) is named.

        Warns
        -----
        RuntimeWarning
            The result records another brainnet_cb or JAX version or device
            than this process's: the same run, bit for bit only with the same.

        Examples
        --------
        >>> import brainnet_cb as bn
        >>> conn = bn.Connectome([[0, 1], [1, 0]], [[0, 30], [30, 0]])
        >>> ds = bn.simulate(bn.CoombesByrne(eta=-4.6), conn, duration=5.0, noise=bn.Additive(v=0.1), key=7)
        >>> again = bn.simulate(bn.Simulation.from_result(ds, conn))
        >>> bool((again.r == ds.r).all())
        True
        """
        from .rebuild import simulation_from_result  # noqa: PLC0415

        return simulation_from_result(cls, result, connectome, model=model, coupling=coupling, noise=noise,
                                      monitors=monitors, stimulus=stimulus, history=history, lead_field=lead_field)

    def as_kwargs(self) -> dict:
        """Every field as a dict (``bn.Simulation(**spec.as_kwargs())`` rebuilds the spec)."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}

    def replace(self, **changes) -> Simulation:
        """A copy with ``changes`` applied, validated again (the spec itself never changes)."""
        check_names(changes, [f.name for f in dataclasses.fields(self)], "Simulation field")
        return dataclasses.replace(self, **changes)

    def with_default_monitors(self, purpose: str = "run") -> Simulation:
        """This spec, with :func:`default_monitors` of ``purpose`` when it names no monitors."""
        return self if self.monitors is not None else self.replace(monitors=default_monitors(purpose, self.model))

    def prepare(self) -> Run:
        """A fresh :class:`~brainnet_cb.simulation.run.Run` of this spec (validated pieces, plan, initial carry)."""
        run = self.__dict__.get("_run")
        if run is None:  # unpickled: validate again
            run = prepare_run(self)
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


def check_flag(value, name, meaning, error=SimulationError):
    """Refuse a ``value`` of the flag ``name`` that is not a bool (a string such as ``"no"`` is truthy)."""
    if not isinstance(value, (bool, np.bool_)):
        raise error(f"{name} must be True or False ({meaning}); got {value!r}.")


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

    ``simulation(spec, **changes)`` is ``spec.replace(**changes)`` (a
    ``connectome``, ``duration`` or ``dt`` given with a spec are changes too);
    ``simulation(model, connectome, duration, dt, **options)`` builds one.
    Without monitors, the spec gets :func:`default_monitors` of ``purpose``
    (``"run"`` or ``"fc"``). Every option is a field of :class:`Simulation`
    (its defaults are the only ones).
    """
    if dt is not None:
        options["dt"] = dt
    check_names(options, Simulation.option_names(), "option")
    if isinstance(model, Simulation):
        changes = {k: v for k, v in (("connectome", connectome), ("duration", duration)) if v is not None}
        changes.update(options)
        spec = model.replace(**changes) if changes else model
        return spec.with_default_monitors(purpose)
    if options.get("monitors") is None:
        options["monitors"] = None if purpose == "run" else default_monitors(purpose, model)
    return Simulation(model, connectome, duration, **options)
