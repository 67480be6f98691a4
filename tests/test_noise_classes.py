"""Ornstein-Uhlenbeck (coloured) and multiplicative noise (issue 15, deliverable 5): golden statistics."""

from typing import ClassVar

import brainstate
import jax.numpy as jnp
import numpy as np
import pytest

import brainnet_cb as bn
from brainnet_cb.errors import NoiseError
from brainnet_cb.noise import Additive, Multiplicative, OrnsteinUhlenbeck
from brainnet_cb.simulation.brainstate_network import NetworkModule
from brainnet_cb.simulation.parameters import ParameterBook


@bn.node_model
class Drift(bn.NodeModel):
    r"""One linear state, :math:`\dot x = \mu x + c` (``mu = 0``: a pure integrator of its input and noise)."""

    mu: float = 0.0
    states: ClassVar[tuple] = ("x",)
    state_units: ClassVar[dict] = {"x": "1"}
    long_names: ClassVar[dict] = {"x": "x"}
    initial: ClassVar[dict] = {"x": 0.0}
    sends: ClassVar[str] = "x"
    receives: ClassVar[str] = "x"
    input_ports: ClassVar[tuple] = ("x",)

    def dfun(self, x, inputs):
        return self.mu * x + inputs.get("x", 0.0)


def _independent(n):
    return bn.Connectome(weights=np.zeros((n, n)), lengths=np.zeros((n, n)))


def test_ou_stationary_variance_and_correlation_time_from_one_long_trace():
    """mu = 0: the node integrates eta, so eta_n = (x_{n+1} - x_n) / dt is read off its trace.

    Convention: d eta = -eta / tau dt + sigma dW, so Var eta = sigma^2 tau / 2 and
    corr(eta(t), eta(t + u)) = exp(-u / tau). 10^5 steps = 2 10^4 correlation times.
    """
    tau, sigma, dt = 5.0, 0.2, 1.0
    ds = bn.simulate(Drift(), _independent(1), duration=1e5, dt=dt, method="heun", key=0,
                     noise=OrnsteinUhlenbeck(tau=tau, x=sigma), monitors=[bn.Raw()])
    eta = np.diff(np.concatenate([[0.0], ds.x.values[:, 0]])) / dt
    assert eta.var() == pytest.approx(sigma**2 * tau / 2, rel=0.05)  # 0.1 +- 1 %
    e = eta - eta.mean()
    lags = np.arange(1, 11)
    acf = np.array([np.mean(e[:-k] * e[k:]) for k in lags]) / e.var()
    tau_fit = -1.0 / np.polyfit(lags * dt, np.log(acf), 1)[0]
    assert tau_fit == pytest.approx(tau, rel=0.05)
    assert acf[int(tau / dt) - 1] == pytest.approx(np.exp(-1.0), abs=0.03)


def test_ou_drives_a_leaky_node_to_the_analytic_variance():
    r"""x' = -x / theta + eta: Var x = (sigma^2 tau / 2) theta^2 tau / (theta + tau), with the engine's heun."""
    theta, tau, sigma, n = 20.0, 5.0, 0.3, 40
    ds = bn.simulate(Drift(mu=-1.0 / theta), _independent(n), duration=20000.0, dt=0.5, key=3,
                     noise=OrnsteinUhlenbeck(tau=tau, x=sigma), monitors=[bn.SubSample(period=5.0)])
    x = ds.x.values[40:]  # the initial transient of x (eta starts stationary)
    expected = sigma**2 * tau / 2 * theta**2 * tau / (theta + tau)
    assert x.var() == pytest.approx(expected, rel=0.05)


