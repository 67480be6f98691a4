"""Moved to :mod:`brainnet_cb.data.empirical` (empirical FC and time series); this module re-exports it so that
``brainnet_cb.empirical`` keeps working."""

from .data.empirical import (
    HCP_LABELS,
    HCP_TR,
    align,
    as_timeseries,
    fc_matrix,
    hcp_connectome,
    hcp_data_dir,
    load_hcp,
    read_fc,
    read_timeseries,
)

__all__ = [
    "as_timeseries",
    "fc_matrix",
    "read_fc",
    "read_timeseries",
    "align",
    "HCP_TR",
    "HCP_LABELS",
    "hcp_data_dir",
    "load_hcp",
    "hcp_connectome",
]
