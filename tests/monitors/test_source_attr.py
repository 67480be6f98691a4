"""CF attributes of BOLD / EEG outputs: the source in ``source_variable`` (CF keeps ``source`` for how data were
made), arbitrary units written as ``units: "1"`` (udunits has no "a.u.")."""

import numpy as np
import xarray as xr

import brainnet_cb as bn
from brainnet_cb.monitors import source_variable

CONN = bn.Connectome(weights=[[0, 1], [1, 0]], lengths=[[0, 30], [30, 0]], centres=[[-30, 0, 40], [30, 0, 40]])


def test_outputs_name_their_source_in_source_variable_and_old_files_still_read(tmp_path):
    ds = bn.simulate(bn.CoombesByrne(), CONN, duration=2000.0, dt=0.1,
                     monitors=[bn.Bold(tr=500.0), bn.EEG(gain=np.ones((2, 2)), period=1.0, variable="r")])
    # was attrs["source"] = "r": the name CF gives to the global "brainnet_cb 0.1.0 (jax ...)"
    assert ds.bold.attrs["source_variable"] == "r" and "source" not in ds.bold.attrs
    assert ds.eeg.attrs["source_variable"] == "r" and "source" not in ds.eeg.attrs
    assert ds.attrs["source"].startswith("brainnet_cb ")  # the global one, untouched
    bn.write_netcdf(ds, tmp_path / "new.nc")
    old = ds.copy()
    for name in ("bold", "eeg"):  # as brainnet_cb 0.1.0 wrote them
        attrs = dict(old[name].attrs)
        attrs["source"] = attrs.pop("source_variable")
        old[name].attrs = attrs
    bn.write_netcdf(old, tmp_path / "old.nc")
    for path in ("new.nc", "old.nc"):
        back = xr.load_dataset(tmp_path / path)
        assert [source_variable(back[n]) for n in ("bold", "eeg")] == ["r", "r"], path
    fc = xr.DataArray(np.eye(2), attrs={"source": "fc.csv"})  # provenance, not a source variable
    assert source_variable(fc) is None and source_variable(np.zeros(2)) is None


def test_arbitrary_units_are_written_as_cf_dimensionless_and_the_comment_says_arbitrary(tmp_path):
    eeg = bn.EEG(gain=np.ones((2, 2)), period=1.0)  # the default: a gain of no physical unit
    tvb = bn.EEG.from_atlas("tvb76", physical=False)
    assert eeg.units == tvb.units == "a.u."  # the monitors' word for it, as before
    ds = bn.simulate(bn.CoombesByrne(), CONN, duration=4.0, dt=0.1, monitors=[eeg])
    a = ds.eeg.attrs
    assert a["units"] == "1"  # was "a.u.", which no udunits parser reads
    assert a["comment"] == ("gain (sensor signal per unit of the source) x source 'v' (1); arbitrary units (the gain "
                            "has no physical unit).")
    bn.write_netcdf(ds, tmp_path / "eeg.nc")
    assert xr.load_dataset(tmp_path / "eeg.nc").eeg.attrs["units"] == "1"
    volts = bn.simulate(bn.CoombesByrne(), CONN, duration=4.0, dt=0.1, monitors=[bn.EEG.sphere(CONN, radius=90.0)])
    assert volts.eeg.attrs["units"] == "V"
