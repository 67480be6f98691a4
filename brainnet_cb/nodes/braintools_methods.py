r"""The ``method`` names of :class:`~brainnet_cb.CoombesByrneStep`, resolved as the reference does.

The reference implementation (brainmass ``CoombesByrneStep``) steps its state
with ``brainstate.nn.exp_euler_step`` for ``method='exp_euler'`` and otherwise
with ``getattr(braintools.quad, f'ode_{method}_step')``: every ODE step that
:mod:`braintools.quad` offers is a valid name, with braintools' meaning. This
module resolves the names the same way, from the installed braintools, so the
two stay equal step for step. With braintools 0.3.0:

=============  ===============================================  =====
name           braintools step                                  order
=============  ===============================================  =====
euler          forward Euler                                    1
midpoint       explicit midpoint                                2
rk2            explicit trapezoid (Heun's 2nd-order method)     2
ralston2       Ralston's 2nd-order method                       2
heun           Heun's **3rd**-order method (c = 0, 1/3, 2/3)    3
rk3            Kutta's 3rd-order method                         3
ralston3       Ralston's 3rd-order method                       3
ssprk33        strong-stability-preserving RK(3,3)              3
bs32, rk23     Bogacki–Shampine 3(2), 3rd-order solution        3
rk4            classical Runge–Kutta                            4
rk4_38         Kutta's 3/8 rule                                 4
rk45           Cash–Karp 4(5), 5th-order solution               5
rkf45          Runge–Kutta–Fehlberg 4(5), 5th-order solution    5
dopri5,        Dormand–Prince 5(4), 5th-order solution          5
rk45_dopri
dopri8,        Dormand–Prince 8th order (DOP853)                8
rk87_dopri
=============  ===============================================  =====

plus ``exp_euler``: per-variable exponential Euler, as in the reference.

Where the names differ from the network engine's integrators
(:mod:`brainnet_cb.integrators`, the ``method`` of :func:`brainnet_cb.simulate`):
the engine's ``heun`` is the 2nd-order predictor–corrector (explicit trapezoid)
of TVB, which is braintools' ``rk2``; the engine's ``rk2`` is the explicit
midpoint rule, braintools' ``midpoint``. ``euler``, ``rk4`` and ``exp_euler``
mean the same in both (:data:`ENGINE_EQUIVALENT`).

``braintools.quad.ode_expeuler_step`` is not offered: it needs a single-array
state, and the reference's ``method='expeuler'`` fails on its ``(r, v)`` tuple;
``exp_euler`` is the exponential Euler of the reference.
"""

from __future__ import annotations

from collections.abc import Callable

import braintools

from ..errors import IntegratorError

__all__ = ["braintools_method_names", "step_method_names", "resolve_step_method", "ENGINE_EQUIVALENT"]

#: braintools ODE steps that do not apply to a tuple state (see the module docstring).
_NOT_OFFERED = {"expeuler": "it needs a single-array state and fails on the (r, v) tuple of the "
                            "reference; 'exp_euler' is the reference's exponential Euler"}

#: The step-module name equal to each engine integrator (``bn.simulate(method=...)``).
ENGINE_EQUIVALENT = {"euler": "euler", "heun": "rk2", "rk2": "midpoint", "rk4": "rk4", "exp_euler": "exp_euler"}


def braintools_method_names() -> tuple[str, ...]:
    """Every ``X`` with a ``braintools.quad.ode_X_step`` usable on the ``(r, v)`` state, sorted."""
    quad = braintools.quad
    names = (n[len("ode_"):-len("_step")] for n in dir(quad) if n.startswith("ode_") and n.endswith("_step"))
    return tuple(sorted(n for n in names if n not in _NOT_OFFERED and callable(getattr(quad, f"ode_{n}_step"))))


def step_method_names() -> tuple[str, ...]:
    """The valid ``method`` names of :class:`~brainnet_cb.CoombesByrneStep`: ``exp_euler`` and the braintools steps."""
    return ("exp_euler",) + braintools_method_names()


def resolve_step_method(method: str) -> Callable | None:
    """The braintools step for ``method``, ``None`` for ``'exp_euler'``.

    Raises
    ------
    IntegratorError
        If ``method`` is not one of :func:`step_method_names` (the message lists them).
    """
    if method == "exp_euler":
        return None
    if isinstance(method, str) and method in _NOT_OFFERED:
        raise IntegratorError(
            f"integration method {method!r} (braintools.quad.ode_{method}_step) is not offered: "
            f"{_NOT_OFFERED[method]}; choose one of {list(step_method_names())}."
        )
    step = getattr(braintools.quad, f"ode_{method}_step", None) if isinstance(method, str) else None
    if step is None or method not in braintools_method_names():
        raise IntegratorError(
            f"unknown integration method {method!r}; choose one of {list(step_method_names())} "
            "(exp_euler and every ODE step of braintools.quad, as in the reference implementation)."
        )
    return step