def test_ou_initial_law_zero_and_stationary():
    one = _independent(1)
    zero = bn.simulate(Drift(), one, duration=1.0, dt=1.0, monitors=[bn.Raw()],
                       noise=OrnsteinUhlenbeck(tau=5.0, initial="zero", x=0.2))
    assert float(zero.x.values[0, 0]) == 0.0  # x_1 = x_0 + dt eta_0 and eta_0 = 0
    starts = bn.simulate(Drift(), _independent(3000), duration=1.0, dt=1.0, monitors=[bn.Raw()],
                         noise=OrnsteinUhlenbeck(tau=5.0, x=0.2))
    eta0 = starts.x.values[0]  # dt = 1: x_1 = eta_0, 3000 independent regions
    assert eta0.var() == pytest.approx(0.2**2 * 5.0 / 2, rel=0.1)  # 0.1 +- 2.6 %


@pytest.mark.parametrize("convention, method, mean, log_mean", [
    ("ito", "heun", np.exp(0.5), (0.1 - 0.045) * 5.0),
    ("ito", "euler", np.exp(0.5), (0.1 - 0.045) * 5.0),
    ("stratonovich", "heun", np.exp(0.5 + 0.225), 0.1 * 5.0),
])
def test_multiplicative_noise_is_geometric_brownian_motion(convention, method, mean, log_mean):
    r"""dx = mu x dt + sigma x dW, mu = 0.1/ms, sigma = 0.3/sqrt(ms), t = 5 ms, x0 = 1.

    Ito: E x = e^{mu t}, E log x = (mu - sigma^2/2) t; Stratonovich: E x = e^{(mu + sigma^2/2) t},
    E log x = mu t. 2000 independent nodes: standard errors ~2 % (mean, lognormal) and 0.015 (log mean);
    the two readings differ by 25 % in the mean and 0.225 in the log mean.
    """
    n = 2000
    ds = bn.simulate(Drift(mu=0.1), _independent(n), duration=5.0, dt=0.01, method=method, key=1,
                     noise=Multiplicative(convention=convention, x=0.3), initial_state={"x": 1.0},
                     monitors=[bn.SubSample(period=5.0)])
    x = ds.x.values[-1]
    assert x.mean() == pytest.approx(mean, rel=0.08)
    assert np.log(x).mean() == pytest.approx(log_mean, abs=0.06)


def _conn(n=5, seed=8):
    rng = np.random.default_rng(seed)
    w = rng.random((n, n)) * (rng.random((n, n)) < 0.6)
    np.fill_diagonal(w, 0.0)
    return bn.Connectome(w, rng.uniform(4, 40, (n, n)))


KW = dict(duration=41.7, dt=0.1, coupling=bn.Linear(G=0.4), key=5, monitors=[bn.Raw()])


@pytest.mark.parametrize("noise", [OrnsteinUhlenbeck(tau=2.0, v=0.1), Multiplicative(r=0.2, v=0.1)])
def test_chunks_resume_batch_and_network_module_equal_the_plain_run(noise, tmp_path, stop_after_chunk):
    """The coloured process rides in the carry: chunks, a checkpoint resume, a batch member and
    the brainstate module all give the plain run bit for bit."""
    conn, model = _conn(), bn.CoombesByrne(eta=-4.6)
    whole = bn.simulate(model, conn, noise=noise, **KW)
    assert whole.attrs["noise"] == repr(noise)
    parts = bn.simulate(model, conn, noise=noise, chunk_steps=37, **KW)
    np.testing.assert_array_equal(parts.v.values, whole.v.values)
    ckpt = tmp_path / "run.ckpt.npz"
    with stop_after_chunk(2):
        bn.simulate(model, conn, noise=noise, chunk_steps=37, checkpoint=ckpt, **KW)
    resumed = bn.simulate(model, conn, noise=noise, chunk_steps=37, resume_from=ckpt, **KW)
    np.testing.assert_array_equal(resumed.v.values, whole.v.values)
    for vectorize in (True, False):  # the vmapped program and the members one by one
        batch = bn.simulate_batch(model, conn, noise=noise, batch={"G": [0.4, 0.2]}, vectorize=vectorize, **KW)
        # vmapped multiplicative: the increment depends on the member's state, so XLA vectorises it over
        # the batch and may contract a multiply-add differently (measured: <= 2 ulp); OU, or one by one:
        # bit for bit
        atol = 1e-14 if vectorize and isinstance(noise, Multiplicative) else 0.0
        np.testing.assert_allclose(batch.v.values[0], whole.v.values, rtol=0, atol=atol,
                                   err_msg=f"vectorize={vectorize}")
    net = NetworkModule(model, conn, noise=noise, coupling=bn.Linear(G=0.4), key=5)
    brainstate.nn.init_all_states(net)
    brainstate.transform.for_loop(lambda i: net.update(), jnp.arange(417))
    np.testing.assert_array_equal(np.asarray(net.state("v")), whole.v.values[-1])


