"""MNE bridge with real MNE objects: to_mne's time axis and refusals, from_mne's float64 gain and source spaces."""

import sys
import warnings

import numpy as np
import pytest
import xarray as xr

import brainnet_cb as bn
from brainnet_cb.forward.mne_bridge import region_gain_from_forward, to_mne

mne = pytest.importorskip("mne")
mne.set_log_level("ERROR")

NAMES = ["Fp1", "Fp2", "Cz", "O1", "O2", "T7", "T8", "Pz"]
CENTRES = np.array([[-30.0, 0, 40], [30.0, 0, 40], [0, 30.0, 30], [0, -30.0, 35], [10, 10, 50]])
NORMALS = np.array([[0, 0, 1.0], [1.0, 0, 0], [0, 1.0, 0], [0.6, 0, 0.8], [0.3, 0.4, 0.5]])
NORMALS = NORMALS / np.linalg.norm(NORMALS, axis=1)[:, None]


def _eeg(times_ms, units="V"):
    values = np.random.default_rng(1).normal(size=(len(times_ms), 3)) * 1e-6
    return xr.DataArray(values, dims=("time_eeg", "sensor"), attrs={"units": units},
                        coords={"time_eeg": ("time_eeg", np.asarray(times_ms), {"units": "ms"}),
                                "sensor": ["Cz", "Fz", "Pz"]})


def test_samples_far_from_zero_count_from_zero():
    t = 1e6 + 0.1 * np.arange(1, 201)  # the last 20 ms of a 1000 s run at 0.1 ms
    raw = to_mne(_eeg(t))
    assert raw.first_samp == 10_000_001 and raw.info["sfreq"] == pytest.approx(10000.0, rel=1e-9)
    np.testing.assert_allclose(raw.times + raw.first_time, t * 1e-3, rtol=0, atol=1e-6)
    np.testing.assert_array_equal(raw.get_data(), _eeg(t).values.T)


def test_times_off_the_sampling_grid_are_refused_naming_the_shift():
    # first_samp was round(0.15 / 0.1) = 2: every time stamp moved by 0.05 ms without a word
    with pytest.raises(bn.MonitorError, match=r"multiples of the sampling period \(0\.1 ms\): MNE counts samples from "
                                              r"time 0 \(first_samp\); 'time_eeg' starts at 0\.15 ms, 0\.05 ms off the "
                                              r"grid\. Shift the times: da\.assign_coords\(time_eeg=da\['time_eeg'\] "
                                              r"- 0\.05\)"):
        to_mne(_eeg(0.15 + 0.1 * np.arange(50)))
    da = _eeg(0.15 + 0.1 * np.arange(50))
    raw = to_mne(da.assign_coords(time_eeg=da["time_eeg"] - 0.05))  # the call the message gives
    assert raw.first_samp == 1 and raw.info["sfreq"] == pytest.approx(10000.0, rel=1e-12)


def test_bold_is_refused_as_a_signal_per_region_with_a_call_that_works():
    conn = bn.Connectome(weights=[[0, 1], [1, 0]], lengths=[[0, 30], [30, 0]], labels=["A", "B"])
    ds = bn.simulate(bn.CoombesByrne(), conn, duration=1000.0, dt=0.1, monitors=[bn.Bold(tr=500.0)])
    # it said "build the monitor in physical units (bn.EEG.sphere, ...)", as if BOLD were an EEG in a.u.
    with pytest.raises(bn.MonitorError, match=r"to_mne takes EEG or MEG sensors; 'bold' has dims \('time_bold', "
                                              r"'region'\): a signal per region \(BOLD, a neural monitor\), not per "
                                              r"sensor\..*'misc' channels yourself: mne\.io\.RawArray"):
        to_mne(ds, "bold")
    raw = mne.io.RawArray(ds.bold.values.T, mne.create_info([str(r) for r in ds.bold["region"].values], 200.0, "misc"))
    assert raw.ch_names == ["A", "B"] and raw.get_channel_types() == ["misc", "misc"]


def _info():
    info = mne.create_info(NAMES, 1000.0, "eeg")
    info.set_montage("standard_1020")  # MNE's head frame: the electrodes' sphere is centred 4.6 cm off its origin
    return info


def _forward(src):
    info = _info()
    sphere = mne.make_sphere_model(r0=(0.0, 0.0, 0.0), head_radius=0.09)
    return mne.make_forward_solution(info, trans=None, src=src, bem=sphere, eeg=True, meg=False)


def _discrete():
    return _forward(mne.setup_volume_source_space(pos=dict(rr=CENTRES * 1e-3, nn=NORMALS)))


