"""Region labels of empirical data: checked as strings, one per region, unique and not blank.

Shared by the time series (:mod:`brainnet_cb.data.timeseries`), the FC
matrices (:mod:`brainnet_cb.data.fc_matrices`) and the file readers
(:mod:`brainnet_cb.data.empirical_files`).
"""

from __future__ import annotations

import numpy as np

from ..errors import DataError


def label_strings(labels):
    """``labels`` as a tuple of str, surrounding blanks removed (as the file readers remove them)."""
    return tuple(str(v).strip() for v in np.asarray(labels, dtype=object).ravel())


def checked_labels(labels, n, what):
    """Validated tuple of ``n`` unique, non-blank string labels, blanks around them removed (or None)."""
    if labels is None:
        return None
    if isinstance(labels, str):
        raise DataError(f"labels must be a sequence of {n} strings, not the single string {labels!r}.")
    out = label_strings(labels)
    empty = [k for k, v in enumerate(out) if not v]
    if empty:
        raise DataError(f"{what}: region labels must not be empty or blank; got {len(empty)} at position(s) "
                        f"{empty[:10]}. Give every region a name.")
    if len(out) != n:
        raise DataError(f"{what}: got {len(out)} labels for {n} regions; give one label per region.")
    dup = sorted({v for v in out if out.count(v) > 1})
    if dup:
        raise DataError(f"{what}: region labels must be unique; repeated: {dup}.")
    return out


def region_coord(labels):
    return (("region",), list(labels), {"long_name": "brain region"})
