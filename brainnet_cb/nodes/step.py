"""``CoombesByrneStep``: the brainstate module of the reference implementation (brainmass
``CoombesByrneStep``), on our equations and integrators."""

from __future__ import annotations

from collections.abc import Callable

import brainstate
import braintools
import brainunit as u
import jax
import jax.numpy as jnp
import numpy as np
from brainstate.nn import Param

from .._pytree import numbers_as_array
from ..errors import ModelError, NoiseError
from ..integrators import exp_euler
from ..units import environ_dt_ms
from .braintools_methods import resolve_step_method
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
    sigma : float, array, list or brainunit.Quantity
        Amplitude (a list of numbers, one per unit, is a float array), in units
        of the state per :math:`\sqrt{\mathrm{ms}}`
        (:math:`dx = f\,dt + \sigma\,dW`, :math:`dW` in :math:`\sqrt{\mathrm{ms}}`).
        A quantity is converted by :class:`CoombesByrneStep`, which knows the
        state: ``noise_v`` in :math:`1/\sqrt{\mathrm{ms}}` (``0.05 / u.ms**0.5``),
        ``noise_r`` in :math:`\mathrm{ms}^{-3/2}` (``r`` is in 1/ms).
    """

    def __init__(self, sigma: float):
        if isinstance(sigma, (list, tuple)):  # one amplitude per unit, as an array (a list failed in update)
            sigma = numbers_as_array(sigma)
        try:
            if isinstance(sigma, (list, tuple)):  # booleans, strings, a ragged list: NumPy would read True as 1
                raise TypeError(sigma)
            arr = np.asarray(u.get_mantissa(sigma) if isinstance(sigma, u.Quantity) else sigma, dtype=float)
        except (TypeError, ValueError):
            raise NoiseError(
                f"WhiteNoise sigma must be a number >= 0 or an array of them (one per unit); got {sigma!r} "
                f"of type {type(sigma).__name__}."
            ) from None
        if isinstance(sigma, (str, bytes, bool, np.bool_)) or not np.all(np.isfinite(arr)) or np.any(arr < 0):
            raise NoiseError(f"WhiteNoise sigma must be finite and >= 0; got {sigma!r}.")
        self.sigma = sigma

    def increment(self, shape, dt_ms):
        """``sigma * sqrt(dt) * N(0, 1)`` of the given shape."""
        return self.sigma * jnp.sqrt(dt_ms) * brainstate.random.randn(*shape)

    def __repr__(self):
        return f"WhiteNoise(sigma={self.sigma!r})"


#: The unit of a noise amplitude of :class:`CoombesByrneStep`, by argument: the state's unit per sqrt(ms).
_AMPLITUDE_UNITS = {"noise_r": ("1/ms^1.5", lambda: u.ms**-1.5, "0.05 / u.ms**1.5"),
                    "noise_v": ("1/sqrt(ms)", lambda: u.ms**-0.5, "0.05 / u.ms**0.5")}


def _as_noise(noise, name):
    if isinstance(noise, u.Quantity):
        noise = WhiteNoise(noise)
    if isinstance(noise, WhiteNoise) and isinstance(noise.sigma, u.Quantity):
        text, unit, example = _AMPLITUDE_UNITS[name]
        try:
            sigma = np.asarray(noise.sigma.to_decimal(unit()), dtype=float)
        except Exception:  # noqa: BLE001 - brainunit raises several kinds on a dimension mismatch
            raise NoiseError(
                f"{name} amplitude must have the dimension of {text} (the state per sqrt(ms)); got {noise.sigma}. "
                f"Pass e.g. {name}={example} or a plain number in {text}."
            ) from None
        return WhiteNoise(float(sigma) if sigma.ndim == 0 else sigma)
    if noise is None or isinstance(noise, WhiteNoise):
        return noise
    if isinstance(noise, (int, float)) and not isinstance(noise, bool):
        return WhiteNoise(float(noise))
    if isinstance(noise, (list, tuple)):
        noise = numbers_as_array(noise)
    if isinstance(noise, (np.ndarray, np.number, jax.Array)) and np.asarray(noise).dtype.kind in "iuf":
        return WhiteNoise(noise)  # one amplitude per unit, as WhiteNoise(array) takes it
    if isinstance(noise, brainstate.nn.Module):  # brainmass.OUProcess, GaussianNoise, ...: the reference takes them
        kind = f"{type(noise).__module__.split('.')[0]}.{type(noise).__name__}"
        port = name.replace("noise_", "") + "_inp"
        raise NoiseError(
            f"{name} got the noise module {kind}; CoombesByrneStep's {name} is white noise added to the state as "
            f"an SDE increment sigma * sqrt(dt) * xi ({name}=0.05 or bn.WhiteNoise(0.05)). To add the module's "
            f"output to the input each step, as the reference implementation does with it, pass it to update: "
            f"node.update({port}=noise()) (after brainstate.nn.init_all_states(noise))."
        )
    raise NoiseError(
        f"{name} must be None, a float amplitude or bn.WhiteNoise(sigma) (or a list or array of amplitudes, one "
        f"per unit); got {noise!r}."
    )


def _concrete_numbers(value):
    """``value`` as a float array when it is a plain number or array (not a Param, a tracer or a callable)."""
    if isinstance(value, jax.core.Tracer) or isinstance(value, (str, bytes)):
        return None
    if isinstance(value, (int, float, list, tuple, np.ndarray, np.number, jax.Array)):
        try:
            return np.asarray(value, dtype=float)
        except (TypeError, ValueError):
            return None
    return None


def _check_parameter(name, value, varshape):
    """Refuse, before any step, a parameter the equations cannot take: :class:`ModelError`.

    A quantity with a unit (the model is dimensionless), a plain array whose
    shape does not broadcast to the population ``varshape``, a value that is not
    finite, or a ``Delta`` / ``k`` below 0 (the ranges of :class:`CoombesByrne`).
    Params, ParamStates and initialisers pass to ``Param.init`` unchanged.
    """
    if isinstance(value, u.Quantity) and not _dimensionless(value):
        raise ModelError(
            f"CoombesByrneStep {name} is dimensionless (time in ms); got {value} with unit "
            f"{u.get_unit(value)}. Pass a plain number, e.g. {name}={float(np.ravel(u.get_mantissa(value))[0])!r}."
        )
    arr = _concrete_numbers(u.get_mantissa(u.maybe_decimal(value)) if isinstance(value, u.Quantity) else value)
    if arr is None:
        return
    try:
        fits = np.broadcast_shapes(arr.shape, tuple(varshape)) == tuple(varshape)  # (2, 1) made r (2, 2)
    except ValueError:
        fits = False
    if not fits:
        raise ModelError(
            f"CoombesByrneStep {name} has shape {arr.shape}, which does not broadcast to the population "
            f"shape {tuple(varshape)} (in_size); pass a scalar or one value per unit."
        )
    if not np.all(np.isfinite(arr)):
        raise ModelError(f"CoombesByrneStep {name} must be finite; got {value!r}.")
    lo, hi = CoombesByrne.param_ranges.get(name, (-np.inf, np.inf))
    if np.any(arr < lo) or np.any(arr > hi):
        raise ModelError(f"CoombesByrneStep {name} must lie in [{lo}, {hi}] (as CoombesByrne's); got {value!r}.")


def _broadcasts_to(shape, target) -> bool:
    try:
        return np.broadcast_shapes(tuple(shape), tuple(target)) == tuple(target)
    except ValueError:
        return False


def _checked_input(name, value, state_shape):
    """An input of :meth:`CoombesByrneStep.update` as a number or array that broadcasts to the state's shape.

    ``None`` is 0; a dimensionless quantity is its number; a quantity with a
    unit, or a shape that would not broadcast to the state (or would enlarge
    it), is a :class:`ModelError` (they failed inside the step with jax's or
    brainunit's message, or changed the state's shape).
    """
    if value is None:
        return 0.0
    if isinstance(value, u.Quantity):
        if not _dimensionless(value):
            raise ModelError(
                f"CoombesByrneStep.update {name} is a plain number (added to the derivative, per ms); got "
                f"{value} with unit {u.get_unit(value)}. Pass a plain number or array."
            )
        value = u.get_mantissa(u.maybe_decimal(value))
    if isinstance(value, (str, bytes)):
        raise ModelError(f"CoombesByrneStep.update {name} must be a number or an array; got {value!r}.")
    shape = jnp.shape(value) if isinstance(value, jax.Array) else np.shape(value)
    if not _broadcasts_to(shape, state_shape):
        raise ModelError(
            f"CoombesByrneStep.update {name} has shape {shape}, which does not broadcast to the state "
            f"shape {tuple(state_shape)}; pass a scalar or one value per unit."
        )
    return value if isinstance(value, (int, float)) else jnp.asarray(value)  # a list too


def _check_initial(value, name, state, example):
    """Refuse an initialiser whose values carry a unit: the step failed later, in ``update``, with jax's
    "broadcast_arrays requires ndarray or scalar arguments"."""
    if isinstance(value, u.Quantity) and not _dimensionless(value):
        raise ModelError(
            f"{name} gave {state} in {u.get_unit(value)}; CoombesByrneStep's r and v are plain numbers "
            f"(dimensionless, time in ms). Pass an initialiser of numbers, e.g. "
            f"{name}=braintools.init.Constant({example})."
        )


def _dimensionless(q) -> bool:
    unit = u.get_unit(q)
    return unit == u.UNITLESS or getattr(unit, "is_unitless", False) or u.get_dim(q).is_dimensionless


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
    noise_r, noise_v : WhiteNoise, float, list or array of floats (one per unit), or None
        Additive white noise on ``r`` / ``v``, as an SDE term
        :math:`\sigma\sqrt{dt}\,\xi` added to the state each step.
    method : str, default "exp_euler"
        The reference implementation's names, with its meanings:
        ``"exp_euler"`` is its per-variable exponential Euler; every other name
        ``X`` is the step ``braintools.quad.ode_X_step``, resolved from the
        installed braintools as the reference resolves it (``euler``,
        ``midpoint``, ``rk2``, ``ralston2``, ``heun``, ``rk3``, ``ralston3``,
        ``ssprk33``, ``bs32``, ``rk23``, ``rk4``, ``rk4_38``, ``rk45``,
        ``rkf45``, ``dopri5``, ``rk45_dopri``, ``dopri8``, ``rk87_dopri`` with
        braintools 0.3.0; see :mod:`brainnet_cb.nodes.braintools_methods`).
        These are braintools' meanings, not the network engine's: here
        ``"rk2"`` is the explicit trapezoid and ``"heun"`` a 3rd-order
        Runge–Kutta scheme, while :func:`brainnet_cb.simulate`'s ``"heun"`` is
        the 2nd-order trapezoid (braintools' ``"rk2"``) and its ``"rk2"`` the
        explicit midpoint (braintools' ``"midpoint"``).

    Attributes
    ----------
    r, v : brainstate.HiddenState
        Firing rate and mean membrane potential, shape ``(batch?,) + in_size``.

    Notes
    -----
    Without noise, every ``method`` equals the reference implementation
    (brainmass ``CoombesByrneStep``) step for step. Unlike the reference, noise
    is not fed through the input port (which would scale it with ``dt``
    instead of ``sqrt(dt)``): the increment is added to the state after the
    deterministic step (Euler–Maruyama for ``"euler"``).

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
        values = {"Delta": Delta, "eta": eta, "k": k, "v_syn": v_syn}
        for name, value in values.items():
            _check_parameter(name, value, self.varshape)
            if isinstance(value, u.Quantity):  # dimensionless (checked): its number, scale applied
                value = u.get_mantissa(u.maybe_decimal(value))
            if isinstance(value, (list, tuple)):  # one value per unit (checked): Param.init takes arrays only
                value = np.asarray(value, dtype=float)
            setattr(self, name, Param.init(value, self.varshape))
        for name, init in (("init_r", init_r), ("init_v", init_v)):
            if not callable(init):
                raise ModelError(
                    f"{name} must be callable (e.g. braintools.init.Constant(0.1)); got {init!r}."
                )
        self.init_r = init_r
        self.init_v = init_v
        self.noise_r = _as_noise(noise_r, "noise_r")
        self.noise_v = _as_noise(noise_v, "noise_v")
        for name, noise in (("noise_r", self.noise_r), ("noise_v", self.noise_v)):
            shape = np.shape(noise.sigma) if noise is not None else ()
            if not _broadcasts_to(shape, self.varshape):
                raise NoiseError(
                    f"{name} has amplitudes of shape {shape}, which does not broadcast to the population shape "
                    f"{tuple(self.varshape)} (in_size); pass a scalar or one amplitude per unit."
                )
        self._ode_step = resolve_step_method(method)  # IntegratorError lists the valid names
        self.method = method

    def init_state(self, batch_size=None, **kwargs):
        """Allocate the ``r`` and ``v`` hidden states (optional leading batch axis)."""
        self.r = brainstate.HiddenState.init(self.init_r, self.varshape, batch_size)
        self.v = brainstate.HiddenState.init(self.init_v, self.varshape, batch_size)
        _check_initial(self.r.value, "init_r", "r", 0.1)
        _check_initial(self.v.value, "init_v", "v", 0.0)

    def reset_state(self, batch_size=None, **kwargs):
        """Set ``r`` and ``v`` back to their initialisers, in place (:func:`brainstate.nn.reset_all_states`).

        The state objects are kept, so a loop compiled before the reset and a
        loss that resets them under ``brainstate.transform.grad`` see the
        restart (the reference, which has no ``reset_state``, is not restarted
        by ``reset_all_states``). Without ``batch_size`` the current batch axis
        is kept. Before :meth:`init_state` it allocates the states.
        """
        if not isinstance(getattr(self, "r", None), brainstate.State):
            self.init_state(batch_size, **kwargs)
            return
        if batch_size is None and jnp.ndim(self.r.value) > len(self.varshape):
            batch_size = jnp.shape(self.r.value)[0]
        r = braintools.init.param(self.init_r, self.varshape, batch_size)
        v = braintools.init.param(self.init_v, self.varshape, batch_size)
        _check_initial(r, "init_r", "r", 0.1)
        _check_initial(v, "init_v", "v", 0.0)
        self.r.value, self.v.value = r, v

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
        rhs = self._rhs(r, v, r_ext, v_ext)
        return rhs[0] / u.ms, rhs[1] / u.ms

    def update(self, r_inp=None, v_inp=None):
        """Advance one step of ``brainstate.environ`` ``dt``; return the new ``r``.

        Parameters
        ----------
        r_inp, v_inp : array-like or None
            Inputs added to ``dr/dt`` and ``dv/dt`` (``v_inp`` is the coupling
            port), held fixed over the step. ``None`` means zero.
        """
        dt = brainstate.environ.get_dt()
        dt_ms = environ_dt_ms(dt, "CoombesByrneStep.update", ModelError)  # a mV or negative dt: refused, named
        r0, v0 = self.r.value, self.v.value
        r_inp = _checked_input("r_inp", r_inp, jnp.shape(r0))
        v_inp = _checked_input("v_inp", v_inp, jnp.shape(v0))
        if self._ode_step is None:  # exp_euler, on the stacked state (as brainstate's per variable)
            node = self.node()
            x = exp_euler(lambda y: node.dfun(y, {"r": r_inp, "v": v_inp}),
                          jnp.stack(jnp.broadcast_arrays(r0, v0)), dt_ms)
            r, v = x[0], x[1]
        else:  # the braintools step on (r, v), exactly as the reference calls it
            t = brainstate.environ.get("t", 0.0 * u.ms)
            t = t if isinstance(t, u.Quantity) else t * u.ms
            with brainstate.environ.context(dt=dt if isinstance(dt, u.Quantity) else dt * u.ms):
                r, v = self._ode_step(self.derivative, (r0, v0), t, r_inp, v_inp)
            r, v = u.get_mantissa(u.maybe_decimal(r)), u.get_mantissa(u.maybe_decimal(v))
        r, v = self._add_noise(r, v, dt_ms)
        self.r.value = r
        self.v.value = v
        return r

    def _add_noise(self, r, v, dt_ms):
        """The white-noise increments ``sigma sqrt(dt) xi`` added to the stepped state."""
        out = []
        for x, noise in ((r, self.noise_r), (v, self.noise_v)):
            if noise is not None:
                shape = jnp.broadcast_shapes(jnp.shape(r), jnp.shape(v))
                x = x + noise.increment(shape, dt_ms).astype(jnp.result_type(x))
            out.append(x)
        return tuple(out)
