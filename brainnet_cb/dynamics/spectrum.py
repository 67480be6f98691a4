r"""Jacobian and spectrum of a network at a fixed point; the delayed characteristic check.

**Delay-free linear stability.** Around a fixed point :math:`x^*` the network
:math:`\dot x = F(x)` (see :mod:`brainnet_cb.dynamics.system`) linearises to
:math:`\dot\xi = A \xi` with

.. math::

   A = \mathrm{blockdiag}_i(L_i) + P\,(a \circ W + \mathrm{diag}\,b)\,D,

the local blocks :math:`L_i = \partial f / \partial x_i` at the fixed input,
:math:`P = \partial f / \partial c` (the port, ``v`` for Coombes–Byrne),
:math:`a = \partial\,\mathrm{post}/\partial S` (``G`` for ``Linear``),
:math:`b` the coupling's local term (``-G s_i`` for ``Diffusive``) and
:math:`D = \partial\,\mathrm{sent}/\partial x` (picks ``r``).

**What neglecting the delays means.** The real network is a delay
differential equation: its characteristic equation is

.. math::

   \det\big(\lambda I - \mathrm{blockdiag}(L_i)
   - P\,(a \circ W \circ e^{-\lambda \tau} + \mathrm{diag}\,b)\,D\big) = 0,

with :math:`\tau_{ij} = L_{ij} / \mathrm{speed}`. The delay-free Jacobian is
its :math:`\tau = 0` case. A *real* root crossing at :math:`\lambda = 0`
(saddle-node, branch point) is the same with or without delays
(:math:`e^{0} = 1`), so such a loss of stability, and the critical coupling
it defines, does not depend on conduction speed. Complex roots (Hopf
instabilities, damped oscillation frequencies) do: delays can destabilise a
delay-free-stable focus or shift its frequency.
:func:`delayed_leading_eigenvalue` finds the rightmost root of the delayed
equation: candidates from a pseudospectral discretisation of the delayed
network's generator (:func:`~brainnet_cb.dynamics.delayed_roots.pseudospectral_generator`), refined by Newton's
method on the equation itself, the result confirmed by the argument principle
(:func:`~brainnet_cb.dynamics.delayed_unstable_roots` on the shifted equation);
far left of the axis with long delays, where the discretisation's starts are
poor, a search right of the root found (a real sign change of the determinant,
bisection of the count, Newton along the line that brackets the rightmost real
part) makes it the rightmost.
"""

from __future__ import annotations

import warnings

import jax.numpy as jnp
import numpy as np
import xarray as xr

from .._checks import caller_stacklevel
from ..delays import compute_lags
from ..errors import DynamicsError
from ..units import to_mm_per_ms, to_ms
from .delayed_roots import DelayedRootWarning, rightmost_root
from .fixed_points import FixedPoint, as_state, fixed_point_near, fixed_point_of
from .system import Network, build_network, in_float64, jacobian_parts_compiled, rhs_and_jacobian

__all__ = ["network_jacobian", "network_spectrum", "delayed_leading_eigenvalue", "DelayedRootWarning", "point_of"]


def point_of(network: Network, at) -> np.ndarray:
    """The state ``(n_s, n)`` to linearise at: ``at`` (FixedPoint, dict, array), else the default fixed point."""
    if at is None:
        return fixed_point_of(network).values
    return as_state(network, at, "at")


def _labelled_matrix(J, network: Network):
    states = np.repeat(np.asarray(network.states), network.n)
    regions = np.tile(np.asarray(network.labels), len(network.states))
    return xr.DataArray(
        J,
        dims=("row", "col"),
        coords={"state_row": ("row", states), "region_row": ("row", regions),
                "state_col": ("col", states), "region_col": ("col", regions)},
        attrs={"long_name": "delay-free Jacobian d(dx/dt)/dx", "units": "1/ms",
               "ordering": "state-major: index = state * n_regions + region"},
    )


