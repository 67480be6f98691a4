r"""A fast linearised FC predictor for the noise-driven regime around a stable fixed point.

With additive white noise :math:`dx = F(x)\,dt + \sigma\, dW` (the SDE
convention of :class:`brainnet_cb.Additive`: one step adds
:math:`\sigma\sqrt{dt}\,\xi`), small fluctuations around a stable fixed point
:math:`x^*` are an Ornstein–Uhlenbeck process :math:`d\xi = A \xi\, dt + \sigma\, dW`
whose stationary covariance solves the Lyapunov equation

.. math:: A \Sigma + \Sigma A^\top + Q = 0, \qquad Q = \mathrm{diag}(\sigma^2),

with :math:`A` the delay-free Jacobian (1/ms; :mod:`brainnet_cb.dynamics.spectrum`).
FC of a state variable is the correlation matrix of its block of
:math:`\Sigma` (the linear-fluctuation picture of resting-state FC, Deco et al.
2013). FC of BOLD passes the fluctuations through the Balloon–Windkessel model
linearised at its operating point, the TR window mean and, optionally, the
0.01–0.1 Hz zero-phase band-pass, all exactly (:mod:`brainnet_cb.dynamics.bold_linear`).

**Delays.** They are neglected. For BOLD this is harmless: the haemodynamics
only pass frequencies below ~0.2 Hz, where :math:`e^{-i\omega\tau} \approx 1` for
delays of tens of ms. FC of ``r`` itself is a zero-lag correlation of
fluctuations that decorrelate within milliseconds, so conduction delays of the
same order change it: the ``r`` prediction is that of the delay-free network.
"""

from __future__ import annotations

from functools import partial

import jax
import jax.numpy as jnp
import numpy as np
import scipy.linalg
import xarray as xr

from ..analysis.filters import check_band
from ..analysis.global_signal import remove_global_covariance
from ..errors import DynamicsError
from ..monitors.base import COUPLING
from ..monitors.bold import Bold
from ..monitors.sources import check_source, source_signal
from ..noise import Additive
from ..units import to_ms
from .bold_linear import balloon_linearisation, bold_covariance, operating_point, spectral_integral, window_weights
from .fixed_points import as_state, fixed_point_near
from .system import build_network, in_float64, rhs_and_jacobian

__all__ = ["lyapunov_covariance", "noise_intensity", "linear_covariance", "linear_fc"]


def lyapunov_covariance(A, Q):
    r"""Stationary covariance :math:`\Sigma` with :math:`A\Sigma + \Sigma A^\top + Q = 0`.

    ``A`` must be real and stable (every eigenvalue with a negative real
    part: otherwise no stationary covariance exists); ``Q`` a real symmetric
    positive semidefinite noise intensity (a matrix, or its diagonal as a
    vector). Bartels–Stewart (:func:`scipy.linalg.solve_continuous_lyapunov`).
    For the linearised network :math:`\dot x = A x + B\,\xi(t)` driven by
    white noise, :math:`Q = B B^\top` and :math:`\Sigma` is the covariance of
    the stationary fluctuations (Deco et al. 2013).

    Parameters
    ----------
    A : array_like, shape (n, n)
        The Jacobian (1/ms), real, every eigenvalue with a negative real part.
    Q : array_like, shape (n, n) or (n,)
        Noise intensity (the state squared per ms), symmetric positive
        semidefinite, or its diagonal.

    Returns
    -------
    numpy.ndarray, shape (n, n)
        :math:`\Sigma`, symmetric, in the state's unit squared.

    Raises
    ------
    DynamicsError
        For an unstable, complex, non-square or non-finite ``A``, or a ``Q``
        that is not symmetric positive semidefinite, before solving.

    References
    ----------
    .. [1] R. H. Bartels, G. W. Stewart (1972). Solution of the matrix equation
       AX + XB = C. *Communications of the ACM* 15, 820–826.
    .. [2] G. Deco et al. (2013). Resting-state functional connectivity emerges
       from structurally and dynamically shaped slow linear fluctuations.
       *J. Neurosci.* 33, 11239–11252.

    Examples
    --------
    >>> import numpy as np, brainnet_cb as bn
    >>> bn.lyapunov_covariance(np.diag([-1.0, -2.0]), [2.0, 4.0])  # Q_ii / (2 |a_ii|)
    array([[1., 0.],
           [0., 1.]])
    """
    A, Q = _checked_lyapunov(A, Q)
    return _lyapunov(A, Q)


