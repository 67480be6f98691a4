"""A user's own lead field for bn.EEG: what is refused at construction, before any run, and why."""

import re

import brainunit as u
import jax.numpy as jnp
import numpy as np
import pytest

import brainnet_cb as bn

CONN = bn.Connectome(weights=[[0, 1, 0.5], [1, 0, 0.2], [0.3, 1, 0]], lengths=[[0, 30, 40], [30, 0, 50], [40, 50, 0]],
                     centres=[[-30.0, 10, 40], [30, -10, 35], [0, -40, 20]])
GAIN = np.random.default_rng(0).normal(size=(5, 3))  # 5 sensors x 3 regions


def test_a_jax_gain_with_nan_is_refused_as_a_numpy_one_is():
    # a jnp gain skipped every check: the run produced an all-NaN EEG without a word
    bad = jnp.asarray(GAIN).at[1, 2].set(jnp.nan)
    with pytest.raises(bn.MonitorError, match=r"^EEG gain must be finite; rows \[1\] hold NaN or inf\. Drop those "
                                              r"sensors \(e\.g\. gain\[np\.isfinite\(gain\)\.all\(axis=1\)\]\)\.$"):
        bn.EEG(gain=bad)
    # a finite jnp gain gives the same EEG as the numpy one
    run = dict(duration=5.0, dt=0.1, key=0)
    a = bn.simulate(bn.CoombesByrne(), CONN, monitors=[bn.EEG(gain=jnp.asarray(GAIN))], **run).eeg.values
    b = bn.simulate(bn.CoombesByrne(), CONN, monitors=[bn.EEG(gain=GAIN)], **run).eeg.values
    np.testing.assert_array_equal(a, b)


def test_a_transposed_gain_is_named_as_such():
    # regions x sensors: the old message asked for a (3, 3) gain
    with pytest.raises(bn.MonitorError, match=r"(?s)^EEG gain has 5 columns \(regions\) but the connectome has 3 "
                                              r"regions; the gain must have shape \(sensors, 3\), columns in the "
                                              r"connectome's region order\. It looks transposed \(regions x "
                                              r"sensors\): pass gain\.T\.(\n-+\nFor simplicity, JAX .*)?$"):  # JAX may add its note
        bn.simulate(bn.CoombesByrne(), CONN, duration=2.0, monitors=[bn.EEG(gain=GAIN.T)])
    with pytest.raises(bn.MonitorError, match=r"5 sensor labels for a gain with 3 rows.*looks transposed"):
        bn.EEG(gain=GAIN.T, sensors=list("abcde"))


def test_repeated_sensor_labels_are_refused():
    # two "Cz": the sensor axis and reference="Cz" were ambiguous (the first one was used)
    with pytest.raises(bn.MonitorError, match=r"^EEG sensor labels must be unique \(they name the output's sensor "
                                              r"axis and the reference\); \['Cz'\] occur more than once\. Rename or "
                                              r"drop the repeated sensors\.$"):
        bn.EEG(gain=GAIN, sensors=["Cz", "Cz", "Fz", "Pz", "Oz"], reference="Cz")
    with pytest.raises(bn.MonitorError, match=r"^EEG sensor labels must be unique \(they name the output's sensor "
                                              r"axis and the reference\); \['a'\] occur more than once\. Rename or "
                                              r"drop the repeated sensors\.$"):
        bn.EEG.sphere(CONN, (["a", "a"], [[0, 0, 90.0], [0, 90.0, 0]]))


@pytest.mark.parametrize("kwargs, match", [
    (dict(gain=GAIN * u.volt), r"gain must be plain numbers, with their unit in units=\.\.\.; got a quantity in V"),
    (dict(gain=np.ones((0, 3))), r"got shape \(0, 3\) \(one row per sensor, one column per region"),
    (dict(gain=GAIN, sensors="abcde"), r"sensors must be a sequence of labels.*got the string 'abcde'"),
    (dict(gain=GAIN, positions=np.full((5, 3), np.nan)), r"positions must be finite; rows \[0, 1, 2, 3, 4\]"),
    (dict(gain=GAIN, units=None), r"units must be a non-empty string such as 'V' or 'a\.u\.'; got None"),
])
def test_inputs_that_were_accepted_silently_are_refused(kwargs, match):
    # a quantity's unit was dropped (output "a.u."); an empty gain, a label string split into characters,
    # NaN positions (a NaN montage in MNE) and units=None (not writable to netCDF) all went through
    with pytest.raises(bn.MonitorError, match=match):
        bn.EEG(**kwargs)


def test_average_reference_output_sums_to_zero_over_sensors_at_every_sample():
    ds = bn.simulate(bn.CoombesByrne(), CONN, duration=20.0, dt=0.1, noise=bn.Additive(v=0.3), key=1,
                     monitors=[bn.EEG(gain=GAIN, period=0.5)])
    y = ds.eeg.values
    np.testing.assert_allclose(y.sum(axis=1), 0.0, atol=1e-13 * np.abs(y).max())


