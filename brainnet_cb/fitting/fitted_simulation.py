r"""The run of a fitted working point, declared once: a :class:`~brainnet_cb.Simulation` from a fit's result.

:func:`~brainnet_cb.fit_working_point` chooses a point (excitability of every
region, coupling :math:`G`, weights, noise amplitude of every region) and
simulates it from the network's fixed point. Its result records all of it;
:func:`fitted_simulation` turns the result (as returned, or read back from
its NetCDF file) into the spec of that run, so the fitted model can be run
again, longer, with other monitors or other noise realisations:

.. math::

   \dot x_i = f(x_i;\,\theta_i,\; c_i), \qquad
   c_i(t) = G \sum_j W'_{ij}\, r_j(t - L_{ij} / \mathrm{speed}),

with :math:`\theta_i` the model's parameters of region :math:`i` at the
chosen point (the excitability that holds its fixed point where the weights
were refined), :math:`W'` the weights of the chosen point (normalised, raised
to the weight exponent, with the homotopic connections, refined where the
fit refined them: run with ``normalize="none"``), additive noise with the
amplitude of every region as fitted, started at the fixed point with the
balloon at rest. Realisation :math:`k` of the fit ran with ``key = key + k``;
the spec runs the first (``key`` of the result).
"""

from __future__ import annotations

import dataclasses
import json
import os
import warnings

import numpy as np
import xarray as xr

from .._checks import caller_stacklevel
from .._safe_read import reading
from ..connectome import Connectome
from ..coupling import Linear
from ..data.files import existing_path
from ..errors import FitError
from ..monitors import Bold
from ..noise import Additive
from ..simulation.spec import Simulation, check_names

__all__ = ["fitted_simulation"]

_TITLE = "brainnet_cb working-point fit"
#: The titles of the other fits' results, and the fits.
_OTHER_FITS = {"brainnet_cb grid fit": "bn.fit_grid", "brainnet_cb Nelder-Mead fit": "bn.fit_nelder_mead",
               "brainnet_cb gradient fit": "bn.fit_gradient"}
#: What a result must hold: attributes, then variables.
_ATTRS = ("model", "model_parameters", "noise_amplitudes", "G", "speed", "dt_chosen", "duration_ms", "tr_ms", "key")
_VARIABLES = ("weights", "lengths", "fixed_point")


def _read(path) -> xr.Dataset:
    """The fit result in the NetCDF file ``path``, loaded (the file closed again)."""
    p = existing_path(path, "fit result", FitError)
    with reading(p, "the fit result", FitError, "Write it again: brainnet-cb fit, or bn.write_netcdf(res, path)."):
        with xr.open_dataset(p) as ds:
            return ds.load()


def _check_result(result) -> None:
    if not isinstance(result, xr.Dataset):
        raise FitError(f"fitted_simulation needs the xarray.Dataset that bn.fit_working_point returns, or the path "
                       f"of its NetCDF file; got {type(result).__name__}.")
    title = result.attrs.get("title")
    if title in _OTHER_FITS:
        maps = [str(v)[:-len("_map")] for v in result.data_vars if str(v).endswith("_map")]
        with_maps = (f"maps={{{', '.join(f'{f!r}: res.{f}_map.values' for f in maps)}}}" if maps else "")
        raise FitError(
            f"this Dataset is a result of {_OTHER_FITS[title]}, which records the values it fitted "
            f"({result.attrs.get('fitted', '[]')}) but not the run they were fitted in; fitted_simulation "
            "rebuilds the run of bn.fit_working_point only. Put the fitted values into the simulation you fitted: "
            f"bn.ParameterBook.of(spec{', ' + with_maps if maps else ''}).apply(spec, {{k: res[k].values for k in "
            "json.loads(res.attrs['fitted'])}).")
    if title != _TITLE:
        raise FitError(f"this Dataset is not a result of bn.fit_working_point (its title is {title!r}, not "
                       f"{_TITLE!r}).")
    missing = [a for a in _ATTRS if a not in result.attrs] + [v for v in _VARIABLES if v not in result]
    if missing:
        raise FitError(f"this fit result lacks {', '.join(missing)}: it was written by an older brainnet_cb; "
                       "run bn.fit_working_point again to record its chosen point.")


