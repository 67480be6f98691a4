r"""Noise of a network run: additive white, Ornstein–Uhlenbeck (coloured) and multiplicative.

Every class is a diffusion term of an SDE driven by independent Wiener
processes :math:`W_s`, one per noisy state variable and region, with
amplitudes :math:`\sigma_s` given by name (``Additive(v=0.2)``):

======================  ====================================================  ===========================
class                   SDE                                                   one step (``dt`` in ms)
======================  ====================================================  ===========================
:class:`Additive`       :math:`dx_s = f_s\,dt + \sigma_s\,dW_s`               the scheme's step, plus
                                                                              :math:`\sigma_s\sqrt{dt}\,\xi`
:class:`OrnsteinUhlenbeck`  :math:`dx_s = (f_s + \eta_s)\,dt`,                :math:`\eta` held over the
                        :math:`d\eta_s = -\eta_s/\tau\,dt + \sigma_s\,dW_s`   step, then advanced exactly
:class:`Multiplicative` :math:`dx_s = f_s\,dt + \sigma_s x_s\,dW_s` (Itô;      left-point diffusion
                        Stratonovich on request)                              :math:`\sigma_s x_s \sqrt{dt}\,\xi`
======================  ====================================================  ===========================

so the statistics of the process do not depend on ``dt``. Random numbers come
from an explicit key, drawn in blocks of :data:`NOISE_BLOCK` steps aligned to
absolute step numbers: block ``b`` (steps ``K b`` to ``K b + K - 1``) is one
draw ``normal(fold_in(key, b), (K, n_noisy_states, n))`` and step ``n`` uses its
row ``n % K``. The numbers of a step depend only on the key and the step
number, so the same key gives the same run, bit for bit, however the run is
chunked or wherever it is resumed (a chunk boundary inside a block included).
Every class uses the same normals for the same key: switching the class
changes how the increments act, not which numbers are drawn.

A noise class whose step needs more than an additive increment declares a
*scheme* (:meth:`Noise.scheme`, a small static object the engine calls at
two points: the initial carry and each step) and its traced parameters
(:meth:`Noise.parameters`); :class:`Additive` has none and runs the engine's
original path.

References
----------
.. [1] P. E. Kloeden, E. Platen (1992). Numerical Solution of Stochastic
   Differential Equations. Springer. (Itô and Stratonovich calculus, §4.9;
   Euler–Maruyama, §9.1.)
.. [2] D. T. Gillespie (1996). Exact numerical simulation of the
   Ornstein–Uhlenbeck process and its integral. Phys. Rev. E 54, 2084.
"""

from __future__ import annotations

import dataclasses
import difflib
from typing import TYPE_CHECKING

import jax
import jax.numpy as jnp
import numpy as np
from jax.typing import DTypeLike

from ._checks import per_region
from ._pytree import numbers_as_array, short_repr, values_equal
from .errors import NoiseError
from .noise_draws import fold_in, normal
from .units import brainunit_module, is_quantity, to_ms

if TYPE_CHECKING:
    from .nodes.base import NodeModel

__all__ = ["Noise", "Additive", "OrnsteinUhlenbeck", "Multiplicative", "NOISE_BLOCK", "CONVENTIONS", "normal",
           "fold_in"]

#: Steps per noise draw (``K``). Part of the key -> noise mapping: changing it
#: changes every noisy realisation.
NOISE_BLOCK = 10
#: Block index of the draw that starts an Ornstein–Uhlenbeck process in its
#: stationary law (the last ``uint32``; a run would need 4e10 steps to reach it).
INITIAL_DRAW = 2**32 - 1
#: The calculus a :class:`Multiplicative` noise is read in.
CONVENTIONS = ("ito", "stratonovich")


