"""FC, FCD, KS distance, FC fit, band-pass and spectra: science checks of the NumPy/SciPy path."""

import numpy as np
import pytest
import xarray as xr
from scipy import signal, stats

import brainnet_cb as bn
from brainnet_cb.analysis.filters import design_bandpass


def _ts(values, dt=1.0, labels=None, unit="s"):
    """A (time, region) series with the time coordinate in ``unit`` (s or ms)."""
    x = bn.as_timeseries(values, dt=dt, labels=labels)
    if unit == "ms":
        x = x.assign_coords(time=("time", x.time.values * 1000.0, {"units": "ms"}))
    return x


def _mixed(rng, cov, n_time):
    """Gaussian series whose population covariance is ``cov`` (mixing by its Cholesky factor)."""
    return rng.standard_normal((n_time, cov.shape[0])) @ np.linalg.cholesky(cov).T


# ----------------------------------------------------------------------------- FC
def test_fc_equals_numpy_corrcoef_on_random_data():
    rng = np.random.default_rng(1)
    v = rng.standard_normal((300, 7)) * rng.uniform(0.5, 20, 7) + rng.uniform(-1e4, 1e4, 7)
    m = bn.fc(_ts(v, labels=list("abcdefg")))
    np.testing.assert_allclose(m.values, np.corrcoef(v.T), rtol=0, atol=1e-12)
    assert m.dims == ("region_i", "region_j")
    assert list(m.region_i.values) == list("abcdefg") == list(m.region_j.values)
    assert m.attrs["units"] == "1" and m.attrs["n_samples"] == 300


def test_fc_keeps_leading_dims_one_matrix_each():
    rng = np.random.default_rng(2)
    v = rng.standard_normal((3, 200, 4))
    x = xr.DataArray(v, dims=("subject", "time", "region"),
                     coords={"subject": ["s1", "s2", "s3"], "region": list("abcd")})
    m = bn.fc(x)
    assert m.dims == ("subject", "region_i", "region_j")
    for k in range(3):
        np.testing.assert_allclose(m.values[k], np.corrcoef(v[k].T), atol=1e-12)
    assert list(m.subject.values) == ["s1", "s2", "s3"]


def test_fc_recovers_a_known_correlation_of_mixed_gaussian_series():
    target = np.array([[1.0, 0.6, -0.3, 0.0],
                       [0.6, 1.0, 0.2, 0.1],
                       [-0.3, 0.2, 1.0, 0.5],
                       [0.0, 0.1, 0.5, 1.0]])
    scales = np.array([1.0, 3.0, 0.2, 50.0])
    cov = target * np.outer(scales, scales)
    v = _mixed(np.random.default_rng(3), cov, 40_000)
    m = bn.fc(_ts(v))
    # sampling error of r is (1 - r^2) / sqrt(T) <= 0.005; 0.02 is four standard errors
    np.testing.assert_allclose(m.values, target, atol=0.02)


def test_fc_discard_drops_the_transient_relative_to_the_first_sample():
    rng = np.random.default_rng(4)
    v = rng.standard_normal((100, 3))
    v[:10] += 100 * np.arange(10)[:, None]       # a shared transient makes everything correlated
    x = _ts(v, dt=0.5, unit="ms").assign_coords(time=("time", 500 + 0.5 * np.arange(100), {"units": "ms"}))
    m = bn.fc(x, discard=0.005)                   # 5 ms = 10 samples
    assert m.attrs["n_samples"] == 90
    np.testing.assert_allclose(m.values, np.corrcoef(v[10:].T), atol=1e-12)
    assert bn.fc(x).values[0, 1] > 0.9


def test_fc_fisher_z_transforms_off_diagonal_and_blanks_the_diagonal():
    rng = np.random.default_rng(5)
    x = _ts(rng.standard_normal((100, 3)))
    r, z = bn.fc(x), bn.fc(x, fisher_z=True)
    off = ~np.eye(3, dtype=bool)
    np.testing.assert_allclose(z.values[off], np.arctanh(r.values[off]), atol=1e-14)
    assert np.isnan(np.diag(z.values)).all()


