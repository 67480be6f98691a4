r"""One refinement of the connection weights at a given shrinkage: :func:`fit_effective_connectivity`.

The weights of the connected pairs are scaled by :math:`e^{e_{ij}}` (``e``
symmetric), the excitability of every region moved so that the fixed point
is held, and the log modulations fitted jointly with the regional noise by
L-BFGS-B on the slow-limit FC; a step that changes the sign of the
Jacobian's determinant is refused. A fit that stalls against that wall
(more than :data:`STALLED_SHARE` of its evaluations refused) is refitted
from the same start with a smooth barrier on the Jacobian's slow modes
(:func:`wall_penalty`). The equations, the score and the reasons
are in the docstring of :mod:`brainnet_cb.fitting.effective_connectivity`,
which chooses the shrinkage and the share of the pairs by cross-validation
(:func:`~brainnet_cb.fitting.effective_connectivity.choose_connection_shrinkage`).
"""

from __future__ import annotations

import dataclasses
from functools import cache, partial

import jax
import jax.numpy as jnp
import numpy as np
import scipy.linalg
import scipy.optimize
import scipy.sparse.linalg

from ..dynamics.fixed_points import ACCEPT, FixedPoint, fixed_point_at
from ..dynamics.structured import structured_inverse_rows_slogdet
from ..dynamics.system import Network, assemble_jacobian, in_float64, jacobian_parts
from ..errors import FitError
from .regional_noise import LOG_BOUND, fit_regional_noise, misfit, slow_limit_response, spread

__all__ = ["fit_effective_connectivity", "check_input_parameter", "SLOWEST_DECAY"]

#: Bound of every log modulation: a connection is scaled by at most e^4 ~ 55 either way.
_MODULATION_BOUND = 4.0
#: Most L-BFGS-B iterations of one fit (80 regions converge in 300-2000).
_MAX_ITERATIONS = 2000
#: Value returned for a refused step (a destabilised fixed point): the line search backs off.
_REFUSED = 1e3
#: Every mode of a refinement decays faster than this (1/ms; 2 pi x 1 Hz): the slow limit's validity (module doc).
SLOWEST_DECAY = 2 * np.pi * 1e-3
#: Weight of the penalty on tracked delayed roots right of -SLOWEST_DECAY (:func:`_loss`): a root at the
#: imaginary axis costs as much as the whole fit score.
ROOT_PENALTY = 1.0
#: A fit stalled at the wall of stability when more than this share of its evaluations was refused (a fit that
#: does not meet the wall refuses at most a few in 10,000; one that stalls, 5-30 %).
STALLED_SHARE = 0.01
#: Width of the barrier of a stalled fit's refit, in units of :data:`SLOWEST_DECAY`: modes of the delay-free
#: Jacobian right of :math:`-5\kappa` are pushed left (:func:`wall_penalty`).
WALL_BAND = 5.0
#: Trial steps of a line search in a refit with the barrier (scipy's default 20 elsewhere): such a refit starts
#: with its slowest mode at the barrier's edge, and backing off from L-BFGS-B's first trial step (of length 1/|g|)
#: to one that does not cross the wall took more than 20 (GSR subject: 7 of 21 refits stopped within one
#: iteration, 0.687 held out; 1 of 20 with 50, 0.713).
_BARRIER_LINE_SEARCH = 50
#: L-BFGS-B's relative reduction of the loss below which a refit with the barrier stops (scipy's ``ftol``; its
#: default 2.2e-9 elsewhere): a refit that starts beside the wall backs off from its first trial steps to one whose
#: reduction passes that test, and stopped there (Schaefer 100 regions after GSR: 7 of 19 refits within three
#: iterations, 0.865 held out; without the test 1 of 21, 0.929).
_BARRIER_FTOL = 1e-15
#: Tracked modes handed to :func:`wall_penalty` are padded to a multiple of this (one compilation per multiple).
_MODE_BLOCK = 8
#: The barrier's modes lie within this radius of the origin (1/ms; ten barrier widths, 2 pi x 50 Hz): the slow
#: modes, a disc that shift-invert Arnoldi can be sure to have searched (:func:`slow_eigenvalues`).
SLOW_RADIUS = 10 * WALL_BAND * SLOWEST_DECAY
#: Jacobians of at most this size have their eigenvalues computed whole (LAPACK); larger ones by shift-invert
#: Arnoldi (ARPACK) about the band (:func:`slow_modes`, one thread: 128 x 128 1.0 against 3.6 ms, 160 x 160 1.3
#: against 6.0 ms, 200 x 200 2.3 against 9.2 ms, 800 x 800 33-66 against 263-304 ms).
_DENSE_SPECTRUM = 64
#: Relative accuracy of the Arnoldi eigenvalues (of :math:`(J - sI)^{-1}`): enough to tell which lie in the disc
#: (each is then refined, :func:`slow_modes`); at machine precision ARPACK took 3-8 times longer on the clustered
#: fast modes of these networks.
_ARNOLDI_TOLERANCE = 1e-3


