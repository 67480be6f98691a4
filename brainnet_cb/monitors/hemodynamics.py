r"""The Balloon–Windkessel hemodynamic model: parameters, vector field, BOLD signal.

Time is in **seconds** here (the neural model runs in ms; the BOLD monitor
converts once). With the neural drive :math:`z(t)`, vasodilatory signal
:math:`s`, normalised inflow :math:`f`, blood volume :math:`v` and
deoxyhaemoglobin content :math:`q`:

.. math::

   \dot s &= z - \kappa s - \gamma (f - 1),\\
   \dot f &= s,\\
   \tau \dot v &= f - v^{1/\alpha},\\
   \tau \dot q &= f\,\frac{1 - (1 - E_0)^{1/f}}{E_0} - v^{1/\alpha}\,\frac{q}{v},\\
   y &= V_0 \left[k_1 (1 - q) + k_2 (1 - q/v) + k_3 (1 - v)\right].

Rest is :math:`s = 0,\ f = v = q = 1` (``s`` starts at 0, not 1), where
:math:`y = 0`. The vector field is written so that rest is an *exact*
floating-point fixed point: the extraction ratio is evaluated as
:math:`E(f)/E_0 = 1 - \frac{1-E_0}{E_0}\,\mathrm{expm1}\!\big((1/f - 1)\,
\mathrm{log1p}(-E_0)\big)` and :math:`v^{1/\alpha} q / v` as
:math:`q\,\exp((1/\alpha - 1)\log v)`, both exactly 1 at rest.

Presets (``PRESETS``):

- ``"classic"`` (Friston et al. 2000, 2003): kappa 0.65, gamma 0.41, tau 0.98,
  alpha 0.32, E0 0.34, V0 0.02, :math:`k_1 = 7E_0`, :math:`k_2 = 2`,
  :math:`k_3 = 2E_0 - 0.2`.
- ``"revised_1.5T"`` and ``"revised_3T"`` (Obata et al. 2004; Stephan et al.
  2007): :math:`k_1 = 4.3\,\vartheta_0 E_0 T_E`,
  :math:`k_2 = \varepsilon r_0 E_0 T_E`, :math:`k_3 = 1 - \varepsilon`, with
  kappa 0.64, gamma 0.32, tau 2, alpha 0.32, E0 0.4, V0 0.04, eps 1 and
  (theta0, r0, TE) = (40.3/s, 25/s, 0.04 s) at 1.5 T, (80.6/s, 108/s, 0.03 s)
  at 3 T.

References
----------
.. [1] R. B. Buxton, E. C. Wong, L. R. Frank (1998). Dynamics of blood flow and
   oxygenation changes during brain activation: the balloon model. MRM 39, 855-864.
.. [2] K. J. Friston, A. Mechelli, R. Turner, C. J. Price (2000). Nonlinear
   responses in fMRI: the Balloon model, Volterra kernels, and other
   hemodynamics. NeuroImage 12, 466-477.
.. [3] K. J. Friston, L. Harrison, W. Penny (2003). Dynamic causal modelling.
   NeuroImage 19, 1273-1302.
.. [4] T. Obata et al. (2004). Discrepancies between BOLD and flow dynamics in
   primary and supplementary motor areas. NeuroImage 21, 144-153.
.. [5] K. E. Stephan, N. Weiskopf, P. M. Drysdale, P. A. Robinson, K. J. Friston
   (2007). Comparing hemodynamic models with DCM. NeuroImage 38, 387-401.
"""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np

from ..errors import MonitorError

__all__ = [
    "PRESETS",
    "check_preset",
    "check_constants",
    "HEMODYNAMIC_CONSTANTS",
    "resolve_constants",
    "balloon_rhs",
    "balloon_rk4_step",
    "bold_signal",
    "rest_state",
]

_HEMO = {"kappa": 0.64, "gamma": 0.32, "tau": 2.0, "alpha": 0.32, "E0": 0.4, "V0": 0.04, "eps": 1.0}

#: Named parameter sets. ``k1``..``k3`` are derived (see :func:`resolve_constants`).
PRESETS = {
    "classic": {"kappa": 0.65, "gamma": 0.41, "tau": 0.98, "alpha": 0.32, "E0": 0.34, "V0": 0.02},
    "revised_1.5T": dict(_HEMO, theta0=40.3, r0=25.0, TE=0.04),
    "revised_3T": dict(_HEMO, theta0=80.6, r0=108.0, TE=0.03),
}

#: Every constant a user may override: unit, meaning, and constraint
#: (``"positive"``: > 0; ``"fraction"``: in (0, 1); ``"real"``: finite).
HEMODYNAMIC_CONSTANTS = {
    "kappa": ("1/s", "rate of signal decay", "positive"),
    "gamma": ("1/s", "rate of flow-dependent elimination", "positive"),
    "tau": ("s", "haemodynamic transit time", "positive"),
    "alpha": ("1", "Grubb's exponent", "positive"),
    "E0": ("1", "resting oxygen extraction fraction", "fraction"),
    "V0": ("1", "resting venous blood volume fraction", "positive"),
    "k1": ("1", "intravascular coefficient", "real"),
    "k2": ("1", "concentration coefficient", "real"),
    "k3": ("1", "extravascular coefficient", "real"),
    "theta0": ("1/s", "frequency offset at the outer surface of magnetised vessels", "positive"),
    "r0": ("1/s", "slope of intravascular relaxation rate vs. extraction", "positive"),
    "TE": ("s", "echo time", "positive"),
    "eps": ("1", "ratio of intra- to extravascular signal", "positive"),
}

