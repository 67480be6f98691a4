"""What every ``brainnet-cb`` command uses: its configuration with the command line's overrides, its output
paths checked before the run, the progress bar's switch and an atomically written figure.

numpy and the configuration module (which loads the simulation layer and JAX) are imported on first use, so
that ``--help``, ``info`` and ``atlases`` do not load them.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import pathlib
import re
import sys

from .._destinations import WriteLock, check_destination, missing_folder, publish, suffix_problem, temporary_path
from ..errors import BrainnetError
from .config_schema import ConfigError
from .config_toml import toml_string

__all__ = ["np", "configuration", "load", "output_paths", "check_free", "Reservation", "show_progress", "figure_path",
           "save_figure"]


class _OnFirstUse:
    """A module imported when one of its attributes is first read: ``--help``, ``info`` and
    ``atlases`` do not load numpy, JAX or the simulation engine they do not use."""

    def __init__(self, name: str):
        self._name = name

    def __getattr__(self, attr):
        return getattr(importlib.import_module(self._name), attr)


np = _OnFirstUse("numpy")
#: :mod:`brainnet_cb.cli.config`, imported on first use (the schema, and config_build -> simulation -> JAX).
configuration = _OnFirstUse("brainnet_cb.cli.config")


def load(args, cls):
    """``(config, base)``: the command's configuration (``cls``: its file, else the defaults) with ``--set``,
    ``--duration``, ``--seed``, ``--out`` and ``--no-figure`` applied, and the folder its relative paths start from
    (None without a file)."""
    out_key = getattr(args, "out_key", "output.path")  # run: output.path; sweep, fit: sweep.path, fit.path
    _refuse_not_text(args)  # before the configuration file reads the output path that --out or --set gives
    if getattr(args, "config", None):
        cfg = configuration.load(args.config, cls, out=_command_line_out(args, out_key))
        base = pathlib.Path(args.config).resolve().parent
        note_other_version(args.config)
    else:
        cfg, base = cls(), None
    overrides = list(getattr(args, "set", None) or [])
    for flag, key in (("duration", "run.duration"), ("seed", "run.seed"), ("out", out_key)):
        value = getattr(args, flag, None)
        if value is not None:
            overrides.append(f"{key}={toml_string(value)}" if isinstance(value, str) else f"{key}={value}")
    if getattr(args, "no_figure", False):
        overrides.append("output.figure=false")
    if overrides:
        cfg = configuration.apply_overrides(cfg, overrides, cls)
    return cfg, base


def _refuse_not_text(args) -> None:
    """Refuse, naming the option, a ``--set``, ``--out``, ``--duration`` or ``--seed`` value that holds bytes that are
    not UTF-8: no configuration (``--print-config``, the ``config`` a result stores) can hold it, and netCDF4 cannot
    name a file with it (``--set output.path=...`` failed with a traceback once the run had started)."""
    given = [(f"--{flag}", getattr(args, flag, None)) for flag in ("duration", "seed", "out")]
    for item in getattr(args, "set", None) or []:
        key, _, text = item.partition("=")
        given.append((f"--set {key.strip()}", text.strip()) if not _not_text(key) else ("--set", item))
    for where, value in given:
        if isinstance(value, str) and _not_text(value):
            raise ConfigError(f"{where} {value!r} holds bytes that are not text in this system's encoding (UTF-8; the "
                              "\\udcXX above), so it cannot be written into a configuration: give a name of valid "
                              "characters.")


def _not_text(value: str) -> bool:
    """Whether ``value`` holds a lone surrogate: the bytes of a command-line argument that were not UTF-8."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _command_line_out(args, out_key):
    """``(where, path)``: the output the command line gives, which replaces the configuration file's ``out_key``
    (``--out``, else the last ``--set out_key=...``, as :func:`load` applies them), or None."""
    if getattr(args, "out", None) is not None:
        return "--out", args.out
    for item in reversed(getattr(args, "set", None) or []):
        key, _, text = item.partition("=")
        if key.strip() == out_key:
            return out_key, configuration.parse_value(text.strip())
    return None


