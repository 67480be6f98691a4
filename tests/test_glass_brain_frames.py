"""glass_brain draws a bundled atlas in the frame of its centres by default, and warns where other centres'
hemispheres say they are not RAS (runs without nilearn: a stub draws; the axial view with nilearn)."""

import importlib
import re
import warnings

import numpy as np
import pytest

import brainnet_cb as bn
from brainnet_cb.forward.montage import to_ras

pytest.importorskip("matplotlib")

gb = importlib.import_module("brainnet_cb.glass_brain")  # bn.glass_brain is the function


class _Plotting:
    def plot_connectome(self, m, coords, **kwargs):
        self.coords = np.array(coords)


@pytest.fixture
def drawn(monkeypatch):
    plotting = _Plotting()
    monkeypatch.setattr(gb, "_nilearn_plotting", lambda: plotting)
    return plotting


def _quietly(*args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no warning
        return gb.glass_brain(*args, **kwargs)


def test_tvb76_is_drawn_in_its_frame_left_on_the_left_front_to_the_front(drawn):
    conn = bn.load_atlas("tvb76")  # centres ALS: x anterior, y left
    _quietly(conn)  # before: drawn as RAS, its front-back axis taken for left-right
    xyz, right = drawn.coords, np.asarray(conn.hemispheres)
    assert xyz[right, 0].min() > 0 > xyz[~right, 0].max()  # every right region at x > 0, every left one at x < 0
    assert xyz[conn.labels.index("lPFCPOL"), 1] > 60 > -60 > xyz[conn.labels.index("lV1"), 1]  # frontal pole ahead
    np.testing.assert_array_equal(xyz, to_ras(conn.centres, "ALS"))
    some = conn.subset(["rV1", "lV1", "rPFCPOL", "lPFCPOL"])  # a subset of its regions: the same frame
    _quietly(some)
    np.testing.assert_array_equal(drawn.coords, to_ras(some.centres, "ALS"))
    _quietly(bn.load_atlas("tvb192"))
    np.testing.assert_array_equal(drawn.coords, to_ras(bn.load_atlas("tvb192").centres, "ALS"))
    _quietly(conn, axes="RAS")  # a frame given is drawn as given
    np.testing.assert_array_equal(drawn.coords, conn.centres)


def test_centres_already_ras_are_drawn_as_before_without_a_warning(drawn):
    tvb96 = bn.load_atlas("tvb96")
    for conn in (tvb96, tvb96.replace(name="mine"),  # its frame, RAS; and the same centres as a user's connectome
                 bn.load_atlas("tvb76").replace(centres=to_ras(bn.load_atlas("tvb76").centres, "ALS"))):
        _quietly(conn)  # the last: named tvb76, but not its centres: RAS, and its hemispheres agree
        np.testing.assert_array_equal(drawn.coords, conn.centres)
    assert bn.atlas_info("tvb96").centres_frame == "RAS" and bn.atlas_info("tvb76").centres_frame == "ALS"
    assert bn.atlas_info("tvb66").centres_frame is None


@pytest.mark.parametrize(("name", "centres", "axis", "larger", "side"), [
    ("tvb76", lambda c: c, "y", "smaller", "left"),  # ALS centres
    ("tvb96", lambda c: c * [-1, 1, 1], "x", "smaller", "left"),  # mirrored: LAS
])
def test_other_centres_that_are_not_ras_are_drawn_as_ras_with_a_warning_and_the_fix(drawn, name, centres, axis,
                                                                                     larger, side):
    atlas = bn.load_atlas(name)
    conn = atlas.replace(name="mine", centres=centres(np.asarray(atlas.centres)))
    with pytest.warns(UserWarning, match="^" + re.escape(
            "glass_brain draws the centres of 'mine' as RAS (x right, y anterior, z superior: nilearn's MNI-like "
            f"frame), but its hemispheres say otherwise: its right-hemisphere regions lie at {larger} {axis} than "
            f"its left ones, so +{axis} points {side} and the brain would be drawn rotated or mirrored. Pass axes= "
            "the frame of the centres, one letter per axis for where it points (e.g. axes='ALS': x anterior, y "
            "left, z superior, the frame of TVB's connectivities).") + "$"):
        gb.glass_brain(conn)
    np.testing.assert_array_equal(drawn.coords, conn.centres)


def test_the_axial_view_of_tvb76_has_the_left_hemisphere_on_the_left():
    pytest.importorskip("nilearn")
    conn = bn.load_atlas("tvb76")
    fig = gb.glass_brain(conn, edge_threshold="99%")
    axial = fig.axes[3]  # the frame, then the sagittal (x), coronal (y) and axial (z) projections
    (nodes,) = [c for c in axial.collections if len(c.get_offsets()) == conn.n_regions]
    screen = axial.transData.transform(np.asarray(nodes.get_offsets()))  # pixels: x to the right, y up
    right = np.asarray(conn.hemispheres)
    assert screen[~right, 0].max() < screen[right, 0].min()  # left regions left of every right region
    front, back = conn.labels.index("rPFCPOL"), conn.labels.index("rV1")
    assert screen[front, 1] > screen[back, 1]  # the frontal pole above the occipital pole: anterior at the top
