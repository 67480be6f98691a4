"""Simulation.from_result of a ``brainnet-cb run`` output with an EEG: the gain is built again from the stored
configuration and checked against its recorded SHA-256, so the default command's output reruns without lead_field=.

Before, the EEG of every default ``brainnet-cb run`` output was refused ("needs its gain ... pass the lead field").
"""

import contextlib
import io
import json
import re

import numpy as np
import pytest
import xarray as xr

import brainnet_cb as bn
from brainnet_cb import cli
from brainnet_cb.errors import SimulationError


def test_a_run_output_with_an_atlas_eeg_is_rebuilt_bit_for_bit_without_its_lead_field(tmp_path):
    out = tmp_path / "run.nc"
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        rc = cli.main(["run", "--duration", "20", "--set", "monitors.bold.enabled=false", "--no-figure", "--quiet",
                       "--out", str(out)])
    assert rc == 0
    first = xr.load_dataset(out)
    assert "eeg" in first and "config" in first.attrs
    again = bn.simulate(bn.Simulation.from_result(first))
    for name in first.data_vars:
        np.testing.assert_array_equal(again[name].values, first[name].values)

    record = [m for m in json.loads(first.attrs["monitor_parameters"]) if m["kind"] == "EEG"][0]
    edited = first.copy()
    edited.attrs = dict(first.attrs, monitor_parameters=first.attrs["monitor_parameters"].replace(
        record["gain"]["sha256"], "0" * 64))  # a gain the configuration does not build: still asked for
    with pytest.raises(SimulationError, match=re.escape("this run's monitor 1 (EEG) needs its gain (an array of shape "
                                                        f"{tuple(record['gain']['shape'])}, float64, sha256 {'0' * 64})")):
        bn.Simulation.from_result(edited)
