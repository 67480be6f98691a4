"""A configuration as text: ``--print-config`` writes any Unicode text so that it reads back (TOML has no surrogate
pairs), and a file's first line, which names the brainnet_cb that wrote it, is read as the loader reads the file."""

import codecs
import contextlib
import io
import tomllib

import pytest

import brainnet_cb as bn
from brainnet_cb import cli
from brainnet_cb.cli import config
from brainnet_cb.cli.config_toml import toml_string

#: Text that a path or a label may hold: accents and other scripts, astral-plane characters (emoji, mathematical
#: letters, the last code point), a byte-order mark, TOML's own specials, and a backslash before "u" (a Windows path).
TEXTS = ["plain.nc", "\u0141ukasz/caf\u00e9.nc", "\U0001f9e0 brain.nc", "\U0001d518\U0001f600\U0010ffff.nc",
         "\u4e2d\u6587\u2028\ufeff.nc", 'q"uote\\back slash.nc', "C:\\ud83e\\udde0\\U0001f9e0.nc"]


def _main(*argv):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = cli.main(list(argv))
    return status, out.getvalue(), err.getvalue()


@pytest.mark.parametrize("text", TEXTS)
def test_a_printed_configuration_reads_back_any_unicode_text(text):
    cfg = config.apply_overrides(config.RunConfig(), [f"output.path={toml_string(text)}"])
    assert cfg.output.path == text
    printed = config.dumps(cfg)
    assert printed.isascii()  # whatever encoding the terminal or `>` writes it in
    assert tomllib.loads(printed)["output"]["path"] == text
    assert config.loads(printed) == cfg


@pytest.mark.parametrize("text", [*TEXTS, "tab\tnew\nline\r\x00\x01\x1f\x7f\x80\x9f\u00a0", ""])
def test_toml_string_reads_back_as_the_text(text):  # control characters too (a path refuses them, a label not)
    written = toml_string(text)
    assert written.isascii() and tomllib.loads(f"x = {written}") == {"x": text}


def test_toml_string_escapes_beyond_the_basic_plane_as_one_code_point():
    assert toml_string("\U0001f9e0\u00e9\\u") == '"\\U0001f9e0\\u00e9\\\\u"'  # JSON wrote "\ud83e\udde0\u00e9\\u"


@pytest.mark.parametrize("command, key, cls", [("run", "output", config.RunConfig),
                                               ("sweep", "sweep", config.SweepConfig),
                                               ("fit", "fit", config.FitConfig)])
def test_out_of_any_unicode_text_is_printed_and_read_back_as_given(tmp_path, command, key, cls):
    name = str(tmp_path / "\U0001f9e0 caf\u00e9 \U0001d518.nc")
    status, out, err = _main(command, "--out", name, "--print-config")
    assert (status, err) == (0, "")
    assert f'path = {toml_string(name)}\n' in out
    assert getattr(config.loads(out, cls), key).path == name  # before: the text '"\ud83e\udde0 ..."', quotes included
    (tmp_path / "printed.toml").write_text(out, encoding="utf-8")
    status, again, err = _main(command, str(tmp_path / "printed.toml"), "--print-config")
    assert (status, again, err) == (0, out, "")


def test_out_of_bytes_that_are_not_text_is_refused_by_name(tmp_path):
    # Linux hands an argument whose bytes are not UTF-8 to Python as lone surrogates (b"\xff" -> "\udcff"), which no
    # TOML text can hold: the name became the literal text '"x\udcffy.nc"', quotes included.
    name = str(tmp_path / "x\udcffy.nc")
    status, out, err = _main("run", "--out", name, "--print-config")
    assert (status, out) == (2, "")
    assert err == (f"brainnet-cb: error: --out {name!r} holds bytes that are not text in this system's encoding "
                   "(UTF-8; the \\udcXX above), so it cannot be written into a configuration: give a name of valid "
                   "characters.\n")


def _never_built(*args, **kwargs):
    raise AssertionError("the simulation was built")


