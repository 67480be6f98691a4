"""What a brainstate user tries first: the environment's dt, initialisers with units, a node model built like a
brainstate module, a module of their own whose parameters are plain attributes, and brainstate's random keys.
Each failed with another library's message (or was refused without a reason); each now runs or says what to do."""

import re

import brainstate
import braintools
import brainunit as u
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import brainnet_cb as bn
from brainnet_cb.errors import ModelError, SimulationError
from brainnet_cb.nodes.brainmass_adapter import brainstate_node_model

PAIR = bn.Connectome(weights=[[0, 1.0], [0.5, 0]], lengths=[[0, 10.0], [10.0, 0]])


def _step(node, dt):
    brainstate.nn.init_all_states(node)
    with brainstate.environ.context(dt=dt):
        return np.asarray(node.update())


@pytest.mark.parametrize("method", ["exp_euler", "rk4"])
def test_the_environments_dt_in_seconds_is_the_same_step_as_in_ms(method):
    """One exp_euler step from (0.1, 0) at dt = 0.1 ms: r = 0.1 + dt phi1(dt a) f_r, a = 2v - 2 k pi r."""
    r0, v0 = 0.1, 0.0
    f_r = 1 / np.pi + 2 * v0 * r0 - np.pi * r0 * r0
    a = 2 * v0 - 2 * np.pi * r0
    in_ms = _step(bn.CoombesByrneStep(1, method=method), 0.1 * u.ms)
    assert np.array_equal(_step(bn.CoombesByrneStep(1, method=method), 0.1), in_ms)
    # braintools' steps multiply by dt in seconds (as the reference does): equal to rounding
    np.testing.assert_allclose(_step(bn.CoombesByrneStep(1, method=method), 1e-4 * u.second), in_ms, rtol=1e-15)
    if method == "exp_euler":
        np.testing.assert_allclose(in_ms, r0 + np.expm1(0.1 * a) / a * f_r, rtol=1e-14)


def test_an_environment_dt_that_is_not_a_positive_time_is_refused_by_name():
    """0.1 mV raised brainunit's 'units are mV and ms'; -0.1 ms stepped backwards silently."""
    with pytest.raises(ModelError, match=re.escape(
            "CoombesByrneStep.update steps by brainstate.environ dt, which must be a time; got 0.1 mV: set it as a "
            "time, brainstate.environ.set(dt=0.1 * u.ms), or a number in ms.")):
        _step(bn.CoombesByrneStep(1), 0.1 * u.mV)
    with pytest.raises(ModelError, match=re.escape(
            "CoombesByrneStep.update steps by brainstate.environ dt, which must be finite and > 0; got -0.1 ms.")):
        _step(bn.CoombesByrneStep(1), -0.1 * u.ms)


def test_a_network_modules_environment_dt_in_the_wrong_unit_is_refused_by_name():
    """It raised "Only dimensionless scalar quantities can be converted to Python scalars"."""
    net = bn.NetworkModule(bn.CoombesByrne(), PAIR, dt=0.1)
    brainstate.nn.init_all_states(net)
    with brainstate.environ.context(dt=1e-4 * u.second):  # the same step: accepted
        assert np.asarray(net.update()).shape == (2,)
    with pytest.raises(SimulationError, match=re.escape(
            "NetworkModule.update steps by brainstate.environ dt, which must be a time; got 0.1 mV")):
        with brainstate.environ.context(dt=0.1 * u.mV):
            net.update()


