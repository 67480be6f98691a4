r"""Conduction delays: integer lags and a ring buffer of the sent variable.

``lag_ij = round(lengths[i, j] / speed / dt)`` steps (``numpy.rint``: halves go
to the even integer), and at least 1 wherever the length is positive, so that
lag 0 (the current value) only occurs for zero-length edges.

History memory is ``(max_lag + 1) * n`` values; each step reads only the edges
that exist, from the flat buffer: ``hist[(p - lag) mod L, source]`` with
``L = max_lag + 1``. Two layouts of the edges (``edges=`` of
:func:`~brainnet_cb.simulate`):

- ``"padded"`` (:class:`DelayTable`): edges padded per target row to the
  largest in-degree ``K``; a gather of ``n * K`` values and a row sum. ``O(E)``
  for a balanced graph, and the fastest layout there.
- ``"segment"`` (:class:`EdgeTable`): the ``E`` edges as a flat list sorted by
  target; a gather of ``E`` values and a sorted ``segment_sum``. ``O(E)`` for any
  graph: a few hub targets with a huge in-degree do not inflate it.
- ``"auto"`` (default): ``"segment"`` when padding would more than double the
  work (``n * K > 2 E``), else ``"padded"`` (measured crossover, see
  ``docs/performance.md``).

Both give the same coupling up to the order of the floating-point sum.
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from .errors import SimulationError

__all__ = [
    "DelayTable",
    "EdgeTable",
    "EDGE_LAYOUTS",
    "choose_layout",
    "compute_lags",
    "build_delay_table",
    "init_history",
    "read_delayed",
    "push",
    "push_read",
]

#: Accepted values of ``edges=``.
EDGE_LAYOUTS = ("auto", "padded", "segment")
#: ``"auto"`` takes the edge list when padding costs more than this factor.
AUTO_PADDING_RATIO = 2.0


class DelayTable(NamedTuple):
    """Per-target padded edge table (a pytree of arrays).

    ``offsets[i, k] = source - lag * n`` (flat-buffer offset of edge ``k`` of
    target ``i``), ``weights[i, k]`` its weight (0 for padding),
    ``strength[i] = sum_j W[i, j]``.
    """

    offsets: jnp.ndarray
    weights: jnp.ndarray
    strength: jnp.ndarray


class EdgeTable(NamedTuple):
    """Flat edge list sorted by target (a pytree of arrays).

    ``offsets[e] = source - lag * n`` and ``weights[e]`` of edge ``e``,
    ``targets[e]`` its target (ascending), ``strength[i] = sum_j W[i, j]``.
    """

    offsets: jnp.ndarray
    weights: jnp.ndarray
    targets: jnp.ndarray
    strength: jnp.ndarray


def choose_layout(weights, edges: str = "auto") -> str:
    """The edge layout for ``weights[target, source]``: ``"padded"`` or ``"segment"``.

    ``"auto"`` gives ``"segment"`` when padding every target row to the
    largest in-degree ``K`` would more than double the gathered values
    (``n * K > 2 E``), else ``"padded"``.
    """
    if edges not in EDGE_LAYOUTS:
        raise SimulationError(
            f"edges must be one of {EDGE_LAYOUTS} (how the delayed read stores the connectome); "
            f"got {edges!r}. Leave it at 'auto' unless benchmarking."
        )
    if edges != "auto":
        return edges
    exists = np.asarray(weights) != 0
    n_edges = int(exists.sum())
    k_max = int(exists.sum(axis=1).max()) if exists.size else 0
    return "segment" if exists.shape[0] * k_max > AUTO_PADDING_RATIO * max(n_edges, 1) else "padded"


def compute_lags(lengths, speed: float, dt: float) -> np.ndarray:
    """Integer lags in steps: ``rint(lengths / speed / dt)``, >= 1 where length > 0."""
    lengths = np.asarray(lengths, dtype=float)
    with np.errstate(over="ignore"):  # a tiny speed: clipped below, then refused by build_delay_table's cap
        steps = lengths / (speed * dt)
    lags = np.rint(np.minimum(steps, 2.0**62)).astype(np.int64)  # not past int64 (a wrapped, negative lag)
    lags = np.where(lengths > 0, np.maximum(lags, 1), 0)
    return lags


def build_delay_table(weights, lags, dtype, edges: str = "padded") -> tuple[DelayTable, int]:
    """Edge table for ``weights[target, source]`` and integer ``lags``.

    ``edges`` is the layout (``"padded"``: :class:`DelayTable`; ``"segment"``:
    :class:`EdgeTable`; ``"auto"``: :func:`choose_layout`). Returns the table
    and ``max_lag`` over the edges that exist.
    """
    layout = choose_layout(weights, edges)
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
    if layout == "segment":
        tgt, src = np.nonzero(exists)  # row-major: sorted by target
        offsets = src - lags[tgt, src] * n
        if tgt.size == 0:  # one zero-weight edge (source 0, lag 0) keeps the shapes non-empty
            tgt, src, offsets = (np.zeros(1, np.int64),) * 3
        table = EdgeTable(
            offsets=jnp.asarray(offsets, dtype=jnp.int32),
            weights=jnp.asarray(w[tgt, src], dtype=dtype),
            targets=jnp.asarray(tgt, dtype=jnp.int32),
            strength=jnp.asarray(w.sum(axis=1), dtype=dtype),
        )
        return table, max_lag
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


def read_delayed(hist, step, table):
    """``sum_k weights[i, k] * r_src(t - lag)`` for every target ``i``: shape ``(n,)``.

    ``table`` is a :class:`DelayTable` (row sums) or an :class:`EdgeTable`
    (sorted ``segment_sum``).

    ``hist`` is the ring buffer ``(L, n)`` with ``L > max_lag``; the row of
    step ``step`` is ``step mod L``.
    """
    L, n = hist.shape
    flat = hist.reshape(-1)
    idx = (step % L) * n + table.offsets  # in [-(L-1) n, L n): one wrap at most
    idx = jnp.where(idx < 0, idx + L * n, idx)
    if isinstance(table, EdgeTable):
        return jax.ops.segment_sum(
            table.weights * flat[idx], table.targets, num_segments=n, indices_are_sorted=True
        )
    return jnp.sum(table.weights * flat[idx], axis=1)


def push(hist, step, value):
    """Write ``value`` (the sent variable at step ``step``) into the ring buffer."""
    return hist.at[step % hist.shape[0]].set(value)


def _indices(step, offsets, L, n):
    """Flat-buffer indices of the edges at ``step`` (as :func:`read_delayed`)."""
    idx = (step % L) * n + offsets
    return jnp.where(idx < 0, idx + L * n, idx)


def _push_gather(res, lin):
    """``(hist, value) -> (hist with value pushed, the edges' delayed values)``: linear in ``lin``."""
    step, offsets = res
    hist, value = lin
    hist = push(hist, step, value)
    L, n = hist.shape
    return hist, hist.reshape(-1)[_indices(step, offsets, L, n)]


def _push_gather_transpose(res, cts):
    """The transpose of :func:`_push_gather`: the edges' cotangents scattered into the buffer's, in place.

    The pushed row's cotangent is that row's incoming cotangent plus the lag-0 edges' (one small scatter, in
    the edges' order), and the row of the buffer's cotangent becomes ``row - row`` = 0, an update of the
    buffer's one scatter (the other edges never touch that row). The buffer's scatter takes ``-row`` from the
    small scatter's output, so XLA orders every read of the buffer before its one in-place update: reading the
    row after the scatter and then zeroing it made XLA copy the ``(L, n)`` buffer twice per backward step.
    The values are those of scatter, read, zero, bit for bit, where the row's cotangent is finite (an
    infinite or NaN one leaves NaN in the row, not 0: the gradient is not finite either way).
    """
    step, offsets = res
    ct_hist, ct_edges = cts
    L, n = ct_hist.shape
    row = step % L
    offsets, ct_edges = offsets.reshape(-1), ct_edges.reshape(-1)
    lag0 = offsets >= 0  # offsets = source - lag * n: lag 0 (and the padding) reads the row pushed at this step
    ct_row = jax.lax.dynamic_index_in_dim(ct_hist, row, keepdims=False)
    both = jnp.concatenate([ct_row, -ct_row]).at[jnp.where(lag0, offsets, 2 * n)].add(ct_edges, mode="drop")
    idx = jnp.concatenate([jnp.where(lag0, L * n, _indices(step, offsets, L, n)),
                           row * n + jnp.arange(n, dtype=offsets.dtype)])
    flat = ct_hist.reshape(-1).at[idx].add(jnp.concatenate([ct_edges, both[n:]]), mode="drop")
    return flat.reshape(L, n), both[:n]


def push_read(hist, step, value, table):
    """:func:`push` then :func:`read_delayed`: ``(hist, coupling sum)``, the same values, a cheaper gradient.

    The push and the gather are one ``jax.custom_derivatives.linear_call``
    whose transpose adds the edges' cotangents into the incoming cotangent of
    the buffer in place, touching only the rows read. JAX's own transpose of
    the gather scatters them into a fresh zero buffer and adds that, three
    passes over the ``(max_lag + 1, n)`` buffer per step (on tvb76 at
    ``max_lag`` 462, 10 s of ``fc_loss``: a value and gradient in 6.1-11.7 s
    against 14.9-23.2 s on a loaded 2-core CPU, ``benchmarks/bench_grad.py``). The gradient equals
    JAX's to the order of the sums (an edge cotangent is added onto the
    buffer's, not first into zeros). Forward
    mode (``jax.jvp``, ``jax.jacfwd``, ``jax.hessian``) and ``jax.vmap``
    work as before (:mod:`brainnet_cb._linear_call`); the forward values are
    those of :func:`push` and :func:`read_delayed`, bit for bit. Reverse mode
    needs both ``hist`` and ``value`` to carry a tangent (as in the engine's
    scan, where the buffer holds earlier states): differentiating through one
    of them alone fails in JAX's transpose of ``linear_call``; use :func:`push`
    and :func:`read_delayed` there.
    """
    from . import _linear_call  # noqa: PLC0415  (registers the rules linear_call lacks)

    if not _linear_call.AVAILABLE:  # pragma: no cover - other JAX versions
        hist = push(hist, step, value)
        return hist, read_delayed(hist, step, table)
    hist, edges = jax.custom_derivatives.linear_call(
        _push_gather, _push_gather_transpose, (step, table.offsets), (hist, value))
    n = hist.shape[1]
    if isinstance(table, EdgeTable):
        return hist, jax.ops.segment_sum(table.weights * edges, table.targets, num_segments=n,
                                         indices_are_sorted=True)
    return hist, jnp.sum(table.weights * edges, axis=1)
