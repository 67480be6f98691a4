"""Configuration values given wrongly, one case of each kind of mistake and every case that was refused badly.

``benchmarks/cli_config_fuzz.py`` gives every key of ``brainnet-cb run``, ``sweep`` and ``fit`` (and the
parameters of every model, the noise and coupling kinds) wrong values: 2,327 cases. Before, 166 of them were
refused without naming the key (a model's ``CoombesByrne.eta must be finite``, a monitor's ``TemporalAverage period
... use e.g. period=0.2 ms``, ``cannot write ...``), with no allowed range (``allowed: eta.``), or not at all: a
sweep ran ``G = [-1.0]``, ``G = [nan]``, ``speed = [0.0]`` or ``seed = [1.5]``, a fit started from ``initial = inf``
or compiled before it found that it cannot fit the seed, or the speed by gradient.
Each is refused now as every value is: naming the key, the value and what is allowed, before anything compiles
(the computation is replaced here by a function that fails the test if reached).
"""

import dataclasses

import pytest

import brainnet_cb as bn
from brainnet_cb import cli
from brainnet_cb.cli import run_output
from brainnet_cb.fitting import fit as fitting
from brainnet_cb.fitting import sweep as sweep_module
from brainnet_cb.nodes import get_model, list_models


@pytest.fixture
def no_computation(monkeypatch, tmp_path):
    """The run, the sweep and the fits fail the test if a refused configuration reaches them."""

    def never(*args, **kwargs):
        raise AssertionError("the command reached its computation")

    for module, name in ((run_output, "run_to_netcdf"), (sweep_module, "sweep"), (fitting, "fit_gradient"),
                         (fitting, "fit_grid"), (bn, "fit_working_point")):
        monkeypatch.setattr(module, name, never)
    monkeypatch.chdir(tmp_path)  # the outputs' default paths


