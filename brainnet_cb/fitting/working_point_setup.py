"""What a point of :func:`~brainnet_cb.fitting.working_point.fit_working_point`'s scan runs with (step 2).

At each point to be simulated (and at the chosen one), a noise variance per
region is fitted to the fit FC in the slow limit
(:func:`~brainnet_cb.fitting.regional_noise.choose_shrinkage`), then the weight
of every existing connection with it
(:func:`~brainnet_cb.fitting.effective_connectivity.choose_connection_shrinkage`),
each fitted once per point: :func:`setups_for` returns the lookups the
simulation stage reads, ``setup_at`` (the point's
:class:`~brainnet_cb.fitting.working_point_result.Setup`) and
``structure_at`` (what its delay checks read, without the fits).
"""

from __future__ import annotations

import dataclasses

import jax
import numpy as np

from ..coupling import Linear
from ..dynamics.spectrum import network_delays
from ..dynamics.system import build_network
from ..errors import FitError
from .effective_connectivity import choose_connection_shrinkage
from .regional_noise import choose_shrinkage, regional_fc, slow_limit_response
from .working_point_inputs import Inputs
from .working_point_result import Setup
from .working_point_scan import stable_step
from .working_point_simulation import grows_with_delays, runs_near

__all__ = ["setups_for", "refinement_report"]


def setups_for(scan, inp: Inputs, bar=None):
    """``setup_at`` and ``structure_at`` of the points of ``scan``, each fitted once.

    ``setup_at((point, refined))`` is the connectome, normalisation, fixed
    point and noise of the point, and its fits (``Setup``); ``refined``
    False: on the structural weights (the last resort). ``bar``: where the
    refinement of the weights shows its cross-validated path.
    """
    points, conn_w, norm_w = scan.points, scan.connectome, scan.normalize
    scanned = conn_w.normalized(norm_w)  # the weights the refined ones scale
    fit_fc, fit_mask, run, noise, n = inp.targets.fit_fc, inp.targets.fit_mask, inp.run, inp.noise, inp.n
    gsr = run.global_signal
    setups = {}  # per (point, refined): what it runs with (its regional noise, its refined weights)
    alone_fits = {}  # per point: its noise fitted alone and that fit's FC (its structural and refined setups')
    structure_grows = {}  # per point: whether its structural weights grow with the delays (counted once)

    def grows_structurally(p):
        if p not in structure_grows:
            m, G, fp, _ = points[p]
            structure_grows[p] = grows_with_delays(m, conn_w, G, fp, normalize=norm_w, speed=run.speed, dt=run.dt,
                                                   tr=run.tr_ms)
        return structure_grows[p]

    def fitted_alone(p):
        if p not in alone_fits:
            B, q = slow_limit_response(points[p].fixed_point, inp.sigma, inp.row)
            alone = (choose_shrinkage(B, q, fit_fc, fit_mask, key=run.key, global_signal=gsr, halves=inp.halves)
                     if inp.regional_noise else None)
            alone_fits[p] = alone, (regional_fc(B, q, alone.factors, gsr) if inp.regional_noise else points[p].fc)
        return alone_fits[p]

    def structure_at(c):
        """What the delay checks of ``c`` read (model, connectome, normalisation, fixed point, ``step``): on
        the structural weights without fitting the noise, refined through :func:`setup_at`."""
        if c[1]:
            return setup_at(c)
        m, _, fp, _ = points[c[0]]
        return Setup(m, conn_w, norm_w, fp, None, None, None, None, None, structure_grows.get(c[0], False))

    def setup_at(c):
        """The connectome, normalisation, fixed point and noise of ``c = (point, refined)``, and its fits
        (``Setup``); ``refined`` False: on the structural weights (the last resort)."""
        if c not in setups:
            p, refine = c
            m, G, fp, _ = points[p]
            alone, fc_structural = fitted_alone(p)
            ec, accepted = None, {}  # id -> (an accepted refit, the step its delay checks passed at)
            # where the delays destabilise the point on its structural weights, a refused refit is not scaled back
            # toward them (on an HCP subject, 100 regions: every scale-back refused, 9 x ~10 s per point)
            grows = refine and inp.simulate and grows_structurally(p)
            if refine:
                with jax.enable_x64(True):
                    network = build_network(m, conn_w, Linear(), normalize=norm_w).with_strength(G)

                def usable(candidate):  # the slow limit ignores the delays and the nonlinearity: run it
                    m_c = dataclasses.replace(m, **{inp.parameter: candidate.values})
                    conn_c = scanned.replace(weights=candidate.weights)
                    noise_c = noise if candidate.noise is None else candidate.noise.apply(noise, n)
                    step = runs_near(m_c, conn_c, G, candidate.fixed_point, noise_c, speed=run.speed, dt=run.dt,
                                     tr=run.tr_ms, key=run.key)
                    if step is not None:  # refused refits are not kept (on 400 regions ~10 MB each)
                        accepted[id(candidate)] = candidate, step
                    return step is not None

                ec = choose_connection_shrinkage(network, fp, inp.parameter, inp.sigma, inp.row, fit_fc, fit_mask,
                                                 alone, key=run.key, accept=usable if inp.simulate else None,
                                                 global_signal=gsr, workers=inp.workers,
                                                 report=refinement_report(bar), scale_back=not grows,
                                                 delays=delays_at(network, run) if inp.simulate else None,
                                                 halves=inp.halves)
                if bar is not None:
                    bar.set_postfix_str("")
            refined = ec is not None and np.isfinite(ec.shrinkage)
            if refined:
                m_p = dataclasses.replace(m, **{inp.parameter: ec.values})
                conn_p, norm_p = scanned.replace(weights=ec.weights), "none"
                fp_p, fitted_noise = ec.fixed_point, ec.noise
            else:
                m_p, conn_p, norm_p, fp_p, fitted_noise = m, conn_w, norm_w, fp, alone
            run_noise = noise if fitted_noise is None else fitted_noise.apply(noise, n)
            step = accepted[id(ec)][1] if refined and id(ec) in accepted else None
            setups[c] = Setup(m_p, conn_p, norm_p, fp_p, run_noise, fitted_noise, ec, step, fc_structural, grows)
        return setups[c]

    return setup_at, structure_at


