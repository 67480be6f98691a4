"""A configuration as Python objects: its connectome, monitors and :class:`~brainnet_cb.Simulation`."""

from __future__ import annotations

import contextlib
import json
import math
import pathlib
import sys
import warnings
from typing import TYPE_CHECKING

from ..errors import BrainnetError
from .config_schema import NOISE_KEYS, ConfigError, ConnectomeSection, MonitorsSection, RunConfig

if TYPE_CHECKING:  # the engine (JAX) is imported by build_simulation only: --print-config stays light
    from ..simulation.spec import Simulation

__all__ = ["build_connectome", "build_monitors", "build_noise", "build_simulation", "build_run", "resolve_path",
           "existing_path", "check_per_region", "with_absolute_paths", "check_path_text", "BACKSLASH_FIX"]

#: The keys that name files, read relative to the config file's folder, and the names they take that are not files.
PATH_KEYS = {("connectome", "file"): (), ("connectome", "weights"): (), ("connectome", "lengths"): (),
             ("connectome", "labels"): (), ("sweep", "empirical"): ("hcp",), ("fit", "empirical"): ("hcp", "hcp80"),
             ("fit", "test"): ("hcp", "hcp80")}


#: The keys that name files to write.
OUTPUT_KEYS = (("output", "path"), ("sweep", "path"), ("fit", "path"))

#: How to write a Windows path in TOML: in a "basic string" a backslash starts an escape (\n, \t, \U...).
BACKSLASH_FIX = ("in a TOML \"...\" string a backslash starts an escape (\\n, \\t, \\U...), so write a Windows path in "
                 "single quotes, 'C:\\Users\\me\\sc.csv', or with forward slashes, \"C:/Users/me/sc.csv\"")

_ESCAPED = {"\n": "\\n", "\t": "\\t", "\r": "\\r", "\b": "\\b", "\f": "\\f"}


#: What an input path key's empty value means, for the refusal of a blank one (``"  "``).
_UNSET = {"file": 'or "" to use connectome.atlas', "weights": 'or "" to use connectome.atlas',
          "lengths": 'or "" for none', "labels": 'or "" for none', ("sweep", "empirical"): 'or "" to score none',
          ("fit", "empirical"): 'or "hcp80", the bundled FC', ("fit", "test"): 'or "" for none'}


def check_path_text(cfg):
    """Refuse a file name that holds a newline, tab or other control character: a Windows path written in
    double quotes (``"C:\\new\\table.csv"``), whose backslashes TOML read as escapes; and an input file name of
    spaces only (``connectome.file = "  "``), which names no file (an output's: :func:`..common.output_paths`)."""
    for section, key in PATH_KEYS:
        value = getattr(getattr(cfg, section, None), key, "")
        if isinstance(value, str) and value and not value.strip():
            unset = _UNSET.get(key) or _UNSET[section, key]
            raise ConfigError(f"{section}.{key} = {json.dumps(value)} is blank (spaces only), which names no file; "
                              f"give the path of a file, {unset}.")
    for section, key in (*PATH_KEYS, *OUTPUT_KEYS):
        value = getattr(getattr(cfg, section, None), key, "")
        if not isinstance(value, str) or not any(c in value for c in _ESCAPED):
            continue
        typed = "".join(_ESCAPED.get(c, c) for c in value)
        forward = typed.replace("\\", "/")
        shown = ", ".join(e for c, e in _ESCAPED.items() if c in value)
        raise ConfigError(f"{section}.{key} = {value!r} holds a control character ({shown}), which no file name "
                          f"should: {BACKSLASH_FIX}. Here: {section}.{key} = '{typed}', or \"{forward}\".")
    return cfg


def resolve_path(path, base):
    """``path`` (``~`` expanded) relative to the folder ``base`` (the config file's), unless absolute."""
    p = pathlib.Path(path).expanduser()
    return p if p.is_absolute() or base is None else pathlib.Path(base) / p


def with_absolute_paths(cfg, base=None):
    """``cfg`` with every file it names as an absolute path (relative ones resolved from ``base``, the config file's
    folder, or the working folder without one): the configuration a result stores, which reads back from anywhere."""
    import dataclasses  # noqa: PLC0415

    changes = {}
    for (section, key), names in PATH_KEYS.items():
        part = getattr(cfg, section, None)
        value = getattr(part, key, "") if part is not None else ""
        if value and value not in names:
            path = resolve_path(value, base).absolute()
            changes.setdefault(section, {})[key] = str(path)
    for section, values in changes.items():
        cfg = dataclasses.replace(cfg, **{section: dataclasses.replace(getattr(cfg, section), **values)})
    return cfg


