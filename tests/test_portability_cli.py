"""The command line on Windows, emulated on Linux: output redirected in a code page that lacks a character.

Windows writes redirected output (``brainnet-cb run > log.txt``, a job's log) in its code page (cp1252);
an output path under ``C:\\Users\\Łukasz`` has an 'Ł' that cp1252 lacks, and printing the summary failed with
``UnicodeEncodeError`` after the run had written its file.
"""

import os
import subprocess
import sys

import numpy as np
import pytest

W = np.array([[0, 1, 2], [1, 0, 0.5], [2, 0.5, 0]])

CONFIG = """\
[run]
duration = 200.0

[connectome]
weights = "sc.csv"
missing_lengths = "zero"

[monitors.bold]
enabled = false

[monitors.eeg]
enabled = false

[output]
figure = false
"""


@pytest.mark.slow  # a run in a fresh process: 10-25 s, most of it importing and compiling
def test_run_prints_an_output_path_that_the_console_encoding_lacks(tmp_path):
    np.savetxt(tmp_path / "sc.csv", W, delimiter=",")
    (tmp_path / "run.toml").write_text(CONFIG, encoding="utf-8")
    folder = tmp_path / "Łukasz"
    folder.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHONIOENC")}
    env.update(PYTHONIOENCODING="cp1252", OPENBLAS_NUM_THREADS="1", JAX_PLATFORMS="cpu")
    out = subprocess.run([sys.executable, "-m", "brainnet_cb", "run", "run.toml", "--out", str(folder / "run.nc")],
                         capture_output=True, env=env, cwd=tmp_path, timeout=600)
    assert out.returncode == 0, out.stderr.decode("cp1252", "replace")[-3000:]
    assert (folder / "run.nc").is_file()
    lines = out.stdout.decode("cp1252").splitlines()
    assert lines[0] == "regions       3"
    assert lines[-1] == f"written       {tmp_path}/\\u0141ukasz/run.nc"
