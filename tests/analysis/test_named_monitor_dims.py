"""A named monitor's own space axis (bn.MEG's ``sensor_meg``, ``sensor_<name>``) is found like ``sensor``.

Before, ``bn.spectrum(ds.meg)``, ``bn.peak_frequency(ds.meg)`` and ``bn.fc(ds.meg)`` raised "x has dims
('time_meg', 'sensor_meg') but none of ('region', 'sensor', 'channel')" on every MEG output.
"""

import re

import numpy as np
import pytest
import xarray as xr

import brainnet_cb as bn
from brainnet_cb.errors import AnalysisError


def _meg_like(sdim="sensor_meg"):
    t = np.arange(1, 2001) * 2.0  # ms, 500 Hz, stamps from one period as a monitor writes them
    rng = np.random.default_rng(0)
    x = 1e-12 * np.sin(2 * np.pi * 13.0 * t / 1000.0)[:, None] * np.array([1.0, -0.5, 2.0]) \
        + 1e-14 * rng.standard_normal((t.size, 3))
    return xr.DataArray(x, dims=("time_meg", sdim),
                        coords={"time_meg": ("time_meg", t, {"units": "ms"}), sdim: ["Fp1", "Cz", "O2"]},
                        attrs={"units": "T"})


def test_a_meg_output_has_its_spectrum_peak_and_fc_as_if_its_axis_were_called_sensor():
    meg = _meg_like()
    plain = meg.rename(sensor_meg="sensor")
    psd = bn.spectrum(meg, segment=1.0)
    assert psd.dims == ("frequency", "sensor_meg") and psd.attrs["units"] == "(T)^2/Hz"
    np.testing.assert_array_equal(psd.values, bn.spectrum(plain, segment=1.0).values)
    peak = bn.peak_frequency(meg, segment=1.0, band=(1.0, 100.0))
    assert peak.dims == ("sensor_meg",) and peak.values.tolist() == [13.0, 13.0, 13.0]
    fc = bn.fc(meg)
    assert fc.dims == ("sensor_meg_i", "sensor_meg_j")
    np.testing.assert_array_equal(fc.values, bn.fc(plain).values)
    assert fc.values[0, 1] < -0.99 and fc.values[0, 2] > 0.99  # the signs of the 13-Hz pattern


def test_several_or_no_space_dimensions_are_named():
    two = _meg_like().expand_dims(region_x=[0])
    with pytest.raises(AnalysisError, match=re.escape(
            "x has several space dimensions ('region_x', 'sensor_meg') (dims ('region_x', 'time_meg', 'sensor_meg')); "
            "expected one. Pass space_dim=<name of the region or sensor dimension>.")):
        bn.spectrum(two)
    np.testing.assert_array_equal(bn.spectrum(two, space_dim="sensor_meg").isel(region_x=0).values,
                                  bn.spectrum(_meg_like()).values)
    with pytest.raises(AnalysisError, match=re.escape(
            "x has dims ('time_meg', 'electrode') but none of ('region', 'sensor', 'channel'), nor one named "
            "'<one of them>_...' (a named monitor's 'sensor_meg'); expected a time series with dims (..., time, "
            "region). Pass space_dim=<name of the region dimension>.")):
        bn.spectrum(_meg_like("electrode"))
