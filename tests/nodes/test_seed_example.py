"""The docstring example of the reference implementation (brainmass ``CoombesByrneStep``)
runs as written, with brainnet_cb for brainmass."""

import ast
import doctest
import pathlib

import brainstate
import brainunit as u
import numpy as np
import pytest

import brainnet_cb as bn

TESTS = pathlib.Path(__file__).resolve().parents[1]
SHARED = TESTS.parents[1] / "shared" / "reference" / "seed_coombes_byrne.py"
SEED = SHARED if SHARED.exists() else TESTS / "reference_data" / "seed_coombes_byrne.py"


def seed_docstring():
    tree = ast.parse(SEED.read_text())
    cls = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "CoombesByrneStep")
    return ast.get_docstring(cls)


def test_seed_docstring_example_runs_with_brainnet_cb():
    text = seed_docstring().replace("brainmass", "brainnet_cb")
    test = doctest.DocTestParser().get_doctest(text, {}, "seed_example", str(SEED), 0)
    assert len(test.examples) >= 5
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    result = runner.run(test)
    assert result.failed == 0 and result.attempted == len(test.examples)


def test_constructor_matches_the_seed_signature():
    import inspect

    tree = ast.parse(SEED.read_text())
    cls = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "CoombesByrneStep")
    init = next(n for n in cls.body if isinstance(n, ast.FunctionDef) and n.name == "__init__")
    seed_args = [a.arg for a in init.args.args]
    ours = list(inspect.signature(bn.CoombesByrneStep.__init__).parameters)
    assert ours == seed_args
    node = bn.CoombesByrneStep(in_size=3)
    assert (node.Delta.value(), node.eta.value(), node.k.value(), node.v_syn.value()) == (1.0, 2.0, 1.0, -4.0)
    assert node.method == "exp_euler"


def test_right_hand_sides_carry_per_ms_units(golden):
    node = bn.CoombesByrneStep(in_size=1)
    r, v = golden["fixed_point_vext0"]["r"], golden["fixed_point_vext0"]["v"]
    dr, dv = node.derivative((np.array([r]), np.array([v])), 0.0, 0.0, 0.0)
    assert u.get_unit(dr) == u.get_unit(1 / u.ms) and u.get_unit(dv) == u.get_unit(1 / u.ms)
    per_ms = u.get_unit(1 / u.ms)
    assert abs(dr.to_decimal(per_ms)[0]) < 1e-9 and abs(dv.to_decimal(per_ms)[0]) < 1e-9
    # away from the fixed point: the equations of science.md at (0.1, 0)
    assert float(node.dr(0.1, 0.0, 0.0).to_decimal(per_ms)) == pytest.approx(1 / np.pi - np.pi * 0.01)
    dv = -(np.pi * 0.1) ** 2 + 2 - 4 * np.pi * 0.1 + 0.5
    assert float(node.dv(0.0, 0.1, 0.5).to_decimal(per_ms)) == pytest.approx(dv)


def test_batched_states_and_per_neuron_parameters():
    node = bn.CoombesByrneStep(in_size=4, eta=np.array([0.0, 1.0, 2.0, 3.0]))
    brainstate.nn.init_all_states(node, batch_size=2)
    assert node.r.value.shape == (2, 4)
    with brainstate.environ.context(dt=0.1 * u.ms):
        for _ in range(200):
            node.update(v_inp=0.0)
    # each column relaxes to its own fixed point
    for j, eta in enumerate([0.0, 1.0, 2.0, 3.0]):
        r_star, _ = bn.CoombesByrne(eta=eta).fixed_point()
        np.testing.assert_allclose(node.r.value[:, j], r_star, rtol=1e-6)


def test_step_noise_is_an_sde_term():
    """Free diffusion: with the drift cancelled by an opposite input, the variance of
    r after time T is sigma^2 T whatever dt is (the reference implementation's noise scaled with dt)."""
    sigma, T = 0.05, 2.0
    variances = []
    for dt in (0.1, 0.01):
        brainstate.random.seed(0)
        node = bn.CoombesByrneStep(in_size=8000, noise_r=bn.WhiteNoise(sigma), method="euler", k=0.0, Delta=0.0)
        brainstate.nn.init_all_states(node)
        node.v.value = node.v.value * 0.0
        with brainstate.environ.context(dt=dt * u.ms):
            for _ in range(round(T / dt)):
                r0 = node.r.value
                # inputs that cancel both drifts exactly (k = Delta = 0, eta = 2)
                node.update(r_inp=-2.0 * node.v.value * r0, v_inp=-(node.v.value**2) + (np.pi * r0) ** 2 - 2.0)
        variances.append(float(np.var(node.r.value)))
    np.testing.assert_allclose(variances, sigma**2 * T, rtol=0.05)