def _warn_if_other_software(attrs) -> None:
    """A RuntimeWarning where the result names another brainnet_cb, JAX or device than this process's."""
    from ..simulation.provenance import software_differences  # noqa: PLC0415

    differences = software_differences(attrs)
    if differences:
        made, now = differences
        warnings.warn(f"this fit result was made with {made}; this process has {now}: the spec reruns the fit's "
                      "first realisation, but bit for bit only with the same brainnet_cb, JAX and device.",
                      RuntimeWarning, stacklevel=caller_stacklevel())


def _values(text: str) -> dict:
    return {k: (np.asarray(v, dtype=float) if isinstance(v, list) else float(v)) for k, v in json.loads(text).items()}


def fitted_simulation(result: xr.Dataset | str | os.PathLike, *, model_class: type | None = None,
                      **options) -> Simulation:
    """The run of the working point that ``result`` chose, as a :class:`~brainnet_cb.Simulation` spec.

    Parameters
    ----------
    result : xarray.Dataset or path
        What :func:`~brainnet_cb.fit_working_point` returned, or its NetCDF
        file (the path, or the file read back with ``xarray.load_dataset``;
        ``brainnet-cb fit`` writes one).
    model_class : type, optional
        The node-model class, where it is not registered under the name the
        result records (``result.attrs["model"]``; default
        :func:`~brainnet_cb.get_model` of that name).
    **options
        Fields of the spec to set instead of the fit's (``duration``,
        ``monitors``, ``key``, ``dtype``, ...; :meth:`Simulation.replace`).

    Returns
    -------
    Simulation
        The model with the parameters of every region at the chosen point,
        the connectome of its ``weights`` and ``lengths`` (``normalize="none"``),
        ``Linear(G)``, the fit's conduction ``speed``, ``Additive`` noise with
        the amplitude of every region, ``dt`` the step the fit's runs took,
        ``duration`` one run of the fit, ``monitors`` ``Bold(tr,
        baseline="initial")``, ``initial_state`` the fixed point, ``key`` the
        key of the fit's first realisation and ``dtype="float64"`` (the fit's
        runs are float64: weak noise moves a quiet region's balloon by less
        than float32 resolves; call :func:`~brainnet_cb.enable_float64`
        first, or pass ``dtype="float32"``). The FC of its BOLD, computed as
        the fit computed it (``bn.fc(ds.bold, discard=result.discard_s,
        band=bn.BOLD_BAND)`` for the default band-pass, with
        ``global_signal=True`` where ``result.global_signal_regression``), is
        the FC of the fit's first realisation, bit for bit.

    Raises
    ------
    FitError
        ``result`` is not a result of ``fit_working_point``, or lacks what
        the run needs (written by an older version); its file is missing or
        damaged.
    ModelError
        No model is registered under the recorded name (pass ``model_class``).

    Warns
    -----
    RuntimeWarning
        The result records another brainnet_cb or JAX version or another
        device (``brainnet_cb_version``, ``jax_version``, ``device``) than
        this process's: the run is the same run, but its last bits may differ.

    Examples
    --------
    >>> import brainnet_cb as bn
    >>> res = bn.fit_working_point(conn, fc_fit, test_fc=fc_test)   # doctest: +SKIP
    >>> bn.enable_float64()                                          # doctest: +SKIP
    >>> ds = bn.fitted_simulation(res, duration=600_000.0).run()     # doctest: +SKIP
    """
    if isinstance(result, (str, os.PathLike)):
        result = _read(result)
    _check_result(result)
    _warn_if_other_software(result.attrs)
    check_names(options, [f.name for f in dataclasses.fields(Simulation)], "Simulation field", FitError)
    a = result.attrs
    if model_class is None:
        from ..nodes.registry import get_model  # noqa: PLC0415 - the registry loads plug-ins on first use

        model_class = get_model(str(a["model"]))
    model = model_class(**_values(a["model_parameters"]))
    labels = [str(s) for s in result["region_i"].values]
    connectome = Connectome(result["weights"].values, result["lengths"].values, labels=labels,
                            name="fitted working point")
    states = [str(s) for s in result["state"].values]
    spec = dict(model=model, connectome=connectome, duration=float(a["duration_ms"]), dt=float(a["dt_chosen"]),
                coupling=Linear(G=float(a["G"])), speed=float(a["speed"]),
                noise=Additive(**_values(a["noise_amplitudes"])),
                monitors=[Bold(tr=float(a["tr_ms"]), baseline="initial")], key=int(a["key"]),
                initial_state={s: np.asarray(result["fixed_point"].values[k]) for k, s in enumerate(states)},
                normalize="none", dtype="float64")
    spec.update(options)
    return Simulation(**spec)
