"""bn.fitted_simulation: the fitted working point as a Simulation spec that reruns the fit's own realisation."""

import re

import numpy as np
import pytest
import xarray as xr

import brainnet_cb as bn
from brainnet_cb.data.empirical_data import load_empirical
from brainnet_cb.errors import FitError, ModelError, SimulationError


@pytest.fixture(scope="module")
def fitted():
    """A 20-region fit with every per-region part on: refined weights, the excitability that holds each region's
    fixed point, regional noise, homotopic connections; one realisation (its FC is ``fc_runs``)."""
    hcp = load_empirical("hcp80")
    labels = list(hcp.connectome.labels[:20])
    fit, test = (fc.sel(region_i=labels, region_j=labels) for fc in (hcp.fc_fit, hcp.fc_test))
    return bn.fit_working_point(hcp.connectome.subset(labels), fit, test_fc=test, values=[-2.0],
                                fractions=[1.0, 1.05], weight_exponents=[1.0], homotopic_weights=[0.0, 1.0],
                                seeds=1, duration=20_000.0, discard=2.0, band=None, control_variate=False,
                                progress=False)


def _fc(spec, res):
    return bn.fc(spec.run(progress=False).bold, discard=res.attrs["discard_s"], band=None).values


def test_the_spec_reruns_the_fits_realisation_bit_for_bit(fitted):
    res = fitted
    # the point exercises every per-region part of the spec
    assert np.isfinite(res.attrs["connection_shrinkage"]) and res.attrs["homotopic_weight"] > 0
    spec = bn.fitted_simulation(res)
    assert np.ptp(spec.noise.sigma["v"]) > 0 and np.ptp(spec.model.eta) > 0
    np.testing.assert_array_equal(spec.model.eta, res.excitability.values)
    np.testing.assert_array_equal(spec.connectome.weights, res.weights.values)
    np.testing.assert_array_equal(spec.noise.sigma["v"], 0.02 * res.noise_scale.values)
    assert (spec.dt, spec.duration, spec.coupling.G, spec.normalize) == (res.attrs["dt_chosen"], 20_000.0,
                                                                        res.attrs["G"], "none")
    np.testing.assert_array_equal(_fc(spec, res), res.fc_runs.values)


def test_the_spec_starts_at_the_fixed_point_of_the_fitted_network(fitted):
    spec = bn.fitted_simulation(fitted)
    fp = bn.network_fixed_point(spec.model, spec.connectome, spec.coupling, normalize="none",
                                start=spec.initial_state)
    np.testing.assert_allclose(fp.values, fitted.fixed_point.values, rtol=0, atol=1e-10)
    assert fp.stable


def test_the_results_netcdf_file_by_path_or_read_back_gives_the_same_spec(fitted, tmp_path):
    path = tmp_path / "fit.nc"
    fitted.to_netcdf(path)
    with xr.open_dataset(path) as back:
        a, b = bn.fitted_simulation(fitted), bn.fitted_simulation(back.load())
    _same_spec(a, b)
    _same_spec(a, bn.fitted_simulation(path))  # the path itself
    _same_spec(a, bn.fitted_simulation(str(path)))


def _same_spec(a, b):
    for name in ("Delta", "eta", "k", "v_syn"):
        np.testing.assert_array_equal(getattr(a.model, name), getattr(b.model, name), err_msg=name)
    np.testing.assert_array_equal(a.connectome.weights, b.connectome.weights)
    np.testing.assert_array_equal(a.connectome.lengths, b.connectome.lengths)
    np.testing.assert_array_equal(a.noise.sigma["v"], b.noise.sigma["v"])
    for s in ("r", "v"):
        np.testing.assert_array_equal(a.initial_state[s], b.initial_state[s])
    assert (a.dt, a.duration, a.coupling.G, a.speed, a.key, a.monitors) == (b.dt, b.duration, b.coupling.G, b.speed,
                                                                          b.key, b.monitors)


def test_options_replace_the_fits_run_settings(fitted):
    spec = bn.fitted_simulation(fitted, duration=1_000.0, key=7, monitors=[bn.TemporalAverage(1.0)])
    assert (spec.duration, spec.key) == (1_000.0, 7)
    assert isinstance(spec.monitors[0], bn.TemporalAverage)
    with pytest.raises(FitError, match=r"^unknown Simulation field 'durashun' \(did you mean 'duration'\?\); choose "
                                       r"from \['model', 'connectome', 'duration', 'dt', 'coupling', 'speed', "
                                       r"'noise', 'monitors', 'key', 'method', 'initial_state', 'history', "
                                       r"'normalize', 'dtype', 'edges', 'stimulus'\]\.$"):
        bn.fitted_simulation(fitted, durashun=1_000.0)


def test_the_model_class_comes_from_the_registry_or_the_caller(fitted):
    renamed = fitted.assign_attrs(model="MyCoombesByrne")
    with pytest.raises(ModelError, match=r"^unknown node model 'MyCoombesByrne'; known models are \['CoombesByrne', "
                                         r"'CoombesByrne4D', 'JansenRit', 'MontbrioPazoRoxin'\]\. Third-party models "
                                         r"are found through the entry-point group 'brainnet_cb\.nodes': install the "
                                         r"package that provides it \(pip install \.\.\.\); a model of your own is "
                                         r"registered with bn\.register_model\(cls\)\.$"):
        bn.fitted_simulation(renamed)
    spec = bn.fitted_simulation(renamed, model_class=bn.CoombesByrne)
    np.testing.assert_array_equal(spec.model.eta, fitted.excitability.values)


