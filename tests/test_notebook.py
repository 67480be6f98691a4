"""What a notebook user sees: short reprs, figures drawn once without pyplot, the progress bar's choice."""

import importlib.util
import sys
import types
import warnings

import numpy as np
import pytest
import xarray as xr

import brainnet_cb as bn
from brainnet_cb import _progress, plots


def test_a_per_region_parameter_is_summarised_not_printed():
    """The dataclass repr printed all 76 values of eta over 16 lines."""
    model = bn.CoombesByrne(eta=np.linspace(1.0, 2.0, 76))
    assert repr(model) == "CoombesByrne(Delta=1.0, eta=<76 values in [1, 2]>, k=1.0, v_syn=-4.0)"
    assert repr(bn.Linear(G=np.full((76, 76), 0.5))) == "Linear(G=<76x76 values in [0.5, 0.5]>)"
    assert repr(bn.Linear(G=[0.5, 0.8])) == "Linear(G=array([0.5, 0.8]))"  # a few values stay as they are
    assert repr(bn.Additive(v=0.1)) == "Additive(v=0.1)"


def test_a_simulation_repr_is_one_short_line():
    conn = bn.load_atlas("tvb76")
    sim = bn.Simulation(bn.CoombesByrne(eta=np.linspace(1.0, 2.0, 76)), conn, duration=100.0,
                        coupling=bn.Linear(G=0.5), initial_state={"r": np.full(76, 0.1)})
    assert repr(sim) == ("Simulation(CoombesByrne(Delta=1.0, eta=<76 values in [1, 2]>, k=1.0, v_syn=-4.0), "
                         "<Connectome 'tvb76', 76 regions>, duration=100.0, coupling=Linear(G=0.5), "
                         "initial_state={'r': <76 values in [0.1, 0.1]>})")


def _traces():
    t = np.arange(50.0)
    return xr.DataArray(np.sin(t[:, None] / (3 + np.arange(4))), dims=("time", "region"),
                        coords={"time": t, "region": list("abcd")}, name="r", attrs={"units": "1"})


def test_a_figure_draws_itself_in_ipython_without_pyplot_state():
    """A notebook that had not imported pyplot showed '<Figure size 800x320 with 1 Axes>', not the plot."""
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    fig = plots.timeseries(_traces())
    assert plt.get_fignums() == before  # not held by pyplot, so a notebook draws it once, not twice
    assert fig._repr_png_()[:8] == b"\x89PNG\r\n\x1a\n"
    if importlib.util.find_spec("IPython") is not None:  # IPython is no dependency; where it is here, ask it
        from IPython.core.interactiveshell import InteractiveShell

        data, _ = InteractiveShell.instance().display_formatter.format(fig)
        assert data["image/png"][:8] == b"\x89PNG\r\n\x1a\n"


def test_the_default_bar_shows_in_a_jupyter_kernel(monkeypatch):
    """progress=None showed nothing in a notebook (stderr is no terminal there), and progress=True
    printed tqdm's "IProgress not found" warning where ipywidgets is missing."""
    kernel_shell = types.SimpleNamespace(kernel=object())
    monkeypatch.setitem(sys.modules, "IPython", types.SimpleNamespace(get_ipython=lambda: kernel_shell))
    real = _progress.importlib.util.find_spec
    monkeypatch.setattr(_progress.importlib.util, "find_spec",
                        lambda name, *a: None if name == "ipywidgets" else real(name, *a))
    assert _progress.in_jupyter()
    assert _progress.progress_bar(None, 10, "x", default=False) is None
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        bar = _progress.progress_bar(None, 10, "x")
    from tqdm.std import tqdm

    assert type(bar) is tqdm
    bar.close()


def test_outside_a_kernel_the_default_bar_follows_the_terminal(monkeypatch):
    monkeypatch.setitem(sys.modules, "IPython", types.SimpleNamespace(get_ipython=lambda: None))
    monkeypatch.setattr(sys.stderr, "isatty", lambda: False, raising=False)
    assert not _progress.in_jupyter()
    assert _progress.progress_bar(None, 10, "x") is None