def test_the_gain_is_the_forwards_normal_components_in_float64():
    fwd = _discrete()
    assert fwd["sol"]["data"].shape == (8, 15)  # free orientation: three columns per source
    G = np.einsum("cki,ki->ck", fwd["sol"]["data"].reshape(8, 5, 3), NORMALS)  # numpy, float64
    g, names, _, regions = region_gain_from_forward(fwd, np.array([1, 0, 1, -1, 0]), moment=1.0)
    assert names == NAMES and regions == ["R0", "R1"]
    # MNE's force_fixed cast the normal components to float32: 1.3e-7 of the largest entry off numpy's
    np.testing.assert_allclose(g, np.c_[G[:, [1, 4]].mean(axis=1), G[:, [0, 2]].mean(axis=1)], rtol=0,
                               atol=1e-12 * np.abs(G).max())
    fixed = mne.convert_forward_solution(fwd, force_fixed=True, surf_ori=True)  # the same from a fixed forward
    g_fixed, *_ = region_gain_from_forward(fixed, np.array([1, 0, 1, -1, 0]), moment=1.0)
    np.testing.assert_array_equal(g_fixed, g)
    one = bn.EEG.from_mne(fwd, np.arange(5), moment=2e-6)  # per region: the normal column x its moment
    np.testing.assert_allclose(one.gain, G * 2e-6, rtol=0, atol=1e-12 * np.abs(G).max() * 2e-6)


def test_a_volume_grid_is_refused_and_vertical_placeholder_normals_warn():
    fwd = _discrete()
    fwd["src"][0]["type"] = "vol"  # what mne.setup_volume_source_space(mri=...) makes: MNE raised a ValueError
    with pytest.raises(bn.MonitorError, match=r"source space is a volume grid \('vol'\): its sources have no "
                                              r"cortical normal.*pos=dict\(rr=\.\.\., nn=\.\.\.\)"):
        bn.EEG.from_mne(fwd, np.arange(5))
    grid = _forward(mne.setup_volume_source_space(pos=dict(rr=CENTRES * 1e-3, nn=np.tile([0.0, 0, 1], (5, 1)))))
    with pytest.warns(UserWarning, match=r"every source of the forward solution has the normal \(0, 0, 1\), MNE's "
                                         r"placeholder.*the gain is that of vertical dipoles"):
        bn.EEG.from_mne(grid, np.arange(5))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        bn.EEG.from_mne(_discrete(), np.arange(5))  # real normals: no warning


def test_labels_order_regions_and_a_region_without_sources_is_named():
    fwd = _discrete()
    labels = [mne.Label(vertices=np.array(v), hemi="lh", name=n) for v, n in [([4], "X"), ([0, 2], "Y"), ([1], "Z")]]
    g, _, _, regions = region_gain_from_forward(fwd, labels, moment=1.0)
    G = np.einsum("cki,ki->ck", fwd["sol"]["data"].reshape(8, 5, 3), NORMALS)
    assert regions == ["X", "Y", "Z"]  # the labels' order, not the sources'
    np.testing.assert_allclose(g, np.c_[G[:, 4], G[:, [0, 2]].mean(axis=1), G[:, 1]], rtol=0,
                               atol=1e-12 * np.abs(G).max())
    empty = mne.Label(vertices=np.array([7, 9]), hemi="lh", name="W")  # vertices the forward does not have
    with pytest.raises(bn.MonitorError, match=r"region 'W' \(index 3\) has no source in the forward solution"):
        region_gain_from_forward(fwd, [*labels, empty])


def test_without_mne_the_error_is_an_import_error_naming_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "mne", None)  # import mne raises ImportError
    with pytest.raises(ImportError, match=r"the MNE bridge needs mne; install it with pip install "
                                          r"'brainnet-cb\[mne\]'") as err:
        to_mne(_eeg(0.1 * np.arange(1, 5)))
    assert isinstance(err.value, bn.MonitorError)  # as before


