r"""The parameter book: every name a run can batch, sweep or fit, and what it means.

One table answers, for a :class:`~brainnet_cb.Simulation`'s model and
coupling, what a name such as ``"G"``, ``"eta"``, ``"noise_v"``, ``"speed"``
or ``"seed"`` addresses:

=============== ============================== ============================ ===========
name            kind / location                bounds                       per region
=============== ============================== ============================ ===========
a model field   ``"model"``: ``model.<name>``  the model's ``param_ranges``  yes
a coupling      ``"coupling"``:                the coupling's               yes
field (``G``)   ``coupling.<name>``            ``param_ranges``, else
                                               :data:`COUPLING_RANGES`
                                               (:math:`G \ge 0`)
``noise_<s>``   ``"noise"``: the amplitude     :math:`\sigma_s \ge 0`        yes
                :math:`\sigma_s` of state
                ``s``
``speed``       ``"speed"`` (mm/ms): integer   :math:`v > 0`                 no
                lags :math:`\mathrm{round}(L /
                (v\,dt))`
``seed``        ``"seed"``: the random key     an integer                   no
``<f>_scale``   ``"heterogeneity"``: the scale  none                         no
                :math:`a` of a per-region map
                :math:`m` of model field ``f``
=============== ============================== ============================ ===========

A heterogeneity scale exists only in a book given ``maps={field: m}`` (one
value per region, e.g. the z-scored log in-strength of the connectome): the
field then takes the per-region values

.. math:: f_i = f_0 + a\, m_i,

with :math:`f_0` the value of ``f`` in the same point (or the model's), so
``eta`` and ``eta_scale`` are fitted together as an offset and a gradient
along the map (:meth:`ParameterBook.expand`; Demirtaş et al. 2019, Deco et
al. 2021).

Model, coupling, noise and heterogeneity parameters are *differentiable* (they enter the
vector field or the SDE term smoothly); ``speed`` and ``seed`` are not (they
change integer delays or the random numbers) and are swept instead.

The book checks values (a grid of ``k`` values or rows, a batch of ``B``, or
one starting value) and substitutes them into the engine's dynamic arguments:
on the host for a batch (:meth:`ParameterBook.stack`, one leading batch axis),
traced for the differentiable path (:meth:`ParameterBook.substitute`), or
into a spec (:meth:`ParameterBook.apply`, an out-of-place edit). A plug-in
node model's parameters are found from its dataclass fields and bounded by
its ``param_ranges``: they are batchable, sweepable and fittable with no edit
elsewhere.

>>> import brainnet_cb as bn
>>> from brainnet_cb.simulation.parameters import ParameterBook
>>> book = ParameterBook(bn.CoombesByrne(), bn.Linear())
>>> [(p.kind, p.bounds) for p in map(book.lookup, ["G", "Delta", "noise_v", "speed"])]
[('coupling', (0.0, inf)), ('model', (0.0, inf)), ('noise', (0.0, inf)), ('speed', (0.0, inf))]
>>> het = ParameterBook(bn.CoombesByrne(), maps={"eta": [-1.0, 0.0, 1.0]})
>>> het.lookup("eta_scale").kind, het.expand({"eta": -2.0, "eta_scale": 0.5})["eta"].tolist()
('heterogeneity', [-2.5, -2.0, -1.5])

References
----------
Demirtaş, M. et al. (2019). Hierarchical heterogeneity across human cortex
shapes large-scale neural dynamics. Neuron 101, 1181–1194.
Deco, G. et al. (2021). Dynamical consequences of regional heterogeneity in
the brain's transcriptional landscape. Sci. Adv. 7, eabf4752.

The :class:`Parameter` record, the kinds and the error wordings (:data:`GRID`,
:data:`BATCH`) are in :mod:`brainnet_cb.simulation.parameter_kinds`; the helpers
for given values (:func:`aligned_rows`, :func:`noise_states`) in
:mod:`brainnet_cb.simulation.parameter_values`. Both are importable from here.
"""

from __future__ import annotations

import dataclasses
import math

import jax
import jax.numpy as jnp
import numpy as np

from .._checks import by_label, per_region, refuse_tracers
from .._pytree import static_names
from ..coupling import Linear
from ..delays import build_delay_table, compute_lags
from ..errors import SweepError
from ..noise import Additive
from ..units import brainunit_module, is_quantity, to_mm_per_ms
from .parameter_kinds import BATCH, COUPLING_RANGES, GRID, KINDS, NO_BOUNDS, NOISE_PREFIX, SCALE_SUFFIX, Parameter
from .parameter_values import aligned_rows, check_repeats, noise_states, without_units
from .validation import seed_keys

