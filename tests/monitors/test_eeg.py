"""EEG / MEG lead fields and monitors against the golden values of shared/reference."""

import brainunit as u
import numpy as np
import pytest

import brainnet_cb as bn
from brainnet_cb.forward import lead_field_infinite, lead_field_meg_sphere, lead_field_sphere, montage
from brainnet_cb.forward.leadfield import MU0, sarvas_field


def _on_sphere(rng, k, radius):
    x = rng.normal(size=(k, 3))
    return radius * x / np.linalg.norm(x, axis=1, keepdims=True)


def test_sphere_and_infinite_medium_match_golden(golden):
    g = golden["eeg_sphere_example"]
    R, sigma, x0, p = g["R"] * 1e3, g["sigma"], np.array(g["dipole_pos"]) * 1e3, g["p_Am"]  # mm
    uV = p * 1e6
    z = np.array([0, 0, 1.0])
    top = [[0, 0, R]]
    np.testing.assert_allclose(lead_field_sphere(top, [x0], z, R, sigma)[0, 0] * uV, g["V_top_radial_uV"], rtol=1e-4)
    np.testing.assert_allclose(lead_field_infinite(top, [x0], z, sigma)[0, 0] * uV, g["V_top_inf_uV"], rtol=1e-4)
    side = [[R, 0, 0]]
    np.testing.assert_allclose(
        lead_field_sphere(side, [x0], z, R, sigma)[0, 0] * uV, g["V_theta90_radial_uV"], rtol=1e-4
    )
    th = np.deg2rad(10)
    e10 = [[R * np.sin(th), 0, R * np.cos(th)]]
    np.testing.assert_allclose(
        lead_field_sphere(e10, [x0], [1.0, 0, 0], R, sigma)[0, 0] * uV, g["V_theta10_tangential_uV"], rtol=1e-4
    )
    # quantities at the boundary: 9 cm, 0.33 S/m
    L = lead_field_sphere(np.array(top) * u.mm, [x0], z, radius=9 * u.cm, sigma=0.33 * u.siemens / u.meter)
    np.testing.assert_allclose(L[0, 0] * uV, g["V_top_radial_uV"], rtol=1e-4)


def test_centre_dipole_is_three_times_the_infinite_medium():
    rng = np.random.default_rng(0)
    sensors = _on_sphere(rng, 50, 90.0)
    p = rng.normal(size=(4, 3))
    centre = np.array([3.0, -7.0, 12.0])
    sph = lead_field_sphere(sensors + centre, np.tile(centre, (4, 1)), p, 90.0, 0.33, centre=centre)
    inf = lead_field_infinite(sensors + centre, np.tile(centre, (4, 1)), p, 0.33)
    np.testing.assert_allclose(sph, 3 * inf, rtol=1e-12)


def test_average_reference_rows_sum_to_zero():
    rng = np.random.default_rng(1)
    x = rng.uniform(-40, 40, size=(6, 3))
    eeg = bn.EEG.sphere(x, "10-10", radius=90.0, centre=[0, 0, 0], orientations=rng.normal(size=(6, 3)))
    L0 = np.asarray(eeg.gain)
    L = eeg.referenced_gain()
    assert L.shape == (61, 6)
    np.testing.assert_allclose(L.sum(axis=0), 0.0, atol=1e-12 * np.abs(L0).max())
    cz = bn.EEG(gain=L0, sensors=eeg.sensors, reference="Cz").referenced_gain()
    assert np.all(cz[eeg.sensors.index("Cz")] == 0)
    np.testing.assert_array_equal(bn.EEG(gain=L0, reference=None).referenced_gain(), L0)


