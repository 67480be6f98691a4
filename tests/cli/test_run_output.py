"""``brainnet-cb run`` streams its outputs into the NetCDF file: the same file as write_netcdf of the whole run."""

import re

import numpy as np
import pytest
import xarray as xr

import brainnet_cb as bn
from brainnet_cb.cli.run_output import run_to_netcdf
from brainnet_cb.simulation import run as run_module
from brainnet_cb.simulation.spec import Simulation


def _spec():
    conn = bn.Connectome([[0.0, 1.0, 0.5], [1.0, 0.0, 0.2], [0.3, 0.8, 0.0]],
                         [[0.0, 30.0, 12.0], [30.0, 0.0, 21.0], [12.0, 21.0, 0.0]])
    return Simulation(bn.CoombesByrne(), conn, duration=253.0, dt=0.1, coupling=bn.Linear(G=0.5), speed=3.0,
                      noise=bn.Additive(v=0.05), key=3, method="heun",
                      monitors=[bn.TemporalAverage(1.0), bn.TemporalAverage(5.0, variables=("r",), name="slow")])


@pytest.mark.parametrize("forget_programs", [False, True])
def test_streamed_file_equals_the_in_memory_write_bit_for_bit(tmp_path, monkeypatch, forget_programs):
    monkeypatch.setattr(run_module, "MAX_CHUNK_STEPS", 400)  # several chunks and a tail at a lower level
    ds = _spec().run()
    ds.attrs["wall_time_s"] = 0.0
    ds.attrs["config"] = "x = 1\n"
    bn.write_netcdf(ds, tmp_path / "memory.nc")
    # forget_programs (the command's own process): JAX's caches dropped before and after the run
    streamed, wall = run_to_netcdf(_spec(), tmp_path / "streamed.nc", attrs={"config": "x = 1\n"},
                                   forget_programs=forget_programs)
    with streamed, xr.open_dataset(tmp_path / "memory.nc") as memory:
        assert list(streamed.variables) == list(memory.variables)
        for name in memory.variables:
            assert streamed[name].dims == memory[name].dims, name
            assert streamed[name].dtype == memory[name].dtype, name
            assert streamed[name].attrs == memory[name].attrs, name
            np.testing.assert_array_equal(streamed[name].values, memory[name].values, err_msg=name)
        assert streamed.sizes["time"] == 253 and streamed.sizes["time_slow"] == 50
        stamped = {"wall_time_s", "date_created", "history"}  # the moment of writing
        assert set(streamed.attrs) == set(memory.attrs)  # (a re-set attribute moves to the end)
        for key in set(memory.attrs) - stamped:
            assert np.array_equal(streamed.attrs[key], memory.attrs[key]), key
        assert streamed.attrs["wall_time_s"] == pytest.approx(wall, abs=1e-3)
    # the encoding too (fill values, units of the time axes, string types), as netCDF stores it
    netCDF4 = pytest.importorskip("netCDF4")
    with netCDF4.Dataset(tmp_path / "streamed.nc") as a, netCDF4.Dataset(tmp_path / "memory.nc") as b:
        assert a.data_model == b.data_model == "NETCDF4"
        for name, var in b.variables.items():
            got = a.variables[name]
            assert got.dtype == var.dtype and got.dimensions == var.dimensions, name
            assert got.ncattrs() == var.ncattrs(), name
            for key in var.ncattrs():
                np.testing.assert_equal(got.getncattr(key), var.getncattr(key), err_msg=f"{name}.{key}")
        assert {d for d, dim in a.dimensions.items() if dim.isunlimited()} == {"time", "time_slow"}


def test_the_written_file_opened_for_the_summary_reads_the_run(tmp_path):
    from brainnet_cb.cli.run_output import open_result

    ds = _spec().run()
    bn.write_netcdf(ds, tmp_path / "run.nc")
    with open_result(tmp_path / "run.nc") as lazy:
        for name in ds.data_vars:
            np.testing.assert_array_equal(lazy[name].values, ds[name].values, err_msg=name)
        np.testing.assert_array_equal(lazy["r"].isel(time=slice(-7, None)).values, ds["r"].values[-7:])


def test_an_existing_file_is_refused_before_the_run(tmp_path):
    (tmp_path / "run.nc").write_text("keep me")
    path = tmp_path / "run.nc"
    with pytest.raises(bn.BrainnetError, match=f"^{re.escape(repr(str(path)))} already exists; pass overwrite=True "
                                               r"to replace it, or choose another path\.$"):
        run_to_netcdf(_spec(), path)
    assert (tmp_path / "run.nc").read_text() == "keep me"


@pytest.mark.parametrize("attrs, message", [
    ({"config": {"x": 1}}, "attrs['config'] is a dict ({'x': 1}); store it as JSON text: json.dumps(value). "
     "Nothing was run."),
    ({"quiet": True}, "attrs['quiet'] is a bool (True); NetCDF has no boolean attribute: store int(value) (1 or 0) "
     "or str(value). Nothing was run."),
    ({1: "x"}, "attrs[1] has a name of type int; attribute names are strings. Nothing was run."),
    ("config", "attrs must be a dict of global attributes (name -> str or number); got str. Nothing was run."),
])
def test_attributes_netcdf_cannot_hold_are_refused_before_the_run(tmp_path, monkeypatch, attrs, message):
    def no_run(self):
        raise AssertionError("the run was prepared")

    monkeypatch.setattr(Simulation, "prepare", no_run)
    with pytest.raises(bn.BrainnetError) as err:
        run_to_netcdf(_spec(), tmp_path / "run.nc", attrs=attrs)
    assert str(err.value) == message
    assert list(tmp_path.iterdir()) == []


def test_a_zarr_name_is_refused_before_the_run(tmp_path, monkeypatch):
    def no_run(self):
        raise AssertionError("the run was prepared")

    monkeypatch.setattr(Simulation, "prepare", no_run)
    zarr, nc = re.escape(repr(str(tmp_path / "run.zarr"))), re.escape(repr(str(tmp_path / "run.nc")))
    with pytest.raises(bn.BrainnetError, match=rf"^{zarr} ends in \.zarr, the suffix of a Zarr store \(a folder\), but "
                                               rf"a NetCDF result is one file; name it {nc}, or write a Zarr store "
                                               rf"with ds\.to_zarr\({zarr}\) \(a run streams into one with "
                                               rf"bn\.simulate\(\.\.\., out={zarr}\)\)\.$"):
        run_to_netcdf(_spec(), tmp_path / "run.zarr")
    assert list(tmp_path.iterdir()) == []