__all__ = ["Parameter", "ParameterBook", "NOISE_PREFIX", "SCALE_SUFFIX", "KINDS", "COUPLING_RANGES", "GRID",
           "BATCH", "aligned_rows", "expand_point"]


def expand_point(point: dict, scales: dict, batched: bool = False, xp=np) -> dict:
    r"""``point`` with each heterogeneity scale ``"<f>_scale"`` it holds turned into per-region values of ``f``.

    ``scales``: ``{f: (f_0, m)}``, the model's value of ``f`` (used where ``point`` has no ``f``) and its map;
    :math:`f_i = f_0 + a\, m_i` (:meth:`ParameterBook.expand`, which passes its model's values and maps;
    a compiled loss passes them as arguments).
    """
    fields = [f for f in scales if f + SCALE_SUFFIX in point]
    if not fields:
        return point
    out = {k: v for k, v in point.items() if not (isinstance(k, str) and k.endswith(SCALE_SUFFIX)
                                                   and k[:-len(SCALE_SUFFIX)] in scales)}
    for field in fields:
        a = xp.asarray(point[field + SCALE_SUFFIX])
        base = xp.asarray(point[field] if field in point else scales[field][0])
        if batched:
            a = a.reshape(-1, 1)
            base = base.reshape(-1, 1) if field in point and base.ndim == 1 else base
        out[field] = base + a * xp.asarray(scales[field][1])
    return out


