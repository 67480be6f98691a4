"""A user's own brainstate module as a node model (brainstate_node_model): a delayed network of it
equals a hand-written loop of its equations, brainmass's CoombesByrneStep equals bn.CoombesByrne, and a
module the engine cannot integrate is refused when the class is made, by message."""

import brainstate
import brainunit as u
import jax.numpy as jnp
import numpy as np
import pytest
from brainstate.nn import Param

import brainnet_cb as bn
from brainnet_cb.nodes.brainmass_adapter import brainstate_node_model

CONN = bn.Connectome(weights=[[0, 1.0, 0.5], [0.8, 0, 0], [0.2, 0.3, 0]],
                     lengths=[[0, 20, 10], [20, 0, 0], [10, 5, 0]])


class Oscillator(brainstate.nn.Dynamics):
    """dx/dt = (a x - x^3 - b y + inp_x) / tau, dy/dt = (x - y + inp_y) / tau; tau in ms."""

    def __init__(self, in_size, tau=10.0 * u.ms, a=0.5, b=2.0):
        super().__init__(in_size)
        self.tau = Param.init(tau, self.varshape)
        self.a = Param.init(a, self.varshape)
        self.b = Param.init(b, self.varshape)

    def init_state(self, batch_size=None, **kwargs):
        self.x = brainstate.HiddenState(jnp.full(self.varshape, 0.3))
        self.y = brainstate.HiddenState(jnp.full(self.varshape, -0.1))

    def derivative(self, state, t, inp_x, inp_y):
        x, y = state
        tau = self.tau.value()
        return (self.a.value() * x - x**3 - self.b.value() * y + inp_x) / tau, (x - y + inp_y) / tau


def test_a_delayed_network_of_a_users_module_equals_a_hand_written_loop():
    model = brainstate_node_model(Oscillator, sends="x", receives="inp_x")
    assert model().tau == 10.0 and str(model.param_units["tau"]) == "ms"
    dt, G, speed, steps = 0.05, 0.4, 2.0, 400
    ds = bn.simulate(model(), CONN, duration=steps * dt, dt=dt, coupling=bn.Linear(G=G), speed=speed,
                     method="rk4", monitors=[bn.Raw()])
    assert ds.x.dtype == np.float64
    W, lags = np.asarray(CONN.weights), np.rint(np.asarray(CONN.lengths) / speed / dt).astype(int)
    assert lags.max() == 200  # the 20 mm edges: half the run sees the initial history

    def f(s, c):
        x, y = s
        return np.array([(0.5 * x - x**3 - 2.0 * y + c) / 10.0, (x - y) / 10.0])

    s, sent, out = np.array([[0.3] * 3, [-0.1] * 3]), [], []
    for k in range(steps):  # rk4 with the coupling of step k held over its stages
        sent.append(s[0])
        c = G * np.array([sum(W[i, j] * (sent[k - lags[i, j]][j] if k >= lags[i, j] else 0.3) for j in range(3))
                          for i in range(3)])
        k1 = f(s, c)
        k2 = f(s + dt / 2 * k1, c)
        k3 = f(s + dt / 2 * k2, c)
        s = s + dt / 6 * (k1 + 2 * k2 + 2 * k3 + f(s + dt * k3, c))
        out.append(s)
    out = np.array(out)
    np.testing.assert_allclose(ds.x.values, out[:, 0], rtol=0, atol=1e-12)
    np.testing.assert_allclose(ds.y.values, out[:, 1], rtol=0, atol=1e-12)


def test_brainmass_coombes_byrne_is_the_built_in_model():
    brainmass = pytest.importorskip("brainmass")
    model = brainstate_node_model(brainmass.CoombesByrneStep, sends="r", receives="v_ext")
    kw = dict(duration=10.0, dt=0.01, coupling=bn.Linear(G=0.3), speed=2.0, method="rk4", monitors=[bn.Raw()])
    a, b = bn.simulate(model(eta=-1.0), CONN, **kw), bn.simulate(bn.CoombesByrne(eta=-1.0), CONN, **kw)
    np.testing.assert_allclose(a.r.values, b.r.values, rtol=0, atol=1e-14)
    np.testing.assert_allclose(a.v.values, b.v.values, rtol=0, atol=1e-14)


def _variant(derivative=None, init_state=None):
    namespace = {}
    if derivative is not None:
        namespace["derivative"] = derivative
    if init_state is not None:
        namespace["init_state"] = init_state
    return type("Node", (Oscillator,), namespace)


def _reads_x(self, state, t, inp_x, inp_y):
    return (self.x.value - state[1] + inp_x) / u.ms, (state[0] - state[1]) / u.ms


