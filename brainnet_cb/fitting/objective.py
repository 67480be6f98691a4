r"""Objectives of the derivative-free fits: points of a grid, each over several noise realisations.

:class:`Scorer` evaluates the cartesian product of a grid of parameters with
:func:`~brainnet_cb.sweep` (one compiled batch program, batches sized by
memory, optionally on a dask cluster) and turns the runs into one loss per
point:

- **Seed averaging.** With ``seeds = (s_1, ..., s_S)`` every point is run
  with each random key, and the model's FC is the mean over realisations,

  .. math:: \overline{FC}_{ij} = \frac{1}{S} \sum_{s=1}^{S} FC^{(s)}_{ij},

  scored *after* averaging (Pearson :math:`\rho` and RMSE of the upper
  triangles, as :func:`brainnet_cb.fc_fit`). This is the estimate of the
  model's FC that a longer simulation would give; the mean of the
  per-seed scores would instead reward FC noise that happens to match. The
  FCD distribution is pooled over realisations (the upper-triangle values of
  the FCD of every seed, :math:`k` as ``fcd_k``) before its
  Kolmogorov–Smirnov distance to the empirical one. A point any of whose
  realisations diverged scores :math:`+\infty`.
- **Heterogeneity.** A grid over ``"<f>_scale"`` (a parameter of the book
  with a map, :meth:`~brainnet_cb.simulation.parameters.ParameterBook.expand`)
  and optionally ``f`` is swept as one axis of per-region rows
  :math:`f_i = f_0 + a\,m_i` and folded back into its two axes.

Without ``seeds`` the runs use the fixed ``key`` (common random numbers) and
the sweep's own per-run scores are used unchanged.
"""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import xarray as xr

from .. import analysis
from ..data.empirical import as_timeseries, target_fc
from ..errors import AnalysisError, FitError
from ..simulation.parameters import GRID
from .fit_results import loss_value
from .sweep import sweep
from .sweep_summaries import signal_samples
from .working_point_scan import heterogeneity_map

__all__ = ["Scorer", "heterogeneity_maps", "fc_numbers", "check_seeds"]


def heterogeneity_maps(heterogeneity, model, connectome) -> dict:
    """``{field: z-scored map (n,)}`` from ``None``, ``"strength"``, an array (for ``eta``) or ``{field: map}``.

    ``"strength"`` is the z-scored log in-strength of the connectome's weights
    (:func:`brainnet_cb.fitting.working_point_scan.heterogeneity_map`); a user
    vector is z-scored as well, so the scale ``a`` is in the field's units per
    standard deviation of the map.
    """
    if heterogeneity is None:
        return {}
    if not isinstance(heterogeneity, dict):
        heterogeneity = {"eta": heterogeneity}
    fields = [f.name for f in dataclasses.fields(model)]
    out = {}
    for field, m in heterogeneity.items():
        if field not in fields:
            raise FitError(f"heterogeneity is given for {field!r}, which is not a parameter of "
                           f"{type(model).__name__} {fields}; pass heterogeneity={{'<parameter>': map}}.")
        out[field] = heterogeneity_map(m, connectome)
    return out


def check_seeds(seeds, grid=None):
    """The seeds as a tuple of ints (or None), refused next to a grid over ``"seed"``.

    A single int is refused: ``fit_working_point(seeds=2)`` counts realisations, here the
    seeds are the keys themselves (distinct 64-bit seeds give distinct keys, with or
    without 64-bit integers: :func:`brainnet_cb.simulation.validation.seed_keys`).
    """
    if seeds is None:
        return None
    if np.ndim(seeds) == 0:
        raise FitError(f"seeds must be a sequence of random keys, one per noise realisation; got {seeds!r}. "
                       f"Pass seeds=range({seeds!r}) for {seeds!r} realisations or seeds=[{seeds!r}] for the one "
                       f"of key {seeds!r}." if isinstance(seeds, (int, np.integer)) and not isinstance(seeds, bool)
                       else f"seeds must be a sequence of distinct integers, e.g. seeds=range(4); got {seeds!r}.")
    arr = np.asarray(seeds)
    if arr.ndim != 1 or arr.size < 1 or not np.issubdtype(arr.dtype, np.integer) or np.unique(arr).size != arr.size:
        raise FitError(f"seeds must be distinct integers (one random key per noise realisation), e.g. "
                       f"seeds=range(4); got {seeds!r}.")
    if grid is not None and "seed" in grid:
        raise FitError("give seeds= (realisations averaged at every point) or a grid over 'seed', not both.")
    seeds = tuple(int(s) for s in arr)
    _check_64_bits(seeds, FitError, "seeds")
    return seeds


