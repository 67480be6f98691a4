"""The bad-input table (issue 14): files, arguments, units, configurations and the command line.

Every case is refused with a :class:`~brainnet_cb.errors.BrainnetError` (the
command line: exit status 2 and one line on stderr) whose message names the
problem (the case's pattern) and a fix (an imperative or the requirement it
breaks), before anything is compiled, and with nothing created, changed or
removed in the case's folder. The cases of tests/simulation/test_bad_input.py,
tests/data/test_io_errors.py, tests/data/test_empirical.py and
tests/cli/test_cli.py are folded in; the rest are new.

A case is ``(id, setup, error, pattern)``: ``setup(tmp)`` writes what the case
needs into ``tmp`` and returns the call; the folder is compared before and
after the call.
"""

import importlib.util
import io
import pathlib
import re
import tempfile
from contextlib import redirect_stderr, redirect_stdout

import brainunit as u
import numpy as np
import pytest
import xarray as xr

import brainnet_cb as bn
from brainnet_cb import cli
from brainnet_cb import io as bio
from brainnet_cb.errors import (
    AnalysisError,
    BrainnetError,
    ConnectomeError,
    DataError,
    MonitorError,
    SimulationError,
    SweepError,
)
from brainnet_cb.simulation import engine

HERE = pathlib.Path(__file__).resolve().parent


