"""The room a run's outputs need, counted before the run: host memory, or the free space where they are written."""

import warnings

import numpy as np
import pytest

import brainnet_cb as bn
from brainnet_cb.cli.run_output import run_to_netcdf
from brainnet_cb.errors import BrainnetError, SimulationError
from brainnet_cb.simulation import capacity, engine

CB = bn.CoombesByrne(eta=-5.0)


def network(n=6, seed=0):
    rng = np.random.default_rng(seed)
    w = rng.uniform(0, 1, (n, n))
    np.fill_diagonal(w, 0)
    return bn.Connectome(weights=w, lengths=np.where(w > 0, rng.uniform(20, 60, (n, n)), 0.0))


NET = network()
MONITORS = [bn.Raw(), bn.TemporalAverage(1.0, name="tavg"), bn.TemporalAverage(2.0, variables=("r",), name="slow")]
#: More than any machine's memory and disk can hold, in fewer steps than a run counts (2**31 - 1): a ring of 600
#: regions, every step of r and v recorded in float64 for 2e8 ms at dt = 0.1 ms (19.2 TB).
RING = bn.Connectome(weights=np.roll(np.eye(600), 1, axis=1) + np.roll(np.eye(600), -1, axis=1),
                     lengths=30.0 * (np.roll(np.eye(600), 1, axis=1) + np.roll(np.eye(600), -1, axis=1)))
HUGE_MS = 2e8


@pytest.fixture
def no_scan(monkeypatch):
    """A refusal must come before the run's scan is compiled (or run)."""

    def refuse(*args, **kwargs):
        raise AssertionError("the scan was compiled before the refusal")

    for name in ("advance", "advance_batched", "compile_advance"):
        monkeypatch.setattr(engine, name, refuse)


def test_output_bytes_are_the_bytes_of_the_returned_outputs():
    """Three monitors with different periods, a duration that ends in a tail of lower-level pieces."""
    spec = bn.Simulation(CB, NET, duration=12.3, dt=0.1, monitors=MONITORS, key=0)
    ds = bn.simulate(spec)
    # float64: Raw 123 samples x (r, v) x 6 regions, 12 one-ms means of both, 6 two-ms means of r
    assert capacity.output_bytes(spec.prepare()) == sum(v.nbytes for v in ds.data_vars.values())
    assert capacity.output_bytes(spec.prepare()) == 8 * (123 * 12 + 12 * 12 + 6 * 6) == 13_248


def test_output_bytes_of_a_batch_count_every_member():
    ds = bn.simulate_batch(CB, NET, duration=12.3, dt=0.1, monitors=MONITORS, batch={"G": [0.0, 0.1, 0.2]})
    one = capacity.output_bytes(bn.Simulation(CB, NET, duration=12.3, dt=0.1, monitors=MONITORS).prepare())
    data = sum(ds[name].nbytes for name in ("r", "v", "tavg_r", "tavg_v", "slow_r"))
    assert data == 3 * one


def test_output_bytes_left_after_a_piece_are_the_rest_of_the_run():
    run = bn.Simulation(CB, NET, duration=12.3, dt=0.1, monitors=MONITORS).prepare()
    pieces = run.schedule(50)
    first = capacity.output_bytes(run, pieces[:1])
    assert len(pieces) > 2
    assert capacity.output_bytes(run, pieces, 1) == capacity.output_bytes(run) - first
    assert capacity.output_bytes(run, pieces, len(pieces)) == 0


def test_a_run_whose_outputs_exceed_the_memory_is_refused_before_its_scan(no_scan):
    if capacity.available_memory() is None:
        pytest.skip("this system does not say how much memory is available")
    with pytest.raises(SimulationError, match=r"^this run needs 19\.2 TB of memory: its outputs take 19\.2 TB \(56 "
                       r"hours of 600 regions\), and running it 195\.7 MB more \(one chunk's outputs, XLA compiling "
                       r"its programs\)\. That is more than the [0-9.]+ [GMT]B this machine has available, so it "
                       r"would fail \(or "
                       r"be killed by the system\) before its end\. Stream them to disk with out='run\.zarr', record "
                       r"fewer samples \(a longer monitor period, fewer monitors or variables\), or run a shorter "
                       r"time\.$"):
        bn.simulate(CB, RING, duration=HUGE_MS, dt=0.1, monitors=[bn.Raw()], key=0)


