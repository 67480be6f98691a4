r"""EEG and MEG monitors: a lead field applied to a neural source, inside the scan.

The source :math:`s_j(t)` of every region (``v`` by default, or the model's
declared ``eeg_source``; or the synaptic current :math:`k\pi r (v_\mathrm{syn} - v)`,
or ``r``) is averaged over each
sampling period (the anti-aliasing rule of :class:`TemporalAverage`), then
projected: :math:`\mathrm{EEG}(t) = L\,\bar s(t)` with the lead field ``L``
(sensors x regions). Projection and average commute, so the carry holds only
the ``(n,)`` running sum. EEG is average-referenced by default:
:math:`\mathrm{EEG} \leftarrow \mathrm{EEG} - \frac{1}{m}\sum_i \mathrm{EEG}_i`.

Units: the gain maps one unit of the source to the sensor signal. Built from
geometry, an atlas or MNE, it holds each region's current dipole moment per
unit of the source, :math:`Q A_j` (:mod:`brainnet_cb.forward.dipoles`), and
the output is in V (MEG: T). The Coombes–Byrne ``v`` is dimensionless, so
that moment per unit of ``v`` is a modelling assumption (default
:math:`Q` = 1 nA·m/mm²): the volts scale linearly with it. The output's
attributes say so (``source_variable``, the source's name, and its
``source_units``, ``comment``; files of brainnet_cb 0.1.0 called the first
``source``, which :func:`~brainnet_cb.monitors.source_variable` still reads).

The constructors (``sphere``, ``infinite``, ``from_atlas``, ``from_mne``) are
in :mod:`brainnet_cb.monitors.eeg_constructors`, :class:`MEG` in
:mod:`brainnet_cb.monitors.meg` (also importable from here).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import jax
import jax.numpy as jnp
import numpy as np

from .._checks import label_order
from .._pytree import pytree_dataclass, static_field
from .._types import ArrayLike, Time
from ..errors import MonitorError
from ..forward.montage import to_ras
from ..units import is_quantity, to_mm
from .base import Monitor, Observables
from .eeg_constructors import LeadFieldConstructors
from .eeg_inputs import cf_units, is_concrete, refuse_non_array_gain, scale_comment
from .sources import SOURCE_ATTR, check_source, default_eeg_source, source_signal, source_units

if TYPE_CHECKING:
    import xarray as xr

    from ..nodes.base import NodeModel

__all__ = ["EEG", "MEG"]  # noqa: F822 - MEG through __getattr__ below

#: The values of :attr:`EEG.frame`: ``"fitted"`` (origin of the positions' own), ``"head"`` (MNE's head frame).
FRAMES = ("fitted", "head")


@pytree_dataclass
class EEG(Monitor, LeadFieldConstructors):
    r"""Scalp potentials :math:`L\,\bar s(t)` every ``period``, inside the scan.

    Build it from a lead field you have (``bn.EEG(gain, sensors=...)``, e.g.
    computed with MNE) or from geometry: :meth:`sphere`, :meth:`infinite`.
    Output: ``eeg`` with dims ``(time_eeg, sensor)`` and the sensor labels
    (and positions ``sensor_x/y/z``, if known) as coordinates; a monitor
    named otherwise gets its own axes ``(time_{name}, sensor_{name})``, so
    that several montages fit in one Dataset.

    Parameters
    ----------
    gain : array_like, shape (sensors, regions)
        Lead field ``L``: column ``j`` is the sensor signal of a unit source at
        region ``j`` (regions in the connectome's order, or labelled by ``regions``).
    sensors : sequence of str, optional
        Sensor labels (default ``"S0", "S1", ...``).
    positions : array_like, shape (sensors, 3), optional
        Sensor positions (mm), recorded as coordinates ``x, y, z``.
    period : float or brainunit.Quantity, default 1.0
        Sampling period (ms); the source is averaged over it.
    variable : str, optional
        Source: a state variable, ``"synaptic_current"`` (:math:`k\pi r (v_\mathrm{syn} - v)`),
        ``"eeg_source"`` or ``"coupling"``. Default: the model's declared
        ``eeg_source`` if it has one (e.g. ``y1 - y2`` for Jansen–Rit), else ``"v"``.
    reference : "average", None or str, default "average"
        Average reference; None (the gain's own reference, e.g. infinity); or
        the label of a reference sensor, whose signal is subtracted.
    units : str, default "a.u."
        Units of the output: the gain maps one unit of the source to the
        sensor signal. The output records ``source_units`` and a ``comment``
        saying so; the constructors give ``"V"`` (MEG: ``"T"``) with each
        region's dipole moment per unit of the source in the gain, an assumed
        scale when the source (e.g. the Coombes–Byrne ``v``) is dimensionless.
        ``"a.u."`` (arbitrary units, a gain of no physical unit) is written
        to the output's attributes as ``units: "1"`` (CF's dimensionless; no
        udunits string means "arbitrary"), its ``comment`` ending
        ``"arbitrary units (the gain has no physical unit)."``; files of
        brainnet_cb 0.1.0 said ``"a.u."``.
    name : str, optional
        Output name (default ``"eeg"``) and time dimension ``time_{name}``.
    axes : str, default "RAS"
        Frame of ``positions`` (``"ALS"`` for TVB's; see :func:`~brainnet_cb.forward.montage`),
        recorded as the output attribute ``sensor_axes`` (used by :func:`~brainnet_cb.forward.mne_bridge.to_mne`).
    regions : sequence of str, optional
        Labels of the gain's columns (one per column, each once). A run
        checks them against the connectome's labels before compiling: in the
        same order the gain is used as it is (bit for bit); the same regions
        in another order, the columns are put in the connectome's order by
        label (as every input labelled by region is); other regions are
        refused, naming the unknown and missing ones. ``None`` (default): the
        columns are taken to be in the connectome's order, unchecked. The
        constructors fill it in where they know the regions (:meth:`sphere`
        and :meth:`infinite` of a Connectome, :meth:`from_atlas`,
        :meth:`from_mne` with a connectome).
    frame : {"fitted", "head"}, default "fitted"
        Where the origin of ``positions`` is, recorded as the output attribute
        ``sensor_frame``: ``"head"`` for MNE head-frame coordinates (what
        :meth:`from_mne` gives), which :func:`~brainnet_cb.forward.mne_bridge.to_mne`
        keeps; ``"fitted"`` for any other origin (an atlas's, a generated
        montage's), which ``to_mne`` moves to the centre of the sphere fitted
        to the sensors.

    References
    ----------
    .. [1] E. Frank (1952). Electric potential produced by two point current
       sources in a homogeneous conducting sphere. *J. Appl. Phys.* 23, 1225–1228.
    .. [2] D. A. Brody, F. H. Terry, R. E. Ideker (1973). Eccentric dipole in a
       spherical medium: generalized expression for surface potentials.
       *IEEE Trans. Biomed. Eng.* 20, 141–143.

    Examples
    --------
    >>> import brainnet_cb as bn
    >>> conn = bn.Connectome(weights=[[0, 1], [1, 0]], lengths=[[0, 30], [30, 0]],
    ...                      centres=[[-30, 0, 40], [30, 0, 40]])
    >>> eeg = bn.EEG.sphere(conn, "10-20", radius=90.0, sigma=0.33)
    >>> ds = bn.simulate(bn.CoombesByrne(), conn, duration=20.0, dt=0.1, monitors=[eeg])
    >>> ds.eeg.dims, ds.sizes["sensor"], ds.eeg.attrs["units"]
    (('time_eeg', 'sensor'), 21, 'V')
    """

    gain: ArrayLike | None = None
    sensors: tuple[str, ...] | None = static_field(default=None)
    positions: tuple | None = static_field(default=None)
    period: Time | None = static_field(default=1.0)
    variable: str | None = static_field(default=None)
    reference: str | None = static_field(default="average")
    units: str = static_field(default="a.u.")
    name: str | None = static_field(default=None)
    axes: str = static_field(default="RAS")
    regions: tuple[str, ...] | None = static_field(default=None)
    frame: str = static_field(default="fitted")

    default_name = "eeg"
    _mne_kinds = ("eeg",)  # the forward channels from_mne keeps: the first by default
    _modality = "EEG"
    _long_name = "scalp potential"

    @classmethod
    def _long_name_of(cls, units: str) -> str:
        """The output's ``long_name`` stem for a signal in ``units``."""
        return cls._long_name

    def __post_init__(self):
        set_ = lambda k, v: object.__setattr__(self, k, v)  # noqa: E731 (frozen dataclass)
        cls = type(self).__name__
        m = None
        refuse_non_array_gain(self.gain, cls)
        if is_quantity(self.gain):
            raise MonitorError(
                f"{cls} gain must be plain numbers, with their unit in units=...; got a quantity in "
                f"{self.gain.unit}. Pass e.g. gain=L.mantissa, units='V' (the gain maps one unit of the "
                "source to the sensor signal)."
            )
        if is_concrete(self.gain):
            g = np.asarray(self.gain, dtype=float)
            if g.ndim != 2 or 0 in g.shape:
                raise MonitorError(
                    f"{cls} gain must have shape (sensors, regions); got shape {g.shape}"
                    + (" (one row per sensor, one column per region: none may be empty)." if g.ndim == 2 else ".")
                )
            if not np.all(np.isfinite(g)):
                bad = np.flatnonzero(~np.all(np.isfinite(g), axis=1))
                raise MonitorError(
                    f"{cls} gain must be finite; rows {bad[:10].tolist()} hold NaN or inf. "
                    "Drop those sensors (e.g. gain[np.isfinite(gain).all(axis=1)])."
                )
            set_("gain", g)
            m = g.shape[0]
        elif hasattr(self.gain, "shape") and len(self.gain.shape) == 2:
            m = self.gain.shape[0]
        if self.sensors is None and m is not None:
            set_("sensors", tuple(f"S{i}" for i in range(m)))
        elif self.sensors is not None:
            if isinstance(self.sensors, str):
                raise MonitorError(
                    f"{cls} sensors must be a sequence of labels, one per gain row; got the string "
                    f"{self.sensors!r} (for one sensor pass [{self.sensors!r}])."
                )
            set_("sensors", tuple(str(s) for s in self.sensors))
            if m is not None and len(self.sensors) != m:
                hint = (" The gain looks transposed (regions x sensors): pass gain.T."
                        if len(self.sensors) == self.gain.shape[1] else "")
                raise MonitorError(
                    f"{cls}: {len(self.sensors)} sensor labels for a gain with {m} rows (sensors); "
                    f"give one label per row.{hint}"
                )
            dup = sorted({s for s in self.sensors if self.sensors.count(s) > 1})
            if dup:
                raise MonitorError(
                    f"{cls} sensor labels must be unique (they name the output's sensor axis and the "
                    f"reference); {dup[:8]} occur more than once. Rename or drop the repeated sensors."
                )
        if self.positions is not None:
            pos = np.asarray(to_mm(self.positions, "positions", MonitorError), dtype=float)
            if pos.ndim != 2 or pos.shape[1] != 3 or (m is not None and pos.shape[0] != m):
                raise MonitorError(
                    f"{cls} positions must have shape ({m}, 3) (mm, one row per sensor); got {pos.shape}."
                )
            if not np.all(np.isfinite(pos)):
                bad = np.flatnonzero(~np.all(np.isfinite(pos), axis=1))
                raise MonitorError(
                    f"{cls} positions must be finite; rows {bad[:10].tolist()} (sensors "
                    f"{[self.sensors[i] for i in bad[:10]] if self.sensors else []}) hold NaN or inf. "
                    "Give every sensor a position, or positions=None."
                )
            spread = np.ptp(pos, axis=0).max() if len(pos) > 1 else np.inf
            if spread < 1.0:
                raise MonitorError(
                    f"{cls} positions span only {spread:.3g} mm; they are in mm (multiply positions in metres, "
                    "such as MNE's, by 1000, or pass brainunit quantities)."
                )
            set_("positions", tuple(map(tuple, pos.tolist())))
        if self.regions is not None:
            self._check_regions(cls)
        to_ras(np.zeros((1, 3)), self.axes)  # a valid frame name, else MonitorError
        if self.frame not in FRAMES:
            raise MonitorError(
                f"{cls} frame must be 'fitted' (positions with an origin of their own: an atlas's, a montage's) "
                f"or 'head' (MNE head-frame positions, as bn.{cls}.from_mne gives); got {self.frame!r}."
            )
        if not isinstance(self.units, str) or not self.units:
            raise MonitorError(f"{cls} units must be a non-empty string such as 'V' or 'a.u.'; got {self.units!r}.")
        if self.variable is not None and not isinstance(self.variable, str):
            raise MonitorError(f"{cls} variable must be a source name such as 'v'; got {self.variable!r}.")
        self._check_reference()

    def _check_regions(self, cls):
        """``regions``: a sequence of distinct labels, one per gain column, kept as a tuple of str."""
        try:
            if isinstance(self.regions, str):
                raise TypeError
            regions = tuple(str(r) for r in self.regions)
        except TypeError:
            raise MonitorError(
                f"{cls} regions must be a sequence of region labels, one per gain column (e.g. "
                f"regions=connectome.labels); got {self.regions!r}."
            ) from None
        object.__setattr__(self, "regions", regions)
        cols = np.shape(self.gain)[1] if len(np.shape(self.gain)) == 2 else None
        if cols is not None and len(regions) != cols:
            raise MonitorError(
                f"{cls}: {len(regions)} region labels for a gain with {cols} columns (regions); give one "
                "label per column, in the columns' order."
            )
        dup = sorted({r for r in regions if regions.count(r) > 1})
        if dup:
            raise MonitorError(
                f"{cls} region labels must be unique (one per gain column); {dup[:8]} occur more than once."
            )

    def aligned_to(self, labels: Sequence[str]) -> EEG:
        """This monitor with the gain's columns in the order of the connectome's region ``labels``.

        Unchanged without ``regions`` or when they are ``labels`` in that order;
        the same regions in another order: the columns reordered by label
        (:func:`~brainnet_cb._checks.label_order`); other regions: :class:`MonitorError`
        naming the unknown and missing labels.
        """
        labels = tuple(str(x) for x in labels)
        if self.regions is None or self.gain is None or self.regions == labels:
            return self
        cls = type(self).__name__
        order = label_order(self.regions, labels, f"{cls} gain", MonitorError,
                            f"build the gain of this connectome's regions (e.g. bn.{cls}.sphere(connectome)), "
                            "or pass one with regions= naming its columns")
        return dataclasses.replace(self, gain=self.gain[:, np.asarray(order)], regions=labels)

    def _check_reference(self):
        ref = self.reference
        if ref is not None and self.sensors is not None and len(self.sensors) == 1:
            raise MonitorError(
                f"EEG with one sensor ({self.sensors[0]!r}) and reference={ref!r} would be zero at every "
                "sample (a sensor minus itself); pass reference=None (the gain's own reference)."
            )
        if ref is None or ref == "average":
            return
        if not isinstance(ref, str) or self.sensors is None or ref not in self.sensors:
            raise MonitorError(
                f"EEG reference must be 'average', None or one of the sensor labels "
                f"{list(self.sensors or ())[:8]}...; got {ref!r}."
            )


    # --- host helpers ----------------------------------------------------------------
    def referenced_gain(self) -> np.ndarray:
        """The gain with the reference applied (host array, shape (sensors, regions))."""
        g = np.asarray(self.gain, dtype=float)
        return np.asarray(self._reference(g))

    def _reference(self, y):
        if self.reference == "average":
            return y - y.mean(axis=0, keepdims=True)
        if self.reference is None:
            return y
        return y - y[self.sensors.index(self.reference)][None]

    # --- the monitor interface -------------------------------------------------------
    def observables(self, model: NodeModel) -> tuple[str, ...]:
        if self.gain is None:
            cls = type(self).__name__
            raise MonitorError(
                f"{cls} needs a gain matrix of shape (sensors, regions); pass gain=..., or build it "
                f"with {cls}.sphere(connectome, montage)."
            )
        return (check_source(self._variable(model), model, type(self).__name__),)

    def _variable(self, model):
        return self.variable if self.variable is not None else default_eeg_source(model)

    def output_names(self, model: NodeModel) -> list[str]:
        return [self.label]

    def time_dim(self) -> str:
        return f"time_{self.label}"

    def sample_shape(self, model: NodeModel, n_regions: int) -> tuple[int, ...]:
        """One row of sensors, ``(1, sensors)``."""
        return (1, int(np.shape(self.gain)[0]))

    def sensor_dim(self) -> str:
        """``"sensor"`` for the default EEG monitor, else ``"sensor_{name}"`` (own sensor axis)."""
        return "sensor" if self.label == "eeg" else f"sensor_{self.label}"

    def init(self, obs: Observables, model: NodeModel) -> Any:
        s = source_signal(self._variable(model), obs, model)
        n = s.shape[-1]
        if self.gain.shape[1] != n:
            transposed = self.gain.shape[0] == n
            want = f"(sensors, {n})" if transposed else f"({self.gain.shape[0]}, {n})"
            hint = " It looks transposed (regions x sensors): pass gain.T." if transposed else ""
            raise MonitorError(
                f"{type(self).__name__} gain has {self.gain.shape[1]} columns (regions) but the "
                f"connectome has {n} regions; the gain must have shape {want}, "
                f"columns in the connectome's region order.{hint}"
            )
        return jnp.zeros((n,), jnp.result_type(s.dtype, float))

    def update(self, state: Any, obs: Observables, model: NodeModel) -> Any:
        return state + source_signal(self._variable(model), obs, model)

    def emit(self, state: Any, obs: Observables, model: NodeModel, steps: int) -> tuple[Any, jax.Array]:
        y = jnp.asarray(self.gain, state.dtype) @ (state / steps)
        return jnp.zeros_like(state), self._reference(y[:, None])[:, 0][None, :]

    def describe(self) -> str:
        shape = tuple(np.shape(self.gain)) if self.gain is not None else ()
        gain = f"<{shape[0]}x{shape[1]}>" if len(shape) == 2 else "None"
        return (
            f"{type(self).__name__}(gain={gain}, period={self.period!r}, "
            f"variable={self.variable!r}, reference={self.reference!r}, units={self.units!r}, "
            f"name={self.name!r})"
        )

    def __repr__(self):
        return self.describe()

    def to_dataarrays(self, samples: np.ndarray, times_ms: np.ndarray, model: NodeModel,
                      regions: Sequence[str]) -> dict[str, xr.DataArray]:
        import xarray as xr  # noqa: PLC0415 - loaded on first use (start-up, memory)

        m = len(self.sensors)
        samples = np.asarray(samples).reshape(len(times_ms), m)
        dim, sdim = self.time_dim(), self.sensor_dim()
        coords = {
            dim: (dim, np.asarray(times_ms), {"units": "ms", "long_name": "time (end of sampling period)"}),
            sdim: (sdim, list(self.sensors), {"long_name": f"{self._modality} sensor"}),
        }
        if self.positions is not None:
            pos = np.asarray(self.positions)
            for k, axis in enumerate("xyz"):
                coords[f"{sdim}_{axis}"] = (sdim, pos[:, k], {"units": "mm", "long_name": f"sensor {axis}"})
        source = self._variable(model)
        source_unit = source_units(source, model)[0]
        attrs = {
            "units": cf_units(self.units),  # "a.u." is no udunits string: "1", the comment says arbitrary
            "long_name": f"{self._long_name_of(self.units)} ({source} x lead field)",
            "monitor": self.describe(),
            SOURCE_ATTR: source,  # not "source": CF's name for how the data were made
            "source_units": source_unit,
            "comment": scale_comment(self.units, source, source_unit),
            "reference": "none" if self.reference is None else self.reference,  # plain text (CF)
            "sensor_axes": self.axes,
            "sensor_frame": self.frame,  # to_mne keeps "head" positions, fits a sphere to others (FRAME_ATTR)
        }
        return {self.label: xr.DataArray(samples, dims=(dim, sdim), coords=coords, attrs=attrs)}


def __getattr__(name):
    """``MEG``, which lives in :mod:`brainnet_cb.monitors.meg` (it subclasses EEG, so it is imported on access)."""
    if name == "MEG":
        from .meg import MEG  # noqa: PLC0415 - meg imports this module

        return MEG
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
