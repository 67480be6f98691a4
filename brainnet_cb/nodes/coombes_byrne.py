"""The Coombes–Byrne next-generation neural mass: the equations, in one place."""

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
from .quartic import fold_points, positive_roots

__all__ = ["CoombesByrne"]


@pytree_dataclass
class CoombesByrne(NodeModel):
    r"""Coombes & Byrne (2019) next-generation neural mass (2D).

    Exact Ott–Antonsen mean field of quadratic integrate-and-fire neurons with
    conductance-based synapses; time is in ms, the rate ``r`` in 1/ms (the
    equations are those of :class:`~brainnet_cb.MontbrioPazoRoxin` with its membrane time
    constant set to 1 ms, so ``r`` is labelled ``"1/ms"`` in both), the mean potential ``v``
    is dimensionless:

    .. math::

       \dot r &= \frac{\Delta}{\pi} + 2 v r - g r + r_\mathrm{ext},\\
       \dot v &= v^2 - (\pi r)^2 + \eta + (v_\mathrm{syn} - v) g + v_\mathrm{ext},\\
       g &= k \pi r + g_\mathrm{ext}.

    Input ports: ``"r"`` and ``"v"`` add to the derivatives (long-range
    coupling enters ``"v"`` by default); ``"g"`` adds a long-range conductance
    to ``g`` in both places it appears (see :class:`~brainnet_cb.Conductance`).
    With ``k = 0`` the model is Montbrió–Pazó–Roxin with ``J = 0``.

    Parameters
    ----------
    Delta : float or array, default 1.0
        Half-width of the Lorentzian distribution of excitabilities (>= 0).
    eta : float or array, default 2.0
        Mean excitability.
    k : float or array, default 1.0
        Synaptic conductance scale :math:`\kappa` (>= 0).
    v_syn : float or array, default -4.0
        Synaptic reversal potential.

    Each parameter is a scalar or one value per region.

    References
    ----------
    .. [1] S. Coombes and A. Byrne (2019). Next generation neural mass models.
       In *Nonlinear Dynamics in Computational Neuroscience*, pp. 1-16. Springer.
       https://doi.org/10.1007/978-3-319-71048-8_1
    .. [2] E. Montbrió, D. Pazó, A. Roxin (2015). Macroscopic description for
       networks of spiking neurons. Phys. Rev. X 5, 021028.

    Examples
    --------
    >>> import brainnet_cb as bn
    >>> r, v = bn.CoombesByrne().fixed_point()
    >>> round(r, 6), round(v, 6)
    (0.184726, -0.571409)
    """

    Delta: Parameter = 1.0
    eta: Parameter = 2.0
    k: Parameter = 1.0
    v_syn: Parameter = -4.0

    states: ClassVar[tuple] = ("r", "v")
    state_units: ClassVar[dict] = {"r": "1/ms", "v": "1"}
    long_names: ClassVar[dict] = {"r": "population firing rate", "v": "mean membrane potential"}
    initial: ClassVar[dict] = {"r": 0.1, "v": 0.0}
    sends: ClassVar[str] = "r"
    receives: ClassVar[str] = "v"
    input_ports: ClassVar[tuple] = ("r", "v", "g")
    param_ranges: ClassVar[dict] = {"Delta": (0.0, math.inf), "k": (0.0, math.inf)}
    param_units: ClassVar[dict] = {"Delta": "1", "eta": "1", "k": "1", "v_syn": "1"}

    def dfun(self, x: jax.Array, inputs: Inputs) -> jax.Array:
        """Vector field (1/ms) of ``x = [r, v]`` (shape ``(2, n)``)."""
        r, v = x[0], x[1]
        g = self.k * jnp.pi * r + inputs.get("g", 0.0)
        dr = self.Delta / jnp.pi + 2.0 * v * r - g * r + inputs.get("r", 0.0)
        dv = v**2 - (jnp.pi * r) ** 2 + self.eta + (self.v_syn - v) * g + inputs.get("v", 0.0)
        return jnp.stack([dr, dv])

    def _jacobian_at(self, point) -> np.ndarray:
        r"""The Jacobian (2 x 2, 1/ms) of one uncoupled node at ``point = (r, v)``; scalar parameters.

        .. math::

           \begin{pmatrix} 2v - 2k\pi r & 2r\\
           -2\pi^2 r + k\pi (v_\mathrm{syn} - v) & 2v - k\pi r \end{pmatrix}
        """
        r, v = (float(c) for c in point)
        k, v_syn, pi = float(self.k), float(self.v_syn), math.pi
        return np.array([[2 * v - 2 * k * pi * r, 2 * r],
                         [-2 * pi**2 * r + k * pi * (v_syn - v), 2 * v - k * pi * r]])

    def fixed_point(self, v_ext: float = 0.0, r_ext: float = 0.0) -> tuple[float, float]:
        r"""The fixed point ``(r*, v*)`` of one node under constant inputs.

        From :math:`\dot r = 0`, :math:`v^* = k\pi r/2 - D/(2\pi r)` with
        :math:`D = \Delta + \pi r_\mathrm{ext}`; substituting into
        :math:`\dot v = 0` gives the quartic

        .. math:: \pi^4 (k^2+4) r^4 - 4 k \pi^3 v_\mathrm{syn} r^3
                  - 4\pi^2 \eta_e r^2 - D^2 = 0, \quad \eta_e = \eta + v_\mathrm{ext},

        whose positive roots are the fixed points. Scalar parameters only.

        Returns
        -------
        (float, float)
            The fixed point. Raises :class:`ModelError` if there are several
            (the bistable regime); use :meth:`fixed_points` then.
        """
        points = self.fixed_points(v_ext, r_ext)
        if not points:  # only when Delta + pi * r_ext = 0: then r = 0 is invariant
            raise ModelError(
                "no fixed point with r* > 0 for these parameters: with Delta + pi * r_ext = 0 the rate r = 0 is "
                "invariant, and its fixed points (r* = 0, v* = +-sqrt(-(eta + v_ext)) where eta + v_ext <= 0) "
                "are not found by fixed_points(), which lists those with r* > 0; give Delta > 0."
            )
        if len(points) != 1:
            raise ModelError(
                f"{len(points)} fixed points for these parameters (bistable regime): "
                f"{points}; use fixed_points() to get all of them."
            )
        return points[0]

    def fixed_points(self, v_ext: float = 0.0, r_ext: float = 0.0) -> list[tuple[float, float]]:
        """All fixed points ``[(r*, v*), ...]`` with ``r* > 0``, by increasing ``r*``."""
        self._refuse_per_region("fixed_points", "Call it once per value, e.g. [bn.CoombesByrne({first}=x)"
                                ".fixed_points() for x in values], or use brainnet_cb.dynamics.node_diagram for a "
                                "parameter scan with stability.")
        c = self._checked_scalars("fixed_points", v_ext=v_ext, r_ext=r_ext)
        Delta, eta, k, v_syn = (c[n] for n in ("Delta", "eta", "k", "v_syn"))
        D = Delta + math.pi * r_ext
        pi = math.pi
        coeffs = [pi**4 * (k**2 + 4), -4 * k * pi**3 * v_syn, -4 * pi**2 * (eta + v_ext), 0.0, -(D**2)]
        return [(r, k * pi * r / 2 - D / (2 * pi * r)) for r in positive_roots(coeffs)]

    def folds(self, v_ext: float = 0.0, r_ext: float = 0.0) -> list[tuple[float, float, float]]:
        r"""The saddle-nodes of one node in ``eta``: ``[(eta, r*, v*), ...]`` by increasing ``eta``.

        The other parameters stay as they are. Writing the fixed-point quartic
        (:meth:`fixed_point`) as :math:`\eta_e(r)`, two fixed points meet where
        :math:`d\eta_e/dr = 0`:

        .. math:: 2\pi^4 (k^2+4) r^4 - 4 k \pi^3 v_\mathrm{syn} r^3 + 2 D^2 = 0.

        Between two folds the node has three fixed points (two stable, a saddle
        between them): bistability, which needs :math:`v_\mathrm{syn} > 0`. No
        fold (an empty list) means one fixed point for every ``eta``; the two
        folds merge at the cusp
        :math:`\eta_c = -D\sqrt{3(k^2+4)}/2` (in :math:`\eta_e`). Scalar
        parameters only (the value of ``eta`` itself is not used).

        Examples
        --------
        >>> import brainnet_cb as bn
        >>> [round(eta, 4) for eta, r, v in bn.CoombesByrne(v_syn=4.0).folds()]
        [-3.301, -2.6427]
        """
        self._refuse_per_region("folds")
        c = self._checked_scalars("folds", v_ext=v_ext, r_ext=r_ext)
        Delta, k, v_syn = c["Delta"], c["k"], c["v_syn"]
        D = Delta + math.pi * r_ext
        pi = math.pi
        found = fold_points(pi**4 * (k**2 + 4), 4 * k * pi**3 * v_syn, 4 * pi**2, D**2)
        return [(eta_e - v_ext, r, k * pi * r / 2 - D / (2 * pi * r)) for eta_e, r in found]
