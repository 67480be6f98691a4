"""A parameter sweep: global coupling G against noise, one compiled program per batch.

Scores each run by how strongly its regions interact (mean BOLD FC, fc_mean)
and, given an empirical FC, by the fit; here the empirical FC is a run of the
model itself at G = 1.0, noise 0.3 (a synthetic ground truth).
"""

import numpy as np

import brainnet_cb as bn
from brainnet_cb import plots
from brainnet_cb.sweep import sweep

from _common import SHORT, duration, save

conn = bn.load_atlas("tvb76")
if SHORT:
    conn = conn.subset(conn.labels[:16])  # 16 regions: a quick check
dur = duration(120_000.0, 7_200.0)
monitors = [bn.Bold(tr=720.0, discard=duration(20_000.0, 1_440.0))]
truth = bn.simulate(bn.CoombesByrne(), conn, duration=dur, coupling=bn.Linear(G=1.0),
                    noise=bn.Additive(v=0.3), monitors=monitors, key=1)
grid = {"G": np.linspace(0.0, 1.5, 3 if SHORT else 7), "noise_v": [0.1, 0.3] if SHORT else [0.1, 0.2, 0.3, 0.5]}
res = sweep(bn.CoombesByrne(), conn, grid, duration=dur, noise=bn.Additive(v=0.3), monitors=monitors,
            empirical_fc=bn.fc(truth.bold), band=None, key=0)
print(res.fc_corr.round(3).to_pandas())
best = res.fc_corr.fillna(-1).argmax(...)
print("best:", {k: float(res[k][int(i)]) for k, i in best.items()}, f"diverged runs: {int(res.diverged.sum())}")
save(plots.sweep_heatmap(res, "fc_corr"), "parameter_sweep.png")
