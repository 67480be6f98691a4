"""One node as a lecturer shows it: fixed points, folds, cusp, stability, Hopf, the step-size limit.

Numbers from the closed forms of the Coombes-Byrne node (the quartic of its fixed
points and the Jacobian) and from golden.json; the folds of k = 1, v_syn = 4 are
-3.3010 and -2.6427, the cusp -D sqrt(3 (k^2 + 4)) / 2.
"""

import math
import warnings

import numpy as np
import pytest

import brainnet_cb as bn
from brainnet_cb.dynamics import node_diagram
from brainnet_cb.simulation.step_stability import amplification, largest_stable_dt

ONE = bn.Connectome(np.zeros((1, 1)), np.zeros((1, 1)))


def _jacobian(Delta, eta, k, v_syn, r, v):
    """The Jacobian of the 2D node at (r, v), written out (independent of the code's jax.jacfwd)."""
    return np.array([[2 * v - 2 * k * np.pi * r, 2 * r],
                     [-2 * np.pi**2 * r + k * np.pi * (v_syn - v), 2 * v - k * np.pi * r]])


def test_folds_are_where_the_number_of_fixed_points_changes():
    folds = bn.CoombesByrne(v_syn=4.0).folds()
    np.testing.assert_allclose([f[0] for f in folds], [-3.3010, -2.6427], atol=5e-5)
    for eta, r, v in folds:
        # a double root: the vector field vanishes there and the Jacobian is singular
        x = np.array([[r], [v]])
        assert np.max(np.abs(np.asarray(bn.CoombesByrne(v_syn=4.0, eta=eta).dfun(x, {})))) < 1e-12
        assert abs(np.linalg.det(_jacobian(1.0, eta, 1.0, 4.0, r, v))) < 1e-9
    lo, hi = folds[0][0], folds[1][0]
    counts = [len(bn.CoombesByrne(v_syn=4.0, eta=e).fixed_points()) for e in (lo - 1e-6, lo + 1e-6, hi - 1e-6,
                                                                               hi + 1e-6)]
    assert counts == [1, 3, 3, 1]
    assert bn.CoombesByrne().folds() == []  # v_syn = -4: one fixed point for every eta


def test_the_folds_merge_at_the_cusp():
    """Folds exist for v_syn above 2 (k^2+4)^(3/4) D^(1/2) / (3^(3/4) k) and merge at eta_c = -D sqrt(3 (k^2+4)) / 2."""
    for k, Delta in ((1.0, 1.0), (2.0, 0.5)):
        v_c = 2 * (k**2 + 4) ** 0.75 * Delta**0.5 / (3**0.75 * k)
        eta_c = -Delta * math.sqrt(3 * (k**2 + 4)) / 2
        assert bn.CoombesByrne(k=k, Delta=Delta, v_syn=v_c * (1 - 1e-3)).folds() == []
        near = bn.CoombesByrne(k=k, Delta=Delta, v_syn=v_c * (1 + 1e-6)).folds()
        assert len(near) == 2
        np.testing.assert_allclose([f[0] for f in near], eta_c, atol=1e-4)


def test_mpr_folds_bracket_its_bistable_range():
    folds = bn.MontbrioPazoRoxin(Delta=0.7, J=14.5).folds()  # the regime of examples/bistable_mpr.py
    assert len(folds) == 2 and folds[0][0] < -4.6 < folds[1][0]
    for eta, r, v in folds:
        assert len(bn.MontbrioPazoRoxin(Delta=0.7, J=14.5, eta=eta - 1e-6).fixed_points()) != len(
            bn.MontbrioPazoRoxin(Delta=0.7, J=14.5, eta=eta + 1e-6).fixed_points())
        np.testing.assert_allclose(bn.MontbrioPazoRoxin(Delta=0.7, J=14.5, eta=eta).dfun(np.array([[r], [v]]), {}),
                                   0.0, atol=1e-12)


@pytest.mark.parametrize("case,v_ext", [("fixed_point_vext0", 0.0), ("fixed_point_vext1", 1.0)])
def test_diagram_eigenvalues_match_golden(golden, case, v_ext):
    d = node_diagram(bn.CoombesByrne(), "eta", [2.0], v_ext=v_ext)
    g = golden[case]
    re, im = (float(s) for s in g["eig"].replace("i", "").split("+/-"))
    assert d.r.values[0, 0] == pytest.approx(g["r"], abs=1e-9) and d.v.values[0, 0] == pytest.approx(g["v"], abs=1e-9)
    np.testing.assert_allclose(sorted(d.eigenvalues.values[0, 0], key=lambda z: z.imag), [re - 1j * im, re + 1j * im],
                               atol=1e-7)
    assert d.eigenvalues.dtype == np.complex128 and bool(d.stable.values[0, 0])


