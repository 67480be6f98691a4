"""bn.Simulation.from_result: one call rebuilds the run of a result, and bn.simulate(spec) makes it again bit for bit.

docs/concepts.md "Reproducibility". Every test reruns the rebuilt spec and compares every variable and attribute
exactly (the attributes but those of the writing: history, date_created); every refusal is pinned by its message.
"""

import json
import re
import warnings
from typing import ClassVar

import jax
import numpy as np
import pytest
import xarray as xr

import brainnet_cb as bn
from brainnet_cb.errors import SimulationError
from brainnet_cb.simulation.provenance import array_sha256
from brainnet_cb.stimulus import PulseTrain, Sinusoid, TimeSeries

#: Attributes a rerun may change: when the file was written.
_WHEN = ("history", "date_created")


def _trio():
    return bn.Connectome(weights=[[0, 1, 0.5], [1, 0, 0.2], [0.3, 0.4, 0]],
                         lengths=[[0, 30, 12], [30, 0, 21], [12, 21, 0]], labels=["a", "b", "c"], name="trio")


def _same(again, first):
    assert set(again.data_vars) == set(first.data_vars)
    for name in first.variables:
        np.testing.assert_array_equal(again[name].values, first[name].values)  # bit for bit
        assert again[name].dtype == first[name].dtype
        assert again[name].attrs == first[name].attrs
    assert {k: str(v) for k, v in again.attrs.items() if k not in _WHEN} == \
           {k: str(v) for k, v in first.attrs.items() if k not in _WHEN}


def _rerun(result, *args, **kwargs):
    return bn.simulate(bn.Simulation.from_result(result, *args, **kwargs))


def _stimulated(conn, **extra):
    return bn.simulate(bn.CoombesByrne(eta=[-4.6, -4.2, -5.0]), conn, duration=30.0, dt=0.1,
                       coupling=bn.Linear(G=0.1 + 0.2), speed=2.7, noise=bn.Additive(v=[0.2, 0.1, 0.3], r=0.01),
                       monitors=[bn.TemporalAverage(0.5), bn.Raw(variables=["r"], name="fine")], key=11,
                       initial_state={"r": 0.2},
                       stimulus=[PulseTrain(amplitude=[2.0, 0.0, 1.0], period=10.0, width=1.0, onset=5.0),
                                 Sinusoid(amplitude=0.05, frequency=40.0, port="r")], **extra)


@pytest.mark.float32
def test_a_noisy_stimulated_float32_run_with_delays_is_rebuilt_from_its_netcdf_file_bit_for_bit(tmp_path):
    conn = _trio()
    first = _stimulated(conn)
    assert first.attrs["dtype"] == "float32" and first.attrs["max_lag_steps"] > 0 and np.ptp(first.r.values) > 0
    path = bn.write_netcdf(first, tmp_path / "first.nc")
    back = xr.load_dataset(path)
    _same(_rerun(path, conn), back)  # the file's path
    _same(_rerun(back, conn), back)  # the Dataset read back
    _same(_rerun(first, conn), first)  # the result in memory


def test_a_float64_run_with_a_given_history_needs_that_history(tmp_path):
    conn = _trio()
    max_lag = bn.prepare(bn.CoombesByrne(), conn, duration=20.0, speed=2.0).max_lag
    history = 0.1 + 0.01 * np.cos(np.arange(max_lag + 4)[:, None] * 0.3 + np.arange(3))
    first = xr.load_dataset(bn.write_netcdf(
        bn.simulate(bn.CoombesByrne(eta=-4.6), conn, duration=20.0, speed=2.0, noise=bn.Additive(v=0.2),
                    history=history, key=3), tmp_path / "first.nc"))
    assert first.attrs["dtype"] == "float64"
    with pytest.raises(SimulationError, match=re.escape(
            f"this run started from a given delay history ({first.attrs['delay_history']}), which the result "
            "does not hold: pass it, Simulation.from_result(ds, history=...), the array given to the run.")):
        bn.Simulation.from_result(first, conn)
    _same(_rerun(first, conn, history=history), first)
    with pytest.raises(SimulationError, match=r"^the rebuilt simulation is not the recorded run: its delay_history "
                                              r"differs \(recorded delay_history given, sha256 [0-9a-f]{64} of the "
                                              r"delay buffer; rebuilt given, sha256 [0-9a-f]{64} of the delay buffer"):
        bn.Simulation.from_result(first, conn, history=history * 1.001)


