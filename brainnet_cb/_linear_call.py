"""``jax.custom_derivatives.linear_call`` made usable under ``vmap`` and nested forward mode.

:func:`brainnet_cb.delays.push_read` is a ``linear_call``: a linear function
with a hand-written transpose, so that reverse mode scatters the delayed
read's cotangent into the ring buffer's cotangent in place (JAX's own
transpose of a gather builds a zero buffer and adds it, a pass over the whole
buffer every step). JAX 0.10 gives the primitive a forward-mode rule and a
transpose rule but no batching rule (``jax.jacfwd``, ``jax.hessian`` and
``jax.vmap`` batch it), and its forward-mode rule passes symbolic zero
tangents on to ``bind`` (``jax.hessian`` through a ``scan`` hits it). This
module registers both, once, at import, for the JAX releases it was checked
against (:data:`CHECKED_JAX`); :data:`AVAILABLE` is False elsewhere, or where
the JAX internals they need are missing, and the caller then keeps JAX's own
transpose.
"""

from __future__ import annotations

import jax

#: The JAX releases whose internals these rules were written and checked against (their signatures are private
#: and change between releases); elsewhere the caller keeps JAX's own transpose, slower but the same values.
#: 0.12 (0.12.1: linear_call traced with pe.trace_to_jaxpr, the same primitive parameters and rule signatures)
#: passes tests/simulation/test_linear_call_rules.py and test_push_read.py as 0.10 does.
CHECKED_JAX = ((0, 10), (0, 13))

try:
    from jax._src import core
    from jax._src.ad_util import Zero, instantiate
    from jax._src.custom_derivatives import _linear_call_jvp_rule as _jax_jvp
    from jax._src.custom_derivatives import linear_call_p
    from jax._src.interpreters import ad, batching

    AVAILABLE = (CHECKED_JAX[0] <= tuple(int(x) for x in jax.__version__.split(".")[:2]) < CHECKED_JAX[1]
                 and isinstance(getattr(batching, "fancy_primitive_batchers", None), dict)
                 and isinstance(getattr(ad, "primitive_jvps", None), dict))
except (ImportError, AttributeError, ValueError):  # pragma: no cover - other JAX versions
    AVAILABLE = False


def _batch(axis_data, args, dims, **params):
    """vmap: a ``linear_call`` of the vmapped function and the vmapped transpose (outputs batched on axis 0)."""
    callee, transpose_thunk = params["callee"], params["transpose_thunk"]
    if all(d is None for d in dims):
        return linear_call_p.bind(*args, **params), [None] * len(callee.out_avals)
    size = axis_data.size
    n_consts = params["num_callee_consts"]
    k = n_consts + params["num_res"]
    res, res_axes = list(args[:k]), list(dims[:k])
    lin = [batching.bdim_at_front(x, d, size) for x, d in zip(args[k:], dims[k:])]

    def fun(r, x):
        return jax.vmap(lambda r, x: core.jaxpr_as_fun(callee)(*r, *x), in_axes=(res_axes, 0), axis_size=size)(r, x)

    def fun_t(r, ct):
        t_jaxpr, t_consts = transpose_thunk()
        return jax.vmap(lambda r, ct: core.jaxpr_as_fun(t_jaxpr)(*t_consts, *r[n_consts:], *ct),
                        in_axes=(res_axes, 0), axis_size=size)(r, ct)

    out = jax.custom_derivatives.linear_call(fun, fun_t, res, lin)
    return out, [0] * len(out)


def _jvp(primals, tangents, **params):
    """JAX's own rule, called with the linear inputs' symbolic zero tangents made arrays.

    The rule applies to every ``linear_call`` in the process, so it is JAX's rule itself (its check that the
    residuals carry no tangent included: a residual that depends on a differentiated input stays refused, not
    silently treated as a constant), given arrays where it would pass a symbolic zero on to ``bind``.
    """
    k = params["num_callee_consts"] + params["num_res"]
    lin = [instantiate(t) if type(t) is Zero else t for t in tangents[k:]]
    return _jax_jvp(primals, [*tangents[:k], *lin], **params)


if AVAILABLE:
    batching.fancy_primitive_batchers[linear_call_p] = _batch
    ad.primitive_jvps[linear_call_p] = _jvp