def test_k0_is_mpr_with_the_reference_eigenvalues():
    d = node_diagram(bn.CoombesByrne(k=0.0), "eta", [2.0])
    np.testing.assert_allclose(d.r.values[0, 0], 0.463251, atol=1e-6)
    ev = d.eigenvalues.values[0, 0]
    np.testing.assert_allclose(ev.real, -0.687, atol=5e-4)
    np.testing.assert_allclose(np.sort(ev.imag), [-2.911, 2.911], atol=5e-4)


def test_bistable_diagram_low_saddle_high_and_no_hopf_in_2d():
    etas = np.linspace(-4.0, -2.0, 81)
    d = node_diagram(bn.CoombesByrne(v_syn=4.0), "eta", etas)
    lo, hi = d.attrs["folds"]
    inside = (etas > lo) & (etas < hi)
    np.testing.assert_array_equal(d.n_fixed_points.values, np.where(inside, 3, 1))
    np.testing.assert_array_equal(d.n_unstable.values[inside], [[0, 1, 0]] * int(inside.sum()))
    # every fixed point of the 2D node: trace -k pi r - 2 Delta / (pi r) < 0, so no complex pair crosses (no Hopf)
    ok = ~np.isnan(d.r.values)
    trace = d.eigenvalues.values.sum(-1).real[ok]
    np.testing.assert_allclose(trace, -np.pi * d.r.values[ok] - 2 / (np.pi * d.r.values[ok]), rtol=1e-10)
    for i, j in zip(*np.nonzero(ok)):
        J = _jacobian(1.0, etas[i], 1.0, 4.0, d.r.values[i, j], d.v.values[i, j])
        np.testing.assert_allclose(np.sort_complex(np.linalg.eigvals(J)), np.sort_complex(d.eigenvalues.values[i, j]),
                                   atol=1e-10)


def test_the_4d_diagram_brackets_the_golden_hopf_points(golden):
    g = golden["cb4d_tvb_defaults_hopf"]
    model = bn.CoombesByrne4D(Delta=g["Delta"], alpha=g["alpha"], v_syn=g["v_syn"], k=g["k"])
    d = node_diagram(model, "eta", [g["eta_H1"] - 1e-3, g["eta_H1"] + 1e-3, g["eta_H2"] - 1e-3, g["eta_H2"] + 1e-3])
    np.testing.assert_array_equal(d.stable.values[:, 0], [True, False, False, True])
    lead = d.eigenvalues.values[:, 0, 0]
    np.testing.assert_allclose(2 * np.pi / np.abs(lead.imag), [g["period_H1"]] * 2 + [g["period_H2"]] * 2, rtol=1e-3)
    assert model.fixed_points() == [model.fixed_point()]  # one point at the defaults, (r, v, k pi r, 0)


@pytest.mark.parametrize("method,science", [("euler", 0.105), ("heun", 0.305), ("rk4", 0.55), ("exp_euler", 0.110)])
def test_step_size_limits_at_eta_10(method, science):
    """Largest dt keeping the fixed point at eta = 10 stable. The reference table gives 0.105, 0.305, 0.55 (to
    0.005) and 0.115 for exp_euler; the closed form of its step, x + dt phi1(dt a) f with a the diagonal of the
    Jacobian, gives 0.1100 (a run at 0.11 ms neither grows nor decays, at 0.12 ms it leaves the fixed point)."""
    r, v = bn.CoombesByrne(eta=10.0).fixed_point()
    J = _jacobian(1.0, 10.0, 1.0, -4.0, r, v)
    limit = largest_stable_dt(method, J)
    assert abs(limit - science) < 0.0031
    radius = [np.max(np.abs(np.linalg.eigvals(amplification(method, J, h)))) for h in (0.999 * limit, 1.001 * limit)]
    assert radius[0] < 1 < radius[1]


def test_a_step_past_the_limit_warns_before_the_run_and_one_below_does_not():
    model = bn.CoombesByrne(eta=10.0)
    with pytest.warns(bn.StepSizeWarning, match=r"^dt = 0\.12 ms is past the stability limit of method 'exp_euler' "
                                                r"at the stable fixed point of one uncoupled CoombesByrne node "
                                                r"\(r\* = 0\.5286, v\* = 0\.5293\): there the largest stable dt is "
                                                r"0\.11 ms\. The run can diverge, or oscillate where the model "
                                                r"rests; use dt <= 0\.1 ms; or method='rk4' \(stable up to 0\.548 "
                                                r"ms there\)\.$"):
        bn.prepare(model, ONE, duration=12.0, dt=0.12, method="exp_euler", monitors=[bn.Raw()])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        bn.prepare(model, ONE, duration=10.0, dt=0.1, method="exp_euler", monitors=[bn.Raw()])
        bn.prepare(bn.CoombesByrne4D(), ONE, duration=10.0, dt=0.1, monitors=[bn.Raw()])  # unstable rest: no check