def existing_path(key: str, value: str, base=None, folder: bool = False) -> pathlib.Path:
    """``value`` resolved (:func:`resolve_path`), refused naming ``key`` where nothing is there, or a folder
    where a file is expected (``folder=False``).

    Parameters
    ----------
    key : str
        The configuration key that holds the path, e.g. ``"connectome.weights"``.
    value : str
        The path as configured.
    base : str or pathlib.Path, optional
        The config file's folder (None: no config file, the working folder).
    folder : bool
        Whether a folder is accepted (``connectome.file``: a TVB connectivity folder).

    Raises
    ------
    ConfigError
        Nothing at the resolved path, or a folder where a file is expected; the message names the key, the
        path read and the folder relative paths are read from.
    """
    path = resolve_path(value, base)
    if not path.exists():
        where = (f"the config file's folder, {base}" if base is not None
                 else f"the working folder, {pathlib.Path.cwd()}")
        relative = "" if pathlib.Path(value).expanduser().is_absolute() else f" (relative paths are read from {where})"
        raise ConfigError(f"{key} = {value!r}: no such file {str(path)!r}{relative}; give the path of an existing "
                          "file.")
    if path.is_dir() and not folder:
        raise ConfigError(f"{key} = {value!r} is a folder ({str(path)!r}); give the path of a file in it.")
    return path


def build_connectome(section: ConnectomeSection, base=None):
    """The :class:`~brainnet_cb.Connectome` a ``[connectome]`` table names.

    ``file`` may be a weights matrix itself (``.npy/.csv/.tsv/.txt``): then it is
    read as ``weights`` is, with ``lengths`` and ``labels``. Beside any other
    file (which holds its own lengths and labels) those keys are refused, not
    ignored.
    """
    key = "lengths" if section.weights else "file"
    with _lengths_warning_in_keys(f"connectome.{key} = {getattr(section, key)!r}"):
        return _read_connectome(section, base)


@contextlib.contextmanager
def _lengths_warning_in_keys(said):
    """The block's :class:`~brainnet_cb.TractLengthWarning` (lengths in metres?) re-issued naming the key ``said``
    and the fix a configuration can make (its advice, ``lengths * 1000`` or ``lengths * u.meter``, is Python's);
    other warnings as they were."""
    from ..connectome import TractLengthWarning  # noqa: PLC0415

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", TractLengthWarning)
        yield
    for w in caught:
        message = w.message
        if w.category is TractLengthWarning:
            text = str(message).split(" If they are in metres")[0]
            message = TractLengthWarning(f"{said}: {text} If they are in metres, multiply the file's values by "
                                         "1000 (the command line reads lengths in mm only).")
        warnings.warn_explicit(message, w.category, w.filename, w.lineno)


def _read_connectome(section, base):
    """:func:`build_connectome` of a ``[connectome]`` table, its lengths' warning as the reader issues it."""
    if section.file and section.weights:
        raise ConfigError("connectome.file and connectome.weights are both set; give one of them.")
    if not (section.file or section.weights):
        return _bundled(section)
    if not section.clean:
        key = "weights" if section.weights else "file"
        _refuse_clean(f"connectome.{key} = {getattr(section, key)!r} is read as it is, self-connections included")
    from ..data import io  # noqa: PLC0415 - the readers of every format load nibabel, networkx, scipy.io
    from ..data.arrays import MATRIX_SUFFIXES  # noqa: PLC0415
    from ..data.files import MissingLengthsError  # noqa: PLC0415

    key = "weights" if section.weights else "file"
    matrix = section.weights or section.file
    if key == "file" and pathlib.Path(matrix).suffix.lower() not in MATRIX_SUFFIXES:
        beside = [f"connectome.{k}" for k in ("lengths", "labels") if getattr(section, k)]
        if beside:
            raise ConfigError(f"{' and '.join(beside)} {'are' if len(beside) > 1 else 'is'} read beside a "
                              f"weights matrix only; connectome.file = {section.file!r} holds its own tract "
                              f"lengths and labels. Remove {' and '.join(beside)}, or give the matrices as "
                              "connectome.weights, connectome.lengths and connectome.labels.")
        path = existing_path("connectome.file", section.file, base, folder=True)
        try:
            return io.read_connectome(path, missing_lengths=section.missing_lengths)
        except MissingLengthsError as err:  # the reader's fix names its Python argument: say the key instead
            raise MissingLengthsError.at(err.source, err.what, 'set connectome.missing_lengths = "zero"') from None
        except BrainnetError as err:  # e.g. a folder without weights.txt: say which key named it
            raise ConfigError(f"connectome.file = {section.file!r}: {err}") from None
    path = existing_path(f"connectome.{key}", matrix, base)  # a missing weights file before its missing lengths
    if not section.lengths and section.missing_lengths == "raise":
        raise ConfigError(f"connectome.{key} is set without connectome.lengths; delays need tract lengths (mm). "
                          'Set connectome.lengths to their file, or connectome.missing_lengths = "zero" to run '
                          "without conduction delays.")
    return io.read_matrix(
        path,
        existing_path("connectome.lengths", section.lengths, base) if section.lengths else None,
        labels=existing_path("connectome.labels", section.labels, base) if section.labels else None,
        missing_lengths=section.missing_lengths,
    )


