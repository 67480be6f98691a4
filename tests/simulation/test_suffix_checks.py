"""One suffix check for both writers: a NetCDF file named like a Zarr store, a Zarr store named like a NetCDF file."""

import os

import pytest

import brainnet_cb as bn
from brainnet_cb._destinations import suffix_problem
from brainnet_cb.simulation import output

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


def test_write_netcdf_refuses_another_suffix_than_netcdf_as_the_command_line_does(tmp_path):
    """bn.write_netcdf(ds, "x.txt") wrote NetCDF under that name, where ``brainnet-cb --out x.txt`` is refused."""
    ds = bn.simulate(bn.CoombesByrne(), CONN, duration=1.0, dt=0.1)
    for name, fix in [("run.txt", "run.nc"), ("fc.PNG", "fc.nc"), ("run.v2", "run.v2.nc"), ("run.nc.bak", "run.nc.nc")]:
        path = tmp_path / name
        with pytest.raises(bn.BrainnetError) as err:
            bn.write_netcdf(ds, path)
        assert str(err.value) == (
            f"{str(path)!r} ends in {path.suffix}, but bn.write_netcdf writes a NetCDF file; give a name ending in "
            f".nc (or .nc4, .netcdf, .cdf), e.g. {str(tmp_path / fix)!r}.")
    assert list(tmp_path.iterdir()) == []
    assert suffix_problem("run.txt", "netcdf", writes="brainnet-cb fit writes a NetCDF file",
                          example=lambda p: f"--out {p}") == (
        "ends in .txt, but brainnet-cb fit writes a NetCDF file; give a name ending in .nc (or .nc4, .netcdf, .cdf), "
        "e.g. --out run.nc")
    written = [bn.write_netcdf(ds, tmp_path / name) for name in ("a.nc", "b.NC4", "c.netcdf", "d.Cdf", "e")]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.nc", "b.NC4", "c.netcdf", "d.Cdf", "e"]
    assert written == [tmp_path / n for n in ("a.nc", "b.NC4", "c.netcdf", "d.Cdf", "e")]  # no suffix: as given


def test_the_atomic_write_goes_through_a_tmp_name_which_the_suffix_check_leaves_alone(tmp_path, monkeypatch):
    """The data go to '.run.nc.<hex>.tmp' first: the check is on the user's path, not on that name."""

    made, original = [], output.temporary_path

    def recorded(path):
        made.append(original(path))
        return made[-1]

    monkeypatch.setattr(output, "temporary_path", recorded)
    ds = bn.simulate(bn.CoombesByrne(), CONN, duration=1.0, dt=0.1)
    assert bn.write_netcdf(ds, tmp_path / "run.nc") == tmp_path / "run.nc"
    (tmp,) = made
    assert tmp.parent == tmp_path and tmp.name.startswith(".run.nc.") and tmp.suffix == ".tmp"
    assert [p.name for p in tmp_path.iterdir()] == ["run.nc"]
