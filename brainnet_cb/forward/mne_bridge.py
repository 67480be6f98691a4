r"""MNE-Python bridge: hand a run's EEG/MEG to MNE, and use an MNE forward solution per region.

Needs the optional dependency ``mne`` (``pip install "brainnet-cb[mne]"``).

- :func:`to_mne` turns the EEG (or MEG) of a Dataset into an
  :class:`mne.io.RawArray`: data in volts (tesla), the sampling rate from the
  time axis, standard 10–10 channel names (TVB's double names ``T8/T4``,
  ``T7/T3``, ``P8/T6``, ``P7/T5`` become ``T8``, ``T7``, ``P8``, ``P7``; names
  outside the 10–05 system, such as TVB's cerebellar ``CB1``/``CB2``, are kept
  with their own positions) and a :class:`mne.channels.DigMontage` in MNE's
  head frame (metres; x right, y anterior, z up, origin at the centre of the
  sphere fitted to the electrodes, or, with ``frame="head"`` or data whose
  ``sensor_frame`` attribute is ``"head"``, the positions as they are: those
  of a monitor built by ``from_mne``). MEG channels are radial point
  magnetometers (``FIFFV_COIL_POINT_MAGNETOMETER``, the sensors of
  :meth:`brainnet_cb.MEG.sphere`) with the device frame equal to the head
  frame, so the Info goes straight to :func:`mne.make_forward_solution`;
  ``info=`` (the recording's Info, e.g. ``forward["info"]``) gives the
  channels their real coils, orientations and device frame instead.
- :func:`region_gain_from_forward` reduces an :class:`mne.Forward` to one
  column per region: the forward is made fixed-orientation (normal to the
  cortex), and region :math:`j`'s column is the **mean** of its sources'
  columns times the region's dipole moment :math:`Q A_j`
  (:mod:`brainnet_cb.forward.dipoles`: the moment spread evenly over its
  sources), or (``reduce="sum"``, TVB's rule) their **sum** times ``moment``
  per source. :meth:`brainnet_cb.EEG.from_mne` (EEG channels, V) and
  :meth:`brainnet_cb.MEG.from_mne` (magnetometers, T) build the monitor from
  it. The normal components are taken from the forward's free-orientation
  solution in float64 (:func:`mne.convert_forward_solution` with
  ``force_fixed=True`` would cast them to float32): the gain is the forward's
  ``G[:, 3k:3k+3] @ n_k`` to rounding. A forward computed fixed is used as it
  is (float32 if MNE stored it so). A volume source space (``"vol"``: no
  cortical normals) is refused.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import xarray as xr

from .._checks import caller_stacklevel
from ..analysis.timeseries import seconds_per_unit
from ..errors import MonitorError
from .atlas import standard_name
from .dipoles import CURRENT_DENSITY, region_moments
from .montage import to_ras

__all__ = ["to_mne", "region_gain_from_forward", "mne_channel_names"]

_KINDS = {"V": "eeg", "T": "mag", "T/m": "grad"}
#: Units of a signal -> (SI unit, factor to it): MNE takes volts, tesla and tesla per metre.
_SCALE = {"V": ("V", 1.0), "T": ("T", 1.0), "T/m": ("T/m", 1.0), "mV": ("V", 1e-3), "uV": ("V", 1e-6),
          "µV": ("V", 1e-6), "μV": ("V", 1e-6), "nV": ("V", 1e-9), "pT": ("T", 1e-12), "fT": ("T", 1e-15),
          "fT/cm": ("T/m", 1e-13)}


class MissingMNEError(MonitorError, ImportError):
    """mne is not installed: a :class:`~brainnet_cb.MonitorError` and an :class:`ImportError` naming the extra."""


def _mne():
    try:
        import mne  # noqa: PLC0415 (optional dependency)
    except ImportError:
        raise MissingMNEError(
            "the MNE bridge needs mne; install it with pip install 'brainnet-cb[mne]' (or pip install mne)."
        ) from None
    return mne


def mne_channel_names(labels: Sequence[str]) -> list[str]:
    """Channel names MNE's standard montages know: TVB's ``"T8/T4"`` -> ``"T8"`` etc.; others unchanged."""
    return [standard_name(str(s)) for s in labels]


def _sphere_centre(x):
    """Least-squares centre of the sphere through points ``x`` (k, 3)."""
    A = np.c_[2 * x, np.ones(len(x))]
    sol = np.linalg.lstsq(A, (x**2).sum(axis=1), rcond=None)[0]
    return sol[:3]


def _coil_frame(normal):
    """Orthonormal ``(ex, ey, ez)`` with ``ez`` along ``normal``: a coil's frame in ``ch["loc"][3:12]``."""
    ez = normal / np.linalg.norm(normal)
    ex = np.cross([0.0, 0.0, 1.0] if abs(ez[2]) < 0.9 else [1.0, 0.0, 0.0], ez)
    ex /= np.linalg.norm(ex)
    return np.concatenate([ex, np.cross(ez, ex), ez])


