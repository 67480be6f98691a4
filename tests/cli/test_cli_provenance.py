"""A ``brainnet-cb run`` output reads back: its stored configuration, run from anywhere, makes the same file."""

import contextlib
import io
import pathlib

import numpy as np
import pytest
import xarray as xr

import brainnet_cb as bn
from brainnet_cb import cli
from brainnet_cb.cli import config

_CONFIG = """\
[run]
duration = 60.0
dt = 0.2
seed = 5
[connectome]
atlas = ""
file = "data/trio.npz"
[noise]
kind = "Additive"
v = 0.05
[monitors.activity]
period = 1.0
[monitors.bold]
enabled = false
[monitors.eeg]
enabled = false
[output]
figure = false
"""


def _quiet(argv):
    err = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
        rc = cli.main(argv)
    return rc, err.getvalue()


def test_the_stored_configuration_reruns_from_another_folder_bit_for_bit(tmp_path):
    study = tmp_path / "study"
    (study / "data").mkdir(parents=True)
    np.savez(study / "data" / "trio.npz", weights=[[0, 1, 0.5], [1, 0, 0.2], [0.3, 0.4, 0]],
             lengths=[[0, 30, 12], [30, 0, 21], [12, 21, 0]], labels=np.array(["a", "b", "c"]))
    (study / "run.toml").write_text(_CONFIG)
    first_path = tmp_path / "first.nc"
    assert _quiet(["run", str(study / "run.toml"), "--out", str(first_path), "--quiet"])[0] == 0
    first = xr.load_dataset(first_path)
    stored = config.loads(first.attrs["config"])
    assert stored.connectome.file == str(study / "data" / "trio.npz")  # absolute: it reads back from anywhere
    assert first.attrs["connectome_sha256"] == bn.io.read_connectome(study / "data" / "trio.npz").sha256()

    elsewhere = tmp_path / "months_later"
    elsewhere.mkdir()
    (elsewhere / "rerun.toml").write_text(first.attrs["config"])
    again_path = elsewhere / "again.nc"
    rc, err = _quiet(["run", str(elsewhere / "rerun.toml"), "--out", str(again_path), "--quiet"])
    assert rc == 0 and "note" not in err  # the same brainnet_cb: nothing to say
    again = xr.load_dataset(again_path)
    for name in ("r", "v"):
        np.testing.assert_array_equal(again[name].values, first[name].values)
    assert np.ptp(first.r.values) > 0
    same = set(first.attrs) - {"history", "date_created", "wall_time_s", "config"}
    assert {k: again.attrs[k] for k in same} == {k: first.attrs[k] for k in same}
    assert config.loads(again.attrs["config"]) == config.apply_overrides(stored, [f'output.path="{again_path}"'])


@pytest.mark.parametrize("version", ["0.0.1", bn.__version__])
def test_a_configuration_written_by_another_version_is_noted(tmp_path, version):
    text = config.dumps(config.RunConfig()).replace(f"(brainnet_cb {bn.__version__})", f"(brainnet_cb {version})")
    path = tmp_path / "old.toml"
    path.write_text(text)
    rc, err = _quiet(["run", str(path), "--print-config"])
    assert rc == 0
    if version == bn.__version__:
        assert err == ""
    else:
        assert err == (f"brainnet-cb: note: {path} was written by brainnet_cb 0.0.1, and this is brainnet_cb "
                       f"{bn.__version__}: the run may differ from the one it came from (the same seed gives the "
                       "same run bit for bit with the same brainnet_cb, JAX and device only).\n")


def test_every_file_a_configuration_names_is_stored_by_absolute_path(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    fit = config.apply_overrides(config.FitConfig(), ['fit.empirical="fc/fit.csv"', 'fit.test="hcp80"',
                                                      'connectome.weights="~/w.npy"', 'fit.path="out.nc"'],
                                 config.FitConfig)
    stored = config.with_absolute_paths(fit, tmp_path / "cfg")
    assert stored.fit.empirical == str(tmp_path / "cfg" / "fc" / "fit.csv")
    assert stored.connectome.weights == str(pathlib.Path("~/w.npy").expanduser())
    assert (stored.fit.test, stored.fit.path, stored.connectome.file) == ("hcp80", "out.nc", "")  # names, outputs
    sweep = config.apply_overrides(config.SweepConfig(), ['sweep.empirical="hcp"', 'connectome.labels="l.txt"'],
                                   config.SweepConfig)
    stored = config.with_absolute_paths(sweep)  # no config file: relative to the working folder, as the run read it
    assert (stored.sweep.empirical, stored.connectome.labels) == ("hcp", str(tmp_path / "l.txt"))
    assert config.with_absolute_paths(config.RunConfig()) == config.RunConfig()