def _lyapunov(A, Q):
    """:func:`lyapunov_covariance` without its checks (``A`` stable, ``Q`` a matrix: the caller's)."""
    S = scipy.linalg.solve_continuous_lyapunov(A, -Q)
    return (S + S.T) / 2


def _checked_lyapunov(A, Q):
    """``(A, Q)`` as float arrays, ``Q`` a matrix; :class:`DynamicsError` naming what is wrong."""
    arrays = {}
    for name, value in (("A", A), ("Q", Q)):
        try:
            arr = np.asarray(value)
        except (TypeError, ValueError):
            arr = np.asarray(None)
        if arr.dtype.kind not in "biuf" or not np.all(np.isfinite(arr)):
            kind = "complex" if arr.dtype.kind == "c" else "non-finite or non-numeric"
            raise DynamicsError(
                f"lyapunov_covariance: {name} must hold real, finite numbers; got {kind} values "
                f"(dtype {arr.dtype}). Pass the real Jacobian (1/ms) and noise intensity sigma**2."
            )
        arrays[name] = arr.astype(float)
    A, Q = arrays["A"], arrays["Q"]
    if A.ndim != 2 or A.shape[0] != A.shape[1] or A.shape[0] == 0:
        raise DynamicsError(f"lyapunov_covariance: A must be a square matrix (m, m), m >= 1; got shape {A.shape}.")
    m = A.shape[0]
    if Q.shape not in ((m,), (m, m)):
        raise DynamicsError(
            f"lyapunov_covariance: Q must have shape ({m},) (its diagonal) or ({m}, {m}) to match A; "
            f"got shape {Q.shape}."
        )
    Q = np.diag(Q) if Q.ndim == 1 else Q
    scale = max(float(np.max(np.abs(Q))), np.finfo(float).tiny)
    if np.max(np.abs(Q - Q.T)) > 1e-12 * scale or np.min(np.linalg.eigvalsh((Q + Q.T) / 2)) < -1e-12 * scale:
        raise DynamicsError(
            "lyapunov_covariance: Q must be a symmetric positive semidefinite noise intensity (sigma**2 >= 0 on "
            "its diagonal); got a matrix that is not. Pass the squared amplitudes."
        )
    lead = float(np.max(np.linalg.eigvals(A).real)) if m else -1.0
    if not lead < 0:
        raise DynamicsError(
            f"lyapunov_covariance: A is not stable (largest real part of an eigenvalue {lead:.3g}): "
            "fluctuations grow and no stationary covariance exists. Linearise at a stable fixed point "
            "(FixedPoint.stable; lower G below critical_coupling)."
        )
    return A, Q


def noise_intensity(noise, model, n) -> np.ndarray:
    """:math:`\\sigma^2` per state and region, flat state-major ``(n_s n,)`` (1/ms)."""
    if not isinstance(noise, Additive):
        raise DynamicsError(
            f"noise must be bn.Additive(...), the white noise that drives the fluctuations "
            f"(e.g. bn.Additive(v=0.05)); got {noise!r}."
        )
    rows, sigma = noise.amplitudes(model, n, jnp.float64)
    q = np.zeros((len(model.states), n))
    for k, row in enumerate(rows):
        q[row] = np.asarray(sigma[k]) ** 2
    return q.ravel()


def _pair_array(values, labels, attrs):
    coords = {"region_i": ("region_i", list(labels)), "region_j": ("region_j", list(labels))}
    return xr.DataArray(values, dims=("region_i", "region_j"), coords=coords, attrs=attrs)


def _source(x, arrays, states, variable, scale):
    """``scale`` times the BOLD source (``(n,)``) of the state ``x`` (``(n_s, n)``)."""
    model = arrays.model
    sent = model.sent(x)
    obs = {s: x[k] for k, s in enumerate(states)}
    obs[COUPLING] = arrays.coupling.post(arrays.weights @ sent, sent, arrays.strength)
    return scale * source_signal(variable, obs, model)


@partial(jax.jit, static_argnames=("states", "variable"))
def _drive(x, arrays, states, variable, scale):
    """The source at ``x`` and its Jacobian ``(n, n_s n)`` (state-major)."""
    f = lambda xf: _source(xf.reshape(x.shape), arrays, states, variable, scale)  # noqa: E731
    return f(x.ravel()), jax.jacfwd(f)(x.ravel())