def _point_magnetometers(mne, info, pos):
    r"""Make ``info``'s channels the monitor's sensors: radial point magnetometers at ``pos`` (m, head frame).

    :meth:`brainnet_cb.MEG.sphere` measures :math:`B \cdot u` at a point, so the
    channels are ``FIFFV_COIL_POINT_MAGNETOMETER`` (not MNE's default square
    ``VV_MAG_T3`` coil, 21 mm: its field, integrated over the coil, differs by
    up to 4 % of the largest at a 110 mm helmet),
    with a full coil frame (MNE leaves ``ex``/``ey`` NaN) and the device frame
    equal to the head frame (``dev_head_t`` the identity), so that
    :func:`mne.make_forward_solution` can use the Info as it is.
    """
    for ch, p in zip(info["chs"], pos):
        ch["loc"][:3] = p
        ch["loc"][3:12] = _coil_frame(p)  # radial magnetometers
        ch["coil_type"] = mne.io.constants.FIFF.FIFFV_COIL_POINT_MAGNETOMETER
    info["dev_head_t"] = mne.transforms.Transform("meg", "head")


#: The output attribute that says where a monitor's sensor positions sit, the EEG's or MEG's ``frame``:
#: ``"head"`` for MNE's head frame (what :func:`to_mne` keeps; ``from_mne`` monitors), ``"fitted"``, any other
#: value or none (files of runs before the attribute) for a frame whose origin is not MNE's.
FRAME_ATTR = "sensor_frame"


def _take_channels(mne, raw, info, names, kind):
    """Give ``raw``'s channels those of ``info`` with the same names: position, coil and frame, with ``info``'s
    device-to-head transform, and for EEG its montage (the sensors of the recording whose forward built the
    monitor)."""
    if not isinstance(info, mne.Info):
        raise MonitorError(f"info must be an mne.Info (raw.info, or forward['info']); got {type(info).__name__}.")
    missing = [n for n in names if n not in info["ch_names"]]
    if missing:
        raise MonitorError(
            f"info has no channel {missing[0]!r}" + (f" (nor {len(missing) - 1} other(s))" if len(missing) > 1 else "")
            + f" of the data's {len(names)}; give the Info of the forward solution the monitor was built from "
            "(forward['info']), or leave info out for sensors at the recorded positions.")
    for ch, name in zip(raw.info["chs"], names):
        idx = info["ch_names"].index(name)
        theirs = mne.channel_type(info, idx)
        if theirs != kind:
            raise MonitorError(f"channel {name!r} is {theirs!r} in info, but the data are {kind!r} signals "
                               f"({'V' if kind == 'eeg' else 'T'}); give the Info the monitor was built from.")
        source = info["chs"][idx]
        ch["loc"][:] = source["loc"]
        ch["coil_type"] = source["coil_type"]
        ch["coord_frame"] = source["coord_frame"]
    raw.info["dev_head_t"] = info["dev_head_t"]
    montage = info.get_montage() if kind == "eeg" and info.get("dig") else None  # a forward's Info has no dig
    if montage is not None:
        raw.set_montage(montage, on_missing="ignore")


