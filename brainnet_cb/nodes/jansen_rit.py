"""The Jansen–Rit (1995) cortical column: the classic EEG alpha generator."""

from __future__ import annotations

import math
from typing import ClassVar

import jax
import jax.numpy as jnp

from .._pytree import pytree_dataclass
from .._types import ArrayLike, Inputs, Parameter
from .base import NodeModel

__all__ = ["JansenRit"]


@pytree_dataclass
class JansenRit(NodeModel):
    r"""Jansen & Rit (1995) neural mass of a cortical column (6 variables).

    Three populations — pyramidal cells, excitatory and inhibitory
    interneurons — interact through second-order linear synapses (impulse
    responses :math:`A a t e^{-a t}` and :math:`B b t e^{-b t}`) and a sigmoid
    from mean potential to firing rate:

    .. math::

       \dot y_0 &= y_3, & \dot y_3 &= A a\, S(y_1 - y_2) - 2 a y_3 - a^2 y_0,\\
       \dot y_1 &= y_4, & \dot y_4 &= A a\,[p + p_\mathrm{ext} + C_2 S(C_1 y_0)] - 2 a y_4 - a^2 y_1,\\
       \dot y_2 &= y_5, & \dot y_5 &= B b\, C_4 S(C_3 y_0) - 2 b y_5 - b^2 y_2,

    with :math:`S(u) = 2 e_0 / (1 + e^{r_s (v_0 - u)})`, :math:`C_1 = C`,
    :math:`C_2 = 0.8 C`, :math:`C_3 = C_4 = 0.25 C`. :math:`y_1 - y_2` is the
    mean membrane potential of the pyramidal cells, the model's EEG signal
    (``eeg_source``: the EEG and MEG monitors record it by default).

    **Time in ms.** The paper states its rates per second (a = 100 /s,
    b = 50 /s, e0 = 5 /s, p = 120-320 pulses/s); here, as everywhere in
    brainnet_cb, time is in ms, so these are divided by 1000: a = 0.1 /ms,
    b = 0.05 /ms, e0 = 0.0025 /ms, and p = 0.12-0.32 /ms (pass ``p=0.22``
    for 220 Hz). Potentials are in mV, ``y3..y5`` in mV/ms.

    **Coupling.** The edges carry the pyramidal firing rate
    :math:`S(y_1 - y_2)` (1/ms; :meth:`sent`), and the long-range input
    enters the port ``"p"`` as extra afferent pulse density to the pyramidal
    cells: :math:`p_{\mathrm{ext},i} = G \sum_j W_{ij} S(y_{1,j} - y_{2,j})(t - \tau_{ij})`
    (as The Virtual Brain's ``SigmoidalJansenRit`` coupling with ``JansenRit``).
    Input noise on :math:`p` is additive noise on ``y4``: white noise
    :math:`\sigma_p \xi(t)` in :math:`p` is ``Additive(y4=A * a * sigma_p)``.

    Parameters
    ----------
    A, B : float or array, default 3.25, 22.0
        Maximum excitatory / inhibitory post-synaptic potential (mV).
    a, b : float or array, default 0.1, 0.05
        Reciprocal excitatory / inhibitory synaptic time constants (1/ms).
    C : float or array, default 135.0
        Average number of synapses between populations.
    e0 : float or array, default 0.0025
        Half of the maximum firing rate (1/ms).
    v0 : float or array, default 6.0
        Potential at half the maximum firing rate (mV).
    r_s : float or array, default 0.56
        Steepness of the sigmoid (1/mV) (``r`` in the paper).
    p : float or array, default 0.22
        Mean afferent pulse density (1/ms; the paper's 120-320 /s range is
        0.12-0.32).

    Each parameter is a scalar or one value per region. With the standard
    parameters and p in the published range the column produces the alpha
    rhythm (about 10-11 Hz).

    References
    ----------
    .. [1] B. H. Jansen, V. G. Rit (1995). Electroencephalogram and visual
       evoked potential generation in a mathematical model of coupled cortical
       columns. Biol. Cybern. 73, 357-366. https://doi.org/10.1007/BF00199471
    .. [2] F. Grimbert, O. Faugeras (2006). Bifurcation analysis of Jansen's
       neural mass model. Neural Comput. 18, 3052-3068.

    Examples
    --------
    >>> import brainnet_cb as bn
    >>> jr = bn.JansenRit()
    >>> jr.sends, jr.receives, jr.eeg_source
    ('pyramidal_rate', 'p', {'y1': 1.0, 'y2': -1.0})
    """

    A: Parameter = 3.25
    B: Parameter = 22.0
    a: Parameter = 0.1
    b: Parameter = 0.05
    C: Parameter = 135.0
    e0: Parameter = 0.0025
    v0: Parameter = 6.0
    r_s: Parameter = 0.56
    p: Parameter = 0.22

    states: ClassVar[tuple] = ("y0", "y1", "y2", "y3", "y4", "y5")
    state_units: ClassVar[dict] = {
        "y0": "mV", "y1": "mV", "y2": "mV", "y3": "mV/ms", "y4": "mV/ms", "y5": "mV/ms",
    }
    long_names: ClassVar[dict] = {
        "y0": "PSP from pyramidal cells onto interneurons",
        "y1": "excitatory PSP onto pyramidal cells",
        "y2": "inhibitory PSP onto pyramidal cells",
        "y3": "rate of change of y0",
        "y4": "rate of change of y1",
        "y5": "rate of change of y2",
    }
    initial: ClassVar[dict] = {"y0": 0.0, "y1": 0.0, "y2": 0.0, "y3": 0.0, "y4": 0.0, "y5": 0.0}
    sends: ClassVar[str] = "pyramidal_rate"
    sent_units: ClassVar[str] = "1/ms"
    receives: ClassVar[str] = "p"
    input_ports: ClassVar[tuple] = ("p",)
    param_ranges: ClassVar[dict] = {
        "A": (0.0, math.inf),
        "B": (0.0, math.inf),
        "a": (1e-12, math.inf),
        "b": (1e-12, math.inf),
        "C": (0.0, math.inf),
        "e0": (0.0, math.inf),
        "r_s": (0.0, math.inf),
    }
    param_units: ClassVar[dict] = {
        "A": "mV", "B": "mV", "a": "1/ms", "b": "1/ms", "C": "1", "e0": "1/ms", "v0": "mV", "r_s": "1/mV", "p": "1/ms",
    }
    eeg_source: ClassVar[dict] = {"y1": 1.0, "y2": -1.0}

    def sigmoid(self, u: ArrayLike) -> jax.Array:
        r"""Potential to firing rate: :math:`S(u) = 2 e_0 / (1 + e^{r_s (v_0 - u)})` (1/ms)."""
        return 2.0 * self.e0 / (1.0 + jnp.exp(self.r_s * (self.v0 - u)))

    def sent(self, x: jax.Array) -> jax.Array:
        """The pyramidal firing rate :math:`S(y_1 - y_2)` (1/ms), sent along the edges."""
        return self.sigmoid(x[1] - x[2])

    def dfun(self, x: jax.Array, inputs: Inputs) -> jax.Array:
        """Vector field of ``x = [y0, ..., y5]`` (shape ``(6, n)``; mV/ms and mV/ms^2)."""
        y0, y1, y2, y3, y4, y5 = (x[i] for i in range(6))
        A, B, a, b, C = self.A, self.B, self.a, self.b, self.C
        dy3 = A * a * self.sigmoid(y1 - y2) - 2.0 * a * y3 - a * a * y0
        dy4 = A * a * (self.p + inputs.get("p", 0.0) + 0.8 * C * self.sigmoid(C * y0)) - 2.0 * a * y4 - a * a * y1
        dy5 = B * b * 0.25 * C * self.sigmoid(0.25 * C * y0) - 2.0 * b * y5 - b * b * y2
        return jnp.stack([y3, y4, y5, dy3, dy4, dy5])
