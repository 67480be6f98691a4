"""Out-of-sample scores of the working-point recipe on several connectomes, beside the SC baseline.

Runs :func:`brainnet_cb.fit_working_point` with its defaults (no constant
tuned to a dataset) on the bundled HCP group data and on connectomes built
from it, fits on one FC and scores on another that the recipe never saw, and
prints a table: regions, SC-FC baseline on the held-out target, the linearised
model's held-out score, the simulated model's held-out score, the margin over
the baseline, mean FC, the chosen point (eta0, G / G_ref, weight exponent,
homotopic weight), the held-out score across hemispheres, wall time.

Variants:

- ``hcp80``: SC of all subjects; fit group -> test group;
- ``hcp80-swapped``: the same, fitting on the test group and scoring the fit group;
- ``hcp80-fitSC``: SC of the fit group's subjects only -> test group;
- ``hcp80-left``: the 40 left-hemisphere regions (a subset parcellation);
- ``hcp80-rowsum``: weights normalised by row sums instead of the maximum;
- ``hcp80-logcounts``: ``log(1 + 10^4 W)``, the log of streamline-count-like weights
  (strong and weak connections squeezed together; the weight exponent restores them);
- ``hcp80-edges``: FC of all subjects, fit on half of the connections, scored on the rest.

Usage::

    python benchmarks/fit_generalisation.py            # every variant, full recipe
    python benchmarks/fit_generalisation.py --linear   # the linear stage only (seconds)
    python benchmarks/fit_generalisation.py --only hcp80 --seeds 4 --duration 600
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import numpy as np

import brainnet_cb as bn
from brainnet_cb.fitting.working_point import fit_working_point


def _sub(fc, keep):
    return fc.isel(region_i=keep, region_j=keep)


def variants(data):
    conn, fit, test = data.connectome, data.fc_fit, data.fc_test
    left = np.nonzero(~np.asarray(conn.hemispheres, bool))[0]
    all_fc = data.fc("all")
    return {
        "hcp80": dict(connectome=conn, empirical_fc=fit, test_fc=test),
        "hcp80-swapped": dict(connectome=conn, empirical_fc=test, test_fc=fit),
        "hcp80-fitSC": dict(connectome=data.connectome_of("fit"), empirical_fc=fit, test_fc=test),
        "hcp80-left": dict(connectome=conn.subset([conn.labels[i] for i in left]), empirical_fc=_sub(fit, left),
                           test_fc=_sub(test, left)),
        "hcp80-rowsum": dict(connectome=conn, empirical_fc=fit, test_fc=test, normalize="row_sum"),
        "hcp80-logcounts": dict(connectome=conn.replace(weights=np.log1p(1e4 * np.asarray(conn.weights))),
                                empirical_fc=fit, test_fc=test),
        "hcp80-edges": dict(connectome=conn, empirical_fc=all_fc, holdout="edges"),
    }


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--linear", action="store_true", help="the linear stage only")
    p.add_argument("--only", nargs="*", help="variants to run")
    p.add_argument("--seeds", type=int, default=4)
    p.add_argument("--duration", type=float, default=600.0, help="seconds per realisation")
    p.add_argument("--candidates", type=int, default=3)
    args = p.parse_args()
    data = bn.load_empirical("hcp80")
    rows = []
    for name, kw in variants(data).items():
        if args.only and name not in args.only:
            continue
        t0 = time.perf_counter()
        res = fit_working_point(**kw, simulate=not args.linear, seeds=args.seeds, duration=args.duration * 1000.0,
                                candidates=args.candidates, progress=False)
        a = res.attrs
        rows.append((name, res.sizes["region_i"], a["sc_baseline_test"], a["test_corr_linear"],
                     a["test_corr"] if a["simulated"] else float("nan"), a["test_corr"] - a["sc_baseline_test"],
                     a["fit_corr"], a["test_fc_mean_model"], a["test_fc_mean_empirical"], a["value"],
                     a["G_over_G_ref"], a["weight_exponent"], a["homotopic_weight"], a["test_corr_between"]
                     if "test_corr_between" in a else float("nan"), time.perf_counter() - t0))
        print(f"{name}: done in {rows[-1][-1]:.0f} s", flush=True)
    setting = "linear stage only" if args.linear else \
        f"{args.candidates} candidates x {args.seeds} seeds x {args.duration:g} s"
    print(f"\nmachine: {platform.machine()}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}; "
          f"brainnet_cb {bn.__version__}; {setting}")
    head = ("variant", "n", "SC base", "lin test", "sim test", "margin", "fit", "meanFC", "meanFC emp",
            "eta0", "G/Gref", "W exponent", "homotopic", "test across", "wall s")
    print(" | ".join(head))
    print(" | ".join("---" for _ in head))
    for r in rows:
        print(" | ".join([r[0], str(r[1])] + [f"{x:.3f}" for x in r[2:9]] + [f"{r[9]:g}", f"{r[10]:.2f}",
                                                                               f"{r[11]:g}", f"{r[12]:g}",
                                                                               f"{r[13]:.3f}", f"{r[14]:.0f}"]))


if __name__ == "__main__":
    main()
