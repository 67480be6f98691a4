"""An output whose folder is a file (``--out results.nc/run.nc``) is refused saying so, before the run.

It was refused as "the folder ... does not exist; create it first", advice
that cannot be followed while a file holds the name. Every writer (NetCDF,
the ``out=`` store, the ``checkpoint=`` file, the command line) names the file
in the way, also when it is further up the path. Nothing runs or is created.
"""

import pytest
import xarray as xr

import brainnet_cb as bn
from brainnet_cb import cli
from brainnet_cb.simulation.run import Run

PAIR = bn.Connectome([[0, 1], [1, 0]], [[0, 30], [30, 0]])


@pytest.fixture
def no_run(monkeypatch):
    def advanced(self, *args, **kwargs):
        raise AssertionError("the run advanced (compiled) before the bad output was refused")

    monkeypatch.setattr(Run, "execute", advanced)


@pytest.fixture
def a_file(tmp_path):
    f = tmp_path / "results.nc"
    f.write_text("an earlier result")
    return f


@pytest.mark.parametrize("below", ["", "sub/"])
def test_every_writer_names_the_file_in_the_way(a_file, no_run, below):
    tail = f"'{a_file}' is a file, not a folder; choose a path in a folder (or move that file)."
    where = f"{a_file}/{below}"
    with pytest.raises(bn.BrainnetError) as err:
        bn.write_netcdf(xr.Dataset({"x": ("t", [1.0])}), f"{where}run.nc")
    assert str(err.value) == f"cannot write '{where}run.nc': {tail}"
    with pytest.raises(bn.SimulationError) as err:
        bn.simulate(bn.CoombesByrne(), PAIR, duration=1.0, out=f"{where}run.zarr")
    assert str(err.value) == f"cannot write out='{where}run.zarr': {tail}"
    with pytest.raises(bn.CheckpointError) as err:
        bn.simulate(bn.CoombesByrne(), PAIR, duration=1.0, checkpoint=f"{where}run.npz")
    assert str(err.value) == f"cannot write checkpoint='{where}run.npz': {tail}"
    assert a_file.read_text() == "an earlier result"
    assert [p.name for p in a_file.parent.iterdir()] == ["results.nc"]


def test_the_command_line_names_the_file_in_the_way(a_file, capsys):
    assert cli.main(["run", "--out", f"{a_file}/run.nc", "--quiet"]) == 2
    assert capsys.readouterr().err == (f"brainnet-cb: error: the output path (--out) '{a_file}/run.nc' cannot be "
                                       f"written: '{a_file}' is a file, not a folder; choose a path in a folder (or "
                                       "move that file).\n")


def test_a_missing_folder_is_still_named_as_missing(tmp_path, capsys):
    assert cli.main(["run", "--out", f"{tmp_path}/no/run.nc", "--quiet"]) == 2
    assert capsys.readouterr().err == (f"brainnet-cb: error: the output path (--out) '{tmp_path}/no/run.nc' cannot be "
                                       f"written: the folder '{tmp_path}/no' does not exist; create it first or "
                                       "choose another path.\n")


def test_a_link_to_a_missing_folder_is_named_as_such(tmp_path, capsys):
    # was: "'.../scratch' is a file, not a folder; choose a path in a folder (or move that file)": it is a
    # symbolic link whose folder is gone, which creating that folder fixes
    (tmp_path / "scratch").symlink_to(tmp_path / "gone")
    with pytest.raises(bn.BrainnetError) as err:
        bn.write_netcdf(xr.Dataset({"x": ("t", [1.0])}), tmp_path / "scratch" / "run.nc")
    assert str(err.value) == (f"cannot write '{tmp_path}/scratch/run.nc': '{tmp_path}/scratch' is a symbolic link to "
                              f"'{tmp_path}/gone', which does not exist; create that folder or choose another path.")
    assert cli.main(["run", "--out", f"{tmp_path}/scratch/sub/run.nc", "--quiet"]) == 2
    assert capsys.readouterr().err == (f"brainnet-cb: error: the output path (--out) '{tmp_path}/scratch/sub/run.nc' "
                                       f"cannot be written: '{tmp_path}/scratch' is a symbolic link to '{tmp_path}/gone', which does not "
                                       "exist; create that folder or choose another path.\n")
    (tmp_path / "gone").mkdir()  # the fix it names
    bn.write_netcdf(xr.Dataset({"x": ("t", [1.0])}), tmp_path / "scratch" / "run.nc")