@pytest.mark.parametrize("noise", [bn.OrnsteinUhlenbeck(tau=3.0, v=0.3, r=0.01, initial="zero"),
                                   bn.Multiplicative(convention="stratonovich", r=0.1)])
def test_coloured_and_multiplicative_noise_with_other_couplings_are_rebuilt(noise):
    conn = _trio()
    first = bn.simulate(bn.CoombesByrne(eta=-4.6), conn, duration=15.0, noise=noise, key=5,
                        coupling=bn.Diffusive(G=[0.3, 0.2, 0.1]), normalize="row_sum", method="euler")
    spec = bn.Simulation.from_result(first, conn)
    assert spec.noise == noise and spec.method == "euler"
    _same(bn.simulate(spec), first)


def test_a_bundled_atlas_is_reloaded_by_its_name_cleaned_or_raw():
    conn = bn.load_atlas("tvb66")
    first = bn.simulate(bn.CoombesByrne(eta=-4.6), conn, duration=3.0, noise=bn.Additive(v=0.1),
                        key=jax.random.key(2, impl="rbg"), coupling=bn.Linear(G=0.5))
    _same(_rerun(first), first)
    raw = bn.load_atlas("tvb66", clean=False)
    assert raw.sha256() != conn.sha256()
    recorded = xr.Dataset(attrs=bn.Simulation(bn.CoombesByrne(), raw, 1.0).prepare().attrs)  # the attrs of a run
    assert bn.Simulation.from_result(recorded).connectome.sha256() == raw.sha256()
    edited = conn.replace(weights=conn.weights * 2)
    recorded = xr.Dataset(attrs=bn.Simulation(bn.CoombesByrne(), edited, 1.0).prepare().attrs)
    with pytest.raises(SimulationError, match=re.escape(
            f"the run's connectome 'tvb66' (sha256 {edited.sha256()}) is not the bundled atlas 'tvb66' (clean=True: "
            f"sha256 {conn.sha256()}; clean=False: {raw.sha256()}): it was edited or is another file of that name. "
            "Pass it, Simulation.from_result(ds, connectome=conn).")):
        bn.Simulation.from_result(recorded)
    assert bn.Simulation.from_result(recorded, edited).connectome is edited


