"""NetworkModule: the engine's step as a brainstate module (issue 15, deliverable 3)."""

import brainstate
import braintools
import brainunit as u
import jax.numpy as jnp
import numpy as np
import pytest

import brainnet_cb as bn
from brainnet_cb.errors import SimulationError
from brainnet_cb.simulation.brainstate_network import NetworkModule


def _conn(n=6, seed=0):
    rng = np.random.default_rng(seed)
    w = rng.random((n, n)) * (rng.random((n, n)) < 0.7)
    np.fill_diagonal(w, 0.0)
    lengths = 20.0 + 60.0 * rng.random((n, n))
    return bn.Connectome(weights=w, lengths=(lengths + lengths.T) / 2)


def _steps(net, k):
    return brainstate.transform.for_loop(lambda i: net.update(), jnp.arange(k))


@pytest.mark.parametrize("method, coupling, noise, edges", [
    ("heun", bn.Linear(G=0.3), bn.Additive(v=0.05), "padded"),
    ("rk4", bn.Diffusive(G=0.2), None, "segment"),
])
def test_trace_equals_simulate_bit_for_bit(method, coupling, noise, edges):
    conn = _conn()
    opts = dict(coupling=coupling, noise=noise, key=7, method=method, edges=edges, speed=2.0)
    model = bn.CoombesByrne(eta=-4.6)
    ds = bn.simulate(model, conn, duration=40.0, dt=0.1, monitors=[bn.Raw()], **opts)
    net = NetworkModule(model, conn, dt=0.1, **opts)
    brainstate.nn.init_all_states(net)
    chunk = brainstate.transform.jit(lambda: _steps(net, 80))  # compiled once, called five times
    r = np.concatenate([np.asarray(chunk()) for _ in range(5)])  # cuts inside noise blocks
    assert r.dtype == np.float64
    np.testing.assert_array_equal(r, ds.r.values)
    np.testing.assert_array_equal(np.asarray(net.state("v")), ds.v.values[-1])
    assert net.t == pytest.approx(40.0)


def test_from_a_simulation_spec_and_restart():
    conn = _conn(seed=1)
    spec = bn.Simulation(bn.CoombesByrne(eta=-4.6), conn, duration=20.0, monitors=[bn.Raw()],
                         coupling=bn.Linear(G=0.4), noise=bn.Additive(v=0.1), key=3)
    ds = spec.run()
    net = NetworkModule(spec)
    brainstate.nn.init_all_states(net)
    _steps(net, 50)
    net.reset_state()  # back to step 0: the same numbers again
    np.testing.assert_array_equal(np.asarray(_steps(net, 200)), ds.r.values)


def test_external_input_is_added_to_the_coupling_port():
    """A constant input I at v equals eta + I (Coombes-Byrne: dv/dt = ... + eta + v_inp)."""
    conn = _conn(seed=2)
    opts = dict(coupling=bn.Linear(G=0.3), method="rk4")
    net = NetworkModule(bn.CoombesByrne(eta=-4.6), conn, **opts)
    shifted = NetworkModule(bn.CoombesByrne(eta=-4.1), conn, **opts)
    brainstate.nn.init_all_states(net)
    brainstate.nn.init_all_states(shifted)
    a = brainstate.transform.for_loop(lambda i: net.update(0.5 * u.UNITLESS), jnp.arange(300))
    b = _steps(shifted, 300)
    np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=0, atol=1e-12)


def test_composes_with_brainstate_modules():
    """A stimulus module and a linear readout stepped with the network in one for_loop."""

    class Drive(brainstate.nn.Module):
        def __init__(self, n):
            super().__init__()
            self.amp = brainstate.ParamState(jnp.full((n,), 0.2))

        def update(self, i):
            return self.amp.value * jnp.sin(2 * jnp.pi * i * 0.1 / 25.0)

    conn = _conn(seed=3)
    net = NetworkModule(bn.CoombesByrne(eta=-4.6), conn, coupling=bn.Linear(G=0.3))
    drive, readout = Drive(conn.n_regions), brainstate.nn.Linear(conn.n_regions, 1)
    brainstate.nn.init_all_states(net)
    forced = brainstate.transform.for_loop(lambda i: net.update(drive(i)), jnp.arange(400))
    brainstate.nn.init_all_states(net)
    y = brainstate.transform.for_loop(lambda i: readout(net.update(drive(i))), jnp.arange(400))
    np.testing.assert_allclose(np.asarray(y), np.asarray(readout(forced)), rtol=0, atol=1e-12)
    brainstate.nn.init_all_states(net)
    free = _steps(net, 400)
    assert float(jnp.max(jnp.abs(forced - free))) > 1e-3  # the drive moves the rates


