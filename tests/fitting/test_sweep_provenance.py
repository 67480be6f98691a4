"""A sweep's result file says how its runs were made and scored: the best point is made again from it bit for bit.

Was: the result recorded the grid (coordinates), the fixed parameters and the seed, but not the monitors its
signal came from, the FCD settings, ``fisher_z``, the kept outputs, nor which empirical FC it was scored against.
"""

import json

import numpy as np
import xarray as xr

import brainnet_cb as bn
from brainnet_cb.simulation.provenance import array_sha256

CONN = bn.Connectome([[0, 1, 0], [1, 0, 1], [0.5, 1, 0]], np.full((3, 3), 20.0), labels=["a", "b", "c"])
TARGET = np.array([[1.0, 0.6, 0.2], [0.6, 1.0, 0.4], [0.2, 0.4, 1.0]])


def test_the_best_point_of_a_sweep_is_made_again_bit_for_bit_from_its_file(tmp_path):
    res = bn.sweep(bn.CoombesByrne(eta=-4.6), CONN, {"G": [0.2, 0.6], "noise_v": [0.1]}, empirical_fc=TARGET,
                   signal="r", band=None, fisher_z=True, fcd_window=0.05, keep=["r"], duration=100.0,
                   monitors=[bn.TemporalAverage(2.0)], key=4, progress=False, batch_size=1)
    back = xr.load_dataset(bn.write_netcdf(res, tmp_path / "sweep.nc"))
    a = back.attrs
    assert (a["scored_fisher_z"], a["keep"], a["summaries"]) == (1, '["r"]', "[]")
    assert a["batch_size"] == 1  # members run one by one through the single-run engine (vectorised: to 1 ulp)
    assert json.loads(a["fcd"]) == {"window_s": 0.05, "step_s": None, "k": 1}
    assert a["empirical_fc_sha256"] == array_sha256(TARGET) and a["empirical_fcd_sha256"] == "none"
    assert json.loads(a["monitors"]) == ["TemporalAverage(period=2.0)"]
    assert a["connectome_sha256"] == CONN.sha256() and a["brainnet_cb_version"] == bn.__version__

    best = back.fc_corr.argmax(...)  # the best point, rerun from what the file records
    G, sigma = float(back.G[best["G"]]), float(back.noise_v[best["noise_v"]])
    names = {k: getattr(bn, k) for k in bn.__all__}
    again = bn.simulate(bn.get_model(a["model"])(**json.loads(a["model_parameters"])), CONN,
                        duration=float(a["duration"]), dt=float(a["dt"]), speed=float(a["speed"]),
                        coupling=bn.Linear(G=G), noise=bn.Additive(v=sigma), key=json.loads(a["seed"]),
                        monitors=[eval(m, {"__builtins__": {}}, names) for m in json.loads(a["monitors"])],
                        method=a["method"], normalize=a["weights_normalization"], dtype=a["dtype"])
    assert a["coupling"] == "Linear(G=batch)" and a["noise"] == "Additive(v=batch)"
    kept = back.raw_r.isel(best).values
    assert np.ptp(kept) > 0
    np.testing.assert_array_equal(again.r.values, kept)


def test_a_sweep_without_targets_says_so():
    res = bn.sweep(bn.CoombesByrne(), CONN, {"G": [0.1, 0.2]}, signal="r", band=None, duration=20.0,
                   monitors=[bn.TemporalAverage(1.0)], summaries={"peak": lambda ds: float(ds.r.max())},
                   progress=False)
    a = res.attrs
    assert (a["empirical_fc_sha256"], a["empirical_fcd_sha256"], a["scored_fisher_z"]) == ("none", "none", 0)
    assert (a["keep"], a["summaries"]) == ("[]", '["peak"]')
    assert json.loads(a["fcd"]) == {"window_s": 60.0, "step_s": None, "k": 1}
