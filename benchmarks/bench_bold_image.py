#!/usr/bin/env python
"""``bn.read_bold_image`` against nilearn's ``NiftiLabelsMasker`` on one image, alternating.

Workload: a 91 x 109 x 91 x ``--volumes`` float32 ``.nii.gz`` (MNI 2-mm grid,
seeded normal values) and a 100-region parcellation on the same grid (Voronoi
cells of seeded points inside an ellipsoid), both written to a temporary
folder. Each round reads the region means with both, from the files, in
alternating order; the table gives the median and best wall time of each, their
ratio and the largest difference between the two results (nilearn needs the
``[nilearn]`` extra).

Usage::

    python benchmarks/bench_bold_image.py                # 200 volumes, 3 rounds
    python benchmarks/bench_bold_image.py --volumes 600 --repeats 5
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import time
import warnings

import nibabel as nib
import numpy as np
from scipy.spatial import cKDTree

import brainnet_cb as bn

SHAPE = (91, 109, 91)
AFFINE = np.array([[-2.0, 0, 0, 90], [0, 2.0, 0, -126], [0, 0, 2.0, -72], [0, 0, 0, 1]])


def write_data(folder, volumes, regions=100, seed=0):
    """The atlas and the BOLD image of the workload, as files in ``folder``."""
    rng = np.random.default_rng(seed)
    ijk = np.indices(SHAPE).reshape(3, -1).T
    centre = np.array(SHAPE) / 2
    inside = (((ijk - centre) / (0.8 * centre)) ** 2).sum(axis=1) < 1
    seeds = ijk[inside][rng.choice(int(inside.sum()), regions, replace=False)]
    ids = np.zeros(len(ijk), np.int16)
    ids[inside] = cKDTree(seeds).query(ijk[inside])[1] + 1
    atlas, bold = os.path.join(folder, "atlas.nii.gz"), os.path.join(folder, "bold.nii.gz")
    nib.save(nib.Nifti1Image(ids.reshape(SHAPE), AFFINE), atlas)
    img = nib.Nifti1Image(rng.normal(size=SHAPE + (volumes,)).astype(np.float32), AFFINE)
    img.header.set_zooms((2.0, 2.0, 2.0, 0.8))
    nib.save(img, bold)
    return atlas, bold


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--volumes", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    from nilearn.maskers import NiftiLabelsMasker

    with tempfile.TemporaryDirectory() as folder:
        atlas, bold = write_data(folder, args.volumes)

        def ours():
            return bn.read_bold_image(bold, atlas).values

        def nilearn():
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # its deprecation notices about its own defaults
                return NiftiLabelsMasker(atlas).fit_transform(bold)

        times = {"bn.read_bold_image": [], "nilearn NiftiLabelsMasker": []}
        load = os.getloadavg()[0]
        for k in range(args.repeats):
            order = [("bn.read_bold_image", ours), ("nilearn NiftiLabelsMasker", nilearn)]
            results = {}
            for name, f in order if k % 2 == 0 else order[::-1]:
                t = time.perf_counter()
                results[name] = f()
                times[name].append(time.perf_counter() - t)
        diff = float(np.max(np.abs(results["bn.read_bold_image"] - results["nilearn NiftiLabelsMasker"])))
    print(f"# {platform.node()} {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
          f"load {load:.2f}; image {SHAPE + (args.volumes,)} float32 .nii.gz, 100 regions, {args.repeats} rounds")
    print(f"{'reader':<28} {'median s':>9} {'best s':>8}")
    for name, ts in times.items():
        print(f"{name:<28} {statistics.median(ts):>9.2f} {min(ts):>8.2f}")
    ratio = statistics.median(times["bn.read_bold_image"]) / statistics.median(times["nilearn NiftiLabelsMasker"])
    print(f"ratio (median) {ratio:.2f}; max |difference| {diff:.1e}")


if __name__ == "__main__":
    main()
