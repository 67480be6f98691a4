"""Numeric fields given as lists or tuples are float arrays in every pytree dataclass (couplings, monitors,
stimuli, plug-ins), as in node models: the methods work outside a run, and the list is one leaf.

Was: ``bn.Linear(G=[0.5, 1.0, 2.0]).post(S, local, strength)`` raised "TypeError: unsupported operand type(s)
for *: 'list' and 'ArrayImpl'" (the same for ``Diffusive`` and ``Conductance``); a run worked, because it converts
the parameters when it checks them.
"""

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import brainnet_cb as bn
from brainnet_cb import plugins
from brainnet_cb.coupling import Coupling
from brainnet_cb.stimulus import Step

S = jnp.array([1.0, 2.0, 3.0])
LOCAL = jnp.array([0.1, 0.2, 0.3])
STRENGTH = jnp.array([2.0, 2.0, 2.0])


@pytest.mark.parametrize("given", [[0.5, 1.0, 2.0], (0.5, 1.0, 2.0), [0.5, 1, 2]], ids=["list", "tuple", "mixed"])
def test_built_in_couplings_compute_with_per_region_lists_called_directly(given):
    np.testing.assert_array_equal(bn.Linear(G=given).post(S, LOCAL, STRENGTH), [0.5, 2.0, 6.0])
    np.testing.assert_allclose(bn.Diffusive(G=given).post(S, LOCAL, STRENGTH),
                               [0.5 * (1 - 0.2), 1.0 * (2 - 0.4), 2.0 * (3 - 0.6)], rtol=0, atol=1e-15)
    np.testing.assert_array_equal(bn.Conductance(G=given).post(S, LOCAL, STRENGTH), [0.5, 2.0, 6.0])
    coupling = bn.Diffusive(G=given)
    assert isinstance(coupling.G, np.ndarray) and coupling.G.dtype == np.float64
    assert len(jax.tree_util.tree_leaves(coupling)) == 1
    assert coupling == bn.Diffusive(G=np.array([0.5, 1.0, 2.0]))
    assert jax.jit(lambda c: c.post(S, LOCAL, STRENGTH))(coupling).tolist() == pytest.approx([0.4, 1.6, 4.8], abs=1e-15)


def test_monitor_and_stimulus_fields_become_arrays_and_static_tuples_stay():
    bold = bn.Bold(tr=720.0, scale=[1, 2, 3])
    assert isinstance(bold.scale, np.ndarray) and bold.scale.tolist() == [1.0, 2.0, 3.0]
    eeg = bn.EEG(gain=[[1, 0, 2], [0, 1, 0]], sensors=("Fz", "Cz"), regions=("a", "b", "c"))
    assert eeg.gain.dtype == np.float64 and eeg.referenced_gain().tolist() == [[0.5, -0.5, 1.0], [-0.5, 0.5, -1.0]]
    assert eeg.sensors == ("Fz", "Cz") and eeg.regions == ("a", "b", "c")  # static: kept as tuples of labels
    step = Step(amplitude=[1, 2, 3], onset=(0.0, 5.0, 10.0))
    assert step.amplitude.tolist() == [1.0, 2.0, 3.0] and step.onset.tolist() == [0.0, 5.0, 10.0]
    assert bn.TemporalAverage(period=1.0, variables=("r", "v")).variables == ("r", "v")


def test_a_plug_in_coupling_gets_arrays_before_its_own_post_init():
    seen = []

    @plugins.coupling
    class Scaled(Coupling):
        G: float = 1.0
        bias: float = 0.0

        def __post_init__(self):
            seen.append(type(self.bias).__name__)

        def post(self, S, local, strength):
            return self.G * S + self.bias

    c = Scaled(G=[1.0, 2.0, 3.0], bias=(0, 1, 0))
    assert seen == ["ndarray"]
    np.testing.assert_array_equal(c.post(S, LOCAL, STRENGTH), [1.0, 5.0, 9.0])
    np.testing.assert_array_equal(dataclasses.replace(c, bias=[1, 1, 1]).post(S, LOCAL, STRENGTH), [2.0, 5.0, 10.0])


