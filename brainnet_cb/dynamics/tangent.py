r"""The linearised network as a node model: a twin that shares a run's noise.

At a fixed point :math:`x^*` with steady coupling input :math:`c^*`, each
node of the twin follows the tangent of its own vector field,

.. math::

   \dot x_i = L_i\,(x_i - x_i^*) + P_i\,(c_i - c_i^*), \qquad
   s_i = s_i^* + D_i\,(x_i - x_i^*),

with the local block :math:`L_i = \partial f / \partial x_i`, the port
sensitivity :math:`P_i = \partial f / \partial c_i` and the derivative
:math:`D_i = \partial\,\mathrm{sent} / \partial x_i` of the sent quantity
(:class:`~brainnet_cb.dynamics.system.JacobianParts`). Delays, coupling,
noise and monitors are the engine's, so the twin is the linearised
*delayed* network, and a run of it with the same key as a run of the model
sees the same noise increments (the increments depend only on the key, the
step and the noisy states, which the twin shares with the model).

This is what makes it a **control variate**. The FC of one finite run is
the model's FC plus a sampling error of order :math:`T^{-1/2}` (0.15 RMS
per edge for 288 s of BOLD); the twin driven by the same noise makes almost
the same error, while its expectation is known exactly from the Lyapunov
equation (:func:`~brainnet_cb.dynamics.linear_fc`). The estimate

.. math::

   \widehat{FC} = FC_\mathrm{lin} + \frac{1}{K}\sum_{k=1}^{K}
   \big(FC_k - FC_k^\mathrm{twin}\big)

estimates the model's asymptotic FC (the finite-sample bias of a
correlation, which model and twin share, cancels in the difference to first
order) with only the variance of the nonlinear and delay corrections, which
vanish with the noise amplitude.

References
----------
.. [1] A. Owen (2013). *Monte Carlo theory, methods and examples*, ch. 8
   (control variates). https://artowen.su.domains/mc/
.. [2] G. Deco et al. (2013). Resting-state functional connectivity emerges
   from structurally and dynamically shaped slow linear fluctuations.
   J. Neurosci. 33, 11239-11252.
"""

from __future__ import annotations

import functools
from typing import ClassVar

import jax.numpy as jnp
import numpy as np

from ..errors import DynamicsError
from ..nodes.base import NodeModel
from ..plugins import node_model
from .fixed_points import FixedPoint
from .spectrum import point_of
from .system import build_network, in_float64, jacobian_parts, network_rhs

__all__ = ["linearised_model"]

#: Largest residual ``max |F(x*)|`` (1/ms) of a state accepted as a fixed point.
FIXED_POINT_TOLERANCE = 1e-8


@in_float64
def linearised_model(model, connectome, coupling=None, *, at=None, normalize="max") -> NodeModel:
    r"""The node model whose network is the linearisation of ``model``'s network at a fixed point.

    Parameters
    ----------
    model : NodeModel
        E.g. ``bn.CoombesByrne(eta=-2.0)``; parameters scalars or per region.
    connectome, coupling, normalize
        As in :func:`brainnet_cb.simulate` (default ``bn.Linear(G=1.0)``).
        Simulate the twin with the same three.
    at : FixedPoint, dict or array, optional
        The fixed point (default: the one reached from the model's initial
        state, :func:`~brainnet_cb.dynamics.network_fixed_point`).

    Returns
    -------
    NodeModel
        An instance of ``Linearised<Model>``: the states, units and sent
        quantity of ``model``, one input port (the coupling's), per-region
        parameters ``x0_<state>``, ``local_<state>_<state>``, ``port_<state>``,
        ``sent_<state>``, ``sent0`` and ``c0``. Its default initial state is the
        fixed point. Other inputs (stimuli) are not part of the linearisation.

    Raises
    ------
    DynamicsError
        If ``at`` is not a fixed point (``max |F| > 1e-8`` /ms), or the network
        of the twin is not linear: the coupling's ``post`` is not affine in what
        is sent (every built-in coupling is).

    Examples
    --------
    >>> import brainnet_cb as bn
    >>> conn = bn.load_atlas("tvb76")
    >>> twin = bn.linearised_model(bn.CoombesByrne(eta=-2.0), conn, bn.Linear(G=1.0))
    >>> type(twin).__name__, twin.states
    ('LinearisedCoombesByrne', ('r', 'v'))
    """
    network = build_network(model, connectome, coupling, normalize=normalize)
    x = jnp.asarray(point_of(network, at.values if isinstance(at, FixedPoint) else at), jnp.float64)
    residual = float(jnp.max(jnp.abs(network_rhs(x, network.arrays, network.port))))
    if not residual <= FIXED_POINT_TOLERANCE:
        raise DynamicsError(
            f"at is not a fixed point of the network: max |dx/dt| = {residual:.3g} /ms there (at most "
            f"{FIXED_POINT_TOLERANCE:g}); pass the point from bn.network_fixed_point(model, connectome, coupling) "
            "or a FixedPoint of the same network."
        )
    arrays = network.arrays
    parts = jacobian_parts(x, arrays, network.port)
    sent0 = arrays.model.sent(x)
    c0 = arrays.coupling.post(arrays.weights @ sent0, sent0, arrays.strength)
    states = tuple(model.states)
    values = {"sent0": sent0, "c0": c0}
    for s, name in enumerate(states):
        values[f"x0_{name}"] = x[s]
        values[f"port_{name}"] = parts.port[s]
        values[f"sent_{name}"] = parts.sent[s]
        for t, other in enumerate(states):
            values[f"local_{name}_{other}"] = parts.local[s, t]
    twin = _twin_class(type(model), network.port)(**{k: np.asarray(v) for k, v in values.items()})
    _check_linear(twin, network, x)
    return twin


