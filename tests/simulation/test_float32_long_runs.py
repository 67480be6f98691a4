"""Long runs in float32 (30-60 min of simulated time at dt = 0.1 ms: 18-36 million steps).

float32 spaces its numbers 0.125 ms apart from 2**20 ms (17.5 min) on and 0.25 ms from 2**21 ms
(35 min) on, more than a step; every clock of a run must therefore count steps in integers. A late
part of a long run is emulated cheaply by starting a short run at a large step number (the carry's
counter, as a resumed run has it): the numbers of a step depend on the step alone.
"""

from fractions import Fraction
from typing import ClassVar

import brainunit as u
import jax.numpy as jnp
import numpy as np
import pytest

import brainnet_cb as bn
from brainnet_cb.simulation.validation import MAX_STEPS
from brainnet_cb.stimulus import PulseTrain, Sinusoid, Step


@bn.node_model
class Integrator(bn.NodeModel):
    r"""A pure integrator of its input, :math:`\dot a = I`: the input of step ``n`` is ``(a_{n+1} - a_n) / dt``."""

    states: ClassVar[tuple] = ("a",)
    state_units: ClassVar[dict] = {"a": "1"}
    long_names: ClassVar[dict] = {"a": "a"}
    initial: ClassVar[dict] = {"a": 0.0}
    sends: ClassVar[str] = "a"
    receives: ClassVar[str] = "a"
    input_ports: ClassVar[tuple] = ("a",)

    def dfun(self, x, inputs):
        return jnp.stack([inputs["a"] + 0 * x[0]])


DT = 0.1
ONE = bn.Connectome(np.zeros((1, 1)), np.zeros((1, 1)), labels=["x"])


def _inputs_from(first_step, stimulus, n_steps=400, dtype="float32"):
    """The input of steps ``first_step ..`` (a run started at that step), read back from the integrator."""
    run = bn.Simulation(Integrator(), ONE, duration=n_steps * DT, dt=DT, method="euler", monitors=[bn.Raw()],
                        stimulus=stimulus, dtype=dtype).prepare()
    run.carry = run.carry._replace(step=jnp.asarray(first_step, jnp.int32))
    a = run.execute().a.values[:, 0].astype(np.float64)
    return np.diff(np.concatenate([[0.0], a])) / np.float64(np.float32(DT) if dtype == "float32" else DT)


@pytest.mark.parametrize("minutes", [30, 60])
def test_a_step_and_a_pulse_train_are_on_at_their_exact_steps_late_in_a_float32_run(minutes):
    """A Step at t = 1,800,000.3 ms fires at step 18,000,003 and a 5-ms pulse every 50 ms lasts 50 steps.

    With t = step * dt in float32 the Step fired a step early (1,800,000.2 and 1,800,000.3 are both
    1,800,000.25 there) and the 50-step pulses lasted 48 or 49 steps (600 of 100,000 steps wrong).
    """
    onset_step = minutes * 600_000 + 3
    start = onset_step - 100
    steps = np.arange(start, start + 400)
    got = _inputs_from(start, Step(amplitude=1.0, onset=onset_step * DT))
    np.testing.assert_array_equal(got != 0, steps >= onset_step)
    got = _inputs_from(start, PulseTrain(amplitude=1.0, period=50.0, width=5.0, onset=onset_step * DT,
                                         offset=(onset_step + 350) * DT))
    k = steps - onset_step
    np.testing.assert_array_equal(got != 0, (k >= 0) & (k < 350) & (np.mod(k, 500) < 50))


@pytest.mark.parametrize("frequency", [10.0, 40.0, 7.3])
def test_a_sinusoid_keeps_its_phase_after_an_hour_in_float32(frequency):
    """sin(2 pi f t) at t ~ 1 h in float32 to 1e-5 (with t = step * dt in float32 it was off by 0.17 at 40 Hz)."""
    start = 36_000_000 + 12_345
    got = _inputs_from(start, Sinusoid(amplitude=1.0, frequency=frequency, phase=0.4, onset=1000.05))
    t = (start + np.arange(400)) * DT
    expected = np.sin(2 * np.pi * frequency * (t - 1000.05) / 1000.0 + 0.4)
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-5)


def test_a_pulse_train_whose_period_is_not_a_whole_number_of_steps_keeps_its_phase_in_float32():
    """Period 100/3 ms (333.33 steps): the pulses of float64, step for step, late in a float32 run.

    (A period of 333 1/3 steps keeps the phase in steps away from the ties of rounding, n + 1/2.)
    """
    start = 30_000_000 + 77
    stim = PulseTrain(amplitude=1.0, period=100 / 3, width=3.0, onset=12.3)
    t = (start + np.arange(2000)) * DT
    on64 = np.round(np.mod(t - 12.3, 100 / 3) / DT) < 30
    np.testing.assert_array_equal(_inputs_from(start, stim, 2000) != 0, on64)


