r"""Per-region noise amplitudes fitted to an empirical FC in the slow limit of the linearised network.

Around a stable fixed point with Jacobian :math:`J`, the linearised network
driven by white noise of variance :math:`q_k` on state :math:`k` has the
zero-frequency covariance of its observed state (the FC of BOLD in the slow
limit, :func:`brainnet_cb.fitting.working_point_scan.slow_limit_fc`)

.. math::

   S(0) = B\,\mathrm{diag}(q)\,B^\top, \qquad B = [J^{-1}]_{r,\cdot},

the rows of :math:`J^{-1}` of the observed state. A regional factor
:math:`f_i = e^{u_i}` multiplying the noise variance of every noisy state of
region :math:`i` keeps :math:`S` linear in :math:`f`, so the FC
:math:`\mathrm{corr}(S(f))` and its gradient cost one matrix product. The
factors are fitted to maximise the Pearson correlation :math:`\rho` of the
upper triangles with the target FC, less the gap between their means and a
shrinkage of the spread of the factors,

.. math::

   \max_u\; \rho\big(FC(u),\,FC^\mathrm{emp}\big)
   - \big|\overline{FC(u)} - \overline{FC^\mathrm{emp}}\big|
   - \lambda\,\overline{(u - \bar u)^2},
   \qquad FC(u) = \mathrm{corr}\,S(e^u),

and :math:`\lambda` is chosen by two-fold cross-validation over the fitted
connections, or over the two halves of the series behind the FC where
their FCs are given (:func:`choose_shrinkage`, :func:`cross_validation_folds`). The mean term keeps the fit off a
nearly rank-one FC: by correlation alone, a few strongly driven regions
whose fluctuations spread through the whole network (mean FC far above the
data's) can score well and generalise badly. Correlations do not depend on a
common scale of :math:`f`; the fitted factors are scaled so that the
largest is 1 (no region is driven harder than the noise given).

Regions differ in how strongly they are driven (their input from outside the
network, their own fluctuations): a homogeneous noise cannot express that,
and the slow-limit FC of a network whose every region receives the same
noise is a smooth function of the connectome alone. Fitting the input
variances beside the network is the noise half of the MOU model of
Gilson et al. (2016); regionally heterogeneous parameters raise the fit of
whole-brain models beyond the homogeneous ceiling (Kong et al. 2021).

References
----------
Gilson, M. et al. (2016). Estimation of directed effective connectivity from
fMRI functional connectivity hints at asymmetries of cortical connectome.
PLoS Comput. Biol. 12, e1004762.
Kong, X. et al. (2021). Sensory-motor cortices shape functional connectivity
dynamics in the human brain. Nat. Commun. 12, 6373.
"""

from __future__ import annotations

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np
import scipy.optimize

from ..analysis.global_signal import remove_global_covariance
from ..errors import FitError

__all__ = ["RegionalNoise", "slow_limit_response", "regional_fc", "regional_slow_limit_fc", "fc_corr", "misfit",
           "spread", "fit_regional_noise", "cross_validation_folds", "choose_shrinkage", "DEFAULT_SHRINKAGES",
           "FOLD_SHARE"]

#: Shrinkages :math:`\lambda` of the spread of the log factors tried by :func:`choose_shrinkage`: from none
#: to a nearly uniform noise.
DEFAULT_SHRINKAGES = (0.0, 1e-3, 1e-2, 1e-1, 1.0)
#: Width (in units of FC) below which the gap of the means is smoothed: |d| ~ sqrt(d^2 + 0.01^2).
_SMOOTH = 0.01
#: Bounds of the log variance factors (a factor e^16 ~ 1e7 between the most and least driven region).
LOG_BOUND = 8.0


