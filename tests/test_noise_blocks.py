"""Noise drawn in blocks of NOISE_BLOCK steps aligned to absolute step numbers.

Block ``b`` is one draw ``normal(fold_in(key, b), (K, n_noisy, n))``; step ``s``
uses its row ``s % K``. Chunk boundaries and resume points inside a block must
give the numbers of the uninterrupted run, bit for bit.
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import brainnet_cb as bn
from brainnet_cb import _engine
from brainnet_cb.noise import NOISE_BLOCK, block_increments

K = NOISE_BLOCK


def _conn(n=5, seed=8):
    rng = np.random.default_rng(seed)
    w = rng.random((n, n)) * (rng.random((n, n)) < 0.6)
    np.fill_diagonal(w, 0.0)
    return bn.Connectome(w, rng.uniform(4, 40, (n, n)))


# TemporalAverage every 3 steps and Raw every step: top-level period 3, so
# chunks (whole top-level periods) end inside noise blocks of 10 steps.
KW = dict(duration=41.7, dt=0.1, coupling=bn.Linear(G=0.4), noise=bn.Additive(r=0.01, v=0.3), key=5,
          monitors=[bn.Raw(name="raw"), bn.TemporalAverage(0.3)])


def test_the_block_length_is_not_a_divisor_of_the_chunks_used_here():
    run = bn.prepare(bn.CoombesByrne(), _conn(), **KW)
    pieces = run.schedule(37)
    period = [1] + [p for p, _ in run.plan.levels]
    ends = np.cumsum([nb * period[level + 1] for nb, level in pieces])
    assert ends[-1] == 417 and np.any(ends[:-1] % K != 0)


@pytest.mark.parametrize("method", ["heun", "euler", "rk4"])
@pytest.mark.parametrize("chunk_steps", [7, 37, 123])
def test_chunk_boundaries_inside_a_noise_block_give_the_unchunked_run(method, chunk_steps):
    conn = _conn()
    whole = bn.simulate(bn.CoombesByrne(), conn, method=method, chunk_steps=10_000, **KW)
    parts = bn.simulate(bn.CoombesByrne(), conn, method=method, chunk_steps=chunk_steps, **KW)
    assert whole.sizes["time_raw"] == 417
    for name in whole.data_vars:
        np.testing.assert_array_equal(parts[name].values, whole[name].values)


def test_engine_pieces_of_any_length_give_one_long_scan():
    """advance at the step level in pieces of 1, 3, 9, 10, 17 steps == one piece of 40 steps."""
    run = bn.prepare(bn.CoombesByrne(), _conn(), **dict(KW, monitors=[bn.Raw()]))
    one, _ = _engine.advance(run.carry, run.dyn, run.plan, 40, -1)
    carry = run.carry
    for n in (1, 3, 9, 10, 17):
        carry, _ = _engine.advance(carry, run.dyn, run.plan, n, -1)
    assert int(carry.step) == 40
    np.testing.assert_array_equal(np.asarray(carry.x), np.asarray(one.x))
    np.testing.assert_array_equal(np.asarray(carry.hist), np.asarray(one.hist))


def test_a_resume_inside_a_noise_block_equals_the_uninterrupted_run(tmp_path, stop_after_chunk):
    conn = _conn()
    kw = dict(KW, chunk_steps=36)
    straight = bn.simulate(bn.CoombesByrne(), conn, **kw)

    path = tmp_path / "run.ckpt.npz"
    with stop_after_chunk(2) as stopped_at:
        bn.simulate(bn.CoombesByrne(), conn, checkpoint=path, **kw)
    assert stopped_at == [72] and 72 % K != 0  # the interruption is inside block 7
    resumed = bn.simulate(bn.CoombesByrne(), conn, resume_from=path, **kw)
    for name in straight.data_vars:
        a, b = straight[name].values, resumed[name].values
        assert a.tobytes() == b.tobytes(), name


def test_block_increments_follow_the_documented_mapping():
    key = jax.random.key(3)
    sigma = jnp.asarray([[0.1, 0.2, 0.3]])  # one noisy state (row 1 of 2), 3 regions
    dt = jnp.asarray(0.1)
    got = np.asarray(block_increments(key, 4, (1,), sigma, 2, dt))
    xi = np.asarray(jax.random.normal(jax.random.fold_in(key, 4), (K, 1, 3), sigma.dtype))
    assert got.shape == (K, 2, 3)
    np.testing.assert_array_equal(got[:, 0], 0.0)
    np.testing.assert_array_equal(got[:, 1], np.asarray(sigma * jnp.sqrt(dt) * xi)[:, 0])


def test_the_engine_adds_row_s_mod_K_of_block_s_div_K():
    """Euler–Maruyama without coupling: x[s+1] - x[s] - dt f(x[s]) is the increment of step s."""
    n, dt, sigma = 3, 0.1, 0.05
    empty = bn.Connectome(np.zeros((n, n)), np.zeros((n, n)))
    key = jax.random.key(9)
    run = bn.prepare(bn.CoombesByrne(), empty, duration=2.5, dt=dt, noise=bn.Additive(v=sigma), key=key,
                     method="euler", monitors=[bn.Raw()], dtype="float64" if jax.config.jax_enable_x64 else None)
    x0 = np.asarray(run.carry.x)
    ds = run.execute()
    x = np.stack([ds.r.values, ds.v.values], axis=1)  # (time, state, region), states after steps 1..25
    x = np.concatenate([x0[None], x])
    f = jax.vmap(lambda y: run.dyn.model.dfun(y, {"v": jnp.zeros(n, y.dtype)}))(jnp.asarray(x[:-1]))
    inc = x[1:] - x[:-1] - dt * np.asarray(f)
    for s in range(x.shape[0] - 1):
        b, k = divmod(s, K)
        xi = np.asarray(jax.random.normal(jax.random.fold_in(key, b), (K, 1, n), x.dtype))[k, 0]
        np.testing.assert_allclose(inc[s, 1], sigma * np.sqrt(dt) * xi, rtol=0, atol=1e-5 if x.dtype == np.float32
                                   else 1e-12)
        np.testing.assert_allclose(inc[s, 0], 0.0, atol=1e-6 if x.dtype == np.float32 else 1e-13)
