"""How an EEG or MEG monitor is built: its lead field from geometry, an atlas's bundled gain or MNE.

:class:`LeadFieldConstructors` holds the class methods ``sphere``,
``infinite``, ``from_atlas`` and ``from_mne`` that
:class:`~brainnet_cb.monitors.eeg.EEG` inherits (and
:class:`~brainnet_cb.monitors.meg.MEG`, which has its own ``sphere``): each
computes the gain (sensors x regions, each column times its region's dipole
moment) and calls the class with it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from .._types import ArrayLike, Length
from ..connectome import Connectome
from ..data.atlases import load_atlas
from ..errors import MonitorError
from ..forward.atlas import calibrated_gain, load_gain
from ..forward.dipoles import CURRENT_DENSITY
from ..forward.leadfield import lead_field_infinite, lead_field_sphere
from .eeg_inputs import check_label_order, dipole_moments, sensor_positions, source_labels, source_positions

if TYPE_CHECKING:
    from .eeg import EEG

__all__ = ["LeadFieldConstructors"]


class LeadFieldConstructors:
    """The constructors of :class:`~brainnet_cb.monitors.eeg.EEG`: a lead field from geometry, an atlas or MNE.

    A base of EEG (and so of MEG); ``cls(gain=..., ...)`` builds the monitor
    of the class they are called on.
    """

    @classmethod
    def sphere(cls, sources: Connectome | ArrayLike, montage: str | tuple[Sequence[str], ArrayLike] = "10-20", *,
               radius: Length = 90.0, sigma: float = 0.33, centre: ArrayLike | None = None, axes: str = "RAS",
               orientations: str | ArrayLike | None = None, moment: ArrayLike | None = None,
               current_density: float = CURRENT_DENSITY, **options: Any) -> EEG:
        r"""EEG of a homogeneous conducting sphere (Frank 1952; Brody 1973), in volts.

        Parameters
        ----------
        sources : Connectome or array_like, shape (n, 3)
            Region centres (mm); a Connectome also gives its ``orientations``.
        montage : {"10-20", "10-10"} or (labels, positions)
            Electrodes: a generated montage (:func:`brainnet_cb.forward.montage`),
            or your own positions (mm), projected radially onto the sphere.
        radius : float or brainunit.Quantity, default 90.0
            Head radius (mm). Every source must lie inside.
        sigma : float, default 0.33
            Conductivity (S/m).
        centre : array_like, shape (3,), optional
            Sphere centre (mm); default the mean of the region centres.
        axes : str, default "RAS"
            Frame of the centres (see :func:`~brainnet_cb.forward.montage`;
            "ALS" for TVB's default connectivities).
        orientations : "radial" or array_like, shape (n, 3), optional
            Dipole directions; default the connectome's ``orientations`` if it
            has them, else radial from ``centre``.
        moment : float or array_like, shape (n,), optional
            Dipole moment (A·m) of a unit source; default ``current_density``
            times the region's area (:mod:`brainnet_cb.forward.dipoles`).
        current_density : float, default 1.0
            Current dipole moment density (nA·m/mm²; Murakami & Okada 2015).
            With the default, a unit source at a 3500 mm² region is 3.5 µA·m.
        **options
            ``period``, ``variable``, ``reference``, ``name``. The columns of a
            Connectome's gain are labelled with its regions (``regions``).
        """
        x, conn_orient = source_positions(sources)
        c = x.mean(axis=0) if centre is None else centre
        labels, pos = sensor_positions(montage, radius, c, axes)
        o = orientations if orientations is not None else (conn_orient if conn_orient is not None else "radial")
        p = dipole_moments(sources, len(x), current_density, moment)
        gain = lead_field_sphere(pos, x, o, radius=radius, sigma=sigma, centre=c) * p
        return cls(gain=gain, sensors=labels, positions=pos, units="V", axes=axes,
                   **{"regions": source_labels(sources), **options})

    @classmethod
    def infinite(cls, sources: Connectome | ArrayLike, montage: str | tuple[Sequence[str], ArrayLike] = "10-20", *,
                 radius: Length = 90.0, sigma: float = 0.33, centre: ArrayLike | None = None, axes: str = "RAS",
                 orientations: str | ArrayLike | None = None, moment: ArrayLike | None = None,
                 current_density: float = CURRENT_DENSITY, **options: Any) -> EEG:
        """EEG of an infinite homogeneous medium in volts, electrodes on a sphere (see :meth:`sphere`)."""
        x, conn_orient = source_positions(sources)
        c = x.mean(axis=0) if centre is None else centre
        labels, pos = sensor_positions(montage, radius, c, axes)
        o = orientations if orientations is not None else (conn_orient if conn_orient is not None else "radial")
        p = dipole_moments(sources, len(x), current_density, moment)
        gain = lead_field_infinite(pos, x, o, sigma=sigma, centre=c) * p
        return cls(gain=gain, sensors=labels, positions=pos, units="V", axes=axes,
                   **{"regions": source_labels(sources), **options})

    @classmethod
    def from_atlas(cls, name: str = "tvb76", *, physical: bool = True, current_density: float = CURRENT_DENSITY,
                   **options: Any) -> EEG:
        """EEG with the gain bundled for atlas ``name`` (``"tvb76"``: 63 sensors x 76 regions), in volts.

        The tvb76 gain is derived from tvb-data 3.0.0 (GPL-3.0-or-later; see
        :mod:`brainnet_cb.forward.atlas`); its columns follow the order of
        ``bn.load_atlas("tvb76")``, sensor positions are in mm in TVB's frame
        (x anterior, y left, z superior). With ``physical=True`` (default) the
        gain is calibrated to V per A·m (:func:`~brainnet_cb.forward.atlas.calibrated_gain`)
        and multiplied by each region's dipole moment, ``current_density`` (nA·m/mm²)
        times its area (:mod:`brainnet_cb.forward.dipoles`): the output is in V.
        ``physical=False`` keeps TVB's arbitrary units (``"a.u."``; the
        output's ``units`` attribute is ``"1"``), a unit dipole per unit source.
        The columns are labelled with the atlas's regions (``regions``): a run puts them in its connectome's order by
        label, and refuses a connectome of other regions. ``**options``:
        ``period``, ``variable``, ``reference``, ``name``.

        Examples
        --------
        >>> import brainnet_cb as bn
        >>> eeg = bn.EEG.from_atlas("tvb76")
        >>> eeg.gain.shape, eeg.sensors[:3]
        ((63, 76), ('Fp1', 'Fp2', 'F4'))
        """
        gain, sensors, positions, regions = load_gain(name)
        options = {"regions": regions, **options}
        if not physical:
            return cls(gain=gain, sensors=sensors, positions=positions, units="a.u.", axes="ALS", **options)
        gain = calibrated_gain(name)[0] * dipole_moments(load_atlas(name), gain.shape[1], current_density, None)
        return cls(gain=gain, sensors=sensors, positions=positions, units="V", axes="ALS", **options)

    @classmethod
    def from_mne(cls, forward: Any, parcellation: Any, connectome: Connectome | None = None, *,
                 current_density: float = CURRENT_DENSITY, reduce: str = "mean", moment: ArrayLike | None = None,
                 channels: str | None = None, **options: Any) -> EEG:
        """From an MNE forward solution, one column per region (needs ``mne``), in V (MEG: T, gradiometers T/m).

        See :func:`brainnet_cb.forward.mne_bridge.region_gain_from_forward`: the
        fixed-orientation lead field averaged over each region's sources times
        the region's moment (``current_density`` x the connectome's ``areas``).
        ``parcellation``: a list of ``mne.Label`` in the connectome's region
        order (a label named as a connectome region must sit at that region's
        place, else :class:`MonitorError`), or the region index of every source
        (-1: none). With ``connectome``, the columns are labelled with its
        regions (``regions``), so a run on the same regions in another order
        reorders them by label; without it they are unlabelled (MNE label names
        need not be the connectome's labels). Sensor positions
        are MNE's head frame (mm, ``axes="RAS"``, ``frame="head"``: :func:`~brainnet_cb.forward.mne_bridge.to_mne`
        keeps them). ``channels``: the forward's channels to keep, ``"eeg"``
        for EEG; for MEG ``"mag"`` (default: magnetometers, T) or ``"grad"``
        (planar gradiometers, T/m: a second MEG monitor, e.g.
        ``name="meg_grad"``, records them beside the magnetometers; hand them to
        MNE with ``to_mne(ds, "meg_grad", info=forward["info"])``, which gives
        the channels their coils). ``**options``: ``period``,
        ``variable``, ``reference``, ``name``.

        ``reduce="sum"`` (TVB's rule: the sum of the sources' columns times
        ``moment`` per source) without ``moment`` sums unit dipoles, as TVB does,
        in arbitrary units: the monitor's units are ``"a.u."`` (the output's
        ``units`` attribute ``"1"``, its comment "arbitrary units"; a moment of
        1 A·m per source would give volts, not microvolts). Pass ``moment``
        (A·m per source) for V.
        """
        from ..forward.mne_bridge import region_gain_from_forward  # noqa: PLC0415 (optional mne)

        kind = cls._mne_kinds[0] if channels is None else channels
        if kind not in cls._mne_kinds:
            shown = " or ".join(repr(k) for k in cls._mne_kinds)
            other = " (bn.MEG.from_mne takes 'mag' or 'grad')" if cls._modality == "EEG" else \
                " (bn.EEG.from_mne takes 'eeg')"
            raise MonitorError(f"{cls._modality}.from_mne channels must be {shown}; got {channels!r}{other}.")
        areas = None if connectome is None else getattr(connectome, "areas", None)
        gain, names, positions, regions = region_gain_from_forward(
            forward, parcellation, kind=kind, areas=areas, current_density=current_density,
            reduce=reduce, moment=moment)
        if connectome is not None and gain.shape[1] != connectome.n_regions:
            raise MonitorError(f"the parcellation has {gain.shape[1]} regions, the connectome "
                               f"{connectome.n_regions}; give one label per region, in its order.")
        if connectome is not None and isinstance(parcellation, (list, tuple)) and parcellation \
                and hasattr(parcellation[0], "vertices"):
            check_label_order(regions, connectome)
        units = {"eeg": "V", "mag": "T", "grad": "T/m"}[kind]
        if reduce == "sum" and moment is None:  # unit dipoles per source (TVB): no physical moment
            units = "a.u."
        if connectome is not None:  # the columns follow the connectome's regions (checked above)
            options = {"regions": source_labels(connectome), **options}
        return cls(gain=gain, sensors=names, positions=positions, units=units,
                   axes="RAS", **{"frame": "head", **options})

