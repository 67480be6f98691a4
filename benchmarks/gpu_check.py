"""A short, prepared GPU check of the simulator (also runs on a CPU).

Prints a table: time per step (compile excluded), compile time, for the TVB
76-region connectome (dt = 0.1 ms, 10 s, Heun, r every 1 ms), with and without
noise, float32 and float64, a batch of 32 coupling strengths in one program,
a noisy sweep of 1,024 members (32 G x 32 seeds) in one program, and a
synthetic 2,000-region 2 %-dense connectome; then issue 13's rows against the
hand-written ``lax.scan`` reference on the same device, alternating in this
process (``benchmarks/bench_table.py``: W1, W1 noisy, W3 by default); and
checks that the accelerator's float64 result equals the CPU's.

The time per step is the median of ``--repeats`` calls after the first; the
compile time is what JAX reports compiling during the first call (tracing,
lowering and the backend's compile, from ``jax.monitoring``), not a difference
of wall times.

    python benchmarks/gpu_check.py --out gpu.json --markdown   # the tables for docs/performance.md
    python benchmarks/gpu_check.py --duration 200 --members 8 --sweep-duration 200 --table-rows ""  # a smoke run
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import platform
import statistics
import sys
import time

import jax
import jax.numpy as jnp
import numpy as np
from jax import monitoring

import brainnet_cb as bn

bn.enable_float64()

#: JAX's compile events (``/jax/core/compile/jaxpr_trace_duration``, ``..._to_mlir_module_duration``,
#: ``backend_compile_duration``): their durations during the first call are its compile time.
_COMPILE_EVENTS = "/jax/core/compile/"
_compile_seconds = [0.0]


def _on_event(name, seconds, **_):
    if name.startswith(_COMPILE_EVENTS):
        _compile_seconds[0] += seconds


monitoring.register_event_duration_secs_listener(_on_event)


def synthetic(n, density, seed=0):
    rng = np.random.default_rng(seed)
    w = rng.random((n, n)) * (rng.random((n, n)) < density)
    np.fill_diagonal(w, 0.0)
    centres = rng.uniform(-70, 70, (n, 3))
    lengths = np.linalg.norm(centres[:, None] - centres[None], axis=-1) * 1.2
    return bn.Connectome(w, lengths, name=f"synthetic{n}")


def timed(fn, steps, repeats):
    """``(us per step, compile s)``: the median of ``repeats`` calls after the first, and the compile time JAX
    reports during the first."""
    _compile_seconds[0] = 0.0
    jax.block_until_ready(fn().r.values)
    compile_s = _compile_seconds[0]
    walls = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        jax.block_until_ready(fn().r.values)
        walls.append(time.perf_counter() - t0)
    return statistics.median(walls) / steps * 1e6, compile_s


def markdown(rows, dev) -> str:
    """The rows as a Markdown table for docs/performance.md."""
    lines = [f"| case ({dev}) | regions | edges | µs / step | µs / step per network | compile s |",
             "|---|---:|---:|---:|---:|---:|"]
    for r in rows:
        per_net = r.get("us_per_step_per_network")
        lines.append(f"| {r['case']} | {r['regions']} | {r['edges']} | {r['us_per_step']:.2f} | "
                     f"{'' if per_net is None else f'{per_net:.3f}'} | {r['compile_s']:.2f} |")
    return "\n".join(lines)


def write_json(result, path, overwrite):
    """``result`` as JSON at ``path``, written whole (a temporary file renamed) and never over a file unasked."""
    path = pathlib.Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(result, indent=1))
    if path.exists() and not overwrite:
        tmp.unlink()
        raise SystemExit(f"{path} exists; pass --overwrite to replace it, or another --out.")
    tmp.replace(path)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default=None, help="write the results as JSON here")
    parser.add_argument("--overwrite", action="store_true", help="replace an existing --out")
    parser.add_argument("--markdown", action="store_true", help="print the tables as Markdown at the end")
    parser.add_argument("--duration", type=float, default=10_000.0, help="ms of each tvb76 run (default 10 s)")
    parser.add_argument("--members", type=int, default=1024, help="members of the noisy sweep (one program)")
    parser.add_argument("--sweep-duration", type=float, default=1000.0, help="ms of each sweep member")
    parser.add_argument("--repeats", type=int, default=2, help="timed calls after the compiling one (median)")
    parser.add_argument("--table-rows", default="W1,W1 noisy,W3",
                        help='issue 13 rows against the hand-written reference ("" for none)')
    args = parser.parse_args()
    if args.out and pathlib.Path(args.out).exists() and not args.overwrite:
        parser.error(f"{args.out} exists; pass --overwrite to replace it, or another --out.")
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import bench_table  # beside this file

    keys = [k for k in args.table_rows.split(",") if k]
    unknown = [k for k in keys if k not in bench_table.ROWS]
    if unknown:
        parser.error(f"unknown --table-rows {unknown}; choose from {list(bench_table.ROWS)}")
    dev = jax.devices()[0]
    device = f"{dev.platform} {dev.device_kind}"
    print(f"jax {jax.__version__} on {dev.platform} ({dev.device_kind}); python {platform.python_version()}")
    tvb = bn.load_atlas("tvb76")
    big = synthetic(2000, 0.02)
    mon = [bn.SubSample(1.0, variables=("r",))]
    rows = []

    def row(name, conn, steps, fn, members=None):
        us, compile_s = timed(fn, steps, args.repeats)
        entry = {"case": name, "regions": conn.n_regions, "edges": conn.n_edges, "us_per_step": us,
                 "compile_s": compile_s}
        if members:
            entry["us_per_step_per_network"] = us / members
        rows.append(entry)
        shown = us / members if members else us
        print(f"{name:<34} {conn.n_regions:>6} {conn.n_edges:>7} {shown:>10.3f} {compile_s:>9.2f}", flush=True)

    print(f"{'case':<34} {'n':>6} {'edges':>7} {'us/step':>10} {'compile s':>9}  (batches: per network)")
    steps = round(args.duration / 0.1)
    for dtype in ("float32", "float64"):
        for noise in (None, bn.Additive(v=0.1)):
            tag = f"tvb76 heun {dtype}" + (" noise" if noise else "")
            row(tag, tvb, steps, lambda noise=noise, dtype=dtype: bn.simulate(
                bn.CoombesByrne(), tvb, args.duration, 0.1, coupling=bn.Linear(G=0.5), noise=noise,
                monitors=mon, dtype=dtype))
    G = np.linspace(0.0, 1.0, 32)
    row("tvb76 batch of 32 G float32", tvb, steps, lambda: bn.simulate_batch(
        bn.CoombesByrne(), tvb, args.duration, 0.1, batch={"G": G}, monitors=mon, dtype="float32"), members=32)
    # a noisy sweep in one program: G x seed, each member its own noise realisation
    members = args.members
    G_sweep = np.repeat(np.linspace(0.0, 1.0, 32), -(-members // 32))[:members]
    row(f"tvb76 noisy sweep of {members} float32", tvb, round(args.sweep_duration / 0.1), lambda: bn.simulate_batch(
        bn.CoombesByrne(), tvb, args.sweep_duration, 0.1, batch={"G": G_sweep, "seed": np.arange(members)},
        noise=bn.Additive(v=0.1), monitors=mon, dtype="float32"), members=members)
    row("synthetic 2000 2% heun float32", big, round(1000.0 / 0.1),
        lambda: bn.simulate(bn.CoombesByrne(), big, 1000.0, 0.1, coupling=bn.Linear(G=0.5), monitors=mon,
                            dtype="float32"))

    table = {}
    if keys:
        print("# issue 13 rows, project against the hand-written reference on this device:", flush=True)
        table = bench_table.measure(bench_table.make_rows(bn, jax, jnp, jnp.dtype("float32"), keys), args.repeats)
        print(bench_table.format_table(table, bench_table.ISSUE_BEFORE), flush=True)

    # the accelerator's float64 run equals the CPU's
    kw = dict(duration=1000.0, dt=0.1, coupling=bn.Linear(G=0.5), monitors=mon, dtype="float64")
    here = bn.simulate(bn.CoombesByrne(), tvb, **kw).r.values
    with jax.default_device(jax.devices("cpu")[0]):
        cpu = bn.simulate(bn.CoombesByrne(), tvb, **kw).r.values
    diff = float(np.max(np.abs(here - cpu)))
    print(f"max |r_device - r_cpu| over 1 s, float64: {diff:.3e}")
    if args.markdown:
        print(markdown(rows, device))
    result = {"device": device, "jax": jax.__version__, "rows": rows, "table": table,
              "max_abs_diff_vs_cpu_float64": diff}
    if args.out:
        write_json(result, args.out, args.overwrite)


if __name__ == "__main__":
    main()
