"""Every bad input raises its own clear error, on the host, before compilation."""

import brainunit as u
import jax
import numpy as np
import pytest

import brainnet_cb as bn
from brainnet_cb import _engine

N3 = np.ones((3, 3)) - np.eye(3)
CONN = bn.Connectome(N3, 20 * N3, labels=["a", "b", "c"])


def run(**overrides):
    kw = dict(model=bn.CoombesByrne(), connectome=CONN, duration=10.0, dt=0.1)
    kw.update(overrides)
    return bn.simulate(kw.pop("model"), kw.pop("connectome"), **kw)


def nan_weights():
    w = N3.copy()
    w[1, 2] = np.nan
    return w


CASES = [
    ("non-square weights", lambda: bn.Connectome(np.ones((3, 4)), np.ones((3, 4))),
     bn.ConnectomeError, r"weights must be square \(n, n\); got shape \(3, 4\)"),
    ("NaN weight", lambda: bn.Connectome(nan_weights(), N3),
     bn.ConnectomeError, r"weights must be finite; got nan at \[target=1, source=2\]"),
    ("negative weight", lambda: bn.Connectome(-N3, N3),
     bn.ConnectomeError, r"weights must be non-negative; got -1.0 at \[target=0, source=1\]"),
    ("negative length", lambda: bn.Connectome(N3, -N3),
     bn.ConnectomeError, r"lengths must be non-negative"),
    ("lengths of another size", lambda: bn.Connectome(N3, np.ones((2, 2))),
     bn.ConnectomeError, r"lengths has shape \(2, 2\) but weights have shape \(3, 3\)"),
    ("label count mismatch", lambda: bn.Connectome(N3, N3, labels=["a", "b"]),
     bn.ConnectomeError, r"got 2 labels for 3 regions"),
    ("duplicate labels", lambda: bn.Connectome(N3, N3, labels=["a", "b", "a"]),
     bn.ConnectomeError, r"labels must be unique; repeated: \['a'\]"),
    ("centres of wrong shape", lambda: bn.Connectome(N3, N3, centres=np.zeros((3, 2))),
     bn.ConnectomeError, r"centres must have shape \(3, 3\).*got \(3, 2\)"),
    ("unknown normalization", lambda: CONN.normalized("l2"),
     bn.ConnectomeError, r"unknown normalization 'l2'; choose one of"),
    ("not a connectome", lambda: run(connectome=N3),
     bn.ConnectomeError, r"connectome must be a bn.Connectome.*got ndarray"),
    ("not a model", lambda: run(model="CoombesByrne"),
     bn.ModelError, r"model must be a node model"),
    ("dt <= 0", lambda: run(dt=0.0),
     bn.SimulationError, r"dt must be a finite time > 0 \(ms\); got 0.0"),
    ("negative duration", lambda: run(duration=-5.0),
     bn.SimulationError, r"duration must be a finite time > 0"),
    ("duration not a multiple of dt", lambda: run(duration=10.05, dt=0.1),
     bn.SimulationError, r"duration 10.05 ms is not a whole multiple of dt = 0.1 ms"),
    ("duration with wrong units", lambda: run(duration=3 * u.mV),
     bn.SimulationError, r"duration must be a quantity with the dimension of ms"),
    ("speed <= 0", lambda: run(speed=0.0),
     bn.SimulationError, r"speed must be a finite conduction speed > 0 \(mm/ms\); got 0.0"),
    ("unknown method", lambda: run(method="rk45"),
     bn.IntegratorError, r"unknown integration method 'rk45'; choose one of \['euler', 'exp_euler', 'heun', 'rk2', 'rk4'\]"),
    ("monitor period not a multiple of dt", lambda: run(monitors=[bn.TemporalAverage(0.25)]),
     bn.MonitorError, r"TemporalAverage period 0.25 ms is not a whole multiple of dt = 0.1 ms"),
    ("monitor periods not nested", lambda: run(monitors=[bn.SubSample(0.3), bn.TemporalAverage(0.5, name="t")]),
     bn.MonitorError, r"0.5 ms is not a multiple of 0.3 ms"),
    ("unknown monitored variable", lambda: run(monitors=[bn.Raw(variables=("w",))]),
     bn.MonitorError, r"Raw cannot record \['w'\]; choose from \('r', 'v', 'coupling'\)"),
    ("two monitors, same output", lambda: run(monitors=[bn.Raw(), bn.TemporalAverage(1.0)]),
     bn.MonitorError, r"two monitors write the output 'r'.*give one of them a name"),
    ("not a monitor", lambda: run(monitors=["raw"]),
     bn.MonitorError, r"monitors must be Monitor instances"),
    ("wrong parameter shape", lambda: run(model=bn.CoombesByrne(eta=np.zeros(4))),
     bn.ModelError, r"CoombesByrne.eta must be a scalar or have shape \(3,\).*got shape \(4,\)"),
    ("parameter out of range", lambda: run(model=bn.CoombesByrne(Delta=-1.0)),
     bn.ModelError, r"CoombesByrne.Delta must lie in \[0.0, inf\]; got -1.0"),
    ("non-finite parameter", lambda: run(model=bn.CoombesByrne(eta=np.inf)),
     bn.ModelError, r"CoombesByrne.eta must be finite"),
    ("unknown initial variable", lambda: run(initial_state={"x": 1.0}),
     bn.ModelError, r"initial_state has unknown variables \['x'\]"),
    ("coupling given as a string", lambda: run(coupling="linear"),
     bn.CouplingError, r"coupling must be a coupling object such as bn.Linear"),
    ("coupling strength of wrong shape", lambda: run(coupling=bn.Linear(G=np.ones(5))),
     bn.CouplingError, r"Linear.G must be a scalar or have shape \(3,\)"),
    ("noise on an unknown state", lambda: run(noise=bn.Additive(x=0.1)),
     bn.NoiseError, r"noise on 'x', but CoombesByrne has states \('r', 'v'\)"),
    ("negative noise amplitude", lambda: bn.Additive(v=-0.1),
     bn.NoiseError, r"noise amplitude v=-0.1 must be finite and >= 0"),
    ("noise given as a number", lambda: run(noise=0.1),
     bn.NoiseError, r"noise must be bn.Additive\(...\) or None; got 0.1"),
    ("bad key", lambda: run(key="seed"),
     bn.SimulationError, r"key must be an int seed or a jax.random.key; got 'seed'"),
    ("seed beyond 64 bits", lambda: run(key=2**70),
     bn.SimulationError, r"^key must be an int seed of 64 bits \(-2\*\*63 <= key < 2\*\*63\) or a jax.random.key; "
                         r"got 1180591620717411303424\. Pass e.g\. key=0 for a reproducible run\.$"),
    ("an array of keys for one run", lambda: run(key=jax.random.split(jax.random.key(5), 3)),
     bn.SimulationError, r"^key must be one jax\.random\.key \(shape \(\)\); got an array of 3 keys, shape \(3,\)\. "
                         r"Pass one of them \(e\.g\. keys\[0\]\) for one run, or int seeds to simulate_batch or sweep"),
    ("one key in an array", lambda: run(key=jax.random.split(jax.random.key(5), 1)),
     bn.SimulationError, r"got an array of 1 keys, shape \(1,\)"),
    ("unsupported dtype", lambda: run(dtype="int32"),
     bn.SimulationError, r"dtype must be 'float32' or 'float64'; got 'int32'"),
    ("history of wrong shape", lambda: run(history=np.zeros((3, 3))),
     bn.SimulationError, r"history must have shape \(>= 68, 3\).*got shape \(3, 3\)"),
    ("history disagreeing with the initial state", lambda: run(history=np.zeros((68, 3)), initial_state={"r": 0.2}),
     bn.SimulationError, r"history\[-1\] is 'r' at t = 0 and must equal initial_state\['r'\]"),
    ("step module: unknown method", lambda: bn.CoombesByrneStep(1, method="rk5"),
     bn.IntegratorError, r"unknown integration method 'rk5'; choose one of"),
    ("step module: initialiser not callable", lambda: bn.CoombesByrneStep(1, init_r=0.1),
     bn.ModelError, r"init_r must be callable"),
    ("step module: bad noise", lambda: bn.CoombesByrneStep(1, noise_v="white"),
     bn.NoiseError, r"noise_v must be None, a float amplitude or bn.WhiteNoise"),
]


