"""Positive real roots of the fixed-point polynomials of the next-generation mass models.

The fixed points of :class:`~brainnet_cb.CoombesByrne` and
:class:`~brainnet_cb.MontbrioPazoRoxin` are the positive roots of a
quartic :math:`p(r) = \\sum_i c_i r^{4-i}`. Near a double root (the
saddle-node of the bistable regime) :func:`numpy.roots` returns two reals
about :math:`10^{-8}` apart or a complex pair with a small imaginary part,
and plain Newton steps there divide by :math:`p'(r) \\approx 0` and can
land far from any root. Here every nearly real candidate is polished by
Newton steps kept only while they reduce :math:`|p|`; it is a root when
:math:`|p|` is within the rounding error of evaluating :math:`p`, and two
roots between which :math:`p` stays within that error are one (double) root.
"""

from __future__ import annotations

import numpy as np

_NEWTON_STEPS = 8
_ROUNDING = 16 * np.finfo(float).eps  # bound on |p| / sum|c_i r^(4-i)| at a root, evaluated in float64
_NEARLY_REAL = 1e-6  # |Im z| / |z| of a candidate


def _value_and_scale(coeffs, r):
    """``(p(r), p'(r), s)`` with ``s = sum_i |c_i r^(4-i)|`` (the size of p's rounding error / eps)."""
    terms = [c * r ** (len(coeffs) - 1 - i) for i, c in enumerate(coeffs)]
    slope = sum((len(coeffs) - 1 - i) * c * r ** (len(coeffs) - 2 - i) for i, c in enumerate(coeffs[:-1]))
    return sum(terms), slope, sum(abs(t) for t in terms)


def _polish(coeffs, r):
    f, df, _ = _value_and_scale(coeffs, r)
    for _ in range(_NEWTON_STEPS):
        if df == 0 or f == 0:
            break
        step = r - f / df
        f_step, df_step, _ = _value_and_scale(coeffs, step)
        if step <= 0 or abs(f_step) >= abs(f):
            break
        r, f, df = step, f_step, df_step
    return r


def positive_roots(coeffs) -> list[float]:
    """The distinct positive real roots of the polynomial ``coeffs`` (highest power first), increasing.

    Parameters
    ----------
    coeffs : sequence of float
        Coefficients as :func:`numpy.roots` takes them.

    Returns
    -------
    list of float
        Each root polished to float64 accuracy; a double root once.
    """
    found = sorted(float(z.real) for z in np.roots(coeffs) if abs(z.imag) <= _NEARLY_REAL * abs(z) and z.real > 0)
    out: list[float] = []
    for r in (_polish(coeffs, r) for r in found):
        f, _, scale = _value_and_scale(coeffs, r)
        if abs(f) > _ROUNDING * scale:
            continue
        if out:
            mid = 0.5 * (out[-1] + r)
            f, _, scale = _value_and_scale(coeffs, mid)
            if abs(f) <= _ROUNDING * scale:
                continue
        out.append(r)
    return out


def fold_points(a: float, b: float, c: float, e: float) -> list[tuple[float, float]]:
    r"""The saddle-nodes (folds) of the fixed points of :math:`p(r) = a r^4 - b r^3 - c\,\eta\,r^2 - e` in :math:`\eta`.

    For :math:`c > 0` each positive root :math:`r` of :math:`p` gives
    :math:`\eta(r) = (a r^2 - b r - e / r^2) / c`; two fixed points meet where
    :math:`d\eta/dr = 0`, i.e. at the positive roots of
    :math:`2 a r^4 - b r^3 + 2 e = 0`.

    Returns
    -------
    list of (float, float)
        ``(eta, r)`` of each fold, by increasing ``eta``.
    """
    roots = positive_roots([2.0 * a, -b, 0.0, 0.0, 2.0 * e])
    return sorted(((a * r**2 - b * r - e / r**2) / c, r) for r in roots)
