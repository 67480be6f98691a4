"""Values given for parameters: labelled rows in the connectome's order, units converted, repeats refused.

Helpers of :class:`~brainnet_cb.simulation.parameters.ParameterBook`:
:func:`aligned_rows` puts rows labelled by region (a DataFrame, a DataArray,
Series) in the connectome's order; ``without_units`` converts the
brainunit quantities in a value; ``check_repeats`` refuses a grid value
given twice; :func:`noise_states` names a run's ``sigma`` rows.
"""

from __future__ import annotations

import numpy as np

from .._checks import by_label, indexed_by_numbers, region_labels
from ..units import is_quantity

__all__ = ["aligned_rows", "noise_states"]

def check_repeats(arr, label, phrasing):
    """Refuse a value given twice in the values ``arr`` ``(k,)`` of a grid (``phrasing.repeated``); rows
    ``(k, n)`` (one value per region, an index coordinate) and a batch's members are not checked."""
    if not phrasing.repeated or arr.ndim != 1:
        return
    values, counts = np.unique(arr, return_counts=True)
    if np.all(counts == 1):
        return
    repeats = ", ".join(f"{v.item()!r} ({c} times)" for v, c in zip(values, counts) if c > 1)
    once = list(dict.fromkeys(v.item() for v in arr))
    raise phrasing.error(phrasing.repeated.format(label=label, repeats=repeats,
                                                  once=once if len(once) <= 8 else f"np.unique({label})"))


def aligned_rows(values, labels, label, error):
    """Rows of per-region values labelled by region, in the order of the connectome's ``labels``.

    Labelled rows are a pandas DataFrame whose columns are region labels, a
    DataArray with a ``region`` dimension (one row, or rows along its other
    dimension), a sequence of pandas Series / 1-D DataArrays labelled by
    region, or one such Series, which is one row (``(1, n)``): all are
    reordered by label, as :func:`~brainnet_cb.simulate` reorders a labelled
    per-region parameter (:func:`brainnet_cb._checks.by_label`; labels that
    are not the connectome's regions once each are refused with ``error``,
    also those of a Series of ``n`` values labelled by names). Anything else
    (numbers, plain arrays, a DataArray whose ``region`` dimension has no
    coordinate, a Series of ``k`` values indexed by numbers) is returned
    unchanged.
    """
    labels = [str(v) for v in labels]
    module = type(values).__module__.split(".")[0]
    if module == "pandas" and getattr(values, "ndim", None) == 2:
        columns = _positions(values.columns)
        if region_labels(columns) is None:
            return values
        return np.asarray(values)[:, np.asarray(by_label(columns, labels, f"{label} (its columns)", error), int)]
    if module == "xarray" and "region" in getattr(values, "coords", ()) and values.ndim in (1, 2):
        rows = values.transpose(..., "region")
        order = by_label(rows["region"].copy(data=np.arange(rows.sizes["region"])), labels, label, error)
        return np.asarray(rows.values, dtype=float).reshape(-1, rows.sizes["region"])[:, np.asarray(order, int)]
    given = region_labels(values)
    named = given is not None and len(given) == len(labels) and not indexed_by_numbers(values)
    if given is not None and (sorted(given) == sorted(labels) or named):
        return np.asarray(by_label(values, labels, label, error), dtype=float)[None, :]  # one row (or refused)
    if isinstance(values, (list, tuple)) and any(region_labels(v) is not None for v in values):
        return [by_label(v, labels, f"{label}[{k}]", error) for k, v in enumerate(values)]
    return values


def _positions(index):
    """``0 .. m-1`` labelled by ``index`` (a pandas Series), to find the order of labelled columns."""
    import pandas as pd  # noqa: PLC0415 - only for labelled values, which come from pandas

    return pd.Series(np.arange(len(index)), index=index)


def noise_states(run) -> list:
    """The state variables a prepared run has noise on, in the order of its ``sigma`` rows."""
    return [run.model.states[r] for r in run.plan.noise_rows]


def without_units(values, convert):
    """``values`` with every brainunit quantity in it (the whole, or items of a list or tuple) ``convert`` ed."""
    if is_quantity(values):
        return convert(values)
    if isinstance(values, (list, tuple)) and _holds_quantity(values):
        return [without_units(v, convert) for v in values]
    return values


def _holds_quantity(values) -> bool:
    return any(is_quantity(v) or (isinstance(v, (list, tuple)) and _holds_quantity(v)) for v in values)

