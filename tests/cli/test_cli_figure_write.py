"""The command's summary PNG is written as every output is: locked, through a temporary name of its own.

It went through the fixed name ``.<name>.tmp.png``, which two commands writing
one figure shared and which a killed command left behind. Now a killed
writer's ``.<name>.<id>.tmp`` is deleted by the next writer of the figure, and
the PNG is byte for byte what ``savefig`` writes.
"""

import pytest

from brainnet_cb._destinations import temporary_path
from brainnet_cb.cli.common import save_figure


def test_the_figure_is_the_same_png_and_a_killed_writers_temporary_goes(tmp_path):
    plt = pytest.importorskip("matplotlib.pyplot")
    fig, ax = plt.subplots(figsize=(2, 2))
    ax.plot([0, 1, 4])
    path = tmp_path / "run.png"
    path.write_bytes(b"the previous figure")  # --overwrite: replaced
    stale = temporary_path(path)
    stale.write_bytes(b"\x89PNG half")  # a command killed while it saved the figure
    save_figure(fig, path)
    fig.savefig(tmp_path / "ref.png", dpi=110)
    plt.close(fig)
    assert path.read_bytes() == (tmp_path / "ref.png").read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ref.png", "run.png"]
