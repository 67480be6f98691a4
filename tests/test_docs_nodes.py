"""docs/nodes.md ("Write your own node model") runs as written."""

import doctest
import pathlib

DOC = pathlib.Path(__file__).resolve().parents[1] / "docs" / "nodes.md"


def test_write_your_own_node_model_page_runs():
    result = doctest.testfile(
        str(DOC), module_relative=False, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE,
        raise_on_error=False, verbose=False,
    )
    assert result.attempted >= 15
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples in docs/nodes.md failed"
