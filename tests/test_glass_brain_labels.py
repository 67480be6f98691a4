"""glass_brain puts a labelled matrix in the connectome's region order (runs without nilearn: a stub draws)."""

import importlib

import numpy as np
import pytest

import brainnet_cb as bn

pytest.importorskip("matplotlib")

gb = importlib.import_module("brainnet_cb.glass_brain")  # bn.glass_brain is the function


class _Plotting:
    def plot_connectome(self, m, coords, **kwargs):
        self.matrix, self.coords = np.array(m), np.array(coords)


@pytest.fixture
def drawn(monkeypatch):
    plotting = _Plotting()
    monkeypatch.setattr(gb, "_nilearn_plotting", lambda: plotting)
    return plotting


def _conn():
    w = np.array([[0, 1, 2], [1, 0, 3], [2, 3, 0]], float)
    return bn.Connectome(weights=w, lengths=w, labels=["a", "b", "c"], centres=np.eye(3) * 50)


def test_a_labelled_fc_in_another_order_is_drawn_in_the_connectomes_order(drawn):
    conn = _conn()
    fc = bn.fc(bn.as_timeseries(np.random.default_rng(0).standard_normal((200, 3)), dt=1.0, labels=["a", "b", "c"]))
    gb.glass_brain(fc, conn)
    expected = np.where(np.eye(3, dtype=bool), 0.0, fc.values)
    np.testing.assert_array_equal(drawn.matrix, expected)
    gb.glass_brain(fc.isel(region_i=[2, 0, 1], region_j=[2, 0, 1]), conn)  # same FC, regions c, a, b
    np.testing.assert_array_equal(drawn.matrix, expected)
    gb.glass_brain(fc.values[np.ix_([2, 0, 1], [2, 0, 1])], conn)  # unlabelled: by position, as documented
    assert not np.array_equal(drawn.matrix, expected)


def test_a_matrix_of_other_regions_is_refused(drawn):
    fc = bn.fc(bn.as_timeseries(np.random.default_rng(0).standard_normal((200, 3)), dt=1.0, labels=["a", "b", "x"]))
    with pytest.raises(bn.BrainnetError, match=r"glass_brain's data is labelled by region, but its labels "
                                               r"are not the connectome's 3 regions once each \(3 labels; unknown "
                                               r"\['x'\], missing \['c'\], repeated \[\]\); pass the connectome"):
        gb.glass_brain(fc, _conn())
