"""One run, declared once, and everything that executes it.

- :mod:`~brainnet_cb.simulation.spec` — ``Simulation`` (the run, frozen and validated once)
  and ``Execution`` (chunks, progress, streaming, checkpoints);
  :mod:`~brainnet_cb.simulation.validation` — the host-side checks that build a prepared run;
  :mod:`~brainnet_cb.simulation.run` — ``Run``, the prepared run that executes the engine.
- :mod:`~brainnet_cb.simulation.parameters` — the parameter book: a name -> kind, location,
  bounds, check, substitution (used by batches, sweeps, fits and the differentiable path);
  :mod:`~brainnet_cb.simulation.parameter_kinds` (``Parameter``, the kinds, the error wordings)
  and :mod:`~brainnet_cb.simulation.parameter_values` (given values: labelled rows, units) beside it.
- :mod:`~brainnet_cb.simulation.simulate` (``bn.simulate``, ``bn.prepare``),
  :mod:`~brainnet_cb.simulation.batch` (``bn.simulate_batch``),
  :mod:`~brainnet_cb.simulation.differentiable` (a run as a pure function for gradients).
- Outputs: :mod:`~brainnet_cb.simulation.streaming` (the ``Sink`` protocol, ``ZarrSink``),
  :mod:`~brainnet_cb.simulation.checkpoint`, :mod:`~brainnet_cb.simulation.output` (NetCDF).

The compiled step and scans are in :mod:`~brainnet_cb.simulation.engine` (it imports only
the integrators, delays, couplings, monitors and noise it scans; ``brainnet_cb._engine`` is
its old path, kept as an alias). The names are public from
``brainnet_cb``; this package re-exports nothing, so ``brainnet_cb.simulation.simulate`` is
the module, not the function.
"""