def _bundled(section: ConnectomeSection):
    """The bundled atlas ``connectome.atlas`` names (``hcp``, ``hcp80`` or one of ``brainnet-cb atlases``)."""
    if not section.atlas:
        raise ConfigError("connectome: set atlas, file or weights (all are empty).")
    beside = [f"connectome.{k}" for k in ("lengths", "labels") if getattr(section, k)]
    if beside:
        raise ConfigError(f"{' and '.join(beside)} {'are' if len(beside) > 1 else 'is'} read beside a weights "
                          f"matrix only, and neither connectome.weights nor connectome.file is set (the atlas "
                          f"{section.atlas!r} has its own). Set connectome.weights to the weights file, or "
                          f"remove {' and '.join(beside)}.")
    if section.atlas in ("hcp", "hcp80") and not section.clean:
        _refuse_clean(f"connectome.atlas = {json.dumps(section.atlas)} is read as it is and has no "
                      "self-connections to keep")
    if section.atlas == "hcp":
        from ..data.empirical import hcp_connectome  # noqa: PLC0415

        return hcp_connectome()
    if section.atlas == "hcp80":
        from ..data.empirical_data import load_empirical  # noqa: PLC0415

        return load_empirical("hcp80").connectome
    from ..data.atlases import load_atlas  # noqa: PLC0415

    return load_atlas(section.atlas, clean=section.clean)


def _refuse_clean(why):
    """``connectome.clean = false`` where no cleaning is done (a file, the HCP connectomes), refused saying ``why``."""
    from ..data.atlases import list_atlases  # noqa: PLC0415

    raise ConfigError(f"connectome.clean = false keeps the self-connections of a bundled TVB atlas "
                      f"({', '.join(list_atlases())}); {why}. Remove connectome.clean.")


def _check_bold_variable(cfg: RunConfig, cls) -> None:
    """Refuse ``monitors.bold.variable`` if the model has no such source (JansenRit or a plug-in without ``r``),
    and EEG if the model has no EEG source (neither ``eeg_source`` nor a state ``v``)."""
    from ..monitors.sources import _available  # noqa: PLC0415

    bold = cfg.monitors.bold
    sources = _available(cls)  # states, coupling and the derived ones (synaptic_current, eeg_source)
    if bold.enabled and bold.variable not in sources:
        example = cls.sends if cls.sends in cls.states else cls.states[0]
        raise ConfigError(f"monitors.bold.variable = {json.dumps(bold.variable)} is not a source of "
                          f"{cfg.model.name}; choose one of {', '.join(map(json.dumps, sources))} (variable = "
                          f"{json.dumps(example)} in [monitors.bold], or --set monitors.bold.variable={example}), or "
                          "set monitors.bold.enabled = false.")
    if cfg.monitors.eeg.enabled and not getattr(cls, "eeg_source", None) and "v" not in cls.states:
        raise ConfigError(f"monitors.eeg: {cfg.model.name} declares no EEG source (eeg_source, a class attribute "
                          f"{{state: coefficient}}) and has no state \"v\", the default; declare one in the model "
                          f"(e.g. eeg_source = {{\"{cls.states[0]}\": 1.0}}), or set monitors.eeg.enabled = false.")


