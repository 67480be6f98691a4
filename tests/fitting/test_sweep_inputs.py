"""Sweeps and fits given unusual but legitimate inputs: labelled rows, seeds, repeated values, targets."""

import numpy as np
import pandas as pd
import pytest
import xarray as xr

import brainnet_cb as bn

RUN = dict(duration=100.0, dt=0.1, noise=bn.Additive(v=0.1), monitors=[bn.TemporalAverage(5.0)])
FIT = dict(signal="r", band=None)


@pytest.fixture(scope="module")
def conn():
    w = np.array([[0, 1, 0, 0.5], [1, 0, 1, 0], [0, 1, 0, 1], [0.5, 0, 1, 0]])
    return bn.Connectome(w, np.full((4, 4), 20.0), labels=["A", "B", "C", "D"])


@pytest.fixture(scope="module")
def target(conn):
    return bn.fc(bn.simulate(bn.CoombesByrne(), conn, coupling=bn.Linear(G=1.0), **RUN).r)


ETA = np.array([1.0, 1.5, 2.0, 2.5])  # in the connectome's order A, B, C, D
BACKWARDS = list("DCBA")


def test_rows_labelled_by_region_follow_the_connectome_order(conn, target):
    plain = bn.sweep(bn.CoombesByrne(), conn, {"eta": [ETA]}, **RUN, **FIT)
    labelled = [
        pd.DataFrame([ETA[::-1]], columns=BACKWARDS),
        [pd.Series(ETA[::-1], index=BACKWARDS)],
        pd.Series(ETA[::-1], index=BACKWARDS),  # one row
        xr.DataArray([ETA[::-1]], dims=("k", "region"), coords={"region": BACKWARDS}),
    ]
    for rows in labelled:
        res = bn.sweep(bn.CoombesByrne(), conn, {"eta": rows}, **RUN, **FIT)
        np.testing.assert_array_equal(res.eta_value.values, [ETA])
        np.testing.assert_array_equal(res.fc_mean.values, plain.fc_mean.values)
    batch = bn.simulate_batch(bn.CoombesByrne(), conn, batch={"eta": [pd.Series(ETA[::-1], index=BACKWARDS)]},
                              duration=10.0)
    np.testing.assert_array_equal(batch.eta.values, [ETA])
    grid = bn.fit_grid(bn.CoombesByrne(), conn, grid={"eta": pd.DataFrame([ETA[::-1]], columns=BACKWARDS)},
                       empirical_fc=target, refine=None, **RUN, **FIT)
    np.testing.assert_array_equal(grid.eta.values, ETA)
    grad = bn.fit_gradient(bn.CoombesByrne(), conn, target, init={"eta": pd.Series(ETA[::-1], index=BACKWARDS)},
                           steps=1, **RUN, **FIT)
    np.testing.assert_array_equal(grad.eta_path.values[0], ETA)


def test_rows_labelled_with_other_regions_are_refused(conn):
    rows = pd.DataFrame([ETA], columns=["A", "B", "C", "X"])
    with pytest.raises(bn.SweepError, match=r"^grid\['eta'\] \(its columns\) is labelled by region, but its labels "
                                            r"are not the connectome's 4 regions once each \(4 labels; unknown "
                                            r"\['X'\], missing \['D'\], repeated \[\]\); label it with "
                                            r"connectome\.labels, or pass a plain array in the connectome's region "
                                            r"order\.$"):
        bn.sweep(bn.CoombesByrne(), conn, {"eta": rows}, **RUN, **FIT)


