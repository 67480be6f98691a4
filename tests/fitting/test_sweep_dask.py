"""Sweeps and fits on dask.distributed workers: equal to the local ones; bad clients, workers and summaries
refused before any batch is submitted; a failed batch keeps the finished ones for resume_from."""

import os
import re
import sys
import threading

import numpy as np
import pytest
import xarray as xr

import brainnet_cb as bn

distributed = pytest.importorskip("distributed")

CONN = bn.Connectome([[0, 1, 0.5], [1, 0, 1], [0.5, 1, 0]], np.full((3, 3), 20.0), name="tri")
GRID = {"G": [0.2, 0.9, 1.5], "noise_v": [0.05, 0.1]}  # 6 runs in 3 batches of 2
RUN = dict(duration=300.0, dt=0.1, monitors=[bn.TemporalAverage(2.0)], signal="r", band=None, discard=0.02,
           progress=False)


def _mean_r(member):
    return float(member.r.values.mean())


class FailAt:
    """A summary that raises on the runs with ``G == 1.5`` (the last batch) until ``allow`` exists."""

    def __init__(self, allow):
        self.allow = str(allow)

    def __call__(self, member):
        if float(member.G) == 1.5 and not os.path.exists(self.allow):
            raise ValueError("summary failed at G = 1.5")
        return float(member.r.values.mean())


