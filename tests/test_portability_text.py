"""Text files from Windows and macOS, emulated on Linux: encodings, byte-order marks, line ends, TOML paths.

Windows reads a file opened without ``encoding=`` in its code page (cp1252), so a UTF-8 label such as
"Präcuneus" breaks; the C locale with UTF-8 mode off (``LC_ALL=C PYTHONUTF8=0``) reads ASCII only, the same
failure on Linux. Excel's 'CSV UTF-8' and Notepad begin a file with a byte-order mark, and Windows programs
end lines with CRLF. In a TOML "basic string" a backslash starts an escape, so ``"C:\\new\\table.csv"`` holds
a newline and a tab.
"""

import ast
import os
import pathlib
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import brainnet_cb as bn
from brainnet_cb.cli import config as configuration
from brainnet_cb.cli.config import ConfigError
from brainnet_cb.errors import ConnectomeError, DataError

PACKAGE = pathlib.Path(bn.__file__).parent
LABELS = ["Präcuneus", "Gyrus cinguli", "Insula", "Hippocampus"]
W = np.array([[0, 1, 2, 0], [1, 0, 0, 3], [2, 0, 0, 1], [0, 3, 1, 0]], dtype=float)
BOM = b"\xef\xbb\xbf"


def _windows(text: str, bom=True) -> bytes:
    """``text`` as a Windows program saves it: CRLF line ends, UTF-8 with a byte-order mark."""
    return (BOM if bom else b"") + text.replace("\n", "\r\n").encode("utf-8")


def _files(folder: pathlib.Path, bom=True):
    """A weights table with a header and first column of labels, a plain lengths table and a labels file."""
    header = "," + ",".join(LABELS) + "\n" + "".join(
        f"{LABELS[i]}," + ",".join(repr(float(x)) for x in W[i]) + "\n" for i in range(4))
    plain = "".join(",".join(repr(float(10 * x)) for x in row) + "\n" for row in W)
    (folder / "sc.csv").write_bytes(_windows(header, bom))
    (folder / "lengths.csv").write_bytes(_windows(plain, bom))
    (folder / "labels.txt").write_bytes(_windows("\n".join(LABELS) + "\n", bom))


def _text_calls(tree):
    """``(line, call)`` of each text-mode read or write that leaves the encoding to the system."""
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        f, kw = node.func, {k.arg for k in node.keywords}
        if "encoding" in kw:
            continue
        if isinstance(f, ast.Attribute) and f.attr in ("read_text", "write_text"):
            yield node.lineno, f".{f.attr}()"
        builtin = isinstance(f, ast.Name) and f.id == "open"
        io_open = isinstance(f, ast.Attribute) and f.attr == "open" and getattr(f.value, "id", "") == "io"
        if builtin or io_open:
            mode = node.args[1] if len(node.args) > 1 else next((k.value for k in node.keywords if k.arg == "mode"),
                                                                 None)
            if not (isinstance(mode, ast.Constant) and "b" in mode.value):
                yield node.lineno, "open()"


def test_no_text_file_is_read_or_written_in_the_systems_encoding():
    found = [f"{p.relative_to(PACKAGE.parent)}:{line}: {what} without encoding="
             for p in sorted(PACKAGE.rglob("*.py"))
             for line, what in _text_calls(ast.parse(p.read_text(encoding="utf-8")))]
    assert found == []


def test_tables_and_labels_saved_by_windows_programs_read_as_on_linux(tmp_path):
    _files(tmp_path)
    conn = bn.io.read_matrix(tmp_path / "sc.csv", tmp_path / "lengths.csv")
    assert conn.labels == tuple(LABELS)
    np.testing.assert_array_equal(conn.weights, W)
    np.testing.assert_array_equal(conn.lengths, 10 * W)
    # a plain table (a byte-order mark before its first number) with a labels file (one before its first label)
    plain = bn.io.read_matrix(tmp_path / "lengths.csv", tmp_path / "lengths.csv", labels=tmp_path / "labels.txt")
    assert plain.labels == tuple(LABELS)
    np.testing.assert_array_equal(plain.weights, 10 * W)
    fc = bn.read_fc(tmp_path / "sc.csv")
    assert list(fc.region_i.values) == LABELS
    np.testing.assert_array_equal(fc.values, W)


