"""The analysis layer against independent references (NumPy, SciPy, networkx, hand formulas), float64."""

import warnings

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy import signal, stats

import brainnet_cb as bn
from brainnet_cb.analysis import jax_twins as aj
from brainnet_cb.errors import AnalysisError

DT = 0.72


def _series(seed=0, T=600, n=5):
    rng = np.random.default_rng(seed)
    v = rng.standard_normal((T, n)).cumsum(0) + rng.standard_normal((T, n))
    return v, bn.as_timeseries(v, dt=DT)


def test_fc_discard_band_gsr_match_numpy_scipy():
    v, x = _series()
    vd = v[np.arange(len(v)) * DT >= 20]  # discard 20 s: 28 samples at TR 0.72 s
    assert bn.fc(x, discard=20).attrs["n_samples"] == len(vd) == 572
    np.testing.assert_allclose(bn.fc(x, discard=20).values, np.corrcoef(vd.T), rtol=0, atol=1e-12)
    sos = signal.butter(2, [0.01, 0.1], btype="bandpass", fs=1 / DT, output="sos")
    vf = signal.sosfiltfilt(sos, vd, axis=0)
    np.testing.assert_allclose(bn.fc(x, discard=20, band=True).values, np.corrcoef(vf.T), rtol=0, atol=1e-12)
    g = vf.mean(1)
    beta = np.linalg.lstsq(np.c_[g, np.ones_like(g)], vf, rcond=None)[0][0]
    res = vf - np.outer(g, beta)
    np.testing.assert_allclose(bn.fc(x, discard=20, band=True, global_signal=True).values, np.corrcoef(res.T),
                               rtol=0, atol=1e-12)


def test_fc_fit_missing_pairs_and_fisher_z_by_hand():
    rng = np.random.default_rng(3)
    a, b = (np.corrcoef(rng.standard_normal((50, 6)).T) for _ in range(2))
    iu = np.triu_indices(6, 1)
    bm = b.copy()
    bm[1, 3] = bm[3, 1] = bm[0, 5] = bm[5, 0] = np.nan
    keep = ~np.isnan(bm[iu])
    fit = bn.fc_fit(a, bm)
    assert fit.attrs["n_pairs"] == 13
    assert float(fit.corr) == pytest.approx(np.corrcoef(a[iu][keep], b[iu][keep])[0, 1], abs=1e-12)
    assert float(fit.rmse) == pytest.approx(np.sqrt(((a[iu][keep] - b[iu][keep]) ** 2).mean()), abs=1e-12)
    za, zb = np.arctanh(a[iu]), np.arctanh(b[iu])
    fz = bn.fc_fit(a, b, fisher_z=True)
    assert float(fz.corr) == pytest.approx(np.corrcoef(za, zb)[0, 1], abs=1e-12)
    assert float(fz.rmse) == pytest.approx(np.sqrt(((za - zb) ** 2).mean()), abs=1e-12)


def test_fcd_windows_and_ks_match_corrcoef_and_ks_2samp():
    v, x = _series(T=400)
    d = bn.fcd(x, window_samples=50, step_samples=7)
    starts = np.arange(0, 400 - 50 + 1, 7)
    iu = np.triu_indices(5, 1)
    ups = np.array([np.corrcoef(v[s:s + 50].T)[iu] for s in starts])
    np.testing.assert_allclose(d.values, np.corrcoef(ups), rtol=0, atol=1e-12)
    np.testing.assert_allclose(d.window_i.values, (starts + 24.5) * DT, rtol=0, atol=1e-12)
    ds = bn.fcd(x, window=36.0, step=5.04)  # 50 and 7 samples
    assert (ds.attrs["window_samples"], ds.attrs["step_samples"]) == (50, 7)
    np.testing.assert_array_equal(ds.values, d.values)
    _, y = _series(seed=1, T=300)
    e = bn.fcd(y, window_samples=50, step_samples=7).values
    for k in (1, 8):
        want = stats.ks_2samp(d.values[np.triu_indices(len(d), k)], e[np.triu_indices(len(e), k)]).statistic
        assert float(bn.ks_distance(d, e, k=k)) == want


def test_spectrum_is_welch_density_and_peak():
    rng = np.random.default_rng(4)
    x = bn.as_timeseries(rng.standard_normal((1000, 3)), dt=1e-3)
    for kw, L in (({"segment_samples": 200}, 200), ({}, 256)):
        f, p = signal.welch(x.values, fs=1000, nperseg=L, axis=0)
        s = bn.spectrum(x, **kw)
        np.testing.assert_array_equal(s.frequency.values, f)
        np.testing.assert_allclose(s.values, p, rtol=1e-12, atol=0)
    t = np.arange(4000) * 1e-3
    two = bn.as_timeseries(np.c_[np.sin(2 * np.pi * 12 * t), np.sin(2 * np.pi * 40 * t)], dt=1e-3)
    np.testing.assert_array_equal(bn.peak_frequency(two, segment=1.0).values, [12.0, 40.0])


