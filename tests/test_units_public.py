"""Physical units at the public boundary: a brainunit quantity gives the plain-number result (bit for bit where
the conversion is exact), and one of the wrong dimension is refused before compiling, naming the argument."""

import brainunit as u
import numpy as np
import pytest
from xarray import testing as xr_testing

import brainnet_cb as bn
from brainnet_cb.errors import MonitorError, NoiseError, SimulationError

PAIR = bn.Connectome(weights=[[0, 1], [1, 0]], lengths=[[0, 30], [30, 0]])
CB = bn.CoombesByrne()


def _run(noise, model=CB, **kw):
    return bn.simulate(model, PAIR, duration=kw.pop("duration", 5.0), dt=0.1, key=0, noise=noise,
                       monitors=[bn.Raw()], **kw)


def _no_compile(monkeypatch):
    """Make the first compiled call of a run (its initial carry) fail: a refusal must come before it."""
    from brainnet_cb.simulation import engine

    def refuse(*args, **kwargs):
        raise AssertionError("compiled before the refusal")

    monkeypatch.setattr(engine, "initial_carry", refuse)


# --- noise amplitudes: the state per sqrt(ms) -----------------------------------------------------------------------

def test_additive_amplitude_in_one_over_sqrt_ms_is_the_plain_number_bit_for_bit():
    plain = _run(bn.Additive(v=0.05))
    quantity = _run(bn.Additive(v=0.05 / u.ms**0.5))
    np.testing.assert_array_equal(quantity.v.values, plain.v.values)
    assert quantity.attrs["noise"] == plain.attrs["noise"] == "Additive(v=0.05)"
    assert float(np.abs(plain.v.values - _run(None).v.values).max()) > 1e-3  # the noise acts


def test_additive_amplitude_per_sqrt_second_is_divided_by_sqrt_1000():
    noise = bn.Additive(v=np.sqrt(1000.0) * 0.05 / u.second**0.5).resolved(CB)
    assert noise.sigma["v"] == pytest.approx(0.05, rel=1e-15)


def test_per_region_amplitudes_as_a_quantity_array():
    plain = _run(bn.Additive(v=[0.05, 0.1]))
    quantity = _run(bn.Additive(v=np.array([0.05, 0.1]) / u.ms**0.5))
    np.testing.assert_array_equal(quantity.v.values, plain.v.values)


def test_the_amplitude_unit_follows_the_unit_of_the_state():
    jr = bn.JansenRit()
    plain = _run(bn.Additive(y1=0.05), jr, duration=2.0)
    quantity = _run(bn.Additive(y1=50 * u.uvolt / u.ms**0.5), jr, duration=2.0)  # 50 uV/sqrt(ms) = 0.05 mV/sqrt(ms)
    np.testing.assert_allclose(quantity.y1.values, plain.y1.values, rtol=1e-13, atol=0)
    with pytest.raises(NoiseError, match=r"^noise amplitude y1 of Additive on JansenRit\.y1 must have the dimension "
                                         r"of mV/sqrt\(ms\); got 0\.05 1 / ms\^0\.5 \(unit 1 / ms\^0\.5\)\. Pass e\.g\. "
                                         r"Additive\(y1=0\.05 \* u\.mV / u\.ms\*\*0\.5\) or a plain number in "
                                         r"mV/sqrt\(ms\)\.$"):
        _run(bn.Additive(y1=0.05 / u.ms**0.5), jr)


def test_a_time_as_noise_amplitude_is_refused_before_compiling(monkeypatch):
    _no_compile(monkeypatch)
    with pytest.raises(NoiseError, match=r"^noise amplitude v of Additive on CoombesByrne\.v must have the dimension "
                                         r"of 1/sqrt\(ms\); got 0\.05 ms \(unit ms\)\. Pass e\.g\. "
                                         r"Additive\(v=0\.05 / u\.ms\*\*0\.5\) or a plain number in 1/sqrt\(ms\)\.$"):
        _run(bn.Additive(v=0.05 * u.ms))
    with pytest.raises(NoiseError, match=r"^noise amplitude r of Additive on CoombesByrne\.r must have the dimension "
                                         r"of \(1/ms\)/sqrt\(ms\); got 0\.05 ms \(unit ms\)\. Pass e\.g\. "
                                         r"Additive\(r=0\.05 / u\.ms / u\.ms\*\*0\.5\)"):
        _run(bn.Additive(r=0.05 * u.ms))


