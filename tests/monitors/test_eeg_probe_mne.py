"""A run's EEG in MNE: sampling rate, volts, channel types, and MNE's inverse accepts the average reference."""

import numpy as np
import pytest

import brainnet_cb as bn
from brainnet_cb.forward.mne_bridge import to_mne

mne = pytest.importorskip("mne")
mne.set_log_level("ERROR")

CENTRES = np.array([[-30.0, 0, 40], [30.0, 0, 40], [0, 30.0, 30], [0, -30.0, 35]])
ORIENT = np.array([[0, 0, 1.0], [1.0, 0, 0], [0, 1.0, 0], [0.6, 0, 0.8]])
CONN = bn.Connectome(weights=np.ones((4, 4)) - np.eye(4), lengths=30 * (np.ones((4, 4)) - np.eye(4)),
                     centres=CENTRES, orientations=ORIENT, areas=[2000.0, 3000.0, 2500.0, 1500.0])


def _run(period=1.0, reference="average", duration=50.0):
    eeg = bn.EEG.sphere(CONN, "10-20", radius=90.0, centre=[0, 0, 0], period=period, reference=reference)
    return bn.simulate(bn.CoombesByrne(), CONN, duration=duration, dt=0.1, noise=bn.Additive(v=0.3), key=2,
                       monitors=[eeg])


@pytest.mark.parametrize("period, sfreq", [(0.1, 10000.0), (0.5, 2000.0), (2.0, 500.0), (4.0, 250.0)])
def test_sampling_rate_volts_and_times_match_the_monitor(period, sfreq):
    ds = _run(period, duration=20 * period)
    raw = to_mne(ds)
    assert raw.info["sfreq"] == sfreq  # 1 / period, ms -> Hz
    assert set(raw.get_channel_types()) == {"eeg"}
    assert {ch["unit"] for ch in raw.info["chs"]} == {mne.io.constants.FIFF.FIFF_UNIT_V}
    np.testing.assert_array_equal(raw.get_data(), ds.eeg.values.T)  # the monitor's volts, unscaled
    np.testing.assert_allclose(raw.times + raw.first_time, ds.time_eeg.values * 1e-3, rtol=1e-12)  # ms -> s


def _forward(info):
    """MNE's EEG forward of a homogeneous sphere, one fixed dipole per region centre (sources in region order)."""
    nn = ORIENT / np.linalg.norm(ORIENT, axis=1)[:, None]
    src = mne.setup_volume_source_space(pos=dict(rr=CENTRES * 1e-3, nn=nn))
    sphere = mne.make_sphere_model(r0=(0.0, 0.0, 0.0), head_radius=0.09, relative_radii=(0.999, 1.0),
                                   sigmas=(0.33, 0.33))
    return mne.make_forward_solution(info, trans=None, src=src, bem=sphere, eeg=True, meg=False)


def _inverse(raw):
    return mne.minimum_norm.make_inverse_operator(raw.info, _forward(raw.info), mne.make_ad_hoc_cov(raw.info),
                                                  fixed=True)


def test_average_referenced_eeg_can_be_source_localised_in_mne():
    ds = _run()
    raw = to_mne(ds)
    # it was marked as a custom reference, and apply_inverse raised "Custom EEG reference is not allowed"
    assert raw.info["custom_ref_applied"] == mne.io.constants.FIFF.FIFFV_MNE_CUSTOM_REF_OFF
    assert [p["desc"] for p in raw.info["projs"]] == ["Average EEG reference"]
    np.testing.assert_array_equal(raw.get_data(), ds.eeg.values.T)  # the projector is not applied
    y = ds.eeg.values.T
    projected = raw.copy().apply_proj().get_data()
    np.testing.assert_allclose(projected, y, rtol=0, atol=1e-12 * np.abs(y).max())  # and changes nothing
    stc = mne.minimum_norm.apply_inverse_raw(raw, _inverse(raw), lambda2=1.0 / 9.0)
    assert stc.data.shape == (4, ds.sizes["time_eeg"]) and np.all(np.isfinite(stc.data))
    # a single-sensor reference is left to the user (no projector claimed)
    r = to_mne(_run(reference="Cz", duration=5.0))
    assert r.info["projs"] == [] and r.info["custom_ref_applied"] == mne.io.constants.FIFF.FIFFV_MNE_CUSTOM_REF_OFF