def _checked_amplitudes(cls, sigma) -> dict:
    """``sigma`` checked, each list or tuple of numbers as a float array (as the node models convert theirs).

    A list and ``np.asarray`` of it then give the same noise (repr, ``==``, a
    run's numbers); booleans, strings and nested lists are refused here, on
    the host; the number of regions is checked once the connectome is known
    (:meth:`Noise.amplitudes`).
    """
    if not sigma:
        raise NoiseError(f"{cls}() needs at least one amplitude, e.g. {cls}(v=0.2).")
    out = {}
    for name, value in sigma.items():
        value = numbers_as_array(value) if isinstance(value, (list, tuple)) else value
        plain = value.mantissa if is_quantity(value) else value  # converted with the model: Noise.resolved
        if isinstance(plain, jax.core.Tracer):  # was: "... must be a number ...; got LinearizeTracer."
            others = "" if cls == "Additive" else "..., "
            raise NoiseError(
                f"noise amplitude {name} of {cls} is a JAX tracer ({type(plain).__name__} of shape {plain.shape}): "
                f"noise is checked on the host when it is built, so it cannot be built inside jax.jit, jax.grad or "
                f"jax.vmap. To differentiate the amplitude, build the objective once, outside, with the noise "
                f"and fit 'noise_{name}': f, params, _ = brainnet_cb.fitting.fit.fc_loss(..., "
                f"noise=bn.{cls}({others}{name}=0.2), init={{'noise_{name}': 0.2}}); "
                "jax.grad(lambda p: f(p)[0])(params).")
        try:
            if isinstance(plain, (str, bytes, bool, np.bool_)) or (  # NumPy would read "0.1" as 0.1, True as 1
                    isinstance(plain, (list, tuple, np.ndarray)) and np.asarray(plain).dtype.kind in "USb"):
                raise TypeError(value)
            arr = np.asarray(plain, dtype=float)
        except (TypeError, ValueError):
            raise NoiseError(
                f"noise amplitude {name}={value!r} must be a number or one per region, in units of the state "
                f"per sqrt(ms), or a brainunit quantity of that dimension; got {_kind(value)}.{_one_quantity(value)}"
            ) from None
        if arr.ndim > 1:
            raise NoiseError(f"noise amplitude {name} of {cls} must be a number or one per region (a flat list or "
                             f"1-D array); got shape {arr.shape}.")
        if not np.all(np.isfinite(arr)) or np.any(arr < 0):
            raise NoiseError(f"noise amplitude {name}={sigma[name]!r} must be finite and >= 0.")
        out[name] = value
    return out


def _one_quantity(value) -> str:
    """The fix for a list of quantities (one quantity of an array is what the class takes), else ``""``."""
    if isinstance(value, (list, tuple)) and any(is_quantity(v) for v in value):
        return " Give one quantity of an array instead, e.g. np.array([0.05, 0.1]) / u.ms**0.5."
    return ""


def _kind(value) -> str:
    """What ``value`` is, for the messages: ``list``, or ``list of bool`` for a sequence."""
    if isinstance(value, (list, tuple)) and value:
        return f"{type(value).__name__} of {', '.join(sorted({type(v).__name__ for v in value}))}"
    return type(value).__name__


def _unit_text(spec) -> str:
    """A state unit as the messages write it: ``""`` for dimensionless, else ``"mV "``."""
    text = str(spec).strip()
    return "" if text in ("1", "") else f"{text} "


def _state_fix(name: str, value, model: NodeModel, taken=()) -> str:
    """``"Put the amplitude on one of them, e.g. v=0.1 in place of x=0.1"``: the state a misnamed amplitude most
    likely meant (a close spelling, else the input port ``receives``, else the first state), one that ``taken`` (the
    states given amplitudes) does not hold already; where the meant one does, that the misnamed one goes."""
    close = difflib.get_close_matches(name, model.states, n=1)
    state = close[0] if close else model.receives if model.receives in model.states else model.states[0]
    free = [s for s in model.states if s not in taken]
    if state in taken and not close and free:
        state = free[0]
    shown = f"{float(value):g}" if isinstance(value, (int, float, np.number)) else "..."
    if state in taken:  # Additive(v=0.1, V=0.05): "v=0.05 in place of V=0.05" would name v twice
        return f"{state} has an amplitude already: remove {name}={shown}"
    return f"Put the amplitude on one of them, e.g. {state}={shown} in place of {name}={shown}"


def _spelled_values(value, short: bool) -> str:
    """An amplitude (or time constant) as a noise's repr writes it: a list, or summarised where ``short``."""
    if is_quantity(value):
        return short_repr(value) if short else repr(value)
    return short_repr(np.asarray(value)) if short and np.size(value) > 4 else str(np.asarray(value).tolist())


