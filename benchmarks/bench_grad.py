"""Gradients through a run: memory and time of fc_loss's value and gradient, with and without checkpointing.

``python benchmarks/bench_grad.py`` runs four rows, each in its own subprocess (its peak RSS its own): ``forward``
(the loss alone), ``ckpt`` (value and gradient, ``checkpoint=True``, the default), ``nockpt`` (``checkpoint=False``)
and ``repeat`` (below), on tvb76, 10 s at dt = 0.1 ms, speed 3 mm/ms (max_lag 462), ``Bold(tr=1 s)``, float64, the
gradient by ``G``. ``--duration`` and ``--speed`` change the run. The ``repeat`` row (also alone, ``--repeat``)
times two calls of the same structure with other values, first against second: ``fc_loss`` and
``jax.value_and_grad`` of its objective, then a 3-step ``bn.fit_gradient``, each with another ``init`` and another
target FC, printing each call's wall time and the seconds JAX spent compiling in it (the loss is one compiled
program per structure, kept in JAX's jit cache: the second call compiles nothing). Measured 2026-12-06 on the loaded
2-core CPU (load 9-10), tvb76 10 s, four calls each: ``fit_gradient`` 69.4 s with 24.3 s of compile, then 61.8,
61.1, 63.3 s with none (before: every call compiled, 10.6-28.6 s of 56.6-100.7 s); ``fc_loss`` +
``jax.value_and_grad`` 39.3 s with 17.7 s of compile, then 21.4, 20.1, 21.3 s with none (before: 16.3-51.9 s of
compile in each of 45.3-100.4 s).

``python benchmarks/bench_grad.py --delay-backward`` times a stand-alone model of the engine's delay ring buffer
(76 regions, 20 delayed inputs each, 20,000 steps) at two buffer lengths: JAX's own transpose of the push and the
gather, whose backward step costs a pass over the whole ``(L, n)`` cotangent, against a ``jax.custom_vjp`` of the
fused push + read whose backward scatters into the incoming cotangent in place (measured 2026-12-06 on a loaded
2-core CPU, load 7-13: at L = 463, 6.3-14.1 s against 1.6 s, the same gradient; at L = 116, 1.8-1.9 s against
1.0-1.2 s; the forward 0.15-0.26 s in all four). A custom_vjp has no
forward mode: ``jax.jacfwd`` and ``jax.hessian`` of ``fc_loss``'s objective would fail. The engine's
differentiable path now pushes and reads through ``brainnet_cb.delays.push_read``, a ``linear_call`` with the
same in-place transpose that keeps forward mode (measured 2026-12-06, load 4-7, tvb76 10 s, value and
gradient: 23.2, 14.9, 19.5 s before against 9.1, 6.1, 6.1 s after for the prototype, 21.4, 15.4, 23.0 s against
7.5, 7.2, 11.7 s for the committed code, alternating in one process). Its transpose no longer copies the
``(L, n)`` cotangent per backward step (it did twice: a while-loop carry read and written in one step); the same
gradient bit for bit, 5.2-5.5 CPU s against 5.7-10.0 before (tvb76 10 s, load 4-5, alternating in one process).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time


def _peak_rss_gb() -> float:
    """``VmHWM`` of this process in GB (Linux), else NaN."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024 / 1e9
    except OSError:
        pass
    return float("nan")


def row(mode: str, duration: float, speed: float) -> None:
    """One row, in this process: compile, then time two calls; print times, peak RSS and XLA's temporaries."""
    import jax
    import numpy as np

    import brainnet_cb as bn
    from brainnet_cb.fitting.fit import fc_loss

    bn.enable_float64()
    conn = bn.load_atlas("tvb76")
    target = np.corrcoef(np.random.default_rng(0).normal(size=(conn.n_regions, 200)))
    f, p, problem = fc_loss(bn.CoombesByrne(eta=-4.6), conn, target, init={"G": 0.5}, duration=duration, dt=0.1,
                            speed=speed, noise=bn.Additive(v=0.05), signal="bold", monitors=[bn.Bold(tr=1000.0)],
                            band=None, key=0, checkpoint=mode != "nockpt")
    fn = jax.jit(lambda q: f(q)[0]) if mode == "forward" else jax.jit(jax.value_and_grad(lambda q: f(q)[0]))
    t0 = time.perf_counter()
    compiled = fn.lower(p).compile()
    t1 = time.perf_counter()
    times = []
    for _ in range(2):
        t = time.perf_counter()
        out = jax.block_until_ready(compiled(p))
        times.append(time.perf_counter() - t)
    temp = compiled.memory_analysis().temp_size_in_bytes / 1e9
    grad = "" if mode == "forward" else f" dG={float(out[1]['G']):.12g}"
    print(f"{mode:8s} max_lag={problem['run'].max_lag} compile={t1 - t0:.1f}s calls={[round(t, 2) for t in times]}s "
          f"peak_rss={_peak_rss_gb():.2f}GB xla_temp={temp:.2f}GB{grad}", flush=True)


