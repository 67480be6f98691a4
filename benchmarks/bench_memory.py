"""Peak memory of a 10-minute, 76-region run with BOLD at dt = 0.1 ms (issue 8), kept in
memory and streamed to Zarr.

    python benchmarks/bench_memory.py [--minutes 10] [--cases default,activity1ms] [--out mem.json]

Each case runs in its own subprocess; the figure is that process's peak resident set
(VmHWM: Python + JAX + compiled program + outputs), and its wall time (compile
included). Cases:

- ``default``: the ``brainnet-cb run`` monitors: mean activity (r, v) every 10 ms,
  BOLD (TR 720 ms, 20 s discarded), EEG from the tvb76 gain every 5 ms;
- ``bold``: BOLD alone (TR 2 s);
- ``activity1ms``: BOLD and the mean activity (r, v) every 1 ms (1.2 million
  samples of 76 regions x 2 variables: 730 MB of float64 outputs).

Workload: tvb76, Coombes-Byrne (eta = -4.6, the resting-state working point of the
examples), Linear(G=0.5), noise on v (0.3), Heun, float64.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

CASES = ("default", "bold", "activity1ms")


def worker(case, streamed, minutes):
    import brainnet_cb as bn

    bn.enable_float64()
    conn = bn.load_atlas("tvb76")
    if case == "default":
        monitors = [bn.TemporalAverage(10.0), bn.Bold(tr=720.0, discard=20_000.0),
                    bn.EEG.from_atlas("tvb76", period=5.0)]
    elif case == "bold":
        monitors = [bn.Bold(tr=2000.0)]
    else:
        monitors = [bn.TemporalAverage(1.0), bn.Bold(tr=2000.0)]
    d = tempfile.mkdtemp(prefix="bn_mem_")
    t0 = time.perf_counter()
    ds = bn.simulate(bn.CoombesByrne(eta=-4.6), conn, minutes * 60_000.0, 0.1, coupling=bn.Linear(G=0.5),
                     noise=bn.Additive(v=0.3), monitors=monitors, dtype="float64",
                     out=os.path.join(d, "run.zarr") if streamed else None)
    wall = time.perf_counter() - t0
    sizes = dict(ds.sizes)
    nbytes = int(sum(v.nbytes for v in ds.data_vars.values()))
    shutil.rmtree(d)
    with open("/proc/self/status") as fh:
        hwm = next(int(line.split()[1]) for line in fh if line.startswith("VmHWM:")) / 1024
    return {"case": case, "streamed": streamed, "minutes": minutes, "wall_s": wall, "peak_rss_mib": hwm,
            "output_mib": nbytes / 2**20, "sizes": sizes}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--worker", nargs=3, help=argparse.SUPPRESS)
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--cases", default="default,activity1ms")
    parser.add_argument("--out", default=None)
    args = parser.parse_args()
    if args.worker:
        case, streamed, minutes = args.worker
        print(json.dumps(worker(case, streamed == "1", float(minutes))))
        return
    rows = []
    print(f"{'case':<12} {'mode':<9} {'minutes':>7} {'outputs MiB':>11} {'peak RSS MiB':>12} {'wall s':>7}")
    for case in args.cases.split(","):
        for streamed in (False, True):
            proc = subprocess.run([sys.executable, os.path.abspath(__file__), "--worker", case,
                                   "1" if streamed else "0", str(args.minutes)], capture_output=True, text=True)
            line = [x for x in proc.stdout.splitlines() if x.startswith("{")]
            if not line:
                print(f"{case:<12} failed: {proc.stderr.strip().splitlines()[-1:]}")
                continue
            r = json.loads(line[-1])
            rows.append(r)
            print(f"{case:<12} {'streamed' if streamed else 'memory':<9} {r['minutes']:>7g} {r['output_mib']:>11.1f} "
                  f"{r['peak_rss_mib']:>12.0f} {r['wall_s']:>7.1f}", flush=True)
    if args.out:
        with open(args.out, "w") as fh:
            json.dump(rows, fh, indent=1)


if __name__ == "__main__":
    main()