@pytest.mark.parametrize("call, error, message", [
    (lambda c, t: bn.sweep(bn.CoombesByrne(), c, {"G": [1.0]}, batchsize=1, **RUN, **FIT), bn.SweepError,
     r"^unknown bn\.sweep option 'batchsize' \(did you mean 'batch_size'\?\); choose from \['grid', 'empirical_fc', "
     r"'empirical_fcd', 'signal', 'discard', 'band', 'fisher_z', 'fcd_window', 'fcd_step', 'fcd_k', 'summaries', "
     r"'keep', 'memory', 'batch_size', 'client', 'progress', 'checkpoint', 'resume_from', 'overwrite', 'duration', "
     r"'dt', 'coupling', 'speed', 'noise', 'monitors', 'key', 'method', 'initial_state', 'history', 'normalize', "
     r"'dtype', 'edges', 'stimulus'\]\.$"),
    (lambda c, t: bn.fit_grid(bn.CoombesByrne(), c, grid={"G": [1.0]}, empirical_fc=t, refine_round=1, **RUN, **FIT),
     bn.FitError, r"^unknown bn\.fit_grid option 'refine_round' \(did you mean 'refine_rounds'\?\); choose from "
                  r"\['grid', 'empirical_fc', 'empirical_fcd', 'objective', 'refine', 'refine_points', "
                  r"'refine_rounds', 'maxfev', 'seeds', 'heterogeneity', 'keep_fc', 'progress', 'client', 'signal', "
                  r"'discard', 'band', 'fisher_z', 'fcd_window', 'fcd_step', 'fcd_k', 'summaries', 'keep', 'memory', "
                  r"'batch_size', 'duration', 'dt', 'coupling', 'speed', 'noise', 'monitors', 'key', 'method', "
                  r"'initial_state', 'history', 'normalize', 'dtype', 'edges', 'stimulus'\]\.$"),
    (lambda c, t: bn.fit_nelder_mead(bn.CoombesByrne(), c, init={"G": 1.0}, empirical_fc=t, max_fev=2, **RUN, **FIT),
     bn.FitError, r"^unknown bn\.fit_nelder_mead option 'max_fev' \(did you mean 'maxfev'\?\); choose from \['init', "
                  r"'step', 'bounds', 'empirical_fc', 'empirical_fcd', 'objective', 'seeds', 'heterogeneity', "
                  r"'maxfev', 'xatol', 'fatol', 'keep_fc', 'progress', 'client', 'signal', 'discard', 'band', "
                  r"'fisher_z', 'fcd_window', 'fcd_step', 'fcd_k', 'summaries', 'keep', 'memory', 'batch_size', "
                  r"'duration', 'dt', 'coupling', 'speed', 'noise', 'monitors', 'key', 'method', 'initial_state', "
                  r"'history', 'normalize', 'dtype', 'edges', 'stimulus'\]\.$"),
    (lambda c, t: bn.fit_nelder_mead(bn.CoombesByrne(), c, init={"G": 1.0}, empirical_fc=t, grid={"G": [1.0]},
                                     **RUN, **FIT),
     bn.FitError, r"^unknown bn\.fit_nelder_mead option 'grid'; choose from \['init', 'step', 'bounds', 'empirical_fc', "
                  r"'empirical_fcd', 'objective', 'seeds', 'heterogeneity', 'maxfev', 'xatol', 'fatol', 'keep_fc', "
                  r"'progress', 'client', 'signal', 'discard', 'band', 'fisher_z', 'fcd_window', 'fcd_step', 'fcd_k', "
                  r"'summaries', 'keep', 'memory', 'batch_size', 'duration', 'dt', 'coupling', 'speed', 'noise', "
                  r"'monitors', 'key', 'method', 'initial_state', 'history', 'normalize', 'dtype', 'edges', "
                  r"'stimulus'\]\.$"),
    (lambda c, t: bn.fit_gradient(bn.CoombesByrne(), c, t, init={"G": 1.0}, step=2, **RUN, **FIT),
     bn.FitError, r"^unknown bn\.fit_gradient option 'step' \(did you mean 'steps'\?\); choose from \['empirical_fc', "
                  r"'init', 'steps', 'learning_rate', 'optimizer', 'loss', 'bounds', 'signal', 'discard', 'band', "
                  r"'fisher_z', 'checkpoint', 'seeds', 'heterogeneity', 'progress', 'duration', 'dt', 'coupling', "
                  r"'speed', 'noise', 'monitors', 'key', 'method', 'initial_state', 'history', 'normalize', 'dtype', "
                  r"'edges', 'stimulus'\]\.$"),
])
def test_a_misspelt_keyword_is_named_as_an_option_of_the_entry_point(conn, target, call, error, message):
    with pytest.raises(error, match=message):
        call(conn, target)


def test_seeds_are_keys_not_a_count(conn, target):
    with pytest.raises(bn.FitError, match=r"^seeds must be a sequence of random keys, one per noise realisation; got "
                                          r"3\. Pass seeds=range\(3\) for 3 realisations or seeds=\[3\] for the one "
                                          r"of key 3\.$"):
        bn.fit_grid(bn.CoombesByrne(), conn, grid={"G": [1.0]}, empirical_fc=target, seeds=3, **RUN, **FIT)
    with pytest.raises(bn.FitError, match=r"^seeds must be a sequence of random keys, one per noise realisation; got "
                                          r"2\. Pass seeds=range\(2\) for 2 realisations or seeds=\[2\] for the one "
                                          r"of key 2\.$"):
        bn.fit_gradient(bn.CoombesByrne(), conn, target, init={"G": 1.0}, seeds=2, **RUN, **FIT)


