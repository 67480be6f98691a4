"""CF global attributes (runs, written files, streamed stores), plain attribute values, one unit per quantity, time in seconds."""

import datetime

import numpy as np
import pytest
import xarray as xr

import brainnet_cb as bn
from brainnet_cb.simulation.cf import cf_global_attrs, decimal_times, sample_times, stamp, time_in_seconds, unstamp
from brainnet_cb.simulation.parameters import ParameterBook

CONN = bn.Connectome(weights=[[0, 1], [1, 0]], lengths=[[0, 30], [30, 0]], centres=[[-30, 0, 40], [30, 0, 40]])


def test_stamp_adds_date_and_appends_history_without_touching_the_input():
    ds = xr.Dataset(attrs=cf_global_attrs("a test"))
    out = stamp(stamp(ds, "first"), "second")
    lines = out.attrs["history"].split("\n")
    assert lines[0].startswith("brainnet_cb ") and lines[0].endswith(": a test")
    assert lines[1].endswith("Z: first") and lines[2].endswith("Z: second")
    assert out.attrs["date_created"] == lines[1].split("Z: ")[0] + "Z"
    assert out.attrs["Conventions"] == "CF-1.8" and "jax " in out.attrs["source"]
    assert "date_created" not in ds.attrs and ds.attrs["history"] == lines[0]
    with pytest.raises(bn.BrainnetError, match="stamp takes an xarray Dataset; got ndarray"):
        stamp(np.zeros(2), "x")


def test_eeg_reference_is_stored_as_plain_text_and_rates_share_one_unit():
    eeg = bn.EEG.sphere(CONN, "10-20", radius=90.0)
    ds = bn.simulate(bn.CoombesByrne(), CONN, duration=4.0, dt=0.1,
                     monitors=[bn.TemporalAverage(1.0), eeg, bn.EEG.sphere(CONN, reference=None, name="raw")])
    assert ds.eeg.attrs["reference"] == "average" and ds.raw.attrs["reference"] == "none"
    mpr = bn.simulate(bn.MontbrioPazoRoxin(), CONN, duration=2.0, dt=0.1)
    assert ds.r.attrs["units"] == mpr.r.attrs["units"] == "1/ms"


def test_time_in_seconds_relabels_every_time_axis_and_analysis_agrees():
    ds = bn.simulate(bn.CoombesByrne(), CONN, duration=3000.0, dt=0.5, noise=bn.Additive(v=0.1), key=1,
                     monitors=[bn.TemporalAverage(10.0), bn.Bold(tr=500.0)])
    s = time_in_seconds(ds)
    assert s.time.attrs["units"] == "s" and s.time_bold.attrs["units"] == "s"
    np.testing.assert_array_equal(s.time.values, ds.time.values / 1000.0)
    assert float(s.sel(time=slice(2.0, None)).time[0]) == 2.0  # 2 s, not 2 ms
    np.testing.assert_array_equal(s.r.values, ds.r.values)
    assert ds.time.attrs["units"] == "ms"  # the input is unchanged
    np.testing.assert_allclose(bn.spectrum(s.r).values, bn.spectrum(ds.r).values, rtol=1e-12)
    with pytest.raises(bn.BrainnetError, match="takes an xarray Dataset or DataArray; got list"):
        time_in_seconds([1.0])


def test_runs_carry_cf_attributes_and_written_files_add_the_date(tmp_path):
    ds = bn.simulate(bn.CoombesByrne(), CONN, duration=2.0, dt=0.1)
    assert ds.attrs["Conventions"] == "CF-1.8" and ds.attrs["source"].startswith("brainnet_cb ")
    assert ds.attrs["history"].endswith(": network simulation") and "date_created" not in ds.attrs
    bn.write_netcdf(ds, tmp_path / "run.nc")
    back = xr.load_dataset(tmp_path / "run.nc")
    assert back.attrs["date_created"].endswith("Z") and back.attrs["history"].count("\n") == 1


def test_unstamp_takes_off_exactly_what_stamp_added():
    ds = xr.Dataset({"x": ("t", np.arange(3.0))}, attrs=cf_global_attrs("a test"))
    twice = stamp(stamp(ds, "first"), "second")
    xr.testing.assert_identical(unstamp(twice), ds)
    assert "date_created" in twice.attrs and twice.attrs["history"].count("\n") == 2  # the input is unchanged
    bare = unstamp(stamp(xr.Dataset(), "written"))
    assert set(bare.attrs) == {"Conventions", "source"}  # no history line left: no history
    kept = xr.Dataset(attrs={"history": "made by hand\n2026-01-01: not a stamp"})
    assert unstamp(kept).attrs == kept.attrs
    with pytest.raises(bn.BrainnetError, match="unstamp takes an xarray Dataset; got DataArray"):
        unstamp(xr.DataArray([1.0]))


