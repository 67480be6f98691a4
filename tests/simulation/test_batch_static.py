"""A node model's static field (bn.plugins.static_field) cannot be batched or swept: it is refused by name.

It was passed the batch's floats: ``range(order)`` inside the vector field raised a TypeError from the trace.
"""

import dataclasses

import numpy as np
import pytest

import brainnet_cb as bn
from brainnet_cb.simulation.parameters import ParameterBook

CONN = bn.Connectome(weights=[[0, 1], [1, 0]], lengths=[[0, 10], [10, 0]])


STATIC = (r"_Poly.order is a static field \(declared with bn.plugins.static_field\): it is part of the compiled "
          r"program, so changing it recompiles.*Run one bn.simulate per value instead, e.g. for each v: "
          r"bn.simulate\(dataclasses.replace\(model, order=v\)")


def test_a_static_field_in_a_batch_is_refused_by_name(poly_model):
    with pytest.raises(bn.SimulationError, match=r"batch\['order'\]: " + STATIC):
        bn.simulate_batch(poly_model(order=1), CONN, duration=5.0, batch={"order": [1, 2]}, coupling=bn.Linear(G=0.0),
                          monitors=[bn.Raw()])


def test_a_static_field_in_a_sweep_grid_is_refused_by_name(poly_model):
    with pytest.raises(bn.SweepError, match=r"grid\['order'\]: " + STATIC):
        bn.sweep(poly_model(order=1), CONN, duration=5.0, grid={"order": [1, 2]}, coupling=bn.Linear(G=0.0),
                 monitors=[bn.Bold(variable="x", tr=1.0)])


def test_the_advice_works_and_the_other_fields_still_batch(poly_model):
    """One simulate per order equals the batch member of the same order; tau still batches."""
    book = ParameterBook(poly_model(), bn.Linear())
    assert book.lookup("order").static and not book.lookup("order").differentiable
    assert not book.lookup("tau").static and book.lookup("tau").differentiable
    opts = dict(duration=5.0, coupling=bn.Linear(G=0.0), monitors=[bn.Raw()], method="rk4")
    model = poly_model(order=1)
    ends = [bn.simulate(dataclasses.replace(model, order=v), CONN, **opts).x.values[-1, 0] for v in (1, 2)]
    np.testing.assert_allclose(ends[0], 0.5 * np.exp(-0.5), rtol=1e-5)  # dx/dt = -x / 10
    assert ends[1] < ends[0]  # the x^2 term decays faster
    ds = bn.simulate_batch(model, CONN, batch={"tau": [5.0, 10.0]}, **opts)
    np.testing.assert_allclose(ds.x.values[:, -1, 0], 0.5 * np.exp([-1.0, -0.5]), rtol=1e-5)


def test_a_static_field_in_a_nelder_mead_fit_is_refused_by_the_book(poly_model):
    """The book's check of a fit's starting value refuses it too (each simplex point would recompile)."""
    conn = bn.Connectome(weights=[[0, 1, 0], [1, 0, 1], [0, 1, 0]], lengths=[[0, 30, 0], [30, 0, 10], [0, 10, 0]])
    fc = np.array([[1.0, 0.2, 0.5], [0.2, 1.0, 0.3], [0.5, 0.3, 1.0]])
    with pytest.raises(bn.FitError, match=r"init\['order'\]: " + STATIC):
        bn.fit_nelder_mead(poly_model(order=1), conn, init={"order": 1}, empirical_fc=fc, duration=5.0,
                           monitors=[bn.Bold(variable="x", tr=1.0)], coupling=bn.Linear(G=0.1), band=None)


def test_a_static_field_in_a_gradient_fit_is_refused_by_the_book(poly_model):
    """fit_gradient said 'sweep it with bn.sweep', which refuses static fields too; now the book's message."""
    conn = bn.Connectome(weights=[[0, 1, 0], [1, 0, 1], [0, 1, 0]], lengths=[[0, 30, 0], [30, 0, 10], [0, 10, 0]])
    fc = np.array([[1.0, 0.2, 0.5], [0.2, 1.0, 0.3], [0.5, 0.3, 1.0]])
    with pytest.raises(bn.FitError, match=r"init\['order'\]: " + STATIC):
        bn.fit_gradient(poly_model(order=1), conn, init={"order": 1}, empirical_fc=fc, duration=5.0,
                        monitors=[bn.Bold(variable="x", tr=1.0)], coupling=bn.Linear(G=0.1), band=None)
