"""The bounded Nelder–Mead search shared by :func:`~brainnet_cb.fitting.nelder_mead.fit_nelder_mead`
and the ``refine="nelder-mead"`` stage of :func:`~brainnet_cb.fit_grid`.

References
----------
Nelder, J. A., Mead, R. (1965). A simplex method for function minimization.
Comput. J. 7, 308–313.
"""

from __future__ import annotations

import numpy as np

__all__ = ["simplex_search"]


def simplex_search(scorer, records, names, fixed, free, center, steps, book, maxfev, bar, xatol=1e-3, fatol=1e-4,
                   limits=None, stage="refine"):
    """Nelder–Mead over the ``free`` names from ``center`` (the first simplex ``steps`` wide), inside bounds.

    Each evaluation is one :meth:`Scorer.evaluate` of the single point (the
    ``fixed`` names at their one value), appended to ``records``. A vertex
    outside a bound is moved to the other side of the centre.
    """
    from scipy.optimize import minimize  # noqa: PLC0415 - only when a simplex runs

    params = {k: book.lookup(k) for k in free}
    limits = {k: params[k].bounds for k in free} if limits is None else limits
    x0 = np.array([center[k] for k in free], dtype=float)
    simplex = np.vstack([x0] + [x0 + np.eye(len(x0))[i] * steps[k] for i, k in enumerate(free)])
    for i, k in enumerate(free):
        lo, hi = limits[k]
        if not (params[k].inside(simplex[i + 1, i]) and lo <= simplex[i + 1, i] <= hi):
            simplex[i + 1, i] = x0[i] - steps[k]

    def inside(k, v):
        return bool(params[k].inside(v)) and limits[k][0] <= v <= limits[k][1]

    def f(x):
        if not all(inside(k, v) for k, v in zip(free, x)):
            return np.inf
        point = {k: (np.array([x[free.index(k)]]) if k in free else fixed[k]) for k in names}
        loss = records.add(scorer.evaluate(point), stage)
        if bar is not None:
            bar.update(1)
            bar.set_postfix(loss=f"{loss:.4f}")
        return loss

    bounds = [(lo if np.isfinite(lo) else None, hi if np.isfinite(hi) else None) for lo, hi in limits.values()]
    return minimize(f, x0, method="Nelder-Mead", bounds=bounds,
                    options=dict(maxfev=int(maxfev), initial_simplex=simplex, xatol=xatol, fatol=fatol))