@pytest.mark.parametrize("command, key, value", [
    ("run", "output.path", "{folder}/x\udcffy.nc"), ("run", "output.path", "'{folder}/x\udcffy.nc'"),
    ("sweep", "sweep.path", "{folder}/x\udcffy.nc"), ("fit", "fit.path", "{folder}/x\udcffy.nc"),
    ("run", "connectome.weights", "{folder}/w\udcff.npy"), ("sweep", "sweep.empirical", "{folder}/fc\udcff.npy"),
    ("fit", "fit.test", "{folder}/fc\udcff.npy"), ("run", "model.name", "Coombes\udcffByrne")])
@pytest.mark.parametrize("with_file", [False, True])
def test_set_of_bytes_that_are_not_text_is_refused_by_name_before_anything_runs(tmp_path, monkeypatch, command, key,
                                                                                value, with_file):
    # --set output.path=<bytes that are not UTF-8> failed with netCDF4's UnicodeEncodeError once the run had started,
    # and any other such value went into a stored configuration that does not read back (TOML has no \udcff); with a
    # configuration file, the file's loader reads the output path --set gives before anything else.
    monkeypatch.setattr(config, "build_simulation", _never_built)
    value = value.format(folder=tmp_path / "out")
    argv = [command, "--set", f"{key}={value}", "--quiet"]
    if with_file:
        (tmp_path / "c.toml").write_text(config.dumps(config.RunConfig()) if command == "run" else "", encoding="utf-8")
        argv.insert(1, str(tmp_path / "c.toml"))
    status, out, err = _main(*argv)
    assert (status, out) == (2, "")
    assert err == (f"brainnet-cb: error: --set {key} {value!r} holds bytes that are not text in this system's "
                   "encoding (UTF-8; the \\udcXX above), so it cannot be written into a configuration: give a name "
                   "of valid characters.\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == (["c.toml"] if with_file else [])


def test_set_whose_key_holds_bytes_that_are_not_text_is_refused_as_given():
    status, out, err = _main("run", "--set", "output.pa\udcffth=x.nc", "--print-config")
    assert (status, out) == (2, "")
    assert err == ("brainnet-cb: error: --set 'output.pa\\udcffth=x.nc' holds bytes that are not text in this "
                   "system's encoding (UTF-8; the \\udcXX above), so it cannot be written into a configuration: give a "
                   "name of valid characters.\n")


@pytest.mark.parametrize("encoding, bom", [("utf-8", b""), ("utf-8", codecs.BOM_UTF8),
                                           ("utf-16-le", codecs.BOM_UTF16_LE), ("utf-16-be", codecs.BOM_UTF16_BE)])
def test_the_version_note_reads_the_file_as_the_loader_does(tmp_path, encoding, bom):
    text = config.dumps(config.RunConfig()).replace(f"(brainnet_cb {bn.__version__})", "(brainnet_cb 0.0.1)")
    path = tmp_path / "old.toml"
    path.write_bytes(bom + text.replace("\n", "\r\n").encode(encoding))  # Windows PowerShell 5: UTF-16 LE, CRLF
    status, out, err = _main("run", str(path), "--print-config")
    assert (status, out) == (0, config.dumps(config.RunConfig()))
    assert err == (f"brainnet-cb: note: {path} was written by brainnet_cb 0.0.1, and this is brainnet_cb "
                   f"{bn.__version__}: the run may differ from the one it came from (the same seed gives the "
                   "same run bit for bit with the same brainnet_cb, JAX and device only).\n")


def test_a_refusal_shows_a_value_as_toml_reads_it(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text('[output]\npath = "\U0001f9e0.nc"\n', encoding="utf-8")
    status, out, err = _main("sweep", str(path), "--print-config")
    assert (status, out) == (2, "")
    assert err == (f"brainnet-cb: error: {path}:2: output.path is not used by brainnet-cb sweep: its result goes to "
                   'sweep.path (now "brainnet_cb_sweep.nc"). output.path = "\\U0001f9e0.nc" has no effect here: to '
                   'write "\\U0001f9e0.nc", set sweep.path = "\\U0001f9e0.nc" (or give --out \'\U0001f9e0.nc\') and '
                   "remove output.path.\n")  # JSON's "\ud83e\udde0.nc", which TOML refuses
    fix = err.split("set ")[1].split(" (or")[0]
    assert tomllib.loads(fix) == {"sweep": {"path": "\U0001f9e0.nc"}}
