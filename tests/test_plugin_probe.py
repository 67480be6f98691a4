"""Plug-in couplings and monitors written as a user would: the documented contract holds.

A coupling ``post(S, local, strength)`` is checked against a NumPy reference of
``c_i = post(sum_j W[i, j] r_j(t - tau_ij), r_i(t), sum_j W[i, j])``; static
fields of a coupling work as documented; methods that cannot take the engine's
arguments and monitor fields that must be static are refused when the class
is defined, with the project's errors; a monitor whose ``emit`` sample or
carried state does not fit the engine is refused before anything is compiled.
"""

import jax.numpy as jnp
import numpy as np
import pytest

import brainnet_cb as bn

W = np.array([[0.0, 1.0, 0.5], [0.3, 0.0, 2.0], [1.0, 0.7, 0.0]])  # W[target, source]
L = np.array([[0.0, 1.0, 2.0], [1.0, 0.0, 0.5], [2.0, 0.5, 0.0]])  # mm; at 1 mm/ms and dt 0.1: lags 5..20 steps
CONN = bn.Connectome(W, L)


@bn.plugins.coupling
class SigmoidDiffusive(bn.Coupling):
    """c_i = G tanh(a (S_i - s_i r_i)) / a: a saturating diffusive coupling."""

    G: float = 1.0
    a: float = 2.0

    def post(self, S, local, strength):
        return self.G * jnp.tanh(self.a * (S - strength * local)) / self.a


@bn.plugins.coupling
class Shaped(bn.Coupling):
    """c_i = G tanh(S_i) or G S_i, chosen by a static field (part of the compile key)."""

    G: float = 1.0
    shape: str = bn.plugins.static_field(default="tanh")

    def post(self, S, local, strength):
        return self.G * (jnp.tanh(S) if self.shape == "tanh" else S)


def test_plugin_coupling_equals_a_numpy_reference_with_delays():
    dt, speed, G, a = 0.1, 1.0, np.array([0.4, 0.8, 1.2]), 1.5
    ds = bn.simulate(bn.CoombesByrne(), CONN, duration=10.0, dt=dt, speed=speed, normalize="none",
                     coupling=SigmoidDiffusive(G=G, a=a), dtype="float64",
                     monitors=[bn.Raw(variables=("r", "coupling"))])
    r0 = np.asarray(bn.CoombesByrne().initial_state(3, "float64"))[0]
    hist = np.vstack([r0, ds.r.values])  # row k: r at t = k dt (a constant history before t = 0)
    lag = np.rint(L / speed / dt).astype(int)
    assert sorted(set(lag[W != 0])) == [5, 10, 20]
    strength = W.sum(axis=1)
    ref = np.empty_like(ds.coupling.values)
    for k in range(ref.shape[0]):  # sample k is stamped t = (k + 1) dt
        S = np.array([sum(W[i, j] * hist[max(k + 1 - lag[i, j], 0), j] for j in range(3)) for i in range(3)])
        ref[k] = G * np.tanh(a * (S - strength * hist[k + 1])) / a
    # the same sums in another order: float64 rounding only
    np.testing.assert_allclose(ds.coupling.values, ref, rtol=0, atol=1e-14)


def test_a_static_field_of_a_plugin_coupling_is_kept_and_chooses_the_program():
    kw = dict(duration=5.0, dt=0.1, noise=bn.Additive(v=0.05), key=2, monitors=[bn.Raw()])
    tanh = bn.simulate(bn.CoombesByrne(), CONN, coupling=Shaped(G=0.5), **kw)
    linear = bn.simulate(bn.CoombesByrne(), CONN, coupling=Shaped(G=0.5, shape="linear"), **kw)
    builtin = bn.simulate(bn.CoombesByrne(), CONN, coupling=bn.Linear(G=0.5), **kw)
    np.testing.assert_array_equal(linear.r.values, builtin.r.values)  # shape="linear" is Linear, bit for bit
    assert not np.array_equal(tanh.r.values, linear.r.values)
    assert tanh.attrs["coupling"] == "Shaped(G=0.5, shape=tanh)"
    batch = bn.simulate_batch(bn.CoombesByrne(), CONN, batch={"G": [0.5, 0.2]}, coupling=Shaped(), **kw)
    np.testing.assert_array_equal(batch.r.isel(batch=0).values, tanh.r.values)
    with pytest.raises(bn.CouplingError, match=r"^Shaped\.G must be finite; got nan\.$"):
        bn.simulate(bn.CoombesByrne(), CONN, coupling=Shaped(G=np.nan), **kw)


