"""``CoombesByrneStep(method=...)``: every name of the reference implementation (brainmass
``CoombesByrneStep``), with its meaning, step for step; orders from the golden trajectory."""

import brainstate
import braintools
import brainunit as u
import jax.numpy as jnp
import numpy as np
import pytest

import brainnet_cb as bn
from brainnet_cb.nodes.braintools_methods import (
    ENGINE_EQUIVALENT,
    braintools_method_names,
    resolve_step_method,
    step_method_names,
)

try:  # the reference implementation itself (the [test] extra installs it)
    import brainmass
except ImportError:  # pragma: no cover - exercised only without brainmass
    brainmass = None

# The 19 names the reference accepts with braintools 0.3.0 (issue 15).
REFERENCE_NAMES = {
    "exp_euler", "euler", "midpoint", "heun", "ralston2", "rk2", "ralston3", "rk3", "ssprk33", "rk4",
    "rk4_38", "bs32", "rk23", "rk45", "rkf45", "rk45_dopri", "dopri5", "dopri8", "rk87_dopri",
}
N_STEPS, DT = 1000, 0.01
ETA = np.array([2.0, -1.0, 0.5])


class SeedField(brainstate.nn.Dynamics):
    """The reference's vector field and stepping, transcribed from seed_coombes_byrne.py
    (``dr``, ``dv``, ``derivative`` and ``NeuralMassDynamics._solve_step``)."""

    def __init__(self, in_size, method, eta):
        super().__init__(in_size)
        self.Delta, self.eta, self.k, self.v_syn = 1.0, eta, 1.0, -4.0
        self.method = method

    def init_state(self, batch_size=None, **kwargs):
        self.r = brainstate.HiddenState.init(braintools.init.Constant(0.1), self.varshape, batch_size)
        self.v = brainstate.HiddenState.init(braintools.init.Constant(0.0), self.varshape, batch_size)

    def dr(self, r, v, r_ext):
        g = self.k * u.math.pi * r
        return (self.Delta / u.math.pi + 2.0 * v * r - g * r + r_ext) / u.ms

    def dv(self, v, r, v_ext):
        g = self.k * u.math.pi * r
        return (v**2 - (u.math.pi * r) ** 2 + self.eta + (self.v_syn - v) * g + v_ext) / u.ms

    def derivative(self, state, t, r_ext, v_ext):
        r, v = state
        return self.dr(r, v, r_ext), self.dv(v, r, v_ext)

    def update(self, r_inp=None, v_inp=None):
        r_inp = 0.0 if r_inp is None else r_inp
        v_inp = 0.0 if v_inp is None else v_inp
        if self.method == "exp_euler":
            r = brainstate.nn.exp_euler_step(self.dr, self.r.value, self.v.value, r_inp)
            v = brainstate.nn.exp_euler_step(self.dv, self.v.value, self.r.value, v_inp)
        else:
            step = getattr(braintools.quad, f"ode_{self.method}_step")
            r, v = step(self.derivative, (self.r.value, self.v.value), 0.0 * u.ms, r_inp, v_inp)
        self.r.value, self.v.value = r, v
        return r


def trajectory(node, n_steps=N_STEPS, dt=DT, inputs=True):
    """(r, v) after every step, ``n_steps`` steps of ``dt`` ms in one compiled loop; inputs
    on both ports (a constant on ``r``, a sinusoid on ``v``) unless ``inputs`` is False."""
    brainstate.nn.init_all_states(node)

    def step(i):
        if inputs:
            node.update(0.05, 0.3 * jnp.sin(0.1 * i))
        else:
            node.update()
        return node.r.value, node.v.value

    with brainstate.environ.context(dt=dt * u.ms):
        rs, vs = brainstate.transform.for_loop(step, np.arange(n_steps))
    return np.asarray(rs), np.asarray(vs)


def max_diff(a, b):
    return max(float(np.max(np.abs(a[0] - b[0]))), float(np.max(np.abs(a[1] - b[1]))))


def test_the_names_are_the_references():
    """exp_euler plus every ODE step of the installed braintools.quad that the reference can run."""
    quad = {n[4:-5] for n in dir(braintools.quad) if n.startswith("ode_") and n.endswith("_step")}
    assert set(braintools_method_names()) == quad - {"expeuler"}
    assert set(step_method_names()) == {"exp_euler"} | quad - {"expeuler"}
    assert REFERENCE_NAMES <= set(step_method_names())
    for name in braintools_method_names():
        assert resolve_step_method(name) is getattr(braintools.quad, f"ode_{name}_step")
    assert resolve_step_method("exp_euler") is None


