"""Several parameters fitted together: seed-averaged objectives, heterogeneity scales, FC + FCD, Nelder-Mead."""

import numpy as np
import pytest

import brainnet_cb as bn
from brainnet_cb.fitting.nelder_mead import fit_nelder_mead

RUN = dict(duration=2000.0, dt=0.1, noise=bn.Additive(v=0.1), monitors=[bn.TemporalAverage(5.0)])
FIT = dict(signal="r", discard=0.1, band=None)
M = np.array([-1.0, 0.5, 0.0, 1.5])


@pytest.fixture(scope="module")
def conn():
    w = np.array([[0, 1, 0, 0.5], [1, 0, 1, 0], [0, 1, 0, 1], [0.5, 0, 1, 0]], float)
    return bn.Connectome(w, np.full((4, 4), 20.0), name="ring4")


@pytest.fixture(scope="module")
def target(conn):
    return bn.fc(bn.simulate(bn.CoombesByrne(), conn, coupling=bn.Linear(G=1.0), **RUN).r, discard=0.1)


def test_seed_average_scores_the_mean_fc(conn, target):
    res = bn.fit_grid(bn.CoombesByrne(), conn, grid={"G": [0.5, 1.0]}, empirical_fc=target, objective="corr+rmse",
                      refine=None, seeds=[3, 4, 5], keep_fc=True, **RUN, **FIT)
    fcs = [bn.fc(bn.simulate(bn.CoombesByrne(), conn, coupling=bn.Linear(G=1.0), key=k, **RUN).r, discard=0.1)
           for k in (3, 4, 5)]
    mean = np.mean([f.values for f in fcs], axis=0)
    np.testing.assert_allclose(res.fc_all.values[1], mean, atol=1e-12)
    fit = bn.fc_fit(mean, target)
    assert float(res.corr[1]) == pytest.approx(float(fit.corr), abs=1e-12)
    assert float(res.loss[1]) == pytest.approx(1 - float(fit.corr) + float(fit.rmse), abs=1e-12)
    assert float(res.G) == 1.0 and res.attrs["seeds"] == "[3, 4, 5]"


def test_heterogeneity_scale_is_recovered_with_eta(conn):
    z = (M - M.mean()) / M.std()
    truth = bn.CoombesByrne(eta=1.5 + 0.4 * z)
    target = bn.fc(bn.simulate(truth, conn, coupling=bn.Linear(G=1.0), **RUN).r, discard=0.1)
    res = bn.fit_grid(bn.CoombesByrne(), conn, grid={"eta": [1.0, 1.5], "eta_scale": [0.0, 0.4, 0.8]},
                      heterogeneity=M, empirical_fc=target, objective="rmse", refine=None,
                      coupling=bn.Linear(G=1.0), **RUN, **FIT)
    assert (float(res.eta), float(res.eta_scale)) == (1.5, 0.4)
    assert float(res.loss.min()) == pytest.approx(0.0, abs=1e-12)
    assert res.grid_loss.dims == ("grid_eta", "grid_eta_scale")
    np.testing.assert_allclose(res.eta_effective.values, 1.5 + 0.4 * z, rtol=1e-12)
    # the grid's fold: loss at (eta=1.0, scale=0.8) is the loss of that run
    other = bn.fc(bn.simulate(bn.CoombesByrne(eta=1.0 + 0.8 * z), conn, coupling=bn.Linear(G=1.0), **RUN).r,
                  discard=0.1)
    assert float(res.grid_loss[0, 2]) == pytest.approx(float(bn.fc_fit(other, target).rmse), abs=1e-12)


def test_nelder_mead_fits_coupling_and_noise_together(conn, target):
    res = fit_nelder_mead(bn.CoombesByrne(), conn, init={"G": 0.8, "noise_v": 0.13}, empirical_fc=target,
                          objective="rmse", maxfev=24, **RUN, **FIT)
    assert float(res.G) == pytest.approx(1.0, rel=0.1)
    assert float(res.noise_v) == pytest.approx(0.1, rel=0.2)
    assert float(res.loss.min()) < 0.2 * float(res.loss[0])
    assert set(res.stage.values) == {"nelder-mead"} and res.sizes["iteration"] <= 24


