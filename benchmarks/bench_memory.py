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

``--cli`` measures the main job itself, ``brainnet-cb run`` with its defaults (issue 13:
peak <= 400 MiB), in fresh subprocesses with a fresh compilation cache: a cold run (the
programs compiled) and a warm one (loaded from the cache), each twice: once as the plain
command (its VmHWM at exit), once instrumented, RSS sampled every 2 ms in a thread and
the main thread's progress marked at the command's phases:

    python benchmarks/bench_memory.py --cli [--set run.duration=60000] [--checkouts A,B]

- ``start-up``: imports, configuration, the matplotlib check;
- ``build_simulation``: atlas, model, monitors, EEG gain (JAX's CPU client starts);
- ``prepare``: the run's plan and initial state;
- ``first chunk``: every program of the run compiled (cold) or loaded (warm) first
  (``Run.compile``), then the NetCDF file created and the first chunk run and written;
- ``other chunks``: the rest of the run;
- ``summary``: programs dropped, the file read in slices, FC of BOLD;
- ``figure``: the summary figure drawn and saved.

``--checkouts`` runs the rows for each listed source tree (``PYTHONPATH``; e.g. a
``git worktree`` of the commit before a change), so before and after are measured in
one session.
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
        # 20 s discarded, or half a short run (--minutes 0.5 and below: a check of the script)
        monitors = [bn.TemporalAverage(10.0), bn.Bold(tr=720.0, discard=min(20_000.0, minutes * 30_000.0)),
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


#: The phases of `brainnet-cb run` marked in the instrumented child, in order.
PHASES = ("start-up", "build_simulation", "prepare", "first chunk", "other chunks", "summary", "figure")


def _status():
    with open("/proc/self/status") as fh:
        return {line.split(":")[0]: int(line.split()[1]) / 1024 for line in fh
                if line.startswith(("VmRSS", "VmHWM"))}


def cli_worker(instrument, argv):
    """Run ``brainnet-cb run ARGV`` in this process (as the console script does); print VmHWM and,
    instrumented, each phase's peak and final RSS (MiB) as one JSON line on stderr."""
    import threading

    phases = {}
    current = ["start-up"]
    if instrument:
        def sample():
            while True:
                rss = _status()["VmRSS"]
                phases[current[0]] = max(phases.get(current[0], 0.0), rss)
                time.sleep(0.002)

        threading.Thread(target=sample, daemon=True).start()

    def mark(name):
        rss = _status()["VmRSS"]
        phases[current[0]] = max(phases.get(current[0], 0.0), rss)
        phases[current[0] + " end"] = rss
        current[0] = name

    from brainnet_cb.cli import commands, config, run_output
    from brainnet_cb.simulation import spec

    if instrument:
        def wrap(owner, name, before, after=None):
            original = getattr(owner, name)

            def wrapped(*args, **kwargs):
                mark(before)
                out = original(*args, **kwargs)
                if after:
                    mark(after)
                return out
            setattr(owner, name, wrapped)

        wrap(config, "build_simulation", "build_simulation")
        wrap(spec.Simulation, "prepare", "prepare", "first chunk")
        append = run_output.NetCDFSink.append

        def first_append(self, chunk, done, total, t_ms):
            append(self, chunk, done, total, t_ms)
            if done == 1:
                mark("other chunks")
        run_output.NetCDFSink.append = first_append
        forget = getattr(commands, "_forget_programs", None)
        if forget is not None:  # after the run, before the summary
            wrap(commands, "_forget_programs", "summary")
        summarize = commands.summarize

        def summary(*args, **kwargs):
            if current[0] != "summary":
                mark("summary")
            out = summarize(*args, **kwargs)
            mark("figure")
            return out
        commands.summarize = summary
    sys.argv = ["brainnet-cb", "run", *argv]
    t0 = time.perf_counter()
    rc = commands.main()
    wall = time.perf_counter() - t0
    mark("done")
    out = {"rc": rc, "wall_s": wall, "hwm_mib": _status()["VmHWM"], "phases": phases}
    print(json.dumps(out), file=sys.stderr)


def _cli_rows(checkout, argv, cache):
    env = dict(os.environ, BRAINNET_CB_CACHE=cache, OPENBLAS_NUM_THREADS="1")
    if checkout:
        env["PYTHONPATH"] = checkout + os.pathsep + env.get("PYTHONPATH", "")
    rows = []
    for cache_state in ("cold", "warm"):
        for instrument in ("plain", "phases"):
            if cache_state == "cold":  # an empty cache for both cold rows; the warm rows load their programs
                shutil.rmtree(cache, ignore_errors=True)
            d = tempfile.mkdtemp(prefix="bn_cli_mem_")
            cmd = [sys.executable, os.path.abspath(__file__), "--cli-worker", instrument, "--",
                   "--out", os.path.join(d, "run.nc"), "--quiet", *argv]
            proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
            shutil.rmtree(d)
            line = [x for x in proc.stderr.splitlines() if x.startswith("{")]
            if proc.returncode or not line:
                print(f"{checkout or '.'} {cache_state} {instrument}: failed: {proc.stderr.strip().splitlines()[-3:]}")
                continue
            rows.append(dict(json.loads(line[-1]), cache=cache_state, mode=instrument, checkout=checkout or "."))
    return rows


def cli_main(args):
    argv = [x for pair in (("--set", s) for s in (args.set or [])) for x in pair]
    checkouts = args.checkouts.split(",") if args.checkouts else [""]
    load = os.getloadavg()
    print(f"brainnet-cb run {' '.join(argv) or '(defaults)'}; load average {load[0]:.2f} {load[1]:.2f} "
          f"{load[2]:.2f}; MiB = 2**20 bytes")
    cache = tempfile.mkdtemp(prefix="bn_cli_cache_")
    rows = []
    try:
        for checkout in checkouts:
            rows += _cli_rows(checkout, argv, cache)
    finally:
        shutil.rmtree(cache, ignore_errors=True)
    for r in rows:
        r["phases"].pop("done", None)
    heads = [f"{r['checkout'][-14:]} {r['cache']}" for r in rows if r["mode"] == "phases"]
    print(f"\n{'phase (peak / at end, MiB)':<28}" + "".join(f"{h:>22}" for h in heads))
    for phase in PHASES:
        cells = []
        for r in rows:
            if r["mode"] == "phases":
                p = r["phases"]
                cells.append(f"{p.get(phase, float('nan')):>10.0f} / {p.get(phase + ' end', float('nan')):<9.0f}")
        print(f"{phase:<28}" + "".join(f"{c:>22}" for c in cells))
    print(f"\n{'plain command':<28}{'cache':>6}{'VmHWM MiB':>11}{'wall s':>8}")
    for r in rows:
        if r["mode"] == "plain":
            print(f"{r['checkout'][-28:]:<28}{r['cache']:>6}{r['hwm_mib']:>11.1f}{r['wall_s']:>8.1f}")
    load = os.getloadavg()
    print(f"load average at the end {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    if args.out:
        with open(args.out, "w") as fh:
            json.dump(rows, fh, indent=1)


def main():
    if "--cli-worker" in sys.argv:  # the child of --cli: everything after "--" goes to brainnet-cb run
        i = sys.argv.index("--")
        cli_worker(sys.argv[sys.argv.index("--cli-worker") + 1] == "phases", sys.argv[i + 1:])
        return
    parser = argparse.ArgumentParser()
    parser.add_argument("--worker", nargs=3, help=argparse.SUPPRESS)
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--cases", default="default,activity1ms")
    parser.add_argument("--out", default=None)
    parser.add_argument("--cli", action="store_true", help="measure `brainnet-cb run` by phase (issue 13)")
    parser.add_argument("--set", action="append", help="with --cli: a configuration override (repeatable)")
    parser.add_argument("--checkouts", default=None, help="with --cli: source trees to compare (PYTHONPATH)")
    args = parser.parse_args()
    if args.cli:
        cli_main(args)
        return
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
