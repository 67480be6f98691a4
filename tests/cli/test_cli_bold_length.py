"""``brainnet-cb fit`` / ``sweep``: a run too short for an FC of its BOLD is refused before the connectome is read,
in the configuration's keys and in ms.

``bn.fit_working_point`` said "duration 60 s minus the 20-s discard is shorter
than one period of the band's low edge (100 s) ... pass band=None" (seconds,
its arguments); the grid and gradient fits said "band=True: ... it has 15
(one every 720 ms) after discarding 0 s", while the command line had
discarded 20 000 ms in the BOLD monitor.
"""

import pytest

import brainnet_cb as bn
from brainnet_cb import cli
from brainnet_cb.cli import bold_length, config, config_build
from brainnet_cb.errors import FitError, SweepError
from brainnet_cb.fitting import sweep as sweep_module
from brainnet_cb.fitting.sweep_summaries import check_band_fits, signal_samples
from brainnet_cb.fitting.working_point_inputs import check_series_length


def _never_called(*args, **kwargs):
    raise AssertionError("the connectome was read")


@pytest.fixture
def no_connectome(monkeypatch):
    """The refusals come before the connectome is read (and so before anything compiles)."""
    monkeypatch.setattr(config, "build_connectome", _never_called)
    monkeypatch.setattr(config_build, "build_connectome", _never_called)


CUT = "Set run.duration >= 120240 (--duration 120240), a shorter monitors.bold.discard or fit.bandpass = false " \
      "(no band-pass)"
PAD = "it leaves 15 BOLD volumes (TR = 720 ms), and the zero-phase band-pass ({key} = true) pads 15 at each end " \
      "and needs more than 15. Set run.duration >= 30960 (--duration 30960), a shorter monitors.bold.discard or " \
      "{key} = false (no band-pass)."


@pytest.mark.parametrize("argv, message", [
    (["fit", "--duration", "60000"],
     "run.duration = 60000 ms is too short for fit.method = \"working_point\": after monitors.bold.discard = 20000 "
     "ms it leaves 55 BOLD volumes (TR = 720 ms), 39600 ms of BOLD, shorter than one period of the band-pass's low "
     f"edge, 0.01 Hz (100000 ms, at least 139 volumes; fit.bandpass = true): the FC would be dominated by the filter. "
     f"{CUT}."),
    (["fit", "--duration", "120000"],  # 138 volumes, 99 360 ms: the 100 000 ms that bn.fc warns below
     "run.duration = 120000 ms is too short for fit.method = \"working_point\": after monitors.bold.discard = "
     "20000 ms it leaves 138 BOLD volumes (TR = 720 ms), 99360 ms of BOLD, shorter than one period of the "
     "band-pass's low edge, 0.01 Hz (100000 ms, at least 139 volumes; fit.bandpass = true): the FC would be "
     f"dominated by the filter. {CUT}."),
    (["fit", "--duration", "300"],  # 300 s meant: the hint of brainnet-cb run
     "run.duration = 300 ms is too short for fit.method = \"working_point\": after monitors.bold.discard = 20000 "
     "ms it leaves 0 BOLD volumes (TR = 720 ms), 0 ms of BOLD, shorter than one period of the band-pass's low edge, "
     f"0.01 Hz (100000 ms, at least 139 volumes; fit.bandpass = true): the FC would be dominated by the filter. "
     f"{CUT}. run.duration is in ms: 300 s is --duration 300000."),
    (["fit", "--duration", "21600", "--set", "fit.bandpass=false"],
     "run.duration = 21600 ms is too short for fit.method = \"working_point\": after monitors.bold.discard = 20000 "
     "ms it leaves 2 BOLD volumes (TR = 720 ms), and an FC needs at least 3. Set run.duration >= 22320 "
     "(--duration 22320) or a shorter monitors.bold.discard."),
    (["fit", "--duration", "1440", "--set", "fit.bandpass=false", "--set", "monitors.bold.discard=0"],
     "run.duration = 1440 ms is too short for fit.method = \"working_point\": after monitors.bold.discard = 0 ms it "
     "leaves 2 BOLD volumes (TR = 720 ms), and an FC needs at least 3. Set run.duration >= 2160 (--duration 2160). "
     "run.duration is in ms: 1440 s is --duration 1440000."),
    (["fit", "--set", "fit.method=grid", "--duration", "30240"],
     "run.duration = 30240 ms is too short for fit.method = \"grid\": after monitors.bold.discard = 20000 ms "
     + PAD.format(key="fit.bandpass")),
    (["fit", "--set", "fit.method=gradient", "--duration", "30240"],
     "run.duration = 30240 ms is too short for fit.method = \"gradient\": after monitors.bold.discard = 20000 ms "
     + PAD.format(key="fit.bandpass")),
    (["fit", "--set", "monitors.bold.tr=6000"],
     "monitors.bold.tr = 6000 ms samples BOLD at 0.166667 Hz: its Nyquist frequency, 0.0833333 Hz, is not above the "
     "upper edge of the 0.01-0.1 Hz band-pass (fit.bandpass = true) of fit.method = \"working_point\". Set "
     "monitors.bold.tr < 5000 or fit.bandpass = false (no band-pass)."),
    (["sweep", "--duration", "30240", "--set", "sweep.empirical=hcp", "--set", "connectome.atlas=hcp"],
     "run.duration = 30240 ms is too short for the FC scored against sweep.empirical = \"hcp\": after "
     "monitors.bold.discard = 20000 ms " + PAD.format(key="sweep.bandpass")),
])
def test_a_run_too_short_for_an_fc_is_refused_in_the_keys_before_the_connectome_is_read(
        tmp_path, capsys, no_connectome, argv, message):
    assert cli.main([*argv, "--out", str(tmp_path / "out.nc"), "--quiet"]) == 2
    assert capsys.readouterr().err == f"brainnet-cb: error: {message}\n"
    assert list(tmp_path.iterdir()) == []


