"""One node's figures: the phase plane (nullclines, fixed points, a run) and the bifurcation diagram, headless."""

import numpy as np
import pytest

pytest.importorskip("matplotlib")

import brainnet_cb as bn
from brainnet_cb import plots
from brainnet_cb.dynamics import node_diagram

ONE = bn.Connectome(np.zeros((1, 1)), np.zeros((1, 1)))


def test_phase_plane_draws_nullclines_through_the_fixed_points_and_the_run(tmp_path):
    model = bn.CoombesByrne(v_syn=4.0, eta=-3.0)  # bistable: low, saddle, high
    run = bn.simulate(model, ONE, duration=30.0, dt=0.01, method="rk4", monitors=[bn.Raw()],
                      initial_state={"r": 0.35, "v": 0.2})
    fig = plots.phase_plane(model, trajectory=run)
    ax = fig.axes[0]
    assert ax.get_xlabel() == "population firing rate r (1/ms)"
    assert ax.get_ylabel() == "mean membrane potential v (dimensionless)"
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["dr/dt = 0", "dv/dt = 0", "trajectory", "stable fixed point", "unstable fixed point"]
    # the markers sit on the closed-form fixed points, filled when stable
    markers = [line for line in ax.get_lines() if line.get_marker() == "o"]
    got = sorted((float(m.get_xdata()[0]), float(m.get_ydata()[0]), m.get_markerfacecolor() == "k") for m in markers)
    want = model.fixed_points()
    np.testing.assert_allclose([g[:2] for g in got], want, atol=1e-12)
    assert [g[2] for g in got] == [True, False, True]
    # the run ends on the high state, drawn as it is
    trajectory = next(line for line in ax.get_lines() if line.get_label() == "trajectory")
    np.testing.assert_array_equal(trajectory.get_xdata(), run.r.values[:, 0])
    assert abs(trajectory.get_xdata()[-1] - want[2][0]) < 1e-6
    fig.savefig(tmp_path / "phase.png")
    assert (tmp_path / "phase.png").stat().st_size > 10_000


def test_diagram_figure_marks_stable_unstable_and_the_folds(tmp_path):
    d = node_diagram(bn.CoombesByrne(v_syn=4.0), "eta", np.linspace(-4.0, -2.0, 41))
    fig = plots.node_diagram(d)
    ax = fig.axes[0]
    assert ax.get_xlabel() == "eta (dimensionless)" and ax.get_ylabel() == "population firing rate (1/ms)"
    folds = [line.get_xdata()[0] for line in ax.get_lines() if line.get_linestyle() == ":"]
    np.testing.assert_allclose(folds, d.attrs["folds"])
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["stable", "unstable", "saddle-node"]
    fig.savefig(tmp_path / "diagram.png")


def test_figures_of_one_node_refuse_what_they_cannot_draw():
    with pytest.raises(bn.BrainnetError, match=r"^phase_plane draws a node with two state variables; CoombesByrne4D "
                                               r"has 4 \('r', 'v', 'g', 'q'\)\. Plot a run's trajectory in two of "
                                               r"them instead, e\.g\. ax\.plot\(ds\.r, ds\.v\)\.$"):
        plots.phase_plane(bn.CoombesByrne4D())
    with pytest.raises(bn.BrainnetError, match=r"^phase_plane: the range of r must be finite with low < high; got "
                                               r"\(1\.0, 0\.0\)\.$"):
        plots.phase_plane(bn.CoombesByrne(), x=(1.0, 0.0))
    pair = bn.simulate(bn.CoombesByrne(), bn.Connectome([[0, 1], [1, 0]], [[0, 10], [10, 0]]), duration=5.0,
                       monitors=[bn.Raw()])
    with pytest.raises(bn.BrainnetError, match=r"^phase_plane: the trajectory must be one region's run; got dims "
                                               r"\('time', 'region'\)\. Pass ds\.isel\(region=k\)\.$"):
        plots.phase_plane(bn.CoombesByrne(), trajectory=pair)
    with pytest.raises(bn.BrainnetError, match=r"^plots\.node_diagram draws the Dataset of "
                                               r"brainnet_cb\.dynamics\.node_diagram"):
        plots.node_diagram(pair)