def usable_fixed_point(fp: FixedPoint) -> bool:
    """Whether a refinement's fixed point holds (Newton residual) with every mode faster than :data:`SLOWEST_DECAY`."""
    return bool(fp.max_real < -SLOWEST_DECAY and fp.residual <= ACCEPT)


def connected_pairs(weights, share=1.0):
    """Upper-triangle pairs ``(i, j)`` joined by a connection either way; of them, where ``share < 1``, those
    whose :math:`W_{ij} + W_{ji}` is at or above its ``1 - share`` quantile over the connected pairs."""
    w = np.asarray(weights, dtype=float)
    i, j = np.triu_indices(w.shape[0], 1)
    both = (w + w.T)[i, j]
    on = both > 0
    if share < 1 and on.any():
        on &= both >= np.quantile(both[on], 1.0 - share)
    return i[on], j[on]


def scanned_values(network, parameter):
    """The model's ``parameter`` in every region, ``(n,)``, as the network was built."""
    return np.broadcast_to(np.asarray(getattr(network.arrays.model, parameter), dtype=float), (network.n,)).copy()


def _input(arrays, x):
    """The coupling input of every region at the state ``x`` (``(n,)``)."""
    sent = arrays.model.sent(x)
    return arrays.coupling.post(arrays.weights @ sent, sent, arrays.strength)


def modulated_arrays(arrays, parameter, x, pi, pj, e):
    r"""``arrays`` with :math:`W \circ e^{E}` (``E`` symmetric from ``e``) and the parameter that holds ``x``."""
    weights = arrays.weights
    n = weights.shape[0]
    E = jnp.zeros((n, n), weights.dtype).at[pi, pj].set(e)
    w = weights * jnp.exp(E + E.T)
    new = arrays._replace(weights=w, strength=jnp.sum(w, axis=1))
    value = getattr(arrays.model, parameter) - (_input(new, x) - _input(arrays, x))
    return new._replace(model=dataclasses.replace(arrays.model, **{parameter: value}))


def root_real_parts(parts, weights, delays, roots):
    r"""The real parts of tracked roots of the delayed characteristic equation, to first order, for the network of
    ``parts`` and ``weights`` (traceable by JAX).

    :math:`\mathrm{Re}\,\big(\lambda - w^H T(\lambda)\, v / s\big)` for each root :math:`\lambda` with its null
    vectors :math:`v, w` and slope :math:`s = w^H T'(\lambda) v` at the network where it was found
    (:class:`~brainnet_cb.dynamics.delayed_roots.DelayedRoot`), :math:`T` the characteristic matrix of the network
    given (:mod:`brainnet_cb.dynamics.delay_stability`). ``roots`` stacks them: ``(values (k,), right (k, N),
    left (k, N), slopes (k,))``; one root at a time (:func:`jax.lax.map`), so that the memory holds one
    :math:`n \times n` matrix of :math:`e^{-\lambda\tau}` rather than ``k``.
    """
    ns, _, n = parts.local.shape

    def one(root):
        lam, v, w, slope = root
        v, w = v.reshape(ns, n), jnp.conj(w.reshape(ns, n))
        local = jnp.einsum("si,sti,ti->", w, parts.local, v)
        into, sent = jnp.sum(w * parts.port, axis=0), jnp.sum(parts.sent * v, axis=0)
        coupled = into @ ((parts.a[:, None] * weights * jnp.exp(-lam * delays)) @ sent) + jnp.sum(into * parts.b * sent)
        return jnp.real(lam - (lam * jnp.sum(w * v) - local - coupled) / slope)

    return jax.lax.map(one, roots)