def test_a_batch_whose_outputs_exceed_the_memory_is_refused_before_its_scan(no_scan):
    if capacity.available_memory() is None:
        pytest.skip("this system does not say how much memory is available")
    with pytest.raises(SimulationError, match=r"^this run needs 38\.4 TB of memory for its 2 members: "
                       r".*Run fewer members at a time \(bn\.sweep sizes its batches to a memory budget\)"):
        bn.simulate_batch(CB, RING, duration=HUGE_MS, dt=0.1, monitors=[bn.Raw()],
                          batch={"G": [0.0, 0.1]})


def test_a_netcdf_result_larger_than_the_free_disk_is_refused_before_its_scan(tmp_path, no_scan):
    spec = bn.Simulation(CB, RING, duration=HUGE_MS, dt=0.1, monitors=[bn.Raw()], key=0)
    out = tmp_path / "run.nc"
    with pytest.raises(BrainnetError, match=rf"^the outputs of this run take 19\.2 TB uncompressed, and the file "
                       rf"system of '{tmp_path}' has [0-9.]+ [kMGT]B free, so '{out}' may not fit: its series are "
                       r"compressed, but by how much is known only once they are written \(a noisy run's take about "
                       r"65-90 % of that size, a steady one's less\), and a disk that fills stops the run before its "
                       r"end\. Write it to another disk, free some space, record fewer samples \(a longer monitor "
                       r"period, fewer monitors or variables\), or run a shorter time\.$"):
        run_to_netcdf(spec, out)
    assert list(tmp_path.iterdir()) == []


def test_a_zarr_store_larger_than_the_free_disk_warns_before_its_scan(tmp_path, no_scan):
    pytest.importorskip("zarr")
    out = tmp_path / "run.zarr"
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the warning stops the run here, before the (refused) scan
        with pytest.raises(UserWarning, match=r"^the outputs of this run take 19\.2 TB uncompressed, .* the store "
                           r"may not fit \(its chunks are compressed"):
            bn.simulate(CB, RING, duration=HUGE_MS, dt=0.1, monitors=[bn.Raw()], key=0, out=out)
    assert not out.exists()
    run = bn.Simulation(CB, RING, duration=HUGE_MS, dt=0.1, monitors=[bn.Raw()], key=0).prepare()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        capacity.check_disk(run, out, compressed=True)
    assert [w.filename for w in caught] == [__file__]  # the caller's line


def test_runs_under_a_gigabyte_are_not_checked_against_the_system(monkeypatch):
    """Under a gigabyte of outputs the system's memory is not read (a machine that does not say runs them alike)."""
    def unread():
        raise AssertionError("read the system's memory for a small run")

    monkeypatch.setattr(capacity, "available_memory", unread)
    spec = bn.Simulation(CB, NET, duration=12.3, dt=0.1, monitors=MONITORS, key=0)
    assert capacity.output_bytes(spec.prepare()) < 2**30
    assert bn.simulate(spec).r.shape == (123, 6)


def _files(root, files):
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def test_the_cgroup_v2_room_is_the_least_of_its_ancestors_and_counts_page_cache_as_room(tmp_path):
    """Job limited to 8 GB inside a slice limited to 4 GB; 3.5 GB charged to the job, 3 GB of it dropable page
    cache: 3.5 GB is left (the slice binds), not 0.5 GB (the cache counted as used refused ordinary runs)."""
    stat = "anon 500000000\ninactive_file 3000000000\nactive_file 0\n"
    _files(tmp_path, {"cgroup.controllers": "memory", "slice/memory.max": "4000000000",
                      "slice/memory.current": "3500000000", "slice/memory.stat": stat,
                      "slice/job/memory.max": "8000000000", "slice/job/memory.current": "3500000000",
                      "slice/job/memory.stat": stat})
    proc = tmp_path / "cgroup"
    proc.write_text("0::/slice/job\n")
    assert capacity._cgroup_room(tmp_path, str(proc)) == 3_500_000_000
    (tmp_path / "slice/memory.max").write_text("max\n")
    assert capacity._cgroup_room(tmp_path, str(proc)) == 7_500_000_000
    proc.write_text("0::/elsewhere\n")  # a cgroup namespace: the process's own cgroup is the mount's root
    assert capacity._cgroup_room(tmp_path, str(proc)) is None


