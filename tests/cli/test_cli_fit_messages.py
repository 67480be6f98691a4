"""``brainnet-cb fit``: the working-point recipe's advice names the configuration's keys, not the Python arguments.

``bn.fit_working_point`` says "widen values=" (its argument); the command
line sets that argument with ``fit.excitability``, and its ``fit.values`` is
the grid fit's grid, which the working point never reads: advice that named
``values=`` sent a user to a key that changes nothing.
"""

import inspect
import warnings

import numpy as np
import pytest
import scipy.io

import brainnet_cb as bn
from brainnet_cb import cli
from brainnet_cb.cli import config, sweep_fit
from brainnet_cb.cli.sweep_fit import GRADIENT_ADVICE, in_config_keys, working_point_keys
from brainnet_cb.data.fit_target import _warn_if_not_correlation
from brainnet_cb.errors import FitError
from brainnet_cb.fitting import fit as fitting
from brainnet_cb.fitting import sweep as sweep_module
from brainnet_cb.fitting.sweep_summaries import check_band_fits, warn_if_no_fc
from brainnet_cb.fitting.working_point import DEFAULT_COUPLING_FRACTIONS, DEFAULT_EXCITABILITY
from brainnet_cb.fitting.working_point_checks import ScanEdgeWarning, warn_if_at_an_edge, warn_if_not_held_out
from brainnet_cb.simulation.parameters import ParameterBook


def _edge_warning(values, fractions):
    """The recipe's own ScanEdgeWarning for a point at the highest value and the lowest fraction."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warn_if_at_an_edge((len(values) - 1, 0, 0), "eta", values, None, fractions)
    (w,) = caught
    assert w.category is ScanEdgeWarning
    return str(w.message)


def test_the_scan_arguments_map_to_the_keys_that_set_them():
    keys = working_point_keys()
    assert keys["values"] == "fit.excitability"  # not fit.values: the grid fit's
    assert keys["fractions"] == "fit.fractions" and keys["band"] == "fit.bandpass"
    assert keys["homotopic_weights"] == "fit.homotopic_weights"


def test_recipe_messages_name_the_keys():
    text = _edge_warning(DEFAULT_EXCITABILITY, DEFAULT_COUPLING_FRACTIONS)
    assert "widen values= and fractions= to see" in text  # the Python API's words
    assert in_config_keys(text) == (
        "the working point chosen lies at an edge of the scan: eta = 2 (the highest of fit.excitability), "
        "G / G_ref = 0.5 (the lowest of fit.fractions); the best may lie beyond it: widen fit.excitability and "
        "fit.fractions to see.")
    # a value after the name stays, as --set takes it; arguments without a key stay as they are
    assert in_config_keys("e.g. fractions=[0.7, 0.8, 0.9]; keep regional_noise= and coarse=.") == (
        "e.g. fit.fractions=[0.7, 0.8, 0.9]; keep fit.regional_noise and coarse=.")


def test_recipe_values_are_spelled_as_set_takes_them_and_refusals_name_the_key():
    """'pass band=None' became 'pass fit.bandpass=None', which --set refuses (a string, not true or false)."""
    assert in_config_keys("Simulate longer, or pass band=None.") == "Simulate longer, or pass fit.bandpass=false."
    assert in_config_keys("effective_connectivity=True: no fit (effective_connectivity=False).") == (
        "fit.effective_connectivity=true: no fit (fit.effective_connectivity=false).")
    assert in_config_keys("holdout=None, workers=None, seeds=None, band=Nonesuch") == (
        "fit.holdout='none', fit.workers=0, fit.seeds=None, fit.bandpass=Nonesuch")
    assert in_config_keys("fractions must be > 0 (G / G_ref); got [0.0].") == (
        "fit.fractions must be > 0 (G / G_ref); got [0.0].")
    assert in_config_keys("the scanned values must be finite") == "the scanned values must be finite"  # prose stays


def test_the_heterogeneity_scales_are_a_key_of_the_fit_table_and_its_edge_warning_names_it():
    """The recipe's edge warning said 'widen heterogeneity_scales=', which the command line had no key for."""
    assert working_point_keys()["heterogeneity_scales"] == "fit.heterogeneity_scales"
    default = inspect.signature(bn.fit_working_point).parameters["heterogeneity_scales"].default
    assert config.FitConfig().fit.heterogeneity_scales == list(default)  # the recipe's own default, shown
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warn_if_at_an_edge((0, 1, 2), "eta", [-1.0, 0.0], [0.0, 0.5], [0.8, 0.9, 1.0])
    (w,) = caught
    assert in_config_keys(str(w.message)) == (
        "the working point chosen lies at an edge of the scan: eta = -1 (the lowest of fit.excitability), the "
        "heterogeneity scale = 0.5 (the highest of fit.heterogeneity_scales), G / G_ref = 1 (the highest of "
        "fit.fractions); the best may lie beyond it: widen fit.excitability and fit.heterogeneity_scales and "
        "fit.fractions to see.")