@dataclasses.dataclass(frozen=True)
class RegionalNoise:
    """Fitted variance factors of the noise of every region, and how they were chosen.

    Attributes
    ----------
    factors : ndarray (n,)
        :math:`f_i` in (0, 1], the largest 1: the noise variance of region
        ``i`` relative to the noise given (amplitudes scale by
        :math:`\\sqrt{f_i}`).
    shrinkage : float
        The :math:`\\lambda` used.
    cv_corr : dict
        Cross-validated fit score (mean over the two folds) per shrinkage tried.
    """

    factors: np.ndarray
    shrinkage: float
    cv_corr: dict

    @property
    def amplitude_scale(self) -> np.ndarray:
        """:math:`\\sqrt{f_i}`: the factor of every noise amplitude of region ``i``."""
        return np.sqrt(self.factors)

    def apply(self, noise, n):
        """``noise`` (an ``Additive``) with every amplitude of region ``i`` scaled by :math:`\\sqrt{f_i}`."""
        scale = self.amplitude_scale
        return noise.replace_sigma(**{s: np.broadcast_to(np.asarray(v, dtype=float), (n,)) * scale
                                      for s, v in noise.sigma.items()})


def slow_limit_response(fixed_point, sigma, row):
    """``B`` (the rows of :math:`J^{-1}` of the observed state, ``(n, n_s n)``) and the variances ``q`` (``n_s n``).

    Parameters as in :func:`brainnet_cb.fitting.working_point_scan.slow_limit_fc`.
    """
    J = np.asarray(fixed_point.jacobian, dtype=float)
    n = fixed_point.values.shape[1]
    return np.linalg.inv(J)[row * n:(row + 1) * n], np.asarray(sigma, dtype=float).reshape(-1) ** 2


