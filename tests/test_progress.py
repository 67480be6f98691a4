"""One rule for every progress bar: shown when asked, hidden when told, by default only on a terminal."""

import sys

import numpy as np
import pytest

import brainnet_cb as bn
from brainnet_cb._progress import progress_bar


@pytest.mark.parametrize(
    "progress,tty,default,shown",
    [(True, False, False, True), (False, True, True, False), (None, True, True, True), (None, False, True, False),
     (None, True, False, False), (1, False, True, True), (0, True, True, False)],
)
def test_the_bar_shows_when_asked_or_on_a_terminal_by_default(monkeypatch, progress, tty, default, shown):
    monkeypatch.setattr(sys.stderr, "isatty", lambda: tty)
    bar = progress_bar(progress, 7, "sweep", unit="run", default=default)
    assert (bar is not None) is shown
    if bar is not None:
        assert (bar.total, bar.desc, bar.unit, bar.leave) == (7, "sweep", "run", False)
        bar.close()


def _ring():
    w = np.array([[0, 1, 0, 0.5], [1, 0, 1, 0], [0, 1, 0, 1], [0.5, 0, 1, 0]], float)
    return bn.Connectome(w, np.full((4, 4), 20.0), name="ring4")


@pytest.fixture
def bars(monkeypatch):
    """Every bar the library opens, kept to read after the call (the real bars, drawn to stderr)."""
    import brainnet_cb.fitting.sweep as sweep_module
    import brainnet_cb.simulation.batch as batch_module
    import brainnet_cb.simulation.run as run_module

    opened = []

    def spy(*args, **kwargs):
        bar = progress_bar(*args, **kwargs)
        opened.append(bar)
        return bar

    for module in (run_module, batch_module, sweep_module):
        monkeypatch.setattr(module, "progress_bar", spy)
    return opened


def _counted(bar):
    return bar.desc, bar.unit, bar.n, bar.total


def test_a_run_counts_its_steps_on_the_bar_it_was_asked_for(bars):
    bn.simulate(bn.CoombesByrne(), _ring(), duration=10.0, dt=0.1, progress=True)
    assert [_counted(b) for b in bars] == [("brainnet_cb", "step", 100, 100)]


def test_a_one_piece_run_shows_no_bar_by_default_even_on_a_terminal(monkeypatch, bars):
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    bn.simulate(bn.CoombesByrne(), _ring(), duration=10.0, dt=0.1)
    assert bars == [None]


def test_a_batch_counts_member_steps_and_a_sweep_its_runs(bars):
    bn.simulate_batch(bn.CoombesByrne(), _ring(), batch={"G": [0.0, 0.5]}, duration=10.0, dt=0.1, progress=True)
    assert [_counted(b) for b in bars] == [("brainnet_cb batch", "step", 200, 200)]
    bars.clear()
    bn.sweep(bn.CoombesByrne(), _ring(), grid={"G": [0.0, 0.5, 1.0]}, duration=10.0, dt=0.1,
             monitors=[bn.TemporalAverage(1.0)], signal="r", band=None, progress=True)
    assert _counted(bars[0]) == ("sweep", "run", 3, 3)
