"""Outputs are written atomically and never clobbered silently."""

import os

import brainunit as u
import numpy as np
import pytest
import xarray as xr

import brainnet_cb as bn


def small_conn():
    return bn.Connectome([[0, 1], [1, 0]], [[0, 10], [10, 0]], labels=["L", "R"], name="pair")


def small_run():
    return bn.simulate(bn.CoombesByrne(), small_conn(), duration=5.0, dt=0.1)


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


QUANTITY = "is a quantity (3 ms); NetCDF attributes are plain numbers: store the number in a stated unit and the unit " \
           "beside it, e.g. extra=float(value / u.ms), extra_units='ms' (as dt and dt_units)"


BAD_NAME = "has a name NetCDF refuses (a name starts with a letter, digit or '_' and holds no '/', its group " \
           "separator, no control character and no trailing space): rename it, e.g."


@pytest.mark.parametrize("change, message", [
    (lambda ds: ds.assign_attrs(extra={"a": 1}),
     "the attribute 'extra' of the Dataset is a dict ({'a': 1}); store it as JSON text: json.dumps(value)."),
    (lambda ds: ds.assign_attrs(extra=None), "the attribute 'extra' of the Dataset is None; NetCDF has no empty "
     "attribute: drop it, or store a string such as 'none'."),
    (lambda ds: ds.assign_attrs(extra=np.bool_(True)), "the attribute 'extra' of the Dataset is a bool (True); "
     "NetCDF has no boolean attribute: store int(value) (1 or 0) or str(value)."),
    (lambda ds: ds.assign_attrs(extra=3 * u.ms), f"the attribute 'extra' of the Dataset {QUANTITY}."),
    (lambda ds: ds.assign_attrs(extra=[1, "a"]), "the attribute 'extra' of the Dataset is a list mixing numbers and "
     "strings ([1, 'a']); NetCDF would store every item as text: store one kind, or json.dumps(value)."),
    (lambda ds: ds.assign_attrs(extra=(True, None)), "the attribute 'extra' of the Dataset is a tuple holding "
     "None, bool items ((True, None)); NetCDF attributes are 1-D lists of numbers or of strings: store "
     "json.dumps(value)."),
    (lambda ds: ds.assign_attrs(extra=np.eye(2)), "the attribute 'extra' of the Dataset is a 2-D array of shape "
     "(2, 2); NetCDF attributes are 1-D: store json.dumps(value.tolist()), or a data variable."),
    (lambda ds: ds.assign_attrs(extra=np.datetime64("2020-01-01")), "the attribute 'extra' of the Dataset is a date "
     "or time (np.datetime64('2020-01-01')); store it as ISO 8601 text: str(value)."),
    (lambda ds: ds.assign_attrs({"G/eta": 1.0}), f"the attribute 'G/eta' of the Dataset {BAD_NAME} 'G_eta'."),
    # those three were netCDF4's raw AttributeError 'Name contains illegal characters'
    (lambda ds: ds.assign_attrs({" G": 1.0}), f"the attribute ' G' of the Dataset {BAD_NAME} 'G'."),
    (lambda ds: ds.assign_attrs({"-G\n": 1.0}), f"the attribute '-G\\n' of the Dataset {BAD_NAME} 'G'."),
    (lambda ds: ds.assign_attrs({"G\x00eta": 1.0}), f"the attribute 'G\\x00eta' of the Dataset {BAD_NAME} "
     "'G_eta'."),  # was cut to 'G' in the file
    (lambda ds: ds.assign_attrs(note="a\x00b"), "the attribute 'note' of the Dataset holds a NUL character "
     "('a\\x00b'), where NetCDF would cut the text short: remove it, e.g. value.replace('\\x00', '')."),  # was 'a'
    (lambda ds: ds.assign(r=ds.r.assign_attrs(cfg={})), "the attribute 'cfg' of the variable 'r' is a dict ({}); "
     "store it as JSON text: json.dumps(value)."),
    (lambda ds: ds.assign(z=ds.r * 1j), "the variable 'z' is complex (complex128), which NetCDF has no type for: "
     "write its real and imaginary parts as two variables (z_real, z_imag) or np.abs."),
    (lambda ds: ds.assign(r=ds.r.astype(np.float16), v=ds.v.assign_attrs(x=None)),
     "the variable 'r' is float16, which NetCDF has no type for: cast it with .astype('float32'). (1 more: the "
     "attribute 'x' of the variable 'v' is None; NetCDF has no empty attribute: drop it, or store a string such as "
     "'none')"),
])
def test_what_netcdf_cannot_hold_is_named_with_its_fix_and_nothing_is_written(tmp_path, change, message):
    ds = small_run().astype(np.float64)
    path = bn.write_netcdf(ds.isel(time=slice(0, 3)), tmp_path / "out.nc")
    before = path.read_bytes()
    for target in (tmp_path / "new.nc", path):
        with pytest.raises(bn.BrainnetError) as err:
            bn.write_netcdf(change(ds), target, overwrite=True)
        assert str(err.value) == f"cannot write {str(target)!r} as NetCDF (nothing was written): {message}"
    assert [p.name for p in tmp_path.iterdir()] == ["out.nc"] and path.read_bytes() == before


