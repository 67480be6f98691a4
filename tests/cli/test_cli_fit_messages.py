"""``brainnet-cb fit``: the working-point recipe's advice names the configuration's keys, not the Python arguments.

``bn.fit_working_point`` says "widen values=" (its argument); the command
line sets that argument with ``fit.excitability``, and its ``fit.values`` is
the grid fit's grid, which the working point never reads: advice that named
``values=`` sent a user to a key that changes nothing.
"""

import warnings

import brainnet_cb as bn
from brainnet_cb import cli
from brainnet_cb.cli.sweep_fit import in_config_keys, working_point_keys
from brainnet_cb.errors import FitError
from brainnet_cb.fitting.working_point import DEFAULT_COUPLING_FRACTIONS, DEFAULT_EXCITABILITY
from brainnet_cb.fitting.working_point_checks import ScanEdgeWarning, warn_if_at_an_edge


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
    assert in_config_keys("e.g. fractions=[0.7, 0.8, 0.9]; keep regional_noise= and heterogeneity_scales=.") == (
        "e.g. fit.fractions=[0.7, 0.8, 0.9]; keep fit.regional_noise and heterogeneity_scales=.")


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

