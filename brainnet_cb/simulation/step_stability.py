r"""Warn before a run whose ``dt`` is past the integration method's stability limit at the node's rest.

An explicit scheme applied to :math:`\dot x = J x` near a fixed point advances
the deviation by :math:`R(dt\,J)`: :math:`I + Z` (Euler), :math:`I + Z + Z^2/2`
(Heun, rk2), the degree-4 Taylor polynomial (rk4), :math:`I + dt\,\mathrm{diag}(\varphi_1(dt\,a))\,J`
with :math:`a = \mathrm{diag}\,J` (exp_euler). Where its spectral radius exceeds 1
a stable fixed point of the model is unstable for the scheme: the run diverges,
or, worse, settles on an oscillation that the model does not have (exp_euler
on ``bn.CoombesByrne(eta=10)`` at dt = 0.12 ms swings r between 0.01 and 40).
For node models whose fixed points are known in closed form (``fixed_points()``:
``CoombesByrne``, ``CoombesByrne4D``, ``MontbrioPazoRoxin``) with one value per
parameter, the stable fixed points of one uncoupled node are checked before the
run and a :class:`StepSizeWarning` names the largest stable ``dt``; every
member of a batch is checked, with one warning for the batch. Coupling
moves the fixed points, so this is a first check, not a proof.

The built-in models give their Jacobian in closed form (``_jacobian_at``), so
the check costs well under a millisecond per parameter set; another model with
``fixed_points()`` is differentiated with ``jax.jacfwd`` (one compilation per
process). Within :func:`one_call` (a sweep, a batch, a fit's seeds) each
distinct parameter set is checked, and warned about, once.

References
----------
.. [1] E. Hairer, G. Wanner (1996). Solving Ordinary Differential Equations II,
   2nd ed., Sec. IV.2 (stability functions of explicit Runge-Kutta methods).
   Springer.
.. [2] M. Hochbruck, A. Ostermann (2010). Exponential integrators. Acta
   Numerica 19, 209-286.
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import functools
import math
import warnings

import numpy as np

from .._checks import caller_stacklevel

__all__ = ["StepSizeWarning", "check_step_stability", "check_batch_stability", "one_call", "largest_stable_dt",
           "amplification"]


class StepSizeWarning(UserWarning):
    """``dt`` is past the stability limit of the integration method at a stable fixed point of the uncoupled node.

    The run can diverge, or oscillate where the model rests. Use a smaller
    ``dt`` or a method with a larger limit (the message names both).
    """


def _phi1(z):
    z = np.asarray(z, dtype=float)
    small = np.abs(z) < 1e-12
    return np.where(small, 1.0, np.expm1(np.where(small, 1.0, z)) / np.where(small, 1.0, z))


def amplification(method: str, jacobian, dt: float):
    """The matrix ``R`` that advances a small deviation by one step of ``method``; None for another method."""
    J = np.asarray(jacobian, dtype=float)
    eye = np.eye(J.shape[0])
    Z = dt * J
    if method == "euler":
        return eye + Z
    if method in ("heun", "rk2"):  # the trapezoid and the midpoint rule agree on a linear field
        return eye + Z + Z @ Z / 2
    if method == "rk4":
        Z2 = Z @ Z
        return eye + Z + Z2 / 2 + Z2 @ Z / 6 + Z2 @ Z2 / 24
    if method == "exp_euler":
        return eye + dt * _phi1(dt * np.diag(J))[:, None] * J
    return None


def _radius(method, J, dt):
    return float(np.max(np.abs(np.linalg.eigvals(amplification(method, J, dt)))))


def largest_stable_dt(method: str, jacobian) -> float:
    """The largest ``dt`` (ms) for which ``method`` keeps a fixed point with this Jacobian (1/ms) stable.

    ``inf`` if no ``dt`` up to 1e4 ms makes it unstable; NaN for a method
    without a known amplification matrix. The Jacobian's own eigenvalues must
    have negative real parts.
    """
    if amplification(method, jacobian, 1.0) is None:
        return math.nan
    hi = 1e-3
    while _radius(method, jacobian, hi) <= 1.0:
        hi *= 2.0
        if hi > 1e4:
            return math.inf
    lo = 0.0
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if _radius(method, jacobian, mid) <= 1.0 else (lo, mid)
    return lo


_QUIET = "quiet"
#: The parameter sets already checked in the current call (see :func:`one_call`), or _QUIET, or None.
_SCOPE = contextvars.ContextVar("brainnet_cb_step_stability_scope", default=None)


@contextlib.contextmanager
def one_call(quiet: bool = False):
    """Within the block, each distinct ``(model, method, dt)`` is checked and warned about at most once.

    Nested blocks share the outermost one's memory. ``quiet=True``: nothing is
    checked in the block (its caller checked already, e.g. a sweep before its
    batches run).
    """
    if _SCOPE.get() is not None and not quiet:
        yield
        return
    token = _SCOPE.set(_QUIET if quiet else set())
    try:
        yield
    finally:
        _SCOPE.reset(token)


def _first_time(key) -> bool:
    """False where the current call checked ``key`` already, or checks nothing."""
    seen = _SCOPE.get()
    if seen is None:
        return True
    if seen is _QUIET or key in seen:
        return False
    seen.add(key)
    return True


@functools.cache
def _jacobian_fn():
    import jax  # noqa: PLC0415 - loaded already by the run

    def jac(model, x):
        n = x.shape[0]
        return jax.jacfwd(lambda y: model.dfun(y.reshape(n, 1), {}).reshape(n))(x)

    return jax.jit(jac)  # one compilation per model class: eager jacfwd compiles every primitive (1.6 s)


def _node_jacobian(model, point):
    closed_form = getattr(model, "_jacobian_at", None)
    if callable(closed_form):  # the built-in models: numpy, no compilation
        return np.asarray(closed_form(point), dtype=float)
    import jax  # noqa: PLC0415 - loaded already by the run
    import jax.numpy as jnp  # noqa: PLC0415

    with jax.enable_x64(True):
        return np.asarray(_jacobian_fn()(model, jnp.asarray(point, dtype=jnp.float64)))


@functools.lru_cache(maxsize=4096)
def _stable_points(cls, params):
    """``[(point, jacobian)]`` of the stable fixed points of one uncoupled node (cached by parameter values)."""
    model = cls(**dict(params))
    out = []
    for p in model.fixed_points():
        J = _node_jacobian(model, p)
        if np.all(np.linalg.eigvals(J).real < 0):
            out.append((tuple(float(c) for c in p), J))
    return tuple(out)


def _scalar_parameters(model):
    """``((name, float), ...)`` of ``model``, or None where a parameter has one value per region (or is traced)."""
    try:
        params = tuple((k, float(v)) for k, v in model.parameters.items() if np.ndim(v) == 0)
    except Exception:  # noqa: BLE001 - a traced or odd value: no single node to check
        return None
    return params if len(params) == len(model.parameters) else None


def _checkable(model, method, dt) -> bool:
    return callable(getattr(model, "fixed_points", None)) and amplification(method, np.zeros((1, 1)), dt) is not None


@functools.lru_cache(maxsize=4096)
def _violation(cls, params, method, dt):
    """``(limit, point, J)`` at the first stable fixed point that ``dt`` destabilises, or None."""
    try:
        points = _stable_points(cls, params)
    except Exception:  # noqa: BLE001 - a check that cannot run (no fixed point, odd model) must not stop a run
        return None
    for point, J in points:
        if _radius(method, J, dt) > 1.0:
            return largest_stable_dt(method, J), point, J
    return None


def _message(cls, states, method, dt, found, members=""):
    limit, point, J = found
    where = ", ".join(f"{s}* = {c:.4g}" for s, c in zip(states, point))
    step = 10.0 ** math.floor(math.log10(limit)) if limit > 0 else limit
    suggest = math.floor(limit / step) * step if limit > 0 else limit
    rk4 = largest_stable_dt("rk4", J)
    other = f"; or method='rk4' (stable up to {rk4:.3g} ms there)" if method != "rk4" and rk4 > dt else ""
    return (f"dt = {dt:g} ms is past the stability limit of method {method!r} at the stable fixed point of one "
            f"uncoupled {cls.__name__} node{members} ({where}): there the largest stable dt is {limit:.3g} ms. "
            f"The run can diverge, or oscillate where the model rests; use dt <= {suggest:.2g} ms{other}.")


def check_step_stability(model, method: str, dt: float) -> None:
    """Warn (:class:`StepSizeWarning`) when ``dt`` makes a stable fixed point of one uncoupled node unstable.

    Only for models with ``fixed_points()`` and one value per parameter, and
    the engine's methods; anything else is not checked (and never refused).
    """
    if not _checkable(model, method, dt):
        return
    params = _scalar_parameters(model)
    if params is None or not _first_time((type(model), params, method, dt)):
        return
    found = _violation(type(model), params, method, dt)
    if found is not None:
        warnings.warn(_message(type(model), model.states, method, dt, found), StepSizeWarning,
                      stacklevel=caller_stacklevel())


def check_batch_stability(model, method: str, dt: float, values: dict, what: str = "batch") -> None:
    """:func:`check_step_stability` for every member of a batch: one warning for all of them.

    ``values``: ``{name: (B,) or (B, n) array}`` of the batch; the names that
    are not parameters of ``model`` (``G``, ``speed``, ...) do not move the
    uncoupled node's fixed points. Per-region values are not checked.
    ``what`` names the members' whole in the message (``"batch"``, ``"sweep"``).
    """
    if not _checkable(model, method, dt):
        return
    base = _scalar_parameters(dataclasses.replace(model, **{k: 0.0 for k in values if k in model.parameters}))
    batched = {k: np.asarray(v, dtype=float) for k, v in values.items() if k in model.parameters}
    if base is None or any(v.ndim != 1 for v in batched.values()):
        return
    names = list(batched)
    rows = np.stack([batched[k] for k in names], axis=-1) if names else np.zeros((1, 0))
    distinct, counts = np.unique(rows, axis=0, return_counts=True)  # each parameter set, and its members
    bad = []
    for row, count in zip(distinct, counts):
        row = tuple(float(c) for c in row)
        params = tuple((k, dict(zip(names, row)).get(k, v)) for k, v in base)
        if not _first_time((type(model), params, method, dt)):
            continue
        found = _violation(type(model), params, method, dt)
        if found is not None:
            bad.append((found[0], row, int(count), found))
    if not bad:
        return
    limit, row, _, found = min(bad, key=lambda b: b[0])
    n_bad = sum(b[2] for b in bad)
    shown = ", ".join(f"{k} = {c:g}" for k, c in zip(names, row))
    members = (f" for {n_bad} of the {len(rows)} members of this {what}; the tightest limit at {shown}"
               if names else "")
    warnings.warn(_message(type(model), model.states, method, dt, found, members), StepSizeWarning,
                  stacklevel=caller_stacklevel())