def repeat(duration: float, speed: float) -> None:
    """First against second call of the same structure with other values: wall time and compile time of each."""
    import contextlib

    import jax
    import numpy as np
    from jax import monitoring

    import brainnet_cb as bn
    from brainnet_cb.fitting.fit import fc_loss

    compiling = ("/jax/core/compile/backend_compile_duration", "/jax/core/compile/jaxpr_trace_duration",
                 "/jax/core/compile/jaxpr_to_mlir_module_duration")

    @contextlib.contextmanager
    def compile_seconds():
        total = [0.0]

        def listener(name, seconds, **_):
            if name in compiling:
                total[0] += seconds

        monitoring.register_event_duration_secs_listener(listener)
        try:
            yield total
        finally:
            monitoring.unregister_event_duration_listener(listener)

    bn.enable_float64()
    conn = bn.load_atlas("tvb76")
    rng = np.random.default_rng(0)
    targets = [np.corrcoef(rng.normal(size=(conn.n_regions, 200))) for _ in range(2)]
    run = dict(duration=duration, dt=0.1, speed=speed, noise=bn.Additive(v=0.05), signal="bold",
               monitors=[bn.Bold(tr=1000.0)], band=None, key=0)

    def value_and_grad(G, target):
        f, p, _ = fc_loss(bn.CoombesByrne(eta=-4.6), conn, target, init={"G": G}, **run)
        return jax.block_until_ready(jax.value_and_grad(f, has_aux=True)(p))

    def fit(G, target):
        return bn.fit_gradient(bn.CoombesByrne(eta=-4.6), conn, target, init={"G": G}, steps=3, progress=False,
                               **run)

    for name, call in (("fc_loss value+grad", value_and_grad), ("fit_gradient 3 steps", fit)):
        for which, (G, target) in (("first", (0.5, targets[0])), ("second", (0.6, targets[1]))):
            with compile_seconds() as compiled:
                t = time.perf_counter()
                call(G, target)
                wall = time.perf_counter() - t
            print(f"repeat   {name} {which} call (G={G}): {wall:.1f}s, compiling {compiled[0]:.1f}s", flush=True)


def delay_backward(L: int, steps: int = 20_000) -> None:
    """The plain and the fused push + read of a ring buffer of ``L`` rows: forward and value-and-gradient times."""
    import jax
    import jax.numpy as jnp
    import numpy as np

    jax.config.update("jax_enable_x64", True)
    n, K = 76, 20
    rng = np.random.default_rng(0)
    W = jnp.asarray(rng.random((n, K)) / K)
    offsets = jnp.asarray(-rng.integers(1, L - 1, size=(n, K)) * n + rng.integers(0, n, size=(n, K)))

    def indices(step):
        idx = (step % L) * n + offsets
        return jnp.where(idx < 0, idx + L * n, idx)

    def push(hist, step, v):
        return hist.at[step % L].set(v)

    def read(hist, step):
        return jnp.sum(W * hist.reshape(-1)[indices(step)], axis=1)

    @jax.custom_vjp
    def push_read(hist, step, v):
        h = push(hist, step, v)
        return h, read(h, step)

    def forward(hist, step, v):
        h = push(hist, step, v)
        idx = indices(step)
        g = h.reshape(-1)[idx]
        return (h, jnp.sum(W * g, axis=1)), (idx, step)

    def backward(res, cts):
        idx, step = res
        ct_h, ct_S = cts
        ct_h = ct_h.reshape(-1).at[idx.reshape(-1)].add((W * ct_S[:, None]).reshape(-1)).reshape(L, n)
        row_ = step % L
        return ct_h.at[row_].set(0.0), None, ct_h[row_]

    push_read.defvjp(forward, backward)

    def run(G, fused):
        def body(c, _):
            x, hist, step = c
            step = step + 1
            if fused:
                hist, S = push_read(hist, step, x)
            else:
                hist = push(hist, step, x)
                S = read(hist, step)
            x = x + 0.01 * (-x + jnp.tanh(G * S + 0.1))
            return (x, hist, step), x

        c0 = (jnp.full(n, 0.1), jnp.zeros((L, n)), jnp.asarray(0, jnp.int32))
        return jnp.sum(jax.lax.scan(body, c0, None, length=steps)[1] ** 2)

    for fused in (False, True):
        fw = jax.jit(lambda G, fused=fused: run(G, fused)).lower(0.5).compile()
        vg = jax.jit(jax.value_and_grad(lambda G, fused=fused: run(G, fused))).lower(0.5).compile()
        jax.block_until_ready((fw(0.5), vg(0.5)))
        t = time.perf_counter()
        jax.block_until_ready(fw(0.5))
        tf = time.perf_counter() - t
        t = time.perf_counter()
        _, g = jax.block_until_ready(vg(0.5))
        tg = time.perf_counter() - t
        print(f"L={L} {'fused' if fused else 'plain'}: forward {tf:.3f}s value+grad {tg:.3f}s dG={float(g):.12g}",
              flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=10_000.0, help="simulated ms (default 10 s)")
    parser.add_argument("--speed", type=float, default=3.0, help="conduction speed, mm/ms")
    parser.add_argument("--row", choices=("forward", "ckpt", "nockpt", "repeat"), help=argparse.SUPPRESS)
    parser.add_argument("--repeat", action="store_true", help="first against second call of one structure")
    parser.add_argument("--delay-backward", action="store_true", help="the ring buffer's backward pass")
    args = parser.parse_args()
    if args.row == "repeat" or args.repeat:
        repeat(args.duration, args.speed)
        return
    if args.row:
        row(args.row, args.duration, args.speed)
        return
    print(f"load average (1 min): {os.getloadavg()[0]:.2f}", flush=True)
    if args.delay_backward:
        for L in (116, 463):
            delay_backward(L)
        return
    for mode in ("forward", "ckpt", "nockpt", "repeat"):
        subprocess.run([sys.executable, __file__, "--row", mode, "--duration", str(args.duration),
                        "--speed", str(args.speed)], check=True)


if __name__ == "__main__":
    main()
