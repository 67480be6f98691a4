"""Chunks and a resume give the unchunked run bit for bit with every kind of output at once.

The pieces are checked one by one elsewhere (noise blocks: tests/test_noise_blocks.py; noise classes:
tests/test_noise_classes.py; processes and streams: test_streaming_checkpoint.py). Here they are
combined as a user would: coloured noise, a stimulus whose onset falls inside a later chunk,
TemporalAverage, SubSample, EEG and Bold (driven from 10 ms on) with periods of 7, 21, 42 and 252
steps, none a multiple of the noise block of 10, and a duration that ends in a tail of lower-level
pieces, where the resume point is.
"""

import numpy as np
import pytest

import brainnet_cb as bn
from brainnet_cb.noise import NOISE_BLOCK
from brainnet_cb.stimulus import PulseTrain, Step

N = 5
RNG = np.random.default_rng(8)
W = RNG.random((N, N)) * (RNG.random((N, N)) < 0.7)
np.fill_diagonal(W, 0.0)
CONN = bn.Connectome(W, RNG.uniform(4, 40, (N, N)))
GAIN = RNG.normal(size=(3, N))


def _kw(noise):
    return dict(duration=80.3, dt=0.1, coupling=bn.Linear(G=0.4), speed=3.0, noise=noise, key=5,
                stimulus=[PulseTrain(amplitude=0.5, period=5.0, width=0.7, onset=31.3), Step(amplitude=0.2, onset=57.7)],
                monitors=[bn.TemporalAverage(0.7), bn.SubSample(2.1, name="sub"),
                          bn.EEG(GAIN, sensors=("a", "b", "c"), period=4.2), bn.Bold(tr=25.2, rest_after=10.0)])


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::brainnet_cb.ShortTRWarning")  # a TR of 25.2 ms keeps the test short
def test_chunks_and_a_resume_in_the_tail_equal_the_whole_run_with_every_output(tmp_path, stop_after_chunk):
    # OU: its coloured process rides in the carry and the checkpoint (multiplicative noise, measured the
    # same way on tvb76 with EEG.from_atlas, is equal too; one class keeps the test short)
    model, kw = bn.CoombesByrne(eta=-4.6), _kw(bn.OrnsteinUhlenbeck(tau=2.0, v=0.2))
    run = bn.prepare(model, CONN, **kw)
    pieces = run.schedule(37)
    period = [1] + [p for p, _ in run.plan.levels]
    ends = np.cumsum([nb * period[level + 1] for nb, level in pieces])
    assert [p for p, _ in run.plan.levels] == [7, 21, 42, 252]
    assert ends.tolist() == [252, 504, 756, 798, 803] and 798 % NOISE_BLOCK != 0  # a tail inside a block
    whole = bn.simulate(model, CONN, chunk_steps=10_000, **kw)
    assert set(whole.data_vars) == {"r", "v", "sub_r", "sub_v", "eeg", "bold"}
    parts = bn.simulate(model, CONN, chunk_steps=37, **kw)
    path = tmp_path / "run.ckpt.npz"
    with stop_after_chunk(4) as stopped:  # after the first tail piece
        bn.simulate(model, CONN, chunk_steps=37, checkpoint=path, **kw)
    assert stopped == [798]
    resumed = bn.simulate(model, CONN, chunk_steps=37, resume_from=path, **kw)
    for name in whole.data_vars:
        assert np.all(np.isfinite(whole[name].values)) and np.ptp(whole[name].values) > 0, name
        assert parts[name].values.tobytes() == whole[name].values.tobytes(), f"chunked {name}"
        assert resumed[name].values.tobytes() == whole[name].values.tobytes(), f"resumed {name}"
