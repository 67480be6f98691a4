#!/usr/bin/env python
"""Structured against dense linear algebra on the delay-free Jacobian (the linear stage of ``fit_working_point``).

The delay-free Jacobian of ``n`` regions with ``n_s`` states is block
diagonal plus a rank-``n`` term (``brainnet_cb.dynamics.system.JacobianParts``),
so a solve, ``sign det J`` and the rows of ``J^{-1}`` of one state need one
``n x n`` LU instead of one of ``n_s n``. For Coombes–Byrne (``n_s = 2``) on a
seeded synthetic connectome (points on a sphere, weights decaying with
distance, 15 % dense, ``Linear(G=0.3)``) at n = 80, 250, 400, this times, in
ONE process, alternating (round-robin, so that load from other processes hits
both alike), median of ``--repeats``:

- ``solve``: ``structured_solve`` (jitted, from the parts) against
  ``numpy.linalg.solve`` of the dense Jacobian (and JAX's dense
  ``jnp.linalg.solve``, what ``newton`` used before);
- ``sign``: ``structured_slogdet`` against ``numpy.linalg.slogdet``;
- ``rows``: ``structured_inverse_rows`` (rows of ``r``) against
  ``numpy.linalg.inv(J)[rows]``;
- ``grad``: the value and gradient, by the weights, of
  ``sum(probe * rows**2)`` (what the effective-connectivity fit
  differentiates): through the hand-written derivative of
  ``structured_inverse_rows``, against JAX's derivative of
  ``jnp.linalg.inv(J)[rows]`` (in the ``numpy`` column: NumPy has no
  derivative) and JAX's derivative through the structured factorisation
  itself (its LU and triangular solves; in the ``jax dense`` column, what
  the fit used before 2026-12-04);

and prints the median times (ms), the ratios dense / structured of the
medians (the speed-up; dense LAPACK via NumPy is the reference) and of the
best rounds (``best n/s``: less sensitive to other processes' load), and the
largest relative difference of the results. One BLAS / XLA thread. The structured times
include every check (the backward-error probe) of the real functions.

Usage::

    python benchmarks/bench_linear_stage.py                    # n = 80, 250, 400; 15 rounds
    python benchmarks/bench_linear_stage.py --sizes 80 250 --repeats 9
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")
os.environ.setdefault("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1")

import argparse
import platform
import time

import jax
import jax.numpy as jnp
import numpy as np

import brainnet_cb as bn
from brainnet_cb.dynamics.structured import (
    _inverse_rows_factored,
    structured_inverse_rows,
    structured_operator,
    structured_slogdet,
    structured_solve,
)
from brainnet_cb.dynamics.system import assemble_jacobian, build_network, jacobian_parts, newton


def synthetic(n, seed=0):
    """A seeded synthetic connectome of ``n`` regions (the n = 250 profile's recipe)."""
    rng = np.random.default_rng(seed)
    pts = rng.normal(size=(n, 3))
    pts *= 70.0 / np.linalg.norm(pts, axis=1)[:, None]
    hemi = pts[:, 0] > 0
    d = np.linalg.norm(pts[:, None] - pts[None], axis=-1)
    W = np.exp(-d / 25.0) * rng.lognormal(0, 1, size=(n, n))
    W = (W + W.T) / 2
    W[hemi[:, None] != hemi[None, :]] *= 0.1
    np.fill_diagonal(W, 0)
    W[W < np.quantile(W, 0.85)] = 0
    return bn.Connectome(W / W.max(), d)


def case(n):
    """Parts, weights, dense Jacobian (NumPy) and a right-hand side at a fixed point of the n-region network."""
    net = build_network(bn.CoombesByrne(eta=-5.0), synthetic(n), bn.Linear(G=0.3))
    x0 = jnp.asarray(np.asarray(net.arrays.model.initial_state(n, jnp.float64)), jnp.float64)
    x, res, _ = newton(x0, net.arrays, net.port)
    parts = jacobian_parts(x, net.arrays, net.port)
    J = np.asarray(assemble_jacobian(parts, net.arrays.weights))
    f = np.random.default_rng(1).normal(size=J.shape[0])
    assert J.dtype == np.float64 and float(res) < 1e-10
    return parts, net.arrays.weights, J, f, float(res)


def _gradients(parts, n):
    """Value and gradient by the weights of ``sum(probe * B**2)``: hand-written, dense autodiff, LU autodiff."""
    probe = jnp.asarray(np.random.default_rng(2).normal(size=(n, 2 * n)))

    def loss(inverse_rows):
        return jax.jit(jax.value_and_grad(lambda w: jnp.sum(probe * inverse_rows(w) ** 2)))

    return (loss(lambda w: structured_inverse_rows(parts, w, 0)),
            loss(lambda w: jnp.linalg.inv(assemble_jacobian(parts, w))[:n]),
            loss(lambda w: _inverse_rows_factored(structured_operator(parts, w), 0)[0]))


def _calls(n, solve, sign, rows, dense_jax):
    """``{op: (structured, numpy dense, jax dense or None)}``: argument-free calls on the n-region case."""
    parts, W, J, f, _ = case(n)
    fj, Jj = jnp.asarray(f), jnp.asarray(J)
    hand, dense_grad, lu_grad = _gradients(parts, n)
    return {
        "solve": (lambda: solve(parts, W, fj), lambda: np.linalg.solve(J, f), lambda: dense_jax(Jj, fj)),
        "sign": (lambda: sign(parts, W), lambda: np.linalg.slogdet(J), None),
        "rows": (lambda: rows(parts, W, row=0), lambda: np.linalg.inv(J)[:n], None),
        "grad": (lambda: hand(W)[1], lambda: dense_grad(W)[1], lambda: lu_grad(W)[1]),
    }


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", type=int, nargs="*", default=[80, 250, 400])
    p.add_argument("--repeats", type=int, default=15)
    args = p.parse_args()
    solve = jax.jit(structured_solve)
    sign = jax.jit(structured_slogdet)
    rows = jax.jit(structured_inverse_rows, static_argnames="row")
    dense_jax = jax.jit(jnp.linalg.solve)
    print(f"# {platform.node()} {platform.processor() or platform.machine()}, {os.cpu_count()} cores; "
          f"jax {jax.__version__}, numpy {np.__version__}; one thread; median of {args.repeats} alternating rounds")
    print(f"{'n':>4} {'op':>6} {'structured ms':>14} {'numpy ms':>9} {'jax dense ms':>13} "
          f"{'numpy/struct':>13} {'jax/struct':>11} {'best n/s':>10} {'max rel diff':>13}")
    for n in args.sizes:
        for name, (fs, fd, fjd) in _calls(n, solve, sign, rows, dense_jax).items():
            calls = [fs, fd] + ([fjd] if fjd else [])
            out = [np.asarray(jax.block_until_ready(c())) if name != "sign" else c() for c in calls]  # compile, warm
            times = [[] for _ in calls]
            for _ in range(args.repeats):
                for k, c in enumerate(calls):
                    t0 = time.perf_counter()
                    jax.block_until_ready(c())
                    times[k].append(time.perf_counter() - t0)
            med = [1e3 * float(np.median(t)) for t in times]
            best = [min(t) for t in times]
            if name == "sign":
                diff = abs(float(out[0][1]) - float(out[1][1])) / abs(float(out[1][1]))
                assert float(out[0][0]) == float(out[1][0])
            else:
                diff = float(np.max(np.abs(out[0] - out[1])) / np.max(np.abs(out[1])))
            jd = f"{med[2]:13.2f}" if fjd else f"{'':>13}"
            jr = f"{med[2] / med[0]:11.1f}" if fjd else f"{'':>11}"
            print(f"{n:4d} {name:>6} {med[0]:14.2f} {med[1]:9.2f} {jd} {med[1] / med[0]:13.1f} {jr} "
                  f"{best[1] / best[0]:10.1f} {diff:13.1e}", flush=True)


if __name__ == "__main__":
    with jax.enable_x64(True):  # float64 throughout (the package's functions restore the flag they found)
        main()
