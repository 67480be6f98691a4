"""Readers and writers: every common connectome format in, one checked Connectome out.

One small module per family; all return a :class:`~brainnet_cb.Connectome` with
``weights[target, source]``, lengths in mm and centres in mm, and raise
:class:`~brainnet_cb.errors.ConnectomeError` naming the file and the problem.
Writers are atomic and refuse to replace an existing file unless
``overwrite=True``.

=====================  ==========================================  =====================
family                 read                                        write
=====================  ==========================================  =====================
TVB zip / folder       :func:`read_tvb`                            :func:`write_tvb`
NumPy ``.npz``         :func:`read_npz`                            :func:`write_npz`
matrices + labels      :func:`read_matrix` (npy, csv, tsv, txt)
MATLAB ``.mat``        :func:`read_mat`
GraphML                :func:`read_graphml`                        :func:`write_graphml`
NIfTI / GIFTI parcels  :func:`read_parcellation`,            :func:`region_image`,
                       :func:`read_surface_parcellation`           :func:`region_map`
                                                                   (region values painted)
streamlines            :func:`read_tractography` (trk, tck)
=====================  ==========================================  =====================
"""


import inspect
from typing import TYPE_CHECKING

from ..._lazy import lazy_getattr
from ...errors import ConnectomeError
from ..arrays import read_matrix, read_npz, write_npz
from ..files import existing_path
from .tvb import PlaceholderCentresWarning, read_tvb, write_tvb

if TYPE_CHECKING:  # for type checkers, IDEs and the API docs
    from .graphml import read_graphml, write_graphml
    from .matlab import read_mat
    from .parcellation import Parcellation, read_label_table, read_parcellation, read_surface_parcellation
    from .region_maps import region_image, region_map
    from .tractography import read_tractography

#: Families whose libraries are heavy, imported on first use (PEP 562): GraphML
#: (networkx), MATLAB (scipy.io), parcellations and streamlines (nibabel). Loading a
#: bundled atlas reads TVB's format only and loads none of them.
_LAZY = {
    "read_graphml": ".graphml", "write_graphml": ".graphml", "read_mat": ".matlab",
    "Parcellation": ".parcellation", "read_label_table": ".parcellation", "read_parcellation": ".parcellation",
    "read_surface_parcellation": ".parcellation", "read_tractography": ".tractography",
    "region_map": ".region_maps", "region_image": ".region_maps",
}


__getattr__ = lazy_getattr(__name__, _LAZY)

__all__ = [
    "read_connectome",
    "read_tvb",
    "write_tvb",
    "PlaceholderCentresWarning",
    "read_npz",
    "write_npz",
    "read_matrix",
    "read_mat",
    "read_graphml",
    "write_graphml",
    "Parcellation",
    "read_parcellation",
    "read_surface_parcellation",
    "read_label_table",
    "region_map",
    "region_image",
    "read_tractography",
]

_READERS = {  # suffix -> reader (by name: some are imported on first use)
    ".zip": "read_tvb",
    ".npz": "read_npz",
    ".mat": "read_mat",
    ".graphml": "read_graphml",
    ".npy": "read_matrix",
    ".csv": "read_matrix",
    ".tsv": "read_matrix",
    ".txt": "read_matrix",
}


def read_connectome(path, **kwargs):
    """Read a connectome, choosing the reader by the file suffix (a folder is TVB's layout).

    ``.zip``/folder -> :func:`read_tvb`, ``.npz`` -> :func:`read_npz`, ``.mat`` ->
    :func:`read_mat`, ``.graphml`` -> :func:`read_graphml`, ``.npy/.csv/.tsv/.txt``
    -> :func:`read_matrix` (the weights file; pass ``lengths=`` too). Keyword
    arguments go to that reader, e.g. ``key=``/``lengths_key=`` (the array
    names inside an ``.npz``; a plain ``np.savez(path, weights, lengths)`` file
    needs neither) or ``weights=``/``lengths=`` (variable names in a ``.mat``).

    Raises
    ------
    ConnectomeError
        A missing path, an unknown suffix, a keyword the chosen reader does not
        take (the message lists those it does), or the reader's own errors.
    """
    p = existing_path(path, "connectome", folder=True)
    name = "read_tvb" if p.is_dir() else _READERS.get(p.suffix.lower())
    reader = None if name is None else globals().get(name) or __getattr__(name)
    if reader is None:
        raise ConnectomeError(
            f"'{p}': unknown connectome file type {p.suffix!r}; supported: a folder or "
            f"{sorted(_READERS)}. For images use read_parcellation / read_tractography."
        )
    accepted = list(inspect.signature(reader).parameters)[1:]  # all but the file itself
    unknown = sorted(k for k in kwargs if k not in accepted)
    if unknown:
        raise ConnectomeError(
            f"'{p.name}' is read by {reader.__name__}, which takes no {unknown}; its keywords are "
            f"{accepted}."
        )
    return reader(p, **kwargs)


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