@pytest.mark.parametrize("value, message", [
    ("[]", "fit.heterogeneity_scales = [] is empty; expected a non-empty list of numbers, e.g. "
           "fit.heterogeneity_scales = [0.5, 1.0]."),
    ("[0.0, nan]", "fit.heterogeneity_scales = [0.0, nan] holds nan, which is not a finite number; expected a "
                   "non-empty list of finite numbers."),
    ("['a']", 'fit.heterogeneity_scales = ["a"] has the wrong type (list); expected a non-empty list of numbers.'),
])
def test_bad_heterogeneity_scales_are_refused_before_the_recipe(tmp_path, capsys, monkeypatch, value, message):
    monkeypatch.setattr(bn, "fit_working_point", _never_called)
    assert cli.main(["fit", "--set", "fit.heterogeneity=strength", "--set", f"fit.heterogeneity_scales={value}",
                     "--out", str(tmp_path / "fit.nc"), "--quiet"]) == 2
    assert capsys.readouterr().err == f"brainnet-cb: error: {message}\n"
    assert list(tmp_path.iterdir()) == []


def test_fit_passes_the_heterogeneity_scales_and_its_refusals_name_the_keys(tmp_path, capsys, monkeypatch):
    seen = {}

    def recipe(connectome, empirical_fc, **kwargs):  # the recipe's own refusal of the grid it was given
        seen.update(kwargs)
        raise FitError("fractions must be > 0 (G / G_ref); got [0.0].")

    monkeypatch.setattr(bn, "fit_working_point", recipe)
    assert cli.main(["fit", "--set", "fit.heterogeneity=strength", "--set", "fit.heterogeneity_scales=[-2, 0, 2]",
                     "--set", "fit.fractions=[0.0]", "--out", str(tmp_path / "fit.nc"), "--quiet"]) == 2
    assert seen["heterogeneity"] == "strength" and seen["heterogeneity_scales"] == [-2.0, 0.0, 2.0]
    assert seen["parameter"] == "eta" and seen["values"] == [-3.0, -2.0, -1.0, 0.0, 1.0, 2.0]  # fit.excitability
    assert capsys.readouterr().err == "brainnet-cb: error: fit.fractions must be > 0 (G / G_ref); got [0.0].\n"


def test_fit_command_shows_the_recipes_warnings_and_errors_with_the_keys(tmp_path, capsys, monkeypatch):
    def recipe(connectome, empirical_fc, *, values, fractions, **kwargs):  # warns as the recipe does, then fails
        warn_if_at_an_edge((len(values) - 1, 0, 0), "eta", values, None, fractions)
        raise FitError("no stable working point was found for any value; try other values= or fractions=.")

    monkeypatch.setattr(bn, "fit_working_point", recipe)
    out = tmp_path / "fit.nc"
    assert cli.main(["fit", "--set", "fit.excitability=[-1.0, 0.5]", "--out", str(out), "--quiet"]) == 2
    assert capsys.readouterr().err == (
        "brainnet-cb: warning: the working point chosen lies at an edge of the scan: eta = 0.5 (the highest of "
        "fit.excitability), G / G_ref = 0.5 (the lowest of fit.fractions); the best may lie beyond it: widen "
        "fit.excitability and fit.fractions to see.\n"
        "brainnet-cb: error: no stable working point was found for any value; try other fit.excitability or "
        "fit.fractions.\n")
    assert not out.exists()



def _never_called(*args, **kwargs):
    raise AssertionError("the recipe ran")