_REVISED_ONLY = ("theta0", "r0", "TE", "eps")


def check_preset(preset, error=MonitorError):
    """Raise ``error`` unless ``preset`` names a parameter set."""
    if not isinstance(preset, str) or preset not in PRESETS:
        raise error(
            f"unknown BOLD preset {preset!r}; choose one of {sorted(PRESETS)} "
            "('classic' = Friston 2003, 'revised_*' = Stephan 2007), and override "
            "single constants with keyword arguments (e.g. tau=1.5)."
        )


def resolve_constants(preset: str, overrides: dict) -> dict:
    """The nine constants of the model (``kappa .. V0, k1, k2, k3``).

    ``overrides`` maps names of :data:`HEMODYNAMIC_CONSTANTS` to values (or
    ``None`` for "the preset's"). ``k1..k3`` not given explicitly follow from
    the preset's rule and the (possibly overridden) ``E0``, ``theta0``,
    ``r0``, ``TE`` and ``eps``. Values may be tracers.
    """
    check_preset(preset)
    over = {k: v for k, v in overrides.items() if v is not None}
    p = dict(PRESETS[preset], **over)
    if preset == "classic":
        bad = sorted(set(over) & set(_REVISED_ONLY))
        if bad:
            raise MonitorError(
                f"the 'classic' BOLD preset has no {bad}: its k1..k3 are 7 E0, 2, 2 E0 - 0.2. "
                "Use preset='revised_1.5T' or 'revised_3T', or set k1, k2, k3 directly."
            )
        p.setdefault("k1", 7.0 * p["E0"])
        p.setdefault("k2", 2.0)
        p.setdefault("k3", 2.0 * p["E0"] - 0.2)
    else:
        p.setdefault("k1", 4.3 * p["theta0"] * p["E0"] * p["TE"])
        p.setdefault("k2", p["eps"] * p["r0"] * p["E0"] * p["TE"])
        p.setdefault("k3", 1.0 - p["eps"])
    return {k: p[k] for k in ("kappa", "gamma", "tau", "alpha", "E0", "V0", "k1", "k2", "k3")}


def check_constants(overrides: dict, error=MonitorError):
    """Validate concrete override values (finite numbers inside their range)."""
    for name, value in overrides.items():
        if value is None:
            continue
        unit, meaning, kind = HEMODYNAMIC_CONSTANTS[name]
        try:
            arr = np.asarray(value, dtype=float)
        except (TypeError, ValueError):
            raise error(f"BOLD constant {name} ({meaning}) must be a number; got {value!r}.") from None
        ok = np.all(np.isfinite(arr))
        if kind == "positive":
            ok = ok and np.all(arr > 0)
        elif kind == "fraction":
            ok = ok and np.all((arr > 0) & (arr < 1))
        if not ok:
            wanted = {"positive": "> 0", "fraction": "in (0, 1)", "real": "finite"}[kind]
            raise error(f"BOLD constant {name} ({meaning}, {unit}) must be {wanted}; got {value!r}.")


def rest_state(n: int, dtype=float):
    """The resting state ``[s, f, v, q] = [0, 1, 1, 1]``, shape ``(4, n)``."""
    return jnp.concatenate([jnp.zeros((1, n), dtype), jnp.ones((3, n), dtype)])


def balloon_rhs(x, z, c):
    """Time derivative (1/s) of ``x = [s, f, v, q]`` (shape ``(4, n)``) under drive ``z``.

    ``c`` is the dict of :func:`resolve_constants`. Rest with ``z = 0`` gives
    exactly zero.
    """
    s, f, v, q = x[0], x[1], x[2], x[3]
    E0, alpha, tau = c["E0"], c["alpha"], c["tau"]
    log_v = jnp.log(v)
    outflow = jnp.exp(log_v / alpha)  # v^(1/alpha)
    extraction = 1.0 - (1.0 - E0) / E0 * jnp.expm1((1.0 / f - 1.0) * jnp.log1p(-E0))  # E(f)/E0
    ds = z - c["kappa"] * s - c["gamma"] * (f - 1.0)
    df = s
    dv = (f - outflow) / tau
    dq = (f * extraction - q * jnp.exp((1.0 / alpha - 1.0) * log_v)) / tau
    return jnp.stack([ds, df, dv, dq])


def balloon_rk4_step(x, z, h, c):
    """One classical Runge–Kutta step of length ``h`` (s), drive ``z`` held constant."""
    k1 = balloon_rhs(x, z, c)
    k2 = balloon_rhs(x + 0.5 * h * k1, z, c)
    k3 = balloon_rhs(x + 0.5 * h * k2, z, c)
    k4 = balloon_rhs(x + h * k3, z, c)
    return x + (h / 6.0) * (k1 + 2.0 * k2 + 2.0 * k3 + k4)


def bold_signal(x, c):
    """The BOLD signal :math:`y = V_0 [k_1(1-q) + k_2(1-q/v) + k_3(1-v)]` (dimensionless)."""
    v, q = x[2], x[3]
    return c["V0"] * (c["k1"] * (1.0 - q) + c["k2"] * (1.0 - q / v) + c["k3"] * (1.0 - v))
