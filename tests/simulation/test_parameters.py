"""The parameter book: one table of names, kinds, bounds, checks and substitution; plug-in parameters included."""

import math
from typing import ClassVar

import jax
import numpy as np
import pytest

import brainnet_cb as bn
from brainnet_cb.fitting.fit import fit_bounds
from brainnet_cb.simulation import differentiable as _differentiable
from brainnet_cb.simulation.parameters import BATCH, GRID, ParameterBook
from brainnet_cb.simulation.spec import Simulation


@bn.node_model
class LeakyGain(bn.NodeModel):
    r"""A plug-in-like model defined here: :math:`\tau \dot x = -a x + I + c`, time in ms."""

    tau: float = 10.0
    a: float = 1.0
    I: float = 0.5

    states: ClassVar[tuple] = ("x",)
    state_units: ClassVar[dict] = {"x": "1"}
    initial: ClassVar[dict] = {"x": 0.0}
    sends: ClassVar[str] = "x"
    receives: ClassVar[str] = "x"
    input_ports: ClassVar[tuple] = ("x",)
    param_ranges: ClassVar[dict] = {"tau": (1e-12, math.inf), "a": (0.5, math.inf)}

    def dfun(self, x, inputs):
        return (-self.a * x + self.I + inputs.get("x", 0.0)) / self.tau


W = np.array([[0, 1, 0, 0.5], [1, 0, 1, 0], [0, 1, 0, 1], [0.5, 0, 1, 0]], float)
CONN = bn.Connectome(W, 20.0 * W, name="ring4")
RUN = dict(duration=1000.0, dt=0.1, noise=bn.Additive(x=0.05), monitors=[bn.TemporalAverage(5.0)],
           coupling=bn.Linear(G=0.3))


def test_kinds_locations_and_bounds():
    book = ParameterBook(bn.CoombesByrne(), bn.Linear())
    rows = {n: book.lookup(n) for n in ("G", "eta", "Delta", "noise_v", "speed", "seed")}
    assert {n: p.kind for n, p in rows.items()} == {"G": "coupling", "eta": "model", "Delta": "model",
                                                     "noise_v": "noise", "speed": "speed", "seed": "seed"}
    assert [rows[n].location for n in ("G", "eta", "noise_v", "speed", "seed")] == \
        ["coupling.G", "model.eta", "noise.v", "speed", "key"]
    assert rows["G"].bounds == (0.0, math.inf) and rows["eta"].bounds == (-math.inf, math.inf)
    assert rows["Delta"].bounds == (0.0, math.inf)  # CoombesByrne.param_ranges
    assert rows["noise_v"].bounds == (0.0, math.inf) and rows["noise_v"].field == "v"
    assert not rows["speed"].inside(0.0) and rows["speed"].inside(0.1) and rows["noise_v"].inside(0.0)
    assert [n for n, p in rows.items() if not p.differentiable] == ["speed", "seed"]
    assert [n for n, p in rows.items() if not p.per_region] == ["speed", "seed"]
    assert set(book.names) == {"Delta", "eta", "k", "v_syn", "G", "speed", "seed", "noise_r", "noise_v"}
    plug = ParameterBook(LeakyGain())
    assert plug.lookup("a").bounds == (0.5, math.inf) and plug.lookup("I").kind == "model"
    assert plug.names[-1] == "noise_x"


@pytest.mark.parametrize("name,error,message", [
    ("J", bn.SweepError, r"unknown parameter 'J' in grid; choose from the parameters of CoombesByrne"),
    ("noise_w", bn.SweepError, r"with a state of \['r', 'v'\] \(e.g. 'noise_v'\)"),
])
def test_unknown_names_list_the_valid_ones(name, error, message):
    with pytest.raises(error, match=message):
        ParameterBook(bn.CoombesByrne()).lookup(name)
    with pytest.raises(bn.SimulationError, match=rf"cannot batch over '{name}'; choose parameters of CoombesByrne"):
        ParameterBook(bn.CoombesByrne()).lookup(name, bn.SimulationError, BATCH.unknown)


def test_a_name_of_both_the_model_and_the_coupling_is_refused():
    @bn.node_model
    class WithG(LeakyGain):
        G: float = 1.0

    with pytest.raises(bn.SweepError, match=r"^'G' names both a model and a coupling parameter \(model\.G and "
                                            r"coupling\.G\); rename one of them\.$"):
        ParameterBook(WithG()).lookup("G")


def test_scalar_and_per_region_values_are_checked():
    book = ParameterBook(bn.CoombesByrne())
    eta = book.lookup("eta")
    assert book.rows(eta, [1.0, 2.0], 4, np.float64).shape == (2,)
    assert book.rows(eta, np.ones((3, 4)), 4, np.float64).shape == (3, 4)
    with pytest.raises(bn.SweepError, match=r"^grid\['eta'\] must have shape \(k,\) \(k values\) or \(k, 4\) \(k "
                                            r"rows of one value per region\), k >= 1; got shape \(3, 5\)\.$"):
        book.rows(eta, np.ones((3, 5)), 4, np.float64, GRID)
    with pytest.raises(bn.SimulationError, match=r"batch\['speed'\] must have shape \(B,\) \(one value for each run\)"):
        book.rows(book.lookup("speed"), np.ones((2, 4)), 4, np.float64, BATCH)
    with pytest.raises(bn.ModelError, match=r"CoombesByrne.Delta must lie in \[0.0, inf\]"):
        book.rows(book.lookup("Delta"), [1.0, -1.0], 4, np.float64)
    with pytest.raises(bn.SimulationError, match=r"^batch\['seed'\] must be integers \(one random key per run\); "
                                                 r"got \[0\.5\]\.$"):
        book.rows(book.lookup("seed"), [0.5], 4, np.float64, BATCH)
    assert book.point(eta, np.arange(4.0), 4, bn.FitError, "init['eta']").shape == (4,)
    with pytest.raises(bn.FitError, match=r"init\['eta'\] must be a scalar \(one global value\) or have shape \(4,\)"):
        book.point(eta, np.ones(3), 4, bn.FitError, "init['eta']")


