r"""One node's fixed points and their stability as one parameter varies: a bifurcation diagram in one call.

For the node models whose fixed points are known in closed form
(:class:`~brainnet_cb.CoombesByrne`, :class:`~brainnet_cb.CoombesByrne4D`,
:class:`~brainnet_cb.MontbrioPazoRoxin`: the positive roots of a quartic), every
fixed point at every value of the parameter is listed with the eigenvalues of
the node's Jacobian there (``jax.jacfwd`` of ``model.dfun``, float64). Where the
number of fixed points changes the node passes a saddle-node (fold;
``model.folds()`` gives its exact position in ``eta``); where the largest real
part of a complex pair changes sign, a Hopf bifurcation (the 4D model's
synapse makes one; the 2D node never oscillates on its own: the trace of its
Jacobian, :math:`-k\pi r^* - 2\Delta/(\pi r^*)`, is negative).

Time in ms: eigenvalues in 1/ms. Draw it with :func:`brainnet_cb.plots.node_diagram`.
"""

from __future__ import annotations

import dataclasses
import inspect

import jax
import jax.numpy as jnp
import numpy as np

from .._checks import float_array
from ..errors import DynamicsError
from .system import in_float64

__all__ = ["node_diagram"]

#: Largest number of values in one diagram (each value costs a root solve and a Jacobian per fixed point).
MAX_VALUES = 100_000


@jax.jit
def _jacobian(model, x, inputs):
    n = x.shape[0]
    return jax.jacfwd(lambda y: model.dfun(y.reshape(n, 1), inputs).reshape(n))(x)


def _values(parameter, values, model):
    """``values`` as a 1-D float array (quantities converted by the model's own rule)."""
    from ..units import is_quantity  # noqa: PLC0415

    if is_quantity(values):  # the model converts it, or refuses it naming the unit it wants (a ModelError)
        values = dataclasses.replace(model, **{parameter: values}).parameters[parameter]
    try:
        arr = float_array(values)
    except (TypeError, ValueError):
        raise DynamicsError(f"node_diagram: values must be numbers (the values of {parameter}); got "
                            f"{values!r}.") from None
    if arr.ndim > 1 or arr.size == 0 or arr.size > MAX_VALUES:
        raise DynamicsError(f"node_diagram: values must be a 1-D sequence of 1 to {MAX_VALUES} numbers (the values "
                            f"of {parameter}, e.g. np.linspace(-4, -2, 201)); got shape {arr.shape}.")
    if not np.all(np.isfinite(arr)):
        raise DynamicsError(f"node_diagram: values of {parameter} must be finite; got {arr[~np.isfinite(arr)][0]}.")
    return np.atleast_1d(arr)


