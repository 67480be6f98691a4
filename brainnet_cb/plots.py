"""Figures of simulation outputs (matplotlib, a dependency of ``pip install brainnet-cb``).

Each function takes the xarray output of :func:`brainnet_cb.simulate` (or of
the analysis functions) and returns a :class:`matplotlib.figure.Figure`. No
pyplot state is touched, so the functions work headless; save with
``fig.savefig("out.png")``. Axis labels come from the CF attributes
(``long_name``, ``units``) of the data.

>>> import brainnet_cb as bn
>>> from brainnet_cb import plots
>>> conn = bn.Connectome(weights=[[0, 1], [1, 0]], lengths=[[0, 30], [30, 0]], labels=["a", "b"])
>>> ds = bn.simulate(bn.CoombesByrne(), conn, duration=100.0)
>>> fig = plots.timeseries(ds.r)
>>> fig.axes[0].get_xlabel()
'time (ms)'
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from .errors import AnalysisError, BrainnetError, SweepError

if TYPE_CHECKING:
    import xarray as xr
    from matplotlib.figure import Figure

#: Which regions or sensors to draw: ``k`` spread over them, one label, or a list of labels or of positions.
Selection = int | str | Sequence[str] | Sequence[int]

__all__ = ["timeseries", "bold", "eeg", "fc_matrix", "fc_scatter", "sweep_heatmap", "summary", "figure",
           "check_matplotlib", "phase_plane", "node_diagram"]


#: The error of a figure asked for without matplotlib installed.
_NO_MATPLOTLIB = ("brainnet_cb.plots needs matplotlib, a dependency of brainnet-cb that is missing here; "
                  "install it with pip install matplotlib.")


def check_matplotlib() -> None:
    """Raise the install hint (a :class:`~brainnet_cb.BrainnetError`) if matplotlib is not installed.

    Looks for the package without importing it, so that a command can fail before
    its run without paying matplotlib's import until the figure is drawn.
    """
    if importlib.util.find_spec("matplotlib") is None:
        raise BrainnetError(_NO_MATPLOTLIB)


def figure(figsize):
    """An empty matplotlib ``Figure`` (constrained layout) that a notebook draws, once, without pyplot;
    a :class:`~brainnet_cb.BrainnetError` naming the install command when matplotlib is missing."""
    try:
        from ._figure import NotebookFigure  # noqa: PLC0415
    except ImportError:  # pragma: no cover - depends on the environment
        raise BrainnetError(_NO_MATPLOTLIB) from None
    return NotebookFigure(figsize=figsize, layout="constrained")


def _label(da, fallback):
    name = da.attrs.get("long_name", da.name or fallback)
    units = da.attrs.get("units")
    if units in ("1", ""):
        return f"{name} (dimensionless)" if units == "1" else str(name)
    return f"{name} ({units})" if units else str(name)


def _time_dim(da):
    if not hasattr(da, "dims") or not hasattr(da, "attrs"):
        raise BrainnetError(f"expected an xarray DataArray with a time dimension (e.g. ds.r); got "
                            f"{type(da).__name__}. Wrap an array as xr.DataArray(x, dims=('time', 'region')).")
    dims = [d for d in da.dims if str(d).startswith("time")]
    if not dims:
        raise BrainnetError(f"expected a time series with a time dimension; got dims {da.dims}.")
    return dims[0]


def _space_dim(da, tdim):
    dims = [d for d in da.dims if d != tdim]
    if len(dims) != 1:
        extra = [d for d in dims if d not in ("region", "sensor")] or dims[1:]
        pick = ", ".join(f"{d}=0" for d in extra)
        raise BrainnetError(f"expected dims (time, region or sensor); got {da.dims}. Draw one member at a "
                            f"time: pass da.isel({pick}) (or .sel by its coordinate).")
    return dims[0]


def _pick(da, dim, which):
    """The ``which`` entries of ``dim``: a count spread over it, labels, or positions (ints)."""
    if which is None:
        return da
    n = da.sizes[dim]
    if isinstance(which, (bool, np.bool_)):
        raise BrainnetError(f"a {dim} selection is a count or a list of labels/positions; got {which!r}.")
    if isinstance(which, (int, np.integer)):
        if which < 1:
            raise BrainnetError(f"asked to draw {which} {dim}s; ask for at least 1 (of {n}), or a list of labels.")
        idx = np.unique(np.linspace(0, n - 1, min(int(which), n)).round().astype(int))
        return da.isel({dim: idx})
    if isinstance(which, str):  # one label, not its characters
        which = [which]
    which = list(which)
    if not which:
        raise BrainnetError(f"the {dim} selection is empty; pass a count (e.g. 6) or at least one label.")
    if all(isinstance(w, (int, np.integer)) and not isinstance(w, bool) for w in which):
        bad = [int(w) for w in which if not -n <= w < n]
        if bad:
            raise BrainnetError(f"{dim} positions {bad} are out of range for {n} {dim}s (0..{n - 1}).")
        return da.isel({dim: [int(w) for w in which]})
    if dim not in da.coords:
        raise BrainnetError(f"cannot select {dim}s by label: the data has no {dim!r} coordinate; pass "
                            f"positions (e.g. [0, 3]) or a count instead.")
    labels = [str(v) for v in da[dim].values]
    missing = [w for w in which if str(w) not in labels]
    if missing:
        import difflib  # noqa: PLC0415 - only for this error

        close = sorted({c for w in missing for c in difflib.get_close_matches(str(w), labels, n=3)})
        hint = f"; close labels: {close}" if close else f"; labels are e.g. {labels[:5]}"
        raise BrainnetError(f"{dim} labels {missing} are not in the data ({n} {dim}s){hint}.")
    return da.isel({dim: [labels.index(str(w)) for w in which]})


def _time_axis(da, tdim):
    if tdim not in da.coords:  # no time coordinate: positions, not times
        return np.arange(da.sizes[tdim], dtype=float), "samples"
    t = np.asarray(da[tdim].values, dtype=float)
    units = da[tdim].attrs.get("units")
    if units == "ms" and t.size and t[-1] > 20_000:
        return t / 1000.0, "s"
    return t, units


def _draw_traces(ax, da, offset=False, demean=False):
    tdim = _time_dim(da)
    sdim = _space_dim(da, tdim)
    t, tunits = _time_axis(da, tdim)
    values = np.asarray(da.transpose(tdim, sdim).values, dtype=float)
    if offset or demean:
        values = values - np.nanmean(values, axis=0)
    if offset:
        spread = 4 * float(np.nanstd(values)) or 1.0
        for i in range(values.shape[1]):
            ax.plot(t, values[:, i] - i * spread, lw=0.6)
        ax.set_yticks([-i * spread for i in range(values.shape[1])], [str(s) for s in da[sdim].values])
        ax.set_ylabel(f"{sdim} (offset; {da.attrs.get('units', 'a.u.')})")
    else:
        for i, name in enumerate(da[sdim].values):
            ax.plot(t, values[:, i], lw=0.8, label=str(name))
        if demean:  # a short label: a long one runs into the panel above
            units = da.attrs.get("units")
            label = f"{da.name or 'signal'} − {sdim} mean" + (f" ({units})" if units not in (None, "", "1") else "")
        else:
            label = _label(da, "signal")
        ax.set_ylabel(label)
        if values.shape[1] <= 10:
            ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.0, 1.0), title=sdim)
    ax.set_xlabel(f"time ({tunits})" if tunits else "time")
    ax.margins(x=0)


def timeseries(da: xr.DataArray, regions: Selection = 6, *, title: str | None = None) -> Figure:
    """Traces of a ``(time, region)`` variable (e.g. ``ds.r``) for a few regions.

    Parameters
    ----------
    da : xarray.DataArray
        Dims ``(time, region)``.
    regions : int, str, list of str or list of int, default 6
        How many regions (spread over the atlas; at most all of them), which
        label(s), or which positions. A label not in the data is refused
        naming the close ones.
    title : str, optional
    """
    fig = figure((8, 3.2))
    ax = fig.add_subplot()
    sub = _pick(da, _space_dim(da, _time_dim(da)), regions)
    _draw_traces(ax, sub)
    ax.set_title(title or str(da.attrs.get("long_name", da.name) or "signal"))
    return fig


def bold(ds: xr.Dataset | xr.DataArray, regions: Selection = 6, *, title: str | None = None,
         demean: bool = True) -> Figure:
    """BOLD traces of a few regions (``ds.bold`` or a Dataset holding it); time in s.

    ``demean`` removes each region's mean, so that fluctuations of regions at
    different levels share one scale.
    """
    import xarray as xr  # noqa: PLC0415 - loaded on first use (start-up, memory)

    da = _variable(ds, "bold", "bn.Bold(tr=...)") if isinstance(ds, xr.Dataset) else ds
    fig = figure((8, 3.2))
    ax = fig.add_subplot()
    sub = _pick(da, _space_dim(da, _time_dim(da)), regions)
    _draw_traces(ax, sub, demean=demean)
    ax.set_title(title or "BOLD signal")
    return fig


def eeg(ds: xr.Dataset | xr.DataArray, sensors: Selection = 8, *, title: str | None = None,
        window: tuple[float, float] | None = None) -> Figure:
    """EEG traces, one row per sensor (offset), of ``ds.eeg`` or a Dataset holding it.

    ``window`` = ``(start, stop)`` in ms limits the time shown.
    """
    import xarray as xr  # noqa: PLC0415 - loaded on first use (start-up, memory)

    da = _variable(ds, "eeg", "bn.EEG.from_atlas(...)") if isinstance(ds, xr.Dataset) else ds
    tdim = _time_dim(da)
    if window is not None:
        da = da.sel({tdim: slice(*window)})
    fig = figure((8, 4))
    ax = fig.add_subplot()
    _draw_traces(ax, _pick(da, _space_dim(da, tdim), sensors), offset=True)
    ax.set_title(title or "EEG (average reference)")
    return fig


def _variable(ds, name, monitor):
    if name not in ds.data_vars:
        raise BrainnetError(f"the Dataset has no {name!r} variable (it holds {list(ds.data_vars)}); run with "
                            f"the {monitor} monitor, or pass the DataArray to draw.")
    return ds[name]


def _fc_label(m):
    """The colour/axis label of an FC: Pearson r, or Fisher z for ``bn.fc(..., fisher_z=True)``."""
    attrs = getattr(m, "attrs", {})
    return "Fisher z" if attrs.get("fisher_z") or "fisher z" in str(attrs.get("long_name", "")).lower() else "Pearson r"


def _draw_matrix(fig, ax, m, title, labels=True):
    values = np.asarray(m.values, dtype=float)
    off = values[~np.eye(len(values), dtype=bool)]
    finite = off[np.isfinite(off)]
    lim = float(np.abs(finite).max()) if finite.size and np.abs(finite).max() > 0 else 1.0
    n_missing = (off.size - finite.size) // 2
    if n_missing:  # drawn blank: say so, not a silent hole
        title = f"{title}\n{n_missing} of {off.size // 2} pairs missing (NaN, blank)"
    im = ax.imshow(values, cmap="RdBu_r", vmin=-lim, vmax=lim, interpolation="nearest")
    names = [str(x) for x in m[m.dims[0]].values]
    n = len(names)
    if labels:
        step = max(1, int(np.ceil(n / 40)))
        ticks = np.arange(0, n, step)
        ax.set_xticks(ticks, [names[i] for i in ticks], rotation=90, fontsize=5)
        ax.set_yticks(ticks, [names[i] for i in ticks], fontsize=5)
    ax.set_xlabel(m.dims[1])
    ax.set_ylabel(m.dims[0])
    ax.set_title(title)
    fig.colorbar(im, ax=ax, shrink=0.8, label=_fc_label(m))


def fc_matrix(fc: xr.DataArray, *, title: str = "Functional connectivity", labels: bool = True) -> Figure:
    """An FC matrix (``bn.fc(...)``) as a heat map with region labels on both axes."""
    if not hasattr(fc, "dims"):
        import xarray as xr  # noqa: PLC0415 - loaded on first use (start-up, memory)

        fc = np.asarray(fc)
        if fc.ndim == 2:
            fc = xr.DataArray(fc, dims=("region_i", "region_j"))
    if fc.ndim != 2 or fc.shape[0] != fc.shape[1]:
        extra = [d for d in fc.dims if not str(d).startswith("region")]
        fix = f" Draw one member: fc.isel({', '.join(f'{d}=0' for d in extra)})." if extra else ""
        raise BrainnetError(f"fc_matrix expects a square 2-d FC matrix; got dims {fc.dims}, shape {fc.shape}.{fix}")
    fig = figure((6.5, 5.5))
    _draw_matrix(fig, fig.add_subplot(), fc, title, labels)
    return fig


def fc_scatter(simulated: xr.DataArray, empirical: xr.DataArray, *, title: str | None = None) -> Figure:
    """Simulated against empirical FC, one dot per region pair (upper triangle), with Pearson r.

    Labelled matrices (DataArrays, DataFrames) are paired by region label as
    in :func:`brainnet_cb.fc_fit` (the empirical one put in the simulated
    order; different regions are refused); pairs missing (NaN) in either are
    left out.
    """
    from .analysis.common import as_matrix_array, labelled_matrix  # noqa: PLC0415 - pandas/xarray on first use
    from .analysis.connectivity import aligned_pair  # noqa: PLC0415

    sim, sim_da = as_matrix_array(labelled_matrix(simulated, "simulated"), "simulated")
    emp, emp_da = as_matrix_array(labelled_matrix(empirical, "empirical"), "empirical")
    if sim.shape != emp.shape or sim.ndim != 2:
        raise BrainnetError(f"fc_scatter needs two FC matrices of one shape; got {sim.shape} and {emp.shape}.")
    emp = aligned_pair(sim_da, emp_da, emp)
    iu = np.triu_indices(len(sim), k=1)
    x, y = emp[iu], sim[iu]
    keep = np.isfinite(x) & np.isfinite(y)
    x, y = x[keep], y[keep]
    left_out = int(keep.size - keep.sum())
    if x.size < 3:
        raise AnalysisError(f"fc_scatter needs at least 3 region pairs present (finite) in both FCs; got {x.size} "
                            f"of {keep.size} ({left_out} missing, NaN, in either).")
    r = np.corrcoef(x, y)[0, 1]
    fig = figure((4.8, 4.5))
    ax = fig.add_subplot()
    ax.scatter(x, y, s=4, alpha=0.4)
    lo, hi = min(x.min(), y.min()), max(x.max(), y.max())
    ax.plot([lo, hi], [lo, hi], color="0.5", lw=0.8, ls="--")
    ax.set_xlabel(f"empirical FC ({_fc_label(empirical)})")
    ax.set_ylabel(f"simulated FC ({_fc_label(simulated)})")
    if left_out:  # said on the figure, not a silent drop
        ax.text(0.98, 0.02, f"{left_out} of {keep.size} pairs missing (NaN), left out", transform=ax.transAxes,
                ha="right", va="bottom", fontsize="small", color="0.3")
    ax.set_title(title or f"FC fit: r = {r:.3f} ({len(x)} pairs)")
    return fig


def sweep_heatmap(result: xr.Dataset | xr.DataArray, variable: str | None = None, *, x: str | None = None,
                  y: str | None = None, title: str | None = None) -> Figure:
    """A sweep result over one, two or three swept dimensions: a line, a heat map, or one heat map per
    value of the third (up to 12, on one colour scale); more are refused (pick a value with ``.sel``).

    Parameters
    ----------
    result : xarray.Dataset or DataArray
        Output of a sweep, one dimension per swept parameter.
    variable : str, optional
        Data variable of a Dataset (default: ``fc_corr`` where the sweep was
        scored against an empirical FC, else ``fc_mean``, else the first).
    x, y : str, optional
        Dimensions on the axes (default: the first two); a third is one panel per value.
    """
    import xarray as xr  # noqa: PLC0415 - loaded on first use (start-up, memory)

    da = result
    if isinstance(result, xr.Dataset):
        variable = variable or next((v for v in ("fc_corr", "fc_mean") if v in result.data_vars),
                                    next(iter(result.data_vars)))
        if variable not in result.data_vars:
            raise SweepError(f"sweep_heatmap: no variable {variable!r} in the result; it holds "
                             f"{list(result.data_vars)}.")
        da = result[variable]
    dims = [d for d in da.dims if da.sizes[d] > 1] or list(da.dims)
    for name, d in (("x", x), ("y", y)):
        if d is not None and d not in da.dims:
            raise SweepError(f"sweep_heatmap: {name}={d!r} is not a dimension of {da.name or 'the result'}; "
                             f"its dimensions are {list(da.dims)}.")
    x = x or next((d for d in dims if d != y), dims[0])
    if x == y:
        raise SweepError(f"sweep_heatmap: x and y are both {x!r}; pick two different dimensions.")
    if y is None and len(dims) >= 2:
        y = next(d for d in dims if d != x)
    hidden = [d for d in dims if d not in (x, y)]
    if len(hidden) == 1 and da.sizes[hidden[0]] <= _MAX_FACETS:
        return _facets(da, x, y, hidden[0], title)
    if hidden:
        raise SweepError(f"sweep_heatmap draws up to 3 swept dimensions (the third as one panel per value, at most "
                         f"{_MAX_FACETS}); {da.name or 'the result'} varies over {dims} "
                         f"({', '.join(f'{d}: {da.sizes[d]}' for d in dims)}), and {hidden} would be hidden. Pick a "
                         f"value, e.g. result.sel({hidden[-1]}=...) or .isel({hidden[-1]}=0), or one figure per value.")
    fig = figure((6, 4.5))
    ax = fig.add_subplot()
    if y is None and len(dims) < 2:
        line = da.squeeze()
        ax.plot(line[x].values, line.values, marker="o")
        ax.set_xlabel(x)
        ax.set_ylabel(_label(da, "value"))
    else:
        rest = [d for d in da.dims if d not in (x, y)]
        grid = da.isel({d: 0 for d in rest}).transpose(y, x) if rest else da.transpose(y, x)
        mesh = ax.pcolormesh(grid[x].values, grid[y].values, grid.values, shading="nearest")
        fig.colorbar(mesh, ax=ax, label=_label(da, "value"))
        ax.set_xlabel(x)
        ax.set_ylabel(y)
    ax.set_title(title or f"{da.name or 'sweep'} over {', '.join(dims)}")
    return fig


#: The most panels of a third swept dimension that :func:`sweep_heatmap` draws.
_MAX_FACETS = 12


def _value(v):
    try:
        return f"{float(v):g}"
    except (TypeError, ValueError):
        return str(v)


def _facets(da, x, y, facet, title):
    """One heat map of ``(y, x)`` per value of ``facet``, on one colour scale."""
    k = da.sizes[facet]
    ncols = min(k, 4)
    nrows = -(-k // ncols)
    fig = figure((3.2 * ncols + 1.2, 2.8 * nrows + 0.6))
    axes = fig.subplots(nrows, ncols, squeeze=False, sharex=True, sharey=True)
    rest = {d: 0 for d in da.dims if d not in (x, y, facet)}
    values = np.asarray(da.values, dtype=float)
    finite = values[np.isfinite(values)]
    lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    mesh = None
    for i, ax in enumerate(axes.flat):
        if i >= k:
            ax.set_visible(False)
            continue
        grid = da.isel({facet: i, **rest}).transpose(y, x)
        mesh = ax.pcolormesh(grid[x].values, grid[y].values, grid.values, shading="nearest", vmin=lo, vmax=hi)
        ax.set_title(f"{facet} = {_value(da[facet].values[i]) if facet in da.coords else i}", fontsize="medium")
        if i // ncols == nrows - 1 or i + ncols >= k:
            ax.set_xlabel(x)
        if i % ncols == 0:
            ax.set_ylabel(y)
    fig.colorbar(mesh, ax=axes, label=_label(da, "value"))
    fig.suptitle(title or f"{da.name or 'sweep'} over {x}, {y}; one panel per {facet}")
    return fig


def _n_time(da) -> int:
    return int(da.sizes[_time_dim(da)])


def summary(ds: xr.Dataset, regions: Selection = 4, *, fc: xr.DataArray | None = None,
            title: str | None = None) -> Figure:
    """The ``brainnet-cb run`` summary figure: activity, BOLD, FC matrix and EEG panels.

    Panels whose data the Dataset lacks, or holds fewer than 2 samples of
    (e.g. BOLD of a run no longer than its discarded transient), are left out.
    ``fc`` is the FC matrix to show; by default ``bn.fc`` of the BOLD signal
    when it has at least 3 volumes, else of the activity (``r``), and the
    panel's title names the one used. A run of one region has no FC (no pair
    of regions to correlate; its 1 x 1 "matrix" is 1 by definition): its FC
    panel is left blank, titled "No FC: one region" and saying so.
    """
    panels = []
    activity = next((v for v in ("r", "y0", "x") if v in ds.data_vars and "region" in ds[v].dims), None)
    if activity is None:
        activity = next((v for v in ds.data_vars if ds[v].dims[-1:] == ("region",) and v not in ("bold",)), None)
    if activity is not None and _n_time(ds[activity]) >= 2:
        panels.append("activity")
    if "bold" in ds and _n_time(ds["bold"]) >= 2:
        panels.append("bold")
    if "eeg" in ds and _n_time(ds["eeg"]) >= 2:
        panels.append("eeg")
    for name in (activity, "bold", "eeg"):  # one run: a batch member is chosen by the caller
        if name in ds.data_vars:
            _space_dim(ds[name], _time_dim(ds[name]))
    if not panels and fc is None:
        raise BrainnetError(f"summary has nothing to draw: the Dataset holds no time series of at least 2 "
                            f"samples by region or sensor (variables {list(ds.data_vars)}); pass the output "
                            f"of bn.simulate, or fc= to draw an FC alone.")
    if fc is None:
        from .analysis import fc as compute_fc  # noqa: PLC0415 - SciPy: not loaded by `import brainnet_cb.plots`

        source = None
        if "bold" in ds and _n_time(ds["bold"]) >= 3:
            fc, source = compute_fc(ds["bold"]), "BOLD"
        elif activity is not None and _n_time(ds[activity]) >= 3:
            fc, source = compute_fc(ds[activity]), activity
    else:
        source = fc.attrs.get("source")
    fig = figure((13, 8.5))
    grid = fig.add_gridspec(3, 2, width_ratios=[1.6, 1])
    row = 0
    if "activity" in panels:
        ax = fig.add_subplot(grid[row, 0])
        da = _pick(ds[activity], "region", regions)
        tdim = _time_dim(da)
        show = da.isel({tdim: slice(-min(da.sizes[tdim], 200), None)})  # the last 200 samples
        _draw_traces(ax, show)
        n = da.sizes["region"]
        ax.set_title(f"{_label(ds[activity], activity)} of {n} region{'s' * (n != 1)} (last {show.sizes[tdim]} "
                     "samples)")
        row += 1
    if "bold" in panels:
        ax = fig.add_subplot(grid[row, 0])
        _draw_traces(ax, _pick(ds["bold"], "region", regions), demean=True)
        tr = ds["bold"].attrs.get("tr_ms")
        which = "of the same regions" if "activity" in panels else "of a few regions"
        ax.set_title(f"BOLD {which} (TR {tr:g} ms)" if tr else f"BOLD {which}")
        row += 1
    if "eeg" in panels:
        ax = fig.add_subplot(grid[row, 0])
        da = ds["eeg"]
        tdim = _time_dim(da)
        show = da.isel({tdim: slice(-min(da.sizes[tdim], 400), None)})
        _draw_traces(ax, _pick(show, _space_dim(da, tdim), 6), offset=True)
        ax.set_title(f"EEG, 6 of {da.sizes[_space_dim(da, tdim)]} sensors (last {show.sizes[tdim]} samples)")
    if fc is not None and fc.sizes[fc.dims[0]] < 2:  # one region: nothing to correlate, no 1 x 1 "matrix"
        ax = fig.add_subplot(grid[:, 1])
        ax.axis("off")
        ax.set_title("No FC: one region")
        ax.text(0.5, 0.5, "Functional connectivity correlates pairs of regions;\nthis run has one region, so it has "
                "none\n(its 1 x 1 FC is 1 by definition).", ha="center", va="center", transform=ax.transAxes)
    elif fc is not None:
        kind = "volumes" if source == "BOLD" else "samples"
        samples = f", {fc.attrs['n_samples']} {kind}" if "n_samples" in fc.attrs else ""
        of = f" of {source}" if source else ""
        _draw_matrix(fig, fig.add_subplot(grid[:, 1]), fc,
                     f"FC{of} ({fc.sizes[fc.dims[0]]} regions{samples})")
    fig.suptitle(title or _title(ds))
    return fig


def _title(ds):
    a = ds.attrs
    parts = [f"{a.get('model', 'model')} on {a.get('connectome', 'connectome')}"]
    if "duration" in a:
        parts.append(f"{float(a['duration']) / 1000:g} s simulated")
    if "coupling" in a:
        parts.append(str(a["coupling"]))
    if "noise" in a:
        parts.append(f"noise {a['noise']}")
    return ", ".join(parts)


from .node_plots import node_diagram, phase_plane  # noqa: E402 - one node's figures (they use figure above)
