"""The progress bar of every long call (runs, batches, sweeps, fits): one rule for when it shows."""

from __future__ import annotations

import importlib.util
import sys


def progress_bar(progress, total, desc, *, unit="it", default=True):
    """A tqdm bar over ``total`` units of work, or None where it is off.

    Parameters
    ----------
    progress : bool or None
        True: shown; False: not; None: shown where stderr is a terminal or the
        code runs in a Jupyter kernel, and ``default`` holds (e.g. a run split
        into several calls). In a notebook the bar is tqdm's widget where
        ipywidgets is installed, else tqdm's text bar (without tqdm's
        "IProgress not found" warning).
    total : int
        Units of work the bar counts to.
    desc, unit : str
        The bar's label and the name of its unit.
    default : bool
        Whether ``progress=None`` shows the bar on a terminal or in a notebook.
    """
    if progress is None:
        progress = default and (sys.stderr.isatty() or in_jupyter())
    if not progress:
        return None
    if importlib.util.find_spec("ipywidgets") is None:  # tqdm.auto would warn in a notebook, then fall back to this
        from tqdm.std import tqdm  # noqa: PLC0415 - only for a progress bar
    else:
        from tqdm.auto import tqdm  # noqa: PLC0415 - the widget in a notebook, the text bar elsewhere

    return tqdm(total=total, unit=unit, desc=desc, leave=False)


def in_jupyter() -> bool:
    """Whether this code runs in a Jupyter kernel (a notebook, JupyterLab, VS Code's or Colab's)."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    return shell is not None and hasattr(shell, "kernel")
