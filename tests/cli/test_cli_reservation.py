"""A sweep's or fit's reserved output: the lock passes to the NetCDF writer without a gap."""

import xarray as xr

import brainnet_cb as bn
from brainnet_cb._destinations import WriteLock
from brainnet_cb.cli.common import Reservation
from brainnet_cb.simulation import output


def test_the_reserved_lock_is_held_until_the_result_is_written(tmp_path, monkeypatch):
    path = tmp_path / "sweep.nc"
    probes = []
    check = output.check_netcdf_destination

    def probing(*args, **kw):  # what a command started now, between the reservation and the write, meets
        try:
            WriteLock(path, None, bn.BrainnetError).acquire().release()
            probes.append("took the output")
        except bn.BrainnetError as err:
            probes.append(str(err).split(" (")[0])
        return check(*args, **kw)

    monkeypatch.setattr(output, "check_netcdf_destination", probing)
    ds = xr.Dataset({"x": ("i", [1.0, 2.0])})
    with Reservation(path) as reserved:
        assert reserved.write_netcdf(ds, False) == path
    assert probes == [f"{str(path)!r} is being written by another run"]
    WriteLock(path, None, bn.BrainnetError).acquire().release()  # released once written
    xr.testing.assert_identical(xr.load_dataset(path).x, ds.x)