def test_a_run_gives_the_same_numbers_for_a_list_and_an_array():
    conn = bn.Connectome(weights=np.array([[0.0, 1.0, 0.5], [1.0, 0.0, 0.2], [0.5, 0.2, 0.0]]),
                         lengths=np.full((3, 3), 10.0) - 10.0 * np.eye(3))
    run = lambda G: bn.simulate(bn.CoombesByrne(eta=-4.6), conn, duration=5.0, dt=0.1, coupling=bn.Linear(G=G),  # noqa: E731
                                monitors=[bn.Raw()], key=0).r.values
    np.testing.assert_array_equal(run([0.3, 0.5, 0.7]), run(np.array([0.3, 0.5, 0.7])))


def test_bad_lists_are_still_refused_by_name():
    with pytest.raises(bn.CouplingError, match=r"^Linear.G must be a scalar or have shape \(3,\) \(one value per "
                                               r"target region\); got shape \(2,\)\.$"):
        bn.Linear(G=[1.0, 2.0]).validated(3, jnp.float64)
    with pytest.raises(bn.CouplingError, match=r"^Diffusive.G must be a number or one number per target region; "
                                               r"got \[True, False, True\]\.$"):
        bn.Diffusive(G=[True, False, True]).validated(3, jnp.float64)
    with pytest.raises(bn.CouplingError, match=r"^Linear.G must be a number or one number per target region; "
                                               r"got \[1, '2', 3\]\.$"):
        bn.Linear(G=[1, "2", 3]).validated(3, jnp.float64)
    with pytest.raises(bn.CouplingError, match=r"^Linear.G must be a number or one number per target region; "
                                               r"got \[\[1\], \[1, 2\]\]\.$"):
        bn.Linear(G=[[1], [1, 2]]).validated(3, jnp.float64)
    with pytest.raises(bn.CouplingError, match=r"^Linear.G must be finite; got nan at target region index 1\.$"):
        bn.Linear(G=[1.0, float("nan"), 1.0]).validated(3, jnp.float64)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_bold_scale_per_region_list_runs_in_both_precisions(dtype):
    """Was: Bold(scale=[...]) failed every run ("unsupported operand type(s) for *: 'list' and ..."), and a float64
    array scale failed a float32 run (the drive was promoted to float64 inside the scan)."""
    conn = bn.Connectome(weights=np.array([[0.0, 1.0], [1.0, 0.0]]), lengths=np.array([[0.0, 10.0], [10.0, 0.0]]))
    run = lambda scale: bn.simulate(bn.CoombesByrne(eta=-4.6), conn, duration=2000.0, dt=0.1, dtype=dtype,  # noqa: E731
                                    monitors=[bn.Bold(tr=500.0, scale=scale, baseline=None)], key=0).bold.values
    per_region, scalar = run([2, 2]), run(2.0)
    assert per_region.dtype == np.dtype(dtype) and per_region.shape == (4, 2)
    np.testing.assert_array_equal(per_region, scalar)
    np.testing.assert_array_equal(run(np.array([2.0, 2.0])), scalar)


def test_bold_per_region_haemodynamic_constants_run_in_float32():
    """Was: Bold(kappa=[0.65, 0.6]) (or a float64 array) failed a float32 run: "cond branches must have equal output
    types" (the Balloon state promoted to float64). Scalars keep their float32 numbers bit for bit."""
    conn = bn.Connectome(weights=np.array([[0.0, 1.0], [1.0, 0.0]]), lengths=np.array([[0.0, 10.0], [10.0, 0.0]]))
    run = lambda dtype, **constants: bn.simulate(  # noqa: E731
        bn.CoombesByrne(eta=-4.6), conn, duration=2000.0, dt=0.1, dtype=dtype, key=0,
        monitors=[bn.Bold(tr=500.0, baseline=None, **constants)]).bold.values
    per_region = run("float32", kappa=[0.6, 0.6])
    assert per_region.dtype == np.float32
    np.testing.assert_array_equal(run("float64", kappa=[0.6, 0.6]), run("float64", kappa=0.6))
    scalar = run("float32", kappa=0.6)  # derived constants computed in float64 first: may differ by ulps (0 here)
    np.testing.assert_allclose(per_region, scalar, rtol=0, atol=1e-5 * np.abs(scalar).max())
