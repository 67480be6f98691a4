r"""What a parameter is: the kinds a name can address, the :class:`Parameter` record, and the wording of errors.

A :class:`Parameter` says where a name's value goes (``model.eta``,
``coupling.G``, ``noise.v``, ``speed``, the key), its bounds and whether it
is per region, differentiable or static. :class:`Phrasing` words the errors
about values where they are given: :data:`GRID` (a sweep's grid) and
:data:`BATCH` (a batch). The book that hands these out is
:class:`~brainnet_cb.simulation.parameters.ParameterBook`.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from ..errors import SimulationError, SweepError

__all__ = ["Parameter", "Phrasing", "NOISE_PREFIX", "SCALE_SUFFIX", "KINDS", "COUPLING_RANGES", "GRID", "BATCH"]

#: Prefix of noise amplitudes: ``"noise_v"`` is :math:`\sigma_v`.
NOISE_PREFIX = "noise_"
#: Suffix of heterogeneity scales: ``"eta_scale"`` is :math:`a` in :math:`\eta_i = \eta_0 + a\,m_i`.
SCALE_SUFFIX = "_scale"
#: What a name can address.
KINDS = ("model", "coupling", "noise", "speed", "seed", "heterogeneity")
#: Bounds of coupling fields whose coupling declares no ``param_ranges`` of its own. ``G >= 0`` is the
#: fits' search domain (projection, refinement); a negative ``G`` is still a valid explicit run.
COUPLING_RANGES = {"G": (0.0, math.inf)}

NO_BOUNDS = (-math.inf, math.inf)


@dataclasses.dataclass(frozen=True)
class Parameter:
    """One addressable name: its kind, where it lives, its bounds, and what values it takes.

    ``bounds`` is the closed interval ``(low, high)``, except that ``speed``'s
    lower bound is open (``low_open``). Records are made by
    :meth:`ParameterBook.lookup <brainnet_cb.ParameterBook.lookup>`, which
    takes the bounds from the model's ``param_ranges`` (and the coupling's;
    ``G >= 0`` by default), so a sweep, a batch and a fit check a value the
    same way.

    Parameters
    ----------
    name : str
        The name a sweep, batch or fit uses: ``"eta"``, ``"G"``, ``"speed"``,
        ``"seed"``, ``"noise_v"``, ``"eta_scale"``.
    kind : str
        One of :data:`KINDS`: ``"model"``, ``"coupling"``, ``"noise"``,
        ``"speed"``, ``"seed"``, ``"heterogeneity"``.
    field : str
        The field of the model, coupling or noise that receives the value
        (``"v"`` for ``"noise_v"``).
    bounds : (float, float), default (-inf, inf)
        The allowed values, in the parameter's unit (``speed`` in mm/ms,
        noise amplitudes in the state per sqrt(ms)).
    low_open : bool, default False
        Whether the lower bound itself is excluded (``speed > 0``).
    per_region : bool, default True
        Whether a value may be one number per region (not ``speed``, ``seed``).
    differentiable : bool, default True
        Whether a gradient fit may train it (not ``speed``, ``seed`` or a
        static field).
    static : bool, default False
        A field declared with :func:`~brainnet_cb.plugins.static_field`.

    Examples
    --------
    >>> import brainnet_cb as bn
    >>> p = bn.ParameterBook(bn.CoombesByrne()).lookup("speed")
    >>> p.location, p.bounds, p.inside([0.0, 3.0]).tolist()
    ('speed', (0.0, inf), [False, True])
    """

    name: str
    kind: str
    field: str
    bounds: tuple = NO_BOUNDS
    low_open: bool = False
    per_region: bool = True
    differentiable: bool = True
    #: A field declared with :func:`~brainnet_cb.plugins.static_field`: part of the compiled program, not a
    #: number the engine can vary (it cannot be batched, swept, fitted or trained).
    static: bool = False

    @property
    def location(self) -> str:
        """Where the value goes, e.g. ``"model.eta"``, ``"coupling.G"``, ``"noise.v"``, ``"speed"``."""
        return {"model": f"model.{self.field}", "coupling": f"coupling.{self.field}",
                "noise": f"noise.{self.field}", "speed": "speed", "seed": "key",
                "heterogeneity": f"model.{self.field} (map scale)"}[self.kind]

    def inside(self, values) -> np.ndarray:
        """Elementwise: does ``values`` lie inside :attr:`bounds`?"""
        v = np.asarray(values, dtype=float)
        lo, hi = self.bounds
        return ((v > lo) if self.low_open else (v >= lo)) & (v <= hi)


@dataclasses.dataclass(frozen=True)
class Phrasing:
    """How errors about values are worded where they are given (a sweep grid, a batch, a fit's init)."""

    what: str
    error: type
    unknown: str
    shape_per_region: str
    shape_global: str
    empty: str
    speed: str
    noise: str
    #: A value given twice (a grid's axis is a set of values); empty: repeats allowed (a batch's members).
    repeated: str = ""


#: A sweep's ``grid`` (k values, or k rows of one value per region).
GRID = Phrasing(
    "grid", SweepError,
    unknown="unknown parameter {name!r} in grid; choose from the {choices}.",
    shape_per_region="{label} must have shape (k,) (k values) or (k, {n}) (k rows of one value per region), "
                     "k >= 1; got shape {shape}.",
    shape_global="{label} must have shape (k,) (k values), k >= 1; got shape {shape}.",
    empty="",  # an empty grid entry is a shape error
    speed="{label} must be conduction speeds > 0 (mm/ms); got {vals!r}.",
    noise="{label} noise amplitudes must be >= 0; got {vals!r}.",
    repeated="{label} repeats {repeats}: each value of a grid is one coordinate of the result (a repeat is run "
             "again for nothing, and .sel cannot pick it). Give each value once, e.g. {label} = {once}.",
)
#: :func:`~brainnet_cb.simulate_batch`'s ``batch`` (B values, zipped).
BATCH = Phrasing(
    "batch", SimulationError,
    unknown="cannot batch over {name!r}; choose {choices}.",
    shape_per_region="{label} must have shape (B,) or (B, {n}) (one value, or one per region, for each run); "
                     "got shape {shape}.",
    shape_global="{label} must have shape (B,) (one value for each run); got shape {shape}.",
    empty="batch entries are empty; give at least one value per entry.",
    speed="{label} must be finite speeds > 0 (mm/ms), one per run; got {arr}.",
    noise="{label} noise amplitudes must be finite and >= 0.",
)

