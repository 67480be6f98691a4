"""The :class:`~brainnet_cb.Simulation` of a run's result, rebuilt from what it records (no text evaluated).

:meth:`Simulation.from_result <brainnet_cb.Simulation.from_result>` reads the
attributes :func:`~brainnet_cb.simulation.validation.prepare_run` and
:mod:`~brainnet_cb.simulation.provenance` write (``model_parameters``,
``coupling_parameters``, ``noise_parameters``, ``monitor_parameters``,
``stimulus_parameters``, ``initial_state``, ``seed``, ...), rebuilds the
built-in classes they name from a fixed table (a plug-in class is passed in),
finds the connectome (a bundled atlas by its name, whichever of its cleaned or
raw matrices has the recorded SHA-256, or the one passed), and then checks the
spec: the attributes it would record must equal those recorded, so the spec
is the recorded run or is refused.
"""

from __future__ import annotations

import contextlib
import json
import os
import warnings

import numpy as np

from .._checks import caller_stacklevel
from ..errors import SimulationError

__all__ = ["simulation_from_result"]

_TITLE = "brainnet_cb network simulation"
#: What a result must record to be rebuilt (each written since brainnet_cb's "provenance for reruns").
_REQUIRED = ("model", "model_parameters", "coupling_parameters", "noise_parameters", "monitor_parameters",
             "stimulus_parameters", "initial_state", "delay_history", "connectome", "connectome_sha256", "seed",
             "key_impl", "method", "dt", "duration", "speed", "edges", "weights_normalization", "dtype")
#: Attributes the rebuilt spec must record as the result does (its run's numbers depend on them).
_SAME = ("model", "model_parameters", "coupling_parameters", "noise_parameters", "monitor_parameters",
         "stimulus_parameters", "initial_state", "delay_history", "connectome_sha256", "seed", "key_impl", "method",
         "dt", "duration", "speed", "max_lag_steps", "edges", "weights_normalization", "dtype")


def _classes(kind: str) -> dict:
    """The built-in classes a result may name, by name: ``coupling``, ``noise``, ``monitor`` or ``stimulus``."""
    from .. import coupling, monitors, noise, stimulus  # noqa: PLC0415

    return {"coupling": {c.__name__: c for c in (coupling.Linear, coupling.Diffusive, coupling.Conductance)},
            "noise": {c.__name__: c for c in (noise.Additive, noise.OrnsteinUhlenbeck, noise.Multiplicative)},
            "monitor": {c.__name__: c for c in (monitors.TemporalAverage, monitors.SubSample, monitors.Raw,
                                                monitors.Bold, monitors.EEG, monitors.MEG)},
            "stimulus": {c.__name__: c for c in (stimulus.Step, stimulus.Sinusoid, stimulus.PulseTrain,
                                                 stimulus.TimeSeries)}}[kind]


class _Missing(Exception):
    """A recorded value the result does not hold (an array's digest, or a repr)."""

    def __init__(self, field, value):
        super().__init__(field)
        self.field, self.value = field, value


def _value(field, v):
    """A field's value from its JSON: numbers as arrays, other lists as lists; an array's digest is missing."""
    if isinstance(v, dict):
        if set(v) == {"shape", "dtype", "sha256"} or set(v) == {"repr"}:
            raise _Missing(field, v)
        return {k: _value(field, x) for k, x in v.items()}
    if isinstance(v, list):
        if v and all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in v):
            return np.asarray(v)
        return [_value(field, x) for x in v]
    return v


def _missing_text(e: _Missing) -> str:
    v = e.value
    if "sha256" in v:
        return f"its {e.field} (an array of shape {tuple(v['shape'])}, {v['dtype']}, sha256 {v['sha256']})"
    return f"its {e.field} ({v['repr']}, which the file keeps as text only)"


