"""glass_brain without nilearn: an ImportError naming the extra (runs whether nilearn is installed or not)."""

import sys

import pytest

import brainnet_cb as bn
from brainnet_cb.glass_brain import glass_brain


@pytest.mark.parametrize("missing", ["nilearn", "nilearn.plotting"])
def test_without_nilearn_the_error_is_an_import_error_naming_the_extra(monkeypatch, missing):
    monkeypatch.setitem(sys.modules, missing, None)  # importing it raises ImportError
    if "nilearn" in sys.modules and sys.modules["nilearn"] is not None:  # imported by an earlier test: `from nilearn
        monkeypatch.delattr(sys.modules["nilearn"], "plotting", raising=False)  # import plotting` reads its attribute
    conn = bn.Connectome(weights=[[0, 1], [1, 0]], lengths=[[0, 30], [30, 0]], centres=[[-30, 0, 40], [30, 0, 40]])
    # it was a BrainnetError (a ValueError): `except ImportError` around an optional plot missed it
    with pytest.raises(ImportError, match=r"^glass_brain needs nilearn and matplotlib; install them with pip install "
                                          r"'brainnet-cb\[nilearn\]' \(or pip install nilearn matplotlib\)\. Importing "
                                          r"nilearn\.plotting failed: ") as err:
        glass_brain(conn)
    assert isinstance(err.value, bn.BrainnetError)  # as before
