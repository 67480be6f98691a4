"""brainnet-cb run's summary: the mean rate read from the file in slices equals NumPy's
float64 mean of the whole array, bit for bit (the numbers printed do not change)."""

import numpy as np
import pytest
import xarray as xr

from brainnet_cb.cli import summary


def _wide(rng, shape):
    """float32 values over seven decades, both signs: sums whose rounding depends on the order."""
    return (rng.standard_normal(shape) * 10.0 ** rng.integers(-3, 4, shape)).astype(np.float32)


@pytest.mark.parametrize("n", [1, 7, 129, 1000, 4096, 40_000, 123_457])
def test_pairwise_sum_in_slices_is_numpys_sum_bit_for_bit(n):
    x = _wide(np.random.default_rng(n), n).astype(float)
    for leaf in (128, 1000, 4096):
        total, low, high = summary.pairwise_sum(lambda lo, hi: x[lo:hi], n, leaf=leaf)
        assert total == np.add.reduce(x) and low == x.min() and high == x.max()
    # the order matters for these values: a plain sum from the last value to the first differs
    # (from the first to the last it agrees with NumPy 2.0's for n = 40,000)
    if n >= 40_000:
        assert float(np.cumsum(x[::-1])[-1]) != np.add.reduce(x)


def test_pairwise_sum_propagates_nan():
    x = np.arange(10_000, dtype=float)
    x[6_000] = np.nan
    total, low, high = summary.pairwise_sum(lambda lo, hi: x[lo:hi], x.size, leaf=1000)
    assert np.isnan(total) and np.isnan(low) and np.isnan(high)


def test_summary_of_the_file_read_in_slices_equals_the_float64_mean_of_memory(tmp_path, monkeypatch):
    rng = np.random.default_rng(0)
    r = _wide(rng, (3_001, 76))
    ds = xr.Dataset({"r": (("time", "region"), r)},
                    coords={"time": np.arange(1, 3_002) * 10.0, "region": [f"n{i}" for i in range(76)]},
                    attrs={"duration": 30_010.0})
    ds.to_netcdf(tmp_path / "run.nc", engine="netcdf4")
    whole = np.asarray(r, dtype=float)
    monkeypatch.setattr(summary, "LEAF", 5_000)  # ~46 slices, most of them across rows
    with xr.open_dataset(tmp_path / "run.nc", engine="netcdf4", cache=False) as lazy:
        s = summary.summarize(lazy)
    assert s["activity"] == "r"
    assert s["mean"] == whole.mean() and s["min"] == whole.min() and s["max"] == whole.max()
    assert summary.summarize(ds)["mean"] == whole.mean()
    # the activity's FC (no BOLD): the full record, 3,001 samples
    assert s["fc_source"] == "r" and s["fc_samples"] == 3_001


def test_a_model_without_r_has_its_mean_printed_without_calling_it_a_rate():
    from brainnet_cb.cli.commands import _format_summary

    s = dict(regions=76, duration_ms=1000.0, activity="y0", mean=0.01234, min=0.001, max=0.05, units="mV")
    assert _format_summary(s, 1.25, []).splitlines()[2] == "mean          y0 = 0.0123 mV (min 0.0010, max 0.0500)"
    s.update(activity="r", units="1/ms")
    assert _format_summary(s, 1.25, []).splitlines()[2] == "mean rate     r = 0.0123 1/ms (min 0.0010, max 0.0500)"
