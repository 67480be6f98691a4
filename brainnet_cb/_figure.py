"""The matplotlib ``Figure`` every plotting function returns: one that draws itself in a notebook.

The figures are made without pyplot (no global state, so a returned figure is shown once and never
twice), but IPython draws a bare ``Figure`` as an image only once pyplot has set up its inline
backend: a notebook that had not imported ``matplotlib.pyplot`` showed ``<Figure size 800x320 with
1 Axes>`` where the plot should be. :class:`NotebookFigure` gives IPython the PNG itself; where the
inline backend is set up, its own formatter (registered for ``Figure`` and so for this subclass)
is used instead, so the figure is still drawn once.
"""

from __future__ import annotations

import io

from matplotlib.figure import Figure

__all__ = ["NotebookFigure"]


class NotebookFigure(Figure):
    """A ``Figure`` with a ``_repr_png_`` (its PNG, cropped to the drawing as the inline backend does)."""

    def _repr_png_(self) -> bytes:
        buf = io.BytesIO()
        self.savefig(buf, format="png", bbox_inches="tight")
        return buf.getvalue()
