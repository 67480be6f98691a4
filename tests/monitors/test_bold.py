"""The Balloon–Windkessel BOLD monitor against the golden values of shared/reference."""

import dataclasses
import warnings

import brainunit as u
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import brainnet_cb as bn
from brainnet_cb import _engine
from brainnet_cb.monitors import ShortTRWarning
from brainnet_cb.monitors.hemodynamics import balloon_rk4_step, bold_signal, resolve_constants, rest_state

GOLDEN_KEY = {"classic": "friston2003", "revised_1.5T": "rbm_1p5T", "revised_3T": "rbm_3T_eps1"}


def _box_response(preset, dt_bold=1.0):
    """BOLD response to a 1-s unit box starting at t = 0, sampled every dt_bold (point)."""
    box = np.zeros((30_000, 1))
    box[:1000] = 1.0  # input over (0, 1] s at dt = 1 ms
    # a TR of dt_bold (1-5 ms, the impulse response point by point): given as a quantity, which never warns
    y = bn.bold_from_activity(box, tr=dt_bold * u.ms, dt=1.0, preset=preset, dt_bold=dt_bold, sampling="point")
    assert y.dtype == np.float64
    return y.time_bold.values / 1000.0, y.values[:, 0]


@pytest.mark.parametrize("preset", sorted(GOLDEN_KEY))
@pytest.mark.parametrize("dt_bold", [1.0, 5.0])
def test_box_response_matches_golden(golden, preset, dt_bold):
    ref = golden["bold_box1s_unit"][GOLDEN_KEY[preset]]
    t, y = _box_response(preset, dt_bold)
    i, j = np.argmax(y), np.argmin(y)
    np.testing.assert_allclose(t[i], ref["peak_t"], rtol=0.01)
    np.testing.assert_allclose(y[i], ref["peak"], rtol=0.01)
    np.testing.assert_allclose(t[j], ref["undershoot_t"], rtol=0.01)
    np.testing.assert_allclose(y[j], ref["undershoot"], rtol=0.01)
    if dt_bold == 1.0:  # far tighter than the 1 % acceptance: times to the sample, values 1e-5
        assert abs(t[i] - ref["peak_t"]) < 1.5e-3 and abs(t[j] - ref["undershoot_t"]) < 1.5e-3
        np.testing.assert_allclose([y[i], y[j]], [ref["peak"], ref["undershoot"]], rtol=1e-5)


@pytest.mark.parametrize("preset", sorted(GOLDEN_KEY))
def test_rest_is_an_exact_fixed_point(preset):
    c = resolve_constants(preset, {})
    x = jax.jit(lambda y: jax.lax.fori_loop(0, 2000, lambda i, y: balloon_rk4_step(y, jnp.zeros(3), 0.005, c), y))(
        rest_state(3, jnp.float64)
    )
    assert np.array_equal(np.asarray(x), np.asarray(rest_state(3, jnp.float64)))
    assert np.all(np.asarray(bold_signal(x, c)) == 0.0)
    y = bn.bold_from_activity(np.full((4000, 3), 0.7), tr=100.0, dt=1.0, preset=preset, baseline=0.7)
    assert np.all(y.values == 0.0)


def test_rest_in_scan_is_exact():
    conn = bn.Connectome(weights=[[0, 1], [1, 0]], lengths=[[0, 30], [30, 0]])
    ds = bn.simulate(bn.CoombesByrne(), conn, duration=1000.0, dt=0.1, coupling=bn.Linear(G=0.0),
                     monitors=[bn.Bold(tr=250.0, variable="coupling")])
    assert ds.bold.dtype == np.float64 and ds.sizes["time_bold"] == 4
    assert np.all(ds.bold.values == 0.0)


def _two_nodes():
    return bn.Connectome(weights=[[0, 1], [0.5, 0]], lengths=[[0, 30], [30, 0]])


