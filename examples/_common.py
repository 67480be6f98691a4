"""Shared by the examples: short mode (BRAINNET_CB_SHORT=1) and where figures go."""

import os
import pathlib

#: BRAINNET_CB_SHORT=1 shortens every duration so that CI runs all examples in seconds.
SHORT = os.environ.get("BRAINNET_CB_SHORT", "") not in ("", "0")
#: Figures go to BRAINNET_CB_OUT (default: the current folder).
OUT = pathlib.Path(os.environ.get("BRAINNET_CB_OUT", "."))


def duration(full_ms, short_ms):
    """The run length in ms: ``full_ms``, or ``short_ms`` in short mode."""
    return short_ms if SHORT else full_ms


def save(fig, name):
    """Save a figure as OUT/name and say where it went."""
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / name
    fig.savefig(path, dpi=110)
    print(f"figure: {path}")
    return path
