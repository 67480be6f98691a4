#!/usr/bin/env python
"""Compile time and run time of the calls users wait on, each in a fresh process.

For every call in ``CASES`` and every connectome (the 76-region ``tvb76``
atlas and the 80-region HCP group connectome, ``bn.load_empirical("hcp80")``)
this starts a new Python process (so nothing is cached from another call),
makes the call once and reports:

- ``compile s``: what JAX reports compiling during that first call (the sum of
  the ``/jax/core/compile/*`` duration events of ``jax.monitoring``: tracing,
  lowering, the backend's compile), not a difference of wall times;
- ``first s``: the wall time of that first call;
- ``run s``: the median wall time of ``--repeats`` further calls with the same
  arguments;
- ``#``: the number of programs compiled (backend compiles) during it, the
  eager operations outside ``jit`` included (each compiles once per shape);
- ``cpu s``: the process's CPU time during the first call (less sensitive
  than the wall times to other processes on a shared machine);
- ``again s`` / ``again #``: the compile seconds and the number of backend
  compiles during one more call with another coupling strength ``G`` (or
  another matrix for ``lyapunov_covariance``): 0 where a new value reuses what
  was compiled.

With ``--cache`` each case runs twice, in two fresh processes sharing a new,
empty folder as JAX's persistent compilation cache
(``JAX_COMPILATION_CACHE_DIR``, every program cached): the table shows the
second process, what a user with that cache set sees from the second session
on (a cached program is the compiler's own: outputs are bit-identical).

One BLAS / XLA thread; float64 (``bn.enable_float64()``). Model
``CoombesByrne(eta=-2)``, ``Linear(G=0.3)`` (0.31 for the second value),
``Additive(v=0.05)``.

Usage::

    python benchmarks/bench_compile.py                          # every call, both connectomes
    python benchmarks/bench_compile.py --cases linear_fc_bold simulate --atlases tvb76
    python benchmarks/bench_compile.py --cache                 # the second session with a persistent cache
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")
os.environ.setdefault("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1")

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time

G1, G2 = 0.3, 0.31
CASES = (
    "linear_fc_r",
    "linear_fc_bold",
    "linear_covariance",
    "lyapunov_covariance",
    "critical_coupling",
    "network_fixed_point",
    "network_spectrum",
    "delayed_leading_eigenvalue",
    "simulate",
    "simulate_bold",
    "simulate_eeg",
    "simulate_batch8",
)
ATLASES = ("tvb76", "hcp80")


def _connectome(bn, atlas):
    return bn.load_empirical("hcp80").connectome if atlas == "hcp80" else bn.load_atlas(atlas)


def _call(case, atlas):
    """``fn(G)``: the call of ``case`` on ``atlas`` with coupling strength ``G``, its result blocked on."""
    import jax
    import numpy as np

    import brainnet_cb as bn

    bn.enable_float64()
    conn = _connectome(bn, atlas)
    model = bn.CoombesByrne(eta=-2.0)
    noise = bn.Additive(v=0.05)
    n = conn.weights.shape[0]

    def lin(G, **kw):
        return bn.linear_fc(model, conn, bn.Linear(G=G), noise, **kw).values

    if case == "linear_fc_r":
        return lambda G: lin(G, observable="r")
    if case == "linear_fc_bold":
        return lambda G: lin(G, observable="bold")
    if case == "linear_covariance":
        return lambda G: bn.linear_covariance(model, conn, bn.Linear(G=G), noise).values
    if case == "lyapunov_covariance":
        rng = np.random.default_rng(0)
        base = rng.standard_normal((2 * n, 2 * n)) / np.sqrt(2 * n)

        def lyap(G):
            A = base * G - 2.0 * np.eye(2 * n)
            return np.asarray(bn.lyapunov_covariance(A, np.full(2 * n, 0.05)))

        return lyap
    if case == "critical_coupling":
        return lambda G: bn.critical_coupling(model, conn, bn.Linear(G=G)).G_ref
    if case == "network_fixed_point":
        return lambda G: np.asarray(bn.network_fixed_point(model, conn, bn.Linear(G=G)).state)
    if case == "network_spectrum":
        return lambda G: bn.network_spectrum(model, conn, bn.Linear(G=G)).values
    if case == "delayed_leading_eigenvalue":
        return lambda G: bn.delayed_leading_eigenvalue(model, conn, bn.Linear(G=G), speed=3.0)
    if case.startswith("simulate"):
        monitors = None
        if case == "simulate_bold":
            monitors = [bn.Bold(tr=720.0)]
        elif case == "simulate_eeg":
            gain = np.random.default_rng(0).standard_normal((32, n))
            monitors = [bn.EEG(gain, period=1.0)]
        opts = {"duration": 2000.0, "dt": 0.1, "noise": noise, "key": 0}
        if monitors is not None:
            opts["monitors"] = monitors
        if case == "simulate_batch8":

            def batch(G):
                ds = bn.simulate_batch(model, conn, batch={"G": G + 0.01 * np.arange(8)}, **opts)
                return jax.block_until_ready(ds.r.values)

            return batch

        def sim(G):
            ds = bn.simulate(model, conn, coupling=bn.Linear(G=G), **opts)
            return [v.values for v in ds.data_vars.values()]

        return sim
    raise SystemExit(f"unknown case {case!r}; the cases are {', '.join(CASES)}")


def worker(case, atlas, repeats):
    """Run one case in this (fresh) process; print one JSON line."""
    import jax
    from jax import monitoring

    seconds = [0.0]
    backend = [0]

    def on_event(name, secs, **_):
        if name.startswith("/jax/core/compile/"):
            seconds[0] += secs
            if name.endswith("backend_compile_duration"):
                backend[0] += 1

    monitoring.register_event_duration_secs_listener(on_event)
    fn = _call(case, atlas)
    # the modules the package imports lazily on a first call (xarray, scipy, ...: seconds on a busy
    # machine): imported here, so that the first call's time is compiling and running, not importing
    import scipy.linalg
    import scipy.signal  # noqa: F401
    import xarray  # noqa: F401

    import brainnet_cb.dynamics
    import brainnet_cb.monitors
    import brainnet_cb.simulation  # noqa: F401

    def once(G):
        seconds[0], backend[0] = 0.0, 0
        t0, c0 = time.perf_counter(), time.process_time()
        jax.block_until_ready(fn(G))
        return time.perf_counter() - t0, seconds[0], backend[0], time.process_time() - c0

    first, compile_s, compiles, cpu = once(G1)
    walls = [once(G1)[0] for _ in range(repeats)]
    _, again_s, again_n, _ = once(G2)
    print(json.dumps({"case": case, "atlas": atlas, "first": first, "compile": compile_s, "compiles": compiles,
                      "cpu": cpu, "run": statistics.median(walls), "again": again_s, "again_n": again_n}))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--cases", nargs="+", default=list(CASES), choices=CASES)
    p.add_argument("--atlases", nargs="+", default=list(ATLASES), choices=ATLASES)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--cache", action="store_true", help="report a second process sharing a persistent cache")
    p.add_argument("--worker", nargs=2, metavar=("CASE", "ATLAS"), help=argparse.SUPPRESS)
    a = p.parse_args()
    if a.worker:
        worker(*a.worker, a.repeats)
        return
    print(f"{'call':28s} {'conn':6s} {'n':>3s} {'compile s':>9s} {'#':>3s} {'first s':>8s} {'cpu s':>6s} "
          f"{'run s':>8s} {'again s':>8s} {'again #':>7s}" + ("  (second process, cache)" if a.cache else ""))
    for atlas in a.atlases:
        for case in a.cases:
            cmd = [sys.executable, __file__, "--worker", case, atlas, "--repeats", str(a.repeats)]
            with tempfile.TemporaryDirectory(prefix="bench_compile_cache_") as cache:
                env = dict(os.environ)
                if a.cache:
                    env.update(JAX_COMPILATION_CACHE_DIR=cache, JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS="0",
                               JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES="0")
                    subprocess.run(cmd, capture_output=True, text=True, check=False, env=env)  # fills the cache
                out = subprocess.run(cmd, capture_output=True, text=True, check=False, env=env)
            if out.returncode:
                print(f"{case:28s} {atlas:6s} failed: {out.stderr.strip().splitlines()[-1:]}")
                continue
            r = json.loads(out.stdout.strip().splitlines()[-1])
            n = 76 if atlas == "tvb76" else 80
            print(f"{case:28s} {atlas:6s} {n:3d} {r['compile']:9.2f} {r['compiles']:3d} {r['first']:8.2f} "
                  f"{r['cpu']:6.2f} {r['run']:8.3f} {r['again']:8.2f} {r['again_n']:7d}", flush=True)


if __name__ == "__main__":
    main()
