"""The documentation: the CLI reference is generated from the schema, and MkDocs builds it strictly.

Regenerate docs/cli.md after changing the configuration schema or the CLI:
``BRAINNET_CB_REGEN_DOCS=1 python -m pytest tests/test_docs.py``.
"""

import importlib.util
import os
import pathlib
import subprocess
import sys

import pytest

from brainnet_cb.cli import config, parser

ROOT = pathlib.Path(__file__).resolve().parents[1]
CLI_MD = ROOT / "docs" / "cli.md"
TEMPLATE = ROOT / "docs" / "cli.md.in"


def _table(cls, only=None):
    out = ["| key | default | unit | allowed | Python API | meaning |", "|---|---|---|---|---|---|"]
    esc = lambda s: str(s).replace("|", "\\|")  # noqa: E731
    for key, default, unit, allowed, api, doc in config.reference_rows(cls):
        if only and not key.startswith(only):
            continue
        api = f"`{esc(api)}`" if api else ""
        out.append(f"| `{key}` | `{esc(default)}` | {unit} | {esc(allowed)} | {api} | {esc(doc)} |")
    return "\n".join(out)


def render_cli_md() -> str:
    old = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = "100"
    try:
        run_help = parser()._subparsers._group_actions[0].choices["run"].format_help().strip()
    finally:
        os.environ.pop("COLUMNS") if old is None else os.environ.__setitem__("COLUMNS", old)
    return TEMPLATE.read_text().format(
        run_help=run_help,
        run_table=_table(config.RunConfig),
        run_default=config.dumps(config.RunConfig()).strip(),
        sweep_table=_table(config.SweepConfig, "sweep."),
        fit_table=_table(config.FitConfig, "fit."),
    )


def test_cli_reference_is_generated_from_the_schema():
    text = render_cli_md()
    if os.environ.get("BRAINNET_CB_REGEN_DOCS"):
        CLI_MD.write_text(text)
    assert CLI_MD.read_text() == text, "docs/cli.md is stale; regenerate it (see this module's docstring)"
    for cls in (config.RunConfig, config.SweepConfig, config.FitConfig):
        for row in config.reference_rows(cls):
            assert f"`{row[0]}`" in text


def test_every_public_function_and_class_is_in_the_api_reference():
    """docs/api.md renders each callable of ``bn.__all__`` (errors: through ``brainnet_cb.errors``); it had left out
    17 of them (prepare, lyapunov_covariance, graph_metrics, ...)."""
    import inspect

    import brainnet_cb as bn
    from brainnet_cb import errors

    api = (ROOT / "docs" / "api.md").read_text()
    documented = {line.removeprefix("::: brainnet_cb.") for line in api.splitlines() if line.startswith("::: ")}
    missing = []
    for name in bn.__all__:
        obj = getattr(bn, name)
        if inspect.ismodule(obj) or not callable(obj) or name in documented:
            continue
        if "errors" in documented and getattr(errors, name, None) is obj:
            continue
        missing.append(name)
    assert missing == [], f"add '::: brainnet_cb.<name>' to docs/api.md for {missing}"


def test_every_docs_page_is_in_the_nav():
    yaml = pytest.importorskip("yaml")

    nav = yaml.safe_load((ROOT / "mkdocs.yml").read_text())["nav"]

    def pages(items):
        for item in items:
            for value in item.values():
                yield from (pages(value) if isinstance(value, list) else [value])

    listed = set(pages(nav))
    found = {str(p.relative_to(ROOT / "docs")) for p in (ROOT / "docs").rglob("*.md")}
    assert found == listed


@pytest.mark.skipif(importlib.util.find_spec("mkdocstrings") is None,
                    reason='the docs extra is not installed (pip install ".[docs]")')
def test_docs_build_with_warnings_as_errors(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path)],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-4000:]
    assert "WARNING" not in proc.stderr, proc.stderr[-4000:]
    assert (tmp_path / "api" / "index.html").exists() and (tmp_path / "cli" / "index.html").exists()