@in_float64
def network_jacobian(model, connectome, coupling=None, *, at=None, normalize="max") -> xr.DataArray:
    """The delay-free Jacobian of the network at a state (by default its fixed point).

    Parameters
    ----------
    model, connectome, coupling, normalize
        As in :func:`brainnet_cb.simulate` (weights ``[target, source]``,
        normalised by :meth:`Connectome.normalized`).
    at : FixedPoint, dict or array (n_states, n), optional
        Where to linearise; default the fixed point reached from the model's
        initial state (:func:`~brainnet_cb.dynamics.network_fixed_point`).

    Returns
    -------
    xarray.DataArray
        ``(row, col)``, state-major (index ``state * n + region``), with
        coordinates ``state_row``, ``region_row``, ``state_col``,
        ``region_col``; units 1/ms.
    """
    network = build_network(model, connectome, coupling, normalize=normalize)
    x = jnp.asarray(point_of(network, at), jnp.float64)
    J = np.asarray(rhs_and_jacobian(x, network.arrays, network.port)[1])  # compiled once, as network_fixed_point's
    return _labelled_matrix(J, network)


@in_float64
def network_spectrum(model, connectome, coupling=None, *, at=None, normalize="max") -> xr.DataArray:
    r"""Eigenvalues of the delay-free Jacobian (1/ms), by decreasing real part.

    The eigenvalues :math:`\lambda` of :func:`network_jacobian` at ``at``: the
    point is stable where every :math:`\mathrm{Re}\,\lambda < 0`; a pair
    :math:`\lambda = a \pm i\omega` rings at :math:`\omega / 2\pi`, decaying
    at the rate :math:`-a`. Delays are left out (their effect on stability:
    :mod:`brainnet_cb.dynamics.delay_stability`).

    Parameters
    ----------
    model, connectome, coupling, normalize
        As in :func:`brainnet_cb.simulate` (weights ``[target, source]``,
        normalised by :meth:`Connectome.normalized`; ``coupling`` default
        ``Linear(G=1.0)``).
    at : FixedPoint, dict or array (n_states, n), optional
        Where to linearise; default the fixed point reached from the model's
        initial state (:func:`~brainnet_cb.dynamics.network_fixed_point`).

    Returns
    -------
    xarray.DataArray
        Complex, dim ``mode``, with the coordinate ``frequency``
        (:math:`|\mathrm{Im}\,\lambda| / 2\pi`, Hz) and ``attrs``
        ``max_real`` and ``stable``.

    Examples
    --------
    >>> import brainnet_cb as bn
    >>> from brainnet_cb.dynamics import network_spectrum
    >>> conn = bn.Connectome(weights=[[0, 1], [1, 0]], lengths=[[0, 30], [30, 0]])
    >>> ev = network_spectrum(bn.CoombesByrne(), conn, bn.Linear(G=0.0))
    >>> complex(ev[0].item())  # the node's stable focus, -2.0133 +- 2.2896i /ms
    (-2.013316...+2.289626...j)
    """
    network = build_network(model, connectome, coupling, normalize=normalize)
    x = jnp.asarray(point_of(network, at), jnp.float64)
    J = np.asarray(rhs_and_jacobian(x, network.arrays, network.port)[1])  # compiled once, as network_fixed_point's
    ev = np.linalg.eigvals(J)
    ev = ev[np.lexsort((-ev.imag, -ev.real))]
    return xr.DataArray(
        ev, dims=("mode",),
        coords={"frequency": ("mode", np.abs(ev.imag) / (2 * np.pi) * 1000.0, {"units": "Hz"})},
        attrs={"long_name": "eigenvalues of the delay-free Jacobian", "units": "1/ms",
               "max_real": float(ev[0].real), "stable": int(ev[0].real < 0)},
    )


