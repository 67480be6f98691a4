"""to_mne reads the time unit as the analysis functions do and converts EEG in µV/mV to volts (needs mne)."""

import numpy as np
import pytest
import xarray as xr

from brainnet_cb.errors import MonitorError

pytest.importorskip("mne")

from brainnet_cb.forward.mne_bridge import to_mne


def _eeg(time_units="s", units="V", dt=0.004):
    values = np.random.default_rng(0).normal(size=(100, 3)) * (1e-6 if units == "V" else 1.0)
    return xr.DataArray(values, dims=("time", "sensor"),
                        coords={"time": ("time", np.arange(100) * dt, {"units": time_units}),
                                "sensor": ["Cz", "Fz", "Pz"]}, attrs={"units": units})


@pytest.mark.parametrize("time_units", ["s", "seconds", "sec", "second"])
def test_time_units_spelled_out_give_the_sampling_rate(time_units):
    assert to_mne(_eeg(time_units)).info["sfreq"] == pytest.approx(250.0)  # "seconds" raised a KeyError
    assert to_mne(_eeg("msec", dt=4.0)).info["sfreq"] == pytest.approx(250.0)


def test_an_unknown_time_unit_says_what_it_got():
    with pytest.raises(MonitorError, match=r"the time coordinate 'time' has units 'min'; expected 'ms' or 's'"):
        to_mne(_eeg("min"))


@pytest.mark.parametrize("units, factor", [("uV", 1e-6), ("µV", 1e-6), ("mV", 1e-3), ("V", 1.0)])
def test_eeg_in_microvolts_is_handed_to_mne_in_volts(units, factor):
    da = _eeg(units=units)
    np.testing.assert_allclose(to_mne(da).get_data(), da.values.T * factor, rtol=1e-15)


def test_a_signal_of_another_unit_or_shape_says_what_to_pass():
    with pytest.raises(MonitorError, match=r"in V \(EEG\), T \(MEG\) or T/m \(MEG gradiometers\); got dims "
                                           r"\('time', 'sensor'\) in 'a\.u\.'\. Signals in mV, uV"):
        to_mne(_eeg(units="a.u."))
    with pytest.raises(MonitorError, match=r"got a DataArray with dims \('trial', 'time', 'sensor'\)\. Select one"):
        to_mne(xr.concat([_eeg(), _eeg()], "trial"))
    with pytest.raises(MonitorError, match=r"uniformly spaced, increasing samples along 'time'; got intervals "
                                           r"from 0\.004 s to 0\.016 s"):
        to_mne(_eeg().isel(time=[0, 1, 5]))
