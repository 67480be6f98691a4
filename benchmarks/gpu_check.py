"""A short, prepared GPU check of the simulator (also runs on a CPU).

Prints a table: time per step (compile excluded), compile time, for the TVB
76-region connectome (dt = 0.1 ms, 10 s, Heun, r every 1 ms), with and without
noise, float32 and float64, a batch of 32 coupling strengths in one program,
a noisy sweep of 1,024 members (32 G x 32 seeds) in one program, and a
synthetic 2,000-region 2 %-dense connectome; and checks that the accelerator's
float64 result equals the CPU's.

    python benchmarks/gpu_check.py [--out results.json] [--members 1024]
"""

from __future__ import annotations

import argparse
import json
import platform
import time

import jax
import numpy as np

import brainnet_cb as bn

bn.enable_float64()


def synthetic(n, density, seed=0):
    rng = np.random.default_rng(seed)
    w = rng.random((n, n)) * (rng.random((n, n)) < density)
    np.fill_diagonal(w, 0.0)
    centres = rng.uniform(-70, 70, (n, 3))
    lengths = np.linalg.norm(centres[:, None] - centres[None], axis=-1) * 1.2
    return bn.Connectome(w, lengths, name=f"synthetic{n}")


def timed(fn, steps):
    t0 = time.perf_counter()
    out = fn()
    jax.block_until_ready(out.r.values)
    first = time.perf_counter() - t0
    t0 = time.perf_counter()
    out = fn()
    second = time.perf_counter() - t0
    return out, second / steps * 1e6, first - second


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default=None)
    parser.add_argument("--duration", type=float, default=10_000.0)
    parser.add_argument("--members", type=int, default=1024, help="members of the noisy sweep (one program)")
    parser.add_argument("--sweep-duration", type=float, default=1000.0, help="ms of each sweep member")
    args = parser.parse_args()
    dev = jax.devices()[0]
    print(f"jax {jax.__version__} on {dev.platform} ({dev.device_kind}); python {platform.python_version()}")
    tvb = bn.load_atlas("tvb76")
    big = synthetic(2000, 0.02)
    mon = [bn.SubSample(1.0, variables=("r",))]
    rows = []

    def row(name, conn, steps, fn):
        _, us, compile_s = timed(fn, steps)
        rows.append({"case": name, "regions": conn.n_regions, "edges": conn.n_edges, "us_per_step": us,
                     "compile_s": compile_s})
        print(f"{name:<34} {conn.n_regions:>6} {conn.n_edges:>7} {us:>10.2f} {compile_s:>9.2f}", flush=True)

    print(f"{'case':<34} {'n':>6} {'edges':>7} {'us/step':>10} {'compile s':>9}")
    steps = round(args.duration / 0.1)
    for dtype in ("float32", "float64"):
        for noise in (None, bn.Additive(v=0.1)):
            tag = f"tvb76 heun {dtype}" + (" noise" if noise else "")
            row(tag, tvb, steps, lambda noise=noise, dtype=dtype: bn.simulate(
                bn.CoombesByrne(), tvb, args.duration, 0.1, coupling=bn.Linear(G=0.5), noise=noise,
                monitors=mon, dtype=dtype))
    G = np.linspace(0.0, 1.0, 32)
    _, us, compile_s = timed(lambda: bn.simulate_batch(bn.CoombesByrne(), tvb, args.duration, 0.1,
                                                       batch={"G": G}, monitors=mon, dtype="float32"), steps)
    rows.append({"case": "tvb76 batch of 32 G float32", "us_per_step": us, "us_per_step_per_network": us / 32,
                 "compile_s": compile_s})
    print(f"{'tvb76 batch 32 G float32 (per net)':<34} {76:>6} {tvb.n_edges:>7} {us / 32:>10.2f} {compile_s:>9.2f}")
    # a noisy sweep in one program: G x seed, each member its own noise realisation
    members = args.members
    G_sweep = np.repeat(np.linspace(0.0, 1.0, 32), -(-members // 32))[:members]
    _, us, compile_s = timed(lambda: bn.simulate_batch(
        bn.CoombesByrne(), tvb, args.sweep_duration, 0.1, batch={"G": G_sweep, "seed": np.arange(members)},
        noise=bn.Additive(v=0.1), monitors=mon, dtype="float32"), round(args.sweep_duration / 0.1))
    rows.append({"case": f"tvb76 noisy sweep of {members} float32", "us_per_step": us,
                 "us_per_step_per_network": us / members, "compile_s": compile_s})
    print(f"{f'tvb76 noisy sweep {members} (per net)':<34} {76:>6} {tvb.n_edges:>7} {us / members:>10.3f} "
          f"{compile_s:>9.2f}", flush=True)
    big_steps = round(1000.0 / 0.1)
    row("synthetic 2000 2% heun float32", big, big_steps,
        lambda: bn.simulate(bn.CoombesByrne(), big, 1000.0, 0.1, coupling=bn.Linear(G=0.5), monitors=mon,
                            dtype="float32"))

    # the accelerator's float64 run equals the CPU's
    kw = dict(duration=1000.0, dt=0.1, coupling=bn.Linear(G=0.5), monitors=mon, dtype="float64")
    here = bn.simulate(bn.CoombesByrne(), tvb, **kw).r.values
    with jax.default_device(jax.devices("cpu")[0]):
        cpu = bn.simulate(bn.CoombesByrne(), tvb, **kw).r.values
    diff = float(np.max(np.abs(here - cpu)))
    print(f"max |r_device - r_cpu| over 1 s, float64: {diff:.3e}")
    result = {"device": f"{dev.platform} {dev.device_kind}", "jax": jax.__version__, "rows": rows,
              "max_abs_diff_vs_cpu_float64": diff}
    if args.out:
        with open(args.out, "w") as fh:
            json.dump(result, fh, indent=1)


if __name__ == "__main__":
    main()
