r"""Additive white noise, as the diffusion term of an SDE.

.. math:: dx_s = f_s(x)\,dt + \sigma_s\, dW_s,

so one step adds :math:`\sigma_s \sqrt{dt}\,\xi` with :math:`\xi \sim N(0, 1)`
(``dt`` in ms, :math:`\sigma` in units of the state per :math:`\sqrt{\mathrm{ms}}`);
the statistics of the process do not depend on ``dt``. Random numbers come from
an explicit key, drawn in blocks of :data:`NOISE_BLOCK` steps aligned to
absolute step numbers: block ``b`` (steps ``K b`` to ``K b + K - 1``) is one
draw ``normal(fold_in(key, b), (K, n_noisy_states, n))`` and step ``n`` uses its
row ``n % K``. The numbers of a step depend only on the key and the step
number, so the same key gives the same run, bit for bit, however the run is
chunked or wherever it is resumed (a chunk boundary inside a block included).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import jax
import jax.numpy as jnp
import numpy as np
from jax.typing import DTypeLike

from ._checks import per_region
from .errors import NoiseError

if TYPE_CHECKING:
    from .nodes.base import NodeModel

__all__ = ["Additive"]

#: Steps per noise draw (``K``). Part of the key -> noise mapping: changing it
#: changes every noisy realisation.
NOISE_BLOCK = 10


class Additive:
    """Additive white noise on chosen state variables.

    Parameters
    ----------
    **sigma : float or array
        One amplitude per noisy state variable, by name: ``Additive(v=0.2)``
        or ``Additive(r=0.01, v=0.2)``; a scalar or one value per region.

    Examples
    --------
    >>> import brainnet_cb as bn
    >>> bn.Additive(v=0.2)
    Additive(v=0.2)
    """

    def __init__(self, **sigma):
        if not sigma:
            raise NoiseError("Additive() needs at least one amplitude, e.g. Additive(v=0.2).")
        for name, value in sigma.items():
            arr = np.asarray(value, dtype=float)
            if not np.all(np.isfinite(arr)) or np.any(arr < 0):
                raise NoiseError(
                    f"noise amplitude {name}={value!r} must be finite and >= 0."
                )
        self.sigma = dict(sigma)

    def __repr__(self):
        args = ", ".join(f"{k}={np.asarray(v).tolist()}" for k, v in self.sigma.items())
        return f"Additive({args})"

    def amplitudes(self, model: NodeModel, n_regions: int, dtype: DTypeLike) -> tuple[tuple[int, ...], jax.Array]:
        """``(rows, sigma)``: noisy state rows and their amplitudes ``(len(rows), n)``."""
        rows, values = [], []
        for name, value in self.sigma.items():
            if name not in model.states:
                raise NoiseError(
                    f"noise on {name!r}, but {type(model).__name__} has states {model.states}."
                )
            arr = per_region(value, n_regions, f"noise amplitude {name}", NoiseError)
            rows.append(model.states.index(name))
            values.append(np.broadcast_to(arr, (n_regions,)))
        return tuple(rows), jnp.asarray(np.stack(values), dtype=dtype)


def block_increments(key, block, rows, sigma, n_states, dt):
    """Increments ``sigma sqrt(dt) xi`` of the ``NOISE_BLOCK`` steps of block ``block``.

    Shape ``(NOISE_BLOCK, n_states, n)``: the noisy state ``rows`` get
    ``sigma * sqrt(dt) * xi`` with ``xi`` the draw
    ``normal(fold_in(key, block), (NOISE_BLOCK,) + sigma.shape)``, the other
    rows zeros. Row ``k`` is the increment of step ``NOISE_BLOCK * block + k``.

    The normals are materialised before they are scaled
    (``optimization_barrier``): fused with the scaling, XLA compiles a single
    run and a batch member (``vmap``) into different floating-point code, and
    batches would differ from single runs in the last bit.
    """
    xi = jax.random.normal(jax.random.fold_in(key, block), (NOISE_BLOCK,) + sigma.shape, sigma.dtype)
    xi = jax.lax.optimization_barrier(xi)
    inc = sigma * jnp.sqrt(dt) * xi
    zero = jnp.zeros(inc.shape[:1] + inc.shape[2:], inc.dtype)
    return jnp.stack([inc[:, rows.index(s)] if s in rows else zero for s in range(n_states)], axis=1)