def test_attributes_netcdf_holds_round_trip(tmp_path):
    ds = small_run().assign_attrs(n=np.uint64(5), big=2**62, names=["a", "b"], values=(1, 2.5), empty=[],
                                  raw=b"x", vector=np.arange(3))
    bn.write_netcdf(ds, tmp_path / "out.nc")
    back = xr.load_dataset(tmp_path / "out.nc").attrs
    assert back["n"] == 5 and back["big"] == 2**62 and back["names"] == ["a", "b"] and back["raw"] == "x"
    np.testing.assert_array_equal(back["values"], [1.0, 2.5])
    np.testing.assert_array_equal(back["vector"], [0, 1, 2])
    assert back["empty"].size == 0


def test_an_empty_path_or_a_zarr_name_is_refused_before_anything_is_written(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    ds = small_run()
    with pytest.raises(bn.BrainnetError) as err:
        bn.write_netcdf(ds, "")
    assert str(err.value) == "the output path is empty; give the name of the file or folder to write."
    with pytest.raises(bn.SimulationError, match=r"^out is empty; give the name of the file or folder to write\.$"):
        bn.simulate(bn.CoombesByrne(), small_conn(), duration=5.0, dt=0.1, out="")
    for name in ("run.zarr", "run.ZARR"):
        with pytest.raises(bn.BrainnetError) as err:
            bn.write_netcdf(ds, tmp_path / name)
        path = str(tmp_path / name)
        assert str(err.value) == (
            f"{path!r} ends in {name[3:]}, the suffix of a Zarr store (a folder), but a NetCDF result is one file; "
            f"name it {str(tmp_path / 'run.nc')!r}, or write a Zarr store with ds.to_zarr({path!r}) (a run streams "
            f"into one with bn.simulate(..., out={path!r})).")
    assert list(tmp_path.iterdir()) == []
    bn.write_netcdf(ds, tmp_path / "run.zarr.nc")  # only the last suffix counts


def test_a_bytes_path_is_written_like_its_text(tmp_path):
    ds = small_run()
    assert bn.write_netcdf(ds, os.fsencode(tmp_path / "run.nc")) == tmp_path / "run.nc"  # was pathlib's TypeError
    with pytest.raises(bn.BrainnetError, match=r"run\.zarr' ends in \.zarr, the suffix of a Zarr store"):
        bn.write_netcdf(ds, os.fsencode(tmp_path / "run.zarr"))
    assert [p.name for p in tmp_path.iterdir()] == ["run.nc"]
    bn.simulate(bn.CoombesByrne(), small_conn(), duration=5.0, dt=0.1, checkpoint=os.fsencode(tmp_path / "ck"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ck.npz", "run.nc"]
    with pytest.raises(bn.SimulationError, match=r"^out='.*new\.nc' names a NetCDF file, but out= streams the run to "
                                                 r"a Zarr store"):  # was written as a Zarr store named new.nc
        bn.simulate(bn.CoombesByrne(), small_conn(), duration=5.0, dt=0.1, out=os.fsencode(tmp_path / "new.nc"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ck.npz", "run.nc"]