def test_float32_stimuli_are_on_at_the_steps_of_float64_at_the_start_of_a_run():
    """Early in a run the two precisions switch the same steps (onsets on and off the grid)."""
    stims = [Step(amplitude=1.0, onset=0.3, offset=2.05), PulseTrain(amplitude=1.0, period=0.7, width=0.2, onset=0.13)]
    for stim in stims:
        on32 = _inputs_from(0, stim, 60) != 0
        on64 = _inputs_from(0, stim, 60, dtype="float64") != 0
        np.testing.assert_array_equal(on32, on64, err_msg=type(stim).__name__)


def test_float32_stimuli_with_an_onset_long_before_the_run_are_on_from_its_start():
    """An onset of -1e9 ms (on from the start): its step count since the onset wrapped around the int32 (off)."""
    t = np.arange(300) * DT
    assert np.all(_inputs_from(0, Step(amplitude=1.0, onset=-1e9), 300) != 0)
    got = _inputs_from(0, Sinusoid(amplitude=1.0, frequency=7.3, phase=0.4, onset=-1e9 - 0.05), 300)
    np.testing.assert_allclose(got, np.sin(2 * np.pi * 7.3 * (t + 1e9 + 0.05) / 1000.0 + 0.4), rtol=0, atol=1e-5)
    for period in (Fraction(5), Fraction(100, 3)):  # a whole number of steps, and not; exact phases, no ties
        onset = Fraction(-10**9) + Fraction(1234, 1000)
        in_steps = [((k * Fraction(1, 10) - onset) % period) * 10 for k in range(300)]
        on = np.array([round(x) < 10 for x in in_steps])
        stim = PulseTrain(amplitude=1.0, period=float(period), width=1.0, onset=float(onset))
        np.testing.assert_array_equal(_inputs_from(0, stim, 300) != 0, on, err_msg=f"period {period}")


def test_a_delayed_network_with_monitors_runs_the_same_at_step_zero_and_near_the_int32_limit():
    """Delay ring buffer, noise-free dynamics, TemporalAverage and Bold depend on step differences only."""
    rng = np.random.default_rng(0)
    w = rng.random((3, 3))
    np.fill_diagonal(w, 0)
    conn = bn.Connectome(w, 5 + 20 * rng.random((3, 3)))
    spec = bn.Simulation(bn.CoombesByrne(eta=-4.6), conn, duration=100.0, dt=DT, coupling=bn.Linear(G=0.5),
                         monitors=[bn.TemporalAverage(1.0), bn.Bold(tr=50 * u.ms, baseline="initial")], dtype="float32")
    ref = spec.run()
    run = spec.prepare()
    run.carry = run.carry._replace(step=jnp.asarray(MAX_STEPS - 1000, jnp.int32))
    late = run.execute()
    for name in ("r", "v", "bold"):
        np.testing.assert_array_equal(late[name].values, ref[name].values, err_msg=name)


def test_a_run_longer_than_the_int32_step_counter_is_refused():
    with pytest.raises(bn.SimulationError, match=(
            r"^duration 3e\+08 ms is 3000000000 steps of dt = 0\.1 ms, more than a run counts: its step counter is an "
            r"int32 \(at most 2147483647 steps, 59\.7 hours at this dt\)\. Use a larger dt, or a duration of at most "
            r"214748364 ms\.$")):
        bn.Simulation(bn.CoombesByrne(), ONE, duration=3e8, dt=DT).prepare()
    assert bn.Simulation(bn.CoombesByrne(), ONE, duration=MAX_STEPS * 0.5, dt=0.5).prepare().n_steps == MAX_STEPS


def test_a_float32_run_with_stimuli_reruns_from_its_result_bit_for_bit():
    """The record keeps the times as given: 57.7 ms, not float32's 57.70000076 ms (one step later on the grid)."""
    rng = np.random.default_rng(2)
    w = rng.random((3, 3))
    np.fill_diagonal(w, 0)
    conn = bn.Connectome(w, 10 + 30 * rng.random((3, 3)))
    stim = [PulseTrain(amplitude=[2.0, 0.0, 1.0], period=10.0, width=1.0, onset=5.0),
            Sinusoid(amplitude=0.3, frequency=[40.0, 7.3, 0.0]), Step(amplitude=0.2, onset=57.7)]
    ds = bn.simulate(bn.CoombesByrne(eta=-4.6), conn, duration=100.0, monitors=[bn.Raw()], coupling=bn.Linear(G=0.3),
                     stimulus=stim, dtype="float32")
    assert '"onset": 57.7' in ds.attrs["stimulus_parameters"]
    again = bn.Simulation.from_result(ds, connectome=conn).run()
    np.testing.assert_array_equal(again.r.values, ds.r.values)