class Noise:
    r"""Base class: amplitudes :math:`\sigma_s` per noisy state variable, by name.

    Subclasses set what one step does with the increments
    :math:`\sigma_s\sqrt{dt}\,\xi` (:meth:`scheme`, :meth:`parameters`),
    :math:`\xi \sim N(0, 1)` drawn independently per state, region and step
    from the run's key. The base class itself has no scheme: it adds the
    increment, as :class:`Additive` does (:math:`dx_s = f_s\,dt + \sigma_s\,dW_s`),
    so the statistics of the process do not depend on ``dt``. A new kind of
    noise subclasses it and overrides :meth:`scheme` and :meth:`parameters`
    (and :attr:`time_power` / :attr:`per_state` where the unit of its
    amplitudes differs).

    Parameters
    ----------
    **sigma : float, array or brainunit.Quantity
        One amplitude per noisy state, by its name (``v=0.05``): a number, or
        one value per region, finite and >= 0. Plain numbers are in
        :meth:`amplitude_unit` (for additive noise the state's unit per
        sqrt(ms): ``1/sqrt(ms)`` for the dimensionless Coombes–Byrne states);
        a quantity is converted to it. States without an amplitude get no noise.

    Raises
    ------
    NoiseError
        On a positional amplitude (which state it acts on is not said), or an
        amplitude that is negative, non-finite or not a number or 1-D array.
        A name that is not a state of the model is refused when the run is
        prepared.

    References
    ----------
    .. [1] P. E. Kloeden, E. Platen (1992). Numerical Solution of Stochastic
       Differential Equations. Springer. (Euler–Maruyama, §9.1.)

    Examples
    --------
    >>> import numpy as np, brainnet_cb as bn
    >>> noise = bn.Additive(v=0.05)  # a subclass of Noise
    >>> noise.sigma, noise.amplitude_unit(bn.CoombesByrne(), "v")
    ({'v': 0.05}, '1/sqrt(ms)')
    >>> rows, sigma = noise.amplitudes(bn.CoombesByrne(), 3, np.float32)  # state rows, (rows, regions)
    >>> rows, sigma.shape
    ((1,), (1, 3))
    """

    def __init__(self, *args, **sigma):
        if args:  # Additive(0.01): which state is noisy is not said
            raise NoiseError(f"{type(self).__name__} takes its amplitudes by state name, e.g. "
                             f"{type(self).__name__}(v=0.01) for noise on v; got the positional value(s) "
                             f"{', '.join(map(repr, args))}.")
        self.sigma = _checked_amplitudes(type(self).__name__, sigma)

    def _extra(self, short: bool = False) -> str:
        return ""

    def __eq__(self, other):
        """The same class, options and amplitudes (arrays by shape and values); it was identity."""
        if type(other) is not type(self):
            return NotImplemented
        mine, theirs = vars(self), vars(other)
        return mine.keys() == theirs.keys() and all(values_equal(mine[k], theirs[k]) for k in mine)

    def __hash__(self):
        return hash((type(self), tuple(sorted(self.sigma))))  # equal noises have the same noisy states

    def __repr__(self):
        """One short line: amplitudes per region summarised (``v=<76 values in [0.01, 0.05]>``), as a model's."""
        return self._spelled(short=True)

    def _full_repr(self) -> str:
        """The repr with every amplitude listed: a run's ``noise`` attribute and its checkpoint's summary (kept, so
        a checkpoint written before reprs were summarised still resumes)."""
        return self._spelled(short=False)

    def _spelled(self, short: bool) -> str:
        args = ", ".join(f"{k}={_spelled_values(v, short)}" for k, v in self.sigma.items())
        return f"{type(self).__name__}({self._extra(short)}{args})"

    def replace_sigma(self, **sigma) -> Noise:
        """The same noise with the amplitudes ``sigma`` (the other options kept)."""
        new = object.__new__(type(self))
        new.__dict__.update(self.__dict__)
        new.sigma = _checked_amplitudes(type(self).__name__, sigma)
        return new

    #: Power of the ms in the unit of an amplitude: the state per ms**time_power (``Additive``: 1/2).
    time_power = 0.5
    #: Whether the unit of an amplitude contains the unit of its state (not for ``Multiplicative``).
    per_state = True

    @classmethod
    def _state_unit(cls, model: NodeModel, name: str) -> str:
        return _unit_text(getattr(model, "state_units", {}).get(name, "1")).strip() if cls.per_state else ""

    @classmethod
    def amplitude_unit(cls, model: NodeModel, name: str) -> str:
        """The unit of the amplitude of state ``name`` of ``model``, as text (``"1/sqrt(ms)"``, ``"mV/sqrt(ms)"``)."""
        state = cls._state_unit(model, name)
        ms = "sqrt(ms)" if cls.time_power == 0.5 else f"ms^{cls.time_power:g}"
        if not state:
            return f"1/{ms}"
        return f"{state}/{ms}" if state.isidentifier() else f"({state})/{ms}"

    @classmethod
    def _example(cls, model: NodeModel, name: str) -> str:
        """A quantity of the amplitude's unit for the messages (``0.05 / u.ms**0.5``, ``0.05 * u.mV / u.ms**0.5``)."""
        state = cls._state_unit(model, name)
        if not state or state.isidentifier():
            return f"{'0.05 * u.' + state if state else '0.05'} / u.ms**{cls.time_power:g}"
        num, _, den = state.replace(" ", "").partition("/")
        if num == "1" and den.isidentifier():  # 1/ms -> 0.05 / u.ms / u.ms**0.5
            return f"0.05 / u.{den} / u.ms**{cls.time_power:g}"
        return f"0.05 * u.parse_unit({state!r}) / u.ms**{cls.time_power:g}"

    @classmethod
    def plain_amplitude(cls, model: NodeModel, name: str, value, label=None, error=NoiseError):
        """``value`` (a number, array or brainunit quantity) as plain numbers in :meth:`amplitude_unit`.

        A quantity of another dimension raises ``error``, whose message starts
        with ``label`` (default: the amplitude and the state it acts on).
        Values that are no quantity are returned as they are.
        """
        if not is_quantity(value):
            return value
        u = brainunit_module()
        spec = getattr(model, "state_units", {}).get(name, "1") if cls.per_state else "1"
        unit = (u.parse_unit(spec) if isinstance(spec, str) else spec) * u.ms ** -cls.time_power
        try:
            out = np.asarray(value.to_decimal(unit), dtype=float)
        except Exception:  # noqa: BLE001 - brainunit raises several kinds on a dimension mismatch
            want = cls.amplitude_unit(model, name)
            head = label or f"noise amplitude {name} of {cls.__name__} on {type(model).__name__}.{name}"
            raise error(
                f"{head} must have the dimension of {want}; got {value} (unit {u.get_unit(value)}). Pass e.g. "
                f"{cls.__name__}({name}={cls._example(model, name)}) or a plain number in {want}."
            ) from None
        return float(out) if out.ndim == 0 else out

    def resolved(self, model: NodeModel) -> Noise:
        """This noise with every brainunit amplitude converted to a plain number in :meth:`amplitude_unit`.

        A quantity of another dimension is a :class:`NoiseError` naming the
        amplitude, what was given and the unit it needs. Plain numbers are
        kept as they are (already in that unit); ``self`` is returned when no
        amplitude is a quantity.
        """
        if not any(is_quantity(v) for v in self.sigma.values()):
            return self
        return self.replace_sigma(**{  # an unknown state: amplitudes() says so
            name: self.plain_amplitude(model, name, value) if name in model.states else value
            for name, value in self.sigma.items()})

    def amplitudes(self, model: NodeModel, n_regions: int, dtype: DTypeLike) -> tuple[tuple[int, ...], jax.Array]:
        """``(rows, sigma)``: noisy state rows and their amplitudes ``(len(rows), n)``, in :meth:`amplitude_unit`."""
        rows, values = [], []
        for name, value in self.resolved(model).sigma.items():
            if name not in model.states:
                raise NoiseError(
                    f"noise on {name!r}, but {type(model).__name__} has states {model.states}. "
                    f"{_state_fix(name, value, model, self.sigma)}."
                )
            arr = per_region(value, n_regions, f"noise amplitude {name} of {type(self).__name__}", NoiseError)
            rows.append(model.states.index(name))
            values.append(np.broadcast_to(arr, (n_regions,)))
        return tuple(rows), jnp.asarray(np.stack(values), dtype=dtype)

    def scheme(self):
        """The static step hook of the engine (hashable), or None for a plain additive increment."""
        return None

    def parameters(self, n_regions: int, dtype: DTypeLike):
        """Traced parameters of the scheme beyond ``sigma`` (a pytree; ``()`` if none)."""
        return ()