def test_gradient_of_a_trainable_parameter_equals_finite_differences_and_training_lowers_the_loss():
    conn = _conn(seed=4)
    net = NetworkModule(bn.CoombesByrne(eta=-4.6), conn, coupling=bn.Linear(G=0.3),
                        noise=bn.Additive(v=0.05), key=1, trainable=("G", "eta"))
    assert np.shape(net.param_G.value()) == () and set(net.params) == {"G", "eta"}
    params = net.states(brainstate.ParamState)

    def loss():
        net.init_state()
        r = _steps(net, 200)
        return jnp.mean((r[-80:] - 0.3) ** 2)

    grad = brainstate.transform.jit(brainstate.transform.grad(loss, params, return_value=True))
    jloss = brainstate.transform.jit(loss)

    def loss_at(G):
        net.param_G.set_value(jnp.asarray(G))
        return float(jloss())

    h = 1e-5
    fd = (loss_at(0.3 + h) - loss_at(0.3 - h)) / (2 * h)
    net.param_G.set_value(jnp.asarray(0.3))
    g, value = grad()
    assert loss_at(0.3) == pytest.approx(float(value), rel=1e-13)
    assert float(g[("param_G", "val")]) == pytest.approx(fd, rel=1e-5)
    opt = braintools.optim.Adam(lr=0.05)
    opt.register_trainable_weights(params)
    losses = []
    for _ in range(4):
        grads, current = grad()
        opt.update(grads)
        losses.append(float(current))
    assert losses[-1] < losses[0]


def test_bad_arguments_are_refused():
    conn = _conn()
    model = bn.CoombesByrne()
    with pytest.raises(SimulationError, match=r"^'speed' cannot be trainable: it changes integer delays or the "
                                              r"random numbers, not a smooth parameter\. Sweep it with bn\.sweep "
                                              r"instead\.$"):
        NetworkModule(model, conn, trainable=("speed",))
    with pytest.raises(SimulationError, match=r"^unknown parameter 'GG' in trainable; choose from the parameters of "
                                              r"CoombesByrne \['Delta', 'eta', 'k', 'v_syn'\], of Linear \['G'\], "
                                              r"'speed', 'seed', or 'noise_<state>' with a state of \['r', 'v'\] "
                                              r"\(e\.g\. 'noise_v'\)\.$"):
        NetworkModule(model, conn, trainable=("GG",))
    with pytest.raises(SimulationError, match=r"^trainable 'noise_v': the run has no noise on 'v'; pass e\.g\. "
                                              r"noise=bn\.Additive\(v=0\.1\) to fit its amplitude\.$"):
        NetworkModule(model, conn, trainable=("noise_v",))
    with pytest.raises(SimulationError, match=r"^NetworkModule takes no 'duration': it is stepped by its user \(call "
                                              r"update\(\) in a brainstate\.transform\.for_loop\) and returns the new "
                                              r"state each step\.$"):
        NetworkModule(model, conn, duration=10.0)
    net = NetworkModule(model, conn, dt=0.1)
    with pytest.raises(SimulationError, match=r"^NetworkModule steps one network; got batch_size=4\. Batch networks "
                                              r"with brainstate\.transform\.vmap over modules, or use "
                                              r"bn\.simulate_batch\.$"):
        net.init_state(batch_size=4)
    net.init_state()
    with brainstate.environ.context(dt=0.05 * u.ms):
        with pytest.raises(SimulationError, match=r"^brainstate\.environ dt is 0\.05 ms but this NetworkModule was "
                                                  r"built with dt = 0\.1 ms \(its delays are rounded to that step\); "
                                                  r"build it with the environment's dt or leave dt unset\.$"):
            net.update()
    with pytest.raises(SimulationError, match=r"^CoombesByrne has states \('r', 'v'\); got 'w'\.$"):
        net.state("w")
