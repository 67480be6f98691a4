"""Out-of-range, non-finite and mis-shaped inputs of the node models are refused on the host, by message."""

import brainstate
import brainunit as u
import numpy as np
import pytest

import brainnet_cb as bn


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: bn.CoombesByrne(Delta=-1.0).fixed_points(), r"CoombesByrne.Delta finite and in \[0.0, inf\].*got -1.0"),
        (lambda: bn.CoombesByrne(k=-1.0).fixed_point(), r"CoombesByrne.k finite and in \[0.0, inf\]"),
        (lambda: bn.CoombesByrne(eta=float("nan")).fixed_points(), r"CoombesByrne.eta finite .*got nan"),
        (lambda: bn.CoombesByrne().fixed_points(v_ext=float("inf")), r"the input v_ext finite"),
        (lambda: bn.MontbrioPazoRoxin(tau=0.0).fixed_points(), r"MontbrioPazoRoxin.tau finite and in \[1e-12, inf\]"),
        (lambda: bn.MontbrioPazoRoxin(tau=-1.0, eta=-5.0).fixed_points(), r"MontbrioPazoRoxin.tau"),
        (lambda: bn.CoombesByrne4D(alpha=-1.0, eta=3.0).is_stable(), r"CoombesByrne4D.alpha finite and in"),
    ],
)
def test_fixed_points_of_a_model_a_run_refuses_are_refused(call, match):
    # was: a bogus fixed point (Delta < 0: v* of the wrong sign; tau < 0: r* < 0), ZeroDivisionError
    # (tau = 0), LinAlgError (nan) or a stability verdict for alpha < 0
    with pytest.raises(bn.ModelError, match=match):
        call()


def test_fixed_points_in_range_are_unchanged():
    assert bn.CoombesByrne().fixed_point() == pytest.approx((0.184726, -0.571409), abs=1e-6)
    assert len(bn.MontbrioPazoRoxin(eta=-5.0).fixed_points()) == 3
    assert bn.CoombesByrne4D(eta=3.0).is_stable()


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(eta=np.array([1.0, 2.0])), r"eta has shape \(2,\), which does not broadcast to the population shape \(3,\)"),
        (dict(eta=2.0 * u.mV), r"eta is dimensionless .*got 2. mV"),
        (dict(Delta=-1.0), r"Delta must lie in \[0.0, inf\].*got -1.0"),
        (dict(k=np.array([1.0, -0.5, 1.0])), r"k must lie in \[0.0, inf\]"),
        (dict(v_syn=float("nan")), r"v_syn must be finite"),
    ],
)
def test_coombes_byrne_step_refuses_bad_parameters_at_construction(kwargs, match):
    # was: brainstate's ValueError without the name, a UnitMismatchError at the first step, or a silent
    # run with r < 0 (Delta < 0)
    with pytest.raises(bn.ModelError, match=match):
        bn.CoombesByrneStep(3, **kwargs)


def test_white_noise_refuses_a_non_number_and_takes_an_array_amplitude_as_noise():
    with pytest.raises(bn.NoiseError, match="WhiteNoise sigma must be a number >= 0 .*got 'a' of type str"):
        bn.WhiteNoise("a")  # was: TypeError from np.isfinite

    def run(noise):
        m = bn.CoombesByrneStep(3, noise_v=noise)
        brainstate.random.seed(1)
        brainstate.nn.init_all_states(m)
        with brainstate.environ.context(dt=0.1 * u.ms):
            for _ in range(5):
                m.update()
        return np.asarray(m.v.value)

    sigma = np.array([0.1, 0.2, 0.3])
    np.testing.assert_array_equal(run(sigma), run(bn.WhiteNoise(sigma)))  # was: NoiseError for the array
