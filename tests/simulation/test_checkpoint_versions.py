"""A checkpoint whose run state has another layout because another version wrote it says so (a float32 run with
the default Bold, checkpointed by 0.1.0, holds one array fewer than this version's run state)."""

import json
import re

import numpy as np
import pytest

import brainnet_cb as bn

N = 4
W = np.ones((N, N)) - np.eye(N)
CONN = bn.Connectome(W, 12.0 * W)
KW = dict(duration=20.3, dt=0.1, coupling=bn.Linear(G=0.3), speed=3.0, noise=bn.Additive(v=0.2),
          monitors=[bn.TemporalAverage(0.3)], chunk_steps=37, key=3)


def _rewritten(path, version, drop_last):
    with np.load(path, allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    header = json.loads(str(arrays["header"]))
    header["software"]["brainnet_cb"] = version
    if drop_last:
        last = header["n_carry"] - 1
        del arrays[f"carry_{last}"]
        header["n_carry"] = last
    arrays["header"] = np.asarray(json.dumps(header))
    np.savez(path, **arrays)


@pytest.mark.parametrize("version", ["0.0.1", bn.__version__])
def test_a_run_state_of_another_layout_names_the_version_that_wrote_it(tmp_path, stop_after_chunk, version):
    path = tmp_path / "run.npz"
    with stop_after_chunk(2):
        bn.simulate(bn.CoombesByrne(eta=-4.6), CONN, checkpoint=path, **KW)
    _rewritten(path, version, drop_last=True)
    note = ("" if version == bn.__version__ else
            f" It was written by brainnet_cb 0.0.1, whose run state differs from this version's ({bn.__version__}): "
            "resume it with brainnet_cb 0.0.1, or run again from the start.")
    with pytest.warns(RuntimeWarning) if version != bn.__version__ else _nothing():
        with pytest.raises(bn.CheckpointError, match=rf"^the checkpoint '{re.escape(str(path))}' holds a run state "
                           r"of another layout \(\d+ arrays saved, \d+ in this run's state\); it cannot resume this run\."
                           + re.escape(note) + "$"):
            bn.simulate(bn.CoombesByrne(eta=-4.6), CONN, resume_from=path, **KW)


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False
