"""MNE bridge with real MNE objects: to_mne's time axis and refusals."""

import sys

import numpy as np
import pytest
import xarray as xr

import brainnet_cb as bn
from brainnet_cb.forward.mne_bridge import to_mne

mne = pytest.importorskip("mne")
mne.set_log_level("ERROR")


def _eeg(times_ms, units="V"):
    values = np.random.default_rng(1).normal(size=(len(times_ms), 3)) * 1e-6
    return xr.DataArray(values, dims=("time_eeg", "sensor"), attrs={"units": units},
                        coords={"time_eeg": ("time_eeg", np.asarray(times_ms), {"units": "ms"}),
                                "sensor": ["Cz", "Fz", "Pz"]})


def test_samples_far_from_zero_count_from_zero():
    t = 1e6 + 0.1 * np.arange(1, 201)  # the last 20 ms of a 1000 s run at 0.1 ms
    raw = to_mne(_eeg(t))
    assert raw.first_samp == 10_000_001 and raw.info["sfreq"] == pytest.approx(10000.0, rel=1e-9)
    np.testing.assert_allclose(raw.times + raw.first_time, t * 1e-3, rtol=0, atol=1e-6)
    np.testing.assert_array_equal(raw.get_data(), _eeg(t).values.T)


def test_times_off_the_sampling_grid_are_refused_naming_the_shift():
    # first_samp was round(0.15 / 0.1) = 2: every time stamp moved by 0.05 ms without a word
    with pytest.raises(bn.MonitorError, match=r"multiples of the sampling period \(0\.1 ms\): MNE counts samples from "
                                              r"time 0 \(first_samp\); 'time_eeg' starts at 0\.15 ms, 0\.05 ms off the "
                                              r"grid\. Shift the times: da\.assign_coords\(time_eeg=da\['time_eeg'\] "
                                              r"- 0\.05\)"):
        to_mne(_eeg(0.15 + 0.1 * np.arange(50)))
    da = _eeg(0.15 + 0.1 * np.arange(50))
    raw = to_mne(da.assign_coords(time_eeg=da["time_eeg"] - 0.05))  # the call the message gives
    assert raw.first_samp == 1 and raw.info["sfreq"] == pytest.approx(10000.0, rel=1e-12)


def test_bold_is_refused_as_a_signal_per_region_with_a_call_that_works():
    conn = bn.Connectome(weights=[[0, 1], [1, 0]], lengths=[[0, 30], [30, 0]], labels=["A", "B"])
    ds = bn.simulate(bn.CoombesByrne(), conn, duration=1000.0, dt=0.1, monitors=[bn.Bold(tr=500.0)])
    # it said "build the monitor in physical units (bn.EEG.sphere, ...)", as if BOLD were an EEG in a.u.
    with pytest.raises(bn.MonitorError, match=r"to_mne takes EEG or MEG sensors; 'bold' has dims \('time_bold', "
                                              r"'region'\): a signal per region \(BOLD, a neural monitor\), not per "
                                              r"sensor\..*'misc' channels yourself: mne\.io\.RawArray"):
        to_mne(ds, "bold")
    raw = mne.io.RawArray(ds.bold.values.T, mne.create_info([str(r) for r in ds.bold["region"].values], 200.0, "misc"))
    assert raw.ch_names == ["A", "B"] and raw.get_channel_types() == ["misc", "misc"]


def test_without_mne_the_error_is_an_import_error_naming_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "mne", None)  # import mne raises ImportError
    with pytest.raises(ImportError, match=r"the MNE bridge needs mne; install it with pip install "
                                          r"'brainnet_cb\[mne\]'") as err:
        to_mne(_eeg(0.1 * np.arange(1, 5)))
    assert isinstance(err.value, bn.MonitorError)  # as before
