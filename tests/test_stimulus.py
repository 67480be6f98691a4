"""External input (issue 15, deliverable 4): stimuli added to a model's input port."""

from typing import ClassVar

import brainstate
import jax.numpy as jnp
import numpy as np
import pytest

import brainnet_cb as bn
from brainnet_cb.errors import SimulationError
from brainnet_cb.simulation.brainstate_network import NetworkModule
from brainnet_cb.stimulus import PulseTrain, Sinusoid, Step, TimeSeries


@bn.node_model
class Integrator(bn.NodeModel):
    r"""Two pure integrators of their ports, :math:`\dot a = I_a`, :math:`\dot b = I_b`."""

    states: ClassVar[tuple] = ("a", "b")
    state_units: ClassVar[dict] = {"a": "1", "b": "1"}
    long_names: ClassVar[dict] = {"a": "a", "b": "b"}
    initial: ClassVar[dict] = {"a": 0.0, "b": 0.0}
    sends: ClassVar[str] = "a"
    receives: ClassVar[str] = "a"
    input_ports: ClassVar[tuple] = ("a", "b")

    def dfun(self, x, inputs):
        return jnp.stack([inputs.get("a", 0.0) + 0 * x[0], inputs.get("b", 0.0) + 0 * x[1]])


ONE = bn.Connectome(weights=[[0.0, 0.0], [0.0, 0.0]], lengths=[[0.0, 0.0], [0.0, 0.0]])
KW = dict(dt=0.5, method="euler", monitors=[bn.Raw()])


def _inputs(stimulus, duration=20.0):
    """The input of every step, read back from the integrator: (x_{n+1} - x_n) / dt."""
    ds = bn.simulate(Integrator(), ONE, duration=duration, stimulus=stimulus, **KW)
    a = np.diff(np.concatenate([np.zeros((1, 2)), ds.a.values]), axis=0) / 0.5
    b = np.diff(np.concatenate([np.zeros((1, 2)), ds.b.values]), axis=0) / 0.5
    return a, b


T = np.arange(40) * 0.5  # t_n of the steps


def test_each_stimulus_gives_its_formula_at_the_start_of_each_step():
    a, b = _inputs(Step(amplitude=[1.5, -2.0], onset=3.0, offset=7.5))
    expected = np.where((T >= 3.0) & (T < 7.5), 1.0, 0.0)
    np.testing.assert_allclose(a, np.outer(expected, [1.5, -2.0]), rtol=0, atol=1e-12)
    assert np.all(b == 0.0)
    a, _ = _inputs(Sinusoid(amplitude=0.7, frequency=50.0, phase=0.3, onset=2.0))
    np.testing.assert_allclose(a[:, 0], np.where(T >= 2.0, 0.7 * np.sin(2 * np.pi * 50.0 * (T - 2.0) / 1000 + 0.3),
                                                 0.0), rtol=0, atol=1e-12)
    a, _ = _inputs(PulseTrain(amplitude=2.0, period=5.0, width=1.0, onset=1.0, offset=16.0))
    on = (T >= 1.0) & (T < 16.0) & (np.mod(T - 1.0, 5.0) < 1.0 - 1e-9)
    np.testing.assert_array_equal(a[:, 1], np.where(on, 2.0, 0.0))
    values = np.random.default_rng(0).normal(size=(30, 2))
    _, b = _inputs(TimeSeries(values, port="b"))
    np.testing.assert_allclose(b, np.concatenate([values, np.zeros((10, 2))]), rtol=0, atol=1e-12)


def test_stimuli_add_up_and_reach_any_port():
    a, b = _inputs([Step(amplitude=1.0), Step(amplitude=0.5, onset=5.0), Step(amplitude=3.0, port="b")])
    np.testing.assert_allclose(a[:, 0], np.where(T >= 5.0, 1.5, 1.0), rtol=0, atol=1e-12)
    np.testing.assert_allclose(b, 3.0, rtol=0, atol=1e-12)