def test_positions_from_an_mne_forward_go_back_in_its_head_frame():
    fwd = _discrete()
    conn = bn.Connectome(weights=np.ones((5, 5)) - np.eye(5), lengths=30 * (np.ones((5, 5)) - np.eye(5)),
                         centres=CENTRES)
    ds = bn.simulate(bn.CoombesByrne(), conn, duration=3.0, dt=0.1, monitors=[bn.EEG.from_mne(fwd, np.arange(5))])
    loc = np.array([ch["loc"][:3] for ch in fwd["info"]["chs"]])
    kept = to_mne(ds, frame="head")
    np.testing.assert_allclose(np.array([ch["loc"][:3] for ch in kept.info["chs"]]), loc, rtol=0, atol=1e-15)
    # "fitted" moves the origin to the centre of the electrodes' sphere: here by 4.6 cm
    moved = np.array([ch["loc"][:3] for ch in to_mne(ds, frame="fitted").info["chs"]])
    assert 0.03 < np.abs(moved - loc).max() < 0.06
    with pytest.raises(bn.MonitorError, match=r"frame must be 'fitted' \(origin at the centre of the sensors' "
                                              r"sphere\), 'head' .* or None \(from the data's 'sensor_frame' "
                                              r"attribute\); got 'mni'"):
        to_mne(ds, frame="mni")


def test_the_default_frame_is_the_one_the_data_record():
    """frame=None (the default) keeps positions the data mark as MNE's head frame (attrs["sensor_frame"] = "head");
    the default was "fitted" whatever the data said, moving from_mne's electrodes by 4.6 cm."""
    fwd = _discrete()
    conn = bn.Connectome(weights=np.ones((5, 5)) - np.eye(5), lengths=30 * (np.ones((5, 5)) - np.eye(5)),
                         centres=CENTRES)
    ds = bn.simulate(bn.CoombesByrne(), conn, duration=3.0, dt=0.1, monitors=[bn.EEG.from_mne(fwd, np.arange(5))])
    loc = np.array([ch["loc"][:3] for ch in fwd["info"]["chs"]])
    head = ds.eeg.assign_attrs(sensor_frame="head")
    other = ds.eeg.copy()
    other.attrs.pop("sensor_frame", None)

    def positions(da, **frame):
        return np.array([ch["loc"][:3] for ch in to_mne(da, **frame).info["chs"]])

    np.testing.assert_allclose(positions(head), loc, rtol=0, atol=1e-15)
    np.testing.assert_array_equal(positions(other), positions(other, frame="fitted"))
    assert 0.03 < np.abs(positions(other) - loc).max() < 0.06
    np.testing.assert_array_equal(positions(head, frame="fitted"), positions(other))  # an explicit choice wins
    np.testing.assert_array_equal(positions(other, frame="head"), positions(head))


def test_a_label_on_both_hemispheres_takes_both_and_a_non_label_is_named():
    fwd = _discrete()
    fwd["src"] = mne.SourceSpaces([fwd["src"][0], fwd["src"][0].copy()])  # two "hemispheres" of 5 sources each
    fwd["src"][0]["vertno"] = fwd["src"][0]["vertno"][:3]
    fwd["src"][1]["vertno"] = fwd["src"][1]["vertno"][3:]
    for s in fwd["src"]:
        s["nuse"] = len(s["vertno"])
    a = mne.Label(vertices=np.array([0, 1]), hemi="lh", name="A")
    b = mne.Label(vertices=np.array([3]), hemi="rh", name="B")
    g, *_ = region_gain_from_forward(fwd, [a + b, mne.Label(vertices=np.array([2]), hemi="lh", name="C")], moment=1.0)
    G = np.einsum("cki,ki->ck", fwd["sol"]["data"].reshape(8, 5, 3), NORMALS)
    # a BiHemiLabel was refused as "a list of shape (1,), dtype object"
    np.testing.assert_allclose(g, np.c_[G[:, [0, 1, 3]].mean(axis=1), G[:, 2]], rtol=0, atol=1e-12 * np.abs(G).max())
    with pytest.raises(bn.MonitorError, match=r"parcellation item 1 is a str, not an mne\.Label"):  # AttributeError
        region_gain_from_forward(fwd, [a, "B"])


# ----------------------------------------------------------------------------- the sensor frame to_mne keeps
# EEG and MEG record where their sensor positions' origin is (frame, the output attribute sensor_frame), so that
# to_mne with its default frame=None keeps MNE head-frame positions. Was: no monitor wrote sensor_frame, so
# to_mne(ds) of an EEG from EEG.from_mne moved the electrodes to the centre of their fitted sphere (4.6 cm here).
CONN = bn.Connectome(weights=np.ones((5, 5)) - np.eye(5), lengths=30 * (np.ones((5, 5)) - np.eye(5)),
                     centres=CENTRES, orientations=NORMALS)


def _positions(raw):
    return np.array([ch["loc"][:3] for ch in raw.info["chs"]])


def test_an_eeg_from_mne_goes_back_to_mne_in_its_head_frame_by_default(tmp_path):
    eeg = bn.EEG.from_mne(_discrete(), np.arange(5))
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
