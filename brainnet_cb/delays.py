r"""Conduction delays: integer lags and a ring buffer of the sent variable.

``lag_ij = round(lengths[i, j] / speed / dt)`` steps (``numpy.rint``: halves go
to the even integer), and at least 1 wherever the length is positive, so that
lag 0 (the current value) only occurs for zero-length edges.

History memory is ``(max_lag + 1) * n`` values; each step reads only the edges
that exist, padded per target row to the largest in-degree ``K``, so the read
is a gather of ``n * K`` values (``O(E)`` for a balanced graph) from the flat
buffer: ``hist[(p - lag) mod L, source]`` with ``L = max_lag + 1``.
"""

from __future__ import annotations

from typing import NamedTuple

import jax.numpy as jnp
import numpy as np

from .errors import SimulationError

__all__ = ["DelayTable", "compute_lags", "build_delay_table", "init_history", "read_delayed", "push"]


class DelayTable(NamedTuple):
    """Per-target padded edge table (a pytree of arrays).

    ``offsets[i, k] = source - lag * n`` (flat-buffer offset of edge ``k`` of
    target ``i``), ``weights[i, k]`` its weight (0 for padding),
    ``strength[i] = sum_j W[i, j]``.
    """

    offsets: jnp.ndarray
    weights: jnp.ndarray
    strength: jnp.ndarray


def compute_lags(lengths, speed: float, dt: float) -> np.ndarray:
    """Integer lags in steps: ``rint(lengths / speed / dt)``, >= 1 where length > 0."""
    lengths = np.asarray(lengths, dtype=float)
    lags = np.rint(lengths / (speed * dt)).astype(np.int64)
    lags = np.where(lengths > 0, np.maximum(lags, 1), 0)
    return lags


def build_delay_table(weights, lags, dtype) -> tuple[DelayTable, int]:
    """Edge table for ``weights[target, source]`` and integer ``lags``.

    Returns the table and ``max_lag`` over the edges that exist.
    """
    w = np.asarray(weights, dtype=float)
    n = w.shape[0]
    exists = w != 0
    max_lag = int(lags[exists].max()) if exists.any() else 0
    if max_lag > 50_000_000 // max(n, 1):
        raise SimulationError(
            f"the longest delay is {max_lag} steps, which needs a history of "
            f"{(max_lag + 1) * n:,} values; increase dt or speed, or check that "
            "lengths are in mm."
        )
    k_max = max(int(exists.sum(axis=1).max()), 1)
    offsets = np.zeros((n, k_max), dtype=np.int64)
    table_w = np.zeros((n, k_max))
    for i in range(n):
        (src,) = np.nonzero(exists[i])
        offsets[i, : src.size] = src - lags[i, src] * n
        table_w[i, : src.size] = w[i, src]
    # Padding reads source 0 at lag 0 with weight 0.
    table = DelayTable(
        offsets=jnp.asarray(offsets, dtype=jnp.int32),
        weights=jnp.asarray(table_w, dtype=dtype),
        strength=jnp.asarray(w.sum(axis=1), dtype=dtype),
    )
    return table, max_lag


def init_history(values, max_lag: int):
    """Ring buffer ``(max_lag + 1, n)`` holding ``values`` at their steps.

    ``values`` has shape ``(max_lag + 1, n)``: the sent variable at steps
    ``-max_lag, ..., 0`` (oldest first). The value of step ``m`` lives in row
    ``m mod (max_lag + 1)``.
    """
    rows = (np.arange(max_lag + 1) - max_lag) % (max_lag + 1)
    return jnp.zeros_like(values).at[rows].set(values)


def read_delayed(hist, step, table: DelayTable):
    """``sum_k weights[i, k] * r_src(t - lag)`` for every target ``i``: shape ``(n,)``.

    ``hist`` is the ring buffer ``(L, n)`` with ``L > max_lag``; the row of
    step ``step`` is ``step mod L``.
    """
    L, n = hist.shape
    flat = hist.reshape(-1)
    idx = (step % L) * n + table.offsets  # in [-(L-1) n, L n): one wrap at most
    idx = jnp.where(idx < 0, idx + L * n, idx)
    return jnp.sum(table.weights * flat[idx], axis=1)


def push(hist, step, value):
    """Write ``value`` (the sent variable at step ``step``) into the ring buffer."""
    return hist.at[step % hist.shape[0]].set(value)