def test_a_table_in_a_windows_code_page_is_refused_with_the_fix(tmp_path):
    (tmp_path / "labels.txt").write_bytes("Gyrus cinguli\r\nPräcuneus\r\n".encode("cp1252"))
    (tmp_path / "fc.csv").write_bytes("a,b\r\n1,0.5\r\n0.5,1\r\n# Präcuneus\r\n".encode("cp1252"))
    fix = (r"save it again as UTF-8 text \(Excel: Save As 'CSV UTF-8'; a text editor: the encoding UTF-8\), the "
           r"encoding brainnet_cb reads on every system\.")
    with pytest.raises(ConnectomeError, match=(
            rf"^'{tmp_path}/labels\.txt' is not a text file \(it does not decode as UTF-8\): byte 0xe4 on line 2; "
            rf"expected a whitespace-, comma- or tab-separated table\. A table in another encoding: {fix}$")):
        bn.io.read_matrix(W, labels=tmp_path / "labels.txt", missing_lengths="zero")
    with pytest.raises(DataError, match=(
            r"^'fc\.csv' is not a text file \(it does not decode as UTF-8\): byte 0xe4 on line 4; expected a comma-, "
            rf"tab- or whitespace-separated table\. A table in another encoding: {fix}$")):
        bn.read_fc(tmp_path / "fc.csv")


def test_tvb_zip_members_saved_with_a_byte_order_mark_read(tmp_path):
    labels = [s.replace(" ", "_") for s in LABELS]  # TVB's centres.txt: no spaces in a label
    conn = bn.Connectome(weights=W, lengths=10 * W, labels=labels, centres=np.arange(12.0).reshape(4, 3))
    bn.io.write_tvb(conn, tmp_path / "c.zip")
    folder = tmp_path / "c"
    folder.mkdir()
    import zipfile

    with zipfile.ZipFile(tmp_path / "c.zip") as z:
        for name in z.namelist():
            data = z.read(name)
            (folder / name).write_bytes(_windows(data.decode("utf-8")) if name.endswith(".txt") else data)
    again = bn.io.read_tvb(folder)
    assert again.labels == tuple(labels)
    np.testing.assert_array_equal(again.weights, W)


CONFIG = """\
# written by Notepad: a byte-order mark, CRLF line ends
[run]
duration = 200.0

[connectome]
weights = "tables and labels/sc.csv"
lengths = 'tables and labels/lengths.csv'
labels = "tables and labels/labels.txt"
"""