def test_a_brainnet_cb_run_output_is_rebuilt_with_the_connectome_its_configuration_names(tmp_path):
    import contextlib
    import io

    from brainnet_cb import cli

    study = tmp_path / "study"
    study.mkdir()
    np.savez(study / "trio.npz", weights=[[0, 1, 0.5], [1, 0, 0.2], [0.3, 0.4, 0]],
             lengths=[[0, 30, 12], [30, 0, 21], [12, 21, 0]], labels=np.array(["a", "b", "c"]))
    (study / "run.toml").write_text(
        '[run]\nduration = 40.0\ndt = 0.2\nseed = 5\n[connectome]\natlas = ""\nfile = "trio.npz"\n'
        '[noise]\nkind = "Additive"\nv = 0.05\n[monitors.activity]\nperiod = 1.0\n[monitors.bold]\nenabled = false\n'
        '[monitors.eeg]\nenabled = false\n[output]\nfigure = false\n')
    out = tmp_path / "first.nc"
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        assert cli.main(["run", str(study / "run.toml"), "--out", str(out), "--quiet"]) == 0
    first = xr.load_dataset(out)
    again = _rerun(out)  # the connectome read again from the configuration's file
    for name in first.data_vars:
        np.testing.assert_array_equal(again[name].values, first[name].values)
    assert again.attrs["connectome_sha256"] == first.attrs["connectome_sha256"]
    np.savez(study / "trio.npz", weights=[[0, 1, 0.5], [1, 0, 0.2], [0.3, 0.4, 0.1]],
             lengths=[[0, 30, 12], [30, 0, 21], [12, 21, 0]], labels=np.array(["a", "b", "c"]))
    changed = bn.io.read_connectome(study / "trio.npz").sha256()
    with pytest.raises(SimulationError, match=re.escape(
            f"the run's configuration names its connectome as connectome.file = {str(study / 'trio.npz')!r}, which "
            f"now has sha256 {changed}, not the run's {first.attrs['connectome_sha256']}: the file changed since "
            "the run. Pass the run's connectome, Simulation.from_result(ds, connectome=conn).")):
        bn.Simulation.from_result(out)
    (study / "trio.npz").unlink()
    with pytest.raises(SimulationError, match=re.escape(
            f"the run's configuration names its connectome as connectome.file = {str(study / 'trio.npz')!r}, which "
            "does not read back here (")):
        bn.Simulation.from_result(first)


def test_a_timeseries_stimulus_and_an_eeg_monitor_must_be_passed():
    conn = _trio()
    series = np.sin(np.arange(50)[:, None] * 0.1 + np.arange(3))
    eeg = bn.EEG(gain=np.arange(6.0).reshape(2, 3) / 10, period=1.0)
    monitors = [bn.TemporalAverage(1.0), eeg]
    first = bn.simulate(bn.CoombesByrne(eta=-4.6), conn, duration=10.0, monitors=monitors,
                        stimulus=[Sinusoid(amplitude=0.05, frequency=40.0), TimeSeries(values=series)])
    stimuli = json.loads(first.attrs["stimulus_parameters"])
    digest = stimuli[1]["values"]
    gain = json.loads(first.attrs["monitor_parameters"])[1]["gain"]
    with pytest.raises(SimulationError, match=re.escape(
            f"this run's monitor 1 (EEG) needs its gain (an array of shape (2, 3), float64, sha256 "
            f"{gain['sha256']}), which the result does not hold: pass the lead field, Simulation.from_result(ds, "
            "lead_field=gain) ({'eeg': gain} where several monitors need one), or every monitor of the run, "
            "monitors=[...].")):
        bn.Simulation.from_result(first, conn)
    with pytest.raises(SimulationError, match=re.escape(
            f"this run's stimulus 1 (TimeSeries on port 'v') needs its values (an array of shape (50, 3), float64, "
            f"sha256 {digest['sha256']}), which the result does not hold: pass stimulus=... as the run had it "
            "(Simulation.from_result(ds, stimulus=...)).")):
        bn.Simulation.from_result(first, conn, monitors=monitors)
    stimulus = [Sinusoid(amplitude=0.05, frequency=40.0), TimeSeries(values=series)]
    _same(_rerun(first, conn, stimulus=stimulus, monitors=monitors), first)
    _same(_rerun(first, conn, stimulus=stimulus, lead_field=eeg.gain), first)  # the lead field alone
    assert bn.Simulation.from_result(first, conn, stimulus=stimulus, lead_field={"eeg": eeg.gain}).monitors[1] == eeg
    with pytest.raises(SimulationError, match=re.escape(
            f"lead_field for monitor 'eeg' is not the run's: shape (2, 3), sha256 {array_sha256(np.ones((2, 3)))}; "
            f"the run's gain had shape (2, 3), sha256 {gain['sha256']}.")):
        bn.Simulation.from_result(first, conn, stimulus=stimulus, lead_field=np.ones((2, 3)))
    with pytest.raises(SimulationError, match=re.escape(
            "lead_field names ['meg'], which are not this run's monitors with a gain matrix (eeg).")):
        bn.Simulation.from_result(first, conn, stimulus=stimulus, lead_field={"meg": eeg.gain})
    with pytest.raises(SimulationError, match=re.escape(
            "give monitors= or lead_field=, not both: lead_field is the gain of the run's recorded EEG/MEG monitor; "
            "monitors= replaces every monitor.")):
        bn.Simulation.from_result(first, conn, stimulus=stimulus, lead_field=eeg.gain, monitors=monitors)
    with pytest.raises(SimulationError, match=r"^the rebuilt simulation is not the recorded run: its "
                                              r"monitor_parameters differs"):
        bn.Simulation.from_result(first, conn, stimulus=stimulus,
                                  monitors=[bn.TemporalAverage(1.0), bn.EEG(gain=np.ones((2, 3)), period=1.0)])
    plain = bn.simulate(bn.CoombesByrne(), conn, duration=1.0)
    with pytest.raises(SimulationError, match=re.escape(
            "lead_field is given, but no monitor of this run has a gain matrix (an EEG or MEG); its monitors are "
            "['TemporalAverage']. Leave lead_field out.")):
        bn.Simulation.from_result(plain, conn, lead_field=eeg.gain)
    two = [bn.EEG(gain=eeg.gain, period=1.0, name="eeg1"), bn.EEG(gain=eeg.gain * 2, period=1.0, name="eeg2")]
    recorded = xr.Dataset(attrs=bn.Simulation(bn.CoombesByrne(), conn, 2.0, monitors=two).prepare().attrs)
    with pytest.raises(SimulationError, match=re.escape(
            "this run has 2 monitors with a gain matrix (eeg1, eeg2): pass lead_field as {name: gain}, e.g. "
            "{'eeg1': ...}.")):
        bn.Simulation.from_result(recorded, conn, lead_field=eeg.gain)
    spec = bn.Simulation.from_result(recorded, conn, lead_field={"eeg1": eeg.gain, "eeg2": eeg.gain * 2})
    assert spec.monitors == tuple(two)


