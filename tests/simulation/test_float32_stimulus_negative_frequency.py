"""float32 stimuli with an onset before the run and a negative frequency (a sine of flipped sign).

The onset is moved forward by whole periods to at or before t = 0 (the int32 step count since it then
cannot wrap around); a Sinusoid of negative frequency has a negative period 1000 / f, taken for no
period at all: its onset was moved to 0, shifting its phase by 2 pi f onset.
"""

from typing import ClassVar

import jax.numpy as jnp
import numpy as np
import pytest

import brainnet_cb as bn
from brainnet_cb.stimulus import Sinusoid


@bn.node_model
class Integrator(bn.NodeModel):
    r""":math:`\dot a = I`: the input of step ``n`` is ``(a_{n+1} - a_n) / dt``."""

    states: ClassVar[tuple] = ("a",)
    state_units: ClassVar[dict] = {"a": "1"}
    long_names: ClassVar[dict] = {"a": "a"}
    initial: ClassVar[dict] = {"a": 0.0}
    sends: ClassVar[str] = "a"
    receives: ClassVar[str] = "a"
    input_ports: ClassVar[tuple] = ("a",)

    def dfun(self, x, inputs):
        return jnp.stack([inputs["a"] + 0 * x[0]])


DT = 0.1
ONE = bn.Connectome(np.zeros((1, 1)), np.zeros((1, 1)), labels=["x"])


@pytest.mark.float32
@pytest.mark.parametrize("onset", [-12.34, -1e9 - 0.05])
def test_a_sinusoid_of_negative_frequency_keeps_its_phase_from_an_onset_before_the_run(onset):
    stim = Sinusoid(amplitude=1.0, frequency=-7.3, phase=0.4, onset=onset)
    a = bn.Simulation(Integrator(), ONE, duration=300 * DT, dt=DT, method="euler", monitors=[bn.Raw()],
                      stimulus=stim, dtype="float32").run().a.values[:, 0].astype(np.float64)
    got = np.diff(np.concatenate([[0.0], a])) / np.float64(np.float32(DT))
    t = np.arange(300) * DT
    np.testing.assert_allclose(got, np.sin(2 * np.pi * -7.3 * (t - onset) / 1000.0 + 0.4), rtol=0, atol=1e-5)
