"""Results opened in other software: compressed, lossless NetCDF files that every netCDF-4 reader opens.

``bn.write_netcdf`` and the streamed file of ``brainnet-cb run`` store the series compressed (zlib level 1
after the byte shuffle; a noisy 60 s tvb76 run's file: 9.1 MB -> 5.2 MB) and read back bit for bit; the
attributes read back equal through xarray's netcdf4 and h5netcdf engines; runs written apart open together
with ``xr.open_mfdataset``, NetCDF beside a Zarr store, and lazily with ``chunks={}``.
"""

import numpy as np
import pytest
import xarray as xr

import brainnet_cb as bn
from brainnet_cb.cli.run_output import run_to_netcdf
from brainnet_cb.simulation.cf import unstamp
from brainnet_cb.simulation.output import NETCDF_COMPRESSION, compressed
from brainnet_cb.simulation.spec import Simulation

netCDF4 = pytest.importorskip("netCDF4")
pytestmark = pytest.mark.float32  # the default precision of a user's run (and of brainnet-cb run)

N, STEPS = 12, 1500  # r and v: 1500 x 12 float32 = 72 KiB each, above the 64 KiB from which a series is compressed


def _spec(key=7):
    rng = np.random.default_rng(0)
    w = rng.random((N, N))
    np.fill_diagonal(w, 0.0)
    conn = bn.Connectome(w, np.full((N, N), 20.0) - 20.0 * np.eye(N), labels=[f"reg{i}" for i in range(N)],
                         name="twelve")
    return Simulation(bn.CoombesByrne(eta=-4.6), conn, duration=float(STEPS), dt=0.1, coupling=bn.Linear(G=0.5),
                      noise=bn.Additive(v=0.1), key=key, monitors=[bn.TemporalAverage(1.0)])


@pytest.fixture
def runs():
    return _spec(7).run(), _spec(8).run()


def _bits(a):
    a = np.asarray(a)
    return a.view(np.uint32) if a.dtype == np.float32 else a.view(np.uint64)


def test_write_netcdf_stores_the_series_compressed_and_reads_back_bit_for_bit(runs, tmp_path):
    ds = runs[0]
    bn.write_netcdf(ds, tmp_path / "run.nc")
    ds.to_netcdf(tmp_path / "plain.nc")  # xarray's own writer: contiguous, uncompressed
    with netCDF4.Dataset(tmp_path / "run.nc") as nc:
        for name in ("r", "v"):
            var = nc[name]
            assert var.dtype == np.float32  # a float32 run stays float32
            filters = var.filters()
            assert (filters["zlib"], filters["shuffle"], filters["complevel"]) == (True, True, 1), filters
            assert var.chunking() == [STEPS, N]  # whole rows of time, here one chunk
        assert nc["time"].chunking() == "contiguous" and not nc["time"].filters()["zlib"]  # 12 kB: left alone
        assert nc["region"].chunking() == "contiguous"
    with xr.open_dataset(tmp_path / "run.nc") as back:
        for name in ("r", "v", "time"):
            np.testing.assert_array_equal(_bits(back[name].values), _bits(ds[name].values), err_msg=name)
        assert back.region.values.tolist() == [f"reg{i}" for i in range(N)]
    assert (tmp_path / "run.nc").stat().st_size < 0.9 * (tmp_path / "plain.nc").stat().st_size


def test_compressed_keeps_a_stored_layout_caps_chunks_and_leaves_its_input_alone(tmp_path):
    big = xr.Dataset({"x": (("time", "sensor"), np.zeros((300_000, 8), np.float32))},
                     coords={"time": np.arange(300_000.0), "label": ("sensor", list("abcdefgh"))})
    out = compressed(big)
    assert out.x.encoding == {**NETCDF_COMPRESSION, "chunksizes": (131072, 8)}  # 4 MiB of whole rows
    assert out.time.encoding == {**NETCDF_COMPRESSION, "chunksizes": (300_000,)}  # 2.4 MB: one chunk
    assert out.label.encoding == {}  # strings: as xarray writes them
    assert big.x.encoding == {} and big.time.encoding == {}
    big.to_netcdf(tmp_path / "plain.nc")
    with xr.open_dataset(tmp_path / "plain.nc") as stored:  # a file's layout, recorded in its encoding, is kept
        before = dict(stored.x.encoding)
        assert before["contiguous"] is True and compressed(stored).x.encoding == before


@pytest.mark.parametrize("engine", ["netcdf4", "h5netcdf"])
def test_every_attribute_reads_back_equal_and_of_its_type_with_each_engine(runs, tmp_path, engine):
    if engine == "h5netcdf":
        pytest.importorskip("h5netcdf")
        pytest.importorskip("h5py")  # h5netcdf's HDF5 backend (an extra of h5netcdf 1.8)
    ds = runs[0]
    bn.write_netcdf(ds, tmp_path / "run.nc")
    with xr.open_dataset(tmp_path / "run.nc", engine=engine) as opened:
        back = unstamp(opened)
        assert back.attrs["Conventions"] == "CF-1.8"
        assert list(back.attrs) == list(ds.attrs)
        for key, value in ds.attrs.items():
            got = back.attrs[key]
            assert got == value, key
            kind = str if isinstance(value, str) else np.integer if isinstance(value, int) else np.floating
            assert isinstance(value, (str, int, float)) and not isinstance(value, bool), key
            assert isinstance(got, kind), (key, type(got))
        for name, var in ds.variables.items():
            assert back[name].attrs == var.attrs, name
            assert back[name].dtype == var.dtype, name
        assert back.time.attrs == {"units": "ms", "long_name": "time"}
        assert "_FillValue" not in back.time.encoding  # CF: none on a coordinate variable
        xr.testing.assert_identical(back.load(), ds)