@pytest.mark.parametrize("method", step_method_names())
def test_every_method_equals_the_reference(method):
    """1,000 steps of 0.01 ms, inputs on both ports, float64: <= 1e-12 (in fact equal to the
    last bit for the braintools steps). Against brainmass when installed; otherwise against
    the braintools step applied to the reference's vector field, as the reference does."""
    ours = trajectory(bn.CoombesByrneStep(in_size=3, eta=ETA, method=method))
    if brainmass is not None:
        ref = trajectory(brainmass.CoombesByrneStep(in_size=3, eta=ETA, method=method))
    else:  # pragma: no cover
        ref = trajectory(SeedField(3, method, ETA))
    assert ours[0].dtype == np.float64 and ours[0].shape == (N_STEPS, 3)
    assert max_diff(ours, ref) <= 1e-12, (method, max_diff(ours, ref))


@pytest.mark.skipif(brainmass is None, reason="brainmass not installed")
@pytest.mark.parametrize("method", ["exp_euler", "heun", "rk2", "dopri8"])
def test_the_transcribed_reference_is_brainmass(method):
    """The fallback reference of the test above is the reference."""
    ref = trajectory(brainmass.CoombesByrneStep(in_size=3, eta=ETA, method=method), n_steps=200)
    assert max_diff(trajectory(SeedField(3, method, ETA), n_steps=200), ref) <= 1e-14


@pytest.mark.parametrize("method", ["rk2", "heun", "midpoint", "dopri5"])
def test_float_dt_and_batch_axis(method):
    """A plain-float dt means ms, as before; a batch axis and per-neuron parameters work."""
    node = bn.CoombesByrneStep(in_size=3, eta=ETA, method=method)
    brainstate.nn.init_all_states(node, batch_size=2)
    with brainstate.environ.context(dt=0.01):
        for _ in range(5):
            r_float = node.update(0.05, 0.1)
    node2 = bn.CoombesByrneStep(in_size=3, eta=ETA, method=method)
    brainstate.nn.init_all_states(node2, batch_size=2)
    with brainstate.environ.context(dt=0.01 * u.ms):
        for _ in range(5):
            r_unit = node2.update(0.05, 0.1)
    assert r_float.shape == (2, 3) and not isinstance(r_float, u.Quantity)
    np.testing.assert_array_equal(r_float, r_unit)
    np.testing.assert_array_equal(node.v.value, node2.v.value)


def test_noise_is_added_after_the_braintools_step():
    sigma, dt = 0.02, 0.01
    noisy = bn.CoombesByrneStep(in_size=4, method="heun", noise_r=sigma, noise_v=bn.WhiteNoise(2 * sigma))
    clean = bn.CoombesByrneStep(in_size=4, method="heun")
    brainstate.nn.init_all_states(noisy)
    brainstate.nn.init_all_states(clean)
    brainstate.random.seed(3)
    with brainstate.environ.context(dt=dt * u.ms):
        noisy.update(0.0, 0.2)
        clean.update(0.0, 0.2)
    brainstate.random.seed(3)
    xi_r, xi_v = brainstate.random.randn(4), brainstate.random.randn(4)
    np.testing.assert_allclose(noisy.r.value, clean.r.value + sigma * np.sqrt(dt) * xi_r, rtol=0, atol=1e-15)
    np.testing.assert_allclose(noisy.v.value, clean.v.value + 2 * sigma * np.sqrt(dt) * xi_v, rtol=0, atol=1e-15)


@pytest.mark.parametrize("engine_method", sorted(ENGINE_EQUIVALENT))
def test_engine_integrators_are_these_step_methods(engine_method):
    """bn.simulate's heun is braintools' rk2 (trapezoid), its rk2 braintools' midpoint."""
    one = bn.Connectome(np.zeros((1, 1)), np.zeros((1, 1)))
    ds = bn.simulate(bn.CoombesByrne(eta=1.3), one, duration=5.0, dt=0.05, monitors=[bn.Raw()], method=engine_method)
    r, v = trajectory(bn.CoombesByrneStep(in_size=1, eta=1.3, method=ENGINE_EQUIVALENT[engine_method]),
                      n_steps=100, dt=0.05, inputs=False)
    np.testing.assert_allclose(ds.r.values[:, 0], r[:, 0], rtol=0, atol=1e-13)
    np.testing.assert_allclose(ds.v.values[:, 0], v[:, 0], rtol=0, atol=1e-13)


# ---------------------------------------------------------------- errors

def test_unknown_method_lists_the_valid_names():
    with pytest.raises(bn.IntegratorError) as info:
        bn.CoombesByrneStep(1, method="rk5")
    msg = str(info.value)
    assert msg.startswith("unknown integration method 'rk5'; choose one of ['exp_euler', 'bs32', 'dopri5', ")
    assert msg.endswith("(exp_euler and every ODE step of braintools.quad, as in the reference implementation).")
    for name in REFERENCE_NAMES:
        assert repr(name) in msg
    with pytest.raises(bn.IntegratorError, match=r"unknown integration method None; choose one of"):
        bn.CoombesByrneStep(1, method=None)


