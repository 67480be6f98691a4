"""brainmass node modules in the network engine (brainstate_node_model): each equals the
module's own single-node trajectory, and a small network equals a hand-written step."""

import brainstate
import braintools
import brainunit as u
import jax.numpy as jnp
import numpy as np
import pytest

import brainnet_cb as bn
from brainnet_cb.nodes.brainmass_adapter import brainstate_node_model

brainmass = pytest.importorskip("brainmass")

# model: (sends, receives, module kwargs, initial state (in the states' units), dt ms, steps)
C = braintools.init.Constant
CASES = {
    "WilsonCowanStep": ("rE", "E_ext", dict(rE_init=C(0.1), rI_init=C(0.05)), 0.05, 400),
    "HopfStep": ("x", "x_ext", dict(a=0.3, w=0.5, init_x=C(0.1), init_y=C(0.02)), 0.05, 400),
    "StuartLandauStep": ("x", "x_ext", dict(a=0.5, w=0.8, init_x=C(0.2), init_y=C(-0.1)), 0.05, 400),
    "FitzHughNagumoStep": ("V", "V_inp", dict(init_V=C(0.5), init_w=C(0.1)), 0.05, 400),
    "JansenRitStep": ("M", "M_inp", dict(M_init=C(1.0 * u.mV), E_init=C(2.0 * u.mV)), 0.05, 400),
    "WongWangExcInhStep": ("S_e", "coupling", dict(init_S_e=C(0.2), init_S_i=C(0.1)), 0.1, 300),
    "LarterBreakspearStep": ("V", "V_inp", dict(init_V=C(-0.2), init_W=C(0.1), init_Z=C(0.05)), 0.05, 400),
    "MontbrioPazoRoxinStep": ("r", "v_ext", dict(init_r=C(0.02 * u.Hz), init_v=C(-1.0)), 0.01, 400),
    "VanDerPolStep": ("x", "x_ext", dict(init_x=C(0.5), init_y=C(0.0)), 0.05, 400),
}
ONE = bn.Connectome(np.zeros((1, 1)), np.zeros((1, 1)))
# engine integrator -> the same scheme among the module's (braintools) methods
SAME = {"rk4": "rk4", "heun": "rk2", "euler": "euler", "exp_euler": "exp_euler"}


def adapted(name):
    sends, receives, kwargs, _, _ = CASES[name]
    module = getattr(brainmass, name)(1, **kwargs)
    return brainstate_node_model(module, sends=sends, receives=receives), module


def module_trajectory(module, method, dt, steps, inputs=()):
    """The module's own single-node trajectory: states after every step (mantissas)."""
    module.method = method
    brainstate.nn.init_all_states(module)
    names = [k for k, v in vars(module).items() if isinstance(v, brainstate.HiddenState)]

    def step(i):
        module.update(*inputs)
        return jnp.stack([u.get_mantissa(getattr(module, k).value)[0] for k in names])

    with brainstate.environ.context(dt=dt * u.ms):
        return np.asarray(brainstate.transform.for_loop(step, np.arange(steps)))


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("method", ["rk4", "heun", "exp_euler"])
def test_single_node_equals_the_module(name, method):
    model_cls, module = adapted(name)
    _, _, _, dt, steps = CASES[name]
    ds = bn.simulate(model_cls(), ONE, duration=dt * steps, dt=dt, method=method, monitors=[bn.Raw()])
    ref = module_trajectory(module, SAME[method], dt, steps)
    ours = np.stack([ds[s].values[:, 0] for s in model_cls.states], axis=1)
    assert ours.shape == ref.shape
    assert np.ptp(ref, axis=0).max() > 1e-3  # the trajectory moves
    np.testing.assert_allclose(ours, ref, rtol=0, atol=1e-10 * max(1.0, np.abs(ref).max()))


def test_the_contract_is_read_from_the_module():
    WC, module = adapted("WilsonCowanStep")
    assert issubclass(WC, bn.NodeModel) and WC.__name__ == "WilsonCowan"
    assert WC.states == ("rE", "rI") and WC.input_ports == ("E_ext", "I_ext")
    assert (WC.sends, WC.receives) == ("rE", "E_ext")
    assert WC.initial == {"rE": 0.1, "rI": 0.05}
    assert WC().tau_E == 1.0 and WC.param_units["tau_E"] == u.ms
    assert WC().wEE == 12.0 and WC(wEE=14.0).wEE == 14.0
    JR, _ = adapted("JansenRitStep")
    assert JR.state_units["M"] == "mV" and JR.port_units["E_inp"] == u.Hz