def test_a_step_at_v_equals_a_shift_of_eta_and_batches_and_the_module_agree():
    """Coombes-Byrne: a constant input I at v is eta + I."""
    rng = np.random.default_rng(1)
    w = rng.random((4, 4))
    np.fill_diagonal(w, 0)
    conn = bn.Connectome(w, 10 + 30 * rng.random((4, 4)))
    kw = dict(duration=30.0, coupling=bn.Linear(G=0.3), monitors=[bn.Raw()], method="rk4")
    driven = bn.simulate(bn.CoombesByrne(eta=-4.6), conn, stimulus=Step(amplitude=0.5), **kw)
    shifted = bn.simulate(bn.CoombesByrne(eta=-4.1), conn, **kw)
    np.testing.assert_allclose(driven.r.values, shifted.r.values, rtol=0, atol=1e-12)
    for vectorize in (True, False):  # the vmapped program and the members one by one
        batch = bn.simulate_batch(bn.CoombesByrne(eta=-4.6), conn, stimulus=Step(amplitude=0.5),
                                  batch={"G": [0.3, 0.1]}, vectorize=vectorize, **kw)
        np.testing.assert_array_equal(batch.r.values[0], driven.r.values, err_msg=f"vectorize={vectorize}")
    net = NetworkModule(bn.CoombesByrne(eta=-4.6), conn, coupling=bn.Linear(G=0.3), method="rk4",
                        stimulus=Step(amplitude=0.5))
    brainstate.nn.init_all_states(net)
    r = brainstate.transform.for_loop(lambda i: net.update(), jnp.arange(300))
    np.testing.assert_array_equal(np.asarray(r), driven.r.values)


@pytest.mark.parametrize("stimulus, message", [
    (Step(port="w"), r"Step enters the port 'w', which Integrator does not have; its input ports are \('a', 'b'\)"),
    (Step(onset=5.0, offset=2.0), "offset must be later than onset"),
    (PulseTrain(period=2.0, width=3.0), r"PulseTrain needs 0 < width <= period \(ms\)"),
    (TimeSeries(np.zeros((5, 3))), r"TimeSeries values must have shape \(T,\) or \(T, 2\).*got shape \(5, 3\)"),
    (Step(amplitude=[1.0, 2.0, 3.0]), r"Step.amplitude must be a scalar or have shape \(2,\)"),
    (0.5, "stimulus must be a brainnet_cb.stimulus object"),
])
def test_bad_stimuli_are_refused_before_compiling(stimulus, message):
    with pytest.raises(SimulationError, match=message):
        bn.simulate(Integrator(), ONE, duration=1.0, stimulus=stimulus)


def test_the_differentiable_path_of_fits_sees_the_stimulus():
    from brainnet_cb.simulation import differentiable

    rng = np.random.default_rng(2)
    w = rng.random((3, 3))
    np.fill_diagonal(w, 0)
    conn = bn.Connectome(w, 10 + 30 * rng.random((3, 3)))
    spec = bn.Simulation(bn.CoombesByrne(eta=-4.6), conn, duration=20.0, monitors=[bn.Raw()],
                         coupling=bn.Linear(G=0.3), stimulus=Sinusoid(amplitude=[1.0, 0.0, 0.5], frequency=40.0))
    simulate, _ = differentiable.build(spec.prepare(), ["G"], "r")
    samples, _ = simulate({"G": 0.3})
    np.testing.assert_allclose(np.asarray(samples), spec.run().r.values, rtol=0, atol=1e-12)
    free = spec.replace(stimulus=None).run().r.values
    assert np.max(np.abs(free - np.asarray(samples))) > 1e-3


def test_a_sinusoid_takes_its_frequency_as_a_brainunit_quantity():
    """0.05 / ms is 50 Hz (a quantity raised a TypeError); a frequency of the wrong dimension is named."""
    import brainunit as u

    plain, _ = _inputs(Sinusoid(amplitude=0.7, frequency=50.0, phase=0.3, onset=2.0))
    quantity, _ = _inputs(Sinusoid(amplitude=0.7, frequency=0.05 / u.ms, phase=0.3, onset=2.0))
    np.testing.assert_allclose(quantity, plain, rtol=1e-12, atol=1e-15)
    with pytest.raises(SimulationError, match=r"^Sinusoid\.frequency must be a quantity with the dimension of Hz; "
                                              r"got 50\. ms"):
        bn.simulate(Integrator(), ONE, duration=5.0, stimulus=Sinusoid(frequency=50.0 * u.ms), **KW)