def _check_64_bits(seeds, error, what):
    """Refuse seeds that are not 64-bit integers (what a random key is made from)."""
    for s in seeds:
        if not -(2**63) <= s < 2**63:
            raise error(f"{what} must be 64-bit integers (-2**63 <= seed < 2**63); got {s}.")


def fc_numbers(F, emp, fisher_z=False):
    r"""``(corr, rmse)`` of FCs ``F`` (..., n, n) against ``emp`` (n, n): upper triangles, as :func:`bn.fc_fit`
    (the pairs ``emp`` has: NaN marks a missing pair)."""
    n = emp.shape[-1]
    iu = np.triu_indices(n, 1)
    u, e = np.asarray(F, dtype=float)[..., iu[0], iu[1]], np.asarray(emp, dtype=float)[iu]
    present = ~np.isnan(e)
    u, e = u[..., present], e[present]
    if fisher_z:
        u, e = np.arctanh(np.clip(u, -1 + 1e-15, 1 - 1e-15)), np.arctanh(np.clip(e, -1 + 1e-15, 1 - 1e-15))
    uc, ec = u - u.mean(-1, keepdims=True), e - e.mean()
    with np.errstate(invalid="ignore", divide="ignore"):
        corr = (uc @ ec) / np.sqrt((uc**2).sum(-1) * (ec**2).sum())
    return corr, np.sqrt(((u - e) ** 2).mean(-1))


class _FcdValues:
    """A sweep summary: the upper-triangle FCD values of one run (NaN where the FCD is undefined)."""

    def __init__(self, signal, window, step, discard, band, k, size):
        self.signal, self.window, self.step, self.discard, self.band, self.k = signal, window, step, discard, band, k
        self.size = size
        self.__name__ = "fcd_values"

    def __call__(self, member):
        try:
            d = analysis.fcd(member[self.signal], window=self.window, step=self.step, discard=self.discard,
                             band=self.band).values
        except AnalysisError:
            return np.full(self.size, np.nan)
        return d[np.triu_indices(d.shape[-1], self.k)]