def _edited(ds, **attrs):
    out = ds.copy()
    out.attrs = {**ds.attrs, **attrs}
    return out


def test_refusals_name_what_is_wrong_and_what_to_pass():
    conn = _trio()
    first = bn.simulate(bn.CoombesByrne(eta=-4.6), conn, duration=2.0, noise=bn.Additive(v=0.1))
    with pytest.raises(SimulationError, match=re.escape(
            "Simulation.from_result needs the xarray.Dataset that bn.simulate returns (or read back from its NetCDF "
            "or Zarr file), or the file's path; got dict.")):
        bn.Simulation.from_result(dict(first.attrs))
    with pytest.raises(SimulationError, match=re.escape(
            "Simulation.from_result rebuilds the run of a bn.simulate result (title 'brainnet_cb network "
            "simulation'); this Dataset's title is 'brainnet_cb sweep'.")):
        bn.Simulation.from_result(_edited(first, title="brainnet_cb sweep"))
    older = first.copy()
    older.attrs = {k: v for k, v in first.attrs.items()
                   if k not in ("coupling_parameters", "noise_parameters", "monitor_parameters", "connectome_sha256")}
    with pytest.raises(SimulationError, match=re.escape(
            "this result lacks the attributes coupling_parameters, noise_parameters, monitor_parameters, "
            f"connectome_sha256: it was written by brainnet_cb {bn.__version__}, before results recorded what a "
            "rerun needs. Rebuild the call by hand from its attributes (docs/concepts.md, Reproducibility), or run "
            "it again with this version.")):
        bn.Simulation.from_result(older, conn)
    with pytest.raises(SimulationError, match=re.escape(
            f"the run's connectome 'trio' (sha256 {conn.sha256()}) is not a bundled atlas, and the result holds "
            "only its digest: pass it, Simulation.from_result(ds, connectome=conn) (it is checked against the "
            "digest).")):
        bn.Simulation.from_result(first)
    other = conn.replace(weights=conn.weights * 2)
    with pytest.raises(SimulationError, match=re.escape(
            f"connectome 'trio' is not the run's: its sha256 is {other.sha256()}, the run's connectome 'trio' had "
            f"{conn.sha256()} (Connectome.sha256() of the weights, lengths and labels as passed to the run, before "
            "normalisation). Pass the connectome the run was made from.")):
        bn.Simulation.from_result(first, other)
    with pytest.raises(SimulationError, match=re.escape(
            f"connectome must be a bn.Connectome or the path of its file (the run's, sha256 {conn.sha256()}); got "
            "ndarray.")):
        bn.Simulation.from_result(first, conn.weights)