def test_seeds_outside_64_bits_are_refused(conn, target):
    with pytest.raises(bn.FitError, match=r"^seeds must be 64-bit integers \(-2\*\*63 <= seed < 2\*\*63\); got "
                                          r"9223372036854775808\.$"):
        bn.fit_grid(bn.CoombesByrne(), conn, grid={"G": [1.0]}, empirical_fc=target, seeds=[2**63, 2**63 + 1], **RUN, **FIT)


def test_an_fcd_target_must_be_an_fcd_of_the_same_window(conn, target):
    one = bn.simulate(bn.CoombesByrne(), conn, duration=400.0, noise=bn.Additive(v=0.1),
                      monitors=[bn.TemporalAverage(10.0)])
    run = dict(RUN, duration=400.0)
    with pytest.raises(bn.SweepError, match=r"^empirical_fcd has dims \('region_i', 'region_j'\): that is an FC "
                                            r"\(region by region\), not an FCD \(window by window\); pass "
                                            r"bn\.fcd\(empirical_bold, window=\.\.\., step=\.\.\.\) as empirical_fcd "
                                            r"and the FC as empirical_fc\.$"):
        bn.fit_grid(bn.CoombesByrne(), conn, grid={"G": [1.0]}, empirical_fc=target, empirical_fcd=target,
                    objective="corr+fcd_ks", fcd_window=0.1, **run, **FIT)
    fcd = bn.fcd(one.r, window=0.1, step=0.02)  # 10 samples of 10 ms
    with pytest.raises(bn.SweepError, match=r"^empirical_fcd was computed with 0\.1-s windows \(its attrs window_s\) "
                                            r"and the runs' FCDs would use 0\.2-s windows; pass fcd_window=0\.1 \(and "
                                            r"its fcd_step\) so that the KS distance compares the dynamics, not the "
                                            r"windows\.$"):
        bn.sweep(bn.CoombesByrne(), conn, {"G": [1.0]}, empirical_fcd=fcd, fcd_window=0.2, **run, **FIT)
    # the same window sampled at 5 ms by the runs, 10 ms by the target: compared
    res = bn.sweep(bn.CoombesByrne(), conn, {"G": [1.0]}, empirical_fcd=fcd, fcd_window=0.1, fcd_step=0.02,
                   **run, **FIT)
    assert 0.0 < res.fcd_ks.item() < 1.0


def test_a_repeated_grid_value_is_refused_before_running(conn, target):
    """A value given twice was run twice, and gave the result a repeated coordinate that .sel cannot pick."""
    with pytest.raises(bn.SweepError, match=r"^grid\['G'\] repeats 1\.0 \(2 times\): each value of a grid is one "
                                            r"coordinate of the result \(a repeat is run again for nothing, and \.sel "
                                            r"cannot pick it\)\. Give each value once, e\.g\. grid\['G'\] = "
                                            r"\[1\.0, 2\.0\]\.$"):
        bn.fit_grid(bn.CoombesByrne(), conn, grid={"G": [1.0, 1.0, 2.0]}, empirical_fc=target, **RUN, **FIT)
    with pytest.raises(bn.SweepError, match=r"^grid\['G'\] repeats 1\.0 \(3 times\): each value of a grid is one "
                                            r"coordinate of the result \(a repeat is run again for nothing, and \.sel "
                                            r"cannot pick it\)\. Give each value once, e\.g\. grid\['G'\] = "
                                            r"\[1\.0\]\.$"):
        bn.fit_grid(bn.CoombesByrne(), conn, grid={"G": [1.0, 1.0, 1.0]}, empirical_fc=target, **RUN, **FIT)
    with pytest.raises(bn.SweepError, match=r"^grid\['eta'\] repeats -1\.0 \(2 times\), 2\.0 \(2 times\): each value "
                                            r"of a grid is one coordinate of the result \(a repeat is run again for "
                                            r"nothing, and \.sel cannot pick it\)\. Give each value once, e\.g\. "
                                            r"grid\['eta'\] = \[2\.0, -1\.0\]\.$"):
        bn.sweep(bn.CoombesByrne(), conn, {"G": [1.0], "eta": [2.0, -1.0, 2.0, -1.0]}, **RUN, **FIT)
    with pytest.raises(bn.SweepError, match=r"^grid\['G'\] repeats 0\.0 \(2 times\): each value of a grid is one "
                                            r"coordinate of the result \(a repeat is run again for nothing, and \.sel "
                                            r"cannot pick it\)\. Give each value once, e\.g\. "
                                            r"grid\['G'\] = np\.unique\(grid\['G'\]\)\.$"):
        bn.sweep(bn.CoombesByrne(), conn, {"G": [*np.linspace(0.0, 1.0, 9), 0.0]}, **RUN, **FIT)
    batch = bn.simulate_batch(bn.CoombesByrne(), conn, batch={"G": [1.0, 1.0], "seed": [1, 2]}, duration=10.0)
    assert list(batch.G.values) == [1.0, 1.0]  # a batch's members are zipped: a value may repeat


