"""The run specification: frozen, validated once, edited out of place, the same run as the keyword path."""

import dataclasses
import pickle

import numpy as np
import pytest
import xarray as xr

import brainnet_cb as bn
from brainnet_cb import _engine
from brainnet_cb.cli import config
from brainnet_cb.fitting.fit import fc_loss
from brainnet_cb.simulation import spec as spec_module
from brainnet_cb.simulation.spec import Execution, Simulation, default_monitors, simulation

N3 = np.ones((3, 3)) - np.eye(3)
CONN = bn.Connectome(N3, 20 * N3, labels=["a", "b", "c"])
KW = dict(dt=0.1, coupling=bn.Linear(G=0.4), noise=bn.Additive(v=0.1), key=3,
          monitors=[bn.TemporalAverage(1.0), bn.Raw(name="raw")])


@pytest.fixture
def spec():
    return Simulation(bn.CoombesByrne(eta=-1.0), CONN, duration=20.0, **KW)


def test_the_spec_is_frozen_and_holds_its_defaults():
    s = Simulation(bn.CoombesByrne(), CONN, duration=10.0)
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.dt = 0.2
    assert (s.dt, s.speed, s.key, s.method, s.normalize, s.edges) == (0.1, 3.0, 0, "heun", "max", "auto")
    assert s.coupling == bn.Linear() and s.monitors is None and s.noise is None
    assert Simulation.option_names() == ("dt", "coupling", "speed", "noise", "monitors", "key", "method",
                                         "initial_state", "history", "normalize", "dtype", "edges", "stimulus")
    assert [f.name for f in dataclasses.fields(Execution)] == ["chunk_steps", "progress", "out", "overwrite",
                                                                "checkpoint", "resume_from"]
    assert type(default_monitors("run")[0]) is bn.TemporalAverage and type(default_monitors("fc")[0]) is bn.Bold
    assert "Simulation(CoombesByrne(" in repr(s) and "duration=10.0" in repr(s)


def test_validated_once_then_run_and_prepared_many_times(monkeypatch):
    calls = []
    real = spec_module.prepare_run
    monkeypatch.setattr(spec_module, "prepare_run", lambda s: calls.append(1) or real(s))
    s = Simulation(bn.CoombesByrne(), CONN, duration=10.0)
    a, b = s.run(), s.run()
    s.prepare()
    assert len(calls) == 1
    xr.testing.assert_identical(a, b)
    bn.simulate(bn.CoombesByrne(), CONN, 10.0)
    assert len(calls) == 2  # the keyword path validates once too


def test_spec_run_equals_the_keyword_path_bit_for_bit(spec):
    ds = spec.run()
    kw = bn.simulate(bn.CoombesByrne(eta=-1.0), CONN, 20.0, **KW)
    xr.testing.assert_identical(ds, kw)
    xr.testing.assert_identical(ds, bn.simulate(spec))
    xr.testing.assert_identical(ds, spec.run(chunk_steps=7))
    xr.testing.assert_identical(ds, spec.run(Execution(chunk_steps=7, progress=False)))
    xr.testing.assert_identical(ds, pickle.loads(pickle.dumps(spec)).run())
    run = bn.prepare(spec)
    assert run.n_steps == 200 and run.attrs == bn.prepare(bn.CoombesByrne(eta=-1.0), CONN, 20.0, **KW).attrs


def test_replace_is_out_of_place_and_validates_again(spec):
    longer = spec.replace(duration=30.0, coupling=bn.Linear(G=0.1))
    assert spec.duration == 20.0 and spec.coupling == bn.Linear(G=0.4)
    assert longer.duration == 30.0 and longer.noise is spec.noise
    xr.testing.assert_identical(longer.run(), bn.simulate(bn.CoombesByrne(eta=-1.0), CONN, 30.0,
                                                          **dict(KW, coupling=bn.Linear(G=0.1))))
    xr.testing.assert_identical(bn.simulate(spec, duration=30.0, coupling=bn.Linear(G=0.1)), longer.run())
    with pytest.raises(bn.SimulationError, match=r"^speed must be a finite conduction speed > 0 \(mm/ms\); got "
                                                 r"-1\.0\.$"):
        spec.replace(speed=-1.0)
    with pytest.raises(bn.SimulationError, match=r"unknown Simulation field 'G'; choose from \['model', "):
        spec.replace(G=0.5)


