"""EEG: project the activity through the bundled tvb76 lead field, look at the spectrum."""

import brainnet_cb as bn
from brainnet_cb import plots

from _common import duration, save

conn = bn.load_atlas("tvb76")
eeg = bn.EEG.from_atlas("tvb76", period=1.0)     # 63 sensors, period-mean of v projected every 1 ms
ds = bn.simulate(bn.CoombesByrne(), conn, duration=duration(20_000.0, 2_000.0), dt=0.1,
                 coupling=bn.Linear(G=1.0), noise=bn.Additive(v=0.3), monitors=[eeg], key=0)
print(ds.eeg)
psd = bn.spectrum(ds.eeg, segment=0.5)            # Welch, 0.5 s segments
peak = bn.peak_frequency(ds.eeg, segment=0.5, band=(1.0, 200.0))
print(f"peak frequency at Cz: {float(peak.sel(sensor='Cz')):.1f} {peak.attrs.get('units', 'Hz')}")
save(plots.eeg(ds, sensors=["Fp1", "Fz", "Cz", "Pz", "O1"], window=(ds.time_eeg.values[-1] - 500, None)),
     "eeg.png")
