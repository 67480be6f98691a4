"""The brainnet-cb command: files it writes, what it refuses, what it prints."""

import json
import re
import subprocess
import sys

import numpy as np
import pytest
import xarray as xr

import brainnet_cb as bn
from brainnet_cb import cli
from brainnet_cb import io as bnio
from brainnet_cb.cli import config
from brainnet_cb.cli.config import build_simulation

SHORT = ["--duration", "2880", "--set", "monitors.bold.discard=0.0", "--quiet"]


def _printed(text, label):
    return re.search(rf"^{label}.*$", text, flags=re.M).group(0)


@pytest.fixture(scope="module")
def short_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("run")
    out = folder / "run.nc"
    import io
    from contextlib import redirect_stdout

    buf = io.StringIO()
    with redirect_stdout(buf):
        rc = cli.main(["run", *SHORT, "--out", str(out)])
    return rc, out, buf.getvalue()


def test_run_writes_netcdf_and_png_that_match_the_api_and_the_summary(short_run):
    rc, out, text = short_run
    assert rc == 0
    assert out.exists() and out.with_suffix(".png").stat().st_size > 20_000
    with xr.open_dataset(out) as f:
        ds = f.load()
    # the file is the run that the Python API gives for the same configuration
    cfg = config.apply_overrides(config.RunConfig(), ["run.duration=2880", "monitors.bold.discard=0.0",
                                                      f"output.path={json.dumps(str(out))}"])
    assert config.loads(ds.attrs["config"]) == cfg
    kwargs = config.build_run(cfg)
    expected = bn.simulate(**kwargs)
    for name in expected.data_vars:
        np.testing.assert_array_equal(ds[name].values, expected[name].values)
        assert ds[name].dims == expected[name].dims
    assert set(ds.data_vars) == {"r", "v", "bold", "eeg"}
    assert ds.r.dtype == np.float32 and ds.sizes["time_bold"] == 4
    # what it printed is what the file holds
    s = cli.summarize(ds, kwargs["connectome"].normalized("max"))
    assert _printed(text, "regions") == "regions       76"
    assert f"r = {s['mean']:.4f} 1/ms (min" in _printed(text, "mean rate")  # the unit of the file's r
    assert _printed(text, "mean rate") == (f"mean rate     r = {s['mean']:.4f} 1/ms (min {s['min']:.4f}, "
                                           f"max {s['max']:.4f})")  # the unit once
    assert ds.r.attrs["units"] == s["units"] == "1/ms"
    assert f"mean {s['fc_mean']:.3f}, sd {s['fc_sd']:.3f}" in _printed(text, r"FC \(bold")
    assert f"{float(ds.r.mean()):.4f}" in _printed(text, "mean rate")


