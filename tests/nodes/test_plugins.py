"""The model registry: built-in models by name, third-party models by entry point."""

import dataclasses
import pathlib
from importlib.metadata import entry_points
from typing import ClassVar

import jax
import jax.numpy as jnp
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
    with pytest.raises(bn.ModelError, match=r"^unknown node model 'Hopfield'; known models are \['CoombesByrne', "
                                            r"'CoombesByrne4D', 'JansenRit', 'MontbrioPazoRoxin'\]\. Third-party "
                                            r"models are found through the entry-point group 'brainnet_cb\.nodes': "
                                            r"install the package that provides it \(pip install \.\.\.\); a model "
                                            r"of your own is registered with bn\.register_model\(cls\)\.$"):
        bn.get_model("Hopfield")
    with pytest.raises(bn.ModelError, match=r"^a model name must be a string such as 'CoombesByrne'; got <class "
                                            r"'brainnet_cb\.nodes\.coombes_byrne\.CoombesByrne'>\.$"):
        bn.get_model(bn.CoombesByrne)


_PLUGIN_DIR = pathlib.Path(__file__).resolve().parents[1] / "plugin_pkg"


@pytest.fixture
def toy_plugin(tmp_path, monkeypatch):
    """tests/plugin_pkg made visible to importlib.metadata without pip.

    Unless it is pip-installed already, a ``.dist-info`` folder with the
    package's ``entry_points.txt`` (the file pip would write from its
    pyproject.toml) goes on ``sys.path`` beside the package itself, so the
    registry finds it through the real entry-point machinery.
    """
    if not any(ep.name == "ToyLeakyRate" for ep in entry_points(group="brainnet_cb.nodes")):
        info = tmp_path / "brainnet_cb_toy-0.1.0.dist-info"
        info.mkdir()
        (info / "METADATA").write_text("Metadata-Version: 2.1\nName: brainnet-cb-toy\nVersion: 0.1.0\n")
        (info / "entry_points.txt").write_text("[brainnet_cb.nodes]\nToyLeakyRate = brainnet_cb_toy:LeakyRate\n")
        monkeypatch.syspath_prepend(str(_PLUGIN_DIR))
        monkeypatch.syspath_prepend(str(tmp_path))
    assert any(ep.name == "ToyLeakyRate" for ep in entry_points(group="brainnet_cb.nodes"))


def test_entry_point_plugin_is_found_by_name_and_runs_a_network(toy_plugin):
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
    with pytest.raises(bn.ModelError, match=r"^the node model 'Missing' registered by entry point 'nowhere:Model' "
                                            r"could not be loaded: ImportError: No module named 'nowhere'\. "
                                            r"Reinstall or fix the package that provides it\.$"):
        bn.get_model("Missing")
    with pytest.raises(bn.ModelError, match=r"gives 3.14, which is not a brainnet_cb.NodeModel subclass"):
        bn.get_model("NotAModel")
    assert bn.list_models()["NotAModel"] == "math:pi"


def test_inconsistent_declarations_are_refused_before_the_run():
    """A class made with the plain pytree decorator is still checked before the run."""

    @bn.plugins.pytree_dataclass
    class SendsNothing(bn.MontbrioPazoRoxin):
        sends: ClassVar[str] = "rate"

    conn = bn.Connectome(np.zeros((2, 2)), np.zeros((2, 2)))
    with pytest.raises(bn.ModelError, match=r"^SendsNothing\.sends is 'rate', which is not one of its states \('r', "
                                            r"'v'\); name a state variable, or override sent\(x\) to send a derived "
                                            r"quantity\.$"):
        bn.simulate(SendsNothing(), conn, duration=1.0)


# --- the public plug-in contract (brainnet_cb.plugins) ---


def _leaky_namespace():
    return dict(
        __annotations__={"tau": float, "I": float},
        tau=10.0,
        I=1.0,
        states=("x",),
        initial={"x": 0.0},
        sends="x",
        receives="x",
        input_ports=("x",),
        dfun=lambda self, x, inputs: (-x + self.I + inputs.get("x", 0.0)) / self.tau,
    )


