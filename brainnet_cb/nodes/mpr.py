"""The Montbrió–Pazó–Roxin (2015) firing-rate equations of QIF neurons."""

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

__all__ = ["MontbrioPazoRoxin"]


@pytree_dataclass
class MontbrioPazoRoxin(NodeModel):
    r"""Montbrió, Pazó & Roxin (2015) exact mean field of QIF neurons (MPR).

    Rate ``r`` (1/ms) and mean membrane potential ``v`` (dimensionless) of a
    population of quadratic integrate-and-fire neurons with Lorentzian
    excitabilities (centre :math:`\eta`, half-width :math:`\Delta`) and
    instantaneous current-based recurrent coupling :math:`J`; time in ms:

    .. math::

       \tau \dot r &= \frac{\Delta}{\pi \tau} + 2 r v + \tau\, r_\mathrm{ext},\\
       \tau \dot v &= v^2 + \eta + J \tau r - (\pi \tau r)^2 + v_\mathrm{ext}.

    Input ports: ``"v"`` is the external current :math:`I(t)` of the paper
    (it enters :math:`\tau\dot v`, so its effect on :math:`\dot v` is
    :math:`I/\tau`); long-range coupling enters ``"v"`` by default. ``"r"``
    adds directly to :math:`\dot r`. With ``tau = 1`` and ``J = 0`` the
    equations are those of :class:`~brainnet_cb.CoombesByrne` with ``k = 0``.

    Fixed points (constant input :math:`I`): from :math:`\dot r = 0`,
    :math:`v^* = -\Delta / (2\pi\tau r^*)`, and :math:`R = \pi\tau r^*` is a
    positive root of

    .. math:: 4 R^4 - \frac{4 J}{\pi} R^3 - 4 (\eta + I) R^2 - \Delta^2 = 0,

    equivalently :math:`\eta + I = R^2 - \Delta^2/(4R^2) - J R / \pi` (the
    paper's parametric form); with :math:`J = 0`,
    :math:`r^* = \sqrt{(\eta + I + \sqrt{(\eta + I)^2 + \Delta^2})/2} / (\pi\tau)`.

    Parameters
    ----------
    tau : float or array, default 1.0
        Membrane time constant (ms, > 0).
    Delta : float or array, default 1.0
        Half-width of the Lorentzian distribution of excitabilities (>= 0).
    eta : float or array, default -5.0
        Centre of that distribution (mean excitability).
    J : float or array, default 15.0
        Recurrent synaptic weight (> 0 excitatory). The defaults (Delta = 1,
        eta = -5, J = 15, tau = 1) are those of Fig. 1 of the paper, where a
        low-activity node and a high-activity focus coexist.

    Each parameter is a scalar or one value per region.

    References
    ----------
    .. [1] E. Montbrió, D. Pazó, A. Roxin (2015). Macroscopic description for
       networks of spiking neurons. Phys. Rev. X 5, 021028.
       https://doi.org/10.1103/PhysRevX.5.021028

    Examples
    --------
    >>> import brainnet_cb as bn
    >>> r, v = bn.MontbrioPazoRoxin(J=0.0, eta=2.0).fixed_point()
    >>> round(r, 6), round(v, 6)
    (0.463251, -0.343561)
    """

    tau: Parameter = 1.0
    Delta: Parameter = 1.0
    eta: Parameter = -5.0
    J: Parameter = 15.0

    states: ClassVar[tuple] = ("r", "v")
    state_units: ClassVar[dict] = {"r": "1/ms", "v": "1"}
    long_names: ClassVar[dict] = {"r": "population firing rate", "v": "mean membrane potential"}
    initial: ClassVar[dict] = {"r": 0.1, "v": 0.0}
    sends: ClassVar[str] = "r"
    receives: ClassVar[str] = "v"
    input_ports: ClassVar[tuple] = ("r", "v")
    param_ranges: ClassVar[dict] = {"tau": (1e-12, math.inf), "Delta": (0.0, math.inf)}
    param_units: ClassVar[dict] = {"tau": "ms", "Delta": "1", "eta": "1", "J": "1"}
    eeg_source: ClassVar[dict] = {"v": 1.0}

    def dfun(self, x: jax.Array, inputs: Inputs) -> jax.Array:
        """Vector field (1/ms) of ``x = [r, v]`` (shape ``(2, n)``)."""
        r, v = x[0], x[1]
        tau = self.tau
        dr = (self.Delta / (jnp.pi * tau) + 2.0 * r * v) / tau + inputs.get("r", 0.0)
        dv = (v**2 + self.eta + self.J * tau * r - (jnp.pi * tau * r) ** 2 + inputs.get("v", 0.0)) / tau
        return jnp.stack([dr, dv])

    def _jacobian_at(self, point) -> np.ndarray:
        r"""The Jacobian (2 x 2, 1/ms) of one uncoupled node at ``point = (r, v)``; scalar parameters.

        .. math::

           \begin{pmatrix} 2v/\tau & 2r/\tau\\ J - 2\pi^2\tau r & 2v/\tau \end{pmatrix}
        """
        r, v = (float(c) for c in point)
        tau, J = float(self.tau), float(self.J)
        return np.array([[2 * v / tau, 2 * r / tau], [J - 2 * math.pi**2 * tau * r, 2 * v / tau]])

    def fixed_points(self, v_ext: float = 0.0) -> list[tuple[float, float]]:
        """All fixed points ``[(r*, v*), ...]`` under a constant current ``v_ext``, by increasing ``r*``.

        Scalar parameters only. The roots of the quartic in :math:`R = \\pi\\tau r`
        (class docstring) are polished to float64 accuracy; a double root (the
        saddle-node) is listed once.
        """
        p = {k: np.asarray(v, dtype=float) for k, v in self.parameters.items()}
        if any(a.ndim for a in p.values()):
            raise ModelError(
                "fixed_points() needs scalar parameters; got per-region arrays. "
                "Call it on a model with one value per parameter."
            )
        c = self._checked_scalars("fixed_points", v_ext=v_ext)
        tau, Delta, eta, J = (c[n] for n in ("tau", "Delta", "eta", "J"))
        eta_e = eta + v_ext
        coeffs = [4.0, -4.0 * J / math.pi, -4.0 * eta_e, 0.0, -(Delta**2)]
        return [(R / (math.pi * tau), -Delta / (2.0 * R)) for R in positive_roots(coeffs)]

    def fixed_point(self, v_ext: float = 0.0) -> tuple[float, float]:
        """The fixed point ``(r*, v*)``; :class:`ModelError` if there are several (bistable)."""
        points = self.fixed_points(v_ext)
        if not points:  # only when Delta = 0: then r = 0 is invariant
            raise ModelError(
                "no fixed point with r* > 0 for these parameters: with Delta = 0 the rate r = 0 is "
                "invariant, and its fixed points (r* = 0, v* = +-sqrt(-(eta + v_ext)) where eta + v_ext <= 0) "
                "are not found by fixed_points(), which lists those with r* > 0; give Delta > 0."
            )
        if len(points) != 1:
            raise ModelError(
                f"{len(points)} fixed points for these parameters (bistable regime): "
                f"{points}; use fixed_points() to get all of them."
            )
        return points[0]

    def folds(self, v_ext: float = 0.0) -> list[tuple[float, float, float]]:
        r"""The saddle-nodes of one node in ``eta``: ``[(eta, r*, v*), ...]`` by increasing ``eta``.

        The other parameters stay as they are. From the quartic in
        :math:`R = \pi\tau r` (class docstring), two fixed points meet where
        :math:`d(\eta + I)/dR = 0`, i.e. :math:`8R^4 - 4JR^3/\pi + 2\Delta^2 = 0`;
        between the two folds the node is bistable. Scalar parameters only
        (the value of ``eta`` itself is not used).

        Examples
        --------
        >>> import brainnet_cb as bn
        >>> [round(eta, 4) for eta, r, v in bn.MontbrioPazoRoxin(Delta=0.7, J=14.5).folds()]
        [-5.3488, -2.4518]
        """
        self._refuse_per_region("folds")
        c = self._checked_scalars("folds", v_ext=v_ext)
        tau, Delta, J = c["tau"], c["Delta"], c["J"]
        found = fold_points(4.0, 4.0 * J / math.pi, 4.0, Delta**2)
        return [(eta_e - v_ext, R / (math.pi * tau), -Delta / (2.0 * R)) for eta_e, R in found]
