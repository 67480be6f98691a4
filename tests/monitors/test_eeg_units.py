"""EEG/MEG in physical units: region dipole moment = current density x area (Murakami & Okada 2015)."""

import numpy as np
import pytest

import brainnet_cb as bn
from brainnet_cb.forward import lead_field_meg_sphere, lead_field_sphere
from brainnet_cb.forward.atlas import calibrated_gain, load_gain
from brainnet_cb.forward.dipoles import CORTEX_AREA_MM2, region_moments

CONN = bn.Connectome(weights=[[0, 1], [1, 0]], lengths=[[0, 30], [30, 0]], centres=[[-30, 0, 40], [30, 0, 40]],
                     areas=[2500.0, 4000.0], orientations=[[0, 0, 1.0], [1.0, 0, 0]])


def test_sphere_gain_is_the_lead_field_times_density_times_area(golden):
    eeg = bn.EEG.sphere(CONN, "10-20", radius=90.0, sigma=0.33)
    centre = np.asarray(CONN.centres).mean(axis=0)
    L = lead_field_sphere(np.asarray(eeg.positions), CONN.centres, CONN.orientations, 90.0, 0.33, centre)
    np.testing.assert_allclose(eeg.gain, L * np.array([2.5e-6, 4e-6]), rtol=1e-14)  # 1 nA m/mm^2 x area
    assert eeg.units == "V"
    half = bn.EEG.sphere(CONN, "10-20", radius=90.0, current_density=0.5)
    np.testing.assert_allclose(half.gain, eeg.gain / 2, rtol=1e-14)
    # the reference value: a 10 nA m radial dipole 2 cm under the top electrode gives 13.3969 uV
    one = bn.EEG.sphere([[0, 0, 70.0]], (["top"], [[0, 0, 90.0]]), radius=90.0, centre=[0, 0, 0],
                        orientations=[[0, 0, 1.0]], moment=1e-8, reference=None)
    assert one.gain[0, 0] * 1e6 == pytest.approx(golden["eeg_sphere_example"]["V_top_radial_uV"], rel=1e-4)


def test_meg_is_in_tesla_and_regions_without_area_get_the_mean_cortical_area():
    meg = bn.MEG.sphere(CONN)
    L = lead_field_meg_sphere(np.asarray(meg.positions), CONN.centres, CONN.orientations,
                              centre=np.asarray(CONN.centres).mean(axis=0))
    np.testing.assert_allclose(meg.gain, L * np.array([2.5e-6, 4e-6]), rtol=1e-14)
    assert meg.units == "T"
    np.testing.assert_allclose(region_moments(4), CORTEX_AREA_MM2 / 4 * 1e-9)
    with pytest.raises(bn.MonitorError, match=r"current_density must be a number > 0 \(nA·m/mm²"):
        bn.EEG.sphere(CONN, current_density=-1.0)
    with pytest.raises(bn.MonitorError, match=r"moment must be a finite number or one value per region \(shape \(2,"):
        bn.EEG.sphere(CONN, moment=[1.0, 2.0, 3.0])


def test_the_atlas_gain_is_calibrated_to_volts_per_ampere_metre():
    gain, factor, corr = calibrated_gain("tvb76")
    raw = load_gain("tvb76")[0]
    assert factor == pytest.approx(0.02944, rel=1e-3) and corr > 0.6
    eeg = bn.EEG.from_atlas("tvb76")
    areas = bn.load_atlas("tvb76").areas
    np.testing.assert_allclose(eeg.gain, factor * raw * areas * 1e-9, rtol=1e-12)
    assert eeg.units == "V" and bn.EEG.from_atlas("tvb76", physical=False).units == "a.u."


def test_default_resting_eeg_is_tens_of_microvolts_and_meg_femto_to_picotesla():
    conn = bn.load_atlas("tvb76")
    ds = bn.simulate(bn.CoombesByrne(), conn, duration=3000.0, dt=0.1, coupling=bn.Linear(G=1.0), speed=3.0,
                     noise=bn.Additive(v=0.3), key=0,
                     monitors=[bn.EEG.from_atlas("tvb76", period=5.0), bn.MEG.sphere(conn, axes="ALS", period=5.0)])
    eeg_sd = ds.eeg.values[200:].std(axis=0).mean()
    meg_sd = ds.meg.values[200:].std(axis=0).mean()
    assert 10e-6 < eeg_sd < 100e-6, eeg_sd  # measured 35 uV over 20 s
    assert 1e-15 < meg_sd < 1e-11, meg_sd  # measured 1.5 pT
