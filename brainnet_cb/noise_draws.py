"""The normal draws of the noise: ``jax.random.normal`` and ``jax.random.fold_in``, bit for bit, faster on CPU.

:mod:`brainnet_cb.noise` draws every block of increments with :func:`normal`
and :func:`fold_in` (both re-exported there); see the comment below for why
the Threefry hash is written out here.
"""

from __future__ import annotations

import math

import jax
import jax.extend.random
import jax.numpy as jnp

__all__ = ["normal", "fold_in"]


# --- the draw: jax.random.normal with the Threefry hash inlined ---------------------------------------------------
#
# On CPU, JAX lowers the Threefry-2x32 hash as an out-of-line function holding a rolled loop of its five
# four-round groups, which XLA neither unrolls nor fuses with the draw: about 11 ns per 32-bit word on the
# 2-core machine of docs/performance.md, a third of a noisy step's time. The same hash written as plain
# uint32 arithmetic (below) fuses into one loop over the block (about 3 ns per word). Integer arithmetic is
# exact and the bits feed JAX's own uniform -> normal transform (jax.random.normal of a key of the PRNG
# implementation defined here), so the normals are those of jax.random.normal(key, ...) bit for bit
# (tests/test_noise_normal.py checks it); keys of other implementations, or JAX with
# jax_threefry_partitionable off, take jax.random.normal itself.

_ROTATIONS = ((13, 15, 26, 6), (17, 29, 16, 24))


def _threefry2x32(k1, k2, x1, x2):
    """The Threefry-2x32 hash (20 rounds; Salmon et al. 2011) of the word pairs ``(x1, x2)`` under key ``(k1, k2)``."""
    ks = (k1, k2, k1 ^ k2 ^ jnp.uint32(0x1BD11BDA))
    x1, x2 = x1 + ks[0], x2 + ks[1]
    for group in range(5):
        for r in _ROTATIONS[group % 2]:
            x1 = x1 + x2
            x2 = x1 ^ ((x2 << jnp.uint32(r)) | (x2 >> jnp.uint32(32 - r)))
        x1 = x1 + ks[(group + 1) % 3]
        x2 = x2 + ks[(group + 2) % 3] + jnp.uint32(group + 1)
    return x1, x2


def _inline_random_bits(key, bit_width, shape):
    """``jax.random.bits`` of a Threefry key (the partitionable counter layout), hash inlined."""
    size = math.prod(shape)
    if bit_width not in (32, 64) or size >= 2**32:
        return jax.extend.random.threefry_prng_impl.random_bits(key, bit_width, shape)
    k1, k2 = key[0], key[1]
    lo = jax.lax.iota(jnp.uint32, size).reshape(shape)  # counter i as (hi, lo) = (0, i)
    bits1, bits2 = _threefry2x32(k1, k2, jnp.zeros_like(lo), lo)
    if bit_width == 32:
        return bits1 ^ bits2
    hi, lo = bits1.astype(jnp.uint64), bits2.astype(jnp.uint64)
    return (hi << jnp.uint64(32)) | lo


_THREEFRY = jax.extend.random.threefry_prng_impl
_INLINE_THREEFRY = jax.extend.random.define_prng_impl(
    key_shape=(2,), seed=_THREEFRY.seed, split=_THREEFRY.split, random_bits=_inline_random_bits,
    fold_in=_THREEFRY.fold_in, name="threefry2x32_inline", tag="fry_inline")


def _inline(key) -> bool:
    """True for a Threefry key (its hash can be inlined)."""
    return str(jax.random.key_impl(key)) == _THREEFRY.name


def fold_in(key, data):
    """``jax.random.fold_in(key, data)``, bit for bit, faster on CPU for Threefry keys.

    For a Threefry key ``(k1, k2)`` the new key is the hash of the word pair
    ``(0, uint32(data))`` under ``(k1, k2)`` (JAX's definition), computed inline
    (see the comment above :func:`_threefry2x32`).

    The new key is materialised (``optimization_barrier``) before it is used:
    otherwise XLA fuses this hash into the elementwise loop of the draw that
    follows (:func:`normal`), recomputing it for every word; inside a run's
    ``scan`` LLVM took over 10 minutes on that fused kernel with jax/jaxlib
    0.12.0.1 (``brainnet-cb run`` never finished compiling). The key's words
    are integers, so the values are the same bit for bit.
    """
    if not _inline(key):
        return jax.random.fold_in(key, data)
    k = jax.random.key_data(key)
    h1, h2 = _threefry2x32(k[..., 0], k[..., 1], jnp.uint32(0), jnp.asarray(data).astype(jnp.uint32))
    return jax.random.wrap_key_data(jax.lax.optimization_barrier(jnp.stack([h1, h2], axis=-1)), impl=_THREEFRY)


def normal(key, shape, dtype):
    """``jax.random.normal(key, shape, dtype)``, bit for bit, faster on CPU for Threefry keys.

    Parameters
    ----------
    key : jax.Array
        A typed PRNG key (``jax.random.key``).
    shape : tuple of int
    dtype : floating dtype

    Returns
    -------
    jax.Array
        Standard normal values of ``shape``: the same numbers as
        ``jax.random.normal(key, shape, dtype)`` (same uniform -> normal
        transform on the same bits; the Threefry hash is written inline so that
        XLA fuses it, see the comment above).
    """
    if not _inline(key) or not jax.config.jax_threefry_partitionable:
        return jax.random.normal(key, shape, dtype)
    return jax.random.normal(jax.random.wrap_key_data(jax.random.key_data(key), impl=_INLINE_THREEFRY), shape, dtype)
