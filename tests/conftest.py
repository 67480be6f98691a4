"""Strict test setup: float64 everywhere (except tests marked ``float32``), golden
values from shared/reference."""

import contextlib
import json
import pathlib

import brainstate  # imported first: it can reset jax_enable_x64
import jax
import pytest

brainstate.environ.set(precision=64)
jax.config.update("jax_enable_x64", True)

# tests/reference_data holds reference files (the seed module, golden values), not tests
collect_ignore_glob = ["reference_data/*"]

_SHARED = pathlib.Path(__file__).resolve().parents[1].parent / "shared" / "reference" / "golden.json"
_LOCAL = pathlib.Path(__file__).resolve().parent / "reference_data" / "golden.json"


@pytest.fixture(scope="session")
def golden():
    """The golden values (shared/reference/golden.json; a verbatim copy in tests/reference_data)."""
    path = _SHARED if _SHARED.exists() else _LOCAL
    return json.loads(path.read_text())


@pytest.fixture(autouse=True)
def _precision(request):
    """float64 for every test; a test marked ``float32`` runs with x64 off (JAX and
    brainstate in float32, the default of a user who never calls bn.enable_float64)."""
    assert jax.config.jax_enable_x64, "tests must run in float64"
    if request.node.get_closest_marker("float32") is None:
        yield
        return
    with jax.enable_x64(False), brainstate.environ.context(precision=32):
        assert not jax.config.jax_enable_x64
        yield
    assert jax.config.jax_enable_x64, "a float32 test must leave float64 on for the others"


@pytest.fixture(scope="session")
def poly_model():
    """A plug-in node model with a static field: dx/dt = -(x + x^2 + ... + x^order) / tau, where ``order`` is a
    Python int for ``range()`` (a float or an array in it fails)."""
    from typing import ClassVar

    import brainnet_cb as bn

    @bn.node_model
    class _Poly(bn.NodeModel):
        tau: float = 10.0
        order: int = bn.plugins.static_field(default=2)
        states: ClassVar[tuple] = ("x",)
        initial: ClassVar[dict] = {"x": 0.5}
        sends: ClassVar[str] = "x"
        receives: ClassVar[str] = "x"
        input_ports: ClassVar[tuple] = ("x",)

        def dfun(self, x, inputs):
            return -sum(x ** (k + 1) for k in range(self.order)) / self.tau

    return _Poly


@pytest.fixture
def stop_after_chunk(monkeypatch):
    """``with stop_after_chunk(n) as steps:`` a checkpointed run in the block stops (KeyboardInterrupt, expected)
    right after chunk ``n``'s checkpoint is saved, as an interrupted run does; ``steps`` gets the step it stopped at."""
    from brainnet_cb.simulation import checkpoint as ck

    save = ck.Checkpointer.save

    @contextlib.contextmanager
    def stop(piece):
        steps = []

        def stopping_save(self, carry, saved, *args, **kwargs):
            save(self, carry, saved, *args, **kwargs)
            if saved == piece:
                steps.append(int(carry.step))
                raise KeyboardInterrupt

        monkeypatch.setattr(ck.Checkpointer, "save", stopping_save)
        try:
            with pytest.raises(KeyboardInterrupt):
                yield steps
        finally:
            monkeypatch.setattr(ck.Checkpointer, "save", save)

    return stop


@pytest.fixture
def counting_compiles():
    """A context manager yielding a one-element list: the number of backend compiles while its block runs."""
    from jax import monitoring

    @contextlib.contextmanager
    def counting():
        count = [0]

        def listener(name, _seconds, **_):
            if name == "/jax/core/compile/backend_compile_duration":
                count[0] += 1

        monitoring.register_event_duration_secs_listener(listener)
        try:
            yield count
        finally:
            # public from jax 0.8.1; jax 0.8.0 (the oldest brainnet_cb allows) has the private one only
            unregister = getattr(monitoring, "unregister_event_duration_listener", None)
            if unregister is None:
                from jax._src import monitoring as _monitoring
                unregister = _monitoring._unregister_event_duration_listener_by_callback
            unregister(listener)

    return counting
