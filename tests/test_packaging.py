"""The explicit package list of pyproject.toml covers every brainnet_cb sub-package."""

import pathlib

import tomllib

ROOT = pathlib.Path(__file__).resolve().parents[1]


def test_every_subpackage_is_listed_in_pyproject():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed = set(config["packages"])
    found = {
        ".".join(p.parent.relative_to(ROOT).parts)
        for p in (ROOT / "brainnet_cb").rglob("__init__.py")
        if "__pycache__" not in p.parts
    }
    missing = sorted(found - listed)
    assert not missing, (
        f"sub-packages {missing} are not in [tool.setuptools] packages of pyproject.toml; "
        "add them there, or a non-editable install will leave them out."
    )
    assert config["package-dir"]["brainnet_cb.atlases_data"] == "atlases"
    assert (ROOT / "atlases" / "tvb" / "LICENSE").exists()