class Additive(Noise):
    r"""Additive white noise on chosen state variables: :math:`dx_s = f_s\,dt + \sigma_s\,dW_s`.

    One step adds :math:`\sigma_s\sqrt{dt}\,\xi` (``dt`` in ms): Euler–Maruyama
    with ``method="euler"``, stochastic Heun with ``"heun"``. Itô and
    Stratonovich readings agree for additive noise. TVB's ``noise.Additive(nsig)``
    adds :math:`\sqrt{2\,\mathrm{nsig}\,dt}\,\xi`: it is
    ``Additive(v=np.sqrt(2 * nsig))`` here (:math:`\mathrm{nsig} = \sigma^2/2`).

    Units: :math:`dW` has the unit :math:`\sqrt{\mathrm{ms}}` (its variance
    over a step is ``dt``), so :math:`\sigma_s` has the unit of the state per
    :math:`\sqrt{\mathrm{ms}}`: :math:`1/\sqrt{\mathrm{ms}}` for the
    dimensionless ``v`` of Coombes–Byrne, :math:`\mathrm{mV}/\sqrt{\mathrm{ms}}`
    for a Jansen–Rit potential. A plain number is read in that unit; a
    brainunit quantity of that dimension is converted once the model is known
    (``v=0.05 / u.ms**0.5`` is ``v=0.05``; ``v=0.05 / u.second**0.5`` is
    ``v=0.05 / sqrt(1000)``), and one of another dimension (``v=0.05 * u.ms``)
    is a :class:`~brainnet_cb.errors.NoiseError` naming the amplitude, before
    anything is compiled.

    Parameters
    ----------
    **sigma : float, list, array or brainunit.Quantity
        One amplitude per noisy state variable, by name: ``Additive(v=0.2)``
        or ``Additive(r=0.01, v=0.2)``; a scalar or one value per region
        (state per sqrt(ms)). A list or tuple of numbers is a float array
        (``Additive(v=[0.1, 0.2])`` is ``Additive(v=np.array([0.1, 0.2]))``);
        its length is checked against the connectome when the run is
        specified (:class:`~brainnet_cb.Simulation`), before compiling.

    Examples
    --------
    >>> import brainnet_cb as bn
    >>> bn.Additive(v=0.2)
    Additive(v=0.2)
    """


