#!/usr/bin/env python
"""Noisy and noiseless W1: ``bn.simulate`` against hand-written ``lax.scan`` references (issue 13).

W1 is the core workload of ``bench_core.py``: tvb76 (or the seeded random
76-region graph), delays at 3 mm/ms, Coombes–Byrne, ``Linear(G=0.5)`` into
``v``, Heun at dt = 0.1 ms (coupling held over both stages), 10 s simulated
(100,000 steps), ``r`` every 1 ms. The noisy variant adds ``Additive(v=0.1)``
(key 0).

Rows, timed in ONE process per dtype, alternating (round-robin, so that load
from other processes hits them alike), median and best of ``--repeats``:

- ``bn noisy``: the whole public ``bn.simulate(..., noise=bn.Additive(v=0.1))``;
- ``ref noisy``: a hand-written scan that draws its normals once per 1-ms
  block of 10 steps (``normal(fold_in(key, b), (10, n))``, block ``b``) and
  feeds them to the inner 10-step scan as its ``xs``;
- ``bn``: ``bn.simulate`` without noise;
- ``ref``: the hand-written noiseless scan of ``bench_core.py`` (the yardstick).

Ratios: ``bn noisy / ref noisy`` and ``bn / ref`` (issue 13's target: the
noisy ratio <= 1.1). In float64 the script also prints
``max |r_bn - r_ref|`` for the noisy run: the engine's noise blocks are 10
steps aligned to absolute step numbers drawn from ``fold_in(key, b)``, so the
reference integrates the same realisation (agreement to round-off).

Usage::

    python benchmarks/bench_noise.py                   # float32 and float64, 7 rounds
    python benchmarks/bench_noise.py --dtypes float32 --repeats 11
    BENCH_NOISE_PACKAGE_DIR=/tmp/old python benchmarks/bench_noise.py   # a copy of the package holding
                                                                        # brainnet_cb/ (e.g. a "before")
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import bench_core as bc  # noqa: E402  (sibling module; needs the path first)

SIGMA_V = bc.SIGMA_V
KEY = bc.NOISE_KEY


def child(npz, dtype, repeats):
    if os.environ.get("BENCH_NOISE_PACKAGE_DIR"):  # time another copy of the package (e.g. a "before")
        sys.path.insert(0, os.environ["BENCH_NOISE_PACKAGE_DIR"])
        import brainnet_cb  # noqa: F401  (cached: bench_core's import then finds this one)
    bn, jax, jnp = bc._jax_setup(dtype)
    w, lengths, labels = bc._load(npz)
    conn = bn.Connectome(w, lengths, labels)
    n_samples = bc.N_STEPS // bc.PERIOD_STEPS
    jdt = jnp.dtype(dtype)
    key = jax.random.key(KEY)

    run_n, init_n = bc.yardstick_noisy(jax, jnp, w, lengths, jdt)
    prog_n = jax.jit(lambda c, k: run_n(c, bc.G, n_samples, k))
    run_d, init_d = bc.yardstick(jax, jnp, w, lengths, jdt)
    prog_d = jax.jit(lambda c: run_d(c, bc.G, n_samples))
    c_n, c_d = init_n(), init_d()
    out = {}

    def bn_call(noise):
        def call():
            kw = bc._simulate_kwargs(bn, dtype)
            if noise:
                kw.update(noise=bn.Additive(v=SIGMA_V), key=KEY)
            out["bn_noisy" if noise else "bn"] = bn.simulate(bn.CoombesByrne(), conn, **kw).r.values
        return call

    def ref_noisy():
        out["ref_noisy"] = np.asarray(prog_n(c_n, key)[1])

    def ref():
        out["ref"] = np.asarray(prog_d(c_d)[1])

    rows = {"bn noisy": bn_call(True), "ref noisy": ref_noisy, "bn": bn_call(False), "ref": ref}
    compile_s = {}
    for name, fn in rows.items():  # first calls: compile
        t0 = time.perf_counter()
        fn()
        compile_s[name] = time.perf_counter() - t0
    times = {name: [] for name in rows}
    cpu = {name: [] for name in rows}
    loads = []
    for _ in range(repeats):
        loads.append(os.getloadavg()[0])
        for name, fn in rows.items():
            t0, c0 = time.perf_counter(), time.process_time()
            fn()
            times[name].append(time.perf_counter() - t0)
            cpu[name].append(time.process_time() - c0)
    res = dict(dtype=dtype, load=[min(loads), max(loads)], rows={})
    for name in rows:
        t = np.asarray(times[name]) / bc.N_STEPS * 1e6
        c = np.asarray(cpu[name]) / bc.N_STEPS * 1e6
        res["rows"][name] = dict(median=float(np.median(t)), best=float(t.min()), cpu_median=float(np.median(c)),
                                 first_s=compile_s[name])
    res["agree_noisy"] = float(np.abs(out["bn_noisy"] - out["ref_noisy"]).max())
    res["agree"] = float(np.abs(out["bn"] - out["ref"]).max())
    res["out_dtype"] = str(out["bn_noisy"].dtype)
    return res


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dtypes", default="float32,float64")
    ap.add_argument("--repeats", type=int, default=7, help="timed rounds after the first (default 7)")
    ap.add_argument("--connectome", choices=("auto", "tvb76", "random"), default="auto")
    ap.add_argument("--json", help="also write the results to this JSON file")
    ap.add_argument("--child")
    ap.add_argument("--npz")
    args = ap.parse_args(argv)
    if args.child:
        print("RESULT " + json.dumps(child(args.npz, args.child, args.repeats)), flush=True)
        return 0

    tmp = tempfile.mkdtemp(prefix="bench_noise_")
    npz = os.path.join(tmp, "connectome.npz")
    info, err = bc.spawn(sys.executable, "connectome", "float64", npz, 0, False, 600,
                         extra=("--connectome", args.connectome))
    if info is None:
        raise SystemExit(f"could not build the connectome: {err}")
    import platform

    head = subprocess.run(["git", "-C", str(bc.REPO), "log", "-1", "--format=%h"], capture_output=True,
                          text=True).stdout.strip()
    dirty = subprocess.run(["git", "-C", str(bc.REPO), "status", "--porcelain", "--", "brainnet_cb"],
                           capture_output=True, text=True).stdout.strip()
    print(f"# brainnet_cb noise benchmark ({time.strftime('%Y-%m-%d %H:%M')}), brainnet_cb {head}"
          + (" + uncommitted changes" if dirty else ""))
    print(f"# machine: {platform.machine()}, {os.cpu_count()} cores, python {info['python']}, jax {info['jax']}")
    print(f"# connectome: {info['desc']}; W1: Heun, dt {bc.DT} ms, {bc.DURATION / 1000:g} s, r every "
          f"{bc.PERIOD} ms; noise Additive(v={SIGMA_V}); {args.repeats} alternating rounds")
    results = {}
    lines = ["| dtype | bn noisy | ref noisy | ratio noisy | bn | ref | ratio | ratios by CPU time | load "
             "| noisy max abs diff |",
             "|---|---:|---:|---:|---:|---:|---:|---|---|---:|"]
    for dtype in args.dtypes.split(","):
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        p = subprocess.run([sys.executable, __file__, "--child", dtype, "--npz", npz, "--repeats",
                            str(args.repeats)], capture_output=True, text=True, env=env, cwd=str(bc.REPO))
        res = next((json.loads(line[7:]) for line in p.stdout.splitlines() if line.startswith("RESULT ")), None)
        if res is None:
            print(f"# {dtype} failed: {(p.stderr or p.stdout)[-500:]}")
            continue
        results[dtype] = res
        rw = res["rows"]

        def cell(name, rw=rw):
            return f"{rw[name]['median']:.2f} ({rw[name]['best']:.2f})"

        ratio_n = rw["bn noisy"]["median"] / rw["ref noisy"]["median"]
        ratio = rw["bn"]["median"] / rw["ref"]["median"]
        cpu_n = rw["bn noisy"]["cpu_median"] / rw["ref noisy"]["cpu_median"]
        cpu_d = rw["bn"]["cpu_median"] / rw["ref"]["cpu_median"]
        lines.append(f"| {res['out_dtype']} | {cell('bn noisy')} | {cell('ref noisy')} | {ratio_n:.2f} | "
                     f"{cell('bn')} | {cell('ref')} | {ratio:.2f} | {cpu_n:.2f} / {cpu_d:.2f} | "
                     f"{res['load'][0]:.1f}-{res['load'][1]:.1f} | {res['agree_noisy']:.1e} |")
    print("# us/step: wall median (best) of the alternating rounds; ratio = median bn / median ref; "
          "ratios by CPU time: the same with process CPU time (noisy / noiseless; hurt less by other "
          "processes on a shared machine); load = 1-min load average during the rounds")
    print("\n".join(lines))
    if args.json:
        with open(args.json, "w") as fh:
            json.dump({"connectome": info["desc"], "results": results}, fh, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