def test_a_connectome_file_is_read_and_checked(tmp_path):
    conn = _trio()
    first = bn.simulate(bn.CoombesByrne(eta=-4.6), conn, duration=2.0, noise=bn.Additive(v=0.1))
    np.savez(tmp_path / "trio.npz", weights=conn.weights, lengths=conn.lengths, labels=np.array(conn.labels))
    _same(_rerun(first, tmp_path / "trio.npz"), first)
    np.savez(tmp_path / "other.npz", weights=conn.weights * 2, lengths=conn.lengths, labels=np.array(conn.labels))
    other = bn.io.read_connectome(tmp_path / "other.npz")
    with pytest.raises(SimulationError, match=re.escape(
            f"connectome {other.name!r} is not the run's: its sha256 is {other.sha256()}, the run's connectome "
            f"'trio' had {conn.sha256()}")):
        bn.Simulation.from_result(first, str(tmp_path / "other.npz"))
    with pytest.raises(SimulationError, match=re.escape(
            "this run's node model 'MyNode' is not registered in this process: pass it, Simulation.from_result(ds, "
            f"model=...), with the parameters recorded in model_parameters ({first.attrs['model_parameters']}).")):
        bn.Simulation.from_result(_edited(first, model="MyNode"), conn)
    _same(_rerun(first, conn, model=bn.CoombesByrne(eta=-4.6), coupling=bn.Linear()), first)  # passed: checked
    with pytest.raises(SimulationError, match=re.escape(
            "the rebuilt simulation is not the recorded run: its model_parameters differs (recorded model_parameters "
            f"{first.attrs['model_parameters']}; rebuilt ")):
        bn.Simulation.from_result(first, conn, model=bn.CoombesByrne(eta=-4.5))


@bn.node_model
class Leaky(bn.NodeModel):
    """Leaky rate unit tau dx/dt = -x + I + c (ms), a plug-in not registered by name."""

    tau: float = 10.0
    I: float = 1.0
    states: ClassVar[tuple] = ("x",)
    initial: ClassVar[dict] = {"x": 0.0}
    sends: ClassVar[str] = "x"
    receives: ClassVar[str] = "x"
    input_ports: ClassVar[tuple] = ("x",)

    def dfun(self, x, inputs):
        return (-x + self.I + inputs.get("x", 0.0)) / self.tau


@bn.plugins.coupling
class Saturating(bn.Coupling):
    """c_i = G tanh(S_i): a plug-in coupling."""

    G: float = 1.0

    def post(self, S, local, strength):
        return self.G * jax.numpy.tanh(S)