def delay_args(speed, dt):
    """``(speed in mm/ms, dt in ms or None)`` checked: plain numbers (NumPy scalars too) in those units, or
    brainunit quantities (``3 * u.meter / u.second``, ``0.1 * u.ms``), as :func:`brainnet_cb.simulate` takes them."""
    v = to_mm_per_ms(speed, "speed", DynamicsError) if not isinstance(speed, bool) else None
    if not (isinstance(v, float) and np.isfinite(v) and v > 0):
        raise DynamicsError(f"speed must be a finite conduction speed > 0 (mm/ms = m/s); got {speed!r}.")
    if dt is None:
        return v, None
    step = to_ms(dt, "dt", DynamicsError) if not isinstance(dt, bool) else None
    if not (isinstance(step, float) and np.isfinite(step) and step > 0):
        raise DynamicsError(f"dt must be a time step > 0 (ms) or None; got {dt!r}.")
    return v, step


def network_delays(network: Network, speed, dt):
    speed, dt = delay_args(speed, dt)
    if dt is None:
        return network.lengths / speed
    return compute_lags(network.lengths, speed, dt) * dt



@in_float64
def delayed_leading_eigenvalue(model, connectome, coupling=None, *, speed=3.0, dt=None, at=None,
                               normalize="max", tol=1e-12, max_iter=50) -> complex:
    r"""The rightmost root of the delayed characteristic equation (the leading eigenvalue with delays).

    Finds the root of largest real part of :math:`\det T(\lambda) = 0`,
    :math:`T(\lambda) = \lambda I - \mathrm{blockdiag}(L_i) - P (a \circ W \circ e^{-\lambda\tau}
    + \mathrm{diag}\, b) D` (see the module docstring), in up to five steps:

    1. **Candidates**: the eigenvalues of a pseudospectral (Chebyshev
       collocation) discretisation of the delayed network's infinitesimal
       generator (Breda, Maset & Vermiglio 2005; here only what the regions
       send is carried in the history, :func:`~brainnet_cb.dynamics.delayed_roots.pseudospectral_generator`), whose
       rightmost eigenvalues converge spectrally to the rightmost roots. The
       order ``M`` resolves :math:`e^{\lambda\theta}` over the longest delay
       for every :math:`|\lambda|` that a root with :math:`\mathrm{Re}\,\lambda \ge 0`
       can have, within a matrix of order 800 (2400 on the retry of step 4).
    2. **Refinement**: Newton's method on :math:`T(\lambda) v = 0`,
       :math:`v^H v_0 = 1` from the 12 rightmost of them and the 4 rightmost
       delay-free eigenvalues; the rightmost converged root is kept, so the
       result is an exact root of the equation (to ``tol``), never an
       eigenvalue of the discretisation.
    3. **Confirmation**: the roots with real part above
       :math:`\sigma = \mathrm{Re}\,\lambda^* + 10^{-6}\max(1, |\lambda^*|)` are
       counted by the argument principle (the count of
       :func:`delayed_unstable_roots` applied to :math:`T(\sigma + \mu)`, whose
       local blocks are :math:`A_i - \sigma I` and whose weights are
       :math:`W \circ e^{-\sigma\tau}`). Where :math:`\sigma < 0` and
       :math:`|\sigma|\,\tau_{max} > \ln 4` (a stable root far from the axis
       with long delays: the shifted weights, and the count's cost, grow like
       :math:`e^{|\sigma|\tau}`) the line counted first is the imaginary axis
       (the verdict), and step 5 follows.
    4. **Search along the line** where roots are counted right of it (they
       lie at frequencies the discretisation does not resolve): Newton from
       :math:`\sigma + i\omega` at the 64 deepest local minima of
       :math:`|F(\sigma + i\omega)|`, the loop determinant of
       :mod:`~brainnet_cb.dynamics.delay_stability` sampled up to the
       frequency beyond which no root lies, then step 3 again; up to 3 rounds,
       then once more with a finer discretisation (order 2400).
    5. **Far left, the search right of a stable root** (no root counted
       right of the imaginary axis): there the discretisation's starts are
       poor, and the root of steps 2-4 need not be the rightmost (hcp80 at
       3 mm/ms, delays to 83 ms: :math:`-0.1447 + 0.1755i` /ms, with 3 roots
       right of :math:`\mathrm{Re}\,\lambda = -0.14`). Newton from the
       rightmost real sign change of :math:`\det T(s)` between the root and
       the axis (with excitatory coupling and regions whose gain peaks at
       :math:`\omega = 0`, the rightmost root is real: hcp80 gives
       :math:`-0.132294` /ms); then the count right of the best root. If it
       counts roots, bisection of the real part with the count (0 right of the
       axis) brackets the rightmost real part in a strip of width
       :math:`1/\tau_{max}`, and Newton from the minima of :math:`|F|` along
       its left edge, middle and right edge finds them; after each, the count
       right of the best root. Each count is made only where its cost (the
       frequencies of its grid times :math:`n^2 + 20`) stays within
       :math:`2\cdot 10^7` (hcp80 at :math:`\mathrm{Re}\,\lambda = -0.14`:
       :math:`1.0\cdot 10^7`, under a second) or, where larger, 4 times the
       cost of the count on the imaginary axis (which grows with
       :math:`\tau_{max}`); right of a root beyond it, the leftmost line
       within it is counted instead.

    **What is guaranteed.** A root returned without a warning is an exact
    root (Newton's step below ``tol``, relative residual
    :math:`\|T v\| / \|T\|_F \|v\| \le 10^{-8}`) with no root counted right of
    :math:`\mathrm{Re}\,\lambda^* + 10^{-6}\max(1, |\lambda^*|)`. The count is
    exact wherever its phase grid resolves the roots near the line (a root
    closer to it than the grid's finest spacing, the step over :math:`2^{14}`,
    about :math:`3\cdot 10^{-7}` /ms on hcp80, may be missed or counted
    twice, as in :func:`delayed_unstable_roots`); far left it counts thousands of
    roots correctly (the Lambert W roots of :math:`x' = -x + 0.01 W x(t - 50)`:
    7773 right of :math:`-0.2`, :math:`|\sigma|\,\tau_{max} = 10`). The
    search of step 5 is bounded by the count's cost, not by
    :math:`|\sigma|\,\tau_{max}` (it grows like :math:`e^{|\sigma|\tau_{max}}`
    for a region's gain decaying like :math:`1/\omega`, like
    :math:`e^{|\sigma|\tau_{max}/2}` for :math:`1/\omega^2`, as Coombes–Byrne's
    :math:`r`): hcp80 with ``Linear(G=0.3)`` or ``Linear(G=-0.3)`` at 1 and
    3 mm/ms (:math:`|\mathrm{Re}\,\lambda^*|\,\tau_{max} \approx 11`) is
    within it; where it is not, a :class:`DelayedRootWarning` says that only the verdict (stable) is
    confirmed. The search costs two counts where the rightmost root is real,
    more where it is complex (hcp80 at 1 mm/ms, ``Linear(G=-0.3)``: about
    26 s of one CPU core, where the root found first, :math:`-0.0529 + 0.0589i`
    /ms, was not the rightmost, :math:`-0.0462 + 0.0171i`).

    Before this method, the function followed the leading *delay-free*
    eigenvalue by Newton's method alone, and could return a stable root of a
    network that its delays had destabilised: three regions (``Delta 0.1, eta
    1``, ``G = 8``, delays 10, 15 and 20 ms) gave :math:`-0.0426 + 2.300i` /ms
    where the rightmost root is :math:`+0.0148 + 2.391i` /ms (6 roots in the
    right half-plane); from a real delay-free eigenvalue it could not reach a
    complex root at all.

    Parameters
    ----------
    speed : float or brainunit.Quantity, default 3.0
        Conduction speed (mm/ms); :math:`\tau_{ij} = L_{ij} / \mathrm{speed}` (ms).
    dt : float or brainunit.Quantity, optional
        If given, delays rounded to whole steps as the simulation does
        (:func:`brainnet_cb.delays.compute_lags`).
    at : FixedPoint, dict or array, optional
        The fixed point (default: from the model's initial state). A
        :class:`FixedPoint` of other parameters (``max |F| > 1e-8`` /ms here)
        is a start from which this network's fixed point is solved.
    tol, max_iter
        Newton's relative step tolerance and its largest number of steps per start.

    Returns
    -------
    complex
        The rightmost root (1/ms; of a complex pair, the one with
        :math:`\mathrm{Im} > 0`); ``.real > 0``: the delayed network is
        linearly unstable at this point. Without delays (or with ``speed``
        large), the leading eigenvalue of :func:`network_spectrum`.

    Warns
    -----
    DelayedRootWarning
        The argument principle counts roots to the right of the one returned
        (the discretisation was too coarse for this network's delays), or
        could not resolve the count; or, far left with long delays, counting
        right of the root would cost more than step 5 allows, and only the
        verdict (stable) is confirmed. :func:`delayed_unstable_roots` still
        counts the growing modes.

    References
    ----------
    .. [1] D. Breda, S. Maset, R. Vermiglio (2005). Pseudospectral
       differencing methods for characteristic roots of delay differential
       equations. SIAM J. Sci. Comput. 27(2), 482-495.
    .. [2] W. Michiels, S.-I. Niculescu (2014). Stability, Control, and
       Computation for Time-Delay Systems, 2nd ed. SIAM.
    .. [3] L. N. Trefethen (2000). Spectral Methods in MATLAB. SIAM (``cheb``).

    Examples
    --------
    >>> import brainnet_cb as bn
    >>> from brainnet_cb.dynamics import delayed_leading_eigenvalue
    >>> conn = bn.Connectome(weights=[[0, 1], [1, 0]], lengths=[[0, 40], [40, 0]])
    >>> model = bn.CoombesByrne(Delta=0.911, eta=2.293, v_syn=0.0)
    >>> lam = delayed_leading_eigenvalue(model, conn, bn.Linear(G=20.4878), speed=3.0)
    >>> round(lam.real, 5), round(lam.imag, 4)  # 10 roots have Re > 0; the delay-free focus is stable
    (0.00155, 11.6819)
    """
    delay_args(speed, dt)  # before any solve or compilation
    for name, value, ok in (("tol", tol, lambda t: t > 0), ("max_iter", max_iter, lambda m: m >= 1)):
        number = not isinstance(value, bool) and isinstance(value, (int, float, np.integer, np.floating))
        if not (number and np.isfinite(value) and ok(value)) or (name == "max_iter" and int(value) != value):
            raise DynamicsError(f"{name} must be {'a number > 0' if name == 'tol' else 'an integer >= 1'}; "
                                f"got {value!r}.")
    network = build_network(model, connectome, coupling, normalize=normalize)
    x = fixed_point_near(network, at).values if isinstance(at, FixedPoint) else point_of(network, at)
    parts = jacobian_parts_compiled(jnp.asarray(x, jnp.float64), network.arrays, network.port)
    tau = network_delays(network, speed, dt)
    lam, info = rightmost_root(parts, network.arrays.weights, tau, tol=float(tol), max_iter=int(max_iter))
    if info["missed"] != 0:
        what = ("the count did not resolve (a root near that line)" if info["missed"] is None
                else f"{info['missed']} root(s) lie further right")
        warnings.warn(
            f"the rightmost delayed root found, {lam:.6g} /ms, is not confirmed: {what}, after a Chebyshev "
            f"discretisation of order {info['order']} and {info['starts']} Newton starts (too coarse for these "
            "delays). delayed_unstable_roots(...) still counts the growing modes.",
            DelayedRootWarning, stacklevel=caller_stacklevel())
    elif info["confirmed"] == "stability":
        tau_max = float(np.max(np.where(np.asarray(network.arrays.weights) != 0, tau, 0.0)))
        warnings.warn(
            f"the rightmost delayed root found, {lam:.6g} /ms, is confirmed stable (no root right of Re = "
            f"{info['sigma']:.6g} /ms) but not as the rightmost: counting the roots right of it, so far left with "
            f"delays up to {tau_max:.4g} ms, would cost more than the search allows (the count's cost "
            "grows like e^(|Re lambda| tau_max)). A higher speed (shorter delays) shows the trend.",
            DelayedRootWarning, stacklevel=caller_stacklevel())
    return lam
