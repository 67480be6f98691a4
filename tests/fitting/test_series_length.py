"""bn.fit_working_point's check of its BOLD series' length (``check_series_length``), before any run: the volumes
counted as the BOLD monitor records them, and every refusal naming a duration that passes."""

import re

import brainunit as u
import pytest

import brainnet_cb as bn
from brainnet_cb.cli import bold_length, config
from brainnet_cb.errors import FitError
from brainnet_cb.fitting.sweep_summaries import signal_samples
from brainnet_cb.fitting.working_point_inputs import check_series_length

CASES = [(duration, tr, discard, band) for tr, discard in ((720.0, 30.0), (720.0, 0.0), (2000.0, 7.0))
         for band in (True, None, (0.05, 0.2)) for duration in (1000.0, 2 * tr, 4 * tr, 12_000.0, 45_000.0, 60_000.0)
         if not (band == (0.05, 0.2) and tr == 720.0)]


@pytest.mark.parametrize("duration, tr, discard, band", CASES)
def test_every_refusal_names_a_duration_that_passes(duration, tr, discard, band):
    # was: 30 s with the default band-pass and a 30-s discard said "duration >= 32400 ms", which the band-pass's
    # padding then refused; a padding refusal named no duration and "a lower order", which the recipe has no
    # argument for
    try:
        check_series_length(duration, tr, discard, band)
    except FitError as err:
        assert "lower order" not in str(err)
        named = float(re.search(r"duration >= ([0-9.]+) ms", str(err)).group(1))
        check_series_length(named, tr, discard, band)  # accepted
        with pytest.raises(FitError):
            check_series_length(named - tr, tr, discard, band)  # the shortest: a TR less is refused


def test_a_series_too_short_for_the_padding_says_so_in_the_recipes_arguments():
    with pytest.raises(FitError) as err:
        check_series_length(33_120.0, 720.0, 30.0, True)
    assert str(err.value) == (
        "duration 33.12 s leaves 4 BOLD samples after the 30-s discard, too few for the zero-phase band-pass: it pads "
        "15 samples at each end and needs more than 15. Simulate longer (duration >= 130320 ms), or pass band=None.")


def test_the_volumes_are_counted_as_the_bold_monitor_records_them():
    # 182 TRs of 720 ms computed in seconds: 131039.99999999999 ms, which the monitor records as 182 volumes
    # (floor(duration / tr + 1e-9)); duration // tr counted 181, and the check refused the run with
    # "138 BOLD samples ... Simulate longer (duration >= 131040 ms)"
    duration, tr, discard = 182 * 0.72 * 1000, 720.0, 30.5
    assert duration < 131_040.0
    conn = bn.Connectome([[0.0, 1.0], [1.0, 0.0]], [[0.0, 10.0], [10.0, 0.0]])
    monitor = bn.Bold(tr=tr)
    run = bn.Simulation(bn.CoombesByrne(), conn, duration=duration, dt=0.5, monitors=[monitor]).prepare()
    assert signal_samples(run, monitor, discard)[0] == 139  # 182 recorded, 43 discarded
    check_series_length(duration, tr, discard, True)  # 139 volumes span the band's 100-s period: accepted
    cfg = config.loads(f"[run]\nduration = {duration!r}\n[monitors.bold]\ndiscard = {discard * 1000!r}\n")
    bold_length.check_fc_series(cfg, 'fit.method = "working_point"', "fit.bandpass", True, recipe=True)


def test_a_band_in_brainunit_frequencies_is_checked_as_in_hz():
    # was UnitMismatchError ("138.88889 s - 1.e-09 ... s != 1"): the band's edge was used as given
    check_series_length(130_320.0, 720.0, 30.0, (0.01 * u.Hz, 0.1 * u.Hz))
    with pytest.raises(FitError, match=r"leaves 138 BOLD samples \(99\.36 s\) after the 30-s discard, shorter than "
                                       r"one period of the band's low edge \(100 s\)"):
        check_series_length(130_319.0, 720.0, 30.0, (0.01 * u.Hz, 0.1 * u.Hz))


def test_the_named_duration_is_not_rounded_below_the_limit():
    # was: 165 TRs of 733.3 ms are 120994.5 ms, written "duration >= 120994 ms" (:g, 6 digits), which the same
    # check refused ("leaves 136 BOLD samples ... shorter than one period of the band's low edge")
    with pytest.raises(FitError, match=r"duration >= 120994\.5 ms") as err:
        check_series_length(30_000.0, 733.3, 20.0, True)
    check_series_length(float(re.search(r"duration >= ([0-9.]+) ms", str(err.value)).group(1)), 733.3, 20.0, True)
    cfg = config.loads("[run]\nduration = 30000.0\n[monitors.bold]\ntr = 733.3\ndiscard = 20000.0\n")
    with pytest.raises(config.ConfigError, match=r"--duration 120994\.5\)") as err:
        bold_length.check_fc_series(cfg, 'fit.method = "working_point"', "fit.bandpass", True, recipe=True)
    shown = re.search(r"--duration ([0-9.]+)\)", str(err.value)).group(1)
    cfg = config.loads(f"[run]\nduration = {shown}\n[monitors.bold]\ntr = 733.3\ndiscard = 20000.0\n")
    bold_length.check_fc_series(cfg, 'fit.method = "working_point"', "fit.bandpass", True, recipe=True)
