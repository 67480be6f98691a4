#!/usr/bin/env python
"""Where the time of one brainnet_cb step goes: engine-only timing variants.

Same workload as ``bench_core.py`` (76 regions, Heun, dt 0.1 ms, 10 s, r every
1 ms). Each variant compiles ``_engine.advance`` with one piece of the step
swapped (monkeypatched in this process only; the package is not edited), then
all variants are timed round-robin in one process, so that load from other
processes hits them alike; the best of ``--repeats`` is printed.

Variants:

- ``engine (HEAD)``: ``_engine.advance`` as it is (its ``read_delayed`` wraps
  the flat index with one select, since commit fe15fb4);
- ``old_mod``: ``read_delayed`` as before fe15fb4: ``% table.buffer_size``, a
  modulo by a value known only at run time (``buffer_size`` was a pytree leaf
  of ``DelayTable``), i.e. an integer division per gathered element;
- ``static_mod``: modulo by the compile-time constant ``L * n`` (what the
  yardstick does);
- ``no_finite``: without the per-step divergence bookkeeping
  (``isfinite`` + ``all`` + ``argmin`` + selects);
- ``cond argmin``: the bookkeeping's ``argmin`` in a ``lax.cond`` taken only on
  the first non-finite step;
- ``sum check + cond argmin``: one scalar ``isfinite(sum(x))`` per step and
  the argmin under ``lax.cond``;
- ``dense N x N read``: every (target, source) pair gathered, for scale;
- ``yardstick``: the hand-written scan of ``bench_core.py``.

Usage: ``python benchmarks/profile_step.py [--dtype float32] [--connectome random] [--hlo DIR]``

``--main-job`` profiles the step of the main job instead (``brainnet-cb run``:
tvb76 normalised by its largest weight, Coombes–Byrne defaults, ``Linear(G=1)``,
3 mm/ms, ``Additive(v=0.3)``, ``TemporalAverage(10 ms)``,
``Bold(tr=720 ms, revised_3T)``, ``EEG.from_atlas("tvb76", period=5 ms)``,
Heun, float32) at ``--dts`` (default 0.1 and 0.2 ms), ``--seconds`` of
simulated time per call (default 7.2 s), the compiled engine alone
(``engine._scan_blocks`` under ``jax.jit``), each variant its own program,
timed round-robin; median and best µs/step (wall), best process-CPU µs/step:

- ``engine (HEAD)``: as it is;
- ``before``: the engine as before issue 13's step work: the noise block drawn
  by ``jax.random.fold_in`` and ``jax.random.normal`` (JAX's rolled Threefry loop) and
  ``Bold``'s sub-step as a ``lax.cond`` in every step's update (same numbers);
- ``no noise`` / ``no Bold`` / ``no EEG``: one component left out (what it costs);
- ``no divergence check``: the per-step ``isfinite`` bookkeeping's results dropped;
- ``no noise draw``: the noise block a constant (the cost of the draws alone).

``--main-job --run-seconds 60`` also times whole ``bn.simulate`` calls of that
length (compilation included, each in a fresh process, HEAD and before
alternating).
"""

from __future__ import annotations

import argparse
import os
import pathlib
import statistics
import subprocess
import sys
import time

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import bench_core as bc


def _main_job_kwargs(bn, dt, noise=True, mons=("ta", "bold", "eeg")):
    monitors = []
    if "ta" in mons:
        monitors.append(bn.TemporalAverage(10.0))
    if "bold" in mons:
        monitors.append(bn.Bold(tr=720.0, preset="revised_3T"))
    if "eeg" in mons:
        monitors.append(bn.EEG.from_atlas("tvb76", period=5.0))
    return dict(dt=dt, coupling=bn.Linear(G=1.0), speed=3.0, monitors=monitors, method="heun", dtype="float32",
                noise=bn.Additive(v=0.3) if noise else None, key=0)


def patch_before():
    """The engine's step as before issue 13's step work (same numbers): jax.random.normal, Bold branch per step."""
    import jax

    from brainnet_cb import noise
    from brainnet_cb.simulation import engine

    noise.normal, noise.fold_in = jax.random.normal, jax.random.fold_in
    engine._settled = lambda dyn, plan, level: ()


