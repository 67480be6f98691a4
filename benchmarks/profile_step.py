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
"""

from __future__ import annotations

import argparse
import os
import pathlib
import sys
import time

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import bench_core as bc


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dtype", default="float64", choices=("float64", "float32"))
    ap.add_argument("--connectome", default="auto", choices=("auto", "tvb76", "random"))
    ap.add_argument("--repeats", type=int, default=9)
    ap.add_argument("--only", help="comma-separated variant names (substring match)")
    ap.add_argument("--hlo", help="write each variant's optimized HLO text into this folder")
    args = ap.parse_args()

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

        def _one_step(carry, dyn, plan):  # the bookkeeping's results unused: XLA drops it
            return one(carry, dyn, plan)._replace(bad_step=carry.bad_step, bad_region=carry.bad_region)

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