def test_a_plug_in_model_or_coupling_must_be_passed():
    conn = _trio()
    model, coupling = Leaky(tau=[5.0, 7.0, 9.0]), Saturating(G=0.7)
    first = bn.simulate(model, conn, duration=5.0, coupling=coupling, noise=bn.Additive(x=0.1), key=4)
    with pytest.raises(SimulationError, match=re.escape(
            "this run's node model 'Leaky' is not registered in this process: pass it, Simulation.from_result(ds, "
            'model=...), with the parameters recorded in model_parameters ({"tau": [5.0, 7.0, 9.0], "I": 1.0}).')):
        bn.Simulation.from_result(first, conn)
    with pytest.raises(SimulationError, match=re.escape(
            "this run's coupling is a Saturating, which is not one of brainnet_cb's built-in coupling classes "
            "(Linear, Diffusive, Conductance): pass it, Simulation.from_result(ds, coupling=...), as the run had it "
            '(recorded: {"kind": "Saturating", "G": 0.7}).')):
        bn.Simulation.from_result(first, conn, model=model)
    _same(_rerun(first, conn, model=model, coupling=coupling), first)
    with pytest.raises(SimulationError, match=re.escape(
            "the rebuilt simulation is not the recorded run: its coupling_parameters differs (recorded "
            'coupling_parameters {"kind": "Saturating", "G": 0.7}; rebuilt {"kind": "Saturating", "G": 0.8}). Pass '
            "what the run had (model=, coupling=, noise=, monitors=, stimulus=, history=, connectome=).")):
        bn.Simulation.from_result(first, conn, model=model, coupling=Saturating(G=0.8))


def test_another_version_or_device_is_warned_about():
    conn = _trio()
    first = bn.simulate(bn.CoombesByrne(), conn, duration=1.0)
    with pytest.warns(RuntimeWarning, match=re.escape(
            f"this result was made with jax_version '0.0.1', device 'gpu H100'; this process has jax_version "
            f"{jax.__version__!r}, device {first.attrs['device']!r}: the spec is the same run, but reruns it bit for "
            "bit only with the same brainnet_cb, JAX and device.")):
        bn.Simulation.from_result(_edited(first, jax_version="0.0.1", device="gpu H100"), conn)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        bn.Simulation.from_result(first, conn)  # the same software: no warning


def test_a_bold_run_with_a_resting_baseline_is_rebuilt():
    conn = _trio()
    first = bn.simulate(bn.CoombesByrne(eta=-4.6), conn, duration=1000.0, dt=0.2, noise=bn.Additive(v=0.3), key=8,
                        monitors=[bn.TemporalAverage(5.0), bn.Bold(tr=500.0, rest_after=200.0, scale=[1.0, 2.0, 3.0])])
    assert np.ptp(first.bold.values) > 0
    _same(_rerun(first, conn), first)


def test_a_streamed_zarr_store_is_rebuilt_from_its_path(tmp_path):
    pytest.importorskip("zarr")
    conn = _trio()
    first = bn.simulate(bn.CoombesByrne(eta=-4.6), conn, duration=10.0, noise=bn.Additive(v=0.2), key=6,
                        out=tmp_path / "run.zarr", chunk_steps=30).load()
    _same(_rerun(tmp_path / "run.zarr", conn), first)


def test_a_batch_marks_its_batched_values_and_is_refused():
    conn = _trio()
    ds = bn.simulate_batch(bn.CoombesByrne(eta=-4.6), conn, duration=2.0, noise=bn.Additive(v=0.1),
                           batch={"G": [0.1, 0.2], "noise_r": [0.1, 0.2]})
    assert json.loads(ds.attrs["coupling_parameters"]) == {"kind": "Linear", "G": "batch"}  # not the first member's
    assert json.loads(ds.attrs["noise_parameters"]) == {"kind": "Additive", "sigma": {"v": 0.1, "r": "batch"}}
    with pytest.raises(SimulationError, match=re.escape(
            'this result is a batch of runs (bn.simulate_batch, batched ["G", "noise_r"]): Simulation.from_result '
            "rebuilds a single run. Rebuild the batch's spec by hand with the batched values of each member (they "
            "are the result's batch coordinates), and run it with bn.simulate_batch.")):
        bn.Simulation.from_result(ds, conn)