def test_expeuler_is_refused_with_the_reason():
    with pytest.raises(bn.IntegratorError, match=r"integration method 'expeuler' \(braintools.quad.ode_expeuler_step\) "
                                                 r"is not offered: it needs a single-array state.*'exp_euler'"):
        bn.CoombesByrneStep(1, method="expeuler")


# ---------------------------------------------------------------- convergence orders

# method: (order, step sizes with t = 1 and 5 ms on the grid, errors well above the golden
# values' 1e-12 and in the asymptotic range; tolerance on the fitted slope)
ORDERS = {
    "midpoint": (2, (0.1, 0.05, 0.025), 0.3),
    "rk2": (2, (0.1, 0.05, 0.025), 0.3),
    "ralston2": (2, (0.1, 0.05, 0.025), 0.3),
    "heun": (3, (0.1, 0.05, 0.025), 0.3),
    "ssprk33": (3, (0.1, 0.05, 0.025), 0.3),
    "rk4_38": (4, (0.2, 0.1, 0.05), 0.3),
    "dopri5": (5, (0.25, 0.125, 0.0625), 0.3),
    "rk45": (5, (0.2, 0.1, 0.05), 0.4),
    # pre-asymptotic at these steps (the error reaches the golden values' 1e-12 below dt = 0.125)
    "dopri8": (8, (0.5, 1 / 3, 0.25), 0.75),
}


@pytest.mark.parametrize("method", sorted(ORDERS))
def test_convergence_order_against_the_golden_trajectory(method, golden):
    """science.md §2 style: log-error slope at t = 1 and 5 ms against golden trajectory_vext0."""
    order, dts, tol = ORDERS[method]
    ref = golden["trajectory_vext0"]
    errors = []
    for dt in dts:
        r, v = trajectory(bn.CoombesByrneStep(in_size=1, method=method), n_steps=round(5 / dt), dt=dt, inputs=False)
        errors.append(max(
            max(abs(r[round(t / dt) - 1, 0] - ref[str(t)][0]), abs(v[round(t / dt) - 1, 0] - ref[str(t)][1]))
            for t in (1, 5)
        ))
    assert min(errors) > 1e-10, errors  # well above the golden values' precision
    slope = np.polyfit(np.log(dts), np.log(errors), 1)[0]
    assert abs(slope - order) < tol, (method, errors, slope)



# The other names, against a dopri8 trajectory at dt = 0.01 ms (equal to dt = 0.02 ms to 4.4e-16): the
# largest error over t = 1..5 ms on the grid, steps in the asymptotic range of each scheme.
MORE_ORDERS = {
    "euler": (1, (0.02, 0.01, 0.005), 0.1),
    "exp_euler": (1, (0.02, 0.01, 0.005), 0.1),
    "rk3": (3, (0.1, 0.05, 0.025), 0.25),
    "ralston3": (3, (0.1, 0.05, 0.025), 0.25),
    "bs32": (3, (0.1, 0.05, 0.025), 0.25),
    "rk4": (4, (0.2, 0.1, 0.05), 0.2),
    "rkf45": (5, (0.1, 0.05, 0.025), 0.3),
    "rk45_dopri": (5, (0.1, 0.05, 0.025), 0.4),
}
#: Names that are the same braintools scheme as another, step for step.
ALIASES = {"rk23": "bs32", "rk45_dopri": "dopri5", "rk87_dopri": "dopri8"}
_TIMES = (1, 2, 3, 4, 5)


def _on_grid(method, dt):
    r, v = trajectory(bn.CoombesByrneStep(in_size=1, method=method), n_steps=round(5 / dt), dt=dt, inputs=False)
    rows = [round(t / dt) - 1 for t in _TIMES]
    return np.stack([r[rows, 0], v[rows, 0]])


_FINE = {}


def _fine():
    if not _FINE:
        _FINE["dopri8"] = _on_grid("dopri8", 0.01)
    return _FINE["dopri8"]


@pytest.mark.parametrize("method", sorted(MORE_ORDERS))
def test_convergence_order_of_the_other_names(method):
    order, dts, tol = MORE_ORDERS[method]
    errors = [float(np.max(np.abs(_on_grid(method, dt) - _fine()))) for dt in dts]
    assert min(errors) > 1e-11, errors  # well above the reference's 4.4e-16
    slope = np.polyfit(np.log(dts), np.log(errors), 1)[0]
    assert abs(slope - order) < tol, (method, errors, slope)


@pytest.mark.parametrize("alias", sorted(ALIASES))
def test_alias_names_are_the_same_scheme(alias):
    np.testing.assert_array_equal(_on_grid(alias, 0.25), _on_grid(ALIASES[alias], 0.25))