@contextlib.contextmanager
def _recorded(a, name: str, passed_as: str | None = None):
    """Refuse, naming the attribute, a record that does not parse or rebuild (edited or damaged since the run).

    JSON is parsed and built-in classes are called, nothing is evaluated; a value they refuse (a ValueError,
    brainnet_cb's errors among them, a TypeError or a KeyError of a missing field) is this refusal, a
    :class:`SimulationError` raised on purpose goes through.
    """
    try:
        yield
    except SimulationError:
        raise
    except (ValueError, TypeError, KeyError, AttributeError, IndexError) as err:
        text = _short(str(a.get(name)))
        instead = (f"pass {passed_as}=... as the run had it, or " if passed_as else "")
        raise SimulationError(
            f"this result's attribute {name} does not rebuild ({type(err).__name__}: {err}; recorded: {text}): "
            "it was edited or damaged since the run was written, or written by another brainnet_cb "
            f"({a.get('brainnet_cb_version', 'version not recorded')!s}). Either {instead}run the simulation "
            "again.") from None


def _short(text: str, limit: int = 200) -> str:
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text)} characters)"


def _rebuilt(kind: str, record: dict, passed_as: str, what: str):
    """The built-in object of ``record`` (``{"kind": name, field: value}``), or an error saying what to pass."""
    if not isinstance(record, dict):
        raise TypeError(f"the {what} is recorded as a {type(record).__name__}, not a JSON object")
    if not isinstance(record.get("kind"), str):
        raise ValueError(f"the {what} is recorded without its kind (its class's name)")
    fields = dict(record)
    name = fields.pop("kind")
    cls = _classes(kind).get(name)
    if cls is None:
        raise SimulationError(
            f"this run's {what} is a {name}, which is not one of brainnet_cb's built-in {kind} classes "
            f"({', '.join(_classes(kind))}): pass it, Simulation.from_result(ds, {passed_as}=...), as the run "
            f"had it (recorded: {json.dumps(record)}).")
    try:
        values = {k: _value(k, v) for k, v in fields.items()}
    except _Missing as e:
        if e.field == "gain":  # an EEG's or MEG's lead field
            raise SimulationError(
                f"this run's {what} needs {_missing_text(e)}, which the result does not hold: pass the lead field, "
                f"Simulation.from_result(ds, lead_field=gain) ({{{_output_name(record)!r}: gain}} where several "
                "monitors need one), or every monitor of the run, monitors=[...].") from None
        raise SimulationError(
            f"this run's {what} needs {_missing_text(e)}, which the result does not hold: pass "
            f"{passed_as}=... as the run had it (Simulation.from_result(ds, {passed_as}=...)).") from None
    if kind == "noise":
        sigma = values.pop("sigma")
        return cls(**values, **sigma)
    return cls(**values)


def _output_name(record) -> str:
    """The name a monitor's outputs go by: its ``name``, else its class's default (``"eeg"``, ``"meg"``)."""
    cls = _classes("monitor").get(record["kind"])
    return record.get("name") or getattr(cls, "default_name", record["kind"].lower())


def _lead_fields(records, lead_field):
    """The monitor ``records`` with the gain of each EEG/MEG replaced by the ``lead_field`` given for it, checked."""
    from .provenance import array_sha256  # noqa: PLC0415

    needing = [r for r in records if isinstance(r.get("gain"), dict) and "sha256" in r["gain"]]
    names = [_output_name(r) for r in needing]
    if not needing:
        raise SimulationError("lead_field is given, but no monitor of this run has a gain matrix (an EEG or MEG); "
                              f"its monitors are {[r['kind'] for r in records]}. Leave lead_field out.")
    if not isinstance(lead_field, dict):
        if len(needing) > 1:
            raise SimulationError(f"this run has {len(needing)} monitors with a gain matrix ({', '.join(names)}): "
                                  f"pass lead_field as {{name: gain}}, e.g. {{{names[0]!r}: ...}}.")
        lead_field = {names[0]: lead_field}
    unknown = sorted(set(lead_field) - set(names))
    if unknown:
        raise SimulationError(f"lead_field names {unknown}, which are not this run's monitors with a gain matrix "
                              f"({', '.join(names)}).")
    out = []
    for r in records:
        name = _output_name(r) if r in needing else None
        if name in lead_field:
            rec = r["gain"]
            gain = np.asarray(lead_field[name], dtype=rec["dtype"])
            if list(gain.shape) != rec["shape"] or array_sha256(gain) != rec["sha256"]:
                raise SimulationError(
                    f"lead_field for monitor {name!r} is not the run's: shape {gain.shape}, sha256 "
                    f"{array_sha256(gain)}; the run's gain had shape {tuple(rec['shape'])}, sha256 {rec['sha256']}.")
            r = {**r, "gain": gain}
        out.append(r)
    return out


