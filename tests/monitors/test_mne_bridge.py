"""MNE bridge: a run's EEG/MEG as an mne RawArray, and an MNE forward solution per region (round trips)."""

import numpy as np
import pytest

import brainnet_cb as bn
from brainnet_cb.forward.mne_bridge import mne_channel_names, region_gain_from_forward, to_mne

mne = pytest.importorskip("mne")
mne.set_log_level("ERROR")

CENTRES = np.array([[-30.0, 0, 40], [30.0, 0, 40], [0, 30.0, 30], [0, -30.0, 35]])
ORIENT = np.array([[0, 0, 1.0], [1.0, 0, 0], [0, 1.0, 0], [0.6, 0, 0.8]])
CONN = bn.Connectome(weights=np.ones((4, 4)) - np.eye(4), lengths=30 * (np.ones((4, 4)) - np.eye(4)),
                     centres=CENTRES, orientations=ORIENT, areas=[2000.0, 3000.0, 2500.0, 1500.0])


def test_tvb_names_map_to_the_standard_montage_and_raw_is_in_volts():
    assert mne_channel_names(["T8/T4", "T7/T3", "P8/T6", "P7/T5", "CB1", "Cz"]) == ["T8", "T7", "P8", "P7", "CB1", "Cz"]
    conn = bn.load_atlas("tvb76")
    ds = bn.simulate(bn.CoombesByrne(), conn, duration=100.0, dt=0.1, noise=bn.Additive(v=0.3), key=0,
                     monitors=[bn.EEG.from_atlas("tvb76", period=2.0)])
    raw = to_mne(ds)
    assert raw.info["sfreq"] == 500.0 and raw.first_samp == 1 and len(raw.ch_names) == 63
    assert "T8" in raw.ch_names and "CB1" in raw.ch_names and "T8/T4" not in raw.ch_names
    np.testing.assert_array_equal(raw.get_data(), ds.eeg.values.T)  # volts, unchanged
    pos = raw.get_montage().get_positions()["ch_pos"]
    # head frame, metres: T8 to the right (+x), Fpz... Fp1 anterior (+y), Cz up (+z)
    assert pos["T8"][0] > 0.05 and pos["T7"][0] < -0.05 and pos["Fp1"][1] > 0.05 and pos["Cz"][2] > 0.05
    assert 0.06 < np.linalg.norm(pos["Cz"]) < 0.13
    std = mne.channels.make_standard_montage("standard_1005").get_positions()["ch_pos"]
    shared = [c for c in raw.ch_names if c in std]
    assert len(shared) == 61  # all but CB1, CB2
    raw.set_montage("standard_1005", on_missing="ignore")  # the names MNE knows are the standard ones
    with pytest.raises(bn.MonitorError, match=r"in V \(EEG\), T \(MEG\) or T/m \(MEG gradiometers\); got .* in '1'"):  # "a.u." written as "1"
        to_mne(bn.simulate(bn.CoombesByrne(), conn, duration=4.0, dt=0.1,
                           monitors=[bn.EEG.from_atlas("tvb76", physical=False)]))


def _forward(info):
    """An MNE forward solution for the EEG of ``info``: a homogeneous sphere, one fixed dipole per region centre."""
    nn = ORIENT / np.linalg.norm(ORIENT, axis=1)[:, None]
    src = mne.setup_volume_source_space(pos=dict(rr=CENTRES * 1e-3, nn=nn))
    sphere = mne.make_sphere_model(r0=(0.0, 0.0, 0.0), head_radius=0.09, relative_radii=(0.999, 1.0),
                                   sigmas=(0.33, 0.33))
    return mne.make_forward_solution(info, trans=None, src=src, bem=sphere, eeg=True, meg=False)


def _normal_components(fwd):
    """The fixed-orientation gain in numpy, float64: each source's three columns dotted with its normal."""
    G = fwd["sol"]["data"]
    nn = np.concatenate([s["nn"][s["vertno"]] for s in fwd["src"]])
    return np.einsum("cki,ki->ck", G.reshape(G.shape[0], -1, 3), nn)


def test_round_trip_through_an_mne_forward_solution():
    eeg = bn.EEG.sphere(CONN, "10-20", radius=90.0, centre=[0, 0, 0], period=1.0)
    ds = bn.simulate(bn.CoombesByrne(), CONN, duration=50.0, dt=0.1, noise=bn.Additive(v=0.3), key=2,
                     monitors=[eeg, bn.Raw(name="raw")])
    raw = to_mne(ds)
    fwd = _forward(raw.info)
    back = bn.EEG.from_mne(fwd, np.arange(4), CONN, period=1.0)
    assert back.units == "V" and list(back.sensors) == list(eeg.sensors)
    np.testing.assert_allclose(back.gain, eeg.gain, rtol=1e-5, atol=1e-5 * np.abs(eeg.gain).max())
    again = bn.simulate(bn.CoombesByrne(), CONN, duration=50.0, dt=0.1, noise=bn.Additive(v=0.3), key=2,
                        monitors=[back])
    np.testing.assert_allclose(again.eeg.values, ds.eeg.values, rtol=1e-5, atol=1e-5 * np.abs(ds.eeg.values).max())
    # two sources in one region: the mean column times the region's moment; sum = TVB's rule
    g2, *_ = region_gain_from_forward(fwd, np.array([0, 0, 1, 1]), areas=[1000.0, 1000.0])
    G = _normal_components(fwd)
    np.testing.assert_allclose(g2[:, 0], G[:, :2].mean(axis=1) * 1e-6, rtol=1e-12)
    s2, *_ = region_gain_from_forward(fwd, np.array([0, 0, 1, 1]), reduce="sum")
    np.testing.assert_allclose(s2[:, 1], G[:, 2:].sum(axis=1), rtol=1e-12)
    with pytest.raises(bn.MonitorError, match=r"region 'R1' \(index 1\) has no source"):
        region_gain_from_forward(fwd, np.array([0, 0, 2, 2]))
    with pytest.raises(bn.MonitorError, match=r"the parcellation has 2 regions, the connectome \(areas\) 4"):
        bn.EEG.from_mne(fwd, np.array([0, 0, 1, 1]), CONN)