def to_mne(ds: xr.Dataset | xr.DataArray, name: str = "eeg", *, frame: str | None = None, info=None):
    """The EEG (or MEG) of ``ds`` as an :class:`mne.io.RawArray`.

    Parameters
    ----------
    ds : xarray.Dataset or DataArray
        A run's Dataset (``ds[name]`` is used) or the DataArray itself, with
        dims ``(time_*, sensor*)`` in ``"V"`` (EEG channels), ``"T"``
        (magnetometers) or ``"T/m"`` (planar gradiometers: with ``info``), or
        ``"mV"``, ``"uV"``/``"µV"``, ``"nV"``, ``"pT"``, ``"fT"``, ``"fT/cm"``
        (converted: MNE holds volts, tesla and tesla per metre), sampled
        uniformly (time in ms or s, its ``units`` attribute).
    name : str, default "eeg"
        The data variable of a Dataset.
    frame : {None, "fitted", "head"}, default None
        Where the sensor positions' origin goes. ``"fitted"``: to the centre of
        the sphere fitted to the sensors (positions of an atlas or a generated
        montage, whose origin is not MNE's). ``"head"``: the positions are MNE
        head-frame coordinates already (a monitor from :meth:`brainnet_cb.EEG.from_mne`
        or :meth:`brainnet_cb.MEG.from_mne`) and are kept, so that the Info
        gives back the forward's geometry (moved to the fitted centre, the
        electrodes of a 10-20 montage shifted by 4.6 cm and a forward recomputed
        from them differed by 35 % of the largest gain entry). ``None``: from
        the data, ``"head"`` where its attribute ``sensor_frame`` is ``"head"``
        (the monitors of ``from_mne`` write it; their ``frame`` field),
        else ``"fitted"``. Not used with ``info``.
    info : mne.Info, optional
        The Info of the recording whose forward solution built the monitor
        (``forward["info"]``, ``raw.info``): each channel takes the definition
        of the channel of the same name there (position, orientation, coil
        type, coordinate frame), with its device-to-head transform and, for
        EEG, its montage, so that a forward solution computed from the
        returned Info is the one the monitor came from (with the recorded
        positions alone, MEG channels become radial point magnetometers: a
        forward of 24 tilted ``VV_MAG_T3`` coils recomputed from them differed
        by 31 % of its largest entry). Every channel must be in it, of the
        data's kind (``"eeg"`` for V, ``"mag"`` for T).

    Returns
    -------
    mne.io.RawArray
        Channel names as :func:`mne_channel_names`; the montage from the
        sensor positions (if the monitor recorded them); an average-referenced
        EEG gets MNE's average-reference projector, not applied (a no-op on
        data that already sum to zero over the channels: ``get_data()`` is
        the monitor's output), so that MNE's inverse solvers accept it; MEG channels
        are radial point magnetometers at the recorded positions (``dev_head_t``
        the identity), or the channels of ``info``; ``sfreq`` ``1 / period`` (``1000 / period`` Hz for a
        period in ms); ``first_samp`` the first time stamp in periods (it
        must be a whole number of them: MNE counts samples from time 0, so a
        shifted time axis is refused rather than moved); no ``meas_date``
        and no annotations (a simulation has no recording date).

    Raises
    ------
    MonitorError
        A signal per region (BOLD, a neural monitor: not sensors), one in
        other units than those above, not 2-D, or not sampled uniformly.
    MissingMNEError
        mne is not installed (also an :class:`ImportError`).

    Examples
    --------
    >>> import brainnet_cb as bn                                        # doctest: +SKIP
    >>> raw = to_mne(bn.simulate(..., monitors=[bn.EEG.from_atlas("tvb76")]))   # doctest: +SKIP
    >>> raw.compute_psd().plot()                                        # doctest: +SKIP
    """
    mne = _mne()
    if frame not in (None, "fitted", "head"):
        raise MonitorError(f"frame must be 'fitted' (origin at the centre of the sensors' sphere), 'head' (MNE "
                           f"head-frame positions, as from bn.EEG.from_mne, kept) or None (from the data's "
                           f"{FRAME_ATTR!r} attribute); got {frame!r}.")
    da = ds
    if isinstance(ds, xr.Dataset):
        if name not in ds.data_vars:
            raise MonitorError(f"the Dataset has no variable {name!r}; its variables are {sorted(ds.data_vars)}.")
        da = ds[name]
    if not isinstance(da, xr.DataArray) or da.ndim != 2:
        got = f"a DataArray with dims {da.dims}" if isinstance(da, xr.DataArray) else type(da).__name__
        raise MonitorError(f"to_mne takes a Dataset or a 2-D DataArray (time, sensor); got {got}. Select one "
                           "trial or sweep member first (e.g. da.isel(trial=0)).")
    tdim = next((d for d in da.dims if str(d).startswith("time")), None)
    sdim = next((d for d in da.dims if d != tdim), None)
    units = da.attrs.get("units")
    if tdim is not None and sdim is not None and str(sdim).startswith("region"):
        what = f"{name!r}" if isinstance(ds, xr.Dataset) else "the DataArray"
        raise MonitorError(
            f"to_mne takes EEG or MEG sensors; {what} has dims {da.dims}: a signal per region (BOLD, a neural "
            "monitor), not per sensor. Record the sensors with bn.EEG or bn.MEG, or give MNE the regions as 'misc' "
            f"channels yourself: mne.io.RawArray(da.values.T, mne.create_info([str(r) for r in da[{sdim!r}].values], "
            "sfreq, 'misc'))."
        )
    if tdim is None or not isinstance(units, str) or units not in _SCALE:
        raise MonitorError(
            f"to_mne needs a (time, sensor) signal in V (EEG), T (MEG) or T/m (MEG gradiometers); got dims "
            f"{da.dims} in {units!r}. "
            f"Signals in {', '.join(u for u in _SCALE if u not in _KINDS)} are converted; build the monitor in "
            "physical units (bn.EEG.sphere, bn.EEG.from_atlas, bn.EEG.from_mne)."
        )
    unit, scale = _SCALE[units]
    da = da.transpose(tdim, sdim)
    tunits = da[tdim].attrs.get("units", "ms") if tdim in da.coords else None
    if tunits is None:
        raise MonitorError(f"to_mne needs the sampling times: {tdim!r} has no coordinate. Assign one in ms or s, "
                           f"e.g. da.assign_coords({tdim}=(({tdim!r},), times, {{'units': 's'}})).")
    t = np.asarray(da[tdim].values, dtype=float) * seconds_per_unit(tunits, tdim, MonitorError)
    if t.size < 2 or not np.allclose(np.diff(t), t[1] - t[0], rtol=1e-6, atol=0) or t[1] <= t[0]:
        steps = np.diff(t)
        got = f"intervals from {steps.min():g} s to {steps.max():g} s" if steps.size else f"{t.size} sample(s)"
        raise MonitorError(f"to_mne needs at least 2 uniformly spaced, increasing samples along {tdim!r}; got {got}.")
    sfreq = 1.0 / (t[1] - t[0])
    mean = (t[-1] - t[0]) / (t.size - 1)
    first = t[0] / mean  # MNE counts samples from 0: the first stamp must be a whole number of periods
    if abs(first - round(first)) > 1e-3:  # (a thousandth of a period: the rounding of stamps far from 0)
        off = (first - round(first)) * mean / seconds_per_unit(tunits, tdim, MonitorError)
        raise MonitorError(
            f"to_mne needs sample times on multiples of the sampling period ({mean * 1e3:.12g} ms): MNE counts "
            f"samples from time 0 (first_samp); {tdim!r} starts at {t[0] * 1e3:.12g} ms, {off:.12g} {tunits} off "
            f"the grid. Shift the times: da.assign_coords({tdim}=da[{tdim!r}] - {off:.12g})."
        )
    names = mne_channel_names(da[sdim].values)
    if len(set(names)) != len(names):
        raise MonitorError(f"channel names are not unique after mapping TVB aliases: {names}.")
    kind = _KINDS[unit]
    created = mne.create_info(names, sfreq, kind)
    data = np.asarray(da.values, dtype=float).T
    raw = mne.io.RawArray(data if scale == 1.0 else data * scale, created, first_samp=int(round(first)),
                          verbose=False)
    keys = [f"{sdim}_{a}" for a in "xyz"]
    if kind == "grad" and info is None:
        raise MonitorError(
            f"gradiometer signals ({units}) need the recording's Info for their coils (a planar gradiometer is no "
            f"point sensor): pass it, e.g. to_mne(ds, {name!r}, info=forward['info']).")
    if info is not None:
        _take_channels(mne, raw, info, names, kind)
    elif all(k in da.coords for k in keys):
        pos = to_ras(np.stack([np.asarray(da[k].values, dtype=float) for k in keys], axis=1),
                     da.attrs.get("sensor_axes", "RAS"))
        if frame is None:
            frame = "head" if da.attrs.get(FRAME_ATTR) == "head" else "fitted"
        pos = (pos if frame == "head" else pos - _sphere_centre(pos)) * 1e-3
        if kind == "eeg":
            raw.set_montage(mne.channels.make_dig_montage(ch_pos=dict(zip(names, pos)), coord_frame="head"))
        else:
            _point_magnetometers(mne, raw.info, pos)
    if kind == "eeg" and da.attrs.get("reference") in ("average",):
        # MNE's average-reference projector, not applied: the data already sum to zero over the channels, so it
        # changes nothing, and MNE's inverse (which refuses a "custom" reference) accepts them
        raw.set_eeg_reference("average", projection=True, verbose=False)
    return raw


