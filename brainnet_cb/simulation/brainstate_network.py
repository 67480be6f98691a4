r"""``NetworkModule``: a connectome network as a brainstate module, stepped by the user.

:func:`brainnet_cb.simulate` owns its loop: it scans the engine's step in
compiled chunks and hands back a Dataset. A brainstate program owns *its*
loop instead: it steps modules inside :func:`brainstate.transform.for_loop`,
composes them (a stimulus module feeding a network, a readout layer reading
it) and trains their :class:`brainstate.ParamState` with
``braintools.optim`` or optax. :class:`NetworkModule` is the network in that
form: a :class:`brainstate.nn.Dynamics` whose hidden states are the engine's
carry (node state, delay ring buffer, coupling input, step counter, current
noise block) and whose :meth:`~NetworkModule.update` is the engine's own step
(:mod:`brainnet_cb.simulation.engine`), unchanged. One call advances every
region by ``dt``:

.. math::

   x_i(t + dt) = \Phi_{dt}\big(x_i(t);\; c_i(t) + I_i(t)\big),
   \qquad c_i(t) = \mathrm{post}\Big(\sum_j W_{ij}\, s_j(t - \tau_{ij})\Big),

with ``W[target, source]``, the sent quantity :math:`s` (``r`` for
Coombes–Byrne), integer lags :math:`\tau_{ij} = \mathrm{round}(L_{ij} /
(\mathrm{speed}\,dt))` steps, the coupling's ``post`` (``G S`` for
:class:`~brainnet_cb.Linear`), the integrator :math:`\Phi` and an optional
external input :math:`I` at the coupling port. With the same model,
connectome, options and key, the states after ``k`` calls equal the samples
of ``bn.simulate(..., monitors=[bn.Raw()])`` bit for bit (noise included:
the same blocks of normals, drawn from the key and the absolute step number).

Parameters named in ``trainable`` become :class:`brainstate.nn.Param`
attributes (each holding a :class:`brainstate.ParamState`); every step reads
their current values and substitutes them into the engine's arguments
(:meth:`~brainnet_cb.simulation.parameters.ParameterBook.substitute`), so
gradients flow from any loss of the trajectory to them.
"""

from __future__ import annotations

import math

import brainstate
import brainunit as u
import jax
import jax.numpy as jnp
import numpy as np

from ..errors import SimulationError
from ..monitors import Raw
from ..noise import NOISE_BLOCK
from ..units import environ_dt_ms, port_unit
from . import engine
from .parameters import ParameterBook
from .spec import Simulation

__all__ = ["NetworkModule"]


