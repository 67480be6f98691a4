"""NetworkModule stepped past 2**31 - 1 times: its int32 step counter restarts, its clock does not wrap.

The step counter counts to ``steps_per_epoch`` (about 2**30, a whole number of ring buffers and noise
blocks) and starts again, ``epoch`` counting the restarts. It used to be a plain int32 that wrapped to
-2**31: ``net.t`` went negative and from step 2**31 + 1 on the delayed coupling read the ring buffer
at the wrong rows. The tests set the counters near the limit (public states) instead of stepping 2**31
times.
"""

import brainstate
import jax.numpy as jnp
import numpy as np
import pytest

import brainnet_cb as bn
from brainnet_cb.noise import NOISE_BLOCK, block_increments
from brainnet_cb.simulation.brainstate_network import NetworkModule
from brainnet_cb.stimulus import Sinusoid

LIMIT = 2**31  # an int32 holds 0 .. 2**31 - 1


def _conn(n=6, seed=0):
    rng = np.random.default_rng(seed)
    w = rng.random((n, n)) * (rng.random((n, n)) < 0.7)
    np.fill_diagonal(w, 0.0)
    lengths = 20.0 + 60.0 * rng.random((n, n))
    return bn.Connectome(weights=w, lengths=(lengths + lengths.T) / 2)


def _steps(net, k):
    return np.asarray(brainstate.transform.for_loop(lambda i: net.update(), jnp.arange(k)))


def _at(net, absolute, saved):
    """Put the module at the absolute step ``absolute`` with the saved states."""
    for name, value in saved.items():
        getattr(net, name).value = value
    epoch, step = divmod(absolute, net.steps_per_epoch)
    net.epoch.value = jnp.asarray(epoch, jnp.int32)
    net.step.value = jnp.asarray(step, jnp.int32)


def _module(**kw):
    net = NetworkModule(bn.CoombesByrne(eta=-4.6), _conn(), dt=0.1, coupling=bn.Linear(G=0.8), speed=2.0, **kw)
    brainstate.nn.init_all_states(net)
    rng = np.random.default_rng(1)  # a past that is not constant: the ring position matters
    net.x.value = jnp.asarray(np.stack([rng.uniform(0.1, 1.0, 6), rng.uniform(-3.0, 0.0, 6)]), net.x.value.dtype)
    net.hist.value = jnp.asarray(rng.uniform(0.0, 1.0, net.hist.value.shape), net.hist.value.dtype)
    saved = {name: getattr(net, name).value for name in ("x", "hist", "c")}
    if net.noise_block is not None:
        saved["noise_block"] = net.noise_block.value
    return net, saved


def test_the_counter_restarts_on_a_whole_number_of_ring_buffers_and_noise_blocks():
    net, _ = _module()
    ring = net.max_lag + 1
    assert net.steps_per_epoch % ring == 0 and net.steps_per_epoch % NOISE_BLOCK == 0
    assert 2**30 - np.lcm(ring, NOISE_BLOCK) < net.steps_per_epoch <= 2**30


def test_delays_and_time_past_2_to_the_31_steps():
    """Without noise or stimuli the network is the same at every step of one ring position."""
    net, saved = _module()
    ring = net.max_lag + 1
    far = LIMIT - 5 - (LIMIT - 5 - 7) % ring  # the ring position of step 7, a few steps below the limit
    k = ring + 20  # past 2**31 + 1, where the wrapped counter read the wrong rows
    _at(net, far, saved)
    r_far = _steps(net, k)
    assert far + k > LIMIT + 10 and net.epoch.value == 2
    assert net.t == (far + k) * 0.1  # was negative: -214748326.5 ms
    _at(net, 7, saved)
    r_near = _steps(net, k)
    np.testing.assert_array_equal(r_far, r_near)
    _at(net, 8, saved)  # one row off in the ring: other numbers (the test can fail)
    assert np.abs(_steps(net, k) - r_near).max() > 1e-3


def test_noise_and_stimuli_across_the_restart_are_those_of_the_absolute_step():
    """A restart changes no number: the module steps as one counting in a single int32, as a run does."""
    net, saved = _module(noise=bn.Additive(v=0.05), key=3, stimulus=Sinusoid(amplitude=0.2, frequency=7.0))
    whole = net.steps_per_epoch
    start = whole - 23  # 3 steps into a noise block, 23 steps before the restart
    saved["noise_block"] = block_increments(net._dyn.key, jnp.asarray(start // NOISE_BLOCK, jnp.int32),
                                            net._plan.noise_rows, net._dyn.sigma, 2, net._dyn.dt)
    _at(net, start, saved)
    restarted = _steps(net, 60)
    assert (int(net.epoch.value), int(net.step.value)) == (1, 37)
    held = net.noise_block.value
    last = (whole + 37) // NOISE_BLOCK  # the block held: numbered from the absolute step
    np.testing.assert_array_equal(held, block_increments(net._dyn.key, jnp.asarray(last, jnp.int32),
                                                         net._plan.noise_rows, net._dyn.sigma, 2, net._dyn.dt))
    net.steps_per_epoch = LIMIT - 1  # the same module counting in one int32 (no restart below 2**31 - 1)
    _at(net, start, saved)
    counted = _steps(net, 60)
    assert (int(net.epoch.value), int(net.step.value)) == (0, whole + 37)
    np.testing.assert_array_equal(restarted, counted)
    np.testing.assert_array_equal(held, net.noise_block.value)


@pytest.mark.parametrize("epoch", [0, 3])
def test_t_is_the_absolute_step_times_dt(epoch):
    net, saved = _module()
    _at(net, epoch * net.steps_per_epoch + 1234, saved)
    assert net.t == (epoch * net.steps_per_epoch + 1234) * 0.1