def test_node_model_makes_a_frozen_pytree_dataclass_that_runs():
    @bn.node_model
    class Leaky(bn.NodeModel):
        tau: float = 10.0
        I: float = 1.0
        states: ClassVar[tuple] = ("x",)
        initial: ClassVar[dict] = {"x": 0.0}
        sends: ClassVar[str] = "x"
        receives: ClassVar[str] = "x"
        input_ports: ClassVar[tuple] = ("x",)

        def dfun(self, x, inputs):
            return (-x + self.I + inputs.get("x", 0.0)) / self.tau

    m = Leaky(tau=5.0)
    assert dataclasses.is_dataclass(m) and m.parameters == {"tau": 5.0, "I": 1.0}
    with pytest.raises(dataclasses.FrozenInstanceError):
        m.tau = 1.0
    leaves, tree = jax.tree_util.tree_flatten(m)
    assert leaves == [5.0, 1.0] and jax.tree_util.tree_unflatten(tree, leaves) == m
    ds = bn.simulate(m, bn.Connectome(np.zeros((2, 2)), np.zeros((2, 2))), duration=200.0, dt=0.1,
                     monitors=[bn.TemporalAverage(10.0)], method="rk4")
    np.testing.assert_allclose(ds.x.values[-1], 1.0 - np.exp(-200.0 / 5.0), rtol=1e-9)
    assert "Leaky" not in bn.list_models()  # not registered unless asked


def test_a_subclass_never_gets_the_program_compiled_for_another_class():
    """Two classes with the same fields have different tree structures, so jit never mixes their programs.

    ``jax.tree_util.register_dataclass`` (JAX 0.10) compares structures without
    their types: then a call with one class hit the program compiled for
    another in 7 to 11 of the 60 calls of this loop.
    """
    @bn.node_model
    class Declared(bn.CoombesByrne):
        eeg_source: ClassVar[dict] = {"r": 2.0, "v": -1.0}

    parent, child = jax.tree_util.tree_structure(bn.CoombesByrne()), jax.tree_util.tree_structure(Declared())
    assert parent != child and parent.num_leaves == child.num_leaves == 4
    assert [jax.tree_util.keystr(p) for p, _ in jax.tree_util.tree_flatten_with_path(Declared())[0]] == [
        ".Delta", ".eta", ".k", ".v_syn"]
    structure = jax.tree_util.tree_structure
    couplings = [structure(c(1.0)) for c in (bn.Linear, bn.Diffusive, bn.Conductance)]
    assert all(a != b for k, a in enumerate(couplings) for b in couplings[k + 1:])
    assert structure(bn.CoombesByrne()) != structure(bn.MontbrioPazoRoxin())
    assert structure(bn.SubSample(1.0)) != structure(bn.TemporalAverage(1.0))  # equal static fields

    @jax.jit
    def scaled(model):
        return model.k * type(model).factor

    wrong = []
    for k in range(60):
        @bn.node_model
        class Scaled(bn.CoombesByrne):
            factor: ClassVar[float] = float(k)

        if float(scaled(Scaled(k=1.0))) != k:
            wrong.append(k)
    assert wrong == []
    assert scaled._cache_size() == 60


def test_node_model_checks_the_class_when_it_is_defined():
    with pytest.raises(bn.ModelError, match=r"^@node_model decorates a subclass of brainnet_cb\.NodeModel; got "
                                            r"<class "
                                            r"'test_plugins\.test_node_model_checks_the_class_when_it_is_defined\.<locals>\.Plain'>\. "
                                            r"Write `class MyClass\(bn\.NodeModel\): \.\.\.` under the decorator\.$"):
        @bn.node_model
        class Plain:
            pass
    with pytest.raises(bn.ModelError, match=r"^NoField does not define \['dfun'\]; a NodeModel needs the pure "
                                            r"methods \['dfun'\]\.$"):
        @bn.node_model
        class NoField(bn.NodeModel):
            states: ClassVar[tuple] = ("x",)
    with pytest.raises(bn.ModelError, match=r"Deaf.receives is 'x', which is not one of its input ports \(\); "
                                            r"add it to input_ports"):
        bn.node_model(type("Deaf", (bn.NodeModel,), dict(_leaky_namespace(), input_ports=())))


