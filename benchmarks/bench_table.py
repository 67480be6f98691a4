"""The table of issue 13: brainnet_cb against a hand-written reference, in one process.

Run through ``python benchmarks/bench_core.py --table`` (or this file directly).
Every row is a pair (project call, reference call) on the same inputs; both are
called once to compile, then timed alternately ``--repeats`` times in this one
process (so load from other processes hits both alike). Reported: the median
wall time of each, their ratio (project / reference), and the ratio of the
median process CPU times (all threads; less sensitive to other processes).

Rows (float32, Heun, dt = 0.1 ms, tvb76 at 3 mm/ms unless said; the reference is
``bench_core``'s hand-written ``lax.scan`` with a padded per-target edge gather):

- ``W1``: 10 s, ``r`` every 1 ms, no noise;
- ``W1 noisy``: the same with ``Additive(v=0.1)``; the reference draws its normals
  once per 10-step block;
- ``W2b``: 1,000 regions, 10 % dense (random positions in a 140 mm box, tract
  length 1.2 x the distance), 1 s;
- ``W3``: ``bn.simulate_batch`` of 32 values of G, 10 s; the reference is the
  hand-written scan under ``jax.vmap`` over G;
- ``W4``: 60 s with ``Bold(tr=720 ms)``; the reference adds a hand-written
  Balloon-Windkessel RK4 sub-step every 1 ms (the project's own ``balloon_rk4_step``)
  to its scan;
- ``batch of one``: ``bn.simulate_batch`` with one G against ``bn.simulate``
  (noise, BOLD, 20 s);
- ``sweep of 4``: ``bn.sweep`` over 4 values of G (noise, BOLD, 20 s, FC
  summaries) against four ``bn.simulate`` calls.
"""

from __future__ import annotations

import os
import statistics
import sys
import time

import numpy as np

import bench_core as core

ROWS = ("W1", "W1 noisy", "W2b", "W3", "W4", "batch of one", "sweep of 4")


def synthetic(n=1000, density=0.1, seed=0, box=140.0):
    """Random graph: ``density`` of the off-diagonal pairs, lengths 1.2 x the distance (mm)."""
    rng = np.random.default_rng(seed)
    pos = rng.uniform(0.0, box, (n, 3))
    lengths = 1.2 * np.linalg.norm(pos[:, None, :] - pos[None, :, :], axis=-1)
    w = np.where(rng.random((n, n)) < density, rng.random((n, n)), 0.0)
    np.fill_diagonal(w, 0.0)
    return w, lengths


def bold_reference(jax, jnp, w, lengths, dtype, tr_ms=720.0):
    """The yardstick scan plus a Balloon-Windkessel RK4 sub-step per 1 ms on the mean of ``r``."""
    from brainnet_cb.monitors.hemodynamics import balloon_rk4_step, bold_signal, resolve_constants, rest_state

    run_r, init = core.yardstick(jax, jnp, w, lengths, dtype)
    c = {k: jnp.asarray(v, dtype) for k, v in resolve_constants("classic", {}).items()}
    per_tr = round(tr_ms / core.PERIOD)
    n = w.shape[0]

    def run(carry, G, n_tr):
        def one_ms(state, _):
            carry, x = state
            carry, r = run_r(carry, G, 1)  # 10 steps, r at the end of the ms
            x = balloon_rk4_step(x, r[0] - 0.1, 1e-3, c)
            return (carry, x), None

        def one_tr(state, _):
            state, _ = jax.lax.scan(one_ms, state, None, length=per_tr)
            return state, bold_signal(state[1], c)

        return jax.lax.scan(one_tr, (carry, rest_state(n, dtype)), None, length=n_tr)

    return run, init


