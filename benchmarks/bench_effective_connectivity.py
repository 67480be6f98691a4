"""Time the refinement of the connection weights (effective connectivity) on hcp80: first call and warm.

The refinement (:func:`brainnet_cb.fitting.effective_connectivity.choose_connection_shrinkage`) is most of the
structure time of a default ``fit_working_point`` on hcp80: two-fold cross-validation over the connection
shrinkages for two shares of the pairs, every fit an L-BFGS-B run whose objective (the slow-limit FC's loss and
its gradient, one compiled JAX function per number of pairs) is called thousands of times.

Workload: the bundled hcp80 group SC (80 regions, 3160 connected pairs) normalised by its maximum,
``CoombesByrne(eta=-2)`` at ``--fraction`` of its critical coupling (of ``G_slowest``, the coupling of its
slowest mode, where it has none) (``Linear``, no delays: the slow limit),
noise 0.02 on ``v``, the fit group's FC as the target on every pair, the regional noise fitted alone first
(``choose_shrinkage``, key 0). The point is not the one the recipe chooses (that one also scans weight exponents
and homotopic weights), so the numbers of calls differ from a ``fit_working_point`` run; the shapes are the same.

Rows, for each ``--workers``: the first call in the process (tracing and XLA compilation included) and the warm
calls after it (``--repeats``; median and best). Columns: wall seconds, objective (loss + gradient) calls, wall
per call, and the chosen shrinkage and share (the same in every row: the folds are independent, so the threads
change nothing). Then the compiled objective alone: its first call at a new shape (compile) and its median time
per call, beside the time of a whole objective call (the same plus the work in Python) and of one with the
barrier that a fit stalled at the wall of stability is refitted with (the Jacobian's slow modes at every call).
``--barrier-sizes``: the same two whole calls on seeded synthetic networks of those sizes
(``bench_linear_stage.synthetic``, ``CoombesByrne(eta=-5)``, ``Linear(G=0.3)``, log modulations 0.05 N(0, 1)):
far from their fold, with no mode in the barrier's band, so these time the search for slow modes alone (a mode
in the band adds its null vectors and the penalty: 58-66 ms against 33-34 ms for ``slow_modes`` at 400 regions).

Usage::

    python benchmarks/bench_effective_connectivity.py                 # workers 1 and 2, 1 warm repeat (~6 min)
    python benchmarks/bench_effective_connectivity.py --quick         # shrinkages 1 and 0.3, all pairs (~1 min)
    python benchmarks/bench_effective_connectivity.py --workers 2 --repeats 3
    python benchmarks/bench_effective_connectivity.py --workers 2,4  # 4: the shares' paths side by side (4+ cores)
    python benchmarks/bench_effective_connectivity.py --quick --barrier-sizes 80,200,400   # + the barrier's cost

Run it on an otherwise idle machine: the header and the footer print the load average.
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import jax
import numpy as np

import brainnet_cb as bn
from brainnet_cb.coupling import Linear
from brainnet_cb.dynamics.fixed_points import fixed_point_of
from brainnet_cb.dynamics.system import build_network
from brainnet_cb.fitting import effective_connectivity_fit
from brainnet_cb.fitting.effective_connectivity import choose_connection_shrinkage, connected_pairs
from brainnet_cb.fitting.regional_noise import choose_shrinkage, slow_limit_response


def workload(fraction):
    """``(args, noise)`` of ``choose_connection_shrinkage`` on hcp80 (module doc)."""
    data = bn.load_empirical("hcp80")
    model = bn.CoombesByrne(eta=-2.0)
    critical = bn.critical_coupling(model, data.connectome)
    G = fraction * (critical.G_c if np.isfinite(critical.G_c) else critical.G_slowest)
    with jax.enable_x64(True):
        network = build_network(model, data.connectome, Linear(), normalize="max").with_strength(G)
        fp = fixed_point_of(network)
    if not fp.stable:
        raise SystemExit(f"the fixed point at {fraction} G_c is not stable; try a smaller --fraction")
    n = network.n
    sigma = np.zeros((2, n))
    sigma[1] = 0.02
    target = np.asarray(data.fc_fit, dtype=float)
    mask = np.ones(n * (n - 1) // 2, bool)
    noise = choose_shrinkage(*slow_limit_response(fp, sigma, 0), target, mask, key=0)
    return (network, fp, "eta", sigma, 0, target, mask, noise), G


class Counted:
    """``Objective.__call__`` wrapped to count its calls (restored by :meth:`close`)."""

    def __init__(self):
        self.calls = 0
        self.original = effective_connectivity_fit.Objective.__call__

        def call(objective, p):
            self.calls += 1
            return self.original(objective, p)

        effective_connectivity_fit.Objective.__call__ = call

    def close(self):
        effective_connectivity_fit.Objective.__call__ = self.original


def time_refinement(args, workers, shrinkages, shares):
    counter = Counted()
    try:
        t0 = time.perf_counter()
        ec = choose_connection_shrinkage(*args, key=0, workers=workers, shrinkages=shrinkages, shares=shares)
        return time.perf_counter() - t0, counter.calls, ec
    finally:
        counter.close()


def time_objective(args, share, repeats=200):
    """First call of the compiled loss and gradient at a new number of pairs, its median warm call, and the medians
    of a whole ``Objective`` call without and with the barrier of a stalled fit (its slow modes; ms)."""
    network, fp, parameter, sigma, row, target, mask, noise = args
    n = network.n
    iu = np.triu_indices(n, 1)
    y = np.asarray(target)[iu]
    _, q = slow_limit_response(fp, sigma, row)
    pairs = connected_pairs(np.asarray(network.arrays.weights), share)
    with jax.enable_x64(True):
        objective = effective_connectivity_fit.Objective(network, fp, parameter, row, pairs, q, y, mask / mask.sum(),
                                                         noise.shrinkage, 0.03, False)
        barrier = effective_connectivity_fit.Objective(network, fp, parameter, row, pairs, q, y, mask / mask.sum(),
                                                       noise.shrinkage, 0.03, False, barrier=True)
        p = np.concatenate([np.log(noise.factors), 0.1 * np.random.default_rng(0).standard_normal(pairs[0].size)])
        args = (p, objective.x, network.arrays, parameter, network.port, row, objective.pi, objective.pj,
                *objective.args)
        loss = jax.jit(jax.value_and_grad(effective_connectivity_fit._loss, has_aux=True),
                       static_argnames=("parameter", "port", "row", "global_signal"))  # a fresh cache: compiles
        t0 = time.perf_counter()
        jax.block_until_ready(loss(*args))
        first = time.perf_counter() - t0
        warm, whole, walled = [], [], []
        barrier(p)  # compiles the Jacobian (and the penalty, where a mode is in its band)
        for _ in range(repeats):
            t0 = time.perf_counter()
            jax.block_until_ready(loss(*args))  # p as the NumPy vector the Objective passes (scipy's)
            warm.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            objective(p)
            whole.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            barrier(p)
            walled.append(time.perf_counter() - t0)
    return (first, *(1e3 * float(np.median(t)) for t in (warm, whole, walled)), pairs[0].size)


def time_barrier_sizes(sizes, repeats=5):
    """Rows ``(n, pairs, plain ms, barrier ms)``: medians of whole ``Objective`` calls without and with the barrier
    on seeded synthetic networks of ``n`` regions (module doc)."""
    from bench_linear_stage import synthetic  # a sibling script (benchmarks/ is on the path when run as one)

    rows = []
    with jax.enable_x64(True):
        for n in sizes:
            network = build_network(bn.CoombesByrne(eta=-5.0), synthetic(n), Linear(G=0.3))
            fp = fixed_point_of(network)
            sigma = np.zeros((2, n))
            sigma[1] = 0.02
            iu = np.triu_indices(n, 1)
            _, q = slow_limit_response(fp, sigma, 0)
            target = np.corrcoef(np.random.default_rng(0).normal(size=(n, 3 * n)))[iu]
            pairs = connected_pairs(np.asarray(network.arrays.weights))
            p = np.concatenate([np.zeros(n), 0.05 * np.random.default_rng(1).normal(size=pairs[0].size)])
            medians = []
            for barrier in (False, True):
                objective = effective_connectivity_fit.Objective(network, fp, "eta", 0, pairs, q, target,
                                                                 np.full(iu[0].size, 1.0 / iu[0].size), 0.01, 0.03,
                                                                 False, barrier=barrier)
                objective(p)  # compiles
                times = []
                for _ in range(repeats):
                    t0 = time.perf_counter()
                    objective(p)
                    times.append(time.perf_counter() - t0)
                medians.append(1e3 * float(np.median(times)))
            rows.append((n, pairs[0].size, *medians))
    return rows


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--workers", default="1,2", help="comma-separated thread counts (default 1,2)")
    p.add_argument("--repeats", type=int, default=1, help="warm calls per thread count (default 1)")
    p.add_argument("--fraction", type=float, default=0.9,
                   help="G as a fraction of G_c, or of G_slowest without a finite G_c (default 0.9)")
    p.add_argument("--quick", action="store_true", help="shrinkages 1 and 0.3 and all pairs only")
    p.add_argument("--barrier-sizes", default="",
                   help="comma-separated region counts: the barrier's cost on synthetic networks (default: none)")
    args = p.parse_args()
    shrinkages = (1.0, 0.3) if args.quick else (1.0, 0.3, 0.1, 0.03, 0.01)
    shares = (1.0,) if args.quick else (1.0, 0.5)
    load0 = os.getloadavg()[0]
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, load {load0:.1f}; brainnet_cb {bn.__version__}, "
          f"jax {jax.__version__}")
    t0 = time.perf_counter()
    work, G = workload(args.fraction)
    print(f"hcp80, CoombesByrne(eta=-2) at G = {G:.4g}, shrinkages {shrinkages}, "
          f"shares {shares}; set-up {time.perf_counter() - t0:.1f} s")
    rows = []
    for workers in (int(w) for w in args.workers.split(",")):
        for call in ["first"] + ["warm"] * args.repeats:
            wall, calls, ec = time_refinement(work, workers, shrinkages, shares)
            rows.append((workers, call, wall, calls, ec.shrinkage, ec.share))
            print(f"  workers {workers}, {call}: {wall:.1f} s", flush=True)
    print()
    head = ("workers", "call", "wall s", "objective calls", "ms per call", "shrinkage", "share")
    print(" | ".join(head))
    print(" | ".join("---" for _ in head))
    for workers in sorted({r[0] for r in rows}):
        for call in ("first", "warm"):
            sel = [r for r in rows if r[0] == workers and r[1] == call]
            if not sel:
                continue
            walls = [r[2] for r in sel]
            wall = f"{np.median(walls):.1f}" + (f" (best {min(walls):.1f})" if len(sel) > 1 else "")
            print(" | ".join([str(workers), call, wall, str(sel[0][3]), f"{1e3 * np.median(walls) / sel[0][3]:.2f}",
                              f"{sel[0][4]:g}", f"{sel[0][5]:g}"]))
    print()
    print("objective alone | pairs | first call (compile) s | compiled loss+grad ms | whole Objective call ms | "
          "with the barrier ms")
    print("--- | --- | --- | --- | --- | ---")
    for share in shares:
        first, warm, whole, walled, n_pairs = time_objective(work, share)
        print(f"share {share:g} | {n_pairs} | {first:.2f} | {warm:.3f} | {whole:.3f} | {walled:.3f}")
    if args.barrier_sizes:
        print("\nsynthetic network | pairs | whole Objective call ms | with the barrier ms | ratio")
        print("--- | --- | --- | --- | ---")
        for n, n_pairs, plain, walled in time_barrier_sizes([int(k) for k in args.barrier_sizes.split(",")]):
            print(f"{n} regions | {n_pairs} | {plain:.1f} | {walled:.1f} | {walled / plain:.1f}")
    print(f"\nload at the end {os.getloadavg()[0]:.1f} (at the start {load0:.1f})")


if __name__ == "__main__":
    main()
