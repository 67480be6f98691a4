"""brainnet_cb._linear_call: the jvp rule it registers for every linear_call in the process is JAX's own.

Registering it must not change what other code's linear_calls compute: the same tangents where JAX's rule
works, the same refusal where JAX's rule refuses (a residual carrying a tangent), only the symbolic zero
tangents of the linear inputs made arrays.
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax._src.custom_derivatives import _linear_call_jvp_rule, linear_call_p
from jax._src.interpreters import ad

from brainnet_cb import _linear_call

jax.config.update("jax_enable_x64", True)

pytestmark = pytest.mark.skipif(not _linear_call.AVAILABLE, reason="rules not registered on this JAX")


def _scale(r, x):
    return jax.custom_derivatives.linear_call(lambda r, x: r * x, lambda r, ct: r * ct, r, x)


def test_a_residual_carrying_a_tangent_is_still_refused():
    """d/da of linear_call(a * x) at x = a is 2a; treating the residual as a constant would give a."""
    with pytest.raises(AssertionError):
        jax.jvp(lambda a: _scale(a, a), (2.0,), (1.0,))


def test_tangents_equal_jax_own_rule(monkeypatch):
    x = jnp.asarray([0.3, -1.2, 2.5])

    def f(r):
        return jnp.sum(_scale(3.0, jnp.sin(r * x)) ** 2)

    ours = jax.jvp(f, (0.7,), (1.0,)), jax.hessian(f)(0.7)
    monkeypatch.setitem(ad.primitive_jvps, linear_call_p, _linear_call_jvp_rule)
    theirs = jax.jvp(f, (0.7,), (1.0,)), jax.hessian(f)(0.7)
    np.testing.assert_array_equal(ours[0][1], theirs[0][1])
    np.testing.assert_array_equal(ours[1], theirs[1])
    assert float(ours[0][1]) == pytest.approx(float(np.sum(18 * np.sin(0.7 * x) * np.cos(0.7 * x) * x)), rel=1e-12)