def test_in_scan_equals_offline():
    bold = dict(tr=200.0, baseline="initial", scale=3.0, preset="revised_1.5T")
    ds = bn.simulate(bn.CoombesByrne(eta=[-1.0, 2.0]), _two_nodes(), duration=2000.0, dt=0.1,
                     coupling=bn.Linear(G=0.8), noise=bn.Additive(v=0.3), key=3,
                     monitors=[bn.Raw(variables=("r",)), bn.TemporalAverage(period=1.0, name="tavg"),
                               bn.Bold(**bold)])
    assert ds.bold.dtype == np.float64 and ds.bold.dims == ("time_bold", "region")
    assert ds.bold.attrs["units"] == "1"
    r0 = [0.1, 0.1]  # the initial state of r
    raw = bn.bold_from_activity(ds, variable="r", initial=r0, **bold)
    np.testing.assert_allclose(raw.values, ds.bold.values, rtol=1e-12, atol=1e-15)
    np.testing.assert_array_equal(raw.time_bold.values, ds.time_bold.values)
    assert list(raw.region.values) == list(ds.region.values)
    # from a 1-ms temporal average: the same sub-step means up to rounding
    tavg = bn.bold_from_activity(ds, variable="tavg_r", initial=r0, **bold)
    np.testing.assert_allclose(tavg.values, ds.bold.values, rtol=1e-10, atol=1e-14)
    assert np.abs(ds.bold.values).max() > 1e-4  # a real signal, not zeros


def test_window_mean_is_the_mean_of_substep_values():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(6000, 2))
    point = bn.bold_from_activity(x, tr=5.0 * u.ms, dt=1.0, dt_bold=5.0, sampling="point")
    mean = bn.bold_from_activity(x, tr=500.0, dt=1.0, dt_bold=5.0)
    np.testing.assert_allclose(mean.values, point.values.reshape(12, 100, 2).mean(axis=1), rtol=1e-12)
    assert "mean over the TR window" in mean.attrs["sampling"]


def test_discard_and_quantities():
    x = np.ones((10_000, 1))
    y = bn.bold_from_activity(x, tr=1 * u.second, dt=1.0, discard=3 * u.second)
    np.testing.assert_array_equal(y.time_bold.values, [4000.0, 5000, 6000, 7000, 8000, 9000, 10000])
    assert y.attrs["tr_ms"] == 1000.0


def test_constants_and_overrides():
    c = bn.Bold(preset="revised_3T").constants()
    assert c["k1"] == pytest.approx(4.3 * 80.6 * 0.4 * 0.03)
    assert c["k2"] == pytest.approx(108 * 0.4 * 0.03) and c["k3"] == 0.0
    c = bn.Bold(preset="classic", E0=0.5).constants()
    assert c["k1"] == pytest.approx(3.5) and c["k3"] == pytest.approx(0.8)
    c = bn.Bold(preset="revised_1.5T", eps=0.5, k1=2.0).constants()
    assert c["k1"] == 2.0 and c["k3"] == 0.5 and c["k2"] == pytest.approx(0.5 * 25 * 0.4 * 0.04)


def test_new_constant_values_reuse_the_compiled_program():
    conn = _two_nodes()
    kw = dict(duration=400.0, dt=0.1, monitors=None)
    bn.simulate(bn.CoombesByrne(), conn, **dict(kw, monitors=[bn.Bold(tr=200.0, tau=1.0)]))
    before = _engine.TRACE_COUNT["advance"]
    ds = bn.simulate(bn.CoombesByrne(), conn, **dict(kw, monitors=[bn.Bold(tr=200.0, tau=1.5)]))
    assert _engine.TRACE_COUNT["advance"] == before
    assert "tau" in ds.bold.attrs["constants"]


def test_default_bold_step_divides_the_tr():
    assert bn.Bold(tr=720.0).bind(0.1).substeps == 50  # 5 ms
    assert bn.Bold(tr=737.0).bind(0.1).substeps == 22  # 2.2 ms: largest divisor <= 5 ms
    assert bn.Bold(tr=1.0 * u.ms, dt_bold=0.5).bind(0.5).substeps == 1


