"""Weights and tract lengths given as labelled matrices (pandas DataFrame, 2-D xarray DataArray), in one region order.

A matrix read with ``pandas.read_csv(path, index_col=0)`` carries its region
labels; :class:`~brainnet_cb.Connectome` keeps them as its labels (they were
dropped for ``r0, r1, ...``) and puts every labelled matrix in one order by
label: ``labels=`` where given, else the weights'. Plain arrays are used as
they are, by position.
"""

from __future__ import annotations

import numpy as np

from ._checks import label_order
from .errors import ConnectomeError

__all__ = ["in_one_order"]


def _labelled(value, name):
    """``(values, labels)`` of a matrix given as a DataFrame or 2-D DataArray with region labels, else ``(value,
    None)``; rows and columns must list the same regions in the same order (``[target, source]``)."""
    if type(value).__module__.split(".")[0] not in ("pandas", "xarray"):
        return value, None
    from .analysis.common import labelled_matrix  # noqa: PLC0415 - pandas and xarray only for a labelled input

    m = labelled_matrix(value, name, ConnectomeError, kind="a connectivity matrix [target, source]")
    dims = getattr(m, "dims", ())
    if len(dims) != 2 or not all(d in m.coords for d in dims):
        return getattr(m, "values", m), None
    rows, cols = ([str(v).strip() for v in m[d].values] for d in dims)
    if rows == cols == [str(k) for k in range(len(rows))]:  # positions 0 .. n-1, as a DataFrame's default index
        return m.values, None
    if rows != cols:
        raise ConnectomeError(f"{name}: its row labels {rows[:3]}... differ from its column labels {cols[:3]}...; a "
                              "connectivity matrix [target, source] lists the same regions in the same order on both "
                              "axes.")
    return m.values, rows


def _numbers(labels) -> bool:
    """Whether every label reads as a number (region ids such as 1 .. n, not names)."""
    try:
        [float(v) for v in labels]
    except ValueError:
        return False
    return True


def _order_in(own, order, name):
    """Where each region of ``order`` is in ``own`` (the same regions, once each), else ConnectomeError."""
    return label_order(own, order, name, ConnectomeError, f"label it with the same regions, or pass a plain array "
                                                          f"({name}.to_numpy()) in the connectome's order")


def in_one_order(weights, lengths, labels):
    """``(weights, lengths, labels)`` with labelled matrices put in one region order by label.

    The order is ``labels`` where given, else the labels of ``weights``, else
    those of ``lengths``. Unlabelled ``lengths`` beside labelled ``weights``
    are taken in the order of ``weights``' rows (and moved with them);
    unlabelled ``weights`` beside labelled ``lengths`` need ``labels`` (the
    order of their rows).
    """
    weights, w_own = _labelled(weights, "weights")
    lengths, l_own = _labelled(lengths, "lengths")
    given = None if labels is None or isinstance(labels, str) else [str(v).strip() for v in np.ravel(labels)]
    if (w_own is None and l_own is None) or isinstance(labels, str) or (given and len(set(given)) < len(given)):
        return weights, lengths, labels  # nothing to order, or labels the Connectome refuses as they are
    if given is not None:  # numbers that are not the regions' names (e.g. 1 .. n): positions, as before
        w_own, l_own = (None if own is None or (_numbers(own) and set(own) != set(given)) else own
                        for own in (w_own, l_own))
        if w_own is None and l_own is None:
            return weights, lengths, labels
    if w_own is None and given is None:
        raise ConnectomeError("lengths carries region labels and weights does not: pass labels= (the regions of "
                              "weights' rows, in order), or weights labelled by region too.")
    order = given or w_own
    if w_own is not None:
        idx = _order_in(w_own, order, "weights")
        weights = np.asarray(weights)[np.ix_(idx, idx)]
        if l_own is None and np.shape(lengths) == np.shape(weights):
            lengths = lengths[np.ix_(idx, idx)] if hasattr(lengths, "to_decimal") else np.asarray(lengths)[
                np.ix_(idx, idx)]
    if l_own is not None:
        idx = _order_in(l_own, order, "lengths")
        lengths = np.asarray(lengths)[np.ix_(idx, idx)]
    return weights, lengths, tuple(order) if given is None else labels