def _right_of_penalty(re, width):
    r""":data:`ROOT_PENALTY` :math:`\sum_k \max(0,\, 1 + \mathrm{Re}\,\lambda_k / w)^2` of the real parts ``re``:
    zero for modes left of :math:`-w`, smooth, one :data:`ROOT_PENALTY` for a mode at the imaginary axis."""
    return ROOT_PENALTY * jnp.sum(jax.nn.relu(1.0 + re / width) ** 2)


@partial(jax.jit, static_argnames=("parameter", "port", "row", "global_signal"))
def _loss(params, x, arrays, parameter, port, row, pi, pj, q, target, w, lam_u, lam_e, global_signal=False,
          steer=None):
    r"""Minus the fit of :func:`fit_effective_connectivity` (module doc) at ``params = (u, e)``; ``sign det J``.

    ``steer``: ``(delays, roots)``, the tracked roots of the delayed equation
    (:func:`root_real_parts`) and their penalty, :data:`ROOT_PENALTY`
    :math:`\sum_k \max(0,\, 1 + \mathrm{Re}\,\lambda_k / \kappa)^2`,
    :math:`\kappa` = :data:`SLOWEST_DECAY`.
    """
    n = x.shape[1]
    u, e = params[:n], params[n:]
    new = modulated_arrays(arrays, parameter, x, pi, pj, e)
    parts = jacobian_parts(x, new, port)
    # the rows of J^{-1} and sign det J from one n x n factorisation (dense where it fails its check)
    B, sign, _ = structured_inverse_rows_slogdet(parts, new.weights, row)
    loss = misfit(u, B, q, target, w, global_signal) + lam_u * spread(u) + lam_e * (jnp.mean(e**2) if e.size else 0.0)
    if steer is not None:
        re = root_real_parts(parts, new.weights, *steer)
        loss = loss + _right_of_penalty(re, SLOWEST_DECAY)
    return loss, sign


_loss_and_grad = jax.jit(jax.value_and_grad(_loss, has_aux=True),
                         static_argnames=("parameter", "port", "row", "global_signal"))


def wall_penalty(e, x, arrays, parameter, port, pi, pj, modes):
    r""":data:`ROOT_PENALTY` :math:`\sum_k \max(0,\, 1 + \mathrm{Re}\,\lambda_k / (b\kappa))^2` over the given modes
    of the delay-free Jacobian at the log modulations ``e``, :math:`b` = :data:`WALL_BAND`, :math:`\kappa` =
    :data:`SLOWEST_DECAY` (traceable by JAX).

    ``modes`` stacks eigenvalues with their right and left eigenvectors and
    :math:`w^H v` as the roots of :func:`root_real_parts` (zero delays),
    found at ``e`` itself: there the first-order real parts are the
    eigenvalues' own, and their gradient the eigenvalue's derivative
    :math:`\partial\lambda = w^H \partial J\, v / w^H v`. Padding modes
    (value :math:`-10^6`, zero vectors) add nothing.
    """
    new = modulated_arrays(arrays, parameter, x, pi, pj, e)
    parts = jacobian_parts(x, new, port)
    re = root_real_parts(parts, new.weights, jnp.zeros_like(new.weights), modes)
    return _right_of_penalty(re, WALL_BAND * SLOWEST_DECAY)


_wall_penalty_and_grad = jax.jit(jax.value_and_grad(wall_penalty), static_argnames=("parameter", "port"))


@partial(jax.jit, static_argnames=("parameter", "port"))
def _jacobian_at(e, x, arrays, parameter, port, pi, pj):
    """The delay-free Jacobian at the log modulations ``e``, the state ``x`` held."""
    new = modulated_arrays(arrays, parameter, x, pi, pj, e)
    return assemble_jacobian(jacobian_parts(x, new, port), new.weights)


