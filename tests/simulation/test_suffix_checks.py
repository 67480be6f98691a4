"""One suffix check for both writers: a NetCDF file named like a Zarr store, a Zarr store named like a NetCDF file."""

import os

import pytest

import brainnet_cb as bn
from brainnet_cb._destinations import suffix_problem

CONN = bn.Connectome([[0, 1], [1, 0]], [[0, 10], [10, 0]], labels=["L", "R"], name="pair")


def test_the_one_check_words_both_refusals():
    assert suffix_problem("a/run.Zarr", "netcdf") == (
        "ends in .Zarr, the suffix of a Zarr store (a folder), but a NetCDF result is one file; name it 'a/run.nc'")
    assert suffix_problem(b"a/run.NC4", "zarr") == (
        "names a NetCDF file, but out= streams the run to a Zarr store (a folder, e.g. 'a/run.zarr'); for a NetCDF "
        "file, write the returned Dataset: bn.write_netcdf(ds, 'a/run.NC4')")
    for ok, kind in [("run.nc", "netcdf"), ("run.zarr", "zarr"), ("run.zarr.nc", "netcdf"), ("run.nc.zarr", "zarr"),
                     (5, "zarr"), (None, "netcdf")]:
        assert suffix_problem(ok, kind) is None, (ok, kind)
    assert [suffix_problem(f"run{s}", "zarr") is not None for s in (".nc", ".nc4", ".netcdf", ".cdf", ".CDF")] == \
        [True] * 5
    with pytest.raises(ValueError, match=r"^kind must be 'netcdf' or 'zarr'; got 'nc'\.$"):
        suffix_problem("run.nc", "nc")


def test_both_writers_refuse_with_the_messages_of_the_one_check(tmp_path):
    ds = bn.simulate(bn.CoombesByrne(), CONN, duration=1.0, dt=0.1)
    path = str(tmp_path / "run.ZARR")
    with pytest.raises(bn.BrainnetError) as err:
        bn.write_netcdf(ds, path)
    assert str(err.value) == (
        f"{path!r} ends in .ZARR, the suffix of a Zarr store (a folder), but a NetCDF result is one file; name it "
        f"{str(tmp_path / 'run.nc')!r}, or write a Zarr store with ds.to_zarr({path!r}) (a run streams into one "
        f"with bn.simulate(..., out={path!r})).")
    path = str(tmp_path / "run.cdf")
    with pytest.raises(bn.SimulationError) as err:
        bn.simulate(bn.CoombesByrne(), CONN, duration=1.0, dt=0.1, out=os.fsencode(path))
    assert str(err.value) == (
        f"out={path!r} names a NetCDF file, but out= streams the run to a Zarr store (a folder, e.g. "
        f"{str(tmp_path / 'run.zarr')!r}); for a NetCDF file, write the returned Dataset: bn.write_netcdf(ds, {path!r}).")
    assert list(tmp_path.iterdir()) == []