def test_a_network_module_built_without_dt_takes_the_environments():
    """It took 0.1 ms and refused every update under the same environment ("build it with the environment's dt")."""
    with brainstate.environ.context(dt=0.05 * u.ms):
        net = bn.NetworkModule(bn.CoombesByrne(), PAIR, coupling=bn.Linear(G=0.5))
        assert net.dt == 0.05 and net.max_lag == 67  # rint(10 mm / 3 mm/ms / 0.05 ms)
        brainstate.nn.init_all_states(net)
        r = brainstate.transform.for_loop(lambda i: net.update(), jnp.arange(100))
    ds = bn.simulate(bn.CoombesByrne(), PAIR, duration=5.0, dt=0.05, coupling=bn.Linear(G=0.5), monitors=[bn.Raw()])
    assert np.array_equal(np.asarray(r), ds.r.values)
    assert bn.NetworkModule(bn.CoombesByrne(), PAIR).dt == 0.1  # no environment dt: the default
    with pytest.raises(SimulationError, match=re.escape(
            "NetworkModule steps by brainstate.environ dt, which must be a time; got 0.1 mV")):
        with brainstate.environ.context(dt=0.1 * u.mV):
            bn.NetworkModule(bn.CoombesByrne(), PAIR)


@pytest.mark.parametrize("how", ["init_all_states", "reset_all_states"])
def test_an_initialiser_with_a_unit_is_refused_when_the_states_are_made(how):
    """init_r = Constant(0.1 / u.ms) failed at the first update with jax's "broadcast_arrays requires ndarray"."""
    node = bn.CoombesByrneStep(1, init_r=braintools.init.Constant(0.1 / u.ms))
    with pytest.raises(ModelError, match=re.escape(
            "init_r gave r in kHz; CoombesByrneStep's r and v are plain numbers (dimensionless, time in ms). Pass an "
            "initialiser of numbers, e.g. init_r=braintools.init.Constant(0.1).")):
        getattr(brainstate.nn, how)(node)


def test_a_node_model_given_in_size_points_to_its_brainstate_faces():
    with pytest.raises(TypeError, match=re.escape(
            "CoombesByrne has no field 'in_size' (CoombesByrne is the equations of one region, a node model of the "
            "network engine: the connectome sets the number of regions. As a brainstate module, step a network of "
            "it with bn.NetworkModule(CoombesByrne(), connectome), or a population of this model as "
            "bn.CoombesByrneStep(in_size=...)); its fields are ['Delta', 'eta', 'k', 'v_syn'].")):
        bn.CoombesByrne(in_size=3)
    with pytest.raises(TypeError, match=re.escape("with bn.NetworkModule(JansenRit(), connectome)); its fields")):
        bn.JansenRit(in_size=3)


def test_a_node_model_refuses_positional_parameters():
    """CoombesByrne(76) silently meant Delta=76 (the brainstate habit Step(in_size)); parameters go by name."""
    with pytest.raises(TypeError, match=re.escape(
            "CoombesByrne takes its parameters by name, e.g. CoombesByrne(Delta=76); got 1 positional argument "
            "(CoombesByrne is the equations of one region, a node model of the network engine: the connectome sets "
            "the number of regions. As a brainstate module, step a network of it with "
            "bn.NetworkModule(CoombesByrne(), connectome), or a population of this model as "
            "bn.CoombesByrneStep(in_size=...)).")):
        bn.CoombesByrne(76)
    with pytest.raises(TypeError, match=r"^CoombesByrne takes its parameters by name, e\.g\. "
                                        r"CoombesByrne\(Delta=1\.0, eta=-5\.0\); got 2 positional arguments\.$"):
        bn.CoombesByrne(1.0, -5.0)
    assert bn.CoombesByrne(Delta=1.0, eta=-5.0).eta == -5.0
    assert bn.Linear(0.5).G == 0.5  # couplings keep their positional form


class Leaky(brainstate.nn.Dynamics):
    """A brainpy-style module: parameters as plain attributes, dV/dt = (V_rest - V + I) / tau, V in mV."""

    def __init__(self, in_size, tau=10.0 * u.ms, V_rest=-65.0 * u.mV):
        super().__init__(in_size)
        self.tau = braintools.init.param(tau, self.varshape)
        self.V_rest = V_rest

    def init_state(self, batch_size=None, **kwargs):
        self.V = brainstate.HiddenState(braintools.init.param(braintools.init.Constant(-60.0 * u.mV), self.varshape,
                                                              batch_size))

    def derivative(self, state, t, I):
        (V,) = state
        return ((self.V_rest - V + I) / self.tau,)

    def update(self, I=0.0 * u.mV):
        return self.V.value


