"""A result file says how it was made: rebuilt from its NetCDF attributes alone, a run is made again bit for bit.

docs/concepts.md "Reproducibility": every output records its provenance in ``attrs``; these tests write a
noisy, stimulated run with the project's writer, read it back with xarray, rebuild the call from the attributes
(nothing else but the connectome, identified by its recorded ``connectome_sha256``, and a TimeSeries's values,
identified by theirs) and compare the rerun's arrays and attributes exactly.
"""

import json

import jax
import numpy as np
import pytest
import xarray as xr

import brainnet_cb as bn
from brainnet_cb.simulation.provenance import array_sha256, device_name
from brainnet_cb.stimulus import PulseTrain, Sinusoid, TimeSeries

#: Attributes a rerun may change: when the file was written.
_WHEN = ("history", "date_created")


def _pair():
    return bn.Connectome(weights=[[0, 1, 0.5], [1, 0, 0.2], [0.3, 0.4, 0]],
                         lengths=[[0, 30, 12], [30, 0, 21], [12, 21, 0]], labels=["a", "b", "c"], name="trio")


def _written(ds, path):
    return xr.load_dataset(bn.write_netcdf(ds, path))


def _rebuilt(attrs, connectome, series):
    """The keyword arguments of bn.simulate, read from ``attrs`` only (``series``: a TimeSeries's values)."""
    assert attrs["connectome_sha256"] == connectome.sha256(), "not the connectome the run was made from"
    names = {k: getattr(bn, k) for k in bn.__all__}
    stimuli = []
    for s in json.loads(attrs["stimulus_parameters"]):
        kind = getattr(bn.stimulus, s.pop("kind"))
        if kind is TimeSeries:
            digest = s.pop("values")
            assert digest["sha256"] == array_sha256(np.asarray(series, dtype=digest["dtype"]))
            s["values"] = series
        stimuli.append(kind(**s))
    return dict(
        model=bn.get_model(attrs["model"])(**json.loads(attrs["model_parameters"])),
        connectome=connectome, duration=float(attrs["duration"]), dt=float(attrs["dt"]),
        coupling=eval(attrs["coupling"], {"__builtins__": {}}, names),  # the repr of a coupling
        noise=eval(attrs["noise"], {"__builtins__": {}}, names),
        monitors=[eval(m, {"__builtins__": {}}, names) for m in json.loads(attrs["monitors"])],
        speed=float(attrs["speed"]), key=_key(attrs), method=attrs["method"],
        initial_state=json.loads(attrs["initial_state"]) or None, normalize=attrs["weights_normalization"],
        dtype=attrs["dtype"], edges=attrs["edges"], stimulus=stimuli)


def _key(attrs):
    """The run's key: an int seed, or the key's data and implementation."""
    seed = json.loads(attrs["seed"])
    if isinstance(seed, int):
        return seed
    return jax.random.wrap_key_data(np.asarray(seed, dtype=np.uint32), impl=attrs["key_impl"])


def _run(tmp_path):
    conn = _pair()
    series = np.sin(np.arange(150)[:, None] * 0.1 + np.arange(3))  # 15 ms of input at dt = 0.1 ms
    ds = bn.simulate(bn.CoombesByrne(eta=[-4.6, -4.2, -5.0]), conn, duration=40.0, dt=0.1,
                     coupling=bn.Linear(G=0.1 + 0.2), speed=2.7, noise=bn.OrnsteinUhlenbeck(tau=3.0, v=0.3, r=0.01),
                     monitors=[bn.TemporalAverage(0.5), bn.Raw(variables=["r"], name="fine")], key=11,
                     initial_state={"r": 0.2}, method="heun",
                     stimulus=[PulseTrain(amplitude=[2.0, 0.0, 1.0], period=10.0, width=1.0, onset=5.0),
                               Sinusoid(amplitude=0.05, frequency=40.0, port="r"), TimeSeries(values=series)])
    return conn, series, ds, _written(ds, tmp_path / "first.nc")


def _check_rerun(first, conn, series, tmp_path, **execution):
    again = _written(bn.simulate(**_rebuilt(first.attrs, conn, series), **execution), tmp_path / "again.nc")
    assert set(again.data_vars) == set(first.data_vars)
    for name in first.variables:
        np.testing.assert_array_equal(again[name].values, first[name].values)  # bit for bit
        assert again[name].dtype == first[name].dtype
        assert again[name].attrs == first[name].attrs
    assert {k: v for k, v in again.attrs.items() if k not in _WHEN} == \
           {k: v for k, v in first.attrs.items() if k not in _WHEN}


@pytest.mark.float32
def test_a_noisy_stimulated_float32_run_is_made_again_bit_for_bit_from_its_file(tmp_path):
    conn, series, ds, first = _run(tmp_path)
    assert first.attrs["dtype"] == "float32" and first.r.dtype == np.float32
    assert np.ptp(first.r.values) > 0
    _check_rerun(first, conn, series, tmp_path)


