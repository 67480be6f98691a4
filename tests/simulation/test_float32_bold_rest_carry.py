"""float32 Bold(baseline="rest"): its compensated resting level rides in the carry.

The compensation (``bcomp``, float32 only) is state like the running mean: chunks, a resume from a
checkpoint, a batch member and a rerun from the result all give the whole run bit for bit.
"""

import numpy as np
import pytest

import brainnet_cb as bn

N = 4
RNG = np.random.default_rng(3)
W = RNG.random((N, N))
np.fill_diagonal(W, 0.0)
CONN = bn.Connectome(W, RNG.uniform(4, 40, (N, N)))
KW = dict(duration=3000.0, dt=0.2, coupling=bn.Linear(G=0.4), speed=3.0, noise=bn.Additive(v=0.05), key=5,
          dtype="float32")


def _kw():
    return dict(KW, monitors=[bn.Bold(tr=300.0, rest_after=100.0)])  # a TR of 300 ms keeps the test short


@pytest.mark.float32
@pytest.mark.filterwarnings("ignore::brainnet_cb.ShortTRWarning")
def test_chunks_resume_batch_and_rerun_equal_the_whole_float32_run(tmp_path, stop_after_chunk):
    model, spec = bn.CoombesByrne(eta=-4.6), _kw()
    whole = bn.simulate(model, CONN, chunk_steps=10_000, **spec)
    assert whole.bold.dtype == np.float32 and np.ptp(whole.bold.values) > 0
    parts = bn.simulate(model, CONN, chunk_steps=3777, **spec)
    path = tmp_path / "run.ckpt.npz"
    with stop_after_chunk(3):
        bn.simulate(model, CONN, chunk_steps=3777, checkpoint=path, **spec)
    resumed = bn.simulate(model, CONN, chunk_steps=3777, resume_from=path, **spec)
    kw = {k: v for k, v in spec.items() if k not in ("coupling", "key")}
    batch = bn.simulate_batch(model, CONN, coupling=bn.Linear(), batch={"G": [0.9, 0.4]}, key=5,
                               vectorize=True, **kw)  # vmap: bcomp one per member
    rerun = bn.Simulation.from_result(whole, CONN).run()
    for name, other in [("chunked", parts), ("resumed", resumed), ("rerun", rerun)]:
        assert other.bold.values.tobytes() == whole.bold.values.tobytes(), name
    assert batch.bold.values[1].tobytes() == whole.bold.values.tobytes()
