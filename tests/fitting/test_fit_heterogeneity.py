"""The heterogeneity scale of the parameter book: f_i = f_0 + a m_i, everywhere the book substitutes."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import brainnet_cb as bn
from brainnet_cb.simulation.parameters import ParameterBook

M = np.array([-1.0, 0.0, 2.0])


@pytest.fixture(scope="module")
def conn():
    return bn.Connectome([[0, 1, 0], [1, 0, 1], [0, 1, 0]], np.full((3, 3), 20.0), name="chain3")


def test_scale_expands_to_per_region_values(conn):
    book = ParameterBook(bn.CoombesByrne(eta=-2.0), maps={"eta": M})
    p = book.lookup("eta_scale")
    assert (p.kind, p.field, p.per_region, p.differentiable) == ("heterogeneity", "eta", False, True)
    # the base from the same point, else from the model
    np.testing.assert_array_equal(book.expand({"eta": -1.0, "eta_scale": 0.5})["eta"], [-1.5, -1.0, 0.0])
    np.testing.assert_array_equal(book.expand({"eta_scale": 0.5, "G": 1.0})["eta"], [-2.5, -2.0, -1.0])
    batched = book.expand({"eta": np.array([-1.0, 0.0]), "eta_scale": np.array([0.0, 1.0])}, batched=True)
    np.testing.assert_array_equal(batched["eta"], [[-1, -1, -1], [-1, 0, 2]])
    spec = bn.Simulation(bn.CoombesByrne(), conn, duration=10.0)
    np.testing.assert_array_equal(book.apply(spec, {"eta": 1.0, "eta_scale": -1.0}).model.eta, [2.0, 1.0, -1.0])


def test_traced_substitution_differentiates_through_the_map(conn):
    run = bn.prepare(bn.CoombesByrne(), conn, duration=10.0)
    book = ParameterBook(run.model, run.coupling, {"eta": M})

    def total_eta(a):
        return jnp.sum(book.substitute(run, {"eta": 1.0, "eta_scale": a}).model.eta)

    assert float(jax.grad(total_eta)(0.3)) == pytest.approx(M.sum())


def test_scale_is_unknown_without_a_map_and_maps_are_checked():
    with pytest.raises(bn.SweepError, match=r"^unknown parameter 'eta_scale' in grid; choose from the parameters of "
                                            r"CoombesByrne \['Delta', 'eta', 'k', 'v_syn'\], of Linear \['G'\], "
                                            r"'speed', 'seed', or 'noise_<state>' with a state of \['r', 'v'\] "
                                            r"\(e\.g\. 'noise_v'\)\.$"):
        ParameterBook(bn.CoombesByrne()).lookup("eta_scale")
    with pytest.raises(bn.SweepError, match=r"^a heterogeneity map is given for 'J', which is not a parameter of "
                                            r"CoombesByrne \['Delta', 'eta', 'k', 'v_syn'\]\.$"):
        ParameterBook(bn.CoombesByrne(), maps={"J": M})
    with pytest.raises(bn.SweepError, match=r"^the heterogeneity map of 'eta' must be a finite 1-D array \(one value "
                                            r"per region\); got shape \(1, 1\)\.$"):
        ParameterBook(bn.CoombesByrne(), maps={"eta": [[1.0]]})