def test_every_class_uses_the_same_normals_of_a_key():
    """One Euler step from x = 1: Multiplicative adds sigma x sqrt(dt) xi = the Additive increment;
    OU's eta_1 - a eta_0 = sigma sqrt(tau (1 - a^2) / 2) xi with the same xi."""
    one = _independent(1)
    kw = dict(dt=0.5, monitors=[bn.Raw()], key=4, method="euler", initial_state={"x": 1.0})
    additive = bn.simulate(Drift(), one, duration=0.5, noise=Additive(x=0.3), **kw).x.values[:, 0]
    multiplicative = bn.simulate(Drift(), one, duration=0.5, noise=Multiplicative(x=0.3), **kw).x.values[:, 0]
    assert multiplicative[0] == additive[0]
    ou = bn.simulate(Drift(), one, duration=1.0, noise=OrnsteinUhlenbeck(tau=2.0, initial="zero", x=0.3),
                     **kw).x.values[:, 0]
    a = np.exp(-0.5 / 2.0)
    xi = (additive[0] - 1.0) / (0.3 * np.sqrt(0.5))
    eta1 = (ou[1] - ou[0]) / 0.5
    assert eta1 == pytest.approx(0.3 * np.sqrt(2.0 * (1 - a**2) / 2) * xi, rel=1e-12)


def test_sweeping_an_amplitude_keeps_the_noise_class():
    spec = bn.Simulation(bn.CoombesByrne(), _conn(), duration=1.0, noise=OrnsteinUhlenbeck(tau=3.0, v=0.1))
    edited = ParameterBook.of(spec).apply(spec, {"noise_v": 0.3})
    assert repr(edited.noise) == "OrnsteinUhlenbeck(tau=3.0, v=0.3)"


@pytest.mark.parametrize("make, message", [
    (lambda: OrnsteinUhlenbeck(tau=0.0, v=0.1), r"tau \(correlation time, ms\) must be finite and > 0; got 0.0"),
    (lambda: OrnsteinUhlenbeck(tau=2.0, initial="random", v=0.1), "initial must be 'stationary' or 'zero'"),
    (lambda: OrnsteinUhlenbeck(tau=2.0), r"needs at least one amplitude, e.g. OrnsteinUhlenbeck\(v=0.2\)"),
    (lambda: Multiplicative(convention="ito-ish", r=0.1), r"convention must be one of \['ito', 'stratonovich'\]"),
    (lambda: Multiplicative(r=-0.1), "noise amplitude r=-0.1 must be finite and >= 0"),
])
def test_bad_noise_is_refused(make, message):
    with pytest.raises(NoiseError, match=message):
        make()


def test_a_batch_over_an_amplitude_records_the_noise_class():
    ds = bn.simulate_batch(bn.CoombesByrne(eta=-4.6), _conn(), duration=2.0, noise=OrnsteinUhlenbeck(tau=3.0, v=0.1),
                           batch={"noise_v": [0.1, 0.2]})
    assert ds.attrs["noise"] == "OrnsteinUhlenbeck(tau=3.0, v=batch)"