def _forward(mne, forward):
    if isinstance(forward, (str, bytes)) or hasattr(forward, "__fspath__"):
        forward = mne.read_forward_solution(forward, verbose=False)
    if not isinstance(forward, mne.Forward):
        raise MonitorError(
            f"forward must be an mne.Forward or the path of a -fwd.fif file; got {type(forward).__name__}."
        )
    return forward


def _fixed_gain(mne, fwd):
    """``(forward, gain)``: the fixed-orientation gain (channels, sources), normal to the cortex, in float64.

    MNE's ``convert_forward_solution(force_fixed=True)`` casts the gain to
    float32; the same normal components are the third column of each source
    in the surface-oriented free solution, which MNE keeps in float64.
    """
    fixed = fwd["_orig_source_ori"] == mne.io.constants.FIFF.FIFFV_MNE_FIXED_ORI
    if not fixed and any(s["type"] == "vol" for s in fwd["src"]):
        raise MonitorError(
            "the forward solution's source space is a volume grid ('vol'): its sources have no cortical normal, "
            "so the fixed orientation the regions' dipoles need is undefined. Use a surface source space "
            "(mne.setup_source_space), or a discrete one with the dipoles' orientations "
            "(mne.setup_volume_source_space(pos=dict(rr=..., nn=...)))."
        )
    nn = np.concatenate([s["nn"][s["vertno"]] for s in fwd["src"]]) if not fixed else None
    if nn is not None and len(nn) > 1 and np.all(nn == [0.0, 0.0, 1.0]):
        warnings.warn(
            "every source of the forward solution has the normal (0, 0, 1), MNE's placeholder for a grid made "
            "without an MRI (mne.setup_volume_source_space(sphere=...)): the gain is that of vertical dipoles. "
            "Give the orientations with mne.setup_volume_source_space(pos=dict(rr=..., nn=...)).",
            UserWarning, stacklevel=caller_stacklevel())
    fwd = mne.convert_forward_solution(fwd, surf_ori=True, force_fixed=False, use_cps=True, verbose=False)
    G = np.asarray(fwd["sol"]["data"], dtype=float)
    return fwd, (G if fixed else G[:, 2::3])