class NetworkModule(brainstate.nn.Dynamics):
    r"""A delayed connectome network of node models as a :class:`brainstate.nn.Dynamics`.

    Parameters
    ----------
    model : NodeModel or Simulation
        The node model (e.g. ``bn.CoombesByrne(eta=-4.6)``), or a whole
        :class:`~brainnet_cb.Simulation` (its ``duration`` and ``monitors``
        are ignored: the module is stepped by its user).
    connectome : Connectome, optional
        Weights ``[target, source]`` and tract lengths (mm); not with a spec.
    dt : float or brainunit.Quantity, optional
        The step (ms); default the ``brainstate.environ`` ``dt`` where one is
        set when the module is built, else 0.1. Lags are rounded with it, so it
        is fixed at construction; a different ``brainstate.environ`` ``dt`` is
        refused at :meth:`update`.
    trainable : sequence of str, default ()
        Parameters to expose as :class:`brainstate.nn.Param` (attributes
        ``param_<name>``, also in :attr:`params`): model fields
        (``"eta"``), coupling fields (``"G"``) or noise amplitudes
        (``"noise_v"``), as named by the parameter book
        (:mod:`brainnet_cb.simulation.parameters`), starting from their value
        in the spec: a scalar is one global trainable value, an array one
        value per region. Speed and seed are not differentiable and are refused,
        and so is a field declared with :func:`~brainnet_cb.plugins.static_field`.
    **options
        The run options of :class:`~brainnet_cb.Simulation`: ``coupling``,
        ``speed``, ``noise``, ``key``, ``method``, ``initial_state``,
        ``history``, ``normalize``, ``dtype``, ``edges`` (same defaults).

    Attributes
    ----------
    x : brainstate.HiddenState
        Node state, shape ``(n_states, n_regions)`` (rows in ``model.states`` order).
    hist, c, step, epoch, noise_block, noise_state, bad_step, bad_region : brainstate.ShortTermState
        The rest of the engine's carry: the ring buffer of the sent quantity
        ``(max_lag + 1, n)``, the coupling input of the current step, the step
        counter (int32) and how many times it went past ``steps_per_epoch`` and
        started again (the step is ``epoch * steps_per_epoch + step``), the
        increments of the current noise block, the state of the
        noise (the coloured process of :class:`~brainnet_cb.OrnsteinUhlenbeck`;
        None for white noise), and the first non-finite step and region
        (``-1`` while finite).
    steps_per_epoch : int
        About 2**30 (29.8 h at 0.1 ms), a multiple of the ring buffer's length
        and of the noise block: the counter restarts from 0 there, so that a
        module stepped past 2**31 - 1 times (an int32's limit, where
        :func:`~brainnet_cb.simulate` stops) keeps its delays, its noise
        blocks (numbered from the absolute step, in int32: 2**31 blocks of 10
        steps, 597 h at 0.1 ms) and :attr:`t`. Stimuli
        and ``bad_step`` count absolute steps in int32, as a run does: they are
        right for the first 2**31 - 1 steps.

    Notes
    -----
    Call :func:`brainstate.nn.init_all_states` (or :meth:`init_state`) before
    stepping, and again to restart; the states are allocated when the module
    is built and a restart sets their values in place (a loop compiled before
    steps the restarted states). :meth:`init_state` reads the trainable
    parameters (the initial coupling input depends on ``G``, the first noise
    block on the noise amplitudes), so a loss that is differentiated should
    call it inside the differentiated function. The module steps one network;
    batch several with ``brainstate.transform.vmap(run, out_states=net.states())``
    over a function that sets the parameters, calls :meth:`init_state` and
    steps, or use :func:`brainnet_cb.simulate_batch`.

    The noise comes from ``key`` alone (not from :mod:`brainstate.random`),
    fixed when the module is built: a restart repeats the same realisation,
    bit for bit. For another one, build the module with another ``key`` (a
    trial loop: one module per key, or ``bn.simulate_batch(...,
    batch={"seed": [...]})``).

    Examples
    --------
    >>> import brainstate, jax.numpy as jnp, brainnet_cb as bn
    >>> from brainnet_cb.simulation.brainstate_network import NetworkModule
    >>> conn = bn.Connectome(weights=[[0, 1], [1, 0]], lengths=[[0, 30], [30, 0]])
    >>> net = NetworkModule(bn.CoombesByrne(), conn, dt=0.1, coupling=bn.Linear(G=0.5),
    ...                     trainable=("G",))
    >>> brainstate.nn.init_all_states(net)  # doctest: +ELLIPSIS
    NetworkModule(...)
    >>> r = brainstate.transform.for_loop(lambda i: net.update(), jnp.arange(1000))
    >>> r.shape, net.t
    ((1000, 2), 100.0)
    """

    def __init__(self, model, connectome=None, dt=None, *, trainable=(), **options):
        for name in ("duration", "monitors"):
            if name in options:
                raise SimulationError(
                    f"NetworkModule takes no {name!r}: it is stepped by its user (call update() in a "
                    "brainstate.transform.for_loop) and returns the new state each step.")
        if isinstance(model, Simulation):
            if connectome is not None or options:
                raise SimulationError("pass either a Simulation or (model, connectome, **options), not both.")
            spec = model.replace(duration=model.dt, monitors=(Raw(),))
        else:
            if dt is None:  # the environment's, as a brainstate module takes it (was 0.1, then refused at update)
                env = brainstate.environ.get("dt", None)
                dt = 0.1 if env is None else environ_dt_ms(env, "NetworkModule", SimulationError)
            spec = Simulation(model, connectome, duration=dt, dt=dt, monitors=(Raw(),), **options)
        run = spec.prepare()
        super().__init__(run.connectome.n_regions)
        self.spec = spec
        self.model = run.model
        self.connectome = run.connectome
        self.dt = run.dt
        self.max_lag = run.max_lag
        # The step counter is an int32, 2**31 - 1 steps at most (59.7 h at 0.1 ms): it counts from 0 to
        # steps_per_epoch (~2**30, a whole number of ring buffers and noise blocks) and starts again, with
        # epoch counting the restarts; the ring position and the noise block continue unchanged.
        whole = math.lcm(self.max_lag + 1, NOISE_BLOCK)
        self.steps_per_epoch = max(1, 2**30 // whole) * whole
        # The engine's pieces, without monitors: the module's user observes the state.
        self._plan = run.plan._replace(levels=())
        self._dyn = run.dyn._replace(monitors=())
        self._x0, self._hist0 = run.carry.x, run.carry.hist
        self._book = ParameterBook(spec.model, spec.coupling)
        self.params = {}
        if isinstance(trainable, str):  # one name, not its letters
            trainable = (trainable,)
        elif trainable is None:
            trainable = ()
        elif not isinstance(trainable, (list, tuple, set, frozenset)):
            raise SimulationError(
                f"trainable must be a parameter name or a sequence of names, e.g. trainable=('G', 'eta'); got "
                f"{trainable!r}.")
        for name in trainable:
            p = self._book.lookup(name, SimulationError, "unknown parameter {name!r} in trainable; "
                                                         "choose from the {choices}.")
            self._book.check_not_static(p, f"trainable {name!r}", SimulationError)
            if not p.differentiable:
                raise SimulationError(
                    f"{name!r} cannot be trainable: it changes integer delays or the random numbers, "
                    "not a smooth parameter. Sweep it with bn.sweep instead.")
            ParameterBook.check_noise_row(p, run, SimulationError, f"trainable {name!r}")
            value = self._current(p)
            param = brainstate.nn.Param(value)
            setattr(self, f"param_{name}", param)
            self.params[name] = param
        self._allocate_states()

    # ------------------------------------------------------------------ pieces
    def _current(self, p):
        """The value of parameter ``p`` as the spec gives it (a scalar stays one global value)."""
        spec = self.spec
        if p.kind == "model":
            value = getattr(spec.model, p.field)
        elif p.kind == "coupling":
            value = getattr(spec.coupling, p.field)
        else:
            value = spec.noise.sigma[p.field]
        return jnp.asarray(u.get_mantissa(value), self._dyn.table.weights.dtype)

    def dynamic(self) -> engine.Dynamic:
        """The engine's dynamic arguments with the current values of the trainable parameters."""
        if not self.params:
            return self._dyn
        values = {name: param.value() for name, param in self.params.items()}
        n = self.connectome.n_regions
        for name, v in values.items():  # a shape is known in a trace too: checked before substitute broadcasts
            if jnp.shape(v) not in ((), (1,), (n,)):
                raise SimulationError(
                    f"param_{name} holds shape {jnp.shape(v)}; {name} takes a scalar (one global value) or one "
                    f"value per region ({n}). Set it with net.param_{name}.set_value(...) of one of those shapes.")
        return self._book.substitute(_RunView(self), values)

    def _carry(self) -> engine.Carry:
        aux = () if self.noise_state is None else self.noise_state.value
        return engine.Carry(self.x.value, self.hist.value, self.step.value, self.c.value, (),
                            self.bad_step.value, self.bad_region.value, aux)

    # ------------------------------------------------------------------ brainstate API
    def init_state(self, batch_size=None, **kwargs):
        """The carry at step 0: initial state, initial history, the coupling input it gives, noise block 0.

        The states are allocated once, when the module is built, and this
        sets their values in place: a program compiled before (a
        ``brainstate.transform.jit`` of a loop of :meth:`update`) steps the
        restarted states, and a call inside a traced function (a loss under
        ``brainstate.transform.grad``, a ``vmap``) leaves live states behind,
        not tracers of that trace.
        """
        if batch_size is not None:
            raise SimulationError(
                f"NetworkModule steps one network; got batch_size={batch_size!r}. Batch networks with "
                "brainstate.transform.vmap over modules, or use bn.simulate_batch.")
        for name, value in self._initial_values(self.dynamic()).items():
            getattr(self, name).value = value
        self._initialised = True

    def _initial_values(self, dyn):
        """The values of the states at step 0 for the dynamic arguments ``dyn`` (name -> array)."""
        carry = engine.initial_carry(self._x0, self._hist0, dyn, self._plan)
        values = dict(x=carry.x, hist=carry.hist, step=carry.step, epoch=jnp.zeros((), jnp.int32), c=carry.c,
                      bad_step=carry.bad_step, bad_region=carry.bad_region)
        nz = engine._noise_block(carry, dyn, self._plan)
        if nz is not None:
            values["noise_block"] = nz
        if not (isinstance(carry.aux, tuple) and not carry.aux):
            values["noise_state"] = carry.aux
        return values

    def _allocate_states(self):
        """Create the state objects once, with the spec's step-0 values (before any trace): ``init_state``
        only sets their values, so it may be called inside ``jit``/``grad``/``vmap`` (a state created in a
        trace would hold a dead tracer afterwards, and a compiled loop would keep stepping the old objects)."""
        values = self._initial_values(self._dyn)
        self.x = brainstate.HiddenState(values["x"])
        for name in ("hist", "step", "epoch", "c", "bad_step", "bad_region"):
            setattr(self, name, brainstate.ShortTermState(values[name]))
        self.noise_block = brainstate.ShortTermState(values["noise_block"]) if "noise_block" in values else None
        self.noise_state = brainstate.ShortTermState(values["noise_state"]) if "noise_state" in values else None
        self._initialised = False

    def reset_state(self, batch_size=None, **kwargs):
        """Restart from step 0 (the same as :meth:`init_state`)."""
        self.init_state(batch_size, **kwargs)

    def update(self, inp=None):
        """Advance every region by ``dt``; return the sent quantity at the new step, shape ``(n,)``.

        Parameters
        ----------
        inp : array-like, optional
            External input added to the coupling input of this step (the
            model's coupling port, ``v`` for Coombes–Byrne), a scalar or one
            value per region; held fixed over the stages of the step like the
            coupling. A brainunit quantity is read in the port's unit
            (dimensionless for Coombes-Byrne; a dimensionless quantity is its
            number).

        Raises
        ------
        SimulationError
            If ``inp`` is not real numbers (a string, complex), has another
            shape, has a unit of another dimension, or (when it is a concrete
            value, not a tracer of a ``for_loop`` or ``jit``) is NaN or inf;
            checked before the step is traced.
        """
        self._check_dt()
        self._check_initialised()
        dyn = self.dynamic()
        carry = self._carry()
        if inp is not None:
            inp = self._checked_input(inp, carry.c.shape[-1])
            carry = carry._replace(c=carry.c + jnp.broadcast_to(jnp.asarray(inp, carry.c.dtype), carry.c.shape))
        nz = None if self.noise_block is None else self.noise_block.value
        epoch, whole = self.epoch.value, self.steps_per_epoch
        before = (epoch * whole, epoch * (whole // NOISE_BLOCK))  # the steps and noise blocks of the past epochs
        carry, nz = engine._step((carry, nz), dyn, self._plan, before=before)
        over = carry.step >= whole  # a whole epoch: the counter starts again (ring and noise block positions kept)
        self.x.value = carry.x
        self.hist.value = carry.hist
        self.step.value = jnp.where(over, carry.step - whole, carry.step)
        self.epoch.value = epoch + over.astype(epoch.dtype)
        self.c.value = carry.c
        self.bad_step.value = carry.bad_step
        self.bad_region.value = carry.bad_region
        if nz is not None:
            self.noise_block.value = nz
        if self.noise_state is not None:
            self.noise_state.value = carry.aux
        return dyn.model.sent(carry.x)


    def _checked_input(self, inp, n):
        """``inp`` of :meth:`update` as a plain number or array, checked before it enters the step.

        A brainunit quantity must have the dimension of the coupling port
        (dimensionless for Coombes-Byrne) and is read in its unit; the
        values must be real numbers of shape ``()``, ``(1,)`` or ``(n,)``;
        concrete values (not tracers of a ``for_loop`` or ``jit``) must be
        finite. :class:`SimulationError` otherwise (a string raised
        brainunit's TypeError, NaN ran silently, ``1 mV`` was read as 1).
        """
        port = f"{type(self.model).__name__}'s coupling port {self.model.receives!r}"
        if isinstance(inp, u.Quantity):
            spec = port_unit(self.model, self.model.receives)
            unit = u.parse_unit(spec) if isinstance(spec, str) else spec
            try:
                inp = inp.to_decimal(unit)
            except Exception:  # noqa: BLE001 - brainunit raises several kinds on a dimension mismatch
                plain = unit.is_unitless
                got = "a traced value" if isinstance(u.get_mantissa(inp), jax.core.Tracer) else str(inp)
                raise SimulationError(
                    f"update(inp) is added to {port}, which is {'dimensionless' if plain else f'in {spec}'}; got "
                    f"{got} with unit {u.get_unit(inp)}. Pass "
                    f"{'a plain number' if plain else f'a plain number in {spec} or a quantity of that dimension'}."
                ) from None
        if isinstance(inp, (str, bytes)):
            raise SimulationError(f"update(inp) must be a number or an array (one value per region, {n}); got "
                                  f"{inp!r}. Convert it first, e.g. update(float(inp)).")
        if isinstance(inp, jax.core.Tracer):  # inside a for_loop / jit: shape and dtype only
            shape, kind, values = inp.shape, inp.dtype.kind, None
        else:
            try:
                values = np.asarray(inp)
            except (TypeError, ValueError):
                values = np.asarray(inp, dtype=object)
            shape, kind = values.shape, values.dtype.kind
        if kind not in "biuf":
            raise SimulationError(f"update(inp) must be real numbers (one value per region, {n}); got {inp!r} "
                                  f"(dtype {values.dtype if values is not None else inp.dtype}).")
        if len(shape) > 1 or math.prod(shape) not in (1, n):
            raise SimulationError(
                f"update(inp) takes a scalar or one value per region ({n}); got shape {tuple(shape)}.")
        if values is not None and not np.all(np.isfinite(values)):
            bad = np.flatnonzero(~np.isfinite(np.ravel(values)))
            where = "" if values.size == 1 else f" at region index {bad.tolist()[:8]}"
            raise SimulationError(
                f"update(inp) must be finite; got {np.ravel(values)[bad[0]].item()!r}{where}. A NaN or inf input makes "
                "every region non-finite from this step on; pass finite values (0 for no input).")
        return inp

    def _check_initialised(self):
        if not getattr(self, "_initialised", False):
            raise SimulationError(
                "this NetworkModule has no state yet; call brainstate.nn.init_all_states(net) (or net.init_state()) "
                "before net.update() or net.t.")

    def _check_dt(self):
        dt = brainstate.environ.get("dt", None)
        if dt is None:
            return
        dt_ms = environ_dt_ms(dt, "NetworkModule.update", SimulationError)  # a mV dt failed in float()
        if isinstance(dt_ms, jax.core.Tracer) or np.size(dt_ms) != 1:
            raise SimulationError(
                f"NetworkModule.update steps by brainstate.environ dt, which must be one number (its delays are "
                f"rounded to the dt it was built with, {self.dt:g} ms); got {dt}.")
        dt_ms = float(np.ravel(dt_ms)[0])
        if abs(dt_ms - self.dt) > 1e-12 * self.dt:
            raise SimulationError(
                f"brainstate.environ dt is {dt_ms:g} ms but this NetworkModule was built with dt = {self.dt:g} ms "
                "(its delays are rounded to that step); build it with the environment's dt or leave dt unset.")

    # ------------------------------------------------------------------ reading the state
    @property
    def t(self) -> float:
        """The time of the current step (ms), ``(epoch * steps_per_epoch + step) * dt`` (host value; not inside a
        trace)."""
        self._check_initialised()
        step, epoch = self.step.value, self.epoch.value
        if isinstance(step, jax.core.Tracer) or isinstance(epoch, jax.core.Tracer):
            raise SimulationError(
                "net.t is a host value (a Python float) and cannot be read inside a brainstate for_loop or jit; "
                "there use the traced time net.step.value * net.dt (plus net.epoch.value * net.steps_per_epoch * "
                "net.dt past net.steps_per_epoch steps), or read net.t after the loop.")
        return float(int(epoch) * self.steps_per_epoch + int(step)) * self.dt

    def state(self, name: str):
        """The row of the node state ``name`` (e.g. ``"v"``), shape ``(n,)`` (``(members, n)`` after a ``vmap``
        that wrote the states back with a batch axis)."""
        if name not in self.model.states:
            raise SimulationError(f"{type(self.model).__name__} has states {self.model.states}; got {name!r}.")
        self._check_initialised()
        return self.x.value[..., self.model.states.index(name), :]


class _RunView:
    """What :meth:`ParameterBook.substitute` reads of a run: the module's dynamic arguments."""

    def __init__(self, module):
        self.dyn = module._dyn
        self.connectome = module.connectome
        self.model = module.model
        self.plan = module._plan