def test_ornstein_uhlenbeck_amplitude_is_the_state_per_ms_to_the_three_halves():
    plain = _run(bn.OrnsteinUhlenbeck(tau=5.0, v=0.05))
    quantity = _run(bn.OrnsteinUhlenbeck(tau=5 * u.ms, v=0.05 / u.ms**1.5))
    np.testing.assert_array_equal(quantity.v.values, plain.v.values)
    with pytest.raises(NoiseError, match=r"^noise amplitude v of OrnsteinUhlenbeck on CoombesByrne\.v must have the "
                                         r"dimension of 1/ms\^1\.5; got 0\.05 1 / ms\^0\.5"):
        _run(bn.OrnsteinUhlenbeck(tau=5.0, v=0.05 / u.ms**0.5))
    with pytest.raises(NoiseError, match=r"^OrnsteinUhlenbeck tau must be a quantity with the dimension of ms; got "
                                         r"5 mV\. Pass e\.g\. OrnsteinUhlenbeck\(tau=1\.0 \* u\.ms\)"):
        bn.OrnsteinUhlenbeck(tau=5 * u.mV, v=0.05)


def test_multiplicative_amplitude_is_per_sqrt_ms_whatever_the_state():
    plain = _run(bn.Multiplicative(r=0.1))
    quantity = _run(bn.Multiplicative(r=0.1 / u.ms**0.5))
    np.testing.assert_array_equal(quantity.r.values, plain.r.values)
    with pytest.raises(NoiseError, match=r"^noise amplitude r of Multiplicative on CoombesByrne\.r must have the "
                                         r"dimension of 1/sqrt\(ms\); got 0\.1 kHz \(unit kHz\)"):
        _run(bn.Multiplicative(r=0.1 / u.ms))


def test_a_negative_quantity_amplitude_is_refused_at_construction():
    with pytest.raises(NoiseError, match=r"^noise amplitude v=.*-0\.1.* must be finite and >= 0\.$"):
        bn.Additive(v=-0.1 / u.ms**0.5)


def test_the_linear_theory_takes_a_quantity_amplitude():
    model = bn.CoombesByrne(eta=-5.0)
    plain = np.asarray(bn.linear_covariance(model, PAIR, noise=bn.Additive(v=0.05)))
    per_s = np.asarray(bn.linear_covariance(model, PAIR, noise=bn.Additive(v=np.sqrt(1000.0) * 0.05 / u.second**0.5)))
    np.testing.assert_allclose(per_s, plain, rtol=1e-12, atol=0)
    assert np.abs(plain).max() > 0  # the covariance grows as sigma^2: a wrong factor would show
    fc = bn.linear_fc(model, PAIR, noise=bn.Additive(v=0.05 / u.ms**0.5))
    assert fc.attrs["noise"] == "Additive(v=0.05)"  # as a run shows it (was the quantity's repr)


# --- messages: the example is a call that runs -----------------------------------------------------------------------

@pytest.mark.parametrize("make, message", [
    (lambda: bn.Bold(tr=720 * u.mV), r"^Bold tr must be a quantity with the dimension of ms; got 720 mV\. Pass e\.g\. "
                                     r"Bold\(tr=0\.72 \* u\.second\) or a plain number in ms\.$"),
    (lambda: bn.simulate(CB, PAIR, duration=5.0, monitors=[
        bn.TemporalAverage(1 * u.mV)]), r"^TemporalAverage period must be a quantity with the dimension of ms; got "
                                        r"1 mV\. Pass e\.g\. TemporalAverage\(period=1\.0 \* u\.ms\) or a plain "
                                        r"number in ms\.$"),
    (lambda: bn.simulate(CB, PAIR, duration=5.0, stimulus=bn.stimulus.Sinusoid(frequency=40 * u.ms)),
     r"^Sinusoid\.frequency must be a quantity with the dimension of Hz; got 40 ms\. Pass e\.g\. "
     r"Sinusoid\(frequency=1\.0 \* u\.Hz\) or a plain number in Hz\.$"),
])
def test_a_wrong_dimension_names_the_argument_and_a_call_that_works(make, message, monkeypatch):
    _no_compile(monkeypatch)
    with pytest.raises(bn.BrainnetError, match=message):
        make()