class Scorer:
    """One loss per point of a grid, averaged over noise realisations (see the module docstring).

    Parameters
    ----------
    spec : Simulation
    book : ParameterBook
        With the heterogeneity maps, if any.
    objective : str or callable
        As in :func:`~brainnet_cb.fit_grid`.
    empirical_fc, empirical_fcd
        The targets.
    seeds : tuple of int or None
    sweep_kwargs : dict
        Analysis and batching options of :func:`~brainnet_cb.sweep`.
    client : dask.distributed.Client, optional
    """

    def __init__(self, spec, book, objective, empirical_fc, empirical_fcd, seeds, sweep_kwargs, client=None):
        self.spec, self.book, self.objective, self.seeds = spec, book, objective, seeds
        self.emp = target_fc(empirical_fc, spec.connectome, error=FitError, missing=True)
        self.empirical_fcd = empirical_fcd
        self.kw = dict(sweep_kwargs)
        self.kw.setdefault("keep", ())
        self.kw["keep"] = tuple(k for k in ((self.kw["keep"],) if isinstance(self.kw["keep"], str)
                                            else self.kw["keep"]) if k != "fc") + ("fc",)
        self.client = client
        self.n = spec.connectome.n_regions
        self.pool_fcd = seeds is not None and empirical_fcd is not None and isinstance(objective, str) \
            and "fcd_ks" in objective
        if self.pool_fcd:
            self.kw["summaries"] = dict(self.kw.get("summaries") or {}, fcd_values=self._fcd_summary())

    def _fcd_summary(self):
        run = self.spec.prepare()
        signal = self.kw.get("signal", "bold")
        mon = run.signal_monitor(signal, FitError)
        discard = float(self.kw.get("discard", 0.0))
        samples, period = signal_samples(run, mon, discard)
        band = self.kw.get("band", True)
        window, step = self.kw.get("fcd_window", 60.0), self.kw.get("fcd_step")
        size = 1
        try:  # the number of FCD values of one run: the same windowing on a dummy series of that length
            dummy = as_timeseries(np.random.default_rng(0).standard_normal((samples, 3)),
                                           dt=period / 1000.0, labels=["a", "b", "c"])
            d = analysis.fcd(dummy, window=window, step=step)
            size = int(np.triu_indices(d.shape[-1], int(self.kw.get("fcd_k", 1)))[0].size)
        except AnalysisError:
            pass  # the sweep reports the window error itself
        return _FcdValues(signal, window, step, discard, band, int(self.kw.get("fcd_k", 1)), size)

    # ------------------------------------------------------------------------- grids
    def sweep_grid(self, grid):
        """``(sweep_grid, axes)``: heterogeneity axes combined into per-region rows; ``axes`` lists, per
        sweep dim, the fit names it holds (one, or a field and its scale) and their sizes."""
        n = self.n
        sgrid, axes, done = {}, [], set()
        for name in grid:
            if name in done:
                continue
            field = self.book.scale_field(name) or (name if self.book.scale_field(name + "_scale") and
                                                     name + "_scale" in grid else None)
            if field is None:
                sgrid[name] = grid[name]
                axes.append((name, [name], [len(np.atleast_1d(grid[name]))]))
                continue
            scale = field + "_scale"
            a = np.asarray(grid[scale], dtype=float)
            if field in grid:
                base = np.asarray(grid[field], dtype=float)
                base = base.reshape(base.shape[0], -1)
                rows = base[:, None, :] + a[None, :, None] * self.book.maps[field][None, None, :]
                sgrid[field] = rows.reshape(-1, n)
                axes.append((field, [field, scale], [base.shape[0], a.size]))
            else:
                sgrid[field] = self.book.expand({scale: a}, batched=True)[field].reshape(a.size, n)
                axes.append((field, [scale], [a.size]))
            done.update({field, scale})
        if self.seeds is not None:
            sgrid["seed"] = np.asarray(self.seeds)
        return sgrid, axes

    def check(self, grid):
        """Every grid entry checked by the book (a :class:`FitError` naming the problem).

        Returns the checked grid: arrays ``(k,)`` or ``(k, n)`` (rows labelled by region in the
        connectome's order, speeds in mm/ms; :meth:`~brainnet_cb.simulation.parameters.ParameterBook.rows`).
        """
        if not isinstance(grid, dict) or not grid:
            raise FitError(f"grid must be a non-empty dict {{name: values}}, e.g. grid={{'G': [0.5, 1.0]}}; "
                           f"got {grid!r}.")
        dtype = self.spec.prepare().dyn.table.weights.dtype
        labels = self.spec.connectome.labels
        checked = {}
        for name, vals in grid.items():
            p = self.book.lookup(name, FitError, GRID.unknown)
            checked[name] = vals = self.book.rows(p, vals, self.n, dtype, GRID, labels)
            if p.kind == "model" and self.book.scale_field(name + "_scale") and name + "_scale" in grid:
                arr = np.asarray(vals, dtype=float)
                if arr.ndim == 2:
                    raise FitError(f"grid[{name!r}] must be scalars (k,) when {name + '_scale'!r} is swept with "
                                   "it (the map gives the per-region values).")
        return checked

    def evaluate(self, grid, progress=False):
        """Losses and scores over the cartesian product of ``grid`` (shape = the grid's sizes, in order).

        Returns a dict: ``loss``, ``corr``, ``rmse``, ``ks``, ``fc_mean`` and
        ``diverged`` (shape ``shape``), ``fc`` (``shape + (n, n)``, the
        seed-mean FC), ``sweep`` (the raw sweep result) and ``values``
        (``{name: values}``).
        """
        names = list(grid)
        sgrid, axes = self.sweep_grid(grid)
        res = sweep(self.spec, sgrid, empirical_fc=self.emp, empirical_fcd=self.empirical_fcd,
                    client=self.client, progress=progress, **self.kw)
        order = [nm for _, group, _ in axes for nm in group]
        sizes = [s for _, _, ss in axes for s in ss]
        seeded = self.seeds is not None

        def unfold(arr, tail=0, seed=seeded):
            """A sweep array (sweep dims [+ seed] + tail) -> fit names order [+ seed] + tail."""
            shape = tuple(sizes) + ((len(self.seeds),) if seed else ()) + arr.shape[arr.ndim - tail:]
            arr = arr.reshape(shape)
            perm = [order.index(nm) for nm in names] + list(range(len(order), arr.ndim))
            return arr.transpose(perm)

        diverged = unfold(res.diverged.values)
        fc = unfold(res.fc.values, 2)
        out = {"sweep": res, "values": {k: np.asarray(grid[k]) for k in names}}
        if seeded:
            out["diverged"] = diverged.any(axis=-1)
            out["fc"] = fc.mean(axis=-3)  # the mean FC over realisations
            if self.emp is not None:
                out["corr"], out["rmse"] = fc_numbers(out["fc"], self.emp.values, bool(self.kw.get("fisher_z")))
            if self.pool_fcd:
                vals = unfold(res.fcd_values.values, 1)
                pooled = vals.reshape(vals.shape[:-2] + (-1,))
                ks = np.full(pooled.shape[:-1], np.nan)
                for idx in np.ndindex(ks.shape):
                    if np.all(np.isfinite(pooled[idx])):
                        ks[idx] = float(analysis.ks_distance(pooled[idx], self.empirical_fcd,
                                                             k=int(self.kw.get("fcd_k", 1))))
                out["ks"] = ks
            elif "fcd_ks" in res:
                out["ks"] = unfold(res.fcd_ks.values).mean(axis=-1)  # callable objectives only
        else:
            out["diverged"], out["fc"] = diverged, fc
            for key, var in (("corr", "fc_corr"), ("rmse", "fc_rmse"), ("ks", "fcd_ks")):
                if var in res:
                    out[key] = unfold(res[var].values)
        shape = out["diverged"].shape
        for key in ("corr", "rmse", "ks"):
            out.setdefault(key, np.full(shape, np.nan))
        iu = np.triu_indices(self.n, 1)
        out["fc_mean"] = out["fc"][..., iu[0], iu[1]].mean(-1)
        out["loss"] = self._loss(out, res, unfold)
        return out

    def _loss(self, out, res, unfold):
        if callable(self.objective):
            surf = self.objective(res)
            sweep_dims = [d for d in res.diverged.dims]
            allowed = (set(sweep_dims), set(sweep_dims) - {"seed"})
            if not isinstance(surf, xr.DataArray) or set(surf.dims) not in allowed:
                raise FitError(f"objective(result) must return a DataArray with dims {tuple(sweep_dims)} "
                               "(lower is better).")
            if self.seeds is not None:
                if "seed" in surf.dims:
                    surf = surf.mean("seed")  # the mean of a user's per-run objective over realisations
                vals = unfold(surf.transpose(*[d for d in sweep_dims if d != "seed"]).values.astype(float),
                              seed=False)
            else:
                vals = unfold(surf.transpose(*sweep_dims).values.astype(float))
        else:
            vals = np.asarray(loss_value(self.objective, out["corr"], out["rmse"], out["ks"]), dtype=float)
        return np.where(np.isfinite(vals) & ~out["diverged"], vals, np.inf)


def describe_seeds(seeds):
    """The seeds for provenance attrs (JSON)."""
    return json.dumps(None if seeds is None else list(seeds))
