"""The README's Python example runs (with a shorter duration) and its claims hold."""

import pathlib
import re

import matplotlib

matplotlib.use("Agg")

README = pathlib.Path(__file__).resolve().parents[1] / "README.md"


def python_blocks():
    return re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)


def test_readme_example_runs():
    (code,) = python_blocks()
    assert "duration=10 * u.second" in code
    code = code.replace("duration=10 * u.second", "duration=1440 * u.ms")
    namespace = {}
    exec(compile(code, str(README), "exec"), namespace)
    ds = namespace["ds"]
    assert ds.sizes["time"] == 1440 and ds.sizes["time_bold"] == 2
    assert ds.attrs["connectome"] == "tvb76"


def test_readme_commands_are_the_ci_commands():
    text = README.read_text()
    ci = (README.parent / ".ci" / "run").read_text()
    test_cmd = re.search(r'pip install "\.\[test\]" && (python -m pytest)', text).group(1)
    assert ci.strip().splitlines()[-1] == test_cmd