def _null_vectors(J, value):
    """Unit right and left null vectors of ``J - value I`` (``value`` an eigenvalue of ``J``, or nearer one than
    any other: :func:`slow_eigenvalues`) by two steps of inverse iteration, shifted off the eigenvalue by 1e-10 of
    its size so that the factorisation stays finite."""
    shifted = J - (value + 1e-10 * max(1.0, abs(value))) * np.eye(J.shape[0])
    lu = scipy.linalg.lu_factor(shifted, check_finite=False)
    vectors = []
    for trans in (0, 2):  # (J - lambda I) v = 0 and (J - lambda I)^H w = 0
        x = np.ones(J.shape[0], complex)
        for _ in range(2):
            x = scipy.linalg.lu_solve(lu, x, trans=trans, check_finite=False)
            x /= np.linalg.norm(x)
        vectors.append(x)
    return vectors


def slow_eigenvalues(J):
    r"""Eigenvalues of ``J`` that include every one within :data:`SLOW_RADIUS` of the origin.

    Up to :data:`_DENSE_SPECTRUM` rows, all of them (LAPACK). Above, those
    nearest the shift :math:`s = b\kappa` (right of the barrier's band) by
    shift-invert Arnoldi (ARPACK on :math:`(J - sI)^{-1}` from one LU
    factorisation), asking for more until the farthest found lies at least
    :data:`SLOW_RADIUS` + :math:`s` from the shift: every eigenvalue within
    :data:`SLOW_RADIUS` of the origin is then among them, each to a relative
    :data:`_ARNOLDI_TOLERANCE` of :math:`1/(\lambda - s)`. Where Arnoldi does
    not converge, or would need a quarter of the spectrum, all of them.
    """
    m = J.shape[0]
    if m > _DENSE_SPECTRUM:
        shift = WALL_BAND * SLOWEST_DECAY
        lu = scipy.linalg.lu_factor(J - shift * np.eye(m), check_finite=False)
        inverse = scipy.sparse.linalg.LinearOperator(
            (m, m), matvec=lambda x: scipy.linalg.lu_solve(lu, x, check_finite=False), dtype=float)
        # a seeded start: the same eigenvalues at the same J, and no mode missed for being orthogonal to it (a
        # uniform start is orthogonal to every mode antisymmetric between mirror-symmetric hemispheres)
        start = np.random.default_rng(0).standard_normal(m)
        k = _MODE_BLOCK
        while k < m // 4:
            try:
                mu = scipy.sparse.linalg.eigs(inverse, k=k, which="LM", v0=start,
                                              tol=_ARNOLDI_TOLERANCE, return_eigenvectors=False)
            except scipy.sparse.linalg.ArpackError:
                break
            lam = shift + 1.0 / mu
            if np.max(np.abs(lam - shift)) >= SLOW_RADIUS + shift:
                return lam
            k *= 2
    return scipy.linalg.eigvals(J, check_finite=False)