class KillOnce:
    """A summary whose worker process dies at its first call (``marker`` is created first): dask reruns the batch."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __call__(self, member):
        if not os.path.exists(self.marker):
            open(self.marker, "w").close()
            os._exit(1)
        return float(member.r.values.mean())


@pytest.fixture(scope="module")
def client():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            distributed.Client(cluster) as c:
        yield c


def _sweep(summary, **kw):
    return bn.sweep(bn.CoombesByrne(), CONN, GRID, summaries={"m": summary}, keep=("fc",), batch_size=2,
                    **dict(RUN, **kw))


def _no_wall(ds):
    ds = ds.copy()
    ds.attrs.pop("wall_s")
    ds.attrs.pop("distributed")
    return ds


@pytest.fixture(scope="module")
def uninterrupted():
    return _no_wall(_sweep(_mean_r))


def test_a_closed_client_is_refused():
    with distributed.LocalCluster(n_workers=0, processes=False, dashboard_address=None) as cluster:
        c = distributed.Client(cluster)
        c.close()
        with pytest.raises(bn.SweepError, match=r"^client is closed \(its status is 'closed'\); pass a running client: "
                           r"create a new Client\(\.\.\.\) \(a client cannot be reopened once closed\), or "
                           r"client=None to run here\.$"):
            _sweep(_mean_r, client=c)


def test_a_client_without_workers_is_refused():
    with distributed.LocalCluster(n_workers=0, processes=False, dashboard_address=None) as cluster, \
            distributed.Client(cluster) as c:
        with pytest.raises(bn.SweepError, match=r"^client has no workers \(yet\); the sweep cannot check them nor "
                           r"spread its batches\. Start them and wait before the sweep: cluster\.scale\(n\) then "
                           r"client\.wait_for_workers\(n\) \(an adaptive cluster: cluster\.adapt\(minimum=1\)\)\.$"):
            _sweep(_mean_r, client=c)


class _FiveWorkersShown:
    """A client as distributed 2025.4 to 2026.6 showed it: scheduler_info() lists at most five workers."""

    def __init__(self, client):
        self._client = client

    def __getattr__(self, name):
        return getattr(self._client, name)

    def scheduler_info(self, n_workers=5, **kw):
        info = self._client.scheduler_info(**kw)
        info["workers"] = dict(list(info["workers"].items())[:n_workers])
        return info


def test_the_batch_size_counts_every_worker():
    # 12 runs on 6 workers: batches of 2 (3 if only the five workers scheduler_info lists were counted)
    grid = {"G": [0.2, 0.5, 0.9, 1.5], "noise_v": [0.05, 0.1, 0.2]}
    with distributed.LocalCluster(n_workers=6, threads_per_worker=1, processes=False, dashboard_address=None) \
            as cluster, distributed.Client(cluster) as c:
        c.wait_for_workers(6)
        res = bn.sweep(bn.CoombesByrne(), CONN, grid, client=_FiveWorkersShown(c), **RUN)
    assert res.attrs["batch_size"] == 2 and res.attrs["n_batches"] == 6
    local = bn.sweep(bn.CoombesByrne(), CONN, grid, batch_size=2, **RUN)
    xr.testing.assert_identical(_no_wall(res), _no_wall(local))


@pytest.mark.slow
def test_an_unpicklable_summary_is_named_before_any_batch_runs(client):
    lock = threading.Lock()

    def locked(member):
        with lock:
            return float(member.r.values.mean())

    with pytest.raises(bn.SweepError, match="^" + re.escape(
            f"summary 'm' ({locked!r}) cannot be sent to the dask workers: TypeError: cannot pickle '_thread.lock' "
            "object. A summary must be picklable: a function of an importable module, a lambda or a closure over "
            "plain values; not one that holds a lock, an open file or a connection.") + "$"):
        _sweep(locked, client=client)


@pytest.mark.slow
def test_a_summary_the_workers_cannot_import_is_refused(client, tmp_path, monkeypatch):
    # a module on this process's path only (the workers started before it was added): a worker without
    # brainnet_cb fails the same way, and left to client.map the sweep waited for ever
    (tmp_path / "only_here_summaries.py").write_text("def mean_r(member):\n    return float(member.r.mean())\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    from only_here_summaries import mean_r

    workers = sorted(client.nthreads())
    listed = "; ".join(f"{w}: ModuleNotFoundError: No module named 'only_here_summaries'" for w in workers)
    with pytest.raises(bn.SweepError, match="^" + re.escape(
            f"2 of 2 dask workers cannot load the sweep's task ({listed}). Install brainnet_cb {bn.__version__} "
            "(and the modules of the user summaries and plug-in models) in the workers' Python environment, or "
            "run them with this one.") + "$"):
        _sweep(mean_r, client=client)
    sys.modules.pop("only_here_summaries")


@pytest.mark.slow
def test_workers_without_brainnet_cb_are_refused(tmp_path):
    preload = tmp_path / "no_brainnet_cb.py"
    preload.write_text(
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] == 'brainnet_cb':\n"
        "            raise ModuleNotFoundError(f'No module named {name!r}', name=name)\n"
        "sys.meta_path.insert(0, Block())\n"
    )
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None,
                                  preload=[str(preload)]) as cluster, distributed.Client(cluster) as c:
        (worker,) = c.nthreads()
        with pytest.raises(bn.SweepError, match="^" + re.escape(
                f"1 of 1 dask workers cannot load the sweep's task ({worker}: ModuleNotFoundError: No module named "
                f"'brainnet_cb'). Install brainnet_cb {bn.__version__}")):
            _sweep(_mean_r, client=c)


@pytest.mark.slow
def test_a_lambda_summary_on_the_workers_equals_the_local_sweep(client, uninterrupted):
    res = _sweep(lambda member: float(member.r.values.mean()), client=client)
    assert res.attrs["distributed"] == 1
    xr.testing.assert_identical(_no_wall(res), uninterrupted)


@pytest.mark.slow
def test_a_failed_batch_keeps_the_finished_ones_and_resumes_on_the_workers(client, uninterrupted, tmp_path):
    path, allow = tmp_path / "grid.npz", tmp_path / "allow"
    with pytest.raises(ValueError, match="summary failed at G = 1.5") as info:
        _sweep(FailAt(allow), client=client, checkpoint=path)
    (note,) = info.value.__notes__
    saved = re.fullmatch(re.escape("bn.sweep: ") + "([0-9]) of 3" + re.escape(
        f" batches are saved in the checkpoint '{path}'; bn.sweep(<the same arguments>, resume_from='{path}') runs "
        "the others."), note)
    assert saved and saved.group(1) in "12"  # the failing batch started after one of the first two had finished
    allow.touch()
    res = _sweep(FailAt(allow), client=client, resume_from=path)
    xr.testing.assert_identical(_no_wall(res), uninterrupted)


@pytest.mark.slow
def test_fit_grid_on_the_workers_equals_the_local_fit(client):
    target = bn.sweep(bn.CoombesByrne(), CONN, {"G": [1.0]}, keep=("fc",), **RUN).fc.isel(G=0).values
    kw = dict(grid={"G": [0.2, 0.9, 1.5]}, empirical_fc=target, objective="rmse", batch_size=2, **RUN)
    local = bn.fit_grid(bn.CoombesByrne(), CONN, **kw)
    remote = bn.fit_grid(bn.CoombesByrne(), CONN, client=client, **kw)
    xr.testing.assert_identical(local.drop_attrs(), remote.drop_attrs())
    assert float(remote.G) == pytest.approx(1.0, abs=0.1)


@pytest.mark.slow
def test_a_worker_that_dies_is_replaced_and_its_batch_rerun(client, uninterrupted, tmp_path):
    res = _sweep(KillOnce(tmp_path / "killed"), client=client, checkpoint=tmp_path / "grid.npz")
    assert (tmp_path / "killed").exists()
    xr.testing.assert_identical(_no_wall(res), uninterrupted)
