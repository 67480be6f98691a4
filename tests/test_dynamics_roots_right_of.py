"""roots_right_of finds every root of the delayed characteristic equation right of a line, with its null vectors.

References written from first principles: the Lambert W branches of the scalar DDE x' = a x + b x(t - tau) (all of
its roots), and the full pseudospectral matrix of Breda, Maset & Vermiglio (2005) for three Coombes–Byrne regions
(the reference of test_dynamics_rightmost_root).
"""

import numpy as np
import pytest
import scipy.special
from test_dynamics_rightmost_root import L3, LIGHT, W3, _breda, _by_hand, _parts, _scalar

import brainnet_cb as bn
from brainnet_cb.dynamics import delayed_roots as roots
from brainnet_cb.dynamics import network_fixed_point


@pytest.mark.parametrize("a, b, tau, sigma", [(-0.5, -2.0, 5.0, -0.4), (-0.1, 0.5, 20.0, -0.08),
                                              (-0.2, -1.0, 10.0, -0.25), (0.0, -0.5, 30.0, -0.05),
                                              (-1.0, -1.2, 50.0, -0.01)])
def test_every_lambert_w_root_right_of_the_line_is_found(a, b, tau, sigma):
    """The roots of x' = a x + b x(t - tau) are a + W_k(b tau e^{-a tau}) / tau over every branch k: those right of
    the line (9 to 20 with Im >= 0 here) are found, each once, and the count includes their conjugates."""
    parts, W, T = _scalar(a, b, tau)
    ref = np.array([a + complex(scipy.special.lambertw(b * tau * np.exp(-a * tau), k)) / tau
                    for k in range(-200, 201)])
    right = ref[(ref.real > sigma) & (ref.imag >= 0)]
    found, count = roots.roots_right_of(parts, W, T, sigma, 0.02)
    values = np.array([r.value for r in found])
    assert len(found) == right.size >= 9
    assert count == 2 * right.size - int(np.sum(right.imag == 0))
    assert np.max(np.abs(values[:, None] - right[None]).min(axis=1)) < 1e-12
    assert list(values.real) == sorted(values.real, reverse=True)


def test_no_root_right_of_the_line_finds_none():
    parts, W, T = _scalar(-1.0, 0.5, 2.0)  # stable: the rightmost root is real, -1 + W_0(e^2) / 2 = -0.22143
    assert roots.roots_right_of(parts, W, T, -0.2, 0.02) == ([], 0)
    found, count = roots.roots_right_of(parts, W, T, -0.25, 0.02)
    assert count == 1 and len(found) == 1 and found[0].value == pytest.approx(-0.221427, abs=1e-6)


def test_three_regions_their_growing_roots_and_null_vectors():
    """Three regions, delays 10, 15 and 20 ms, G = 8: the pseudospectral reference has 6 roots right of the
    imaginary axis; the three of Im > 0 are found, with T v = 0, w^H T = 0 and slope w^H T'(lambda) v."""
    model, G = bn.CoombesByrne(Delta=LIGHT["Delta"], eta=LIGHT["eta"]), 8.0
    conn = bn.Connectome(weights=W3, lengths=L3)
    fp = network_fixed_point(model, conn, bn.Linear(G=G))
    A, terms = _by_hand(fp, G)
    ref = _breda(A, terms, 60)
    right = ref[(ref.real > 0) & (ref.imag > 0)]
    found, count = roots.roots_right_of(_parts(model, conn, G, fp), W3 / W3.max(), L3 / 3.0, 0.0, 0.01)
    assert count == 6 and len(found) == right.size == 3
    assert np.max(np.abs(np.array([r.value for r in found])[:, None] - right[None]).min(axis=1)) < 1e-7
    for r in found:
        T = r.value * np.eye(6) - A - sum(B * np.exp(-r.value * t) for B, t in terms)
        dT = np.eye(6) + sum(B * t * np.exp(-r.value * t) for B, t in terms)
        assert np.linalg.norm(r.right) == pytest.approx(1.0) and np.linalg.norm(r.left) == pytest.approx(1.0)
        assert np.linalg.norm(T @ r.right) < 1e-10 and np.linalg.norm(r.left.conj() @ T) < 1e-10
        assert abs(r.slope - r.left.conj() @ dT @ r.right) < 1e-10 * max(1.0, abs(r.slope))
