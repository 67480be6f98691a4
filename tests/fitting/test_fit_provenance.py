"""A fit's result names its fitted parameters ``fitted`` in its provenance, not a start value or ``batch``.

Was: ``bn.fit_gradient(..., init={"G": 0.8})`` (coupling left at its default) returned ``attrs["coupling"] ==
"Linear(G=1.0)"`` whatever G it fitted, and ``bn.fit_grid`` over G and eta ``"Linear(G=batch)"`` and
``"eta": "batch"`` (the sweep's marker) for the one best point; ``res.G`` held the fitted value.
"""

import json

import numpy as np

import brainnet_cb as bn

CONN = bn.Connectome([[0, 1, 0], [1, 0, 1], [0, 1, 0]], np.full((3, 3), 20.0))
RUN = dict(duration=2000.0, noise=bn.Additive(v=0.1), monitors=[bn.TemporalAverage(5.0)])
TARGET = bn.fc(bn.simulate(bn.CoombesByrne(), CONN, coupling=bn.Linear(G=1.0), **RUN).r, discard=0.1)
OPTS = dict(signal="r", discard=0.1, band=None, progress=False, **RUN)


def test_fit_grid_marks_the_fitted_parameters():
    res = bn.fit_grid(bn.CoombesByrne(), CONN, grid={"G": [0.0, 1.0], "noise_v": [0.1, 0.2]}, empirical_fc=TARGET,
                      objective="rmse", refine=None, **OPTS)
    assert res.attrs["coupling"] == "Linear(G=fitted)"
    assert res.attrs["noise"] == "Additive(v=fitted)"
    assert json.loads(res.attrs["model_parameters"]) == {"Delta": 1.0, "eta": 2.0, "k": 1.0, "v_syn": -4.0}
    assert (float(res.G), float(res.noise_v)) == (1.0, 0.1)


def test_fit_gradient_marks_the_fitted_parameters_and_keeps_the_others():
    res = bn.fit_gradient(bn.CoombesByrne(), CONN, TARGET, init={"eta": 1.8}, steps=1, **OPTS)
    assert res.attrs["coupling"] == "Linear(G=1.0)"  # not fitted: the run's value
    assert json.loads(res.attrs["model_parameters"]) == {"Delta": 1.0, "eta": "fitted", "k": 1.0, "v_syn": -4.0}
    assert res.attrs["noise"] == "Additive(v=0.1)"
    assert float(res.eta) == 1.8


def test_fit_gradient_of_g_no_longer_gives_the_default_coupling():
    res = bn.fit_gradient(bn.CoombesByrne(), CONN, TARGET, init={"G": 0.8}, steps=1, **OPTS)
    assert res.attrs["coupling"] == "Linear(G=fitted)"
    assert float(res.G) == 0.8