@pytest.mark.parametrize("make, message", [
    (lambda res: res.fc, r"^fitted_simulation needs the xarray\.Dataset that bn\.fit_working_point returns, or the "
                         r"path of its NetCDF file; got DataArray\.$"),
    (lambda res: res.assign_attrs(title="something else"), r"^this Dataset is not a result of bn\.fit_working_point "
                                                           r"\(its title is 'something else', not 'brainnet_cb "
                                                           r"working-point fit'\)\.$"),
    (lambda res: res.drop_vars("fixed_point"), r"^this fit result lacks fixed_point: it was written by an older "
                                               r"brainnet_cb; run bn\.fit_working_point again to record its chosen "
                                               r"point\.$"),
    (lambda res: xr.Dataset(attrs={k: v for k, v in res.attrs.items() if k not in ("model_parameters",
                                                                                    "noise_amplitudes")}),
     r"^this fit result lacks model_parameters, noise_amplitudes, weights, lengths, fixed_point: it was written by an "
     r"older brainnet_cb; run bn\.fit_working_point again to record its chosen point\.$"),
])
def test_what_is_not_a_complete_fit_result_is_refused(fitted, make, message):
    with pytest.raises(FitError, match=message):
        bn.fitted_simulation(make(fitted))


@pytest.mark.float32
def test_in_float32_mode_the_spec_asks_for_float64_or_takes_float32(fitted):
    """The fit's runs are float64; in a float32 session the spec says so, and dtype="float32" runs there."""
    with pytest.raises(SimulationError, match=r"^dtype float64 was asked for but JAX is in float32 mode "
                                              r"\(jax_enable_x64 is off; importing brainstate can switch it off\)\. "
                                              r"Call bn\.enable_float64\(\) first\.$"):
        bn.fitted_simulation(fitted)
    spec = bn.fitted_simulation(fitted, dtype="float32", duration=100.0, monitors=[bn.TemporalAverage(1.0)])
    ds = spec.run(progress=False)
    assert ds.r.dtype == np.float32
    np.testing.assert_allclose(ds.r.values[0], fitted.fixed_point.sel(state="r").values, rtol=1e-3)


def test_a_missing_or_damaged_file_is_refused_naming_it(fitted, tmp_path):
    missing = tmp_path / "nowhere.nc"
    with pytest.raises(FitError, match=rf"^fit result file not found: {re.escape(repr(str(missing)))}\. Check the path "
                                       r"and the working directory\.$"):
        bn.fitted_simulation(missing)
    path = tmp_path / "fit.nc"
    fitted.to_netcdf(path)
    path.write_bytes(path.read_bytes()[:2000])  # truncated
    with pytest.raises(FitError, match=rf"^the fit result {re.escape(repr(str(path)))} cannot be read: it is "
                                       r"truncated, damaged or of another format \(.+\)\. Write it again: "
                                       r"brainnet-cb fit, or bn\.write_netcdf\(res, path\)\.$"):
        bn.fitted_simulation(path)


def test_the_result_records_what_made_it(fitted, tmp_path):
    """Was: a fit_working_point result named no brainnet_cb or JAX version, dtype, connectome nor device."""
    import jax

    from brainnet_cb.simulation.provenance import device_name

    back = xr.load_dataset(bn.write_netcdf(fitted, tmp_path / "fit.nc"))
    hcp = load_empirical("hcp80")
    conn = hcp.connectome.subset(list(hcp.connectome.labels[:20]))
    a = back.attrs
    assert (a["brainnet_cb_version"], a["jax_version"], a["device"], a["dtype"]) == (
        bn.__version__, jax.__version__, device_name(), "float64")
    assert (a["connectome"], a["connectome_sha256"]) == (conn.name, conn.sha256())
    assert a["source"].startswith(f"brainnet_cb {bn.__version__} (jax {jax.__version__}, ")
    assert a["history"].startswith(f"brainnet_cb {bn.__version__}: working-point fit\n")


def test_a_result_made_with_other_software_is_warned_about(fitted):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        same = bn.fitted_simulation(fitted)  # this brainnet_cb, JAX and device: nothing to say
    old = fitted.copy()
    old.attrs = dict(fitted.attrs, brainnet_cb_version="0.0.1")
    with pytest.warns(RuntimeWarning, match="^" + re.escape(
            f"this fit result was made with brainnet_cb_version '0.0.1'; this process has brainnet_cb_version "
            f"'{bn.__version__}': the spec reruns the fit's first realisation, but bit for bit only with the same "
            "brainnet_cb, JAX and device.") + "$"):
        spec = bn.fitted_simulation(old)
    _same_spec(spec, same)


def test_a_fit_records_the_file_its_connectome_was_read_from(tmp_path):
    """A working-point fit's provenance names the connectome's file (as runs do), and only where there is one."""
    import json

    from brainnet_cb.fitting.working_point_result import _software

    conn = bn.load_atlas("tvb76")
    path = bn.io.write_graphml(conn, tmp_path / "sc.graphml")
    read = bn.io.read_graphml(path)
    recorded = _software(read)
    assert json.loads(recorded["connectome_source"]) == read.source
    assert read.source["path"] == str(path.resolve())
    assert recorded["connectome_sha256"] == read.sha256()
    assert "connectome_source" not in _software(conn)
