"""EEG against a hand-written float64 reference, and what its units attributes claim about a dimensionless source."""

import numpy as np

import brainnet_cb as bn
from brainnet_cb.monitors.sources import source_units

AREAS = np.array([2000.0, 3000.0, 2500.0])
CONN = bn.Connectome(weights=[[0, 1, 0.5], [1, 0, 0.2], [0.3, 1, 0]], lengths=[[0, 30, 40], [30, 0, 50], [40, 50, 0]],
                     centres=[[-30.0, 10, 40], [30, -10, 35], [0, -40, 20]], areas=AREAS)


def test_eeg_is_the_hand_lead_field_times_the_period_mean_of_v_minus_the_reference_sensor():
    eeg = bn.EEG.infinite(CONN, "10-20", radius=90.0, centre=[0, 0, 0], period=0.5, reference="Cz")
    ds = bn.simulate(bn.CoombesByrne(), CONN, duration=30.0, dt=0.1, noise=bn.Additive(v=0.3), key=3,
                     monitors=[bn.Raw(name="raw"), eeg])
    # p . (x - x0) / (4 pi sigma |x - x0|^3), radial dipoles from the origin, m; moment 1 nA m/mm^2 x area
    x, x0 = np.asarray(eeg.positions) * 1e-3, np.asarray(CONN.centres) * 1e-3
    d = x[:, None] - x0[None]
    n = x0 / np.linalg.norm(x0, axis=1, keepdims=True)
    L = np.einsum("jk,ijk->ij", n, d) / (4 * np.pi * 0.33 * np.linalg.norm(d, axis=-1) ** 3) * AREAS * 1e-9
    v = ds.raw_v.values.reshape(-1, 5, 3).mean(axis=1)  # the 5 steps (t - 0.5 ms, t] of every sample
    y = v @ L.T
    y -= y[:, [eeg.sensors.index("Cz")]]
    assert ds.eeg.dtype == np.float64 and np.array_equal(ds.time_eeg.values, ds.time_raw.values[4::5])
    np.testing.assert_allclose(ds.eeg.values, y, rtol=0, atol=1e-14 * np.abs(y).max())  # measured 3.4e-16


def test_units_attributes_say_the_volts_rest_on_an_assumed_moment_per_unit_of_v():
    mon = [bn.EEG.sphere(CONN, "10-20", radius=90.0, centre=[0, 0, 0]),
           bn.EEG(gain=np.ones((2, 3)), variable="synaptic_current", name="isyn"),
           bn.MEG.sphere(CONN, orientations=[1.0, 0, 0])]
    ds = bn.simulate(bn.CoombesByrne(), CONN, duration=3.0, dt=0.1, monitors=mon)
    a = ds.eeg.attrs
    assert a["units"] == "V" and a["source_variable"] == "v" and a["source_units"] == "1"  # numbers and units unchanged
    assert "current dipole moment per unit of 'v'" in a["comment"]
    assert "'v' has no physical unit: the moment per unit of it is an assumption" in a["comment"]
    assert ds.meg.attrs["units"] == "T" and "output in T scales linearly" in ds.meg.attrs["comment"]
    # k pi r (v_syn - v): a rate of change of v, 1/ms (it was labelled dimensionless)
    b = ds.isyn.attrs
    assert b["units"] == "1" and b["source_units"] == "1/ms" and b["comment"].endswith("arbitrary units "
                                                                                          "(the gain has no physical unit).")
    assert source_units("synaptic_current", bn.CoombesByrne())[0] == "1/ms"
    assert source_units("r", bn.CoombesByrne())[0] == "1/ms" and source_units("v", bn.CoombesByrne())[0] == "1"
