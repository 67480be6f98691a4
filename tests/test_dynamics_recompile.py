"""A second call of the working-point functions with other parameter values compiles nothing.

The first call compiles (the fixed-point Newton iteration alone: ~2 s of CPU on the 76-region
connectome, ``benchmarks/bench_compile.py``); every later call with new values of the coupling
strength, the node parameters, the noise or the haemodynamic settings, on the same connectome
size, must reuse those programs. A value made a static argument, a ``jax.jit`` built per call or a
shape that follows a value would compile again on each call: the count of backend compiles
(``jax.monitoring``) catches it.
"""

import numpy as np

import brainnet_cb as bn
from brainnet_cb.dynamics import critical_coupling, delayed_leading_eigenvalue, linear_fc, network_spectrum


def network(n=6, seed=0):
    rng = np.random.default_rng(seed)
    w = rng.uniform(0, 1, (n, n))
    np.fill_diagonal(w, 0)
    return bn.Connectome(weights=w, lengths=np.where(w > 0, rng.uniform(20, 60, (n, n)), 0.0))


def test_linear_fc_with_other_values_compiles_nothing(counting_compiles):
    conn = network()
    bold = bn.Bold(tr=720.0, baseline="initial")
    first = linear_fc(bn.CoombesByrne(eta=-2.0), conn, bn.Linear(G=0.3), bn.Additive(v=0.05),
                      observable="bold", bold=bold, band=True)
    linear_fc(bn.CoombesByrne(eta=-2.0), conn, bn.Linear(G=0.3), bn.Additive(v=0.05))  # observable "r"
    with counting_compiles() as count:
        other = linear_fc(bn.CoombesByrne(eta=-2.2, Delta=1.1), conn, bn.Linear(G=0.35), bn.Additive(v=0.07),
                          observable="bold", bold=bn.Bold(tr=1000.0, baseline="initial"), band=(0.02, 0.09))
        linear_fc(bn.CoombesByrne(eta=-np.linspace(2.0, 2.3, 6)), conn, bn.Linear(G=0.25), bn.Additive(v=0.02))
    assert count[0] == 0
    assert not np.array_equal(first.values, other.values)  # the new values were used


def test_spectrum_and_delayed_root_with_another_coupling_compile_nothing(counting_compiles):
    conn, model = network(), bn.CoombesByrne(eta=-2.0)
    network_spectrum(model, conn, bn.Linear(G=0.3))
    lam = delayed_leading_eigenvalue(model, conn, bn.Linear(G=0.3), speed=3.0)
    with counting_compiles() as count:
        network_spectrum(model, conn, bn.Linear(G=0.4))
        lam2 = delayed_leading_eigenvalue(model, conn, bn.Linear(G=0.4), speed=3.0)
    assert count[0] == 0
    assert lam2 != lam


def test_critical_coupling_of_another_model_compiles_nothing(counting_compiles):
    conn = network()
    g1 = critical_coupling(bn.CoombesByrne(eta=-2.0), conn).G_ref
    with counting_compiles() as count:
        g2 = critical_coupling(bn.CoombesByrne(eta=-2.3), conn).G_ref
    assert count[0] == 0
    assert g1 != g2


def test_the_spectrum_uses_the_fixed_points_own_compiled_jacobian():
    """network_jacobian built the Jacobian op by op outside jit (~60 one-operation programs on a first call) and
    differed from network_fixed_point's by 1 ulp (1.8e-15) in a few entries on tvb76; now it is the same compiled
    Jacobian, and the spectrum is its eigenvalues."""
    conn, model, coupling = bn.load_atlas("tvb76"), bn.CoombesByrne(eta=-2.0), bn.Linear(G=0.3)
    fp = bn.dynamics.network_fixed_point(model, conn, coupling)
    np.testing.assert_array_equal(bn.dynamics.network_jacobian(model, conn, coupling).values, np.asarray(fp.jacobian))
    ev = network_spectrum(model, conn, coupling).values
    np.testing.assert_array_equal(np.sort_complex(ev), np.sort_complex(np.linalg.eigvals(np.asarray(fp.jacobian))))
