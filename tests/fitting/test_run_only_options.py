"""A sweep or fit given a knob of a single run (chunk_steps, out, vectorize, ...) says so, before anything runs.

Before, ``bn.sweep(..., chunk_steps=100)`` answered "unknown bn.sweep option 'chunk_steps' (did you mean
'fcd_step'?)", a suggestion that had nothing to do with what the user was tuning.
"""

import re

import numpy as np
import pytest

import brainnet_cb as bn
from brainnet_cb.errors import FitError, SweepError

CONN = bn.Connectome([[0, 1, 0], [1, 0, 1], [0, 1, 0]], np.full((3, 3), 20.0))
FC = np.eye(3)


@pytest.mark.parametrize("name, value, owner", [("chunk_steps", 100, "bn.simulate and bn.simulate_batch"),
                                                ("vectorize", False, "bn.simulate_batch"),
                                                ("on_divergence", "keep", "bn.simulate_batch"),
                                                ("out", "run.zarr", "bn.simulate")])
def test_a_sweep_names_the_option_it_does_not_take_and_its_batch_size_knobs(name, value, owner):
    message = (f"bn.sweep does not take '{name}', an option of {owner}: bn.sweep runs and summarises its simulations "
               "itself (set the size of its batches with memory= or batch_size=).")
    with pytest.raises(SweepError, match=f"^{re.escape(message)}$"):
        bn.sweep(bn.CoombesByrne(), CONN, {"G": [0.0, 0.1]}, duration=100.0, **{name: value})


def test_fit_grid_says_the_same():
    with pytest.raises(FitError, match=r"^bn\.fit_grid does not take 'chunk_steps', .* with memory= or batch_size=\)\.$"):
        bn.fit_grid(bn.CoombesByrne(), CONN, grid={"G": [0.0, 0.1]}, empirical_fc=FC, duration=100.0, chunk_steps=100)


def test_fit_gradient_has_no_batch_size_to_point_to():
    with pytest.raises(FitError, match=r"^bn\.fit_gradient does not take 'out', an option of bn\.simulate: "
                                       r"bn\.fit_gradient runs and summarises its simulations itself\.$"):
        bn.fit_gradient(bn.CoombesByrne(), CONN, empirical_fc=FC, init={"G": 0.1}, duration=100.0, out="run.zarr")


def test_a_fits_own_exclusions_keep_their_message():
    """fit_grid refuses a sweep's checkpoint as an unknown option of its own (tests/fitting/test_sweep_checkpoint.py)."""
    with pytest.raises(FitError, match=r"^unknown bn\.fit_grid option 'resume_from'"):
        bn.fit_grid(bn.CoombesByrne(), CONN, grid={"G": [0.0, 0.1]}, empirical_fc=FC, duration=100.0,
                    resume_from="x.npz")


def test_a_misspelt_option_still_gets_the_close_match():
    with pytest.raises(SweepError, match=r"^unknown bn\.sweep option 'memroy' \(did you mean 'memory'\?\)"):
        bn.sweep(bn.CoombesByrne(), CONN, {"G": [0.0, 0.1]}, duration=100.0, memroy="1 GiB")
