"""TVB's conventions, as docs/concepts.md ("Coming from The Virtual Brain") converts them.

The reference is TVB's own run (tvb-library 2.10.0) of its ``CoombesByrne2D`` model on tvb-data's
connectivity_76.zip, stored in tests/reference_data/tvb_coombes_byrne2d.json (how it was made is in the file).
"""

import json
import pathlib
from typing import ClassVar

import jax.numpy as jnp
import numpy as np
import pytest

import brainnet_cb as bn

TVB_RUN = pathlib.Path(__file__).resolve().parents[1] / "reference_data" / "tvb_coombes_byrne2d.json"


def _tvb_like_run(conn, normalize, G, duration):
    return bn.simulate(bn.CoombesByrne(), conn, duration=duration, dt=0.1, coupling=bn.Linear(G=G), speed=3.0,
                       normalize=normalize, initial_state={"r": 0.1, "v": -0.5}, monitors=[bn.Raw()],
                       method="heun", progress=False)


def test_tvb_run_of_coombes_byrne2d_is_reproduced_with_the_documented_conversion():
    """clean=False (TVB keeps the file's self-connections), normalize="none" (TVB's simulator uses the weights as
    given), Linear(G=a), method="heun": r and v equal TVB's over 1000 steps (2.2 delays of the longest tract) to
    1e-8 and 1e-7, the rounding of TVB's float32 history buffer (SparseHistory; its first step already differs by
    6e-11 from the Heun step in float64, which this engine takes exactly). Either default left in place (cleaned
    atlas, max-normalised weights) gives another trajectory (differences of 1e-3 and 2e-2 in r)."""
    ref = json.loads(TVB_RUN.read_text())
    conn = bn.load_atlas("tvb76", clean=False)
    assert list(conn.labels) == ref["labels"]
    steps = np.array(ref["steps"])
    ds = _tvb_like_run(conn, "none", 0.05, 100.0)
    assert ds.r.dtype == np.float64
    r, v = ds.r.values[steps - 1], ds.v.values[steps - 1]
    np.testing.assert_allclose(r, ref["r"], rtol=0, atol=1e-8)
    np.testing.assert_allclose(v, ref["V"], rtol=0, atol=1e-7)
    for other in (_tvb_like_run(bn.load_atlas("tvb76"), "none", 0.05, 100.0),   # self-connections removed
                  _tvb_like_run(conn, "max", 0.05, 100.0)):                      # W / 3: a third of TVB's coupling
        assert np.abs(other.r.values[steps - 1] - np.array(ref["r"])).max() > 1e-4


def test_tvb_linear_a_on_raw_weights_is_g_times_max_weight_after_max_normalisation():
    """TVB's Linear(a) on the weights as given is Linear(G=a * max W) under brainnet_cb's default normalize="max"."""
    conn = bn.load_atlas("tvb76", clean=False)
    raw = _tvb_like_run(conn, "none", 0.05, 50.0)
    scaled = _tvb_like_run(conn, "max", 0.05 * float(conn.weights.max()), 50.0)
    np.testing.assert_allclose(scaled.r.values, raw.r.values, rtol=1e-12, atol=0)


@bn.node_model
class _Leak(bn.NodeModel):
    """dx/dt = -x / tau + input (TVB's models.Linear with gamma = -1/tau), tau in ms."""
    tau: float = 10.0
    states: ClassVar[tuple] = ("x",)
    initial: ClassVar[dict] = {"x": 0.0}
    sends: ClassVar[str] = "x"
    receives: ClassVar[str] = "x"
    input_ports: ClassVar[tuple] = ("x",)

    def dfun(self, x, inputs):
        return jnp.stack([-x[0] / self.tau + inputs.get("x", 0.0)])


def test_tvb_nsig_is_sigma_squared_over_two():
    """TVB's additive noise adds sqrt(2 nsig dt) N(0, 1) per step, so nsig is sigma**2 / 2 here, and an
    uncoupled leak dx = -x/tau dt + sigma dW has TVB's stationary variance nsig * tau (stochastic Heun at
    dt = 0.5 ms: 0.99936 nsig tau, its discretisation). Measured the same way with TVB 2.10 (models.Linear,
    HeunStochastic, noise.Additive(nsig=0.01), 100 regions, 20 s): 0.0997 against nsig * tau = 0.1."""
    nsig, tau, dt, n = 0.01, 10.0, 0.5, 200
    zero = bn.Connectome(np.zeros((n, n)), np.zeros((n, n)))
    ds = bn.simulate(_Leak(tau=tau), zero, duration=10_000.0, dt=dt, coupling=bn.Linear(G=0.0), normalize="none",
                     noise=bn.Additive(x=np.sqrt(2 * nsig)), monitors=[bn.SubSample(1.0)], key=1, progress=False)
    a, s2 = 1 - dt / tau + dt**2 / (2 * tau**2), 2 * nsig * dt * (1 - dt / (2 * tau)) ** 2
    heun = s2 / (1 - a**2)                                   # the stationary variance of the Heun recursion
    assert abs(heun / (nsig * tau) - 1) < 1e-3
    measured = float(ds.x.sel(time=slice(100, None)).var())   # 100 ms = 10 tau of transient left out
    assert abs(measured / heun - 1) < 0.03


def test_tvb_weight_scaling_names_are_refused_with_their_equivalent():
    """normalize="tract" (TVB's name) named only the choices; it now says which one is TVB's, and "region"
    gives the recipe, whose largest in-strength is 1 as TVB's scaled_weights(mode="region") makes it."""
    conn = bn.load_atlas("tvb76", clean=False)
    choices = r"unknown normalization '{}'; choose one of \('max', 'row_sum', 'log1p_max', 'none'\)\. "
    given = r"TVB's simulator itself uses the weights as given, which is 'none' \(see docs/concepts\.md\)\.$"
    with pytest.raises(bn.ConnectomeError, match="^" + choices.format("tract") + r"TVB's scaled_weights\(mode='tract'\) "
                       r"is 'max' \(W / max W\); " + given):
        bn.Simulation(bn.CoombesByrne(), conn, duration=10.0, normalize="tract")
    with pytest.raises(bn.ConnectomeError, match="^" + choices.format("region") + r"TVB's scaled_weights\(mode="
                       r"'region'\) divides by the largest in-strength: pass conn\.replace\(weights=conn\.weights / "
                       r"conn\.weights\.sum\(axis=1\)\.max\(\)\) with 'none'; " + given):
        conn.normalized("region")
    region = conn.replace(weights=conn.weights / conn.weights.sum(axis=1).max()).normalized("none")
    assert region.weights.sum(axis=1).max() == pytest.approx(1.0, abs=1e-15)
    np.testing.assert_allclose(region.weights * conn.weights.sum(axis=1).max(), conn.weights, rtol=1e-15)