class OrnsteinUhlenbeck(Noise):
    r"""Coloured noise: an Ornstein–Uhlenbeck process added to the vector field.

    .. math::

       dx_s = \big(f_s(x) + \eta_s\big)\,dt, \qquad
       d\eta_s = -\frac{\eta_s}{\tau}\,dt + \sigma_s\,dW_s .

    Convention: :math:`\sigma_s` is the amplitude of the white noise that
    drives :math:`\eta_s`, so :math:`\eta_s` has the stationary variance
    :math:`\sigma_s^2 \tau / 2` and the autocorrelation
    :math:`\langle \eta(t)\eta(t+u) \rangle = \tfrac{\sigma^2\tau}{2} e^{-|u|/\tau}`
    (correlation time :math:`\tau`, power spectrum
    :math:`\sigma^2 / (1/\tau^2 + \omega^2)`: white below :math:`1/(2\pi\tau)`).
    :math:`\eta` has units of the state per ms, :math:`\sigma` of the state per
    :math:`\mathrm{ms}^{3/2}`. As :math:`\tau \to 0` with :math:`\sigma\tau`
    fixed, :math:`\eta\,dt` tends to white noise of amplitude :math:`\sigma\tau`
    (``Additive(s=sigma * tau)``).

    :math:`\eta` is held fixed over the stages of a step (like the coupling
    input), then advanced with the exact update of the OU process [2]_,

    .. math:: \eta_{n+1} = a\,\eta_n + \sigma \sqrt{\tfrac{\tau}{2}(1 - a^2)}\;\xi_n,
              \qquad a = e^{-dt/\tau},

    so its variance and correlation are exact at any ``dt``. It starts in its
    stationary law: :math:`\eta_0 = \sigma\sqrt{\tau/2}\,\xi` with :math:`\xi`
    drawn from ``fold_in(key, 2**32 - 1)`` (``initial="stationary"``), or at
    zero (``initial="zero"``). With additive forcing the Itô and
    Stratonovich readings agree.

    Parameters
    ----------
    tau : float, list, array or brainunit time
        Correlation time (ms) > 0; a scalar or one value per region.
    initial : {"stationary", "zero"}, default "stationary"
        Law of :math:`\eta` at ``t = 0``.
    **sigma : float, list, array or brainunit.Quantity
        Amplitudes per noisy state variable, by name (``v=0.05``), in the
        state per :math:`\mathrm{ms}^{3/2}` (``v=0.05 / u.ms**1.5`` for a
        dimensionless state; another dimension is a ``NoiseError``).

    Examples
    --------
    >>> from brainnet_cb.noise import OrnsteinUhlenbeck
    >>> OrnsteinUhlenbeck(tau=10.0, v=0.02)
    OrnsteinUhlenbeck(tau=10.0, v=0.02)
    """

    time_power = 1.5  # sigma drives eta (state per ms): the state per ms**1.5

    def __init__(self, tau, initial="stationary", **sigma):
        if isinstance(tau, (list, tuple)) and np.asarray(numbers_as_array(tau)).dtype.kind in "USb":
            raise NoiseError(f"OrnsteinUhlenbeck tau must be a number in ms, one per region or a brainunit "
                             f"quantity; got {tau!r} ({_kind(tau)}).")
        arr = np.asarray(to_ms(tau, "OrnsteinUhlenbeck tau", NoiseError), dtype=float)
        if arr.ndim > 1 or not np.all(np.isfinite(arr)) or np.any(arr <= 0):
            raise NoiseError(f"OrnsteinUhlenbeck tau (correlation time, ms) must be finite and > 0; got {tau!r}.")
        if initial not in ("stationary", "zero"):
            raise NoiseError(f"OrnsteinUhlenbeck initial must be 'stationary' or 'zero'; got {initial!r}.")
        super().__init__(**sigma)
        self.tau = arr.item() if arr.ndim == 0 else arr
        self.initial = initial

    def _extra(self, short=False):
        extra = f"tau={_spelled_values(self.tau, short)}, "
        return extra + ("initial='zero', " if self.initial == "zero" else "")

    def scheme(self):
        return _OUScheme(self.initial == "stationary")

    def parameters(self, n_regions, dtype):
        tau = per_region(self.tau, n_regions, "OrnsteinUhlenbeck tau", NoiseError)
        return jnp.asarray(np.broadcast_to(tau, (n_regions,)), dtype=dtype)