def _bold(network, x_star, jac, q, bold, band, order, dt, initial_state):
    """BOLD covariance ``(n, n)`` (see :mod:`brainnet_cb.dynamics.bold_linear`); ``jac = (A, lam, V)``."""
    A, lam, V = jac
    model = network.arrays.model
    check_source(bold.variable, model, "Bold")
    m = bold.bind(dt)
    c = {k: float(np.asarray(v)) for k, v in m.constants().items()}
    tr_s = m.tr / 1000.0
    band = None if band is None else check_band(band, 1.0 / tr_s, order, error=DynamicsError)
    n = network.n
    scale = jnp.broadcast_to(jnp.asarray(m.scale, jnp.float64), (n,))
    args = (network.arrays, network.states, bold.variable, scale)
    z_source, Cz = (np.asarray(v) for v in _drive(jnp.asarray(x_star, jnp.float64), *args))
    if m.baseline_mode == "initial":
        x0 = as_state(network, {} if initial_state is None else initial_state, "initial_state")
        base = np.asarray(_drive(jnp.asarray(x0, jnp.float64), *args)[0])
    elif m.baseline_mode == "value":
        base = np.asarray(scale) * np.broadcast_to(np.asarray(m.baseline, dtype=float), (n,))
    elif m.baseline_mode == "rest":  # z = scale (x - b) / |b| with b the source at the fixed point
        base = z_source
        Cz = Cz / np.abs(z_source / np.asarray(scale))[:, None]
    else:
        base = np.zeros(n)
    z_star = z_source - base
    h_star = operating_point(z_star, c)
    F, b, cy = balloon_linearisation(h_star, z_star, c)
    noisy = np.flatnonzero(q)
    L_s = np.zeros((q.size, noisy.size))
    L_s[noisy, np.arange(noisy.size)] = np.sqrt(1000.0 * q[noisy])
    if m.sampling == "point" and band is None:
        J = lambda lam: np.full(np.shape(lam), 0.5, dtype=complex)  # noqa: E731 (Lyapunov)
    else:
        w_max = 2 * np.pi * max(5.0 / tr_s, 2.0)
        omega = np.concatenate([[0.0], np.geomspace(2 * np.pi * 1e-5, w_max, int(80 * np.log10(w_max / 6.3e-5)))])
        w = window_weights(omega, tr_s, m.dt_bold / 1000.0, m.sampling, band, order)
        J = lambda lam: spectral_integral(lam, omega, w)  # noqa: E731
    return bold_covariance(1000.0 * A, L_s, Cz, F, b, cy, J, eig=(1000.0 * lam, V)), band


@in_float64
def linear_covariance(model, connectome, coupling=None, noise=None, *, observable="r", bold=None, band=None,
                      order=2, normalize="max", at=None, initial_state=None, dt=0.1) -> xr.DataArray:
    r"""Stationary covariance of ``observable`` in the noise-driven regime (linearised).

    Parameters
    ----------
    model, connectome, coupling, normalize
        As in :func:`brainnet_cb.simulate` (weights ``[target, source]``,
        normalised by :meth:`Connectome.normalized`).
    noise : Additive
        The white noise of the run, e.g. ``bn.Additive(v=0.05)``:
        :math:`Q = \mathrm{diag}(\sigma^2)` (1/ms).
    observable : str, default "r"
        A state variable, or ``"bold"``.
    bold : Bold, optional
        For ``observable="bold"``: the monitor of the run (preset, constants,
        ``tr``, ``sampling``, ``baseline``, ``scale``, source ``variable``);
        default ``bn.Bold()``. Its ``baseline`` sets the haemodynamic
        operating point exactly as in a run: ``"rest"`` (the default) with
        ``scale * (r - r*) / r*`` (rest, gain ``scale / r*``), ``None`` with
        ``scale * r*`` (away from rest), ``"initial"`` with
        ``scale * (r* - r(0))`` (rest when the run starts at the fixed point).
    band : (float, float) or True, optional
        Zero-phase Butterworth band-pass (Hz) of the BOLD series, as
        ``bn.fc(bold, band=...)``; ``True`` = (0.01, 0.1).
    order : int, default 2
        Butterworth order of the band-pass.
    at : FixedPoint, dict or array, optional
        The fixed point, or a state to find it from (default: the model's
        initial state); it must be stable. A :class:`FixedPoint` of a
        neighbouring parameter set (``max |F| > 1e-8`` /ms here) is such a
        start, not the point.
    initial_state : dict or FixedPoint, optional
        The run's initial state, for ``Bold(baseline="initial")`` (default the
        model's, as in :func:`brainnet_cb.simulate`).
    dt : float or brainunit.Quantity, default 0.1
        The run's step (ms); it only fixes the BOLD sub-step (``Bold.bind``).

    Returns
    -------
    xarray.DataArray
        ``(region_i, region_j)``; units: those of the observable squared.
    """
    fc, attrs, network = _predict(model, connectome, coupling, noise, observable, bold, band, order, normalize,
                                  at, initial_state, dt)
    attrs["long_name"] = f"linearised stationary covariance of {observable}"
    return _pair_array(fc, network.labels, attrs)


