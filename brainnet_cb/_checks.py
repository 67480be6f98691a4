"""Host-side checks shared by models, couplings, noise and fits."""

from __future__ import annotations

import dataclasses
import os
import sys

import numpy as np

__all__ = ["per_region", "real_numbers", "region_labels", "indexed_by_numbers", "same_regions", "label_order",
           "by_label", "caller_stacklevel", "refuse_tracers", "at_least_text"]

#: What to use instead of building a run inside a JAX transformation.
TRACED_RUN_FIX = (
    "a run is checked, compiled and labelled on the host, so bn.simulate, bn.Simulation and bn.simulate_batch "
    "cannot be called inside jax.jit, jax.grad or jax.vmap. Differentiate with "
    "brainnet_cb.fitting.fit.fc_loss (a pure JAX objective of the parameters) or "
    "NetworkModule(..., trainable=...) under brainstate.transform.grad; run a batch of values with "
    "bn.simulate_batch(..., batch={...}) called outside the transformation.")


def refuse_tracers(fields, error, fix=TRACED_RUN_FIX):
    """Raise ``error`` if a leaf of any value of ``fields`` (``{name: value}``) is a JAX tracer.

    The message names the traced field and ends with ``fix``, what to do instead.

    Called first by the entry points that build a run on the host: a traced
    value failed later with a message that a number was not a number
    (``CoombesByrne.eta must be a number ...; got JitTracer(~float64[])``).
    """
    import jax  # noqa: PLC0415 - only the entry points that build a run call this

    for name, value in fields.items():
        try:
            leaves = jax.tree_util.tree_flatten_with_path(value)[0]
        except Exception:  # noqa: BLE001 - an object jax cannot flatten holds no tracer we could name
            continue
        for path, leaf in leaves:
            if isinstance(leaf, jax.core.Tracer):
                where = name + jax.tree_util.keystr(path)
                raise error(f"{where} is a JAX tracer ({type(leaf).__name__} of shape {leaf.shape}): {fix}")


def float_array(value) -> np.ndarray:
    """``value`` as a float array; TypeError for text, bytes and booleans, which NumPy would read as numbers
    ("1.5" as 1.5, True as 1), and TypeError / ValueError for what is not numeric (the caller names it)."""
    if np.asarray(value).dtype.kind in "USb":
        raise TypeError(value)
    return np.asarray(value, dtype=float)


def per_region(value, n, what, error, per="region", scalar="a scalar"):
    """``value`` as a float array that is a scalar or has shape ``(n,)``, all finite.

    Raises ``error`` naming ``what`` (e.g. ``"CoombesByrne.eta"``) with what was
    received and what is expected: one value, or one value per ``per``.
    """
    try:
        arr = float_array(value)
    except (TypeError, ValueError):
        raise error(f"{what} must be a number or one number per {per}; got {value!r}.") from None
    if arr.ndim > 1 or (arr.ndim == 1 and arr.shape[0] != n):
        raise error(
            f"{what} must be {scalar} or have shape ({n},) (one value per {per}); got shape {arr.shape}."
        )
    if not np.all(np.isfinite(arr)):
        if arr.ndim == 0:
            raise error(f"{what} must be finite; got {float(arr)!r}.")
        i = int(np.flatnonzero(~np.isfinite(arr))[0])
        raise error(f"{what} must be finite; got {float(arr[i])!r} at {per} index {i}.")
    return arr


def real_numbers(value, name, error, what="it"):
    """``value``, as its real part where it is complex with a zero imaginary part.

    Complex entries with a non-zero imaginary part (an analytic signal, a
    spectrum) raise ``error`` naming ``name``: a cast to float would drop that
    part without an error. ``what`` says what must hold real numbers (``"an FC
    matrix"``). A value that is not an array at all is returned as it is, for
    the caller to refuse.
    """
    try:
        raw = np.asarray(value)
    except (TypeError, ValueError):
        return value
    if raw.dtype.kind != "c":
        return value
    if np.any(raw.imag):
        example = raw.ravel()[np.flatnonzero(raw.imag)[0]]
        raise error(f"{name} holds complex numbers (e.g. {example}), whose imaginary part would be dropped; "
                    f"{what} must hold real numbers. Pass its real part or modulus (m.real, np.abs(m)), "
                    "whichever the data mean.")
    return raw.real