def test_a_module_whose_parameters_are_plain_attributes_runs_with_them_as_constants():
    """It was refused: "Leaky has no brainstate.nn.Param parameters." A delayed pair of it equals Euler by hand."""
    model = brainstate_node_model(Leaky(1, tau=5.0 * u.ms), sends="V", receives="I")
    assert model().__class__.__name__ == "Leaky" and model.state_units == {"V": "mV"}
    dt, G, steps = 0.1, 0.2, 60
    ds = bn.simulate(model(), PAIR, duration=steps * dt, dt=dt, coupling=bn.Linear(G=G), speed=3.0, method="euler",
                     monitors=[bn.Raw()])
    W, lag = np.array([[0, 1.0], [0.5, 0]]), 33  # rint(10 mm / 3 mm/ms / 0.1 ms)
    V, sent, out = np.full(2, -60.0), [], []
    for n in range(steps):
        sent.append(V.copy())
        past = sent[n - lag] if n >= lag else np.full(2, -60.0)
        V = V + dt * (-65.0 - V + G * W @ past) / 5.0
        out.append(V)
    np.testing.assert_allclose(ds.V.values, np.array(out), rtol=0, atol=1e-12)
    with pytest.raises(SimulationError, match=re.escape(
            "cannot batch over 'tau'; choose parameters of Leaky [], of Linear ['G'], 'speed', 'seed', or "
            "'noise_<state>' with a state of ['V'] (e.g. 'noise_V'). 'tau' is a plain attribute of the module Leaky, "
            "which brainstate_node_model keeps as a constant; make it a brainstate.nn.Param in Leaky (self.tau = "
            "brainstate.nn.Param.init(tau, self.varshape)) to batch, sweep or fit it.")):
        bn.simulate_batch(model(), PAIR, duration=1.0, batch={"tau": [1.0, 2.0]})


def test_a_brainstate_random_state_as_key_says_how_to_draw_a_key_from_it():
    with pytest.raises(SimulationError, match=re.escape(
            "key must be an int seed or a jax.random.key; got a brainstate.random.RandomState (a generator, whose "
            "key changes as it draws; brainstate.random.seed does not reach a run). Pass key=rng.split_key() for a "
            "key drawn from it (brainstate.random.split_key() from the global generator), or key=0 for a "
            "reproducible run.")):
        bn.simulate(bn.CoombesByrne(), PAIR, duration=1.0, noise=bn.Additive(v=0.1),
                    key=brainstate.random.RandomState(0))


def test_a_key_drawn_from_brainstate_is_a_reproducible_run_and_the_global_seed_is_not_read():
    kw = dict(duration=3.0, noise=bn.Additive(v=0.1), monitors=[bn.Raw()])
    rng = brainstate.random.RandomState(5)
    key = rng.split_key()
    a = bn.simulate(bn.CoombesByrne(), PAIR, key=key, **kw)
    b = bn.simulate(bn.CoombesByrne(), PAIR, key=jax.random.wrap_key_data(jax.random.key_data(key)), **kw)
    assert np.array_equal(a.r.values, b.r.values)
    brainstate.random.seed(123)
    seeded = bn.simulate(bn.CoombesByrne(), PAIR, **kw)
    brainstate.random.seed(7)
    assert np.array_equal(bn.simulate(bn.CoombesByrne(), PAIR, **kw).r.values, seeded.r.values)  # key=0 both times
    assert not np.array_equal(a.r.values, seeded.r.values)
    assert seeded.attrs["seed"] == "0"


def test_coombes_byrne_step_noise_is_reproducible_with_brainstate_random_seed():
    def run(seed):
        brainstate.random.seed(seed)
        node = bn.CoombesByrneStep(3, noise_v=0.1)
        brainstate.nn.init_all_states(node)
        with brainstate.environ.context(dt=0.1 * u.ms):
            return np.asarray(brainstate.transform.for_loop(lambda i: node.update(), jnp.arange(20)))

    first, again, other = run(0), run(0), run(1)
    assert np.array_equal(first, again) and not np.array_equal(first, other)