# --- batches, sweeps and fits: values as the run takes them -----------------------------------------------------------

N3 = np.ones((3, 3)) - np.eye(3)
TRIANGLE = bn.Connectome(N3, 20 * N3)
MPR = bn.MontbrioPazoRoxin()  # tau in ms (param_units)
QUICK = dict(duration=20.0, dt=0.1, noise=bn.Additive(v=0.01), key=0, monitors=[bn.TemporalAverage(1.0)])


def test_a_batch_of_quantities_is_the_batch_of_plain_numbers():
    plain = bn.simulate_batch(MPR, TRIANGLE, batch={"tau": [1.0, 2.0], "noise_v": [0.01, 0.02]}, **QUICK)
    for batch in ({"tau": np.array([1.0, 2.0]) * u.ms, "noise_v": np.array([0.01, 0.02]) / u.ms**0.5},
                  {"tau": [1.0 * u.ms, 0.002 * u.second], "noise_v": [0.01 / u.ms**0.5, 0.02 / u.ms**0.5]}):
        quantity = bn.simulate_batch(MPR, TRIANGLE, batch=batch, **QUICK)
        np.testing.assert_array_equal(quantity.r.values, plain.r.values)
        np.testing.assert_array_equal(quantity.tau.values, [1.0, 2.0])
    assert quantity.tau.attrs == {"long_name": "batched model parameter tau", "units": "ms"}
    assert quantity.noise_v.attrs == {"long_name": "batched noise parameter noise_v", "units": "1/sqrt(ms)"}


@pytest.mark.parametrize("batch, message", [
    ({"tau": np.array([1.0, 2.0]) * u.mV},
     r"^batch\['tau'\]: MontbrioPazoRoxin\.tau is in ms; got \[1\. 2\.\] mV \(unit mV\)\. Pass quantities with the "
     r"dimension of ms or plain numbers in ms\.$"),
    ({"eta": np.array([1.0, 2.0]) * u.ms},
     r"^batch\['eta'\]: MontbrioPazoRoxin\.eta is dimensionless; got \[1\. 2\.\] ms \(unit ms\)\. Pass plain "
     r"numbers\.$"),
    ({"noise_v": np.array([0.01, 0.02]) * u.ms},
     r"^batch\['noise_v'\] must have the dimension of 1/sqrt\(ms\); got \[0\.01 0\.02\] ms \(unit ms\)\. Pass e\.g\. "
     r"Additive\(v=0\.05 / u\.ms\*\*0\.5\) or a plain number in 1/sqrt\(ms\)\.$"),
])
def test_a_batch_of_the_wrong_dimension_is_named_before_compiling(batch, message, monkeypatch):
    from brainnet_cb.simulation.parameters import ParameterBook

    def refuse(*args, **kwargs):  # the batched program is built from the stacked values
        raise AssertionError("the batched program was built before the refusal")

    monkeypatch.setattr(ParameterBook, "stack", refuse)
    with pytest.raises(SimulationError, match=message):
        bn.simulate_batch(MPR, TRIANGLE, batch=batch, **QUICK)


def test_a_sweep_over_a_quantity_grid_labels_its_coordinates():
    kw = dict(QUICK, duration=100.0, signal="r", band=None)
    plain = bn.sweep(MPR, TRIANGLE, {"tau": [1.0, 2.0], "noise_v": [0.01, 0.02]}, **kw)
    quantity = bn.sweep(MPR, TRIANGLE, {"tau": [0.001, 0.002] * u.second, "noise_v": [0.01, 0.02] / u.ms**0.5}, **kw)
    xr_testing.assert_identical(quantity.drop_attrs(), plain.drop_attrs())
    assert quantity.tau.attrs["units"] == "ms" and quantity.noise_v.attrs["units"] == "1/sqrt(ms)"
    with pytest.raises(bn.SweepError, match=r"^grid\['tau'\]: MontbrioPazoRoxin\.tau is in ms; got \[1\. 2\.\] mV"):
        bn.sweep(MPR, TRIANGLE, {"tau": [1.0, 2.0] * u.mV}, **kw)


