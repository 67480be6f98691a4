"""Readers and writers: every common connectome format in, one checked Connectome out.

One small module per family; all return a :class:`~brainnet_cb.Connectome` with
``weights[target, source]``, lengths in mm and centres in mm, and raise
:class:`~brainnet_cb.errors.ConnectomeError` naming the file and the problem.
Writers are atomic and refuse to replace an existing file unless
``overwrite=True``.
"""

from .tvb import read_tvb, write_tvb

__all__ = ["read_tvb", "write_tvb"]
