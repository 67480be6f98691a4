"""Every bad input to brainnet_cb.dynamics raises a BrainnetError that says what it got and how to fix it."""

import re

import brainunit as u
import jax.numpy as jnp
import numpy as np
import pytest
import xarray as xr

import brainnet_cb as bn
from brainnet_cb.dynamics import (
    critical_coupling,
    delayed_leading_eigenvalue,
    linear_fc,
    lyapunov_covariance,
    network_fixed_point,
    network_fixed_points,
    network_jacobian,
    relative_coupling,
)
from brainnet_cb.errors import BrainnetError, DynamicsError


@pytest.fixture(scope="module")
def conn():
    return bn.Connectome(weights=[[0, 1], [1, 0]], lengths=[[0, 30], [30, 0]], labels=["a", "b"])


def test_dynamics_error_is_a_brainnet_error():
    assert issubclass(DynamicsError, BrainnetError) and issubclass(DynamicsError, ValueError)


def test_model_class_instead_of_instance(conn):
    with pytest.raises(DynamicsError, match=r"^model must be a node model such as bn\.CoombesByrne\(eta=-2\.0\); "
                                            r"got <class 'brainnet_cb\.nodes\.coombes_byrne\.CoombesByrne'>\. Pass "
                                            r"an instance, not the class\.$"):
        network_fixed_points(bn.CoombesByrne, conn)


def test_weights_instead_of_connectome():
    with pytest.raises(DynamicsError, match=r"^connectome must be a bn\.Connectome; got ndarray: make one from a "
                                            r"weights matrix with bn\.Connectome\(weights, lengths\)\.$"):
        network_fixed_point(bn.CoombesByrne(), np.ones((2, 2)))


def test_coupling_not_a_coupling(conn):
    with pytest.raises(DynamicsError, match=r"^coupling must be a coupling object such as bn\.Linear\(G=0\.5\); got "
                                            r"0\.5\.$"):
        network_fixed_point(bn.CoombesByrne(), conn, 0.5)


def test_unknown_normalization(conn):
    with pytest.raises(BrainnetError, match=r"^unknown normalization 'maximum'; choose one of \('max', 'row_sum', "
                                            r"'log1p_max', 'none'\)\.$"):
        network_fixed_point(bn.CoombesByrne(), conn, normalize="maximum")


def test_bounds_on_unknown_state(conn):
    with pytest.raises(DynamicsError, match=r"^bounds must be a dict \{state: \(lo, hi\)\} over the states \('r', "
                                            r"'v'\); got \{'x': \(0, 1\)\}\.$"):
        network_fixed_points(bn.CoombesByrne(), conn, bounds={"x": (0, 1)})


def test_start_of_wrong_shape(conn):
    with pytest.raises(DynamicsError, match=r"^start must be a dict \{state: value\}, a FixedPoint or a finite real "
                                            r"array of shape \(2, 2\) \(states \('r', 'v'\) x regions\); got "
                                            r"\(3,\)\.$"):
        network_fixed_point(bn.CoombesByrne(), conn, start=np.ones(3))


def test_start_with_unknown_state(conn):
    with pytest.raises(BrainnetError, match=r"^initial_state has unknown variables \['x'\]; CoombesByrne has states "
                                            r"\('r', 'v'\)\.$"):
        network_fixed_point(bn.CoombesByrne(), conn, start={"x": 1.0})


def test_starts_not_a_list(conn):
    with pytest.raises(DynamicsError, match=r"^starts must be a list of initial states \(dicts or arrays\); got "
                                            r"dict\. Wrap a single state in a list\.$"):
        network_fixed_points(bn.CoombesByrne(), conn, starts={"r": 0.1})


def test_negative_n_random(conn):
    with pytest.raises(DynamicsError, match=r"^n_random must be an integer >= 0; got -1\.$"):
        network_fixed_points(bn.CoombesByrne(), conn, n_random=-1)


def test_bad_key(conn):
    with pytest.raises(DynamicsError, match=r"^key must be an int seed >= 0 or a jax\.random\.key; got 'abc'\.$"):
        network_fixed_points(bn.CoombesByrne(), conn, key="abc")