@pytest.mark.float32
def test_the_rerun_is_the_same_however_it_is_chunked(tmp_path):
    conn, series, _, first = _run(tmp_path)
    _check_rerun(first, conn, series, tmp_path, chunk_steps=37)


def test_a_float64_run_with_a_given_history_is_made_again_bit_for_bit(tmp_path):
    conn = _pair()
    max_lag = bn.prepare(bn.CoombesByrne(), conn, duration=20.0, speed=2.0).max_lag
    history = 0.1 + 0.01 * np.cos(np.arange(max_lag + 4)[:, None] * 0.3 + np.arange(3))
    ds = bn.simulate(bn.CoombesByrne(eta=-4.6), conn, duration=20.0, speed=2.0, noise=bn.Additive(v=0.2),
                     history=history, key=3)
    first = _written(ds, tmp_path / "first.nc")
    assert first.attrs["dtype"] == "float64" and first.attrs["initial_state"] == "{}"
    assert first.attrs["delay_history"].startswith("given, sha256 ")
    kwargs = _rebuilt(first.attrs, conn, None)
    again = bn.simulate(**kwargs, history=history)
    np.testing.assert_array_equal(again.r.values, first.r.values)
    assert again.attrs["delay_history"] == first.attrs["delay_history"]
    other = bn.simulate(**kwargs, history=history * 1.001)  # another history: another digest
    assert other.attrs["delay_history"] != first.attrs["delay_history"]


def test_a_run_with_a_typed_key_of_another_implementation_is_made_again_bit_for_bit(tmp_path):
    conn = _pair()
    key = jax.random.key(9, impl="rbg")
    first = _written(bn.simulate(bn.CoombesByrne(eta=-4.6), conn, duration=10.0, noise=bn.Additive(v=0.2), key=key),
                     tmp_path / "first.nc")
    assert first.attrs["key_impl"] == "rbg" and len(json.loads(first.attrs["seed"])) == 4
    again = bn.simulate(**_rebuilt(first.attrs, conn, None))
    np.testing.assert_array_equal(again.r.values, first.r.values)
    assert bn.simulate(bn.CoombesByrne(), conn, duration=1.0).attrs["key_impl"] == "threefry2x32"


def test_the_recorded_inputs_survive_the_netcdf_round_trip_exactly(tmp_path):
    conn = _pair()
    ds = bn.simulate(bn.CoombesByrne(), conn, duration=2.0, initial_state={"v": [-1.0, -1.5, -2.0]},
                     stimulus=PulseTrain(amplitude=1.5, period=1.0, width=0.5, offset=1.5))
    back = xr.open_dataset(bn.write_netcdf(ds, tmp_path / "x.nc"))
    for key, value in ds.attrs.items():  # nothing dropped; a number comes back as the same number
        if key == "history":  # the writer adds its line
            assert back.attrs[key].startswith(value + "\n")
            continue
        assert back.attrs[key] == value and isinstance(back.attrs[key], type(value) if isinstance(value, str)
                                                       else (int, float, np.number))
    a = back.attrs
    assert json.loads(a["stimulus_parameters"]) == [
        {"kind": "PulseTrain", "port": "v", "amplitude": 1.5, "period": 1.0, "width": 0.5, "onset": 0.0,
         "offset": 1.5}]
    assert json.loads(a["initial_state"]) == {"r": 0.1, "v": [-1.0, -1.5, -2.0]}  # CoombesByrne's default r
    assert a["delay_history"] == "constant"
    assert a["connectome_sha256"] == conn.sha256() != conn.replace(name="renamed", weights=conn.weights * 2).sha256()
    assert conn.replace(name="renamed").sha256() == conn.sha256()  # the matrices count, not the name
    assert json.loads(a["monitors"]) == ["TemporalAverage(period=1.0)"]
    assert a["jax_version"] == __import__("jax").__version__ and a["device"] == device_name()
    assert a["brainnet_cb_version"] == bn.__version__ and a["dtype"] == "float64"
    assert json.loads(bn.simulate(bn.CoombesByrne(), conn, duration=2.0).attrs["stimulus_parameters"]) == []


def test_a_connectome_digest_is_that_of_its_matrices_and_labels():
    import hashlib

    conn = _pair()
    h = hashlib.sha256(np.asarray(conn.weights, "<f8").tobytes() + np.asarray(conn.lengths, "<f8").tobytes()
                       + b"a\nb\nc")
    assert conn.sha256() == h.hexdigest()
    assert bn.Connectome(conn.weights, conn.lengths, labels=["a", "b", "d"]).sha256() != conn.sha256()
