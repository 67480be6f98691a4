"""Every example in examples/ runs to the end in short mode (BRAINNET_CB_SHORT=1)."""

import os
import pathlib
import subprocess
import sys

import pytest

EXAMPLES = pathlib.Path(__file__).resolve().parents[1] / "examples"
SCRIPTS = sorted(p for p in EXAMPLES.glob("*.py") if not p.name.startswith("_"))


def test_the_documented_examples_exist():
    names = {p.stem for p in SCRIPTS}
    assert {"resting_state", "own_connectome", "bold_fc_vs_empirical", "eeg", "parameter_sweep",
            "custom_node_model"} <= names


@pytest.mark.parametrize("script", SCRIPTS, ids=[p.stem for p in SCRIPTS])
def test_example_runs_in_short_mode(script, tmp_path):
    text = script.read_text()
    if "BRAINNET_CB_SHORT" not in text and "from _common import" not in text:
        pytest.skip(f"{script.name} has no short mode (BRAINNET_CB_SHORT) yet")
    env = dict(os.environ, BRAINNET_CB_SHORT="1", BRAINNET_CB_OUT=str(tmp_path), MPLBACKEND="Agg")
    proc = subprocess.run([sys.executable, str(script)], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    figures = [line.split(": ", 1)[1] for line in proc.stdout.splitlines() if line.startswith("figure: ")]
    if "skipped:" not in proc.stdout:
        assert figures and all(pathlib.Path(f).stat().st_size > 10_000 for f in figures)