def _configured_gains(attrs, conn, records) -> dict:
    """``{name: gain}`` of the run's EEG/MEG monitors that a ``brainnet-cb run`` output's stored configuration
    builds again with the recorded SHA-256 (none where it does not, or the result has no configuration)."""
    from .provenance import array_sha256, described  # noqa: PLC0415

    needing = {_output_name(r): r["gain"] for r in records if isinstance(r.get("gain"), dict) and "sha256" in r["gain"]}
    if not needing or "config" not in attrs:
        return {}
    from ..cli import config  # noqa: PLC0415
    from ..cli.config_build import build_monitors  # noqa: PLC0415
    from ..errors import BrainnetError  # noqa: PLC0415

    try:
        cfg = config.loads(str(attrs["config"]))
        uses_atlas = not (cfg.connectome.file or cfg.connectome.weights)
        built = build_monitors(cfg.monitors, conn, cfg.connectome.atlas if uses_atlas else None)
    except (BrainnetError, OSError):  # the configuration does not build here: the gain is asked for
        return {}
    gains = {}
    for m in built:
        gain = getattr(m, "gain", None)
        name = _output_name(described(m))
        if gain is not None and name in needing:
            rec = needing[name]
            gain = np.asarray(gain, dtype=rec["dtype"])
            if list(gain.shape) == rec["shape"] and array_sha256(gain) == rec["sha256"]:
                gains[name] = gain
    return gains


def _connectome(attrs, connectome):
    from ..connectome import Connectome  # noqa: PLC0415

    digest, name = str(attrs["connectome_sha256"]), str(attrs["connectome"])
    if isinstance(connectome, (str, os.PathLike)):  # a connectome file: read, then checked as one passed
        from ..data.io import read_connectome  # noqa: PLC0415 - the readers load nibabel, networkx, scipy.io

        connectome = read_connectome(connectome)
    if connectome is not None:
        if not isinstance(connectome, Connectome):
            raise SimulationError(f"connectome must be a bn.Connectome or the path of its file (the run's, sha256 "
                                  f"{digest}); got {type(connectome).__name__}.")
        if connectome.sha256() != digest:
            raise SimulationError(
                f"connectome {connectome.name!r} is not the run's: its sha256 is {connectome.sha256()}, the run's "
                f"connectome {name!r} had {digest} (Connectome.sha256() of the weights, lengths and labels as "
                "passed to the run, before normalisation). Pass the connectome the run was made from.")
        return connectome
    if "config" in attrs:  # a brainnet-cb run output: its [connectome] table, files by absolute path
        return _configured(attrs, digest)
    from ..data.atlases import list_atlases, load_atlas  # noqa: PLC0415

    if "connectome_source" in attrs:  # read from a file in Python: read again from it (a bundled atlas of the
        conn, refusal = _from_source(attrs, digest)  # same digest, the file gone, does too)
        if conn is not None:
            return conn
        if name not in list_atlases() or digest not in {load_atlas(name, clean=c).sha256() for c in (True, False)}:
            raise SimulationError(refusal)
    if name in list_atlases():
        tried = {}
        for clean in (True, False):
            conn = load_atlas(name, clean=clean)
            if conn.sha256() == digest:
                return conn
            tried[clean] = conn.sha256()
        raise SimulationError(
            f"the run's connectome {name!r} (sha256 {digest}) is not the bundled atlas {name!r} (clean=True: "
            f"sha256 {tried[True]}; clean=False: {tried[False]}): it was edited or is another file of that name. "
            "Pass it, Simulation.from_result(ds, connectome=conn).")
    raise SimulationError(
        f"the run's connectome {name!r} (sha256 {digest}) is not a bundled atlas, and the result holds only its "
        "digest: pass it, Simulation.from_result(ds, connectome=conn) (it is checked against the digest).")


