"""The EEG and MEG monitors record where their sensor positions' origin is (``frame``, the output attribute
``sensor_frame``), so that ``to_mne`` with its default ``frame=None`` keeps MNE head-frame positions.

Was: no monitor wrote ``sensor_frame``, so ``to_mne(ds)`` of an EEG from ``EEG.from_mne`` moved the forward's
electrodes to the centre of their fitted sphere (by 4.6 cm here) unless ``frame="head"`` was passed.
"""

import numpy as np
import pytest
import xarray as xr

import brainnet_cb as bn
from brainnet_cb.forward.mne_bridge import to_mne

mne = pytest.importorskip("mne")
mne.set_log_level("ERROR")

NAMES = ["Fp1", "Fp2", "Cz", "O1", "O2", "T7", "T8", "Pz"]
CENTRES = np.array([[-30.0, 0, 40], [30.0, 0, 40], [0, 30.0, 30], [0, -30.0, 35], [10, 10, 50]])
NORMALS = np.array([[0, 0, 1.0], [1.0, 0, 0], [0, 1.0, 0], [0.6, 0, 0.8], [0.3, 0.4, 0.5]])
NORMALS = NORMALS / np.linalg.norm(NORMALS, axis=1)[:, None]
CONN = bn.Connectome(weights=np.ones((5, 5)) - np.eye(5), lengths=30 * (np.ones((5, 5)) - np.eye(5)),
                     centres=CENTRES, orientations=NORMALS)


def _info():
    info = mne.create_info(NAMES, 1000.0, "eeg")
    info.set_montage("standard_1020")  # MNE's head frame: the electrodes' sphere is centred 4.6 cm off its origin
    return info


def _forward():
    src = mne.setup_volume_source_space(pos=dict(rr=CENTRES * 1e-3, nn=NORMALS))
    sphere = mne.make_sphere_model(r0=(0.0, 0.0, 0.0), head_radius=0.09)
    return mne.make_forward_solution(_info(), trans=None, src=src, bem=sphere, eeg=True, meg=False)


def _positions(raw):
    return np.array([ch["loc"][:3] for ch in raw.info["chs"]])


def test_an_eeg_from_mne_goes_back_to_mne_in_its_head_frame_by_default(tmp_path):
    eeg = bn.EEG.from_mne(_forward(), np.arange(5))
    assert eeg.frame == "head"
    ds = bn.simulate(bn.CoombesByrne(), CONN, duration=3.0, dt=0.1, monitors=[eeg])
    assert ds.eeg.attrs["sensor_frame"] == "head" and ds.eeg.attrs["sensor_axes"] == "RAS"
    info = np.array([_info()["chs"][i]["loc"][:3] for i in range(len(NAMES))])
    np.testing.assert_allclose(_positions(to_mne(ds)), info, rtol=0, atol=1e-12)
    assert 0.03 < np.abs(_positions(to_mne(ds, frame="fitted")) - info).max() < 0.06  # an explicit choice wins
    # the attribute survives a NetCDF file
    path = bn.write_netcdf(ds, tmp_path / "run.nc")
    with xr.open_dataset(path) as back:
        assert back.eeg.attrs["sensor_frame"] == "head"
        np.testing.assert_allclose(_positions(to_mne(back)), info, rtol=0, atol=1e-12)


def test_generated_montages_are_fitted_as_before_and_a_bad_frame_is_named():
    eeg = bn.EEG.sphere(CONN, "10-20", radius=90.0, centre=[0, 0, 60])
    assert eeg.frame == "fitted" and bn.EEG(gain=np.ones((2, 5))).frame == "fitted"
    ds = bn.simulate(bn.CoombesByrne(), CONN, duration=3.0, dt=0.1, monitors=[eeg, bn.MEG.sphere(CONN, "10-20")])
    assert ds.eeg.attrs["sensor_frame"] == "fitted" and ds.meg.attrs["sensor_frame"] == "fitted"
    fitted = _positions(to_mne(ds))
    np.testing.assert_array_equal(fitted, _positions(to_mne(ds, frame="fitted")))
    # the sphere's centre (0, 0, 60) mm moved to the origin: every electrode 90 mm from it
    np.testing.assert_allclose(np.linalg.norm(fitted, axis=1), 0.090, rtol=1e-9)
    assert bn.MEG.from_mne.__func__ is bn.EEG.from_mne.__func__  # MEG's from_mne is EEG's: frame="head" too
    with pytest.raises(bn.MonitorError, match=r"^EEG frame must be 'fitted' \(positions with an origin of their own: "
                                              r"an atlas's, a montage's\) or 'head' \(MNE head-frame positions, as "
                                              r"bn\.EEG\.from_mne gives\); got 'mni'\.$"):
        bn.EEG(gain=np.ones((2, 5)), frame="mni")
