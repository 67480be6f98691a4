"""The memory a sweep sizes its batches by, against what a batch holds: its outputs and the summaries' copies."""

import tracemalloc
import warnings

import numpy as np
import pytest
import xarray as xr

import brainnet_cb as bn
from brainnet_cb.fitting import sweep as sweep_module
from brainnet_cb.fitting.sweep_summaries import summarize
from brainnet_cb.simulation.capacity import XLA_WORKING_BYTES
from brainnet_cb.simulation.run import CHUNK_OUTPUT_BYTES

CONN = bn.Connectome(weights=np.ones((5, 5)) - np.eye(5), lengths=np.full((5, 5), 20.0) - 20.0 * np.eye(5))


def _traced_peak(fn):
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
        fn()
        return tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()


def test_a_member_counts_its_returned_outputs_its_carry_and_five_float64_copies_of_its_signal():
    """One run of 5 regions, r and v every 1 ms and BOLD: the outputs term is the bytes simulate returns (EEG-like
    monitors count their sample shape, not variables x regions as before); the signal r adds 5 x 8 bytes a sample."""
    monitors = [bn.TemporalAverage(1.0), bn.Bold(tr=100.0)]
    spec = bn.Simulation(bn.CoombesByrne(), CONN, duration=500.0, dt=0.1, monitors=monitors)
    run = spec.prepare()
    returned = sum(v.nbytes for v in bn.simulate(spec).data_vars.values())
    carry = 4 * 8 * (run.max_lag + 1 + 2 * 2 + 16) * 5
    assert sweep_module._member_bytes(run, run.max_lag) == returned + carry
    assert sweep_module._member_bytes(run, run.max_lag, run.monitors[0]) == returned + carry + 5 * 8 * 500 * 5
    assert sweep_module._member_bytes(run, run.max_lag, run.monitors[1]) == returned + carry + 5 * 8 * 5 * 5


def test_summarising_a_batch_holds_the_float64_copies_the_estimate_counts():
    """tracemalloc's peak of summarize (the band-pass and FC of 3 members' r, 6,000 samples of 20 regions) is within
    10 % of SUMMARY_COPIES float64 copies of the signal; it was 5.06 copies (4.0 without the band-pass)."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(3, 6000, 20)).astype(np.float32)
    ds = xr.Dataset({"r": (("batch", "time", "region"), x)}, coords={"time": ("time", np.arange(6000.0), {"units": "ms"})})
    settings = dict(signal="r", discard=0.0, band=True, empirical_fc=None, empirical_fcd=None, keep_fc=False,
                    summaries={}, keep=())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a 6-s record is short for the band's 100-s period: the memory is the same
        summarize(ds.isel(time=slice(0, 200)), settings)  # first use: imports, filter design
        peak = _traced_peak(lambda: summarize(ds, settings))
    estimate = sweep_module.SUMMARY_COPIES * 8 * x.size
    assert 0.9 < estimate / peak < 1.1


def test_the_batch_s_working_memory_is_set_aside_before_members_are_counted():
    per = 10 * 2**20
    assert sweep_module._batch_cap("2 GiB", per) == (2 * 2**30 - CHUNK_OUTPUT_BYTES - XLA_WORKING_BYTES) // per == 185
    assert sweep_module._batch_cap("100 MB", per) == 1  # not even one member beside it: one at a time


def test_the_batches_are_sized_to_the_memory_available_and_a_batch_that_cannot_fit_is_refused(monkeypatch):
    """memory= (2 GiB) is the budget, but a machine with less available sizes the batches to what it has: room for
    4.5 members beside the batch's working memory gives batches of 4 (8 with the room of this machine's 2 GiB). A
    forced batch_size whose batch cannot fit is refused before any run, naming the sizes and the ways out."""
    from brainnet_cb.simulation import capacity

    kw = dict(duration=20.0, dt=0.1, monitors=[bn.TemporalAverage(1.0)], signal="r", band=None, progress=False)
    run = bn.Simulation(bn.CoombesByrne(), CONN, duration=20.0, dt=0.1, monitors=kw["monitors"]).prepare()
    per = sweep_module._member_bytes(run, run.max_lag, run.monitors[0])
    kept = sweep_module._kept_bytes(run, ("r", "fc"))  # r: 20 samples x 5 regions in float64; fc: 5 x 5 float64
    assert kept == 8 * 20 * 5 + 8 * 5 * 5
    held = 2 * 8 * kept  # the results gather every run's, and assembling them copies them once
    monkeypatch.setattr(capacity, "available_memory",
                        lambda: sweep_module.BATCH_WORKING_BYTES + int(4.5 * per) + held)
    res = bn.sweep(bn.CoombesByrne(), CONN, {"G": np.linspace(0.0, 0.7, 8)}, keep=("r", "fc"), **kw)
    assert res.attrs["batch_size"] == 4 and res.attrs["n_batches"] == 2 and res.attrs["bytes_per_run"] == per
    assert res.raw_r.nbytes + res.fc.nbytes == 8 * kept  # what keep= holds is what the result holds

    long = dict(kw, duration=2e6, monitors=[bn.Raw()])  # 2e7 steps of r, v of 5 regions: 1.6 GB + 4.0 GB of copies
    monkeypatch.setattr(capacity, "available_memory", lambda: 3 * 10**9)
    monkeypatch.setattr(sweep_module, "simulate_batch", None)  # nothing may run
    with pytest.raises(bn.SweepError, match=r"^a batch of 2 runs of this sweep needs 11\.4 GB of memory: 11\.2 GB for "
                       r"the outputs, carries and the summaries' float64 copies of 'r', and 201\.3 MB for running the "
                       r"batch; more than the 3\.0 GB this machine has available, so it would fail \(or be killed by "
                       r"the system\)\. Pass a smaller batch_size= \(or none: the batches are sized to the memory "
                       r"available\), record fewer samples \(a longer monitor period, fewer monitors or variables\), or "
                       r"run a shorter time\.$"):
        bn.sweep(bn.CoombesByrne(), CONN, {"G": [0.1, 0.2]}, batch_size=2, **long)
    with pytest.raises(bn.SweepError, match=r"^one run of this sweep needs 5\.8 GB of memory: .* available, so it "
                       r"would fail \(or be killed by the system\)\. Record fewer samples"):
        bn.sweep(bn.CoombesByrne(), CONN, {"G": [0.1, 0.2]}, **long)

    with pytest.raises(bn.SweepError, match=r"^one run of this sweep needs 9\.0 GB of memory: 5\.6 GB for the "
                       r"outputs, carries and the summaries' float64 copies of 'r', 201\.3 MB for running the batch, "
                       r"and 3\.2 GB for what keep= holds of all 2 runs \(kept, then assembled\); more than the 3\.0 GB "
                       r"this machine has available, so it would fail \(or be killed by the system\)\. Keep fewer "
                       r"outputs, record fewer samples"):
        bn.sweep(bn.CoombesByrne(), CONN, {"G": [0.1, 0.2]}, keep=("r",), **long)
