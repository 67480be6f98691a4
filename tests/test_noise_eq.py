"""Noise objects compare by class, options and amplitudes (they compared by identity)."""

import numpy as np

import brainnet_cb as bn
from brainnet_cb.noise import Multiplicative, OrnsteinUhlenbeck


def test_equal_noises_compare_equal_and_hash_alike():
    assert bn.Additive(v=0.1) == bn.Additive(v=0.1)  # was False
    assert bn.Additive(v=0.1, r=0.2) == bn.Additive(r=0.2, v=0.1)
    assert hash(bn.Additive(v=0.1, r=0.2)) == hash(bn.Additive(r=0.2, v=0.1))
    assert bn.Additive(v=[0.1, 0.2]) == bn.Additive(v=np.array([0.1, 0.2]))
    assert bn.Additive(v=0.1).replace_sigma(v=0.2) == bn.Additive(v=0.2)
    assert OrnsteinUhlenbeck(tau=10.0, v=0.1) == OrnsteinUhlenbeck(tau=10.0, v=0.1)
    assert len({bn.Additive(v=0.1), bn.Additive(v=0.1)}) == 1


def test_different_noises_differ():
    assert bn.Additive(v=0.1) != bn.Additive(v=0.2)
    assert bn.Additive(v=0.1) != bn.Additive(r=0.1)
    assert bn.Additive(v=np.array([0.1, 0.1])) != bn.Additive(v=0.1)
    assert OrnsteinUhlenbeck(tau=10.0, v=0.1) != OrnsteinUhlenbeck(tau=5.0, v=0.1)
    assert OrnsteinUhlenbeck(tau=10.0, v=0.1) != OrnsteinUhlenbeck(tau=10.0, initial="zero", v=0.1)
    assert OrnsteinUhlenbeck(tau=10.0, v=0.1) != bn.Additive(v=0.1)
    assert Multiplicative(r=0.1) != Multiplicative(convention="stratonovich", r=0.1)