def main_job(args):
    """Engine-only variants of the main job's step (see the module docstring)."""
    import jax
    import jax.numpy as jnp

    import brainnet_cb as bn
    from brainnet_cb import noise
    from brainnet_cb.simulation import engine

    conn = bn.load_atlas("tvb76").normalized("max")
    orig = dict(normal=noise.normal, fold_in=noise.fold_in, settled=engine._settled, one=engine._one_step,
                nb=engine._noise_block)

    def reset():
        noise.normal, noise.fold_in, engine._settled = orig["normal"], orig["fold_in"], orig["settled"]
        engine._one_step, engine._noise_block = orig["one"], orig["nb"]

    def no_div():
        def one(carry, dyn, plan, dW=None, settled=(), before=None):
            new = orig["one"](carry, dyn, plan, dW, settled, before)
            return new._replace(bad_step=carry.bad_step, bad_region=carry.bad_region)

        engine._one_step = one

    def no_draw():
        def nb(carry, dyn, plan):
            return jnp.zeros((noise.NOISE_BLOCK,) + carry.x.shape, carry.x.dtype) + dyn.sigma[0, 0]

        engine._noise_block = nb

    variants = {
        "engine (HEAD)": ({}, []),
        "before": ({}, [patch_before]),
        "no noise": ({"noise": False}, []),
        "no Bold": ({"mons": ("ta", "eeg")}, []),
        "no EEG": ({"mons": ("ta", "bold")}, []),
        "no divergence check": ({}, [no_div]),
        "no noise draw": ({}, [no_draw]),
    }
    if args.only:
        keep = args.only.split(",")
        variants = {k: v for k, v in variants.items() if any(s in k for s in keep)}
    duration = args.seconds * 1000.0
    for dt in [float(x) for x in args.dts.split(",")]:
        programs, compile_s, n_steps = {}, {}, round(duration / dt)
        for name, (kw, patches) in variants.items():
            reset()
            jax.clear_caches()
            for p in patches:
                p()
            run = bn.prepare(bn.CoombesByrne(), conn, duration=duration, **_main_job_kwargs(bn, dt, **kw))
            top = len(run.plan.levels) - 1
            nb = n_steps // run.plan.levels[top][0]
            prog = jax.jit(lambda c, d, plan=run.plan, nb=nb, top=top: engine._scan_blocks(c, d, plan, nb, top))
            t0 = time.perf_counter()
            programs[name] = (prog.lower(run.carry, run.dyn).compile(), run)
            compile_s[name] = time.perf_counter() - t0
        reset()
        wall = {k: [] for k in programs}
        cpu = {k: [] for k in programs}
        for comp, run in programs.values():
            jax.block_until_ready(comp(run.carry, run.dyn))
        load0 = os.getloadavg()
        for _ in range(args.repeats):
            for name, (comp, run) in programs.items():
                t0, c0 = time.perf_counter(), time.process_time()
                jax.block_until_ready(comp(run.carry, run.dyn))
                wall[name].append(time.perf_counter() - t0)
                cpu[name].append(time.process_time() - c0)
        load1 = os.getloadavg()
        print(f"\n# main job, dt = {dt} ms, {n_steps:,} steps per call, engine only; {args.repeats} rounds, "
              f"round-robin; load (1/5/15 min) {load0[0]:.2f}/{load0[1]:.2f}/{load0[2]:.2f} -> "
              f"{load1[0]:.2f}/{load1[1]:.2f}/{load1[2]:.2f}")
        print("| variant | µs/step median | best | CPU µs/step best | vs HEAD (median) | compile s |")
        print("|---|---:|---:|---:|---:|---:|")
        ref = statistics.median(wall[next(iter(wall))])
        for name in programs:
            med = statistics.median(wall[name])
            print(f"| {name} | {med / n_steps * 1e6:.2f} | {min(wall[name]) / n_steps * 1e6:.2f} | "
                  f"{min(cpu[name]) / n_steps * 1e6:.2f} | {med / ref:.2f} | {compile_s[name]:.1f} |")
    if args.run_seconds:
        run_rows(args)