_WRITTEN_BY = re.compile(r"# brainnet-cb \w+ configuration \(brainnet_cb ([^)\s]+)\)\.")


def note_other_version(path) -> None:
    """Say on stderr when the configuration at ``path`` was written by another brainnet_cb (its first line, as
    ``--print-config`` and a result's ``config`` attribute write it, names the version): its run may differ."""
    from .._version import __version__  # noqa: PLC0415

    try:  # decoded as load() decodes it: UTF-8, or UTF-16 with its byte-order mark (Windows PowerShell 5's `>`)
        first = configuration.config_text(pathlib.Path(path).read_bytes()).partition("\n")[0]
    except (OSError, UnicodeDecodeError):  # load() has read it already; nothing to say
        return
    match = _WRITTEN_BY.match(first)
    if match and match.group(1) != __version__:
        print(f"brainnet-cb: note: {os.fsdecode(path)} was written by brainnet_cb {match.group(1)}, and this is "
              f"brainnet_cb {__version__}: the run may differ from the one it came from (the same seed gives the "
              "same run bit for bit with the same brainnet_cb, JAX and device only).", file=sys.stderr)


#: The key ``--out`` sets -> the command that writes there, and what it writes beside the NetCDF file (its figure).
_WRITERS = {"output.path": ("run", " (its summary figure goes beside it as .png)"),
            "sweep.path": ("sweep", " (its heat map goes beside it as .png)"),
            "fit.path": ("fit", "")}


