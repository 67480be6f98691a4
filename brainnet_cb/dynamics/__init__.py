"""Working-point analysis of a whole network.

Where does a network sit relative to its instability, and what FC does it
produce there? Everything here is delay-free at the fixed point (delays do not
move a fixed point) and generic over node models and couplings:

- :func:`network_fixed_points` / :func:`network_fixed_point`: fixed points of
  the whole network from several initial states (multistability), each a
  :class:`FixedPoint` with its spectrum;
- :func:`network_jacobian`, :func:`network_spectrum`: the linearisation;
  :func:`delayed_leading_eigenvalue`: the rightmost root of the delayed
  characteristic equation (:class:`DelayedRootWarning` where it cannot be
  confirmed as rightmost);
  :func:`delayed_unstable_roots`: how many modes grow with the delays (every
  root of the delayed characteristic equation in the right half-plane);
- :func:`critical_coupling`: the coupling :math:`G_c` where the fixed point
  loses stability, and how (saddle-node, branch point, Hopf); express
  ``G`` as a fraction of it with :meth:`CriticalCoupling.relative` or
  :func:`relative_coupling`, so that recipes transfer between connectomes;
- :func:`linear_fc`, :func:`linear_covariance`: FC of ``r`` or of BOLD in
  the noise-driven regime around a stable fixed point, from the Lyapunov
  equation (milliseconds for 80 regions);
- :func:`linearised_model`: the linearised network as a node model, whose runs
  share a run's noise (a control variate for simulated FC);
- :func:`node_diagram`: one node's fixed points and their stability along a
  parameter (a bifurcation diagram: folds, Hopf points).

Units: neural time in ms (eigenvalues in 1/ms), BOLD in s, frequencies in Hz.
Weights ``[target, source]``, normalised exactly as :func:`brainnet_cb.simulate`
does (``normalize="max"`` by default).
"""

from .continuation import CouplingRangeWarning, CriticalCoupling, critical_coupling, relative_coupling
from .delay_stability import delayed_unstable_roots
from .delayed_roots import DelayedRootWarning
from .fixed_points import FixedPoint, network_fixed_point, network_fixed_points
from .linear import linear_covariance, linear_fc, lyapunov_covariance
from .node_diagram import node_diagram
from .spectrum import delayed_leading_eigenvalue, network_jacobian, network_spectrum
from .tangent import linearised_model

__all__ = [
    "FixedPoint",
    "network_fixed_points",
    "network_fixed_point",
    "network_jacobian",
    "network_spectrum",
    "delayed_leading_eigenvalue",
    "DelayedRootWarning",
    "delayed_unstable_roots",
    "CriticalCoupling",
    "CouplingRangeWarning",
    "critical_coupling",
    "relative_coupling",
    "linear_fc",
    "linear_covariance",
    "lyapunov_covariance",
    "linearised_model",
    "node_diagram",
]