@in_float64
def linear_fc(model, connectome, coupling=None, noise=None, *, observable="r", bold=None, band=None, order=2,
              normalize="max", at=None, initial_state=None, dt=0.1, global_signal=False) -> xr.DataArray:
    r"""FC (Pearson correlation) predicted by the linearisation around a stable fixed point.

    Small fluctuations :math:`\xi = x - x^*` around a stable fixed point
    :math:`x^*` of the delay-free network, driven by the white noise
    :math:`dx = F(x)\,dt + \sigma\,dW`, follow the Ornstein–Uhlenbeck
    process :math:`d\xi = A\xi\,dt + \sigma\,dW` (:math:`A` the Jacobian at
    :math:`x^*`, 1/ms). Their stationary covariance solves the Lyapunov equation

    .. math:: A \Sigma + \Sigma A^\top + Q = 0, \qquad Q = \mathrm{diag}(\sigma^2),

    and the FC is its correlation matrix over the regions, for the block of
    ``observable``:

    .. math:: FC_{ij} = \Sigma_{ij} / \sqrt{\Sigma_{ii}\Sigma_{jj}}.

    For ``observable="bold"`` :math:`\Sigma` is the covariance of BOLD, the
    fluctuations passed through the linearised Balloon–Windkessel model, the
    TR window and the band-pass (:func:`linear_covariance`).
    ``global_signal=True`` takes the correlation of
    :math:`\Sigma - (\Sigma\mathbf 1)(\Sigma\mathbf 1)^\top / \mathbf 1^\top \Sigma \mathbf 1`,
    the covariance after global signal regression, as
    ``bn.fc(..., global_signal=True)`` computes from a series. Milliseconds
    for 80 regions, so ``G``, ``eta`` and noise can be scanned before
    simulating; it agrees with long simulations while the fluctuations stay
    small (see docs/working_point.md). Delays are neglected: harmless for
    BOLD (below ~0.2 Hz); FC of ``r`` is that of the delay-free network.

    Parameters
    ----------
    model : NodeModel
        E.g. ``bn.CoombesByrne(eta=-2.0)``; parameters scalars or per region.
    connectome : Connectome
        Weights ``[target, source]``, normalised by ``normalize`` as in
        :func:`brainnet_cb.simulate`.
    coupling : Coupling, default ``Linear(G=1.0)``
    noise : Additive
        The white noise of the run, e.g. ``bn.Additive(v=0.05)`` (amplitudes
        in the state per sqrt(ms)); :math:`Q = \mathrm{diag}(\sigma^2)` (1/ms).
    observable : str, default "r"
        A state variable, or ``"bold"``.
    bold : Bold, optional
        For ``observable="bold"``: the monitor of the run (``tr`` in ms,
        ``sampling``, ``baseline``, ``scale``, source ``variable``); default
        ``bn.Bold()``. See :func:`linear_covariance`.
    band : (float, float) or True, optional
        Zero-phase Butterworth band-pass (Hz) of the BOLD series, as
        ``bn.fc(bold, band=...)``; ``True`` = (0.01, 0.1).
    order : int, default 2
        Butterworth order of the band-pass.
    normalize : {"max", "row_sum", "log1p_max", "none"}, default "max"
    at : FixedPoint, dict or array, optional
        The fixed point, or a state to find it from (default: the model's
        initial state); it must be stable.
    initial_state : dict or FixedPoint, optional
        The run's initial state, for ``Bold(baseline="initial")``.
    dt : float or brainunit.Quantity, default 0.1
        The run's step (ms); it only fixes the BOLD sub-step.
    global_signal : bool, default False
        FC after global signal regression (above).

    Returns
    -------
    xarray.DataArray
        ``(region_i, region_j)`` labelled like :func:`brainnet_cb.fc`,
        diagonal 1, units ``"1"``; in ``attrs`` the observable, the noise
        and the largest real part of an eigenvalue of :math:`A` (1/ms).

    Raises
    ------
    DynamicsError
        If the fixed point is unstable (no stationary covariance), the noise
        is not ``Additive``, or a region has no fluctuations (no noise reaches
        it).

    References
    ----------
    .. [1] G. Deco et al. (2013). Resting-state functional connectivity emerges
       from structurally and dynamically shaped slow linear fluctuations.
       J. Neurosci. 33, 11239-11252.

    Examples
    --------
    Two regions: uncoupled, their fluctuations are independent; coupled, they correlate.

    >>> import brainnet_cb as bn
    >>> from brainnet_cb.dynamics import linear_fc
    >>> pair = bn.Connectome(weights=[[0, 1], [1, 0]], lengths=[[0, 30], [30, 0]])
    >>> [round(float(linear_fc(bn.CoombesByrne(eta=-2.0), pair, bn.Linear(G=G), bn.Additive(v=0.05))[0, 1]), 4)
    ...  for G in (0.0, 0.5)]
    [0.0, 0.0058]

    FC of BOLD (TR 720 ms), band-passed to 0.01-0.1 Hz as empirical FC is:

    >>> fc = linear_fc(bn.CoombesByrne(eta=-2.0), pair, bn.Linear(G=0.5), bn.Additive(v=0.05),
    ...                observable="bold", bold=bn.Bold(tr=720.0), band=True)
    >>> fc.dims, round(float(fc[0, 1]), 4)
    (('region_i', 'region_j'), 0.0116)
    """
    cov, attrs, network = _predict(model, connectome, coupling, noise, observable, bold, band, order, normalize,
                                   at, initial_state, dt)
    if global_signal:
        cov = remove_global_covariance(cov)
        attrs["global_signal_regression"] = 1
    var = np.diag(cov)
    if np.any(var <= 1e-14 * np.max(np.abs(var))):
        i = int(np.argmin(var))
        raise DynamicsError(
            f"region {network.labels[i]!r} has no fluctuations of {observable} (variance 0): no noise reaches "
            "it. Put noise on a state that drives it, e.g. bn.Additive(v=0.05)."
        )
    sd = np.sqrt(var)
    fc = cov / np.outer(sd, sd)
    np.fill_diagonal(fc, 1.0)
    attrs.update(long_name=f"linearised functional connectivity of {observable} (Pearson r)", units="1")
    return _pair_array(fc, network.labels, attrs)


