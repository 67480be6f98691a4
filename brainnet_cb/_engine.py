"""Old import path of the engine: the code moved to :mod:`brainnet_cb.simulation.engine`.

This module *is* that module (``sys.modules`` alias), so ``from brainnet_cb import
_engine`` keeps working and a test or benchmark that patches ``_engine.X`` patches
the engine itself.
"""

import sys

from .simulation import engine

__all__ = engine.__all__

sys.modules[__name__] = engine
