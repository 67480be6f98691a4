"""Noise amplitudes (and OrnsteinUhlenbeck's tau) given as lists or tuples are float arrays when the noise is
made, as node and coupling parameters are: the same noise, the same run, bit for bit, as ``np.asarray`` of them.

Was: ``Additive(v=[0.1, 0.2, 0.3]).sigma["v"]`` stayed a list; ``Additive(v=[True, True, True])`` and
``Additive(v=[[0.1, 0.2, 0.3]])`` were accepted and refused only when a run was specified, the second as
"got shape (1, 3)" without saying a flat list was wanted; ``bn.WhiteNoise([0.1, 0.2, 0.3])`` was accepted and
failed in ``CoombesByrneStep.update`` with "unsupported operand type(s) for *: 'list' and 'ArrayImpl'", and
``CoombesByrneStep(3, noise_v=[0.1, 0.2, 0.3])`` was refused while the array was taken.
"""

import brainstate
import brainunit as u
import numpy as np
import pytest

import brainnet_cb as bn

CONN = bn.Connectome(weights=np.array([[0.0, 1.0, 0.5], [1.0, 0.0, 0.2], [0.5, 0.2, 0.0]]),
                     lengths=np.full((3, 3), 10.0) - 10.0 * np.eye(3))
AMP = [0.01, 0.02, 0.03]
RUN = dict(duration=5.0, dt=0.1, coupling=bn.Linear(G=0.3), monitors=[bn.Raw()], key=7, dtype="float64")


def _noises(given):
    return [bn.Additive(v=given), bn.OrnsteinUhlenbeck(tau=given, v=given), bn.Multiplicative(r=given)]


@pytest.mark.parametrize("given", [AMP, tuple(AMP), [1, 2, 3]], ids=["list", "tuple", "ints"])
def test_a_list_is_a_float_array_and_the_same_noise_as_the_array(given):
    for listed, array in zip(_noises(given), _noises(np.asarray(given, dtype=float))):
        (name, value), = listed.sigma.items()
        assert isinstance(value, np.ndarray) and value.dtype == np.float64 and value.tolist() == list(map(float, given))
        assert listed == array and hash(listed) == hash(array) and repr(listed) == repr(array)
        assert (listed.sigma[name] * 2).tolist() == [2.0 * v for v in given]  # arithmetic, not list repetition
    ou = bn.OrnsteinUhlenbeck(tau=given, v=0.1)
    assert isinstance(ou.tau, np.ndarray) and ou.tau.tolist() == list(map(float, given))
    assert bn.Additive(v=0.1).replace_sigma(v=given) == bn.Additive(v=np.asarray(given, dtype=float))


@pytest.mark.parametrize("index", [0, 1, 2], ids=["additive", "ou", "multiplicative"])
def test_a_run_with_a_list_equals_the_run_with_the_array_bit_for_bit(index):
    listed, array = _noises(AMP)[index], _noises(np.array(AMP))[index]
    a = bn.simulate(bn.CoombesByrne(eta=-4.6), CONN, noise=listed, **RUN)
    b = bn.simulate(bn.CoombesByrne(eta=-4.6), CONN, noise=array, **RUN)
    np.testing.assert_array_equal(a.r.values, b.r.values)
    assert a.r.dtype == np.float64 and a.attrs["noise"] == b.attrs["noise"]
    quiet = bn.simulate(bn.CoombesByrne(eta=-4.6), CONN, noise=listed.replace_sigma(**{k: 0.0 for k in listed.sigma}),
                        **RUN)
    assert np.max(np.abs(a.r.values - quiet.r.values)) > 1e-6  # the amplitudes act: not a run without noise


def test_a_batch_and_the_linear_fc_with_a_list_equal_those_with_the_array_bit_for_bit():
    batch = dict(batch={"G": [0.2, 0.4]}, vectorize=True, **{k: v for k, v in RUN.items() if k != "coupling"})
    a = bn.simulate_batch(bn.CoombesByrne(eta=-4.6), CONN, noise=bn.Additive(v=AMP), **batch)
    b = bn.simulate_batch(bn.CoombesByrne(eta=-4.6), CONN, noise=bn.Additive(v=np.array(AMP)), **batch)
    np.testing.assert_array_equal(a.r.values, b.r.values)
    fc = [bn.linear_fc(bn.CoombesByrne(eta=-4.6), CONN, bn.Linear(G=0.3), bn.Additive(v=v)).values
          for v in (AMP, np.array(AMP))]
    np.testing.assert_array_equal(*fc)