def test_fc_with_band_equals_correlation_of_the_filtered_series():
    rng = np.random.default_rng(6)
    v = np.cumsum(rng.standard_normal((600, 4)), axis=0)
    x = _ts(v, dt=0.72)
    sos = design_bandpass((0.01, 0.1), 1 / 0.72, 2)
    want = np.corrcoef(signal.sosfiltfilt(sos, v[14:], axis=0).T)  # 10 s = 13.9 -> 14 samples
    m = bn.fc(x, band=True, discard=10.0)
    np.testing.assert_allclose(m.values, want, atol=1e-12)
    assert m.attrs["band_hz"] == [0.01, 0.1]


def test_neural_time_in_ms_and_bold_time_in_s_give_the_same_results():
    rng = np.random.default_rng(7)
    v = rng.standard_normal((800, 4)) + np.sin(np.arange(800) / 20)[:, None]
    xs, xms = _ts(v, dt=0.01), _ts(v, dt=0.01, unit="ms")
    xr.testing.assert_allclose(bn.fc(xs, band=(1, 5), discard=0.5), bn.fc(xms, band=(1, 5), discard=0.5))
    np.testing.assert_allclose(bn.fcd(xs, window=1.0, step=0.5).values,
                               bn.fcd(xms, window=1.0, step=0.5).values, atol=1e-14)
    np.testing.assert_allclose(bn.spectrum(xs).values, bn.spectrum(xms).values, atol=1e-14)
    np.testing.assert_allclose(bn.bandpass(xs, (1, 5)).values, bn.bandpass(xms, (1, 5)).values, atol=1e-14)


# ----------------------------------------------------------------------------- band-pass
def _gain_and_phase(y, t, f):
    """Least-squares amplitude and phase of a sinusoid of frequency f in y(t)."""
    basis = np.stack([np.sin(2 * np.pi * f * t), np.cos(2 * np.pi * f * t)], axis=1)
    (a, b), *_ = np.linalg.lstsq(basis, y, rcond=None)
    return np.hypot(a, b), np.arctan2(b, a)