def slow_modes(J):
    r"""The modes of ``J`` right of :math:`-b\kappa` (:func:`wall_penalty`) within :data:`SLOW_RADIUS` of the
    origin, padded to a multiple of :data:`_MODE_BLOCK`.

    Their eigenvalues from :func:`slow_eigenvalues`; the null vectors of
    those in the band alone (:func:`_null_vectors`: an eigendecomposition
    with every vector costs ~1.5 times the eigenvalues), and each eigenvalue
    refined to the two-sided Rayleigh quotient :math:`w^H J v / w^H v` of
    its vectors (exact to second order in their error).
    """
    lam = slow_eigenvalues(J)
    near = lam[(lam.real > -WALL_BAND * SLOWEST_DECAY) & (np.abs(lam) <= SLOW_RADIUS)]
    size = -(-near.size // _MODE_BLOCK) * _MODE_BLOCK
    values = np.full(size, -1e6, complex)
    rights, lefts = np.zeros((size, J.shape[0]), complex), np.zeros((size, J.shape[0]), complex)
    slopes = np.ones(size, complex)
    for k, value in enumerate(near):
        rights[k], lefts[k] = _null_vectors(J, value)
        slopes[k] = np.vdot(lefts[k], rights[k])
        values[k] = np.vdot(lefts[k], J @ rights[k]) / slopes[k]
    return values, rights, lefts, slopes


class Objective:
    r"""The loss for scipy, refusing steps that destabilise the fixed point.

    ``spectrum_each_step``: also refuse steps that put a mode right of
    :math:`-\kappa` (from the whole spectrum); ``barrier``: add
    :func:`wall_penalty` instead (over :func:`slow_modes` at each step: a
    refusal at :math:`-\kappa` beside the barrier stalled the line search,
    GSR subject 0.658 against 0.687 held out). ``calls`` and ``refused``
    count the evaluations.
    """

    def __init__(self, network, fixed_point, parameter, row, pairs, q, target, w, lam_u, lam_e, spectrum_each_step,
                 global_signal=False, delays=None, roots=(), barrier=False):
        self.network, self.parameter, self.row = network, parameter, row
        self.global_signal = bool(global_signal)
        self.pi, self.pj = (jnp.asarray(k) for k in pairs)
        self.x = jnp.asarray(fixed_point.values, jnp.float64)
        self.sign = float(np.linalg.slogdet(np.asarray(fixed_point.jacobian))[0])
        self.args = (jnp.asarray(q), jnp.asarray(target), jnp.asarray(w), jnp.asarray(float(lam_u)),
                     jnp.asarray(float(lam_e)))
        self.spectrum_each_step = spectrum_each_step
        self.steer = None if not roots else (jnp.asarray(delays, jnp.float64), tuple(
            jnp.asarray(np.array([getattr(r, k) for r in roots])) for k in ("value", "right", "left", "slope")))
        self.barrier = bool(barrier)
        self.calls = self.refused = 0

    def arrays(self, e):
        return modulated_arrays(self.network.arrays, self.parameter, self.x, self.pi, self.pj, jnp.asarray(e))

    def __call__(self, p):
        self.calls += 1
        value, grad = self._evaluate(p)
        self.refused += value == _REFUSED
        return value, grad

    def _evaluate(self, p):
        # p goes in as the NumPy array scipy gives (jit puts it on the device: jnp.asarray took ~60 us of each call)
        (value, sign), grad = _loss_and_grad(np.asarray(p, dtype=float), self.x, self.network.arrays, self.parameter,
                                             self.network.port, self.row, self.pi, self.pj, *self.args,
                                             global_signal=self.global_signal, steer=self.steer)
        value = float(value)
        if float(sign) != self.sign or not np.isfinite(value):
            return _REFUSED, np.zeros_like(p)
        if self.barrier:
            return self._with_barrier(p, value, np.array(grad, dtype=float))
        if self.spectrum_each_step and np.max(np.linalg.eigvals(self.jacobian(p)).real) >= -SLOWEST_DECAY:
            return _REFUSED, np.zeros_like(p)
        return value, np.asarray(grad, dtype=float)

    def jacobian(self, p):
        """The delay-free Jacobian at the parameters ``p`` (NumPy)."""
        n = self.x.shape[1]
        return np.asarray(_jacobian_at(np.asarray(p[n:], dtype=float), self.x, self.network.arrays, self.parameter,
                                       self.network.port, self.pi, self.pj))

    def _with_barrier(self, p, value, grad):
        n = self.x.shape[1]
        modes = slow_modes(self.jacobian(p))
        if modes[0].size:  # a mode in the band
            penalty, g = _wall_penalty_and_grad(np.asarray(p[n:], dtype=float), self.x, self.network.arrays,
                                                self.parameter, self.network.port, self.pi, self.pj, modes)
            value, grad[n:] = value + float(penalty), grad[n:] + np.asarray(g)
        return value, grad


@in_float64
def check_input_parameter(network: Network, parameter, x) -> None:
    """Raise FitError unless ``parameter`` adds to the coupling input of the model at the state ``x`` (and the
    network is in float64).

    The refinement holds the fixed point by moving ``parameter`` against the
    change of each region's input; that needs
    :math:`f(x;\\,\\theta + \\delta,\\, c) = f(x;\\,\\theta,\\, c + \\delta)`.
    """
    arrays = network.arrays
    model = arrays.model
    dtype = jnp.asarray(arrays.weights).dtype
    if dtype != jnp.float64:  # float32 fits refuse every step and keep the tracts
        raise FitError(f"the network's weights are {dtype} (made by JAX in float32, e.g. "
                       "a Network unpickled without float64), but the refinement solves in float64; build it with "
                       "build_network, or load it after jax.config.update('jax_enable_x64', True).")
    if not hasattr(model, parameter):
        raise FitError(f"{type(model).__name__} has no parameter {parameter!r}.")
    x = jnp.asarray(x, jnp.float64)
    c = _input(arrays, x)
    shifted = dataclasses.replace(model, **{parameter: getattr(model, parameter) + 0.25})
    a = np.asarray(shifted.dfun(x, {network.port: c}))
    b = np.asarray(model.dfun(x, {network.port: c + 0.25}))
    if not np.allclose(a, b, rtol=1e-12, atol=1e-12):
        raise FitError(f"{type(model).__name__}'s {parameter!r} does not add to its coupling input "
                         f"({network.port!r}), so it cannot hold the fixed point while the weights change; "
                         "scan a parameter that does (eta of CoombesByrne or MontbrioPazoRoxin), or keep the "
                         "structural weights.")


@in_float64
def fit_effective_connectivity(network: Network, fixed_point: FixedPoint, parameter, sigma, row, target, mask, *,
                               noise_shrinkage, shrinkage, start=None, global_signal=False, share=1.0, delays=None,
                               roots=(), reach=None):
    r"""Log noise factors ``u`` (n,), log modulations ``E`` (n, n) and excitabilities of the best fit (module doc).

    Parameters
    ----------
    network : Network
        :func:`brainnet_cb.dynamics.system.build_network` at the coupling of
        the point (``with_strength(G)``).
    fixed_point : FixedPoint
        Its stable fixed point with the structural weights (held).
    parameter : str
        The model's parameter that adds to the coupling input (``"eta"``;
        :func:`check_input_parameter`).
    sigma : array, shape (n_s, n)
        Noise amplitude of every state of every region (0 where none).
    row : int
        Index of the observed (sent) state.
    target : array (n, n)
        The FC to fit.
    mask : array of bool (n (n - 1) / 2,)
        The upper-triangle entries fitted; non-finite target entries are left out.
    noise_shrinkage : float or None
        :math:`\lambda_u`; ``None``: the same noise in every region
        (:math:`u = 0`, not fitted).
    shrinkage : float
        :math:`\lambda_e` (``inf``: the weights kept, the noise alone fitted).
    start : array (n + n_pairs,), optional
        Initial ``(u, e)`` (a fit at a neighbouring shrinkage); default:
        ``u`` of the noise fitted alone and ``e = 0``.
    global_signal : bool
        Fit the FC after global signal regression
        (:func:`~brainnet_cb.fitting.regional_noise.regional_fc`).
    share : float in (0, 1]
        The share of the connected pairs modulated: the strongest by
        :math:`W_{ij} + W_{ji}` (at or above its :math:`1 - \text{share}`
        quantile); the others keep their structural weights. 1: all of them.
    delays : array (n, n), optional
        The tract delays (ms) ``[target, source]`` as simulated; with ``roots``.
    roots : sequence of DelayedRoot
        Roots of the delayed characteristic equation whose first-order real
        parts (:func:`root_real_parts`) are kept left of :math:`-\kappa`
        by a penalty (:func:`_loss`;
        :func:`~brainnet_cb.fitting.effective_connectivity_delays.fit_delay_stable`
        tracks them). Empty: the fit of the module doc.
    reach : float, optional
        Where given, each log modulation stays within ``reach`` of its value
        in ``start`` (a trust region), within the global bound.

    Returns
    -------
    (u, E, values, FixedPoint, params)
        ``u`` shifted so that its largest is 0, ``E`` symmetric, the
        parameter of every region, the fixed point (its state as given, its
        Jacobian for the new weights; stable) and the raw parameters. Where
        no stable refinement is found, the structural weights (``E = 0``).

    Raises
    ------
    FitError
        ``mask`` leaves no finite entry of ``target`` to fit, ``parameter``
        does not add to the coupling input or the network is not in float64
        (:func:`check_input_parameter`), ``share`` is not in (0, 1], or
        ``roots`` are given without ``delays`` of shape (n, n).
    """
    if not 0.0 < share <= 1.0:
        raise FitError(f"share must be a share of the connected pairs in (0, 1]; got {share!r}.")
    check_input_parameter(network, parameter, fixed_point.values)
    n = fixed_point.values.shape[1]
    iu = np.triu_indices(n, 1)
    y = np.asarray(target, dtype=float)[iu]
    use = np.asarray(mask, bool) & np.isfinite(y)
    if not use.any():
        raise FitError("mask leaves no finite entry of target to fit the connection weights to.")
    if len(roots) and (delays is None or np.shape(delays) != (n, n)):
        raise FitError(f"roots are steered with the tract delays: pass delays as an ({n}, {n}) array in ms "
                       f"[target, source]; got {None if delays is None else np.shape(delays)}.")
    B, q = slow_limit_response(fixed_point, sigma, row)
    pairs = connected_pairs(np.asarray(network.arrays.weights), share)
    n_pairs = pairs[0].size
    uniform = noise_shrinkage is None

    @cache
    def noise_alone():  # fitted on the structural weights only where it is needed (a fit at a neighbouring
        # shrinkage starts from its own parameters), and once (a start and a failed refinement both use it)
        return np.zeros(n) if uniform else fit_regional_noise(B, q, target, use, noise_shrinkage, global_signal)

    def structural():
        u_alone = noise_alone()
        return (u_alone, np.zeros((n, n)), scanned_values(network, parameter), fixed_point,
                np.concatenate([u_alone, np.zeros(n_pairs)]))

    if not np.isfinite(shrinkage) or n_pairs == 0:
        return structural()
    start = structural()[4] if start is None else start
    w = use / use.sum()
    bound_u = 0.0 if uniform else LOG_BOUND
    bounds = [(-bound_u, bound_u)] * n + [(-_MODULATION_BOUND, _MODULATION_BOUND)] * n_pairs
    if reach is not None:  # each log modulation within reach of its start
        e0 = np.asarray(start, dtype=float)[n:]
        bounds[n:] = [(max(-_MODULATION_BOUND, a - reach), min(_MODULATION_BOUND, a + reach)) for a in e0]

    def refine(spectrum_each_step, barrier=False):
        objective = Objective(network, fixed_point, parameter, row, pairs, q, np.where(use, y, 0.0), w,
                              0.0 if uniform else noise_shrinkage, shrinkage, spectrum_each_step, global_signal,
                              delays, roots, barrier)
        res = scipy.optimize.minimize(objective, np.asarray(start, dtype=float), jac=True, method="L-BFGS-B",
                                      bounds=bounds, options={"maxiter": _MAX_ITERATIONS,
                                                              "maxls": _BARRIER_LINE_SEARCH if barrier else 20,
                                                              **({"ftol": _BARRIER_FTOL} if barrier else {})})
        a = objective.arrays(res.x[n:])
        fp = fixed_point_at(dataclasses.replace(network, arrays=a), fixed_point.values, "effective connectivity")
        return objective, res.x, a, fp

    objective, p, a, fp = refine(False)
    if objective.refused > STALLED_SHARE * objective.calls:  # stalled at the wall: refit with the barrier
        objective, p, a, fp = refine(False, barrier=True)
    if not usable_fixed_point(fp):
        objective, p, a, fp = refine(True)
        if not usable_fixed_point(fp):  # no stable refinement: the structural weights
            return structural()
    E = np.zeros((n, n))
    E[pairs] = p[n:]
    return p[:n] - np.max(p[:n]), E + E.T, np.asarray(getattr(a.model, parameter), dtype=float), fp, p