@pytest.mark.parametrize("noise, message", [
    (bn.Additive(v=[0.1, 0.2]), r"noise amplitude v of Additive must be a scalar or have shape \(3,\) \(one value "
                                r"per region\); got shape \(2,\)\."),
    (bn.Multiplicative(r=(0.1, 0.2, 0.3, 0.4)), r"noise amplitude r of Multiplicative must be a scalar or have "
                                                r"shape \(3,\) \(one value per region\); got shape \(4,\)\."),
    (bn.OrnsteinUhlenbeck(tau=[5.0, 6.0], v=0.1), r"OrnsteinUhlenbeck tau must be a scalar or have shape \(3,\) "
                                                  r"\(one value per region\); got shape \(2,\)\."),
], ids=["additive", "multiplicative", "ou-tau"])
def test_a_list_of_the_wrong_length_is_refused_by_name_when_the_run_is_specified(noise, message):
    with pytest.raises(bn.NoiseError, match=f"^{message}$"):
        bn.Simulation(bn.CoombesByrne(), CONN, duration=5.0, noise=noise)  # host checks only: nothing compiled


@pytest.mark.parametrize("make, message", [
    (lambda: bn.Additive(v=[AMP]), r"noise amplitude v of Additive must be a number or one per region \(a flat "
                                   r"list or 1-D array\); got shape \(1, 3\)\."),
    (lambda: bn.Multiplicative(r=np.ones((2, 3))), r"noise amplitude r of Multiplicative must be a number or one "
                                                   r"per region \(a flat list or 1-D array\); got shape \(2, 3\)\."),
    (lambda: bn.Additive(v=[True, False, True]), r"noise amplitude v=\[True, False, True\] must be a number or one "
                                                 r"per region, in units of the state per sqrt\(ms\), or a brainunit "
                                                 r"quantity of that dimension; got list of bool\."),
    (lambda: bn.Additive(v=("0.1", "0.2")), r"noise amplitude v=\('0.1', '0.2'\) must be a number .* got tuple of "
                                            r"str\."),
    (lambda: bn.Additive(v=[0.1, [0.2]]), r"noise amplitude v=\[0.1, \[0.2\]\] must be a number .* got list of "
                                          r"float, list\."),
    (lambda: bn.Additive(v=[0.05 / u.ms**0.5] * 2), r"noise amplitude v=.* got list of Quantity\. Give one quantity "
                                                    r"of an array instead, e\.g\. np\.array\(\[0\.05, 0\.1\]\) / "
                                                    r"u\.ms\*\*0\.5\."),
    (lambda: bn.OrnsteinUhlenbeck(tau=[True, True], v=0.1), r"OrnsteinUhlenbeck tau must be a number in ms, one per "
                                                            r"region or a brainunit quantity; got \[True, True\] "
                                                            r"\(list of bool\)\."),
], ids=["nested", "2-d array", "bools", "strings", "ragged", "quantities", "ou-bools"])
def test_lists_that_are_no_amplitudes_are_refused_when_the_noise_is_made(make, message):
    with pytest.raises(bn.NoiseError, match=f"^{message}$"):
        make()


def _step_v(noise_v):
    brainstate.environ.set(dt=0.1)
    brainstate.random.seed(0)
    node = bn.CoombesByrneStep(3, noise_v=noise_v, method="euler")
    brainstate.nn.init_all_states(node)
    node.update()
    return np.asarray(node.v.value)


def test_the_brainstate_face_takes_a_list_of_amplitudes_as_the_array():
    want = _step_v(np.array(AMP))
    for given in (AMP, bn.WhiteNoise(tuple(AMP))):
        np.testing.assert_array_equal(_step_v(given), want)
    assert isinstance(bn.WhiteNoise(AMP).sigma, np.ndarray)
    with pytest.raises(bn.NoiseError, match=r"^WhiteNoise sigma must be a number >= 0 or an array of them \(one per "
                                            r"unit\); got \[True, False\] of type list\.$"):
        bn.WhiteNoise([True, False])
    with pytest.raises(bn.NoiseError, match=r"^noise_v has amplitudes of shape \(2,\), which does not broadcast to "
                                            r"the population shape \(3,\)"):
        bn.CoombesByrneStep(3, noise_v=[0.1, 0.2])