def _is_label(x):
    """An mne.Label (vertices on one hemisphere) or BiHemiLabel (a label on each)."""
    return (hasattr(x, "vertices") and hasattr(x, "hemi")) or (hasattr(x, "lh") and hasattr(x, "rh"))


def _source_regions(fwd, parcellation, n_sources):
    """``(region index per source (-1 = none), region names)``."""
    if isinstance(parcellation, (list, tuple)) and parcellation and _is_label(parcellation[0]):
        src = fwd["src"]
        offsets = np.cumsum([0] + [len(s["vertno"]) for s in src])
        idx = np.full(n_sources, -1)
        for j, label in enumerate(parcellation):
            if not _is_label(label):
                raise MonitorError(
                    f"parcellation item {j} is a {type(label).__name__}, not an mne.Label; give one mne.Label (or "
                    "BiHemiLabel) per region, or the region index of every source."
                )
            hit = []
            for part in (label.lh, label.rh) if hasattr(label, "lh") else (label,):  # a BiHemiLabel: both
                h = {"lh": 0, "rh": 1}.get(part.hemi)
                if h is None or h >= len(src):
                    raise MonitorError(
                        f"label {label.name!r} is on hemisphere {part.hemi!r}, not in the forward's sources."
                    )
                hit.append(np.flatnonzero(np.isin(src[h]["vertno"], part.vertices)) + offsets[h])
            hit = np.concatenate(hit)
            taken = hit[idx[hit] >= 0]
            if taken.size:
                raise MonitorError(
                    f"labels {parcellation[idx[taken[0]]].name!r} and {label.name!r} share {taken.size} source(s) "
                    "of the forward; a source belongs to one region. Make the labels disjoint (e.g. "
                    "label_b - label_a) or use a parcellation without overlaps."
                )
            idx[hit] = j
        return idx, [str(lab.name) for lab in parcellation]
    idx = np.asarray(parcellation)
    if idx.shape != (n_sources,) or not np.issubdtype(idx.dtype, np.integer) or (idx.size and idx.min() < -1):
        got = f"{type(parcellation).__name__} of shape {np.shape(idx)}, dtype {idx.dtype}"
        if idx.shape == (n_sources,) and np.issubdtype(idx.dtype, np.integer):
            got += f", with {int(idx.min())}"
        raise MonitorError(
            f"parcellation must be a list of mne.Label (one per region) or integers, one region index per source "
            f"(-1 = none), shape ({n_sources},); got {got}."
        )
    n = int(idx.max()) + 1 if idx.size else 0
    return idx, [f"R{j}" for j in range(n)]