def test_the_noise_of_a_step_late_in_a_float32_run_is_row_step_mod_10_of_its_block():
    """Step n draws row n % 10 of block n // 10 (int32 arithmetic): a run resumed at step 30,000,003 sees them."""
    from brainnet_cb.noise import block_increments

    start = 30_000_003
    run = bn.Simulation(Integrator(), ONE, duration=3.0, dt=DT, method="euler", monitors=[bn.Raw()],
                        noise=bn.Additive(a=0.5), key=7, dtype="float32").prepare()
    run.carry = run.carry._replace(step=jnp.asarray(start, jnp.int32))
    a = run.execute().a.values[:, 0].astype(np.float64)
    got = np.diff(np.concatenate([[0.0], a]))  # a_{n+1} - a_n = dW_n (no drift)
    blocks = [np.asarray(block_increments(run.dyn.key, jnp.asarray(b, jnp.int32), run.plan.noise_rows, run.dyn.sigma,
                                          1, run.dyn.dt))[:, 0, 0] for b in (start // 10, start // 10 + 1, start // 10 + 2,
                                                                            start // 10 + 3)]
    expected = np.concatenate(blocks)[start % 10: start % 10 + 30]
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-6)
    assert np.std(expected) > 0.05  # sigma sqrt(dt) = 0.16: the noise is there


def test_sample_times_late_in_an_hour_are_the_decimal_multiples_of_the_period():
    """Time stamps are computed on the host in float64, whatever the run's dtype."""
    from brainnet_cb.simulation.cf import sample_times

    assert sample_times(35_999_998, 2, 1, DT).tolist() == [3599999.9, 3600000.0]
    assert sample_times(4_998, 2, 7200, DT).tolist() == [3599280.0, 3600000.0]
    run = bn.Simulation(Integrator(), ONE, duration=1.0, dt=DT, monitors=[bn.Raw()], dtype="float32").prepare()
    ds = run.to_dataset(run.empty_samples([np.zeros((2, 1, 1), np.float32)]), first=[35_999_998])
    assert ds.time.dtype == np.float64 and ds.time.values.tolist() == [3599999.9, 3600000.0]


@pytest.mark.float32
def test_the_bold_resting_level_does_not_wander_over_an_hour_in_float32():
    """An hour of 5-ms sub-steps: float32 BOLD within 5e-4 of its sd of float64 in the last 10 minutes.

    The running resting level of baseline="rest" (b += (x - b) / count) rounded every update once the
    increment fell under half an ulp of b: b wandered up to 1.4e-4 off the mean, and this BOLD 5.7e-3 of its
    sd off float64 (4.8e-5 compensated).
    """
    import jax

    t = np.arange(720_000) * 5.0  # ms
    x = 0.068 * (1 + 0.03 * np.sin(2 * np.pi * t / 20e3) + 0.02 * np.sin(2 * np.pi * t / 7.3e3))
    kw = dict(tr=720 * u.ms, dt=5.0, baseline="rest")
    b32 = bn.bold_from_activity(x[:, None], **kw).values[:, 0]
    with jax.enable_x64(True):
        b64 = bn.bold_from_activity(x[:, None], **kw).values[:, 0]
    assert b32.dtype == np.float32 and b64.dtype == np.float64
    late = slice(-len(b64) // 6, None)
    assert np.abs(b32[late] - b64[late]).max() < 5e-4 * b64.std(), np.abs(b32[late] - b64[late]).max() / b64.std()


@pytest.mark.float32
@pytest.mark.parametrize("onset", [-12.34, -1e9 - 0.05])
def test_a_sinusoid_of_negative_frequency_keeps_its_phase_from_an_onset_before_the_run(onset):
    """A negative frequency has a negative period 1000 / f, once taken for no period at all: the onset was moved
    to 0, shifting the phase by 2 pi f onset (0.56 off at onset = -12.34 ms, -7.3 Hz)."""
    stim = Sinusoid(amplitude=1.0, frequency=-7.3, phase=0.4, onset=onset)
    got = _inputs_from(0, stim, n_steps=300)
    t = np.arange(300) * DT
    np.testing.assert_allclose(got, np.sin(2 * np.pi * -7.3 * (t - onset) / 1000.0 + 0.4), rtol=0, atol=1e-5)
