r"""A refit of the connection weights kept stable with the tract delays: :func:`fit_delay_stable`.

The refinement of the weights (:mod:`brainnet_cb.fitting.effective_connectivity`)
fits the slow limit of the delay-free linearisation, which sees no
transmission delay. With the delays, the refitted weights can bring roots
:math:`\lambda` of the delayed characteristic equation
:math:`\det T(\lambda) = 0` (:mod:`brainnet_cb.dynamics.delay_stability`)
to the right half-plane: lightly damped modes near the regions' own
oscillation (4-5 rad/ms) whose phase the delays turn. On Schaefer's 100
regions with weights from the distance rule (3 mm/ms, delays to 53 ms), the
refit at the best cross-validated :math:`\lambda_e = 0.01` had two such
roots, and :func:`~brainnet_cb.fit_working_point` used the refit at
:math:`\lambda_e = 0.1` instead (0.927 held out; the refused one 0.948).

:func:`fit_delay_stable` refits at the same :math:`\lambda_e`, from the
refused fit, with the growing roots
(:func:`~brainnet_cb.dynamics.delayed_roots.roots_right_of`) pushed left of
:math:`-\kappa` (:math:`\kappa = 2\pi \cdot 1` Hz) by a penalty on their
real parts to first order in the weights,

.. math::

   \mathrm{Re}\,\lambda_k(e) \approx \mathrm{Re}\Big(\lambda_k
   - \frac{w_k^H\, T(\lambda_k;\, e)\, v_k}{w_k^H\, T'(\lambda_k)\, v_k}\Big),
   \qquad
   \text{penalty } \sum_k \max\big(0,\; 1 + \mathrm{Re}\,\lambda_k(e)/\kappa\big)^2

(:func:`~brainnet_cb.fitting.effective_connectivity_fit.root_real_parts`;
:math:`v_k, w_k` the root's right and left null vectors), each log
modulation within :data:`REACH` of where the round started (the first
order holds near it). Then it counts the growing roots again (the argument
principle), adds those found to the ones tracked (these linearised afresh
where they moved), and refits, until none grows. Without the trust region,
on ten regions whose refit had 20 growing roots, one refit moved the
weights so far that 74 roots grew; with it, four such networks (14 to 24
growing roots) became stable in 1 to 3 refits, fitting 0.857-0.974 where
the structural weights fit 0.760-0.883. On the Schaefer network two refits
left none growing; the result scored 0.949 held out (linear) and its
simulation with the delays stayed near the fixed point.

It is a repair, and it competes:
:func:`~brainnet_cb.fitting.effective_connectivity.choose_connection_shrinkage`
(given ``delays``, as :func:`~brainnet_cb.fit_working_point` gives them)
keeps it only where the candidate it would otherwise use fits the target
no better. On one of the ten-region networks the refused refit scaled back
toward the structural weights (x0.3) fitted 0.948 and the delay-stable
refit 0.921: there the scale-back is kept.
"""

from __future__ import annotations

import dataclasses

import jax.numpy as jnp
import numpy as np

from ..dynamics.delay_stability import unstable_root_count
from ..dynamics.delayed_roots import root_near, roots_right_of, same_root
from ..dynamics.fixed_points import FixedPoint, fixed_point_at
from ..dynamics.system import Network, in_float64, jacobian_parts
from ..errors import DynamicsError
from .effective_connectivity_fit import SLOWEST_DECAY, connected_pairs, fit_effective_connectivity, modulated_arrays
from .regional_noise import fc_corr, regional_slow_limit_fc

__all__ = ["fit_delay_stable", "fit_score", "DELAY_ROUNDS", "REACH"]

#: Most refits of :func:`fit_delay_stable`, each with the growing roots found added to those tracked.
DELAY_ROUNDS = 8
#: How far each log modulation may move in one refit of :func:`fit_delay_stable` (a trust region: the roots are
#: tracked to first order; e^0.2, a fifth of the weight).
REACH = 0.2


def fit_score(u, fixed_point, sigma, row, target, mask, global_signal=False) -> float:
    """The correlation of the slow-limit FC at ``fixed_point`` (regional noise factors :math:`e^u`) with ``target``
    over the finite entries of ``mask``; NaN where that FC is constant over them."""
    n = fixed_point.values.shape[1]
    iu = np.triu_indices(n, 1)
    y = np.asarray(target, dtype=float)[iu]
    use = np.asarray(mask, bool) & np.isfinite(y)
    fc = regional_slow_limit_fc(fixed_point, sigma, row, np.exp(u), global_signal)[iu]
    return fc_corr(fc[use], y[use])