@pytest.mark.parametrize("make,error,message", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_raises_before_compiling(make, error, message):
    before = _engine.TRACE_COUNT["advance"]
    with pytest.raises(error, match=message) as info:
        make()
    assert isinstance(info.value, bn.BrainnetError) and isinstance(info.value, ValueError)
    assert _engine.TRACE_COUNT["advance"] == before


def test_each_error_class_is_distinct_and_documented():
    classes = {c[2] for c in CASES}
    assert len(CASES) >= 15 and len({c[3] for c in CASES}) == len(CASES)  # every case pins its own message
    assert sorted(cls.__name__ for cls in classes) == ["ConnectomeError", "CouplingError", "IntegratorError",
                                                        "ModelError", "MonitorError", "NoiseError", "SimulationError"]
    for cls in classes:  # public, one family (BrainnetError, a ValueError), each with its own docstring
        assert getattr(bn, cls.__name__) is cls and cls.__mro__[1] is bn.BrainnetError
        assert issubclass(cls, ValueError) and cls.__doc__ and cls.__doc__ != bn.BrainnetError.__doc__


def test_float64_without_x64_is_refused_not_truncated():
    import jax

    jax.config.update("jax_enable_x64", False)
    try:
        with pytest.raises(bn.SimulationError, match=r"^dtype float64 was asked for but JAX is in float32 mode "
                                                     r"\(jax_enable_x64 is off; importing brainstate can switch it "
                                                     r"off\)\. Call bn\.enable_float64\(\) first\.$"):
            run(dtype="float64")
        ds = run(dtype="float32")
        assert ds.r.dtype == np.float32
    finally:
        bn.enable_float64()
    assert run().r.dtype == np.float64
