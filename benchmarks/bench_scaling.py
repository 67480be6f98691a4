"""Scaling benchmark (issue 8): time per step and peak memory against size, density,
edge layout, float type and batch size, with hand-written C and NumPy loops of the
same algorithm as yardsticks.

    python benchmarks/bench_scaling.py                  # every row (~5 min on 2 cores)
    python benchmarks/bench_scaling.py --quick          # a few rows
    python benchmarks/bench_scaling.py --out scaling.json --plot scaling.png

Workload: Coombes-Byrne nodes (default parameters), Linear(G) into v with G = 0.5
(times 40 / mean in-degree above 40 inputs per region, so that dense graphs stay
stable), weights divided by their maximum, tract-length delays at 3 mm/ms, deterministic Heun at
dt = 0.1 ms, r recorded every 1 ms. Graphs: the bundled TVB 76-region connectome,
and synthetic ones: n regions at random positions in a 140 mm box, edges drawn
with the given density, tract length 1.2 x the straight distance (so lags go up to
~1,000 steps, as in a real brain); "hub" graphs add 20 targets that receive from
every region at weights scaled by the density (very unequal in-degrees, ordinary
row sums).

Each JAX row runs in its own subprocess (its compile and peak memory are its own).
Columns: us/step (best of the timed calls, compile excluded; batch rows per network),
steps/s, ns per edge and step, compile s, peak RSS of the row's process (VmHWM:
imports + compile + run), and on an accelerator its peak device memory.

Yardsticks (no JAX): the same step (Heun, coupling held over the stages, ring
buffer of r, edge list sorted by target, gather hist[(p - lag) mod L, source])
written as a C loop (gcc -O3 -march=native, float64, compiled at run time; skipped
without gcc) and as a NumPy loop (one vectorised gather + bincount per step). The C
result is checked against bn.simulate in float64.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np

DT, SPEED, G, PERIOD = 0.1, 3.0, 0.5, 1.0
HERE = os.path.dirname(os.path.abspath(__file__))


# ----------------------------------------------------------------------------- graphs
def synthetic_arrays(n, density, hubs=0, seed=0):
    """``(weights[target, source], lengths mm)`` of a synthetic graph (see the module docstring)."""
    rng = np.random.default_rng(seed)
    w = rng.random((n, n)) * (rng.random((n, n)) < density)
    if hubs:  # every source, at weights giving an ordinary row sum
        w[:hubs] = rng.random((hubs, n)) * density
    np.fill_diagonal(w, 0.0)
    centres = rng.uniform(-70, 70, (n, 3))
    lengths = np.linalg.norm(centres[:, None] - centres[None], axis=-1) * 1.2
    return w, lengths


def graph_arrays(spec):
    if spec["graph"] == "tvb76":
        import brainnet_cb as bn

        conn = bn.load_atlas("tvb76")
        return np.asarray(conn.weights), np.asarray(conn.lengths)
    return synthetic_arrays(spec["n"], spec["density"], spec.get("hubs", 0))


def coupling_G(w):
    """G = 0.5, less on graphs with more than 40 inputs per region (keeps dense graphs stable)."""
    mean_in = (np.asarray(w) != 0).sum() / w.shape[0]
    return G * min(1.0, 40.0 / max(mean_in, 1e-9))


def steps_for(n_edges, n, device="cpu"):
    """Steps for ~1 s of work at ~5 ns per edge + 3 us per step (multiple of 10)."""
    per_step = 3e-6 + 5e-9 * (n_edges + 10 * n)
    if device != "cpu":
        per_step = 15e-6
    return int(max(1000, min(100_000, 1.0 / per_step)) // 10 * 10)


# ----------------------------------------------------------------------------- JAX rows
def worker(spec):
    import jax

    import brainnet_cb as bn

    if spec["dtype"] == "float64":
        bn.enable_float64()
    w, lengths = graph_arrays(spec)
    conn = bn.Connectome(w, lengths, name=spec["graph"])
    n, n_edges = conn.n_regions, conn.n_edges
    batch = spec.get("batch", 0)
    steps = spec.get("steps") or max(1000, steps_for(n_edges, n, jax.devices()[0].platform) // max(batch // 4, 1)
                                     // 10 * 10)
    mon = [bn.SubSample(PERIOD, variables=("r",))]
    kw = dict(coupling=bn.Linear(G=coupling_G(w)), speed=SPEED, monitors=mon, dtype=spec["dtype"], edges=spec["edges"])

    def once():
        t0 = time.perf_counter()
        if batch:
            ds = bn.simulate_batch(bn.CoombesByrne(), conn, steps * DT, DT,
                                   batch={"G": np.linspace(0.2, 0.8, batch) * coupling_G(w) / G}, **kw)
        else:
            ds = bn.simulate(bn.CoombesByrne(), conn, steps * DT, DT, **kw)
        np.asarray(ds.r.values)
        return time.perf_counter() - t0, ds

    first, ds = once()
    times = [once()[0] for _ in range(spec.get("repeats", 2))]
    best = min(times)
    per_net = best / steps / max(batch, 1)
    dev = jax.devices()[0]
    device_peak = None
    try:
        device_peak = dev.memory_stats().get("peak_bytes_in_use")
    except Exception:  # noqa: BLE001 - CPU devices have no memory_stats
        pass
    return {
        **spec,
        "n": n,
        "edges_count": n_edges,
        "layout": ds.attrs["edges"],
        "max_lag": int(ds.attrs["max_lag_steps"]),
        "steps": steps,
        "us_per_step": per_net * 1e6,
        "steps_per_s": 1.0 / per_net,
        "ns_per_edge": per_net * 1e9 / n_edges,
        "compile_s": first - best,
        "peak_rss_mib": _vmhwm_mib(),
        "device_peak_mib": None if device_peak is None else device_peak / 2**20,
        "device": f"{dev.platform} {dev.device_kind}",
    }


def _vmhwm_mib():
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_row(spec):
    proc = subprocess.run([sys.executable, os.path.abspath(__file__), "--worker", json.dumps(spec)],
                          capture_output=True, text=True)
    for line in proc.stdout.splitlines()[::-1]:
        if line.startswith("{"):
            return json.loads(line)
    return {**spec, "error": proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else "no output"}


# ----------------------------------------------------------------------------- yardsticks
C_SOURCE = r"""
#include <math.h>
/* Coombes-Byrne, Heun with the coupling input held over both stages, delayed
   read from a ring buffer of r (L rows of n), edge list in CSR order (targets
   ascending): off[e] = source - lag * n. Records r every `every` steps. */