def test_meg_radial_dipole_is_silent_and_volume_currents_add_nothing_radially():
    rng = np.random.default_rng(2)
    sensors = _on_sphere(rng, 40, 110.0)
    src = rng.uniform(-50, 50, size=(5, 3))
    radial = src / np.linalg.norm(src, axis=1, keepdims=True)
    tangential = np.cross(radial, rng.normal(size=(5, 3)))
    L_rad = lead_field_meg_sphere(sensors, src, radial)
    L_tan = lead_field_meg_sphere(sensors, src, tangential)
    assert np.abs(L_rad).max() <= 1e-12 * np.abs(L_tan).max()
    # radial component of the Sarvas field = that of the primary (Biot-Savart) field alone
    r, r0, q = sensors * 1e-3, src * 1e-3, rng.normal(size=(5, 3))
    B = sarvas_field(r, r0, q)
    a = r[:, None, :] - r0[None, :, :]
    B0 = MU0 / (4 * np.pi) * np.cross(q[None], a) / np.linalg.norm(a, axis=-1)[..., None] ** 3
    rhat = r / np.linalg.norm(r, axis=1, keepdims=True)
    Br, B0r = np.einsum("ijk,ik->ij", B, rhat), np.einsum("ijk,ik->ij", B0, rhat)
    np.testing.assert_allclose(Br, B0r, rtol=1e-10, atol=1e-10 * np.abs(B0r).max())
    # the default (radial magnetometer) lead field is that radial component
    qn = q / np.linalg.norm(q, axis=1, keepdims=True)  # orientations are normalised
    Bn = np.einsum("ijk,ik->ij", sarvas_field(r, r0, qn), rhat)
    np.testing.assert_allclose(lead_field_meg_sphere(sensors, src, q), Bn, rtol=1e-10, atol=1e-10 * np.abs(Bn).max())


def test_montages_follow_the_ten_percent_rules():
    labels, pos = montage("10-20", radius=90.0)
    assert len(labels) == 21 and len(set(labels)) == 21
    np.testing.assert_allclose(np.linalg.norm(pos, axis=1), 90.0)
    P = dict(zip(labels, pos / 90.0))
    np.testing.assert_allclose(P["Cz"], [0, 0, 1], atol=1e-15)
    s, c = np.sin(np.deg2rad(18)), np.cos(np.deg2rad(18))
    np.testing.assert_allclose(P["T7"], [-c, 0, s], atol=1e-15)
    np.testing.assert_allclose(P["Fpz"], [0, c, s], atol=1e-15)
    angle = lambda a, b: np.arccos(np.clip(P[a] @ P[b], -1, 1))  # noqa: E731
    assert angle("F7", "F3") == pytest.approx(angle("F3", "Fz"), rel=1e-12)  # F3 halves the F7-Fz arc
    assert angle("T7", "C3") == pytest.approx(np.deg2rad(36)) and angle("Fz", "Cz") == pytest.approx(np.deg2rad(36))
    np.testing.assert_allclose(P["F4"], P["F3"] * [-1, 1, 1])
    labels10, pos10 = montage("10-10", radius=1.0)
    assert len(set(labels10)) == 61 and set(labels) <= set(labels10)
    # TVB frame: x anterior, y left, z up
    _, als = montage("10-20", radius=1.0, axes="ALS")
    np.testing.assert_allclose(als[labels.index("Fpz")], [c, 0, s], atol=1e-15)
    np.testing.assert_allclose(als[labels.index("T7")], [0, c, s], atol=1e-15)


def _conn():
    return bn.Connectome(
        weights=[[0, 1, 0.5], [1, 0, 0.2], [0.3, 1, 0]],
        lengths=[[0, 30, 40], [30, 0, 50], [40, 50, 0]],
        centres=[[-30.0, 10, 40], [30, -10, 35], [0, -40, 20]],
    )


