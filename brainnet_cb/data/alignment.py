"""Empirical data in a connectome's region order, by label: :func:`align`.

An error counts the mismatches (connectome regions the data lacks, data
regions the connectome lacks), names the first few of each and says how to fix
it; data that shares no label with the connectome is of another parcellation,
and the error names the bundled connectome whose labels the data has, if any.
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
import xarray as xr

from ..analysis.common import labelled_matrix
from ..connectome import Connectome, require_connectome
from ..errors import BrainnetError, DataError


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
        the data, or extra data regions with ``extra="raise"`` (counted, the
        first five of each named). Data that shares no region label with the
        connectome is of another parcellation: the message says so and names
        the bundled connectome with the data's labels, if one has them.

    Examples
    --------
    The bundled HCP FC (AAL2 regions) against a TVB connectome:

    >>> import brainnet_cb as bn
    >>> fc = bn.load_empirical("hcp80").fc()
    >>> try:
    ...     bn.align(fc, bn.load_atlas("tvb66"))
    ... except bn.DataError as err:
    ...     print(err)
    data (80 regions) does not match connectome 'tvb66' (66 regions): 66 connectome regions are missing from
    the data: ['rBSTS', 'rCAC', 'rCMF', 'rCUN', 'rENT', ... and 61 more]; 80 data regions are not in the
    connectome: ['Precentral_L', 'Precentral_R', 'Frontal_Sup_2_L', 'Frontal_Sup_2_R', 'Frontal_Mid_2_L', ...
    and 75 more]. The data and the connectome share no region label: they are different parcellations. The
    data has the regions of bn.load_empirical('hcp80').connectome: simulate on that connectome instead, or use
    data computed on this connectome's 66 regions.
    """
    return align_with_fix(data, connectome, extra, UNLABELLED_FIX, name_parcellation=True)


#: How a user gives a connectome made without labels the data's labels (in :func:`align`'s refusal); ``{labels}``
#: and ``{values}`` are filled with the expressions that give the data's labels and its unlabelled values.
UNLABELLED_FIX = ("(it was made without labels=): give it the data's region labels, conn.replace(labels={labels}), "
                  "or, if the data is already in the connectome's region order, pass it without labels ({values})")

#: How many names a refusal lists on each side (the counts say how many there are in all).
_FEW = 5


def _few(names):
    """``names`` as a list, the first :data:`_FEW` of them then ``and N more`` where there are more."""
    if len(names) <= _FEW:
        return str(names)
    return f"{str(names[:_FEW])[:-1]}, ... and {len(names) - _FEW} more]"


def _regions(names, whose) -> str:
    """``"3 connectome regions are"`` / ``"1 data region is"``: the count of ``names`` and its verb."""
    return f"{len(names)} {whose} region is" if len(names) == 1 else f"{len(names)} {whose} regions are"


@functools.cache
def _bundled_parcellations() -> tuple:
    """``(call, labels)`` of each bundled connectome: the call that loads it and its region labels."""
    from .atlases import atlas_path, list_atlases  # noqa: PLC0415 - read only when data and connectome disagree
    from .empirical_data import empirical_path, list_empirical  # noqa: PLC0415
    from .io.tvb import read_tvb_labels  # noqa: PLC0415

    found = [(f"bn.load_atlas({name!r})", read_tvb_labels(atlas_path(name))) for name in list_atlases()]
    for name in list_empirical():
        with np.load(empirical_path(name) / "connectome.npz", allow_pickle=False) as arrays:
            found.append((f"bn.load_empirical({name!r}).connectome", tuple(str(x) for x in arrays["labels"])))
    return tuple(found)


def _other_parcellation(have, connectome, dims, frame) -> str:
    """How to fix data whose labels ``have`` share none with the connectome's: another parcellation."""
    try:
        calls = [call for call, labels in _bundled_parcellations() if set(labels) == set(have)]
    except (BrainnetError, OSError, KeyError, ValueError):  # a damaged installation: no name
        calls = []
    advice = "The data and the connectome share no region label: they are different parcellations. "
    own = f"data computed on this connectome's {connectome.n_regions} regions"
    if calls:
        advice += f"The data has the regions of {calls[0]}: simulate on that connectome instead, or use {own}"
    else:
        advice += f"Use {own}, or the connectome of the data's parcellation"
    if len(have) == connectome.n_regions:
        if frame:
            relabel = "frame.set_axis(list(conn.labels), axis=0).set_axis(list(conn.labels), axis=1)"
        else:
            relabel = f"data.assign_coords({', '.join(f'{d}=list(conn.labels)' for d in dims)})"
        advice += (f"; if the data's regions are the connectome's under other names, in its order, relabel the "
                   f"data: {relabel}")
    return advice


def align_with_fix(data, connectome, extra, unlabelled_fix, *, name_parcellation=False):
    """:func:`align`; ``unlabelled_fix`` says how to label a connectome with the default labels (the command line
    names its configuration key). ``name_parcellation``: data that shares no label with the connectome is refused
    as another parcellation, with the bundled connectome of its labels and :func:`align`'s fixes in Python (else
    with the advice of a partial mismatch, which the command line rewrites in its configuration keys)."""
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
    own_dims = None  # an FC's dims of other names, which a fix that relabels the data names
    if not frame and isinstance(data, xr.DataArray) and data.ndim == 2 and not {"region", "time"} & set(data.dims):
        own_dims = data.dims
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
        parts = []  # counted, a few named: all of them (146 for tvb66 and hcp80) hid the advice
        if missing:
            parts.append(f"{_regions(missing, 'connectome')} missing from the data: {_few(missing)}")
        if surplus and (extra == "raise" or missing):  # with regions missing, the extra ones may be them misnamed
            parts.append(f"{_regions(surplus, 'data')} not in the connectome: {_few(surplus)}")
        hint = ("Use extra='drop' to ignore data regions the connectome lacks" if not missing else
                "Restrict the connectome with conn.subset(labels) or fix the labels")
        if name_parcellation and not default and len(missing) == len(want):
            hint = _other_parcellation(have, connectome, own_dims or dims, frame)
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
