r"""Additive white noise, as the diffusion term of an SDE.

.. math:: dx_s = f_s(x)\,dt + \sigma_s\, dW_s,

so one step adds :math:`\sigma_s \sqrt{dt}\,\xi` with :math:`\xi \sim N(0, 1)`
(``dt`` in ms, :math:`\sigma` in units of the state per :math:`\sqrt{\mathrm{ms}}`);
the statistics of the process do not depend on ``dt``. Random numbers come from
an explicit key: the increment of step ``n`` uses ``fold_in(key, n)``, so the
same key gives the same run, bit for bit, however the run is chunked.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from ._checks import per_region
from .errors import NoiseError

__all__ = ["Additive"]


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

    def amplitudes(self, model, n_regions, dtype):
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


def increment(key, step, rows, sigma, shape, dt):
    """Noise increment ``sigma sqrt(dt) xi`` of step ``step``, shape ``shape``."""
    xi = jax.random.normal(jax.random.fold_in(key, step), sigma.shape, sigma.dtype)
    dW = jnp.zeros(shape, sigma.dtype)
    return dW.at[jnp.asarray(rows)].set(sigma * jnp.sqrt(dt) * xi)
