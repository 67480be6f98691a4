"""The linearised twin of a network (bn.linearised_model): its Jacobian, its shared noise, its errors."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import brainnet_cb as bn
from brainnet_cb import analysis
from brainnet_cb.errors import DynamicsError


@pytest.fixture(scope="module")
def tvb76():
    return bn.load_atlas("tvb76")


@pytest.fixture(scope="module")
def tvb20(tvb76):
    """20 regions of tvb76: quick Newton solves for the six-state Jansen-Rit."""
    return tvb76.subset(list(tvb76.labels[:20]))


def _fp(model, conn, coupling):
    with jax.enable_x64(True):
        return bn.network_fixed_point(model, conn, coupling)


@pytest.mark.parametrize("model, coupling", [
    (bn.CoombesByrne(eta=-2.0), bn.Linear(G=1.0)),
    (bn.CoombesByrne(eta=-2.0), bn.Diffusive(G=0.5)),
    (bn.CoombesByrne(eta=-1.0), bn.Conductance(G=0.3)),
    (bn.JansenRit(), bn.Linear(G=0.5)),  # sends a sigmoid of its state: the twin sends its tangent
], ids=["CB-Linear", "CB-Diffusive", "CB-Conductance", "JR-Linear"])
def test_twin_has_the_jacobian_of_the_network_and_no_drift(tvb20, model, coupling):
    fp = _fp(model, tvb20, coupling)
    twin = bn.linearised_model(model, tvb20, coupling, at=fp)
    assert type(twin).__name__ == f"Linearised{type(model).__name__}"
    assert twin.states == model.states and twin.sends == model.sends
    J_model = bn.network_jacobian(model, tvb20, coupling, at=fp).values
    J_twin = bn.network_jacobian(twin, tvb20, coupling, at=fp).values
    np.testing.assert_allclose(J_twin, J_model, rtol=1e-12, atol=1e-12 * np.abs(J_model).max())
    # the default initial state is the fixed point, and it stays there without noise
    with jax.enable_x64(True):
        ds = bn.simulate(twin, tvb20, 20.0, 0.05, coupling=coupling, progress=False, dtype="float64")
    for k, s in enumerate(model.states):
        np.testing.assert_allclose(ds[s].values, np.broadcast_to(fp.values[k], ds[s].shape), rtol=0, atol=1e-12)


def test_twin_shares_the_noise_gap_is_first_order_in_sigma(tvb76):
    """Same key: model and twin differ by the nonlinear terms only, so gap / excursion falls like sigma."""
    model, coupling = bn.CoombesByrne(eta=-2.0), bn.Linear(G=1.0)
    fp = _fp(model, tvb76, coupling)
    twin = bn.linearised_model(model, tvb76, coupling, at=fp)
    ratios = []
    for sigma in (0.004, 0.002, 0.001):
        runs = []
        for m in (model, twin):
            with jax.enable_x64(True):
                runs.append(bn.simulate(m, tvb76, 200.0, 0.1, coupling=coupling, noise=bn.Additive(v=sigma),
                                        initial_state=fp.as_initial_state(), key=3, progress=False,
                                        dtype="float64").r.values)
        excursion = np.abs(runs[0] - fp.values[0]).max()
        ratios.append(np.abs(runs[0] - runs[1]).max() / excursion)
    # measured 2.5e-3, 1.26e-3, 6.3e-4: order 1 in sigma; with independent noise the ratio would be ~1
    assert ratios[0] < 5e-3
    np.testing.assert_allclose(np.array(ratios[:-1]) / np.array(ratios[1:]), 2.0, rtol=0.05)


def test_control_variate_removes_the_sampling_error_of_fc(tvb76):
    """FC_lin + (FC_k - FC_k^twin) from two keys agree ~150x better than the two FC_k themselves."""
    model, coupling, noise = bn.CoombesByrne(eta=-2.0), bn.Linear(G=1.0), bn.Additive(v=0.02)
    fp = _fp(model, tvb76, coupling)
    twin = bn.linearised_model(model, tvb76, coupling, at=fp)

    def fc(m, key):
        with jax.enable_x64(True):
            ds = bn.simulate(m, tvb76, 2000.0, 0.1, coupling=coupling, noise=noise, initial_state=fp.as_initial_state(),
                             monitors=[bn.TemporalAverage(1.0)], key=key, progress=False, dtype="float64")
        return analysis.fc(ds.r).values

    exact = bn.linear_fc(model, tvb76, coupling, noise, at=fp).values
    plain = [fc(model, k) for k in (0, 1)]
    corrected = [exact + p - fc(twin, k) for p, k in zip(plain, (0, 1))]
    iu = np.triu_indices(76, 1)
    spread_plain = np.sqrt(np.mean((plain[0] - plain[1])[iu] ** 2))
    spread_cv = np.sqrt(np.mean((corrected[0] - corrected[1])[iu] ** 2))
    # measured: 0.033 and 0.00022 (150x)
    assert spread_plain > 0.02
    assert spread_cv < spread_plain / 50


def test_not_a_fixed_point_is_refused(tvb76):
    model = bn.CoombesByrne(eta=-2.0)
    with pytest.raises(DynamicsError, match=r"at is not a fixed point of the network: max \|dx/dt\| = .* /ms there"):
        bn.linearised_model(model, tvb76, bn.Linear(G=1.0), at={"r": 0.3, "v": -1.0})


def test_a_nonlinear_coupling_is_refused(tvb76):
    @bn.plugins.coupling
    class Saturating(bn.Coupling):
        """c_i = G tanh(S_i)."""

        G: float = 1.0

        def post(self, S, local, strength):
            return self.G * jnp.tanh(S)

    with pytest.raises(DynamicsError, match=r"the linearised network is not linear with the coupling Saturating"):
        bn.linearised_model(bn.CoombesByrne(eta=-2.0), tvb76, Saturating(G=1.0))


def test_not_a_model_is_refused(tvb76):
    with pytest.raises(DynamicsError, match=r"model must be a node model such as bn.CoombesByrne"):
        bn.linearised_model(bn.CoombesByrne, tvb76)