def output_paths(path: str, args, figure: bool) -> list:
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
        ``[out]`` or ``[out, figure]``. A name without a suffix gets ``.nc`` (``--out result`` writes
        ``result.nc`` and ``result.png``), as ``numpy.save`` adds ``.npy``.

    Raises
    ------
    ConfigError
        An empty path, a folder, a Zarr store's name (``.zarr``), or any other suffix than a NetCDF one
        (:data:`~brainnet_cb._destinations.NETCDF_SUFFIXES`: ``.nc``, ``.nc4``, ``.netcdf``, ``.cdf``, any case):
        ``--out x.txt`` or ``--out x.png`` would have written NetCDF under that name (and a ``.png`` output
        would have been replaced by its own summary figure).
    BrainnetError
        The configuration file the command reads (``args.config``), whatever its suffix.
    """
    where = "--out" if args.out is not None else args.out_key
    command, figure_note = _WRITERS[args.out_key]
    example = f"{command}.nc"
    if not path:
        raise ConfigError(f"the output path ({where}) is empty; give a NetCDF file name, e.g. --out {example}.")
    if not path.strip():
        raise ConfigError(f"the output path ({where}) {path!r} is blank (spaces only); give a NetCDF file name, "
                          f"e.g. --out {example}.")
    out = pathlib.Path(path).expanduser()  # output.path = "~/run.nc", as the input paths are read
    if out.is_dir() or not out.name:
        raise ConfigError(f"the output path ({where}) {str(out)!r} is a folder; give a NetCDF file name, e.g. "
                          f"--out {out / example}.")

    _refuse_config_file(out, getattr(args, "config", None))  # --out run.toml: that, rather than its suffix
    beside = figure_note if figure else ""
    problem = suffix_problem(out, "netcdf", writes=f"brainnet-cb {command} writes a NetCDF file{beside}",
                             example=lambda fix: f"--out {fix}")  # bn.write_netcdf's rule, in the CLI's words
    if problem:  # refused before a sweep or fit, not when its result is written
        raise ConfigError(f"the output path ({where}) {str(out)!r} {problem}.")
    if not out.suffix:  # --out result: result.nc (and result.png); "result." (no suffix to pathlib) too
        out = out.with_name(out.name + ("nc" if out.name.endswith(".") else ".nc"))
        if out.is_dir():
            raise ConfigError(f"the output path ({where}) {path!r} is written as {str(out)!r}, which is a folder; "
                              f"give a NetCDF file name, e.g. --out {out / example}.")
    if not out.parent.is_dir():  # the key (or --out) named, before check_free's words for any writer
        reason = missing_folder(out, out.parent).removeprefix(f"cannot write {out}: ")
        raise ConfigError(f"the output path ({where}) {str(out)!r} cannot be written: {reason}.")
    if not figure:
        return [out]
    return [out, figure_path(out)]


def check_free(paths, overwrite, config=None, no_figure="--no-figure"):
    """Refuse, before the run, an output that exists (without ``overwrite``), whose folder is missing, that is the
    configuration file ``config`` being read, or that :func:`check_destination` refuses; ``paths[1]``, if given, is
    the summary figure, which ``no_figure`` (the command's switch) leaves out and which needs matplotlib (looked
    for, not imported: a sweep without it ran to its end and then failed at the figure)."""
    if len(paths) > 1:
        from ..plots import check_matplotlib  # noqa: PLC0415 - plots loads numpy and xarray

        try:
            check_matplotlib()
        except BrainnetError as err:
            raise BrainnetError(f"{err} Or write no figure: {no_figure}.") from None
    for i, p in enumerate(paths):
        _refuse_config_file(p, config)
        if p.exists() and not overwrite and i == 1:
            raise BrainnetError(f"{p} exists; pass --overwrite to replace it, choose another --out, or pass "
                                f"{no_figure} (it is the summary figure of {paths[0]}).")
        if p.exists() and not overwrite:
            raise BrainnetError(f"{p} exists; pass --overwrite to replace it, or choose another --out.")
        if not p.parent.is_dir():
            raise BrainnetError(f"{missing_folder(p, p.parent)}.")
        # before the run: read-only folder, symbolic link, another run writing
        check_destination(p, overwrite=True, overwrite_hint="--overwrite")


class Reservation:
    """The lock of a command's output, held while the command computes its result (a sweep, a fit: minutes).

    A second command given the same ``--out`` meanwhile is refused at once (``... is being written by another
    run (process N) ...``) rather than after it has computed its own result. :meth:`write_netcdf` writes the file
    under that lock, held throughout (no gap in which another command could take the output).
    """

    def __init__(self, path):
        self.path = pathlib.Path(path)
        self._lock = WriteLock(self.path, None, BrainnetError, overwrite_hint="--overwrite")

    def __enter__(self):
        self._lock.acquire()
        return self

    def __exit__(self, *exc):
        self._lock.release()

    def write_netcdf(self, result, overwrite):
        """``bn.write_netcdf(result, path, overwrite=overwrite)`` under the lock this object holds (then released)."""
        from ..simulation.output import write_netcdf_holding  # noqa: PLC0415 - loads the simulation layer (JAX)

        return write_netcdf_holding(result, self._lock, overwrite=overwrite)


def _refuse_config_file(p: pathlib.Path, config):
    """Refuse ``p`` when it is the configuration file ``config`` the command reads (any suffix, any overwrite)."""
    if config and p.exists() and p.resolve() == pathlib.Path(config).resolve():
        raise BrainnetError(f"{p} is the configuration file this command reads; writing the result there "
                            "would replace it, --overwrite or not. Choose another --out, e.g. --out "
                            f"{p.with_suffix('.nc')}.")


def show_progress(args) -> bool:
    """A progress bar only when asked (``--progress``) or when stderr is a terminal, never with ``--quiet``."""
    if getattr(args, "quiet", False):
        return False
    return bool(getattr(args, "progress", False)) or sys.stderr.isatty()


def figure_path(out: pathlib.Path) -> pathlib.Path:
    return out.with_suffix(".png")


def save_figure(fig, path: pathlib.Path):
    """Write ``fig`` as the PNG ``path`` (which :func:`check_free` allowed) as every output is written: under its
    lock, through a temporary name of its own, so that two commands never write one file at once and a killed
    one leaves a hidden ``.<name>.<id>.tmp`` that the next writer of ``path`` deletes (the fixed
    ``.<name>.tmp.png`` of before was shared by every command and left behind)."""
    with WriteLock(path, None, BrainnetError, overwrite_hint="--overwrite"):
        tmp = temporary_path(path)
        try:
            fig.savefig(tmp, dpi=110, format="png")
            publish(tmp, path, overwrite=True, error=BrainnetError)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
