"""Simulated BOLD FC against empirical FC on the bundled HCP data (80 AAL2 regions), no download.

The group structural connectome of ``bn.load_empirical("hcp80")`` drives the
Coombes-Byrne network at its working point: the linear stage of
``bn.fit_working_point`` picks the excitability eta0, the coupling G / G_ref,
the weight exponent, the weight of connections between homotopic regions, the
noise amplitude of every region and the weight of every connection (refined
from the tracts', with the excitability of every region holding its fixed
point) from the connectome and the FC of the fit group of subjects (no
simulation; in short mode, the structural weights).
One noisy run started at the network's fixed point is then compared with the
FC of the held-out test group, beside the structure-function baseline
corr(SC, FC). A second run of the linearised network on the same noise
(``bn.linearised_model``) removes most of that run's sampling error: its
expected FC is known exactly (``bn.linear_fc``), so
``FC_lin + FC_run - FC_twin`` estimates the model's FC as the recipe does.
"""

import numpy as np

import brainnet_cb as bn
from brainnet_cb import plots

from _common import SHORT, duration, save

bn.enable_float64()  # weak noise: the balloon's fluctuations around rest need float64
hcp = bn.load_empirical("hcp80")
conn = hcp.connectome
print(f"structure-function baseline corr(SC, FC): fit group {hcp.sc_baseline('fit'):.3f}, "
      f"test group {hcp.sc_baseline('test'):.3f}")

wp = bn.fit_working_point(conn, hcp.fc_fit, test_fc=hcp.fc_test, values=[-2.0] if SHORT else None,
                          effective_connectivity=not SHORT, simulate=False, progress=False)
a = wp.attrs
print(f"working point: eta0 = {a['value']:g}, G = {a['G']:.3f} = {a['G_over_G_ref']:g} G_ref "
      f"(linear prediction: fit group {a['fit_corr_linear']:.3f}, test group {a['test_corr_linear']:.3f})")

# the run of the chosen point (float64, from its fixed point, with the fit's step and BOLD monitor): normalised
# weights at the kept exponent, with homotopic connections, refined to the fit group; the noise of every region
# fitted to the fit group (the most driven region gets the recipe's 0.02); the excitability of every region
spec = bn.fitted_simulation(wp, duration=duration(288_000.0, 36_000.0))
model, fitted, coupling, noise = spec.model, spec.connectome, spec.coupling, spec.noise
print(f"weights W ** {a['weight_exponent']:g}, homotopic connections {a['homotopic_weight']:g} x max(W) between "
      f"{a['homotopic_pairs']} pairs of regions")
print(f"noise amplitudes {float(wp.noise_scale.min()):.3f} to 1 x 0.02 (median {float(wp.noise_scale.median()):.3f})")
if "excitability" in wp:  # refined weights: the excitability of every region that holds the fixed point
    ratio = wp.weights.values[wp.structural_weights.values > 0] / wp.structural_weights.values[
        wp.structural_weights.values > 0]
    print(f"connection weights x {ratio.min():.3g} to {ratio.max():.3g} of the tracts' (median "
          f"{np.median(ratio):.3g}); eta of the regions {float(wp.excitability.min()):.2f} to "
          f"{float(wp.excitability.max()):.2f}")
ds = spec.run()
fp = bn.network_fixed_point(model, fitted, coupling, normalize="none", start=spec.initial_state)
band = None if SHORT else (0.01, 0.1)
sim = bn.fc(ds.bold, discard=duration(30.0, 5.0), band=band)
fit = bn.fc_fit(sim, hcp.fc_test)
print(f"one {ds.bold.sizes['time_bold']}-volume run: FC fit to the held-out group r = {float(fit['corr']):.3f}, "
      f"RMSE = {float(fit['rmse']):.3f}; mean FC {float(sim.values[np.triu_indices(conn.n_regions, 1)].mean()):.2f} "
      f"(data {float(hcp.fc_test.values[np.triu_indices(conn.n_regions, 1)].mean()):.2f})")
save(plots.fc_scatter(sim, hcp.fc_test, title=f"held-out group: r = {float(fit['corr']):.2f} "
                      f"(SC baseline {hcp.sc_baseline('test'):.2f})"), "bold_fc_vs_empirical.png")

# the same noise through the linearised network: a control variate for the run's sampling error
twin = bn.linearised_model(model, fitted, coupling, at=fp, normalize="none")
ds_twin = spec.replace(model=twin, initial_state=None).run()  # the twin's state is the deviation from fp: 0
exact = bn.linear_fc(model, fitted, coupling, noise, observable="bold",
                     bold=bn.Bold(tr=720.0, baseline="initial"), band=band, normalize="none", at=fp,
                     dt=a["dt_chosen"])
corrected = exact + sim - bn.fc(ds_twin.bold, discard=duration(30.0, 5.0), band=band)
print(f"with its linearised twin on the same noise: FC fit to the held-out group r = "
      f"{float(bn.fc_fit(corrected, hcp.fc_test)['corr']):.3f} (the linearised FC alone: "
      f"{float(bn.fc_fit(exact, hcp.fc_test)['corr']):.3f})")
