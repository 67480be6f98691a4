"""Every new node model runs through the generic paths of Coombes–Byrne: BOLD, batches."""

import numpy as np
import pytest

import brainnet_cb as bn

W = np.array([[0.0, 1.0, 0.5], [1.0, 0.0, 0.0], [0.2, 0.8, 0.0]])
CONN = bn.Connectome(W, 25.0 * W, labels=["a", "b", "c"])

# model, coupling, BOLD source, batched parameter and its values, noise
CASES = {
    "MontbrioPazoRoxin": (bn.MontbrioPazoRoxin(J=5.0, eta=-1.0), bn.Linear(G=0.5), "r", "eta", [-2.0, -1.0, 0.5],
                          bn.Additive(v=0.05)),
    "CoombesByrne4D": (bn.CoombesByrne4D(), bn.Linear(G=0.2), "r", "eta", [3.0, 4.13, 20.0], bn.Additive(v=0.05)),
    "JansenRit": (bn.JansenRit(), bn.Linear(G=0.02), "y0", "p", [0.12, 0.22, 0.32], bn.Additive(y4=0.01)),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_bold_monitor_runs_on_each_model(name):
    model, coupling, source, *_ , noise = CASES[name]
    ds = bn.simulate(model, CONN, duration=2000.0, dt=0.1, coupling=coupling, noise=noise, key=2,
                     monitors=[bn.TemporalAverage(10.0),
                               bn.Bold(tr=500.0, variable=source, baseline="initial", dt_bold=10.0)])
    bold = ds.bold.values
    assert ds.bold.dims == ("time_bold", "region") and bold.shape == (4, 3)
    assert np.all(np.isfinite(bold)) and np.ptp(bold) > 0
    assert ds.attrs["model"] == name and ds[source].attrs["units"] == model.state_units[source]
    # the in-scan BOLD (balloon stepped on 10-ms means, dt_bold = 10 ms) is the offline BOLD of the same 10-ms
    # averaged activity, with the same baseline (the source at t = 0): one path, equal to round-off (measured 0)
    x0 = np.asarray(model.initial_state(3, np.float64))[model.states.index(source)]
    offline = bn.bold_from_activity(ds, tr=500.0, variable=source, baseline="initial", initial=x0)
    np.testing.assert_allclose(offline.values, bold, rtol=1e-12, atol=1e-15)


@pytest.mark.skipif(not hasattr(bn, "simulate_batch"), reason="bn.simulate_batch not available")
@pytest.mark.parametrize("vectorize", [True, False])
@pytest.mark.parametrize("name", sorted(CASES))
def test_batch_sweep_over_a_parameter_equals_separate_runs(name, vectorize):
    model, coupling, _, param, values, noise = CASES[name]
    kw = dict(duration=200.0, dt=0.1, coupling=coupling, noise=noise, key=4, monitors=[bn.TemporalAverage(5.0)])
    ds = bn.simulate_batch(model, CONN, batch={param: values}, vectorize=vectorize, **kw)
    var = model.states[0]
    one = bn.simulate(type(model)(**dict(model.parameters, **{param: values[1]})), CONN, **kw)
    if vectorize:  # the vmapped program may round differently (measured: CoombesByrne4D, <= 5 ulp)
        np.testing.assert_allclose(ds[var].values[1], one[var].values, rtol=1e-9, atol=1e-12)
    else:  # one by one: the single-run engine itself
        np.testing.assert_array_equal(ds[var].values[1], one[var].values)
    assert np.ptp(ds[var].values[:, -1].mean(-1)) > 0  # the parameter matters


@pytest.mark.skipif(not hasattr(bn, "EEG"), reason="bn.EEG not available")
@pytest.mark.parametrize("name", sorted(CASES))
def test_eeg_monitor_projects_each_models_declared_eeg_source(name):
    """The in-scan EEG (default source: the model's ``eeg_source``, v for MPR and CB4D,
    y1 - y2 for Jansen-Rit) is the lead field times the 1-ms mean of that source,
    average-referenced."""
    model, coupling, *_, noise = CASES[name]
    gain = np.random.default_rng(5).normal(size=(4, 3))
    ds = bn.simulate(model, CONN, duration=100.0, dt=0.1, coupling=coupling, noise=noise, key=1,
                     monitors=[bn.TemporalAverage(1.0), bn.EEG(gain, period=1.0)])
    x = np.stack([ds[s].values.T for s in model.states])  # (state, region, time): 1-ms means
    expected = (gain @ np.asarray(model.eeg_signal(x))).T
    expected -= expected.mean(axis=1, keepdims=True)
    eeg = ds.eeg.values
    assert eeg.shape == (100, 4) and np.ptp(eeg) > 0
    np.testing.assert_allclose(eeg, expected, rtol=1e-9, atol=1e-12 * np.abs(expected).max())
