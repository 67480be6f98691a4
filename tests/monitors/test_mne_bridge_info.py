"""to_mne(..., info=): the channels of the recording whose forward solution built the monitor.

With the recorded positions alone, MEG channels go to MNE as radial point magnetometers in a device frame equal
to the head frame, so a forward solution recomputed from the returned Info is not the one the monitor came from
when the recording's coils were tilted, of another type, or in a shifted device frame.
"""

import numpy as np
import pytest

import brainnet_cb as bn
from brainnet_cb.forward.mne_bridge import to_mne

mne = pytest.importorskip("mne")
mne.set_log_level("ERROR")
FIFF = mne.io.constants.FIFF

CENTRES = np.array([[-30.0, 0, 40], [30.0, 0, 40], [0, 30.0, 30], [0, -30.0, 35]])
ORIENT = np.array([[1.0, 0.2, 0], [0, 1.0, 0.3], [0.5, 0, 0.4], [0.2, 0.3, 1.0]])
CONN = bn.Connectome(np.ones((4, 4)) - np.eye(4), 30 * (np.ones((4, 4)) - np.eye(4)), centres=CENTRES)
#: EEG needs the head's shells; MEG only the sphere's centre (Sarvas)
SPHERES = {"eeg": mne.make_sphere_model(r0=(0.0, 0.0, 0.0), head_radius=0.09),
           "meg": mne.make_sphere_model(r0=(0.0, 0.0, 0.0), head_radius=None)}


def _frame(normal):
    ez = normal / np.linalg.norm(normal)
    ex = np.cross([0.0, 0.0, 1.0], ez)
    ex /= np.linalg.norm(ex)
    return np.concatenate([ex, np.cross(ez, ex), ez])


def _meg_info():
    """24 magnetometers on a 110 mm helmet with tilted normals, the VV_MAG_T3 coil, the device frame 4 cm up."""
    rng = np.random.default_rng(0)
    info = mne.create_info([f"MEG{i:03d}" for i in range(24)], 1000.0, "mag")
    theta, phi = np.linspace(0.2, 1.2, 24), np.linspace(0, 2 * np.pi, 24, endpoint=False)
    pos = 0.11 * np.c_[np.sin(theta) * np.cos(phi), np.sin(theta) * np.sin(phi), np.cos(theta)]
    for ch, p in zip(info["chs"], pos):
        ch["loc"][:3] = p
        ch["loc"][3:12] = _frame(p / np.linalg.norm(p) + 0.3 * rng.normal(size=3))
        ch["coil_type"] = FIFF.FIFFV_COIL_VV_MAG_T3
    shift = np.eye(4)
    shift[2, 3] = -0.04
    info["dev_head_t"] = mne.transforms.Transform("meg", "head", shift)
    return info


def _source_space():
    return mne.setup_volume_source_space(pos=dict(rr=CENTRES * 1e-3, nn=ORIENT / np.linalg.norm(ORIENT, axis=1)[:, None]))


def _gain(info, kind):
    meg, eeg = kind == "meg", kind == "eeg"
    fwd = mne.make_forward_solution(info, trans=None, src=_source_space(), bem=SPHERES[kind], meg=meg, eeg=eeg)
    return fwd, (bn.MEG if meg else bn.EEG).from_mne(fwd, np.arange(4), CONN, period=1.0)


def test_a_forward_from_the_returned_info_is_the_monitors_own():
    fwd, meg = _gain(_meg_info(), "meg")
    ds = bn.simulate(bn.CoombesByrne(), CONN, duration=5.0, dt=0.1, monitors=[meg])
    raw = to_mne(ds, "meg", info=fwd["info"])
    np.testing.assert_array_equal(raw.get_data(), ds.meg.values.T)
    np.testing.assert_array_equal([ch["coil_type"] for ch in raw.info["chs"]], [FIFF.FIFFV_COIL_VV_MAG_T3] * 24)
    np.testing.assert_array_equal(raw.info["dev_head_t"]["trans"], fwd["info"]["dev_head_t"]["trans"])
    scale = np.abs(meg.gain).max()
    np.testing.assert_allclose(_gain(raw.info, "meg")[1].gain, meg.gain, rtol=0, atol=1e-12 * scale)
    # without info: radial point magnetometers in the head frame, a forward 31 % of the largest entry off
    off = np.abs(_gain(to_mne(ds, "meg").info, "meg")[1].gain - meg.gain).max() / scale
    assert 0.25 < off < 0.4


