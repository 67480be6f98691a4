"""The working-point recipe on synthetic ground truth: FC simulated by the model itself at known points.

Each point is a known working point of ``bn.CoombesByrne`` on a bundled
connectome (``tvb76``, ``bn.load_atlas``; ``hcp80``, the SC of
``bn.load_empirical("hcp80")``): an excitability ``eta0``, a coupling stated
as ``G / G_ref`` (``G_ref`` the recipe's own reference coupling of that
branch, from the connectome), the structural weights as given (weight
exponent 1, no homotopic connections), ``Additive(v=0.02)`` noise that is the
same in every region or, with ``het``, a fixed log-normal amplitude per
region (log-variance factors of sd 1, seed 7; the largest 0.02). Two runs
with independent noise (keys 1001 and 1002) of ``--duration`` seconds of BOLD
each (after a 30-s discard; TR 720 ms, band-pass 0.01-0.1 Hz, speed 3 mm/ms,
started at the fixed point, the step the recipe's stability check gives) make
two FCs: :func:`brainnet_cb.fit_working_point` fits the first with its
defaults and is scored on the second, which it never sees.

Columns: the true and the recovered ``eta0`` and ``G / G_ref`` (and the weight
exponent and homotopic weight kept); the SC baseline ``corr(W, FC_2)``; the
noise ceiling ``corr(FC_1, FC_2)`` (what copying the fitted data scores) and
the oracle ``corr(FC_true, FC_2)`` (the true point's expected FC, the
linearised network's, without sampling noise: the best any model can do); the
held-out score of the recipe's linear stage with uniform noise (the scan's
own), with the regional noise on the structural weights, and with the
weights refined (the recipe's); how closely the recipe's FC follows the true
expected FC (``vs true``); the split-half reliability of one run (FC of its
first and second half); the mean FC of the model and of the truth; the
shrinkages kept (``inf``: the structural weights kept); for ``het`` points the
correlation of the fitted and the true log noise amplitudes (else the SD of
the fitted log amplitudes: 0 is uniform).

Usage::

    python benchmarks/fit_synthetic.py                        # every point, linear stage of the recipe
    python benchmarks/fit_synthetic.py --only tvb76-e2-g95    # one point
    python benchmarks/fit_synthetic.py --simulate             # the whole recipe (its simulation stage too)
    python benchmarks/fit_synthetic.py --cache /tmp/synthetic # keep the simulated FCs between runs
    python benchmarks/fit_synthetic.py --time-split           # fc_halves: the first run's halves

The linear stage chooses the point (``candidates=1`` simulates the best linear
point alone), so ``--simulate`` changes the scores by the simulated correction
only. Each point costs two runs (30-60 s each on one core) and a fit (1-3 min on
2 busy cores).
"""

from __future__ import annotations

import argparse
import os
import pathlib
import platform
import time
import warnings

import jax
import numpy as np

import brainnet_cb as bn
from brainnet_cb.dynamics import linear_fc
from brainnet_cb.fitting.working_point_scan import scan_branch, stable_step

SIGMA = 0.02  # the recipe's default noise amplitude
DISCARD = 30.0  # s
TR = 720.0  # ms

#: name: (connectome, eta0, G / G_ref, heterogeneous noise)
POINTS = {
    "tvb76-e2-g90": ("tvb76", -2.0, 0.9, False),
    "tvb76-e2-g95": ("tvb76", -2.0, 0.95, False),
    "tvb76-e2-g110": ("tvb76", -2.0, 1.1, False),
    "tvb76-e1-g95": ("tvb76", -1.0, 0.95, False),
    "tvb76-e2-g95-het": ("tvb76", -2.0, 0.95, True),
    "tvb76-e1-g105-het": ("tvb76", -1.0, 1.05, True),
    "hcp80-e2-g95": ("hcp80", -2.0, 0.95, False),
    "hcp80-e2-g95-het": ("hcp80", -2.0, 0.95, True),
    "hcp80-e1-g105-het": ("hcp80", -1.0, 1.05, True),
}
#: far below G_ref the BOLD FC of this model is too weak to measure in minutes (run with --only)
WEAK = {"tvb76-e2-g50": ("tvb76", -2.0, 0.5, False), "tvb76-e2-g80": ("tvb76", -2.0, 0.8, False)}


def connectome(name):
    return bn.load_atlas("tvb76") if name == "tvb76" else bn.load_empirical("hcp80").connectome


def noise_amplitudes(n, heterogeneous, seed=7):
    """Amplitude factor of every region: 1, or log-normal (log-variance sd 1) with the largest 1."""
    if not heterogeneous:
        return np.ones(n)
    s = np.exp(np.random.default_rng(seed).normal(0.0, 1.0, n) / 2.0)
    return s / s.max()


def _fc_and_halves(bold):
    t = bold.time_bold.values / 1000.0
    mid = DISCARD + (t[-1] - DISCARD) / 2.0
    return (bn.fc(bold, discard=DISCARD, band=True).values,
            bn.fc(bold.isel(time_bold=t < mid), discard=DISCARD, band=True).values,
            bn.fc(bold.isel(time_bold=t >= mid), band=True).values)