BAD = [
    (dict(model="CoombesByrne"), bn.ModelError, r"model must be a node model"),
    (dict(connectome=N3), bn.ConnectomeError, r"connectome must be a bn.Connectome.*got ndarray"),
    (dict(duration=None), bn.SimulationError, r"duration is required: the simulated time"),
    (dict(duration=10.05), bn.SimulationError, r"duration 10.05 ms is not a whole multiple of dt = 0.1 ms"),
    (dict(dt=0.0), bn.SimulationError, r"dt must be a finite time > 0 \(ms\); got 0.0"),
    (dict(speed=0.0), bn.SimulationError, r"speed must be a finite conduction speed > 0 \(mm/ms\); got 0.0"),
    (dict(method="rk45"), bn.IntegratorError, r"unknown integration method 'rk45'"),
    (dict(coupling="linear"), bn.CouplingError, r"coupling must be a coupling object such as bn.Linear"),
    (dict(noise=0.1), bn.NoiseError, r"noise must be bn.Additive\(...\) or None; got 0.1"),
    (dict(noise=bn.Additive(x=0.1)), bn.NoiseError, r"noise on 'x', but CoombesByrne has states"),
    (dict(monitors=["raw"]), bn.MonitorError, r"monitors must be Monitor instances"),
    (dict(monitors=[]), bn.MonitorError,
     r"^monitors is empty: a run records nothing without at least one monitor\. Pass one, e\.g\. "
     r"monitors=\[bn\.TemporalAverage\(1\.0\)\], or omit monitors for the default\.$"),
    (dict(monitors=()), bn.MonitorError, r"^monitors is empty: a run records nothing"),
    (dict(monitors=[bn.TemporalAverage(0.25)]), bn.MonitorError,
     r"TemporalAverage period 0.25 ms is not a whole multiple of dt = 0.1 ms"),
    (dict(key="seed"), bn.SimulationError, r"key must be an int seed or a jax.random.key; got 'seed'"),
    (dict(dtype="int32"), bn.SimulationError, r"dtype must be 'float32' or 'float64'; got 'int32'"),
    (dict(initial_state={"x": 1.0}), bn.ModelError, r"initial_state has unknown variables \['x'\]"),
    (dict(history=np.zeros((3, 3))), bn.SimulationError, r"history must have shape \(>= 68, 3\)"),
    (dict(normalize="l2"), bn.ConnectomeError, r"unknown normalization 'l2'"),
    (dict(model=bn.CoombesByrne(eta=np.zeros(4))), bn.ModelError,
     r"CoombesByrne.eta must be a scalar or have shape \(3,\).*got shape \(4,\)"),
]


@pytest.mark.parametrize("change,error,message", BAD, ids=[m for _, _, m in BAD])
def test_each_bad_field_raises_its_error_when_the_spec_is_built(change, error, message):
    kw = dict(model=bn.CoombesByrne(), connectome=CONN, duration=10.0)
    kw.update(change)
    before = _engine.TRACE_COUNT["advance"]
    with pytest.raises(error, match=message):
        Simulation(**kw)
    with pytest.raises(error, match=message):  # the keyword path raises the same error
        bn.simulate(kw.pop("model"), kw.pop("connectome"), **kw)
    assert _engine.TRACE_COUNT["advance"] == before


def test_options_and_execution_options_are_checked(spec):
    with pytest.raises(bn.SimulationError, match=r"^unknown option 'noize' \(did you mean 'noise'\?\); choose from "
                                                 r"\['dt', 'coupling', 'speed', 'noise', 'monitors', 'key', "
                                                 r"'method', 'initial_state', 'history', 'normalize', 'dtype', "
                                                 r"'edges', 'stimulus', 'chunk_steps', 'progress', 'out', "
                                                 r"'overwrite', 'checkpoint', 'resume_from'\]\.$"):
        bn.simulate(bn.CoombesByrne(), CONN, 10.0, noize=bn.Additive(v=0.1))
    with pytest.raises(bn.SimulationError, match=r"unknown execution option 'chunk_step' \(did you mean 'chunk_steps'"):
        spec.run(chunk_step=10)
    with pytest.raises(bn.SimulationError, match=r"execution must be a bn.Execution\(...\) or None"):
        spec.run(execution={"chunk_steps": 10})
    other = bn.Connectome(N3, 40 * N3, labels=["a", "b", "c"])  # changes given with a spec replace its fields
    assert bn.prepare(spec, other).max_lag == 133 and bn.prepare(spec).max_lag == 67
    assert bn.prepare(spec, None, 30.0).n_steps == 300 and bn.prepare(spec, dt=0.05).n_steps == 400
    with pytest.raises(bn.SimulationError, match=r"^simulate_batch does not take \['out'\] \(it neither streams nor "
                                                 r"checkpoints\); its execution options are \['chunk_steps', "
                                                 r"'progress'\]\. To stream or checkpoint, run the members one by "
                                                 r"one with bn\.simulate\(\.\.\., out=\.\.\., checkpoint=\.\.\.\); "
                                                 r"to keep only summaries of many runs, use "
                                                 r"bn\.sweep\(\.\.\., checkpoint=\.\.\.\)\.$"):
        bn.simulate_batch(spec, batch={"G": [0.1, 0.2]}, out="x.zarr")
    with pytest.raises(bn.SweepError, match=r"^unknown parameter 'J' in grid; choose from the parameters of "
                                            r"CoombesByrne \['Delta', 'eta', 'k', 'v_syn'\], of Linear \['G'\], "
                                            r"'speed', 'seed', or 'noise_<state>' with a state of \['r', 'v'\] "
                                            r"\(e\.g\. 'noise_v'\)\.$"):
        bn.sweep(spec, {"J": [1.0]}, signal="r")


