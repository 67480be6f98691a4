"""The HCP working-point sweep as one large vmapped batch (for an accelerator).

Reads the targets written by examples/hcp_working_point.py's data (an npz with the
group SC of HCP subjects 1-4, the mean band-passed FC of subjects 5-7 and the FCD of
subject 5), sweeps G x noise_v x seed of the low-rate regime (CoombesByrne(eta=-2))
in one batch, and prints the table. The simulated duration is chosen from a timed
probe chunk so that the sweep fits a time budget.

    python benchmarks/gpu_working_point.py targets.npz [--budget 300] [--out results.nc]
"""

from __future__ import annotations

import argparse
import json
import math
import time

import jax
import numpy as np

import brainnet_cb as bn


def main(argv=None):
    p = argparse.ArgumentParser()
    p.add_argument("targets")
    p.add_argument("--budget", type=float, default=300.0, help="seconds for the main sweep")
    p.add_argument("--max-minutes", type=float, default=5.0)
    p.add_argument("--out")
    p.add_argument("--small", action="store_true", help="2 runs (a check of the script)")
    a = p.parse_args(argv)
    bn.enable_float64()
    print("devices:", jax.devices(), flush=True)
    d = np.load(a.targets)
    conn = bn.Connectome(d["weights"], d["lengths"], labels=[str(s) for s in d["labels"]], name=str(d["name"]))
    emp = bn.fc_matrix(d["fc"], conn.labels)
    tr = bn.HCP_TR
    model = bn.CoombesByrne(eta=-2.0)
    grid = {"G": np.round(np.linspace(8.5, 10.5, 9), 3), "noise_v": [0.05, 0.1, 0.2, 0.3], "seed": [1, 2]}
    if a.small:
        grid = {"G": [9.0, 9.5], "noise_v": [0.1], "seed": [1]}
    K = int(np.prod([len(v) for v in grid.values()]))
    mon = [bn.Bold(tr=tr * 1000.0, baseline="initial")]
    chunk_trs = 27  # the engine's chunk for a 0.72 s TR at dt = 0.1 ms (200,000 steps)
    batch = {k: np.resize(np.asarray(v), K) for k, v in grid.items()}
    kw = dict(dt=0.1, monitors=mon, noise=bn.Additive(v=0.1), progress=False)
    t = time.perf_counter()
    bn.simulate_batch(model, conn, chunk_trs * tr * 1000.0, batch=batch, **kw)
    t_first = time.perf_counter() - t
    t = time.perf_counter()
    bn.simulate_batch(model, conn, chunk_trs * tr * 1000.0, batch=batch, **kw)
    t_chunk = time.perf_counter() - t
    steps = chunk_trs * tr * 1e4
    print(f"probe: batch {K}, {chunk_trs} TRs ({steps:.0f} steps): first {t_first:.1f} s, again {t_chunk:.1f} s "
          f"= {t_chunk / steps * 1e6:.1f} us per batched step, {t_chunk / steps / K * 1e9:.0f} ns per run-step",
          flush=True)
    discard = 30.0
    n_chunks = max(6, min(int(a.budget // t_chunk), math.ceil((a.max_minutes * 60 + discard) / tr / chunk_trs)))
    n_tr = n_chunks * chunk_trs
    minutes = (n_tr * tr - discard) / 60
    print(f"sweep: {K} runs of {n_tr} TRs ({minutes:.2f} min after a {discard:g} s transient)", flush=True)
    t = time.perf_counter()
    res = bn.sweep(model, conn, grid, duration=n_tr * tr * 1000.0, dt=0.1, monitors=mon, empirical_fc=emp,
                   empirical_fcd=d["fcd"], fcd_window=60.0, fcd_step=3 * tr, discard=discard, band=True,
                   batch_size=K, progress=False)
    wall = time.perf_counter() - t
    print(f"wall {wall:.1f} s ({wall / K:.2f} s per run)")
    m = res.mean("seed")
    s = res.std("seed")
    print(f"{'G':>6} {'noise_v':>8} {'fc_corr':>14} {'fcd_ks':>7} {'fc_mean':>8} {'gs_frac':>8} div")
    for G in res.G.values:
        for nv in res.noise_v.values:
            r, e = m.sel(G=G, noise_v=nv), s.sel(G=G, noise_v=nv)
            print(f"{G:6.2f} {nv:8.3f} {float(r.fc_corr):7.3f}+-{float(e.fc_corr):.3f} {float(r.fcd_ks):7.3f} "
                  f"{float(r.fc_mean):8.3f} {float(r.gs_fraction):8.3f} {int(res.diverged.sel(G=G, noise_v=nv).sum())}")
    best = m.fc_corr.argmax(...)
    b = m.isel(best)
    print(json.dumps({"best_G": float(b.G), "best_noise_v": float(b.noise_v), "fc_corr": float(b.fc_corr),
                      "minutes": minutes, "wall_s": wall, "runs": K, "device": str(jax.devices()[0])}))
    if a.out:
        res.attrs = {k: (v if isinstance(v, (int, float, str)) else str(v)) for k, v in res.attrs.items()}
        res.to_netcdf(a.out, engine="scipy")


if __name__ == "__main__":
    main()
