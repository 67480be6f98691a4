"""A checkpoint whose Bold(baseline="rest") count is a float resumes exactly.

brainnet_cb 0.1.0 held that count (``bcount``, the number of sub-steps in the running resting level) in the run's
dtype until 2026-12-06, when it became an int32 (a float32 count stops at 2**24). A checkpoint it wrote holds the
count as a float, and its fingerprint hashed the initial state with that float. ``_old_layout`` makes the current
code write such a checkpoint: its ``init`` gives the float count of 0.1.0, and the update adds to the count in the
count's own dtype, as 0.1.0 did (a checkpoint written this way is byte for byte the one 0.1.0 writes, arrays and
header, float32 with x64 on and off and float64). A float count that is no count, and any other leaf saved as a
float where this version holds an integer, is still another layout.
"""

import contextlib
import re
import warnings

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import xarray as xr

import brainnet_cb as bn
from brainnet_cb.monitors.bold_scan import BoldScan
from brainnet_cb.simulation.checkpoint import fingerprint, float_count_hash, float_count_results_hash, load_checkpoint
from brainnet_cb.simulation.engine import initial_carry

N = 4
RNG = np.random.default_rng(3)
W = RNG.random((N, N))
np.fill_diagonal(W, 0.0)
CONN = bn.Connectome(W, RNG.uniform(4, 40, (N, N)))
MODEL = bn.CoombesByrne(eta=-4.6)
REST = 20  # sub-steps within rest_after (100 ms at dt_bold = 5 ms)


def _spec(dtype):
    return dict(duration=1500.0, dt=0.2, coupling=bn.Linear(G=0.4), speed=3.0, noise=bn.Additive(v=0.05), key=5,
                dtype=dtype, monitors=[bn.Bold(tr=300.0, rest_after=100.0)])


def _kw(dtype):
    return dict(_spec(dtype), chunk_steps=1777)  # chunks of a TR (1500 steps): 3 of them hold 180 sub-steps


def _run(dtype):
    """The prepared run (its initial carry)."""
    return bn.Simulation(MODEL, CONN, **_spec(dtype)).prepare()


@contextlib.contextmanager
def _old_layout(monkeypatch):
    """BoldScan as brainnet_cb 0.1.0 had it before 2026-12-06: the count in the run's dtype (the compiled initial
    carry, traced with this version's init, is traced again, and again after)."""
    init = BoldScan.init

    def float_count(self, obs, model):
        state = init(self, obs, model)
        return dict(state, bcount=jnp.zeros((), state["bmean"].dtype)) if "bcount" in state else state

    monkeypatch.setattr(BoldScan, "init", float_count)
    initial_carry.clear_cache()
    try:
        yield
    finally:
        monkeypatch.setattr(BoldScan, "init", init)
        initial_carry.clear_cache()


def _positions(dtype):
    """The carry positions of the Bold monitor's ``bcount`` and ``nsub``."""
    carry = _run(dtype).carry
    paths = [jax.tree_util.keystr(p) for p, _ in jax.tree_util.tree_flatten_with_path(carry)[0]]
    return paths.index(".monitors[0]['bcount']"), paths.index(".monitors[0]['nsub']")


def _checkpoint(path, dtype, monkeypatch, stop_after_chunk, old=True):
    with stop_after_chunk(3), _old_layout(monkeypatch) if old else contextlib.nullcontext():
        bn.simulate(MODEL, CONN, checkpoint=path, **_kw(dtype))


