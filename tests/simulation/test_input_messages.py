"""Unusual but plausible inputs: refused with a message naming what was given, or accepted as meant."""

import brainunit as u
import numpy as np
import pytest
import xarray as xr

import brainnet_cb as bn
from brainnet_cb.delays import compute_lags

N3 = np.ones((3, 3)) - np.eye(3)
CONN = bn.Connectome(N3, 20 * N3)


def spec(**kw):
    return bn.Simulation(bn.CoombesByrne(), CONN, kw.pop("duration", 10.0), **kw)


def test_a_noise_amplitude_that_is_not_a_number_is_a_noise_error():
    with pytest.raises(bn.NoiseError, match=r"noise amplitude v='0.1v' must be a number or one per region, in "
                                            r"units of the state per sqrt\(ms\), or a brainunit quantity of that "
                                            r"dimension; got str\.$"):
        bn.Additive(v="0.1v")  # was a TypeError from NumPy


def test_a_noise_amplitude_of_the_wrong_dimension_is_named_when_the_model_is_known():
    noise = bn.Additive(v=0.1 * u.mV)  # the unit of the state is the model's: checked by the spec
    with pytest.raises(bn.NoiseError, match=r"^noise amplitude v of Additive on CoombesByrne\.v must have the "
                                            r"dimension of 1/sqrt\(ms\); got 0\.1 mV"):
        spec(noise=noise)


def test_speed_none_is_named_not_shown_as_nan():
    with pytest.raises(bn.SimulationError, match=r"speed must be a finite conduction speed > 0 \(mm/ms\); got None"):
        spec(speed=None)


def test_a_vanishing_speed_is_refused_not_wrapped_to_a_one_step_delay():
    lags = compute_lags(20 * N3, 1e-300, 0.1)  # 2e302 steps: int64 wrapped it to a negative lag, then 1
    assert lags.max() == 2**62 and lags.min() == 0
    with pytest.raises(bn.SimulationError, match="the longest delay is 4611686018427387904 steps"):
        spec(speed=1e-300)


def test_a_bold_tr_given_in_seconds_is_refused_with_the_unit_hint():
    with pytest.raises(bn.MonitorError, match=r"Bold tr 0.72 ms is not a whole multiple of dt = 0.1 ms; use e.g. "
                                              r"tr=0.7 ms \(tr is in ms: a TR of 0.72 s is tr=720 or "
                                              r"tr=0.72 \* u.second\)"), \
            pytest.warns(bn.ShortTRWarning, match=r"^Bold tr = 0\.72 ms is shorter than any scanner's TR: tr is in ms\. "
                                                  r"If 0\.72 is in seconds, write tr=720 or tr=0\.72 \* u\.second "
                                                  r"\(brainunit\)\.$"):
        spec(duration=2000.0, monitors=[bn.Bold(tr=0.72)])
    with pytest.raises(bn.MonitorError, match=r"Bold tr 725.05 ms is not a whole multiple of dt = 0.1 ms; use e.g. "
                                              r"tr=725 ms\.$"):
        spec(duration=2000.0, monitors=[bn.Bold(tr=725.05)])


@pytest.mark.parametrize("stimulus", ["step", {"v": 1.0}])
def test_a_stimulus_that_is_a_string_or_dict_is_shown_whole(stimulus):
    with pytest.raises(bn.SimulationError, match=rf"stimulus must be a brainnet_cb.stimulus object .*; got "
                                                 rf"{repr(stimulus).replace('{', '.').replace('}', '.')}\.$"):
        spec(stimulus=stimulus)  # showed its first character or key ('s', 'v')


def test_resume_from_the_path_given_to_checkpoint_without_its_suffix(tmp_path):
    kw = dict(duration=20.0, chunk_steps=50)
    first = bn.simulate(bn.CoombesByrne(), CONN, checkpoint=tmp_path / "run", **kw)
    assert (tmp_path / "run.npz").is_file() and not (tmp_path / "run").exists()
    again = bn.simulate(bn.CoombesByrne(), CONN, resume_from=tmp_path / "run", **kw)  # was refused (no run.npz)
    xr.testing.assert_identical(again, first)


@pytest.mark.parametrize("options, message", [
    (dict(overwrite="no"), r"overwrite must be True or False \(True replaces an existing store or checkpoint\); "
                           r"got 'no'"),  # a truthy string: it replaced the store
    (dict(progress="yes"), r"progress must be True or False .*; got 'yes'"),
    (dict(chunk_steps="100"), r"chunk_steps must be a whole number of steps >= 1 .*; got '100'"),  # TypeError
    (dict(chunk_steps=0), r"chunk_steps must be a whole number of steps >= 1 .*; got 0"),  # silently 1 period
    (dict(chunk_steps=2.5), r"chunk_steps must be a whole number of steps >= 1 .*; got 2.5"),
])
def test_execution_options_of_the_wrong_kind_are_refused(options, message):
    with pytest.raises(bn.SimulationError, match=message):
        bn.simulate(bn.CoombesByrne(), CONN, 10.0, **options)
    if "overwrite" not in options:
        with pytest.raises(bn.SimulationError, match=message):
            bn.simulate_batch(bn.CoombesByrne(), CONN, 10.0, batch={"G": [0.0, 1.0]}, **options)