def test_the_recipes_own_refusals_name_the_keys_with_values_set_takes(tmp_path, capsys):
    """Refused by bn.fit_working_point before anything is compiled; the advice is what --set accepts."""
    out = str(tmp_path / "fit.nc")
    assert cli.main(["fit", "--set", "fit.fractions=[0.0, 1.0]", "--out", out, "--quiet"]) == 2
    assert capsys.readouterr().err == ("brainnet-cb: error: fit.fractions must be > 0 (G / G_ref); got [0.0, 1.0].\n")
    assert list(tmp_path.iterdir()) == []  # a run too short for the band-pass: test_cli_bold_length, in ms


def test_the_fcs_are_named_by_their_keys_also_without_an_equals_sign():
    """'Pass ... as test_fc' named an argument; the command line gives the FCs with fit.test and fit.empirical."""
    fc = np.eye(4) + 0.5
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warn_if_not_held_out(fc, fc.copy(), np.ones(6, dtype=bool))
    (w,) = caught
    assert in_config_keys(str(w.message)) == (
        "fit.test equals fit.empirical on every pair it scores: test_corr is then the fit score, not a held-out one. "
        "Pass the FC of other subjects (or of the other half of each time series) as fit.test, or "
        "fit.holdout='edges' to score connections never fitted.")
    assert in_config_keys("test_fc_mean and test_fc=None") == "test_fc_mean and fit.test=''"  # a longer name stays