def synthetic(name, duration, cache=None):
    """The true point and two simulated FCs (with the split halves of the first) of ``name``."""
    path = None if cache is None else pathlib.Path(cache) / f"{name}-{duration:g}s.npz"
    if path is not None and path.exists():
        return dict(np.load(path))
    cname, eta, frac, het = {**POINTS, **WEAK}[name]
    conn = connectome(cname)
    model = bn.CoombesByrne(eta=eta)
    G_ref, _, ((G, fp),) = scan_branch(model, conn, "max", [frac], 20)
    dt = stable_step(fp, 0.2, TR)
    scale = noise_amplitudes(conn.n_regions, het)
    noise = bn.Additive(v=SIGMA * scale)
    bold = bn.Bold(tr=TR, baseline="initial")
    out = dict(G=G, G_ref=G_ref, eta=eta, frac=frac, het=het, dt=dt, scale=scale,
               expected=linear_fc(model, conn, bn.Linear(G=G), noise, observable="bold", bold=bold, band=True,
                                  at=fp, initial_state=fp).values)
    for seed in (1, 2):
        with jax.enable_x64(True):  # the recipe's own runs are float64: no float32 rounding of the BOLD
            ds = bn.simulate(model, conn, (duration + DISCARD) * 1000.0, dt=dt, coupling=bn.Linear(G=G),
                             noise=noise, speed=3.0, initial_state=fp.as_initial_state(), monitors=[bold],
                             key=1000 + seed, dtype="float64")
        out[f"fc{seed}"], out[f"half1_{seed}"], out[f"half2_{seed}"] = _fc_and_halves(ds.bold)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez(path, **out)
    return out


def fit_point(name, data, **kw):
    """Fit the first FC with the recipe's defaults (and ``kw``), score on the second: one row of the table."""
    conn = connectome({**POINTS, **WEAK}[name][0])
    iu = np.triu_indices(conn.n_regions, 1)

    def corr(a, b):
        return float(np.corrcoef(np.asarray(a)[iu], np.asarray(b)[iu])[0, 1])

    t0 = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = bn.fit_working_point(conn, data["fc1"], test_fc=data["fc2"], progress=False, **kw)
    a = res.attrs
    fc = res.fc.values
    fitted = np.log(res.noise_scale.values) if "noise_scale" in res else np.zeros(conn.n_regions)
    # heterogeneous truth: how closely the fitted amplitudes follow the true ones; uniform truth: their spread
    noise = float(np.corrcoef(fitted, np.log(data["scale"]))[0, 1]) if data["het"] else float(np.std(fitted))
    return dict(name=name, eta=float(data["eta"]), eta_fit=a["value"], frac=float(data["frac"]),
                frac_fit=a["G_over_G_ref"], gamma=a["weight_exponent"], h=a["homotopic_weight"],
                sc=a["sc_baseline_test"], ceiling=corr(data["fc1"], data["fc2"]),
                oracle=corr(data["expected"], data["fc2"]), uniform=a["test_corr_linear_uniform_noise"],
                structural=a["test_corr_linear_structural"], linear=a["test_corr_linear"],
                test=a["test_corr"], vs_true=corr(fc, data["expected"]),
                split_half=corr(data["half1_1"], data["half2_1"]), meanfc=float(fc[iu].mean()),
                meanfc_true=float(np.asarray(data["expected"])[iu].mean()), lam_n=a["noise_shrinkage"],
                lam_e=a["connection_shrinkage"], noise=noise, het=bool(data["het"]),
                warnings=",".join(sorted({type(w.message).__name__ for w in caught})) or "-",
                wall=time.perf_counter() - t0)


COLUMNS = ("point", "eta0 true / fit", "G/Gref true / fit", "W exp", "homot.", "SC base", "ceiling", "oracle",
           "lin uniform", "lin structural", "recipe (held out)", "vs true FC", "split-half", "meanFC model / true",
           "lambda noise", "lambda W", "noise: r(log) / sd(log)", "warnings", "wall s")


def row_text(r):
    return [r["name"], f"{r['eta']:g} / {r['eta_fit']:g}", f"{r['frac']:.2f} / {r['frac_fit']:.2f}",
            f"{r['gamma']:g}", f"{r['h']:g}"] + [f"{r[k]:.3f}" for k in (
                "sc", "ceiling", "oracle", "uniform", "structural", "test", "vs_true", "split_half")] + [
        f"{r['meanfc']:.3f} / {r['meanfc_true']:.3f}", f"{r['lam_n']:g}", f"{r['lam_e']:g}",
        f"r {r['noise']:.2f}" if r["het"] else f"sd {r['noise']:.2f}", r["warnings"], f"{r['wall']:.0f}"]


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--only", nargs="*", help=f"points to run (of {', '.join({**POINTS, **WEAK})})")
    p.add_argument("--duration", type=float, default=600.0, help="seconds of BOLD per run, after the discard")
    p.add_argument("--simulate", action="store_true", help="the whole recipe, its simulation stage too")
    p.add_argument("--cache", help="folder to keep the simulated FCs in between runs")
    p.add_argument("--time-split", action="store_true",
                   help="pass fc_halves: the FCs of the first run's halves (the shrinkages' time split)")
    args = p.parse_args()
    names = args.only or list(POINTS)
    unknown = [n for n in names if n not in {**POINTS, **WEAK}]
    if unknown:
        raise SystemExit(f"unknown point(s) {unknown}: choose from {', '.join({**POINTS, **WEAK})}")
    rows = []
    for name in names:
        t0 = time.perf_counter()
        data = synthetic(name, args.duration, args.cache)
        kw = {"fc_halves": (data["half1_1"], data["half2_1"])} if args.time_split else {}
        rows.append(fit_point(name, data, simulate=args.simulate, **kw))
        print(f"{name}: done in {time.perf_counter() - t0:.0f} s", flush=True)
    print(f"\nmachine: {platform.machine()}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}; brainnet_cb "
          f"{bn.__version__}; {args.duration:g} s of BOLD per run; "
          f"{'whole recipe' if args.simulate else 'linear stage of the recipe'}")
    print(" | ".join(COLUMNS))
    print(" | ".join("---" for _ in COLUMNS))
    for r in rows:
        print(" | ".join(row_text(r)))


if __name__ == "__main__":
    main()