def test_fc_and_fcd_together_pool_the_fcd_over_seeds(conn):
    mon = [bn.TemporalAverage(20.0)]
    run = dict(duration=3000.0, dt=0.1, monitors=mon, noise=bn.Additive(v=0.2))
    one = bn.simulate(bn.CoombesByrne(), conn, coupling=bn.Linear(G=2.0), key=9, **run)
    fcd_t, fc_t = bn.fcd(one.r, window=0.4, step=0.1), bn.fc(one.r)
    kw = dict(fcd_window=0.4, fcd_step=0.1, signal="r", band=None, **run)
    res = bn.fit_grid(bn.CoombesByrne(), conn, grid={"G": [0.5, 2.0]}, empirical_fc=fc_t, empirical_fcd=fcd_t,
                      objective="corr+fcd_ks", refine=None, seeds=[1, 2], **kw)
    fcds = [bn.fcd(bn.simulate(bn.CoombesByrne(), conn, coupling=bn.Linear(G=2.0), key=k, **run).r, window=0.4,
                   step=0.1).values for k in (1, 2)]
    pooled = np.concatenate([d[np.triu_indices(d.shape[0], 1)] for d in fcds])
    ks = float(bn.ks_distance(pooled, fcd_t))
    assert float(res.fcd_ks[1]) == pytest.approx(ks, abs=1e-12)
    assert float(res.loss[1]) == pytest.approx(1 - float(res.corr[1]) + ks, abs=1e-12)
    assert float(res.G) == 2.0


def test_edges_option_and_progress_reach_the_sweeps(conn, target, capsys):
    res = bn.fit_grid(bn.CoombesByrne(), conn, grid={"G": [0.7, 1.4]}, empirical_fc=target, objective="rmse",
                      refine="grid", refine_rounds=1, refine_points=2, edges="segment", progress=True, **RUN, **FIT)
    padded = bn.fit_grid(bn.CoombesByrne(), conn, grid={"G": [0.7, 1.4]}, empirical_fc=target, objective="rmse",
                         refine=None, edges="padded", **RUN, **FIT)
    assert res.attrs["edges"] == "segment" and padded.attrs["edges"] == "padded"
    np.testing.assert_allclose(res.loss.values[:2], padded.loss.values, rtol=1e-9)
    err = capsys.readouterr().err
    assert "sweep" in err and "refine" in err


@pytest.mark.parametrize(
    "call,kwargs,message",
    [
        ("grid", dict(seeds=[1, 1]), r"^seeds must be distinct integers \(one random key per noise realisation\), "
                                     r"e\.g\. seeds=range\(4\); got \[1, 1\]\.$"),
        ("grid", dict(seeds=[1], grid={"seed": [1, 2]}), r"^give seeds= \(realisations averaged at every point\) or a "
                                                         r"grid over 'seed', not both\.$"),
        ("grid", dict(grid={"eta_scale": [0.0, 1.0]}), r"^unknown parameter 'eta_scale' in grid; choose from the "
                                                       r"parameters of CoombesByrne \['Delta', 'eta', 'k', 'v_syn'\], "
                                                       r"of Linear \['G'\], 'speed', 'seed', or 'noise_<state>' with "
                                                       r"a state of \['r', 'v'\] \(e\.g\. 'noise_v'\)\.$"),
        ("grid", dict(grid={"eta_scale": [0.0]}, heterogeneity="thickness"),
         r"^heterogeneity must be None, 'strength' or an array of 4 values \(one per region\); got 'thickness'\.$"),
        ("grid", dict(grid={"eta_scale": [0.0]}, heterogeneity={"J": M}), r"^heterogeneity is given for 'J', which is "
                                                                          r"not a parameter of CoombesByrne "
                                                                          r"\['Delta', 'eta', 'k', 'v_syn'\]; pass "
                                                                          r"heterogeneity=\{'<parameter>': map\}\.$"),
        ("grid", dict(keep_fc=1), r"^keep_fc must be True or False; got 1\.$"),
        ("nm", dict(init={"G": np.ones(4)}), r"^init\['G'\] must be a finite scalar \(Nelder-Mead fits global values; "
                                             r"fit per-region values with bn\.fit_gradient or a heterogeneity "
                                             r"scale\); got array\(\[1\., 1\., 1\., 1\.\]\)\.$"),
        ("nm", dict(init={"seed": 1}), r"^'seed' cannot be fitted; average over realisations with seeds=\[\.\.\.\] "
                                       r"instead\.$"),
        ("nm", dict(init={"G": 0.5}, bounds={"G": (1.0, 2.0)}), r"^init\['G'\] = 0\.5 lies outside bounds \(1\.0, "
                                                                r"2\.0\)\.$"),
        ("nm", dict(init={"G": 0.5}, bounds={"G": (-1.0, 2.0)}),
         r"^bounds\['G'\] = \(-1\.0, 2\.0\) reach outside the domain of 'G' \(coupling\.G\), \[0, inf\), the values "
         r"a fit searches\. Give bounds inside it, e\.g\. bounds=\{'G': \(0\.0, 2\.0\)\} \(None for the domain's "
         r"own end\)\.$"),
        ("nm", dict(init={"Delta": 1.0}, bounds={"Delta": (-0.5, None)}),
         r"^bounds\['Delta'\] = \(-0\.5, None\) reach outside the domain of 'Delta' \(model\.Delta\), \[0, inf\), the "
         r"values a fit searches\. Give bounds inside it, e\.g\. bounds=\{'Delta': \(0\.0, None\)\} \(None for the "
         r"domain's own end\)\.$"),
        ("nm", dict(init={"speed": 3.0}, bounds={"speed": (-1.0, 10.0)}),
         r"^bounds\['speed'\] = \(-1\.0, 10\.0\) reach outside the domain of 'speed', \(0, inf\), the values a fit "
         r"searches\. Give bounds inside it, e\.g\. bounds=\{'speed': \(0\.0, 10\.0\)\} \(None for the domain's own "
         r"end\)\.$"),
        ("nm", dict(init={"G": 0.5}, step={"eta": 0.1}), r"^step must map fitted names \['G'\] to widths > 0; got "
                                                         r"\{'eta': 0\.1\}\.$"),
    ],
)
def test_bad_multi_parameter_fits_are_refused(conn, target, call, kwargs, message):
    kw = dict(RUN, **FIT, empirical_fc=target)
    with pytest.raises(bn.FitError, match=message):
        if call == "grid":
            bn.fit_grid(bn.CoombesByrne(), conn, **dict(dict(grid={"G": [0.5, 1.0]}), **kwargs), **kw)
        else:
            fit_nelder_mead(bn.CoombesByrne(), conn, **kwargs, **kw)