def make_rows(bn, jax, jnp, dtype, keys):
    """``{row: (project(), reference())}``: two callables per row, each blocking until done."""
    tvb = bn.load_atlas("tvb76")
    w, lengths = np.asarray(tvb.weights, float), np.asarray(tvb.lengths, float)
    model = bn.CoombesByrne()
    kw = core._simulate_kwargs(bn, dtype)
    G = core.G
    n_w1 = core.N_STEPS // core.PERIOD_STEPS

    def scan_row(conn, kwargs, make, *args):
        """(bn.simulate, the jitted hand-written scan ``make(...)`` from its initial carry)."""
        run, init = make(jax, jnp, np.asarray(conn.weights, float), np.asarray(conn.lengths, float), dtype)
        f = jax.jit(lambda c: run(c, G, *args))
        return (lambda: bn.simulate(model, conn, **kwargs), lambda: jax.block_until_ready(f(init())))

    rows = {}
    if "W1" in keys:
        rows["W1"] = scan_row(tvb, kw, core.yardstick, n_w1)
    if "W1 noisy" in keys:
        kwn = dict(kw, noise=bn.Additive(v=core.SIGMA_V), key=core.NOISE_KEY)
        rows["W1 noisy"] = scan_row(tvb, kwn, core.yardstick_noisy, n_w1, jax.random.key(core.NOISE_KEY))
    if "W2b" in keys:
        rows["W2b"] = scan_row(bn.Connectome(*synthetic()), dict(kw, duration=1000.0), core.yardstick, 1000)
    if "W3" in keys:
        run, init = core.yardstick(jax, jnp, w, lengths, dtype)
        gs = jnp.asarray(core.G_BATCH, dtype)
        f3 = jax.jit(jax.vmap(lambda g: run(init(), g, n_w1)))
        kw3 = {k: v for k, v in kw.items() if k != "coupling"}
        rows["W3"] = (lambda: bn.simulate_batch(model, tvb, batch={"G": core.G_BATCH}, coupling=bn.Linear(), **kw3),
                      lambda: jax.block_until_ready(f3(gs)))
    if "W4" in keys:
        n_tr = round(60_000.0 / 720.0)
        rows["W4"] = scan_row(tvb, dict(kw, duration=n_tr * 720.0, monitors=[bn.Bold(tr=720.0)]), bold_reference,
                              n_tr)
    noisy_bold = dict(duration=20_000.0, dt=core.DT, speed=core.SPEED, noise=bn.Additive(v=core.SIGMA_V), key=0,
                      monitors=[bn.TemporalAverage(1.0), bn.Bold(tr=720.0)], dtype=dtype)
    if "batch of one" in keys:
        rows["batch of one"] = (
            lambda: bn.simulate_batch(model, tvb, batch={"G": [G]}, coupling=bn.Linear(), **noisy_bold),
            lambda: bn.simulate(model, tvb, coupling=bn.Linear(G=G), **noisy_bold))
    if "sweep of 4" in keys:
        gs4 = [0.2, 0.4, 0.6, 0.8]
        rows["sweep of 4"] = (
            lambda: bn.sweep(model, tvb, {"G": gs4}, signal="bold", band=None, progress=False, **noisy_bold),
            lambda: [bn.simulate(model, tvb, coupling=bn.Linear(G=g), **noisy_bold) for g in gs4])
    return rows


#: XLA options per compiled batch program (``jax.jit(..., compiler_options=...)``), measured by
#: ``--batch-cost``: on a 2-core CPU shared with other jobs, XLA's parallel task assigner splits
#: the vmapped coupling gather across threads from B = 4 on (~20 us of thread hand-off per
#: step), and the YNNPACK reduce fusion sums the coupling in another order than the single
#: run (members differ from ``bn.simulate`` in the last bit on tvb76).
TUNED_CPU_OPTIONS = {"xla_disable_hlo_passes": "cpu-parallel-task-assigner",
                     "xla_cpu_experimental_ynn_fusion_type": ""}


