#!/usr/bin/env python
"""Core performance benchmark (issue 2, "Performance"): one table for one workload.

Workload: 76 regions with tract-length delays at 3 mm/ms (the bundled TVB
76-region connectome when ``bn.load_atlas("tvb76")`` works, else a seeded random
76-region graph with ~1,500 edges and lengths up to 150 mm, i.e. delays up to
50 ms), Coombes–Byrne nodes with default parameters, linear coupling into ``v``,
weights divided by their maximum, deterministic Heun at dt = 0.1 ms, 10 s
simulated (100,000 steps), ``r`` recorded every 1 ms (10,000 samples).
The coupling input is held fixed over the two Heun stages (as TVB and brainmass
do), in brainnet_cb and in the yardstick alike.

Every row runs in a fresh subprocess (one at a time), so that its peak memory
(``VmHWM``, the RSS high-water mark of that process: imports + compile +
run) and its compile time are its own. Columns:

- ``us/step``: best of ``--repeats`` timed calls after the first, divided by
  the steps (and by the batch size for batch rows: time per step per network);
  for ``bn.simulate`` rows the call is the whole public ``bn.simulate(...)``
  (host validation, the compiled run, and the xarray Dataset);
- ``compile s``: first call minus the best later call (tracing + XLA compile);
- ``peak RSS MB``: ``VmHWM`` of the row's process (``ru_maxrss`` would carry
  the parent's size across fork/exec on Linux);
- ``steps/s``: 1e6 / us/step (network-steps per second for batch rows).

Rows:

- ``bn``: ``bn.simulate`` as a user calls it (float64 and float32);
- ``bn batch32``: 32 values of G in ONE compiled program: ``jax.vmap`` over the
  un-jitted engine (``_engine.advance.__wrapped__``) with the ``G`` leaf of
  ``Dynamic.coupling`` batched, advanced in 1-s chunks (same compiled chunk)
  with outputs moved to the host after each chunk;
- ``yardstick``: a minimal hand-written ``lax.scan`` (padded per-target edge
  gather from a flat ring buffer ``hist[(p - lag) mod L, source]``, nested scan
  for the 1-ms samples); its r is compared with brainnet_cb's in float64;
- ``yardstick + noise drawn per 1-ms block``: the yardstick with
  ``Additive(v=0.1)`` on ``v`` (stochastic Heun), its normals drawn once per
  10-step block (``normal(fold_in(key, b), (10, n))``) and fed to the inner
  scan as ``xs``; ``bn.simulate + Additive(v=0.1)`` is the project's row for it
  (issue 13; same key, same realisation);
- ``yardstick batch-last``: the yardstick for 32 G with the batch axis last
  (``hist (L*n, B)``: each gathered edge reads B contiguous values), a
  prototype layout for the batched engine; checked against ``bn.simulate``;
- ``bn.simulate_batch``: the public batch API with ``batch={"G": ...}``
  (whole Dataset of the 32 runs returned);
- ``proto:`` rows are brainnet_cb with a proposed change monkeypatched in that
  subprocess only (the package is not edited): ``cond argmin`` runs the
  divergence bookkeeping's ``argmin`` in a ``lax.cond`` taken only on the step
  that first goes non-finite; ``jitted init carry`` builds the initial carry
  in one compiled call instead of op by op (compile time, peak memory);
- ``brainmass``: brainmass's own ``Simulator`` driving ``brainmass.Network``
  (additive coupling, same weights, lengths, speed and dt), run with the Python
  of a separate virtual environment (``--brainmass-python``, default
  ``/work/bench-venv/bin/python``); skipped with a note if that is missing;
- ``[nofusion]``: the same row with
  ``XLA_FLAGS=--xla_cpu_use_fusion_emitters=false`` set before jax is imported.

Usage::

    python benchmarks/bench_core.py                 # every row (~13 min on 2 idle cores)
    python benchmarks/bench_core.py --quick         # fewer rows and repeats
    python benchmarks/bench_core.py --rows bn-f64,yard-f64 --repeats 5
    python benchmarks/bench_core.py --list          # row keys
    python benchmarks/bench_core.py --table         # issue 13's table: project / hand-written, one process
    python benchmarks/bench_core.py --table --table-rows "W1,batch of one" --repeats 5
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import resource
import subprocess
import sys
import tempfile
import time

import numpy as np

REPO = pathlib.Path(__file__).resolve().parents[1]

N_REGIONS = 76
DT = 0.1  # ms
DURATION = 10_000.0  # ms
N_STEPS = round(DURATION / DT)
SPEED = 3.0  # mm/ms
PERIOD = 1.0  # ms, r sampling period
PERIOD_STEPS = round(PERIOD / DT)
G = 0.5
BATCH = 32
G_BATCH = np.linspace(0.0, 1.0, BATCH)
BATCH_CHUNK_STEPS = 10_000  # 1 s of simulated time per compiled chunk
NOFUSION = "--xla_cpu_use_fusion_emitters=false"
SIGMA_V = 0.1  # noisy rows: Additive(v=SIGMA_V), key NOISE_KEY
NOISE_KEY = 0
DEFAULT_BM_PYTHON = "/work/bench-venv/bin/python"

# key: (label, kind, dtype, nofusion)
ROWS = {
    "bn-f64": ("brainnet_cb bn.simulate", "bn", "float64", False),
    "bn-f32": ("brainnet_cb bn.simulate", "bn", "float32", False),
    "bn-batch-f64": (f"brainnet_cb vmap {BATCH} G (per network)", "bn_batch", "float64", False),
    "bn-batch-f32": (f"brainnet_cb vmap {BATCH} G (per network)", "bn_batch", "float32", False),
    "simbatch-f64": (f"bn.simulate_batch {BATCH} G (per network)", "bn_simbatch", "float64", False),
    "bn-noise-f64": (f"brainnet_cb bn.simulate + Additive(v={SIGMA_V})", "bn_noise", "float64", False),
    "bn-noise-f32": (f"brainnet_cb bn.simulate + Additive(v={SIGMA_V})", "bn_noise", "float32", False),
    "yard-f64": ("yardstick hand-written scan", "yard", "float64", False),
    "yard-f32": ("yardstick hand-written scan", "yard", "float32", False),
    "yard-noise-f64": ("yardstick + noise drawn per 1-ms block", "yard_noise", "float64", False),
    "yard-noise-f32": ("yardstick + noise drawn per 1-ms block", "yard_noise", "float32", False),
    "yard-batch-f64": (f"yardstick vmap {BATCH} G (per network)", "yard_batch", "float64", False),
    "yard-bminor-f64": (f"yardstick batch-last {BATCH} G (per network)", "yard_bminor", "float64", False),
    "cond-f64": ("proto: bn.simulate + cond argmin", "bn_cond", "float64", False),
    "jitinit-f64": ("proto: bn.simulate + jitted init carry", "bn_jitinit", "float64", False),
    "bn-f64-nofusion": ("brainnet_cb bn.simulate [nofusion]", "bn", "float64", True),
    "yard-f64-nofusion": ("yardstick [nofusion]", "yard", "float64", True),
    "bn-batch-f64-nofusion": (f"brainnet_cb vmap {BATCH} G [nofusion]", "bn_batch", "float64", True),
    "yard-batch-f64-nofusion": (f"yardstick vmap {BATCH} G [nofusion]", "yard_batch", "float64", True),
    "brainmass-f32": ("brainmass Simulator (its 'heun')", "brainmass", "float32", False),
    "brainmass-f64": ("brainmass Simulator (its 'heun')", "brainmass", "float64", False),
}
BATCH_KINDS = ("bn_batch", "bn_simbatch", "yard_batch", "yard_bminor")
QUICK_ROWS = ["bn-f64", "bn-f32", "bn-batch-f64", "yard-f64", "brainmass-f32"]


# --------------------------------------------------------------------------- connectome


def random_connectome(seed=0, n=N_REGIONS, n_edges=1500, max_length=150.0):
    """Seeded random graph: ~``n_edges`` directed edges, symmetric lengths in (10, max_length) mm."""
    rng = np.random.default_rng(seed)
    p = n_edges / (n * (n - 1))
    w = np.where(rng.random((n, n)) < p, rng.random((n, n)), 0.0)
    np.fill_diagonal(w, 0.0)
    lengths = rng.uniform(10.0, max_length, (n, n))
    lengths = (lengths + lengths.T) / 2
    np.fill_diagonal(lengths, 0.0)
    labels = [f"r{i}" for i in range(n)]
    return w, lengths, labels


def build_connectome(choice):
    """(weights, lengths, labels, description) from ``load_atlas('tvb76')`` or the random graph."""
    if choice in ("auto", "tvb76"):
        try:
            sys.path.insert(0, str(REPO))
            import brainnet_cb as bn

            load = getattr(bn, "load_atlas", None)
            if load is None:
                raise AttributeError("brainnet_cb has no load_atlas yet")
            conn = load("tvb76")
            w = np.asarray(conn.weights, float)
            lengths = np.asarray(conn.lengths, float)
            return w, lengths, list(conn.labels), "TVB 76-region (bn.load_atlas('tvb76'))"
        except Exception as exc:
            if choice == "tvb76":
                raise
            why = f"{type(exc).__name__}: {exc}"
    else:
        why = "--connectome random"
    w, lengths, labels = random_connectome()
    return w, lengths, labels, f"seeded random 76-region graph ({why})"


def delay_structure(w, lengths):
    """Integer lags (rint, >= 1 where length > 0) and the padded per-target edge table."""
    w = w / w.max()
    lags = np.rint(lengths / (SPEED * DT)).astype(np.int64)
    lags = np.where(lengths > 0, np.maximum(lags, 1), 0)
    exists = w != 0
    L = int(lags[exists].max()) + 1
    K = int(exists.sum(axis=1).max())
    n = w.shape[0]
    src = np.zeros((n, K), np.int32)
    lag = np.zeros((n, K), np.int32)
    wk = np.zeros((n, K))
    for i in range(n):
        (j,) = np.nonzero(exists[i])
        src[i, : j.size] = j
        lag[i, : j.size] = lags[i, j]
        wk[i, : j.size] = w[i, j]
    return dict(src=src, lag=lag, w=wk, L=L, K=K, n_edges=int(exists.sum()))


# --------------------------------------------------------------------------- children


def rss_mb():
    """Peak RSS of this process image in MB.

    ``VmHWM`` from ``/proc/self/status`` (the high-water mark of this address
    space); ``ru_maxrss`` is the fallback elsewhere. On Linux ``ru_maxrss`` is
    carried across ``fork``/``exec``, so a child of a large parent would report
    the parent's size; VmHWM starts afresh at ``exec``.
    """
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KiB on Linux


def _jax_setup(dtype, with_bn=True):
    """Import brainnet_cb (which imports brainstate), then switch float64 on if asked.

    ``with_bn=False`` (the yardstick rows) imports jax alone.
    """
    bn = None
    if with_bn:
        sys.path.insert(0, str(REPO))
        import brainnet_cb as bn
    import jax

    if dtype == "float64":
        # brainstate's import can reset jax_enable_x64; set it after importing.
        jax.config.update("jax_enable_x64", True)
        if "brainstate" in sys.modules:
            import brainstate

            brainstate.environ.set(precision=64)
    import jax.numpy as jnp

    return bn, jax, jnp


def patch_jit_initial_carry():
    """Prototype: build the initial carry in one compiled call, not op by op.

    ``prepare`` runs ``initial_carry`` eagerly: every jnp op in it (the delayed
    read, the coupling, the monitors' init) is compiled as its own tiny XLA
    program on first use, which costs compile time and memory.
    """
    import jax

    from brainnet_cb import _engine

    _engine.initial_carry = jax.jit(_engine.initial_carry, static_argnums=(3,))


def _load(npz):
    d = np.load(npz, allow_pickle=False)
    return d["weights"], d["lengths"], [str(s) for s in d["labels"]]


CPU_BEST = {}


def _time_calls(fn, repeats):
    """First call (compile + run) and the best wall time of ``repeats`` later calls.

    The best CPU time (``process_time``, all threads) of those calls is kept in
    ``CPU_BEST["s"]``: on a shared machine it is hurt less by other processes.
    """
    t0 = time.perf_counter()
    fn()
    first = time.perf_counter() - t0
    best = cpu = float("inf")
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        best = min(best, time.perf_counter() - t0)
        cpu = min(cpu, time.process_time() - c0)
    CPU_BEST["s"] = cpu
    return first, best


def patch_cond_argmin():
    """Prototype: the divergence bookkeeping's argmin only on the first non-finite step.

    Wraps the engine's ``_one_step`` and replaces its ``bad_region`` (whose
    per-step ``argmin`` then becomes dead code that XLA removes) by a
    ``lax.cond`` that runs the argmin only on the step that first goes non-finite.
    """
    import jax
    import jax.numpy as jnp

    from brainnet_cb import _engine

    orig = _engine._one_step

    def _one_step(carry, dyn, plan, dW=None, settled=(), before=None):  # the engine's signature
        new = orig(carry, dyn, plan, dW, settled, before)
        newly_bad = (carry.bad_step < 0) & (new.bad_step >= 0)
        bad_region = jax.lax.cond(
            newly_bad,
            lambda: jnp.argmin(jnp.all(jnp.isfinite(new.x), axis=0)).astype(jnp.int32),
            lambda: carry.bad_region,
        )
        return new._replace(bad_region=bad_region)

    _engine._one_step = _one_step


def patch_sum_check():
    """Prototype: one scalar ``isfinite(sum(x))`` per step; the argmin only on the first bad step.

    A sum of finite states is non-finite only if one is NaN/inf or they overflow
    (|x| ~ 1e308, a diverged run anyway).
    """
    import jax
    import jax.numpy as jnp

    from brainnet_cb import _engine

    orig = _engine._one_step

    def _one_step(carry, dyn, plan, dW=None, settled=(), before=None):  # the engine's signature
        new = orig(carry, dyn, plan, dW, settled, before)  # its own bookkeeping is dropped as dead code
        newly_bad = (carry.bad_step < 0) & ~jnp.isfinite(jnp.sum(new.x))
        bad_step = jnp.where(newly_bad, new.step, carry.bad_step)
        bad_region = jax.lax.cond(
            newly_bad,
            lambda: jnp.argmin(jnp.all(jnp.isfinite(new.x), axis=0)).astype(jnp.int32),
            lambda: carry.bad_region,
        )
        return new._replace(bad_step=bad_step, bad_region=bad_region)

    _engine._one_step = _one_step


def _simulate_kwargs(bn, dtype, g=G):
    return dict(
        duration=DURATION,
        dt=DT,
        coupling=bn.Linear(G=g),
        speed=SPEED,
        monitors=[bn.SubSample(PERIOD, variables=("r",))],
        method="heun",
        dtype=dtype,
    )


def child_bn(npz, dtype, repeats, cond=False, jit_init=False, noise=False):
    bn, jax, jnp = _jax_setup(dtype)
    rss_import = rss_mb()
    if jit_init:
        patch_jit_initial_carry()
    if cond:
        patch_cond_argmin()
    w, lengths, labels = _load(npz)
    conn = bn.Connectome(w, lengths, labels)
    out = {}

    kw = _simulate_kwargs(bn, dtype)
    if noise:
        kw.update(noise=bn.Additive(v=SIGMA_V), key=NOISE_KEY)

    def call():
        ds = bn.simulate(bn.CoombesByrne(), conn, **kw)
        out["ds"] = ds

    first, best = _time_calls(call, repeats)
    ds = out["ds"]
    assert str(ds.r.dtype) == dtype, ds.r.dtype
    assert ds.r.shape == (N_STEPS // PERIOD_STEPS, N_REGIONS), ds.r.shape
    return dict(
        us_per_step=best / N_STEPS * 1e6,
        compile_s=first - best,
        rss_import_mb=rss_import,
        out_dtype=str(ds.r.dtype),
        r_mean=float(ds.r.mean()),
    )


def _bn_batched_program(bn, jax, jnp, dtype, conn):
    """(initial batched carry, jitted chunk function, n_blocks per chunk) for the G batch."""
    import dataclasses

    from brainnet_cb import _engine

    run = bn.prepare(bn.CoombesByrne(), conn, **_simulate_kwargs(bn, dtype))
    plan, dyn = run.plan, run.dyn
    assert plan.levels == ((PERIOD_STEPS, (0,)),), plan.levels
    x0, hist0 = run.carry.x, run.carry.hist
    raw_advance = getattr(_engine.advance, "__wrapped__", None)
    if raw_advance is None:  # pragma: no cover - older/other jax
        def raw_advance(carry, dyn, plan, n_blocks, level):
            return jax.lax.scan(lambda c, _: _engine._block(c, dyn, plan, level), carry, None, length=n_blocks)

    def with_g(g):
        return dyn._replace(coupling=dataclasses.replace(dyn.coupling, G=g))

    init = jax.jit(jax.vmap(lambda g: _engine.initial_carry(x0, hist0, with_g(g), plan)))
    n_blocks = BATCH_CHUNK_STEPS // PERIOD_STEPS

    @jax.jit
    def chunk(carry, gs):
        return jax.vmap(lambda c, g: raw_advance(c, with_g(g), plan, n_blocks, 0))(carry, gs)

    return init, chunk


def child_bn_batch(npz, dtype, repeats):
    bn, jax, jnp = _jax_setup(dtype)
    rss_import = rss_mb()
    w, lengths, labels = _load(npz)
    conn = bn.Connectome(w, lengths, labels)
    init, chunk = _bn_batched_program(bn, jax, jnp, dtype, conn)
    gs = jnp.asarray(G_BATCH, dtype)
    out = {}

    def call():
        carry = init(gs)
        acc = np.zeros((BATCH, N_REGIONS))
        for _ in range(N_STEPS // BATCH_CHUNK_STEPS):
            carry, ys = chunk(carry, gs)
            r = np.asarray(ys[0][0])  # (batch, blocks, 1, n)
            acc += r.sum(axis=(1, 2))
        bad = np.asarray(carry.bad_step)
        if (bad >= 0).any():
            raise RuntimeError(f"diverged for G = {np.asarray(gs)[bad >= 0]}")
        out["r_mean"] = acc / (N_STEPS // PERIOD_STEPS)
        out["dtype"] = str(r.dtype)

    first, best = _time_calls(call, max(1, repeats // 2))
    assert out["dtype"] == dtype
    return dict(
        us_per_step=best / N_STEPS / BATCH * 1e6,
        compile_s=first - best,
        rss_import_mb=rss_import,
        out_dtype=out["dtype"],
        r_mean=float(out["r_mean"].mean()),
    )


def child_bn_simbatch(npz, dtype, repeats):
    """The public ``bn.simulate_batch(..., batch={"G": ...})`` (full Dataset out)."""
    bn, jax, jnp = _jax_setup(dtype)
    rss_import = rss_mb()
    if not hasattr(bn, "simulate_batch"):
        raise SystemExit("brainnet_cb has no simulate_batch")
    w, lengths, labels = _load(npz)
    conn = bn.Connectome(w, lengths, labels)
    out = {}

    def call():
        kw = _simulate_kwargs(bn, dtype)
        kw.pop("coupling")
        out["ds"] = bn.simulate_batch(bn.CoombesByrne(), conn, batch={"G": G_BATCH},
                                      coupling=bn.Linear(), **kw)

    first, best = _time_calls(call, max(1, repeats // 2))
    ds = out["ds"]
    assert ds.r.shape == (BATCH, N_STEPS // PERIOD_STEPS, N_REGIONS), ds.r.shape
    return dict(
        us_per_step=best / N_STEPS / BATCH * 1e6,
        compile_s=first - best,
        rss_import_mb=rss_import,
        out_dtype=str(ds.r.dtype),
        r_mean=float(ds.r.mean()),
    )


def yardstick(jax, jnp, w, lengths, dtype):
    """The minimal hand-written network: returns ``run(carry, G) -> (carry, r samples)``."""
    ds = delay_structure(w, lengths)
    n, L = w.shape[0], ds["L"]
    src = jnp.asarray(ds["src"], jnp.int32)
    lag = jnp.asarray(ds["lag"], jnp.int32)
    wk = jnp.asarray(ds["w"], dtype)
    Delta, eta, k, v_syn = 1.0, 2.0, 1.0, -4.0
    dt = DT
    pi = np.pi

    def f(r, v, c):
        g = k * pi * r
        return Delta / pi + 2.0 * v * r - g * r, v * v - (pi * r) ** 2 + eta + (v_syn - v) * g + c

    def step(G):
        def body(carry, _):
            r, v, hist, p = carry
            c = G * jnp.sum(wk * hist[((p - lag) % L) * n + src], axis=1)  # held over both stages
            dr1, dv1 = f(r, v, c)
            dr2, dv2 = f(r + dt * dr1, v + dt * dv1, c)
            r = r + 0.5 * dt * (dr1 + dr2)
            v = v + 0.5 * dt * (dv1 + dv2)
            p = p + 1
            hist = jax.lax.dynamic_update_slice(hist, r, ((p % L) * n,))
            return (r, v, hist, p), None

        return body

    def run(carry, G, n_samples):
        body = step(G)

        def sample(carry, _):
            carry, _ = jax.lax.scan(body, carry, None, length=PERIOD_STEPS)
            return carry, carry[0]

        return jax.lax.scan(sample, carry, None, length=n_samples)

    def init():
        r0 = jnp.full((n,), 0.1, dtype)
        return (r0, jnp.zeros((n,), dtype), jnp.full((L * n,), 0.1, dtype), jnp.asarray(0, jnp.int32))

    return run, init


def yardstick_noisy(jax, jnp, w, lengths, dtype, sigma=SIGMA_V):
    """The yardstick with additive noise on ``v``, drawn once per ``PERIOD_STEPS`` block.

    Stochastic Heun for additive noise (the same increment in predictor and
    corrector). Block ``b`` (steps ``10 b .. 10 b + 9``) uses
    ``normal(fold_in(key, b), (10, n)) * sigma * sqrt(dt)``.
    """
    ds = delay_structure(w, lengths)
    n, L = w.shape[0], ds["L"]
    src = jnp.asarray(ds["src"], jnp.int32)
    lag = jnp.asarray(ds["lag"], jnp.int32)
    wk = jnp.asarray(ds["w"], dtype)
    Delta, eta, k, v_syn = 1.0, 2.0, 1.0, -4.0
    dt, pi = DT, np.pi
    K = PERIOD_STEPS

    def f(r, v, c):
        g = k * pi * r
        return Delta / pi + 2.0 * v * r - g * r, v * v - (pi * r) ** 2 + eta + (v_syn - v) * g + c

    def run(carry, G, n_samples, key):
        scale = jnp.asarray(sigma, dtype) * jnp.sqrt(jnp.asarray(dt, dtype))

        def body(carry, dw):
            r, v, hist, p = carry
            c = G * jnp.sum(wk * hist[((p - lag) % L) * n + src], axis=1)  # held over both stages
            dr1, dv1 = f(r, v, c)
            dr2, dv2 = f(r + dt * dr1, v + dt * dv1 + dw, c)
            r = r + 0.5 * dt * (dr1 + dr2)
            v = v + 0.5 * dt * (dv1 + dv2) + dw
            p = p + 1
            hist = jax.lax.dynamic_update_slice(hist, r, ((p % L) * n,))
            return (r, v, hist, p), None

        def sample(carry, b):
            dw = scale * jax.random.normal(jax.random.fold_in(key, b), (K, n), dtype)
            carry, _ = jax.lax.scan(body, carry, dw)
            return carry, carry[0]

        return jax.lax.scan(sample, carry, jnp.arange(n_samples, dtype=jnp.int32))

    def init():
        r0 = jnp.full((n,), 0.1, dtype)
        return (r0, jnp.zeros((n,), dtype), jnp.full((L * n,), 0.1, dtype), jnp.asarray(0, jnp.int32))

    return run, init


def yardstick_batch_minor(jax, jnp, w, lengths, dtype):
    """The yardstick for a batch with the batch axis LAST: ``r, v (n, B)``, ``hist (L*n, B)``.

    Each gathered edge then reads one contiguous row of ``B`` values (a gather of
    ``n * K`` slices) instead of ``B * n * K`` scattered scalars, which is what
    ``jax.vmap`` (batch axis first) produces. A prototype for the batched engine.
    """
    ds = delay_structure(w, lengths)
    n, L = w.shape[0], ds["L"]
    src = jnp.asarray(ds["src"], jnp.int32)
    lag = jnp.asarray(ds["lag"], jnp.int32)
    wk = jnp.asarray(ds["w"], dtype)[:, :, None]
    dt, pi = DT, np.pi

    def f(r, v, c):
        g = pi * r  # k = 1
        return 1.0 / pi + 2.0 * v * r - g * r, v * v - (pi * r) ** 2 + 2.0 + (-4.0 - v) * g + c

    def run(carry, G, n_samples):
        def body(carry, _):
            r, v, hist, p = carry
            c = G * jnp.sum(wk * hist[((p - lag) % L) * n + src], axis=1)  # (n, B)
            dr1, dv1 = f(r, v, c)
            dr2, dv2 = f(r + dt * dr1, v + dt * dv1, c)
            r = r + 0.5 * dt * (dr1 + dr2)
            v = v + 0.5 * dt * (dv1 + dv2)
            p = p + 1
            hist = jax.lax.dynamic_update_slice(hist, r, ((p % L) * n, jnp.int32(0)))
            return (r, v, hist, p), None

        def sample(carry, _):
            carry, _ = jax.lax.scan(body, carry, None, length=PERIOD_STEPS)
            return carry, carry[0]

        return jax.lax.scan(sample, carry, None, length=n_samples)

    def init(b):
        return (jnp.full((n, b), 0.1, dtype), jnp.zeros((n, b), dtype), jnp.full((L * n, b), 0.1, dtype),
                jnp.asarray(0, jnp.int32))

    return run, init


def child_yard(npz, dtype, repeats, noise=False):
    bn, jax, jnp = _jax_setup(dtype, with_bn=False)
    rss_import = rss_mb()
    w, lengths, _ = _load(npz)
    if noise:
        run, init = yardstick_noisy(jax, jnp, w, lengths, jnp.dtype(dtype))
        key = jax.random.key(NOISE_KEY)
        prog = jax.jit(lambda c: run(c, G, N_STEPS // PERIOD_STEPS, key))
    else:
        run, init = yardstick(jax, jnp, w, lengths, jnp.dtype(dtype))
        prog = jax.jit(lambda c: run(c, G, N_STEPS // PERIOD_STEPS))
    carry0 = init()
    out = {}

    def call():
        _, r = prog(carry0)
        out["r"] = np.asarray(r)

    first, best = _time_calls(call, repeats)
    return dict(
        us_per_step=best / N_STEPS * 1e6,
        compile_s=first - best,
        rss_import_mb=rss_import,
        out_dtype=str(out["r"].dtype),
        r_mean=float(out["r"].mean()),
    )


def child_yard_batch(npz, dtype, repeats, batch_minor=False):
    bn, jax, jnp = _jax_setup(dtype, with_bn=False)
    rss_import = rss_mb()
    w, lengths, _ = _load(npz)
    n_samples = BATCH_CHUNK_STEPS // PERIOD_STEPS
    gs = jnp.asarray(G_BATCH, dtype)
    if batch_minor:
        run, init = yardstick_batch_minor(jax, jnp, w, lengths, jnp.dtype(dtype))
        chunk = jax.jit(lambda c, g: run(c, g, n_samples))
        carry0 = init(BATCH)
    else:
        run, init = yardstick(jax, jnp, w, lengths, jnp.dtype(dtype))
        chunk = jax.jit(jax.vmap(lambda c, g: run(c, g, n_samples)))
        carry0 = jax.tree.map(lambda a: jnp.broadcast_to(a, (BATCH,) + a.shape), init())
    out = {}

    def call():
        carry = carry0
        acc = np.zeros((BATCH, N_REGIONS))
        for _ in range(N_STEPS // BATCH_CHUNK_STEPS):
            carry, r = chunk(carry, gs)
            r = np.asarray(r)
            acc += r.sum(axis=0).T if batch_minor else r.sum(axis=1)
        out["r_mean"] = acc / (N_STEPS // PERIOD_STEPS)
        out["dtype"] = str(r.dtype)

    first, best = _time_calls(call, max(1, repeats // 2))
    return dict(
        us_per_step=best / N_STEPS / BATCH * 1e6,
        compile_s=first - best,
        rss_import_mb=rss_import,
        out_dtype=out["dtype"],
        r_mean=float(out["r_mean"].mean()),
    )


def child_brainmass(npz, dtype, repeats):
    """brainmass's Simulator; it re-traces and re-compiles on every ``run``, so the
    per-step time is (10 s run - 10 ms run) / (steps difference), compile = the 10 ms run."""
    import brainmass
    import brainstate
    import brainunit as u
    import jax

    brainstate.environ.set(precision=64 if dtype == "float64" else 32, dt=DT * u.ms)
    rss_import = rss_mb()
    w, lengths, _ = _load(npz)
    w = w / w.max()
    node = brainmass.CoombesByrneStep(N_REGIONS, method="heun")
    net = brainmass.Network(
        node, conn=w, distance=lengths, speed=SPEED, coupling="additive", coupled_var="r", k=G
    )
    sim = brainmass.Simulator(net, dt=DT * u.ms)
    out = {}

    def call(duration):
        res = sim.run(duration * u.ms, monitors=lambda m: m.node.r.value, sample_every=PERIOD_STEPS)
        out["r"] = np.asarray(jax.block_until_ready(res["output"]))

    short_ms = 10.0
    t_short = t_long = c_short = c_long = float("inf")
    first = None
    for _ in range(max(2, repeats // 2)):
        t0, c0 = time.perf_counter(), time.process_time()
        call(short_ms)
        t = time.perf_counter() - t0
        c_short = min(c_short, time.process_time() - c0)
        first = t if first is None else first
        t_short = min(t_short, t)
        t0, c0 = time.perf_counter(), time.process_time()
        call(DURATION)
        t_long = min(t_long, time.perf_counter() - t0)
        c_long = min(c_long, time.process_time() - c0)
    steps = N_STEPS - round(short_ms / DT)
    return dict(
        us_per_step=(t_long - t_short) / steps * 1e6,
        cpu_us_per_step=(c_long - c_short) / steps * 1e6,
        compile_s=t_short,
        rss_import_mb=rss_import,
        out_dtype=str(out["r"].dtype),
        r_mean=float(out["r"].mean()),
        note=f"recompiles every run; first 10-ms run {first:.2f} s",
    )


def child_check(npz, repeats):
    """float64 agreement: yardstick vs bn.simulate; batch members vs single runs."""
    bn, jax, jnp = _jax_setup("float64")
    w, lengths, labels = _load(npz)
    conn = bn.Connectome(w, lengths, labels)
    res = {}
    ds = bn.simulate(bn.CoombesByrne(), conn, **_simulate_kwargs(bn, "float64"))
    r_bn = ds.r.values
    run, init = yardstick(jax, jnp, w, lengths, jnp.float64)
    _, r_y = jax.jit(lambda c: run(c, G, N_STEPS // PERIOD_STEPS))(init())
    r_y = np.asarray(r_y)
    res["dtype"] = str(r_bn.dtype) + "/" + str(r_y.dtype)
    res["yard_vs_bn_max_abs"] = float(np.abs(r_y - r_bn).max())
    res["r_range"] = [float(r_bn.min()), float(r_bn.max())]
    res["r_std_last_s"] = float(r_bn[-1000:].std(axis=0).mean())
    # One batch member against a single run at the same G.
    init_b, chunk = _bn_batched_program(bn, jax, jnp, "float64", conn)
    gs = jnp.asarray(G_BATCH, jnp.float64)
    carry = init_b(gs)
    parts = []
    for _ in range(N_STEPS // BATCH_CHUNK_STEPS):
        carry, ys = chunk(carry, gs)
        parts.append(np.asarray(ys[0][0]).reshape(BATCH, -1, N_REGIONS))
    rb = np.concatenate(parts, axis=1)
    kk = BATCH - 1
    ds_k = bn.simulate(bn.CoombesByrne(), conn, **_simulate_kwargs(bn, "float64", g=float(G_BATCH[kk])))
    res["batch_vs_single_max_abs"] = float(np.abs(rb[kk] - ds_k.r.values).max())
    res["batch_G"] = float(G_BATCH[kk])
    runm, initm = yardstick_batch_minor(jax, jnp, w, lengths, jnp.float64)
    _, rm = jax.jit(lambda c, g: runm(c, g, N_STEPS // PERIOD_STEPS))(initm(BATCH), gs)
    res["bminor_vs_single_max_abs"] = float(np.abs(np.asarray(rm)[:, :, kk] - ds_k.r.values).max())
    if hasattr(bn, "simulate_batch"):
        kw = _simulate_kwargs(bn, "float64")
        kw.pop("coupling")
        dsb = bn.simulate_batch(bn.CoombesByrne(), conn, batch={"G": G_BATCH}, coupling=bn.Linear(), **kw)
        res["simbatch_vs_single_max_abs"] = float(np.abs(dsb.r.values[kk] - ds_k.r.values).max())
    return res


def run_child(args):
    kind, dtype = args.child, args.dtype
    if kind == "connectome":
        import platform

        w, lengths, labels, desc = build_connectome(args.connectome)
        np.savez(args.npz, weights=w, lengths=lengths, labels=np.array(labels))
        import jax

        res = dict(desc=desc, jax=jax.__version__, python=platform.python_version())
        print("RESULT " + json.dumps(res), flush=True)
        return
    if kind == "check":
        res = child_check(args.npz, args.repeats)
    elif kind == "bn":
        res = child_bn(args.npz, dtype, args.repeats)
    elif kind == "bn_cond":
        res = child_bn(args.npz, dtype, args.repeats, cond=True)
    elif kind == "bn_jitinit":
        res = child_bn(args.npz, dtype, args.repeats, jit_init=True)
    elif kind == "bn_batch":
        res = child_bn_batch(args.npz, dtype, args.repeats)
    elif kind == "bn_simbatch":
        res = child_bn_simbatch(args.npz, dtype, args.repeats)
    elif kind == "bn_noise":
        res = child_bn(args.npz, dtype, args.repeats, noise=True)
    elif kind == "yard":
        res = child_yard(args.npz, dtype, args.repeats)
    elif kind == "yard_noise":
        res = child_yard(args.npz, dtype, args.repeats, noise=True)
    elif kind == "yard_batch":
        res = child_yard_batch(args.npz, dtype, args.repeats)
    elif kind == "yard_bminor":
        res = child_yard_batch(args.npz, dtype, args.repeats, batch_minor=True)
    elif kind == "brainmass":
        res = child_brainmass(args.npz, dtype, args.repeats)
    else:
        raise SystemExit(f"unknown child {kind!r}")
    res["peak_rss_mb"] = rss_mb()
    res["load"] = os.getloadavg()[0]
    if "cpu_us_per_step" not in res and "s" in CPU_BEST:
        per = N_STEPS * (BATCH if kind in BATCH_KINDS else 1)
        res["cpu_us_per_step"] = CPU_BEST["s"] / per * 1e6
    res["xla_flags"] = os.environ.get("XLA_FLAGS", "")
    print("RESULT " + json.dumps(res), flush=True)


# --------------------------------------------------------------------------- parent


def spawn(python, kind, dtype, npz, repeats, nofusion, timeout, extra=()):
    env = dict(os.environ)
    flags = env.get("XLA_FLAGS", "").replace(NOFUSION, "").strip()
    env["XLA_FLAGS"] = (flags + " " + NOFUSION).strip() if nofusion else flags
    env.setdefault("PYTHONUNBUFFERED", "1")
    cmd = [python, str(pathlib.Path(__file__).resolve()), "--child", kind, "--dtype", dtype,
           "--npz", npz, "--repeats", str(repeats), *extra]
    try:
        p = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout, cwd=str(REPO))
    except subprocess.TimeoutExpired:
        return None, f"timed out after {timeout} s"
    for line in p.stdout.splitlines()[::-1]:
        if line.startswith("RESULT "):
            return json.loads(line[7:]), None
    tail = (p.stderr or p.stdout).strip().splitlines()[-3:]
    return None, " | ".join(tail)[-300:]


def fmt_table(rows):
    head = ["row", "dtype", "us/step", "steps/s", "compile s", "peak RSS MB", "cpu us/step", "notes"]
    lines = [head]
    for r in rows:
        lines.append(r)
    widths = [max(len(str(l[i])) for l in lines) for i in range(len(head) - 1)]
    out = []
    for j, l in enumerate(lines):
        cells = [str(c).rjust(widths[i]) if i >= 2 else str(c).ljust(widths[i]) for i, c in enumerate(l[:-1])]
        out.append("| " + " | ".join(cells) + " | " + str(l[-1]) + " |")
        if j == 0:
            out.append("|" + "|".join("-" * (w + 2) for w in widths) + "|---|")
    return "\n".join(out)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", help="comma-separated row keys (see --list); default: all")
    ap.add_argument("--quick", action="store_true", help=f"rows {','.join(QUICK_ROWS)}, 3 repeats")
    ap.add_argument("--repeats", type=int, default=7, help="timed calls after the first (default 7)")
    ap.add_argument("--connectome", choices=("auto", "tvb76", "random"), default="auto")
    ap.add_argument("--brainmass-python", default=DEFAULT_BM_PYTHON,
                    help="python of a venv with brainmass installed (never the project's venv)")
    ap.add_argument("--no-check", action="store_true", help="skip the float64 agreement check")
    ap.add_argument("--timeout", type=int, default=900, help="seconds per row")
    ap.add_argument("--wait-idle", type=float, default=0.0, metavar="SECONDS",
                    help="before each row, wait up to SECONDS for the 1-min load average to drop "
                         "below --idle-load (a shared machine)")
    ap.add_argument("--idle-load", type=float, default=1.0)
    ap.add_argument("--list", action="store_true")
    ap.add_argument("--json", help="also write the results to this JSON file")
    ap.add_argument("--table", action="store_true",
                    help="issue 13's table instead (benchmarks/bench_table.py): W1, W1 noisy, W2b, W3, W4, "
                         "batch of one, sweep of 4; project vs hand-written reference alternating in one process")
    ap.add_argument("--table-rows", help="comma-separated rows of --table (default: all)")
    ap.add_argument("--table-dtype", default="float32", choices=("float32", "float64"))
    ap.add_argument("--batch-cost", metavar="SIZES",
                    help="e.g. 1,2,4,8,32: rho(B), the CPU time per network-step of a batch of B over a single "
                         "run's: the vmapped engine (the table of brainnet_cb.simulation.batch_cost) and, end "
                         "to end, bn.simulate_batch (vectorize='auto' and True) against B bn.simulate calls")
    # internal
    ap.add_argument("--child")
    ap.add_argument("--dtype", default="float64")
    ap.add_argument("--npz")
    args = ap.parse_args(argv)

    if args.child:
        run_child(args)
        return 0
    if args.batch_cost:
        import bench_table  # beside this file

        bench_table.batch_cost([int(b) for b in args.batch_cost.split(",")], args.table_dtype)
        return 0
    if args.table:
        import bench_table  # beside this file

        keys = args.table_rows.split(",") if args.table_rows else bench_table.ROWS
        bad = [k for k in keys if k not in bench_table.ROWS]
        if bad:
            ap.error(f"unknown --table-rows {bad}; choose from {list(bench_table.ROWS)}")
        bench_table.main(min(args.repeats, 7) if args.repeats != 7 else 3, args.table_dtype, keys)
        return 0
    if args.list:
        for k, (label, _kind, dtype, _nf) in ROWS.items():
            print(f"{k:24s} {label} ({dtype})")
        return 0
    keys = args.rows.split(",") if args.rows else (QUICK_ROWS if args.quick else list(ROWS))
    if args.quick and not args.rows:
        args.repeats = min(args.repeats, 3)
    bad = [k for k in keys if k not in ROWS]
    if bad:
        ap.error(f"unknown rows {bad}; see --list")

    # The parent stays small (no jax): the connectome is built in a child too.
    tmp = tempfile.mkdtemp(prefix="bench_core_")
    npz = os.path.join(tmp, "connectome.npz")
    info, err = spawn(sys.executable, "connectome", "float64", npz, 0, False, args.timeout,
                      extra=("--connectome", args.connectome))
    if info is None:
        raise SystemExit(f"could not build the connectome: {err}")
    d = np.load(npz)
    w, lengths = d["weights"], d["lengths"]
    ds = delay_structure(w, lengths)
    import platform

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"# brainnet_cb core benchmark  ({time.strftime('%Y-%m-%d %H:%M')})")
    print(f"# machine: {platform.machine()}, {os.cpu_count()} cores, python {info['python']}, "
          f"jax {info['jax']}; 1-min load average at start {load:.2f}")
    try:
        head = subprocess.run(["git", "-C", str(REPO), "log", "-1", "--format=%h %s"], capture_output=True,
                              text=True).stdout.strip()[:70]
        dirty = subprocess.run(["git", "-C", str(REPO), "status", "--porcelain", "--", "brainnet_cb"],
                               capture_output=True, text=True).stdout.strip()
        print(f"# brainnet_cb at {head}" + (" (+ uncommitted changes under brainnet_cb/)" if dirty else ""))
    except OSError:
        pass
    print(f"# connectome: {info['desc']}")
    print(f"#   {w.shape[0]} regions, {ds['n_edges']} edges, padded in-degree K = {ds['K']} "
          f"({w.shape[0] * ds['K']} gathered values/step), max lag {ds['L'] - 1} steps "
          f"({(ds['L'] - 1) * DT:g} ms), ring buffer {ds['L']} x {w.shape[0]}")
    print(f"# workload: Coombes-Byrne, Linear(G={G}) into v, weights / max, speed {SPEED} mm/ms, "
          f"deterministic Heun (coupling held over both stages), dt {DT} ms, {DURATION / 1000:g} s "
          f"= {N_STEPS} steps, r every {PERIOD} ms; batch: {BATCH} G in "
          f"[{G_BATCH[0]:g}, {G_BATCH[-1]:g}], 1-s chunks")
    print(f"# timing: best of {args.repeats} calls after the first (batch/brainmass rows: "
          f"{max(1, args.repeats // 2)}); compile = first call - best; peak RSS = VmHWM "
          "of the row's own process", flush=True)

    table, results = [], {}
    for key in keys:
        label, kind, dtype, nofusion = ROWS[key]
        python = sys.executable
        if kind == "brainmass":
            python = args.brainmass_python
            if not os.path.exists(python):
                table.append([label, dtype, "-", "-", "-", "-", "-",
                              f"skipped: {python} missing (python -m venv /work/bench-venv && "
                              "/work/bench-venv/bin/pip install brainmass)"])
                continue
        deadline = time.time() + args.wait_idle
        while args.wait_idle and os.getloadavg()[0] > args.idle_load and time.time() < deadline:
            time.sleep(5)
        print(f"# running {key} (load {os.getloadavg()[0]:.2f}) ...", file=sys.stderr, flush=True)
        res, err = spawn(python, kind, dtype, npz, args.repeats, nofusion, args.timeout)
        results[key] = res if res is not None else {"error": err}
        if res is None:
            table.append([label, dtype, "-", "-", "-", "-", "-", f"failed: {err}"])
            continue
        us = res["us_per_step"]
        notes = []
        if kind in BATCH_KINDS:
            notes.append(f"per network; {us * BATCH:.1f} us per batched step")
        if res.get("note"):
            notes.append(res["note"])
        if res["compile_s"] < 0:
            notes.append("first call faster than the best later one: load from other processes")
        notes.append(f"RSS after import {res['rss_import_mb']:.0f} MB")
        notes.append(f"load {res.get('load', float('nan')):.1f}")
        table.append([label, res["out_dtype"], f"{us:.2f}", f"{1e6 / us:,.0f}", f"{res['compile_s']:.2f}",
                      f"{res['peak_rss_mb']:.0f}", f"{res.get('cpu_us_per_step', float('nan')):.2f}",
                      "; ".join(notes)])
    print()
    print(fmt_table(table))

    if not args.no_check:
        print("\n# float64 agreement check", flush=True)
        res, err = spawn(sys.executable, "check", "float64", npz, 1, False, args.timeout)
        results["check"] = res if res is not None else {"error": err}
        if res is None:
            print(f"check failed: {err}")
        else:
            print(f"max |r_yardstick - r_bn.simulate| = {res['yard_vs_bn_max_abs']:.3e}  "
                  f"(dtype {res['dtype']}; r in [{res['r_range'][0]:.4f}, {res['r_range'][1]:.4f}])")
            print(f"max |r_batch[G={res['batch_G']:g}] - r_bn.simulate(G={res['batch_G']:g})| = "
                  f"{res['batch_vs_single_max_abs']:.3e}")
            print(f"max |yardstick batch-last r[G={res['batch_G']:g}] - r_bn.simulate(G={res['batch_G']:g})| = "
                  f"{res['bminor_vs_single_max_abs']:.3e}")
            if "simbatch_vs_single_max_abs" in res:
                print(f"max |bn.simulate_batch r[G={res['batch_G']:g}] - r_bn.simulate(G={res['batch_G']:g})| = "
                      f"{res['simbatch_vs_single_max_abs']:.3e}")

    yard = results.get("yard-f64")
    if yard and "us_per_step" in yard:
        print(f"\n# targets (issue 2): us/step <= 1.2 x yardstick = {1.2 * yard['us_per_step']:.2f} "
              "(and <= 3.1 on this machine class); compile < 3 s; peak RSS < 300 MB")
        for key in ("bn-f64", "bn-f32", "cond-f64", "jitinit-f64"):
            r = results.get(key)
            if r and "us_per_step" in r:
                ratio = r["us_per_step"] / yard["us_per_step"]
                ok = ratio <= 1.2 and r["compile_s"] < 3 and r["peak_rss_mb"] < 300
                print(f"#   {key:8s}: {ratio:.2f} x yardstick, compile {r['compile_s']:.2f} s, "
                      f"peak {r['peak_rss_mb']:.0f} MB -> {'meets' if ok else 'MISSES'} the targets")
    for dtype in ("f64", "f32"):
        bn_n, yard_n = results.get(f"bn-noise-{dtype}"), results.get(f"yard-noise-{dtype}")
        if bn_n and yard_n and "us_per_step" in bn_n and "us_per_step" in yard_n:
            print(f"# issue 13: noisy W1 {dtype}: {bn_n['us_per_step'] / yard_n['us_per_step']:.2f} x the "
                  "block-drawing yardstick (target <= 1.1; separate processes: benchmarks/bench_noise.py "
                  "times them alternately in one)")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump({"connectome": info["desc"], "rows": results}, fh, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