def test_a_streamed_store_carries_the_cf_attributes_of_a_written_file(tmp_path):
    pytest.importorskip("zarr")
    kw = dict(duration=10.0, dt=0.1, noise=bn.Additive(v=0.1), key=3, chunk_steps=40)
    memory = bn.simulate(bn.CoombesByrne(), CONN, **kw)
    bn.write_netcdf(memory, tmp_path / "run.nc")
    nc = xr.load_dataset(tmp_path / "run.nc").attrs
    store = bn.simulate(bn.CoombesByrne(), CONN, out=tmp_path / "run.zarr", checkpoint=tmp_path / "ck.npz", **kw)
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    zarr_attrs = xr.open_zarr(tmp_path / "run.zarr", chunks=None).attrs  # what another reader sees
    assert dict(store.attrs) == dict(zarr_attrs)
    # the same global attributes as the NetCDF file; only the moment and the action of the writing differ
    assert set(zarr_attrs) == set(nc)
    for key in ("Conventions", "source"):
        assert zarr_attrs[key] == nc[key]
    assert zarr_attrs["date_created"].endswith("Z") and zarr_attrs["date_created"] <= now
    first, last = zarr_attrs["history"].split("\n")
    assert first == nc["history"].split("\n")[0] == memory.attrs["history"]
    assert last == f"{zarr_attrs['date_created']}: written to run.zarr by brainnet_cb (streamed with out=)"
    xr.testing.assert_identical(unstamp(store.load()), memory)
    # resuming a finished stream compares the store with the run without the stamp, and says so in history
    again = bn.simulate(bn.CoombesByrne(), CONN, out=tmp_path / "run.zarr", resume_from=tmp_path / "ck.npz", **kw)
    lines = again.attrs["history"].split("\n")
    assert lines[:2] == [first, last] and lines[2].endswith("by brainnet_cb (streamed with out=, resumed)")
    assert again.attrs["date_created"] == zarr_attrs["date_created"]  # set once, when the store was first finished
    xr.testing.assert_identical(unstamp(again.load()), memory)


def test_coordinate_variables_are_written_without_a_fill_value(tmp_path):
    # CF 1.8 section 2.5.1 / Appendix A: _FillValue is not allowed on a coordinate variable (xarray adds NaN)
    netCDF4 = pytest.importorskip("netCDF4")
    from brainnet_cb.cli.run_output import run_to_netcdf
    from brainnet_cb.simulation.spec import Simulation

    spec = Simulation(bn.CoombesByrne(), CONN, duration=6.0, dt=0.1,
                      monitors=[bn.TemporalAverage(1.0), bn.EEG.sphere(CONN, "10-20", radius=90.0)])
    ds = spec.run()
    bn.write_netcdf(ds, tmp_path / "memory.nc")
    run_to_netcdf(spec, tmp_path / "streamed.nc")[0].close()
    assert ds.time.encoding == {} and ds.time_eeg.encoding == {}  # the Dataset written is unchanged
    for name in ("memory.nc", "streamed.nc"):
        with netCDF4.Dataset(tmp_path / name) as nc:
            attrs = {k: set(v.ncattrs()) for k, v in nc.variables.items()}
            assert attrs["time"] == attrs["time_eeg"] == {"units", "long_name"}, name
            assert "_FillValue" in attrs["r"] and "_FillValue" in attrs["sensor_x"], name  # data, auxiliary coords
    back = xr.load_dataset(tmp_path / "memory.nc")
    np.testing.assert_array_equal(back.time.values, np.arange(1.0, 7.0))
    xr.testing.assert_identical(unstamp(back), ds)


def test_batched_and_swept_parameters_carry_long_name_and_declared_units(tmp_path):
    mpr = bn.MontbrioPazoRoxin()
    ds = bn.simulate_batch(mpr, CONN, duration=2.0, dt=0.1, batch={"tau": [1.0, 2.0], "speed": [3.0, 6.0],
                                                                    "G": [0.0, 0.1]})
    assert ds.tau.attrs == {"long_name": "batched model parameter tau", "units": "ms"}
    assert ds.speed.attrs == {"long_name": "batched conduction speed", "units": "mm/ms"}  # was "speed parameter speed"
    assert ds.G.attrs == {"long_name": "batched coupling parameter G"}  # Linear declares no unit for G
    bn.write_netcdf(ds, tmp_path / "batch.nc")
    assert xr.load_dataset(tmp_path / "batch.nc").tau.attrs == ds.tau.attrs
    three = bn.Connectome(weights=[[0, 1, 0.5], [1, 0, 0.2], [0.5, 0.2, 0]],
                          lengths=[[0, 30, 20], [30, 0, 25], [20, 25, 0]])
    sw = bn.sweep(mpr, three, grid={"tau": [1.0, 2.0], "G": [0.0, 0.1]}, empirical_fc=[[1, 0.2, 0.5], [0.2, 1, 0.1], [0.5, 0.1, 1]],
                  signal="r", band=None, duration=30.0, dt=0.1, monitors=[bn.TemporalAverage(1.0)])
    assert sw.tau.attrs == {"long_name": "swept model parameter tau", "units": "ms"}
    assert sw.G.attrs == {"long_name": "swept coupling parameter G"}
    assert sw.gs_var.attrs["units"] == "(1/ms)^2" and sw.fc_corr.attrs["units"] == "1"  # was "1": var of r