def batch_cost(sizes, dtype="float32", repeats=3, end_to_end=True):
    """rho(B): CPU time per network-step of a batch of B over B single runs.

    tvb76, noise, ``TemporalAverage(1 ms)`` and ``Bold(tr=720 ms)``, 3 TRs, G batched.
    Engine: the compiled ``engine.advance_batched`` (one vmapped program) against
    ``engine.advance``, alternately, best of ``repeats`` -- the source of
    ``brainnet_cb.simulation.batch_cost.CPU_RELATIVE_COST``; beside it the same program
    compiled with :data:`TUNED_CPU_OPTIONS` (a candidate engine change: no intra-op
    splitting of the step's small loops, no YNNPACK reduce fusion). End to end (``end_to_end``):
    ``bn.simulate_batch`` as a user calls it (``vectorize="auto"``, and ``True``) against
    B ``bn.simulate`` calls, alternately, best of ``max(repeats, 2)`` (the first call of
    each compiles). Prints a markdown table, one line per B, and returns ``{B: {column: rho}}``.
    """
    bn, jax, jnp = core._jax_setup(dtype)
    from brainnet_cb.simulation import batch_cost as cost
    from brainnet_cb.simulation import engine
    from brainnet_cb.simulation import run as runmod

    tvb, model = bn.load_atlas("tvb76"), bn.CoombesByrne(eta=-4.6)
    kw = dict(duration=2160.0, dt=core.DT, speed=core.SPEED, dtype=dtype, noise=bn.Additive(v=core.SIGMA_V), key=0,
              monitors=[bn.TemporalAverage(1.0), bn.Bold(tr=720.0)])
    captured = {}
    execute = runmod.Run.execute

    def capture(self, *a, **k):
        captured["run"] = self
        return execute(self, *a, **k)

    def best_cpu(calls, reps):
        best = [np.inf] * len(calls)
        for _ in range(reps):
            for i, fn in enumerate(calls):
                c0 = time.process_time()
                fn()
                best[i] = min(best[i], time.process_time() - c0)
        return best

    print(f"# load {os.getloadavg()[0]:.1f}; rho = CPU time of the batch / (B x one run's)", flush=True)
    tuned = jax.jit(engine.advance_batched.__wrapped__, static_argnames=("plan", "n_blocks", "level", "axes"),
                    compiler_options=TUNED_CPU_OPTIONS)
    print("|    B | engine, vmapped | engine, vmapped, tuned | simulate_batch auto | simulate_batch vmapped "
          "| auto path |", flush=True)
    print("|---:|---:|---:|---:|---:|---|", flush=True)
    runmod.Run.execute = capture
    try:
        single = bn.prepare(model, tvb, coupling=bn.Linear(G=0.5), **kw)
        top = len(single.plan.levels) - 1
        nb = single.n_steps // single.plan.levels[top][0]
        out = {}
        for size in sizes:
            gs = np.linspace(0.3, 0.6, size)
            bn.simulate_batch(model, tvb, coupling=bn.Linear(), batch={"G": gs}, vectorize=True, **kw)
            run = captured["run"]
            calls = (lambda: jax.block_until_ready(engine.advance(single.carry, single.dyn, single.plan, nb, top)),
                     lambda r=run: jax.block_until_ready(engine.advance_batched(r.carry, r.dyn, r.plan, nb, top,
                                                                                r.axes)),
                     lambda r=run: jax.block_until_ready(tuned(r.carry, r.dyn, r.plan, nb, top, r.axes)))
            best = best_cpu(calls, repeats + 1)
            row = {"engine": best[1] / best[0] / size, "tuned": best[2] / best[0] / size}
            if end_to_end:
                e2e = (lambda g=gs: [bn.simulate(model, tvb, coupling=bn.Linear(G=x), **kw) for x in g],
                       lambda g=gs: bn.simulate_batch(model, tvb, coupling=bn.Linear(), batch={"G": g}, **kw),
                       lambda g=gs: bn.simulate_batch(model, tvb, coupling=bn.Linear(), batch={"G": g},
                                                      vectorize=True, **kw))
                best = best_cpu(e2e, max(repeats, 2))
                row.update(auto=best[1] / best[0], vmapped=best[2] / best[0])
            out[size] = row
            path = "one by one" if cost.run_one_by_one(size, jax.default_backend()) else "vmapped"
            cells = [f"{row[k]:.2f}" if k in row else "" for k in ("engine", "tuned", "auto", "vmapped")]
            print(f"| {size:4d} | " + " | ".join(cells) + f" | {path} |", flush=True)
        print(f"# single run: engine {best_us(single, nb, top, calls[0]):.2f} us/step CPU; "
              f"load {os.getloadavg()[0]:.1f}", flush=True)
    finally:
        runmod.Run.execute = execute
    return out