def test_eeg_takes_the_montage_of_the_info():
    info = mne.create_info(["Fp1", "Fp2", "Cz", "O1", "O2", "T7", "T8", "Pz"], 1000.0, "eeg")
    info.set_montage(mne.channels.make_standard_montage("standard_1020"))
    fwd, eeg = _gain(info, "eeg")
    ds = bn.simulate(bn.CoombesByrne(), CONN, duration=5.0, dt=0.1, monitors=[eeg])
    raw = to_mne(ds, info=fwd["info"])
    np.testing.assert_array_equal([ch["loc"][:3] for ch in raw.info["chs"]],
                                  [ch["loc"][:3] for ch in fwd["info"]["chs"]])
    scale = np.abs(eeg.gain).max()
    np.testing.assert_allclose(_gain(raw.info, "eeg")[1].gain, eeg.gain, rtol=0, atol=1e-12 * scale)
    # a recording's Info (with its digitisation; a forward's has none) gives its montage, fiducials included
    ours, theirs = (i.get_montage().get_positions() for i in (to_mne(ds, info=info).info, info))
    assert list(ours["ch_pos"]) == list(theirs["ch_pos"])
    np.testing.assert_array_equal(np.array(list(ours["ch_pos"].values())), np.array(list(theirs["ch_pos"].values())))
    np.testing.assert_array_equal(ours["nasion"], theirs["nasion"])


def test_an_info_without_the_channels_or_of_another_kind_is_refused_by_name():
    fwd, meg = _gain(_meg_info(), "meg")
    ds = bn.simulate(bn.CoombesByrne(), CONN, duration=3.0, dt=0.1, monitors=[meg])
    other = mne.pick_info(fwd["info"], list(range(20)))
    with pytest.raises(bn.MonitorError, match=r"^info has no channel 'MEG020' \(nor 3 other\(s\)\) of the data's 24; "
                                              r"give the Info of the forward solution the monitor was built from "
                                              r"\(forward\['info'\]\), or leave info out"):
        to_mne(ds, "meg", info=other)
    eeg_named = mne.create_info(list(ds.meg["sensor_meg"].values), 1000.0, "eeg")
    with pytest.raises(bn.MonitorError, match=r"^channel 'MEG000' is 'eeg' in info, but the data are 'mag' signals "
                                              r"\(T\); give the Info the monitor was built from\.$"):
        to_mne(ds, "meg", info=eeg_named)
    with pytest.raises(bn.MonitorError, match=r"^info must be an mne\.Info \(raw\.info, or forward\['info'\]\); got "
                                              r"dict\.$"):
        to_mne(ds, "meg", info={})