@pytest.mark.parametrize("order", [1, 2, 4])
def test_bandpass_gain_on_sinusoids_matches_the_filter_design(order):
    tr, n = 0.72, 30_000                            # 6 hours of BOLD at TR 0.72 s
    t = tr * np.arange(n)
    freqs = np.array([0.002, 0.005, 0.01, 0.02, 0.0316, 0.05, 0.1, 0.15, 0.3, 0.6])
    v = np.sin(2 * np.pi * freqs[None, :] * t[:, None] + 0.3)
    y = bn.bandpass(_ts(v, dt=tr), (0.01, 0.1), order=order).values
    mid = slice(n // 4, 3 * n // 4)                 # away from the edge transients
    sos = design_bandpass((0.01, 0.1), 1 / tr, order)
    _, h = signal.sosfreqz(sos, worN=freqs, fs=1 / tr)
    for k, f in enumerate(freqs):
        gain, phase = _gain_and_phase(y[mid, k], t[mid], f)
        assert gain == pytest.approx(abs(h[k]) ** 2, abs=2e-3), f"f = {f} Hz"
        if gain > 0.1:                              # zero phase: the output is in phase
            assert phase == pytest.approx(_gain_and_phase(v[mid, k], t[mid], f)[1], abs=1e-2)
    # design facts: -6 dB (gain 1/2) at both edges, ~1 inside, strong stop bands
    g = {f: _gain_and_phase(y[mid, k], t[mid], f)[0] for k, f in enumerate(freqs)}
    assert g[0.01] == pytest.approx(0.5, abs=3e-3) and g[0.1] == pytest.approx(0.5, abs=3e-3)
    assert g[0.0316] > 0.95
    if order >= 2:
        assert g[0.002] < 0.01 and g[0.6] < 0.01


def test_bandpass_keeps_dims_coords_and_records_the_band():
    x = _ts(np.random.default_rng(8).standard_normal((200, 2)), dt=0.72, labels=["L", "R"])
    y = bn.bandpass(x)
    assert y.dims == x.dims and list(y.region.values) == ["L", "R"]
    assert y.attrs["band_hz"] == [0.01, 0.1] and y.attrs["filter_order"] == 2


# ----------------------------------------------------------------------------- FCD
def test_fcd_of_a_signal_whose_correlation_switches_halfway():
    rng = np.random.default_rng(9)
    a = np.eye(6)
    a[:3, :3] = 0.8
    np.fill_diagonal(a, 1.0)
    b = np.eye(6)
    b[3:, 3:] = 0.8
    np.fill_diagonal(b, 1.0)
    v = np.concatenate([_mixed(rng, a, 1000), _mixed(rng, b, 1000)])
    d = bn.fcd(_ts(v, dt=0.5), window=100.0, step=25.0)          # 200 samples, step 50
    assert d.attrs["window_samples"] == 200 and d.attrs["step_samples"] == 50
    centres = d.window_i.values                                    # s
    first = centres + 50 <= 500                                    # windows inside the first half
    second = centres - 50 >= 500
    m = d.values
    assert m[np.ix_(first, first)].min() > 0.8
    assert m[np.ix_(second, second)].min() > 0.8
    # the two halves' upper triangles have disjoint correlated pairs: r = -0.25 in theory
    assert m[np.ix_(first, second)].max() < 0.2                  # far below the within-half 0.8
    assert np.mean(m[np.ix_(first, second)]) == pytest.approx(-0.25, abs=0.08)


def test_fcd_of_a_stationary_signal_is_near_constant():
    rng = np.random.default_rng(10)
    q = rng.standard_normal((8, 8))
    cov = q @ q.T + 0.5 * np.eye(8)
    d = bn.fcd(_ts(_mixed(rng, cov, 6000), dt=1.0), window=600, step=100)
    off = d.values[np.triu_indices(d.sizes["window_i"], k=1)]
    assert off.min() > 0.9 and off.std() < 0.03


def test_fcd_windows_in_samples_and_centres():
    v = np.random.default_rng(11).standard_normal((50, 4))
    x = _ts(v, dt=2.0)
    d = bn.fcd(x, window_samples=10, step_samples=5)
    starts = np.arange(0, 41, 5)
    assert d.sizes["window_i"] == starts.size
    np.testing.assert_allclose(d.window_i.values, 2.0 * (starts + 4.5))
    assert d.window_i.attrs["units"] == "s"
    iu = np.triu_indices(4, k=1)
    ups = np.array([np.corrcoef(v[s:s + 10].T)[iu] for s in starts])
    np.testing.assert_allclose(d.values, np.corrcoef(ups), atol=1e-12)
    xr.testing.assert_identical(d, bn.fcd(x, window=20.0, step=10.0).assign_attrs(d.attrs))


# ----------------------------------------------------------------------------- KS and FC fit
def test_ks_distance_equals_scipy_statistic_on_upper_triangles():
    rng = np.random.default_rng(12)
    a = np.corrcoef(rng.standard_normal((30, 40)))
    b = np.corrcoef(rng.standard_normal((25, 60)))
    iu_a, iu_b = np.triu_indices(30, 1), np.triu_indices(25, 1)
    want = stats.ks_2samp(a[iu_a], b[iu_b]).statistic
    assert float(bn.ks_distance(a, b)) == pytest.approx(want, abs=1e-15)
    want3 = stats.ks_2samp(a[np.triu_indices(30, 3)], b[np.triu_indices(25, 3)]).statistic
    assert float(bn.ks_distance(a, b, k=3)) == pytest.approx(want3, abs=1e-15)


def test_ks_distance_identical_zero_disjoint_one_shifted_as_theory():
    rng = np.random.default_rng(13)
    s = rng.standard_normal(20_000)
    assert float(bn.ks_distance(s, s)) == 0.0
    assert float(bn.ks_distance(s, s + 20)) == 1.0
    # N(0,1) vs N(delta,1): D = Phi(delta/2) - Phi(-delta/2)
    delta = 0.5
    other = rng.standard_normal(20_000) + delta
    want = stats.norm.cdf(delta / 2) - stats.norm.cdf(-delta / 2)
    assert float(bn.ks_distance(s, other)) == pytest.approx(want, abs=0.02)


def test_ks_distance_batches_over_leading_dims():
    rng = np.random.default_rng(14)
    batch = xr.DataArray(np.stack([np.corrcoef(rng.standard_normal((10, 30))) for _ in range(3)]),
                         dims=("G", "window_i", "window_j"), coords={"G": [0.1, 0.2, 0.3]})
    ref = np.corrcoef(rng.standard_normal((12, 30)))
    d = bn.ks_distance(batch, ref)
    assert d.dims == ("G",)
    for k in range(3):
        assert float(d[k]) == float(bn.ks_distance(batch.values[k], ref))


def test_fc_fit_is_pearson_and_rmse_of_upper_triangles():
    rng = np.random.default_rng(15)
    a = np.corrcoef(rng.standard_normal((6, 50)))
    b = np.corrcoef(rng.standard_normal((6, 50)))
    iu = np.triu_indices(6, 1)
    fit = bn.fc_fit(a, b)
    assert float(fit.corr) == pytest.approx(np.corrcoef(a[iu], b[iu])[0, 1], abs=1e-14)
    assert float(fit.rmse) == pytest.approx(np.sqrt(np.mean((a[iu] - b[iu]) ** 2)), abs=1e-14)
    z = bn.fc_fit(a, b, fisher_z=True)
    za, zb = np.arctanh(a[iu]), np.arctanh(b[iu])
    assert float(z.corr) == pytest.approx(np.corrcoef(za, zb)[0, 1], abs=1e-14)
    assert float(z.rmse) == pytest.approx(np.sqrt(np.mean((za - zb) ** 2)), abs=1e-14)
    assert float(bn.fc_fit(a, a).corr) == pytest.approx(1.0, abs=1e-14)


def test_fc_fit_matches_labelled_matrices_by_label_and_batches():
    rng = np.random.default_rng(16)
    labels = [f"r{k}" for k in range(5)]
    sims = np.stack([np.corrcoef(rng.standard_normal((5, 40))) for _ in range(2)])
    emp = np.corrcoef(rng.standard_normal((5, 40)))
    sim = xr.DataArray(sims, dims=("G", "region_i", "region_j"),
                       coords={"G": [1.0, 2.0], "region_i": labels, "region_j": labels})
    perm = [3, 0, 4, 1, 2]
    emp_perm = xr.DataArray(emp[np.ix_(perm, perm)], dims=("region_i", "region_j"),
                            coords={"region_i": [labels[p] for p in perm],
                                    "region_j": [labels[p] for p in perm]})
    fit = bn.fc_fit(sim, emp_perm)
    assert fit.corr.dims == ("G",)
    for k in range(2):
        assert float(fit.corr[k]) == pytest.approx(float(bn.fc_fit(sims[k], emp).corr), abs=1e-14)


# ----------------------------------------------------------------------------- spectra
def test_welch_peak_of_a_known_sinusoid_in_neural_time_units():
    rng = np.random.default_rng(17)
    dt_ms = 1.0
    t = np.arange(10_000) * dt_ms * 1e-3                      # 10 s at 1 kHz
    v = np.stack([np.sin(2 * np.pi * 10 * t), 2 * np.sin(2 * np.pi * 23.3 * t)], axis=1)
    v += 0.5 * rng.standard_normal(v.shape)
    x = _ts(v, dt=1e-3, unit="ms", labels=["a", "b"])
    peak = bn.peak_frequency(x, segment=1.0)                  # 1 Hz resolution
    assert peak.dims == ("region",) and peak.attrs["units"] == "Hz"
    assert float(peak.sel(region="a")) == 10.0
    assert abs(float(peak.sel(region="b")) - 23.3) <= 0.5      # within the resolution
    psd = bn.spectrum(x, segment=1.0)
    assert psd.dims == ("frequency", "region") and psd.frequency.attrs["units"] == "Hz"
    # Parseval: the PSD integrates to the variance (A^2 / 2 + noise 0.25)
    df = float(psd.frequency[1] - psd.frequency[0])
    np.testing.assert_allclose(psd.sum("frequency").values * df, [0.5 + 0.25, 2.0 + 0.25], rtol=0.05)
    assert float(bn.peak_frequency(psd, band=(15, 30)).sel(region="a")) != 10.0


# ----------------------------------------------------------------------------- bad input
def _good():
    return _ts(np.random.default_rng(0).standard_normal((100, 4)), dt=0.72, labels=list("abcd"))


def _no_units():
    x = _good()
    x.time.attrs.clear()
    return x


def _bad_cases():
    g = _good()
    const = g.copy(data=g.values.copy())
    const.values[:, 2] = 3.0
    nan = g.copy(data=g.values.copy())
    nan.values[5, 1] = np.nan
    times = 0.72 * np.arange(100)
    times[50:] += 0.1                               # one gap of 0.82 s
    uneven = g.assign_coords(time=("time", times, {"units": "s"}))
    asym = np.eye(4)
    asym[0, 1] = 0.5
    return [
        (lambda: bn.fc(g.values), r"x must be an xarray.DataArray with dims \(\.\.\., time, region\); got ndarray"),
        (lambda: bn.fc(g.to_dataset(name="bold")), r"got a Dataset with variables \['bold'\]"),
        (lambda: bn.fc(g.rename(time="t")), r"no dimension whose name starts with 'time'"),
        (lambda: bn.fc(g.rename(region="roi")), r"none of \('region', 'sensor', 'channel'\)"),
        (lambda: bn.fc(const), r"region 'c' of x is constant over the samples used"),
        (lambda: bn.fc(nan), r"x must be finite; got nan at \[time=5, region=1\]"),
        (lambda: bn.fc(g, discard=100.0), r"discard=100 s leaves no samples: x spans 71.28 s"),
        (lambda: bn.fc(g, discard=-1.0), r"discard must be a finite, non-negative duration in s; got -1.0"),
        (lambda: bn.fc(_no_units(), band=True), r"has no 'units' attribute; expected 'ms' or 's'"),
        (lambda: bn.fc(g.assign_coords(time=g.time.assign_attrs(units="min")), band=True),
         r"has units 'min'; expected 'ms' or 's'"),
        (lambda: bn.fc(uneven, band=True), r"must be sampled uniformly along 'time'"),
        (lambda: bn.fc(g, band=(0.01, 1.0)),
         r"band must satisfy 0 < low < high < Nyquist frequency; got band=\(0.01, 1\) Hz and Nyquist = 0.694444 Hz"),
        (lambda: bn.fc(g, band=(0.1, 0.01)), r"got band=\(0.1, 0.01\) Hz"),
        (lambda: bn.fc(g, band="bold"), r"band must be a pair \(low, high\) in Hz"),
        (lambda: bn.fc(g.isel(time=slice(0, 12)), band=True),
         r"x has 12 samples, too few for the zero-phase band-pass: it pads 15 samples"),
        (lambda: bn.fc(g, band=True, order=0), r"order must be a positive integer"),
        (lambda: bn.fc(g, fisher_z="yes"), r"fisher_z must be True or False; got 'yes'"),
        (lambda: bn.fcd(g, window=100.0),
         r"window of 139 samples \(100.08 s\) is longer than the series: 100 samples \(72 s\)"),
        (lambda: bn.fcd(g, window=30, window_samples=10), r"give window either in seconds"),
        (lambda: bn.fcd(g, window_samples=0), r"window_samples must be a positive integer"),
        (lambda: bn.fcd(g, window=0.1), r"window=0.1 s is shorter than one sample \(dt = 0.72 s\)"),
        (lambda: bn.fcd(g, window_samples=2), r"window must cover at least 3 samples"),
        (lambda: bn.fcd(g, window_samples=100), r"give 1 window on a series of 100 samples; FCD needs at least 2"),
        (lambda: bn.fcd(g.isel(region=[0, 1]), window_samples=10), r"FCD needs at least 3 regions"),
        (lambda: bn.ks_distance(np.ones((3, 4)), np.ones(5)), r"a must be a square matrix .* got shape \(3, 4\)"),
        (lambda: bn.ks_distance(np.ones(3), [np.nan, 1.0]), r"b must be finite"),
        (lambda: bn.ks_distance(np.ones(3), np.ones((2, 3, 3))), r"b must be one matrix"),
        (lambda: bn.ks_distance(np.ones(3), np.ones(3), k=0), r"k must be a positive integer"),
        (lambda: bn.ks_distance(np.eye(2), np.eye(3), k=2), r"a gives no values: shape \(2, 2\) with k=2"),
        (lambda: bn.fc_fit(np.eye(4), np.ones((4, 3))), r"empirical must be a square FC matrix of shape \(n, n\); got shape \(4, 3\)"),
        (lambda: bn.fc_fit(np.eye(4), asym),
         r"empirical must be symmetric \(FC\[i, j\] == FC\[j, i\]\); the largest difference is 0.5 at \(0, 1\)"),
        (lambda: bn.fc_fit(np.eye(4), np.eye(5)), r"simulated FC has 4 regions but empirical FC has 5"),
        (lambda: bn.fc_fit(np.eye(2), np.eye(2)), r"simulated has 2 regions; an FC fit needs at least 3"),
        (lambda: bn.fc_fit(np.eye(4), np.eye(4)), r"empirical FC has identical off-diagonal values"),
        (lambda: bn.fc_fit(np.full((4, 4), np.nan), asym), r"simulated must be finite"),
        (lambda: bn.fc_fit(bn.fc(g), bn.fc(g).assign_coords(region_i=list("abcx"), region_j=list("abcx"))),
         r"empirical is labelled by region, but its labels are not the simulated FC's 4 regions once each "
         r"\(4 labels; unknown \['x'\], missing \['d'\], repeated \[\]\); align it first \(bn.align"),
        (lambda: bn.fc_fit(np.ones((4, 4)) * 0.5 + 0.5 * np.eye(4), bn.fc(g), fisher_z=False),
         r"simulated FC has identical off-diagonal values"),
        (lambda: bn.fc_fit(np.ones((4, 4)), bn.fc(g), fisher_z=True), r"simulated FC has off-diagonal correlations of ±1"),
        (lambda: bn.spectrum(g, segment_samples=1), r"segment of 1 samples must be between 2 and the series length 100"),
        (lambda: bn.spectrum(g, detrend="quadratic"), r"detrend must be 'constant', 'linear' or False"),
        (lambda: bn.peak_frequency(g, band=(5, 6)), r"no frequency of the spectrum lies in band=\(5, 6\)"),
        (lambda: bn.peak_frequency(bn.spectrum(g), segment=10), r"x is already a spectrum"),
        (lambda: bn.fisher_z(np.full((3, 3), 2.0)), r"fisher_z needs correlations in \[-1, 1\]"),
    ]


@pytest.mark.parametrize("call, message", _bad_cases(), ids=lambda v: "" if callable(v) else v[:40])
def test_bad_input_is_refused_with_a_clear_message(call, message):
    with pytest.raises(bn.AnalysisError, match=message):
        call()