def best_us(single, nb, top, call, reps=3):
    """Best process CPU time per step (us) of the single run's compiled engine."""
    best = np.inf
    for _ in range(reps):
        c0 = time.process_time()
        call()
        best = min(best, time.process_time() - c0)
    return best / (nb * single.plan.levels[top][0]) * 1e6


def measure(rows, repeats, log=sys.stderr):
    """Per row: compile both, then ``repeats`` alternating timed calls; medians and ratios."""
    out = {}
    for name, (project, reference) in rows.items():
        print(f"# {name}: compiling (load {os.getloadavg()[0]:.1f}) ...", file=log, flush=True)
        project()
        reference()
        walls = {"p": [], "r": []}
        cpus = {"p": [], "r": []}
        for _ in range(repeats):
            for tag, fn in (("p", project), ("r", reference)):
                t0, c0 = time.perf_counter(), time.process_time()
                fn()
                walls[tag].append(time.perf_counter() - t0)
                cpus[tag].append(time.process_time() - c0)
        med = {k: statistics.median(v) for k, v in walls.items()}
        cmed = {k: statistics.median(v) for k, v in cpus.items()}
        out[name] = dict(project_s=med["p"], reference_s=med["r"], ratio=med["p"] / med["r"],
                         cpu_ratio=cmed["p"] / cmed["r"], load=os.getloadavg()[0])
        print(f"# {name}: {out[name]}", file=log, flush=True)
    return out


def format_table(results, issue=None):
    """Markdown: row, project s, reference s, ratio (wall), ratio (CPU), load; the issue's ratio beside."""
    issue = issue or {}
    lines = ["| workload | project s | reference s | project / reference | (CPU time) | issue 13 (before) | load |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for name, r in results.items():
        lines.append(f"| {name} | {r['project_s']:.2f} | {r['reference_s']:.2f} | **{r['ratio']:.2f}** | "
                     f"{r['cpu_ratio']:.2f} | {issue.get(name, '')} | {r['load']:.1f} |")
    return "\n".join(lines)


#: The ratios in issue 13 (before this work), for the table's last column.
ISSUE_BEFORE = {"W1": "1.15", "W1 noisy": "1.45", "W2b": "0.49", "W3": "1.11", "W4": "1.14",
                "batch of one": "2.27", "sweep of 4": "2.21"}


def main(repeats=3, dtype="float32", keys=ROWS):
    bn, jax, jnp = core._jax_setup(dtype)
    import platform

    print(f"# issue 13 table ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}): {platform.machine()}, "
          f"{os.cpu_count()} cores, python {platform.python_version()}, jax {jax.__version__}, "
          f"backend {jax.default_backend()}, {dtype}; 1-min load at start {os.getloadavg()[0]:.1f}")
    print(f"# medians of {repeats} alternating calls after one compiling call each")
    results = measure(make_rows(bn, jax, jnp, jnp.dtype(dtype), keys), repeats)
    print(format_table(results, ISSUE_BEFORE), flush=True)
    return results


if __name__ == "__main__":
    import argparse

    ap = argparse.ArgumentParser(description="Issue 13's table: brainnet_cb against a hand-written reference, "
                                             "alternating in one process (also: bench_core.py --table).")
    ap.add_argument("--repeats", type=int, default=3, help="timed alternating calls per row (default 3)")
    ap.add_argument("--dtype", default="float32", choices=("float32", "float64"))
    ap.add_argument("--rows", help=f"comma-separated rows (default: all of {', '.join(ROWS)})")
    args = ap.parse_args()
    keys = args.rows.split(",") if args.rows else ROWS
    unknown = [k for k in keys if k not in ROWS]
    if unknown:
        ap.error(f"unknown --rows {unknown}; choose from {list(ROWS)}")
    main(args.repeats, args.dtype, keys)