def test_one_set_of_defaults_fc_workflows_default_to_bold():
    run_spec = simulation(bn.CoombesByrne(), CONN, 4000.0)
    fc_spec = simulation(bn.CoombesByrne(), CONN, 4000.0, purpose="fc")
    assert run_spec.monitors is None and run_spec.prepare().monitors[0].period == 1.0
    assert [type(m) for m in fc_spec.monitors] == [bn.Bold]
    assert fc_spec.with_default_monitors("fc") is fc_spec
    assert type(run_spec.with_default_monitors("fc").monitors[0]) is bn.Bold
    given = simulation(bn.CoombesByrne(), CONN, 4000.0, purpose="fc", monitors=bn.TemporalAverage(2.0))
    assert [type(m) for m in given.monitors] == [bn.TemporalAverage]
    with pytest.raises(bn.SimulationError, match=r"^purpose must be one of \['run', 'fc'\]; got 'plot'\.$"):
        default_monitors("plot")


def test_sweeps_and_fits_take_a_spec(spec):
    target = bn.fc(spec.run().r, discard=0.002)
    fit = dict(signal="r", band=None, discard=0.002)
    s = spec.replace(monitors=[bn.TemporalAverage(1.0)])
    kw = dict(KW, monitors=[bn.TemporalAverage(1.0)])
    a = bn.sweep(s, {"G": [0.2, 0.4]}, empirical_fc=target, progress=False, **fit)
    b = bn.sweep(bn.CoombesByrne(eta=-1.0), CONN, {"G": [0.2, 0.4]}, duration=20.0, empirical_fc=target,
                 progress=False, **kw, **fit)
    xr.testing.assert_identical(a.drop_attrs(), b.drop_attrs())
    assert float(a.fc_rmse.sel(G=0.4)) < 1e-12
    g1 = bn.fit_gradient(s, target, init={"G": 0.3}, steps=2, progress=False, **fit)
    g2 = bn.fit_gradient(bn.CoombesByrne(eta=-1.0), CONN, target, init={"G": 0.3}, steps=2, duration=20.0,
                         progress=False, **kw, **fit)
    xr.testing.assert_identical(g1.drop_attrs(), g2.drop_attrs())
    f1 = bn.fit_grid(s, grid={"G": [0.2, 0.4]}, empirical_fc=target, objective="rmse", refine=None, **fit)
    assert float(f1.G) == 0.4
    f, p, problem = fc_loss(s, target, init={"G": 0.4}, **fit)
    assert problem["spec"] is s and problem["kinds"] == {"G": "coupling"} and float(f(p)[0]) < 1e-12


def test_the_cli_config_is_a_spec():
    cfg = config.apply_overrides(config.RunConfig(), ["run.duration=20.0", "monitors.eeg.enabled=false",
                                                      "monitors.bold.enabled=false"])
    s = config.build_simulation(cfg)
    assert isinstance(s, Simulation) and s.connectome.name == "tvb76" and s.dtype == "float32"
    kw = config.build_run(cfg)
    assert set(kw) == {f.name for f in dataclasses.fields(Simulation)} and kw["model"] == s.model
    assert [type(m) for m in kw["monitors"]] == [type(m) for m in s.monitors] == [bn.TemporalAverage]