def test_a_module_without_derivative_is_told_what_derivative_to_add():
    class EulerOnly(brainstate.nn.Dynamics):  # steps itself in update, the brainpy habit
        def __init__(self, in_size, tau=10.0):
            super().__init__(in_size)
            self.tau = brainstate.nn.Param.init(tau, self.varshape)

        def init_state(self, batch_size=None, **kwargs):
            self.x = brainstate.HiddenState(jnp.zeros(self.varshape))

        def update(self, inp=0.0):
            self.x.value = self.x.value + brainstate.environ.get_dt() * (inp - self.x.value) / self.tau.value()
            return self.x.value

    with pytest.raises(ModelError, match=re.escape(
            "EulerOnly has no derivative(state, t, *inputs) method; brainstate_node_model needs the module's vector "
            "field. Add one that takes the tuple of hidden-state values (in the order init_state allocates them) "
            "and one argument per input, and returns a tuple of one derivative per state, each in the state's unit "
            "per time (as brainmass's nodes do); update may then step with it.")):
        brainstate_node_model(EulerOnly)


def test_a_network_module_restart_repeats_its_noise_and_another_key_does_not():
    """As documented (NetworkModule, docs/nodes.md): the key is fixed when the module is built."""
    def trials(key, n):
        net = bn.NetworkModule(bn.CoombesByrne(), PAIR, noise=bn.Additive(v=0.1), key=key)
        out = []
        for _ in range(n):
            brainstate.random.seed(len(out))  # brainstate's generator is not read
            brainstate.nn.init_all_states(net)
            out.append(np.asarray(brainstate.transform.for_loop(lambda i: net.update(), jnp.arange(10))))
        return out

    first, again = trials(3, 2)
    assert np.array_equal(first, again)
    assert not np.array_equal(first, trials(4, 1)[0])


def test_a_noise_module_is_refused_with_the_update_call_that_equals_the_reference():
    """brainmass's CoombesByrneStep takes noise_v=brainmass.OUProcess(...) and adds its output to v_inp; ours
    refused it with the module's 20-line repr. The call the message gives equals the reference (to 1 ulp)."""
    class Drive(brainstate.nn.Dynamics):
        def update(self):
            return 0.0

    with pytest.raises(bn.NoiseError, match=re.escape(
            "noise_v got the noise module test_brainstate_user_journey.Drive; CoombesByrneStep's noise_v is white "
            "noise added to the state as an SDE increment sigma * sqrt(dt) * xi (noise_v=0.05 or "
            "bn.WhiteNoise(0.05)). To add the module's output to the input each step, as the reference "
            "implementation does with it, pass it to update: node.update(v_inp=noise()) (after "
            "brainstate.nn.init_all_states(noise)).")):
        bn.CoombesByrneStep(1, noise_v=Drive(1))
    brainmass = pytest.importorskip("brainmass")

    def run(ours):
        brainstate.random.seed(0)
        noise = brainmass.OUProcess(2, sigma=0.1, tau=10.0 * u.ms)
        node = bn.CoombesByrneStep(2) if ours else brainmass.CoombesByrneStep(2, noise_v=noise)
        brainstate.nn.init_all_states(node)
        brainstate.nn.init_all_states(noise)
        with brainstate.environ.context(dt=0.1 * u.ms):
            step = (lambda i: node.update(v_inp=noise())) if ours else (lambda i: node.update())
            return np.asarray(u.get_mantissa(brainstate.transform.for_loop(step, jnp.arange(20))))

    reference, ours = run(False), run(True)
    np.testing.assert_allclose(ours, reference, rtol=0, atol=1e-15)  # exp_euler with an input: to the last bit
    assert np.ptp(ours[:, 0] - ours[:, 1]) > 1e-4  # noisy, one draw per unit