def test_gradient_of_the_seed_mean_loss_through_a_heterogeneity_scale(conn, target):
    import jax

    from brainnet_cb.fitting.fit import fc_loss

    run = dict(RUN, duration=1000.0)
    f, p, problem = fc_loss(bn.CoombesByrne(), conn, target, init={"G": 1.0, "eta_scale": 0.2}, loss="rmse",
                            seeds=[3, 4], heterogeneity=M, **run, **FIT)
    z = (M - M.mean()) / M.std()
    fcs = [bn.fc(bn.simulate(bn.CoombesByrne(eta=2.0 + 0.2 * z), conn, coupling=bn.Linear(G=1.0), key=k,
                             **run).r, discard=0.1).values for k in (3, 4)]
    value_and_grad = jax.jit(jax.value_and_grad(f, has_aux=True))
    (loss, (_, _, F, bad)), g = value_and_grad(p)
    np.testing.assert_allclose(np.asarray(F), np.mean(fcs, axis=0), atol=1e-10)
    assert float(loss) == pytest.approx(float(bn.fc_fit(np.mean(fcs, axis=0), target).rmse), abs=1e-10)
    h = 1e-5
    (lo, _), _ = value_and_grad(dict(p, eta_scale=p["eta_scale"] - h))
    (hi, _), _ = value_and_grad(dict(p, eta_scale=p["eta_scale"] + h))
    fd = (float(hi) - float(lo)) / (2 * h)
    assert float(g["eta_scale"]) == pytest.approx(fd, rel=1e-3) and abs(fd) > 1e-4
    assert problem["kinds"] == {"G": "coupling", "eta_scale": "heterogeneity"} and int(bad) == -1


def test_gradient_fit_of_several_parameters_with_a_map(conn, target):
    res = bn.fit_gradient(bn.CoombesByrne(), conn, target, init={"G": 0.7, "eta": 1.8, "eta_scale": 0.3},
                          steps=3, learning_rate=0.05, loss="rmse", heterogeneity=M, progress=False,
                          **dict(RUN, duration=1000.0), **FIT)
    assert res.loss.values[-1] < res.loss.values[0]
    assert res.eta_scale.dims == () and res.eta_effective.dims == ("region",)
    z = (M - M.mean()) / M.std()
    np.testing.assert_allclose(res.eta_effective.values, float(res.eta) + float(res.eta_scale) * z, rtol=1e-12)