static void f(int n, const double *r, const double *v, const double *c,
              double *dr, double *dv) {
    const double D = 1.0, eta = 2.0, k = 1.0, vs = -4.0, pi = 3.14159265358979323846;
    for (int i = 0; i < n; i++) {
        double g = k * pi * r[i];
        dr[i] = D / pi + 2.0 * v[i] * r[i] - g * r[i];
        dv[i] = v[i] * v[i] - (pi * r[i]) * (pi * r[i]) + eta + (vs - v[i]) * g + c[i];
    }
}
static void read(int n, int L, long step, const double *hist, const int *ptr, const int *off,
                 const double *w, double G, double *c) {
    long base = (step % L) * (long)n;
    for (int i = 0; i < n; i++) {
        double s = 0.0;
        for (int e = ptr[i]; e < ptr[i + 1]; e++) {
            long idx = base + off[e];
            if (idx < 0) idx += (long)L * n;
            s += w[e] * hist[idx];
        }
        c[i] = G * s;
    }
}
void run(int n, int L, long steps, int every, double dt, double G, const int *ptr, const int *off,
         const double *w, double *r, double *v, double *hist, double *out, double *work) {
    double *c = work, *k1r = work + n, *k1v = work + 2 * n, *k2r = work + 3 * n, *k2v = work + 4 * n,
           *pr = work + 5 * n, *pv = work + 6 * n;
    read(n, L, 0, hist, ptr, off, w, G, c);
    long m = 0;
    for (long s = 0; s < steps; s++) {
        f(n, r, v, c, k1r, k1v);
        for (int i = 0; i < n; i++) { pr[i] = r[i] + dt * k1r[i]; pv[i] = v[i] + dt * k1v[i]; }
        f(n, pr, pv, c, k2r, k2v);
        for (int i = 0; i < n; i++) {
            r[i] += 0.5 * dt * (k1r[i] + k2r[i]);
            v[i] += 0.5 * dt * (k1v[i] + k2v[i]);
        }
        long step = s + 1;
        double *row = hist + (step % L) * (long)n;
        for (int i = 0; i < n; i++) row[i] = r[i];
        read(n, L, step, hist, ptr, off, w, G, c);
        if (step % every == 0) { for (int i = 0; i < n; i++) out[m * n + i] = r[i]; m++; }
    }
}
"""


def edge_list(w, lengths):
    """CSR edge list of the normalised graph: ``(ptr, off, weights, L)``."""
    w = w / np.abs(w).max()
    lags = np.rint(lengths / (SPEED * DT)).astype(np.int64)
    lags = np.where(lengths > 0, np.maximum(lags, 1), 0)
    n = w.shape[0]
    tgt, src = np.nonzero(w)
    max_lag = int(lags[tgt, src].max()) if tgt.size else 0
    ptr = np.zeros(n + 1, np.int32)
    np.add.at(ptr, tgt + 1, 1)
    ptr = np.cumsum(ptr).astype(np.int32)
    off = (src - lags[tgt, src] * n).astype(np.int32)
    return ptr, off, w[tgt, src].astype(np.float64), tgt.astype(np.int64), max_lag + 1


_CLIB = None


def c_library():
    global _CLIB
    if _CLIB is None:
        cc = shutil.which("gcc") or shutil.which("cc")
        if cc is None:
            return None
        d = tempfile.mkdtemp(prefix="bn_bench_")
        src, lib = os.path.join(d, "cb.c"), os.path.join(d, "cb.so")
        with open(src, "w") as fh:
            fh.write(C_SOURCE)
        subprocess.run([cc, "-O3", "-march=native", "-shared", "-fPIC", "-o", lib, src, "-lm"], check=True)
        _CLIB = ctypes.CDLL(lib)
    return _CLIB


def c_run(w, lengths, steps):
    lib = c_library()
    if lib is None:
        return None, None
    ptr, off, ew, _, L = edge_list(w, lengths)
    n = w.shape[0]
    r, v = np.full(n, 0.1), np.zeros(n)
    hist = np.full((L, n), 0.1)
    every = round(PERIOD / DT)
    out = np.zeros((steps // every, n))
    work = np.zeros(7 * n)
    P = ctypes.POINTER
    d, i = ctypes.c_double, ctypes.c_int

    def ptr_of(a, t):
        return a.ctypes.data_as(P(t))

    t0 = time.perf_counter()
    lib.run(i(n), i(L), ctypes.c_long(steps), i(every), d(DT), d(coupling_G(w)), ptr_of(ptr, i), ptr_of(off, i),
            ptr_of(ew, d), ptr_of(r, d), ptr_of(v, d), ptr_of(hist, d), ptr_of(out, d), ptr_of(work, d))
    return (time.perf_counter() - t0) / steps, out


def numpy_run(w, lengths, steps):
    ptr, off, ew, tgt, L = edge_list(w, lengths)
    n = w.shape[0]
    r, v = np.full(n, 0.1), np.zeros(n)
    hist = np.full(L * n, 0.1)
    pi, D, eta, k, vs = np.pi, 1.0, 2.0, 1.0, -4.0
    g_c = coupling_G(w)

    def f(r, v, c):
        g = k * pi * r
        return D / pi + 2.0 * v * r - g * r, v * v - (pi * r) ** 2 + eta + (vs - v) * g + c

    def read(step):
        idx = (step % L) * n + off
        idx[idx < 0] += L * n
        return g_c * np.bincount(tgt, ew * hist[idx], minlength=n)

    c = read(0)
    t0 = time.perf_counter()
    for s in range(steps):
        k1r, k1v = f(r, v, c)
        k2r, k2v = f(r + DT * k1r, v + DT * k1v, c)
        r = r + 0.5 * DT * (k1r + k2r)
        v = v + 0.5 * DT * (k1v + k2v)
        hist[((s + 1) % L) * n:((s + 1) % L + 1) * n] = r
        c = read(s + 1)
    return (time.perf_counter() - t0) / steps


def yardstick_rows(graphs):
    rows = []
    for spec in graphs:
        w, lengths = graph_arrays(spec)
        n_edges = int((w != 0).sum())
        n = w.shape[0]
        steps = steps_for(n_edges, n)
        t_c, _ = c_run(w, lengths, steps)
        t_np = numpy_run(w, lengths, max(50, steps // 50))
        for name, t in (("C loop", t_c), ("NumPy loop", t_np)):
            if t is None:
                continue
            rows.append({**spec, "what": name, "n": n, "edges_count": n_edges, "dtype": "float64",
                         "layout": "edge list", "us_per_step": t * 1e6, "steps_per_s": 1 / t,
                         "ns_per_edge": t * 1e9 / n_edges})
    return rows


def c_agreement():
    """max |r_C - r_bn| over 100 ms of a 500-region 2 % graph, float64 (both layouts)."""
    if c_library() is None:
        return None
    import brainnet_cb as bn

    bn.enable_float64()
    w, lengths = synthetic_arrays(500, 0.02)
    steps = 1000
    _, out = c_run(w, lengths, steps)
    conn = bn.Connectome(w, lengths)
    diffs = {}
    for edges in ("padded", "segment"):
        ds = bn.simulate(bn.CoombesByrne(), conn, steps * DT, DT, coupling=bn.Linear(G=coupling_G(w)), speed=SPEED,
                         monitors=[bn.SubSample(PERIOD, variables=("r",))], dtype="float64", edges=edges)
        diffs[edges] = float(np.max(np.abs(ds.r.values - out)))
    return diffs


# ----------------------------------------------------------------------------- table
def row_specs(quick=False):
    rows = []

    def add(group, graph, n=None, density=None, hubs=0, edges="auto", dtype="float64", batch=0):
        rows.append(dict(group=group, graph=graph, n=n, density=density, hubs=hubs, edges=edges, dtype=dtype,
                         batch=batch))

    sizes = (68, 500, 2000) if quick else (68, 250, 500, 1000, 2000)
    add("size", "tvb76")
    add("size", "tvb76", edges="segment")
    for n in sizes:
        for edges in ("padded", "segment"):
            add("size", "synthetic", n, 0.02, edges=edges)
    densities = (0.01, 0.05) if quick else (0.01, 0.02, 0.05, 0.1, 0.2)
    for dens in densities:
        for edges in ("padded", "segment"):
            add("density", "synthetic", 1000, dens, edges=edges)
    for edges in ("padded", "segment"):
        add("hubs", "synthetic", 2000, 0.02, hubs=20, edges=edges)
    for g, n, dens in (("tvb76", None, None), ("synthetic", 2000, 0.02)):
        add("float32", g, n, dens, dtype="float32")
    for b in ((1, 32) if quick else (1, 8, 32, 128)):
        add("batch", "tvb76", dtype="float32", batch=b)
    for b in ((1, 8) if quick else (1, 4, 16)):
        add("batch", "synthetic", 500, 0.02, dtype="float32", batch=b)
    return rows


def label(r):
    g = "tvb76" if r["graph"] == "tvb76" else f"n={r['n']} {100 * r['density']:g}%" + (
        f" +{r['hubs']} hubs" if r.get("hubs") else "")
    what = r.get("what") or (f"batch {r['batch']}" if r.get("batch") else "bn.simulate")
    return f"{r['group']:<8} {g:<20} {what:<12}"


def print_header():
    head = (f"{'group':<8} {'graph':<20} {'what':<12} {'layout':<9} {'dtype':<7} {'edges':>8} {'us/step':>9} "
            f"{'steps/s':>9} {'ns/edge':>8} {'compile':>7} {'RSS MiB':>8} {'dev MiB':>8}")
    print(head)
    print("-" * len(head))


def print_table(rows, header=True):
    if header:
        print_header()
    for r in rows:
        if "error" in r:
            print(f"{label(r)} ERROR {r['error']}")
            continue
        fmt = lambda k, f: (f.format(r[k]) if r.get(k) is not None else "")  # noqa: E731, B023 - used in this iteration
        print(f"{label(r)} {r.get('layout', ''):<9} {r['dtype']:<7} {r['edges_count']:>8} "
              f"{r['us_per_step']:>9.2f} {r['steps_per_s']:>9.0f} {r['ns_per_edge']:>8.2f} "
              f"{fmt('compile_s', '{:7.1f}'):>7} {fmt('peak_rss_mib', '{:8.0f}'):>8} "
              f"{fmt('device_peak_mib', '{:8.0f}'):>8}")


def plot(rows, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(15, 4.5))
    ok = [r for r in rows if "error" not in r]
    ax = axes[0]
    for what, style in (("padded", "o-"), ("segment", "s-"), ("C loop", "^--"), ("NumPy loop", "v:")):
        pts = sorted((r["edges_count"], r["us_per_step"]) for r in ok
                     if r["group"] in ("density", "size", "hubs") and not r.get("hubs") and r["dtype"] == "float64"
                     and (r.get("what") == what or (r.get("what") is None and r.get("layout") == what)))
        if pts:
            ax.loglog(*zip(*pts), style, label=what)
    ax.set_xlabel("edges")
    ax.set_ylabel("us per step")
    ax.set_title("time per step vs edges (float64)")
    ax.legend()
    ax = axes[1]
    pts = sorted((r["n"], r["peak_rss_mib"]) for r in ok
                 if r["group"] == "size" and r.get("peak_rss_mib") and r["layout"] == "padded")
    if pts:
        ax.semilogx(*zip(*pts), "o-")
    ax.set_xlabel("regions (2 % dense; tvb76 at 76)")
    ax.set_ylabel("peak RSS (MiB)")
    ax.set_title("peak memory of the process")
    ax = axes[2]
    for graph, name in (("tvb76", "tvb76"), ("synthetic", "500 regions 2 %")):
        pts = sorted((r["batch"], r["us_per_step"]) for r in ok if r["group"] == "batch" and r["graph"] == graph)
        if pts:
            ax.semilogx(*zip(*pts), "o-", label=name)
    ax.legend()
    ax.set_xlabel("batch size (float32)")
    ax.set_ylabel("us per step per network")
    ax.set_title("batching")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    print(f"plot: {path}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--no-yardsticks", action="store_true")
    parser.add_argument("--groups", default=None, help="comma-separated groups: size,density,hubs,float32,batch")
    parser.add_argument("--out", default=None, help="JSON file for the rows")
    parser.add_argument("--plot", default="bench_scaling.png")
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(json.loads(args.worker))))
        return
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"python {platform.python_version()}, {os.cpu_count()} cpus, load {load:.2f}")
    specs = row_specs(args.quick)
    if args.groups:
        keep = set(args.groups.split(","))
        specs = [s for s in specs if s["group"] in keep]
    rows = []
    print_header()
    for spec in specs:
        rows.append(run_row(spec))
        print_table(rows[-1:], header=False)
        sys.stdout.flush()
    if not args.no_yardsticks:
        graphs = [s for s in specs if s["edges"] in ("auto", "padded") and not s["batch"] and s["dtype"] == "float64"]
        seen, uniq = set(), []
        for s in graphs:
            key = (s["graph"], s["n"], s["density"], s["hubs"])
            if key not in seen:
                seen.add(key)
                uniq.append({**s, "group": s["group"], "edges": "list"})
        rows += yardstick_rows(uniq)
        agree = c_agreement()
        if agree is not None:
            print(f"C loop vs bn.simulate, float64, 500 regions 2 %, 100 ms: max |r diff| = {agree}")
    print()
    print_table(rows)
    if args.out:
        with open(args.out, "w") as fh:
            json.dump(rows, fh, indent=1)
    if args.plot:
        plot(rows, args.plot)


if __name__ == "__main__":
    main()