def test_nelder_mead_takes_init_bounds_and_step_as_quantities():
    fc = np.array([[1, 0.3, 0.2], [0.3, 1, 0.1], [0.2, 0.1, 1]])
    kw = dict(QUICK, duration=50.0, signal="r", band=None, empirical_fc=fc, maxfev=3)
    plain = bn.fit_nelder_mead(MPR, TRIANGLE, init={"tau": 1.5}, bounds={"tau": (1.0, 2.0)}, step={"tau": 0.2}, **kw)
    quantity = bn.fit_nelder_mead(MPR, TRIANGLE, init={"tau": 1.5 * u.ms}, bounds={"tau": (1 * u.ms, 0.002 * u.second)},
                                  step={"tau": 200 * u.usecond}, **kw)
    xr_testing.assert_identical(quantity.drop_attrs(), plain.drop_attrs())
    assert quantity.attrs.keys() == plain.attrs.keys()
    assert quantity.tau.attrs == {"long_name": "best model parameter tau", "units": "ms"}
    assert quantity.tau_path.attrs == {"long_name": "tau at each evaluation", "units": "ms"}
    with pytest.raises(bn.FitError, match=r"^bounds\['tau'\]: MontbrioPazoRoxin\.tau is in ms; got 1 mV"):
        bn.fit_nelder_mead(MPR, TRIANGLE, init={"tau": 1.5}, bounds={"tau": (1 * u.mV, 2.0)}, **kw)
    with pytest.raises(bn.FitError, match=r"^step\['tau'\]: MontbrioPazoRoxin\.tau is in ms; got 0\.2 mV"):
        bn.fit_nelder_mead(MPR, TRIANGLE, init={"tau": 1.5}, step={"tau": 0.2 * u.mV}, **kw)


def test_the_working_point_fit_takes_a_quantity_noise_amplitude():
    from brainnet_cb.fitting.working_point import fit_working_point

    hcp = bn.load_empirical("hcp80")
    labels = list(hcp.connectome.labels[:6])
    fc = hcp.fc_fit.sel(region_i=labels, region_j=labels)
    quick = dict(values=[-2.0], weight_exponents=[1.0], homotopic_weights=[0.0], effective_connectivity=False,
                 simulate=False, progress=False)
    plain = fit_working_point(hcp.connectome.subset(labels), fc, noise=bn.Additive(v=0.02), **quick)
    units = fit_working_point(hcp.connectome.subset(labels), fc, noise=bn.Additive(v=0.02 / u.ms**0.5), **quick)
    for name in plain.data_vars:
        np.testing.assert_array_equal(units[name].values, plain[name].values, err_msg=name)
    with pytest.raises(NoiseError, match=r"^noise amplitude v of Additive on CoombesByrne\.v must have the dimension "
                                         r"of 1/sqrt\(ms\); got 0\.02 mV"):
        fit_working_point(hcp.connectome.subset(labels), fc, noise=bn.Additive(v=0.02 * u.mV), **quick)


# --- the brainstate face: CoombesByrneStep(noise_v=...) ---------------------------------------------------------------

def _step_run(**kw):
    import brainstate

    with brainstate.environ.context(dt=0.1 * u.ms):
        brainstate.random.seed(0)
        module = bn.CoombesByrneStep(2, **kw)
        brainstate.nn.init_all_states(module)
        return np.asarray([np.asarray(module.update()) for _ in range(10)])


