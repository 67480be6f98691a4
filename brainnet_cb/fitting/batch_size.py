"""How many runs a sweep puts in one compiled batch: memory and measured throughput.

The rule and the measured costs live beside the batch engine, in
:mod:`brainnet_cb.simulation.batch_cost` (:func:`~brainnet_cb.simulate_batch`
asks the same rule whether to run its members one by one); this module is
where the sweeps (:func:`~brainnet_cb.sweep`) take them from.
"""

from __future__ import annotations

from ..simulation.batch_cost import CPU_RELATIVE_COST, choose_batch_size, relative_cost, run_one_by_one

__all__ = ["CPU_RELATIVE_COST", "relative_cost", "choose_batch_size", "run_one_by_one"]