@pytest.mark.parametrize("module, message", [
    (_variant(lambda self, state, t, inp_x, inp_y: (state[0] / u.ms,) * 3),
     r"Node.derivative returns 3 values; it must return a tuple of one derivative per state, in the order of "
     r"\('x', 'y'\)"),
    (_variant(lambda self, state, t, inp_x, inp_y: (state[0] * u.mV / u.ms, state[1] / u.ms)),
     r"Node.derivative's dx/dt has unit mV / ms, which does not convert to kHz"),
    (_variant(lambda self, state, t, inp_x, inp_y: ((state[0] if inp_x > 0 else -state[0]) / u.ms, state[1] / u.ms)),
     r"Node.derivative fails on its initial state \{'x': 0.3, 'y': -0.1\} with an input at 'inp_x' "
     r"\(dimensionless\): TracerBoolConversionError: .* Fix: a Python branch on a state or input value must be "
     r"jnp.where"),
    (_variant(_reads_x),  # a class: its template has no states, so self.x is missing
     r"AttributeError: 'Node' object has no attribute 'x'. Fix: derivative must take its states from the `state` "
     r"argument"),
    (_variant(init_state=lambda self, batch_size=None, **kw: (
        setattr(self, "x", brainstate.HiddenState(jnp.zeros(self.varshape + (3,)))),
        setattr(self, "y", brainstate.HiddenState(jnp.zeros(self.varshape))))),
     r"hidden state 'x' of Node has shape \(1, 3\) for a population of shape \(1,\); a node model's state is one "
     r"number per node"),
])
def test_a_module_the_engine_cannot_integrate_is_refused_when_the_class_is_made(module, message):
    with pytest.raises(bn.ModelError, match=message):
        brainstate_node_model(module, sends="x", receives="inp_x")


def test_a_derivative_that_reads_its_modules_state_is_refused():
    """An initialised instance whose derivative reads self.x.value: the engine would integrate with the value
    x had when the run was traced (was: a silently wrong run)."""
    node = _variant(_reads_x)(1)
    brainstate.nn.init_all_states(node)
    with pytest.raises(bn.ModelError, match=r"^Node\.derivative reads brainstate state \['x'\] itself: the engine "
                                            r"would keep the value it had when the run was compiled\. A node's "
                                            r"vector field takes its states from the `state` argument, its "
                                            r"parameters from brainstate\.nn\.Param attributes and its inputs from "
                                            r"its arguments\.$"):
        brainstate_node_model(node, sends="x", receives="inp_x")
    np.testing.assert_array_equal(np.asarray(node.x.value), [0.3])  # the probe left the module as it was


def test_a_derivative_that_depends_on_time_is_refused():
    """The engine calls derivative at t = 0 (was: a forced oscillator silently ran unforced)."""
    forced = _variant(lambda self, state, t, inp_x, inp_y: (
        (state[0] + u.math.sin(t / u.ms) + inp_x) / u.ms, (state[0] - state[1]) / u.ms))
    with pytest.raises(bn.ModelError, match=r"Node.derivative depends on t \(on the initial state it gives "
                       r"\[0.3, 0.4\] at t = 0 and \[1.15043662\d*, 0.4\] at t = 7.3 ms\); the engine integrates an "
                       r"autonomous vector field .* Sinusoid\(..., port='inp_x'\)"):
        brainstate_node_model(forced, sends="x", receives="inp_x")


def test_brainmass_modules_that_need_more_are_refused_with_the_fix():
    brainmass = pytest.importorskip("brainmass")
    # r is in Hz, so the rate port r_ext is too (was: brainunit's UnitMismatchError while the run was traced)
    with pytest.raises(bn.ModelError, match=r"MontbrioPazoRoxinStep.derivative fails on .* with an input at 'r_ext' "
                       r"\(dimensionless\): UnitMismatchError: .* pass port_units=\{'r_ext': <unit>\}"):
        brainstate_node_model(brainmass.MontbrioPazoRoxinStep, sends="r", receives="r_ext")
    model = brainstate_node_model(brainmass.MontbrioPazoRoxinStep, sends="r", receives="r_ext",
                                  port_units={"r_ext": u.Hz})
    assert model.port_units["r_ext"] == u.Hz
    # was: brainstate's KeyError "Key 'dt' not found in environment" from inside the adapter
    with pytest.raises(bn.ModelError, match=r"builds WilsonCowanDelayedStep\(1\) to read its contract, and that "
                       r"failed: KeyError: Key 'dt' not found in environment.* Pass an instance built as it needs"):
        brainstate_node_model(brainmass.WilsonCowanDelayedStep)
    with brainstate.environ.context(dt=0.1 * u.ms):
        delayed = brainmass.WilsonCowanDelayedStep(1)
    with pytest.raises(bn.ModelError, match=r"WilsonCowanDelayedStep.derivative reads brainstate state "
                                            r"\['DelayState', 'ShortTermState'\] itself"):
        brainstate_node_model(delayed)
