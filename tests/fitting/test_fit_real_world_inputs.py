"""fit_working_point and ``brainnet-cb fit`` on the FC files real pipelines write: a region without signal (its
row written as empty cells by pandas, or filled with 0), an FC rounded to a few decimals from an asymmetric
float32 copy."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd
import pytest

import brainnet_cb as bn
from brainnet_cb import cli
from brainnet_cb.data.fit_target import target_fc
from brainnet_cb.errors import FitError

#: The linear stage alone, on the structural weights with a uniform noise: seconds on 20 regions.
LINEAR = dict(values=[-2.0], fractions=[0.8, 0.9, 1.0, 1.1, 1.2], weight_exponents=[1.0], homotopic_weights=[1.0],
              simulate=False, effective_connectivity=False, regional_noise=False, progress=False)


@pytest.fixture(scope="module")
def hcp():
    return bn.load_empirical("hcp80")


def _sub(hcp, n=20):
    """The first ``n`` regions of hcp80 and their fit FC (a labelled DataArray)."""
    labels = list(hcp.connectome.labels[:n])
    return hcp.connectome.subset(labels), hcp.fc_fit.sel(region_i=labels, region_j=labels)


def test_a_region_without_signal_written_by_pandas_as_empty_cells_is_read_as_missing_pairs(hcp, tmp_path):
    """pandas' to_csv writes NaN as an empty cell: read_fc(missing=True) refused it ("an empty cell"), so the
    command line, which reads with missing pairs, could not take the FC of a region without signal from a CSV."""
    conn, fc = _sub(hcp)
    m = fc.values.copy()
    m[7] = m[:, 7] = np.nan
    labels = list(conn.labels)
    pd.DataFrame(m, columns=labels).to_csv(tmp_path / "fc.csv", index=False)
    got = bn.read_fc(tmp_path / "fc.csv", missing=True)
    off = ~np.eye(20, dtype=bool)
    assert np.isnan(got.values[7][off[7]]).all() and np.isnan(got.values[:, 7][off[:, 7]]).all()
    keep = np.ones(20, bool)
    keep[7] = False
    np.testing.assert_array_equal(got.values[np.ix_(keep, keep)], fc.values[np.ix_(keep, keep)])
    with pytest.raises(bn.DataError, match=r"^'fc\.csv': the FC matrix file has an empty cell at row 1, column 8 "
                                           r"\(line 2 of the file; read as a comma-separated table\); expected "
                                           r"numbers only: fix or remove that cell"):
        bn.read_fc(tmp_path / "fc.csv")  # without missing=True: refused as before
    res = bn.fit_working_point(conn, got, **LINEAR)  # the region stays in the network, its pairs left out
    a = res.attrs
    assert a["fit_corr"] > a["sc_baseline_fit"] + 0.2  # 0.614 against 0.386 (the full FC: 0.624 against 0.384)
    assert abs(a["fit_fc_mean_model"] - a["fit_fc_mean_empirical"]) < 0.5 * a["fit_fc_mean_empirical"]


def test_a_region_without_signal_filled_with_zeros_is_refused_before_any_work(hcp):
    """A row and column of exact zeros (a pipeline's fill for a region without signal) was fitted as data, and its
    diagonal of 0 among 1s was said to look like a covariance."""
    conn, fc = _sub(hcp)
    m = fc.values.copy()
    m[7] = m[:, 7] = 0.0
    label = conn.labels[7]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no FCScaleWarning ("a diagonal from 0 to 1 ... a covariance")
        with pytest.raises(FitError, match=rf"^empirical_fc is exactly 0 between region {re.escape(repr(label))} and "
                                           r"every other region: a region without signal whose row and column were "
                                           r"filled with 0, which the fit would take as data \(a correlation of "
                                           r"measured signals is never exactly 0; a sparse estimate that zeroed all "
                                           r"of a region's pairs leaves nothing there to fit either\)\. Mark its pairs missing \(fc\[i, :\] = fc\[:, i\] = "
                                           r"np\.nan; the fit leaves missing pairs out\), or drop it from the FC "
                                           r"and the connectome \(connectome\.subset\(labels\)\)\.$"):
            bn.fit_working_point(conn, m, **LINEAR)
        m[7, 7] = 1.0
        with pytest.raises(FitError, match=r"^test_fc is exactly 0 between region"):
            bn.fit_working_point(conn, fc, test_fc=m, **LINEAR)
        m[3] = m[:, 3] = 0.0
        with pytest.raises(bn.DataError, match=r"^empirical_fc is exactly 0 between each of the 2 regions "
                                               rf"{re.escape(repr(conn.labels[3]))}, {re.escape(repr(label))} and "
                                               r"every other region: .* Drop them from the FC and the connectome"):
            target_fc(m, conn)  # a fit that needs every pair: no NaN to mark them with
        nan_row = fc.values.copy()
        nan_row[7] = nan_row[:, 7] = np.nan
        nan_row[7, 7] = 0.0  # a region without signal, NaN with a 0 diagonal: missing pairs, no covariance
        target_fc(nan_row, conn, missing=True)


def test_the_command_line_reports_a_region_filled_with_zeros_in_its_keys(hcp, tmp_path, capsys):
    conn, fc = hcp.connectome, hcp.fc_fit.values.copy()
    fc[7] = fc[:, 7] = 0.0
    pd.DataFrame(fc, index=list(conn.labels), columns=list(conn.labels)).to_csv(tmp_path / "fc.csv")
    assert cli.main(["fit", "--set", f'fit.empirical="{tmp_path / "fc.csv"}"', "--out", str(tmp_path / "fit.nc"),
                     "--quiet"]) == 2
    assert capsys.readouterr().err == (
        f"brainnet-cb: error: fit.empirical is exactly 0 between region {conn.labels[7]!r} and every other region: a "
        "region without signal whose row and column were filled with 0, which the fit would take as data (a "
        "correlation of measured signals is never exactly 0; a sparse estimate that zeroed all of a region's pairs "
        "leaves nothing there to fit either). Mark its pairs missing (fc[i, :] = fc[:, i] = np.nan; the fit leaves missing "
        "pairs out), or drop it from the FC and the connectome (connectome.subset(labels)).\n")
    assert not (tmp_path / "fit.nc").exists()


def test_an_fc_rounded_to_a_few_decimals_from_an_asymmetric_copy_is_taken(hcp, tmp_path):
    """np.corrcoef in float32 is asymmetric to ~1e-7; written with 3 decimals, [i, j] and [j, i] may round apart by
    0.001, which was refused as an asymmetric matrix (the tolerance was 1e-6 whatever the decimals)."""
    conn, fc = _sub(hcp)
    noisy = fc.values.astype(np.float32) + np.random.default_rng(0).normal(0, 1e-6, (20, 20)).astype(np.float32)
    np.savetxt(tmp_path / "fc.csv", noisy, delimiter=",", fmt="%.3f")
    rounded = np.loadtxt(tmp_path / "fc.csv", delimiter=",")
    assert np.abs(rounded - rounded.T).max() == pytest.approx(0.001)  # the case: one unit of the last decimal
    got = bn.read_fc(tmp_path / "fc.csv", labels=list(conn.labels))
    np.testing.assert_array_equal(got.values, rounded)  # taken as written
    res = bn.fit_working_point(conn, rounded, **LINEAR)
    assert res.attrs["fit_corr"] > res.attrs["sc_baseline_fit"] + 0.2
    twice = rounded.copy()
    twice[0, 1] = twice[1, 0] + 0.002  # two units of the last decimal: not rounding
    with pytest.raises(bn.DataError, match=r"^empirical FC must be symmetric; FC\[0, 1\] = .* only if the "
                                           r"difference is rounding\.$"):
        bn.fit_working_point(conn, twice, **LINEAR)
    unrounded = fc.values + np.triu(np.full((20, 20), 1e-4), 1)  # 1e-4 asymmetry in numbers of all decimals
    with pytest.raises(bn.DataError, match=r"^empirical FC must be symmetric"):
        bn.fit_working_point(conn, unrounded, **LINEAR)


def _recipe_warnings(caught):
    return [w for w in caught if issubclass(w.category, (bn.UnrelatedTargetWarning, bn.ScanEdgeWarning,
                                                         bn.FCLevelWarning, bn.BelowBaselineWarning,
                                                         bn.FCScaleWarning))]


def test_an_fc_in_another_region_order_gets_one_warning_that_names_the_cause(hcp):
    """An unlabelled FC in another order than the connectome: UnrelatedTargetWarning named the cause, then
    ScanEdgeWarning and FCLevelWarning followed it about a fit that means nothing until the order is fixed."""
    conn, fc = _sub(hcp)
    p = np.random.default_rng(0).permutation(20)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = bn.fit_working_point(conn, fc.values[np.ix_(p, p)], **LINEAR)
    a = res.attrs
    assert a["sc_baseline_fit"] == pytest.approx(-0.097, abs=5e-4)
    assert a["G_over_G_ref"] == 0.8  # the lowest fraction: ScanEdgeWarning's case
    assert a["fit_fc_mean_model"] < a["fit_fc_mean_empirical"] / 2  # 0.074 against 0.373: FCLevelWarning's case
    ours = _recipe_warnings(caught)
    assert [(w.category, w.filename) for w in ours] == [(bn.UnrelatedTargetWarning, __file__)]
    assert str(ours[0].message).startswith("the structural weights correlate -0.097 with empirical_fc over the fitted "
                                           "pairs (<= 0; usually 0.2-0.5): is the FC in the connectome's region "
                                           "order?")


def test_a_covariance_is_named_once_not_as_a_regime_of_weak_coupling(hcp):
    """A covariance (mean FC in the hundreds of thousands) was said to be fitted by 'a regime of weak coupling'
    (FCLevelWarning) after FCScaleWarning had named it."""
    conn, fc = _sub(hcp)
    sd = np.random.default_rng(0).uniform(100, 3000, 20)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = bn.fit_working_point(conn, fc.values * np.outer(sd, sd), **LINEAR)
    assert res.attrs["fit_fc_mean_empirical"] > 1e5
    ours = _recipe_warnings(caught)
    assert [w.category for w in ours] == [bn.FCScaleWarning]
    assert str(ours[0].message).startswith("empirical_fc has a diagonal from ")
    assert "it looks like a covariance" in str(ours[0].message)


def test_the_command_line_reads_a_pandas_csv_of_a_region_without_signal_as_missing_pairs(hcp, tmp_path, capsys,
                                                                                         monkeypatch):
    """`brainnet-cb fit` reads its FC files with missing pairs kept, but a pandas CSV (labels in the first column,
    the region without signal as empty cells) was refused: "the FC matrix file has an empty cell"."""
    conn = hcp.connectome
    order = np.random.default_rng(1).permutation(80)  # the file in another order: matched by its labels
    fc = hcp.fc_fit.values.copy()
    fc[7] = fc[:, 7] = np.nan
    labels = [conn.labels[i] for i in order]
    pd.DataFrame(fc[np.ix_(order, order)], index=labels, columns=labels).to_csv(tmp_path / "fc.csv")
    got = {}

    def recipe(connectome, empirical_fc, **kwargs):
        got["fc"] = np.asarray(empirical_fc)
        raise FitError("stop")

    monkeypatch.setattr(bn, "fit_working_point", recipe)
    assert cli.main(["fit", "--set", f'fit.empirical="{tmp_path / "fc.csv"}"', "--out", str(tmp_path / "fit.nc"),
                     "--quiet"]) == 2
    assert capsys.readouterr().err == "brainnet-cb: error: stop\n"
    np.testing.assert_array_equal(got["fc"], np.where(np.eye(80, dtype=bool), 1.0, fc))  # in the connectome's order


def test_a_bold_time_series_given_as_the_fc_is_refused_saying_how_to_make_its_fc(hcp):
    """A (time, region) series passed as the FC was told to pass "the full matrix, not an upper triangle or a time
    series (see read_timeseries)", which reads a series but makes no FC of it."""
    bold = np.asarray(hcp.bold.isel(subject=0).values)
    for given, layout in ((bold, ""), (bold.T, ", layout='region_time'")):
        with pytest.raises(bn.DataError, match=rf"^empirical FC must be a square \(n, n\) matrix; got shape "
                                               rf"\({given.shape[0]}, {given.shape[1]}\) from empirical_fc, a time "
                                               r"series of 80 regions\? Pass its FC: bn\.fc\(bn\.as_timeseries\("
                                               rf"series, tr{re.escape(layout)}\)\) \(band=True to band-pass it "
                                               r"first; bn\.read_timeseries\(path, tr\) reads a file of one\)\.$"):
            bn.fit_working_point(hcp.connectome, given, **LINEAR)
    fc = bn.fc(bn.as_timeseries(bold.T, hcp.tr, layout="region_time"), band=True)  # the fix, as the message says
    np.testing.assert_allclose(fc.values, hcp.fc_subjects.values[0], atol=1e-5)


def test_self_connections_are_warned_about_before_any_work(hcp):
    """Raw streamline counts keep those within a region on the diagonal, often the largest entries: the recipe
    coupled each region to itself, and scaled the weights by them, without a word (held-out score of the linear
    stage on 40 regions, default settings: 0.778 without, 0.745 with a diagonal of 5 times the largest weight)."""
    conn, fc = _sub(hcp)
    w = np.array(conn.weights)
    np.fill_diagonal(w, 5 * w.max())
    w[3, 3] = 0.0
    selfish = conn.replace(weights=w)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(FitError, match=r"^duration 1 s leaves 0 BOLD samples"):  # the warning came before it
            bn.fit_working_point(selfish, fc, duration=1000.0, progress=False)
    ours = [w for w in caught if issubclass(w.category, bn.SelfConnectionWarning)]
    assert [(w.category, w.filename) for w in ours] == [(bn.SelfConnectionWarning, __file__)]
    assert str(ours[0].message) == (
        f"the connectome {conn.name!r} has 19 self-connections (weights on its diagonal up to {5 * conn.weights.max():.4g}"
        ", 5 times its largest weight between two regions): the coupling feeds each region's own rate back to it, and "
        "the weights are scaled by the largest. Streamlines within a region are no long-range coupling: drop them (w = "
        "np.array(conn.weights); np.fill_diagonal(w, 0); conn.replace(weights=w)), as the bundled atlases are, unless "
        "the model is meant to have them.")
    np.fill_diagonal(w, 0)  # the fix the message gives
    with warnings.catch_warnings():
        warnings.simplefilter("error", bn.SelfConnectionWarning)
        with pytest.raises(FitError, match=r"^duration 1 s leaves 0 BOLD samples"):
            bn.fit_working_point(selfish.replace(weights=w), fc, duration=1000.0, progress=False)
