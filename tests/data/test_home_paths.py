"""Paths that start with ``~`` are read from the user's home folder, as pandas and the command line read them."""

import numpy as np
import pytest
import scipy.io

import brainnet_cb as bn

W = np.array([[0.0, 1.0, 0.5], [1.0, 0.0, 0.25], [0.5, 0.25, 0.0]])
L = np.array([[0.0, 30.0, 50.0], [30.0, 0.0, 40.0], [50.0, 40.0, 0.0]])
FC = np.array([[1.0, 0.3, 0.1], [0.3, 1.0, 0.2], [0.1, 0.2, 1.0]])


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    np.savetxt(tmp_path / "w.csv", W, delimiter=",")
    np.savetxt(tmp_path / "l.csv", L, delimiter=",")
    (tmp_path / "labels.txt").write_text("a\nb\nc\n")
    np.save(tmp_path / "fc.npy", FC)
    scipy.io.savemat(tmp_path / "sc.mat", {"weights": W, "tract_lengths": L})
    return tmp_path


def test_connectome_readers_expand_the_home_folder(home):
    conn = bn.io.read_matrix("~/w.csv", lengths="~/l.csv", labels="~/labels.txt")
    assert np.array_equal(conn.weights, W) and np.array_equal(conn.lengths, L) and list(conn.labels) == list("abc")
    mat = bn.io.read_connectome("~/sc.mat")
    assert np.array_equal(mat.weights, W) and np.array_equal(mat.lengths, L)


def test_fc_readers_expand_the_home_folder(home):
    fc = bn.read_fc("~/fc.npy", labels="~/labels.txt")
    assert np.array_equal(fc.values, FC) and list(fc.region_i.values) == list("abc")


def test_the_readers_of_a_tvb_zip_and_of_an_empirical_folder_expand_the_home_folder(home):
    # read_tvb_labels said "'~/three.zip' is not a readable zip archive ...: it does not exist"; load_empirical said
    # "unknown empirical dataset '~/hcp'; valid names are ('hcp80',)"
    import shutil

    from brainnet_cb.data.empirical_data import empirical_path
    from brainnet_cb.data.io.tvb import read_tvb_labels

    bn.io.write_tvb(bn.Connectome(W, L, labels=["a", "b", "c"]), home / "three.zip")
    assert read_tvb_labels("~/three.zip") == ("a", "b", "c") == tuple(bn.io.read_tvb("~/three.zip").labels)
    shutil.copytree(empirical_path("hcp80"), home / "hcp")
    data = bn.load_empirical("~/hcp")
    assert data.path == home / "hcp" and list(data.connectome.labels) == list(bn.load_empirical().connectome.labels)


def test_a_missing_file_under_home_is_named_with_its_full_path(home):
    with pytest.raises(bn.DataError) as err:
        bn.read_fc("~/nothing.npy")
    assert str(err.value) == f"file not found: '{home / 'nothing.npy'}'. Check the path and the working directory."


def test_writers_expand_the_home_folder(home):
    import xarray as xr

    ds = xr.Dataset({"r": ("time", np.arange(3.0))})
    assert bn.write_netcdf(ds, "~/run.nc") == home / "run.nc"
    assert np.array_equal(xr.load_dataset(home / "run.nc")["r"].values, ds["r"].values)
    with pytest.raises(bn.BrainnetError) as err:  # the same file, named by its full path
        bn.write_netcdf(ds, "~/run.nc")
    assert str(err.value) == (f"'{home / 'run.nc'}' already exists; pass overwrite=True to replace it, or choose "
                              "another path.")


def test_the_command_line_writes_an_output_path_under_home(home, capsys):
    from brainnet_cb import cli

    argv = ["run", "--duration", "100", "--set", "output.path=~/short.nc", "--set", "monitors.bold.enabled=false",
            "--set", "monitors.eeg.enabled=false", "--no-figure", "--quiet"]
    assert cli.main(argv) == 0, capsys.readouterr().err
    assert (home / "short.nc").is_file() and not (home / "~").exists()