def test_in_scan_eeg_equals_gain_times_the_averaged_source():
    conn = _conn()
    eeg = bn.EEG.sphere(conn, "10-20", radius=90.0)
    meg = bn.MEG.sphere(conn, orientations=[[1.0, 0, 0], [0, 1, 0], [0, 0, 1]], period=2.0)
    bold = bn.Bold(tr=100.0)
    cur = bn.EEG(gain=eeg.gain, sensors=eeg.sensors, variable="synaptic_current", period=0.1, name="eeg_isyn")
    model = bn.CoombesByrne(k=1.5, v_syn=-3.0)
    ds = bn.simulate(model, conn, duration=200.0, dt=0.1, coupling=bn.Linear(G=0.5), noise=bn.Additive(v=0.2),
                     monitors=[bn.Raw(name="raw"), bn.TemporalAverage(1.0), eeg, meg, bold, cur], key=4)
    # one Dataset, each monitor on its own time axis
    assert ds.eeg.dims == ("time_eeg", "sensor") and ds.meg.dims == ("time_meg", "sensor_meg")
    assert ds.sizes["time_eeg"] == 200 and ds.sizes["time_meg"] == 100 and ds.sizes["time_bold"] == 2
    assert ds.eeg.dtype == np.float64 and ds.eeg.attrs["units"] == "V" and ds.meg.attrs["units"] == "T"
    assert list(ds.sensor.values[:3]) == ["Fp1", "Fpz", "Fp2"] and "sensor_x" in ds.eeg.coords
    assert ds.eeg_isyn.dims == ("time_eeg_isyn", "sensor_eeg_isyn")
    expected = ds.v.values @ eeg.referenced_gain().T
    np.testing.assert_allclose(ds.eeg.values, expected, rtol=1e-10, atol=1e-12 * np.abs(expected).max())
    np.testing.assert_allclose(ds.eeg.values.sum(axis=1), 0.0, atol=1e-12 * np.abs(ds.eeg.values).max())
    v2 = ds.v.values.reshape(100, 2, 3).mean(axis=1)
    np.testing.assert_allclose(ds.meg.values, v2 @ np.asarray(meg.gain).T, rtol=1e-10,
                               atol=1e-12 * np.abs(ds.meg.values).max())
    isyn = 1.5 * np.pi * ds.raw_r.values * (-3.0 - ds.raw_v.values)
    np.testing.assert_allclose(ds.eeg_isyn.values, isyn @ eeg.referenced_gain().T, rtol=1e-10,
                               atol=1e-12 * np.abs(ds.eeg_isyn.values).max())


@pytest.mark.parametrize(
    "call,match",
    [
        (lambda: lead_field_sphere([[0, 0, 80]], [[0, 0, 10]], [0, 0, 1], 90.0), r"sensors 0 is inside it, at 80 mm"),
        (lambda: lead_field_sphere([[0, 0, 90]], [[0, 0, 95]], [0, 0, 1], 90.0), r"strictly inside the sphere"),
        (lambda: lead_field_sphere([[0, 0, 90]], [[0, 0, 10]], [0, 0, 1], 90.0, sigma=-0.3),
         r"conductivity sigma must be a finite number > 0.*got -0.3"),
        (lambda: lead_field_infinite([[0, 0, 90]], [[0, 0, 10]], [0, 0, 1], sigma=0.0), r"sigma must be"),
        (lambda: lead_field_sphere([[0, 0, 90]], [[0, 0, 10]], [[0, 0, 1], [1, 0, 0]], 90.0),
         r"orientations must be 'radial' or a finite array of shape \(1, 3\)"),
        (lambda: lead_field_meg_sphere([[0, 0, 30]], [[0, 0, 50]], [1, 0, 0]), r"MEG sensors must lie outside"),
        (lambda: montage("10-5"), r"unknown montage '10-5'; choose one of"),
        (lambda: montage("10-20", axes="XYZ"), r"axes must name the direction"),
        (lambda: bn.EEG(gain=np.ones(5)), r"gain must have shape \(sensors, regions\); got shape \(5,\)"),
        (lambda: bn.EEG(gain=np.ones((2, 3)), sensors=["a", "b", "c"]), r"3 sensor labels for a gain with 2 rows"),
        (lambda: bn.EEG(gain=[[np.nan, np.nan], [1, 2]]), r"rows \[0\] hold NaN"),
        (lambda: bn.EEG(gain=np.ones((2, 3)), reference="Cz"), r"reference must be 'average', None or one of"),
        (lambda: bn.MEG(gain=np.ones((2, 3)), reference="average"), r"MEG has no reference"),
        (lambda: bn.MEG.sphere(_conn()), r"MEG needs dipole orientations"),
        (lambda: bn.EEG.sphere(bn.Connectome(weights=np.eye(2)[::-1], lengths=np.eye(2)[::-1])),
         r"has no region centres"),
    ],
)
def test_bad_forward_inputs_are_refused(call, match):
    with pytest.raises(bn.MonitorError, match=match):
        call()