def _rewrite(path, **leaves):
    with np.load(path, allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    arrays.update(leaves)
    np.savez(path, **arrays)


def _layout_error(path, k, saved):
    return re.escape(f"the checkpoint '{path}' holds a run state of another layout (state {k}: saved ((), "
                     f"'{saved}'), expected ((), 'int32')); it cannot resume this run.") + "$"


def _resumes_bit_for_bit(tmp_path, monkeypatch, stop_after_chunk, dtype):
    whole = bn.simulate(MODEL, CONN, **_kw(dtype))
    path = tmp_path / "old.ckpt.npz"
    _checkpoint(path, dtype, monkeypatch, stop_after_chunk)
    k, _ = _positions(dtype)
    with np.load(path) as z:
        assert z[f"carry_{k}"].dtype == np.dtype(dtype) and float(z[f"carry_{k}"]) == 160.0  # 180 sub-steps, 20 in rest_after
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # an exact count: no warning
        resumed = bn.simulate(MODEL, CONN, resume_from=path, **_kw(dtype))
    assert whole.bold.dtype == dtype and np.ptp(whole.bold.values) > 0
    assert resumed.bold.values.tobytes() == whole.bold.values.tobytes()


@pytest.mark.float32
@pytest.mark.filterwarnings("ignore::brainnet_cb.ShortTRWarning")
def test_a_float32_count_resumes_bit_for_bit(tmp_path, monkeypatch, stop_after_chunk):
    """float32 as a user who never enables float64 runs it (jax_enable_x64 off)."""
    _resumes_bit_for_bit(tmp_path, monkeypatch, stop_after_chunk, "float32")


@pytest.mark.filterwarnings("ignore::brainnet_cb.ShortTRWarning")
def test_a_float64_count_resumes_bit_for_bit(tmp_path, monkeypatch, stop_after_chunk):
    _resumes_bit_for_bit(tmp_path, monkeypatch, stop_after_chunk, "float64")


@pytest.mark.filterwarnings("ignore::brainnet_cb.ShortTRWarning")
def test_a_float_count_that_is_no_count_is_another_layout(tmp_path, monkeypatch, stop_after_chunk):
    path, copy = tmp_path / "old.ckpt.npz", tmp_path / "copy.npz"
    _checkpoint(path, "float64", monkeypatch, stop_after_chunk)
    k, _ = _positions("float64")
    run = _run("float64")
    assert int(load_checkpoint(path).restore(run, streamed=False).carry.monitors[0]["bcount"]) == 160
    for value in [160.5, -1.0, np.nan, np.inf, 2.0**31]:
        copy.write_bytes(path.read_bytes())
        _rewrite(copy, **{f"carry_{k}": np.asarray(value)})
        with pytest.raises(bn.CheckpointError, match=_layout_error(copy, k, "float64")):
            bn.simulate(MODEL, CONN, resume_from=copy, **_kw("float64"))


@pytest.mark.filterwarnings("ignore::brainnet_cb.ShortTRWarning")
def test_another_float_for_an_integer_is_another_layout(tmp_path, monkeypatch, stop_after_chunk):
    """Another counter saved as a float (nsub), or a float count in a checkpoint of this version's layout (its
    fingerprint hashed an int32 count): no version wrote them."""
    k, j = _positions("float64")
    old, new = tmp_path / "old.ckpt.npz", tmp_path / "new.ckpt.npz"
    _checkpoint(old, "float64", monkeypatch, stop_after_chunk)
    _rewrite(old, **{f"carry_{j}": np.asarray(180.0)})  # its value, as a float
    _checkpoint(new, "float64", monkeypatch, stop_after_chunk, old=False)
    _rewrite(new, **{f"carry_{k}": np.asarray(160.0)})
    for path, leaf in [(old, j), (new, k)]:
        with pytest.raises(bn.CheckpointError, match=_layout_error(path, leaf, "float64")):
            bn.simulate(MODEL, CONN, resume_from=path, **_kw("float64"))


@pytest.mark.float32
@pytest.mark.filterwarnings("ignore::brainnet_cb.ShortTRWarning")
def test_a_float32_count_stopped_at_2_to_the_24_resumes_with_a_warning(tmp_path, monkeypatch, stop_after_chunk):
    """The count is what the run held; past 2**24 sub-steps after rest_after (nsub says how many) its resting
    level was a moving average, which the warning says."""
    path = tmp_path / "old.ckpt.npz"
    _checkpoint(path, "float32", monkeypatch, stop_after_chunk)
    k, j = _positions("float32")
    run = _run("float32")
    for past in [0, 1000]:
        _rewrite(path, **{f"carry_{k}": np.float32(2**24), f"carry_{j}": np.int32(REST + 2**24 + past)})
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            state = load_checkpoint(path).restore(run, streamed=False).carry.monitors[0]
        assert state["bcount"].dtype == jnp.int32 and int(state["bcount"]) == 2**24
        assert [str(w.message) for w in caught if w.category is RuntimeWarning] == ([] if not past else [
            f"the checkpoint '{path}' was written by a brainnet_cb whose Bold(baseline='rest') counted the sub-steps "
            "of its resting level in float32, a count that stops at 2**24: it stayed at 2**24 for the last 1000 "
            "sub-steps before the checkpoint, so the resting level it holds is a moving average of about the last "
            "2**24 sub-steps, not their mean. The run resumes and counts on from 2**24; for a resting level that is "
            "the mean of every sub-step, run again from the start."])


TRI = bn.Connectome([[0, 1, 0.5], [1, 0, 1], [0.5, 1, 0]], np.full((3, 3), 20.0), name="tri")


class _Probe:
    """A summary that counts the runs it sees and stops the sweep after ``limit`` of them."""

    def __init__(self, limit=None):
        self.calls, self.limit = 0, limit

    def __call__(self, member):
        self.calls += 1
        if self.limit is not None and self.calls > self.limit:
            raise KeyboardInterrupt("time limit")
        return float(member.bold.values.mean())


def _sweep(probe, **kw):
    return bn.sweep(MODEL, TRI, {"G": [0.2, 0.9, 1.5], "noise_v": [0.05, 0.1]}, summaries={"probe": probe},
                    keep=("fc",), duration=1500.0, dt=0.2, monitors=[bn.Bold(tr=300.0, rest_after=100.0)],
                    signal="bold", band=None, discard=0.0, batch_size=2, progress=False, **kw)


@pytest.mark.filterwarnings("ignore::brainnet_cb.ShortTRWarning")
def test_a_sweep_checkpointed_with_a_float_count_resumes_bit_for_bit(tmp_path, monkeypatch):
    """Its finished batches are this version's results (the count never passed 2**24): they are kept."""
    whole = _sweep(_Probe())
    path = tmp_path / "grid.npz"
    with _old_layout(monkeypatch), pytest.raises(KeyboardInterrupt):
        _sweep(_Probe(limit=4), checkpoint=path)  # 2 of the 3 batches of 2 runs
    probe = _Probe()
    resumed = _sweep(probe, resume_from=path)
    assert probe.calls == 2  # the third batch alone ran
    whole.attrs.pop("wall_s")
    resumed.attrs.pop("wall_s")
    assert np.ptp(whole.fc.values) > 0
    xr.testing.assert_identical(resumed, whole)


@pytest.mark.float32
def test_a_sweep_whose_float32_count_would_stop_at_2_to_the_24_keeps_its_refusal():
    """Past 2**24 counted sub-steps a float count gave other numbers than this version: a sweep checkpointed then
    holds batches an uninterrupted sweep does not give, and is refused as another sweep (prepared runs only)."""
    hashes = []
    for steps in [2**24 + 100, 2**24 + 101]:  # a sub-step per step, 100 of them within rest_after
        run = bn.Simulation(MODEL, TRI, duration=steps * 0.1, dt=0.1, dtype="float32",
                            monitors=[bn.Bold(tr=1000.0, dt_bold=0.1, rest_after=10.0)]).prepare()
        assert run.n_steps == steps and run.monitors[0]._rest_substeps() == 100
        hashes.append(float_count_results_hash(run))
    assert hashes[0] == float_count_hash(run) != fingerprint(run)["initial state"]["hash"]
    assert hashes[1] is None


def _stopped_refusal(path):
    return (f"the checkpoint '{path}' was written by an earlier brainnet_cb, whose Bold(baseline='rest') counted the "
            "sub-steps of its resting level in float32, a count that stops at 2**24: the runs of this sweep count "
            "past 2**24 sub-steps, so its finished batches hold numbers this version does not give, and they cannot "
            "be continued bit for bit. Run the sweep again from the start: without resume_from, with overwrite=True "
            "to replace this checkpoint or with another checkpoint path.")


@pytest.mark.float32
@pytest.mark.filterwarnings("ignore::brainnet_cb.ShortTRWarning")
def test_a_float32_sweep_past_the_count_limit_is_refused_saying_why(tmp_path, monkeypatch):
    """A real float32 sweep checkpoint of the float-count layout, its runs counting 280 sub-steps after rest_after
    (300 of 5 ms, 20 within 100 ms); the limit lowered from 2**24 to 279 makes them count past it (the test above
    checks the real limit): the refusal says why and what to do, in the command line's words too. A checkpoint
    that also differs otherwise names what differs, as that of any other sweep."""
    from brainnet_cb.cli.sweep_fit import checkpoint_options
    from brainnet_cb.simulation import checkpoint

    path = tmp_path / "grid.npz"
    with _old_layout(monkeypatch), pytest.raises(KeyboardInterrupt):
        _sweep(_Probe(limit=4), checkpoint=path)
    monkeypatch.setattr(checkpoint, "_FLOAT32_COUNT_LIMIT", 279)
    probe = _Probe()
    with pytest.raises(bn.CheckpointError, match="^" + re.escape(_stopped_refusal(path)) + "$"):
        _sweep(probe, resume_from=path)
    cli = (f"the checkpoint '{path}' was written by an earlier brainnet_cb, whose Bold(baseline='rest') counted the "
           "sub-steps of its resting level in float32, a count that stops at 2**24: the runs of this sweep count past "
           "2**24 sub-steps, so its finished batches hold numbers this version does not give, and they cannot be "
           "continued bit for bit. Run the sweep again from the start: without --resume, with --overwrite to replace "
           "this checkpoint or with another checkpoint path.")
    with pytest.raises(bn.CheckpointError, match="^" + re.escape(cli) + "$"), checkpoint_options():
        _sweep(probe, resume_from=path)
    with pytest.raises(bn.CheckpointError, match="^" + re.escape(
            f"the checkpoint '{path}' was written by another sweep; these differ:\n"
            "  batch size: checkpoint 2; this sweep 3\n")):
        bn.sweep(MODEL, TRI, {"G": [0.2, 0.9, 1.5], "noise_v": [0.05, 0.1]}, summaries={"probe": probe},
                 keep=("fc",), duration=1500.0, dt=0.2, monitors=[bn.Bold(tr=300.0, rest_after=100.0)],
                 signal="bold", band=None, discard=0.0, batch_size=3, progress=False, resume_from=path)
    assert probe.calls == 0
    monkeypatch.setattr(checkpoint, "_FLOAT32_COUNT_LIMIT", 280)  # at the limit: the count was exact, it resumes
    assert _sweep(probe, resume_from=path).probe.shape == (3, 2) and probe.calls == 2