def build_monitors(section: MonitorsSection, connectome, atlas=None) -> list:
    """The monitors a ``[monitors]`` table asks for (activity, BOLD, EEG)."""
    from ..forward.atlas import load_gain  # noqa: PLC0415
    from ..monitors import EEG, Bold, TemporalAverage  # noqa: PLC0415

    monitors = []
    a = section.activity
    if a.enabled:
        monitors.append(TemporalAverage(a.period, variables=tuple(a.variables) or None))
    if section.bold.enabled:
        b = section.bold
        monitors.append(Bold(tr=b.tr, discard=b.discard, preset=b.preset, variable=b.variable))
    e = section.eeg
    if e.enabled:
        has_gain = False
        if atlas:
            try:
                load_gain(atlas)
                has_gain = True
            except BrainnetError:
                has_gain = False
        if e.gain == "atlas" and not has_gain:
            raise ConfigError(f"monitors.eeg.gain = \"atlas\" needs a bundled atlas with an EEG gain "
                              f"(tvb76); this run's connectome is {connectome.name!r}. "
                              "Use gain = \"sphere\" or \"auto\".")
        if e.gain in ("atlas", "auto") and has_gain:
            monitors.append(EEG.from_atlas(atlas, period=e.period))
        else:
            if connectome.centres is None and e.gain == "auto":
                print(f"brainnet-cb: warning: no EEG: {connectome.name!r} has no region centres for a sphere lead "
                      "field (set monitors.eeg.enabled = false to silence this)", file=sys.stderr)
                return _some(monitors)
            if connectome.centres is None:
                raise ConfigError("monitors.eeg: a sphere lead field needs region centres, and this "
                                  "connectome has none; set monitors.eeg.enabled = false.")
            monitors.append(EEG.sphere(connectome, montage=e.montage, period=e.period))
    return _some(monitors)


def _some(monitors: list) -> list:
    """``monitors``, refused when empty (every monitor disabled: the run would record nothing)."""
    if not monitors:
        raise ConfigError("[monitors] records nothing: monitors.activity, monitors.bold and monitors.eeg are all "
                          "disabled (or EEG has no lead field); enable one, e.g. monitors.activity.enabled = true.")
    return monitors


def check_per_region(cfg: RunConfig, connectome) -> None:
    """Refuse, by key, a per-region list (model parameter, noise amplitude, sweep grid row) whose length is not
    the connectome's number of regions, before the model or the engine sees it."""
    n = connectome.n_regions
    lists = [(f"model.parameters.{k}", v) for k, v in cfg.model.parameters.items()]
    lists += [(f"noise.{k}", v) for k, v in cfg.noise.items() if k not in NOISE_KEYS]
    grid = getattr(getattr(cfg, "sweep", None), "grid", {})
    lists += [(f"sweep.grid.{k} (row {i + 1})", row) for k, rows in grid.items() for i, row in enumerate(rows)]
    for key, value in lists:
        if isinstance(value, list) and len(value) != n:
            values = f"{len(value)} value{'s' if len(value) != 1 else ''}"
            raise ConfigError(f"{key} has {values}, and the connectome {connectome.name!r} has {n} "
                              f"regions; give one number, or a list of one value per region ({n} values).")


def build_simulation(cfg: RunConfig, base=None) -> Simulation:
    """The :class:`~brainnet_cb.Simulation` that ``cfg`` describes (validated).

    ``base`` is the folder relative file paths are read from (the config file's).
    ``build_simulation(cfg).run()`` is the run ``brainnet-cb run`` performs;
    sweeps and fits take the same spec.
    """
    from ..coupling import Conductance, Diffusive, Linear  # noqa: PLC0415
    from ..nodes import get_model  # noqa: PLC0415
    from ..precision import enable_float64  # noqa: PLC0415
    from ..simulation.spec import Simulation  # noqa: PLC0415

    if cfg.run.dtype == "float64":
        enable_float64()
    _check_bold_variable(cfg, get_model(cfg.model.name))
    check_periods(cfg)
    conn = build_connectome(cfg.connectome, base)
    check_per_region(cfg, conn)
    uses_atlas = not (cfg.connectome.file or cfg.connectome.weights)
    model = get_model(cfg.model.name)(**cfg.model.parameters)
    coupling = {"Linear": Linear, "Diffusive": Diffusive, "Conductance": Conductance}[cfg.coupling.kind]
    monitors = build_monitors(cfg.monitors, conn, cfg.connectome.atlas if uses_atlas else None)
    _check_bold_duration(cfg, monitors)
    return Simulation(
        model=model,
        connectome=conn,
        duration=cfg.run.duration,
        dt=cfg.run.dt,
        coupling=coupling(G=cfg.coupling.G),
        speed=cfg.coupling.speed,
        noise=build_noise(cfg.noise),
        monitors=monitors,
        key=cfg.run.seed,
        method=cfg.run.method,
        normalize=cfg.connectome.normalize,
        dtype=cfg.run.dtype,
    )