@in_float64
def node_diagram(model, parameter: str, values, **inputs):
    r"""Fixed points of one node and their stability along ``values`` of one parameter.

    Parameters
    ----------
    model : CoombesByrne, CoombesByrne4D or MontbrioPazoRoxin
        The node, with scalar parameters; ``parameter`` takes each of
        ``values`` in turn, the others stay as they are.
    parameter : str
        A parameter of the model (``"eta"``, ``"v_syn"``, ``"Delta"``, ...).
    values : 1-D sequence of float
        Its values (a brainunit quantity for a parameter with a unit, such as
        MPR's ``tau`` in ms).
    **inputs : float
        Constant inputs, as the model's ``fixed_points`` takes them
        (``v_ext=1.0``: a constant input at port ``v``).

    Returns
    -------
    xarray.Dataset
        Dims ``(parameter, "point")``: the fixed points at each value, by
        increasing ``r`` (NaN where there are fewer). Variables: each state
        (with ``units``, ``long_name``), ``eigenvalues`` (complex, 1/ms, by
        decreasing real part, dim ``"mode"``), ``max_real`` (1/ms), ``stable``
        (``max_real < 0``), ``n_unstable`` (eigenvalues with a positive real
        part: 1 for a saddle of the 2D node) and ``n_fixed_points`` (per value).
        ``attrs["folds"]``: the exact ``eta`` of the saddle-nodes when
        ``parameter`` is ``"eta"`` and the model has ``folds()``.

    Examples
    --------
    >>> import numpy as np
    >>> import brainnet_cb as bn
    >>> from brainnet_cb.dynamics import node_diagram
    >>> d = node_diagram(bn.CoombesByrne(v_syn=4.0), "eta", [-3.5, -3.0, -2.5])
    >>> d.n_fixed_points.values.tolist()                  # bistable at -3.0
    [1, 3, 1]
    >>> d.stable.sel(eta=-3.0).values.tolist()           # low, saddle, high
    [True, False, True]
    >>> [round(f, 4) for f in d.attrs["folds"]]
    [-3.301, -2.6427]
    """
    import xarray as xr  # noqa: PLC0415 - loaded on first use (start-up, memory)

    cls = type(model).__name__
    if not callable(getattr(model, "fixed_points", None)):
        raise DynamicsError(
            f"node_diagram needs a node model whose fixed points are known in closed form (CoombesByrne, "
            f"CoombesByrne4D, MontbrioPazoRoxin); {cls} has no fixed_points(). For any model, solve one node "
            "numerically: brainnet_cb.dynamics.network_fixed_points(model, bn.Connectome(np.zeros((1, 1)), "
            "np.zeros((1, 1)))) (one call per parameter value)."
        )
    if not isinstance(parameter, str) or parameter not in model.parameters:
        raise DynamicsError(f"node_diagram: {parameter!r} is not a parameter of {cls}; choose one of "
                            f"{list(model.parameters)}.")
    accepted = [n for n in inspect.signature(model.fixed_points).parameters if n.endswith("_ext")]
    ports = {}
    for name, value in inputs.items():
        if name not in accepted or name[:-4] not in model.input_ports:
            raise DynamicsError(f"node_diagram: unknown input {name!r}; {cls}.fixed_points takes the constant "
                                f"inputs {accepted} (numbers).")
        ports[name[:-4]] = value
    xs = _values(parameter, values, model)
    states = model.states
    found = []
    for x in xs:
        m = dataclasses.replace(model, **{parameter: float(x)})
        found.append([np.asarray(p, dtype=float) for p in m.fixed_points(**inputs)])
    width = max([len(f) for f in found] + [1])
    n_s = len(states)
    state = np.full((xs.size, width, n_s), np.nan)
    eig = np.full((xs.size, width, n_s), np.nan + 0j)
    for i, (x, points) in enumerate(zip(xs, found)):
        if not points:
            continue
        m = dataclasses.replace(model, **{parameter: float(x)})
        inp = {p: jnp.asarray(float(v)) for p, v in ports.items()}
        for j, p in enumerate(points):
            state[i, j] = p
            ev = np.linalg.eigvals(np.asarray(_jacobian(m, jnp.asarray(p), inp)))
            eig[i, j] = ev[np.argsort(-ev.real, kind="stable")]
    max_real = eig.real[..., 0]
    present = ~np.isnan(state[..., 0])
    data = {
        s: ((parameter, "point"), state[..., k], {"units": model.state_units.get(s, "1"),
                                                   "long_name": model.long_names.get(s, s)})
        for k, s in enumerate(states)
    }
    data["eigenvalues"] = ((parameter, "point", "mode"), eig,
                           {"units": "1/ms", "long_name": "eigenvalues of the node's Jacobian"})
    data["max_real"] = ((parameter, "point"), max_real, {"units": "1/ms", "long_name": "largest real part"})
    data["stable"] = ((parameter, "point"), present & (max_real < 0), {"long_name": "stable fixed point"})
    data["n_unstable"] = ((parameter, "point"), np.where(present, (eig.real > 0).sum(-1), -1),
                          {"long_name": "eigenvalues with a positive real part (-1: no fixed point)"})
    data["n_fixed_points"] = ((parameter,), present.sum(1), {"long_name": "number of fixed points"})
    unit = type(model).param_units.get(parameter, "1")
    attrs = {"model": cls, "parameters": repr({k: v for k, v in model.describe().items() if k != parameter}),
             "inputs": repr(dict(inputs))}
    if parameter == "eta" and callable(getattr(model, "folds", None)):
        attrs["folds"] = [f[0] for f in model.folds(**inputs)]
    ds = xr.Dataset(data, coords={parameter: (parameter, xs, {"units": unit, "long_name": parameter})},
                    attrs=attrs)
    return ds
