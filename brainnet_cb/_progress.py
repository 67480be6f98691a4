"""The progress bar of every long call (runs, batches, sweeps, fits): one rule for when it shows."""

from __future__ import annotations

import sys


def progress_bar(progress, total, desc, *, unit="it", default=True):
    """A tqdm bar over ``total`` units of work, or None where it is off.

    Parameters
    ----------
    progress : bool or None
        True: shown; False: not; None: shown where stderr is a terminal and
        ``default`` holds (e.g. a run split into several calls).
    total : int
        Units of work the bar counts to.
    desc, unit : str
        The bar's label and the name of its unit.
    default : bool
        Whether ``progress=None`` shows the bar on a terminal.
    """
    if progress is None:
        progress = default and sys.stderr.isatty()
    if not progress:
        return None
    from tqdm.auto import tqdm  # noqa: PLC0415 - only for a progress bar

    return tqdm(total=total, unit=unit, desc=desc, leave=False)