def test_bad_t_rest(conn):
    with pytest.raises(DynamicsError, match=r"^t_rest must be a finite number of ms \(>= 0\); got -5\.$"):
        network_fixed_points(bn.CoombesByrne(), conn, t_rest=-5)


def test_jacobian_at_wrong_shape(conn):
    with pytest.raises(DynamicsError, match=r"^at must be a dict \{state: value\}, a FixedPoint or a finite real "
                                            r"array of shape \(2, 2\) \(states \('r', 'v'\) x regions\); got \(2, "
                                            r"3\)\.$"):
        network_jacobian(bn.CoombesByrne(), conn, at=np.ones((2, 3)))


def test_critical_coupling_needs_scalar_G(conn):
    with pytest.raises(DynamicsError, match=r"^critical_coupling continues a scalar global coupling G; got "
                                            r"Linear\(G=array\(\[1\., 2\.\]\)\)\. Pass a coupling with a scalar G "
                                            r"\(its value is replaced\), e\.g\. bn\.Linear\(\)\.$"):
        critical_coupling(bn.CoombesByrne(), conn, bn.Linear(G=[1.0, 2.0]))


def test_critical_coupling_G_max_below_start(conn):
    with pytest.raises(DynamicsError, match=r"^G_max must be > 2; got 1\.0\.$"):
        critical_coupling(bn.CoombesByrne(), conn, G_start=2.0, G_max=1.0)


def test_critical_coupling_from_unstable_start(conn):
    model = bn.CoombesByrne(Delta=0.7, eta=-4.6, v_syn=5.0)
    saddle = [p for p in network_fixed_points(model, conn, bn.Linear(G=0.0), n_random=4) if not p.stable][0]
    with pytest.raises(DynamicsError, match=r"^the fixed point at G_start=0 is already unstable \(leading eigenvalue "
                                            r"1\.129\+0j /ms\); start from a stable state \(start=\) or a lower "
                                            r"G_start\.$"):  # a saddle: its leading eigenvalue is real
        critical_coupling(model, conn, start=saddle, G_max=2.0)


def test_critical_coupling_start_not_a_fixed_point(conn):
    model = bn.CoombesByrne(Delta=0.7, eta=-4.6, v_syn=5.0)
    fp = network_fixed_point(model, conn, bn.Linear(G=0.0))
    with pytest.raises(DynamicsError, match=r"^start is not a fixed point at G_start \(Newton residual [0-9.e+-]+ "
                                            r"/ms, moved by 0\.373\); pass a FixedPoint computed at G_start, or a "
                                            r"dict/array to search from\.$"):
        critical_coupling(model, conn, start=fp, G_start=15.0, G_max=16.0)


def test_critical_coupling_bad_max_points(conn):
    with pytest.raises(DynamicsError, match=r"^max_points must be an integer >= 2; got 1\.$"):
        critical_coupling(bn.CoombesByrne(), conn, max_points=1)


def test_relative_coupling_needs_a_result():
    with pytest.raises(DynamicsError, match=r"^critical must be the result of critical_coupling\(\); got float\.$"):
        relative_coupling(1.0, 2.0)


def test_coupling_at_needs_a_number(conn):
    cc = critical_coupling(bn.CoombesByrne(), conn, G_max=1.0)
    with pytest.raises(DynamicsError, match=r"^fraction must be a finite number \(G / G_c\); got 'half'\.$"):
        cc.coupling_at("half")


def test_delayed_bad_speed(conn):
    with pytest.raises(DynamicsError, match=r"^speed must be a finite conduction speed > 0 \(mm/ms = m/s\); got "
                                            r"0\.$"):
        delayed_leading_eigenvalue(bn.CoombesByrne(), conn, speed=0)


def test_delayed_bad_dt(conn):
    with pytest.raises(DynamicsError, match=r"^dt must be a time step > 0 \(ms\) or None; got -0\.1\.$"):
        delayed_leading_eigenvalue(bn.CoombesByrne(), conn, dt=-0.1)