def test_gain_shape_must_match_the_connectome():
    with pytest.raises(bn.MonitorError, match=r"gain has 4 columns \(regions\) but the connectome has 3 regions"):
        bn.simulate(bn.CoombesByrne(), _conn(), duration=5.0, monitors=[bn.EEG(gain=np.ones((2, 4)))])
    with pytest.raises(bn.MonitorError, match=r"^EEG cannot use the source 'w' with CoombesByrne; choose one of "
                                              r"\('r', 'v', 'coupling', 'synaptic_current'\)\.$"):
        bn.simulate(bn.CoombesByrne(), _conn(), duration=5.0, monitors=[bn.EEG(gain=np.ones((2, 3)), variable="w")])


def test_region_gain_sums_vertices_and_drops_all_nan_sensors():
    from brainnet_cb.forward import region_gain

    P = np.array([[1.0, 2, 3, 4], [np.nan] * 4, [0.5, 0.5, 1, -1]])
    G, kept = region_gain(P, [1, 0, 1, 2], 3)
    np.testing.assert_array_equal(kept, [True, False, True])
    np.testing.assert_array_equal(G, [[2, 4, 4], [0.5, 1.5, -1]])
    with pytest.raises(bn.MonitorError, match=r"region mapping values must lie in \[0, 1\]"):
        region_gain(P, [0, 1, 2, 0], 2)


def test_bundled_tvb76_gain():
    from brainnet_cb.forward import load_gain

    gain, sensors, positions, regions = load_gain("tvb76")
    conn = bn.load_atlas("tvb76")
    assert gain.shape == (63, 76) and len(sensors) == 63 and positions.shape == (63, 3)
    assert regions == conn.labels and np.all(np.isfinite(gain))
    assert "IO1" not in sensors and sensors[-1] == "Cz"
    try:
        from brainnet_cb.forward.atlas import derive_tvb_gain

        ref = derive_tvb_gain()
    except ImportError:
        pytest.skip("tvb-data not installed")
    np.testing.assert_array_equal(gain, ref["gain"])
    assert sensors == tuple(ref["sensors"].tolist())


def test_tvb76_eeg_runs_in_the_scan():
    conn = bn.load_atlas("tvb76")
    eeg = bn.EEG.from_atlas("tvb76", period=1.0)
    sph = bn.EEG.sphere(conn, "10-20", radius=95.0, axes="ALS", name="eeg_sphere")
    ds = bn.simulate(bn.CoombesByrne(), conn, duration=5.0, dt=0.1, monitors=[bn.TemporalAverage(1.0), eeg, sph])
    assert ds.eeg.shape == (5, 63) and ds.eeg_sphere.shape == (5, 21)
    for name, m in (("eeg", eeg), ("eeg_sphere", sph)):  # the lead field times the 1-ms means of v, average-referenced
        y = ds[name].values
        np.testing.assert_allclose(y, ds.v.values @ np.asarray(m.referenced_gain()).T, rtol=0,
                                   atol=1e-12 * np.abs(y).max())  # measured 4e-16 of the largest
        np.testing.assert_allclose(y.sum(axis=1), 0.0, atol=1e-12 * np.abs(y).max())


def test_default_source_is_v_or_the_models_declared_eeg_source():
    from typing import ClassVar

    @bn.node_model
    class Declared(bn.CoombesByrne):
        eeg_source: ClassVar[dict] = {"r": 2.0, "v": -1.0}

    gain = np.array([[1.0, 0.5, -1.0], [0.2, 0.1, 0.3]])
    eeg = bn.EEG(gain=gain, period=0.1, reference=None)
    for model, signal in [(bn.CoombesByrne(), lambda r, v: v), (Declared(), lambda r, v: 2 * r - v)]:
        ds = bn.simulate(model, _conn(), duration=3.0, dt=0.1, monitors=[bn.Raw(name="raw"), eeg])
        np.testing.assert_allclose(ds.eeg.values, signal(ds.raw_r.values, ds.raw_v.values) @ gain.T, rtol=1e-12)
        assert ds.eeg.attrs["source_variable"] == ("v" if signal(0, 1) == 1 else "eeg_source")
