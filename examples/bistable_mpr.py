"""The bistable Montbrio-Pazo-Roxin regime (Rabuffo et al. 2021): node states, switching, BOLD FC and FCD.

Delta = 0.7, eta = -4.6, J = 14.5: every node has a low-rate stable node and a
high-rate stable focus (checked with brainnet_cb.dynamics); noise on v kicks
regions between them and coupling spreads the jumps (cascades). The regime is
stiff: dt = 0.01 ms keeps r > 0 (at dt = 0.1 ms a jump to the up state can
diverge). A monostable control (eta = -6, same noise and coupling) runs in the
same compiled batch. Scores: switches per region, time in the up state, the
spread of the FCD of BOLD and its KS distance to the control's FCD.
"""

import time

import numpy as np

import brainnet_cb as bn
from brainnet_cb import plots
from brainnet_cb.dynamics import network_fixed_points

from _common import SHORT, duration, save

node = bn.MontbrioPazoRoxin(Delta=0.7, eta=-4.6, J=14.5)
fps = network_fixed_points(node, bn.Connectome(np.zeros((1, 1)), np.zeros((1, 1))), bn.Linear(G=0.0))
print("node fixed points:", [(round(float(fp.values[0, 0]), 4), "stable" if fp.stable else "saddle") for fp in fps])

rng = np.random.default_rng(0)  # a small random connectome: 8 regions, half of the edges
n = 8
w = rng.random((n, n)) * (rng.random((n, n)) < 0.5)
np.fill_diagonal(w, 0.0)
conn = bn.Connectome(w, rng.uniform(10, 60, (n, n)) * (1 - np.eye(n)), name="rand8")

dur = duration(120_000.0, 3_000.0)
tr = 500.0 if not SHORT else 100.0
monitors = [bn.TemporalAverage(10.0), bn.Bold(tr=tr, baseline="initial")]
t0 = time.perf_counter()
ds = bn.simulate_batch(node, conn, duration=dur, dt=0.01, batch={"eta": [-4.6, -6.0]}, coupling=bn.Linear(G=2.5),
                       speed=2.0, noise=bn.Additive(v=1.2), monitors=monitors, key=1,
                       initial_state={"r": float(fps[0].values[0, 0]), "v": float(fps[0].values[1, 0])})
print(f"{dur / 1000:g} s simulated at dt = 0.01 ms (two runs in one batch): {time.perf_counter() - t0:.1f} s wall")
r = ds.r.values
up = r > 0.4523  # above the saddle
print("min r:", float(r.min()))
for b, name in enumerate(["bistable (eta -4.6)", "control (eta -6.0)"]):
    switches = np.abs(np.diff(up[b].astype(int), axis=0)).sum(0)
    print(f"{name}: switches per region {switches.tolist()}, time up {np.round(up[b].mean(0), 2).tolist()}")

discard = duration(20.0, 0.5)  # s of BOLD transient
window, step = (20.0, 2.0) if not SHORT else (0.8, 0.2)
fcds = [bn.fcd(ds.bold.isel(batch=b), window=window, step=step, discard=discard) for b in range(2)]
k = int(round(window / step))
for b, name in enumerate(["bistable", "control"]):
    v = fcds[b].values[np.triu_indices(fcds[b].shape[0], k)]
    fc = bn.fc(ds.bold.isel(batch=b), discard=discard).values[np.triu_indices(n, 1)]
    print(f"{name}: BOLD FC mean {fc.mean():.3f}; FCD values mean {v.mean():.3f}, std {v.std():.3f}")
print(f"KS distance of the two FCDs (non-overlapping windows): {float(bn.ks_distance(fcds[0], fcds[1], k=k)):.3f}")
save(plots.fc_matrix(fcds[0].rename(window_i="region_i", window_j="region_j"), title="FCD, bistable MPR",
                     labels=False), "bistable_mpr_fcd.png")
