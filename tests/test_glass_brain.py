"""Glass-brain view through nilearn (skipped without nilearn)."""

import numpy as np
import pytest

import brainnet_cb as bn

pytest.importorskip("nilearn")
pytest.importorskip("matplotlib")

from brainnet_cb.glass_brain import glass_brain


def test_glass_brain_draws_the_strongest_edges_between_region_centres_in_mni_axes():
    conn = bn.load_atlas("tvb76")
    fig = glass_brain(conn, axes="ALS", edge_threshold="99%", title="tvb76")
    assert len(fig.axes) >= 3  # the x, y, z projections (and a colour bar)
    fc = np.corrcoef(np.random.default_rng(0).normal(size=(76, 200)))
    assert glass_brain(fc, conn, axes="ALS") is not None
    with pytest.raises(bn.BrainnetError, match=r"needs an \(76, 76\) matrix .* got shape \(3, 3\)"):
        glass_brain(np.eye(3), conn)
    with pytest.raises(bn.BrainnetError, match=r"^glass_brain needs region centres: pass a Connectome with centres "
                                               r"\(as data, or connectome= beside a matrix\)\.$"):
        glass_brain(np.eye(2), bn.Connectome(weights=[[0, 1], [1, 0]], lengths=[[0, 1], [1, 0]]))


def _edges_drawn(fig):
    """Lines nilearn drew on its first projection (fig.axes[0] is the figure's frame; each edge is one Line2D)."""
    return len(fig.axes[1].lines)


def test_tied_strongest_edges_are_drawn_and_a_threshold_above_every_edge_is_refused():
    """A binary connectome's edges are all tied at the top: nilearn's percentile rule (+1e-5) lay above them, it
    drew nothing and failed in its colour bar ('GlassBrainAxes' object has no attribute 'cmap')."""
    centres = [[-30, 0, 40], [30, 0, 40], [-30, -40, 20], [30, -40, 20]]
    binary = bn.Connectome(weights=1.0 - np.eye(4), lengths=30.0 * (1.0 - np.eye(4)), centres=centres)
    assert _edges_drawn(glass_brain(binary)) == 6  # every pair, tied at weight 1
    graded = binary.replace(weights=np.array([[0, 1, 2, 3], [1, 0, 4, 5], [2, 4, 0, 6], [3, 5, 6, 0]], float))
    assert _edges_drawn(glass_brain(graded)) == 1  # the 95th percentile of 1..6 (5.75): the pair of weight 6 only
    assert _edges_drawn(glass_brain(graded, edge_threshold=4.0)) == 3  # nilearn's rule for a number: |w| >= 4
    with pytest.raises(bn.BrainnetError, match=r"^edge_threshold=7.0 lies above the largest value drawn, 6: no "
                                               r"edge would be drawn. Pass a value up to 6 or a percentile"):
        glass_brain(graded, edge_threshold=7.0)
    with pytest.raises(bn.BrainnetError, match=r"^edge_threshold='120%' must be a percentile from '0%' to '100%'"):
        glass_brain(graded, edge_threshold="120%")
    with pytest.raises(bn.BrainnetError, match=r"^edge_threshold must be a percentile string such as '95%' or a "
                                               r"number; got 'strong'."):
        glass_brain(graded, edge_threshold="strong")
