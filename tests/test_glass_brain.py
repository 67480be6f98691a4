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
    with pytest.raises(bn.BrainnetError, match=r"needs region centres"):
        glass_brain(np.eye(2), bn.Connectome(weights=[[0, 1], [1, 0]], lengths=[[0, 1], [1, 0]]))