def test_fitted_simulation_of_another_fit_says_how_to_run_its_best_point(conn, target, tmp_path):
    spec = bn.Simulation(bn.CoombesByrne(), conn, **RUN)
    res = bn.fit_grid(spec, grid={"G": [0.5, 1.0], "eta_scale": [0.0, 0.5]}, heterogeneity=np.arange(4.0),
                      empirical_fc=target, refine=None, **FIT)
    bn.write_netcdf(res, tmp_path / "grid.nc")
    for given in (res, tmp_path / "grid.nc"):
        with pytest.raises(bn.FitError, match=r"^this Dataset is a result of bn\.fit_grid, which records the values "
                                              r'it fitted \(\["G", "eta_scale"\]\) but not the run they were fitted '
                                              r"in; fitted_simulation rebuilds the run of bn\.fit_working_point "
                                              r"only\. Put the fitted values into the simulation you fitted: "
                                              r"bn\.ParameterBook\.of\(spec, maps=\{'eta': "
                                              r"res\.eta_map\.values\}\)\.apply\(spec, \{k: res\[k\]\.values for k in "
                                              r"json\.loads\(res\.attrs\['fitted'\]\)\}\)\.$"):
            bn.fitted_simulation(given)
    # the recipe it gives runs the best point
    import json

    best = bn.ParameterBook.of(spec, maps={"eta": res.eta_map.values}).apply(
        spec, {k: res[k].values for k in json.loads(res.attrs["fitted"])})
    assert float(best.coupling.G) == float(res.G)
    np.testing.assert_allclose(best.model.eta, res.eta_effective.values)
    grad = bn.fit_gradient(spec, target, init={"G": 0.9}, steps=1, **FIT)
    with pytest.raises(bn.FitError, match=r"^this Dataset is a result of bn\.fit_gradient, which records the values "
                                          r'it fitted \(\["G"\]\) but not the run they were fitted in; '
                                          r"fitted_simulation rebuilds the run of bn\.fit_working_point only\. Put "
                                          r"the fitted values into the simulation you fitted: "
                                          r"bn\.ParameterBook\.of\(spec\)\.apply\(spec, \{k: res\[k\]\.values for k "
                                          r"in json\.loads\(res\.attrs\['fitted'\]\)\}\)\.$"):
        bn.fitted_simulation(grad)