def test_second_run_refuses_to_overwrite_and_overwrite_replaces(short_run, capsys):
    _, out, _ = short_run
    before = out.stat().st_mtime_ns
    assert cli.main(["run", *SHORT, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err == f"brainnet-cb: error: {out} exists; pass --overwrite to replace it, or choose another --out.\n"
    assert out.stat().st_mtime_ns == before
    assert cli.main(["run", *SHORT, "--out", str(out), "--overwrite", "--seed", "1", "--no-figure"]) == 0
    with xr.open_dataset(out) as f:
        assert f.attrs["seed"] == "1"


BAD = [
    ("[run]\ndurashun = 5.0\n", 2,
     "unknown key 'run.durashun' (did you mean 'duration'?); allowed keys in [run]: duration, dt, method, seed, dtype"),
    ("[run]\ndt = 0.0\n", 2, "run.dt = 0.0 is out of range; allowed: 0 < dt <= 10 (ms)"),
    ("[coupling]\nG = -0.5\n", 2, "coupling.G = -0.5 is out of range; allowed: 0 <= G <= 1000000"),
    ('[run]\nduration = "long"\n', 2, 'run.duration = "long" has the wrong type (string); expected a number (ms)'),
    ("[run]\nseed = 1.5\n", 2, "run.seed = 1.5 has the wrong type (number); expected an integer"),
    ('[model]\nname = "Hopf"\n', 2, 'model.name = "Hopf" is not allowed; allowed: "CoombesByrne", '),
    ("[model.parameters]\nDelta = -1.0\n", 2, "model.parameters.Delta = -1.0 is out of range; allowed: 0 <= Delta"),
    ("[model.parameters]\nbeta = 1.0\n", 2, "unknown key 'model.parameters.beta'"),
    ("[noise]\nw = 0.1\n", 2,
     "unknown key 'noise.w'; allowed keys in [noise] (kind, tau and the state variables of CoombesByrne): kind, tau, r, v"),
    ('[noise]\nkind = "Pink"\nv = 0.1\n', 2, 'noise.kind = "Pink" is not allowed; allowed: "Additive", '
     '"OrnsteinUhlenbeck"'),
    ("[noise]\ntau = 100.0\nv = 0.1\n", 2,
     'noise.tau is the correlation time of coloured noise; set noise.kind = "OrnsteinUhlenbeck" to use it'),
    ('[noise]\nkind = "OrnsteinUhlenbeck"\nv = 0.1\n', 2,
     'noise.kind = "OrnsteinUhlenbeck" needs its correlation time: set noise.tau (ms), e.g. tau = 2000.0'),
    ('[noise]\nkind = "OrnsteinUhlenbeck"\ntau = -5.0\nv = 0.1\n', 3,
     "noise.tau = -5.0 is out of range; allowed: 0 < tau < inf (ms)"),
    ('[noise]\nkind = "OrnsteinUhlenbeck"\ntau = "slow"\nv = 0.1\n', 3,
     'noise.tau = "slow" has the wrong type (string); expected a number'),
    ('[noise]\nkind = "OrnsteinUhlenbeck"\ntau = 50.0\n', 2,
     'noise.kind = "OrnsteinUhlenbeck" with no amplitude; give sigma per state variable (e.g. v = 0.003)'),
    ("[monitors.bold]\nenabled = 1\n", 2, "monitors.bold.enabled = 1 has the wrong type (integer); expected true or false"),
    ("colour = 3\n", 1, "unknown key 'colour'; allowed keys in the top level: run, connectome, model, coupling"),
    ("[run\n", 0, "not valid TOML: Expected ']' at the end of a table declaration (at line 1, column 5)"),
]


@pytest.mark.parametrize("text, line, message", BAD)
def test_bad_config_is_one_line_error_naming_file_line_key_value_and_range(tmp_path, capsys, text, line, message):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    assert cli.main(["run", str(path), "--out", str(tmp_path / "x.nc")]) == 2
    err = capsys.readouterr().err
    where = f"{path}:{line}" if line else str(path)  # a TOML syntax error names its line and column itself
    assert err.startswith(f"brainnet-cb: error: {where}: ") and err.count("\n") == 1
    assert message in err
    assert not (tmp_path / "x.nc").exists()


def test_bad_config_from_the_command_line_exits_nonzero_without_traceback(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text("[coupling]\nspeed = 0\n")
    proc = subprocess.run([sys.executable, "-m", "brainnet_cb", "run", str(path)], capture_output=True,
                          text=True, cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr == (f"brainnet-cb: error: {path}:2: coupling.speed = 0.0 is out of range; "
                           "allowed: 0 < speed <= 1000000 (mm/ms).\n")
    assert "Traceback" not in proc.stderr and proc.stdout == ""


def test_set_override_errors_name_the_key(capsys):
    assert cli.main(["run", "--set", "run.dtype=float16", "--print-config"]) == 2
    assert capsys.readouterr().err == ('brainnet-cb: error: run.dtype = "float16" is not allowed (did you mean '
                                       '"float64"?); allowed: "float32", "float64".\n')


@pytest.mark.parametrize("cls, command", [(config.RunConfig, "run"), (config.SweepConfig, "sweep"),
                                          (config.FitConfig, "fit")])
def test_print_config_round_trips_to_the_same_run(tmp_path, capsys, cls, command):
    assert cli.main([command, "--print-config"]) == 0
    text = capsys.readouterr().out
    assert config.loads(text, cls) == cls()
    # the printed file, edited and read back, is the run the command would do
    path = tmp_path / "c.toml"
    path.write_text(text)
    assert cli.main([command, str(path), "--set", "coupling.G=0.7", "--print-config"]) == 0
    edited = config.loads(capsys.readouterr().out, cls)
    assert edited.coupling.G == 0.7 and edited.run == cls().run


def test_default_run_is_resting_state_on_tvb76_with_bold_and_eeg():
    cfg = config.RunConfig()
    kw = config.build_run(cfg)
    assert kw["connectome"].name == "tvb76" and type(kw["model"]) is bn.CoombesByrne
    assert kw["model"] == bn.CoombesByrne(eta=-2.0)
    names = [type(m).__name__ for m in kw["monitors"]]
    assert names == ["TemporalAverage", "Bold", "EEG"]
    assert kw["monitors"][2].gain.shape == (63, 76)
    assert cfg.run.duration == 600_000.0  # 10 min simulated
    assert isinstance(kw["noise"], bn.OrnsteinUhlenbeck) and kw["noise"].tau == 2000.0


def test_default_run_sits_at_the_connectomes_reference_coupling_with_a_stable_step():
    """G = 1.50 is 0.99 x tvb76's G_ref at eta = -2 (steepest rise of the mean rate), and dt = 0.2 ms keeps
    Heun stable there; the slow relaxation near G_ref is what lets the slow input reach the BOLD band."""
    from brainnet_cb.fitting.working_point_scan import stable_step

    kw = config.build_run(config.RunConfig())
    critical = bn.dynamics.critical_coupling(kw["model"], kw["connectome"])
    assert critical.kind == "none"  # no bifurcation at eta = -2: G_ref is where the rate rises fastest
    assert kw["coupling"].G / critical.G_ref == pytest.approx(0.99, abs=0.002)
    point = bn.dynamics.network_fixed_point(kw["model"], kw["connectome"], kw["coupling"])
    assert point.stable and -0.35 < point.max_real < -0.2  # 1/ms: near the slowest mode of the branch
    assert stable_step(point, 0.2, tr=720.0) == kw["dt"] == 0.2


def test_info_and_atlases_list_versions_devices_models(capsys):
    assert cli.main(["info"]) == 0
    text = capsys.readouterr().out
    assert f"brainnet_cb   {bn.__version__}" in text and "JAX device    " in text
    for name in bn.list_models():
        assert name in text
    assert ("atlases       " + ", ".join(bn.list_atlases()) + "; also hcp80, hcp as connectome.atlas (brainnet-cb "
            "atlases describes each)\n") in text  # every name connectome.atlas takes, as `atlases` lists them
    assert cli.main(["atlases"]) == 0
    listed = capsys.readouterr().out
    assert all(name in listed for name in bn.list_atlases())


def test_connectome_from_files_and_empirical_fc_in_a_sweep(tmp_path, capsys):
    rng = np.random.default_rng(0)
    w = rng.random((4, 4))
    np.fill_diagonal(w, 0)
    np.save(tmp_path / "w.npy", w)
    np.save(tmp_path / "l.npy", np.full((4, 4), 30.0))
    (tmp_path / "labels.txt").write_text("a\nb\nc\nd\n")
    np.save(tmp_path / "fc.npy", np.corrcoef(rng.random((4, 50))))
    (tmp_path / "s.toml").write_text(
        '[connectome]\nweights = "w.npy"\nlengths = "l.npy"\nlabels = "labels.txt"\n'
        "[run]\nduration = 4000.0\n[monitors.bold]\ntr = 200.0\ndiscard = 0.0\n"
        '[sweep]\ngrid = { G = [0.0, 0.5] }\nempirical = "fc.npy"\nbandpass = false\n')
    out = tmp_path / "sweep.nc"
    assert cli.main(["sweep", str(tmp_path / "s.toml"), "--out", str(out), "--quiet"]) == 0
    text = capsys.readouterr().out
    with xr.open_dataset(out) as res:
        assert res.fc_corr.dims == ("G",) and list(res.G.values) == [0.0, 0.5]
        assert f"max {float(res.fc_corr.max()):.4f}" in text
    assert out.with_suffix(".png").exists()
    # region d without signal: its pairs missing (NaN), the other three scored
    fc = np.load(tmp_path / "fc.npy")
    fc[3, :] = fc[:, 3] = np.nan
    np.save(tmp_path / "fc.npy", fc)
    gap = tmp_path / "gap.nc"
    assert cli.main(["sweep", str(tmp_path / "s.toml"), "--out", str(gap), "--quiet"]) == 0
    with xr.open_dataset(gap) as res:
        assert np.isfinite(res.fc_corr.values).all()


def test_a_sweep_over_four_parameters_draws_its_best_slice(tmp_path, capsys):
    """Over four swept parameters the figure failed after the NetCDF was written (the heat map draws three)."""
    rng = np.random.default_rng(1)
    w = rng.random((4, 4))
    np.fill_diagonal(w, 0)
    bnio.write_npz(bn.Connectome(w, np.full((4, 4), 30.0), labels=list("abcd")), tmp_path / "c.npz")
    np.save(tmp_path / "fc.npy", np.corrcoef(rng.random((4, 50))))
    (tmp_path / "s.toml").write_text(
        '[connectome]\nfile = "c.npz"\n[run]\nduration = 2000.0\n[monitors.bold]\ntr = 200.0\ndiscard = 0.0\n'
        '[sweep]\ngrid = { G = [0.0, 0.5], eta = [-5.0, -4.0], Delta = [0.5, 1.0], k = [0.5, 1.0] }\n'
        'empirical = "fc.npy"\nbandpass = false\n')
    out = tmp_path / "sweep.nc"
    assert cli.main(["sweep", str(tmp_path / "s.toml"), "--out", str(out), "--quiet"]) == 0
    text = capsys.readouterr().out
    with xr.open_dataset(out) as res:
        best = res.fc_corr.where(np.isfinite(res.fc_corr), -np.inf).argmax(...)
        k = float(res.k[int(best["k"])])
    assert f"figure        fc_corr at k = {k:g} (its maximum over those" in text
    assert out.with_suffix(".png").exists()


def test_the_drawable_slice_keeps_three_dims_and_sets_the_rest_at_the_maximum():
    from brainnet_cb.cli.sweep_fit import drawable_slice as _drawable_slice

    da = xr.DataArray(np.arange(32.0).reshape(2, 2, 2, 4), dims=("a", "b", "c", "d"),
                      coords={"a": [0, 1], "b": [0, 1], "c": [0, 1], "d": [10, 20, 30, 40]})
    da[0, 1, 0, 2] = 99.0
    cut, at = _drawable_slice(da, 12)
    assert at == "d = 30" and cut.dims == ("a", "b", "c")
    np.testing.assert_array_equal(cut.values, da.values[..., 2])
    cut, at = _drawable_slice(da.isel(d=0), 1)  # a third dimension of more values than panels is set too
    assert at == "c = 1" and cut.dims == ("a", "b")
    cut, at = _drawable_slice(da.isel(c=0, d=0), 12)
    assert at == "" and cut.identical(da.isel(c=0, d=0))


def test_fit_command_fits_g_on_a_small_connectome(tmp_path, capsys):
    conn = bn.Connectome([[0, 1, 0], [1, 0, 1], [0, 1, 0]], np.full((3, 3), 20.0), labels=["a", "b", "c"])
    bnio.write_npz(conn, tmp_path / "c.npz")
    cfg = config.loads('[connectome]\nfile = "c.npz"\n[run]\nduration = 3000.0\ndtype = "float64"\n'
                       "[noise]\nv = 0.1\n[monitors.bold]\ntr = 100.0\ndiscard = 0.0\n", config.FitConfig)
    target = bn.fc(bn.simulate(**{**config.build_run(cfg, tmp_path), "coupling": bn.Linear(G=1.0)}).bold)
    np.save(tmp_path / "fc.npy", target.values)
    (tmp_path / "f.toml").write_text(
        '[connectome]\nfile = "c.npz"\n[run]\nduration = 3000.0\ndtype = "float64"\n[noise]\nv = 0.1\n'
        '[monitors.bold]\ntr = 100.0\ndiscard = 0.0\n[fit]\nmethod = "grid"\nvalues = [0.0, 0.5, 1.0, 1.5]\n'
        'loss = "rmse"\nempirical = "fc.npy"\nbandpass = false\n')
    out = tmp_path / "fit.nc"
    assert cli.main(["fit", str(tmp_path / "f.toml"), "--out", str(out), "--quiet"]) == 0
    assert "best          G = 1.0000" in capsys.readouterr().out
    assert out.exists()


def test_noise_table_builds_white_or_coloured_noise():
    """[noise] kind/tau: Additive by default, OrnsteinUhlenbeck with its tau; the default run is coloured."""
    default = build_simulation(config.RunConfig())
    assert isinstance(default.noise, bn.OrnsteinUhlenbeck)
    assert default.noise.tau == 2000.0 and default.noise.sigma == {"v": 0.003}
    white = build_simulation(config.loads("[noise]\nv = 0.3\n"))  # a table replaces the default one
    assert type(white.noise) is bn.Additive and white.noise.sigma == {"v": 0.3}
    silent = build_simulation(config.loads("[noise]\n"))
    assert silent.noise is None
    nudged = build_simulation(config.apply_overrides(config.RunConfig(), ["noise.v=0.01"]))
    assert isinstance(nudged.noise, bn.OrnsteinUhlenbeck) and nudged.noise.sigma == {"v": 0.01}


def test_default_resting_state_looks_like_a_recording():
    """Two minutes of the default run: BOLD fluctuates by 0.1-2 % and scalp EEG by 10-100 uV (issue 16)."""
    cfg = config.apply_overrides(config.RunConfig(), ["run.duration=140000", "monitors.activity.enabled=false"])
    ds = build_simulation(cfg).run()
    bold_sd = ds.bold.std("time_bold").values  # fraction of the resting signal
    assert np.all((0.001 < bold_sd) & (bold_sd < 0.02)), bold_sd
    eeg = ds.eeg.isel(time_eeg=slice(4000, None))  # after the 20-s transient
    eeg_sd = float(eeg.std("time_eeg").mean())
    assert ds.eeg.attrs["units"] == "V" and 10e-6 < eeg_sd < 100e-6, eeg_sd
