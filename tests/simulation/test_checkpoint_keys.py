"""A checkpoint names its random key's generator: a resume with another generator's key is refused.

``jax.random.key(5, impl="rbg")`` and ``jax.random.key(5, impl="unsafe_rbg")`` hold the same data,
``[0, 5, 0, 5]``, and draw other numbers; a checkpoint that kept only the data let one resume the
other, which gave a run equal to neither.
"""

import hashlib

import jax
import numpy as np
import pytest

import brainnet_cb as bn
from brainnet_cb.simulation import checkpoint as ck

N = 4
W = np.ones((N, N)) - np.eye(N)
CONN = bn.Connectome(W, 12.0 * W)
KW = dict(duration=20.3, dt=0.1, coupling=bn.Linear(G=0.3), speed=3.0, noise=bn.Additive(v=0.2),
          monitors=[bn.TemporalAverage(0.3)], chunk_steps=37)


def _interrupted(path, key, stop_after_chunk):
    """Run with ``key``, stopped after the second chunk (63 steps: inside a noise block)."""
    with stop_after_chunk(2):
        bn.simulate(bn.CoombesByrne(eta=-4.6), CONN, key=key, checkpoint=path, **KW)


@pytest.mark.slow
def test_a_checkpoint_of_an_rbg_key_refuses_an_unsafe_rbg_key_and_resumes_its_own(tmp_path, stop_after_chunk):
    rbg, unsafe = jax.random.key(5, impl="rbg"), jax.random.key(5, impl="unsafe_rbg")
    np.testing.assert_array_equal(jax.random.key_data(rbg), jax.random.key_data(unsafe))  # same data
    path = tmp_path / "run.ckpt.npz"
    _interrupted(path, rbg, stop_after_chunk)
    message = (r"(?s)was written by another run; these differ:\n"
               r"  key: checkpoint seed \[0, 5, 0, 5\] \(rbg key\); this run seed \[0, 5, 0, 5\] \(unsafe_rbg key\)\n")
    with pytest.raises(bn.CheckpointError, match=message):
        bn.simulate(bn.CoombesByrne(eta=-4.6), CONN, key=unsafe, resume_from=path, **KW)
    straight = bn.simulate(bn.CoombesByrne(eta=-4.6), CONN, key=rbg, **KW)
    resumed = bn.simulate(bn.CoombesByrne(eta=-4.6), CONN, key=rbg, resume_from=path, **KW)
    for name in straight.data_vars:
        assert straight[name].values.tobytes() == resumed[name].values.tobytes(), name


def test_a_threefry_key_is_named_by_its_data_as_before():
    """Checkpoints written before the generator was recorded still resume: the key's summary and hash
    of a (default) Threefry key are those of its data alone."""
    key = jax.random.key(5)
    run = bn.prepare(bn.CoombesByrne(eta=-4.6), CONN, key=key, **{k: v for k, v in KW.items() if k != "chunk_steps"})
    got = ck.fingerprint(run)["key"]
    data = np.asarray(jax.random.key_data(key))
    old = hashlib.sha256(f"{data.dtype.str}{data.shape}".encode() + data.tobytes()).hexdigest()[:16]
    assert got == {"describe": "seed [0, 5]", "hash": old}


class _PRNGImpl:
    """What JAX before 0.10 named a generator: ``PRNGImpl(name="threefry2x32", tag="fry")``, ``str`` its tag."""

    def __init__(self, name, tag):
        self.name, self.tag = name, tag

    def __str__(self):
        return self.tag


class _PRNGSpec:
    """What ``jax.random.key_impl`` returned before JAX 0.10: ``str`` is the tag, the name is on ``_impl``."""

    def __init__(self, impl):
        self._impl = impl

    def __str__(self):
        return str(self._impl)


_TAGS = {"threefry2x32": "fry", "rbg": "rbg", "unsafe_rbg": "urbg"}


def test_a_threefry_checkpoint_resumes_bit_for_bit_whatever_jax_calls_its_generator(tmp_path, stop_after_chunk,
                                                                                     monkeypatch):
    # compared str(key_impl(key)) == "threefry2x32": where key_impl gave a PRNGSpec ('fry'), a Threefry
    # key was hashed as 'key<fry>' and the checkpoint written by this very run was refused
    path = tmp_path / "run.ckpt.npz"
    _interrupted(path, 5, stop_after_chunk)
    straight = bn.simulate(bn.CoombesByrne(eta=-4.6), CONN, key=5, **KW)
    real = jax.random.key_impl
    spec = lambda key: _PRNGSpec(_PRNGImpl(real(key), _TAGS[real(key)]))  # noqa: E731
    monkeypatch.setattr(jax.random, "key_impl", spec)
    assert str(jax.random.key_impl(jax.random.key(5))) == "fry"
    assert ck._key_impl(jax.random.key(5)) is None
    assert ck._key_impl(jax.random.key(5, impl="unsafe_rbg")) == "unsafe_rbg"
    resumed = bn.simulate(bn.CoombesByrne(eta=-4.6), CONN, key=5, resume_from=path, **KW)
    for name in straight.data_vars:
        assert straight[name].values.tobytes() == resumed[name].values.tobytes(), name
    run = bn.prepare(bn.CoombesByrne(eta=-4.6), CONN, key=jax.random.key(5),
                     **{k: v for k, v in KW.items() if k != "chunk_steps"})
    assert ck.fingerprint(run)["key"]["describe"] == "seed [0, 5]"