def test_mne_labels_out_of_the_connectomes_order_are_refused():
    conn = bn.Connectome(weights=CONN.weights, lengths=CONN.lengths, centres=CENTRES, orientations=ORIENT,
                         areas=CONN.areas, labels=["A", "B", "C", "D"])
    eeg = bn.EEG.sphere(conn, "10-20", radius=90.0, centre=[0, 0, 0])
    fwd = _forward(to_mne(bn.simulate(bn.CoombesByrne(), conn, duration=2.0, dt=0.1, monitors=[eeg])).info)
    labels = {n: mne.Label(vertices=np.array([i]), hemi="lh", name=n) for i, n in enumerate("ABCD")}
    good = bn.EEG.from_mne(fwd, [labels[n] for n in "ABCD"], conn)
    assert good.regions == eeg.regions == ("A", "B", "C", "D")  # the columns carry the connectome's labels
    assert bn.EEG.from_mne(fwd, [labels[n] for n in "ABCD"]).regions is None  # MNE's names need not be its labels
    np.testing.assert_allclose(good.gain, eeg.gain, rtol=0, atol=1e-6 * np.abs(eeg.gain).max())  # MNE's EEG sphere
    # the same labels shuffled gave columns (and areas) of other regions, off by 180 % of the largest entry
    with pytest.raises(bn.MonitorError, match=r"not in the connectome's region order: label 0 is 'B', region 1 of "
                                              r"the connectome \(4 label\(s\) out of place\)\. Reorder them"):
        bn.EEG.from_mne(fwd, [labels[n] for n in "BADC"], conn)


def test_overlapping_labels_and_indices_below_minus_one_are_refused():
    from brainnet_cb.forward.mne_bridge import region_gain_from_forward

    fwd = _forward(to_mne(_run(duration=2.0)).info)
    a = mne.Label(vertices=np.array([0, 1]), hemi="lh", name="A")
    b = mne.Label(vertices=np.array([1, 2, 3]), hemi="lh", name="B")
    # source 1 silently went to B (the later label), and A lost it
    with pytest.raises(bn.MonitorError, match=r"labels 'A' and 'B' share 1 source\(s\) of the forward"):
        region_gain_from_forward(fwd, [a, b])
    g, *_ = region_gain_from_forward(fwd, [a, b - a], moment=1.0)
    nn = ORIENT / np.linalg.norm(ORIENT, axis=1)[:, None]  # the sources' normals: each column dotted with them
    G = np.einsum("cki,ki->ck", fwd["sol"]["data"].reshape(-1, 4, 3), nn)  # float64, as numpy gives it
    np.testing.assert_allclose(g, np.c_[G[:, :2].mean(axis=1), G[:, 2:].mean(axis=1)], rtol=1e-12)
    # -2 was taken as "in no region" (only -1 means that)
    with pytest.raises(bn.MonitorError, match=r"\(-1 = none\), shape \(4,\); got ndarray of shape \(4,\), dtype int64, "
                                              r"with -2"):
        region_gain_from_forward(fwd, np.array([-2, 0, 1, 2]))


def test_tvbs_sum_of_unit_dipoles_is_not_labelled_volts():
    fwd = _forward(to_mne(_run(duration=2.0)).info)
    mean = bn.EEG.from_mne(fwd, np.arange(4), CONN)
    tvb = bn.EEG.from_mne(fwd, np.arange(4), CONN, reduce="sum")
    ds = bn.simulate(bn.CoombesByrne(), CONN, duration=50.0, dt=0.1, noise=bn.Additive(v=0.3), key=0,
                     monitors=[mean, bn.EEG(gain=tvb.gain, sensors=tvb.sensors, units=tvb.units, name="tvb")])
    # 1 A m per source: an EEG of volts (measured sd 12 V) was labelled "V"; the mean rule gives tens of uV
    assert mean.units == "V" and 1e-6 < ds.eeg.values[10:].std(axis=0).mean() < 1e-4
    # the monitor's "a.u." is written as CF's dimensionless "1" (udunits has no arbitrary unit)
    assert tvb.units == "a.u." and ds.tvb.attrs["units"] == "1" and ds.tvb.values[10:].std(axis=0).mean() > 1.0
    assert ds.tvb.attrs["comment"].endswith("arbitrary units (the gain has no physical unit).")
    with pytest.raises(bn.MonitorError, match=r"in V \(EEG\), T \(MEG\) or T/m \(MEG gradiometers\); got .* in '1'"):
        to_mne(ds, "tvb")
    # with a moment per source it is volts again, the numbers unchanged by the label
    own = bn.EEG.from_mne(fwd, np.arange(4), CONN, reduce="sum", moment=2e-6)
    assert own.units == "V"
    np.testing.assert_allclose(own.gain, tvb.gain * 2e-6, rtol=1e-12)
