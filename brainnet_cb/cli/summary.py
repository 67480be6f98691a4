r"""The numbers ``brainnet-cb run`` prints, read from its Dataset a piece at a time.

The default run writes 600 s of ``r`` every 10 ms (60,000 x 76 float32 values,
18 MB); a float64 copy of it for the mean (36 MB) was the peak of the command's
memory. Here the mean, minimum and maximum are computed over slices of at most
:data:`LEAF` values, read from the (lazily opened) file one after the other, with
the result NumPy gives for the whole float64 array, bit for bit:

- ``numpy.add.reduce`` of a contiguous float64 array of ``n`` values sums it
  pairwise: for ``n`` above 128 it splits at ``m = n // 2 - (n // 2) % 8`` and
  adds the sums of ``x[:m]`` and ``x[m:]``, each computed the same way;
  :func:`pairwise_sum` follows these splits down to slices of at most
  :data:`LEAF` values and lets NumPy sum each of those, so every addition is
  the one NumPy performs;
- NumPy before 2.3 reduces a contiguous array in buffers of 8,192 values
  (:data:`NUMPY_BUFFER`), sums each pairwise and adds those sums in order;
  there :func:`pairwise_sum` reads whole buffers and adds their sums in the
  same order;
- minimum and maximum do not depend on the order.

The mean is that sum divided by the number of values, as ``numpy.mean``
divides it (``tests/cli/test_summary.py`` checks both against NumPy on values
spanning seven decades).
"""

from __future__ import annotations

__all__ = ["LEAF", "pairwise_sum", "summarize"]

#: Most values read (and converted to float64) at once: 262,144 (2 MiB of float64).
LEAF = 1 << 18
#: The buffer in which NumPy < 2.3 reduces a contiguous array (its default ``np.getbufsize()``).
NUMPY_BUFFER = 8192


def _c_order_reader(da):
    """``read(lo, hi)``: the float64 values ``lo:hi`` of ``da`` flattened in C order, reading
    only the slices of its first dimension that hold them (``da`` may be lazily loaded)."""
    import numpy as np  # noqa: PLC0415 - `brainnet-cb --help` imports this module, not NumPy

    if da.ndim == 0:
        whole = np.asarray(da.values, dtype=float).reshape(1)
        return lambda lo, hi: whole[lo:hi]
    row = int(np.prod(da.shape[1:], dtype=np.int64))
    dim = da.dims[0]

    def read(lo, hi):
        first, last = lo // row, -(-hi // row)
        block = np.asarray(da.isel({dim: slice(first, last)}).values, dtype=float).reshape(-1)
        return block[lo - first * row: hi - first * row]

    return read


def pairwise_sum(read, n: int, leaf: int | None = None) -> tuple[float, float, float]:
    """Sum, minimum and maximum of ``n`` float64 values read in slices.

    Parameters
    ----------
    read : callable
        ``read(lo, hi)`` returns the contiguous float64 values ``lo:hi``.
    n : int
        How many values there are (at least 1).
    leaf : int, optional
        Most values read at once (default :data:`LEAF`; at least 128, NumPy's
        smallest pairwise block; with NumPy < 2.3 rounded down to whole buffers of
        :data:`NUMPY_BUFFER` values, at least one).

    Returns
    -------
    total, low, high : float
        ``numpy.add.reduce(x)``, ``x.min()`` and ``x.max()`` of the whole array ``x``
        (NaN where a value is NaN), bit for bit.
    """
    import numpy as np  # noqa: PLC0415

    leaf = LEAF if leaf is None else max(int(leaf), 128)
    if n <= leaf:
        x = read(0, n)
        return float(np.add.reduce(x)), float(x.min()), float(x.max())
    low, high = np.inf, -np.inf
    if np.lib.NumpyVersion(np.__version__) < "2.3.0":
        step = max(leaf // NUMPY_BUFFER, 1) * NUMPY_BUFFER
        total = None
        for lo in range(0, n, step):
            x = read(lo, min(lo + step, n))
            low, high = np.minimum(low, x.min()), np.maximum(high, x.max())
            for b in range(0, x.size, NUMPY_BUFFER):
                part = np.add.reduce(x[b:b + NUMPY_BUFFER])
                total = part if total is None else total + part
        return float(total), float(low), float(high)

    def visit(lo, m):
        nonlocal low, high
        if m <= leaf:
            x = read(lo, lo + m)
            low, high = np.minimum(low, x.min()), np.maximum(high, x.max())
            return np.add.reduce(x)
        half = m // 2
        half -= half % 8
        return visit(lo, half) + visit(lo + half, m - half)

    return float(0.0 + visit(0, n)), float(low), float(high)


def summarize(ds, connectome=None) -> dict:
    """The numbers ``brainnet-cb run`` prints, computed from its Dataset.

    Mean rate over all regions and samples of ``r`` (or the first activity
    variable), with its minimum and maximum, in float64 (``numpy.mean`` of the
    values as float64, bit for bit, computed over slices: see the module
    docstring); FC statistics over the upper triangle of ``bn.fc`` of the BOLD
    signal (of the activity when there is no BOLD or fewer than 3 volumes),
    and, with a connectome, the correlation of FC with the symmetrised weights.

    Parameters
    ----------
    ds : xarray.Dataset
        The run's output, in memory or opened lazily from its file (then only
        slices of the activity are read at a time).
    connectome : brainnet_cb.Connectome, optional
        Weights ``[target, source]``; symmetrised as ``W + W.T`` for the
        structure-function correlation.

    Returns
    -------
    dict
        ``regions``, ``duration_ms``; ``activity``, ``mean``, ``min``, ``max``
        and ``units`` (the activity's ``units`` attribute); ``fc_source``, ``fc_samples``, ``fc_mean``,
        ``fc_sd`` and ``sc_fc`` where they apply.
    """
    import numpy as np  # noqa: PLC0415
    out = {"regions": int(ds.sizes.get("region", 0)), "duration_ms": float(ds.attrs.get("duration", np.nan))}
    activity = next((v for v in ("r",) if v in ds), None) or next(
        (v for v in ds.data_vars if ds[v].dims[-1:] == ("region",) and v != "bold"), None)
    if activity is not None:
        da = ds[activity]
        total, low, high = pairwise_sum(_c_order_reader(da), da.size)
        out.update(activity=activity, mean=float(np.float64(total) / da.size), min=low, max=high,
                   units=str(da.attrs.get("units", "")))
    source = None
    if "bold" in ds and ds.sizes[ds["bold"].dims[0]] >= 3:
        source = "bold"
    elif activity is not None and ds.sizes[ds[activity].dims[0]] >= 3:
        source = activity
    if source is not None:
        from ..analysis import fc as compute_fc  # noqa: PLC0415 - SciPy, only when there is an FC

        fc = np.asarray(compute_fc(ds[source]).values, dtype=float)
        iu = np.triu_indices(len(fc), k=1)
        upper = fc[iu]
        out.update(fc_source=source, fc_samples=int(ds.sizes[ds[source].dims[0]]),
                   fc_mean=float(np.nanmean(upper)), fc_sd=float(np.nanstd(upper)))
        if connectome is not None:
            w = np.asarray(connectome.weights, dtype=float)
            out["sc_fc"] = float(np.corrcoef((w + w.T)[iu], upper)[0, 1])
    return out
