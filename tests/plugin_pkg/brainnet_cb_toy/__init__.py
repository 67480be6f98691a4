"""A third-party node model for brainnet_cb's plug-in test (entry point "ToyLeakyRate")."""

from typing import ClassVar

from brainnet_cb import NodeModel, node_model

__all__ = ["LeakyRate"]


@node_model
class LeakyRate(NodeModel):
    r"""Leaky linear rate unit: :math:`\tau \dot x = -x + I + c`, time in ms.

    A network with ``Linear(G)`` coupling has the fixed point
    :math:`x^* = (1 - G W)^{-1} I` (stable while the spectral radius of
    :math:`G W` is below 1).
    """

    tau: float = 10.0
    I: float = 1.0

    states: ClassVar[tuple] = ("x",)
    state_units: ClassVar[dict] = {"x": "1"}
    long_names: ClassVar[dict] = {"x": "activity"}
    initial: ClassVar[dict] = {"x": 0.0}
    sends: ClassVar[str] = "x"
    receives: ClassVar[str] = "x"
    input_ports: ClassVar[tuple] = ("x",)
    param_ranges: ClassVar[dict] = {"tau": (1e-12, float("inf"))}

    def dfun(self, x, inputs):
        return (-x + self.I + inputs.get("x", 0.0)) / self.tau
