#!/usr/bin/env python
"""Start-up and the main job (issue 13): ``import brainnet_cb``, ``brainnet-cb --help`` and ``brainnet-cb run``.

Each row is a fresh process, timed from outside (wall clock, user + system CPU
time and peak resident memory from ``wait4``), repeated and alternated so that
load from other processes hits the rows alike; the table gives the median and
the best of the repeats, and the load average before and after (on a shared
machine the CPU time is the steadier figure).

Rows:

- ``import brainnet_cb``: the package face alone (names are imported on first use);
- ``import + bn.simulate``: the face and the simulation engine (JAX, xarray, brainunit);
- ``brainnet-cb --help``: the command's help (no JAX);
- ``brainnet-cb run (cold)``: the main job, 600 s of tvb76 with noise, BOLD and EEG, its
  NetCDF, PNG and summary, with an empty compilation cache (``BRAINNET_CB_CACHE`` set to a
  fresh folder: every program is compiled);
- ``brainnet-cb run (warm)``: the same with the cache the cold run filled (the programs are
  loaded; the outputs are bit-identical, checked here).

Targets (issue 13): ``--help`` <= 1 s, ``import brainnet_cb`` <= 1.5 s, the main job
<= 30 s wall and <= 400 MB peak on a 2-core CPU.

Usage::

    python benchmarks/bench_startup.py                      # 5 start-up rounds, 2 main-job rounds
    python benchmarks/bench_startup.py --main-repeats 0     # start-up only
    python benchmarks/bench_startup.py --duration 60000     # a shorter main job (ms)
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

TARGETS = {"import brainnet_cb": (1.5, None), "brainnet-cb --help": (1.0, None),
           "brainnet-cb run (cold)": (30.0, 400.0), "brainnet-cb run (warm)": (30.0, 400.0)}


def measure(cmd, env=None, cwd=None):
    """Run ``cmd``; ``(wall s, cpu s, peak RSS MiB, exit status)`` of that process."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    err = proc.stderr.read().decode(errors="replace")
    proc.stderr.close()
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({code}):\n{err[-2000:]}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, code


def command():
    """The ``brainnet-cb`` console script beside this Python, else ``python -m brainnet_cb``."""
    script = shutil.which("brainnet-cb", path=os.path.dirname(sys.executable))
    return [script] if script else [sys.executable, "-m", "brainnet_cb"]


def loadavg():
    try:
        return "/".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:  # pragma: no cover
        return "n/a"


_SAME = """
import sys
import numpy as np
import xarray as xr
with xr.open_dataset(sys.argv[1]) as x, xr.open_dataset(sys.argv[2]) as y:
    same = set(x.data_vars) == set(y.data_vars) and all(
        np.array_equal(x[v].values, y[v].values, equal_nan=True) for v in x.data_vars)
print(same)
"""


def same_outputs(a, b):
    """True when the two NetCDF files hold bit-identical data variables.

    Compared in a child process: this process stays small, because a child's peak
    RSS as ``wait4`` reports it includes the pages it shared with its parent when
    it was forked (a parent that had loaded xarray added ~45 MB to every later row).
    """
    out = subprocess.run([sys.executable, "-c", _SAME, a, b], capture_output=True, text=True, check=True)
    return out.stdout.strip() == "True"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5, help="rounds of the start-up rows")
    ap.add_argument("--main-repeats", type=int, default=2, help="rounds of the main job (0: skip it)")
    ap.add_argument("--duration", type=float, default=None, help="main job duration in ms (default: 600 s)")
    args = ap.parse_args(argv)

    cli = command()
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
    rows = {
        "import brainnet_cb": [sys.executable, "-c", "import brainnet_cb"],
        "import + bn.simulate": [sys.executable, "-c", "import brainnet_cb as bn; bn.simulate"],
        "brainnet-cb --help": cli + ["--help"],
    }
    results = {name: [] for name in rows}
    loads = [loadavg()]
    for _ in range(args.repeats):
        for name, cmd in rows.items():
            results[name].append(measure(cmd, env)[:3])
    identical = None
    if args.main_repeats:
        results["brainnet-cb run (cold)"] = []
        results["brainnet-cb run (warm)"] = []
        with tempfile.TemporaryDirectory() as tmp:
            job = cli + ["run", "--quiet", "--overwrite"]
            if args.duration:
                job += ["--duration", str(args.duration)]
                if args.duration <= 40_000:  # the default BOLD discard (20 s) would drop every volume
                    job += ["--set", f"monitors.bold.discard={args.duration / 2}"]
            for k in range(args.main_repeats):
                cache = os.path.join(tmp, f"cache{k}")
                run_env = dict(env, BRAINNET_CB_CACHE=cache)
                for tag in ("cold", "warm"):
                    out = os.path.join(tmp, f"{tag}{k}.nc")
                    results[f"brainnet-cb run ({tag})"].append(measure(job + ["--out", out], run_env, tmp)[:3])
                identical = same_outputs(os.path.join(tmp, "cold0.nc"), os.path.join(tmp, f"warm{k}.nc")) and (
                    identical is not False)
    loads.append(loadavg())

    print(f"machine: {platform.node()}, {os.cpu_count()} CPUs, Python {platform.python_version()}; "
          f"load average before {loads[0]}, after {loads[1]}")
    print()
    print("| row | wall median (best) s | CPU median s | peak RSS median MiB | target |")
    print("|---|---|---|---|---|")
    for name, runs in results.items():
        if not runs:
            continue
        wall, cpu, rss = zip(*runs)
        t_wall, t_rss = TARGETS.get(name, (None, None))
        mem = t_rss and f"<= {t_rss:g} MB ({t_rss * 1e6 / 2**20:.0f} MiB)"
        target = " / ".join(x for x in (t_wall and f"<= {t_wall:g} s", mem) if x)
        print(f"| {name} | {statistics.median(wall):.2f} ({min(wall):.2f}) | {statistics.median(cpu):.2f} | "
              f"{statistics.median(rss):.0f} | {target or '-'} |")
    if identical is not None:
        print()
        print(f"warm-cache outputs bit-identical to the cold run: {identical}")


if __name__ == "__main__":
    main()