def test_plugin_methods_that_cannot_take_the_engines_arguments_are_refused_at_definition():
    with pytest.raises(bn.CouplingError, match=r"OneArg.post\(self, S\) cannot take the arguments the engine "
                                               r"passes it; define it as `def post\(self, S, local, strength\):`"):
        @bn.plugins.coupling
        class OneArg(bn.Coupling):
            def post(self, S):
                return S
    with pytest.raises(bn.MonitorError, match=r"NoModel.init\(self, obs\) cannot take .*"
                                              r"`def init\(self, obs, model\):`"):
        @bn.plugins.monitor
        class NoModel(bn.Monitor):
            def init(self, obs):
                return ()

            def update(self, state, obs, model):
                return state

            def emit(self, state, obs, model, steps):
                return state, self._select(obs, model)

    @bn.plugins.coupling
    class Flexible(bn.Coupling):  # *args and an extra keyword with a default are fine
        def post(self, S, *rest, scale=1.0):
            return scale * S

    assert Flexible().post(1.0, 2.0, 3.0) == 1.0


def test_monitor_period_variables_name_declared_as_plain_fields_are_refused():
    with pytest.raises(bn.MonitorError, match=r"Peak declares \['period', 'name'\] as plain fields; "
                                              r".*period = bn.plugins.static_field\(default=1.0\); "
                                              r"name = bn.plugins.static_field\(default='peak'\)"):
        @bn.plugins.monitor
        class Peak(bn.Monitor):
            period: float = 1.0
            variables: tuple = bn.plugins.static_field(default=None)
            name: str = "peak"

            def init(self, obs, model):
                return jnp.full_like(self._select(obs, model), -jnp.inf)

            def update(self, state, obs, model):
                return jnp.maximum(state, self._select(obs, model))

            def emit(self, state, obs, model, steps):
                return jnp.full_like(state, -jnp.inf), state


def test_port_name_annotated_as_a_field_is_refused_saying_classvar():
    with pytest.raises(bn.CouplingError, match=r"ToG annotates port_name as a field \(port_name: str\), so it would "
                                               r"be a parameter; .*write `port_name: ClassVar = 'g'`"):
        @bn.plugins.coupling
        class ToG(bn.Coupling):
            G: float = 1.0
            port_name: str = "g"

            def post(self, S, local, strength):
                return self.G * S


@bn.plugins.coupling
class Odd(bn.Coupling):
    """c = G f(S, local), with f a static field (a careless post)."""

    G: float = 1.0
    f: object = bn.plugins.static_field(default=None)

    def post(self, S, local, strength):
        return self.G * self.f(S, local)


@pytest.mark.parametrize(("f", "message"), [
    (lambda S, local: S[:, None], r"it returns shape \(3, 3\), dtype float64"),  # would make the state a matrix
    (lambda S, local: jnp.stack([S, local]), r"it returns shape \(2, 3\), dtype float64"),
    (lambda S, local: S.astype(jnp.complex128), r"it returns shape \(3,\), dtype complex128"),
    (lambda S, local: S[:2], r"failed on arrays of shape \(3,\) \(one value per target region\): "
                             r"TypeError: mul got incompatible"),
])
def test_a_post_that_does_not_give_one_real_value_per_region_is_refused_before_the_run(f, message):
    with pytest.raises(bn.CouplingError, match=r"Odd.post\(S, local, strength\) .*" + message):
        bn.simulate(bn.CoombesByrne(), CONN, duration=1.0, dt=0.1, coupling=Odd(f=f))


def test_a_post_giving_one_value_for_all_regions_still_runs():
    @bn.plugins.coupling
    class MeanField(bn.Coupling):
        """Every region receives G times the mean of S (a scalar, broadcast by the engine)."""

        G: float = 1.0

        def post(self, S, local, strength):
            return self.G * S.mean()

    ds = bn.simulate(bn.CoombesByrne(), CONN, duration=1.0, dt=0.1, coupling=MeanField(G=0.5),
                     monitors=[bn.Raw(variables=("coupling",))])
    c = ds.coupling.values
    np.testing.assert_array_equal(c, np.repeat(c[:, :1], 3, axis=1))