def _check_linear(twin, network, x):
    """The twin's network field at ``x* + d`` must be ``A d`` (a coupling nonlinear in ``S`` breaks this)."""
    arrays = network.arrays._replace(model=twin.validated(network.n, jnp.float64))  # the same weights and coupling
    d = 1e-3 * (1.0 + jnp.abs(x)) * jnp.cos(jnp.arange(x.size, dtype=jnp.float64).reshape(x.shape))
    f1 = network_rhs(x + d, arrays, network.port)
    f2 = network_rhs(x + 2.0 * d, arrays, network.port)
    gap = float(jnp.max(jnp.abs(f2 - 2.0 * f1)))
    scale = float(jnp.max(jnp.abs(f1)))
    if not gap <= 1e-8 * max(scale, 1e-12) + 1e-13:
        raise DynamicsError(
            f"the linearised network is not linear with the coupling {type(network.arrays.coupling).__name__}: its "
            f"field departs from linearity by {gap:.3g} /ms (relative {gap / max(scale, 1e-300):.3g}); the twin "
            "needs a coupling whose post(S, local, strength) is affine in S and local, as bn.Linear, bn.Diffusive "
            "and bn.Conductance are."
        )


@functools.cache
def _twin_class(model_cls: type, port: str) -> type:
    """``Linearised<Model>``: one class per model class and port, so twins share compiled programs."""
    states = tuple(model_cls.states)
    names = ([f"x0_{s}" for s in states] + [f"local_{s}_{t}" for s in states for t in states]
             + [f"port_{s}" for s in states] + [f"sent_{s}" for s in states] + ["sent0", "c0"])

    def stack(self, prefix):
        return jnp.stack([getattr(self, f"{prefix}{s}") for s in states])

    def dfun(self, x, inputs):
        d = x - stack(self, "x0_")
        local = jnp.stack([stack(self, f"local_{s}_") for s in states])  # (n_s, n_s, n)
        c = inputs.get(port, self.c0)
        return jnp.einsum("stn,tn->sn", local, d) + stack(self, "port_") * (c - self.c0)

    def sent(self, x):
        return self.sent0 + jnp.sum(stack(self, "sent_") * (x - stack(self, "x0_")), axis=0)

    def initial_state(self, n_regions, dtype, overrides=None):
        rest = {s: np.asarray(getattr(self, f"x0_{s}")) for s in states}
        return NodeModel.initial_state(self, n_regions, dtype, {**rest, **dict(overrides or {})})

    namespace = {
        "__annotations__": dict.fromkeys(names, "Parameter"),
        **dict.fromkeys(names, 0.0),
        "__doc__": (f"The linearisation of :class:`{model_cls.__name__}` at a network fixed point "
                    "(built by :func:`brainnet_cb.linearised_model`)."),
        "__module__": __name__,
        "states": states,
        "state_units": dict(model_cls.state_units),
        "long_names": dict(getattr(model_cls, "long_names", {})),
        "initial": dict(model_cls.initial),
        "sends": model_cls.sends,
        "sent_units": model_cls.sent_units,
        "receives": port,
        "input_ports": (port,),
        "eeg_source": dict(model_cls.eeg_source),
        "dfun": dfun,
        "sent": sent,
        "initial_state": initial_state,
    }
    for k in ("states", "state_units", "long_names", "initial", "sends", "sent_units", "receives", "input_ports",
              "eeg_source"):
        namespace["__annotations__"][k] = ClassVar
    cls = type(f"Linearised{model_cls.__name__}", (NodeModel,), namespace)
    return node_model(cls)