class ParameterBook:
    r"""Every name a run of ``model`` with ``coupling`` can batch, sweep or fit.

    Parameters
    ----------
    model : NodeModel
        Its dataclass fields are ``"model"`` parameters, bounded by its ``param_ranges``.
    coupling : Coupling, default ``Linear()``
        Its fields are ``"coupling"`` parameters (``"G"``).
    maps : dict, optional
        ``{field: m}``: a per-region map ``m`` (shape ``(n,)``, finite) for
        model fields; each adds the ``"heterogeneity"`` parameter
        ``"<field>_scale"`` (see :meth:`expand`).
    noise : Noise, optional
        The run's noise: its class sets the unit of the ``"noise"``
        amplitudes (default ``Additive``: the state per sqrt(ms)).

    Raises
    ------
    SweepError
        If a map names a field the model lacks, or is not a finite 1-D array.

    Notes
    -----
    A heterogeneity scale ``a`` sets the field region by region as
    :math:`f_i = f_0 + a\, m_i` (:meth:`expand`), with :math:`f_0` the
    model's value (or the value given with it) and :math:`m` the map.

    Examples
    --------
    >>> import brainnet_cb as bn
    >>> book = bn.ParameterBook(bn.CoombesByrne(eta=2.0), bn.Linear(G=0.5), maps={"eta": [0.0, 1.0, 2.0]})
    >>> book.names
    ['Delta', 'eta', 'k', 'v_syn', 'G', 'speed', 'seed', 'noise_r', 'noise_v', 'eta_scale']
    >>> book.lookup("noise_v").location, book.expand({"eta_scale": 0.5})["eta"].tolist()
    ('noise.v', [2.0, 2.5, 3.0])
    """

    def __init__(self, model, coupling=None, maps=None, noise=None):
        self.model = model
        self.coupling = Linear() if coupling is None else coupling
        self.noise_class = Additive if noise is None else type(noise)
        self.model_fields = [f.name for f in dataclasses.fields(model)]
        self.coupling_fields = [f.name for f in dataclasses.fields(self.coupling)]
        self.maps = {}
        for field, m in ({} if maps is None else dict(maps)).items():
            arr = np.asarray(m, dtype=float)
            if field not in self.model_fields:
                raise SweepError(f"a heterogeneity map is given for {field!r}, which is not a parameter of "
                                 f"{type(model).__name__} {self.model_fields}.")
            if arr.ndim != 1 or not np.all(np.isfinite(arr)):
                raise SweepError(f"the heterogeneity map of {field!r} must be a finite 1-D array (one value per "
                                 f"region); got shape {arr.shape}.")
            self.maps[field] = arr

    @classmethod
    def of(cls, spec, maps=None) -> ParameterBook:
        """The book of a :class:`~brainnet_cb.Simulation` (with heterogeneity ``maps``, if any)."""
        return cls(spec.model, spec.coupling, maps, spec.noise)

    @property
    def names(self) -> list:
        """Every addressable name (noise amplitudes as ``noise_<state>``, map scales as ``<field>_scale``)."""
        return (self.model_fields + self.coupling_fields + ["speed", "seed"]
                + [NOISE_PREFIX + s for s in self.model.states] + [f + SCALE_SUFFIX for f in self.maps])

    def choices(self) -> str:
        """The valid names, in words (for error messages)."""
        states = list(self.model.states)
        scales = f", the heterogeneity scales {[f + SCALE_SUFFIX for f in self.maps]}" if self.maps else ""
        return (f"parameters of {type(self.model).__name__} {self.model_fields}, of "
                f"{type(self.coupling).__name__} {self.coupling_fields}, 'speed', 'seed', or 'noise_<state>' "
                f"with a state of {states} (e.g. 'noise_{states[-1]}'){scales}")

    def scale_field(self, name):
        """The model field whose map ``name`` scales (``"eta"`` for ``"eta_scale"``), or None."""
        if isinstance(name, str) and name.endswith(SCALE_SUFFIX) and name[:-len(SCALE_SUFFIX)] in self.maps:
            return name[:-len(SCALE_SUFFIX)]
        return None

    def expand(self, point: dict, batched: bool = False, xp=np) -> dict:
        r"""``point`` with every heterogeneity scale turned into per-region values of its field.

        .. math:: f_i = f_0 + a\, m_i

        with :math:`a` = ``point["<f>_scale"]``, :math:`f_0` = ``point[f]``
        when given (a scalar or one value per region), else the model's
        value. ``batched``: every value has a leading batch axis (``(B,)``
        or ``(B, n)``). ``xp=jax.numpy`` keeps it traceable.
        """
        fields = {self.scale_field(k) for k in point} - {None}
        return expand_point(point, {f: (getattr(self.model, f), self.maps[f]) for f in fields}, batched, xp)

    def lookup(self, name, error=SweepError, message=GRID.unknown) -> Parameter:
        """The :class:`Parameter` ``name`` addresses; ``error`` (worded by ``message``) if none."""
        hits = []
        if name in self.model_fields:
            lo, hi = self.model.param_ranges.get(name, NO_BOUNDS)
            static = name in static_names(self.model)
            hits.append(Parameter(name, "model", name, (float(lo), float(hi)), differentiable=not static,
                                  static=static))
        if name in self.coupling_fields:
            ranges = {**COUPLING_RANGES, **getattr(self.coupling, "param_ranges", {})}
            lo, hi = ranges.get(name, NO_BOUNDS)
            static = name in static_names(self.coupling)
            hits.append(Parameter(name, "coupling", name, (float(lo), float(hi)), differentiable=not static,
                                  static=static))
        if name == "speed":
            hits.append(Parameter(name, "speed", name, (0.0, math.inf), low_open=True, per_region=False,
                                  differentiable=False))
        if name == "seed":
            hits.append(Parameter(name, "seed", name, NO_BOUNDS, per_region=False, differentiable=False))
        if isinstance(name, str) and name.startswith(NOISE_PREFIX) and name[len(NOISE_PREFIX):] in self.model.states:
            hits.append(Parameter(name, "noise", name[len(NOISE_PREFIX):], (0.0, math.inf)))
        if self.scale_field(name) is not None:
            hits.append(Parameter(name, "heterogeneity", self.scale_field(name), NO_BOUNDS, per_region=False))
        if not hits:
            raise error(message.format(name=name, choices=self.choices()) + self._module_constant_hint(name))
        if len(hits) > 1:
            raise error(f"{name!r} names both a {hits[0].kind} and a {hits[1].kind} parameter "
                        f"({hits[0].location} and {hits[1].location}); rename one of them.")
        return hits[0]

    def _module_constant_hint(self, name) -> str:
        """For a model made by ``brainstate_node_model``: ``name`` is a plain attribute of its module, kept as a
        constant (no field), and how to make it a parameter; else ``""``."""
        module = getattr(type(self.model), "module", None)
        value = getattr(module, "__dict__", {}).get(name) if isinstance(name, str) else None
        numbers = (int, float, np.ndarray, np.number, jax.Array)
        if not (isinstance(value, numbers) or is_quantity(value)) or isinstance(value, bool):
            return ""  # not a plain number or array of the module (a Param renamed, a state, a submodule)
        owner = type(module).__name__
        return (f" {name!r} is a plain attribute of the module {owner}, which brainstate_node_model keeps as a "
                f"constant; make it a brainstate.nn.Param in {owner} (self.{name} = "
                f"brainstate.nn.Param.init({name}, self.varshape)) to batch, sweep or fit it.")

    def coordinate_attrs(self, name, verb: str) -> dict:
        """CF attributes of the coordinate holding the values of ``name`` in a batch or sweep.

        ``long_name`` (``"<verb> <kind> parameter <name>"``, e.g. ``"swept model parameter eta"``;
        ``"batched random seed"``, ``"batched conduction speed"``, ``"swept scale of the eta map (eta_scale)"``
        for a seed, the speed and a heterogeneity map scale) and, where the
        unit is declared, ``units``: a model's (or coupling's) ``param_units``, ``mm/ms`` for ``speed``, ``1``
        for a heterogeneity map scale, the amplitude unit of the noise class for a noise amplitude
        (``1/sqrt(ms)`` for ``Additive`` on a dimensionless state). A seed gets none.
        """
        p = self.lookup(name)
        declared = {"model": getattr(self.model, "param_units", None),
                    "coupling": getattr(self.coupling, "param_units", None)}.get(p.kind) or {}
        units = {"speed": "mm/ms", "heterogeneity": "1"}.get(p.kind, declared.get(p.field))
        if p.kind == "noise":
            units = self.noise_class.amplitude_unit(self.model, p.field)
        attrs = {"long_name": {"seed": f"{verb} random seed", "speed": f"{verb} conduction speed",
                               "heterogeneity": f"{verb} scale of the {p.field} map ({name})",
                               }.get(p.kind, f"{verb} {p.kind} parameter {name}")}
        if units is not None:
            attrs["units"] = str(units)
        return attrs

    # ------------------------------------------------------------------------- checks
    def rows(self, p: Parameter, values, n, dtype, phrasing=GRID, labels=None) -> np.ndarray:
        """``values`` of ``p`` for several runs: shape ``(k,)`` or ``(k, n)``, each row checked.

        Model and coupling rows go through the object's own check (its
        ``param_ranges``); noise amplitudes must be ``>= 0``, speeds ``> 0``,
        seeds integers; a grid's values ``(k,)`` must be distinct (a batch's
        may repeat). With the connectome's region ``labels``, rows labelled
        by region are put in its order first (:func:`aligned_rows`).
        """
        label, error = f"{phrasing.what}[{p.name!r}]", phrasing.error
        refuse_tracers({label: values}, error)
        if labels is not None and p.per_region:
            values = aligned_rows(values, labels, label, error)
        values = self.plain(p, values, label, error)
        try:
            arr = np.asarray(values) if p.kind == "seed" else np.asarray(values, dtype=float)
        except (TypeError, ValueError):
            raise error(f"{label} must be numbers; got {values!r}.") from None
        if arr.ndim == 1 and arr.shape[0] == 0 and phrasing.empty:
            raise error(phrasing.empty.format(label=label, n=n, shape=arr.shape))
        if arr.ndim == 0 or arr.ndim > 2 or (arr.ndim == 2 and (not p.per_region or arr.shape[1] != n)) \
                or arr.shape[0] == 0:
            text = phrasing.shape_per_region if p.per_region else phrasing.shape_global
            raise error(text.format(label=label, n=n, shape=arr.shape))
        if p.kind == "seed":
            if not np.issubdtype(arr.dtype, np.integer):
                raise error(f"{label} must be integers (one random key per run); got {values!r}.")
            check_repeats(arr, label, phrasing)
            return arr
        if not np.all(np.isfinite(arr)):
            raise error(f"{label} must be finite; got {values!r}.")
        check_repeats(arr, label, phrasing)
        if p.kind == "speed" and not np.all(p.inside(arr)):
            raise error(phrasing.speed.format(label=label, vals=values, arr=arr))
        if p.kind == "noise" and not np.all(p.inside(arr)):
            raise error(phrasing.noise.format(label=label, vals=values))
        if p.kind in ("model", "coupling"):  # the object's own checks, row by row
            obj = self.model if p.kind == "model" else self.coupling
            for v in arr:
                dataclasses.replace(obj, **{p.field: v}).validated(n, dtype)
        return arr

    def plain(self, p: Parameter, values, label, error):
        """``values`` of ``p`` as plain numbers: brainunit quantities (an array of them, or a list of quantities)
        converted as the run takes them (a speed in mm/ms, a model or coupling field in its ``param_units``, a
        noise amplitude in its noise class's :meth:`~brainnet_cb.noise.Noise.amplitude_unit`), a quantity of
        another dimension refused with ``error``; strings and booleans refused (NumPy would read ``"0.5"`` as
        0.5 and True as 1), and so is any value of a static field (:meth:`check_not_static`)."""
        self.check_not_static(p, label, error)
        values = without_units(values, lambda q: self._in_unit(p, q, label, error))
        try:
            kind = np.asarray(values).dtype.kind
        except (TypeError, ValueError):
            kind = "O"
        if kind in "bUS" and p.kind != "seed":  # a seed's own check says it must be an integer
            raise error(f"{label} must be numbers; got {values!r}.")
        return values

    def _in_unit(self, p: Parameter, value, label, error):
        """The quantity ``value`` of ``p`` as plain numbers in the unit the run takes it in."""
        if p.kind == "speed":
            return to_mm_per_ms(value, label, error)
        if p.kind == "noise":
            return self.noise_class.plain_amplitude(self.model, p.field, value, label, error)
        owner = {"model": self.model, "coupling": self.coupling}.get(p.kind)
        spec = (getattr(owner, "param_units", None) or {}).get(p.field, "1") if owner is not None else "1"
        u = brainunit_module()
        try:
            out = np.asarray(value.to_decimal(u.parse_unit(spec) if isinstance(spec, str) else spec), dtype=float)
        except Exception:  # noqa: BLE001 - brainunit raises several kinds on a dimension mismatch
            where = f"{type(owner).__name__}.{p.field}" if owner is not None else p.name
            unit = "dimensionless" if str(spec) == "1" else f"in {spec}"
            fix = "plain numbers" if str(spec) == "1" else f"quantities with the dimension of {spec} or plain " \
                                                             f"numbers in {spec}"
            raise error(f"{label}: {where} is {unit}; got {value} (unit {u.get_unit(value)}). Pass {fix}.") from None
        return float(out) if out.ndim == 0 else out

    def check_not_static(self, p: Parameter, label, error):
        """Refuse values for a static field (:func:`~brainnet_cb.plugins.static_field`) with ``error``.

        Such a field is part of the compiled program (a Python value such as
        an integer order, kept as it is by ``validated``); a batch, a grid or
        a fit would pass it floats or arrays. Each value is its own run.
        """
        if not p.static:
            return
        obj = self.model if p.kind == "model" else self.coupling
        cls = type(obj).__name__
        raise error(
            f"{label}: {cls}.{p.field} is a static field (declared with bn.plugins.static_field): it is part of "
            f"the compiled program, so changing it recompiles, and it cannot be batched, swept or fitted as "
            f"numbers. Run one bn.simulate per value instead, e.g. for each v: bn.simulate(dataclasses.replace("
            f"{p.kind}, {p.field}=v), ...)."
        )

    def point(self, p: Parameter, value, n, error, label, labels=None) -> np.ndarray:
        """One value of ``p`` (a fit's starting value): a finite scalar or one value per region.

        With the connectome's region ``labels``, a value labelled by region (a
        pandas Series, a 1-D DataArray) is put in its order first.
        """
        if labels is not None:
            value = by_label(value, labels, label, error)
        return per_region(self.plain(p, value, label, error), n, label, error, scalar="a scalar (one global value)")

    @staticmethod
    def check_noise_row(p: Parameter, run, error, label):
        """A noise amplitude can be substituted only where the run has noise on that state."""
        if p.kind == "noise" and p.field not in noise_states(run):
            raise error(f"{label}: the run has no noise on {p.field!r}; pass e.g. "
                        f"noise=bn.Additive({p.field}=0.1) to fit its amplitude.")

    # ------------------------------------------------------------------------- substitution
    def apply(self, spec, point: dict):
        """``spec`` with one value per name substituted (an out-of-place edit; re-validated).

        Model and coupling values replace the fields, ``noise_<s>`` adds or
        replaces :math:`\\sigma_s`, ``speed`` the speed and ``seed`` the key;
        heterogeneity scales are expanded first (:meth:`expand`).
        """
        point = self.expand(point)
        params = {name: self.lookup(name) for name in point}
        by = {kind: {p.field: point[name] for name, p in params.items() if p.kind == kind} for kind in KINDS}
        changes = {}
        if by["model"]:
            changes["model"] = dataclasses.replace(spec.model, **by["model"])
        if by["coupling"]:
            changes["coupling"] = dataclasses.replace(spec.coupling, **by["coupling"])
        if by["noise"]:
            sigma = dict(spec.noise.sigma) if spec.noise is not None else {}
            sigma.update(by["noise"])
            changes["noise"] = spec.noise.replace_sigma(**sigma) if spec.noise is not None else Additive(**sigma)
        if "speed" in point:
            changes["speed"] = point["speed"]
        if "seed" in point:
            changes["key"] = int(point["seed"])
        return spec.replace(**changes) if changes else spec

    def stack(self, run, values: dict, size: int):
        """Host-side: ``run``'s dynamic arguments with a leading batch axis for each name in ``values``.

        ``values[name]`` has shape ``(B,)`` or ``(B, n)`` (checked by
        :meth:`rows`). Returns ``(dyn, batched_leaves, max_lag)``: the new
        :class:`~brainnet_cb.simulation.engine.Dynamic`, the leaves that carry the batch
        axis, and the history length the longest delay needs (``speed``).
        """
        values = self.expand(values, batched=True)
        params = {name: self.lookup(name) for name in values}
        n = run.connectome.n_regions
        dtype = run.dyn.table.weights.dtype
        dyn, batched = run.dyn, []

        def stack_validated(obj, kind):
            names = [k for k, p in params.items() if p.kind == kind]
            if not names:
                return obj
            items = [dataclasses.replace(obj, **{params[k].field: values[k][b] for k in names}).validated(n, dtype)
                     for b in range(size)]
            new = {params[k].field: jnp.stack([getattr(it, params[k].field) for it in items]) for k in names}
            batched.extend(new.values())
            return dataclasses.replace(obj, **new)

        dyn = dyn._replace(model=stack_validated(dyn.model, "model"),
                           coupling=stack_validated(dyn.coupling, "coupling"))
        noise = [k for k, p in params.items() if p.kind == "noise"]
        if noise:
            rows = noise_states(run)
            sigma = np.repeat(np.asarray(dyn.sigma)[None], size, axis=0)
            for k in noise:
                sigma[:, rows.index(params[k].field)] = np.broadcast_to(values[k].reshape(size, -1), (size, n))
            dyn = dyn._replace(sigma=jnp.asarray(sigma, dtype))
            batched.append(dyn.sigma)
        if "seed" in values:
            dyn = dyn._replace(key=seed_keys(values["seed"]))
            batched.append(dyn.key)
        max_lag = run.max_lag
        if "speed" in values:
            tables = []
            for s in values["speed"]:
                table, lag = build_delay_table(run.connectome.weights,
                                               compute_lags(run.connectome.lengths, float(s), run.dt),
                                               dtype, run.attrs["edges"])
                tables.append(table)
                max_lag = max(max_lag, lag)
            offsets = jnp.stack([t.offsets for t in tables])
            dyn = dyn._replace(table=dyn.table._replace(offsets=offsets))
            batched.append(offsets)
        return dyn, batched, max_lag

    def substitute(self, run, params: dict):
        """Traced: ``run``'s dynamic arguments with ``params`` (scalars or ``(n,)`` arrays) substituted.

        A pure function of ``params`` (``jax.grad`` goes through it): model and
        coupling fields by ``dataclasses.replace`` of their pytrees, noise
        amplitudes by ``sigma.at[row].set``, heterogeneity scales expanded
        (:meth:`expand`). Only differentiable kinds.
        """
        params = self.expand(params, xp=jnp)
        dyn = run.dyn
        n = run.connectome.n_regions
        dtype = dyn.table.weights.dtype
        found = {k: self.lookup(k) for k in params}

        def broadcast(v):
            return jnp.broadcast_to(jnp.asarray(v, dtype), (n,))

        model_new = {p.field: broadcast(params[k]) for k, p in found.items() if p.kind == "model"}
        coup_new = {p.field: broadcast(params[k]) for k, p in found.items() if p.kind == "coupling"}
        if model_new:
            dyn = dyn._replace(model=dataclasses.replace(dyn.model, **model_new))
        if coup_new:
            dyn = dyn._replace(coupling=dataclasses.replace(dyn.coupling, **coup_new))
        sigma = dyn.sigma
        rows = noise_states(run)
        for k, p in found.items():
            if p.kind == "noise":
                sigma = sigma.at[rows.index(p.field)].set(broadcast(params[k]))
        return dyn._replace(sigma=sigma)

