"""Per-region inputs labelled by region are put in the connectome's order by label, not used by position."""

import numpy as np
import pandas as pd
import pytest
import xarray as xr

import brainnet_cb as bn
from brainnet_cb.stimulus import Step, TimeSeries

N3 = np.ones((3, 3)) - np.eye(3)
CONN = bn.Connectome(N3, 20 * N3, labels=["A", "B", "C"])
IN_ORDER = np.array([3.0, 2.0, 1.0])  # the values of A, B, C
SERIES = pd.Series([1.0, 2.0, 3.0], index=["C", "B", "A"])  # the same values, labelled, in another order
ARRAY = xr.DataArray([1.0, 2.0, 3.0], dims="region", coords={"region": ["C", "B", "A"]})


def spec(**kw):
    return bn.Simulation(kw.pop("model", bn.CoombesByrne()), CONN, 2.0, monitors=[bn.Raw()], **kw)


@pytest.mark.parametrize("labelled", [SERIES, ARRAY], ids=["Series", "DataArray"])
def test_labelled_values_are_reordered_to_the_connectome(labelled):
    assert spec(model=bn.CoombesByrne(eta=labelled)).prepare().model.eta.tolist() == IN_ORDER.tolist()
    assert spec(coupling=bn.Linear(G=labelled)).prepare().coupling.G.tolist() == IN_ORDER.tolist()
    assert np.asarray(spec(noise=bn.Additive(v=labelled)).prepare().dyn.sigma)[0].tolist() == IN_ORDER.tolist()
    assert np.asarray(spec(initial_state={"r": labelled}).prepare().carry.x)[0].tolist() == IN_ORDER.tolist()
    stim = spec(stimulus=Step(amplitude=labelled)).prepare().dyn.stimuli[0]
    assert np.asarray(stim.amplitude).tolist() == IN_ORDER.tolist()
    # the spec keeps the values in the connectome's order (batches, brainstate modules read it)
    assert spec(model=bn.CoombesByrne(eta=labelled)).model.eta.tolist() == IN_ORDER.tolist()
    assert spec(initial_state={"r": labelled}).initial_state["r"].tolist() == IN_ORDER.tolist()


def test_a_labelled_run_equals_the_run_in_the_connectomes_order_bit_for_bit():
    labelled = spec(initial_state={"r": SERIES}, model=bn.CoombesByrne(eta=ARRAY)).run()
    plain = spec(initial_state={"r": IN_ORDER / 10}, model=bn.CoombesByrne(eta=IN_ORDER)).run()
    assert not np.array_equal(labelled.r.values, plain.r.values)  # r differs (x10)
    plain = spec(initial_state={"r": IN_ORDER}, model=bn.CoombesByrne(eta=IN_ORDER)).run()
    np.testing.assert_array_equal(labelled.r.values, plain.r.values)


def test_an_initial_state_from_a_dataset_is_read_by_label():
    last = xr.Dataset({"r": ARRAY, "v": ARRAY * 0 - 1.0})
    x = np.asarray(spec(initial_state=last).prepare().carry.x)
    assert x.tolist() == [IN_ORDER.tolist(), [-1.0] * 3]


def test_a_labelled_timeseries_is_reordered_and_put_time_first():
    values = xr.DataArray(np.tile([1.0, 2.0, 3.0], (4, 1)).T, dims=("region", "time"),
                          coords={"region": ["C", "B", "A"]})
    got = np.asarray(spec(stimulus=TimeSeries(values=values)).prepare().dyn.stimuli[0].values)
    assert got.shape == (4, 3) and got[0].tolist() == IN_ORDER.tolist()


def test_unlabelled_values_are_used_by_position_as_before():
    positional = pd.Series([1.0, 2.0, 3.0])  # pandas' default index: positions, not labels
    assert spec(model=bn.CoombesByrne(eta=positional)).prepare().model.eta.tolist() == [1.0, 2.0, 3.0]
    bare = xr.DataArray([1.0, 2.0, 3.0], dims="region")
    assert spec(coupling=bn.Linear(G=bare)).prepare().coupling.G.tolist() == [1.0, 2.0, 3.0]
    numbered = [pd.Series([1.0, 2.0, 3.0], index=[1, 2, 3]),  # row numbers, e.g. of a sorted or filtered table
                pd.Series([1.0, 2.0, 3.0], index=[0, 2, 1]),
                xr.DataArray([1.0, 2.0, 3.0], dims="roi", coords={"roi": [10, 11, 12]}),
                pd.array([1.0, 2.0, 3.0]), pd.Index([1.0, 2.0, 3.0])]  # no index at all (an AttributeError)
    for eta in numbered:
        assert spec(model=bn.CoombesByrne(eta=eta)).prepare().model.eta.tolist() == [1.0, 2.0, 3.0]
    run = dict(duration=1.0, dt=0.1, monitors=[bn.TemporalAverage(1.0)], progress=False)
    batch = bn.simulate_batch(bn.CoombesByrne(), CONN, batch={"eta": bare}, **run)
    assert batch.sizes["batch"] == 3  # three runs of one eta each, as before: a dim name alone is no label
    with pytest.raises(bn.SimulationError, match=r"batch\['eta'\] is labelled by region, .*unknown \['X'\]"):
        bn.simulate_batch(bn.CoombesByrne(), CONN, batch={"eta": pd.Series([1.0, 2.0, 3.0], index=["A", "B", "X"])},
                          **run)  # a misspelt region: not three scalar values


@pytest.mark.parametrize("make, error, message", [
    (lambda s: spec(model=bn.CoombesByrne(eta=s)), bn.ModelError, "CoombesByrne.eta is labelled by region"),
    (lambda s: spec(initial_state={"r": s}), bn.ModelError, r"initial_state\['r'\] is labelled by region"),
    (lambda s: spec(noise=bn.Additive(v=s)), bn.NoiseError, "noise amplitude v is labelled by region"),
    (lambda s: spec(coupling=bn.Linear(G=s)), bn.CouplingError, "Linear.G is labelled by region"),
], ids=["model", "initial_state", "noise", "coupling"])
def test_labels_of_other_regions_are_refused(make, error, message):
    other = pd.Series([1.0, 2.0, 3.0], index=["A", "B", "D"])
    with pytest.raises(error, match=message + r".*unknown \['D'\], missing \['C'\]"):
        make(other)


def test_a_labelled_history_is_reordered_and_put_time_first():
    values = xr.DataArray(np.tile([1.0, 2.0, 3.0], (101, 1)).T, dims=("region", "time"),
                          coords={"region": ["C", "B", "A"]})
    s = spec(history=values, dt=0.2, speed=1.0)  # max lag 100 steps
    assert s.history.shape == (101, 3) and s.history[0].tolist() == IN_ORDER.tolist()
    assert np.asarray(s.prepare().carry.x)[0].tolist() == IN_ORDER.tolist()  # r(0) = history[-1]
