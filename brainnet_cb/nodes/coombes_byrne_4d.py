"""Coombes–Byrne with an alpha-function synapse (4 variables): the oscillating version."""

from __future__ import annotations

import math
from typing import ClassVar

import jax
import jax.numpy as jnp
import numpy as np

from .._pytree import pytree_dataclass
from .._types import Inputs, Parameter
from ..errors import ModelError
from .base import NodeModel
from .coombes_byrne import CoombesByrne

__all__ = ["CoombesByrne4D"]


@pytree_dataclass
class CoombesByrne4D(NodeModel):
    r"""Coombes & Byrne (2019) next-generation neural mass with synaptic dynamics.

    The conductance :math:`g` of :class:`~brainnet_cb.CoombesByrne` is no longer
    instantaneous (:math:`g = k\pi r`) but the output of an alpha-function
    synapse of rate :math:`\alpha` driven by the population rate; time in ms,
    the rate ``r`` in 1/ms (as in :class:`~brainnet_cb.CoombesByrne`), the other variables
    dimensionless:

    .. math::

       \dot r &= \frac{\Delta}{\pi} + 2 v r - g_\mathrm{tot}\, r + r_\mathrm{ext},\\
       \dot v &= v^2 - (\pi r)^2 + \eta + (v_\mathrm{syn} - v)\, g_\mathrm{tot} + v_\mathrm{ext},\\
       \dot g &= \alpha q,\\
       \dot q &= \alpha\,(k\pi r - g - 2 q),
       \qquad g_\mathrm{tot} = g + g_\mathrm{ext}.

    (:math:`q = \dot g / \alpha`: the pair is :math:`(1 + \alpha^{-1} d/dt)^2 g = k\pi r`,
    the alpha kernel :math:`\alpha^2 t e^{-\alpha t}`.) The fixed points are those
    of the 2D model (:math:`g^* = k\pi r^*`, :math:`q^* = 0`), but the synaptic
    delay destabilises them: with the defaults (Delta = 0.5, alpha = 0.95,
    v_syn = -10, k = 1) a supercritical Hopf bifurcation at
    :math:`\eta \approx 3.9295` (period 5.065 ms) starts a limit cycle that
    disappears again at :math:`\eta \approx 23.401` (period 1.800 ms).
    :meth:`jacobian` gives the linearisation used to locate them.

    Input ports: ``"r"``, ``"v"`` add to the derivatives (long-range coupling
    enters ``"v"`` by default); ``"g"`` adds a long-range conductance
    :math:`g_\mathrm{ext}` in both places :math:`g` appears
    (:class:`~brainnet_cb.Conductance`).

    Parameters
    ----------
    Delta : float or array, default 0.5
        Half-width of the Lorentzian distribution of excitabilities (>= 0).
    eta : float or array, default 20.0
        Mean excitability (the default lies between the two Hopf points: the
        node oscillates).
    k : float or array, default 1.0
        Synaptic conductance scale (>= 0).
    v_syn : float or array, default -10.0
        Synaptic reversal potential.
    alpha : float or array, default 0.95
        Rate of the alpha-function synapse (1/ms, > 0).

    The defaults are those of The Virtual Brain's ``CoombesByrne`` model.
    Each parameter is a scalar or one value per region.

    References
    ----------
    .. [1] S. Coombes and A. Byrne (2019). Next generation neural mass models.
       In *Nonlinear Dynamics in Computational Neuroscience*, pp. 1-16. Springer.
       https://doi.org/10.1007/978-3-319-71048-8_1
    .. [2] Á. Byrne, D. Avitabile, S. Coombes (2019). Next-generation neural
       field model: the evolution of synchrony within patterns and waves.
       Phys. Rev. E 99, 012313.

    Examples
    --------
    >>> import brainnet_cb as bn
    >>> bn.CoombesByrne4D(eta=3.0).is_stable(), bn.CoombesByrne4D(eta=4.0).is_stable()
    (True, False)
    """

    Delta: Parameter = 0.5
    eta: Parameter = 20.0
    k: Parameter = 1.0
    v_syn: Parameter = -10.0
    alpha: Parameter = 0.95

    states: ClassVar[tuple] = ("r", "v", "g", "q")
    state_units: ClassVar[dict] = {"r": "1/ms", "v": "1", "g": "1", "q": "1"}
    long_names: ClassVar[dict] = {
        "r": "population firing rate",
        "v": "mean membrane potential",
        "g": "synaptic conductance",
        "q": "synaptic conductance rate (dg/dt / alpha)",
    }
    # Near the (unstable) fixed point of the defaults, (0.528, 0.678, 1.658, 0): from
    # g = 0 at eta = 20 the node first swings through a stiff transient (r ~ 15)
    # that needs dt <= 0.01 ms; from here dt = 0.1 ms is fine.
    initial: ClassVar[dict] = {"r": 0.5, "v": 0.7, "g": 1.6, "q": 0.0}
    sends: ClassVar[str] = "r"
    receives: ClassVar[str] = "v"
    input_ports: ClassVar[tuple] = ("r", "v", "g")
    param_ranges: ClassVar[dict] = {
        "Delta": (0.0, math.inf),
        "k": (0.0, math.inf),
        "alpha": (1e-12, math.inf),
    }
    param_units: ClassVar[dict] = {"Delta": "1", "eta": "1", "k": "1", "v_syn": "1", "alpha": "1/ms"}
    eeg_source: ClassVar[dict] = {"v": 1.0}

    def dfun(self, x: jax.Array, inputs: Inputs) -> jax.Array:
        """Vector field (1/ms) of ``x = [r, v, g, q]`` (shape ``(4, n)``)."""
        r, v, g, q = x[0], x[1], x[2], x[3]
        g_tot = g + inputs.get("g", 0.0)
        dr = self.Delta / jnp.pi + 2.0 * v * r - g_tot * r + inputs.get("r", 0.0)
        dv = v**2 - (jnp.pi * r) ** 2 + self.eta + (self.v_syn - v) * g_tot + inputs.get("v", 0.0)
        dg = self.alpha * q
        dq = self.alpha * (self.k * jnp.pi * r - g - 2.0 * q)
        return jnp.stack([dr, dv, dg, dq])

    def _scalars(self, method: str, v_ext) -> dict[str, float]:
        """The scalar parameters and ``v_ext`` as floats, checked; errors name ``method`` (the one called)."""
        p = {k: np.asarray(v, dtype=float) for k, v in self.parameters.items()}
        if any(a.ndim for a in p.values()):
            raise ModelError(
                f"CoombesByrne4D.{method}() needs scalar parameters; got per-region arrays. "
                "Call it on a model with one value per parameter."
            )
        return self._checked_scalars(method, v_ext=v_ext)

    def _fixed_point(self, p: dict[str, float], method: str) -> tuple[float, float, float, float]:
        """The fixed point for the checked scalars ``p`` of :meth:`_scalars`."""
        two_d = CoombesByrne(Delta=p["Delta"], eta=p["eta"], k=p["k"], v_syn=p["v_syn"])
        points = two_d.fixed_points(p["v_ext"])
        if not points:  # only when Delta = 0: then r = 0 is invariant
            raise ModelError(
                f"CoombesByrne4D.{method}(): no fixed point with r* > 0 for these parameters: with Delta = 0 the "
                "rate r = 0 is invariant, and its fixed points (r* = 0, v* = +-sqrt(-(eta + v_ext)) where "
                "eta + v_ext <= 0, g* = q* = 0) are not the ones this method analyses; give Delta > 0."
            )
        if len(points) != 1:
            raise ModelError(
                f"CoombesByrne4D.{method}() needs one fixed point; these parameters give {len(points)} (r*, v*) "
                f"(bistable regime): {points}. Use fixed_points() for all of them (g* = k*pi*r*, q* = 0), and "
                f"brainnet_cb.dynamics.node_diagram(model, 'eta', [{p['eta']!r}]) for the eigenvalues at each."
            )
        r, v = points[0]
        return r, v, p["k"] * math.pi * r, 0.0

    def fixed_points(self, v_ext: float = 0.0) -> list[tuple[float, float, float, float]]:
        r"""All fixed points ``[(r*, v*, g*, q*), ...]`` with ``r* > 0``, by increasing ``r*``.

        Those of the 2D model with the same parameters
        (:meth:`CoombesByrne.fixed_points`), with :math:`g^* = k\pi r^*` and
        :math:`q^* = 0`; several in its bistable regime. Their stability is
        not that of the 2D model (the synapse can destabilise them): see
        :meth:`eigenvalues`, or :func:`brainnet_cb.dynamics.node_diagram`.
        """
        p = self._scalars("fixed_points", v_ext)
        two_d = CoombesByrne(Delta=p["Delta"], eta=p["eta"], k=p["k"], v_syn=p["v_syn"])
        return [(r, v, p["k"] * math.pi * r, 0.0) for r, v in two_d.fixed_points(p["v_ext"])]

    def folds(self, v_ext: float = 0.0) -> list[tuple[float, float, float, float, float]]:
        r"""The saddle-nodes in ``eta``: ``[(eta, r*, v*, g*, q*), ...]``, those of the 2D model.

        The fixed points are the 2D model's (:meth:`CoombesByrne.folds`), so are
        the folds; the synapse adds Hopf points (:meth:`eigenvalues`).
        """
        p = self._scalars("folds", v_ext)
        two_d = CoombesByrne(Delta=p["Delta"], eta=p["eta"], k=p["k"], v_syn=p["v_syn"])
        return [(eta, r, v, p["k"] * math.pi * r, 0.0) for eta, r, v in two_d.folds(p["v_ext"])]

    def fixed_point(self, v_ext: float = 0.0) -> tuple[float, float, float, float]:
        r"""The fixed point ``(r*, v*, g*, q*)`` under a constant input ``v_ext``.

        :math:`g^* = k\pi r^*`, :math:`q^* = 0`, and :math:`(r^*, v^*)` is the
        fixed point of the 2D model with the same parameters
        (:meth:`CoombesByrne.fixed_point`, which raises :class:`ModelError` in
        the bistable regime).
        """
        return self._fixed_point(self._scalars("fixed_point", v_ext), "fixed_point")

    def jacobian(self, v_ext: float = 0.0) -> np.ndarray:
        r"""The Jacobian (4 x 4, 1/ms) of one node at its fixed point.

        .. math::

           \begin{pmatrix}
           2v - g & 2r & -r & 0\\
           -2\pi^2 r & 2v - g & v_\mathrm{syn} - v & 0\\
           0 & 0 & 0 & \alpha\\
           \alpha k\pi & 0 & -\alpha & -2\alpha
           \end{pmatrix}
        """
        return self._jacobian(v_ext, "jacobian")

    def _jacobian(self, v_ext, method: str) -> np.ndarray:
        p = self._scalars(method, v_ext)
        return self._jacobian_at(self._fixed_point(p, method))

    def _jacobian_at(self, point) -> np.ndarray:
        """The Jacobian (4 x 4, 1/ms) of one node without inputs at ``point = (r, v, g, q)`` (:meth:`jacobian`)."""
        r, v, g, _ = (float(c) for c in point)
        a, k, v_syn = float(self.alpha), float(self.k), float(self.v_syn)
        return np.array(
            [
                [2 * v - g, 2 * r, -r, 0.0],
                [-2 * math.pi**2 * r, 2 * v - g, v_syn - v, 0.0],
                [0.0, 0.0, 0.0, a],
                [a * k * math.pi, 0.0, -a, -2 * a],
            ]
        )

    def eigenvalues(self, v_ext: float = 0.0) -> np.ndarray:
        """Eigenvalues of :meth:`jacobian`, by decreasing real part."""
        return self._eigenvalues(v_ext, "eigenvalues")

    def _eigenvalues(self, v_ext, method: str) -> np.ndarray:
        ev = np.linalg.eigvals(self._jacobian(v_ext, method))
        return ev[np.argsort(-ev.real)]

    def is_stable(self, v_ext: float = 0.0) -> bool:
        """True if every eigenvalue at the fixed point has a negative real part."""
        return bool(self._eigenvalues(v_ext, "is_stable")[0].real < 0)