def test_a_model_without_the_scanned_eta_is_refused_naming_the_keys(tmp_path, capsys, monkeypatch):
    """The recipe said 'parameter 'eta' is not a parameter of JansenRit; choose from [...]': no key sets it."""
    monkeypatch.setattr(bn, "fit_working_point", _never_called)
    (tmp_path / "jr.toml").write_text('[model]\nname = "JansenRit"\n[noise]\ny1 = 0.01\n')
    assert cli.main(["fit", str(tmp_path / "jr.toml"), "--out", str(tmp_path / "fit.nc"), "--quiet"]) == 2
    having = ", ".join(m for m in bn.list_models() if "eta" in inspect.signature(bn.get_model(m)).parameters)
    assert "CoombesByrne" in having and "JansenRit" not in having
    assert capsys.readouterr().err == (
        "brainnet-cb: error: fit.method = \"working_point\" scans the node parameter eta (fit.excitability), which "
        "model.name = 'JansenRit' does not have (its parameters: A, B, a, b, C, e0, v0, r_s, p). Use a model with "
        f"eta ({having}) or fit.method = \"grid\" or \"gradient\" with fit.parameter.\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["jr.toml"]


def test_the_gradient_fits_advice_names_run_duration(tmp_path, capsys):
    """'use e.g. duration=100800' named fit_gradient's argument; the command line sets it with run.duration."""
    out = tmp_path / "fit.nc"
    assert cli.main(["fit", "--set", "fit.method=gradient", "--duration", "100100", "--out", str(out), "--quiet"]) == 2
    assert capsys.readouterr().err == (
        "brainnet-cb: error: duration 100100 ms must be a whole multiple of the longest monitor period (720 ms) for "
        "a gradient fit; use e.g. run.duration=100800.\n")
    assert list(tmp_path.iterdir()) == []


def test_the_gradient_fits_divergence_advice_names_keys_the_command_line_has(tmp_path, capsys, monkeypatch):
    """'Use tighter bounds, a smaller learning_rate, a smaller dt or weaker noise.': no key sets the bounds, and
    learning_rate and dt are fit.learning_rate and run.dt."""
    (advice, said), = GRADIENT_ADVICE.items()
    assert advice in inspect.getsource(fitting.fit_gradient)  # the library's own words, which the CLI replaces

    def diverging(spec, empirical_fc, **kwargs):  # as bn.fit_gradient stops where its run diverges
        raise FitError(f"the run diverged (or its FC is undefined) at iteration 3 with G=[2.5]; loss=nan. {advice}")

    monkeypatch.setattr(fitting, "fit_gradient", diverging)
    monkeypatch.setattr(sweep_fit, "empirical_fc", lambda *args, **kwargs: None)
    monkeypatch.setattr(config, "build_simulation", lambda cfg, base: _Spec())
    out = tmp_path / "fit.nc"
    assert cli.main(["fit", "--set", "fit.method=gradient", "--out", str(out), "--quiet"]) == 2
    assert capsys.readouterr().err == (
        "brainnet-cb: error: the run diverged (or its FC is undefined) at iteration 3 with G=[2.5]; loss=nan. Use a "
        "smaller fit.learning_rate, a smaller run.dt, weaker noise (the [noise] table) or another fit.initial; to "
        "search only a range of fit.parameter (the command line sets no bounds), use fit.method = \"grid\" with "
        "fit.values.\n")
    assert not out.exists()
    assert {"learning_rate", "initial", "parameter", "values"} <= set(config.FitConfig().fit.__dataclass_fields__)


def _outside_the_domain(spec, empirical_fc, *, init, **kwargs):
    """bn.fit_gradient's own refusal of a starting value outside the parameter's domain (on a small network)."""
    conn = bn.Connectome([[0.0, 1.0], [1.0, 0.0]], [[0.0, 10.0], [10.0, 0.0]])
    spec = bn.Simulation(bn.CoombesByrne(), conn, duration=100.0, dt=0.5)
    run, book = spec.prepare(), ParameterBook.of(spec)
    params, values = fitting.fit_parameters(init, book, run)
    fitting.fit_bounds(None, values, params, book)


def test_a_starting_value_outside_the_domain_is_named_fit_initial(tmp_path, capsys, monkeypatch):
    """The gradient fit said "init['G'] = -1.0 lies outside bounds (0.0, inf).": fit.initial, and bounds no key
    sets (the domain of G)."""
    monkeypatch.setattr(fitting, "fit_gradient", _outside_the_domain)
    monkeypatch.setattr(sweep_fit, "empirical_fc", lambda *args, **kwargs: None)
    monkeypatch.setattr(config, "build_simulation", lambda cfg, base: _Spec())
    with pytest.raises(FitError, match=r"^init\['G'\] = -1.0 lies outside bounds \(0.0, inf\).$"):
        _outside_the_domain(None, None, init={"G": -1.0})
    out = tmp_path / "fit.nc"
    # the fit's own refusal, where a starting value inside coupling.G's range lies outside the fit's domain
    monkeypatch.setattr(sweep_fit, "load", lambda args, cls: (config.FitConfig(fit=config.FitSection(
        method="gradient", initial=-1.0)), None))
    assert cli.main(["fit", "--out", str(out), "--quiet"]) == 2
    assert capsys.readouterr().err == ("brainnet-cb: error: fit.initial = -1.0 lies outside the domain of G, "
                                       "(0.0, inf).\n")
    assert not out.exists()
    monkeypatch.undo()  # the configuration refuses it first, by G's range (coupling.G's), before any fit
    assert cli.main(["fit", "--set", "fit.method=gradient", "--set", "fit.initial=-1", "--out", str(out),
                     "--quiet"]) == 2
    assert capsys.readouterr().err == ("brainnet-cb: error: fit.initial = -1.0 is out of range; allowed: "
                                       "0 <= G <= 1000000.\n")


def test_the_sweeps_advice_names_sweep_bandpass(tmp_path, capsys, monkeypatch):
    """bn.sweep's band-pass advice ('pass band=None', a warning where no FC is scored, else a refusal) is
    sweep.bandpass=false on the command line, and the BOLD monitor's discard monitors.bold.discard; the warning is
    shown as it is issued, before the runs."""
    shown = []

    def short(spec, grid, **kwargs):
        warn_if_no_fc(True, 15, 720.0, "bold", 0.0, 30.24, monitor_discard_s=20.0)
        shown.append(capsys.readouterr().err)  # the runs would start here
        check_band_fits(True, 15, 720.0, "bold", 0.0, 30.24, monitor_discard_s=20.0)

    monkeypatch.setattr(sweep_module, "sweep", short)
    monkeypatch.setattr(config, "build_simulation", lambda cfg, base: _Spec())
    assert cli.main(["sweep", "--out", str(tmp_path / "sweep.nc"), "--quiet"]) == 2
    told = ("sweep.bandpass=true: the zero-phase band-pass pads 15 samples at each end and needs more than 15 samples "
            "of 'bold'; it has 15 (one every 720 ms) after discarding 20 s of the 30.24-s run "
            "(monitors.bold.discard). Simulate longer, discard less, or pass sweep.bandpass=false (no band-pass).")
    assert shown == [f"brainnet-cb: warning: fc_mean will be NaN in every run: {told}\n"]
    assert capsys.readouterr().err == f"brainnet-cb: error: {told}\n"
    assert list(tmp_path.iterdir()) == []


class _Spec:
    """What the sweep and the grid and gradient fits read of the configured simulation before they run."""
    monitors = [bn.Bold()]
    model = bn.CoombesByrne()
    connectome = None


def test_fit_warns_of_an_fc_of_fisher_z_values_before_the_recipe_runs_and_once(tmp_path, capsys, monkeypatch):
    """An FC of Fisher z values was said only with the recipe's other warnings, after the whole fit (minutes):
    now before it, naming the key and the file, and not again after it."""
    fc = np.asarray(bn.load_empirical("hcp80").fc_fit.values)
    z = np.arctanh(np.where(np.eye(fc.shape[0], dtype=bool), 0.0, fc))
    np.savetxt(tmp_path / "fc_z.csv", z, delimiter=",")
    said = {}

    def recipe(connectome, empirical_fc, **kwargs):  # what the user has seen when the fit starts; then it fails
        said["err"] = capsys.readouterr().err
        _warn_if_not_correlation(np.asarray(empirical_fc), "empirical_fc")  # as the recipe does
        raise FitError("stop")

    monkeypatch.setattr(bn, "fit_working_point", recipe)
    assert cli.main(["fit", "--set", f'fit.empirical="{tmp_path / "fc_z.csv"}"', "--out", str(tmp_path / "fit.nc"),
                     "--quiet"]) == 2
    largest = np.max(np.abs(z))
    assert said["err"] == (
        f'brainnet-cb: warning: fit.empirical = "{tmp_path / "fc_z.csv"}" has entries up to {largest:.4g} in size: '
        "it looks like Fisher z values (artanh of correlations). Simulated FC is a correlation, and fits compare "
        "their values, means and spreads: pass the correlation matrix, np.tanh of these.\n")
    assert capsys.readouterr().err == "brainnet-cb: error: stop\n"  # the recipe's own warning is not repeated


def test_an_fc_file_of_several_matrices_is_refused_with_a_fix_the_configuration_can_make(tmp_path, capsys,
                                                                                           monkeypatch):
    """bn.read_fc's 'pass key=<name>' named an argument the command line does not have."""
    fc = np.eye(80)
    scipy.io.savemat(tmp_path / "fc.mat", {"FC": fc, "FC_test": fc})
    monkeypatch.setattr(bn, "fit_working_point", _never_called)
    assert cli.main(["fit", "--set", f'fit.empirical="{tmp_path / "fc.mat"}"', "--out", str(tmp_path / "fit.nc"),
                     "--quiet"]) == 2
    assert capsys.readouterr().err == (
        f"brainnet-cb: error: fit.empirical = '{tmp_path / 'fc.mat'}': 'fc.mat' holds 2 2-D numeric variables among "
        "['FC', 'FC_test']; fit.empirical reads a file of one only: save the FC matrix alone (or as .npy or .csv) "
        "and give fit.empirical that file (shapes: 'FC' (80, 80), 'FC_test' (80, 80); a plain np.savez(path, a, b) "
        "names them 'arr_0', 'arr_1', ...).\n")


def test_fit_empirical_is_read_as_its_help_says_labelled_by_label_and_plain_in_the_connectomes_order(tmp_path,
                                                                                                      capsys):
    """--print-config says how a file of fit.empirical meets the connectome (the sweep's table said it, the
    fit's did not): a header row of labels is matched by label, a plain matrix is taken in the connectome's order."""
    assert cli.main(["fit", "--print-config"]) == 0
    assert ("or a file (.npy/.npz/.csv/.txt/.mat): with a header row of region labels, matched to the connectome's "
            "labels; without, in the connectome's region order.\n") in capsys.readouterr().out
    conn = bn.load_empirical("hcp80").connectome
    fc = np.asarray(bn.load_empirical("hcp80").fc_fit.values)
    order = np.random.default_rng(0).permutation(conn.n_regions)
    labels = [conn.labels[k] for k in order]
    np.savetxt(tmp_path / "plain.csv", fc, delimiter=",")
    np.savetxt(tmp_path / "shuffled.csv", fc[np.ix_(order, order)], delimiter=",", header=",".join(labels),
               comments="")
    plain = sweep_fit.empirical_fc("plain.csv", conn, tmp_path)
    shuffled = sweep_fit.empirical_fc("shuffled.csv", conn, tmp_path)
    np.testing.assert_array_equal(shuffled.values, fc)
    np.testing.assert_array_equal(plain.values, fc)
    assert list(shuffled.region_i.values) == list(conn.labels) == list(plain.region_i.values)
