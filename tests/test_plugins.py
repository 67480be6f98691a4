"""The model registry: built-in models by name, third-party models by entry point."""

from importlib.metadata import entry_points

import numpy as np
import pytest

import brainnet_cb as bn
from brainnet_cb.nodes import registry


def test_builtin_models_by_name():
    assert bn.get_model("CoombesByrne") is bn.CoombesByrne
    assert bn.get_model("MontbrioPazoRoxin") is bn.MontbrioPazoRoxin
    assert bn.get_model("CoombesByrne4D") is bn.CoombesByrne4D
    assert bn.get_model("JansenRit") is bn.JansenRit
    assert {k: v for k, v in bn.list_models().items() if v == "builtin"} == dict.fromkeys(
        ["CoombesByrne", "CoombesByrne4D", "MontbrioPazoRoxin", "JansenRit"], "builtin")


def test_unknown_name_lists_the_known_models():
    with pytest.raises(bn.ModelError, match=r"unknown node model 'Hopfield'; known models are \[.*'CoombesByrne'.*"
                                            r"'JansenRit'.*\].*brainnet_cb\.nodes"):
        bn.get_model("Hopfield")
    with pytest.raises(bn.ModelError, match="must be a string"):
        bn.get_model(bn.CoombesByrne)


def _plugin_installed():
    return any(ep.name == "ToyLeakyRate" for ep in entry_points(group="brainnet_cb.nodes"))


@pytest.mark.skipif(not _plugin_installed(), reason="pip install ./tests/plugin_pkg (done by .ci/run)")
def test_entry_point_plugin_is_found_by_name_and_runs_a_network():
    """tests/plugin_pkg registers LeakyRate (tau x' = -x + I + c) as "ToyLeakyRate".
    A delayed network of it settles at the analytic fixed point x* = (1 - G W)^-1 I."""
    assert bn.list_models()["ToyLeakyRate"] == "brainnet_cb_toy:LeakyRate"
    cls = bn.get_model("ToyLeakyRate")
    assert issubclass(cls, bn.NodeModel) and cls.__module__ == "brainnet_cb_toy"
    w = np.array([[0.0, 1.0, 0.0], [0.5, 0.0, 1.0], [1.0, 0.0, 0.0]])
    conn = bn.Connectome(w, 20.0 * w)
    G, I = 0.4, np.array([1.0, 0.5, 2.0])
    ds = bn.simulate(cls(tau=5.0, I=I), conn, duration=400.0, dt=0.1, coupling=bn.Linear(G=G),
                     monitors=[bn.TemporalAverage(10.0)], method="rk4")
    expected = np.linalg.solve(np.eye(3) - G * w, I)  # w / max(w) = w: max weight is 1
    np.testing.assert_allclose(ds.x.values[-1], expected, atol=1e-9)
    assert ds.attrs["model"] == "LeakyRate"


def test_broken_entry_points_give_model_errors(monkeypatch):
    class EP:
        def __init__(self, name, value, obj=None, exc=None):
            self.name, self.value, self._obj, self._exc = name, value, obj, exc

        def load(self):
            if self._exc:
                raise self._exc
            return self._obj

    fake = {"Missing": EP("Missing", "nowhere:Model", exc=ImportError("No module named 'nowhere'")),
            "NotAModel": EP("NotAModel", "math:pi", obj=3.14)}
    monkeypatch.setattr(registry, "_plugin_entry_points", lambda: fake)
    with pytest.raises(bn.ModelError, match=r"'Missing' registered by entry point 'nowhere:Model' could not be "
                                            r"loaded: ImportError"):
        bn.get_model("Missing")
    with pytest.raises(bn.ModelError, match=r"gives 3.14, which is not a brainnet_cb.NodeModel subclass"):
        bn.get_model("NotAModel")
    assert bn.list_models()["NotAModel"] == "math:pi"


def test_inconsistent_declarations_are_refused_before_the_run():
    from typing import ClassVar

    from brainnet_cb._pytree import pytree_dataclass

    @pytree_dataclass
    class SendsNothing(bn.MontbrioPazoRoxin):
        sends: ClassVar[str] = "rate"

    conn = bn.Connectome(np.zeros((2, 2)), np.zeros((2, 2)))
    with pytest.raises(bn.ModelError, match=r"SendsNothing.sends is 'rate', which is not one of its states "
                                            r"\('r', 'v'\); name a state variable, or override sent\(x\)"):
        bn.simulate(SendsNothing(), conn, duration=1.0)
