"""The package's memory estimates against measured peaks, one fresh subprocess per workload.

    python benchmarks/bench_memory_estimates.py [--cases tvb76-ta,...] [--out est.json]

For each case the child builds its workload, reads its resident set just before
the call (``VmRSS``: Python, JAX's CPU client, the connectome; what the system
already counts as used when the package checks the memory it needs), runs it,
and reports the call's peak (``VmHWM``), the bytes of the arrays it returned,
and the package's own estimate of what the call adds:

- ``bn.simulate`` / ``bn.simulate_batch``: ``capacity.needed_bytes(run)`` (what
  :func:`~brainnet_cb.simulation.capacity.check_memory` compares with the memory
  available), and ``capacity.output_bytes(run)`` (the outputs alone);
- ``bn.sweep``: ``B x sweep._member_bytes(run, max_lag, signal monitor)`` of the batch
  size it chose for its ``memory=`` cap, plus the batch's working memory that
  ``sweep._batch_cap`` sets aside (before 2026-12-06: ``B x _member_bytes(run, max_lag)``).

``added`` is ``VmHWM - VmRSS before``: what the call itself took at its peak.
Each child runs under ``nice -n 5`` with one BLAS thread.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

MIB = 2**20


def _status(key):
    with open("/proc/self/status") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith(key + ":")) * 1024


def _network(n):
    import numpy as np

    import brainnet_cb as bn

    if n in (76, 192):
        return bn.load_atlas(f"tvb{n}")
    rng = np.random.default_rng(n)
    xyz = rng.normal(size=(n, 3))
    xyz = 70.0 * xyz / np.linalg.norm(xyz, axis=1, keepdims=True)  # points on a 70-mm sphere
    return bn.distance_rule_connectome(xyz, 20.0)


def _monitors(kind, conn):
    import numpy as np

    import brainnet_cb as bn

    if kind == "ta":
        return [bn.TemporalAverage(1.0)]
    if kind == "bold":
        return [bn.Bold(tr=720.0)]
    if kind == "eeg":
        if conn.n_regions == 76:
            return [bn.EEG.from_atlas("tvb76", period=1.0)]
        gain = np.random.default_rng(1).normal(size=(64, conn.n_regions))
        return [bn.EEG(gain=gain, period=1.0)]
    if kind == "all":
        return _monitors("ta", conn) + _monitors("bold", conn) + _monitors("eeg", conn)
    raise ValueError(kind)


#: name: (call, regions, monitors, duration ms, dtype, extra)
CASES = {
    "tvb76-ta-short": ("simulate", 76, "ta", 5_000.0, "float32", {}),
    "tvb76-ta": ("simulate", 76, "ta", 240_000.0, "float32", {}),
    "tvb76-ta-f64": ("simulate", 76, "ta", 240_000.0, "float64", {}),
    "tvb76-bold": ("simulate", 76, "bold", 240_000.0, "float32", {}),
    "tvb76-eeg": ("simulate", 76, "eeg", 240_000.0, "float32", {}),
    "tvb76-ta-zarr": ("simulate", 76, "ta", 240_000.0, "float32", {"out": True}),
    "tvb192-all": ("simulate", 192, "all", 60_000.0, "float32", {}),
    "n400-ta": ("simulate", 400, "ta", 40_000.0, "float32", {}),
    "n400-ta-zarr": ("simulate", 400, "ta", 40_000.0, "float32", {"out": True}),
    "n1000-ta": ("simulate", 1000, "ta", 10_000.0, "float32", {}),
    "tvb76-batch8": ("batch", 76, "ta", 30_000.0, "float32", {"batch": 8}),
    "tvb76-sweep": ("sweep", 76, "ta", 30_000.0, "float32", {"memory": "200MB", "values": 8}),
    "tvb76-sweep-b8": ("sweep", 76, "ta", 30_000.0, "float32", {"memory": "2GB", "values": 8}),
    "tvb76-sweep-keep": ("sweep", 76, "ta", 30_000.0, "float32", {"memory": "400MB", "values": 24, "keep": ("r",)}),
    "n400-sweep": ("sweep", 400, "ta", 5_000.0, "float32", {"memory": "200MB", "values": 8}),
}


def worker(name):
    import numpy as np

    import brainnet_cb as bn
    from brainnet_cb.fitting import sweep as sweep_mod
    from brainnet_cb.simulation import capacity

    call, n, mons, duration, dtype, extra = CASES[name]
    if dtype == "float64":
        bn.enable_float64()
    conn = _network(n)
    monitors = _monitors(mons, conn)
    common = dict(coupling=bn.Linear(G=0.3), noise=bn.Additive(v=0.1), monitors=monitors, dtype=dtype)
    model = bn.CoombesByrne(eta=-4.6)
    dt = 0.2
    tmp = tempfile.mkdtemp(prefix="bn_est_")
    est = {}
    if call == "simulate":
        spec = bn.Simulation(model, conn, duration=duration, dt=dt, **common)
        run = spec.prepare()
        est["outputs"] = capacity.output_bytes(run)
        if hasattr(capacity, "needed_bytes"):
            est["needed"] = capacity.needed_bytes(run)
        kwargs = {"out": os.path.join(tmp, "run.zarr")} if extra.get("out") else {}
        before = _status("VmRSS")
        t0 = time.perf_counter()
        ds = bn.simulate(model, conn, duration, dt, **common, **kwargs)
    elif call == "batch":
        G = np.linspace(0.1, 0.5, extra["batch"])
        spec = bn.Simulation(model, conn, duration=duration, dt=dt, **common)
        run = spec.prepare()
        est["outputs"] = extra["batch"] * capacity.output_bytes(run)
        if hasattr(capacity, "needed_bytes"):
            import dataclasses
            est["needed"] = capacity.needed_bytes(dataclasses.replace(run, axes=(), batch_size=extra["batch"]))
        before = _status("VmRSS")
        t0 = time.perf_counter()
        ds = bn.simulate_batch(model, conn, duration, dt, batch={"G": G}, **common, vectorize=True)
    else:
        G = np.linspace(0.1, 0.5, extra["values"])
        spec = bn.Simulation(model, conn, duration=duration, dt=dt, **common)
        run = spec.prepare()
        from brainnet_cb.simulation.batch_cost import choose_batch_size
        if hasattr(sweep_mod, "_batch_cap"):
            per = sweep_mod._member_bytes(run, run.max_lag, run.signal_monitor("r"))
            cap, fixed = sweep_mod._batch_cap(extra["memory"], per), capacity.XLA_WORKING_BYTES + 64 * MIB
        else:  # before 2026-12-06
            per = sweep_mod._member_bytes(run, run.max_lag)
            cap, fixed = max(1, sweep_mod.parse_bytes(extra["memory"]) // per), 0
        B = choose_batch_size(extra["values"], cap, "cpu")
        est["outputs"] = B * capacity.output_bytes(run)
        est["member_bytes"] = per
        est["sweep_cap"] = sweep_mod.parse_bytes(extra["memory"])
        est["batch_estimate"] = B * per + fixed
        if hasattr(sweep_mod, "_kept_bytes"):
            est["batch_estimate"] += 2 * extra["values"] * sweep_mod._kept_bytes(run, extra.get("keep", ()))
        before = _status("VmRSS")
        t0 = time.perf_counter()
        ds = bn.sweep(model, conn, {"G": G}, signal="r", memory=extra["memory"], progress=False,
                      keep=extra.get("keep", ()),
                      duration=duration, dt=dt, **{k: v for k, v in common.items() if k != "dtype"}, dtype=dtype)
        est["batch"] = int(ds.attrs.get("batch_size", B))
    wall = time.perf_counter() - t0
    returned = int(sum(v.nbytes for v in ds.data_vars.values()))
    hwm = _status("VmHWM")
    return {"case": name, "call": call, "regions": n, "monitors": mons, "duration_ms": duration, "dtype": dtype,
            "before": before, "peak": hwm, "added": hwm - before, "returned": returned, "wall_s": wall, **est}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", default=",".join(CASES))
    ap.add_argument("--out")
    ap.add_argument("--worker")
    args = ap.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker)))
        return
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    rows = []
    for name in args.cases.split(","):
        p = subprocess.run(["nice", "-n", "5", sys.executable, __file__, "--worker", name], env=env,
                           capture_output=True, text=True)
        if p.returncode:
            print(f"{name}: failed\n{p.stderr[-2000:]}", file=sys.stderr)
            continue
        row = json.loads(p.stdout.strip().splitlines()[-1])
        rows.append(row)
        est = row.get("needed", row.get("batch_estimate", row["outputs"]))
        print(f"{name:16s} before {row['before'] / MIB:7.0f} MiB  peak {row['peak'] / MIB:7.0f}  added "
              f"{row['added'] / MIB:7.0f}  outputs {row['outputs'] / MIB:7.1f}  estimate {est / MIB:7.1f}  "
              f"added/estimate {row['added'] / max(est, 1):5.2f}  returned {row['returned'] / MIB:7.1f}  "
              f"{row['wall_s']:.1f} s", flush=True)
    if args.out:
        with open(args.out, "w") as fh:
            json.dump(rows, fh, indent=1)


if __name__ == "__main__":
    main()