def _refusal(tmp_path, capsys, command, text):
    """The one-line refusal of ``brainnet-cb COMMAND FILE`` for a file of ``text``, its path written ``CASE``."""
    path = tmp_path / "case.toml"
    path.write_text(text)
    assert cli.main([command, str(path), "--quiet"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    last = captured.err.splitlines()[-1]
    assert last.startswith("brainnet-cb: error: ")
    return last.removeprefix("brainnet-cb: error: ").replace(str(path), "CASE")


#: One case of each kind of mistake (command, file, refusal): each names the key, the value and the fix.
REPRESENTATIVE = [
    # the wrong type: a string, TOML's true (a Python int), a list or a table for a number; a number for a string
    ("run", '[run]\nduration = "1.0"\n', 'CASE:2: run.duration = "1.0" has the wrong type (string); expected a '
     "number (ms)."),
    ("run", "[run]\ndt = true\n", "CASE:2: run.dt = true has the wrong type (boolean); expected a number (ms)."),
    ("run", "[coupling]\nG = [1.0]\n", "CASE:2: coupling.G = [1.0] has the wrong type (list); expected a number."),
    ("run", "[run]\nseed = {a = 1}\n", "CASE:2: run.seed = {a = 1} has the wrong type (table); expected an "
     "integer."),
    ("run", "[run]\nseed = 2.0\n", "CASE:2: run.seed = 2.0 has the wrong type (number); expected an integer."),
    ("run", "[run]\nmethod = 1\n", "CASE:2: run.method = 1 has the wrong type (integer); expected a string."),
    ("run", "[output]\nfigure = 1\n", "CASE:2: output.figure = 1 has the wrong type (integer); expected true or "
     "false."),
    ("run", "[monitors.activity]\nvariables = [1]\n", "CASE:2: monitors.activity.variables = [1] has the wrong "
     "type (list); expected a list of strings."),
    ("run", "[monitors]\nbold = true\n", "CASE:2: monitors.bold = true has the wrong type (boolean); expected a "
     "table."),
    # out of range: negative, zero where it is open, nan, inf, huge
    ("run", "[monitors.bold]\ntr = -1.0\n", "CASE:2: monitors.bold.tr = -1.0 is out of range; allowed: "
     "0 < tr <= 1000000 (ms)."),
    ("run", "[run]\ndt = 0.0\n", "CASE:2: run.dt = 0.0 is out of range; allowed: 0 < dt <= 10 (ms)."),
    ("run", "[run]\nduration = nan\n", "CASE:2: run.duration = nan is out of range; allowed: 0 < duration <= "
     "1e+08 (ms)."),
    ("run", "[coupling]\nspeed = inf\n", "CASE:2: coupling.speed = inf is out of range; allowed: 0 < speed <= "
     "1000000 (mm/ms)."),
    ("run", "[run]\nduration = 1e30\n", "CASE:2: run.duration = 1e+30 is out of range; allowed: 0 < duration <= "
     "1e+08 (ms)."),
    ("fit", "[fit]\nseeds = 0\n", "CASE:2: fit.seeds = 0 is out of range; allowed: 1 <= seeds <= 1000."),
    ("run", "[noise]\nv = -0.1\n", "CASE:2: noise.v = -0.1 is out of range; allowed: 0 <= v < inf."),
    ("run", '[noise]\nkind = "OrnsteinUhlenbeck"\ntau = 0.0\nv = 0.1\n', "CASE:3: noise.tau = 0.0 is out of "
     "range; allowed: 0 < tau < inf (ms)."),
    # a misspelt key at every level, with the nearest allowed one
    ("run", "[rnu]\nduration = 5.0\n", "CASE:1: unknown key 'rnu' (did you mean 'run'?); allowed keys in the top "
     "level: run, connectome, model, coupling, noise, monitors, output."),
    ("run", "[monitors.bold]\ntrr = 720.0\n", "CASE:2: unknown key 'monitors.bold.trr' (did you mean 'tr'?); "
     "allowed keys in [monitors.bold]: enabled, tr, discard, preset, variable."),
    ("run", "[model.parameters]\netaa = 1.0\n", "CASE:2: unknown key 'model.parameters.etaa' (did you mean "
     "'eta'?); allowed keys in [model.parameters] (parameters of CoombesByrne): Delta, eta, k, v_syn."),
    ("run", "[run]\nDT = 0.1\n", "CASE:2: unknown key 'run.DT' (did you mean 'dt'?); allowed keys in [run]: "
     "duration, dt, method, seed, dtype."),
    ("fit", '[fit]\nmethod = "grid"\nparameter = "g"\n', "CASE:3: fit.parameter = \"g\" is not a parameter of the "
     "run (did you mean 'G'?); choose a parameter of CoombesByrne, of the Linear coupling, speed, seed or "
     "noise_<state>: Delta, eta, k, v_syn, G, speed, seed, noise_r, noise_v."),
    ("run", "[noise]\nvv = 0.1\n", "CASE:2: unknown key 'noise.vv' (did you mean 'v'?); allowed keys in [noise] "
     "(kind, tau and the state variables of CoombesByrne): kind, tau, r, v."),
    # a wrong choice: another case, a misspelling, an atlas that does not exist, an empty string
    ("run", '[run]\nmethod = "Heun"\n', 'CASE:2: run.method = "Heun" is not allowed (did you mean "heun"?); '
     'allowed: "euler", "heun", "rk2", "rk4", "exp_euler".'),
    ("run", '[connectome]\nnormalize = "row-sum"\n', 'CASE:2: connectome.normalize = "row-sum" is not allowed '
     '(did you mean "row_sum"?); allowed: "max", "row_sum", "none".'),
    ("run", '[run]\ndtype = ""\n', 'CASE:2: run.dtype = "" is not allowed; allowed: "float32", "float64".'),
    ("run", '[coupling]\nkind = "diffusive"\n', 'CASE:2: coupling.kind = "diffusive" is not allowed (did you mean '
     '"Diffusive"?); allowed: "Linear", "Diffusive", "Conductance".'),
    ("run", 'noise = {kind = "additive", v = 0.1}\n', 'CASE:1: noise.kind = "additive" is not allowed (did you '
     'mean "Additive"?); allowed: "Additive", "OrnsteinUhlenbeck".'),
    # empty lists
    ("fit", '[fit]\nmethod = "grid"\nvalues = []\n', "CASE:3: fit.values = [] is empty; expected a non-empty list "
     "of numbers, e.g. fit.values = [0.5, 1.0]."),
    ("sweep", "[sweep.grid]\nG = []\n", "CASE:2: sweep.grid.G = [] is empty; give the values to sweep, e.g. "
     "sweep.grid.G = [0.5, 1.0]."),
    # a path that does not exist, or is a folder
    ("run", '[connectome]\nweights = "."\n', "connectome.weights = '.' is a folder ('{folder}'); give the path "
     "of a file in it."),
    # a key set twice, a table declared twice (TOML refuses both; the refusal names the key and both lines)
    ("run", "[run]\ndt = 0.1\ndt = 0.2\n", "CASE:3: run.dt is set twice (lines 2 and 3); TOML allows it once: "
     "keep one of them."),
    ("run", "[run]\ndt = 0.1\n[noise]\nv = 0.1\n[run]\nseed = 1\n", "CASE:5: the table [run] is declared twice "
     "(lines 1 and 5); TOML allows it once: keep one [run] table, with all its keys."),
    ("run", "noise = {v = 0.1, v = 0.2}\n", "CASE:1: noise.v is set twice (line 1); TOML allows it once: keep one "
     "of them."),
]

#: Every case that was refused badly or not at all before, beside those of the models' parameters (below).
WERE_BAD = [
    # a missing folder of the output, named as a processing error ("cannot write ..."), not by key
    ("run", '[output]\npath = "no_such_folder/out.nc"\n', "the output path (output.path) 'no_such_folder/out.nc' "
     "cannot be written: the folder 'no_such_folder' does not exist; create it first or choose another path."),
    ("sweep", '[sweep]\npath = "no_such_folder/out.nc"\n', "the output path (sweep.path) 'no_such_folder/out.nc' "
     "cannot be written: the folder 'no_such_folder' does not exist; create it first or choose another path."),
    ("fit", '[fit]\npath = "no_such_folder/out.nc"\n', "the output path (fit.path) 'no_such_folder/out.nc' "
     "cannot be written: the folder 'no_such_folder' does not exist; create it first or choose another path."),
    # a monitor's period: the Python API's words ("TemporalAverage period ... use e.g. period=0.2 ms")
    ("run", "[monitors.activity]\nperiod = 0.01\n", "monitors.activity.period = 0.01 ms is not a whole multiple of "
     "run.dt = 0.2 ms; set monitors.activity.period = 0.2 (or a run.dt that divides it)."),
    ("run", "[monitors.eeg]\nperiod = 0.01\n", "monitors.eeg.period = 0.01 ms is not a whole multiple of run.dt = "
     "0.2 ms; set monitors.eeg.period = 0.2 (or a run.dt that divides it)."),
    ("run", "[monitors.bold]\ntr = 0.01\n", "monitors.bold.tr = 0.01 ms is not a whole multiple of run.dt = 0.2 ms; "
     "set monitors.bold.tr = 0.2 (or a run.dt that divides it)."),
    ("run", "[monitors.activity]\nperiod = 700000.0\n", "monitors.activity.period = 700000 ms is not a whole "
     "multiple of monitors.bold.tr = 720 ms, the next shorter period (the monitors sample on nested clocks); set "
     "monitors.activity.period = 699840, or a monitors.bold.tr that divides it."),
    # a sweep's values: run as given (G = -1, a speed of 0, a seed of 1.5), by the range of the key that sets them
    ("sweep", "[sweep.grid]\nG = [nan]\n", "CASE:2: sweep.grid.G = [nan] holds nan, which is not a finite number; "
     "allowed: 0 <= G <= 1000000."),
    ("sweep", "[sweep.grid]\nG = [inf]\n", "CASE:2: sweep.grid.G = [inf] holds inf, which is not a finite number; "
     "allowed: 0 <= G <= 1000000."),
    ("sweep", "[sweep.grid]\nG = [-1.0]\n", "CASE:2: sweep.grid.G = [-1.0] holds -1.0, which is out of range; "
     "allowed: 0 <= G <= 1000000."),
    ("sweep", "[sweep.grid]\nG = [1.0, 1.0]\n", "CASE:2: sweep.grid.G = [1.0, 1.0] holds 1.0 twice; give each "
     "value once."),
    ("sweep", "[sweep.grid]\nG = [0.5, 1, 1.0]\n", "CASE:2: sweep.grid.G = [0.5, 1, 1.0] holds 1.0 twice; give "
     "each value once."),
    ("sweep", "[sweep.grid]\nDelta = [-1.0]\n", "CASE:2: sweep.grid.Delta = [-1.0] holds -1.0, which is out of "
     "range; allowed: 0 <= Delta < inf."),
    ("sweep", "[sweep.grid]\neta = [[1.0, nan]]\n", "CASE:2: sweep.grid.eta = [[1.0, nan]] holds nan, which is not "
     "a finite number; allowed: -inf < eta < inf."),
    ("sweep", "[sweep.grid]\nspeed = [-1.0]\n", "CASE:2: sweep.grid.speed = [-1.0] holds -1.0, which is out of "
     "range; allowed: 0 < speed <= 1000000 (mm/ms)."),
    ("sweep", "[sweep.grid]\nspeed = [0.0]\n", "CASE:2: sweep.grid.speed = [0.0] holds 0.0, which is out of range; "
     "allowed: 0 < speed <= 1000000 (mm/ms)."),
    ("sweep", "[sweep.grid]\nseed = [1.5]\n", "CASE:2: sweep.grid.seed = [1.5] holds 1.5 (number); expected a "
     "non-empty list of integers."),
    ("sweep", "[sweep.grid]\nseed = [-1]\n", "CASE:2: sweep.grid.seed = [-1] holds -1, which is out of range; "
     "allowed: 0 <= seed <= 9223372036854775807."),
    ("sweep", "[sweep.grid]\nnoise_v = [-0.1]\n", "CASE:2: sweep.grid.noise_v = [-0.1] holds -0.1, which is out of "
     "range; allowed: 0 <= noise_v < inf."),
    # a fit's values and starting point, by the range of the fitted parameter
    ("fit", '[fit]\nmethod = "grid"\nvalues = [-1.0, 1.0]\n', "CASE:3: fit.values = [-1.0, 1.0] holds -1.0, which "
     "is out of range; allowed: 0 <= G <= 1000000."),
    ("fit", '[fit]\nmethod = "gradient"\ninitial = -1.0\n', "CASE:3: fit.initial = -1.0 is out of range; allowed: "
     "0 <= G <= 1000000."),
    ("fit", '[fit]\nmethod = "gradient"\ninitial = 1e308\n', "CASE:3: fit.initial = 1e+308 is out of range; "
     "allowed: 0 <= G <= 1000000."),
    ("fit", '[fit]\nmethod = "gradient"\ninitial = -inf\n', "CASE:3: fit.initial = -inf is out of range; allowed: "
     "-inf < initial < inf."),
    ("fit", "[fit]\ninitial = inf\n", "CASE:2: fit.initial = inf is out of range; allowed: -inf < initial < inf."),
    ("fit", "[fit]\ninitial = nan\n", "CASE:2: fit.initial = nan is out of range; allowed: -inf < initial < inf."),
    # a parameter the fit's method cannot fit: found after the fit had compiled its first program
    ("fit", '[fit]\nmethod = "gradient"\nparameter = "speed"\n', 'CASE:3: fit.parameter = "speed" cannot be fitted '
     'by gradient (it changes integer delays); set fit.method = "grid" to fit it on fit.values.'),
    ("fit", '[fit]\nmethod = "grid"\nparameter = "seed"\n', 'CASE:3: fit.parameter = "seed" is the random seed, '
     "which no fit can choose (the best seed is the luckiest noise, not a better model); set run.seed, or sweep "
     "seeds (sweep.grid.seed with brainnet-cb sweep) to see how much the results vary."),
    ("fit", '[fit]\nmethod = "grid"\nparameter = "eta"\nvalues = [0.0, inf]\n', "CASE:4: fit.values = [0.0, inf] "
     "holds inf, which is not a finite number; expected a non-empty list of finite numbers."),
]


@pytest.mark.parametrize("command, text, message", REPRESENTATIVE + WERE_BAD)
def test_a_wrong_value_is_refused_by_key_value_and_fix(tmp_path, capsys, no_computation, command, text, message):
    assert _refusal(tmp_path, capsys, command, text) == message.replace("{folder}", str(tmp_path))


def _model_cases():
    """Every parameter of every model, infinite either way or nan, alone or in a per-region list: refused by the
    model once it was built (``CoombesByrne.eta must be finite; got inf.``, no key), or run by a fit (the working
    point took ``eta = inf``), or said to be allowed as ``eta.``."""
    for model in list_models():
        cls = get_model(model)
        for f in dataclasses.fields(cls):
            lo, _ = cls.param_ranges.get(f.name, (-float("inf"), float("inf")))
            allowed = f"{lo:g} <= {f.name} < inf" if lo > -float("inf") else f"-inf < {f.name} < inf"
            for value in ("inf", "-inf", "nan", "[1.0, nan]"):
                if value == "-inf" and lo > -float("inf"):
                    continue  # below the range, as any negative number (a case of its own)
                said = (f"holds nan, which is not a finite number; allowed: {allowed}." if value.startswith("[")
                        else f"is out of range; allowed: {allowed}.")
                yield pytest.param(model, f.name, value, said, id=f"{model}.{f.name}={value}")


@pytest.mark.parametrize("model, name, value, said", list(_model_cases()))
def test_a_model_parameter_that_is_not_finite_is_refused_by_key(tmp_path, capsys, no_computation, model, name,
                                                               value, said):
    state = get_model(model).states[0]
    text = f'[model]\nname = "{model}"\n[noise]\n{state} = 0.01\n[model.parameters]\n{name} = {value}\n'
    assert _refusal(tmp_path, capsys, "run", text) == f"CASE:6: model.parameters.{name} = {value} {said}"


def test_a_fit_refuses_an_infinite_model_parameter_before_the_working_point(tmp_path, capsys, no_computation):
    # was: the working point's fit ran with eta = inf (it builds no Simulation, whose model refused it)
    text = "[model.parameters]\neta = inf\n"
    assert _refusal(tmp_path, capsys, "fit", text) == ("CASE:2: model.parameters.eta = inf is out of range; "
                                                        "allowed: -inf < eta < inf.")


def test_values_inside_the_ranges_still_reach_the_computation(tmp_path, capsys, monkeypatch):
    """The checks refuse nothing a sweep may run: per-region rows, the ends of a key's range, integer seeds."""
    seen = {}

    def sweep(spec, grid, **kwargs):
        seen.update(grid)
        raise bn.SweepError("stopped here")

    monkeypatch.setattr(sweep_module, "sweep", sweep)
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "ok.toml"
    path.write_text("[sweep.grid]\nG = [0.0, 1000000.0]\nseed = [0, 9223372036854775807]\n"
                    "eta = [-1.0, [" + ", ".join(["0.5"] * 76) + "]]\n")
    assert cli.main(["sweep", str(path), "--quiet"]) == 2
    assert capsys.readouterr().err.splitlines()[-1] == "brainnet-cb: error: stopped here"
    assert seen == {"G": [0.0, 1000000.0], "seed": [0, 9223372036854775807], "eta": [-1.0, [0.5] * 76]}