class Multiplicative(Noise):
    r"""Multiplicative (state-proportional) noise: :math:`dx_s = f_s(x)\,dt + \sigma_s x_s\,dW_s`.

    Read in the **Itô** sense by default: the diffusion is evaluated at the
    start of the step, so one step is the scheme's deterministic step plus
    :math:`\sigma_s x_s(t_n)\sqrt{dt}\,\xi` (Euler–Maruyama for the
    diffusion, weak order 1). For a linear drift :math:`f = \mu x` this is
    geometric Brownian motion with :math:`E[x(t)] = x_0 e^{\mu t}`.

    ``convention="stratonovich"`` reads the same equation as a Stratonovich
    SDE (the limit of smooth, fast noise), integrated as its equivalent Itô
    equation with the drift :math:`f_s + \tfrac12 \sigma_s^2 x_s` (the
    Wong–Zakai correction :math:`\tfrac12 g\,\partial_x g` for
    :math:`g = \sigma x`, added inside the scheme's stages); then
    :math:`E[x(t)] = x_0 e^{(\mu + \sigma^2/2) t}`.

    Parameters
    ----------
    convention : {"ito", "stratonovich"}, default "ito"
    **sigma : float, list, array or brainunit.Quantity
        Relative amplitudes per noisy state variable, by name, in
        :math:`\mathrm{ms}^{-1/2}` whatever the unit of the state
        (``r=0.1 / u.ms**0.5``; another dimension is a ``NoiseError``).

    Examples
    --------
    >>> from brainnet_cb.noise import Multiplicative
    >>> Multiplicative(r=0.1)
    Multiplicative(r=0.1)
    >>> Multiplicative(convention="stratonovich", r=0.1)
    Multiplicative(convention='stratonovich', r=0.1)
    """

    per_state = False  # sigma x dW: sigma is in 1/sqrt(ms) whatever the unit of x

    def __init__(self, convention="ito", **sigma):
        if convention not in CONVENTIONS:
            raise NoiseError(f"Multiplicative convention must be one of {list(CONVENTIONS)}; got {convention!r}.")
        super().__init__(**sigma)
        self.convention = convention

    def _extra(self, short=False):
        return "convention='stratonovich', " if self.convention == "stratonovich" else ""

    def scheme(self):
        return _MultiplicativeScheme(self.convention == "stratonovich")


