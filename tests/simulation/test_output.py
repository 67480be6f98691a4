"""Outputs are written atomically and never clobbered silently."""

import os

import pytest
import xarray as xr

import brainnet_cb as bn


def small_run():
    conn = bn.Connectome([[0, 1], [1, 0]], [[0, 10], [10, 0]], labels=["L", "R"], name="pair")
    return bn.simulate(bn.CoombesByrne(), conn, duration=5.0, dt=0.1)


def test_write_netcdf_round_trips_and_refuses_to_clobber(tmp_path):
    ds = small_run()
    path = tmp_path / "out.nc"
    bn.write_netcdf(ds, path)
    with xr.open_dataset(path) as back:
        back = back.load()
    # the file adds the CF date_created and a timestamped history line; the rest is identical
    assert back.attrs.pop("date_created").endswith("Z") and back.attrs["Conventions"] == "CF-1.8"
    history = back.attrs.pop("history").split("\n")
    assert history[:-1] == ds.attrs["history"].split("\n") and history[-1].endswith("by brainnet_cb.write_netcdf")
    xr.testing.assert_identical(back.assign_attrs(history=ds.attrs["history"]), ds)
    before = path.read_bytes()
    with pytest.raises(bn.BrainnetError, match=r"out.nc' already exists; pass overwrite=True"):
        bn.write_netcdf(ds.isel(time=slice(0, 2)), path)
    assert path.read_bytes() == before
    bn.write_netcdf(ds.isel(time=slice(0, 2)), path, overwrite=True)
    with xr.open_dataset(path) as back:
        assert back.sizes["time"] == 2
    assert [p.name for p in tmp_path.iterdir()] == ["out.nc"]  # no temporary left behind
    umask = os.umask(0)
    os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask


def test_write_into_missing_folder_is_refused(tmp_path):
    with pytest.raises(bn.BrainnetError, match=r"the folder .*nope' does not exist"):
        bn.write_netcdf(small_run(), tmp_path / "nope" / "out.nc")