def test_apply_is_an_out_of_place_edit_of_a_spec():
    spec = Simulation(bn.CoombesByrne(), CONN, duration=10.0, noise=bn.Additive(r=0.01))
    book = ParameterBook.of(spec)
    new = book.apply(spec, {"G": 0.7, "eta": np.arange(4.0), "noise_v": 0.2, "speed": 5.0, "seed": 4})
    assert new.coupling == bn.Linear(G=0.7) and new.speed == 5.0 and new.key == 4
    np.testing.assert_array_equal(new.model.eta, np.arange(4.0))
    assert new.noise.sigma == {"r": 0.01, "v": 0.2} and spec.noise.sigma == {"r": 0.01}
    assert spec.coupling == bn.Linear() and book.apply(spec, {}) is spec


def test_fit_bounds_come_from_the_book():
    book = ParameterBook(LeakyGain())
    params = {"a": book.lookup("a"), "G": book.lookup("G"), "I": book.lookup("I")}
    values = {"a": np.asarray(1.0), "G": np.asarray(0.5), "I": np.asarray(-1.0)}
    assert fit_bounds(None, values, params) == {"a": (0.5, math.inf), "G": (0.0, math.inf), "I": (-math.inf, math.inf)}
    assert fit_bounds({"I": (-2, None)}, values, params)["I"] == (-2.0, math.inf)
    assert fit_bounds({"G": (None, 2)}, values, params)["G"] == (0.0, 2.0)  # None: the domain's own end
    assert fit_bounds({"a": (0.5, 3)}, values, params)["a"] == (0.5, 3.0)  # the domain's end itself is inside
    with pytest.raises(bn.FitError, match=r"^bounds\['a'\] = \(0\.1, 3\) reach outside the domain of 'a' "
                                          r"\(model\.a\), \[0\.5, inf\), .* bounds=\{'a': \(0\.5, 3\.0\)\}"):
        fit_bounds({"a": (0.1, 3)}, values, params)
    with pytest.raises(bn.FitError, match=r"^init\['a'\] = 0\.4 lies outside bounds \(0\.5, inf\)\.$"):
        fit_bounds(None, dict(values, a=np.asarray(0.4)), params)


def test_a_plug_in_parameter_is_batchable_and_sweepable():
    batch = {"a": [0.8, 1.0, 1.5], "I": np.stack([np.full(4, 0.5), np.linspace(0, 1, 4), np.ones(4)])}
    ones = [bn.simulate(LeakyGain(a=batch["a"][b], I=batch["I"][b]), CONN, **RUN).x.values for b in range(3)]
    for vectorize in (True, False):  # the vmapped program and the members one by one
        ds = bn.simulate_batch(LeakyGain(), CONN, batch=batch, vectorize=vectorize, **RUN)
        assert ds.a.dims == ("batch",) and ds.I.dims == ("batch", "region")
        assert ds.attrs["model_parameters"] == '{"tau": 10.0, "a": "batch", "I": "batch"}'
        for b, one in enumerate(ones):
            if vectorize:  # equal to rounding: XLA contracts the division by tau differently in vmapped code
                np.testing.assert_allclose(ds.x.values[b], one, rtol=1e-13, atol=0)
            else:  # one by one: the single-run engine itself
                np.testing.assert_array_equal(ds.x.values[b], one)
    with pytest.raises(bn.ModelError, match=r"^LeakyGain\.a must lie in \[0\.5, inf\]; got np\.float64\(0\.1\)\.$"):
        bn.simulate_batch(LeakyGain(), CONN, batch={"a": [1.0, 0.1]}, **RUN)
    res = bn.sweep(LeakyGain(), CONN, {"a": [0.8, 1.5], "G": [0.1, 0.3]}, signal="x", band=None, keep=("x",),
                   progress=False, **RUN)
    assert res.raw_x.dims == ("a", "G", "time", "region")
    np.testing.assert_allclose(res.raw_x.sel(a=1.5, G=0.3).values,
                               bn.simulate(LeakyGain(a=1.5), CONN, **RUN).x.values, rtol=1e-13, atol=0)


def test_a_plug_in_parameter_is_fittable_by_gradient():
    spec = Simulation(LeakyGain(a=1.0), CONN, **RUN)
    target = bn.fc(spec.run().x, discard=0.1)
    fit = dict(signal="x", band=None, discard=0.1)
    run = spec.prepare()
    sim, _ = _differentiable.build(run, ["a", "I"], "x")
    x, bad = jax.jit(sim)({"a": 1.5, "I": np.linspace(0, 1, 4)})
    one = bn.simulate(LeakyGain(a=1.5, I=np.linspace(0, 1, 4)), CONN, **RUN)
    np.testing.assert_array_equal(np.asarray(x), one.x.values)  # traced substitution = host substitution
    res = bn.fit_gradient(spec.replace(model=LeakyGain(a=2.0)), target, init={"a": 2.0}, steps=6,
                          learning_rate=0.2, progress=False, **fit)
    assert res.a.dims == () and res.loss.values[-1] < res.loss.values[0]
    assert res.attrs["fitted"] == '["a"]' and "best model parameter a" in res.a.attrs["long_name"]
    with pytest.raises(bn.FitError, match=r"^init\['a'\] = 0\.2 lies outside bounds \(0\.5, inf\)\.$"):
        bn.fit_gradient(spec, target, init={"a": 0.2}, steps=1, progress=False, **fit)