def _predict(model, connectome, coupling, noise, observable, bold, band, order, normalize, at, initial_state, dt):
    network = build_network(model, connectome, coupling, normalize=normalize)
    q = noise_intensity(noise, network.arrays.model, network.n)
    noise = noise.resolved(network.arrays.model)  # quantity amplitudes as numbers, as a run's attrs show them
    if not isinstance(observable, str) or (observable != "bold" and observable not in network.states):
        raise DynamicsError(
            f"observable must be a state variable of {type(model).__name__} {network.states} or 'bold'; "
            f"got {observable!r}."
        )
    step = None if isinstance(dt, bool) else to_ms(dt, "dt", DynamicsError)
    if not (isinstance(step, float) and np.isfinite(step) and step > 0):
        raise DynamicsError(f"dt must be the run's time step > 0 (ms); got {dt!r}.")
    dt = step
    fp = fixed_point_near(network, at)  # a FixedPoint of other parameters is a start, not the point
    _, A = rhs_and_jacobian(jnp.asarray(fp.values, jnp.float64), network.arrays, network.port)
    A = np.asarray(A)
    lam, V = np.linalg.eig(A)
    lead = np.max(lam.real)
    if not lead < 0:
        raise DynamicsError(
            f"the fixed point is not stable (largest real eigenvalue {lead:.3g} /ms): the linear "
            "predictor needs a stable fixed point. Lower G (see critical_coupling) or pick another at=."
        )
    attrs = {"observable": observable, "method": "Lyapunov equation, delay-free linearisation",
             "max_real_eigenvalue_per_ms": float(lead), "noise": noise._full_repr(),
             "weights_normalization": normalize}
    if observable == "bold":
        cov, band = _bold(network, fp.values, (A, lam, V), q, Bold() if bold is None else _check_bold(bold),
                          band, order, float(dt), initial_state)
        if band is not None:
            attrs.update(band_hz=list(band), filter_order=int(order))
        return cov, attrs, network
    if band is not None or bold is not None:
        raise DynamicsError(
            f"band and bold apply to observable='bold'; got observable={observable!r} with "
            f"band={band!r}, bold={bold!r}. Drop them, or ask for observable='bold'."
        )
    k = network.states.index(observable)
    S = _lyapunov(A, np.diag(q))  # A checked stable above
    n = network.n
    return S[k * n:(k + 1) * n, k * n:(k + 1) * n], attrs, network


def _check_bold(bold):
    if not isinstance(bold, Bold):
        raise DynamicsError(f"bold must be a bn.Bold(...) monitor (e.g. bn.Bold(tr=720.0)); got {bold!r}.")
    return bold
