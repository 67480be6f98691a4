"""The gradient user's journey through fc_loss: gradients of a BOLD loss with delays and noise against central
differences, for a coupling, a node and a noise parameter and a per-region vector; recovery of a known G through
BOLD; and the refusals (a name the objective would ignore, a traced argument to fc_loss or to the noise, a run
that diverges) by message."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import brainnet_cb as bn
from brainnet_cb.fitting.fit import fc_loss

W = np.array([[0, 1, 0, 0.5], [1, 0, 1, 0], [0, 1, 0, 1], [0.5, 0, 1, 0]], float)
# tract lengths of 25-60 mm at 3 mm/ms: lags of 84-200 steps at dt = 0.1 ms, all different
L = np.array([[0, 30, 45, 60], [30, 0, 25, 40], [45, 25, 0, 35], [60, 40, 35, 0]], float)
CONN = bn.Connectome(W, L, name="ring4")
TARGET = np.array([[1.0, 0.6, 0.3, 0.2], [0.6, 1.0, 0.5, 0.1], [0.3, 0.5, 1.0, 0.4], [0.2, 0.1, 0.4, 1.0]])
BOLD_RUN = dict(duration=2000.0, dt=0.1, speed=3.0, noise=bn.Additive(v=0.2), monitors=[bn.Bold(tr=200.0)], key=1)


def test_gradients_of_a_bold_loss_with_delays_and_noise_match_central_differences():
    init = {"G": 0.8, "Delta": 1.0, "noise_v": 0.2, "eta": np.linspace(-4.8, -4.4, 4)}
    f, p, problem = fc_loss(bn.CoombesByrne(eta=-4.6), CONN, TARGET, init=init, signal="bold", band=None,
                            **BOLD_RUN)
    assert problem["run"].max_lag == 200 and p["G"].dtype == jnp.float64
    grad = jax.jit(jax.grad(lambda q: f(q)[0]))(p)
    loss = jax.jit(lambda q: f(q)[0])
    # h = 3e-3: the truncation error (~h^2) is 1.5e-5 relative at h = 1e-2 (so ~1.5e-6 here) and the rounding
    # error of the 20000-step loss (~1/h) 2e-3 at h = 1e-4 (so ~7e-5 here); 5e-4 is several times their sum
    h = 3e-3
    for name, value in p.items():
        for i in np.ndindex(np.shape(value)):
            step = np.zeros(np.shape(value))
            step[i] = h
            fd = (float(loss({**p, name: value + step})) - float(loss({**p, name: value - step}))) / (2 * h)
            g = float(np.asarray(grad[name])[i])
            assert abs(g) > 1e-4, (name, i)  # a derivative worth checking
            assert g == pytest.approx(fd, rel=5e-4), (name, i)


@pytest.mark.slow
def test_a_gradient_fit_through_bold_recovers_a_known_G():
    """Target: the BOLD FC of the same network at G = 1 (the same noise key); adam with a decaying step from
    G = 0.63 (measured: 0.994 at iteration 5; the RMSE loss has a kink at G = 1, so the last iterates wander
    around it and the best iterate is returned)."""
    import optax

    target = bn.fc(bn.simulate(bn.CoombesByrne(eta=-4.6), CONN, coupling=bn.Linear(G=1.0), **BOLD_RUN).bold)
    opt = optax.adam(optax.exponential_decay(0.1, transition_steps=4, decay_rate=0.5))
    res = bn.fit_gradient(bn.CoombesByrne(eta=-4.6), CONN, target, init={"G": 0.63}, steps=7, optimizer=opt,
                          loss="rmse", signal="bold", band=None, progress=False, **BOLD_RUN)
    assert float(res.G) == pytest.approx(1.0, abs=0.01)
    assert res.loss.values[res.attrs["best_iteration"]] < 0.05 * res.loss.values[0]


def test_a_bold_loss_over_the_resting_balloon_is_refused():
    # was: a NaN loss and a gradient of exactly 0 (BOLD is 0 until rest_after), in a descent "the run diverged"
    with pytest.raises(bn.FitError, match=(
            r"^'bold' is 0 until rest_after = 1000 ms \(Bold\(baseline='rest'\) drives the balloon only once it "
            r"knows the source's resting level\), and 2 of the 12 samples the loss uses are stamped after it; an FC "
            r"needs at least 3 that move \(all zero: a NaN loss and a gradient of 0\)\. Simulate longer \(duration "
            r">= 1300 ms\), or pass an earlier Bold\(rest_after=\.\.\.\) or baseline='initial'\.$")):
        fc_loss(bn.CoombesByrne(), CONN, TARGET, init={"G": 0.8}, signal="bold", band=None,
                **{**BOLD_RUN, "duration": 1200.0, "monitors": [bn.Bold(tr=100.0)]})
    fc_loss(bn.CoombesByrne(), CONN, TARGET, init={"G": 0.8}, signal="bold", band=None,  # 3 that move
            **{**BOLD_RUN, "duration": 1300.0, "monitors": [bn.Bold(tr=100.0)]})


@pytest.fixture(scope="module")
def small():
    conn = bn.Connectome([[0, 1, 0], [1, 0, 1], [0, 1, 0]], np.full((3, 3), 20.0))
    target = np.array([[1.0, 0.6, 0.3], [0.6, 1.0, 0.5], [0.3, 0.5, 1.0]])
    run = dict(duration=100.0, dt=0.1, noise=bn.Additive(v=0.1), signal="r", monitors=[bn.TemporalAverage(5.0)],
               band=None)
    return conn, target, run


# a refusal raised under a JAX transformation carries JAX's note on its filtered traceback (absent where
# JAX_TRACEBACK_FILTERING=off)
JAX_NOTE = (r"(\n-+\nFor simplicity, JAX has removed its internal frames from the traceback of the following "
            r"exception\. Set JAX_TRACEBACK_FILTERING=off to include these\.)?$")
IGNORED = (r"^objective\(params\)\['{name}'\]: '{name}' is not a differentiable parameter \(it changes integer "
           r"delays or the random key\), and the objective would ignore its value\. Build one objective per value, "
           r"fc_loss\(\.\.\., {fix}=\.\.\.\), or sweep it with bn\.sweep / fit it with bn\.fit_grid\.")


@pytest.mark.parametrize("extra, message", [
    # were: the value ignored, its gradient 0 and the loss that of the objective's own speed / key
    ({"speed": 6.0}, IGNORED.format(name="speed", fix="speed")),
    ({"seed": 3.0}, IGNORED.format(name="seed", fix="key")),
    # was: ValueError "'r' is not in list"
    ({"noise_r": 0.1}, r"^objective\(params\)\['noise_r'\]: the run has no noise on 'r'; pass e\.g\. "
                       r"noise=bn\.Additive\(r=0\.1\) to fit its amplitude\."),
])
def test_a_name_the_objective_cannot_substitute_is_refused(small, extra, message):
    conn, target, run = small
    f, p, _ = fc_loss(bn.CoombesByrne(), conn, target, init={"G": 1.0}, **run)
    with pytest.raises(bn.FitError, match=message + JAX_NOTE):
        jax.grad(lambda q: f(q)[0])({**p, **{k: jnp.asarray(v) for k, v in extra.items()}})


def test_a_static_field_in_the_objective_is_refused(small, poly_model):
    conn, target, run = small
    run = {**run, "noise": bn.Additive(x=0.1), "signal": "x"}
    f, p, _ = fc_loss(poly_model(), conn, target, init={"tau": 10.0}, **run)
    with pytest.raises(bn.FitError, match=r"^objective\(params\)\['order'\]: _Poly\.order is a static field "
                                          r"\(declared with bn\.plugins\.static_field\)"):
        jax.jit(f)({**p, "order": 3.0})


FIT_FIX = (r"fc_loss \(and bn\.fit_gradient\) check and build the run on the host, so they cannot be called inside "
           r"jax\.jit, jax\.grad or jax\.vmap; every argument must be a concrete value\. Call fc_loss once, outside, "
           r"and transform the objective it returns: f, params, _ = fc_loss\(\.\.\., init=\{'G': 0\.5\}\); "
           r"jax\.grad\(lambda p: f\(p\)\[0\]\)\(params\)\. What is differentiated goes in init \(a model or "
           r"coupling field, 'noise_<state>'\); speed \(it sets the integer delays and the size of the delay "
           r"buffer\), dt, duration, key and the connectome are fixed per objective: build one objective per value\."
           + JAX_NOTE)


@pytest.mark.parametrize("transform, call, where", [
    # was: SimulationError pointing to fc_loss, the function called
    (jax.grad, lambda a, c, t, r: fc_loss(bn.CoombesByrne(), c, t, init={"G": 1.0}, **{**r, "speed": a}), "speed"),
    # was: "init['G'] must be a number or one number per region; got GradTracer(...)"
    (jax.vmap, lambda a, c, t, r: fc_loss(bn.CoombesByrne(), c, t, init={"G": a}, **r), "init['G']"),
    # was: JAX's TracerArrayConversionError from NumPy
    (jax.jit, lambda a, c, t, r: fc_loss(bn.CoombesByrne(), c, a * t, init={"G": 1.0}, **r), "empirical_fc"),
    (jax.jit, lambda a, c, t, r: bn.fit_gradient(bn.CoombesByrne(eta=a), c, t, init={"G": 1.0}, **r), "model.eta"),
])
def test_fc_loss_inside_a_transformation_names_the_argument_that_must_be_concrete(small, transform, call, where):
    conn, target, run = small
    shape = r"\(3, 3\)" if where == "empirical_fc" else r"\(\)"
    pattern = "^" + where.replace(".", r"\.").replace("[", r"\[").replace("]", r"\]") + \
        rf" is a JAX tracer \(\w+ of shape {shape}\): " + FIT_FIX
    arg = jnp.ones(2) if transform is jax.vmap else 1.0
    with pytest.raises(bn.FitError, match=pattern):
        transform(lambda a: call(a, conn, target, run)[0]({"G": 1.0})[0])(arg)


def test_noise_built_inside_a_transformation_says_how_to_differentiate_its_amplitude():
    # was: "noise amplitude v=GradTracer(...) must be a number or one per region, ...; got LinearizeTracer."
    with pytest.raises(bn.NoiseError, match=(
            r"^noise amplitude v of Additive is a JAX tracer \(\w+ of shape \(\)\): noise is checked on the host "
            r"when it is built, so it cannot be built inside jax\.jit, jax\.grad or jax\.vmap\. To differentiate the "
            r"amplitude, build the objective once, outside, with the noise and fit 'noise_v': f, params, _ = "
            r"brainnet_cb\.fitting\.fit\.fc_loss\(\.\.\., noise=bn\.Additive\(v=0\.2\), init=\{'noise_v': 0\.2\}\); "
            r"jax\.grad\(lambda p: f\(p\)\[0\]\)\(params\)\." + JAX_NOTE)):
        jax.grad(lambda s: bn.Additive(v=s).sigma["v"])(0.2)


def test_a_diverging_run_gives_a_nan_loss_and_its_first_bad_step(small):
    conn, target, run = small
    f, p, _ = fc_loss(bn.CoombesByrne(), conn, target, init={"G": 1.0}, **run)
    value_and_grad = jax.jit(jax.value_and_grad(f, has_aux=True))
    (loss, (_, _, _, bad)), grads = value_and_grad({"G": jnp.full_like(p["G"], 500.0)})  # one compilation
    assert np.isnan(float(loss)) and np.isnan(float(grads["G"]))
    (loss, (_, _, _, ok)), grads = value_and_grad(p)
    assert np.isfinite(float(loss)) and int(ok) == -1 and 0 < int(bad) < 1000  # 1000 steps of 0.1 ms
    with pytest.raises(bn.FitError, match=(
            rf"^the run diverged \(or its FC is undefined\) at iteration 0 with G=500\.0 \(its state is not finite "
            rf"from t = {int(bad) * 0.1:g} ms, step {int(bad)}\); loss=nan\. Use tighter bounds, a smaller "
            r"learning_rate, a smaller dt or weaker noise\.$")):
        bn.fit_gradient(bn.CoombesByrne(), conn, target, init={"G": 500.0}, steps=2, progress=False, **run)
