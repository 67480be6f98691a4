r"""The MEG monitor: the magnetic field of the regions' dipoles at MEG sensors, inside the scan.

:class:`MEG` is :class:`~brainnet_cb.monitors.eeg.EEG` with no reference,
its own output name and sensor axis, and its ``sphere`` the lead field of a
spherically symmetric conductor (Sarvas 1987), in T.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .._pytree import pytree_dataclass, static_field
from .._types import ArrayLike, Length, Time
from ..connectome import Connectome
from ..errors import MonitorError
from ..forward.dipoles import CURRENT_DENSITY
from ..forward.leadfield import lead_field_meg_sphere
from .eeg import EEG
from .eeg_inputs import dipole_moments, sensor_positions, source_labels, source_positions

__all__ = ["MEG"]


@pytree_dataclass
class MEG(EEG):
    r"""Magnetic field :math:`L\,\bar s(t)` at MEG sensors (Sarvas 1987), inside the scan.

    As :class:`EEG`, with no reference (``reference=None``) and output
    ``meg`` with dims ``(time_meg, sensor_meg)``. Build from geometry with
    :meth:`sphere` (radial dipoles are silent), or from an MNE forward solution
    with :meth:`from_mne` (its magnetometers, in T, or with
    ``channels="grad"`` its planar gradiometers, in T/m).

    Parameters
    ----------
    gain : array_like, shape (sensors, regions)
        Lead field ``L``: column ``j`` is the field at each sensor of a unit
        source at region ``j`` (regions in the connectome's order, or
        labelled by ``regions``).
    sensors, positions, period, variable, units, name, axes, regions, frame
        As for :class:`EEG` (positions in mm, ``period`` in ms); the
        constructors give ``units="T"``.
    reference : None
        MEG has no reference; anything else is refused.

    References
    ----------
    .. [1] J. Sarvas (1987). Basic mathematical and electromagnetic concepts of
       the biomagnetic inverse problem. *Phys. Med. Biol.* 32, 11–22.

    Examples
    --------
    >>> import brainnet_cb as bn
    >>> conn = bn.Connectome(weights=[[0, 1], [1, 0]], lengths=[[0, 30], [30, 0]],
    ...                      centres=[[-30, 0, 40], [30, 0, 40]])
    >>> meg = bn.MEG.sphere(conn, "10-20", orientations=[[1, 0, 0], [0, 1, 0]])
    >>> ds = bn.simulate(bn.CoombesByrne(), conn, duration=20.0, dt=0.1, monitors=[meg])
    >>> ds.meg.dims, ds.meg.attrs["units"]
    (('time_meg', 'sensor_meg'), 'T')
    """

    gain: ArrayLike | None = None
    sensors: tuple[str, ...] | None = static_field(default=None)
    positions: tuple | None = static_field(default=None)
    period: Time | None = static_field(default=1.0)
    variable: str | None = static_field(default=None)
    reference: str | None = static_field(default=None)
    units: str = static_field(default="a.u.")
    name: str | None = static_field(default=None)
    axes: str = static_field(default="RAS")
    regions: tuple[str, ...] | None = static_field(default=None)
    frame: str = static_field(default="fitted")

    default_name = "meg"
    _mne_kinds = ("mag", "grad")
    _modality = "MEG"
    _long_name = "magnetic field"

    @classmethod
    def _long_name_of(cls, units: str) -> str:
        """``"magnetic field gradient"`` for gradiometer signals (T/m, fT/cm), else ``"magnetic field"``."""
        return "magnetic field gradient" if units.endswith(("/m", "/cm")) else cls._long_name

    def _check_reference(self):
        if self.reference is not None:
            raise MonitorError(f"MEG has no reference; pass reference=None (got {self.reference!r}).")

    @classmethod
    def sphere(cls, sources: Connectome | ArrayLike, montage: str | tuple[Sequence[str], ArrayLike] = "10-10", *,
               radius: Length = 110.0, centre: ArrayLike | None = None, axes: str = "RAS",
               orientations: str | ArrayLike | None = None,
               normals: str | ArrayLike = "radial", moment: ArrayLike | None = None,
               current_density: float = CURRENT_DENSITY, **options: Any) -> MEG:
        r"""MEG of a spherically symmetric conductor (Sarvas 1987), in tesla.

        Parameters
        ----------
        sources : Connectome or array_like, shape (n, 3)
            Region centres (mm); a Connectome may give ``orientations``.
        montage : {"10-20", "10-10"} or (labels, positions)
            Sensor layout, placed on a sphere of ``radius`` (a helmet).
        radius : float, default 110.0
            Sensor sphere radius (mm); beyond every source.
        centre : array_like, shape (3,), optional
            Centre of the conductor (mm); default the mean of the region centres.
        axes : str, default "RAS"
            Frame of the centres.
        orientations : array_like, shape (n, 3), optional
            Dipole directions; default the connectome's. Required otherwise
            (radial dipoles produce no field).
        normals : "radial" or array_like, shape (m, 3)
            Sensor directions (radial magnetometers by default).
        moment : float or array_like, shape (n,), optional
            Dipole moment (A·m) of a unit source; default ``current_density``
            times the region's area (:mod:`brainnet_cb.forward.dipoles`).
        current_density : float, default 1.0
            Current dipole moment density (nA·m/mm²; Murakami & Okada 2015).
        **options
            ``period``, ``variable``, ``name``.
        """
        x, conn_orient = source_positions(sources)
        o = orientations if orientations is not None else conn_orient
        if o is None or (isinstance(o, str) and o == "radial"):
            raise MonitorError(
                "MEG needs dipole orientations (radial dipoles are silent in a spherical "
                "conductor): pass orientations=(n, 3) or a Connectome with orientations."
            )
        c = x.mean(axis=0) if centre is None else centre
        labels, pos = sensor_positions(montage, radius, c, axes)
        gain = lead_field_meg_sphere(pos, x, o, normals=normals, centre=c) * dipole_moments(sources, len(x),
                                                                                      current_density, moment)
        return cls(gain=gain, sensors=labels, positions=pos, units="T", axes=axes,
                   **{"regions": source_labels(sources), **options})

    @classmethod
    def infinite(cls, *args: Any, **kwargs: Any) -> MEG:
        """Not available: use :meth:`sphere` (Sarvas) or a gain of your own."""
        raise MonitorError("MEG has no infinite-medium lead field here; use bn.MEG.sphere(...) or bn.MEG(gain=...).")

    def __repr__(self):
        return self.describe()

