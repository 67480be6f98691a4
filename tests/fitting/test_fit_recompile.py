"""A second gradient fit (or fc_loss value and gradient) of the same structure compiles nothing.

The loss is one program per structure (model and coupling class, connectome size, delays, monitors, dt,
duration, signal, discard, band, loss): the starting values, the target FC and the noise key are its
arguments, not constants, so a multi-start fit or a loop over subjects pays the compile once. A value baked
into the program would compile again on each call, and a stale one would give the first call's answer: the
count of backend compiles (``jax.monitoring``, the counting_compiles fixture of tests/conftest.py) catches the
first, a fresh program with the values as constants the second.
"""

import jax
import numpy as np

import brainnet_cb as bn
from brainnet_cb.fitting.fit import fc_loss

CONN = bn.Connectome([[0, 1, 0.5], [1, 0, 1], [0.5, 1, 0]], np.array([[0, 20, 30], [20, 0, 25], [30, 25, 0.0]]))
RUN = dict(duration=600.0, dt=0.1, noise=bn.Additive(v=0.1), monitors=[bn.TemporalAverage(5.0)], signal="r",
           band=None)


def targets():
    rng = np.random.default_rng(7)
    return [np.corrcoef(rng.normal(size=(3, 40))) for _ in range(2)]


def test_a_second_gradient_fit_with_other_values_compiles_nothing(counting_compiles):
    first_target, other_target = targets()
    first = bn.fit_gradient(bn.CoombesByrne(), CONN, first_target, init={"G": 1.0}, steps=2, progress=False,
                            key=0, **RUN)
    with counting_compiles() as count:
        other = bn.fit_gradient(bn.CoombesByrne(), CONN, other_target, init={"G": 0.7}, steps=2, progress=False,
                                key=5, **RUN)
    assert count[0] == 0
    # the new start, target and key were used: the loss at the start equals a program built with them as
    # constants (to rounding: XLA folds a constant target's statistics when it compiles)
    f, p, _ = fc_loss(bn.CoombesByrne(), CONN, other_target, init={"G": 0.7}, key=5, **RUN)
    np.testing.assert_allclose(float(other.loss[0]), float(jax.jit(f)(p)[0]), rtol=1e-13, atol=0)
    assert abs(float(other.loss[0]) - float(first.loss[0])) > 1e-3


def test_a_second_fc_loss_value_and_gradient_compiles_nothing(counting_compiles):
    first_target, other_target = targets()
    f, p, _ = fc_loss(bn.CoombesByrne(), CONN, first_target, init={"G": 1.0, "eta": -4.0}, key=0, **RUN)
    (loss, _), grad = jax.value_and_grad(f, has_aux=True)(p)
    with counting_compiles() as count:
        g, q, _ = fc_loss(bn.CoombesByrne(), CONN, other_target, init={"G": 0.8, "eta": -4.2}, key=3, **RUN)
        (other_loss, _), other_grad = jax.value_and_grad(g, has_aux=True)(q)
    assert count[0] == 0
    assert abs(float(other_loss) - float(loss)) > 1e-3 and float(other_grad["G"]) != float(grad["G"])


def test_another_structure_compiles_its_own_program(counting_compiles):
    first_target, _ = targets()
    bn.fit_gradient(bn.CoombesByrne(), CONN, first_target, init={"G": 1.0}, steps=1, progress=False, **RUN)
    with counting_compiles() as count:  # the loss is part of the structure: another program (the counter counts)
        bn.fit_gradient(bn.CoombesByrne(), CONN, first_target, init={"G": 1.0}, steps=1, progress=False,
                        loss="corr", **RUN)
    assert count[0] >= 1
