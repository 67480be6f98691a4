"""The noise draw (brainnet_cb.noise.fold_in, .normal) gives jax.random's numbers bit for bit.

The engine's normals define the key -> noise mapping of every noisy run; the
inlined Threefry hash is only a faster way to compute them.
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from brainnet_cb.noise import NOISE_BLOCK, block_increments, fold_in, normal


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("shape", [(NOISE_BLOCK, 1, 76), (NOISE_BLOCK, 2, 5), (7,), (3, 4)])
def test_the_draw_is_jax_random_normal_bit_for_bit(dtype, shape):
    for seed, block in ((0, 0), (5, 17), (123456789, 2**31 + 5)):
        key = jax.random.fold_in(jax.random.key(seed), block)
        want = jax.random.normal(key, shape, dtype)
        got = jax.jit(normal, static_argnums=(1, 2))(key, shape, dtype)
        assert got.dtype == want.dtype
        np.testing.assert_array_equal(np.asarray(got), np.asarray(want))


@pytest.mark.float32
def test_the_draw_is_jax_random_normal_in_float32_mode():
    key = jax.random.fold_in(jax.random.key(3), 9)
    got = jax.jit(normal, static_argnums=(1, 2))(key, (NOISE_BLOCK, 1, 76), jnp.float32)
    np.testing.assert_array_equal(np.asarray(got), np.asarray(jax.random.normal(key, (NOISE_BLOCK, 1, 76))))


def test_batched_keys_draw_the_numbers_of_single_keys():
    keys = jax.vmap(lambda s: jax.random.fold_in(jax.random.key(s), 3))(jnp.arange(4))
    got = jax.jit(jax.vmap(lambda k: normal(k, (NOISE_BLOCK, 2, 6), jnp.float64)))(keys)
    want = jax.vmap(lambda k: jax.random.normal(k, (NOISE_BLOCK, 2, 6), jnp.float64))(keys)
    np.testing.assert_array_equal(np.asarray(got), np.asarray(want))


def test_keys_of_other_implementations_use_jax_random_normal():
    key = jax.random.key(0, impl="rbg")
    np.testing.assert_array_equal(np.asarray(normal(key, (5,), jnp.float64)),
                                  np.asarray(jax.random.normal(key, (5,), jnp.float64)))


def test_block_increments_scale_the_normals_of_the_block():
    key, sigma, dt = jax.random.key(2), jnp.array([[0.1, 0.2, 0.3]]), 0.05
    inc = block_increments(key, 4, (1,), sigma, 2, dt)
    xi = jax.random.normal(jax.random.fold_in(key, 4), (NOISE_BLOCK, 1, 3))
    assert inc.shape == (NOISE_BLOCK, 2, 3)
    np.testing.assert_array_equal(np.asarray(inc[:, 0]), 0.0)
    np.testing.assert_allclose(np.asarray(inc[:, 1]), np.asarray(sigma[0] * np.sqrt(dt) * xi[:, 0]), rtol=1e-15)


@pytest.mark.parametrize("seed", [0, 5, 2**31 - 1])
def test_fold_in_is_jax_random_fold_in_bit_for_bit(seed):
    key = jax.random.key(seed)
    for block in (0, 1, 17, 2**31 - 1, -1):
        want = jax.random.key_data(jax.random.fold_in(key, jnp.int32(block)))
        got = jax.random.key_data(jax.jit(fold_in)(key, jnp.int32(block)))
        np.testing.assert_array_equal(np.asarray(got), np.asarray(want))
    keys = jax.vmap(jax.random.key)(jnp.arange(3) + seed % 7)
    want = jax.random.key_data(jax.vmap(lambda k: jax.random.fold_in(k, 9))(keys))
    got = jax.random.key_data(jax.jit(jax.vmap(lambda k: fold_in(k, 9)))(keys))
    np.testing.assert_array_equal(np.asarray(got), np.asarray(want))


def test_fold_in_hands_the_draw_a_materialised_key():
    """Fused into the elementwise loop of the draw, the inlined fold_in hash (recomputed for every word)
    took LLVM over 10 minutes inside a run's scan with jax/jaxlib 0.12.0.1 (`brainnet-cb run` never
    finished compiling); the key's two words go through an optimization_barrier first."""
    text = jax.jit(lambda k, b: normal(fold_in(k, b), (NOISE_BLOCK, 1, 3), jnp.float32)).lower(
        jax.random.key(0), jnp.int32(4)).as_text()
    barriers = [line.split(":")[-1].strip() for line in text.splitlines() if "optimization_barrier" in line]
    assert barriers == ["tensor<2xui32>"], barriers


def test_fold_in_of_other_implementations_is_jax_random_fold_in():
    key = jax.random.key(0, impl="rbg")
    np.testing.assert_array_equal(np.asarray(jax.random.key_data(fold_in(key, 3))),
                                  np.asarray(jax.random.key_data(jax.random.fold_in(key, 3))))
