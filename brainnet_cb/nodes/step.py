"""``CoombesByrneStep``: the brainstate module of the reference implementation (brainmass
``CoombesByrneStep``), on our equations and integrators."""

from __future__ import annotations

from collections.abc import Callable

import brainstate
import braintools
import brainunit as u
import jax.numpy as jnp
import numpy as np
from brainstate.nn import Param

from ..errors import IntegratorError, ModelError, NoiseError
from ..integrators import INTEGRATORS
from .coombes_byrne import CoombesByrne

__all__ = ["CoombesByrneStep", "WhiteNoise"]


class WhiteNoise:
    r"""Additive white noise for :class:`CoombesByrneStep`: an SDE term.

    Each step adds :math:`\sigma \sqrt{dt}\,\xi`, :math:`\xi \sim N(0, 1)`, to the
    state (not to the input), so the noise statistics do not change with ``dt``.
    Random numbers come from :mod:`brainstate.random` (seed it with
    ``brainstate.random.seed``).

    Parameters
    ----------
    sigma : float
        Amplitude, in units of the state per :math:`\sqrt{\mathrm{ms}}`.
    """

    def __init__(self, sigma: float):
        if not np.all(np.isfinite(sigma)) or np.any(np.asarray(sigma) < 0):
            raise NoiseError(f"WhiteNoise sigma must be finite and >= 0; got {sigma!r}.")
        self.sigma = sigma

    def increment(self, shape, dt_ms):
        """``sigma * sqrt(dt) * N(0, 1)`` of the given shape."""
        return self.sigma * jnp.sqrt(dt_ms) * brainstate.random.randn(*shape)

    def __repr__(self):
        return f"WhiteNoise(sigma={self.sigma!r})"


def _as_noise(noise, name):
    if noise is None or isinstance(noise, WhiteNoise):
        return noise
    if isinstance(noise, (int, float)) and not isinstance(noise, bool):
        return WhiteNoise(float(noise))
    raise NoiseError(
        f"{name} must be None, a float amplitude or bn.WhiteNoise(sigma); got {noise!r}."
    )


