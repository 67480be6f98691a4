"""Empirical data in a connectome's region order, by label: :func:`align`.

An error lists every mismatch (connectome regions the data lacks, data
regions the connectome lacks) and says how to fix it.
"""

from __future__ import annotations

import pandas as pd
import xarray as xr

from ..analysis.common import labelled_matrix
from ..connectome import Connectome, require_connectome
from ..errors import DataError


def align(data, connectome: Connectome, *, extra="raise") -> xr.DataArray:
    """Reorder empirical data to the regions of a connectome, by label.

    Parameters
    ----------
    data : xarray.DataArray or pandas.DataFrame
        A time series with a ``region`` dim, or an FC matrix with dims
        ``(region_i, region_j)``, labelled (an FC whose two dims have other
        names and carry the labels is read the same way); or an FC matrix
        as a DataFrame whose columns and/or index name the regions (e.g.
        ``pandas.read_csv(path, index_col=0)``).
    connectome : Connectome
        The regions to simulate; the result follows ``connectome.labels``.
    extra : {"raise", "drop"}
        What to do with regions of ``data`` that the connectome lacks.

    Returns
    -------
    xarray.DataArray
        ``data`` with its region axes in the order of ``connectome.labels``.

    Raises
    ------
    DataError
        Data without labels, repeated labels, connectome regions missing from
        the data (all listed), or extra data regions with ``extra="raise"``.
    """
    return align_with_fix(data, connectome, extra, UNLABELLED_FIX)


#: How a user gives a connectome made without labels the data's labels (in :func:`align`'s refusal); ``{labels}``
#: and ``{values}`` are filled with the expressions that give the data's labels and its unlabelled values.
UNLABELLED_FIX = ("(it was made without labels=): give it the data's region labels, conn.replace(labels={labels}), "
                  "or, if the data is already in the connectome's region order, pass it without labels ({values})")

#: How many names a refusal lists where the connectome has the default labels (every name then mismatches).
_FEW = 5


def _few(names):
    """``names`` as a list, the first :data:`_FEW` of them then ``and N more`` where there are more."""
    if len(names) <= _FEW:
        return str(names)
    return f"{str(names[:_FEW])[:-1]}, ... and {len(names) - _FEW} more]"


def align_with_fix(data, connectome, extra, unlabelled_fix):
    """:func:`align`; ``unlabelled_fix`` says how to label a connectome with the default labels (the command line
    names its configuration key)."""
    if extra not in ("raise", "drop"):
        raise DataError(f"extra must be 'raise' or 'drop'; got {extra!r}.")
    require_connectome(connectome, DataError)
    frame = isinstance(data, pd.DataFrame)
    if frame:
        shape = data.shape
        data = labelled_matrix(data, "data", DataError)  # names in a first column: refused with the fix
        if shape[0] != shape[1]:
            raise DataError(f"a DataFrame is aligned as an FC matrix, square; got shape {shape}. For a time "
                            "series, bn.as_timeseries(frame.to_numpy(), dt, labels=list(frame.columns)).")
        if not isinstance(data, xr.DataArray):  # no labels: refused below as such
            data = xr.DataArray(data, dims=("region_i", "region_j"))
    elif isinstance(data, xr.DataArray) and data.ndim == 2 and not {"region", "time"} & set(data.dims):
        data = labelled_matrix(data, "data", DataError)  # an FC with labelled dims of other names, or on one axis
    if not isinstance(data, xr.DataArray):
        raise DataError(
            f"data must be an xarray.DataArray or a pandas.DataFrame (from read_fc, read_timeseries or as_timeseries); "
            f"got {type(data).__name__}."
        )
    if "region_i" in data.dims and "region_j" in data.dims:
        dims = ("region_i", "region_j")
    elif "region" in data.dims:
        dims = ("region",)
    else:
        raise DataError(
            f"data has dims {data.dims}; expected a 'region' dim (time series) or "
            "('region_i', 'region_j') (FC matrix)."
        )
    n_data = data.sizes[dims[0]]
    if not all(d in data.coords for d in dims):
        size = (f"it has {n_data} regions and the connectome {connectome.name!r} has "
                f"{connectome.n_regions}")
        raise DataError(
            f"data has no region labels, so it cannot be aligned to the connectome by label ({size}). "
            "Pass labels= when reading it (labels=conn.labels if its rows follow the connectome's order)."
        )
    have = [str(v) for v in data[dims[0]].values]
    if len(dims) == 2 and [str(v) for v in data[dims[1]].values] != have:
        raise DataError("data's row and column labels differ; an FC matrix lists the same regions "
                        "in the same order on both axes.")
    dup = sorted({v for v in have if have.count(v) > 1})
    if dup:
        raise DataError(f"data has repeated region labels {dup}; each region must appear once.")
    want = list(connectome.labels)
    missing = [v for v in want if v not in set(have)]
    surplus = [v for v in have if v not in set(want)]
    if missing or (surplus and extra == "raise"):
        default = bool(missing) and want == [f"r{i}" for i in range(connectome.n_regions)]
        listed = _few if default else str  # with the default labels every name mismatches: a few tell it all
        parts = []
        if missing:
            parts.append(f"{len(missing)} connectome regions are missing from the data: {listed(missing)}")
        if surplus and (extra == "raise" or missing):  # with regions missing, the extra ones may be them misnamed
            parts.append(f"{len(surplus)} data regions are not in the connectome: {listed(surplus)}")
        hint = ("Use extra='drop' to ignore data regions the connectome lacks" if not missing else
                "Restrict the connectome with conn.subset(labels) or fix the labels")
        if default:
            labels, values = (("list(frame.columns)", "frame.to_numpy()") if frame else
                              (f"data.{dims[0]}.values", "data.values"))
            hint = ("The connectome has the default labels r0, r1, ... "
                    + unlabelled_fix.format(labels=labels, values=values))
        raise DataError(
            f"data ({n_data} regions) does not match connectome {connectome.name!r} "
            f"({connectome.n_regions} regions): " + "; ".join(parts) + f". {hint}."
        )
    pos = {v: i for i, v in enumerate(have)}
    idx = [pos[v] for v in want]
    return data.isel({d: idx for d in dims})
