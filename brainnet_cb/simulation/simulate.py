"""``simulate`` and ``prepare``: one call from a model and a connectome to a labelled Dataset.

Both are thin conveniences over :class:`~brainnet_cb.Simulation` (the run
options and their defaults are declared there, once) and
:class:`~brainnet_cb.Execution` (chunking, progress, streaming, checkpoints).
"""

from __future__ import annotations

import xarray as xr

from .run import Run
from .spec import Execution, Simulation, simulation, split_options

__all__ = ["simulate", "prepare", "Run", "Simulation", "Execution"]


def prepare(model, connectome=None, duration=None, dt=None, **options) -> Run:
    r"""Validate everything on the host and build a :class:`~brainnet_cb.simulation.run.Run` (no compilation).

    ``prepare(spec)`` or ``prepare(model, connectome, duration, dt, **options)``
    with the fields of :class:`~brainnet_cb.Simulation` as options; the same as
    ``bn.Simulation(...).prepare()``. Every check :func:`simulate` makes runs
    here, before anything is compiled: the delays are fixed as
    :math:`\tau_{ij} = \mathrm{round}(L_{ij} / (\mathrm{speed}\,dt))` steps
    (lengths ``L`` in mm, speed in mm/ms, ``dt`` in ms), the number of steps
    as ``round(duration / dt)``. ``run.execute()`` then compiles and runs it
    and returns what :func:`simulate` returns.

    Parameters
    ----------
    model : NodeModel or Simulation
        The node model (e.g. ``bn.CoombesByrne(eta=-4.6)``), or a whole spec.
    connectome : Connectome
        Weights ``[target, source]`` and tract lengths (mm).
    duration, dt : float or brainunit.Quantity
        Simulated time and step (ms; ``dt`` default 0.1 ms).
    **options
        The run and execution options of :func:`simulate` (``coupling``,
        ``speed``, ``noise``, ``monitors``, ``key``, ...).

    Returns
    -------
    Run
        The validated, not yet compiled run: ``n_steps``, ``max_lag`` (steps),
        ``dt`` (ms), the resolved ``model``, ``coupling``, ``monitors`` and
        ``attrs``; ``execute()`` runs it.

    Raises
    ------
    BrainnetError
        A subclass naming the bad input, as :func:`simulate` raises it.

    Examples
    --------
    >>> import brainnet_cb as bn
    >>> conn = bn.Connectome(weights=[[0, 1], [1, 0]], lengths=[[0, 30], [30, 0]])
    >>> run = bn.prepare(bn.CoombesByrne(), conn, duration=100.0, dt=0.1, speed=3.0)
    >>> run.n_steps, run.max_lag  # 30 mm at 3 mm/ms is 10 ms: 100 steps of 0.1 ms
    (1000, 100)
    """
    return simulation(model, connectome, duration, dt, **options).prepare()


def simulate(model, connectome=None, duration=None, dt=None, **options) -> xr.Dataset:
    r"""Simulate a network of node models coupled through a delayed connectome.

    ``simulate(model, connectome, duration, dt=0.1, **options)`` builds a
    :class:`~brainnet_cb.Simulation` (whose fields are the run options, with
    their defaults) and runs it; ``simulate(spec, **options)`` runs a spec,
    with changes. Region ``i`` receives, at the model's coupling port,
    :math:`c_i(t) = G \sum_j W_{ij}\, r_j(t - \tau_{ij})` with ``W[target, source]``
    and :math:`\tau_{ij} = L_{ij} / \mathrm{speed}` rounded to whole steps. The
    whole run is a compiled ``lax.scan`` advanced in chunks; a new run with the
    same structure and new parameter values reuses the compiled program.

    Parameters
    ----------
    model : NodeModel or Simulation
        The node model (e.g. ``bn.CoombesByrne(eta=-4.6)``), or a whole spec.
    connectome : Connectome
        Weights ``[target, source]`` and tract lengths (mm).
    duration, dt : float or brainunit.Quantity
        Simulated time and step (ms; ``dt`` default 0.1 ms).
    **options
        The run options, fields of :class:`~brainnet_cb.Simulation`:
        ``coupling``, ``speed``, ``noise``, ``monitors`` (default
        ``[TemporalAverage(1 ms)]``), ``key``, ``method``, ``initial_state``,
        ``history``, ``normalize``, ``dtype``, ``edges``; and the execution
        options, fields of :class:`~brainnet_cb.Execution`: ``chunk_steps``,
        ``progress``, ``out`` (stream to Zarr), ``overwrite``, ``checkpoint``,
        ``resume_from``.

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

    References
    ----------
    .. [1] S. Coombes and Á. Byrne (2019). Next generation neural mass models.
       In *Nonlinear Dynamics in Computational Neuroscience*, pp. 1-16. Springer.
    .. [2] P. Sanz Leon et al. (2013). The Virtual Brain: a simulator of primate
       brain network dynamics. *Frontiers in Neuroinformatics* 7, 10.
    .. [3] P. E. Kloeden and E. Platen (1992). *Numerical Solution of Stochastic
       Differential Equations*. Springer (Euler–Maruyama, stochastic Heun).

    Examples
    --------
    >>> import numpy as np, brainnet_cb as bn
    >>> conn = bn.Connectome(weights=[[0, 1], [1, 0]], lengths=[[0, 30], [30, 0]])
    >>> ds = bn.simulate(bn.CoombesByrne(), conn, duration=100.0, dt=0.1,
    ...                  coupling=bn.Linear(G=0.5), speed=3.0)
    >>> ds.r.dims, ds.sizes["time"]
    (('time', 'region'), 100)
    """
    sim_options, exe_options = split_options(options)
    spec = simulation(model, connectome, duration, dt, **sim_options)
    return spec.run(**exe_options)