def test_meg_goes_to_mne_as_magnetometers_in_tesla():
    ds = bn.simulate(bn.CoombesByrne(), CONN, duration=20.0, dt=0.1, noise=bn.Additive(v=0.3), key=1,
                     monitors=[bn.MEG.sphere(CONN, "10-20", period=1.0)])
    raw = to_mne(ds, "meg")
    assert set(raw.get_channel_types()) == {"mag"} and raw.info["sfreq"] == 1000.0
    np.testing.assert_array_equal(raw.get_data(), ds.meg.values.T)
    loc = np.array([ch["loc"][:3] for ch in raw.info["chs"]])
    np.testing.assert_allclose(np.linalg.norm(loc, axis=1), 0.110, rtol=1e-9)  # the helmet sphere, in metres
    # radial point magnetometers, as MEG.sphere measures B . u at a point: a full coil frame, ez outward
    assert {ch["coil_type"] for ch in raw.info["chs"]} == {mne.io.constants.FIFF.FIFFV_COIL_POINT_MAGNETOMETER}
    frame = np.array([ch["loc"][3:12] for ch in raw.info["chs"]]).reshape(-1, 3, 3)
    np.testing.assert_allclose(frame @ frame.transpose(0, 2, 1), np.broadcast_to(np.eye(3), frame.shape), atol=1e-12)
    np.testing.assert_allclose(frame[:, 2], loc / np.linalg.norm(loc, axis=1)[:, None], atol=1e-12)


def _meg_forward(info):
    """An MNE forward for the magnetometers of ``info``: one fixed dipole per region centre, Sarvas' sphere."""
    nn = ORIENT / np.linalg.norm(ORIENT, axis=1)[:, None]
    src = mne.setup_volume_source_space(pos=dict(rr=CENTRES * 1e-3, nn=nn))
    sphere = mne.make_sphere_model(r0=(0.0, 0.0, 0.0), head_radius=None)  # MEG: only the centre matters
    return mne.make_forward_solution(info, trans=None, src=src, bem=sphere, meg=True, eeg=False)


def test_meg_round_trip_through_an_mne_forward_solution():
    # radial dipoles are silent in MEG: every region's orientation has a tangential part (|cos| <= 0.8)
    cos = np.sum(ORIENT * CENTRES, axis=1) / np.linalg.norm(ORIENT, axis=1) / np.linalg.norm(CENTRES, axis=1)
    assert np.abs(cos).max() <= 0.8
    meg = bn.MEG.sphere(CONN, "10-20", centre=[0, 0, 0], period=1.0)
    run = dict(duration=20.0, dt=0.1, noise=bn.Additive(v=0.3), key=1)
    ds = bn.simulate(bn.CoombesByrne(), CONN, monitors=[meg], **run)
    fwd = _meg_forward(to_mne(ds, "meg").info)
    back = bn.MEG.from_mne(fwd, np.arange(4), CONN, period=1.0)
    assert back.units == "T" and back.reference is None and list(back.sensors) == list(meg.sensors)
    np.testing.assert_allclose(back.positions, meg.positions, rtol=0, atol=1e-9)  # mm, the same frame
    # MNE's Sarvas field of the same dipoles (moment = 1 nA m/mm2 x area), sign included. The normal components
    # are taken in float64 (MNE's force_fixed casts them to float32: 3.6e-8 of the max); measured 1.4e-14
    scale = np.abs(meg.gain).max()
    assert 1e-12 < scale < 1e-10  # T per unit source: a few pT
    np.testing.assert_allclose(back.gain, meg.gain, rtol=0, atol=1e-12 * scale)
    again = bn.simulate(bn.CoombesByrne(), CONN, monitors=[back], **run)
    assert again.meg.attrs["units"] == "T" and again.meg.attrs["sensor_frame"] == "head"  # to_mne keeps them
    np.testing.assert_allclose(again.meg.values, ds.meg.values, rtol=0, atol=2e-7 * np.abs(ds.meg.values).max())
    # a forward of the wrong modality is refused, naming what it has
    with pytest.raises(bn.MonitorError, match=r"the forward solution has no eeg channels \(it has 21 mag\)\. "
                                              r"Use bn\.EEG\.from_mne for EEG and bn\.MEG\.from_mne for magnetometers"):
        bn.EEG.from_mne(fwd, np.arange(4), CONN)
    eeg = bn.simulate(bn.CoombesByrne(), CONN, duration=2.0, dt=0.1,
                      monitors=[bn.EEG.sphere(CONN, "10-20", radius=90.0, centre=[0, 0, 0])])
    with pytest.raises(bn.MonitorError, match=r"the forward solution has no mag channels \(it has 21 eeg\)"):
        bn.MEG.from_mne(_forward(to_mne(eeg).info), np.arange(4), CONN)