def delays_at(network, run):
    """:func:`simulated_delays` of ``network`` as a function of the fixed point of the weights at hand: a refit's
    step follows its own Jacobian (on Schaefer's 100 regions after GSR a refit made stable with the delays rounded
    at the structural point's 0.125 ms ran at 0.1 ms, where 10 of its delayed roots grew)."""
    return lambda fp: simulated_delays(network, fp, run)


def simulated_delays(network, fp, run):
    """The tract delays (ms) ``[target, source]`` rounded to the step the runs at ``fp`` start from
    (:func:`~brainnet_cb.fitting.working_point_scan.stable_step`), or None where no step keeps Heun's scheme
    stable (the point is not run)."""
    try:
        step = stable_step(fp, run.dt, run.tr_ms)
    except FitError:
        return None
    return np.asarray(network_delays(network, run.speed, step))


def refinement_report(bar):
    """The ``report`` hook of :func:`choose_connection_shrinkage` that shows its cross-validated path in ``bar``
    (None without a bar)."""
    if bar is None:
        return None
    paths = {}

    def report(share, shrinkage, cv_score):
        path = paths.setdefault(share, [])
        pairs = "all connections" if share == 1 else f"the strongest {share:g} of the connections"
        if cv_score is None:
            bar.set_postfix_str(f"refitting {pairs} at lambda_e={shrinkage:g}, half the folds' "
                                f"(held-out corr by lambda_e: {', '.join(path)})")
        else:
            path.append(f"{shrinkage:g}: {cv_score:.3f}")
            bar.set_postfix_str(f"refining {pairs}, held-out corr by lambda_e: {', '.join(path)}")

    return report
