"""Strict test setup: float64 everywhere, golden values from shared/reference."""

import json
import pathlib

import brainstate  # imported first: it can reset jax_enable_x64
import jax
import pytest

brainstate.environ.set(precision=64)
jax.config.update("jax_enable_x64", True)

# tests/data holds reference files (the seed module), not tests
collect_ignore_glob = ["data/*"]

_SHARED = pathlib.Path(__file__).resolve().parents[1].parent / "shared" / "reference" / "golden.json"
_LOCAL = pathlib.Path(__file__).resolve().parent / "data" / "golden.json"


@pytest.fixture(scope="session")
def golden():
    """The golden values (shared/reference/golden.json; a verbatim copy in tests/data)."""
    path = _SHARED if _SHARED.exists() else _LOCAL
    return json.loads(path.read_text())


@pytest.fixture(autouse=True)
def _float64():
    assert jax.config.jax_enable_x64, "tests must run in float64"
    yield