def test_coombes_byrne_step_takes_quantity_noise_amplitudes():
    plain = _step_run(noise_v=0.05)
    np.testing.assert_array_equal(_step_run(noise_v=0.05 / u.ms**0.5), plain)
    np.testing.assert_array_equal(_step_run(noise_v=bn.WhiteNoise(0.05 / u.ms**0.5)), plain)
    assert np.abs(plain - _step_run()).max() > 1e-4  # the noise acts
    np.testing.assert_array_equal(_step_run(noise_r=0.01 / u.ms**1.5), _step_run(noise_r=0.01))  # r is in 1/ms
    with pytest.raises(NoiseError, match=r"^noise_v amplitude must have the dimension of 1/sqrt\(ms\) \(the state per "
                                         r"sqrt\(ms\)\); got 0\.05 ms\. Pass e\.g\. noise_v=0\.05 / u\.ms\*\*0\.5 or a "
                                         r"plain number in 1/sqrt\(ms\)\.$"):
        bn.CoombesByrneStep(2, noise_v=0.05 * u.ms)
    with pytest.raises(NoiseError, match=r"^noise_r amplitude must have the dimension of 1/ms\^1\.5"):
        bn.CoombesByrneStep(2, noise_r=bn.WhiteNoise(0.01 / u.ms**0.5))


# --- empirical series: tr in s --------------------------------------------------------------------------------------

def test_read_timeseries_takes_tr_as_a_quantity_and_names_tr_when_it_is_not_a_time(tmp_path):
    path = tmp_path / "ts.csv"
    np.savetxt(path, np.arange(12.0).reshape(4, 3), delimiter=",")
    plain = bn.read_timeseries(path, tr=0.72, layout="time_region")
    quantity = bn.read_timeseries(path, tr=720 * u.ms, layout="time_region")
    xr_testing.assert_identical(quantity, plain)
    assert plain.time.attrs["units"] == "s" and plain.time.values.tolist() == [0.0, 0.72, 1.44, 2.16]
    with pytest.raises(bn.DataError, match=r"^tr must be a quantity with the dimension of second; got 720 mV\. Pass "
                                           r"e\.g\. tr=1\.0 \* u\.second or a plain number in second\.$"):
        bn.read_timeseries(path, tr=720 * u.mV, layout="time_region")  # the message named dt


def test_read_bold_image_names_tr_when_it_is_not_a_time():
    import nibabel as nib

    atlas = np.zeros((4, 4, 4), np.int16)
    atlas[:2], atlas[2:] = 1, 2
    parc = bn.io.read_parcellation(nib.Nifti1Image(atlas, np.eye(4)), {1: "A", 2: "B"})
    img = nib.Nifti1Image(np.ones((4, 4, 4, 3)), np.eye(4))
    assert float(bn.read_bold_image(img, parc, tr=720 * u.ms).time[1]) == 0.72
    with pytest.raises(bn.DataError, match=r"^tr must be a quantity with the dimension of second; got 0\.72 mV"):
        bn.read_bold_image(img, parc, tr=0.72 * u.mV)


def test_sweep_checks_fcd_window_and_step_even_when_no_fcd_is_scored():
    kw = dict(QUICK, signal="r", band=None)
    for value, message in ((200 * u.mV, r"^fcd_window must be a quantity with the dimension of second; got 200 mV\. "
                                        r"Pass e\.g\. fcd_window=1\.0 \* u\.second or a plain number in second\.$"),
                           (-1.0, r"^fcd_window must be a finite, positive duration in s; got -1\.0\.$")):
        with pytest.raises(bn.SweepError, match=message):  # both were accepted and ignored
            bn.sweep(MPR, TRIANGLE, {"tau": [1.0, 2.0]}, fcd_window=value, **kw)
    with pytest.raises(bn.SweepError, match=r"^fcd_step must be a quantity with the dimension of second; got 1 mV"):
        bn.sweep(MPR, TRIANGLE, {"tau": [1.0, 2.0]}, fcd_step=1 * u.mV, **kw)


