"""Searching over runs: parameter sweeps and fits to empirical FC.

- :mod:`~brainnet_cb.fitting.sweep` (``bn.sweep``: one compiled, vmapped program per batch,
  optionally on a dask cluster) and :mod:`~brainnet_cb.fitting.sweep_summaries` (the per-run
  summaries: FC correlation with a target, FCD KS distance, ...).
- :mod:`~brainnet_cb.fitting.fit` (``bn.fit_gradient``, ``fc_loss``: gradient descent through
  the differentiable run) and :mod:`~brainnet_cb.fitting.fit_grid` (``bn.fit_grid``: a sweep,
  then a refinement), with :mod:`~brainnet_cb.fitting.fit_results` (losses, the result Dataset).
- :mod:`~brainnet_cb.fitting.working_point` (``bn.fit_working_point``: the out-of-sample recipe),
  with :mod:`~brainnet_cb.fitting.working_point_scan` (its linear scan),
  :mod:`~brainnet_cb.fitting.working_point_weights` (the scan over the weights),
  :mod:`~brainnet_cb.fitting.regional_noise` (the noise variance of every region, fitted in the
  slow limit), and its other stages (``working_point_inputs``, ``_setup``, ``_simulation``,
  ``_choice``, ``_result``).

This layer sits above :mod:`brainnet_cb.simulation` (it consumes a ``Simulation`` and the
parameter book) and :mod:`brainnet_cb.analysis`; only the CLI sits above it. The package
re-exports nothing, so ``brainnet_cb.fitting.sweep`` is the module, not the function.
"""
