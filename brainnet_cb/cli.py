"""The ``brainnet-cb`` command (``python -m brainnet_cb``)."""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np

__all__ = ["main"]


def _run(args) -> int:
    import brainnet_cb as bn

    conn = bn.load_atlas(args.atlas)
    model = bn.CoombesByrne()
    start = time.perf_counter()
    ds = bn.simulate(
        model, conn, duration=args.duration, dt=args.dt, coupling=bn.Linear(G=args.G), speed=args.speed,
        noise=bn.Additive(v=args.noise), monitors=[bn.TemporalAverage(1.0)], key=args.seed, progress=True,
    )
    wall = time.perf_counter() - start
    path = bn.write_netcdf(ds, args.out, overwrite=args.overwrite)
    r = ds.r.values
    fc = np.corrcoef(r[r.shape[0] // 10 :].T)
    upper = fc[np.triu_indices_from(fc, k=1)]
    print(f"regions       {conn.n_regions} ({conn.name})")
    print(f"simulated     {args.duration:g} ms at dt = {args.dt:g} ms in {wall:.2f} s wall time")
    print(f"mean rate r   {r.mean():.4f} (dimensionless; min {r.min():.4f}, max {r.max():.4f})")
    print(f"FC of r       mean {upper.mean():.3f}, sd {upper.std():.3f}")
    print(f"written       {path}")
    return 0


def _atlases(args) -> int:
    import brainnet_cb as bn

    for name in bn.list_atlases():
        print(name)
    return 0


def main(argv=None) -> int:
    """Entry point of the ``brainnet-cb`` command."""
    parser = argparse.ArgumentParser(prog="brainnet-cb", description=__doc__)
    sub = parser.add_subparsers(dest="command")
    run = sub.add_parser("run", help="resting-state run on a bundled atlas (default tvb76)")
    run.add_argument("--atlas", default="tvb76")
    run.add_argument("--duration", type=float, default=10_000.0, help="ms (default 10000)")
    run.add_argument("--dt", type=float, default=0.1, help="ms (default 0.1)")
    run.add_argument("--G", type=float, default=0.5, help="global coupling (default 0.5)")
    run.add_argument("--speed", type=float, default=3.0, help="mm/ms (default 3)")
    run.add_argument("--noise", type=float, default=0.1, help="noise amplitude on v (default 0.1)")
    run.add_argument("--seed", type=int, default=0)
    run.add_argument("--out", default="brainnet_cb_run.nc")
    run.add_argument("--overwrite", action="store_true")
    run.set_defaults(func=_run)
    atlases = sub.add_parser("atlases", help="list the bundled connectomes")
    atlases.set_defaults(func=_atlases)
    args = parser.parse_args(argv)
    if args.command is None:
        args = parser.parse_args(["run"] + list(argv or sys.argv[1:]))
    try:
        return args.func(args)
    except Exception as err:  # noqa: BLE001 - user-facing errors, not tracebacks
        from .errors import BrainnetError

        if isinstance(err, BrainnetError):
            print(f"brainnet-cb: error: {err}", file=sys.stderr)
            return 2
        raise


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