def test_runs_written_apart_open_together_along_a_new_dimension(runs, tmp_path):
    first, second = runs
    bn.write_netcdf(first, tmp_path / "a.nc")
    bn.write_netcdf(second, tmp_path / "b.nc")
    paths = [tmp_path / "a.nc", tmp_path / "b.nc"]
    with xr.open_mfdataset(paths, combine="nested", concat_dim="run") as both:
        assert both.r.dtype == np.float32 and both.r.dims == ("run", "time", "region")
        for i, ds in enumerate(runs):
            np.testing.assert_array_equal(_bits(both.r.isel(run=i).values), _bits(ds.r.values))
        assert both.attrs["seed"] == first.attrs["seed"] != second.attrs["seed"]  # the first file's attributes
    with xr.open_dataset(paths[0], chunks={}) as a, xr.open_dataset(paths[1], chunks={}) as b:
        assert a.r.data.chunks == ((STEPS,), (N,))  # dask chunks: the file's own
        lazy = xr.concat([a, b], dim="run")
        np.testing.assert_array_equal(_bits(lazy.v.isel(run=1).compute().values), _bits(second.v.values))


def test_the_streamed_file_is_compressed_as_write_netcdf_stores_it(runs, tmp_path):
    streamed, _ = run_to_netcdf(_spec(7), tmp_path / "streamed.nc")
    streamed.close()
    with netCDF4.Dataset(tmp_path / "streamed.nc") as nc:
        for name in ("r", "v", "time"):
            filters = nc[name].filters()
            assert (filters["zlib"], filters["shuffle"], filters["complevel"]) == (True, True, 1), name
        assert nc.dimensions["time"].isunlimited()
    with xr.open_dataset(tmp_path / "streamed.nc") as back:
        for name in ("r", "v", "time"):
            np.testing.assert_array_equal(_bits(back[name].values), _bits(runs[0][name].values), err_msg=name)


def test_a_fit_result_labels_every_variable_and_coordinate_as_netcdf_stores_it(tmp_path):
    """A CF reader (Panoply, ncview, MATLAB's ncinfo) shows each variable by its long_name: the fit's coordinates
    ``iteration``, ``region``, ``region_i``, ``region_j`` had none, and ``grid_loss`` no units."""
    w = np.array([[0, 1, 0, 0.5], [1, 0, 1, 0], [0, 1, 0, 1], [0.5, 0, 1, 0]], float)
    conn = bn.Connectome(w, np.full((4, 4), 20.0), name="ring4", labels=list("abcd"))
    target = np.corrcoef(np.random.default_rng(0).random((4, 40)))
    res = bn.fit_grid(bn.CoombesByrne(), conn, grid={"G": [0.0, 0.7]}, objective="rmse", refine="grid",
                      refine_points=2, refine_rounds=1, duration=500.0, dt=0.1, noise=bn.Additive(v=0.1),
                      monitors=[bn.TemporalAverage(5.0)], signal="r", discard=0.1, band=None, empirical_fc=target)
    bn.write_netcdf(res, tmp_path / "fit.nc")
    with netCDF4.Dataset(tmp_path / "fit.nc") as nc:
        unlabelled = [name for name, var in nc.variables.items() if "long_name" not in var.ncattrs()]
        assert unlabelled == []
        assert nc["iteration"].long_name == "evaluation of the fit, in order"
        assert [nc[n].long_name for n in ("region", "region_i", "region_j")] == [
            "brain region", "brain region (FC row)", "brain region (FC column)"]
        assert nc["region"][:].tolist() == list("abcd")
        assert nc["grid_loss"].units == nc["loss"].units == "1"


def test_a_working_point_fit_labels_every_coordinate_as_netcdf_stores_it(tmp_path):
    """``brainnet-cb fit``'s default result: its coordinates (value, scale, fraction, weight_exponent, ...) had no
    attributes at all, so a CF reader listed them unnamed."""
    hcp = bn.load_empirical("hcp80")
    labels = list(hcp.connectome.labels[:12])
    res = bn.fit_working_point(hcp.connectome.subset(labels), hcp.fc_fit.sel(region_i=labels, region_j=labels),
                               values=[-2.0], fractions=[0.9, 1.0, 1.1], weight_exponents=[1.0],
                               homotopic_weights=[1.0], simulate=False, effective_connectivity=False,
                               regional_noise=True, progress=False)
    bn.write_netcdf(res, tmp_path / "fit.nc")
    with netCDF4.Dataset(tmp_path / "fit.nc") as nc:
        unlabelled = [name for name, var in nc.variables.items() if "long_name" not in var.ncattrs()]
        assert unlabelled == []
        assert nc["value"].long_name == f"scanned {res.attrs['parameter']}"
        assert nc["fraction"].long_name == "G / G_ref" and nc["fraction"][:].tolist() == [0.9, 1.0, 1.1]
        assert nc["region"][:].tolist() == labels
