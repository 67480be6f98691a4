"""A custom node model: the Stuart-Landau oscillator on the tvb76 connectome.

A model is data (states, what it sends, which port coupling enters) plus one
pure vector field; delays, coupling, noise, integration and monitors (BOLD,
EEG) are generic. ``@bn.node_model`` makes the class a frozen JAX pytree
dataclass and checks its declarations. See docs/nodes.md for the contract.
"""

from typing import ClassVar

import jax.numpy as jnp
import numpy as np

import brainnet_cb as bn
from brainnet_cb import plots

from _common import duration, save


@bn.node_model
class StuartLandau(bn.NodeModel):
    """Stuart-Landau oscillator dz/dt = (a + i omega) z - |z|^2 z, time in ms."""

    a: float = -0.05                  # below the Hopf point: noise-driven damped oscillations
    omega: float = 2 * np.pi * 0.01   # rad/ms: 10 Hz

    states: ClassVar[tuple] = ("x", "y")
    state_units: ClassVar[dict] = {"x": "1", "y": "1"}
    long_names: ClassVar[dict] = {"x": "real part", "y": "imaginary part"}
    initial: ClassVar[dict] = {"x": 0.1, "y": 0.0}
    sends: ClassVar[str] = "x"
    receives: ClassVar[str] = "x"
    input_ports: ClassVar[tuple] = ("x", "y")
    eeg_source: ClassVar[dict] = {"x": 1.0}

    def dfun(self, x, inputs):
        u, w = x[0], x[1]
        rho2 = u**2 + w**2
        du = self.a * u - self.omega * w - rho2 * u + inputs.get("x", 0.0)
        dw = self.a * w + self.omega * u - rho2 * w + inputs.get("y", 0.0)
        return jnp.stack([du, dw])


conn = bn.load_atlas("tvb76")
ds = bn.simulate(StuartLandau(), conn, duration=duration(10_000.0, 1_000.0), dt=0.1,
                 coupling=bn.Linear(G=0.02), noise=bn.Additive(x=0.05, y=0.05),
                 monitors=[bn.TemporalAverage(1.0), bn.EEG.from_atlas("tvb76")], key=0)
peak = bn.peak_frequency(ds.x, segment=duration(2.0, 0.5), band=(4.0, 40.0))  # segment in s, band in Hz
print(f"median peak frequency over regions: {float(peak.median()):.1f} Hz (omega / 2 pi = 10 Hz)")
save(plots.timeseries(ds.x, regions=4, title="Stuart-Landau network: x"), "custom_node_model.png")
