"""The benchmarks' stand-ins for engine functions take the engine's own arguments.

``benchmarks/profile_step.py`` and ``benchmarks/bench_core.py`` time variants of the
step by replacing ``engine._one_step`` with a wrapper. When the engine's step gained
its ``dW`` and ``settled`` arguments (and later ``before``), the wrappers that took ``(carry, dyn, plan)``
made ``profile_step.py`` and the ``cond-f64`` row fail with ``_one_step() got an
unexpected keyword argument 'settled'``; the scripts are not run by the tests, so
this checks their signatures instead.
"""

from __future__ import annotations

import ast
import inspect
import pathlib

import pytest

from brainnet_cb.simulation import engine

BENCHMARKS = pathlib.Path(__file__).resolve().parent.parent / "benchmarks"


def stand_ins(path: pathlib.Path) -> dict[str, list[str]]:
    """``{'<enclosing function>.<name>': parameter names}`` of every local function assigned to ``*._one_step``."""
    found = {}
    for outer in ast.walk(ast.parse(path.read_text(), str(path))):
        if not isinstance(outer, ast.FunctionDef):
            continue
        local = {f.name: f for f in outer.body if isinstance(f, ast.FunctionDef)}
        for node in ast.walk(outer):
            if (isinstance(node, ast.Assign) and isinstance(node.value, ast.Name) and node.value.id in local
                    and any(isinstance(t, ast.Attribute) and t.attr == "_one_step" for t in node.targets)):
                f = local[node.value.id]
                found[f"{outer.name}.{f.name}"] = [a.arg for a in f.args.args]
    return found


@pytest.mark.parametrize("script", ["profile_step.py", "bench_core.py"])
def test_one_step_stand_ins_take_the_engines_arguments(script):
    expected = list(inspect.signature(engine._one_step).parameters)
    assert expected == ["carry", "dyn", "plan", "dW", "settled", "before"]
    found = stand_ins(BENCHMARKS / script)
    assert found  # the script still patches the step (else this test checks nothing)
    assert {name: args for name, args in found.items() if args != expected} == {}


def test_a_stand_in_without_settled_is_reported(tmp_path):
    script = tmp_path / "bench_x.py"
    script.write_text("def patch():\n    def _one_step(carry, dyn, plan):\n        pass\n"
                      "    engine._one_step = _one_step\n")
    assert stand_ins(script) == {"patch._one_step": ["carry", "dyn", "plan"]}
