"""Delay arguments of the working-point checks: quantities and NumPy scalars as bn.simulate takes them,
checked before any fixed-point solve."""

import brainunit as u
import numpy as np
import pytest

import brainnet_cb as bn
from brainnet_cb.dynamics import delayed_leading_eigenvalue, delayed_unstable_roots
from brainnet_cb.errors import DynamicsError

PAIR = bn.Connectome(weights=[[0, 1], [1, 0]], lengths=[[0, 30], [30, 0]])
MODEL = bn.CoombesByrne(Delta=0.1, eta=1.0)  # lightly damped: the delays move its leading root


def test_speed_and_dt_as_quantities_give_the_plain_number_result():
    plain = delayed_leading_eigenvalue(MODEL, PAIR, bn.Linear(G=0.5), speed=3.0, dt=0.1)
    assert delayed_leading_eigenvalue(MODEL, PAIR, bn.Linear(G=0.5), speed=3 * u.meter / u.second,
                                      dt=100 * u.usecond) == pytest.approx(plain, rel=1e-12)
    assert delayed_leading_eigenvalue(MODEL, PAIR, bn.Linear(G=0.5), speed=np.int64(3),
                                      dt=np.float32(0.1)) == pytest.approx(plain, rel=1e-6)
    count = delayed_unstable_roots(MODEL, PAIR, bn.Linear(G=0.5), speed=3.0)
    assert delayed_unstable_roots(MODEL, PAIR, bn.Linear(G=0.5), speed=3 * u.meter / u.second) == count


@pytest.mark.parametrize("fn", [delayed_leading_eigenvalue, delayed_unstable_roots])
def test_bad_speed_or_dt_is_refused_before_the_fixed_point_solve(fn, monkeypatch):
    from brainnet_cb.dynamics import spectrum

    def no_solve(*args, **kwargs):
        raise AssertionError("the fixed point was solved before the arguments were checked")

    monkeypatch.setattr(spectrum, "fixed_point_of", no_solve)
    with pytest.raises(DynamicsError, match=r"speed must be a quantity with the dimension of mm/ms; got 3\.? ms"):
        fn(MODEL, PAIR, bn.Linear(G=0.5), speed=3 * u.ms)
    with pytest.raises(DynamicsError, match=r"speed must be a finite conduction speed > 0 .*got True"):
        fn(MODEL, PAIR, bn.Linear(G=0.5), speed=True)
    with pytest.raises(DynamicsError, match=r"dt must be a time step > 0 \(ms\) or None; got -0.1"):
        fn(MODEL, PAIR, bn.Linear(G=0.5), dt=-0.1)
    with pytest.raises(DynamicsError, match=r"dt must be a quantity with the dimension of ms"):
        fn(MODEL, PAIR, bn.Linear(G=0.5), dt=0.1 * u.mm)