def test_speeds_as_quantities_and_no_strings_or_booleans(conn, target):
    import brainunit as u

    plain = bn.sweep(bn.CoombesByrne(), conn, {"speed": [1.0, 2.0]}, **RUN, **FIT)
    quantity = bn.sweep(bn.CoombesByrne(), conn, {"speed": [100.0, 200.0] * u.cm / u.second}, **RUN, **FIT)
    np.testing.assert_array_equal(quantity.speed.values, [1.0, 2.0])  # mm/ms, as the run's own speed=
    np.testing.assert_array_equal(quantity.fc_mean.values, plain.fc_mean.values)
    grid = bn.fit_grid(bn.CoombesByrne(), conn, grid={"speed": [1.0, 2.0] * u.meter / u.second}, empirical_fc=target,
                       refine=None, **RUN, **FIT)
    np.testing.assert_array_equal(grid.grid_speed.values, [1.0, 2.0])
    nm = bn.fit_nelder_mead(bn.CoombesByrne(), conn, init={"speed": 2.0 * u.meter / u.second}, empirical_fc=target,
                            maxfev=1, **RUN, **FIT)
    assert float(nm.speed_path[0]) == 2.0
    with pytest.raises(bn.SweepError, match=r"^grid\['speed'\] must be a quantity with the dimension of mm/ms; got "
                                            r"\[1\.\] s\. Pass e\.g\. grid\['speed'\]=1\.0 \* u\.mm / u\.ms or a "
                                            r"plain number in mm/ms\.$"):
        bn.sweep(bn.CoombesByrne(), conn, {"speed": [1.0] * u.second}, **RUN, **FIT)
    for call, error, message in [
        (lambda: bn.sweep(bn.CoombesByrne(), conn, {"G": [True, False]}, **RUN, **FIT), bn.SweepError,
         r"^grid\['G'\] must be numbers; got \[True, False\]\.$"),
        (lambda: bn.sweep(bn.CoombesByrne(), conn, {"speed": ["1", "2"]}, **RUN, **FIT), bn.SweepError,
         r"^grid\['speed'\] must be numbers; got \['1', '2'\]\.$"),
        (lambda: bn.simulate_batch(bn.CoombesByrne(), conn, batch={"noise_v": ["0.1"]}, **RUN), bn.SimulationError,
         r"^batch\['noise_v'\] must be numbers; got \['0\.1'\]\.$"),
        (lambda: bn.fit_gradient(bn.CoombesByrne(), conn, target, init={"G": "0.5"}, **RUN, **FIT), bn.FitError,
         r"^init\['G'\] must be numbers; got '0\.5'\.$"),
        (lambda: bn.fit_nelder_mead(bn.CoombesByrne(), conn, init={"G": True}, empirical_fc=target, **RUN, **FIT),
         bn.FitError, r"^init\['G'\] must be numbers; got True\.$"),
    ]:
        with pytest.raises(error, match=message):
            call()


def test_a_discard_that_leaves_too_few_samples_is_refused_before_running(conn, target):
    message = (r"^'r' has 1 samples \(one every 5 ms\) after discarding 0\.095 s of the 0\.1-s run; an FC needs at "
               r"least 3: simulate longer or discard less\.$")
    with pytest.raises(bn.SweepError, match=message):
        bn.sweep(bn.CoombesByrne(), conn, {"G": [1.0]}, empirical_fc=target, discard=0.095, **RUN, **FIT)
    with pytest.raises(bn.SweepError, match=message):  # was: "every run diverged ... widen the grid"
        bn.fit_grid(bn.CoombesByrne(), conn, grid={"G": [1.0]}, empirical_fc=target, discard=0.095, **RUN, **FIT)


def test_a_band_the_signal_cannot_take_is_refused_before_running(conn, target):
    """A band above the signal's Nyquist frequency, or a series shorter than the band-pass' edge padding,
    gave NaN for every score (a fit: 'every run diverged or gave an undefined FC ... widen the grid')."""
    short = dict(RUN, monitors=[bn.TemporalAverage(1.0)], duration=40.0)
    with pytest.raises(bn.SweepError, match=r"^band=\(1\.0, 60\.0\): the zero-phase band-pass pads 15 samples at each "
                                            r"end and needs more than 15 samples of 'r'; it has 10 \(one every 1 ms\) "
                                            r"after discarding 0\.03 s of the 0\.04-s run\. Simulate longer, discard "
                                            r"less, or pass band=None \(no band-pass\)\.$"):
        bn.fit_grid(bn.CoombesByrne(), conn, grid={"G": [1.0]}, empirical_fc=target, signal="r", band=(1.0, 60.0),
                    discard=0.03, **short)
    with pytest.raises(bn.FitError, match=r"^band=\(1\.0, 60\.0\): the zero-phase band-pass pads 15 samples at each "
                                          r"end and needs more than 15 samples of 'r'; it has 10 \(one every 1 ms\) "
                                          r"after discarding 0\.03 s of the 0\.04-s run\. Simulate longer, discard "
                                          r"less, or pass band=None \(no band-pass\)\.$"):
        bn.fit_gradient(bn.CoombesByrne(), conn, target, init={"G": 0.5}, signal="r", band=(1.0, 60.0),
                        discard=0.03, **short)  # was an AnalysisError that said to lower the filter's order
    with pytest.raises(bn.FitError, match=r"^band must satisfy 0 < low < high < Nyquist frequency; got band=\(1, "
                                          r"150\) Hz and Nyquist = 100 Hz \(sampling interval 0\.005 s\)\. Choose a "
                                          r"band inside \(0, Nyquist\) or sample more often\.$"):
        bn.fit_gradient(bn.CoombesByrne(), conn, target, init={"G": 0.5}, signal="r", band=(1.0, 150.0), **RUN)
    with pytest.raises(bn.SweepError, match=r"^band must satisfy 0 < low < high < Nyquist frequency; got band=\(1, "
                                            r"150\) Hz and Nyquist = 100 Hz \(sampling interval 0\.005 s\)\. Choose a "
                                            r"band inside \(0, Nyquist\) or sample more often\.$"):
        bn.sweep(bn.CoombesByrne(), conn, {"G": [1.0]}, empirical_fc=target, signal="r", band=(1.0, 150.0), **RUN)
    # 16 samples: filtered, scored
    with pytest.warns(bn.ShortRecordWarning, match=r"^'r' spans 0\.016 s \(16 samples\), shorter than the slowest "
                                                   r"period of the band-pass \(1 / 1 Hz = 1 s\): the filtered series "
                                                   r"is mostly the filter's edge transients and an FC of it has "
                                                   r"spuriously large correlations of either sign\. Record at least 1 "
                                                   r"s \(several times longer for a stable FC\), or raise the band's "
                                                   r"lower edge, or do not band-pass \(band=None\)\.$"):
        res = bn.sweep(bn.CoombesByrne(), conn, {"G": [1.0]}, empirical_fc=target, signal="r", band=(1.0, 60.0),
                       discard=0.024, **short)
    assert np.isfinite(res["fc_corr"].values).all()