def test_the_cgroup_v1_memory_limit_bounds_the_room(tmp_path):
    """cgroup v1 (memory controller in its own hierarchy): hierarchical_memory_limit minus the usage, page cache
    (total_inactive_file) counted as room; 2**63 - 4096 means no limit. v1 was not read before."""
    _files(tmp_path, {"memory/docker/abc/memory.limit_in_bytes": "2147483648",
                      "memory/docker/abc/memory.usage_in_bytes": "1610612736",
                      "memory/docker/abc/memory.stat": "cache 600000000\nhierarchical_memory_limit 2147483648\n"
                                                       "total_inactive_file 536870912\n"})
    proc = tmp_path / "cgroup"
    proc.write_text("12:pids:/docker/abc\n4:memory:/docker/abc\n0::/docker/abc\n")
    assert capacity._cgroup_room(tmp_path, str(proc)) == 2147483648 - 1610612736 + 536870912
    (tmp_path / "memory/docker/abc/memory.stat").write_text("hierarchical_memory_limit 9223372036854771712\n")
    assert capacity._cgroup_room(tmp_path, str(proc)) is None


def test_without_proc_meminfo_nothing_is_checked(monkeypatch):
    def missing():
        raise FileNotFoundError("/proc/meminfo")

    monkeypatch.setattr(capacity, "_meminfo", missing)
    assert capacity.available_memory() is None


@pytest.mark.float32
def test_the_default_job_is_refused_only_where_memory_is_really_short(monkeypatch):
    """One hour of tvb76 sampled every ms in float32: 2.19 GB, refused with 2 GB available, run with 3 GB."""
    conn = bn.Connectome(np.ones((76, 76)) - np.eye(76), np.full((76, 76), 30.0))
    run = bn.Simulation(CB, conn, duration=3.6e6, dt=0.1, monitors=[bn.TemporalAverage(1.0)]).prepare()
    assert capacity.output_bytes(run) == 3_600_000 * 2 * 76 * 4
    monkeypatch.setattr(capacity, "available_memory", lambda: 3_000_000_000)
    capacity.check_memory(run)
    monkeypatch.setattr(capacity, "available_memory", lambda: 2_000_000_000)
    with pytest.raises(SimulationError, match=r"^this run needs 2\.3 GB of memory: its outputs take 2\.2 GB \(3,600 "
                       r"s of 76 regions\), and running it 146\.4 MB more \(one chunk's outputs, XLA compiling its "
                       r"programs\)\. That is more than the 2\.0 GB this machine has available"):
        capacity.check_memory(run)
    # Room for the outputs but not for running them: refused (was run, and killed by the system at its end).
    monkeypatch.setattr(capacity, "available_memory", lambda: capacity.output_bytes(run) + 100 * 2**20)
    with pytest.raises(SimulationError, match=r"^this run needs 2\.3 GB of memory: .* more than the 2\.3 GB"):
        capacity.check_memory(run)
    assert [capacity._duration(h * 3.6e6) for h in (1, 2.5, 10, 83333.3)] == [
        "3,600 s", "2.5 hours", "10 hours", "83,333 hours"]  # was "36,000 s" for ten hours


def test_running_a_run_takes_its_largest_chunk_of_outputs_and_the_compiler_s_memory():
    """working_bytes: the outputs of the largest piece of the schedule (the chunk alive while the next one is
    compiled and run) plus XLA_WORKING_BYTES; chunks of 50 steps are 2 periods of 2 ms (40 steps): Raw 40 samples
    of (r, v) x 6 regions, 4 one-ms means of both, 2 two-ms means of r, in float64."""
    run = bn.Simulation(CB, NET, duration=12.3, dt=0.1, monitors=MONITORS).prepare()
    chunk = bn.Simulation(CB, NET, duration=4.0, dt=0.1, monitors=MONITORS).prepare()
    assert capacity.output_bytes(chunk) == 8 * (40 * 12 + 4 * 12 + 2 * 6) == 4_320
    assert capacity.working_bytes(run, 50) == 4_320 + capacity.XLA_WORKING_BYTES
    assert capacity.needed_bytes(run, 50) == capacity.output_bytes(run) + 4_320 + capacity.XLA_WORKING_BYTES
    # The default chunk: the run's 6 whole periods of 2 ms (its outputs but the tail's 3 steps of Raw).
    assert capacity.working_bytes(run) == 8 * (120 * 12 + 12 * 12 + 6 * 6) + capacity.XLA_WORKING_BYTES