def _neuromag_like():
    """12 sites on a helmet, each a magnetometer and two orthogonal planar gradiometers (VV_PLANAR_T1), as a
    MEGIN system has them."""
    names, kinds, sites = [], [], []
    theta, phi = np.linspace(0.3, 1.1, 12), np.linspace(0, 2 * np.pi, 12, endpoint=False)
    for k, (t, f) in enumerate(zip(theta, phi)):
        names += [f"MEG{k:02d}1", f"MEG{k:02d}2", f"MEG{k:02d}3"]
        kinds += ["mag", "grad", "grad"]
        sites += [0.11 * np.array([np.sin(t) * np.cos(f), np.sin(t) * np.sin(f), np.cos(t)])] * 3
    info = mne.create_info(names, 1000.0, kinds)
    for i, (ch, p) in enumerate(zip(info["chs"], sites)):
        frame = _frame(p)
        if i % 3 == 2:  # the second gradiometer measures along ey: the coil frame turned by 90 degrees
            frame = np.concatenate([frame[3:6], -frame[:3], frame[6:]])
        ch["loc"][:3], ch["loc"][3:12] = p, frame
        ch["coil_type"] = FIFF.FIFFV_COIL_VV_MAG_T3 if i % 3 == 0 else FIFF.FIFFV_COIL_VV_PLANAR_T1
    info["dev_head_t"] = mne.transforms.Transform("meg", "head")
    return info


def test_planar_gradiometers_are_a_monitor_of_their_own_in_tesla_per_metre():
    """MEG.from_mne kept the magnetometers only; gradiometers (channels="grad") are in T/m."""
    fwd, mag = _gain(_neuromag_like(), "meg")
    grad = bn.MEG.from_mne(fwd, np.arange(4), CONN, period=1.0, channels="grad", name="meg_grad")
    assert grad.units == "T/m" and len(grad.sensors) == 24 and len(mag.sensors) == 12
    full = mne.convert_forward_solution(fwd, surf_ori=True)
    picks = mne.pick_types(fwd["info"], meg="grad")
    assert list(grad.sensors) == [fwd["info"]["ch_names"][i] for i in picks]
    ds = bn.simulate(bn.CoombesByrne(), CONN, duration=5.0, dt=0.1, monitors=[mag, grad])
    assert ds.meg_grad.attrs["units"] == "T/m" and ds.meg_grad.attrs["long_name"].startswith("magnetic field gradient")
    assert ds.meg.attrs["long_name"].startswith("magnetic field (")
    # a gradiometer's gain is the forward's normal component of its row, times the region's moment
    normal = full["sol"]["data"][picks][:, 2::3]
    moment = np.abs(grad.gain).max() / np.abs(normal).max()
    np.testing.assert_allclose(grad.gain, normal * moment, rtol=0, atol=1e-12 * np.abs(grad.gain).max())
    raw = to_mne(ds, "meg_grad", info=fwd["info"])
    assert set(raw.get_channel_types()) == {"grad"}
    np.testing.assert_array_equal(raw.get_data(), ds.meg_grad.values.T)
    regained = bn.MEG.from_mne(mne.make_forward_solution(raw.info, trans=None, src=_source_space(),
                                                         bem=SPHERES["meg"], meg=True, eeg=False),
                               np.arange(4), CONN, period=1.0, channels="grad").gain
    np.testing.assert_allclose(regained, grad.gain, rtol=0, atol=1e-12 * np.abs(grad.gain).max())
    with pytest.raises(bn.MonitorError, match=r"^gradiometer signals \(T/m\) need the recording's Info for their "
                                              r"coils \(a planar gradiometer is no point sensor\): pass it, e\.g\. "
                                              r"to_mne\(ds, 'meg_grad', info=forward\['info'\]\)\.$"):
        to_mne(ds, "meg_grad")


def test_a_channel_kind_of_the_other_modality_is_named():
    fwd, _ = _gain(_neuromag_like(), "meg")
    with pytest.raises(bn.MonitorError, match=r"^MEG\.from_mne channels must be 'mag' or 'grad'; got 'eeg' "
                                              r"\(bn\.EEG\.from_mne takes 'eeg'\)\.$"):
        bn.MEG.from_mne(fwd, np.arange(4), CONN, channels="eeg")
    with pytest.raises(bn.MonitorError, match=r"^EEG\.from_mne channels must be 'eeg'; got 'grad' "
                                              r"\(bn\.MEG\.from_mne takes 'mag' or 'grad'\)\.$"):
        bn.EEG.from_mne(fwd, np.arange(4), CONN, channels="grad")