def test_a_diverged_single_node_blames_the_step_not_the_coupling():
    with pytest.raises(bn.DivergenceError, match=r"^the run diverged: a state variable of region 'r0' \(index 0\) "
                                                 r"became NaN or inf at t = [0-9.]+ ms \(step \d+\)\. The regions are "
                                                 r"not coupled \(the connectome has no edges\), so the step is the "
                                                 r"cause: use a smaller dt \(now 0\.5 ms;"), \
            pytest.warns(bn.StepSizeWarning):
        bn.simulate(bn.CoombesByrne(eta=10.0), ONE, duration=100.0, dt=0.5)


def test_student_mistakes_are_named():
    with pytest.raises(bn.ModelError, match=r"^CoombesByrne\.eta must be a scalar or have shape \(1,\) \(one value "
                                            r"per region\); got shape \(2,\)\. To run several values of eta \(one run "
                                            r"each\), give a scalar here and pass batch=\{'eta': \[\.\.\.\]\} to "
                                            r"bn\.simulate_batch\.$"):
        bn.simulate(bn.CoombesByrne(eta=[1.0, 2.0]), ONE, duration=10.0)
    with pytest.raises(bn.ModelError, match=r"^CoombesByrne\.fixed_points\(\) analyses one node: it needs the input "
                                            r"v_ext as one number; got \[1\.0, 2\.0\] \(shape \(2,\)\)\. Call it once "
                                            r"per value, e\.g\. \[model\.fixed_points\(v_ext=x\) for x in values\]\.$"):
        bn.CoombesByrne().fixed_points(v_ext=[1.0, 2.0])  # was numpy's TypeError
    with pytest.raises(bn.ModelError, match=r"^CoombesByrne\.fixed_points\(\) analyses one node and needs scalar "
                                            r"parameters; got per-region arrays for \['eta'\]\. Call it once per "
                                            r"value, e\.g\. \[bn\.CoombesByrne\(eta=x\)\.fixed_points\(\) for x in "
                                            r"values\], or use brainnet_cb\.dynamics\.node_diagram"):
        bn.CoombesByrne(eta=[1.0, 2.0]).fixed_points()
    with pytest.raises(bn.DynamicsError, match=r"^node_diagram needs a node model whose fixed points are known in "
                                               r"closed form \(CoombesByrne, CoombesByrne4D, MontbrioPazoRoxin\); "
                                               r"JansenRit has no fixed_points\(\)\. For any model, solve one node "
                                               r"numerically: brainnet_cb\.dynamics\.network_fixed_points"):
        node_diagram(bn.JansenRit(), "A", [3.25])
    with pytest.raises(bn.DynamicsError, match=r"^node_diagram: 'J' is not a parameter of CoombesByrne; choose one of "
                                               r"\['Delta', 'eta', 'k', 'v_syn'\]\.$"):
        node_diagram(bn.CoombesByrne(), "J", [1.0])
    with pytest.raises(bn.DynamicsError, match=r"^node_diagram: unknown input 'g_ext'; CoombesByrne4D\.fixed_points "
                                               r"takes the constant inputs \['v_ext'\] \(numbers\)\.$"):
        node_diagram(bn.CoombesByrne4D(), "eta", [1.0], g_ext=1.0)
    with pytest.raises(bn.DynamicsError, match=r"^node_diagram: values must be a 1-D sequence of 1 to 100000 numbers"):
        node_diagram(bn.CoombesByrne(), "eta", [])
    with pytest.raises(bn.ModelError, match=r"^CoombesByrne\.eta is dimensionless; got \[2\.\] mV \(unit mV\)\. Pass a plain number\.$"):
        import brainunit as u

        node_diagram(bn.CoombesByrne(), "eta", [2.0] * u.mV)


def test_a_duration_in_seconds_is_converted_and_a_quantity_of_another_kind_refused():
    import brainunit as u

    ds = bn.simulate(bn.CoombesByrne(), ONE, duration=0.02 * u.second, dt=0.1 * u.ms, monitors=[bn.Raw()])
    assert ds.sizes["time"] == 200 and ds.attrs["duration"] == pytest.approx(20.0)
    with pytest.raises(bn.SimulationError, match=r"^duration must be a quantity with the dimension of ms; got 2 Hz\."):
        bn.simulate(bn.CoombesByrne(), ONE, duration=2 * u.Hz)


