r"""Long-range coupling: how delayed source activity becomes a node input.

Every coupling first forms the delayed weighted sum of the sent variable
(``r`` for Coombes–Byrne),

.. math:: S_i(t) = \sum_j W_{ij}\, r_j(t - \tau_{ij}),

with ``W[target, source]``, then maps it to the input of target ``i`` in
:meth:`post`. The input is held fixed over the stages of one step (as TVB and
brainmass do).
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, ClassVar

import jax
import jax.numpy as jnp
import numpy as np
from jax.typing import DTypeLike

from ._checks import per_region
from ._pytree import pytree_dataclass, static_names
from ._types import Parameter
from .errors import CouplingError

if TYPE_CHECKING:
    from .nodes.base import NodeModel

__all__ = ["Coupling", "Linear", "Diffusive", "Conductance"]


class Coupling:
    """Base class: ``post(S, local, strength) -> input`` into the port :meth:`port`.

    A subclass (decorated with :func:`brainnet_cb.plugins.coupling`) defines
    the pure method ``post``: ``S`` is the delayed weighted sum of the sent
    quantity, ``local`` the region's own sent quantity, ``strength`` its
    in-strength ``sum_j W[i, j]``. Its fields are parameters, a scalar or one
    value per target region.
    """

    port_name: ClassVar = None  # None: the model's own ``receives`` port

    def port(self, model: NodeModel) -> str:
        """The node input port this coupling feeds; checked against the model."""
        port = self.port_name or model.receives
        if port not in model.input_ports:
            raise CouplingError(
                f"{type(self).__name__} feeds the input port {port!r}, which "
                f"{type(model).__name__} does not have; its ports are {model.input_ports}."
            )
        return port

    def validated(self, n_regions: int, dtype: DTypeLike) -> Coupling:
        """Check the parameters on the host; return a copy holding arrays.

        Each parameter must be finite and a scalar or one value per target region.
        Fields declared with :func:`~brainnet_cb.plugins.static_field` are kept
        as they are (they are part of the compilation key, not arrays).
        """
        values = {}
        static = static_names(self)
        for f in dataclasses.fields(self):
            if f.name in static:  # part of the compilation key (static_field), not a number
                values[f.name] = getattr(self, f.name)
                continue
            arr = per_region(getattr(self, f.name), n_regions, f"{type(self).__name__}.{f.name}",
                             CouplingError, per="target region")
            values[f.name] = jnp.asarray(np.broadcast_to(arr, (n_regions,)), dtype=dtype)
        out = type(self)(**values)
        _check_post(jax.tree_util.tree_structure(out), n_regions, jnp.dtype(dtype), out)
        return out

    def describe(self) -> str:
        args = ", ".join(f"{f.name}={np.asarray(getattr(self, f.name)).tolist()}" for f in dataclasses.fields(self))
        return f"{type(self).__name__}({args})"


_POST_CHECKED: set = set()  # (tree structure, n, dtype) whose post gave one real value per region


def _check_post(structure, n: int, dtype, coupling: Coupling) -> None:
    """Trace ``post`` once per structure (no compilation): it must give one real number per target region.

    A post returning another shape or a complex input fails (or broadcasts the node
    state to a matrix) deep inside the compiled scan; this says so before the run.
    """
    key = (structure, n, dtype)
    try:
        if key in _POST_CHECKED:
            return
    except TypeError:  # a static field that cannot be hashed: check every time
        key = None
    vec = jax.ShapeDtypeStruct((n,), dtype)
    name = type(coupling).__name__
    try:
        out = jax.eval_shape(lambda c, S, local, strength: c.post(S, local, strength), coupling, vec, vec, vec)
    except Exception as exc:  # the user's code failed on arrays of shape (n,)
        raise CouplingError(
            f"{name}.post(S, local, strength) failed on arrays of shape ({n},) (one value per target "
            f"region): {type(exc).__name__}: {exc}"
        ) from exc
    shape = getattr(out, "shape", None)
    kind = np.dtype(getattr(out, "dtype", np.float64)).kind
    if shape not in ((), (1,), (n,)) or kind not in "fiub":
        what = f"shape {shape}, dtype {out.dtype}" if shape is not None else repr(out)
        raise CouplingError(
            f"{name}.post(S, local, strength) must return one real number per target region (shape "
            f"({n},), like S); it returns {what}. Reduce it to shape ({n},), e.g. with .sum(axis=...) or "
            f"the real part."
        )
    if key is not None:
        _POST_CHECKED.add(key)


@pytree_dataclass
class Linear(Coupling):
    r"""Linear current coupling: the delayed weighted sum of the sources, scaled by ``G``.

    .. math:: c_i(t) = G_i\,S_i(t) = G_i \sum_j W_{ij}\, r_j(t - \tau_{ij}),
              \qquad \tau_{ij} = L_{ij} / \mathrm{speed},

    with ``W[target, source]`` (normalised by its largest weight unless the run's
    ``normalize`` says otherwise) and the lags rounded to whole steps. ``c_i``
    enters the model's coupling port, ``v`` for Coombes–Byrne
    (:math:`\dot v_i = \dots + c_i`), as in TVB's linear coupling of its
    ``CoombesByrne2D`` model [1]_. TVB's ``Linear(a, b)`` (``a * sum + b``) on
    the weights as TVB uses them is ``Linear(G=a)`` with ``normalize="none"``
    (or ``G = a * max(W)`` with the default ``"max"``); its offset ``b`` is a
    constant input to ``v``, ``eta + b`` for Coombes–Byrne (docs/concepts.md).

    Parameters
    ----------
    G : float or array, default 1.0
        Global coupling strength: a scalar, or one value per target region
        (a list is made an array). Dimensionless: ``S`` has the unit of the
        sent rate ``r`` (1/ms) and ``c`` that of ``dv/dt`` (1/ms).

    References
    ----------
    .. [1] P. Sanz Leon et al. (2013). The Virtual Brain: a simulator of primate
       brain network dynamics. *Frontiers in Neuroinformatics* 7, 10.

    Examples
    --------
    >>> import numpy as np, brainnet_cb as bn
    >>> conn = bn.Connectome(weights=[[0, 1], [1, 0]], lengths=[[0, 30], [30, 0]])
    >>> ds = bn.simulate(bn.CoombesByrne(), conn, duration=20.0, dt=0.1,
    ...                  coupling=bn.Linear(G=0.5), speed=3.0)  # 10 ms delays
    >>> bn.Linear(G=0.5).post(np.array([1.0, 0.2]), None, None)  # c = G S
    array([0.5, 0.1])
    """

    G: Parameter = 1.0

    def post(self, S: jax.Array, local: jax.Array, strength: jax.Array) -> jax.Array:
        return self.G * S


@pytree_dataclass
class Diffusive(Coupling):
    r"""Diffusive (difference) coupling: :math:`c_i = G \sum_j W_{ij} (r_j(t-\tau_{ij}) - r_i(t))`.

    Equal to :math:`G (S_i - s_i r_i)` with the in-strength :math:`s_i = \sum_j W_{ij}`
    (``W[target, source]``); zero when all regions share the same (delayed)
    activity. TVB calls it ``Difference`` [1]_. It enters the model's coupling
    port (``v`` for Coombes–Byrne).

    Parameters
    ----------
    G : float or array, default 1.0
        Global coupling strength: a scalar, or one value per target region;
        dimensionless (as for :class:`Linear`).

    References
    ----------
    .. [1] P. Sanz Leon et al. (2013). The Virtual Brain: a simulator of primate
       brain network dynamics. *Frontiers in Neuroinformatics* 7, 10.

    Examples
    --------
    >>> import numpy as np, brainnet_cb as bn
    >>> S, r, strength = np.array([1.0, 0.5]), np.array([0.2, 0.4]), np.array([1.0, 1.0])
    >>> bn.Diffusive(G=2.0).post(S, r, strength)  # G (S - s r)
    array([1.6, 0.2])
    """

    G: Parameter = 1.0

    def post(self, S: jax.Array, local: jax.Array, strength: jax.Array) -> jax.Array:
        return self.G * (S - strength * local)


@pytree_dataclass
class Conductance(Coupling):
    r"""Conductance-based coupling: the long-range term adds to the synaptic conductance.

    For Coombes–Byrne [1]_, :math:`g_i = k\pi r_i + G S_i` with
    :math:`S_i = \sum_j W_{ij}\, r_j(t - \tau_{ij})` (``W[target, source]``),
    which enters both the :math:`-g r` and the :math:`(v_\mathrm{syn} - v) g`
    terms, so excitatory or inhibitory action depends on :math:`v_\mathrm{syn}`.
    Needs a model with a ``"g"`` input port (``bn.CoombesByrne`` has one).

    Parameters
    ----------
    G : float or array, default 1.0
        Global coupling strength: a scalar, or one value per target region;
        in the unit of the model's ``k`` (:math:`G S_i` adds to :math:`k\pi r_i`).

    References
    ----------
    .. [1] S. Coombes and Á. Byrne (2019). Next generation neural mass models.
       In *Nonlinear Dynamics in Computational Neuroscience*, pp. 1-16. Springer.

    Examples
    --------
    >>> import brainnet_cb as bn
    >>> conn = bn.Connectome(weights=[[0, 1], [1, 0]], lengths=[[0, 30], [30, 0]])
    >>> ds = bn.simulate(bn.CoombesByrne(), conn, duration=20.0, dt=0.1,
    ...                  coupling=bn.Conductance(G=0.5), speed=3.0)
    >>> ds.r.dims
    ('time', 'region')
    """

    G: Parameter = 1.0
    port_name: ClassVar = "g"

    def post(self, S: jax.Array, local: jax.Array, strength: jax.Array) -> jax.Array:
        return self.G * S
