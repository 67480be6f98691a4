"""MNE bridge: a run's EEG as an mne RawArray, and an MNE forward solution per region (round trip)."""

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
    with pytest.raises(bn.MonitorError, match=r"in V \(EEG\) or T \(MEG\); got .* in 'a.u.'"):
        to_mne(bn.simulate(bn.CoombesByrne(), conn, duration=4.0, dt=0.1,
                           monitors=[bn.EEG.from_atlas("tvb76", physical=False)]))


def _forward(raw):
    """An MNE forward solution: a homogeneous sphere, one fixed dipole per region centre."""
    nn = ORIENT / np.linalg.norm(ORIENT, axis=1)[:, None]
    src = mne.setup_volume_source_space(pos=dict(rr=CENTRES * 1e-3, nn=nn))
    sphere = mne.make_sphere_model(r0=(0.0, 0.0, 0.0), head_radius=0.09, relative_radii=(0.999, 1.0),
                                   sigmas=(0.33, 0.33))
    return mne.make_forward_solution(raw.info, trans=None, src=src, bem=sphere, eeg=True, meg=False)


def test_round_trip_through_an_mne_forward_solution():
    eeg = bn.EEG.sphere(CONN, "10-20", radius=90.0, centre=[0, 0, 0], period=1.0)
    ds = bn.simulate(bn.CoombesByrne(), CONN, duration=50.0, dt=0.1, noise=bn.Additive(v=0.3), key=2,
                     monitors=[eeg, bn.Raw(name="raw")])
    raw = to_mne(ds)
    fwd = _forward(raw)
    back = bn.EEG.from_mne(fwd, np.arange(4), CONN, period=1.0)
    assert back.units == "V" and list(back.sensors) == list(eeg.sensors)
    np.testing.assert_allclose(back.gain, eeg.gain, rtol=1e-5, atol=1e-5 * np.abs(eeg.gain).max())
    again = bn.simulate(bn.CoombesByrne(), CONN, duration=50.0, dt=0.1, noise=bn.Additive(v=0.3), key=2,
                        monitors=[back])
    np.testing.assert_allclose(again.eeg.values, ds.eeg.values, rtol=1e-5, atol=1e-5 * np.abs(ds.eeg.values).max())
    # two sources in one region: the mean column times the region's moment; sum = TVB's rule
    g2, *_ = region_gain_from_forward(fwd, np.array([0, 0, 1, 1]), areas=[1000.0, 1000.0])
    G = np.asarray(mne.convert_forward_solution(fwd, force_fixed=True, surf_ori=True)["sol"]["data"], float)
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