def test_a_connectome_read_in_python_is_read_again_from_its_file_while_it_has_the_recorded_digest(tmp_path):
    """Connectome.source: the reader, the file and its arguments, recorded as connectome_source; reloaded from."""
    conn = _trio()
    np.savez(tmp_path / "trio.npz", weights=conn.weights, lengths=conn.lengths, labels=np.array(conn.labels))
    read = bn.io.read_connectome(tmp_path / "trio.npz")
    assert read == conn and conn.source is None
    assert read.source == {"reader": "read_npz", "path": str(tmp_path / "trio.npz"),
                           "arguments": {"name": "trio", "missing_lengths": "raise"}}
    assert read.normalized("max").source is None and read.subset(["a", "b"]).source is None  # not the file's
    first = bn.simulate(bn.CoombesByrne(eta=-4.6), read, duration=2.0, noise=bn.Additive(v=0.1), key=3)
    assert json.loads(first.attrs["connectome_source"]) == read.source
    path = bn.write_netcdf(first, tmp_path / "first.nc")
    _same(_rerun(path), first)  # no connectome passed: read again from trio.npz
    _same(_rerun(first, conn), first)  # passed as arrays: the same matrices, the run's record kept
    assert "connectome_source" not in bn.simulate(bn.CoombesByrne(), conn, duration=1.0).attrs

    digest = conn.sha256()
    np.savez(tmp_path / "trio.npz", weights=conn.weights * 2, lengths=conn.lengths, labels=np.array(conn.labels))
    read_as = f"read_npz({str(tmp_path / 'trio.npz')!r}, name='trio', missing_lengths='raise')"
    fix = f"Pass the run's connectome, Simulation.from_result(ds, connectome=conn) (its sha256 must be {digest})."
    with pytest.raises(SimulationError, match=re.escape(
            f"the run's connectome 'trio' was read from '{tmp_path / 'trio.npz'}' ({read_as}), which now has sha256 "
            f"{bn.io.read_npz(tmp_path / 'trio.npz').sha256()}, not the run's {digest}: the file changed since the "
            f"run. {fix}")):
        bn.Simulation.from_result(path)
    (tmp_path / "trio.npz").unlink()
    with pytest.raises(SimulationError, match=re.escape(
            f"the run's connectome 'trio' was read from '{tmp_path / 'trio.npz'}' ({read_as}), which does not exist "
            f"here. {fix}")):
        bn.Simulation.from_result(path)
    _same(_rerun(path, conn), first)


def test_read_matrix_records_its_files_and_no_source_for_arrays(tmp_path):
    np.save(tmp_path / "w.npy", [[0, 1.0], [2.0, 0]])
    np.save(tmp_path / "l.npy", [[0, 10.0], [10.0, 0]])
    read = bn.io.read_matrix(str(tmp_path / "w.npy"), tmp_path / "l.npy", labels=np.array(["x", "y"]))
    assert read.source == {"reader": "read_matrix", "path": str(tmp_path / "w.npy"), "arguments": {
        "lengths": str(tmp_path / "l.npy"), "labels": ["x", "y"], "name": "w", "missing_lengths": "raise"}}
    assert bn.io.read_matrix(tmp_path / "w.npy", np.load(tmp_path / "l.npy")).source is None  # an array: no file
    assert bn.load_atlas("tvb66").source is None and bn.load_atlas("tvb66", clean=False).source is None
    first = bn.simulate(bn.CoombesByrne(eta=-4.6), read, duration=1.0)
    _same(_rerun(first), first)
    with pytest.raises(bn.errors.ConnectomeError, match=re.escape(
            "source is set by the readers of bn.io: {\"reader\": one of ['read_tvb', 'read_npz', 'read_matrix', "
            "'read_mat', 'read_graphml', 'read_tractography'], \"path\": the file's absolute path, \"arguments\": "
            "{keyword: JSON value}}; leave it out for a connectome built from arrays; got 'w.npy'.")):
        read.replace(source="w.npy")