@bn.plugins.monitor
class Peaks(bn.Monitor):
    """The maximum of the observables over each period, its sample made by ``f(state)`` (a careless emit)."""

    period: float = bn.plugins.static_field(default=1.0)
    variables: tuple = bn.plugins.static_field(default=None)
    name: str = bn.plugins.static_field(default="peak")
    f: object = bn.plugins.static_field(default=None)
    g: object = bn.plugins.static_field(default=None)  # what update makes of the new state

    def init(self, obs, model):
        return jnp.full_like(self._select(obs, model), -jnp.inf)

    def update(self, state, obs, model):
        new = jnp.maximum(state, self._select(obs, model))
        return new if self.g is None else self.g(new)

    def emit(self, state, obs, model, steps):
        return jnp.full_like(state, -jnp.inf), (state if self.f is None else self.f(state))


@pytest.mark.parametrize(("f", "g", "message"), [
    (lambda s: s.max(axis=0), None,  # one value per region: the run stored garbage past the first row
     r"^Peaks.emit\(state, obs, model, steps\) returns as its sample an array of shape \(3,\) and dtype float64; "
     r"expected shape \(2, 3\) \(one row per recorded observable \('r', 'v'\), one column per region\)\. "
     r"Return the sample in that shape \(e\.g\. jnp\.stack\(rows\), or x\[None, :\] for one row\), or, for "
     r"another layout, override sample_shape and to_dataarrays\.$"),
    (lambda s: s.T, None, r"^Peaks.emit\(.*\) returns as its sample an array of shape \(3, 2\) and dtype float64; "
                          r"expected shape \(2, 3\)"),
    (lambda s: (s[0], s[1]), None, r"^Peaks.emit\(.*\) returns as its sample tuple; expected shape \(2, 3\)"),
    (None, lambda s: s[0], r"^Peaks.update\(state, obs, model\) returns a state laid out as float64\[3\], but init "
                           r"made float64\[2, 3\]; the state is carried from one step to the next"),
    (None, lambda s: s @ jnp.ones(2), r"^Peaks.update\(state, obs, model\) failed on observables of shape \(3,\) "
                                      r"\(one value per region\): TypeError: dot_general requires contracting"),
])
def test_a_monitor_whose_methods_do_not_fit_the_engine_is_refused_before_compiling(monkeypatch, f, g, message):
    ok = bn.simulate(bn.CoombesByrne(), CONN, duration=2.0, dt=0.1, monitors=[Peaks(f=lambda s: s + 0.0), bn.Raw()])
    for x in ("r", "v"):  # the well-made monitor: the maximum over each 1-ms period (10 steps)
        np.testing.assert_array_equal(ok[f"peak_{x}"].values, ok[x].values.reshape(2, 10, 3).max(axis=1))
    from brainnet_cb.simulation import engine

    def compiled(*args, **kwargs):
        raise AssertionError("compiled before the monitor was checked")

    monkeypatch.setattr(engine, "initial_carry", compiled)  # the first compiled call of a run
    with pytest.raises(bn.MonitorError, match=message):
        bn.simulate(bn.CoombesByrne(), CONN, duration=2.0, dt=0.1, monitors=[Peaks(f=f, g=g)])


def test_a_monitor_with_its_own_sample_shape_runs():
    @bn.plugins.monitor
    class Mean(bn.Monitor):
        """The network mean of ``r`` at the end of each period: one value per sample."""

        period: float = bn.plugins.static_field(default=1.0)
        name: str = bn.plugins.static_field(default="mean")
        cols: int = bn.plugins.static_field(default=1)  # what sample_shape declares

        def init(self, obs, model):
            return ()

        def update(self, state, obs, model):
            return state

        def emit(self, state, obs, model, steps):
            return state, obs["r"].mean()[None, None]

        def sample_shape(self, model, n_regions):
            return (1, self.cols)

        def to_dataarrays(self, samples, times_ms, model, regions):
            import xarray as xr
            return {"mean_r": xr.DataArray(np.asarray(samples)[:, 0, 0], dims=("time_mean",))}

    ds = bn.simulate(bn.CoombesByrne(), CONN, duration=2.0, dt=0.1, monitors=[bn.Raw(name="raw"), Mean()])
    np.testing.assert_allclose(ds.mean_r.values, ds.raw_r.values[9::10].mean(axis=1), rtol=0, atol=1e-15)
    with pytest.raises(bn.MonitorError, match=r"^Mean.emit\(.*\) returns as its sample an array of shape \(1, 1\) "
                                              r"and dtype float64; expected shape \(1, 2\) \(Mean.sample_shape\)\. "):
        bn.simulate(bn.CoombesByrne(), CONN, duration=2.0, dt=0.1, monitors=[Mean(cols=2)])
