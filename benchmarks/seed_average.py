"""Seed averaging in fit_grid: how much one noise realisation moves a fit, and what averaging buys.

The bundled hcp80 data, left hemisphere (40 regions; the working-point recipe's
regime: CoombesByrne(eta=-2), Additive(v=0.1), W/max, BOLD at TR 0.72 s from
the fixed point with the balloon at rest). G on a grid of fractions of the
branch's reference coupling G_ref (fitting.working_point_scan.scan_branch).
Fitted to the fit group's FC, scored on the test group's FC.

1. ``fit_grid`` once per noise realisation (``key``): best G, fit and held-out score.
2. ``fit_grid(seeds=...)``: the mean FC over the same realisations, then scored.

Run: ``python benchmarks/seed_average.py [--minutes 5] [--seeds 4]``.
"""

import argparse
import time

import numpy as np

import brainnet_cb as bn
from brainnet_cb.dynamics import network_fixed_point
from brainnet_cb.fitting.working_point_scan import scan_branch

bn.enable_float64()

p = argparse.ArgumentParser()
p.add_argument("--minutes", type=float, default=5.0)
p.add_argument("--seeds", type=int, default=4)
p.add_argument("--hemisphere", default="_L")
args = p.parse_args()

data = bn.load_empirical("hcp80")
labels = [s for s in data.connectome.labels if s.endswith(args.hemisphere)]
conn = data.connectome.subset(labels)
fit_fc, test_fc = data.fc_fit.sel(region_i=labels, region_j=labels), data.fc_test.sel(region_i=labels, region_j=labels)
model = bn.CoombesByrne(eta=-2.0)
G_ref, kind, _ = scan_branch(model, conn, "max", [1.0], 24)
Gs = np.round(G_ref * np.array([0.8, 0.9, 1.0, 1.1]), 4)
fp = network_fixed_point(model, conn, bn.Linear(G=float(G_ref)))
run = dict(duration=args.minutes * 60_000.0 + 20_000.0, dt=0.1, noise=bn.Additive(v=0.1),
           monitors=[bn.Bold(tr=720.0, baseline="initial")], initial_state=fp.as_initial_state(), dtype="float64")
kw = dict(grid={"G": Gs}, empirical_fc=fit_fc, objective="corr", refine=None, discard=20.0, keep_fc=True, **run)
iu = np.triu_indices(conn.n_regions, 1)
print(f"{conn.n_regions} regions, G_ref = {G_ref:.3f} ({kind}), grid G = {Gs.tolist()}, "
      f"{args.minutes:g} min of BOLD per run")


def test_score(fc):
    return float(np.corrcoef(fc[iu], test_fc.values[iu])[0, 1])


rows = []
for k in range(args.seeds):
    t = time.perf_counter()
    res = bn.fit_grid(model, conn, key=k, **kw)
    i = int(res.attrs["best_iteration"])
    rows.append((float(res.G), float(res.corr[i]), test_score(res.fc.values), time.perf_counter() - t))
    print(f"seed {k}: best G {rows[-1][0]:.3f}, fit corr {rows[-1][1]:.3f}, held-out corr {rows[-1][2]:.3f}, "
          f"corr per G {np.round(res.corr.values, 3).tolist()}, {rows[-1][3]:.0f} s")
t = time.perf_counter()
avg = bn.fit_grid(model, conn, seeds=list(range(args.seeds)), **kw)
i = int(avg.attrs["best_iteration"])
print(f"mean FC of {args.seeds} seeds: best G {float(avg.G):.3f}, fit corr {float(avg.corr[i]):.3f}, "
      f"held-out corr {test_score(avg.fc.values):.3f}, corr per G {np.round(avg.corr.values, 3).tolist()}, "
      f"{time.perf_counter() - t:.0f} s")
r = np.array(rows)
print(f"single seeds: fit corr {r[:, 1].mean():.3f} +- {r[:, 1].std():.3f} (range {np.ptp(r[:, 1]):.3f}), "
      f"held-out {r[:, 2].mean():.3f} +- {r[:, 2].std():.3f}; best G in {sorted(set(r[:, 0].tolist()))}")
w = np.asarray(conn.weights, float)
print(f"SC baseline corr(W, FC): fit {np.corrcoef(w[iu], fit_fc.values[iu])[0, 1]:.3f}, "
      f"test {np.corrcoef(w[iu], test_fc.values[iu])[0, 1]:.3f}")
