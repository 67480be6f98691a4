"""Figures of one node: its phase plane (nullclines, flow, fixed points) and its bifurcation diagram.

Re-exported by :mod:`brainnet_cb.plots` (``plots.phase_plane``, ``plots.node_diagram``).
Like every figure there, they return a :class:`matplotlib.figure.Figure`
without touching pyplot (headless), axes labelled with names and units.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .errors import BrainnetError
from .plots import _label, figure

if TYPE_CHECKING:
    import xarray as xr
    from matplotlib.figure import Figure

__all__ = ["phase_plane", "node_diagram"]


def _state_label(model, name):
    long = model.long_names.get(name, name)
    unit = model.state_units.get(name, "1")
    return f"{long} {name} ({'dimensionless' if unit in ('1', '') else unit})"


def _limits(given, name, points, k, default):
    if given is None:
        if not points:
            return default
        vals = [p[k] for p in points]
        lo, hi = min(vals), max(vals)
        if name == "r":  # a rate: from 0 to twice the largest fixed point
            return 0.0, hi + max(hi, 0.2)
        pad = max(0.5 * (hi - lo), abs(lo), abs(hi), 1.0)
        return lo - pad, hi + pad
    try:
        lo, hi = (float(x) for x in given)
    except (TypeError, ValueError):
        raise BrainnetError(f"phase_plane: the range of {name} must be (low, high) in the state's unit; got "
                            f"{given!r}.") from None
    if not (np.isfinite(lo) and np.isfinite(hi) and lo < hi):
        raise BrainnetError(f"phase_plane: the range of {name} must be finite with low < high; got {given!r}.")
    return lo, hi


def phase_plane(model, x=None, y=None, *, trajectory: xr.Dataset | None = None, inputs: dict | None = None,
                n: int = 201, title: str | None = None) -> Figure:
    """The phase plane of one two-variable node: nullclines, flow and fixed points.

    Parameters
    ----------
    model : NodeModel
        A node with two states (``bn.CoombesByrne``, ``bn.MontbrioPazoRoxin``)
        and scalar parameters.
    x, y : (float, float), optional
        Ranges of the first and second state (``r`` in 1/ms, ``v``); by default
        around the fixed points (models with ``fixed_points()``).
    trajectory : xarray.Dataset, optional
        A run of one region (``bn.simulate(model, one_region, ...)``, or
        ``ds.isel(region=k)``), drawn over the flow.
    inputs : dict, optional
        Constant inputs by port (``{"v": 1.0}``), as in ``model.dfun``.
    n : int
        Grid points per axis for the nullclines.

    Fixed points (models with ``fixed_points()``) are filled when stable and
    open when unstable (:func:`brainnet_cb.dynamics.node_diagram`).
    """
    cls = type(model).__name__
    states = tuple(model.states)
    if len(states) != 2:
        raise BrainnetError(f"phase_plane draws a node with two state variables; {cls} has {len(states)} "
                            f"{states}. Plot a run's trajectory in two of them instead, e.g. ax.plot(ds.r, ds.v).")
    shaped = [k for k, v in model.parameters.items() if np.ndim(v)]
    if shaped:
        raise BrainnetError(f"phase_plane draws one node: {cls} has per-region values for {shaped}; give one "
                            "number per parameter.")
    if not isinstance(n, int) or isinstance(n, bool) or not 10 <= n <= 2000:
        raise BrainnetError(f"phase_plane: n (grid points per axis) must be an integer in [10, 2000]; got {n!r}.")
    inputs = dict(inputs or {})
    unknown = sorted(set(inputs) - set(model.input_ports))
    if unknown:
        raise BrainnetError(f"phase_plane: unknown input ports {unknown}; {cls} takes {list(model.input_ports)} "
                            "(a constant input by port name, e.g. {'v': 1.0}).")
    diagram = None
    if callable(getattr(model, "fixed_points", None)):
        from .dynamics import node_diagram as _diagram  # noqa: PLC0415

        name = next(iter(model.parameters))
        ext = {f"{p}_ext": float(v) for p, v in inputs.items()}
        diagram = _diagram(model, name, [float(model.parameters[name])], **ext).isel({name: 0})
        diagram = diagram.isel(point=np.flatnonzero(~np.isnan(diagram[states[0]].values)))
    points = [] if diagram is None else list(zip(diagram[states[0]].values, diagram[states[1]].values))
    x_lim = _limits(x, states[0], points, 0, (0.0, 1.0))
    y_lim = _limits(y, states[1], points, 1, (-2.0, 2.0))

    import jax  # noqa: PLC0415
    import jax.numpy as jnp  # noqa: PLC0415

    gx, gy = np.meshgrid(np.linspace(*x_lim, n), np.linspace(*y_lim, n))
    with jax.enable_x64(True):
        grid = jnp.asarray(np.stack([gx.ravel(), gy.ravel()]))
        f = np.asarray(model.dfun(grid, {p: jnp.asarray(float(v)) for p, v in inputs.items()}))
    fx, fy = f[0].reshape(gx.shape), f[1].reshape(gx.shape)

    from matplotlib.lines import Line2D  # noqa: PLC0415

    fig = figure((6.0, 5.5))
    ax = fig.add_subplot()
    every = max(1, (n - 1) // 40)  # the flow on a coarser grid: streamplot's cost grows with it
    ax.streamplot(gx[::every, ::every], gy[::every, ::every], fx[::every, ::every], fy[::every, ::every],
                  color="0.75", density=0.8, linewidth=0.7, arrowsize=0.8)
    handles = []
    for field, colour, name in ((fx, "C0", states[0]), (fy, "C1", states[1])):
        if np.nanmin(field) < 0 < np.nanmax(field):
            ax.contour(gx, gy, field, levels=[0.0], colors=colour, linewidths=1.8)
        handles.append(Line2D([], [], color=colour, lw=1.8, label=f"d{name}/dt = 0"))
    if trajectory is not None:
        missing = [s for s in states if s not in trajectory]
        if missing:
            raise BrainnetError(f"phase_plane: the trajectory lacks {missing}; record them (e.g. "
                                "monitors=[bn.Raw()]).")
        tx, ty = trajectory[states[0]], trajectory[states[1]]
        if tx.squeeze().ndim != 1:
            raise BrainnetError(f"phase_plane: the trajectory must be one region's run; got dims {tx.dims}. "
                                "Pass ds.isel(region=k).")
        (line,) = ax.plot(tx.values.ravel(), ty.values.ravel(), color="k", lw=1.0, label="trajectory")
        handles.append(line)
    if diagram is not None:
        for p, q, stable in zip(diagram[states[0]].values, diagram[states[1]].values, diagram.stable.values):
            ax.plot(p, q, "o", ms=8, color="k", mfc="k" if stable else "w", zorder=5)
        for kind, fill in (("stable", "k"), ("unstable", "w")):
            if np.any(diagram.stable.values == (kind == "stable")):
                handles.append(Line2D([], [], ls="", marker="o", color="k", mfc=fill, label=f"{kind} fixed point"))
    ax.set_xlim(*x_lim)
    ax.set_ylim(*y_lim)
    ax.set_xlabel(_state_label(model, states[0]))
    ax.set_ylabel(_state_label(model, states[1]))
    ax.legend(handles=handles, fontsize="small", loc="upper center", bbox_to_anchor=(0.5, -0.13), ncol=3)
    ax.set_title(title if title is not None else f"{cls}: phase plane")
    return fig


def node_diagram(diagram: xr.Dataset, variable: str = "r", *, title: str | None = None) -> Figure:
    """Draw a bifurcation diagram of :func:`brainnet_cb.dynamics.node_diagram`.

    Stable fixed points as a solid line of dots, unstable ones open; the
    saddle-nodes (``attrs["folds"]``) as dotted vertical lines.
    """
    if not hasattr(diagram, "data_vars") or "stable" not in diagram or "point" not in diagram.dims:
        raise BrainnetError("plots.node_diagram draws the Dataset of brainnet_cb.dynamics.node_diagram(model, "
                            f"parameter, values); got {type(diagram).__name__}.")
    if variable not in diagram.data_vars or "point" not in diagram[variable].dims or variable in (
            "stable", "n_unstable", "max_real", "eigenvalues"):
        states = [k for k in diagram.data_vars if diagram[k].dims == diagram.stable.dims
                  and k not in ("stable", "n_unstable", "max_real")]
        raise BrainnetError(f"plots.node_diagram: variable must be a state of the diagram, one of {states}; got "
                            f"{variable!r}.")
    parameter = next(d for d in diagram.dims if d not in ("point", "mode"))
    p = diagram[parameter].values
    fig = figure((6.5, 4.5))
    ax = fig.add_subplot()
    y = diagram[variable].values
    stable = diagram.stable.values
    for j in range(y.shape[1]):
        ax.plot(p, np.where(stable[:, j], y[:, j], np.nan), ".", color="C0", ms=4,
                label="stable" if j == 0 else None)
        ax.plot(p, np.where(~stable[:, j], y[:, j], np.nan), ".", color="C3", mfc="none", ms=4,
                label="unstable" if j == 0 else None)
    for k, f in enumerate(diagram.attrs.get("folds", [])):
        ax.axvline(f, color="0.4", ls=":", lw=1.0, label="saddle-node" if k == 0 else None)
    ax.set_xlabel(_label(diagram[parameter], parameter))
    ax.set_ylabel(_label(diagram[variable], variable))
    ax.legend(fontsize="small", loc="best")
    ax.set_title(title if title is not None else f"{diagram.attrs.get('model', 'node')}: fixed points")
    return fig
