r"""The measured cost of a vectorised batch, and the batch sizes it makes fastest.

A batch of :math:`B` runs is one vmapped program (:func:`~brainnet_cb.simulate_batch`,
``vectorize=True``). Its cost per simulated step,
relative to :math:`B` single runs, was measured with ``benchmarks/bench_core.py``
(``--batch-cost``: tvb76, Coombes–Byrne, Heun, noise and BOLD, float32):

- on a CPU (:data:`CPU_RELATIVE_COST`; the batch program compiled with
  :data:`~brainnet_cb.simulation.engine.CPU_BATCH_OPTIONS`) a batch of 2 costs
  more than its two single runs (:math:`\rho = 1.21`), and from :math:`B = 4` on
  less (0.79 at 4, 0.49 at 32). With XLA's default options the parallel task
  assigner split the vmapped gather over threads from :math:`B = 4`, and
  batches of up to 7 cost more than their single runs (1.14, 1.31 at 2, 4);
- on an accelerator a single small network is launch-bound, so the cost of a
  batch hardly grows with :math:`B`: the largest batch that fits is fastest.

For :math:`K` runs and a memory cap :math:`B_\mathrm{mem}`,
:func:`choose_batch_size` takes the :math:`B \le \min(K, B_\mathrm{mem})` that
minimises the estimated time :math:`\lceil K / B \rceil\, B\, \rho(B)` (the
last batch is padded to :math:`B`), the largest such :math:`B` on ties. On a CPU
:math:`B` stays within the measured sizes: no gain was measured beyond them,
and the compile time grows with :math:`B`. :func:`run_one_by_one` applies the
same rule to one batch: :func:`~brainnet_cb.simulate_batch` (``vectorize="auto"``)
runs its members one by one through the single-run engine when no batch size
above 1 is estimated faster. A sweep takes its batch size from
:func:`choose_batch_size` (:mod:`brainnet_cb.fitting.batch_size`).
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["CPU_RELATIVE_COST", "relative_cost", "choose_batch_size", "run_one_by_one"]

#: Cost of one network-step in a vmapped batch of ``B``, relative to a single run
#: (``B = 1``), on a CPU; measured with ``python benchmarks/bench_core.py --batch-cost
#: 2,4,8,16,32`` on the project's 2-core machine (tvb76, noise, BOLD, float32, process
#: CPU time of the compiled engine). Interpolated linearly in ``log2 B``.
CPU_RELATIVE_COST = {1: 1.0, 2: 1.21, 4: 0.79, 8: 0.57, 16: 0.51, 32: 0.49}


def relative_cost(batch: int, platform: str = "cpu") -> float:
    """:math:`\\rho(B)`: cost per network-step of a batch of ``batch`` over a single run's.

    ``platform`` is JAX's backend name (``jax.default_backend()``); anything
    but ``"cpu"`` is treated as an accelerator, where :math:`\\rho(B) = 1/B`
    (a batch costs about what one run costs).
    """
    if platform != "cpu":
        return 1.0 / batch
    sizes = np.array(sorted(CPU_RELATIVE_COST), float)
    costs = np.array([CPU_RELATIVE_COST[int(b)] for b in sizes])
    return float(np.interp(math.log2(batch), np.log2(sizes), costs))


def choose_batch_size(total: int, memory_cap: int, platform: str = "cpu") -> int:
    """The batch size of a sweep of ``total`` runs: the fastest that fits in memory.

    Parameters
    ----------
    total : int
        Number of runs ``K``.
    memory_cap : int
        The largest ``B`` whose outputs and state fit in the memory budget.
    platform : str
        JAX backend (``"cpu"``, ``"gpu"``, ``"tpu"``).

    Returns
    -------
    int
        ``B`` in ``[1, min(K, memory_cap)]`` (on a CPU also at most the
        largest measured size, 32) minimising
        ``ceil(K / B) * B * relative_cost(B)``; the largest on ties.

    Examples
    --------
    >>> choose_batch_size(4, 1000, "cpu"), choose_batch_size(64, 1000, "cpu"), choose_batch_size(64, 1000, "gpu")
    (4, 32, 64)
    """
    top = max(1, min(int(total), int(memory_cap)))
    if platform == "cpu":  # no gain measured beyond the table; compile time grows with B
        top = min(top, max(CPU_RELATIVE_COST))
    candidates = set(range(1, min(top, 256) + 1)) | {top} | {2**k for k in range(top.bit_length())}
    best, best_cost = 1, math.inf
    for b in sorted(candidates):
        cost = math.ceil(total / b) * b * relative_cost(b, platform)
        if cost <= best_cost * (1 + 1e-12):
            best, best_cost = b, min(cost, best_cost)
    return best


def run_one_by_one(batch: int, platform: str = "cpu") -> bool:
    r"""Whether ``batch`` members run faster one by one than as one vectorised program.

    The rule of :func:`choose_batch_size` applied to a batch of its own:
    ``choose_batch_size(batch, batch, platform) == 1``, i.e. no batch size
    :math:`1 < b \le B` gives a lower estimated time
    :math:`\lceil B / b \rceil\, b\, \rho(b)` than :math:`B` single runs.
    :func:`~brainnet_cb.simulate_batch` (``vectorize="auto"``) asks it.

    Examples
    --------
    >>> run_one_by_one(2, "cpu"), run_one_by_one(4, "cpu"), run_one_by_one(16, "cpu"), run_one_by_one(2, "gpu")
    (True, False, False, False)
    """
    return choose_batch_size(batch, batch, platform) == 1
