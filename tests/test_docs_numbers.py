"""Defaults written in the documentation's prose are the code's.

tests/test_docs_examples.py runs the pages' code blocks; numbers in sentences are checked nowhere else. Each test
pairs one sentence (whitespace-normalised) with the constant or signature default it states, so a change to either
fails here until the other follows.
"""

import inspect
import pathlib
import re

import pytest

import brainnet_cb as bn
from brainnet_cb.cli import config
from brainnet_cb.dynamics.fixed_points import N_CORNERS
from brainnet_cb.fitting.effective_connectivity import DEFAULT_CONNECTION_SHRINKAGES
from brainnet_cb.fitting.regional_noise import DEFAULT_SHRINKAGES
from brainnet_cb.fitting.working_point import (
    DEFAULT_COUPLING_FRACTIONS,
    DEFAULT_EXCITABILITY,
    DEFAULT_HOMOTOPIC_WEIGHTS,
    DEFAULT_WEIGHT_EXPONENTS,
)

ROOT = pathlib.Path(__file__).resolve().parents[1]


def page(name):
    return re.sub(r"\s+", " ", (ROOT / name).read_text())


def default(fn, name):
    return inspect.signature(fn).parameters[name].default


def test_working_point_recipe_defaults_in_sweeps_and_fits():
    text = page("docs/sweeps_and_fits.md")
    assert "`eta0` (default -3 ... 2, a range of the node model)" in text
    assert DEFAULT_EXCITABILITY == (-3.0, -2.0, -1.0, 0.0, 1.0, 2.0)
    assert "Couplings are then scanned as `G / G_ref` (default 0.5-1.5)" in text
    assert (DEFAULT_COUPLING_FRACTIONS[0], DEFAULT_COUPLING_FRACTIONS[-1]) == (0.5, 1.5)
    assert "(6 excitabilities x 21 couplings, for 4 weight exponents and then 3 homotopic weights" in text
    assert (len(DEFAULT_EXCITABILITY), len(DEFAULT_COUPLING_FRACTIONS)) == (6, 21)
    assert "(`weight_exponents`, default 0.5, 1, 2, 3)" in text
    assert DEFAULT_WEIGHT_EXPONENTS == (0.5, 1.0, 2.0, 3.0)
    assert "(`homotopic_weights`, default 0, 0.5, 1, 2)" in text
    assert DEFAULT_HOMOTOPIC_WEIGHTS == (0.0, 0.5, 1.0, 2.0)
    assert "The shrinkage `lambda` (0, 0.001, 0.01, 0.1, 1)" in text
    assert DEFAULT_SHRINKAGES == (0.0, 1e-3, 1e-2, 1e-1, 1.0)
    assert "going down from 1 (0.3, 0.1, 0.03, 0.01)" in text
    assert DEFAULT_CONNECTION_SHRINKAGES == (1.0, 0.3, 0.1, 0.03, 0.01)
    assert "`seeds` realisations (default 2) of `duration` (default 288 s, 400 volumes)" in text
    fit = bn.fit_working_point
    assert (default(fit, "seeds"), default(fit, "duration"), default(fit, "tr")) == (2, 288_000.0, 720.0)
    assert default(fit, "duration") / default(fit, "tr") == 400
    assert default(fit, "control_variate") is True and default(fit, "candidates") == 1


@pytest.mark.parametrize("name", ["README.md", "docs/quickstart.md"])
def test_default_run_stated_in_readme_and_quickstart(name):
    text = page(name)
    assert "10 minutes of resting state" in text or "10 min of resting state" in text
    cfg = config.RunConfig()
    assert cfg.run.duration == 10 * 60_000.0 and cfg.connectome.atlas == "tvb76"
    assert bn.load_atlas("tvb76").n_regions == 76
    if name == "docs/quickstart.md":
        assert "with BOLD (TR 0.72 s) and EEG (the bundled 63-sensor lead field)" in text
        assert cfg.monitors.bold.tr == 720.0 and bn.EEG.from_atlas("tvb76").gain.shape[0] == 63


def test_default_run_stated_in_observations():
    text = page("docs/observations.md")
    for phrase in ("**node** `CoombesByrne(eta=-2)`", "**coupling** `Linear(G=1.5)`",
                   "**noise** `bn.OrnsteinUhlenbeck(tau=2000.0, v=0.003)`", "**step** `dt = 0.2` ms"):
        assert phrase in text
    kw = config.build_run(config.RunConfig())
    assert kw["model"] == bn.CoombesByrne(eta=-2.0) and kw["coupling"] == bn.Linear(G=1.5)
    assert repr(kw["noise"]) == "OrnsteinUhlenbeck(tau=2000.0, v=0.003)"
    assert config.RunConfig().run.dt == 0.2


def test_fixed_point_search_and_filter_defaults():
    assert "up to `n_corners` (default 62) mixes" in page("docs/working_point.md")
    assert N_CORNERS == 62
    assert default(bn.dynamics.network_fixed_points, "n_corners") == 62
    assert "`order` second-order sections (default 2" in page("docs/analysis.md")
    assert default(bn.fc, "order") == 2 and default(bn.bandpass, "order") == 2


def test_the_command_line_fit_is_the_documented_call():
    """``brainnet-cb fit`` takes its BOLD discard from the run's [monitors.bold] table (20 s), not the call's 30 s."""
    text = page("docs/sweeps_and_fits.md")
    assert "except that it drops the first 20 s of BOLD, `monitors.bold.discard`, where the call drops 30 s" in text
    assert "test_fc=data.fc_test, discard=20.0)` and writes the result" in text
    assert config.FitConfig().monitors.bold.discard == 20_000.0
    assert default(bn.fit_working_point, "discard") == 30.0