def test_a_string_overwrite_does_not_replace_a_netcdf_file(tmp_path):
    ds = xr.Dataset({"x": ("t", [1.0])})
    path = bn.write_netcdf(ds, tmp_path / "a.nc")
    with pytest.raises(bn.BrainnetError, match=r"overwrite must be True or False .*; got 'False'"):
        bn.write_netcdf(ds.assign(x=("t", [2.0])), path, overwrite="False")
    with xr.open_dataset(path) as back:
        assert back.x.values.tolist() == [1.0]


def test_whole_execution_options_still_run():
    ds = bn.simulate(bn.CoombesByrne(), CONN, 10.0, chunk_steps=np.int64(50), progress=np.bool_(False),
                     overwrite=False)
    xr.testing.assert_identical(ds, bn.simulate(bn.CoombesByrne(), CONN, 10.0, chunk_steps=50.0))


@pytest.mark.parametrize("field, value, kind", [("dt", "0.1", "str"), ("duration", True, "bool"),
                                                ("speed", b"3", "bytes")])
def test_a_time_or_speed_given_as_text_or_a_bool_is_refused(field, value, kind):
    """NumPy read "0.1" as 0.1 ms and True as a 1-ms run; neither is a number of the unit."""
    unit = "mm/ms" if field == "speed" else "ms"
    with pytest.raises(bn.SimulationError, match=rf"^{field} must be a number in {unit} or a brainunit quantity; got "
                                              rf".* of type {kind}\.$"):
        bn.Simulation(bn.CoombesByrne(), bn.load_atlas("tvb76"), **{"duration": 100.0, "dt": 0.1, field: value})


@pytest.mark.parametrize("make, message", [
    (lambda: bn.JansenRit(A="3.25"), r"^JansenRit\.A must be a number or one number per region; got '3\.25'\.$"),
    (lambda: bn.CoombesByrne(eta=True), r"^CoombesByrne\.eta must be a number or one number per region; got True\.$"),
    (lambda: bn.CoombesByrne(eta=["1", "2"]), r"^CoombesByrne\.eta must be a number or one number per region"),
])
def test_a_parameter_given_as_text_or_a_bool_is_refused(make, message):
    """NumPy read "3.25" as 3.25 and True as 1: a run went ahead with them."""
    with pytest.raises(bn.ModelError, match=message):
        bn.Simulation(make(), bn.load_atlas("tvb76"), duration=10.0, dt=0.1)


@pytest.mark.parametrize("make, message", [
    (lambda: bn.JansenRit(AA=3.0), r"^JansenRit has no field 'AA' \(did you mean 'A'\?\); its fields are \['A', "),
    (lambda: bn.CoombesByrne(Eta=1.0), r"^CoombesByrne has no field 'Eta' \(did you mean 'eta'\?\); its fields are "
                                       r"\['Delta', 'eta', 'k', 'v_syn'\]\.$"),
    (lambda: bn.Linear(g=1.0), r"^Linear has no field 'g' \(did you mean 'G'\?\); its fields are \['G'\]\.$"),
])
def test_a_misspelt_field_names_the_fields_and_the_closest(make, message):
    """The dataclass said only "got an unexpected keyword argument"."""
    with pytest.raises(TypeError, match=message):
        make()


def test_a_netcdf_name_for_the_streamed_store_is_refused_with_the_writer_to_use(tmp_path):
    """out= streams to a Zarr store (a folder): 'run.nc' made a folder of that name, which NetCDF readers refuse."""
    with pytest.raises(bn.SimulationError, match=r"^out='.*run\.nc' names a NetCDF file, but out= streams the run to "
                                                 r"a Zarr store \(a folder, e\.g\. '.*run\.zarr'\); for a NetCDF file, "
                                                 r"write the returned Dataset: bn\.write_netcdf\(ds, '.*run\.nc'\)\.$"):
        bn.simulate(bn.CoombesByrne(), bn.load_atlas("tvb76"), duration=1.0, dt=0.1, out=tmp_path / "run.nc")
    assert list(tmp_path.iterdir()) == []


def test_an_amplitude_without_its_state_is_refused_naming_the_form():
    """Additive(0.01) raised "Noise.__init__() takes 1 positional argument but 2 were given"."""
    with pytest.raises(bn.NoiseError, match=r"^Additive takes its amplitudes by state name, e\.g\. Additive\(v=0\.01\) "
                                            r"for noise on v; got the positional value\(s\) 0\.01\.$"):
        bn.Additive(0.01)