_CHILD = """
import os, sys, time
t0 = time.perf_counter()
sys.path.insert(0, {bench!r})
import brainnet_cb as bn
import profile_step as ps
if {before!r}:
    ps.patch_before()
conn = bn.load_atlas("tvb76").normalized("max")
ds = bn.simulate(bn.CoombesByrne(), conn, duration={ms!r}, **ps._main_job_kwargs(bn, {dt!r}))
c = time.process_time()
print(time.perf_counter() - t0, c, float(ds.bold.values.sum()))
"""


def run_rows(args):
    """Whole bn.simulate calls of the main job, HEAD and before alternating, each in a fresh process."""
    bench = str(pathlib.Path(__file__).resolve().parent)
    for dt in [float(x) for x in args.dts.split(",")]:
        rows = {"engine (HEAD)": [], "before": []}
        sums = {}
        load0 = os.getloadavg()
        for _ in range(args.run_repeats):
            for name in rows:
                code = _CHILD.format(bench=bench, before=name == "before", ms=args.run_seconds * 1000.0, dt=dt)
                out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                                     env=dict(os.environ, OPENBLAS_NUM_THREADS="1"))
                wall, cpu, total = out.stdout.split()[-3:]
                rows[name].append((float(wall), float(cpu)))
                sums[name] = total
        load1 = os.getloadavg()
        print(f"\n# bn.simulate of the main job, {args.run_seconds:g} s at dt = {dt} ms (imports + compilation "
              f"+ run, fresh process each, alternating, {args.run_repeats} each); load {load0[0]:.2f} -> "
              f"{load1[0]:.2f}; BOLD sums equal: {len(set(sums.values())) == 1}")
        print("| variant | wall s median | best | CPU s median |\n|---|---:|---:|---:|")
        for name, vals in rows.items():
            print(f"| {name} | {statistics.median(v[0] for v in vals):.1f} | {min(v[0] for v in vals):.1f} | "
                  f"{statistics.median(v[1] for v in vals):.1f} |")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--main-job", action="store_true", help="profile the main job's step (see the docstring)")
    ap.add_argument("--dts", default="0.1,0.2", help="--main-job: comma-separated dt values (ms)")
    ap.add_argument("--seconds", type=float, default=7.2, help="--main-job: simulated seconds per timed call")
    ap.add_argument("--run-seconds", type=float, default=0.0, help="--main-job: also time bn.simulate of this length")
    ap.add_argument("--run-repeats", type=int, default=3)
    ap.add_argument("--dtype", default="float64", choices=("float64", "float32"))
    ap.add_argument("--connectome", default="auto", choices=("auto", "tvb76", "random"))
    ap.add_argument("--repeats", type=int, default=9)
    ap.add_argument("--only", help="comma-separated variant names (substring match)")
    ap.add_argument("--hlo", help="write each variant's optimized HLO text into this folder")
    args = ap.parse_args()
    if args.main_job:
        return main_job(args)

    w, lengths, labels, desc = bc.build_connectome(args.connectome)
    bn, jax, jnp = bc._jax_setup(args.dtype)
    from brainnet_cb import _engine, delays

    conn = bn.Connectome(w, lengths, labels)
    run = bn.prepare(bn.CoombesByrne(), conn, **bc._simulate_kwargs(bn, args.dtype))
    n_blocks = bc.N_STEPS // bc.PERIOD_STEPS
    orig = dict(read=delays.read_delayed, one_step=_engine._one_step)

    def reset():
        delays.read_delayed = _engine.read_delayed = orig["read"]
        _engine._one_step = orig["one_step"]

    def old_mod():
        # delays.read_delayed before commit fe15fb4: modulo by DelayTable.buffer_size, a pytree
        # leaf, i.e. a value XLA only sees at run time (optimization_barrier stands in for it).
        def read_delayed(hist, step, table):
            L, n = hist.shape
            size = jax.lax.optimization_barrier(jnp.asarray(L * n, jnp.int32))
            base = (step % (size // n)) * n
            idx = (base + table.offsets) % size
            return jnp.sum(table.weights * hist.reshape(-1)[idx], axis=1)

        delays.read_delayed = _engine.read_delayed = read_delayed

    def static_mod():
        def read_delayed(hist, step, table):
            L, n = hist.shape
            idx = ((step % L) * n + table.offsets) % (L * n)
            return jnp.sum(table.weights * hist.reshape(-1)[idx], axis=1)

        delays.read_delayed = _engine.read_delayed = read_delayed

    def no_finite():
        one = _engine._one_step

        def _one_step(carry, dyn, plan, dW=None, settled=(), before=None):  # bookkeeping unused: XLA drops it
            new = one(carry, dyn, plan, dW, settled, before)
            return new._replace(bad_step=carry.bad_step, bad_region=carry.bad_region)

        _engine._one_step = _one_step

    def dense():
        # a dense N x N delayed read, for scale: hist[(p - lag_ij) mod L, j] for all i, j
        lags = np.rint(np.asarray(run.connectome.lengths) / (bc.SPEED * bc.DT)).astype(np.int32)
        lags = np.where(np.asarray(run.connectome.lengths) > 0, np.maximum(lags, 1), 0)
        wd = jnp.asarray(run.connectome.weights, run.dyn.table.weights.dtype)

        def read_delayed(hist, step, table):
            L, n = hist.shape
            idx = ((step - jnp.asarray(lags)) % L) * n + jnp.arange(n)[None, :]
            return jnp.sum(wd * hist.reshape(-1)[idx], axis=1)

        delays.read_delayed = _engine.read_delayed = read_delayed

    variants = {
        "engine (HEAD)": [],
        "old_mod (traced % buffer_size)": [old_mod],
        "static_mod (% constant L*n)": [static_mod],
        "no_finite": [no_finite],
        "cond argmin": [bc.patch_cond_argmin],
        "sum check + cond argmin": [bc.patch_sum_check],
        "old_mod + no_finite": [old_mod, no_finite],
        "dense N x N read": [dense],
    }
    if args.only:
        keep = args.only.split(",")
        variants = {k: v for k, v in variants.items() if any(s in k for s in keep)}
    programs, compile_s = {}, {}
    for name, patches in variants.items():
        reset()
        jax.clear_caches()
        for p in patches:
            p()
        def advance(carry, dyn, plan, n_blocks, level):  # a new function: its own jit cache
            return _engine.advance.__wrapped__(carry, dyn, plan, n_blocks, level)

        prog = jax.jit(advance, static_argnames=("plan", "n_blocks", "level"))
        t0 = time.perf_counter()
        lowered = prog.lower(run.carry, run.dyn, run.plan, n_blocks, 0)
        compiled = lowered.compile()
        compile_s[name] = time.perf_counter() - t0
        if args.hlo:
            os.makedirs(args.hlo, exist_ok=True)
            pathlib.Path(args.hlo, f"{name}.hlo.txt").write_text(compiled.as_text())
        programs[name] = lambda c=compiled: jax.block_until_ready(c(run.carry, run.dyn))
    reset()

    yrun, yinit = bc.yardstick(jax, jnp, w, lengths, jnp.dtype(args.dtype))
    t0 = time.perf_counter()
    ycomp = jax.jit(lambda c: yrun(c, bc.G, n_blocks)).lower(yinit()).compile()
    compile_s["yardstick"] = time.perf_counter() - t0
    carry0 = yinit()
    programs["yardstick"] = lambda: jax.block_until_ready(ycomp(carry0))

    best = {k: float("inf") for k in programs}
    for f in programs.values():
        f()  # warm up
    for _ in range(args.repeats):
        for name, f in programs.items():
            t0 = time.perf_counter()
            f()
            best[name] = min(best[name], time.perf_counter() - t0)
    print(f"# {desc}; {args.dtype}; engine only (no prepare / Dataset); best of {args.repeats}, "
          f"round-robin; 1-min load {os.getloadavg()[0]:.2f}")
    print("| variant | us/step | vs yardstick | compile s |\n|---|---:|---:|---:|")
    y = best["yardstick"]
    for name, t in best.items():
        us = t / bc.N_STEPS * 1e6
        print(f"| {name} | {us:.2f} | {t / y:.2f} | {compile_s[name]:.2f} |")


if __name__ == "__main__":
    main()