def test_graph_metrics_by_hand():
    rng = np.random.default_rng(2)
    w = rng.random((6, 6)) * (rng.random((6, 6)) < 0.6)
    np.fill_diagonal(w, 0.3)  # self-loops are no edges
    conn = bn.Connectome(weights=w, lengths=rng.random((6, 6)) * 50 + 1, labels=tuple(f"r{i}" for i in range(6)))
    m = bn.graph_metrics(conn)
    w0 = w - np.diag(np.diag(w))
    np.testing.assert_allclose(m.in_strength.values, w0.sum(1), rtol=0, atol=1e-12)
    np.testing.assert_allclose(m.out_strength.values, w0.sum(0), rtol=0, atol=1e-12)
    # Fagiolo (2007) directed weighted clustering with w / max(w)
    wh = (w0 / w0.max()) ** (1 / 3)
    a = (w0 > 0).astype(float)
    s = wh + wh.T
    dtot, dbi = a.sum(0) + a.sum(1), (a * a.T).sum(1)
    hand = np.nan_to_num(np.diag(s @ s @ s) / 2 / (dtot * (dtot - 1) - 2 * dbi))
    np.testing.assert_allclose(m.clustering.values, hand, rtol=0, atol=1e-12)


def test_jax_twins_equal_numpy_to_1e_10():
    assert jax.config.jax_enable_x64  # conftest: float64
    rng = np.random.default_rng(1)
    v = rng.standard_normal((300, 4)).cumsum(0)
    x = bn.as_timeseries(v, dt=DT)
    np.testing.assert_allclose(aj.bandpass(jnp.asarray(v), DT), bn.bandpass(x).values, rtol=0, atol=1e-10)
    np.testing.assert_allclose(aj.fc(jnp.asarray(v)), bn.fc(x).values, rtol=0, atol=1e-12)
    sos = signal.butter(2, [0.01, 0.1], btype="bandpass", fs=1 / DT, output="sos")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # 16 samples: shorter than the band's slowest period
        short = aj.bandpass(jnp.asarray(v[:16]), DT)  # one sample more than the edge padding
    np.testing.assert_allclose(short, signal.sosfiltfilt(sos, v[:16], axis=0), rtol=0, atol=1e-10)
    emp = np.corrcoef(rng.standard_normal((50, 4)).T)
    fit = bn.fc_fit(bn.fc(x).values, emp)
    c, r = aj.fc_fit(aj.fc(jnp.asarray(v)), emp)
    assert abs(float(c) - float(fit.corr)) < 1e-12 and abs(float(r) - float(fit.rmse)) < 1e-12


def test_constant_region_is_refused_after_a_band_pass():
    # it band-passed to round-off (~1e-28) and correlated: fc gave r = 0.35 with region 0 instead of an error
    v, _ = _series(T=200, n=4)
    v[:, 2] = 3.0
    x = bn.as_timeseries(v, dt=DT)
    msg = "region 2 of x is constant over the samples used, so its correlation is undefined (1 constant series)."
    for kw in ({"band": True}, {"band": True, "global_signal": True}):
        with pytest.raises(AnalysisError, match=msg.replace("(", r"\(").replace(")", r"\)")):
            bn.fc(x, **kw)
    with pytest.raises(AnalysisError, match="region 2 of a window of x is constant over the samples used"):
        bn.fcd(x, window_samples=100, step_samples=50, band=True)
    np.testing.assert_allclose(bn.bandpass(x).values[:, 2], 0.0, rtol=0, atol=3.0 * 1e-15)  # the filter itself is fine


def test_jax_bandpass_names_a_bad_axis():
    with pytest.raises(AnalysisError, match=r"axis=-2 is not an axis of x \(shape \(40,\)\).*pass axis=0"):
        aj.bandpass(np.zeros(40), DT)


def test_peak_frequency_refuses_a_constant_region():
    # its spectrum is 0 everywhere and idxmax returned the first frequency above 0 (0.00694 Hz at TR 0.72 s)
    v = np.random.default_rng(0).standard_normal((200, 4))
    v[:, 2] = 0.1
    x = bn.as_timeseries(v, dt=DT, labels=["a", "b", "c", "d"])
    msg = (r"region c has no power in band=\(0.1, 0.3\) Hz \(a constant region's spectrum is 0\), so its peak "
           r"frequency is undefined \(1 such series\)\. Drop it")
    with pytest.raises(AnalysisError, match=msg):
        bn.peak_frequency(x, band=(0.1, 0.3))
    with pytest.raises(AnalysisError, match=r"^region c has no power above 0 Hz \(a constant region's spectrum is "
                                            r"0\), so its peak frequency is undefined \(1 such series\)\. Drop it, "
                                            r"or check that the simulation is not at a fixed point \(add noise\)\.$"):
        bn.peak_frequency(bn.spectrum(x))
    peaks = bn.peak_frequency(x.isel(region=[0, 1, 3]))
    np.testing.assert_allclose(peaks.values, [0.22222222, 0.34722222, 0.17361111], rtol=0, atol=1e-8)
