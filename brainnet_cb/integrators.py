r"""One-step integrators for ``dx/dt = f(x)`` with optional additive noise.

Every scheme has the signature ``step(f, x, dt, dW=None) -> x_next`` where ``f``
is the vector field with its inputs already bound, ``dt`` the step (ms) and
``dW`` the additive noise increment :math:`\sigma \sqrt{dt}\,\xi` (or ``None``).

===========  =====================================================  ======
name         scheme                                                 order
===========  =====================================================  ======
euler        :math:`x + dt\,f(x)` (Euler–Maruyama with noise)        1
heun         explicit trapezoid (stochastic Heun with noise)         2
rk2          explicit midpoint                                      2
rk4          classical Runge–Kutta                                   4
exp_euler    :math:`x + dt\,\varphi_1(dt\,a)\,f(x)`, ``a`` = diagonal  1
             of the Jacobian (per-variable linearisation, as in
             brainmass ``CoombesByrneStep``)
===========  =====================================================  ======

``heun`` is the true second-order Heun scheme. In the ecosystem of the
reference implementation (brainmass ``CoombesByrneStep``; brainstate /
braintools) ``method='heun'`` names a third-order Runge–Kutta scheme; ours
does not. With noise, ``heun`` is the stochastic Heun scheme for
additive noise (the same increment in predictor and corrector), ``euler`` is
Euler–Maruyama, and the other schemes add the increment after the
deterministic step (strong order 1 for additive noise).

References
----------
.. [1] P. E. Kloeden, E. Platen (1992). Numerical Solution of Stochastic
   Differential Equations. Springer.
.. [2] M. Hochbruck, A. Ostermann (2010). Exponential integrators.
   Acta Numerica 19, 209-286.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from .errors import IntegratorError

__all__ = ["euler", "heun", "rk2", "rk4", "exp_euler", "INTEGRATORS", "get_integrator", "phi1"]


def _noisy(x, dW):
    return x if dW is None else x + dW


def euler(f, x, dt, dW=None):
    """Forward Euler (Euler–Maruyama with ``dW``)."""
    return _noisy(x + dt * f(x), dW)


def heun(f, x, dt, dW=None):
    """Heun's explicit trapezoid, 2nd order (stochastic Heun with ``dW``)."""
    k1 = f(x)
    k2 = f(_noisy(x + dt * k1, dW))
    return _noisy(x + 0.5 * dt * (k1 + k2), dW)


def rk2(f, x, dt, dW=None):
    """Explicit midpoint rule, 2nd order."""
    k1 = f(x)
    k2 = f(x + 0.5 * dt * k1)
    return _noisy(x + dt * k2, dW)


def rk4(f, x, dt, dW=None):
    """Classical 4th-order Runge–Kutta."""
    k1 = f(x)
    k2 = f(x + 0.5 * dt * k1)
    k3 = f(x + 0.5 * dt * k2)
    k4 = f(x + dt * k3)
    return _noisy(x + dt / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4), dW)


def phi1(z):
    r""":math:`\varphi_1(z) = (e^z - 1)/z`, with its series near ``z = 0``."""
    small = jnp.abs(z) < 1e-6
    safe = jnp.where(small, 1.0, z)
    return jnp.where(small, 1.0 + 0.5 * z + z * z / 6.0, jnp.expm1(safe) / safe)


def exp_euler(f, x, dt, dW=None):
    r"""Exponential Euler on the diagonal linearisation (per variable).

    :math:`x_{n+1} = x_n + dt\,\varphi_1(dt\,a)\,f(x_n)` with
    :math:`a_s = \partial f_s / \partial x_s` evaluated at :math:`x_n`; every
    variable is updated from the pre-step state. The diagonal is computed
    exactly with one forward-mode derivative per state variable (the regions
    are independent given the inputs).
    """
    n_states = x.shape[0]
    fx, diag = None, []
    for s in range(n_states):
        tangent = jnp.zeros_like(x).at[s].set(1.0)
        fx, d = jax.jvp(f, (x,), (tangent,))
        diag.append(d[s])
    a = jnp.stack(diag)
    return _noisy(x + dt * phi1(dt * a) * fx, dW)


INTEGRATORS = {"euler": euler, "heun": heun, "rk2": rk2, "rk4": rk4, "exp_euler": exp_euler}


def get_integrator(name: str):
    """The scheme called ``name``; :class:`IntegratorError` lists the valid names."""
    try:
        return INTEGRATORS[name]
    except (KeyError, TypeError):
        raise IntegratorError(
            f"unknown integration method {name!r}; choose one of {sorted(INTEGRATORS)}."
        ) from None