def check_periods(cfg: RunConfig) -> None:
    """Refuse, naming the keys, a monitor's period (``monitors.activity.period``, ``monitors.eeg.period``,
    ``monitors.bold.tr``) that is not a whole multiple of ``run.dt``, or of the next shorter period of another
    monitor (the engine samples the monitors on nested clocks), before the monitors are built."""
    dt, m = cfg.run.dt, cfg.monitors
    periods = [(key, p) for key, p, on in (("monitors.activity.period", m.activity.period, m.activity.enabled),
                                           ("monitors.eeg.period", m.eeg.period, m.eeg.enabled),
                                           ("monitors.bold.tr", m.bold.tr, m.bold.enabled)) if on]
    steps = {}
    for key, p in periods:
        n = round(p / dt)
        if n < 1 or abs(n * dt - p) > 1e-9 * max(p, dt):
            raise ConfigError(f"{key} = {p:g} ms is not a whole multiple of run.dt = {dt:g} ms; set {key} = "
                              f"{max(n, 1) * dt:g} (or a run.dt that divides it).")
        steps[key] = n
    shorter = None
    for key, p in sorted(periods, key=lambda kp: steps[kp[0]]):
        if shorter is not None and steps[key] % steps[shorter[0]]:
            n = steps[key] // steps[shorter[0]] or 1
            raise ConfigError(f"{key} = {p:g} ms is not a whole multiple of {shorter[0]} = {shorter[1]:g} ms, the "
                              f"next shorter period (the monitors sample on nested clocks); set {key} = "
                              f"{n * steps[shorter[0]] * dt:g}, or a {shorter[0]} that divides it.")
        shorter = shorter if shorter is not None and steps[key] == steps[shorter[0]] else (key, p)


def _check_bold_duration(cfg: RunConfig, monitors) -> None:
    """A BOLD monitor that would keep no volume of the run, refused naming the keys (``--duration 2000`` beside
    the default 20-s discard) rather than the Python arguments."""
    from ..errors import MonitorError  # noqa: PLC0415
    from ..monitors import Bold  # noqa: PLC0415

    if not any(isinstance(m, Bold) for m in monitors):
        return
    b, duration = cfg.monitors.bold, cfg.run.duration
    try:
        next(m for m in monitors if isinstance(m, Bold)).check_duration(duration)
    except MonitorError:
        off = "; or monitors.bold.enabled = false for no BOLD"
        need = b.tr if duration < b.tr else (math.floor(b.discard / b.tr + 1e-9) + 1) * b.tr
        # a duration written in seconds (--duration 600 for 10 min) is the likeliest cause: say so where it fixes
        # it and the number reads as seconds (at most an hour of them)
        seconds = (f". run.duration is in ms: {duration:g} s is --duration {duration * 1000:.15g}"
                   if duration * 1000 >= need and duration <= 3600 else "")
        if duration < b.tr:
            raise ConfigError(f"monitors.bold.tr = {b.tr:g} ms is longer than the run (run.duration = {duration:g} "
                              f"ms): no BOLD volume would be recorded. Set run.duration >= {b.tr:g} (--duration) "
                              f"or a shorter monitors.bold.tr{off}{seconds}.") from None
        n = math.floor(duration / b.tr + 1e-9)
        raise ConfigError(f"monitors.bold.discard = {b.discard:g} ms drops every BOLD volume of the run "
                          f"(run.duration = {duration:g} ms; {n} volumes at TR = {b.tr:g} ms, the last at "
                          f"{n * b.tr:g} ms): set monitors.bold.discard below {n * b.tr:g} (e.g. --set "
                          f"monitors.bold.discard=0), or run.duration >= {need:g} (--duration){off}{seconds}."
                          ) from None


def build_noise(table: dict):
    """The noise of a checked [noise] table: ``bn.Additive``, ``bn.OrnsteinUhlenbeck`` or None (no amplitude)."""
    from ..noise import Additive, OrnsteinUhlenbeck  # noqa: PLC0415

    sigma = {k: v for k, v in table.items() if k not in NOISE_KEYS}
    if not sigma:
        return None
    if table.get("kind", "Additive") == "OrnsteinUhlenbeck":
        return OrnsteinUhlenbeck(table["tau"], **sigma)
    return Additive(**sigma)


def build_run(cfg: RunConfig, base=None) -> dict:
    """The keyword arguments of :func:`brainnet_cb.simulate` that ``cfg`` describes.

    ``bn.simulate(**build_run(cfg))`` is the run ``brainnet-cb run`` performs:
    the fields of :func:`build_simulation`'s spec.
    """
    return build_simulation(cfg, base).as_kwargs()