def test_register_model_by_decorator_and_function():
    Leaky = bn.node_model(register=True)(type("Leaky", (bn.NodeModel,), _leaky_namespace()))
    try:
        assert bn.get_model("Leaky") is Leaky
        assert bn.list_models()["Leaky"] == f"{Leaky.__module__}:Leaky"
        # the same class again (a notebook cell re-run) replaces it; another class is refused
        again = bn.node_model(type("Leaky", (bn.NodeModel,), _leaky_namespace()))
        assert bn.register_model(again) is again and bn.get_model("Leaky") is again
        other = bn.node_model(type("Other", (bn.NodeModel,), _leaky_namespace()))
        with pytest.raises(bn.ModelError, match=r"^the model name 'Leaky' is already registered to "
                                                r"test_plugins:Leaky; call bn\.unregister_model\('Leaky'\) first, "
                                                r"or register Other under another name\.$"):
            bn.register_model(other, "Leaky")
        bn.register_model(other, "Leaky2")
        assert bn.get_model("Leaky2") is other
        with pytest.raises(bn.ModelError, match=r"'CoombesByrne' is the name of a built-in model"):
            bn.register_model(other, "CoombesByrne")
        with pytest.raises(bn.ModelError, match="not a dataclass; decorate it with @bn.node_model"):
            bn.register_model(type("Raw", (bn.NodeModel,), {}))
        with pytest.raises(bn.ModelError, match="register_model takes a brainnet_cb.NodeModel subclass"):
            bn.register_model(bn.Linear)
    finally:
        bn.unregister_model("Leaky")
        bn.unregister_model("Leaky2")
    assert "Leaky" not in bn.list_models()
    with pytest.raises(bn.ModelError, match=r"no model is registered as 'Leaky' in this session"):
        bn.unregister_model("Leaky")


def test_plugin_coupling_and_monitor():
    @bn.plugins.coupling
    class Tanh(bn.Coupling):
        """c_i = G tanh(S_i)."""

        G: float = 1.0

        def post(self, S, local, strength):
            return self.G * jnp.tanh(S)

    @bn.plugins.monitor
    class Peak(bn.Monitor):
        """The maximum of the observables over each period."""

        period: float = bn.plugins.static_field(default=1.0)
        variables: tuple = bn.plugins.static_field(default=None)
        name: str = bn.plugins.static_field(default="peak")

        def init(self, obs, model):
            return jnp.full_like(self._select(obs, model), -jnp.inf)

        def update(self, state, obs, model):
            return jnp.maximum(state, self._select(obs, model))

        def emit(self, state, obs, model, steps):
            return jnp.full_like(state, -jnp.inf), state

    w = np.array([[0.0, 1.0], [1.0, 0.0]])
    conn = bn.Connectome(w, 10.0 * w)
    ds = bn.simulate(bn.CoombesByrne(), conn, duration=20.0, dt=0.1, coupling=Tanh(G=0.5),
                     monitors=[bn.Raw(name="raw"), Peak(period=1.0)])
    raw = ds.raw_r.values.reshape(20, 10, 2)
    np.testing.assert_array_equal(ds.peak_r.values, raw.max(axis=1))
    ref = bn.simulate(bn.CoombesByrne(), conn, duration=20.0, dt=0.1, coupling=bn.Linear(G=0.5),
                      monitors=[bn.Raw(name="raw")])
    assert not np.array_equal(ref.raw_r.values, ds.raw_r.values)  # the tanh is used
    with pytest.raises(bn.CouplingError, match=r"^NoPost does not define \['post'\]; a Coupling needs the pure "
                                               r"methods \['post'\]\.$"):
        bn.plugins.coupling(type("NoPost", (bn.Coupling,), {}))
    with pytest.raises(bn.MonitorError, match=r"^Half does not define \['update', 'emit'\]; a Monitor needs the "
                                              r"pure methods \['init', 'update', 'emit'\]\.$"):
        bn.plugins.monitor(type("Half", (bn.Monitor,), {"init": lambda self, obs, model: ()}))
    with pytest.raises(bn.MonitorError, match=r"@monitor decorates a subclass of brainnet_cb.Monitor"):
        bn.plugins.monitor(Tanh)