def test_no_fixed_point_found_is_reported():
    # Jansen-Rit at a high input oscillates (a limit cycle); ask for a fixed point among tiny bounds
    conn = bn.Connectome(weights=[[0, 1], [1, 0]], lengths=[[0, 30], [30, 0]])
    with pytest.raises(DynamicsError, match=r"^no fixed point found from the start \(last Newton residual "
                                            r"[0-9.e+-]+ /ms\) by Newton, pseudo-transient continuation or 200 ms of "
                                            r"integration: the network may oscillate or diverge at these parameters, "
                                            r"or sit at a saddle-node where its fixed point is lost \(a coupling at or "
                                            r"past critical_coupling\(\.\.\.\)\.G_c\)\. Try another start=, a "
                                            r"smaller coupling, or network_fixed_points\(\)\.$"):
        network_fixed_point(bn.CoombesByrne(), conn, bounds={"r": (0.0, 0.01)})


@pytest.mark.parametrize(
    ("A", "Q", "message"),
    [
        ([[1.0, 0.0], [0.0, -1.0]], [1.0, 1.0],
         r"A is not stable \(largest real part of an eigenvalue 1\): .* Linearise at a stable fixed point"),
        ([[-1.0 + 1j, 0.0], [0.0, -1.0]], [1.0, 1.0], r"A must hold real, finite numbers; got complex values"),
        ([[np.nan, 0.0], [0.0, -1.0]], [1.0, 1.0], r"A must hold real, finite numbers; got non-finite"),
        (np.ones((2, 3)), [1.0, 1.0], r"A must be a square matrix \(m, m\), m >= 1; got shape \(2, 3\)"),
        (np.ones((0, 0)), [], r"A must be a square matrix \(m, m\), m >= 1; got shape \(0, 0\)"),  # NumPy's max
        (-np.eye(3), [1.0, 1.0], r"Q must have shape \(3,\) \(its diagonal\) or \(3, 3\) to match A; got shape \(2,\)"),
        (-np.eye(2), [-1.0, 1.0], r"Q must be a symmetric positive semidefinite noise intensity"),
        (-np.eye(2), [[1.0, 0.5], [0.0, 1.0]], r"Q must be a symmetric positive semidefinite"),
    ],
)
def test_lyapunov_covariance_refuses_what_has_no_stationary_covariance(A, Q, message):
    """An unstable A gave a 'covariance' with a negative variance ([[-0.5, 0], [0, 0.5]]), a complex A lost its
    imaginary part silently, a negative Q was solved; wrong shapes gave SciPy's messages."""
    with pytest.raises(DynamicsError, match=message):
        lyapunov_covariance(A, Q)


def test_linear_fc_takes_dt_as_a_quantity_like_simulate():
    """dt=0.1 * u.ms was refused ('dt must be the run's time step > 0 (ms); got Quantity(0.1, "ms")') where
    bn.simulate and delayed_unstable_roots take it; a zero step and a length are refused by name."""
    conn = bn.Connectome(weights=[[0, 1], [1, 0]], lengths=[[0, 30], [30, 0]])
    args = (bn.CoombesByrne(eta=-2.0), conn, bn.Linear(G=1.0), bn.Additive(v=0.05))
    bold = {"observable": "bold", "bold": bn.Bold(tr=720.0)}
    plain = linear_fc(*args, dt=0.1, **bold).values
    np.testing.assert_array_equal(linear_fc(*args, dt=0.1 * u.ms, **bold).values, plain)
    with pytest.raises(DynamicsError, match=r"^dt must be the run's time step > 0 \(ms\); got Quantity\(0\., "
                                            r'"ms"\)\.$'):
        linear_fc(*args, dt=0.0 * u.ms, **bold)
    with pytest.raises(DynamicsError, match=r"^dt must be a quantity with the dimension of ms; got 0\.1 mm\. Pass "
                                            r"e\.g\. dt=1\.0 \* u\.ms or a plain number in ms\.$"):
        linear_fc(*args, dt=0.1 * u.mm, **bold)


