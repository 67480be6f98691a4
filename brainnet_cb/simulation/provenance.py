"""What a run records beyond its model, coupling and noise, so that it can be made again.

:func:`~brainnet_cb.simulation.validation.prepare_run` describes the model
(``model_parameters``), the coupling, the noise, ``dt``, speed, seed and
dtype; :func:`run_inputs` adds the rest of what a rerun needs, each as a
NetCDF attribute (text or numbers, never a dict or None):

``stimulus_parameters``
    JSON list, one object per stimulus: ``kind`` (its class), ``port`` and
    every field as the run used it (ms, the port's unit, Hz; one number when
    every region has the same value); an array of more than one value per
    region (a ``TimeSeries``'s ``values``) as ``{"shape", "dtype", "sha256"}``.
``initial_state``
    JSON object ``{state: value or one value per region}`` of the
    ``initial_state`` given (every state, defaults filled in); ``{}`` when none
    was given (each model's default).
``delay_history``
    ``"constant"`` (the initial state held before ``t = 0``), or
    ``"given, sha256 <hex> of the delay buffer"`` (:func:`array_sha256` of
    the buffer the run starts from: the last ``max_lag + 1`` rows of
    ``history`` in the run's dtype), the same for the same history.
``connectome_sha256``
    :meth:`~brainnet_cb.Connectome.sha256` of the connectome as passed (before
    ``normalize``): the same hex for the same weights, lengths and labels,
    whatever file they were read from.
``connectome_source``
    Only for a connectome read from a file (:attr:`~brainnet_cb.Connectome.source`): JSON
    ``{"reader": "read_npz", "path": <absolute path>, "arguments": {...}}``, from which
    :meth:`~brainnet_cb.Simulation.from_result` reads it again (checked against ``connectome_sha256``).
``monitors``
    JSON list of each monitor's description.
``coupling_parameters``, ``noise_parameters``, ``monitor_parameters``
    JSON: ``{"kind": <class>, <field>: <value>, ...}`` of the coupling, of the
    noise (its amplitudes under ``"sigma"``; ``null`` without noise) and a
    list of one per monitor (its fields as the run used them), which
    :meth:`~brainnet_cb.Simulation.from_result` rebuilds without evaluating
    any text: numbers, strings and lists as they are, an array of more than
    one value per region (an ``EEG``'s ``gain``) as ``{"shape", "dtype",
    "sha256"}`` and a value JSON cannot hold as ``{"repr": ...}``.
``key_impl``
    The random key's implementation (``"threefry2x32"``, JAX's default;
    ``"rbg"``, ...): ``seed`` holds an int seed or the key's data, which
    ``jax.random.wrap_key_data(np.asarray(data, np.uint32), impl=key_impl)``
    turns back into the key.
``jax_version``, ``device``
    The JAX version and the device that ran it (``"cpu cpu"``, ``"gpu NVIDIA
    H100 80GB HBM3"``): the same key gives the same run bit for bit on the same
    machine and software, not across devices or JAX versions.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json

import jax
import numpy as np

__all__ = ["array_sha256", "run_inputs", "device_name", "described", "plain", "software_differences"]


def array_sha256(*arrays) -> str:
    """The SHA-256 hex digest of the arrays' bytes in C order (their dtype kept), one after the other."""
    h = hashlib.sha256()
    for a in arrays:
        h.update(np.ascontiguousarray(np.asarray(a)).tobytes())
    return h.hexdigest()


def device_name() -> str:
    """The platform and kind of JAX's default device, e.g. ``"cpu cpu"``."""
    dev = jax.devices()[0]
    return f"{dev.platform} {dev.device_kind}"