def _scatter(values, rows, n_states):
    """``(len(rows), n)`` rows placed in a ``(n_states, n)`` array of zeros."""
    zero = jnp.zeros(values.shape[1:], values.dtype)
    return jnp.stack([values[rows.index(s)] if s in rows else zero for s in range(n_states)])


@dataclasses.dataclass(frozen=True)
class _OUScheme:
    """Engine hook of :class:`OrnsteinUhlenbeck`: carries :math:`\\eta` ``(n_states, n)``."""

    stationary: bool

    def init(self, x0, dyn, rows):
        """:math:`\\eta_0`: stationary draw, or zeros."""
        if not self.stationary:
            return jnp.zeros_like(x0)
        xi = jax.random.normal(jax.random.fold_in(dyn.key, INITIAL_DRAW), dyn.sigma.shape, dyn.sigma.dtype)
        return _scatter(dyn.sigma * jnp.sqrt(0.5 * dyn.noise) * xi, rows, x0.shape[0])

    def step(self, f, x, eta, dW, dyn, rows):
        """``(field, increment, eta_next)``: ``f + eta`` held fixed; exact OU update with ``dW = sigma sqrt(dt) xi``."""
        tau = dyn.noise
        a = jnp.exp(-dyn.dt / tau)
        gain = jnp.sqrt(-0.5 * tau * jnp.expm1(-2.0 * dyn.dt / tau) / dyn.dt)  # sqrt(tau (1 - a^2) / (2 dt))
        return (lambda y: f(y) + eta), None, a * eta + gain * dW


@dataclasses.dataclass(frozen=True)
class _MultiplicativeScheme:
    """Engine hook of :class:`Multiplicative`: left-point diffusion, optional Stratonovich drift."""

    stratonovich: bool

    def init(self, x0, dyn, rows):
        return ()

    def step(self, f, x, aux, dW, dyn, rows):
        increment = x * dW  # sigma x_n sqrt(dt) xi on the noisy rows, zero elsewhere
        if not self.stratonovich:
            return f, increment, aux
        half_s2 = 0.5 * _scatter(dyn.sigma * dyn.sigma, rows, x.shape[0])
        return (lambda y: f(y) + half_s2 * y), increment, aux


def block_increments(key, block, rows, sigma, n_states, dt):
    """Increments ``sigma sqrt(dt) xi`` of the ``NOISE_BLOCK`` steps of block ``block``.

    Shape ``(NOISE_BLOCK, n_states, n)``: the noisy state ``rows`` get
    ``sigma * sqrt(dt) * xi`` with ``xi`` the draw
    ``normal(fold_in(key, block), (NOISE_BLOCK,) + sigma.shape)``, the other
    rows zeros. Row ``k`` is the increment of step ``NOISE_BLOCK * block + k``.

    The normals come from :func:`normal` and :func:`fold_in` (``jax.random``'s,
    bit for bit, with the Threefry hash inlined: :mod:`brainnet_cb.noise_draws`).
    They are materialised before they are scaled
    (``optimization_barrier``): fused with the scaling, XLA compiles a single
    run and a batch member (``vmap``) into different floating-point code, and
    batches would differ from single runs in the last bit.
    """
    xi = normal(fold_in(key, block), (NOISE_BLOCK,) + sigma.shape, sigma.dtype)
    xi = jax.lax.optimization_barrier(xi)
    inc = sigma * jnp.sqrt(dt) * xi
    zero = jnp.zeros(inc.shape[:1] + inc.shape[2:], inc.dtype)
    return jnp.stack([inc[:, rows.index(s)] if s in rows else zero for s in range(n_states)], axis=1)