def _module(path, name):
    spec = importlib.util.spec_from_file_location(name, HERE / path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_SIM = _module("simulation/test_bad_input.py", "_bad_input_simulation")
_IO = _module("data/test_io_errors.py", "_bad_input_io")
_EMP = _module("data/test_empirical.py", "_bad_input_empirical")
_CLI = _module("cli/test_cli.py", "_bad_input_cli")

#: A message names a fix: an imperative, the requirement the input breaks, or the valid options it lists.
FIX = re.compile(
    r"\b(use|pass|choose|set|give|add|run|lower|save|install|reinstall|call|fix|remove|restrict|write|check|"
    r"record|simulate|align|symmetri[sz]e|select|rename|re-?export|convert|make|keep|drop|resume|start|"
    r"shorten|raise|read|list|see|name)\b|e\.g\.|must|expected|allowed|needs?|only|should|instead|one of|"
    r"did you mean|has states|choose from|variables: \[|keys: \[|its keys are",
    re.IGNORECASE,
)

N3 = np.ones((3, 3)) - np.eye(3)
CONN = bn.Connectome(N3, 20 * N3, labels=["a", "b", "c"])
FC3 = np.array([[1.0, 0.5, 0.2], [0.5, 1.0, 0.1], [0.2, 0.1, 1.0]])


def _sim(**overrides):
    kw = dict(model=bn.CoombesByrne(), connectome=CONN, duration=10.0, dt=0.1)
    kw.update(overrides)
    return lambda: bn.simulate(kw.pop("model"), kw.pop("connectome"), **kw)


def _series(n=40, labels=("a", "b", "c"), dt=0.72):
    x = np.random.default_rng(0).standard_normal((n, len(labels)))
    return bn.as_timeseries(x, dt=dt, labels=list(labels))


def _text(tmp, name, text):
    (tmp / name).write_text(text)
    return tmp / name


def _const(call):
    return lambda tmp: call


# ----------------------------------------------------------------------------- folded-in cases
CASES = [(f"sim: {c[0]}", _const(c[1]), c[2], c[3]) for c in _SIM.CASES]
_ZIP_MEMBERS = {  # the io cases that write their zip inside the call, rebuilt with the zip written first
    "zip_without_weights": {"tract_lengths.txt": _IO._text(_IO.L), "centres.txt": "a 0 0 0\n"},
    "missing_lengths_in_tvb_zip": {"weights.txt": _IO._text(_IO.W)},
    "negative_length_in_zip": {"weights.txt": _IO._text(_IO.W),
                               "tract_lengths.txt": _IO._text(np.where(np.eye(3, k=1) > 0, -5.0, _IO.L))},
    "duplicate_labels_in_zip": {"weights.txt": _IO._text(_IO.W), "tract_lengths.txt": _IO._text(_IO.L),
                                "centres.txt": "a 0 0 0\nb 1 1 1\na 2 2 2\n"},
    "centres_count_mismatch": {"weights.txt": _IO._text(_IO.W), "tract_lengths.txt": _IO._text(_IO.L),
                               "centres.txt": "a 0 0 0\nb 1 1 1\n"},
}


def _io_case(make):
    members = _ZIP_MEMBERS.get(make.__name__[5:])
    if members is None:
        return make
    return lambda tmp: (lambda p: lambda: bio.read_tvb(p))(_IO._zip(tmp / "c.zip", members))


CASES += [(f"io: {make.__name__[5:]}", _io_case(make), ConnectomeError, message) for make, message in _IO.CASES]
with tempfile.TemporaryDirectory() as _scratch:  # the messages only; each case writes its files again
    _EMP_MESSAGES = [message for _, message in _EMP._bad_file_cases(pathlib.Path(_scratch))]
CASES += [(f"empirical: {k}", (lambda k: lambda tmp: _EMP._bad_file_cases(tmp)[k][0])(k), DataError, message)  # noqa: B023 - k is bound by the outer lambda
          for k, message in enumerate(_EMP_MESSAGES)]

# ----------------------------------------------------------------------------- tables (files)
W_ROWS = ["0,1,0", "2,0,3", "0,4,0"]


def _table_case(text, name="w.csv", reader="matrix"):
    def setup(tmp):
        path = _text(tmp, name, text)
        if reader == "matrix":
            return lambda: bio.read_matrix(path, missing_lengths="zero")
        return lambda: bn.read_fc(path)
    return setup


CASES += [
    ("table: text cell in the first row", _table_case("0,n/a,0\n2,0,3\n0,4,0\n"), ConnectomeError,
     r"non-numeric cell 'n/a' at row 1, column 2 \(line 1 of the file; read as a comma-separated table\)"),
    ("table: text cell in the first column", _table_case("0,1,0\nx,0,3\n0,4,0\n"), ConnectomeError,
     r"non-numeric cell 'x' at row 2, column 1"),
    ("table: empty cell", _table_case("0,1,0\n2,,3\n0,4,0\n"), ConnectomeError,
     r"an empty cell at row 2, column 2"),
    ("table: decimal commas in a semicolon csv", _table_case("0;1,5;0\n2,5;0;3\n0;4;0\n"), ConnectomeError,
     r"uses decimal commas \('1,5' at row 1, column 2, line 1; read as a semicolon-separated table\)"),
    ("table: FC with a text cell", _table_case("1,0.5,0.2\n0.5,1,oops\n0.2,0.1,1\n", "fc.csv", "fc"), DataError,
     r"'fc.csv': the FC matrix file has a non-numeric cell 'oops' at row 2, column 3"),
    ("table: FC with decimal commas", _table_case("1;0,5\n0,5;1\n", "fc.csv", "fc"), DataError,
     r"uses decimal commas"),
    ("table: ragged semicolon rows", _table_case("1;0.5;0.2\n0.5;1\n0.2;0.1;1\n", "fc.txt", "fc"), DataError,
     r"ragged rows in the FC matrix: line 2 has 2 values, the first data row has 3"),
    ("table: header of the wrong width", _table_case("a,b\n0,1,0\n2,0,3\n0,4,0\n"), ConnectomeError,
     r"ragged rows in the weights|the header has 2 labels but the rows have 3 values"),
    ("table: header only", _table_case("a,b,c\n"), ConnectomeError, r"has a header but no data rows"),
    ("table: empty file", _table_case("# nothing\n\n"), ConnectomeError, r"the weights file is empty"),
    ("table: binary file", lambda tmp: (lambda p: lambda: bio.read_matrix(p, missing_lengths="zero"))(
        (tmp / "w.csv", (tmp / "w.csv").write_bytes(b"\xff\xfe\x00\x81" * 10))[0]), ConnectomeError,
     r"is not a text file \(it does not decode as UTF-8\)"),
    ("table: non-square weights", _table_case("0,1,0\n2,0,3\n"), ConnectomeError,
     r"weights must be square \(n, n\); got shape \(2, 3\)"),
    ("table: non-square FC", _table_case("1,0.5,0.2\n0.5,1,0.1\n", "fc.csv", "fc"), DataError,
     r"empirical FC must be a square \(n, n\) matrix; got shape \(2, 3\)"),
    ("table: lengths header differs from the weights labels",
     lambda tmp: (lambda w, ln: lambda: bio.read_matrix(w, ln))(
         _text(tmp, "w.csv", ",a,b\na,0,1\nb,1,0\n"), _text(tmp, "l.csv", ",a,c\na,0,1\nc,1,0\n")),
     ConnectomeError, r"the lengths header \['a', 'c'\]\.\.\. differs from the weights labels"),
]

# ----------------------------------------------------------------------------- other files
CASES += [
    ("file: npy holding text", lambda tmp: (np.save(tmp / "w.npy", np.array(["a", "b"], dtype=object),
                                                    allow_pickle=True), lambda: bio.read_matrix(tmp / "w.npy"))[1],
     ConnectomeError, r"cannot be read as a plain \.npy array"),
    ("file: truncated npz connectome", lambda tmp: (
        np.savez(tmp / "c.npz", weights=N3, lengths=N3),
        (tmp / "c.npz").write_bytes((tmp / "c.npz").read_bytes()[:60]),
        lambda: bio.read_npz(tmp / "c.npz"))[2],
     ConnectomeError, r"c\.npz"),
    ("file: npz without weights key", lambda tmp: (np.savez(tmp / "c.npz", W=N3, L=N3),
                                                   lambda: bio.read_npz(tmp / "c.npz"))[1],
     ConnectomeError, r"has no 'weights' array \(keys: \['L', 'W'\]\); pass key=<name of the weights array>"),
    ("file: npz key not in the file", lambda tmp: (np.savez(tmp / "c.npz", weights=N3, lengths=N3),
                                                   lambda: bio.read_npz(tmp / "c.npz", key="SC"))[1],
     ConnectomeError, r"has no array 'SC' \(key=\); its keys are \['lengths', 'weights'\]"),
    ("file: npz key not a string", lambda tmp: (np.savez(tmp / "c.npz", weights=N3, lengths=N3),
                                                lambda: bio.read_npz(tmp / "c.npz", key=0))[1],
     ConnectomeError, r"key must be the name \(str\) of an array"),
    ("file: labels file empty", lambda tmp: (lambda p: lambda: bio.read_matrix(N3, N3, labels=p))(
        _text(tmp, "labels.txt", "\n\n")), ConnectomeError, r"the labels file is empty"),
    ("file: labels file missing", _const(lambda: bio.read_matrix(N3, N3, labels=pathlib.Path("/nonexistent/l.txt"))),
     ConnectomeError, r"labels file not found: '/nonexistent/l\.txt'"),
    ("file: weights path of wrong type", _const(lambda: bio.read_matrix(3.5)), BrainnetError,
     r"weights|3\.5|float"),
    ("file: timeseries non-finite", lambda tmp: (
        np.save(tmp / "ts.npy", np.where(np.eye(40, 3) > 0, np.nan, 1.0)),
        lambda: bn.read_timeseries(tmp / "ts.npy", tr=0.72, layout="time_region"))[1],
     DataError, r"'ts\.npy' holds 3 non-finite values; a time series must be finite"),
    ("file: timeseries 3-D", lambda tmp: (np.save(tmp / "ts.npy", np.ones((4, 3, 2))),
                                          lambda: bn.read_timeseries(tmp / "ts.npy", tr=0.72))[1],
     DataError, r"a time series must be 2-D \(time, region\); got shape \(4, 3, 2\)"),
    ("file: FC npz with pickled objects", lambda tmp: (
        np.savez(tmp / "fc.npz", fc=np.array([1, "a"], dtype=object)),
        lambda: bn.read_fc(tmp / "fc.npz"))[1],
     DataError, r"holds pickled object arrays, which are refused; save plain numeric arrays"),
    ("file: MATLAB v7.3", lambda tmp: (
        (tmp / "fc.mat").write_bytes(b"MATLAB 7.3 MAT-file, HDF5 schema 1.00".ljust(116, b" ") + b"\x00" * 8
                                     + b"\x00\x02IM" + b"\x00" * 512),
        lambda: bn.read_fc(tmp / "fc.mat"))[1],
     DataError, r"'fc\.mat' is a MATLAB v7\.3 \(HDF5\) file, which scipy cannot read; re-save it"),
    ("file: damaged MATLAB file", lambda tmp: ((tmp / "fc.mat").write_bytes(b"\x00\x01garbage" * 20),
                                               lambda: bn.read_fc(tmp / "fc.mat"))[1],
     DataError, r"the MATLAB file '.*fc\.mat' cannot be read"),
    ("file: FC labels contradict the file's", lambda tmp: (
        _text(tmp, "fc.csv", ",a,b,c\na,1,0.5,0.2\nb,0.5,1,0.1\nc,0.2,0.1,1\n"),
        lambda: bn.read_fc(tmp / "fc.csv", labels=["x", "y", "z"]))[1],
     DataError, r"'fc\.csv' names its regions \['a', 'b', 'c'\]\.\.\.; labels= gives \['x', 'y', 'z'\]"),
    ("file: FC row labels differ from column labels", _table_case(",a,b\nb,1,0.5\na,0.5,1\n", "fc.csv", "fc"),
     DataError, r"row labels differ from column labels"),
    ("file: write_npz of a non-connectome", lambda tmp: lambda: bio.write_npz(N3, tmp / "c.npz"),
     ConnectomeError, r"write_npz needs a Connectome; got ndarray"),
    ("file: write_netcdf over an existing file", lambda tmp: (
        (tmp / "run.nc").write_bytes(b"keep"),
        lambda: bn.write_netcdf(xr.Dataset({"r": ("time", [1.0])}), tmp / "run.nc"))[1],
     BrainnetError, r"run\.nc.*exists.*overwrite=True"),
    ("file: write_netcdf into a missing folder",
     lambda tmp: lambda: bn.write_netcdf(xr.Dataset({"r": ("time", [1.0])}), tmp / "no" / "run.nc"),
     BrainnetError, r"does not exist"),
    ("file: resume from a file that is not a checkpoint", lambda tmp: (
        (tmp / "x.npz").write_bytes(b"not a zip file at all"),
        _sim(resume_from=tmp / "x.npz"))[1],
     BrainnetError, r"x\.npz"),
    ("file: resume from a missing checkpoint", lambda tmp: _sim(resume_from=tmp / "none.ckpt.npz"),
     BrainnetError, r"none\.ckpt\.npz"),
]

# ----------------------------------------------------------------------------- arguments
CASES += [
    ("arg: Bold discard drops every volume", _const(_sim(duration=1440.0, monitors=[bn.Bold(tr=720.0, discard=2000.0)])),
     MonitorError, r"Bold discard = 2000 ms drops every volume of a 1440 ms run"),
    ("arg: Bold TR longer than the run", _const(_sim(duration=500.0, monitors=[bn.Bold(tr=720.0)])),
     MonitorError, r"samples every 720 ms, longer than the run \(500 ms\)"),
    ("arg: monitor period longer than the run", _const(_sim(monitors=[bn.TemporalAverage(50.0)])),
     MonitorError, r"TemporalAverage\(period=50.0\) samples every 50 ms, longer than the run \(10 ms\)"),
    ("arg: Bold tr <= 0", _const(lambda: bn.Bold(tr=0.0)), MonitorError, r"Bold tr must be a finite time > 0"),
    ("arg: Bold negative discard", _const(lambda: bn.Bold(discard=-1.0)), MonitorError,
     r"Bold discard must be a time >= 0"),
    ("arg: Bold unknown sampling", _const(lambda: bn.Bold(sampling="last")), MonitorError,
     r"Bold sampling must be one of"),
    ("arg: Bold unknown baseline", _const(lambda: bn.Bold(baseline="mean")), MonitorError,
     r"Bold baseline must be"),
    ("arg: Bold dt_bold not a multiple of dt", _const(_sim(duration=720.0, monitors=[bn.Bold(tr=720.0, dt_bold=0.25)])),
     MonitorError, r"Bold dt_bold = 0\.25 ms is not a whole multiple of dt = 0\.1 ms"),
    ("arg: Bold variable not a string", _const(lambda: bn.Bold(variable=1)), MonitorError,
     r"Bold variable must be a source name"),
    ("arg: fc of a plain array", _const(lambda: bn.fc(np.ones((10, 3)))), AnalysisError, r"DataArray|xarray"),
    ("arg: fc band above Nyquist", _const(lambda: bn.fc(_series(), band=(0.01, 0.9))), AnalysisError,
     r"band must satisfy 0 < low < high < Nyquist frequency; got band=\(0\.01, 0\.9\) Hz"),
    ("arg: fc band reversed", _const(lambda: bn.fc(_series(), band=(0.1, 0.01))), AnalysisError,
     r"band must satisfy 0 < low < high"),
    ("arg: fc band not a pair", _const(lambda: bn.fc(_series(), band="bold")), AnalysisError,
     r"band must be a pair \(low, high\) in Hz"),
    ("arg: fc filter order 0", _const(lambda: bn.fc(_series(), band=True, order=0)), AnalysisError,
     r"order must be a positive integer"),
    ("arg: fc of too few volumes for the band-pass", _const(lambda: bn.fc(_series(12), band=True)), AnalysisError,
     r"x has 12 samples, too few for the zero-phase band-pass"),
    ("arg: fc fisher_z not a bool", _const(lambda: bn.fc(_series(), fisher_z="yes")), AnalysisError,
     r"fisher_z must be True or False"),
    ("arg: fisher_z of correlations above 1", _const(lambda: bn.fisher_z(2 * FC3)), AnalysisError,
     r"fisher_z needs correlations in \[-1, 1\]"),
    ("arg: fc_fit of different sizes", _const(lambda: bn.fc_fit(FC3, np.eye(4))), AnalysisError,
     r"simulated FC has 3 regions but empirical FC has 4"),
    ("arg: fc_fit of a non-symmetric target", _const(lambda: bn.fc_fit(FC3, FC3 + np.triu(FC3, 1))),
     AnalysisError, r"must be symmetric"),
    ("arg: as_timeseries 1-D", _const(lambda: bn.as_timeseries(np.ones(5), 1.0)), DataError,
     r"values must be 2-D \(time, region\); got shape \(5,\)"),
    ("arg: as_timeseries bad layout", _const(lambda: bn.as_timeseries(np.ones((5, 2)), 1.0, layout="rt")),
     DataError, r"layout must be one of"),
    ("arg: as_timeseries labels a string", _const(lambda: bn.as_timeseries(np.ones((5, 2)), 1.0, labels="ab")),
     DataError, r"labels must be a sequence of 2 strings, not the single string 'ab'"),
    ("arg: align without labels", _const(lambda: bn.align(bn.fc_matrix(FC3), CONN)), DataError,
     r"data has no region labels, so it cannot be aligned"),
    ("arg: align missing regions", _const(lambda: bn.align(bn.fc_matrix(FC3, ["a", "b", "x"]), CONN)), DataError,
     r"1 connectome region is missing from the data: \['c'\]"),
    ("arg: align bad extra", _const(lambda: bn.align(bn.fc_matrix(FC3, ["a", "b", "c"]), CONN, extra="keep")),
     DataError, r"extra must be 'raise' or 'drop'"),
    ("arg: fc_matrix non-finite", _const(lambda: bn.fc_matrix(np.where(np.eye(3) > 0, 1.0, np.nan))), DataError,
     r"empirical FC must be finite off the diagonal; got nan at \[0, 1\]"),
    ("arg: sweep over an unknown parameter", _const(lambda: bn.sweep(bn.CoombesByrne(), CONN, {"gamma": [1.0]},
                                                                      duration=10.0, signal="r", band=None, monitors=[bn.TemporalAverage(1.0)])),
     SweepError, r"gamma"),
    ("arg: sweep with an empty grid", _const(lambda: bn.sweep(bn.CoombesByrne(), CONN, {"G": []}, duration=10.0,
                                                              signal="r", band=None, monitors=[bn.TemporalAverage(1.0)])),
     SweepError, r"G"),
    ("arg: sweep batch_size 0", _const(lambda: bn.sweep(bn.CoombesByrne(), CONN, {"G": [0.1]}, duration=10.0,
                                                        signal="r", band=None, batch_size=0, monitors=[bn.TemporalAverage(1.0)])),
     SweepError, r"batch_size must be a positive integer; got 0"),
    ("arg: connectome weights as text", _const(lambda: bn.Connectome([["a", "b"], ["c", "d"]], np.ones((2, 2)))),
     ConnectomeError, r"weights"),
    ("arg: load an unknown atlas", _const(lambda: bn.load_atlas("tvb77")), ConnectomeError, r"tvb77"),
    ("arg: load unknown empirical data", _const(lambda: bn.load_empirical("hcp81")), DataError, r"hcp81"),
    ("arg: distance rule with 2-D centres", _const(lambda: bn.distance_rule_connectome(np.ones((3, 2)), 20.0)),
     ConnectomeError, r"centres must have shape \(n, 3\) with n >= 2 regions; got shape \(3, 2\)"),
    ("arg: distance rule with one region", _const(lambda: bn.distance_rule_connectome([[0, 0, 0]], 20.0)),
     ConnectomeError, r"centres must have shape \(n, 3\) with n >= 2 regions; got shape \(1, 3\)"),
    ("arg: distance rule with a NaN centre",
     _const(lambda: bn.distance_rule_connectome([[0, 0, 0], [1, np.nan, 0]], 20.0)),
     ConnectomeError, r"centres must be finite; region 1 has \[1.0, nan, 0.0\]"),
    ("arg: distance rule with two regions at one centre",
     _const(lambda: bn.distance_rule_connectome([[0, 0, 0], [5, 0, 0], [5, 0, 0]], 20.0)), ConnectomeError,
     r"regions 1 and 2 share the centre \[5.0, 0.0, 0.0\]: their connection would have weight 1 and no delay"),
    ("arg: distance rule decay 0", _const(lambda: bn.distance_rule_connectome(np.eye(3), 0.0)), ConnectomeError,
     r"decay must be a finite length > 0 \(mm\); got 0.0"),
    ("arg: distance rule decay -5", _const(lambda: bn.distance_rule_connectome(np.eye(3), -5)), ConnectomeError,
     r"decay must be a finite length > 0 \(mm\); got -5"),
    ("arg: distance rule decay inf", _const(lambda: bn.distance_rule_connectome(np.eye(3), np.inf)),
     ConnectomeError, r"decay must be a finite length > 0 \(mm\); got inf"),
    ("arg: distance rule decay per region", _const(lambda: bn.distance_rule_connectome(np.eye(3), [1.0, 2.0])),
     ConnectomeError, r"decay must be a finite length > 0 \(mm\); got \[1.0, 2.0\]"),
]

# ----------------------------------------------------------------------------- units
CASES += [
    ("units: dt in mV", _const(_sim(dt=0.1 * u.mV)), SimulationError, r"dt must be a quantity with the dimension"),
    ("units: speed in seconds", _const(_sim(speed=3 * u.second)), SimulationError, r"speed"),
    ("units: duration in mm", _const(_sim(duration=10 * u.mm)), SimulationError,
     r"duration must be a quantity with the dimension of ms"),
    ("units: Bold tr in mV", _const(lambda: bn.Bold(tr=720 * u.mV)), MonitorError, r"Bold tr"),
    ("units: Bold discard in mm", _const(lambda: bn.Bold(discard=2 * u.mm)), MonitorError, r"Bold discard"),
    ("units: monitor period in mV", _const(_sim(monitors=[bn.TemporalAverage(1 * u.mV)])), MonitorError,
     r"TemporalAverage period"),
    ("units: fc discard in mV", _const(lambda: bn.fc(_series(), discard=1 * u.mV)), AnalysisError, r"discard"),
    ("units: as_timeseries dt in mm", _const(lambda: bn.as_timeseries(np.ones((5, 2)), 3 * u.mm)), DataError,
     r"dt"),
    ("units: read_timeseries tr in mV", lambda tmp: (np.save(tmp / "ts.npy", np.ones((5, 2))),
                                                     lambda: bn.read_timeseries(tmp / "ts.npy", 1 * u.mV,
                                                                                layout="time_region"))[1],
     DataError, r"^tr must be a quantity with the dimension of second; got 1 mV"),
    ("units: as_timeseries t0 in mV", _const(lambda: bn.as_timeseries(np.ones((5, 2)), 1.0, t0=1 * u.mV)),
     DataError, r"t0"),
    ("units: distance rule decay in seconds", _const(lambda: bn.distance_rule_connectome(np.eye(3), 2 * u.second)),
     ConnectomeError, r"decay must be a quantity with the dimension of mm"),
    ("units: distance rule centres in seconds",
     _const(lambda: bn.distance_rule_connectome(np.eye(3) * u.second, 20.0)), ConnectomeError,
     r"centres must be a quantity with the dimension of mm"),
]


# ----------------------------------------------------------------------------- the command line
def _cli_case(argv_of, config=None, files=None):
    def setup(tmp):
        for name, text in (files or {}).items():
            (tmp / name).write_text(text)
        if config is not None:
            (tmp / "c.toml").write_text(config)
        return argv_of(tmp)
    return setup


CLI_CASES = [(f"config: {' '.join(text.split())[:60]}",
              _cli_case(lambda tmp: ["run", str(tmp / "c.toml"), "--out", str(tmp / "x.nc")], config=text),
              re.escape(message))
             for text, _line, message in _CLI.BAD]
CLI_CASES += [
    ("cli: unknown subcommand", _cli_case(lambda tmp: ["simulate"]), r"invalid choice: 'simulate'"),
    ("cli: unknown option", _cli_case(lambda tmp: ["run", "--durashun"]), r"unrecognized arguments: --durashun"),
    ("cli: --duration not a number", _cli_case(lambda tmp: ["run", "--duration", "1min"]),
     r"argument --duration: invalid float value: '1min'"),
    ("cli: --seed not an integer", _cli_case(lambda tmp: ["sweep", "--seed", "x"]), r"argument --seed"),
    ("cli: config file missing", _cli_case(lambda tmp: ["run", str(tmp / "none.toml")]), r"none\.toml"),
    ("cli: config is a folder", _cli_case(lambda tmp: ["run", str(tmp)]), re.escape("brainnet-cb: error: ")),
    ("cli: --set without '='", _cli_case(lambda tmp: ["run", "--set", "coupling.G", "--print-config"]),
     r"coupling\.G"),
    ("cli: --set unknown key", _cli_case(lambda tmp: ["run", "--set", "coupling.gain=1", "--print-config"]),
     r"unknown key 'coupling\.gain'"),
    ("cli: --set value out of range", _cli_case(lambda tmp: ["run", "--set", "run.dt=20", "--print-config"]),
     r"run\.dt = 20(\.0)? is out of range; allowed: 0 < dt <= 10 \(ms\)"),
    ("cli: --set a bad method", _cli_case(lambda tmp: ["run", "--set", 'run.method="rk45"', "--print-config"]),
     r"run\.method = \"rk45\" is not allowed"),
    ("cli: unknown atlas", _cli_case(lambda tmp: ["run", "--set", 'connectome.atlas="tvb77"', "--print-config"]),
     r"connectome\.atlas = \"tvb77\" is not allowed"),
    ("cli: output folder missing", _cli_case(lambda tmp: ["run", "--out", str(tmp / "no" / "run.nc"), "--quiet"]),
     r"no"),
    ("cli: output exists", _cli_case(lambda tmp: ["run", "--out", str(tmp / "run.nc"), "--quiet"],
                                     files={"run.nc": "keep"}), r"run\.nc exists; pass --overwrite"),
    ("cli: figure exists", _cli_case(lambda tmp: ["run", "--out", str(tmp / "run.nc"), "--quiet"],
                                     files={"run.png": "keep"}), r"run\.png exists; pass --overwrite"),
    ("cli: connectome file missing", _cli_case(lambda tmp: ["run", str(tmp / "c.toml"), "--quiet"],
                                               config='[connectome]\nfile = "none.npz"\n'), r"none\.npz"),
    ("cli: weights file with a text cell",
     _cli_case(lambda tmp: ["run", str(tmp / "c.toml"), "--out", str(tmp / "x.nc"), "--quiet"],
               config='[connectome]\nweights = "w.csv"\nlengths = "w.csv"\n',
               files={"w.csv": "0,1,0\n1,0,oops\n0,1,0\n"}),
     r"non-numeric cell 'oops' at row 2, column 3"),
    ("cli: Bold discard longer than the run",
     _cli_case(lambda tmp: ["run", "--duration", "1440", "--out", str(tmp / "x.nc"), "--quiet"]),
     r"monitors.bold.discard = 20000 ms drops every BOLD volume of the run \(run.duration = 1440 ms; 2 volumes"),
    ("cli: sweep empirical FC missing",
     _cli_case(lambda tmp: ["sweep", str(tmp / "c.toml"), "--out", str(tmp / "s.nc"), "--quiet"],
               config='[sweep]\nempirical = "none.npy"\n'), r"none\.npy"),
    ("cli: sweep grid of an unknown parameter",
     _cli_case(lambda tmp: ["sweep", str(tmp / "c.toml"), "--out", str(tmp / "s.nc"), "--quiet"],
               config="[sweep]\ngrid = { gamma = [1.0] }\n"), r"gamma"),
    ("cli: model parameter of the wrong type",
     _cli_case(lambda tmp: ["run", "--set", 'model.parameters.eta="high"', "--print-config"]),
     r"model\.parameters\.eta"),
]


# ----------------------------------------------------------------------------- the checks
def _snapshot(folder: pathlib.Path) -> dict:
    return {str(p.relative_to(folder)): (p.is_dir(), p.stat().st_size if p.is_file() else 0,
                                         p.stat().st_mtime_ns, p.stat().st_mode)
            for p in sorted(folder.rglob("*"))}


def test_the_table_has_at_least_100_cases_of_every_kind():
    kinds = {c[0].split(":")[0] for c in CASES + CLI_CASES}
    assert len(CASES) + len(CLI_CASES) >= 100
    assert {"sim", "io", "empirical", "table", "file", "arg", "units", "config", "cli"} <= kinds
    assert len({c[0] for c in CASES + CLI_CASES}) == len(CASES) + len(CLI_CASES)  # ids are unique


@pytest.mark.parametrize("setup, error, pattern", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_is_refused_clearly_before_compiling_and_touches_nothing(tmp_path, monkeypatch, setup, error,
                                                                           pattern):
    monkeypatch.chdir(tmp_path)
    call = setup(tmp_path)
    before, traces = _snapshot(tmp_path), dict(engine.TRACE_COUNT)
    with pytest.raises(BrainnetError) as info:
        call()
    assert isinstance(info.value, error), f"{type(info.value).__name__} is not a {error.__name__}"
    message = str(info.value)
    assert re.search(pattern, message), message
    assert FIX.search(message), f"the message names no fix: {message}"
    assert engine.TRACE_COUNT == traces, "compiled before refusing"
    assert _snapshot(tmp_path) == before, "the folder changed"


@pytest.mark.parametrize("setup, pattern", [c[1:] for c in CLI_CASES], ids=[c[0] for c in CLI_CASES])
def test_bad_command_line_is_one_line_with_status_2_before_compiling_and_touches_nothing(tmp_path, monkeypatch,
                                                                                         setup, pattern):
    monkeypatch.chdir(tmp_path)
    argv = setup(tmp_path)
    before, traces = _snapshot(tmp_path), dict(engine.TRACE_COUNT)
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        rc = cli.main(argv)
    text = err.getvalue()
    assert rc == 2, (rc, text)
    assert text.startswith("brainnet-cb: error: ") and text.count("\n") == 1, text
    assert re.search(pattern, text), text
    assert FIX.search(text), f"the message names no fix: {text}"
    assert out.getvalue() == ""
    assert engine.TRACE_COUNT == traces, "compiled before refusing"
    assert _snapshot(tmp_path) == before, "the folder changed"