def test_config_and_tables_read_in_the_c_locale_without_utf8_mode(tmp_path):
    """A config (BOM, CRLF) naming tables in a folder with spaces, relative to the config's folder, read by a
    process whose locale encoding is ASCII (as Windows' is cp1252); no read in brainnet_cb may leave the encoding
    to the system (EncodingWarning made an error there)."""
    (tmp_path / "tables and labels").mkdir()
    _files(tmp_path / "tables and labels")
    (tmp_path / "run.toml").write_bytes(_windows(CONFIG))
    script = textwrap.dedent("""
        import locale, sys, warnings
        warnings.filterwarnings("error", category=EncodingWarning, module=r"brainnet_cb(\\.|$)")
        from brainnet_cb.cli import config
        assert locale.getencoding() == "ANSI_X3.4-1968" and not sys.flags.utf8_mode, locale.getencoding()
        cfg = config.load(sys.argv[1])
        conn = config.build_connectome(cfg.connectome, config.pathlib.Path(sys.argv[1]).parent)
        print(ascii(list(conn.labels)), float(conn.weights.sum()), float(conn.lengths.sum()), cfg.run.duration)
    """)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LC_", "LANG", "PYTHONUTF8", "PYTHONIOENC"))}
    env.update(LC_ALL="C", PYTHONUTF8="0", OPENBLAS_NUM_THREADS="1", JAX_PLATFORMS="cpu")
    out = subprocess.run([sys.executable, "-X", "warn_default_encoding", "-c", script, str(tmp_path / "run.toml")],
                         capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    assert out.stdout.split("\n")[-2] == f"{ascii(LABELS)} {W.sum()} {10 * W.sum()} 200.0"


def test_config_with_crlf_and_a_byte_order_mark_equals_the_plain_one(tmp_path):
    (tmp_path / "a.toml").write_text(CONFIG, encoding="utf-8", newline="\n")
    (tmp_path / "b.toml").write_bytes(_windows(CONFIG))
    assert configuration.load(tmp_path / "a.toml") == configuration.load(tmp_path / "b.toml")


BACKSLASH_FIX = (r"in a TOML \"\.\.\.\" string a backslash starts an escape \(\\n, \\t, \\U\.\.\.\), so write a "
                 r"Windows path in single quotes, 'C:\\Users\\me\\sc\.csv', or with forward slashes, "
                 r"\"C:/Users/me/sc\.csv\"")


@pytest.mark.parametrize(("path", "why"), [
    (r"C:\Users\me\sc.csv", r"Invalid hex value \(at line 3, column 16\)"),  # \U: 8 hex digits expected
    (r"D:\brain\sc.csv", r"Unescaped '\\' in a string \(at line 3, column 22\)"),
])
def test_a_windows_path_in_double_quotes_is_refused_with_the_fix(tmp_path, path, why):
    (tmp_path / "run.toml").write_text(f'[connectome]\n\nweights = "{path}"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=rf"^{tmp_path}/run\.toml: not valid TOML: {why}; {BACKSLASH_FIX}\.$"):
        configuration.load(tmp_path / "run.toml")


def test_a_windows_path_whose_escapes_are_valid_toml_is_refused_with_the_fix(tmp_path):
    # "\n" and "\t" are valid escapes: the path silently held a newline and a tab
    (tmp_path / "run.toml").write_text('[connectome]\nweights = "C:\\new\\table.csv"\n[output]\npath = "run.nc"\n',
                                       encoding="utf-8")
    with pytest.raises(ConfigError, match=(
            rf"^{tmp_path}/run\.toml:2: connectome\.weights = 'C:\\new\\table\.csv' holds a control character "
            rf"\(\\n, \\t\), which no file name should: {BACKSLASH_FIX}\. Here: connectome\.weights = "
            r"'C:\\new\\table\.csv', or \"C:/new/table\.csv\"\.$")):
        configuration.load(tmp_path / "run.toml")
    with pytest.raises(ConfigError, match=(
            r"^output\.path = 'C:\\x08old\\x08\.nc' holds a control character \(\\b\), .* Here: output\.path = "
            r"'C:\\bold\\b\.nc', or \"C:/bold/b\.nc\"\.$")):
        configuration.apply_overrides(configuration.RunConfig(), ['output.path="C:\\bold\\b.nc"'])
    # single quotes and forward slashes are the fix; a bare word on the command line is taken as it is
    for text, value in [("'C:\\new\\table.csv'", "C:\\new\\table.csv"), ('"C:/new/table.csv"', "C:/new/table.csv"),
                        ("C:\\new\\table.csv", "C:\\new\\table.csv")]:
        cfg = configuration.apply_overrides(configuration.RunConfig(), [f"connectome.weights={text}"])
        assert cfg.connectome.weights == value


def test_a_config_printed_through_windows_powershell_5_reads(tmp_path, capsys):
    """Windows PowerShell 5's ``>`` writes UTF-16 (little-endian, with a byte-order mark) and CRLF:
    ``brainnet-cb run --print-config > run.toml`` then ``brainnet-cb run run.toml``."""
    from brainnet_cb import cli

    assert cli.main(["run", "--seed", "7", "--set", 'connectome.labels="Präcuneus.txt"', "--print-config"]) == 0
    printed = capsys.readouterr().out
    (tmp_path / "run.toml").write_bytes(printed.replace("\n", "\r\n").encode("utf-16"))
    assert (tmp_path / "run.toml").read_bytes()[:2] == b"\xff\xfe"
    cfg = configuration.load(tmp_path / "run.toml")
    assert cfg == configuration.loads(printed)
    assert (cfg.run.seed, cfg.connectome.labels) == (7, "Präcuneus.txt")
    (tmp_path / "odd.toml").write_bytes(b"\xff\xfe[\x00r")  # cut inside a UTF-16 character
    with pytest.raises(ConfigError, match=r"config file '.*odd\.toml' is not UTF-8 text \(byte 4\), so not a TOML"):
        configuration.load(tmp_path / "odd.toml")