def regional_fc(B, q, factors, global_signal=False):
    r"""The slow-limit FC :math:`\mathrm{corr}(B\,\mathrm{diag}(q \cdot f)\,B^\top)` for regional factors ``f`` (n,).

    ``global_signal=True``: of the covariance after global signal regression
    (:func:`~brainnet_cb.analysis.global_signal.remove_global_covariance`).
    """
    n = B.shape[0]
    S = (B * (q * np.tile(np.asarray(factors, dtype=float), q.size // n))) @ B.T
    if global_signal:
        S = remove_global_covariance(S)
    d = np.sqrt(np.clip(np.diag(S), 1e-300, None))
    return S / np.outer(d, d)


def regional_slow_limit_fc(fixed_point, sigma, row, factors, global_signal=False):
    """The slow-limit FC at ``fixed_point`` with the noise variance of region ``i`` scaled by ``factors[i]``:
    :func:`regional_fc` of :func:`slow_limit_response`."""
    return regional_fc(*slow_limit_response(fixed_point, sigma, row), factors, global_signal)


def fc_corr(x, y) -> float:
    """Pearson correlation of the FC entries ``x`` (model) with ``y`` (target); NaN where ``x`` is constant (no
    correlation is defined; ``np.corrcoef`` would warn and give NaN)."""
    return float(np.corrcoef(x, y)[0, 1]) if np.ptp(x) > 0 else float("nan")


def misfit(u, B, q, target, weights, global_signal=False):
    """Minus the weighted Pearson correlation of the upper triangles of :math:`FC(u)` and ``target``, plus the gap
    of their means (traceable by JAX; the loss of the module doc without its shrinkage); ``global_signal`` as in
    :func:`regional_fc`."""
    n = B.shape[0]
    S = (B * (q * jnp.tile(jnp.exp(u), q.size // n))) @ B.T
    if global_signal:
        S = remove_global_covariance(S, jnp)
    d = jnp.sqrt(jnp.diag(S))
    iu = jnp.triu_indices(n, 1)
    x = (S / jnp.outer(d, d))[iu]
    mx, my = weights @ x, weights @ target
    x, y = x - mx, target - my
    rho = (weights * x) @ y / jnp.sqrt(((weights * x) @ x) * ((weights * y) @ y))
    gap = jnp.sqrt((mx - my) ** 2 + _SMOOTH ** 2)  # |mx - my|, smoothed within 0.01 for the quasi-Newton steps
    return -rho + gap


def spread(u):
    """The variance of the log factors, :math:`\\overline{(u - \bar u)^2}` (what the shrinkage weighs)."""
    return jnp.mean((u - jnp.mean(u)) ** 2)


def _loss(u, B, q, target, weights, shrinkage, global_signal=False):
    """:func:`misfit` plus the shrinkage of the spread of ``u``."""
    return misfit(u, B, q, target, weights, global_signal) + shrinkage * spread(u)


_loss_and_grad = jax.jit(jax.value_and_grad(_loss), static_argnames=("global_signal",))


def fit_regional_noise(B, q, target, mask, shrinkage, global_signal=False) -> np.ndarray:
    r"""Log variance factors :math:`u` (n,) that maximise the fit to ``target`` over ``mask`` (module doc), largest 0.

    Parameters
    ----------
    B, q : from :func:`slow_limit_response`
    target : array (n, n)
        The FC to fit.
    mask : array of bool (n (n - 1) / 2,)
        The upper-triangle entries (``numpy.triu_indices(n, 1)`` order) fitted;
        non-finite target entries are left out.
    shrinkage : float
        :math:`\lambda \ge 0`.
    global_signal : bool
        Fit the FC after global signal regression (:func:`regional_fc`).

    Returns
    -------
    ndarray (n,)
        Starts from the homogeneous noise (``u = 0``); L-BFGS-B within
        :math:`|u| \le 8` (before the shift that makes the largest 0),
        float64 gradients from JAX.

    Raises
    ------
    ValueError
        ``mask`` leaves no finite target entry to fit.
    """
    n = B.shape[0]
    y = np.asarray(target, dtype=float)[np.triu_indices(n, 1)]
    use = np.asarray(mask, bool) & np.isfinite(y)
    if not use.any():
        raise FitError("mask leaves no finite entry of target to fit the regional noise to.")
    w = use / use.sum()
    with jax.enable_x64(True):
        args = (jnp.asarray(B), jnp.asarray(q), jnp.asarray(np.where(use, y, 0.0)), jnp.asarray(w),
                jnp.asarray(float(shrinkage)))

        def fun(u):
            value, grad = _loss_and_grad(jnp.asarray(u), *args, global_signal=bool(global_signal))
            return float(value), np.asarray(grad, dtype=float)

        res = scipy.optimize.minimize(fun, np.zeros(n), jac=True, method="L-BFGS-B",
                                      bounds=[(-LOG_BOUND, LOG_BOUND)] * n)
    return res.x - np.max(res.x)


#: The share of the fitted entries that each fold of :func:`two_folds` fits. A fit's data term is a mean over
#: the entries fitted while its shrinkage term is not, so the connection weights' shrinkage chosen on the folds
#: is refitted on all the entries times this share
#: (:func:`~brainnet_cb.fitting.effective_connectivity.choose_connection_shrinkage`): the prior weighs against
#: the data as it did on a fold (ridge regression's best penalty on a mean loss falls as one over the number of
#: entries). The regional noise's own shrinkage is refitted as chosen (halving it did not help). On a time split
#: (:func:`cross_validation_folds` with ``halves``) each fold fits every entry of the FC of half the series,
#: whose sampling variance is about twice the whole FC's: the same share (ridge regression's best penalty grows
#: with the noise variance). Measured on four real FCs, linear stage, held out, against refitting as chosen:
#: +0.004 on average (hcp80's fit group 0.813 -> 0.818, a gw subject 0.927 -> 0.931, a cuBNM subject
#: 0.716 -> 0.718, an hcp80 subject 0.819 both).
FOLD_SHARE = 0.5


def two_folds(idx, size, key):
    """``[(train, held), (held, train)]``: boolean masks of length ``size`` splitting the entries ``idx`` in two at
    random (seeded by ``key``)."""
    fold = np.random.default_rng(key).permutation(idx.size) % 2
    splits = []
    for f in (0, 1):
        train = np.zeros(size, bool)
        train[idx[fold == f]] = True
        held = np.zeros(size, bool)
        held[idx[fold != f]] = True
        splits.append((train, held))
    return splits


def cross_validation_folds(target, mask, key=0, halves=None):
    """The two folds of the cross-validated shrinkages: ``[(fit_target, fit_mask, score_target, score_mask)] * 2``.

    Without ``halves``: the finite entries of ``target`` over ``mask`` (the
    upper triangle) split at random in two (:func:`two_folds`, seeded by
    ``key``), each fitted and the other scored, on the same FC. With
    ``halves = (a, b)``, the FCs of the first and the second half of the
    series behind ``target`` (a time split): ``a`` fitted and ``b`` scored,
    and the other way round, over the entries of ``mask`` finite in all
    three. The pairs' split shares the sampling error of the one FC, which
    is organised by region (a region that correlated with the others by
    chance does so on many of its pairs) and which per-region parameters
    can fit; the halves' errors are independent.
    """
    n = np.asarray(target).shape[0]
    iu = np.triu_indices(n, 1)
    mask = np.asarray(mask, bool) & np.isfinite(np.asarray(target, dtype=float)[iu])
    if halves is None:
        return [(target, train, target, held) for train, held in two_folds(np.nonzero(mask)[0], mask.size, key)]
    a, b = halves
    mask = mask & np.isfinite(np.asarray(a, dtype=float)[iu]) & np.isfinite(np.asarray(b, dtype=float)[iu])
    return [(a, mask, b, mask), (b, mask, a, mask)]


def choose_shrinkage(B, q, target, mask, key=0, shrinkages=DEFAULT_SHRINKAGES, global_signal=False,
                     halves=None) -> RegionalNoise:
    """Regional noise fitted to ``target`` over ``mask``, its shrinkage chosen by two-fold cross-validation.

    The fitted connections are split at random (seeded by ``key``) into two
    halves; for each shrinkage the factors are fitted on one half and scored
    (Pearson correlation) on the other, both ways. The shrinkage of the best
    mean score (on a tie, the larger) is refitted on all of ``mask``. With
    fewer usable fitted connections than twice the number of regions (fewer
    than 5 regions with every connection fitted, 9 with half of them) there
    is too little to validate a factor per region: the noise stays uniform
    (factors 1, shrinkage ``inf``). ``global_signal`` as in :func:`regional_fc`.

    ``halves``: the FCs of the two halves of the series behind ``target``;
    the folds are then a time split (:func:`cross_validation_folds`): each
    half's FC fitted and the other's scored.

    Returns
    -------
    RegionalNoise
    """
    n = B.shape[0]
    iu = np.triu_indices(n, 1)
    y = np.asarray(target, dtype=float)[iu]
    mask = np.asarray(mask, bool) & np.isfinite(y)
    idx = np.nonzero(mask)[0]
    if idx.size < 2 * n:
        return RegionalNoise(np.ones(n), float("inf"), {})
    folds = cross_validation_folds(target, mask, key, halves)
    cv = {}
    for lam in shrinkages:
        scores = []
        for fit_target, fit_mask, score_target, score_mask in folds:
            x = regional_fc(B, q, np.exp(fit_regional_noise(B, q, fit_target, fit_mask, lam, global_signal)),
                            global_signal)[iu]
            scores.append(fc_corr(x[score_mask], np.asarray(score_target, dtype=float)[iu][score_mask]))
        cv[float(lam)] = float(np.mean(scores))
    best = max(cv, key=lambda lam: (np.nan_to_num(cv[lam], nan=-2.0), lam))
    return RegionalNoise(np.exp(fit_regional_noise(B, q, target, mask, best, global_signal)), best, cv)
