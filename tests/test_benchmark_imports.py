"""The benchmark scripts name only what the package has.

The scripts under ``benchmarks/`` are not run by the tests (they time things), so a
renamed or moved function would break them silently: every ``from brainnet_cb...
import`` name, every ``bn.<name>`` they use and every sibling script they import must
exist.
"""

from __future__ import annotations

import ast
import importlib
import pathlib

import pytest

import brainnet_cb as bn

BENCHMARKS = pathlib.Path(__file__).resolve().parent.parent / "benchmarks"
SCRIPTS = sorted(BENCHMARKS.glob("*.py"))


def _missing(path: pathlib.Path) -> list[str]:
    """Names ``path`` imports from brainnet_cb, or uses as ``bn.<name>``, that do not exist."""
    missing = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").startswith("brainnet_cb"):
            module = importlib.import_module(node.module)
            missing += [f"{node.module}.{a.name}" for a in node.names
                        if not hasattr(module, a.name) and not _is_submodule(node.module, a.name)]
        elif isinstance(node, ast.Import):
            for alias in node.names:
                top = alias.name.split(".")[0]
                if top.startswith("bench") or top in {"gpu_check", "profile_step", "seed_average"}:
                    if not (BENCHMARKS / f"{top}.py").exists():
                        missing.append(f"benchmarks/{top}.py")
                elif top == "brainnet_cb":
                    importlib.import_module(alias.name)
        elif (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "bn"
              and not hasattr(bn, node.attr)):
            missing.append(f"bn.{node.attr}")
    return sorted(set(missing))


def _is_submodule(package: str, name: str) -> bool:
    try:
        importlib.import_module(f"{package}.{name}")
    except ModuleNotFoundError:
        return False
    return True


def test_there_are_benchmark_scripts():
    assert {"bench_core.py", "bench_table.py", "bench_linear_stage.py", "gpu_check.py"} <= {p.name for p in SCRIPTS}


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_benchmark_names_exist(script):
    assert _missing(script) == []


def test_a_moved_name_is_reported(tmp_path):
    script = tmp_path / "bench_x.py"
    script.write_text("import brainnet_cb as bn\nfrom brainnet_cb.dynamics.system import _inverse_rows_factored\n"
                      "bn.simulate\nbn.no_such_call\n")
    assert _missing(script) == ["bn.no_such_call", "brainnet_cb.dynamics.system._inverse_rows_factored"]
