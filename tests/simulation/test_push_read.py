"""delays.push_read: the push and read of the delays as one linear_call (an in-place transpose).

The values are those of push + read_delayed bit for bit; reverse mode equals JAX's own transpose (to the
order of the sums); forward mode, vmap and jax.hessian through a scan (the transforms the fitting
objective promises) still work.
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from brainnet_cb.delays import build_delay_table, push, push_read, read_delayed

jax.config.update("jax_enable_x64", True)

N, L_STEPS = 5, 30


def _table(edges):
    rng = np.random.default_rng(1)
    w = rng.random((N, N)) * (rng.random((N, N)) < 0.6)
    np.fill_diagonal(w, 0.0)
    w[0, 1] = 0.7  # a zero-length edge: lag 0 reads the row just pushed
    lags = rng.integers(1, 7, size=(N, N))
    lags[0, 1] = 0
    return build_delay_table(w, lags, jnp.float64, edges=edges)


def _plain(hist, step, value, table):
    hist = push(hist, step, value)
    return hist, read_delayed(hist, step, table)


def _run(read, table, max_lag):
    def loss(theta):
        def body(c, _):
            x, hist, step = c
            step = step + 1
            hist, s = read(hist, step, x, table)
            x = x + 0.1 * (-x + jnp.tanh(theta[0] * s + theta[1]))
            return (x, hist, step), x

        x0 = jnp.linspace(0.1, 0.5, N)
        c0 = (x0, jnp.tile(x0, (max_lag + 1, 1)), jnp.asarray(0, jnp.int32))
        return jnp.sum(jax.lax.scan(body, c0, None, length=L_STEPS)[1] ** 2)

    return loss


@pytest.mark.parametrize("edges", ["padded", "segment"])
def test_values_bit_for_bit_and_gradient_as_jax_transpose(edges):
    table, max_lag = _table(edges)
    hist = jnp.asarray(np.random.default_rng(2).normal(size=(max_lag + 1, N)))
    value = jnp.arange(N, dtype=jnp.float64)
    for step in (0, 3, max_lag, 2 * max_lag + 5):
        step = jnp.asarray(step, jnp.int32)
        for a, b in zip(push_read(hist, step, value, table), _plain(hist, step, value, table)):
            np.testing.assert_array_equal(a, b)

    theta = jnp.asarray([0.8, 0.05])
    fused, plain = _run(push_read, table, max_lag), _run(_plain, table, max_lag)
    (v1, g1), (v2, g2) = jax.value_and_grad(fused)(theta), jax.value_and_grad(plain)(theta)
    np.testing.assert_array_equal(v1, v2)
    assert np.all(g1 != 0)
    np.testing.assert_allclose(g1, g2, rtol=1e-13, atol=0)


def test_forward_mode_vmap_and_hessian_through_a_scan():
    """What fc_loss's objective promises: jax.jacfwd, jax.hessian (jacfwd of a scan's transpose) and jax.vmap."""
    table, max_lag = _table("padded")
    theta = jnp.asarray([0.8, 0.05])
    fused, plain = _run(push_read, table, max_lag), _run(_plain, table, max_lag)
    for transform in (jax.jacfwd, jax.hessian):
        np.testing.assert_allclose(transform(fused)(theta), transform(plain)(theta), rtol=1e-13, atol=0)
    thetas = jnp.stack([theta, theta * 1.1])
    np.testing.assert_allclose(jax.vmap(jax.grad(fused))(thetas), jax.vmap(jax.grad(plain))(thetas),
                               rtol=1e-13, atol=0)


# measured: jax 0.10.2 builds no such buffer; jax 0.8.0 (the oldest brainnet_cb allows) still builds one (the
# gradient is the same there: test_values_bit_for_bit_and_gradient_as_jax_transpose)
@pytest.mark.skipif(tuple(int(p) for p in jax.__version__.split(".")[:2]) < (0, 10),
                    reason="before jax 0.10 (measured: 0.8.0) the scan's transpose builds a zero buffer whatever push_read does")
def test_reverse_mode_scatters_into_the_buffer_cotangent():
    """The backward program adds the edges' cotangents into the buffer's: no zero buffer of the history's size."""
    table, max_lag = _table("padded")
    theta = jnp.asarray([0.8, 0.05])
    size = (max_lag + 1) * N

    def zero_buffers(read):
        hlo = jax.jit(jax.grad(_run(read, table, max_lag))).lower(theta).as_text()
        return sum(f"tensor<{size}xf64>" in line and "broadcast" in line for line in hlo.splitlines())

    assert zero_buffers(_plain) > 0  # JAX's own transpose: a fresh zero buffer each step
    assert zero_buffers(push_read) == 0