def test_a_file_name_an_mne_forward_or_an_image_as_gain_says_how_to_load_it(tmp_path):
    # each was stored as the gain and failed later with IndexError / a JAX TypeError
    mne = pytest.importorskip("mne")
    nib = pytest.importorskip("nibabel")
    path = tmp_path / "leadfield.npy"
    np.save(path, GAIN)
    with pytest.raises(bn.MonitorError, match=r"not a file name \(.*leadfield\.npy'\); load it first, e\.g\. "
                                              r"gain=np\.load\(path\)"):
        bn.EEG(gain=str(path))
    with pytest.raises(bn.MonitorError, match="^" + re.escape(
            f"MEG gain must be an array (sensors, regions), not a file name ({path!r}); load it first, e.g. "
            "gain=np.load(path), or an MNE -fwd.fif file with bn.MEG.from_mne(path, parcellation, connectome).")
            + "$"):
        bn.MEG(gain=path)
    with pytest.raises(bn.MonitorError, match=r"got a Forward\. For an MNE forward solution use "
                                              r"bn\.EEG\.from_mne\(forward, parcellation, connectome\)"):
        bn.EEG(gain=mne.Forward())
    img = nib.Nifti1Image(GAIN.reshape(5, 3, 1).astype(np.float32), np.eye(4))
    with pytest.raises(bn.MonitorError, match=r"got a Nifti1Image\. Pass its data, e\.g\. gain=np\.asarray\(img\.dataobj\)"):
        bn.EEG(gain=img)
    # the loaded array is what it takes
    ds = bn.simulate(bn.CoombesByrne(), CONN, duration=2.0, dt=0.1, monitors=[bn.EEG(gain=np.load(path), period=0.1),
                                                                                 bn.Raw(name="raw")])
    v = ds.raw_v.values
    np.testing.assert_allclose(ds.eeg.values, (v @ GAIN.T) - (v @ GAIN.T).mean(axis=1, keepdims=True), rtol=1e-12,
                               atol=1e-14 * np.abs(v @ GAIN.T).max())


def test_sensor_positions_in_metres_are_refused_not_collapsed_onto_one_point():
    # MNE montages hold metres: read as mm and projected from the region centres' mean, 10 electrodes
    # landed within 0.08 degrees of each other, every one seeing the same potential
    rng = np.random.default_rng(3)
    cap = rng.normal(size=(10, 3))
    cap[:, 2] = np.abs(cap[:, 2])
    cap = 0.09 * cap / np.linalg.norm(cap, axis=1, keepdims=True)  # metres, upper hemisphere
    labels = [f"E{i}" for i in range(10)]
    for build in (bn.EEG.sphere, bn.EEG.infinite):
        with pytest.raises(bn.MonitorError, match=r"^the 10 positions span only 0\.191 mm, on a sphere of radius 90 "
                                                  r"mm: they would all project to almost one point\. Positions are "
                                                  r"in mm; multiply positions in metres \(MNE's montages\) by 1000, "
                                                  r"or pass brainunit quantities\.$"):
            build(CONN, (labels, cap))
    with pytest.raises(bn.MonitorError, match=r"positions span only 0\.\d+ mm; they are in mm"):
        bn.EEG(gain=np.ones((10, 3)), sensors=labels, positions=cap)
    # the same cap in mm, or as a quantity in metres, is taken, with the electrodes where they were
    a = bn.EEG.sphere(CONN, (labels, cap * 1e3), centre=[0, 0, 0])
    b = bn.EEG.sphere(CONN, (labels, cap * u.meter), centre=[0, 0, 0])
    np.testing.assert_allclose(np.asarray(a.positions), cap * 1e3, rtol=1e-12)
    np.testing.assert_array_equal(a.gain, b.gain)


def test_a_monitor_without_a_gain_can_be_shown_and_says_what_it_needs():
    # repr raised IndexError (the shape of None), e.g. when a notebook displayed it or an error message named it
    assert repr(bn.EEG()).startswith("EEG(gain=None, period=1.0") and str(bn.MEG()).startswith("MEG(gain=None")
    assert repr(bn.EEG(gain=GAIN)).startswith("EEG(gain=<5x3>")
    with pytest.raises(bn.MonitorError, match=r"^EEG needs a gain matrix of shape \(sensors, regions\); pass "
                                              r"gain=\.\.\., or build it with EEG\.sphere\(connectome, montage\)\.$"):
        bn.simulate(bn.CoombesByrne(), CONN, duration=2.0, monitors=[bn.EEG()])


def test_one_sensor_with_a_reference_is_refused_not_recorded_as_zeros():
    # the default average reference of a single electrode subtracted it from itself: an all-zero EEG
    top = (["top"], [[0, 0, 90.0]])
    with pytest.raises(bn.MonitorError, match=r"^EEG with one sensor \('top'\) and reference='average' would be "
                                              r"zero at every sample \(a sensor minus itself\); pass reference=None "
                                              r"\(the gain's own reference\)\.$"):
        bn.EEG.sphere([[0, 0, 70.0]], top, radius=90.0, centre=[0, 0, 0], orientations=[[0, 0, 1.0]])
    with pytest.raises(bn.MonitorError, match=r"^EEG with one sensor \('S0'\) and reference='S0' would be zero at "
                                              r"every sample \(a sensor minus itself\); pass reference=None \(the "
                                              r"gain's own reference\)\.$"):
        bn.EEG(gain=[[1.0, 2.0, 3.0]], reference="S0")
    one = bn.EEG(gain=[[1.0, 2.0, 3.0]], reference=None, period=0.1)
    ds = bn.simulate(bn.CoombesByrne(), CONN, duration=2.0, dt=0.1, monitors=[one, bn.Raw(name="raw")])
    np.testing.assert_allclose(ds.eeg.values[:, 0], ds.raw_v.values @ [1.0, 2.0, 3.0], rtol=1e-12)
