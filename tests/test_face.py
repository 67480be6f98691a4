"""The public face: one curated ``__all__``, lazy ``bn.io`` / ``bn.plots``, no private imports in docs."""

import pathlib
import re
import subprocess
import sys

import pytest

import brainnet_cb as bn

ROOT = pathlib.Path(__file__).resolve().parents[1]


def test_all_is_unique_and_every_name_resolves():
    assert len(bn.__all__) == len(set(bn.__all__))
    missing = [name for name in bn.__all__ if not hasattr(bn, name)]
    assert not missing
    assert {"io", "plots", "plugins", "node_model", "register_model", "NodeModel", "Coupling", "Monitor"} <= set(
        bn.__all__)
    assert set(bn.__all__) <= set(dir(bn))
    # tab completion offered the package's own imports (bn.sys, bn.importlib, bn.types, bn.annotations)
    public = {name for name in dir(bn) if not name.startswith("__") or name == "__version__"}
    assert public == set(bn.__all__) | {"analysis", "analysis_jax", "dynamics", "errors", "forward", "stimulus"}


def test_io_and_plots_are_imported_on_first_use():
    code = (
        "import sys, brainnet_cb as bn\n"
        "heavy = ['brainnet_cb.io', 'brainnet_cb.plots', 'nibabel', 'zarr', 'dask']\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
        "bn.io.read_connectome, bn.plots.timeseries\n"
        "print(sorted(m for m in heavy[:3] if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split("\n")
    assert out[0] == "[]"
    assert out[1] == "['brainnet_cb.io', 'brainnet_cb.plots', 'nibabel']"


def test_unknown_attribute_is_an_attribute_error():
    with pytest.raises(AttributeError, match="module 'brainnet_cb' has no attribute 'no_such_name'"):
        bn.no_such_name  # noqa: B018


def test_docs_and_examples_import_no_private_module():
    private = re.compile(r"(from|import)\s+brainnet_cb(\.\w+)*\._\w+")
    files = [*ROOT.glob("docs/**/*.md"), *ROOT.glob("examples/*.py"), ROOT / "README.md",
             *ROOT.glob("tests/plugin_pkg/brainnet_cb_toy/*.py")]
    offenders = [str(f.relative_to(ROOT)) for f in files if private.search(f.read_text())]
    assert not offenders