def region_gain_from_forward(forward, parcellation, *, kind: str = "eeg", areas=None,
                             current_density: float = CURRENT_DENSITY, reduce: str = "mean", moment=None):
    """Region gain ``(sensors, regions)`` from an MNE forward solution (see the module docstring).

    Parameters
    ----------
    forward : mne.Forward or path
    parcellation : list of mne.Label, or array of int, shape (n_sources,)
        Regions in the connectome's order: one label each (an
        ``mne.BiHemiLabel`` takes its sources on both hemispheres), or the
        region index of every source (-1: in no region).
    kind : {"eeg", "mag", "grad"}
        Which channels of the forward to keep.
    areas : array_like, shape (regions,), optional
        Region areas (mm²) for the moments (default: ``CORTEX_AREA_MM2 / n``).
    current_density : float, default 1.0
        nA·m/mm² (Murakami & Okada 2015).
    reduce : {"mean", "sum"}
        ``"mean"``: mean column x region moment (V or T per unit source);
        ``"sum"``: sum of the columns x ``moment`` (A·m per source; default 1, i.e. TVB's unit
        dipoles, which :meth:`brainnet_cb.EEG.from_mne` labels ``"a.u."``).
    moment : float or array, optional
        Overrides the region moments (``"mean"``) or sets the per-source moment (``"sum"``).

    Returns
    -------
    gain : numpy.ndarray, shape (sensors, regions)
    names : list of str
        Channel names.
    positions : numpy.ndarray, shape (sensors, 3)
        Channel positions in MNE's head frame (mm; MEG sensors moved there
        from the device frame with the forward's ``dev_head_t``).

    Raises
    ------
    MonitorError
        If the forward has no channels of ``kind`` (e.g. an EEG-only forward
        given to :meth:`brainnet_cb.MEG.from_mne`), a region has no source,
        or the parcellation does not match ``areas``.
    regions : list of str
        Region names (label names, or ``R0, R1, ...``).
    """
    mne = _mne()
    if reduce not in ("mean", "sum"):
        raise MonitorError(f"reduce must be 'mean' or 'sum'; got {reduce!r}.")
    picks = {"eeg": dict(meg=False, eeg=True), "mag": dict(meg="mag", eeg=False), "grad": dict(meg="grad", eeg=False)}
    if kind not in picks:
        raise MonitorError(f"kind must be one of {sorted(picks)}; got {kind!r}.")
    fwd = _forward(mne, forward)
    types = fwd["info"].get_channel_types()
    if kind not in types:
        have = ", ".join(f"{types.count(t)} {t}" for t in sorted(set(types))) or "none"
        raise MonitorError(
            f"the forward solution has no {kind} channels (it has {have}). Use bn.EEG.from_mne for EEG "
            "and bn.MEG.from_mne for magnetometers, with a forward computed for those channels "
            "(mne.make_forward_solution(..., eeg=True) or (..., meg=True))."
        )
    fwd, G = _fixed_gain(mne, mne.pick_types_forward(fwd, **picks[kind]))
    idx, regions = _source_regions(fwd, parcellation, G.shape[1])
    n = len(regions)
    if areas is not None and np.size(areas) != n:
        raise MonitorError(f"the parcellation has {n} regions, the connectome (areas) {np.size(areas)}; "
                           "give one label or index per region, in the connectome's order.")
    gain = np.zeros((G.shape[0], n))
    for j in range(n):
        cols = np.flatnonzero(idx == j)
        if cols.size == 0:
            raise MonitorError(f"region {regions[j]!r} (index {j}) has no source in the forward solution.")
        gain[:, j] = G[:, cols].mean(axis=1) if reduce == "mean" else G[:, cols].sum(axis=1)
    if reduce == "mean":
        gain = gain * region_moments(n, areas, current_density, moment)
    else:
        gain = gain * (1.0 if moment is None else region_moments(n, None, current_density, moment))
    positions = np.array([ch["loc"][:3] for ch in fwd["info"]["chs"]])
    if kind != "eeg" and fwd["info"]["dev_head_t"] is not None:  # MEG sensors sit in the device frame
        positions = mne.transforms.apply_trans(fwd["info"]["dev_head_t"], positions)
    positions = positions * 1e3
    return gain, list(fwd["info"]["ch_names"]), positions, regions