class CoombesByrneStep(brainstate.nn.Dynamics):
    r"""Coombes–Byrne next-generation neural mass model (2D) as a brainstate module.

    The face of :class:`~brainnet_cb.CoombesByrne` compatible with the reference
    implementation (brainmass ``CoombesByrneStep``), with the same equations and
    the same code: firing rate :math:`r` and mean potential :math:`v` of a
    population of QIF neurons with conductance-based synapses,

    .. math::

       \dot r &= \frac{\Delta}{\pi} + 2 v r - g r + r_\mathrm{inp},\\
       \dot v &= v^2 - (\pi r)^2 + \eta + (v_\mathrm{syn} - v) g + v_\mathrm{inp},
       \qquad g = k \pi r,

    time in ms, :math:`r, v` dimensionless; :meth:`dr` and :meth:`dv` return
    ``1/ms``. ``k = 0`` recovers Montbrió–Pazó–Roxin with ``J = 0``.

    Parameters
    ----------
    in_size : int or tuple of int
        Shape of the population.
    Delta, eta, k, v_syn : float or array
        HWHM of the excitability distribution (default 1.0), mean excitability
        (2.0), conductance scale (1.0), synaptic reversal potential (-4.0).
    init_r, init_v : callable
        Initialisers of ``r`` (default ``Constant(0.1)``) and ``v`` (``Constant(0.0)``).
    noise_r, noise_v : WhiteNoise or float or None
        Additive white noise on ``r`` / ``v``, as an SDE term
        :math:`\sigma\sqrt{dt}\,\xi` added to the state each step.
    method : {"exp_euler", "euler", "heun", "rk2", "rk4"}
        ``"exp_euler"`` (default) is the reference implementation's per-variable
        exponential Euler.
        ``"heun"`` is the true 2nd-order Heun scheme; note that in the reference
        implementation's ecosystem (brainstate/braintools) ``method='heun'`` is a 3rd-order
        Runge–Kutta scheme, so results differ from the reference for that name.

    Attributes
    ----------
    r, v : brainstate.HiddenState
        Firing rate and mean membrane potential, shape ``(batch?,) + in_size``.

    Notes
    -----
    Unlike the reference implementation (brainmass ``CoombesByrneStep``),
    noise is not fed through the input port (which would
    scale it with ``dt`` instead of ``sqrt(dt)``).

    References
    ----------
    .. [1] S. Coombes and A. Byrne (2019). Next generation neural mass models.
       In *Nonlinear Dynamics in Computational Neuroscience*, pp. 1-16. Springer.
    .. [2] E. Montbrió, D. Pazó, A. Roxin (2015). Macroscopic description for
       networks of spiking neurons. Phys. Rev. X 5, 021028.

    Examples
    --------
    .. code-block:: python

       >>> import brainnet_cb
       >>> import brainstate
       >>> import brainunit as u
       >>> model = brainnet_cb.CoombesByrneStep(in_size=1)
       >>> _ = brainstate.nn.init_all_states(model)
       >>> with brainstate.environ.context(dt=0.1 * u.ms):
       ...     r = model.update()
       >>> r.shape
       (1,)
    """

    def __init__(
        self,
        in_size,
        Delta=1.0,
        eta=2.0,
        k=1.0,
        v_syn=-4.0,
        init_r: Callable = braintools.init.Constant(0.1),
        init_v: Callable = braintools.init.Constant(0.0),
        noise_r=None,
        noise_v=None,
        method: str = "exp_euler",
    ):
        super().__init__(in_size)
        self.Delta = Param.init(Delta, self.varshape)
        self.eta = Param.init(eta, self.varshape)
        self.k = Param.init(k, self.varshape)
        self.v_syn = Param.init(v_syn, self.varshape)
        for name, init in (("init_r", init_r), ("init_v", init_v)):
            if not callable(init):
                raise ModelError(
                    f"{name} must be callable (e.g. braintools.init.Constant(0.1)); got {init!r}."
                )
        self.init_r = init_r
        self.init_v = init_v
        self.noise_r = _as_noise(noise_r, "noise_r")
        self.noise_v = _as_noise(noise_v, "noise_v")
        if method not in INTEGRATORS:
            raise IntegratorError(
                f"unknown integration method {method!r}; choose one of {sorted(INTEGRATORS)}."
            )
        self.method = method

    def init_state(self, batch_size=None, **kwargs):
        """Allocate the ``r`` and ``v`` hidden states (optional leading batch axis)."""
        self.r = brainstate.HiddenState.init(self.init_r, self.varshape, batch_size)
        self.v = brainstate.HiddenState.init(self.init_v, self.varshape, batch_size)

    def node(self) -> CoombesByrne:
        """The pure :class:`CoombesByrne` model holding this module's parameters."""
        return CoombesByrne(
            Delta=self.Delta.value(), eta=self.eta.value(), k=self.k.value(), v_syn=self.v_syn.value()
        )

    def _rhs(self, r, v, r_ext, v_ext):
        return self.node().dfun(jnp.stack(jnp.broadcast_arrays(r, v)), {"r": r_ext, "v": v_ext})

    def dr(self, r, v, r_ext):
        """``dr/dt`` in ``1/ms``."""
        return self._rhs(r, v, r_ext, 0.0)[0] / u.ms

    def dv(self, v, r, v_ext):
        """``dv/dt`` in ``1/ms``."""
        return self._rhs(r, v, 0.0, v_ext)[1] / u.ms

    def derivative(self, state, t, r_ext, v_ext):
        """``(dr/dt, dv/dt)`` in ``1/ms`` for ``state = (r, v)``."""
        r, v = state
        return self.dr(r, v, r_ext), self.dv(v, r, v_ext)

    def update(self, r_inp=None, v_inp=None):
        """Advance one step of ``brainstate.environ`` ``dt``; return the new ``r``.

        Parameters
        ----------
        r_inp, v_inp : array-like or None
            Inputs added to ``dr/dt`` and ``dv/dt`` (``v_inp`` is the coupling
            port), held fixed over the step. ``None`` means zero.
        """
        dt = brainstate.environ.get_dt()
        dt_ms = dt.to_decimal(u.ms) if isinstance(dt, u.Quantity) else float(dt)
        inputs = {"r": 0.0 if r_inp is None else r_inp, "v": 0.0 if v_inp is None else v_inp}
        node = self.node()
        x = jnp.stack(jnp.broadcast_arrays(self.r.value, self.v.value))
        dW = None
        if self.noise_r is not None or self.noise_v is not None:
            zero = jnp.zeros(x.shape[1:], x.dtype)
            dW = jnp.stack(
                [
                    zero if n is None else n.increment(x.shape[1:], dt_ms).astype(x.dtype)
                    for n in (self.noise_r, self.noise_v)
                ]
            )
        x = INTEGRATORS[self.method](lambda y: node.dfun(y, inputs), x, dt_ms, dW)
        self.r.value = x[0]
        self.v.value = x[1]
        return x[0]
