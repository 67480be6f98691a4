"""A diverged run's message advises lowering the coupling strength first (its usual cause)."""

import numpy as np
import pytest

import brainnet_cb as bn


def test_divergence_advises_lower_coupling_then_dt_noise_method():
    conn = bn.Connectome([[0.0, 1.0], [1.0, 0.0]], np.full((2, 2), 10.0), labels=["src", "tgt"])
    with pytest.raises(bn.DivergenceError, match=r"became NaN or inf at t = [0-9.]+ ms \(step \d+\)\. Lower the "
                                                 r"coupling strength G \(the usual cause: a runaway excitation\), "
                                                 r"or use a smaller dt \(now 0\.1 ms\), weaker noise, or a more "
                                                 r"stable method"):
        bn.simulate(bn.CoombesByrne(), conn, duration=200.0, dt=0.1, coupling=bn.Linear(G=50.0),
                    noise=bn.Additive(r=3.0), method="euler")
