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
:func:`delayed_leading_eigenvalue` follows the leading delay-free eigenvalue
into the delayed equation by Newton's method (a check of that one mode, not a
search for the rightmost root of the delayed spectrum).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import xarray as xr

from ..delays import compute_lags
from ..errors import DynamicsError
from ..units import to_mm_per_ms, to_ms
from .fixed_points import FixedPoint, as_state, fixed_point_near, fixed_point_of
from .system import Network, assemble_jacobian, build_network, in_float64, jacobian_parts

__all__ = ["network_jacobian", "network_spectrum", "delayed_leading_eigenvalue", "point_of"]


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
    J = np.asarray(assemble_jacobian(jacobian_parts(x, network.arrays, network.port), network.arrays.weights))
    return _labelled_matrix(J, network)


@in_float64
def network_spectrum(model, connectome, coupling=None, *, at=None, normalize="max") -> xr.DataArray:
    """Eigenvalues of the delay-free Jacobian (1/ms), by decreasing real part.

    Returns
    -------
    xarray.DataArray
        Complex, dim ``mode``, with the coordinate ``frequency``
        (:math:`|\\mathrm{Im}\\,\\lambda| / 2\\pi`, Hz) and ``attrs``
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
    J = np.asarray(assemble_jacobian(jacobian_parts(x, network.arrays, network.port), network.arrays.weights))
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


def _delays(network: Network, speed, dt):
    speed, dt = delay_args(speed, dt)
    if dt is None:
        return network.lengths / speed
    return compute_lags(network.lengths, speed, dt) * dt


@in_float64
def delayed_leading_eigenvalue(model, connectome, coupling=None, *, speed=3.0, dt=None, at=None,
                               normalize="max", tol=1e-12, max_iter=50) -> complex:
    r"""The leading eigenvalue continued into the delayed characteristic equation.

    Solves :math:`T(\lambda) v = 0`, :math:`u^H v = 1` with
    :math:`T(\lambda) = \lambda I - \mathrm{blockdiag}(L_i) - P (a \circ W \circ e^{-\lambda\tau}
    + \mathrm{diag}\, b) D` by Newton's method on :math:`(v, \lambda)`, starting
    from the delay-free leading eigenpair :math:`(\lambda_0, u)` (see the
    module docstring). A real leading eigenvalue near 0 stays put (its
    crossing does not depend on the delays); a complex one moves. The check
    is meaningful for modes near the imaginary axis: for a strongly damped
    mode :math:`e^{-\lambda\tau}` grows like :math:`e^{|\mathrm{Re}\,\lambda|\,\tau}`
    and the continued root says little about stability. Nor does a negative
    real part mean that the delayed network is stable: roots that the delays
    create can lie to the right of this one (two regions, ``Delta 0.911,
    eta 2.293, v_syn 0``, ``G = 20.49``, 40 mm at 3 mm/ms: this root
    :math:`-0.021 + 8.44i` /ms, while 10 roots have :math:`\mathrm{Re}\,\lambda > 0`
    and a kicked run grows). Count those with :func:`delayed_unstable_roots`.

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

    Returns
    -------
    complex
        The root (1/ms); ``.real > 0`` means this mode is unstable with delays.
    """
    delay_args(speed, dt)  # before any solve or compilation
    network = build_network(model, connectome, coupling, normalize=normalize)
    x = fixed_point_near(network, at).values if isinstance(at, FixedPoint) else point_of(network, at)
    tau = _delays(network, speed, dt)
    parts = jacobian_parts(jnp.asarray(x, jnp.float64), network.arrays, network.port)
    W = np.asarray(network.arrays.weights)
    A0 = np.asarray(assemble_jacobian(parts, network.arrays.weights))
    ev, vecs = np.linalg.eig(A0)
    k = int(np.lexsort((-ev.imag, -ev.real))[0])
    lam, u = complex(ev[k]), vecs[:, k] / np.vdot(vecs[:, k], vecs[:, k])
    v = u.copy()
    assemble = jax.jit(assemble_jacobian)
    zero = parts._replace(local=jnp.zeros_like(parts.local), b=jnp.zeros_like(parts.b))
    N = A0.shape[0]
    for _ in range(max_iter):
        E = W * np.exp(-lam * tau)
        T = lam * np.eye(N) - np.asarray(assemble(parts, jnp.asarray(E)))
        dT = np.eye(N) + np.asarray(assemble(zero, jnp.asarray(E * tau)))
        r = np.concatenate([T @ v, [np.vdot(u, v) - 1.0]])
        M = np.block([[T, (dT @ v)[:, None]], [u.conj()[None, :], np.zeros((1, 1))]])
        step = np.linalg.solve(M, -r)
        v, lam = v + step[:N], lam + step[N]
        if abs(step[N]) <= tol * max(1.0, abs(lam)):
            return complex(lam)
    raise DynamicsError(
        f"the delayed characteristic equation did not converge from the leading eigenvalue "
        f"{ev[k]:.4g} /ms in {max_iter} Newton steps (last {lam:.4g}); the delays move this "
        "mode far from its delay-free value. Try dt=None, or a higher speed to check the trend."
    )