def _index(value):
    """The index of a pandas Series, or the coordinate of a 1-D DataArray's dimension; None for anything else."""
    module = type(value).__module__.split(".")[0]
    if module == "pandas":
        import pandas as pd  # noqa: PLC0415 - loaded already: value is a pandas object

        return value.index if isinstance(value, pd.Series) else None  # not a pandas array or Index
    if module == "xarray" and getattr(value, "ndim", None) == 1:
        dim = value.dims[0]
        return value[dim].values if dim in value.coords else None
    return None


def region_labels(value):
    """The labels of a value labelled by region, as strings; None for an unlabelled one.

    A pandas Series' index, or the coordinate of a 1-D xarray DataArray's
    dimension. Pandas' default positions ``0 .. n-1`` are no labels.
    """
    index = _index(value)
    if index is None:
        return None
    labels = [str(v).strip() for v in index]
    return None if labels == [str(k) for k in range(len(labels))] else labels


def indexed_by_numbers(value) -> bool:
    """Whether ``value``'s index holds numbers (row numbers of a sorted or filtered table), not names."""
    return np.asarray(_index(value)).dtype.kind in "iuf"


def same_regions(found, wanted) -> bool:
    """Whether ``found`` lists the labels of ``wanted`` once each, and no others (in any order)."""
    found, wanted = list(found), list(wanted)
    return len(found) == len(wanted) and len(set(found)) == len(found) and set(found) == set(wanted)


def label_order(found, wanted, what, error, fix, whose="the connectome's"):
    """Positions ``p`` with ``found[p[k]] == wanted[k]``: where each wanted label is among the labels found.

    The one reordering by label behind labelled inputs (a per-region value,
    a weights or lengths matrix, an empirical FC, a matrix to draw): ``found``
    must list the labels of ``wanted`` once each (:func:`same_regions`),
    else ``error`` names ``what``, its unknown, missing and repeated labels
    and ``fix`` (how to label it or pass it instead); ``whose`` names the
    owner of the wanted labels. Labels are compared as given: callers turn
    them into strings and apply their own rules for numbers (positions).
    """
    found, wanted = list(found), list(wanted)
    if same_regions(found, wanted):
        where = {v: k for k, v in enumerate(found)}
        return [where[v] for v in wanted]
    known, given = set(wanted), set(found)
    unknown = [v for v in found if v not in known]
    missing = [v for v in wanted if v not in given]
    repeated = sorted({v for v in given if found.count(v) > 1})
    raise error(
        f"{what} is labelled by region, but its labels are not {whose} {len(wanted)} regions once each "
        f"({len(found)} labels; unknown {_few(unknown)}, missing {_few(missing)}, repeated {_few(repeated)}); "
        f"{fix}."
    )


def by_label(value, labels, what, error):
    """``value`` in the order of the connectome's region ``labels`` when it is labelled by region.

    A pandas Series or a 1-D DataArray whose labels are the connectome's
    regions, once each, is reordered by label (a map written in another
    region order would otherwise be used by position); labels that name other
    regions are refused with ``error`` (:func:`label_order`); anything else is
    returned unchanged, so is a value indexed by numbers that are not the
    regions' labels (the row numbers of a sorted or filtered table: used by
    position).
    """
    given = region_labels(value)
    if given is None:
        return value
    labels = [str(v) for v in labels]
    if not same_regions(given, labels) and indexed_by_numbers(value):
        return value
    order = label_order(given, labels, what, error, "label it with connectome.labels, or pass a plain array in "
                                                    "the connectome's region order")
    try:
        return np.asarray(value, dtype=float)[order]
    except (TypeError, ValueError):
        return value  # per_region says what is wrong with the values


def at_least_text(x) -> str:
    """``x`` as ``:g`` writes it (6 significant digits), with more where that rounds it down: a limit a message
    names must pass the check it names (``f"{165 * 733.3:g}"`` is ``120994``, below 120994.5)."""
    for digits in range(6, 18):
        text = f"{x:.{digits}g}"
        if float(text) >= x:
            return text
    return repr(float(x))


def _few(names, k=5):
    return f"{names[:k]}{' ...' if len(names) > k else ''}"


_INTERNAL = (os.path.dirname(os.path.abspath(__file__)), os.path.dirname(dataclasses.__file__))


def caller_stacklevel():
    """The ``stacklevel`` of the first frame outside brainnet_cb and the standard library's dataclasses (whose
    generated ``__init__`` is compiled from ``"<string>"``)."""
    frame, level = sys._getframe(1), 1
    while frame is not None and (os.path.abspath(frame.f_code.co_filename).startswith(_INTERNAL)
                                 or (frame.f_code.co_filename, frame.f_code.co_name) == ("<string>", "__init__")):
        frame, level = frame.f_back, level + 1
    return level
