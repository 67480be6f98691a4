"""Bring your own connectome: weights, tract lengths and labels from plain files.

Here we first write the files (as your tractography pipeline would), then read
them back with brainnet_cb's readers and simulate. ``weights[i, j]`` is the
connection from source j to target i; lengths in mm.
"""

import pathlib
import tempfile

import numpy as np

import brainnet_cb as bn
from brainnet_cb import io, plots

from _common import duration, save

folder = pathlib.Path(tempfile.mkdtemp())
rng = np.random.default_rng(1)
n = 10
labels = [f"{side}{name}" for side in "lr" for name in ("V1", "V2", "M1", "S1", "PFC")]
centres = rng.normal(0, 40, size=(n, 3))
lengths = np.linalg.norm(centres[:, None] - centres[None], axis=-1)   # mm
weights = np.exp(-lengths / 40) * (rng.random((n, n)) < 0.6)
np.fill_diagonal(weights, 0)
np.savetxt(folder / "weights.csv", weights, delimiter=",")
np.savetxt(folder / "lengths.csv", lengths, delimiter=",")
(folder / "labels.txt").write_text("\n".join(labels) + "\n")

# --- your files in, a checked Connectome out ---
conn = io.read_matrix(folder / "weights.csv", folder / "lengths.csv", labels=folder / "labels.txt")
print(conn)
io.write_npz(conn, folder / "my_connectome.npz")       # one file for next time
assert io.read_connectome(folder / "my_connectome.npz") == conn

ds = bn.simulate(bn.CoombesByrne(), conn, duration=duration(60_000.0, 5_000.0), dt=0.1,
                 coupling=bn.Linear(G=1.0), noise=bn.Additive(v=0.3), monitors=[bn.TemporalAverage(1.0)], key=0)
print(ds.r.mean("time").to_series().round(3).to_string())
save(plots.fc_matrix(bn.fc(ds.r), title="FC of r, own connectome"), "own_connectome_fc.png")