def test_long_enough_runs_and_a_sweep_without_an_fc_pass_the_check(tmp_path, capsys, no_connectome):
    """At the shortest duration each names, the command goes on to read the connectome."""
    for argv in (["fit", "--duration", "120240"], ["fit", "--set", "fit.method=grid", "--duration", "30960"],
                 ["fit", "--set", "fit.bandpass=false", "--duration", "22320"],
                 ["sweep", "--duration", "30240"]):  # no sweep.empirical: its runs need no FC
        with pytest.raises(AssertionError, match="the connectome was read"):
            cli.main([*argv, "--out", str(tmp_path / "out.nc"), "--quiet"])
    assert capsys.readouterr().err == ""


def _runs_start(*args, **kwargs):
    raise AssertionError("the runs started")


def test_a_sweep_without_an_fc_warns_naming_what_monitors_bold_discard_dropped(tmp_path, capsys, monkeypatch):
    """No sweep.empirical: the sweep runs, and its warning before the runs said 'after discarding 0 s' where
    monitors.bold.discard had dropped the first 20 s."""
    monkeypatch.setattr(sweep_module, "_member_bytes", _runs_start)
    with pytest.raises(AssertionError, match="the runs started"):
        cli.main(["sweep", "--duration", "30240", "--out", str(tmp_path / "out.nc"), "--quiet"])
    assert capsys.readouterr().err == (
        "brainnet-cb: warning: fc_mean will be NaN in every run: sweep.bandpass=true: the zero-phase band-pass pads 15 "
        "samples at each end and needs more than 15 samples of 'bold'; it has 15 (one every 720 ms) after discarding "
        "20 s of the 30.24-s run (monitors.bold.discard). Simulate longer, discard less, or pass "
        "sweep.bandpass=false (no band-pass).\n")


@pytest.mark.parametrize("duration, discard, band, message", [
    (120_000.0, 20.0, True, "duration 120 s leaves 138 BOLD samples (99.36 s) after the 20-s discard, shorter than one "
     "period of the band's low edge (100 s); FC would be dominated by the filter. Simulate longer (duration >= "
     "120240 ms), or pass band=None."),
    (1440.0, 0.0, None, "duration 1.44 s leaves 2 BOLD samples after discarding 0 s; simulate longer (duration >= "
     "2160 ms; several minutes for a stable FC)."),
])
def test_the_recipe_counts_the_samples_it_keeps_and_names_the_shortest_duration(duration, discard, band, message):
    """At 120 000 ms and a 20-s discard the recipe kept 138 volumes (99.36 s): it passed its check, which counted
    the 100 s after the discard in time, and bn.fc then warned that the series is shorter than the band's period."""
    with pytest.raises(FitError) as err:
        check_series_length(duration, 720.0, discard, band)
    assert str(err.value) == message
    check_series_length(duration + 720.0, 720.0, discard, band)  # one volume more: accepted


@pytest.mark.parametrize("tr, discard", [(720.0, 20_000.0), (720.0, 0.0), (2000.0, 7000.0), (500.0, 21_600.0)])
@pytest.mark.parametrize("band", [True, False])
def test_the_shortest_duration_is_the_recipes_own_limit(tr, discard, band):
    """The command line refuses exactly what bn.fit_working_point's check refuses, at its boundary."""
    need, _ = bold_length.shortest_duration(tr, discard, band, recipe=True)
    check_series_length(need, tr, discard / 1000.0, True if band else None)  # accepted
    with pytest.raises(FitError):
        check_series_length(need - 1.0, tr, discard / 1000.0, True if band else None)


@pytest.mark.parametrize("tr, discard", [(720.0, 20_000.0), (720.0, 0.0), (2000.0, 7000.0), (500.0, 21_600.0)])
@pytest.mark.parametrize("band", [True, False])
def test_the_shortest_duration_is_the_grid_and_sweep_limit(tr, discard, band):
    """The samples the sweep counts after the BOLD monitor's discard: enough at the duration named, one short
    of it a TR earlier (its check_band_fits, or its three samples of an FC)."""
    need, _ = bold_length.shortest_duration(tr, discard, band, recipe=False)
    conn = bn.Connectome([[0.0, 1.0], [1.0, 0.0]], [[0.0, 10.0], [10.0, 0.0]])
    counts = []
    for duration in (need, need - tr):
        monitor = bn.Bold(tr=tr, discard=discard)
        run = bn.Simulation(bn.CoombesByrne(), conn, duration=duration, dt=0.5, monitors=[monitor]).prepare()
        counts.append(signal_samples(run, monitor, 0.0)[0])
    enough, short = counts
    assert enough >= 3 and short == enough - 1
    if band:
        check_band_fits(True, enough, tr, "bold", 0.0, need / 1000.0)
        with pytest.raises(SweepError):
            check_band_fits(True, short, tr, "bold", 0.0, need / 1000.0)
    else:
        assert short == 2
