"""The ``brainnet-cb`` command line: argparse, ``run``, ``atlases`` and ``info`` (:mod:`~brainnet_cb.cli.commands`),
``sweep`` and ``fit`` (:mod:`~brainnet_cb.cli.sweep_fit`), what they share (:mod:`~brainnet_cb.cli.common`),
the TOML configuration (:mod:`~brainnet_cb.cli.config`: load, overrides; its schema in
:mod:`~brainnet_cb.cli.config_schema`, its checks in :mod:`~brainnet_cb.cli.config_values` and
:mod:`~brainnet_cb.cli.config_tables`, its TOML output in :mod:`~brainnet_cb.cli.config_toml`)
and configuration -> :class:`~brainnet_cb.Simulation`
(:mod:`~brainnet_cb.cli.config_build`).

``main`` is the console script (``brainnet-cb = "brainnet_cb.cli:main"`` in pyproject.toml);
the CLI sits on top of every other layer and nothing in the package imports it.
"""

from .commands import main, parser, summarize

__all__ = ["main", "parser", "summarize"]