def test_the_bold_monitors_discard_is_named_with_what_it_left(conn, target):
    """The BOLD monitor's discard counted in the samples, but the message said "after discarding 0 s" (the
    analysis' discard alone)."""
    kw = dict(RUN, duration=20880.0, dt=0.5, monitors=[bn.Bold(tr=720.0, discard=20000.0)])
    with pytest.raises(bn.SweepError, match=r"^'bold' has 2 samples \(one every 720 ms\) after discarding 20 s of "
                                            r"the 20\.88-s run \(the BOLD monitor's discard\); an FC needs at least 3: "
                                            r"simulate longer or discard less\.$"):
        bn.sweep(bn.CoombesByrne(), conn, {"G": [1.0]}, empirical_fc=target, signal="bold", band=None, **kw)
    with pytest.raises(bn.SweepError, match=r"^band=True: the zero-phase band-pass pads 15 samples at each end and "
                                            r"needs more than 15 samples of 'bold'; it has 14 \(one every 720 ms\) "
                                            r"after discarding 22\.16 s of the 31\.68-s run \(20 s of them the BOLD "
                                            r"monitor's discard\)\. Simulate longer, discard less, or pass band=None "
                                            r"\(no band-pass\)\.$"):
        bn.sweep(bn.CoombesByrne(), conn, {"G": [1.0]}, empirical_fc=target, signal="bold", band=True,
                 discard=2.16, **dict(kw, duration=31680.0))


def test_a_sweep_that_needs_no_fc_runs_on_a_short_signal(conn):
    """A stability map (which runs diverge, and when) needs no samples after the discard: it is not refused, and a
    warning says before the runs why fc_mean will be NaN (it was NaN without a word)."""
    with pytest.warns(bn.ShortRecordWarning, match=r"^fc_mean will be NaN in every run: 'r' has 1 samples \(one "
                                                   r"every 5 ms\) after discarding 0.095 s of the 0.1-s run; an FC "
                                                   r"needs at least 3: simulate longer or discard less.$"):
        res = bn.sweep(bn.CoombesByrne(), conn, {"G": [1.0, 2.0]}, discard=0.095, **RUN, **FIT)
    assert res["diverged"].values.tolist() == [False, False] and np.all(np.isnan(res["fc_mean"].values))
    with pytest.warns(bn.ShortRecordWarning, match=r"^fc_mean will be NaN in every run: band=True: the zero-phase "
                                                   r"band-pass pads 15 samples at each end and needs more than 15 "
                                                   r"samples of 'r'; it has 14 \(one every 5 ms\) in the 0\.07-s "
                                                   r"run\. Simulate longer, discard less, or pass band=None \(no "
                                                   r"band-pass\)\.$") as record:
        res = bn.sweep(bn.CoombesByrne(), conn, {"G": [1.0]}, signal="r", band=True, **dict(RUN, duration=70.0))
    assert record[0].filename == __file__  # the caller's line
    assert res["diverged"].values.tolist() == [False] and np.isnan(res["fc_mean"].values).all()
