"""Too short a BOLD series for an FC, refused before the connectome is read, in the configuration's keys and ms.

``bn.fit_working_point`` refuses such a run in its own arguments and in
seconds ("duration 60 s leaves 55 BOLD samples (39.6 s) after the 20-s
discard, shorter than one period of the band's low edge ..., or pass band=None");
``bn.sweep`` / ``bn.fit_grid`` / ``bn.fit_gradient`` say "band=True: ...
after discarding 20 s of the 30.24-s run (the BOLD monitor's discard)", only
once the connectome is read. The command line knows the same limits from its
keys alone:
:func:`check_fc_series` states them as ``run.duration``,
``monitors.bold.discard`` and ``monitors.bold.tr`` in ms, with the fix as
``--duration`` takes it.
"""

from __future__ import annotations

import math

from .config_schema import ConfigError

__all__ = ["check_fc_series", "shortest_duration"]

#: An FC needs at least this many samples (the fits and the sweep refuse fewer).
MIN_SAMPLES = 3


def _band(tr):
    """``(low, high, pad)`` of the default band-pass (Hz) for BOLD sampled every ``tr`` ms; ``pad``: the zero-phase
    filter's edge padding in volumes, None where the upper edge is not below the Nyquist frequency."""
    from ..analysis.filters import BOLD_BAND, design_bandpass, pad_length  # noqa: PLC0415

    low, high = BOLD_BAND
    if not high < 500.0 / tr:
        return low, high, None
    return low, high, pad_length(design_bandpass((low, high), 1000.0 / tr, 2))


def _dropped(discard, tr, recipe):
    """Volumes the discard drops: the recipe's count (``ceil``; it discards by time) or the BOLD monitor's
    (those stamped at ``t <= discard``, the grid and gradient fits' and the sweep's)."""
    if recipe:
        return int(math.ceil(discard / tr - 1e-9))
    return int(math.floor(discard / tr + 1e-9))


def _period_volumes(tr, low):
    """Volumes sampled every ``tr`` ms that span one period of the band's low edge ``low`` (Hz)."""
    return int(math.ceil(1000.0 / (low * tr) - 1e-9))


def shortest_duration(tr, discard, band, recipe):
    """``(duration, reason)``: the shortest ``run.duration`` (ms) that gives an FC, and what sets it: ``"samples"``
    (at least 3 volumes), ``"pad"`` (more than the band-pass's edge padding) or ``"period"`` (the recipe's one
    period of the band's low edge after the discard)."""
    need = {"samples": (_dropped(discard, tr, recipe) + MIN_SAMPLES) * tr}
    if band:
        low, _, pad = _band(tr)
        need["pad"] = (_dropped(discard, tr, recipe) + pad + 1) * tr
        if recipe:  # volumes spanning one period of the low edge (bn.fc's ShortRecordWarning otherwise)
            need["period"] = (_dropped(discard, tr, recipe) + _period_volumes(tr, low)) * tr
    reason = max(need, key=need.get)
    return need[reason], reason


def check_fc_series(cfg, who, bandpass_key, band, recipe) -> None:
    """Refuse a ``cfg`` whose BOLD, after ``monitors.bold.discard``, is too short for an FC (or sampled too
    slowly for the band-pass), naming the keys: ``who`` says what needs the FC (``fit.method = "grid"``),
    ``bandpass_key`` the key of the band-pass (``fit.bandpass``), ``band`` whether it is on, and ``recipe``
    whether the limits are ``bn.fit_working_point``'s (which also needs a period of the band's low edge)."""
    duration, b = cfg.run.duration, cfg.monitors.bold
    tr, discard = b.tr, b.discard
    off = f"{bandpass_key} = false (no band-pass)"
    low, high, pad = _band(tr)
    if band and pad is None:
        raise ConfigError(f"monitors.bold.tr = {tr:g} ms samples BOLD at {1000.0 / tr:g} Hz: its Nyquist frequency, "
                          f"{500.0 / tr:g} Hz, is not above the upper edge of the {low:g}-{high:g} Hz band-pass "
                          f"({bandpass_key} = true) of {who}. Set monitors.bold.tr < {500.0 / high:g} or {off}.")
    need, reason = shortest_duration(tr, discard, band, recipe)
    if duration >= need - 1e-9 * tr:  # the BOLD monitor's count of volumes (Bold.check), the recipe's too
        return
    total = int(math.floor(duration / tr + 1e-9))
    kept = max(total - _dropped(discard, tr, recipe), 0)
    volumes = f"{kept} BOLD volume{'' if kept == 1 else 's'} (TR = {tr:g} ms)"
    if reason == "samples":
        why = f"it leaves {volumes}, and an FC needs at least {MIN_SAMPLES}"
    elif reason == "pad":
        why = (f"it leaves {volumes}, and the zero-phase band-pass ({bandpass_key} = true) pads {pad} at each end "
               f"and needs more than {pad}")
    else:
        why = (f"it leaves {volumes}, {kept * tr:g} ms of BOLD, shorter than one period of the band-pass's low "
               f"edge, {low:g} Hz ({1000.0 / low:g} ms, at least {_period_volumes(tr, low)} volumes; {bandpass_key} = "
               "true): the FC would be dominated by the filter")
    from .._checks import at_least_text  # noqa: PLC0415 - numpy, only for a refusal

    shown = at_least_text(need)  # not rounded below the limit (165 TRs of 733.3 ms: 120994.5, not 120994)
    fixes = [f"run.duration >= {shown} (--duration {shown})"]
    if discard > 0:
        fixes.append("a shorter monitors.bold.discard")
    if reason != "samples":
        fixes.append(off)
    fix = fixes[0] if len(fixes) == 1 else ", ".join(fixes[:-1]) + f" or {fixes[-1]}"
    # a duration written in seconds is the likeliest cause: say so where that fixes it and it reads as seconds
    seconds = (f". run.duration is in ms: {duration:g} s is --duration {duration * 1000:.15g}"
               if duration * 1000 >= need and duration <= 3600 else "")
    raise ConfigError(f"run.duration = {duration:g} ms is too short for {who}: after monitors.bold.discard = "
                      f"{discard:g} ms {why}. Set {fix}{seconds}.")