@pytest.mark.parametrize(
    "kwargs,dt,match",
    [
        (dict(tr=725.05), 0.1, r"not a whole multiple of dt = 0.1 ms"),
        (dict(tr=720.0, dt_bold=7.0), 0.1, r"tr = 720 ms is not a whole multiple of the BOLD sampling step"),
        (dict(tr=720.0, dt_bold=0.25), 0.1, r"dt_bold = 0.25 ms is not a whole multiple of dt"),
    ],
)
def test_bad_sampling_steps_are_refused(kwargs, dt, match):
    with pytest.raises(bn.MonitorError, match=match):
        bn.Bold(**kwargs).bind(dt)


@pytest.mark.parametrize(
    "kwargs,match",
    [
        (dict(preset="4T"), r"unknown BOLD preset '4T'; choose one of"),
        (dict(tau=-1.0), r"tau .* must be > 0; got -1.0"),
        (dict(E0=1.2), r"E0 .* must be in \(0, 1\)"),
        (dict(preset="classic", theta0=40.0), r"'classic' BOLD preset has no \['theta0'\]"),
        (dict(sampling="pick"), r"sampling must be one of"),
        (dict(baseline="mean"), r"baseline must be 'rest', a number"),
        (dict(tr=-5.0), r"tr must be a finite time > 0"),
        (dict(tr=1 * u.mV), r"dimension of ms"),
    ],
)
def test_bad_bold_arguments_are_refused(kwargs, match):
    with pytest.raises(bn.MonitorError, match=match):
        bn.Bold(**kwargs)


def test_region_mismatch_and_unknown_source():
    conn = _two_nodes()
    with pytest.raises(bn.MonitorError, match=r"baseline must be a scalar or have shape \(2,\).*got shape \(3,\)"):
        bn.simulate(bn.CoombesByrne(), conn, duration=10.0, monitors=[bn.Bold(tr=10.0 * u.ms, baseline=np.zeros(3))])
    with pytest.raises(bn.MonitorError, match=r"cannot use the source 'q'.*choose one of"):
        bn.simulate(bn.CoombesByrne(), conn, duration=10.0, monitors=[bn.Bold(tr=10.0 * u.ms, variable="q")])


def test_a_plain_tr_under_100_ms_warns_that_tr_is_in_ms_once_where_it_is_written():
    message = (r"^Bold tr = 0\.72 ms is shorter than any scanner's TR: tr is in ms\. If 0\.72 is in seconds, write "
               r"tr=720 or tr=0\.72 \* u\.second \(brainunit\)\.$")
    with pytest.warns(bn.ShortTRWarning, match=message) as record:
        bold = bn.Bold(tr=0.72)
    assert len(record) == 1 and record[0].filename == __file__  # points at the line that wrote it
    assert issubclass(bn.ShortTRWarning, UserWarning) and ShortTRWarning is bn.ShortTRWarning
    conn = _two_nodes()
    with pytest.warns(bn.ShortTRWarning) as record:  # dt divides it: the run goes through, warned once
        ds = bn.simulate(bn.CoombesByrne(), conn, duration=1.44, dt=0.04, monitors=[bn.Bold(tr=0.72)])
    assert len(record) == 1 and ds.sizes["time_bold"] == 2
    with pytest.warns(bn.ShortTRWarning, match=r"^Bold tr = 50 ms .* write tr=50000 or tr=50 \* u\.second"):
        bn.bold_from_activity(np.ones((100, 1)), tr=50.0, dt=1.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for tr in (720.0, 100.0, 0.72 * u.second, 50.0 * u.ms):  # ms from 100 on, and quantities, never warn
            bn.Bold(tr=tr)
        dataclasses.replace(bold, discard=0.0)  # copies of a Bold already made do not warn again
        jax.tree_util.tree_map(lambda leaf: leaf, bold)
        bold.bind(0.04)