@in_float64
def fit_delay_stable(network: Network, fixed_point: FixedPoint, parameter, sigma, row, target, mask, *,
                     noise_shrinkage, shrinkage, start, delays, global_signal=False, share=1.0, rounds=DELAY_ROUNDS):
    r"""The refit of :func:`~brainnet_cb.fitting.effective_connectivity_fit.fit_effective_connectivity` from
    ``start`` with no root of the delayed characteristic equation in the right half-plane (module doc).

    Parameters
    ----------
    network, fixed_point, parameter, sigma, row, target, mask, noise_shrinkage, shrinkage, global_signal, share
        As in :func:`~brainnet_cb.fitting.effective_connectivity_fit.fit_effective_connectivity`.
    start : array (n + n_pairs,)
        The raw parameters ``(u, e)`` of the refit whose roots are to move (its fifth return value).
    delays : array (n, n) or callable
        The tract delays (ms) ``[target, source]`` as simulated (rounded to the step); or a function of the
        :class:`FixedPoint` of the weights at hand returning them (None where that network cannot be run),
        where the step a network runs at depends on its Jacobian: each round counts and steers the roots with
        the delays of the weights it starts from, and the result has none growing with its own.
    rounds : int
        The most refits.

    Returns
    -------
    (u, E, values, FixedPoint, params, rounds) or None
        As :func:`~brainnet_cb.fitting.effective_connectivity_fit.fit_effective_connectivity`, and how many
        refits it took; None where ``start`` has no growing root, where growing roots are counted but none
        is found or some are left after ``rounds`` refits, where a refit finds no stable refinement, where
        ``delays`` gives None, or where the result fits ``target`` over ``mask`` no better than the
        structural weights.
    """
    n = fixed_point.values.shape[1]
    x = jnp.asarray(fixed_point.values, jnp.float64)
    pi, pj = (jnp.asarray(k) for k in connected_pairs(np.asarray(network.arrays.weights), share))
    given = None if callable(delays) else np.asarray(delays, dtype=float)
    tracked, params, fit = [], np.asarray(start, dtype=float), None

    def structural():  # the structural weights with the noise fitted alone
        return fit_effective_connectivity(network, fixed_point, parameter, sigma, row, target, mask,
                                          noise_shrinkage=noise_shrinkage, shrinkage=float("inf"),
                                          global_signal=global_signal, share=share)

    for done in range(rounds + 1):
        arrays = modulated_arrays(network.arrays, parameter, x, pi, pj, jnp.asarray(params[n:]))
        parts = jacobian_parts(x, arrays, network.port)
        tau = given
        if callable(delays):  # the delays of the weights at hand: their fixed point's step
            tau = delays(fit[3] if fit is not None else fixed_point_at(dataclasses.replace(network, arrays=arrays),
                                                                         x, "delay-stable refit"))
            if tau is None:
                return None
            tau = np.asarray(tau, dtype=float)
        try:
            growing = unstable_root_count(parts, arrays.weights, tau)
        except DynamicsError:  # a root on the imaginary axis
            growing = None
        if growing == 0:
            if fit is None:
                return None
            kept = structural()
            better = (fit_score(fit[0], fit[3], sigma, row, target, mask, global_signal)
                      > fit_score(kept[0], kept[3], sigma, row, target, mask, global_signal))
            return (*fit, done) if better else None
        if done == rounds:
            return None
        found, _ = roots_right_of(parts, arrays.weights, tau, 0.0, SLOWEST_DECAY)
        if not found:
            return None
        # the roots tracked before, linearised afresh where they moved to (dropped where Newton loses them)
        moved = [root_near(parts, arrays.weights, tau, t.value, t.right) for t in tracked]
        tracked = found + [r for r in moved if r is not None and not any(same_root(r, f) for f in found)]
        fit = fit_effective_connectivity(network, fixed_point, parameter, sigma, row, target, mask,
                                         noise_shrinkage=noise_shrinkage, shrinkage=shrinkage, start=params,
                                         global_signal=global_signal, share=share, delays=tau,
                                         roots=tuple(tracked), reach=REACH)
        if not fit[1].any():  # no stable refinement
            return None
        params = fit[4]