def test_relative_coupling_refuses_what_is_not_a_coupling_strength(conn):
    """relative_coupling(nan, cc) returned nan and relative_coupling('1', cc) read the string as 1.0."""
    cc = critical_coupling(bn.CoombesByrne(), conn, G_max=1.0)
    assert relative_coupling([0.5, 1.0], cc) == pytest.approx(np.array([0.5, 1.0]) / cc.G_ref, rel=1e-15)
    sweep_G = xr.DataArray([0.5, 1.0], dims="G")  # a sweep's coordinate, and a JAX array, were refused
    for G in (sweep_G, jnp.asarray([0.5, 1.0])):
        assert relative_coupling(G, cc) == pytest.approx(np.array([0.5, 1.0]) / cc.G_ref, rel=1e-6)
    for bad in (float("nan"), "1", 1 + 1j, True):
        with pytest.raises(DynamicsError, match=r"^G must be a finite coupling strength \(a number or an array of "
                                                r"numbers\); got " + re.escape(repr(bad)) + r"\. Pass the G of "
                                                r"bn\.Linear\(G=\.\.\.\), e\.g\. relative_coupling\(0\.8, cc\)\.$"):
            relative_coupling(bad, cc)


def test_a_complex_or_non_finite_start_is_refused_by_what_it_holds(conn):
    """A complex start array was cut to its real part (NumPy's ComplexWarning) and solved; a NaN start of the right
    shape was refused with 'got (2, 2)', the very shape asked for."""
    with pytest.raises(DynamicsError, match=r"^start must be a dict \{state: value\}, a FixedPoint or a finite real "
                                            r"array of shape \(2, 2\) \(states \('r', 'v'\) x regions\); got "
                                            r"ndarray of dtype complex128\.$"):
        network_fixed_point(bn.CoombesByrne(), conn, start=np.ones((2, 2)) * (0.1 + 1j))
    with pytest.raises(DynamicsError, match=r"^at must be a dict \{state: value\}, a FixedPoint or a finite real "
                                            r"array of shape \(2, 2\) \(states \('r', 'v'\) x regions\); got "
                                            r"non-finite values \(NaN or inf\)\.$"):
        network_jacobian(bn.CoombesByrne(), conn, at=np.full((2, 2), np.nan))


def test_numpy_integers_are_numbers_for_the_critical_coupling(conn):
    """cc.coupling_at(np.int64(1)) was refused as 'not a finite number', as was G_max=np.int64(2)."""
    cc = critical_coupling(bn.CoombesByrne(), conn, G_max=np.int64(2))
    np.testing.assert_array_equal(cc.branch.G.values, critical_coupling(bn.CoombesByrne(), conn, G_max=2.0).branch.G.values)
    assert cc.coupling_at(np.int64(1)) == cc.G_ref


def test_relaxation_times_take_quantities_like_every_time_argument(conn):
    """t_rest=10 * u.ms was refused ('must be a finite number of ms; got Quantity(10, "ms")'); it is converted
    once (0.01 s = 10 ms gives the same points), and a length is refused by its dimension."""
    model = bn.CoombesByrne(Delta=0.7, eta=-4.6, v_syn=5.0)
    plain = network_fixed_points(model, conn, bn.Linear(G=0.3), n_random=0, t_rest=10.0, dt_rest=0.05)
    timed = network_fixed_points(model, conn, bn.Linear(G=0.3), n_random=0, t_rest=0.01 * u.second,
                                 dt_rest=0.05 * u.ms)
    assert [p.start for p in timed] == [p.start for p in plain]
    np.testing.assert_array_equal(np.stack([p.values for p in timed]), np.stack([p.values for p in plain]))
    with pytest.raises(DynamicsError, match=r"^dt_rest must be a quantity with the dimension of ms; got 0\.05 mm\. "
                                            r"Pass e\.g\. dt_rest=1\.0 \* u\.ms or a plain number in ms\.$"):
        network_fixed_points(model, conn, t_rest=10.0, dt_rest=0.05 * u.mm)
