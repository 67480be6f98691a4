"""The frames of the bundled atlases' centres that docs/observations.md gives for nilearn's glass brain."""

import numpy as np

import brainnet_cb as bn
from brainnet_cb.forward.montage import to_ras


def _ras(name, axes):
    conn = bn.load_atlas(name)
    return conn, to_ras(np.asarray(conn.centres, dtype=float), axes), np.asarray(conn.hemispheres)


def test_tvb76_is_als_and_tvb96_ras():
    conn, xyz, right = _ras("tvb76", "ALS")
    assert xyz[right, 0].min() > 0 > xyz[~right, 0].max()  # every right region at x > 0 (MNI: right)
    assert xyz[conn.labels.index("rPFCPOL"), 1] > 60 > -60 > xyz[conn.labels.index("rV1"), 1]
    conn, xyz, right = _ras("tvb96", "RAS")
    assert xyz[right, 0].min() > 0 > xyz[~right, 0].max()
    assert xyz[conn.labels.index("RM-V1_R"), 1] < -70 and xyz[conn.labels.index("RM-TCpol_R"), 2] < -30


def test_tvb192_centres_disagree_with_its_sides_and_tvb66_tvb68_are_not_centred():
    conn, xyz, right = _ras("tvb192", "ALS")
    assert (xyz[right, 0] < 0).all()  # every r... region on the left
    for name, mean in [("tvb66", (112, 84, 53)), ("tvb68", (108, 107, 38))]:
        np.testing.assert_allclose(np.asarray(bn.load_atlas(name).centres).mean(axis=0), mean, atol=0.6)
