"""Resting state on a bundled atlas: simulate, look at BOLD FC, save a summary figure.

Run: python examples/resting_state.py   (BRAINNET_CB_SHORT=1 for a quick run)
"""

import numpy as np

import brainnet_cb as bn
from brainnet_cb import plots

from _common import duration, save

conn = bn.load_atlas("tvb76")  # weights[target, source], lengths in mm
print(conn)

ds = bn.simulate(
    bn.CoombesByrne(),                         # Delta=1, eta=2, k=1, v_syn=-4
    conn,
    duration=duration(300_000.0, 14_400.0),    # ms: 5 min (short: 14.4 s)
    dt=0.1,
    coupling=bn.Linear(G=1.0),
    speed=3.0,                                 # mm/ms
    noise=bn.Additive(v=0.3),
    monitors=[bn.TemporalAverage(10.0), bn.Bold(tr=720.0, discard=duration(20_000.0, 2_880.0))],
    key=0,
)
fc = bn.fc(ds.bold)
iu = np.triu_indices(conn.n_regions, k=1)
w = conn.normalized("max").weights
print(f"BOLD FC over {ds.sizes['time_bold']} volumes: mean {float(fc.values[iu].mean()):.3f}; "
      f"correlation with the structural weights {np.corrcoef(fc.values[iu], (w + w.T)[iu])[0, 1]:.3f}")
save(plots.summary(ds, fc=fc), "resting_state.png")