def software_differences(attrs) -> tuple[str, str] | None:
    """``(recorded, here)`` texts where ``attrs`` name another brainnet_cb, JAX or device than this process's.

    E.g. ``("jax_version '0.9.0'", "jax_version '0.10.2'")``; None when every recorded one is this process's
    (or none is recorded). A rerun is bit for bit only with the same software and device.
    """
    from .._version import __version__  # noqa: PLC0415

    here = {"brainnet_cb_version": __version__, "jax_version": jax.__version__, "device": device_name()}
    other = {k: str(attrs[k]) for k in here if k in attrs and str(attrs[k]) != here[k]}
    if not other:
        return None
    return ", ".join(f"{k} {v!r}" for k, v in other.items()), ", ".join(f"{k} {here[k]!r}" for k in other)


def _compact(value, n):
    """A JSON value: one number when all ``n`` regions share it, a list per region, or a digest of more."""
    arr = np.asarray(value)
    if arr.dtype.kind not in "biuf":
        return repr(value)
    if arr.size and arr.ndim <= 1 and bool(np.all(arr == arr.ravel()[0])):
        return arr.ravel()[0].item()
    if arr.ndim <= 1:
        return arr.tolist()
    return {"shape": list(arr.shape), "dtype": str(arr.dtype), "sha256": array_sha256(arr)}


def _stimulus(stim, n) -> dict:
    out = {"kind": type(stim).__name__, "port": stim.port}
    for f in dataclasses.fields(stim):
        if f.name != "port":
            out[f.name] = _compact(getattr(stim, f.name), n)
    return out


def plain(value):
    """``value`` as JSON (see ``coupling_parameters`` in the module docstring): exact, never a repr to evaluate."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (tuple, list)) and not any(isinstance(v, (int, float, np.number)) for v in value):
        return [plain(v) for v in value]
    try:
        arr = np.asarray(value)
    except Exception:  # noqa: BLE001 - not an array: kept as its repr, refused on rebuild
        return {"repr": repr(value)}
    if arr.dtype.kind in "biuf" and type(value).__module__.split(".")[0] in ("numpy", "jax", "jaxlib", "builtins"):
        if arr.ndim <= 1:
            return arr.tolist()
        return {"shape": list(arr.shape), "dtype": str(arr.dtype), "sha256": array_sha256(arr)}
    return {"repr": repr(value)}


def described(obj) -> dict | None:
    """``{"kind": <class name>, <field>: plain(value), ...}`` of a coupling, noise, monitor or stimulus."""
    if obj is None:
        return None
    if dataclasses.is_dataclass(obj):
        fields = {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj) if f.init}
    else:  # a Noise: its options and its amplitudes by state
        fields = dict(vars(obj))
    return {"kind": type(obj).__name__, **{k: plain(v) for k, v in fields.items()}}


def run_inputs(connectome, stimuli, initial_state, x0, history, monitors, model, key, coupling=None,
               noise=None) -> dict:
    """The attributes of the module docstring.

    ``stimuli`` validated, ``initial_state`` as given (None: the model's),
    ``x0`` the validated initial state ``(states, n)`` before ``history``
    replaced its sent row, ``history`` the validated delay buffer (None: no
    history given), ``key`` the run's typed key.
    """
    n = connectome.n_regions
    given = {} if initial_state is None else {s: _compact(np.asarray(x0[i]), n)
                                                 for i, s in enumerate(model.states)}
    held = ("constant" if history is None
            else f"given, sha256 {array_sha256(*jax.tree_util.tree_leaves(history))} of the delay buffer")
    return {
        "stimulus_parameters": json.dumps([_stimulus(s, n) for s in stimuli]),
        "initial_state": json.dumps(given),
        "delay_history": held,
        "connectome_sha256": connectome.sha256(),
        **({} if connectome.source is None else {"connectome_source": json.dumps(connectome.source)}),
        "monitors": json.dumps([m.describe() for m in monitors]),
        "coupling_parameters": json.dumps(described(coupling)),
        "noise_parameters": json.dumps(described(noise)),
        "monitor_parameters": json.dumps([described(m) for m in monitors]),
        "key_impl": str(jax.random.key_impl(key)),
        "jax_version": jax.__version__,
        "device": device_name(),
    }