def test_module_instance_parameters_are_the_defaults_and_per_region_values_run():
    Hopf = brainstate_node_model(brainmass.HopfStep(1, a=-0.4, w=0.3), sends="x", receives="x_ext")
    assert Hopf().a == -0.4 and Hopf().w == 0.3
    conn = bn.Connectome(np.zeros((3, 3)), np.zeros((3, 3)))
    a = np.array([-0.4, 0.1, 0.5])
    ds = bn.simulate(Hopf(a=a), conn, duration=2.0, dt=0.05, initial_state={"x": 0.1, "y": 0.0},
                     monitors=[bn.Raw()], method="rk4")
    for i in range(3):
        one = bn.simulate(Hopf(a=a[i]), ONE, duration=2.0, dt=0.05, initial_state={"x": 0.1, "y": 0.0},
                          monitors=[bn.Raw()], method="rk4")
        np.testing.assert_array_equal(ds.x.values[:, i], one.x.values[:, 0])


def test_small_network_equals_a_hand_written_step():
    """Two coupled Wilson-Cowan regions, no delay: the engine's rk4 equals the module stepped by
    braintools' rk4 with the input G * W @ rE held over each step."""
    WC, _ = adapted("WilsonCowanStep")
    w = np.array([[0.0, 0.8], [0.3, 0.0]])
    G, dt, steps = 0.5, 0.05, 200
    conn = bn.Connectome(w, np.zeros((2, 2)))
    ds = bn.simulate(WC(), conn, duration=dt * steps, dt=dt, coupling=bn.Linear(G=G), method="rk4", monitors=[bn.Raw()],
                     initial_state={"rE": [0.1, 0.3], "rI": [0.05, 0.0]}, normalize="none")
    node = brainmass.WilsonCowanStep(2, rE_init=lambda s, **k: jnp.array([0.1, 0.3]),
                                     rI_init=lambda s, **k: jnp.array([0.05, 0.0]), method="rk4")
    brainstate.nn.init_all_states(node)
    rE = []
    with brainstate.environ.context(dt=dt * u.ms):
        for _ in range(steps):
            node.update(G * (jnp.asarray(w) @ node.rE.value), 0.0)
            rE.append(np.asarray(node.rE.value))
    np.testing.assert_allclose(ds.rE.values, np.array(rE), rtol=0, atol=1e-10)


@pytest.mark.parametrize("vectorize", [True, False])
def test_parameters_are_batched_like_built_in_ones(vectorize):
    Hopf, _ = adapted("HopfStep")
    kw = dict(duration=2.0, dt=0.05, method="rk4", monitors=[bn.Raw()])
    batch = bn.simulate_batch(Hopf(), ONE, batch={"a": [0.1, 0.6]}, vectorize=vectorize, **kw)
    for j, a in enumerate([0.1, 0.6]):
        single = bn.simulate(Hopf(a=a), ONE, **kw)
        np.testing.assert_allclose(batch.x.values[j, :, 0], single.x.values[:, 0], rtol=0, atol=1e-14)


def test_a_parameter_named_like_the_couplings_is_renamed_to_be_swept():
    WW = brainstate_node_model(brainmass.WongWangExcInhStep, sends="S_e", receives="coupling")
    with pytest.raises(bn.SimulationError, match=r"'G' names both a model and a coupling parameter"):
        bn.simulate_batch(WW(), ONE, duration=1.0, dt=0.1, batch={"G": [0.1, 0.2]})
    WW2 = brainstate_node_model(brainmass.WongWangExcInhStep, sends="S_e", receives="coupling",
                                rename={"G": "G_node"})
    assert WW2().G_node == WW().G and WW2.param_attr["G_node"] == "G" and not hasattr(WW2(), "G")
    kw = dict(duration=3.0, dt=0.1, method="rk4", monitors=[bn.Raw()], initial_state={"S_e": 0.2})
    singles = [bn.simulate(WW(G=g), ONE, **kw).S_e.values for g in (0.5, 3.0)]
    for vectorize in (True, False):  # the vmapped program and the members one by one
        batch = bn.simulate_batch(WW2(), ONE, batch={"G_node": [0.5, 3.0]}, vectorize=vectorize, **kw)
        for j, single in enumerate(singles):
            np.testing.assert_allclose(batch.S_e.values[j], single, rtol=0, atol=1e-14, err_msg=f"vectorize={vectorize}")
    with pytest.raises(bn.ModelError, match=r"rename names \['H'\], which are not parameters"):
        brainstate_node_model(brainmass.WongWangExcInhStep, rename={"H": "x"})


def test_errors_name_what_is_wrong():
    with pytest.raises(bn.ModelError, match=r"sends='q' is not a state of WilsonCowanStep: \['rE', 'rI'\]"):
        brainstate_node_model(brainmass.WilsonCowanStep, sends="q")
    with pytest.raises(bn.ModelError, match=r"receives='v' is not an input of WilsonCowanStep.derivative"):
        brainstate_node_model(brainmass.WilsonCowanStep, receives="v")
    with pytest.raises(bn.ModelError, match=r"has no derivative\(state, t, \*inputs\) method"):
        brainstate_node_model(brainmass.KuramotoNetwork)