def _from_source(attrs, digest):
    """``(connectome, None)`` read again from the run's recorded ``connectome_source`` with the recorded
    ``digest``, or ``(None, why not)``: the refusal, naming the file and what differs."""
    from ..connectome import SOURCE_READERS  # noqa: PLC0415
    from ..data import io  # noqa: PLC0415 - the readers load nibabel, networkx, scipy.io
    from ..errors import BrainnetError  # noqa: PLC0415

    name = str(attrs["connectome"])
    with _recorded(attrs, "connectome_source", "connectome"):
        source = json.loads(attrs["connectome_source"])
        if not isinstance(source, dict) or source.get("reader") not in SOURCE_READERS \
                or not isinstance(source.get("path"), str) or not isinstance(source.get("arguments"), dict):
            raise ValueError(f"it is not {{'reader': one of {list(SOURCE_READERS)}, 'path': str, 'arguments': {{}}}}")
    reader, path = source["reader"], source["path"]
    read = f"{reader}({path!r}{''.join(f', {k}={v!r}' for k, v in source['arguments'].items())})"
    fix = f"Pass the run's connectome, Simulation.from_result(ds, connectome=conn) (its sha256 must be {digest})."
    if not os.path.exists(path):
        return None, f"the run's connectome {name!r} was read from '{path}' ({read}), which does not exist here. {fix}"
    try:
        conn = getattr(io, reader)(path, **source["arguments"])
    except (BrainnetError, OSError, TypeError) as e:
        return None, (f"the run's connectome {name!r} was read from '{path}' ({read}), which does not read back "
                      f"here ({e}). {fix}")
    if conn.sha256() != digest:
        return None, (f"the run's connectome {name!r} was read from '{path}' ({read}), which now has sha256 "
                      f"{conn.sha256()}, not the run's {digest}: the file changed since the run. {fix}")
    return conn, None


def _configured(attrs, digest):
    """The connectome of a ``brainnet-cb run`` output's stored configuration, checked against ``digest``."""
    from ..cli import config  # noqa: PLC0415
    from ..cli.config_build import build_connectome  # noqa: PLC0415
    from ..errors import BrainnetError  # noqa: PLC0415

    section = config.loads(str(attrs["config"])).connectome
    key = "file" if section.file else "weights" if section.weights else "atlas"
    named = f"connectome.{key} = {getattr(section, key)!r}"
    try:
        conn = build_connectome(section)
    except (BrainnetError, OSError) as e:
        raise SimulationError(
            f"the run's configuration names its connectome as {named}, which does not read back here ({e}). "
            f"Pass it, Simulation.from_result(ds, connectome=conn) (its sha256 must be {digest}).") from None
    if conn.sha256() != digest:
        raise SimulationError(
            f"the run's configuration names its connectome as {named}, which now has sha256 {conn.sha256()}, not "
            f"the run's {digest}: the file changed since the run. Pass the run's connectome, "
            "Simulation.from_result(ds, connectome=conn).")
    return conn


def _warn_if_other_software(attrs) -> None:
    from .provenance import software_differences  # noqa: PLC0415

    differences = software_differences(attrs)
    if differences:
        made, now = differences
        warnings.warn(f"this result was made with {made}; this process has {now}: the spec is the same run, but "
                      "reruns it bit for bit only with the same brainnet_cb, JAX and device.",
                      RuntimeWarning, stacklevel=caller_stacklevel())


