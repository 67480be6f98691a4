"""Every configuration key of ``brainnet-cb run``, ``sweep`` and ``fit``, given wrongly: is each refusal clear?

Not a benchmark: a survey of the command line's refusals. The cases come from the schema that
``--print-config`` writes (every key of the three commands, the parameters of every model, every noise kind and
coupling kind): a value of the wrong type (a string for a number, a number for a string, a list or a table for a
scalar, TOML's ``true`` for a number), out of range (negative, zero, ``nan``, ``inf``, huge), a misspelt key at every
level, a misspelt choice, an empty string or list, a path that does not exist or is a folder, a duplicate key.
Each runs through ``brainnet_cb.cli.main([command, file])`` in this process, with the computation itself (the run,
the sweep, the fit) replaced by a stub that stops the command where it would start computing. An outcome is

- ``good``: exit status 2 and a one-line ``brainnet-cb: error:`` that names the key (dotted, e.g.
  ``monitors.bold.tr``), before the stub was reached;
- ``unnamed``: refused, but the message does not name the key;
- ``traceback``: an exception other than the command's own errors escaped ``main``;
- ``accepted``: the command went on to compute with the wrong value (silently accepted nonsense).

A few cases are expected to get through (:data:`EXPECTED`); one of them, a sweep's or fit's [output] key that an
earlier ``--print-config`` wrote (``output.path = "brainnet_cb_run.nc"``), with a one-line ``brainnet-cb: warning:``
that names the key (``unnamed`` without it).

Usage::

    python benchmarks/cli_config_fuzz.py            # the counts and every case that is not good
    python benchmarks/cli_config_fuzz.py --all      # every case and its message
    python benchmarks/cli_config_fuzz.py --only run.dt
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import io
import os
import pathlib
import re
import sys
import tempfile
import traceback

import brainnet_cb  # noqa: F401 - imported before the stubs
from brainnet_cb.cli import main
from brainnet_cb.cli.config_schema import PRINTED_OUTPUT, FitConfig, OutputSection, RunConfig, SweepConfig
from brainnet_cb.cli.config_toml import toml_value


class Reached(Exception):
    """The command reached its computation."""


@contextlib.contextmanager
def stubs():
    """The run, the sweep and the fits replaced by :class:`Reached`."""
    import brainnet_cb as bn
    from brainnet_cb.cli import run_output
    from brainnet_cb.fitting import fit, sweep

    def stop(*args, **kwargs):
        raise Reached

    saved = [(run_output, "run_to_netcdf"), (sweep, "sweep"), (fit, "fit_gradient"), (fit, "fit_grid"),
             (bn, "fit_working_point")]
    old = [getattr(m, n) for m, n in saved]
    for m, n in saved:
        setattr(m, n, stop)
    try:
        yield
    finally:
        for (m, n), o in zip(saved, old):
            setattr(m, n, o)


@contextlib.contextmanager
def compile_trap():
    """The computation kept, stopped at its first compiled program (``--real``): what the computing functions
    refuse themselves, before compiling, counts as refused; the name of the program that stopped it is kept."""
    import logging

    import jax

    class Trap(logging.Handler):
        def emit(self, record):
            text = record.getMessage()
            if text.startswith("Compiling "):
                name = text.split(" ")[1]
                inner = name.removeprefix("jit(").removesuffix(")")
                if inner not in EAGER and not inner.startswith("_"):
                    raise Reached(name)

    logger = logging.getLogger("jax")
    handler = Trap()
    old = jax.config.jax_log_compiles
    jax.config.update("jax_log_compiles", True)
    logger.addHandler(handler)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        jax.config.update("jax_log_compiles", old)


def _eager():
    import jax

    return set(dir(jax.numpy)) | set(dir(jax.lax)) | set(dir(jax.random))


#: The programs of one jax.numpy, lax or random operation (run eagerly on the host while checking): not the
#: computation, which compiles programs of its own names (``advance``, ``stage``, ``initial_carry``, ...).
EAGER = _eager()


# --- the cases ---------------------------------------------------------------------------

#: Cases that are not refused when the configuration is read, and why that is right: the computing function refuses
#: them itself, naming the key and before it compiles (``--real`` shows it); the command does not use the key; or
#: the value lies within the key's documented range.
EXPECTED = {"recipe": "refused by the computing function, by key, before it compiles (see --real)",
            "ignored": "a key this command (or this fit.method) does not use",
            "allowed": "within the key's documented range",
            "legacy": "a key this command does not use, as an earlier --print-config wrote it (or a fit's figure = "
                      "false, what the fit does): a warning names it"}
COMMANDS = {"run": RunConfig, "sweep": SweepConfig, "fit": FitConfig}
PATH_KEYS = {"connectome.file", "connectome.weights", "connectome.lengths", "connectome.labels",
             "sweep.empirical", "fit.empirical", "fit.test"}
OUTPUT_KEYS = {"output.path", "sweep.path", "fit.path"}


@dataclasses.dataclass
class Case:
    command: str
    key: str  # the dotted key the refusal must name
    text: str  # the TOML file
    what: str  # what is wrong
    expect: str = "refuse"  # or "recipe", "ignored", "allowed", "legacy": see EXPECTED


def _leaves(obj, prefix=""):
    """``(dotted key, field, value)`` of every key of a configuration object (tables of dicts included)."""
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        if f.metadata.get("section"):
            yield from _leaves(value, prefix + f.name + ".")
        else:
            yield prefix + f.name, f, value


def _setting(key, value_text):
    """A TOML file that sets dotted ``key`` to the TOML ``value_text`` (its table header, then the key)."""
    table, _, name = key.rpartition(".")
    return (f"[{table}]\n" if table else "") + f"{name} = {value_text}\n"


def _misspelt(name):
    return name[:-1] if len(name) > 3 else name + "x"


def wrong_values(f, value):
    """``(what, TOML text)`` of the wrong values for a field of type ``f.type`` whose default is ``value``."""
    t = f.type if isinstance(f.type, str) else f.type.__name__
    meta = f.metadata
    out = [("a table", "{a = 1}")]
    if t == "float":
        out += [("a string", '"1.0"'), ("true", "true"), ("a list", "[1.0]"), ("nan", "nan"), ("inf", "inf"),
                ("-inf", "-inf"), ("empty string", '""')]
        if meta.get("lo") is not None:
            out += [("below its range", toml_value(float(meta["lo"]) - 1.0))]
            if meta.get("lo_open"):
                out += [("its open lower bound", toml_value(float(meta["lo"])))]
        else:
            out += [("-1e308", "-1e308")]
        out += [("above its range" if meta.get("hi") is not None else "1e308",
                 toml_value(float(meta["hi"]) * 10 + 1) if meta.get("hi") is not None else "1e308")]
    elif t == "int":
        out += [("a string", '"3"'), ("true", "true"), ("a float", "1.5"), ("a whole float", "2.0"),
                ("a list", "[1]"), ("nan", "nan"), ("inf", "inf"), ("-1", "-1"),
                ("beyond 64 bits, as a float", "1e30")]
        if meta.get("lo") is not None and meta["lo"] > 0:
            out += [("zero", "0")]
    elif t == "bool":
        out += [("1", "1"), ("0", "0"), ('"true"', '"true"'), ("a list", "[true]"), ("empty string", '""')]
    elif t == "str":
        out += [("a number", "1"), ("true", "true"), ("a list", '["x"]'), ("a float", "0.5")]
        choices = meta.get("choices")
        choices = choices() if callable(choices) else choices
        if choices:
            first = next(c for c in choices if c)
            out += [("a misspelt choice", f'"{_misspelt(first)}"')]
            if first.upper() != first:
                out += [("another case", f'"{first.upper()}"')]
            if "" not in choices:
                out += [("empty string", '""')]
            out += [("padded with spaces", f'" {first} "')]
    elif t == "list":
        if meta.get("items") == "number":
            out += [("a string", '"1.0"'), ("a number", "1.0"), ("empty", "[]"), ("a list of strings", '["a"]'),
                    ("a list of booleans", "[true]"), ("nan in it", "[1.0, nan]"), ("inf in it", "[inf]"),
                    ("a nested list", "[[1.0]]")]
        else:
            out += [("a string", '"r"'), ("a number", "1"), ("a list of numbers", "[1]"), ("a nested list", '[["r"]]'),
                    ("a list of tables", "[{a = 1}]")]
    elif t == "dict":
        out = [("a string", '"x"'), ("a number", "1"), ("a list", "[1.0]"), ("true", "true")]
    return out


#: A JansenRit run's BOLD source (it has no r), and a fit of G by grid (the working point scans eta, which it lacks).
def _own_source(command):
    return '[monitors.bold]\nvariable = "y1"\n' + ('[fit]\nmethod = "grid"\n' if command == "fit" else "")


def _unused_output(default):
    """``(dotted key, field, value)`` of the run's [output] keys that ``default`` (a sweep's, a fit's configuration)
    does not have, as an earlier ``--print-config`` wrote them (:data:`PRINTED_OUTPUT`)."""
    have = {f.name for f in dataclasses.fields(default.output)}
    return [(f"output.{f.name}", f, PRINTED_OUTPUT[f.name]) for f in dataclasses.fields(OutputSection)
            if f.name not in have]


def cases():
    from brainnet_cb.nodes import get_model, list_models

    out = []
    for command, cls in COMMANDS.items():
        default = cls()
        unused = _unused_output(default) if command != "run" else []
        for key, _, value in unused:  # as an earlier --print-config wrote it: warned of
            out.append(Case(command, key, _setting(key, toml_value(value)), "the value --print-config wrote",
                            "legacy"))
        if command == "fit":
            out.append(Case(command, "output.figure", _setting("output.figure", "false"), "no figure (none is written)",
                            "legacy"))
        for key, f, value in [*_leaves(default), *unused]:
            for what, text in wrong_values(f, value):
                if key in ("model.parameters", "noise") and text == "{a = 1}":
                    continue  # a table there is right; its keys below
                out.append(Case(command, key, _setting(key, text), what))
            if key in PATH_KEYS:
                out.append(Case(command, key, _setting(key, '"no_such_file.npy"'), "a missing file"))
                out.append(Case(command, key, _setting(key, '"."'), "a folder"))
                out.append(Case(command, key, _setting(key, '"  "'), "blank"))
            if key in OUTPUT_KEYS:
                out.append(Case(command, key, _setting(key, '"no_such_folder/out.nc"'), "a missing folder"))
                out.append(Case(command, key, _setting(key, '"."'), "a folder"))
                out.append(Case(command, key, _setting(key, '"out.txt"'), "not NetCDF"))
                out.append(Case(command, key, _setting(key, '""'), "empty"))
                out.append(Case(command, key, _setting(key, '"  "'), "blank"))
            # a misspelt key beside it
            table, _, name = key.rpartition(".")
            out.append(Case(command, key.rpartition(".")[0] + "." + _misspelt(name) if table else _misspelt(name),
                            _setting(key.rpartition(".")[0] + "." + _misspelt(name) if table else _misspelt(name),
                                     toml_value(value) if not isinstance(value, dict) else "{}"),
                            "a misspelt key"))
            # a duplicate key
            line = _setting(key, toml_value(value) if not isinstance(value, dict) else "{}")
            out.append(Case(command, key, line + line.splitlines()[-1] + "\n", "a duplicate key"))
        # misspelt sections at every level
        for section in [f.name for f in dataclasses.fields(default)] + ["monitors.bold", "monitors.activity",
                                                                        "monitors.eeg"]:
            head, _, name = section.rpartition(".")
            bad = (head + "." if head else "") + _misspelt(name)
            out.append(Case(command, bad, f"[{bad}]\nx = 1\n", "a misspelt table"))
        out.append(Case(command, "run", "run = 1\n", "a number for a table"))
        out.append(Case(command, "monitors.bold", "[monitors]\nbold = true\n", "true for a table"))
        # every model's parameters
        for model in list_models():
            cls_m = get_model(model)
            eg = f'[model]\nname = "{model}"\n[noise]\n{cls_m.states[0]} = 0.01\n'
            eg += _own_source(command) if model == "JansenRit" else ""
            for p in dataclasses.fields(cls_m):
                k = f"model.parameters.{p.name}"
                for what, text in (("a string", '"1.0"'), ("true", "true"), ("nan", "nan"), ("inf", "inf"),
                                   ("a table", "{a = 1}"), ("empty list", "[]"), ("nan in a list", "[1.0, nan]"),
                                   ("a nested list", "[[1.0]]"), ("a list of wrong length", "[1.0, 2.0]"),
                                   ("-inf", "-inf")):
                    out.append(Case(command, k, eg + f"[model.parameters]\n{p.name} = {text}\n", f"{model}: {what}"))
                lo, hi = cls_m.param_ranges.get(p.name, (None, None))
                if lo is not None:
                    out.append(Case(command, k, eg + f"[model.parameters]\n{p.name} = {lo - 1.0}\n",
                                    f"{model}: below its range"))
            out.append(Case(command, "model.parameters.etaa", eg + "[model.parameters]\netaa = 1.0\n",
                            f"{model}: a misspelt parameter"))
            # noise of this model
            for what, text in (("a string", '"0.1"'), ("true", "true"), ("negative", "-0.1"), ("nan", "nan"),
                               ("inf", "inf"), ("a table", "{a = 1}"), ("empty list", "[]"),
                               ("a list of wrong length", "[0.1, 0.2]")):
                out.append(Case(command, f"noise.{cls_m.states[0]}",
                                f'[model]\nname = "{model}"\n[noise]\n{cls_m.states[0]} = {text}\n'
                                + (_own_source(command) if model == "JansenRit" else ""), f"{model}: noise {what}"))
        # the noise table's reserved keys
        for what, text, key in (
                ("kind misspelt", '{kind = "Additve", v = 0.1}', "noise.kind"),
                ("kind a number", "{kind = 1, v = 0.1}", "noise.kind"),
                ("kind other case", '{kind = "additive", v = 0.1}', "noise.kind"),
                ("tau a string", '{kind = "OrnsteinUhlenbeck", tau = "1", v = 0.1}', "noise.tau"),
                ("tau true", '{kind = "OrnsteinUhlenbeck", tau = true, v = 0.1}', "noise.tau"),
                ("tau zero", '{kind = "OrnsteinUhlenbeck", tau = 0.0, v = 0.1}', "noise.tau"),
                ("tau negative", '{kind = "OrnsteinUhlenbeck", tau = -1.0, v = 0.1}', "noise.tau"),
                ("tau nan", '{kind = "OrnsteinUhlenbeck", tau = nan, v = 0.1}', "noise.tau"),
                ("tau inf", '{kind = "OrnsteinUhlenbeck", tau = inf, v = 0.1}', "noise.tau"),
                ("tau a list", '{kind = "OrnsteinUhlenbeck", tau = [1.0], v = 0.1}', "noise.tau"),
                ("tau without OU", "{tau = 1.0, v = 0.1}", "noise.tau"),
                ("OU without tau", '{kind = "OrnsteinUhlenbeck", v = 0.1}', "noise.kind"),
                ("misspelt amplitude", "{vv = 0.1}", "noise.vv")):
            out.append(Case(command, key, f"noise = {text}\n", what))
        for kind in ("Diffusive", "Conductance"):
            out.append(Case(command, "coupling.kind", f'[coupling]\nkind = "{kind.lower()}"\n', "coupling kind case"))
    # the sweep's grid and the fit's parameter
    for what, text, key in (
            ("values a number", "G = 1.0", "sweep.grid.G"), ("values a string", 'G = "1.0"', "sweep.grid.G"),
            ("values empty", "G = []", "sweep.grid.G"), ("values booleans", "G = [true]", "sweep.grid.G"),
            ("values nan", "G = [nan]", "sweep.grid.G"), ("values inf", "G = [inf]", "sweep.grid.G"),
            ("values negative G", "G = [-1.0]", "sweep.grid.G"), ("values a table", "G = {a = 1}", "sweep.grid.G"),
            ("values of strings", 'G = ["a"]', "sweep.grid.G"), ("negative Delta", "Delta = [-1.0]",
                                                                   "sweep.grid.Delta"),
            ("negative speed", "speed = [-1.0]", "sweep.grid.speed"), ("zero speed", "speed = [0.0]",
                                                                         "sweep.grid.speed"),
            ("seed a float", "seed = [1.5]", "sweep.grid.seed"), ("seed negative", "seed = [-1]", "sweep.grid.seed"),
            ("noise negative", "noise_v = [-0.1]", "sweep.grid.noise_v"),
            ("a row of wrong length", "eta = [[1.0, 2.0]]", "sweep.grid.eta"),
            ("a misspelt name", "GG = [1.0]", "sweep.grid.GG"), ("a run key", "dt = [0.1]", "sweep.grid.dt"),
            ("a duplicated value", "G = [1.0, 1.0]", "sweep.grid.G")):
        out.append(Case("sweep", key, f"[sweep.grid]\n{text}\n", what))
    for what, text, key in (
            ("grid of negative G", 'method = "grid"\nvalues = [-1.0, 1.0]', "fit.values"),
            ("grid of nan", 'method = "grid"\nvalues = [nan]', "fit.values"),
            ("gradient from inf", 'method = "gradient"\ninitial = inf', "fit.initial"),
            ("gradient from -inf", 'method = "gradient"\ninitial = -inf', "fit.initial"),
            ("gradient from negative G", 'method = "gradient"\ninitial = -1.0', "fit.initial"),
            ("gradient from 1e308", 'method = "gradient"\ninitial = 1e308', "fit.initial"),
            ("fit a run key", 'method = "grid"\nparameter = "dt"', "fit.parameter"),
            ("fit a misspelt parameter", 'method = "grid"\nparameter = "g"', "fit.parameter"),
            ("fit an empty parameter", 'method = "grid"\nparameter = ""', "fit.parameter"),
            ("a gradient of the speed", 'method = "gradient"\nparameter = "speed"\ninitial = 3.0', "fit.parameter"),
            ("a gradient of the seed", 'method = "gradient"\nparameter = "seed"\ninitial = 1.0', "fit.parameter"),
            ("a grid of the seed", 'method = "grid"\nparameter = "seed"', "fit.parameter"),
            ("working point with fractions <= 0", "fractions = [-1.0, 0.5]", "fit.fractions"),
            ("working point with inf excitability", "excitability = [inf]", "fit.excitability"),
            ("working point with negative exponents", "weight_exponents = [-1.0]", "fit.weight_exponents"),
            ("working point with negative homotopic weights", "homotopic_weights = [-1.0]", "fit.homotopic_weights"),
            ("working point with 1e308 scales", 'heterogeneity = "strength"\nheterogeneity_scales = [1e308]',
             "fit.heterogeneity_scales")):
        if key:
            expect = ("allowed" if key == "fit.heterogeneity_scales"  # finite: no key bounds the scales (noted, left)
                      else "recipe" if what.startswith("working point") else "refuse")
            out.append(Case("fit", key, f"[fit]\n{text}\n", what, expect))
    for what, text, key in (
            ("signal misspelt", 'signal = "bolt"', "sweep.signal"),
            ("signal empty", 'signal = ""', "sweep.signal"),
            ("empirical hcp80 (not allowed here?)", 'empirical = "hcp80"', "sweep.empirical")):
        out.append(Case("sweep", key, f"[sweep]\n{text}\n", what))
    out.append(Case("run", "run.duration", "[run]\nduration = 0.05\n", "shorter than one step (dt = 0.2)"))
    out.append(Case("run", "run.dt", "[run]\ndt = 5.0\n", "a long step (a StepSizeWarning)", "allowed"))
    out.append(Case("run", "monitors.activity.period", "[monitors.activity]\nperiod = 0.01\n",
                    "a period shorter than dt"))
    out.append(Case("run", "monitors.eeg.period", "[monitors.eeg]\nperiod = 0.01\n", "a period shorter than dt"))
    out.append(Case("run", "monitors.bold.tr", "[monitors.bold]\ntr = 0.01\n", "a TR shorter than dt"))
    out.append(Case("run", "monitors.activity.period", "[monitors.activity]\nperiod = 700000.0\n",
                    "a period longer than the run"))
    out.append(Case("run", "output.regions", "[output]\nregions = 1000\n", "more regions than the atlas has",
                    "allowed"))
    for case in out:
        if (case.command == "fit" and case.key in GRADIENT_GRID_KEYS and "method" not in case.text
                and case.what in ("-1e308", "1e308", "above its range")):
            case.expect = "ignored"  # a finite number the default method (working_point) does not use
    return out


#: The [fit] keys of method = "gradient" or "grid", which method = "working_point" (the default) does not read.
GRADIENT_GRID_KEYS = ("fit.parameter", "fit.initial", "fit.values", "fit.steps", "fit.learning_rate", "fit.loss")


# --- running and classifying -------------------------------------------------------------


def run_case(case, folder):
    path = pathlib.Path(folder) / "case.toml"
    path.write_text(case.text)
    err, out = io.StringIO(), io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
        try:
            status = main([case.command, str(path), "--quiet"])
        except Reached as stop:
            warned = [line for line in err.getvalue().splitlines() if line.startswith("brainnet-cb: warning:")]
            if case.expect == "legacy" and not any(re.search(rf"(?<![\w.]){re.escape(case.key)}(?!\w)", line)
                                                   for line in warned):
                return "unnamed", "accepted without a warning that names the key"
            if case.expect != "refuse":
                return "expected", f"accepted: {EXPECTED[case.expect]}"
            return "accepted", " ".join(map(str, stop.args))
        except Exception as exc:  # noqa: BLE001 - what is surveyed
            return "traceback", "".join(traceback.format_exception_only(exc)).strip()
    lines = [line for line in err.getvalue().splitlines() if line.startswith("brainnet-cb: error:")]
    message = lines[-1].removeprefix("brainnet-cb: error: ") if lines else err.getvalue().strip()
    message = message.replace(str(path), "CASE")
    if status != 2 or not lines:
        return "traceback", f"status {status}: {message}"
    named = re.search(r"(?<![\w.])" + re.escape(case.key) + r"(?![\w])", message) or case.key.endswith(
        tuple(f".{w}" for w in ()))
    if case.what == "a duplicate key":  # TOML itself refuses it, at its line
        named = named or re.search(r"not valid TOML: .*line \d+", message)
    if not named:
        return "unnamed", message
    if not FIX.search(message) or re.search(r"allowed: \w+\.$", message):
        return "no fix", message
    return "good", message


#: Words of a message that says what to do (what is allowed or expected, what to give, set, choose or remove).
FIX = re.compile(r"allowed|expected|[Gg]ive |[Ss]et |[Cc]hoose|did you mean|[Rr]emove|[Uu]se |keep|create|[Pp]ass |"
                 r"[Ww]rite|[Rr]eplace|[Dd]eclare|needs ")


def main_(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--all", action="store_true", help="show every case")
    p.add_argument("--only", help="cases of this key only")
    p.add_argument("--real", action="store_true", help="no stubs: the computing functions check their own inputs, "
                   "and a case stops at the first compiled program of the computation (slow: run it with --only)")
    p.add_argument("--accepted", help="a file of an earlier survey: rerun only the cases it shows accepted")
    a = p.parse_args(argv)
    todo = [c for c in cases() if not a.only or c.key == a.only]
    counts = {}
    cwd = os.getcwd()
    if a.accepted:
        shown = set(re.findall(r"^accepted  (\w+) +(\S+) +.*?\[(.*)\]$", pathlib.Path(a.accepted).read_text(), re.M))
        todo = [c for c in todo if (c.command, c.key, c.text.strip().replace("\n", " | ")) in shown]
    with compile_trap() if a.real else stubs():
        for case in todo:
            with tempfile.TemporaryDirectory() as folder:
                os.chdir(folder)
                try:
                    outcome, message = run_case(case, folder)
                finally:
                    os.chdir(cwd)
            counts[outcome] = counts.get(outcome, 0) + 1
            if a.all or outcome not in ("good", "expected"):
                shown = case.text.strip().replace("\n", " | ")
                print(f"{outcome:9s} {case.command:5s} {case.key:32s} {case.what:28s} [{shown}]\n"
                      f"          -> {message}")
    print(f"{len(todo)} cases: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    bad = sum(v for k, v in counts.items() if k not in ("good", "expected"))
    print(f"bad (accepted, unnamed, no fix, traceback): {bad}")
    return 0


if __name__ == "__main__":
    sys.exit(main_())