@pytest.mark.slow  # critical_coupling compiles its continuation (7 s)
def test_two_coupled_nodes_leave_the_down_state_at_the_closed_form_fold():
    """A symmetric pair (W = [[0, 1], [1, 0]]) stays symmetric: each node sees v_ext = G r, so along the branch
    G(r) = (eta_e(r) - eta) / r with eta_e(r) the node's quartic solved for eta; the down state is lost at the
    first maximum of G(r) (the antisymmetric mode stays stable up to there). Delays do not move it."""
    from scipy.optimize import brentq, minimize_scalar

    Delta, eta, k, v_syn = 0.7, -4.6, 1.0, 5.0
    a, b, c = np.pi**4 * (k**2 + 4), 4 * k * np.pi**3 * v_syn, 4 * np.pi**2

    def coupling(r):
        return ((a * r**2 - b * r - Delta**2 / r**2) / c - eta) / r

    r_down = brentq(lambda r: coupling(r) * r, 0.01, 0.08)
    fold = minimize_scalar(lambda r: -coupling(r), bounds=(r_down, 0.3), method="bounded",
                           options={"xatol": 1e-12})
    pair = bn.Connectome(weights=[[0, 1], [1, 0]], lengths=[[0, 30], [30, 0]], labels=["A", "B"])
    cc = bn.critical_coupling(bn.CoombesByrne(Delta=Delta, eta=eta, k=k, v_syn=v_syn), pair,
                              start={"r": 0.06, "v": -1.8})
    assert cc.kind == "saddle-node"
    assert cc.G_c == pytest.approx(coupling(fold.x), abs=1e-6)  # 19.493452


@pytest.mark.slow  # critical_coupling compiles its continuation
def test_a_conductance_coupled_pair_loses_the_down_state_where_the_node_with_k_plus_G_over_pi_folds():
    """With bn.Conductance the symmetric pair's input enters g: g = k pi r + G r = (k + G / pi) pi r, so each node
    is a node with k' = k + G / pi, and the down state is lost where eta = -4.6 is the upper fold of that node:
    G_c = pi (k' - k) = 4.0928798."""
    from scipy.optimize import brentq

    def upper_fold_minus_eta(k_prime):
        return bn.CoombesByrne(k=k_prime, Delta=0.7, v_syn=5.0).folds()[1][0] + 4.6

    k_prime = brentq(upper_fold_minus_eta, 2.0, 2.5, xtol=1e-14)
    pair = bn.Connectome(weights=[[0, 1], [1, 0]], lengths=[[0, 30], [30, 0]], labels=["A", "B"])
    cc = bn.critical_coupling(bn.CoombesByrne(Delta=0.7, eta=-4.6, v_syn=5.0), pair, bn.Conductance(),
                              start={"r": 0.06, "v": -1.8})
    assert cc.kind == "saddle-node"
    assert cc.G_c == pytest.approx(np.pi * (k_prime - 1.0), abs=1e-6)


def test_the_4d_model_has_the_folds_and_fixed_points_of_the_2d_one():
    p = dict(k=1.0, v_syn=10.0, Delta=0.5)
    four, two = bn.CoombesByrne4D(eta=-10.0, **p), bn.CoombesByrne(eta=-10.0, **p)
    assert [f[:3] for f in four.folds()] == two.folds()
    assert [f[3] for f in four.folds()] == [np.pi * f[1] for f in two.folds()]
    assert [f[:2] for f in four.fixed_points()] == two.fixed_points() and len(two.fixed_points()) == 3
    assert node_diagram(four, "eta", [-10.0]).attrs["folds"] == [f[0] for f in two.folds()]


def test_a_dt_in_seconds_is_named_by_the_warning_and_the_monitor_error():
    import brainunit as u

    with pytest.warns(bn.StepSizeWarning, match=r"^dt = 100 ms is past the stability limit of method 'heun'"), \
            pytest.raises(bn.MonitorError, match=r"^TemporalAverage period 1\.0 ms is not a whole multiple of dt = "
                                                 r"100\.0 ms; use e\.g\. period=100 ms, or a smaller dt: dt = 100 ms "
                                                 r"is longer than the period \(dt is in ms: dt=0\.1 or dt=0\.1 \* "
                                                 r"u\.ms; 0\.1 \* u\.second is 100 ms\)\.$"):
        bn.simulate(bn.CoombesByrne(), ONE, duration=2 * u.second, dt=0.1 * u.second)