def _attrs(result) -> dict:
    import xarray as xr  # noqa: PLC0415

    if isinstance(result, (str, os.PathLike)):
        from .._safe_read import reading  # noqa: PLC0415
        from ..data.files import existing_path  # noqa: PLC0415

        p = existing_path(result, "result", SimulationError, folder=True)  # a Zarr store is a folder
        with reading(p, "the result", SimulationError, "Write it again: bn.write_netcdf(ds, path)."):
            opened = xr.open_zarr(p) if os.path.isdir(p) else xr.open_dataset(p)
            with opened as ds:
                return dict(ds.attrs)
    if not isinstance(result, xr.Dataset):
        raise SimulationError(f"Simulation.from_result needs the xarray.Dataset that bn.simulate returns (or read "
                              f"back from its NetCDF or Zarr file), or the file's path; got {type(result).__name__}.")
    return dict(result.attrs)


def simulation_from_result(cls, result, connectome=None, *, model=None, coupling=None, noise=None, monitors=None,
                           stimulus=None, history=None, lead_field=None):
    """The body of :meth:`Simulation.from_result <brainnet_cb.Simulation.from_result>` (``cls``: Simulation)."""
    import jax  # noqa: PLC0415

    a = _attrs(result)
    if a.get("title") != _TITLE:
        raise SimulationError(f"Simulation.from_result rebuilds the run of a bn.simulate result (title {_TITLE!r}); "
                              f"this Dataset's title is {a.get('title')!r}.")
    if "batch" in a:
        raise SimulationError(
            f"this result is a batch of runs (bn.simulate_batch, batched {a['batch']}): Simulation.from_result "
            "rebuilds a single run. Rebuild the batch's spec by hand with the batched values of each member "
            "(they are the result's batch coordinates), and run it with bn.simulate_batch.")
    missing = [k for k in _REQUIRED if k not in a]
    if missing:
        raise SimulationError(
            f"this result lacks the attributes {', '.join(missing)}: it was written by brainnet_cb "
            f"{a.get('brainnet_cb_version', '(version not recorded)')}, before results recorded what a rerun "
            "needs. Rebuild the call by hand from its attributes (docs/concepts.md, Reproducibility), or run it "
            "again with this version.")
    _warn_if_other_software(a)
    conn = _connectome(a, connectome)
    with _recorded(a, "connectome_source", "connectome"):  # the run's record of where it was read, as it was
        source = json.loads(a["connectome_source"]) if "connectome_source" in a else None
        if conn.source != source:  # the same matrices (checked by their digest), read elsewhere or built
            conn = conn.replace(source=source)
    if model is None:
        from ..errors import ModelError  # noqa: PLC0415
        from ..nodes.registry import get_model  # noqa: PLC0415

        try:
            model_class = get_model(str(a["model"]))
        except ModelError:
            raise SimulationError(
                f"this run's node model {a['model']!r} is not registered in this process: pass it, "
                f"Simulation.from_result(ds, model=...), with the parameters recorded in model_parameters "
                f"({a['model_parameters']}).") from None
        with _recorded(a, "model_parameters", "model"):
            record = json.loads(a["model_parameters"])
            if not isinstance(record, dict):
                raise TypeError(f"the model's parameters are recorded as a {type(record).__name__}, not a JSON object")
            model = model_class(**{k: np.asarray(v) if isinstance(v, list) else v for k, v in record.items()})
    if coupling is None:
        with _recorded(a, "coupling_parameters", "coupling"):
            coupling = _rebuilt("coupling", json.loads(a["coupling_parameters"]), "coupling", "coupling")
    if noise is None:
        with _recorded(a, "noise_parameters", "noise"):
            record = json.loads(a["noise_parameters"])
            noise = None if record is None else _rebuilt("noise", record, "noise", "noise")
    if monitors is None:
        with _recorded(a, "monitor_parameters", "monitors"):
            records = json.loads(a["monitor_parameters"])
            if not isinstance(records, list) or not all(isinstance(m, dict) for m in records):
                raise TypeError("monitor_parameters is not a list of objects")
            if lead_field is not None:
                records = _lead_fields(records, lead_field)
            elif "config" in a:  # a brainnet-cb run output: its EEG's gain as its configuration builds it
                gains = _configured_gains(a, conn, records)
                if gains:
                    records = _lead_fields(records, gains)
            monitors = [_rebuilt("monitor", m, "monitors", f"monitor {i} ({m.get('kind')})")
                        for i, m in enumerate(records)]
    elif lead_field is not None:
        raise SimulationError("give monitors= or lead_field=, not both: lead_field is the gain of the run's "
                              "recorded EEG/MEG monitor; monitors= replaces every monitor.")
    if stimulus is None:
        with _recorded(a, "stimulus_parameters", "stimulus"):
            records = json.loads(a["stimulus_parameters"])
            if not isinstance(records, list) or not all(isinstance(s, dict) for s in records):
                raise TypeError("stimulus_parameters is not a list of objects")
            stimulus = [_rebuilt("stimulus", s, "stimulus", f"stimulus {i} ({s.get('kind', 'kind not recorded')} "
                                 f"on port {s.get('port')!r})") for i, s in enumerate(records)]
    held = str(a["delay_history"])
    if history is None and held != "constant":
        raise SimulationError(
            f"this run started from a given delay history ({held}), which the result does not hold: pass it, "
            "Simulation.from_result(ds, history=...), the array given to the run.")
    with _recorded(a, "seed"):
        seed = json.loads(a["seed"])
        if isinstance(seed, int) and not isinstance(seed, bool):
            key = seed
        elif isinstance(seed, list) and all(isinstance(x, int) and not isinstance(x, bool) for x in seed):
            key = jax.random.wrap_key_data(np.asarray(seed, dtype=np.uint32), impl=str(a["key_impl"]))
        else:
            raise TypeError(f"the seed is a {type(seed).__name__}, not an int or the key's data (a list of ints)")
    with _recorded(a, "initial_state"):
        initial = json.loads(a["initial_state"])
        if not isinstance(initial, dict) or not all(
                isinstance(v, (int, float)) and not isinstance(v, bool)
                or isinstance(v, list) and all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in v)
                for v in initial.values()):
            raise TypeError("initial_state is not an object of a number or a list of numbers per state")
        unknown = sorted(set(initial) - set(model.states))
        if unknown:
            raise ValueError(f"it names states {unknown} that {type(model).__name__} does not have "
                             f"({', '.join(model.states)})")
    numbers = {}
    for name in ("duration", "dt", "speed"):
        with _recorded(a, name):
            numbers[name] = float(a[name])
    spec = cls(model, conn, numbers["duration"], dt=numbers["dt"], coupling=coupling, speed=numbers["speed"],
               noise=noise, monitors=monitors, key=key, method=str(a["method"]),
               initial_state={k: np.asarray(v) for k, v in initial.items()} or None, history=history,
               normalize=str(a["weights_normalization"]), dtype=str(a["dtype"]), edges=str(a["edges"]),
               stimulus=stimulus)
    rebuilt = spec.prepare().attrs
    differ = [k for k in _SAME if k in a and str(rebuilt.get(k)) != str(a[k])]
    if differ:
        k = differ[0]
        raise SimulationError(
            f"the rebuilt simulation is not the recorded run: its {', '.join(differ)} "
            f"{'differ' if len(differ) > 1 else 'differs'} (recorded {k} "
            f"{a[k]!s}; rebuilt {rebuilt.get(k)!s}). Pass what the run had (model=, coupling=, noise=, monitors=, "
            "stimulus=, history=, connectome=).")
    return spec