def test_the_conductivity_message_suggests_a_quantity_brainunit_has():
    sub = bn.load_atlas("tvb76")
    sub = sub.subset(list(sub.labels[:4]))
    np.testing.assert_array_equal(bn.EEG.sphere(sub, radius=9 * u.cmeter, sigma=0.33 * u.siemens / u.meter).gain,
                                  bn.EEG.sphere(sub, radius=90.0, sigma=0.33).gain)
    with pytest.raises(MonitorError, match=r"^sigma must be a quantity with the dimension of S/m; got 9 ms\. Pass e\.g\. "
                                           r"sigma=0\.33 \* u\.siemens / u\.meter or a plain number in S/m\.$"):
        bn.EEG.sphere(sub, sigma=9 * u.ms)  # it suggested u.S / u.m, which brainunit does not have


# --- Bold: haemodynamic constants in s, 1/s or dimensionless ---------------------------------------------------------

def test_bold_constants_as_quantities_are_the_plain_constants():
    assert bn.Bold(tr=720.0, tau=980 * u.ms, TE=30 * u.ms, kappa=0.00064 / u.ms) == \
        bn.Bold(tr=720.0, tau=0.98, TE=0.03, kappa=0.64)
    stim = bn.stimulus.Step(amplitude=0.5, onset=100.0, offset=600.0)
    run = lambda **kw: bn.simulate(bn.CoombesByrne(eta=-5.0), PAIR, duration=2000.0, stimulus=stim, key=0,  # noqa: E731
                                   monitors=[bn.Bold(tr=500.0, baseline="initial", **kw)])
    plain, quantity = run(tau=0.98, TE=0.03), run(tau=0.98 * u.second, TE=30 * u.ms)
    np.testing.assert_array_equal(quantity.bold.values, plain.bold.values)
    assert np.abs(plain.bold.values).max() > 1e-4 and quantity.bold.attrs["constants"] == plain.bold.attrs["constants"]


@pytest.mark.parametrize("kw, message", [
    (dict(tau=1 * u.mV), r"^Bold tau \(haemodynamic transit time\) is in s; got 1 mV \(unit mV\)\. Pass e\.g\. "
                         r"Bold\(tau=2 \* u\.second\) or a plain number in s\.$"),
    (dict(theta0=3 * u.ms), r"^Bold theta0 \(.*\) is in 1/s; got 3 ms \(unit ms\)\. Pass e\.g\. "
                            r"Bold\(theta0=80\.6 / u\.second\) or a plain number in 1/s\.$"),
    (dict(alpha=1 * u.mV), r"^Bold alpha \(Grubb's exponent\) is dimensionless; got 1 mV \(unit mV\)\. Pass a plain "
                           r"number\.$"),
])
def test_a_bold_constant_of_the_wrong_dimension_is_named_at_construction(kw, message):
    with pytest.raises(MonitorError, match=message):  # a quantity failed inside the trace with a TypeError
        bn.Bold(tr=720.0, **kw)


# --- initial state and history: in the unit of the state ------------------------------------------------------------

def test_initial_state_and_history_as_quantities_in_the_unit_of_the_state():
    run = lambda **kw: bn.simulate(CB, PAIR, duration=5.0, dt=0.1, monitors=[bn.Raw()], key=0, **kw)  # noqa: E731
    plain = run(initial_state={"r": 0.2, "v": -1.0})
    np.testing.assert_array_equal(run(initial_state={"r": 0.2 / u.ms, "v": -1.0}).r.values, plain.r.values)
    np.testing.assert_array_equal(run(initial_state={"r": 200 * u.Hz, "v": -1.0 * u.UNITLESS}).r.values,
                                  plain.r.values)
    with pytest.raises(bn.ModelError, match=r"^initial_state\['r'\]: CoombesByrne\.r is in 1/ms; got 0\.2 mV \(unit "
                                            r"mV\)\. Pass a plain number in 1/ms or a quantity of that dimension\.$"):
        run(initial_state={"r": 0.2 * u.mV})
    h = np.linspace(0.1, 0.2, 101)[:, None] * np.ones(2)  # 30 mm at 3 mm/ms: a lag of 100 steps
    np.testing.assert_array_equal(run(history=h / u.ms).r.values, run(history=h).r.values)
    with pytest.raises(SimulationError, match=r"^history holds the sent quantity 'r' of CoombesByrne, in 1/ms; got a "
                                              r"quantity in mV \(shape \(101, 2\)\)\. Pass plain numbers in 1/ms"):
        run(history=h * u.mV)  # was NumPy's TypeError
    with pytest.raises(SimulationError, match=r"^history must be numbers \('r' in 1/ms, shape \(steps, 2\)\); got str"):
        run(history="x")