def _stop_at_second_chunk(monkeypatch):
    """engine.advance as it is, but the second call raises KeyboardInterrupt (the notebook's stop button)."""
    from brainnet_cb.simulation import engine

    real, calls = engine.advance, []

    def advance(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(engine, "advance", advance)
    return calls


@pytest.mark.parametrize("batched", [False, True])
def test_a_stopped_run_closes_its_bar_and_the_next_run_works(monkeypatch, batched):
    """The bar of a run stopped mid-way stayed open (the traceback keeps it alive), so every later bar in
    the kernel was drawn one line down, with cursor-up escapes a notebook prints as text."""
    from tqdm.std import tqdm

    real = _progress.importlib.util.find_spec
    monkeypatch.setattr(_progress.importlib.util, "find_spec",  # no ipywidgets: the plain text bar
                        lambda name, *a: None if name == "ipywidgets" else real(name, *a))
    conn = bn.load_atlas("tvb76")
    kw = dict(duration=40.0, dt=0.1, coupling=bn.Linear(G=0.5), chunk_steps=100, progress=True, key=0)
    run = ((lambda: bn.simulate_batch(bn.CoombesByrne(eta=2.0), conn, batch={"G": [0.3, 0.5]}, vectorize=False,
                                      **kw)) if batched else (lambda: bn.simulate(bn.CoombesByrne(eta=2.0), conn, **kw)))
    open_before = len(tqdm._instances)
    with monkeypatch.context() as m:
        calls = _stop_at_second_chunk(m)
        with pytest.raises(KeyboardInterrupt) as stopped:  # kept, as IPython keeps sys.last_traceback
            run()
        assert len(calls) == 2
    assert len(tqdm._instances) == open_before, stopped.traceback[-1]
    ds = run()
    assert ds.r.sizes["time"] == 40 and np.isfinite(ds.r).all()


@pytest.mark.parametrize("call", ["fc", "fcd", "bandpass", "jax bandpass"])
def test_a_short_record_warning_points_at_the_callers_line(call):
    """A fixed stacklevel=4 was right for bn.fc only: from bn.sweep a notebook showed
    brainnet_cb/fitting/sweep_summaries.py:226, from analysis_jax.bandpass a line above the caller's."""
    t = np.arange(40) * 2.0
    x = xr.DataArray(np.random.default_rng(0).standard_normal((40, 5)), dims=("time", "region"),
                     coords={"time": ("time", t, {"units": "s"}), "region": list("abcde")}, name="bold")
    run = {"fc": lambda: bn.fc(x, band=True), "fcd": lambda: bn.fcd(x, band=True), "bandpass": lambda: bn.bandpass(x),
           "jax bandpass": lambda: bn.analysis_jax.bandpass(x.values, 2.0)}[call]
    with pytest.warns(bn.ShortRecordWarning) as record:
        run()
    assert {(w.filename, w.lineno) for w in record} == {(__file__, run.__code__.co_firstlineno)}


def test_a_glass_brain_frame_warning_points_at_the_callers_line():
    """Library warnings take caller_stacklevel() (the first frame outside brainnet_cb), not a fixed depth."""
    atlas = bn.load_atlas("tvb76")  # ALS centres, given as plain coordinates: drawn as RAS, with a warning
    conn = atlas.replace(name="mine", centres=np.asarray(atlas.centres))
    with pytest.warns(UserWarning, match="drawn rotated or mirrored") as record:
        line = sys._getframe().f_lineno + 1
        bn.glass_brain(conn)
    assert [(w.filename, w.lineno) for w in record if "mirrored" in str(w.message)] == [(__file__, line)]


def test_a_summary_counts_nan_and_inf_entries():
    """A NaN among the values read as '<76 values in [1, 2]>', and all NaN or all inf as '<76 float64 values>':
    the summary hid exactly what a user checking a parameter needs to see."""
    eta = np.linspace(1.0, 2.0, 76)
    eta[3] = np.nan
    assert repr(bn.CoombesByrne(eta=eta)) == "CoombesByrne(Delta=1.0, eta=<76 values in [1, 2], 1 NaN>, k=1.0, v_syn=-4.0)"
    eta[[5, 6]] = [np.inf, -np.inf]
    assert "eta=<76 values in [1, 2], 1 NaN, 2 inf>" in repr(bn.CoombesByrne(eta=eta))
    assert "eta=<76 values, 76 NaN>" in repr(bn.CoombesByrne(eta=np.full(76, np.nan)))
    assert "G=<3x3 values, 9 inf>" in repr(bn.Linear(G=np.full((3, 3), np.inf)))


def test_regional_noise_is_summarised_as_a_models_parameters():
    """Additive(v=<76 values>) printed all 76 amplitudes (and so did a Simulation holding it), where the
    quickstart says noise prints as one short line; a few amplitudes are still listed, exactly."""
    assert repr(bn.Additive(v=np.linspace(0.01, 0.05, 76))) == "Additive(v=<76 values in [0.01, 0.05]>)"
    assert repr(bn.OrnsteinUhlenbeck(tau=[5.0, 6.0], v=0.1)) == "OrnsteinUhlenbeck(tau=[5.0, 6.0], v=0.1)"
    assert repr(bn.Additive(v=[0.05, 0.1])) == "Additive(v=[0.05, 0.1])"


def test_a_runs_noise_attribute_still_lists_every_amplitude():
    """The attribute is the checkpoint's summary of the noise: summarised like the repr, a checkpoint written
    before would no longer resume ("noise: checkpoint Additive(v=[0.01, ...]); this run Additive(v=<76 ...>)")."""
    v = np.linspace(0.01, 0.05, 76)
    ds = bn.simulate(bn.CoombesByrne(eta=-5.0), bn.load_atlas("tvb76"), duration=1.0, dt=0.1,
                     noise=bn.Additive(v=v), key=0, monitors=[bn.Raw()])
    assert ds.attrs["noise"] == f"Additive(v={v.tolist()})"


def test_a_namedtuple_or_dict_subclass_keeps_its_own_repr():
    """short_repr spelled a namedtuple as a bare tuple and an OrderedDict as a dict: the type was lost."""
    import collections

    from brainnet_cb._pytree import short_repr

    Pair = collections.namedtuple("Pair", "lo hi")
    assert short_repr(Pair(1.0, 2.0)) == "Pair(lo=1.0, hi=2.0)"
    assert short_repr(collections.OrderedDict(a=1)) == repr(collections.OrderedDict(a=1))  # 'OrderedDict(...)'
    assert short_repr((np.arange(5.0),)) == "(<5 values in [0, 4]>,)"