def test_a_batched_seed_and_a_map_scale_read_naturally():
    # the seed read "batched seed parameter seed", a map scale "swept heterogeneity parameter eta_scale"
    ds = bn.simulate_batch(bn.CoombesByrne(), CONN, duration=1.0, dt=0.1, noise=bn.Additive(v=0.1),
                           batch={"seed": [1, 2], "noise_v": [0.1, 0.2]})
    assert ds.seed.attrs == {"long_name": "batched random seed"}  # a seed has no unit
    assert ds.noise_v.attrs["long_name"] == "batched noise parameter noise_v"  # as before
    book = ParameterBook(bn.CoombesByrne(), maps={"eta": [0.5, -0.5]})
    assert book.coordinate_attrs("eta_scale", "swept") == {"long_name": "swept scale of the eta map (eta_scale)",
                                                           "units": "1"}


def test_time_stamps_are_the_decimal_times_whatever_the_chunks(tmp_path):
    # 3 steps of 0.1 ms were 0.30000000000000004 ms: ds.sel(time=0.3) raised KeyError
    kw = dict(duration=6.0, dt=0.1, monitors=[bn.TemporalAverage(0.3), bn.EEG.sphere(CONN, period=0.9, radius=90.0)])
    ds = bn.simulate(bn.CoombesByrne(), CONN, **kw)
    assert ds.time.values.tolist() == [round(0.3 * k, 1) for k in range(1, 21)]
    assert ds.time_eeg.values.tolist() == [0.9, 1.8, 2.7, 3.6, 4.5, 5.4]
    assert ds.r.sel(time=1.2).shape == (2,) and ds.eeg.sel(time_eeg=2.7).shape == (ds.sizes["sensor"],)
    assert ds.r.attrs["monitor"] == "TemporalAverage(period=0.3)"
    chunked = bn.simulate(bn.CoombesByrne(), CONN, chunk_steps=21, **kw)  # the stamps of later chunks too
    xr.testing.assert_identical(chunked, ds)
    assert sample_times(5, 2, 3, 0.1).tolist() == [1.8, 2.1]


def test_a_dt_that_is_no_decimal_keeps_its_multiples():
    # rounding to 1e-9 ms made TemporalAverage(2 dt) with dt = 1/30 ms "not a whole multiple of dt" (0.066666667)
    dt = 1 / 30
    ds = bn.simulate(bn.CoombesByrne(), CONN, duration=4 * dt, dt=dt, monitors=[bn.TemporalAverage(2 * dt)])
    assert ds.time.values.tolist() == [2 * dt, 4 * dt]
    assert ds.r.attrs["monitor"] == f"TemporalAverage(period={2 * dt})"
    assert decimal_times([3 * 0.1, 0.0, 3.6e6 + 3 * 0.1], 0.1).tolist() == [0.3, 0.0, 3600000.3]
    assert decimal_times([2 / 30, 3e4 / 30 + 1 / 30], 1 / 30).tolist() == [2 / 30, 3e4 / 30 + 1 / 30]


def test_offline_bold_stamps_are_the_decimal_times():
    x = xr.DataArray(np.full((30, 2), 0.1), dims=("time", "region"),
                     coords={"time": ("time", np.round(0.7 * np.arange(1, 31), 9), {"units": "ms"})})
    with pytest.warns(bn.ShortTRWarning, match=r"^Bold tr = 2\.1 ms is shorter than any scanner's TR: tr is in ms\. "
                                               r"If 2\.1 is in seconds, write tr=2100 or tr=2\.1 \* u\.second "
                                               r"\(brainunit\)\.$"):
        bold = bn.bold_from_activity(x, tr=2.1)  # 3 samples of 0.7 ms: 2.0999999999999996 before
    assert bold.time_bold.values.tolist()[:4] == [2.1, 4.2, 6.3, 8.4]