def test_stimulus_amplitudes_as_quantities_are_read_in_the_unit_of_their_port():
    """Refused before with "Step.amplitude must be a number or one number per region; got Quantity(...)"."""
    jr = bn.JansenRit()
    run = lambda model, stim: bn.simulate(model, PAIR, duration=20.0, dt=0.1, monitors=[bn.Raw()], key=0,  # noqa: E731
                                          stimulus=stim).to_array().values
    np.testing.assert_array_equal(run(jr, bn.stimulus.Step(amplitude=[120, 60] * u.Hz, onset=5.0)),
                                  run(jr, bn.stimulus.Step(amplitude=[0.12, 0.06], onset=5.0)))  # p in 1/ms
    ramp = np.linspace(0.0, 0.2, 150)
    np.testing.assert_array_equal(run(jr, bn.stimulus.TimeSeries(values=ramp * 1000 * u.Hz)),
                                  run(jr, bn.stimulus.TimeSeries(values=ramp)))
    np.testing.assert_array_equal(run(CB, bn.stimulus.Sinusoid(amplitude=0.5 * u.UNITLESS, frequency=40 * u.Hz)),
                                  run(CB, bn.stimulus.Sinusoid(amplitude=0.5, frequency=40.0)))


@pytest.mark.parametrize("model, stim, message", [
    (bn.JansenRit(), bn.stimulus.Step(amplitude=2 * u.mV),
     r"^Step\.amplitude is added to JansenRit's input port 'p', which is in 1/ms; got 2 mV \(unit mV\)\. Pass a "
     r"plain number in 1/ms or a quantity of that dimension\.$"),
    (CB, bn.stimulus.PulseTrain(amplitude=1 / u.ms),
     r"^PulseTrain\.amplitude is added to CoombesByrne's input port 'v', which is dimensionless; got 1 kHz "
     r"\(unit kHz\)\. Pass a plain number\.$"),
    (CB, bn.stimulus.TimeSeries(values=np.ones(10) / u.ms),
     r"^TimeSeries\.values is added to CoombesByrne's input port 'v', which is dimensionless; got .* \(unit kHz\)\. "
     r"Pass a plain number\.$"),
    (CB, bn.stimulus.TimeSeries(values=np.array(["a"] * 10)),  # was NumPy's ValueError
     r"^TimeSeries values must be numbers in the unit of the port 'v' \(as Step\.amplitude\) or a brainunit "
     r"quantity of that dimension; got ndarray \['a', 'a', 'a'\]\.$"),
])
def test_a_stimulus_of_the_wrong_dimension_or_of_text_is_a_simulation_error(model, stim, message):
    with pytest.raises(SimulationError, match=message):
        bn.simulate(model, PAIR, duration=2.0, stimulus=stim)


def test_a_grid_fit_labels_its_grid_and_fitted_values_with_their_units():
    fc = np.array([[1, 0.3, 0.2], [0.3, 1, 0.1], [0.2, 0.1, 1]])
    kw = dict(QUICK, duration=50.0, signal="r", band=None, empirical_fc=fc, refine=None)
    res = bn.fit_grid(MPR, TRIANGLE, grid={"tau": [1.0, 1.5] * u.ms, "noise_v": [0.01, 0.02] / u.ms**0.5}, **kw)
    plain = bn.fit_grid(MPR, TRIANGLE, grid={"tau": [1.0, 1.5], "noise_v": [0.01, 0.02]}, **kw)
    xr_testing.assert_identical(res.drop_attrs(), plain.drop_attrs())
    assert res.grid_tau.attrs == {"long_name": "coarse-grid values of the model parameter tau", "units": "ms"}
    assert res.grid_noise_v.attrs["units"] == res.noise_v.attrs["units"] == "1/sqrt(ms)"
    assert res.tau.attrs["units"] == "ms" and res.grid_tau.values.tolist() == [1.0, 1.5]
